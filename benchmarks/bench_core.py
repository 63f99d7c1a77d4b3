#!/usr/bin/env python
"""Benchmarks of the exact core: LP solve, batch ceilings, exact certification, memory.

Run from the repository root (it benchmarks the working tree)::

    python benchmarks/bench_core.py            # full run (several minutes)
    python benchmarks/bench_core.py --quick    # small sizes only (< 1 minute)
    python benchmarks/bench_core.py --out results.md

It prints one Markdown report:

1. ``game.solve()`` (float; HiGHS through highspy, LP build and solution
   assembly included) beside the straightforward cvxpy formulation of the
   same LP (:func:`bayespersuade.solvers.lp.solve_obedience_lp_cvxpy`, cvxpy + HiGHS,
   cvxpy's model build included), on random games with integer utilities
   ``0..10`` and random rational priors;
2. :func:`bayespersuade.solvers.batch.batch_ceilings` on 10,000 priors of a 2-state,
   7-action game beside a loop of per-prior LP solves and beside cvxpy per
   prior (on a subsample, extrapolated and labelled as such);
3. ``game.solve(exact=True)`` and the certification step alone
   (:func:`bayespersuade.solvers.certify.certify_basis`) beside the float solve;
4. the peak resident memory of a 200 x 200 float solve, measured in a fresh
   subprocess (``ru_maxrss``);
5. the peak memory and time of tall games (2 x 15,000 and 3 x 5,000; float LP,
   float concavification, exact LP), and of 3 x 1,500 and 3 x 5,000 games where
   every action is a best response (float and exact LP: row and column
   generation on all actions), each in a fresh subprocess;
6. ``game.solve()`` beside the anchors a user would write instead: scipy's
   ``linprog`` (HiGHS dual simplex and HiGHS-IPM, sparse vectorised build) and
   cvxpy, on fresh games, with the ratio to the best of them, in two
   conventions: throughput (each method solves a list of games in a loop) and
   one cold call (``gc.collect()`` before it), and with the game's
   construction added to ours;

then checks the performance targets.  Times are medians of repeats; ours and
cvxpy's (float and exact) are interleaved within each repeat, so that load from
other processes affects both alike.  Seeds, package versions and the machine
are recorded in the report.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmark the working tree, not an installed copy
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bayespersuade import PersuasionGame  # noqa: E402

DEFAULT_SEED = 20260101

FULL_SIZES = [(2, 7), (10, 10), (50, 50), (100, 100), (200, 50), (50, 200)]
QUICK_SIZES = [(2, 7), (10, 10)]


def repeats_for(n: int, m: int) -> int:
    """Repeats per size: many for small games, at least two for big ones."""
    size = n * m
    if size <= 20:
        return 50
    if size <= 100:
        return 30
    if size <= 2500:
        return 5
    return 2


def random_game(n_states: int, n_actions: int, seed: int) -> PersuasionGame:
    """Integer utilities in 0..10 and a random rational prior (weights 1..100)."""
    prior, v, u = random_game_inputs(n_states, n_actions, seed)
    return PersuasionGame(prior, v, u, name=f"random-{n_states}x{n_actions}")


def tall_game(n_states: int, n_actions: int, seed: int) -> PersuasionGame:
    """Tall/wide games: integer utilities in 0..10^6 (few duplicates), rational prior."""
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 10**6 + 1, size=(n_actions, n_states))
    u = rng.integers(0, 10**6 + 1, size=(n_actions, n_states))
    w = rng.integers(1, 101, size=n_states)
    total = int(w.sum())
    prior = [Fraction(int(x), total) for x in w]
    return PersuasionGame(prior, v.tolist(), u.tolist(), name=f"tall-{n_states}x{n_actions}")


def all_br_game(n_states: int, n_actions: int, seed: int) -> PersuasionGame:
    """Tall games where every action is a best response somewhere.

    Action ``a`` targets a belief ``p_a = k_a / D`` (``k_a`` integer, ``D =
    10^4``, drawn from a flat Dirichlet); the receiver's utility is the
    quadratic score ``u(a, ω) = 2 p_a(ω) − |p_a|^2`` scaled by ``D^2`` (an
    integer), so at belief ``p_a`` action ``a`` is the unique best response and
    no action can be dropped before the LP.  Sender utilities are integers in
    ``0..10^6``; the prior is rational.
    """
    rng = np.random.default_rng(seed)
    d = 10**4
    k = np.floor(rng.dirichlet(np.ones(n_states), size=n_actions) * d).astype(np.int64)
    k[:, -1] = d - k[:, :-1].sum(axis=1)
    u = 2 * d * k - (k**2).sum(axis=1, keepdims=True)
    v = rng.integers(0, 10**6 + 1, size=(n_actions, n_states))
    w = rng.integers(1, 101, size=n_states)
    total = int(w.sum())
    prior = [Fraction(int(x), total) for x in w]
    return PersuasionGame(prior, v.tolist(), u.tolist(), name=f"all-br-{n_states}x{n_actions}")


def size_seed(seed: int, n: int, m: int) -> int:
    return seed + 1000 * n + m


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def interleaved(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, list[float]]:
    """Time each function ``repeats`` times, alternating between them."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t, _ = timed(fn)
            times[k].append(t)
    return times


