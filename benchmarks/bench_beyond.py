"""Benchmark: beyond one receiver (a public-signal audience; a 1,000-node network).

Run from the repository root::

    python benchmarks/bench_beyond.py [--repeat 3] [--seed 20260101] [--quick]

It times, best of ``--repeat`` runs each (building the inputs is not timed):

1. **Public-signal audience, 10 receivers x 7 actions x 2 states**: ten
   Likert receivers (quadratic loss, answers 1..7, the sender's utility is the
   answer) with random heterogeneous priors ``(r - 1)/6``-like draws
   ``k/60``, ``k`` in 1..59; the sender's prior is their mean.  Times
   ``Audience.public`` exactly (two-state envelope over the union of the
   breakpoints) and in floats, ``Audience.public(method="vertices")`` (the
   independent method, exact) and ``Audience.private`` exactly; checks that
   envelope and vertices agree exactly.
2. **Heterogeneous prior**: ``game.solve(exact=True)`` of a 2 x 7 game with a
   receiver prior distinct from the sender's, LP and concavification; and
   ``heterogeneous_ceilings`` at 10,000 random (sender, receiver) prior pairs
   (the vectorised chords), checked against per-pair envelopes on 200.
3. **A 1,000-node network**: a Barabási-Albert graph (``m = 4``, seeded) and a
   random geometric graph (radius 0.06, seeded); ``networkx.core_number``, then
   ``NetworkGame.solve`` by LP (float and exact) and by concavification
   (exact), with two states; and the LP in floats with five states.

``--quick`` uses 200 nodes and one repetition (a smoke run for the tests).
Prints one Markdown table; every row says what was timed.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx
import numpy as np

import bayespersuade
from bayespersuade.instances.families import binary_truth_game
from bayespersuade.solvers.audience import Audience
from bayespersuade.solvers.heterogeneous import heterogeneous_ceilings
from bayespersuade.solvers.network import NetworkGame


def best_of(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def audience(rng: np.random.Generator, k: int = 10) -> Audience:
    ks = rng.integers(1, 60, size=k)
    priors = [Fraction(int(x), 60) for x in ks]
    mu_s = sum(priors, Fraction(0)) / k
    base = binary_truth_game(mu_s)
    return Audience([base.with_receiver_prior([1 - q, q]) for q in priors])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    nodes = 200 if args.quick else 1000
    rng = np.random.default_rng(args.seed)
    rows = []

    aud = audience(rng)
    t, pub = best_of(lambda: aud.public(exact=True), repeat)
    rows.append(("audience 10 x 7 x 2, public, exact envelope", t,
                 f"V = {pub.value} ({pub.n_candidates} breakpoints)"))
    t, pubf = best_of(lambda: aud.public(), repeat)
    rows.append(("audience 10 x 7 x 2, public, float envelope", t, f"V = {pubf.value:.6f}"))
    t, ver = best_of(lambda: aud.public(exact=True, method="vertices"), repeat)
    agree = "agrees" if ver.value == pub.value else "DISAGREES"
    rows.append(("audience 10 x 7 x 2, public, exact vertices + LP", t,
                 f"{agree} with the envelope ({ver.n_candidates} vertices)"))
    t, priv = best_of(lambda: aud.private(exact=True), repeat)
    rows.append(("audience 10 x 7 x 2, private (10 exact solves)", t,
                 f"targeting = {float(priv.value - pub.value):.6f}"))

    g = binary_truth_game(Fraction(2, 5)).with_receiver_prior([Fraction(4, 5), Fraction(1, 5)])
    for method in ("lp", "concavification"):
        t, sol = best_of(lambda m=method: g.solve(m, exact=True), repeat)
        rows.append((f"heterogeneous prior 2 x 7, exact {method}", t, f"V = {sol.value}"))

    k_pairs = 1000 if args.quick else 10_000
    sp, rp = rng.uniform(0.01, 0.99, k_pairs), rng.uniform(0.01, 0.99, k_pairs)
    S, R = np.column_stack([1 - sp, sp]), np.column_stack([1 - rp, rp])
    t, hc = best_of(lambda: heterogeneous_ceilings(g, S, R), repeat)
    t1, hc1 = best_of(lambda: heterogeneous_ceilings(g, S[:200], R[:200], method="per-pair"), 1)
    agree = "agrees" if np.allclose(hc.value[:200], hc1.value, atol=1e-9) else "DISAGREES"
    rows.append((f"heterogeneous ceilings, {k_pairs} prior pairs (2 x 7), chords", t,
                 f"{agree} with per-pair envelopes on 200 (those took {t1:.3f} s)"))

    graphs = {
        "Barabási-Albert m=4": nx.barabasi_albert_graph(nodes, 4, seed=args.seed),
        "random geometric r=0.06": nx.random_geometric_graph(
            nodes, 0.06 if nodes == 1000 else 0.13, seed=args.seed),
    }
    for name, graph in graphs.items():
        t, core = best_of(lambda gr=graph: nx.core_number(gr), repeat)
        rows.append((f"{nodes}-node {name}: core numbers", t,
                     f"degeneracy {max(core.values())}, {graph.number_of_edges()} edges"))
        net = NetworkGame(graph, [Fraction(3, 4), Fraction(1, 4)], [-6, 2], Fraction(1, 2))
        t, sol = best_of(lambda nt=net: NetworkGame(nt.graph, [Fraction(3, 4), Fraction(1, 4)],
                                                    [-6, 2], Fraction(1, 2)).solve(exact=True),
                         repeat)
        rows.append((f"{nodes}-node {name}: build + exact LP, 2 states", t,
                     f"V = {float(sol.value):.4f} (no disclosure "
                     f"{float(sol.no_disclosure_value):.0f})"))
        t, cav = best_of(lambda nt=net: nt.solve("concavification", exact=True), repeat)
        rows.append((f"{nodes}-node {name}: exact concavification, 2 states", t,
                     "agrees" if cav.value == sol.value else "DISAGREES"))
        net5 = NetworkGame(graph, [0.3, 0.25, 0.2, 0.15, 0.1], [-8.0, -5.0, -2.0, 1.0, 3.0],
                           0.5)
        t, sol5 = best_of(lambda nt=net5: nt.solve(), repeat)
        rows.append((f"{nodes}-node {name}: float LP, 5 states", t, f"V = {sol5.value:.4f}"))

    print(f"bayespersuade {bayespersuade.__version__}, networkx {nx.__version__}, numpy "
          f"{np.__version__}, Python {platform.python_version()}, {platform.machine()}; "
          f"seed {args.seed}, best of {repeat}")
    print()
    print("| What | Seconds | Result |")
    print("|---|---:|---|")
    for what, t, note in rows:
        print(f"| {what} | {t:.4f} | {note} |")
    bad = [r for r in rows if "DISAGREES" in r[2]]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
