"""Inspect logs of the persuasion task, imported into a normal evaluation directory.

:func:`import_inspect_log` reads a ``.eval`` (or ``.json``) log written by
``inspect eval bayespersuade/persuasion`` through
``inspect_ai.log.read_eval_log`` and writes the files of
:mod:`bayespersuade.llm.store` — ``run.json``, ``results.jsonl`` (one record per
sample, in the shape the library's runner writes), ``summary.json`` and the
report — so ``bayespersuade report DIR``, and everything else that reads an
evaluation directory, works on an Inspect run.

Every record's metrics are recomputed from its transcript by
:func:`bayespersuade.llm.metrics.instance_metrics`, exactly as the runner
computes them, and compared with the metrics the log's scorer recorded; the
comparison is kept in ``run.json`` (``source.scores_match``) and a mismatch
(a log scored by another library version, say) is warned about.  Samples that
ended in an error are not imported; their ids are listed in ``run.json``.
Provenance — the log file, its eval and run ids, the task, the Inspect
version, the models of both roles — is recorded under ``source``.
"""

from __future__ import annotations

import datetime as _dt
import os
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .._version import __version__
from ..exceptions import DataError
from ..llm.metrics import instance_metrics, summarize
from ..llm.protocol import ProtocolConfig
from ..llm.runner import EvaluationConfig
from ..llm.store import (
    RESULTS,
    RUN,
    RUN_SCHEMA,
    SUMMARY,
    append_record,
    hold_run_dir,
    write_json_atomic,
)
from ._deps import require_inspect

__all__ = ["InspectImport", "import_inspect_log"]

#: The task's registry name in Inspect logs.
TASK_NAME = "bayespersuade/persuasion"
_RECORD_KEY = "bayespersuade:record"
_TASK_METADATA_KEY = "bayespersuade"
_SCORER = "persuasion_scorer"
# Keys of a runner record (the solver adds "models", kept in run.json instead).
_NOT_RECORD = ("models",)


@dataclass(frozen=True)
class InspectImport:
    """What :func:`import_inspect_log` wrote.

    Attributes
    ----------
    out_dir : Path
    n_imported : int
        Instance records written to ``results.jsonl``.
    errored : tuple of str
        Ids of the log's samples that ended in an error (not imported).
    scores_match : bool
        Whether every imported sample's recorded metrics equal the recomputed ones.
    summary : dict
        :func:`~bayespersuade.llm.metrics.summarize` of the imported records.
    report : Path or None
    """

    out_dir: Path
    n_imported: int
    errored: tuple[str, ...]
    scores_match: bool
    summary: dict = field(repr=False)
    report: Path | None = None


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _role_model(log: Any, role: str, records: list[dict]) -> str:
    roles = getattr(log.eval, "model_roles", None) or {}
    if role in roles and getattr(roles[role], "model", None):
        return str(roles[role].model)
    names = {r.get("models", {}).get(role, {}).get("name") for r in records}
    names.discard(None)
    if len(names) != 1:
        raise DataError(f"the log names no single {role!r} model (found {sorted(names)})")
    return names.pop()


