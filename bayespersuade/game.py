"""The :class:`PersuasionGame` class: one finite Bayesian persuasion game.

A thin, immutable container whose methods call the pure algorithm functions in
:mod:`bayespersuade.solvers.best_response`, :mod:`bayespersuade.solvers.lp`,
:mod:`bayespersuade.solvers.concavification`, :mod:`bayespersuade.solvers.certify` and
:mod:`bayespersuade.solvers.evaluate`.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import io as _io
from .exceptions import GameFileError, InvalidGameError
from .solvers import best_response as _br
from .solvers._numeric import PRIOR_SUM_TOL, coerce_array

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .solution import Solution
    from .solvers.concavification import Envelope
    from .solvers.evaluate import SchemeEvaluation

__all__ = ["PersuasionGame", "game_from_dict", "load_game", "loads_game"]

Method = Literal["lp", "concavification"]


def _check_distribution(arr_f: np.ndarray, arr_q: np.ndarray | None, what: str) -> None:
    if arr_q is not None:
        for i, p in enumerate(arr_q):
            if p < 0:
                raise InvalidGameError(f"{what}[{i}] is {p}, which is negative")
        total = sum(arr_q, Fraction(0))
        if total != 1:
            raise InvalidGameError(
                f"{what} sums to {total}, not 1 (rational priors must sum to exactly 1)"
            )
        return
    neg = np.flatnonzero(arr_f < 0)
    if neg.size:
        i = int(neg[0])
        raise InvalidGameError(f"{what}[{i}] is {float(arr_f[i])!r}, which is negative")
    total_f = float(arr_f.sum())
    if abs(total_f - 1.0) > PRIOR_SUM_TOL:
        raise InvalidGameError(
            f"{what} sums to {total_f!r}, not 1 (tolerance {PRIOR_SUM_TOL} for floats)"
        )


def _check_labels(labels: Sequence[Hashable] | None, n: int, what: str) -> tuple:
    if labels is None:
        prefix = "s" if what == "states" else "a"
        return tuple(f"{prefix}{i}" for i in range(n))
    if isinstance(labels, str | bytes):
        raise InvalidGameError(f"{what} must be a sequence of labels, got a string")
    try:
        labels = tuple(labels)
    except TypeError:
        raise InvalidGameError(
            f"{what} must be a sequence of {n} labels (strings or integers), got "
            f"{type(labels).__name__} {labels!r}"
            + (f"; to name the {what}, pass a list such as {what}=[...]"
               if isinstance(labels, int) else "")) from None
    if len(labels) != n:
        raise InvalidGameError(
            f"{what} has {len(labels)} labels but the utilities have {n} {what}"
        )
    seen: dict[Hashable, int] = {}
    for i, lab in enumerate(labels):
        if not isinstance(lab, str | int) or isinstance(lab, bool):
            raise InvalidGameError(
                f"{what}[{i}] is {lab!r}; labels must be strings or integers"
            )
        if lab in seen:
            raise InvalidGameError(
                f"{what} has a duplicate label {lab!r} (positions {seen[lab]} and {i})"
            )
        seen[lab] = i
    return labels


class PersuasionGame:
    """A finite Bayesian persuasion game (Kamenica & Gentzkow 2011).

    A sender commits to a signaling scheme ``π(s | ω)``; the receiver sees the
    signal, forms the posterior by Bayes' rule and plays a best response.

    Parameters
    ----------
    prior : array_like, shape (n_states,)
        The common prior ``μ0``: non-negative, summing to one (exactly, for
        rational input; within ``1e-9`` for floats).
    sender_utility : array_like, shape (n_actions, n_states)
        ``v(a, ω)``, the sender's utility when the receiver plays ``a`` in ``ω``.
    receiver_utility : array_like, shape (n_actions, n_states)
        ``u(a, ω)``, the receiver's utility.
    states, actions : sequence of str or int, optional
        Labels (default ``"s0", "s1", ...`` and ``"a0", "a1", ...``).
    name : str, optional
        A short name, kept in game files and results.
    metadata : dict, optional
        Free-form JSON-serialisable information (for example where the prior
        came from).  Not used by any algorithm.
    receiver_prior : array_like, shape (n_states,), optional
        The receiver's own prior ``μR`` when it differs from the sender's
        (heterogeneous priors, Alonso & Câmara 2016).  ``prior`` is then the
        sender's prior ``μS``: the sender evaluates schemes under ``μS``, the
        receiver updates with ``μR``.  ``μR`` must be positive on every state
        where ``μS`` is.  Omitted (or equal to ``prior``): a common prior.

    Notes
    -----
    Entries may be numpy arrays, nested lists, ``int``, ``float``,
    :class:`fractions.Fraction` or :class:`decimal.Decimal`.  When every entry
    of the prior and both utilities is rational (no floats), the game is
    *rational* (:attr:`is_rational`) and keeps its exact values, which exact
    solving uses.  Floats are never turned into fractions implicitly; see
    :meth:`to_rational`.

    With a receiver prior, the receiver's best response, :meth:`sender_value`,
    :meth:`envelope` and the posteriors of a solution live in the *receiver's*
    belief space, and the sender's value of a receiver posterior is reweighted
    by the likelihood ratio ``μS/μR`` (see :mod:`bayespersuade.solvers.priors`);
    values, gains and schemes ``π(s | ω)`` are the sender's, under ``μS``.

    References
    ----------
    Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American
    Economic Review* 101(6), 2590-2615.

    Alonso, R. and Câmara, O. (2016). Bayesian persuasion with heterogeneous
    priors. *Journal of Economic Theory* 165, 672-706.

    Examples
    --------
    The prosecutor example of Kamenica & Gentzkow (2011): the judge convicts
    when ``P(guilty) >= 1/2``; the prosecutor always wants a conviction.

    >>> from fractions import Fraction
    >>> from bayespersuade import PersuasionGame
    >>> game = PersuasionGame(
    ...     prior=[Fraction(7, 10), Fraction(3, 10)],
    ...     sender_utility=[[0, 0], [1, 1]],
    ...     receiver_utility=[[1, 0], [0, 1]],
    ...     states=["innocent", "guilty"], actions=["acquit", "convict"])
    >>> game.no_disclosure_value()
    0.0
    >>> sol = game.solve(exact=True)
    >>> sol.value, sol.gain
    (Fraction(3, 5), Fraction(3, 5))

    A more sceptical judge (receiver prior ``P(guilty) = 1/10``): the
    prosecutor can make the judge convict on all guilty defendants and on a
    share ``q`` of the innocent with ``(9/10) q <= 1/10``, so ``q = 1/9``, worth
    ``3/10 + (7/10)(1/9) = 17/45`` under the prosecutor's own prior.

    >>> sceptic = game.with_receiver_prior([Fraction(9, 10), Fraction(1, 10)])
    >>> sceptic.solve(exact=True).value
    Fraction(17, 45)
    """

    __slots__ = (
        "_actions",
        "_metadata",
        "_name",
        "_prior",
        "_prior_q",
        "_receiver",
        "_receiver_q",
        "_rprior",
        "_rprior_q",
        "_sender",
        "_sender_q",
        "_states",
    )

    def __init__(
        self,
        prior: Any,
        sender_utility: Any,
        receiver_utility: Any,
        states: Sequence[Hashable] | None = None,
        actions: Sequence[Hashable] | None = None,
        *,
        name: str | None = None,
        metadata: dict | None = None,
        receiver_prior: Any = None,
    ) -> None:
        for value, what in ((prior, "prior"), (sender_utility, "sender_utility"),
                            (receiver_utility, "receiver_utility")):
            if isinstance(value, np.ma.MaskedArray):
                raise InvalidGameError(
                    f"{what} is a masked array; masked entries have no value a game can "
                    f"use (numpy would silently use the hidden data): pass "
                    f"{what}.filled(...) or the entries you mean, as a plain array")
        prior_f, prior_q = coerce_array(prior, "prior", 1)
        v_f, v_q = coerce_array(sender_utility, "sender_utility", 2)
        u_f, u_q = coerce_array(receiver_utility, "receiver_utility", 2)
        if v_f.shape != u_f.shape:
            raise InvalidGameError(
                f"sender_utility has shape {v_f.shape} but receiver_utility has shape "
                f"{u_f.shape}; both must be (n_actions, n_states)"
            )
        n_actions, n_states = u_f.shape
        if prior_f.shape[0] != n_states:
            raise InvalidGameError(
                f"prior has {prior_f.shape[0]} entries but the utilities have {n_states} "
                f"states (columns); utilities must be (n_actions, n_states)"
            )
        _check_distribution(prior_f, prior_q, "prior")
        rprior_f = rprior_q = None
        if receiver_prior is not None:
            rprior_f, rprior_q = coerce_array(receiver_prior, "receiver_prior", 1)
            if rprior_f.shape[0] != n_states:
                raise InvalidGameError(
                    f"receiver_prior has {rprior_f.shape[0]} entries but the utilities have "
                    f"{n_states} states (columns)"
                )
            _check_distribution(rprior_f, rprior_q, "receiver_prior")
            for i in range(n_states):
                if prior_f[i] > 0 and not rprior_f[i] > 0:
                    raise InvalidGameError(
                        f"receiver_prior[{i}] is 0 but prior[{i}] (the sender's) is "
                        f"{prior_q[i] if prior_q is not None else float(prior_f[i])}; the "
                        "receiver's prior must be positive on every state the sender's is"
                    )
            same = (np.array_equal(rprior_q, prior_q) if rprior_q is not None
                    and prior_q is not None else
                    rprior_q is None and prior_q is None and np.array_equal(rprior_f, prior_f))
            if same:
                rprior_f = rprior_q = None
        exact = prior_q is not None and v_q is not None and u_q is not None
        if rprior_f is not None:
            exact = exact and rprior_q is not None
        self._rprior = rprior_f
        self._rprior_q = rprior_q if exact else None
        self._prior = prior_f
        self._sender = v_f
        self._receiver = u_f
        self._prior_q = prior_q if exact else None
        self._sender_q = v_q if exact else None
        self._receiver_q = u_q if exact else None
        self._states = _check_labels(states, n_states, "states")
        self._actions = _check_labels(actions, n_actions, "actions")
        if name is not None and not isinstance(name, str):
            raise InvalidGameError(f"name must be a string, got {type(name).__name__}")
        self._name = name
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidGameError(f"metadata must be a dict, got {type(metadata).__name__}")
        self._metadata = dict(metadata) if metadata else {}

    # ------------------------------------------------------------------ data
    @property
    def n_states(self) -> int:
        """Number of states ``|Ω|``."""
        return self._receiver.shape[1]

    @property
    def n_actions(self) -> int:
        """Number of receiver actions ``|A|``."""
        return self._receiver.shape[0]

    @property
    def prior(self) -> np.ndarray:
        """The prior as a read-only float array, shape ``(n_states,)``."""
        return self._prior

    @property
    def sender_utility(self) -> np.ndarray:
        """``v(a, ω)`` as a read-only float array, shape ``(n_actions, n_states)``."""
        return self._sender

    @property
    def receiver_utility(self) -> np.ndarray:
        """``u(a, ω)`` as a read-only float array, shape ``(n_actions, n_states)``."""
        return self._receiver

    @property
    def is_rational(self) -> bool:
        """Whether every entry is an exact rational (so exact solving applies)."""
        return self._prior_q is not None

    @property
    def has_common_prior(self) -> bool:
        """Whether sender and receiver share the prior (no distinct ``receiver_prior``)."""
        return self._rprior is None

    @property
    def receiver_prior(self) -> np.ndarray:
        """The receiver's prior ``μR`` as floats (:attr:`prior` for a common prior)."""
        return self._prior if self._rprior is None else self._rprior

    def exact_receiver_prior(self) -> np.ndarray:
        """The receiver's prior as an object array of Fraction (rational games only).

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> prosecutor().with_receiver_prior([F(9, 10), F(1, 10)]).exact_receiver_prior()
        array([Fraction(9, 10), Fraction(1, 10)], dtype=object)
        """
        prior_q = self.exact_data()[0]
        return prior_q if self._rprior is None else self._rprior_q

    def _view(self):
        """The common-prior game ``(μR, v·μS/μR, u)`` (``self`` for a common prior)."""
        from .solvers.priors import common_prior_view

        return common_prior_view(self)

    def exact_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The exact prior, sender and receiver utilities (object arrays of Fraction).

        Raises
        ------
        InvalidGameError
            If the game has floating-point entries (see :meth:`to_rational`).
        """
        if self._prior_q is None:
            raise InvalidGameError(
                "this game has floating-point entries, so it has no exact data; build it "
                "from ints/Fractions, or convert it explicitly with game.to_rational()"
            )
        return self._prior_q, self._sender_q, self._receiver_q

    @property
    def states(self) -> tuple:
        """State labels."""
        return self._states

    @property
    def actions(self) -> tuple:
        """Action labels."""
        return self._actions

    @property
    def name(self) -> str | None:
        """The game's name, if any."""
        return self._name

    @property
    def metadata(self) -> dict:
        """A copy of the game's free-form metadata."""
        return dict(self._metadata)

    # ------------------------------------------------------------ derivations
    def with_prior(self, prior: Any) -> PersuasionGame:
        """The same game with another prior.

        Exact utilities stay exact when the new prior is rational.  For a game
        with a distinct receiver prior, the new prior is the sender's and the
        receiver's prior is kept.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> prosecutor().with_prior([0.5, 0.5]).prior
        array([0.5, 0.5])
        """
        v = self._sender_q if self._sender_q is not None else self._sender
        u = self._receiver_q if self._receiver_q is not None else self._receiver
        return PersuasionGame(
            prior, v, u, self._states, self._actions, name=self._name, metadata=self._metadata,
            receiver_prior=self._receiver_prior_arg(),
        )

    def _receiver_prior_arg(self):
        if self._rprior is None:
            return None
        return self._rprior_q if self._rprior_q is not None else self._rprior

    def with_receiver_prior(self, receiver_prior: Any) -> PersuasionGame:
        """The same game with the receiver holding its own prior ``μR``.

        ``prior`` stays the sender's; ``None`` (or a receiver prior equal to
        ``prior``) gives back a common-prior game.

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> g = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)])
        >>> g.has_common_prior, g.solve(exact=True).value
        (False, Fraction(17, 45))
        >>> g.with_receiver_prior(None).has_common_prior
        True
        """
        p = self._prior_q if self._prior_q is not None else self._prior
        v = self._sender_q if self._sender_q is not None else self._sender
        u = self._receiver_q if self._receiver_q is not None else self._receiver
        return PersuasionGame(
            p, v, u, self._states, self._actions, name=self._name, metadata=self._metadata,
            receiver_prior=receiver_prior,
        )

    def to_rational(self, max_denominator: int | None = None) -> PersuasionGame:
        """An exact copy of the game, converting floats explicitly.

        Parameters
        ----------
        max_denominator : int, optional
            If given, each float is replaced by the closest fraction with at
            most this denominator (:meth:`fractions.Fraction.limit_denominator`)
            and the prior must then sum to exactly one.  If omitted, each float
            is converted to the exact binary fraction it stores, and the prior
            is then rescaled by its exact sum (the rescaling is reported in
            ``metadata["prior_rescaled_by"]``).

        Returns
        -------
        PersuasionGame
            A rational game (:attr:`is_rational` is true).

        Raises
        ------
        InvalidGameError
            If the converted prior does not sum to one with ``max_denominator``.

        Examples
        --------
        >>> from bayespersuade import PersuasionGame
        >>> g = PersuasionGame([0.25, 0.75], [[0, 1], [1, 0]], [[1, 0], [0, 1]])
        >>> g.to_rational(max_denominator=100).exact_data()[0]
        array([Fraction(1, 4), Fraction(3, 4)], dtype=object)
        """
        if self.is_rational:
            return self

        def conv(arr_f, arr_q):
            if arr_q is not None:
                return arr_q
            out = np.empty(arr_f.shape, dtype=object)
            for idx in np.ndindex(arr_f.shape):
                q = Fraction(float(arr_f[idx]))
                if max_denominator is not None:
                    q = q.limit_denominator(max_denominator)
                out[idx] = q
            return out

        meta = dict(self._metadata)

        def conv_prior(arr_f, what):
            prior_q = conv(arr_f, None)
            total = sum(prior_q, Fraction(0))
            if total != 1:
                if max_denominator is not None:
                    raise InvalidGameError(
                        f"with max_denominator={max_denominator} the {what} becomes "
                        f"{[str(p) for p in prior_q]}, which sums to {total}, not 1"
                    )
                prior_q = np.array([p / total for p in prior_q], dtype=object)
                meta[f"{what}_rescaled_by"] = str(1 / total)
            return prior_q

        prior_q = conv_prior(self._prior, "prior")
        rprior_q = None if self._rprior is None else conv_prior(self._rprior, "receiver_prior")
        return PersuasionGame(
            prior_q,
            conv(self._sender, self._sender_q),
            conv(self._receiver, self._receiver_q),
            self._states,
            self._actions,
            name=self._name,
            metadata=meta,
            receiver_prior=rprior_q,
        )

    def permute(
        self, state_order: Sequence[int] | None = None, action_order: Sequence[int] | None = None
    ) -> PersuasionGame:
        """The same game with states and/or actions reordered.

        ``state_order[i]`` is the old index of the new ``i``-th state.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> prosecutor().permute(state_order=[1, 0]).states
        ('guilty', 'innocent')
        """
        so = list(range(self.n_states)) if state_order is None else list(state_order)
        ao = list(range(self.n_actions)) if action_order is None else list(action_order)
        if sorted(so) != list(range(self.n_states)):
            raise InvalidGameError(f"state_order {so} is not a permutation of the states")
        if sorted(ao) != list(range(self.n_actions)):
            raise InvalidGameError(f"action_order {ao} is not a permutation of the actions")
        p = self._prior_q if self._prior_q is not None else self._prior
        v = self._sender_q if self._sender_q is not None else self._sender
        u = self._receiver_q if self._receiver_q is not None else self._receiver
        rp = self._receiver_prior_arg()
        return PersuasionGame(
            p[so],
            v[np.ix_(ao, so)],
            u[np.ix_(ao, so)],
            [self._states[i] for i in so],
            [self._actions[i] for i in ao],
            name=self._name,
            metadata=self._metadata,
            receiver_prior=None if rp is None else rp[so],
        )

    # ------------------------------------------------------ receiver / sender
    def _coerce_belief(self, belief: Any, exact: bool | None):
        arr_f, arr_q = coerce_array(belief, "belief", np.ndim(belief) if np.ndim(belief) else 1)
        if arr_f.shape[-1] != self.n_states:
            raise InvalidGameError(
                f"belief has {arr_f.shape[-1]} entries per row but the game has "
                f"{self.n_states} states"
            )
        use_exact = exact if exact is not None else (self.is_rational and arr_q is not None)
        if use_exact:
            if arr_q is None:
                raise InvalidGameError(
                    "exact=True needs an exact belief (ints/Fractions), got floats"
                )
            self.exact_data()  # raises for float games
        return arr_f, arr_q, use_exact

    def best_response(
        self, belief: Any, *, tie_break: _br.TieBreak = "sender", exact: bool | None = None
    ) -> int | np.ndarray:
        """The receiver's best response to a belief (index into :attr:`actions`).

        Parameters
        ----------
        belief : array_like, shape (n_states,) or (k, n_states)
            Belief(s) over states.
        tie_break : {"sender", "receiver"}, default "sender"
            Among the receiver's optimal actions, play the sender's favourite
            (Kamenica-Gentzkow) or the sender's least favourite.
        exact : bool, optional
            Use exact arithmetic.  Default: exact when the game is rational and
            the belief is given in ints/Fractions.

        Returns
        -------
        int or numpy.ndarray of int

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> game = prosecutor()
        >>> game.actions[game.best_response([F(1, 2), F(1, 2)])]
        'convict'
        >>> game.actions[game.best_response([F(1, 2), F(1, 2)], tie_break="receiver")]
        'acquit'
        """
        if self._rprior is not None:
            return self._view().best_response(belief, tie_break=tie_break, exact=exact)
        arr_f, arr_q, use_exact = self._coerce_belief(belief, exact)
        if use_exact:
            _, v_q, u_q = self.exact_data()
            if arr_q.ndim == 1:
                return _br.best_response_exact(u_q, v_q, arr_q, tie_break=tie_break)
            return np.array(
                [_br.best_response_exact(u_q, v_q, b, tie_break=tie_break) for b in arr_q]
            )
        out = _br.best_response(self._receiver, self._sender, arr_f, tie_break=tie_break)
        return int(out) if out.ndim == 0 else out

    def sender_value(
        self, belief: Any, *, tie_break: _br.TieBreak = "sender", exact: bool | None = None
    ) -> float | Fraction | np.ndarray:
        """The sender's value of a belief, ``v̂(μ) = E_μ v(a*(μ), ω)``.

        With a distinct receiver prior, ``belief`` is the receiver's and the
        value is reweighted by the likelihood ratio:
        ``Σ_ω μ(ω) v(a*(μ), ω) μS(ω) / μR(ω)`` (Alonso & Câmara 2016).

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> prosecutor().sender_value([F(1, 2), F(1, 2)])
        Fraction(1, 1)
        """
        if self._rprior is not None:
            return self._view().sender_value(belief, tie_break=tie_break, exact=exact)
        arr_f, arr_q, use_exact = self._coerce_belief(belief, exact)
        if use_exact:
            _, v_q, u_q = self.exact_data()
            if arr_q.ndim == 1:
                return _br.sender_value_exact(u_q, v_q, arr_q, tie_break=tie_break)
            return np.array(
                [_br.sender_value_exact(u_q, v_q, b, tie_break=tie_break) for b in arr_q],
                dtype=object,
            )
        out = _br.sender_value(self._receiver, self._sender, arr_f, tie_break=tie_break)
        return float(out) if out.ndim == 0 else out

    def no_disclosure_value(
        self, *, exact: bool = False, tie_break: _br.TieBreak = "sender"
    ) -> float | Fraction:
        """``v̂(μ0)``: the sender's value when nothing is revealed.

        With a distinct receiver prior: ``Σ_ω μS(ω) v(a*(μR), ω)``.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> prosecutor().no_disclosure_value(exact=True)
        Fraction(0, 1)
        """
        if self._rprior is not None:
            return self._view().no_disclosure_value(exact=exact, tie_break=tie_break)
        if exact:
            prior_q, v_q, u_q = self.exact_data()
            return _br.sender_value_exact(u_q, v_q, prior_q, tie_break=tie_break)
        return float(_br.sender_value(self._receiver, self._sender, self._prior,
                                      tie_break=tie_break))

    def full_disclosure_value(
        self, *, exact: bool = False, tie_break: _br.TieBreak = "sender"
    ) -> float | Fraction:
        """``Σ_ω μ0(ω) v̂(δ_ω)``: the sender's value when the state is revealed.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> prosecutor().full_disclosure_value(exact=True)
        Fraction(3, 10)
        """
        if self._rprior is not None:
            return self._view().full_disclosure_value(exact=exact, tie_break=tie_break)
        if exact:
            prior_q, v_q, u_q = self.exact_data()
            return _br.full_disclosure_value_exact(prior_q, u_q, v_q, tie_break=tie_break)
        return _br.full_disclosure_value(self._prior, self._receiver, self._sender,
                                         tie_break=tie_break)

    # ----------------------------------------------------------------- solving
    def solve(
        self,
        method: Method = "lp",
        *,
        exact: bool = False,
        lp_method: str = "auto",
        backend: str = "highs",
        time_limit: float | None = None,
    ) -> Solution:
        """Compute the sender's optimal signaling scheme and value ``V(μ0)``.

        Parameters
        ----------
        method : {"lp", "concavification"}, default "lp"
            ``"lp"``: the revelation-principle linear program (Dughmi & Xu
            2016).  ``"concavification"``: the concave envelope of ``v̂``
            (Kamenica & Gentzkow 2011), computed independently of the LP.
            With ``lp_method="auto"``, HiGHS and no time limit, ``"lp"`` on a
            two-state game is answered by the two-state envelope where that is
            faster (tall float games; every exact solve), and ``algorithm``
            says so ("... routed from the LP"); pass ``lp_method="simplex"``
            for the LP itself (as the LP-versus-concavification checks do).
        exact : bool, default False
            Return a :class:`~fractions.Fraction` value proved optimal by an
            exact certificate (rational games only).  If certification fails,
            small games fall back to an exact solver; otherwise the result
            has ``exact=False`` and ``exact_failure`` says why.
        lp_method : {"auto", "simplex", "ipm"}, default "auto"
            HiGHS algorithm for the LP; ``"auto"`` chooses by shape (small float
            solves take the fast paths of :mod:`bayespersuade.solvers.small`:
            the same optimum, less set-up).
        backend : {"highs", "cvxpy"}, default "highs"
            LP backend.  ``"cvxpy"`` builds the same LP in cvxpy (an
            independent check; float only).
        time_limit : float, optional
            Seconds allowed to the LP solver.

        Returns
        -------
        Solution

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> sol = prosecutor().solve()
        >>> round(sol.value, 6), sol.n_signals
        (0.6, 2)
        """
        from .solution import Solution
        from .solvers.dispatch import solve_game

        return Solution.from_output(self, solve_game(
            self, method=method, exact=exact, lp_method=lp_method, backend=backend,
            time_limit=time_limit,
        ))

    def envelope(self, *, exact: bool | None = None) -> Envelope:
        """The concave envelope of ``v̂`` for a two-state game.

        The belief coordinate is ``μ = P(states[1])``.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> env = prosecutor().envelope()
        >>> [str(x) for x in env.breakpoints]
        ['0', '1/2', '1']
        """
        from .solvers.concavification import two_state_envelope

        return two_state_envelope(self._view(), exact=exact)

    def evaluate_scheme(self, scheme: Any, *, tie_break: _br.TieBreak = "sender"
                        ) -> SchemeEvaluation:
        """Evaluate any signaling scheme ``π(s | ω)`` (rows: states).

        See :func:`bayespersuade.solvers.evaluate.evaluate_scheme`.
        """
        from .solvers.evaluate import evaluate_scheme

        return evaluate_scheme(self._view(), scheme, tie_break=tie_break)

    def evaluate_splitting(
        self, weights: Any, posteriors: Any, *, tie_break: _br.TieBreak = "sender"
    ) -> SchemeEvaluation:
        """Evaluate (weight, posterior) pairs; see
        :func:`bayespersuade.solvers.evaluate.evaluate_splitting`."""
        from .solvers.evaluate import evaluate_splitting

        return evaluate_splitting(self._view(), weights, posteriors, tie_break=tie_break)

    def ceilings(self, priors: Any):
        """``V``, ``v̂`` and the gain ceiling at many priors at once.

        See :func:`bayespersuade.solvers.batch.batch_ceilings`.  For a game with
        a distinct receiver prior, use
        :func:`bayespersuade.solvers.heterogeneous.heterogeneous_ceilings`.
        """
        from .solvers.batch import batch_ceilings

        return batch_ceilings(self, priors)

    def plot(self, ax: Axes | None = None, solution: Solution | None = None, **kwargs) -> Axes:
        """Plot the game (two or three states); see :mod:`bayespersuade.plots.games`."""
        from .plots.games import plot_game

        return plot_game(self._view(), ax=ax, solution=solution, **kwargs)

    # --------------------------------------------------------------------- io
    def to_dict(self) -> dict:
        """The game in the documented JSON format (see :mod:`bayespersuade.io`)."""
        return _io.game_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict, *, source: str = "<dict>") -> PersuasionGame:
        """Build a game from the documented JSON format (see :mod:`bayespersuade.io`)."""
        return game_from_dict(data, source=source)

    def save(self, path) -> None:
        """Write the game as JSON in the documented format of :mod:`bayespersuade.io`.

        Rational games round-trip exactly (rationals are written as
        ``"p/q"`` strings), float games bit for bit.  Bundled examples of
        the format are in ``bayespersuade/example_games/``
        (:func:`bayespersuade.io.example_path`).
        """
        _io.save_game(self, path)

    @classmethod
    def load(cls, path) -> PersuasionGame:
        """Read a game from a JSON file in the format of :mod:`bayespersuade.io`.

        Raises :class:`~bayespersuade.GameFileError` naming the file and the
        field at fault when the file is malformed.

        Examples
        --------
        >>> from bayespersuade import PersuasionGame
        >>> from bayespersuade.io import example_path
        >>> PersuasionGame.load(example_path("prosecutor")).solve(exact=True).value
        Fraction(3, 5)
        """
        return load_game(path)

    # ------------------------------------------------------------------ dunder
    def _key(self):
        if self.is_rational:
            data = (tuple(self._prior_q), tuple(map(tuple, self._sender_q)),
                    tuple(map(tuple, self._receiver_q)))
        else:
            data = (self._prior.tobytes(), self._sender.tobytes(), self._receiver.tobytes())
        rp = self._receiver_prior_arg()
        rkey = None if rp is None else (tuple(rp) if self.is_rational else rp.tobytes())
        return (self.is_rational, data, self._states, self._actions, rkey)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PersuasionGame):
            return NotImplemented
        return self.n_states == other.n_states and self.n_actions == other.n_actions and (
            self._key() == other._key()
        )

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        kind = "rational" if self.is_rational else "float"
        nm = f" {self._name!r}" if self._name else ""
        het = "" if self._rprior is None else ", receiver prior"
        return (f"<PersuasionGame{nm}: {self.n_states} states x {self.n_actions} actions, "
                f"{kind}{het}>")


