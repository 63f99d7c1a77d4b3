"""Plots of persuasion games and their optimal schemes (matplotlib).

Every plot function takes ``ax=None`` (a new figure is made only then), draws
on the axes and returns them; none calls ``plt.show()``.  matplotlib is
imported inside the functions, so ``import bayespersuade`` stays light.

* :func:`plot_envelope` — two states: the sender's value ``v̂(μ)`` of the
  belief ``μ = P(states[1])``, drawn as the discontinuous, upper
  semicontinuous piecewise-linear function it is; its concave envelope
  ``V = cav v̂``; the prior; the optimal splitting; the receiver's
  best-response intervals.
* :func:`plot_simplex` — three states: the probability simplex with the
  receiver's best-response regions (exact polygons), the prior and the
  optimal posteriors (sized by their probability).
* :func:`plot_ceiling_curve` — two states: ``V``, ``v̂`` and the gain
  ceiling ``V − v̂`` across all priors.
* :func:`plot_game` — dispatches on the number of states.

Two helpers give the exact geometry the plots draw, for use elsewhere:
:func:`sender_value_pieces` (the linear pieces of ``v̂`` for two states) and
:func:`best_response_regions` (the region polygons for three states).

References
----------
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615 (Figures 1-2 draw ``v̂`` and its concave envelope).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..exceptions import InvalidGameError, InvalidParameterError
from ..solvers.best_response import BR_TOL
from ..solvers.concavification import two_state_envelope
from ..solvers.priors import common_prior_view

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..solvers.concavification import Envelope
    from ..solvers.dispatch import Signal
    from ..solvers.game_data import GameLike

__all__ = [
    "best_response_regions",
    "plot_ceiling_curve",
    "plot_envelope",
    "plot_game",
    "plot_simplex",
    "sender_value_pieces",
]



@runtime_checkable
class SolutionLike(Protocol):
    """What a plot reads of a :class:`~bayespersuade.Solution` (its game, signals, value)."""

    @property
    def game(self) -> GameLike: ...

    @property
    def signals(self) -> tuple[Signal, ...]: ...

    @property
    def value(self) -> Any: ...


#: Legend labels of the two-state plots (tests and users can look lines up by them).
LABEL_VHAT = "v̂(μ)"
LABEL_ENVELOPE = "V(μ) = cav v̂(μ)"
LABEL_POSTERIORS = "optimal posteriors"


# ------------------------------------------------------------------ helpers
def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.4))
    return ax


def _colors(k: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


def _short(x: Any) -> str:
    if isinstance(x, Fraction):
        return str(x)
    return f"{float(x):.3g}"


def _require_states(game: GameLike, n: int, what: str) -> None:
    if game.n_states != n:
        raise InvalidGameError(
            f"{what} needs a game with {n} states; this one has {game.n_states}"
        )


def _check_solution(game: GameLike, solution: SolutionLike | None) -> None:
    """Refuse a solution computed for another game (its posteriors would be meaningless)."""
    if solution is None:
        return

    if not isinstance(solution, SolutionLike):
        raise InvalidParameterError(
            f"solution must be a Solution (from game.solve()), got {type(solution).__name__}"
        )
    other = common_prior_view(solution.game)  # heterogeneous priors: compare the views
    if other is game or solution.game is game:
        return
    same = (
        other.prior.shape == game.prior.shape
        and other.sender_utility.shape == game.sender_utility.shape
        and np.array_equal(other.prior, game.prior)
        and np.array_equal(other.sender_utility, game.sender_utility)
        and np.array_equal(other.receiver_utility, game.receiver_utility)
    )
    if not same:
        raise InvalidParameterError(
            "solution was computed for a different game (its prior or utilities differ "
            "from those of the game being plotted); solve this game instead"
        )


# ------------------------------------------------------- two-state geometry
def sender_value_pieces(
    game: GameLike, *, envelope: Envelope | None = None
) -> list[tuple[tuple, tuple]]:
    """The linear pieces of ``v̂`` between the receiver's breakpoints (two states).

    On each open interval between consecutive ``envelope.candidates`` the
    receiver's optimal actions do not change, so ``v̂`` is the maximum of the
    sender's lines ``v_a(μ)`` over those actions: one line, or (when several
    actions give the receiver identical utilities) a convex piecewise-linear
    function.  Each piece is returned by its vertices on the closed interval;
    its end values are the one-sided *limits* of ``v̂`` at the candidates,
    which may differ from ``v̂`` there (``v̂`` jumps, and is upper
    semicontinuous: ``envelope.candidate_values`` are at least both limits).

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A two-state game.
    envelope : Envelope, optional
        ``game.envelope()`` if already computed.

    Returns
    -------
    list of (xs, ys)
        One pair per interval, in order; ``xs`` increasing, from the
        interval's left candidate to its right one.  Fractions when the
        envelope is exact, floats otherwise.

    Raises
    ------
    InvalidGameError
        If the game does not have two states.

    Examples
    --------
    The prosecutor: ``v̂ = 0`` below ``1/2`` (acquit), ``1`` from ``1/2`` on;
    the left limit at ``1/2`` is ``0`` while ``v̂(1/2) = 1``.

    >>> from bayespersuade.examples import prosecutor
    >>> [([str(x) for x in xs], [str(y) for y in ys])
    ...  for xs, ys in sender_value_pieces(prosecutor())]
    [(['0', '1/2'], ['0', '0']), (['1/2', '1'], ['1', '1'])]
    """
    _require_states(game, 2, "sender_value_pieces")
    env = two_state_envelope(game) if envelope is None else envelope
    exact = env.exact
    if exact:
        _, v, u = game.exact_data()
        tol: Any = 0
    else:
        v, u = game.sender_utility, game.receiver_utility
        tol = BR_TOL * max(1.0, float(np.abs(u).max(initial=0.0)))
    m = game.n_actions
    pieces = []
    for i, a in enumerate(env.interval_actions):
        lo, hi = env.candidates[i], env.candidates[i + 1]
        # actions the receiver is indifferent to a on the whole interval: same line
        tied = [b for b in range(m)
                if abs(u[b][0] - u[a][0]) <= tol and abs(u[b][1] - u[a][1]) <= tol]
        lines = [(v[b][0], v[b][1] - v[b][0]) for b in tied]  # (intercept, slope)
        xs = {lo, hi}
        for j, (c1, s1) in enumerate(lines):
            for c2, s2 in lines[j + 1:]:
                if s1 != s2:
                    x = (c2 - c1) / (s1 - s2)
                    if lo < x < hi:
                        xs.add(x)
        pts = sorted(xs)
        vals = [max(c + s * x for c, s in lines) for x in pts]
        if not exact:
            pts = [float(x) for x in pts]
            vals = [float(y) for y in vals]
        # keep only the vertices (drop interior points where v̂ does not bend)
        keep_x, keep_y = [pts[0]], [vals[0]]
        for k in range(1, len(pts) - 1):
            (x0, y0), (x1, y1), (x2, y2) = (keep_x[-1], keep_y[-1]), (pts[k], vals[k]), (
                pts[k + 1], vals[k + 1])
            cross = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0)
            if (cross != 0) if exact else abs(cross) > 1e-12 * max(1.0, abs(y1)):
                keep_x.append(x1)
                keep_y.append(y1)
        keep_x.append(pts[-1])
        keep_y.append(vals[-1])
        pieces.append((tuple(keep_x), tuple(keep_y)))
    return pieces


def _played_intervals(game: GameLike, pieces: list) -> list[tuple[float, float, int]]:
    """``(lo, hi, action)``: the action played inside each stretch of the belief axis.

    Between the receiver's breakpoints it is constant, except where the
    sender's favourite among receiver-equivalent actions changes (the kinks
    of a piece); adjacent stretches with the same action are merged.
    """
    out: list[tuple[float, float, int]] = []
    for xs, _ in pieces:
        for lo, hi in itertools.pairwise(xs):
            mid = (lo + hi) / 2
            a = int(game.best_response([1 - mid, mid], exact=isinstance(mid, Fraction)))
            if out and out[-1][2] == a and out[-1][1] == float(lo):
                out[-1] = (out[-1][0], float(hi), a)
            else:
                out.append((float(lo), float(hi), a))
    return out


def _jump(a: Any, b: Any, exact: bool) -> bool:
    return (a != b) if exact else abs(float(a) - float(b)) > 1e-9 * max(1.0, abs(float(b)))


def _set_belief_ticks(ax: Axes, game: GameLike) -> None:
    ticks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    labels = [f"{t:g}" for t in ticks]
    labels[0] = f"0\n({game.states[0]})"
    labels[-1] = f"1\n({game.states[1]})"
    ax.set_xticks(ticks, labels)


def plot_envelope(
    game: GameLike,
    ax: Axes | None = None,
    *,
    solution: SolutionLike | None = None,
    prior: bool = True,
    show_regions: bool = True,
    annotate: bool = True,
) -> Axes:
    """Plot ``v̂``, its concave envelope and the optimal splitting (two states).

    Draws, against the belief ``μ = P(states[1])``:

    * ``v̂(μ)`` piece by piece (:func:`sender_value_pieces`), exactly: no
      line joins the two sides of a jump.  Filled dots mark ``v̂`` at the
      receiver's breakpoints (its upper semicontinuous values); hollow dots
      mark one-sided limits that ``v̂`` does not attain;
    * the concave envelope ``V = cav v̂`` through ``envelope.breakpoints``;
    * with ``prior``: the prior as a vertical line, the posteriors of the
      optimal splitting as points on the envelope (sized by probability,
      annotated with it), the chord between them and ``V(μ0)`` on it;
    * with ``show_regions``: the action played on each interval (the
      receiver's best response, ties broken for the sender), as a coloured
      band along the axis labelled with the action.

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A two-state game.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    solution : Solution, optional
        The splitting to draw, from ``game.solve(...)``.  Default: the
        splitting of the prior by the envelope itself
        (:meth:`Envelope.split`, exact for rational games), which is what
        ``game.solve(method="concavification")`` returns.
    prior : bool, default True
        Draw the prior and the optimal splitting.
    show_regions : bool, default True
        Draw the receiver's best-response intervals.
    annotate : bool, default True
        Write the signal probabilities next to the posteriors.

    Returns
    -------
    matplotlib.axes.Axes
        Lines labelled :data:`LABEL_VHAT` (``"v̂(μ)"``, the first piece) and
        :data:`LABEL_ENVELOPE` (``"V(μ) = cav v̂(μ)"``); the prior line is
        labelled ``"prior μ0 = ..."``; the posteriors are a scatter labelled
        :data:`LABEL_POSTERIORS`.

    Raises
    ------
    InvalidGameError
        If the game does not have two states.
    InvalidParameterError
        If ``solution`` belongs to another game.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayespersuade.examples import prosecutor
    >>> ax = plot_envelope(prosecutor())
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['v̂(μ)', 'V(μ) = cav v̂(μ)']
    >>> ax.get_xlabel()
    'belief μ = P(guilty)'
    """
    _require_states(game, 2, "plot_envelope")
    _check_solution(game, solution)
    ax = _axes(ax)
    env = two_state_envelope(game)
    exact = env.exact
    cands = [float(x) for x in env.candidates]
    cvals = [float(y) for y in env.candidate_values]
    colors = _colors(game.n_actions)
    pieces = sender_value_pieces(game, envelope=env)

    hollow_x, hollow_y = [], []
    for i, (xs, ys) in enumerate(pieces):
        ax.plot([float(x) for x in xs], [float(y) for y in ys], color="C0", lw=2,
                label=LABEL_VHAT if i == 0 else "_nolegend_", zorder=3, solid_capstyle="butt")
        for end, cand in ((0, i), (-1, i + 1)):
            if _jump(ys[end], env.candidate_values[cand], exact):
                hollow_x.append(float(xs[end]))
                hollow_y.append(float(ys[end]))
    ax.plot(cands, cvals, "o", color="C0", ms=5, zorder=5, label="_v̂ at breakpoints")
    if hollow_x:
        ax.plot(hollow_x, hollow_y, "o", mfc="white", mec="C0", mew=1.3, ms=5, zorder=5,
                label="_limits not attained")
    ax.plot([float(x) for x in env.breakpoints], [float(y) for y in env.values],
            color="C1", lw=1.8, ls="--", label=LABEL_ENVELOPE, zorder=4)

    if show_regions:
        for lo, hi, a in _played_intervals(game, pieces):
            ax.axvspan(lo, hi, ymin=0, ymax=0.035, color=colors[a], alpha=0.85, lw=0,
                       label="_region")
            ax.annotate(str(game.actions[a]), ((lo + hi) / 2, 0.04),
                        xycoords=("data", "axes fraction"), ha="center", va="bottom",
                        fontsize=7, color=colors[a])

    if prior:
        mu0 = game.exact_data()[0][1] if exact else float(game.prior[1])
        ax.axvline(float(mu0), color="0.35", lw=1, ls=":", label=f"prior μ0 = {_short(mu0)}",
                   zorder=2)
        if solution is None:
            weights, xs, _ = env.split(mu0)
            ys = [env(x) for x in xs]
            value = env(mu0)
        else:
            weights = [s.probability for s in solution.signals]
            xs = [s.posterior[1] for s in solution.signals]
            ys = [s.sender_value for s in solution.signals]
            value = solution.value
        order = np.argsort([float(x) for x in xs])
        px = np.array([float(xs[k]) for k in order])
        py = np.array([float(ys[k]) for k in order])
        pw = [weights[k] for k in order]
        ax.plot(px, py, color="C3", lw=1.2, zorder=6, label="_chord")
        ax.scatter(px, py, s=[30 + 220 * float(w) for w in pw], color="C3", zorder=7,
                   label=LABEL_POSTERIORS, edgecolors="white", linewidths=0.8)
        ax.plot([float(mu0)], [float(value)], "s", color="C3", ms=5, zorder=8,
                label=f"V(μ0) = {_short(value)}")
        if annotate:
            for x, y, w in zip(px, py, pw, strict=True):
                ax.annotate(f"P = {_short(w)}", (x, y), textcoords="offset points",
                            xytext=(5, 7), fontsize=8, color="C3")
    ax.set_xlim(-0.02, 1.02)
    ax.margins(y=0.12)  # room for the region band below and the labels above
    _set_belief_ticks(ax, game)
    ax.set_xlabel(f"belief μ = P({game.states[1]})")
    ax.set_ylabel("sender's expected utility")
    if game.name and not ax.get_title():
        ax.set_title(game.name)
    ax.legend(loc="best", fontsize=8)
    return ax


# ----------------------------------------------------- three-state geometry
def _dot3(g: Any, p: Any) -> Any:
    return g[0] * p[0] + g[1] * p[1] + g[2] * p[2]


def _clip(poly: list, g: Any, tol: Any) -> list:
    """Clip a convex polygon (barycentric points) to the half-plane ``g·μ >= 0``."""
    out = []
    k = len(poly)
    for i in range(k):
        p, q = poly[i], poly[(i + 1) % k]
        gp, gq = _dot3(g, p), _dot3(g, q)
        p_in, q_in = gp >= -tol, gq >= -tol
        if p_in:
            out.append(p)
        if p_in != q_in:
            t = gp / (gp - gq)
            out.append(tuple(p[j] + t * (q[j] - p[j]) for j in range(3)))
    return out


def _simplify(poly: list, exact: bool) -> list:
    """Drop repeated and collinear vertices of a convex polygon (keeps its order)."""

    def same(p, q):
        return p == q if exact else max(abs(p[j] - q[j]) for j in range(3)) <= 1e-12

    def cross(o, a, b):  # in the (μ1, μ2) chart
        return (a[1] - o[1]) * (b[2] - o[2]) - (a[2] - o[2]) * (b[1] - o[1])

    pts = []
    for p in poly:
        if not any(same(p, q) for q in pts):
            pts.append(p)
    changed = True
    while changed and len(pts) >= 3:
        changed = False
        for i in range(len(pts)):
            o, a, b = pts[i - 1], pts[i], pts[(i + 1) % len(pts)]
            c = cross(o, a, b)
            if (c == 0) if exact else abs(c) <= 1e-12:
                del pts[i]
                changed = True
                break
    return pts


def best_response_regions(game: GameLike) -> dict[int, tuple[tuple, ...]]:
    """The region of beliefs where each action is played, as a polygon (three states).

    The region of action ``a`` is the closure of the set of beliefs at which
    the receiver plays ``a`` (ties broken for the sender, as everywhere in the
    library): the simplex clipped by the half-planes ``(u_a − u_b)·μ >= 0``
    for every other action ``b`` and, for actions ``b`` the receiver values
    exactly like ``a``, ``(v_a − v_b)·μ >= 0``.  Regions partition the
    simplex.  Actions played only on a segment or at a point (the receiver's
    ties) get that degenerate region; actions never played are absent.

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A three-state game.

    Returns
    -------
    dict
        ``{action index: vertices}``, vertices as tuples of beliefs (tuples of
        three Fractions for rational games, floats otherwise), in order around
        the polygon, without repeated or collinear points (so a region of
        positive area has at least three vertices; a segment two; a point one).

    Raises
    ------
    InvalidGameError
        If the game does not have three states.

    Examples
    --------
    Guessing the state: each action's region is where its state is the most
    likely one.

    >>> from fractions import Fraction as F
    >>> from bayespersuade import PersuasionGame
    >>> game = PersuasionGame([F(1, 3)] * 3, [[0, 0, 0], [1, 1, 1], [2, 2, 2]],
    ...                       [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> regions = best_response_regions(game)
    >>> sorted(tuple(str(x) for x in p) for p in regions[0])
    [('1', '0', '0'), ('1/2', '0', '1/2'), ('1/2', '1/2', '0'), ('1/3', '1/3', '1/3')]
    """
    _require_states(game, 3, "best_response_regions")
    exact = game.is_rational
    if exact:
        _, v, u = game.exact_data()
        one, zero = Fraction(1), Fraction(0)
        tol: Any = 0
    else:
        v, u = game.sender_utility, game.receiver_utility
        one, zero = 1.0, 0.0
        tol = BR_TOL * max(1.0, float(np.abs(u).max(initial=0.0)))
    m = game.n_actions
    simplex = [(one, zero, zero), (zero, one, zero), (zero, zero, one)]
    regions: dict[int, tuple[tuple, ...]] = {}
    for a in range(m):
        poly = list(simplex)
        for b in range(m):
            if b == a or not poly:
                continue
            g = tuple(u[a][w] - u[b][w] for w in range(3))
            if all(abs(t) <= tol for t in g):  # the receiver cannot tell a and b apart
                g = tuple(v[a][w] - v[b][w] for w in range(3))
                if all(t == 0 for t in g):
                    continue  # identical actions: the index decides, below
            poly = _clip(poly, g, tol)
        poly = _simplify(poly, exact)
        if not poly:
            continue
        # a point inside the region: the library's best response there must be a
        centre = tuple(sum(p[j] for p in poly) / len(poly) for j in range(3))
        if exact:
            played = game.best_response(list(centre), exact=True)
        else:
            played = game.best_response(np.array(centre, dtype=np.float64))
        if played != a:
            continue
        regions[a] = tuple(tuple(p) for p in poly)
    return regions


_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])


def _to_xy(P: Any) -> np.ndarray:
    """Barycentric coordinates on the 2-simplex -> points of an equilateral triangle.

    ``states[0]`` is the bottom-left corner, ``states[1]`` the bottom-right,
    ``states[2]`` the top.
    """
    return np.asarray(np.asarray(P, dtype=object).astype(np.float64)) @ _CORNERS


def _polygon_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def plot_simplex(
    game: GameLike,
    ax: Axes | None = None,
    *,
    solution: SolutionLike | None = None,
    prior: bool = True,
    annotate: bool = True,
) -> Axes:
    """Plot the simplex, best-response regions, prior and optimal posteriors (three states).

    The simplex is drawn as an equilateral triangle whose corners are the
    certain beliefs, labelled with the state labels (``states[0]`` bottom
    left, ``states[1]`` bottom right, ``states[2]`` top).  Each action's
    best-response region (:func:`best_response_regions`, exact vertices) is a
    filled polygon labelled with the action; an action played only on a
    segment or a point is drawn as a line or a marker.  With ``prior``, the
    prior is a black square and the optimal posteriors are red points sized
    by their probability, joined to the prior and outlined by their convex
    hull, which contains the prior (Bayes plausibility).

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A three-state game.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    solution : Solution, optional
        The splitting to draw.  Default: ``game.solve(exact=game.is_rational)``.
    prior : bool, default True
        Draw the prior and the optimal posteriors.
    annotate : bool, default True
        Write the signal probabilities next to the posteriors.

    Returns
    -------
    matplotlib.axes.Axes
        One :class:`~matplotlib.patches.Polygon` patch per action played on a
        region of positive area, labelled with the action; the posteriors are
        a scatter labelled :data:`LABEL_POSTERIORS`.

    Raises
    ------
    InvalidGameError
        If the game does not have three states.
    InvalidParameterError
        If ``solution`` belongs to another game.

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
    _require_states(game, 3, "plot_simplex")
    _check_solution(game, solution)
    from matplotlib.patches import Polygon

    ax = _axes(ax)
    colors = _colors(game.n_actions)
    for a, verts in sorted(best_response_regions(game).items()):
        xy = _to_xy(verts)
        label = str(game.actions[a])
        if len(verts) >= 3:
            ax.add_patch(Polygon(xy, closed=True, facecolor=colors[a], alpha=0.35,
                                 edgecolor=colors[a], lw=1, label=label))
        elif len(verts) == 2:
            ax.plot(xy[:, 0], xy[:, 1], color=colors[a], lw=3, label=label)
        else:
            ax.plot(xy[:, 0], xy[:, 1], "D", color=colors[a], ms=6, label=label)
        c = xy.mean(axis=0)
        ax.annotate(label, c, ha="center", va="center", fontsize=8)
    tri = _CORNERS
    ax.plot(*np.vstack([tri, tri[:1]]).T, color="k", lw=1, label="_simplex")
    for (x, y), lab, dy, va in zip(tri, game.states, (-0.03, -0.03, 0.03),
                                   ("top", "top", "bottom"), strict=True):
        ax.annotate(str(lab), (x, y + dy), ha="center", va=va, fontsize=9)
    if prior:
        if solution is None:
            solution = game.solve(exact=game.is_rational)
        p0 = _to_xy(game.prior[None, :])[0]
        post = _to_xy([list(s.posterior) for s in solution.signals])
        for q in post:
            ax.plot([p0[0], q[0]], [p0[1], q[1]], color="C3", lw=0.8, zorder=3,
                    label="_to posterior")
        if len(post) >= 3:
            from scipy.spatial import ConvexHull, QhullError

            try:
                ring = post[ConvexHull(post).vertices]
            except QhullError:  # collinear posteriors: the segment is drawn above
                ring = None
            if ring is not None:
                closed = np.vstack([ring, ring[:1]])
                ax.plot(closed[:, 0], closed[:, 1], color="C3", lw=0.8, ls="--", zorder=3,
                        label="_hull")
        pts = ax.scatter(post[:, 0], post[:, 1], color="C3", zorder=4, edgecolors="white",
                         s=[30 + 220 * float(s.probability) for s in solution.signals],
                         label=LABEL_POSTERIORS)
        (mark,) = ax.plot(*p0, "s", color="k", ms=5, zorder=5, label="prior")
        if annotate:
            for (x, y), s in zip(post, solution.signals, strict=True):
                ax.annotate(f"P = {_short(s.probability)}", (x, y), textcoords="offset points",
                            xytext=(5, 6), fontsize=8, color="C3")
        ax.legend(handles=[mark, pts], loc="upper right", fontsize=8, frameon=False)
    ax.set_aspect("equal")
    ax.set_xlim(-0.08, 1.08)
    ax.set_ylim(-0.1, 0.95)
    ax.axis("off")
    if game.name and not ax.get_title():
        ax.set_title(game.name)
    return ax


# ------------------------------------------------------------ ceiling curve
def plot_ceiling_curve(game: GameLike, ax: Axes | None = None, *, n: int = 501) -> Axes:
    """``V(μ0)``, ``v̂(μ0)`` and the gain ceiling ``V − v̂`` over all priors (two states).

    The values are computed by :func:`bayespersuade.solvers.batch.batch_ceilings`
    on ``n`` evenly spaced priors plus the receiver's breakpoints (so the
    values at the jumps are exact, not missed between grid points).  ``v̂``
    and the ceiling jump where the receiver's best response changes: their
    lines are broken there, with filled dots at the attained values and
    hollow dots at the one-sided limits (from :func:`sender_value_pieces`).

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A two-state game (its own prior is not used).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    n : int, default 501
        Number of evenly spaced priors, at least 2.

    Returns
    -------
    matplotlib.axes.Axes
        Lines labelled ``"V(μ0)"``, ``"v̂(μ0)"`` and ``"ceiling V − v̂"`` (the
        latter two on their first piece).

    Raises
    ------
    InvalidGameError
        If the game does not have two states.
    InvalidParameterError
        If ``n`` is not an integer of at least 2.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayespersuade.examples import likert_quadratic
    >>> ax = plot_ceiling_curve(likert_quadratic(), n=101)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['V(μ0)', 'v̂(μ0)', 'ceiling V − v̂']
    """
    _require_states(game, 2, "plot_ceiling_curve")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise InvalidParameterError(f"n must be an integer >= 2, got {n!r}")
    from ..solvers.batch import batch_ceilings

    ax = _axes(ax)
    env = two_state_envelope(game)
    cands = np.array([float(x) for x in env.candidates])
    grid = np.linspace(0.0, 1.0, int(n))
    # grid points within rounding of a breakpoint would be evaluated as ties there
    near = np.abs(grid[:, None] - cands[None, :]).min(axis=1) <= 1e-9
    mu = np.union1d(grid[~near], cands)
    b = batch_ceilings(game, np.column_stack([1 - mu, mu]))
    V, nd, gain = b.value, b.no_disclosure_value, b.gain
    at = {float(c): int(np.searchsorted(mu, c)) for c in cands}

    ax.plot(mu, V, color="C1", lw=1.8, label="V(μ0)", zorder=3)
    hollow_v, hollow_g = [], []
    for i, (_xs, ys) in enumerate(sender_value_pieces(game, envelope=env)):
        lo, hi = cands[i], cands[i + 1]
        inside = np.flatnonzero((mu > lo) & (mu < hi))
        lim_lo, lim_hi = float(ys[0]), float(ys[-1])
        X = np.concatenate(([lo], mu[inside], [hi]))
        Y = np.concatenate(([lim_lo], nd[inside], [lim_hi]))
        G = np.concatenate(([V[at[lo]] - lim_lo], gain[inside], [V[at[hi]] - lim_hi]))
        first = i == 0
        ax.plot(X, Y, color="C0", lw=1.8, label="v̂(μ0)" if first else "_nolegend_", zorder=4)
        ax.plot(X, G, color="C3", lw=1.5, ls="-.", zorder=5,
                label="ceiling V − v̂" if first else "_nolegend_")
        for x, lim in ((lo, lim_lo), (hi, lim_hi)):
            j = at[x]
            if _jump(lim, nd[j], False):
                hollow_v.append((x, lim))
                hollow_g.append((x, V[j] - lim))
    idx = [at[float(c)] for c in cands]
    ax.plot(cands, nd[idx], "o", color="C0", ms=4, zorder=6, label="_v̂ at breakpoints")
    ax.plot(cands, gain[idx], "o", color="C3", ms=4, zorder=6, label="_gain at breakpoints")
    for pts, col in ((hollow_v, "C0"), (hollow_g, "C3")):
        if pts:
            arr = np.array(pts)
            ax.plot(arr[:, 0], arr[:, 1], "o", mfc="white", mec=col, ms=4, zorder=6,
                    label="_limits not attained")
    ax.set_xlim(-0.02, 1.02)
    _set_belief_ticks(ax, game)
    ax.set_xlabel(f"prior μ0 = P({game.states[1]})")
    ax.set_ylabel("sender's expected utility")
    if game.name and not ax.get_title():
        ax.set_title(f"{game.name}: persuasion-gain ceiling")
    ax.legend(fontsize=8, loc="best")
    return ax


# ------------------------------------------------------------------ dispatch
def plot_game(
    game: GameLike, ax: Axes | None = None, solution: SolutionLike | None = None, **kwargs: Any
) -> Axes:
    """Plot a two-state (envelope) or three-state (simplex) game with its solution.

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A game with two or three states.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    solution : Solution, optional
        The solution to draw (default: the game is solved; see
        :func:`plot_envelope` and :func:`plot_simplex`).
    **kwargs
        Passed on to :func:`plot_envelope` (two states) or :func:`plot_simplex`
        (three states).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidGameError
        If the game has neither two nor three states.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayespersuade.examples import prosecutor
    >>> prosecutor().plot().get_xlabel()
    'belief μ = P(guilty)'
    """
    game = common_prior_view(game)  # heterogeneous priors: the receiver's belief space
    if game.n_states == 2:
        return plot_envelope(game, ax, solution=solution, **kwargs)
    if game.n_states == 3:
        return plot_simplex(game, ax, solution=solution, **kwargs)
    raise InvalidGameError(
        f"plots exist for games with 2 or 3 states; this one has {game.n_states}"
    )
