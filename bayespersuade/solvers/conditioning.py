"""Units, conditioning and action reduction: what every solve does before an LP.

Three steps that make float solves independent of the units of the
utilities and keep tall games small:

* **Normalisation** (:func:`normalise`).  The receiver's choices are invariant
  under ``u(a, ω) -> α u(a, ω) + c(ω)`` with ``α > 0``, the sender's optimum
  under ``v -> α v + β`` (the value becomes ``α V + β``).  Float solves work
  on ``u`` shifted to a zero minimum per state and divided by its range, and
  ``v`` shifted and divided likewise, so that every tolerance is relative to
  the utilities' own range; values, prices and multipliers are reported back
  in the user's units (:class:`Scaling`).
* **Reduction** (:func:`reduce_actions`).  Receiver actions with identical
  utility rows are merged, keeping those the sender likes best (a row whose
  sender utilities are pointwise below another's is never chosen by the
  sender-preferred tie-break); actions that are a best response at no belief
  are dropped.  An action is a best response somewhere iff it is not strictly
  dominated by a mixture of the others, and the largest margin by which it
  beats the others is attained at a vertex of their best-response cells
  (the margin is linear on each cell), so the kept set ``S`` is grown from the
  best responses at the simplex corners until no other action comes within
  the tolerance of ``S``'s upper envelope at any vertex of ``S``'s cells.
  Dropped actions keep exact certificates exact: :func:`lift_certificate`
  adds, for each, obedience multipliers that prove its dual constraint (a
  dominating mixture, computed exactly).
* **Conditioning** (:func:`near_ties`).  Float arithmetic cannot tell a tie
  from a dominance closer than :data:`CONDITIONING_TOL` of the range of
  ``u``.  The check looks, in exact arithmetic on the binary values of the
  float data, for pairs of actions whose receiver utilities differ by less
  than that without being equal, and for actions within that distance of
  the best at a vertex of the best-response cells without being exactly
  tied there (the vertices are enumerated where that is cheaper than a solve:
  two-state games, and games with at most :data:`NEAR_TIE_MAX_SUBSETS`
  constraint subsets; beyond, only pairs are examined).  Solves then warn
  (:class:`~bayespersuade.exceptions.IllConditionedWarning`) and record the
  reason; ``game.to_rational()`` with ``exact=True`` decides.

References
----------
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615 (the value is invariant as above).
Pearce, D. G. (1984). Rationalizable strategic behavior and the problem of
perfection. *Econometrica* 52(4), 1029-1050 (Lemma 3: never a best response
iff strictly dominated by a mixture).
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError
from . import best_response as _br
from ._linalg_q import solve_rational

if TYPE_CHECKING:  # pragma: no cover
    from .certify import Certificate
    from .game_data import GameLike

__all__ = [
    "CONDITIONING_TOL",
    "FLOAT_TIE",
    "MAX_CHECK_SUBSETS",
    "NEAR_TIE_MAX_SUBSETS",
    "Reduction",
    "Scaling",
    "ScaledGame",
    "SubGame",
    "lift_certificate",
    "near_ties",
    "normalise",
    "reduce_actions",
]

#: Relative distance (in units of the receiver's utility range) below which a
#: float solve cannot tell a tie from a dominance.
CONDITIONING_TOL = 1e-7

#: Float gaps (in units of the range) below this at a vertex count as ties: the
#: rounding error of a vertex computed from a few constraints is far smaller, so
#: :func:`near_ties` decides only the gaps above it exactly (a dominance below it
#: is beyond what float data can be asked to show).
FLOAT_TIE = 1e-12

_DENOMINATOR = operator.attrgetter("denominator")

#: Largest number of constraint subsets examined by the vertex enumeration of
#: :func:`reduce_actions` (beyond it only duplicates are merged), and by that of
#: :func:`near_ties` in two-state games (vectorised: a few microseconds per pair).
MAX_CHECK_SUBSETS = 200_000

#: Largest number of constraint subsets that :func:`near_ties` enumerates in
#: games with three or more states (``m · C(m − 1 + n, n − 1)`` for ``m``
#: actions and ``n`` states: 630 at 5 x 5, 840 at 4 x 7, 858 at 3 x 11, 2,772 at
#: 6 x 6, 51,480 at 8 x 8); beyond it only pairs of actions are examined.  An
#: enumeration costs about 1.5 µs per subset, so this keeps the check below
#: the cost of a small solve (at the former limit, 200,000, an 8 x 8 float solve
#: spent 75 ms in it against 1 ms for the rest).
NEAR_TIE_MAX_SUBSETS = 1_000


# ------------------------------------------------------------ normalisation


@dataclass(frozen=True)
class Scaling:
    """The affine maps between the user's utilities and the normalised ones.

    ``v = v_shift + v_scale * v_n`` and ``u(a, ω) = u_shift(ω) + u_scale * u_n(a, ω)``.

    Attributes
    ----------
    v_shift, v_scale, u_scale : float
    u_shift : numpy.ndarray, shape (n_states,)
    """

    v_shift: float
    v_scale: float
    u_shift: np.ndarray
    u_scale: float

    def value(self, x: Any) -> Any:
        """A normalised value (or prices) in the user's units."""
        return self.v_shift + self.v_scale * np.asarray(x, dtype=np.float64) \
            if np.ndim(x) else self.v_shift + self.v_scale * float(x)

    def multiplier(self, lam: float) -> float:
        """A normalised obedience multiplier in the user's units."""
        return float(lam) * self.v_scale / self.u_scale


