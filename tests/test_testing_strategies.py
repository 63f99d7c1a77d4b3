"""Tests for the Hypothesis strategies shipped in bayespersuade.testing."""

from __future__ import annotations

import importlib
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, NoSuchExample

from bayespersuade import InvalidGameError, MissingDependencyError, PersuasionGame
from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.testing import (
    DEGENERACIES,
    StrategyArgumentError,
    beliefs,
    degenerate_games,
    games,
    priors,
    schemes,
    two_state_games,
)

FAST = settings(max_examples=40, deadline=None, database=None)
# find() an example without shrinking it (reachability checks)
FIND = settings(max_examples=500, deadline=None, database=None,
                phases=[Phase.generate])
SHRINK = settings(max_examples=500, deadline=None, database=None)


def dot(p, row) -> Fraction:
    return sum((Fraction(a) * Fraction(b) for a, b in zip(p, row)), Fraction(0))


def check_exact_simplex(p, n, max_den, allow_zeros=True):
    assert len(p) == n
    assert all(type(x) is Fraction for x in p)
    assert sum(p) == 1
    assert all(0 <= x <= 1 for x in p)
    assert all(x.denominator <= max_den for x in p)
    if not allow_zeros:
        assert all(x > 0 for x in p)


def check_float_simplex(p, n, max_den):
    assert len(p) == n
    assert all(type(x) is float for x in p)
    assert abs(sum(p) - 1.0) <= 1e-12
    assert all(0.0 <= x <= 1.0 for x in p)
    # each entry is the correctly rounded value of a fraction with denominator <= max_den
    assert all(float(Fraction(x).limit_denominator(max_den)) == x for x in p)


def check_game_bounds(game, *, n_states, n_actions, lo, hi):
    assert n_states[0] <= game.n_states <= n_states[1]
    assert n_actions[0] <= game.n_actions <= n_actions[1]
    assert game.sender_utility.shape == game.receiver_utility.shape
    for arr in (game.sender_utility, game.receiver_utility):
        assert arr.min() >= lo
        assert arr.max() <= hi


# ------------------------------------------------------------------- priors
@pytest.mark.parametrize("max_den", [1, 2, 7, 24])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_rational_priors(n, max_den):
    @FAST
    @given(priors(n, max_denominator=max_den))
    def check(p):
        check_exact_simplex(p, n, max_den)

    check()


@pytest.mark.parametrize("n", [1, 3, 4])
def test_rational_priors_without_zeros(n):
    @FAST
    @given(priors(n, allow_zeros=False, max_denominator=6))
    def check(p):
        check_exact_simplex(p, n, 6, allow_zeros=False)

    check()


@pytest.mark.parametrize("n", [1, 2, 6])
def test_float_priors(n):
    @FAST
    @given(priors(n, rational=False))
    def check(p):
        check_float_simplex(p, n, 10**6)

    check()


def test_float_priors_respect_max_denominator_and_no_zeros():
    @FAST
    @given(priors(3, rational=False, max_denominator=10, allow_zeros=False))
    def check(p):
        check_float_simplex(p, 3, 10)
        assert min(p) > 0

    check()


def test_default_prior_denominator_is_24():
    @FAST
    @given(priors(3))
    def check(p):
        check_exact_simplex(p, 3, 24)

    check()


def test_priors_reach_boundary_interior_and_largest_denominator():
    assert 0 in find(priors(3), lambda p: 0 in p, settings=FIND)
    interior = find(priors(3), lambda p: min(p) > 0, settings=FIND)
    assert min(interior) > 0
    big = find(priors(2, max_denominator=12),
               lambda p: max(x.denominator for x in p) == 12, settings=FIND)
    assert max(x.denominator for x in big) == 12
    with pytest.raises(NoSuchExample):
        find(priors(3, allow_zeros=False), lambda p: 0 in p, settings=FIND)


def test_priors_shrink_to_simple_points():
    assert find(priors(3), lambda p: True, settings=SHRINK) == [0, 0, 1]
    assert find(priors(3, allow_zeros=False), lambda p: True, settings=SHRINK) == [
        Fraction(1, 3)] * 3


