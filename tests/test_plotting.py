"""Plots: the exact geometry they draw, the artists they make, and that they render.

Expected numbers are derived by hand in the comments (not read back from the
code under test).
"""

from fractions import Fraction as F

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Polygon
from matplotlib.path import Path as MplPath

from bayespersuade import InvalidGameError, InvalidParameterError, PersuasionGame
from bayespersuade.examples import likert_quadratic, prosecutor
from bayespersuade.plots.games import (
    LABEL_ENVELOPE,
    LABEL_POSTERIORS,
    LABEL_VHAT,
    best_response_regions,
    plot_ceiling_curve,
    plot_envelope,
    plot_game,
    plot_simplex,
    sender_value_pieces,
)

SQ3 = np.sqrt(3) / 2
TRIANGLE_AREA = SQ3 / 2


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def xy(b):
    """Barycentric (A, B, C) -> plane: A at (0, 0), B at (1, 0), C at (1/2, √3/2)."""
    b = [float(t) for t in b]
    return np.array([b[1] + 0.5 * b[2], SQ3 * b[2]])


def area(points):
    x, y = np.asarray(points, dtype=float).T
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def guess_or_abstain():
    """u: guess a state (3 if right) or abstain (2 for sure); the sender pays 3, 1, 0, 2.

    Region of x = {μA >= 2/3}, of y = {μB >= 2/3}, of z = {μC >= 2/3}, and w
    is the hexagon where every μ <= 2/3.
    """
    return PersuasionGame([F(1, 2), F(1, 4), F(1, 4)],
                          [[0, 0, 0], [1, 1, 1], [3, 3, 3], [2, 0, 1]],
                          [[3, 0, 0], [0, 3, 0], [0, 0, 3], [2, 2, 2]],
                          states=["A", "B", "C"], actions=["x", "y", "z", "w"])


def duplicate_lines_game():
    """Two states; the receiver cannot tell a1 from a2 (same u), the sender can.

    Receiver: a0 below μ = 1/2, {a1, a2} above.  Sender: a0 pays 0; a1 pays
    2(1 − μ), a2 pays μ; they cross at μ = 2/3.  So v̂ = 0 on [0, 1/2), and
    max(2 − 2μ, μ) on [1/2, 1]: 1 at 1/2, 2/3 at 2/3, 1 at 1.
    """
    return PersuasionGame([F(1, 2), F(1, 2)],
                          [[0, 0], [2, 0], [0, 1]],
                          [[1, 0], [0, 1], [0, 1]])


def line(ax, label):
    return next(ln for ln in ax.get_lines() if ln.get_label() == label)


def lines(ax, label):
    return [ln for ln in ax.get_lines() if ln.get_label() == label]


def scatter(ax, label):
    return next(c for c in ax.collections if c.get_label() == label)


# ------------------------------------------------------------ v̂ pieces
def test_sender_value_pieces_prosecutor_exact():
    # acquit below 1/2 (value 0), convict from 1/2 on (value 1)
    pieces = sender_value_pieces(prosecutor())
    assert pieces == [((F(0), F(1, 2)), (F(0), F(0))), ((F(1, 2), F(1)), (F(1), F(1)))]


def test_sender_value_pieces_max_of_lines_exact():
    pieces = sender_value_pieces(duplicate_lines_game())
    assert pieces == [((F(0), F(1, 2)), (F(0), F(0))),
                      ((F(1, 2), F(2, 3), F(1)), (F(1), F(2, 3), F(1)))]


@pytest.mark.parametrize("game", [likert_quadratic(), duplicate_lines_game(), prosecutor(),
                                  PersuasionGame([0.4, 0.6], [[0.0, 1.5], [2.0, -1.0],
                                                              [0.5, 0.5]],
                                                 [[1.0, 0.2], [0.1, 0.9], [0.6, 0.6]])])
def test_sender_value_pieces_agree_with_pointwise_values(game):
    env = game.envelope()
    pieces = sender_value_pieces(game, envelope=env)
    assert len(pieces) == len(env.candidates) - 1
    for (xs, ys), lo, hi in zip(pieces, env.candidates[:-1], env.candidates[1:], strict=True):
        assert xs[0] == lo and xs[-1] == hi
        grid = np.linspace(float(lo), float(hi), 203)[1:-1]
        expected = game.sender_value(np.column_stack([1 - grid, grid]), exact=False)
        drawn = np.interp(grid, [float(x) for x in xs], [float(y) for y in ys])
        np.testing.assert_allclose(drawn, expected, atol=1e-9)


