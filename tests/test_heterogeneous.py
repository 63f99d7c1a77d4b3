"""Heterogeneous priors (Alonso & Câmara 2016): exact answers, two methods, file format."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.examples import prosecutor
from bayespersuade.exceptions import GameFileError, InvalidGameError, InvalidParameterError
from bayespersuade.game import game_from_dict, loads_game
from bayespersuade.solvers.batch import batch_ceilings
from bayespersuade.solvers.certify import verify_certificate
from bayespersuade.solvers.heterogeneous import heterogeneous_ceilings
from bayespersuade.solvers.priors import CommonPriorView
from bayespersuade.testing import games, heterogeneous_games, priors

SETTINGS = settings(max_examples=60, deadline=None, database=None)


def sender_value_of_scheme(game: PersuasionGame, scheme, actions) -> F:
    """``Σ_ω μS(ω) Σ_s π(s|ω) v(a_s, ω)``, straight from the original data."""
    ps, v, _ = game.exact_data()
    return sum((ps[w] * scheme[w][k] * v[a][w] for w in range(game.n_states)
                for k, a in enumerate(actions)), F(0))


def receiver_obeys(game: PersuasionGame, scheme, actions) -> bool:
    """Each recommendation is a best response to the receiver's Bayes posterior under μR."""
    _, _, u = game.exact_data()
    pr = game.exact_receiver_prior()
    for k, a in enumerate(actions):
        joint = [pr[w] * scheme[w][k] for w in range(game.n_states)]
        if sum(joint) == 0:
            continue
        eu = [sum((u[b][w] * joint[w] for w in range(game.n_states)), F(0))
              for b in range(game.n_actions)]
        if eu[a] < max(eu):
            return False
    return True


# ------------------------------------------------------------ known answers
@pytest.mark.parametrize(("judge_guilty", "value"), [
    (F(1, 10), F(3, 10) + F(7, 10) * F(1, 9)),    # sceptical judge: q = (1/10)/(9/10)
    (F(3, 10), F(3, 5)),                          # the common prior: today's answer
    (F(1, 5), F(3, 10) + F(7, 10) * F(1, 4)),     # q = (1/5)/(4/5)
    (F(1, 2), F(1)),                              # a judge already at the threshold
    (F(9, 10), F(1)),
])
def test_prosecutor_with_a_judge_of_another_prior(judge_guilty, value):
    # By hand: the judge convicts iff its posterior P(guilty) >= 1/2.  Recommend
    # "convict" on every guilty case and on a share q of innocent cases, with the
    # judge's obedience (1 - g) q <= g, so q = min(1, g / (1 - g)); the prosecutor
    # values this with its own prior (7/10, 3/10): 3/10 + 7/10 q.
    game = prosecutor().with_receiver_prior([1 - judge_guilty, judge_guilty])
    for method in ("lp", "concavification"):
        sol = game.solve(method, exact=True)
        assert sol.exact and sol.value == value
        assert bool(sol.verify())
        assert sum(s.probability * s.sender_value for s in sol.signals) == value


def test_sceptical_judge_scheme_in_original_terms():
    game = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)])
    sol = game.solve(exact=True)
    assert sol.scheme.tolist() == [[F(8, 9), F(1, 9)], [F(0), F(1)]]
    # the sender's signal probabilities, the receiver's posteriors
    assert [s.probability for s in sol.signals] == [F(28, 45), F(17, 45)]
    assert [list(s.posterior) for s in sol.signals] == [[1, 0], [F(1, 2), F(1, 2)]]
    assert game.no_disclosure_value(exact=True) == 0
    assert game.full_disclosure_value(exact=True) == F(3, 10)
    assert "receiver prior            (9/10, 1/10)" in sol.summary()


