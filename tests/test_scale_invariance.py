"""Float solves do not depend on the units of the utilities (issue 9, item 1).

The receiver's choices are invariant under ``u -> α u + c(ω)``, the sender's
optimum under ``v -> α v + β``; every float solve (LP, concavification, batch,
best response) must be too, up to a relative tolerance.  Where float
arithmetic cannot decide (ties or dominances closer than the tolerance), the
solve warns, names the actions and says to solve exactly.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.examples import prosecutor
from bayespersuade.exceptions import IllConditionedWarning
from bayespersuade.solvers.conditioning import near_ties, normalise
from bayespersuade.testing import games

SCALES = [1e-15, 1e-12, 1e-9, 1.0, 1e12, 1e14, 1e300]
METHODS = ("lp", "concavification")


def _solve_quietly(game, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = game.solve(**kw)
    ill = [w for w in caught if issubclass(w.category, IllConditionedWarning)]
    return sol, ill


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("method", METHODS)
def test_prosecutor_receiver_scaled(scale, method):
    g = prosecutor()
    h = PersuasionGame(g.prior, g.sender_utility, g.receiver_utility * scale)
    sol, ill = _solve_quietly(h, method=method)
    assert abs(sol.value - 0.6) <= 1e-9
    assert not ill and sol.exact_failure is None
    # and the batch path
    assert abs(float(h.ceilings(h.prior[None, :]).value[0]) - 0.6) <= 1e-9


@pytest.mark.parametrize("scale", [1e-300, 1e-12, 1e12, 1e300])
@pytest.mark.parametrize("method", METHODS)
def test_prosecutor_sender_scaled_and_shifted(scale, method):
    g = prosecutor()
    h = PersuasionGame(g.prior, g.sender_utility * scale + 7 * scale, g.receiver_utility)
    sol, ill = _solve_quietly(h, method=method)
    assert abs(sol.value - 7.6 * scale) <= 1e-9 * scale
    assert abs(sol.no_disclosure_value - 7 * scale) <= 1e-9 * scale
    assert abs(sol.full_disclosure_value - 7.3 * scale) <= 1e-9 * scale
    assert not ill
    # prices are reported in the user's units: p·μ0 = V
    assert abs(float(h.prior @ sol.prices) - sol.value) <= 1e-9 * scale
    batch = h.ceilings(h.prior[None, :])
    assert abs(float(batch.value[0]) - 7.6 * scale) <= 1e-9 * scale


@pytest.mark.parametrize("method", METHODS)
def test_receiver_state_shift_keeps_the_value(method):
    g = prosecutor()
    # u(a, ω) + c(ω) with |c| much larger than the differences
    u = g.receiver_utility * 1e-6 + np.array([1e3, -5e2])
    sol, ill = _solve_quietly(PersuasionGame(g.prior, g.sender_utility, u), method=method)
    assert abs(sol.value - 0.6) <= 1e-9
    assert not ill


@pytest.mark.parametrize("method", METHODS)
def test_action_dominated_by_1e_10_is_never_played(method):
    # convict is below acquit by 1e-10 in every state: never a best response
    u = np.array([[1.0, 0.0], [1.0 - 1e-10, -1e-10]])
    v = np.array([[0.0, 0.0], [1.0, 1.0]])
    sol, ill = _solve_quietly(PersuasionGame([0.5, 0.5], v, u), method=method)
    assert not ill  # per-state shifts make this dominance a whole unit
    assert sol.value == pytest.approx(0.0, abs=1e-12)
    exact = PersuasionGame([0.5, 0.5], v, u).to_rational().solve(exact=True)
    assert exact.value == 0


def test_best_response_scale_invariant():
    u = np.array([[1.0, 0.0], [0.0, 1.0]])
    v = np.array([[0.0, 0.0], [1.0, 1.0]])
    for s in SCALES:
        g = PersuasionGame([0.5, 0.5], v, u * s)
        # exact tie at (1/2, 1/2): to the sender; slightly off it: decided
        assert g.best_response(np.array([0.5, 0.5])) == 1
        assert g.best_response(np.array([0.5 + 1e-6, 0.5 - 1e-6])) == 0
        assert g.best_response(np.array([0.5, 0.5]), tie_break="receiver") == 0


def _near_duplicate_game(gap: float) -> PersuasionGame:
    # prosecutor plus "convict-lite", within `gap` of convict for the receiver
    # and the sender's favourite
    return PersuasionGame(
        [0.6, 0.4], [[0, 0], [1, 1], [3, 3]],
        [[1, 0], [0, 1], [0 - gap, 1 - gap]], actions=["acquit", "convict", "convict-lite"])


@pytest.mark.parametrize("method", METHODS)
def test_near_tie_warns_and_names_the_actions(method):
    g = _near_duplicate_game(1e-10)
    with pytest.warns(IllConditionedWarning, match="'convict' and 'convict-lite'"):
        sol = g.solve(method=method)
    assert sol.exact_failure is not None
    assert "to_rational()" in sol.exact_failure and "exact=True" in sol.exact_failure
    # and the exact solve decides: convict-lite is strictly dominated
    exact = g.to_rational().solve(exact=True)
    assert exact.exact
    assert all(s.action != 2 for s in exact.signals)


def test_well_separated_actions_do_not_warn():
    g = _near_duplicate_game(1e-3)
    sol, ill = _solve_quietly(g)
    assert not ill and sol.exact_failure is None
    assert abs(sol.value - float(g.to_rational().solve(exact=True).value)) <= 1e-9


def test_near_tie_at_a_vertex_is_found():
    # three lines, the third 1e-11 below the crossing of the first two
    eps = 1e-11
    g = PersuasionGame([0.5, 0.5], [[0, 0], [0, 0], [1, 1]],
                       [[1, 0], [0, 1], [0.5 - eps, 0.5 - eps]], actions=["l", "r", "mid"])
    found = near_ties(g)
    assert found and any("'mid'" in line for line in found)
    # exactly through the crossing: an exact tie, not ill-conditioned
    tie = PersuasionGame([0.5, 0.5], [[0, 0], [0, 0], [1, 1]],
                         [[1, 0], [0, 1], [0.5, 0.5]])
    assert near_ties(tie) == []


def _three_state_near_tie(n_extra: int) -> PersuasionGame:
    """Three states, a fourth action 1e-11 below the common vertex of the first
    three (their utilities are unit rows: the vertex is the centre), plus
    ``n_extra`` actions far below every other everywhere."""
    eps = 1e-11
    u = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1 / 3 - eps] * 3] + [[-1, -1, -1]] * n_extra
    v = [[0, 0, 0]] * 3 + [[1, 1, 1]] + [[0, 0, 0]] * n_extra
    return PersuasionGame([0.2, 0.3, 0.5], v, u)


def test_vertex_check_of_three_states_runs_up_to_its_subset_limit(monkeypatch):
    from bayespersuade.solvers import conditioning

    small = _three_state_near_tie(0)   # 4 · C(5, 2) = 40 subsets
    assert any("'a3'" in line for line in near_ties(small))
    # 11 actions: 11 · C(13, 2) = 858 subsets, still enumerated
    assert any("'a3'" in line for line in near_ties(_three_state_near_tie(7)))
    # 12 actions: 12 · C(14, 2) = 1,092 > NEAR_TIE_MAX_SUBSETS: pairs only (no
    # enumeration, so the check stays cheaper than the solve), unless asked for
    big = _three_state_near_tie(8)
    assert conditioning.NEAR_TIE_MAX_SUBSETS < 12 * 91
    calls = []
    real = conditioning._cell_vertices
    monkeypatch.setattr(conditioning, "_cell_vertices",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    assert near_ties(big) == [] and calls == []
    found = near_ties(big, limit=conditioning.MAX_CHECK_SUBSETS)
    assert calls and any("'a3'" in line for line in found)


def test_normalise_rejects_overflowing_ranges():
    from bayespersuade.exceptions import InvalidGameError

    with pytest.raises(InvalidGameError, match="overflows"):
        normalise(np.array([[1e308, -1e308]]), np.zeros((1, 2)))


# ------------------------------------------------------------- the property

exponents = st.integers(-12, 12)


def _scaled_float_game(game: PersuasionGame, ku: int, kv: int) -> PersuasionGame:
    prior, v, u = game.exact_data()
    return PersuasionGame(
        [float(p) for p in prior],
        [[float(x) * 10.0 ** kv for x in row] for row in v],
        [[float(x) * 10.0 ** ku for x in row] for row in u],
    )


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(games(max_states=4, max_actions=5), exponents, exponents)
def test_float_value_matches_exact_value_at_every_scale(game, ku, kv):
    """Float value vs the exact value of the rationalised game, relative error ≤ 1e-7.

    Relative to the range of the sender's utility (the unit of ``V``: the
    value is defined up to ``v -> α v + β``, so ``|V|`` itself is no scale).
    A solve that reports ill-conditioning (warning and reason) is not silent;
    it is counted as an event, and its value is still checked against the
    exact one with the tolerance widened to the reported conditioning.
    """
    flt = _scaled_float_game(game, ku, kv)
    exact = flt.to_rational().solve(exact=True)
    assert exact.exact
    unit = float(np.ptp(flt.sender_utility)) or 1.0
    for method in METHODS:
        sol, ill = _solve_quietly(flt, method=method)
        err = abs(sol.value - float(exact.value)) / unit
        if ill:
            event("ill-conditioned (warned)")
            assert sol.exact_failure is not None
            continue
        assert err <= 1e-7, (method, ku, kv, sol.value, exact.value)
    batch = flt.ceilings(flt.prior[None, :])
    if not near_ties(flt):
        assert abs(float(batch.value[0]) - float(exact.value)) / unit <= 1e-7
        nd = flt.to_rational().no_disclosure_value(exact=True)
        assert abs(float(batch.no_disclosure_value[0]) - float(nd)) / unit <= 1e-7


@settings(max_examples=300, deadline=None, derandomize=True)
@given(games(max_states=3, max_actions=4), exponents, st.integers(-3, 3), st.data())
def test_best_response_invariant_under_affine_receiver_changes(game, k, shift, data):
    prior, v, u = game.exact_data()
    n = game.n_states
    c = data.draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n))
    alpha = Fraction(10) ** k
    u2 = [[alpha * u[a][i] + shift * alpha + c[i] * alpha for i in range(n)]
          for a in range(game.n_actions)]
    exact2 = PersuasionGame(list(prior), v, u2)
    mu = np.array([float(p) for p in prior])
    flt = PersuasionGame(mu, game.sender_utility,
                         np.array([[float(x) for x in row] for row in u2]))
    # exact: invariant, whatever the scale
    assert exact2.best_response(list(prior)) == game.best_response(list(prior))
    # float: the same choice as the exact game at the exact prior (the float data
    # are within rounding of it; small-denominator data have no near-ties)
    assert flt.best_response(mu) == exact2.best_response(list(prior))
    assert flt.best_response(mu, tie_break="receiver") == \
        exact2.best_response(list(prior), tie_break="receiver")
