"""The ``import``, ``export`` and ``rescore`` subcommands: transcripts in, out, re-scored.

::

    bayespersuade import FILE [FILE ...] --format {jsonl,csv,cheng-you,inspect} --out DIR
                         [--dataset NAME] [--protocol static|dynamic]
                         [--family ...] [--loss ...] [--belief-source score|logprobs]
                         [--controls FILE] [--sender-model NAME] [--receiver-model NAME]
                         [--strict] [--report md|html|none]
    bayespersuade export DIR --format jsonl|csv [--out FILE]
    bayespersuade rescore DIR --out DIR2 [--family ...] [--loss ...]
                          [--prior-source logprobs|score] [--report md|html|none]

``import`` writes a normal evaluation directory (``report``, ``export`` and
``rescore`` work on it); rejected dialogues are listed with the file, the line
or JSON path and the reason (``--strict``: the first one is a data error, exit
status 1).  ``export`` writes an evaluation in the public transcript model (to
standard output without ``--out``).  ``rescore`` recomputes every metric under
another family, loss or prior construction without calling a model.  See
:mod:`bayespersuade.llm.transcripts`.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="bayespersuade")
>>> sub = parser.add_subparsers(dest="command")
>>> add_import_parser(sub); add_export_parser(sub); add_rescore_parser(sub)
>>> parser.parse_args(["import", "a.json", "--format", "cheng-you", "--out", "d"]).belief_source
'score'
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..exceptions import BayesPersuadeError
from ._common import EXIT_USAGE, FAMILIES, exit_status
from ._common import TRANSCRIPT_FORMATS as FORMATS

__all__ = [
    "add_export_parser",
    "add_import_parser",
    "add_rescore_parser",
    "run_export",
    "run_import",
    "run_rescore",
]


def _err(msg: str) -> None:
    print(f"bayespersuade: error: {msg}", file=sys.stderr)


def _report_choice(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report", choices=("md", "html", "none"), default="md",
                   help="report format written at the end (default md)")


def add_import_parser(subparsers: Any) -> None:
    """Add the ``import`` subcommand.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="bayespersuade")
    >>> add_import_parser(parser.add_subparsers(dest="command"))
    >>> a = parser.parse_args(["import", "x.csv", "y.csv", "--format", "csv", "--out", "d"])
    >>> a.files, a.strict
    (['x.csv', 'y.csv'], False)
    """
    p = subparsers.add_parser(
        "import", help="import transcripts (JSON lines, CSV, the paper authors' logs)",
        description=(
            "Import persuasion dialogues written elsewhere into a new evaluation directory, "
            "scored against the exact optimum like a live run. Formats: jsonl (the public "
            "transcript model, one dialogue per line), csv (one row per dialogue: id, claim, "
            "s0, s1, ..., optional dataset, control, pair, p0, p1, ...), cheng-you (the "
            "released logs of Cheng & You 2025, <dataset>_static.json / _dynamic.json). "
            "Unknown settings stay unknown; rejected dialogues are listed with the reason."),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="input file(s)")
    p.add_argument("--format", required=True, choices=(*FORMATS, "inspect"),
                   help="the input format (inspect: one Inspect .eval log of the "
                        "bayespersuade/persuasion task; needs the inspect extra)")
    p.add_argument("--out", required=True, help="the new evaluation directory")
    p.add_argument("--dataset", default=None,
                   help="dataset name (CSV without a dataset column; cheng-you files not "
                        "named <dataset>_static.json / _dynamic.json)")
    p.add_argument("--protocol", choices=("static", "dynamic"), default=None,
                   help="the protocol every dialogue must follow (default: from the file)")
    p.add_argument("--family", choices=FAMILIES, default="binary-truth",
                   help="instance family (default binary-truth)")
    p.add_argument("--loss", choices=("quadratic", "absolute"), default="quadratic",
                   help="the receiver's loss (default quadratic)")
    p.add_argument("--belief-source", choices=("score", "logprobs"), default="score",
                   help="beliefs from the reported scores (default) or from the recorded "
                        "log-probability beliefs")
    p.add_argument("--controls", default=None, metavar="FILE",
                   help="a CSV id,control[,pair][,dataset] marking control dialogues")
    p.add_argument("--sender-model", default=None, metavar="NAME",
                   help="the sender's model, for dialogues that do not name it")
    p.add_argument("--receiver-model", default=None, metavar="NAME",
                   help="the receiver's model, for dialogues that do not name it")
    p.add_argument("--strict", action="store_true",
                   help="stop with an error at the first rejected dialogue")
    _report_choice(p)
    p.set_defaults(func=run_import)


def add_export_parser(subparsers: Any) -> None:
    """Add the ``export`` subcommand.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="bayespersuade")
    >>> add_export_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["export", "runs/demo", "--format", "csv"]).out is None
    True
    """
    p = subparsers.add_parser(
        "export", help="write an evaluation's dialogues in the public transcript model",
        description="Write every dialogue of an evaluation directory (generated, imported "
                    "or re-scored) as JSON lines (everything) or CSV (scores and P(yes)).")
    p.add_argument("dir", metavar="DIR", help="the evaluation directory")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="output file (default: standard output)")
    p.set_defaults(func=run_export)


def add_rescore_parser(subparsers: Any) -> None:
    """Add the ``rescore`` subcommand.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="bayespersuade")
    >>> add_rescore_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["rescore", "a", "--out", "b", "--prior-source", "score"]).family
    """
    p = subparsers.add_parser(
        "rescore", help="recompute an evaluation's metrics under another analysis",
        description="Recompute the metrics, summary and report of an evaluation directory "
                    "(generated or imported) under another instance family, loss or prior "
                    "construction, into a new directory, without calling any model. "
                    "Options not given keep the original's.")
    p.add_argument("dir", metavar="DIR", help="the evaluation directory (not changed)")
    p.add_argument("--out", required=True, help="the new evaluation directory")
    p.add_argument("--family", choices=FAMILIES, default=None)
    p.add_argument("--loss", choices=("quadratic", "absolute"), default=None)
    p.add_argument("--prior-source", choices=("logprobs", "score"), default=None,
                   help="beliefs (prior and posteriors) from the elicited log-probabilities "
                        "or from the reported scores")
    _report_choice(p)
    p.set_defaults(func=run_rescore)


def run_import(args: argparse.Namespace) -> int:
    """Run ``import``; 0 on success (also with rejected dialogues, which are listed).

    A data error is exit status 1, a usage error 2 (``--strict``: the first rejected
    dialogue is a data error), as for every subcommand.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "t.csv").write_text("id,claim,s0,s1\\n1,Cats are mammals.,3,5\\n")
    >>> run_import(argparse.Namespace(
    ...     files=[str(tmp / "t.csv")], format="csv", out=str(tmp / "e"), dataset="demo",
    ...     protocol=None, family="binary-truth", loss="quadratic", belief_source="score",
    ...     controls=None, strict=False, report="none"))  # doctest: +ELLIPSIS
    t.csv (csv, sha256 ...): 1 dialogue(s) read, 1 accepted, 0 rejected
    imported 1 dialogue(s), 0 rejected; evaluation in ...
    0
    """
    if args.format == "inspect":
        return _run_inspect_import(args)
    from ..llm.transcripts import import_transcripts

    try:
        res = import_transcripts(
            args.files, format=args.format, out=args.out, dataset=args.dataset,
            protocol=args.protocol, family=args.family, loss=args.loss,
            belief_source=args.belief_source, controls=args.controls, strict=args.strict,
            sender_model=getattr(args, "sender_model", None),
            receiver_model=getattr(args, "receiver_model", None),
            report=None if args.report == "none" else args.report)
    except (BayesPersuadeError, OSError) as e:
        _err(str(e))
        return exit_status(e)
    print(res.summary())
    print(f"imported {res.n_accepted} dialogue(s), {res.n_rejected} rejected; evaluation "
          f"in {res.out_dir}")
    return 0


def _run_inspect_import(args: argparse.Namespace) -> int:
    """``import LOG.eval --format inspect``, through ``inspect_task.import_inspect_log``."""
    if len(args.files) != 1:
        _err(f"--format inspect reads one Inspect log, got {len(args.files)} files")
        return EXIT_USAGE
    ignored = [f"--{k.replace('_', '-')}" for k in ("dataset", "protocol", "controls")
               if getattr(args, k, None) is not None]
    if ignored:
        _err(f"{', '.join(ignored)} do not apply to --format inspect (the log records the "
             "task's dataset and protocol)")
        return EXIT_USAGE
    try:
        from ..inspect_task import import_inspect_log

        res = import_inspect_log(args.files[0], args.out,
                                 report=None if args.report == "none" else args.report)
    except (BayesPersuadeError, OSError) as e:
        _err(str(e))
        return exit_status(e)
    print(f"imported {res.n_imported} sample(s) from {args.files[0]}; "
          f"{len(res.errored)} errored sample(s) left out"
          + ("" if res.scores_match else "; WARNING: the log's scores differ from the "
             "recomputed ones (see the report)")
          + f"; evaluation in {res.out_dir}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Run ``export``; 0 on success, else the status of the command line's table.

    Examples
    --------
    >>> run_export(argparse.Namespace(dir="/nonexistent", format="jsonl", out=None))
    1
    """
    from ..llm.transcripts import export_transcripts, render_transcripts

    try:
        dialogues, notes = export_transcripts(args.dir, format=args.format, out=args.out)
        if args.out is None:
            sys.stdout.write(render_transcripts(dialogues, args.format))
    except (BayesPersuadeError, OSError) as e:
        _err(str(e))
        return exit_status(e)
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    if args.out is not None:
        print(f"wrote {len(dialogues)} dialogue(s) to {args.out}", file=sys.stderr)
    return 0


def run_rescore(args: argparse.Namespace) -> int:
    """Run ``rescore``; 0 on success, else the status of the command line's table.

    Examples
    --------
    >>> run_rescore(argparse.Namespace(dir="/nonexistent", out="/tmp/x", family=None,
    ...                                loss=None, prior_source=None, report="none"))
    1
    """
    from ..llm.transcripts import rescore

    try:
        out = rescore(args.dir, args.out, family=args.family, loss=args.loss,
                      belief_source=args.prior_source,
                      report=None if args.report == "none" else args.report)
    except (BayesPersuadeError, OSError) as e:
        _err(str(e))
        return exit_status(e)
    print(f"re-scored {args.dir} into {out}")
    return 0
