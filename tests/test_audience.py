"""An audience of receivers: private vs public signals and the value of targeting."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import pytest
from hypothesis import given, settings

from bayespersuade import PersuasionGame
from bayespersuade.examples import prosecutor
from bayespersuade.exceptions import InvalidGameError, InvalidParameterError
from bayespersuade.solvers.audience import MAX_PUBLIC_PROFILES, Audience
from bayespersuade.solvers.dispatch import solve_game
from bayespersuade.testing import audiences, games

SETTINGS = settings(max_examples=50, deadline=None, database=None)


def check_public_scheme(aud: Audience, sol) -> None:
    """The returned public signals are Bayes plausible, obeyed, and worth the value."""
    total_p = sum(s.probability for s in sol.signals)
    assert total_p == 1
    mean = [sum(s.probability * s.posterior[w] for s in sol.signals)
            for w in range(aud.n_states)]
    assert mean == list(aud.receivers[0].exact_data()[0])
    assert sum(s.probability * s.sender_value for s in sol.signals) == sol.value
    for s in sol.signals:
        # each receiver's action is a best response to its *own* Bayes posterior
        for k, a in enumerate(s.actions):
            g = aud.receivers[k]
            _, _, u = g.exact_data()
            post = aud.receiver_posterior(k, list(s.posterior))
            eu = [sum((u[b][w] * post[w] for w in range(g.n_states)), F(0))
                  for b in range(g.n_actions)]
            assert eu[a] == max(eu)


# ------------------------------------------------------------ known answers
def two_judges() -> Audience:
    g = prosecutor()
    return Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])


def test_two_judges_by_hand():
    # Sender space: judge 1 convicts iff P(g) >= 1/2; judge 2's posterior
    # reweights by r = (9/7, 1/3), so it convicts iff P(g) >= 27/34.  V̂ = 0, 1, 2
    # on [0, 1/2), [1/2, 27/34), [27/34, 1]; the hull from (0, 0) to (27/34, 2)
    # gives 3/10 * 68/27 = 34/45 at the prior 3/10.  Privately: 3/5 + 17/45.
    aud = two_judges()
    for method in ("envelope", "vertices", "lp"):
        pub = aud.public(exact=True, method=method)
        assert pub.exact and pub.value == F(34, 45), method
        check_public_scheme(aud, pub)
    priv = aud.private(exact=True)
    assert priv.value == F(44, 45)
    assert priv.receiver_values == (F(3, 5), F(17, 45))
    t = aud.value_of_targeting(exact=True)
    assert t.value == F(2, 9)
    assert t.to_dict() == {"public": "34/45", "private": "44/45",
                           "value_of_targeting": "2/9", "no_disclosure": "0",
                           "exact": True, "public_method": "envelope"}


def test_weights_scale_each_receiver():
    g = prosecutor()
    aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])], weights=[2, 0])
    assert aud.private(exact=True).value == F(6, 5)
    assert aud.public(exact=True).value == F(6, 5)


# ------------------------------------------------------------ properties
@SETTINGS
@given(audiences(max_receivers=3, max_states=3, max_actions=3, weighted=True))
def test_public_methods_agree_exactly(aud):
    methods = ["vertices", "lp"] + (["envelope"] if aud.n_states == 2 else [])
    sols = {m: aud.public(exact=True, method=m) for m in methods}
    values = {m: s.value for m, s in sols.items()}
    assert all(s.exact for s in sols.values())
    assert len(set(values.values())) == 1, values
    for s in sols.values():
        check_public_scheme(aud, s)
        assert s.value >= aud.no_disclosure_value(exact=True)
        assert s.value >= aud.full_disclosure_value(exact=True)


@SETTINGS
@given(audiences(max_receivers=3, max_states=3, max_actions=3, weighted=True))
def test_targeting_is_worth_at_least_zero(aud):
    t = aud.value_of_targeting(exact=True)
    assert t.value == t.private.value - t.public.value
    assert t.value >= 0


@SETTINGS
@given(audiences(max_receivers=3, max_states=3, max_actions=3))
def test_private_decomposes_and_matches_the_sender_space(aud):
    # Receiver space (each game's own solve, heterogeneous view) against the
    # sender's space (utilities reweighted by μR/μS): the two sides of Alonso &
    # Câmara's change of measure must give the same values, exactly.
    priv = aud.private(exact=True)
    for k in range(aud.n_receivers):
        mine = solve_game(aud.sender_space_game(k, exact=True), exact=True).value
        assert mine == priv.receiver_values[k]
    assert aud.private(exact=True, method="concavification").value == priv.value


@SETTINGS
@given(games(max_states=3, max_actions=4))
def test_one_receiver_is_todays_game(game):
    aud = Audience([game])
    today = game.solve(exact=True).value
    assert aud.private(exact=True).value == today
    assert aud.public(exact=True).value == today
    assert aud.public(exact=True, method="lp").value == today
    assert aud.value_of_targeting(exact=True).value == 0


@SETTINGS
@given(games(max_states=3, max_actions=3))
def test_identical_receivers_gain_nothing_from_targeting(game):
    aud = Audience([game, game, game])
    assert aud.value_of_targeting(exact=True).value == 0
    assert aud.public(exact=True).value == 3 * game.solve(exact=True).value


def brute_force_public_two_states(aud: Audience, grid: int) -> F:
    """Best splitting of the prior into two posteriors on a grid (a lower bound)."""
    mu = aud.receivers[0].exact_data()[0][1]
    pts = [F(i, grid) for i in range(grid + 1)]
    best = aud.sender_value([1 - mu, mu], exact=True)
    for lo, hi in itertools.product(pts, pts):
        if lo <= mu <= hi and lo < hi:
            lam = (hi - mu) / (hi - lo)
            val = lam * aud.sender_value([1 - lo, lo], exact=True) + \
                (1 - lam) * aud.sender_value([1 - hi, hi], exact=True)
            best = max(best, val)
    return best


@settings(max_examples=30, deadline=None, database=None)
@given(audiences(max_receivers=3, min_states=2, max_states=2, max_actions=3))
def test_envelope_beats_every_grid_splitting(aud):
    assert aud.public(exact=True).value >= brute_force_public_two_states(aud, 12)


@settings(max_examples=25, deadline=None, database=None)
@given(audiences(max_receivers=2, max_states=3, max_actions=3))
def test_float_public_matches_exact(aud):
    ex = aud.public(exact=True).value
    for method in ("vertices", "lp"):
        fl = aud.public(method=method)
        assert not fl.exact
        assert abs(fl.value - float(ex)) <= 1e-7 * max(1.0, abs(float(ex)))


# ------------------------------------------------------------ bad input
def test_audience_errors():
    g = prosecutor()
    with pytest.raises(InvalidGameError, match="at least one receiver"):
        Audience([])
    other = g.with_prior([F(1, 2), F(1, 2)])
    with pytest.raises(InvalidGameError, match="receiver 1's game has sender prior"):
        Audience([g, other])
    three = PersuasionGame([F(1, 3)] * 3, [[0, 0, 0]], [[0, 0, 0]])
    with pytest.raises(InvalidGameError, match="receiver 1's game has 3 states"):
        Audience([g, three])
    with pytest.raises(InvalidGameError, match=r"weights\[1\] is -1"):
        Audience([g, g], weights=[1, -1])
    with pytest.raises(InvalidGameError, match="1 weights for 2 receivers"):
        Audience([g, g], weights=[1])
    with pytest.raises(InvalidGameError, match="not a game"):
        Audience([g, "judge"])
    with pytest.raises(InvalidParameterError, match="method must be"):
        Audience([g]).public(method="magic")
    with pytest.raises(InvalidParameterError, match="needs two states"):
        Audience([three]).public(method="envelope")
    with pytest.raises(InvalidGameError, match="exact=True needs rational"):
        Audience([g.with_receiver_prior([0.9, 0.1])]).public(exact=True)


def test_receiver_belief_in_a_state_the_sender_rules_out_is_refused_for_public():
    g = PersuasionGame([1, 0], [[0, 0], [1, 1]], [[1, 0], [0, 1]],
                       receiver_prior=[F(1, 2), F(1, 2)])
    aud = Audience([g])
    assert aud.private(exact=True).value == 1
    with pytest.raises(InvalidGameError, match="which the sender's prior rules out"):
        aud.public(exact=True)


def test_profile_lp_refuses_large_audiences():
    g = PersuasionGame([F(1, 2), F(1, 2)], [[i, i] for i in range(7)],
                       [[-(i - 1) ** 2, -(i - 7) ** 2] for i in range(1, 8)])
    aud = Audience([g] * 3)  # 7^3 = 343 profiles
    assert MAX_PUBLIC_PROFILES < 7 ** 3
    with pytest.raises(InvalidParameterError, match="343 profiles"):
        aud.public(method="lp")
    assert aud.public(exact=True).exact  # the envelope handles it


def test_weights_of_any_exact_kind_and_floats():
    g = prosecutor()
    assert Audience([g, g], weights=["1/2", F(1, 2)]).public(exact=True).value == F(3, 5)
    fl = Audience([g, g], weights=[0.5, 0.5])
    assert not fl.is_rational and abs(fl.public().value - 0.6) < 1e-9
    with pytest.raises(InvalidGameError, match=r"weights\[0\] is the string 'x'"):
        Audience([g], weights=["x"])
    with pytest.raises(InvalidGameError, match=r"weights\[0\] is a boolean"):
        Audience([g], weights=[True])


def test_vertex_method_refuses_above_its_cap():
    # 8 receivers x 7 actions x 4 states: up to 8 * 21 indifference hyperplanes and 4
    # facets; even 130 of them give C(130, 3) = 357,760 > MAX_VERTEX_SUBSETS subsets of
    # n - 1 = 3.  The error comes before any enumeration and reports the count.
    from bayespersuade.solvers.audience import MAX_VERTEX_SUBSETS

    receivers = []
    for k in range(8):
        u = [[(a + 1) * (w + 1 + k) % 11 - a * a + 3 * w * k for w in range(4)]
             for a in range(7)]
        receivers.append(PersuasionGame([F(1, 4)] * 4, [[a] * 4 for a in range(7)], u))
    aud = Audience(receivers)
    with pytest.raises(InvalidParameterError, match="MAX_VERTEX_SUBSETS") as info:
        aud.public(exact=True, method="vertices")
    n = int(str(info.value).split(" subsets")[0].rsplit(" ", 1)[1])
    assert n > MAX_VERTEX_SUBSETS
