"""The Anthropic Persuasion loader, against a fixture in the real CSV format."""

from fractions import Fraction
from pathlib import Path

import pytest

from bayespersuade.datasets import load_anthropic, load_dataset
from bayespersuade.datasets.anthropic import is_control
from bayespersuade.exceptions import DataError
from bayespersuade.instances.families import record_prior

FIX = Path(__file__).parent / "fixtures" / "datasets" / "anthropic" / "persuasion_data.csv"


@pytest.fixture(scope="module")
def result():
    return load_anthropic(FIX)


def test_counts(result):
    # 11 data rows (one argument spans two lines); 5 malformed
    assert result.rows_read == 11
    assert result.n_rejected == 5
    assert [r.id for r in result.records] == ["001", "002", "003"]
    assert result.files == (str(FIX),)


def test_rejections_name_row_field_and_reason(result):
    got = [(r.row, r.field, r.reason) for r in result.rejected]
    assert got == [
        (7, "rating_initial", "rating is not a 1-7 Likert rating"),
        (8, "claim", "empty claim"),
        (9, "persuasiveness_metric",
         "persuasiveness_metric differs from rating_final - rating_initial"),
        (10, "rating_final", "row has fewer fields than the header"),
        (11, "rating_initial", "rating is not a 1-7 Likert rating"),
    ]
    assert result.rejected[0].detail == "'9 - Absolutely'"
    assert all(r.path == str(FIX) for r in result.rejected)
    assert "5 rows rejected" in result.summary()


def test_records(result):
    a, b, c = result.records
    assert a.claim == "Social media should verify users' ages"
    assert [(o.initial, o.final, o.source) for o in a.observations] == [
        (2, 5, "Human"), (4, 4, "Claude 3 Opus"), (4, 6, "Claude 3 Opus")]
    assert a.observations[0].argument == (
        'Age checks protect children, and "verification" is cheap.')
    assert a.observations[1].argument == "Kids deserve protection.\n\nPlatforms can do it."
    assert a.observations[1].participant == "w02"
    assert a.observations[2].extra["prompt_type"] == "Expert Writer Rhetorics"
    assert a.metadata["sources"] == ["Claude 3 Opus", "Human"]
    assert [(o.initial, o.final) for o in b.observations] == [(1, 2), (7, 7)]
    assert c.observations[0].extra["control"] is True
    assert not any(o.extra["control"] for o in a.observations + b.observations)


def test_histogram_priors(result):
    a, b, _ = result.records
    # initial ratings 2, 4, 4 -> mean belief ((1 + 3 + 3)/3)/6 = 7/18
    prior, origin = record_prior(a, "binary-truth")
    assert prior == Fraction(7, 18)
    assert origin == {"kind": "histogram", "counts": [0, 1, 0, 2, 0, 0, 0], "n": 3}
    dist, _ = record_prior(a, "normative-position")
    assert dist == (0, Fraction(1, 3), 0, Fraction(2, 3), 0, 0, 0)
    assert record_prior(b, "binary-truth")[0] == Fraction(1, 2)   # ratings 1 and 7


def test_strict_mode_raises_with_file_row_field():
    with pytest.raises(DataError) as err:
        load_anthropic(FIX, strict=True)
    e = err.value
    assert (e.path, e.row, e.field) == (str(FIX), 7, "rating_initial")
    assert str(FIX) in str(e)
    assert "row 7" in str(e)
    assert "rating_initial" in str(e)


def test_missing_column_is_a_file_error(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("worker_id,claim,argument,source,rating_initial\nw,c,a,Human,4\n")
    with pytest.raises(DataError, match="rating_final"):
        load_anthropic(f)


def test_participant_column_required(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("claim,argument,source,rating_initial,rating_final\nc,a,Human,4,5\n")
    with pytest.raises(DataError, match="worker_id"):
        load_anthropic(f)


def test_id_column_alternative(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("ID,claim,argument,source,prompt_type,rating_initial,rating_final\n"
                 "7,c,a,Human,Human,4,5\n")
    obs = load_anthropic(f).records[0].observations[0]
    assert (obs.participant, obs.initial, obs.final) == ("7", 4, 5)


def test_missing_file():
    with pytest.raises(DataError, match="no such file"):
        load_anthropic("/nonexistent/persuasion_data.csv")


def test_dispatcher_matches_loader(result):
    assert load_dataset("anthropic", FIX).records == result.records


def test_is_control():
    assert is_control("Human", "control prompt")
    assert not is_control("Human", "Controlled Study Writer")  # whole word only
    assert not is_control(None, None)
