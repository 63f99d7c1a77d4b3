"""Benchmark: start-up (importing the package, re-running a finished run) and transcripts.

Start-up, in fresh interpreters (the median of ``--repeat`` runs each): ``python -c
pass`` (the interpreter alone), ``python -c "import bayespersuade"``, and
``python -m bayespersuade evaluate ...`` re-run on a finished evaluation directory
(3 instances of the dynamic protocol, first run here against the fake
OpenAI-compatible server of ``tests/fake_openai.py``; the server is stopped before
the re-runs, so a re-run that sent a request would fail).  Each row also lists which
heavy packages the process had loaded at its end (SciPy, the openai SDK, torch...).

Transcripts (no model is called): writes synthetic logs in the shape of the paper
authors' released evaluation logs (``cheng-you`` format; generated here from a seed,
no third-party data), then times ``import_transcripts`` (with and without the report),
``rescore`` under the normative-position family, and ``export_transcripts``
to JSON lines and CSV.  Prints one Markdown table.

Usage::

    python benchmarks/bench_import.py                 # 75 claims x 3 rounds (the logs' size)
    python benchmarks/bench_import.py --claims 300 --rounds 3 --seed 1
    python benchmarks/bench_import.py --quick         # 10 claims
    python benchmarks/bench_import.py --startup-only  # only the start-up table
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bayespersuade import __version__
from bayespersuade.llm import export_transcripts, import_transcripts, rescore

ROOT = Path(__file__).resolve().parent.parent


def synthetic_logs(n_claims: int, rounds: int, seed: int) -> list[dict]:
    """Claims with random 1..7 scores (a few unparsable answers) in the cheng-you shape."""
    rng = random.Random(seed)
    items = []
    for i in range(n_claims):
        replies, args = [], []
        for k in range(rounds + 1):
            s = rng.randint(1, 7)
            score = f"<score>{s}</score>" if rng.random() > 0.05 else "about the middle"
            replies.append(f"{score}\n<opinion>Opinion {k}.</opinion>\n<thinking>T.</thinking>"
                           f"\n<question>Question {k}?</question>")
            args.append(f"Argument {k} for claim {i}. " * 20)
        rounds_ = [{"step": 0, "option": 0, "persuadee": f"Opinion {k}.",
                    "correct": args[k] if k < rounds else None, "incorrect": None}
                   for k in range(rounds + 1)]
        responses = [{"step": 0, "option": 0,
                      "persuadee": {"prompt": [], "response": replies[k]},
                      "correct": ({"prompt": [],
                                   "response": f"<opinion>o</opinion><thinking>t</thinking>"
                                               f"<argument>{args[k]}</argument>"}
                                  if k < rounds else None),
                      "incorrect": None}
                     for k in range(rounds + 1)]
        items.append({"id": i, "correct_claim": f"Claim number {i} should hold.",
                      "incorrect_claim": f"Claim number {i} should not hold.", "complete": True,
                      "transcript": {"index": i, "swap": False, "rollout_type": "sequential",
                                     "rounds": rounds_, "responses": responses, "extra": {}}})
    return items


HEAVY = ("scipy", "numpy", "openai", "aiohttp", "torch", "transformers", "matplotlib")
_PROBE = ("\nimport sys\nprint('LOADED', ' '.join(sorted({m.split('.')[0] for m in "
          f"sys.modules}} & set({HEAVY!r}))))")


def _fresh(code: str, repeat: int) -> tuple[float, str]:
    """Median wall time of ``python -c code`` in fresh processes; heavy packages loaded."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    times, loaded = [], ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code + _PROBE], capture_output=True,
                             text=True, env=env, cwd=str(ROOT), check=True)
        times.append(time.perf_counter() - t0)
        loaded = out.stdout.rsplit("LOADED", 1)[-1].strip()
    return statistics.median(times), loaded or "none"


def startup_rows(repeat: int) -> list[tuple[str, float, str]]:
    """The start-up table: (what, median seconds, heavy packages loaded)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fake_openai import FakeOpenAIServer

    from bayespersuade.cli.main import main as cli_main

    out = Path(tempfile.mkdtemp(prefix="bench_startup_")) / "run"
    with FakeOpenAIServer() as srv:
        argv = ["evaluate", "--dataset", "perspectrum", "--split", "test",
                "--sender", f"openai:fake-sender@{srv.url}",
                "--receiver", f"openai:fake-receiver@{srv.url}", "--protocol", "dynamic",
                "--limit", "3", "--seed", "0", "--out", str(out), "--concurrency", "3",
                "--no-progress", "--report", "md", "--no-cache"]
        if cli_main(argv) != 0:
            raise SystemExit("the first run failed")
    rerun = ("import io, contextlib\nfrom bayespersuade.cli.main import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    assert main({argv!r}) == 0\n")
    return [("python -c pass (the interpreter alone)", *_fresh("pass", repeat)),
            ("python -c 'import bayespersuade'", *_fresh("import bayespersuade", repeat)),
            ("import bayespersuade, then PersuasionGame.solve (the solvers and SciPy)",
             *_fresh("import bayespersuade\nbayespersuade.PersuasionGame.solve\n"
                     "import bayespersuade.solvers.lp", repeat)),
            ("bayespersuade evaluate ... on a finished run (3 instances, report md)",
             *_fresh(rerun, repeat))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=75)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="10 claims")
    ap.add_argument("--repeat", type=int, default=7,
                    help="fresh processes per start-up row (median; default 7)")
    ap.add_argument("--startup-only", action="store_true",
                    help="only the start-up table (no transcripts)")
    args = ap.parse_args(argv)
    start = startup_rows(args.repeat)
    print(f"Start-up in fresh processes (median of {args.repeat}); 1-minute load average "
          f"{os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")
    print()
    print("| what | seconds | heavy packages loaded |")
    print("|---|---|---|")
    for label, sec, loaded in start:
        print(f"| {label} | {sec:.2f} | {loaded} |")
    print()
    if args.startup_only:
        return 0
    n = 10 if args.quick else args.claims
    protocol = "static" if args.rounds == 1 else "dynamic"
    tmp = Path(tempfile.mkdtemp(prefix="bench_import_"))
    src = tmp / f"synthetic_{protocol}.json"
    src.write_text(json.dumps(synthetic_logs(n, args.rounds, args.seed)), encoding="utf-8")
    rows = []

    def timed(label, fn):
        t0 = time.perf_counter()
        fn()
        rows.append((label, time.perf_counter() - t0))

    timed("import, no report", lambda: import_transcripts(src, format="cheng-you",
                                                           out=tmp / "a", report=None))
    timed("import with report.md", lambda: import_transcripts(src, format="cheng-you",
                                                               out=tmp / "b", report="md"))
    timed("rescore (normative-position), no report",
          lambda: rescore(tmp / "a", tmp / "c", family="normative-position", report=None))
    timed("export jsonl", lambda: export_transcripts(tmp / "a", out=tmp / "a.jsonl"))
    timed("export csv", lambda: export_transcripts(tmp / "a", format="csv", out=tmp / "a.csv"))
    print(f"Transcripts: {n} claims x {args.rounds} round(s) ({protocol}), seed {args.seed}, "
          f"input {src.stat().st_size / 1e6:.2f} MB")
    print(f"Versions: bayespersuade {__version__}, Python {platform.python_version()}; "
          f"Machine: {platform.machine()}, {platform.system()}")
    print()
    print("| step | seconds | claims per second |")
    print("|---|---|---|")
    for label, sec in rows:
        print(f"| {label} | {sec:.2f} | {n / sec:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
