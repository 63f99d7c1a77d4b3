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
(:mod:`bayespersuade.certify`).

The constraint matrix is built vectorised in CSR form: ``n`` equality rows with
``n_actions`` ones each, and one obedience row per ordered pair of actions
whose receiver utilities differ (``n_actions^2 n_states`` non-zeros at most).
Variables are ordered action-major: column ``a * n_states + ω``.  The LP is
solved with HiGHS (Huangfu & Hall 2018) through ``highspy``, by dual simplex
or by interior point with crossover; ``lp_method="auto"`` picks by shape (see
:func:`choose_lp_method`).

References
----------
Dughmi, S. and Xu, H. (2016). Algorithmic Bayesian persuasion. *STOC 2016*.
Bergemann, D. and Morris, S. (2016). Bayes correlated equilibrium and the
comparison of information structures in games. *Theoretical Economics* 11.
Dworczak, P. and Kolotilin, A. (2024). The persuasion duality.
arXiv:1910.11392.
Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex
method. *Mathematical Programming Computation* 10, 119-142.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .exceptions import InvalidGameError, InvalidParameterError, SolverError

__all__ = [
    "ObedienceLP",
    "LPResult",
    "build_obedience_lp",
    "choose_lp_method",
    "solve_obedience_lp",
    "solve_obedience_lp_cvxpy",
]

_LP_METHODS = ("auto", "simplex", "ipm")


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
    """

    n_states: int
    n_actions: int
    c: np.ndarray
    A: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    pairs: np.ndarray

    @property
    def n_rows(self) -> int:
        """Number of constraint rows."""
        return self.A.shape[0]

    @property
    def nnz(self) -> int:
        """Number of non-zeros of the constraint matrix."""
        return int(self.A.nnz)


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
        ``"dual simplex"`` or ``"ipm+crossover"``.
    iterations : int
    solve_time : float
        Seconds spent in HiGHS.
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
    # prior rows: row ω has a one in column a*n + ω for every a
    eq_indptr = np.arange(0, m * n + 1, m)
    eq_indices = (np.arange(m)[None, :] * n + np.arange(n)[:, None]).ravel()
    eq_data = np.ones(m * n)

    a_idx, b_idx = np.nonzero(~np.eye(m, dtype=bool))
    D = u[b_idx] - u[a_idx]  # (m(m-1), n)
    nz = D != 0
    keep = nz.any(axis=1)
    a_idx, b_idx, D, nz = a_idx[keep], b_idx[keep], D[keep], nz[keep]
    rows, cols = np.nonzero(nz)
    ob_indices = a_idx[rows] * n + cols
    ob_data = D[rows, cols]
    ob_indptr = np.concatenate(([0], np.cumsum(nz.sum(axis=1)))) + eq_indptr[-1]

    indptr = np.concatenate((eq_indptr, ob_indptr[1:]))
    indices = np.concatenate((eq_indices, ob_indices)).astype(np.int32)
    data = np.concatenate((eq_data, ob_data))
    n_rows = n + a_idx.shape[0]
    A = sp.csr_array((data, indices, indptr.astype(np.int32)), shape=(n_rows, m * n))
    row_lower = np.concatenate((prior, np.full(a_idx.shape[0], -np.inf)))
    row_upper = np.concatenate((prior, np.zeros(a_idx.shape[0])))
    return ObedienceLP(
        n_states=n,
        n_actions=m,
        c=v.ravel().copy(),
        A=A,
        row_lower=row_lower,
        row_upper=row_upper,
        pairs=np.stack((a_idx, b_idx), axis=1),
    )


def choose_lp_method(n_states: int, n_actions: int) -> str:
    """The HiGHS algorithm ``lp_method="auto"`` uses for a shape.

    Interior point (with crossover) when states outnumber actions, dual
    simplex otherwise: on random games measured here, interior point took
    1.5 s against 30 s for dual simplex at 200 states x 50 actions, and dual
    simplex 1.6 s against 21 s at 50 x 200 (and 1.4 s against 13 s at
    100 x 100); see ``benchmarks/`` and the README table.  Small games
    (fewer than 1,000 variables) use dual simplex.

    Examples
    --------
    >>> choose_lp_method(200, 50), choose_lp_method(50, 200), choose_lp_method(7, 2)
    ('ipm', 'simplex', 'simplex')
    """
    return "ipm" if n_states > n_actions and n_states * n_actions >= 1000 else "simplex"


def _new_highs():
    import highspy

    try:  # the bare core object avoids the Python wrapper's start-up banner
        from highspy import _core

        h = _core._Highs()
    except (ImportError, AttributeError):  # pragma: no cover - other highspy layouts
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def solve_obedience_lp(
    lp: ObedienceLP, *, lp_method: str = "auto", time_limit: float | None = None
) -> LPResult:
    """Solve an :class:`ObedienceLP` with HiGHS.

    Parameters
    ----------
    lp : ObedienceLP
    lp_method : {"auto", "simplex", "ipm"}, default "auto"
        Dual simplex, or interior point followed by crossover (so a basis is
        always available for exact certification).
    time_limit : float, optional
        Seconds.

    Returns
    -------
    LPResult

    Raises
    ------
    SolverError
        If HiGHS does not report an optimal solution.

    Examples
    --------
    >>> import numpy as np
    >>> lp = build_obedience_lp(np.array([0.7, 0.3]), np.array([[0., 0], [1, 1]]),
    ...                         np.array([[1., 0], [0, 1]]))
    >>> res = solve_obedience_lp(lp)
    >>> round(res.value, 12), np.round(res.joint, 12).tolist()
    (0.6, [[0.4, 0.0], [0.3, 0.3]])
    """
    import highspy

    if lp_method not in _LP_METHODS:
        raise InvalidParameterError(f"lp_method must be one of {_LP_METHODS}, got {lp_method!r}")
    algo = choose_lp_method(lp.n_states, lp.n_actions) if lp_method == "auto" else lp_method
    h = _new_highs()
    if algo == "ipm":
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")
    else:
        h.setOptionValue("solver", "simplex")
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

    t0 = time.perf_counter()
    h.passModel(hlp)
    h.run()
    elapsed = time.perf_counter() - t0
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(
            f"HiGHS ({algo}) did not find an optimal solution: {h.modelStatusToString(status)}"
        )
    sol = h.getSolution()
    info = h.getInfo()
    x = np.asarray(sol.col_value, dtype=np.float64)
    row_dual = np.asarray(sol.row_dual, dtype=np.float64)
    prices = row_dual[: lp.n_states]
    mult = row_dual[lp.n_states :]
    basis = h.getBasis()
    col_basic = row_basic = None
    if basis.valid:
        basic = highspy.HighsBasisStatus.kBasic
        col_basic = np.fromiter((s == basic for s in basis.col_status), bool, n_col)
        row_basic = np.fromiter((s == basic for s in basis.row_status), bool, lp.n_rows)
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    joint = np.maximum(x, 0.0).reshape(lp.n_actions, lp.n_states)
    return LPResult(
        joint=joint,
        value=float(info.objective_function_value),
        prices=prices,
        multipliers=mult,
        col_basic=col_basic,
        row_basic=row_basic,
        algorithm="dual simplex" if algo == "simplex" else "ipm+crossover",
        iterations=iterations,
        solve_time=elapsed,
    )


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
    prob.solve(solver=solver)
    if prob.status not in ("optimal",):
        raise SolverError(f"cvxpy ({solver}) returned status {prob.status!r}")
    used = prob.solver_stats.solver_name if prob.solver_stats else str(solver)
    return np.maximum(np.asarray(X.value), 0.0), float(prob.value), used
