"""Heterogeneous priors as a common-prior game: the change of measure of Alonso & Câmara.

When the sender's prior ``μS`` and the receiver's prior ``μR`` differ (and
``μR(ω) > 0`` wherever ``μS(ω) > 0``), write the scheme as the receiver's joint
``x(ω, a) = μR(ω) π(a | ω)``.  The receiver obeys a recommendation ``a`` when

    ``Σ_ω x(ω, a) (u(a, ω) − u(b, ω)) ≥ 0`` for every ``b``,

which is the obedience constraint of a common-prior game with prior ``μR``;
the sender's expected utility (under its own prior) is

    ``Σ_{ω, a} μS(ω) π(a | ω) v(a, ω) = Σ_{ω, a} x(ω, a) v'(a, ω)``, with
    ``v'(a, ω) = v(a, ω) μS(ω) / μR(ω)``

(``v' = 0`` on states with ``μR(ω) = μS(ω) = 0``).  So the heterogeneous game
has the same value, the same optimal schemes ``π`` and the same certificates as
the common-prior game ``(μR, v', u)`` — the *common-prior view* built here.  In
the receiver's belief space the sender's value of a receiver posterior ``μ`` is
``Σ_ω μ(ω) v(a*(μ), ω) μS(ω) / μR(ω)``: the value reweighted by the likelihood
ratio, and ``V = cav`` of that function at ``μR``.

The view is a :class:`~.game_data.GameLike`, so every solver (LP,
concavification, exact certification, batches) works on it unchanged; exact
data stay exact (the ratio of two rationals is rational).

References
----------
Alonso, R. and Câmara, O. (2016). Bayesian persuasion with heterogeneous priors.
*Journal of Economic Theory* 165, 672-706.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError
from . import best_response as _br
from ._numeric import coerce_array

if TYPE_CHECKING:  # pragma: no cover
    from .game_data import GameLike

__all__ = [
    "ArrayGame",
    "CommonPriorView",
    "common_prior_view",
    "has_common_prior",
    "reweighted_utility",
    "to_original_terms",
]


def has_common_prior(game: Any) -> bool:
    """Whether ``game`` has one prior for both sides (games without the notion do).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from bayespersuade.examples import prosecutor
    >>> sceptic = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)])
    >>> has_common_prior(prosecutor()), has_common_prior(sceptic)
    (True, False)
    """
    return bool(getattr(game, "has_common_prior", True))


def reweighted_utility(sender_prior: np.ndarray, receiver_prior: np.ndarray,
                       sender_utility: np.ndarray, *, exact: bool) -> np.ndarray:
    """``v'(a, ω) = v(a, ω) μS(ω) / μR(ω)`` (zero where both priors are zero).

    Raises
    ------
    InvalidGameError
        If ``μS(ω) > 0 = μR(ω)`` for some state (the receiver rules out a state
        the sender believes possible: no scheme is then well defined).

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction as F
    >>> v = np.array([[F(0), F(0)], [F(1), F(1)]], dtype=object)
    >>> reweighted_utility(np.array([F(7, 10), F(3, 10)], dtype=object),
    ...                    np.array([F(9, 10), F(1, 10)], dtype=object), v, exact=True)[1]
    array([Fraction(7, 9), Fraction(3, 1)], dtype=object)
    """
    n = len(sender_prior)
    for w in range(n):
        if sender_prior[w] > 0 and receiver_prior[w] <= 0:
            raise InvalidGameError(
                f"receiver_prior[{w}] is 0 but the sender's prior[{w}] is {sender_prior[w]}; "
                "the receiver's prior must be positive on every state the sender's prior is"
            )
    if exact:
        ratio = [Fraction(0) if receiver_prior[w] == 0 else
                 Fraction(sender_prior[w]) / Fraction(receiver_prior[w]) for w in range(n)]
        out = np.empty(sender_utility.shape, dtype=object)
        for a in range(sender_utility.shape[0]):
            for w in range(n):
                out[a, w] = sender_utility[a, w] * ratio[w]
        out.setflags(write=False)
        return out
    rp = np.asarray(receiver_prior, dtype=np.float64)
    ratio_f = np.divide(np.asarray(sender_prior, dtype=np.float64), rp,
                        out=np.zeros(n), where=rp > 0)
    out_f = np.asarray(sender_utility, dtype=np.float64) * ratio_f[None, :]
    out_f.setflags(write=False)
    return out_f


class ArrayGame:
    """A common-prior game given by its arrays: the :class:`~.game_data.GameLike` solvers read.

    Solvers that build games of their own (the common-prior view below, the
    sender-space games of an audience in :mod:`.audience`) use it; it does no
    validation beyond shapes, so its callers check their data.

    Parameters
    ----------
    prior, sender_utility, receiver_utility : numpy.ndarray
        Float arrays, shapes ``(n,)``, ``(m, n)``, ``(m, n)``.
    exact : tuple of three object arrays of Fraction, optional
        The same data exactly (then the game is rational).
    states, actions : tuple
    name : str, optional

    Examples
    --------
    >>> import numpy as np
    >>> g = ArrayGame(np.array([0.7, 0.3]), np.array([[0.0, 0.0], [1.0, 1.0]]),
    ...               np.array([[1.0, 0.0], [0.0, 1.0]]), states=("i", "g"),
    ...               actions=("acquit", "convict"))
    >>> round(g.full_disclosure_value(), 6), g.is_rational
    (0.3, False)
    """

    def __init__(self, prior: np.ndarray, sender_utility: np.ndarray,
                 receiver_utility: np.ndarray, *, exact: tuple | None = None,
                 states: tuple[Hashable, ...] | None = None,
                 actions: tuple[Hashable, ...] | None = None, name: str | None = None) -> None:
        self._prior = np.asarray(prior, dtype=np.float64)
        self._sender = np.asarray(sender_utility, dtype=np.float64)
        self._receiver = np.asarray(receiver_utility, dtype=np.float64)
        if self._sender.shape != self._receiver.shape or \
                self._receiver.shape[1:] != self._prior.shape:
            raise InvalidGameError(
                f"shapes do not match: prior {self._prior.shape}, sender_utility "
                f"{self._sender.shape}, receiver_utility {self._receiver.shape}"
            )
        self._exact = exact
        m, n = self._receiver.shape
        self._states = tuple(states) if states is not None else tuple(f"s{i}" for i in range(n))
        self._actions = (tuple(actions) if actions is not None
                         else tuple(f"a{i}" for i in range(m)))
        self._name = name

    @property
    def n_states(self) -> int:
        return self._receiver.shape[1]

    @property
    def n_actions(self) -> int:
        return self._receiver.shape[0]

    @property
    def prior(self) -> np.ndarray:
        return self._prior

    @property
    def sender_utility(self) -> np.ndarray:
        return self._sender

    @property
    def receiver_utility(self) -> np.ndarray:
        return self._receiver

    @property
    def is_rational(self) -> bool:
        return self._exact is not None

    @property
    def has_common_prior(self) -> bool:
        return True

    @property
    def states(self) -> tuple[Hashable, ...]:
        return self._states

    @property
    def actions(self) -> tuple[Hashable, ...]:
        return self._actions

    @property
    def name(self) -> str | None:
        return self._name

    def exact_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Prior, sender and receiver utilities as object arrays of Fraction."""
        if self._exact is None:
            raise InvalidGameError("this game has floating-point entries, so it has no exact "
                                   "data; convert it explicitly with game.to_rational()")
        return self._exact

    def _belief(self, belief: Any, exact: bool | None):
        f, q = coerce_array(belief, "belief", np.ndim(belief) if np.ndim(belief) else 1)
        if f.shape[-1] != self.n_states:
            raise InvalidGameError(f"belief has {f.shape[-1]} entries per row but the game "
                                   f"has {self.n_states} states")
        use_exact = exact if exact is not None else (self.is_rational and q is not None)
        if use_exact and (q is None or not self.is_rational):
            raise InvalidGameError("exact=True needs a rational game and an exact belief")
        return f, q, use_exact

    def best_response(self, belief: Any, *, tie_break: _br.TieBreak = "sender",
                      exact: bool | None = None) -> Any:
        """The receiver's best response to a belief."""
        f, q, use_exact = self._belief(belief, exact)
        if use_exact:
            _, v, u = self.exact_data()
            if q.ndim == 1:
                return _br.best_response_exact(u, v, q, tie_break=tie_break)
            return np.array([_br.best_response_exact(u, v, b, tie_break=tie_break) for b in q])
        out = _br.best_response(self._receiver, self._sender, f, tie_break=tie_break)
        return int(out) if out.ndim == 0 else out

    def sender_value(self, belief: Any, *, tie_break: _br.TieBreak = "sender",
                     exact: bool | None = None) -> Any:
        """``v̂(μ) = Σ_ω μ(ω) v(a*(μ), ω)``."""
        f, q, use_exact = self._belief(belief, exact)
        if use_exact:
            _, v, u = self.exact_data()
            if q.ndim == 1:
                return _br.sender_value_exact(u, v, q, tie_break=tie_break)
            return np.array([_br.sender_value_exact(u, v, b, tie_break=tie_break) for b in q],
                            dtype=object)
        out = _br.sender_value(self._receiver, self._sender, f, tie_break=tie_break)
        return float(out) if out.ndim == 0 else out

    def no_disclosure_value(self, *, exact: bool = False,
                            tie_break: _br.TieBreak = "sender") -> Any:
        """``v̂(μ0)``."""
        if exact:
            p, v, u = self.exact_data()
            return _br.sender_value_exact(u, v, p, tie_break=tie_break)
        return float(_br.sender_value(self._receiver, self._sender, self._prior,
                                      tie_break=tie_break))

    def full_disclosure_value(self, *, exact: bool = False,
                              tie_break: _br.TieBreak = "sender") -> Any:
        """``Σ_ω μ0(ω) v̂(δ_ω)``."""
        if exact:
            p, v, u = self.exact_data()
            return _br.full_disclosure_value_exact(p, u, v, tie_break=tie_break)
        return _br.full_disclosure_value(self._prior, self._receiver, self._sender,
                                         tie_break=tie_break)

    def __repr__(self) -> str:
        return f"<ArrayGame: {self.n_states} states x {self.n_actions} actions>"


