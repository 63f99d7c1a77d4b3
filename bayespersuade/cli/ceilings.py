"""The ``bayespersuade ceilings`` command: the ceiling of every dataset instance.

Usage::

    bayespersuade ceilings [--dataset NAME [NAME ...]] [--data-file [NAME=]PATH ...]
                           [--split {all,train,dev,test}] [--family FAMILY]
                           [--loss {quadratic,absolute} | --p P]
                           [--prior-source {auto,rating,histogram,user,evidence}]
                           [--prior PRIOR] [--weighting {votes,clusters,labels}]
                           [--method {batch,lp}] [--exact] [--tie-break {sender,receiver}]
                           [--strict] [--encoding ENC]
                           [--include-control] [--no-plots] [--out DIR]

With no arguments it loads the PERSPECTRUM claims bundled in the package and
computes every claim's ceiling under the evidence-stance family with
quadratic loss.  Other datasets are read from the user's copies
(``--data-file anthropic=persuasion_data.csv --data-file ddo=debates.json``).
For each dataset it writes, into ``--out`` (default ``results/ceilings``):

* ``<dataset>_<family>_p<p>_ceilings.csv``: one row per instance
  (:func:`bayespersuade.instances.ceilings.ceiling_table`);
* ``<dataset>_<family>_p<p>_skipped.csv``: instances without a prior, and why;
* ``<dataset>_<family>_p<p>_rejections.csv``: rows the loader rejected, and why;
* ``<dataset>_<family>_p<p>_prior_sensitivity.csv``: the mean ceiling (with its
  interval) under each prior construction
  (:func:`bayespersuade.instances.ceilings.prior_sensitivity_table`);
* ``<dataset>_<family>_p<p>_envelope.png`` (two-state families): the envelope
  with every instance's prior;
* where the dataset has human ratings before and after (Anthropic, DDO):
  ``..._baselines_{observations,by_claim_source,by_claim,by_source,summary}.csv``
  (``summary``: every statistic as an estimate with its interval) and
  ``..._achieved_vs_ceiling.png`` (:mod:`bayespersuade.instances.baselines`);

and, for all datasets together, ``summary_<family>_p<p>.csv`` (with the
unweighted average over datasets when there are several, and the intervals of
the means),
``distribution_<family>_p<p>.png`` and ``run.json`` (the arguments, the
package versions, the load accounts and the files written).  The summary is
printed.

Every file is written atomically (a temporary file renamed into place), so
an error or Ctrl-C leaves no partial file.

Exit status (the same for every subcommand, :mod:`bayespersuade.cli._common`):
0 on success; 1 for unreadable or malformed data (a missing file, text that
is not in the file's encoding, a malformed row in ``--strict`` mode), or when
a dataset has no instance with a prior (CMV without ``--prior``); 2 for
invalid arguments (including ``--out`` naming an existing file); 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..exceptions import InvalidParameterError
from ._common import FAMILIES, check_output_dir, data_files, run_command

__all__ = ["add_parser", "build_parser", "run"]

_DATASETS = ("perspectrum", "anthropic", "cmv", "ddo", "claims")
_FAMILIES = FAMILIES


def add_parser(subparsers: Any) -> None:
    """Add the ``ceilings`` subcommand to an ``argparse`` subparsers object.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="bayespersuade")
    >>> add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["ceilings", "--loss", "absolute"])
    >>> args.dataset, args.loss, args.func is run
    (['perspectrum'], 'absolute', True)
    """
    p = subparsers.add_parser(
        "ceilings",
        help="persuasion-gain ceiling of every instance of a dataset (tables, summary, plots)",
        description=(
            "Compute the persuasion-gain ceiling V(mu0) - vhat(mu0) of every instance of one "
            "or more datasets under an instance family, in batch; write the tables, a summary "
            "and plots to --out and print the summary. PERSPECTRUM is bundled; the other "
            "datasets are read from your own copies (--data-file)."),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--dataset", nargs="+", choices=_DATASETS, default=["perspectrum"],
                   metavar="NAME",
                   help=f"dataset(s): {', '.join(_DATASETS)} (default: perspectrum)")
    p.add_argument("--data-file", action="append", default=[], metavar="[NAME=]PATH",
                   help="your copy of a dataset (file or folder, as the loader documents); "
                        "NAME= may be omitted when only one dataset needs a file; repeat "
                        "for several datasets")
    p.add_argument("--split", choices=("all", "train", "dev", "test"), default="all",
                   help="PERSPECTRUM split (default: all 907 claims)")
    p.add_argument("--family", choices=_FAMILIES, default=None,
                   help="instance family (default: evidence-stance when the only dataset is "
                        "perspectrum, else binary-truth)")
    loss = p.add_mutually_exclusive_group()
    loss.add_argument("--loss", choices=("quadratic", "absolute"), default=None,
                      help="receiver's loss |a - t|^p: quadratic (p=2, default) or absolute")
    loss.add_argument("--p", type=float, default=None, metavar="P",
                      help="loss exponent p >= 1 instead of --loss")
    p.add_argument("--prior-source", choices=("auto", "rating", "histogram", "user",
                                              "evidence"), default="auto",
                   help="where each instance's prior comes from (default: auto)")
    p.add_argument("--prior", default=None, metavar="PRIOR",
                   help="one prior for every instance (e.g. 1/2; seven comma-separated values "
                        "for normative-position), for datasets that record none (CMV)")
    p.add_argument("--weighting", choices=("votes", "clusters", "labels"), default="votes",
                   help="PERSPECTRUM evidence-share weighting (default: votes)")
    p.add_argument("--method", choices=("batch", "lp"), default="batch",
                   help="batch envelope (default) or one LP per instance")
    p.add_argument("--exact", action="store_true",
                   help="add exact (fraction) values, checked against the floats")
    p.add_argument("--tie-break", choices=("sender", "receiver"), default="sender",
                   help="how ties at the prior are broken in the no-disclosure value vhat "
                        "(default sender, as in Kamenica & Gentzkow; receiver: against "
                        "the sender, for priors on a breakpoint)")
    p.add_argument("--strict", action="store_true",
                   help="stop at the first malformed row instead of recording it")
    p.add_argument("--encoding", default=None, metavar="ENC",
                   help="text encoding of the --data-file files (default utf-8), e.g. "
                        "latin-1")
    p.add_argument("--include-control", action="store_true",
                   help="keep Anthropic control rows in the human baselines")
    p.add_argument("--no-plots", action="store_true", help="do not draw the plots")
    p.add_argument("--out", default="results/ceilings", metavar="DIR",
                   help="output folder (default: results/ceilings)")
    p.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser with only the ``ceilings`` command (for tests and scripts).

    Examples
    --------
    >>> build_parser().parse_args(["ceilings"]).family is None
    True
    """
    parser = argparse.ArgumentParser(prog="bayespersuade")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def _prior(text: str | None, family: str) -> Any:
    if text is None:
        return None
    parts = [t.strip() for t in text.split(",")]
    from ..datasets._rows import exact_number

    try:
        vals = [exact_number(t) for t in parts]
    except (ValueError, ZeroDivisionError) as exc:
        detail = f" (a number {exc})" if "digits" in str(exc) else ""
        raise InvalidParameterError(
            f"--prior {text if len(text) <= 40 else text[:30] + '...'!r} is not a number or a "
            f"comma-separated list of numbers{detail}") from None
    if family == "normative-position":
        if len(vals) != 7:
            raise InvalidParameterError(
                "--prior for normative-position needs seven comma-separated values")
        return vals
    if len(vals) != 1:
        raise InvalidParameterError(f"--prior for {family} is one probability, got {text!r}")
    return vals[0]


