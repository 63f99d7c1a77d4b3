"""The persuasion protocol of Cheng & You (2025): one instance, all its samples.

For one claim:

1. The receiver answers with an empty transcript (its score ``s0``, opinion
   and question); where log-probabilities are available its prior belief is
   elicited (``P(yes)`` and the distribution over ``1..7``).  This is done
   once per instance, so every sample starts from the same prior.
2. For each of ``samples`` dialogues (and, with private evidence, for each
   piece of evidence), for ``rounds`` rounds (1: *static*; 3: *dynamic*):

   a. the sender sees the receiver's latest opinion and question — never its
      score — and writes a reply; only its ``<argument>`` is passed on;
   b. the receiver's belief is elicited after the argument (before its own
      written answer), then the receiver answers (score, opinion, question).

   A sender reply without an argument ends that dialogue: the receiver is
   shown nothing, the round is recorded as ``"sender_unparsable"`` and later
   rounds as ``"not_reached"``.  An unparsable receiver answer is recorded as
   such and the dialogue goes on (the sender is told that the receiver stated
   no opinion / asked no question).

Every generation is batched across the dialogues of a round, and every belief
elicitation of a round is one batched scoring call.  Seeds: each call's seed
is derived from the instance seed and the call's role, dialogue and round
(:func:`derive_seed`), so results do not depend on the order instances run in.

References
----------
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026), Section 4 and Appendix.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from ..exceptions import BackendError, InvalidParameterError
from . import prompts
from .backends.base import Backend, GenerationRequest, ScoreRequest
from .beliefs import likert_belief, yes_no_belief
from .parsing import parse_receiver, parse_sender

__all__ = ["DialogueSpec", "ProtocolConfig", "derive_seed", "run_instance", "select_evidence"]


def derive_seed(seed: int, *parts: Any) -> int:
    """A 63-bit seed derived from a base seed and labels (SHA-256).

    Examples
    --------
    >>> derive_seed(0, "sender", 1) == derive_seed(0, "sender", 1)
    True
    >>> derive_seed(0, "sender", 1) != derive_seed(0, "sender", 2)
    True
    """
    h = hashlib.sha256(repr((int(seed), *parts)).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") >> 1


@dataclass(frozen=True)
class ProtocolConfig:
    """Settings of the protocol.

    Parameters
    ----------
    protocol : {"static", "dynamic"}
    rounds : int, optional
        Rounds of dialogue; default 1 for static, 3 for dynamic (the paper's).
    samples : int, default 1
        Dialogues per instance (per piece of evidence, with evidence).
    word_limit : int, default 250
        The sender's word limit (stated in its prompt; over-long arguments
        are flagged, not cut).
    sender_max_new_tokens, receiver_max_new_tokens : int
        Token limits of the replies (default 400 and 256).
    sender_temperature, receiver_temperature : float
        Sampling temperatures (default 0.7 and 0.0: the receiver answers
        greedily, the sender's samples differ).
    beliefs : bool, default True
        Elicit beliefs from log-probabilities (needs a receiver that
        supports them).
    prefill : bool, default False
        Force the sender's replies to start with ``<argument>`` and the
        receiver's with ``<thinking>`` (see :mod:`~bayespersuade.llm.prompts`);
        for small models that do not follow the format otherwise.

    Examples
    --------
    >>> ProtocolConfig("dynamic").rounds
    3
    """

    protocol: str
    rounds: int | None = None
    samples: int = 1
    word_limit: int = 250
    sender_max_new_tokens: int = 400
    receiver_max_new_tokens: int = 256
    sender_temperature: float = 0.7
    receiver_temperature: float = 0.0
    beliefs: bool = True
    prefill: bool = False

    def __post_init__(self) -> None:
        if self.protocol not in ("static", "dynamic"):
            raise InvalidParameterError(f"protocol must be 'static' or 'dynamic', got "
                                   f"{self.protocol!r}")
        if self.rounds is None:
            object.__setattr__(self, "rounds", 1 if self.protocol == "static" else 3)
        for f in ("rounds", "samples", "word_limit", "sender_max_new_tokens",
                  "receiver_max_new_tokens"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidParameterError(f"{f} must be a positive integer, got {v!r}")
        if self.protocol == "static" and self.rounds != 1:
            raise InvalidParameterError(
                f"the static protocol has one round, got rounds={self.rounds}")
        for f in ("sender_temperature", "receiver_temperature"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 1e6:
                raise InvalidParameterError(f"{f} must be a number >= 0, got {v!r}")

    def to_json(self) -> dict:
        """The settings as a dict."""
        return asdict(self)


@dataclass(frozen=True)
class DialogueSpec:
    """One dialogue planned in advance: the sender's evidence and its guidance.

    The hook through which a sender strategy
    (:mod:`~bayespersuade.llm.strategies`) shapes the dialogues of an
    instance: :func:`run_instance` with ``dialogues=[...]`` runs exactly these
    dialogues instead of "every piece of evidence, ``samples`` times".

    Attributes
    ----------
    evidence : Evidence or None
        The private evidence the sender holds.
    condition, sample : int
        Recorded with the dialogue and used in its seeds.
    guidance : mapping, optional
        JSON-serialisable; ``guidance["strategy"]`` (and for ``"optimal"``
        ``target_posterior`` as a ``"p/q"`` string and ``target_answer``)
        choose the sender's prompt (:func:`~bayespersuade.llm.prompts.sender_system`);
        the whole mapping is recorded with the dialogue.

    Examples
    --------
    >>> DialogueSpec(None, 0, 1).sample
    1
    """

    evidence: Any
    condition: int
    sample: int
    guidance: Any = None


def select_evidence(evidence: Sequence[Any], limit: int | None, seed: int) -> list[Any]:
    """Choose up to ``limit`` pieces of evidence, alternating stances, reproducibly.

    Evidence is shuffled within each stance by ``seed``, then taken
    alternately (support, undermine, support...) so both states are
    represented; ``limit=None`` keeps all of it (in dataset order).

    Examples
    --------
    >>> from bayespersuade.datasets.records import Evidence
    >>> ev = [Evidence(str(i), "t", "support" if i < 3 else "undermine") for i in range(5)]
    >>> sorted(e.stance for e in select_evidence(ev, 2, seed=0))
    ['support', 'undermine']
    """
    items = list(evidence)
    if limit is None or limit >= len(items):
        return items
    rng = random.Random(seed)
    by = {"support": [e for e in items if e.stance == "support"],
          "undermine": [e for e in items if e.stance == "undermine"]}
    for v in by.values():
        rng.shuffle(v)
    out = []
    while len(out) < limit:
        for k in ("support", "undermine"):
            if by[k] and len(out) < limit:
                out.append(by[k].pop(0))
    return out


def _beliefs_from(scores_yn, scores_lk) -> dict:
    return {"yes_no": yes_no_belief(scores_yn).to_json(),
            "likert": likert_belief(scores_lk).to_json()}


def _belief_requests(chat: list[dict]) -> list[ScoreRequest]:
    from .beliefs import belief_options

    return [
        ScoreRequest([*chat, {"role": "user", "content": prompts.BELIEF_YES_NO_QUESTION}],
                     belief_options("yes_no")),
        ScoreRequest([*chat, {"role": "user", "content": prompts.BELIEF_LIKERT_QUESTION}],
                     belief_options("likert")),
    ]


def _elicit(receiver: Backend, chats: list[list[dict]]) -> list[dict]:
    reqs = [r for c in chats for r in _belief_requests(c)]
    scores = receiver.score_options_batch(reqs)
    return [_beliefs_from(scores[2 * i], scores[2 * i + 1]) for i in range(len(chats))]


def run_instance(
    claim: str,
    sender: Backend,
    receiver: Backend,
    config: ProtocolConfig,
    *,
    seed: int,
    evidence: Sequence[Any] | None = None,
    dialogues: Sequence[DialogueSpec] | None = None,
) -> dict:
    """Run the protocol on one claim; return the full transcript record.

    Parameters
    ----------
    claim : str
    sender, receiver : Backend
    config : ProtocolConfig
    seed : int
        The instance's seed (every call's seed derives from it).
    evidence : sequence of Evidence, optional
        Private evidence: each piece is shown to the sender of
        ``config.samples`` dialogues of its own (the evidence-stance game).
    dialogues : sequence of DialogueSpec, optional
        Run exactly these dialogues (a sender strategy's plan) instead; not
        together with ``evidence``.  Each dialogue's record carries its
        ``guidance``.

    Returns
    -------
    dict
        ``{"initial": ..., "dialogues": [...]}``: raw replies, parsed
        answers and beliefs (see :mod:`bayespersuade.llm.runner` for the
        record format).

    Raises
    ------
    BackendError
        If a backend fails, or beliefs are requested from a receiver without
        log-probabilities.

    Examples
    --------
    >>> from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
    >>> rec = run_instance("Cats are mammals.", scripted_sender([2]), scripted_receiver(),
    ...                    ProtocolConfig("static"), seed=0)
    >>> first = rec["dialogues"][0]["rounds"][0]
    >>> rec["initial"]["parsed"]["score"], first["receiver"]["parsed"]["score"]
    (3, 5)
    """
    if not isinstance(claim, str) or not claim.strip():
        raise InvalidParameterError("claim must be a non-empty string")
    if config.beliefs and not receiver.supports_logprobs:
        raise BackendError(
            f"receiver {receiver.name!r} does not provide log-probabilities; run without "
            f"beliefs (ProtocolConfig(beliefs=False), CLI --no-beliefs)"
        )
    R = config.rounds
    for b in (sender, receiver):
        b.clear_cache()  # an instance's numbers must not depend on earlier instances
    # 1. The receiver's first answer, with an empty transcript.
    chat0 = [{"role": "system", "content": prompts.receiver_system()},
             {"role": "user", "content": prompts.receiver_first_turn(claim)}]
    prior_beliefs = _elicit(receiver, [chat0])[0] if config.beliefs else None
    s_prefix = prompts.SENDER_PREFILL if config.prefill else ""
    r_prefix = prompts.RECEIVER_PREFILL if config.prefill else ""
    reply0 = receiver.generate_batch(
        [GenerationRequest(chat0, derive_seed(seed, "receiver", "initial"), r_prefix)],
        max_new_tokens=config.receiver_max_new_tokens,
        temperature=config.receiver_temperature)[0]
    parsed0 = parse_receiver(reply0)
    initial = {"reply": reply0, "parsed": parsed0.to_json(), "beliefs": prior_beliefs}

    # 2. Dialogues: (condition j, sample k), or the given plan.
    if dialogues is None:
        conditions: list[Any] = list(evidence) if evidence is not None else [None]
        plan = [DialogueSpec(ev, j, k) for j, ev in enumerate(conditions)
                for k in range(config.samples)]
    elif evidence is not None:
        raise InvalidParameterError("give either evidence or dialogues, not both")
    else:
        plan = list(dialogues)
        if not plan or not all(isinstance(d, DialogueSpec) for d in plan):
            raise InvalidParameterError("dialogues must be a non-empty list of DialogueSpec")
    dialogues = []
    for spec in plan:
        ev, g = spec.evidence, dict(spec.guidance or {})
        tp = g.get("target_posterior")
        system = prompts.sender_system(
            claim, config.word_limit,
            evidence=ev.text if ev is not None else None,
            stance=ev.stance if ev is not None else None,
            strategy=g.get("strategy", "free"),
            target_posterior=Fraction(tp) if tp is not None else None,
            target_answer=g.get("target_answer"))
        d = {
            "condition": spec.condition, "sample": spec.sample,
            "evidence": ({"id": ev.id, "stance": ev.stance, "text": ev.text}
                         if ev is not None else None),
            "rounds": [],
            "_sender_chat": [{"role": "system", "content": system}],
            "_receiver_chat": [*chat0, {"role": "assistant", "content": reply0}],
            "_last": parsed0, "_active": True,
        }
        if spec.guidance is not None:
            d["guidance"] = g
        dialogues.append(d)
    for r in range(1, R + 1):
        active = [d for d in dialogues if d["_active"]]
        for d in dialogues:
            if not d["_active"]:
                d["rounds"].append({"round": r, "status": "not_reached"})
        if not active:
            continue
        # a. Sender replies (batched).
        for d in active:
            d["_sender_chat"].append({"role": "user", "content": prompts.sender_turn(
                d["_last"].opinion, d["_last"].question, r, R)})
        s_replies = sender.generate_batch(
            [GenerationRequest(list(d["_sender_chat"]),
                               derive_seed(seed, "sender", d["condition"], d["sample"], r),
                               s_prefix)
             for d in active],
            max_new_tokens=config.sender_max_new_tokens,
            temperature=config.sender_temperature)
        talking = []
        for d, text in zip(active, s_replies):
            d["_sender_chat"].append({"role": "assistant", "content": text})
            ps = parse_sender(text, config.word_limit)
            rd = {"round": r, "sender": {"reply": text, "parsed": ps.to_json()}}
            d["rounds"].append(rd)
            if ps.argument is None:
                rd["status"] = "sender_unparsable"
                d["_active"] = False
            else:
                d["_receiver_chat"].append({"role": "user", "content":
                                            prompts.receiver_argument_turn(ps.argument, r, R)})
                talking.append(d)
        if not talking:
            continue
        # b. Beliefs after the argument (batched), then the receiver's answers (batched).
        if config.beliefs:
            for d, b in zip(talking, _elicit(receiver, [d["_receiver_chat"] for d in talking])):
                d["rounds"][-1]["beliefs"] = b
        r_replies = receiver.generate_batch(
            [GenerationRequest(list(d["_receiver_chat"]),
                               derive_seed(seed, "receiver", d["condition"], d["sample"], r),
                               r_prefix)
             for d in talking],
            max_new_tokens=config.receiver_max_new_tokens,
            temperature=config.receiver_temperature)
        for d, text in zip(talking, r_replies):
            d["_receiver_chat"].append({"role": "assistant", "content": text})
            pr = parse_receiver(text)
            d["_last"] = pr
            rd = d["rounds"][-1]
            rd["receiver"] = {"reply": text, "parsed": pr.to_json()}
            rd.setdefault("beliefs", None)
            rd["status"] = "ok" if pr.status == "ok" else "receiver_unparsable"
    for d in dialogues:
        for key in [k for k in d if k.startswith("_")]:
            del d[key]
    return {"initial": initial, "dialogues": dialogues}
