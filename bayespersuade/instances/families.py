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
* **evidence-stance** (:func:`evidence_stance_game`, for PERSPECTRUM):
  ``Ω = {undermine, support}``, the stance of the piece of evidence the
  sender privately holds, ``t(undermine) = 1``, ``t(support) = 7``, prior
  ``μ0 = P(support)`` = the claim's vote-weighted share of supporting
  evidence (:func:`evidence_support_share`).

Every game records where its prior came from in ``metadata["prior_origin"]``
(see :func:`prior_origin`).  The prior constructors turn what a dataset
records into a family's prior, with its origin:

=====================  ==============================  ==========================
origin                 two-state families              normative-position
=====================  ==============================  ==========================
``rating``             ``(r - 1)/6``                   point mass on ``r``
``histogram``          mean of ``(r_i - 1)/6``         empirical distribution
``user``               the given ``P(true)``           the given distribution
``evidence``           :func:`evidence_support_share`  :func:`evidence_position_prior`
``model``              elicited ``P(yes)``             elicited distribution
=====================  ==============================  ==========================

(:func:`prior_from_rating`, :func:`prior_from_ratings`,
:func:`evidence_support_share`, :func:`prior_from_model_belief`, and
:func:`record_prior`, which chooses among them for a dataset record.)
Integer ratings and vote counts give :class:`~fractions.Fraction` priors, so
the games stay exact.

References
----------
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026).

