"""Runs that lose nothing: JSON lines, resume, interruption, report rebuild, CLI."""

import argparse
import json
import warnings
from fractions import Fraction as F

import pytest

from bayespersuade.cli import evaluate as cli_evaluate
from bayespersuade.datasets.records import ClaimRecord, Evidence
from bayespersuade.exceptions import BackendError, DataError, InvalidParameterError
from bayespersuade.llm.backends.base import Backend
from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
from bayespersuade.llm.prompts import PROMPT_VERSION
from bayespersuade.llm.protocol import ProtocolConfig
from bayespersuade.llm.report import write_report
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
from bayespersuade.llm.store import read_results

RECORDS = [ClaimRecord("demo", str(i), f"Claim number {i}.") for i in range(4)]


def config(**kw):
    proto = kw.pop("protocol", ProtocolConfig("dynamic", samples=2))
    return EvaluationConfig("demo", "scripted:sender", "scripted:receiver", proto, **kw)


def agents():
    return scripted_sender([2, 0]), scripted_receiver(start=3, p0=0.3)


class Flaky(Backend):
    """Delegates to a backend and fails on the n-th generation call."""

    def __init__(self, inner, fail_at, exc=None):
        self.inner, self.fail_at, self.n = inner, fail_at, 0
        self.exc = exc if exc is not None else BackendError("server went away")
        self.name, self.supports_logprobs = inner.name, inner.supports_logprobs

    def generate(self, messages, **kw):
        self.n += 1
        if self.n == self.fail_at:
            raise self.exc
        return self.inner.generate(messages, **kw)

    def score_options(self, messages, options):
        return self.inner.score_options(messages, options)

    def describe(self):
        return self.inner.describe()


def stable(records):
    return [{k: v for k, v in r.items() if k not in ("elapsed_s", "finished")} for r in records]


def test_results_are_appended_and_recorded(tmp_path):
    s, r = agents()
    res = run_evaluation(RECORDS, s, r, tmp_path, config(seed=3), progress=False, report=None)
    assert (res.n_total, res.n_resumed, res.n_new) == (4, 0, 4)
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert len(lines) == 4
    recs = [json.loads(x) for x in lines]
    assert [x["key"] for x in recs] == [f"demo/{i}" for i in range(4)]
    assert all(x["status"] == "done" for x in recs)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["config"]["seed"] == 3
    assert run["config"]["sender"] == "scripted:sender"
    assert run["prompt_version"] == PROMPT_VERSION
    assert run["library_version"]
    assert run["receiver"]["backend"] == "scripted"
    assert len(run["sessions"]) == 1
    assert run["sessions"][0]["n_new"] == 4


def test_interrupted_run_resumes_without_loss_or_duplicates(tmp_path):
    s, r = agents()
    full = run_evaluation(RECORDS, s, r, tmp_path / "full", config(), progress=False,
                          report=None)
    # Interrupt during the third instance: each dynamic instance with 2 samples makes
    # 1 + 3 * 2 = 7 receiver generations.
    s, r = agents()
    with pytest.raises(BackendError, match="went away"):
        run_evaluation(RECORDS, s, Flaky(r, fail_at=17), tmp_path / "cut", config(),
                       progress=False, report=None)
    assert len(read_results(tmp_path / "cut" / "results.jsonl")) == 2
    s, r = agents()
    with pytest.raises(KeyboardInterrupt):
        run_evaluation(RECORDS, s, Flaky(r, fail_at=3, exc=KeyboardInterrupt()),
                       tmp_path / "cut", config(), progress=False, report=None)
    s, r = agents()
    res = run_evaluation(RECORDS, s, r, tmp_path / "cut", config(), progress=False,
                         report=None)
    assert (res.n_resumed, res.n_new) == (2, 2)
    got = read_results(tmp_path / "cut" / "results.jsonl")
    assert [x["key"] for x in got] == [f"demo/{i}" for i in range(4)]
    assert stable(got) == stable(full.records)
    assert res.summary == full.summary
    run = json.loads((tmp_path / "cut" / "run.json").read_text())
    assert [x["n_new"] for x in run["sessions"]] == [2, 0, 2]
    # Running again does nothing.
    s, r = agents()
    again = run_evaluation(RECORDS, s, r, tmp_path / "cut", config(), progress=False,
                           report=None)
    assert again.n_new == 0
    assert len(read_results(tmp_path / "cut" / "results.jsonl")) == 4