@pytest.mark.parametrize(("call", "text"), [
    (lambda: priors(0), "n_states must be at least 1"),
    (lambda: priors(2.0), "n_states must be an integer"),
    (lambda: priors(True), "n_states must be an integer"),
    (lambda: priors(2, max_denominator=0), "max_denominator must be at least 1"),
    (lambda: priors(3, allow_zeros=False, max_denominator=2), "max_denominator >= 3"),
    (lambda: priors(2, rational="yes"), "rational must be True or False"),
])
def test_priors_bad_arguments(call, text):
    with pytest.raises(StrategyArgumentError, match=text):
        call()


# ------------------------------------------------------------------ beliefs
def test_beliefs_rational_and_float():
    @FAST
    @given(beliefs(4), beliefs(4, rational=False), beliefs(2, allow_zeros=False))
    def check(b, bf, interior):
        check_exact_simplex(b, 4, 24)
        check_float_simplex(bf, 4, 10**6)
        check_exact_simplex(interior, 2, 24, allow_zeros=False)

    check()


def test_beliefs_reach_vertices():
    vertex = find(beliefs(3), lambda b: max(b) == 1, settings=FIND)
    assert sorted(vertex) == [0, 0, 1]


# ------------------------------------------------------------------ schemes
@pytest.mark.parametrize(("n_states", "n_signals"), [(1, 1), (2, 3), (4, 2)])
def test_schemes_are_row_stochastic(n_states, n_signals):
    @FAST
    @given(schemes(n_states, n_signals), schemes(n_states, n_signals, rational=False))
    def check(pi, pi_f):
        assert len(pi) == n_states
        for row in pi:
            check_exact_simplex(row, n_signals, 24)
        assert len(pi_f) == n_states
        for row in pi_f:
            check_float_simplex(row, n_signals, 10**6)

    check()


def test_argument_errors_are_both_library_and_hypothesis_errors():
    with pytest.raises(InvalidParameterError, match="max_states=1"):
        games(min_states=2, max_states=1)
    with pytest.raises(InvalidArgument, match="max_states=1"):
        games(min_states=2, max_states=1)


def test_schemes_bad_arguments():
    with pytest.raises(StrategyArgumentError, match="n_signals must be at least 1"):
        schemes(2, 0)
    with pytest.raises(StrategyArgumentError, match="n_states must be at least 1"):
        schemes(0, 2)


# -------------------------------------------------------------------- games
def test_default_games_are_rational_with_integer_utilities():
    @FAST
    @given(games())
    def check(game):
        check_game_bounds(game, n_states=(2, 4), n_actions=(1, 5), lo=-5, hi=5)
        assert game.is_rational
        prior, v, u = game.exact_data()
        assert sum(prior) == 1
        check_exact_simplex(list(prior), game.n_states, 24)
        assert all(x.denominator == 1 for x in [*v.ravel(), *u.ravel()])
        assert game.states == tuple(f"s{i}" for i in range(game.n_states))

    check()


def test_games_with_custom_bounds():
    @FAST
    @given(games(min_states=3, max_states=5, min_actions=2, max_actions=3,
                 min_utility=0, max_utility=2, utility_denominator=3))
    def check(game):
        check_game_bounds(game, n_states=(3, 5), n_actions=(2, 3), lo=0, hi=2)
        _, v, u = game.exact_data()
        assert all(3 % x.denominator == 0 for x in [*v.ravel(), *u.ravel()])

    check()


def test_float_games():
    @FAST
    @given(games(rational=False, max_states=3))
    def check(game):
        assert not game.is_rational
        check_game_bounds(game, n_states=(2, 3), n_actions=(1, 5), lo=-5, hi=5)
        check_float_simplex(game.prior.tolist(), game.n_states, 10**6)
        for arr in (game.sender_utility, game.receiver_utility):
            k = arr * 1000
            assert np.allclose(k, np.round(k), atol=1e-9)

    check()


def test_games_reach_fractional_floats_and_corners():
    g = find(games(rational=False), lambda g: 0 < abs(g.sender_utility[0, 0]) < 1,
             settings=FIND)
    assert 0 < abs(g.sender_utility[0, 0]) < 1
    g = find(games(), lambda g: g.n_actions == 5 and g.n_states == 4, settings=FIND)
    assert (g.n_actions, g.n_states) == (5, 4)