def test_sceptical_judge_no_disclosure_uses_receivers_action_senders_prior():
    # Sender prior P(g) = 3/5 says convict is right; the judge (P(g) = 2/5) acquits.
    g = PersuasionGame([F(2, 5), F(3, 5)], [[1, 0], [0, 1]], [[1, 0], [0, 1]],
                       receiver_prior=[F(3, 5), F(2, 5)])
    # sender = receiver utility, evaluated under μS at the judge's action (acquit)
    assert g.no_disclosure_value(exact=True) == F(2, 5)
    assert g.full_disclosure_value(exact=True) == 1
    assert g.solve(exact=True).value == 1


# ------------------------------------------------------------ properties
@SETTINGS
@given(heterogeneous_games(max_states=3, max_actions=4))
def test_lp_and_concavification_agree_exactly(game):
    lp = game.solve("lp", exact=True)
    cav = game.solve("concavification", exact=True)
    assert lp.exact and cav.exact
    assert lp.value == cav.value
    for sol in (lp, cav):
        assert bool(verify_certificate(game, sol.certificate))
        # the value, recomputed from the original data with the returned scheme
        assert sender_value_of_scheme(game, sol.scheme, sol.actions) == sol.value
        assert receiver_obeys(game, sol.scheme, sol.actions)
        assert sum(s.probability * s.sender_value for s in sol.signals) == sol.value
        assert sol.gain == sol.value - game.no_disclosure_value(exact=True)
    assert lp.value >= game.no_disclosure_value(exact=True)
    assert lp.value >= game.full_disclosure_value(exact=True)


@SETTINGS
@given(games(max_states=4, max_actions=4))
def test_common_prior_view_with_equal_priors_is_todays_game(game):
    # Force the change of measure with μR = μS (no short cut): every answer must
    # be today's, exactly.
    class Same:
        def __init__(self, g):
            self._g = g

        def __getattr__(self, name):
            return getattr(self._g, name)

        receiver_prior = property(lambda self: self._g.prior)

        def exact_receiver_prior(self):
            return self._g.exact_data()[0]

    view = CommonPriorView(Same(game))
    assert game.with_receiver_prior(game.exact_data()[0]) == game
    assert game.with_receiver_prior(game.exact_data()[0]).has_common_prior
    ps = game.exact_data()[0]
    assert list(view.exact_data()[0]) == list(ps)
    v_view, v = view.exact_data()[1], game.exact_data()[1]
    for w in range(game.n_states):
        if ps[w] > 0:
            assert list(v_view[:, w]) == list(v[:, w])
    from bayespersuade.solvers.dispatch import solve_game

    ours, today = solve_game(view, exact=True), game.solve(exact=True)
    assert ours.value == today.value
    assert ours.no_disclosure_value == today.no_disclosure_value
    assert ours.full_disclosure_value == today.full_disclosure_value


@SETTINGS
@given(heterogeneous_games(max_states=2, min_states=2, max_actions=5))
def test_two_state_envelope_at_receiver_prior_is_the_value(game):
    env = game.envelope(exact=True)
    mu = game.exact_receiver_prior()[1]
    assert env(mu) == game.solve(exact=True).value


@settings(max_examples=25, deadline=None, database=None)
@given(heterogeneous_games(max_states=3, max_actions=3))
def test_float_solve_matches_exact(game):
    exact = game.solve(exact=True).value
    fl = game.solve().value
    assert abs(float(exact) - fl) <= 1e-7 * max(1.0, abs(float(exact)))


