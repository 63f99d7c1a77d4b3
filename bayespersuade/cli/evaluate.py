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

from ..exceptions import BackendError, DataError, InvalidParameterError
from ..llm.backends.registry import SPEC_HELP, load_backend
from ._common import FAMILIES, check_output_dir, data_files, int_at_least, run_command

__all__ = ["add_parser", "add_report_parser", "main", "run", "run_report"]


_positive = int_at_least(1, "a positive integer")
_nonneg_int = int_at_least(0, "an integer >= 0")


def _temperature(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not v >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return v


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}"
                                         ) from None
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
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
                   help="dataset name (embedded: perspectrum; with --data-file: any "
                        "name the dataset loaders know)")
    p.add_argument("--data-file", action="append", default=[], metavar="[NAME=]PATH",
                   help="read the dataset from your copy (a file or folder, as the loader "
                        "documents) instead of the embedded one; NAME=, if given, must be "
                        "--dataset (the same option as in `bayespersuade ceilings`)")
    p.add_argument("--encoding", default=None, metavar="ENC",
                   help="text encoding of the --data-file file(s) (default utf-8), e.g. "
                        "latin-1")
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
    p.add_argument("--batching", choices=("all", "score", "generate", "off"), default=None,
                   help="which requests of concurrent instances a local model merges into "
                        "one padded batch (default off: records reproducible and the same at "
                        "every --concurrency; all: fastest with --concurrency, results then "
                        "equal up to floating-point rounding)")
    p.add_argument("--threads", type=_positive, default=None,
                   help="torch CPU threads for local models (default: torch's choice)")
    g = p.add_argument_group(
        "served models and scale",
        "Options for OpenAI-compatible endpoints (openai:MODEL@URL) and for running many "
        "instances at once; see the how-to on running a study against served models.")
    g.add_argument("--concurrency", type=_positive, default=1,
                   help="instances run at once (default 1); results do not depend on it "
                        "(local models: see --batching)")
    g.add_argument("--request-timeout", type=_seconds, default=120.0,
                   help="overall deadline of one HTTP request in seconds, retries included "
                        "(default 120)")
    g.add_argument("--max-retries", type=_nonneg_int, default=4,
                   help="retries of a failed HTTP request: connection errors, 408/409/429/5xx, "
                        "honouring Retry-After (default 4)")
    g.add_argument("--api-key-env", default="OPENAI_API_KEY", metavar="NAME",
                   help="environment variable holding the endpoint's API key (default "
                        "OPENAI_API_KEY); keys in URLs are refused")
    g.add_argument("--cache", default=None, metavar="DIR",
                   help="response cache directory (default: the user cache directory, "
                        "$BAYESPERSUADE_CACHE_DIR or ~/.cache/bayespersuade); deterministic "
                        "HTTP requests are answered from it")
    g.add_argument("--no-cache", action="store_true", help="do not use the response cache")
    g.add_argument("--reproducible-seeds", action="store_true",
                   help="declare that the endpoint samples reproducibly for a fixed seed (vLLM "
                        "does), so seeded sampling is cached too, not only temperature 0")
    p.add_argument("--report", choices=("md", "html", "none"), default="md",
                   help="report format written at the end (default md)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--controls", metavar="FILE", default=None,
                   help="a file of control claims (ids or dataset/id keys, one a line): "
                        "flagged in results.jsonl and reported apart from the headline")
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
    p.add_argument("--controls", metavar="FILE", default=None,
                   help="a file of control instances (ids or dataset/id keys, one a line), "
                        "reported apart from the headline")
    p.add_argument("--prior", default=None,
                   help="a user prior P(true) (e.g. 1/3) for the prior-sensitivity table")
    p.add_argument("--confidence", type=float, default=0.95,
                   help="the intervals' confidence level (default 0.95)")
    p.add_argument("--resamples", type=_positive, default=2000,
                   help="bootstrap resamples (default 2000)")
    p.add_argument("--resampling-seed", type=_nonneg_int, default=0,
                   help="the seed of the bootstrap and permutation tests (default 0)")
    p.set_defaults(func=run_report)


def _dataset_path(args: argparse.Namespace) -> str | None:
    """The ``--data-file`` of the evaluated dataset, or ``None`` for the embedded copy."""
    files = data_files(getattr(args, "data_file", []), [args.dataset],
                       (args.dataset, "perspectrum", "anthropic", "cmv", "ddo", "claims"))
    path = files.get(args.dataset)
    if getattr(args, "encoding", None) is not None and path is None:
        raise InvalidParameterError(
            "--encoding applies to the file given with --data-file, and there is none "
            "(the embedded copies are UTF-8)")
    return path