def test_cut_short_last_line_is_repaired_on_resume(tmp_path):
    s, r = agents()
    run_evaluation(RECORDS, s, r, tmp_path, config(), limit=2, progress=False, report=None)
    path = tmp_path / "results.jsonl"
    good = path.read_bytes()
    half = json.dumps({"schema": "bayespersuade.llm.instance/1", "key": "demo/2",
                       "status": "done"}).encode()[:40]
    path.write_bytes(good + half)  # a crash in the middle of writing line 3
    with pytest.raises(DataError, match="cut short"):
        read_results(path)
    s, r = agents()
    with pytest.warns(UserWarning, match="cut-short"):
        res = run_evaluation(RECORDS, s, r, tmp_path, config(), limit=3, progress=False,
                             report=None)
    assert (res.n_resumed, res.n_new) == (2, 1)
    keys = [x["key"] for x in read_results(path)]
    assert keys == ["demo/0", "demo/1", "demo/2"]
    assert path.read_bytes().startswith(good)


def test_complete_json_without_newline_is_rerun(tmp_path):
    s, r = agents()
    run_evaluation(RECORDS, s, r, tmp_path, config(), limit=2, progress=False, report=None)
    path = tmp_path / "results.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[:-1])  # the newline of the last line never made it
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        recs = read_results(path, repair=True)
    assert [x["key"] for x in recs] == ["demo/0"]
    assert any("no final newline" in str(x.message) for x in w)


def test_damaged_middle_line_is_an_error(tmp_path):
    s, r = agents()
    run_evaluation(RECORDS, s, r, tmp_path, config(), limit=2, progress=False, report=None)
    path = tmp_path / "results.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("{not json\n" + lines[1] + "\n")
    with pytest.raises(DataError, match="row 1"):
        read_results(path, repair=True)
    path.write_text(lines[0] + "\n" + lines[0] + "\n")
    with pytest.raises(DataError, match="recorded twice"):
        read_results(path)


def test_changed_settings_are_refused(tmp_path):
    s, r = agents()
    run_evaluation(RECORDS, s, r, tmp_path, config(seed=1), limit=1, progress=False,
                   report=None)
    with pytest.raises(DataError, match="seed: 1 then, 2 now"):
        run_evaluation(RECORDS, s, r, tmp_path, config(seed=2), progress=False, report=None)
    with pytest.raises(DataError, match="protocol"):
        run_evaluation(RECORDS, s, r, tmp_path, config(seed=1, protocol=ProtocolConfig(
            "static")), progress=False, report=None)
    run = json.loads((tmp_path / "run.json").read_text())
    run["prompt_fingerprint"] = "0" * 16
    (tmp_path / "run.json").write_text(json.dumps(run))
    with pytest.raises(DataError, match="prompt_fingerprint"):
        run_evaluation(RECORDS, s, r, tmp_path, config(seed=1), progress=False, report=None)


def test_limit_extends_a_run(tmp_path):
    s, r = agents()
    a = run_evaluation(RECORDS, s, r, tmp_path, config(), limit=1, progress=False, report=None)
    assert a.summary["datasets"]["demo"]["n_done"] == 1
    b = run_evaluation(RECORDS, *agents(), tmp_path, config(), limit=3, progress=False,
                       report=None)
    assert (b.n_resumed, b.n_new) == (1, 2)
    assert b.summary["datasets"]["demo"]["n_done"] == 3


def test_bad_inputs(tmp_path):
    s, r = agents()
    dup = [RECORDS[0], RECORDS[0]]
    with pytest.raises(DataError, match="occurs twice"):
        run_evaluation(dup, s, r, tmp_path, config(), progress=False, report=None)
    with pytest.raises(DataError, match="not a ClaimRecord"):
        run_evaluation(["claim"], s, r, tmp_path, config(), progress=False, report=None)
    with pytest.raises(InvalidParameterError, match="limit"):
        run_evaluation(RECORDS, s, r, tmp_path, config(), limit=-1, progress=False,
                       report=None)
    with pytest.raises(InvalidParameterError, match="family"):
        config(family="ternary")
    with pytest.raises(InvalidParameterError, match="beliefs"):
        config(protocol=ProtocolConfig("static", beliefs=False))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "results.jsonl").write_text("")
    with pytest.raises(DataError, match=r"without run\.json"):
        run_evaluation(RECORDS, s, r, tmp_path / "other", config(), progress=False,
                       report=None)


