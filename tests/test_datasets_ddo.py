"""The debate.org (DDO) loader, against fixtures in the corpus's format."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from bayespersuade.datasets import load_dataset, load_ddo
from bayespersuade.exceptions import DataError, InvalidParameterError
from bayespersuade.instances.families import record_prior

FIX = Path(__file__).parent / "fixtures" / "datasets" / "ddo"


@pytest.fixture(scope="module")
def result():
    return load_ddo(FIX)


def test_counts_and_files(result):
    assert result.rows_read == 5
    assert [r.id for r in result.records] == [
        "Tea-is-better-than-coffee/1/", "God-exists/12/", "Abortion/3/"]
    assert [Path(f).name for f in result.files] == ["debates.json", "users.json"]


def test_rejections(result):
    got = [(r.row, r.field, r.reason) for r in result.rejected]
    assert got == [
        (1, "votes[5].votes_map", "not exactly one answer to 'Agreed with before the debate'"),
        (2, "votes[1].votes_map['cy']",
         "votes_map lacks 'Agreed with before the debate' for 'cy'"),
        (3, "participant_2_position", "both debaters are on the same side"),
        (4, "title", "missing or empty title"),
    ]


def test_votes_become_ratings(result):
    tea = result.records[0]
    assert tea.claim == "Tea is better than coffee"
    # v1 tied->pro, v2 con->con, v3 tied->tied, v4 pro->pro; v5 has no agreement answers
    assert [(o.participant, o.initial, o.final) for o in tea.observations] == [
        ("v1", 4, 7), ("v2", 1, 1), ("v3", 4, 4), ("v4", 7, 7)]
    assert tea.metadata["votes_without_agreement"] == 1
    assert tea.metadata["n_votes"] == 6
    assert tea.metadata["pro"] == "ann"
    assert tea.metadata["con"] == "bob"
    assert tea.metadata["pro_argument"] == "Tea has less caffeine.\n\nTea is cheaper."
    assert tea.observations[0].extra["political_ideology"] == "Liberal"
    assert "political_ideology" not in tea.observations[2].extra   # v3 not in users.json
    # initial 4, 1, 4, 7 -> mean belief (3 + 0 + 3 + 6)/4/6 = 1/2
    assert record_prior(tea, "binary-truth")[0] == Fraction(1, 2)


def test_pro_is_participant_2(result):
    god = result.records[1]
    assert (god.metadata["pro"], god.metadata["con"]) == ("di", "cy")
    assert [(o.initial, o.final) for o in god.observations] == [(1, 7)]


def test_topic_title_kept_verbatim(result):
    assert result.records[2].claim == "Abortion"
    assert result.records[2].observations == ()


def test_custom_scale():
    res = load_ddo(FIX / "debates.json", scale={"pro": 6, "tied": 4, "con": 2})
    assert [(o.initial, o.final) for o in res.records[0].observations] == [
        (4, 6), (2, 2), (4, 4), (6, 6)]
    assert len(res.files) == 1   # users.json only found when a folder is given
    with pytest.raises(InvalidParameterError, match="scale"):
        load_ddo(FIX, scale={"pro": 9, "tied": 4, "con": 1})


def test_strict():
    with pytest.raises(DataError) as err:
        load_ddo(FIX, strict=True)
    assert (err.value.row, err.value.field) == (1, "votes[5].votes_map")
    assert "debates.json" in str(err.value)


def test_not_an_object(tmp_path):
    (tmp_path / "debates.json").write_text(json.dumps([1, 2]))
    with pytest.raises(DataError, match="one JSON object"):
        load_ddo(tmp_path)
    (tmp_path / "debates.json").write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_ddo(tmp_path)


def test_dispatcher(result):
    assert load_dataset("ddo", FIX).records == result.records
