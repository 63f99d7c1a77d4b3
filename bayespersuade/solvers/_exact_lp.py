"""Small dense LPs solved in floating point and then made exact.

``max c·x  s.t.  A_ub x <= b_ub,  A_eq x = b_eq,  x >= 0`` with rational data:
HiGHS finds an optimal basis, the basis systems are re-solved over ℚ, and the
primal-dual pair is checked exactly (primal feasibility, dual feasibility,
equal objectives).  If that fails, an exact two-phase simplex with Bland's rule
(:func:`exact_simplex`) solves it (small problems only).  Used by the concavification
(the LP over posteriors and the Farkas multipliers of each action); the large
obedience LP has its own structured certification in :mod:`.certify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ._linalg_q import solve_rational

__all__ = ["ExactLPSolution", "exact_simplex", "solve_lp_exactly"]

#: Largest number of variables plus constraints for the exact-simplex fallback.
EXACT_SIMPLEX_MAX_SIZE = 400


@dataclass(frozen=True)
class ExactLPSolution:
    """An exactly verified optimal primal-dual pair."""

    x: list[Fraction]
    y_ub: list[Fraction]
    y_eq: list[Fraction]
    value: Fraction
    method: str


def _verify(c, A_ub, b_ub, A_eq, b_eq, x, y_ub, y_eq) -> Fraction | None:
    n_var = len(c)
    if any(t < 0 for t in x) or any(t < 0 for t in y_ub):
        return None
    for row, b in zip(A_ub, b_ub, strict=True):
        if sum((a * t for a, t in zip(row, x, strict=True) if a), Fraction(0)) > b:
            return None
    for row, b in zip(A_eq, b_eq, strict=True):
        if sum((a * t for a, t in zip(row, x, strict=True) if a), Fraction(0)) != b:
            return None
    for j in range(n_var):
        lhs = sum((A_ub[i][j] * y_ub[i] for i in range(len(A_ub)) if A_ub[i][j]), Fraction(0))
        lhs += sum((A_eq[i][j] * y_eq[i] for i in range(len(A_eq)) if A_eq[i][j]), Fraction(0))
        if lhs < c[j]:
            return None
    primal = sum((cj * t for cj, t in zip(c, x, strict=True)), Fraction(0))
    dual = sum((b * t for b, t in zip(b_ub, y_ub, strict=True)), Fraction(0)) + sum(
        (b * t for b, t in zip(b_eq, y_eq, strict=True)), Fraction(0)
    )
    return primal if primal == dual else None


def _float_basis(c, A_ub, b_ub, A_eq, b_eq):
    import highspy

    from .lp import _new_highs, _run

    rows = list(A_ub) + list(A_eq)
    n_var = len(c)
    h = _new_highs()
    hlp = highspy.HighsLp()
    hlp.num_col_ = n_var
    hlp.num_row_ = len(rows)
    hlp.col_cost_ = np.array([float(t) for t in c])
    hlp.col_lower_ = np.zeros(n_var)
    hlp.col_upper_ = np.full(n_var, highspy.kHighsInf)
    lo = [-highspy.kHighsInf] * len(A_ub) + [float(b) for b in b_eq]
    hi = [float(b) for b in b_ub] + [float(b) for b in b_eq]
    hlp.row_lower_ = np.array(lo)
    hlp.row_upper_ = np.array(hi)
    hlp.sense_ = highspy.ObjSense.kMaximize
    dense = np.array([[float(a) for a in row] for row in rows]).reshape(len(rows), n_var)
    starts, idx, vals = [0], [], []
    for j in range(n_var):
        nz = np.flatnonzero(dense[:, j])
        idx.extend(nz.tolist())
        vals.extend(dense[nz, j].tolist())
        starts.append(len(idx))
    hlp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    hlp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    hlp.a_matrix_.index_ = np.array(idx, dtype=np.int32)
    hlp.a_matrix_.value_ = np.array(vals, dtype=np.float64)
    hlp.a_matrix_.num_col_ = n_var
    hlp.a_matrix_.num_row_ = len(rows)
    h.passModel(hlp)
    _run(h)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    basis = h.getBasis()
    if not basis.valid:
        return None
    basic = highspy.HighsBasisStatus.kBasic
    col_basic = [s == basic for s in basis.col_status]
    row_basic = [s == basic for s in basis.row_status]
    return col_basic, row_basic


def _from_basis(c, A_ub, b_ub, A_eq, b_eq, col_basic, row_basic):
    rows = list(A_ub) + list(A_eq)
    rhs_all = list(b_ub) + list(b_eq)
    bcols = [j for j, b in enumerate(col_basic) if b]
    arows = [i for i, b in enumerate(row_basic) if not b]
    if len(bcols) != len(arows):
        return None
    entries = {}
    for ri, i in enumerate(arows):
        for ci, j in enumerate(bcols):
            if rows[i][j]:
                entries[(ri, ci)] = rows[i][j]
    xb = solve_rational(entries, [rhs_all[i] for i in arows])
    if xb is None:
        return None
    yb = solve_rational(entries, [c[j] for j in bcols], transpose=True)
    x = [Fraction(0)] * len(c)
    for j, t in zip(bcols, xb, strict=True):
        x[j] = t
    y = [Fraction(0)] * len(rows)
    for i, t in zip(arows, yb, strict=True):
        y[i] = t
    return x, y[: len(A_ub)], y[len(A_ub) :]


def exact_simplex(c, A_ub=(), b_ub=(), A_eq=(), b_eq=()):
    """Two-phase tableau simplex over ℚ with Bland's rule (small problems).

    Maximises ``c·x`` subject to ``A_ub x <= b_ub``, ``A_eq x = b_eq``,
    ``x >= 0``.  Bland's smallest-index rule guarantees termination on
    degenerate problems (Bland 1977).  Returns ``(x, y_ub, y_eq)`` with the
    optimal dual values read off the final tableau, or None if the problem is
    infeasible or unbounded.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> x, y_ub, y_eq = exact_simplex([1, 1], A_ub=[[2, 1], [1, 3]], b_ub=[F(1, 2), 1])
    >>> x, y_ub
    ([Fraction(1, 10), Fraction(3, 10)], [Fraction(2, 5), Fraction(1, 5)])
    """
    c = [Fraction(t) for t in c]
    rows = [([Fraction(a) for a in r], Fraction(b), "ub") for r, b in zip(A_ub, b_ub,
                                                                          strict=True)]
    rows += [([Fraction(a) for a in r], Fraction(b), "eq") for r, b in zip(A_eq, b_eq,
                                                                           strict=True)]
    n_x, n_r = len(c), len(rows)
    # columns: x (n_x), one slack per ub row, one artificial per row that needs one
    slack_col, art_col, sign, basis = {}, {}, [], []
    n_col = n_x
    for i, (_, _, kind) in enumerate(rows):
        if kind == "ub":
            slack_col[i] = n_col
            n_col += 1
    for i, (_, b, kind) in enumerate(rows):
        flip = b < 0
        sign.append(-1 if flip else 1)
        if kind == "ub" and not flip:
            basis.append(slack_col[i])
        else:
            art_col[i] = n_col
            basis.append(n_col)
            n_col += 1
    T = []
    for i, (a, b, kind) in enumerate(rows):
        row = [Fraction(0)] * (n_col + 1)
        s = sign[i]
        for j, t in enumerate(a):
            row[j] = s * t
        if kind == "ub":
            row[slack_col[i]] = Fraction(s)
        if i in art_col:
            row[art_col[i]] = Fraction(1)
        row[-1] = s * b
        T.append(row)
    arts = set(art_col.values())

    def run(cost, barred):
        while True:
            cb = [cost[j] for j in basis]
            enter = None
            for j in range(n_col):
                if j in barred or j in basis:
                    continue
                d = cost[j] - sum((cb[k] * T[k][j] for k in range(n_r) if T[k][j]), Fraction(0))
                if d > 0:
                    enter = j
                    break
            if enter is None:
                return True
            leave, best = None, None
            for k in range(n_r):
                if T[k][enter] > 0:
                    ratio = T[k][-1] / T[k][enter]
                    if best is None or ratio < best or (ratio == best and basis[k] < basis[leave]):
                        leave, best = k, ratio
            if leave is None:
                return False  # unbounded
            pivot(leave, enter)

    def pivot(r, col):
        pr = T[r]
        pv = pr[col]
        T[r] = pr = [t / pv for t in pr]
        for k in range(n_r):
            if k != r and T[k][col]:
                f = T[k][col]
                T[k] = [a - f * b for a, b in zip(T[k], pr, strict=True)]
        basis[r] = col

    if arts:
        phase1 = [Fraction(0)] * n_col
        for j in arts:
            phase1[j] = Fraction(-1)
        run(phase1, barred=set())
        if any(T[k][-1] != 0 for k in range(n_r) if basis[k] in arts):
            return None  # infeasible
        for k in range(n_r):  # drive zero artificials out where possible
            if basis[k] in arts:
                for j in range(n_col):
                    if j not in arts and T[k][j] != 0:
                        pivot(k, j)
                        break
    cost = c + [Fraction(0)] * (n_col - n_x)
    if not run(cost, barred=arts):
        return None
    x = [Fraction(0)] * n_x
    for k, j in enumerate(basis):
        if j < n_x:
            x[j] = T[k][-1]
    cb = [cost[j] if j not in arts else Fraction(0) for j in basis]
    y = []
    for i in range(n_r):
        col = art_col.get(i, slack_col.get(i))
        yi = sum((cb[k] * T[k][col] for k in range(n_r) if T[k][col]), Fraction(0))
        y.append(sign[i] * yi)
    n_ub = len(A_ub)
    return x, y[:n_ub], y[n_ub:]


def solve_lp_exactly(c, A_ub=(), b_ub=(), A_eq=(), b_eq=()) -> ExactLPSolution | None:
    """Maximise ``c·x`` over ``A_ub x <= b_ub, A_eq x = b_eq, x >= 0`` exactly.

    All data are Fractions (or ints).  Returns None when the LP is
    infeasible/unbounded, or when neither the float basis nor (for small
    problems) the exact simplex yields a verified optimum.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> sol = solve_lp_exactly([1, 1], A_ub=[[2, 1], [1, 3]], b_ub=[F(1, 2), 1])
    >>> sol.value, sol.x
    (Fraction(2, 5), [Fraction(1, 10), Fraction(3, 10)])
    """
    c = [Fraction(t) for t in c]
    A_ub = [[Fraction(a) for a in row] for row in A_ub]
    A_eq = [[Fraction(a) for a in row] for row in A_eq]
    b_ub = [Fraction(t) for t in b_ub]
    b_eq = [Fraction(t) for t in b_eq]
    basis = _float_basis(c, A_ub, b_ub, A_eq, b_eq)
    if basis is not None:
        sol = _from_basis(c, A_ub, b_ub, A_eq, b_eq, *basis)
        if sol is not None:
            value = _verify(c, A_ub, b_ub, A_eq, b_eq, *sol)
            if value is not None:
                return ExactLPSolution(*sol, value=value, method="basis")
    if len(c) + len(A_ub) + len(A_eq) > EXACT_SIMPLEX_MAX_SIZE:
        return None
    sol = exact_simplex(c, A_ub, b_ub, A_eq, b_eq)
    if sol is None:
        return None
    value = _verify(c, A_ub, b_ub, A_eq, b_eq, *sol)
    if value is None:  # pragma: no cover - would be a sympy bug
        return None
    return ExactLPSolution(*sol, value=value, method="exact-simplex")
