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

Three more make the statistics of :mod:`bayespersuade.llm.stats` testable:

* :func:`scripted_informed_sender` draws the truth of the claim from a prior
  (once per dialogue) and then, each round, a strength ``k`` from a known
  signal model ``P(k | truth)``;
* :func:`scripted_bayesian_receiver` knows that prior and that signal model and
  updates ``P(yes)`` by Bayes' rule on the markers it reads, so its posteriors
  average back to its prior (the martingale property) whatever the sender
  does: its signed belief shift is zero in expectation;
* :func:`scripted_credulous_receiver` raises ``P(yes)`` by a fixed amount per
  argument whatever the argument says.

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

__all__ = [
    "DEFAULT_SIGNAL_MODEL",
    "ScriptedBackend",
    "scripted_agent",
    "scripted_bayesian_receiver",
    "scripted_credulous_receiver",
    "scripted_informed_sender",
    "scripted_receiver",
    "scripted_sender",
]

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


#: The default signal model of the informed sender and the Bayesian receiver:
#: strength ``k`` -> ``(P(k | false), P(k | true))``.
DEFAULT_SIGNAL_MODEL: dict[int, tuple[float, float]] = {0: (0.6, 0.2), 1: (0.3, 0.3),
                                                        2: (0.1, 0.5)}


def _check_signal_model(model: Mapping[int, Sequence[float]]) -> dict[int, tuple[float, float]]:
    if not isinstance(model, Mapping) or not model:
        raise BackendError("a signal model is a non-empty mapping strength -> "
                           "(P(k | false), P(k | true))")
    out = {}
    for k, row in model.items():
        if not isinstance(k, int) or isinstance(k, bool):
            raise BackendError(f"signal model: strength {k!r} is not an integer")
        pair = tuple(float(x) for x in row)
        if len(pair) != 2 or not all(0 <= x <= 1 for x in pair):
            raise BackendError(f"signal model: strength {k}: expected (P(k | false), "
                               f"P(k | true)) in [0, 1], got {row!r}")
        out[k] = pair
    for j, name in ((0, "false"), (1, "true")):
        total = sum(v[j] for v in out.values())
        if abs(total - 1) > 1e-9:
            raise BackendError(f"signal model: P(k | {name}) sums to {total}, not 1")
    return out


def _check_p(p: float, what: str) -> float:
    if not (isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p <= 1):
        raise BackendError(f"{what} must be a probability in [0, 1], got {p!r}")
    return float(p)


def _yes_no_scores(p: float, score: int) -> dict[str, float]:
    table = {"Yes": _log(0.6 * p), "yes": _log(0.2 * p),
             "No": _log(0.6 * (1 - p)), "no": _log(0.2 * (1 - p))}
    for k in range(1, 8):
        table[str(k)] = math.log(0.9 * (0.5 if k == score else 1 / 12))
    return table


def _belief_agent(state: Callable[[list[dict]], tuple[int, float]], name: str,
                  spec: str) -> ScriptedBackend:
    def reply(messages, seed):
        score, p = state(messages)
        return (f"<thinking>My belief is {p:.6f}.</thinking><score>{score}</score>"
                f"<opinion>I weigh what I read.</opinion>"
                f"<question>What else supports the claim?</question>")

    def scores(messages, options):
        score, p = state(messages)
        table = _yes_no_scores(p, score)
        return {o: table[o] for o in options if o in table}

    return ScriptedBackend(reply, scores, name=name, spec=spec)


def _score_of(p: float) -> int:
    # the nearest score to 1 + 6p, ties upwards
    return min(7, max(1, math.floor(1 + 6 * p + 0.5)))


def scripted_bayesian_receiver(
    p0: float = 0.5,
    signal_model: Mapping[int, Sequence[float]] | None = None,
    *,
    name: str = "scripted:bayesian",
) -> ScriptedBackend:
    """A receiver that updates ``P(yes)`` by Bayes' rule on the markers it reads.

    It knows its prior ``p0`` and the signal model ``P(k | truth)`` of the
    ``[strength k]`` markers (independent across rounds given the truth), so
    after markers ``k_1..k_r`` it holds ``P(yes) = p0 Π P(k_i | true) /
    (p0 Π P(k_i | true) + (1 − p0) Π P(k_i | false))``.  It reports that belief
    through the yes/no log-probabilities (as :func:`scripted_receiver` does)
    and the nearest score to ``1 + 6·P(yes)``.  When the markers are drawn
    from the same model (:func:`scripted_informed_sender` with the same
    prior), its posteriors average back to ``p0``.

    Parameters
    ----------
    p0 : float, default 0.5
    signal_model : mapping, optional
        ``strength -> (P(k | false), P(k | true))``; default
        :data:`DEFAULT_SIGNAL_MODEL`.  A marker the model does not know is an
        error.

    Examples
    --------
    >>> r = scripted_bayesian_receiver(0.5)
    >>> chat = [{"role": "user", "content": "Claim: X."},
    ...         {"role": "user", "content": "Argument [strength 2]"}]
    >>> p = r.score_options(chat, ["Yes", "No"]).probability("Yes") / 0.6
    >>> round(p, 12)                                  # 0.5·0.5 / (0.5·0.5 + 0.5·0.1)
    0.833333333333
    """
    p0 = _check_p(p0, "p0")
    model = _check_signal_model(DEFAULT_SIGNAL_MODEL if signal_model is None else signal_model)

    def state(messages):
        lt, lf = p0, 1 - p0
        for msg in messages:
            if msg["role"] != "user":
                continue
            for m in _STRENGTH.findall(msg["content"]):
                k = int(m)
                if k not in model:
                    raise BackendError(f"the Bayesian receiver's signal model has no strength "
                                       f"{k}")
                lf, lt = lf * model[k][0], lt * model[k][1]
        p = lt / (lt + lf) if lt + lf > 0 else p0
        return _score_of(p), p

    return _belief_agent(state, name, name)


