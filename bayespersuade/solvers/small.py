"""Fast paths for small float solves: the per-call cost is the whole cost.

A 2 x 7 game is solved in microseconds of arithmetic; what a general solve
spends is set-up: a sparse matrix object, a fresh HiGHS instance, a basis
read out for certification, Python loops over signals.  The two functions here
do the same mathematics without that set-up, and
:func:`~bayespersuade.solvers.dispatch.solve_game` uses them for float solves
(``exact=False``) with ``lp_method="auto"`` and no time limit:

* :func:`two_state_solve`: two states, any number of actions (after the
  action reduction) up to :data:`TWO_STATE_MAX_ACTIONS`.  ``cav v̂`` is the
  upper concave hull of ``v̂`` at its candidate points (``0``, ``1``, the
  prior, and every crossing of two receiver lines inside ``(0, 1)``: a
  superset of the breakpoints of the receiver's upper envelope, and extra
  points of the graph of ``v̂`` cannot raise the hull).  The value at the
  prior is the best chord over pairs of candidates on either side of it,
  computed for all pairs at once; the chord's line is a supporting line
  (the dual prices ``p``), and for each action the obedience multipliers
  ``λ(a, ·)`` proving ``p(ω) >= v(a, ω) + Σ_b λ(a, b) (u(a, ω) − u(b, ω))``
  are found among the basic solutions of that two-row system (at most two
  non-zero ``λ``; every one is tried, vectorised).  The result is an optimal
  primal-dual pair of the obedience LP, the same as the LP returns.
* :func:`small_lp_solve`: the full obedience LP in one HiGHS call on a
  HiGHS object kept per thread (cleared before each use: no state and no
  result survives a call), with the constraint matrix passed as raw CSR
  arrays whose index part is built once per shape, presolve and scaling off
  (the utilities are already on the unit range, and the LP is too small for
  presolve to pay; measured on random games, 10 x 10: about 0.6 ms instead of
  1.1 ms for the run itself), no basis read back (only exact solves need it),
  and the HiGHS ``threads`` option pinned to the count of its global scheduler
  (:func:`~.lp._pin_threads`: a run with the default re-reads the processor
  topology).

Both work on the normalised utilities
(:func:`~bayespersuade.solvers.conditioning.normalise`); the caller maps
values, prices and multipliers back to the user's units.  The property tests
in ``tests/test_small_paths.py`` compare both with the general path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ..exceptions import SolverError
from . import best_response as _br

__all__ = [
    "SMALL_LP_MAX_VARIABLES",
    "TWO_STATE_MAX_ACTIONS",
    "SmallResult",
    "best_response_normalised",
    "small_lp_solve",
    "two_state_multipliers",
    "two_state_solve",
]

#: Two-state games with at most this many actions (after the reduction) take
#: :func:`two_state_solve`; the multiplier search is cubic in the actions.
TWO_STATE_MAX_ACTIONS = 40

#: Games with fewer variables ``n_states * n_actions`` than this take
#: :func:`small_lp_solve` (from there on ``lp_method="auto"`` uses row and
#: column generation, :data:`~bayespersuade.solvers.lp.GENERATE_MIN_VARIABLES`).
SMALL_LP_MAX_VARIABLES = 900

#: Weights (probabilities of a signal) at or below this are dropped.
_MASS_TOL = 1e-12

#: Largest obedience violation (normalised units) accepted from HiGHS.
_MAX_VIOLATION = 1e-6

#: A dual constraint violated by at most this (normalised units) holds.
_DUAL_TOL = 1e-12


@dataclass(frozen=True)
class SmallResult:
    """A fast path's answer on the normalised game.

    Attributes
    ----------
    value : float
        ``V(μ0)`` (normalised units).
    weights : numpy.ndarray, shape (k,)
        Signal probabilities (positive, summing to one).
    posteriors : numpy.ndarray, shape (k, n_states)
    actions : numpy.ndarray of int, shape (k,)
        Distinct recommended actions.
    prices : numpy.ndarray, shape (n_states,)
        Dual prices of the prior rows (normalised units).
    multipliers : tuple of (int, int, float)
        Non-zero obedience multipliers ``(a, b, λ(a, b))`` (normalised units).
    algorithm : str
    """

    value: float
    weights: np.ndarray
    posteriors: np.ndarray
    actions: np.ndarray
    prices: np.ndarray
    multipliers: tuple
    algorithm: str


# ------------------------------------------------------------------ two states


_PAIRS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _pairs(m: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(m, 1)``, built once per ``m`` (index arrays, not results)."""
    hit = _PAIRS.get(m)
    if hit is None:
        hit = _PAIRS[m] = np.triu_indices(m, 1)
    return hit


