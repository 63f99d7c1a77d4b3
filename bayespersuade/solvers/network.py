"""Receivers on a network: public persuasion whose greatest equilibria are graph cores.

The receivers are the nodes of an undirected graph ``G``.  Each chooses to act
(1) or not (0).  After the sender's public signal everyone holds the same
posterior ``μ`` (a common prior ``μ0``); node ``i``'s payoff from acting is

    ``E_μ[f(ω)] + β · #{acting neighbours of i}``

and from not acting 0, where ``f(ω) = a + b θ(ω)`` is an affine function of the
state and ``β >= 0`` the strength of local strategic complementarity.  Write
``m = E_μ[f]``.  Acting is a best response for a node with ``d`` acting
neighbours iff ``m + β d >= 0``, so the game is supermodular and its greatest
equilibrium (the one the sender, who wants as many acting receivers as
possible, selects) is found by starting from "everyone acts" and removing nodes
with too few acting neighbours: it is the ``k``-core of ``G`` with

    ``k(m) = min{ j >= 0 : m + β j >= 0 }``

(Candogan 2019).  With ``c_j = |j-core|`` (``c_0 = |V|``, zero above the
degeneracy ``K``), the sender's value of a posterior is ``c_{k(m)}``: a
non-increasing step function of the step index, a non-decreasing step function
of the posterior mean whose steps are core sizes.

**Exact reduction.**  A representative receiver with actions
``j ∈ {0, 1, ..., K + 1}`` ("the acting set is the ``j``-core") and utility

    ``u(j, ω) = −j f(ω) − β j (j − 1) / 2``

has increments ``u(j) − u(j − 1) = −(m + β (j − 1))`` that decrease in ``j``, so
its best response to ``μ`` is ``k(m)`` (at ``m + β (j − 1) = 0`` it is
indifferent between ``j − 1`` and ``j`` and breaks the tie for the sender, whose
utility ``v(j, ω) = c_j`` prefers the larger set).  This finite persuasion game
is solved by the obedience LP and by concavification, exactly for rational data.

References
----------
Candogan, O. (2019). Persuasion in networks: public signals and k-cores.
*Proceedings of the 20th ACM Conference on Economics and Computation (EC)*,
133-134.  (Long version: Candogan, O., 2022, Information design in
operations, and Persuasion in networks, *Operations Research*.)

Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError, InvalidParameterError
from ._numeric import as_fraction, coerce_array
from .dispatch import solve_game
from .priors import ArrayGame

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    import pandas as pd

    from .dispatch import SolverOutput

__all__ = ["NetworkGame", "NetworkSignal", "NetworkSolution", "greatest_equilibrium"]


def greatest_equilibrium(graph: nx.Graph, mean: Any, weight: Any) -> frozenset:
    """The largest set of acting nodes in equilibrium at posterior mean ``m``.

    Computed directly (not through cores): start with every node acting and
    repeatedly drop nodes for which ``m + β · #acting neighbours < 0``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.complete_graph(4)
    >>> g.add_edge(3, 4)                       # a pendant node
    >>> sorted(greatest_equilibrium(g, -2, 1))  # needs 2 acting neighbours
    [0, 1, 2, 3]
    """
    acting = set(graph.nodes)
    changed = True
    while changed:
        changed = False
        for i in list(acting):
            d = sum(1 for j in graph.neighbors(i) if j in acting and j != i)
            if mean + weight * d < 0:
                acting.discard(i)
                changed = True
    return frozenset(acting)


@dataclass(frozen=True)
class NetworkSignal:
    """One signal of the optimal public scheme on a network.

    Attributes
    ----------
    probability : float or Fraction
    posterior : numpy.ndarray
    mean : float or Fraction
        ``m = E_posterior[f]``.
    level : int
        The step index ``k(m)``: the acting set is the ``level``-core.
    acting : frozenset
        The nodes that act (the greatest equilibrium).
    """

    probability: Any
    posterior: np.ndarray
    mean: Any
    level: int
    acting: frozenset


@dataclass(frozen=True)
class NetworkSolution:
    """The optimal public signal to receivers on a network.

    Attributes
    ----------
    value : float or Fraction
        The expected number of acting receivers.
    no_disclosure_value, full_disclosure_value, gain : float or Fraction
    signals : tuple of NetworkSignal
    exact : bool
    method : str
    output : SolverOutput
        The solve of the reduced (representative-receiver) game.
    """

    value: Any
    no_disclosure_value: Any
    full_disclosure_value: Any
    gain: Any
    signals: tuple[NetworkSignal, ...]
    exact: bool
    method: str
    output: SolverOutput

    def to_frame(self) -> pd.DataFrame:
        """One row per signal: probability, posterior mean, core level, acting count.

        Examples
        --------
        >>> import networkx as nx
        >>> net = NetworkGame(nx.complete_graph(3), [1], [-1], 1)
        >>> net.solve(exact=True).to_frame().values.tolist()
        [[Fraction(1, 1), Fraction(-1, 1), 1, 3]]
        """
        import pandas as pd

        return pd.DataFrame({
            "probability": [s.probability for s in self.signals],
            "mean": [s.mean for s in self.signals],
            "level": [s.level for s in self.signals],
            "n_acting": [len(s.acting) for s in self.signals],
        })


class NetworkGame:
    """Public persuasion of receivers on a graph (binary actions, local complements).

    Parameters
    ----------
    graph : networkx.Graph
        Undirected, without self-loops; nodes are the receivers.
    prior : array_like, shape (n_states,)
        The common prior ``μ0``.
    f : array_like, shape (n_states,)
        The value ``f(ω)`` of acting in each state, without neighbours (any
        affine function of a state variable: give its values).
    weight : number
        ``β >= 0``: the payoff of acting grows by ``β`` per acting neighbour.
    states : sequence, optional
        State labels.

    Raises
    ------
    InvalidGameError
        If the graph is directed, has self-loops or no nodes, the shapes do not
        match, ``weight`` is negative, or the prior is not a distribution.

    Examples
    --------
    A triangle with a pendant node: acting is worth ``θ ∈ {−3, 1}`` (prior
    ``P(θ = 1) = 3/8``) plus one per acting neighbour.  Without information
    ``m = −3/2``: a node needs two acting neighbours, so the 2-core (the
    triangle) acts.  At posteriors with ``P(θ = 1) >= 1/2`` (``m >= −1``)
    everyone acts; the optimal public signal mixes the two:

    >>> import networkx as nx
    >>> from fractions import Fraction as F
    >>> g = nx.Graph([(0, 1), (1, 2), (0, 2), (2, 3)])
    >>> net = NetworkGame(g, [F(5, 8), F(3, 8)], [-3, 1], 1)
    >>> net.core_sizes()
    (4, 4, 3, 0)
    >>> net.no_disclosure_value(exact=True)
    Fraction(3, 1)
    >>> sol = net.solve(exact=True)
    >>> sol.value
    Fraction(7, 2)
    >>> [(s.probability, s.level, sorted(s.acting)) for s in sol.signals]
    [(Fraction(1, 2), 1, [0, 1, 2, 3]), (Fraction(1, 2), 2, [0, 1, 2])]
    """

    def __init__(self, graph: nx.Graph, prior: Any, f: Any, weight: Any, *,
                 states: Sequence[Hashable] | None = None) -> None:
        import networkx as nx

        if not isinstance(graph, nx.Graph):
            raise InvalidGameError(f"graph must be a networkx.Graph, got {type(graph).__name__}")
        if graph.is_directed():
            raise InvalidGameError("graph must be undirected (a networkx.Graph)")
        if graph.number_of_nodes() == 0:
            raise InvalidGameError("graph has no nodes")
        loops = list(nx.selfloop_edges(graph))
        if loops:
            raise InvalidGameError(f"graph has a self-loop at node {loops[0][0]!r}")
        p_f, p_q = coerce_array(prior, "prior", 1)
        f_f, f_q = coerce_array(f, "f", 1)
        if f_f.shape != p_f.shape:
            raise InvalidGameError(
                f"f has {f_f.shape[0]} entries but the prior has {p_f.shape[0]} states"
            )
        if (p_f < 0).any():
            i = int(np.flatnonzero(p_f < 0)[0])
            raise InvalidGameError(f"prior[{i}] is negative")
        if p_q is not None:
            if sum(p_q, Fraction(0)) != 1:
                raise InvalidGameError(f"prior sums to {sum(p_q, Fraction(0))}, not 1")
        elif abs(float(p_f.sum()) - 1) > 1e-9:
            raise InvalidGameError(f"prior sums to {float(p_f.sum())!r}, not 1")
        if isinstance(weight, float | np.floating):
            w_q: Fraction | None = None
            w_f = float(weight)
        else:
            w_q = as_fraction(weight, "weight")  # names the weight if it is not a number
            w_f = float(w_q)
        if not np.isfinite(w_f) or w_f < 0:
            raise InvalidGameError(f"weight is {weight!r}; it must be finite and non-negative")
        self._graph = graph
        self._exact = p_q is not None and f_q is not None and w_q is not None
        self._p_f, self._f_f, self._w_f = p_f, f_f, w_f
        self._p_q, self._f_q, self._w_q = (p_q, f_q, w_q) if self._exact else (None,) * 3
        n = p_f.shape[0]
        self._states = tuple(states) if states is not None else tuple(f"s{i}" for i in range(n))
        if len(self._states) != n:
            raise InvalidGameError(f"{len(self._states)} state labels for {n} states")
        self._core = nx.core_number(graph)
        degeneracy = max(self._core.values(), default=0)
        self._sizes = tuple(sum(1 for c in self._core.values() if c >= j)
                            for j in range(degeneracy + 2))
        self._reduced: dict[bool, ArrayGame] = {}

    # ---------------------------------------------------------------- data
    @property
    def graph(self) -> nx.Graph:
        return self._graph

    @property
    def is_rational(self) -> bool:
        return self._exact

    @property
    def n_states(self) -> int:
        return self._p_f.shape[0]

    @property
    def states(self) -> tuple:
        return self._states

    @property
    def prior(self) -> np.ndarray:
        """The common prior (floats)."""
        return self._p_f

    @property
    def f_values(self) -> np.ndarray:
        """``f(ω)`` per state (floats)."""
        return self._f_f

    @property
    def weight(self) -> Any:
        """``β``: exact (Fraction) for a rational game, else a float."""
        return self._w_q if self._exact else self._w_f

    def exact_data(self) -> tuple:
        """``(prior, f, β)`` as Fractions (rational games only)."""
        if not self._exact:
            raise InvalidGameError("this network game has floating-point data")
        return self._p_q, self._f_q, self._w_q

    def core_numbers(self) -> dict:
        """``networkx.core_number`` of the graph."""
        return dict(self._core)

    def core_sizes(self) -> tuple[int, ...]:
        """``(c_0, c_1, ..., c_{K+1})``: the sizes of the ``j``-cores (the last is 0)."""
        return self._sizes

    def acting_set(self, level: int) -> frozenset:
        """The nodes of the ``level``-core (those with core number ``>= level``)."""
        return frozenset(i for i, c in self._core.items() if c >= level)

    def level(self, mean: Any) -> int:
        """The step index ``k(m) = min{j : m + β j >= 0}`` (capped at ``K + 1``)."""
        top = len(self._sizes) - 1
        for j in range(top):
            if mean + (self._w_q if isinstance(mean, Fraction | int) and self._exact
                       else self._w_f) * j >= 0:
                return j
        return top

    def reduced_game(self, *, exact: bool = False) -> ArrayGame:
        """The representative-receiver persuasion game (actions = step indices).

        Examples
        --------
        >>> import networkx as nx
        >>> net = NetworkGame(nx.path_graph(3), [1, 0], [-1, 1], 1)
        >>> net.reduced_game(exact=True).exact_data()[2].tolist()
        [[Fraction(0, 1), Fraction(0, 1)], [Fraction(1, 1), Fraction(-1, 1)], [Fraction(1, 1), Fraction(-3, 1)]]
        """  # noqa: E501
        if exact and not self._exact:
            raise InvalidGameError("exact=True needs a rational prior, f and weight")
        if exact not in self._reduced:
            J = len(self._sizes)
            n = self.n_states
            if exact:
                u = np.empty((J, n), dtype=object)
                v = np.empty((J, n), dtype=object)
                for j in range(J):
                    for w in range(n):
                        u[j, w] = -j * self._f_q[w] - self._w_q * Fraction(j * (j - 1), 2)
                        v[j, w] = Fraction(self._sizes[j])
                data = (self._p_q, v, u)
                self._reduced[True] = ArrayGame(self._p_f, v.astype(float), u.astype(float),
                                                exact=data, states=self._states,
                                                actions=tuple(range(J)))
            else:
                j = np.arange(J, dtype=float)[:, None]
                u_f = -j * self._f_f[None, :] - self._w_f * j * (j - 1) / 2
                v_f = np.repeat(np.array(self._sizes, dtype=float)[:, None], n, axis=1)
                self._reduced[False] = ArrayGame(self._p_f, v_f, u_f, states=self._states,
                                                 actions=tuple(range(J)))
        return self._reduced[exact]

    # --------------------------------------------------------------- values
    def mean(self, belief: Any) -> Any:
        """``m = E_belief[f]``."""
        if self._exact and all(isinstance(x, int | Fraction) for x in belief):
            return sum((Fraction(b) * f for b, f in zip(belief, self._f_q, strict=True)),
                       Fraction(0))
        return float(np.dot(np.asarray(belief, dtype=float), self._f_f))

    def sender_value(self, belief: Any) -> Any:
        """``c_{k(m)}``: the size of the greatest equilibrium at a posterior."""
        return self._sizes[self.level(self.mean(belief))]

    def no_disclosure_value(self, *, exact: bool = False) -> Any:
        """The number acting without information."""
        return self.reduced_game(exact=exact).no_disclosure_value(exact=exact)

    def full_disclosure_value(self, *, exact: bool = False) -> Any:
        """The expected number acting when the state is revealed."""
        return self.reduced_game(exact=exact).full_disclosure_value(exact=exact)

    def solve(self, method: str = "lp", *, exact: bool = False) -> NetworkSolution:
        """The optimal public signal, via the reduced game.

        Parameters
        ----------
        method : {"lp", "concavification"}
        exact : bool, default False

        Returns
        -------
        NetworkSolution
        """
        if method not in ("lp", "concavification"):
            raise InvalidParameterError(
                f"method must be 'lp' or 'concavification', got {method!r}"
            )
        out = solve_game(self.reduced_game(exact=exact), method=method, exact=exact)
        signals = []
        for s in out.signals:
            post = s.posterior
            m = self.mean(list(post)) if out.exact else self.mean([float(x) for x in post])
            # The greatest equilibrium at this posterior.  (The LP may recommend a step
            # index tied with it, k(m) + 1 when m + β k(m) = 0; optimality then forces
            # the same core size, so the value is unchanged.)
            level = self.level(m)
            signals.append(NetworkSignal(probability=s.probability, posterior=post, mean=m,
                                         level=level, acting=self.acting_set(level)))
        return NetworkSolution(value=out.value, no_disclosure_value=out.no_disclosure_value,
                               full_disclosure_value=out.full_disclosure_value, gain=out.gain,
                               signals=tuple(signals), exact=out.exact,
                               method=f"{method} on the core-step game", output=out)

    def __repr__(self) -> str:
        return (f"<NetworkGame: {self._graph.number_of_nodes()} nodes, "
                f"{self._graph.number_of_edges()} edges, {self.n_states} states>")
