"""Transcripts in and out: import (jsonl, csv, cheng-you), export, rescore, rejections."""

import csv
import io
import json
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayespersuade.cli.main import main
from bayespersuade.datasets.records import ClaimRecord, Evidence
from bayespersuade.exceptions import DataError
from bayespersuade.llm import import_transcripts
from bayespersuade.llm.backends.scripted import (
    ScriptedBackend,
    scripted_receiver,
    scripted_sender,
)
from bayespersuade.llm.metrics import summarize
from bayespersuade.llm.protocol import ProtocolConfig
from bayespersuade.llm.results import load_evaluation
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
from bayespersuade.llm.store import load_run
from bayespersuade.llm.transcripts import (
    TRANSCRIPT_SCHEMA,
    TranscriptDialogue,
    TranscriptRound,
    export_transcripts,
    read_transcripts,
    rescore,
    write_evaluation,
)

# --------------------------------------------------------------- live runs

def messy_agents():
    """A sender that sometimes writes no argument, a receiver that sometimes garbles."""
    base_r = scripted_receiver(start=3, p0=0.3, dp=0.1)
    base_s = scripted_sender([2, 0])

    def r_reply(messages, seed):
        text = base_r._reply(messages, seed)
        claim_turn = messages[1]["content"]
        n_args = sum(1 for m in messages if m["role"] == "user" and "<argument>" in m["content"])
        if "garble" in claim_turn and n_args == 2:
            return "I would say about five."
        if "twice" in claim_turn and n_args == 1:
            return text + "<score>1</score>"
        return text

    def s_reply(messages, seed):
        if "mute" in messages[0]["content"] and sum(m["role"] == "user" for m in messages) == 2:
            return "No tags at all, sorry."
        return base_s._reply(messages, seed)

    receiver = ScriptedBackend(r_reply, base_r._scores, name="scripted:receiver",
                               spec="scripted:receiver")
    sender = ScriptedBackend(s_reply, None, name="scripted:sender", spec="scripted:sender")
    return sender, receiver


CLAIMS = [ClaimRecord("demo", str(i), f"Claim {w}.")
          for i, w in enumerate(["plain", "garble", "mute", "twice"])]


def live_run(out, family="binary-truth", **kw):
    s, r = messy_agents()
    proto = kw.pop("protocol", ProtocolConfig("dynamic", samples=2))
    cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver", proto,
                           family=family, **kw)
    run_evaluation(kw.pop("records", CLAIMS), s, r, out, cfg, progress=False, report=None)
    return load_run(out)


def by_key(records):
    return {r["key"]: r for r in records}


def test_the_messy_run_has_every_kind_of_round(tmp_path):
    _, recs = live_run(tmp_path / "live")
    statuses = {s for r in recs for m in r["metrics"]["rounds"] for s in m["statuses"]}
    assert statuses == {"ok", "receiver_unparsable", "sender_unparsable", "not_reached"}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_round_trip_reproduces_every_metric_exactly(tmp_path, fmt):
    _, live = live_run(tmp_path / "live")
    dialogues, notes = export_transcripts(tmp_path / "live", format=fmt,
                                          out=tmp_path / f"t.{fmt}")
    assert notes == [] and len(dialogues) == 2 * len(CLAIMS)
    res = import_transcripts(tmp_path / f"t.{fmt}", format=fmt, out=tmp_path / "imp",
                             belief_source="logprobs", report="md")
    assert res.n_rejected == 0 and res.n_accepted == 2 * len(CLAIMS)
    _, back = load_run(tmp_path / "imp")
    live_k, back_k = by_key(live), by_key(back)
    assert live_k.keys() == back_k.keys()
    for k in live_k:
        assert back_k[k]["metrics"] == live_k[k]["metrics"], k
    s_live = json.loads((tmp_path / "live" / "summary.json").read_text())
    s_back = json.loads((tmp_path / "imp" / "summary.json").read_text())
    assert s_back == s_live
    assert (tmp_path / "imp" / "report.md").is_file()
    # the typed results read the imported directory unchanged; only the seed is unknown
    a = load_evaluation(tmp_path / "live").to_frame()
    b = load_evaluation(tmp_path / "imp").to_frame()
    assert list(a.columns) == list(b.columns)
    assert b["seed"].isna().all()
    assert a.drop(columns="seed").equals(b.drop(columns="seed"))


