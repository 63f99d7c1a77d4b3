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
# # 4. Testing your own theory with hypothesis
#
# A proposition about persuasion games ("the sender never loses by…", "the optimal
# scheme has at most…") can be checked on thousands of games before it is proved, and a
# false one is refuted with a small counterexample.  `bayespersuade.testing` provides
# [hypothesis](https://hypothesis.readthedocs.io) strategies that draw random, valid
# persuasion games, priors, beliefs and schemes, and games built to be degenerate.
# With rational games every check below is exact: no tolerance hides a violation.
#
# Hypothesis is seeded here (`derandomize=True`), so the notebook draws the same games
# every time it runs; in your own test suite you would normally let it explore.

# %%
import sys
import time
from collections import Counter

import pandas as pd
from hypothesis import find, given, settings
from hypothesis import strategies as st

from bayespersuade import PersuasionGame
from bayespersuade.testing import degenerate_games, games, priors, two_state_games

SEEDED = settings(database=None, deadline=None, derandomize=True)
print("python", sys.version.split()[0])


def check(test, label):
    """Run a hypothesis test function and report how many games it checked."""
    t0 = time.perf_counter()
    test()
    print(f"{label}: held on {test.n_checked} generated games ({time.perf_counter() - t0:.1f} s)")


# %% [markdown]
# ## A first proposition
#
# **Proposition 1** (Kamenica & Gentzkow 2011, and Carathéodory).  In every finite game,
# the optimal value `V(μ0)` is at least the value of revealing nothing, `v̂(μ0)`, and at
# least the value of revealing everything; and some optimal scheme uses at most
# `min(|A|, |Ω|)` signals.
#
# `games()` draws games with 2–4 states, 1–4 actions and integer utilities in [−5, 5];
# `solve(exact=True)` returns certified `Fraction` values, so the comparisons are exact.

# %%
@settings(SEEDED, max_examples=100)
@given(games(max_states=4, max_actions=4))
def test_value_bounds(game):
    sol = game.solve(exact=True)
    assert sol.exact
    assert sol.value >= game.no_disclosure_value(exact=True)
    assert sol.value >= game.full_disclosure_value(exact=True)
    assert sol.n_signals <= min(game.n_states, game.n_actions)
    test_value_bounds.n_checked += 1


test_value_bounds.n_checked = 0
check(test_value_bounds, "Proposition 1")

# %% [markdown]
# ## Two methods, one answer
#
# **Proposition 2.**  The revelation-principle LP and the concave envelope of `v̂` give
# the same value (both equal `cav v̂ (μ0)`).  The library computes them independently,
# so this is a test of the code as much as of the theory.

# %%
@settings(SEEDED, max_examples=100)
@given(games(max_states=3, max_actions=4))
def test_lp_equals_concavification(game):
    lp = game.solve(method="lp", exact=True)
    cav = game.solve(method="concavification", exact=True)
    assert lp.value == cav.value
    test_lp_equals_concavification.n_checked += 1


test_lp_equals_concavification.n_checked = 0
check(test_lp_equals_concavification, "Proposition 2")

# %% [markdown]
# ## Combining strategies: concavity of the value in the prior
#
# **Proposition 3.**  `V` is concave in the prior: for priors `μ, μ'` and
# `λ ∈ [0, 1]`, `V(λμ + (1 − λ)μ') ≥ λ V(μ) + (1 − λ) V(μ')`.  (Any mixture of an
# optimal splitting of `μ` and one of `μ'` is a splitting of the mixed prior.)
#
# Strategies compose: the test draws a game, two priors of the right length, and a
# rational `λ`, all from one seed.

# %%
@st.composite
def game_and_two_priors(draw):
    game = draw(games(max_states=3, max_actions=4))
    n = game.n_states
    mu, nu = draw(priors(n)), draw(priors(n))
    lam = draw(st.fractions(min_value=0, max_value=1, max_denominator=12))
    return game, mu, nu, lam


@settings(SEEDED, max_examples=80)
@given(game_and_two_priors())
def test_value_is_concave(args):
    game, mu, nu, lam = args
    mixed = [lam * a + (1 - lam) * b for a, b in zip(mu, nu, strict=True)]

    def value(prior):
        return game.with_prior(prior).solve(exact=True).value

    assert value(mixed) >= lam * value(mu) + (1 - lam) * value(nu)
    test_value_is_concave.n_checked += 1


test_value_is_concave.n_checked = 0
check(test_value_is_concave, "Proposition 3")

