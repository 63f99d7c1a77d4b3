"""Tall and wide games (issue 9, item 3).

Before any LP, receiver actions that are never a best response are dropped
(exactly, for rational games) and receiver-duplicate actions are merged
keeping the sender's best; the reduced game's certificate is lifted to the
full game and verified there.  Peak memory is measured in
``benchmarks/bench_core.py --tall``, not here.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.solvers import dispatch
from bayespersuade.solvers._exact_lp import solve_lp_exactly
from bayespersuade.solvers.certify import verify_certificate
from bayespersuade.solvers.conditioning import reduce_actions
from bayespersuade.testing import games

TALL = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

tall_games = games(min_states=2, max_states=3, min_actions=12, max_actions=30,
                   min_utility=0, max_utility=6)


def _best_response_somewhere(game, b: int) -> bool:
    """Exact LP: max t s.t. (u_b − u_a)·μ >= t for all a, μ in the simplex; t* >= 0?"""
    _, _, u = game.exact_data()
    n, m = game.n_states, game.n_actions
    others = [a for a in range(m) if any(u[a][w] != u[b][w] for w in range(n))]
    if not others:
        return True
    # variables μ (n) and s = t + K >= 0 (K bounds |t|); maximise s;
    # s − (u_b − u_a)·μ <= K; s <= K + 1
    K = 1 + max(abs(u[a][w] - u[b][w]) for a in range(m) for w in range(n))
    A_ub = [[-(u[b][w] - u[a][w]) for w in range(n)] + [F(1)] for a in others]
    A_ub.append([F(0)] * n + [F(1)])
    sol = solve_lp_exactly([F(0)] * n + [F(1)], A_ub=A_ub, b_ub=[K] * len(others) + [K + 1],
                           A_eq=[[F(1)] * n + [F(0)]], b_eq=[F(1)])
    assert sol is not None
    return sol.x[n] - K >= 0


@TALL
@given(tall_games)
def test_reduction_drops_exactly_the_never_best_responses(game):
    red = reduce_actions(game)
    br = {b for b in range(game.n_actions) if _best_response_somewhere(game, b)}
    kept = {int(a) for a in red.keep}
    assert set(red.never_best).isdisjoint(br)
    assert kept | set(red.duplicate_of) == br
    assert kept.isdisjoint(red.duplicate_of) and kept.isdisjoint(red.never_best)
    _, v, u = game.exact_data()
    for d, rep in red.duplicate_of.items():
        assert rep in kept
        assert list(u[d]) == list(u[rep])
        assert all(v[rep][w] >= v[d][w] for w in range(game.n_states))


@TALL
@given(tall_games)
def test_reduced_solves_equal_full_solves(game):
    reduced_lp = game.solve(exact=True)
    reduced_cav = game.solve(method="concavification", exact=True)
    assert reduced_lp.exact and reduced_cav.exact
    # certificates of the reduced game, lifted, verify on the full game
    assert bool(verify_certificate(game, reduced_lp.certificate))
    assert bool(verify_certificate(game, reduced_cav.certificate))
    flt = game.solve()
    old = dispatch.REDUCE_MIN_ACTIONS
    dispatch.REDUCE_MIN_ACTIONS = 10**9  # no reduction
    try:
        full = game.solve(exact=True)
        full_flt = game.solve()
    finally:
        dispatch.REDUCE_MIN_ACTIONS = old
    assert reduced_lp.value == reduced_cav.value == full.value
    assert abs(flt.value - full_flt.value) <= 1e-9 * max(1.0, abs(full_flt.value))
    assert abs(flt.value - float(full.value)) <= 1e-9 * max(1.0, abs(float(full.value)))


def test_duplicates_keep_the_senders_best_and_incomparable_rows():
    u = [[1, 0], [0, 1]] + [[0, 1]] * 12
    v = [[0, 0], [1, 1]] + [[1, 1]] * 10 + [[5, 0], [0, 5]]
    g = PersuasionGame([F(1, 2), F(1, 2)], v, u)
    red = reduce_actions(g)
    # rows 2..11 equal row 1 in both utilities: merged into it (lowest index kept);
    # 12 and 13 are incomparable with 1 and each other for the sender: kept
    assert set(red.duplicate_of) == set(range(2, 12))
    assert {int(a) for a in red.keep} == {0, 1, 12, 13}
    sol = g.solve(exact=True)
    assert sol.exact and bool(verify_certificate(g, sol.certificate))
    # the copies are receiver-optimal for P(state 1) >= 1/2, where the sender's best
    # among them earns max(1, 5(1 − μ), 5μ) = 5μ: V(1/2) = 5/2
    assert sol.value == F(5, 2)


@pytest.mark.parametrize("shape", [(2, 15000), (3, 5000)])
def test_tall_float_games_solve(shape):
    n, m = shape
    rng = np.random.default_rng(0)
    u = rng.integers(0, 11, size=(m, n)) + rng.random((m, n))
    v = rng.integers(0, 11, size=(m, n)).astype(float)
    g = PersuasionGame(rng.dirichlet(np.ones(n)), v, u)
    lp = g.solve()
    cav = g.solve(method="concavification")
    assert f"of {m} actions" in lp.algorithm
    assert abs(lp.value - cav.value) <= 1e-9 * max(1.0, abs(lp.value))
    # the answer of the reduced game is the answer of the full game: every
    # recommendation is a best response among all actions
    for s in lp.signals:
        U = g.receiver_utility @ s.posterior
        assert U[s.action] >= U.max() - 1e-9 * np.ptp(g.receiver_utility)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(2, 3), st.integers(12, 40), st.integers(0, 2**32 - 1))
def test_exact_tall_games_with_many_duplicates(n, m, seed):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, 3, size=(m, n)).tolist()  # few distinct rows: many duplicates
    v = rng.integers(0, 5, size=(m, n)).tolist()
    g = PersuasionGame([F(1, n)] * n, v, u)
    sol = g.solve(exact=True)
    assert sol.exact and bool(verify_certificate(g, sol.certificate))
    old = dispatch.REDUCE_MIN_ACTIONS
    dispatch.REDUCE_MIN_ACTIONS = 10**9
    try:
        assert g.solve(exact=True).value == sol.value
    finally:
        dispatch.REDUCE_MIN_ACTIONS = old


def test_two_state_games_with_many_best_responses_are_routed_to_the_envelope():
    # every action is a best response somewhere: the tangents of μ² at x_k = k/m,
    # a_k(μ) = 2 x_k μ − x_k², i.e. u(a_k) = (−x_k², 2 x_k − x_k²)
    m = 200
    xs = [F(k, m) for k in range(m)]
    u = [[-x * x, 2 * x - x * x] for x in xs]
    v = [[F(k % 3), F((k + 1) % 3)] for k in range(m)]
    g = PersuasionGame([F(1, 3), F(2, 3)], v, u)
    assert reduce_actions(g).keep.size == m
    sol = g.solve()
    assert sol.method == "lp" and "routed" in sol.algorithm
    exact = g.solve(method="concavification", exact=True)
    assert exact.exact
    assert abs(sol.value - float(exact.value)) <= 1e-9


@pytest.mark.parametrize("method", ["lp", "concavification"])
def test_a_wrongly_dropped_action_falls_back_to_the_full_exact_solve(monkeypatch, method):
    from bayespersuade.solvers import conditioning

    u = [[1, 0], [0, 1]] + [[F(1, 2), F(1, 2)]] + [[F(-k), F(-k)] for k in range(1, 12)]
    v = [[0, 0], [0, 0], [10, 10]] + [[0, 0]] * 11
    g = PersuasionGame([F(1, 2), F(1, 2)], v, u)  # action 2 ties at (1/2, 1/2): V = 10
    real = conditioning.reduce_actions

    def wrong(game, u_n=None, **kw):  # drops the tied action 2 as if never best
        r = real(game, u_n, **kw)
        keep = np.array([a for a in r.keep if a != 2])
        return conditioning.Reduction(keep, r.duplicate_of, tuple(sorted((*r.never_best, 2))))

    monkeypatch.setattr(dispatch, "reduce_actions", wrong)
    sol = g.solve(method=method, exact=True)
    assert sol.exact and sol.value == 10
    assert bool(verify_certificate(g, sol.certificate))


def test_explicit_lp_method_is_never_routed_to_the_envelope():
    """Routing a two-state ``method="lp"`` solve to the envelope happens only with
    ``lp_method="auto"``: an explicit HiGHS algorithm gets the LP itself."""
    from bayespersuade.solvers.dispatch import ROUTE_TWO_STATE_ACTIONS

    m = ROUTE_TWO_STATE_ACTIONS + 50
    rng = np.random.default_rng(3)
    mu = np.sort(rng.random(m))
    u = np.stack([-(mu**2), 1 - (1 - mu) ** 2], axis=1)  # every action a best response
    g = PersuasionGame([0.4, 0.6], rng.random((m, 2)), u)
    auto, simplex = g.solve(), g.solve(lp_method="simplex")
    assert "routed from the LP" in auto.algorithm
    assert "envelope" not in simplex.algorithm and "routed" not in simplex.algorithm
    assert simplex.value == pytest.approx(auto.value, rel=1e-9)
