"""Solve a persuasion game: dispatch to a method, certify, assemble the result.

This is the implementation behind :meth:`PersuasionGame.solve`; the
algorithms live in :mod:`.lp`, :mod:`.concavification` and :mod:`.certify`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError, InvalidParameterError, SolverError
from .certify import Certificate, certify_basis, certify_small_game_exactly, verify_certificate
from .concavification import Envelope, concavify
from .evaluate import reduce_splitting, splitting_to_scheme
from .lp import build_obedience_lp, solve_obedience_lp, solve_obedience_lp_cvxpy
from .priors import common_prior_view, has_common_prior, to_original_terms

if TYPE_CHECKING:  # pragma: no cover
    from .game_data import GameLike

__all__ = ["MASS_TOL", "Signal", "SolverOutput", "solve_game"]

#: Float mode: recommendations sent with probability below this are dropped.
MASS_TOL = 1e-12


@dataclass(frozen=True)
class Signal:
    """One signal of a scheme: its probability, the posterior, the action.

    Attributes
    ----------
    probability : float or Fraction
        ``P(s) = Σ_ω μ0(ω) π(s | ω)``.
    posterior : numpy.ndarray, shape (n_states,)
        The receiver's belief after the signal.
    action : int
        The receiver's (recommended, obeyed) action.
    action_label : str or int
        ``game.actions[action]``.
    sender_value : float or Fraction
        The sender's expected utility given the signal, ``v(a)·μ_s``.
    """

    probability: Any
    posterior: np.ndarray
    action: int
    action_label: Any
    sender_value: Any

    def __iter__(self):
        """Unpack as ``(probability, posterior, action)`` triples."""
        return iter((self.probability, self.posterior, self.action))


@dataclass(frozen=True, eq=False)
class SolverOutput:
    """Everything a solve produced, before it is tied to its game.

    :meth:`bayespersuade.PersuasionGame.solve` wraps it in a
    :class:`~bayespersuade.Solution` (``Solution.from_output(game, output)``), whose
    attributes of the same names are documented there.
    """

    value: Any
    gain: Any
    no_disclosure_value: Any
    full_disclosure_value: Any
    signals: tuple[Signal, ...]
    scheme: np.ndarray
    exact: bool
    certificate: Certificate | None
    exact_failure: str | None
    method: str
    backend: str
    algorithm: str
    solve_time: float
    prices: np.ndarray | None = None
    multipliers: tuple | None = None
    envelope: Envelope | None = None


def _signals_from_joint(game, joint: dict, exact: bool):
    """(weights, posteriors, actions) from {action: x(·, action)}, merged and reduced."""
    n = game.n_states
    acts, ws, posts, vals = [], [], [], []
    v = game.exact_data()[1] if exact else game.sender_utility
    for a in sorted(joint):
        x = joint[a]
        mass = sum(x, Fraction(0)) if exact else float(np.sum(x))
        if (mass == 0) if exact else (mass <= MASS_TOL):
            continue
        mu = [xi / mass for xi in x] if exact else np.asarray(x, dtype=np.float64) / mass
        acts.append(a)
        ws.append(mass)
        posts.append(mu)
        vals.append(sum((v[a][i] * mu[i] for i in range(n)), Fraction(0)) if exact
                    else float(np.dot(v[a], mu)))
    dtype = object if exact else np.float64
    w = np.array(ws, dtype=dtype)
    P = np.array(posts, dtype=dtype).reshape(len(ws), n)
    if not exact:
        w = w / w.sum()
    w, P, idx = reduce_splitting(w, P, np.array(vals, dtype=dtype))
    return w, P, [acts[i] for i in idx], [vals[i] for i in idx]


def _assemble(game, method, backend, algorithm, t0, *, exact, value, weights, posts, acts,
              vals, prices, certificate=None, failure=None, envelope=None,
              multipliers=None) -> SolverOutput:
    if exact:
        prior = game.exact_data()[0]
        nd = game.no_disclosure_value(exact=True)
        fd = game.full_disclosure_value(exact=True)
    else:
        prior = game.prior
        nd = game.no_disclosure_value()
        fd = game.full_disclosure_value()
        value = float(value)
    scheme = splitting_to_scheme(prior, np.asarray(weights), np.asarray(posts))
    signals = tuple(
        Signal(
            probability=w,
            posterior=np.array(mu, dtype=object if exact else np.float64),
            action=int(a),
            action_label=game.actions[int(a)],
            sender_value=val,
        )
        for w, mu, a, val in zip(weights, posts, acts, vals, strict=True)
    )
    return SolverOutput(
        value=value,
        gain=value - nd,
        no_disclosure_value=nd,
        full_disclosure_value=fd,
        signals=signals,
        scheme=scheme,
        exact=exact,
        certificate=certificate,
        exact_failure=failure,
        method=method,
        backend=backend,
        algorithm=algorithm,
        solve_time=time.perf_counter() - t0,
        prices=None if prices is None else np.array(prices, dtype=object if exact else float),
        multipliers=certificate.multipliers if certificate is not None else multipliers,
        envelope=envelope,
    )


def _reduced_certificate(game, cert: Certificate, weights, posts, acts) -> Certificate:
    n = game.n_states
    joint = tuple(
        (int(a), tuple(w * mu[i] for i in range(n)))
        for w, mu, a in sorted(zip(weights, posts, acts, strict=True), key=lambda t: t[2])
    )
    reduced = Certificate(value=cert.value, joint=joint, prices=cert.prices,
                          multipliers=cert.multipliers, method=cert.method)
    check = verify_certificate(game, reduced)
    if not check:  # pragma: no cover - the reduction keeps posteriors and value
        raise SolverError("internal error: support reduction broke the certificate: "
                          + "; ".join(check.problems[:3]))
    return reduced


def solve_game(
    game: GameLike,
    *,
    method: str = "lp",
    exact: bool = False,
    lp_method: str = "auto",
    backend: str = "highs",
    time_limit: float | None = None,
) -> SolverOutput:
    """Solve ``game``; see :meth:`PersuasionGame.solve` for the parameters.

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> solve_game(prosecutor(), method="concavification", exact=True).value
    Fraction(3, 5)
    """
    if not has_common_prior(game):  # heterogeneous priors: solve the common-prior view
        return to_original_terms(game, solve_game(
            common_prior_view(game), method=method, exact=exact, lp_method=lp_method,
            backend=backend, time_limit=time_limit))
    if method not in ("lp", "concavification"):
        raise InvalidParameterError(
            f"method must be 'lp' or 'concavification', got {method!r}"
        )
    if backend not in ("highs", "cvxpy"):
        raise InvalidParameterError(f"backend must be 'highs' or 'cvxpy', got {backend!r}")
    if exact and not game.is_rational:
        raise InvalidGameError(
            "exact=True needs a rational game (ints, Fractions or 'p/q' strings); this "
            "game has floating-point entries. Convert it explicitly with "
            "game.to_rational() (exact binary values) or "
            "game.to_rational(max_denominator=...)"
        )
    if exact and backend == "cvxpy":
        raise InvalidParameterError(
            "exact=True certifies a HiGHS basis; use backend='highs' (the cvxpy backend "
            "is a float cross-check)"
        )
    if method == "concavification" and backend != "highs":
        raise InvalidParameterError("backend applies to method='lp' only")
    t0 = time.perf_counter()

    if method == "concavification":
        res = concavify(game, exact=exact)
        algorithm = "two-state envelope" if game.n_states == 2 else "region vertices + LP"
        use_exact = res.exact
        joint: dict = {}
        n = game.n_states
        for w, mu, a in zip(res.weights, res.posteriors, res.actions, strict=True):
            col = joint.setdefault(int(a), [Fraction(0) if use_exact else 0.0] * n)
            for i in range(n):
                col[i] += (w * mu[i]) if use_exact else float(w) * float(mu[i])
        weights, posts, acts, vals = _signals_from_joint(game, joint, use_exact)
        cert = _reduced_certificate(game, res.certificate, weights, posts, acts) \
            if use_exact else None
        value = res.value if use_exact else float(res.value)
        return _assemble(game, "concavification", "highs", algorithm, t0, exact=use_exact,
                         value=value, weights=weights, posts=posts, acts=acts, vals=vals,
                         prices=res.prices, certificate=cert,
                         failure=res.exact_failure if exact else None,
                         envelope=res.envelope)

    if backend == "cvxpy":
        jm, value, solver = solve_obedience_lp_cvxpy(
            game.prior, game.sender_utility, game.receiver_utility
        )
        joint = {a: jm[a] for a in range(game.n_actions)}
        weights, posts, acts, vals = _signals_from_joint(game, joint, False)
        return _assemble(game, "lp", "cvxpy", f"cvxpy/{solver}", t0, exact=False, value=value,
                         weights=weights, posts=posts, acts=acts, vals=vals, prices=None)

    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    res = solve_obedience_lp(lp, lp_method=lp_method, time_limit=time_limit)
    if exact:
        cert, failure = certify_basis(game, lp, res)
        if cert is None and (res.n_rows_used < lp.n_rows or res.n_cols_used < lp.c.size):
            # Row/column generation stops at a tolerance; if its basis is not exactly
            # optimal for the full LP (a row or column within the tolerance), solve
            # the full LP and certify that basis.
            full = solve_obedience_lp(lp, lp_method="simplex", time_limit=time_limit)
            cert, failure_full = certify_basis(game, lp, full)
            if cert is not None:
                res = full
            else:
                failure = f"{failure}; full LP: {failure_full}"
        if cert is None:
            cert, failure2 = certify_small_game_exactly(game)
            if cert is None:
                failure = f"{failure}; {failure2}"
        if cert is not None:
            joint = {a: list(x) for a, x in cert.joint}
            weights, posts, acts, vals = _signals_from_joint(game, joint, True)
            if len(acts) < len(cert.joint):  # else w·μ = x: the verified joint itself
                cert = _reduced_certificate(game, cert, weights, posts, acts)
            algo = res.algorithm + (" + exact basis" if cert.method == "basis"
                                    else " + exact simplex")
            return _assemble(game, "lp", "highs", algo, t0, exact=True, value=cert.value,
                             weights=weights, posts=posts, acts=acts, vals=vals,
                             prices=cert.prices, certificate=cert)
    else:
        failure = None
    joint = {a: res.joint[a] for a in range(game.n_actions)}
    weights, posts, acts, vals = _signals_from_joint(game, joint, False)
    nz = np.flatnonzero(res.multipliers > 0)
    mult = tuple((int(lp.pairs[r][0]), int(lp.pairs[r][1]), float(res.multipliers[r]))
                 for r in nz)
    return _assemble(game, "lp", "highs", res.algorithm, t0, exact=False, value=res.value,
                     weights=weights, posts=posts, acts=acts, vals=vals, prices=res.prices,
                     failure=failure, multipliers=mult)
