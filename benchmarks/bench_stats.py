"""Benchmark: do the evaluation statistics keep their promises?

Run from the repository root::

    python benchmarks/bench_stats.py [--reps 400] [--seed 2024] [--quick]

Measures, and prints as one Markdown report:

1. **Coverage** of the 95 % cluster bootstrap interval
   (:func:`bayespersuade.instances.stats.cluster_mean`, BCa and percentile) and
   of the ``t`` interval built from the cluster-robust SE, on clustered samples
   with a known mean (40 clusters of 1-5 dialogues, cluster effect and noise
   both N(0, 1)), over ``--reps`` replications; the target is [0.93, 0.97].
2. **Size and power** of the Bayes-consistency test on simulated evaluations
   (:mod:`bayespersuade.llm.backends.scripted`): the rejection rate at 1 % of
   the cluster-robust ``t`` test and of the sign-flip test for a Bayesian
   receiver (500 dialogues) and for a credulous one (shift 0.05, 200
   dialogues).
3. The **time** of one bootstrap interval for 40 and 400 instances.

The exit status is 1 if a coverage falls outside [0.93, 0.97].
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from scipy import stats as sps

from bayespersuade.instances.stats import cluster_mean


def sample(rng, g=40, mean=0.3):
    return [list(mean + rng.normal() + rng.normal(0, 1, rng.integers(1, 6))) for _ in range(g)]


def coverage(reps: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    hits = {"BCa": 0, "percentile": 0, "t (cluster-robust SE)": 0}
    for k in range(reps):
        cl = sample(rng)
        for m in ("BCa", "percentile"):
            e = cluster_mean(cl, bootstrap_method=m, n_resamples=1000, seed=k)
            hits[m] += e.ci_low <= 0.3 <= e.ci_high
        q = sps.t.ppf(0.975, e.n_instances - 1)
        hits["t (cluster-robust SE)"] += abs(e.estimate - 0.3) <= q * e.se
    return {k: v / reps for k, v in hits.items()}


def size_power(reps: int, seed: int) -> dict[str, tuple[float, float]]:
    from bayespersuade.llm.backends.scripted import (
        scripted_bayesian_receiver,
        scripted_credulous_receiver,
        scripted_informed_sender,
    )
    from bayespersuade.llm.metrics import bayes_consistency, instance_metrics
    from bayespersuade.llm.protocol import ProtocolConfig, run_instance

    p0s = (0.2, 0.35, 0.5, 0.65, 0.8)
    out = {}
    for name, receiver, n_inst, samples in (
        ("Bayesian, 500 dialogues", scripted_bayesian_receiver, 50, 10),
        ("credulous (shift 0.05), 200 dialogues",
         lambda p0: scripted_credulous_receiver(p0, 0.05), 40, 5),
    ):
        rej_t = rej_p = 0
        for rep in range(reps):
            pairs = []
            for i in range(n_inst):
                p0 = p0s[i % len(p0s)]
                raw = run_instance("X.", scripted_informed_sender(p0), receiver(p0),
                                   ProtocolConfig("static", samples=samples),
                                   seed=seed + 100_003 * rep + i)
                rec = {"transcript": raw, "metrics": instance_metrics(raw)}
                pairs.append((rec, rec["metrics"]["rounds"][0]))
            bc = bayes_consistency(pairs, n_resamples=500, seed=rep)
            rej_t += bc["p_value"] < 0.01
            rej_p += bc["p_value_permutation"] < 0.01
        out[name] = (rej_t / reps, rej_p / reps)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--quick", action="store_true",
                    help="100 coverage replications, 10 simulated evaluations")
    args = ap.parse_args(argv)
    reps = 100 if args.quick else args.reps
    t0 = time.perf_counter()
    cov = coverage(reps, args.seed)
    t_cov = time.perf_counter() - t0
    lines = ["# Statistics benchmark", "",
             f"Seed {args.seed}; {reps} replications; 40 clusters of 1-5 dialogues.", "",
             "| interval (95 %) | coverage | target |", "|---|---|---|"]
    ok = True
    for k, v in cov.items():
        inside = 0.93 <= v <= 0.97
        ok &= inside or args.quick
        lines.append(f"| {k} | {v:.3f} | [0.93, 0.97] {'met' if inside else 'NOT met'} |")
    lines += ["", f"({t_cov:.1f} s)", ""]
    n_eval = 10 if args.quick else 50
    t0 = time.perf_counter()
    sp = size_power(n_eval, args.seed)
    lines += [f"Rejection rate at 1 % over {n_eval} simulated evaluations "
              f"({time.perf_counter() - t0:.1f} s):", "",
              "| receiver | t test | sign flip |", "|---|---|---|"]
    lines += [f"| {k} | {a:.2f} | {b:.2f} |" for k, (a, b) in sp.items()]
    rng = np.random.default_rng(0)
    lines += ["", "| instances | one BCa interval, 2000 resamples (ms) |", "|---|---|"]
    for g in (40, 400):
        cl = [list(rng.normal(0, 1, 3)) for _ in range(g)]
        t0 = time.perf_counter()
        for _ in range(5):
            cluster_mean(cl)
        lines.append(f"| {g} | {(time.perf_counter() - t0) / 5 * 1000:.1f} |")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