# ------------------------------------------------------------ plot_envelope
def test_envelope_plot_likert():
    game = likert_quadratic("3/10")
    ax = plot_envelope(game)
    env_line = line(ax, LABEL_ENVELOPE)
    # V = 1 + 12μ up to 1/12, 3/2 + 6μ up to 11/12, then 7
    np.testing.assert_allclose(env_line.get_xdata(), [0, 1 / 12, 11 / 12, 1])
    np.testing.assert_allclose(env_line.get_ydata(), [1, 2, 7, 7])
    np.testing.assert_allclose(line(ax, "prior μ0 = 3/10").get_xdata(), [0.3, 0.3])
    # the receiver answers round(1 + 6μ): breakpoints (2a − 1)/12, a = 1..6
    cuts = [(2 * a - 1) / 12 for a in range(1, 7)]
    # v̂ is flat at a on each interval: 7 pieces, the first one labelled
    pieces = [ln for ln in ax.get_lines() if ln.get_color() == "C0" and ln.get_linestyle() == "-"]
    assert len(pieces) == 7 and pieces[0].get_label() == LABEL_VHAT
    for a, ln in enumerate(pieces, start=1):
        np.testing.assert_allclose(ln.get_ydata(), [a, a])
    # filled dots: v̂ at 0, the cuts and 1 (the higher answer at each cut)
    filled = line(ax, "_v̂ at breakpoints")
    np.testing.assert_allclose(filled.get_xdata(), [0, *cuts, 1])
    np.testing.assert_allclose(filled.get_ydata(), [1, 2, 3, 4, 5, 6, 7, 7])
    # hollow dots: the left limits a at each cut, which v̂ does not attain
    hollow = line(ax, "_limits not attained")
    np.testing.assert_allclose(hollow.get_xdata(), cuts)
    np.testing.assert_allclose(hollow.get_ydata(), [1, 2, 3, 4, 5, 6])
    # split 3/10 between 1/12 and 11/12: weight on 11/12 is (3/10 − 1/12)/(10/12) = 13/50
    pts = scatter(ax, LABEL_POSTERIORS)
    np.testing.assert_allclose(pts.get_offsets(), [[1 / 12, 2], [11 / 12, 7]])
    texts = {t.get_text() for t in ax.texts}
    assert {"P = 37/50", "P = 13/50"} <= texts
    # V(3/10) = 3/2 + 18/10 = 33/10, on the chord
    np.testing.assert_allclose(line(ax, "V(μ0) = 33/10").get_xydata(), [[0.3, 3.3]])
    # regions: one band and one label per answer
    assert [str(a) for a in range(1, 8)] == [t.get_text() for t in ax.texts][:7]
    assert sum(p.get_label() == "_region" for p in ax.patches) == 7
    assert ax.get_xlabel() == "belief μ = P(true)"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "0\n(false)" and ticks[-1] == "1\n(true)"


def test_envelope_plot_prosecutor_with_lp_solution():
    game = prosecutor()
    sol = game.solve(exact=True)
    ax = plot_envelope(game, solution=sol)
    # the judge convicts from 1/2: split 3/10 into 0 (w 2/5) and 1/2 (w 3/5)
    np.testing.assert_allclose(scatter(ax, LABEL_POSTERIORS).get_offsets(), [[0, 0], [0.5, 1]])
    np.testing.assert_allclose(line(ax, "_chord").get_xydata(), [[0, 0], [0.5, 1]])
    np.testing.assert_allclose(line(ax, "V(μ0) = 3/5").get_xydata(), [[0.3, 0.6]])
    # v̂ jumps from 0 to 1 at 1/2: hollow dot at the left limit only
    np.testing.assert_allclose(line(ax, "_limits not attained").get_xydata(), [[0.5, 0]])
    assert {"P = 2/5", "P = 3/5"} <= {t.get_text() for t in ax.texts}


def test_envelope_regions_follow_the_senders_favourite():
    # receiver: a0 below 1/2; above, a1 (worth 2 − 2μ) until 2/3, then a2 (worth μ)
    ax = plot_envelope(duplicate_lines_game(), prior=False)
    bands = [p for p in ax.patches if p.get_label() == "_region"]
    spans = [(b.get_bbox().x0, b.get_bbox().x1) for b in bands]
    np.testing.assert_allclose(spans, [(0, 0.5), (0.5, 2 / 3), (2 / 3, 1)])
    assert [t.get_text() for t in ax.texts] == ["a0", "a1", "a2"]


