"""Shortcuts of the small-game float path decide as the code they stand in for.

Each shortcut answers a question more cheaply than the general code and must
give the same answer wherever it answers at all:

* ``evaluate._clearly_independent`` (a Gram-determinant bound) claims
  independence only where the SVD rank test of ``_nullspace_float`` finds no
  null vector, so ``reduce_splitting`` returns the same splitting with or
  without it;
* the vectorised float ``splitting_to_scheme`` equals the per-state loop
  (kept for exact data) bit for bit, zero-prior states included;
* ``conditioning.normalise`` equals the shift-then-scale it replaces bit for
  bit, and rejects the same inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bayespersuade.exceptions import InvalidGameError
from bayespersuade.solvers import evaluate
from bayespersuade.solvers.conditioning import normalise

PROPS = settings(max_examples=300, deadline=None, derandomize=True)


@st.composite
def beliefs(draw, max_k: int = 12, max_n: int = 12):
    """k beliefs over n states, some repeated, some mixtures of others, some nearly so."""
    n = draw(st.integers(1, max_n))
    k = draw(st.integers(1, min(max_k, n + 2)))
    rows = []
    for _ in range(k):
        kind = draw(st.sampled_from(["random", "sparse", "copy", "mix", "near"]))
        if kind == "random" or not rows:
            x = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
        elif kind == "sparse":
            x = np.zeros(n)
            x[draw(st.integers(0, n - 1))] = 1.0
        elif kind == "copy":
            x = rows[draw(st.integers(0, len(rows) - 1))].copy()
        else:
            a = rows[draw(st.integers(0, len(rows) - 1))]
            b = rows[draw(st.integers(0, len(rows) - 1))]
            t = draw(st.floats(0, 1))
            x = t * a + (1 - t) * b
            if kind == "near":
                x = x + draw(st.sampled_from([1e-4, 1e-7, 1e-10, 1e-13])) * np.eye(n)[
                    draw(st.integers(0, n - 1))]
        if x.sum() <= 0:
            x = np.full(n, 1.0)
        rows.append(x / x.sum())
    return np.array(rows)


@PROPS
@given(beliefs())
def test_clear_independence_implies_a_full_rank_svd(P):
    clear = evaluate._clearly_independent(P)
    event(f"clearly independent: {clear}")
    if clear:
        assert evaluate._nullspace_float(P.T, 1e-10) is None


@PROPS
@given(st.integers(0, 2**32 - 1), st.integers(2, 10), st.integers(0, 3),
       st.integers(1, 16))
def test_clear_independence_near_dependence(seed, k, extra, e):
    # k random beliefs over k + extra states, the last one moved off a mixture of
    # the others by 10^-e: independent, but by a margin from 0.1 down to 1e-16
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(k + extra, 0.5), size=k)
    P[-1] = rng.dirichlet(np.ones(k - 1)) @ P[:-1] + 10.0 ** -e * rng.dirichlet(
        np.ones(k + extra))
    P[-1] /= P[-1].sum()
    clear = evaluate._clearly_independent(P)
    event(f"clearly independent: {clear}")
    if clear:
        assert evaluate._nullspace_float(P.T, 1e-10) is None


@PROPS
@given(beliefs(), st.randoms(use_true_random=False))
def test_reduce_splitting_is_unchanged_by_the_shortcut(P, rnd):
    k = P.shape[0]
    w = np.array([rnd.random() + 1e-3 for _ in range(k)])
    w /= w.sum()
    vals = np.array([rnd.random() for _ in range(k)])
    fast = evaluate.reduce_splitting(w, P, vals)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluate, "_clearly_independent", lambda P: False)
        slow = evaluate.reduce_splitting(w, P, vals)
    for a, b in zip(fast, slow, strict=True):
        assert a.tobytes() == b.tobytes() and a.shape == b.shape


def test_clear_independence_on_known_cases():
    assert evaluate._clearly_independent(np.eye(3))
    assert not evaluate._clearly_independent(np.array([[1.0, 0.0], [1.0, 0.0]]))
    assert not evaluate._clearly_independent(np.eye(3)[:1])  # one row: nothing to decide
    tall = np.vstack((np.eye(3), [[1 / 3, 1 / 3, 1 / 3]]))
    assert not evaluate._clearly_independent(tall)  # four beliefs over three states
    assert not evaluate._clearly_independent(np.eye(3).astype(object))


def _scheme_by_loop(prior, weights, posteriors):
    out = np.empty((prior.shape[0], weights.shape[0]))
    for w in range(prior.shape[0]):
        out[w] = weights if prior[w] == 0 else weights * posteriors[:, w] / prior[w]
    return out


@PROPS
@given(beliefs(), st.randoms(use_true_random=False), st.booleans())
def test_vectorised_scheme_equals_the_loop(P, rnd, zero_state):
    k = P.shape[0]
    w = np.array([rnd.random() + 1e-3 for _ in range(k)])
    w /= w.sum()
    if zero_state:  # a state no posterior puts mass on
        P = P.copy()
        P[:, 0] = 0.0
        P = P / np.where(P.sum(axis=1, keepdims=True) > 0, P.sum(axis=1, keepdims=True), 1)
    prior = w @ P
    got = evaluate.splitting_to_scheme(prior, w, P)
    want = _scheme_by_loop(prior, w, P)
    assert got.tobytes() == want.tobytes() and got.flags.c_contiguous


def _normalise_by_shift(v, u):
    v_shift = float(v.min())
    v0 = v - v_shift
    v_scale = float(v0.max())
    u0 = u - u.min(axis=0)
    u_scale = float(u0.max())
    return (v0 / v_scale if v_scale > 0 else np.zeros_like(v0),
            u0 / u_scale if u_scale > 0 else np.zeros_like(u0), v_shift, v_scale, u_scale)


utilities = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                       elements=st.one_of(st.floats(-1e300, 1e300),
                                          st.integers(-3, 3).map(float),
                                          st.floats(-1e-300, 1e-300)))


@PROPS
@given(utilities, st.data())
def test_normalise_equals_shift_then_scale(v, data):
    u = data.draw(hnp.arrays(np.float64, v.shape, elements=st.one_of(
        st.floats(-1e300, 1e300), st.integers(-3, 3).map(float))))
    with np.errstate(over="ignore", invalid="ignore"):
        ref = _normalise_by_shift(v, u)
    if not (np.isfinite(ref[3]) and np.isfinite(ref[4])):
        with pytest.raises(InvalidGameError, match="overflows"):
            normalise(v, u)
        return
    v_n, u_n, sc = normalise(v, u)
    assert v_n.tobytes() == ref[0].tobytes() and u_n.tobytes() == ref[1].tobytes()
    assert sc.v_shift == ref[2] and sc.v_scale == (ref[3] or 1.0)
    assert sc.u_scale == (ref[4] or 1.0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_normalise_rejects_non_finite_entries(bad):
    v = np.array([[0.0, 1.0], [2.0, 3.0]])
    for sender in (True, False):
        a, b = v.copy(), v.copy()
        (a if sender else b)[1, 0] = bad
        with pytest.raises(InvalidGameError, match="finite"):
            normalise(a, b)


_PIN_SCRIPT = r"""
import numpy as np
from highspy import _core
from bayespersuade import PersuasionGame
from bayespersuade.solvers import lp, small

