"""Concavification on every valid game (issue 9, item 2).

One state, one action, ties, zero priors, near-singular regions: the
concave envelope gives the LP's optimum, exactly when exact; the vertex LP
always contains the prior's own no-disclosure splitting; a missed vertex
never yields a wrong certified value (the safety nets are reached here).
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.solvers import concavification as cav
from bayespersuade.solvers.certify import verify_certificate
from bayespersuade.testing import DEGENERACIES, degenerate_games, games

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("method", ["lp", "concavification"])
def test_one_state_game(method, exact):
    g = PersuasionGame([1], [[1], [5], [3]], [[2], [0], [2]])  # BR: 0 or 2; sender: 2
    sol = g.solve(method=method, exact=exact)
    assert sol.value == 3
    assert sol.exact == exact
    assert [s.action for s in sol.signals] == [2]
    if exact:
        assert bool(verify_certificate(g, sol.certificate))
    flt = PersuasionGame([1.0], [[1.0], [5.0], [3.0]], [[2.0], [0.0], [2.0]])
    assert flt.solve(method=method).value == pytest.approx(3.0)
    assert flt.ceilings(np.ones((2, 1))).value.tolist() == [3.0, 3.0]


@SETTINGS
@given(st.integers(1, 6), st.data())
def test_one_state_games_agree(m, data):
    v = [[data.draw(st.integers(-5, 5))] for _ in range(m)]
    u = [[data.draw(st.integers(-2, 2))] for _ in range(m)]
    g = PersuasionGame([1], v, u)
    lp = g.solve(exact=True, lp_method="simplex")  # the LP, not routed
    c = g.solve(method="concavification", exact=True)
    assert lp.exact and c.exact
    assert lp.value == c.value == max(v[a][0] for a in range(m) if u[a][0] == max(u)[0])


def test_one_state_cli(tmp_path):
    path = tmp_path / "one.json"
    PersuasionGame([1], [[1], [2]], [[0], [0]]).save(path)
    for method in ("lp", "concavification"):
        out = subprocess.run([sys.executable, "-m", "bayespersuade", "solve", str(path),
                              "--method", method, "--json", str(tmp_path / f"{method}.json")],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stderr
        assert json.loads((tmp_path / f"{method}.json").read_text())["value"] in ("2", 2, 2.0)


@SETTINGS
@given(games(min_actions=1, max_actions=1, max_states=4))
def test_one_action_games(game):
    c = game.solve(method="concavification", exact=True)
    lp = game.solve(exact=True, lp_method="simplex")  # the LP, not routed
    assert c.exact and lp.exact and c.value == lp.value
    assert c.value == game.no_disclosure_value(exact=True)


@pytest.mark.parametrize("kind", DEGENERACIES)
def test_every_degeneracy_kind_float_and_exact(kind):
    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(degenerate_games(kinds=[kind], max_states=4, max_actions=5))
    def check(game):
        lp = game.solve(exact=True, lp_method="simplex")  # the LP, not routed
        c = game.solve(method="concavification", exact=True)
        assert lp.exact and c.exact, (lp.exact_failure, c.exact_failure)
        assert lp.value == c.value
        for method in ("lp", "concavification"):
            assert abs(game.solve(method=method).value - float(lp.value)) <= 1e-7 * max(
                1.0, float(np.ptp(game.sender_utility)))

    check()


def _near_singular(draw_ints, k: int):
    """A 3 x 3 rational game whose third receiver row is within 10^-k of the
    affine line through the first two (thin regions, near-singular vertices)."""
    r0, r1, w = draw_ints[0:3], draw_ints[3:6], draw_ints[6:9]
    t = F(draw_ints[9], 7)
    eps = F(1, 10 ** k)
    r2 = [r0[i] + t * (r1[i] - r0[i]) + eps * w[i] for i in range(3)]
    return [r0, r1, r2]


@SETTINGS
@given(st.lists(st.integers(-4, 4), min_size=10, max_size=10), st.integers(3, 14),
       st.lists(st.integers(-3, 3), min_size=9, max_size=9),
       st.sampled_from([(F(1, 3), F(1, 3), F(1, 3)), (F(1, 2), F(1, 4), F(1, 4)),
                        (F(1, 10), F(3, 10), F(3, 5)), (F(0), F(1, 2), F(1, 2))]))
def test_near_singular_regions(ints, k, v_flat, prior):
    u = _near_singular(ints, k)
    v = [v_flat[0:3], v_flat[3:6], v_flat[6:9]]
    g = PersuasionGame(list(prior), v, u)
    lp = g.solve(exact=True, lp_method="simplex")  # the LP, not routed
    c = g.solve(method="concavification", exact=True)
    assert lp.exact, lp.exact_failure
    assert c.exact, c.exact_failure
    assert lp.value == c.value
    # float: no exception, and the value (near-ties may be reported)
    flt = PersuasionGame([float(p) for p in prior], v,
                         [[float(x) for x in row] for row in u])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        val = flt.solve(method="concavification").value
    assert np.isfinite(val)


def test_vertex_lp_contains_the_prior(monkeypatch):
    # even with no vertex at all, the float vertex LP is feasible: no disclosure
    g = PersuasionGame([0.7, 0.2, 0.1], [[0, 0, 0], [1, 1, 1]],
                       [[1, 0, 0], [0, 1, 1]])
    monkeypatch.setattr(cav, "best_response_vertices", lambda game, **kw: [])
    res = cav.concavify(g)
    assert res.value == pytest.approx(g.no_disclosure_value())
    assert res.posteriors == (tuple(g.prior),)


# ----------------------------------------------------------- safety nets

GAME3 = PersuasionGame([F(1, 2), F(1, 4), F(1, 4)], [[0, 0, 0], [1, 1, 1], [2, 0, 3]],
                       [[3, 0, 0], [0, 2, 1], [1, 1, 2]])


def _drop_best_vertex(real):
    """A vertex enumeration that misses the vertex the optimum uses (non-exhaustive)."""
    target = GAME3.solve(exact=True)
    used = {tuple(s.posterior) for s in target.signals}

    def fake(game, *, exact=None, exhaustive=False):
        pts = real(game, exact=exact, exhaustive=exhaustive)
        return pts if exhaustive else [p for p in pts if tuple(p) not in used]

    return fake


def test_missed_vertex_is_recovered_by_the_exhaustive_enumeration(monkeypatch):
    real = cav.best_response_vertices
    monkeypatch.setattr(cav, "best_response_vertices", _drop_best_vertex(real))
    res = cav.concavify(GAME3, exact=True)
    assert res.exact
    assert res.value == GAME3.solve(exact=True).value
    assert bool(verify_certificate(GAME3, res.certificate))


def test_missed_vertex_never_gives_a_wrong_certified_value(monkeypatch):
    real = cav.best_response_vertices
    fake = _drop_best_vertex(real)
    # the exhaustive enumeration misses it too
    monkeypatch.setattr(cav, "best_response_vertices",
                        lambda game, *, exact=None, exhaustive=False: fake(game, exact=exact))
    true_value = GAME3.solve(exact=True).value
    res = cav.concavify(GAME3, exact=True)
    assert not res.exact and res.certificate is None
    assert "certif" in res.exact_failure or "multipliers" in res.exact_failure
    assert res.value < true_value  # an inner approximation, and reported as not exact
    sol = GAME3.solve(method="concavification", exact=True)
    assert not sol.exact and sol.exact_failure


def test_lp_certificate_rejects_a_hyperplane_below_a_region():
    res = cav.concavify(GAME3, exact=True)
    low = tuple(p - F(1, 10**30) for p in res.prices)
    cert, reason = cav._lp_certificate(GAME3, res.weights, res.posteriors, res.actions, low)
    assert cert is None and reason


def test_exact_enumeration_finds_the_same_vertices_as_the_float_filter(monkeypatch):
    monkeypatch.setattr(cav, "EXACT_ENUMERATION_SUBSETS", 0)  # the float-filtered path
    for seed in range(20):
        rng = np.random.default_rng(seed)
        u = rng.integers(-3, 4, size=(4, 3)).tolist()
        g = PersuasionGame([F(1, 3)] * 3, [[0] * 3] * 4, u)
        quick = set(cav.best_response_vertices(g, exact=True))
        full = set(cav.best_response_vertices(g, exact=True, exhaustive=True))
        assert quick == full
