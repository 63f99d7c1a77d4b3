"""The backend interface every language model implements.

A backend does two things:

* :meth:`Backend.generate` — write an assistant reply to a chat;
* :meth:`Backend.score_options` — the log-probability of each of a few
  candidate answers (``"yes"``/``"no"``, ``"1"`` .. ``"7"``) as the *start* of
  the assistant reply to a chat.

Both have ``*_batch`` variants; the default implementations loop, and backends
that can batch (the ``transformers`` backend) override them.

Chats are lists of ``{"role": ..., "content": ...}`` mappings with roles
``"system"``, ``"user"`` and ``"assistant"``, as in every chat API.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...exceptions import BackendError

__all__ = [
    "Backend",
    "Chat",
    "GenerationRequest",
    "OptionScores",
    "ScoreRequest",
    "check_chat",
]

#: A chat: a sequence of ``{"role": ..., "content": ...}`` messages.
Chat = Sequence[Mapping[str, str]]

_ROLES = ("system", "user", "assistant")


def check_chat(messages: Any) -> list[dict[str, str]]:
    """Validate a chat and return it as a list of plain dicts.

    Raises
    ------
    BackendError
        If the chat is empty, or a message is not a mapping with a known
        ``role`` and a string ``content``.

    Examples
    --------
    >>> check_chat([{"role": "user", "content": "Hello"}])
    [{'role': 'user', 'content': 'Hello'}]
    >>> check_chat([{"role": "robot", "content": "Hi"}])
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.BackendError: message 0 has role 'robot'; ...
    """
    if type(messages) is not list and (isinstance(messages, str | bytes)
                                       or not isinstance(messages, Sequence)):
        raise BackendError(
            "a chat must be a list of {'role', 'content'} messages, got "
            f"{type(messages).__name__}"
        )
    if len(messages) == 0:
        raise BackendError("a chat must contain at least one message")
    out = []
    for i, m in enumerate(messages):
        if type(m) is not dict and not isinstance(m, Mapping):  # dict: no ABC check
            raise BackendError(f"message {i} is a {type(m).__name__}, not a mapping")
        role, content = m.get("role"), m.get("content")
        if role not in _ROLES:
            raise BackendError(f"message {i} has role {role!r}; roles are {', '.join(_ROLES)}")
        if not isinstance(content, str):
            raise BackendError(f"message {i} has non-string content {type(content).__name__}")
        out.append({"role": role, "content": content})
    return out


@dataclass(frozen=True)
class GenerationRequest:
    """One chat to answer, with the seed of its sampling.

    Attributes
    ----------
    messages : Chat
    seed : int or None
        Seed of the sampling (ignored at temperature 0).
    prefix : str
        Text the assistant reply is forced to start with ("prefill"); the
        returned reply includes it.  Empty by default.
    """

    messages: Chat
    seed: int | None = None
    prefix: str = ""


@dataclass(frozen=True)
class ScoreRequest:
    """One chat and the candidate answers to score at the start of its reply."""

    messages: Chat
    options: tuple[str, ...]


@dataclass(frozen=True)
class OptionScores:
    """Log-probabilities of candidate answers at the start of a reply.

    Attributes
    ----------
    options : tuple of str
        The candidate answers, in the order requested.
    logprobs : numpy.ndarray of float
        ``log P(option | chat)`` for each option (natural log; ``-inf`` for
        probability zero).  Where ``observed`` is false the value is ``nan``:
        the backend did not report it.
    observed : numpy.ndarray of bool
        Whether each option's log-probability was reported.  Always true for
        local models; an HTTP server reports only its top-``k`` first tokens.
    unobserved_bound : float or None
        An upper bound on the log-probability of every unobserved option (the
        smallest log-probability the server did report), where known.

    Examples
    --------
    >>> import numpy as np
    >>> s = OptionScores.complete(("yes", "no"), [np.log(0.2), np.log(0.6)])
    >>> s.probability("no")
    0.6
    """

    options: tuple[str, ...]
    logprobs: np.ndarray
    observed: np.ndarray
    unobserved_bound: float | None = None

    @classmethod
    def complete(cls, options: Sequence[str], logprobs: Sequence[float]) -> OptionScores:
        """Scores with every option observed."""
        lp = np.asarray(logprobs, dtype=np.float64)
        if lp.shape != (len(options),):
            raise BackendError(
                f"got {lp.shape} log-probabilities for {len(options)} options"
            )
        if np.any(np.isnan(lp)) or np.any(lp > 1e-9):
            raise BackendError(f"log-probabilities must be <= 0 and not nan, got {lp.tolist()}")
        return cls(tuple(options), np.minimum(lp, 0.0), np.ones(len(options), dtype=bool), None)

    @classmethod
    def from_top(cls, options: tuple[str, ...],
                 pairs: Sequence[tuple[str, float]]) -> OptionScores:
        """Scores from a server's top-``k`` first tokens ``(token, logprob)``.

        A token counts for the option it equals after stripping whitespace;
        several tokens of one option add up (``logaddexp``); values above 0
        (rounding) become 0; the smallest reported log-probability bounds
        every option not reported.  Plain floats while reading (numpy per
        option costs more than the rest of an answer): the same values, bit
        for bit, as the array arithmetic ``np.minimum(lp, 0.0)``.

        Examples
        --------
        ``" Yes"`` and ``"Yes"`` add up; ``"yes"`` is another option:

        >>> s = OptionScores.from_top(("Yes", "No", "7"), [(" Yes", -0.5), ("yes", -1.0),
        ...                                              ("No", -1.5), ("Yes", -2.0)])
        >>> round(float(s.logprobs[0]), 6), s.observed.tolist(), s.unobserved_bound
        (-0.298587, [True, True, False], -2.0)
        """
        lp = [math.nan] * len(options)
        for tok, val in pairs:
            key = tok.strip()
            if key in options:
                i = options.index(key)
                lp[i] = val if math.isnan(lp[i]) else float(np.logaddexp(lp[i], val))
        observed = [not math.isnan(v) for v in lp]
        lp = [v if not o or v < 0.0 else 0.0 for v, o in zip(lp, observed, strict=True)]
        bound = min(v for _, v in pairs) if pairs and not all(observed) else None
        return cls(options, np.array(lp, dtype=np.float64), np.array(observed, dtype=bool),
                   bound)

    def probability(self, option: str) -> float | None:
        """``P(option)``, or ``None`` if it was not observed."""
        i = self.options.index(option)
        return float(math.exp(self.logprobs[i])) if self.observed[i] else None

    def to_json(self) -> dict:
        """A JSON-serialisable record (``null`` for unobserved, ``"-inf"`` for zero)."""

        def enc(x: float, obs: bool):
            if not obs:
                return None
            return "-inf" if x == -math.inf else float(x)

        return {
            "options": list(self.options),
            "logprobs": [enc(x, o) for x, o in zip(self.logprobs, self.observed)],
            "unobserved_bound": self.unobserved_bound,
        }


class Backend(ABC):
    """A language model that can chat and score candidate answers.

    Subclasses implement :meth:`generate` and :meth:`score_options`, and may
    override the batch methods.  :attr:`supports_logprobs` says whether
    :meth:`score_options` works at all.

    Attributes
    ----------
    name : str
        A short identifier recorded with every result (``"smollm2"``, a path, a
        model name).
    supports_logprobs : bool
        Whether the backend can score options.
    concurrent_safe : bool
        Whether several instances may call it at once from different threads
        with the same results as one after another (default ``False``: the
        runner then runs instances one at a time).
    reproducible_seeds : bool
        Whether a request with a fixed seed returns the same reply every time
        (default ``False``); such requests may be served from a response cache
        (:mod:`bayespersuade.llm.cache`) even at a temperature above zero.

    Examples
    --------
    A backend that always answers the same and knows no probabilities:

    >>> class Parrot(Backend):
    ...     name, supports_logprobs = "parrot", False
    ...     def generate(self, messages, *, max_new_tokens, temperature=0.0, seed=None,
    ...                  prefix=""):
    ...         return prefix + "<score>4</score>"
    ...     def score_options(self, messages, options):
    ...         raise NotImplementedError
    >>> Parrot().generate_batch([GenerationRequest([{"role": "user", "content": "?"}])],
    ...                         max_new_tokens=8)
    ['<score>4</score>']
    """

    name: str = "backend"
    supports_logprobs: bool = True
    concurrent_safe: bool = False
    reproducible_seeds: bool = False

    @abstractmethod
    def generate(
        self,
        messages: Chat,
        *,
        max_new_tokens: int,
        temperature: float = 0.0,
        seed: int | None = None,
        prefix: str = "",
    ) -> str:
        """Write the assistant's reply to a chat.

        Parameters
        ----------
        messages : Chat
            The conversation so far.
        max_new_tokens : int
            Upper bound on the reply's length in tokens.
        temperature : float, default 0.0
            Sampling temperature; 0 is greedy (deterministic) decoding.
        seed : int, optional
            Seed of the sampling (required for reproducible sampling).
        prefix : str, default ""
            Force the reply to start with this text (assistant prefill); the
            returned text starts with it.

        Returns
        -------
        str
            The reply's text, special tokens removed.
        """

    @abstractmethod
    def score_options(self, messages: Chat, options: Sequence[str]) -> OptionScores:
        """Log-probability of each option as the start of the assistant's reply.

        For a local model this is the exact sum of the option's token
        log-probabilities after the chat's generation prompt.
        """

    def generate_batch(
        self,
        requests: Sequence[GenerationRequest],
        *,
        max_new_tokens: int,
        temperature: float = 0.0,
    ) -> list[str]:
        """:meth:`generate` for several chats (each with its own seed)."""
        return [
            self.generate(r.messages, max_new_tokens=max_new_tokens,
                          temperature=temperature, seed=r.seed, prefix=r.prefix)
            for r in requests
        ]

    def score_options_batch(self, requests: Sequence[ScoreRequest]) -> list[OptionScores]:
        """:meth:`score_options` for several chats."""
        return [self.score_options(r.messages, r.options) for r in requests]

    def describe(self) -> dict:
        """What to record about this backend with every result."""
        return {"backend": type(self).__name__, "name": self.name}

    def clear_cache(self) -> None:  # noqa: B027 - optional hook
        """Forget cached computation (nothing by default).

        The protocol calls it at the start of every instance, so that an
        instance's numbers never depend on which instances ran before it in
        the same process (reused key/value caches change floating-point
        rounding).
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (nothing by default)."""

    def cancel(self) -> None:  # noqa: B027 - optional hook
        """Abandon requests in flight (nothing by default).

        The runner calls it when a run is interrupted, so that calls blocked on
        a server return at once (with :class:`~bayespersuade.exceptions.BackendError`).
        """

    def cache_identity(self) -> dict | None:
        """What identifies this model's answers in a response cache, or ``None``.

        ``None`` (the default) means the backend's responses are never cached.
        Must not contain credentials.
        """
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def check_generation_args(max_new_tokens: Any, temperature: Any) -> None:
    """Validate the common generation arguments (raises :class:`BackendError`).

    Examples
    --------
    >>> check_generation_args(16, 0.7)
    >>> check_generation_args(0, 0.7)
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.BackendError: max_new_tokens must be a positive integer, got 0
    """
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or (
        max_new_tokens < 1
    ):
        raise BackendError(f"max_new_tokens must be a positive integer, got {max_new_tokens!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, int | float) or not (
        temperature >= 0 and math.isfinite(temperature)
    ):
        raise BackendError(f"temperature must be a finite number >= 0, got {temperature!r}")


def check_options(options: Any) -> tuple[str, ...]:
    """Validate a list of candidate answers (non-empty distinct non-empty strings).

    Examples
    --------
    >>> check_options(["Yes", "No"])
    ('Yes', 'No')
    >>> check_options(["Yes", "Yes"])
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.BackendError: options must be distinct, got ['Yes', 'Yes']
    """
    if isinstance(options, str) or not isinstance(options, Sequence) or len(options) == 0:
        raise BackendError(f"options must be a non-empty list of strings, got {options!r}")
    opts = tuple(options)
    for o in opts:
        if not isinstance(o, str) or o == "":
            raise BackendError(f"every option must be a non-empty string, got {o!r}")
    if len(set(opts)) != len(opts):
        raise BackendError(f"options must be distinct, got {list(opts)}")
    return opts