def test_seeds_do_not_depend_on_order(tmp_path):
    s, r = agents()
    a = run_evaluation(RECORDS, s, r, tmp_path / "a", config(), progress=False, report=None)
    s, r = agents()
    b = run_evaluation(RECORDS[::-1], s, r, tmp_path / "b", config(), progress=False,
                       report=None)
    seeds_a = {x["key"]: x["seed"] for x in a.records}
    seeds_b = {x["key"]: x["seed"] for x in b.records}
    assert seeds_a == seeds_b
    assert len(set(seeds_a.values())) == 4


def test_report_is_rebuilt_from_json_lines_alone(tmp_path):
    s, r = agents()
    res = run_evaluation(RECORDS, s, r, tmp_path, config(), progress=False, report="md")
    text = (tmp_path / "report.md").read_text()
    for f in ("report.md", "summary.json", "plots/achieved_vs_ceiling.png",
              "plots/gains_by_dataset.png", "plots/gains_by_round.png"):
        assert (tmp_path / f).stat().st_size > 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    for f in ("report.md", "summary.json"):
        (tmp_path / f).unlink()
    for p in (tmp_path / "plots").iterdir():
        p.unlink()
    path = write_report(tmp_path)
    assert path.read_text() == text
    assert json.loads((tmp_path / "summary.json").read_text()) == summary == json.loads(
        json.dumps(res.summary))
    assert "| demo | 4 | 0 |" in text
    assert "**Average**" in text
    html = write_report(tmp_path, format="html").read_text()
    assert "<table>" in html
    assert "data:image/png;base64," in html
    with pytest.raises(DataError, match="not an evaluation directory"):
        write_report(tmp_path / "nowhere")


def test_summary_numbers(tmp_path):
    s, r = agents()
    res = run_evaluation(RECORDS, s, r, tmp_path, config(protocol=ProtocolConfig(
        "static", samples=2)), progress=False, report=None)
    d = res.summary["datasets"]["demo"]
    # Every instance: gains 2 (strength 2) and 0 (strength 0) -> mean 1.
    st = d["statistics"]
    assert st["score_gain"]["estimate"] == 1.0
    assert st["score_gain"]["n_instances"] == 4 and st["score_gain"]["n_dialogues"] == 8
    assert st["pct_of_scale"]["estimate"] == pytest.approx(100 / 7)
    assert st["model_gain"]["estimate"] == 0.5
    assert d["n_dialogues"] == 8
    assert d["n_above_ceiling"] == 4
    assert res.summary["average"]["statistics"]["score_gain"]["estimate"] == 1.0
    # schema 2: no flat mean without its interval is left beside the estimates
    assert res.summary["schema"] == "bayespersuade.llm.summary/2"
    assert "mean_score_gain" not in d and "mean_score_gain" not in res.summary["average"]


def test_two_datasets_average_is_unweighted(tmp_path):
    recs = [ClaimRecord("a", "1", "A."), ClaimRecord("b", "1", "B."),
            ClaimRecord("b", "2", "B2.")]
    s = scripted_sender([1])
    res = run_evaluation(recs, s, scripted_receiver(), tmp_path,
                         config(protocol=ProtocolConfig("static")), progress=False,
                         report=None)
    assert set(res.summary["datasets"]) == {"a", "b"}
    assert res.summary["average"]["statistics"]["score_gain"]["estimate"] == 1.0
    assert res.summary["average"]["n_datasets"] == 2


