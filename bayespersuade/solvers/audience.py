"""An audience of receivers: private signals, a public signal, the value of targeting.

``K`` receivers share the state ``ω`` (drawn from the sender's prior ``μS``);
receiver ``k`` has actions ``A_k``, utility ``u_k(a, ω)`` and its own prior
``μR_k`` (a common prior when ``μR_k = μS``).  There are no externalities: the
sender's utility is ``Σ_k w_k v_k(a_k, ω)`` and each receiver's payoff depends on
its own action only.

**Private signals** (each receiver gets its own message; Arieli & Babichenko
2019): without externalities the optimum decomposes into the ``K`` single-
receiver problems, ``V_private = Σ_k w_k V_k`` (Dughmi & Xu 2017).

**A public signal** (one message everyone sees).  Work in the sender's belief
space: receiver ``k``'s posterior after a signal is its own Bayes update, and it
obeys action ``a`` at a sender posterior ``μ`` iff
``Σ_ω μ(ω) r_k(ω) (u_k(a, ω) − u_k(b, ω)) ≥ 0`` for all ``b``, with the
likelihood ratio ``r_k = μR_k / μS`` (Alonso & Câmara 2016).  So the public
problem is a common-prior problem with prior ``μS`` whose value of a posterior
is ``V̂(μ) = Σ_k w_k v_k(a*_k(μ), ω)·μ`` (each receiver's ties broken for the
sender), and ``V_public = cav V̂ (μS)``.  Three exact methods:

* ``"envelope"`` (two states): ``V̂`` is a step-linear function of
  ``μ = P(states[1])`` whose breakpoints are the union of the receivers'
  breakpoints; its upper concave envelope is the upper hull of ``V̂`` at those
  points and the ends.
* ``"vertices"`` (any number of states): ``V̂`` is linear on each cell of the
  common refinement of the receivers' best-response regions; the cells'
  vertices are among the points of the simplex where ``n − 1`` independent
  indifference hyperplanes or facets meet.  ``V_public`` is the value of the
  LP over distributions on those points that average to ``μS``.
* ``"lp"``: the revelation-principle LP over *action profiles*
  ``α = (a_1..a_K)``: variables ``y(ω, α) = μS(ω) π(α | ω)``, one obedience
  constraint per receiver and pair of its actions.  Exponential in ``K``:
  refused above :data:`MAX_PUBLIC_PROFILES` profiles.

The public problem is hard in general (Dughmi & Xu 2017 show that optimal
public persuasion is NP-hard to approximate even without externalities), which
is why the enumeration methods have documented caps
(:data:`MAX_PUBLIC_PROFILES`, :data:`MAX_VERTEX_SUBSETS`) and raise
:class:`~bayespersuade.exceptions.InvalidParameterError` above them instead of
running for hours.

**The value of targeting** is ``V_private − V_public ≥ 0``.

References
----------
Arieli, I. and Babichenko, Y. (2019). Private Bayesian persuasion. *Journal of
Economic Theory* 182, 185-217.

Dughmi, S. and Xu, H. (2017). Algorithmic persuasion with no externalities.
*Proceedings of the 18th ACM Conference on Economics and Computation (EC)*,
351-368.

Alonso, R. and Câmara, O. (2016). Bayesian persuasion with heterogeneous priors.
*Journal of Economic Theory* 165, 672-706.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError, InvalidParameterError, SolverError
from ._exact_lp import solve_lp_exactly
from ._linalg_q import solve_rational
from ._numeric import as_fraction
from .concavification import _receiver_breakpoints, _upper_hull
from .dispatch import solve_game
from .priors import ArrayGame

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .dispatch import SolverOutput
    from .game_data import GameLike

__all__ = [
    "MAX_PUBLIC_PROFILES",
    "MAX_VERTEX_SUBSETS",
    "Audience",
    "PrivateSolution",
    "PublicSignal",
    "PublicSolution",
    "Targeting",
]

#: Largest number of action profiles ``Π_k |A_k|`` the public-signal LP accepts.
MAX_PUBLIC_PROFILES = 256
#: Largest number of ``(n_states − 1)``-subsets of hyperplanes the vertex method tries.
MAX_VERTEX_SUBSETS = 300_000

_FTOL = 1e-9


@dataclass(frozen=True)
class PrivateSolution:
    """The optimum with private signals: one single-receiver problem per receiver.

    Attributes
    ----------
    value : float or Fraction
        ``Σ_k w_k V_k``.
    receiver_values : tuple
        ``w_k V_k`` per receiver.
    solutions : tuple of SolverOutput
        Each receiver's own optimal scheme (its sender utility unweighted).
    no_disclosure_value, gain : float or Fraction
    exact : bool
    method : str
    """

    value: Any
    receiver_values: tuple
    solutions: tuple[SolverOutput, ...]
    no_disclosure_value: Any
    gain: Any
    exact: bool
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per receiver: its weighted optimum and its number of signals.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> Audience([prosecutor()] * 2).private(exact=True).to_frame().values.tolist()
        [[0, Fraction(3, 5), 2], [1, Fraction(3, 5), 2]]
        """
        import pandas as pd

        return pd.DataFrame({
            "receiver": range(len(self.receiver_values)),
            "value": list(self.receiver_values),
            "n_signals": [len(s.signals) for s in self.solutions],
        })


