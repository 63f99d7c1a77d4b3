"""Rewards for RL fine-tuning of a persuader (sender) model.

The paper trains a sender with PPO and GRPO (verl) on the reward "receiver
score after − score before" (Cheng & You 2025, Section 5).  This module gives

* :func:`score_difference_reward` — that reward for given scores, optionally
  normalised by the instance's persuasion-gain ceiling ``ΔV(μ0)`` (so that 1
  means "as much as the optimal scheme gains against a Bayesian receiver");
* :class:`PersuasionReward` — a callable in the reward-function convention of
  TRL (``reward(prompts, completions, **columns) -> list[float]``) that runs a
  frozen receiver backend on each completion.  For verl, wrap it as::

      reward = PersuasionReward(receiver, unparsable_reward=-1.0)

      def compute_score(data_source, solution_str, ground_truth, extra_info=None):
          return reward([None], [solution_str], claim=[extra_info["claim"]])[0]

Unparsable outputs (a completion without ``<argument>``, or a receiver answer
without a valid score) get the reward the caller chose explicitly
(``unparsable_reward``): the library never picks a default score.

For training with TRL, :class:`bayespersuade.llm.rl.PersuasionEnv` gives the
score reward together with the model-consistent and the ceiling-normalised
gains (0 where the ceiling is 0, rather than a floor), on one cached receiver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..exceptions import InvalidParameterError
from . import prompts
from .backends.base import Backend, GenerationRequest
from .beliefs import yes_no_belief
from .metrics import exact_belief, family_game
from .parsing import parse_receiver, parse_sender
from .protocol import _belief_requests, derive_seed

__all__ = ["PersuasionReward", "score_difference_reward"]


def _check_score(s: Any, name: str) -> int:
    if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 7:
        raise InvalidParameterError(f"{name} must be an integer score from 1 to 7, got {s!r}")
    return s


def score_difference_reward(
    score_before: int,
    score_after: int,
    *,
    ceiling: float | Fraction | None = None,
    ceiling_floor: float | None = None,
) -> float:
    """The paper's reward ``s_after − s_before``, optionally over the ceiling.

    Parameters
    ----------
    score_before, score_after : int
        The receiver's scores (1..7) before and after the sender's message.
    ceiling : float or Fraction, optional
        The instance's persuasion-gain ceiling ``ΔV(μ0) >= 0``; if given, the
        reward is ``(s_after − s_before) / max(ceiling, ceiling_floor)``.
    ceiling_floor : float, optional
        Required with ``ceiling``: a positive floor for the denominator (the
        ceiling is zero at some priors, for example ``μ0 = 1/4`` in the
        quadratic binary-truth game).

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        If a score is not an integer in 1..7, the ceiling is negative, or
        ``ceiling_floor`` is missing or not positive when ``ceiling`` is given.

    References
    ----------
    Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
    models. arXiv:2509.22989 (ICLR 2026), Section 5.

    Examples
    --------
    >>> score_difference_reward(3, 5)
    2.0
    >>> score_difference_reward(3, 5, ceiling=0.5, ceiling_floor=0.05)
    4.0
    >>> score_difference_reward(3, 4, ceiling=0, ceiling_floor=0.25)
    4.0
    """
    gain = _check_score(score_after, "score_after") - _check_score(score_before, "score_before")
    if ceiling is None:
        return float(gain)
    if ceiling_floor is None or not ceiling_floor > 0:
        raise InvalidParameterError("a normalised reward needs ceiling_floor > 0 (the ceiling "
                               f"can be zero), got {ceiling_floor!r}")
    if ceiling < 0:
        raise InvalidParameterError(f"the ceiling must be >= 0, got {ceiling!r}")
    return float(gain / max(Fraction(ceiling), Fraction(ceiling_floor)))


@dataclass(frozen=True)
class _Prior:
    chat: list[dict]
    reply: str
    score: int | None
    ceiling: Fraction | None


def _completion_text(c: Any) -> str:
    if isinstance(c, str):
        return c
    if isinstance(c, Sequence) and c and isinstance(c[-1], Mapping):  # conversational
        return str(c[-1].get("content", ""))
    raise InvalidParameterError(f"a completion must be a string or a list of messages, got {c!r}")


class PersuasionReward:
    """A TRL-style reward function: a frozen receiver rates each completion.

    Parameters
    ----------
    receiver : Backend
        The frozen receiver.
    unparsable_reward : float
        The reward of a completion without an ``<argument>``, or whose
        receiver answer (before or after) has no valid score, or, with
        ``normalize``, whose claim's ceiling cannot be computed (an explicit
        choice; required).  ``last`` records which case occurred.
    normalize : bool, default False
        Divide the score difference by ``max(ΔV(μ0), ceiling_floor)``, with
        ``μ0`` the receiver's prior belief (``P(yes)`` from log-probabilities
        where the receiver has them, else ``(s0 − 1)/6``) in the binary-truth
        game with ``loss``.
    ceiling_floor : float, optional
        Required with ``normalize``.
    loss : {"quadratic", "absolute"}, default "quadratic"
    word_limit : int, default 250
    max_new_tokens : int, default 256
        The receiver's token limit.
    temperature : float, default 0.0
        The receiver's temperature.
    seed : int, default 0

    Attributes
    ----------
    last : list of dict
        Per completion of the last call: the scores, statuses and reward.
    __name__ : str
        ``"persuasion_reward"`` (TRL logs rewards under this name).

    Examples
    --------
    >>> from bayespersuade.llm.backends.scripted import scripted_receiver
    >>> reward = PersuasionReward(scripted_receiver(start=3), unparsable_reward=-1.0)
    >>> reward(["..."] * 3, ["<argument>Yes [strength 2]</argument>", "no tags",
    ...                      "<argument>Meh [strength 0]</argument>"], claim=["X."] * 3)
    [2.0, -1.0, 0.0]
    >>> [d["status"] for d in reward.last]
    ['ok', 'sender_unparsable', 'ok']
    """

    __name__ = "persuasion_reward"

    def __init__(
        self,
        receiver: Backend,
        *,
        unparsable_reward: float,
        normalize: bool = False,
        ceiling_floor: float | None = None,
        loss: str = "quadratic",
        word_limit: int = 250,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> None:
        if normalize and (ceiling_floor is None or not ceiling_floor > 0):
            raise InvalidParameterError("normalize=True needs ceiling_floor > 0")
        self.receiver = receiver
        self.unparsable_reward = float(unparsable_reward)
        self.normalize = normalize
        self.ceiling_floor = ceiling_floor
        self.loss = loss
        self.word_limit = word_limit
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.seed = seed
        self._priors: dict[str, _Prior] = {}
        self.last: list[dict] = []

    def prior(self, claim: str) -> _Prior:
        """The receiver's first answer to a claim (cached) and the claim's ceiling.

        Examples
        --------
        >>> from bayespersuade.llm.backends.scripted import scripted_receiver
        >>> PersuasionReward(scripted_receiver(start=2), unparsable_reward=0.0).prior("X.").score
        2
        """
        if claim in self._priors:
            return self._priors[claim]
        chat = [{"role": "system", "content": prompts.receiver_system()},
                {"role": "user", "content": prompts.receiver_first_turn(claim)}]
        reply = self.receiver.generate_batch(
            [GenerationRequest(chat, derive_seed(self.seed, "reward-prior", claim))],
            max_new_tokens=self.max_new_tokens, temperature=self.temperature)[0]
        score = parse_receiver(reply).score
        ceiling = None
        if self.normalize:
            mu0 = None
            if self.receiver.supports_logprobs:
                yn = self.receiver.score_options_batch(_belief_requests(chat)[:1])[0]
                mu0 = exact_belief(yes_no_belief(yn).to_json(), "yes_no")
            elif score is not None:
                q = Fraction(score - 1, 6)
                mu0 = (1 - q, q)
            if mu0 is not None:
                ceiling = family_game("binary-truth", mu0, loss=self.loss).solve(exact=True).gain
        p = _Prior(chat, reply, score, ceiling)
        self._priors[claim] = p
        return p

    def __call__(self, prompts_: Sequence[Any], completions: Sequence[Any], *,
                 claim: Sequence[str], **kwargs: Any) -> list[float]:
        """Rewards for a batch of completions (``claim``: one per completion)."""
        if len(claim) != len(completions):
            raise InvalidParameterError(
                f"got {len(completions)} completions but {len(claim)} claims")
        texts = [_completion_text(c) for c in completions]
        out: list[float | None] = [None] * len(texts)
        info: list[dict] = [{} for _ in texts]
        reqs, where = [], []
        for i, (c, text) in enumerate(zip(claim, texts)):
            pr = self.prior(c)
            info[i] = {"claim": c, "score_before": pr.score,
                       "ceiling": None if pr.ceiling is None else float(pr.ceiling)}
            arg = parse_sender(text, self.word_limit).argument
            if pr.score is None:
                info[i]["status"] = "receiver_unparsable_before"
            elif arg is None:
                info[i]["status"] = "sender_unparsable"
            else:
                chat = [*pr.chat, {"role": "assistant", "content": pr.reply},
                        {"role": "user", "content": prompts.receiver_argument_turn(arg, 1, 1)}]
                h = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
                reqs.append(GenerationRequest(chat, derive_seed(self.seed, "reward", c, h)))
                where.append(i)
        replies = (self.receiver.generate_batch(reqs, max_new_tokens=self.max_new_tokens,
                                                temperature=self.temperature) if reqs else [])
        for i, reply in zip(where, replies):
            s1 = parse_receiver(reply).score
            info[i]["score_after"] = s1
            if s1 is None:
                info[i]["status"] = "receiver_unparsable"
                continue
            info[i]["status"] = "ok"
            before = info[i]["score_before"]
            if self.normalize:
                if self._priors[info[i]["claim"]].ceiling is None:
                    info[i]["status"] = "ceiling_unavailable"
                    continue
                out[i] = score_difference_reward(
                    before, s1, ceiling=self._priors[info[i]["claim"]].ceiling,
                    ceiling_floor=self.ceiling_floor)
            else:
                out[i] = score_difference_reward(before, s1)
        rewards = [self.unparsable_reward if r is None else r for r in out]
        for d, r in zip(info, rewards):
            d["reward"] = r
        self.last = info
        return rewards
