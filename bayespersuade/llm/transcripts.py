"""Transcripts in and out: a public model of one dialogue, importers, export, re-scoring.

Dialogues written elsewhere (the paper authors' released logs, other
harnesses, a spreadsheet) are imported into a normal evaluation directory
(:mod:`~bayespersuade.llm.store`), so the report, every summary and every
statistic work on them as on a live run; any evaluation directory can be
exported in the same public model, and re-scored under another instance
family, loss or prior construction without calling a model.

The transcript model (schema ``bayespersuade.transcript/1``)
------------------------------------------------------------
One JSON object per dialogue (one line of a JSON-lines file)::

    {"schema": "bayespersuade.transcript/1",
     "dataset": "anthropic", "id": "12", "claim": "Space tourism should be allowed.",
     "control": null, "pair": null,          # optional: a control dialogue, its pair id
     "protocol": "dynamic", "n_rounds": 3,
     "sample": 0,                            # optional: the sample of this instance
     "evidence": null,                       # optional: {"id", "stance", "text"}
     "evidence_prior_support": null,         # optional: "p/q", evidence-stance only
     "sender":   {"model": null, "settings": null},
     "receiver": {"model": null, "settings": null},
     "initial": {"receiver_reply": "<score>4</score>...", "score": null,
                 "status": null, "beliefs": null},
     "rounds": [{"round": 1, "status": null,
                 "argument": "the argument as shown to the receiver",
                 "sender_reply": null,       # optional: the sender's raw reply
                 "receiver_reply": "<score>5</score>...", "score": 5,
                 "beliefs": {"yes_no": {"probs": [0.4, 0.6], "status": "ok",
                                        "mass": 0.93},
                             "likert": null}}, ...],
     "provenance": {"source": "imported", "file": "...", "sha256": "...",
                    "importer": "...", "format": "jsonl", "location": "line 1"}}

============================  ==========================================================
field                         meaning
============================  ==========================================================
``schema``                    ``"bayespersuade.transcript/1"`` (required)
``dataset``, ``id``           the instance (``dataset/id`` is its key); strings
``claim``                     the claim argued for
``control``, ``pair``         a control dialogue (true/false/null) and the id it pairs
                              with (null)
``protocol``, ``n_rounds``    ``"static"`` (1 round) or ``"dynamic"``; rounds after the
                              receiver's initial answer
``sample``                    which dialogue of the instance (0, 1, ...; several share
                              the instance's initial answer)
``evidence``                  the sender's private evidence ``{"id", "stance", "text"}``
                              and ``evidence_prior_support`` (``"p/q"``), for the
                              evidence-stance family
``sender``, ``receiver``      ``{"model": name or null, "settings": {...} or null}``
                              (``temperature``, ``max_new_tokens``, ``word_limit``,
                              ``prefill`` where known)
``initial``                   the receiver's first answer: ``receiver_reply``,
                              ``score``, ``status``, ``beliefs``
``rounds[r]``                 ``round`` (1-based), ``status`` (null: worked out;
                              ``ok``, ``receiver_unparsable``, ``sender_unparsable``,
                              ``not_reached``), ``argument`` (as shown to the
                              receiver), ``sender_reply``, ``receiver_reply``,
                              ``score``, ``beliefs`` (elicited after the argument)
``provenance``                where the dialogue came from (written by the importer
                              and by :func:`export_transcripts`)
============================  ==========================================================

Unknown fields are an error (nothing is silently dropped).
Every setting that is not known is ``null``; none is defaulted (no seed,
temperature, token limit or prompt version is made up for an imported
dialogue).  Beliefs are optional: ``yes_no`` holds ``probs`` =
``(P(no), P(yes))`` (or the shorthand ``"p_yes": x``), ``likert`` the seven
probabilities of the answers ``1..7``; each with its ``status`` (``ok``,
``partial``, ``unavailable``) and ``mass`` (see
:mod:`~bayespersuade.llm.beliefs`).

Honest parsing
--------------
A round's receiver score is the given ``score`` when there is one (an
integer from 1 to 7); otherwise it is parsed from ``receiver_reply`` by the
library's parser (:func:`~bayespersuade.llm.parsing.parse_receiver`).  A reply
without a parsable score is an **unparsable** round, counted per round and
never replaced by a default (the authors' prototype used 4).  When both a
reply and a value are given, the given value is kept and every disagreement
with the library's parser is counted (for the score, and for the argument
against :func:`~bayespersuade.llm.parsing.parse_sender` of the sender's raw
reply) and shown in the report.

Rejected dialogues
------------------
A file in the wrong format, a missing score (a blank CSV cell), a score
outside 1..7, two different scores in one reply, a round without a receiver
reply, a duplicate instance id, or a dialogue whose protocol differs from the
others' is **rejected**: it is listed with the file, the line (or JSON path)
and the reason, counted in the import summary (and in ``run.json``), or, with
``strict=True``, raises :class:`~bayespersuade.exceptions.DataError`.

References
----------
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026); their released evaluation logs are the
``cheng-you`` format (repository ``chengzr01/TinyZeroPersuasion``, files
``source/<dataset>_static.json`` and ``source/<dataset>_dynamic.json``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .._version import __version__
from ..exceptions import DataError, InvalidParameterError
from .metrics import FAMILIES, instance_metrics, summarize
from .parsing import extract_tag, parse_receiver, parse_sender
from .store import (
    INSTANCE_SCHEMA,
    RESULTS,
    RUN,
    RUN_SCHEMA,
    SUMMARY,
    append_record,
    hold_run_dir,
    load_run,
    write_json_atomic,
)

__all__ = [
    "FORMATS",
    "TRANSCRIPT_SCHEMA",
    "ImportResult",
    "Rejection",
    "TranscriptDialogue",
    "TranscriptRound",
    "export_transcripts",
    "import_transcripts",
    "read_transcripts",
    "render_transcripts",
    "rescore",
    "write_evaluation",
]

#: Schema of one dialogue of the public transcript model.
TRANSCRIPT_SCHEMA = "bayespersuade.transcript/1"
#: The import formats.
FORMATS = ("jsonl", "csv", "cheng-you")
#: Round statuses (as in :func:`~bayespersuade.llm.protocol.run_instance`).
STATUSES = ("ok", "receiver_unparsable", "sender_unparsable", "not_reached")
IMPORTER = f"bayespersuade.llm.transcripts {__version__}"
_CSV_MARKERS = {"unparsable": "receiver_unparsable", "no-argument": "sender_unparsable",
                "not-reached": "not_reached"}
_BELIEF_STATUSES = ("ok", "partial", "unavailable")


class _Reject(Exception):
    """One dialogue is rejected (internal; becomes a :class:`Rejection`)."""

    def __init__(self, reason: str, location: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location


# ------------------------------------------------------------------- the model

@dataclass(frozen=True)
class TranscriptRound:
    """One round of a dialogue: the argument shown, the receiver's answer.

    Attributes
    ----------
    round : int
        1-based.
    status : str or None
        ``None`` (worked out from the fields), or one of ``"ok"``,
        ``"receiver_unparsable"``, ``"sender_unparsable"`` (no argument was
        shown; later rounds are ``"not_reached"``), ``"not_reached"``.
    argument : str or None
        The argument as shown to the receiver.
    sender_reply, receiver_reply : str or None
        The raw replies.
    score : int or None
        The receiver's score as given by the source (``None``: parse
        ``receiver_reply``).
    beliefs : mapping or None
        ``{"yes_no": {...} or None, "likert": {...} or None}`` (see the module
        docstring).
    """

    round: int
    status: str | None = None
    argument: str | None = None
    sender_reply: str | None = None
    receiver_reply: str | None = None
    score: int | None = None
    beliefs: Mapping[str, Any] | None = None

    def to_json(self) -> dict:
        """The round as a JSON-serialisable dict."""
        return {"round": self.round, "status": self.status, "argument": self.argument,
                "sender_reply": self.sender_reply, "receiver_reply": self.receiver_reply,
                "score": self.score,
                "beliefs": dict(self.beliefs) if self.beliefs is not None else None}


@dataclass(frozen=True)
class TranscriptDialogue:
    """One dialogue in the public transcript model (schema :data:`TRANSCRIPT_SCHEMA`).

    ``initial`` is a :class:`TranscriptRound` with ``round=0`` (the receiver's
    first answer, before any argument; its ``argument`` is ``None``).  Unknown
    settings are ``None``.

    Examples
    --------
    >>> d = TranscriptDialogue(
    ...     dataset="demo", id="1", claim="Cats are mammals.", protocol="static",
    ...     n_rounds=1, initial=TranscriptRound(0, score=3),
    ...     rounds=(TranscriptRound(1, argument="They nurse.", score=5),))
    >>> TranscriptDialogue.from_json(d.to_json()) == d
    True
    >>> d.to_json()["sender"]
    {'model': None, 'settings': None}
    """

    dataset: str
    id: str
    claim: str
    protocol: str
    n_rounds: int
    initial: TranscriptRound
    rounds: tuple[TranscriptRound, ...]
    control: bool | None = None
    pair: str | None = None
    sample: int = 0
    evidence: Mapping[str, Any] | None = None
    evidence_prior_support: str | None = None
    sender_model: str | None = None
    sender_settings: Mapping[str, Any] | None = None
    receiver_model: str | None = None
    receiver_settings: Mapping[str, Any] | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """``dataset/id``, the instance's key in an evaluation directory."""
        return f"{self.dataset}/{self.id}"

    def to_json(self) -> dict:
        """The dialogue as a JSON-serialisable dict (one line of a JSON-lines file)."""
        init = self.initial.to_json()
        init = {k: init[k] for k in ("receiver_reply", "score", "status", "beliefs")}
        return {
            "schema": TRANSCRIPT_SCHEMA, "dataset": self.dataset, "id": self.id,
            "claim": self.claim, "control": self.control, "pair": self.pair,
            "protocol": self.protocol, "n_rounds": self.n_rounds, "sample": self.sample,
            "evidence": dict(self.evidence) if self.evidence is not None else None,
            "evidence_prior_support": self.evidence_prior_support,
            "sender": {"model": self.sender_model,
                       "settings": (dict(self.sender_settings)
                                    if self.sender_settings is not None else None)},
            "receiver": {"model": self.receiver_model,
                         "settings": (dict(self.receiver_settings)
                                      if self.receiver_settings is not None else None)},
            "initial": init,
            "rounds": [r.to_json() for r in self.rounds],
            "provenance": dict(self.provenance),
        }

    @classmethod
    def from_json(cls, d: Any, *, where: str = "$") -> TranscriptDialogue:
        """Read a dialogue from its JSON form, checking every field.

        Raises
        ------
        DataError
            Naming the JSON path and what is wrong.
        """
        try:
            return _dialogue_from_json(d, where)
        except _Reject as e:
            raise DataError(f"{e.location or where}: {e.reason}") from None


