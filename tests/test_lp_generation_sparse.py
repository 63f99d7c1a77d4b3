"""Row and column generation without an ``n_actions^2`` structure (issue 9, item 3).

The obedience LP of a game with ``m`` actions has ``m (m - 1)`` rows.  Row and
column generation uses a few of them; these tests check that it agrees with the
full LP and that neither it nor the exact certification of its basis builds the
full constraint matrix or the list of all pairs.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import bayespersuade.solvers.lp as lp_mod
from bayespersuade import PersuasionGame
from bayespersuade.solvers.certify import certify_basis, verify_certificate
from bayespersuade.solvers.lp import build_obedience_lp, solve_obedience_lp
from bayespersuade.testing import DEGENERACIES, degenerate_games

PROPS = settings(max_examples=40, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])

#: What building the whole LP leaves in an ObedienceLP's cache.
_FULL = ("A", "pairs", "_csr", "row_lower", "row_upper")


def all_br_game(n: int, m: int, seed: int, *, d: int = 10**4) -> PersuasionGame:
    """Every action a best response: action ``a`` targets the belief ``k_a / d`` and
    the receiver's utility is its quadratic score times ``d^2`` (an integer)."""
    rng = np.random.default_rng(seed)
    k = np.floor(rng.dirichlet(np.ones(n), size=m) * d).astype(np.int64)
    k[:, -1] = d - k[:, :-1].sum(axis=1)
    k = np.unique(k, axis=0)  # distinct targets: no two actions alike for the receiver
    u = 2 * d * k - (k**2).sum(axis=1, keepdims=True)
    v = rng.integers(0, 11, size=u.shape)
    w = rng.integers(1, 101, size=n)
    prior = [Fraction(int(x), int(w.sum())) for x in w]
    return PersuasionGame(prior, v.tolist(), u.tolist())


def _lp(game):
    """The LP as :func:`~bayespersuade.solvers.dispatch.solve_game` builds it: the
    receiver's utility scaled to a unit range (a positive scaling of a row does not
    change the LP's bases; its exact certificate uses the game's own data)."""
    u = np.asarray(game.receiver_utility, dtype=float)
    return build_obedience_lp(game.prior, game.sender_utility, u / max(1.0, np.abs(u).max()))


def _full_feasibility(lp, joint: np.ndarray) -> tuple[float, float]:
    """(largest obedience row value, largest prior-row error) from the full matrix."""
    x = joint.ravel()
    Ax = lp.A @ x
    n = lp.n_states
    return float(Ax[n:].max(initial=0.0)), float(np.abs(Ax[:n] - lp.prior).max())


def _check_agree(game: PersuasionGame) -> None:
    gen_lp, full_lp = _lp(game), _lp(game)
    gen = solve_obedience_lp(gen_lp, lp_method="generate")
    cert_gen, why = certify_basis(game, gen_lp, gen)
    # generation and the certification of its basis never built the full LP
    assert not any(name in vars(gen_lp) for name in _FULL), sorted(vars(gen_lp))
    full = solve_obedience_lp(full_lp, lp_method="simplex")
    assert abs(gen.value - full.value) <= 1e-9 * max(1.0, abs(full.value))
    scale = 1.0
    worst, prior_err = _full_feasibility(full_lp, gen.joint)
    assert worst <= 1e-7 * scale and prior_err <= 1e-9
    assert gen.max_obedience_violation == pytest.approx(max(0.0, worst), abs=1e-9 * scale)
    # the sparse result is the full LP's: multipliers aligned with lp.pairs, a basis
    assert gen.multipliers.shape == (full_lp.pairs.shape[0],)
    assert gen.row_basic.shape == (full_lp.n_rows,)
    assert int(gen.col_basic.sum()) + int(gen.row_basic.sum()) == full_lp.n_rows
    cert_full, why_full = certify_basis(game, full_lp, full)
    assert cert_full is not None, why_full
    if cert_gen is not None:  # a basis within the tolerance may not be exactly optimal
        assert cert_gen.value == cert_full.value
        assert verify_certificate(game, cert_gen)
    else:
        assert "not exactly optimal" in why


@pytest.mark.parametrize(("n", "m", "seed"), [(3, 40, 0), (3, 120, 1), (3, 200, 2),
                                              (4, 60, 3), (4, 150, 4), (4, 200, 5)])
def test_generation_agrees_with_the_full_lp_when_every_action_is_a_best_response(n, m, seed):
    game = all_br_game(n, m, seed)
    assert game.n_actions >= m - 2
    _check_agree(game)


