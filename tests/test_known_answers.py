"""Known answers: Kamenica-Gentzkow's prosecutor and the Likert games of DESIGN.md §2."""

from fractions import Fraction as F

import numpy as np
import pytest

from bayespersuade import PersuasionGame
from bayespersuade.examples import likert_quadratic, prosecutor
from bayespersuade.instances.families import binary_truth_game
from bayespersuade.solvers.certify import verify_certificate

METHODS = ["lp", "concavification"]


@pytest.mark.parametrize("method", METHODS)
def test_prosecutor_exact(method):
    game = prosecutor()
    sol = game.solve(method=method, exact=True)
    assert sol.exact and sol.exact_failure is None
    assert (sol.value, sol.gain) == (F(3, 5), F(3, 5))
    assert sol.no_disclosure_value == 0 and sol.full_disclosure_value == F(3, 10)
    # the optimal scheme: acquit-signal 2/5 at posterior (1, 0); convict 3/5 at (1/2, 1/2)
    triples = sorted((p, tuple(post), a) for p, post, a in sol.signals)
    assert triples == [(F(2, 5), (F(1), F(0)), 0), (F(3, 5), (F(1, 2), F(1, 2)), 1)]
    assert [list(r) for r in sol.scheme] == [[F(4, 7), F(3, 7)], [F(0), F(1)]]
    assert bool(verify_certificate(game, sol.certificate))


@pytest.mark.parametrize("method", METHODS)
def test_prosecutor_float(method):
    sol = prosecutor().solve(method=method)
    assert not sol.exact and sol.certificate is None
    assert sol.value == pytest.approx(0.6, abs=1e-12)
    assert isinstance(sol.value, float)


@pytest.mark.parametrize("p", ["0", "1/10", "1/2", "7/10", "1"])
def test_prosecutor_at_other_priors(p):
    p = F(p)
    expected = min(F(1), 2 * p)  # convict with prob 2p until the prior itself convicts
    for method in METHODS:
        assert prosecutor(p).solve(method=method, exact=True).value == expected


def likert_quadratic_value(mu: F) -> F:
    if mu <= F(1, 12):
        return 1 + 12 * mu
    if mu <= F(11, 12):
        return F(3, 2) + 6 * mu
    return F(7)


GRID = [F(k, 48) for k in range(49)] + [F(1, 12), F(11, 12), F(1, 7), F(5, 13)]


@pytest.mark.parametrize("method", METHODS)
def test_likert_quadratic_value_function(method):
    for mu in GRID:
        sol = likert_quadratic(mu).solve(method=method, exact=True)
        assert sol.exact, sol.exact_failure
        assert sol.value == likert_quadratic_value(mu), mu
        # the receiver answers the rounded posterior mean 1 + 6μ (ties to the sender)
        for s in sol.signals:
            mean = 1 + 6 * s.posterior[1]
            assert abs(s.action_label - mean) <= F(1, 2)


def test_likert_quadratic_envelope_breakpoints():
    env = likert_quadratic().envelope()
    assert env.exact
    assert env.breakpoints == (0, F(1, 12), F(11, 12), 1)
    assert env.values == (1, 2, 7, 7)
    for mu in GRID:
        assert env(mu) == likert_quadratic_value(mu)


def test_likert_interior_ceiling_is_below_one():
    mus = np.linspace(0, 1, 2001)
    batch = likert_quadratic().ceilings(np.column_stack([1 - mus, mus]))
    assert batch.gain.max() < 1
    assert batch.gain.min() >= -1e-12


@pytest.mark.parametrize("mu", [F(0), F(1, 5), F(49, 100), F(1, 2), F(3, 4)])
def test_likert_absolute_loss(mu):
    # p = 1: the receiver answers 7 iff μ >= 1/2 (ties to the sender), else 1
    game = binary_truth_game(mu, loss="absolute")
    expected = min(F(7), 1 + 12 * mu)
    for method in METHODS:
        assert game.solve(method=method, exact=True).value == expected
    assert game.no_disclosure_value(exact=True) == (7 if mu >= F(1, 2) else 1)


def test_aligned_preferences_full_disclosure_is_optimal():
    # sender utility = receiver utility: revealing everything is optimal (negative control)
    u = [[3, 0, 1], [0, 2, 1], [1, 1, 1]]
    game = PersuasionGame([F(1, 3)] * 3, u, u)
    sol = game.solve(exact=True)
    assert sol.value == game.full_disclosure_value(exact=True) == F(2)


def test_sender_indifferent_has_zero_gain():
    game = PersuasionGame([F(1, 4), F(3, 4)], [[2, 2], [2, 2]], [[1, 0], [0, 1]])
    for method in METHODS:
        assert game.solve(method=method, exact=True).gain == 0


def test_receiver_tie_breaking_option():
    game = prosecutor(F(1, 2))
    assert game.no_disclosure_value(exact=True) == 1
    assert game.no_disclosure_value(exact=True, tie_break="receiver") == 0
    ev = game.evaluate_splitting([1], [[F(1, 2), F(1, 2)]], tie_break="receiver")
    assert ev.value == 0
