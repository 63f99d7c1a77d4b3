# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Testing your own theory with hypothesis strategies
#
# A proposition about persuasion games ("no scheme beats the ceiling", "a
# state-independent message gains nothing") can be checked on thousands of
# games before you try to prove it, and a false one usually fails on a small
# game you can read. `bayespersuade.testing` provides
# [Hypothesis](https://hypothesis.readthedocs.io) strategies that draw valid
# random games, priors, beliefs and signaling schemes, plus deliberately
# degenerate games where ties make solvers and proofs go wrong.
#
# Everything is checked in **exact** rational arithmetic: the strategies
# draw integer utilities and rational priors by default, and the library's
# exact solver returns certified `Fraction`s, so an assertion failing is a
# counterexample, never a rounding error.
#
# **Reproducibility.** Each check below runs with `derandomize=True` (the
# examples are a fixed function of the test) and `database=None` (no
# examples saved between runs), so this notebook prints the same results
# every time. Drop `derandomize=True` in your own test suite to explore new
# examples on every run.

# %%
import time
from fractions import Fraction

from hypothesis import find, given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.testing import (
    DEGENERACIES,
    degenerate_games,
    games,
    priors,
    schemes,
    two_state_games,
)

CHECK = settings(max_examples=100, derandomize=True, database=None, deadline=None)


def run(test):
    """Run a @given test and report how long it took."""
    t0 = time.perf_counter()
    test()
    print(f"{test.__name__}: passed ({time.perf_counter() - t0:.1f} s)")


# %% [markdown]
# ## What the strategies draw
#
# `games()` draws a whole game (by default 2 to 4 states, 1 to 5 actions,
# integer utilities in `[-5, 5]`, a rational prior); `priors(n)`, `beliefs(n)`
# and `schemes(n_states, n_signals)` draw the pieces. Hypothesis shrinks
# towards simple values, so `find(strategy, condition)` returns the simplest
# value it can find that satisfies a condition. That is a handy way to look at
# what a strategy produces:

# %%
simple = settings(database=None, derandomize=True, deadline=None)
game = find(games(min_states=3, max_states=3, min_actions=3),
            lambda g: g.solve(exact=True).gain > 0, settings=simple)
prior, v, u = game.exact_data()
print(game, "with a positive ceiling:")
print("  prior", [str(p) for p in prior])
print("  v", [[str(x) for x in r] for r in v])
print("  u", [[str(x) for x in r] for r in u])
print("  ceiling", game.solve(exact=True).gain)
print("a prior with no zeros:",
      [str(p) for p in find(priors(3, allow_zeros=False), lambda p: True, settings=simple)])
pi = find(schemes(2, 3, allow_zeros=False), lambda s: s[0] != s[1], settings=simple)
print("an informative 2x3 scheme:", [[str(x) for x in row] for row in pi])

# %% [markdown]
# During a test Hypothesis draws far more varied games than these simplest
# ones, and when a test fails it shrinks the failing game the same way.
#
# ## Proposition 1: no scheme beats the optimum
#
# For every game and every signaling scheme `π`, the value the sender gets
# against a Bayesian receiver is at most `V(μ0)`; the ceiling is an upper
# bound on the gain of *every* scheme. We draw a game, then a scheme with as
# many rows as the game has states and up to four signals, and compare
# exactly.

# %%
@CHECK
@given(st.data())
def test_no_scheme_beats_the_optimum(data):
    game = data.draw(games(max_states=3, max_actions=4), label="game")
    k = data.draw(st.integers(1, 4), label="n_signals")
    pi = data.draw(schemes(game.n_states, k), label="scheme")
    achieved = game.evaluate_scheme(pi)
    optimum = game.solve(exact=True)
    assert achieved.value <= optimum.value
    assert achieved.gain <= optimum.gain


run(test_no_scheme_beats_the_optimum)

# %% [markdown]
# ## Proposition 2: a message that ignores the state gains nothing
#
# The senders of Cheng & You (2025) always argue *for* the claim, whatever the
# truth. A scheme whose signal distribution is the same in every state carries
# no information: every posterior equals the prior, so a Bayesian receiver's
# action and the sender's value do not change. In code: a scheme whose rows are
# all equal has gain exactly zero and a Bayes-plausibility error of zero.
# (Receivers that *do* move after such messages are not Bayesian; see notebook
# 3.)

# %%
@CHECK
@given(st.data())
def test_state_independent_messages_gain_nothing(data):
    game = data.draw(games(max_states=4, max_actions=5), label="game")
    k = data.draw(st.integers(1, 5), label="n_signals")
    row = data.draw(schemes(1, k), label="row")[0]
    ev = game.evaluate_scheme([row] * game.n_states)
    assert ev.gain == 0
    assert ev.bayes_plausibility_error == 0


run(test_state_independent_messages_gain_nothing)

