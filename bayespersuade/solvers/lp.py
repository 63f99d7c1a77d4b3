"""The revelation-principle linear program for the sender's optimal scheme.

By the revelation principle it suffices to consider *direct* schemes whose
signals are action recommendations the receiver is willing to obey.  With
variables ``x(ω, a) = μ0(ω) π(a | ω) >= 0`` the sender's problem is the LP
(Dughmi & Xu 2016; Bergemann & Morris 2016)::

    maximise    Σ_{ω,a} x(ω, a) v(a, ω)
    subject to  Σ_a x(ω, a) = μ0(ω)                           for every ω
                Σ_ω x(ω, a) (u(b, ω) - u(a, ω)) <= 0          for every a != b

whose optimal value is ``V(μ0) = cav v̂ (μ0)``.  Its dual,

::

    minimise    Σ_ω μ0(ω) p(ω)
    subject to  p(ω) >= v(a, ω) + Σ_b λ(a, b) (u(a, ω) - u(b, ω))   for every ω, a
                λ >= 0,

gives the *price function* ``p`` (Dworczak & Kolotilin 2024): a supergradient
of ``V`` at ``μ0``, and with ``λ`` an optimality certificate
(:mod:`bayespersuade.solvers.certify`).

The constraint matrix is built vectorised in CSR form: ``n`` equality rows with
``n_actions`` ones each, and one obedience row per ordered pair of actions
whose receiver utilities differ (``n_actions^2 n_states`` non-zeros at most).
Variables are ordered action-major: column ``a * n_states + ω``.  The LP is
solved with HiGHS (Huangfu & Hall 2018) through ``highspy``.

How it is solved (``lp_method``)
--------------------------------
``"generate"`` (the default from 900 variables, e.g. 30 x 30; see
:func:`choose_lp_method`) solves the LP by **row and column generation**
(delayed constraint generation and column generation; Dantzig & Wolfe 1960,
Chvátal 1983 ch. 26).  It starts from the prior rows and the columns of full
disclosure (each state recommends the receiver's best action there, so the
restricted LP is always feasible) and of the sender's favourite action per
state, and repeats: solve by dual simplex, warm-started from the previous
basis; add every obedience row the current scheme violates by more than
``1e-9 * max|u|`` (at most ten, the most violated, per recommended action
and round) and every column whose reduced cost, with zero multipliers for
the rows not yet added, exceeds ``1e-9 * max|v|``.  When neither is left,
the scheme satisfies *all* obedience rows and the duals satisfy *all* dual
constraints, so the restricted optimum is optimal for the full LP, and its
basis, with the omitted rows' slacks basic and the omitted columns at zero,
is an optimal basis of the full LP: :mod:`~bayespersuade.solvers.certify` re-solves
it exactly and :func:`~bayespersuade.solvers.certify.verify_certificate` checks
every row and column of the full game.  At most all rows and columns are
added, so it terminates.  On random games (integer utilities 0..10) the
restricted LP ends with 4-13% of the columns and 3-30% of the rows (see
the *LP solved* column of the benchmark report).  Seconds for
``solve_obedience_lp`` on two random games per shape (seeds 0 and 1 of
``benchmarks/bench_core.py``'s generator; 2 cores shared with another job,
load average 2-3; ``>t``: stopped by the time limit)::

    shape (n x m)   generate     full dual simplex   interior point + crossover
    100 x 100       0.80, 0.70   1.07, 1.36          15.0, 15.3
    150 x 100       0.83, 1.34   2.87, 2.55          21.2, 20.0
    200 x 50        0.55, 0.10   26.8, 34.0          2.92, 2.37
    200 x 100       1.08, 1.01   >120, 4.54          21.4, 35.4
    50 x 200        0.51, 0.46   1.39, 1.24          39.0, 31.8
    200 x 200       2.02, 2.21   18.9, 20.0          >121, >121

``"simplex"`` is dual simplex on the full LP and ``"ipm"`` interior point
with crossover on the full LP.  HiGHS presolve is switched off for simplex
on games of :data:`GENERATE_MIN_VARIABLES` variables or more: it removes
almost nothing from this LP and cost 30-60% of the solve time (100 x 100:
1.3 s instead of 1.9 s; 50 x 200: 0.5-1.1 s instead of 1.2-1.8 s).  Below,
it stays on: there it costs at most half a millisecond (2 x 7: 0.29 ms
against 0.24 ms; 10 x 10: 0.9-1.3 ms against 0.5-0.9 ms), and keeping the
solver path of small games unchanged keeps the optimal scheme they return
unchanged where several are optimal (for example full disclosure rather
than an equally good two-signal scheme).

Removing actions that are nowhere a best response is done before the LP is
built (:func:`bayespersuade.solvers.conditioning.reduce_actions`, called by
:func:`~bayespersuade.solvers.dispatch.solve_game` for games of 12 actions or
more): on square random games it removes little, but on tall games (2 x 15,000,
3 x 5,000) it leaves a few dozen actions and the O(m^2) obedience block is never
built.  Ideas measured and not kept: row generation alone
(all columns kept: as slow as the full LP at 100 x 100, it saves little
work per simplex iteration, which is dominated by the columns); primal
simplex, Devex or Dantzig pricing, other scalings, parallel simplex, and
solving the dual LP instead (all 1.5-40x slower at 100 x 100).

References
----------
Dughmi, S. and Xu, H. (2016). Algorithmic Bayesian persuasion. *STOC 2016*.
Bergemann, D. and Morris, S. (2016). Bayes correlated equilibrium and the
comparison of information structures in games. *Theoretical Economics* 11.
Dworczak, P. and Kolotilin, A. (2024). The persuasion duality.
arXiv:1910.11392.
Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex
method. *Mathematical Programming Computation* 10, 119-142.
Dantzig, G. B. and Wolfe, P. (1960). Decomposition principle for linear
programs. *Operations Research* 8(1), 101-111.
Chvátal, V. (1983). *Linear Programming*. W. H. Freeman.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from ..exceptions import InvalidGameError, InvalidParameterError, SolverError

__all__ = [
    "GENERATE_MIN_VARIABLES",
    "GENERATION_TOL",
    "ObedienceLP",
    "LPResult",
    "build_obedience_lp",
    "choose_lp_method",
    "solve_obedience_lp",
    "solve_obedience_lp_cvxpy",
]

_LP_METHODS = ("auto", "generate", "simplex", "ipm")

#: Relative tolerance of the generation loop: an obedience row is added when the
#: scheme violates it by more than ``GENERATION_TOL * max(1, max|u|)``, a column
#: when its reduced cost exceeds ``GENERATION_TOL * max(1, max|v|)``.
GENERATION_TOL = 1e-9

#: Obedience rows added per recommended action and round (the most violated).
#: Measured: 10 beat 3 (more rounds) and 30 (larger restricted LPs), e.g.
#: 200 x 200: 2.0 s with 10, 2.5 s with 30.
_ROWS_PER_ACTION = 10

#: Largest obedience violation (times ``max(1, max|u|)``) accepted in a returned
#: solution; HiGHS's own feasibility tolerance is 1e-7.
_MAX_VIOLATION = 1e-6


@dataclass(frozen=True)
class ObedienceLP:
    """The revelation-principle LP in row form ``row_lower <= A x <= row_upper``, ``x >= 0``.

    Attributes
    ----------
    n_states, n_actions : int
    c : numpy.ndarray, shape (n_actions * n_states,)
        Objective (maximised); ``c[a * n_states + ω] = v(a, ω)``.
    A : scipy.sparse.csr_array
        The first ``n_states`` rows are the prior-marginal equalities; then one
        row per entry of :attr:`pairs`.
    row_lower, row_upper : numpy.ndarray
    pairs : numpy.ndarray of int, shape (n_obedience_rows, 2)
        ``(a, b)``: the row says recommending ``a`` must not make ``b`` better.
    prior : numpy.ndarray or None
        ``μ0`` (float); set by :func:`build_obedience_lp`.
    receiver_utility : numpy.ndarray or None, shape (n_actions, n_states)
        ``u`` (float); set by :func:`build_obedience_lp`.  Row and column
        generation (``lp_method="generate"``) needs it.
    """

    n_states: int
    n_actions: int
    c: np.ndarray
    A: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    pairs: np.ndarray
    prior: np.ndarray | None = None
    receiver_utility: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        """Number of constraint rows."""
        return self.A.shape[0]

    @property
    def nnz(self) -> int:
        """Number of non-zeros of the constraint matrix."""
        return int(self.A.nnz)

    def obedience_violation(self, joint: np.ndarray) -> float:
        """The largest violation of an obedience row by a scheme (0 if none).

        ``max over rows (a, b) of Σ_ω x(ω, a) (u(b, ω) − u(a, ω))``, clipped
        at zero, computed from the constraint matrix (every row, whether or
        not a solver used it).

        Parameters
        ----------
        joint : numpy.ndarray, shape (n_actions, n_states)
            ``x(ω, a)`` as ``joint[a, ω]``.

        Examples
        --------
        >>> import numpy as np
        >>> lp = build_obedience_lp(np.array([0.7, 0.3]), np.array([[0., 0], [1, 1]]),
        ...                         np.array([[1., 0], [0, 1]]))
        >>> lp.obedience_violation(np.array([[0.0, 0.0], [0.7, 0.3]]))  # always convict
        0.4
        """
        if not self.pairs.shape[0]:
            return 0.0
        x = np.asarray(joint, dtype=np.float64).ravel()
        return float(max(0.0, (self.A[self.n_states :] @ x).max()))


@dataclass(frozen=True)
class LPResult:
    """What the HiGHS solve of an :class:`ObedienceLP` returned.

    Attributes
    ----------
    joint : numpy.ndarray, shape (n_actions, n_states)
        ``x(ω, a)`` laid out as ``joint[a, ω]``.
    value : float
        The optimal objective.
    prices : numpy.ndarray, shape (n_states,)
        Dual prices ``p(ω)`` of the prior rows (the price function).
    multipliers : numpy.ndarray, shape (n_obedience_rows,)
        Obedience multipliers ``λ(a, b) >= 0``, aligned with ``lp.pairs``.
    col_basic : numpy.ndarray of bool
        Which structural columns are basic (None after IPM without crossover).
    row_basic : numpy.ndarray of bool
        Which rows have a basic slack.
    algorithm : str
        ``"dual simplex"``, ``"ipm+crossover"`` or
        ``"dual simplex + row/column generation"``.
    iterations : int
        Simplex (or interior point) iterations, over all rounds.
    solve_time : float
        Seconds spent solving (all rounds and the checks between them).
    rounds : int
        Number of LP solves (1 unless row and column generation was used).
    n_rows_used, n_cols_used : int
        Rows and columns of the LP that was actually solved (with
        generation, the final restricted LP; otherwise the full LP).  All
        arrays of this result refer to the full LP all the same: omitted
        rows have a basic slack and a zero multiplier, omitted columns are
        zero and non-basic.
    max_obedience_violation : float
        ``max over all obedience rows (a, b) of Σ_ω x(ω, a) (u(b, ω) −
        u(a, ω))`` at the returned scheme, clipped at zero (a solver
        tolerance, not a certificate; exact results are verified exactly).
    """

    joint: np.ndarray
    value: float
    prices: np.ndarray
    multipliers: np.ndarray
    col_basic: np.ndarray | None
    row_basic: np.ndarray | None
    algorithm: str
    iterations: int
    solve_time: float
    rounds: int = 1
    n_rows_used: int = 0
    n_cols_used: int = 0
    max_obedience_violation: float = 0.0


def build_obedience_lp(
    prior: np.ndarray, sender_utility: np.ndarray, receiver_utility: np.ndarray
) -> ObedienceLP:
    """Build the revelation-principle LP (vectorised, sparse).

    Obedience rows of pairs with identical receiver utilities are dropped
    (they read ``0 <= 0``).

    Parameters
    ----------
    prior : numpy.ndarray, shape (n_states,)
    sender_utility, receiver_utility : numpy.ndarray, shape (n_actions, n_states)

    Returns
    -------
    ObedienceLP

    Examples
    --------
    >>> import numpy as np
    >>> lp = build_obedience_lp(np.array([0.7, 0.3]), np.array([[0., 0], [1, 1]]),
    ...                         np.array([[1., 0], [0, 1]]))
    >>> lp.n_rows, lp.nnz      # 2 prior rows + 2 obedience rows
    (4, 8)
    """
    prior = np.asarray(prior, dtype=np.float64)
    v = np.asarray(sender_utility, dtype=np.float64)
    u = np.asarray(receiver_utility, dtype=np.float64)
    m, n = u.shape
    if v.shape != (m, n) or prior.shape != (n,):
        raise InvalidGameError(
            f"shapes do not match: prior {prior.shape}, sender {v.shape}, receiver {u.shape}"
        )
    data, indices, indptr, a_idx, b_idx = _obedience_csr(u)
    n_ob = a_idx.shape[0]
    n_rows = n + n_ob
    A = sp.csr_array((data, indices, indptr), shape=(n_rows, m * n))
    row_lower = np.concatenate((prior, np.full(n_ob, -np.inf)))
    row_upper = np.concatenate((prior, np.zeros(n_ob)))
    return ObedienceLP(
        n_states=n,
        n_actions=m,
        c=v.ravel().copy(),
        A=A,
        row_lower=row_lower,
        row_upper=row_upper,
        pairs=np.stack((a_idx, b_idx), axis=1),
        prior=prior.copy(),
        receiver_utility=u.copy(),
    )


def _obedience_csr(u: np.ndarray) -> tuple[np.ndarray, ...]:
    """The constraint matrix of the obedience LP as raw CSR arrays.

    Returns ``(data, indices, indptr, a_idx, b_idx)``: the ``n`` prior rows,
    then one row per ordered pair ``(a_idx[r], b_idx[r])`` whose receiver
    utilities differ (int32 indices, variables ``a * n + ω``).
    """
    m, n = u.shape
    # prior rows: row ω has a one in column a*n + ω for every a
    eq_indices = (np.arange(m, dtype=np.int32)[None, :] * n
                  + np.arange(n, dtype=np.int32)[:, None]).ravel()

    # obedience rows, written straight into the CSR arrays (int32 indices, no
    # intermediate (row, column) index arrays: at 200 x 200, 7.3 million
    # non-zeros, this halves the build's peak memory)
    a_idx, b_idx = np.nonzero(~np.eye(m, dtype=bool))
    D = u[b_idx] - u[a_idx]  # (m(m-1), n)
    nz = D != 0
    counts = nz.sum(axis=1)
    keep = counts > 0
    if not keep.all():
        a_idx, b_idx, D, nz, counts = a_idx[keep], b_idx[keep], D[keep], nz[keep], counts[keep]
    n_ob = a_idx.shape[0]
    nnz = m * n + int(counts.sum())
    data = np.empty(nnz)
    indices = np.empty(nnz, dtype=np.int32)
    data[: m * n] = 1.0
    indices[: m * n] = eq_indices
    data[m * n :] = D[nz]
    del D
    cols = indices[m * n :]
    cols[:] = np.broadcast_to(np.arange(n, dtype=np.int32), nz.shape)[nz]
    cols += np.repeat((a_idx * n).astype(np.int32), counts)
    del nz
    indptr = np.empty(n + n_ob + 1, dtype=np.int32)
    indptr[: n + 1] = np.arange(0, m * n + 1, m)
    np.cumsum(counts, out=indptr[n + 1 :])
    indptr[n + 1 :] += m * n
    return data, indices, indptr, a_idx, b_idx


def choose_lp_method(n_states: int, n_actions: int) -> str:
    """The solving strategy ``lp_method="auto"`` uses for a shape.

    Row and column generation (``"generate"``) for games with at least
    :data:`GENERATE_MIN_VARIABLES` variables ``n_states * n_actions``, dual
    simplex on the full LP (``"simplex"``) below.  Measured on random games
    with integer utilities 0..10 (2 cores; per game the median of 30-200
    repeats, 3 games per shape): below
    about 900 variables a full solve costs less than the few rounds of
    generation (2 x 7: 0.55 ms against 1.0-1.8 ms; 10 x 10: 1.0-1.5 ms
    against 3-4 ms; 20 x 20: 3.7-4.8 ms against 4.9-7.8 ms); at 30 x 30 they
    are even (12-14 ms, but one of three games took 70 ms by simplex against
    12 ms); from 50 x 50 on generation wins: 1.3-2x against the full dual
    simplex at 100 x 100, 2-3x at 150 x 100 and 50 x 200, 9x at 200 x 200,
    and 50x or more where the full dual simplex stalls (200 x 50, some
    200 x 100 games; see the module notes).  Interior point, which this
    function chose for tall games before, was 4-70x slower than generation
    on every shape tried.

    Parameters
    ----------
    n_states, n_actions : int

    Returns
    -------
    str
        ``"generate"`` or ``"simplex"``.

    Examples
    --------
    >>> choose_lp_method(200, 50), choose_lp_method(50, 200), choose_lp_method(2, 7)
    ('generate', 'generate', 'simplex')
    """
    return "generate" if n_states * n_actions >= GENERATE_MIN_VARIABLES else "simplex"


#: Smallest ``n_states * n_actions`` for which ``lp_method="auto"`` uses
#: row and column generation (see :func:`choose_lp_method`).
GENERATE_MIN_VARIABLES = 900


def _new_highs():
    import highspy

    try:  # the bare core object avoids the Python wrapper's start-up banner
        from highspy import _core

        h = _core._Highs()
    except (ImportError, AttributeError):  # pragma: no cover - other highspy layouts
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _basic_flags(h, n_col: int, n_row: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(col_basic, row_basic) of the HiGHS object's current basis, or None.

    Read from the basis status lists (``Highs.getBasicVariables`` would be
    vectorised but crashes after interior point + crossover in highspy 1.16).
    """
    import highspy

    basis = h.getBasis()
    if not basis.valid:
        return None
    basic = highspy.HighsBasisStatus.kBasic
    col_basic = np.fromiter((s == basic for s in basis.col_status), bool, n_col)
    row_basic = np.fromiter((s == basic for s in basis.row_status), bool, n_row)
    return col_basic, row_basic


