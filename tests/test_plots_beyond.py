"""Plots beyond one receiver: what they draw (values derived by hand) and that they render."""

from fractions import Fraction as F
from io import BytesIO

import matplotlib
import networkx as nx
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bayespersuade.datasets import ClaimRecord, RatingObservation
from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.instances.audiences import targeting_table
from bayespersuade.plots.beyond import plot_network, plot_network_steps, plot_targeting
from bayespersuade.solvers.network import NetworkGame


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def triangle_with_pendant() -> NetworkGame:
    # cores: triangle nodes 2, pendant 1; sizes (4, 4, 3, 0); f = -3 + 4μ, β = 1
    return NetworkGame(nx.Graph([(0, 1), (1, 2), (0, 2), (2, 3)]), [F(5, 8), F(3, 8)],
                       [-3, 1], 1)


def test_targeting_points_are_the_table():
    recs = [ClaimRecord("x", str(i), "c", observations=tuple(
        RatingObservation(initial=r) for r in rs)) for i, rs in enumerate([(2, 5), (3, 3)])]
    t = targeting_table(recs)
    ax = plot_targeting(t, annotate=True)
    pts = ax.collections[0].get_offsets()
    assert np.allclose(pts[:, 0], t["public_mean"]) and np.allclose(pts[:, 1], t["private_mean"])
    # the second claim has one rating only: its point lies on the diagonal
    assert pts[1, 0] == pytest.approx(pts[1, 1])
    assert [txt.get_text() for txt in ax.texts] == ["0", "1"]
    ax.figure.savefig(BytesIO(), format="png")


def test_targeting_refuses_other_tables():
    import pandas as pd

    with pytest.raises(InvalidParameterError, match="no column 'public_mean'"):
        plot_targeting(pd.DataFrame({"x": [1]}))


def test_network_nodes_coloured_by_core_number():
    net = triangle_with_pendant()
    sol = net.solve(exact=True)
    ax = plot_network(net, sol, seed=3)
    nodes = ax.collections[1]
    assert list(nodes.get_array()) == [2, 2, 2, 1]
    # both signals have probability 1/2; the first (everyone acts) is outlined
    edges = nodes.get_edgecolor()
    assert len(edges) == 4 and all(e[3] > 0 for e in edges)
    assert "seed 3" in ax.get_title()
    ax.figure.savefig(BytesIO(), format="png")


def test_network_steps_and_envelope_by_hand():
    # V̂(μ) = 0 on [0, 1/4), 3 on [1/4, 1/2), 4 on [1/2, 1]; the envelope's vertices
    # are (0, 0), (1/4, 3), (1/2, 4), (1, 4), and the optimal signals sit at 1/4 and 1/2.
    net = triangle_with_pendant()
    ax = plot_network_steps(net, net.solve(exact=True))
    env = next(line for line in ax.get_lines() if line.get_label() == "concave envelope")
    assert np.allclose(env.get_xdata(), [0, 0.25, 0.5, 1])
    assert np.allclose(env.get_ydata(), [0, 3, 4, 4])
    dots = [line for line in ax.get_lines() if line.get_marker() == "o" and len(line.get_xdata())]
    assert sorted((float(d.get_xdata()[0]), float(d.get_ydata()[0])) for d in dots) == [
        (0.25, 3.0), (0.5, 4.0)]
    ax.figure.savefig(BytesIO(), format="png")


def test_network_steps_more_states_uses_the_posterior_mean():
    net = NetworkGame(nx.path_graph(4), [F(1, 3)] * 3, [-2, -1, 1], 1)
    ax = plot_network_steps(net, net.solve(exact=True))
    assert ax.get_xlabel() == "posterior mean m of f"
    step = ax.get_lines()[0]
    assert step.get_xdata()[0] == -2 and step.get_xdata()[-1] == 1


def test_heterogeneous_game_plots_in_the_receivers_belief_space():
    from bayespersuade.examples import prosecutor
    from bayespersuade.plots.games import LABEL_ENVELOPE

    game = prosecutor().with_receiver_prior([F(9, 10), F(1, 10)])
    ax = game.plot(solution=game.solve(exact=True))
    env = next(line for line in ax.get_lines() if line.get_label() == LABEL_ENVELOPE)
    # the reweighted value: 0 below 1/2; convict at (1/2, 1/2) is worth
    # 1/2 * 7/9 + 1/2 * 3 = 17/9; at μ = 1 it is 3.  The envelope at μR = 1/10 is 17/45.
    assert np.interp(0.1, env.get_xdata(), env.get_ydata()) == pytest.approx(17 / 45)
    assert np.interp(0.5, env.get_xdata(), env.get_ydata()) == pytest.approx(17 / 9)