def test_round_trip_of_the_evidence_stance_family(tmp_path):
    recs = [ClaimRecord("demo", "e1", "Claim plain.",
                        evidence=(Evidence("a", "A.", "support"), Evidence("b", "B.", "undermine"),
                                  Evidence("c", "C.", "support")))]
    s, r = scripted_sender(support=[2], undermine=[0]), scripted_receiver()
    cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
                           ProtocolConfig("static"), family="evidence-stance")
    run_evaluation(recs, s, r, tmp_path / "live", cfg, progress=False, report=None)
    export_transcripts(tmp_path / "live", out=tmp_path / "t.jsonl")
    import_transcripts(tmp_path / "t.jsonl", format="jsonl", out=tmp_path / "imp",
                       family="evidence-stance", belief_source="logprobs", report=None)
    (live,), (back,) = load_run(tmp_path / "live")[1], load_run(tmp_path / "imp")[1]
    assert back["metrics"] == live["metrics"]
    assert back["metrics"]["evidence"][0]["available"]


def test_imported_run_records_provenance_and_no_made_up_settings(tmp_path):
    live_run(tmp_path / "live")
    export_transcripts(tmp_path / "live", out=tmp_path / "t.jsonl")
    import_transcripts(tmp_path / "t.jsonl", format="jsonl", out=tmp_path / "imp",
                       belief_source="logprobs", report="md")
    run, recs = load_run(tmp_path / "imp")
    assert run["source"] == "imported"
    assert run["config"]["seed"] is None and run["prompt_version"] is None
    f = run["import"]["files"][0]
    assert f["name"] == "t.jsonl" and len(f["sha256"]) == 64 and f["format"] == "jsonl"
    prov = recs[0]["provenance"]
    assert prov["source"] == "imported" and prov["format"] == "jsonl"
    assert prov["previous"]["source"] == "generated"
    # the settings the exported dialogues carried (from the live run) are kept
    assert run["config"]["protocol"]["sender_temperature"] == 0.7
    report = (tmp_path / "imp" / "report.md").read_text()
    assert "## Provenance" in report and "seed | not recorded" in report


# --------------------------------------------------------------- cheng-you

def cy_item(i, claim, receiver, sender, shown, **extra):
    """One claim in the shape of the authors' released logs (written here, not copied)."""
    n = len(receiver) - 1
    rounds = [{"step": 0, "option": 0, "persuadee": f"opinion {k}",
               "correct": shown[k] if k < n else None, "incorrect": None}
              for k in range(n + 1)]
    responses = [{"step": 0, "option": 0,
                  "persuadee": {"prompt": [{"role": "user", "content": "..."}],
                                "response": receiver[k]},
                  "correct": ({"prompt": [{"role": "user", "content": "..."}],
                               "response": sender[k]} if k < n else None),
                  "incorrect": None}
                 for k in range(n + 1)]
    item = {"id": i, "correct_claim": claim, "incorrect_claim": "Not " + claim,
            "complete": True,
            "transcript": {"index": i, "correct_claim": claim, "incorrect_claim": "Not " + claim,
                           "swap": False, "rollout_type": "sequential", "rounds": rounds,
                           "responses": responses, "extra": {}}}
    item.update(extra)
    return item


def rr(score, text="Fine."):
    return f"<score>{score}</score>\n<opinion>{text}</opinion>\n<question>Why?</question>"


def sr(arg):
    return f"<opinion>o</opinion><thinking>t</thinking><argument>{arg}</argument>"


def write_json(path, data):
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def cheng_you_dynamic(tmp_path):
    items = [
        cy_item(0, "Space tourism should be allowed",
                [rr(4), rr(5), rr(5), rr(6)],
                [sr("A1"), sr("A2"), sr("A3")], ["A1", "A2", "A3"]),
        # round 2: an unparsable answer; round 2's shown argument differs from the reply's
        cy_item(1, "Drug ads should be allowed on TV",
                [rr(2), rr(2), "I think about a five.", rr(3)],
                [sr("B1"), sr("B2 long"), sr("B3")], ["B1", "B2", "B3"]),
    ]
    return write_json(tmp_path / "anthropic_dynamic.json", items)