def test_games_with_labels_have_distinct_int_or_str_labels():
    @FAST
    @given(games(labels=True))
    def check(game):
        for labs, n in ((game.states, game.n_states), (game.actions, game.n_actions)):
            assert len(labs) == n
            assert len(set(labs)) == n
            assert all(isinstance(x, str | int) and not isinstance(x, bool) for x in labs)

    check()


def test_games_with_fixed_prior():
    prior = [Fraction(1, 3), Fraction(2, 3), 0]

    @FAST
    @given(games(prior=prior))
    def check(game):
        assert game.n_states == 3
        assert list(game.exact_data()[0]) == prior

    check()

    @FAST
    @given(games(prior=[0.25, 0.75], rational=False))
    def check_float(game):
        assert not game.is_rational
        assert game.prior.tolist() == [0.25, 0.75]

    check_float()


def test_games_with_prior_strategy():
    @FAST
    @given(games(prior=priors(5, allow_zeros=False)))
    def check(game):
        assert game.n_states == 5
        assert min(game.exact_data()[0]) > 0

    check()


def test_games_prior_strategy_outside_state_bounds_is_reported():
    @FAST
    @given(games(prior=priors(5), max_states=4))
    def check(game):
        raise AssertionError("unreachable")  # pragma: no cover

    with pytest.raises(StrategyArgumentError, match="drew 5 states, outside"):
        check()


@pytest.mark.parametrize(("kwargs", "exc", "text"), [
    ({"min_states": 5, "max_states": 3}, StrategyArgumentError, "min_states=5 is greater"),
    ({"min_actions": 0}, StrategyArgumentError, "min_actions must be at least 1"),
    ({"min_utility": 1, "max_utility": 0}, StrategyArgumentError, "min_utility=1 is greater"),
    ({"max_utility": 2.5}, StrategyArgumentError, "max_utility must be an integer"),
    ({"prior": [Fraction(1, 2)] * 2, "max_states": 3}, StrategyArgumentError,
     "cannot be combined with a fixed prior"),
    ({"prior": [0.5, 0.5]}, StrategyArgumentError, "rational=True needs an exact prior"),
    ({"prior": [1, 1]}, InvalidGameError, "prior sums to 2, not 1"),
    ({"utility_denominator": 0}, StrategyArgumentError, "utility_denominator must be at least 1"),
    ({"labels": 1}, StrategyArgumentError, "labels must be True or False"),
    ({"allow_zero_prior": False, "max_denominator": 3}, StrategyArgumentError,
     "allow_zero_prior=False, 4 positive probabilities need max_denominator >= 4"),
])
def test_games_bad_arguments(kwargs, exc, text):
    with pytest.raises(exc, match=text):
        games(**kwargs)


def test_two_state_games():
    @FAST
    @given(two_state_games(), two_state_games(rational=False, min_actions=3))
    def check(game, game_f):
        check_game_bounds(game, n_states=(2, 2), n_actions=(1, 7), lo=-5, hi=5)
        assert game.is_rational
        check_game_bounds(game_f, n_states=(2, 2), n_actions=(3, 7), lo=-5, hi=5)
        assert not game_f.is_rational

    check()
    with pytest.raises(StrategyArgumentError, match="prior with 2 entries"):
        two_state_games(prior=[1, 0, 0])


# ------------------------------------------------------------ true theorems
def test_aligned_sender_weakly_prefers_full_disclosure():
    """v = u: v̂(μ) = max_a E_μ u(a) is convex, so full >= no disclosure (exact)."""

    @FAST
    @given(games())
    def check(game):
        prior, _, u = game.exact_data()
        aligned = PersuasionGame(prior, u, u)
        assert aligned.full_disclosure_value(exact=True) >= aligned.no_disclosure_value(
            exact=True)

    check()


def test_sender_values_lie_between_sender_payoffs():
    @FAST
    @given(games(rational=False), st.data())
    def check(game, data):
        mu = data.draw(beliefs(game.n_states, rational=False))
        val = game.sender_value(mu)
        assert game.sender_utility.min() - 1e-9 <= val <= game.sender_utility.max() + 1e-9

    check()


