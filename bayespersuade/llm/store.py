"""The evaluation directory: the one module that owns its files.

An evaluation directory holds

* ``run.json`` — the run's identity (configuration, models, dataset) and one
  entry per session that wrote to it (schema :data:`RUN_SCHEMA`);
* ``results.jsonl`` — one JSON line per finished instance (schema
  :data:`INSTANCE_SCHEMA`), appended and ``fsync``-ed as each instance finishes, so
  an interrupted run loses nothing and resumes where it stopped;
* ``summary.json``, ``report.md`` / ``report.html`` and ``plots/`` — derived files,
  rewritten atomically (temporary file + rename) from the two above.

Every other module (the runner, the report, the importers) asks this one for file
names, schema versions, atomic writes and reading with repair; none of them
touches the directory's files on its own.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..exceptions import DataError
from ..io import write_atomic

__all__ = [
    "INSTANCE_SCHEMA",
    "RESULTS",
    "RUN",
    "RUN_SCHEMA",
    "SUMMARY",
    "append_record",
    "load_run",
    "read_results",
    "write_json_atomic",
]

#: Schema of ``run.json``.
RUN_SCHEMA = "bayespersuade.llm.run/1"
#: Schema of each line of ``results.jsonl``.
INSTANCE_SCHEMA = "bayespersuade.llm.instance/1"
#: File names inside an evaluation directory.
RESULTS = "results.jsonl"
RUN = "run.json"
SUMMARY = "summary.json"


def read_results(path: str | os.PathLike, *, repair: bool = False) -> list[dict]:
    """Read a ``results.jsonl`` file, checking every line.

    Parameters
    ----------
    path : path-like
    repair : bool, default False
        If the *last* line was cut short (no final newline, or invalid JSON),
        remove it from the file (with a warning) instead of raising.

    Returns
    -------
    list of dict

    Raises
    ------
    DataError
        If a line other than a cut-short last line is not a valid instance
        record, or two lines record the same instance.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> _ = p.write_text('{"schema": "bayespersuade.llm.instance/1", "key": "d/1"}\\n{"sch')
    >>> read_results(p)
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.DataError: file ...results.jsonl, row 2: the last line is cut ...
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     [r["key"] for r in read_results(p, repair=True)]
    ['d/1']
    >>> "cut-short" in str(w[0].message)
    True
    """
    p = Path(path)
    if not p.exists():
        return []
    data = p.read_bytes()
    lines = data.split(b"\n")
    # data ends with "\n" -> the final element is b"" (no partial line).
    partial = lines.pop()
    out: list[dict] = []
    seen: dict[str, int] = {}
    good_end = 0
    cut_reason = None
    for i, raw in enumerate(lines, start=1):
        try:
            rec = json.loads(raw)
            if not isinstance(rec, dict) or rec.get("schema") != INSTANCE_SCHEMA or (
                "key" not in rec
            ):
                raise ValueError("not an instance record")
        except ValueError as e:
            if i == len(lines) and not partial:
                cut_reason = f"invalid JSON ({e})"
                break
            raise DataError(f"line is not a valid instance record: {e}", path=str(p),
                            row=i) from None
        if rec["key"] in seen:
            raise DataError(f"instance {rec['key']!r} is recorded twice (rows "
                            f"{seen[rec['key']]} and {i})", path=str(p), row=i)
        seen[rec["key"]] = i
        out.append(rec)
        good_end += len(raw) + 1
    if partial:
        cut_reason = "no final newline"
    if cut_reason is not None:
        row = len(out) + 1
        if not repair:
            raise DataError(f"the last line is cut short ({cut_reason}); an interrupted run "
                            f"leaves this, and resuming removes it", path=str(p), row=row)
        warnings.warn(f"{p}: removing a cut-short last line (row {row}: {cut_reason}); "
                      f"that instance will be run again", stacklevel=2)
        with open(p, "r+b") as f:
            f.truncate(good_end)
            f.flush()
            os.fsync(f.fileno())
    return out


def append_record(path: Path, record: Mapping) -> None:
    line = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON, atomically (:func:`bayespersuade.io.write_atomic`).

    The text is built before anything is written, so data that is not JSON
    (a NaN, an object) leaves the old file in place.
    """
    text = json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(path, text)


def load_run(out_dir: str | os.PathLike) -> tuple[dict, list[dict]]:
    """Read an evaluation directory: its ``run.json`` and its instance records.

    Raises
    ------
    DataError
        If ``run.json`` is missing or unreadable, or ``results.jsonl`` is
        damaged (a cut-short last line is reported, not repaired, here).

    Examples
    --------
    >>> load_run("/nonexistent")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.DataError: file /nonexistent/run.json: no run.json in ...
    """
    d = Path(out_dir)
    p = d / RUN
    if not p.is_file():
        raise DataError(f"no {RUN} in {d}; not an evaluation directory", path=str(p))
    try:
        run = json.loads(p.read_text(encoding="utf-8"))
    except ValueError as e:
        raise DataError(f"cannot parse: {e}", path=str(p)) from None
    return run, read_results(d / RESULTS)
