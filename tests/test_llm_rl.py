"""The RL environment: TRL reward functions on a frozen receiver, the prompt dataset, GRPO."""

from __future__ import annotations

import importlib.util
import json
import math
from fractions import Fraction as F
from pathlib import Path

import pytest

from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.instances.families import binary_truth_game
from bayespersuade.llm.backends.scripted import ScriptedBackend, scripted_receiver
from bayespersuade.llm.rl import REWARDS, PersuasionEnv, prompt_dataset, sender_prompt

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "train_grpo.py"


def _counting(backend):
    calls = {"generate": 0}
    inner = backend.generate_batch

    def gen(reqs, **kw):
        calls["generate"] += len(reqs)
        return inner(reqs, **kw)

    backend.generate_batch = gen
    return calls


def test_three_rewards_match_the_game_by_hand():
    # P(yes) = 1/4 + 0.1 S; quadratic binary-truth game at mu0 = 1/4 has ceiling 0,
    # at mu0 = 1/2 ceiling 1/2.
    env = PersuasionEnv(scripted_receiver(start=3, p0=0.5, dp=0.1), unparsable_reward=-9.0)
    comps = ["<argument>a [strength 1]</argument>", "<argument>b [strength 3]</argument>",
             "<argument>c [strength -2]</argument>"]
    claims = ["X."] * 3
    g = binary_truth_game(F(1, 2))
    v0 = g.sender_value([F(1, 2), F(1, 2)], exact=True)
    ceiling = g.solve(exact=True).gain
    expected_model = [float(g.sender_value([1 - F(p), F(p)], exact=True) - v0)
                      for p in (0.5 + 0.1, 0.5 + 0.3, 0.5 - 0.2)]
    assert env.score_reward(None, comps, claim=claims) == [1.0, 3.0, -2.0]
    assert env.model_gain_reward(None, comps, claim=claims) == expected_model
    assert env.normalized_reward(None, comps, claim=claims) == [
        m / float(ceiling) for m in expected_model]
    assert [d["status"] for d in env.last] == ["ok"] * 3


def test_normalised_reward_is_zero_where_the_ceiling_is_zero():
    env = PersuasionEnv(scripted_receiver(start=2, p0=0.25, dp=0.1), unparsable_reward=-1.0)
    assert env.prior("X.").ceiling == 0
    out = env.normalized_reward(None, ["<argument>[strength 3]</argument>"], claim=["X."])
    assert out == [0.0] and env.last[0]["belief_status"] == "ceiling_zero"
    assert env.model_gain_reward(None, ["<argument>[strength 3]</argument>"],
                                 claim=["X."]) != [0.0]     # the gain itself is not zero


def test_unparsable_gets_the_chosen_reward_and_statuses_say_why():
    env = PersuasionEnv(scripted_receiver(), unparsable_reward=-1.5)
    out = env.score_reward(None, ["no tags at all", [{"role": "assistant", "content":
                                                      "<argument>[strength 1]</argument>"}]],
                           claim=["X.", "X."])
    assert out == [-1.5, 1.0]
    assert [d["status"] for d in env.last] == ["sender_unparsable", "ok"]
    mute = PersuasionEnv(ScriptedBackend("no tags", None), unparsable_reward=-2.0)
    assert mute.belief_source == "score"
    assert mute.model_gain_reward(None, ["<argument>x</argument>"], claim=["X."]) == [-2.0]
    assert mute.last[0]["status"] == "receiver_unparsable_before"
    assert mute.last[0]["belief_status"] == "unavailable"


def test_belief_rewards_need_no_parsable_score():
    # A receiver that never writes a score but has log-probabilities: P(yes) = 1/2, then
    # 0.8 once it has read an argument; the score reward is unparsable, the others are not.
    import math

    def scores(messages, options):
        p = 0.8 if any("<argument>" in m["content"] for m in messages) else 0.5
        t = {"Yes": math.log(p), "No": math.log(1 - p)}
        return {o: t[o] for o in options if o in t}

    env = PersuasionEnv(ScriptedBackend("no tags", scores), unparsable_reward=-3.0,
                        prefill=True)
    comp = ["<argument>x</argument>"]
    g = binary_truth_game(F(1, 2))
    gain = g.sender_value([1 - F(0.8), F(0.8)], exact=True) - g.sender_value(
        [F(1, 2), F(1, 2)], exact=True)
    assert env.score_reward(None, comp, claim=["X."]) == [-3.0]
    assert env.model_gain_reward(None, comp, claim=["X."]) == [float(gain)]
    assert env.normalized_reward(None, comp, claim=["X."]) == [float(gain / F(1, 2))]
    assert (env.last[0]["status"], env.last[0]["belief_status"]) == (
        "receiver_unparsable_before", "ok")
    # with prefill the receiver's replies start with <thinking>
    assert env.prior("X.").reply == "<thinking>no tags"


def test_receiver_calls_are_cached_across_rewards_and_repeats():
    rec = scripted_receiver()
    calls = _counting(rec)
    env = PersuasionEnv(rec, unparsable_reward=0.0)
    comps = ["<argument>[strength 1]</argument>"] * 3 + ["<argument>[strength 2]</argument>"]
    for f in env.reward_funcs(REWARDS):
        f(None, comps, claim=["X."] * 4)
    # one first answer for the claim, one answer per distinct argument
    assert calls["generate"] == 1 + 2
    assert env.stats["receiver_generate"] == 3


