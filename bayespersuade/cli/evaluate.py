"""The ``evaluate`` and ``report`` subcommands of the ``bayespersuade`` CLI.

``bayespersuade evaluate`` runs a persuasion evaluation (or resumes it) and
writes the report; ``bayespersuade report DIR`` rebuilds the report of an
evaluation directory from its JSON files alone.  Wire them into a parser with
:func:`add_parser` and :func:`add_report_parser`.

Examples
--------
A short evaluation with SmolLM2 on two Perspectrum claims::

    bayespersuade evaluate --dataset perspectrum --sender smollm2 --receiver smollm2 \\
        --protocol static --samples 1 --limit 2 --seed 0 --out runs/smollm2-demo \\
        --sender-max-new-tokens 160 --receiver-max-new-tokens 96

Model specs: ``smollm2``, ``hf:MODEL_DIR``, ``gguf:FILE.gguf``,
``openai:MODEL@BASE_URL`` (key from ``$OPENAI_API_KEY``),
``openai-nologprobs:MODEL@BASE_URL``, ``scripted:receiver``,
``scripted:sender``, ``scripted:mute``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..exceptions import BayesPersuadeError, DataError
from ..llm.backends.registry import SPEC_HELP, load_backend
from ..llm.metrics import FAMILIES

__all__ = ["add_parser", "add_report_parser", "main", "run", "run_report"]


def _int_at_least(minimum: int, what: str):
    """An argparse type: an integer >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {v}")
        return v

    return parse


_positive = _int_at_least(1, "a positive integer")
_nonneg_int = _int_at_least(0, "an integer >= 0")


