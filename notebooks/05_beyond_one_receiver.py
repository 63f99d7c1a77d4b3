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
# # 5. Beyond one receiver with a common prior
#
# The textbook game has one receiver who shares the sender's prior.  This notebook
# relaxes both assumptions, exactly:
#
# 1. **Heterogeneous priors** (Alonso & Câmara 2016): the receiver updates with its own
#    prior `μR`, the sender evaluates with `μS`.  On the bundled PERSPECTRUM claims,
#    `μS` is the claim's share of supporting evidence and `μR` a receiver who is more
#    sceptical, or more credulous, than the evidence.
# 2. **An audience** of receivers: a private message to each, or one public message for
#    all, and the **value of targeting** (private − public).
# 3. **Receivers on a network** (Candogan 2019): the greatest equilibrium's acting set is a
#    k-core of the graph.

# %%
import os
import sys
from fractions import Fraction

import matplotlib

if "ipykernel" not in sys.modules:  # run as a plain script: draw off-screen
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd

from bayespersuade.datasets import load_dataset, load_embedded
from bayespersuade.instances.audiences import targeting_table
from bayespersuade.instances.families import evidence_support_share, make_game
from bayespersuade.instances.stats import cluster_mean
from bayespersuade.instances.views import prior_views_table
from bayespersuade.plots.beyond import plot_network, plot_network_steps, plot_targeting
from bayespersuade.solvers.audience import Audience
from bayespersuade.solvers.heterogeneous import heterogeneous_ceilings
from bayespersuade.solvers.network import NetworkGame

pd.set_option("display.width", 120)

# %% [markdown]
# ## 1. Heterogeneous priors on PERSPECTRUM
#
# One claim first.  The evidence-stance game: the state is the stance of the evidence the
# sender holds, the receiver answers 1–7 and wants to match it, the sender wants a high
# answer.  `prior` is the sender's (the evidence share); `receiver_prior` the receiver's.

# %%
records = load_embedded("perspectrum", split="test").records
rec = records[0]
mu_s, origin = evidence_support_share(rec)
print(f"claim {rec.id}: {rec.claim}\nevidence share P(support) = {mu_s}")
for mu_r in (Fraction(1, 4), mu_s, Fraction(3, 4)):
    g = make_game("evidence-stance", mu_s, receiver_prior=mu_r)
    sol = g.solve(exact=True)
    assert sol.value == g.solve("concavification", exact=True).value  # two methods agree
    print(f"  receiver prior {mu_r!s:>6}: V = {sol.value!s:>8} = {float(sol.value):.3f},"
          f" no disclosure {float(sol.no_disclosure_value):.3f}, certified {bool(sol.verify())}")

# %% [markdown]
# With `μR = μS` the game is today's common-prior game: same value, same certificate.
# The sender's own signal probabilities and the receiver's posteriors are reported side by
# side:

# %%
print(make_game("evidence-stance", mu_s, receiver_prior=Fraction(1, 4)).solve(
    exact=True).summary())

# %% [markdown]
# Per claim, side by side: the ceiling when both sides hold the dataset's prior, when
# both hold the receiver's, and when each holds its own (here a receiver at `1/4`):

# %%
views = prior_views_table(records[:6], Fraction(1, 4))
print(views[["id", "dataset_prior", "V_dataset", "V_receiver", "V_heterogeneous",
             "ceiling_heterogeneous"]].to_string(index=False))

# %% [markdown]
# All test-split claims at once, under three receivers: the ceiling under the evidence
# (`μR = μS`), a receiver who believes support is half as likely as the evidence says, and
# one who believes it is halfway to certain.

# %%
shares = np.array([float(evidence_support_share(r)[0]) for r in records])
S = np.column_stack([1 - shares, shares])
receivers = {"common prior": shares, "sceptical (μS/2)": shares / 2,
             "credulous ((1+μS)/2)": (1 + shares) / 2}
game = make_game("evidence-stance", Fraction(1, 2))
cols = {}
for label, r in receivers.items():
    R = np.column_stack([1 - r, r])
    ok = (r > 0) & (r < 1) | (shares == r)
    hc = heterogeneous_ceilings(game, S[ok], R[ok])
    cols[label] = pd.Series(hc.value, index=np.flatnonzero(ok))
table = pd.DataFrame(cols)
table.insert(0, "evidence share", shares)
print(table.describe().round(3))   # descriptive statistics of the claims' exact values

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.2))
order = np.argsort(shares)
for label in receivers:
    ax.plot(shares[order], table[label].to_numpy()[order], ".", ms=4, label=label)
