"""Concavification: the optimal value as the concave envelope of ``v̂``.

Kamenica & Gentzkow (2011, Corollary 2): the sender's optimal value is
``V(μ0) = cav v̂ (μ0)``, the smallest concave function above ``v̂``, and an
optimal scheme splits the prior into the posteriors that support the
envelope at ``μ0``.  This module computes it without the revelation LP of
:mod:`bayespersuade.solvers.lp`, so that each method checks the other.

``v̂`` is piecewise linear: on the receiver's best-response region
``P_a = {μ : a ∈ argmax_b u_b·μ}`` (a polytope) it is at least ``v_a·μ``,
and with ties broken for the sender it is upper semicontinuous.  Its concave
envelope is therefore the upper convex hull of the finitely many points
``(μ, v̂(μ))`` for ``μ`` a vertex of some region ``P_a``.

* **Two states** (:func:`two_state_envelope`): beliefs are ``μ = P(state 1)``
  in ``[0, 1]``; the vertices are ``0``, ``1`` and the breakpoints of the
  receiver's upper envelope of lines ``u_a(μ)``, found by walking it.  The
  envelope is returned exactly (Fractions, for rational games) as its
  breakpoints, and evaluates at many priors at once.
* **More states** (:func:`best_response_vertices`): each vertex of ``P_a``
  solves ``n - 1`` of its tight constraints with ``Σ μ = 1``; candidates are
  enumerated in floating point (vectorised) and re-derived and checked in
  exact arithmetic for rational games.  The envelope at ``μ0`` is then an LP
  over the vertices (:func:`concavify`).

Exact results carry the same :class:`~bayespersuade.solvers.certify.Certificate` as
the LP method: the splitting gives the primal; the supporting hyperplane at
``μ0`` gives the prices ``p``; for each action the obedience multipliers are
Farkas multipliers proving ``p·μ >= v_a·μ`` on ``P_a``.  A missed vertex
cannot produce a wrong certified value: the multipliers would not exist.

References
----------
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615.
Aumann, R. J. and Maschler, M. (1995). *Repeated Games with Incomplete
Information*. MIT Press (the splitting lemma).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError, SolverError
from . import best_response as _br
from ._exact_lp import solve_lp_exactly
from ._linalg_q import solve_rational
from .certify import Certificate, verify_certificate
from .priors import common_prior_view

if TYPE_CHECKING:  # pragma: no cover
    from .game_data import GameLike

__all__ = [
    "Envelope",
    "ConcavificationResult",
    "two_state_envelope",
    "best_response_vertices",
    "concavify",
    "EXACT_ENUMERATION_SUBSETS",
    "MAX_VERTEX_SUBSETS",
]

#: Largest number of constraint subsets the vertex enumeration examines.
MAX_VERTEX_SUBSETS = 3_000_000

#: Exact vertex enumeration solves every subset exactly up to this many.
EXACT_ENUMERATION_SUBSETS = 2_000

_FLOAT_TOL = 1e-9


# ----------------------------------------------------------------- two states


def _receiver_breakpoints(c: list, s: list, exact: bool) -> list:
    """Breakpoints in (0, 1) of the upper envelope of the lines ``c_a + s_a μ``."""
    m = len(c)
    tol = 0 if exact else 1e-12 * max(1.0, max(abs(float(t)) for t in (*c, *s)))
    top = max(c)
    ties = [a for a in range(m) if c[a] >= top - tol]
    cur = max(ties, key=lambda a: s[a])
    mu = 0 if exact else 0.0
    out = []
    while True:
        nxt = None
        for b in range(m):
            if s[b] > s[cur] + tol:
                x = (c[cur] - c[b]) / (s[b] - s[cur])
                if x > mu + tol and (nxt is None or x < nxt):
                    nxt = x
        if nxt is None or nxt >= 1 - tol:
            return out
        out.append(nxt)
        mu = nxt
        ties = [b for b in range(m) if s[b] > s[cur] + tol
                and abs((c[cur] - c[b]) / (s[b] - s[cur]) - nxt) <= tol]
        cur = max(ties, key=lambda a: s[a])


def _upper_hull(xs: list, ys: list, exact: bool) -> list[int]:
    """Indices of the upper concave hull of points sorted by x (monotone chain)."""
    hull: list[int] = []
    scale = max(1.0, max(abs(float(y)) for y in ys)) if not exact else 0
    for i in range(len(xs)):
        while len(hull) >= 2:
            o, a = hull[-2], hull[-1]
            cross = (xs[a] - xs[o]) * (ys[i] - ys[o]) - (ys[a] - ys[o]) * (xs[i] - xs[o])
            if (cross >= 0) if exact else (cross >= -1e-12 * scale):
                hull.pop()
            else:
                break
        hull.append(i)
    return hull


@dataclass(frozen=True)
class Envelope:
    """The concave envelope ``cav v̂`` of a two-state game, exactly.

    Beliefs are ``μ = P(states[1])`` in ``[0, 1]``.

    Attributes
    ----------
    breakpoints : tuple
        Increasing ``μ`` of the envelope's vertices (``0`` first, ``1`` last).
    values : tuple
        ``cav v̂`` at the breakpoints (which equals ``v̂`` there).
    candidates : tuple
        ``0``, the receiver's best-response breakpoints, and ``1``: the
        points where ``v̂`` can jump.
    candidate_values : tuple
        ``v̂`` at the candidates.
    candidate_actions : tuple of int
        The receiver's (sender-preferred) best response at the candidates.
    interval_actions : tuple of int
        The best response inside each open interval between candidates.
    exact : bool
        Whether all numbers are Fractions.
    states : tuple
        The game's state labels (for plot axes).
    """

    breakpoints: tuple
    values: tuple
    candidates: tuple
    candidate_values: tuple
    candidate_actions: tuple
    interval_actions: tuple
    exact: bool
    states: tuple

    def __call__(self, mu: Any) -> Any:
        """``cav v̂(μ)``; exact for a Fraction/int on an exact envelope.

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> env = prosecutor().envelope()
        >>> env(F(3, 10)), env([0.1, 0.3, 0.9]).round(12).tolist()
        (Fraction(3, 5), [0.2, 0.6, 1.0])
        """
        if self.exact and isinstance(mu, Fraction | int) and not isinstance(mu, bool):
            q = Fraction(mu)
            if not 0 <= q <= 1:
                raise InvalidGameError(f"belief {q} is outside [0, 1]")
            i = self._segment(q)
            x0, x1 = self.breakpoints[i], self.breakpoints[i + 1]
            y0, y1 = self.values[i], self.values[i + 1]
            return y0 + (y1 - y0) * (q - x0) / (x1 - x0)
        arr = np.asarray(mu, dtype=np.float64)
        if np.any((arr < 0) | (arr > 1)) or not np.all(np.isfinite(arr)):
            raise InvalidGameError("beliefs must lie in [0, 1]; got a value outside [0, 1]")
        out = np.interp(arr, [float(x) for x in self.breakpoints],
                        [float(y) for y in self.values])
        return float(out) if out.ndim == 0 else out

    def _segment(self, q) -> int:
        bps = self.breakpoints
        for i in range(len(bps) - 1):
            if q <= bps[i + 1]:
                return i
        return len(bps) - 2  # pragma: no cover

    def split(self, mu: Any) -> tuple[tuple, tuple, tuple]:
        """The optimal splitting of the prior ``μ``: weights, posteriors, actions.

        Posteriors are given as ``P(states[1])``.  When ``μ`` is itself a
        breakpoint, no information is needed and the splitting has one
        posterior.

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> prosecutor().envelope().split(F(3, 10))
        ((Fraction(2, 5), Fraction(3, 5)), (Fraction(0, 1), Fraction(1, 2)), (0, 1))
        """
        q = Fraction(mu) if self.exact else float(mu)
        if not 0 <= q <= 1:
            raise InvalidGameError(f"belief {q} is outside [0, 1]")
        bps = self.breakpoints
        act = dict(zip(self.candidates, self.candidate_actions, strict=True))
        for x in bps:
            if (q == x) if self.exact else abs(q - x) <= 1e-15:
                return (Fraction(1) if self.exact else 1.0,), (x,), (act[x],)
        i = self._segment(q)
        x0, x1 = bps[i], bps[i + 1]
        w1 = (q - x0) / (x1 - x0)
        return (1 - w1, w1), (x0, x1), (act[x0], act[x1])

    def supporting_line(self, mu: Any) -> tuple:
        """Prices ``(p(states[0]), p(states[1]))`` of a line supporting the envelope at ``μ``.

        The line ``p0 (1 − x) + p1 x`` lies above ``v̂`` everywhere and
        touches the envelope at ``μ`` (a supergradient; at a breakpoint the
        left segment is used, or the right one at ``μ = 0``).

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> prosecutor().envelope().supporting_line(F(3, 10))
        (Fraction(0, 1), Fraction(2, 1))
        """
        q = Fraction(mu) if self.exact else float(mu)
        i = 0 if q == 0 else self._segment(q)
        x0, x1 = self.breakpoints[i], self.breakpoints[i + 1]
        y0, y1 = self.values[i], self.values[i + 1]
        slope = (y1 - y0) / (x1 - x0)
        p0 = y0 - slope * x0
        return p0, p0 + slope


class _TwoStateLines:
    """A rational two-state game as integer lines in ``μ = P(state 1)``.

    Receiver: ``D_u u_a(μ) = c_a + s_a μ``; sender: ``D_v v_a(μ) = e_a + t_a μ``
    (Python ints, ``D_u`` and ``D_v`` common denominators), so that comparing
    utilities at ``μ = p/q`` compares the integers ``c_a q + s_a p``.
    """

    __slots__ = ("c", "e", "m", "s", "t", "v")

    def __init__(self, v, u) -> None:
        self.m = m = len(u)
        du = 1
        for row in u:
            for x in row:
                du = math.lcm(du, x.denominator)
        dv = 1
        for row in v:
            for x in row:
                dv = math.lcm(dv, x.denominator)
        u0 = [u[a][0].numerator * (du // u[a][0].denominator) for a in range(m)]
        u1 = [u[a][1].numerator * (du // u[a][1].denominator) for a in range(m)]
        v0 = [v[a][0].numerator * (dv // v[a][0].denominator) for a in range(m)]
        v1 = [v[a][1].numerator * (dv // v[a][1].denominator) for a in range(m)]
        self.c, self.s = u0, [y - x for x, y in zip(u0, u1, strict=True)]
        self.e, self.t = v0, [y - x for x, y in zip(v0, v1, strict=True)]
        self.v = v

    def best_response(self, x: Fraction) -> int:
        """The receiver's best response at ``μ = x``, ties to the sender, then the lowest index.

        The same rule as :func:`~bayespersuade.solvers.best_response.best_response_exact`.
        """
        p, q = x.numerator, x.denominator
        c, s = self.c, self.s
        vals = [c[a] * q + s[a] * p for a in range(self.m)]
        top = max(vals)
        tied = [a for a in range(self.m) if vals[a] == top]
        if len(tied) == 1:
            return tied[0]
        e, t = self.e, self.t
        return max(tied, key=lambda a: (e[a] * q + t[a] * p, -a))

    def sender_value(self, a: int, x: Fraction) -> Fraction:
        """``v_a(μ) = v(a, 0) (1 − x) + v(a, 1) x``, exactly."""
        va = self.v[a]
        return va[0] + (va[1] - va[0]) * x

    def breakpoints(self) -> list[Fraction]:
        """Breakpoints in ``(0, 1)`` of the receiver's upper envelope, walking it exactly."""
        c, s, m = self.c, self.s, self.m
        top = max(c)
        cur = max((a for a in range(m) if c[a] == top), key=lambda a: s[a])
        mu = Fraction(0)
        out: list[Fraction] = []
        while True:
            nxt = None
            for b in range(m):
                if s[b] > s[cur]:
                    x = Fraction(c[cur] - c[b], s[b] - s[cur])
                    if x > mu and (nxt is None or x < nxt):
                        nxt = x
            if nxt is None or nxt >= 1:
                return out
            out.append(nxt)
            mu = nxt
            p, q = nxt.numerator, nxt.denominator
            level = c[cur] * q + s[cur] * p
            cur = max((b for b in range(m) if s[b] > s[cur] and c[b] * q + s[b] * p == level),
                      key=lambda a: s[a])


