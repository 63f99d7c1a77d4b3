"""Benchmark: importing, re-scoring and exporting transcripts (no model is called).

Writes synthetic logs in the shape of the paper authors' released evaluation
logs (``cheng-you`` format; generated here from a seed, no third-party data),
then times ``import_transcripts`` (with and without the report),
``rescore`` under the normative-position family, and ``export_transcripts``
to JSON lines and CSV.  Prints one Markdown table.

Usage::

    python benchmarks/bench_import.py                 # 75 claims x 3 rounds (the logs' size)
    python benchmarks/bench_import.py --claims 300 --rounds 3 --seed 1
    python benchmarks/bench_import.py --quick         # 10 claims
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bayespersuade import __version__
from bayespersuade.llm import export_transcripts, import_transcripts, rescore


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=75)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="10 claims")
    args = ap.parse_args(argv)
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