_TOP_KEYS = {"schema", "dataset", "id", "claim", "control", "pair", "protocol", "n_rounds",
             "sample", "evidence", "evidence_prior_support", "sender", "receiver", "initial",
             "rounds", "provenance"}
_ROUND_KEYS = {"round", "status", "argument", "sender_reply", "receiver_reply", "score",
               "beliefs"}


def _opt_str(d: Mapping, key: str, where: str) -> str | None:
    v = d.get(key)
    if v is not None and not isinstance(v, str):
        raise _Reject(f"must be a string or null, got {type(v).__name__}", f"{where}.{key}")
    return v


def _opt_mapping(v: Any, where: str) -> Mapping | None:
    if v is not None and not isinstance(v, Mapping):
        raise _Reject(f"must be an object or null, got {type(v).__name__}", where)
    return v


def _round_from_json(d: Any, where: str, index: int) -> TranscriptRound:
    if not isinstance(d, Mapping):
        raise _Reject(f"a round must be an object, got {type(d).__name__}", where)
    unknown = sorted(set(d) - _ROUND_KEYS)
    if unknown:
        raise _Reject(f"unknown field(s) {unknown}", where)
    r = d.get("round", index)
    if isinstance(r, bool) or not isinstance(r, int) or r != index:
        raise _Reject(f"expected round {index}, got {r!r}", f"{where}.round")
    st = d.get("status")
    if st is not None and st not in STATUSES:
        raise _Reject(f"status must be one of {', '.join(STATUSES)} or null, got {st!r}",
                      f"{where}.status")
    score = d.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int)):
        raise _Reject(f"score must be a whole number from 1 to 7, got {score!r}",
                      f"{where}.score")
    return TranscriptRound(
        round=r, status=st, argument=_opt_str(d, "argument", where),
        sender_reply=_opt_str(d, "sender_reply", where),
        receiver_reply=_opt_str(d, "receiver_reply", where), score=score,
        beliefs=_opt_mapping(d.get("beliefs"), f"{where}.beliefs"))


def _agent(d: Mapping, role: str, where: str) -> tuple[str | None, Mapping | None]:
    a = _opt_mapping(d.get(role), f"{where}.{role}")
    if a is None:
        return None, None
    unknown = sorted(set(a) - {"model", "settings"})
    if unknown:
        raise _Reject(f"unknown field(s) {unknown}", f"{where}.{role}")
    return (_opt_str(a, "model", f"{where}.{role}"),
            _opt_mapping(a.get("settings"), f"{where}.{role}.settings"))


def _dialogue_from_json(d: Any, where: str) -> TranscriptDialogue:
    if not isinstance(d, Mapping):
        raise _Reject(f"a dialogue must be a JSON object, got {type(d).__name__}", where)
    if d.get("schema") != TRANSCRIPT_SCHEMA:
        raise _Reject(f"not a bayespersuade transcript (schema {d.get('schema')!r}, "
                      f"expected {TRANSCRIPT_SCHEMA!r})", f"{where}.schema")
    unknown = sorted(set(d) - _TOP_KEYS)
    if unknown:
        raise _Reject(f"unknown field(s) {unknown}", where)
    for key in ("dataset", "id", "claim", "protocol"):
        v = d.get(key)
        if not isinstance(v, str) or not v.strip():
            raise _Reject(f"must be a non-empty string, got {v!r}", f"{where}.{key}")
    n = d.get("n_rounds")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise _Reject(f"must be a positive integer, got {n!r}", f"{where}.n_rounds")
    control = d.get("control")
    if control is not None and not isinstance(control, bool):
        raise _Reject(f"must be true, false or null, got {control!r}", f"{where}.control")
    sample = d.get("sample", 0)
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
        raise _Reject(f"must be an integer >= 0, got {sample!r}", f"{where}.sample")
    init = d.get("initial")
    if not isinstance(init, Mapping):
        raise _Reject("no initial answer (an object with receiver_reply and/or score)",
                      f"{where}.initial")
    unknown = sorted(set(init) - {"receiver_reply", "score", "status", "beliefs"})
    if unknown:
        raise _Reject(f"unknown field(s) {unknown}", f"{where}.initial")
    initial = _round_from_json({**init, "round": 0}, f"{where}.initial", 0)
    rounds = d.get("rounds")
    if not isinstance(rounds, list):
        raise _Reject("must be a list of rounds", f"{where}.rounds")
    sm, ss = _agent(d, "sender", where)
    rm, rs = _agent(d, "receiver", where)
    pair = d.get("pair")
    if pair is not None and not isinstance(pair, str | int):
        raise _Reject(f"must be a string or null, got {pair!r}", f"{where}.pair")
    return TranscriptDialogue(
        dataset=d["dataset"], id=d["id"], claim=d["claim"], protocol=d["protocol"],
        n_rounds=n, initial=initial,
        rounds=tuple(_round_from_json(r, f"{where}.rounds[{i}]", i + 1)
                     for i, r in enumerate(rounds)),
        control=control, pair=None if pair is None else str(pair), sample=sample,
        evidence=_opt_mapping(d.get("evidence"), f"{where}.evidence"),
        evidence_prior_support=_opt_str(d, "evidence_prior_support", where),
        sender_model=sm, sender_settings=ss, receiver_model=rm, receiver_settings=rs,
        provenance=_opt_mapping(d.get("provenance"), f"{where}.provenance") or {})


# ------------------------------------------------------------ import results