# ------------------------------------------------------------- game files
def _from_kwargs(kwargs: dict[str, Any], src: str) -> PersuasionGame:
    """Build a game from checked game-file fields; its validation errors name the file."""
    try:
        return PersuasionGame(**kwargs)
    except GameFileError:
        raise
    except InvalidGameError as exc:
        raise GameFileError(f"{src}: {exc}") from exc


def game_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> PersuasionGame:
    """Build a game from a dict in the documented JSON format.

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
    PersuasionGame

    Raises
    ------
    GameFileError
        If anything is missing, unknown, mistyped, mis-shaped or invalid; the
        message names ``source`` and the field (and index) at fault.

    Examples
    --------
    >>> from bayespersuade.game import game_from_dict
    >>> game = game_from_dict({
    ...     "format": "bayespersuade.game", "version": 1,
    ...     "states": ["bad", "good"], "actions": ["reject", "accept"],
    ...     "prior": ["2/3", "1/3"],
    ...     "sender_utility": [[0, 0], [1, 1]],
    ...     "receiver_utility": [[1, 0], [0, 1]]})
    >>> game.n_states, game.n_actions, game.is_rational
    (2, 2, True)
    >>> game_from_dict({"format": "bayespersuade.game", "version": 1,
    ...                 "prior": [0.5, "x"], "sender_utility": [[0, 0]],
    ...                 "receiver_utility": [[0, 0]]}, source="mine")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.GameFileError: mine: prior[1] is "x" (a string), which is not...
    """
    return _from_kwargs(_io.parse_game_dict(data, source=source), str(source))


