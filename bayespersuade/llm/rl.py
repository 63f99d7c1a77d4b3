"""An RL environment for TRL: reward functions for a persuader against a frozen receiver.

The paper trains its sender with PPO and GRPO on the reward "receiver score
after − score before" (Cheng & You 2025, Section 5).  :class:`PersuasionEnv`
turns any receiver :class:`~bayespersuade.llm.backends.base.Backend` into
reward functions with the signature TRL's ``GRPOTrainer`` expects
(``reward_funcs``: ``f(prompts, completions, **columns) -> list[float]``,
with the dataset's ``claim`` column passed through):

:attr:`PersuasionEnv.score_reward`
    The paper's reward, ``s_after − s_before`` (reported scores, 1..7).
:attr:`PersuasionEnv.model_gain_reward`
    The model-consistent gain ``v̂(μ_after) − v̂(μ0)`` in the binary-truth
    game at the receiver's own prior (:mod:`~bayespersuade.llm.metrics`):
    how much the answer a Bayesian receiver holding the receiver's belief
    would give has moved.  Beliefs are the elicited ``P(yes)`` where the
    receiver has log-probabilities, else ``(s − 1)/6`` (``belief_source``).
:attr:`PersuasionEnv.normalized_reward`
    The ceiling-normalised gain ``(v̂(μ_after) − v̂(μ0)) / ΔV(μ0)``, with
    ``ΔV(μ0) = V(μ0) − v̂(μ0)`` the exact persuasion-gain ceiling; **defined
    as 0 where ΔV(μ0) = 0** (at such a prior no scheme gains anything
    against a Bayesian receiver, so there is nothing to normalise by; every
    such completion gets 0 whatever the receiver did, and ``last`` records
    ``"ceiling_zero"``).  1 means "as much as the optimal scheme gains".

Every receiver call is cached: the receiver's first answer (and prior) once
per claim, its answer to an argument once per ``(claim, argument)``, so the
three rewards of a completion cost one receiver call, and a repeated
completion costs none (GRPO samples many completions per prompt; small
models repeat themselves).  Calls are deterministic (the receiver's seeds
derive from ``seed``, the claim and the argument), so caching changes no
reward.

:func:`prompt_dataset` builds the prompt dataset TRL expects (a
``datasets.Dataset`` with a conversational ``prompt`` column and a ``claim``
column) from the bundled claims or any :class:`~bayespersuade.datasets.records.ClaimRecord`.
``datasets`` (and ``trl`` for training) come with the optional extra
``bayespersuade[rl]`` and are imported only when used.

Unparsable outputs (a completion without ``<argument>``, a receiver answer
without a valid score, a belief that is unavailable) get the reward the
caller chose (``unparsable_reward``): the library never picks one.

References
----------
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026), Section 5.
Shao, Z. et al. (2024). DeepSeekMath: pushing the limits of mathematical
reasoning in open language models. arXiv:2402.03300 (GRPO).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..exceptions import InvalidParameterError, missing_dependency
from . import prompts
from .backends.base import Backend, GenerationRequest
from .beliefs import yes_no_belief
from .metrics import exact_belief, family_game
from .parsing import parse_receiver, parse_sender
from .protocol import _belief_requests, derive_seed
from .reward import _completion_text

__all__ = ["REWARDS", "PersuasionEnv", "import_datasets", "prompt_dataset", "sender_prompt"]

#: The reward kinds, by name (the names TRL logs them under).
REWARDS = ("score_reward", "model_gain_reward", "normalized_reward")


def import_datasets():
    """Import ``datasets`` (the ``rl`` extra) or raise an error naming the extra.

    Raises
    ------
    MissingDependencyError
        Without ``datasets``: "install it with: pip install 'bayespersuade[rl]'".

    Examples
    --------
    >>> try:
    ...     ok = hasattr(import_datasets(), "Dataset")
    ... except ImportError as e:          # MissingDependencyError is an ImportError
    ...     ok = "bayespersuade[rl]" in str(e)
    >>> ok
    True
    """
    try:
        import datasets
    except ImportError:
        raise missing_dependency("datasets", "rl") from None
    return datasets


def _p_yes(mu: tuple[Fraction, Fraction] | None) -> float | None:
    return None if mu is None else float(mu[1])


@dataclass(frozen=True)
class _Prior:
    chat: list[dict]
    reply: str
    score: int | None
    opinion: str | None
    question: str | None
    belief: tuple[Fraction, Fraction] | None
    value0: Fraction | None
    ceiling: Fraction | None


@dataclass(frozen=True)
class _After:
    reply: str
    score: int | None
    belief: tuple[Fraction, Fraction] | None


class PersuasionEnv:
    """A frozen receiver as the environment of a persuader: cached, with three rewards.

    Parameters
    ----------
    receiver : Backend
        The frozen receiver.
    unparsable_reward : float
        The reward of a completion without an ``<argument>``, or, for the
        score reward, whose receiver answer has no valid score (before or
        after), or, for the belief rewards, whose belief is unavailable (an
        explicit choice; required).
    belief_source : {"auto", "logprobs", "score"}, default "auto"
        Beliefs for the model-consistent rewards: elicited ``P(yes)``
        (``"logprobs"``), the reported score's ``(s − 1)/6`` (``"score"``),
        or logprobs where the receiver has them (``"auto"``).
    loss : {"quadratic", "absolute"}, default "quadratic"
        The binary-truth game's loss.
    word_limit : int, default 250
        The sender's word limit (in its prompt; over-long arguments are
        flagged by the parser, not cut).
    max_new_tokens : int, default 256
        The receiver's token limit.
    temperature : float, default 0.0
        The receiver's temperature.
    seed : int, default 0
    prefill : bool, default False
        Start the receiver's replies with ``<thinking>``
        (:data:`~bayespersuade.llm.prompts.RECEIVER_PREFILL`), as the
        protocol's ``prefill``, for small receivers.
    untagged : {"unparsable", "argument"}, default "unparsable"
        A completion without ``<argument>`` tags is unparsable (the
        protocol's rule), or, with ``"argument"``, its whole text (stripped)
        is the argument: for small senders early in training, which rarely
        write the tags (``last`` records ``"untagged"``).

    Attributes
    ----------
    last : list of dict
        Per completion of the last reward call: claim, statuses, scores,
        beliefs, ceiling and the three rewards.
    stats : dict
        Receiver calls made and cache hits.

    Examples
    --------
    >>> from bayespersuade.llm.backends.scripted import scripted_receiver
    >>> env = PersuasionEnv(scripted_receiver(start=3, p0=0.5, dp=0.1), unparsable_reward=-1.0)
    >>> done = ["<argument>Yes [strength 2]</argument>", "no tags"]
    >>> env.score_reward(["..."] * 2, done, claim=["X."] * 2)
    [2.0, -1.0]
    >>> env.model_gain_reward(["..."] * 2, done, claim=["X."] * 2)   # v̂(0.7) − v̂(0.5) = 5 − 4
    [1.0, -1.0]
    >>> env.normalized_reward(["..."] * 2, done, claim=["X."] * 2)   # ΔV(1/2) = 1/2
    [2.0, -1.0]
    >>> env.stats["receiver_generate"], env.stats["cache_hits"]      # one call per argument
    (2, 2)
    """

    def __init__(
        self,
        receiver: Backend,
        *,
        unparsable_reward: float,
        belief_source: str = "auto",
        loss: str = "quadratic",
        word_limit: int = 250,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int = 0,
        prefill: bool = False,
        untagged: str = "unparsable",
    ) -> None:
        if untagged not in ("unparsable", "argument"):
            raise InvalidParameterError(
                f"untagged must be 'unparsable' or 'argument', got {untagged!r}")
        if belief_source not in ("auto", "logprobs", "score"):
            raise InvalidParameterError(
                f"belief_source must be 'auto', 'logprobs' or 'score', got {belief_source!r}")
        if belief_source == "logprobs" and not receiver.supports_logprobs:
            raise InvalidParameterError(f"receiver {receiver.name!r} has no log-probabilities; "
                                        f"use belief_source='score'")
        if loss not in ("quadratic", "absolute"):
            raise InvalidParameterError(f"loss must be 'quadratic' or 'absolute', got {loss!r}")
        self.receiver = receiver
        self.unparsable_reward = float(unparsable_reward)
        self.belief_source = (("logprobs" if receiver.supports_logprobs else "score")
                              if belief_source == "auto" else belief_source)
        self.loss = loss
        self.word_limit = word_limit
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.seed = seed
        self.untagged = untagged
        self._prefix = prompts.RECEIVER_PREFILL if prefill else ""
        self._priors: dict[str, _Prior] = {}
        self._after: dict[tuple[str, str], _After] = {}
        self.stats = {"receiver_generate": 0, "receiver_score": 0, "cache_hits": 0}
        self.last: list[dict] = []
        self.score_reward = self._reward_fn("score_reward")
        self.model_gain_reward = self._reward_fn("model_gain_reward")
        self.normalized_reward = self._reward_fn("normalized_reward")

    # -------------------------------------------------------------- receiver
    def _belief(self, chat: list[dict], score: int | None) -> tuple[Fraction, Fraction] | None:
        if self.belief_source == "score":
            if score is None:
                return None
            q = Fraction(score - 1, 6)
            return (1 - q, q)
        self.stats["receiver_score"] += 1
        yn = self.receiver.score_options_batch(_belief_requests(chat)[:1])[0]
        return exact_belief(yes_no_belief(yn).to_json(), "yes_no")

    def prior(self, claim: str) -> _Prior:
        """The receiver's first answer to a claim, its prior and the claim's ceiling (cached).

        Examples
        --------
        >>> from bayespersuade.llm.backends.scripted import scripted_receiver
        >>> env = PersuasionEnv(scripted_receiver(start=2), unparsable_reward=0.0)
        >>> p = env.prior("X.")
        >>> p.score, p.belief[1], p.ceiling      # P(yes) = 1/4: the ceiling is 0
        (2, Fraction(1, 4), Fraction(0, 1))
        """
        if claim in self._priors:
            return self._priors[claim]
        if not isinstance(claim, str) or not claim.strip():
            raise InvalidParameterError(f"claim must be a non-empty string, got {claim!r}")
        chat = [{"role": "system", "content": prompts.receiver_system()},
                {"role": "user", "content": prompts.receiver_first_turn(claim)}]
        self.stats["receiver_generate"] += 1
        reply = self.receiver.generate_batch(
            [GenerationRequest(chat, derive_seed(self.seed, "rl-prior", claim), self._prefix)],
            max_new_tokens=self.max_new_tokens, temperature=self.temperature)[0]
        parsed = parse_receiver(reply)
        belief = self._belief(chat, parsed.score)
        value0 = ceiling = None
        if belief is not None:
            game = family_game("binary-truth", belief, loss=self.loss)
            sol = game.solve(exact=True)
            if sol.exact:
                value0, ceiling = sol.no_disclosure_value, sol.gain
        p = _Prior(chat, reply, parsed.score, parsed.opinion, parsed.question, belief,
                   value0, ceiling)
        self._priors[claim] = p
        return p

    def _answers(self, claim: str, arguments: Sequence[str]) -> list[_After]:
        pr = self.prior(claim)
        todo = [a for a in dict.fromkeys(arguments) if (claim, a) not in self._after]
        self.stats["cache_hits"] += len(arguments) - len(todo)
        if todo:
            chats = [[*pr.chat, {"role": "assistant", "content": pr.reply},
                      {"role": "user", "content": prompts.receiver_argument_turn(a, 1, 1)}]
                     for a in todo]
            reqs = [GenerationRequest(c, derive_seed(
                self.seed, "rl", claim, hashlib.sha256(a.encode("utf-8")).hexdigest()[:16]),
                self._prefix) for c, a in zip(chats, todo)]
            self.stats["receiver_generate"] += len(reqs)
            replies = self.receiver.generate_batch(reqs, max_new_tokens=self.max_new_tokens,
                                                   temperature=self.temperature)
            for a, c, reply in zip(todo, chats, replies):
                score = parse_receiver(reply).score
                self._after[(claim, a)] = _After(reply, score, self._belief(c, score))
        return [self._after[(claim, a)] for a in arguments]

    # --------------------------------------------------------------- rewards
    def evaluate(self, completions: Sequence[Any], claims: Sequence[str]) -> list[dict]:
        """The three rewards and what they rest on, for each completion.

        Returns one dict per completion (also stored in :attr:`last`), with
        ``status``, which decides the score reward (``"ok"``,
        ``"sender_unparsable"``, ``"receiver_unparsable_before"``,
        ``"receiver_unparsable"``), and ``belief_status``, which decides the
        two belief rewards (``"ok"``, ``"unavailable"``, ``"ceiling_zero"``):
        with log-probabilities these need no parsable score,
        the scores, ``P(yes)`` before and after, the ceiling, and the rewards
        ``score_reward``, ``model_gain_reward``, ``normalized_reward``.

        Examples
        --------
        >>> from bayespersuade.llm.backends.scripted import scripted_receiver
        >>> env = PersuasionEnv(scripted_receiver(start=3, p0=0.5), unparsable_reward=0.0)
        >>> d = env.evaluate(["<argument>[strength 1]</argument>"], ["X."])[0]
        >>> d["status"], d["score_before"], d["score_after"], d["ceiling"]
        ('ok', 3, 4, '1/2')
        """
        if isinstance(claims, str) or len(claims) != len(completions):
            raise InvalidParameterError(
                f"got {len(completions)} completions but "
                f"{1 if isinstance(claims, str) else len(claims)} claims (the dataset needs a "
                f"'claim' column)")
        texts = [_completion_text(c) for c in completions]
        args = [parse_sender(t, self.word_limit).argument for t in texts]
        untagged = [False] * len(texts)
        if self.untagged == "argument":
            for i, t in enumerate(texts):
                if args[i] is None and t.strip():
                    args[i], untagged[i] = t.strip(), True
        info: list[dict] = []
        by_claim: dict[str, list[int]] = {}
        for i, (c, a) in enumerate(zip(claims, args)):
            pr = self.prior(c)
            info.append({"claim": c, "score_before": pr.score,
                         "p_yes_before": _p_yes(pr.belief),
                         "ceiling": None if pr.ceiling is None else str(pr.ceiling),
                         "untagged": untagged[i]})
            if a is not None and (pr.score is not None or pr.belief is not None):
                by_claim.setdefault(c, []).append(i)
        for c, idx in by_claim.items():
            for i, ans in zip(idx, self._answers(c, [args[i] for i in idx])):
                info[i].update(score_after=ans.score, p_yes_after=_p_yes(ans.belief))
        for i, d in enumerate(info):
            pr = self._priors[d["claim"]]
            u = self.unparsable_reward
            d.update(score_reward=u, model_gain_reward=u, normalized_reward=u)
            # The score reward needs both reported scores ...
            if args[i] is None:
                d["status"] = "sender_unparsable"
            elif pr.score is None:
                d["status"] = "receiver_unparsable_before"
            elif d.get("score_after") is None:
                d["status"] = "receiver_unparsable"
            else:
                d["status"] = "ok"
                d["score_reward"] = float(d["score_after"] - d["score_before"])
            # ... the belief rewards both beliefs (scores only with belief_source="score").
            after = (self._after[(d["claim"], args[i])].belief
                     if (d["claim"], args[i]) in self._after else None)
            if args[i] is None or after is None or pr.value0 is None:
                d["belief_status"] = "unavailable"
                continue
            game = family_game("binary-truth", pr.belief, loss=self.loss)
            gain = game.sender_value(list(after), exact=True) - pr.value0
            d["model_gain_reward"] = float(gain)
            if pr.ceiling == 0:
                d["belief_status"] = "ceiling_zero"
                d["normalized_reward"] = 0.0
            else:
                d["belief_status"] = "ok"
                d["normalized_reward"] = float(gain / pr.ceiling)
        self.last = info
        return info

    def _reward_fn(self, kind: str) -> Callable[..., list[float]]:
        def reward(prompts: Sequence[Any] | None = None, completions: Sequence[Any] = (), *,
                   claim: Sequence[str], **kwargs: Any) -> list[float]:
            return [d[kind] for d in self.evaluate(completions, claim)]

        reward.__name__ = kind
        reward.__qualname__ = f"PersuasionEnv.{kind}"
        reward.__doc__ = (f"TRL reward function: ``{kind}`` per completion "
                          f"(see :class:`PersuasionEnv`).")
        return reward

    def reward_funcs(self, kinds: Sequence[str] = ("score_reward",)) -> list[Callable]:
        """The reward functions to pass to ``GRPOTrainer(reward_funcs=...)``.

        Examples
        --------
        >>> from bayespersuade.llm.backends.scripted import scripted_receiver
        >>> env = PersuasionEnv(scripted_receiver(), unparsable_reward=0.0)
        >>> [f.__name__ for f in env.reward_funcs(REWARDS)]
        ['score_reward', 'model_gain_reward', 'normalized_reward']
        """
        bad = [k for k in kinds if k not in REWARDS]
        if bad or not kinds:
            raise InvalidParameterError(f"reward kinds must be among {', '.join(REWARDS)}, "
                                        f"got {list(kinds)}")
        return [getattr(self, k) for k in kinds]


def sender_prompt(claim: str, *, word_limit: int = 250, env: PersuasionEnv | None = None
                  ) -> list[dict]:
    """The sender's chat for one claim (static protocol, round 1 of 1).

    With ``env``, the sender sees the frozen receiver's first opinion and
    question, as in the protocol; without, the "did not state" placeholders.

    Examples
    --------
    >>> [m["role"] for m in sender_prompt("Cats are mammals.")]
    ['system', 'user']
    """
    opinion = question = None
    if env is not None:
        pr = env.prior(claim)
        opinion, question = pr.opinion, pr.question
    return [{"role": "system", "content": prompts.sender_system(claim, word_limit)},
            {"role": "user", "content": prompts.sender_turn(opinion, question, 1, 1)}]


def prompt_dataset(
    records: Sequence[Any] | None = None,
    *,
    split: str = "train",
    limit: int | None = None,
    word_limit: int = 250,
    env: PersuasionEnv | None = None,
):
    """The prompt dataset for TRL: a ``datasets.Dataset`` with ``prompt`` and ``claim``.

    Parameters
    ----------
    records : sequence of ClaimRecord, optional
        The claims; default the bundled PERSPECTRUM claims of ``split``.
    split : str, default "train"
    limit : int, optional
        Only the first ``limit`` claims.
    word_limit : int, default 250
    env : PersuasionEnv, optional
        Show the sender the receiver's first opinion and question
        (:func:`sender_prompt`; the receiver's first answers are cached).

    Returns
    -------
    datasets.Dataset
        Columns ``prompt`` (a conversational prompt: system and user
        messages), ``claim``, ``dataset`` and ``id``.

    Raises
    ------
    MissingDependencyError
        Without ``datasets`` (``pip install 'bayespersuade[rl]'``).

    Examples
    --------
    With the ``rl`` extra installed (``datasets``):

    >>> ds = prompt_dataset(split="test", limit=3)
    >>> ds.column_names, len(ds)
    (['prompt', 'claim', 'dataset', 'id'], 3)
    """
    datasets = import_datasets()
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 1):
        raise InvalidParameterError(f"limit must be a positive integer, got {limit!r}")
    if records is None:
        from ..datasets import load_embedded

        records = load_embedded("perspectrum", split=split).records
    recs = list(records)[:limit] if limit is not None else list(records)
    if not recs:
        raise InvalidParameterError("no claims to build a prompt dataset from")
    rows = {"prompt": [], "claim": [], "dataset": [], "id": []}
    for r in recs:
        rows["prompt"].append(sender_prompt(r.claim, word_limit=word_limit, env=env))
        rows["claim"].append(r.claim)
        rows["dataset"].append(r.dataset)
        rows["id"].append(r.id)
    return datasets.Dataset.from_dict(rows)
