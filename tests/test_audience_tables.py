"""Dataset audiences: a claim's participants as receivers (public vs private)."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayespersuade.datasets import ClaimRecord, RatingObservation
from bayespersuade.datasets.anthropic import load_anthropic
from bayespersuade.exceptions import InvalidGameError, InvalidParameterError
from bayespersuade.instances.audiences import rating_audience, targeting_table
from bayespersuade.instances.families import binary_truth_game, prior_from_rating
from bayespersuade.solvers.audience import Audience

FIXTURE = Path(__file__).parent / "fixtures" / "datasets" / "anthropic" / "persuasion_data.csv"


def ungrouped(ratings, mu_s):
    """One receiver per participant (no grouping), dogmatic ones apart."""
    base = binary_truth_game(mu_s)
    movable, fixed = [], F(0)
    for r in ratings:
        mu = prior_from_rating(r)
        if mu in (0, 1) and mu != mu_s:
            a = base.with_prior([1 - mu, mu]).best_response([1 - mu, mu], exact=True)
            fixed += a + 1  # v(a, ω) = the answer a + 1 (actions are 1..7)
        else:
            movable.append(base.with_receiver_prior([1 - mu, mu]))
    return movable, fixed


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=8))
def test_grouped_audience_equals_one_receiver_per_participant(ratings):
    ra = rating_audience(ratings)
    public, private, nd, _ = ra.targeting()
    movable, fixed = ungrouped(ratings, ra.sender_prior)
    assert fixed == ra.fixed_value
    if movable:
        aud = Audience(movable)
        assert aud.public(exact=True).value + fixed == public
        # private: each participant's own heterogeneous-prior game, solved alone
        assert sum((g.solve(exact=True).value for g in movable), F(0)) + fixed == private
        assert aud.no_disclosure_value(exact=True) + fixed == nd
    else:
        assert public == private == nd == fixed
    assert private >= public >= nd


@settings(max_examples=20, deadline=None, database=None)
@given(st.integers(2, 6), st.integers(1, 5))
def test_one_rating_means_no_value_of_targeting(r, k):
    ra = rating_audience([r] * k)
    public, private, _, _ = ra.targeting()
    assert public == private == k * binary_truth_game(prior_from_rating(r)).solve(
        exact=True).value


def test_table_on_the_anthropic_fixture():
    recs = load_anthropic(FIXTURE).records
    t = targeting_table(recs)
    assert len(t) == len(recs)
    assert (t["targeting"] >= 0).all()
    for row in t.itertuples():
        assert F(row.private_exact) - F(row.public_exact) == F(row.targeting_exact)
        assert abs(float(F(row.public_exact)) - row.public) < 1e-12
        rec = next(r for r in recs if r.id == row.id)
        assert row.n_receivers == len(rec.initial_ratings())


def test_table_skips_records_without_ratings_and_says_so():
    recs = [ClaimRecord("claims", "a", "x"),
            ClaimRecord("claims", "b", "y", observations=(RatingObservation(initial=3),))]
    t = targeting_table(recs)
    assert t["id"].tolist() == ["b"]
    assert t.attrs["skipped"] == [("a", "no initial ratings")]
    assert t.attrs["n_records"] == 2


def test_user_sender_prior_and_errors():
    ra = rating_audience([3, 5], sender_prior=F(1, 2))
    assert ra.sender_prior == F(1, 2)
    with pytest.raises(InvalidGameError, match=r"ratings\[1\] is 8"):
        rating_audience([3, 8])
    with pytest.raises(InvalidGameError, match="no ratings"):
        rating_audience([])
    with pytest.raises(InvalidGameError, match="not in"):
        rating_audience([3], sender_prior=2)
    with pytest.raises(InvalidParameterError, match="two-state family"):
        rating_audience([3], "normative-position")
