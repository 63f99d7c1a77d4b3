"""Loaders on hostile files: never a raw exception, never a silent loss (issue 9, item 6).

Each test builds the bad file it needs; each names the behaviour it pins down.
"""

from __future__ import annotations

import bz2
import gzip
import json
from fractions import Fraction

import numpy as np
import pytest

from bayespersuade.datasets import (
    load_anthropic,
    load_claims,
    load_cmv,
    load_dataset,
    load_ddo,
    load_perspectrum,
)
from bayespersuade.datasets.perspectrum import FILES
from bayespersuade.exceptions import (
    DataError,
    GameFileError,
    InvalidGameError,
    InvalidParameterError,
)
from bayespersuade.game import PersuasionGame, loads_game

# ----------------------------------------------------------------- encodings

def _latin1_claims(tmp_path, name="claims.csv"):
    f = tmp_path / name
    f.write_bytes("id,claim\nc1,Tea is good\nc2,Caf\u00e9s are loud\n".encode("latin-1"))
    return f


def test_latin1_csv_names_file_offset_and_line(tmp_path):
    f = _latin1_claims(tmp_path)
    with pytest.raises(DataError) as err:
        load_claims(f)
    msg = str(err.value)
    # "id,claim\n" is 9 bytes, "c1,Tea is good\n" 15, "c2,Caf" 6: the 0xe9 is byte 30
    assert str(f) in msg and "byte 0xe9 at byte offset 30 (line 3)" in msg
    assert "encoding=" in msg and "--encoding" in msg
    assert err.value.path == str(f)


def test_encoding_option_reads_latin1(tmp_path):
    f = _latin1_claims(tmp_path)
    res = load_claims(f, encoding="latin-1")
    assert [r.claim for r in res.records] == ["Tea is good", "Caf\u00e9s are loud"]
    assert load_dataset("claims", f, encoding="latin-1").records == res.records


def test_decode_offset_is_absolute_beyond_the_first_buffer(tmp_path):
    # the bad byte sits after 1.5 MiB of good rows, in a .gz file (offsets are
    # offsets in the decompressed text)
    head = "id,claim\n" + "".join(f"c{i},claim number {i}\n" for i in range(70_000))
    raw = head.encode() + b"x,bad \xff here\n"
    f = tmp_path / "big.csv.gz"
    f.write_bytes(gzip.compress(raw))
    with pytest.raises(DataError) as err:
        load_claims(f)
    assert f"byte 0xff at byte offset {len(head) + 6} (line 70002)" in str(err.value)


@pytest.mark.parametrize(("loader", "name", "text"), [
    (load_cmv, "train_pair_data.jsonlist", '{"op_name": "t3_\u00e9"}\n'),
    (load_ddo, "debates.json", '{"caf\u00e9": {}}'),
])
def test_latin1_json_files(tmp_path, loader, name, text):
    f = tmp_path / name
    f.write_bytes(text.encode("latin-1"))
    with pytest.raises(DataError, match=r"not utf-8 text: byte 0xe9 at byte offset \d+"):
        loader(f)


def test_unknown_encoding_is_a_parameter_error(tmp_path):
    f = _latin1_claims(tmp_path)
    with pytest.raises(InvalidParameterError, match="unknown text encoding 'klingon'"):
        load_claims(f, encoding="klingon")
    with pytest.raises(InvalidParameterError, match="bundled"):
        load_dataset("perspectrum", encoding="latin-1")


# ------------------------------------------------------------- compression

def test_truncated_gzip_names_the_file(tmp_path):
    data = gzip.compress(("id,claim\n" + "c1,x\n" * 5000).encode())
    f = tmp_path / "claims.csv.gz"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="gzip data is damaged or cut short") as err:
        load_claims(f)
    assert err.value.path == str(f)


def test_truncated_bz2_names_the_file(tmp_path):
    line = json.dumps({"op_name": "t3_x", "op_title": "CMV: x"}) + "\n"
    data = bz2.compress((line * 2000).encode())
    f = tmp_path / "train_pair_data.jsonlist.bz2"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="bzip2 data is damaged or cut short") as err:
        load_cmv(f)
    assert err.value.path == str(f)


