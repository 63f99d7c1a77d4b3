"""The bridge at study scale: faults, deadlines, concurrency, the cache, the lock, Ctrl-C.

Every HTTP test talks to the fake OpenAI-compatible server of ``fake_openai.py`` on
127.0.0.1, with small timeouts, so the whole file runs in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_openai import FakeOpenAIServer

from bayespersuade.cli import evaluate as cli_evaluate
from bayespersuade.datasets.records import ClaimRecord
from bayespersuade.exceptions import BackendError, DataError
from bayespersuade.llm.backends.base import Backend, GenerationRequest
from bayespersuade.llm.backends.openai import OpenAIChatBackend
from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
from bayespersuade.llm.cache import CachedBackend, ResponseCache
from bayespersuade.llm.protocol import ProtocolConfig
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
from bayespersuade.llm.store import RunDirectoryLocked, hold_run_dir, read_results

pytest.importorskip("openai")  # the `openai` extra; a clear skip reason if missing

ROOT = Path(__file__).resolve().parents[1]
CHAT = [{"role": "user", "content": "<argument>a</argument> answer with one word, Yes or No"}]
RECORDS = [ClaimRecord("demo", str(i), f"Claim number {i}.") for i in range(12)]
RUN_FACTS = ("elapsed_s", "finished", "requests")


_OPEN: list[OpenAIChatBackend] = []


@pytest.fixture(autouse=True)
def _close_backends():
    yield
    while _OPEN:
        _OPEN.pop().close()


def http(url, **kw):
    kw.setdefault("request_timeout", 1.0)
    kw.setdefault("max_retries", 2)
    b = OpenAIChatBackend("fake-model", url, **kw)
    _OPEN.append(b)
    return b


def results(recs):
    return sorted(({k: v for k, v in r.items() if k not in RUN_FACTS} for r in recs),
                  key=lambda r: r["key"])


# ------------------------------------------------------------------ faults

@pytest.mark.timeout(20)
@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "truncated", "reset"])
def test_transient_faults_are_retried(fault):
    with FakeOpenAIServer(faults=[fault]) as srv:
        b = http(srv.url)
        s = b.score_options(CHAT, ["Yes", "No"])
        b.close()
    assert srv.n_requests == 2  # one fault, one retry
    assert s.probability("Yes") == pytest.approx(0.3)


@pytest.mark.timeout(20)
def test_retry_after_is_honoured():
    with FakeOpenAIServer(faults=["429"], retry_after="0.6") as srv:
        b = http(srv.url, request_timeout=5.0)
        t0 = time.perf_counter()
        b.generate(CHAT, max_new_tokens=4)
        waited = time.perf_counter() - t0
        b.close()
    assert srv.n_requests == 2
    assert waited >= 0.6


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("fault", "message"), [
    ("malformed", "invalid JSON"),
    ("missing", "no choices"),
    ("nologprobs", "no token log-probabilities"),
    ("400", "HTTP 400: fault 400"),
])
def test_permanent_faults_are_clear_errors(fault, message):
    with FakeOpenAIServer(faults=[fault]) as srv:
        b = http(srv.url)
        with pytest.raises(BackendError, match=message):
            b.score_options(CHAT, ["Yes", "No"])
        b.close()
    assert srv.n_requests == 1  # not retried


@pytest.mark.timeout(20)
@pytest.mark.parametrize("fault", ["hang", "trickle"])
def test_hang_and_trickle_stop_at_the_deadline(fault):
    with FakeOpenAIServer(faults=lambda n, body: fault) as srv:
        b = http(srv.url, request_timeout=0.8)
        t0 = time.perf_counter()
        with pytest.raises(BackendError, match=r"request deadline of 0\.8 s"):
            b.generate(CHAT, max_new_tokens=4)
        took = time.perf_counter() - t0
        b.close()
    assert took < 3.0  # the deadline (0.8 s) plus scheduling, not attempts x timeout


@pytest.mark.timeout(20)
def test_cancel_releases_waiting_callers():
    import threading

    with FakeOpenAIServer(faults=lambda n, body: "hang") as srv:
        b = http(srv.url, request_timeout=30.0)
        err = []

        def call():
            try:
                b.generate(CHAT, max_new_tokens=4)
            except BackendError as e:
                err.append(e)

        t = threading.Thread(target=call)
        t.start()
        while srv.n_requests == 0:
            time.sleep(0.01)
        t0 = time.perf_counter()
        b.cancel()
        t.join(timeout=5)
        assert not t.is_alive()
        assert time.perf_counter() - t0 < 2.0
        assert "cancelled" in str(err[0])
        b.close()


def test_credentials_in_urls_are_refused_without_echo():
    for url in ("http://user:s3cret-pw@127.0.0.1:9/v1", "http://127.0.0.1:9/v1?api_key=s3cret-pw",
                "https://h/v1?access_token=s3cret-pw"):
        with pytest.raises(BackendError, match="carries a credential") as e:
            OpenAIChatBackend("m", url)
        assert "s3cret-pw" not in str(e.value)
        with pytest.raises(BackendError, match="carries a credential") as e:
            EvaluationConfig("demo", "scripted:sender", f"openai:m@{url}",
                             ProtocolConfig("static"))
        assert "s3cret-pw" not in str(e.value)
    OpenAIChatBackend("m", "http://127.0.0.1:9/v1?api-version=2024")  # not a credential


# ------------------------------------------------------- concurrent instances

def dyn_config(**kw):
    proto = ProtocolConfig("dynamic", samples=2, sender_temperature=kw.pop("t", 0.7))
    return EvaluationConfig("demo", "openai:s@x", "openai:r@x", proto, **kw)


@pytest.mark.timeout(60)
def test_results_do_not_depend_on_concurrency(tmp_path):
    runs = {}
    for n in (1, 32):
        with FakeOpenAIServer(latency=0.005) as srv:
            s, r = http(srv.url), http(srv.url)
            res = run_evaluation(RECORDS, s, r, tmp_path / f"c{n}", dyn_config(seed=5),
                                 progress=False, report=None, concurrency=n)
            s.close()
            r.close()
        runs[n] = (res, srv.max_in_flight, srv.n_requests)
    assert results(runs[1][0].records) == results(runs[32][0].records)
    assert runs[1][2] == runs[32][2]  # the same requests
    assert runs[32][1] > runs[1][1]    # ... but more of them at once
    lines = (tmp_path / "c32" / "results.jsonl").read_text().splitlines()
    assert len(lines) == len(RECORDS) == len({json.loads(x)["key"] for x in lines})
    run = json.loads((tmp_path / "c32" / "run.json").read_text())
    assert run["sessions"][0]["effective_concurrency"] == 32


def test_scripted_agents_run_concurrently_with_the_same_results(tmp_path):
    cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
                           ProtocolConfig("dynamic", samples=2), seed=2)
    a = run_evaluation(RECORDS, scripted_sender([2, 0]), scripted_receiver(p0=0.3),
                       tmp_path / "a", cfg, progress=False, report=None)
    b = run_evaluation(RECORDS, scripted_sender([2, 0]), scripted_receiver(p0=0.3),
                       tmp_path / "b", cfg, progress=False, report=None, concurrency=5)
    assert results(a.records) == results(b.records)
    assert a.summary == b.summary


class Serial(Backend):
    """A backend that is not safe to call from several threads."""

    name, supports_logprobs = "serial", False

    def generate(self, messages, **kw):
        return "<score>4</score>"

    def score_options(self, messages, options):
        raise NotImplementedError


def test_unsafe_backends_run_one_instance_at_a_time(tmp_path):
    cfg = EvaluationConfig("demo", "scripted:sender", "serial", ProtocolConfig(
        "static", beliefs=False), belief_source="score")
    with pytest.warns(UserWarning, match="concurrency=4 ignored"):
        res = run_evaluation(RECORDS[:3], scripted_sender([1]), Serial(), tmp_path, cfg,
                             progress=False, report=None, concurrency=4)
    assert res.n_new == 3
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["sessions"][0]["effective_concurrency"] == 1


@pytest.mark.timeout(30)
def test_a_failure_keeps_the_finished_instances(tmp_path):
    # 27 requests per instance; from the 70th on they fail: two instances finish, the
    # run stops with the error.
    with FakeOpenAIServer(faults=lambda n, body: "400" if n >= 70 else None) as srv:
        s, r = http(srv.url), http(srv.url)
        with pytest.raises(BackendError, match="HTTP 400"):
            run_evaluation(RECORDS, s, r, tmp_path, dyn_config(), progress=False,
                           report=None, concurrency=2)
    done = read_results(tmp_path / "results.jsonl")
    assert 0 < len(done) < len(RECORDS)
    assert all(d["status"] == "done" for d in done)


# ------------------------------------------------------------------ the cache

@pytest.mark.timeout(60)
def test_a_repeated_temperature_zero_run_issues_no_request(tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    cfg = dyn_config(t=0.0)
    with FakeOpenAIServer() as srv:
        s, r = http(srv.url), http(srv.url)
        first = run_evaluation(RECORDS[:4], s, r, tmp_path / "one", cfg, progress=False,
                               report=None, concurrency=4, cache=cache)
        n_first = srv.n_requests
        second = run_evaluation(RECORDS[:4], s, r, tmp_path / "two", cfg, progress=False,
                                report=None, concurrency=4, cache=cache)
        assert srv.n_requests == n_first  # zero requests the second time
    assert n_first > 0
    assert results(first.records) == results(second.records)
    for rec in second.records:
        for role in ("sender", "receiver"):
            n = rec["requests"][role]
            assert n["requests"] > 0 and n["cache_hits"] == n["requests"]
    run = json.loads((tmp_path / "two" / "run.json").read_text())
    total = run["sessions"][0]["requests"]["receiver"]
    assert total["cache_hits"] == total["requests"]


@pytest.mark.timeout(60)
def test_sampled_requests_are_not_cached_unless_seeds_are_reproducible(tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    cfg = dyn_config(t=0.7)
    with FakeOpenAIServer() as srv:
        s, r = http(srv.url), http(srv.url)
        run_evaluation(RECORDS[:2], s, r, tmp_path / "one", cfg, progress=False,
                       report=None, cache=cache)
        senders = sum("persuader" in b["messages"][0]["content"] for b in srv.requests)
        n_first = srv.n_requests
        run_evaluation(RECORDS[:2], s, r, tmp_path / "two", cfg, progress=False,
                       report=None, cache=cache)
        assert srv.n_requests - n_first == senders  # only the sender's sampled turns again
        s2 = http(srv.url, reproducible_seeds=True)
        run_evaluation(RECORDS[:2], s2, r, tmp_path / "three", cfg, progress=False,
                       report=None, cache=cache)
        n_third = srv.n_requests
        run_evaluation(RECORDS[:2], s2, r, tmp_path / "four", cfg, progress=False,
                       report=None, cache=cache)
        assert srv.n_requests == n_third


@pytest.mark.timeout(20)
def test_errors_are_never_cached(tmp_path):
    cache = ResponseCache(tmp_path)
    with FakeOpenAIServer(faults=["nologprobs"]) as srv:
        b = CachedBackend(http(srv.url), cache)
        with pytest.raises(BackendError):
            b.score_options(CHAT, ["Yes", "No"])
        assert len(cache) == 0
        s1 = b.score_options(CHAT, ["Yes", "No"])
        s2 = b.score_options(CHAT, ["Yes", "No"])
    assert srv.n_requests == 2
    assert len(cache) == 1
    assert s1.probability("Yes") == s2.probability("Yes")
    assert list(s1.observed) == list(s2.observed)


def test_cache_key_covers_every_parameter(tmp_path):
    from bayespersuade.llm.backends.scripted import ScriptedBackend

    class Counted(ScriptedBackend):
        def cache_identity(self):
            return {"backend": "counted"}

    inner = Counted(lambda messages, seed: f"seed {seed}")
    b = CachedBackend(inner, ResponseCache(tmp_path))
    req = GenerationRequest(CHAT, 1)
    b.generate_batch([req, req], max_new_tokens=5)  # identical requests in a batch: sent once
    assert len(inner.calls) == 1
    b.generate_batch([req], max_new_tokens=5)
    assert len(inner.calls) == 1
    b.generate_batch([GenerationRequest(CHAT, 2)], max_new_tokens=5)
    b.generate_batch([req], max_new_tokens=6)
    b.generate_batch([GenerationRequest(CHAT, 1, "<a>")], max_new_tokens=5)
    b.generate_batch([GenerationRequest([*CHAT, *CHAT], 1)], max_new_tokens=5)
    assert len(inner.calls) == 5
    b.generate_batch([req, req], max_new_tokens=5, temperature=0.5)  # not deterministic
    assert len(inner.calls) == 7


# -------------------------------------------------------------- the directory

LOCK_HOLDER = """
import sys, time
from bayespersuade.llm.store import hold_run_dir
with hold_run_dir(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(30)
"""


def cli_argv(out, receiver="scripted:receiver", sender="scripted:sender", *extra):
    return [sys.executable, "-m", "bayespersuade", "evaluate", "--dataset", "perspectrum",
            "--split", "test", "--sender", sender, "--receiver", receiver, "--limit", "2",
            "--out", str(out), "--no-progress", "--report", "none", *extra]


def sigint_default() -> None:
    """In a child before exec: SIGINT back to its default, so that the child's Python
    turns Ctrl-C into KeyboardInterrupt even where the test runner was started with
    SIGINT ignored (``nohup ... &``, a background job of a non-interactive shell)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def env(tmp_path, **kw):
    e = {**os.environ, "BAYESPERSUADE_CACHE_DIR": str(tmp_path / "user-cache"), **kw}
    e.pop("PYTHONPATH", None)
    return e


@pytest.mark.timeout(60)
def test_a_second_process_is_refused_at_once(tmp_path, capsys):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(out)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, env=env(tmp_path))
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunDirectoryLocked, match=f"process {holder.pid} on .*started"), \
                hold_run_dir(out):
            pass
        p = subprocess.run(cli_argv(out), cwd=ROOT, capture_output=True, text=True,
                           env=env(tmp_path), timeout=60)
        assert p.returncode == 1  # a runtime error in the command line's table
        assert f"in use by process {holder.pid}" in p.stderr
        assert not (out / "results.jsonl").exists()
        capsys.readouterr()
        assert cli_evaluate.main(["report", str(out)]) == 1  # nor may the report write
        assert f"in use by process {holder.pid}" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    # The holder died without cleaning up: its lock is taken over, with a warning.
    assert (out / ".lock.json").exists()
    with pytest.warns(UserWarning, match=f"taking over the lock left by process {holder.pid}"), \
            hold_run_dir(out) as me:
        assert me["pid"] == os.getpid()
    assert not (out / ".lock.json").exists()