def test_cheng_you_gains_by_hand(tmp_path):
    path = cheng_you_dynamic(tmp_path)
    res = import_transcripts(path, format="cheng-you", out=tmp_path / "imp", report="md")
    assert (res.n_accepted, res.n_rejected) == (2, 0)
    run, recs = load_run(tmp_path / "imp")
    assert run["config"]["dataset"] == "anthropic"
    assert run["config"]["protocol"]["protocol"] == "dynamic"
    assert run["config"]["protocol"]["rounds"] == 3
    a, b = recs
    # s_r - s0 by hand: (5-4, 5-4, 6-4) and (2-2, unparsable, 3-2)
    assert [m["score_gains"] for m in a["metrics"]["rounds"]] == [[1], [1], [2]]
    assert [m["score_gains"] for m in b["metrics"]["rounds"]] == [[0], [None], [1]]
    assert [m["n_receiver_unparsable"] for m in b["metrics"]["rounds"]] == [0, 1, 0]
    # with beliefs from the scores, v̂((s - 1)/6) = round(1 + (s - 1)) = s: the
    # model-consistent gains are the score gains, exactly
    assert [m["model_gains_exact"] for m in a["metrics"]["rounds"]] == [["1"], ["1"], ["2"]]
    assert a["metrics"]["prior"]["belief_exact"] == ["1/2", "1/2"]
    # the persuader reply is stored beside the answer before it: round r shows rounds[r-1]
    args = [rd["sender"]["parsed"]["argument"] for rd in b["transcript"]["dialogues"][0]["rounds"]]
    assert args == ["B1", "B2", "B3"]
    assert b["import"]["per_round"]["argument_disagreements"] == [0, 0, 1, 0]
    assert a["import"]["n_argument_disagreements"] == 0
    s = json.loads((tmp_path / "imp" / "summary.json").read_text())["datasets"]["anthropic"]
    assert s["statistics"]["score_gain"]["estimate"] == pytest.approx((2 + 1) / 2)
    assert s["n_receiver_unparsable"] == 0  # the final round; round 2 is counted per round
    report = (tmp_path / "imp" / "report.md").read_text()
    # round 2: one unparsable answer, one shown argument unlike the parsed reply
    assert "| 2 | 1 | 0 | 0 | 1 |" in report
    summ2 = summarize(recs, round=2)
    assert summ2["datasets"]["anthropic"]["n_receiver_unparsable"] == 1
    est2 = summ2["datasets"]["anthropic"]["statistics"]["score_gain"]
    assert (est2["estimate"], est2["n_instances"]) == (1.0, 1)  # only claim 0 parsed


def test_cheng_you_scores_only_priors_are_binned_not_unavailable(tmp_path):
    path = cheng_you_dynamic(tmp_path)
    import_transcripts(path, format="cheng-you", out=tmp_path / "imp", report=None)
    conf = json.loads((tmp_path / "imp" / "summary.json").read_text())["by_confidence"]
    # s0 = 4 -> P(true) = 1/2 (mid); s0 = 2 -> 1/6 (low)
    assert sorted(conf["anthropic"]) == ["low", "mid"]


def test_cheng_you_static_and_report(tmp_path):
    items = [cy_item(i, f"Claim {i}", [rr(3), rr(3 + i)], [sr(f"A{i}")], [f"A{i}"])
             for i in range(3)]
    path = write_json(tmp_path / "anthropic_static.json", items)
    assert main(["import", str(path), "--format", "cheng-you", "--out",
                 str(tmp_path / "imp"), "--receiver-model", "llama-3.1-8b"]) == 0
    report = (tmp_path / "imp" / "report.md").read_text()
    assert "not recorded" in report and "anthropic_static.json" in report
    run, recs = load_run(tmp_path / "imp")
    assert (run["config"]["sender"], run["config"]["receiver"]) == (None, "llama-3.1-8b")
    assert recs[0]["models"] == {"sender": None, "receiver": "llama-3.1-8b"}
    s = json.loads((tmp_path / "imp" / "summary.json").read_text())["datasets"]["anthropic"]
    assert s["statistics"]["score_gain"]["estimate"] == pytest.approx(1.0)  # (0 + 1 + 2) / 3
    assert s["statistics"]["score_gain"]["n_instances"] == 3


# --------------------------------------------------------------- bad input

def reasons(res):
    return [(r.location, r.id, r.reason) for r in res.rejections]


