"""Instance families and prior constructors (hand-computed values)."""

from fractions import Fraction as F

import numpy as np
import pytest

from bayespersuade.datasets import ClaimRecord, Evidence, RatingObservation
from bayespersuade.exceptions import InvalidGameError, InvalidParameterError
from bayespersuade.instances.families import (
    binary_truth_game,
    evidence_position_prior,
    evidence_stance_game,
    evidence_support_share,
    family_states,
    game_for_record,
    make_game,
    prior_from_model_belief,
    prior_from_ratings,
    prior_vector,
    rating_histogram,
    record_prior,
)


def votes(s=0, ms=0, mu=0, u=0, na=0):
    return {"support": s, "mildly_support": ms, "mildly_undermine": mu, "undermine": u,
            "not_a_perspective": na}


EVID = (Evidence("1", "a", "support", votes(3, 1)),
        Evidence("2", "b", "undermine", votes(0, 0, 2, 1, 1)),
        Evidence("3", "c", "undermine", votes(na=3)))


def test_evidence_stance_has_binary_truth_utilities():
    for mu in (F(0), F(1, 12), F(4, 7), F(1)):
        for loss in ("quadratic", "absolute"):
            e = evidence_stance_game(mu, loss=loss)
            b = binary_truth_game(mu, loss=loss)
            assert e.states == ("undermine", "support")
            assert e.metadata["family"] == "evidence-stance"
            assert np.array_equal(e.exact_data()[1], b.exact_data()[1])
            assert np.array_equal(e.exact_data()[2], b.exact_data()[2])


@pytest.mark.parametrize(("mu", "vhat", "V"), [
    # quadratic: v̂ = round(1 + 6μ) (ties up); V = 1 + 12μ on [0, 1/12], 3/2 + 6μ to 11/12, then 7
    (F(0), 1, 1), (F(1, 24), 1, F(3, 2)), (F(1, 12), 2, 2), (F(4, 7), 4, F(69, 14)),
    (F(1, 2), 4, F(9, 2)), (F(11, 12), 7, 7), (F(19, 20), 7, 7),
])
def test_evidence_stance_quadratic_values(mu, vhat, V):
    g = evidence_stance_game(mu)
    assert g.no_disclosure_value(exact=True) == vhat
    sol = g.solve(exact=True)
    assert sol.exact
    assert sol.value == V


@pytest.mark.parametrize(("mu", "vhat", "V"), [
    # absolute: the receiver answers 7 iff μ >= 1/2, else 1; V = 1 + 12μ up to 1/2
    (F(1, 3), 1, 5), (F(1, 2), 7, 7), (F(1, 10), 1, F(11, 5)),
])
def test_evidence_stance_absolute_values(mu, vhat, V):
    g = evidence_stance_game(mu, loss="absolute")
    assert g.no_disclosure_value(exact=True) == vhat
    assert g.solve(exact=True).value == V
    assert g.solve(method="concavification", exact=True).value == V


def test_support_share_weightings_by_hand():
    # clusters (s, u): (4, 0), (0, 3), (0, 0 -- three "not a perspective" votes)
    assert evidence_support_share(EVID)[0] == F(4, 7)
    assert evidence_support_share(EVID, "clusters")[0] == F(1, 2)
    assert evidence_support_share(EVID, "labels")[0] == F(1, 3)
    _, origin = evidence_support_share(EVID)
    assert origin == {"kind": "evidence", "weighting": "votes", "support_votes": 4,
                      "stance_votes": 7, "clusters": 3}


def test_support_share_errors():
    with pytest.raises(InvalidGameError, match="no evidence"):
        evidence_support_share(())
    with pytest.raises(InvalidGameError, match="no stance votes"):
        evidence_support_share((EVID[2],))
    with pytest.raises(InvalidGameError, match="no stance votes"):
        evidence_support_share((EVID[2],), "clusters")
    assert evidence_support_share((EVID[2],), "labels")[0] == 0
    with pytest.raises(InvalidParameterError, match="weighting"):
        evidence_support_share(EVID, "crowd")
    with pytest.raises(InvalidGameError, match="no vote count"):
        evidence_support_share((Evidence("9", "x", "support", {"support": 1}),))


def test_position_prior():
    dist, origin = evidence_position_prior(EVID)
    # 3 support -> 7, 1 mildly support -> 5, 2 mildly undermine -> 3, 1 undermine -> 1
    assert dist == (F(1, 7), 0, F(2, 7), 0, F(1, 7), 0, F(3, 7))
    assert origin["position_counts"] == [1, 0, 2, 0, 1, 0, 3]
    other = {"support": 6, "mildly_support": 5, "mildly_undermine": 3, "undermine": 2}
    assert evidence_position_prior(EVID, other)[0] == (
        0, F(1, 7), F(2, 7), 0, F(1, 7), F(3, 7), 0)
    with pytest.raises(InvalidParameterError):
        evidence_position_prior(EVID, {"support": 7})