# %% [markdown]
# ## Proposition 3: the receiver is never hurt by the optimal scheme
#
# The sender chooses the information, but the receiver still best-responds to
# what it learns, so its expected utility under the sender-optimal scheme is at
# least what it gets acting on the prior alone. We compute the receiver's
# expected utility from the optimal signals exactly.

# %%
def receiver_value(game, signals):
    _, _, u = game.exact_data()
    return sum((p * sum(m * u[a][w] for w, m in enumerate(post)) for p, post, a in signals),
               Fraction(0))


@CHECK
@given(games(max_states=4, max_actions=5))
def test_receiver_not_hurt(game):
    prior, _, u = game.exact_data()
    no_information = max(sum(p * x for p, x in zip(prior, row, strict=True)) for row in u)
    assert receiver_value(game, game.solve(exact=True).signals) >= no_information


run(test_receiver_not_hurt)

# %% [markdown]
# ## A false conjecture, and the counterexample Hypothesis finds
#
# Conjecture: *"If the sender prefers full disclosure to saying nothing, then
# full disclosure is optimal."* It sounds plausible and is false. `find`
# searches for a game satisfying a condition (here: the conjecture's
# hypothesis holds and its conclusion fails) and **shrinks** it to the
# simplest one it can.

# %%
def refutes(game):
    full = game.full_disclosure_value(exact=True)
    none = game.no_disclosure_value(exact=True)
    return full > none and game.solve(exact=True).value > full


t0 = time.perf_counter()
counterexample = find(two_state_games(max_actions=4), refutes,
                      settings=settings(max_examples=500, derandomize=True, database=None,
                                        deadline=None))
print(f"found and shrunk in {time.perf_counter() - t0:.1f} s")
prior, v, u = counterexample.exact_data()
print("prior:", [str(p) for p in prior])
print("sender utility v (rows: actions):", [[str(x) for x in r] for r in v])
print("receiver utility u:              ", [[str(x) for x in r] for r in u])
sol = counterexample.solve(exact=True)
print(sol.summary())
print("receiver's expected utility of each action at each optimal posterior:")
for sig in sol.signals:
    utilities = [sum(m * x for m, x in zip(sig.posterior, row, strict=True)) for row in u]
    print(f"  posterior {[str(m) for m in sig.posterior]}: "
          f"{dict(zip(counterexample.actions, map(str, utilities), strict=True))} "
          f"-> plays {sig.action_label}")
assert refutes(counterexample)

# %% [markdown]
# The game Hypothesis returns is typically the prosecutor game in disguise
# (with the Hypothesis version used when this notebook was written: the sender
# prefers `a0` in both states, and the receiver switches to `a1` when `P(s1)`
# exceeds `1/3`). Look at the posteriors above: after the signal that gets the
# sender its preferred action, the receiver is exactly **indifferent**, and the
# tie goes to the sender. Full disclosure sends the receiver to certainty and
# wastes that slack; the optimal scheme pools just enough of the unfavourable
# state with the favourable one to reach the indifference point. (Another
# Hypothesis version may shrink to a different, equally small game; the
# `assert` checks only that it refutes the conjecture.)
#
# ## Degenerate games: where ties break things
#
# Random games almost never have exact ties, but persuasion optima live on
# ties. `degenerate_games()` builds games with one deliberate degeneracy each
# (recorded in `game.metadata["degeneracy"]`):

# %%
print(DEGENERACIES)

# %% [markdown]
# A property worth checking on them: the two independent methods, the
# revelation-principle LP and concavification, return the same **exact**
# value, and both certificates verify.

# %%
@CHECK
@given(degenerate_games(max_states=3, max_actions=4))
def test_lp_and_concavification_agree_on_degenerate_games(game):
    lp = game.solve(exact=True)
    cav = game.solve(method="concavification", exact=True)
    assert lp.exact
    assert cav.exact
    assert lp.value == cav.value
    assert lp.verify()
    assert cav.verify()


run(test_lp_and_concavification_agree_on_degenerate_games)

# %% [markdown]
# ## Using the strategies in your own test suite
#
# Put the same functions in a `test_*.py` file and run `pytest`; drop
# `derandomize=True` there so every run explores new games, and keep
# `deadline=None` because an exact solve can take longer than Hypothesis'
# default 200 ms deadline on its first call. For example:
#
# ```python
# from hypothesis import given, settings
# from bayespersuade.testing import games
#
# @settings(max_examples=500, deadline=None)
# @given(games(max_states=3))
# def test_ceiling_is_non_negative(game):
#     assert game.solve(exact=True).gain >= 0
# ```
#
# The strategies need the `testing` extra: `pip install 'bayespersuade[testing]'`.
# A last sanity check that the example above holds here:

# %%
@CHECK
@given(games(max_states=3))
def test_ceiling_is_non_negative(game):
    assert game.solve(exact=True).gain >= 0


run(test_ceiling_is_non_negative)
assert isinstance(counterexample, PersuasionGame)