def _exact_two_state_envelope(v, u, states: tuple) -> Envelope:
    """:func:`two_state_envelope` of a rational game, in plain integer/Fraction arithmetic."""
    lines = _TwoStateLines(v, u)
    zero, one = Fraction(0), Fraction(1)
    cands = [zero, *lines.breakpoints(), one]
    acts = [lines.best_response(x) for x in cands]
    vals = [lines.sender_value(a, x) for a, x in zip(acts, cands, strict=True)]
    interval_actions = tuple(lines.best_response((cands[i] + cands[i + 1]) / 2)
                             for i in range(len(cands) - 1))
    hull = _upper_hull(cands, vals, True)
    return Envelope(
        breakpoints=tuple(cands[i] for i in hull),
        values=tuple(vals[i] for i in hull),
        candidates=tuple(cands),
        candidate_values=tuple(vals),
        candidate_actions=tuple(acts),
        interval_actions=interval_actions,
        exact=True,
        states=states,
    )


def _two_state_farkas(u_q, v_q, prices, a) -> list[tuple[int, int, Fraction]] | None:
    """:func:`_farkas_multipliers` for two states: one multiplier when one suffices.

    ``λ >= 0`` on a single action ``b`` with ``λ d_b(ω) <= f(ω) = p(ω) − v(a, ω)``
    (``d_b = u(a, ·) − u(b, ·)``) for both states: every state with ``f(ω) < 0``
    needs ``d_b(ω) < 0`` and ``λ >= f(ω)/d_b(ω)``; the smallest such ``λ`` must
    then satisfy the other state's inequality.  The first ``b`` that works is
    used.  When ``a``'s best-response region is a non-empty interval, the action
    defining its binding end always works (the slack line and ``λ d_b`` meet at
    the same corner value and cross zero in that order); otherwise the general
    exact LP decides.  The certificate is verified in any case.
    """
    va = v_q[a]
    f0, f1 = prices[0] - va[0], prices[1] - va[1]
    neg0, neg1 = f0 < 0, f1 < 0
    if not (neg0 or neg1):
        return []
    rows = u_q.tolist() if isinstance(u_q, np.ndarray) else u_q  # plain indexing is cheaper
    ua0, ua1 = rows[a]
    for b, (ub0, ub1) in enumerate(rows):
        if b == a:
            continue
        d0, d1 = ua0 - ub0, ua1 - ub1
        if (neg0 and not d0 < 0) or (neg1 and not d1 < 0):
            continue
        if neg0 and neg1:
            lam = max(f0 / d0, f1 / d1)
        elif neg0:
            lam = f0 / d0
            if d1 > 0 and lam * d1 > f1:
                continue
        else:
            lam = f1 / d1
            if d0 > 0 and lam * d0 > f0:
                continue
        return [(a, b, lam)]
    return _farkas_multipliers(u_q, v_q, prices, a)


