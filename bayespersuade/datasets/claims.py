"""Loader for the user's own claims: a plain CSV or JSON-lines file.

Format
------
A CSV file (``.csv``; ``.tsv`` for tab-separated), a JSON-lines file
(``.jsonl``, ``.jsonlist``, ``.ndjson``: one JSON object a line) or a JSON
file (``.json``: one list of objects).  Columns (keys):

============================  ==================================================
``claim``                     the claim's text (required)
``id``                        the claim's identifier (optional column; without
                              it, ids ``"001"``, ``"002"``... are given to the
                              distinct claims in order of first appearance)
``prior``                     ``P(true)`` in ``[0, 1]`` (optional)
``prior_1`` .. ``prior_7``    a prior over the seven Likert positions for the
                              normative-position family (optional; all seven or
                              none; must sum to exactly 1)
``source``                    where the claim comes from (optional)
``rating_initial``,           a receiver's ratings (1..7) before and after an
``rating_final``              argument (optional; one observation per row)
``persuader``, ``argument``,  who wrote the argument, its text, and the rater
``participant``               (optional, with the ratings)
============================  ==================================================

Any other column is kept in the record's ``metadata`` (from the claim's
first row).  Several rows may share an id (one row per observation); they
must agree on the claim text and on any prior they give.

Numbers are read **exactly**: ``"0.3"`` (or the JSON number ``0.3``) is
``Fraction(3, 10)``, ``"1/3"`` is ``Fraction(1, 3)``; a prior therefore stays
rational all the way to an exact solve.  Empty cells mean "not given".  As
in game files, a number's numerator and denominator may have at most 4,300
digits (:data:`~bayespersuade.datasets._rows.MAX_NUMBER_DIGITS`): a longer
one (``1e-99999999`` is 11 characters but a 100-million-digit denominator) is
a rejected row, found before any arithmetic is done.

Text is read as UTF-8 unless ``encoding=`` says otherwise.  A header that
names a column twice is an error (one of the two would be lost), and so, in
a JSON file, is an object that repeats a key (its row is rejected).

Examples
--------
A minimal CSV::

    id,claim,prior
    c1,Remote work raises productivity,0.4
    c2,Nuclear power is safe,2/3
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..exceptions import DataError
from ._rows import (
    DEFAULT_ENCODING,
    RowError,
    RowSink,
    exact_number,
    is_bad,
    json_list_rows,
    nfc,
    parse_likert,
    read_csv_rows,
    read_json,
    read_jsonl,
)
from .records import ClaimRecord, LoadResult, RatingObservation

__all__ = ["load_claims", "parse_probability"]

_POS = tuple(f"prior_{k}" for k in range(1, 8))
_KNOWN = {"id", "claim", "prior", "source", "rating_initial", "rating_final", "persuader",
          "argument", "participant", *_POS}
_JSONL = (".jsonl", ".jsonlist", ".ndjson")


def parse_probability(value: Any, field: str = "prior") -> Fraction | None:
    """Read a probability exactly (``None`` for an empty cell).

    Raises ``RowError`` (internal) for anything that is not a number in ``[0, 1]``.

    Examples
    --------
    >>> parse_probability("0.3"), parse_probability("2/3"), parse_probability("")
    (Fraction(3, 10), Fraction(2, 3), None)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RowError(field, f"{field} is not a number", repr(value))
    if not isinstance(value, int | Decimal | str):
        raise RowError(field, f"{field} is not a number", repr(value))
    try:
        q = exact_number(value)
    except ZeroDivisionError:
        raise RowError(field, f"{field} is not a number", f"{value!r} (a zero denominator)"
                       ) from None
    except ValueError as exc:
        shown = repr(value) if len(str(value)) <= 40 else f"{str(value)[:30]!r}..."
        if "digits" in str(exc):
            raise RowError(field, f"{field} has too many digits", f"{shown} {exc}") from None
        raise RowError(field, f"{field} is not a number", shown) from None
    if not 0 <= q <= 1:
        raise RowError(field, f"{field} is not in [0, 1]", str(q))
    return q


def _rows(path: Path, sink: RowSink, encoding: str
          ) -> tuple[list[str] | None, Iterator[tuple[int, Any]]]:
    name = path.name.lower().removesuffix(".bz2").removesuffix(".gz")
    if name.endswith(_JSONL):
        return None, read_jsonl(path, sink, encoding)
    if name.endswith(".json"):
        data = read_json(path, encoding)
        if not isinstance(data, list):
            raise DataError("a .json claims file must hold one JSON list of objects",
                            path=str(path))
        return None, json_list_rows(data, sink)
    header, rows = read_csv_rows(path, ("claim",), encoding=encoding)
    return header, rows


