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
# # 2. Ceilings of dataset instances
#
# How much could *any* persuader gain on the claims of a persuasion dataset, against a
# Bayesian receiver?  For each claim this notebook builds a persuasion game through a
# documented **instance family**, computes its optimal value `V(μ0)`, the receiver's
# default answer `v̂(μ0)`, and the **ceiling** `ΔV(μ0) = V(μ0) − v̂(μ0)`, for all claims
# of a dataset at once.
#
# The PERSPECTRUM claims (Chen et al. 2019, CC-BY-SA-4.0) are bundled with the library.
# The Anthropic Persuasion, ChangeMyView and debate.org datasets are not (their licences
# do not allow it); if you have copies, point the environment variables below at them
# and the notebook includes them.

# %%
import os
import sys
from fractions import Fraction

import matplotlib

if "ipykernel" not in sys.modules:  # run as a plain script: draw off-screen
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from bayespersuade.datasets import load_dataset, load_embedded
from bayespersuade.instances.ceilings import AVERAGE_LABEL, ceiling_table, summarize_ceilings
from bayespersuade.instances.families import evidence_stance_game, evidence_support_share
from bayespersuade.plots.ceilings import plot_ceiling_distribution, plot_envelope_with_priors

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 40)

# %% [markdown]
# ## The bundled PERSPECTRUM claims
#
# A loader returns the records and an account of every row it read; nothing is dropped
# silently.

# %%
perspectrum = load_embedded("perspectrum")
print(perspectrum.summary())

# %% [markdown]
# Each record is a claim with its perspective clusters ("evidence").  Each cluster has a
# gold stance and crowd votes: support, mildly support, mildly undermine, undermine,
# or "not a valid perspective".

# %%
rec = perspectrum.records[0]
print(f"claim {rec.id}: {rec.claim}")
for ev in rec.evidence:
    print(f"  [{ev.stance:9}] votes {ev.votes}  {ev.text[:60]}")

# %% [markdown]
# ## From a claim to a game: the evidence-stance family
#
# The sender privately holds one piece of evidence about the claim; the **state** is its
# stance, `undermine` or `support`.  The receiver answers on the 1–7 Likert scale and
# wants its answer to match the evidence (`t(undermine) = 1`, `t(support) = 7`, loss
# `(a − t)²`); the sender wants a high answer (`v(a, ω) = a`).  The **prior**
# `μ0 = P(support)` is the claim's share of supporting stance votes: support and mildly
# support votes, over all votes that take a stance.

# %%
share, origin = evidence_support_share(rec)
print("prior P(support) =", share, " origin:", origin)
support = sum(ev.votes["support"] + ev.votes["mildly_support"] for ev in rec.evidence)
stance = sum(ev.votes[k] for ev in rec.evidence
             for k in ("support", "mildly_support", "mildly_undermine", "undermine"))
assert share == Fraction(support, stance)

game = evidence_stance_game(share, origin=origin, name=rec.id)
sol = game.solve(exact=True)
print(sol.summary())

# %% [markdown]
# With quadratic loss the receiver answers its posterior mean `1 + 6μ`, rounded, so at
# μ0 = 1/2 it answers 4.  The optimal scheme splits the prior into the posteriors 1/12
# (where `1 + 6μ = 1.5` and the tie goes to the sender: answer 2) and 11/12 (answer 7),
# and earns `V = 3/2 + 6·μ0 = 9/2`: a ceiling of 1/2 Likert point.  The closed form of
# this family's envelope (derived in the documentation, *Instance families*) is
#
# * `V(μ) = 1 + 12μ` on [0, 1/12],
# * `V(μ) = 3/2 + 6μ` on [1/12, 11/12],
# * `V(μ) = 7` on [11/12, 1].

# %%
def likert_v(mu):
    """The closed form of V for the two-state Likert families with quadratic loss."""
    if mu <= Fraction(1, 12):
        return 1 + 12 * mu
    if mu <= Fraction(11, 12):
        return Fraction(3, 2) + 6 * mu
    return Fraction(7)


assert sol.value == likert_v(share)
print("V(μ0) from the closed form:", likert_v(share))

# %% [markdown]
# ## The ceiling of every claim, in one batch
#
# All claims of a family share their utilities; only the prior differs.  So
# `ceiling_table` computes the concave envelope once and evaluates it at every prior,
# instead of solving 907 linear programs.  With `exact=True` it adds exact fractions,
# computed from the exact envelope and checked against the floats.

# %%
es = ceiling_table(perspectrum.records, "evidence-stance", exact=True)
print(f"{len(es)} instances, method: {es.attrs['method']}, skipped: {len(es.attrs['skipped'])}")
es[["id", "claim", "prior", "vhat_exact", "V_exact", "ceiling_exact", "n_signals"]].head(8)

# %% [markdown]
# Every exact value agrees with the closed form above (a check a referee can repeat):

# %%
for prior, V in zip(es["prior"], es["V_exact"], strict=True):
    assert Fraction(V) == likert_v(Fraction(prior))
print("closed form confirmed for", len(es), "claims")

# %% [markdown]
# ## Ceiling tables per family
#
# The same claims under other families and losses:
#
# * **evidence-stance, absolute loss** (`|a − t|`): the receiver answers 7 if it
#   thinks support at least as likely as not, else 1;
# * **normative-position**: seven states, the "correct" position `θ ∈ {1..7}`, with
#   a prior pooled from the fine-grained stance votes (support → 7, mildly support → 5,
#   mildly undermine → 3, undermine → 1), quadratic loss.