class Failing(Backend):
    name, supports_logprobs, concurrent_safe = "failing", True, True

    def generate(self, messages, **kw):
        raise BackendError("down")

    def score_options(self, messages, options):
        raise BackendError("down")


def test_a_run_that_finished_nothing_does_not_fix_the_settings(tmp_path):
    cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
                           ProtocolConfig("static"), seed=1)
    with pytest.raises(BackendError):
        run_evaluation(RECORDS[:2], scripted_sender([1]), Failing(), tmp_path, cfg,
                       progress=False, report=None)
    fixed = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
                             ProtocolConfig("static"), seed=2)
    res = run_evaluation(RECORDS[:2], scripted_sender([1]), scripted_receiver(), tmp_path,
                         fixed, progress=False, report=None)
    assert res.n_new == 2
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["config"]["seed"] == 2
    assert run["abandoned_sessions"][0]["config"]["seed"] == 1
    with pytest.raises(DataError, match="different settings"):  # now they are fixed
        run_evaluation(RECORDS[:2], scripted_sender([1]), scripted_receiver(), tmp_path, cfg,
                       progress=False, report=None)


def test_a_finished_run_loads_no_model(tmp_path):
    cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
                           ProtocolConfig("static"))
    first = run_evaluation(RECORDS[:3], scripted_sender([1]), scripted_receiver(), tmp_path,
                           cfg, progress=False)

    def boom():
        raise AssertionError("a model was loaded")

    again = run_evaluation(RECORDS[:3], boom, boom, tmp_path, cfg, progress=False)
    assert again.n_new == 0 and again.n_resumed == 3
    assert again.summary == first.summary
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["sessions"][1]["backends_loaded"] is False