game = PersuasionGame([0.2, 0.3, 0.5], [[0, 1, 2], [1, 0, 0], [3, 0, 1]],
                      [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
first = game.solve()
pinned = lp._THREADS
h = small._highs()
assert h.getOptionValue("threads")[1] == pinned, (pinned, h.getOptionValue("threads"))
# another part of the process re-creates the scheduler with another thread count
h.resetGlobalScheduler(True)
other = _core._Highs()
other.setOptionValue("output_flag", False)
other.setOptionValue("threads", pinned + 1)
assert lp._run_trivial(other)
again = game.solve()
assert lp._THREADS == 0 and small._highs().getOptionValue("threads")[1] == 0
for a, b in ((first, again),):
    assert a.value == b.value and a.scheme.tobytes() == b.scheme.tobytes()
    assert a.prices.tobytes() == b.prices.tobytes() and a.multipliers == b.multipliers
print("pinned", pinned)
"""


_PIN_GENERAL_SCRIPT = r"""
from fractions import Fraction

import numpy as np
from highspy import _core
from bayespersuade import PersuasionGame
from bayespersuade.solvers import lp, small

rng = np.random.default_rng(3)
big = PersuasionGame([Fraction(k, 465) for k in range(1, 31)],  # row and column generation
                     rng.integers(0, 10, (30, 30)).tolist(), rng.integers(0, 10, (30, 30)).tolist())
tiny = PersuasionGame([Fraction(1, 5), Fraction(3, 10), Fraction(1, 2)], [[0, 1, 2], [1, 0, 0], [3, 0, 1]],
                      [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
kinds = [dict(), dict(exact=True), dict(lp_method="simplex"), dict(lp_method="ipm")]
first = [g.solve(**kw) for g in (big, tiny) for kw in kinds]
pinned = lp._THREADS
assert pinned and lp._new_highs().getOptionValue("threads")[1] == pinned
# another part of the process re-creates the scheduler with another thread count
small._highs().resetGlobalScheduler(True)
other = _core._Highs()
other.setOptionValue("output_flag", False)
other.setOptionValue("threads", pinned + 1)
assert lp._run_trivial(other)
again = [g.solve(**kw) for g in (big, tiny) for kw in kinds]
assert lp._THREADS == 0 and lp._new_highs().getOptionValue("threads")[1] == 0
for a, b in zip(first, again, strict=True):
    assert a.value == b.value and a.scheme.tolist() == b.scheme.tolist()  # exact: Fractions
    assert a.certificate == b.certificate and a.algorithm == b.algorithm
print("pinned", pinned)
"""


@pytest.mark.parametrize("script", [_PIN_SCRIPT, _PIN_GENERAL_SCRIPT],
                         ids=["small path", "general path"])
def test_pinned_thread_count_falls_back_to_the_default(script):
    # a subprocess: the scheduler is process-wide state
    import os
    import signal
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, env=env,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split()[-1]) >= 1  # a count was found on this machine
