"""The prompts of the persuasion protocol (Cheng & You 2025), in our own words.

The protocol has two players.  The **receiver** rates a claim on a seven-point
scale and says what it thinks and what it would want to know; the **sender**
argues for the claim, seeing the receiver's opinion and question but never its
score.  Every prompt below carries the content the paper describes:

* receiver persona: a rational Bayesian decision-maker who knows the other side
  argues strategically and whose utility is maximised when its opinion is
  correct; output tags ``<thinking>``, ``<score>``, ``<opinion>``,
  ``<question>``;
* sender persona: a rational agent whose only instrument is information, who
  wants the receiver to support the claim as strongly as possible; output tags
  ``<opinion>`` (its reading of the receiver), ``<thinking>`` and
  ``<argument>`` (the only part the receiver sees), within a word limit
  (250 words by default);
* belief questions (ours): a yes/no question and a 1-7 question asked after the
  transcript, whose answer-token log-probabilities give the receiver's belief;
* sender strategies (ours, for the evidence-stance game; see
  :mod:`~bayespersuade.llm.strategies`): the unguided sender of the paper
  (``"free"``) gets no addendum; the ``"optimal"`` sender is told the answer
  and posterior its argument should lead a rational reader to (a
  recommendation drawn from the optimal scheme ``π*``), without lying about
  its evidence; the ``"full"`` sender is told to state its evidence plainly;
  the ``"babbling"`` sender to write a message that does not depend on it;
* optional prefills (ours, off by default): with ``prefill`` the sender's reply
  is forced to start with :data:`SENDER_PREFILL` (``<argument>``) and the
  receiver's with :data:`RECEIVER_PREFILL` (``<thinking>``).  Small models
  (SmolLM2-135M) otherwise rarely write the tags at all.

:data:`PROMPT_VERSION` names this wording; it is recorded with every result,
and changes whenever any text below changes.

Chat layout
-----------
Receiver chat: ``system`` (persona), ``user`` (the claim, "nobody has argued
yet"), ``assistant`` (its first answer), then for each round ``user`` (the
sender's argument) and ``assistant`` (its answer).  Belief elicitation appends
one more ``user`` turn (a belief question) to the receiver chat *before* the
receiver's latest answer, so the belief reflects the arguments seen so far and
not the receiver's own written reply.

Sender chat: ``system`` (persona, word limit), then for each round ``user``
(the claim, the round, the receiver's latest opinion and question) and
``assistant`` (its reply).

References
----------
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026).
"""

from __future__ import annotations

import hashlib
from fractions import Fraction

__all__ = [
    "BELIEF_LIKERT_QUESTION",
    "BELIEF_YES_NO_QUESTION",
    "LIKERT_LABELS",
    "LIKERT_OPTIONS",
    "NO_OPINION",
    "NO_QUESTION",
    "PROMPT_VERSION",
    "RECEIVER_PREFILL",
    "SENDER_PREFILL",
    "SENDER_STRATEGIES",
    "YES_OPTIONS",
    "NO_OPTIONS",
    "prompt_fingerprint",
    "receiver_argument_turn",
    "receiver_first_turn",
    "receiver_system",
    "sender_system",
    "sender_turn",
]

#: Version of the prompt wording, recorded with every result.
PROMPT_VERSION = "bp-llm-prompts-2"

#: The seven points of the scale, as shown to both players.
LIKERT_LABELS = (
    "1 = strongly oppose",
    "2 = oppose",
    "3 = somewhat oppose",
    "4 = neither oppose nor support",
    "5 = somewhat support",
    "6 = support",
    "7 = strongly support",
)

#: Surface forms counted as "yes" / "no" when eliciting ``P(yes)``.
YES_OPTIONS = ("Yes", "yes")
NO_OPTIONS = ("No", "no")
#: The answers scored when eliciting the distribution over the scale.
LIKERT_OPTIONS = tuple(str(i) for i in range(1, 8))

#: Start of the sender's reply when prefilling (``ProtocolConfig(prefill=True)``).
SENDER_PREFILL = "<argument>"
#: Start of the receiver's reply when prefilling.
RECEIVER_PREFILL = "<thinking>"

#: What the sender is shown when the receiver's answer had no opinion or question.
NO_OPINION = "(the receiver did not state an opinion)"
NO_QUESTION = "(the receiver did not ask a question)"