def two_state_envelope(game: GameLike, *, exact: bool | None = None) -> Envelope:
    """The exact concave envelope of ``v̂`` for a two-state game.

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A game with two states.
    exact : bool, optional
        Exact arithmetic (default: when the game is rational).

    Returns
    -------
    Envelope

    Raises
    ------
    InvalidGameError
        If the game does not have two states, or ``exact=True`` on a float game.

    Examples
    --------
    The Likert game with quadratic loss: ``V = 1 + 12μ`` up to ``1/12``,
    ``3/2 + 6μ`` up to ``11/12``, then 7.

    >>> from bayespersuade.examples import likert_quadratic
    >>> env = two_state_envelope(likert_quadratic())
    >>> [str(x) for x in env.breakpoints], [str(y) for y in env.values]
    (['0', '1/12', '11/12', '1'], ['1', '2', '7', '7'])
    """
    game = common_prior_view(game)
    if game.n_states != 2:
        raise InvalidGameError(
            f"the two-state envelope needs a game with 2 states, this one has {game.n_states}"
        )
    exact = game.is_rational if exact is None else exact
    if exact:
        _, v, u = game.exact_data()
        return _exact_two_state_envelope(v, u, game.states)
    v, u = game.sender_utility, game.receiver_utility
    m = game.n_actions
    c = [u[a][0] for a in range(m)]
    s = [u[a][1] - u[a][0] for a in range(m)]
    if not exact:
        c, s = [float(t) for t in c], [float(t) for t in s]
    bps = _receiver_breakpoints(c, s, exact)
    one, zero = (Fraction(1), Fraction(0)) if exact else (1.0, 0.0)
    cands = [zero, *bps, one]

    def at(x):
        belief = [one - x, x]
        if exact:
            a = _br.best_response_exact(u, v, belief)
            return a, v[a][0] * (one - x) + v[a][1] * x
        a = int(_br.best_response(u, v, np.array(belief)))
        return a, float(v[a][0] * (1 - x) + v[a][1] * x)

    acts, vals = zip(*(at(x) for x in cands), strict=True)
    interval_actions = tuple(at((cands[i] + cands[i + 1]) / 2)[0] for i in range(len(cands) - 1))
    hull = _upper_hull(cands, list(vals), exact)
    return Envelope(
        breakpoints=tuple(cands[i] for i in hull),
        values=tuple(vals[i] for i in hull),
        candidates=tuple(cands),
        candidate_values=tuple(vals),
        candidate_actions=tuple(int(a) for a in acts),
        interval_actions=tuple(int(a) for a in interval_actions),
        exact=exact,
        states=game.states,
    )