def test_cli_finished_run_loads_no_model(tmp_path, monkeypatch, capsys):
    records = RECORDS[:2]
    monkeypatch.setattr(cli_evaluate, "_load_records", lambda args: list(records))
    parser = argparse.ArgumentParser()
    cli_evaluate.add_parser(parser.add_subparsers(dest="command"))
    argv = ["evaluate", "--dataset", "demo", "--sender", "scripted:sender", "--receiver",
            "scripted:receiver", "--out", str(tmp_path), "--no-progress", "--concurrency", "2"]
    args = parser.parse_args(argv)
    assert args.func(args) == 0

    def boom(*a, **k):
        raise AssertionError("a model or the dataset was loaded")

    monkeypatch.setattr(cli_evaluate, "load_backend", boom)
    monkeypatch.setattr(cli_evaluate, "_load_records", boom)
    assert args.func(parser.parse_args(argv)) == 0
    assert "0 instance(s) evaluated, 2 resumed" in capsys.readouterr().out
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["sessions"][-1]["dataset_loaded"] is False
    # Another scope (no --limit here means all records) is not "finished": it loads.
    with pytest.raises(AssertionError, match="was loaded"):
        args.func(parser.parse_args([*argv, "--limit", "1"]))


def test_finished_run_checks_the_results_on_disk(tmp_path):
    from bayespersuade.llm.runner import finished_run

    cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
                           ProtocolConfig("static"))
    run_evaluation(RECORDS[:3], scripted_sender([1]), scripted_receiver(), tmp_path, cfg,
                   progress=False, report=None)
    with hold_run_dir(tmp_path):
        assert finished_run(tmp_path, cfg, report=None).n_resumed == 3
        assert finished_run(tmp_path, cfg, limit=2, report=None) is None  # other scope
        assert finished_run(tmp_path, cfg, report="md") is None          # no report yet
        lines = (tmp_path / "results.jsonl").read_text().splitlines(keepends=True)
        (tmp_path / "results.jsonl").write_text("".join(lines[:2]))
        assert finished_run(tmp_path, cfg, report=None) is None          # one lost


