"""The exact path when the float basis cannot be certified."""

from fractions import Fraction

import numpy as np
import pytest

import bayespersuade.solvers.dispatch as solve_mod
from bayespersuade import PersuasionGame
from bayespersuade.examples import likert_quadratic, prosecutor
from bayespersuade.solvers.certify import (
    EXACT_FALLBACK_MAX_VARIABLES,
    Certificate,
    certify_small_game_exactly,
    verify_certificate,
)


def _no_basis(game, lp, result):
    return None, "forced failure for the test"


def test_small_games_fall_back_to_the_exact_simplex(monkeypatch):
    monkeypatch.setattr(solve_mod, "certify_basis", _no_basis)
    # lp_method="simplex": an exact two-state solve with "auto" takes the exact
    # envelope and never reaches the LP basis
    sol = likert_quadratic("1/3").solve(exact=True, lp_method="simplex")
    assert sol.exact
    assert sol.certificate.method == "exact-simplex"
    assert sol.value == Fraction(3, 2) + 6 * Fraction(1, 3)
    assert "exact simplex" in sol.algorithm
    assert bool(sol.verify())


def test_large_games_report_why_they_are_not_exact(monkeypatch):
    monkeypatch.setattr(solve_mod, "certify_basis", _no_basis)
    rng = np.random.default_rng(3)
    n = m = 9
    assert n * m > EXACT_FALLBACK_MAX_VARIABLES
    game = PersuasionGame([Fraction(1, n)] * n, rng.integers(0, 5, (m, n)),
                          rng.integers(0, 5, (m, n)))
    sol = game.solve(exact=True)
    assert not sol.exact
    assert sol.certificate is None
    assert isinstance(sol.value, float)
    assert "forced failure for the test" in sol.exact_failure
    assert "limited to" in sol.exact_failure
    assert "not exact" in sol.summary()


def test_exact_simplex_certificate_matches_the_basis_certificate():
    game = prosecutor("2/9")
    cert, reason = certify_small_game_exactly(game)
    assert reason is None
    assert cert.value == game.solve(exact=True).value == Fraction(4, 9)
    assert bool(verify_certificate(game, cert))


def test_certificate_round_trips_through_json_form():
    cert = likert_quadratic("5/7").solve(exact=True).certificate
    again = Certificate.from_dict(cert.to_dict())
    assert again == cert


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("prices"),
        lambda d: d.update(value="abc"),
        lambda d: d.update(kind="other"),
        lambda d: d.update(joint=[[0, ["1/2"], "extra"]]),
    ],
)
def test_malformed_certificates_raise(mutate):
    from bayespersuade import CertificateError

    d = prosecutor().solve(exact=True).certificate.to_dict()
    mutate(d)
    with pytest.raises(CertificateError):
        Certificate.from_dict(d)


def test_certificate_that_does_not_fit_the_game_raises():
    from dataclasses import replace

    from bayespersuade import CertificateError

    cert = prosecutor().solve(exact=True).certificate
    with pytest.raises(CertificateError, match="3 prices but the game has 2 states"):
        verify_certificate(likert_quadratic(), replace(cert, prices=(*cert.prices, 1)))
    with pytest.raises(CertificateError, match="out of range"):
        verify_certificate(prosecutor(), replace(cert, joint=((5, (0, 1)),)))


def test_primal_infeasible_certificate_is_rejected_with_a_reason():
    from dataclasses import replace

    game = prosecutor()
    cert = game.solve(exact=True).certificate
    # recommend "convict" in the innocent state only: disobeyed
    bad = replace(cert, joint=((0, (Fraction(0), Fraction(3, 10))),
                               (1, (Fraction(7, 10), Fraction(0)))))
    check = verify_certificate(game, bad)
    assert not check.primal_feasible
    assert any("not obeyed" in p for p in check.problems)
    neg = replace(cert, multipliers=((1, 0, Fraction(-1)),))
    check = verify_certificate(game, neg)
    assert not check.dual_feasible
    assert any("negative" in p for p in check.problems)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bayespersuade.solvers._exact_lp import exact_simplex, solve_lp_exactly  # noqa: E402

small_int = st.integers(-4, 4)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_exact_simplex_agrees_with_the_certified_basis(n_var, n_row, data):
    A = [[data.draw(small_int) for _ in range(n_var)] for _ in range(n_row)]
    b = [data.draw(st.integers(0, 6)) for _ in range(n_row)]
    A.append([1] * n_var)  # bounded: Σx <= 10
    b.append(10)
    c = [data.draw(small_int) for _ in range(n_var)]
    eq = [[data.draw(st.integers(0, 3)) for _ in range(n_var)]]
    beq = [data.draw(st.integers(0, 3))]
    simplex = exact_simplex(c, A, b, eq, beq)
    basis = solve_lp_exactly(c, A_ub=A, b_ub=b, A_eq=eq, b_eq=beq)
    if simplex is None:
        assert basis is None
        return
    x, y_ub, y_eq = simplex
    value = sum(ci * xi for ci, xi in zip(c, x))
    assert basis is not None
    assert basis.value == value
    # the duals read off the tableau prove it: equal objectives
    assert value == sum(bi * yi for bi, yi in zip(b, y_ub)) + sum(
        bi * yi for bi, yi in zip(beq, y_eq))
    assert all(yi >= 0 for yi in y_ub)


def test_exact_simplex_detects_infeasible_and_unbounded():
    assert exact_simplex([1], A_ub=[[1]], b_ub=[-1]) is None  # x <= -1, x >= 0
    assert exact_simplex([1], A_ub=[[-1]], b_ub=[0]) is None  # unbounded
    assert exact_simplex([1, 1], A_eq=[[1, 1]], b_eq=[-2]) is None