class CommonPriorView(ArrayGame):
    """The common-prior game ``(μR, v', u)`` equivalent to a heterogeneous-prior game.

    Parameters
    ----------
    game : GameLike
        A game with ``prior`` (the sender's ``μS``), ``receiver_prior``
        (``μR``) and, for exact work, ``exact_receiver_prior()``.

    Notes
    -----
    Values, schemes ``π(a | ω)`` and certificates of the view are those of
    the original game; signal probabilities and posteriors are the
    *receiver's* (under ``μR``); :meth:`sender_value` of a receiver belief is
    the reweighted ``Σ_ω μ(ω) v(a*(μ), ω) μS(ω)/μR(ω)``, and ties are broken
    by it.  :func:`common_prior_view` returns the game itself when the priors
    agree.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from bayespersuade.examples import prosecutor
    >>> game = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)])
    >>> view = common_prior_view(game)
    >>> view.exact_data()[0], view.no_disclosure_value(exact=True)
    (array([Fraction(9, 10), Fraction(1, 10)], dtype=object), Fraction(0, 1))
    """

    def __init__(self, game: GameLike) -> None:
        self._game = game
        pr_f = np.asarray(game.receiver_prior, dtype=np.float64)
        exact = None
        if game.is_rational:
            ps, v, u = game.exact_data()
            pr = game.exact_receiver_prior()
            exact = (pr, reweighted_utility(ps, pr, v, exact=True), u)
        super().__init__(pr_f, reweighted_utility(game.prior, pr_f, game.sender_utility,
                                                  exact=False),
                         game.receiver_utility, exact=exact, states=game.states,
                         actions=game.actions, name=game.name)

    @property
    def original(self) -> GameLike:
        """The heterogeneous-prior game this view stands for."""
        return self._game

    def __repr__(self) -> str:
        return f"<CommonPriorView of {self._game!r}>"