def test_reward_functions_have_trl_signature_and_check_their_input():
    env = PersuasionEnv(scripted_receiver(), unparsable_reward=0.0)
    f = env.score_reward
    assert f.__name__ == "score_reward"
    # TRL passes prompts, completions, completion_ids, every dataset column, trainer_state...
    assert f(prompts=["p"], completions=["<argument>[strength 1]</argument>"],
             completion_ids=[[1, 2]], claim=["X."], id=["1"], trainer_state=None) == [1.0]
    with pytest.raises(InvalidParameterError, match="'claim' column"):
        f(prompts=["p"], completions=["a", "b"], claim=["X."])
    with pytest.raises(InvalidParameterError, match="reward kinds"):
        env.reward_funcs(["nope"])
    with pytest.raises(InvalidParameterError, match="log-probabilities"):
        PersuasionEnv(ScriptedBackend("x", None), unparsable_reward=0.0, belief_source="logprobs")


def test_sender_prompt_shows_the_receivers_first_opinion():
    env = PersuasionEnv(scripted_receiver(), unparsable_reward=0.0)
    msgs = sender_prompt("X.", env=env, word_limit=40)
    assert "at most 40 words" in msgs[0]["content"]
    assert "What evidence supports the claim?" in msgs[1]["content"]


def test_prompt_dataset_has_prompt_and_claim_columns():
    pytest.importorskip("datasets", reason="needs the rl extra: pip install 'bayespersuade[rl]'")
    ds = prompt_dataset(split="test", limit=3)
    assert ds.column_names == ["prompt", "claim", "dataset", "id"]
    assert len(ds) == 3 and ds[0]["prompt"][0]["role"] == "system"
    assert ds[0]["claim"] in ds[0]["prompt"][0]["content"]
    with pytest.raises(InvalidParameterError, match="limit"):
        prompt_dataset(split="test", limit=0)


def _bytes_receiver():
    """A receiver whose score is a hash of the argument it read (varies with any text)."""
    import re

    def reply(messages, seed):
        args = re.findall(r"<argument>(.*?)</argument>", " ".join(
            m["content"] for m in messages if m["role"] == "user"), flags=re.S)
        score = 1 + sum(args[-1].encode("utf-8")) % 7 if args else 4
        return f"<score>{score}</score><opinion>Hm.</opinion><question>Why?</question>"

    return ScriptedBackend(reply, None, name="bytes-receiver")


def test_untagged_completions_can_be_the_argument():
    env = PersuasionEnv(scripted_receiver(), unparsable_reward=-1.0, untagged="argument")
    assert env.score_reward(None, ["plain [strength 2]", "  "], claim=["X."] * 2) == [2.0, -1.0]
    assert [d["untagged"] for d in env.last] == [True, False]
    with pytest.raises(InvalidParameterError, match="untagged"):
        PersuasionEnv(scripted_receiver(), unparsable_reward=0.0, untagged="guess")


def _example():
    spec = importlib.util.spec_from_file_location("train_grpo", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_example_defaults_are_the_papers():
    ex = _example()
    args = ex.parse_args([])
    assert (args.learning_rate, args.batch_size, args.beta) == (5e-7, 4, 0.001)
    assert ex.parse_args(["--max-steps", "2"]).max_steps == 2


@pytest.mark.llm
def test_grpo_two_steps_on_the_tiny_random_model(tmp_path):
    pytest.importorskip("trl", reason="needs the rl extra: pip install 'bayespersuade[rl]'")
    pytest.importorskip("transformers", reason="needs the llm extra")
    import torch
    from llm_fakes import tiny_llama

    model, tok = tiny_llama(seed=0)
    model.train()
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    rec = _bytes_receiver()
    # the random model writes no tags: its whole completion is the argument
    env = PersuasionEnv(rec, unparsable_reward=-1.0, max_new_tokens=16, word_limit=20,
                        untagged="argument")
    ds = prompt_dataset(split="test", limit=2, word_limit=20)
    torch.manual_seed(0)
    res = _example().train(model, tok, env, ds, out=tmp_path, max_steps=2,
                           max_completion_length=8, learning_rate=1e-2, seed=0)
    steps = [x for x in res["log"] if "loss" in x or "reward" in x]
    assert len(steps) >= 2 and res["log"][-1]["step"] == 2
    assert all(math.isfinite(x["reward"]) for x in steps if "reward" in x)
    # 2 steps x batch 4 completions, each scored by the frozen receiver's reward
    assert len(res["rewards"]) == 8
    assert all(d["status"] == "ok" and d["untagged"] for d in res["rewards"])
    assert len({d["score_reward"] for d in res["rewards"]}) > 1   # advantages are not all 0
    lines = [json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines if "reward" in x] == [1, 2]
    assert len((tmp_path / "rewards.jsonl").read_text().splitlines()) == 8
    trained = res["trainer"].model
    changed = any(not torch.equal(before[k], v.detach().cpu())
                  for k, v in trained.named_parameters())
    assert changed, "two GRPO steps did not change the sender"


def test_missing_datasets_names_the_rl_extra(monkeypatch):
    import sys

    from bayespersuade.exceptions import MissingDependencyError

    monkeypatch.setitem(sys.modules, "datasets", None)      # import datasets -> ImportError
    with pytest.raises(MissingDependencyError, match=r"bayespersuade\[rl\]"):
        prompt_dataset(split="test", limit=1)