def test_truncated_gzip_json_file(tmp_path):
    data = gzip.compress(json.dumps([{"claim": f"c{i}"} for i in range(5000)]).encode())
    f = tmp_path / "claims.json.gz"
    f.write_bytes(data[:-20])
    with pytest.raises(DataError) as err:
        load_claims(f)
    assert str(err.value).startswith(f"file {f}: the gzip data is damaged or cut short")
    assert str(err.value).count(str(f)) == 1


def test_plain_file_named_gz(tmp_path):
    f = tmp_path / "claims.csv.gz"
    f.write_text("id,claim\nc1,x\n")
    with pytest.raises(DataError, match=r"not gzip-compressed although its name ends in \.gz"):
        load_claims(f)


def test_compressed_file_without_the_suffix(tmp_path):
    f = tmp_path / "claims.csv"
    f.write_bytes(gzip.compress(b"id,claim\nc1,x\n"))
    with pytest.raises(DataError, match=r"gzip-compressed but its name does not end in \.gz"):
        load_claims(f)
    g = tmp_path / "debates.json"
    g.write_bytes(bz2.compress(b"{}"))
    with pytest.raises(DataError, match=r"bzip2-compressed"):
        load_ddo(g)


def test_a_folder_given_as_a_file(tmp_path):
    with pytest.raises(DataError, match="is a folder, not a file"):
        load_claims(tmp_path)
    with pytest.raises(DataError, match="is a folder, not a file"):
        load_anthropic(tmp_path)


# ---------------------------------------------------------------- nesting

def test_deeply_nested_json_line_is_rejected_with_its_line(tmp_path):
    f = tmp_path / "claims.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    f.write_text(json.dumps({"claim": "A"}) + "\n" + '{"claim": "B", "x": ' + deep + "}\n")
    res = load_claims(f)
    assert [r.claim for r in res.records] == ["A"]
    assert [(r.row, r.reason) for r in res.rejected] == [(2, "JSON nested too deeply")]
    with pytest.raises(DataError) as err:
        load_claims(f, strict=True)
    assert (err.value.path, err.value.row) == (str(f), 2)


def test_deeply_nested_json_file(tmp_path):
    f = tmp_path / "debates.json"
    f.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(DataError, match="nested too deeply") as err:
        load_ddo(f)
    assert err.value.path == str(f)


# -------------------------------------------------------------- duplicates