# ---------------------------------------------------------------- many states


def _cell_constraints(u: np.ndarray, a: int) -> np.ndarray:
    """Rows g with g·μ >= 0 describing P_a inside the simplex (float).

    Duplicate rows are dropped keeping first occurrences, in the same order
    as :func:`_exact_cell_constraints`.
    """
    n = u.shape[1]
    diffs = u[a][None, :] - np.delete(u, a, axis=0)
    diffs = diffs[np.any(diffs != 0, axis=1)]
    if diffs.size:
        _, first = np.unique(diffs, axis=0, return_index=True)
        diffs = diffs[np.sort(first)]
    return np.vstack((diffs.reshape(-1, n), np.eye(n)))


def _exact_cell_constraints(u_q: np.ndarray, a: int) -> list[tuple]:
    m, n = u_q.shape
    rows = []
    seen = set()
    for b in range(m):
        if b == a:
            continue
        d = tuple(u_q[a][w] - u_q[b][w] for w in range(n))
        if any(t != 0 for t in d) and d not in seen:
            seen.add(d)
            rows.append(d)
    for w in range(n):
        rows.append(tuple(Fraction(int(i == w)) for i in range(n)))
    return rows


def _exact_vertices_all(u_q: np.ndarray) -> list:
    """Every vertex of every region, by an exact solve of each constraint subset.

    No floating-point filter decides anything: near-singular regions lose no
    vertex.  Used for small games and as the safety net of :func:`concavify`.
    """
    m, n = u_q.shape
    out: dict[tuple, None] = {}
    for a in range(m):
        Gq = _exact_cell_constraints(u_q, a)
        for combo in itertools.combinations(range(len(Gq)), n - 1):
            rows = [Gq[i] for i in combo] + [tuple(Fraction(1) for _ in range(n))]
            pt = solve_rational(rows, [Fraction(0)] * (n - 1) + [Fraction(1)])
            if pt is None:
                continue
            if all(sum((g[w] * pt[w] for w in range(n)), Fraction(0)) >= 0 for g in Gq):
                out[tuple(pt)] = None
    return list(out)