def test_evidence_family_skips_claims_without_evidence(tmp_path):
    ev = (Evidence("p", "P.", "support"), Evidence("q", "Q.", "undermine"),
          Evidence("r", "R.", "support"), Evidence("t", "T.", "support"))
    recs = [ClaimRecord("demo", "1", "X.", evidence=ev), ClaimRecord("demo", "2", "Y.")]
    res = run_evaluation(recs, scripted_sender([1], support=[2], undermine=[0]),
                         scripted_receiver(), tmp_path,
                         config(protocol=ProtocolConfig("static"), family="evidence-stance",
                                evidence_per_instance=2),
                         progress=False, report="md")
    first, second = res.records
    assert first["evidence_prior_support"] == "3/4"  # from all four pieces
    assert sorted(d["evidence"]["stance"] for d in first["transcript"]["dialogues"]) == [
        "support", "undermine"]
    # One supporting and one undermining piece, revealed fully (scores 5 and 3):
    # value 3/4 · 7 + 1/4 · 1 = 11/2 < v̂(3/4) = 6 (round(5.5) goes up) = V(3/4).
    e = first["metrics"]["evidence"][0]
    assert e["scheme"] == [["1", "0"], ["0", "1"]]
    assert (e["value_exact"], e["gain_exact"], e["ceiling_exact"]) == ("11/2", "-1/2", "0")
    assert e["gain_over_ceiling"] is None
    assert second["status"] == "skipped"
    assert res.summary["datasets"]["demo"]["n_skipped"] == 1
    assert "Evidence-stance" in (tmp_path / "report.md").read_text()


# ------------------------------------------------------------------------- CLI

def parser():
    p = argparse.ArgumentParser(prog="bayespersuade")
    sub = p.add_subparsers(dest="command", required=True)
    cli_evaluate.add_parser(sub)
    cli_evaluate.add_report_parser(sub)
    return p


def cli(argv):
    args = parser().parse_args(argv)
    return args.func(args)


@pytest.fixture
def fake_dataset(monkeypatch):
    monkeypatch.setattr(cli_evaluate, "_load_records", lambda args: list(RECORDS))


def test_cli_evaluate_and_resume(tmp_path, fake_dataset, capsys):
    argv = ["evaluate", "--dataset", "demo", "--sender", "scripted:sender:strengths=2/0",
            "--receiver", "scripted:receiver:start=3,p0=0.3", "--protocol", "static",
            "--samples", "2", "--limit", "3", "--seed", "4", "--out", str(tmp_path),
            "--no-progress"]
    assert cli(argv) == 0
    out = capsys.readouterr().out
    assert "3 instance(s) evaluated, 0 resumed" in out
    assert "reported gain 1.0000" in out
    assert (tmp_path / "report.md").exists()
    assert cli(argv) == 0
    assert "0 instance(s) evaluated, 3 resumed" in capsys.readouterr().out
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["config"]["seed"] == 4
    assert run["sessions"][1]["argv"] is not None
    assert cli(["report", str(tmp_path), "--format", "html"]) == 0
    assert (tmp_path / "report.html").exists()


def test_cli_errors(tmp_path, fake_dataset, capsys, monkeypatch):
    base = ["evaluate", "--dataset", "demo", "--out", str(tmp_path), "--no-progress"]
    assert cli([*base, "--sender", "llama", "--receiver", "scripted:receiver"]) == 1
    assert "unknown model spec 'llama'" in capsys.readouterr().err
    assert cli([*base, "--sender", "scripted:sender", "--receiver", "scripted:mute"]) == 2
    assert "no log-probabilities" in capsys.readouterr().err
    assert cli([*base, "--sender", "scripted:sender", "--receiver", "scripted:receiver",
                "--rounds", "2"]) == 2
    assert "dynamic protocol only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli([*base, "--sender", "s", "--receiver", "r", "--samples", "0"])
    assert cli(["report", str(tmp_path / "missing")]) == 1