def best_response_normalised(u: np.ndarray, v: np.ndarray, P: np.ndarray) -> np.ndarray:
    """:func:`~bayespersuade.solvers.best_response.best_response` on normalised data.

    There the shifts are zero and the ranges one (or the utility is constant:
    scale one all the same), so the same tolerances apply without recomputing
    them.  ``P`` has one belief per row.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> v = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> best_response_normalised(u, v, np.array([[0.5, 0.5], [0.6, 0.4]])).tolist()
    [1, 0]
    """
    tol = _br.BR_TOL
    U = P @ u.T
    V = P @ v.T
    tied = U.max(axis=1, keepdims=True) - tol <= U
    score = np.where(tied, V, -np.inf)
    chosen = tied & (score >= score.max(axis=1, keepdims=True) - tol)
    return np.argmax(chosen, axis=1)


def two_state_solve(prior: np.ndarray, sender_utility: np.ndarray,
                    receiver_utility: np.ndarray) -> SmallResult:
    """Solve a two-state game (float) by its concave envelope, vectorised.

    Parameters
    ----------
    prior : numpy.ndarray, shape (2,)
    sender_utility, receiver_utility : numpy.ndarray, shape (n_actions, 2)
        Normalised utilities (:func:`~bayespersuade.solvers.conditioning.normalise`:
        ``u`` with a zero minimum per state, ``v`` with a zero minimum, each with
        range one or constant), so that the tolerances of
        :func:`~bayespersuade.solvers.best_response.best_response` apply as they are.

    Returns
    -------
    SmallResult

    Examples
    --------
    The prosecutor: convict with probability 3/5.

    >>> import numpy as np
    >>> res = two_state_solve(np.array([0.7, 0.3]), np.array([[0., 0], [1, 1]]),
    ...                       np.array([[1., 0], [0, 1]]))
    >>> round(res.value, 12), res.weights.round(12).tolist(), res.actions.tolist()
    (0.6, [0.4, 0.6], [0, 1])
    >>> res.prices.round(12).tolist(), res.multipliers
    ([0.0, 2.0], ((1, 0, 1.0),))
    """
    v = np.asarray(sender_utility, dtype=np.float64)
    u = np.asarray(receiver_utility, dtype=np.float64)
    prior = np.asarray(prior, dtype=np.float64)
    m = u.shape[0]
    mu0 = float(prior[1])
    c = u[:, 0]
    s = u[:, 1] - c
    i, j = _pairs(m)
    ds = s[j] - s[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (c[i] - c[j]) / ds
    x = x[(x > 0.0) & (x < 1.0)]  # NaN and ±inf (parallel lines) fail both
    pts = np.concatenate((np.array([mu0, 0.0, 1.0]), x))
    P = np.empty((pts.size, 2))
    P[:, 0] = 1.0 - pts
    P[:, 1] = pts
    acts = best_response_normalised(u, v, P)
    vals = (v[acts] * P).sum(axis=1)  # v̂ at the candidates

    # the best chord through the prior: a left point xl <= μ0 and a right xr >= μ0
    left = np.flatnonzero(pts <= mu0)
    right = np.flatnonzero(pts >= mu0)
    xl, yl = pts[left][:, None], vals[left][:, None]
    xr, yr = pts[right][None, :], vals[right][None, :]
    dx = xr - xl
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(dx > 0, (mu0 - xl) / dx, 0.0)
    chord = yl + t * (yr - yl)
    k = int(np.argmax(chord))
    kl, kr = divmod(k, right.size)
    best = float(chord.flat[k])
    y0 = float(vals[0])  # no disclosure: the prior itself (index 0 of pts)
    if y0 >= best - 1e-12 or float(t.flat[k]) <= _MASS_TOL or float(t.flat[k]) >= 1 - _MASS_TOL:
        if y0 >= best - 1e-12:
            idx, w, value = np.array([0]), np.array([1.0]), y0
        else:  # the chord degenerates to one of its ends (which lies at μ0)
            end = left[kl] if float(t.flat[k]) <= _MASS_TOL else right[kr]
            idx, w, value = np.array([end]), np.array([1.0]), float(vals[end])
        # a supporting line through (μ0, value): its slope lies between the
        # steepest rise to the right and the gentlest fall from the left
        # (candidates within rounding of μ0 are μ0 itself: they bound nothing)
        dxr = pts - mu0
        far = np.abs(dxr) > 1e-9
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (vals - value) / dxr
        lo = ratio[far & (dxr > 0)].max(initial=-np.inf)
        hi = ratio[far & (dxr < 0)].min(initial=np.inf)
        if not np.isfinite(hi):
            slope = lo if np.isfinite(lo) else 0.0
        elif not np.isfinite(lo) or hi >= lo:
            slope = hi  # the left segment's slope (as Envelope.supporting_line)
        else:  # rounding: both bounds within it of each other
            slope = 0.5 * (lo + hi)
        p0 = value - slope * mu0
    else:
        a_, b_ = left[kl], right[kr]
        tt = float(t.flat[k])
        idx, w, value = np.array([a_, b_]), np.array([1.0 - tt, tt]), best
        slope = (vals[b_] - vals[a_]) / (pts[b_] - pts[a_])
        p0 = float(vals[a_] - slope * pts[a_])
    prices = np.array([p0, p0 + slope])
    sig_acts = acts[idx]
    posts = P[idx]
    if sig_acts.size == 2 and sig_acts[0] == sig_acts[1]:  # one action: one signal
        sig_acts, posts, w = sig_acts[:1], prior[None, :].copy(), np.array([1.0])
    return SmallResult(
        value=float(value), weights=w, posteriors=posts, actions=sig_acts, prices=prices,
        multipliers=two_state_multipliers(v, u, prices), algorithm="two-state envelope",
    )


def two_state_multipliers(v: np.ndarray, u: np.ndarray, prices: np.ndarray) -> tuple:
    """Obedience multipliers for the prices ``p`` of a two-state game.

    Returns ``((a, b, λ(a, b)), ...)``, the non-zero ones.

    For each action ``a`` the dual constraints read ``D λ <= r`` with
    ``D[ω, b] = u(a, ω) − u(b, ω)`` and ``r(ω) = p(ω) − v(a, ω)``, ``λ >= 0``:
    two rows, so a basic solution has at most two non-zero ``λ``: zero, one
    ``λ_b`` making one row tight, or two making both tight.  Every one is
    tried: the fewest non-zeros that satisfy the rows (up to rounding), and
    among pairs the smallest sum; when ``p`` supports ``v̂`` one always does.
    """
    m = u.shape[0]
    R = prices[None, :] - v  # (m, 2): r for each a
    need = np.flatnonzero((R < -_DUAL_TOL).any(axis=1))  # λ(a, ·) = 0 fails
    if not need.size:
        return ()
    R = R[need]
    D = u[need][:, None, :] - u[None, :, :]  # D[i, b, ω] = u(a_i, ω) − u(b, ω)
    k = need.size
    rows = np.arange(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        # one λ_b, making row ω tight: λ = r(ω) / D(ω, b); the other row's violation
        lam1 = R[:, None, :] / D  # (i, b, ω)
        other = lam1 * D[:, :, ::-1] - R[:, None, ::-1]
    viol1 = np.where(np.isfinite(lam1) & (lam1 > 0), np.maximum(other, 0.0), np.inf)
    j1 = viol1.reshape(k, 2 * m).argmin(axis=1)
    best1 = viol1.reshape(k, 2 * m)[rows, j1]
    out: dict[int, list] = {}
    for i in np.flatnonzero(best1 <= _DUAL_TOL):
        b, w = divmod(int(j1[i]), 2)
        out[int(i)] = [(int(need[i]), b, float(lam1[i, b, w]))]
    hard = np.flatnonzero(best1 > _DUAL_TOL)
    if hard.size:
        Dh, Rh = D[hard], R[hard]
        d0, d1 = Dh[:, :, 0], Dh[:, :, 1]
        r0, r1 = Rh[:, 0, None, None], Rh[:, 1, None, None]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # two: λ_b D(·, b) + λ_c D(·, c) = r, both rows tight (Cramer)
            det = d0[:, :, None] * d1[:, None, :] - d0[:, None, :] * d1[:, :, None]
            lb = (r0 * d1[:, None, :] - d0[:, None, :] * r1) / det
            lc = (d0[:, :, None] * r1 - r0 * d1[:, :, None]) / det
            ok = (det != 0) & np.isfinite(lb) & np.isfinite(lc) & (lb >= 0) & (lc >= 0)
            total = np.where(ok, lb + lc, np.inf).reshape(hard.size, m * m)
        q = total.argmin(axis=1)
        for h, i in enumerate(hard):
            a = int(need[i])
            if np.isfinite(total[h, q[h]]):
                b, c = divmod(int(q[h]), m)
                out[int(i)] = [(a, bb, float(lam)) for bb, lam in
                               ((b, lb[h].flat[q[h]]), (c, lc[h].flat[q[h]])) if lam > 0]
            elif best1[i] < -R[i].min():  # no exact one: the least violated single one
                b, w = divmod(int(j1[i]), 2)
                out[int(i)] = [(a, b, float(lam1[i, b, w]))]
    return tuple(t for i in sorted(out) for t in out[i])


# ----------------------------------------------------------- small obedience LP


_LOCAL = threading.local()


@dataclass(frozen=True)
class _Pattern:
    """The sparsity pattern of the full obedience LP of an ``m x n`` game.

    Index arrays and constant bounds only (they depend on the shape, not on
    the game): rows ``0..n-1`` are the prior rows, then one row per ordered
    pair ``(a_idx[r], b_idx[r])``, ``a != b``, over the ``n`` columns of ``a``.
    """

    a_idx: np.ndarray
    b_idx: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    data: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray


_PATTERNS: dict[tuple[int, int], _Pattern] = {}


def _pattern(m: int, n: int) -> _Pattern:
    hit = _PATTERNS.get((m, n))
    if hit is not None:
        return hit
    import highspy

    inf = highspy.kHighsInf
    a_idx, b_idx = np.nonzero(~np.eye(m, dtype=bool))
    eq = (np.arange(m, dtype=np.int32)[None, :] * n + np.arange(n, dtype=np.int32)[:, None])
    ob = (a_idx[:, None] * n + np.arange(n)[None, :]).astype(np.int32)
    n_ob = a_idx.size
    indptr = np.concatenate((np.arange(0, m * n + 1, m),
                             m * n + n * np.arange(1, n_ob + 1))).astype(np.int32)
    # the obedience rows' bounds (the prior rows' come first, per game)
    row_lower = np.full(n_ob, -inf)
    row_upper = np.zeros(n_ob)
    data = np.ones(m * n + n_ob * n)  # the prior rows' ones; the rest is set per game
    data.setflags(write=False)
    pat = _Pattern(a_idx=a_idx, b_idx=b_idx,
                   indices=np.concatenate((eq.ravel(), ob.ravel())), indptr=indptr,
                   row_lower=row_lower, row_upper=row_upper, data=data,
                   col_lower=np.zeros(m * n),
                   col_upper=np.full(m * n, inf),
                   integrality=np.zeros(m * n, dtype=np.int32))
    if len(_PATTERNS) >= 64:
        _PATTERNS.clear()
    _PATTERNS[(m, n)] = pat
    return pat


def _highs():
    """This thread's HiGHS object, cleared (no model, basis or solution is kept)."""
    h = getattr(_LOCAL, "highs", None)
    if h is None:
        from .lp import _new_highs

        h = _new_highs()
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")
        h.setOptionValue("simplex_scale_strategy", 0)
        # serial dual simplex, no start-up condition estimate (measured: about
        # 15% off the run of a 5 x 5 or 10 x 10 LP)
        h.setOptionValue("simplex_strategy", 1)
        h.setOptionValue("simplex_min_concurrency", 1)
        h.setOptionValue("simplex_max_concurrency", 1)
        h.setOptionValue("simplex_initial_condition_check", False)
        _LOCAL.highs = h
    else:
        h.clearModel()
    return h


def small_lp_solve(prior: np.ndarray, sender_utility: np.ndarray,
                   receiver_utility: np.ndarray) -> tuple[SmallResult, np.ndarray]:
    """Solve the full obedience LP of a small game in one lean HiGHS call.

    Parameters
    ----------
    prior : numpy.ndarray, shape (n_states,)
    sender_utility, receiver_utility : numpy.ndarray, shape (n_actions, n_states)
        Normalised utilities.

    Returns
    -------
    result : SmallResult
        Signals are the recommended actions with positive mass (merged by
        action: one posterior each).
    joint : numpy.ndarray, shape (n_actions, n_states)
        ``x(ω, a)`` as ``joint[a, ω]``.

    Raises
    ------
    SolverError
        If HiGHS does not report an optimum, or its scheme violates an
        obedience row by more than ``1e-6`` (of the unit range).

    Examples
    --------
    >>> import numpy as np
    >>> res, joint = small_lp_solve(np.array([0.7, 0.3]), np.array([[0., 0], [1, 1]]),
    ...                             np.array([[1., 0], [0, 1]]))
    >>> round(res.value, 12), np.round(joint, 12).tolist()
    (0.6, [[0.4, 0.0], [0.3, 0.3]])
    """
    import highspy

    from .lp import _check_status, _run, _violation

    prior = np.asarray(prior, dtype=np.float64)
    v = np.asarray(sender_utility, dtype=np.float64)
    u = np.asarray(receiver_utility, dtype=np.float64)
    m, n = u.shape
    pat = _pattern(m, n)
    a_idx, b_idx = pat.a_idx, pat.b_idx
    n_col = m * n
    data = pat.data.copy()
    # (m(m-1), n): row (a, b) reads x(·, a)·(u_b − u_a) <= 0 (zeros included: HiGHS
    # drops them)
    D = data[n_col:].reshape(a_idx.size, n)
    np.subtract(u[b_idx], u[a_idx], out=D)
    row_lower = np.concatenate((prior, pat.row_lower))
    row_upper = np.concatenate((prior, pat.row_upper))
    h = _highs()
    status = h.passModel(n_col, row_lower.size, int(data.size), 2, -1, 0.0, v.ravel(),
                         pat.col_lower, pat.col_upper, row_lower, row_upper,
                         pat.indptr, pat.indices, data, pat.integrality)
    if status == highspy.HighsStatus.kError:  # pragma: no cover - a valid model
        raise SolverError("HiGHS rejected the obedience LP")
    _run(h)  # the default thread count again if the pinned one is refused
    _check_status(h, "dual simplex")
    sol = h.getSolution()
    joint = np.maximum(np.asarray(sol.col_value, dtype=np.float64), 0.0).reshape(m, n)
    row_dual = np.asarray(sol.row_dual, dtype=np.float64)
    worst = float(max(0.0, _violation(joint, u).max()))
    if worst > _MAX_VIOLATION:
        raise SolverError(
            f"HiGHS (dual simplex) returned a scheme that violates an obedience row by "
            f"{worst:.3g}")
    mass = joint.sum(axis=1)
    sig = np.flatnonzero(mass > _MASS_TOL)
    w = mass[sig]
    posts = joint[sig] / w[:, None]
    w = w / w.sum()
    ob_dual = row_dual[n:]
    nz = np.flatnonzero((ob_dual > 0) & (D != 0).any(axis=1))  # rows 0 <= 0: none
    mult = tuple(zip(a_idx[nz].tolist(), b_idx[nz].tolist(), ob_dual[nz].tolist(),
                     strict=True))
    value = float(h.getObjectiveValue())  # info.objective_function_value, not copied
    return SmallResult(value=value, weights=w, posteriors=posts, actions=sig,
                       prices=row_dual[:n].copy(), multipliers=mult,
                       algorithm="dual simplex"), joint