def test_sender_tie_break_is_never_worse_for_the_sender():
    @FAST
    @given(games(max_states=3))
    def check(game):
        for fn in (game.no_disclosure_value, game.full_disclosure_value):
            assert fn(exact=True, tie_break="sender") >= fn(exact=True, tie_break="receiver")

    check()


# ---------------------------------------------------------- degenerate games
def kind_games(kind, **kwargs):
    return degenerate_games(kinds=[kind], **kwargs)


def test_every_degeneracy_is_drawn_by_default():
    for kind in DEGENERACIES:
        g = find(degenerate_games(), lambda g, k=kind: g.metadata["degeneracy"] == k,
                 settings=FIND)
        assert g.metadata["degeneracy"] == kind


@pytest.mark.parametrize("rational", [True, False])
def test_degenerate_games_are_valid_and_bounded(rational):
    @FAST
    @given(degenerate_games(rational=rational, min_utility=-2, max_utility=3))
    def check(game):
        assert game.metadata["degeneracy"] in DEGENERACIES
        n_actions = (1, 1) if game.metadata["degeneracy"] == "single_action" else (2, 5)
        check_game_bounds(game, n_states=(2, 4), n_actions=n_actions, lo=-2, hi=3)
        assert game.is_rational is rational
        if not rational:
            check_float_simplex(game.prior.tolist(), game.n_states, 10**9)

    check()


def test_duplicate_action():
    @FAST
    @given(kind_games("duplicate_action"), st.data())
    def check(game, data):
        _, v, u = game.exact_data()
        i, j = game.metadata["actions"]
        assert i != j
        assert list(u[i]) == list(u[j])
        assert list(v[i]) != list(v[j])
        # the receiver is indifferent between i and j, so the sender's favourite is played
        mu = data.draw(beliefs(game.n_states))
        a = game.best_response(mu)
        if a in (i, j):
            other = j if a == i else i
            assert dot(mu, v[a]) >= dot(mu, v[other])

    check()


def test_dominated_action_is_never_played_at_interior_beliefs():
    @FAST
    @given(kind_games("dominated_action"), st.data())
    def check(game, data):
        _, _, u = game.exact_data()
        j, i = game.metadata["action"], game.metadata["dominated_by"]
        assert all(u[j] <= u[i])
        assert any(u[j] < u[i])
        if game.metadata["strict"]:
            assert all(u[j] < u[i])
        mu = data.draw(beliefs(game.n_states, allow_zeros=False))
        assert game.best_response(mu) != j
        assert game.best_response(mu, tie_break="receiver") != j

    check()


def test_strictly_dominated_action_is_never_played():
    @FAST
    @given(kind_games("dominated_action"), st.data())
    def check(game, data):
        if game.metadata["strict"]:
            mu = data.draw(beliefs(game.n_states))
            assert game.best_response(mu) != game.metadata["action"]
            for w in range(game.n_states):
                vertex = [int(k == w) for k in range(game.n_states)]
                assert game.best_response(vertex) != game.metadata["action"]

    check()
    strict = find(kind_games("dominated_action"), lambda g: g.metadata["strict"],
                  settings=FIND)
    assert strict.metadata["strict"]


def test_face_tie():
    @FAST
    @given(kind_games("face_tie"), st.data())
    def check(game, data):
        _, v, u = game.exact_data()
        i, j = game.metadata["actions"]
        face = game.metadata["states"]
        assert 0 < len(face) < game.n_states
        assert any(u[i][w] != u[j][w] for w in range(game.n_states) if w not in face)
        assert any(v[i][w] != v[j][w] for w in face)
        # a belief on the face: both actions are receiver-optimal there
        on_face = data.draw(beliefs(len(face)))
        mu = [Fraction(0)] * game.n_states
        for w, x in zip(face, on_face):
            mu[w] = x
        best = max(dot(mu, row) for row in u)
        assert dot(mu, u[i]) == dot(mu, u[j]) == best
        hi_val = game.sender_value(mu, tie_break="sender")
        lo_val = game.sender_value(mu, tie_break="receiver")
        assert lo_val <= min(dot(mu, v[i]), dot(mu, v[j]))
        assert hi_val >= max(dot(mu, v[i]), dot(mu, v[j]))

    check()


