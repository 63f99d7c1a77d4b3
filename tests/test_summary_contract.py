"""The summary contract: every aggregate an evaluation writes has n and an interval.

A produced ``summary.json`` is walked key by key: every number must be inside an
estimate object ``{"estimate", "se", "ci_low", "ci_high", "n_instances",
"n_dialogues", "method"}``, or be a count (``n_*``), a test statistic or p-value,
or a setting.  Old summaries (schema 1) are still read, upgraded in memory.
"""

import json
import re
import shutil
from fractions import Fraction as F
from pathlib import Path

import pytest

from bayespersuade.datasets import ClaimRecord, load_embedded
from bayespersuade.datasets import RatingObservation as Obs
from bayespersuade.exceptions import DataError
from bayespersuade.llm.backends.scripted import (
    scripted_credulous_receiver,
    scripted_informed_sender,
    scripted_receiver,
    scripted_sender,
)
from bayespersuade.llm.metrics import summarize
from bayespersuade.llm.protocol import ProtocolConfig
from bayespersuade.llm.report import write_report
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
from bayespersuade.llm.stats import ESTIMATE_KEYS
from bayespersuade.llm.store import (
    SUMMARY_SCHEMA,
    load_run,
    read_summary,
    upgrade_summary,
)

FIXTURE = Path(__file__).parent / "fixtures" / "evaluation_v1"

#: Bare numbers that are not aggregates: test statistics, p-values, the null's
#: description (a Monte Carlo of n_resamples draws, seed recorded) and settings.
NOT_AGGREGATES = {"t", "df", "p_value", "p_value_permutation", "l1_gap_p_value",
                  "l1_gap_null_mean", "l1_gap_null_q95", "round", "confidence",
                  "n_resamples", "seed", "above_ceiling_alpha", "confidence_edges", "level",
                  "n_boot"}
FRACTION = re.compile(r"^-?\d+(/\d+)?$")


def _is_estimate(x) -> bool:
    return isinstance(x, dict) and all(k in x for k in ESTIMATE_KEYS)


def bare_aggregates(node, path="summary", key=None) -> list[str]:
    """Paths of numbers (or exact "p/q" strings) not inside an estimate object.

    Estimate objects are checked too: integer ``n``s, and an interval wherever
    there are two instances or more, unless the method says why there is none.
    """
    bad = []
    if _is_estimate(node):
        if not (isinstance(node["n_instances"], int) and isinstance(node["n_dialogues"], int)):
            bad.append(f"{path}: n_instances/n_dialogues are not integers")
        if node["estimate"] is not None and node["n_instances"] >= 2 and (
                node["ci_low"] is None or node["ci_high"] is None) and (
                "no interval" not in node["method"]):
            bad.append(f"{path}: {node['n_instances']} instances but no interval, and the "
                       f"method does not say why ({node['method']!r})")
        extra = set(node) - set(ESTIMATE_KEYS) - {"estimate_exact"}
        if extra:
            bad.append(f"{path}: unexpected keys {sorted(extra)} in an estimate object")
        return bad
    if isinstance(node, dict):
        for k, v in node.items():
            bad += bare_aggregates(v, f"{path}.{k}", k)
        return bad
    if isinstance(node, list):
        for i, v in enumerate(node):
            bad += bare_aggregates(v, f"{path}[{i}]", key)
        return bad
    if isinstance(node, bool) or node is None:
        return bad
    if isinstance(node, int | float):
        if key in NOT_AGGREGATES:
            return bad
        if isinstance(key, str) and key.startswith("n_") and isinstance(node, int):
            return bad
        return [f"{path} = {node!r}: a bare number without n and an interval"]
    if isinstance(node, str) and FRACTION.match(node) and key not in NOT_AGGREGATES:
        return [f"{path} = {node!r}: a bare exact value outside an estimate object"]
    return bad


