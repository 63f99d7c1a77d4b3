"""The small-game fast paths (``solvers/small.py``) against the general path.

Float solves of small games (``exact=False``, ``lp_method="auto"``, no time
limit) skip the general LP set-up: two-state games are solved by a vectorised
envelope, small multi-state games by one lean HiGHS call.  Each must give the
general path's optimum (``lp_method="simplex"``: the sparse LP, a fresh HiGHS
object, the same normalised data) to 1e-9 of the sender's utility range, on
generated games of every degenerate kind and with either utility scaled by
``10^k``, ``k`` in ``[-12, 12]``, and must return a complete result: a
Bayes-plausible splitting into best responses worth the value, dual prices
and obedience multipliers that certify it (up to float tolerance).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.exceptions import IllConditionedWarning
from bayespersuade.solvers import conditioning
from bayespersuade.solvers.small import small_lp_solve, two_state_solve
from bayespersuade.testing import DEGENERACIES, degenerate_games, games, two_state_games

PROPS = settings(max_examples=300, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])

exponents = st.integers(-12, 12)
small_games = st.one_of(
    games(max_states=4, max_actions=6),
    games(max_states=4, max_actions=6, rational=False),
    games(min_states=2, max_states=2, max_actions=12),
    two_state_games(),
    degenerate_games(max_states=4, max_actions=6),
)


def _scaled(game: PersuasionGame, ku: int, kv: int) -> PersuasionGame:
    return PersuasionGame(game.prior, game.sender_utility * 10.0 ** kv,
                          game.receiver_utility * 10.0 ** ku)


def _solve(game: PersuasionGame, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = game.solve(**kw)
    return sol, [w for w in caught if issubclass(w.category, IllConditionedWarning)]


def _unit(game: PersuasionGame) -> float:
    return float(np.ptp(game.sender_utility)) or 1.0


def _check_complete(game: PersuasionGame, sol) -> None:
    """A float solution that is a whole answer: splitting, values, dual certificate."""
    unit = _unit(game)
    u, v, prior = game.receiver_utility, game.sender_utility, game.prior
    u_rng = float(np.ptp(u - u.min(axis=0))) or 1.0
    w = sol.probabilities
    P = sol.posteriors
    assert sol.n_signals >= 1 and np.all(w > 0)
    assert abs(float(w.sum()) - 1.0) <= 1e-9
    assert np.abs(w @ P - prior).max() <= 1e-9
    for s in sol.signals:
        U = u @ s.posterior
        assert U[s.action] >= U.max() - 1e-9 * u_rng  # obeyed (up to float tolerance)
        assert abs(s.sender_value - float(v[s.action] @ s.posterior)) <= 1e-9 * unit
    assert abs(sum(s.probability * s.sender_value for s in sol.signals)
               - sol.value) <= 1e-9 * unit
    assert sol.n_signals <= min(game.n_actions, game.n_states)
    # the scheme induces the splitting
    assert np.abs(sol.scheme.sum(axis=1) - 1.0).max() <= 1e-9
    # dual: p·μ0 = V and p(ω) >= v(a, ω) + Σ_b λ(a, b) (u(a, ω) − u(b, ω))
    assert abs(float(prior @ sol.prices) - sol.value) <= 1e-9 * unit
    lam = np.zeros((game.n_actions, game.n_actions))
    for a, b, x in sol.multipliers:
        assert x > 0
        lam[a, b] += x
    slack = sol.prices[None, :] - v - lam.sum(axis=1)[:, None] * u + lam @ u
    assert slack.min() >= -1e-7 * unit * max(1.0, float(lam.sum()) * u_rng / unit)
    assert sol.method == "lp" and sol.backend == "highs" and not sol.exact


@PROPS
@given(small_games, exponents, exponents)
def test_fast_path_agrees_with_the_general_path(game, ku, kv):
    g = _scaled(game, ku, kv)
    fast, ill_fast = _solve(g)
    general, ill_general = _solve(g, lp_method="simplex")
    assert "small-game path" in fast.algorithm
    assert "small-game path" not in general.algorithm
    # the conditioning check runs before either path, identically
    assert [str(w.message) for w in ill_fast] == [str(w.message) for w in ill_general]
    assert fast.exact_failure == general.exact_failure
    unit = _unit(g)
    if ill_fast:  # float arithmetic cannot decide: both said so
        event("ill-conditioned (warned by both)")
        return
    assert abs(fast.value - general.value) <= 1e-9 * max(unit, abs(general.value))
    assert fast.no_disclosure_value == general.no_disclosure_value
    assert fast.full_disclosure_value == general.full_disclosure_value
    _check_complete(g, fast)


@pytest.mark.parametrize("kind", DEGENERACIES)
def test_fast_path_on_every_degeneracy(kind):
    @settings(PROPS, max_examples=40)
    @given(degenerate_games(kinds=[kind], max_states=4, max_actions=6), exponents)
    def check(game, k):
        g = _scaled(game, k, -k)
        fast, ill = _solve(g)
        general, _ = _solve(g, lp_method="simplex")
        assert "small-game path" in fast.algorithm
        if not ill:
            assert abs(fast.value - general.value) <= 1e-9 * max(_unit(g), abs(general.value))
            _check_complete(g, fast)
        # and against the exact value of the rational game
        exact = game.solve(exact=True)
        assert exact.exact
        if not ill:
            err = abs(fast.value - float(exact.value) * 10.0 ** -k)
            assert err <= 1e-9 * max(_unit(g), abs(fast.value))

    check()


def test_the_general_path_is_taken_where_the_caller_asks_for_it():
    g = PersuasionGame([0.3, 0.7], [[0, 0], [1, 1], [2, 0]], [[1, 0], [0, 1], [0.6, 0.6]])
    assert "small-game path" in g.solve().algorithm
    for kw in ({"lp_method": "simplex"}, {"lp_method": "ipm"}, {"time_limit": 10.0},
               {"backend": "cvxpy"}, {"method": "concavification"}):
        assert "small-game path" not in g.solve(**kw).algorithm, kw
    exact = g.to_rational().solve(exact=True)
    assert exact.exact and "small-game path" not in exact.algorithm


def test_prosecutor_by_both_fast_paths():
    prior = np.array([0.7, 0.3])
    v = np.array([[0.0, 0.0], [1.0, 1.0]])
    u = np.array([[1.0, 0.0], [0.0, 1.0]])
    env = two_state_solve(prior, v, u)
    lp, joint = small_lp_solve(prior, v, u)
    for res in (env, lp):
        assert res.value == pytest.approx(0.6, abs=1e-12)
        assert res.prices == pytest.approx([0.0, 2.0], abs=1e-12)
        assert [(a, b) for a, b, _ in res.multipliers] == [(1, 0)]
        assert res.multipliers[0][2] == pytest.approx(1.0, abs=1e-12)
    assert np.round(joint, 12).tolist() == [[0.4, 0.0], [0.3, 0.3]]


def test_two_state_no_disclosure_and_boundary_priors():
    v = np.array([[0.0, 0.0], [1.0, 1.0]])
    u = np.array([[1.0, 0.0], [0.0, 1.0]])
    # the receiver already convicts at the prior: no information is given
    res = two_state_solve(np.array([0.2, 0.8]), v, u)
    assert res.value == 1.0 and res.weights.tolist() == [1.0]
    # degenerate priors: the state is known
    for prior, value in (([1.0, 0.0], 0.0), ([0.0, 1.0], 1.0)):
        res = two_state_solve(np.array(prior), v, u)
        assert res.value == value and res.weights.tolist() == [1.0]
        assert float(np.dot(prior, res.prices)) == pytest.approx(value, abs=1e-15)


# --------------------------------------------------- cheap conditioning checks


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(games(max_states=4, max_actions=6), degenerate_games(max_states=4),
                 games(max_states=4, max_actions=6, utility_denominator=10**6)),
       exponents)
def test_near_ties_with_and_without_the_lattice_bound(game, k):
    """Skipping the vertex check where the data's lattice bound excludes a near tie
    changes no finding (rational games and their float versions)."""
    g = _scaled(game, k, 0)
    for h in (game, g):
        fast = conditioning.near_ties(h)
        full = conditioning.near_ties(h, lattice_bound=False)
        assert fast == full
