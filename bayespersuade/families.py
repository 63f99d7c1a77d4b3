"""Instance families: documented maps from a claim's prior to a persuasion game.

The receiver answers on a seven-point Likert scale, ``A = {1, ..., 7}`` (1 =
strongly oppose, 7 = strongly support), and the sender's utility is the answer
itself, ``v(a, ω) = a`` (the sender always argues for the claim, as in Cheng &
You 2025).  The receiver's utility is minus a loss ``|a - t(ω)|^p``:

* **binary-truth** (:func:`binary_truth_game`): ``Ω = {false, true}``,
  ``t(false) = 1``, ``t(true) = 7``, prior ``μ0 = P(true)``.  With ``p = 2``
  the receiver answers the rounded posterior mean ``1 + 6μ``; with ``p = 1``
  it answers 7 iff ``μ >= 1/2`` (and 1 otherwise).
* **normative-position** (:func:`normative_position_game`): ``Ω = {1..7}``,
  the "correct" position ``θ``, ``t(θ) = θ``, prior ``μ0 ∈ Δ({1..7})``.

Every game records where its prior came from in ``metadata["prior_origin"]``
(see :func:`prior_origin`).

References
----------
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ._numeric import as_fraction
from .exceptions import InvalidGameError
from .game import PersuasionGame

__all__ = [
    "LIKERT",
    "binary_truth_game",
    "likert_loss_utility",
    "normative_position_game",
    "prior_from_rating",
    "prior_origin",
]

#: The seven Likert answers.
LIKERT = tuple(range(1, 8))

_ORIGIN_KINDS = ("rating", "histogram", "user", "model", "evidence")


def prior_origin(kind: str, **details: Any) -> dict:
    """A record of where a game's prior came from, stored in ``metadata``.

    Parameters
    ----------
    kind : {"rating", "histogram", "user", "model", "evidence"}
        A single human rating ``r`` (prior ``(r - 1)/6``), a histogram of
        human initial ratings, a user-supplied number, a language model's
        elicited belief, or a share of evidence (Perspectrum).
    **details
        JSON-serialisable details (the rating, the counts, the model name...).

    Examples
    --------
    >>> prior_origin("rating", rating=4)
    {'kind': 'rating', 'rating': 4}
    """
    if kind not in _ORIGIN_KINDS:
        raise InvalidGameError(
            f"prior origin kind must be one of {', '.join(_ORIGIN_KINDS)}, got {kind!r}"
        )
    return {"kind": kind, **details}


def prior_from_rating(rating: Any, scale: int = 7) -> Fraction:
    """Map a Likert rating ``r`` in ``1..scale`` to the prior ``(r - 1)/(scale - 1)``.

    Examples
    --------
    >>> prior_from_rating(4)
    Fraction(1, 2)
    >>> prior_from_rating(7)
    Fraction(1, 1)
    """
    r = as_fraction(rating, "rating")
    if r.denominator != 1 or not 1 <= r <= scale:
        raise InvalidGameError(f"rating must be an integer in 1..{scale}, got {rating!r}")
    return (r - 1) / (scale - 1)


def likert_loss_utility(targets: Any, p: int | float = 2) -> np.ndarray:
    """Receiver utility ``u(a, ω) = -|a - t(ω)|^p`` over the answers ``1..7``.

    Integer ``p`` with integer targets gives exact (integer) utilities.

    Parameters
    ----------
    targets : sequence of int
        ``t(ω)`` for each state.
    p : int or float, default 2
        The loss exponent (``p >= 1``; 2 is quadratic, 1 is absolute).

    Returns
    -------
    numpy.ndarray, shape (7, n_states)
        Object array of ints for integer ``p``, float array otherwise.

    Examples
    --------
    >>> likert_loss_utility([1, 7], p=1)[:, 1].tolist()
    [-6, -5, -4, -3, -2, -1, 0]
    """
    if isinstance(p, bool) or not isinstance(p, int | float) or not p >= 1:
        raise InvalidGameError(f"loss exponent p must be a number >= 1, got {p!r}")
    if isinstance(p, int) or float(p).is_integer():
        pi = int(p)
        return np.array([[-abs(a - t) ** pi for t in targets] for a in LIKERT], dtype=object)
    return np.array([[-(abs(a - t) ** float(p)) for t in targets] for a in LIKERT], dtype=float)


def _p_from_loss(loss: str | None, p: int | float | None) -> int | float:
    if loss is None and p is None:
        return 2
    named = {"quadratic": 2, "absolute": 1}
    if loss is not None:
        if loss not in named:
            raise InvalidGameError(f"loss must be 'quadratic' or 'absolute', got {loss!r}")
        if p is not None and p != named[loss]:
            raise InvalidGameError(f"loss={loss!r} contradicts p={p!r}")
        return named[loss]
    return p  # type: ignore[return-value]


def binary_truth_game(
    prior_true: Any,
    *,
    loss: str | None = None,
    p: int | float | None = None,
    origin: dict | None = None,
    name: str | None = None,
) -> PersuasionGame:
    """The binary-truth game of a claim: is the claim true or false?

    ``Ω = (false, true)``, ``A = (1..7)``, ``v(a, ω) = a``,
    ``u(a, ω) = -|a - t(ω)|^p`` with ``t(false) = 1``, ``t(true) = 7``.

    Parameters
    ----------
    prior_true : int, Fraction, float or str
        ``μ0 = P(true)`` in ``[0, 1]``.  Rational input gives a rational game.
    loss : {"quadratic", "absolute"}, optional
        Named loss (``p = 2`` or ``p = 1``); default quadratic.
    p : int or float, optional
        The loss exponent, an alternative to ``loss``.
    origin : dict, optional
        Where the prior came from (:func:`prior_origin`); default "user".
    name : str, optional
        The game's name (for example the claim id).

    Returns
    -------
    PersuasionGame

    Examples
    --------
    >>> g = binary_truth_game("1/2")
    >>> g.solve(exact=True).value   # 3/2 + 6 * 1/2
    Fraction(9, 2)
    >>> binary_truth_game("1/2", loss="absolute").no_disclosure_value(exact=True)
    Fraction(7, 1)
    """
    pp = _p_from_loss(loss, p)
    if isinstance(prior_true, float):
        mu = prior_true
        if not 0.0 <= mu <= 1.0:
            raise InvalidGameError(f"prior_true must lie in [0, 1], got {prior_true!r}")
        prior: list = [1.0 - mu, mu]
    else:
        q = as_fraction(prior_true, "prior_true")
        if not 0 <= q <= 1:
            raise InvalidGameError(f"prior_true must lie in [0, 1], got {q}")
        prior = [1 - q, q]
    u = likert_loss_utility([1, 7], pp)
    v = np.array([[a, a] for a in LIKERT], dtype=object)
    return PersuasionGame(
        prior, v, u, states=["false", "true"], actions=list(LIKERT), name=name,
        metadata={"family": "binary-truth", "p": pp,
                  "prior_origin": origin if origin is not None else prior_origin("user")},
    )


def normative_position_game(
    prior: Any,
    *,
    loss: str | None = None,
    p: int | float | None = None,
    origin: dict | None = None,
    name: str | None = None,
) -> PersuasionGame:
    """The normative-position game: which of the seven positions is correct?

    ``Ω = (1..7)`` (the correct position ``θ``), ``A = (1..7)``,
    ``v(a, θ) = a``, ``u(a, θ) = -|a - θ|^p``.

    Parameters
    ----------
    prior : array_like, shape (7,)
        ``μ0`` over the positions ``1..7``.
    loss, p, origin, name
        As in :func:`binary_truth_game`.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> g = normative_position_game([F(1, 7)] * 7)
    >>> g.no_disclosure_value(exact=True)    # the receiver answers the mean, 4
    Fraction(4, 1)
    """
    pp = _p_from_loss(loss, p)
    u = likert_loss_utility(LIKERT, pp)
    v = np.array([[a] * 7 for a in LIKERT], dtype=object)
    return PersuasionGame(
        prior, v, u, states=list(LIKERT), actions=list(LIKERT), name=name,
        metadata={"family": "normative-position", "p": pp,
                  "prior_origin": origin if origin is not None else prior_origin("user")},
    )