# ---------------------------------------------------- Ctrl-C and credentials

@pytest.mark.timeout(90)
def test_ctrl_c_ends_the_run_within_two_seconds(tmp_path):
    out = tmp_path / "run"
    # The receiver answers 20 requests (six per instance: some instances finish), then
    # every request hangs.
    with FakeOpenAIServer(faults=lambda n, body: "hang" if n >= 20 else None,
                          hang_s=60) as srv:
        p = subprocess.Popen(
            cli_argv(out, f"openai:fake@{srv.url}", "scripted:sender", "--concurrency", "3",
                     "--limit", "8", "--request-timeout", "60"),
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env=env(tmp_path, PYTHONFAULTHANDLER="1"), preexec_fn=sigint_default)
        try:
            deadline = time.monotonic() + 60
            while srv.n_requests < 21 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert srv.n_requests >= 21, p.stderr.read() if p.poll() is not None else ""
            time.sleep(0.3)
            t0 = time.monotonic()
            p.send_signal(signal.SIGINT)
            try:
                rc = p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # still running: SIGABRT makes faulthandler print every thread's stack
                p.send_signal(signal.SIGABRT)
                p.wait(timeout=10)
                pytest.fail("the run did not end within 30 s of Ctrl-C; its threads:\n"
                            + p.stderr.read()[-6000:])
            took = time.monotonic() - t0
        finally:
            if p.poll() is None:
                p.kill()
        err = p.stderr.read()
    assert rc == 130, err
    assert took < 2.0, took
    assert "interrupted; finished instances are saved" in err
    done = read_results(out / "results.jsonl")
    assert 1 <= len(done) < 8
    run = json.loads((out / "run.json").read_text())
    assert run["sessions"][-1]["n_new"] == len(done)
    assert not (out / ".lock.json").exists()


