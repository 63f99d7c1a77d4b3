"""What running the protocol inside Inspect costs: the task beside the library's runner.

Both run the same scripted agents (no model time) on the first ``--n`` claims
of the bundled PERSPECTRUM test split, so the difference is the harness alone:
Inspect's sample scheduling, transcript events and log writing, and the thread
hop of :class:`bayespersuade.inspect_task.backend.InspectBackend`, against
:func:`bayespersuade.llm.runner.run_evaluation`.  Prints one Markdown table.

    python benchmarks/bench_inspect.py            # 20 claims, static and dynamic
    python benchmarks/bench_inspect.py --n 50
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="claims (default 20)")
    args = ap.parse_args()
    from inspect_ai import eval as inspect_eval

    from bayespersuade.inspect_task import backend_model, persuasion
    from bayespersuade.inspect_task.task import load_records
    from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
    from bayespersuade.llm.protocol import ProtocolConfig
    from bayespersuade.llm.runner import EvaluationConfig, run_evaluation

    records = load_records("perspectrum", "test")
    rows = []
    for protocol, samples in (("static", 1), ("dynamic", 2)):
        work = tempfile.mkdtemp()
        t0 = time.perf_counter()
        cfg = EvaluationConfig("perspectrum", "scripted:sender", "scripted:receiver",
                               ProtocolConfig(protocol, samples=samples), split="test")
        run_evaluation(records, scripted_sender([1, 2]), scripted_receiver(), f"{work}/lib",
                       cfg, limit=args.n, progress=False, report=None)
        t_lib = time.perf_counter() - t0
        roles = {"sender": backend_model(scripted_sender([1, 2])),
                 "receiver": backend_model(scripted_receiver())}
        t0 = time.perf_counter()
        [log] = inspect_eval(persuasion(limit=args.n, protocol=protocol, samples=samples),
                             model=None, model_roles=roles, log_dir=f"{work}/logs",
                             display="none")
        t_insp = time.perf_counter() - t0
        assert log.status == "success", log.error
        rows.append((protocol, samples, t_lib, t_insp))
    print("| protocol | dialogues/claim | claims | library runner (s) | Inspect task (s) |")
    print("|---|---|---|---|---|")
    for protocol, samples, t_lib, t_insp in rows:
        print(f"| {protocol} | {samples} | {args.n} | {t_lib:.2f} | {t_insp:.2f} |")


if __name__ == "__main__":
    main()