def best_response_vertices(game: GameLike, *, exact: bool | None = None,
                           exhaustive: bool = False) -> list:
    """All vertices of the receiver's best-response regions in the simplex.

    Parameters
    ----------
    game : PersuasionGame or GameLike
    exact : bool, optional
        Return exact (Fraction) vertices, re-derived and checked exactly
        (default: when the game is rational).  Up to
        :data:`EXACT_ENUMERATION_SUBSETS` subsets every subset is solved
        exactly; above, candidates found in floating point are re-derived
        exactly.
    exhaustive : bool, default False
        Exact mode: solve every subset exactly whatever the size (no float
        filter can then miss a vertex of a near-singular region).

    Returns
    -------
    list of tuple
        The distinct vertices, as tuples of Fraction (exact) or float.

    Raises
    ------
    SolverError
        If the enumeration would examine more than :data:`MAX_VERTEX_SUBSETS`
        constraint subsets (use ``method="lp"`` for such games).

    Examples
    --------
    Prosecutor: the regions are ``[0, 1/2]`` and ``[1/2, 1]`` (in P(guilty)).

    >>> from bayespersuade.examples import prosecutor
    >>> sorted(tuple(str(x) for x in p) for p in best_response_vertices(prosecutor()))
    [('0', '1'), ('1', '0'), ('1/2', '1/2')]
    """
    exact = game.is_rational if exact is None else exact
    u = game.receiver_utility
    m, n = u.shape
    if n == 1:
        return [(Fraction(1),)] if exact else [(1.0,)]
    if exact:
        _, _, u_q = game.exact_data()
    _, scale = _br.utility_scale(u, per_state=True)
    total = 0
    for a in range(m):
        total += math.comb(_cell_constraints(u, a).shape[0], n - 1)
    if total > MAX_VERTEX_SUBSETS:
        raise SolverError(
            f"vertex enumeration would examine {total:,} constraint subsets "
            f"(limit {MAX_VERTEX_SUBSETS:,}); use method='lp' for a game this size"
        )
    if exact and (total <= EXACT_ENUMERATION_SUBSETS or exhaustive):
        return _exact_vertices_all(u_q)
    found: dict[tuple, tuple] = {}
    for a in range(m):
        if exact:
            G = np.array(_exact_cell_constraints(u_q, a), dtype=np.float64)
        else:
            G = _cell_constraints(u, a)
        k = G.shape[0]
        combos = np.array(list(itertools.combinations(range(k), n - 1)), dtype=np.intp)
        combos = combos.reshape(-1, n - 1)
        for start in range(0, combos.shape[0], 50_000):
            chunk = combos[start : start + 50_000]
            S = np.empty((chunk.shape[0], n, n))
            S[:, : n - 1, :] = G[chunk]
            S[:, n - 1, :] = 1.0
            norms = np.linalg.norm(S, axis=2).prod(axis=1)
            det = np.linalg.det(S)
            ok = np.abs(det) > 1e-13 * norms
            if not ok.any():
                continue
            rhs = np.zeros((int(ok.sum()), n, 1))
            rhs[:, n - 1, 0] = 1.0
            pts = np.linalg.solve(S[ok], rhs)[..., 0]
            feas = (-_FLOAT_TOL * scale <= G @ pts.T).all(axis=0)
            for pt, combo in zip(pts[feas], chunk[ok][feas], strict=True):
                key = tuple(np.round(pt, 9) + 0.0)
                if key not in found:
                    found[key] = (a, tuple(int(t) for t in combo), pt)
    if not exact:
        return [tuple(float(x) for x in pt) for (_, _, pt) in found.values()]
    out = {}
    for a, combo, _ in found.values():
        Gq = _exact_cell_constraints(u_q, a)  # the rows the float pass used
        rows = [Gq[i] for i in combo] + [tuple(Fraction(1) for _ in range(n))]
        rhs = [Fraction(0)] * (n - 1) + [Fraction(1)]
        pt = solve_rational(rows, rhs)
        if pt is None:
            continue
        if all(sum((g[w] * pt[w] for w in range(n)), Fraction(0)) >= 0 for g in Gq):
            out[tuple(pt)] = None
    return list(out)


