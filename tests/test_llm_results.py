"""Typed evaluation results: load_evaluation, InstanceResult and the tidy frames."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from bayespersuade.datasets.records import ClaimRecord
from bayespersuade.exceptions import DataError
from bayespersuade.llm import (
    Evaluation,
    ProtocolConfig,
    load_evaluation,
    scripted_receiver,
    scripted_sender,
)
from bayespersuade.llm.results import InstanceResult, exact_value
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation

FIXTURE = Path(__file__).parent / "fixtures" / "evaluation_v1"


def test_reads_a_directory_written_before_the_typed_layer():
    # tests/fixtures/evaluation_v1 was written by the library at commit d48eb2a
    # (before results were typed): 3 claims, dynamic protocol, 2 samples, seed 7.
    ev = load_evaluation(FIXTURE)
    assert isinstance(ev, Evaluation) and len(ev) == 3
    df = ev.to_frame()
    assert len(df) == 3 * 2 * 3
    assert list(df.groupby("key").size()) == [6, 6, 6]
    records = [json.loads(line) for line in (FIXTURE / "results.jsonl").read_text().splitlines()]
    for rec in records:
        m = rec["metrics"]
        inst = ev[rec["key"]]
        assert inst.ceiling == Fraction(m["game"]["ceiling_exact"])
        assert inst.value == Fraction(m["game"]["value_exact"])
        for rd in m["rounds"]:
            rows = df[(df["key"] == rec["key"]) & (df["round"] == rd["round"])]
            assert list(rows["score_gain"]) == rd["score_gains"]
            assert [Fraction(x) for x in rd["model_gains_exact"]] == list(rows["model_gain"])
            assert all(isinstance(x, Fraction) for x in rows["model_gain"])
            assert list(rows["model_gain_float"]) == pytest.approx(rd["model_gains"])
    # the per-instance table agrees with the stored per-round means
    inst_df = ev.instances_frame()
    for rec in records:
        last = rec["metrics"]["rounds"][-1]
        row = inst_df[inst_df["key"] == rec["key"]].iloc[0]
        assert row["mean_score_gain"] == last["mean_score_gain"]
        assert row["mean_model_gain"] == Fraction(last["mean_model_gain_exact"])
        # with n and a t interval over the 2 dialogues, though the records predate them
        gains = [float(g) for g in last["score_gains"]]
        half = sps.t.ppf(0.975, 1) * np.std(gains, ddof=1) / np.sqrt(2)
        assert row["mean_score_gain_n"] == 2
        assert row["mean_score_gain_ci_low"] == pytest.approx(np.mean(gains) - half)
        assert row["mean_score_gain_ci_high"] == pytest.approx(np.mean(gains) + half)
        assert ev[rec["key"]].rounds[-1].model_gain_estimate.n_dialogues == 2


def test_a_new_run_round_trips_through_the_typed_layer(tmp_path):
    cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
                           ProtocolConfig("static", samples=3), seed=3)
    recs = [ClaimRecord("demo", str(i), f"Claim {i}.") for i in range(2)]
    res = run_evaluation(recs, scripted_sender([2]), scripted_receiver(), tmp_path, cfg,
                         progress=False, report=None)
    ev = load_evaluation(tmp_path)
    assert [i.key for i in ev.instances] == [r["key"] for r in res.records]
    inst = ev.instances[0]
    assert inst.family == "binary-truth" and inst.exact
    assert inst.ceiling == inst.value - inst.no_disclosure_value
    assert len(inst.dialogues) == 3 and all(len(d) == 1 for d in inst.dialogues)
    assert ev.config["seed"] == 3
    with pytest.raises(KeyError):
        ev["demo/99"]


def test_skipped_instances_have_one_row(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "ev")
    p = tmp_path / "ev" / "results.jsonl"
    lines = p.read_text().splitlines()
    rec = json.loads(lines[0])
    skipped = {k: rec[k] for k in ("schema", "index", "dataset", "claim", "seed",
                                   "library_version", "prompt_version")}
    skipped.update(key="demo/x", id="x", status="skipped", reason="no evidence for this claim")
    p.write_text("\n".join([*lines, json.dumps(skipped)]) + "\n")
    ev = load_evaluation(tmp_path / "ev")
    inst = ev["demo/x"]
    assert inst.status == "skipped" and inst.ceiling is None and inst.dialogues == ()
    df = ev.to_frame()
    assert len(df[df["key"] == "demo/x"]) == 1 and len(df) == 19


def test_damaged_records_name_row_and_field(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "ev")
    p = tmp_path / "ev" / "results.jsonl"
    lines = p.read_text().splitlines()
    rec = json.loads(lines[1])
    rec["metrics"]["game"]["ceiling_exact"] = 0.25   # a float posing as exact
    lines[1] = json.dumps(rec)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"row 2.*ceiling_exact is 0.25, a float"):
        load_evaluation(tmp_path / "ev")
    rec["schema"] = "bayespersuade.llm.instance/99"
    with pytest.raises(DataError, match="schema"):
        InstanceResult.from_record(rec)
    del rec["metrics"]["game"]
    rec["schema"] = "bayespersuade.llm.instance/1"
    with pytest.raises(DataError, match="malformed record"):
        InstanceResult.from_record(rec)


def test_exact_value_refuses_floats_and_garbage():
    assert exact_value("-7/3") == Fraction(-7, 3)
    for bad in (0.5, True, "1/0", "x", [1]):
        with pytest.raises(DataError):
            exact_value(bad)
