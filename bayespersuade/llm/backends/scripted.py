"""A deterministic scripted backend, for exact tests and examples.

:class:`ScriptedBackend` replies with fixed text (or a function of the chat)
and reports fixed log-probabilities (or a function of the chat).  Two scripted
*agents* make the protocol's numbers computable by hand:

* :func:`scripted_sender` writes arguments that carry a visible marker
  ``[strength k]``, cycling through a list of strengths (one per call, in call
  order);
* :func:`scripted_receiver` adds up the strength markers in the arguments it
  has seen, ``S``, and answers the score ``clip(start + S, 1, 7)`` and the belief
  ``P(yes) = clip(p0 + dp·S, 0, 1)``, with a distribution over ``1..7`` that
  puts 1/2 on the reported score and 1/12 on each other answer.

They are test doubles, not models of anyone.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ...exceptions import BackendError
from .base import Backend, Chat, OptionScores, check_chat, check_generation_args, check_options

__all__ = ["ScriptedBackend", "scripted_agent", "scripted_receiver", "scripted_sender"]

ReplyFn = Callable[[list[dict], "int | None"], str]
ScoreFn = Callable[[list[dict], tuple[str, ...]], Any]


class ScriptedBackend(Backend):
    """A backend whose replies and log-probabilities are scripted.

    Parameters
    ----------
    reply : str, sequence of str, or callable
        A fixed reply; replies used in turn (cycling) in call order; or a
        function ``reply(messages, seed) -> str``.
    scores : mapping or callable, optional
        Log-probabilities of candidate answers: a mapping ``option ->
        logprob`` (options missing from it are reported as *unobserved*, as
        an HTTP server's top-k list would), or a function
        ``scores(messages, options)`` returning a mapping or a sequence of
        log-probabilities (``nan`` for unobserved).  Without ``scores`` the
        backend does not support log-probabilities.
    name : str, default "scripted"

    Attributes
    ----------
    calls : list of tuple
        Every call made, as ``("generate", messages, seed)`` or
        ``("score", messages, options)``.

    Examples
    --------
    >>> import math
    >>> b = ScriptedBackend("<score>5</score>", scores={"Yes": math.log(0.3)})
    >>> b.generate([{"role": "user", "content": "Rate it."}], max_new_tokens=8)
    '<score>5</score>'
    >>> s = b.score_options([{"role": "user", "content": "Q?"}], ["Yes", "No"])
    >>> round(s.probability("Yes"), 12), s.probability("No")
    (0.3, None)
    """

    def __init__(
        self,
        reply: str | Sequence[str] | ReplyFn,
        scores: Mapping[str, float] | ScoreFn | None = None,
        *,
        name: str = "scripted",
        spec: str | None = None,
    ) -> None:
        if isinstance(reply, str):
            fixed = reply
            self._reply: ReplyFn = lambda messages, seed: fixed
        elif callable(reply):
            self._reply = reply
        elif isinstance(reply, Sequence) and len(reply) > 0 and all(
            isinstance(r, str) for r in reply
        ):
            cycle = itertools.cycle(list(reply))
            self._reply = lambda messages, seed: next(cycle)
        else:
            raise BackendError("reply must be a string, a non-empty list of strings or a callable")
        if scores is not None and not (isinstance(scores, Mapping) or callable(scores)):
            raise BackendError("scores must be a mapping option -> logprob or a callable")
        self._scores = scores
        self.supports_logprobs = scores is not None
        # Replies used in turn depend on call order; anything else is a pure function.
        self.concurrent_safe = isinstance(reply, str) or callable(reply)
        self.name = name
        self._spec = spec
        self.calls: list[tuple] = []

    def generate(self, messages: Chat, *, max_new_tokens: int, temperature: float = 0.0,
                 seed: int | None = None, prefix: str = "") -> str:
        """The scripted reply (``max_new_tokens`` and ``temperature`` are checked, unused).

        With a ``prefix``, a scripted reply that does not start with it is
        returned with the prefix in front.
        """
        check_generation_args(max_new_tokens, temperature)
        msgs = check_chat(messages)
        self.calls.append(("generate", msgs, seed))
        out = self._reply(msgs, seed)
        if not isinstance(out, str):
            raise BackendError(f"scripted reply must be a string, got {type(out).__name__}")
        return out if out.startswith(prefix) else prefix + out

    def score_options(self, messages: Chat, options: Sequence[str]) -> OptionScores:
        """The scripted log-probabilities of ``options``."""
        msgs = check_chat(messages)
        opts = check_options(options)
        if self._scores is None:
            raise BackendError(f"backend {self.name!r} does not provide log-probabilities")
        self.calls.append(("score", msgs, opts))
        raw = self._scores if isinstance(self._scores, Mapping) else self._scores(msgs, opts)
        if isinstance(raw, Mapping):
            lp = np.array([float(raw[o]) if o in raw else math.nan for o in opts])
        else:
            lp = np.asarray(raw, dtype=np.float64)
            if lp.shape != (len(opts),):
                raise BackendError(f"scripted scores returned {lp.shape} values for "
                                   f"{len(opts)} options")
        observed = ~np.isnan(lp)
        if np.any(lp[observed] > 0):
            raise BackendError(f"scripted log-probabilities must be <= 0, got {lp.tolist()}")
        bound = float(lp[observed].min()) if observed.any() and not observed.all() else None
        return OptionScores(opts, lp, observed, bound)

    def describe(self) -> dict:
        """What to record about this backend."""
        d = {"backend": "scripted", "name": self.name}
        if self._spec is not None:
            d["spec"] = self._spec
        return d


# ------------------------------------------------------------------ agents

_STRENGTH = re.compile(r"\[strength (-?\d+)\]")


def _seen_strength(messages: list[dict]) -> int:
    return sum(int(m) for msg in messages if msg["role"] == "user"
               for m in _STRENGTH.findall(msg["content"]))


def _log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf


def scripted_receiver(
    start: int = 3, p0: float = 0.25, dp: float = 0.1, *, name: str = "scripted:receiver"
) -> ScriptedBackend:
    """A scripted receiver that moves by the strength markers it reads.

    With ``S`` the sum of the ``[strength k]`` markers in the user turns so
    far, it answers ``<score>clip(start + S, 1, 7)</score>`` (with an opinion
    and a question) and reports the log-probabilities of

    * ``Yes``/``yes``/``No``/``no``: ``0.6 p``, ``0.2 p``, ``0.6 (1-p)``,
      ``0.2 (1-p)`` with ``p = clip(p0 + dp·S, 0, 1)`` (so ``P(yes)``
      renormalised over yes/no is ``p``, and the answers carry mass 0.8);
    * ``1``..``7``: ``0.9 × 1/2`` on the score it would report and
      ``0.9 × 1/12`` on each other answer.

    Examples
    --------
    >>> r = scripted_receiver(start=3, p0=0.25, dp=0.1)
    >>> chat = [{"role": "user", "content": "Claim: X."},
    ...         {"role": "user", "content": "Argument [strength 2]"}]
    >>> from bayespersuade.llm.parsing import parse_receiver
    >>> parse_receiver(r.generate(chat, max_new_tokens=16)).score
    5
    >>> round(r.score_options(chat, ["Yes", "No"]).probability("Yes"), 12)   # 0.6 * 0.45
    0.27
    """
    if not (isinstance(start, int) and 1 <= start <= 7):
        raise BackendError(f"start must be an integer from 1 to 7, got {start!r}")

    def state(messages):
        s = _seen_strength(messages)
        return min(7, max(1, start + s)), min(1.0, max(0.0, p0 + dp * s))

    def reply(messages, seed):
        score, _ = state(messages)
        return (f"<thinking>I have read arguments of total strength "
                f"{_seen_strength(messages)}.</thinking><score>{score}</score>"
                f"<opinion>I am not yet convinced.</opinion>"
                f"<question>What evidence supports the claim?</question>")

    def scores(messages, options):
        score, p = state(messages)
        table = {"Yes": _log(0.6 * p), "yes": _log(0.2 * p),
                 "No": _log(0.6 * (1 - p)), "no": _log(0.2 * (1 - p))}
        for k in range(1, 8):
            table[str(k)] = math.log(0.9 * (0.5 if k == score else 1 / 12))
        return {o: table[o] for o in options if o in table}

    return ScriptedBackend(reply, scores, name=name, spec=name)


def scripted_sender(
    strengths: Sequence[int] = (1,),
    *,
    support: Sequence[int] | None = None,
    undermine: Sequence[int] | None = None,
    name: str = "scripted:sender",
) -> ScriptedBackend:
    """A scripted sender whose arguments carry ``[strength k]`` markers.

    Each call uses the next strength of a cycle: ``strengths`` normally, or
    ``support`` / ``undermine`` when the system prompt gives it private
    evidence with that stance (see :func:`~bayespersuade.llm.prompts.sender_system`).
    Cycles advance in call order; the protocol calls the sender once per
    sample and round, samples in order, so with ``len(strengths)`` equal to the
    number of samples sample ``k`` always gets ``strengths[k]``.

    Examples
    --------
    >>> s = scripted_sender([1, 3])
    >>> chat = [{"role": "system", "content": "Persuade."}, {"role": "user", "content": "Go."}]
    >>> [s.generate(chat, max_new_tokens=64).split("[")[1][:10] for _ in range(3)]
    ['strength 1', 'strength 3', 'strength 1']
    """
    cycles = {None: itertools.cycle(list(strengths))}
    for key, val in (("support", support), ("undermine", undermine)):
        cycles[key] = itertools.cycle(list(val)) if val is not None else cycles[None]
    verbs = {"support": "supports the claim:", "undermine": "undermines the claim:"}

    def reply(messages, seed):
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
        stance = next((k for k, v in verbs.items() if v in system), None)
        k = next(cycles[stance])
        return (f"<opinion>They are unsure.</opinion><thinking>Use strength {k}.</thinking>"
                f"<argument>A reason [strength {k}]</argument>")

    return ScriptedBackend(reply, None, name=name, spec=name)


def _parse_params(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if not text:
        return out
    for part in text.split(","):
        if "=" not in part:
            raise BackendError(f"scripted parameters are key=value pairs, got {part!r}")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _int_list(v: str, key: str) -> list[int]:
    try:
        return [int(x) for x in v.split("/")]
    except ValueError:
        raise BackendError(f"scripted parameter {key} must be integers separated by '/', "
                           f"got {v!r}") from None


def scripted_agent(spec: str) -> ScriptedBackend:
    """Build a scripted agent from its command-line name.

    ``receiver[:start=3,p0=0.25,dp=0.1]``, ``sender[:strengths=1/3,support=2,
    undermine=0/2]``, or ``mute`` (a receiver that never uses the tags and has
    no log-probabilities).

    Examples
    --------
    >>> from bayespersuade.llm.parsing import parse_receiver
    >>> parse_receiver(scripted_agent("receiver:start=2").generate(
    ...     [{"role": "user", "content": "Claim."}], max_new_tokens=8)).score
    2
    """
    kind, _, rest = spec.partition(":")
    params = _parse_params(rest)
    full = f"scripted:{spec}"
    try:
        if kind == "receiver":
            allowed = {"start", "p0", "dp"}
            _check_keys(params, allowed, kind)
            return scripted_receiver(int(params.get("start", 3)), float(params.get("p0", 0.25)),
                                     float(params.get("dp", 0.1)), name=full)
        if kind == "sender":
            _check_keys(params, {"strengths", "support", "undermine"}, kind)
            return scripted_sender(
                _int_list(params.get("strengths", "1"), "strengths"),
                support=_int_list(params["support"], "support") if "support" in params else None,
                undermine=(_int_list(params["undermine"], "undermine")
                           if "undermine" in params else None),
                name=full)
        if kind == "mute":
            _check_keys(params, set(), kind)
            return ScriptedBackend("I would rather not say.", None, name=full, spec=full)
    except ValueError as e:
        raise BackendError(f"bad scripted agent {full!r}: {e}") from None
    raise BackendError(
        f"unknown scripted agent {kind!r}; choose receiver, sender or mute "
        f"(for example scripted:receiver:start=3)"
    )


def _check_keys(params: dict, allowed: set, kind: str) -> None:
    extra = set(params) - allowed
    if extra:
        raise BackendError(f"scripted {kind} takes {sorted(allowed) or 'no parameters'}, "
                           f"got {sorted(extra)}")