@dataclass(frozen=True)
class ConcavificationResult:
    """``cav v̂(μ0)`` and the splitting attaining it.

    Attributes
    ----------
    value : float or Fraction
    weights : tuple
    posteriors : tuple of tuple
        Full belief vectors.
    actions : tuple of int
    prices : tuple
        A hyperplane ``p`` with ``p·μ >= v̂(μ)`` for all ``μ`` and ``p·μ0 = value``.
    n_points : int
        Candidate points examined.
    envelope : Envelope or None
        For two-state games.
    exact : bool
    certificate : Certificate or None
    exact_failure : str or None
    """

    value: Any
    weights: tuple
    posteriors: tuple
    actions: tuple
    prices: tuple
    n_points: int
    envelope: Envelope | None
    exact: bool
    certificate: Certificate | None
    exact_failure: str | None


def _farkas_multipliers(u_q, v_q, prices, a) -> list[tuple[int, int, Fraction]] | None:
    """λ(a, ·) >= 0 with p(ω) >= v(a, ω) + Σ_b λ(a, b)(u(a, ω) − u(b, ω)), exactly."""
    m, n = u_q.shape
    slack = [prices[w] - v_q[a][w] for w in range(n)]
    if all(t >= 0 for t in slack):
        return []
    others = [b for b in range(m) if b != a and any(u_q[a][w] != u_q[b][w] for w in range(n))]
    if not others:
        return None
    # maximise -Σλ  s.t.  Σ_b λ_b (u(a,ω) − u(b,ω)) <= slack(ω)
    A_ub = [[u_q[a][w] - u_q[b][w] for b in others] for w in range(n)]
    sol = solve_lp_exactly([-1] * len(others), A_ub=A_ub, b_ub=slack)
    if sol is None:
        return None
    return [(a, b, lam) for b, lam in zip(others, sol.x, strict=True) if lam != 0]