def common_prior_view(game: GameLike) -> GameLike:
    """The common-prior game equivalent to ``game`` (``game`` itself if the priors agree).

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> game = prosecutor()
    >>> common_prior_view(game) is game
    True
    """
    if has_common_prior(game):
        return game
    return CommonPriorView(game)


def to_original_terms(game: GameLike, output: Any) -> Any:
    """A solver output of ``common_prior_view(game)`` restated for ``game``.

    Values, gains, schemes, certificates and prices are unchanged (they are
    the same for both games); each signal's ``probability`` becomes the
    sender's ``P_S(s) = Σ_ω μS(ω) π(s | ω)`` and its ``sender_value`` the
    sender's conditional expected utility ``E_S[v(a, ω) | s]`` (0 for a signal
    the sender's prior gives probability 0: it contributes nothing), so that
    ``value = Σ_s P_S(s) · sender_value(s)``.  Each ``posterior`` stays the
    *receiver's* posterior, the belief that decides the action.

    Parameters
    ----------
    game : GameLike
        The heterogeneous-prior game.
    output : SolverOutput
        What :func:`~.dispatch.solve_game` returned for the view.

    Returns
    -------
    SolverOutput

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from bayespersuade.examples import prosecutor
    >>> sol = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)]).solve(exact=True)
    >>> [(s.action_label, s.probability, s.sender_value) for s in sol.signals]
    [('acquit', Fraction(28, 45), Fraction(0, 1)), ('convict', Fraction(17, 45), Fraction(1, 1))]
    """
    if has_common_prior(game):
        return output
    exact = bool(output.exact)
    if exact:
        ps, v, _ = game.exact_data()
        zero: Any = Fraction(0)
    else:
        ps, v = np.asarray(game.prior, dtype=np.float64), game.sender_utility
        zero = 0.0
    scheme = output.scheme
    signals = []
    for k, sig in enumerate(output.signals):
        col = scheme[:, k]
        mass = sum((ps[w] * col[w] for w in range(len(ps))), zero)
        util = sum((ps[w] * col[w] * v[sig.action][w] for w in range(len(ps))), zero)
        if not exact:
            mass, util = float(mass), float(util)
        cond = (util / mass) if mass != 0 else zero
        signals.append(replace(sig, probability=mass, sender_value=cond))
    return replace(output, signals=tuple(signals))
