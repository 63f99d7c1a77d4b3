"""Batching concurrent callers' requests in the transformers backend (tiny random Llama).

What is guaranteed (see ``bayespersuade/llm/backends/hf.py``): a call alone is
the unbatched computation; the same batch composition gives the same result;
a merged batch agrees with the unbatched results up to floating-point rounding
(log-probabilities within 1e-4; a sampled token can only change where two
tokens are within rounding of each other, which these fixed cases on the tiny
model do not hit: they compare exactly, so a padding, position or seed mistake
fails them).
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

pytestmark = pytest.mark.llm
torch = pytest.importorskip(
    "torch", reason="needs the llm extra: pip install torch==2.13.0 'bayespersuade[llm]'")
pytest.importorskip("transformers", reason="needs the llm extra: pip install 'bayespersuade[llm]'")

from llm_fakes import tiny_llama  # noqa: E402

from bayespersuade.datasets.records import ClaimRecord  # noqa: E402
from bayespersuade.exceptions import BackendError  # noqa: E402
from bayespersuade.llm.backends import hf  # noqa: E402
from bayespersuade.llm.backends._batching import Coordinator  # noqa: E402
from bayespersuade.llm.backends.base import GenerationRequest, ScoreRequest  # noqa: E402
from bayespersuade.llm.backends.hf import TransformersBackend, _GenJob, _PrefixStore  # noqa: E402
from bayespersuade.llm.protocol import ProtocolConfig  # noqa: E402
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation  # noqa: E402

torch.set_num_threads(1)

CHAT = [{"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Is the claim true? ω"}]
LONG = [{"role": "user", "content": "A much longer question " * 6}]
TRANSCRIPT = [*CHAT, {"role": "assistant", "content": "Hm, well."},
              {"role": "user", "content": "An argument " * 5}]


def beliefs(chat):
    """The protocol's two belief questions after one transcript (a shared prefix)."""
    return [ScoreRequest([*chat, {"role": "user", "content": "Yes or No?"}], ("Yes", "No")),
            ScoreRequest([*chat, {"role": "user", "content": "A digit from 1 to 7?"}],
                         tuple("1234567"))]


