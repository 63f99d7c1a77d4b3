"""The fast exact path for two-state games against the general exact LP.

``game.solve(exact=True)`` on a rational two-state game takes the exact
envelope (:func:`~bayespersuade.solvers.concavification.two_state_envelope`,
integer/Fraction arithmetic on its few breakpoints) and its certificate
(one Farkas multiplier per action where one suffices) instead of the
obedience LP and an exact basis.  Each property here compares it with the
general exact path (``route_exact=False``: HiGHS, the exact basis, the exact
simplex fallback) in exact arithmetic, ``Fraction`` equality, on generated
games of every degenerate kind (ties, zero priors, one action, duplicate and
dominated actions).  Only the sender-preferred tie-break exists on either
path (``solve`` has no other), so there is no tie-break variant to compare;
the envelope's best responses are compared with
:func:`~bayespersuade.solvers.best_response.best_response_exact` under it.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bayespersuade.solvers.dispatch as dispatch
from bayespersuade import PersuasionGame
from bayespersuade.examples import likert_quadratic, prosecutor
from bayespersuade.llm import metrics
from bayespersuade.solvers import concavification as cav
from bayespersuade.solvers.certify import verify_certificate
from bayespersuade.solvers.evaluate import evaluate_splitting
from bayespersuade.testing import DEGENERACIES, beliefs, degenerate_games, two_state_games

PROPS = settings(max_examples=250, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])

TWO_STATE_KINDS = DEGENERACIES

rational_two_state = st.one_of(
    two_state_games(max_actions=9),
    two_state_games(max_actions=6, utility_denominator=7),
    two_state_games(max_actions=5, allow_zero_prior=True, max_denominator=3),
    degenerate_games(min_states=2, max_states=2, max_actions=6),
)


def _general(game):
    """The exact LP path, as before the routing."""
    return dispatch.solve_game(game, exact=True, route_exact=False)


@PROPS
@given(rational_two_state)
def test_the_fast_exact_path_equals_the_exact_lp(game):
    fast = game.solve(exact=True)
    lp = _general(game)
    assert fast.exact and lp.exact
    assert fast.algorithm == "exact two-state envelope (routed from the LP)"
    assert fast.method == "lp" and fast.certificate.method == "concavification"
    assert "envelope" not in lp.algorithm
    for a, b in ((fast.value, lp.value), (fast.gain, lp.gain),
                 (fast.no_disclosure_value, lp.no_disclosure_value),
                 (fast.full_disclosure_value, lp.full_disclosure_value)):
        assert type(a) is Fraction and type(b) is Fraction
        assert a == b
    assert verify_certificate(game, fast.certificate)
    assert fast.certificate.value == fast.value
    # the returned scheme is a Bayes-plausible splitting into best responses worth V
    ev = evaluate_splitting(game, [s.probability for s in fast.signals],
                            [list(s.posterior) for s in fast.signals])
    assert ev.bayes_plausibility_error == 0
    assert ev.value == fast.value
    assert [int(a) for a in ev.actions] == [s.action for s in fast.signals]


@PROPS
@given(st.sampled_from(TWO_STATE_KINDS).flatmap(
    lambda k: degenerate_games(kinds=[k], min_states=2, max_states=2, max_actions=6)))
def test_every_degenerate_kind_agrees_with_the_exact_lp(game):
    fast, lp = game.solve(exact=True), _general(game)
    assert fast.exact and lp.exact and fast.value == lp.value
    assert fast.certificate.method == "concavification"


@PROPS
@given(rational_two_state)
def test_the_envelope_best_responses_are_the_exact_best_responses(game):
    env = cav.two_state_envelope(game, exact=True)
    assert env.exact
    one = Fraction(1)
    for x, a, y in zip(env.candidates, env.candidate_actions, env.candidate_values,
                       strict=True):
        assert a == game.best_response([one - x, x], exact=True)
        assert y == game.sender_value([one - x, x], exact=True)
    for i, a in enumerate(env.interval_actions):
        mid = (env.candidates[i] + env.candidates[i + 1]) / 2
        assert a == game.best_response([one - mid, mid], exact=True)
    # the envelope is concave, above v̂ at every candidate, and equal to it at its vertices
    for x, y in zip(env.candidates, env.candidate_values, strict=True):
        assert env(x) >= y
    for x, y in zip(env.breakpoints, env.values, strict=True):
        assert y == game.sender_value([one - x, x], exact=True)
    slopes = [(env.values[i + 1] - env.values[i]) / (env.breakpoints[i + 1] - env.breakpoints[i])
              for i in range(len(env.breakpoints) - 1)]
    assert all(s > t for s, t in itertools.pairwise(slopes))


def _satisfies(u, v, prices, a, lam) -> bool:
    for w in range(2):
        rhs = v[a][w] + sum((x * (u[a][w] - u[b][w]) for _, b, x in lam), Fraction(0))
        if prices[w] < rhs:
            return False
    return all(x >= 0 for _, _, x in lam)


@PROPS
@given(rational_two_state, st.fractions(0, 3), st.fractions(0, 3), st.booleans())
def test_two_state_multipliers_exist_exactly_when_the_exact_lp_finds_them(game, e0, e1, lower):
    _, v, u = game.exact_data()
    res = game.solve(exact=True)
    p0, p1 = res.certificate.prices
    # prices on or above a supporting line: multipliers exist; below it they may not
    prices = (p0 - e0, p1 - e1) if lower else (p0 + e0, p1 + e1)
    for a in range(game.n_actions):
        fast = cav._two_state_farkas(u, v, prices, a)
        general = cav._farkas_multipliers(u, v, prices, a)
        assert (fast is None) == (general is None)
        if fast is not None:
            assert _satisfies(u, v, prices, a, fast)
            assert len(fast) <= 1 or fast == general


def test_an_uncertified_envelope_falls_back_to_the_exact_lp(monkeypatch):
    real = dispatch.concavify

    def uncertified(game, *, exact=False):
        res = real(game, exact=False)
        return res  # the same splitting, no certificate: exact is False

    monkeypatch.setattr(dispatch, "concavify", uncertified)
    sol = likert_quadratic("1/3").solve(exact=True)
    assert sol.exact and sol.algorithm.endswith("+ exact basis")
    assert sol.value == Fraction(3, 2) + 6 * Fraction(1, 3)
    assert verify_certificate(sol.game, sol.certificate)


def test_the_lp_is_taken_where_the_caller_asks_for_it():
    g = prosecutor()
    for kw in ({"lp_method": "simplex"}, {"lp_method": "ipm"}, {"time_limit": 10.0}):
        sol = g.solve(exact=True, **kw)
        assert sol.exact and "envelope" not in sol.algorithm, kw
        assert sol.value == Fraction(3, 5)
    assert g.solve(exact=True).algorithm == "exact two-state envelope (routed from the LP)"
    # float solves keep the float small-game path
    assert "small-game path" in g.solve().algorithm


def test_a_heterogeneous_two_state_game_is_routed_and_certified():
    g = prosecutor().with_receiver_prior([Fraction(1, 2), Fraction(1, 2)])
    fast, lp = g.solve(exact=True), _general(g)
    assert fast.exact and lp.exact and fast.value == lp.value
    assert fast.algorithm == "exact two-state envelope (routed from the LP)"


def test_a_reduced_two_state_game_is_routed_and_lifted():
    # 14 actions (the reduction applies from 12): duplicates and dominated rows
    u = [[0, 3], [3, 0], [2, 2], [2, 2], [1, 1], [0, 0]] + [[-k, -k] for k in range(1, 9)]
    v = [[1, 1], [0, 0], [2, 2], [3, 3], [5, 5], [4, 4]] + [[9, 9]] * 8
    g = PersuasionGame([Fraction(2, 5), Fraction(3, 5)], v, u)
    fast, lp = g.solve(exact=True), _general(g)
    assert fast.exact and lp.exact and fast.value == lp.value
    assert verify_certificate(g, fast.certificate)


# ------------------------------------------------------------ the metrics' helpers


@PROPS
@given(two_state_games(max_actions=7).flatmap(
    lambda g: st.tuples(st.just(g), st.lists(beliefs(2), min_size=1, max_size=5))))
def test_the_metrics_memoised_vhat_equals_sender_value(args):
    game, posts = args
    vhat = metrics._exact_vhat(game)
    for mu in [tuple(Fraction(x) for x in p) for p in posts] * 2:  # second pass: memo
        assert vhat(mu) == game.sender_value(list(mu), exact=True)
