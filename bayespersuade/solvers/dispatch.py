"""Solve a persuasion game: dispatch to a method, certify, assemble the result.

This is the implementation behind :meth:`PersuasionGame.solve`; the
algorithms live in :mod:`.lp`, :mod:`.concavification` and :mod:`.certify`.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import (
    IllConditionedWarning,
    InvalidGameError,
    InvalidParameterError,
    SolverError,
)
from .certify import Certificate, certify_basis, certify_small_game_exactly, verify_certificate
from .concavification import Envelope, concavify
from .conditioning import (
    ScaledGame,
    SubGame,
    lift_certificate,
    near_ties,
    normalise,
    reduce_actions,
)
from .evaluate import reduce_splitting, splitting_to_scheme
from .lp import build_obedience_lp, solve_obedience_lp, solve_obedience_lp_cvxpy
from .priors import common_prior_view, has_common_prior, to_original_terms
from .small import (
    SMALL_LP_MAX_VARIABLES,
    TWO_STATE_MAX_ACTIONS,
    SmallResult,
    best_response_normalised,
    small_lp_solve,
    two_state_multipliers,
    two_state_solve,
)

if TYPE_CHECKING:  # pragma: no cover
    from .game_data import GameLike

__all__ = ["MASS_TOL", "REDUCE_MIN_ACTIONS", "ROUTE_TWO_STATE_ACTIONS", "Signal", "SolverOutput",
           "solve_game"]

#: Float mode: recommendations sent with probability below this are dropped.
MASS_TOL = 1e-12

#: Games with at least this many actions are reduced first (duplicates merged,
#: never-best responses dropped; :func:`~.conditioning.reduce_actions`).  Below,
#: the vertex enumeration would cost about as much as it saves.
REDUCE_MIN_ACTIONS = 12

#: Two-state games with at least this many actions left after the reduction are
#: solved by the envelope even for ``method="lp"`` (the obedience LP has
#: ``m(m-1)`` rows; the envelope walk is linear in ``m`` per breakpoint).
ROUTE_TWO_STATE_ACTIONS = 200


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
    :class:`~bayespersuade.Solution` (``Solution.from_output(game, output)``), a
    subclass that adds the game and the provenance; the attributes are documented
    there.
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
              multipliers=None, disclosure=None) -> SolverOutput:
    if exact:
        prior = game.exact_data()[0]
        nd = game.no_disclosure_value(exact=True)
        fd = game.full_disclosure_value(exact=True)
    else:
        prior = game.prior
        if disclosure is not None:
            nd, fd = disclosure
        else:
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
    reduce: bool = True,
    route_exact: bool = True,
) -> SolverOutput:
    """Solve ``game``; see :meth:`PersuasionGame.solve` for the parameters.

    ``reduce=False`` skips the action reduction (an exact solve whose reduced
    certificate does not lift to the full game is retried that way).
    ``route_exact=False`` keeps an exact two-state ``method="lp"`` solve on the LP
    (by default it takes the exact envelope, and the LP only if that does not
    certify).

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
    n, m = game.n_states, game.n_actions
    v_n, u_n, sc = normalise(game.sender_utility, game.receiver_utility)
    red = None
    if reduce and m >= REDUCE_MIN_ACTIONS and n >= 2:
        red = reduce_actions(game, u_n)
        if not red.n_dropped:
            red = None
    keep = red.keep if red is not None else np.arange(m)
    # the float problem every method solves: normalised (and reduced) utilities
    v_k, u_k = (v_n[keep], u_n[keep]) if red is not None else (v_n, u_n)
    # the exact problem (rational games): the reduced game, exact data kept
    exact_view = exact or (n == 2 and game.is_rational and method == "concavification")
    sub = SubGame(game, keep) if (exact_view and red is not None) else game
    findings = [] if exact else near_ties(game, u_n,
                                          actions=keep if red is not None else None)
    for line in findings:
        warnings.warn(line, IllConditionedWarning, stacklevel=3)
    cond = ("; ".join(findings[:3]) + (f" (and {len(findings) - 3} more)"
                                       if len(findings) > 3 else "")) if findings else None

    if (method == "lp" and not exact and backend == "highs" and lp_method == "auto"
            and time_limit is None):
        # small games: the same optimum without the general path's set-up
        if n == 2 and keep.size <= TWO_STATE_MAX_ACTIONS:
            small = two_state_solve(game.prior, v_k, u_k)
            full = None
            if red is not None and m <= TWO_STATE_MAX_ACTIONS:
                # the dropped actions' dual constraints too (they hold: dominated)
                full = two_state_multipliers(v_n, u_n, small.prices)
            return _assemble_small(game, small, sc, keep, red is not None, t0, cond, u_n,
                                   v_n, full_multipliers=full)
        if (n * keep.size < SMALL_LP_MAX_VARIABLES
                and not (n == 2 and keep.size >= ROUTE_TWO_STATE_ACTIONS)):
            small, _ = small_lp_solve(game.prior, v_k, u_k)
            return _assemble_small(game, small, sc, keep, red is not None, t0, cond, u_n,
                                   v_n)

    scaled = ScaledGame(game.prior, v_k, u_k, game.states,
                        tuple(game.actions[int(a)] for a in keep), game.name)

    routed = (method == "lp" and n == 2 and backend == "highs" and lp_method == "auto"
              and keep.size >= ROUTE_TWO_STATE_ACTIONS)
    # exact two-state solves: the exact envelope and its certificate cost a fraction
    # of an LP solve plus basis certification (a 2 x 7 game: about 0.5 ms against 3 ms)
    routed_exact = (method == "lp" and n == 2 and exact and backend == "highs"
                    and lp_method == "auto" and time_limit is None and not routed
                    and route_exact)
    if routed or routed_exact:  # the envelope is O(m log m)-ish; the LP has m(m-1) rows
        method = "concavification"

    def lift(cert):
        if cert is None or red is None:
            return cert, None
        return lift_certificate(game, red, cert)

    if method == "concavification":
        # rational two-state games: the envelope is exact (arithmetic has no units)
        res = concavify(sub if exact_view else scaled, exact=exact)
        if routed_exact and not res.exact:  # not certified: the LP path decides
            return solve_game(game, method="lp", exact=exact, lp_method=lp_method,
                              backend=backend, time_limit=time_limit, reduce=reduce,
                              route_exact=False)
        algorithm = "two-state envelope" if n == 2 else (
            "one state" if n == 1 else "region vertices + LP")
        if routed:
            algorithm += f" (routed from the LP: {keep.size} actions)"
        elif routed_exact:
            algorithm = "exact two-state envelope (routed from the LP)"
        use_exact = res.exact
        cert, _ = lift(res.certificate) if use_exact else (None, None)
        if use_exact and cert is None:  # a dropped action was not exactly dominated
            return solve_game(game, method="lp" if routed_exact else "concavification",
                              exact=exact,
                              lp_method=lp_method, backend=backend, time_limit=time_limit,
                              reduce=False)
        joint: dict = {}
        for w, mu, a in zip(res.weights, res.posteriors, res.actions, strict=True):
            col = joint.setdefault(int(keep[int(a)]), [Fraction(0) if use_exact else 0.0] * n)
            for i in range(n):
                col[i] += (w * mu[i]) if use_exact else float(w) * float(mu[i])
        weights, posts, acts, vals = _signals_from_joint(game, joint, use_exact)
        if use_exact:
            if len(acts) < len(cert.joint):  # else w·μ = x: the verified joint itself
                cert = _reduced_certificate(game, cert, weights, posts, acts)
            value, prices = res.value, res.prices
        elif exact_view:  # solved in the user's units
            value = float(res.value)
            prices = np.array([float(p) for p in res.prices])
        else:
            value = sc.value(float(res.value))
            prices = sc.value(np.array([float(p) for p in res.prices]))
        envelope = res.envelope
        if envelope is not None and not exact_view:
            envelope = _user_envelope(envelope, sc, keep)
        elif envelope is not None and red is not None:
            envelope = _user_envelope(envelope, None, keep)
        return _assemble(game, "lp" if routed or routed_exact else "concavification", "highs",
                         algorithm, t0,
                         exact=use_exact,
                         value=value, weights=weights, posts=posts, acts=acts, vals=vals,
                         prices=prices, certificate=cert,
                         failure=res.exact_failure if exact else cond,
                         envelope=envelope)

    if backend == "cvxpy":
        jm, value, solver = solve_obedience_lp_cvxpy(
            game.prior, scaled.sender_utility, scaled.receiver_utility
        )
        joint = {int(keep[a]): jm[a] for a in range(keep.size)}
        weights, posts, acts, vals = _signals_from_joint(game, joint, False)
        return _assemble(game, "lp", "cvxpy", f"cvxpy/{solver}", t0, exact=False,
                         value=sc.value(value), weights=weights, posts=posts, acts=acts,
                         vals=vals, prices=None, failure=cond)

    lp = build_obedience_lp(game.prior, scaled.sender_utility, scaled.receiver_utility)
    res = solve_obedience_lp(lp, lp_method=lp_method, time_limit=time_limit)
    if exact:
        cert, failure = certify_basis(sub, lp, res)
        if cert is None and (res.n_rows_used < lp.n_rows or res.n_cols_used < lp.c.size):
            # Row/column generation stops at a tolerance; if its basis is not exactly
            # optimal for the full LP (a row or column within the tolerance), solve
            # the full LP and certify that basis.
            full = solve_obedience_lp(lp, lp_method="simplex", time_limit=time_limit)
            cert, failure_full = certify_basis(sub, lp, full)
            if cert is not None:
                res = full
            else:
                failure = f"{failure}; full LP: {failure_full}"
        if cert is None:
            cert, failure2 = certify_small_game_exactly(sub)
            if cert is None:
                failure = f"{failure}; {failure2}"
        if cert is not None:
            cert, _ = lift(cert)
            if cert is None:  # a dropped action was not exactly dominated: no reduction
                return solve_game(game, method="lp", exact=True, lp_method=lp_method,
                                  backend=backend, time_limit=time_limit, reduce=False)
        if cert is not None:
            joint = {a: list(x) for a, x in cert.joint}
            weights, posts, acts, vals = _signals_from_joint(game, joint, True)
            if len(acts) < len(cert.joint):  # else w·μ = x: the verified joint itself
                cert = _reduced_certificate(game, cert, weights, posts, acts)
            algo = res.algorithm + (" + exact basis" if cert.method == "basis"
                                    else " + exact simplex")
            if red is not None:
                algo += f" (on {keep.size} of {m} actions)"
            return _assemble(game, "lp", "highs", algo, t0, exact=True, value=cert.value,
                             weights=weights, posts=posts, acts=acts, vals=vals,
                             prices=cert.prices, certificate=cert)
    else:
        failure = cond
    joint = {int(keep[a]): res.joint[a] for a in range(keep.size)}
    weights, posts, acts, vals = _signals_from_joint(game, joint, False)
    pos = res.multiplier_values > 0
    pa, pb = lp.pair_at(res.multiplier_rows[pos])
    mult = tuple((int(keep[a]), int(keep[b]), sc.multiplier(lam))
                 for a, b, lam in zip(pa, pb, res.multiplier_values[pos], strict=True))
    algo = res.algorithm + (f" (on {keep.size} of {m} actions)" if red is not None else "")
    return _assemble(game, "lp", "highs", algo, t0, exact=False, value=sc.value(res.value),
                     weights=weights, posts=posts, acts=acts, vals=vals,
                     prices=sc.value(res.prices), failure=failure, multipliers=mult)