def direct_logprob(b, messages, option):
    """log P(option | chat) with one unpadded forward pass (the reference)."""
    text = b.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    prompt = b.tokenizer(text, add_special_tokens=False)["input_ids"]
    opt = b.tokenizer(option, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logp = torch.log_softmax(b.model(torch.tensor([prompt + opt])).logits[0].float(), -1)
    return sum(logp[len(prompt) - 1 + j, t].item() for j, t in enumerate(opt))


@pytest.fixture(scope="module")
def tiny():
    model, tok = tiny_llama()
    b = TransformersBackend(model, tok, name="tiny", batch_size=64, batching="all")
    yield b
    b.close()


def job(prompts, seeds, max_new_tokens=12, temperature=1.5):
    """One caller's generation call, with a fresh prefix store."""
    return _GenJob(prompts, seeds, _PrefixStore(8192), max_new_tokens, temperature)


def fresh(plan_or_job):
    plan_or_job.store = _PrefixStore(8192)
    return plan_or_job


def test_merged_scoring_agrees_with_unbatched(tiny, monkeypatch):
    # caller 1: a long prompt's beliefs and a short prompt with a multi-token option;
    # caller 2: the beliefs after a transcript (another shared prefix, another length)
    reqs1 = [*beliefs(LONG), ScoreRequest(CHAT, ("Yes", "maybe so"))]
    reqs2 = beliefs(TRANSCRIPT)
    p1, p2 = tiny._score_plan(reqs1), tiny._score_plan(reqs2)
    alone = [tiny._compute(("score",), [fresh(p)])[0] for p in (p1, p2)]
    pooled = []
    real = TransformersBackend._forward_shared_pooled

    def spy(self, seqs, shared, need, kept):
        pooled.append(len(shared))
        return real(self, seqs, shared, need, kept)

    monkeypatch.setattr(TransformersBackend, "_forward_shared_pooled", spy)
    merged = tiny._compute(("score",), [fresh(p1), fresh(p2)])
    # three shared-prefix groups (two belief pairs; a prompt and its multi-token option),
    # from both callers, went into common batches
    assert pooled == [3]
    for reqs, a, m in zip((reqs1, reqs2), alone, merged):
        for r, x, y in zip(reqs, a, m):
            assert y.options == r.options
            np.testing.assert_allclose(y.logprobs, x.logprobs, atol=1e-4, rtol=0)
            direct = [direct_logprob(tiny, r.messages, o) for o in r.options]
            np.testing.assert_allclose(y.logprobs, direct, atol=1e-4, rtol=0)
    again = tiny._compute(("score",), [fresh(p1), fresh(p2)])
    for a, m in zip(again, merged):  # the same composition: the same numbers, exactly
        for x, y in zip(a, m):
            assert x.logprobs.tolist() == y.logprobs.tolist()


def test_merged_scoring_pads_short_and_long_prompts(tiny):
    short = [{"role": "user", "content": "Hi"}]
    p1 = tiny._score_plan([ScoreRequest(short, ("Yes", "No", "4"))])
    p2 = tiny._score_plan([ScoreRequest(LONG, ("Yes", "No", "4"))])
    m1, m2 = tiny._compute(("score",), [fresh(p1), fresh(p2)])
    for chat, got in ((short, m1[0]), (LONG, m2[0])):
        direct = [direct_logprob(tiny, chat, o) for o in ("Yes", "No", "4")]
        np.testing.assert_allclose(got.logprobs, direct, atol=1e-4, rtol=0)
    assert len({round(x, 3) for x in (*m1[0].logprobs, *m2[0].logprobs)}) > 3  # not constant


@pytest.mark.parametrize("reuse", [True, False], ids=["prefix-store", "no-store"])
def test_merged_generation_keeps_each_requests_seed(tiny, reuse):
    b = tiny if reuse else TransformersBackend(tiny.model, tiny.tokenizer, name="tiny",
                                               batch_size=64, prefix_cache_tokens=0)
    ids_c, ids_l = b._prompt_ids(CHAT), b._prompt_ids(LONG)
    key = ("generate",)
    alone = [b._compute(key, [job([ids], [seed])])[0][0]
             for ids, seed in ((ids_c, 5), (ids_l, 7), (ids_c, 9))]
    merged = b._compute(key, [job([ids_c], [5]), job([ids_l, ids_c], [7, 9])])
    assert merged == [[alone[0]], [alone[1], alone[2]]]  # a short and a long prompt, padded
    assert alone[0] != alone[2]  # the same chat, other seeds: other samples
    assert len(set(alone)) == 3 and all(alone)
    other = b._compute(key, [job([ids_c], [5]), job([ids_l], [123])])
    assert other[0] == [alone[0]]  # its neighbour's seed does not matter
    if not reuse:
        b.close()


def test_merged_generation_stops_each_row_on_its_own(tiny, monkeypatch):
    """A row that ends early leaves the batch; the others go on to max_new_tokens."""
    b = TransformersBackend(tiny.model, tiny.tokenizer, name="tiny", batch_size=64)
    ids_c, ids_l = b._prompt_ids(CHAT), b._prompt_ids(LONG)
    picked = []
    real_pick = hf._pick
    monkeypatch.setattr(hf, "_pick", lambda *a: picked.append(real_pick(*a)) or picked[-1])
    with torch.inference_mode():
        b._generate_rows([hf._Row(ids_c, 3, _PrefixStore(0), 10, 1.0)])
    k = next(k for k in range(2, 10) if picked[k] not in picked[:k])
    b._eos = [picked[k]]  # pretend this sampled token ends the reply
    key = ("generate",)
    alone = [b._compute(key, [job([ids], [s], 10, 1.0)])[0][0]
             for ids, s in ((ids_c, 3), (ids_l, 4))]
    # stopped at its "end" (a byte token here, so not skipped as a special token is)
    assert alone[0] == b.tokenizer.decode(picked[:k + 1]).rstrip()
    picked.clear()
    merged = b._compute(key, [job([ids_c], [3], 10, 1.0), job([ids_l], [4], 10, 1.0)])
    assert merged == [[alone[0]], [alone[1]]]
    assert len(picked) > 2 * (k + 1)  # the other row went on after the first one ended
    b.close()


def test_merged_generation_with_mixed_settings(tiny):
    """A sender's sampled turn and a receiver's greedy answer share one batch."""
    ids_c, ids_l, ids_t = (tiny._prompt_ids(c) for c in (CHAT, LONG, TRANSCRIPT))
    specs = [([ids_c], [5], 12, 1.5), ([ids_l], [6], 5, 0.0), ([ids_t], [7], 9, 0.8)]
    alone = [tiny._compute(("generate",), [job(*s)])[0] for s in specs]
    merged = tiny._compute(("generate",), [job(*s) for s in specs])
    assert merged == alone
    assert len(tiny.tokenizer(merged[1][0])["input_ids"]) <= 5 < len(
        tiny.tokenizer(merged[0][0])["input_ids"])


def test_a_lone_call_is_the_unbatched_computation(tiny):
    off = TransformersBackend(tiny.model, tiny.tokenizer, name="tiny", batch_size=64,
                              batching="off")
    for b in (tiny, off):
        b.clear_cache()
    reqs = [*beliefs(TRANSCRIPT), ScoreRequest(LONG, ("Yes", "no"))]
    a, o = tiny.score_options_batch(reqs), off.score_options_batch(reqs)
    assert [s.logprobs.tolist() for s in a] == [s.logprobs.tolist() for s in o]
    gen = [GenerationRequest(CHAT, 1), GenerationRequest(LONG, 2, "<argument>")]
    assert tiny.generate_batch(gen, max_new_tokens=8, temperature=1.2) == \
        off.generate_batch(gen, max_new_tokens=8, temperature=1.2)
    assert off.describe()["batching"] == "off" and tiny.describe()["batching"] == "all"
    default = TransformersBackend(tiny.model, tiny.tokenizer, name="tiny")
    assert default.batching == hf.DEFAULT_BATCHING == "off"  # reproducible by default
    with pytest.raises(BackendError, match="batching must be one of"):
        TransformersBackend(tiny.model, tiny.tokenizer, name="t", batching="yes")
    with pytest.raises(BackendError, match="batch_window_s"):
        TransformersBackend(tiny.model, tiny.tokenizer, name="t", batch_window_s=-1)


def test_concurrent_callers_get_their_own_results(tiny):
    chats = [CHAT, LONG, TRANSCRIPT, [{"role": "user", "content": "Short one."}]]
    expected_scores = [tiny.score_options_batch(beliefs(c)) for c in chats]
    expected_text = [tiny.generate(c, max_new_tokens=8, temperature=1.3, seed=i)
                     for i, c in enumerate(chats)]
    got: dict[int, tuple] = {}
    errors: list[BaseException] = []
    coord = tiny._coordinator
    n_before = len(coord.batch_sizes)

    def caller(i):
        try:
            tiny.clear_cache()
            s = tiny.score_options_batch(beliefs(chats[i]))
            t = tiny.generate(chats[i], max_new_tokens=8, temperature=1.3, seed=i)
            got[i] = (s, t)
        except BaseException as e:  # reported below
            errors.append(e)

    with tiny._lock:  # hold the model: the callers' requests queue up, then merge
        threads = [threading.Thread(target=caller, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(coord._pending) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
    for t in threads:
        t.join(30)
    assert not errors
    assert max(coord.batch_sizes[n_before:]) > 1  # some requests did share a batch
    for i in range(4):
        s, t = got[i]
        for x, y in zip(s, expected_scores[i]):
            np.testing.assert_allclose(x.logprobs, y.logprobs, atol=1e-4, rtol=0)
        assert t == expected_text[i]


def test_an_error_reaches_only_its_caller():
    def run(key, jobs):
        if any(j.payload == "bad" for j in jobs):
            raise ValueError("bad request")
        return [j.payload.upper() for j in jobs]

    c = Coordinator(run, max_rows=8, window_s=0.5)
    out: dict[str, object] = {}
    gate = threading.Event()

    def caller(p):
        gate.wait()
        try:
            out[p] = c.submit("k", p)
        except ValueError as e:
            out[p] = e

    threads = [threading.Thread(target=caller, args=(p,)) for p in ("a", "bad", "c")]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert out["a"] == "A" and out["c"] == "C"
    assert isinstance(out["bad"], ValueError)
    c.close()
    assert not c.worker_alive


def test_cancel_fails_pending_requests_and_close_stops_the_worker():
    release = threading.Event()

    def run(key, jobs):
        release.wait(10)
        return [j.payload for j in jobs]

    c = Coordinator(run, max_rows=1, window_s=0.0)
    res: list = []

    def caller(p):
        try:
            res.append(c.submit("k", p))
        except BackendError as e:
            res.append(e)

    t1 = threading.Thread(target=caller, args=(1,))
    t1.start()
    while not c.batch_sizes:  # 1 is running
        time.sleep(0.001)
    t2 = threading.Thread(target=caller, args=(2,))
    t2.start()
    while not c._pending:
        time.sleep(0.001)
    c.cancel()
    t2.join(5)
    assert isinstance(res[0], BackendError) and "cancelled" in str(res[0])
    release.set()
    t1.join(5)
    assert res[1] == 1
    c.close()
    assert not c.worker_alive
    with pytest.raises(BackendError, match="closed"):
        c.submit("k", 3)


def test_idle_worker_ends_by_itself():
    c = Coordinator(lambda key, jobs: [0] * len(jobs), max_rows=4, idle_s=0.05)
    assert c.submit("k", None) == 0
    deadline = time.monotonic() + 5
    while c.worker_alive and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not c.worker_alive
    assert c.submit("k", None) == 0  # a new worker starts on demand
    c.close()


def test_process_exits_and_ctrl_c_returns(tmp_path):
    """No hanging thread at exit; Ctrl-C while waiting for a batch raises at once."""
    script = tmp_path / "s.py"
    script.write_text(textwrap.dedent("""
        import os, signal, sys, threading, time
        sys.path.insert(0, sys.argv[1])
        import torch
        torch.set_num_threads(1)
        from llm_fakes import tiny_llama
        from bayespersuade.llm.backends.hf import TransformersBackend
        m, t = tiny_llama()
        b = TransformersBackend(m, t, name="tiny", batching="all")
        chat = [{"role": "user", "content": "Hi"}]
        ts = [threading.Thread(target=b.generate, args=(chat,), kwargs={"max_new_tokens": 4})
              for _ in range(3)]
        for x in ts: x.start()
        for x in ts: x.join()
        b._lock.acquire()  # the next call waits (as behind a long batch)
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        t0 = time.monotonic()
        try:
            b.generate(chat, max_new_tokens=4)
        except KeyboardInterrupt:
            print("interrupted after", round(time.monotonic() - t0, 2), flush=True)
        # exit without close(), the lock still held, the worker blocked on it
    """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    tests_dir = os.path.dirname(__file__)
    t0 = time.monotonic()
    # SIGINT back to its default in the child (the runner may have been started with it
    # ignored, as a background job), so that its Python raises KeyboardInterrupt
    p = subprocess.run([sys.executable, str(script), tests_dir], capture_output=True,
                       text=True, timeout=120, env=env,
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert p.returncode == 0, p.stderr
    waited = float(p.stdout.split("interrupted after")[1])
    assert waited < 2.0
    assert time.monotonic() - t0 < 110


def _stable(records):
    drop = {"elapsed_s", "finished", "requests"}
    return sorted(({k: v for k, v in r.items() if k not in drop} for r in records),
                  key=lambda r: r["index"])


def test_evaluation_concurrency_with_the_transformers_backend(tmp_path):
    model, tok = tiny_llama()
    cfg = EvaluationConfig("demo", "tiny", "tiny",
                           ProtocolConfig("dynamic", rounds=2, samples=2, prefill=True,
                                          sender_max_new_tokens=6, receiver_max_new_tokens=6,
                                          sender_temperature=1.0, receiver_temperature=1.0))
    recs = [ClaimRecord("demo", str(i), f"Claim number {i} is true.") for i in range(5)]
    runs = {}
    for batching in ("off", "all"):
        for conc in (1, 4):
            b = TransformersBackend(model, tok, name="tiny", batch_size=16, batching=batching)
            res = run_evaluation(recs, b, b, tmp_path / f"{batching}-{conc}", cfg,
                                 progress=False, report=None, concurrency=conc)
            runs[batching, conc] = _stable(res.records)
            assert all(r["status"] == "done" for r in res.records)
            if (batching, conc) == ("all", 4):
                assert max(b._coordinator.batch_sizes) > 1
            b.close()
    # batching off: every concurrency gives identical records
    assert runs["off", 4] == runs["off", 1]
    # batching on, alone (concurrency 1): exactly the unbatched computation
    assert runs["all", 1] == runs["off", 1]
    # batching on, concurrency 4: the first scoring call of each instance has the same
    # input whatever ran beside it; its numbers agree up to rounding
    for a, b in zip(runs["all", 4], runs["off", 1]):
        pa = a["transcript"]["initial"]["beliefs"]["likert"]["probs"]
        pb = b["transcript"]["initial"]["beliefs"]["likert"]["probs"]
        np.testing.assert_allclose(pa, pb, atol=1e-4, rtol=0)


def test_thread_stores_are_separate(tiny):
    """Each calling thread reuses only its own prompts' caches (as one after another)."""
    tiny.clear_cache()
    tiny.score_options(LONG, ("Yes",))
    seen = []

    def other():
        seen.append(len(tiny._store.entries))
        tiny.clear_cache()  # must not clear the main thread's store

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == [0]
    assert tiny._store.entries
    assert isinstance(hf.BATCHING, tuple)


def test_batching_option_reaches_the_backend(tmp_path):
    from bayespersuade.cli.main import build_parser
    from bayespersuade.llm.backends.registry import load_backend

    model, tok = tiny_llama()
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    b = load_backend(f"hf:{tmp_path}", batching="generate")
    assert b.batching == "generate" and b.describe()["batching"] == "generate"
    assert load_backend(f"hf:{tmp_path}").batching == hf.DEFAULT_BATCHING
    args = build_parser().parse_args(["evaluate", "--dataset", "perspectrum", "--sender",
                                      "smollm2", "--receiver", "smollm2", "--out",
                                      str(tmp_path / "o"), "--batching", "off"])
    assert args.batching == "off"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["evaluate", "--batching", "sometimes"])
