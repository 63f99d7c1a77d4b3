"""Exact optimality certificates for the revelation-principle LP.

A :class:`Certificate` is a primal-dual pair of the LP in
:mod:`bayespersuade.solvers.lp`, in exact rationals:

* the primal: a joint distribution ``x(ω, a)`` of states and recommended
  actions (the scheme ``π(a | ω) = x(ω, a) / μ0(ω)``);
* the dual: prices ``p(ω)`` and obedience multipliers ``λ(a, b) >= 0``.

:func:`verify_certificate` checks, in exact arithmetic and without solving
anything, that

1. the primal is feasible: ``x >= 0``, ``Σ_a x(ω, a) = μ0(ω)``, and every
   recommendation is obeyed: ``Σ_ω x(ω, a) (u(a, ω) − u(b, ω)) >= 0``;
2. the dual is feasible: ``λ >= 0`` and
   ``p(ω) >= v(a, ω) + Σ_b λ(a, b) (u(a, ω) − u(b, ω))`` for every ``ω, a``;
3. the objectives are equal: ``Σ x(ω, a) v(a, ω) = Σ_ω μ0(ω) p(ω) = value``.

By weak duality, (1)-(3) prove that ``value`` is the optimal value ``V(μ0)``
and that ``x`` is an optimal scheme (Chvátal 1983, Ch. 5).  All three checks
are required: a primal feasible point alone is only a lower bound, and a
solver's "optimal" status is not a proof.

:func:`certify_basis` builds a certificate from the optimal basis of a float
HiGHS solve: it re-solves the basis systems ``B x_B = b`` and
``Bᵀ y = c_B`` exactly (over ℚ, with FLINT through python-flint, which also
backs sympy's ``DomainMatrix`` over ``QQ``), then verifies.  If the float
basis is not exactly optimal (degenerate or ill-conditioned problems),
:func:`certify_small_game_exactly` solves the LP with an exact two-phase
simplex (small games only).

References
----------
Chvátal, V. (1983). *Linear Programming*. W. H. Freeman.
Bland, R. G. (1977). New finite pivoting rules for the simplex method.
*Mathematics of Operations Research* 2(2), 103-107.
Applegate, D. L., Cook, W., Dash, S. and Espinoza, D. G. (2007). Exact
solutions to linear programming problems. *Operations Research Letters*
35(6), 693-699.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import CertificateError
from ._linalg_q import solve_rational
from ._numeric import as_fraction, common_denominator
from .best_response import _int_form
from .priors import common_prior_view

if TYPE_CHECKING:  # pragma: no cover
    from .game_data import GameLike
    from .lp import LPResult, ObedienceLP

__all__ = [
    "Certificate",
    "CertificateCheck",
    "certify_basis",
    "certify_small_game_exactly",
    "verify_certificate",
    "EXACT_FALLBACK_MAX_VARIABLES",
]

#: Largest ``n_states * n_actions`` for which the exact-simplex fallback runs.
EXACT_FALLBACK_MAX_VARIABLES = 64


@dataclass(frozen=True)
class Certificate:
    """An exact primal-dual certificate of optimality for a persuasion game.

    Attributes
    ----------
    value : Fraction
        The certified optimal value ``V(μ0)``.
    joint : tuple of (int, tuple of Fraction)
        For each recommended action ``a``, the vector ``x(·, a)`` over states.
    prices : tuple of Fraction
        ``p(ω)`` for each state.
    multipliers : tuple of (int, int, Fraction)
        The non-zero obedience multipliers ``(a, b, λ(a, b))``.
    method : str
        How the certificate was obtained (``"basis"`` or ``"exact-simplex"``).
    """

    value: Fraction
    joint: tuple[tuple[int, tuple[Fraction, ...]], ...]
    prices: tuple[Fraction, ...]
    multipliers: tuple[tuple[int, int, Fraction], ...]
    method: str = "basis"
    kind: str = field(default="obedience-lp", init=False)

    def to_dict(self) -> dict:
        """A JSON-serialisable form (rationals as ``"p/q"`` strings).

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> cert = prosecutor().solve(exact=True).certificate
        >>> cert.to_dict()["value"]
        '3/5'
        """
        return {
            "kind": self.kind,
            "method": self.method,
            "value": str(self.value),
            "joint": [[a, [str(x) for x in xs]] for a, xs in self.joint],
            "prices": [str(p) for p in self.prices],
            "multipliers": [[a, b, str(lam)] for a, b, lam in self.multipliers],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Certificate:
        """Read the form written by :meth:`to_dict`.

        Raises
        ------
        CertificateError
            If a field is missing or malformed.
        """
        try:
            if data.get("kind", "obedience-lp") != "obedience-lp":
                raise CertificateError(f"unknown certificate kind {data.get('kind')!r}")
            return cls(
                value=as_fraction(data["value"], "value"),
                joint=tuple(
                    (int(a), tuple(as_fraction(x, f"joint[{a}]") for x in xs))
                    for a, xs in data["joint"]
                ),
                prices=tuple(as_fraction(p, "prices") for p in data["prices"]),
                multipliers=tuple(
                    (int(a), int(b), as_fraction(lam, "multipliers"))
                    for a, b, lam in data["multipliers"]
                ),
                method=str(data.get("method", "basis")),
            )
        except CertificateError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise CertificateError(f"malformed certificate: {exc!r}") from None


@dataclass(frozen=True)
class CertificateCheck:
    """The ledger of an exact certificate check.

    Truthy exactly when every check passed (``ok``).

    Attributes
    ----------
    ok : bool
    primal_feasible, dual_feasible, objectives_equal : bool
    primal_value, dual_value : Fraction or None
    problems : tuple of str
        One line per failed check, naming the state/action at fault.
    """

    ok: bool
    primal_feasible: bool
    dual_feasible: bool
    objectives_equal: bool
    primal_value: Fraction | None
    dual_value: Fraction | None
    problems: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.ok


# ---------------------------------------------------------------- verification


def _int_matmul(A: list[list[int]], B: list[list[int]]) -> list[list[int]]:
    """Exact integer matrix product (FLINT when available)."""
    if not A or not B or not B[0]:
        return [[0] * (len(B[0]) if B else 0) for _ in A]
    try:
        import flint

        P = flint.fmpz_mat(A) * flint.fmpz_mat(B)
        return [[int(P[i, j]) for j in range(P.ncols())] for i in range(P.nrows())]
    except ImportError:  # pragma: no cover - python-flint is a dependency
        Bt = list(zip(*B, strict=True))
        return [[sum(a * b for a, b in zip(row, col, strict=True)) for col in Bt] for row in A]


def verify_certificate(game: GameLike, certificate: Certificate) -> CertificateCheck:
    """Check an exact optimality certificate without solving anything.

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A rational game.
    certificate : Certificate

    Returns
    -------
    CertificateCheck
        Truthy when primal feasibility, dual feasibility and equality of the
        objectives all hold exactly.

    Raises
    ------
    CertificateError
        If the certificate does not fit the game (wrong number of states,
        action index out of range).
    InvalidGameError
        If the game has floating-point data.

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> game = prosecutor()
    >>> cert = game.solve(exact=True).certificate
    >>> bool(verify_certificate(game, cert))
    True
    >>> from dataclasses import replace
    >>> from fractions import Fraction
    >>> bad = replace(cert, value=Fraction(7, 10))
    >>> check = verify_certificate(game, bad)
    >>> check.ok, check.problems[0]
    (False, 'primal objective 3/5 differs from the claimed value 7/10')
    """
    game = common_prior_view(game)  # heterogeneous priors: check (μR, v·μS/μR, u)
    prior, v, u = game.exact_data()
    m, n = game.n_actions, game.n_states
    if not isinstance(certificate, Certificate):
        raise CertificateError(
            f"expected a Certificate, got {type(certificate).__name__}"
        )
    if len(certificate.prices) != n:
        raise CertificateError(
            f"certificate has {len(certificate.prices)} prices but the game has {n} states"
        )
    seen = set()
    for a, xs in certificate.joint:
        if not 0 <= a < m:
            raise CertificateError(f"certificate recommends action {a}, out of range 0..{m - 1}")
        if a in seen:
            raise CertificateError(f"certificate lists action {a} twice")
        seen.add(a)
        if len(xs) != n:
            raise CertificateError(
                f"certificate's joint for action {a} has {len(xs)} entries, not {n}"
            )
    for a, b, _ in certificate.multipliers:
        if not (0 <= a < m and 0 <= b < m):
            raise CertificateError(f"multiplier ({a}, {b}) is out of range 0..{m - 1}")

    problems: list[str] = []
    # ---- primal feasibility
    primal_ok = True
    totals = [Fraction(0)] * n
    for a, xs in certificate.joint:
        for w, x in enumerate(xs):
            if x < 0:
                primal_ok = False
                problems.append(f"x(state {w}, action {a}) = {x} is negative")
            totals[w] += x
    for w in range(n):
        if totals[w] != prior[w]:
            primal_ok = False
            problems.append(
                f"state {w}: the scheme's mass {totals[w]} differs from the prior {prior[w]}"
            )
    den_u = common_denominator(u.ravel())
    u_int = [[int(x * den_u) for x in row] for row in u]
    actions = [a for a, _ in certificate.joint]
    if actions:
        dens = [common_denominator(xs) for _, xs in certificate.joint]
        X = [[int(xs[w] * d) for (_, xs), d in zip(certificate.joint, dens, strict=True)]
             for w in range(n)]  # (n, K)
        W = _int_matmul(u_int, X)  # W[b][k] = den_u * d_k * Σ_ω u(b, ω) x(ω, a_k)
        for k, a in enumerate(actions):
            own = W[a][k]
            for b in range(m):
                if W[b][k] > own:
                    primal_ok = False
                    gap = Fraction(W[b][k] - own, den_u * dens[k])
                    problems.append(
                        f"recommending action {a} is not obeyed: action {b} is better by {gap}"
                    )
                    break
    primal_value = sum(
        (v[a][w] * xs[w] for a, xs in certificate.joint for w in range(n)), Fraction(0)
    )

    # ---- dual feasibility, in integers: p = P/dp, λ = L/dl, v = V/dv, u = U/du
    dual_ok = True
    for a, b, x in certificate.multipliers:
        if x < 0:
            dual_ok = False
            problems.append(f"multiplier λ({a}, {b}) = {x} is negative")
    prices = certificate.prices
    u_i, du = _int_form(u)
    v_i, dv = _int_form(v)
    dp = common_denominator(prices)
    dl = common_denominator([x for _, _, x in certificate.multipliers])
    P = np.array([int(p * dp) for p in prices], dtype=object)
    lam: dict[int, list[tuple[int, int]]] = {}
    for a, b, x in certificate.multipliers:
        if x != 0:
            lam.setdefault(a, []).append((b, int(x * dl)))
    D = dp * dv * dl * du
    Pd, Vd = P * (D // dp), v_i * (D // dv)
    k_l = D // (dl * du)
    for a in range(m):
        terms = lam.get(a, [])
        total = sum(L for _, L in terms)
        lhs = total * u_i[a]
        for b, L in terms:
            lhs = lhs - L * u_i[b]
        slack = Pd - Vd[a] - lhs * k_l
        bad = [w for w in range(n) if slack[w] < 0]
        if bad:
            w = bad[0]
            dual_ok = False
            problems.append(
                f"dual constraint of (state {w}, action {a}) fails: p = {prices[w]} < "
                f"{prices[w] - Fraction(int(slack[w]), D)}"
            )
    dual_value = sum((prior[w] * prices[w] for w in range(n)), Fraction(0))

    # ---- objectives
    eq = primal_value == certificate.value and dual_value == certificate.value
    if primal_value != certificate.value:
        problems.insert(
            0, f"primal objective {primal_value} differs from the claimed value "
               f"{certificate.value}"
        )
    if dual_value != certificate.value:
        problems.append(
            f"dual objective {dual_value} differs from the claimed value {certificate.value}"
        )
    return CertificateCheck(
        ok=primal_ok and dual_ok and eq,
        primal_feasible=primal_ok,
        dual_feasible=dual_ok,
        objectives_equal=eq,
        primal_value=primal_value,
        dual_value=dual_value,
        problems=tuple(problems),
    )


# ---------------------------------------------------------------- construction


def _solve_basis_by_blocks(
    n: int,
    basic_cols: np.ndarray,
    active_rows: np.ndarray,
    pairs: dict[int, tuple[int, int]],
    entries: dict[tuple[int, int], int],
    rhs: list[Fraction],
    c_b: list[Fraction],
) -> tuple[list[Fraction], list[Fraction]] | None:
    """Solve ``B x = rhs`` and ``Bᵀ y = c_b`` exactly through the LP's block structure.

    An obedience row of action ``a`` touches only the columns ``x(·, a)``, so
    the basis matrix is ``B = [P; O]`` with ``O`` block-diagonal (a block
    ``O_a`` per action) and ``P`` the active prior rows.  If ``B`` is
    nonsingular, each ``O_a`` has full row rank and, with ``N_a`` an exact
    basis of its null space, ``x_a = N_a z_a`` where ``(P N) z = rhs_P`` is a
    square system of the size of the number of active prior rows; likewise
    ``(P N)ᵀ y_P = Nᵀ c`` and then ``O_aᵀ y_a = c_a − P_aᵀ y_P`` per block.
    This replaces one dense exact solve of size ``k`` (the basis) by small
    ones: at 100 x 100 (``k`` ≈ 370) the two basis solves take about 10 ms
    instead of 130 ms.

    Returns None when the structure does not give a nonsingular system
    (the caller then uses the general exact solve, which also detects a
    singular basis).  The result is checked by :func:`verify_certificate`
    in any case.
    """
    import flint

    cols_of: dict[int, list[int]] = {}
    for c, j in enumerate(basic_cols.tolist()):
        cols_of.setdefault(j // n, []).append(c)
    prior_pos: dict[int, int] = {}  # state -> position among active prior rows
    prior_rows: list[int] = []
    rows_of: dict[int, list[int]] = {}
    for r_i, r in enumerate(active_rows.tolist()):
        if r < n:
            prior_pos[r] = len(prior_rows)
            prior_rows.append(r_i)
        else:
            rows_of.setdefault(pairs[r - n][0], []).append(r_i)
    if any(a not in cols_of for a in rows_of):
        return None
    by_row: dict[int, list[tuple[int, int]]] = {}
    for (r_i, c), val in entries.items():
        by_row.setdefault(r_i, []).append((c, val))
    n_p = len(prior_rows)
    blocks = []  # (columns, rows, O_a or None, N_a or None, d_a, offset)
    offset = 0
    for a, cols in cols_of.items():
        rows = rows_of.get(a, [])
        k_a = len(cols)
        if rows:
            local = {c: i for i, c in enumerate(cols)}
            Ob = flint.fmpz_mat(len(rows), k_a)
            for i, r_i in enumerate(rows):
                for c, val in by_row.get(r_i, ()):
                    Ob[i, local[c]] = val
            X, d = Ob.nullspace()
            if len(rows) + d != k_a:
                return None
            N = flint.fmpz_mat([[X[i, t] for t in range(d)] for i in range(k_a)]) if d \
                else None
        else:
            Ob, d = None, k_a
            N = flint.fmpz_mat([[int(i == t) for t in range(d)] for i in range(k_a)])
        blocks.append((cols, rows, Ob, N, d, offset))
        offset += d
    if offset != n_p:
        return None
    PN = flint.fmpq_mat(n_p, n_p)
    g = flint.fmpq_mat(n_p, 1)
    for cols, _, _, N, d, off in blocks:
        for i, c in enumerate(cols):
            p = prior_pos.get(int(basic_cols[c]) % n)
            cb = c_b[c]
            for t in range(d):
                nit = N[i, t]
                if nit != 0:
                    if p is not None:
                        PN[p, off + t] = nit
                    g[off + t, 0] += flint.fmpq(cb.numerator, cb.denominator) * nit
    b = flint.fmpq_mat(n_p, 1, [flint.fmpq(rhs[r].numerator, rhs[r].denominator)
                                for r in prior_rows])
    try:
        z = PN.solve(b)
        y_p = PN.transpose().solve(g)
    except (ZeroDivisionError, ValueError):  # singular, or no active prior row
        return None

    def frac(q) -> Fraction:
        return Fraction(int(q.p), int(q.q))

    x = [Fraction(0)] * len(basic_cols)
    y = [Fraction(0)] * len(active_rows)
    for p, r_i in enumerate(prior_rows):
        y[r_i] = frac(y_p[p, 0])
    for cols, rows, Ob, N, d, off in blocks:
        if d:
            z_a = flint.fmpq_mat(d, 1, [z[off + t, 0] for t in range(d)])
            x_a = flint.fmpq_mat(N) * z_a
            for i, c in enumerate(cols):
                x[c] = frac(x_a[i, 0])
        if rows:  # O_aᵀ y_a = c_a − P_aᵀ y_P, by the normal equations (O_a has full row rank)
            resid = []
            for c in cols:
                p = prior_pos.get(int(basic_cols[c]) % n)
                cb = c_b[c]
                q = flint.fmpq(cb.numerator, cb.denominator)
                resid.append(q - y_p[p, 0] if p is not None else q)
            Oq = flint.fmpq_mat(Ob)
            try:
                y_a = (Oq * Oq.transpose()).solve(Oq * flint.fmpq_mat(len(cols), 1, resid))
            except ZeroDivisionError:  # pragma: no cover - O_a has full row rank
                return None
            for i, r_i in enumerate(rows):
                y[r_i] = frac(y_a[i, 0])
    return x, y


def certify_basis(
    game: GameLike, lp: ObedienceLP, result: LPResult
) -> tuple[Certificate | None, str | None]:
    """Turn the optimal basis of a float solve into an exact certificate.

    Parameters
    ----------
    game : PersuasionGame or GameLike
        A rational game.
    lp : ObedienceLP
        The LP that was solved (built from the game's float data; its
        sparsity pattern and row order are reused, its values are not).
    result : LPResult
        The float solution, with its basis.

    Returns
    -------
    certificate : Certificate or None
        A verified certificate, or None.
    reason : str or None
        Why no certificate could be built.
    """
    if result.col_basic is None or result.nonbasic_rows is None:
        return None, "the solver returned no basis"
    prior, v, u = game.exact_data()
    n, m = game.n_states, game.n_actions
    basic_cols = np.flatnonzero(result.col_basic)
    active_rows = np.asarray(result.nonbasic_rows)
    # the pairs of the active obedience rows only (never all of lp.pairs)
    ob = active_rows[active_rows >= n] - n
    pa, pb = lp.pair_at(ob)
    pairs = dict(zip(ob.tolist(), zip(pa.tolist(), pb.tolist(), strict=True), strict=True))
    k = basic_cols.size
    if k != active_rows.size:
        return None, (
            f"the basis is not square ({k} basic columns, {active_rows.size} active rows)"
        )
    den_u = common_denominator(u.ravel())
    col_pos = {int(j): i for i, j in enumerate(basic_cols)}
    entries: dict[tuple[int, int], int] = {}
    rhs: list[Fraction] = []
    row_scale: list[int] = []
    for r_i, r in enumerate(active_rows):
        r = int(r)
        if r < n:  # prior row of state r: ones at columns a*n + r
            for a in range(m):
                c = col_pos.get(a * n + r)
                if c is not None:
                    entries[(r_i, c)] = 1
            rhs.append(prior[r])
            row_scale.append(1)
        else:
            a, b = pairs[r - n]
            for w in range(n):
                c = col_pos.get(a * n + w)
                if c is not None:
                    val = (u[b][w] - u[a][w]) * den_u
                    if val != 0:
                        entries[(r_i, c)] = int(val)
            rhs.append(Fraction(0))
            row_scale.append(den_u)
    c_b = [v[int(j) // n][int(j) % n] for j in basic_cols]
    solved = _solve_basis_by_blocks(n, basic_cols, active_rows, pairs, entries, rhs, c_b)
    if solved is not None:
        x_b, y = solved
    else:  # the general exact solve (also reports singularity)
        x_b = solve_rational(entries, rhs)
        if x_b is None:
            return None, "the optimal basis matrix is singular in exact arithmetic"
        y = solve_rational(entries, c_b, transpose=True)
        if y is None:  # pragma: no cover - same matrix as above
            return None, "the optimal basis matrix is singular in exact arithmetic"

    joint_full: dict[int, list[Fraction]] = {}
    for j, xv in zip(basic_cols, x_b, strict=True):
        a, w = int(j) // n, int(j) % n
        joint_full.setdefault(a, [Fraction(0)] * n)[w] = xv
    prices = [Fraction(0)] * n
    multipliers = []
    for r_i, r in enumerate(active_rows):
        r = int(r)
        if r < n:
            prices[r] = y[r_i]
        else:
            lam = y[r_i] * row_scale[r_i]
            if lam != 0:
                a, b = pairs[r - n]
                multipliers.append((a, b, lam))
    joint = tuple(
        (a, tuple(xs)) for a, xs in sorted(joint_full.items()) if any(x != 0 for x in xs)
    )
    value = sum((prior[w] * prices[w] for w in range(n)), Fraction(0))
    cert = Certificate(value=value, joint=joint, prices=tuple(prices),
                       multipliers=tuple(multipliers), method="basis")
    check = verify_certificate(game, cert)
    if not check:
        return None, "the float basis is not exactly optimal: " + "; ".join(check.problems[:3])
    return cert, None


def certify_small_game_exactly(game: GameLike) -> tuple[Certificate | None, str | None]:
    """Solve the LP and its dual with an exact simplex (small games only).

    The fallback when the float basis is not exactly optimal: a two-phase
    tableau simplex over ℚ with Bland's rule
    (:func:`bayespersuade.solvers._exact_lp.exact_simplex`), for games with at most
    :data:`EXACT_FALLBACK_MAX_VARIABLES` variables ``n_states * n_actions``.

    Returns
    -------
    certificate : Certificate or None
    reason : str or None

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> cert, reason = certify_small_game_exactly(prosecutor())
    >>> cert.value, cert.method, reason
    (Fraction(3, 5), 'exact-simplex', None)
    """
    from ._exact_lp import exact_simplex

    n, m = game.n_states, game.n_actions
    if n * m > EXACT_FALLBACK_MAX_VARIABLES:
        return None, (
            f"the exact-simplex fallback is limited to {EXACT_FALLBACK_MAX_VARIABLES} "
            f"variables; this game has {n * m}"
        )
    prior, v, u = game.exact_data()
    c = [v[a][w] for a in range(m) for w in range(n)]  # variable a*n + ω
    A_eq = [[Fraction(int(j % n == w)) for j in range(m * n)] for w in range(n)]
    A_ub, pairs = [], []
    for a in range(m):
        for b in range(m):
            if a == b or all(u[a][w] == u[b][w] for w in range(n)):
                continue
            row = [Fraction(0)] * (m * n)
            for w in range(n):
                row[a * n + w] = u[b][w] - u[a][w]
            A_ub.append(row)
            pairs.append((a, b))
    sol = exact_simplex(c, A_ub, [Fraction(0)] * len(A_ub), A_eq, list(prior))
    if sol is None:  # pragma: no cover - the LP is always feasible and bounded
        return None, "the exact simplex found no optimum"
    x, lam, p = sol
    joint = tuple(
        (a, tuple(x[a * n + w] for w in range(n)))
        for a in range(m) if any(x[a * n + w] != 0 for w in range(n))
    )
    multipliers = tuple((a, b, t) for (a, b), t in zip(pairs, lam, strict=True) if t != 0)
    value = sum((prior[w] * p[w] for w in range(n)), Fraction(0))
    cert = Certificate(value=value, joint=joint, prices=tuple(p), multipliers=multipliers,
                       method="exact-simplex")
    check = verify_certificate(game, cert)
    if not check:  # pragma: no cover - would be a bug in the exact simplex
        return None, "the exact simplex produced an invalid certificate: " + "; ".join(
            check.problems[:3]
        )
    return cert, None