def test_ratings_priors():
    assert rating_histogram([7, 1, 1]) == (2, 0, 0, 0, 0, 0, 1)
    prior, origin = prior_from_ratings([2, 4, 4])
    assert prior == F(7, 18)                   # ((1 + 3 + 3)/3)/6
    assert origin == {"kind": "histogram", "counts": [0, 1, 0, 2, 0, 0, 0], "n": 3}
    assert prior_from_ratings([2, 4, 4], "normative-position")[0] == (
        0, F(1, 3), 0, F(2, 3), 0, 0, 0)
    with pytest.raises(InvalidGameError):
        prior_from_ratings([])
    with pytest.raises(InvalidGameError):
        rating_histogram([0])
    with pytest.raises(InvalidGameError):
        rating_histogram([True])


def test_model_belief_priors():
    p, origin = prior_from_model_belief(F(2, 5), model="m", method="logprob")
    assert p == F(2, 5)
    assert origin == {"kind": "model", "model": "m", "method": "logprob", "belief": "2/5"}
    assert prior_from_model_belief(0.25)[0] == 0.25
    dist = [F(1, 2), 0, 0, 0, 0, 0, F(1, 2)]
    assert prior_from_model_belief(dist)[0] == F(1, 2)       # mean (1 + 7)/2 -> (4 - 1)/6
    assert prior_from_model_belief(dist, "normative-position")[0] == tuple(dist)
    fl = prior_from_model_belief([0.0, 0.0, 0.5, 0.5, 0.0, 0.0, 0.0])[0]
    assert fl == pytest.approx((2 * 0.5 + 3 * 0.5) / 6)
    with pytest.raises(InvalidGameError):
        prior_from_model_belief(0.4, "normative-position")
    with pytest.raises(InvalidGameError):
        prior_from_model_belief([F(1, 2), F(1, 3), 0, 0, 0, 0, 0])
    with pytest.raises(InvalidGameError):
        prior_from_model_belief(1.5)


def _rec(**kw):
    return ClaimRecord("claims", "x", "claim", **kw)


def test_record_prior_sources_and_auto_order():
    obs = (RatingObservation(initial=3, final=5), RatingObservation(initial=5, final=5))
    rec = _rec(observations=obs, evidence=EVID, prior=F(9, 10))
    assert record_prior(rec)[0] == F(9, 10)                               # user first
    assert record_prior(rec, source="histogram")[0] == F(1, 2)
    assert record_prior(rec, source="evidence")[0] == F(4, 7)
    assert record_prior(rec, "evidence-stance")[0] == F(4, 7)             # evidence first
    assert record_prior(_rec(observations=obs))[0] == F(1, 2)
    assert record_prior(_rec(evidence=EVID))[1]["kind"] == "evidence"
    with pytest.raises(InvalidGameError, match="not one"):
        record_prior(rec, source="rating")
    single = _rec(observations=obs[:1])
    assert record_prior(single, source="rating") == (F(1, 3), {"kind": "rating", "rating": 3})
    assert record_prior(single, "normative-position", source="rating")[0] == (
        0, 0, 1, 0, 0, 0, 0)
    with pytest.raises(InvalidGameError, match="no prior for the evidence-stance family"):
        record_prior(_rec(observations=obs), "evidence-stance")
    with pytest.raises(InvalidParameterError):
        record_prior(rec, source="crowd")
    with pytest.raises(InvalidParameterError):
        record_prior(rec, "ternary")


def test_game_for_record():
    rec = ClaimRecord("perspectrum", "10", "Uniforms", evidence=EVID)
    g = game_for_record(rec, "evidence-stance", loss="absolute")
    assert g.name == "10"
    assert g.is_rational
    assert g.exact_data()[0].tolist() == [F(3, 7), F(4, 7)]
    meta = g.metadata
    assert meta["dataset"] == "perspectrum"
    assert meta["claim"] == "Uniforms"
    assert meta["p"] == 1
    assert meta["prior_origin"]["kind"] == "evidence"
    g2 = game_for_record(rec, "normative-position", prior=[F(1, 7)] * 7)
    assert g2.metadata["prior_origin"]["kind"] == "user"
    g3 = game_for_record(rec, "binary-truth", p=1.5)
    assert not g3.is_rational
    assert g3.prior.tolist() == pytest.approx([3 / 7, 4 / 7])


def test_make_game_and_states():
    assert make_game("normative-position", [F(1, 7)] * 7).states == (1, 2, 3, 4, 5, 6, 7)
    assert family_states("binary-truth") == ("false", "true")
    assert prior_vector("evidence-stance", "1/4") == [F(3, 4), F(1, 4)]
    with pytest.raises(InvalidGameError):
        prior_vector("normative-position", [1])
    with pytest.raises(InvalidGameError):
        make_game("binary-truth", F(3, 2))