def _assemble_small(game, res: SmallResult, sc, keep: np.ndarray, reduced: bool, t0: float,
                    failure: str | None, u_n: np.ndarray, v_n: np.ndarray,
                    full_multipliers: tuple | None = None) -> SolverOutput:
    """The output of a fast path (:mod:`.small`), in the user's units and actions.

    ``full_multipliers``: multipliers already in the game's own actions (all of
    them, the dropped ones included), replacing those of the reduced game.
    """
    acts = keep[res.actions]
    w, posts = res.weights, res.posteriors
    vals = (game.sender_utility[acts] * posts).sum(axis=1)
    if w.size > 2 or (w.size == 2 and np.array_equal(posts[0], posts[1])):
        # Carathéodory: affinely independent posteriors (as _signals_from_joint;
        # two distinct posteriors are independent already)
        w, posts, idx = reduce_splitting(w, posts, vals)
        if idx.size < acts.size:  # else idx is 0..k-1: nothing was dropped
            acts, vals = acts[idx], vals[idx]
    m = game.n_actions
    if full_multipliers is not None:
        mult = tuple((a, b, sc.multiplier(lam)) for a, b, lam in full_multipliers)
    else:
        mult = tuple((int(keep[a]), int(keep[b]), sc.multiplier(lam))
                     for a, b, lam in res.multipliers)
    algo = res.algorithm + " (small-game path)"
    if reduced:
        algo += f" (on {keep.size} of {m} actions)"
    return _assemble(game, "lp", "highs", algo, t0, exact=False, value=sc.value(res.value),
                     weights=w, posts=posts, acts=acts.tolist(), vals=vals.tolist(),
                     prices=sc.value(res.prices), failure=failure, multipliers=mult,
                     disclosure=_disclosure_values(game, u_n, v_n))