def import_inspect_log(
    log_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    report: str | None = "md",
) -> InspectImport:
    """Write an evaluation directory from an Inspect log of the persuasion task.

    Parameters
    ----------
    log_path : path-like
        A log written by ``inspect eval bayespersuade/persuasion`` (``.eval``
        or ``.json``).
    out_dir : path-like
        A new (or empty) directory.
    report : {"md", "html"} or None, default "md"
        Write the report (:func:`bayespersuade.llm.report.write_report`).

    Returns
    -------
    InspectImport

    Raises
    ------
    DataError
        If the log cannot be read, is not a log of the persuasion task, has a
        sample without the task's record or several epochs of a sample, or
        ``out_dir`` already holds an evaluation.

    Examples
    --------
    >>> import tempfile
    >>> import_inspect_log("/nonexistent.eval", tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.DataError: file /nonexistent.eval: no such Inspect log
    """
    require_inspect()
    from inspect_ai.log import read_eval_log

    src = Path(log_path)
    if not src.is_file():
        raise DataError("no such Inspect log", path=str(src))
    try:
        log = read_eval_log(str(src))
    except Exception as e:  # Inspect raises several types for unreadable logs
        raise DataError(f"cannot read the Inspect log: {e}", path=str(src)) from None
    meta = (log.eval.metadata or {}).get(_TASK_METADATA_KEY)
    # "bayespersuade/persuasion" from the installed package, "persuasion" from a checkout
    if meta is None or str(log.eval.task).split("/")[-1] != "persuasion":
        raise DataError(f"not a log of the {TASK_NAME} task (task {log.eval.task!r})",
                        path=str(src))
    out = Path(out_dir)
    if (out / RUN).exists() or (out / RESULTS).exists():
        raise DataError(f"{out} already holds an evaluation; import into a new directory",
                        path=str(out / RUN))
    records: list[dict] = []
    logged: list[Any] = []
    errored: list[str] = []
    seen: dict[str, int] = {}
    for sample in log.samples or []:
        if sample.error is not None:
            errored.append(str(sample.id))
            continue
        if sample.epoch != 1:
            raise DataError(f"sample {sample.id!r} has epoch {sample.epoch}; the persuasion "
                            f"task has one sample per instance (use samples= for more "
                            f"dialogues, not epochs)", path=str(src))
        rec = sample.store.get(_RECORD_KEY)
        if not isinstance(rec, dict) or "key" not in rec:
            raise DataError(f"sample {sample.id!r} has no persuasion record in its store",
                            path=str(src))
        if rec["key"] in seen:
            raise DataError(f"instance {rec['key']!r} occurs twice in the log", path=str(src))
        seen[rec["key"]] = len(records)
        records.append(rec)
        score = (sample.scores or {}).get(_SCORER)
        logged.append(None if score is None else (score.metadata or {}).get("instance_metrics"))
    cfg = meta["config"]
    config = EvaluationConfig(
        cfg["dataset"], _role_model(log, "sender", records),
        _role_model(log, "receiver", records), ProtocolConfig(**cfg["protocol"]),
        family=cfg["family"], loss=cfg["loss"], belief_source=cfg["belief_source"],
        seed=cfg["seed"], split=cfg.get("split"), dataset_path=cfg.get("dataset_path"),
        evidence_per_instance=cfg.get("evidence_per_instance"))
    order = sorted(range(len(records)), key=lambda i: records[i]["index"])
    lines = []
    match = True
    for i in order:
        rec = {k: v for k, v in records[i].items() if k not in _NOT_RECORD}
        if rec.get("status") == "done":
            ev = rec.get("evidence_prior_support")
            rec["metrics"] = instance_metrics(
                rec["transcript"], family=config.family, loss=config.loss,
                belief_source=config.belief_source, model=config.receiver,
                evidence_prior=Fraction(ev) if ev is not None else None, name=rec["key"])
            if logged[i] != rec["metrics"]:
                match = False
        # the runner's key order: base fields, status, transcript, metrics, timing
        timing = {k: rec.pop(k) for k in ("elapsed_s", "finished") if k in rec}
        lines.append({**rec, **timing})
    if not match:
        warnings.warn(f"{src}: the metrics the log's scorer recorded differ from this "
                      f"library's ({__version__}) recomputation; the recomputed ones are "
                      f"written (recorded in run.json: source.scores_match)", stacklevel=2)
    models = {role: next((r["models"][role] for r in records if "models" in r),
                         {"backend": "inspect", "name": getattr(config, role)})
              for role in ("sender", "receiver")}
    inspect_version = (log.eval.packages or {}).get("inspect_ai")
    started = log.stats.started_at or None
    source = {"format": "inspect", "log": str(src.resolve()), "task": log.eval.task,
              "eval_id": log.eval.eval_id, "run_id": log.eval.run_id,
              "log_status": log.status, "inspect_version": inspect_version,
              "task_args": dict(log.eval.task_args or {}),
              "n_samples_in_log": len(log.samples or []), "errored_sample_ids": errored,
              "scores_match": match, "imported": _now(), "importer_version": __version__}
    run = {"schema": RUN_SCHEMA, "config": config.identity(),
           "prompt_version": meta["prompt_version"],
           "prompt_fingerprint": meta["prompt_fingerprint"],
           "library_version": meta["library_version"], "created": log.eval.created,
           **models, "source": source,
           "sessions": [{"started": started, "finished": log.stats.completed_at or None,
                         "library_version": meta["library_version"],
                         "limit": meta.get("limit"), "n_before": 0, "argv": None,
                         "python": None, "n_new": len(lines),
                         "imported_from": "inspect"}]}
    report_path = None
    with hold_run_dir(out):  # a concurrent evaluation or import here is refused
        if (out / RUN).exists() or (out / RESULTS).exists():
            raise DataError(f"{out} already holds an evaluation; import into a new "
                            "directory", path=str(out / RUN))
        write_json_atomic(out / RUN, run)
        for line in lines:
            append_record(out / RESULTS, line)
        summary = summarize(lines)
        write_json_atomic(out / SUMMARY, summary)
        if report is not None:
            from ..llm.report import write_report

            report_path = write_report(out, format=report)
    return InspectImport(out, len(lines), tuple(errored), match, summary, report_path)
