"""Receivers on a network (Candogan 2019): cores, brute force, two methods."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.exceptions import InvalidGameError, InvalidParameterError
from bayespersuade.solvers.concavification import _upper_hull
from bayespersuade.solvers.network import NetworkGame, greatest_equilibrium
from bayespersuade.testing import network_games, priors

SETTINGS = settings(max_examples=50, deadline=None, database=None)


def brute_force_greatest(graph: nx.Graph, m, beta) -> frozenset:
    """The union of all pure Nash equilibria, by enumerating every action profile."""
    nodes = list(graph.nodes)
    equilibria = []
    for bits in itertools.product((0, 1), repeat=len(nodes)):
        acting = {i for i, b in zip(nodes, bits, strict=True) if b}
        ok = True
        for i in nodes:
            gain = m + beta * sum(1 for j in graph.neighbors(i) if j in acting)
            if (i in acting and gain < 0) or (i not in acting and gain > 0):
                ok = False
                break
        if ok:
            equilibria.append(frozenset(acting))
    union = frozenset().union(*equilibria)
    assert union in equilibria  # supermodular: the greatest equilibrium exists
    return union


@SETTINGS
@given(network_games(max_nodes=7, max_states=2), st.integers(-12, 4), st.integers(1, 4))
def test_greatest_equilibrium_is_the_core_of_the_step_index(net, num, den):
    m = F(num, den)
    beta = net.weight
    brute = brute_force_greatest(net.graph, m, beta)
    assert brute == greatest_equilibrium(net.graph, m, beta)
    assert brute == net.acting_set(net.level(m))
    assert len(brute) == net.core_sizes()[net.level(m)]


@SETTINGS
@given(network_games(max_nodes=6, max_states=3), st.data())
def test_reduced_receiver_plays_the_step_index(net, data):
    belief = data.draw(priors(net.n_states))
    game = net.reduced_game(exact=True)
    assert game.best_response(belief, exact=True) == net.level(net.mean(belief))
    assert game.sender_value(belief, exact=True) == net.sender_value(belief)


@SETTINGS
@given(network_games(max_nodes=7, max_states=3))
def test_lp_and_concavification_agree_exactly(net):
    lp = net.solve("lp", exact=True)
    cav = net.solve("concavification", exact=True)
    assert lp.exact and cav.exact and lp.value == cav.value
    assert lp.value >= net.no_disclosure_value(exact=True)
    assert lp.value >= net.full_disclosure_value(exact=True)
    for sol in (lp, cav):
        assert sum(s.probability for s in sol.signals) == 1
        assert sum(s.probability * len(s.acting) for s in sol.signals) == sol.value
        for s in sol.signals:  # the acting set is the greatest equilibrium there
            assert s.acting == greatest_equilibrium(net.graph, s.mean, net.weight)
            assert s.level == net.level(s.mean)


@SETTINGS
@given(network_games(max_nodes=6, min_states=2, max_states=2, weights=(0, 1, 2)))
def test_value_equals_brute_force_over_splittings(net):
    # Two states: V̂(μ) (by enumerating action profiles) is a step function whose
    # breakpoints m(μ) = -βj lie on the grid of denominator |f1 - f0| (β integer),
    # so the upper hull of V̂ on that grid is its concave envelope.
    _, (f0, f1), _ = net.exact_data()
    beta = net.weight
    mu0 = net.exact_data()[0][1]
    if f0 == f1:
        expected = len(brute_force_greatest(net.graph, f0, beta))
    else:
        d = abs(int(f1 - f0))
        xs = [F(i, d) for i in range(d + 1)]
        ys = [len(brute_force_greatest(net.graph, f0 + (f1 - f0) * x, beta)) for x in xs]
        hull = _upper_hull(xs, [F(y) for y in ys], True)
        for i, j in itertools.pairwise(hull):
            if xs[i] <= mu0 <= xs[j]:
                lam = (xs[j] - mu0) / (xs[j] - xs[i])
                expected = lam * ys[i] + (1 - lam) * ys[j]
                break
    assert net.solve(exact=True).value == expected


def test_complete_graph_by_hand():
    # K4: every node has core number 3; acting needs m + j >= 0 acting neighbours.
    net = NetworkGame(nx.complete_graph(4), [F(3, 4), F(1, 4)], [-4, 0], 1)
    assert net.core_sizes() == (4, 4, 4, 4, 0)
    # m = -3: the 3-core (everyone) acts with no information.
    assert net.no_disclosure_value(exact=True) == 4
    assert net.solve(exact=True).value == 4


def test_float_network_matches_exact():
    g = nx.karate_club_graph()
    exact = NetworkGame(g, [F(2, 3), F(1, 3)], [-5, 1], F(1, 2)).solve(exact=True)
    fl = NetworkGame(g, [2 / 3, 1 / 3], [-5.0, 1.0], 0.5).solve()
    assert not fl.exact
    assert abs(fl.value - float(exact.value)) < 1e-7


def test_network_errors():
    with pytest.raises(InvalidGameError, match="undirected"):
        NetworkGame(nx.DiGraph([(0, 1)]), [1], [0], 1)
    g = nx.Graph([(0, 0), (0, 1)])
    with pytest.raises(InvalidGameError, match="self-loop at node 0"):
        NetworkGame(g, [1], [0], 1)
    with pytest.raises(InvalidGameError, match="no nodes"):
        NetworkGame(nx.Graph(), [1], [0], 1)
    with pytest.raises(InvalidGameError, match="weight is -1"):
        NetworkGame(nx.path_graph(2), [1], [0], -1)
    with pytest.raises(InvalidGameError, match="f has 1 entries but the prior has 2"):
        NetworkGame(nx.path_graph(2), [F(1, 2), F(1, 2)], [0], 1)
    with pytest.raises(InvalidGameError, match="prior sums to 3/2"):
        NetworkGame(nx.path_graph(2), [1, F(1, 2)], [0, 0], 1)
    with pytest.raises(InvalidGameError, match=r"networkx\.Graph"):
        NetworkGame([(0, 1)], [1], [0], 1)
    with pytest.raises(InvalidParameterError, match="method must be"):
        NetworkGame(nx.path_graph(2), [1], [0], 1).solve("magic")
    with pytest.raises(InvalidGameError, match="exact=True needs a rational"):
        NetworkGame(nx.path_graph(2), [1.0], [0.5], 1).solve(exact=True)


@SETTINGS
@given(st.integers(1, 5), st.integers(2, 3).flatmap(
    lambda n: st.tuples(priors(n), st.lists(st.integers(-6, 3), min_size=n, max_size=n))),
    st.sampled_from([0, 1, F(1, 2)]))
def test_edgeless_graph_is_independent_copies_of_todays_binary_game(n_nodes, data, beta):
    # Without edges every node acts iff E[f] >= 0: the binary game u(act) = f,
    # u(not) = 0, v(act) = 1 of the core, once per node.
    mu, f = data
    g = nx.empty_graph(n_nodes)
    net = NetworkGame(g, mu, f, beta)
    single = PersuasionGame(mu, [[0] * len(mu), [1] * len(mu)], [[0] * len(mu), f])
    assert net.solve(exact=True).value == n_nodes * single.solve(exact=True).value
    assert net.no_disclosure_value(exact=True) == n_nodes * single.no_disclosure_value(
        exact=True)


def test_weight_kinds():
    assert NetworkGame(nx.path_graph(2), [1], [0], "1/2").is_rational
    assert not NetworkGame(nx.path_graph(2), [1], [0], 0.5).is_rational
    with pytest.raises(InvalidGameError, match="weight is the string 'x'"):
        NetworkGame(nx.path_graph(2), [1], [0], "x")


def test_strategy_arguments_are_checked():
    from bayespersuade.testing import StrategyArgumentError, audiences

    with pytest.raises(StrategyArgumentError, match="weights must not be empty"):
        network_games(weights=())
    with pytest.raises(StrategyArgumentError, match="min_nodes"):
        network_games(min_nodes=5, max_nodes=2)
    with pytest.raises(StrategyArgumentError, match="min_receivers must be at least 1"):
        audiences(min_receivers=0)
    with pytest.raises(StrategyArgumentError, match="heterogeneous"):
        audiences(heterogeneous="yes")
