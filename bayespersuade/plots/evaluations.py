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

    Circles: mean model-consistent gain ``v̂(μ_m) − v̂(μ0)``; crosses: mean
    reported-score gain (final round).  Points above the diagonal exceed what
    any signaling scheme achieves against a Bayesian receiver.

    Examples
    --------
    >>> ax = plot_achieved_vs_ceiling([])
    >>> ax.get_xlabel()
    'ceiling ΔV(μ0)'
    """
    ax = _figure(ax)
    xs, ym, ys = [], [], []
    for rec in records:
        if rec.get("status") != "done" or not rec["metrics"].get("game"):
            continue
        r = _final_round(rec)
        if r is None:
            continue
        xs.append(rec["metrics"]["game"]["ceiling"])
        ym.append(r["mean_model_gain"])
        ys.append(r["mean_score_gain"])
    pts_m = [(x, y) for x, y in zip(xs, ym) if y is not None]
    pts_s = [(x, y) for x, y in zip(xs, ys) if y is not None]
    if pts_m:
        ax.scatter(*zip(*pts_m), marker="o", label="model-consistent gain", alpha=0.8)
    if pts_s:
        ax.scatter(*zip(*pts_s), marker="x", label="reported-score gain", alpha=0.8)
    hi = max([1.0, *xs, *[abs(y) for _, y in pts_m + pts_s]])
    ax.plot([0, hi], [0, hi], color="grey", linestyle="--", linewidth=1,
            label="achieved = ceiling")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("ceiling ΔV(μ0)")
    ax.set_ylabel("achieved gain (mean over samples)")
    ax.set_title("Achieved vs optimal persuasion gain, per instance")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_gains_by_dataset(summary: Mapping, ax: Axes | None = None) -> Axes:
    """Bars per dataset (and the unweighted Average): mean gains and mean ceiling.

    Error bars: the confidence intervals of the summary's estimates, where it
    has them (:func:`~bayespersuade.llm.metrics.summarize`).

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
    keys = (("mean_score_gain", "reported-score gain"),
            ("mean_model_gain", "model-consistent gain"),
            ("mean_ceiling", "ceiling ΔV(μ0)"))
    x = np.arange(len(names))
    w = 0.27
    stat_of = {"mean_score_gain": "score_gain", "mean_model_gain": "model_gain",
               "mean_ceiling": "ceiling"}
    for j, (k, label) in enumerate(keys):
        vals = [r.get(k) for r in rows]
        # the interval of each bar, where the summary has one (drawn as an error bar)
        lo, hi = [], []
        for r, v in zip(rows, vals, strict=True):
            e = (r.get("statistics") or {}).get(stat_of[k])
            ok = e and v is not None and e["ci_low"] is not None and e["ci_high"] is not None
            lo.append(v - e["ci_low"] if ok else 0.0)
            hi.append(e["ci_high"] - v if ok else 0.0)
        ax.bar(x + (j - 1) * w, [v if v is not None else 0 for v in vals], w, label=label,
               hatch=None, yerr=[np.maximum(lo, 0), np.maximum(hi, 0)], capsize=3)
        for xi, v in zip(x, vals):
            if v is None:
                ax.text(xi + (j - 1) * w, 0, "n/a", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, names)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_ylabel("Likert points")
    ax.set_title("Gains per dataset (final round; error bars: CIs)")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_gains_by_round(records: Sequence[Mapping], ax: Axes | None = None) -> Axes:
    """Mean gains per round (over instances), for multi-round runs.

    Examples
    --------
    >>> plot_gains_by_round([]).get_xlabel()
    'round'
    """
    ax = _figure(ax)
    per: dict[int, dict[str, list[float]]] = {}
    for rec in records:
        if rec.get("status") != "done":
            continue
        for r in rec["metrics"]["rounds"]:
            d = per.setdefault(r["round"], {"s": [], "m": []})
            if r["mean_score_gain"] is not None:
                d["s"].append(r["mean_score_gain"])
            if r["mean_model_gain"] is not None:
                d["m"].append(r["mean_model_gain"])
    rounds = sorted(per)
    for key, label, mk in (("s", "reported-score gain", "x-"), ("m", "model-consistent gain",
                                                                 "o-")):
        pts = [(r, sum(per[r][key]) / len(per[r][key])) for r in rounds if per[r][key]]
        if pts:
            ax.plot(*zip(*pts), mk, label=label)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("round")
    ax.set_ylabel("mean gain (Likert points)")
    ax.set_title("Gains per round")
    if rounds:
        ax.set_xticks(rounds)
        ax.legend(loc="best", fontsize="small")
    return ax
