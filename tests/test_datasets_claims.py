"""The plain claims loader (CSV and JSON lines)."""

from fractions import Fraction
from pathlib import Path

import pytest

from bayespersuade.datasets import load_claims, load_dataset
from bayespersuade.exceptions import DataError, InvalidParameterError
from bayespersuade.instances.families import record_prior

FIX = Path(__file__).parent / "fixtures" / "datasets" / "claims"


def test_csv():
    res = load_claims(FIX / "claims.csv")
    assert res.rows_read == 9
    assert [(r.id, r.prior) for r in res.records] == [
        ("c1", Fraction(2, 5)), ("c2", Fraction(2, 3)), ("c3", None)]
    assert [(r.row, r.field, r.reason) for r in res.rejected] == [
        (5, "prior", "prior is not in [0, 1]"),
        (6, "prior", "prior is not a number"),
        (7, "prior", "prior differs from an earlier row with the same id"),
        (8, "id", "empty id"),
        (9, "rating_initial", "rating is not a 1-7 Likert rating"),
    ]
    c2 = res.records[1]
    assert [(o.initial, o.final, o.source) for o in c2.observations] == [
        (3, 5, "Human"), (5, 5, "GPT")]
    assert c2.metadata == {"topic": "energy"}
    # auto: the user's prior comes first; the histogram of 3 and 5 gives 1/2
    assert record_prior(c2)[0] == Fraction(2, 3)
    assert record_prior(c2, source="histogram")[0] == Fraction(1, 2)


def test_jsonl_reads_decimals_exactly():
    res = load_claims(FIX / "claims.jsonl")
    assert res.rows_read == 8    # the blank line is not a row
    assert [r.id for r in res.records] == ["j1", "j2", "001"]
    j1, j2, auto = res.records
    assert j1.prior == Fraction(3, 10)          # the JSON number 0.3, exactly
    assert j2.position_prior == (Fraction(1, 7),) * 7
    assert auto.claim == "Daylight saving time should end"
    assert [(r.row, r.field, r.reason) for r in res.rejected] == [
        (5, "prior_1", "prior_1..prior_7 do not sum to 1"),
        (6, None, "not valid JSON"),
        (7, "claim", "missing or empty claim"),
        (8, "prior", "prior is not a number"),
        (9, None, "row is not a JSON object"),
    ]
    assert res.rejected[0].detail == "11/10"


def test_json_list_and_no_id_column(tmp_path):
    f = tmp_path / "c.json"
    f.write_text('[{"claim": "A"}, {"claim": "B", "prior": "1/3"}, {"claim": "A"}]')
    res = load_claims(f)
    assert [(r.id, r.claim, r.prior) for r in res.records] == [
        ("001", "A", None), ("002", "B", Fraction(1, 3))]
    g = tmp_path / "c.csv"
    g.write_text("claim,prior\nA,0.25\nB,\n")
    assert [r.id for r in load_claims(g).records] == ["001", "002"]


def test_partial_position_prior(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,claim,prior_1,prior_7\nx,A,1/2,1/2\n")
    with pytest.raises(DataError) as err:
        load_claims(f, strict=True)
    assert (err.value.row, err.value.field) == (1, "prior_2")


def test_tsv(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_text("id\tclaim\tprior\nx\tA, with comma\t1/4\n")
    rec = load_claims(f).records[0]
    assert (rec.claim, rec.prior) == ("A, with comma", Fraction(1, 4))


def test_missing_claim_column(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,text\n1,A\n")
    with pytest.raises(DataError, match="'claim'"):
        load_claims(f)


def test_strict_and_dispatcher():
    with pytest.raises(DataError) as err:
        load_dataset("claims", FIX / "claims.csv", strict=True)
    assert (err.value.row, err.value.field) == (5, "prior")
    with pytest.raises(InvalidParameterError, match="unknown dataset"):
        load_dataset("imdb", FIX / "claims.csv")