def scripted_credulous_receiver(
    p0: float = 0.5,
    shift: float = 0.1,
    *,
    name: str = "scripted:credulous",
) -> ScriptedBackend:
    """A receiver that moves toward the sender by ``shift`` per argument, whatever it says.

    After ``n`` arguments (user turns carrying a ``[strength k]`` marker, any
    ``k``) it holds ``P(yes) = clip(p0 + n·shift, 0, 1)`` and reports the
    nearest score to ``1 + 6·P(yes)``: a signed mean shift of ``shift`` per
    round that a Bayesian receiver cannot have.

    Examples
    --------
    >>> r = scripted_credulous_receiver(0.5, 0.1)
    >>> chat = [{"role": "user", "content": "Claim: X."},
    ...         {"role": "user", "content": "Argument [strength 0]"}]
    >>> round(r.score_options(chat, ["Yes"]).probability("Yes") / 0.6, 12)
    0.6
    """
    p0 = _check_p(p0, "p0")
    if not (isinstance(shift, int | float) and math.isfinite(shift)):
        raise BackendError(f"shift must be a finite number, got {shift!r}")

    def state(messages):
        n = sum(1 for msg in messages if msg["role"] == "user"
                and _STRENGTH.search(msg["content"]))
        p = min(1.0, max(0.0, p0 + n * float(shift)))
        return _score_of(p), p

    return _belief_agent(state, name, name)


_STATE = re.compile(r"\[truth (true|false)\]")


def scripted_informed_sender(
    p0: float = 0.5,
    signal_model: Mapping[int, Sequence[float]] | None = None,
    *,
    name: str = "scripted:informed",
) -> ScriptedBackend:
    """A sender that learns the truth (drawn from ``p0``) and sends a noisy signal of it.

    On the first call of a dialogue it draws the truth, ``true`` with
    probability ``p0``, from the call's seed, and notes it in its (private)
    ``<thinking>``; on later calls it reads it back from its own earlier
    reply.  Each call draws a strength ``k`` from ``P(k | truth)`` (the signal
    model, default :data:`DEFAULT_SIGNAL_MODEL`) with the call's seed and argues
    ``[strength k]``.  Deterministic given the seeds.

    Examples
    --------
    >>> s = scripted_informed_sender(1.0, {0: (1.0, 0.0), 2: (0.0, 1.0)})
    >>> chat = [{"role": "system", "content": "Persuade."}, {"role": "user", "content": "Go."}]
    >>> "[strength 2]" in s.generate(chat, max_new_tokens=64, seed=1)
    True
    """
    import random

    p0 = _check_p(p0, "p0")
    model = _check_signal_model(DEFAULT_SIGNAL_MODEL if signal_model is None else signal_model)
    ks = sorted(model)

    def reply(messages, seed):
        rng = random.Random(seed)
        truth = None
        for msg in messages:
            if msg["role"] == "assistant":
                found = _STATE.search(msg["content"])
                if found:
                    truth = found.group(1) == "true"
        if truth is None:
            truth = rng.random() < p0
        k = rng.choices(ks, weights=[model[k][int(truth)] for k in ks])[0]
        return (f"<opinion>They are unsure.</opinion><thinking>[truth "
                f"{'true' if truth else 'false'}] Use strength {k}.</thinking>"
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
    undermine=0/2]``, ``bayesian[:p0=0.5]``, ``credulous[:p0=0.5,shift=0.1]``,
    ``informed[:p0=0.5]`` (the last three with :data:`DEFAULT_SIGNAL_MODEL`), or
    ``mute`` (a receiver that never uses the tags and has no log-probabilities).

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
        if kind in ("bayesian", "credulous", "informed"):
            allowed = {"p0", "shift"} if kind == "credulous" else {"p0"}
            _check_keys(params, allowed, kind)
            p0 = float(params.get("p0", 0.5))
            if kind == "bayesian":
                return scripted_bayesian_receiver(p0, name=full)
            if kind == "informed":
                return scripted_informed_sender(p0, name=full)
            return scripted_credulous_receiver(p0, float(params.get("shift", 0.1)), name=full)
        if kind == "mute":
            _check_keys(params, set(), kind)
            return ScriptedBackend("I would rather not say.", None, name=full, spec=full)
    except ValueError as e:
        raise BackendError(f"bad scripted agent {full!r}: {e}") from None
    raise BackendError(
        f"unknown scripted agent {kind!r}; choose receiver, sender, bayesian, credulous, "
        f"informed or mute "
        f"(for example scripted:receiver:start=3)"
    )


def _check_keys(params: dict, allowed: set, kind: str) -> None:
    extra = set(params) - allowed
    if extra:
        raise BackendError(f"scripted {kind} takes {sorted(allowed) or 'no parameters'}, "
                           f"got {sorted(extra)}")

