"""Dataset audiences: a claim's participants as receivers, public vs private persuasion.

In the Anthropic Persuasion format (and any dataset whose records carry
initial ratings) every participant rated the claim before reading an argument.
Read each participant as a receiver with the prior of their own initial rating,
``μR_i = (r_i − 1)/6`` (:func:`~.families.prior_from_rating`), in a two-state
family (binary-truth by default; the receiver answers on the 7-point scale, the
sender's utility is the answer).  The sender's prior is the participants' mean
belief (:func:`~.families.prior_from_ratings`, origin ``histogram``) unless one
is given.  Then, per claim (:mod:`bayespersuade.solvers.audience`):

* ``private``: the sender tailors a message to each participant
  (``Σ_i V_i``);
* ``public``: one message for all (the two-state envelope over the union of the
  participants' breakpoints);
* ``targeting = private − public``: what tailoring is worth.

Participants with the same rating are one receiver with a weight (their count),
which changes no value and keeps the audience at most seven receivers.

**Dogmatic participants.**  A rating of 1 or 7 is a prior of 0 or 1: the
participant rules out a state the sender's prior allows, so Bayes' rule never
moves them (and leaves them undefined after a signal they think impossible).
The table counts them (``n_fixed``) and adds the same constant to ``public`` and
``private``: the value of their answer at their own prior, under the sender's
prior — by the convention that a receiver keeps its prior after a signal it
considers impossible.  They never change ``targeting``.

References
----------
Durmus, E. et al. (2024). Measuring the persuasiveness of language models.
Anthropic (the persuasion dataset).

Dughmi, S. and Xu, H. (2017). Algorithmic persuasion with no externalities. EC.

Arieli, I. and Babichenko, Y. (2019). Private Bayesian persuasion. *JET* 182.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..exceptions import InvalidGameError, InvalidParameterError
from ..solvers._numeric import as_fraction
from ..solvers.audience import Audience, Targeting
from .families import make_game, prior_from_rating, prior_from_ratings, prior_vector

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..datasets.records import ClaimRecord

__all__ = ["RatingAudience", "rating_audience", "targeting_table"]

_TWO_STATE = ("binary-truth", "evidence-stance")


@dataclass(frozen=True)
class RatingAudience:
    """An audience built from ratings.

    Attributes
    ----------
    audience : Audience or None
        The movable receivers, one per distinct rating (weights = counts);
        None when every participant is dogmatic.
    ratings : tuple of int
        The distinct ratings of the movable receivers, in audience order.
    counts : tuple of int
    fixed : tuple of (int, int)
        ``(rating, count)`` of the dogmatic participants.
    fixed_value : Fraction
        Their total value under the sender's prior (their answers never move).
    sender_prior : Fraction
        ``P(states[1])`` under the sender's prior.
    sender_prior_origin : dict
    n_receivers : int
        All participants.
    """

    audience: Audience | None
    ratings: tuple[int, ...]
    counts: tuple[int, ...]
    fixed: tuple[tuple[int, int], ...]
    fixed_value: Fraction
    sender_prior: Fraction
    sender_prior_origin: dict
    n_receivers: int

    def targeting(self) -> tuple[Fraction, Fraction, Fraction, Targeting | None]:
        """``(public, private, no_disclosure)`` totals (fixed participants included), exactly.

        Returns
        -------
        public, private, no_disclosure : Fraction
        targeting : Targeting or None
            The solver's result for the movable receivers.
        """
        if self.audience is None:
            return self.fixed_value, self.fixed_value, self.fixed_value, None
        t = self.audience.value_of_targeting(exact=True)
        return (t.public.value + self.fixed_value, t.private.value + self.fixed_value,
                t.public.no_disclosure_value + self.fixed_value, t)


def rating_audience(ratings: Iterable[int], family: str = "binary-truth", *,
                    loss: str | None = None, p: int | float | None = None,
                    sender_prior: Any = None) -> RatingAudience:
    """The audience of participants with these initial ratings.

    Parameters
    ----------
    ratings : iterable of int
        Initial ratings in ``1..7``, one per participant.
    family : {"binary-truth", "evidence-stance"}, default "binary-truth"
    loss, p : optional
        The receivers' loss (default quadratic).
    sender_prior : number, optional
        ``P(true)`` for the sender; default the participants' mean belief.

    Returns
    -------
    RatingAudience

    Raises
    ------
    InvalidGameError
        On no ratings, a rating outside ``1..7``, or a sender prior outside
        ``[0, 1]``.
    InvalidParameterError
        For a family with more than two states.

    Examples
    --------
    Three participants at 2, 4 and 7: the sender's prior is their mean
    belief ``(1/6 + 1/2 + 1)/3 = 5/9``; the one at 7 is dogmatic.

    >>> ra = rating_audience([2, 4, 7])
    >>> ra.sender_prior, ra.fixed, ra.ratings
    (Fraction(5, 9), ((7, 1),), (2, 4))
    >>> public, private, nd, _ = ra.targeting()
    >>> public, private, private - public
    (Fraction(867, 55), Fraction(95713, 5940), Fraction(2077, 5940))
    """
    if family not in _TWO_STATE:
        raise InvalidParameterError(
            f"audiences from ratings need a two-state family ({', '.join(_TWO_STATE)}), "
            f"got {family!r}"
        )
    ratings = list(ratings)
    if not ratings:
        raise InvalidGameError("no ratings to build an audience from")
    for i, r in enumerate(ratings):
        if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= 7:
            raise InvalidGameError(f"ratings[{i}] is {r!r}; ratings are integers in 1..7")
    if sender_prior is None:
        mu_s, origin = prior_from_ratings(ratings, family)
    else:
        mu_s = as_fraction(sender_prior, "sender_prior")
        if not 0 <= mu_s <= 1:
            raise InvalidGameError(f"sender_prior is {sender_prior!r}, not in [0, 1]")
        origin = {"kind": "user", "value": str(mu_s)}
    base = make_game(family, mu_s, loss=loss, p=p)
    ps = prior_vector(family, mu_s)
    counts = Counter(ratings)
    movable, fixed = [], []
    fixed_value = Fraction(0)
    _, v, _ = base.exact_data()
    for r in sorted(counts):
        mu_r = prior_vector(family, prior_from_rating(r))
        dogmatic = any(ps[w] > 0 and mu_r[w] == 0 for w in range(2)) or \
            any(ps[w] == 0 and mu_r[w] > 0 for w in range(2))
        if dogmatic:
            a = base.with_prior(mu_r).best_response(mu_r, exact=True)
            fixed.append((r, counts[r]))
            fixed_value += counts[r] * sum((ps[w] * v[a][w] for w in range(2)), Fraction(0))
        else:
            movable.append((r, base.with_receiver_prior(mu_r)))
    aud = None
    if movable:
        aud = Audience([g for _, g in movable], weights=[counts[r] for r, _ in movable],
                       names=[f"rating {r}" for r, _ in movable])
    return RatingAudience(
        audience=aud, ratings=tuple(r for r, _ in movable),
        counts=tuple(counts[r] for r, _ in movable), fixed=tuple(fixed),
        fixed_value=fixed_value, sender_prior=Fraction(mu_s), sender_prior_origin=origin,
        n_receivers=len(ratings),
    )


def targeting_table(records: Iterable[ClaimRecord], family: str = "binary-truth", *,
                    loss: str | None = None, p: int | float | None = None,
                    sender_prior: Any = None, dataset: str | None = None) -> pd.DataFrame:
    """One row per claim: public and private optima over its participants, and targeting.

    Parameters
    ----------
    records : iterable of ClaimRecord
        Records with initial ratings (Anthropic format: the claim's rows).
    family : {"binary-truth", "evidence-stance"}, default "binary-truth"
    loss, p : optional
        The receivers' loss (default quadratic).
    sender_prior : number, optional
        One ``P(true)`` for the sender on every claim; default each claim's
        participants' mean belief.
    dataset : str, optional
        For the ``dataset`` column (default the records' own).

    Returns
    -------
    pandas.DataFrame
        Columns ``dataset, id, claim, family, n_receivers, n_fixed,
        sender_prior, no_disclosure, public, private, targeting`` (totals over
        the participants, floats), ``public_mean, private_mean,
        targeting_mean`` (per participant) and ``public_exact,
        private_exact, targeting_exact`` (:class:`~fractions.Fraction`
        objects; ``sender_prior`` is one too).  ``attrs``:
        ``family``, ``skipped`` (``[(id, reason), ...]``: records without
        initial ratings), ``n_records`` and ``convention`` (how dogmatic
        participants are counted).

    Examples
    --------
    >>> from bayespersuade.datasets import ClaimRecord, RatingObservation
    >>> rec = ClaimRecord("anthropic", "001", "A claim", observations=tuple(
    ...     RatingObservation(initial=r, final=r) for r in (2, 4, 7)))
    >>> t = targeting_table([rec])
    >>> t[["n_receivers", "n_fixed", "public_exact", "private_exact"]].values.tolist()
    [[3, 1, Fraction(867, 55), Fraction(95713, 5940)]]
    """
    import pandas as pd

    rows, skipped = [], []
    n = 0
    for rec in records:
        n += 1
        ratings = rec.initial_ratings()
        if not ratings:
            skipped.append((rec.id, "no initial ratings"))
            continue
        ra = rating_audience(ratings, family, loss=loss, p=p, sender_prior=sender_prior)
        public, private, nd, _ = ra.targeting()
        k = ra.n_receivers
        rows.append({
            "dataset": dataset or rec.dataset, "id": rec.id, "claim": rec.claim,
            "family": family, "n_receivers": k, "n_fixed": sum(c for _, c in ra.fixed),
            "sender_prior": ra.sender_prior, "no_disclosure": float(nd),
            "public": float(public), "private": float(private),
            "targeting": float(private - public),
            "public_mean": float(public / k), "private_mean": float(private / k),
            "targeting_mean": float((private - public) / k),
            "public_exact": public, "private_exact": private,
            "targeting_exact": private - public,
        })
    cols = ["dataset", "id", "claim", "family", "n_receivers", "n_fixed", "sender_prior",
            "no_disclosure", "public", "private", "targeting", "public_mean", "private_mean",
            "targeting_mean", "public_exact", "private_exact", "targeting_exact"]
    table = pd.DataFrame(rows, columns=cols)
    table.attrs.update({
        "family": family, "skipped": skipped, "n_records": n,
        "convention": "participants rating 1 or 7 are dogmatic: their answer at their own "
                      "prior is added to public and private alike",
    })
    return table