@dataclass(frozen=True)
class Rejection:
    """A dialogue (or a whole file) that was not imported, and why.

    Attributes
    ----------
    file : str
    location : str
        ``line N`` / ``row N`` / a JSON path such as ``$[3].transcript.responses[2]``.
    id : str or None
        The instance id, where it could be read.
    reason : str
    """

    file: str
    location: str
    id: str | None
    reason: str

    def __str__(self) -> str:
        who = f" (id {self.id})" if self.id is not None else ""
        return f"{self.file}: {self.location}{who}: {self.reason}"

    def to_json(self) -> dict:
        """A JSON-serialisable record."""
        return {"file": self.file, "location": self.location, "id": self.id,
                "reason": self.reason}


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_transcripts` read, kept and rejected.

    Attributes
    ----------
    dialogues : tuple of TranscriptDialogue
        The accepted dialogues.
    rejections : tuple of Rejection
    files : tuple of dict
        Per input file: ``name``, ``path``, ``sha256``, ``format``, ``n_read``,
        ``n_accepted``, ``n_rejected``.
    out_dir : Path or None
        The evaluation directory written (when ``out`` was given).
    """

    dialogues: tuple[TranscriptDialogue, ...]
    rejections: tuple[Rejection, ...]
    files: tuple[dict, ...]
    out_dir: Path | None = None

    @property
    def n_accepted(self) -> int:
        """Accepted dialogues."""
        return len(self.dialogues)

    @property
    def n_rejected(self) -> int:
        """Rejected dialogues (a file rejected as a whole counts once)."""
        return len(self.rejections)

    def summary(self) -> str:
        """A human-readable import summary: counts per file, then every rejection."""
        lines = []
        for f in self.files:
            lines.append(f"{f['name']} ({f['format']}, sha256 {f['sha256'][:12]}…): "
                         f"{f['n_read']} dialogue(s) read, {f['n_accepted']} accepted, "
                         f"{f['n_rejected']} rejected")
        lines += [f"  rejected: {r}" for r in self.rejections]
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------------ readers

def _read_jsonl(text: str, name: str, fmt_dataset: str | None):
    """Yield ``(location, id, dialogue or _Reject)``."""
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        loc = f"line {i}"
        try:
            obj = json.loads(line)
        except ValueError as e:
            yield loc, None, _Reject(f"not JSON ({e})")
            continue
        ident = obj.get("id") if isinstance(obj, dict) else None
        try:
            d = _dialogue_from_json(obj, "$")
            if fmt_dataset is not None and d.dataset != fmt_dataset:
                raise _Reject(f"the dialogue's dataset is {d.dataset!r}, but --dataset is "
                              f"{fmt_dataset!r}", "$.dataset")
            yield loc, d.id, d
        except _Reject as e:
            if e.location:
                e.reason = f"{e.location}: {e.reason}"
            yield loc, ident if isinstance(ident, str) else None, e


_CSV_FIXED = ("dataset", "id", "claim", "control", "pair", "protocol", "sample",
              "sender_model", "receiver_model")
_CSV_SP = re.compile(r"^([sp])(\d+)$")


def _parse_bool(text: str, where: str) -> bool | None:
    t = text.strip().lower()
    if t == "":
        return None
    if t in ("true", "1", "yes"):
        return True
    if t in ("false", "0", "no"):
        return False
    raise _Reject(f"{where}: expected true/false (or blank for unknown), got {text!r}")


def _csv_columns(header: Sequence[str]) -> int:
    """Check a CSV header; return the number of rounds."""
    unknown, idx = [], {"s": set(), "p": set()}
    for h in header:
        m = _CSV_SP.match(h)
        if m:
            idx[m.group(1)].add(int(m.group(2)))
        elif h not in _CSV_FIXED:
            unknown.append(h)
    if unknown:
        raise _Reject(f"unknown column(s) {unknown} (known: {', '.join(_CSV_FIXED)}, "
                      f"s0, s1, ..., p0, p1, ...)", "header")
    for col in ("id", "claim"):
        if col not in header:
            raise _Reject(f"no {col!r} column; not a transcript CSV", "header")
    if len(set(header)) != len(header):
        raise _Reject("a column name occurs twice", "header")
    s = sorted(idx["s"])
    if not s or s != list(range(len(s))) or len(s) < 2:
        raise _Reject(f"the score columns must be s0, s1, ... (at least s0 and s1), "
                      f"got {['s' + str(i) for i in s]}", "header")
    extra_p = sorted(idx["p"] - set(s))
    if extra_p:
        raise _Reject(f"belief column(s) {['p' + str(i) for i in extra_p]} without a "
                      f"score column", "header")
    return len(s) - 1


def _csv_score(cell: str, col: str) -> tuple[int | None, str | None]:
    t = cell.strip().lower()
    if t == "":
        raise _Reject(f"column {col}: missing score (write 'unparsable', 'no-argument' or "
                      f"'not-reached' for a round without one)")
    if t in _CSV_MARKERS:
        return None, _CSV_MARKERS[t]
    try:
        v = int(t)
    except ValueError:
        raise _Reject(f"column {col}: the score must be a whole number from 1 to 7, "
                      f"got {cell!r}") from None
    if not 1 <= v <= 7:
        raise _Reject(f"column {col}: score {v} is outside 1..7")
    return v, None


def _csv_belief(cell: str | None, col: str) -> dict | None:
    if cell is None:
        return None
    t = cell.strip()
    if t == "":
        return {"yes_no": {"probs": None, "status": "unavailable", "mass": None},
                "likert": None}
    try:
        p = float(t)
    except ValueError:
        raise _Reject(f"column {col}: P(yes) must be a number in [0, 1], got {cell!r}") from None
    if not 0 <= p <= 1:
        raise _Reject(f"column {col}: P(yes) = {p} is outside [0, 1]")
    return {"yes_no": {"p_yes": p, "status": "ok", "mass": None}, "likert": None}


def _read_csv(text: str, name: str, fmt_dataset: str | None, fmt_protocol: str | None):
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        yield "header", None, _Reject("empty file; not a transcript CSV")
        return
    except csv.Error as e:
        yield "header", None, _Reject(f"not CSV ({e})")
        return
    try:
        n = _csv_columns(header)
    except _Reject as e:
        yield "header", None, _Reject(e.reason)
        return
    has_p = {i for i in range(n + 1) if f"p{i}" in header}
    row_no = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield f"row {row_no + 1}", None, _Reject(f"not CSV ({e})")
            return
        row_no += 1
        if not any(c.strip() for c in cells):
            continue
        loc = f"row {row_no}"
        if len(cells) != len(header):
            yield loc, None, _Reject(f"{len(cells)} cells, the header has {len(header)}")
            continue
        row = dict(zip(header, cells))
        ident = row["id"].strip() or None
        try:
            if ident is None:
                raise _Reject("column id: empty")
            dataset = (row.get("dataset") or "").strip() or fmt_dataset
            if dataset is None:
                raise _Reject("no dataset: give a 'dataset' column or --dataset")
            if fmt_dataset is not None and dataset != fmt_dataset:
                raise _Reject(f"column dataset: {dataset!r}, but --dataset is "
                              f"{fmt_dataset!r}")
            claim = row["claim"].strip()
            if not claim:
                raise _Reject("column claim: empty")
            protocol = (row.get("protocol") or "").strip() or fmt_protocol
            sample_t = (row.get("sample") or "").strip()
            sample = 0
            if sample_t:
                if not sample_t.isdigit():
                    raise _Reject(f"column sample: expected an integer >= 0, got {sample_t!r}")
                sample = int(sample_t)
            s0, st0 = _csv_score(row["s0"], "s0")
            if st0 not in (None, "receiver_unparsable"):
                raise _Reject(f"column s0: {row['s0']!r} applies to rounds >= 1 only")
            initial = TranscriptRound(0, status=st0, score=s0,
                                      beliefs=_csv_belief(row.get("p0") if 0 in has_p
                                                          else None, "p0"))
            rounds = []
            for r in range(1, n + 1):
                v, st = _csv_score(row[f"s{r}"], f"s{r}")
                bel = _csv_belief(row.get(f"p{r}") if r in has_p else None, f"p{r}")
                if st in ("sender_unparsable", "not_reached"):
                    if bel is not None and bel["yes_no"]["status"] != "unavailable":
                        raise _Reject(f"column p{r}: a belief for a round with "
                                      f"{row[f's{r}'].strip()!r}")
                    bel = None
                rounds.append(TranscriptRound(r, status=st, score=v, beliefs=bel,
                                              argument=None))
            d = TranscriptDialogue(
                dataset=dataset, id=ident, claim=claim,
                protocol=protocol or ("static" if n == 1 else "dynamic"), n_rounds=n,
                initial=initial, rounds=tuple(rounds),
                control=_parse_bool(row.get("control") or "", "column control"),
                pair=(row.get("pair") or "").strip() or None, sample=sample,
                sender_model=(row.get("sender_model") or "").strip() or None,
                receiver_model=(row.get("receiver_model") or "").strip() or None)
            yield loc, ident, d
        except _Reject as e:
            yield loc, ident, e


def _dig(obj: Any, path: Sequence[Any], where: str) -> Any:
    cur = obj
    for p in path:
        where += f"[{p}]" if isinstance(p, int) else f".{p}"
        if isinstance(p, int):
            if not isinstance(cur, list) or p >= len(cur):
                raise _Reject("missing", where)
        elif not isinstance(cur, Mapping) or p not in cur:
            raise _Reject("missing", where)
        cur = cur[p]
    return cur


def _cheng_you_one(item: Any, where: str, dataset: str, protocol: str | None
                   ) -> TranscriptDialogue:
    if not isinstance(item, Mapping):
        raise _Reject(f"a claim must be a JSON object, got {type(item).__name__}", where)
    ident = _dig(item, ["id"], where)
    if isinstance(ident, bool) or not isinstance(ident, int | str):
        raise _Reject(f"must be an integer or a string, got {ident!r}", f"{where}.id")
    claim = _dig(item, ["correct_claim"], where)
    if not isinstance(claim, str) or not claim.strip():
        raise _Reject("must be a non-empty string", f"{where}.correct_claim")
    if item.get("complete") is False:
        raise _Reject("the dialogue is marked incomplete (complete: false)",
                      f"{where}.complete")
    tr = _dig(item, ["transcript"], where)
    tw = f"{where}.transcript"
    if isinstance(tr, Mapping) and tr.get("swap"):
        raise _Reject("swap=true (the persuader argued the other claim) is not supported",
                      f"{tw}.swap")
    responses = _dig(tr, ["responses"], tw)
    shown = _dig(tr, ["rounds"], tw)
    if not isinstance(responses, list) or not isinstance(shown, list):
        raise _Reject("responses and rounds must be lists", tw)
    if len(responses) < 2:
        raise _Reject(f"{len(responses)} persuadee answer(s): no persuasion round",
                      f"{tw}.responses")
    if len(shown) != len(responses):
        raise _Reject(f"{len(shown)} rounds but {len(responses)} responses",
                      f"{tw}.rounds")
    n = len(responses) - 1
    for i, (resp, rd) in enumerate(zip(responses, shown)):
        for part, w in ((resp, f"{tw}.responses[{i}]"), (rd, f"{tw}.rounds[{i}]")):
            if not isinstance(part, Mapping):
                raise _Reject("must be an object", w)
            if part.get("incorrect") is not None:
                raise _Reject("a reply of a second persuader ('incorrect') is not "
                              "supported", f"{w}.incorrect")

    def receiver_reply(i: int) -> str:
        w = f"{tw}.responses[{i}].persuadee"
        p = responses[i].get("persuadee")
        if not isinstance(p, Mapping) or not isinstance(p.get("response"), str):
            raise _Reject("a round without a receiver reply (no persuadee.response)", w)
        return p["response"]

    def sender_reply(i: int) -> str | None:
        c = responses[i].get("correct")
        if c is None:
            return None
        if not isinstance(c, Mapping) or not isinstance(c.get("response"), str | None):
            raise _Reject("must be an object with a 'response' string",
                          f"{tw}.responses[{i}].correct")
        return c.get("response")

    # The persuader's reply is stored beside the persuadee answer that preceded
    # it: responses[r-1].correct is the argument of round r, answered in responses[r].
    if sender_reply(n) is not None or shown[n].get("correct") is not None:
        raise _Reject("a persuader reply after the last persuadee answer: a round "
                      "without a receiver reply", f"{tw}.responses[{n}].correct")
    initial = TranscriptRound(0, receiver_reply=receiver_reply(0))
    rounds = []
    for r in range(1, n + 1):
        arg = shown[r - 1].get("correct")
        if arg is not None and not isinstance(arg, str):
            raise _Reject("the argument shown must be a string", f"{tw}.rounds[{r - 1}].correct")
        rounds.append(TranscriptRound(
            r, argument=arg, sender_reply=sender_reply(r - 1),
            receiver_reply=receiver_reply(r)))
    return TranscriptDialogue(
        dataset=dataset, id=str(ident), claim=claim.strip(),
        protocol=protocol or ("static" if n == 1 else "dynamic"), n_rounds=n,
        initial=initial, rounds=tuple(rounds))


def _read_cheng_you(text: str, name: str, fmt_dataset: str | None, protocol: str | None):
    stem = Path(name).stem
    m = re.fullmatch(r"(.+)_(static|dynamic)", stem)
    dataset = fmt_dataset or (m.group(1) if m else None)
    file_protocol = m.group(2) if m else None
    try:
        data = json.loads(text)
    except ValueError as e:
        yield "$", None, _Reject(f"not JSON ({e})")
        return
    if not isinstance(data, list):
        yield "$", None, _Reject(f"expected a JSON list of claims (the cheng-you format), "
                                 f"got {type(data).__name__}")
        return
    if dataset is None:
        yield "$", None, _Reject("no dataset: name the file <dataset>_static.json / "
                                 "<dataset>_dynamic.json or give --dataset")
        return
    if protocol is not None and file_protocol is not None and protocol != file_protocol:
        yield "$", None, _Reject(f"the file name says {file_protocol}, --protocol says "
                                 f"{protocol}")
        return
    for i, item in enumerate(data):
        where = f"$[{i}]"
        ident = item.get("id") if isinstance(item, Mapping) else None
        ident = str(ident) if isinstance(ident, int | str) and not isinstance(ident, bool) \
            else None
        try:
            yield where, ident, _cheng_you_one(item, where, dataset,
                                               protocol or file_protocol)
        except _Reject as e:
            loc = e.location or where
            yield loc, ident, _Reject(e.reason)


# ------------------------------------------------- from a dialogue to a record

def _score_tags(reply: str) -> tuple[int | None, str | None]:
    """The library's score for a raw reply, and a rejection reason if it is bad input."""
    contents = [t.content for t in extract_tag(reply, "score") if t.content]
    ints = []
    for c in contents:
        m = re.fullmatch(r"\s*\**\s*([+-]?\d+)\s*\**\s*", c)
        if m:
            ints.append(int(m.group(1)))
    out = [v for v in ints if not 1 <= v <= 7]
    if out:
        return None, f"score {out[0]} is outside 1..7"
    parsed = parse_receiver(reply)
    if parsed.score is None and any("disagree" in p for p in parsed.problems):
        return None, f"two scores in one reply ({', '.join(repr(c) for c in contents)})"
    return parsed.score, None


def _belief_json(b: Any, kind: str, where: str) -> dict | None:
    """A belief of the public model as the internal record (``Belief.to_json`` shape)."""
    if b is None:
        return None
    if not isinstance(b, Mapping):
        raise _Reject("a belief must be an object or null", where)
    unknown = sorted(set(b) - {"probs", "p_yes", "labels", "status", "mass", "logprobs",
                               "unobserved_bound"})
    if unknown:
        raise _Reject(f"unknown field(s) {unknown}", where)
    labels = ["no", "yes"] if kind == "yes_no" else [str(i) for i in range(1, 8)]
    if b.get("labels") is not None and list(b["labels"]) != labels:
        raise _Reject(f"labels must be {labels}", f"{where}.labels")
    probs = b.get("probs")
    if "p_yes" in b:
        if kind != "yes_no" or probs is not None:
            raise _Reject("p_yes is the yes_no shorthand for probs; give one of them", where)
        p = b["p_yes"]
        if p is not None and (isinstance(p, bool) or not isinstance(p, int | float)):
            raise _Reject(f"p_yes must be a number in [0, 1] or null, got {p!r}",
                          f"{where}.p_yes")
        probs = None if p is None else [1 - p, p]
    status = b.get("status")
    if status is None:
        status = "ok" if probs is not None else "unavailable"
    if status not in _BELIEF_STATUSES:
        raise _Reject(f"status must be one of {', '.join(_BELIEF_STATUSES)}",
                      f"{where}.status")
    if probs is not None:
        if (not isinstance(probs, list) or len(probs) != len(labels)
                or any(isinstance(x, bool) or not isinstance(x, int | float) for x in probs)):
            raise _Reject(f"probs must be {len(labels)} numbers", f"{where}.probs")
        if any(not 0 <= x <= 1 for x in probs) or not sum(probs) > 0:
            raise _Reject("probs must lie in [0, 1] and not all be zero", f"{where}.probs")
        if status == "unavailable":
            raise _Reject("status 'unavailable' with probabilities", f"{where}.status")
    elif status != "unavailable":
        raise _Reject(f"status {status!r} without probabilities", f"{where}.status")
    mass = b.get("mass")
    if mass is not None and (isinstance(mass, bool) or not isinstance(mass, int | float)):
        raise _Reject("mass must be a number or null", f"{where}.mass")
    return {"labels": labels, "probs": [float(x) for x in probs] if probs is not None else None,
            "mass": mass, "status": status, "logprobs": dict(b.get("logprobs") or {}),
            "unobserved_bound": b.get("unobserved_bound")}


def _beliefs_json(b: Mapping | None, where: str) -> dict | None:
    if b is None:
        return None
    unknown = sorted(set(b) - {"yes_no", "likert"})
    if unknown:
        raise _Reject(f"unknown belief kind(s) {unknown} (yes_no, likert)", where)
    return {"yes_no": _belief_json(b.get("yes_no"), "yes_no", f"{where}.yes_no"),
            "likert": _belief_json(b.get("likert"), "likert", f"{where}.likert")}


def _receiver_part(t: TranscriptRound, where: str, counts: dict) -> tuple[dict, str]:
    """The internal ``receiver`` entry of a round and its status (ok / receiver_unparsable)."""
    if t.receiver_reply is None and t.score is None and t.status != "receiver_unparsable":
        raise _Reject("a round without a receiver reply (no receiver_reply and no score)",
                      where)
    if t.score is not None and not 1 <= t.score <= 7:
        raise _Reject(f"score {t.score} is outside 1..7", f"{where}.score")
    if t.score is not None and t.status == "receiver_unparsable":
        raise _Reject("status 'receiver_unparsable' with a score", f"{where}.status")
    lib_score, bad = (None, None)
    if t.receiver_reply is not None:
        lib_score, bad = _score_tags(t.receiver_reply)
    if t.receiver_reply is not None:
        parsed = parse_receiver(t.receiver_reply).to_json()
    else:
        parsed = {"score": None, "opinion": None, "question": None, "thinking": None,
                  "status": "unparsable", "problems": ["no reply recorded"]}
    if t.score is not None or t.status == "receiver_unparsable":
        score = t.score
        parsed["score_source"] = "given"
        if t.receiver_reply is not None:
            parsed["library_score"] = lib_score
            if lib_score != score:
                counts["score_disagreements"] += 1
                parsed["parser_disagrees"] = True
    else:
        if bad is not None:
            raise _Reject(bad, f"{where}.receiver_reply")
        score = lib_score
        parsed["score_source"] = "library parser"
    parsed["score"] = score
    parsed["status"] = "ok" if score is not None else "unparsable"
    if score is None:
        counts["receiver_unparsable"] += 1
    return ({"reply": t.receiver_reply, "parsed": parsed},
            "ok" if score is not None else "receiver_unparsable")


def _dialogue_rounds(d: TranscriptDialogue, counts: dict) -> list[dict]:
    if len(d.rounds) != d.n_rounds:
        raise _Reject(f"n_rounds is {d.n_rounds} but {len(d.rounds)} round(s) are given",
                      "$.rounds")
    out = []
    ended = False
    for i, t in enumerate(d.rounds):
        where = f"$.rounds[{i}]"
        if ended or t.status == "not_reached":
            if not ended:
                raise _Reject("'not_reached' without an earlier round that ended the "
                              "dialogue ('sender_unparsable')", f"{where}.status")
            if (t.status not in (None, "not_reached") or t.argument is not None
                    or t.receiver_reply is not None or t.score is not None):
                raise _Reject("a round after the sender gave no argument must be "
                              "'not_reached' and empty", where)
            out.append({"round": t.round, "status": "not_reached"})
            continue
        argument = t.argument
        sender: dict = {"reply": t.sender_reply}
        if t.sender_reply is not None:
            lib = parse_sender(t.sender_reply)
            sp = lib.to_json()
            if argument is not None:
                sp["argument_source"] = "given"
                sp["library_argument"] = lib.argument
                if lib.argument != argument.strip():
                    counts["argument_disagreements"] += 1
                    sp["parser_disagrees"] = True
            else:
                argument = None if t.status == "sender_unparsable" else lib.argument
                sp["argument_source"] = "library parser"
        else:
            sp = {"opinion": None, "thinking": None, "closed": None, "status": None,
                  "problems": [], "argument_source": "given" if argument is not None
                  else None}
        if t.status == "sender_unparsable" and t.argument is not None:
            raise _Reject("status 'sender_unparsable' with an argument", f"{where}.status")
        if argument is not None and not argument.strip():
            argument = None
        # Neither the argument nor the sender's reply recorded (a scores-only
        # source): an argument was shown, its text is unknown.
        unrecorded = (t.argument is None and t.sender_reply is None
                      and t.status != "sender_unparsable")
        sp["argument"] = argument
        sp["status"] = ("not recorded" if unrecorded else
                        "ok" if argument is not None else "unparsable")
        sender["parsed"] = sp
        rd: dict = {"round": t.round, "sender": sender}
        if argument is None and not unrecorded:
            if t.receiver_reply is not None or t.score is not None or t.beliefs is not None:
                raise _Reject("the sender gave no argument, yet the receiver answered", where)
            rd["status"] = "sender_unparsable"
            counts["sender_unparsable"] += 1
            ended = True
            out.append(rd)
            continue
        if t.status == "not_reached":
            raise _Reject("'not_reached' with an argument", where)
        rd["beliefs"] = _beliefs_json(t.beliefs, f"{where}.beliefs")
        rd["receiver"], rd["status"] = _receiver_part(t, where, counts)
        if t.status == "ok" and rd["status"] != "ok":
            raise _Reject("status 'ok' but no parsable score", f"{where}.status")
        out.append(rd)
    return out


def _initial(d: TranscriptDialogue, counts: dict) -> dict:
    t = d.initial
    if t.status not in (None, "ok", "receiver_unparsable"):
        raise _Reject(f"the initial answer's status must be ok or receiver_unparsable, got "
                      f"{t.status!r}", "$.initial.status")
    rec, st = _receiver_part(t, "$.initial", counts)
    if t.status == "ok" and st != "ok":
        raise _Reject("status 'ok' but no parsable score", "$.initial.status")
    return {"reply": rec["reply"], "parsed": rec["parsed"],
            "beliefs": _beliefs_json(t.beliefs, "$.initial.beliefs")}


def _counts() -> dict:
    return {"score_disagreements": 0, "argument_disagreements": 0, "receiver_unparsable": 0,
            "sender_unparsable": 0}


def _check_dialogue(d: TranscriptDialogue) -> tuple[dict, list[dict], dict]:
    """Validate a dialogue; return its internal initial answer, rounds and counts."""
    if d.protocol not in ("static", "dynamic"):
        raise _Reject(f"protocol must be 'static' or 'dynamic', got {d.protocol!r}",
                      "$.protocol")
    if d.protocol == "static" and d.n_rounds != 1:
        raise _Reject(f"the static protocol has one round, this dialogue has {d.n_rounds}",
                      "$.n_rounds")
    if d.evidence is not None and d.evidence.get("stance") not in ("support", "undermine"):
        raise _Reject("evidence.stance must be 'support' or 'undermine'", "$.evidence")
    counts = _counts()
    initial = _initial(d, counts)
    rounds = _dialogue_rounds(d, counts)
    return initial, rounds, counts


def _same_opening(a: dict, b: dict) -> bool:
    return (a["parsed"]["score"] == b["parsed"]["score"] and a["reply"] == b["reply"]
            and a["beliefs"] == b["beliefs"])


def _group_instances(dialogues: Sequence[TranscriptDialogue]) -> tuple[list, list]:
    """Checked dialogues grouped into instances; and the rejected ones with reasons."""
    rejected: list[tuple[TranscriptDialogue, str]] = []
    checked = []
    for d in dialogues:
        try:
            checked.append((d, *_check_dialogue(d)))
        except _Reject as e:
            rejected.append((d, f"{e.location}: {e.reason}" if e.location else e.reason))
    # one protocol for the whole evaluation: the first accepted dialogue's
    proto = None
    kept = []
    for item in checked:
        d = item[0]
        if proto is None:
            proto = (d.protocol, d.n_rounds)
        if (d.protocol, d.n_rounds) != proto:
            rejected.append((d, f"mixed protocols: this dialogue is {d.protocol} with "
                                f"{d.n_rounds} round(s), the first one {proto[0]} with "
                                f"{proto[1]} (one evaluation has one protocol; choose with "
                                f"--protocol, or import the files apart)"))
        else:
            kept.append(item)
    # duplicates: the same instance, evidence and sample twice -> every copy rejected
    slots: dict[tuple, list] = {}
    for item in kept:
        d = item[0]
        ev = (d.evidence or {}).get("id")
        slots.setdefault((d.key, ev, d.sample), []).append(item)
    by_key: dict[str, list] = {}
    for slot, items in slots.items():
        if len(items) > 1:
            where = ", ".join(f"{i[0].provenance.get('file', '?')} "
                              f"{i[0].provenance.get('location', '?')}" for i in items)
            for i in items:
                rejected.append((i[0], f"duplicate instance id {slot[0]!r}"
                                       + (f" (sample {slot[2]})" if slot[2] else "")
                                       + f": occurs {len(items)} times ({where})"))
            continue
        by_key.setdefault(slot[0], []).append(items[0])
    groups = []
    for key, items in by_key.items():
        first = items[0]
        bad = [i for i in items[1:]
               if i[0].claim != first[0].claim or not _same_opening(i[1], first[1])
               or (i[0].control, i[0].pair, i[0].evidence_prior_support)
               != (first[0].control, first[0].pair, first[0].evidence_prior_support)]
        if bad:
            for i in items:
                rejected.append((i[0], f"the dialogues of instance {key!r} disagree on the "
                                       f"claim, the initial answer, control, pair or the "
                                       f"evidence prior"))
            continue
        groups.append((key, items))
    return groups, rejected


# --------------------------------------------------------- write a directory

def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _unanimous(values: Iterable[Any]) -> Any:
    vals = list(values)
    first = vals[0] if vals else None
    return first if all(v == first for v in vals) else None


def _metrics(raw: dict, family: str, loss: str, belief_source: str, model: str | None,
             evidence_prior: str | None, key: str) -> dict:
    ep = Fraction(evidence_prior) if evidence_prior is not None else None
    if family == "evidence-stance":
        if ep is None:
            raise DataError(f"instance {key!r}: the evidence-stance family needs the "
                            f"evidence prior (evidence_prior_support)")
        if any(d.get("evidence") is None for d in raw["dialogues"]):
            raise DataError(f"instance {key!r}: the evidence-stance family needs the "
                            f"evidence of every dialogue")
    return instance_metrics(raw, family=family, loss=loss, belief_source=belief_source,
                            model=model, evidence_prior=ep, name=key)


def _check_analysis(family: str, loss: str, belief_source: str) -> None:
    if family not in FAMILIES:
        raise InvalidParameterError(f"family must be one of {', '.join(FAMILIES)}, got "
                                    f"{family!r}")
    if loss not in ("quadratic", "absolute"):
        raise InvalidParameterError(f"loss must be 'quadratic' or 'absolute', got {loss!r}")
    if belief_source not in ("logprobs", "score"):
        raise InvalidParameterError(f"belief_source must be 'logprobs' or 'score', got "
                                    f"{belief_source!r}")


def _check_fresh(out: Path) -> None:
    if (out / RUN).exists() or (out / RESULTS).exists():
        raise DataError(f"{out} already holds an evaluation; write to a new directory",
                        path=str(out / RUN))
    if out.exists() and not out.is_dir():
        raise DataError(f"{out} is a file, not a directory", path=str(out))


def _write_dir(out: Path, run: Mapping, records: Sequence[Mapping],
               report: str | None) -> None:
    """Write ``results.jsonl``, ``run.json``, ``summary.json`` and the report (through the store).

    The directory's lock is held throughout, so a concurrent evaluation or import
    into the same directory is refused (:class:`~.store.RunDirectoryLocked`); the
    directory must not hold an evaluation yet (checked under the lock).
    """
    if out.exists() and not out.is_dir():
        raise DataError(f"{out} is a file, not a directory", path=str(out))
    with hold_run_dir(out):
        _check_fresh(out)
        for rec in records:
            append_record(out / RESULTS, rec)
        write_json_atomic(out / RUN, run)
        write_json_atomic(out / SUMMARY, summarize(records))
        if report is not None:
            from .report import write_report

            write_report(out, format=report)


def write_evaluation(
    dialogues: Sequence[TranscriptDialogue],
    out_dir: str | os.PathLike,
    *,
    family: str = "binary-truth",
    loss: str = "quadratic",
    belief_source: str = "score",
    source: Mapping[str, Any] | None = None,
    report: str | None = "md",
) -> Path:
    """Write an evaluation directory from transcript dialogues (no model is called).

    The directory is the one :func:`~bayespersuade.llm.runner.run_evaluation`
    writes (``run.json``, ``results.jsonl``, ``summary.json``, the report), so
    every reader of evaluations works on it.  Dialogues of one instance
    (same ``dataset/id``, different ``sample`` or evidence) become one instance
    record; settings the dialogues do not state are ``null`` in ``run.json``.

    Parameters
    ----------
    dialogues : sequence of TranscriptDialogue
        All must be valid (see :func:`import_transcripts`, which rejects bad
        ones with reasons instead).
    out_dir : path-like
        A new (or empty) directory.
    family, loss : str
        The instance family and loss (see :func:`~bayespersuade.llm.metrics.instance_metrics`).
    belief_source : {"score", "logprobs"}, default "score"
        Beliefs from the reported scores, or from the recorded beliefs.
    source : mapping, optional
        Provenance of the whole directory (recorded as ``run.json["import"]``);
        default: ``{"source": "imported"}``.
    report : {"md", "html"} or None, default "md"

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    DataError
        For an invalid dialogue (its id and the reason), a duplicate id, mixed
        protocols, or a directory that already holds an evaluation.

    Examples
    --------
    >>> import tempfile, json, pathlib
    >>> d = TranscriptDialogue("demo", "1", "Cats are mammals.", "static", 1,
    ...                        TranscriptRound(0, score=3),
    ...                        (TranscriptRound(1, argument="They nurse.", score=5),))
    >>> out = write_evaluation([d], tempfile.mkdtemp(), report=None)
    >>> rec = json.loads((out / "results.jsonl").read_text())
    >>> rec["metrics"]["rounds"][0]["score_gains"], rec["provenance"]["source"]
    ([2], 'imported')
    >>> json.loads((out / "run.json").read_text())["config"]["seed"] is None
    True
    """
    _check_analysis(family, loss, belief_source)
    groups, rejected = _group_instances(list(dialogues))
    if rejected:
        d, reason = rejected[0]
        loc = d.provenance.get("location")
        raise DataError(f"dialogue {d.key!r}{f' ({loc})' if loc else ''}: {reason}"
                        + (f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""),
                        path=d.provenance.get("file"))
    if not groups:
        raise DataError("no dialogue to write")
    if belief_source == "logprobs" and not any(
            rd.get("beliefs") for _, items in groups for i in items for rd in i[2]):
        raise DataError("belief_source='logprobs', but no dialogue records beliefs; use "
                        "belief_source='score' (CLI: --belief-source score)")
    out = Path(out_dir)
    _check_fresh(out)
    allds = [i[0] for _, items in groups for i in items]
    first = allds[0]
    samples = _unanimous(max(i[0].sample for i in items) + 1 for _, items in groups)
    proto = {"protocol": first.protocol, "rounds": first.n_rounds, "samples": samples,
             "word_limit": None, "sender_max_new_tokens": None,
             "receiver_max_new_tokens": None, "sender_temperature": None,
             "receiver_temperature": None,
             "beliefs": any(rd.get("beliefs") for _, items in groups
                            for i in items for rd in i[2]),
             "prefill": None}
    for role in ("sender", "receiver"):
        st = _unanimous(dict(getattr(d, f"{role}_settings") or {}) for d in allds)
        for k, v in (st or {}).items():
            pk = {"temperature": f"{role}_temperature",
                  "max_new_tokens": f"{role}_max_new_tokens"}.get(k, k)
            if pk in proto and proto[pk] is None and k != "protocol":
                proto[pk] = v
    datasets = sorted({d.dataset for d in allds})
    config = {"dataset": datasets[0] if len(datasets) == 1 else ",".join(datasets),
              "sender": _unanimous(d.sender_model for d in allds),
              "receiver": _unanimous(d.receiver_model for d in allds),
              "protocol": proto, "family": family, "loss": loss,
              "belief_source": belief_source, "seed": None, "split": None,
              "dataset_path": None, "evidence_per_instance": None}
    created = _now()
    prov = dict(source) if source is not None else {"source": "imported"}
    run = {"schema": RUN_SCHEMA, "source": prov.get("source", "imported"), "config": config,
           "prompt_version": None, "prompt_fingerprint": None,
           "library_version": __version__, "created": created,
           "sender": {"backend": "imported", "model": config["sender"]},
           "receiver": {"backend": "imported", "model": config["receiver"]},
           "import": {**prov, "importer": IMPORTER, "n_instances": len(groups),
                      "n_dialogues": len(allds)},
           "sessions": [{"started": created, "library_version": __version__,
                         "argv": None, "n_new": len(groups), "finished": created}]}
    records = []
    for index, (key, items) in enumerate(groups):
        d0 = items[0][0]
        conds: dict[Any, int] = {}
        dlist = []
        per_round = {"score_disagreements": [0] * (d0.n_rounds + 1),
                     "argument_disagreements": [0] * (d0.n_rounds + 1)}
        for d, initial, rounds, _ in items:
            ev_id = (d.evidence or {}).get("id")
            j = conds.setdefault(ev_id, len(conds))
            dlist.append({"condition": j, "sample": d.sample,
                          "evidence": dict(d.evidence) if d.evidence is not None else None,
                          "rounds": rounds})
            for r, rd in enumerate([{"receiver": {"reply": initial["reply"],
                                                  "parsed": initial["parsed"]}}, *rounds]):
                if rd.get("receiver", {}).get("parsed", {}).get("parser_disagrees"):
                    per_round["score_disagreements"][r] += 1
                if rd.get("sender", {}).get("parsed", {}).get("parser_disagrees"):
                    per_round["argument_disagreements"][r] += 1
        # the initial answer is shared: count its disagreement once
        if len(items) > 1 and items[0][1]["parsed"].get("parser_disagrees"):
            per_round["score_disagreements"][0] = 1
        dlist.sort(key=lambda x: (x["condition"], x["sample"]))
        raw = {"initial": items[0][1], "dialogues": dlist}
        metrics = _metrics(raw, family, loss, belief_source, d0.receiver_model,
                           d0.evidence_prior_support, key)
        rec = {"schema": INSTANCE_SCHEMA, "key": key, "index": index,
               "dataset": d0.dataset, "id": d0.id, "claim": d0.claim, "seed": None,
               "library_version": __version__, "prompt_version": None,
               "control": d0.control, "pair": d0.pair,
               "provenance": {**dict(d0.provenance), "source": "imported"}
               if "source" not in d0.provenance else dict(d0.provenance),
               "import": {"per_round": per_round,
                          "n_score_disagreements": sum(per_round["score_disagreements"]),
                          "n_argument_disagreements":
                              sum(per_round["argument_disagreements"]),
                          "dialogue_provenance": [dict(i[0].provenance) for i in items]},
               "status": "done", "transcript": raw, "metrics": metrics}
        if d0.evidence_prior_support is not None:
            rec["evidence_prior_support"] = d0.evidence_prior_support
        if d0.sender_model is not None or d0.receiver_model is not None:
            rec["models"] = {"sender": d0.sender_model, "receiver": d0.receiver_model}
        records.append(rec)
    # every metric is computed before anything is written: an error leaves no directory
    _write_dir(out, run, records, report)
    return out


# ---------------------------------------------------------------- importers

def _read_controls(path: str | os.PathLike) -> dict[tuple[str | None, str], tuple]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", path=str(p)) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DataError("empty controls file (expected a header id,control[,pair][,dataset])",
                        path=str(p))
    header = [h.strip() for h in rows[0]]
    unknown = sorted(set(header) - {"id", "control", "pair", "dataset"})
    if unknown or "id" not in header or "control" not in header:
        raise DataError(f"the header must be id,control with optional pair and dataset; "
                        f"got {header}", path=str(p), row=1)
    out: dict[tuple[str | None, str], tuple] = {}
    for i, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(f"{len(cells)} cells, the header has {len(header)}",
                            path=str(p), row=i)
        row = {h: c.strip() for h, c in zip(header, cells)}
        try:
            control = _parse_bool(row["control"], "control")
        except _Reject as e:
            raise DataError(e.reason, path=str(p), row=i, field="control") from None
        k = (row.get("dataset") or None, row["id"])
        if k in out:
            raise DataError(f"id {row['id']!r} occurs twice", path=str(p), row=i)
        out[k] = (control, row.get("pair") or None, i)
    return out


def _apply_controls(dialogues: list[TranscriptDialogue], controls: dict, path: str
                    ) -> list[TranscriptDialogue]:
    used = set()
    out = []
    for d in dialogues:
        k = (d.dataset, d.id) if (d.dataset, d.id) in controls else (None, d.id)
        if k not in controls:
            out.append(d)
            continue
        used.add(k)
        control, pair, row = controls[k]
        if d.control is not None and d.control != control:
            raise DataError(f"the controls file says control={control} for {d.key!r}, the "
                            f"transcript says {d.control}", path=path, row=row)
        out.append(_replace(d, control=control, pair=pair if pair is not None else d.pair))
    missing = [(k, v[2]) for k, v in controls.items() if k not in used]
    if missing:
        (_, ident), row = missing[0]
        raise DataError(f"id {ident!r} names no imported dialogue"
                        + (f" ({len(missing) - 1} more)" if len(missing) > 1 else ""),
                        path=path, row=row)
    return out


def _replace(d: TranscriptDialogue, **kw: Any) -> TranscriptDialogue:
    from dataclasses import replace

    return replace(d, **kw)


def _with_models(d: TranscriptDialogue, sender: str | None, receiver: str | None
                 ) -> TranscriptDialogue:
    """Name the models where the dialogue does not; a different name is a rejection."""
    for role, name in (("sender", sender), ("receiver", receiver)):
        own = getattr(d, f"{role}_model")
        if name is not None and own is not None and own != name:
            raise _Reject(f"the dialogue names the {role} {own!r}, --{role}-model says "
                          f"{name!r}")
        if name is not None and own is None:
            d = _replace(d, **{f"{role}_model": name})
    return d


_ROUND_PATH = re.compile(r"^\$\.(initial|rounds\[(\d+)\])(?:\.(\w+))?")


def _where(format: str, loc: str, inner: str | None) -> str:
    """Where in the input file a problem found in a dialogue's model fields lies."""
    if not inner:
        return loc
    m = _ROUND_PATH.match(inner)
    if format == "jsonl" or m is None:
        return f"{loc}, {inner}" if format == "jsonl" else loc
    k = -1 if m.group(1) == "initial" else int(m.group(2))
    if format == "csv":
        col = "p" if m.group(3) == "beliefs" else "s"
        return f"{loc}, column {col}{k + 1}"
    if m.group(3) in ("argument", "sender_reply"):
        return f"{loc}.transcript.rounds[{k}].correct"
    return f"{loc}.transcript.responses[{k + 1}].persuadee.response"


def read_transcripts(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    format: str,
    dataset: str | None = None,
    protocol: str | None = None,
    controls: str | os.PathLike | None = None,
    strict: bool = False,
    sender_model: str | None = None,
    receiver_model: str | None = None,
) -> ImportResult:
    """Read transcript files into checked dialogues, rejecting bad ones with reasons.

    See :func:`import_transcripts` (which also writes an evaluation directory)
    for the parameters.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id,claim,s0,s1\\n1,Cats are mammals.,3,5\\n2,Dogs bark.,4,9\\n")
    >>> res = read_transcripts(p, format="csv", dataset="demo")
    >>> res.n_accepted, [r.reason for r in res.rejections]
    (1, ['column s1: score 9 is outside 1..7'])
    """
    if format not in FORMATS:
        raise InvalidParameterError(f"format must be one of {', '.join(FORMATS)}, got "
                                    f"{format!r}")
    if protocol is not None and protocol not in ("static", "dynamic"):
        raise InvalidParameterError(f"protocol must be 'static' or 'dynamic', got "
                                    f"{protocol!r}")
    plist = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not plist:
        raise InvalidParameterError("no input file")
    accepted: list[TranscriptDialogue] = []
    rejections: list[Rejection] = []
    files: list[dict] = []
    file_of: dict[int, dict] = {}
    for path in plist:
        p = Path(path)
        digest = _sha256(p)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = None
        info = {"name": p.name, "path": str(p), "sha256": digest, "format": format,
                "n_read": 0, "n_accepted": 0, "n_rejected": 0}
        files.append(info)
        if text is None:
            rejections.append(Rejection(str(p), "file", None, "not UTF-8 text"))
            info["n_rejected"] += 1
            continue
        if format == "jsonl":
            items = _read_jsonl(text, p.name, dataset)
        elif format == "csv":
            items = _read_csv(text, p.name, dataset, protocol)
        else:
            items = _read_cheng_you(text, p.name, dataset, protocol)
        for loc, ident, d in items:
            if isinstance(d, _Reject):
                rejections.append(Rejection(str(p), loc, ident, d.reason))
                info["n_rejected"] += 1
                if loc not in ("header", "$", "file"):
                    info["n_read"] += 1
                continue
            info["n_read"] += 1
            if protocol is not None and d.protocol != protocol:
                rejections.append(Rejection(str(p), loc, ident,
                                            f"mixed protocols: the dialogue is {d.protocol},"
                                            f" --protocol is {protocol}"))
                info["n_rejected"] += 1
                continue
            try:
                d = _with_models(d, sender_model, receiver_model)
                _check_dialogue(d)
            except _Reject as e:
                rejections.append(Rejection(str(p), _where(format, loc, e.location), ident,
                                            e.reason))
                info["n_rejected"] += 1
                continue
            prov = {"source": "imported", "file": p.name, "sha256": digest,
                    "importer": IMPORTER, "format": format, "location": loc}
            if d.provenance:
                prov["previous"] = dict(d.provenance)
            d = _replace(d, provenance=prov)
            file_of[id(d)] = info
            accepted.append(d)
    if controls is not None:
        before = accepted
        accepted = _apply_controls(accepted, _read_controls(controls), str(controls))
        file_of = {id(new): file_of[id(old)] for old, new in zip(before, accepted)}
    _, rejected = _group_instances(accepted)
    bad_ids = {id(d) for d, _ in rejected}
    for d, reason in rejected:
        info = file_of[id(d)]
        rejections.append(Rejection(info["path"], str(d.provenance.get("location")), d.id,
                                    reason))
        info["n_rejected"] += 1
    good = tuple(d for d in accepted if id(d) not in bad_ids)
    for d in good:
        file_of[id(d)]["n_accepted"] += 1
    result = ImportResult(good, tuple(rejections), tuple(files))
    if strict and rejections:
        r = rejections[0]
        more = f" ({len(rejections) - 1} more rejected)" if len(rejections) > 1 else ""
        raise DataError(f"{r.location}{f' (id {r.id})' if r.id else ''}: {r.reason}{more}",
                        path=r.file)
    return result


def import_transcripts(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    format: str,
    out: str | os.PathLike | None = None,
    dataset: str | None = None,
    protocol: str | None = None,
    family: str = "binary-truth",
    loss: str = "quadratic",
    belief_source: str = "score",
    controls: str | os.PathLike | None = None,
    strict: bool = False,
    sender_model: str | None = None,
    receiver_model: str | None = None,
    report: str | None = "md",
) -> ImportResult:
    """Import transcripts (JSON lines, CSV, or the paper authors' logs) into an evaluation.

    Parameters
    ----------
    paths : path-like or sequence of path-like
        The input files.
    format : {"jsonl", "csv", "cheng-you"}
        ``jsonl``: one dialogue per line in the public model (module
        docstring); ``csv``: one row per dialogue with columns ``id``,
        ``claim``, scores ``s0, s1, ...`` and optional ``dataset``,
        ``control``, ``pair``, ``protocol``, ``sample``, ``sender_model``,
        ``receiver_model`` and ``P(yes)`` columns ``p0, p1, ...``;
        ``cheng-you``: the released logs of Cheng & You (2025) (a JSON list of
        claims; scores in ``<score>`` tags of
        ``transcript.responses[*].persuadee.response``; the argument shown in
        ``transcript.rounds[*].correct``, stored beside the answer that
        *preceded* it).
    out : path-like, optional
        Write an evaluation directory here (:func:`write_evaluation`).
    dataset : str, optional
        The dataset name (CSV without a ``dataset`` column; ``cheng-you``
        files not named ``<dataset>_static.json`` / ``_dynamic.json``).
    protocol : {"static", "dynamic"}, optional
        The protocol the dialogues must follow (default: from the file).
    family, loss, belief_source : str
        The analysis (see :func:`write_evaluation`).
    controls : path-like, optional
        A CSV ``id,control[,pair][,dataset]`` marking control dialogues.
    sender_model, receiver_model : str, optional
        The models' names, for dialogues that do not state them (the
        ``cheng-you`` logs do not); a dialogue naming another model is
        rejected.
    strict : bool, default False
        Raise :class:`~bayespersuade.exceptions.DataError` at the first
        rejected dialogue instead of counting it.
    report : {"md", "html"} or None

    Returns
    -------
    ImportResult

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "t.csv").write_text("id,claim,s0,s1\\n1,Cats are mammals.,3,5\\n")
    >>> res = import_transcripts(tmp / "t.csv", format="csv", dataset="demo",
    ...                          out=tmp / "eval", report=None)
    >>> res.n_accepted, res.n_rejected
    (1, 0)
    >>> json.loads((tmp / "eval" / "summary.json").read_text()
    ...            )["datasets"]["demo"]["statistics"]["score_gain"]["estimate"]
    2.0
    """
    _check_analysis(family, loss, belief_source)
    res = read_transcripts(paths, format=format, dataset=dataset, protocol=protocol,
                           controls=controls, strict=strict, sender_model=sender_model,
                           receiver_model=receiver_model)
    if out is None:
        return res
    if not res.dialogues:
        raise DataError("no dialogue was accepted; nothing to write"
                        + (f" (first rejection: {res.rejections[0]})" if res.rejections
                           else ""))
    source = {"source": "imported", "format": format,
              "files": [dict(f) for f in res.files],
              "n_rejected": res.n_rejected,
              "rejections": [r.to_json() for r in res.rejections],
              "dataset_option": dataset, "protocol_option": protocol,
              "controls": str(controls) if controls is not None else None}
    path = write_evaluation(res.dialogues, out, family=family, loss=loss,
                            belief_source=belief_source, source=source, report=report)
    return ImportResult(res.dialogues, res.rejections, res.files, path)


# ------------------------------------------------------------------- export

def _belief_out(b: Mapping | None) -> dict | None:
    if b is None:
        return None
    out = {"probs": b.get("probs"), "status": b.get("status"), "mass": b.get("mass")}
    if b.get("logprobs"):
        out["logprobs"] = b["logprobs"]
    if b.get("unobserved_bound") is not None:
        out["unobserved_bound"] = b["unobserved_bound"]
    return out


def _beliefs_out(b: Mapping | None) -> dict | None:
    if b is None:
        return None
    return {"yes_no": _belief_out(b.get("yes_no")), "likert": _belief_out(b.get("likert"))}


def _record_dialogues(rec: Mapping, run: Mapping, dir_name: str) -> list[TranscriptDialogue]:
    cfg = run.get("config", {})
    proto = cfg.get("protocol") or {}
    raw = rec["transcript"]
    init = raw["initial"]
    ip = init.get("parsed") or {}
    initial = TranscriptRound(
        0, status="ok" if ip.get("score") is not None else "receiver_unparsable",
        receiver_reply=init.get("reply"), score=ip.get("score"),
        beliefs=_beliefs_out(init.get("beliefs")))
    imported = rec.get("provenance", {}).get("source") == "imported"
    settings = {}
    for role in ("sender", "receiver"):
        st = {"temperature": proto.get(f"{role}_temperature"),
              "max_new_tokens": proto.get(f"{role}_max_new_tokens")}
        if role == "sender":
            st["word_limit"] = proto.get("word_limit")
        st["prefill"] = proto.get("prefill")
        settings[role] = None if all(v is None for v in st.values()) else st
    prov = (dict(rec["provenance"]) if imported else
            {"source": "generated", "evaluation": dir_name, "key": rec["key"],
             "seed": rec.get("seed"), "library_version": rec.get("library_version"),
             "prompt_version": rec.get("prompt_version")})
    models = rec.get("models") or {}
    out = []
    for dl in raw["dialogues"]:
        rounds = []
        for rd in dl["rounds"]:
            st = rd["status"]
            if st == "not_reached":
                rounds.append(TranscriptRound(rd["round"], status=st))
                continue
            s = rd.get("sender") or {}
            sp = s.get("parsed") or {}
            r = rd.get("receiver") or {}
            rp = r.get("parsed") or {}
            rounds.append(TranscriptRound(
                rd["round"], status=st, argument=sp.get("argument"),
                sender_reply=s.get("reply"),
                receiver_reply=r.get("reply") if r else None,
                score=rp.get("score") if r else None,
                beliefs=_beliefs_out(rd.get("beliefs"))))
        out.append(TranscriptDialogue(
            dataset=rec["dataset"], id=rec["id"], claim=rec["claim"],
            protocol=proto.get("protocol"), n_rounds=len(rounds), initial=initial,
            rounds=tuple(rounds), control=rec.get("control"), pair=rec.get("pair"),
            sample=dl.get("sample", 0), evidence=dl.get("evidence"),
            evidence_prior_support=rec.get("evidence_prior_support"),
            sender_model=models.get("sender", None if imported else cfg.get("sender")),
            sender_settings=settings["sender"],
            receiver_model=models.get("receiver", None if imported else cfg.get("receiver")),
            receiver_settings=settings["receiver"], provenance=prov))
    return out


def _csv_cell_score(t: TranscriptRound) -> str:
    if t.status == "not_reached":
        return "not-reached"
    if t.status == "sender_unparsable":
        return "no-argument"
    return "unparsable" if t.score is None else str(t.score)


def _csv_cell_p(t: TranscriptRound) -> str:
    b = (t.beliefs or {}).get("yes_no") if t.beliefs else None
    if not b or b.get("probs") is None:
        return ""
    return repr(float(b["probs"][1]))


def render_transcripts(dialogues: Sequence[TranscriptDialogue], format: str = "jsonl") -> str:
    """The text of dialogues in an export format (``"jsonl"`` or ``"csv"``).

    CSV keeps the scores (``unparsable``, ``no-argument``, ``not-reached`` for
    rounds without one) and ``P(yes)`` columns when any dialogue has beliefs.

    Examples
    --------
    >>> d = TranscriptDialogue("demo", "1", "Cats are mammals.", "static", 1,
    ...                        TranscriptRound(0, score=3),
    ...                        (TranscriptRound(1, argument="They nurse.", score=5),))
    >>> print(render_transcripts([d], "csv"), end="")
    dataset,id,claim,control,pair,protocol,sample,sender_model,receiver_model,s0,s1
    demo,1,Cats are mammals.,,,static,0,,,3,5
    """
    if format not in ("jsonl", "csv"):
        raise InvalidParameterError(f"format must be 'jsonl' or 'csv', got {format!r}")
    if format == "jsonl":
        return "".join(json.dumps(d.to_json(), ensure_ascii=False, allow_nan=False) + "\n"
                       for d in dialogues)
    else:
        n = max((d.n_rounds for d in dialogues), default=1)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([*_CSV_FIXED, *[f"s{i}" for i in range(n + 1)],
                    *[f"p{i}" for i in range(n + 1)]])
        for d in dialogues:
            if d.evidence is not None:
                raise DataError(f"{d.key}: dialogues with private evidence cannot be "
                                f"written as CSV; use format='jsonl'")
            turns = [d.initial, *d.rounds]
            w.writerow([d.dataset, d.id, d.claim,
                        "" if d.control is None else str(d.control).lower(),
                        d.pair or "", d.protocol, d.sample, d.sender_model or "",
                        d.receiver_model or "",
                        *[_csv_cell_score(t) for t in turns],
                        *[_csv_cell_p(t) for t in turns]])
        text = buf.getvalue()
        if all(not any(_csv_cell_p(t) for t in [d.initial, *d.rounds]) for d in dialogues):
            # no beliefs at all: drop the empty p columns (a blank p is "unavailable")
            rows = list(csv.reader(io.StringIO(text)))
            keep = len(_CSV_FIXED) + n + 1
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(r[:keep] for r in rows)
            text = buf.getvalue()
    return text


def export_transcripts(
    eval_dir: str | os.PathLike,
    *,
    format: str = "jsonl",
    out: str | os.PathLike | None = None,
) -> tuple[list[TranscriptDialogue], list[str]]:
    """Export an evaluation directory in the public transcript model.

    Parameters
    ----------
    eval_dir : path-like
        Any evaluation directory (generated, imported or re-scored).
    format : {"jsonl", "csv"}, default "jsonl"
        ``jsonl`` keeps everything (replies, arguments, beliefs); ``csv``
        keeps the scores and ``P(yes)`` (``p0, p1, ...``), one row per
        dialogue.
    out : path-like, optional
        Write the file here (atomically); otherwise only return.

    Returns
    -------
    (dialogues, notes)
        The dialogues, and one note per instance not exported (a skipped
        instance has no dialogue) — nothing is dropped without a note.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "t.csv").write_text("id,claim,s0,s1\\n1,Cats are mammals.,3,5\\n")
    >>> _ = import_transcripts(tmp / "t.csv", format="csv", dataset="demo",
    ...                        out=tmp / "eval", report=None)
    >>> ds, notes = export_transcripts(tmp / "eval", format="csv", out=tmp / "back.csv")
    >>> (tmp / "back.csv").read_text().splitlines()[1]
    'demo,1,Cats are mammals.,,,static,0,,,3,5'
    """
    if format not in ("jsonl", "csv"):
        raise InvalidParameterError(f"format must be 'jsonl' or 'csv', got {format!r}")
    run, records = load_run(eval_dir)
    dialogues: list[TranscriptDialogue] = []
    notes = []
    for rec in records:
        if rec.get("status") != "done":
            notes.append(f"{rec['key']}: not exported ({rec.get('status')}: "
                         f"{rec.get('reason')}; no dialogue)")
            continue
        dialogues.extend(_record_dialogues(rec, run, Path(eval_dir).name))
    text = render_transcripts(dialogues, format)
    if out is not None:
        p = Path(out)
        tmp = p.with_name(f".{p.name}.tmp-{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, p)
    return dialogues, notes


# ------------------------------------------------------------------ rescore

def rescore(
    eval_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    family: str | None = None,
    loss: str | None = None,
    belief_source: str | None = None,
    report: str | None = "md",
) -> Path:
    """Recompute every metric of an evaluation under another analysis (no model call).

    Parameters
    ----------
    eval_dir : path-like
        Any evaluation directory (generated or imported); it is not changed.
    out_dir : path-like
        A new directory: the same transcripts, new metrics, summary and report.
    family, loss, belief_source : str, optional
        The new instance family, loss and prior construction (``"logprobs"``:
        the elicited beliefs; ``"score"``: the beliefs the reported scores
        stand for); ``None`` keeps the original's.

    Returns
    -------
    Path

    Raises
    ------
    DataError
        If the directory cannot be read, or the analysis needs what the
        transcripts lack (beliefs for ``logprobs``; evidence for
        ``evidence-stance``).

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> from bayespersuade.datasets.records import ClaimRecord
    >>> from bayespersuade.llm import ProtocolConfig, scripted_receiver, scripted_sender
    >>> from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
    ...                        ProtocolConfig("static"))
    >>> _ = run_evaluation([ClaimRecord("demo", "1", "X.")], scripted_sender([1]),
    ...                    scripted_receiver(), tmp / "a", cfg, progress=False, report=None)
    >>> _ = rescore(tmp / "a", tmp / "b", belief_source="score", report=None)
    >>> run = json.loads((tmp / "b" / "run.json").read_text())
    >>> run["config"]["belief_source"], run["rescored_from"]["config"]["belief_source"]
    ('score', 'logprobs')
    """
    src = Path(eval_dir)
    run, records = load_run(src)
    cfg = dict(run["config"])
    new = {"family": family or cfg.get("family"), "loss": loss or cfg.get("loss"),
           "belief_source": belief_source or cfg.get("belief_source")}
    _check_analysis(new["family"], new["loss"], new["belief_source"])
    if new["belief_source"] == "logprobs" and not (cfg.get("protocol") or {}).get("beliefs"):
        raise DataError(f"{src} records no beliefs; the 'logprobs' prior source needs them "
                        f"(use 'score')", path=str(src / RUN))
    out = Path(out_dir)
    if out.resolve() == src.resolve():
        raise DataError("rescore writes a new directory; give another output directory")
    _check_fresh(out)
    created = _now()
    digests = {name: _sha256(src / name) for name in (RUN, RESULTS) if (src / name).exists()}
    new_run = {**run, "config": {**cfg, **new}, "created": created,
               "rescored_from": {"dir": str(src), "sha256": digests, "config": run["config"],
                                 "created": run.get("created"),
                                 "previous_rescore": run.get("rescored_from")},
               "rescore": {**new, "library_version": __version__, "created": created},
               "sessions": [*run.get("sessions", []),
                            {"started": created, "library_version": __version__,
                             "rescore": new, "n_new": 0, "finished": created}]}
    out_recs = []
    for rec in records:
        rec = dict(rec)
        if rec.get("status") == "done":
            model = (rec["models"].get("receiver") if isinstance(rec.get("models"), dict)
                     else cfg.get("receiver"))
            rec["metrics"] = _metrics(rec["transcript"], new["family"], new["loss"],
                                      new["belief_source"], model,
                                      rec.get("evidence_prior_support"), rec["key"])
        out_recs.append(rec)
    _write_dir(out, new_run, out_recs, report)
    return out