# %% [markdown]
# ## A proposition with a hypothesis of its own
#
# **Proposition 4.**  If the sender's utility equals the receiver's (`v = u`), revealing
# everything is optimal: `V(μ0)` equals the full-disclosure value.  (The receiver's
# expected utility is convex in its belief, so `v̂ = max_a u_a·μ` is convex and the
# envelope at `μ0` is the chord through the vertices.)
#
# The strategy draws any game; the test builds the aligned game from its receiver
# utility.

# %%
@settings(SEEDED, max_examples=100)
@given(games(max_states=4, max_actions=4))
def test_aligned_interests_reveal_everything(game):
    prior, _, u = game.exact_data()
    aligned = PersuasionGame(prior, u, u)
    assert aligned.solve(exact=True).value == aligned.full_disclosure_value(exact=True)
    test_aligned_interests_reveal_everything.n_checked += 1


test_aligned_interests_reveal_everything.n_checked = 0
check(test_aligned_interests_reveal_everything, "Proposition 4")

# %% [markdown]
# ## Refuting a false conjecture
#
# **Conjecture (false).**  "Revealing the state never hurts the sender":
# full disclosure is worth at least no disclosure.
#
# `hypothesis.find` searches for a game where the conjecture fails and then *shrinks*
# it to a simple one.

# %%
def refutes(game):
    return game.full_disclosure_value(exact=True) < game.no_disclosure_value(exact=True)


t0 = time.perf_counter()
counterexample = find(two_state_games(max_actions=2), refutes, settings=SEEDED)
print(f"found and shrunk in {time.perf_counter() - t0:.1f} s")
prior, v, u = counterexample.exact_data()
print("prior:", [str(p) for p in prior])
pd.DataFrame({"u(a, s0)": u[:, 0], "u(a, s1)": u[:, 1], "v(a, s0)": v[:, 0],
              "v(a, s1)": v[:, 1]}, index=list(counterexample.actions)).map(str)

# %%
nd = counterexample.no_disclosure_value(exact=True)
fd = counterexample.full_disclosure_value(exact=True)
print("no disclosure  :", nd)
print("full disclosure:", fd)
assert fd < nd

# %% [markdown]
# Reading the counterexample: at the prior the receiver is indifferent between its two
# actions, and the tie is broken in the sender's favour, so it plays the action the
# sender likes.  Once the state is revealed, in one state the receiver strictly prefers
# the action the sender dislikes.  Information can only help a sender when it moves the
# receiver in the sender's direction, which is why the value is a *concave envelope*
# and not simply "more is better".

# %% [markdown]
# ## Degenerate games
#
# Ties, duplicate or dominated actions, priors on a face of the simplex and indifferent
# receivers are where solvers and tie-breaking rules go wrong.  `degenerate_games()`
# builds games with one deliberate degeneracy each (recorded in `game.metadata`).
# The exact certificate and the agreement of the two methods must survive all of them:

# %%
kinds = Counter()


@settings(SEEDED, max_examples=150)
@given(degenerate_games())
def test_certificates_survive_degeneracy(game):
    sol = game.solve(exact=True)
    assert sol.exact
    assert sol.verify().ok
    assert game.solve(method="concavification", exact=True).value == sol.value
    kinds[game.metadata["degeneracy"]] += 1
    test_certificates_survive_degeneracy.n_checked += 1


test_certificates_survive_degeneracy.n_checked = 0
check(test_certificates_survive_degeneracy, "certificates on degenerate games")
pd.Series(kinds, name="games checked").sort_index().to_frame()

# %% [markdown]
# ## In your own test suite
#
# The same tests run under pytest unchanged: put them in a `test_*.py` file, drop the
# `n_checked` bookkeeping and the `derandomize=True` seeding if you want hypothesis to
# explore new games on every run, and keep `deadline=None` (exact solves of larger games
# can take longer than hypothesis' default 200 ms deadline):
#
# ```python
# from hypothesis import given, settings
# from bayespersuade.testing import games
#
# @settings(max_examples=200, deadline=None)
# @given(games(max_states=4, max_actions=4))
# def test_value_at_least_no_disclosure(game):
#     assert game.solve(exact=True).value >= game.no_disclosure_value(exact=True)
# ```
#
# `games(rational=False)` draws float games to test floating-point code; `beliefs(n)`
# and `schemes(n_states, n_signals)` draw posteriors and signaling schemes.  The
# documentation's *Test a proposition with hypothesis strategies* guide lists the
# options.