def fmt_s(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def machine_info() -> dict[str, str]:
    info = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpu_count (os)": str(os.cpu_count()),
    }
    with contextlib.suppress(AttributeError):  # not Linux
        info["cpus usable"] = str(len(os.sched_getaffinity(0)))
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    kib = int(line.split()[1])
                    info["memory"] = f"{kib / 2**20:.1f} GiB"
                    break
    except OSError:  # pragma: no cover - not Linux
        pass
    with contextlib.suppress(OSError):
        info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from bayespersuade.solution import provenance

    out = dict(provenance())
    for pkg in ("cvxpy",):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    return out


# ----------------------------------------------------------------- sections


def scipy_obedience_lp(prior, v, u, method: str = "highs") -> float:
    """The LP as a competent scipy user writes it: sparse, vectorised build, linprog.

    Variables ``x[a * n + ω]``; prior rows ``Σ_a x(ω, a) = μ0(ω)``; one
    obedience row per ordered pair ``a != b``:
    ``Σ_ω x(ω, a) (u(b, ω) − u(a, ω)) <= 0``.  Returns the optimal value.
    """
    import scipy.optimize
    import scipy.sparse as sp

    m, n = u.shape
    a_idx, b_idx = np.nonzero(~np.eye(m, dtype=bool))
    D = u[b_idx] - u[a_idx]  # (m(m-1), n)
    rows = np.repeat(np.arange(a_idx.size), n)
    cols = (a_idx[:, None] * n + np.arange(n)[None, :]).ravel()
    A_ub = sp.csr_array((D.ravel(), (rows, cols)), shape=(a_idx.size, m * n))
    A_eq = sp.csr_array((np.ones(m * n), (np.tile(np.arange(n), m), np.arange(m * n))),
                        shape=(n, m * n))
    res = scipy.optimize.linprog(-v.ravel(), A_ub=A_ub, b_ub=np.zeros(a_idx.size),
                                 A_eq=A_eq, b_eq=prior, bounds=(0, None), method=method)
    if res.status != 0:
        raise RuntimeError(f"linprog ({method}) failed: {res.message}")
    return -float(res.fun)


ANCHOR_SIZES = [(2, 7), (5, 5), (7, 7), (10, 10), (20, 20), (50, 50)]
QUICK_ANCHOR_SIZES = [(2, 7), (10, 10)]


def random_game_inputs(n_states: int, n_actions: int, seed: int) -> tuple[list, list, list]:
    """The Python inputs of :func:`random_game` (prior as Fractions, utility lists)."""
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 11, size=(n_actions, n_states))
    u = rng.integers(0, 11, size=(n_actions, n_states))
    w = rng.integers(1, 101, size=n_states)
    total = int(w.sum())
    return [Fraction(int(x), total) for x in w], v.tolist(), u.tolist()


def _anchor_fns(game) -> dict[str, Callable[[], Any]]:
    """The four solves of one game: ours and the three anchors (from its float arrays)."""
    from bayespersuade.solvers.lp import solve_obedience_lp_cvxpy

    prior, v, u = game.prior, game.sender_utility, game.receiver_utility
    return {
        "ours": game.solve,
        "scipy HiGHS": lambda: scipy_obedience_lp(prior, v, u, "highs"),
        "scipy HiGHS-IPM": lambda: scipy_obedience_lp(prior, v, u, "highs-ipm"),
        "cvxpy + HiGHS": lambda: solve_obedience_lp_cvxpy(prior, v, u)[1],
    }


def _check_agreement(values: dict[str, list], n: int, m: int) -> None:
    """Every anchor's value equals ours, game by game (after the timing)."""
    for name, vals in values.items():
        if name == "ours":
            continue
        for r, (a, b) in enumerate(zip(vals, values["ours"], strict=True)):
            if abs(a - b) > 1e-6 * max(1.0, abs(b)):
                raise RuntimeError(f"{name} disagrees at {n}x{m}, game {r}: {a} vs {b}")


_ANCHOR_NAMES = ("ours", "scipy HiGHS", "scipy HiGHS-IPM", "cvxpy + HiGHS")