def normalise(sender_utility: np.ndarray, receiver_utility: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, Scaling]:
    """Shift and scale both utilities to the unit range.

    Returns
    -------
    v_n, u_n : numpy.ndarray
        ``v`` minus its minimum over its range; ``u`` minus each state's
        minimum over the largest of the results (each 0 when constant).
    scaling : Scaling

    Examples
    --------
    >>> import numpy as np
    >>> v_n, u_n, sc = normalise(np.array([[0., 0], [1e-12, 1e-12]]),
    ...                          np.array([[1e9, 0], [0, 1e9]]))
    >>> v_n.tolist(), u_n.tolist(), sc.value(0.6)
    ([[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], 6e-13)
    """
    v = np.asarray(sender_utility, dtype=np.float64)
    u = np.asarray(receiver_utility, dtype=np.float64)
    if not (v.size and u.size):
        return _normalise_empty(v, u)
    # a minimum and a maximum are finite exactly when every entry is (NaN propagates);
    # x -> x - c rounds monotonically, so max(x - c) is max(x) - c, rounded once
    v_shift, v_top = float(v.min()), float(v.max())
    u_shift = u.min(axis=0)
    u_top = u.max(axis=0)
    if not (math.isfinite(v_shift) and math.isfinite(v_top)
            and np.isfinite(u_shift).all() and np.isfinite(u_top).all()):
        raise InvalidGameError("utilities must be finite")
    with np.errstate(over="ignore", invalid="ignore"):
        v_scale = v_top - v_shift
        u_scale = float((u_top - u_shift).max())
    if not math.isfinite(v_scale) or not math.isfinite(u_scale):  # e.g. 1e308 - (-1e308)
        raise InvalidGameError("the range of the utilities overflows float64; rescale them")
    v_n = (v - v_shift) / v_scale if v_scale > 0 else np.zeros_like(v)
    u_n = (u - u_shift) / u_scale if u_scale > 0 else np.zeros_like(u)
    return v_n, u_n, Scaling(v_shift, v_scale if v_scale > 0 else 1.0, u_shift,
                             u_scale if u_scale > 0 else 1.0)


def _normalise_empty(v: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, Scaling]:
    """:func:`normalise` when a utility array has no entries."""
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(u))):
        raise InvalidGameError("utilities must be finite")
    with np.errstate(over="ignore", invalid="ignore"):
        v_shift = float(v.min()) if v.size else 0.0
        v0 = v - v_shift
        v_scale = float(v0.max()) if v.size else 0.0
        u_shift = u.min(axis=0) if u.size else np.zeros(u.shape[1])
        u0 = u - u_shift
        u_scale = float(u0.max()) if u.size else 0.0
    if not np.isfinite(v_scale) or not np.isfinite(u_scale):  # e.g. 1e308 - (-1e308)
        raise InvalidGameError("the range of the utilities overflows float64; rescale them")
    v_n = v0 / v_scale if v_scale > 0 else np.zeros_like(v0)
    u_n = u0 / u_scale if u_scale > 0 else np.zeros_like(u0)
    return v_n, u_n, Scaling(v_shift, v_scale if v_scale > 0 else 1.0, u_shift,
                             u_scale if u_scale > 0 else 1.0)


