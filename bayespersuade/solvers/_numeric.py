"""Coercion and validation of numeric input, float and exact.

Every array that enters a game passes through :func:`coerce_array`, which
returns a float64 copy for fast numerics and, when every entry is rational
(``int``, :class:`fractions.Fraction`, :class:`decimal.Decimal`, numpy
integers), an object array of :class:`~fractions.Fraction` holding the exact
values.  Floats are never converted to fractions behind the caller's back:
a game with any float entry is a float game, and exact solving needs an
explicit :meth:`PersuasionGame.to_rational`.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from ..exceptions import InvalidGameError

__all__ = [
    "PRIOR_SUM_TOL",
    "as_fraction",
    "coerce_array",
    "common_denominator",
    "fraction_array",
    "to_integer_array",
]

#: Tolerance on ``|sum(prior) - 1|`` accepted for floating-point priors.
#: Rational priors must sum to exactly one.
PRIOR_SUM_TOL = 1e-9


def _index_str(idx: tuple[int, ...]) -> str:
    return "".join(f"[{i}]" for i in idx)


def as_fraction(value: Any, name: str = "value") -> Fraction:
    """Convert one exact number to a :class:`~fractions.Fraction`.

    Parameters
    ----------
    value : int, Fraction, Decimal, numpy integer or str
        The number.  A string must spell a rational (``"3/10"``, ``"0.3"``,
        ``"2"``) and is read exactly (``"0.3"`` is ``3/10``).
    name : str
        What the value is, for the error message.

    Returns
    -------
    Fraction

    Raises
    ------
    InvalidGameError
        If the value is a float, a bool, or not a number.

    Examples
    --------
    >>> as_fraction("3/10")
    Fraction(3, 10)
    >>> as_fraction(2)
    Fraction(2, 1)
    """
    if isinstance(value, bool | np.bool_):
        raise InvalidGameError(f"{name} is a boolean ({value!r}), not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidGameError(f"{name} is {value!r}, which is not finite")
        return Fraction(value)
    if isinstance(value, str):
        try:
            frac = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise InvalidGameError(
                f"{name} is the string {value!r}, which is not a rational number "
                "(write it like '3/10', '0.3' or '2')"
            ) from None
        return frac
    if isinstance(value, numbers.Rational):
        return Fraction(value.numerator, value.denominator)
    raise InvalidGameError(
        f"{name} is {value!r} of type {type(value).__name__}, which is not an exact "
        "rational number (use int, Fraction or a string like '3/10')"
    )


def coerce_array(
    value: Any, name: str, ndim: int, *, allow_empty: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a numeric array and return its float and exact forms.

    Parameters
    ----------
    value : array_like
        A numpy array, a (nested) list or tuple of numbers.
    name : str
        The field name used in error messages (for example ``"prior"``).
    ndim : int
        The required number of dimensions.
    allow_empty : bool, default False
        Whether an array with a zero-length axis is acceptable.

    Returns
    -------
    floats : numpy.ndarray
        A read-only float64 copy.
    exact : numpy.ndarray of Fraction or None
        A read-only object array of exact values if every entry is rational
        (int, Fraction, Decimal, numpy integer), else ``None``.

    Raises
    ------
    InvalidGameError
        On ragged input, a wrong number of dimensions, an empty axis, a
        non-numeric or boolean entry, or a NaN/infinite entry; the message
        names the field and the index of the offending entry.

    Examples
    --------
    >>> f, q = coerce_array([[1, 2], [3, 4]], "u", 2)
    >>> f.dtype, q[1, 0]
    (dtype('float64'), Fraction(3, 1))
    >>> coerce_array([0.5, 0.5], "prior", 1)[1] is None
    True
    """
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        arr = value
    else:
        if isinstance(value, str | bytes | dict | set):
            raise InvalidGameError(
                f"{name} must be an array of numbers, got {type(value).__name__}"
            )
        try:
            arr = np.asarray(value, dtype=object)
        except ValueError as exc:  # ragged nested sequences
            raise InvalidGameError(
                f"{name} is ragged: its rows have different lengths ({exc})"
            ) from None
    if arr.ndim != ndim:
        if arr.dtype == object and arr.ndim < ndim and arr.size and _is_ragged(value):
            raise InvalidGameError(f"{name} is ragged: its rows have different lengths")
        raise InvalidGameError(
            f"{name} must be {ndim}-dimensional, got an array of shape {arr.shape}"
        )
    if not allow_empty and 0 in arr.shape:
        raise InvalidGameError(f"{name} is empty (shape {arr.shape})")

    if arr.dtype.kind == "f":
        floats = np.array(arr, dtype=np.float64)
        bad = ~np.isfinite(floats)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InvalidGameError(
                f"{name}{_index_str(idx)} is {float(floats[idx])!r}; "
                "entries must be finite numbers"
            )
        floats.setflags(write=False)
        return floats, None
    if arr.dtype.kind in "iu":
        exact = np.empty(arr.shape, dtype=object)
        for idx in np.ndindex(arr.shape):
            exact[idx] = Fraction(int(arr[idx]))
        floats = np.array(arr, dtype=np.float64)
        floats.setflags(write=False)
        exact.setflags(write=False)
        return floats, exact

    # object array: check entry by entry
    floats = np.empty(arr.shape, dtype=np.float64)
    exact = np.empty(arr.shape, dtype=object)
    all_exact = True
    for idx in np.ndindex(arr.shape):
        x = arr[idx]
        where = f"{name}{_index_str(idx)}"
        if isinstance(x, bool | np.bool_):
            raise InvalidGameError(f"{where} is a boolean ({x!r}), not a number")
        if isinstance(x, float | np.floating):
            if not math.isfinite(float(x)):
                raise InvalidGameError(f"{where} is {x!r}; entries must be finite numbers")
            floats[idx] = float(x)
            all_exact = False
            continue
        if isinstance(x, numbers.Rational | Decimal):
            frac = as_fraction(x, where)
            exact[idx] = frac
            try:
                floats[idx] = float(frac)
            except OverflowError:
                raise InvalidGameError(
                    f"{where} is {frac}, too large for floating-point arithmetic"
                ) from None
            continue
        if isinstance(x, numbers.Real):  # other real types (e.g. sympy Float)
            fx = float(x)
            if not math.isfinite(fx):
                raise InvalidGameError(f"{where} is {x!r}; entries must be finite numbers")
            floats[idx] = fx
            all_exact = False
            continue
        raise InvalidGameError(
            f"{where} is {x!r} of type {type(x).__name__}, which is not a number"
        )
    floats.setflags(write=False)
    if not all_exact:
        return floats, None
    exact.setflags(write=False)
    return floats, exact


