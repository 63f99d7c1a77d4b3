"""Hypothesis strategies for property-based tests of persuasion theory.

Import these in your own test suite to draw random (and deliberately
degenerate) persuasion games, priors, beliefs and signaling schemes:

>>> from hypothesis import given, settings
>>> from bayespersuade.testing import games
>>> @settings(max_examples=25, database=None, deadline=None)
... @given(games())
... def test_no_disclosure_value_is_a_sender_payoff(game):
...     v = game.no_disclosure_value(exact=True)
...     assert game.sender_utility.min() <= v <= game.sender_utility.max()
>>> test_no_disclosure_value_is_a_sender_payoff()

Every strategy is built from Hypothesis' own integer draws (no global random
state), so examples are reproducible under Hypothesis' seeding and shrink
towards small, simple games.  Every game drawn is valid: it never makes
:class:`~bayespersuade.PersuasionGame` raise.

Exactness.  With ``rational=True`` (the default) priors and beliefs are lists
of :class:`~fractions.Fraction` summing to exactly one, utilities are integers
(or fractions with a fixed denominator) and every game is rational
(:attr:`~bayespersuade.PersuasionGame.is_rational`).  With ``rational=False``
they are Python floats: a probability vector is the float image of a rational
one (each entry correctly rounded, so it sums to one within ``1e-12``).

Invalid arguments to a strategy raise :class:`StrategyArgumentError`, which
is both the library's :class:`~bayespersuade.exceptions.InvalidParameterError`
and Hypothesis' :class:`hypothesis.errors.InvalidArgument` (what Hypothesis'
own strategies raise), so either ``except`` clause catches it.

This module needs the optional dependency ``hypothesis``
(``pip install 'bayespersuade[testing]'``); importing it without raises
:class:`~bayespersuade.MissingDependencyError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from .exceptions import InvalidParameterError, missing_dependency

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument as _HypothesisInvalidArgument
except ImportError as _exc:  # pragma: no cover - exercised in a test with hypothesis hidden
    raise missing_dependency("hypothesis", "testing") from _exc

from .game import PersuasionGame

__all__ = [
    "DEGENERACIES",
    "StrategyArgumentError",
    "audiences",
    "beliefs",
    "degenerate_games",
    "games",
    "heterogeneous_games",
    "network_games",
    "priors",
    "schemes",
    "two_state_games",
]

#: Default largest denominator of a rational probability.
RATIONAL_MAX_DENOMINATOR = 24
#: Default largest denominator of the fraction a float probability rounds.
FLOAT_MAX_DENOMINATOR = 10**6
#: Default resolution of float utilities (multiples of ``1/1000``).
FLOAT_UTILITY_DENOMINATOR = 1000

#: The kinds of degeneracy :func:`degenerate_games` can build.
DEGENERACIES = (
    "duplicate_action",
    "dominated_action",
    "face_tie",
    "prior_tie",
    "constant_receiver",
    "boundary_prior",
    "single_action",
    "indifferent_sender_state",
    "duplicate_state",
)




class StrategyArgumentError(InvalidParameterError, _HypothesisInvalidArgument):
    """A strategy in this module was given an invalid argument.

    Examples
    --------
    >>> from hypothesis.errors import InvalidArgument
    >>> from bayespersuade.exceptions import InvalidParameterError
    >>> try:
    ...     priors(0)
    ... except StrategyArgumentError as exc:
    ...     print(isinstance(exc, InvalidArgument), isinstance(exc, InvalidParameterError))
    ...     print(exc)
    True True
    n_states must be at least 1, got 0
    """


# ------------------------------------------------------------------ helpers
def _check_int(name: str, value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StrategyArgumentError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise StrategyArgumentError(f"{name} must be at least {minimum}, got {value}")
    return value


def _check_range(lo_name: str, lo: int, hi_name: str, hi: int) -> None:
    if lo > hi:
        raise StrategyArgumentError(f"{lo_name}={lo} is greater than {hi_name}={hi}")


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise StrategyArgumentError(f"{name} must be True or False, got {value!r}")
    return value


def _max_den(max_denominator: int | None, rational: bool) -> int:
    if max_denominator is None:
        return RATIONAL_MAX_DENOMINATOR if rational else FLOAT_MAX_DENOMINATOR
    return _check_int("max_denominator", max_denominator, 1)


def _exact_simplex_point(n: int, max_den: int, allow_zeros: bool) -> st.SearchStrategy:
    """Exact points ``k / d`` of the simplex with ``d <= max_den`` (list of Fraction)."""
    lo_d = 1 if allow_zeros else n

    @st.composite
    def point(draw: Any) -> list[Fraction]:
        d = draw(st.integers(lo_d, max_den))
        free = d if allow_zeros else d - n  # units left after one per state
        cuts = sorted(draw(st.lists(st.integers(0, free), min_size=n - 1, max_size=n - 1)))
        bounds = [0, *cuts, free]
        base = 0 if allow_zeros else 1
        return [Fraction(bounds[i + 1] - bounds[i] + base, d) for i in range(n)]

    return point()


def _simplex_point(
    n_states: Any,
    rational: Any,
    max_denominator: Any,
    allow_zeros: Any,
    what: str,
    zeros_name: str = "allow_zeros",
) -> st.SearchStrategy:
    n = _check_int(what, n_states, 1)
    rational = _check_bool("rational", rational)
    allow_zeros = _check_bool(zeros_name, allow_zeros)
    max_den = _max_den(max_denominator, rational)
    if not allow_zeros and max_den < n:
        raise StrategyArgumentError(
            f"with {zeros_name}=False, {n} positive probabilities need max_denominator >= "
            f"{n}, got {max_den}"
        )
    exact = _exact_simplex_point(n, max_den, allow_zeros)
    if rational:
        return exact
    return exact.map(lambda p: [float(x) for x in p])


# --------------------------------------------------------- probability vectors
def priors(
    n_states: int,
    *,
    rational: bool = True,
    max_denominator: int | None = None,
    allow_zeros: bool = True,
) -> st.SearchStrategy[list]:
    """Priors on the simplex ``Δ(Ω)`` with ``n_states`` states.

    Each prior is ``[k_1/d, ..., k_n/d]`` for non-negative integers ``k_i``
    summing to ``d <= max_denominator``, so every probability has denominator
    at most ``max_denominator``.  Examples shrink towards a point mass on the
    last state (or, with ``allow_zeros=False``, towards the uniform prior).

    Parameters
    ----------
    n_states : int
        Number of states (at least 1).
    rational : bool, default True
        ``True``: a list of :class:`~fractions.Fraction` summing to exactly 1.
        ``False``: a list of floats, each the correctly rounded value of such
        a fraction (summing to 1 within ``1e-12``).
    max_denominator : int, optional
        Largest denominator ``d``.  Default 24 for rational priors (small
        denominators hit ties and breakpoints often) and ``10**6`` for floats.
    allow_zeros : bool, default True
        Whether probabilities may be zero (priors on the boundary of the
        simplex).  Zeros are frequent when allowed.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of list

    Examples
    --------
    >>> from fractions import Fraction
    >>> from hypothesis import given, settings
    >>> from bayespersuade.testing import priors
    >>> @settings(max_examples=30, database=None, deadline=None)
    ... @given(priors(3, allow_zeros=False))
    ... def test_prior(p):
    ...     assert sum(p) == 1 and all(Fraction(0) < x <= 1 for x in p)
    ...     assert all(x.denominator <= 24 for x in p)
    >>> test_prior()
    """
    return _simplex_point(n_states, rational, max_denominator, allow_zeros, "n_states")


def beliefs(
    n_states: int,
    *,
    rational: bool = True,
    max_denominator: int | None = None,
    allow_zeros: bool = True,
) -> st.SearchStrategy[list]:
    """Beliefs (posteriors) over ``n_states`` states, for testing evaluation code.

    The same points of the simplex as :func:`priors`: Fractions summing to
    exactly one (or their float images with ``rational=False``); beliefs on
    faces and vertices of the simplex are frequent unless
    ``allow_zeros=False``.

    Parameters
    ----------
    n_states : int
        Number of states (at least 1).
    rational : bool, default True
        Fractions (``True``) or floats (``False``).
    max_denominator : int, optional
        Largest denominator (default 24 rational, ``10**6`` float).
    allow_zeros : bool, default True
        Whether probabilities may be zero.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of list

    Examples
    --------
    The receiver's best response maximises its expected utility at every
    belief (checked exactly):

    >>> from hypothesis import given, settings
    >>> from bayespersuade.examples import likert_quadratic
    >>> from bayespersuade.testing import beliefs
    >>> game = likert_quadratic()
    >>> _, _, u = game.exact_data()
    >>> @settings(max_examples=30, database=None, deadline=None)
    ... @given(beliefs(2))
    ... def test_best_response_is_optimal(mu):
    ...     a = game.best_response(mu)
    ...     best = max(sum(m * x for m, x in zip(mu, row)) for row in u)
    ...     assert sum(m * x for m, x in zip(mu, u[a])) == best
    >>> test_best_response_is_optimal()
    """
    return _simplex_point(n_states, rational, max_denominator, allow_zeros, "n_states")


def schemes(
    n_states: int,
    n_signals: int,
    *,
    rational: bool = True,
    max_denominator: int | None = None,
    allow_zeros: bool = True,
) -> st.SearchStrategy[list]:
    """Signaling schemes ``π(s | ω)``: row-stochastic ``n_states x n_signals`` matrices.

    Row ``ω`` is the distribution of the signal in state ``ω``, drawn like
    :func:`priors` over ``n_signals`` outcomes.  With ``allow_zeros=True`` a
    signal may be sent in some states only, or (rarely) never.

    Parameters
    ----------
    n_states : int
        Number of states (rows, at least 1).
    n_signals : int
        Number of signals (columns, at least 1).
    rational : bool, default True
        Fractions with rows summing to exactly one (``True``) or floats.
    max_denominator : int, optional
        Largest denominator per row (default 24 rational, ``10**6`` float).
    allow_zeros : bool, default True
        Whether ``π(s | ω)`` may be zero.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of list of list

    Examples
    --------
    Bayes plausibility: the signal-weighted posteriors average to the prior.

    >>> from fractions import Fraction
    >>> from hypothesis import given, settings
    >>> from bayespersuade.testing import priors, schemes
    >>> @settings(max_examples=30, database=None, deadline=None)
    ... @given(priors(3), schemes(3, 2))
    ... def test_bayes_plausible(prior, pi):
    ...     mean = [Fraction(0)] * 3
    ...     for s in range(2):
    ...         p_s = sum(prior[w] * pi[w][s] for w in range(3))
    ...         for w in range(3):
    ...             if p_s:
    ...                 mean[w] += p_s * (prior[w] * pi[w][s] / p_s)
    ...     assert mean == prior
    >>> test_bayes_plausible()
    """
    n = _check_int("n_states", n_states, 1)
    row = _simplex_point(n_signals, rational, max_denominator, allow_zeros, "n_signals")
    return st.lists(row, min_size=n, max_size=n)


# --------------------------------------------------------------------- games
def _utility_values(
    lo: int, hi: int, rational: bool, utility_denominator: int | None
) -> st.SearchStrategy:
    den = utility_denominator
    if den is None:
        den = 1 if rational else FLOAT_UTILITY_DENOMINATOR
    den = _check_int("utility_denominator", den, 1)
    ints = st.integers(lo * den, hi * den)
    if not rational:
        return ints.map(lambda k: k / den)
    if den == 1:
        return ints
    return ints.map(lambda k: Fraction(k, den))


_LABEL = st.one_of(
    st.integers(-3, 50),
    st.text(alphabet="abcxyzAB01 _-é√", max_size=5),
)


def _label_lists(n: int) -> st.SearchStrategy[list]:
    return st.lists(_LABEL, min_size=n, max_size=n, unique=True)


def _check_prior_kind(probe: PersuasionGame, rational: bool) -> None:
    if rational and not probe.is_rational:
        raise StrategyArgumentError(
            "rational=True needs an exact prior (ints, Fractions or strings like '1/3'), "
            "but the prior has floats; pass rational=False for float games"
        )


def _fixed_or_strategy_prior(
    prior: Any, rational: bool
) -> tuple[st.SearchStrategy | None, int | None]:
    if prior is None:
        return None, None
    if isinstance(prior, st.SearchStrategy):
        return prior, None
    # a fixed prior: validate it now (raises InvalidGameError naming the problem)
    n = len(prior)
    probe = PersuasionGame(prior, [[0] * n], [[0] * n])
    _check_prior_kind(probe, rational)
    fixed = list(probe.exact_data()[0]) if probe.is_rational else [float(x) for x in probe.prior]
    return st.just(fixed), n


def _games(
    *,
    states_range: tuple[int, int] | None,
    min_actions: int,
    max_actions: int,
    min_utility: int,
    max_utility: int,
    rational: bool,
    prior: Any,
    max_denominator: int | None,
    allow_zero_prior: bool,
    utility_denominator: int | None,
    labels: bool,
) -> st.SearchStrategy[PersuasionGame]:
    min_actions = _check_int("min_actions", min_actions, 1)
    max_actions = _check_int("max_actions", max_actions, 1)
    _check_range("min_actions", min_actions, "max_actions", max_actions)
    min_utility = _check_int("min_utility", min_utility)
    max_utility = _check_int("max_utility", max_utility)
    _check_range("min_utility", min_utility, "max_utility", max_utility)
    rational = _check_bool("rational", rational)
    labels = _check_bool("labels", labels)
    allow_zero_prior = _check_bool("allow_zero_prior", allow_zero_prior)
    values = _utility_values(min_utility, max_utility, rational, utility_denominator)
    prior_strategy, fixed_n = _fixed_or_strategy_prior(prior, rational)
    if prior_strategy is None:
        assert states_range is not None
        lo_s, hi_s = states_range
        # validate the prior arguments once, eagerly
        _simplex_point(hi_s, rational, max_denominator, allow_zero_prior, "max_states",
                       "allow_zero_prior")
    elif states_range is not None and fixed_n is not None and not (
        states_range[0] <= fixed_n <= states_range[1]
    ):
        raise StrategyArgumentError(
            f"the prior has {fixed_n} states, outside [{states_range[0]}, {states_range[1]}]"
        )

    @st.composite
    def game(draw: Any) -> PersuasionGame:
        if prior_strategy is None:
            n = draw(st.integers(lo_s, hi_s))
            mu = draw(_simplex_point(n, rational, max_denominator, allow_zero_prior, "n"))
        else:
            mu = list(draw(prior_strategy))
            n = len(mu)
            _check_prior_kind(PersuasionGame(mu, [[0] * n], [[0] * n]), rational)
            if states_range is not None and not states_range[0] <= n <= states_range[1]:
                raise StrategyArgumentError(
                    f"the prior strategy drew {n} states, outside "
                    f"[{states_range[0]}, {states_range[1]}]"
                )
        m = draw(st.integers(min_actions, max_actions))
        matrix = st.lists(st.lists(values, min_size=n, max_size=n), min_size=m, max_size=m)
        v = draw(matrix)
        u = draw(matrix)
        if labels:
            return PersuasionGame(mu, v, u, draw(_label_lists(n)), draw(_label_lists(m)))
        return PersuasionGame(mu, v, u)

    return game()


def games(
    *,
    min_states: int | None = None,
    max_states: int | None = None,
    min_actions: int = 1,
    max_actions: int = 5,
    min_utility: int = -5,
    max_utility: int = 5,
    rational: bool = True,
    prior: Sequence | st.SearchStrategy | None = None,
    max_denominator: int | None = None,
    allow_zero_prior: bool = True,
    utility_denominator: int | None = None,
    labels: bool = False,
) -> st.SearchStrategy[PersuasionGame]:
    """Random finite persuasion games.

    Both utilities are independent random matrices with entries in
    ``[min_utility, max_utility]``; the prior is drawn by :func:`priors`
    unless given.  Examples shrink towards one action, few states and
    utilities near zero.

    Parameters
    ----------
    min_states, max_states : int, optional
        Range of the number of states (default 2 and ``max(4, min_states)``).
        Not allowed with a fixed ``prior``, whose length fixes it; with a
        prior strategy, they bound the length of the priors it draws.
    min_actions, max_actions : int, default 1 and 5
        Range of the number of receiver actions.
    min_utility, max_utility : int, default -5 and 5
        Bounds (inclusive) of every utility entry.
    rational : bool, default True
        ``True``: integer utilities (see ``utility_denominator``) and a
        rational prior, so the game is rational.  ``False``: float utilities
        (multiples of ``1/1000`` by default, most not exactly representable)
        and a float prior.
    prior : sequence or SearchStrategy, optional
        A fixed prior (validated now), or a strategy drawing priors (its
        length sets the number of states).  With ``rational=True`` it must be
        exact (no floats).
    max_denominator : int, optional
        Passed to :func:`priors` (default 24 rational, ``10**6`` float).
    allow_zero_prior : bool, default True
        Whether the drawn prior may have zeros.
    utility_denominator : int, optional
        Utilities are multiples of ``1/utility_denominator`` (default 1 for
        rational games, i.e. integers; 1000 for float games).
    labels : bool, default False
        Draw distinct state and action labels (a mix of integers and short,
        possibly non-ASCII, strings) instead of the defaults.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of PersuasionGame

    Examples
    --------
    A true theorem: when the sender's utility equals the receiver's, full
    disclosure is worth at least as much as no disclosure (the receiver's
    value of information is non-negative).

    >>> from hypothesis import given, settings
    >>> from bayespersuade import PersuasionGame
    >>> from bayespersuade.testing import games
    >>> @settings(max_examples=30, database=None, deadline=None)
    ... @given(games(max_states=3))
    ... def test_aligned_sender_likes_information(game):
    ...     _, _, u = game.exact_data()
    ...     aligned = PersuasionGame(game.exact_data()[0], u, u)
    ...     assert (aligned.full_disclosure_value(exact=True)
    ...             >= aligned.no_disclosure_value(exact=True))
    >>> test_aligned_sender_likes_information()
    """
    bounded = min_states is not None or max_states is not None
    states_range: tuple[int, int] | None = None
    if prior is not None and not isinstance(prior, st.SearchStrategy):
        if bounded:
            raise StrategyArgumentError(
                "min_states/max_states cannot be combined with a fixed prior, whose "
                "length fixes the number of states"
            )
    elif prior is None or bounded:
        lo = 2 if min_states is None else _check_int("min_states", min_states, 1)
        hi = max(4, lo) if max_states is None else _check_int("max_states", max_states, 1)
        _check_range("min_states", lo, "max_states", hi)
        states_range = (lo, hi)
    return _games(
        states_range=states_range,
        min_actions=min_actions,
        max_actions=max_actions,
        min_utility=min_utility,
        max_utility=max_utility,
        rational=rational,
        prior=prior,
        max_denominator=max_denominator,
        allow_zero_prior=allow_zero_prior,
        utility_denominator=utility_denominator,
        labels=labels,
    )


def two_state_games(
    *,
    min_actions: int = 1,
    max_actions: int = 7,
    min_utility: int = -5,
    max_utility: int = 5,
    rational: bool = True,
    prior: Sequence | st.SearchStrategy | None = None,
    max_denominator: int | None = None,
    allow_zero_prior: bool = True,
    utility_denominator: int | None = None,
    labels: bool = False,
) -> st.SearchStrategy[PersuasionGame]:
    """Random two-state games (the shape of concavification plots and Likert games).

    The same as :func:`games` with exactly two states; up to seven actions by
    default, like a Likert scale.  A given ``prior`` must have two entries.

    Parameters
    ----------
    min_actions, max_actions, min_utility, max_utility, rational, prior, \
