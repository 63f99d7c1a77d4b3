"""Small, well-known games with known answers, bundled for examples and tests.

Each function returns a rational :class:`~bayespersuade.PersuasionGame`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .game import PersuasionGame

__all__ = ["EXAMPLES", "get_example", "likert_quadratic", "prosecutor"]


def prosecutor(prior_guilty: Fraction | int | str = Fraction(3, 10)) -> PersuasionGame:
    """The prosecutor-judge game of Kamenica & Gentzkow (2011), Section I.

    States ``("innocent", "guilty")``; the judge acquits or convicts and wants
    to be right; the prosecutor wants a conviction in every state.  With
    ``P(guilty) = 3/10`` the optimal scheme convicts with probability ``3/5``
    (value ``3/5``, against ``0`` without information and ``3/10`` with full
    disclosure).

    Parameters
    ----------
    prior_guilty : Fraction, int or str, default 3/10
        ``P(guilty)``.

    Examples
    --------
    >>> prosecutor().solve(exact=True).value
    Fraction(3, 5)

    References
    ----------
    Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American
    Economic Review* 101(6), 2590-2615.
    """
    p = Fraction(prior_guilty)
    from .game import PersuasionGame

    return PersuasionGame(
        prior=[1 - p, p],
        sender_utility=[[0, 0], [1, 1]],
        receiver_utility=[[1, 0], [0, 1]],
        states=["innocent", "guilty"],
        actions=["acquit", "convict"],
        name="prosecutor",
        metadata={"reference": "Kamenica & Gentzkow (2011), AER 101(6), Section I"},
    )


def likert_quadratic(prior_true: Fraction | int | str = Fraction(1, 2)) -> PersuasionGame:
    """The seven-point Likert game with quadratic loss (binary-truth family).

    States ``("false", "true")``; the receiver answers ``a`` in ``1..7`` with
    utility ``-(a - t(ω))^2``, ``t(false) = 1``, ``t(true) = 7``; the sender's
    utility is the answer ``a``.  The receiver answers the rounded posterior
    mean ``1 + 6μ``, and the optimal value is ``V(μ) = 1 + 12μ`` on
    ``[0, 1/12]``, ``3/2 + 6μ`` on ``[1/12, 11/12]`` and ``7`` above.

    Parameters
    ----------
    prior_true : Fraction, int or str, default 1/2
        ``P(true)``.

    Examples
    --------
    >>> likert_quadratic("1/2").solve(exact=True).value
    Fraction(9, 2)
    """
    p = Fraction(prior_true)
    answers = range(1, 8)
    from .game import PersuasionGame

    return PersuasionGame(
        prior=[1 - p, p],
        sender_utility=[[a, a] for a in answers],
        receiver_utility=[[-((a - 1) ** 2), -((a - 7) ** 2)] for a in answers],
        states=["false", "true"],
        actions=list(answers),
        name="likert-quadratic",
        metadata={"family": "binary-truth", "loss": "quadratic"},
    )


EXAMPLES = {"prosecutor": prosecutor, "likert-quadratic": likert_quadratic}


def get_example(name: str) -> PersuasionGame:
    """Return a bundled example game by name (``"prosecutor"``, ``"likert-quadratic"``).

    Examples
    --------
    >>> get_example("prosecutor").name
    'prosecutor'
    """
    from .exceptions import InvalidGameError

    try:
        return EXAMPLES[name]()
    except KeyError:
        raise InvalidGameError(
            f"unknown example {name!r}; available: {', '.join(sorted(EXAMPLES))}"
        ) from None
