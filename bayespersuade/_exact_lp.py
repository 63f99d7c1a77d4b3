"""Small dense LPs solved in floating point and then made exact.

``max c·x  s.t.  A_ub x <= b_ub,  A_eq x = b_eq,  x >= 0`` with rational data:
HiGHS finds an optimal basis, the basis systems are re-solved over ℚ, and the
primal-dual pair is checked exactly (primal feasibility, dual feasibility,
equal objectives).  If that fails, sympy's exact rational simplex solves the
primal and the dual (small problems only).  Used by the concavification
(the LP over posteriors and the Farkas multipliers of each action); the large
obedience LP has its own structured certification in :mod:`.certify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ._linalg_q import solve_rational
from .certify import _to_fraction

__all__ = ["ExactLPSolution", "solve_lp_exactly"]

#: Largest number of variables plus constraints for the sympy fallback.
SYMPY_FALLBACK_MAX_SIZE = 400


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

    from .lp import _new_highs

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
    h.run()
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


def _sympy(c, A_ub, b_ub, A_eq, b_eq):
    from sympy import Rational
    from sympy.solvers.simplex import linprog

    def R(t):
        t = Fraction(t)
        return Rational(t.numerator, t.denominator)

    n_var = len(c)
    _, xs = linprog(
        [-R(t) for t in c],
        [[R(a) for a in row] for row in A_ub] or None,
        [R(b) for b in b_ub] or None,
        [[R(a) for a in row] for row in A_eq] or None,
        [R(b) for b in b_eq] or None,
    )
    # dual: min b_ub·y + b_eq·z  s.t.  A_ubᵀ y + A_eqᵀ z >= c, y >= 0, z free
    n_ub, n_eq = len(A_ub), len(A_eq)
    cd = [R(b) for b in b_ub] + [R(b) for b in b_eq]
    Ad = [
        [-R(A_ub[i][j]) for i in range(n_ub)] + [-R(A_eq[i][j]) for i in range(n_eq)]
        for j in range(n_var)
    ]
    bd = [-R(t) for t in c]
    bounds = [(0, None)] * n_ub + [(None, None)] * n_eq
    _, ys = linprog(cd, Ad, bd, bounds=bounds)
    x = [_to_fraction(t) for t in xs]
    y = [_to_fraction(t) for t in ys]
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
    if len(c) + len(A_ub) + len(A_eq) > SYMPY_FALLBACK_MAX_SIZE:
        return None
    try:
        sol = _sympy(c, A_ub, b_ub, A_eq, b_eq)
    except Exception:  # sympy raises InfeasibleLPError / UnboundedLPError
        return None
    value = _verify(c, A_ub, b_ub, A_eq, b_eq, *sol)
    if value is None:  # pragma: no cover - would be a sympy bug
        return None
    return ExactLPSolution(*sol, value=value, method="exact-simplex")
