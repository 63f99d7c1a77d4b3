"""Plots beyond one receiver: public vs private per claim, networks and their core steps.

* :func:`plot_targeting`: per claim, the public optimum against the private
  optimum (per participant) of a targeting table; the vertical distance to the
  diagonal is the value of targeting.
* :func:`plot_network`: the graph, each node coloured by its core number (the
  largest ``k`` whose ``k``-core contains it, so the deepest step at which it
  still acts), with the acting sets of an optimal signal outlined.
* :func:`plot_network_steps`: the sender's value of a posterior on a network
  (the size of the greatest equilibrium, a step function whose steps are core
  sizes) and, for two states, its concave envelope with the optimal splitting.

Every function takes ``ax=None`` and returns the :class:`~matplotlib.axes.Axes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import InvalidParameterError
from ..solvers.concavification import two_state_envelope

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes

    from ..solvers.network import NetworkGame, NetworkSolution

__all__ = ["plot_network", "plot_network_steps", "plot_targeting"]


def _axes(ax: Axes | None, size=(6.4, 4.2)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


def plot_targeting(table: pd.DataFrame, ax: Axes | None = None, *,
                   annotate: bool = False) -> Axes:
    """Public vs private optimum per claim (per participant), with the diagonal.

    Parameters
    ----------
    table : DataFrame
        :func:`bayespersuade.instances.audiences.targeting_table`.
    ax : matplotlib Axes, optional
    annotate : bool, default False
        Label each point with the claim id.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        If a needed column is missing or the table is empty.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from bayespersuade.datasets import ClaimRecord, RatingObservation
    >>> from bayespersuade.instances.audiences import targeting_table
    >>> recs = [ClaimRecord("x", str(i), "c", observations=tuple(
    ...     RatingObservation(initial=r) for r in rs)) for i, rs in enumerate([(2, 5), (3, 3)])]
    >>> ax = plot_targeting(targeting_table(recs))
    >>> len(ax.collections[0].get_offsets())
    2
    """
    for col in ("public_mean", "private_mean", "id"):
        if col not in table.columns:
            raise InvalidParameterError(
                f"the table has no column {col!r}; pass a targeting_table()"
            )
    if len(table) == 0:
        raise InvalidParameterError("the targeting table is empty")
    ax = _axes(ax)
    x = table["public_mean"].to_numpy(dtype=float)
    y = table["private_mean"].to_numpy(dtype=float)
    ax.scatter(x, y, s=22, color="C0", zorder=3, label="claims")
    lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    pad = 0.05 * max(hi - lo, 1e-9)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="0.5", lw=1, ls="--",
            label="no value of targeting")
    if annotate:
        for xi, yi, lab in zip(x, y, table["id"], strict=True):
            ax.annotate(str(lab), (xi, yi), fontsize=7, xytext=(2, 2),
                        textcoords="offset points")
    ax.set_xlabel("public signal: optimal mean answer")
    ax.set_ylabel("private signals: optimal mean answer")
    ax.set_title("The value of targeting, per claim")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_network(net: NetworkGame, solution: NetworkSolution | None = None,
                 ax: Axes | None = None, *, seed: int = 0, pos: dict | None = None) -> Axes:
    """The graph coloured by core number; the acting sets of a solution outlined.

    Parameters
    ----------
    net : NetworkGame
    solution : NetworkSolution, optional
        Nodes acting under the solution's most likely signal get a black edge.
    ax : matplotlib Axes, optional
    seed : int, default 0
        Seed of the spring layout (``networkx.spring_layout``), recorded in the
        axes' title.
    pos : dict, optional
        Node positions; overrides the layout.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import networkx as nx
    >>> from fractions import Fraction as F
    >>> from bayespersuade.solvers.network import NetworkGame
    >>> net = NetworkGame(nx.karate_club_graph(), [F(2, 3), F(1, 3)], [-5, 1], F(1, 2))
    >>> ax = plot_network(net, net.solve(exact=True))
    >>> len(ax.collections[1].get_offsets())   # [0]: the edges, [1]: the nodes
    34
    """
    import networkx as nx

    ax = _axes(ax, (6.0, 5.0))
    g = net.graph
    if pos is None:
        pos = nx.spring_layout(g, seed=seed)
    core = net.core_numbers()
    nodes = list(g.nodes)
    colours = [core[i] for i in nodes]
    edge = ["none"] * len(nodes)
    if solution is not None and solution.signals:
        top = max(solution.signals, key=lambda s: float(s.probability))
        edge = ["black" if i in top.acting else "none" for i in nodes]
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.3)
    coll = nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_color=colours, cmap="viridis",
                                  edgecolors=edge, linewidths=1.5, node_size=80, ax=ax)
    ax.figure.colorbar(coll, ax=ax, label="core number (acts at steps up to)")
    title = "Receivers coloured by core number"
    if solution is not None and solution.signals:
        title += "; outlined: acting under the likeliest signal"
    ax.set_title(f"{title} (layout seed {seed})", fontsize=9)
    ax.set_axis_off()
    return ax


def plot_network_steps(net: NetworkGame, solution: NetworkSolution | None = None,
                       ax: Axes | None = None) -> Axes:
    """The sender's value of a posterior (core sizes) and, for two states, its envelope.

    Two states: the x-axis is ``μ = P(states[1])``, with the step function, its
    concave envelope and the prior.  More states: the x-axis is the posterior
    mean ``m`` of ``f`` and the step function ``c_{k(m)}`` is drawn with the
    solution's signals (the envelope then lives on the simplex).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import networkx as nx
    >>> from fractions import Fraction as F
    >>> from bayespersuade.solvers.network import NetworkGame
    >>> net = NetworkGame(nx.karate_club_graph(), [F(2, 3), F(1, 3)], [-5, 1], F(1, 2))
    >>> ax = plot_network_steps(net, net.solve(exact=True))
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['acting receivers (greatest equilibrium)', 'concave envelope']
    """
    ax = _axes(ax)
    f = np.asarray(net.f_values, dtype=float)
    if net.n_states == 2:
        xs = np.linspace(0.0, 1.0, 1001)
        env = two_state_envelope(net.reduced_game(exact=False), exact=False)
        bps = [float(b) for b in env.breakpoints]
        ys = [net.sender_value([1 - x, x]) for x in xs]
        ax.step(xs, ys, where="post", color="C0", label="acting receivers (greatest equilibrium)")
        ax.plot(bps, [float(v) for v in env.values], color="C1", lw=2,
                label="concave envelope")
        mu0 = float(net.prior[1])
        ax.axvline(mu0, color="0.5", ls=":", lw=1, label="prior")
        ax.set_xlabel(f"posterior P({net.states[1]})")
    else:
        lo, hi = float(f.min()), float(f.max())
        ms = np.linspace(lo, hi, 1001)
        ys = [net.core_sizes()[net.level(m)] for m in ms]
        ax.step(ms, ys, where="post", color="C0", label="acting receivers (greatest equilibrium)")
        ax.set_xlabel("posterior mean m of f")
    if solution is not None:
        for s in solution.signals:
            x = float(s.posterior[1]) if net.n_states == 2 else float(s.mean)
            ax.plot([x], [len(s.acting)], "o", color="C3", ms=6 + 10 * float(s.probability))
        ax.plot([], [], "o", color="C3", label="optimal signals (size ~ probability)")
    ax.set_ylabel("number of acting receivers")
    ax.set_title("Greatest equilibria are cores: the sender's value of a posterior")
    ax.legend(fontsize=8, loc="upper left")
    return ax
