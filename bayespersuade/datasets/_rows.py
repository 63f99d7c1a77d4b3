"""Shared machinery for the dataset loaders: rejecting rows, reading files.

Every loader reads rows, turns the good ones into records and *accounts* for
the bad ones: in strict mode the first malformed row raises
:class:`~bayespersuade.exceptions.DataError` naming the file, the row and the
field; otherwise each is recorded as a :class:`Rejection` with its reason.
File-level problems (a missing file, a missing column, a file that is not
JSON at all) always raise, since nothing could be read.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..exceptions import DataError
from .records import Rejection

__all__ = ["RowSink", "open_text", "parse_likert", "read_csv_rows", "read_json", "read_jsonl"]


class RowSink:
    """Collects rejections for one file, or raises at once in strict mode.

    Examples
    --------
    >>> sink = RowSink("a.csv", strict=False)
    >>> sink.reject(3, "claim", "empty claim")
    >>> sink.rejected[0].row
    3
    >>> RowSink("a.csv", strict=True).reject(3, "claim", "empty claim")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.DataError: file a.csv, row 3, field 'claim': empty claim
    """

    def __init__(self, path: str | Path, strict: bool) -> None:
        self.path = str(path)
        self.strict = strict
        self.rejected: list[Rejection] = []

    def reject(self, row: int, field: str | None, reason: str, detail: str | None = None,
               *, path: str | Path | None = None) -> None:
        """Record (or, in strict mode, raise) a rejection of ``row``."""
        where = self.path if path is None else str(path)
        rej = Rejection(where, row, field, reason, detail)
        if self.strict:
            raise DataError(rej.message(), path=where, row=row, field=field)
        self.rejected.append(rej)


class RowError(Exception):
    """Internal: a row is malformed (caught by the loader and turned into a rejection)."""

    def __init__(self, field: str | None, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.detail = detail


def open_text(path: str | Path) -> io.TextIOBase:
    """Open a text file, decompressing ``.bz2`` and ``.gz`` transparently (UTF-8).

    Raises
    ------
    DataError
        If the file does not exist or cannot be opened.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("no such file", path=str(p))
    try:
        if p.suffix == ".bz2":
            return io.TextIOWrapper(bz2.open(p, "rb"), encoding="utf-8", newline="")
        if p.suffix == ".gz":
            return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8", newline="")
        return open(p, encoding="utf-8", newline="")
    except OSError as exc:
        raise DataError(f"cannot open file ({exc})", path=str(p)) from None


def read_json(path: str | Path) -> Any:
    """Read a whole JSON file; numbers with a decimal point become :class:`Decimal`.

    Reading decimals as :class:`~decimal.Decimal` keeps ``0.3`` exactly
    ``3/10`` downstream.
    """
    with open_text(path) as fh:
        try:
            return json.load(fh, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                path=str(path),
            ) from None
        except UnicodeDecodeError as exc:
            raise DataError(f"not UTF-8 text ({exc.reason})", path=str(path)) from None


def read_jsonl(path: str | Path, sink: RowSink) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, value)`` for each non-blank line of a JSON-lines file.

    A line that is not valid JSON is rejected (reason ``"not valid JSON"``).
    Blank lines are skipped (they are not rows) but keep the numbering.
    """
    with open_text(path) as fh:
        try:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield lineno, json.loads(line, parse_float=Decimal)
                except json.JSONDecodeError as exc:
                    sink.reject(lineno, None, "not valid JSON", f"{exc.msg} at column {exc.colno}")
                    yield lineno, _BAD
        except UnicodeDecodeError as exc:
            raise DataError(f"not UTF-8 text ({exc.reason})", path=str(path)) from None


#: Sentinel yielded by :func:`read_jsonl` for a line that was already rejected.
_BAD = object()


def is_bad(value: Any) -> bool:
    """Whether ``value`` is the sentinel of an already-rejected JSON-lines row."""
    return value is _BAD


def read_csv_rows(path: str | Path, required: tuple[str, ...], *,
                  one_of: tuple[tuple[str, ...], ...] = ()
                  ) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Open a CSV file and check its header.

    Parameters
    ----------
    path : path-like
    required : tuple of str
        Columns that must be present (else a file-level :class:`DataError`).
    one_of : tuple of tuple of str
        Groups of alternative column names, at least one of each group present.

    Returns
    -------
    header : list of str
    rows : iterator of (row_number, dict)
        ``row_number`` is 1-based over data records (the header is not
        counted).  A record with more or fewer fields than the header is
        yielded with the special key ``None`` (extra fields) or missing
        values set to ``None``, for the caller to reject.
    """
    fh = open_text(path)
    sample = fh.read(65536)
    fh.seek(0)
    dialect: Any = csv.excel_tab if path_is_tsv(path, sample) else csv.excel
    reader = csv.DictReader(fh, dialect=dialect)
    try:
        header = reader.fieldnames
    except (csv.Error, UnicodeDecodeError) as exc:
        fh.close()
        raise DataError(f"cannot read the CSV header ({exc})", path=str(path)) from None
    if not header:
        fh.close()
        raise DataError("the file is empty (no header row)", path=str(path))
    header = [h.strip() if h else h for h in header]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        fh.close()
        raise DataError(
            f"missing required column(s) {', '.join(map(repr, missing))}; the header is "
            f"{header}", path=str(path), field=missing[0],
        )
    for group in one_of:
        if not any(c in header for c in group):
            fh.close()
            raise DataError(
                f"needs one of the columns {', '.join(map(repr, group))}; the header is "
                f"{header}", path=str(path), field=group[0],
            )

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with fh:
            n = 0
            try:
                for row in reader:
                    n += 1
                    yield n, row
            except (csv.Error, UnicodeDecodeError) as exc:
                raise DataError(f"cannot parse the CSV ({exc})", path=str(path),
                                row=n + 1) from None

    return header, rows()


def path_is_tsv(path: str | Path, sample: str) -> bool:
    """Whether a delimited file is tab-separated (by extension, else by its header)."""
    name = str(path).lower().removesuffix(".gz").removesuffix(".bz2")
    if name.endswith(".tsv"):
        return True
    if name.endswith(".csv"):
        return False
    first = sample.splitlines()[0] if sample else ""
    return "\t" in first and "," not in first


_LIKERT_RE = re.compile(r"^\s*([0-9]+)\s*(?:-\s*(\S.*?))?\s*$")


def parse_likert(value: Any, scale: int = 7) -> int:
    """Parse a Likert rating: an integer, or a string ``"4"`` / ``"4 - Neither ..."``.

    Raises
    ------
    RowError
        If the value is missing, not of that form, or outside ``1..scale``.

    Examples
    --------
    >>> parse_likert("4 - Neither oppose nor support")
    4
    >>> parse_likert(7)
    7
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RowError(None, "missing rating")
    if isinstance(value, bool):
        raise RowError(None, f"rating is not a 1-{scale} Likert rating", repr(value))
    if isinstance(value, int):
        r = value
    elif isinstance(value, str):
        m = _LIKERT_RE.match(value)
        if m is None:
            raise RowError(None, f"rating is not a 1-{scale} Likert rating", repr(value))
        r = int(m.group(1))
    else:
        raise RowError(None, f"rating is not a 1-{scale} Likert rating", repr(value))
    if not 1 <= r <= scale:
        raise RowError(None, f"rating is not a 1-{scale} Likert rating", repr(value))
    return r