def _lp_certificate(game, weights, posteriors, actions, prices) -> tuple:
    """Turn an exact splitting and hyperplane into an LP certificate."""
    prior, v_q, u_q = game.exact_data()
    n = game.n_states
    joint: dict[int, list[Fraction]] = {}
    for w, mu, a in zip(weights, posteriors, actions, strict=True):
        col = joint.setdefault(int(a), [Fraction(0)] * n)
        for i in range(n):
            col[i] += w * mu[i]
    multipliers = []
    farkas = _two_state_farkas if n == 2 else _farkas_multipliers
    for a in range(game.n_actions):
        lam = farkas(u_q, v_q, prices, a)
        if lam is None:
            return None, f"no obedience multipliers certify action {a} below the prices"
        multipliers.extend(lam)
    value = sum((prior[i] * prices[i] for i in range(n)), Fraction(0))
    cert = Certificate(
        value=value,
        joint=tuple((a, tuple(x)) for a, x in sorted(joint.items())),
        prices=tuple(prices),
        multipliers=tuple(multipliers),
        method="concavification",
    )
    check = verify_certificate(game, cert)
    if not check:
        return None, "the concavification certificate failed: " + "; ".join(check.problems[:3])
    return cert, None


def concavify(game: GameLike, *, exact: bool = False) -> ConcavificationResult:
    """``V(μ0) = cav v̂(μ0)`` and an optimal splitting, without the revelation LP.

    Parameters
    ----------
    game : PersuasionGame or GameLike
    exact : bool, default False
        Exact arithmetic and a certificate (rational games).  Two-state games
        are always solved exactly when rational; ``exact`` then only adds the
        certificate.

    Returns
    -------
    ConcavificationResult

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> res = concavify(prosecutor(), exact=True)
    >>> res.value, res.weights
    (Fraction(3, 5), (Fraction(2, 5), Fraction(3, 5)))
    """
    game = common_prior_view(game)  # heterogeneous priors: the receiver's belief space
    if exact and not game.is_rational:
        raise InvalidGameError(
            "exact concavification needs a rational game (ints/Fractions); "
            "see PersuasionGame.to_rational()"
        )
    n = game.n_states
    if n == 1:
        return _one_state(game, exact)
    if n == 2:
        env = two_state_envelope(game, exact=game.is_rational)
        mu0 = game.exact_data()[0][1] if env.exact else float(game.prior[1])
        ws, xs, acts = env.split(mu0)
        one = Fraction(1) if env.exact else 1.0
        posts = tuple((one - x, x) for x in xs)
        value = sum((w * y for w, y in zip(ws, (env(x) if env.exact else float(env(x))
                                                for x in xs), strict=True)),
                    Fraction(0) if env.exact else 0.0)
        prices = env.supporting_line(mu0)
        cert = failure = None
        if exact:
            cert, failure = _lp_certificate(game, ws, posts, acts, prices)
        if not env.exact:
            value = float(value)
        return ConcavificationResult(
            value=value, weights=tuple(ws), posteriors=posts, actions=tuple(acts),
            prices=tuple(prices), n_points=len(env.candidates), envelope=env,
            exact=cert is not None, certificate=cert, exact_failure=failure,
        )
    use_exact = exact and game.is_rational
    points = best_response_vertices(game, exact=use_exact)
    if use_exact:
        prior = tuple(game.exact_data()[0])
        res, failure = _concavify_exact(game, points, prior)
        if res is None and failure is not None and failure.startswith("retry:"):
            # safety net: a vertex the float filter missed (near-singular regions)
            # leaves no certificate; enumerate every subset exactly and retry
            points = best_response_vertices(game, exact=True, exhaustive=True)
            res, failure = _concavify_exact(game, points, prior)
        if res is not None:
            return res
        failure = failure.removeprefix("retry: ") if failure else failure
        # fall through to a float answer, reporting why it is not exact
        points = [tuple(float(x) for x in p) for p in points]
    else:
        failure = None
    return _concavify_float(game, points, failure)