def test_cheng_you_bad_dialogues_are_rejected_with_path_and_reason(tmp_path):
    good = cy_item(0, "C0", [rr(4), rr(5)], [sr("A")], ["A"])
    out_of_range = cy_item(1, "C1", [rr(4), rr(8)], [sr("A")], ["A"])
    two = cy_item(2, "C2", [rr(4), rr(5) + "<score>6</score>"], [sr("A")], ["A"])
    no_reply = cy_item(3, "C3", [rr(4), rr(5)], [sr("A")], ["A"])
    del no_reply["transcript"]["responses"][1]["persuadee"]
    dup = cy_item(4, "C4", [rr(4), rr(5)], [sr("A")], ["A"])
    dup2 = cy_item(4, "C4 again", [rr(4), rr(6)], [sr("A")], ["A"])
    mixed = cy_item(5, "C5", [rr(4), rr(5), rr(6)], [sr("A"), sr("B")], ["A", "B"])
    path = write_json(tmp_path / "anthropic_static.json",
                      [good, out_of_range, two, no_reply, dup, dup2, mixed])
    res = read_transcripts(path, format="cheng-you")
    assert [d.id for d in res.dialogues] == ["0"]
    got = reasons(res)
    assert ("$[1].transcript.responses[1].persuadee.response", "1",
            "score 8 is outside 1..7") in got
    assert any(loc == "$[2].transcript.responses[1].persuadee.response" and i == "2"
               and "two scores in one reply" in why for loc, i, why in got)
    assert any(loc == "$[3].transcript.responses[1].persuadee" and i == "3"
               and "without a receiver reply" in why for loc, i, why in got)
    dups = [(loc, why) for loc, i, why in got if i == "4"]
    assert len(dups) == 2 and all("duplicate instance id" in why for _, why in dups)
    assert any(i == "5" and "static protocol has one round" in why for _, i, why in got)
    f = res.files[0]
    assert (f["n_read"], f["n_accepted"], f["n_rejected"]) == (7, 1, 6)
    with pytest.raises(DataError, match=r"anthropic_static\.json.*score 8 is outside 1\.\.7"):
        read_transcripts(path, format="cheng-you", strict=True)