def _check_status(h, what: str) -> None:
    import highspy

    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(
            f"HiGHS ({what}) did not find an optimal solution: {h.modelStatusToString(status)}"
        )


def _violation(joint: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``viol[a, b] = Σ_ω x(ω, a) (u(b, ω) − u(a, ω))`` (positive: ``b`` is better)."""
    W = joint @ u.T  # W[a, b] = Σ_ω x(ω, a) u(b, ω)
    return W - np.diag(W)[:, None]


def solve_obedience_lp(
    lp: ObedienceLP, *, lp_method: str = "auto", time_limit: float | None = None
) -> LPResult:
    """Solve an :class:`ObedienceLP` with HiGHS.

    Parameters
    ----------
    lp : ObedienceLP
    lp_method : {"auto", "generate", "simplex", "ipm"}, default "auto"
        ``"generate"``: row and column generation, each round by dual
        simplex warm-started from the last (see the module notes);
        ``"simplex"``: dual simplex on the full LP; ``"ipm"``: interior
        point on the full LP followed by crossover (so a basis is always
        available for exact certification); ``"auto"``: by shape, see
        :func:`choose_lp_method`.  All give an optimal basis of the full LP.
    time_limit : float, optional
        Seconds (for generation, over all rounds).

    Returns
    -------
    LPResult

    Raises
    ------
    SolverError
        If HiGHS does not report an optimal solution, or the returned scheme
        violates an obedience row by more than ``1e-6 * max(1, max|u|)``.

    Examples
    --------
    >>> import numpy as np
    >>> lp = build_obedience_lp(np.array([0.7, 0.3]), np.array([[0., 0], [1, 1]]),
    ...                         np.array([[1., 0], [0, 1]]))
    >>> res = solve_obedience_lp(lp)
    >>> round(res.value, 12), np.round(res.joint, 12).tolist()
    (0.6, [[0.4, 0.0], [0.3, 0.3]])
    >>> gen = solve_obedience_lp(lp, lp_method="generate")
    >>> round(gen.value, 12), gen.algorithm
    (0.6, 'dual simplex + row/column generation')
    """
    if lp_method not in _LP_METHODS:
        raise InvalidParameterError(f"lp_method must be one of {_LP_METHODS}, got {lp_method!r}")
    algo = choose_lp_method(lp.n_states, lp.n_actions) if lp_method == "auto" else lp_method
    if algo == "generate" and (lp.receiver_utility is None or lp.prior is None):
        algo = "simplex"  # an LP built by hand: no utilities to generate from
    if time_limit is not None and not time_limit > 0:
        raise InvalidParameterError(f"time_limit must be positive, got {time_limit!r}")
    if algo == "generate":
        res = _solve_generated(lp, time_limit)
    else:
        res = _solve_full(lp, algo, time_limit)
    u = lp.receiver_utility
    if u is not None:
        worst = float(max(0.0, _violation(res.joint, u).max()))
        scale = max(1.0, float(np.abs(u).max()))
    else:
        worst = lp.obedience_violation(res.joint)
        scale = max(1.0, float(np.abs(lp.A.data).max(initial=0.0)))
    if worst > _MAX_VIOLATION * scale:
        raise SolverError(
            f"HiGHS ({res.algorithm}) returned a scheme that violates an obedience row by "
            f"{worst:.3g}"
        )
    return replace(res, max_obedience_violation=worst)


def _solve_full(lp: ObedienceLP, algo: str, time_limit: float | None) -> LPResult:
    """One HiGHS solve of the full LP (dual simplex, or IPM + crossover)."""
    import highspy

    t0 = time.perf_counter()
    h = _new_highs()
    if algo == "ipm":
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")
    else:
        h.setOptionValue("solver", "simplex")
        if lp.n_states * lp.n_actions >= GENERATE_MIN_VARIABLES:
            h.setOptionValue("presolve", "off")  # see the module notes
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))

    hlp = highspy.HighsLp()
    n_col = lp.c.shape[0]
    hlp.num_col_ = n_col
    hlp.num_row_ = lp.n_rows
    hlp.col_cost_ = lp.c
    hlp.col_lower_ = np.zeros(n_col)
    hlp.col_upper_ = np.full(n_col, highspy.kHighsInf)
    hlp.row_lower_ = np.where(np.isinf(lp.row_lower), -highspy.kHighsInf, lp.row_lower)
    hlp.row_upper_ = lp.row_upper
    hlp.sense_ = highspy.ObjSense.kMaximize
    hlp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    hlp.a_matrix_.start_ = lp.A.indptr
    hlp.a_matrix_.index_ = lp.A.indices
    hlp.a_matrix_.value_ = lp.A.data
    hlp.a_matrix_.num_col_ = n_col
    hlp.a_matrix_.num_row_ = lp.n_rows

    h.passModel(hlp)
    h.run()
    _check_status(h, "dual simplex" if algo == "simplex" else "ipm")
    sol = h.getSolution()
    info = h.getInfo()
    x = np.asarray(sol.col_value, dtype=np.float64)
    row_dual = np.asarray(sol.row_dual, dtype=np.float64)
    flags = _basic_flags(h, n_col, lp.n_rows)
    col_basic, row_basic = flags if flags is not None else (None, None)
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    return LPResult(
        joint=np.maximum(x, 0.0).reshape(lp.n_actions, lp.n_states),
        value=float(info.objective_function_value),
        prices=row_dual[: lp.n_states],
        multipliers=row_dual[lp.n_states :],
        col_basic=col_basic,
        row_basic=row_basic,
        algorithm="dual simplex" if algo == "simplex" else "ipm+crossover",
        iterations=iterations,
        solve_time=time.perf_counter() - t0,
        rounds=1,
        n_rows_used=lp.n_rows,
        n_cols_used=n_col,
    )


class _Restricted:
    """The restricted LP of row and column generation, held in one HiGHS object.

    HiGHS column ``j`` is the full LP's column ``cols[j]`` (``a * n + ω``);
    HiGHS row ``n + i`` is the full LP's obedience pair ``rows[i]``.
    """

    def __init__(self, lp: ObedienceLP) -> None:
        import highspy

        self.n, self.m = n, m = lp.n_states, lp.n_actions
        self.u = np.asarray(lp.receiver_utility, dtype=np.float64)
        self.v = lp.c.reshape(m, n)
        self.inf = highspy.kHighsInf
        self.col_of = np.full((m, n), -1, dtype=np.int64)
        self.row_of = np.full((m, m), -1, dtype=np.int64)
        self.cols: list[np.ndarray] = []
        self.rows_a: list[np.ndarray] = []
        self.rows_b: list[np.ndarray] = []
        self.n_cols = 0
        self.n_obedience = 0
        h = self.h = _new_highs()
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")
        prior = np.asarray(lp.prior, dtype=np.float64)
        h.addRows(n, prior, prior, 0, np.zeros(n, dtype=np.int32),
                  np.zeros(0, dtype=np.int32), np.zeros(0))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def add_cols(self, flat: np.ndarray) -> None:
        """Add the columns ``flat`` (indices ``a * n + ω``), with their entries in
        the prior row and in every obedience row already present."""
        n = self.n
        a, w = flat // n, flat % n
        k = flat.size
        R = self.row_of[a]  # (k, m): HiGHS row of pair (a, b), or -1
        D = self.u[:, w].T - self.u[a, w][:, None]  # D[i, b] = u(b, ω_i) − u(a_i, ω_i)
        mask = (R >= 0) & (D != 0)
        per = mask.sum(axis=1)
        counts = per + 1
        starts = np.zeros(k, dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        nnz = int(counts.sum())
        index = np.empty(nnz, dtype=np.int32)
        value = np.empty(nnz, dtype=np.float64)
        index[starts] = w
        value[starts] = 1.0
        r, b = np.nonzero(mask)  # row-major: grouped by column i
        first = np.cumsum(per) - per
        pos = starts[r] + 1 + (np.arange(r.size) - first[r])
        index[pos] = R[r, b]
        value[pos] = D[r, b]
        self.h.addCols(k, self.v.ravel()[flat], np.zeros(k), np.full(k, self.inf), nnz,
                       starts.astype(np.int32), index, value)
        self.col_of.ravel()[flat] = np.arange(self.n_cols, self.n_cols + k)
        self.cols.append(flat)
        self.n_cols += k

    def add_rows(self, a: np.ndarray, b: np.ndarray) -> None:
        """Add the obedience rows of the pairs ``(a[i], b[i])`` over the present columns."""
        k = a.size
        C = self.col_of[a]  # (k, n)
        D = self.u[b] - self.u[a]
        mask = (C >= 0) & (D != 0)
        starts = np.zeros(k, dtype=np.int64)
        np.cumsum(mask.sum(axis=1)[:-1], out=starts[1:])
        r, w = np.nonzero(mask)
        self.h.addRows(k, np.full(k, -self.inf), np.zeros(k), r.size,
                       starts.astype(np.int32), C[r, w].astype(np.int32), D[r, w])
        self.row_of[a, b] = self.n + np.arange(self.n_obedience, self.n_obedience + k)
        self.rows_a.append(a)
        self.rows_b.append(b)
        self.n_obedience += k

    def all_cols(self) -> np.ndarray:
        return np.concatenate(self.cols) if self.cols else np.zeros(0, dtype=np.int64)

    def all_rows(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.rows_a:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(self.rows_a), np.concatenate(self.rows_b)


def _solve_generated(lp: ObedienceLP, time_limit: float | None) -> LPResult:
    """Row and column generation; see the module notes."""
    t0 = time.perf_counter()
    n, m = lp.n_states, lp.n_actions
    R = _Restricted(lp)
    u, v, h = R.u, R.v, R.h
    tol_row = GENERATION_TOL * max(1.0, float(np.abs(u).max()))
    tol_col = GENERATION_TOL * max(1.0, float(np.abs(v).max()))
    n_pairs = lp.pairs.shape[0]
    pair_of = np.full((m, m), -1, dtype=np.int64)
    pair_of[lp.pairs[:, 0], lp.pairs[:, 1]] = np.arange(n_pairs)
    has_row = pair_of >= 0  # pairs with identical receiver utilities have no row

    # full disclosure (feasible: each recommended action is a best response at
    # every state it is recommended in) and the sender's favourite per state
    states = np.arange(n)
    full_disclosure = np.where(u == u.max(axis=0), v, -np.inf).argmax(axis=0)
    favourite = v.argmax(axis=0)
    R.add_cols(np.unique(np.concatenate((full_disclosure * n + states, favourite * n + states))))

    rounds = iterations = 0
    while True:
        if time_limit is not None:
            left = time_limit - (time.perf_counter() - t0)
            if left <= 0:
                raise SolverError(
                    f"row/column generation reached the time limit ({time_limit} s) after "
                    f"{rounds} rounds"
                )
            h.setOptionValue("time_limit", float(h.getRunTime() + left))
        h.run()
        rounds += 1
        _check_status(h, "dual simplex, row/column generation")
        iterations += int(h.getInfo().simplex_iteration_count)
        sol = h.getSolution()
        cols = R.all_cols()
        rows_a, rows_b = R.all_rows()
        x = np.zeros(m * n)
        x[cols] = sol.col_value
        joint = x.reshape(m, n)
        row_dual = np.asarray(sol.row_dual, dtype=np.float64)
        prices = row_dual[:n]
        lam = np.zeros((m, m))
        lam[rows_a, rows_b] = row_dual[n:]
        # rows the scheme violates
        viol = _violation(joint, u)
        new_rows = (viol > tol_row) & (R.row_of < 0) & has_row
        # columns with a positive reduced cost v − p − Σ_b λ(a, b) (u(b) − u(a))
        reduced = v - prices[None, :] - (lam @ u - lam.sum(axis=1)[:, None] * u)
        new_cols = (reduced > tol_col) & (R.col_of < 0)
        if not new_rows.any() and not new_cols.any():
            break
        if new_rows.any():
            k = min(_ROWS_PER_ACTION, m)
            score = np.where(new_rows, viol, -np.inf)
            top = np.argpartition(-score, k - 1, axis=1)[:, :k]
            a_idx = np.repeat(np.arange(m), k)
            b_idx = top.ravel()
            keep = np.isfinite(score[a_idx, b_idx])
            R.add_rows(a_idx[keep], b_idx[keep])
        if new_cols.any():
            R.add_cols(np.flatnonzero(new_cols.ravel()))

    info = h.getInfo()
    cols = R.all_cols()
    rows_a, rows_b = R.all_rows()
    row_pairs = pair_of[rows_a, rows_b]
    col_basic = row_basic = None
    flags = _basic_flags(h, R.n_cols, n + R.n_obedience)
    if flags is not None:
        cb, rb = flags
        col_basic = np.zeros(m * n, dtype=bool)
        col_basic[cols] = cb
        row_basic = np.ones(n + n_pairs, dtype=bool)  # omitted rows: basic slacks
        row_basic[:n] = rb[:n]
        row_basic[n + row_pairs] = rb[n:]
    multipliers = np.zeros(n_pairs)
    multipliers[row_pairs] = row_dual[n:]
    return LPResult(
        joint=np.maximum(joint, 0.0),
        value=float(info.objective_function_value),
        prices=prices,
        multipliers=multipliers,
        col_basic=col_basic,
        row_basic=row_basic,
        algorithm="dual simplex + row/column generation",
        iterations=iterations,
        solve_time=time.perf_counter() - t0,
        rounds=rounds,
        n_rows_used=n + R.n_obedience,
        n_cols_used=R.n_cols,
    )


@contextlib.contextmanager
def _quiet_stdout():
    """Silence the process's standard output (file descriptor 1) for a moment.

    Solvers write to the C-level stdout, which ``contextlib.redirect_stdout``
    does not reach; this swaps the descriptor itself.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no usable descriptor 1
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def solve_obedience_lp_cvxpy(
    prior: np.ndarray,
    sender_utility: np.ndarray,
    receiver_utility: np.ndarray,
    *,
    solver: str | None = None,
) -> tuple[np.ndarray, float, str]:
    """The same LP written in cvxpy: an independent formulation and check.

    The obedience constraints are stated per recommended action as
    ``u @ x_a <= (u[a] @ x_a)`` (all alternatives at once), not through the
    sparse matrix of :func:`build_obedience_lp`.

    Parameters
    ----------
    prior, sender_utility, receiver_utility : numpy.ndarray
    solver : str, optional
        A cvxpy solver name (default: HIGHS if available, else cvxpy's choice).

    Returns
    -------
    joint : numpy.ndarray, shape (n_actions, n_states)
    value : float
    solver : str
        The solver cvxpy used.

    Examples
    --------
    >>> import numpy as np
    >>> joint, value, _ = solve_obedience_lp_cvxpy(
    ...     np.array([0.7, 0.3]), np.array([[0., 0], [1, 1]]), np.array([[1., 0], [0, 1]]))
    >>> round(value, 6)
    0.6
    """
    import cvxpy as cp

    prior = np.asarray(prior, dtype=np.float64)
    v = np.asarray(sender_utility, dtype=np.float64)
    u = np.asarray(receiver_utility, dtype=np.float64)
    m, n = u.shape
    X = cp.Variable((m, n), nonneg=True)  # X[a, ω] = x(ω, a)
    cons = [cp.sum(X, axis=0) == prior]
    # receiver's expected utility of each action b given recommendation a: (X @ u.T)[a, b]
    W = X @ u.T
    for a in range(m):
        cons.append(W[a, :] <= W[a, a])
    prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(X, v))), cons)
    if solver is None:
        solver = "HIGHS" if "HIGHS" in cp.installed_solvers() else None
    with _quiet_stdout():  # highspy prints a licence banner on its first use
        prob.solve(solver=solver)
    if prob.status not in ("optimal",):
        raise SolverError(f"cvxpy ({solver}) returned status {prob.status!r}")
    used = prob.solver_stats.solver_name if prob.solver_stats else str(solver)
    return np.maximum(np.asarray(X.value), 0.0), float(prob.value), used
