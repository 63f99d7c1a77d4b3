"""The PERSPECTRUM loader, against fixtures in the upstream format."""

from fractions import Fraction
from pathlib import Path

import pytest

from bayespersuade.datasets import load_perspectrum
from bayespersuade.exceptions import DataError, InvalidParameterError
from bayespersuade.instances.families import evidence_position_prior, evidence_support_share

FIX = Path(__file__).parent / "fixtures" / "datasets" / "perspectrum"


@pytest.fixture(scope="module")
def result():
    return load_perspectrum(FIX)


def test_counts(result):
    assert result.rows_read == 8
    assert [r.id for r in result.records] == ["10", "11", "16"]
    assert len(result.files) == 3


def test_rejections(result):
    got = [(Path(r.path).name, r.row, r.field, r.reason) for r in result.rejected]
    assert got == [
        ("perspective_pool_v1.0.json", 8, "text", "pool entry has no text"),
        ("dataset_split_v1.0.json", 7, "99", "split is not train, dev or test"),
        ("perspectrum_with_answers_v1.0.json", 3, "perspectives[0].pids",
         "perspective id not in the pool"),
        ("perspectrum_with_answers_v1.0.json", 4, "perspectives[0].voter_counts",
         "voter_counts is not five non-negative integers"),
        ("perspectrum_with_answers_v1.0.json", 5, "perspectives[0].stance_label_3",
         "stance is not SUPPORT or UNDERMINE"),
        ("perspectrum_with_answers_v1.0.json", 6, "cId", "duplicate claim id"),
        ("perspectrum_with_answers_v1.0.json", 7, "cId",
         "claim id not listed in the split file"),
    ]


def test_record_fields(result):
    rec = result.records[0]
    assert rec.claim == "School uniforms should be mandatory"
    assert rec.source == "idebate"
    assert rec.metadata == {"split": "train",
                                                        "topics": ("education",)}
    ev = rec.evidence[0]
    assert (ev.id, ev.text, ev.stance) == ("100", "Uniforms reduce bullying", "support")
    assert ev.votes == {"support": 3, "mildly_support": 1, "mildly_undermine": 0,
                        "undermine": 0, "not_a_perspective": 0}
    assert ev.extra["paraphrases"] == ("Uniforms stop teasing about clothes",)
    assert ev.extra["pids"] == (100, 101)
    assert ev.extra["evidence_ids"] == (1, 2)
    assert rec.evidence[1].extra["stance_label_5"] == "mildly_undermine"


def test_split_filter(result):
    test = load_perspectrum(FIX, split="test")
    assert [r.id for r in test.records] == ["11", "16"]
    assert test.notes == ("split 'test': kept 2 claims, left out 1 valid claims of other "
                          "splits",)
    with pytest.raises(InvalidParameterError, match="split"):
        load_perspectrum(FIX, split="validation")


def test_evidence_priors_by_hand(result):
    c10, c11, c16 = result.records
    # claim 10: clusters (s, u) = (4, 0), (0, 3), (0, 0)
    assert evidence_support_share(c10)[0] == Fraction(4, 7)
    assert evidence_support_share(c10, "clusters")[0] == Fraction(1, 2)
    assert evidence_support_share(c10, "labels")[0] == Fraction(1, 3)
    # claim 11: (2, 0), (0, 4), (2, 0) -- the last labelled UNDERMINE by the gold label
    assert evidence_support_share(c11)[0] == Fraction(1, 2)
    assert evidence_support_share(c11, "clusters")[0] == Fraction(2, 3)
    assert evidence_support_share(c11, "labels")[0] == Fraction(1, 3)
    # positions: 3 support -> 7, 1 mildly support -> 5, 2 mildly undermine -> 3, 1 undermine -> 1
    dist, origin = evidence_position_prior(c10)
    assert dist == (Fraction(1, 7), 0, Fraction(2, 7), 0, Fraction(1, 7), 0, Fraction(3, 7))
    assert origin["stance_votes"] == 7
    assert c16.evidence == ()


def test_strict():
    with pytest.raises(DataError) as err:
        load_perspectrum(FIX, strict=True)
    assert (err.value.row, err.value.field) == (8, "text")
    assert "perspective_pool_v1.0.json" in str(err.value)


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="not a folder"):
        load_perspectrum(tmp_path / "nope")
    with pytest.raises(DataError, match="no such file"):
        load_perspectrum(tmp_path)
