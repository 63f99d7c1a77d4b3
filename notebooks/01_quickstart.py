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
# # 1. Quickstart: the prosecutor, solved exactly
#
# The prosecutor example of Kamenica & Gentzkow (2011) is the smallest game in which
# persuasion pays.  A defendant is innocent or guilty; the judge (the *receiver*)
# convicts when she believes guilt at least as likely as innocence, and acquits
# otherwise; the prosecutor (the *sender*) wants a conviction whatever the truth.
# Before seeing any evidence, the prosecutor commits to an investigation: a rule saying
# which report is issued in each state.  The judge knows the rule, sees the report, and
# updates by Bayes' rule.
#
# This notebook builds the game, solves it twice (by the revelation-principle linear
# program and by concavification), draws the concave envelope, and checks the exact
# certificate that proves the value.  Every number below is computed here.

# %%
import sys
from fractions import Fraction

import matplotlib

if "ipykernel" not in sys.modules:  # run as a plain script: draw off-screen
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import bayespersuade
from bayespersuade import PersuasionGame

print("bayespersuade", bayespersuade.__version__)

# %% [markdown]
# ## The game
#
# Two states, `innocent` and `guilty`, with prior P(guilty) = 3/10.  Two actions,
# `acquit` and `convict`.  Utilities are matrices with **one row per action and one
# column per state**.  The judge gets 1 for a correct decision; the prosecutor gets 1
# for a conviction.  Entries given as integers or `Fraction`s keep the game *rational*,
# which exact solving needs.

# %%
game = PersuasionGame(
    prior=[Fraction(7, 10), Fraction(3, 10)],
    sender_utility=[[0, 0],      # acquit
                    [1, 1]],     # convict
    receiver_utility=[[1, 0],    # acquit is right when innocent
                      [0, 1]],   # convict is right when guilty
    states=["innocent", "guilty"],
    actions=["acquit", "convict"],
    name="prosecutor",
)
game, game.is_rational

# %% [markdown]
# ## Without persuasion
#
# With no information the judge acts on the prior: guilt has probability 3/10 < 1/2,
# so she acquits and the prosecutor gets `v̂(μ0) = 0`.  If the prosecutor revealed the
# state, the judge would convict exactly the guilty: the prosecutor would get
# P(guilty) = 3/10.  Both values are exact fractions.

# %%
nd = game.no_disclosure_value(exact=True)
fd = game.full_disclosure_value(exact=True)
print("judge's action at the prior:", game.actions[game.best_response(game.exact_data()[0])])
print("no disclosure   v̂(μ0) =", nd)
print("full disclosure       =", fd)

# %% [markdown]
# ## The optimal scheme by linear programming
#
# `game.solve()` solves the revelation-principle LP (Dughmi & Xu 2016) with HiGHS in
# floating point.  Its signals are action recommendations the judge is willing to obey.

# %%
sol_float = game.solve()
print(sol_float.summary())

# %% [markdown]
# The same LP with `exact=True`: the optimal basis HiGHS found is re-solved in rational
# arithmetic and the result is returned only if an exact certificate proves it (see
# below).  The value is the fraction 3/5, not a float close to 0.6.

# %%
sol = game.solve(exact=True)
print(sol.summary())
assert sol.exact
assert sol.value == Fraction(3, 5)
assert abs(sol_float.value - float(sol.value)) < 1e-9

# %% [markdown]
# **Reading the scheme.**  With probability 2/5 the report says "acquit"; the judge
# then knows the defendant is innocent (posterior (1, 0)).  With probability 3/5 it
# says "convict"; the judge's posterior is exactly (1/2, 1/2), where she is indifferent
# and, by the convention of Kamenica & Gentzkow, breaks the tie for the prosecutor.
# The prosecutor's expected utility is the probability of a conviction, 3/5; the
# persuasion **gain** over no disclosure is 3/5 − 0 = 3/5.
#
# The posteriors average back to the prior, as Bayes' rule requires of any scheme
# (*Bayes plausibility*):

# %%
mean_posterior = sum((s.probability * s.posterior for s in sol.signals),
                     np.array([Fraction(0), Fraction(0)], dtype=object))
print("Σ P(s)·μ_s =", list(mean_posterior), " prior =", list(game.exact_data()[0]))
assert list(mean_posterior) == list(game.exact_data()[0])

# %% [markdown]
# The scheme as a matrix `π(s | ω)` (rows: states; columns: the two signals).  An
# innocent defendant gets the "convict" report with probability 3/7, a guilty one
# always:

# %%
print(sol.scheme)

# %% [markdown]
# ## The same optimum by concavification
#
# Kamenica & Gentzkow show that the optimal value is the concave envelope of
# `v̂(μ)`, the prosecutor's value of the judge's best response to the belief `μ`,
# evaluated at the prior.  With two states the belief is one number, μ = P(guilty),
# and the envelope is computed exactly from the points where the judge's best response
# changes.  This method does not use the LP, so agreement is a check.

# %%
sol_cav = game.solve(method="concavification", exact=True)
print(sol_cav.summary())
assert sol_cav.value == sol.value
assert [list(s.posterior) for s in sol_cav.signals] == [list(s.posterior) for s in sol.signals]

env = game.envelope()
print("envelope breakpoints μ:", [str(x) for x in env.breakpoints])
print("envelope values       :", [str(y) for y in env.values])
print("cav v̂ at the prior 3/10:", env(Fraction(3, 10)))

# %% [markdown]
# The envelope rises linearly from (0, 0) to (1/2, 1) and stays at 1: V(μ) = min(2μ, 1).
# At μ0 = 3/10 that is 3/5, the LP's value.

# %% [markdown]
# ## The envelope plot
#
# `sol.plot()` draws `v̂` (a step function: 0 while the judge acquits, 1 from μ = 1/2
# on), its concave envelope `V = cav v̂`, the prior, and the optimal splitting of the
# prior into the two posteriors 0 and 1/2.

# %%
ax = sol.plot()
ax.figure.tight_layout()
plt.show()

# %% [markdown]
# ## Why 3/5 is exact: the certificate
#
# The exact value comes with a certificate: the primal scheme `x(ω, a)` and, for the
# dual LP, state prices `p(ω)` and obedience multipliers `λ(a, b)`, all rational.
# `sol.verify()` checks, in exact arithmetic and without solving anything, that the
# scheme is feasible and obeyed, that the prices are dual feasible, and that the two
# objectives are equal.  By weak duality this proves that 3/5 is optimal.

# %%
cert = sol.certificate
print("prices p(ω):", dict(zip(game.states, (str(p) for p in cert.prices), strict=True)))
print("multipliers (a, b, λ):", [(game.actions[a], game.actions[b], str(x))
                                 for a, b, x in cert.multipliers])
check = sol.verify()
print(check)
assert check.ok

# %% [markdown]
# The prices are the supporting line of the envelope at the prior:
# `p(innocent) + (p(guilty) − p(innocent))·μ = 0 + 2μ`, which equals `V(μ)` on
# [0, 1/2] and lies above it beyond.  Their prior-weighted sum,
# 7/10 · 0 + 3/10 · 2 = 3/5, is the dual objective.
#
# A tampered certificate is rejected, with the reason:

# %%
from dataclasses import replace

bad = replace(cert, value=Fraction(7, 10))
print(bayespersuade.solvers.certify.verify_certificate(game, bad).problems)

# %% [markdown]
# ## Scoring any scheme
#
# `game.evaluate_scheme` scores a scheme of your own against a Bayesian judge.  Fully
# revealing the state earns the full-disclosure value 3/10; the optimal scheme above
# earns 3/5:

# %%
reveal = game.evaluate_scheme([[1, 0], [0, 1]])
optimal = game.evaluate_scheme([[Fraction(4, 7), Fraction(3, 7)], [0, 1]])
print("full disclosure: value", reveal.value, " gain", reveal.gain)
print("optimal scheme : value", optimal.value, " gain", optimal.gain)

# %% [markdown]
# ## The value at every prior
#
# The ceiling `ΔV(μ0) = V(μ0) − v̂(μ0)` is what persuasion adds at a given prior.  For
# many priors at once, `game.ceilings` evaluates the envelope in one vectorised call:

# %%
mu = np.array([0.0, 0.1, 0.3, 0.49, 0.5, 0.8])
batch = game.ceilings(np.column_stack([1 - mu, mu]))
batch.to_frame()[["prior[guilty]", "no_disclosure_value", "value", "gain", "n_signals"]]

# %% [markdown]
# Below 1/2 the gain is 2μ (the judge would acquit, persuasion buys a conviction with
# probability 2μ); from 1/2 on the judge already convicts and the gain is 0.
#
# ## What to cite
#
# Every solution lists the works behind its numbers: this library, the method's paper
# and the solvers used (here the LP, HiGHS, and the exact-arithmetic certification).

# %%
print(sol.citations())
