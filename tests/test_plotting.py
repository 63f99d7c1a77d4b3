"""Plots return Axes with the expected artists, draw into a given Axes, and render."""

from fractions import Fraction as F

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bayespersuade import InvalidGameError, PersuasionGame
from bayespersuade.examples import likert_quadratic, prosecutor
from bayespersuade.plotting import (
    plot_ceiling_curve,
    plot_envelope,
    plot_game,
    plot_simplex,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def three_state_game():
    return PersuasionGame([F(1, 2), F(1, 4), F(1, 4)],
                          [[0, 0, 0], [1, 1, 1], [3, 3, 3], [2, 0, 1]],
                          [[3, 0, 0], [0, 3, 0], [0, 0, 3], [2, 2, 2]],
                          states=["A", "B", "C"], actions=["x", "y", "z", "w"])


def test_envelope_plot_artists():
    game = likert_quadratic("3/10")
    ax = plot_envelope(game)
    lines = {line.get_label(): line for line in ax.get_lines()}
    env = lines["V(μ) = cav v̂(μ)"]
    assert np.allclose(env.get_xdata(), [0, 1 / 12, 11 / 12, 1])
    assert np.allclose(env.get_ydata(), [1, 2, 7, 7])
    prior_line = lines["prior μ0 = 0.3"]
    assert np.allclose(prior_line.get_xdata(), [0.3, 0.3])
    pts = next(c for c in ax.collections if c.get_label() == "optimal posteriors")
    assert np.allclose(sorted(pts.get_offsets()[:, 0]), [1 / 12, 11 / 12])
    assert ax.get_xlabel() == "μ = P(true)"


def test_envelope_draws_into_given_axes_and_saves(tmp_path):
    fig, ax = plt.subplots()
    out = plot_envelope(prosecutor(), ax=ax)
    assert out is ax
    fig.savefig(tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_simplex_plot_regions_and_posteriors():
    game = three_state_game()
    sol = game.solve()
    ax = plot_simplex(game, solution=sol)
    labels = sorted(p.get_label() for p in ax.patches)
    assert labels == ["w", "x", "y", "z"]
    pts = next(c for c in ax.collections if c.get_label() == "optimal posteriors")
    assert pts.get_offsets().shape[0] == sol.n_signals


def test_simplex_omits_actions_that_are_never_best_responses():
    game = PersuasionGame([F(1, 3)] * 3, [[0, 0, 0], [1, 1, 1], [2, 2, 2]],
                          [[1, 0, 0], [0, 1, 0], [-1, -1, -1]])
    ax = plot_simplex(game)
    assert sorted(p.get_label() for p in ax.patches) == ["a0", "a1"]


def test_ceiling_curve():
    ax = plot_ceiling_curve(likert_quadratic(), n=121)
    gain = next(line for line in ax.get_lines() if line.get_label() == "ceiling V − v̂")
    assert max(gain.get_ydata()) < 1
    assert min(gain.get_ydata()) >= -1e-12


def test_plot_game_dispatch_and_errors():
    assert plot_game(prosecutor()).get_xlabel() == "μ = P(guilty)"
    assert plot_game(three_state_game()).patches
    four = PersuasionGame([F(1, 4)] * 4, np.zeros((2, 4), int), np.zeros((2, 4), int))
    with pytest.raises(InvalidGameError, match="2 or 3 states"):
        plot_game(four)
    with pytest.raises(InvalidGameError, match="needs 2 states"):
        plot_envelope(three_state_game())
    with pytest.raises(InvalidGameError, match="needs 3 states"):
        plot_simplex(prosecutor())


def test_solution_plot_method():
    sol = prosecutor().solve(exact=True)
    ax = sol.plot()
    pts = next(c for c in ax.collections if c.get_label() == "optimal posteriors")
    assert np.allclose(sorted(pts.get_offsets()[:, 0]), [0, 0.5])