def test_generation_with_coarse_targets_and_duplicate_receiver_rows():
    # d = 20: many actions share a target (identical receiver rows, no obedience row)
    rng_game = all_br_game(3, 150, 7, d=20)
    u = np.asarray(rng_game.receiver_utility).astype(np.int64)
    v = np.asarray(rng_game.sender_utility).astype(np.int64)
    game = PersuasionGame(list(rng_game.exact_data()[0]), np.vstack([v, 10 - v]).tolist(),
                          np.vstack([u, u]).tolist())
    lp = _lp(game)
    gen = solve_obedience_lp(lp, lp_method="generate")
    full = solve_obedience_lp(_lp(game), lp_method="simplex")
    assert abs(gen.value - full.value) <= 1e-9 * max(1.0, abs(full.value))
    cert, why = certify_basis(game, lp, gen)
    assert cert is None or verify_certificate(game, cert), why


@pytest.mark.parametrize(("n", "m", "seed"), [(3, 40, 0), (3, 120, 1), (4, 60, 3)])
def test_generation_on_utilities_of_large_magnitude(n, m, seed):
    # the receiver's utilities as given (up to 2e8), not scaled to a unit range:
    # generation stopped up to 8% below the optimum before it scaled them itself
    game = all_br_game(n, m, seed)
    raw = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
    gen = solve_obedience_lp(raw, lp_method="generate")
    full = solve_obedience_lp(_lp(game), lp_method="simplex")
    assert abs(gen.value - full.value) <= 1e-9 * max(1.0, abs(full.value))
    cert, why = certify_basis(game, raw, gen)
    assert cert is not None, why
    assert verify_certificate(game, cert)
    # multipliers in the units of the utilities given: p = v + Σ_b λ(a, b) (u(a) − u(b))
    # holds (within float error) on every column in the basis
    pa, pb = raw.pair_at(gen.multiplier_rows)
    u, v = raw.receiver_utility, raw.c.reshape(raw.n_actions, raw.n_states)
    S = np.zeros_like(u)
    np.add.at(S, pa, gen.multiplier_values[:, None] * (u[pa] - u[pb]))
    basic = gen.col_basic.reshape(u.shape)
    gap = (gen.prices[None, :] - v - S)[basic]
    assert np.abs(gap).max() <= 1e-6 * max(1.0, np.abs(v).max())


@pytest.mark.parametrize("kind", DEGENERACIES)
def test_generation_agrees_on_each_degenerate_kind(kind):
    @PROPS
    @given(degenerate_games(kinds=[kind], max_states=4, max_actions=8))
    def check(game):
        _check_agree(game)

    check()


@pytest.mark.parametrize("exact", [False, True])
def test_solve_never_builds_the_full_matrix_of_a_tall_game(monkeypatch, exact):
    game = all_br_game(3, 300, 11)
    expected = game.solve(exact=exact).value

    def refuse(*args, **kwargs):
        raise AssertionError("the full obedience matrix was built")

    monkeypatch.setattr(lp_mod, "_obedience_csr", refuse)
    sol = game.solve(exact=exact)
    assert "row/column generation" in sol.algorithm
    assert sol.value == expected
    if exact:
        assert sol.exact and verify_certificate(game, sol.certificate)


@pytest.mark.parametrize("dup", [False, True])
@pytest.mark.parametrize("m", [1, 2, 3, 7, 12])
def test_pair_index_and_pair_at_match_the_pairs(m, dup):
    rng = np.random.default_rng(m)
    u = rng.integers(0, 3, size=(m, 2)).astype(float)
    u[:] = np.arange(m)[:, None] * np.array([1.0, -1.0]) if not dup else u
    if dup and m >= 2:
        u[-1] = u[0]
    lp = build_obedience_lp(np.array([0.5, 0.5]), np.zeros((m, 2)), u)
    pairs = lp.pairs
    a, b = np.divmod(np.arange(m * m), m)
    idx = lp.pair_index(a, b)
    expect = np.full(m * m, -1)
    expect[pairs[:, 0] * m + pairs[:, 1]] = np.arange(pairs.shape[0])
    assert idx.tolist() == expect.tolist()
    pa, pb = lp.pair_at(np.arange(pairs.shape[0]))
    assert pa.tolist() == pairs[:, 0].tolist() and pb.tolist() == pairs[:, 1].tolist()
    assert lp.n_obedience == pairs.shape[0] and lp.n_rows == lp.A.shape[0]


def test_obedience_violation_matches_the_matrix():
    game = all_br_game(3, 30, 5, d=50)
    lp = _lp(game)
    rng = np.random.default_rng(0)
    for _ in range(20):
        joint = rng.random((lp.n_actions, 3)) * (rng.random((lp.n_actions, 1)) < 0.3)
        worst = max(0.0, float((lp.A[lp.n_states:] @ joint.ravel()).max()))
        assert lp.obedience_violation(joint) == pytest.approx(worst, rel=1e-12, abs=1e-9)