class ScaledGame:
    """A float view of a game with other utilities (normalised or reduced).

    Implements :class:`~bayespersuade.solvers.game_data.GameLike` for the float
    solvers; ``exact_data`` is unavailable.
    """

    is_rational = False

    def __init__(self, prior: np.ndarray, sender_utility: np.ndarray,
                 receiver_utility: np.ndarray, states: tuple, actions: tuple,
                 name: str | None = None) -> None:
        self.prior = np.asarray(prior, dtype=np.float64)
        self.sender_utility = np.asarray(sender_utility, dtype=np.float64)
        self.receiver_utility = np.asarray(receiver_utility, dtype=np.float64)
        self.states: tuple[Hashable, ...] = tuple(states)
        self.actions: tuple[Hashable, ...] = tuple(actions)
        self.name = name

    @property
    def n_states(self) -> int:
        return self.receiver_utility.shape[1]

    @property
    def n_actions(self) -> int:
        return self.receiver_utility.shape[0]

    def exact_data(self):  # pragma: no cover - the float solvers never ask
        raise InvalidGameError("a scaled float view has no exact data")

    def best_response(self, belief, *, tie_break="sender", exact=None):
        out = _br.best_response(self.receiver_utility, self.sender_utility,
                                np.asarray(belief, dtype=np.float64), tie_break=tie_break)
        return int(out) if out.ndim == 0 else out

    def sender_value(self, belief, *, tie_break="sender", exact=None):
        out = _br.sender_value(self.receiver_utility, self.sender_utility,
                               np.asarray(belief, dtype=np.float64), tie_break=tie_break)
        return float(out) if out.ndim == 0 else out

    def no_disclosure_value(self, *, exact=False, tie_break="sender"):
        return self.sender_value(self.prior, tie_break=tie_break)

    def full_disclosure_value(self, *, exact=False, tie_break="sender"):
        return _br.full_disclosure_value(self.prior, self.receiver_utility,
                                         self.sender_utility, tie_break=tie_break)


