"""Plots of persuasion games and their optimal schemes (matplotlib).

Every function takes ``ax=None`` (a new figure is made only then), draws on
the axes, and returns them; none calls ``plt.show()``.  matplotlib is imported
inside the functions, so ``import bayespersuade`` stays light.

* :func:`plot_envelope` — two states: the sender's value ``v̂(μ)`` (a
  discontinuous, upper semicontinuous piecewise-linear function of
  ``μ = P(states[1])``), its concave envelope ``V = cav v̂``, the prior and
  the optimal splitting, with the receiver's best-response regions.
* :func:`plot_simplex` — three states: the probability simplex with the
  receiver's best-response regions, the prior and the optimal posteriors
  (sized by their probability).
* :func:`plot_ceiling_curve` — two states: ``V``, ``v̂`` and the ceiling
  ``V − v̂`` across all priors.
* :func:`plot_game` — dispatches on the number of states.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .exceptions import InvalidGameError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .game import PersuasionGame
    from .solution import Solution

__all__ = ["plot_envelope", "plot_simplex", "plot_ceiling_curve", "plot_game"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.2))
    return ax


def _colors(k: int):
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("tab10" if k <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(k)]


def plot_envelope(
    game: PersuasionGame,
    ax: Axes | None = None,
    *,
    solution: Solution | None = None,
    prior: bool = True,
    show_regions: bool = True,
    samples_per_interval: int = 24,
) -> Axes:
    """Plot ``v̂``, its concave envelope and the optimal splitting (two states).

    Parameters
    ----------
    game : PersuasionGame
        A two-state game.
    ax : matplotlib.axes.Axes, optional
    solution : Solution, optional
        The splitting to draw (default: ``game.solve(method="concavification")``).
    prior : bool, default True
        Mark the prior and the splitting.
    show_regions : bool, default True
        Shade the receiver's best-response intervals along the axis.
    samples_per_interval : int, default 24
        Points per interval between breakpoints (``v̂`` is linear there unless
        several receiver-equivalent actions make it a maximum of lines).

    Returns
    -------
    matplotlib.axes.Axes
        Lines are labelled ``"v̂(μ)"`` and ``"V(μ) = cav v̂(μ)"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayespersuade.examples import prosecutor
    >>> ax = plot_envelope(prosecutor())
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['v̂(μ)', 'V(μ) = cav v̂(μ)']
    """
    if game.n_states != 2:
        raise InvalidGameError(f"plot_envelope needs 2 states, the game has {game.n_states}")
    ax = _axes(ax)
    env = game.envelope(exact=False)
    xs = [float(x) for x in env.candidates]
    colors = _colors(game.n_actions)
    # v̂ on each open interval, sampled (exactly linear unless duplicate actions)
    first = True
    for i in range(len(xs) - 1):
        grid = np.linspace(xs[i], xs[i + 1], samples_per_interval + 2)[1:-1]
        if grid.size == 0:
            continue
        vals = game.sender_value(np.column_stack([1 - grid, grid]))
        # extend to the interval's ends with the interval's own limits
        left = np.polyval(np.polyfit(grid[:2], vals[:2], 1), xs[i]) if grid.size > 1 else vals[0]
        right = (np.polyval(np.polyfit(grid[-2:], vals[-2:], 1), xs[i + 1])
                 if grid.size > 1 else vals[-1])
        X = np.concatenate(([xs[i]], grid, [xs[i + 1]]))
        Y = np.concatenate(([left], vals, [right]))
        ax.plot(X, Y, color="C0", lw=2, label="v̂(μ)" if first else None, zorder=2)
        first = False
        for x, y, cv in ((xs[i], left, env.candidate_values[i]),
                         (xs[i + 1], right, env.candidate_values[i + 1])):
            if abs(float(cv) - y) > 1e-9:  # a jump: hollow limit point
                ax.plot([x], [y], "o", mfc="white", mec="C0", ms=5, zorder=3)
    ax.plot([float(x) for x in env.breakpoints], [float(y) for y in env.values],
            color="C1", lw=1.8, ls="--", label="V(μ) = cav v̂(μ)", zorder=4)
    ax.plot(xs, [float(y) for y in env.candidate_values], "o", color="C0", ms=4, zorder=5)
    if show_regions:
        for i, a in enumerate(env.interval_actions):
            ax.axvspan(xs[i], xs[i + 1], ymin=0, ymax=0.03, color=colors[a], alpha=0.9, lw=0)
            ax.annotate(str(game.actions[a]), ((xs[i] + xs[i + 1]) / 2, 0.035),
                        xycoords=("data", "axes fraction"), ha="center", va="bottom",
                        fontsize=7, color=colors[a])
    if prior:
        if solution is None:
            solution = game.solve(method="concavification")
        mu0 = float(game.prior[1])
        ax.axvline(mu0, color="0.4", lw=1, ls=":", label=f"prior μ0 = {mu0:.3g}")
        post = [float(s.posterior[1]) for s in solution.signals]
        vals = [float(game.sender_value(np.array([1 - x, x]))) for x in post]
        order = np.argsort(post)
        ax.plot(np.array(post)[order], np.array(vals)[order], color="C3", lw=1, zorder=6)
        ax.scatter(post, vals, s=[30 + 170 * float(s.probability) for s in solution.signals],
                   color="C3", zorder=7, label="optimal posteriors")
        for x, y, s in zip(post, vals, solution.signals, strict=True):
            ax.annotate(f"{_short(s.probability)}", (x, y), textcoords="offset points",
                        xytext=(4, 6), fontsize=8, color="C3")
        ax.plot([mu0], [float(solution.value)], "s", color="C3", ms=5, zorder=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"μ = P({game.states[1]})")
    ax.set_ylabel("sender's value")
    ax.legend(loc="best", fontsize=8)
    return ax


def _short(x: Any) -> str:
    if isinstance(x, Fraction):
        return str(x)
    return f"{float(x):.3g}"


def _to_xy(P: np.ndarray) -> np.ndarray:
    """Barycentric coordinates on a 3-simplex -> points of an equilateral triangle."""
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    return np.asarray(P, dtype=float) @ corners


def _region_polygons(game: PersuasionGame) -> dict[int, np.ndarray]:
    """Best-response region of each action, as ordered polygon vertices (3 states)."""
    from .concavification import best_response_vertices

    u = game.receiver_utility
    pts = np.array(best_response_vertices(game, exact=False))
    U = pts @ u.T
    best = U.max(axis=1)
    scale = 1e-9 * max(1.0, float(np.abs(u).max()))
    polys = {}
    for a in range(game.n_actions):
        verts = pts[U[:, a] >= best - scale]
        if verts.shape[0] < 3:
            continue
        xy = _to_xy(verts)
        c = xy.mean(axis=0)
        ang = np.arctan2(xy[:, 1] - c[1], xy[:, 0] - c[0])
        ordered = xy[np.argsort(ang)]
        area = 0.5 * abs(np.dot(ordered[:, 0], np.roll(ordered[:, 1], 1))
                         - np.dot(ordered[:, 1], np.roll(ordered[:, 0], 1)))
        if area > 1e-12:
            polys[a] = ordered
    return polys


def plot_simplex(
    game: PersuasionGame, ax: Axes | None = None, *, solution: Solution | None = None,
    prior: bool = True,
) -> Axes:
    """Plot the simplex, best-response regions, prior and optimal posteriors (three states).

    Parameters
    ----------
    game : PersuasionGame
        A three-state game.
    ax : matplotlib.axes.Axes, optional
    solution : Solution, optional
        The splitting to draw (default: ``game.solve()``).
    prior : bool, default True
        Mark the prior and the optimal posteriors.

    Returns
    -------
    matplotlib.axes.Axes
        One filled polygon (a ``Polygon`` patch labelled with the action) per
        action that is a best response on a region of positive area.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from fractions import Fraction as F
    >>> from bayespersuade import PersuasionGame
    >>> game = PersuasionGame([F(1, 3)] * 3, [[0, 0, 0], [1, 1, 1], [2, 2, 2]],
    ...                       [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> ax = plot_simplex(game)
    >>> sorted(p.get_label() for p in ax.patches)
    ['a0', 'a1', 'a2']
    """
    if game.n_states != 3:
        raise InvalidGameError(f"plot_simplex needs 3 states, the game has {game.n_states}")
    from matplotlib.patches import Polygon

    ax = _axes(ax)
    colors = _colors(game.n_actions)
    for a, poly in sorted(_region_polygons(game).items()):
        ax.add_patch(Polygon(poly, closed=True, facecolor=colors[a], alpha=0.35,
                             edgecolor=colors[a], lw=1, label=str(game.actions[a])))
        c = poly.mean(axis=0)
        ax.annotate(str(game.actions[a]), c, ha="center", va="center", fontsize=8)
    tri = _to_xy(np.eye(3))
    ax.plot(*np.vstack([tri, tri[:1]]).T, color="k", lw=1)
    for (x, y), lab, dy in zip(tri, game.states, (-0.05, -0.05, 0.03), strict=True):
        ax.annotate(str(lab), (x, y + dy), ha="center", fontsize=9)
    if prior:
        if solution is None:
            solution = game.solve()
        p0 = _to_xy(game.prior[None, :])[0]
        post = _to_xy(np.array([[float(x) for x in s.posterior] for s in solution.signals]))
        for q in post:
            ax.plot([p0[0], q[0]], [p0[1], q[1]], color="C3", lw=0.8, zorder=3)
        ax.scatter(post[:, 0], post[:, 1], color="C3", zorder=4,
                   s=[30 + 170 * float(s.probability) for s in solution.signals],
                   label="optimal posteriors")
        ax.plot(*p0, "s", color="k", ms=5, zorder=5, label="prior")
    ax.set_aspect("equal")
    ax.set_xlim(-0.08, 1.08)
    ax.set_ylim(-0.1, 0.95)
    ax.axis("off")
    return ax


def plot_ceiling_curve(game: PersuasionGame, ax: Axes | None = None, *, n: int = 501) -> Axes:
    """``V(μ)``, ``v̂(μ)`` and the ceiling ``V − v̂`` over all priors (two states).

    Computed with :func:`bayespersuade.batch.batch_ceilings` on ``n`` priors.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayespersuade.examples import likert_quadratic
    >>> ax = plot_ceiling_curve(likert_quadratic(), n=101)
    >>> [line.get_label() for line in ax.get_lines()]
    ['V(μ0)', 'v̂(μ0)', 'ceiling V − v̂']
    """
    if game.n_states != 2:
        raise InvalidGameError(
            f"plot_ceiling_curve needs 2 states, the game has {game.n_states}"
        )
    from .batch import batch_ceilings

    ax = _axes(ax)
    mu = np.linspace(0, 1, n)
    b = batch_ceilings(game, np.column_stack([1 - mu, mu]))
    ax.plot(mu, b.value, color="C1", label="V(μ0)")
    ax.step(mu, b.no_disclosure_value, where="post", color="C0", label="v̂(μ0)")
    ax.plot(mu, b.gain, color="C3", label="ceiling V − v̂")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"prior μ0 = P({game.states[1]})")
    ax.set_ylabel("sender's value")
    ax.legend(fontsize=8)
    return ax


def plot_game(game: PersuasionGame, ax: Axes | None = None, solution: Solution | None = None,
              **kwargs) -> Axes:
    """Plot a two-state (envelope) or three-state (simplex) game with its solution.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayespersuade.examples import prosecutor
    >>> prosecutor().plot().get_xlabel()
    'μ = P(guilty)'
    """
    if game.n_states == 2:
        return plot_envelope(game, ax, solution=solution, **kwargs)
    if game.n_states == 3:
        return plot_simplex(game, ax, solution=solution, **kwargs)
    raise InvalidGameError(
        f"plots exist for games with 2 or 3 states; this one has {game.n_states}"
    )