@pytest.mark.timeout(90)
def test_no_output_file_contains_the_api_key(tmp_path):
    key = "sk-test-0123456789-SECRET"
    out = tmp_path / "run"
    with FakeOpenAIServer() as srv:
        p = subprocess.run(
            cli_argv(out, f"openai:fake@{srv.url}", "scripted:sender", "--api-key-env",
                     "MY_ENDPOINT_KEY", "--report", "md"),
            cwd=ROOT, capture_output=True, text=True, env=env(tmp_path, MY_ENDPOINT_KEY=key),
            timeout=80)
        assert p.returncode == 0, p.stderr
        sent = {h.get("Authorization") or h.get("authorization") for h in srv.headers}
    assert sent == {f"Bearer {key}"}  # the key was used ...
    files = [f for d in (out, tmp_path / "user-cache") for f in d.rglob("*") if f.is_file()]
    assert any(f.name == "responses.sqlite3" for f in files)
    assert len(files) >= 4
    for f in files:  # ... and written nowhere
        assert key.encode() not in f.read_bytes(), f
    assert key not in p.stdout + p.stderr
    # A key in the URL: refused before anything is written, and not repeated.
    bad = subprocess.run(cli_argv(tmp_path / "bad", f"openai:fake@{srv.url}?api_key={key}"),
                         cwd=ROOT, capture_output=True, text=True, env=env(tmp_path),
                         timeout=60)
    assert bad.returncode == 2
    assert "carries a credential" in bad.stderr
    assert key not in bad.stdout + bad.stderr
    assert not (tmp_path / "bad").exists()


def test_cli_options(tmp_path):
    parser = argparse.ArgumentParser()
    cli_evaluate.add_parser(parser.add_subparsers(dest="command"))
    base = ["evaluate", "--dataset", "d", "--sender", "s", "--receiver", "r", "--out", "o"]
    a = parser.parse_args([*base, "--concurrency", "32", "--request-timeout", "2.5",
                           "--max-retries", "0", "--api-key-env", "K", "--cache", "c",
                           "--reproducible-seeds"])
    assert (a.concurrency, a.request_timeout, a.max_retries, a.api_key_env, a.cache,
            a.reproducible_seeds, a.no_cache) == (32, 2.5, 0, "K", "c", True, False)
    for bad in (["--concurrency", "0"], ["--request-timeout", "0"],
                ["--request-timeout", "inf"], ["--max-retries", "-1"]):
        with pytest.raises(SystemExit):
            parser.parse_args([*base, *bad])
