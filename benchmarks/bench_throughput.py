"""Throughput of ``bayespersuade evaluate`` against a served model, and its limit.

A fake OpenAI-compatible server (``tests/fake_openai.py``) runs in a subprocess on
127.0.0.1: every request takes a fixed ``--latency`` (default 200 ms) and at most
``--slots`` (default 64) are served at once, like a vLLM server with that many
parallel sequences.  Sender and receiver are both served by it (log-probabilities
included).  ``evaluate`` runs the dynamic protocol (3 rounds, 1 dialogue, beliefs)
on ``--instances`` (default 200) PERSPECTRUM test claims at each concurrency, in
this process, without the response cache, and the report compares the run's wall
time (the session's ``elapsed_s`` in ``run.json``: from taking the directory to
the last record; the command's wall time, dataset loading included, is shown
beside it) with the ideal::

    ideal = max(critical path x latency x ceil(instances / concurrency),
                requests x latency / slots)

where the critical path of one instance is 11 requests (the receiver's first
belief and answer: 2; each round: the sender's argument, the belief, the
receiver's answer: 3 x 3; the two belief questions go out together).  ``ratio`` is
ideal / wall: the fraction of the achievable throughput obtained.  ``client CPU
per request`` is this process's CPU time divided by the requests sent (everything
the command does: dataset, runner, SDK, parsing, exact metrics, writing); the
server's own CPU time per request (another process, read from ``/proc`` on Linux)
is shown beside it.  Two more rows run concurrency 32 with the sender at
temperature 0 and a fresh response cache, then again with the cache warm; the last
line times a re-run of the finished directory in a fresh process (no model loaded).

Run from the repository root::

    python benchmarks/bench_throughput.py                       # about 10 minutes
    python benchmarks/bench_throughput.py --instances 40 --concurrency 1,8,32
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CRITICAL_PATH = 2 + 3 * 3


def stats(url: str) -> dict:
    with urllib.request.urlopen(url.removesuffix("/v1") + "/stats", timeout=10) as r:
        return json.loads(r.read())


def evaluate_argv(url: str, out: Path, n: int, concurrency: int, *extra: str) -> list[str]:
    return ["evaluate", "--dataset", "perspectrum", "--split", "test",
            "--sender", f"openai:fake-sender@{url}", "--receiver", f"openai:fake-receiver@{url}",
            "--protocol", "dynamic", "--limit", str(n), "--seed", "0", "--out", str(out),
            "--concurrency", str(concurrency), "--no-progress", "--report", "none",
            "--request-timeout", "60", *extra]


SERVER_PID: int | None = None


def server_cpu() -> float | None:
    """CPU seconds the fake server process has used (Linux ``/proc``; else ``None``)."""
    try:
        with open(f"/proc/{SERVER_PID}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return None


def run_one(url: str, out: Path, n: int, c: int, *extra: str) -> dict:
    from bayespersuade.cli.main import main

    before = stats(url)["requests"]
    s0 = server_cpu()
    t0, cpu0 = time.perf_counter(), time.process_time()
    rc = main(evaluate_argv(url, out, n, c, *extra))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    s1 = server_cpu()
    if rc != 0:
        raise SystemExit(f"evaluate failed with exit code {rc}")
    s = stats(url)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return {"wall_s": wall, "run_s": run["sessions"][-1]["elapsed_s"], "cpu_s": cpu,
            "requests": s["requests"] - before, "max_in_flight": s["max_in_flight"],
            "server_cpu_s": None if s0 is None or s1 is None else s1 - s0}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--instances", type=int, default=200)
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--slots", type=int, default=64)
    p.add_argument("--concurrency", default="1,8,32,64")
    p.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = p.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai.py"), "--latency",
         str(args.latency), "--slots", str(args.slots)], stdout=subprocess.PIPE, text=True)
    global SERVER_PID
    SERVER_PID = server.pid
    rows = []
    try:
        url = server.stdout.readline().strip()
        n, lat = args.instances, args.latency
        # Warm-up (imports the SDK, reads the dataset once), not reported.
        run_one(url, tmp / "warm-up", 2, 2, "--no-cache")
        for c in levels:
            print(f"concurrency {c} ...", file=sys.stderr, flush=True)
            r = run_one(url, tmp / f"c{c}", n, c, "--no-cache")
            rows.append({"run": f"concurrency {c}", "concurrency": c, **r})
        c = 32 if 32 in levels else levels[-1]
        cache = tmp / "cache"
        for label in ("cache cold", "cache warm"):
            print(f"concurrency {c}, {label} ...", file=sys.stderr, flush=True)
            r = run_one(url, tmp / f"{label.replace(' ', '-')}", n, c, "--cache", str(cache),
                        "--sender-temperature", "0")
            rows.append({"run": f"concurrency {c}, T=0, {label}", "concurrency": c, **r})
        # The HTTP backend alone: one batch of requests, no runner, no metrics.
        from bayespersuade.llm.backends.base import GenerationRequest
        from bayespersuade.llm.backends.openai import OpenAIChatBackend

        b = OpenAIChatBackend("fake", url, request_timeout=60)
        chat = [{"role": "user", "content": "Hello."}]
        b.generate(chat, max_new_tokens=8)
        n_alone = 2000
        t0, cpu0 = time.perf_counter(), time.process_time()
        b.generate_batch([GenerationRequest(chat, i) for i in range(n_alone)],
                         max_new_tokens=8)
        alone = {"requests": n_alone, "wall_s": time.perf_counter() - t0,
                 "cpu_s": time.process_time() - cpu0, "transport": b.transport}
        b.close()
        # A finished run, re-run here and in a fresh process: no dataset, no model.
        from bayespersuade.cli.main import main as cli_main

        t0 = time.perf_counter()
        cli_main(evaluate_argv(url, tmp / f"c{levels[-1]}", n, levels[-1], "--no-cache"))
        rerun_inproc_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bayespersuade",
                        *evaluate_argv(url, tmp / f"c{levels[-1]}", n, levels[-1],
                                       "--no-cache")],
                       cwd=ROOT, check=True, capture_output=True)
        rerun_s = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait()
    print(f"# evaluate against a fake OpenAI-compatible server\n\n"
          f"{n} instances, dynamic protocol (3 rounds, 1 dialogue, beliefs), latency "
          f"{lat * 1000:.0f} ms per request, {args.slots} server slots; "
          f"{os.cpu_count()} CPUs; "
          f"1-minute load average at the end {os.getloadavg()[0]:.1f}.\n")
    print("| run | requests | run wall s | ideal s | ratio | command wall s | "
          "client CPU per request | server CPU per request |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        c = r["concurrency"]
        ideal = max(CRITICAL_PATH * lat * math.ceil(n / c), r["requests"] * lat / args.slots)
        if r["requests"] == 0:
            ideal = 0.0
        r["ideal_s"] = ideal
        ratio = f"{ideal / r['run_s']:.2f}" if r["requests"] else "n/a"
        per = (f"{1000 * r['cpu_s'] / r['requests']:.2f} ms" if r["requests"]
               else f"{r['cpu_s']:.2f} s in all")
        srv = ("n/a" if r["server_cpu_s"] is None or not r["requests"]
               else f"{1000 * r['server_cpu_s'] / r['requests']:.2f} ms")
        print(f"| {r['run']} | {r['requests']} | {r['run_s']:.1f} | {ideal:.1f} | {ratio} | "
              f"{r['wall_s']:.1f} | {per} | {srv} |")
    print(f"\nThe HTTP backend alone ({alone['transport']} transport): {alone['requests']} "
          f"requests in one batch, {alone['wall_s']:.1f} s (ideal "
          f"{alone['requests'] * lat / args.slots:.1f} s), "
          f"{1000 * alone['cpu_s'] / alone['requests']:.2f} ms client CPU per request.")
    print(f"\nRe-running the finished directory: {rerun_inproc_s:.2f} s in this process, "
          f"{rerun_s:.2f} s in a fresh one (interpreter start and imports included); "
          f"no dataset or model loaded.")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "rerun_s": rerun_s,
                                               "backend_alone": alone,
                                               "rerun_in_process_s": rerun_inproc_s,
                                               "instances": n, "latency": lat,
                                               "slots": args.slots}, indent=1))


if __name__ == "__main__":
    main()