class SubGame(ScaledGame):
    """A game restricted to some of its actions (exact data kept when rational)."""

    def __init__(self, game: GameLike, keep: np.ndarray, *,
                 float_data: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        keep = np.asarray(keep, dtype=np.intp)
        v, u = float_data if float_data is not None else (game.sender_utility,
                                                          game.receiver_utility)
        super().__init__(game.prior, v[keep], u[keep], game.states,
                         tuple(game.actions[int(a)] for a in keep), game.name)
        self.keep = keep
        self.is_rational = bool(game.is_rational) and float_data is None
        self._exact = None
        if self.is_rational:
            prior_q, v_q, u_q = game.exact_data()
            self._exact = (prior_q, v_q[keep], u_q[keep])

    def exact_data(self):
        if self._exact is None:
            raise InvalidGameError("this game has floating-point data")
        return self._exact

    def best_response(self, belief, *, tie_break="sender", exact=None):
        if self._exact is not None and exact is not False and _is_exact_belief(belief):
            _, v_q, u_q = self._exact
            return _br.best_response_exact(u_q, v_q, list(belief), tie_break=tie_break)
        return super().best_response(belief, tie_break=tie_break)

    def sender_value(self, belief, *, tie_break="sender", exact=None):
        if self._exact is not None and exact is not False and _is_exact_belief(belief):
            _, v_q, u_q = self._exact
            return _br.sender_value_exact(u_q, v_q, list(belief), tie_break=tie_break)
        return super().sender_value(belief, tie_break=tie_break)

    def no_disclosure_value(self, *, exact=False, tie_break="sender"):
        if exact:
            return self.sender_value(list(self._exact[0]), tie_break=tie_break)
        return super().no_disclosure_value(tie_break=tie_break)

    def full_disclosure_value(self, *, exact=False, tie_break="sender"):
        if exact:
            p, v_q, u_q = self.exact_data()
            return _br.full_disclosure_value_exact(p, u_q, v_q, tie_break=tie_break)
        return super().full_disclosure_value(tie_break=tie_break)


def _is_exact_belief(belief) -> bool:
    return all(isinstance(x, Fraction | int) and not isinstance(x, bool)
               for x in np.asarray(belief, dtype=object).ravel())


# ------------------------------------------------------- vertex enumeration


def _cell_vertices(u: np.ndarray, actions: np.ndarray, limit: int):
    """Float vertices of the best-response cells of the actions ``actions`` of ``u``.

    The cells are those of the game restricted to ``actions``.  Returns
    ``(points, tight)`` with ``tight[k] = (a, others, facets)`` the cell and the
    tight constraints of ``points[k]``, or None when more than ``limit``
    subsets would be examined.
    """
    sub = u[actions]
    m, n = sub.shape
    if n == 1:
        return np.ones((1, 1)), [(int(actions[0]), (), ())]
    if n == 2:
        return _two_state_vertices(sub, actions, limit)
    total = m * math.comb(m - 1 + n, n - 1)
    if total > limit:
        return None
    pts, cells, found = [], [], []
    k = m - 1 + n
    combos = np.array(list(itertools.combinations(range(k), n - 1)), dtype=np.intp)
    combos = combos.reshape(-1, n - 1)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        G = np.vstack(((sub[i] - sub[others]).reshape(-1, n), np.eye(n)))
        S = np.empty((combos.shape[0], n, n))
        S[:, : n - 1, :] = G[combos]
        S[:, n - 1, :] = 1.0
        norms = np.linalg.norm(S, axis=2).prod(axis=1)
        ok = np.abs(np.linalg.det(S)) > 1e-13 * np.maximum(norms, 1e-300)
        if not ok.any():
            continue
        rhs = np.zeros((int(ok.sum()), n, 1))
        rhs[:, n - 1, 0] = 1.0
        P = np.linalg.solve(S[ok], rhs)[..., 0]
        feas = (G @ P.T >= -1e-9).all(axis=0)
        if feas.any():
            pts.append(np.clip(P[feas], 0.0, None))
            cells.append(np.full(int(feas.sum()), i))
            found.append(combos[ok][feas])
    if not pts:
        return np.zeros((0, n)), []
    return np.vstack(pts), _Tight(actions, np.concatenate(cells), np.vstack(found), m)


class _Tight:
    """``tight[k] = (a, others, facets)``, built on demand (most are never asked for)."""

    def __init__(self, actions, cells, combos, m: int) -> None:
        self.actions, self.cells, self.combos, self.m = actions, cells, combos, m

    def __len__(self) -> int:
        return self.cells.size

    def __getitem__(self, k: int):
        i = int(self.cells[k])
        others = [j for j in range(self.m) if j != i]
        combo = self.combos[k]
        acts = tuple(int(self.actions[others[c]]) for c in combo if c < self.m - 1)
        facets = tuple(int(c - (self.m - 1)) for c in combo if c >= self.m - 1)
        return int(self.actions[i]), acts, facets


def _two_state_vertices(sub: np.ndarray, actions: np.ndarray, limit: int):
    """Two states, vectorised: the corners and the crossings on the upper envelope."""
    m = sub.shape[0]
    if m * m > limit:
        return None
    c, s = sub[:, 0], sub[:, 1] - sub[:, 0]
    i, j = np.triu_indices(m, 1)
    ds = s[j] - s[i]
    ok = ds != 0
    i, j = i[ok], j[ok]
    x = (c[i] - c[j]) / ds[ok]
    inside = (x > 0) & (x < 1)
    i, j, x = i[inside], j[inside], x[inside]
    vals = c[None, :] + np.outer(x, s)  # (k, m)
    top = vals.max(axis=1)
    on = vals[np.arange(x.size), i] >= top - 1e-9
    i, j, x = i[on], j[on], x[on]
    a0, a1 = int(np.argmax(c)), int(np.argmax(c + s))
    pts = np.vstack((np.array([[1.0, 0.0], [0.0, 1.0]]), np.column_stack((1 - x, x))))
    tight = [(int(actions[a0]), (), (1,)), (int(actions[a1]), (), (0,))]
    tight += [(int(actions[a]), (int(actions[b]),), ()) for a, b in zip(i, j, strict=True)]
    return pts, tight


def _exact_vertex(u_q, a: int, acts, facets, n: int) -> list[Fraction] | None:
    rows = [[u_q[a][w] - u_q[b][w] for w in range(n)] for b in acts]
    rows += [[Fraction(int(i == f)) for i in range(n)] for f in facets]
    rows.append([Fraction(1)] * n)
    return solve_rational(rows, [Fraction(0)] * (n - 1) + [Fraction(1)])


def _exact_u(game: GameLike) -> np.ndarray:
    if game.is_rational:
        return game.exact_data()[2]
    u = game.receiver_utility
    out = np.empty(u.shape, dtype=object)
    for idx in np.ndindex(u.shape):
        out[idx] = Fraction(float(u[idx]))  # the exact binary value
    return out


# ---------------------------------------------------------------- reduction


@dataclass(frozen=True)
class Reduction:
    """Which actions a solve keeps, and why the others may go.

    Attributes
    ----------
    keep : numpy.ndarray of int
        Kept actions (increasing indices of the original game).
    duplicate_of : dict of int to int
        A dropped action -> a kept action with the same receiver utilities
        and pointwise at least the same sender utilities.
    never_best : tuple of int
        Dropped actions that are a best response at no belief.
    """

    keep: np.ndarray
    duplicate_of: dict
    never_best: tuple

    @property
    def n_dropped(self) -> int:
        return len(self.duplicate_of) + len(self.never_best)


def _merge_duplicates(game: GameLike) -> tuple[list[int], dict[int, int]]:
    exact = game.is_rational
    if exact:
        _, v, u = game.exact_data()
    else:
        v, u = game.sender_utility, game.receiver_utility
    groups: dict[tuple, list[int]] = {}
    for a in range(game.n_actions):
        key = tuple(u[a]) if exact else u[a].tobytes()
        groups.setdefault(key, []).append(a)
    keep, dup = [], {}
    for members in groups.values():
        if len(members) == 1:
            keep.append(members[0])
            continue
        for a in members:
            # dominated (weakly, and strictly somewhere or equal with a lower index)
            boss = next((b for b in members if b != a
                         and all(v[b][w] >= v[a][w] for w in range(game.n_states))
                         and (any(v[b][w] > v[a][w] for w in range(game.n_states))
                              or b < a)), None)
            if boss is None:
                keep.append(a)
            else:
                dup[a] = boss
    # point each dropped duplicate at a kept one
    for a in list(dup):
        b = dup[a]
        while b in dup:
            b = dup[b]
        dup[a] = b
    return sorted(keep), dup


def reduce_actions(game: GameLike, u_n: np.ndarray | None = None, *,
                   limit: int = MAX_CHECK_SUBSETS) -> Reduction:
    """Merge receiver-duplicate actions and drop actions that are never a best response.

    Parameters
    ----------
    game : GameLike
    u_n : numpy.ndarray, optional
        The normalised receiver utility (:func:`normalise`); computed if omitted.
    limit : int
        Largest vertex enumeration to run; beyond it only duplicates are merged.

    Returns
    -------
    Reduction
        For a rational game, an action is dropped as never a best response
        only when, at every vertex of the kept actions' cells, it is below
        their best by more than :data:`CONDITIONING_TOL` of the range (so
        exactly below: :func:`lift_certificate` proves it, exactly).

    Examples
    --------
    >>> from bayespersuade import PersuasionGame
    >>> from fractions import Fraction as F
    >>> g = PersuasionGame([F(1, 2), F(1, 2)], [[0, 0], [1, 1], [5, 5], [2, 2]],
    ...                    [[1, 0], [0, 1], [0, 0], [0, 1]])
    >>> r = reduce_actions(g)
    >>> r.keep.tolist(), r.duplicate_of, r.never_best
    ([0, 3], {1: 3}, (2,))
    """
    keep0, dup = _merge_duplicates(game)
    if u_n is None:
        u_n = normalise(game.sender_utility, game.receiver_utility)[1]
    n = game.n_states
    cand = np.array(keep0, dtype=np.intp)
    if cand.size <= 1 or n == 1:
        return Reduction(cand, dup, ())
    U_c = u_n[cand]  # (k, n)
    tol = CONDITIONING_TOL

    def near_best(P):
        vals = P @ U_c.T  # (q, k)
        return (vals >= vals.max(axis=1, keepdims=True) - tol).any(axis=0)

    corners = np.vstack((np.eye(n), np.full((1, n), 1.0 / n)))
    in_S = near_best(corners)
    while True:
        S = cand[in_S]
        res = _cell_vertices(u_n, S, limit)
        if res is None:
            return Reduction(cand, dup, ())
        pts, _ = res
        if not pts.shape[0]:  # pragma: no cover - a cell always has a vertex
            return Reduction(cand, dup, ())
        new = near_best(pts) & ~in_S
        if not new.any():
            break
        in_S |= new
    kept = cand[in_S]
    dropped = {int(a) for a in cand[~in_S]}
    # a copy of a never-best action is never best either
    for a, rep in list(dup.items()):
        if rep in dropped:
            del dup[a]
            dropped.add(a)
    return Reduction(kept, dup, tuple(sorted(dropped)))


def lift_certificate(game: GameLike, reduction: Reduction, cert: Certificate
                     ) -> tuple[Certificate | None, str | None]:
    """An exact certificate of the reduced game as one of the full game.

    Kept actions are renumbered back; each dropped duplicate takes its
    representative's multipliers (its dual constraint is implied, its sender
    utilities being pointwise smaller); each dropped never-best action ``b``
    gets ``λ(b, ·) = t · y`` with ``y`` a mixture of kept actions that
    strictly dominates it, found by an exact LP, and ``t`` just large
    enough.  The result is verified on the full game.
    """
    from ._exact_lp import solve_lp_exactly
    from .certify import Certificate, verify_certificate

    keep = [int(a) for a in reduction.keep]
    _, v, u = game.exact_data()
    n = game.n_states
    joint = tuple((keep[a], xs) for a, xs in cert.joint)
    mult = [(keep[a], keep[b], lam) for a, b, lam in cert.multipliers]
    by_action: dict[int, list] = {}
    for a, b, lam in mult:
        by_action.setdefault(a, []).append((b, lam))
    for d, rep in reduction.duplicate_of.items():
        mult.extend((d, b, lam) for b, lam in by_action.get(rep, ()) if b != d)
    prices = cert.prices
    # the kept action that beats each dropped one by most in its worst state (float);
    # where it beats it in every state, one multiplier proves the dual constraint
    dropped = np.array(reduction.never_best, dtype=np.intp)
    boss = {}
    if dropped.size:
        uf = game.receiver_utility
        margin = (uf[np.array(keep)][:, None, :] - uf[dropped][None, :, :]).min(axis=2)
        best = margin.argmax(axis=0)
        boss = {int(b): keep[int(c)] for b, c, ok in
                zip(dropped, best, margin[best, np.arange(dropped.size)] > 0, strict=True)
                if ok}
    for b in reduction.never_best:
        need = [v[b][w] - prices[w] for w in range(n)]
        if all(x <= 0 for x in need):
            continue
        c = boss.get(b)
        if c is not None:
            gaps = [u[c][w] - u[b][w] for w in range(n)]
            if all(g > 0 for g in gaps):  # exactly: b is dominated by c alone
                # any larger multiplier also works (u_b − u_c < 0): an integer keeps
                # the certificate's common denominators small
                scale = math.ceil(max(x / g for x, g in zip(need, gaps, strict=True)))
                mult.append((b, c, Fraction(scale)))
                continue
        # a mixture y of kept actions and a margin t > 0 with
        # Σ_c y_c (u_c(ω) − u_b(ω)) >= t for all ω: maximise t
        k = len(keep)
        c_obj = [Fraction(0)] * k + [Fraction(1)]
        A_ub = [[u[b][w] - u[c][w] for c in keep] + [Fraction(1)] for w in range(n)]
        A_ub += [[Fraction(0)] * k + [Fraction(1)]]  # t <= 1 (bounded)
        sol = solve_lp_exactly(c_obj, A_ub=A_ub, b_ub=[Fraction(0)] * n + [Fraction(1)],
                               A_eq=[[Fraction(1)] * k + [Fraction(0)]], b_eq=[Fraction(1)])
        if sol is None or sol.x[k] <= 0:
            return None, f"action {b} was dropped but is not strictly dominated exactly"
        y, t = sol.x[:k], sol.x[k]
        scale = math.ceil(max(x / t for x in need))
        mult.extend((b, keep[i], scale * y[i]) for i in range(k) if y[i] != 0)
    full = Certificate(value=cert.value, joint=joint, prices=prices,
                       multipliers=tuple(mult), method=cert.method)
    check = verify_certificate(game, full)
    if not check:
        return None, "the certificate of the reduced game does not lift: " + "; ".join(
            check.problems[:3])
    return full, None


# -------------------------------------------------------------- conditioning


def near_ties(game: GameLike, u_n: np.ndarray | None = None, *,
              actions: np.ndarray | None = None, tol: float = CONDITIONING_TOL,
              limit: int | None = None, lattice_bound: bool = True) -> list[str]:
    """Where float arithmetic cannot decide between a tie and a dominance.

    Parameters
    ----------
    game : GameLike
    u_n : numpy.ndarray, optional
        The normalised receiver utility.
    actions : numpy.ndarray of int, optional
        The actions to examine (default: all).
    tol : float
        Relative distance, in units of the receiver's utility range.
    limit : int, optional
        Largest vertex enumeration run, in constraint subsets (beyond it only
        pairs are examined); default :data:`MAX_CHECK_SUBSETS` for two states,
        :data:`NEAR_TIE_MAX_SUBSETS` for more.
    lattice_bound : bool, default True
        Skip the vertex enumeration when the data prove that it finds nothing
        (``_lattice_excludes_near_ties``: integer data in units of their
        own lattice, whose vertices have bounded denominators); ``False``
        always enumerates (the tests compare both).

    Returns
    -------
    list of str
        One line per finding, naming the actions (empty when well-conditioned).

    Examples
    --------
    >>> from bayespersuade import PersuasionGame
    >>> g = PersuasionGame([0.5, 0.5], [[0, 0], [0, 0], [1, 1]],
    ...                    [[1, 0], [0, 1], [1 - 1e-10, -1e-10]], actions=["x", "a", "b"])
    >>> near_ties(g)[0][:66]
    "receiver utilities of actions 'x' and 'b' differ by 1e-10 of their"
    """
    u = game.receiver_utility
    if u_n is None:
        u_n = normalise(game.sender_utility, u)[1]
    m, n = u.shape
    acts = np.arange(m) if actions is None else np.asarray(actions, dtype=np.intp)
    labels = game.actions
    out: list[str] = []
    hint = "float arithmetic cannot tell a tie from a dominance; solve game.to_rational() " \
           "with exact=True"
    # pairs of distinct rows closer than tol
    sub, raw = (u_n, u) if actions is None else (u_n[acts], u[acts])
    k = acts.size
    if k * k * n <= 2_000_000:  # all pairs at once (i < j), in the order of the loop below
        i, j = _upper_pairs(k)
        d = np.abs(sub[j] - sub[i]).max(axis=1) if i.size else np.zeros(0)
        hits = np.flatnonzero(d <= tol)
        if hits.size:
            hits = hits[(raw[i[hits]] != raw[j[hits]]).any(axis=1)]
        for h in hits:
            a, b = int(acts[i[h]]), int(acts[j[h]])
            out.append(f"receiver utilities of actions {labels[a]!r} and {labels[b]!r} "
                       f"differ by {float(d[h]):.3g} of their range: {hint}")
    elif k <= 3000:
        for i in range(k - 1):
            d = np.abs(sub[i + 1:] - sub[i]).max(axis=1)
            diff = (raw[i + 1:] != raw[i]).any(axis=1)
            for j in np.flatnonzero(diff & (d <= tol)):
                a, b = int(acts[i]), int(acts[i + 1 + j])
                out.append(f"receiver utilities of actions {labels[a]!r} and {labels[b]!r} "
                           f"differ by {float(d[j]):.3g} of their range: {hint}")
    if n == 1 or acts.size < 2:
        return out
    if limit is None:
        limit = MAX_CHECK_SUBSETS if n == 2 else NEAR_TIE_MAX_SUBSETS
    k = acts.size
    if (k * k if n == 2 else k * math.comb(k - 1 + n, n - 1)) > limit:
        return out  # as _cell_vertices: beyond the limit only pairs are examined
    if lattice_bound and _lattice_excludes_near_ties(game, acts, tol):
        return out
    res = _cell_vertices(u_n, acts, limit)
    if res is None:
        return out
    pts, tight = res
    if not pts.shape[0]:
        return out
    vals = pts @ sub.T
    gap = vals.max(axis=1, keepdims=True) - vals
    close = gap <= 10 * tol
    # actions tied at a vertex by construction show float gaps of rounding size
    # (well below FLOAT_TIE); only gaps above it are decided exactly
    suspects = np.flatnonzero((close & (gap > FLOAT_TIE)).any(axis=1))
    if not suspects.size:
        return out
    u_q = _exact_u(game)
    shift = [min(u_q[a][w] for a in range(m)) for w in range(n)]
    rng = max(u_q[a][w] - shift[w] for a in range(m) for w in range(n))
    seen: set[tuple[int, int]] = set()
    for k in suspects:
        a, t_acts, facets = tight[k]
        mu = _exact_vertex(u_q, a, t_acts, facets, n)
        if mu is None or any(x < 0 for x in mu):
            continue
        U = {int(b): sum((u_q[int(b)][w] * mu[w] for w in range(n)), Fraction(0))
             for b in acts[close[k]]}
        top = max(U.values())
        for b, x in U.items():
            gap = top - x
            if 0 < gap <= tol * rng:
                best = next(c for c, y in U.items() if y == top)
                key = (min(b, best), max(b, best))
                if key in seen:
                    continue
                seen.add(key)
                out.append(
                    f"at the belief {[float(t) for t in mu]} action {labels[b]!r} is below "
                    f"{labels[best]!r} by {float(gap / rng):.3g} of the receiver's utility "
                    f"range: {hint}")
    return out


_UPPER_PAIRS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _upper_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(k, 1)``, built once per ``k`` (for small ``k``)."""
    hit = _UPPER_PAIRS.get(k)
    if hit is None:
        hit = np.triu_indices(k, 1)
        if k <= 64:
            _UPPER_PAIRS[k] = hit
    return hit


def _lattice_excludes_near_ties(game: GameLike, acts: np.ndarray, tol: float) -> bool:
    """Whether no vertex of the cells of ``acts`` can show a gap in ``(0, tol·range]``.

    In units ``g`` of the lattice spanned by the receiver's utility
    differences (rational games exactly; float games with integer values),
    every constraint row of a vertex (a difference ``u_a − u_b``, a unit row,
    or the row of ones) is an integer vector, so by Cramer's rule the vertex
    is ``integers / det`` with ``|det|`` at most the Hadamard bound ``H``
    (the product of the row norms), and every gap ``(u_b − u_c)·μ`` there is
    ``g · integer / det``: zero, or at least ``g / H``.  When ``g / H`` exceeds
    ``tol`` times the range of ``u`` (by a factor of two), :func:`near_ties`
    cannot find anything at a vertex, and its enumeration is skipped.

    Examples
    --------
    >>> from bayespersuade import PersuasionGame
    >>> g = PersuasionGame([0.5, 0.5], [[0, 0], [0, 0], [1, 1]], [[1, 0], [0, 1], [2, 2]])
    >>> _lattice_excludes_near_ties(g, np.arange(3), CONDITIONING_TOL)
    True
    >>> g = PersuasionGame([0.5, 0.5], [[0, 0], [0, 0], [1, 1]],
    ...                    [[1, 0], [0, 1], [0.5 - 1e-11, 0.5 - 1e-11]])
    >>> _lattice_excludes_near_ties(g, np.arange(3), CONDITIONING_TOL)
    False
    """
    n = game.n_states
    u = game.receiver_utility
    top = float(np.abs(u).max(initial=0.0))  # integers below 2**52 are exact floats
    if game.is_rational:
        u_q = game.exact_data()[2]
        flat = u_q.ravel().tolist()
        if set(map(_DENOMINATOR, flat)) == {1}:  # integers: the floats are exact
            if not top < 2.0**52:
                return False
            ints = u.astype(np.int64)
        else:
            den = math.lcm(*(x.denominator for x in flat))
            ints = np.array([x.numerator * (den // x.denominator) for x in flat],
                            dtype=object).reshape(u.shape)
            top = None
    else:
        if not (top < 2.0**52 and np.array_equal(u, np.rint(u))):
            return False
        ints = u.astype(np.int64)
    if top is not None and top >= 2**31:
        ints = ints.astype(object)  # no overflow in the differences below
    X = ints[acts]
    diffs = X - X[0]
    g = math.gcd(*diffs.ravel().tolist())  # Python ints either way (tolist)
    if g == 0:  # identical rows: every gap is zero
        return True
    # the range over all actions, as near_ties measures it
    rng = int((ints.max(axis=0) - ints.min(axis=0)).max())
    D = (diffs // g).astype(np.float64)  # integers in units of the lattice
    if D.shape[0] > 1:  # the longest difference of two rows (sqrt is monotone)
        E = D[:, None, :] - D[None, :, :]
        norms = math.sqrt(float(np.einsum("ijk,ijk->ij", E, E).max()))
    else:  # pragma: no cover - near_ties needs two actions
        norms = 0.0
    row = max(1.0, float(norms) * (1 + 1e-9))
    log_h = (n - 1) * math.log(row) + 0.5 * math.log(n)
    return log_h + math.log(tol) + math.log(rng / g) < math.log(0.5)