def test_envelope_plot_max_of_lines_and_options():
    ax = plot_envelope(duplicate_lines_game(), prior=False, show_regions=False)
    # v̂ drawn through the kink at 2/3 where the sender's favourite changes
    second = [ln for ln in ax.get_lines() if ln.get_color() == "C0"
              and ln.get_linestyle() == "-"][1]
    np.testing.assert_allclose(second.get_xydata(), [[0.5, 1], [2 / 3, 2 / 3], [1, 1]])
    assert not ax.collections  # no posteriors
    assert not any(ln.get_label().startswith("prior") for ln in ax.get_lines())
    assert not any(p.get_label() == "_region" for p in ax.patches)


def test_envelope_plot_float_game():
    game = PersuasionGame([0.7, 0.3], [[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]],
                          states=["innocent", "guilty"])
    ax = plot_envelope(game)
    np.testing.assert_allclose(line(ax, LABEL_ENVELOPE).get_xydata(),
                               [[0, 0], [0.5, 1], [1, 1]])
    np.testing.assert_allclose(scatter(ax, LABEL_POSTERIORS).get_offsets(), [[0, 0], [0.5, 1]])


def test_envelope_draws_into_given_axes_and_renders(tmp_path):
    fig, (ax1, ax2) = plt.subplots(1, 2)
    assert plot_envelope(prosecutor(), ax=ax2) is ax2
    assert not ax1.lines and ax2.lines
    assert len(plt.get_fignums()) == 1
    out = tmp_path / "envelope.png"
    fig.savefig(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


def test_solution_for_another_game_is_refused():
    with pytest.raises(InvalidParameterError, match="different game"):
        plot_envelope(prosecutor(), solution=prosecutor("1/5").solve())
    with pytest.raises(InvalidParameterError, match="must be a Solution"):
        plot_envelope(prosecutor(), solution="not a solution")


# ------------------------------------------------------------ regions
def test_regions_guess_or_abstain_exact():
    regions = best_response_regions(guess_or_abstain())
    assert sorted(regions) == [0, 1, 2, 3]
    t, o = F(2, 3), F(1, 3)
    assert set(regions[0]) == {(F(1), F(0), F(0)), (t, o, F(0)), (t, F(0), o)}
    assert set(regions[3]) == {(t, o, F(0)), (t, F(0), o), (o, t, F(0)), (F(0), t, o),
                               (o, F(0), t), (F(0), o, t)}
    total = sum(area([xy(p) for p in poly]) for poly in regions.values())
    assert total == pytest.approx(TRIANGLE_AREA, abs=1e-12)


def test_regions_split_by_the_senders_tie_break():
    # a1, a2: same receiver utility (guess "not A"); the sender gets 2μB from a1, 2μC
    # from a2, so a1 is played where μB >= μC.  a0 (guess A) where μA >= 1/2.
    game = PersuasionGame([F(1, 3)] * 3, [[0, 0, 0], [0, 2, 0], [0, 0, 2]],
                          [[1, 0, 0], [0, 1, 1], [0, 1, 1]])
    regions = best_response_regions(game)
    h, q = F(1, 2), F(1, 4)
    assert set(regions[0]) == {(F(1), F(0), F(0)), (h, h, F(0)), (h, F(0), h)}
    assert set(regions[1]) == {(h, h, F(0)), (F(0), F(1), F(0)), (F(0), h, h), (h, q, q)}
    assert set(regions[2]) == {(h, F(0), h), (F(0), F(0), F(1)), (F(0), h, h), (h, q, q)}


def test_regions_degenerate_never_played_and_duplicate_actions():
    # a2 ties a0 and a1 for the receiver exactly where μA = μB (and beats a3 there
    # when μC <= μA); the sender prefers it, so it is played on that segment only.
    # a4 is never a best response; a5 duplicates a3 and loses the index tie-break.
    game = PersuasionGame([F(1, 3)] * 3,
                          [[0, 0, 0], [0, 0, 0], [5, 5, 5], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
                          [[2, 0, 0], [0, 2, 0], [1, 1, 0], [0, 0, 2], [-1, -1, -1],
                           [0, 0, 2]])
    regions = best_response_regions(game)
    assert sorted(regions) == [0, 1, 2, 3]
    assert set(regions[2]) == {(F(1, 2), F(1, 2), F(0)), (F(1, 3), F(1, 3), F(1, 3))}
    ax = plot_simplex(game)
    assert sorted(p.get_label() for p in ax.patches if isinstance(p, Polygon)) == \
        ["a0", "a1", "a3"]
    np.testing.assert_allclose(sorted(map(tuple, line(ax, "a2").get_xydata())),
                               sorted([tuple(xy((F(1, 2), F(1, 2), 0))),
                                       tuple(xy((F(1, 3),) * 3))]))


@pytest.mark.parametrize("game", [guess_or_abstain(), guess_or_abstain().to_rational(),
                                  PersuasionGame([0.2, 0.3, 0.5],
                                                 [[0.3, 1.0, 0.0], [1.0, 0.0, 0.2],
                                                  [0.5, 0.5, 0.5], [0.0, 0.1, 1.2]],
                                                 [[1.0, 0.1, 0.3], [0.2, 0.9, 0.1],
                                                  [0.6, 0.6, 0.55], [0.0, 0.3, 1.1]])])
def test_regions_contain_the_best_response_of_random_beliefs(game):
    regions = best_response_regions(game)
    total = sum(area([xy(p) for p in poly]) for poly in regions.values() if len(poly) >= 3)
    assert total == pytest.approx(TRIANGLE_AREA, abs=1e-9)
    rng = np.random.default_rng(7)
    beliefs = rng.dirichlet(np.ones(3), size=300)
    for b, a in zip(beliefs, game.best_response(beliefs), strict=True):
        path = MplPath(np.array([xy(p) for p in regions[int(a)]]))
        assert path.contains_point(xy(b), radius=1e-9) or path.contains_point(
            xy(b), radius=-1e-9)


# ------------------------------------------------------------ plot_simplex
def test_simplex_plot_regions_prior_and_posteriors():
    game = guess_or_abstain()
    sol = game.solve(exact=True)
    ax = plot_simplex(game, solution=sol)
    polys = {p.get_label(): p for p in ax.patches if isinstance(p, Polygon)}
    assert sorted(polys) == ["w", "x", "y", "z"]
    region_x = polys["x"].get_xy()[:-1]  # a closed Polygon repeats its first vertex
    expected = [xy(p) for p in [(1, 0, 0), (F(2, 3), F(1, 3), 0), (F(2, 3), 0, F(1, 3))]]
    assert sorted(map(tuple, np.round(region_x, 12))) == sorted(
        map(tuple, np.round(expected, 12)))
    assert sum(area(p.get_xy()[:-1]) for p in polys.values()) == pytest.approx(TRIANGLE_AREA)
    pts = scatter(ax, LABEL_POSTERIORS)
    assert len(pts.get_offsets()) == sol.n_signals
    np.testing.assert_allclose(pts.get_offsets(), [xy(s.posterior) for s in sol.signals])
    # prior (1/2, 1/4, 1/4): x = 1/4 + 1/8, y = √3/8
    np.testing.assert_allclose(line(ax, "prior").get_xydata(), [[0.375, SQ3 / 4]])
    assert len(lines(ax, "_to posterior")) == sol.n_signals
    corner_labels = {t.get_text(): t.xy for t in ax.texts if t.get_text() in "ABC"}
    np.testing.assert_allclose(corner_labels["A"][0], 0)
    np.testing.assert_allclose(corner_labels["B"][0], 1)
    np.testing.assert_allclose(corner_labels["C"][0], 0.5)


def test_simplex_plot_hull_of_three_posteriors():
    # the sender wants any guess; the receiver guesses only when certain (a guess
    # ties with abstaining only at a vertex), so full disclosure is the unique optimum
    game = PersuasionGame([F(1, 3)] * 3, [[1, 1, 1], [1, 1, 1], [1, 1, 1], [0, 0, 0]],
                          [[0, -1, -1], [-1, 0, -1], [-1, -1, 0], [0, 0, 0]])
    sol = game.solve(exact=True)
    assert sorted(tuple(s.posterior) for s in sol.signals) == [(0, 0, 1), (0, 1, 0), (1, 0, 0)]
    ax = plot_simplex(game)
    hull = line(ax, "_hull").get_xydata()
    assert hull.shape == (4, 2)
    assert area(hull[:-1]) == pytest.approx(TRIANGLE_AREA)


def test_simplex_draws_into_given_axes_and_renders(tmp_path):
    fig, ax = plt.subplots()
    assert plot_simplex(guess_or_abstain(), ax=ax) is ax
    out = tmp_path / "simplex.png"
    fig.savefig(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


# ------------------------------------------------------------ ceiling curve
def test_ceiling_curve_values_match_exact_solves():
    game = likert_quadratic()
    ax = plot_ceiling_curve(game, n=241)
    V = line(ax, "V(μ0)")
    mu, val = V.get_xdata(), V.get_ydata()
    vhat = [ln for ln in ax.get_lines() if ln.get_color() == "C0" and ln.get_linestyle() == "-"]
    gain = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-."]
    dots = {"v̂": line(ax, "_v̂ at breakpoints"), "gain": line(ax, "_gain at breakpoints")}
    cuts = {F(2 * a - 1, 12) for a in range(1, 7)} | {F(0), F(1)}
    checked_cut = checked_inside = 0
    for k in range(0, 25):
        p = F(k, 24)  # every other k/24 is a breakpoint (2a − 1)/12 or an end
        i = int(np.argmin(np.abs(mu - float(p))))
        assert mu[i] == pytest.approx(float(p), abs=1e-15)
        sol = game.with_prior([1 - p, p]).solve(exact=True)
        assert val[i] == pytest.approx(float(sol.value), abs=1e-9)
        for name, pieces, expected in (("v̂", vhat, sol.no_disclosure_value),
                                       ("gain", gain, sol.gain)):
            if p in cuts:  # the attained value is the filled dot
                j = int(np.flatnonzero(np.abs(dots[name].get_xdata() - float(p)) < 1e-15)[0])
                assert dots[name].get_ydata()[j] == pytest.approx(float(expected), abs=1e-9)
                checked_cut += 1
            else:  # exactly one line passes through it, inside its interval
                hits = [ln.get_ydata()[j] for ln in pieces
                        for j in np.flatnonzero(np.abs(ln.get_xdata() - float(p)) < 1e-15)]
                assert hits == pytest.approx([float(expected)], abs=1e-9)
                checked_inside += 1
    assert checked_cut == 2 * 8 and checked_inside == 2 * 17


def test_ceiling_curve_jumps():
    ax = plot_ceiling_curve(likert_quadratic(), n=101)
    cuts = [(2 * a - 1) / 12 for a in range(1, 7)]
    # v̂ jumps from a to a + 1 at each cut; the gain from V(cut) − a = 1 down to 0
    hollow_v, hollow_g = lines(ax, "_limits not attained")
    np.testing.assert_allclose(hollow_v.get_xydata(), [[c, a] for a, c in enumerate(cuts, 1)])
    np.testing.assert_allclose(hollow_g.get_xydata(), [[c, 1] for c in cuts])
    np.testing.assert_allclose(line(ax, "_gain at breakpoints").get_ydata(), 0, atol=1e-12)
    gain_pieces = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-."]
    assert len(gain_pieces) == 7
    assert max(max(ln.get_ydata()) for ln in gain_pieces) == pytest.approx(1)
    assert min(min(ln.get_ydata()) for ln in gain_pieces) >= -1e-12


def test_ceiling_curve_draws_into_given_axes_and_renders(tmp_path):
    fig, ax = plt.subplots()
    assert plot_ceiling_curve(prosecutor(), ax=ax, n=11) is ax
    out = tmp_path / "ceiling.png"
    fig.savefig(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("n", [1, 0, 2.5, True, "9"])
def test_ceiling_curve_rejects_bad_n(n):
    with pytest.raises(InvalidParameterError, match="n must be an integer"):
        plot_ceiling_curve(prosecutor(), n=n)


# ------------------------------------------------------------ dispatch, errors
def test_plot_game_dispatch_and_methods():
    assert plot_game(prosecutor()).get_xlabel() == "belief μ = P(guilty)"
    assert any(isinstance(p, Polygon) for p in plot_game(guess_or_abstain()).patches)
    sol = prosecutor().solve(exact=True)
    ax = sol.plot()
    np.testing.assert_allclose(scatter(ax, LABEL_POSTERIORS).get_offsets(), [[0, 0], [0.5, 1]])
    _, ax = plt.subplots()
    assert prosecutor().plot(ax=ax, show_regions=False) is ax


def test_wrong_number_of_states():
    four = PersuasionGame([F(1, 4)] * 4, np.zeros((2, 4), int), np.zeros((2, 4), int))
    with pytest.raises(InvalidGameError, match="2 or 3 states; this one has 4"):
        plot_game(four)
    with pytest.raises(InvalidGameError, match="plot_envelope needs a game with 2 states"):
        plot_envelope(guess_or_abstain())
    with pytest.raises(InvalidGameError, match="plot_simplex needs a game with 3 states"):
        plot_simplex(prosecutor())
    with pytest.raises(InvalidGameError, match="needs a game with 2 states"):
        plot_ceiling_curve(four)
    with pytest.raises(InvalidGameError, match="needs a game with 2 states"):
        sender_value_pieces(guess_or_abstain())
    with pytest.raises(InvalidGameError, match="needs a game with 3 states"):
        best_response_regions(prosecutor())