def _anchors_loop(n: int, m: int, seed: int, n_games: int, rounds: int,
                  paths: set) -> dict[str, float]:
    """Throughput: each method solves a list of fresh games in a loop.

    Round ``r`` draws ``n_games`` new games (seeds ``size_seed + 7919 (1000 + r K + i)``,
    none used by the other convention), builds them untimed, and then each method
    solves the whole list, one method after the other in an order that rotates
    with the round; a method's time per game is its loop's time over
    ``n_games``.  The collector runs as it does in a user's loop (enabled, no
    collection forced).  Returns each method's median over the rounds.
    """
    per_game: dict[str, list[float]] = {k: [] for k in _ANCHOR_NAMES}
    values: dict[str, list[float]] = {k: [] for k in _ANCHOR_NAMES}
    for r in range(rounds):
        games = [PersuasionGame(*random_game_inputs(
            n, m, size_seed(seed, n, m) + 7919 * (1000 + r * n_games + i)))
            for i in range(n_games)]
        fns = [_anchor_fns(g) for g in games]
        k = r % len(_ANCHOR_NAMES)
        for name in _ANCHOR_NAMES[k:] + _ANCHOR_NAMES[:k]:
            calls = [f[name] for f in fns]
            gc.collect()  # once per loop, before it: no method inherits another's garbage
            t0 = time.perf_counter()
            answers = [call() for call in calls]
            per_game[name].append((time.perf_counter() - t0) / n_games)
            if name == "ours":
                paths.update(a.algorithm for a in answers)
                answers = [a.value for a in answers]
            values[name].extend(answers)
    _check_agreement(values, n, m)
    return {k: statistics.median(t) for k, t in per_game.items()}


def _anchors_cold(n: int, m: int, seed: int, reps: int,
                  paths: set) -> dict[str, float]:
    """Latency of one call after ``gc.collect()`` (caches cold), fresh game per repeat.

    Repeat ``r`` draws a new game (seed ``size_seed + 7919 r``), times its
    construction, and then each method solves it once, in an order that rotates
    with the repeat, with ``gc.collect()`` before every timed call.  Returns
    medians (``"build"`` included).
    """
    times: dict[str, list[float]] = {k: [] for k in (*_ANCHOR_NAMES, "build")}
    values: dict[str, list[float]] = {k: [] for k in _ANCHOR_NAMES}
    for r in range(reps):
        inputs = random_game_inputs(n, m, size_seed(seed, n, m) + 7919 * r)
        t, game = timed(lambda inputs=inputs: PersuasionGame(*inputs))
        times["build"].append(t)
        fns = _anchor_fns(game)
        k = r % len(_ANCHOR_NAMES)
        for name in _ANCHOR_NAMES[k:] + _ANCHOR_NAMES[:k]:
            t, val = timed(fns[name])
            if name == "ours":
                paths.add(val.algorithm)
                val = val.value
            times[name].append(t)
            values[name].append(val)
    _check_agreement(values, n, m)
    return {k: statistics.median(t) for k, t in times.items()}