max_denominator, allow_zero_prior, utility_denominator, labels
        As in :func:`games`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of PersuasionGame

    Examples
    --------
    In a two-state game, ``v̂`` at a vertex is the sender's payoff from the
    receiver's best action there, so full disclosure is the prior-weighted
    average of the two vertex values:

    >>> from fractions import Fraction
    >>> from hypothesis import given, settings
    >>> from bayespersuade.testing import two_state_games
    >>> @settings(max_examples=30, database=None, deadline=None)
    ... @given(two_state_games())
    ... def test_full_disclosure(game):
    ...     p = game.exact_data()[0]
    ...     ends = [game.sender_value([1, 0]), game.sender_value([0, 1])]
    ...     assert game.full_disclosure_value(exact=True) == p[0] * ends[0] + p[1] * ends[1]
    >>> test_full_disclosure()
    """
    if prior is not None and not isinstance(prior, st.SearchStrategy):
        fixed = list(prior)
        if len(fixed) != 2:
            raise StrategyArgumentError(
                f"two_state_games needs a prior with 2 entries, got {len(fixed)}"
            )
    return _games(
        states_range=(2, 2),
        min_actions=min_actions,
        max_actions=max_actions,
        min_utility=min_utility,
        max_utility=max_utility,
        rational=rational,
        prior=prior,
        max_denominator=max_denominator,
        allow_zero_prior=allow_zero_prior,
        utility_denominator=utility_denominator,
        labels=labels,
    )


# ---------------------------------------------------------- degenerate games
def _nonempty_proper_subset(draw: Any, n: int) -> list[int]:
    flags = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    chosen = [i for i, f in enumerate(flags) if f]
    if not chosen:
        chosen = [0]
    if len(chosen) == n:
        chosen = chosen[:-1]
    return chosen


def _bump(x: int, lo: int, hi: int) -> int:
    """A value in ``[lo, hi]`` different from ``x`` (needs ``lo < hi``)."""
    return x + 1 if x < hi else x - 1


def _two_distinct(draw: Any, n: int) -> tuple[int, int]:
    i = draw(st.integers(0, n - 1))
    j = draw(st.integers(0, n - 2))
    return i, (j if j < i else j + 1)


def _dot(p: Sequence, row: Sequence) -> Fraction:
    return sum((Fraction(a) * b for a, b in zip(p, row)), Fraction(0))


def degenerate_games(
    *,
    kinds: Sequence[str] | None = None,
    min_states: int = 2,
    max_states: int = 4,
    min_actions: int = 2,
    max_actions: int = 5,
    min_utility: int = -5,
    max_utility: int = 5,
    rational: bool = True,
    max_denominator: int | None = None,
) -> st.SearchStrategy[PersuasionGame]:
    """Games built to be degenerate, where solvers and tie-breaking go wrong.

    Each game has one deliberate degeneracy, recorded in
    ``game.metadata["degeneracy"]`` with the indices involved, so a test can
    check the property it exercises.  Utilities are integers in
    ``[min_utility, max_utility]``; the game may have further, accidental
    degeneracies.

    ============================ =================================================
    ``degeneracy``               what is built (metadata keys)
    ============================ =================================================
    ``duplicate_action``         two actions with identical receiver rows and
                                 different sender rows (``actions``)
    ``dominated_action``         ``u(j, ·) <= u(i, ·)`` entrywise with at least one
                                 strict inequality, everywhere strict if
                                 ``strict`` (``action``, ``dominated_by``,
                                 ``strict``)
    ``face_tie``                 two actions both receiver-optimal (utility
                                 ``max_utility``) on a whole face ``Δ(S)``, differing
                                 off it, the sender not indifferent on it
                                 (``actions``, ``states`` = ``S``)
    ``prior_tie``                two actions tied and both receiver-optimal at the
                                 prior, with different sender values there
                                 (``actions``); exact only when ``rational``;
                                 the prior's denominators may exceed
                                 ``max_denominator``
    ``constant_receiver``        ``u(a, ω)`` does not depend on ``a``: the receiver
                                 is indifferent everywhere
    ``boundary_prior``           the prior is zero on the states ``zero_states``
                                 (a non-empty proper subset)
    ``single_action``            one action only
    ``indifferent_sender_state`` ``v(a, ω) = c`` for all ``a`` at ``state``
    ``duplicate_state``          two states with identical columns in both
                                 utilities (``states``)
    ============================ =================================================

    Parameters
    ----------
    kinds : sequence of str, optional
        The degeneracies to draw from (default :data:`DEGENERACIES`, all).
    min_states, max_states : int, default 2 and 4
        Range of the number of states (``min_states >= 2``).
    min_actions, max_actions : int, default 2 and 5
        Range of the number of actions (``min_actions >= 2``; ignored by
        ``single_action``).
    min_utility, max_utility : int, default -5 and 5
        Utility bounds; ``min_utility < max_utility``.
    rational : bool, default True
        Rational games (exact ties) or float games with the same integer
        utilities stored as floats (ties in the utilities stay exact; the
        float prior is the rounded rational one).
    max_denominator : int, optional
        Passed to :func:`priors` (default 24 rational, ``10**6`` float).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of PersuasionGame

    Examples
    --------
    When the receiver is indifferent everywhere it plays the sender's
    favourite action (sender-favourable tie-breaking), so no disclosure is
    worth ``max_a E_μ0 v(a, ω)``:

    >>> from hypothesis import given, settings
    >>> from bayespersuade.testing import degenerate_games
    >>> @settings(max_examples=30, database=None, deadline=None)
    ... @given(degenerate_games(kinds=["constant_receiver"]))
    ... def test_indifferent_receiver(game):
    ...     p, v, _ = game.exact_data()
    ...     best = max(sum(x * y for x, y in zip(p, row)) for row in v)
    ...     assert game.no_disclosure_value(exact=True) == best
    >>> test_indifferent_receiver()
    """
    if kinds is None:
        kinds = DEGENERACIES
    if isinstance(kinds, str):
        raise StrategyArgumentError(
            f"kinds must be a sequence of kind names, got the string {kinds!r}"
        )
    kinds = tuple(kinds)
    if not kinds:
        raise StrategyArgumentError("kinds must name at least one degeneracy")
    for k in kinds:
        if k not in DEGENERACIES:
            raise StrategyArgumentError(
                f"unknown degeneracy {k!r}; choose from {', '.join(DEGENERACIES)}"
            )
    lo_s = _check_int("min_states", min_states, 2)
    hi_s = _check_int("max_states", max_states, 2)
    _check_range("min_states", lo_s, "max_states", hi_s)
    lo_a = _check_int("min_actions", min_actions, 2)
    hi_a = _check_int("max_actions", max_actions, 2)
    _check_range("min_actions", lo_a, "max_actions", hi_a)
    lo = _check_int("min_utility", min_utility)
    hi = _check_int("max_utility", max_utility)
    if lo >= hi:
        raise StrategyArgumentError(
            f"degenerate games need min_utility < max_utility, got {lo} and {hi}"
        )
    rational = _check_bool("rational", rational)
    max_den = _max_den(max_denominator, True)  # priors are built exactly, then converted
    ints = st.integers(lo, hi)

    def rows(draw: Any, m: int, n: int) -> list[list[int]]:
        return draw(st.lists(st.lists(ints, min_size=n, max_size=n), min_size=m, max_size=m))

    def exact_prior(draw: Any, n: int, allow_zeros: bool = True) -> list[Fraction]:
        return draw(_exact_simplex_point(n, max(max_den, n), allow_zeros))

    @st.composite
    def game(draw: Any) -> PersuasionGame:
        kind = draw(st.sampled_from(kinds))
        n = draw(st.integers(lo_s, hi_s))
        m = 1 if kind == "single_action" else draw(st.integers(lo_a, hi_a))
        meta: dict[str, Any] = {"degeneracy": kind}
        prior = exact_prior(draw, n)
        v = rows(draw, m, n)
        u = rows(draw, m, n)

        if kind == "duplicate_action":
            i, j = _two_distinct(draw, m)
            u[j] = list(u[i])
            if v[j] == v[i]:
                v[j][0] = _bump(v[j][0], lo, hi)
            meta["actions"] = sorted([i, j])
        elif kind == "dominated_action":
            i, j = _two_distinct(draw, m)  # j is dominated by i
            strict = draw(st.booleans())
            forced = draw(st.integers(0, n - 1))
            for w in range(n):
                if strict or w == forced:
                    u[i][w] = max(u[i][w], lo + 1)
                    u[j][w] = draw(st.integers(lo, u[i][w] - 1))
                else:
                    u[j][w] = draw(st.integers(lo, u[i][w]))
            meta.update(action=j, dominated_by=i, strict=strict)
        elif kind == "face_tie":
            i, j = _two_distinct(draw, m)
            face = _nonempty_proper_subset(draw, n)
            for w in face:
                u[i][w] = u[j][w] = hi
            off = [w for w in range(n) if w not in face]
            if all(u[i][w] == u[j][w] for w in off):
                u[j][off[0]] = _bump(u[i][off[0]], lo, hi)
            if all(v[i][w] == v[j][w] for w in face):
                v[j][face[0]] = _bump(v[i][face[0]], lo, hi)
            meta.update(actions=sorted([i, j]), states=face)
        elif kind == "prior_tie":
            i, j = _two_distinct(draw, m)
            s, t = _two_distinct(draw, n)
            d_s = draw(st.integers(1, hi - lo))
            d_t = draw(st.integers(1, hi - lo))
            # mass on {s, t} split so that p_s * d_s == p_t * d_t
            weights = draw(st.lists(st.integers(0, max_den), min_size=n, max_size=n))
            weights[s] = weights[t] = 0
            pair = draw(st.integers(1, max_den))
            total = pair + sum(weights)
            prior = [Fraction(x, total) for x in weights]
            prior[s] = Fraction(pair, total) * Fraction(d_t, d_s + d_t)
            prior[t] = Fraction(pair, total) * Fraction(d_s, d_s + d_t)
            for w in range(n):
                u[i][w] = u[j][w] = hi
            u[i][s] = hi - d_s
            u[j][t] = hi - d_t
            top = _dot(prior, u[i])
            for k in range(m):
                if k not in (i, j) and _dot(prior, u[k]) > top:
                    u[k] = [min(a, b) for a, b in zip(u[k], u[i])]
            if _dot(prior, v[i]) == _dot(prior, v[j]):
                v[j][s] = _bump(v[j][s], lo, hi)
            meta["actions"] = sorted([i, j])
        elif kind == "constant_receiver":
            r = draw(st.lists(ints, min_size=n, max_size=n))
            u = [list(r) for _ in range(m)]
        elif kind == "boundary_prior":
            zeros = _nonempty_proper_subset(draw, n)
            support = [w for w in range(n) if w not in zeros]
            sub = exact_prior(draw, len(support))
            prior = [Fraction(0)] * n
            for w, x in zip(support, sub):
                prior[w] = x
            meta["zero_states"] = zeros
        elif kind == "single_action":
            pass
        elif kind == "indifferent_sender_state":
            w = draw(st.integers(0, n - 1))
            c = draw(ints)
            for row in v:
                row[w] = c
            meta.update(state=w, value=c)
        elif kind == "duplicate_state":
            s, t = _two_distinct(draw, n)
            for row in (*u, *v):
                row[t] = row[s]
            meta["states"] = sorted([s, t])
        else:  # pragma: no cover - kinds are validated above
            raise AssertionError(kind)

        if not rational:
            prior = [float(x) for x in prior]
            v = [[float(x) for x in row] for row in v]
            u = [[float(x) for x in row] for row in u]
        return PersuasionGame(prior, v, u, metadata=meta)

    return game()


# ------------------------------------------------------ beyond one receiver
def heterogeneous_games(
    *,
    rational: bool = True,
    max_denominator: int | None = None,
    **game_kwargs: Any,
) -> st.SearchStrategy[PersuasionGame]:
    """Games whose receiver holds its own prior (heterogeneous priors).

    A game is drawn by :func:`games` (``game_kwargs`` are passed on), then a
    receiver prior by :func:`priors` with full support (so it is positive
    wherever the sender's prior is, as the model requires).  It may equal the
    sender's prior, which gives back a common-prior game.

    Parameters
    ----------
    rational : bool, default True
    max_denominator : int, optional
        Passed to :func:`priors` for both priors.
    **game_kwargs
        Any other argument of :func:`games`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of PersuasionGame

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from bayespersuade.testing import heterogeneous_games
    >>> @settings(max_examples=20, database=None, deadline=None)
    ... @given(heterogeneous_games(max_states=3, max_actions=3))
    ... def test_values_are_sender_payoffs(game):
    ...     v = game.no_disclosure_value(exact=True)
    ...     assert game.sender_utility.min() <= v <= game.sender_utility.max()
    >>> test_values_are_sender_payoffs()
    """
    base = games(rational=rational, max_denominator=max_denominator, **game_kwargs)

    @st.composite
    def game(draw: Any) -> PersuasionGame:
        g = draw(base)
        mu_r = draw(priors(g.n_states, rational=rational, max_denominator=max_denominator,
                           allow_zeros=False))
        return g.with_receiver_prior(mu_r)

    return game()


def audiences(
    *,
    min_receivers: int = 1,
    max_receivers: int = 3,
    min_states: int = 2,
    max_states: int = 3,
    min_actions: int = 1,
    max_actions: int = 3,
    heterogeneous: bool = True,
    weighted: bool = False,
    max_denominator: int | None = None,
) -> st.SearchStrategy:
    """Rational audiences (:class:`~bayespersuade.solvers.audience.Audience`).

    A sender prior with full support is drawn, then ``K`` receivers, each a
    rational game over the same states with that sender prior and (with
    ``heterogeneous=True``) often a receiver prior of its own, also with full
    support.

    Parameters
    ----------
    min_receivers, max_receivers : int, default 1 and 3
    min_states, max_states : int, default 2 and 3
    min_actions, max_actions : int, default 1 and 3
        Per receiver.
    heterogeneous : bool, default True
        Whether receivers may hold their own priors.
    weighted : bool, default False
        Draw integer weights in ``0..3`` instead of ones.
    max_denominator : int, optional
        Passed to :func:`priors`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Audience

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from bayespersuade.testing import audiences
    >>> @settings(max_examples=15, database=None, deadline=None)
    ... @given(audiences(max_receivers=2))
    ... def test_targeting_never_hurts(aud):
    ...     assert aud.value_of_targeting(exact=True).value >= 0
    >>> test_targeting_never_hurts()
    """
    from .solvers.audience import Audience

    lo_k = _check_int("min_receivers", min_receivers, 1)
    hi_k = _check_int("max_receivers", max_receivers, 1)
    _check_range("min_receivers", lo_k, "max_receivers", hi_k)
    lo_s = _check_int("min_states", min_states, 1)
    hi_s = _check_int("max_states", max_states, 1)
    _check_range("min_states", lo_s, "max_states", hi_s)
    heterogeneous = _check_bool("heterogeneous", heterogeneous)
    weighted = _check_bool("weighted", weighted)

    @st.composite
    def audience(draw: Any) -> Audience:
        n = draw(st.integers(lo_s, hi_s))
        mu_s = draw(priors(n, max_denominator=max_denominator, allow_zeros=False))
        k = draw(st.integers(lo_k, hi_k))
        members = []
        for _ in range(k):
            g = draw(games(prior=mu_s, min_actions=min_actions, max_actions=max_actions))
            if heterogeneous and draw(st.booleans()):
                g = g.with_receiver_prior(draw(priors(n, max_denominator=max_denominator,
                                                      allow_zeros=False)))
            members.append(g)
        weights = draw(st.lists(st.integers(0, 3), min_size=k, max_size=k)) if weighted \
            else None
        return Audience(members, weights)

    return audience()


def network_games(
    *,
    min_nodes: int = 1,
    max_nodes: int = 7,
    min_states: int = 2,
    max_states: int = 3,
    weights: Sequence = (0, Fraction(1, 2), 1, 2),
    max_f: int = 6,
    max_denominator: int | None = None,
) -> st.SearchStrategy:
    """Rational :class:`~bayespersuade.solvers.network.NetworkGame` instances on small graphs.

    Parameters
    ----------
    min_nodes, max_nodes : int, default 1 and 7
        Any simple undirected graph on that many nodes may be drawn.
    min_states, max_states : int, default 2 and 3
    weights : sequence, default (0, 1/2, 1, 2)
        The complementarity weights ``β`` to choose from.
    max_f : int, default 6
        ``f(ω)`` is an integer in ``[-max_f, max_f // 2]`` (mostly negative,
        so that acting needs neighbours).
    max_denominator : int, optional
        Passed to :func:`priors`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of NetworkGame

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from bayespersuade.testing import network_games
    >>> @settings(max_examples=15, database=None, deadline=None)
    ... @given(network_games(max_nodes=5))
    ... def test_information_never_hurts_the_sender(net):
    ...     assert net.solve(exact=True).value >= net.no_disclosure_value(exact=True)
    >>> test_information_never_hurts_the_sender()
    """
    import networkx as nx

    from .solvers.network import NetworkGame

    lo = _check_int("min_nodes", min_nodes, 1)
    hi = _check_int("max_nodes", max_nodes, 1)
    _check_range("min_nodes", lo, "max_nodes", hi)
    lo_s = _check_int("min_states", min_states, 1)
    hi_s = _check_int("max_states", max_states, 1)
    _check_range("min_states", lo_s, "max_states", hi_s)
    max_f = _check_int("max_f", max_f, 0)
    weights = list(weights)
    if not weights:
        raise StrategyArgumentError("weights must not be empty")

    @st.composite
    def network(draw: Any) -> NetworkGame:
        n_nodes = draw(st.integers(lo, hi))
        pairs = [(i, j) for i in range(n_nodes) for j in range(i + 1, n_nodes)]
        flags = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
        g = nx.Graph()
        g.add_nodes_from(range(n_nodes))
        g.add_edges_from(p for p, keep in zip(pairs, flags, strict=True) if keep)
        n = draw(st.integers(lo_s, hi_s))
        mu = draw(priors(n, max_denominator=max_denominator))
        f = draw(st.lists(st.integers(-max_f, max_f // 2), min_size=n, max_size=n))
        beta = draw(st.sampled_from(weights))
        return NetworkGame(g, mu, f, beta)

    return network()