@dataclass(frozen=True)
class PublicSignal:
    """One signal of a public scheme.

    Attributes
    ----------
    probability : float or Fraction
        Under the sender's prior.
    posterior : numpy.ndarray
        The sender's posterior (each receiver's own posterior is its Bayes
        update of its prior, :meth:`Audience.receiver_posterior`).
    actions : tuple of int
        The action each receiver takes.
    sender_value : float or Fraction
        ``Σ_k w_k v_k(a_k)·posterior``.
    """

    probability: Any
    posterior: np.ndarray
    actions: tuple[int, ...]
    sender_value: Any


@dataclass(frozen=True)
class PublicSolution:
    """The optimal public signal.

    Attributes
    ----------
    value : float or Fraction
        ``V_public = cav V̂ (μS)``.
    signals : tuple of PublicSignal
    no_disclosure_value, full_disclosure_value, gain : float or Fraction
    exact : bool
        True when the value is a Fraction proved optimal (an exact upper hull,
        or an LP optimum verified by an exact primal-dual check).
    exact_failure : str or None
    method : str
        ``"envelope"``, ``"vertices"`` or ``"lp"``.
    n_candidates : int
        Posteriors (vertices) or action profiles the method considered.
    solve_time : float
    """

    value: Any
    signals: tuple[PublicSignal, ...]
    no_disclosure_value: Any
    full_disclosure_value: Any
    gain: Any
    exact: bool
    exact_failure: str | None
    method: str
    n_candidates: int
    solve_time: float

    def to_frame(self) -> pd.DataFrame:
        """One row per signal: probability, sender posterior, sender value, each action.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> df = Audience([prosecutor()] * 2).public(exact=True).to_frame()
        >>> df[["probability", "sender_value", "action[0]", "action[1]"]].values.tolist()
        [[Fraction(2, 5), Fraction(0, 1), 0, 0], [Fraction(3, 5), Fraction(2, 1), 1, 1]]
        """
        import pandas as pd

        k = len(self.signals[0].actions) if self.signals else 0
        data: dict[str, Any] = {
            "probability": [s.probability for s in self.signals],
            "posterior": [list(s.posterior) for s in self.signals],
            "sender_value": [s.sender_value for s in self.signals],
        }
        for i in range(k):
            data[f"action[{i}]"] = [s.actions[i] for s in self.signals]
        return pd.DataFrame(data)


@dataclass(frozen=True)
class Targeting:
    """Public vs private: ``value = private.value − public.value`` (the value of targeting)."""

    public: PublicSolution
    private: PrivateSolution
    value: Any

    def to_dict(self) -> dict:
        """Values as ``"p/q"`` strings (exact) or floats.

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> from bayespersuade.solvers.audience import Audience
        >>> g = prosecutor()
        >>> aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])
        >>> aud.value_of_targeting(exact=True).to_dict()["value_of_targeting"]
        '2/9'
        """
        def num(x):
            return str(x) if isinstance(x, Fraction) else float(x)

        return {"public": num(self.public.value), "private": num(self.private.value),
                "value_of_targeting": num(self.value),
                "no_disclosure": num(self.public.no_disclosure_value),
                "exact": bool(self.public.exact and self.private.exact),
                "public_method": self.public.method}