def _p_arg(args: argparse.Namespace) -> tuple[str | None, int | float | None]:
    if args.p is None:
        return args.loss, None
    if args.p < 1:
        raise InvalidParameterError(f"--p must be >= 1, got {args.p}")
    return None, int(args.p) if float(args.p).is_integer() else args.p


def run(args: argparse.Namespace) -> int:
    """Run the ``ceilings`` command; returns the exit status.

    Examples
    --------
    >>> import tempfile, contextlib, io
    >>> out = tempfile.mkdtemp()
    >>> args = build_parser().parse_args(
    ...     ["ceilings", "--split", "test", "--no-plots", "--out", out])
    >>> with contextlib.redirect_stdout(io.StringIO()) as buf:
    ...     status = run(args)
    >>> status, "perspectrum" in buf.getvalue()
    (0, True)
    """
    return run_command(_run, args, prog="bayespersuade ceilings")


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..datasets import load_dataset
    from ..instances.baselines import human_baselines
    from ..instances.ceilings import (
        RANGE_NOTE,
        ceiling_table,
        summarize_ceilings,
        write_ceilings,
    )
    from ..io import atomic_output, write_atomic
    from ..solution import provenance

    datasets = list(dict.fromkeys(args.dataset))
    files = data_files(args.data_file, datasets, _DATASETS)
    encoding = getattr(args, "encoding", None)
    if encoding is not None and not files:
        raise InvalidParameterError(
            "--encoding applies to the files given with --data-file, and there is none "
            "(the bundled PERSPECTRUM copy is UTF-8)")
    family = args.family or ("evidence-stance" if datasets == ["perspectrum"]
                             else "binary-truth")
    loss, p = _p_arg(args)
    prior = _prior(args.prior, family)
    out = check_output_dir(args.out)

    tables: dict[str, pd.DataFrame] = {}
    written: list[str] = []
    loads: dict[str, Any] = {}
    stem_p = None
    for name in datasets:
        options = {"split": args.split} if name == "perspectrum" else {}
        if name != "perspectrum" and name not in files:
            raise InvalidParameterError(
                f"dataset {name!r} is not bundled (its license does not allow it): give your "
                f"copy with --data-file {name}=PATH")
        if name in files and encoding is not None:
            options["encoding"] = encoding
        res = load_dataset(name, files.get(name), strict=args.strict, **options)
        print(f"[{name}] {res.summary()}")
        table = ceiling_table(res.records, family, loss=loss, p=p,
                              prior_source=args.prior_source, prior=prior,
                              weighting=args.weighting, method=args.method, exact=args.exact,
                              dataset=name, tie_break=getattr(args, "tie_break", "sender"))
        stem_p = table.attrs["p"]
        stem = f"{name}_{family}_p{stem_p}"
        out.mkdir(parents=True, exist_ok=True)
        paths = write_ceilings(table, out, stem)
        rej = out / f"{stem}_rejections.csv"
        with atomic_output(rej) as tmp:
            res.rejections_frame().to_csv(tmp, index=False)
        written += [str(paths["table"]), str(paths["skipped"]), str(rej)]
        if table.attrs["skipped"]:
            print(f"[{name}] {len(table.attrs['skipped'])} instance(s) without a prior under "
                  f"{family} (listed in {paths['skipped'].name}); first: "
                  f"{table.attrs['skipped'][0][1]}")
        tables[name] = table
        from ..instances.ceilings import prior_sensitivity_table

        sens = prior_sensitivity_table(res.records, family, loss=loss, p=p, prior=prior)
        f = out / f"{stem}_prior_sensitivity.csv"   # the mean ceiling per prior construction
        sens.to_csv(f, index=False)
        written.append(str(f))
        print(f"[{name}] mean ceiling per prior construction (95% CI, n claims): " + "; ".join(
            f"{r['construction']} {r['estimate']:.4g} [{r['ci_low']:.4g}, {r['ci_high']:.4g}] "
            f"(n={r['n_instances']})" for r in sens.to_dict("records") if r["n_instances"]))
        if sens.attrs.get("note"):
            print(f"[{name}] note: {sens.attrs['note']}")
        loads[name] = {"files": list(res.files), "rows_read": res.rows_read,
                       "records": len(res.records), "rejected": res.n_rejected,
                       "rejection_reasons": dict(res.rejection_reasons()),
                       "notes": list(res.notes), "instances": len(table),
                       "skipped": len(table.attrs["skipped"]),
                       "batch_method": table.attrs["method"]}
        base = None
        if family != "normative-position" and any(
                o.initial is not None and o.final is not None
                for r in res.records for o in r.observations):
            base = human_baselines(res.records, family, loss=loss, p=p,
                                   include_control=args.include_control)
            for part in ("observations", "by_claim_source", "by_claim", "by_source"):
                f = out / f"{stem}_baselines_{part}.csv"
                with atomic_output(f) as tmp:
                    getattr(base, part).to_csv(tmp, index=False)
                written.append(str(f))
            f = out / f"{stem}_baselines_summary.csv"   # estimate objects, one row each
            base.summary_table().to_csv(f, index=False)
            written.append(str(f))
            print(f"[{name}] human baselines: {base.summary()}")
        if not args.no_plots:
            written += _plots(table, base, out, stem, family)

    summary = summarize_ceilings(tables)
    sfile = out / f"summary_{family}_p{stem_p}.csv"
    out.mkdir(parents=True, exist_ok=True)
    with atomic_output(sfile) as tmp:
        summary.to_csv(tmp, index=False)
    written.append(str(sfile))
    if not args.no_plots:
        import matplotlib.pyplot as plt

        from ..plots.ceilings import plot_ceiling_distribution

        ax = plot_ceiling_distribution(tables)
        f = out / f"distribution_{family}_p{stem_p}.png"
        with atomic_output(f) as tmp:
            ax.figure.savefig(tmp, dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
        written.append(str(f))
    run_info = {
        "command": "ceilings",
        "arguments": {k: v for k, v in vars(args).items() if k != "func"},
        "family": family, "p": stem_p, "provenance": provenance(), "datasets": loads,
        "files": written,
        "cite": [r.text for r in _references(list(tables))],
    }
    write_atomic(out / "run.json", json.dumps(run_info, indent=2, default=str) + "\n")
    shown = _display_summary(summary)
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.max_colwidth", 40):
        ties = ("" if getattr(args, "tie_break", "sender") == "sender"
                else "; receiver-favourable ties at the prior")
        print(f"\nCeilings, {family} family, p = {stem_p} ({args.method}{ties}); estimate "
              f"[95% CI] over claims (the intervals resample claims); all columns, exact "
              f"values included, in {sfile.name}:")
        print(shown.to_string(index=False))
        print(f"note: {RANGE_NOTE}")
    print(f"\nwrote {len(written) + 1} files to {out}/")
    empty = [name for name, t in tables.items() if len(t) == 0]
    if empty:
        print(f"bayespersuade ceilings: error: no instance of {', '.join(empty)} has a prior "
              f"under the {family} family; give one with --prior (CMV records none) or choose "
              "another --prior-source", file=sys.stderr)
        return 1
    return 0


def _display_summary(summary: Any) -> Any:
    """The printed summary: each aggregate as ``estimate [CI]``, the range as descriptive."""
    import math

    import pandas as pd

    def ci(row, name, nd=4):
        est = row.get(name)
        if est is None or (isinstance(est, float) and math.isnan(est)):
            return "n/a"
        lo, hi = row.get(f"{name}_ci_low"), row.get(f"{name}_ci_high")
        if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
            return f"{est:.{nd}f} [no interval]"
        return f"{est:.{nd}f} [{lo:.{nd}f}, {hi:.{nd}f}]"

    def rng(row):
        lo, hi = row.get("min_ceiling"), row.get("max_ceiling")
        if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
            return "n/a"
        return f"{lo:.4f} .. {hi:.4f}"

    rows = []
    for row in summary.to_dict("records"):
        rows.append({
            "dataset": row["dataset"], "n": row["n_instances"], "skipped": row["n_skipped"],
            "mean v̂ [CI]": ci(row, "mean_vhat"), "mean V [CI]": ci(row, "mean_V"),
            "mean ceiling [CI]": ci(row, "mean_ceiling"),
            "median ceiling [CI]": ci(row, "median_ceiling"),
            "range (descriptive)": rng(row),
            "share positive [CI]": ci(row, "share_positive"),
            "% of scale (÷7) [CI]": ci(row, "mean_ceiling_pct_of_scale", 2),
        })
    return pd.DataFrame(rows)


def _references(datasets: list[str]) -> list:
    """The library, the model, the family's paper and each dataset's authors."""
    from ..citations import DATASET_REFERENCES, REFERENCES

    keys = ["bayespersuade", "kamenica2011", "aumann1995", "cheng2025"]
    keys += [DATASET_REFERENCES[d] for d in datasets if d in DATASET_REFERENCES]
    return [REFERENCES[k] for k in dict.fromkeys(keys)]


def _plots(table, base, out: Path, stem: str, family: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import atomic_output
    from ..plots.ceilings import plot_achieved_vs_ceiling, plot_envelope_with_priors

    files = []
    if family != "normative-position":
        ax = plot_envelope_with_priors(table)
        f = out / f"{stem}_envelope.png"
        with atomic_output(f) as tmp:
            ax.figure.savefig(tmp, dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
        files.append(str(f))
    if base is not None:
        ax = plot_achieved_vs_ceiling(base)
        f = out / f"{stem}_achieved_vs_ceiling.png"
        with atomic_output(f) as tmp:
            ax.figure.savefig(tmp, dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
        files.append(str(f))
    return files
