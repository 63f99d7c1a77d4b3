"""The fast paths of the obedience LP give the same optimum as the plain ones.

Row and column generation (``lp_method="generate"``), the full dual simplex
without presolve (``"simplex"``), interior point (``"ipm"``) and the
independent cvxpy formulation must agree on the optimal value of many random
and degenerate games; the generated basis must be an optimal basis of the
*full* LP, so that exact certification still succeeds and checks every row and
column of the game; and the block-structured exact basis solve of
:mod:`bayespersuade.solvers.certify` must agree with the general exact solve.
No timings are asserted here (see ``benchmarks/bench_core.py``).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bayespersuade.solvers.certify as certify_mod
import bayespersuade.solvers.dispatch as solve_mod
from bayespersuade import PersuasionGame
from bayespersuade.exceptions import InvalidGameError, InvalidParameterError, SolverError
from bayespersuade.solvers.certify import certify_basis, verify_certificate
from bayespersuade.solvers.lp import (
    GENERATE_MIN_VARIABLES,
    build_obedience_lp,
    choose_lp_method,
    solve_obedience_lp,
    solve_obedience_lp_cvxpy,
)
from bayespersuade.testing import degenerate_games, games

PROPS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


def random_game(n: int, m: int, seed: int, *, lo: int = 0, hi: int = 10,
                zero_states: int = 0, duplicate: bool = False) -> PersuasionGame:
    """A rational game with integer utilities in ``lo..hi`` and a random rational prior."""
    rng = np.random.default_rng(seed)
    v = rng.integers(lo, hi + 1, size=(m, n))
    u = rng.integers(lo, hi + 1, size=(m, n))
    if duplicate and m >= 2:
        u[-1] = u[0]  # same receiver row, (usually) another sender row
    w = rng.integers(1, 101, size=n)
    if zero_states:
        w[rng.choice(n, size=min(zero_states, n - 1), replace=False)] = 0
    prior = [Fraction(int(x), int(w.sum())) for x in w]
    return PersuasionGame(prior, v.tolist(), u.tolist())


def _scale(game: PersuasionGame) -> float:
    return max(1.0, float(np.abs(game.receiver_utility).max()),
               float(np.abs(game.sender_utility).max()))


def _check_full_alignment(lp, res) -> None:
    """The arrays of a result refer to the full LP, whatever was solved."""
    n_pairs = lp.pairs.shape[0]
    assert res.joint.shape == (lp.n_actions, lp.n_states)
    assert res.multipliers.shape == (n_pairs,)
    assert res.prices.shape == (lp.n_states,)
    assert res.col_basic.shape == (lp.n_actions * lp.n_states,)
    assert res.row_basic.shape == (lp.n_rows,)
    # a basis of the full LP: as many basic variables as rows
    assert int(res.col_basic.sum()) + int(res.row_basic.sum()) == lp.n_rows
    # non-basic columns are at zero
    assert np.all(res.joint.ravel()[~res.col_basic] == 0)
    assert res.n_rows_used <= lp.n_rows
    assert res.n_cols_used <= lp.c.size


def _check_all_rows_obeyed(game: PersuasionGame, joint: np.ndarray, tol: float) -> None:
    u = game.receiver_utility
    W = joint @ u.T
    assert (W - np.diag(W)[:, None]).max(initial=0.0) <= tol


def _agree(game: PersuasionGame, *, with_cvxpy: bool = True) -> None:
    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    full = solve_obedience_lp(lp, lp_method="simplex")
    gen = solve_obedience_lp(lp, lp_method="generate")
    tol = 1e-7 * _scale(game)
    assert abs(gen.value - full.value) <= tol
    if with_cvxpy:
        _, cv_value, _ = solve_obedience_lp_cvxpy(game.prior, game.sender_utility,
                                                  game.receiver_utility)
        assert abs(gen.value - cv_value) <= 1e-6 * _scale(game)
    _check_full_alignment(lp, gen)
    _check_full_alignment(lp, full)
    _check_all_rows_obeyed(game, gen.joint, tol)
    assert gen.max_obedience_violation <= tol
    # the generated basis is exactly optimal for the full LP: the certificate is
    # checked against every row and column of the game by verify_certificate
    cert_gen, why_gen = certify_basis(game, lp, gen)
    cert_full, why_full = certify_basis(game, lp, full)
    assert cert_full is not None, why_full
    assert cert_gen is not None, why_gen
    assert cert_gen.value == cert_full.value
    assert abs(float(cert_gen.value) - gen.value) <= tol
    assert verify_certificate(game, cert_gen)


# ------------------------------------------------------------------ dispatch


def test_choose_lp_method_by_size():
    assert choose_lp_method(2, 7) == "simplex"
    assert choose_lp_method(10, 10) == "simplex"
    assert GENERATE_MIN_VARIABLES > 100
    big = int(np.ceil(np.sqrt(GENERATE_MIN_VARIABLES)))
    assert choose_lp_method(big, big) == "generate"
    assert choose_lp_method(200, 50) == "generate"
    assert choose_lp_method(50, 200) == "generate"


def test_unknown_lp_method_is_rejected():
    lp = build_obedience_lp(np.array([0.5, 0.5]), np.eye(2), np.eye(2))
    with pytest.raises(InvalidParameterError, match="lp_method must be"):
        solve_obedience_lp(lp, lp_method="barrier")


def test_auto_uses_generation_on_large_games():
    game = random_game(30, 30, seed=3)
    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    res = solve_obedience_lp(lp)
    assert res.algorithm == "dual simplex + row/column generation"
    assert res.rounds >= 1
    # it solved a smaller LP than the full one
    assert res.n_rows_used < lp.n_rows and res.n_cols_used < lp.c.size


def test_obedience_lp_needs_its_utilities():
    # the LP is defined by the game's data (its matrix is built from it on demand)
    game = random_game(5, 4, seed=1)
    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    with pytest.raises(InvalidGameError, match="receiver_utility"):
        replace(lp, receiver_utility=None)
    with pytest.raises(InvalidGameError, match="prior"):
        replace(lp, prior=np.ones(3))


def test_generation_time_limit_raises():
    game = random_game(20, 20, seed=2)
    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    with pytest.raises(SolverError, match="time limit"):
        solve_obedience_lp(lp, lp_method="generate", time_limit=1e-12)


def test_nonpositive_time_limit_is_rejected():
    lp = build_obedience_lp(np.array([0.5, 0.5]), np.eye(2), np.eye(2))
    with pytest.raises(InvalidParameterError, match="time_limit"):
        solve_obedience_lp(lp, time_limit=0)


def test_obedience_violation_of_a_disobeyed_scheme():
    # prosecutor: always recommending "convict" is disobeyed at prior 0.7/0.3
    lp = build_obedience_lp(np.array([0.7, 0.3]), np.array([[0.0, 0], [1, 1]]),
                            np.array([[1.0, 0], [0, 1]]))
    assert lp.obedience_violation(np.array([[0.0, 0.0], [0.7, 0.3]])) == pytest.approx(0.4)
    assert lp.obedience_violation(np.array([[0.4, 0.0], [0.3, 0.3]])) == 0.0


# ------------------------------------------------- agreement on random games


@pytest.mark.parametrize(("n", "m"), [(2, 7), (3, 3), (7, 2), (10, 10), (5, 20), (20, 5),
                                      (15, 15), (25, 10), (10, 25)])
@pytest.mark.parametrize("seed", range(4))
def test_generation_agrees_with_full_lp_and_cvxpy(n, m, seed):
    _agree(random_game(n, m, seed=1000 * n + 10 * m + seed))


@pytest.mark.parametrize("seed", range(6))
def test_generation_agrees_on_games_with_many_ties(seed):
    # utilities in 0..2: many tied actions, tied states and degenerate bases
    _agree(random_game(12, 12, seed=seed, lo=0, hi=2))
    _agree(random_game(20, 6, seed=50 + seed, lo=0, hi=1))


@pytest.mark.parametrize("seed", range(6))
def test_generation_agrees_with_duplicate_actions_and_zero_prior_states(seed):
    _agree(random_game(10, 12, seed=seed, duplicate=True, zero_states=3))
    _agree(random_game(15, 8, seed=100 + seed, zero_states=1))


def test_generation_with_a_constant_receiver_has_no_obedience_rows():
    n, m = 6, 5
    game = PersuasionGame([Fraction(1, n)] * n, np.arange(m * n).reshape(m, n) % 7,
                          [[3] * n] * m)
    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    assert lp.pairs.shape[0] == 0
    _agree(game)


def test_generation_with_one_action_and_one_state():
    _agree(PersuasionGame([1], [[2], [5], [1]], [[0], [0], [1]]))
    _agree(PersuasionGame([Fraction(1, 3), Fraction(2, 3)], [[1, 4]], [[0, 0]]))


@PROPS
@given(st.one_of(games(max_states=5, max_actions=6),
                 degenerate_games(max_states=5, max_actions=6)))
def test_generation_agrees_on_generated_games(game):
    _agree(game, with_cvxpy=False)


@PROPS
@given(degenerate_games(max_states=4, max_actions=5))
def test_ipm_and_generation_agree_on_degenerate_games(game):
    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    ipm = solve_obedience_lp(lp, lp_method="ipm")
    gen = solve_obedience_lp(lp, lp_method="generate")
    assert abs(ipm.value - gen.value) <= 1e-6 * _scale(game)


# --------------------------------------------------------- exact solve paths


@pytest.mark.parametrize("lp_method", ["generate", "simplex"])
@pytest.mark.parametrize("seed", range(3))
def test_exact_solve_through_each_path(lp_method, seed):
    game = random_game(12, 9, seed=seed, zero_states=seed)
    sol = game.solve(exact=True, lp_method=lp_method)
    assert sol.exact and sol.certificate is not None
    assert verify_certificate(game, sol.certificate)
    assert sol.algorithm.endswith("+ exact basis")
    other = game.solve(exact=True, lp_method="simplex" if lp_method == "generate" else "ipm")
    assert other.value == sol.value


def test_exact_solve_falls_back_to_the_full_lp(monkeypatch):
    """If the generated basis does not certify, the full LP is solved and certified."""
    game = random_game(20, 20, seed=11)
    real = solve_mod.certify_basis
    calls = []

    def first_call_fails(g, lp, res):
        calls.append(res.algorithm)
        if len(calls) == 1:
            return None, "forced failure"
        return real(g, lp, res)

    monkeypatch.setattr(solve_mod, "certify_basis", first_call_fails)
    sol = game.solve(exact=True, lp_method="generate")
    assert calls == ["dual simplex + row/column generation", "dual simplex"]
    assert sol.exact
    assert sol.algorithm == "dual simplex + exact basis"
    assert verify_certificate(game, sol.certificate)
    monkeypatch.undo()
    assert game.solve(exact=True, lp_method="generate").value == sol.value


def test_exact_solve_reports_failure_of_both_paths(monkeypatch):
    game = random_game(20, 20, seed=12)
    monkeypatch.setattr(solve_mod, "certify_basis", lambda g, lp, res: (None, "forced"))
    sol = game.solve(exact=True, lp_method="generate")
    assert not sol.exact
    assert "full LP: forced" in sol.exact_failure


@pytest.mark.parametrize("seed", range(8))
def test_block_basis_solve_matches_the_general_exact_solve(seed, monkeypatch):
    shapes = [(10, 10), (20, 8), (8, 20), (15, 15)]
    n, m = shapes[seed % len(shapes)]
    game = random_game(n, m, seed=seed, lo=0, hi=3 + seed, zero_states=seed % 3)
    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    res = solve_obedience_lp(lp, lp_method="simplex" if seed % 2 else "generate")
    used = []
    real = certify_mod._solve_basis_by_blocks

    def spy(*args):
        out = real(*args)
        used.append(out is not None)
        return out

    monkeypatch.setattr(certify_mod, "_solve_basis_by_blocks", spy)
    blocks, why = certify_basis(game, lp, res)
    assert used == [True], "the block solve should handle a nonsingular basis"
    monkeypatch.setattr(certify_mod, "_solve_basis_by_blocks", lambda *a: None)
    general, why2 = certify_basis(game, lp, res)
    assert blocks is not None, why
    assert general is not None, why2
    assert blocks == general


def test_block_basis_solve_declines_a_singular_basis():
    """A basis whose obedience block is rank deficient is left to the general solve."""
    # basic columns x(0, a0), x(1, a0); active rows: the prior row of state 0 and
    # the obedience row (a0, a1), whose coefficients on these columns are all zero
    entries = {(0, 0): 1}
    out = certify_mod._solve_basis_by_blocks(
        2, np.array([0, 1]), np.array([0, 2]), np.array([[0, 1]]),
        entries, [Fraction(1, 2), Fraction(0)], [Fraction(1), Fraction(2)])
    assert out is None


@PROPS
@given(games(max_states=5, max_actions=6, rational=False))
def test_generation_agrees_on_float_games(game):
    lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    full = solve_obedience_lp(lp, lp_method="simplex")
    gen = solve_obedience_lp(lp, lp_method="generate")
    assert abs(gen.value - full.value) <= 1e-7 * _scale(game)
    _check_full_alignment(lp, gen)
    _check_all_rows_obeyed(game, gen.joint, 1e-7 * _scale(game))
