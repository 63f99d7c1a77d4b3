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

import datetime as _dt
import json
import os
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..exceptions import DataError, InvalidGameError, InvalidParameterError
from ..instances.families import evidence_support_share
from . import prompts
from .backends.base import Backend
from .metrics import FAMILIES, instance_metrics, summarize
from .protocol import ProtocolConfig, derive_seed, run_instance, select_evidence
from .store import (
    INSTANCE_SCHEMA,
    RESULTS,
    RUN,
    RUN_SCHEMA,
    append_record,
    read_results,
    write_json_atomic,
)
from .strategies import (
    SENDER_STRATEGIES,
    plan_dialogues,
    strategy_metrics,
    summarize_strategies,
)

__all__ = [
    "EvaluationConfig",
    "EvaluationResult",
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

    Returns the existing ``run.json`` content (or ``None`` for a new run).

    Raises
    ------
    DataError
        If the directory holds a run with other settings or other prompts.

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
    old, new = run["config"], config.identity()
    diffs = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
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
    return {"schema": INSTANCE_SCHEMA, "key": f"{rec.dataset}/{rec.id}", "index": index,
            "dataset": rec.dataset, "id": rec.id, "claim": rec.claim, "seed": seed,
            "library_version": __version__, "prompt_version": prompts.PROMPT_VERSION}


def run_evaluation(
    records: Sequence[Any],
    sender: Backend,
    receiver: Backend,
    out_dir: str | os.PathLike,
    config: EvaluationConfig,
    *,
    limit: int | None = None,
    progress: bool = True,
    report: str | None = "md",
    argv: Sequence[str] | None = None,
) -> EvaluationResult:
    """Run (or resume) an evaluation, appending one JSON line per instance.

    Parameters
    ----------
    records : sequence of ClaimRecord
        The instances, in order (``dataset``, ``id`` and ``claim`` are used;
        ``evidence`` for the evidence-stance family).  ``dataset/id`` must
        be unique.
    sender, receiver : Backend
    out_dir : path-like
        The evaluation directory (created if needed).
    config : EvaluationConfig
    limit : int, optional
        Only the first ``limit`` records.
    progress : bool, default True
        Show a progress bar (on stderr).
    report : {"md", "html"} or None, default "md"
        Write the report at the end.
    argv : sequence of str, optional
        The command line, recorded in the session entry.

    Returns
    -------
    EvaluationResult

    Raises
    ------
    DataError
        For duplicate instance keys, a damaged results file, or a directory
        holding a run with other settings.
    BackendError
        If a backend fails (the instances finished before are kept; re-run to
        resume).

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
    >>> res.n_new, res.summary["datasets"]["demo"]["mean_score_gain"]
    (2, 1.0)
    >>> run_evaluation(recs, scripted_sender([1]), scripted_receiver(), out, cfg,
    ...                progress=False, report=None).n_new     # resumes: only the third
    1
    """
    from ..datasets.records import ClaimRecord

    out = Path(out_dir)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 0):
        raise InvalidParameterError(f"limit must be a non-negative integer, got {limit!r}")
    if config.belief_source == "logprobs" and not receiver.supports_logprobs:
        raise InvalidParameterError(
            f"receiver {receiver.name!r} has no log-probabilities; use belief_source='score' "
            f"and beliefs=False (CLI: --no-beliefs)")
    keys: dict[str, int] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, ClaimRecord):
            raise DataError(f"record {i} is a {type(rec).__name__}, not a ClaimRecord")
        k = f"{rec.dataset}/{rec.id}"
        if k in keys:
            raise DataError(f"instance {k!r} occurs twice (records {keys[k]} and {i})")
        keys[k] = i
    scope = list(records)[:limit] if limit is not None else list(records)
    existing_run = check_resume(out, config)
    out.mkdir(parents=True, exist_ok=True)
    done = read_results(out / RESULTS, repair=True)
    done_keys = {r["key"] for r in done}
    session = {"started": _now(), "library_version": __version__, "limit": limit,
               "n_before": len(done), "argv": list(argv) if argv is not None else None,
               "python": sys.version.split()[0]}
    desc = {"sender": sender.describe(), "receiver": receiver.describe()}
    if existing_run is None:
        run = {"schema": RUN_SCHEMA, "config": config.identity(),
               "prompt_version": prompts.PROMPT_VERSION,
               "prompt_fingerprint": prompts.prompt_fingerprint(),
               "library_version": __version__, "created": session["started"],
               **desc, "sessions": []}
    else:
        run = existing_run
        changes = {}
        for role in ("sender", "receiver"):
            if _stable(run[role]) != _stable(desc[role]):
                changes[role] = desc[role]
        if changes:
            warnings.warn(f"{out}: the {' and '.join(changes)} backend reports different "
                          f"details than when the run started; recorded in run.json",
                          stacklevel=2)
            session["backend_changes"] = changes
        if run.get("library_version") != __version__:
            session["library_version_changed_from"] = run.get("library_version")
    run["sessions"].append(session)
    write_json_atomic(out / RUN, run)

    todo = [(i, rec) for i, rec in enumerate(scope) if f"{rec.dataset}/{rec.id}" not in done_keys]
    n_resumed = len(scope) - len(todo)
    bar = _progress(len(scope), n_resumed, progress)
    new = []
    try:
        for i, rec in todo:
            t0 = time.perf_counter()
            seed = derive_seed(config.seed, rec.dataset, rec.id)
            result = _run_one(rec, i, seed, sender, receiver, config)
            result["elapsed_s"] = round(time.perf_counter() - t0, 3)
            result["finished"] = _now()
            append_record(out / RESULTS, result)
            new.append(result)
            bar.update(1)
    finally:
        bar.close()
        session["finished"] = _now()
        session["n_new"] = len(new)
        write_json_atomic(out / RUN, run)
    all_recs = read_results(out / RESULTS)
    in_scope = {f"{r.dataset}/{r.id}" for r in scope}
    summary = summarize([r for r in all_recs if r["key"] in in_scope])
    if config.family == "evidence-stance":
        summary["sender_strategy"] = summarize_strategies(
            [r for r in all_recs if r["key"] in in_scope], seed=config.seed)
    write_json_atomic(out / "summary.json", summary)
    report_path = None
    if report is not None:
        from .report import write_report

        report_path = write_report(out, format=report)
    return EvaluationResult(out, len(scope), n_resumed, len(new), summary, report_path,
                            all_recs)


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
    metrics = instance_metrics(raw, family=config.family, loss=config.loss,
                               belief_source=config.belief_source, model=config.receiver,
                               evidence_prior=evidence_prior, name=base["key"])
    out = {**base, "status": "done", "transcript": raw, "metrics": metrics}
    if config.family == "evidence-stance":
        out["strategy"] = strategy_metrics(raw, evidence_prior,
                                           strategy=config.sender_strategy, loss=config.loss,
                                           seed=derive_seed(seed, "bootstrap"))
    return out


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc="evaluate", unit="instance",
                file=sys.stderr, dynamic_ncols=True)
