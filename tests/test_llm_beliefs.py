"""Beliefs from answer-token log-probabilities."""

import math

import numpy as np
import pytest

from bayespersuade.llm.backends.base import OptionScores
from bayespersuade.llm.beliefs import (
    Belief,
    grouped_belief,
    likert_belief,
    yes_no_belief,
)
from bayespersuade.llm.metrics import exact_belief


def test_yes_no_adds_surface_forms_and_renormalises():
    s = OptionScores.complete(("Yes", "yes", "No", "no"), np.log([0.3, 0.1, 0.2, 0.2]))
    b = yes_no_belief(s)
    assert b.labels == ("no", "yes")
    assert b.prob("yes") == pytest.approx(0.5, abs=1e-15)
    assert b.mass == pytest.approx(0.8, abs=1e-15)
    assert b.status == "ok"


def test_zero_probability_forms():
    s = OptionScores.complete(("Yes", "yes", "No", "no"), [0.0, -math.inf, -math.inf, -math.inf])
    b = yes_no_belief(s)
    assert b.probs == (0.0, 1.0)
    assert b.to_json()["logprobs"]["yes"] == "-inf"


def test_all_zero_is_unavailable_not_defaulted():
    s = OptionScores.complete(("Yes", "yes", "No", "no"), [-math.inf] * 4)
    b = yes_no_belief(s)
    assert b.status == "unavailable"
    assert b.probs is None
    assert b.prob("yes") is None
    assert exact_belief(b.to_json(), "yes_no") is None


def test_partial_belief_records_bound():
    lp = np.array([math.log(0.5), math.nan, math.log(0.25), math.nan])
    s = OptionScores(("Yes", "yes", "No", "no"), lp, ~np.isnan(lp), math.log(0.01))
    b = yes_no_belief(s)
    assert b.status == "partial"
    assert b.prob("yes") == pytest.approx(2 / 3)
    assert b.unobserved_bound == pytest.approx(math.log(0.01))
    assert b.logprobs["yes"] is None


def test_likert_mean_and_roundtrip():
    s = OptionScores.complete(tuple("1234567"), np.log([1, 1, 1, 1, 1, 1, 2]) - np.log(8))
    b = likert_belief(s)
    assert b.prob("7") == pytest.approx(0.25)
    assert b.mean() == pytest.approx((1 + 2 + 3 + 4 + 5 + 6 + 14) / 8)
    assert Belief.from_json(b.to_json()) == b


def test_exact_belief_is_exact_value_of_recorded_float():
    from fractions import Fraction

    rec = {"labels": ["no", "yes"], "probs": [0.7, 0.3]}
    mu = exact_belief(rec, "yes_no")
    assert mu[1] == Fraction(0.3)
    assert mu[0] + mu[1] == 1
    lk = {"labels": list("1234567"), "probs": [0.1, 0.2, 0.1, 0.1, 0.1, 0.2, 0.2]}
    mu7 = exact_belief(lk, "likert")
    assert sum(mu7) == 1


def test_grouped_belief_custom_groups():
    s = OptionScores.complete(("A", "B", "C"), np.log([0.2, 0.2, 0.6]))
    b = grouped_belief(s, {"ab": ("A", "B"), "c": ("C",)})
    assert b.probs == pytest.approx((0.4, 0.6))


def test_option_scores_validation():
    from bayespersuade.exceptions import BackendError

    with pytest.raises(BackendError, match="<= 0"):
        OptionScores.complete(("a",), [0.5])
    with pytest.raises(BackendError, match="1 options"):
        OptionScores.complete(("a",), [-1.0, -2.0])
