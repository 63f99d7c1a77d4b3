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
solved with HiGHS (Huangfu & Hall 2018) through ``highspy``.  The matrix is
built the first time :attr:`ObedienceLP.A` is read, by the solves of the full
LP; row and column generation and the exact certification of its basis never
read it (nor anything else of size ``n_actions^2``): see below.

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
added, so it terminates.  Nothing of size ``n_actions^2`` is built: the rows
added are kept as index lists, violations are computed only for the actions
the current scheme recommends (in blocks), reduced costs from the multipliers
of the rows present, and the result (:class:`LPResult`) keeps multipliers and
the row basis sparsely; an obedience row is located by arithmetic on its pair
(:meth:`ObedienceLP.pair_index`).  On a 3 x 5,000 game where every action is a
best response (nothing can be dropped before the LP) this is 1.4-2.5 s and 74-84 MiB
peak, where the full matrix alone would take gigabytes.

On random games (integer utilities 0..10) the restricted LP ends with 4-13%
of the columns and 3-30% of the rows (see the *LP solved* column of the
benchmark report).  Seconds for
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
from functools import cached_property

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

    Only the game's data is stored; the constraint matrix :attr:`A`, the
    row bounds and :attr:`pairs` (``O(n_actions^2)`` rows) are built the
    first time they are read and then kept.  Row and column generation
    (``lp_method="generate"``) and the exact certification of its basis
    never read them: they address obedience rows through
    :meth:`pair_index` and :meth:`pair_at`, so a tall game (3 x 5,000)
    never holds an ``n_actions^2`` structure.

    Attributes
    ----------
    n_states, n_actions : int
    c : numpy.ndarray, shape (n_actions * n_states,)
        Objective (maximised); ``c[a * n_states + ω] = v(a, ω)``.
    prior : numpy.ndarray, shape (n_states,)
        ``μ0`` (float).
    receiver_utility : numpy.ndarray, shape (n_actions, n_states)
        ``u`` (float).
    A : scipy.sparse.csr_array
        (Built on first use.)  The first ``n_states`` rows are the
        prior-marginal equalities; then one row per entry of :attr:`pairs`.
    row_lower, row_upper : numpy.ndarray
        (Built on first use.)
    pairs : numpy.ndarray of int, shape (n_obedience_rows, 2)
        (Built on first use; :meth:`pair_index` and :meth:`pair_at` locate a
        pair without it.)  ``(a, b)``: the row says recommending ``a``
        must not make ``b`` better; every ordered pair ``a != b`` whose
        receiver utilities differ, in lexicographic order.
    """

    n_states: int
    n_actions: int
    c: np.ndarray
    prior: np.ndarray
    receiver_utility: np.ndarray

    def __post_init__(self) -> None:
        m, n = self.n_actions, self.n_states
        shapes = {"c": (self.c, (m * n,)), "prior": (self.prior, (n,)),
                  "receiver_utility": (self.receiver_utility, (m, n))}
        for name, (x, shape) in shapes.items():
            if not isinstance(x, np.ndarray) or x.shape != shape:
                got = x.shape if isinstance(x, np.ndarray) else type(x).__name__
                raise InvalidGameError(
                    f"ObedienceLP.{name} must be an array of shape {shape}, got {got}"
                )

    @cached_property
    def _groups(self) -> tuple[np.ndarray, np.ndarray]:
        """(group id of each action's receiver utility row, size of each group)."""
        _, inv, counts = np.unique(self.receiver_utility, axis=0, return_inverse=True,
                                   return_counts=True)
        return np.asarray(inv).ravel(), counts

    @cached_property
    def _has_duplicates(self) -> bool:
        return bool((self._groups[1] > 1).any())

    @cached_property
    def n_obedience(self) -> int:
        """Number of obedience rows (without building them)."""
        m = self.n_actions
        counts = self._groups[1].astype(np.int64)
        return int(m * (m - 1) - (counts * (counts - 1)).sum())

    @cached_property
    def _csr(self) -> tuple[np.ndarray, ...]:
        return _obedience_csr(self.receiver_utility)

    @cached_property
    def A(self) -> sp.csr_array:
        data, indices, indptr, _, _ = self._csr
        return sp.csr_array((data, indices, indptr),
                            shape=(self.n_rows, self.n_actions * self.n_states))

    @cached_property
    def pairs(self) -> np.ndarray:
        _, _, _, a_idx, b_idx = self._csr
        return np.stack((a_idx, b_idx), axis=1)

    @cached_property
    def row_lower(self) -> np.ndarray:
        return np.concatenate((self.prior, np.full(self.n_obedience, -np.inf)))

    @cached_property
    def row_upper(self) -> np.ndarray:
        return np.concatenate((self.prior, np.zeros(self.n_obedience)))

    @cached_property
    def _pair_layout(self) -> tuple[np.ndarray, ...]:
        """Index arrays (``O(n_actions)``) that locate a pair among :attr:`pairs`.

        Row ``a`` of the pairs lists every ``b`` outside ``a``'s group of
        receiver-identical actions, so pair ``(a, b)`` is at ``start[a] + b -
        #{members of a's group below b}``.  Returns ``(group, start, keys,
        group_first, adj_keys)``: ``keys`` are ``group * m + member`` sorted
        (the members of each group, ascending) and ``adj_keys`` are ``group *
        (m + 1) + member - rank`` in the same order (the number of
        non-members below each member).
        """
        m = self.n_actions
        g, counts = self._groups
        g = g.astype(np.int64)
        per_row = m - counts[g]
        start = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(per_row, out=start[1:])
        order = np.lexsort((np.arange(m), g))
        gs = g[order]
        keys = gs * m + order
        group_first = np.searchsorted(keys, np.arange(counts.size, dtype=np.int64) * m)
        rank = np.arange(m) - group_first[gs]
        adj_keys = gs * (m + 1) + (order - rank)
        return g, start, keys, group_first, adj_keys

    @property
    def n_rows(self) -> int:
        """Number of constraint rows."""
        return self.n_states + self.n_obedience

    @property
    def nnz(self) -> int:
        """Number of non-zeros of the constraint matrix (builds it)."""
        return int(self.A.nnz)

    def pair_index(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Positions in :attr:`pairs` of the pairs ``(a[i], b[i])``; -1 where there is no row.

        Computed arithmetically, without building :attr:`pairs`.

        Examples
        --------
        >>> import numpy as np
        >>> lp = build_obedience_lp(np.full(2, 0.5), np.zeros((3, 2)), np.eye(3, 2))
        >>> lp.pair_index(np.array([0, 2, 1]), np.array([2, 1, 1])).tolist()
        [1, 5, -1]
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        m = self.n_actions
        if not self._has_duplicates:
            r = a * (m - 1) + b - (b > a)
            return np.where(a == b, -1, r)
        g, start, keys, group_first, _ = self._pair_layout
        below = np.searchsorted(keys, g[a] * m + b) - group_first[g[a]]
        return np.where(g[a] == g[b], -1, start[a] + b - below)

    def pair_at(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pairs ``(a, b)`` at positions ``r`` of :attr:`pairs` (the inverse of
        :meth:`pair_index`), computed without building :attr:`pairs`.

        Examples
        --------
        >>> import numpy as np
        >>> lp = build_obedience_lp(np.full(2, 0.5), np.zeros((3, 2)), np.eye(3, 2))
        >>> [x.tolist() for x in lp.pair_at(np.array([1, 5]))]
        [[0, 2], [2, 1]]
        """
        r = np.asarray(r, dtype=np.int64)
        if r.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        m = self.n_actions
        if not self._has_duplicates:
            a, j = np.divmod(r, m - 1)
            return a, j + (j >= a)
        g, start, _, group_first, adj_keys = self._pair_layout
        a = np.searchsorted(start, r, "right") - 1
        j = r - start[a]  # b is the j-th action outside a's group
        t = np.searchsorted(adj_keys, g[a] * (m + 1) + j, "right") - group_first[g[a]]
        return a, j + t

    def obedience_violation(self, joint: np.ndarray) -> float:
        """The largest violation of an obedience row by a scheme (0 if none).

        ``max over rows (a, b) of Σ_ω x(ω, a) (u(b, ω) − u(a, ω))``, clipped
        at zero, over every row (whether or not a solver used it), computed
        for the recommended actions only (``O(k n_actions)`` memory for ``k``
        recommended actions; the constraint matrix is not needed).

        Parameters
        ----------
        joint : numpy.ndarray, shape (n_actions, n_states)
            ``x(ω, a)`` as ``joint[a, ω]``.

        Examples
        --------
        >>> import numpy as np
        >>> lp = build_obedience_lp(np.array([0.7, 0.3]), np.array([[0., 0], [1, 1]]),
        ...                         np.array([[1., 0], [0, 1]]))
        >>> round(lp.obedience_violation(np.array([[0.0, 0.0], [0.7, 0.3]])), 12)  # convict
        0.4
        """
        return _max_violation(np.asarray(joint, dtype=np.float64), self.receiver_utility)


@dataclass(frozen=True)
class LPResult:
    """What the HiGHS solve of an :class:`ObedienceLP` returned.

    The obedience multipliers and the basis of the rows are stored sparsely
    (the full LP has ``O(n_actions^2)`` rows; a solve by generation uses a
    few of them); :attr:`multipliers` and :attr:`row_basic` give them as
    full-length arrays on demand.

    Attributes
    ----------
    joint : numpy.ndarray, shape (n_actions, n_states)
        ``x(ω, a)`` laid out as ``joint[a, ω]``.
    value : float
        The optimal objective.
    prices : numpy.ndarray, shape (n_states,)
        Dual prices ``p(ω)`` of the prior rows (the price function).
    multiplier_rows : numpy.ndarray of int
        Positions in ``lp.pairs`` (see :meth:`ObedienceLP.pair_at`) of the
        obedience rows with a non-zero multiplier, ascending.
    multiplier_values : numpy.ndarray
        Their multipliers ``λ(a, b)``; every other multiplier is zero.
    col_basic : numpy.ndarray of bool
        Which structural columns are basic (None after IPM without crossover).
    nonbasic_rows : numpy.ndarray of int or None
        The rows (``0..n_states-1`` prior rows, then ``n_states + r`` for
        obedience row ``r``) whose slack is non-basic, ascending; None with
        :attr:`col_basic`.
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
    n_obedience_rows : int
        Number of obedience rows of the full LP (the length of
        :attr:`multipliers`).
    """

    joint: np.ndarray
    value: float
    prices: np.ndarray
    multiplier_rows: np.ndarray
    multiplier_values: np.ndarray
    col_basic: np.ndarray | None
    nonbasic_rows: np.ndarray | None
    algorithm: str
    iterations: int
    solve_time: float
    rounds: int = 1
    n_rows_used: int = 0
    n_cols_used: int = 0
    max_obedience_violation: float = 0.0
    n_obedience_rows: int = 0

    @property
    def multipliers(self) -> np.ndarray:
        """Obedience multipliers ``λ(a, b)``, aligned with ``lp.pairs`` (full length)."""
        out = np.zeros(self.n_obedience_rows)
        out[self.multiplier_rows] = self.multiplier_values
        return out

    @property
    def row_basic(self) -> np.ndarray | None:
        """Which rows have a basic slack (full length ``n_states + n_obedience_rows``)."""
        if self.nonbasic_rows is None:
            return None
        out = np.ones(self.prices.shape[0] + self.n_obedience_rows, dtype=bool)
        out[self.nonbasic_rows] = False
        return out


def build_obedience_lp(
    prior: np.ndarray, sender_utility: np.ndarray, receiver_utility: np.ndarray
) -> ObedienceLP:
    """The revelation-principle LP of a game (its sparse matrix is built on first use).

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
    return ObedienceLP(
        n_states=n,
        n_actions=m,
        c=v.ravel().copy(),
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


#: The HiGHS ``threads`` option of every new HiGHS object: the global scheduler's
#: count, probed on the first object (:func:`_pin_threads`), or 0 (the
#: default) where none was found or a pinned count was refused later.
_THREADS: int | None = None


def _new_highs():
    """A quiet HiGHS object, its thread count pinned as :data:`_THREADS` says.

    With the default count every ``run`` re-reads the processor topology; the
    pinned count is the one the default would choose, so it changes no result
    (measured, 2-core VM, interleaved: 50 x 50 games 3% and exact 5 x 5 and
    10 x 10 solves 1.5-5% faster).  Runs go through :func:`_run`.
    """
    global _THREADS
    import highspy

    try:  # the bare core object avoids the Python wrapper's start-up banner
        from highspy import _core

        h = _core._Highs()
    except (ImportError, AttributeError):  # pragma: no cover - other highspy layouts
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if _THREADS is None:
        _THREADS = _pin_threads(h)
    elif _THREADS:
        h.setOptionValue("threads", _THREADS)
    return h


def _run_trivial(h) -> bool:
    """Run ``h`` on the LP ``max x`` s.t. ``x <= 1``, ``0 <= x <= 1``; whether HiGHS ran
    it (rather than refusing with kError)."""
    import highspy

    h.clearModel()
    h.passModel(1, 1, 1, 2, -1, 0.0, np.ones(1), np.zeros(1), np.ones(1),
                np.full(1, -highspy.kHighsInf), np.ones(1), np.array([0, 1], dtype=np.int32),
                np.zeros(1, dtype=np.int32), np.ones(1), np.zeros(1, dtype=np.int32))
    ok = h.run() != highspy.HighsStatus.kError
    h.clearModel()
    return ok


def _pin_threads(h) -> int:
    """Set ``h``'s ``threads`` option to the thread count of HiGHS's global scheduler.

    With ``threads=0`` (the default) every ``run`` reads the processor topology
    again (files under ``/sys``) to choose the count; an explicit count that
    equals the scheduler's is used as it is (measured on a 2-core VM: about
    35 µs off each run, a tenth of a 5 x 5 solve).  The count is not readable
    from Python, and a count that differs makes ``run`` return kError at once
    (nothing solved), so: one default run on a 1 x 1 LP first (it creates the
    scheduler exactly as the first solve would have), then the likely counts
    on the same LP, the first that runs is kept.  Returns it, or 0 (the
    default kept).  :func:`~.small.small_lp_solve` and :func:`_run` go back to
    the default if a run fails later (another part of the process re-created
    the scheduler with another count).  The count kept is the one the default
    would choose: it changes no result.
    """
    if not _run_trivial(h):  # pragma: no cover - HiGHS rejects a valid LP
        return 0
    cpus = os.cpu_count() or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        usable = cpus
    for count in dict.fromkeys((cpus, usable, (cpus + 1) // 2, cpus // 2,
                                (usable + 1) // 2, 1)):
        if count < 1:
            continue
        h.setOptionValue("threads", count)
        if _run_trivial(h):
            return count
    h.setOptionValue("threads", 0)
    return 0


def _run(h):
    """``h.run()``; if a pinned thread count is refused (the global scheduler was
    re-created with another count), the default count from then on, and run again."""
    global _THREADS
    import highspy

    status = h.run()
    if status == highspy.HighsStatus.kError and h.getOptionValue("threads")[1] != 0:
        _THREADS = 0
        h.setOptionValue("threads", 0)
        status = h.run()
    return status


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


#: Entries of one block of the violation matrix (recommended actions x all actions).
_VIOLATION_CHUNK = 1 << 22


def _violation(joint: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``viol[a, b] = Σ_ω x(ω, a) (u(b, ω) − u(a, ω))`` (positive: ``b`` is better)."""
    W = joint @ u.T  # W[a, b] = Σ_ω x(ω, a) u(b, ω)
    return W - np.diag(W)[:, None]


def _violation_blocks(joint: np.ndarray, u: np.ndarray):
    """Yield ``(actions, viol)`` with ``viol[i, b] = Σ_ω x(ω, a_i) (u(b, ω) − u(a_i, ω))``
    for the actions ``a_i`` with a non-zero row of ``joint``, in blocks of at most
    :data:`_VIOLATION_CHUNK` entries (rows of zero mass violate nothing)."""
    act = np.flatnonzero((joint != 0).any(axis=1))
    m = u.shape[0]
    step = max(1, _VIOLATION_CHUNK // max(1, m))
    for s in range(0, act.size, step):
        a = act[s : s + step]
        xa = joint[a]
        W = xa @ u.T
        W -= np.einsum("ij,ij->i", xa, u[a])[:, None]
        yield a, W


def _max_violation(joint: np.ndarray, u: np.ndarray) -> float:
    """``max(0, max_{a, b} Σ_ω x(ω, a) (u(b, ω) − u(a, ω)))`` without an m x m array."""
    worst = 0.0
    for _, W in _violation_blocks(joint, u):
        worst = max(worst, float(W.max()))
    return worst


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
    if time_limit is not None and not time_limit > 0:
        raise InvalidParameterError(f"time_limit must be positive, got {time_limit!r}")
    if algo == "generate":
        res = _solve_generated(lp, time_limit)
    else:
        res = _solve_full(lp, algo, time_limit)
    u = lp.receiver_utility
    worst = _max_violation(res.joint, u)
    scale = max(1.0, float(np.abs(u).max()))
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
    _run(h)
    _check_status(h, "dual simplex" if algo == "simplex" else "ipm")
    sol = h.getSolution()
    info = h.getInfo()
    x = np.asarray(sol.col_value, dtype=np.float64)
    row_dual = np.asarray(sol.row_dual, dtype=np.float64)
    flags = _basic_flags(h, n_col, lp.n_rows)
    col_basic, row_basic = flags if flags is not None else (None, None)
    lam = row_dual[lp.n_states :]
    mult_rows = np.flatnonzero(lam != 0)
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    return LPResult(
        joint=np.maximum(x, 0.0).reshape(lp.n_actions, lp.n_states),
        value=float(info.objective_function_value),
        prices=row_dual[: lp.n_states],
        multiplier_rows=mult_rows,
        multiplier_values=lam[mult_rows],
        col_basic=col_basic,
        nonbasic_rows=None if row_basic is None else np.flatnonzero(~row_basic),
        algorithm="dual simplex" if algo == "simplex" else "ipm+crossover",
        iterations=iterations,
        solve_time=time.perf_counter() - t0,
        rounds=1,
        n_rows_used=lp.n_rows,
        n_cols_used=n_col,
        n_obedience_rows=lp.n_obedience,
    )


class _Restricted:
    """The restricted LP of row and column generation, held in one HiGHS object.

    HiGHS column ``j`` is the full LP's column ``cols[j]`` (``a * n + ω``);
    HiGHS row ``n + i`` is the obedience pair ``(rows_a[i], rows_b[i])``.
    Nothing here is of size ``n_actions^2``: the rows present are kept as
    index lists (and their keys ``a * m + b``, sorted, for membership).
    """

    def __init__(self, lp: ObedienceLP) -> None:
        import highspy

        self.n, self.m = n, m = lp.n_states, lp.n_actions
        u = np.asarray(lp.receiver_utility, dtype=np.float64)
        # obedience rows in units of max(1, max|u|): a positive row scaling changes
        # no basis, and HiGHS's absolute tolerances then mean the same on every
        # game (with |u| ~ 1e8 unscaled, it stopped 5% below the optimum)
        self.u_scale = max(1.0, float(np.abs(u).max(initial=0.0)))
        self.u = u / self.u_scale
        self.v = lp.c.reshape(m, n)
        self.inf = highspy.kHighsInf
        self.col_of = np.full((m, n), -1, dtype=np.int64)
        self.cols: list[np.ndarray] = []
        self.ra = np.zeros(0, dtype=np.int64)  # obedience rows present, in HiGHS order
        self.rb = np.zeros(0, dtype=np.int64)
        self.keys = np.zeros(0, dtype=np.int64)  # sorted a * m + b of the rows present
        self.n_cols = 0
        h = self.h = _new_highs()
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")
        prior = np.asarray(lp.prior, dtype=np.float64)
        h.addRows(n, prior, prior, 0, np.zeros(n, dtype=np.int32),
                  np.zeros(0, dtype=np.int32), np.zeros(0))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)

    @property
    def n_obedience(self) -> int:
        return int(self.ra.size)

    def has_row(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether the rows ``(a[i], b[i])`` are present."""
        key = a.astype(np.int64) * self.m + b
        pos = np.searchsorted(self.keys, key)
        found = pos < self.keys.size
        found[found] = self.keys[pos[found]] == key[found]
        return found

    def add_cols(self, flat: np.ndarray) -> None:
        """Add the columns ``flat`` (indices ``a * n + ω``), with their entries in
        the prior row and in every obedience row already present."""
        n = self.n
        a, w = flat // n, flat % n
        k = flat.size
        # the present rows (a_i, b) of each new column's action a_i
        order = np.argsort(self.ra, kind="stable")
        sa = self.ra[order]
        lo = np.searchsorted(sa, a, "left")
        cnt = np.searchsorted(sa, a, "right") - lo
        ci = np.repeat(np.arange(k), cnt)  # new column of each candidate entry
        offs = np.arange(ci.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        sel = order[np.repeat(lo, cnt) + offs]  # position among the rows present
        val = self.u[self.rb[sel], w[ci]] - self.u[a[ci], w[ci]]
        nz = val != 0
        ci, sel, val = ci[nz], sel[nz], val[nz]  # grouped by column, ascending
        per = np.bincount(ci, minlength=k)
        counts = per + 1
        starts = np.zeros(k, dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        nnz = int(counts.sum())
        index = np.empty(nnz, dtype=np.int32)
        value = np.empty(nnz, dtype=np.float64)
        index[starts] = w
        value[starts] = 1.0
        first = np.cumsum(per) - per
        pos = starts[ci] + 1 + (np.arange(ci.size) - first[ci])
        index[pos] = n + sel
        value[pos] = val
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
        self.ra = np.concatenate((self.ra, a.astype(np.int64)))
        self.rb = np.concatenate((self.rb, b.astype(np.int64)))
        self.keys = np.sort(np.concatenate((self.keys, a.astype(np.int64) * self.m + b)))

    def all_cols(self) -> np.ndarray:
        return np.concatenate(self.cols) if self.cols else np.zeros(0, dtype=np.int64)


def _solve_generated(lp: ObedienceLP, time_limit: float | None) -> LPResult:
    """Row and column generation; see the module notes.

    Memory is ``O(n_actions n_states)`` plus the restricted LP: violations are
    computed for the recommended actions only (in blocks), reduced costs from
    the multipliers of the rows present, and the result is stored sparsely.
    """
    t0 = time.perf_counter()
    n, m = lp.n_states, lp.n_actions
    R = _Restricted(lp)
    u, v, h = R.u, R.v, R.h
    tol_row = GENERATION_TOL  # = GENERATION_TOL * max(1, max|u|) in the user's units
    tol_col = GENERATION_TOL * max(1.0, float(np.abs(v).max()))

    # full disclosure (feasible: each recommended action is a best response at
    # every state it is recommended in) and the sender's favourite per state
    states = np.arange(n)
    u_raw = lp.receiver_utility  # best responses decided on the data as given
    full_disclosure = np.where(u_raw == u_raw.max(axis=0), v, -np.inf).argmax(axis=0)
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
        _run(h)
        rounds += 1
        _check_status(h, "dual simplex, row/column generation")
        iterations += int(h.getInfo().simplex_iteration_count)
        sol = h.getSolution()
        cols = R.all_cols()
        x = np.zeros(m * n)
        x[cols] = sol.col_value
        joint = x.reshape(m, n)
        row_dual = np.asarray(sol.row_dual, dtype=np.float64)
        prices = row_dual[:n]
        lam = row_dual[n:]
        # rows the scheme violates (only recommended actions can violate a row;
        # a pair with identical utilities has zero violation, so never qualifies)
        cand_a, cand_b, cand_v = [], [], []
        for acts, viol in _violation_blocks(joint, u):
            i, b = np.nonzero(viol > tol_row)
            cand_a.append(acts[i])
            cand_b.append(b)
            cand_v.append(viol[i, b])
        ca = np.concatenate(cand_a) if cand_a else np.zeros(0, dtype=np.int64)
        cb = np.concatenate(cand_b) if cand_b else np.zeros(0, dtype=np.int64)
        cv = np.concatenate(cand_v) if cand_v else np.zeros(0)
        if ca.size:
            new = ~R.has_row(ca, cb) & (u[ca] != u[cb]).any(axis=1)
            ca, cb, cv = ca[new], cb[new], cv[new]
        # columns with a positive reduced cost v − p − Σ_b λ(a, b) (u(b) − u(a))
        if lam.size:  # Σ_b λ(a, b) u(b) − (Σ_b λ(a, b)) u(a), with λ sparse (m x m)
            L = sp.csr_array((lam, (R.ra, R.rb)), shape=(m, m))
            S = L @ u - np.bincount(R.ra, weights=lam, minlength=m)[:, None] * u
        else:
            S = 0.0
        reduced = v - prices[None, :] - S
        new_cols = (reduced > tol_col) & (R.col_of < 0)
        has_cols = bool(new_cols.any())
        if not ca.size and not has_cols:
            break
        if ca.size:
            # the most violated _ROWS_PER_ACTION rows of each recommended action
            order = np.lexsort((-cv, ca))
            ca, cb = ca[order], cb[order]
            start = np.flatnonzero(np.r_[True, ca[1:] != ca[:-1]])
            rank = np.arange(ca.size) - np.repeat(start, np.diff(np.r_[start, ca.size]))
            keep = rank < _ROWS_PER_ACTION
            R.add_rows(ca[keep], cb[keep])
        if has_cols:
            R.add_cols(np.flatnonzero(new_cols.ravel()))

    info = h.getInfo()
    cols = R.all_cols()
    row_pairs = lp.pair_index(R.ra, R.rb)
    col_basic = nonbasic = None
    flags = _basic_flags(h, R.n_cols, n + R.n_obedience)
    if flags is not None:
        cb_flags, rb_flags = flags
        col_basic = np.zeros(m * n, dtype=bool)
        col_basic[cols] = cb_flags
        nonbasic = np.sort(np.concatenate((np.flatnonzero(~rb_flags[:n]),
                                           n + row_pairs[~rb_flags[n:]])))
    nzl = lam != 0
    order = np.argsort(row_pairs[nzl])
    return LPResult(
        joint=np.maximum(joint, 0.0),
        value=float(info.objective_function_value),
        prices=prices,
        multiplier_rows=row_pairs[nzl][order],
        multiplier_values=lam[nzl][order] / R.u_scale,
        col_basic=col_basic,
        nonbasic_rows=nonbasic,
        algorithm="dual simplex + row/column generation",
        iterations=iterations,
        solve_time=time.perf_counter() - t0,
        rounds=rounds,
        n_rows_used=n + R.n_obedience,
        n_cols_used=R.n_cols,
        n_obedience_rows=lp.n_obedience,
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