@settings(max_examples=20, deadline=None, database=None)
@given(heterogeneous_games(max_states=3, max_actions=4))
def test_heterogeneous_ceilings_match_one_by_one(game):
    ps = [float(x) for x in game.exact_data()[0]]
    pr = [float(x) for x in game.exact_receiver_prior()]
    hc = heterogeneous_ceilings(game, [ps], [pr])
    sol = game.solve(exact=True)
    assert abs(hc.value[0] - float(sol.value)) <= 1e-7
    assert abs(hc.no_disclosure_value[0] - float(sol.no_disclosure_value)) <= 1e-7
    # the two common-prior views: the receiver shares μS, or the sender shares μR
    both_s = game.with_receiver_prior(None).solve(exact=True)
    both_r = game.with_receiver_prior(None).with_prior(game.exact_receiver_prior()).solve(
        exact=True)
    assert abs(hc.common_sender_value[0] - float(both_s.value)) <= 1e-7
    assert abs(hc.common_receiver_value[0] - float(both_r.value)) <= 1e-7
    assert abs(hc.common_receiver_gain[0] - float(both_r.gain)) <= 1e-7


@settings(max_examples=40, deadline=None, database=None)
@given(heterogeneous_games(max_states=3, max_actions=4))
def test_game_file_round_trip(game):
    d = game.to_dict()
    assert d["version"] == (1 if game.has_common_prior else 2)
    again = game_from_dict(json.loads(json.dumps(d)))
    assert again == game
    assert list(again.exact_receiver_prior()) == list(game.exact_receiver_prior())


# ------------------------------------------------------------ bad input
def test_receiver_prior_must_cover_the_senders_support():
    with pytest.raises(InvalidGameError, match=r"receiver_prior\[1\] is 0 but prior\[1\]"):
        prosecutor().with_receiver_prior([1, 0])


def test_receiver_prior_validated_like_a_prior():
    with pytest.raises(InvalidGameError, match="receiver_prior sums to 11/10"):
        prosecutor().with_receiver_prior([F(1, 2), F(3, 5)])
    with pytest.raises(InvalidGameError, match="receiver_prior has 3 entries"):
        prosecutor().with_receiver_prior([F(1, 3)] * 3)
    with pytest.raises(InvalidGameError, match=r"receiver_prior\[0\] is -1"):
        prosecutor().with_receiver_prior([-1, 2])


def test_receiver_zero_allowed_where_sender_is_zero():
    g = PersuasionGame([0, 1], [[0, 0], [1, 1]], [[1, 0], [0, 1]],
                       receiver_prior=[F(1, 2), F(1, 2)])
    assert g.solve(exact=True).value == 1
    g2 = PersuasionGame([F(1, 2), F(1, 2)], [[0, 0], [1, 1]], [[1, 0], [0, 1]],
                        receiver_prior=[F(3, 4), F(1, 4)])
    assert g2.solve(exact=True).value == F(1, 2) + F(1, 2) * F(1, 3)


def test_float_receiver_prior_makes_a_float_game():
    g = prosecutor().with_receiver_prior([0.9, 0.1])
    assert not g.is_rational
    with pytest.raises(InvalidGameError, match="rational game"):
        g.solve(exact=True)
    assert abs(g.solve().value - 17 / 45) < 1e-9


def test_batch_ceilings_refuses_a_heterogeneous_game():
    with pytest.raises(InvalidGameError, match="heterogeneous_ceilings"):
        batch_ceilings(prosecutor().with_receiver_prior([F(9, 10), F(1, 10)]), [[0.5, 0.5]])


def test_heterogeneous_ceilings_errors_name_the_row():
    with pytest.raises(InvalidGameError, match=r"row 1: receiver_priors\[1\]\[1\] is 0"):
        heterogeneous_ceilings(prosecutor(), [[0.7, 0.3]], [[0.5, 0.5], [1.0, 0.0]])
    with pytest.raises(InvalidGameError, match="2 rows but receiver_priors has 3"):
        heterogeneous_ceilings(prosecutor(), [[0.7, 0.3]] * 2, [[0.5, 0.5]] * 3)


