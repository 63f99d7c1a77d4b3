"""Loader for the Anthropic Persuasion dataset (``persuasion_data.csv``).

The dataset (Durmus et al. 2024; Hugging Face ``Anthropic/persuasion``,
CC-BY-NC-SA-4.0) is not redistributable here: users load their own copy.

What is read
------------
One CSV file, one row per (participant, argument), with the columns

=========================  ====================================================
``claim``                  the claim (required, non-empty)
``argument``               the argument shown (required column; may be empty)
``source``                 ``"Human"`` or a model name (required, non-empty)
``rating_initial``         the participant's rating before the argument
``rating_final``           the rating after it (both required)
``worker_id`` or ``ID``    the participant (at least one of the two columns)
``prompt_type``            how the argument was generated (optional)
``persuasiveness_metric``  ``rating_final - rating_initial`` (optional)
=========================  ====================================================

Ratings are strings such as ``"4 - Neither oppose nor support"`` or bare
integers; only the leading integer is read, and it must lie in ``1..7``
(the label text after the dash is kept nowhere and not checked, since the
release's exact wording is not part of the format).  When the
``persuasiveness_metric`` column is present it must be an integer equal to
``rating_final - rating_initial``; a row where it differs is rejected as
self-contradictory.

Records
-------
Rows are grouped by claim text (after stripping surrounding white space and
normalising to Unicode normal form C, so a claim spelt composed in one row and
decomposed in another is one claim):
one :class:`ClaimRecord` per distinct claim, with ids ``"001"``, ``"002"``,
... in order of first appearance in the file (so the ids are stable for a
given file).  Each row becomes one :class:`RatingObservation` (initial and
final rating, source, argument, participant; ``extra`` holds
``prompt_type``, the CSV row number and the ``control`` flag).

Control rows
------------
The study behind the dataset ran a control condition (arguments for
indisputable claims) to measure drift in ratings that is not persuasion.  A
row is flagged ``extra["control"] = True`` when its ``source`` or its
``prompt_type`` equals ``"control"`` or contains the word ``control``
(case-insensitively).  Control rows are loaded like the others (their
initial ratings are pre-treatment ratings of their claim); the human
baselines (:mod:`bayespersuade.instances.baselines`) leave them out unless asked.  The
public release may contain no such rows; the rule is documented here so that
a copy that does is handled consistently.

References
----------
Durmus, E., Lovitt, L., Tamkin, A., Ritchie, S., Clark, J. and Ganguli, D.
(2024). Measuring the persuasiveness of language models. Anthropic.
https://www.anthropic.com/news/measuring-model-persuasiveness
"""

from __future__ import annotations

import re
from pathlib import Path

from ._rows import DEFAULT_ENCODING, RowError, RowSink, nfc, parse_likert, read_csv_rows
from .records import ClaimRecord, LoadResult, RatingObservation

__all__ = ["is_control", "load_anthropic"]

_REQUIRED = ("claim", "argument", "source", "rating_initial", "rating_final")
_CONTROL_RE = re.compile(r"\bcontrol\b", re.IGNORECASE)


def is_control(source: str | None, prompt_type: str | None) -> bool:
    """Whether an Anthropic row belongs to the control condition (see module notes).

    Examples
    --------
    >>> is_control("Control", None), is_control("Claude 3 Opus", "Logical Reasoning")
    (True, False)
    """
    return any(v is not None and _CONTROL_RE.search(v) is not None
               for v in (source, prompt_type))


