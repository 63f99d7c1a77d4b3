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
import codecs
import csv
import gzip
import io
import json
import re
import sys
import unicodedata
import zlib
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..exceptions import DataError, InvalidParameterError
from .records import Rejection

__all__ = [
    "DEFAULT_ENCODING",
    "MAX_NUMBER_DIGITS",
    "RowSink",
    "check_encoding",
    "decode_error",
    "duplicate_key_problem",
    "exact_number",
    "json_list_rows",
    "nfc",
    "object_pairs",
    "open_binary",
    "open_text",
    "parse_likert",
    "read_csv_rows",
    "read_json",
    "read_jsonl",
]


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


#: The encoding files are read in unless a loader is given ``encoding=``.
DEFAULT_ENCODING = "utf-8"

#: The most digits the numerator or the denominator of a number cell may have
#: (Python's limit on converting integers to text; the game-file format has the
#: same cap), checked *before* the number is built, so that a cell such as
#: ``1e-99999999`` is an error at once instead of minutes of arithmetic.
MAX_NUMBER_DIGITS = 4300

_GZIP_MAGIC = b"\x1f\x8b"
_BZ2_MAGIC = b"BZh"


def check_encoding(encoding: str) -> str:
    """The canonical name of a text encoding, or an error naming the bad one.

    Examples
    --------
    >>> check_encoding("Latin-1")
    'iso8859-1'
    >>> check_encoding("klingon")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.InvalidParameterError: unknown text encoding 'klingon' ...
    """
    if not isinstance(encoding, str) or not encoding:
        raise InvalidParameterError(f"encoding must be the name of a text encoding, got "
                                    f"{encoding!r}")
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InvalidParameterError(
            f"unknown text encoding {encoding!r} (for example 'utf-8', 'latin-1', "
            "'cp1252')") from None
    if not isinstance(info, codecs.CodecInfo) or info._is_text_encoding is False:
        raise InvalidParameterError(f"{encoding!r} is not a text encoding")
    return info.name


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C, so that one claim has one spelling.

    The same text typed on two systems can arrive composed (``"é"``, one code
    point) or decomposed (``"e"`` + a combining accent); the loaders compare and
    keep claim texts in NFC so that both are one claim.

    Examples
    --------
    >>> nfc("cafe\u0301") == "caf\u00e9"
    True
    """
    return unicodedata.normalize("NFC", text)


class _Guarded(io.RawIOBase):
    """A binary stream that turns decompression failures into a :class:`DataError`."""

    def __init__(self, raw: Any, path: str, kind: str | None) -> None:
        self._raw = raw
        self._path = path
        self._kind = kind

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        try:
            data = self._raw.read(len(b))
        except (EOFError, OSError, zlib.error) as exc:
            if self._kind is None:
                raise DataError(f"cannot read the file ({exc})", path=self._path) from None
            raise DataError(
                f"the {self._kind} data is damaged or cut short, or the file is not "
                f"{self._kind}-compressed although its name ends in "
                f"{'.gz' if self._kind == 'gzip' else '.bz2'} ({exc})",
                path=self._path) from None
        n = len(data)
        b[:n] = data
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def _compression(p: Path) -> str | None:
    return {".gz": "gzip", ".bz2": "bzip2"}.get(p.suffix.lower())


def open_binary(path: str | Path) -> io.BufferedReader:
    """Open a data file for reading bytes, decompressing ``.gz``/``.bz2`` transparently.

    Decompression errors (a cut-short or damaged archive, a file named
    ``.gz`` that is not gzip) raise :class:`DataError` naming the file when
    the bytes are read; so does a compressed file whose name does not say so.

    Raises
    ------
    DataError
        If the file does not exist, is a folder, or cannot be opened.
    """
    p = Path(path)
    if p.is_dir():
        raise DataError("is a folder, not a file", path=str(p))
    if not p.is_file():
        raise DataError("no such file", path=str(p))
    kind = _compression(p)
    try:
        if kind is None:
            with open(p, "rb") as fh:
                magic = fh.read(10)
            gz = magic.startswith(_GZIP_MAGIC)
            # "BZh", the block size 1-9, then a block or end-of-stream marker
            bz = (magic.startswith(_BZ2_MAGIC) and magic[3:4].isdigit() and magic[3:4] != b"0"
                  and magic[4:10] in (b"1AY&SY", b"\x17rE8P\x90"))
            if gz or bz:
                what, ext = ("gzip", ".gz") if gz else ("bzip2", ".bz2")
                raise DataError(f"the file is {what}-compressed but its name does not end in "
                                f"{ext}; rename it (it is then read as it is)", path=str(p))
            raw: Any = open(p, "rb")  # noqa: SIM115 (returned to the caller, who closes it)
        elif kind == "gzip":
            raw = gzip.open(p, "rb")  # noqa: SIM115
        else:
            raw = bz2.open(p, "rb")  # noqa: SIM115
    except OSError as exc:
        raise DataError(f"cannot open file ({exc.strerror or exc})", path=str(p)) from None
    return io.BufferedReader(_Guarded(raw, str(p), kind))


def open_text(path: str | Path, encoding: str = DEFAULT_ENCODING) -> io.TextIOWrapper:
    """Open a text file, decompressing ``.bz2`` and ``.gz`` transparently.

    Parameters
    ----------
    path : path-like
    encoding : str, default "utf-8"
        The file's text encoding.  Text that does not decode is never
        replaced or skipped: the reader raises, and :func:`decode_error`
        turns that into a :class:`DataError` with the byte offset.  In
        UTF-8, a leading byte-order mark is dropped (else it would become
        part of the first column's name).

    Raises
    ------
    DataError
        If the file does not exist, is a folder, or cannot be opened.
    """
    codec = check_encoding(encoding)
    if codec == "utf-8":  # a byte-order mark (Excel writes one) is not part of the text
        codec = "utf-8-sig"
    return io.TextIOWrapper(open_binary(path), encoding=codec, newline="")


def decode_error(path: str | Path, encoding: str, exc: UnicodeDecodeError) -> DataError:
    """The :class:`DataError` for text that does not decode: file, byte offset and line.

    The offset is found by decoding the (decompressed) file again from the start,
    so it is the offset in the file, not in a buffer.

    Examples
    --------
    >>> import os, tempfile
    >>> f = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(f, "wb").write("claim\\ncaf\u00e9\\n".encode("latin-1"))
    >>> try:
    ...     open_text(f).read()
    ... except UnicodeDecodeError as exc:
    ...     print(decode_error(f, "utf-8", exc))  # doctest: +ELLIPSIS
    file ...x.csv: not utf-8 text: byte 0xe9 at byte offset 9 (line 2) cannot be decoded ...
    """
    offset, line, byte = None, None, None
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        consumed = 0
        with open_binary(path) as fh:
            while offset is None:
                chunk = fh.read(1 << 20)
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as err:
                    offset = consumed - pending + err.start
                    byte = err.object[err.start]
                if not chunk:
                    break
                consumed += len(chunk)
        if offset is not None:
            line = 1
            with open_binary(path) as fh:
                left = offset
                while left > 0:
                    chunk = fh.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    line += chunk.count(b"\n")
                    left -= len(chunk)
    except DataError:
        offset = None
    where = (f"byte 0x{byte:02x} at byte offset {offset} (line {line})" if offset is not None
             else "a byte")
    return DataError(
        f"not {encoding} text: {where} cannot be decoded ({exc.reason}); if the file is in "
        "another encoding, give it with encoding= (command line: --encoding), for example "
        "encoding='latin-1' or 'cp1252'", path=str(path))


def _too_deep(path: str | Path) -> DataError:
    return DataError("JSON nested too deeply to read (deeper than Python's parser allows, "
                     f"about {sys.getrecursionlimit()} levels)", path=str(path))


class _Duplicated(dict):
    """A JSON object that repeats a key, or contains (at any depth) one that does.

    ``pairs`` holds the object's own key/value pairs, in file order, when the
    object itself repeats a key (``None`` when only something inside it does);
    ``problem`` says which key, for the rejection.
    """

    __slots__ = ("pairs", "problem")


def _inner_problem(value: Any) -> str | None:
    if isinstance(value, _Duplicated):
        return value.problem
    if isinstance(value, list):
        for v in value:
            p = _inner_problem(v)
            if p is not None:
                return p
    return None


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    own = len(obj) != len(pairs)
    problem = None
    if own:
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                problem = f"the key {k!r} appears more than once in one JSON object"
                break
            seen.add(k)
    else:
        for _, v in pairs:
            problem = _inner_problem(v)
            if problem is not None:
                break
    if problem is None:
        return obj
    out = _Duplicated(obj)
    out.pairs = list(pairs) if own else None
    out.problem = problem
    return out


def duplicate_key_problem(value: Any) -> str | None:
    """Why ``value`` (read by this module) cannot be trusted: a repeated JSON key, or ``None``.

    A JSON object with a key twice keeps only the last value in Python, which
    would lose data silently; the readers here mark such objects, and every
    loader rejects the row holding one.

    Examples
    --------
    >>> import io
    >>> duplicate_key_problem(_loads('{"a": [{"b": 1, "b": 2}]}'))
    "the key 'b' appears more than once in one JSON object"
    >>> duplicate_key_problem(_loads('{"a": 1}')) is None
    True
    """
    return _inner_problem(value)


def object_pairs(obj: dict) -> list[tuple[str, Any]]:
    """The key/value pairs of a JSON object as written, repeated keys included.

    Examples
    --------
    >>> object_pairs(_loads('{"x": 1, "x": 2}'))
    [('x', 1), ('x', 2)]
    """
    if isinstance(obj, _Duplicated) and obj.pairs is not None:
        return list(obj.pairs)
    return list(obj.items())


def _loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, object_pairs_hook=_pairs_hook)


def read_json(path: str | Path, encoding: str = DEFAULT_ENCODING) -> Any:
    """Read a whole JSON file; numbers with a decimal point become :class:`Decimal`.

    Reading decimals as :class:`~decimal.Decimal` keeps ``0.3`` exactly
    ``3/10`` downstream.  Objects that repeat a key are marked (see
    :func:`duplicate_key_problem`, :func:`object_pairs`) for the loader to
    reject the rows that hold them.
    """
    with open_text(path, encoding) as fh:
        try:
            return json.load(fh, parse_float=Decimal, object_pairs_hook=_pairs_hook)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                path=str(path),
            ) from None
        except UnicodeDecodeError as exc:
            raise decode_error(path, encoding, exc) from None
        except RecursionError:
            raise _too_deep(path) from None
        except DataError:  # from the file itself (a damaged archive)
            raise
        except ValueError as exc:  # an integer beyond the digit limit
            raise DataError(f"not valid JSON ({exc})", path=str(path)) from None


def read_jsonl(path: str | Path, sink: RowSink, encoding: str = DEFAULT_ENCODING
               ) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, value)`` for each non-blank line of a JSON-lines file.

    A line that is not valid JSON is rejected (reason ``"not valid JSON"``),
    so is one nested too deeply (``"JSON nested too deeply"``) and one with
    an object that repeats a key (``"duplicate key in a JSON object"``);
    each such line is then yielded as a sentinel (:func:`is_bad`).  Blank
    lines are skipped (they are not rows) but keep the numbering.
    """
    with open_text(path, encoding) as fh:
        try:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    value = _loads(line)
                except json.JSONDecodeError as exc:
                    sink.reject(lineno, None, "not valid JSON", f"{exc.msg} at column {exc.colno}")
                    yield lineno, _BAD
                    continue
                except RecursionError:
                    sink.reject(lineno, None, "JSON nested too deeply",
                                f"deeper than about {sys.getrecursionlimit()} levels")
                    yield lineno, _BAD
                    continue
                except ValueError as exc:  # an integer beyond the digit limit
                    sink.reject(lineno, None, "not valid JSON", str(exc))
                    yield lineno, _BAD
                    continue
                problem = duplicate_key_problem(value)
                if problem is not None:
                    sink.reject(lineno, None, "duplicate key in a JSON object", problem)
                    yield lineno, _BAD
                    continue
                yield lineno, value
        except UnicodeDecodeError as exc:
            raise decode_error(path, encoding, exc) from None


def json_list_rows(data: list, sink: RowSink, *, path: str | Path | None = None
                   ) -> Iterator[tuple[int, Any]]:
    """``(position, item)`` for a JSON list read by :func:`read_json`.

    An item holding a repeated key is rejected (reason ``"duplicate key in a
    JSON object"``) and yielded as the sentinel (:func:`is_bad`).
    """
    for i, item in enumerate(data, start=1):
        problem = duplicate_key_problem(item)
        if problem is not None:
            sink.reject(i, None, "duplicate key in a JSON object", problem, path=path)
            yield i, _BAD
        else:
            yield i, item


#: Sentinel yielded by :func:`read_jsonl` for a line that was already rejected.
_BAD = object()


def is_bad(value: Any) -> bool:
    """Whether ``value`` is the sentinel of an already-rejected JSON-lines row."""
    return value is _BAD


def read_csv_rows(path: str | Path, required: tuple[str, ...], *,
                  one_of: tuple[tuple[str, ...], ...] = (),
                  encoding: str = DEFAULT_ENCODING,
                  ) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Open a CSV file and check its header.

    Parameters
    ----------
    path : path-like
    required : tuple of str
        Columns that must be present (else a file-level :class:`DataError`).
    one_of : tuple of tuple of str
        Groups of alternative column names, at least one of each group present.
    encoding : str, default "utf-8"
        The file's text encoding.

    Returns
    -------
    header : list of str
    rows : iterator of (row_number, dict)
        ``row_number`` is 1-based over data records (the header is not
        counted).  A record with more or fewer fields than the header is
        yielded with the special key ``None`` (extra fields) or missing
        values set to ``None``, for the caller to reject.

    Raises
    ------
    DataError
        For a missing or empty file, text that does not decode, a missing
        column, or a header that names a column twice (one of the two would
        be lost).
    """
    try:
        with open_text(path, encoding) as peek:
            sample = peek.read(65536)
    except UnicodeDecodeError as exc:
        raise decode_error(path, encoding, exc) from None
    fh = open_text(path, encoding)
    dialect: Any = csv.excel_tab if path_is_tsv(path, sample) else csv.excel
    reader = csv.DictReader(fh, dialect=dialect)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        fh.close()
        raise DataError(f"cannot read the CSV header ({exc})", path=str(path)) from None
    if not header:
        fh.close()
        raise DataError("the file is empty (no header row)", path=str(path))
    header = [h.strip() if h else h for h in header]
    first: dict[str, int] = {}
    for i, h in enumerate(header, start=1):
        if h in first:
            fh.close()
            raise DataError(
                f"the header names the column {h!r} twice (columns {first[h]} and {i}); "
                "one of them would be lost: rename or remove one", path=str(path), field=h)
        first[h] = i
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
            except csv.Error as exc:
                raise DataError(f"cannot parse the CSV ({exc})", path=str(path),
                                row=n + 1) from None
            except UnicodeDecodeError as exc:
                raise decode_error(path, encoding, exc) from None

    return header, rows()


def exact_number(value: str | int | Decimal) -> Fraction:
    """A number cell read exactly, with its size capped (see :data:`MAX_NUMBER_DIGITS`).

    Accepts an integer, a ``Decimal`` (a JSON number with a point) or a string
    ``"p/q"``, ``"0.3"``, ``"2.5e-3"``.

    Raises
    ------
    ValueError
        If it is not a finite number, or its numerator or denominator would
        have more than :data:`MAX_NUMBER_DIGITS` digits.

    Examples
    --------
    >>> exact_number("2.5e-3"), exact_number("2/6")
    (Fraction(1, 400), Fraction(1, 3))
    >>> exact_number("1e-99999999")
    Traceback (most recent call last):
    ...
    ValueError: has a denominator of 100000000 digits; at most 4300 are read
    """
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        num, sep, den = text.partition("/")
        if sep:
            for part, what in ((num, "numerator"), (den, "denominator")):
                if len(part.strip().lstrip("+-")) > MAX_NUMBER_DIGITS:
                    raise ValueError(f"has a {what} of more than {MAX_NUMBER_DIGITS} digits; "
                                     f"at most {MAX_NUMBER_DIGITS} are read")
            return Fraction(text)
        try:
            value = Decimal(text.replace("_", "x"))
        except ArithmeticError:
            raise ValueError("is not a number") from None
    if not value.is_finite():
        raise ValueError("is not a finite number")
    _, digits, exp = value.as_tuple()
    assert isinstance(exp, int)
    n_digits = len(digits) + max(exp, 0)
    if n_digits > MAX_NUMBER_DIGITS:
        raise ValueError(f"has a numerator of {n_digits} digits; at most "
                         f"{MAX_NUMBER_DIGITS} are read")
    if exp < 0 and -exp + 1 > MAX_NUMBER_DIGITS:
        raise ValueError(f"has a denominator of {-exp + 1} digits; at most "
                         f"{MAX_NUMBER_DIGITS} are read")
    return Fraction(value)


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
        digits = m.group(1).lstrip("0") or "0"
        if len(digits) > 3:  # no Likert scale has that many points (and int() would fail)
            raise RowError(None, f"rating is not a 1-{scale} Likert rating",
                           repr(value) if len(value) <= 40 else repr(value[:30]) + "...")
        r = int(digits)
    else:
        raise RowError(None, f"rating is not a 1-{scale} Likert rating", repr(value))
    if not 1 <= r <= scale:
        raise RowError(None, f"rating is not a 1-{scale} Likert rating", repr(value))
    return r