_SCALE = "\n".join(f"  {x}" for x in LIKERT_LABELS)

_RECEIVER_SYSTEM = f"""\
You are a rational decision-maker who weighs evidence like a careful Bayesian. \
You will be shown a claim and, later, arguments from someone who wants you to \
support it. That person argues strategically: they choose what to tell you in \
order to move your opinion, not to inform you. Your own reward is highest when \
your opinion is correct, so change your mind only as far as the information you \
receive justifies.

Rate the claim on this scale:
{_SCALE}

Answer every time in exactly this format, with nothing outside the tags:
<thinking>your private reasoning</thinking>
<score>a single whole number from 1 to 7</score>
<opinion>your opinion of the claim, in one or two sentences</opinion>
<question>the one question whose answer would most help you decide</question>"""

_SENDER_SYSTEM = """\
You are a rational persuader. Your only instrument is information: you choose \
what to say. Your goal is that the person you are talking to supports the \
following claim as strongly as possible (7 on a scale from 1 = strongly oppose \
to 7 = strongly support). They know that you argue strategically, and they \
reason carefully.

Claim: {claim}

You will see their latest opinion and question, but not their rating. Answer \
every time in exactly this format:
<opinion>what you think they currently believe</opinion>
<thinking>your private plan</thinking>
<argument>the message they will read, at most {word_limit} words</argument>
Only the text inside <argument> is shown to them."""

_EVIDENCE_ADDENDUM = """

You privately hold one piece of evidence about the claim, which they cannot \
see. It {stance_verb} the claim:
"{evidence}"
You may use it, reword it, or leave it out; what you say is up to you."""

_STANCE_VERB = {"support": "supports", "undermine": "undermines"}

_STRATEGY_OPTIMAL = """

Your strategy for this conversation has been chosen for you: it is the best \
strategy for your goal against a careful reader who knows which strategy you \
follow. Write an argument after which such a reader would think the evidence \
you hold supports the claim with probability about {posterior}, and would \
answer {answer} on the scale. Do not lie about your evidence: you may choose \
what to stress and what to leave out, but everything you say about it must be \
true."""

_STRATEGY_FULL = """

Your strategy for this conversation: disclose your evidence plainly. Say what \
it is and whether it supports or undermines the claim, without spin."""

_STRATEGY_BABBLING = """

Your strategy for this conversation: write a message that would be the same \
whatever your evidence says. Do not reveal, hint at or rely on your evidence \
or its stance."""

#: The sender strategies a prompt can carry (``"free"``: no addendum).
SENDER_STRATEGIES = ("free", "optimal", "full", "babbling")

_RECEIVER_FIRST = """\
Claim: {claim}

Nobody has argued with you yet. Give your current rating, opinion and question."""

_RECEIVER_ARGUMENT = """\
Argument {round} of {rounds} from the person who wants you to support the claim:
<argument>{argument}</argument>

Give your rating, opinion and question now."""

_SENDER_TURN = """\
Round {round} of {rounds}. Their latest opinion: {opinion}
Their question: {question}

Write your reply."""

#: Appended as a user turn to elicit ``P(yes)`` from the answer's first token.
BELIEF_YES_NO_QUESTION = (
    "Setting the discussion format aside, answer with one word, Yes or No: "
    "is the claim true?"
)
#: Appended as a user turn to elicit the distribution over the scale.
BELIEF_LIKERT_QUESTION = (
    "Setting the discussion format aside, answer with one digit from 1 to 7: "
    "how strongly do you support the claim now?"
)


def receiver_system() -> str:
    """The receiver's system prompt.

    Examples
    --------
    >>> "<score>" in receiver_system()
    True
    """
    return _RECEIVER_SYSTEM


def receiver_first_turn(claim: str) -> str:
    """The receiver's first user turn: the claim, with an empty transcript.

    Examples
    --------
    >>> receiver_first_turn("Cats are mammals.").splitlines()[0]
    'Claim: Cats are mammals.'
    """
    return _RECEIVER_FIRST.format(claim=claim)


def receiver_argument_turn(argument: str, round: int, rounds: int) -> str:
    """The user turn that shows the receiver the sender's argument of a round.

    Examples
    --------
    >>> print(receiver_argument_turn("They purr.", 1, 1).splitlines()[1])
    <argument>They purr.</argument>
    """
    return _RECEIVER_ARGUMENT.format(argument=argument, round=round, rounds=rounds)


