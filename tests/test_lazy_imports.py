"""Imports are lazy: the package, the command line and a finished re-run stay light (issue 12).

``import bayespersuade`` must not load SciPy, and re-running a finished evaluation in a
fresh process must not load SciPy, torch, transformers or the openai SDK (it answers
from the directory's files).  Each check runs in a subprocess and reads ``sys.modules``;
nothing here is timed (the times are in ``benchmarks/bench_import.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_openai import FakeOpenAIServer

import bayespersuade
from bayespersuade.cli.main import main as cli_main

ROOT = Path(bayespersuade.__file__).resolve().parents[1]
HEAVY = ("scipy", "torch", "transformers", "openai", "matplotlib")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = (f"{code}\nimport sys, json\n"
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, cwd=str(ROOT), timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_bayespersuade_does_not_load_scipy():
    loaded = _loaded_after("import bayespersuade")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_probe_sees_a_heavy_import():
    # The check above can fail: asking for a solver-backed name loads SciPy.
    loaded = _loaded_after("import bayespersuade\nbayespersuade.PersuasionGame.solve\n"
                           "import bayespersuade.solvers.lp")
    assert "scipy" in loaded


def _evaluate_argv(url: str, out: Path) -> list[str]:
    return ["evaluate", "--dataset", "perspectrum", "--split", "test",
            "--sender", f"openai:fake-sender@{url}", "--receiver", f"openai:fake-receiver@{url}",
            "--protocol", "dynamic", "--limit", "3", "--seed", "0", "--out", str(out),
            "--concurrency", "3", "--no-progress", "--report", "none", "--no-cache",
            "--request-timeout", "30"]


@pytest.fixture
def finished_run(tmp_path):
    """A finished 3-instance dynamic run against the fake server, and its command line."""
    out = tmp_path / "run"
    with FakeOpenAIServer() as srv:
        argv = _evaluate_argv(srv.url, out)
        assert cli_main(argv) == 0
        n_requests = srv.n_requests
    assert n_requests == 3 * 15
    return out, argv


def _rerun(argv: list[str]) -> tuple[set[str], str]:
    """Re-run ``bayespersuade evaluate`` in a fresh process: modules loaded, stdout."""
    code = ("import contextlib, io, sys\n"
            "from bayespersuade.cli.main import main\n"
            "buf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n"
            f"    rc = main({argv!r})\n"
            "assert rc == 0, rc\n"
            "sys.stderr.write(buf.getvalue())\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    probe = code + ("import json\n"
                    "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, cwd=str(ROOT), timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1])), out.stderr


def test_a_finished_rerun_loads_no_model_sdk_or_solver(finished_run):
    out, argv = finished_run
    # The server is gone: a rerun that tried to send a request would fail.
    loaded, printed = _rerun(argv)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "0 instance(s) evaluated, 3 resumed, 3 in scope" in printed
    last = json.loads((out / "run.json").read_text(encoding="utf-8"))["sessions"][-1]
    assert last["backends_loaded"] is False and last["dataset_loaded"] is False
    # ...and again: the session it recorded lets the next rerun answer the same way.
    loaded, printed_again = _rerun(argv)
    assert "scipy" not in loaded and printed_again == printed


def test_a_changed_summary_file_is_recomputed_not_trusted(finished_run):
    out, argv = finished_run
    _, printed = _rerun(argv)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    est = summary["datasets"]["perspectrum"]["statistics"]["score_gain"]
    est["estimate"] = 99.0  # a hand-edited (or otherwise stale) summary.json
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    loaded, printed_after = _rerun(argv)
    assert "scipy" in loaded  # the summary was computed again from results.jsonl...
    assert printed_after == printed  # ...and says what the results say
    assert "99.0000" not in printed_after


def test_the_cli_and_runner_spell_the_constants_of_the_modules_they_avoid():
    from bayespersuade.cli import _common
    from bayespersuade.llm import metrics, runner, strategies, transcripts

    assert _common.FAMILIES == metrics.FAMILIES == runner.FAMILIES
    assert _common.TRANSCRIPT_FORMATS == transcripts.FORMATS
    assert runner.SENDER_STRATEGIES == strategies.SENDER_STRATEGIES


@pytest.mark.parametrize("module", ["bayespersuade", "bayespersuade.llm",
                                    "bayespersuade.llm.backends"])
def test_lazy_names_resolve_and_are_listed(module):
    import importlib

    mod = importlib.import_module(module)
    listed = dir(mod)
    for name in mod.__all__:
        assert name in listed, name
        value = getattr(mod, name)
        defined_in = getattr(value, "__module__", None)
        if defined_in is not None and defined_in.startswith("bayespersuade."):
            # the object is the one its defining module holds, not a copy
            assert getattr(importlib.import_module(defined_in), name, value) is value
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        mod.no_such_name  # noqa: B018


def test_star_import_gives_every_public_name():
    ns: dict = {}
    exec("from bayespersuade import *", ns)
    assert set(bayespersuade.__all__) <= set(ns)
    assert ns["PersuasionGame"] is bayespersuade.game.PersuasionGame