def test_cli_mute_receiver_without_beliefs(tmp_path, fake_dataset, capsys):
    assert cli(["evaluate", "--dataset", "demo", "--sender", "scripted:sender",
                "--receiver", "scripted:mute", "--no-beliefs", "--limit", "1",
                "--out", str(tmp_path), "--no-progress", "--report", "none"]) == 0
    out = capsys.readouterr().out
    assert "unparsable: sender 0, receiver 1, initial 1" in out
    assert not (tmp_path / "report.md").exists()


def test_cli_interrupt_exit_code(tmp_path, fake_dataset, monkeypatch, capsys):
    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("bayespersuade.llm.runner.run_evaluation", boom)
    code = cli(["evaluate", "--dataset", "demo", "--sender", "scripted:sender", "--receiver",
                "scripted:receiver", "--out", str(tmp_path), "--no-progress"])
    assert code == 130
    assert "Re-run the same command to resume" in capsys.readouterr().err


def test_cli_without_dataset_loaders(tmp_path, monkeypatch, capsys):
    import bayespersuade.datasets as ds

    monkeypatch.delattr(ds, "load_embedded", raising=False)
    monkeypatch.delattr(ds, "load_dataset", raising=False)
    code = cli(["evaluate", "--dataset", "perspectrum", "--sender", "scripted:sender",
                "--receiver", "scripted:receiver", "--out", str(tmp_path), "--no-progress"])
    assert code == 1
    assert "no embedded datasets" in capsys.readouterr().err


