"""The ``compare`` subcommand: paired differences between two evaluations.

``bayespersuade compare RUN_A RUN_B`` reads two evaluation directories (the
same instances under two senders, or two receivers), matches their instances
by key and prints, per dataset and pooled, the mean paired difference ``A − B``
of the reported-score gain, the model-consistent gain and the signed belief
shift, with a cluster bootstrap interval over instances, the paired ``t`` test
and a permutation p-value (:func:`bayespersuade.llm.metrics.compare_evaluations`).

Examples
--------
Two runs of the bundled PERSPECTRUM claims with scripted agents::

    bayespersuade evaluate --dataset perspectrum --sender scripted:informed \\
        --receiver scripted:credulous --samples 3 --limit 20 --out runs/a
    bayespersuade evaluate --dataset perspectrum --sender scripted:informed \\
        --receiver scripted:bayesian --samples 3 --limit 20 --out runs/b
    bayespersuade compare runs/a runs/b --json compare.json
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..exceptions import BayesPersuadeError
from ._common import exit_status, int_at_least

__all__ = ["add_parser", "format_comparison", "run"]


def _level(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}")
    return v


def add_parser(subparsers: Any) -> None:
    """Add the ``compare`` subcommand to an ``argparse`` subparsers object.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="bayespersuade")
    >>> add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["compare", "runs/a", "runs/b", "--seed", "3"])
    >>> args.run_a, args.seed, args.resamples, args.func is run
    ('runs/a', 3, 2000, True)
    """
    p = subparsers.add_parser(
        "compare",
        help="paired differences between two evaluations of the same instances",
        description=(
            "Match the instances of two evaluation directories by key and report, per "
            "dataset and pooled, the mean paired difference A − B of the reported-score gain, "
            "the model-consistent gain and the signed belief shift, with a cluster bootstrap "
            "CI over instances, the paired t test and a permutation p-value. Controls "
            "(flagged in either run, or listed with --controls) are left out."),
    )
    p.add_argument("run_a", help="the first evaluation directory (A)")
    p.add_argument("run_b", help="the second evaluation directory (B)")
    p.add_argument("--round", type=int_at_least(1), default=None,
                   help="the round compared (default: the last)")
    p.add_argument("--controls", metavar="FILE", default=None,
                   help="a file of control instances (ids or dataset/id keys, one a line)")
    p.add_argument("--confidence", type=_level, default=0.95,
                   help="the intervals' confidence level (default 0.95)")
    p.add_argument("--resamples", type=int_at_least(1), default=2000,
                   help="bootstrap resamples and permutations (default 2000)")
    p.add_argument("--seed", type=int_at_least(0), default=0,
                   help="the resampling seed (default 0; recorded in the output)")
    p.add_argument("--json", metavar="FILE", default=None,
                   help="also write the comparison as JSON")
    p.set_defaults(func=run)


def _f(x: float | None, nd: int = 4) -> str:
    return "n/a" if x is None else f"{x:.{nd}f}"


def _est(d: dict) -> str:
    from ..llm.stats import Estimate

    return Estimate.from_dict(d).format(4)


def format_comparison(result: dict, name_a: str = "A", name_b: str = "B") -> str:
    """The comparison as a plain-text table.

    Examples
    --------
    >>> from bayespersuade.llm.metrics import compare_evaluations
    >>> print(format_comparison(compare_evaluations([], [])))  # doctest: +ELLIPSIS
    A vs B: 0 instance(s) matched (0 only in A, 0 only in B, 0 control(s) left out); ...
    """
    res = result["resampling"]
    lines = [f"{name_a} vs {name_b}: {result['n_matched']} instance(s) matched "
             f"({len(result['only_in_a'])} only in A, {len(result['only_in_b'])} only in B, "
             f"{result['n_controls']} control(s) left out); "
             f"{res['confidence']:.0%} cluster bootstrap CIs over instances, "
             f"{res['n_resamples']} resamples, seed {res['seed']}"]
    head = ("quantity", "dataset", "n", "A [CI]", "B [CI]", "A − B [CI]", "t", "p (t)",
            "p (permutation)")
    rows = [head]
    for what, block in result["comparisons"].items():
        if "reason" in block:
            rows.append((what, "-", "", "", "", f"not compared: {block['reason']}", "", "", ""))
            continue
        for name, c in block.items():
            rows.append((what, name, str(c["difference"]["n_instances"]), _est(c["a"]),
                         _est(c["b"]), _est(c["difference"]), _f(c["t"], 3),
                         _f(c["p_value"]), _f(c["p_value_permutation"])))
    widths = [max(len(r[j]) for r in rows) for j in range(len(head))]
    for r in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the ``compare`` subcommand; returns the exit code (2 on an error).

    Examples
    --------
    >>> run(argparse.Namespace(run_a="/nonexistent", run_b="/nonexistent", round=None,
    ...                        controls=None, confidence=0.95, resamples=100, seed=0,
    ...                        json=None))
    1
    """
    from pathlib import Path

    from ..llm.metrics import compare_evaluations, read_controls
    from ..llm.store import load_run, write_json_atomic

    try:
        run_a, recs_a = load_run(args.run_a)
        run_b, recs_b = load_run(args.run_b)
        controls = read_controls(args.controls) if args.controls else None
        result = compare_evaluations(recs_a, recs_b, round=args.round, controls=controls,
                                     confidence=args.confidence, n_resamples=args.resamples,
                                     seed=args.seed)
        if result["n_matched"] == 0:
            raise BayesPersuadeError(f"{args.run_a} and {args.run_b} have no finished instance "
                                     f"in common (outside the controls): nothing to compare")
        result["run_a"] = {"dir": str(args.run_a), "config": run_a.get("config")}
        result["run_b"] = {"dir": str(args.run_b), "config": run_b.get("config")}
        if args.json:
            write_json_atomic(Path(args.json), result)
    except (BayesPersuadeError, OSError) as e:
        print(f"bayespersuade: error: {e}", file=sys.stderr)
        return exit_status(e)

    def name(run: dict, d: str) -> str:
        cfg = run.get("config") or {}
        return f"A = {d} ({cfg.get('sender')} → {cfg.get('receiver')})"

    print(format_comparison(result, name(run_a, args.run_a),
                            name(run_b, args.run_b).replace("A = ", "B = ")))
    return 0
