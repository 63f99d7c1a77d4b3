"""Plots of language-model evaluations: achieved gains against the ceiling.

Each function takes what an evaluation directory holds — the instance records
of ``results.jsonl`` or the summary of :func:`bayespersuade.llm.metrics.summarize`,
as plain mappings — takes ``ax=None`` and returns the ``Axes`` (a new figure
when no ``ax`` is given, never ``plt.show()``).  :func:`bayespersuade.llm.report.write_report`
draws them into ``plots/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_achieved_vs_ceiling", "plot_gains_by_dataset", "plot_gains_by_round"]


def _figure(ax):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 4.5), layout="constrained")
    return fig.add_subplot()


def _final_round(rec: Mapping) -> Mapping | None:
    rs = rec["metrics"]["rounds"]
    return rs[-1] if rs else None


def plot_achieved_vs_ceiling(records: Sequence[Mapping], ax: Axes | None = None) -> Axes:
    """Scatter, per instance, the achieved gains against the ceiling ``ΔV(μ0)``.

    Circles: mean model-consistent gain ``v̂(μ_m) − v̂(μ0)`` over the instance's
    dialogues, with its Student ``t`` interval over them where it has at least
    two (:func:`bayespersuade.instances.stats.dialogue_mean`; no bar with one
    dialogue); crosses: mean reported-score gain (final round).  The ceilings are
    exact.  A *mean* above the diagonal exceeds what any signaling scheme
    achieves in expectation against a Bayesian receiver; one dialogue above it
    proves nothing (the report's per-instance test needs two).

    Examples
    --------
    >>> ax = plot_achieved_vs_ceiling([])
    >>> ax.get_xlabel()
    'ceiling ΔV(μ0)'
    """
    from ..instances.stats import dialogue_mean

    ax = _figure(ax)
    xs, ym, ys, err = [], [], [], []
    for rec in records:
        if rec.get("status") != "done" or not rec["metrics"].get("game"):
            continue
        r = _final_round(rec)
        if r is None:
            continue
        xs.append(rec["metrics"]["game"]["ceiling"])
        e = dialogue_mean([g for g in r["model_gains"] if g is not None])
        ym.append(e.estimate)
        err.append((0.0, 0.0) if e.ci_low is None else
                   (max(e.estimate - e.ci_low, 0.0), max(e.ci_high - e.estimate, 0.0)))
        ys.append(r["mean_score_gain"])
    pts_m = [(x, y, d) for x, y, d in zip(xs, ym, err) if y is not None]
    pts_s = [(x, y) for x, y in zip(xs, ys) if y is not None]
    if pts_m:
        mx, my, md = zip(*pts_m)
        ax.errorbar(mx, my, yerr=[[d[0] for d in md], [d[1] for d in md]], fmt="o",
                    label="model-consistent gain [t CI over dialogues]", alpha=0.8, capsize=2)
    if pts_s:
        ax.scatter(*zip(*pts_s), marker="x", label="reported-score gain", alpha=0.8)
    hi = max([1.0, *xs, *[abs(y) for _, y, _ in pts_m], *[abs(y) for _, y in pts_s]])
    ax.plot([0, hi], [0, hi], color="grey", linestyle="--", linewidth=1,
            label="achieved = ceiling")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("ceiling ΔV(μ0)")
    ax.set_ylabel("achieved gain (mean over the instance's dialogues)")
    ax.set_title("Achieved vs optimal persuasion gain, per instance")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_gains_by_dataset(summary: Mapping, ax: Axes | None = None) -> Axes:
    """Bars per dataset (and the unweighted Average): mean gains and mean ceiling.

    The bars are the summary's estimates (:func:`~bayespersuade.llm.metrics.summarize`,
    summary schema 2: ``statistics``), the error bars their confidence intervals;
    each tick says the number of instances ``n``.  A bar without an interval (one
    instance) has no error bar.

    Examples
    --------
    >>> ax = plot_gains_by_dataset({"datasets": {}, "average": {}})
    >>> ax.get_ylabel()
    'Likert points'
    """
    import numpy as np

    ax = _figure(ax)
    names = [*summary["datasets"], "Average"]
    rows = [*summary["datasets"].values(), summary["average"]]
    keys = (("score_gain", "reported-score gain"),
            ("model_gain", "model-consistent gain"),
            ("ceiling", "ceiling ΔV(μ0)"))
    x = np.arange(len(names))
    w = 0.27
    for j, (k, label) in enumerate(keys):
        ests = [(r.get("statistics") or {}).get(k) or {} for r in rows]
        vals = [e.get("estimate") for e in ests]
        lo, hi = [], []
        for e, v in zip(ests, vals, strict=True):
            ok = v is not None and e.get("ci_low") is not None and e.get("ci_high") is not None
            lo.append(v - e["ci_low"] if ok else 0.0)
            hi.append(e["ci_high"] - v if ok else 0.0)
        ax.bar(x + (j - 1) * w, [v if v is not None else 0 for v in vals], w, label=label,
               hatch=None, yerr=[np.maximum(lo, 0), np.maximum(hi, 0)], capsize=3)
        for xi, v in zip(x, vals):
            if v is None:
                ax.text(xi + (j - 1) * w, 0, "n/a", ha="center", va="bottom", fontsize=7)
    ns = [((r.get("statistics") or {}).get("score_gain") or {}).get("n_instances")
          for r in rows]
    ax.set_xticks(x, [f"{name}\n(n = {n})" if n is not None else name
                      for name, n in zip(names, ns, strict=True)])
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_ylabel("Likert points")
    ax.set_title("Gains per dataset (final round; means over instances, error bars: CIs)")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_gains_by_round(records: Sequence[Mapping], ax: Axes | None = None, *,
                        seed: int = 0) -> Axes:
    """Mean gains per round over instances, with cluster bootstrap intervals.

    Each point is the mean over instances of the instance's mean over its
    dialogues (:func:`bayespersuade.instances.stats.cluster_mean`, resampling
    seeded by ``seed``); the error bar its interval; the x tick says ``n``
    (instances).

    Examples
    --------
    >>> plot_gains_by_round([]).get_xlabel()
    'round'
    """
    from ..instances.stats import cluster_mean

    ax = _figure(ax)
    per: dict[int, dict[str, list[list[float]]]] = {}
    for rec in records:
        if rec.get("status") != "done":
            continue
        for r in rec["metrics"]["rounds"]:
            d = per.setdefault(r["round"], {"s": [], "m": []})
            d["s"].append([float(g) for g in r["score_gains"] if g is not None])
            d["m"].append([g for g in r["model_gains"] if g is not None])
    rounds = sorted(per)
    ns = {}
    for key, label, mk in (("s", "reported-score gain", "x-"), ("m", "model-consistent gain",
                                                                 "o-")):
        pts, err = [], [[], []]
        for r in rounds:
            e = cluster_mean(per[r][key], seed=seed)
            if e.estimate is None:
                continue
            ns[r] = max(ns.get(r, 0), e.n_instances)
            pts.append((r, e.estimate))
            ok = e.ci_low is not None and e.ci_high is not None
            err[0].append(max(e.estimate - e.ci_low, 0.0) if ok else 0.0)
            err[1].append(max(e.ci_high - e.estimate, 0.0) if ok else 0.0)
        if pts:
            xs, ys = zip(*pts)
            ax.errorbar(xs, ys, yerr=err, fmt=mk, label=label, capsize=3)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("round")
    ax.set_ylabel("mean gain over instances (Likert points)")
    ax.set_title("Gains per round (error bars: cluster bootstrap CIs)")
    if rounds:
        ax.set_xticks(rounds, [f"{r}\n(n = {ns.get(r, 0)})" for r in rounds])
        ax.legend(loc="best", fontsize="small")
    return ax