def _temperature(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not v >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return v


def add_parser(subparsers: Any) -> None:
    """Add the ``evaluate`` subcommand to an ``argparse`` subparsers object.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="bayespersuade")
    >>> sub = parser.add_subparsers(dest="command")
    >>> add_parser(sub)
    >>> args = parser.parse_args(["evaluate", "--dataset", "perspectrum", "--sender", "smollm2",
    ...                           "--receiver", "smollm2", "--out", "runs/demo"])
    >>> args.protocol, args.samples, args.func is run
    ('static', 1, True)
    """
    p = subparsers.add_parser(
        "evaluate",
        help="let language models persuade each other; compare with the optimum",
        description=(
            "Run the persuasion protocol of Cheng & You (2025) with a sender and a receiver "
            "model on a dataset's claims, and place the achieved gains against the exact "
            "optimal persuasion gain of the same game. Results are appended to "
            "OUT/results.jsonl as instances finish; re-running the same command resumes. "
            f"Model specs: {SPEC_HELP}."
        ),
    )
    p.add_argument("--dataset", required=True,
                   help="dataset name (embedded: perspectrum; with --dataset-path: any "
                        "name the dataset loaders know)")
    p.add_argument("--dataset-path", default=None,
                   help="read the dataset from this file/directory instead of the embedded copy")
    p.add_argument("--split", default=None, help="split of an embedded dataset")
    p.add_argument("--sender", required=True, help="the sender model spec")
    p.add_argument("--receiver", required=True, help="the receiver model spec")
    p.add_argument("--protocol", choices=("static", "dynamic"), default="static",
                   help="static: one argument; dynamic: several rounds (default static)")
    p.add_argument("--rounds", type=_positive, default=None,
                   help="rounds of the dynamic protocol (default 3)")
    p.add_argument("--samples", type=_positive, default=1,
                   help="dialogues per instance (per piece of evidence; default 1)")
    p.add_argument("--limit", type=_nonneg_int, default=None,
                   help="only the first N instances")
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p.add_argument("--out", required=True, help="evaluation directory (resumed if it exists)")
    p.add_argument("--family", choices=FAMILIES, default="binary-truth",
                   help="instance family (default binary-truth)")
    p.add_argument("--loss", choices=("quadratic", "absolute"), default="quadratic",
                   help="the receiver's loss in the instance family (default quadratic)")
    p.add_argument("--no-beliefs", action="store_true",
                   help="do not elicit beliefs from log-probabilities; use the reported "
                        "scores as beliefs (for receivers without log-probabilities)")
    p.add_argument("--sender-strategy", choices=("free", "optimal", "full", "babbling"),
                   default="free",
                   help="evidence-stance: what the sender is told to do with its evidence. "
                        "free: argue for the claim (the paper's sender); optimal: lead a "
                        "rational reader to a recommendation drawn from the optimal scheme; "
                        "full: state the evidence plainly; babbling: the same message "
                        "whatever the evidence (default free)")
    p.add_argument("--evidence-per-instance", type=_positive, default=None,
                   help="evidence-stance: at most this many pieces of evidence per claim")
    p.add_argument("--word-limit", type=_positive, default=250,
                   help="the sender's word limit (default 250)")
    p.add_argument("--sender-max-new-tokens", type=_positive, default=400)
    p.add_argument("--receiver-max-new-tokens", type=_positive, default=256)
    p.add_argument("--sender-temperature", type=_temperature, default=0.7)
    p.add_argument("--receiver-temperature", type=_temperature, default=0.0)
    p.add_argument("--prefill", action="store_true",
                   help="start the sender's replies with <argument> and the receiver's with "
                        "<thinking> (for small models that ignore the format)")
    p.add_argument("--batch-size", type=_positive, default=8,
                   help="batch size of local models (default 8)")
    p.add_argument("--prefix-cache-tokens", type=_nonneg_int, default=8192,
                   help="token budget of local models' stored prompt key/value caches "
                        "(0: off; default 8192)")
    p.add_argument("--threads", type=_positive, default=None,
                   help="torch CPU threads for local models (default: torch's choice)")
    p.add_argument("--report", choices=("md", "html", "none"), default="md",
                   help="report format written at the end (default md)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def add_report_parser(subparsers: Any) -> None:
    """Add the ``report`` subcommand (rebuild a report from JSON lines).

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="bayespersuade")
    >>> add_report_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["report", "runs/demo", "--format", "html"]).format
    'html'
    """
    p = subparsers.add_parser(
        "report",
        help="rebuild the report of an evaluation directory from its JSON lines",
        description="Rebuild report.md (or report.html), summary.json and plots/ of an "
                    "evaluation directory from run.json and results.jsonl alone.",
    )
    p.add_argument("out", help="the evaluation directory")
    p.add_argument("--format", choices=("md", "html"), default="md")
    p.set_defaults(func=run_report)


def _load_records(args: argparse.Namespace) -> list:
    from .. import datasets

    if args.dataset_path is not None:
        loader = getattr(datasets, "load_dataset", None)
        if loader is None:
            raise DataError("this version has no dataset loaders (bayespersuade.datasets."
                            "load_dataset)")
        res = loader(args.dataset, args.dataset_path,
                     **({"split": args.split} if args.split else {}))
    else:
        loader = getattr(datasets, "load_embedded", None)
        if loader is None:
            raise DataError("this version has no embedded datasets "
                            "(bayespersuade.datasets.load_embedded)")
        res = loader(args.dataset, **({"split": args.split} if args.split else {}))
    summary = getattr(res, "summary", None)
    if callable(summary):
        print(summary(), file=sys.stderr)
    return list(res.records)


def _err(msg: str) -> None:
    print(f"bayespersuade: error: {msg}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run the ``evaluate`` subcommand; returns the exit code.

    0: done; 2: an error (bad input, a backend failure: finished instances are
    kept), as for every ``bayespersuade`` subcommand; 130: interrupted
    (finished instances are kept; re-run to resume).

    Examples
    --------
    >>> import tempfile
    >>> args = argparse.Namespace(
    ...     dataset="perspectrum", dataset_path=None, split="test", sender="scripted:sender",
    ...     receiver="scripted:receiver", protocol="static", rounds=None, samples=1, limit=1,
    ...     seed=0, out=tempfile.mkdtemp(), family="binary-truth", loss="quadratic",
    ...     no_beliefs=False, evidence_per_instance=None, word_limit=250,
    ...     sender_max_new_tokens=64, receiver_max_new_tokens=64, sender_temperature=0.7,
    ...     receiver_temperature=0.0, prefill=False, batch_size=8, prefix_cache_tokens=0,
    ...     threads=None, report="none", no_progress=True)
    >>> run(args)  # doctest: +ELLIPSIS
    1 instance(s) evaluated, 0 resumed, 1 in scope; results in ...
    0
    """
    from ..llm.protocol import ProtocolConfig
    from ..llm.runner import RESULTS, EvaluationConfig, check_resume, run_evaluation

    try:
        if args.protocol == "static" and args.rounds not in (None, 1):
            raise DataError("--rounds applies to the dynamic protocol only")
        protocol = ProtocolConfig(
            args.protocol, rounds=args.rounds, samples=args.samples,
            word_limit=args.word_limit, sender_max_new_tokens=args.sender_max_new_tokens,
            receiver_max_new_tokens=args.receiver_max_new_tokens,
            sender_temperature=args.sender_temperature,
            receiver_temperature=args.receiver_temperature, beliefs=not args.no_beliefs,
            prefill=args.prefill)
        config = EvaluationConfig(
            args.dataset, args.sender, args.receiver, protocol, family=args.family,
            loss=args.loss, belief_source="score" if args.no_beliefs else "logprobs",
            seed=args.seed, split=args.split, dataset_path=args.dataset_path,
            evidence_per_instance=args.evidence_per_instance,
            sender_strategy=getattr(args, "sender_strategy", "free"))
        check_resume(args.out, config)  # before loading any model
        records = _load_records(args)
        if args.threads is not None and not (args.sender.startswith("scripted:")
                                             and args.receiver.startswith("scripted:")):
            from ..llm.backends.hf import import_torch

            import_torch().set_num_threads(args.threads)
        kw = {"batch_size": args.batch_size, "prefix_cache_tokens": args.prefix_cache_tokens}
        sender = load_backend(args.sender, **kw)
        shared = args.sender == args.receiver and not args.sender.startswith("scripted:")
        receiver = sender if shared else load_backend(args.receiver, **kw)
        result = run_evaluation(
            records, sender, receiver, args.out, config, limit=args.limit,
            progress=not args.no_progress,
            report=None if args.report == "none" else args.report, argv=sys.argv)
    except KeyboardInterrupt:
        print(f"\ninterrupted; finished instances are saved in {args.out}/{RESULTS}. "
              f"Re-run the same command to resume.", file=sys.stderr)
        return 130
    except (BayesPersuadeError, OSError) as e:
        _err(str(e))
        return 2
    s = result.summary
    print(f"{result.n_new} instance(s) evaluated, {result.n_resumed} resumed, "
          f"{result.n_total} in scope; results in {result.out_dir}/{RESULTS}")
    for name, d in s["datasets"].items():
        def f(x):
            return "n/a" if x is None else f"{x:.4f}"
        print(f"  {name}: reported gain {f(d['mean_score_gain'])} "
              f"({f(d['pct_of_scale'])}% of scale), model gain {f(d['mean_model_gain'])}, "
              f"ceiling {f(d['mean_ceiling'])}, BP gap {f(d['mean_bayes_plausibility_gap'])}; "
              f"unparsable: sender {d['n_sender_unparsable']}, receiver "
              f"{d['n_receiver_unparsable']}, initial {d['n_initial_unparsable']}")
    for name, d in s.get("sender_strategy", {}).get("datasets", {}).items():
        def g(x):
            return "n/a" if x["mean"] is None else f"{x['mean']:.4f}"
        print(f"  {name} [{d['strategy']} sender]: TV(pi-hat, pi*) undermine "
              f"{g(d['tv_undermine'])}, support {g(d['tv_support'])}; value vs a Bayesian "
              f"receiver {g(d['value_bayes'])}, vs the receiver {g(d['value_actual'])}, "
              f"V(mu0) {g(d['optimal_value'])}")
    if result.report is not None:
        print(f"report: {result.report}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    """Run the ``report`` subcommand; returns the exit code.

    Examples
    --------
    >>> run_report(argparse.Namespace(out="/nonexistent", format="md"))
    2
    """
    from ..llm.report import write_report

    try:
        path = write_report(args.out, format=args.format)
    except (BayesPersuadeError, OSError) as e:
        _err(str(e))
        return 2
    print(f"report: {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``evaluate`` or ``report`` as a standalone program.

    ``python -m bayespersuade.cli.evaluate evaluate ...`` works the same
    as ``bayespersuade evaluate ...``.

    Examples
    --------
    >>> main(["report", "/nonexistent"])
    2
    """
    parser = argparse.ArgumentParser(prog="bayespersuade")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    add_report_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