def _is_ragged(value: Any) -> bool:
    """Whether a nested sequence mixes rows of different lengths (or rows and scalars)."""
    try:
        rows = list(value)
    except TypeError:
        return False
    kinds = {hasattr(row, "__len__") and not isinstance(row, str) for row in rows}
    if kinds == {False}:
        return False  # a flat sequence: wrong dimension, not ragged
    if len(kinds) > 1:
        return True
    return len({len(row) for row in rows}) > 1


def fraction_array(values: Any) -> np.ndarray:
    """Return an object array of :class:`~fractions.Fraction` from exact input.

    Examples
    --------
    >>> fraction_array([1, "1/2"])
    array([Fraction(1, 1), Fraction(1, 2)], dtype=object)
    """
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = as_fraction(arr[idx])
    return out


def common_denominator(values: Any) -> int:
    """Least common multiple of the denominators of exact values.

    Examples
    --------
    >>> from fractions import Fraction
    >>> common_denominator([Fraction(1, 4), Fraction(1, 6), 2])
    12
    """
    den = 1
    for x in np.asarray(values, dtype=object).ravel():
        d = Fraction(x).denominator
        den = den * d // math.gcd(den, d)
    return den


def to_integer_array(values: Any) -> tuple[np.ndarray, int]:
    """Scale exact values to integers: ``values == ints / den`` exactly.

    Returns
    -------
    ints : numpy.ndarray of Python int (object dtype)
    den : int
        The common denominator.

    Examples
    --------
    >>> from fractions import Fraction
    >>> ints, den = to_integer_array([Fraction(1, 2), Fraction(1, 3)])
    >>> list(ints), den
    ([3, 2], 6)
    """
    arr = np.asarray(values, dtype=object)
    den = common_denominator(arr)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        x = Fraction(arr[idx])
        out[idx] = x.numerator * (den // x.denominator)
    return out, den
