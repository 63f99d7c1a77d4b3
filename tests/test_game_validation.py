"""Bad input to PersuasionGame and its methods raises clear library errors."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from bayespersuade import (
    BayesPersuadeError,
    InvalidGameError,
    InvalidParameterError,
    PersuasionGame,
)
from bayespersuade.examples import prosecutor

V = [[0, 0], [1, 1]]
U = [[1, 0], [0, 1]]


def make(prior=(Fraction(7, 10), Fraction(3, 10)), v=V, u=U, **kw):
    return PersuasionGame(list(prior), v, u, **kw)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prior": (Fraction(-1, 10), Fraction(11, 10))}, r"prior\[0\] is -1/10, which is negative"),
        ({"prior": (-0.1, 1.1)}, r"prior\[0\] is -0\.1, which is negative"),
        ({"prior": (Fraction(1, 2), Fraction(1, 3))}, r"prior sums to 5/6, not 1"),
        ({"prior": (0.5, 0.4)}, r"prior sums to 0\.9, not 1"),
        ({"prior": (0.5, 0.5, 0.0)}, r"prior has 3 entries but the utilities have 2 states"),
        ({"v": [[0, 0, 0], [1, 1, 1]]}, r"sender_utility has shape \(2, 3\) but receiver_utility"),
        ({"u": [[1, 0], [0, float("nan")]]}, r"receiver_utility\[1\]\[1\] is nan"),
        ({"v": np.array([[0.0, np.inf], [1, 1]])}, r"sender_utility\[0\]\[1\] is inf"),
        ({"v": [[0, "abc"], [1, 1]]}, r"sender_utility\[0\]\[1\] is 'abc' of type str"),
        ({"u": [[1, 0], [0, None]]}, r"receiver_utility\[1\]\[1\] is None"),
        ({"u": [[True, 0], [0, 1]]}, r"receiver_utility\[0\]\[0\] is a boolean"),
        ({"u": [[1, 0], [0]]}, r"receiver_utility is ragged"),
        ({"u": [1, 0]}, r"receiver_utility must be 2-dimensional"),
        ({"prior": ()}, r"prior is empty"),
        ({"v": np.zeros((0, 2)), "u": np.zeros((0, 2))}, r"sender_utility is empty"),
        ({"states": ["a", "a"]}, r"states has a duplicate label 'a' \(positions 0 and 1\)"),
        ({"actions": ["x"]}, r"actions has 1 labels but the utilities have 2 actions"),
        ({"actions": [1.5, 2.5]}, r"actions\[0\] is 1\.5; labels must be strings or integers"),
        ({"states": "ab"}, r"states must be a sequence of labels, got a string"),
        ({"name": 3}, r"name must be a string"),
        ({"metadata": [1]}, r"metadata must be a dict"),
    ],
)
def test_invalid_games_raise_clear_errors(kwargs, match):
    with pytest.raises(InvalidGameError, match=match):
        make(**kwargs)


def test_errors_are_library_errors_and_value_errors():
    with pytest.raises(BayesPersuadeError):
        make(prior=(Fraction(1, 2), Fraction(1, 3)))
    with pytest.raises(ValueError):
        make(prior=(Fraction(1, 2), Fraction(1, 3)))


def test_rational_input_stays_rational_and_floats_do_not():
    g = make()
    assert g.is_rational
    prior, v, u = g.exact_data()
    assert prior[1] == Fraction(3, 10) and isinstance(prior[1], Fraction)
    assert v.dtype == object and u[0][0] == 1
    f = make(prior=(0.7, 0.3))
    assert not f.is_rational
    with pytest.raises(InvalidGameError, match="floating-point entries"):
        f.exact_data()
    # Decimal and string-free numpy integers are exact too
    d = PersuasionGame([Decimal("0.25"), Decimal("0.75")], np.array(V), np.array(U))
    assert d.exact_data()[0][0] == Fraction(1, 4)


def test_float_prior_within_tolerance_is_accepted_exactly_as_given():
    g = make(prior=(0.7, 0.3 + 1e-12))
    assert g.prior[1] == 0.3 + 1e-12  # never renormalised silently


def test_exact_solve_of_float_game_is_refused_with_guidance():
    g = make(prior=(0.7, 0.3))
    with pytest.raises(InvalidGameError, match="to_rational"):
        g.solve(exact=True)
    r = g.to_rational(max_denominator=100)
    assert r.is_rational and r.solve(exact=True).value == Fraction(3, 5)
    b = g.to_rational()  # exact binary values, rescaled to sum to one and recorded
    assert b.is_rational and sum(b.exact_data()[0]) == 1
    assert "prior_rescaled_by" in b.metadata


def test_to_rational_with_max_denominator_that_breaks_the_sum_raises():
    g = PersuasionGame([1 / 3, 1 / 3, 1 / 3], np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(InvalidGameError, match="sums to"):
        g.to_rational(max_denominator=2)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda g: g.solve(method="magic"), InvalidParameterError, "method must be"),
        (lambda g: g.solve(backend="gurobi"), InvalidParameterError, "backend must be"),
        (lambda g: g.solve(lp_method="barrier"), InvalidParameterError, "lp_method must be"),
        (lambda g: g.solve(exact=True, backend="cvxpy"), InvalidParameterError, "cvxpy"),
        (lambda g: g.best_response([0.5, 0.5], tie_break="random"), InvalidParameterError,
         "tie_break"),
        (lambda g: g.best_response([0.5, 0.3, 0.2]), InvalidGameError, "3 entries per row"),
        (lambda g: g.sender_value("abc"), InvalidGameError, "belief"),
        (lambda g: g.best_response([0.5, 0.5], exact=True), InvalidGameError,
         "exact belief"),
        (lambda g: g.permute(state_order=[0, 0]), InvalidGameError, "not a permutation"),
        (lambda g: g.evaluate_scheme([[1, 0]]), InvalidGameError, "1 rows but the game has 2"),
        (lambda g: g.evaluate_scheme([[Fraction(1, 2), Fraction(1, 3)], [0, 1]]),
         InvalidGameError, "scheme row 0 sums to 5/6"),
        (lambda g: g.evaluate_scheme([[-0.5, 1.5], [0, 1]]), InvalidGameError,
         r"scheme\[0\]\[0\] is -0\.5"),
        (lambda g: g.evaluate_splitting([0.5, 0.5], [[1, 0]]), InvalidGameError,
         "posteriors must have shape"),
        (lambda g: g.evaluate_splitting([0.5, 0.6], [[1, 0], [0, 1]]), InvalidGameError,
         "weights row 0 sums to"),
        (lambda g: g.ceilings([[0.5, 0.6]]), InvalidGameError, "priors row 0 sums to"),
        (lambda g: g.ceilings([[0.5, 0.5, 0.0]]), InvalidGameError, "2 columns"),
        (lambda g: g.envelope()(1.5), InvalidGameError, "outside"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call(prosecutor())


def test_envelope_needs_two_states():
    g = PersuasionGame([Fraction(1, 3)] * 3, np.zeros((2, 3), dtype=int), np.zeros((2, 3), dtype=int))
    with pytest.raises(InvalidGameError, match="2 states, this one has 3"):
        g.envelope()


def test_games_are_immutable_and_hashable():
    g = prosecutor()
    with pytest.raises(ValueError):
        g.prior[0] = 0.5
    with pytest.raises(AttributeError):
        g.foo = 1
    assert g == prosecutor() and hash(g) == hash(prosecutor())
    assert g != prosecutor("1/2")
    assert "2 states x 2 actions, rational" in repr(g)


def test_exact_entries_too_large_for_floats_are_rejected():
    with pytest.raises(InvalidGameError, match=r"sender_utility\[0\]\[0\] is 1000.* too large"):
        PersuasionGame([1], [[10**400]], [[0]])