def load_anthropic(path: str | Path, *, strict: bool = False,
                   encoding: str = DEFAULT_ENCODING) -> LoadResult:
    """Load the user's copy of ``persuasion_data.csv``.

    Parameters
    ----------
    path : path-like
        The CSV file.
    strict : bool, default False
        Raise :class:`~bayespersuade.exceptions.DataError` at the first
        malformed row instead of recording it in ``LoadResult.rejected``.
    encoding : str, default "utf-8"
        The file's text encoding (for example ``"latin-1"``); text that does
        not decode is a :class:`~bayespersuade.exceptions.DataError` naming
        the byte offset, never replaced.

    Returns
    -------
    LoadResult
        One record per distinct claim.

    Raises
    ------
    DataError
        If the file is missing, is not CSV, or lacks a required column (always);
        on a malformed row (strict mode).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "persuasion_data.csv")
    >>> _ = open(f, "w").write(
    ...     "worker_id,claim,argument,source,prompt_type,rating_initial,rating_final\\n"
    ...     "w1,Cats are great,Because.,Human,Human,2 - Oppose,5 - Somewhat support\\n")
    >>> res = load_anthropic(f)
    >>> r = res.records[0]
    >>> r.id, r.claim, r.observations[0].initial, r.observations[0].final
    ('001', 'Cats are great', 2, 5)
    """
    header, rows = read_csv_rows(path, _REQUIRED, one_of=(("worker_id", "ID"),),
                                 encoding=encoding)
    pid_col = "worker_id" if "worker_id" in header else "ID"
    sink = RowSink(path, strict)
    order: dict[str, list[RatingObservation]] = {}
    n_read = 0
    for rowno, row in rows:
        n_read += 1
        try:
            obs, claim = _parse_row(row, rowno, pid_col, header)
        except RowError as err:
            sink.reject(rowno, err.field, err.reason, err.detail)
            continue
        order.setdefault(claim, []).append(obs)
    records = []
    for k, (claim, observations) in enumerate(order.items(), start=1):
        sources = sorted({o.source for o in observations if o.source is not None})
        n_control = sum(bool(o.extra.get("control")) for o in observations)
        records.append(ClaimRecord(
            dataset="anthropic", id=f"{k:03d}", claim=claim,
            observations=tuple(observations),
            metadata={"n_rows": len(observations), "sources": sources,
                      "n_control_rows": n_control},
        ))
    return LoadResult(tuple(records), n_read, tuple(sink.rejected), (str(path),))


def _parse_row(row: dict, rowno: int, pid_col: str, header: list[str]
               ) -> tuple[RatingObservation, str]:
    if None in row:
        raise RowError(None, "row has more fields than the header", repr(row[None]))
    for col in header:
        if row.get(col) is None:
            raise RowError(col, "row has fewer fields than the header")
    claim = nfc(row["claim"].strip())
    if not claim:
        raise RowError("claim", "empty claim")
    source = row["source"].strip()
    if not source:
        raise RowError("source", "empty source")
    ratings = {}
    for col in ("rating_initial", "rating_final"):
        try:
            ratings[col] = parse_likert(row[col])
        except RowError as err:
            raise RowError(col, err.reason, err.detail) from None
    if "persuasiveness_metric" in row and row["persuasiveness_metric"].strip():
        raw = row["persuasiveness_metric"].strip()
        try:
            metric = int(raw)
        except ValueError:
            raise RowError("persuasiveness_metric", "persuasiveness_metric is not an integer",
                           repr(raw)) from None
        if metric != ratings["rating_final"] - ratings["rating_initial"]:
            raise RowError(
                "persuasiveness_metric",
                "persuasiveness_metric differs from rating_final - rating_initial",
                f"{metric} != {ratings['rating_final']} - {ratings['rating_initial']}",
            )
    prompt_type = row.get("prompt_type")
    prompt_type = prompt_type.strip() if prompt_type is not None and prompt_type.strip() else None
    participant = row[pid_col].strip() or None
    argument = row["argument"].strip() or None
    obs = RatingObservation(
        initial=ratings["rating_initial"], final=ratings["rating_final"], source=source,
        argument=argument, participant=participant,
        extra={"prompt_type": prompt_type, "row": rowno,
               "control": is_control(source, prompt_type)},
    )
    return obs, claim