_CORNERS: dict[int, np.ndarray] = {}


def _corners(n: int) -> np.ndarray:
    """A zero row over the ``n x n`` identity, built once per ``n`` (copied by the caller)."""
    hit = _CORNERS.get(n)
    if hit is None:
        hit = np.vstack((np.zeros((1, n)), np.eye(n)))
        hit.setflags(write=False)
        if n <= 64:
            _CORNERS[n] = hit
    return hit


def _disclosure_values(game, u_n: np.ndarray, v_n: np.ndarray) -> tuple[float, float]:
    """``(no_disclosure_value(), full_disclosure_value())`` of a float game, at once.

    One best-response pass over the prior and the simplex corners on the
    normalised utilities (the same tolerances as
    :func:`~bayespersuade.solvers.best_response.best_response`, which normalises
    the same way), then the game's own sender utilities, summed as
    :func:`~bayespersuade.solvers.best_response.sender_value` and
    :func:`~bayespersuade.solvers.best_response.full_disclosure_value` sum them.
    """
    n = game.n_states
    prior, v = game.prior, game.sender_utility
    beliefs = _corners(n).copy()
    beliefs[0] = prior
    a = best_response_normalised(u_n, v_n, beliefs)
    nd = float(np.einsum("...i,...i->...", v[a[0]], prior))
    # v̂ at the corner δ_ω is v(a_ω, ω) (what sender_value's sum gives, exactly)
    return nd, float(np.dot(prior, v[a[1:], np.arange(n)]))


def _user_envelope(env: Envelope, sc, keep: np.ndarray) -> Envelope:
    """An envelope of the normalised/reduced game in the user's units and actions."""
    from dataclasses import replace

    conv = (lambda y: y) if sc is None else (lambda y: float(sc.value(float(y))))
    return replace(
        env,
        values=tuple(conv(y) for y in env.values),
        candidate_values=tuple(conv(y) for y in env.candidate_values),
        candidate_actions=tuple(int(keep[a]) for a in env.candidate_actions),
        interval_actions=tuple(int(keep[a]) for a in env.interval_actions),
    )