def _receiver_prior(game: GameLike, exact: bool) -> np.ndarray:
    if exact:
        f = getattr(game, "exact_receiver_prior", None)
        return f() if f is not None else game.exact_data()[0]
    return np.asarray(getattr(game, "receiver_prior", game.prior), dtype=np.float64)


class Audience:
    """``K`` receivers of one sender, no externalities.

    Parameters
    ----------
    receivers : sequence of PersuasionGame (or GameLike)
        One game per receiver, all over the same states and with the same
        sender prior ``prior`` (``μS``); each game's ``sender_utility`` is what
        the sender gets from that receiver's action, and its
        ``receiver_prior`` (if any) is that receiver's own prior.
    weights : sequence of numbers, optional
        Non-negative ``w_k`` (default 1 each): the sender maximises
        ``Σ_k w_k v_k``.
    names : sequence of str, optional
        Receiver names (default ``"r0", "r1", ...``).

    Raises
    ------
    InvalidGameError
        If there are no receivers, the games' states or sender priors differ
        (naming the receiver), a weight is negative, or a count mismatches.

    Examples
    --------
    Two judges, one with the prosecutor's prior, one sceptical: a public
    signal must persuade both at once or give one up.

    >>> from fractions import Fraction as F
    >>> from bayespersuade.examples import prosecutor
    >>> g = prosecutor()
    >>> aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])
    >>> aud.private(exact=True).value, aud.public(exact=True).value
    (Fraction(44, 45), Fraction(34, 45))
    >>> aud.value_of_targeting(exact=True).value
    Fraction(2, 9)
    """

    def __init__(self, receivers: Sequence[GameLike], weights: Sequence[Any] | None = None,
                 *, names: Sequence[str] | None = None) -> None:
        receivers = tuple(receivers)
        if not receivers:
            raise InvalidGameError("an audience needs at least one receiver")
        first = receivers[0]
        for k, g in enumerate(receivers):
            for attr in ("n_states", "prior", "sender_utility", "receiver_utility"):
                if not hasattr(g, attr):
                    raise InvalidGameError(
                        f"receiver {k} is a {type(g).__name__}, not a game (no {attr!r})"
                    )
            if g.n_states != first.n_states:
                raise InvalidGameError(
                    f"receiver {k}'s game has {g.n_states} states but receiver 0's has "
                    f"{first.n_states}; an audience shares the state"
                )
            if tuple(g.states) != tuple(first.states):
                raise InvalidGameError(
                    f"receiver {k}'s states {tuple(g.states)} differ from receiver 0's "
                    f"{tuple(first.states)}"
                )
        self._exact_ok = all(g.is_rational for g in receivers)
        ps_f = np.asarray(first.prior, dtype=np.float64)
        ps_q = first.exact_data()[0] if self._exact_ok else None
        for k, g in enumerate(receivers[1:], start=1):
            same = (list(g.exact_data()[0]) == list(ps_q)) if self._exact_ok else \
                np.allclose(np.asarray(g.prior, dtype=np.float64), ps_f, rtol=0, atol=1e-12)
            if not same:
                raise InvalidGameError(
                    f"receiver {k}'s game has sender prior {list(np.round(g.prior, 6))} but "
                    f"receiver 0's has {list(np.round(ps_f, 6))}; an audience has one sender "
                    "prior (give each receiver its own belief as receiver_prior)"
                )
        K = len(receivers)
        if weights is None:
            w_q: list | None = [Fraction(1)] * K
            w_f = np.ones(K)
        else:
            weights = list(weights)
            if len(weights) != K:
                raise InvalidGameError(f"{len(weights)} weights for {K} receivers")
            w_q, fl = [], []
            for k, x in enumerate(weights):
                if isinstance(x, float | np.floating):
                    w_q = None
                    fl.append(float(x))
                    continue
                q = as_fraction(x, f"weights[{k}]")  # names the weight if not a number
                fl.append(float(q))
                if w_q is not None:
                    w_q.append(q)
            w_f = np.array(fl)
            for k, x in enumerate(w_f):
                if not np.isfinite(x) or x < 0:
                    raise InvalidGameError(f"weights[{k}] is {weights[k]!r}; weights must be "
                                           "finite and non-negative")
        if w_q is None:
            self._exact_ok = False
        if names is None:
            names = [f"r{k}" for k in range(K)]
        names = tuple(str(x) for x in names)
        if len(names) != K:
            raise InvalidGameError(f"{len(names)} names for {K} receivers")
        self._receivers = receivers
        self._names = names
        self._w_f, self._w_q = w_f, w_q
        self._ps_f, self._ps_q = ps_f, ps_q
        self._space: dict[bool, list[ArrayGame]] = {}

    # ----------------------------------------------------------- properties
    @property
    def receivers(self) -> tuple:
        """The receivers' games."""
        return self._receivers

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def n_receivers(self) -> int:
        return len(self._receivers)

    @property
    def n_states(self) -> int:
        return self._receivers[0].n_states

    @property
    def states(self) -> tuple[Hashable, ...]:
        return tuple(self._receivers[0].states)

    @property
    def sender_prior(self) -> np.ndarray:
        """``μS`` (floats)."""
        return self._ps_f

    @property
    def is_rational(self) -> bool:
        """Whether exact solving applies (every game and weight rational)."""
        return self._exact_ok

    def _check_exact(self, exact: bool) -> None:
        if exact and not self._exact_ok:
            raise InvalidGameError(
                "exact=True needs rational games and weights (ints/Fractions); convert the "
                "games with game.to_rational()"
            )

    # --------------------------------------------------- the sender's space
    def sender_space_game(self, k: int, *, exact: bool = False) -> ArrayGame:
        """Receiver ``k`` as a common-prior game in the sender's belief space.

        Prior ``μS``, sender utility ``w_k v_k``, receiver utility
        ``u_k(a, ω) μR_k(ω) / μS(ω)``: receiver ``k`` obeys the same
        recommendations at a sender posterior as it does at its own Bayes
        posterior.

        Raises
        ------
        InvalidGameError
            If ``μR_k(ω) > 0 = μS(ω)`` for some state (the receiver's belief in a
            state the sender rules out cannot be expressed in the sender's space).

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> from bayespersuade.solvers.audience import Audience
        >>> g = prosecutor()
        >>> aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])
        >>> aud.sender_space_game(1, exact=True).exact_data()[2][1]
        array([Fraction(0, 1), Fraction(1, 3)], dtype=object)
        """
        if exact:
            self._check_exact(True)
        cache = self._space.get(exact)
        if cache is None:
            cache = self._space[exact] = [self._build_space(i, exact)
                                          for i in range(self.n_receivers)]
        if not 0 <= k < self.n_receivers:
            raise InvalidParameterError(f"receiver {k} is out of range 0..{self.n_receivers - 1}")
        return cache[k]

    def _build_space(self, k: int, exact: bool) -> ArrayGame:
        g = self._receivers[k]
        n = self.n_states
        ps = self._ps_q if exact else self._ps_f
        pr = _receiver_prior(g, exact)
        for w in range(n):
            if pr[w] > 0 and not ps[w] > 0:
                raise InvalidGameError(
                    f"receiver {k} ({self._names[k]}) has prior {pr[w]} on state "
                    f"{self.states[w]!r}, which the sender's prior rules out; a public signal "
                    "needs every receiver prior to vanish where the sender's does"
                )
        if exact:
            _, v, u = g.exact_data()
            wk = self._w_q[k]
            ratio = [Fraction(0) if ps[w] == 0 else pr[w] / ps[w] for w in range(n)]
            uu = np.empty(u.shape, dtype=object)
            vv = np.empty(v.shape, dtype=object)
            for a in range(u.shape[0]):
                for w in range(n):
                    uu[a, w] = u[a, w] * ratio[w]
                    vv[a, w] = v[a, w] * wk
            exact_data = (ps, vv, uu)
            return ArrayGame(self._ps_f, vv.astype(float), uu.astype(float), exact=exact_data,
                             states=self.states, actions=tuple(g.actions))
        ratio_f = np.divide(pr, ps, out=np.zeros(n), where=ps > 0)
        return ArrayGame(self._ps_f, np.asarray(g.sender_utility) * self._w_f[k],
                         np.asarray(g.receiver_utility) * ratio_f[None, :],
                         states=self.states, actions=tuple(g.actions))

    def _games(self, exact: bool) -> list[ArrayGame]:
        return [self.sender_space_game(k, exact=exact) for k in range(self.n_receivers)]

    def best_responses(self, belief: Any, *, exact: bool | None = None) -> tuple[int, ...]:
        """Each receiver's action at a *sender* posterior (ties to the sender).

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> from bayespersuade.solvers.audience import Audience
        >>> g = prosecutor()
        >>> aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])
        >>> aud.best_responses([F(1, 2), F(1, 2)])
        (1, 0)
        """
        ex = self._exact_ok if exact is None else exact
        return tuple(int(g.best_response(belief, exact=ex)) for g in self._games(ex))

    def sender_value(self, belief: Any, *, exact: bool | None = None) -> Any:
        """``V̂(μ) = Σ_k w_k v_k(a*_k(μ))·μ`` at a sender posterior ``μ``."""
        ex = self._exact_ok if exact is None else exact
        vals = [g.sender_value(belief, exact=ex) for g in self._games(ex)]
        return sum(vals, Fraction(0)) if ex else float(sum(vals))

    def receiver_posterior(self, k: int, belief: Any) -> np.ndarray:
        """Receiver ``k``'s own posterior when the sender's posterior is ``belief``.

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> from bayespersuade.solvers.audience import Audience
        >>> g = prosecutor()
        >>> aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])
        >>> aud.receiver_posterior(1, [F(1, 2), F(1, 2)]).tolist()
        [Fraction(27, 34), Fraction(7, 34)]
        """
        exact = all(isinstance(x, int | Fraction) for x in belief) and self._exact_ok
        pr = _receiver_prior(self._receivers[k], exact)
        ps = self._ps_q if exact else self._ps_f
        n = self.n_states
        zero = Fraction(0) if exact else 0.0
        x = [zero if ps[w] == 0 else Fraction(belief[w]) * pr[w] / ps[w] if exact
             else float(belief[w]) * pr[w] / ps[w] for w in range(n)]
        tot = sum(x, zero)
        if tot == 0:
            raise InvalidParameterError(f"receiver {k} gives this posterior's support "
                                        "probability 0")
        return np.array([t / tot for t in x], dtype=object if exact else np.float64)

    def no_disclosure_value(self, *, exact: bool = False) -> Any:
        """``Σ_k w_k v̂_k(μR_k)`` under the sender's prior."""
        self._check_exact(exact)
        w = self._w_q if exact else self._w_f
        vals = [w[k] * g.no_disclosure_value(exact=exact) for k, g in enumerate(self._receivers)]
        return sum(vals, Fraction(0)) if exact else float(sum(vals))

    def full_disclosure_value(self, *, exact: bool = False) -> Any:
        """Each state revealed to everyone."""
        self._check_exact(exact)
        w = self._w_q if exact else self._w_f
        vals = [w[k] * g.full_disclosure_value(exact=exact)
                for k, g in enumerate(self._receivers)]
        return sum(vals, Fraction(0)) if exact else float(sum(vals))

    # --------------------------------------------------------------- private
    def private(self, *, exact: bool = False, method: str = "lp") -> PrivateSolution:
        """The optimum with a private signal to each receiver (``K`` independent solves).

        Parameters
        ----------
        exact : bool, default False
        method : {"lp", "concavification"}
            Passed to each receiver's solve.

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> from bayespersuade.solvers.audience import Audience
        >>> g = prosecutor()
        >>> aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])
        >>> aud.private(exact=True).receiver_values
        (Fraction(3, 5), Fraction(17, 45))
        """
        self._check_exact(exact)
        sols = tuple(solve_game(g, method=method, exact=exact) for g in self._receivers)
        for k, s in enumerate(sols):
            if exact and not s.exact:
                raise SolverError(f"receiver {k}: no exact optimum ({s.exact_failure})")
        w = self._w_q if exact else self._w_f
        vals = tuple(w[k] * s.value if exact else float(w[k] * s.value)
                     for k, s in enumerate(sols))
        value = sum(vals, Fraction(0)) if exact else float(sum(vals))
        nd = self.no_disclosure_value(exact=exact)
        return PrivateSolution(value=value, receiver_values=vals, solutions=sols,
                               no_disclosure_value=nd, gain=value - nd, exact=exact,
                               method=f"{method} per receiver")

    # ---------------------------------------------------------------- public
    def public(self, *, exact: bool = False, method: str = "auto") -> PublicSolution:
        """The optimal public signal.

        Parameters
        ----------
        exact : bool, default False
            Exact arithmetic (rational audiences).
        method : {"auto", "envelope", "vertices", "lp"}, default "auto"
            ``"auto"``: the envelope for two states, else the vertices.

        Raises
        ------
        InvalidParameterError
            For an unknown method, ``"envelope"`` with more than two states, or
            an instance above :data:`MAX_PUBLIC_PROFILES` (``"lp"``) or
            :data:`MAX_VERTEX_SUBSETS` (``"vertices"``).

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> from bayespersuade.solvers.audience import Audience
        >>> g = prosecutor()
        >>> aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])
        >>> [aud.public(exact=True, method=m).value for m in ("envelope", "vertices", "lp")]
        [Fraction(34, 45), Fraction(34, 45), Fraction(34, 45)]
        """
        if method not in ("auto", "envelope", "vertices", "lp"):
            raise InvalidParameterError(
                f"method must be 'auto', 'envelope', 'vertices' or 'lp', got {method!r}"
            )
        self._check_exact(exact)
        if method == "auto":
            method = "envelope" if self.n_states == 2 else "vertices"
        if method == "envelope" and self.n_states != 2:
            raise InvalidParameterError(
                f"method='envelope' needs two states; this audience has {self.n_states} "
                "(use 'vertices' or 'lp')"
            )
        t0 = time.perf_counter()
        games = self._games(exact)
        if method == "lp":
            value, sigs, ncand, failure, ok = self._public_lp(games, exact)
        else:
            if method == "envelope":
                points = self._breakpoint_posteriors(games, exact)
            else:
                points = self._vertex_posteriors(games, exact)
            value, sigs, failure, ok = self._cav_over(points, games, exact,
                                                      hull=method == "envelope")
            ncand = len(points)
        nd = self.no_disclosure_value(exact=ok)
        fd = self.full_disclosure_value(exact=ok)
        if not ok:
            value = float(value)
        return PublicSolution(value=value, signals=tuple(sigs), no_disclosure_value=nd,
                              full_disclosure_value=fd, gain=value - nd, exact=ok,
                              exact_failure=failure, method=method, n_candidates=ncand,
                              solve_time=time.perf_counter() - t0)

    def value_of_targeting(self, *, exact: bool = False, method: str = "auto") -> Targeting:
        """``V_private − V_public``, with both solutions.

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> from bayespersuade.examples import prosecutor
        >>> from bayespersuade.solvers.audience import Audience
        >>> g = prosecutor()
        >>> aud = Audience([g, g.with_receiver_prior([F(9, 10), F(1, 10)])])
        >>> aud.value_of_targeting(exact=True).value
        Fraction(2, 9)
        """
        pub = self.public(exact=exact, method=method)
        priv = self.private(exact=exact)
        if exact and not pub.exact:
            raise SolverError(f"no exact public optimum: {pub.exact_failure}")
        return Targeting(public=pub, private=priv, value=priv.value - pub.value)

    # -------------------------------------------------------- algorithms
    def _signal(self, games, weight, post, exact) -> PublicSignal:
        acts = tuple(int(g.best_response(post, exact=exact)) for g in games)
        val = sum((g.sender_value(post, exact=exact) for g in games),
                  Fraction(0) if exact else 0.0)
        arr = np.array(post, dtype=object if exact else np.float64)
        return PublicSignal(probability=weight, posterior=arr, actions=acts,
                            sender_value=val if exact else float(val))

    def _breakpoint_posteriors(self, games, exact) -> list:
        one = Fraction(1) if exact else 1.0
        zero = Fraction(0) if exact else 0.0
        xs = {zero, one}
        for g in games:
            u = g.exact_data()[2] if exact else g.receiver_utility
            c = [u[a][0] for a in range(g.n_actions)]
            s = [u[a][1] - u[a][0] for a in range(g.n_actions)]
            xs.update(_receiver_breakpoints(c, s, exact))
        pts = sorted(xs)
        if not exact:  # merge numerically equal breakpoints
            merged = [pts[0]]
            for x in pts[1:]:
                if x - merged[-1] > 1e-12:
                    merged.append(x)
            pts = merged
        return [[one - x, x] for x in pts]

    def _vertex_posteriors(self, games, exact) -> list:
        n = self.n_states
        rows: dict[tuple, list] = {}
        for g in games:
            u = g.exact_data()[2] if exact else g.receiver_utility
            for a, b in itertools.combinations(range(g.n_actions), 2):
                h = [u[a][w] - u[b][w] for w in range(n)]
                key = _normal_key(h, exact)
                if key is not None:
                    rows.setdefault(key, h)
        for w in range(n):
            e = [int(i == w) for i in range(n)]
            rows.setdefault(_normal_key(e, exact), e)
        planes = list(rows.values())
        n_subsets = math.comb(len(planes), n - 1)
        if n_subsets > MAX_VERTEX_SUBSETS:
            raise InvalidParameterError(
                f"the vertex method would try {n_subsets} subsets of {len(planes)} hyperplanes "
                f"(more than MAX_VERTEX_SUBSETS = {MAX_VERTEX_SUBSETS}); public persuasion is "
                "hard in general: use fewer receivers, actions or states"
            )
        pts: dict[tuple, list] = {}
        ones = [1] * n
        for sub in itertools.combinations(planes, n - 1):
            M = [list(r) for r in sub] + [ones]
            rhs = [0] * (n - 1) + [1]
            if exact:
                x = solve_rational(M, rhs)
                if x is None or any(t < 0 for t in x):
                    continue
                pts.setdefault(tuple(x), list(x))
            else:
                Mf = np.array(M, dtype=np.float64)
                if np.linalg.matrix_rank(Mf) < n:
                    continue
                x = np.linalg.solve(Mf, np.array(rhs, dtype=np.float64))
                if (x < -1e-12).any():
                    continue
                x = np.clip(x, 0.0, None)
                x = x / x.sum()
                pts.setdefault(tuple(np.round(x, 12)), list(x))
        return list(pts.values())

    def _cav_over(self, points, games, exact, *, hull: bool):
        """``max Σ λ_j V̂(p_j)`` s.t. ``Σ λ_j p_j = μS`` over candidate posteriors."""
        vals = [self.sender_value(p, exact=exact) for p in points]
        ps = self._ps_q if exact else self._ps_f
        if hull:  # two states: the upper hull, read off at μS
            xs = [p[1] for p in points]
            idx = _upper_hull(xs, vals, exact)
            mu = ps[1]
            for i, j in itertools.pairwise(idx):
                if xs[i] <= mu <= xs[j]:
                    break
            else:  # pragma: no cover - the hull spans [0, 1]
                raise SolverError("internal error: μS outside the hull")
            if mu == xs[i] or (not exact and abs(mu - xs[i]) <= 1e-15):
                parts = [(Fraction(1) if exact else 1.0, points[i])]
            elif mu == xs[j]:
                parts = [(Fraction(1) if exact else 1.0, points[j])]
            else:
                lam = (xs[j] - mu) / (xs[j] - xs[i])
                parts = [(lam, points[i]), (1 - lam, points[j])]
            value = sum((w * self.sender_value(p, exact=exact) for w, p in parts),
                        Fraction(0) if exact else 0.0)
            sigs = [self._signal(games, w, p, exact) for w, p in parts]
            return value, sigs, None, exact
        n = self.n_states
        A_eq = [[p[w] for p in points] for w in range(n)]
        if exact:
            sol = solve_lp_exactly(vals, A_eq=A_eq, b_eq=list(ps))
            if sol is not None:
                parts = [(x, points[j]) for j, x in enumerate(sol.x) if x > 0]
                sigs = [self._signal(games, w, p, True) for w, p in parts]
                return sol.value, sigs, None, True
            failure = "the exact check of the vertex LP failed"
            vals = [float(v) for v in vals]
            A_eq = [[float(t) for t in row] for row in A_eq]
            points = [[float(t) for t in p] for p in points]
            games = self._games(False)
        else:
            failure = None
        x, value = _linprog_max(np.array(vals, dtype=float), None, None,
                                np.array(A_eq, dtype=float), np.asarray(self._ps_f))
        parts = [(float(t), points[j]) for j, t in enumerate(x) if t > _FTOL]
        tot = sum(w for w, _ in parts)
        sigs = [self._signal(games, w / tot, np.asarray(p, dtype=float), False)
                for w, p in parts]
        return value, sigs, failure, False

    def _public_lp(self, games, exact):
        sizes = [g.n_actions for g in games]
        n_prof = math.prod(sizes)
        if n_prof > MAX_PUBLIC_PROFILES:
            raise InvalidParameterError(
                f"the public-signal LP over action profiles has {n_prof} profiles "
                f"({' x '.join(map(str, sizes))}), more than MAX_PUBLIC_PROFILES = "
                f"{MAX_PUBLIC_PROFILES}; it is exponential in the number of receivers: use "
                "method='envelope' (two states) or 'vertices'"
            )
        n = self.n_states
        ps = self._ps_q if exact else self._ps_f
        states = [w for w in range(n) if ps[w] > 0]
        profiles = list(itertools.product(*[range(m) for m in sizes]))
        data = [(g.exact_data() if exact else (None, g.sender_utility, g.receiver_utility))
                for g in games]
        nv = len(states) * n_prof
        col = {(w, j): i * n_prof + j for i, w in enumerate(states) for j in range(n_prof)}
        zero = Fraction(0) if exact else 0.0
        c = [zero] * nv
        for w in states:
            for j, prof in enumerate(profiles):
                c[col[w, j]] = sum((data[k][1][a][w] for k, a in enumerate(prof)), zero)
        A_eq, b_eq = [], []
        for w in states:
            row = [zero] * nv
            for j in range(n_prof):
                row[col[w, j]] = Fraction(1) if exact else 1.0
            A_eq.append(row)
            b_eq.append(ps[w])
        # Everyone sees the whole profile α, so obedience holds conditionally on α:
        # Σ_ω y(ω, α) (u_k(b, ω) − u_k(α_k, ω)) <= 0 for every receiver k and action b.
        # (Summing these over the profiles with α_k = a gives the private-signal LP.)
        A_ub, b_ub = [], []
        for j, prof in enumerate(profiles):
            for k, g in enumerate(games):
                u, a = data[k][2], prof[k]
                for b in range(g.n_actions):
                    if b == a:
                        continue
                    row = [zero] * nv
                    nonzero = False
                    for w in states:
                        d = u[b][w] - u[a][w]
                        if d:
                            row[col[w, j]] = d
                            nonzero = True
                    if nonzero:
                        A_ub.append(row)
                        b_ub.append(zero)
        failure = None
        if exact:
            sol = solve_lp_exactly(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq)
            if sol is not None:
                return (sol.value, self._profile_signals(sol.x, states, profiles, col, True),
                        n_prof, None, True)
            failure = "the exact check of the profile LP failed"
        x, value = _linprog_max(np.array(c, dtype=float),
                                np.array(A_ub, dtype=float).reshape(len(A_ub), nv),
                                np.zeros(len(A_ub)), np.array(A_eq, dtype=float),
                                np.array([float(t) for t in b_eq]))
        return (value, self._profile_signals(list(x), states, profiles, col, False),
                n_prof, failure, False)

    def _profile_signals(self, x, states, profiles, col, exact) -> list[PublicSignal]:
        n = self.n_states
        zero = Fraction(0) if exact else 0.0
        games = self._games(exact)
        out = []
        for j, prof in enumerate(profiles):
            joint = [zero] * n
            for w in states:
                joint[w] = x[col[w, j]]
            mass = sum(joint, zero)
            if (mass == 0) if exact else (mass <= _FTOL):
                continue
            post = [t / mass for t in joint]
            val = sum((games[k].exact_data()[1][a][w] * post[w] if exact
                       else games[k].sender_utility[a][w] * post[w]
                       for k, a in enumerate(prof) for w in range(n)), zero)
            out.append(PublicSignal(probability=mass if exact else float(mass),
                                    posterior=np.array(post, dtype=object if exact else float),
                                    actions=tuple(int(a) for a in prof),
                                    sender_value=val if exact else float(val)))
        return out

    def __repr__(self) -> str:
        kind = "rational" if self._exact_ok else "float"
        return f"<Audience: {self.n_receivers} receivers, {self.n_states} states, {kind}>"


def _normal_key(h: list, exact: bool) -> tuple | None:
    """A key identifying the hyperplane ``h·μ = 0`` up to scaling (None for h = 0)."""
    nz = [t for t in h if t != 0] if exact else [t for t in h if abs(t) > 1e-12]
    if not nz:
        return None
    lead = nz[0]
    if exact:
        return tuple(Fraction(t) / lead for t in h)
    return tuple(np.round(np.asarray(h, dtype=float) / lead, 10))


def _linprog_max(c, A_ub, b_ub, A_eq, b_eq) -> tuple[np.ndarray, float]:
    from scipy.optimize import linprog

    res = linprog(-c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None),
                  method="highs")
    if res.status != 0:
        raise SolverError(f"HiGHS could not solve the audience LP: {res.message}")
    return res.x, float(-res.fun)
