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
# # Quickstart: the prosecutor game, solved three ways
#
# This notebook walks through the smallest interesting persuasion game, the
# prosecutor and the judge of Kamenica & Gentzkow (2011), and computes its
# optimal signaling scheme
#
# 1. by the revelation-principle **linear program** (Dughmi & Xu 2016),
# 2. by **concavification** (the concave envelope of the sender's value),
#    which shares no code with the LP, so each checks the other,
# 3. **exactly**, as a rational number carried by a certificate that anyone
#    can re-check without solving anything.
#
# Nothing in this notebook is random; every number printed is computed in
# the cells above it.

# %%
import os
import sys
from dataclasses import replace
from fractions import Fraction

import matplotlib

if "ipykernel" not in sys.modules and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")  # run as a plain script without a display
import matplotlib.pyplot as plt
import numpy as np

import bayespersuade
from bayespersuade import PersuasionGame
from bayespersuade.certify import verify_certificate
from bayespersuade.plotting import plot_ceiling_curve, plot_envelope

print("bayespersuade", bayespersuade.__version__)

# %% [markdown]
# ## The game
#
# A defendant is *innocent* or *guilty*; the judge (the **receiver**) believes
# `P(guilty) = 0.3`. The judge gets utility 1 for the right verdict (acquit the
# innocent, convict the guilty) and 0 otherwise. The prosecutor (the
# **sender**) gets 1 from a conviction whatever the truth. Before seeing any
# evidence, the prosecutor commits to an investigation: a *signaling scheme*
# `π(s | ω)` that says how likely each report `s` is in each state `ω`.
#
# Utilities are matrices with **one row per action and one column per state**:
# `sender_utility[a][ω] = v(a, ω)`. Entries given as integers and `Fraction`s
# keep the game exact (rational).

# %%
game = PersuasionGame(
    prior=[Fraction(7, 10), Fraction(3, 10)],  # P(innocent), P(guilty)
    sender_utility=[[0, 0],                    # acquit
                    [1, 1]],                   # convict
    receiver_utility=[[1, 0],                  # acquit is right when innocent
                      [0, 1]],                 # convict is right when guilty
    states=["innocent", "guilty"],
    actions=["acquit", "convict"],
    name="prosecutor",
)
game, game.is_rational

# %% [markdown]
# ## The receiver's best response and the sender's value of a belief
#
# At a belief `μ` the judge plays an action maximising expected utility; ties
# go to the action the sender prefers (the convention of Kamenica & Gentzkow).
# The sender's value of the belief is `v̂(μ) = Σ_ω μ(ω) v(a*(μ), ω)`.
# Here the judge convicts exactly when `P(guilty) ≥ 1/2`.

# %%
for p_guilty in [Fraction(3, 10), Fraction(1, 2), Fraction(9, 10)]:
    belief = [1 - p_guilty, p_guilty]
    a = game.best_response(belief)
    print(f"P(guilty) = {p_guilty!s:>5}: judge plays {game.actions[a]!r:10} "
          f"v̂ = {game.sender_value(belief)}")

# %% [markdown]
# Two benchmarks. **No disclosure**: the judge acts on the prior alone, and
# acquits, so the prosecutor gets `v̂(μ0) = 0`. **Full disclosure**: the judge
# learns the state and convicts exactly the guilty, so the prosecutor gets
# `P(guilty) = 3/10`.

# %%
print("no disclosure   v̂(μ0) =", game.no_disclosure_value(exact=True))
print("full disclosure       =", game.full_disclosure_value(exact=True))

# %% [markdown]
# ## 1. The optimal scheme by linear programming
#
# `game.solve()` solves the revelation-principle LP with HiGHS in floating
# point. Its value `V(μ0)` is the most the prosecutor can get in expectation;
# the **persuasion-gain ceiling** is `ΔV = V(μ0) − v̂(μ0)`.

# %%
sol_lp = game.solve()          # method="lp" is the default
print(sol_lp.summary())