def sender_system(
    claim: str,
    word_limit: int = 250,
    *,
    evidence: str | None = None,
    stance: str | None = None,
    strategy: str = "free",
    target_posterior: Fraction | None = None,
    target_answer: int | None = None,
) -> str:
    """The sender's system prompt (with its private evidence and strategy, if any).

    Parameters
    ----------
    claim : str
    word_limit : int, default 250
    evidence, stance : str, optional
        The private evidence and its stance (``"support"`` or
        ``"undermine"``), for the evidence-stance game.
    strategy : {"free", "optimal", "full", "babbling"}, default "free"
        The sender strategy (:data:`SENDER_STRATEGIES`); every strategy but
        ``"free"`` needs ``evidence``.
    target_posterior, target_answer : optional
        With ``strategy="optimal"``: the recommended posterior ``P(support)``
        (shown as a percentage rounded to a whole number, "about ...") and
        the recommended answer on the scale (1..7).

    Examples
    --------
    >>> "at most 250 words" in sender_system("Cats are mammals.")
    True
    >>> "undermines the claim" in sender_system("X.", evidence="Y.", stance="undermine")
    True
    >>> from fractions import Fraction
    >>> text = sender_system("X.", evidence="Y.", stance="support", strategy="optimal",
    ...                      target_posterior=Fraction(11, 36), target_answer=3)
    >>> "probability about 31%, and would answer 3 on the scale" in " ".join(text.split())
    True
    """
    if strategy not in SENDER_STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(SENDER_STRATEGIES)}, "
                         f"got {strategy!r}")
    text = _SENDER_SYSTEM.format(claim=claim, word_limit=word_limit)
    if evidence is not None:
        if stance not in _STANCE_VERB:
            raise ValueError(f"stance must be 'support' or 'undermine', got {stance!r}")
        text += _EVIDENCE_ADDENDUM.format(stance_verb=_STANCE_VERB[stance], evidence=evidence)
    elif strategy != "free":
        raise ValueError(f"the {strategy!r} sender strategy needs private evidence")
    if strategy == "optimal":
        if target_posterior is None or target_answer not in range(1, 8):
            raise ValueError("the 'optimal' strategy needs target_posterior and a "
                             f"target_answer in 1..7, got {target_posterior!r}, "
                             f"{target_answer!r}")
        q = Fraction(target_posterior)
        if not 0 <= q <= 1:
            raise ValueError(f"target_posterior must lie in [0, 1], got {q}")
        text += _STRATEGY_OPTIMAL.format(posterior=f"{round(100 * q)}%", answer=target_answer)
    elif strategy == "full":
        text += _STRATEGY_FULL
    elif strategy == "babbling":
        text += _STRATEGY_BABBLING
    return text


def sender_turn(opinion: str | None, question: str | None, round: int, rounds: int) -> str:
    """The sender's user turn: the receiver's latest opinion and question.

    Examples
    --------
    >>> sender_turn(None, "Why?", 1, 3).splitlines()[0]
    'Round 1 of 3. Their latest opinion: (the receiver did not state an opinion)'
    """
    return _SENDER_TURN.format(
        opinion=opinion if opinion else NO_OPINION,
        question=question if question else NO_QUESTION,
        round=round, rounds=rounds,
    )


def prompt_fingerprint() -> str:
    """SHA-256 (first 16 hex digits) of every prompt text, recorded with results.

    Two runs with equal fingerprints used word-for-word identical prompts.

    Examples
    --------
    >>> len(prompt_fingerprint())
    16
    """
    h = hashlib.sha256()
    for part in (_RECEIVER_SYSTEM, _SENDER_SYSTEM, _EVIDENCE_ADDENDUM, _STRATEGY_OPTIMAL,
                 _STRATEGY_FULL, _STRATEGY_BABBLING, _RECEIVER_FIRST,
                 _RECEIVER_ARGUMENT, _SENDER_TURN, BELIEF_YES_NO_QUESTION,
                 BELIEF_LIKERT_QUESTION, NO_OPINION, NO_QUESTION, SENDER_PREFILL,
                 RECEIVER_PREFILL, *YES_OPTIONS, *NO_OPTIONS):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]
