"""Reading and writing persuasion games as JSON: the ``bayespersuade.game`` format.

A game file is one JSON object (UTF-8 text).  This is the complete format,
version 2 (version 1 is version 2 without ``receiver_prior``; both are read, and
a game with a common prior is written as version 1, so older readers still
load it); a file written by hand from this description loads.

.. code-block:: json

    {
      "format": "bayespersuade.game",
      "version": 1,
      "name": "prosecutor",
      "states": ["innocent", "guilty"],
      "actions": ["acquit", "convict"],
      "prior": ["7/10", "3/10"],
      "sender_utility": [
        [0, 0],
        [1, 1]
      ],
      "receiver_utility": [
        [1, 0],
        [0, 1]
      ],
      "metadata": {"reference": "Kamenica & Gentzkow (2011)"}
    }

Fields
------
``format`` (required)
    The string ``"bayespersuade.game"``.
``version`` (required)
    The integer ``1`` or ``2``.  Files of a later version are refused with a
    message saying so, never half-read.
``prior`` (required)
    An array of ``n_states`` numbers: the common prior ``μ0``, non-negative,
    summing to one.
``receiver_prior`` (optional, version 2 only)
    An array of ``n_states`` numbers: the receiver's own prior ``μR`` when it
    differs from the sender's (heterogeneous priors, Alonso & Câmara 2016);
    ``prior`` is then the sender's.  It must be positive wherever ``prior``
    is.  ``null`` or absent: a common prior.
``sender_utility``, ``receiver_utility`` (required)
    Arrays of ``n_actions`` rows, each an array of ``n_states`` numbers:
    ``v(a, ω)`` and ``u(a, ω)``.  **Rows are actions, columns are states**,
    as in the Python API (``sender_utility[a][ω]``).
``states``, ``actions`` (optional)
    Arrays of distinct labels, each a string or an integer (``"guilty"``,
    ``3``; booleans and floats are not labels).  The label ``1`` and the
    label ``"1"`` are different labels.  Default ``"s0", "s1", ...`` and
    ``"a0", "a1", ...``.
``name`` (optional)
    A string, or ``null`` for no name.
``metadata`` (optional)
    A JSON object (or ``null``) of free-form information, for example where
    the prior came from.  It is kept as read and used by no algorithm.

Any other field is an error (this catches misspelt field names such as
``"prior_"``), and so is a key repeated within one JSON object.

Numbers
-------
Each entry of ``prior`` and of the utilities is one of

* a JSON **integer** (``3``, ``-2``): exact;
* a **string** holding an exact rational: ``"3/10"``, ``"-1/3"``, an integer
  such as ``"7"``, or a decimal such as ``"0.3"`` or ``"2.5e-3"``.  A decimal
  string is read *exactly*: ``"0.3"`` is the fraction ``3/10``, not the float
  nearest to 0.3.  No spaces; denominators are positive; a decimal exponent is
  at most 4 digits, and the numerator and the denominator of the number (a
  decimal ``"0.0001"`` has the denominator ``10000``) at most 4,300 digits
  each (:data:`MAX_DIGITS`);
* a JSON **float** (``0.3``, ``1e-3``, ``2.0``): a floating-point number.

A game whose entries are all integers and strings is *rational*
(:attr:`~bayespersuade.PersuasionGame.is_rational`) and keeps its exact values,
which exact solving needs.  **A single JSON float anywhere in the prior or the
utilities makes the whole game a float game**: floats are never converted to
rationals implicitly (note that ``2.0`` is a float and ``2`` an integer).  To
write an exact 0.3, write ``"3/10"`` or ``"0.3"`` with the quotes.

``NaN``, ``Infinity`` and ``-Infinity`` (which Python's :mod:`json` accepts by
default) are refused, as are floats too large to represent.  A rational prior
must sum to exactly one; a float prior to within ``1e-9``.

What is written
---------------
:func:`save_game` and :func:`dumps_game` write every field, one utility row
per line.  A rational game's entries are written as JSON integers where they
are integers and as ``"p/q"`` strings otherwise, so it reads back exactly
equal.  A float game's entries are written as JSON floats with the shortest
representation that reads back to the same double (Python's ``repr``), so
it reads back bit-for-bit equal (``-0.0`` included).  Metadata must be
JSON-serialisable (string keys; ``None``, ``bool``, ``int``, finite ``float``,
``str``, lists, tuples and dicts of them; numpy scalars are converted);
tuples are written as, and so read back as, JSON arrays.

Errors
------
Every problem with a file raises :class:`~bayespersuade.GameFileError` (a
subclass of :class:`~bayespersuade.InvalidGameError`) whose message starts with
the file name and says what is wrong and where, for example
``games/g.json: sender_utility[2][1] is "abc", which is not a number``.
Problems found by :class:`~bayespersuade.PersuasionGame`'s own validation
(a prior that does not sum to one, duplicate labels, mismatched shapes) are
re-raised the same way, with the original message after the file name.

Bundled example files (:func:`example_path`) live in
``bayespersuade/example_games/``.

Examples
--------
>>> from bayespersuade.game import loads_game
>>> from bayespersuade.io import dumps_game
>>> text = '''{"format": "bayespersuade.game", "version": 1,
...   "prior": ["0.7", "3/10"],
...   "sender_utility": [[0, 0], [1, 1]],
...   "receiver_utility": [[1, 0], [0, 1]]}'''
>>> game = loads_game(text)
>>> game.exact_data()[0]
array([Fraction(7, 10), Fraction(3, 10)], dtype=object)
>>> game.states, game.is_rational
(('s0', 's1'), True)
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .exceptions import GameFileError, InvalidGameError, InvalidParameterError

if TYPE_CHECKING:  # pragma: no cover
    from .solvers.game_data import GameLike

__all__ = [
    "FORMAT",
    "VERSION",
    "atomic_output",
    "dumps_game",
    "example_path",
    "parse_game_dict",
    "parse_game_json",
    "read_game_file",
    "game_to_dict",
    "save_game",
    "write_atomic",
]

#: The value of the ``"format"`` field of a game file.
FORMAT = "bayespersuade.game"
#: The current format version (it adds ``receiver_prior`` to version 1).
VERSION = 2
#: The versions this library reads.
READ_VERSIONS = (1, 2)

_REQUIRED = ("format", "version", "prior", "sender_utility", "receiver_utility")
_OPTIONAL = ("name", "states", "actions", "metadata", "receiver_prior")
_FIELDS = (
    "format", "version", "name", "states", "actions", "prior", "receiver_prior",
    "sender_utility", "receiver_utility", "metadata",
)

_EXAMPLE_DIR = Path(__file__).resolve().parent / "example_games"

#: The most digits the numerator or the denominator of a number in a game file
#: may have: Python's limit on converting integers to text
#: (:func:`sys.get_int_max_str_digits`), so that every game read can be written.
MAX_DIGITS = 4300

# A string entry must match one of these exactly (no surrounding spaces).
_INT_RE = re.compile(r"[+-]?[0-9]+")
_FRAC_RE = re.compile(r"[+-]?[0-9]+/[0-9]+")
_DEC_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]{1,4}))?")


# --------------------------------------------------------------- JSON parsing
class _NonFinite:
    """Stands in for a JSON NaN/Infinity/overflowing float until it is located."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _DuplicateKey(Exception):
    pass