def test_csv_header_with_a_column_twice(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,claim,prior,claim\nc1,A,0.5,B\n")
    with pytest.raises(DataError, match=r"names the column 'claim' twice \(columns 2 and 4\)"
                       ) as err:
        load_claims(f)
    assert err.value.field == "claim"
    g = tmp_path / "persuasion_data.csv"
    g.write_text("worker_id,claim,argument,source,rating_initial,rating_final,source\n")
    with pytest.raises(DataError, match="'source' twice"):
        load_anthropic(g)


def test_json_line_with_a_key_twice(tmp_path):
    f = tmp_path / "claims.jsonl"
    f.write_text('{"id": "a", "claim": "A", "prior": "0.1", "prior": "0.9"}\n'
                 '{"id": "b", "claim": "B", "meta": [{"k": 1, "k": 2}]}\n'
                 '{"id": "c", "claim": "C"}\n')
    res = load_claims(f)
    assert [r.id for r in res.records] == ["c"]
    assert [(r.row, r.reason) for r in res.rejected] == [
        (1, "duplicate key in a JSON object"), (2, "duplicate key in a JSON object")]
    assert "'prior'" in res.rejected[0].detail and "'k'" in res.rejected[1].detail
    assert res.rejection_reasons()["duplicate key in a JSON object"] == 2
    with pytest.raises(DataError, match=r"row 1.*'prior' appears more than once"):
        load_claims(f, strict=True)


def test_json_list_item_with_a_key_twice(tmp_path):
    f = tmp_path / "claims.json"
    f.write_text('[{"claim": "A"}, {"claim": "B", "claim": "C"}]')
    res = load_claims(f)
    assert [r.claim for r in res.records] == ["A"]
    assert [(r.row, r.reason) for r in res.rejected] == [(2, "duplicate key in a JSON object")]


def _debate(title):
    vote = {"user_name": "v", "votes_map": {
        "ann": {"Agreed with before the debate": False, "Agreed with after the debate": True},
        "bob": {"Agreed with before the debate": False, "Agreed with after the debate": False},
        "Tied": {"Agreed with before the debate": True, "Agreed with after the debate": False},
    }}
    return {"title": title, "participant_1_name": "ann", "participant_1_position": "Pro",
            "participant_2_name": "bob", "participant_2_position": "Con", "votes": [vote]}


def test_ddo_duplicate_debate_key_is_rejected_not_dropped(tmp_path):
    f = tmp_path / "debates.json"
    one, two, three = (json.dumps(_debate(t)) for t in ("Tea", "Coffee", "Cocoa"))
    f.write_text(f'{{"k/1/": {one}, "k/2/": {three}, "k/1/": {two}}}')
    res = load_ddo(f)
    assert res.rows_read == 3
    assert [(r.id, r.claim) for r in res.records] == [("k/1/", "Tea"), ("k/2/", "Cocoa")]
    assert [(r.row, r.reason) for r in res.rejected] == [(3, "duplicate debate key")]
    assert "duplicate debate key" in res.summary()
    with pytest.raises(DataError, match="row 3: duplicate debate key"):
        load_ddo(f, strict=True)


def test_ddo_duplicate_user_gets_no_profile(tmp_path):
    (tmp_path / "debates.json").write_text(json.dumps({"k/1/": _debate("Tea")}))
    (tmp_path / "users.json").write_text('{"v": {"party": "A"}, "v": {"party": "B"}}')
    res = load_ddo(tmp_path)
    assert "party" not in res.records[0].observations[0].extra
    assert [(r.path.endswith("users.json"), r.reason) for r in res.rejected] == [
        (True, "duplicate user name"), (True, "duplicate user name")]


def _perspectrum(tmp_path, split_text):
    claims = [{"cId": c, "text": f"Claim {c}", "source": "idebate",
               "perspectives": [{"pids": [1], "stance_label_3": "SUPPORT",
                                 "stance_label_5": "SUPPORT",
                                 "voter_counts": [3, 1, 0, 0, 0], "evidence": []}]}
              for c in (7, 8)]
    (tmp_path / FILES["claims"]).write_text(json.dumps(claims))
    (tmp_path / FILES["pool"]).write_text(json.dumps([{"pId": 1, "text": "A reason"}]))
    (tmp_path / FILES["split"]).write_text(split_text)


def test_perspectrum_split_key_twice_does_not_move_a_claim(tmp_path):
    _perspectrum(tmp_path, '{"7": "train", "8": "dev", "7": "test"}')
    res = load_perspectrum(tmp_path)
    assert [r.id for r in res.records] == ["8"]
    reasons = [(r.path.endswith(FILES["split"]), r.row, r.reason) for r in res.rejected]
    assert reasons == [
        (True, 1, "claim id listed more than once in the split file"),
        (True, 3, "claim id listed more than once in the split file"),
        (False, 1, "claim id not listed in the split file"),
    ]
    # and nothing lands in the test split by keeping the last entry
    assert load_perspectrum(tmp_path, split="test").records == ()
    with pytest.raises(DataError, match="listed more than once"):
        load_perspectrum(tmp_path, strict=True)


def test_perspectrum_claim_object_with_a_key_twice(tmp_path):
    _perspectrum(tmp_path, '{"7": "test", "8": "test"}')
    f = tmp_path / FILES["claims"]
    f.write_text(f.read_text().replace('"text": "Claim 8"', '"text": "Claim 8", "text": "X"'))
    res = load_perspectrum(tmp_path)
    assert [r.id for r in res.records] == ["7"]
    assert [(r.row, r.reason) for r in res.rejected] == [(2, "duplicate key in a JSON object")]


# ------------------------------------------------------------------- NFC

def test_nfc_and_nfd_spellings_are_one_claim(tmp_path):
    composed, decomposed = "Caf\u00e9s are loud", "Cafe\u0301s are loud"
    f = tmp_path / "c.csv"
    f.write_text(f"claim,prior\n{composed},0.5\n{decomposed},0.5\n", encoding="utf-8")
    res = load_claims(f)
    assert [(r.id, r.claim) for r in res.records] == [("001", composed)]
    g = tmp_path / "persuasion_data.csv"
    g.write_text("worker_id,claim,argument,source,rating_initial,rating_final\n"
                 f"w1,{composed},x,Human,2,5\nw2,{decomposed},y,Human,3,3\n", encoding="utf-8")
    recs = load_anthropic(g).records
    assert len(recs) == 1 and len(recs[0].observations) == 2 and recs[0].claim == composed


def test_nfc_ids_with_the_same_claim_agree(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text(json.dumps({"id": "x", "claim": "Cafe\u0301"}) + "\n"
                 + json.dumps({"id": "x", "claim": "Caf\u00e9", "rating_initial": 3}) + "\n")
    res = load_claims(f)
    assert res.rejected == () and len(res.records) == 1


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("cell", ["1e-99999999", "1e-99999", "1" * 5000, "1/" + "3" * 5000])
def test_huge_number_cells_are_rejected_at_once(tmp_path, cell):
    f = tmp_path / "c.csv"
    f.write_text(f"id,claim,prior\na,A,{cell}\nb,B,0.5\n")
    res = load_claims(f)
    assert [r.id for r in res.records] == ["b"]
    (rej,) = res.rejected
    assert (rej.row, rej.field, rej.reason) == (1, "prior", "prior has too many digits")
    assert "at most 4300" in rej.detail


def test_huge_json_number_is_rejected(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text('{"claim": "A", "prior": 1e-99999999}\n')
    (rej,) = load_claims(f).rejected
    assert rej.reason == "prior has too many digits"


def test_number_cells_at_the_cap_are_read_exactly(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,claim,prior\na,A,1e-4299\n")
    assert load_claims(f).records[0].prior == Fraction(1, 10 ** 4299)


_GAME = {"format": "bayespersuade.game", "version": 1, "prior": ["1/2", "1/2"],
         "sender_utility": [[0, 1], [0, 1]], "receiver_utility": [[1, 0], [0, 1]]}


@pytest.mark.parametrize("entry", ["0." + "0" * 5000 + "1", "1/" + "1" * 5000, "1" * 5000,
                                   "1e-9999"])
def test_game_file_with_long_numbers_is_a_game_file_error(entry):
    data = dict(_GAME, sender_utility=[[0, entry], [0, 1]])
    with pytest.raises(GameFileError, match=r"sender_utility\[0\]\[1\].*more than 4300 digits"):
        loads_game(json.dumps(data))


def test_game_file_numbers_at_the_cap_round_trip():
    from bayespersuade.io import dumps_game

    data = dict(_GAME, sender_utility=[[0, "1e-4299"], [0, 1]])
    game = loads_game(json.dumps(data))
    assert loads_game(dumps_game(game)) == game


# ---------------------------------------------------------- game arguments

def test_masked_prior_is_rejected():
    prior = np.ma.array([0.5, 0.5], mask=[False, True])
    with pytest.raises(InvalidGameError, match="prior is a masked array"):
        PersuasionGame(prior, [[0, 1], [0, 1]], [[1, 0], [0, 1]])
    with pytest.raises(InvalidGameError, match="receiver_utility is a masked array"):
        PersuasionGame([0.5, 0.5], [[0, 1], [0, 1]], np.ma.array([[1, 0], [0, 1]]))


@pytest.mark.parametrize("kw", [{"states": 5}, {"actions": 3}, {"states": 2.0}])
def test_label_counts_instead_of_labels(kw):
    with pytest.raises(InvalidGameError, match="must be a sequence of 2 labels"):
        PersuasionGame([0.5, 0.5], [[0, 1], [0, 1]], [[1, 0], [0, 1]], **kw)


def test_utf8_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    f = tmp_path / "c.csv"
    f.write_bytes(b"\xef\xbb\xbfid,claim\nx1,Tea is good\n")
    (rec,) = load_claims(f).records
    assert (rec.id, rec.metadata) == ("x1", {})


def test_a_rating_with_thousands_of_digits_is_a_rejected_row(tmp_path):
    f = tmp_path / "persuasion_data.csv"
    f.write_text("worker_id,claim,argument,source,rating_initial,rating_final\n"
                 f"w1,A,x,Human,{'4' * 5000},5\nw2,A,y,Human,3,3\n")
    res = load_anthropic(f)
    assert [(r.row, r.field, r.reason) for r in res.rejected] == [
        (1, "rating_initial", "rating is not a 1-7 Likert rating")]
    assert len(res.records[0].observations) == 1