Chen, S., Khashabi, D., Yin, W., Callison-Burch, C. and Roth, D. (2019).
Seeing things from a different angle: discovering diverse perspectives
about claims. NAACL-HLT 2019 (the PERSPECTRUM stance votes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError, InvalidParameterError
from ..game import PersuasionGame
from ..solvers._numeric import as_fraction

if TYPE_CHECKING:  # pragma: no cover
    from ..datasets.records import ClaimRecord

__all__ = [
    "DEFAULT_POSITIONS",
    "FAMILIES",
    "LIKERT",
    "PRIOR_SOURCES",
    "binary_truth_game",
    "evidence_position_prior",
    "evidence_stance_game",
    "evidence_support_share",
    "family_states",
    "game_for_record",
    "likert_loss_utility",
    "make_game",
    "normative_position_game",
    "prior_from_model_belief",
    "prior_from_rating",
    "prior_from_ratings",
    "prior_origin",
    "prior_vector",
    "rating_histogram",
    "record_prior",
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
    return _two_state_game(prior_true, "prior_true", ("false", "true"), "binary-truth",
                           loss, p, origin, name)


def _two_state_prior(value: Any, what: str) -> list:
    if isinstance(value, float | np.floating):
        mu = float(value)
        if not 0.0 <= mu <= 1.0:
            raise InvalidGameError(f"{what} must lie in [0, 1], got {value!r}")
        return [1.0 - mu, mu]
    q = as_fraction(value, what)
    if not 0 <= q <= 1:
        raise InvalidGameError(f"{what} must lie in [0, 1], got {q}")
    return [1 - q, q]


def _two_state_game(prior1: Any, what: str, states: tuple[str, str], family: str,
                    loss: str | None, p: int | float | None, origin: dict | None,
                    name: str | None) -> PersuasionGame:
    pp = _p_from_loss(loss, p)
    prior = _two_state_prior(prior1, what)
    u = likert_loss_utility([1, 7], pp)
    v = np.array([[a, a] for a in LIKERT], dtype=object)
    return PersuasionGame(
        prior, v, u, states=list(states), actions=list(LIKERT), name=name,
        metadata={"family": family, "p": pp,
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


def evidence_stance_game(
    prior_support: Any,
    *,
    loss: str | None = None,
    p: int | float | None = None,
    origin: dict | None = None,
    name: str | None = None,
) -> PersuasionGame:
    """The evidence-stance game of a PERSPECTRUM claim.

    The sender privately holds one piece of evidence about the claim (one of
    its perspectives); the state is that evidence's stance,
    ``Ω = (undermine, support)``.  The sender commits to what it will say
    about the evidence (a signaling scheme on its stance); the receiver
    answers on the Likert scale and wants its answer to match the evidence,
    ``u(a, ω) = -|a - t(ω)|^p`` with ``t(undermine) = 1``,
    ``t(support) = 7``; the sender wants support, ``v(a, ω) = a``.

    Unlike the binary-truth game, whose state (the claim's truth) no sender
    knows, here the state is something the sender actually holds, so every
    scheme of the game can be carried out by a sender who has read its
    evidence.  The game has the same utilities as :func:`binary_truth_game`,
    so at the same prior it has the same values; what differs is the meaning
    of the state and where the prior comes from:
    :func:`evidence_support_share`.

    Parameters
    ----------
    prior_support : int, Fraction, float or str
        ``μ0 = P(support)`` in ``[0, 1]``.
    loss, p, origin, name
        As in :func:`binary_truth_game` (the default origin is "user").

    Returns
    -------
    PersuasionGame

    Examples
    --------
    >>> g = evidence_stance_game("3/4", origin=prior_origin("evidence"))
    >>> g.states, g.metadata["family"]
    (('undermine', 'support'), 'evidence-stance')
    >>> g.no_disclosure_value(exact=True)     # round(1 + 6 * 3/4) = round(5.5) -> 6
    Fraction(6, 1)
    """
    return _two_state_game(prior_support, "prior_support", ("undermine", "support"),
                           "evidence-stance", loss, p, origin, name)


#: The instance families, by name.
FAMILIES = ("binary-truth", "normative-position", "evidence-stance")
#: Where a record's prior can come from (``"auto"`` picks per family).
PRIOR_SOURCES = ("auto", "rating", "histogram", "user", "evidence")
_AUTO = {
    "binary-truth": ("user", "histogram", "evidence"),
    "evidence-stance": ("evidence", "user"),
    "normative-position": ("user", "histogram", "evidence"),
}
#: PERSPECTRUM's fine stance votes -> Likert positions (normative-position family).
DEFAULT_POSITIONS: Mapping[str, int] = {
    "support": 7, "mildly_support": 5, "mildly_undermine": 3, "undermine": 1,
}
_SUPPORT = ("support", "mildly_support")
_UNDERMINE = ("undermine", "mildly_undermine")
_WEIGHTINGS = ("votes", "clusters", "labels")


def _check_family(family: str) -> str:
    if family not in FAMILIES:
        raise InvalidParameterError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    return family


def family_states(family: str) -> tuple:
    """The state labels of a family's games.

    Examples
    --------
    >>> family_states("evidence-stance")
    ('undermine', 'support')
    """
    _check_family(family)
    return {"binary-truth": ("false", "true"), "evidence-stance": ("undermine", "support"),
            "normative-position": LIKERT}[family]


def make_game(family: str, prior: Any, *, loss: str | None = None, p: int | float | None = None,
              origin: dict | None = None, name: str | None = None,
              receiver_prior: Any = None, receiver_origin: dict | None = None
              ) -> PersuasionGame:
    """Build a game of the named family (dispatches to the family's function).

    ``prior`` is ``P(states[1])`` for the two-state families and a
    distribution over ``1..7`` for normative-position.  ``receiver_prior``
    (same form) gives the receiver a prior of its own (heterogeneous priors,
    Alonso & Câmara 2016): ``prior`` is then the "true" prior the sender
    evaluates with (for example the dataset's evidence share) and
    ``receiver_prior`` the receiver's (for example a language model's elicited
    belief); ``metadata["receiver_prior_origin"]`` records where it came from
    (``receiver_origin``, default "user").

    Examples
    --------
    >>> make_game("binary-truth", "1/3").prior.tolist()
    [0.6666666666666666, 0.3333333333333333]
    >>> g = make_game("evidence-stance", "3/4", receiver_prior="1/2")
    >>> g.solve(exact=True).value, make_game("evidence-stance", "3/4").solve(exact=True).value
    (Fraction(62, 11), Fraction(6, 1))
    """
    fn = {"binary-truth": binary_truth_game, "evidence-stance": evidence_stance_game,
          "normative-position": normative_position_game}[_check_family(family)]
    game = fn(prior, loss=loss, p=p, origin=origin, name=name)
    if receiver_prior is None:
        return game
    meta = game.metadata
    meta["receiver_prior_origin"] = (receiver_origin if receiver_origin is not None
                                     else prior_origin("user"))
    data = game.exact_data() if game.is_rational else (
        game.prior, game.sender_utility, game.receiver_utility)
    return PersuasionGame(*data, game.states, game.actions, name=game.name, metadata=meta,
                          receiver_prior=prior_vector(family, receiver_prior))


def prior_vector(family: str, prior: Any) -> list:
    """A family's prior as the full vector over its states.

    Examples
    --------
    >>> prior_vector("binary-truth", Fraction(1, 4))
    [Fraction(3, 4), Fraction(1, 4)]
    """
    if _check_family(family) == "normative-position":
        vec = list(prior)
        if len(vec) != 7:
            raise InvalidGameError(f"a normative-position prior has 7 entries, got {len(vec)}")
        return vec
    return _two_state_prior(prior, "prior")


def rating_histogram(ratings: Iterable[int], scale: int = 7) -> tuple[int, ...]:
    """Counts of the ratings ``1..scale``.

    Examples
    --------
    >>> rating_histogram([1, 4, 4, 7])
    (1, 0, 0, 2, 0, 0, 1)
    """
    counts = [0] * scale
    for r in ratings:
        if isinstance(r, bool) or not isinstance(r, int | np.integer) or not 1 <= r <= scale:
            raise InvalidGameError(f"ratings must be integers in 1..{scale}, got {r!r}")
        counts[int(r) - 1] += 1
    return tuple(counts)


def prior_from_ratings(ratings: Iterable[int], family: str = "binary-truth", scale: int = 7
                       ) -> tuple[Any, dict]:
    """A prior from a histogram of human (initial) ratings, with its origin.

    For the two-state families the prior is the **mean belief** of the raters,
    ``(1/N) Σ_i (r_i - 1)/6`` (each rating read as ``P(true) = (r - 1)/6``,
    as :func:`prior_from_rating` does): the belief of a receiver who pools
    the raters linearly.  For normative-position it is the empirical
    distribution of the ratings over ``1..7``.

    Parameters
    ----------
    ratings : iterable of int
        Ratings in ``1..scale`` (for example every initial rating of a claim).
    family : str, default "binary-truth"
    scale : int, default 7

    Returns
    -------
    prior : Fraction or tuple of Fraction
    origin : dict
        ``prior_origin("histogram", counts=[...], n=N)``.

    Examples
    --------
    >>> prior_from_ratings([1, 4, 4, 7])[0]
    Fraction(1, 2)
    >>> prior_from_ratings([2, 2, 5], "normative-position")[0][1]
    Fraction(2, 3)
    """
    counts = rating_histogram(ratings, scale)
    n = sum(counts)
    if n == 0:
        raise InvalidGameError("no ratings to build a histogram prior from")
    origin = prior_origin("histogram", counts=list(counts), n=n)
    if _check_family(family) == "normative-position":
        if scale != 7:
            raise InvalidGameError("the normative-position family needs 7-point ratings")
        return tuple(Fraction(c, n) for c in counts), origin
    total = sum(c * (r - 1) for r, c in enumerate(counts, start=1))
    return Fraction(total, n * (scale - 1)), origin


def _stance_votes(ev: Any) -> tuple[int, int]:
    votes = ev.votes
    try:
        s = sum(int(votes[k]) for k in _SUPPORT)
        u = sum(int(votes[k]) for k in _UNDERMINE)
    except KeyError as exc:
        raise InvalidGameError(f"evidence {ev.id!r} has no vote count {exc.args[0]!r}") from None
    return s, u


def evidence_support_share(evidence: ClaimRecord | Sequence, weighting: str = "votes"
                           ) -> tuple[Fraction, dict]:
    """The claim's share of supporting evidence: the evidence-stance prior.

    Each PERSPECTRUM perspective cluster ``k`` has crowd votes ``s_k``
    (support + mildly support) and ``u_k`` (undermine + mildly undermine);
    "not a valid perspective" votes count for neither.  The prior
    ``μ0 = P(support)`` is the probability that the evidence the sender holds
    supports the claim, under one of three documented draws:

    ``"votes"`` (default)
        ``Σ_k s_k / Σ_k (s_k + u_k)``: the sender holds a cluster drawn with
        probability proportional to its stance votes, and its stance is
        that of one of those votes drawn at random.  Clusters the crowd saw
        as no perspective at all carry no weight.
    ``"clusters"``
        ``(1/K') Σ_k s_k/(s_k + u_k)`` over the ``K'`` clusters with at least
        one stance vote: a cluster drawn uniformly, its stance by a random
        stance vote.
    ``"labels"``
        the share of clusters whose gold coarse label is SUPPORT (ignores the
        votes).

    All three are ratios of integers, returned as :class:`~fractions.Fraction`.
    The choice matters on PERSPECTRUM v1.0: 106 clusters, all with the gold
    label UNDERMINE, received only "not a valid perspective" votes; they
    weigh nothing under ``"votes"`` and ``"clusters"`` and count as
    undermining under ``"labels"``, and 24 clusters have a gold label
    opposite to their vote majority.

    Parameters
    ----------
    evidence : ClaimRecord or sequence of Evidence
    weighting : {"votes", "clusters", "labels"}, default "votes"

    Returns
    -------
    prior : Fraction
    origin : dict
        ``prior_origin("evidence", weighting=..., ...)`` with the counts used.

    Raises
    ------
    InvalidGameError
        If there is no evidence, or (for the vote weightings) no stance vote.

    Examples
    --------
    >>> from bayespersuade.datasets import Evidence
    >>> ev = [Evidence("1", "a", "support", {"support": 2, "mildly_support": 1,
    ...                                      "mildly_undermine": 0, "undermine": 0}),
    ...       Evidence("2", "b", "undermine", {"support": 0, "mildly_support": 0,
    ...                                        "mildly_undermine": 1, "undermine": 0})]
    >>> evidence_support_share(ev)[0]            # 3 support votes of 4
    Fraction(3, 4)
    >>> evidence_support_share(ev, "clusters")[0]    # (1 + 0) / 2
    Fraction(1, 2)
    """
    items = tuple(getattr(evidence, "evidence", evidence))
    if weighting not in _WEIGHTINGS:
        raise InvalidParameterError(
            f"weighting must be one of {', '.join(_WEIGHTINGS)}, got {weighting!r}")
    if not items:
        raise InvalidGameError("no evidence to build an evidence-stance prior from")
    if weighting == "labels":
        n_sup = sum(e.stance == "support" for e in items)
        return Fraction(n_sup, len(items)), prior_origin(
            "evidence", weighting="labels", support_clusters=n_sup, clusters=len(items))
    pairs = [_stance_votes(e) for e in items]
    if weighting == "votes":
        s = sum(a for a, _ in pairs)
        t = sum(a + b for a, b in pairs)
        if t == 0:
            raise InvalidGameError("the evidence has no stance votes")
        return Fraction(s, t), prior_origin(
            "evidence", weighting="votes", support_votes=s, stance_votes=t,
            clusters=len(items))
    used = [(a, b) for a, b in pairs if a + b > 0]
    if not used:
        raise InvalidGameError("the evidence has no stance votes")
    share = sum((Fraction(a, a + b) for a, b in used), Fraction(0)) / len(used)
    return share, prior_origin("evidence", weighting="clusters", clusters_used=len(used),
                               clusters=len(items))


def evidence_position_prior(evidence: ClaimRecord | Sequence,
                            positions: Mapping[str, int] = DEFAULT_POSITIONS
                            ) -> tuple[tuple[Fraction, ...], dict]:
    """A prior over the seven positions from PERSPECTRUM's fine stance votes.

    Every stance vote on any of the claim's clusters is one observation of
    the correct position: support -> 7, mildly support -> 5, mildly
    undermine -> 3, undermine -> 1 (``positions``, a parameter); "not a
    valid perspective" votes are left out.  The prior is the pooled
    distribution of these positions (vote-weighted, like
    :func:`evidence_support_share`'s default; its mean is
    ``1 + 6 μ0`` when there are no mild votes).

    Examples
    --------
    >>> from bayespersuade.datasets import Evidence
    >>> ev = [Evidence("1", "a", "support", {"support": 2, "mildly_support": 1,
    ...                                      "mildly_undermine": 0, "undermine": 1})]
    >>> [str(x) for x in evidence_position_prior(ev)[0]]
    ['1/4', '0', '0', '0', '1/4', '0', '1/2']
    """
    items = tuple(getattr(evidence, "evidence", evidence))
    if set(positions) != set(DEFAULT_POSITIONS) or not all(
            isinstance(v, int) and 1 <= v <= 7 for v in positions.values()):
        raise InvalidParameterError(
            f"positions must map {sorted(DEFAULT_POSITIONS)} to integers in 1..7")
    counts = [0] * 7
    for e in items:
        for label, pos in positions.items():
            try:
                counts[pos - 1] += int(e.votes[label])
            except KeyError:
                raise InvalidGameError(
                    f"evidence {e.id!r} has no vote count {label!r}") from None
    n = sum(counts)
    if n == 0:
        raise InvalidGameError("the evidence has no stance votes")
    return tuple(Fraction(c, n) for c in counts), prior_origin(
        "evidence", weighting="votes", position_counts=counts, stance_votes=n,
        positions=dict(positions))


def prior_from_model_belief(belief: Any, family: str = "binary-truth", *,
                            model: str | None = None, method: str | None = None
                            ) -> tuple[Any, dict]:
    """A prior from a language model's elicited belief, with its origin.

    Parameters
    ----------
    belief : float, Fraction or sequence of 7
        ``P(yes)`` (renormalised over yes/no), or a distribution over the
        answers ``1..7``.  For the two-state families a 7-point distribution
        ``q`` becomes ``Σ_a q_a (a - 1)/6`` (its mean read as
        :func:`prior_from_rating` reads a rating); for normative-position a
        distribution is used as it is and a scalar is an error.
    family : str, default "binary-truth"
    model, method : str, optional
        The model's name and the elicitation method, recorded in the origin.

    Examples
    --------
    >>> prior_from_model_belief(0.8, model="llama")[1]
    {'kind': 'model', 'model': 'llama', 'method': None, 'belief': 0.8}
    >>> prior_from_model_belief([0, 0, 0, Fraction(1, 2), 0, 0, Fraction(1, 2)])[0]
    Fraction(3, 4)
    """
    _check_family(family)
    if np.ndim(belief) == 0:
        if family == "normative-position":
            raise InvalidGameError("the normative-position family needs a distribution over "
                                   "1..7, not a single probability")
        prior = _two_state_prior(belief, "belief")[1]
        shown: Any = belief if isinstance(belief, float) else str(prior)
        return prior, prior_origin("model", model=model, method=method, belief=shown)
    dist = list(belief)
    if len(dist) != 7:
        raise InvalidGameError(f"a belief over the answers has 7 entries, got {len(dist)}")
    exact = not any(isinstance(x, float | np.floating) for x in dist)
    vals = [as_fraction(x, "belief") for x in dist] if exact else [float(x) for x in dist]
    if any(x < 0 for x in vals) or (exact and sum(vals) != 1) or (
            not exact and abs(sum(vals) - 1.0) > 1e-9):
        raise InvalidGameError(f"belief must be a probability distribution, got {dist!r}")
    shown = [str(x) for x in vals] if exact else vals
    origin = prior_origin("model", model=model, method=method, belief=shown)
    if family == "normative-position":
        return tuple(vals), origin
    mean = sum(((a - 1) * x for a, x in zip(LIKERT, vals)), Fraction(0) if exact else 0.0)
    return mean / 6, origin


def record_prior(record: ClaimRecord, family: str = "binary-truth", *, source: str = "auto",
                 weighting: str = "votes", positions: Mapping[str, int] = DEFAULT_POSITIONS
                 ) -> tuple[Any, dict]:
    """The prior of a dataset record under a family, and its origin.

    Parameters
    ----------
    record : ClaimRecord
    family : {"binary-truth", "normative-position", "evidence-stance"}
    source : {"auto", "rating", "histogram", "user", "evidence"}, default "auto"
        ``"user"``: the prior the file gives (``record.prior``, or
        ``record.position_prior`` for normative-position).  ``"histogram"``:
        the record's initial ratings (:func:`prior_from_ratings`).
        ``"rating"``: the record's single initial rating (an error when it has
        more or none).  ``"evidence"``: :func:`evidence_support_share`
        (two-state) or :func:`evidence_position_prior` (normative).
        ``"auto"`` takes the first available of: user, histogram, evidence
        (binary-truth and normative-position); evidence, user
        (evidence-stance).
    weighting : {"votes", "clusters", "labels"}, default "votes"
        For the evidence share.
    positions : mapping
        For :func:`evidence_position_prior`.

    Returns
    -------
    prior : Fraction, float or tuple
    origin : dict

    Raises
    ------
    InvalidGameError
        If the record has nothing to build the requested prior from (the
        message says what is missing).

    Examples
    --------
    >>> from bayespersuade.datasets import ClaimRecord, RatingObservation
    >>> rec = ClaimRecord("anthropic", "001", "x", observations=(
    ...     RatingObservation(initial=3, final=5), RatingObservation(initial=6, final=6)))
    >>> record_prior(rec)
    (Fraction(7, 12), {'kind': 'histogram', 'counts': [0, 0, 1, 0, 0, 1, 0], 'n': 2})
    """
    _check_family(family)
    if source not in PRIOR_SOURCES:
        raise InvalidParameterError(
            f"prior source must be one of {', '.join(PRIOR_SOURCES)}, got {source!r}")
    if source == "auto":
        reasons = []
        for cand in _AUTO[family]:
            try:
                return record_prior(record, family, source=cand, weighting=weighting,
                                    positions=positions)
            except InvalidGameError as err:
                reasons.append(f"{cand}: {err}")
        raise InvalidGameError(f"record {record.id!r} has no prior for the {family} family ("
                               + "; ".join(reasons) + ")")
    normative = family == "normative-position"
    if source == "user":
        value = record.position_prior if normative else record.prior
        if value is None:
            what = "prior_1..prior_7" if normative else "prior"
            raise InvalidGameError(f"the record gives no user prior ({what})")
        shown = [str(x) for x in value] if normative else str(value)
        return value, prior_origin("user", value=shown, source="record")
    if source in ("histogram", "rating"):
        ratings = record.initial_ratings()
        if not ratings:
            raise InvalidGameError("the record has no initial ratings")
        if source == "rating":
            if len(ratings) != 1:
                raise InvalidGameError(
                    f"the record has {len(ratings)} initial ratings, not one; use 'histogram'")
            r = ratings[0]
            if normative:
                return tuple(Fraction(int(k == r)) for k in LIKERT), prior_origin(
                    "rating", rating=r)
            return prior_from_rating(r), prior_origin("rating", rating=r)
        return prior_from_ratings(ratings, family)
    if not record.evidence:
        raise InvalidGameError("the record has no evidence")
    if normative:
        return evidence_position_prior(record, positions)
    return evidence_support_share(record, weighting)


def game_for_record(record: ClaimRecord, family: str = "binary-truth", *,
                    loss: str | None = None, p: int | float | None = None,
                    prior: Any = None, prior_source: str = "auto", weighting: str = "votes",
                    positions: Mapping[str, int] = DEFAULT_POSITIONS) -> PersuasionGame:
    """The game of one dataset record under a family.

    Parameters
    ----------
    record : ClaimRecord
    family : {"binary-truth", "normative-position", "evidence-stance"}
    loss, p
        The receiver's loss (default quadratic).
    prior : optional
        Override: use this prior (origin "user") instead of the record's.
    prior_source, weighting, positions
        As in :func:`record_prior`.

    Returns
    -------
    PersuasionGame
        Named after the record's id; ``metadata`` holds the family, ``p``,
        the prior's origin, the dataset and the claim.

    Examples
    --------
    >>> from bayespersuade.datasets import load_embedded
    >>> rec = load_embedded("perspectrum", split="test").records[0]
    >>> g = game_for_record(rec, "evidence-stance")
    >>> g.metadata["prior_origin"]["kind"], g.is_rational
    ('evidence', True)
    """
    if prior is None:
        prior, origin = record_prior(record, family, source=prior_source, weighting=weighting,
                                     positions=positions)
    else:
        shown = [str(x) for x in prior] if np.ndim(prior) else str(prior)
        origin = prior_origin("user", value=shown, source="argument")
    game = make_game(family, prior, loss=loss, p=p, origin=origin, name=record.id)
    meta = game.metadata
    meta.update({"dataset": record.dataset, "claim": record.claim})
    return PersuasionGame(
        prior_vector(family, prior), *_exact_utilities(game), states=game.states,
        actions=game.actions, name=game.name, metadata=meta,
    )


def _exact_utilities(game: PersuasionGame) -> tuple:
    if game.is_rational:
        _, v, u = game.exact_data()
        return v, u
    return game.sender_utility, game.receiver_utility