# %%
tables = {
    "evidence-stance, quadratic": es,
    "evidence-stance, absolute": ceiling_table(perspectrum.records, "evidence-stance",
                                               loss="absolute", exact=True),
    "normative-position, quadratic": ceiling_table(perspectrum.records,
                                                   "normative-position"),
}
summary = summarize_ceilings(tables)
summary = summary[summary["dataset"] != AVERAGE_LABEL]   # families, not datasets: no average


def with_ci(row, name, nd=3):
    lo, hi = row[f"{name}_ci_low"], row[f"{name}_ci_high"]
    ci = "no interval" if np.isnan(lo) else f"[{lo:.{nd}f}, {hi:.{nd}f}]"
    return f"{row[name]:.{nd}f} {ci}"


pd.DataFrame([{
    "family": row["dataset"], "n": row["n_instances"],
    **{f"{k} [95% CI]": with_ci(row, k) for k in (
        "mean_vhat", "mean_V", "mean_ceiling", "median_ceiling", "share_positive",
        "mean_ceiling_pct_of_scale", "mean_n_signals")},
    "range (descriptive)": f"{row['min_ceiling']:.3f} .. {row['max_ceiling']:.3f}",
} for row in summary.to_dict("records")])

# %% [markdown]
# How to read this table:
#
# * `mean_vhat` is the mean Likert answer a Bayesian receiver gives with no argument;
#   `mean_V` the mean answer under each claim's optimal signaling scheme;
# * `mean_ceiling` is their difference, the most a persuader can add *in expectation*;
#   `mean_ceiling_pct_of_scale` divides it by 7, as Cheng & You report gains;
# * `share_positive` is the share of claims where persuasion helps at all.
# * Every claim's ceiling is exact; the intervals are about the *population of claims*
#   this dataset samples (they resample claims): a cluster bootstrap for the means, a
#   distribution-free order-statistic interval for the median.  The range (min .. max)
#   is descriptive, with no interval: an extreme of a sample is not an estimate.
#
# (With several *datasets*, `summarize_ceilings` adds a last row averaging the dataset
# means without weights, as the paper averages its four datasets; the rows here are
# families of one dataset, so that row is dropped.)
#
# With quadratic loss the two-state ceiling never reaches one Likert point: it approaches
# 1 just below each prior (2k − 1)/12 where the receiver's answer steps up, and is 0 at
# those priors.  With absolute loss the receiver's answer jumps from 1 to 7 at μ = 1/2,
# and the ceiling can be large:

# %%
abs_table = tables["evidence-stance, absolute"]
print("largest ceilings, absolute loss:")
abs_table.sort_values("ceiling", ascending=False)[
    ["id", "prior", "vhat_exact", "V_exact", "ceiling_exact"]].head(5)

# %% [markdown]
# ## Plots
#
# Left: the evidence-stance envelope (quadratic loss) with every claim's prior marked;
# the vertical gap between `v̂` and `V` at a prior is that claim's ceiling.  Right: the
# distribution of the ceilings under each family.

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
plot_envelope_with_priors(es, ax=axes[0])
plot_ceiling_distribution(tables, ax=axes[1])
axes[1].tick_params(axis="x", labelrotation=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Your own copies of the other datasets
#
# Set any of these environment variables before starting Jupyter (or edit the dictionary)
# to include the datasets the paper also uses.  Each loader's documentation says which
# files and fields it reads.
#
# * `BAYESPERSUADE_ANTHROPIC`: `persuasion_data.csv` (Anthropic Persuasion);
# * `BAYESPERSUADE_DDO`: the folder with `debates.json` (and `users.json`);
# * `BAYESPERSUADE_CMV`: the ChangeMyView pair-task folder or a `*_pair_data.jsonlist`.
#
# Anthropic and DDO record human ratings before the argument; their histogram gives each
# claim's prior under the binary-truth family.  CMV records no prior, so its claims get
# the prior you set in `CMV_PRIOR`.

# %%
user_data = {name: os.environ.get(f"BAYESPERSUADE_{name.upper()}")
             for name in ("anthropic", "ddo", "cmv")}
CMV_PRIOR = "1/2"

more = {}
for name, path in user_data.items():
    if not path:
        print(f"{name}: not given (set BAYESPERSUADE_{name.upper()}); skipped")
        continue
    loaded = load_dataset(name, path)
    print(f"{name}: {loaded.summary()}")
    prior = CMV_PRIOR if name == "cmv" else None
    more[name] = ceiling_table(loaded.records, "binary-truth", prior=prior, dataset=name)

if more:
    more["perspectrum"] = ceiling_table(perspectrum.records, "binary-truth")
    display_summary = summarize_ceilings(more)
else:
    display_summary = "no user datasets given: only the bundled PERSPECTRUM claims are used"
display_summary

# %% [markdown]
# ## What these numbers mean
#
# A ceiling is a property of the *game*, not of any persuader: it is what the best
# possible signaling scheme gains in expectation against a receiver who updates by
# Bayes' rule.  Notebook 3 places what language models achieve against these ceilings;
# the documentation's *Human persuaders vs the ceiling* guide does the same for the human
# persuaders of the Anthropic and DDO data.
