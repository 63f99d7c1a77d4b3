"""Loader for PERSPECTRUM v1.0 (Chen et al. 2019), CC-BY-SA-4.0.

What is read
------------
Three files of the upstream release (GitHub ``CogComp/perspectrum``, folder
``data/dataset/``), from one folder:

``perspectrum_with_answers_v1.0.json``
    A list of claims: ``cId`` (int), ``text``, ``source`` (idebate,
    debatewise, procon), ``topics`` (optional list) and ``perspectives``, a
    list of perspective *clusters* (paraphrases of one perspective), each
    with ``pids`` (perspective ids), ``stance_label_3`` (``SUPPORT`` or
    ``UNDERMINE``, the gold coarse stance), ``stance_label_5`` (the gold fine
    stance, or ``NO_MAJORITY_LABEL``), ``voter_counts`` (five crowd vote
    counts, in the order support, mildly support, mildly undermine,
    undermine, not a valid perspective) and ``evidence`` (evidence paragraph
    ids; the paragraphs themselves are not read).
``perspective_pool_v1.0.json``
    A list of ``{"pId", "text", "source"}``: the perspectives' texts.
``dataset_split_v1.0.json``
    ``{"<cId>": "train" | "dev" | "test"}``.

Records
-------
One :class:`ClaimRecord` per claim: ``id = str(cId)``, ``claim = text``,
``source`` the debate site, ``metadata = {"split", "topics"}``, and one
:class:`Evidence` per cluster: ``id = str(pids[0])``, ``text`` the first
perspective's text, ``stance`` ``"support"``/``"undermine"`` (the gold
coarse label), ``votes`` the five crowd counts keyed by :data:`VOTE_LABELS`,
and ``extra`` holding all ``pids``, the other perspectives' texts
(``paraphrases``), the fine label and the evidence ids.

The gold coarse label and the crowd votes disagree for a few clusters: in
v1.0, 24 of the 5,095 clusters have a gold label opposite to the majority of
their stance votes, and 106 clusters (all labelled UNDERMINE) received only
"not a valid perspective" votes.  Both are kept verbatim; the
evidence-stance prior (:func:`bayespersuade.instances.families.evidence_support_share`)
documents which it uses.

Malformed rows
--------------
A claim is rejected as a whole when any of its fields or clusters is
malformed (a cluster with an unknown perspective id, a stance other than
SUPPORT/UNDERMINE, vote counts that are not five non-negative integers),
when its id repeats an earlier claim's, when its JSON object repeats a key,
or when the split file does not list it (or lists it more than once: every
such entry is rejected, so the claim is not silently moved to the split of
the last one); dropping a single cluster would silently change the claim's
prior.  Claim texts are kept in Unicode normal form C.  The
row of a claim is its 1-based position in the claims file; pool and split
entries are reported against their own files.

References
----------
Chen, S., Khashabi, D., Yin, W., Callison-Burch, C. and Roth, D. (2019).
Seeing things from a different angle: discovering diverse perspectives
about claims. In *Proceedings of NAACL-HLT 2019*, 542-557.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..exceptions import DataError, InvalidParameterError
from ._rows import (
    DEFAULT_ENCODING,
    RowError,
    RowSink,
    duplicate_key_problem,
    nfc,
    object_pairs,
    read_json,
)
from .records import ClaimRecord, Evidence, LoadResult

__all__ = ["FILES", "SPLITS", "VOTE_LABELS", "load_perspectrum"]

#: The upstream file names.
FILES = {
    "claims": "perspectrum_with_answers_v1.0.json",
    "pool": "perspective_pool_v1.0.json",
    "split": "dataset_split_v1.0.json",
}
#: The crowd vote labels, in the order of ``voter_counts``.
VOTE_LABELS = ("support", "mildly_support", "mildly_undermine", "undermine",
               "not_a_perspective")
#: The dataset's splits.
SPLITS = ("train", "dev", "test")


def _check_split(split: str) -> str:
    """Validate a split name (``"all"`` or one of :data:`SPLITS`)."""
    if split != "all" and split not in SPLITS:
        raise InvalidParameterError(
            f"split must be 'all', 'train', 'dev' or 'test', got {split!r}")
    return split


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(field, f"{field.split('.')[-1]} is not an integer", repr(value))
    return value


def _claim_record(obj: Any, texts_of: Callable[[int, int, Any], list[str]],
                 split_of: Callable[[str], str | None]) -> ClaimRecord:
    """Build one record from an upstream-format claim object (raises ``RowError``).

    ``texts_of(i, cluster_index, cluster)`` returns the texts of the cluster's
    perspectives (raising ``RowError`` for unknown ids); ``split_of(id)``
    returns the claim's split or ``None``.
    """
    if not isinstance(obj, dict):
        raise RowError(None, "claim is not a JSON object", type(obj).__name__)
    cid = str(_int(obj.get("cId"), "cId"))
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RowError("text", "missing or empty claim text")
    source = obj.get("source")
    if source is not None and not isinstance(source, str):
        raise RowError("source", "source is not a string", repr(source))
    topics = obj.get("topics", [])
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise RowError("topics", "topics is not a list of strings")
    clusters = obj.get("perspectives")
    if not isinstance(clusters, list):
        raise RowError("perspectives", "perspectives is not a list")
    evidence = []
    for k, cl in enumerate(clusters):
        where = f"perspectives[{k}]"
        if not isinstance(cl, dict):
            raise RowError(where, "perspective cluster is not an object")
        pids = cl.get("pids")
        if not isinstance(pids, list) or not pids:
            raise RowError(f"{where}.pids", "pids is not a non-empty list")
        pids = [_int(p, f"{where}.pids") for p in pids]
        stance3 = cl.get("stance_label_3")
        if not isinstance(stance3, str) or stance3.upper() not in ("SUPPORT", "UNDERMINE"):
            raise RowError(f"{where}.stance_label_3", "stance is not SUPPORT or UNDERMINE",
                           repr(stance3))
        stance5 = cl.get("stance_label_5")
        if not isinstance(stance5, str):
            raise RowError(f"{where}.stance_label_5", "fine stance label is not a string",
                           repr(stance5))
        counts = cl.get("voter_counts")
        if (not isinstance(counts, list) or len(counts) != len(VOTE_LABELS)
                or any(isinstance(c, bool) or not isinstance(c, int) or c < 0
                       for c in counts)):
            raise RowError(f"{where}.voter_counts",
                           "voter_counts is not five non-negative integers", repr(counts))
        ev_ids = cl.get("evidence", [])
        if not isinstance(ev_ids, list):
            raise RowError(f"{where}.evidence", "evidence is not a list")
        ev_ids = [_int(e, f"{where}.evidence") for e in ev_ids]
        texts = texts_of(k, pids, cl)
        evidence.append(Evidence(
            id=str(pids[0]), text=texts[0], stance=stance3.lower(),
            votes=dict(zip(VOTE_LABELS, counts)),
            extra={"pids": tuple(pids), "paraphrases": tuple(texts[1:]),
                   "stance_label_5": stance5.lower(), "evidence_ids": tuple(ev_ids)},
        ))
    split = split_of(cid)
    if split is None:
        raise RowError("cId", "claim id not listed in the split file", cid)
    return ClaimRecord(
        dataset="perspectrum", id=cid, claim=nfc(text.strip()), evidence=tuple(evidence),
        source=source, metadata={"split": split, "topics": tuple(topics)},
    )


def _collect(claims: Iterable[tuple[int, Any]], sink: RowSink,
            texts_of: Callable[[int, int, Any], list[str]],
            split_of: Callable[[str], str | None], split: str
            ) -> tuple[list[ClaimRecord], int, int]:
    """Build records from ``(row, claim)`` pairs; returns (kept, n_read, n_other_split)."""
    seen: set[str] = set()
    kept = []
    n_read = 0
    n_other = 0
    for rowno, obj in claims:
        n_read += 1
        try:
            problem = duplicate_key_problem(obj)
            if problem is not None:
                raise RowError(None, "duplicate key in a JSON object", problem)
            rec = _claim_record(obj, texts_of, split_of)
            if rec.id in seen:
                raise RowError("cId", "duplicate claim id", rec.id)
        except RowError as err:
            sink.reject(rowno, err.field, err.reason, err.detail)
            continue
        seen.add(rec.id)
        if split == "all" or rec.metadata["split"] == split:
            kept.append(rec)
        else:
            n_other += 1
    return kept, n_read, n_other


def _split_note(split: str, kept: int, other: int) -> tuple[str, ...]:
    """The note a split filter leaves in ``LoadResult.notes``."""
    if split == "all":
        return ()
    return (f"split {split!r}: kept {kept} claims, left out {other} valid claims of "
            "other splits",)


def load_perspectrum(path: str | Path, *, split: str = "all", strict: bool = False,
                     encoding: str = DEFAULT_ENCODING) -> LoadResult:
    """Load PERSPECTRUM v1.0 from the folder holding its three JSON files.

    Parameters
    ----------
    path : path-like
        The folder with :data:`FILES`.
    split : {"all", "train", "dev", "test"}, default "all"
        Keep only the claims of one split (the others are counted in
        ``LoadResult.notes``, not rejected).
    strict : bool, default False
        Raise :class:`~bayespersuade.exceptions.DataError` at the first
        malformed claim, pool entry or split entry.
    encoding : str, default "utf-8"
        The files' text encoding; text that does not decode is a
        :class:`~bayespersuade.exceptions.DataError` naming the byte offset.

    Returns
    -------
    LoadResult

    Examples
    --------
    >>> import json, os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> claim = {"cId": 7, "text": "Zoos should be banned", "source": "idebate",
    ...          "perspectives": [{"pids": [1], "stance_label_3": "SUPPORT",
    ...                            "stance_label_5": "SUPPORT",
    ...                            "voter_counts": [3, 1, 0, 0, 0], "evidence": [5]}]}
    >>> for name, obj in [(FILES["claims"], [claim]),
    ...                   (FILES["pool"], [{"pId": 1, "text": "Animals suffer"}]),
    ...                   (FILES["split"], {"7": "test"})]:
    ...     _ = open(os.path.join(d, name), "w").write(json.dumps(obj))
    >>> ev = load_perspectrum(d).records[0].evidence[0]
    >>> ev.text, ev.stance, ev.votes["mildly_support"]
    ('Animals suffer', 'support', 1)
    """
    _check_split(split)
    folder = Path(path)
    if not folder.is_dir():
        raise DataError("not a folder (expected the folder holding the PERSPECTRUM files)",
                        path=str(folder))
    paths = {k: folder / v for k, v in FILES.items()}
    claims = read_json(paths["claims"], encoding)
    pool = read_json(paths["pool"], encoding)
    splits = read_json(paths["split"], encoding)
    if not isinstance(claims, list):
        raise DataError("the claims file must hold a JSON list", path=str(paths["claims"]))
    if not isinstance(pool, list):
        raise DataError("the perspective pool must hold a JSON list", path=str(paths["pool"]))
    if not isinstance(splits, dict):
        raise DataError("the split file must hold a JSON object", path=str(paths["split"]))
    sink = RowSink(paths["claims"], strict)

    texts: dict[int, str] = {}
    for i, p in enumerate(pool, start=1):
        if duplicate_key_problem(p) is not None:
            sink.reject(i, None, "duplicate key in a JSON object", duplicate_key_problem(p),
                        path=paths["pool"])
        elif (not isinstance(p, dict) or isinstance(p.get("pId"), bool)
                or not isinstance(p.get("pId"), int)):
            sink.reject(i, "pId", "pool entry has no integer pId", path=paths["pool"])
        elif not isinstance(p.get("text"), str) or not p["text"].strip():
            sink.reject(i, "text", "pool entry has no text", path=paths["pool"])
        elif p["pId"] in texts:
            sink.reject(i, "pId", "duplicate perspective id", str(p["pId"]),
                        path=paths["pool"])
        else:
            texts[p["pId"]] = p["text"].strip()
    split_map: dict[str, str] = {}
    split_pairs = object_pairs(splits)
    count: dict[str, int] = {}
    for k, _ in split_pairs:
        count[k] = count.get(k, 0) + 1
    for i, (k, v) in enumerate(split_pairs, start=1):
        if count[k] > 1:
            # which split holds the claim is ambiguous: reject every entry, so the
            # claim is rejected too ("not listed"), instead of keeping the last one
            sink.reject(i, k, "claim id listed more than once in the split file",
                        f"{count[k]} entries; this one says {v!r}", path=paths["split"])
        elif v not in SPLITS:
            sink.reject(i, k, "split is not train, dev or test", repr(v), path=paths["split"])
        else:
            split_map[k] = v

    def texts_of(k: int, pids: list[int], cl: Any) -> list[str]:
        out = []
        for p in pids:
            if p not in texts:
                raise RowError(f"perspectives[{k}].pids", "perspective id not in the pool",
                               str(p))
            out.append(texts[p])
        return out

    kept, n_read, n_other = _collect(enumerate(claims, start=1), sink, texts_of,
                                    split_map.get, split)
    return LoadResult(tuple(kept), n_read, tuple(sink.rejected),
                      tuple(str(p) for p in paths.values()),
                      _split_note(split, len(kept), n_other))