def test_prior_tie_makes_tie_breaking_matter():
    @FAST
    @given(kind_games("prior_tie"))
    def check(game):
        prior, v, u = game.exact_data()
        i, j = game.metadata["actions"]
        best = max(dot(prior, row) for row in u)
        assert dot(prior, u[i]) == dot(prior, u[j]) == best
        assert dot(prior, v[i]) != dot(prior, v[j])
        assert game.no_disclosure_value(exact=True, tie_break="sender") > \
            game.no_disclosure_value(exact=True, tie_break="receiver")

    check()


def test_constant_receiver():
    @FAST
    @given(kind_games("constant_receiver"))
    def check(game):
        prior, v, u = game.exact_data()
        assert all(list(row) == list(u[0]) for row in u)
        # the receiver is indifferent, so it plays the sender's favourite action
        assert game.no_disclosure_value(exact=True) == max(dot(prior, row) for row in v)
        assert game.full_disclosure_value(exact=True) >= game.no_disclosure_value(exact=True)

    check()


def test_boundary_prior():
    @FAST
    @given(kind_games("boundary_prior"))
    def check(game):
        prior = game.exact_data()[0]
        zeros = game.metadata["zero_states"]
        assert 0 < len(zeros) < game.n_states
        assert all(prior[w] == 0 for w in zeros)
        assert sum(prior) == 1

    check()


def test_single_action_reveals_nothing_of_value():
    @FAST
    @given(kind_games("single_action"))
    def check(game):
        assert game.n_actions == 1
        assert game.full_disclosure_value(exact=True) == game.no_disclosure_value(exact=True)

    check()


def test_indifferent_sender_state():
    @FAST
    @given(kind_games("indifferent_sender_state"))
    def check(game):
        _, v, _ = game.exact_data()
        w, c = game.metadata["state"], game.metadata["value"]
        assert all(row[w] == c for row in v)

    check()


def test_duplicate_state():
    @FAST
    @given(kind_games("duplicate_state"))
    def check(game):
        _, v, u = game.exact_data()
        s, t = game.metadata["states"]
        assert s != t
        assert list(u[:, s]) == list(u[:, t])
        assert list(v[:, s]) == list(v[:, t])

    check()


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"kinds": ["nope"]}, "unknown degeneracy 'nope'"),
    ({"kinds": []}, "at least one degeneracy"),
    ({"kinds": "face_tie"}, "sequence of kind names"),
    ({"min_states": 1}, "min_states must be at least 2"),
    ({"min_actions": 1}, "min_actions must be at least 2"),
    ({"min_utility": 3, "max_utility": 3}, "min_utility < max_utility"),
])
def test_degenerate_games_bad_arguments(kwargs, text):
    with pytest.raises(StrategyArgumentError, match=text):
        degenerate_games(**kwargs)


# ----------------------------------------------------------- reproducibility
def test_strategies_are_deterministic_under_hypothesis_seeding():
    def collect():
        seen = []

        @settings(max_examples=40, derandomize=True, database=None, deadline=None)
        @given(games(labels=True), degenerate_games(), schemes(2, 3, rational=False))
        def record(game, dgame, pi):
            seen.append((game.to_dict(), dgame.to_dict(), pi))

        record()
        return seen

    first, second = collect(), collect()
    assert len(first) > 10
    assert first == second


def test_missing_hypothesis_raises_missing_dependency(monkeypatch):
    for name in list(sys.modules):
        if name == "hypothesis" or name.startswith("hypothesis."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "bayespersuade.testing")
    with pytest.raises(MissingDependencyError, match=r"bayespersuade\[testing\]"):
        importlib.import_module("bayespersuade.testing")
    # sys.modules (and so the real module) is restored by monkeypatch afterwards


def test_strategies_compose_with_hypothesis():
    @FAST
    @given(st.data())
    def check(data):
        n = data.draw(st.integers(1, 4))
        p = data.draw(priors(n))
        game = data.draw(games(prior=p))
        assert game.n_states == n

    check()