def test_cli_with_the_embedded_perspectrum(tmp_path, capsys):
    assert cli(["evaluate", "--dataset", "perspectrum", "--split", "test", "--sender",
                "scripted:sender:strengths=1,support=2,undermine=0/2", "--receiver",
                "scripted:receiver", "--family", "evidence-stance", "--evidence-per-instance",
                "2", "--samples", "2", "--limit", "3", "--out", str(tmp_path),
                "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "227 records" in err  # the loader's account of what it read
    from bayespersuade.datasets import load_embedded

    source = load_embedded("perspectrum", split="test").records[:3]
    recs = read_results(tmp_path / "results.jsonl")
    assert [r["id"] for r in recs] == [s.id for s in source]
    for r, s in zip(recs, source):
        assert r["status"] == "done"
        assert len(r["transcript"]["dialogues"]) == 2 * min(2, len(s.evidence))
        n_sup = sum(e.stance == "support" for e in s.evidence)
        assert r["evidence_prior_support"] == str(F(n_sup, len(s.evidence)))
        assert r["evidence_prior_origin"]["weighting"] == "labels"
        assert "evidence" in r["metrics"]
    assert "Evidence-stance" in (tmp_path / "report.md").read_text()


def test_cli_data_file(tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text("id,claim\n1,Tea is better than coffee.\n")
    code = cli(["evaluate", "--dataset", "claims", "--data-file", str(claims),
                "--sender", "scripted:sender", "--receiver", "scripted:receiver",
                "--out", str(tmp_path / "out"), "--no-progress", "--report", "none"])
    assert code == 0, capsys.readouterr().err
    (rec,) = read_results(tmp_path / "out" / "results.jsonl")
    assert (rec["dataset"], rec["id"], rec["claim"]) == ("claims", "1",
                                                        "Tea is better than coffee.")
    assert cli(["evaluate", "--dataset", "claims", "--data-file", str(tmp_path / "none.csv"),
                "--sender", "scripted:sender", "--receiver", "scripted:receiver",
                "--out", str(tmp_path / "out2"), "--no-progress"]) == 1
    assert "error:" in capsys.readouterr().err


def test_cli_main_entry(tmp_path, fake_dataset):
    assert cli_evaluate.main(["evaluate", "--dataset", "demo", "--sender", "scripted:sender",
                              "--receiver", "scripted:receiver", "--limit", "1", "--out",
                              str(tmp_path), "--no-progress", "--report", "none"]) == 0


def test_confidence_bins_and_ratio_of_means(tmp_path):
    from bayespersuade.llm.metrics import summarize

    static = ProtocolConfig("static")
    a = run_evaluation([ClaimRecord("a", "1", "A.")], scripted_sender([2]),
                       scripted_receiver(start=3, p0=0.3), tmp_path / "a",
                       config(protocol=static), progress=False, report=None)
    b = run_evaluation([ClaimRecord("b", "1", "B."), ClaimRecord("b", "2", "C.")],
                       scripted_sender([2]), scripted_receiver(start=3, p0=0.7),
                       tmp_path / "b", config(protocol=static), progress=False, report=None)
    s = summarize(a.records + b.records)
    assert set(s["by_confidence"]["a"]) == {"low"}  # P(yes) = 0.3 < 0.33
    assert set(s["by_confidence"]["b"]) == {"high"}  # 0.7 >= 0.67
    assert s["by_confidence"]["b"]["high"]["n_done"] == 2
    # a: P(true) 0.3 -> 0.5: v̂ 3 -> 4, ceiling 3.3 - 3 = 0.3.
    da = s["datasets"]["a"]
    assert da["statistics"]["achieved_over_ceiling"]["estimate"] == pytest.approx(1 / 0.3)
    # b: 0.7 -> 0.9: v̂ round(5.2) = 5 -> round(6.4) = 6; ceiling 1.5 + 4.2 - 5 = 0.7.
    db = s["datasets"]["b"]
    assert db["statistics"]["model_gain"]["estimate"] == pytest.approx(1.0)
    assert db["statistics"]["ceiling"]["estimate"] == pytest.approx(0.7)
    assert db["statistics"]["ceiling"]["n_instances"] == 2
    assert s["average"]["statistics"]["ceiling"]["estimate"] == pytest.approx((0.3 + 0.7) / 2)


def test_wired_into_the_main_cli(tmp_path, fake_dataset, capsys):
    from bayespersuade.cli.main import main

    assert main(["evaluate", "--dataset", "demo", "--sender", "scripted:sender",
                 "--receiver", "scripted:receiver", "--limit", "1", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    assert main(["report", str(tmp_path)]) == 0
    assert "report:" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nowhere")]) == 1


class FreezeWatcher(Flaky):
    """Records whether the garbage collector held frozen objects at each generation."""

    def __init__(self, inner):
        super().__init__(inner, fail_at=None)
        self.frozen_counts = []

    def generate(self, messages, **kw):
        import gc

        self.frozen_counts.append(gc.get_freeze_count())
        return super().generate(messages, **kw)


@pytest.mark.parametrize("concurrency", [1, 2])
def test_long_lived_objects_are_frozen_during_a_run_and_released(tmp_path, concurrency):
    import gc

    s, r = agents()
    watch = FreezeWatcher(s)
    before = gc.get_freeze_count()
    run_evaluation(RECORDS, watch, r, tmp_path, config(seed=3), progress=False, report=None,
                   concurrency=concurrency)
    assert before == 0 and gc.get_freeze_count() == 0   # released at the end of the run
    first, later = watch.frozen_counts[0], max(watch.frozen_counts)
    assert first > 1000                                # frozen when the run started
    assert later > first                               # and the first instance's survivors


def test_objects_frozen_by_someone_else_stay_frozen(tmp_path):
    import gc

    gc.freeze()
    try:
        theirs = gc.get_freeze_count()
        s, r = agents()
        run_evaluation(RECORDS, s, r, tmp_path, config(seed=3), progress=False, report=None)
        # Not unfrozen (that would leave 0), not added to (the run's survivors are
        # thousands); a few of the frozen objects may have been freed meanwhile.
        assert 0.9 * theirs < gc.get_freeze_count() <= theirs
    finally:
        gc.unfreeze()
