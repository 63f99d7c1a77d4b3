"""Evaluations that lose nothing: per-instance JSON lines, resumable.

An evaluation directory holds

``run.json``
    The run's settings (dataset, models, protocol, family, seed...), the
    prompts' version and fingerprint, the library version, what each backend
    reported about itself, and one entry per session (each invocation).
``results.jsonl``
    One line per finished instance, appended (and flushed to disk) as soon as
    the instance finishes: its transcript, the parsed answers, the beliefs and
    every metric (:func:`~bayespersuade.llm.metrics.instance_metrics`).
``summary.json``, ``report.md`` (or ``report.html``), ``plots/``
    Written at the end; rebuilt from the two files above by
    :func:`~bayespersuade.llm.report.write_report`.

Re-running the same evaluation in the same directory **resumes**: finished
instances are read back and skipped, so none is duplicated or lost.  A last
line cut short by a crash is detected (it does not end in a newline, or is
not valid JSON), reported, and removed before appending; any other damaged
line is an error.  Changing a setting that affects results (models, protocol,
seed, prompts...) in an existing directory is an error; raising ``limit``
extends the run.

Instance seeds are derived from the run seed and the instance's dataset and
id (:func:`~bayespersuade.llm.protocol.derive_seed`), so an instance's result
does not depend on which instances ran before it, or in which session.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import json
import os
import queue
import sys
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..exceptions import DataError, InvalidGameError, InvalidParameterError
from . import prompts
from .backends.base import Backend
from .cache import CachedBackend, ResponseCache
from .protocol import ProtocolConfig, derive_seed, run_instance, select_evidence
from .store import (
    INSTANCE_SCHEMA,
    RESULTS,
    RUN,
    RUN_SCHEMA,
    SUMMARY,
    append_record,
    has_finished_instances,
    hold_run_dir,
    json_digest,
    read_results,
    write_json_atomic,
)

# The metrics, the sender strategies and the instance families (and through them the
# solvers and SciPy) are imported where an instance is run or a summary computed, so
# that a finished run re-runs without them (:func:`finished_run`).

#: The instance families (:data:`bayespersuade.llm.metrics.FAMILIES`; the same tuple,
#: checked by ``tests/test_lazy_imports.py``).
FAMILIES = ("binary-truth", "normative-position", "evidence-stance")
SENDER_STRATEGIES = prompts.SENDER_STRATEGIES

__all__ = [
    "EvaluationConfig",
    "EvaluationResult",
    "finished_run",
    "run_evaluation",
]


# Backend facts that may change between sessions without changing results.
_VOLATILE = {"cache", "device", "path", "gguf_path"}


@dataclass(frozen=True)
class EvaluationConfig:
    """Everything that determines an evaluation's results.

    Parameters
    ----------
    dataset : str
        The dataset's name (recorded with each instance).
    sender, receiver : str
        Model specs (see :mod:`bayespersuade.llm.backends.registry`), or any
        names for backends built in code.
    protocol : ProtocolConfig
    family : {"binary-truth", "normative-position", "evidence-stance"}
    loss : {"quadratic", "absolute"}
    belief_source : {"logprobs", "score"}
        ``"logprobs"`` needs ``protocol.beliefs``.
    seed : int
    split, dataset_path : str, optional
        Where the records came from (recorded only).
    evidence_per_instance : int, optional
        Evidence-stance only: at most this many pieces of evidence per claim
        (alternating stances); default all of them.
    sender_strategy : {"free", "optimal", "full", "babbling"}, default "free"
        What the sender is told to do with its evidence
        (:mod:`~bayespersuade.llm.strategies`); every strategy but ``"free"``
        needs the evidence-stance family.  Every instance record then carries
        ``strategy``, the empirical scheme against the optimal one
        (:func:`~bayespersuade.llm.strategies.strategy_metrics`), and the
        summary ``sender_strategy`` (per dataset, with intervals).  Left out
        of :meth:`identity` when ``"free"``, so runs from before this setting
        resume.

    Examples
    --------
    >>> cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
    ...                        ProtocolConfig("static"), seed=1)
    >>> cfg.identity()["protocol"]["rounds"]
    1
    """

    dataset: str
    sender: str
    receiver: str
    protocol: ProtocolConfig
    family: str = "binary-truth"
    loss: str = "quadratic"
    belief_source: str = "logprobs"
    seed: int = 0
    split: str | None = None
    dataset_path: str | None = None
    evidence_per_instance: int | None = None
    sender_strategy: str = "free"

    def __post_init__(self) -> None:
        from .backends.registry import check_spec

        for spec in (self.sender, self.receiver):
            check_spec(spec)  # recorded in run.json: never with a credential
        if self.family not in FAMILIES:
            raise InvalidParameterError(f"family must be one of {', '.join(FAMILIES)}, "
                                   f"got {self.family!r}")
        if self.loss not in ("quadratic", "absolute"):
            raise InvalidParameterError(
                f"loss must be 'quadratic' or 'absolute', got {self.loss!r}")
        if self.belief_source not in ("logprobs", "score"):
            raise InvalidParameterError(f"belief_source must be 'logprobs' or 'score', got "
                                   f"{self.belief_source!r}")
        if self.belief_source == "logprobs" and not self.protocol.beliefs:
            raise InvalidParameterError("belief_source='logprobs' needs beliefs elicited "
                                   "(ProtocolConfig(beliefs=True))")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InvalidParameterError(f"seed must be an integer, got {self.seed!r}")
        e = self.evidence_per_instance
        if e is not None and (isinstance(e, bool) or not isinstance(e, int) or e < 1):
            raise InvalidParameterError(
                f"evidence_per_instance must be a positive integer, got {e!r}")
        if self.sender_strategy not in SENDER_STRATEGIES:
            raise InvalidParameterError(
                f"sender_strategy must be one of {', '.join(SENDER_STRATEGIES)}, got "
                f"{self.sender_strategy!r}")
        if self.sender_strategy != "free" and self.family != "evidence-stance":
            raise InvalidParameterError(
                f"sender_strategy={self.sender_strategy!r} needs a sender with private "
                f"information: the evidence-stance family (got family={self.family!r})")

    def identity(self) -> dict:
        """The settings a resumed run must share (a JSON-serialisable dict)."""
        d = asdict(self)
        d["protocol"] = self.protocol.to_json()
        if self.sender_strategy == "free":
            del d["sender_strategy"]
        return d


@dataclass
class EvaluationResult:
    """What :func:`run_evaluation` did.

    Attributes
    ----------
    out_dir : Path
    n_total : int
        Instances in scope (after ``limit``).
    n_resumed : int
        Finished instances found on disk.
    n_new : int
        Instances finished in this call.
    summary : dict
        :func:`~bayespersuade.llm.metrics.summarize` of every finished instance.
    report : Path or None
    """

    out_dir: Path
    n_total: int
    n_resumed: int
    n_new: int
    summary: dict
    report: Path | None = None
    records: list[dict] = field(default_factory=list, repr=False)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _stable(desc: Mapping) -> dict:
    return {k: v for k, v in desc.items() if k not in _VOLATILE}


def check_resume(out_dir: str | os.PathLike, config: EvaluationConfig) -> dict | None:
    """Check that ``out_dir`` is empty or holds a run with the same settings.

    Returns the existing ``run.json`` content, or ``None`` for a new run.  A
    directory whose run never finished an instance does not fix its settings:
    with other settings it counts as new (``None``).

    Raises
    ------
    DataError
        If the directory holds finished instances of a run with other settings
        or other prompts.

    Examples
    --------
    >>> import tempfile
    >>> cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
    ...                        ProtocolConfig("static"))
    >>> check_resume(tempfile.mkdtemp(), cfg) is None     # a new run
    True
    """
    p = Path(out_dir) / RUN
    if not p.exists():
        if (Path(out_dir) / RESULTS).exists():
            raise DataError(f"{RESULTS} exists without {RUN}; not an evaluation directory "
                            f"written by this library", path=str(Path(out_dir) / RESULTS))
        return None
    try:
        run = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DataError(f"cannot read the run settings: {e}", path=str(p)) from None
    if run.get("schema") != RUN_SCHEMA:
        raise DataError(f"not a run file of this library (schema {run.get('schema')!r})",
                        path=str(p))
    old, new = run.get("config") or {}, config.identity()
    diffs = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    stale_prompts = any(run.get(key) != now for key, now in (
        ("prompt_version", prompts.PROMPT_VERSION),
        ("prompt_fingerprint", prompts.prompt_fingerprint())))
    if (diffs or stale_prompts) and not has_finished_instances(Path(out_dir) / RESULTS):
        return None
    if diffs:
        detail = "; ".join(f"{k}: {old.get(k)!r} then, {new.get(k)!r} now" for k in diffs)
        raise DataError(f"{out_dir} holds a run with different settings ({detail}); use "
                        f"another output directory", path=str(p))
    for key, now in (("prompt_version", prompts.PROMPT_VERSION),
                     ("prompt_fingerprint", prompts.prompt_fingerprint())):
        if run.get(key) != now:
            raise DataError(f"{out_dir} was run with prompts {key}={run.get(key)!r}, this "
                            f"library has {now!r}; use another output directory", path=str(p))
    return run


def _record_base(rec: Any, index: int, seed: int) -> dict:
    from .metrics import instance_flags

    return {"schema": INSTANCE_SCHEMA, "key": f"{rec.dataset}/{rec.id}", "index": index,
            "dataset": rec.dataset, "id": rec.id, "claim": rec.claim, "seed": seed,
            "library_version": __version__, "prompt_version": prompts.PROMPT_VERSION,
            **instance_flags(rec)}


BackendLike = Backend | Callable[[], Backend]


def run_evaluation(
    records: Sequence[Any],
    sender: BackendLike,
    receiver: BackendLike,
    out_dir: str | os.PathLike,
    config: EvaluationConfig,
    *,
    limit: int | None = None,
    progress: bool = True,
    report: str | None = "md",
    argv: Sequence[str] | None = None,
    concurrency: int = 1,
    cache: ResponseCache | None = None,
) -> EvaluationResult:
    """Run (or resume) an evaluation, appending one JSON line per instance.

    Parameters
    ----------
    records : sequence of ClaimRecord
        The instances, in order (``dataset``, ``id`` and ``claim`` are used;
        ``evidence`` for the evidence-stance family).  ``dataset/id`` must
        be unique.
    sender, receiver : Backend or callable
        The backends, or functions without arguments that load them: these are
        called only if some instance is left to run (a finished run loads no
        model).
    out_dir : path-like
        The evaluation directory (created if needed).  It is locked for the
        duration of the call (:func:`~bayespersuade.llm.store.hold_run_dir`).
    config : EvaluationConfig
    limit : int, optional
        Only the first ``limit`` records.
    progress : bool, default True
        Show a progress bar (on stderr): instances, requests per second, cache
        hits and failed instances.
    report : {"md", "html"} or None, default "md"
        Write the report at the end.
    argv : sequence of str, optional
        The command line, recorded in the session entry.
    concurrency : int, default 1
        Instances run at once, each in its own thread (each instance's
        dialogues and rounds in their natural order).  Results do not depend on
        it: seeds derive from instance keys.  Used only when both backends are
        ``concurrent_safe`` (HTTP endpoints, scripted agents, local
        ``transformers`` models); otherwise instances run one at a time, with a
        warning.  A local model computes one request at a time unless it was
        built with ``batching="all"`` (or ``"generate"``/``"score"``), which
        merges concurrent instances' requests and makes results equal only up
        to floating-point rounding (see
        :class:`~bayespersuade.llm.backends.hf.TransformersBackend`).  Records are appended in
        the order instances finish (each carries its ``index``).
    cache : ResponseCache, optional
        Serve deterministic requests from this cache and store new responses
        there (:mod:`bayespersuade.llm.cache`).

    Returns
    -------
    EvaluationResult

    Raises
    ------
    DataError
        For duplicate instance keys, a damaged results file, a directory
        holding a run with other settings, or one locked by another process.
    BackendError
        If a backend fails (the instances finished before are kept, and so are
        those running at the time that finish; re-run to resume).

    Notes
    -----
    Each record's ``elapsed_s``, ``finished`` and ``requests`` (requests made,
    and how many of them the cache answered) describe how it was obtained, not
    the result; everything else is the same whatever ``concurrency`` is.

    Examples
    --------
    >>> import tempfile
    >>> from bayespersuade.datasets.records import ClaimRecord
    >>> from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
    >>> recs = [ClaimRecord("demo", str(i), f"Claim {i}.") for i in range(3)]
    >>> cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
    ...                        ProtocolConfig("static"), seed=0)
    >>> out = tempfile.mkdtemp()
    >>> res = run_evaluation(recs, scripted_sender([1]), scripted_receiver(), out, cfg,
    ...                      limit=2, progress=False, report=None)
    >>> res.n_new, res.summary["datasets"]["demo"]["statistics"]["score_gain"]["estimate"]
    (2, 1.0)
    >>> run_evaluation(recs, scripted_sender([1]), scripted_receiver(), out, cfg,
    ...                progress=False, report=None, concurrency=2).n_new   # resumes
    1
    """
    from ..datasets.records import ClaimRecord

    out = Path(out_dir)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 0):
        raise InvalidParameterError(f"limit must be a non-negative integer, got {limit!r}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidParameterError(
            f"concurrency must be a positive integer, got {concurrency!r}")
    keys: dict[str, int] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, ClaimRecord):
            raise DataError(f"record {i} is a {type(rec).__name__}, not a ClaimRecord")
        k = f"{rec.dataset}/{rec.id}"
        if k in keys:
            raise DataError(f"instance {k!r} occurs twice (records {keys[k]} and {i})")
        keys[k] = i
    scope = list(records)[:limit] if limit is not None else list(records)
    with hold_run_dir(out):
        return _run_locked(scope, sender, receiver, out, config, limit=limit,
                           progress=progress, report=report, argv=argv,
                           concurrency=concurrency, cache=cache)


def _scope_digest(keys) -> str:
    import hashlib

    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def finished_run(out_dir: str | os.PathLike, config: EvaluationConfig, *,
                 limit: int | None = None, report: str | None = "md",
                 argv: Sequence[str] | None = None) -> EvaluationResult | None:
    """The result of a run whose whole scope is finished, from its files alone; else ``None``.

    Lets a re-run of a finished evaluation return without loading the dataset or
    any model.  It answers only when it can be sure: the dataset is an embedded
    one (``config.dataset_path`` is ``None``), the directory holds the same
    settings, a session of this library version with the same ``limit`` finished
    its whole scope, the results on disk still hold exactly that scope (checked by
    a digest of the instance keys), and the report asked for exists.  In every
    other case it returns ``None`` and :func:`run_evaluation` decides.  When it
    answers, it records a session (``"backends_loaded": false``) in ``run.json``;
    the caller must hold the directory (:func:`~bayespersuade.llm.store.hold_run_dir`).

    Examples
    --------
    >>> import tempfile
    >>> cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
    ...                        ProtocolConfig("static"))
    >>> finished_run(tempfile.mkdtemp(), cfg) is None
    True
    """
    out = Path(out_dir)
    if config.dataset_path is not None:
        return None
    try:
        run = check_resume(out, config)
    except DataError:
        return None
    if run is None:
        return None
    sessions = [s for s in run.get("sessions", [])
                if isinstance(s, dict) and s.get("complete") and s.get("limit") == limit
                and s.get("library_version") == __version__ and s.get("scope_sha256")
                and isinstance(s.get("n_total"), int)]
    if not sessions:
        return None
    last = sessions[-1]
    n_total = last["n_total"]
    if report is not None and not (out / f"report.{report}").exists():
        return None
    try:
        recs = read_results(out / RESULTS)
    except DataError:
        return None
    in_scope = sorted((r for r in recs if isinstance(r.get("index"), int)
                       and 0 <= r["index"] < n_total), key=lambda r: r["index"])
    if len(in_scope) != n_total or [r["index"] for r in in_scope] != list(range(n_total)) or (
            _scope_digest(r["key"] for r in in_scope) != last["scope_sha256"]):
        return None
    summary = _stored_summary(out, run["sessions"][-1], last)
    if summary is None:
        summary = _summarize(in_scope, config)
    now = _now()
    run["sessions"].append({
        "started": now, "finished": now, "library_version": __version__, "limit": limit,
        "n_before": len(recs), "argv": list(argv) if argv is not None else None,
        "python": sys.version.split()[0], "n_total": n_total,
        "scope_sha256": last["scope_sha256"], "n_new": 0, "complete": True,
        "backends_loaded": False, "dataset_loaded": False,
        "summary_sha256": json_digest(summary)})
    write_json_atomic(out / RUN, run)
    return EvaluationResult(out, n_total, n_total, 0, summary,
                            out / f"report.{report}" if report is not None else None,
                            sorted(recs, key=lambda r: r.get("index", 0)))


def _summarize(records: list[dict], config: EvaluationConfig) -> dict:
    """The summary of ``records`` (with the sender strategies' for evidence-stance)."""
    from .metrics import summarize

    summary = summarize(records)
    if config.family == "evidence-stance":
        from .strategies import summarize_strategies

        summary["sender_strategy"] = summarize_strategies(records, seed=config.seed)
    return summary


def _stored_summary(out: Path, latest: Mapping, session: Mapping) -> dict | None:
    """``summary.json`` if it is the summary ``session`` computed, else ``None``.

    It is, when ``session`` is the directory's latest session and the file's content
    has the digest that session recorded (``summary_sha256``, over the canonical
    JSON): then re-running a finished run needs neither the metrics nor SciPy.  A
    report rebuilt with other options, an edited file, or a later session with
    another scope all change the answer to ``None`` (the summary is recomputed).
    """
    digest = session.get("summary_sha256")
    if latest is not session or not isinstance(digest, str):
        return None
    stored = _read_json(out / SUMMARY)
    if not isinstance(stored, dict):
        return None
    try:
        return stored if json_digest(stored) == digest else None
    except (TypeError, ValueError):
        return None


def _read_json(p: Path) -> Any:
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _resolve(b: BackendLike) -> Backend:
    if isinstance(b, Backend):
        return b
    got = b()
    if not isinstance(got, Backend):
        raise InvalidParameterError(f"a backend factory returned a {type(got).__name__}, "
                                    f"not a Backend")
    return got


def _run_locked(scope, sender, receiver, out: Path, config: EvaluationConfig, *, limit,
                progress, report, argv, concurrency, cache) -> EvaluationResult:
    existing_run = check_resume(out, config)
    previous = None
    if existing_run is None and (out / RUN).exists():
        # Settings changed, but no instance ever finished: start afresh, keep history.
        with contextlib.suppress(OSError, ValueError):
            previous = json.loads((out / RUN).read_text(encoding="utf-8"))
    done = read_results(out / RESULTS, repair=True)
    done_keys = {r["key"] for r in done}
    todo = [(i, rec) for i, rec in enumerate(scope) if f"{rec.dataset}/{rec.id}" not in done_keys]
    n_resumed = len(scope) - len(todo)
    t_session = time.perf_counter()
    session = {"started": _now(), "library_version": __version__, "limit": limit,
               "n_before": len(done), "argv": list(argv) if argv is not None else None,
               "python": sys.version.split()[0], "concurrency": concurrency,
               "n_total": len(scope), "scope_sha256": _scope_digest(
                   f"{r.dataset}/{r.id}" for r in scope)}
    if cache is not None:
        session["cache"] = cache.describe()
    if todo or existing_run is None:
        sender, receiver = _resolve(sender), _resolve(receiver)
        if config.belief_source == "logprobs" and not receiver.supports_logprobs:
            raise InvalidParameterError(
                f"receiver {receiver.name!r} has no log-probabilities; use belief_source="
                f"'score' and beliefs=False (CLI: --no-beliefs)")
        desc = {"sender": sender.describe(), "receiver": receiver.describe()}
    else:
        desc = None
        session["backends_loaded"] = False
    if existing_run is None:
        run = {"schema": RUN_SCHEMA, "config": config.identity(),
               "prompt_version": prompts.PROMPT_VERSION,
               "prompt_fingerprint": prompts.prompt_fingerprint(),
               "library_version": __version__, "created": session["started"],
               **desc, "sessions": []}
        if isinstance(previous, dict) and isinstance(previous.get("sessions"), list):
            run["abandoned_sessions"] = [
                *previous.get("abandoned_sessions", []),
                *({**s, "config": previous.get("config")} for s in previous["sessions"])]
    else:
        run = existing_run
        changes = {}
        for role in ("sender", "receiver"):
            if desc is not None and _stable(run[role]) != _stable(desc[role]):
                changes[role] = desc[role]
        if changes:
            warnings.warn(f"{out}: the {' and '.join(changes)} backend reports different "
                          f"details than when the run started; recorded in run.json",
                          stacklevel=3)
            session["backend_changes"] = changes
        if run.get("library_version") != __version__:
            session["library_version_changed_from"] = run.get("library_version")
    run["sessions"].append(session)
    write_json_atomic(out / RUN, run)

    new: list[dict] = []
    if todo:
        s_b, r_b = CachedBackend(sender, cache), CachedBackend(receiver, cache)
        workers = concurrency
        if concurrency > 1 and not (s_b.concurrent_safe and r_b.concurrent_safe):
            slow = [b.name for b in (sender, receiver) if not getattr(b, "concurrent_safe",
                                                                       False)]
            warnings.warn(f"concurrency={concurrency} ignored: backend "
                          f"{' and '.join(sorted(set(slow)))} runs one instance at a time",
                          stacklevel=3)
            workers = 1
        session["effective_concurrency"] = workers
        bar = _progress(len(scope), n_resumed, progress)
        try:
            _execute(todo, s_b, r_b, config, out, new, bar, workers)
        finally:
            bar.close()
            session["finished"] = _now()
            session["elapsed_s"] = round(time.perf_counter() - t_session, 3)
            session["n_new"] = len(new)
            session["complete"] = n_resumed + len(new) == len(scope)
            session["requests"] = {"sender": s_b.total.to_json(),
                                   "receiver": r_b.total.to_json()}
            write_json_atomic(out / RUN, run)
    else:
        session["finished"] = _now()
        session["elapsed_s"] = round(time.perf_counter() - t_session, 3)
        session["n_new"] = 0
        session["complete"] = True
        write_json_atomic(out / RUN, run)
    in_scope = {f"{r.dataset}/{r.id}" for r in scope}
    all_recs = read_results(out / RESULTS) if new else done
    summary = _summarize([r for r in all_recs if r["key"] in in_scope], config)
    report_path = None
    if report is not None:
        # A rerun that changed nothing keeps the report on disk (rebuilding it draws
        # the plots); anything new, or another scope, rebuilds it.
        fmt_file = out / f"report.{report}"
        unchanged = (not new and fmt_file.exists() and (out / SUMMARY).exists()
                     and _read_json(out / SUMMARY) == json.loads(json.dumps(summary)))
        write_json_atomic(out / SUMMARY, summary)
        if unchanged:
            report_path = fmt_file
        else:
            from .report import write_report

            report_path = write_report(out, format=report)
    else:
        write_json_atomic(out / SUMMARY, summary)
    # What this session's summary is: a re-run of the finished run reads summary.json
    # back instead of recomputing it, if the file still holds exactly this.
    session["summary_sha256"] = json_digest(summary)
    write_json_atomic(out / RUN, run)
    return EvaluationResult(out, len(scope), n_resumed, len(new), summary, report_path,
                            sorted(all_recs, key=lambda r: r.get("index", 0)))


def _one(rec: Any, i: int, sender: CachedBackend, receiver: CachedBackend,
         config: EvaluationConfig) -> dict:
    t0 = time.perf_counter()
    seed = derive_seed(config.seed, rec.dataset, rec.id)
    with sender.counting() as cs, receiver.counting() as cr:
        result = _run_one(rec, i, seed, sender, receiver, config)
    result["elapsed_s"] = round(time.perf_counter() - t0, 3)
    result["finished"] = _now()
    result["requests"] = {"sender": cs.to_json(), "receiver": cr.to_json()}
    return result


class _LongLived:
    """Keeps the objects alive at a run's start out of the garbage collector's passes.

    When the run starts (the dataset read, the modules loaded) and again when its
    first instance has finished (the SDK's types, the HTTP clients, the solvers
    loaded: about 150,000 objects in all), :func:`gc.freeze` sets the objects then
    alive aside until the run ends (:meth:`release`: :func:`gc.unfreeze`); the
    collector's full passes would otherwise traverse them again and again for
    nothing (about 0.08 ms of CPU time per request at 3000 requests,
    ``benchmarks/bench_throughput.py``).  Reference counting still frees them as
    usual; only reference cycles among them wait for the end of the run.  Nothing
    is done when the collector is disabled or something else in the process has
    frozen objects.
    """

    def __init__(self) -> None:
        self.frozen = gc.isenabled() and gc.get_freeze_count() == 0
        self.again = self.frozen
        if self.frozen:
            gc.freeze()

    def freeze_again(self) -> None:
        """Once: after the first instance (what it loaded stays loaded)."""
        if self.again:
            self.again = False
            gc.freeze()

    def release(self) -> None:
        if self.frozen:
            self.frozen = self.again = False
            gc.unfreeze()


def _execute(todo, sender: CachedBackend, receiver: CachedBackend, config, out: Path,
             new: list[dict], bar, workers: int) -> None:
    """Run the instances of ``todo``, appending each record as it finishes."""
    long_lived = _LongLived()
    try:
        _execute_all(todo, sender, receiver, config, out, new, bar, workers, long_lived)
    finally:
        long_lived.release()


def _execute_all(todo, sender: CachedBackend, receiver: CachedBackend, config, out: Path,
                 new: list[dict], bar, workers: int, long_lived: _LongLived) -> None:
    t_start = time.perf_counter()
    failed = [0]  # failed instances; "errors" adds the HTTP errors that were retried
    inners = list({id(b.inner): b.inner for b in (sender, receiver)}.values())

    def finished(result: dict) -> None:
        append_record(out / RESULTS, result)
        new.append(result)
        long_lived.freeze_again()
        elapsed = max(time.perf_counter() - t_start, 1e-9)
        n_req = sender.total.requests + receiver.total.requests
        hits = sender.total.cache_hits + receiver.total.cache_hits
        http_errors = sum(getattr(b, "http_errors", 0) for b in inners)
        bar.update(1, {"req/s": f"{(n_req - hits) / elapsed:.1f}", "cache hits": hits,
                       "errors": failed[0] + http_errors})

    if workers == 1:
        for i, rec in todo:
            finished(_one(rec, i, sender, receiver, config))
        return
    jobs = iter(todo)
    jobs_guard = threading.Lock()
    stop = threading.Event()
    results: queue.Queue = queue.Queue()

    def work() -> None:
        while not stop.is_set():
            with jobs_guard:
                job = next(jobs, None)
            if job is None:
                break
            try:
                results.put(("ok", _one(job[1], job[0], sender, receiver, config)))
            except BaseException as e:  # handed to the main thread
                results.put(("error", e))
        results.put(("exit", None))

    threads = [threading.Thread(target=work, name=f"bayespersuade-instance-{k}", daemon=True)
               for k in range(min(workers, len(todo)))]
    for t in threads:
        t.start()
    alive = len(threads)
    first_error: BaseException | None = None
    try:
        while alive:
            try:
                kind, item = results.get(timeout=0.1)
            except queue.Empty:
                continue
            if kind == "exit":
                alive -= 1
            elif kind == "ok":
                finished(item)
            else:
                failed[0] += 1
                if first_error is None:
                    first_error = item
                    stop.set()  # start nothing new; let the running instances finish
    except BaseException:
        # Interrupted: abandon the requests in flight, keep what has finished.
        stop.set()
        for b in (sender, receiver):
            with contextlib.suppress(Exception):
                b.cancel()
        deadline = time.perf_counter() + 0.5
        while alive and time.perf_counter() < deadline:
            try:
                kind, item = results.get(timeout=0.02)
            except queue.Empty:
                continue
            if kind == "ok":
                finished(item)
            elif kind == "exit":
                alive -= 1
        raise
    if first_error is not None:
        raise first_error


def _run_one(rec: Any, index: int, seed: int, sender: Backend, receiver: Backend,
             config: EvaluationConfig) -> dict:
    base = _record_base(rec, index, seed)
    evidence = None
    evidence_prior = None
    if config.family == "evidence-stance":
        ev = [e for e in rec.evidence if e.stance in ("support", "undermine")]
        if len(ev) != len(rec.evidence):
            bad = next(e for e in rec.evidence if e.stance not in ("support", "undermine"))
            raise DataError(f"instance {base['key']!r}: evidence {bad.id!r} has stance "
                            f"{bad.stance!r}, not 'support' or 'undermine'")
        if not ev:
            return {**base, "status": "skipped", "reason": "no evidence for this claim"}
        # The sender is told each piece's gold stance, and pieces are drawn
        # uniformly, so the matching prior is the share of supporting pieces
        # (the "labels" weighting); the vote-weighted share is recorded beside it.
        from ..instances.families import evidence_support_share
        from .strategies import plan_dialogues

        evidence_prior, origin = evidence_support_share(ev, "labels")
        try:
            votes_share = str(evidence_support_share(ev, "votes")[0])
        except InvalidGameError as e:
            votes_share = f"unavailable: {e}"
        plan = plan_dialogues(config.sender_strategy, ev, evidence_prior,
                              samples=config.protocol.samples, seed=seed,
                              limit=config.evidence_per_instance, loss=config.loss)
        if plan is None:
            evidence = select_evidence(ev, config.evidence_per_instance,
                                       derive_seed(seed, "evidence"))
        base["evidence_prior_support"] = str(evidence_prior)
        base["evidence_prior_origin"] = origin
        base["evidence_support_share_votes"] = votes_share
        base["sender_strategy"] = config.sender_strategy
    else:
        plan = None
    raw = run_instance(rec.claim, sender, receiver, config.protocol, seed=seed,
                       evidence=evidence, dialogues=plan)
    from .metrics import instance_metrics

    metrics = instance_metrics(raw, family=config.family, loss=config.loss,
                               belief_source=config.belief_source, model=config.receiver,
                               evidence_prior=evidence_prior, name=base["key"])
    out = {**base, "status": "done", "transcript": raw, "metrics": metrics}
    if config.family == "evidence-stance":
        from .strategies import strategy_metrics

        out["strategy"] = strategy_metrics(raw, evidence_prior,
                                           strategy=config.sender_strategy, loss=config.loss,
                                           seed=derive_seed(seed, "bootstrap"))
    return out


class _NoBar:
    def update(self, n: int, postfix: dict | None = None) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return _Bar(tqdm(total=total, initial=initial, desc="evaluate", unit="instance",
                     file=sys.stderr, dynamic_ncols=True))


class _Bar:
    def __init__(self, bar) -> None:
        self._bar = bar

    def update(self, n: int, postfix: dict | None = None) -> None:
        if postfix:
            self._bar.set_postfix(postfix, refresh=False)
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()
