"""The evaluation directory: the one module that owns its files.

An evaluation directory holds

* ``run.json`` — the run's identity (configuration, models, dataset) and one
  entry per session that wrote to it (schema :data:`RUN_SCHEMA`);
* ``results.jsonl`` — one JSON line per finished instance (schema
  :data:`INSTANCE_SCHEMA`), appended and ``fsync``-ed as each instance finishes, so
  an interrupted run loses nothing and resumes where it stopped;
* ``summary.json``, ``report.md`` / ``report.html`` and ``plots/`` — derived files,
  rewritten atomically (temporary file + rename) from the two above;
  ``summary.json`` has schema :data:`SUMMARY_SCHEMA` (every aggregate an estimate
  object with ``n`` and an interval) and is read back, of any schema this library
  has written, by :func:`read_summary`;
* ``.lock`` and ``.lock.json`` — the lock of the process writing to the directory
  (:func:`hold_run_dir`) and who holds it (PID, host, start time).

One process at a time writes to a directory: :func:`hold_run_dir` takes an
operating-system file lock (the ``filelock`` package; released by the system if the
holder dies) for as long as a run lasts.  A second process is refused at once with
:class:`RunDirectoryLocked`, naming the holder's PID and start time; a lock left by
a holder that died (its ``.lock.json`` names a process that no longer runs) is taken
over with a warning.

Every other module (the runner, the report, the importers) asks this one for file
names, schema versions, atomic writes and reading with repair; none of them
touches the directory's files on its own.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import socket
import threading
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..exceptions import DataError
from ..io import write_atomic

__all__ = [
    "INSTANCE_SCHEMA",
    "LOCK",
    "RESULTS",
    "RUN",
    "RUN_SCHEMA",
    "SUMMARY",
    "SUMMARY_SCHEMA",
    "RunDirectoryLocked",
    "append_record",
    "hold_run_dir",
    "load_run",
    "read_results",
    "read_summary",
    "upgrade_summary",
    "has_finished_instances",
    "json_digest",
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
#: Schema of ``summary.json``: every aggregate is an estimate object
#: ``{"estimate", "se", "ci_low", "ci_high", "n_instances", "n_dialogues", "method"}``
#: (:mod:`bayespersuade.instances.stats`); the bare numbers beside are counts, test
#: statistics and settings.  Version 1 (no ``schema`` key) also had flat means
#: (``mean_score_gain``, ``mean_ceiling``...) without ``n`` or interval.
SUMMARY_SCHEMA = "bayespersuade.llm.summary/2"
#: The schema name given to a ``summary.json`` without a ``schema`` key.
SUMMARY_SCHEMA_V1 = "bayespersuade.llm.summary/1"
LOCK = ".lock"
LOCK_INFO = ".lock.json"


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


_APPEND_LOCK = threading.Lock()


def has_finished_instances(path: str | os.PathLike) -> bool:
    """Whether a ``results.jsonl`` file holds at least one complete line.

    A cut-short last line (an instance interrupted while being written) does not
    count.  Cheaper than :func:`read_results`: nothing is parsed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> has_finished_instances(p)
    False
    >>> _ = p.write_text('{"cut')
    >>> has_finished_instances(p)
    False
    """
    p = Path(path)
    if not p.is_file():
        return False
    with open(p, "rb") as f:
        for line in f:
            if line.endswith(b"\n") and line.strip():
                return True
    return False


def append_record(path: Path, record: Mapping) -> None:
    """Append one instance record as a JSON line, flushed and ``fsync``-ed.

    The line is written with a single ``write`` call under a lock, so records
    from concurrent threads never interleave.
    """
    line = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    data = (line + "\n").encode("utf-8")
    with _APPEND_LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)


def json_digest(data: Any) -> str:
    """The SHA-256 of ``data``'s canonical JSON (sorted keys, as read back from a file).

    Equal JSON content gives equal digests whatever the key order or the file's
    indentation, so a digest recorded when a file was written tells whether the
    file still holds that content.

    Examples
    --------
    >>> json_digest({"a": 1, "b": [1.5]}) == json_digest({"b": [1.5], "a": 1})
    True
    >>> json_digest({"a": 1}) == json_digest({"a": 2})
    False
    """
    canonical = json.loads(json.dumps(data, allow_nan=False))  # tuples, int keys as JSON
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


class RunDirectoryLocked(DataError):
    """Another process holds the evaluation directory.

    Attributes
    ----------
    holder : dict
        What the holder recorded about itself (``pid``, ``host``, ``started``),
        as far as it could be read.
    """

    def __init__(self, message: str, *, path: str, holder: dict) -> None:
        super().__init__(message, path=path)
        self.holder = holder


def _pid_alive(pid: Any) -> bool:
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _read_holder(path: Path) -> dict:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return d if isinstance(d, dict) else {}
    except (OSError, ValueError):
        return {}


# Locks this process holds: resolved directory -> [FileLock, depth].
_HELD: dict[str, list] = {}
_HELD_GUARD = threading.Lock()


@contextlib.contextmanager
def hold_run_dir(out_dir: str | os.PathLike) -> Iterator[dict]:
    """Own an evaluation directory for the duration of a ``with`` block.

    Creates the directory if needed and takes its lock without waiting.  The
    lock is re-entrant within one process (the command line takes it before
    loading models, the runner again around the run).

    Yields
    ------
    dict
        This holder's record (``pid``, ``host``, ``started``), also written to
        ``.lock.json`` in the directory.

    Raises
    ------
    RunDirectoryLocked
        If another live process holds the directory; the message names its PID
        and start time.

    Warns
    -----
    UserWarning
        When taking over the lock of a holder that is no longer running.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with hold_run_dir(d) as me:
    ...     with hold_run_dir(d):           # re-entrant in one process
    ...         me["pid"] == os.getpid()
    True
    """
    try:
        from filelock import FileLock, Timeout
    except ImportError:  # pragma: no cover - filelock is a core dependency
        from ..exceptions import missing_dependency

        raise missing_dependency("filelock", "llm") from None
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    key = str(d.resolve())
    info_path = d / LOCK_INFO
    with _HELD_GUARD:
        held = _HELD.get(key)
        if held is not None:
            held[1] += 1
    if held is not None:
        try:
            yield _read_holder(info_path)
        finally:
            with _HELD_GUARD:
                held[1] -= 1
        return
    lock = FileLock(str(d / LOCK), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        holder = _read_holder(info_path)
        who = (f"process {holder.get('pid', '?')} on {holder.get('host', '?')}, started "
               f"{holder.get('started', '?')}") if holder else "another process"
        raise RunDirectoryLocked(
            f"the evaluation directory {d} is in use by {who}; wait for it to finish, "
            f"or use another --out", path=str(d / LOCK), holder=holder) from None
    try:
        old = _read_holder(info_path)
        if old and old.get("pid") != os.getpid():
            state = ("no longer running" if not _pid_alive(old.get("pid"))
                     else "its lock was released")
            warnings.warn(
                f"{d}: taking over the lock left by process {old.get('pid', '?')} (started "
                f"{old.get('started', '?')}, {state}); its finished instances are kept",
                stacklevel=3)
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
        write_json_atomic(info_path, me)
        with _HELD_GUARD:
            _HELD[key] = [lock, 1]
        try:
            yield me
        finally:
            with _HELD_GUARD:
                _HELD.pop(key, None)
            with contextlib.suppress(OSError):
                info_path.unlink()
    finally:
        lock.release()


# ------------------------------------------------------------------ summary.json

#: Schema-1 flat means of a summary block and the estimate of schema 2 they became.
_LEGACY_MEANS = {
    "mean_score_gain": ("statistics", "score_gain"),
    "pct_of_scale": ("statistics", "pct_of_scale"),
    "pct_of_range": ("statistics", "pct_of_range"),
    "mean_ceiling": ("statistics", "ceiling"),
    "mean_model_gain": ("statistics", "model_gain"),
    "ratio_of_means": ("statistics", "achieved_over_ceiling"),
    "mean_l1_gap": ("bayes_consistency", "l1_gap"),
    "mean_bayes_plausibility_gap": ("bayes_consistency", "l1_gap"),
}
#: Schema-1 keys dropped without a successor, and why.
_LEGACY_DROPPED = {
    "mean_achieved_over_ceiling": "the mean of per-instance ratios achieved/ceiling is "
                                  "undefined at a zero ceiling and explodes just above a "
                                  "breakpoint; statistics.achieved_over_ceiling is the ratio "
                                  "of means",
    "n_ratio_defined": "the count of the mean of per-instance ratios (dropped)",
}
_V1_METHOD = ("read from a schema-1 summary.json, which recorded no standard error or "
              "interval; rebuild the summary from results.jsonl (`bayespersuade report DIR`) "
              "for them")


def _upgrade_block(block: dict, notes: set[str]) -> None:
    """Move the flat means of one schema-1 summary block into estimate objects."""
    n_inst = block.get("n_done", block.get("n_instances"))
    n_dial = block.get("n_dialogues")
    for key, (part, name) in _LEGACY_MEANS.items():
        if key not in block:
            continue
        value = block.pop(key)
        target = block.setdefault(part, {})
        if name in target:  # a late schema-1 summary: the estimate is there already
            continue
        target[name] = {"estimate": value, "se": None, "ci_low": None, "ci_high": None,
                        "n_instances": n_inst, "n_dialogues": n_dial, "method": _V1_METHOD}
        notes.add(f"{key}: became {part}.{name} (no interval recorded)")
    for key, why in _LEGACY_DROPPED.items():
        if key in block:
            block.pop(key)
            notes.add(f"{key}: dropped ({why})")


def upgrade_summary(summary: Mapping) -> dict:
    """A summary of any schema this library has written, in :data:`SUMMARY_SCHEMA`.

    Schema 2 is returned as is (a copy).  Schema 1 (no ``schema`` key) had flat
    means beside its estimate objects, or (before intervals were added) only flat
    means: each flat mean is dropped where its estimate object exists, and
    otherwise becomes an estimate object without standard error or interval whose
    ``method`` says so (rebuild the summary from ``results.jsonl`` for them); the
    mean of per-instance ratios is dropped (the ratio of means replaces it).  What
    was moved or dropped is listed in ``upgrade_notes``, the old schema in
    ``upgraded_from``.

    Raises
    ------
    DataError
        For a summary of a schema this library does not know.

    Examples
    --------
    >>> old = {"datasets": {"d": {"n_done": 2, "n_dialogues": 4, "mean_score_gain": 1.5}}}
    >>> new = upgrade_summary(old)
    >>> new["schema"], new["upgraded_from"]
    ('bayespersuade.llm.summary/2', 'bayespersuade.llm.summary/1')
    >>> e = new["datasets"]["d"]["statistics"]["score_gain"]
    >>> e["estimate"], e["n_instances"], e["ci_low"]
    (1.5, 2, None)
    """
    import copy

    if not isinstance(summary, Mapping):
        raise DataError(f"a summary is a JSON object, got {type(summary).__name__}")
    schema = summary.get("schema", SUMMARY_SCHEMA_V1)
    out = copy.deepcopy(dict(summary))
    if schema == SUMMARY_SCHEMA:
        return out
    if schema != SUMMARY_SCHEMA_V1:
        raise DataError(f"unknown summary schema {schema!r} (this library reads "
                        f"{SUMMARY_SCHEMA_V1} and {SUMMARY_SCHEMA})", field="schema")
    notes: set[str] = set()
    blocks: list[dict] = []
    for part in ("datasets",):
        blocks += [b for b in (out.get(part) or {}).values() if isinstance(b, dict)]
    for part in ("pooled", "average"):
        if isinstance(out.get(part), dict):
            blocks.append(out[part])
    for bins in (out.get("by_confidence") or {}).values():
        blocks += [b for b in bins.values() if isinstance(b, dict)]
    ctrl = out.get("controls") or {}
    blocks += [b for b in (ctrl.get("datasets") or {}).values() if isinstance(b, dict)]
    if isinstance(ctrl.get("pooled"), dict):
        blocks.append(ctrl["pooled"])
    for b in blocks:
        _upgrade_block(b, notes)
    for views in (out.get("prior_views") or {}).values():
        for view in ("dataset", "receiver", "heterogeneous"):
            exact = views.pop(f"{view}_exact_mean", None)
            if isinstance(views.get(view), dict):
                views[view]["estimate_exact"] = exact
    out["schema"] = SUMMARY_SCHEMA
    out["upgraded_from"] = SUMMARY_SCHEMA_V1
    out["upgrade_notes"] = sorted(notes)
    return out


def read_summary(path: str | os.PathLike) -> dict:
    """Read an evaluation's ``summary.json`` (a directory or the file), of any schema.

    The result is in :data:`SUMMARY_SCHEMA` (:func:`upgrade_summary`).  The file
    itself is never rewritten: it is derived, and ``bayespersuade report DIR``
    rebuilds it in the current schema from ``results.jsonl``.

    Raises
    ------
    DataError
        If the file is missing, not JSON, or of an unknown schema (the message
        names the file).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "summary.json").write_text(json.dumps({"datasets": {}}))
    >>> read_summary(d)["schema"]
    'bayespersuade.llm.summary/2'
    """
    p = Path(path)
    if p.is_dir():
        p = p / SUMMARY
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("no summary.json (rebuild it with `bayespersuade report DIR`)",
                        path=str(p)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"summary.json is not valid JSON ({e})", path=str(p)) from None
    try:
        return upgrade_summary(data)
    except DataError as e:
        raise DataError(e.reason, path=str(p), field=e.field) from None
