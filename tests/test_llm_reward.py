"""The RL reward: the paper's score difference, optionally over the ceiling."""

from fractions import Fraction as F

import pytest

from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.llm.backends.scripted import ScriptedBackend, scripted_receiver
from bayespersuade.llm.reward import PersuasionReward, score_difference_reward


def test_score_difference():
    assert score_difference_reward(2, 7) == 5.0
    assert score_difference_reward(6, 1) == -5.0
    assert score_difference_reward(4, 5, ceiling=F(1, 3), ceiling_floor=0.01) == 3.0
    assert score_difference_reward(4, 5, ceiling=0.0, ceiling_floor=0.5) == 2.0


@pytest.mark.parametrize(("args", "kw", "msg"), [
    ((0, 3), {}, "score_before"), ((3, 8), {}, "score_after"), ((3.0, 4), {}, "score_before"),
    ((3, 4), {"ceiling": 0.5}, "ceiling_floor"),
    ((3, 4), {"ceiling": 0.5, "ceiling_floor": 0}, "ceiling_floor"),
    ((3, 4), {"ceiling": -1, "ceiling_floor": 0.1}, ">= 0"),
])
def test_score_difference_errors(args, kw, msg):
    with pytest.raises(InvalidParameterError, match=msg):
        score_difference_reward(*args, **kw)


def test_trl_style_reward_with_a_frozen_receiver():
    receiver = scripted_receiver(start=3, p0=0.3)
    reward = PersuasionReward(receiver, unparsable_reward=-2.5)
    comps = ["<argument>Good point [strength 2]</argument>", "no argument here",
             "<argument>Weak [strength 0]</argument>",
             [{"role": "assistant", "content": "<argument>Chat [strength 1]</argument>"}]]
    out = reward(["p"] * 4, comps, claim=["A.", "A.", "B.", "A."])
    assert out == [2.0, -2.5, 0.0, 1.0]
    assert [d["status"] for d in reward.last] == ["ok", "sender_unparsable", "ok", "ok"]
    assert [d["score_before"] for d in reward.last] == [3, 3, 3, 3]
    # The receiver's first answer is computed once per claim.
    firsts = [c for c in receiver.calls if c[0] == "generate" and len(c[1]) == 2]
    assert len(firsts) == 2


def test_unparsable_receiver_gets_the_chosen_reward():
    replies = iter(["<score>4</score>", "not telling"])
    reward = PersuasionReward(ScriptedBackend(lambda m, s: next(replies)),
                              unparsable_reward=0.0)
    assert reward([None], ["<argument>x</argument>"], claim=["C."]) == [0.0]
    assert reward.last[0]["status"] == "receiver_unparsable"


def test_normalised_reward_uses_the_ceiling():
    reward = PersuasionReward(scripted_receiver(start=3, p0=0.3), unparsable_reward=-1.0,
                              normalize=True, ceiling_floor=0.05)
    out = reward([None], ["<argument>[strength 2]</argument>"], claim=["A."])
    ceiling = reward.last[0]["ceiling"]
    # Quadratic binary-truth game at P(true) = 0.3: V = 3/2 + 6 · 0.3 = 3.3, v̂ = 3.
    assert ceiling == pytest.approx(0.3, abs=1e-12)
    assert out[0] == pytest.approx(2 / 0.3, rel=1e-9)


def test_reward_validation():
    with pytest.raises(InvalidParameterError, match="ceiling_floor"):
        PersuasionReward(scripted_receiver(), unparsable_reward=0.0, normalize=True)
    reward = PersuasionReward(scripted_receiver(), unparsable_reward=0.0)
    with pytest.raises(InvalidParameterError, match="claims"):
        reward([None], ["a", "b"], claim=["X."])
    with pytest.raises(TypeError):
        PersuasionReward(scripted_receiver())  # unparsable_reward must be chosen
