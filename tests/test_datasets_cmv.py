"""The ChangeMyView loader, against fixtures in the pair-task and OP-task formats."""

import bz2
from pathlib import Path

import pytest

from bayespersuade.datasets import load_cmv, load_dataset
from bayespersuade.datasets.cmv import claim_from_title
from bayespersuade.exceptions import DataError

FIX = Path(__file__).parent / "fixtures" / "datasets" / "cmv"
TRAIN = FIX / "pair_task" / "train_pair_data.jsonlist"


@pytest.fixture(scope="module")
def folder():
    return load_cmv(FIX)


def test_folder_reads_all_files(folder):
    names = [Path(f).name for f in folder.files]
    assert names == ["train_op_data.jsonlist", "heldout_pair_data.jsonlist",
                     "train_pair_data.jsonlist"]
    assert folder.rows_read == 2 + 1 + 8
    assert [r.id for r in folder.records] == ["t3_ggg", "t3_fff", "t3_aaa", "t3_bbb"]


def test_rejections(folder):
    got = [(Path(r.path).name, r.row, r.field, r.reason) for r in folder.rejected]
    assert got == [
        ("train_op_data.jsonlist", 2, "delta_label", "delta_label is not true/false"),
        ("train_pair_data.jsonlist", 4, None, "not valid JSON"),
        ("train_pair_data.jsonlist", 5, "negative", "missing negative"),
        ("train_pair_data.jsonlist", 6, "op_title",
         "title states no claim after removing 'CMV:'"),
        ("train_pair_data.jsonlist", 7, "op_title",
         "conflicting title for an op_name seen before"),
        ("train_pair_data.jsonlist", 8, "negative.comments", "thread has no comment list"),
    ]


def test_claims_from_titles(folder):
    by_id = {r.id: r for r in folder.records}
    assert by_id["t3_aaa"].claim == "Tipping culture should be abolished."
    assert by_id["t3_bbb"].claim == "Pineapple belongs on pizza"
    assert by_id["t3_fff"].claim == "Homework is harmful"
    assert by_id["t3_ggg"].claim == "Cash should be phased out"
    assert by_id["t3_aaa"].metadata["title"] == "CMV: Tipping culture should be abolished."


def test_pairs_grouped_by_post(folder):
    rec = {r.id: r for r in folder.records}["t3_aaa"]
    # lines 1 and 3 of the train file share op_name t3_aaa: 2 pairs, 4 threads
    assert rec.metadata["n_lines"] == 2
    assert [(o.extra["delta"], o.extra["persuader"]) for o in rec.observations] == [
        (True, "bob"), (False, "carol"), (True, "gina"), (False, "hal")]
    assert rec.observations[0].argument == (
        "Tips let good service be rewarded.\n\nAlso wages are low.")
    assert all(o.participant == "alice" and o.initial is None for o in rec.observations)
    assert rec.prior is None


def test_list_bodies_are_joined(folder):
    rec = {r.id: r for r in folder.records}["t3_bbb"]
    assert rec.observations[0].argument == "Texture matters.\nSo does taste."


def test_op_task_line(folder):
    rec = {r.id: r for r in folder.records}["t3_ggg"]
    assert rec.observations == ()
    assert rec.metadata["delta_label"] is True


def test_bz2_file(tmp_path):
    f = tmp_path / "heldout_pair_data.jsonlist.bz2"
    f.write_bytes(bz2.compress((FIX / "pair_task" / "heldout_pair_data.jsonlist").read_bytes()))
    res = load_cmv(f)
    assert [r.claim for r in res.records] == ["Homework is harmful"]


def test_strict(tmp_path):
    with pytest.raises(DataError) as err:
        load_cmv(TRAIN, strict=True)
    assert (err.value.row, err.value.field) == (4, None)
    assert str(TRAIN) in str(err.value)


def test_empty_folder(tmp_path):
    with pytest.raises(DataError, match="pair_data"):
        load_cmv(tmp_path)


def test_dispatcher(folder):
    assert load_dataset("cmv", FIX).records == folder.records
    with pytest.raises(DataError, match="not bundled"):
        load_dataset("cmv")


@pytest.mark.parametrize(("title", "claim"), [
    ("CMV: X is Y", "X is Y"), ("cmv:X", "X"), ("[CMV] X", "X"), ("(CMV) X", "X"),
    ("CMV - X", "X"), ("CMV — X", "X"), ("X is Y", "X is Y"), ("CMVs are great", "CMVs are great"),
    ("CMV Cats", "Cats"), (" CMV:  spaced  ", "spaced"),
])
def test_claim_from_title(title, claim):
    assert claim_from_title(title) == claim