def loads_game(text: str | bytes, *, source: str = "<string>") -> PersuasionGame:
    """Read a game from JSON text (see the module documentation for the format).

    Parameters
    ----------
    text : str or bytes
        The JSON document; bytes must be UTF-8.
    source : str, default "<string>"
        Named at the start of every error message.

    Returns
    -------
    PersuasionGame

    Raises
    ------
    GameFileError
        If the text is not UTF-8, not JSON, or not a valid game.

    Examples
    --------
    >>> from bayespersuade.game import loads_game
    >>> g = loads_game('{"format": "bayespersuade.game", "version": 1, '
    ...                '"prior": [0.25, 0.75], "sender_utility": [[1, 0]], '
    ...                '"receiver_utility": [[0, 0]]}')
    >>> g.is_rational, g.prior
    (False, array([0.25, 0.75]))
    >>> loads_game('{"format": "bayespersuade.game", "version": 1, "prior": [NaN, 1], '
    ...            '"sender_utility": [[1, 0]], "receiver_utility": [[0, 0]]}')
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.GameFileError: <string>: prior[0] is NaN; entries must be finite...
    """
    return _from_kwargs(_io.parse_game_json(text, source=source), str(source))


def load_game(path: str | os.PathLike[str]) -> PersuasionGame:
    """Read a game from a JSON file in the ``bayespersuade.game`` format.

    Parameters
    ----------
    path : str or path-like
        The file (UTF-8; a leading byte-order mark is accepted).

    Returns
    -------
    PersuasionGame

    Raises
    ------
    GameFileError
        If the file does not exist or cannot be read, is not UTF-8, is not
        JSON, or is not a valid game; the message starts with the file name.

    Examples
    --------
    >>> from bayespersuade.game import load_game
    >>> from bayespersuade.io import example_path
    >>> game = load_game(example_path("prosecutor"))
    >>> game.name, game.states, game.exact_data()[0]
    ('prosecutor', ('innocent', 'guilty'), array([Fraction(7, 10), Fraction(3, 10)], dtype=object))
    """
    return _from_kwargs(_io.read_game_file(path), os.fspath(path))