def test_file_format_version_2_and_version_1():
    base = {"format": "bayespersuade.game", "prior": ["7/10", "3/10"],
            "sender_utility": [[0, 0], [1, 1]], "receiver_utility": [[1, 0], [0, 1]]}
    g = game_from_dict({**base, "version": 2, "receiver_prior": ["9/10", "1/10"]})
    assert g.solve(exact=True).value == F(17, 45)
    assert game_from_dict({**base, "version": 1}).has_common_prior
    assert game_from_dict({**base, "version": 2}).has_common_prior
    with pytest.raises(GameFileError, match="'receiver_prior' needs format version 2"):
        game_from_dict({**base, "version": 1, "receiver_prior": ["9/10", "1/10"]})
    with pytest.raises(GameFileError, match=r"receiver_prior\[1\] is 0 but prior\[1\]"):
        game_from_dict({**base, "version": 2, "receiver_prior": [1, 0]}, source="f.json")
    with pytest.raises(GameFileError, match=r"receiver_prior\[0\] is \"x\""):
        loads_game(json.dumps({**base, "version": 2, "receiver_prior": ["x", 1]}))


def test_best_response_and_value_live_in_the_receivers_belief_space():
    g = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)])
    # reweighted sender value of the receiver posterior (1/2, 1/2): convict, worth
    # 1/2 * 7/9 + 1/2 * 3 = 17/9 in the receiver's space
    assert g.sender_value([F(1, 2), F(1, 2)]) == F(1, 2) * F(7, 9) + F(1, 2) * 3
    assert g.best_response([F(1, 2), F(1, 2)]) == 1
    assert g.best_response([0.6, 0.4]) == 0


def test_command_line_solves_and_verifies_a_version_2_file(tmp_path, capsys):
    from bayespersuade.cli.main import main

    game = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)])
    path, sol = tmp_path / "judge.json", tmp_path / "sol.json"
    game.save(path)
    assert json.loads(path.read_text())["version"] == 2
    assert main(["solve", str(path), "--exact", "--json", str(sol)]) == 0
    assert "17/45" in capsys.readouterr().out
    assert main(["verify", str(path), str(sol)]) == 0
    common = tmp_path / "common.json"
    prosecutor().save(common)
    assert main(["verify", str(common), str(sol)]) == 1


def test_a_heterogeneous_solution_cites_alonso_and_camara():
    sceptic = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)])
    assert "Alonso, R. and Câmara, O. (2016)" in sceptic.solve().citations()
    assert "Alonso" not in prosecutor().solve().citations()
    assert "@article{alonso2016" in sceptic.solve().citations("bibtex")


@settings(max_examples=60, deadline=None, database=None)
@given(games(min_states=2, max_states=2, max_actions=6),
       st.lists(st.tuples(priors(2), priors(2, allow_zeros=False)), min_size=1, max_size=6))
def test_chords_and_per_pair_envelopes_agree(game, pairs):
    # Two independent two-state methods over many prior pairs: the largest chord
    # over the receiver's breakpoints (vectorised) and each pair's envelope.
    S = [[float(x) for x in s] for s, _ in pairs]
    R = [[float(x) for x in r] for _, r in pairs]
    a = heterogeneous_ceilings(game, S, R, method="chords")
    b = heterogeneous_ceilings(game, S, R, method="per-pair")
    for name in ("value", "no_disclosure_value", "full_disclosure_value", "gain"):
        assert np.allclose(getattr(a, name), getattr(b, name), atol=1e-9), name
    exact = [game.with_prior(s).with_receiver_prior(r).solve(exact=True).value
             for s, r in pairs]
    assert np.allclose(a.value, [float(x) for x in exact], atol=1e-9)


def test_heterogeneous_ceilings_method_errors():
    with pytest.raises(InvalidParameterError, match="method must be"):
        heterogeneous_ceilings(prosecutor(), [[0.7, 0.3]], [[0.5, 0.5]], method="magic")
    three = PersuasionGame([F(1, 3)] * 3, [[0, 0, 0]], [[0, 0, 0]])
    with pytest.raises(InvalidParameterError, match="needs two states"):
        heterogeneous_ceilings(three, [[1 / 3] * 3], [[1 / 3] * 3], method="chords")