def _concavify_exact(game, points: list, prior: tuple):
    """The exact vertex LP and its certificate; (result, None) or (None, reason).

    A reason starting with ``"retry:"`` means that the enumeration may have
    missed a vertex (no certificate) and an exhaustive one may help.
    """
    n = game.n_states
    _, v_q, u_q = game.exact_data()
    if prior not in set(points):  # the prior itself: no disclosure is always feasible
        points = [*points, prior]
    acts = [_br.best_response_exact(u_q, v_q, p) for p in points]
    vals = [sum((v_q[a][i] * p[i] for i in range(n)), Fraction(0))
            for a, p in zip(acts, points, strict=True)]
    A_eq = [[p[i] for p in points] for i in range(n)]
    sol = solve_lp_exactly(vals, A_eq=A_eq, b_eq=list(prior))
    if sol is None:  # pragma: no cover - feasible (the prior) and bounded
        return None, "the LP over the region vertices could not be solved exactly"
    supp = [k for k, x in enumerate(sol.x) if x != 0]
    ws = tuple(sol.x[k] for k in supp)
    posts = tuple(points[k] for k in supp)
    sacts = tuple(acts[k] for k in supp)
    prices = tuple(sol.y_eq)
    cert, failure = _lp_certificate(game, ws, posts, sacts, prices)
    if cert is None:
        return None, f"retry: {failure}"
    return ConcavificationResult(
        value=sol.value, weights=ws, posteriors=posts, actions=sacts,
        prices=prices, n_points=len(points), envelope=None, exact=True,
        certificate=cert, exact_failure=None,
    ), None


def _one_state(game, exact: bool) -> ConcavificationResult:
    """One state: the only belief is the prior; ``V = v̂(1)`` (no information to give)."""
    if game.is_rational:
        one = Fraction(1)
        value = game.sender_value([one], exact=True)
        a = int(game.best_response([one], exact=True))
    else:
        one = 1.0
        value = float(game.sender_value(np.ones(1)))
        a = int(game.best_response(np.ones(1)))
    cert = failure = None
    if exact:
        cert, failure = _lp_certificate(game, (one,), ((one,),), (a,), (value,))
    return ConcavificationResult(
        value=value if cert is not None else float(value), weights=(one,),
        posteriors=((one,),), actions=(a,), prices=(value,), n_points=1, envelope=None,
        exact=cert is not None, certificate=cert, exact_failure=failure,
    )


def _concavify_float(game, points, failure) -> ConcavificationResult:
    import scipy.optimize

    n = game.n_states
    # the prior itself is a candidate: the LP is feasible whatever was enumerated
    P = np.vstack((np.array(points, dtype=np.float64).reshape(-1, n), game.prior[None, :]))
    acts = _br.best_response(game.receiver_utility, game.sender_utility, P)
    vals = np.einsum("kn,kn->k", game.sender_utility[acts], P)
    res = scipy.optimize.linprog(-vals, A_eq=P.T, b_eq=game.prior, bounds=(0, None),
                                 method="highs")
    if res.status != 0:
        raise SolverError(f"the LP over the region vertices failed: {res.message}")
    supp = np.flatnonzero(res.x > 1e-12)
    w = res.x[supp] / res.x[supp].sum()
    return ConcavificationResult(
        value=float(-res.fun), weights=tuple(float(t) for t in w),
        posteriors=tuple(tuple(float(x) for x in P[k]) for k in supp),
        actions=tuple(int(acts[k]) for k in supp),
        prices=tuple(float(t) for t in -res.eqlin.marginals),
        n_points=P.shape[0], envelope=None, exact=False, certificate=None,
        exact_failure=failure,
    )