def test_wrong_format_is_a_rejected_file(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,claim,s0,s1\n1,X.,3,5\n")
    res = read_transcripts(p, format="cheng-you", dataset="d")
    assert res.n_accepted == 0 and "not JSON" in res.rejections[0].reason
    res = read_transcripts(p, format="jsonl")
    assert res.n_accepted == 0 and "not JSON" in res.rejections[0].reason
    q = write_json(tmp_path / "x.json", {"not": "a list"})
    assert "expected a JSON list" in read_transcripts(q, format="cheng-you",
                                                      dataset="d").rejections[0].reason
    assert main(["import", str(p), "--format", "jsonl", "--out", str(tmp_path / "o"),
                 "--strict"]) == 1
    assert not (tmp_path / "o" / "run.json").exists()


def test_csv_bad_rows(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,claim,s0,s1,s2\n"
                 "1,Fine.,3,5,6\n"
                 "2,Blank score.,3,,6\n"
                 "3,Out of range.,3,0,6\n"
                 "4,Not a number.,3,4.5,6\n"
                 "5,No argument then an answer.,3,no-argument,6\n"
                 "1,Duplicate.,3,5,6\n"
                 "6,Unparsable is fine.,3,unparsable,6\n", encoding="utf-8")
    res = read_transcripts(p, format="csv", dataset="demo")
    got = {(loc, i): why for loc, i, why in reasons(res)}
    assert got[("row 3", "2")].startswith("column s1: missing score")
    assert got[("row 4", "3")] == "column s1: score 0 is outside 1..7"
    assert "whole number" in got[("row 5", "4")]
    # no argument in round 1 ends the dialogue: round 2 cannot have an answer
    assert "must be 'not_reached'" in got[("row 6, column s2", "5")]
    assert "duplicate" in got[("row 2", "1")] and "duplicate" in got[("row 7", "1")]
    assert [d.id for d in res.dialogues] == ["6"]
    assert res.dialogues[0].rounds[0].status == "receiver_unparsable"


def test_csv_from_a_spreadsheet_with_a_byte_order_mark(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("id,claim,s0,s1\r\n1,Café au lait is good.,3,5\r\n".encode("utf-8-sig"))
    res = read_transcripts(p, format="csv", dataset="demo")
    assert res.n_rejected == 0 and res.dialogues[0].claim == "Café au lait is good."


def test_csv_unknown_column_and_mixed_protocols(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,claim,s0,s1,colour\n1,X.,3,5,red\n")
    res = read_transcripts(p, format="csv", dataset="demo")
    assert res.rejections[0].location == "header" and "colour" in res.rejections[0].reason
    q = tmp_path / "m.csv"
    q.write_text("id,claim,protocol,s0,s1\n1,X.,static,3,5\n2,Y.,dynamic,3,5\n")
    res = read_transcripts(q, format="csv", dataset="demo")
    assert [d.id for d in res.dialogues] == ["1"]
    assert "mixed protocols" in res.rejections[0].reason
    res = read_transcripts(q, format="csv", dataset="demo", protocol="dynamic")
    assert [d.id for d in res.dialogues] == ["2"]


def jline(**kw):
    d = {"schema": TRANSCRIPT_SCHEMA, "dataset": "demo", "id": "1", "claim": "X.",
         "protocol": "static", "n_rounds": 1,
         "initial": {"receiver_reply": None, "score": 3},
         "rounds": [{"round": 1, "argument": "A.", "receiver_reply": rr(5), "score": None}]}
    d.update(kw)
    return json.dumps(d)


def test_jsonl_given_values_are_kept_and_disagreements_counted(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join([
        jline(),
        jline(id="2", rounds=[{"round": 1, "argument": "A.", "receiver_reply": rr(5),
                               "score": 6}]),
        jline(id="3", rounds=[{"round": 1, "argument": "A."}]),
        jline(id="4", schema="something/else"),
        "{not json",
    ]) + "\n")
    res = import_transcripts(p, format="jsonl", out=tmp_path / "imp", report="md")
    got = {i: (loc, why) for loc, i, why in reasons(res)}
    assert "without a receiver reply" in got["3"][1] and got["3"][0].startswith("line 3")
    assert "not a bayespersuade transcript" in got["4"][1]
    assert got[None][0] == "line 5"
    _, recs = load_run(tmp_path / "imp")
    r2 = by_key(recs)["demo/2"]
    assert r2["metrics"]["rounds"][0]["scores"] == [6]  # the given value, not the parsed 5
    assert r2["import"]["n_score_disagreements"] == 1
    assert by_key(recs)["demo/1"]["metrics"]["rounds"][0]["scores"] == [5]
    report = (tmp_path / "imp" / "report.md").read_text()
    assert "score disagreements" in report and "line 5" in report


def test_controls_file(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,claim,s0,s1\n1,X.,3,5\n2,Y.,3,3\n")
    c = tmp_path / "controls.csv"
    c.write_text("id,control,pair\n2,true,1\n")
    import_transcripts(p, format="csv", dataset="demo", controls=c, out=tmp_path / "imp",
                       report=None)
    recs = by_key(load_run(tmp_path / "imp")[1])
    assert (recs["demo/2"]["control"], recs["demo/2"]["pair"]) == (True, "1")
    assert recs["demo/1"]["control"] is None
    c.write_text("id,control\n9,true\n")
    with pytest.raises(DataError, match="names no imported dialogue"):
        read_transcripts(p, format="csv", dataset="demo", controls=c)


def test_write_evaluation_rejects_bad_dialogues_and_existing_dirs(tmp_path):
    ok = TranscriptDialogue("demo", "1", "X.", "static", 1, TranscriptRound(0, score=3),
                            (TranscriptRound(1, argument="A.", score=5),))
    bad = TranscriptDialogue("demo", "2", "Y.", "static", 1, TranscriptRound(0, score=3),
                             (TranscriptRound(1, argument="A."),))
    with pytest.raises(DataError, match="without a receiver reply"):
        write_evaluation([ok, bad], tmp_path / "a", report=None)
    write_evaluation([ok], tmp_path / "b", report=None)
    with pytest.raises(DataError, match="already holds an evaluation"):
        write_evaluation([ok], tmp_path / "b", report=None)
    with pytest.raises(DataError, match="no dialogue records beliefs"):
        write_evaluation([ok], tmp_path / "c", belief_source="logprobs", report=None)


# ----------------------------------------------------------- rescore, CLI

def test_rescore_same_analysis_reproduces_and_another_changes(tmp_path):
    _, live = live_run(tmp_path / "live")
    rescore(tmp_path / "live", tmp_path / "same", report=None)
    assert [r["metrics"] for r in load_run(tmp_path / "same")[1]] == [r["metrics"] for r in live]
    rescore(tmp_path / "live", tmp_path / "np", family="normative-position",
            belief_source="score", report="md")
    run, recs = load_run(tmp_path / "np")
    assert run["config"]["family"] == "normative-position"
    assert run["rescored_from"]["config"]["family"] == "binary-truth"
    assert len(run["rescored_from"]["sha256"]["results.jsonl"]) == 64
    assert recs[0]["metrics"]["family"] == "normative-position"
    assert [r["transcript"] for r in recs] == [r["transcript"] for r in live]
    assert "## Re-scored" in (tmp_path / "np" / "report.md").read_text()
    with pytest.raises(DataError, match="already holds"):
        rescore(tmp_path / "live", tmp_path / "np")


def test_rescore_refuses_logprobs_without_beliefs(tmp_path):
    path = cheng_you_dynamic(tmp_path)
    import_transcripts(path, format="cheng-you", out=tmp_path / "imp", report=None)
    with pytest.raises(DataError, match="records no beliefs"):
        rescore(tmp_path / "imp", tmp_path / "b", belief_source="logprobs")
    with pytest.raises(DataError, match="needs the evidence prior"):
        rescore(tmp_path / "imp", tmp_path / "c", family="evidence-stance")
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_cli_import_export_rescore(tmp_path, capsys):
    path = cheng_you_dynamic(tmp_path)
    assert main(["import", str(path), "--format", "cheng-you", "--out",
                 str(tmp_path / "imp")]) == 0
    out = capsys.readouterr().out
    assert "2 dialogue(s) read, 2 accepted, 0 rejected" in out
    assert main(["export", str(tmp_path / "imp"), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["id"], r["s0"], r["s2"]) for r in rows] == [("0", "4", "5"),
                                                           ("1", "2", "unparsable")]
    assert main(["rescore", str(tmp_path / "imp"), "--out", str(tmp_path / "r"),
                 "--family", "normative-position", "--prior-source", "score"]) == 0
    assert main(["report", str(tmp_path / "r")]) == 0
    assert main(["rescore", str(tmp_path / "nope"), "--out", str(tmp_path / "r2")]) == 1


# ---------------------------------------------------------- property test

score_cell = st.one_of(st.integers(1, 7), st.just("unparsable"))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 7), st.lists(score_cell, min_size=3, max_size=3)),
                min_size=1, max_size=5))