ax.set_xlabel("evidence share μS = P(support)")
ax.set_ylabel("optimal mean answer V")
ax.set_title("The same claims, receivers of three priors")
ax.legend()
plt.show()

# %% [markdown]
# ## 2. An audience: the value of targeting
#
# A sender speaking to several receivers can send each a private message, or one public
# message.  Without externalities private persuasion decomposes into single-receiver
# problems; the public optimum is the concave envelope of the **sum** of the receivers'
# values, whose breakpoints are the union of theirs.  Two judges who disagree:

# %%
from bayespersuade.examples import prosecutor

judge = prosecutor()
aud = Audience([judge, judge.with_receiver_prior([Fraction(9, 10), Fraction(1, 10)])],
               names=["like-minded judge", "sceptical judge"])
t = aud.value_of_targeting(exact=True)
print(t.to_dict())
for method in ("envelope", "vertices", "lp"):
    print(method, aud.public(exact=True, method=method).value)

# %% [markdown]
# ### An audience from data
#
# In the Anthropic Persuasion data every participant rated the claim before reading an
# argument; each is a receiver with the prior of their own initial rating.  The file is not
# bundled (CC-BY-NC-SA); set `BAYESPERSUADE_ANTHROPIC` to your copy of
# `persuasion_data.csv` to use it.  Without it, the audience is built from the bundled
# PERSPECTRUM claims: per claim, three receivers whose priors are the evidence share under
# the library's three documented weightings (`votes`, `clusters`, `labels`), the sender
# holding the vote-weighted share.  Claims where one of these priors is 0 or 1 (a receiver
# who cannot be moved) are counted and left out.

# %%
path = os.environ.get("BAYESPERSUADE_ANTHROPIC")
if path:
    recs = load_dataset("anthropic", path).records
    tt = targeting_table(recs)
    e = cluster_mean([[x] for x in tt["targeting_mean"]])
    print(f"{len(tt)} claims; mean value of targeting per participant "
          f"{e.format(4)} (95% CI over claims, n = {e.n_instances})")
else:
    base = make_game("evidence-stance", Fraction(1, 2))
    rows, excluded = [], 0
    for r in records:
        pri = {w: evidence_support_share(r, w)[0] for w in ("votes", "clusters", "labels")}
        if any(p in (0, 1) for p in pri.values()):
            excluded += 1
            continue
        g = base.with_prior([1 - pri["votes"], pri["votes"]])
        members = [g.with_receiver_prior([1 - p, p]) for p in pri.values()]
        res = Audience(members).value_of_targeting(exact=True)
        rows.append({"id": r.id, "public_mean": float(res.public.value) / 3,
                     "private_mean": float(res.private.value) / 3,
                     "targeting_mean": float(res.value) / 3, "targeting_exact": res.value})
    tt = pd.DataFrame(rows)
    e = cluster_mean([[x] for x in tt["targeting_mean"]])
    print(f"{len(tt)} claims ({excluded} left out: a prior of 0 or 1); mean value of "
          f"targeting per receiver {e.format(4)} (95% CI over claims, n = {e.n_instances}); "
          f"largest {tt['targeting_mean'].max():.4f} (descriptive; each claim's value is "
          f"exact)")
print(tt.sort_values("targeting_mean", ascending=False).head(5).to_string(index=False))

# %%
ax = plot_targeting(tt)
plt.show()

# %% [markdown]
# ## 3. Receivers on a network
#
# Zachary's karate club: acting is worth `θ ∈ {−5, 1}` (prior `P(θ = 1) = 1/3`) plus
# `1/2` per acting neighbour.  For a posterior mean `m` the greatest equilibrium is the
# `k`-core with `k = ⌈−m/β⌉`; the sender's value is a step function whose steps are core
# sizes, and the public optimum its concave envelope.  LP and concavification of the
# reduced game agree exactly:

# %%
club = nx.karate_club_graph()
net = NetworkGame(club, [Fraction(2, 3), Fraction(1, 3)], [-5, 1], Fraction(1, 2))
print("core sizes c_0, c_1, ...:", net.core_sizes())
lp, cav = net.solve(exact=True), net.solve("concavification", exact=True)
assert lp.value == cav.value
print(f"V = {lp.value} acting receivers in expectation; no disclosure "
      f"{lp.no_disclosure_value}; full disclosure {lp.full_disclosure_value}")
for s in lp.signals:
    print(f"  P = {s.probability}, posterior mean {s.mean}: the {s.level}-core acts "
          f"({len(s.acting)} nodes)")

# %%
fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
plot_network(net, lp, ax=a1, seed=1)
plot_network_steps(net, lp, ax=a2)
plt.show()
