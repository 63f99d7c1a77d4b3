"""Loader for ChangeMyView (Tan et al. 2016, "Winning Arguments").

The corpus is distributed by its authors (``cmv.tar.bz2`` from
chenhaot.com); users load their own copy.  Nothing here downloads it.

What is read
------------
The **pair task** files, ``pair_task/train_pair_data.jsonlist`` and
``pair_task/heldout_pair_data.jsonlist`` (JSON lines; ``.bz2``-compressed
copies are read as they are).  Each line is one pair: an original post (OP)
and two reply threads to it, one that earned a delta (the OP said their view
changed) and one, similar in topic, that did not.  The keys read are

================  ===========================================================
``op_name``       the post's Reddit id (``t3_...``; required) -> record id
``op_title``      the post's title (required) -> the claim (see below)
``op_text``       the post's body (string; kept in ``metadata["op_text"]``)
``op_author``     the OP's user name (the receiver; optional)
``positive``      ``{"author": ..., "comments": [{"body": ..., ...}, ...]}``,
                  the delta-winning thread (required)
``negative``      the same for the thread without a delta (required)
================  ===========================================================

Lines of the **OP task** files (``op_task/*_op_data.jsonlist``, with keys
``name``, ``title``, ``selftext`` and ``delta_label``) are also accepted: they
give a claim and whether the OP's view was changed, with no reply text.

How the claim is derived
------------------------
The subreddit's rules require a title that states the view; titles start
with a ``CMV:`` marker.  The claim is the title with that marker removed
(``CMV:``, ``[CMV]``, ``CMV -``, any case) and surrounding white space
stripped; nothing else is rewritten (Cheng & You summarise posts with a
language model instead; we do not, so that every claim can be traced to its
source text).  A title that is empty after removing the marker is rejected.
The claim is the **OP's own view**: the reply threads argue *against* it.

Records and observations
------------------------
Lines are grouped by ``op_name`` (one record per post; an OP can appear in
several pairs).  Each thread becomes a :class:`RatingObservation` without
ratings (the data has none): ``participant`` is the OP (the receiver),
``source`` is ``"Human"``, ``argument`` is the thread's comment bodies joined
by blank lines, and ``extra`` holds ``delta`` (True for the positive
thread), ``persuader`` (the thread author), ``n_comments`` and the line
number.  CMV has no numeric prior: its games need a prior from the user
(``--prior``) or from a language model's elicited belief.

References
----------
Tan, C., Niculae, V., Danescu-Niculescu-Mizil, C. and Lee, L. (2016).
Winning arguments: interaction dynamics and persuasion strategies in
good-faith online discussions. In *Proceedings of WWW 2016*, 613-624.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..exceptions import DataError
from ._rows import DEFAULT_ENCODING, RowError, RowSink, is_bad, nfc, read_jsonl
from .records import ClaimRecord, LoadResult, RatingObservation

__all__ = ["claim_from_title", "load_cmv"]

_CMV_PREFIX = re.compile(
    r"^\s*(?:[\[(]\s*cmv\s*[\])]\s*[:\-–—]?|cmv\s*[:\-–—]|cmv\s+)\s*", re.IGNORECASE)


def claim_from_title(title: str) -> str:
    """The claim stated by a CMV post title: the title without its ``CMV:`` marker.

    Examples
    --------
    >>> claim_from_title("CMV: Pineapple belongs on pizza.")
    'Pineapple belongs on pizza.'
    >>> claim_from_title("[CMV] Cats are better than dogs")
    'Cats are better than dogs'
    """
    return _CMV_PREFIX.sub("", title, count=1).strip()


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and re.search(
            r"_(pair|op)_data\.jsonlist(\.bz2)?$", p.name))
        if not found:
            raise DataError(
                "no '*_pair_data.jsonlist' or '*_op_data.jsonlist' file (optionally "
                ".bz2) under this folder", path=str(path))
        return found
    if not path.is_file():
        raise DataError("no such file", path=str(path))
    return [path]


def load_cmv(path: str | Path, *, strict: bool = False,
             encoding: str = DEFAULT_ENCODING) -> LoadResult:
    """Load ChangeMyView pair-task (or OP-task) JSON lines.

    Parameters
    ----------
    path : path-like
        A ``.jsonlist`` file (optionally ``.bz2``), or a folder searched
        recursively for ``*_pair_data.jsonlist`` and ``*_op_data.jsonlist``.
    strict : bool, default False
        Raise :class:`~bayespersuade.exceptions.DataError` at the first
        malformed line instead of recording it.
    encoding : str, default "utf-8"
        The file's text encoding (for example ``"latin-1"``); text that does
        not decode is a :class:`~bayespersuade.exceptions.DataError` naming
        the byte offset, never replaced.

    Returns
    -------
    LoadResult
        One record per original post.

    Examples
    --------
    >>> import json, tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "train_pair_data.jsonlist")
    >>> line = {"op_name": "t3_x", "op_title": "CMV: Tea beats coffee", "op_text": "...",
    ...         "op_author": "op", "positive": {"author": "a", "comments": [{"body": "Yes"}]},
    ...         "negative": {"author": "b", "comments": [{"body": "No"}]}}
    >>> _ = open(f, "w").write(json.dumps(line) + "\\n")
    >>> r = load_cmv(f).records[0]
    >>> r.id, r.claim, [o.extra["delta"] for o in r.observations]
    ('t3_x', 'Tea beats coffee', [True, False])
    """
    files = _files(Path(path))
    by_id: dict[str, dict[str, Any]] = {}
    rejected = []
    n_read = 0
    for f in files:
        sink = RowSink(f, strict)
        for lineno, value in read_jsonl(f, sink, encoding):
            n_read += 1
            if is_bad(value):
                continue
            try:
                rec_id, title, meta, observations = _parse_line(value, lineno)
                entry = by_id.get(rec_id)
                if entry is None:
                    by_id[rec_id] = {"title": title, "meta": meta, "obs": list(observations)}
                elif entry["title"] != title:
                    raise RowError("op_title", "conflicting title for an op_name seen before",
                                   f"{title!r} != {entry['title']!r}")
                else:
                    entry["obs"].extend(observations)
                    entry["meta"]["n_lines"] += 1
            except RowError as err:
                sink.reject(lineno, err.field, err.reason, err.detail)
        rejected.extend(sink.rejected)
    records = tuple(
        ClaimRecord(dataset="cmv", id=rec_id, claim=claim_from_title(e["title"]),
                    observations=tuple(e["obs"]), source="reddit r/changemyview",
                    metadata=e["meta"])
        for rec_id, e in by_id.items()
    )
    return LoadResult(records, n_read, tuple(rejected), tuple(str(f) for f in files))


def _string(obj: dict, key: str, *, required: bool = True, empty_ok: bool = False) -> str | None:
    if key not in obj or obj[key] is None:
        if required:
            raise RowError(key, f"missing {key}")
        return None
    val = obj[key]
    if not isinstance(val, str):
        raise RowError(key, f"{key} is not a string", type(val).__name__)
    if not empty_ok and not val.strip():
        raise RowError(key, f"empty {key}")
    return val


def _thread(value: Any, key: str, op_author: str | None, delta: bool, lineno: int
            ) -> RatingObservation:
    if not isinstance(value, dict):
        raise RowError(key, f"{key} is not an object")
    comments = value.get("comments")
    if not isinstance(comments, list) or not comments:
        raise RowError(f"{key}.comments", "thread has no comment list")
    bodies = []
    for j, c in enumerate(comments):
        if not isinstance(c, dict):
            raise RowError(f"{key}.comments[{j}]", "comment is not an object")
        body = c.get("body")
        if isinstance(body, list):  # some releases store the body as a list of strings
            if not all(isinstance(b, str) for b in body):
                raise RowError(f"{key}.comments[{j}].body", "comment body is not text")
            body = "\n".join(body)
        if not isinstance(body, str):
            raise RowError(f"{key}.comments[{j}].body", "comment body is not text")
        bodies.append(body.strip())
    author = value.get("author")
    return RatingObservation(
        source="Human", argument="\n\n".join(bodies), participant=op_author,
        extra={"delta": delta, "persuader": author if isinstance(author, str) else None,
               "n_comments": len(comments), "line": lineno},
    )


def _parse_line(value: Any, lineno: int):
    if not isinstance(value, dict):
        raise RowError(None, "line is not a JSON object", type(value).__name__)
    if "op_title" in value or "op_name" in value:  # pair task
        rec_id = _string(value, "op_name")
        title = nfc(_string(value, "op_title"))
        if not claim_from_title(title):
            raise RowError("op_title", "title states no claim after removing 'CMV:'",
                           repr(title))
        op_text = _string(value, "op_text", required=False, empty_ok=True)
        op_author = _string(value, "op_author", required=False)
        for key in ("positive", "negative"):
            if key not in value:
                raise RowError(key, f"missing {key}")
        observations = (
            _thread(value["positive"], "positive", op_author, True, lineno),
            _thread(value["negative"], "negative", op_author, False, lineno),
        )
        meta = {"title": title, "op_text": op_text, "op_author": op_author, "task": "pair",
                "n_lines": 1}
        return rec_id, title, meta, observations
    if "title" in value and "delta_label" in value:  # op task
        rec_id = _string(value, "name")
        title = nfc(_string(value, "title"))
        if not claim_from_title(title):
            raise RowError("title", "title states no claim after removing 'CMV:'", repr(title))
        label = value["delta_label"]
        if not isinstance(label, bool):
            raise RowError("delta_label", "delta_label is not true/false", repr(label))
        meta = {"title": title, "op_text": _string(value, "selftext", required=False,
                                                   empty_ok=True),
                "task": "op", "delta_label": label, "n_lines": 1}
        return rec_id, title, meta, ()
    raise RowError(None, "line is neither a CMV pair (op_name, op_title, positive, negative) "
                   "nor an OP-task line (name, title, delta_label)")
