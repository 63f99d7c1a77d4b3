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
# # Ceilings of dataset instances
#
# How much could a sender persuade a Bayesian receiver about each claim of a
# real persuasion dataset? This notebook computes the **persuasion-gain
# ceiling** `ΔV(μ0) = V(μ0) − v̂(μ0)` of every claim in the PERSPECTRUM
# sample bundled with the library (907 claims, Chen et al. 2019,
# CC-BY-SA-4.0), under each **instance family** (the documented map from a
# claim's prior to a game), and plots the results.
#
# If you have your own copies of the other datasets of Cheng & You (2025)
# (Anthropic Persuasion, ChangeMyView, debate.org), set their paths in the
# last section and the same tables are built for them, with the human
# persuaders' achieved gains beside the ceilings.
#
# Nothing here is random. Every number printed is computed in this notebook.

# %%
import os
import sys
import time
from fractions import Fraction

import matplotlib

if "ipykernel" not in sys.modules and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")  # run as a plain script without a display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from bayespersuade.ceilings import ceiling_table, summarize_ceilings
from bayespersuade.dataset_plots import plot_ceiling_distribution, plot_envelope_with_priors
from bayespersuade.datasets import load_embedded
from bayespersuade.families import evidence_stance_game

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 60)

# %% [markdown]
# ## The data
#
# `load_embedded` reads the bundled file and accounts for every row it read
# (rows it would reject are listed with file, row, field and reason; here
# there are none). Each record is a claim with its perspective clusters
# ("evidence"), their gold stance labels and the crowd's stance votes.

# %%
res = load_embedded("perspectrum", split="all")
print(res.summary())
records = res.records
rec = records[0]
print(f"\nclaim {rec.id}: {rec.claim!r}")
for ev in rec.evidence[:3]:
    print(f"  [{ev.stance:9}] votes={ev.votes}  {ev.text!r}")
print(f"  ... {len(rec.evidence)} perspective clusters in all")

# %% [markdown]
# ## Evidence-stance family: one table, all 907 claims
#
# In the evidence-stance game the sender holds one piece of evidence about the
# claim, and the state is its stance (`undermine` or `support`). The prior
# `μ0 = P(support)` is the claim's share of supporting stance votes. The
# receiver answers 1..7 with quadratic loss against the target 1 (undermine)
# or 7 (support); the sender's utility is the answer.
#
# `ceiling_table` solves all claims in one batch (one exact concave envelope,
# evaluated at every prior). With `exact=True` it adds exact values as
# fractions, checked against the floats.

# %%
t0 = time.perf_counter()
stance = ceiling_table(records, "evidence-stance", exact=True)
print(f"{len(stance)} instances in {time.perf_counter() - t0:.2f} s "
      f"({stance.attrs['method']}); skipped: {len(stance.attrs['skipped'])}")
stance[["id", "claim", "prior", "vhat", "V", "ceiling_exact", "n_signals", "posteriors",
        "actions"]].head(6)

# %% [markdown]
# Reading one row: `prior` is `P(support)`, `vhat` the answer the receiver
# gives without further information, `V` the optimal value, `ceiling_exact`
# their difference, and the last three columns one optimal scheme: how many
# signals, the posterior `P(support)` after each, and the answer it elicits.
#
# Check the first row by hand. With quadratic loss the receiver answers the
# integer nearest to `1 + 6μ` (ties up), and the optimal value is
# `V(μ) = 1 + 12μ` on `[0, 1/12]`, `3/2 + 6μ` on `[1/12, 11/12]`, `7` above
# (derived in the documentation, *Instance families*). We also solve that one
# game by the exact LP, which returns a certified value:

# %%
row = stance.iloc[0]
mu = Fraction(row["prior"])
m = 1 + 6 * mu
vhat_by_hand = int(m) + (1 if m - int(m) >= Fraction(1, 2) else 0)
V_by_hand = 1 + 12 * mu if mu <= Fraction(1, 12) else (
    Fraction(3, 2) + 6 * mu if mu <= Fraction(11, 12) else Fraction(7))
sol = evidence_stance_game(mu).solve(exact=True)
print(f"claim {row['id']}: prior {mu}")
print(f"  v̂ by hand {vhat_by_hand}, table {row['vhat_exact']}")
print(f"  V by hand {V_by_hand}, table {row['V_exact']}, certified LP {sol.value} "
      f"(certificate valid: {bool(sol.verify())})")
assert Fraction(row["V_exact"]) == V_by_hand == sol.value
assert Fraction(row["vhat_exact"]) == vhat_by_hand

# %% [markdown]
# ## All three families, and the absolute loss
#
# The same claims under the other families:
#
# * **binary-truth**: the state is the claim's truth. PERSPECTRUM records no
#   human ratings, so the prior falls back to the same evidence share
#   (`prior_origin` says so in every row); the utilities are those of the
#   evidence-stance game, so the numbers coincide. What differs is the
#   meaning: nobody holds the claim's truth, so the optimum is a benchmark
#   rather than a strategy a sender could carry out.
# * **normative-position**: seven states (the "correct" position `1..7`); the
#   prior is the distribution of the fine stance votes mapped to positions
#   (support 7, mildly support 5, mildly undermine 3, undermine 1). Batch
#   values come from an upper convex hull over the best-response regions'
#   vertices; `exact=True` certifies one exact solve per distinct prior.
# * **absolute loss** (`p = 1`) in the evidence-stance game: the receiver
#   answers 7 once `P(support) ≥ 1/2` and 1 otherwise.

