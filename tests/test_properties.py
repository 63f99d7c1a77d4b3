"""Theory properties over generated games (hypothesis).

Two independent methods must agree (LP vs concavification, exactly; float vs
exact; HiGHS vs cvxpy; batch vs one solve per prior), and the theorems of
Bayesian persuasion must hold on every game drawn, degenerate ones included.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.solvers.best_response import best_response_exact
from bayespersuade.solvers.certify import verify_certificate
from bayespersuade.testing import (
    DEGENERACIES,
    degenerate_games,
    games,
    priors,
    two_state_games,
)

#: Core properties: 300 examples each in the normal run.
PROPS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)

#: Properties that re-solve several games per example.
HEAVY = settings(PROPS, max_examples=100)

rational_games = games(max_states=4, max_actions=5)
any_rational = st.one_of(rational_games, degenerate_games(max_states=4, max_actions=5),
                         two_state_games())


def _check_optimal_solution(game: PersuasionGame, sol) -> None:
    prior, _, u = game.exact_data()
    n = game.n_states
    assert sol.exact
    # Bayes plausibility, exactly
    for i in range(n):
        assert sum(s.probability * s.posterior[i] for s in sol.signals) == prior[i]
    assert sum(s.probability for s in sol.signals) == 1
    for s in sol.signals:
        assert s.probability > 0
        # the recommended action is a best response to its posterior
        U = [sum(u[a][i] * s.posterior[i] for i in range(n)) for a in range(game.n_actions)]
        assert U[s.action] == max(U)
        # and with ties to the sender, v̂ at the posterior is what the signal earns
        assert game.sender_value(list(s.posterior)) == s.sender_value
    assert sum(s.probability * s.sender_value for s in sol.signals) == sol.value
    # the signal count bound
    assert sol.n_signals <= min(game.n_actions, game.n_states)
    # the scheme is row-stochastic and induces the same value
    ev = game.evaluate_scheme(sol.scheme)
    assert ev.value == sol.value
    assert ev.bayes_plausibility_error == 0


@PROPS
@given(any_rational)
def test_lp_and_concavification_agree_exactly(game):
    lp = game.solve(method="lp", exact=True, lp_method="simplex")  # the LP itself, never routed
    cav = game.solve(method="concavification", exact=True)
    assert lp.exact, lp.exact_failure
    assert cav.exact, cav.exact_failure
    assert lp.value == cav.value
    assert bool(verify_certificate(game, lp.certificate))
    assert bool(verify_certificate(game, cav.certificate))
    _check_optimal_solution(game, lp)
    _check_optimal_solution(game, cav)


@pytest.mark.parametrize("kind", DEGENERACIES)
def test_lp_and_concavification_agree_on_every_degeneracy(kind):
    """Every kind of :func:`degenerate_games`, not only those a mixed draw reaches."""

    @settings(PROPS, max_examples=40)
    @given(degenerate_games(kinds=[kind], max_states=4, max_actions=5))
    def check(game):
        assert game.metadata["degeneracy"] == kind
        lp = game.solve(method="lp", exact=True, lp_method="simplex")  # the LP itself, never routed
        cav = game.solve(method="concavification", exact=True)
        assert lp.exact and cav.exact, (lp.exact_failure, cav.exact_failure)
        assert lp.value == cav.value
        _check_optimal_solution(game, lp)
        _check_optimal_solution(game, cav)

    check()


@PROPS
@given(any_rational)
def test_value_bounds(game):
    sol = game.solve(exact=True)
    nd = game.no_disclosure_value(exact=True)
    fd = game.full_disclosure_value(exact=True)
    assert sol.no_disclosure_value == nd
    assert sol.full_disclosure_value == fd
    assert nd <= sol.value
    assert fd <= sol.value
    assert sol.gain == sol.value - nd >= 0
    # the value is an average of sender payoffs
    assert game.sender_utility.min() <= sol.value <= game.sender_utility.max()
    # receiver-adversarial ties can only hurt the sender
    assert game.no_disclosure_value(exact=True, tie_break="receiver") <= nd


@PROPS
@given(any_rational)
def test_float_and_exact_agree(game):
    exact = game.solve(exact=True)
    for method in ("lp", "concavification"):
        flt = game.solve(method=method)
        assert not flt.exact
        assert isinstance(flt.value, float)
        assert abs(flt.value - float(exact.value)) <= 1e-8 * max(1.0, abs(float(exact.value)))
        assert flt.n_signals <= min(game.n_actions, game.n_states)
        post = np.array([s.posterior for s in flt.signals])
        w = np.array([s.probability for s in flt.signals])
        assert np.allclose(w @ post, game.prior, atol=1e-9)


@settings(PROPS, max_examples=60)
@given(games(max_states=3, max_actions=4))
def test_cvxpy_backend_agrees_with_highs(game):
    ours = game.solve()
    theirs = game.solve(backend="cvxpy")
    assert theirs.backend == "cvxpy"
    assert abs(ours.value - theirs.value) <= 1e-6 * max(1.0, abs(ours.value))


@HEAVY
@given(any_rational, st.data())
def test_invariance_under_relabelling(game, data):
    sperm = data.draw(st.permutations(range(game.n_states)))
    aperm = data.draw(st.permutations(range(game.n_actions)))
    permuted = game.permute(state_order=sperm, action_order=aperm)
    assert permuted.solve(exact=True).value == game.solve(exact=True).value
    assert permuted.no_disclosure_value(exact=True) == game.no_disclosure_value(exact=True)


@HEAVY
@given(any_rational, st.integers(1, 5), st.integers(-5, 5), st.data())
def test_invariance_under_positive_affine_receiver_utility(game, scale, shift, data):
    prior, v, u = game.exact_data()
    # u'(a, ω) = α u(a, ω) + β + c(ω): the receiver's choices are unchanged
    c = data.draw(st.lists(st.integers(-3, 3), min_size=game.n_states,
                           max_size=game.n_states))
    alpha = Fraction(scale, data.draw(st.integers(1, 4)))
    u2 = [[alpha * u[a][i] + shift + c[i] for i in range(game.n_states)]
          for a in range(game.n_actions)]
    other = PersuasionGame(list(prior), v, u2)
    assert other.solve(exact=True).value == game.solve(exact=True).value


@PROPS
@given(any_rational)
def test_certificate_rejects_tampering(game):
    sol = game.solve(exact=True)
    cert = sol.certificate
    assert bool(sol.verify())
    assert not verify_certificate(game, replace(cert, value=cert.value + Fraction(1, 97)))
    # lowering one price below the optimum breaks dual feasibility or the objective
    prices = list(cert.prices)
    i = int(np.argmax(game.prior))
    prices[i] -= 1
    check = verify_certificate(game, replace(cert, prices=tuple(prices)))
    assert not check
    assert not check.objectives_equal


@HEAVY
@given(two_state_games(), st.lists(priors(2), min_size=1, max_size=8))
def test_batch_agrees_with_single_solves_two_states(game, ps):
    P = np.array([[float(x) for x in p] for p in ps])
    batch = game.ceilings(P)
    for k, p in enumerate(ps):
        sol = game.with_prior(p).solve(exact=True)
        assert abs(batch.value[k] - float(sol.value)) <= 1e-9
        assert abs(batch.gain[k] - float(sol.gain)) <= 1e-9
        n = batch.n_signals[k]
        assert n <= min(game.n_actions, 2)
        w, post = batch.weights[k, :n], batch.posteriors[k, :n]
        assert np.allclose(w @ post, P[k], atol=1e-9)


@HEAVY
@given(games(min_states=3, max_states=4, max_actions=5), st.data())
def test_batch_agrees_with_single_solves_many_states(game, data):
    n = game.n_states
    # all-positive priors: the interior of the simplex, where the upper hull works
    ps = data.draw(st.lists(priors(n, allow_zeros=False), min_size=1, max_size=5))
    assert all(x > 0 for p in ps for x in p)
    P = np.array([[float(x) for x in p] for p in ps])
    batch = game.ceilings(P)
    for k, p in enumerate(ps):
        sol = game.with_prior(p).solve(exact=True)
        assert abs(batch.value[k] - float(sol.value)) <= 1e-8
        m = batch.n_signals[k]
        assert m <= min(game.n_actions, n)
        assert np.allclose(batch.weights[k, :m] @ batch.posteriors[k, :m], P[k], atol=1e-8)


@HEAVY
@given(st.one_of(two_state_games(), degenerate_games(max_states=2)), priors(2),
       st.fractions(0, 1))
def test_value_is_concave_in_the_prior_two_states(game, q, lam):
    assert game.n_states == 2  # every draw is used
    p = game.exact_data()[0]
    q = list(q)
    mix = [lam * p[i] + (1 - lam) * q[i] for i in range(2)]
    vp = game.solve(exact=True).value
    vq = game.with_prior(q).solve(exact=True).value
    assert game.with_prior(mix).solve(exact=True).value >= lam * vp + (1 - lam) * vq


@PROPS
@given(any_rational)
def test_disclosure_schemes_evaluate_to_their_values(game):
    n = game.n_states
    full = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    none = [[Fraction(1)] for _ in range(n)]
    assert game.evaluate_scheme(full).value == game.full_disclosure_value(exact=True)
    assert game.evaluate_scheme(none).value == game.no_disclosure_value(exact=True)


@PROPS
@given(degenerate_games())
def test_duplicate_and_tied_actions_go_to_the_sender(game):
    prior, v, u = game.exact_data()
    a = best_response_exact(u, v, prior)
    U = [sum(u[b][i] * prior[i] for i in range(game.n_states)) for b in range(game.n_actions)]
    tied = [b for b in range(game.n_actions) if U[b] == max(U)]
    Vs = {b: sum(v[b][i] * prior[i] for i in range(game.n_states)) for b in tied}
    assert a in tied
    assert Vs[a] == max(Vs.values())
    r = best_response_exact(u, v, prior, tie_break="receiver")
    assert Vs[r] == min(Vs.values())


@PROPS
@given(any_rational)
def test_float_dual_prices_certify_the_float_value(game):
    sol = game.solve()
    u, v = game.receiver_utility, game.sender_utility
    assert abs(float(game.prior @ sol.prices) - sol.value) <= 1e-7
    lam = np.zeros((game.n_actions, game.n_actions))
    for a, b, x in sol.multipliers:
        assert x > 0
        lam[a, b] = x
    # p(ω) >= v(a, ω) + Σ_b λ(a, b) (u(a, ω) − u(b, ω)) up to solver tolerance
    slack = sol.prices[None, :] - v - lam.sum(axis=1)[:, None] * u + lam @ u
    assert slack.min() >= -1e-6 * max(1.0, float(np.abs(u).max()) * max(1.0, lam.sum()))
