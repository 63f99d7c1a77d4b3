"""Plots of dataset ceilings and human baselines.

* :func:`plot_ceiling_distribution`: the distribution of the instances'
  ceilings, one box per dataset, means marked.
* :func:`plot_envelope_with_priors`: a two-state family's ``v̂`` (the
  receiver's best response valued by the sender) and its concave envelope
  ``V``, with each instance's prior marked on both (the vertical gap at a
  prior is that instance's ceiling).
* :func:`plot_achieved_vs_ceiling`: per claim and source, the mean gain the
  persuaders achieved against the mean ceiling of the same receivers; points
  above the diagonal are beyond what any Bayes-plausible scheme produces in
  expectation.

Every function takes ``ax=None`` (a new figure is made when omitted) and
returns the :class:`~matplotlib.axes.Axes`; none calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidParameterError
from ..instances.ceilings import base_game
from .games import sender_value_pieces

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes

    from ..instances.baselines import Baselines

__all__ = ["plot_achieved_vs_ceiling", "plot_ceiling_distribution", "plot_envelope_with_priors"]


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6.4, 4.2))
    return ax


def plot_ceiling_distribution(tables: pd.DataFrame | Mapping[str, pd.DataFrame],
                              ax: Axes | None = None) -> Axes:
    """Box plots of the per-instance ceilings, one per dataset, with the means.

    Parameters
    ----------
    tables : DataFrame or mapping name -> DataFrame
        Ceiling tables (:func:`bayespersuade.instances.ceilings.ceiling_table`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayespersuade.instances.ceilings import ceiling_table
    >>> from bayespersuade.datasets import load_embedded
    >>> t = ceiling_table(load_embedded(split="test").records, "evidence-stance")
    >>> ax = plot_ceiling_distribution({"perspectrum": t})
    >>> ax.get_ylabel()
    'ceiling ΔV(μ0) = V(μ0) − v̂(μ0)'
    """
    import pandas as pd

    if isinstance(tables, pd.DataFrame):
        name = tables.attrs.get("dataset") or (
            str(tables["dataset"].iloc[0]) if len(tables) else "dataset")
        tables = {name: tables}
    ax = _axes(ax)
    names = list(tables)
    data = [np.asarray(tables[k]["ceiling"], dtype=float) for k in names]
    ax.boxplot(data, showfliers=True)
    ax.set_xticks(range(1, len(names) + 1), [f"{k}\n(n={len(d)})" for k, d in
                                             zip(names, data, strict=True)])
    from ..instances.stats import cluster_mean

    # the mean over claims with its cluster bootstrap interval (the box is descriptive)
    ests = [cluster_mean([[float(x)] for x in d]) for d in data]
    means = [np.nan if e.estimate is None else e.estimate for e in ests]
    err = [[0.0 if e.ci_low is None else max(e.estimate - e.ci_low, 0.0) for e in ests],
           [0.0 if e.ci_high is None else max(e.ci_high - e.estimate, 0.0) for e in ests]]
    ax.scatter(range(1, len(names) + 1), means, marker="D", color="C3", zorder=3,
               label="mean [95% CI over claims]")
    ax.errorbar(range(1, len(names) + 1), means, yerr=err, fmt="none", ecolor="C3", zorder=3,
                capsize=4)
    fams = {str(t.attrs.get("family")) for t in tables.values()}
    ps = {str(t.attrs.get("p")) for t in tables.values()}
    ax.set_title(f"Persuasion-gain ceilings ({', '.join(sorted(fams))}; p = "
                 f"{', '.join(sorted(ps))})")
    ax.set_ylabel("ceiling ΔV(μ0) = V(μ0) − v̂(μ0)")
    ax.legend(loc="upper right")
    return ax


def plot_envelope_with_priors(table: pd.DataFrame | None = None, family: str | None = None,
                              *, priors: Any = None, loss: str | None = None,
                              p: int | float | None = None, ax: Axes | None = None) -> Axes:
    """A two-state family's ``v̂`` and envelope ``V``, with the instances' priors.

    Parameters
    ----------
    table : DataFrame, optional
        A ceiling table of a two-state family; its priors (the last state's
        probability), family and ``p`` are used.
    family : {"binary-truth", "evidence-stance"}, optional
        Needed when no table is given.
    priors : array_like, optional
        Priors ``P(states[1])`` to mark instead of a table's.
    loss, p
        The receiver's loss when no table is given.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        For a family with more than two states.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_envelope_with_priors(family="binary-truth", priors=[0.2, 0.5])
    >>> ax.get_xlabel()
    'μ0 = P(true)'
    """
    if table is not None:
        family = table.attrs.get("family") or str(table["family"].iloc[0])
        p = table.attrs.get("p", p)
        loss = None
    if family is None:
        raise InvalidParameterError("give a ceiling table or a family")
    game = base_game(family, loss=loss, p=p)
    if game.n_states != 2:
        raise InvalidParameterError(
            f"the envelope plot needs a two-state family; {family!r} has {game.n_states} "
            "states")
    env = game.envelope(exact=False)
    ax = _axes(ax)
    cands = [float(c) for c in env.candidates]
    # v̂ piece by piece (a maximum of lines where receiver-equivalent actions tie)
    for i, (xs, ys) in enumerate(sender_value_pieces(game, envelope=env)):
        ax.plot([float(x) for x in xs], [float(y) for y in ys], color="C0", lw=2,
                label="v̂(μ) (receiver best response)" if i == 0 else None)
    ax.scatter(cands, [float(y) for y in env.candidate_values], color="C0", s=14, zorder=3)
    bx = [float(x) for x in env.breakpoints]
    ax.plot(bx, [float(y) for y in env.values], color="C1", lw=1.5, ls="--",
            label="V(μ) = cav v̂ (μ)")
    state = game.states[1]
    if priors is None and table is not None:
        priors = np.asarray(table[f"prior[{state}]"], dtype=float)
    if priors is not None and len(priors):
        mu = np.asarray(priors, dtype=float)
        ax.scatter(mu, env(mu), marker="|", s=120, color="C3", alpha=0.5,
                   label=f"instances' priors (n={mu.size})")
        ax.scatter(mu, game.sender_value(np.column_stack([1 - mu, mu])), marker="|", s=60,
                   color="C3", alpha=0.25)
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"μ0 = P({state})")
    ax.set_ylabel("sender value (Likert answer)")
    ax.set_title(f"{family} family, p = {game.metadata['p']}")
    ax.legend(loc="lower right")
    return ax


def plot_achieved_vs_ceiling(baselines: Baselines, ax: Axes | None = None, *,
                             level: str = "claim_source") -> Axes:
    """Mean achieved gain against mean ceiling, per group, coloured by source.

    Parameters
    ----------
    baselines : Baselines
        From :func:`bayespersuade.instances.baselines.human_baselines`.
    ax : matplotlib Axes, optional
    level : {"claim_source", "source"}, default "claim_source"
        One point per (claim, source) group, or per source.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayespersuade.instances.baselines import human_baselines
    >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
    >>> rec = ClaimRecord("claims", "1", "x", observations=(
    ...     O(initial=4, final=6, source="Human"), O(initial=3, final=3, source="Model")))
    >>> ax = plot_achieved_vs_ceiling(human_baselines([rec]))
    >>> ax.get_xlabel()
    'mean ceiling ΔV(μ_i)'
    """
    if level not in ("claim_source", "source"):
        raise InvalidParameterError(f"level must be 'claim_source' or 'source', got {level!r}")
    df = baselines.by_claim_source if level == "claim_source" else baselines.by_source
    ax = _axes(ax)
    if df.empty:
        ax.set_title("no observations with both ratings")
        return ax
    for i, (src, g) in enumerate(df.groupby("source", sort=True)):
        ax.scatter(g["mean_ceiling"], g["mean_achieved_gain"], s=18 + 4 * np.sqrt(g["n"]),
                   color=f"C{i % 10}", alpha=0.7, label=f"{src} ({int(g['n'].sum())} obs.)")
        if level == "source" and "mean_achieved_gain_ci_low" in g:
            # one point per source: its interval over claims (NaN: no interval)
            lo = (g["mean_achieved_gain"] - g["mean_achieved_gain_ci_low"]).clip(lower=0)
            hi = (g["mean_achieved_gain_ci_high"] - g["mean_achieved_gain"]).clip(lower=0)
            ax.errorbar(g["mean_ceiling"], g["mean_achieved_gain"],
                        yerr=[lo.fillna(0), hi.fillna(0)], fmt="none", ecolor=f"C{i % 10}",
                        capsize=3)
    lo = float(min(0.0, df["mean_ceiling"].min(), df["mean_achieved_gain"].min()))
    hi = float(max(df["mean_ceiling"].max(), df["mean_achieved_gain"].max(), 0.5))
    ax.plot([lo, hi], [lo, hi], color="k", lw=1, ls=":",
            label="achieved = ceiling (above: beyond any Bayes-plausible scheme)")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlabel("mean ceiling ΔV(μ_i)")
    ax.set_ylabel("mean achieved gain v̂(μ'_i) − v̂(μ_i)")
    ax.set_title(f"Achieved vs ceiling ({baselines.family}, p = {baselines.p})")
    ax.legend(fontsize="small", loc="upper left")
    return ax