# %%
tables = {"evidence-stance": stance}
for name, family, loss in [("binary-truth", "binary-truth", None),
                           ("normative-position", "normative-position", None),
                           ("evidence-stance, absolute loss", "evidence-stance", "absolute")]:
    t0 = time.perf_counter()
    tables[name] = ceiling_table(records, family, loss=loss, exact=True)
    print(f"{name:32} {time.perf_counter() - t0:5.2f} s  "
          f"({tables[name].attrs['method']})")
print("binary-truth prior origin of claim", records[0].id, ":",
      tables["binary-truth"]["prior_origin"].iloc[0])
print("binary-truth and evidence-stance ceilings identical:",
      bool((tables["binary-truth"]["ceiling_exact"] == stance["ceiling_exact"]).all()))

# %% [markdown]
# ## Summary per family
#
# `summarize_ceilings` gives, per table: the mean of `v̂`, `V` and the ceiling,
# the median and maximum ceiling, the share of claims with a positive ceiling,
# the mean ceiling as a percentage of the 7-point scale (the paper's "% of
# scale") and the mean number of signals of the optimal scheme. The exact mean
# ceiling (`mean_ceiling_exact`, the mean of the exact fractions) has a large
# denominator; it is shown as a decimal beside the float mean it confirms.

# %%
summary = pd.concat([summarize_ceilings({name: t}) for name, t in tables.items()],
                    ignore_index=True)
summary["mean_ceiling_exact"] = [float(Fraction(x)) for x in summary["mean_ceiling_exact"]]
summary[["dataset", "p", "n_instances", "mean_vhat", "mean_V", "mean_ceiling",
         "mean_ceiling_exact", "median_ceiling", "max_ceiling", "share_positive",
         "mean_ceiling_pct_of_scale", "mean_n_signals"]].round(4)

# %% [markdown]
# With quadratic loss the mean ceiling is well under one scale point, and no
# single claim reaches one point (the binary-truth/evidence-stance ceiling is
# below 1 at every prior). The absolute-loss receiver switches from 1 to 7 at
# once, and its ceilings are far larger.

# %%
for name in ["evidence-stance", "normative-position"]:
    assert tables[name]["ceiling"].max() < 1
print("largest quadratic-loss ceiling:",
      max(tables[n]["ceiling"].max() for n in ["evidence-stance", "normative-position"]))
print("largest absolute-loss ceiling: ", tables["evidence-stance, absolute loss"]["ceiling"].max())

# %% [markdown]
# ## Batch versus one LP per claim
#
# The batch answer is checked against solving each claim's own
# revelation-principle LP with HiGHS (`method="lp"`), a different algorithm.

# %%
t0 = time.perf_counter()
stance_lp = ceiling_table(records, "evidence-stance", method="lp")
print(f"one LP per distinct prior: {time.perf_counter() - t0:.2f} s")
diff = np.abs(stance_lp["V"].to_numpy() - stance["V"].to_numpy()).max()
print(f"largest |V_batch - V_lp| over {len(stance)} claims: {diff:.2e}")
assert diff < 1e-7

# %% [markdown]
# ## Plots
#
# Left: the distribution of the ceilings per family (box plots; diamonds mark
# the means). Right: the evidence-stance game's `v̂` (the receiver's answer, a
# staircase) and its concave envelope `V`, with every claim's prior marked on
# both; the vertical gap at a prior is that claim's ceiling.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5))
plot_ceiling_distribution({k.replace(", ", "\n"): t for k, t in tables.items()}, ax=ax1)
ax1.tick_params(axis="x", labelsize=8)
plot_envelope_with_priors(stance, ax=ax2)
fig.tight_layout()
plt.show()

# %% [markdown]
# Where do the priors sit? Many claims have all their stance votes on one side
# (prior 0 or 1: nothing to persuade about), and many sit exactly at a
# switching belief of the receiver (ceiling 0).

# %%
priors = stance["prior"].map(Fraction)
print("claims with prior 0 or 1:      ", int(((priors == 0) | (priors == 1)).sum()))
print("claims with a zero ceiling:    ", int((stance["ceiling_exact"] == "0").sum()))
print("claims with a positive ceiling:", int((stance["ceiling_exact"] != "0").sum()))

# %% [markdown]
# ## Your own copies of the other datasets
#
# Anthropic Persuasion, ChangeMyView and debate.org cannot be bundled (their
# licenses do not allow it). Point these paths at your copies (or set the
# environment variables) and run the cell: for each dataset found it prints
# the load report, builds the binary-truth ceiling table, and, where the
# dataset records ratings before and after an argument, compares the human
# persuaders' achieved gains with the ceilings (`human_baselines`). CMV records
# no belief, so one prior for every claim must be stated (here `1/2`).
# Without the files the cell says so and does nothing else.

# %%
from bayespersuade.baselines import human_baselines
from bayespersuade.datasets import load_dataset

USER_DATA = {
    "anthropic": os.environ.get("BAYESPERSUADE_ANTHROPIC"),  # persuasion_data.csv
    "cmv": os.environ.get("BAYESPERSUADE_CMV"),              # folder of the CMV release
    "ddo": os.environ.get("BAYESPERSUADE_DDO"),              # debates.json or its folder
}
for name, path in USER_DATA.items():
    if not path:
        print(f"{name}: no copy given (set BAYESPERSUADE_{name.upper()}); skipped")
        continue
    loaded = load_dataset(name, path)
    print(f"{name}: {loaded.summary()}")
    given_prior = Fraction(1, 2) if name == "cmv" else None
    table = ceiling_table(loaded.records, "binary-truth", prior=given_prior, exact=True)
    print(summarize_ceilings({name: table})[["dataset", "n_instances", "n_skipped",
                                             "mean_ceiling", "max_ceiling"]].to_string())
    if any(o.initial is not None and o.final is not None
           for r in loaded.records for o in r.observations):
        print(human_baselines(loaded.records, "binary-truth").summary())