def _binary_run(tmp_path) -> Path:
    """Two datasets, a control, a claim/negation pair, human ratings, 2 dialogues each."""
    claims = [c.claim for c in load_embedded("perspectrum", split="test").records[:10]]
    recs = []
    for i, text in enumerate(claims):
        meta = {}
        if i == 0:
            meta["control"] = "true"
        if i in (1, 2):
            meta["pair"] = "p1"
        recs.append(ClaimRecord("a" if i % 2 else "b", str(i), text, metadata=meta,
                                observations=(Obs(initial=2 + i % 5, final=4),)))
    out = tmp_path / "binary"
    cfg = EvaluationConfig("demo", "scripted:informed:p0=0.4",
                           "scripted:credulous:p0=0.4,shift=0.1",
                           ProtocolConfig("dynamic", rounds=2, samples=2), seed=0)
    run_evaluation(recs, scripted_informed_sender(0.4), scripted_credulous_receiver(0.4, 0.1),
                   out, cfg, progress=False, report="md")
    return out


def _evidence_run(tmp_path) -> Path:
    recs = load_embedded("perspectrum", split="test").records[:6]
    out = tmp_path / "evidence"
    cfg = EvaluationConfig("perspectrum", "scripted:sender", "scripted:receiver",
                           ProtocolConfig("static", samples=3), family="evidence-stance",
                           seed=0)
    run_evaluation(recs, scripted_sender(support=[2], undermine=[0]), scripted_receiver(),
                   out, cfg, progress=False, report="md")
    return out


@pytest.mark.parametrize("make", [_binary_run, _evidence_run], ids=["binary", "evidence"])
def test_every_aggregate_of_a_produced_summary_has_n_and_an_interval(tmp_path, make):
    out = make(tmp_path)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["schema"] == SUMMARY_SCHEMA
    assert bare_aggregates(summary) == []
    # the walk is not vacuous: the blocks it must see are there
    if make is _binary_run:
        assert summary["n_controls"] == 1 and summary["pairs"]["n_pairs"] == 1
        assert set(summary["datasets"]) == {"a", "b"} and summary["sensitivity"]
    else:
        assert summary["prior_views"]["perspectrum"]["n_instances"] == 6


def test_the_walker_finds_a_bare_aggregate():
    # The check above can fail: a flat mean, an exact mean, an estimate without
    # its interval, each is reported.
    good = {"estimate": 1.0, "se": 0.1, "ci_low": 0.8, "ci_high": 1.2, "n_instances": 5,
            "n_dialogues": 10, "method": "m"}
    assert bare_aggregates({"datasets": {"d": {"n_done": 5, "statistics": {"x": good}}}}) == []
    found = bare_aggregates({"datasets": {"d": {"mean_score_gain": 1.5, "statistics": {
        "x": {**good, "ci_low": None}}}}, "views": {"exact_mean": "3/4"}})
    assert len(found) == 3
    assert any("mean_score_gain" in f for f in found)
    assert any("no interval" in f for f in found)
    assert any("3/4" in f for f in found)
    assert bare_aggregates({"n_done": 2.5}) != []          # a float is not a count


def test_schema_1_summary_is_read_with_a_clear_path(tmp_path):
    # tests/fixtures/evaluation_v1: a summary written before intervals existed.
    old = json.loads((FIXTURE / "summary.json").read_text())
    assert "schema" not in old and old["datasets"]["demo"]["mean_score_gain"] == 3.5
    new = read_summary(FIXTURE)
    assert new["schema"] == SUMMARY_SCHEMA and new["upgraded_from"].endswith("summary/1")
    d = new["datasets"]["demo"]
    for flat in ("mean_score_gain", "mean_ceiling", "ratio_of_means",
                 "mean_achieved_over_ceiling", "mean_bayes_plausibility_gap"):
        assert flat not in d
    e = d["statistics"]["score_gain"]
    assert (e["estimate"], e["n_instances"], e["n_dialogues"]) == (3.5, 3, 6)
    assert e["ci_low"] is None and "bayespersuade report" in e["method"]
    assert d["bayes_consistency"]["l1_gap"]["estimate"] == 0.9
    assert new["average"]["statistics"]["model_gain"]["estimate"] == 2.0
    assert any("mean_achieved_over_ceiling: dropped" in n for n in new["upgrade_notes"])
    assert json.loads((FIXTURE / "summary.json").read_text()) == old   # never rewritten
    # the path to intervals: rebuild from results.jsonl
    work = tmp_path / "v1"
    shutil.copytree(FIXTURE, work)
    write_report(work)
    rebuilt = read_summary(work)
    assert "upgraded_from" not in rebuilt
    assert rebuilt["datasets"]["demo"]["statistics"]["score_gain"]["estimate"] == 3.5
    assert bare_aggregates(rebuilt) == []