def _load_records(args: argparse.Namespace) -> list:
    from .. import datasets

    path = _dataset_path(args)
    if path is not None:
        loader = getattr(datasets, "load_dataset", None)
        if loader is None:
            raise DataError("this version has no dataset loaders (bayespersuade.datasets."
                            "load_dataset)")
        options = {"split": args.split} if args.split else {}
        if getattr(args, "encoding", None) is not None:
            options["encoding"] = args.encoding
        res = loader(args.dataset, path, **options)
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


def run(args: argparse.Namespace) -> int:
    """Run the ``evaluate`` subcommand; returns the exit code.

    The statuses of every ``bayespersuade`` subcommand
    (:mod:`bayespersuade.cli._common`): 0: done; 1: a runtime or data error (a
    dataset file, a backend failure: finished instances are kept); 2: a usage
    error (an invalid option, ``--out`` naming a file); 130: interrupted
    (finished instances are kept; re-run to resume).

    Examples
    --------
    >>> import tempfile
    >>> args = argparse.Namespace(
    ...     dataset="perspectrum", data_file=[], split="test", sender="scripted:sender",
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
    from ..llm.runner import RESULTS

    return run_command(
        _run, args, interrupted=f"finished instances are saved in {args.out}/{RESULTS}. "
        "Re-run the same command to resume.")


def _run(args: argparse.Namespace) -> int:
    from ..llm.backends.registry import check_spec
    from ..llm.protocol import ProtocolConfig
    from ..llm.runner import (
        RESULTS,
        EvaluationConfig,
        check_resume,
        finished_run,
        run_evaluation,
    )
    from ..llm.store import hold_run_dir

    opt = {"concurrency": 1, "request_timeout": 120.0, "max_retries": 4,
           "api_key_env": "OPENAI_API_KEY", "cache": None, "no_cache": False,
           "reproducible_seeds": False}
    opt.update({k: getattr(args, k) for k in opt if hasattr(args, k)})
    check_output_dir(args.out)
    for spec in (args.sender, args.receiver):
        try:
            check_spec(spec)  # a key in a URL: refused before anything is written
        except BackendError as e:  # an invalid --sender/--receiver: a usage error
            raise InvalidParameterError(str(e)) from None
    dataset_path = _dataset_path(args)
    if args.protocol == "static" and args.rounds not in (None, 1):
        raise InvalidParameterError("--rounds applies to the dynamic protocol only")
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
        seed=args.seed, split=args.split, dataset_path=dataset_path,
        evidence_per_instance=args.evidence_per_instance,
        sender_strategy=getattr(args, "sender_strategy", "free"))
    check_resume(args.out, config)  # before taking the directory or loading any model
    report = None if args.report == "none" else args.report
    with hold_run_dir(args.out):  # a second process on this --out stops here
        # A finished run: answered from its files, no dataset or model loaded
        # (not with --controls, whose file is checked against the dataset).
        result = None if getattr(args, "controls", None) else finished_run(
            args.out, config, limit=args.limit, report=report, argv=sys.argv)
        if result is None:
            result = _evaluate(args, opt, config, report, run_evaluation)
    s = result.summary
    print(f"{result.n_new} instance(s) evaluated, {result.n_resumed} resumed, "
          f"{result.n_total} in scope; results in {result.out_dir}/{RESULTS}")
    from ..llm.stats import Estimate

    def f(x):
        return Estimate.from_dict(x).format(4)

    for name, d in s["datasets"].items():
        st, bc = d["statistics"], d["bayes_consistency"]
        p = bc["p_value"]
        print(f"  {name} (n = {st['score_gain']['n_instances']} instances, "
              f"{st['score_gain']['n_dialogues']} dialogues; 95% CIs): reported gain "
              f"{f(st['score_gain'])} ({f(st['pct_of_scale'])}% of scale ÷7), model gain "
              f"{f(st['model_gain'])}, ceiling {f(st['ceiling'])}, signed shift "
              f"{f(bc['signed_shift'])} (p = {'n/a' if p is None else f'{p:.4g}'}), L1 gap "
              f"{f(bc['l1_gap'])}; unparsable: sender {d['n_sender_unparsable']}, receiver "
              f"{d['n_receiver_unparsable']}, initial {d['n_initial_unparsable']}")
    for name, d in s.get("sender_strategy", {}).get("datasets", {}).items():
        print(f"  {name} [{d['strategy']} sender] (n = {d['tv_undermine']['n_instances']} "
              f"instance(s); 95% CIs): TV(pi-hat, pi*) undermine "
              f"{f(d['tv_undermine'])}, support {f(d['tv_support'])}; value vs a Bayesian "
              f"receiver {f(d['value_bayes'])}, vs the receiver {f(d['value_actual'])}, "
              f"V(mu0) {f(d['optimal_value'])}")
    if result.report is not None:
        print(f"report: {result.report}")
    return 0


def _evaluate(args: argparse.Namespace, opt: dict, config: Any, report: str | None,
              run_evaluation: Any) -> Any:
    records = _load_records(args)
    if getattr(args, "controls", None):
        records = _flag_controls(records, args.controls)
    sender, receiver, loaded = _backend_factories(args, opt)
    cache = _open_cache(args, opt)
    try:
        result = run_evaluation(
            records, sender, receiver, args.out, config, limit=args.limit,
            progress=not args.no_progress, report=report, argv=sys.argv,
            concurrency=opt["concurrency"], cache=cache)
    except KeyboardInterrupt:
        raise  # leave at once: closing connections could wait on the server
    except BaseException:
        _close(loaded, cache)
        raise
    _close(loaded, cache)
    return result


def _close(loaded: dict, cache: Any) -> None:
    for b in loaded.values():
        b.close()
    if cache is not None:
        cache.close()


def _backend_factories(args: argparse.Namespace, opt: dict):
    """Functions that load the two backends (called only if there is work to do).

    The third element maps each spec to the backend loaded for it (to close them).
    """
    loaded: dict[str, Any] = {}
    kw = {"batch_size": args.batch_size, "prefix_cache_tokens": args.prefix_cache_tokens,
          "api_key_env": opt["api_key_env"], "request_timeout": opt["request_timeout"],
          "max_retries": opt["max_retries"], "reproducible_seeds": opt["reproducible_seeds"],
          "batching": getattr(args, "batching", None)}

    def load(spec: str):
        shared = args.sender == args.receiver and not spec.startswith("scripted:")
        if shared and spec in loaded:
            return loaded[spec]
        if args.threads is not None and not spec.startswith(("scripted:", "openai")):
            from ..llm.backends.hf import import_torch

            import_torch().set_num_threads(args.threads)
        b = load_backend(spec, **kw)
        loaded[spec] = b
        return b

    return (lambda: load(args.sender)), (lambda: load(args.receiver)), loaded


def _open_cache(args: argparse.Namespace, opt: dict):
    """The response cache, if any backend is an HTTP endpoint and it is not switched off."""
    if opt["no_cache"] or not any(s.startswith("openai") for s in (args.sender, args.receiver)):
        return None
    from ..llm.cache import ResponseCache, default_cache_dir

    return ResponseCache(opt["cache"] if opt["cache"] is not None else default_cache_dir())


def _flag_controls(records: list, path: str) -> list:
    """Flag the records listed in a controls file (``metadata["control"] = True``)."""
    import dataclasses

    from ..llm.metrics import read_controls

    listed = read_controls(path)
    found = {r.id for r in records if r.id in listed} | {
        f"{r.dataset}/{r.id}" for r in records if f"{r.dataset}/{r.id}" in listed}
    unknown = sorted(listed - found)
    if unknown:
        raise DataError(f"{len(unknown)} control(s) listed are not in the dataset (first: "
                        f"{unknown[0]!r})", path=path)
    return [dataclasses.replace(r, metadata={**r.metadata, "control": True})
            if r.id in listed or f"{r.dataset}/{r.id}" in listed else r for r in records]


def run_report(args: argparse.Namespace) -> int:
    """Run the ``report`` subcommand; returns the exit code.

    Examples
    --------
    >>> run_report(argparse.Namespace(out="/nonexistent", format="md"))
    1
    """
    return run_command(_run_report, args)


def _run_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..llm.report import write_report
    from ..llm.store import hold_run_dir

    kw = {"controls": getattr(args, "controls", None),
          "user_prior": getattr(args, "prior", None),
          "confidence": getattr(args, "confidence", 0.95),
          "n_resamples": getattr(args, "resamples", 2000),
          "seed": getattr(args, "resampling_seed", 0)}
    if Path(args.out).is_dir():
        with hold_run_dir(args.out):  # not while an evaluation writes there
            path = write_report(args.out, format=args.format, **kw)
    else:
        path = write_report(args.out, format=args.format, **kw)
    print(f"report: {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``evaluate`` or ``report`` as a standalone program.

    ``python -m bayespersuade.cli.evaluate evaluate ...`` works the same
    as ``bayespersuade evaluate ...``.

    Examples
    --------
    >>> main(["report", "/nonexistent"])
    1
    """
    parser = argparse.ArgumentParser(prog="bayespersuade")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    add_report_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