# %% [markdown]
# The scheme itself, `π(s | ω)` (rows are states, columns are signals): the
# guilty always produce the "convict" signal; the innocent produce it with
# probability 3/7. After that signal the judge's posterior is exactly 1/2
# (indifferent, so the tie goes to the prosecutor) and the judge convicts.

# %%
print(np.round(sol_lp.scheme, 6))
print("signal probabilities:", np.round(sol_lp.probabilities, 6))
print("posteriors P(guilty):", np.round(sol_lp.posteriors[:, 1], 6))

# %% [markdown]
# The posteriors average back to the prior (**Bayes plausibility**): a Bayesian
# judge cannot be fooled on average, only sorted.

# %%
mean_posterior = sol_lp.probabilities @ sol_lp.posteriors
print("Σ_s P(s) μ_s =", np.round(mean_posterior, 12), " prior =", game.prior)

# %% [markdown]
# ## 2. The same optimum by concavification
#
# `V` is the concave envelope of `v̂` (the smallest concave function above
# it). With two states it is computed exactly from the breakpoints where the
# judge's best response changes; the optimal scheme splits the prior into the
# two posteriors whose chord of the envelope passes above it.

# %%
sol_cav = game.solve(method="concavification")
print(sol_cav.summary())
env = game.envelope()
print("envelope breakpoints μ:", [str(x) for x in env.breakpoints])
print("envelope values V(μ):  ", [str(x) for x in env.values])
print("LP and concavification agree:", abs(sol_lp.value - sol_cav.value) < 1e-12)

# %% [markdown]
# ## The envelope plot
#
# `v̂` (a step: 0 while the judge acquits, 1 once it convicts), its concave
# envelope `V`, the prior and the optimal splitting. The vertical distance
# between `V` and `v̂` at the prior is the ceiling.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
plot_envelope(game, ax=ax1, solution=sol_cav)
ax1.set_title("prosecutor: v̂ and its concave envelope")
plot_ceiling_curve(game, ax=ax2)
ax2.set_title("V, v̂ and the ceiling at every prior")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. The exact, certified value
#
# `solve(exact=True)` re-solves the optimal basis of the HiGHS solve in
# rational arithmetic and returns a `Fraction` together with a **certificate**:
# a primal scheme and dual prices and obedience multipliers, all rational.

# %%
sol = game.solve(exact=True)
print(repr(sol.value), "exact:", sol.exact, "| algorithm:", sol.algorithm)
cert = sol.certificate
print("primal x(ω, a) by action:", cert.joint)
print("dual prices p(ω):        ", cert.prices)
print("obedience multipliers:   ", cert.multipliers)

# %% [markdown]
# `verify()` re-checks the certificate in exact arithmetic, solving nothing:
# the primal is feasible (non-negative, it reproduces the prior, and every
# recommendation is obeyed), the dual is feasible, and the two objectives are
# equal. By weak duality that *proves* `V(μ0) = 3/5`.

# %%
check = sol.verify()
print(check)
assert check
assert sol.value == Fraction(3, 5)

# %% [markdown]
# A certificate that claims a better value does not pass; the check says
# which condition fails. (A solver's "optimal" status carries no such proof.)

# %%
forged = replace(cert, value=Fraction(7, 10))
bad = verify_certificate(game, forged)
print(bool(bad))
for problem in bad.problems:
    print(" -", problem)

# %% [markdown]
# ## Any other scheme, for comparison
#
# `evaluate_scheme` scores any scheme against the Bayesian judge. Full
# disclosure (the identity scheme) earns `3/10`, half of the optimum.

# %%
full = game.evaluate_scheme([[1, 0], [0, 1]])
print("full disclosure: value", full.value, "gain", full.gain,
      "| Bayes-plausibility error", full.bayes_plausibility_error)

# %% [markdown]
# ## What to cite
#
# Every solution lists the works behind its numbers: this library, the
# method's paper, the solver, and for exact results the exact-LP method and
# the rational arithmetic library. `style="bibtex"` gives BibTeX.

# %%
print(sol.citations())