def load_claims(path: str | Path, *, strict: bool = False,
                encoding: str = DEFAULT_ENCODING) -> LoadResult:
    """Load a plain file of claims (with optional priors and ratings).

    Parameters
    ----------
    path : path-like
        CSV/TSV, JSON-lines or JSON file (see the module notes for the columns).
    strict : bool, default False
        Raise :class:`~bayespersuade.exceptions.DataError` at the first
        malformed row instead of recording it.
    encoding : str, default "utf-8"
        The file's text encoding (for example ``"latin-1"``).  Text that does
        not decode is an error naming the byte offset, never replaced.

    Returns
    -------
    LoadResult
        One record per claim id, ``dataset = "claims"``.  Claim texts and ids
        are compared and kept in Unicode normal form C (:func:`unicodedata.normalize`),
        so one claim typed composed and decomposed is one claim.

    Examples
    --------
    >>> import os, tempfile
    >>> f = os.path.join(tempfile.mkdtemp(), "claims.csv")
    >>> _ = open(f, "w").write("id,claim,prior\\nc1,Tea is good,0.4\\nc2,Rain is wet,\\n")
    >>> res = load_claims(f)
    >>> [(r.id, r.prior) for r in res.records]
    [('c1', Fraction(2, 5)), ('c2', None)]
    """
    p = Path(path)
    sink = RowSink(p, strict)
    header, rows = _rows(p, sink, encoding)
    groups: dict[str, dict[str, Any]] = {}
    by_claim: dict[str, str] = {}
    n_read = 0
    for rowno, row in rows:
        n_read += 1
        if is_bad(row):
            continue
        try:
            parsed = _parse(row, header)
            id_given = ("id" in header) if header is not None else ("id" in row)
            if id_given:
                if parsed["id"] is None:
                    raise RowError("id", "empty id")
                key = parsed["id"]
            else:
                key = by_claim.setdefault(parsed["claim"], f"{len(by_claim) + 1:03d}")
            _merge(groups, key, parsed)
        except RowError as err:
            sink.reject(rowno, err.field, err.reason, err.detail)
    records = tuple(
        ClaimRecord(dataset="claims", id=key, claim=g["claim"], prior=g["prior"],
                    position_prior=g["position_prior"], source=g["source"],
                    observations=tuple(g["obs"]), metadata=g["meta"])
        for key, g in groups.items()
    )
    return LoadResult(records, n_read, tuple(sink.rejected), (str(p),))


def _cell(row: dict, key: str) -> Any:
    v = row.get(key)
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _text(row: dict, key: str) -> str | None:
    v = _cell(row, key)
    if v is None:
        return None
    if isinstance(v, int | Decimal) and not isinstance(v, bool):
        return str(v)
    if not isinstance(v, str):
        raise RowError(key, f"{key} is not text", repr(v))
    return nfc(v)


def _parse(row: Any, header: list[str] | None) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise RowError(None, "row is not a JSON object", type(row).__name__)
    if header is not None:
        if None in row:
            raise RowError(None, "row has more fields than the header", repr(row[None]))
        for col in header:
            if row.get(col) is None:
                raise RowError(col, "row has fewer fields than the header")
    claim = _text(row, "claim")
    if claim is None:
        raise RowError("claim", "missing or empty claim")
    prior = parse_probability(_cell(row, "prior"), "prior")
    given = [k for k in _POS if _cell(row, k) is not None]
    position_prior = None
    if given:
        if len(given) != 7:
            missing = [k for k in _POS if k not in given]
            raise RowError(missing[0], "prior_1..prior_7 must be given all together")
        position_prior = tuple(parse_probability(_cell(row, k), k) for k in _POS)
        total = sum(position_prior, Fraction(0))
        if total != 1:
            raise RowError("prior_1", "prior_1..prior_7 do not sum to 1", str(total))
    ratings = {}
    for col in ("rating_initial", "rating_final"):
        v = _cell(row, col)
        if v is None:
            ratings[col] = None
            continue
        if isinstance(v, Decimal):
            raise RowError(col, "rating is not a 1-7 Likert rating", str(v))
        try:
            ratings[col] = parse_likert(v)
        except RowError as err:
            raise RowError(col, err.reason, err.detail) from None
    obs = None
    if ratings["rating_initial"] is not None or ratings["rating_final"] is not None:
        obs = RatingObservation(
            initial=ratings["rating_initial"], final=ratings["rating_final"],
            source=_text(row, "persuader"), argument=_text(row, "argument"),
            participant=_text(row, "participant"),
        )
    meta = {k: _jsonable(v) for k, v in row.items() if k not in _KNOWN and k is not None}
    return {"id": _text(row, "id"), "claim": claim, "prior": prior,
            "position_prior": position_prior, "source": _text(row, "source"), "obs": obs,
            "meta": meta}


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dict | list):
        return json.loads(json.dumps(v, default=str))
    return v


def _merge(groups: dict[str, dict[str, Any]], key: str, parsed: dict[str, Any]) -> None:
    g = groups.get(key)
    if g is None:
        groups[key] = {"claim": parsed["claim"], "prior": parsed["prior"],
                       "position_prior": parsed["position_prior"], "source": parsed["source"],
                       "obs": [parsed["obs"]] if parsed["obs"] is not None else [],
                       "meta": parsed["meta"]}
        return
    if parsed["claim"] != g["claim"]:
        raise RowError("claim", "claim text differs from an earlier row with the same id",
                       f"{parsed['claim']!r} != {g['claim']!r}")
    for k in ("prior", "position_prior", "source"):
        if parsed[k] is not None:
            if g[k] is not None and g[k] != parsed[k]:
                raise RowError(k, f"{k} differs from an earlier row with the same id",
                               f"{parsed[k]} != {g[k]}")
            g[k] = parsed[k]
    if parsed["obs"] is not None:
        g["obs"].append(parsed["obs"])