def test_csv_score_gains_are_score_differences(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("csv")
    lines = ["id,claim,s0,s1,s2,s3"]
    lines += [f"{i},Claim {i}.,{s0}," + ",".join(str(c) for c in cells)
              for i, (s0, cells) in enumerate(rows)]
    (tmp / "t.csv").write_text("\n".join(lines) + "\n")
    import_transcripts(tmp / "t.csv", format="csv", dataset="demo", out=tmp / "imp",
                       report=None)
    recs = load_run(tmp / "imp")[1]
    for rec, (s0, cells) in zip(recs, rows):
        for r, m in enumerate(rec["metrics"]["rounds"]):
            c = cells[r]
            assert m["score_gains"] == [None if c == "unparsable" else c - s0]
            assert m["n_receiver_unparsable"] == (c == "unparsable")
            if c != "unparsable":
                assert m["model_gains_exact"] == [str(F(c - s0))]


# a dialogue's rounds: each a score 1..7, "unparsable", or the sender giving no argument
round_cell = st.one_of(st.integers(1, 7), st.just("unparsable"), st.just("no-argument"))


@st.composite
def dialogues(draw):
    n = draw(st.integers(1, 5))
    rounds = draw(st.integers(1, 3))
    out = []
    for _ in range(n):
        s0 = draw(st.one_of(st.integers(1, 7), st.just("unparsable")))
        cells = draw(st.lists(round_cell, min_size=rounds, max_size=rounds))
        if "no-argument" in cells:  # the dialogue ends there
            k = cells.index("no-argument")
            cells = cells[:k + 1] + ["not-reached"] * (rounds - k - 1)
        out.append((s0, cells))
    return rounds, out


def as_round(r, cell):
    if cell == "not-reached":
        return TranscriptRound(r, status="not_reached")
    if cell == "no-argument":
        return TranscriptRound(r, status="sender_unparsable")
    if cell == "unparsable":
        return TranscriptRound(r, status="receiver_unparsable", argument="An argument.")
    return TranscriptRound(r, argument="An argument.", score=cell)


@settings(max_examples=20, deadline=None)
@given(dialogues(), st.sampled_from(["binary-truth", "normative-position"]))
def test_csv_and_jsonl_imports_of_the_same_dialogues_agree(tmp_path_factory, drawn, family):
    rounds, rows = drawn
    ds = [TranscriptDialogue(
        "demo", str(i), f"Claim {i}.", "static" if rounds == 1 else "dynamic", rounds,
        TranscriptRound(0, score=None if s0 == "unparsable" else s0,
                        status="receiver_unparsable" if s0 == "unparsable" else None),
        tuple(as_round(r + 1, c) for r, c in enumerate(cells)))
        for i, (s0, cells) in enumerate(rows)]
    tmp = tmp_path_factory.mktemp("agree")
    from bayespersuade.llm.transcripts import render_transcripts

    (tmp / "t.jsonl").write_text(render_transcripts(ds, "jsonl"))
    (tmp / "t.csv").write_text(render_transcripts(ds, "csv"))
    metrics = {}
    for fmt in ("jsonl", "csv"):
        res = import_transcripts(tmp / f"t.{fmt}", format=fmt, out=tmp / fmt, family=family,
                                 report=None)
        assert res.n_rejected == 0
        metrics[fmt] = [r["metrics"] for r in load_run(tmp / fmt)[1]]
    assert metrics["jsonl"] == metrics["csv"]
    for m, (s0, cells) in zip(metrics["csv"], rows):
        for k, rd in enumerate(m["rounds"]):
            c = cells[k]
            ok = isinstance(c, int) and isinstance(s0, int)
            assert rd["score_gains"] == [c - s0 if ok else None]
            assert rd["statuses"] == [{"unparsable": "receiver_unparsable",
                                       "no-argument": "sender_unparsable",
                                       "not-reached": "not_reached"}.get(c, "ok")]


def test_an_imported_evaluation_exported_and_imported_again_is_unchanged(tmp_path):
    path = cheng_you_dynamic(tmp_path)
    import_transcripts(path, format="cheng-you", out=tmp_path / "a", report=None)
    export_transcripts(tmp_path / "a", out=tmp_path / "a.jsonl")
    import_transcripts(tmp_path / "a.jsonl", format="jsonl", out=tmp_path / "b", report=None)
    a, b = load_run(tmp_path / "a")[1], load_run(tmp_path / "b")[1]
    assert [r["metrics"] for r in a] == [r["metrics"] for r in b]
    assert [r["import"]["per_round"] for r in a] == [r["import"]["per_round"] for r in b]
    # the provenance chain: imported from a.jsonl, which came from the authors' file
    prov = b[0]["provenance"]
    assert prov["file"] == "a.jsonl" and prov["previous"]["file"] == "anthropic_dynamic.json"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_one_command_each_way_gives_the_live_run_statistics(tmp_path, fmt, capsys):
    live_run(tmp_path / "live")
    f = tmp_path / f"t.{fmt}"
    assert main(["export", str(tmp_path / "live"), "--format", fmt, "--out", str(f)]) == 0
    assert main(["import", str(f), "--format", fmt, "--belief-source", "logprobs",
                 "--out", str(tmp_path / "imp")]) == 0
    live = json.loads((tmp_path / "live" / "summary.json").read_text())
    back = json.loads((tmp_path / "imp" / "summary.json").read_text())
    assert back == live
    assert (tmp_path / "imp" / "report.md").is_file()


def test_import_takes_the_directory_lock(tmp_path):
    # An import writes into an evaluation directory like a live run does, so it
    # takes the same lock: a directory held by another process is refused.
    import subprocess
    import sys

    from bayespersuade.llm.store import RunDirectoryLocked
    from bayespersuade.llm.transcripts import import_transcripts

    csv = tmp_path / "t.csv"
    csv.write_text("id,claim,s0,s1\n1,Cats are mammals.,3,5\n")
    out = tmp_path / "held"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom bayespersuade.llm.store import "
         "hold_run_dir\nwith hold_run_dir(sys.argv[1]):\n    print('locked', flush=True)\n"
         "    time.sleep(60)\n", str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunDirectoryLocked, match=f"process {holder.pid}"):
            import_transcripts([csv], format="csv", out=out, dataset="demo", report=None)
        assert not (out / "results.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()
    with pytest.warns(UserWarning, match="taking over the lock"):  # the holder was killed
        res = import_transcripts([csv], format="csv", out=out, dataset="demo", report=None)
    assert res.n_accepted == 1 and (out / "results.jsonl").exists()