def bench_anchors(sizes, seed: int, out: list[str], results: dict) -> None:
    """``game.solve()`` beside scipy HiGHS (dual simplex), scipy HiGHS-IPM and cvxpy.

    Two conventions, both on fresh random games (no timed call solves a game
    that it, or any other call, has seen before) and both comparing answers
    after the timing:

    * *throughput* (:func:`_anchors_loop`): each method solves a list of games
      in a loop, as a study computing many games does; the ratio is the best
      anchor's median time per game over ours;
    * *one cold call* (:func:`_anchors_cold`): one solve right after
      ``gc.collect()``, which walks the whole heap and leaves the caches cold,
      so that a call pays for every cache line its code and data touch (the
      latency of a lone solve in a notebook cell).
    """
    out.append("## 6. Anchors: what a user would write instead\n")
    out.append("`game.solve()` beside `scipy.optimize.linprog` with a sparse, vectorised "
               "build (`method=\"highs\"` and `\"highs-ipm\"`) and the cvxpy formulation "
               "(cvxpy + HiGHS), on fresh random games (no timed call solves a game seen "
               "before), the answers compared game by game after the timing; *ratio* is "
               "the best anchor's median time over ours (above 1: we are faster).\n")
    out.append("**Throughput** (each method solves a list of fresh games in a loop, the "
               "methods one after the other in an order that rotates with the round, the "
               "garbage collector as in a user's loop; time per game, median over the "
               "rounds):\n")
    out.append("| Size | bayespersuade | scipy HiGHS | scipy HiGHS-IPM | cvxpy + HiGHS | "
               "Best anchor | Ratio | Games × rounds |")
    out.append("|---|---|---|---|---|---|---|---|")
    loop_lines, cold_lines, rows = [], [], []
    for n, m in sizes:
        n_games, rounds, reps = ((40, 7, 40) if n * m <= 100 else (15, 5, 15)
                                 if n * m <= 400 else (4, 3, 6))
        paths: set = set()
        lo = _anchors_loop(n, m, seed, n_games, rounds, paths)
        co = _anchors_cold(n, m, seed, reps, paths)
        row = {"n": n, "m": m}
        for tag, md in (("loop", lo), ("cold", co)):
            anchors = {k: md[k] for k in _ANCHOR_NAMES[1:]}
            best = min(anchors, key=anchors.get)
            row[f"best_{tag}"] = best
            row[f"ratio_{tag}"] = anchors[best] / md["ours"]
        row["ratio_build"] = co[row["best_cold"]] / (co["ours"] + co["build"])
        row["ratio"] = row["ratio_loop"]
        rows.append(row)
        path = "; ".join(sorted(paths))
        loop_lines.append(
            f"| {n} × {m} | {fmt_s(lo['ours'])} | {fmt_s(lo['scipy HiGHS'])} | "
            f"{fmt_s(lo['scipy HiGHS-IPM'])} | {fmt_s(lo['cvxpy + HiGHS'])} | "
            f"{row['best_loop']} | {row['ratio_loop']:.2f}× | {n_games} × {rounds} |")
        cold_lines.append(
            f"| {n} × {m} | {fmt_s(co['ours'])} | {fmt_s(co['build'])} | "
            f"{fmt_s(co['scipy HiGHS'])} | {fmt_s(co['scipy HiGHS-IPM'])} | "
            f"{fmt_s(co['cvxpy + HiGHS'])} | {row['best_cold']} | "
            f"{row['ratio_cold']:.2f}× | {row['ratio_build']:.2f}× | {reps} | {path} |")
        print(f"[anchors] {n}x{m}: throughput ratio {row['ratio_loop']:.2f} to "
              f"{row['best_loop']}; one cold call {row['ratio_cold']:.2f} (incl. build "
              f"{row['ratio_build']:.2f})", file=sys.stderr, flush=True)
    out.extend(loop_lines)
    out.append("")
    out.append("**One cold call** (each method solves the repeat's game once, with "
               "`gc.collect()` before every timed call: the collection walks the whole "
               "heap, so the call starts with cold caches, as a lone solve in a notebook "
               "cell does). *Build* is the median time of `PersuasionGame(...)` from lists "
               "and Fractions (not in *bayespersuade*; the anchors start from float "
               "arrays); *ratio incl. build* compares the best anchor with build + "
               "solve; *Path* names the algorithms `game.solve()` used in both "
               "conventions:\n")
    out.append("| Size | bayespersuade | Build | scipy HiGHS | scipy HiGHS-IPM | cvxpy + HiGHS | "
               "Best anchor | Ratio | Ratio incl. build | Games | Path |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    out.extend(cold_lines)
    results["anchors"] = rows
    out.append("")


def bench_float(sizes, seed: int, out: list[str], results: dict) -> None:
    from bayespersuade.solvers.lp import (
        build_obedience_lp,
        choose_lp_method,
        solve_obedience_lp,
        solve_obedience_lp_cvxpy,
    )

    out.append("## 1. Float solve: bayespersuade vs the cvxpy formulation\n")
    out.append(
        "`game.solve()` (HiGHS via highspy: LP build, solve and solution assembly) vs "
        "`solve_obedience_lp_cvxpy` (cvxpy + HIGHS, model build included). "
        "Median of the repeats, interleaved. *LP solved*: rows x columns of the LP "
        "HiGHS actually solved (row/column generation solves a restricted LP) and the "
        "number of solves.\n"
    )
    out.append("| Size (states × actions) | Seed | Variables | Obedience rows | Method | "
               "bayespersuade | cvxpy + HiGHS | Speed-up | Repeats | LP solved | "
               "\\|V − V_cvxpy\\| |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for n, m in sizes:
        s = size_seed(seed, n, m)
        game = random_game(n, m, s)
        prior, v, u = game.prior, game.sender_utility, game.receiver_utility
        lp = build_obedience_lp(prior, v, u)
        res = solve_obedience_lp(lp)
        reps = repeats_for(n, m)
        sol_value: list[float] = []
        cv_value: list[float] = []

        def ours(game=game, sol_value=sol_value):
            sol_value.append(game.solve().value)

        def theirs(prior=prior, v=v, u=u, cv_value=cv_value):
            cv_value.append(solve_obedience_lp_cvxpy(prior, v, u)[1])

        times = interleaved({"ours": ours, "cvxpy": theirs}, reps)
        t_ours = statistics.median(times["ours"])
        t_cv = statistics.median(times["cvxpy"])
        diff = max(abs(a - b) for a, b in zip(sol_value, cv_value, strict=True))
        rows.append({"n": n, "m": m, "ours": t_ours, "cvxpy": t_cv, "speedup": t_cv / t_ours})
        out.append(
            f"| {n} × {m} | {s} | {n * m} | {lp.pairs.shape[0]} | "
            f"{choose_lp_method(n, m)} | {fmt_s(t_ours)} | {fmt_s(t_cv)} | "
            f"{t_cv / t_ours:.1f}× | {reps} | {res.n_rows_used} × {res.n_cols_used}, "
            f"{res.rounds} | {diff:.1e} |"
        )
        print(f"[float] {n}x{m}: ours {fmt_s(t_ours)} cvxpy {fmt_s(t_cv)}", file=sys.stderr,
              flush=True)
    results["float"] = rows
    out.append("")


def bench_spread(seed: int, n: int, m: int, n_instances: int, out: list[str],
                 results: dict) -> None:
    from bayespersuade.solvers.lp import solve_obedience_lp_cvxpy

    out.append(f"### Instance spread at {n} × {m}\n")
    out.append(f"{n_instances} further random instances, one interleaved run each "
               "(random games of one size differ a lot in difficulty).\n")
    out.append("| Seed | bayespersuade | cvxpy + HiGHS | Speed-up |")
    out.append("|---|---|---|---|")
    ratios = []
    for i in range(n_instances):
        s = size_seed(seed, n, m) + 7919 * (i + 1)
        game = random_game(n, m, s)
        t = interleaved({
            "ours": game.solve,
            "cvxpy": lambda g=game: solve_obedience_lp_cvxpy(
                g.prior, g.sender_utility, g.receiver_utility),
        }, 1)
        r = t["cvxpy"][0] / t["ours"][0]
        ratios.append(r)
        out.append(f"| {s} | {fmt_s(t['ours'][0])} | {fmt_s(t['cvxpy'][0])} | {r:.1f}× |")
        print(f"[spread] {n}x{m} seed {s}: {r:.1f}x", file=sys.stderr, flush=True)
    results["spread"] = ratios
    out.append("")


def bench_batch(seed: int, quick: bool, out: list[str], results: dict) -> None:
    from bayespersuade.solvers.batch import batch_ceilings
    from bayespersuade.solvers.lp import (
        build_obedience_lp,
        solve_obedience_lp,
        solve_obedience_lp_cvxpy,
    )

    n_priors = 10_000
    n_loop = 1_000 if quick else n_priors
    n_cvxpy = 20 if quick else 200
    s = size_seed(seed, 2, 7) + 1
    game = random_game(2, 7, s)
    rng = np.random.default_rng(s)
    w = rng.integers(0, 1001, size=n_priors)
    priors = np.column_stack([1000 - w, w]) / 1000.0  # P(state 1) on a 1/1000 grid
    v, u = game.sender_utility, game.receiver_utility

    batch_ceilings(game, priors[:10])  # warm-up (imports)
    reps = 3 if quick else 7
    t_batch = [timed(lambda: batch_ceilings(game, priors))[0] for _ in range(reps)]
    batch = batch_ceilings(game, priors)

    def loop(k: int) -> np.ndarray:
        vals = np.empty(k)
        for i in range(k):
            vals[i] = solve_obedience_lp(build_obedience_lp(priors[i], v, u)).value
        return vals

    t_loop, loop_vals = timed(lambda: loop(n_loop))
    t_cv, cv_vals = timed(lambda: [solve_obedience_lp_cvxpy(priors[i], v, u)[1]
                                   for i in range(n_cvxpy)])
    err_loop = float(np.max(np.abs(loop_vals - batch.value[:n_loop])))
    err_cv = float(np.max(np.abs(np.array(cv_vals) - batch.value[:n_cvxpy])))
    t_b = statistics.median(t_batch)
    loop_total = t_loop * n_priors / n_loop
    cv_total = t_cv * n_priors / n_cvxpy
    results["batch"] = {"batch": t_b, "loop": loop_total, "cvxpy": cv_total}

    out.append("## 2. Batch: 10,000 priors of a 2-state, 7-action game\n")
    out.append(f"Game seed {s}; priors `P(state 1)` uniform on a 1/1000 grid "
               f"(seed {s}).  Values agree: max |batch − LP loop| = {err_loop:.1e} "
               f"over {n_loop} priors, max |batch − cvxpy| = {err_cv:.1e} over {n_cvxpy}.\n")
    out.append("| Method | Priors timed | Time for 10,000 priors | Per prior | vs batch |")
    out.append("|---|---|---|---|---|")
    out.append(f"| `batch_ceilings` (median of {reps}) | 10,000 | {fmt_s(t_b)} | "
               f"{fmt_s(t_b / n_priors)} | 1× |")
    label = "" if n_loop == n_priors else " (extrapolated)"
    out.append(f"| loop of `solve_obedience_lp(build_obedience_lp(...))` | {n_loop:,} | "
               f"{fmt_s(loop_total)}{label} | {fmt_s(t_loop / n_loop)} | "
               f"{loop_total / t_b:.0f}× |")
    out.append(f"| loop of `solve_obedience_lp_cvxpy` | {n_cvxpy:,} (subsample) | "
               f"{fmt_s(cv_total)} (extrapolated) | {fmt_s(t_cv / n_cvxpy)} | "
               f"{cv_total / t_b:.0f}× |")
    out.append("")
    print(f"[batch] {fmt_s(t_b)}", file=sys.stderr, flush=True)


def bench_exact(sizes, seed: int, out: list[str], results: dict) -> None:
    from bayespersuade.solvers.certify import certify_basis
    from bayespersuade.solvers.lp import build_obedience_lp, solve_obedience_lp

    out.append("## 3. Exact certification vs the float solve\n")
    out.append("`game.solve(exact=True)` (float solve, exact basis re-solve over ℚ, exact "
               "check of every primal and dual constraint, exact solution assembly) and "
               "`certify_basis` alone (given the float LP result), beside `game.solve()`. "
               "Interleaved; median.\n")
    out.append("| Size | Seed | Float `solve()` | Exact `solve(exact=True)` | Exact / float | "
               "`certify_basis` alone | Certified | Value (digits of num./den.) | Repeats |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for n, m in sizes:
        s = size_seed(seed, n, m)
        game = random_game(n, m, s)
        lp = build_obedience_lp(game.prior, game.sender_utility, game.receiver_utility)
        res = solve_obedience_lp(lp)
        reps = {100: 20, 2500: 9}.get(n * m, 5)
        sols = []
        times = interleaved({
            "float": game.solve,
            "exact": lambda g=game, sols=sols: sols.append(g.solve(exact=True)),
            "certify": lambda g=game, lp=lp, res=res: certify_basis(g, lp, res),
        }, reps)
        t_f, t_e, t_c = (statistics.median(times[k]) for k in ("float", "exact", "certify"))
        sol = sols[-1]
        ok = sol.exact and sol.certificate is not None
        val = sol.value
        digits = f"{len(str(val.numerator))}/{len(str(val.denominator))}" if ok else "-"
        rows.append({"n": n, "m": m, "float": t_f, "exact": t_e, "ratio": t_e / t_f,
                     "certified": ok})
        out.append(f"| {n} × {m} | {s} | {fmt_s(t_f)} | {fmt_s(t_e)} | {t_e / t_f:.2f}× | "
                   f"{fmt_s(t_c)} | {'yes' if ok else 'NO'} | {digits} | {reps} |")
        print(f"[exact] {n}x{m}: ratio {t_e / t_f:.2f}", file=sys.stderr, flush=True)
    results["exact"] = rows
    out.append("")


_MEMORY_SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {bench!r})
    from bench_core import all_br_game, random_game, tall_game
    import bayespersuade.solvers.lp, bayespersuade.solvers.dispatch  # imports before the baseline

    def hwm_kib():
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None

    game = {gen}({n}, {m}, {seed})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm_before = hwm_kib()
    t0 = time.perf_counter()
    sol = game.solve(method={method!r}, exact={exact!r})
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({{"before_kib": before, "peak_kib": after, "hwm_before_kib": hwm_before,
                      "hwm_kib": hwm_kib(), "seconds": elapsed, "value": str(sol.value),
                      "algorithm": sol.algorithm}}))
""")


def bench_memory(seed: int, n: int, m: int, out: list[str], results: dict) -> None:
    """Peak memory of one float solve in a fresh subprocess.

    Run first, while this process is still small: on Linux a child's
    ``ru_maxrss`` starts from its parent's resident size at ``fork`` (it
    survives ``exec``), so it is an upper bound; ``VmHWM`` (the high-water
    mark of the child's own address space) is reported beside it.
    """
    s = size_seed(seed, n, m)
    proc = _memory_run("random_game", n, m, s, "lp", False)
    out.append(f"## 4. Peak memory of a {n} × {m} float solve\n")
    if proc.returncode != 0:
        out.append(f"The subprocess failed (exit {proc.returncode}):\n\n```\n"
                   f"{proc.stderr[-2000:]}\n```\n")
        results["memory"] = None
        return
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    peak = data["peak_kib"] / 1024
    base = data["before_kib"] / 1024
    results["memory"] = {"n": n, "m": m, "peak_mib": peak}
    out.append(f"A fresh Python process (started before anything else in this benchmark), "
               f"seed {s}, `{data['algorithm']}`, {data['seconds']:.2f} s. "
               "`ru_maxrss` is `resource.getrusage(RUSAGE_SELF).ru_maxrss` (KiB on Linux); "
               "it includes the parent's resident size at `fork`, so it is an upper bound. "
               "`VmHWM` is the child's own high-water mark (`/proc/self/status`).\n")
    out.append("| Measure | After imports and game construction | Peak after `game.solve()` | "
               "Increase |")
    out.append("|---|---|---|---|")
    out.append(f"| `ru_maxrss` | {base:.0f} MiB | {peak:.0f} MiB | {peak - base:.0f} MiB |")
    if data.get("hwm_kib") is not None and data.get("hwm_before_kib") is not None:
        hb, ha = data["hwm_before_kib"] / 1024, data["hwm_kib"] / 1024
        out.append(f"| `VmHWM` | {hb:.0f} MiB | {ha:.0f} MiB | {ha - hb:.0f} MiB |")
    out.append("")
    print(f"[memory] {n}x{m}: peak {peak:.0f} MiB", file=sys.stderr, flush=True)


def _memory_run(gen: str, n: int, m: int, seed: int, method: str, exact: bool):
    script = _MEMORY_SCRIPT.format(root=str(ROOT), bench=str(Path(__file__).parent),
                                   gen=gen, n=n, m=m, seed=seed, method=method, exact=exact)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)


TALL_SIZES = [(2, 15_000), (3, 5_000)]
QUICK_TALL_SIZES = [(2, 1_000), (3, 300)]
#: Games where every action is a best response (:func:`all_br_game`): nothing is
#: dropped before the LP, so these measure row and column generation itself.
ALL_BR_SIZES = [(3, 1_500), (3, 5_000)]
QUICK_ALL_BR_SIZES = [(3, 300)]


def bench_tall(seed: int, quick: bool, out: list[str], results: dict) -> None:
    """Peak memory and time of tall games, each solve in a fresh subprocess.

    :func:`tall_game`: utilities are integers in ``0..10^6`` (so few actions
    are duplicates): what is measured is the reduction to the actions that are
    a best response somewhere, then the LP or the envelope on those.
    :func:`all_br_game` (rows "all-BR"): every action is a best response, so
    nothing is dropped and the LP (row and column generation) has all actions.
    """
    sizes = QUICK_TALL_SIZES if quick else TALL_SIZES
    out.append("## 5. Tall games: peak memory (fresh subprocess per solve)\n")
    out.append("Integer utilities `0..10^6`, rational prior; each solve alone in a fresh "
               "Python process; `VmHWM` is the process's own high-water mark, `ru_maxrss` "
               "an upper bound (it includes the parent's size at `fork`). *all-BR*: the "
               "receiver's utility is a quadratic score of a target belief per action "
               "(`all_br_game`), so every action is a best response somewhere and none is "
               "dropped before the LP.\n")
    out.append("| Size | Method | Exact | Algorithm | Time | `VmHWM` | `ru_maxrss` |")
    out.append("|---|---|---|---|---|---|---|")
    rows = []
    runs = [("tall_game", n, m, method, exact) for n, m in sizes
            for method, exact in (("lp", False), ("concavification", False), ("lp", True))]
    runs += [("all_br_game", n, m, method, exact)
             for n, m in (QUICK_ALL_BR_SIZES if quick else ALL_BR_SIZES)
             for method, exact in (("lp", False), ("lp", True))]
    for gen, n, m, method, exact in runs:
        s = size_seed(seed, n, m)
        label = f"{n} × {m:,}" + (" all-BR" if gen == "all_br_game" else "")
        proc = _memory_run(gen, n, m, s, method, exact)
        if proc.returncode != 0:
            out.append(f"| {label} | {method} | {exact} | failed (exit "
                       f"{proc.returncode}) | - | - | - |")
            rows.append({"n": n, "m": m, "peak_mib": None})
            continue
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        hwm = (data["hwm_kib"] or data["peak_kib"]) / 1024
        rows.append({"n": n, "m": m, "peak_mib": hwm, "method": method, "exact": exact})
        out.append(f"| {label} | {method} | {'yes' if exact else 'no'} | "
                   f"{data['algorithm']} | {data['seconds']:.2f} s | {hwm:.0f} MiB | "
                   f"{data['peak_kib'] / 1024:.0f} MiB |")
        print(f"[tall] {label} {method} exact={exact}: {hwm:.0f} MiB, "
              f"{data['seconds']:.2f} s", file=sys.stderr, flush=True)
    results["tall"] = rows
    out.append("")


def check_targets(results: dict, quick: bool, out: list[str]) -> None:
    out.append("## Targets\n")
    out.append("| Target | Measured | Met |")
    out.append("|---|---|---|")

    def line(target: str, measured: str, ok: bool | None) -> None:
        out.append(f"| {target} | {measured} | "
                   f"{'not measured' if ok is None else ('yes' if ok else 'NO')} |")

    fl = results.get("float", [])
    small = [r for r in fl if r["n"] * r["m"] <= 100]
    if small:
        worst = min(r["speedup"] for r in small)
        line("≥ 3× faster than cvxpy up to 10 × 10", f"min speed-up {worst:.1f}×", worst >= 3)
    all_ratios = [r["speedup"] for r in fl] + results.get("spread", [])
    if all_ratios:
        worst = min(all_ratios)
        sizes = "all sizes" if not quick else "sizes run (--quick: small only)"
        line(f"never slower than cvxpy ({sizes})", f"min speed-up {worst:.1f}×",
             worst >= 1 if not quick else None)
    b = results.get("batch")
    if b:
        line("10,000-prior batch < 1 s", fmt_s(b["batch"]), b["batch"] < 1)
    ex = [r for r in results.get("exact", []) if (r["n"], r["m"]) == (100, 100)]
    if ex:
        r = ex[0]
        line("exact certification of 100 × 100 within 2× of the float solve",
             f"{r['ratio']:.2f}× ({fmt_s(r['exact'])} vs {fmt_s(r['float'])})",
             r["ratio"] <= 2 and r["certified"])
    else:
        line("exact certification of 100 × 100 within 2× of the float solve", "-", None)
    mem = results.get("memory")
    if mem and (mem["n"], mem["m"]) == (200, 200):
        line("peak memory of a 200 × 200 solve < 2 GB", f"{mem['peak_mib']:.0f} MiB",
             mem["peak_mib"] < 2000 * 1e6 / 2**20)
    else:
        line("peak memory of a 200 × 200 solve < 2 GB",
             "-" if not mem else f"{mem['peak_mib']:.0f} MiB at {mem['n']} × {mem['m']}", None)
    anchors = results.get("anchors")
    if anchors:
        small = [r for r in anchors if r["n"] * r["m"] <= 100]
        line("≥ 3× faster than the best anchor (scipy HiGHS, HiGHS-IPM, cvxpy) up to "
             "10 × 10 (throughput: a loop over fresh games)",
             f"min ratio {min(r['ratio_loop'] for r in small):.2f}×" if small else "-",
             min(r["ratio_loop"] for r in small) >= 3 if small else None)
        line("ahead of the best anchor at every size run (throughput / one cold call)",
             f"min ratio {min(r['ratio_loop'] for r in anchors):.2f}× / "
             f"{min(r['ratio_cold'] for r in anchors):.2f}×",
             min(min(r["ratio_loop"], r["ratio_cold"]) for r in anchors) > 1)
        if small:
            out.append("| (for information) one cold call (`gc.collect()` before it) up "
                       "to 10 × 10 | min ratio "
                       f"{min(r['ratio_cold'] for r in small):.2f}× | - |")
        out.append("| (for information) one cold call with the game's construction "
                   "added to ours | min ratio incl. build "
                   f"{min(r['ratio_build'] for r in anchors):.2f}× | - |")
    tall = results.get("tall")
    if tall:
        peaks = [r["peak_mib"] for r in tall]
        ok = all(p is not None for p in peaks)
        worst = max(p for p in peaks if p is not None) if any(
            p is not None for p in peaks) else float("nan")
        line("peak memory of 2 × 15,000 and 3 × 5,000 solves (all-BR included) < 500 MB",
             f"max {worst:.0f} MiB" + (" (--quick: smaller sizes)" if quick else ""),
             (ok and worst < 500e6 / 2**20) if not quick else None)
    out.append("")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes only (under a minute)")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="base seed")
    parser.add_argument("--no-anchors", action="store_true",
                        help="skip section 6 (scipy HiGHS, HiGHS-IPM, cvxpy anchors)")
    parser.add_argument("--only", choices=("tall", "anchors"),
                        help="run one section only (with the header and targets)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out: list[str] = ["# bayespersuade core benchmarks\n"]
    out.append(f"Run {now}: `python benchmarks/bench_core.py"
               f"{' --quick' if args.quick else ''}"
               f"{f' --only {args.only}' if args.only else ''}"
               f"{'' if args.seed == DEFAULT_SEED else f' --seed {args.seed}'}`; "
               f"base seed {args.seed} (the seed of a size n × m is "
               f"base + 1000 n + m).\n")
    out.append("Machine: " + "; ".join(f"{k} {v}" for k, v in machine_info().items()) + ".\n")
    out.append("Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".\n")

    results: dict[str, Any] = {}
    if args.only is not None:
        warm = random_game(2, 2, 0)
        warm.solve()
        if args.only == "tall":
            bench_tall(args.seed, args.quick, out, results)
        else:
            bench_anchors(QUICK_ANCHOR_SIZES if args.quick else ANCHOR_SIZES, args.seed,
                          out, results)
        check_targets(results, args.quick, out)
        report = "\n".join(out) + "\n"
        print(report)
        if args.out is not None:
            args.out.write_text(report, encoding="utf-8")
        return 0
    # memory first, while this process is small (see bench_memory)
    mem_out: list[str] = []
    mem_size = (50, 50) if args.quick else (200, 200)
    bench_memory(args.seed, *mem_size, mem_out, results)
    tall_out: list[str] = []
    bench_tall(args.seed, args.quick, tall_out, results)

    # warm-up: imports and first-call overheads of both libraries
    import bayespersuade.solvers.lp as _lp

    warm = random_game(2, 2, 0)
    warm.solve()
    warm.solve(exact=True)
    _lp.solve_obedience_lp_cvxpy(warm.prior, warm.sender_utility, warm.receiver_utility)

    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    bench_float(sizes, args.seed, out, results)
    if not args.quick:
        bench_spread(args.seed, 100, 100, 3, out, results)
    bench_batch(args.seed, args.quick, out, results)
    exact_sizes = [(10, 10)] if args.quick else [(10, 10), (50, 50), (100, 100)]
    bench_exact(exact_sizes, args.seed, out, results)
    out.extend(mem_out)
    out.extend(tall_out)
    if not args.no_anchors:
        bench_anchors(QUICK_ANCHOR_SIZES if args.quick else ANCHOR_SIZES, args.seed, out,
                      results)
    check_targets(results, args.quick, out)
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        load = "n/a"
    out.append(f"Total benchmark time {time.perf_counter() - started:.0f} s; "
               f"load average at the end {load}.")
    report = "\n".join(out) + "\n"
    print(report)
    if args.out is not None:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