def _parse_float(text: str) -> float | _NonFinite:
    x = float(text)
    return x if math.isfinite(x) else _NonFinite(text)


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _parse_json(text: str, src: str) -> Any:
    try:
        return json.loads(
            text,
            parse_float=_parse_float,
            parse_constant=_NonFinite,
            object_pairs_hook=_pairs_hook,
        )
    except json.JSONDecodeError as exc:
        raise GameFileError(
            f"{src}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except _DuplicateKey as exc:
        raise GameFileError(
            f"{src}: the key {exc.args[0]!r} appears twice in one JSON object "
            "(keys must be unique)"
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. integers over the digit limit
        raise GameFileError(f"{src}: not valid JSON: {exc}") from None


# ------------------------------------------------------------ value checking
def _describe(x: Any) -> str:
    """A JSON-flavoured description of a value, for error messages."""
    text = _describe_full(x)
    return text if len(text) <= 80 else text[:60] + "..." + text[-15:]


def _describe_full(x: Any) -> str:
    if isinstance(x, _NonFinite):
        return f"{x.text} (not a finite number)"
    if x is None:
        return "null"
    if isinstance(x, bool):
        return f"{'true' if x else 'false'} (a boolean)"
    if isinstance(x, str):
        return json.dumps(x, ensure_ascii=False) + " (a string)"
    if isinstance(x, int | float):
        return f"{x!r} (a number)"
    if isinstance(x, list | tuple):
        return "an array"
    if isinstance(x, Mapping):
        return "an object"
    return f"{x!r} of type {type(x).__name__} (not a JSON value)"


def _decimal_digits(s: str) -> tuple[int, int]:
    """Digits of the numerator and of the denominator of a decimal string, before reduction."""
    _, digits, exp = Decimal(s).as_tuple()
    assert isinstance(exp, int)
    return len(digits) + max(exp, 0), (1 - exp if exp < 0 else 1)


def _too_many_digits(s: str, where: str, src: str) -> GameFileError:
    return GameFileError(
        f"{src}: {where} is {_describe(s)}, whose numerator or denominator has more than "
        f"{MAX_DIGITS} digits (the most a number can have here: Python converts no longer "
        "integer to text, so such a game could not be written back)")


def _parse_number_string(s: str, where: str, src: str) -> int | Fraction:
    if _INT_RE.fullmatch(s):
        if len(s.lstrip("+-")) > MAX_DIGITS:
            raise _too_many_digits(s, where, src)
        return int(s)
    if _FRAC_RE.fullmatch(s):
        num, den = s.split("/")
        if max(len(num.lstrip("+-")), len(den)) > MAX_DIGITS:
            raise _too_many_digits(s, where, src)
        if int(den) == 0:
            raise GameFileError(f'{src}: {where} is "{s}", which has a zero denominator')
        return Fraction(int(num), int(den))
    if _DEC_RE.fullmatch(s):
        if max(_decimal_digits(s)) > MAX_DIGITS:
            raise _too_many_digits(s, where, src)
        return Fraction(s)
    raise GameFileError(
        f"{src}: {where} is {_describe(s)}, which is not a number; a string entry must "
        'hold an exact rational such as "3/10", "-2" or "0.3" (no spaces)'
    )


def _number(x: Any, where: str, src: str) -> int | Fraction | float:
    if isinstance(x, _NonFinite):
        raise GameFileError(
            f"{src}: {where} is {x.text}; entries must be finite numbers "
            "(NaN and Infinity are not allowed, nor floats too large for a double)"
        )
    if isinstance(x, bool):
        raise GameFileError(f"{src}: {where} is {_describe(x)}, not a number")
    if isinstance(x, float):
        if not math.isfinite(x):
            raise GameFileError(f"{src}: {where} is {x!r}; entries must be finite numbers")
        return x
    if isinstance(x, str | int):
        q = x if isinstance(x, int) else _parse_number_string(x, where, src)
        try:
            float(q)
        except OverflowError:
            raise GameFileError(
                f"{src}: {where} is {_describe(x)}, which is too large in magnitude "
                "(beyond the largest double, about 1.8e308)"
            ) from None
        return q
    raise GameFileError(
        f"{src}: {where} is {_describe(x)}, not a number (entries are JSON integers, "
        'JSON floats, or strings holding an exact rational such as "3/10")'
    )


def _vector(x: Any, field: str, src: str) -> list:
    if not isinstance(x, list | tuple):
        raise GameFileError(
            f"{src}: {field} must be an array of numbers, got {_describe(x)}"
        )
    if not x:
        raise GameFileError(f"{src}: {field} is an empty array")
    return [_number(v, f"{field}[{i}]", src) for i, v in enumerate(x)]


def _matrix(x: Any, field: str, src: str) -> list[list]:
    if not isinstance(x, list | tuple):
        raise GameFileError(
            f"{src}: {field} must be an array of rows (one row per action, one column "
            f"per state), got {_describe(x)}"
        )
    if not x:
        raise GameFileError(f"{src}: {field} is an empty array (it needs one row per action)")
    rows = []
    for a, row in enumerate(x):
        where = f"{field}[{a}]"
        if not isinstance(row, list | tuple):
            raise GameFileError(
                f"{src}: {where} must be a row (an array with one number per state), "
                f"got {_describe(row)}"
            )
        if len(row) != len(x[0]):
            raise GameFileError(
                f"{src}: {field} is ragged: {where} has {len(row)} entries but "
                f"{field}[0] has {len(x[0])}"
            )
        if not row:
            raise GameFileError(f"{src}: {where} is an empty array (it needs one entry per state)")
        rows.append([_number(v, f"{where}[{w}]", src) for w, v in enumerate(row)])
    return rows


def _labels(x: Any, field: str, src: str) -> list | None:
    if x is None:
        return None
    if not isinstance(x, list | tuple):
        raise GameFileError(
            f"{src}: {field} must be an array of labels (strings or integers), "
            f"got {_describe(x)}"
        )
    for i, lab in enumerate(x):
        if isinstance(lab, bool) or not isinstance(lab, str | int):
            raise GameFileError(
                f"{src}: {field}[{i}] is {_describe(lab)}; labels must be strings or integers"
            )
    return list(x)


def _check_json_tree(x: Any, where: str, src: str) -> None:
    """Refuse NaN/Infinity (and non-JSON values, for dicts built in Python)."""
    if isinstance(x, _NonFinite) or (isinstance(x, float) and not math.isfinite(x)):
        raise GameFileError(
            f"{src}: {where} is {x!r}; NaN and Infinity are not allowed in a game file"
        )
    if x is None or isinstance(x, bool | int | float | str):
        return
    if isinstance(x, list | tuple):
        for i, v in enumerate(x):
            _check_json_tree(v, f"{where}[{i}]", src)
        return
    if isinstance(x, Mapping):
        for k, v in x.items():
            if not isinstance(k, str):
                raise GameFileError(f"{src}: {where} has the key {k!r}; keys must be strings")
            _check_json_tree(v, f"{where}[{k!r}]", src)
        return
    raise GameFileError(f"{src}: {where} is {_describe(x)}")


# ------------------------------------------------------------------ reading
def parse_game_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> dict[str, Any]:
    """Check a dict in the documented JSON format; return the game's constructor arguments.

    :func:`bayespersuade.game.game_from_dict` builds the game from them (and
    reports the game's own validation errors as :class:`~bayespersuade.GameFileError`).

    Parameters
    ----------
    data : Mapping
        A parsed game file: JSON types only (``dict``, ``list``, ``str``,
        ``int``, ``float``, ``bool``, ``None``; tuples are accepted as arrays).
        Exact numbers are ints or strings such as ``"3/10"``; a
        :class:`~fractions.Fraction` object is not part of the format.
    source : str, default "<dict>"
        Where the data came from, named at the start of every error message.

    Returns
    -------
    dict
        ``prior``, ``sender_utility``, ``receiver_utility`` (ints, Fractions or
        floats), ``states``, ``actions``, ``name``, ``metadata``.

    Raises
    ------
    GameFileError
        If anything is missing, unknown, mistyped or mis-shaped; the message names
        ``source`` and the field (and index) at fault.

    Examples
    --------
    >>> from bayespersuade.io import parse_game_dict
    >>> parse_game_dict({"format": "bayespersuade.game", "version": 1,
    ...                  "prior": ["1/2", "1/2"], "sender_utility": [[0, 1]],
    ...                  "receiver_utility": [[0, 0]]})["prior"]
    [Fraction(1, 2), Fraction(1, 2)]
    """

    src = str(source)
    if not isinstance(data, Mapping):
        raise GameFileError(
            f"{src}: the top level of a game file must be a JSON object, got {_describe(data)}"
        )
    if "format" not in data:
        raise GameFileError(
            f"{src}: missing required field 'format' (a game file is a JSON object with "
            f'"format": "{FORMAT}", "version": {VERSION}, ...)'
        )
    if data["format"] != FORMAT:
        raise GameFileError(
            f"{src}: field 'format' is {_describe(data['format'])}; expected \"{FORMAT}\""
        )
    if "version" not in data:
        raise GameFileError(f"{src}: missing required field 'version' (use {VERSION})")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise GameFileError(
            f"{src}: field 'version' must be an integer, got {_describe(version)}"
        )
    if version not in READ_VERSIONS:
        raise GameFileError(
            f"{src}: unsupported format version {version}; this version of bayespersuade "
            f"reads versions {', '.join(map(str, READ_VERSIONS))}"
        )
    if version == 1 and "receiver_prior" in data:
        raise GameFileError(
            f"{src}: field 'receiver_prior' needs format version 2 (this file says version 1)"
        )
    unknown = [k for k in data if k not in _FIELDS]
    if unknown:
        parts = []
        for k in unknown:
            close = difflib.get_close_matches(str(k), _FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            parts.append(f"{k!r}{hint}")
        raise GameFileError(
            f"{src}: unknown field{'s' if len(unknown) > 1 else ''} {', '.join(parts)}; "
            f"the fields are {', '.join(_FIELDS)}"
        )
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise GameFileError(
            f"{src}: missing required field{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(k) for k in missing)}"
        )

    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise GameFileError(f"{src}: field 'name' must be a string or null, got {_describe(name)}")
    metadata = data.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise GameFileError(
                f"{src}: field 'metadata' must be a JSON object or null, got "
                f"{_describe(metadata)}"
            )
        _check_json_tree(metadata, "metadata", src)
        metadata = dict(metadata)
    states = _labels(data.get("states"), "states", src)
    actions = _labels(data.get("actions"), "actions", src)
    prior = _vector(data["prior"], "prior", src)
    rprior = data.get("receiver_prior")
    if rprior is not None:
        rprior = _vector(rprior, "receiver_prior", src)
    sender = _matrix(data["sender_utility"], "sender_utility", src)
    receiver = _matrix(data["receiver_utility"], "receiver_utility", src)

    return {"prior": prior, "sender_utility": sender, "receiver_utility": receiver,
            "states": states, "actions": actions, "name": name, "metadata": metadata,
            "receiver_prior": rprior}




def parse_game_json(text: str | bytes, *, source: str = "<string>") -> dict[str, Any]:
    """Check JSON text in the documented format; return the game's constructor arguments.

    Raises :class:`~bayespersuade.GameFileError` if the text is not UTF-8, not
    JSON, or not a valid game file (see :func:`parse_game_dict`).
    """
    src = str(source)
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GameFileError(f"{src}: not UTF-8 text ({exc})") from None
    elif not isinstance(text, str):
        raise GameFileError(f"{src}: expected JSON text, got {type(text).__name__}")
    elif text.startswith("\ufeff"):
        text = text[1:]
    return parse_game_dict(_parse_json(text, src), source=src)


def read_game_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a game file; return the game's constructor arguments.

    Raises :class:`~bayespersuade.GameFileError` naming the file if it does not
    exist, cannot be read, or is not a valid game file.
    """
    src = os.fspath(path)
    p = Path(src)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise GameFileError(f"{src}: no such file") from None
    except IsADirectoryError:
        raise GameFileError(f"{src}: is a directory, not a game file") from None
    except OSError as exc:
        raise GameFileError(f"{src}: cannot be read ({exc.strerror or exc})") from None
    return parse_game_json(raw, source=src)


def _exact_entry(q: Fraction) -> int | str:
    return q.numerator if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def _json_metadata(x: Any, where: str) -> Any:
    if x is None or isinstance(x, bool | str):
        return x
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        fx = float(x)
        if not math.isfinite(fx):
            raise InvalidGameError(
                f"{where} is {fx!r}; a game file cannot hold NaN or Infinity"
            )
        return fx
    if isinstance(x, list | tuple):
        return [_json_metadata(v, f"{where}[{i}]") for i, v in enumerate(x)]
    if isinstance(x, Mapping):
        out = {}
        for k, v in x.items():
            if not isinstance(k, str):
                raise InvalidGameError(
                    f"{where} has the key {k!r} of type {type(k).__name__}; JSON keys must "
                    "be strings"
                )
            out[k] = _json_metadata(v, f"{where}[{k!r}]")
        return out
    raise InvalidGameError(
        f"{where} is {x!r} of type {type(x).__name__}, which cannot be written to JSON "
        "(use None, bool, int, float, str, lists and dicts; e.g. str() a Fraction)"
    )


def game_to_dict(game: GameLike) -> dict[str, Any]:
    """The game as a dict in the documented JSON format.

    Rational games are written exactly (integers as ints, other rationals as
    ``"p/q"`` strings); float games as Python floats (which :mod:`json`
    writes with round-trip ``repr``).

    Parameters
    ----------
    game : PersuasionGame or GameLike

    Returns
    -------
    dict
        JSON-serialisable; ``game_from_dict(game_to_dict(game)) == game``.

    Raises
    ------
    InvalidGameError
        If the game's metadata is not JSON-serialisable (the message names the
        key).

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> from bayespersuade.io import game_to_dict
    >>> d = game_to_dict(prosecutor())
    >>> d["prior"], d["sender_utility"]
    (['7/10', '3/10'], [[0, 0], [1, 1]])
    """
    if not all(hasattr(game, a) for a in ("is_rational", "exact_data", "prior", "states")):
        raise InvalidGameError(f"expected a PersuasionGame, got {type(game).__name__}")
    common = getattr(game, "has_common_prior", True)
    rprior: list | None = None
    if game.is_rational:
        prior_q, v_q, u_q = game.exact_data()
        prior: list = [_exact_entry(q) for q in prior_q]
        if not common:
            rprior = [_exact_entry(q) for q in game.exact_receiver_prior()]
        sender: list = [[_exact_entry(q) for q in row] for row in v_q]
        receiver: list = [[_exact_entry(q) for q in row] for row in u_q]
    else:
        prior = [float(x) for x in game.prior]
        if not common:
            rprior = [float(x) for x in game.receiver_prior]
        sender = [[float(x) for x in row] for row in game.sender_utility]
        receiver = [[float(x) for x in row] for row in game.receiver_utility]
    out: dict[str, Any] = {"format": FORMAT, "version": 1 if rprior is None else VERSION}
    if game.name is not None:
        out["name"] = game.name
    out["states"] = [lab if isinstance(lab, str) else int(lab) for lab in game.states]
    out["actions"] = [lab if isinstance(lab, str) else int(lab) for lab in game.actions]
    out["prior"] = prior
    if rprior is not None:
        out["receiver_prior"] = rprior
    out["sender_utility"] = sender
    out["receiver_utility"] = receiver
    out["metadata"] = _json_metadata(game.metadata, "metadata")
    return out


def _dumps_value(x: Any, ascii_only: bool, indent: int | None = None) -> str:
    return json.dumps(x, ensure_ascii=ascii_only, allow_nan=False, indent=indent)


def _format(d: dict[str, Any], ascii_only: bool) -> str:
    lines = []
    for key, value in d.items():
        k = json.dumps(key)
        if key in ("sender_utility", "receiver_utility"):
            rows = ",\n".join("    " + _dumps_value(row, ascii_only) for row in value)
            text = f"[\n{rows}\n  ]"
        elif key == "metadata" and value:
            text = _dumps_value(value, ascii_only, indent=2).replace("\n", "\n  ")
        else:
            text = _dumps_value(value, ascii_only)
        lines.append(f"  {k}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def dumps_game(game: GameLike) -> str:
    """The game as JSON text, one utility row per line.

    Non-ASCII labels are written as UTF-8 characters; a string that cannot be
    encoded as UTF-8 (a lone surrogate) makes the whole text ASCII with
    ``\\u`` escapes instead, which reads back identically.

    Parameters
    ----------
    game : PersuasionGame or GameLike

    Returns
    -------
    str

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> from bayespersuade.game import loads_game
    >>> from bayespersuade.io import dumps_game
    >>> print(dumps_game(prosecutor()))
    {
      "format": "bayespersuade.game",
      "version": 1,
      "name": "prosecutor",
      "states": ["innocent", "guilty"],
      "actions": ["acquit", "convict"],
      "prior": ["7/10", "3/10"],
      "sender_utility": [
        [0, 0],
        [1, 1]
      ],
      "receiver_utility": [
        [1, 0],
        [0, 1]
      ],
      "metadata": {
        "reference": "Kamenica & Gentzkow (2011), AER 101(6), Section I"
      }
    }
    <BLANKLINE>
    >>> loads_game(dumps_game(prosecutor())) == prosecutor()
    True
    """
    d = game_to_dict(game)
    text = _format(d, ascii_only=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _format(d, ascii_only=True)
    return text


def save_game(game: GameLike, path: str | os.PathLike[str]) -> None:
    """Write a game to a JSON file (UTF-8), replacing any existing file.

    The text is built completely before the file is opened, so a game that
    cannot be written (non-serialisable metadata) leaves no partial file.

    Parameters
    ----------
    game : PersuasionGame or GameLike
    path : str or path-like

    Raises
    ------
    InvalidGameError
        If the game's metadata is not JSON-serialisable.
    GameFileError
        If the file cannot be written.

    Examples
    --------
    >>> import os, tempfile
    >>> from bayespersuade.examples import likert_quadratic
    >>> from bayespersuade import load_game
    >>> from bayespersuade.io import save_game
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "likert.json")
    ...     save_game(likert_quadratic("1/3"), path)
    ...     load_game(path) == likert_quadratic("1/3")
    True
    """
    text = dumps_game(game)
    dest = os.fspath(path)
    try:
        write_atomic(dest, text)
    except OSError as exc:
        raise GameFileError(f"{dest}: cannot be written ({exc.strerror or exc})") from None


# ------------------------------------------------------------ atomic output
@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Write a file all at once or not at all: yield a temporary path, then rename it.

    The caller writes the file's content to the yielded path (any writer:
    ``open``, :meth:`pandas.DataFrame.to_csv`, ``Figure.savefig``).  When the
    block ends normally the temporary file is flushed to disk and renamed over
    ``path`` (:func:`os.replace`, atomic on POSIX and Windows), so readers see
    the old file or the new one, never a part.  When the block raises
    (a full disk, a bug, Ctrl-C), the temporary file is removed and ``path`` is
    left as it was: no partial or empty file survives an error.

    The temporary file sits in the same folder, named ``.<name>.tmp-<random><suffix>``
    (the suffix is kept, so writers that choose a format by the file name still
    do).

    Parameters
    ----------
    path : path-like
        The file to write.

    Raises
    ------
    IsADirectoryError
        If ``path`` is an existing folder.
    FileNotFoundError
        If the folder ``path`` would be written in does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> with atomic_output(os.path.join(d, "a.txt")) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> open(os.path.join(d, "a.txt")).read()
    'hello'
    >>> try:
    ...     with atomic_output(os.path.join(d, "b.txt")) as tmp:
    ...         _ = tmp.write_text("half")
    ...         raise OSError(28, "No space left on device")
    ... except OSError:
    ...     pass
    >>> sorted(os.listdir(d))
    ['a.txt']
    """
    dest = Path(os.fspath(path))
    if dest.is_dir():
        raise IsADirectoryError(21, "is a folder, not a file", str(dest))
    if not dest.parent.is_dir():
        raise FileNotFoundError(2, "no such folder to write the file in", str(dest))
    tmp = dest.with_name(f".{dest.name}.tmp-{secrets.token_hex(4)}{dest.suffix}")
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *,
                 encoding: str = "utf-8") -> None:
    """Write text or bytes to a file atomically (see :func:`atomic_output`).

    Text is written with ``"\\n"`` line ends in ``encoding``.

    Examples
    --------
    >>> import os, tempfile
    >>> f = os.path.join(tempfile.mkdtemp(), "x.json")
    >>> write_atomic(f, '{"a": 1}\\n')
    >>> open(f).read()
    '{"a": 1}\\n'
    """
    raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        fh.write(raw)


def example_path(name: str) -> Path:
    """The path of a bundled example game file.

    The files in ``bayespersuade/example_games/`` are JSON copies of the games
    in :mod:`bayespersuade.examples` with their default priors
    (``"prosecutor"``, ``"likert-quadratic"``).

    Parameters
    ----------
    name : str
        The example's name (the file name without ``.json``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InvalidParameterError
        If there is no bundled example of that name (the message lists them).

    Examples
    --------
    >>> from bayespersuade import load_game
    >>> from bayespersuade.io import example_path
    >>> example_path("likert-quadratic").name
    'likert-quadratic.json'
    >>> load_game(example_path("likert-quadratic")).actions
    (1, 2, 3, 4, 5, 6, 7)
    """
    available = sorted(p.stem for p in _EXAMPLE_DIR.glob("*.json"))
    if not isinstance(name, str) or name not in available:
        raise InvalidParameterError(
            f"no bundled example game named {name!r}; available: {', '.join(available)}"
        )
    return _EXAMPLE_DIR / f"{name}.json"