def test_late_schema_1_summary_keeps_its_estimates():
    # Between intervals and schema 2 the flat means sat beside the estimates.
    _, recs = load_run(FIXTURE)
    s = summarize(recs, n_resamples=50)
    late = json.loads(json.dumps(s))
    del late["schema"]
    block = late["datasets"]["demo"]
    block.update(mean_score_gain=3.5, mean_ceiling=0.0, ratio_of_means=None,
                 mean_achieved_over_ceiling=None, n_ratio_defined=0, mean_l1_gap=0.9)
    late["prior_views"] = {"x": {"dataset": dict(block["statistics"]["ceiling"]),
                                 "dataset_exact_mean": "1/2"}}
    up = upgrade_summary(late)
    assert up["datasets"]["demo"] == s["datasets"]["demo"]
    assert up["prior_views"]["x"]["dataset"]["estimate_exact"] == "1/2"
    assert "dataset_exact_mean" not in up["prior_views"]["x"]
    assert upgrade_summary(s) == s                      # schema 2: as is


def test_unknown_or_damaged_summaries_are_refused(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"schema": "bayespersuade.llm.summary/9"}))
    with pytest.raises(DataError, match="unknown summary schema") as e:
        read_summary(tmp_path)
    assert "summary.json" in str(e.value)
    (tmp_path / "summary.json").write_text("{")
    with pytest.raises(DataError, match="not valid JSON"):
        read_summary(tmp_path / "summary.json")
    with pytest.raises(DataError, match=r"no summary\.json"):
        read_summary(tmp_path / "nowhere")
    with pytest.raises(DataError, match="JSON object"):
        upgrade_summary([1, 2])


def test_per_instance_table_marks_one_dialogue_and_gives_intervals(tmp_path):
    recs = [ClaimRecord("demo", str(i), f"Claim {i}.") for i in range(3)]
    for samples in (1, 3):
        out = tmp_path / f"s{samples}"
        cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
                               ProtocolConfig("static", samples=samples), seed=0)
        res = run_evaluation(recs, scripted_sender([1, 2, 4]), scripted_receiver(), out, cfg,
                             progress=False, report="md")
        md = (out / "report.md").read_text(encoding="utf-8")
        table = md.split("## Per instance (final round)")[1].split("\n## ")[0]
        rows = [line for line in table.splitlines() if line.startswith("| demo/")]
        assert len(rows) == 3
        rd = res.records[0]["metrics"]["rounds"][-1]
        if samples == 1:
            assert all(row.count("n = 1, no interval") == 3 for row in rows)
            assert all("one dialogue: nothing is tested" in row for row in rows)
            assert rd["score_gain_estimate"]["ci_low"] is None
        else:
            # gains 1, 2, 4 (cycled strengths): mean 7/3, t interval over 3 dialogues
            assert all("(n = 3)" in row and "no interval" not in row for row in rows)
            e = rd["score_gain_estimate"]
            assert e["estimate"] == pytest.approx(7 / 3) and e["n_dialogues"] == 3
            assert e["ci_low"] < 7 / 3 < e["ci_high"]
            assert f"{e['estimate']:.4f} [{e['ci_low']:.4f}, {e['ci_high']:.4f}] (n = 3)" in (
                rows[0])
        assert "above the ceiling" not in " ".join(rows)


def test_evidence_table_says_its_numbers_are_exact(tmp_path):
    out = _evidence_run(tmp_path)
    md = (out / "report.md").read_text(encoding="utf-8")
    sec = md.split("## Evidence-stance: the sender's empirical signaling scheme")[1]
    assert "Exact per-game quantities, not estimates" in sec
    assert "value of π̂ (exact)" in sec and "n (dialogues)" in sec
    # the numbers shown are the exact values of the records (rounded for display)
    _, recs = load_run(out)
    e = next(r for r in recs if r["status"] == "done")["metrics"]["evidence"][-1]
    assert float(F(e["value_exact"])) == e["value"]
