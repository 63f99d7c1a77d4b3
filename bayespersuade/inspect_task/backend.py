"""An Inspect model as a library backend, so the protocol runs unchanged inside Inspect.

:class:`InspectBackend` wraps an ``inspect_ai.model.Model`` (any provider:
OpenAI, Anthropic, Google, vLLM, Hugging Face, ``mockllm``...) in the
:class:`~bayespersuade.llm.backends.base.Backend` interface that
:func:`~bayespersuade.llm.protocol.run_instance` drives:

* :meth:`InspectBackend.generate_batch` sends every chat of a batch to
  ``Model.generate`` concurrently, with ``max_tokens``, ``temperature`` and the
  request's ``seed`` in the ``GenerateConfig`` (providers that take a seed use
  it; Inspect drops it for those that do not);
* :meth:`InspectBackend.score_options_batch` asks for one token with
  ``logprobs=True`` and ``top_logprobs=k`` at temperature 0 and reads each
  option's log-probability from the first token's top-``k`` list, by the rule
  of :mod:`bayespersuade.llm.backends.openai` (tokens compared after stripping
  whitespace, several tokens of one option added up).  An option missing from
  the list is *unobserved*, with the smallest reported log-probability as an
  upper bound; a provider that returns no log-probabilities at all gives
  scores with every option unobserved, so the belief is recorded as
  ``"unavailable"`` (:mod:`bayespersuade.llm.beliefs`) — never a default.

The protocol is synchronous and Inspect is asynchronous: the solver runs
:func:`~bayespersuade.llm.protocol.run_instance` in a worker thread
(``anyio.to_thread.run_sync``) and this backend hands each batch back to the
event loop (``anyio.from_thread.run``), where Inspect's retries, response cache,
connection limits and transcript events apply as to any other generate call.
Called outside a worker thread, a batch runs in an event loop of its own.

The other way round, :func:`backend_model` makes any library backend (the
scripted test agents, a local ``transformers`` model) an Inspect model, for dry
runs of the task offline and for tests.

The chats are sent as the protocol builds them, and the provider formats them
as it formats any chat: some providers merge consecutive user turns (see
:attr:`InspectBackend.collapses_user_messages`, recorded in ``describe()``),
so the belief question shares the argument's turn there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..exceptions import BackendError
from ..llm import prompts
from ..llm.backends.base import (
    Backend,
    Chat,
    GenerationRequest,
    OptionScores,
    ScoreRequest,
    check_chat,
    check_generation_args,
    check_options,
)
from ._deps import require_inspect

__all__ = ["InspectBackend", "backend_model", "option_scores_from_output",
           "to_inspect_messages"]


def to_inspect_messages(messages: Chat) -> list[Any]:
    """A library chat as Inspect chat messages.

    Examples
    --------
    >>> [type(m).__name__ for m in to_inspect_messages(
    ...     [{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
    ...      {"role": "assistant", "content": "A"}])]
    ['ChatMessageSystem', 'ChatMessageUser', 'ChatMessageAssistant']
    """
    require_inspect()
    from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

    kinds = {"system": ChatMessageSystem, "user": ChatMessageUser,
             "assistant": ChatMessageAssistant}
    return [kinds[m["role"]](content=m["content"]) for m in check_chat(messages)]


def option_scores_from_output(output: Any, options: Sequence[str]) -> OptionScores:
    """Options' log-probabilities from the first token of an Inspect ``ModelOutput``.

    Parameters
    ----------
    output : inspect_ai.model.ModelOutput
        A one-token reply generated with ``logprobs=True, top_logprobs=k``.
    options : sequence of str

    Returns
    -------
    OptionScores
        Every option the first token's top-``k`` list does not name is
        unobserved; with no log-probabilities in ``output``, all are.

    Examples
    --------
    >>> import math
    >>> from inspect_ai.model import (ChatCompletionChoice, ChatMessageAssistant, Logprob,
    ...                               Logprobs, ModelOutput, TopLogprob)
    >>> top = [TopLogprob(token=" Yes", logprob=math.log(.5)),
    ...        TopLogprob(token="No", logprob=math.log(.25))]
    >>> out = ModelOutput(choices=[ChatCompletionChoice(
    ...     message=ChatMessageAssistant(content="Yes"),
    ...     logprobs=Logprobs(content=[Logprob(token=" Yes", logprob=math.log(.5),
    ...                                        top_logprobs=top)]))])
    >>> s = option_scores_from_output(out, ("No", "no", "Yes", "yes"))
    >>> s.probability("Yes"), s.probability("no"), s.unobserved_bound == math.log(.25)
    (0.5, None, True)
    >>> option_scores_from_output(ModelOutput.from_content("m", "Yes"), ("Yes",)).observed
    array([False])
    """
    opts = check_options(options)
    lp = np.full(len(opts), math.nan)
    choices = getattr(output, "choices", None) or []
    content = None
    if choices and choices[0].logprobs is not None and choices[0].logprobs.content:
        content = choices[0].logprobs.content[0]
    if content is None:
        return OptionScores(opts, lp, np.zeros(len(opts), dtype=bool), None)
    top = content.top_logprobs or []
    pairs = [(str(t.token), float(t.logprob)) for t in top]
    if not pairs:
        pairs = [(str(content.token), float(content.logprob))]
    return OptionScores.from_top(opts, pairs)


class InspectBackend(Backend):
    """A library backend that generates and scores through an Inspect model.

    Parameters
    ----------
    model : inspect_ai.model.Model
        For example ``get_model(role="receiver")`` inside a solver.
    top_logprobs : int, default 20
        ``k`` of the belief requests (20 is OpenAI's maximum).
    cache : bool or inspect_ai.model.CachePolicy, default False
        Inspect's response cache for every request (see the how-to
        "Evaluate with Inspect").
    logprobs : bool, default True
        Whether beliefs are requested at all (:attr:`supports_logprobs`).

    Examples
    --------
    A scripted ``mockllm`` model (usage set, so that Inspect counts no tokens):

    >>> from inspect_ai.model import ModelOutput, ModelUsage, get_model
    >>> outs = [ModelOutput.from_content("mockllm", t) for t in ("Hello!", "Yes")]
    >>> for o in outs:
    ...     o.usage = ModelUsage()
    >>> b = InspectBackend(get_model("mockllm/model", custom_outputs=outs, memoize=False))
    >>> b.generate([{"role": "user", "content": "Hi"}], max_new_tokens=8)
    'Hello!'
    >>> b.score_options([{"role": "user", "content": "Yes?"}], ("Yes", "No")).observed
    array([False, False])
    >>> b.describe()["name"]
    'mockllm/model'
    """

    def __init__(self, model: Any, *, top_logprobs: int = 20, cache: Any = False,
                 logprobs: bool = True) -> None:
        require_inspect()
        from inspect_ai.model import Model

        if not isinstance(model, Model):
            raise BackendError(f"model must be an inspect_ai Model, got {type(model).__name__}")
        if isinstance(top_logprobs, bool) or not isinstance(top_logprobs, int) or (
                top_logprobs < 1):
            raise BackendError(f"top_logprobs must be a positive integer, got {top_logprobs!r}")
        self.model = model
        self.top_logprobs = top_logprobs
        self.cache = cache
        self.supports_logprobs = bool(logprobs)
        self.name = str(model)

    # ------------------------------------------------------------ the bridge
    def _run(self, fn: Any, *args: Any) -> Any:
        import anyio
        import anyio.from_thread

        try:
            return anyio.from_thread.run(fn, *args)
        except RuntimeError as e:
            if "worker thread" not in str(e) and "event loop" not in str(e):
                raise
            return anyio.run(fn, *args)

    async def _gather(self, coros: Sequence[Any]) -> list[Any]:
        import anyio

        results: list[Any] = [None] * len(coros)

        async def one(i: int, c: Any) -> None:
            results[i] = await c

        async with anyio.create_task_group() as tg:
            for i, c in enumerate(coros):
                tg.start_soon(one, i, c)
        return results

    async def _generate_all(self, requests: Sequence[GenerationRequest], max_new_tokens: int,
                            temperature: float) -> list[Any]:
        from inspect_ai.model import GenerateConfig

        coros = [self.model.generate(
            to_inspect_messages(r.messages),
            config=GenerateConfig(max_tokens=max_new_tokens, temperature=float(temperature),
                                  seed=r.seed),
            cache=self.cache) for r in requests]
        return await self._gather(coros)

    async def _score_all(self, requests: Sequence[ScoreRequest]) -> list[Any]:
        from inspect_ai.model import GenerateConfig

        config = GenerateConfig(max_tokens=1, temperature=0.0, logprobs=True,
                                top_logprobs=self.top_logprobs)
        coros = [self.model.generate(to_inspect_messages(r.messages), config=config,
                                     cache=self.cache) for r in requests]
        return await self._gather(coros)

    # ------------------------------------------------------------ Backend
    def generate(self, messages: Chat, *, max_new_tokens: int, temperature: float = 0.0,
                 seed: int | None = None, prefix: str = "") -> str:
        """One reply (see :meth:`generate_batch`)."""
        return self.generate_batch([GenerationRequest(messages, seed, prefix)],
                                   max_new_tokens=max_new_tokens, temperature=temperature)[0]

    def generate_batch(self, requests: Sequence[GenerationRequest], *, max_new_tokens: int,
                       temperature: float = 0.0) -> list[str]:
        """Replies to several chats, sent to the Inspect model concurrently.

        Raises
        ------
        BackendError
            For a request with a prefix (assistant prefill is not portable
            across Inspect's providers; run without ``prefill``).
        """
        check_generation_args(max_new_tokens, temperature)
        for r in requests:
            if r.prefix:
                raise BackendError("assistant prefill is not supported through Inspect; "
                                   "run the protocol without prefill")
        outputs = self._run(self._generate_all, list(requests), max_new_tokens, temperature)
        return [o.completion for o in outputs]

    def score_options(self, messages: Chat, options: Sequence[str]) -> OptionScores:
        """Options' first-token log-probabilities (see :func:`option_scores_from_output`)."""
        return self.score_options_batch([ScoreRequest(messages, tuple(options))])[0]

    def score_options_batch(self, requests: Sequence[ScoreRequest]) -> list[OptionScores]:
        """Scores of several chats' options, requested concurrently."""
        if not self.supports_logprobs:
            raise BackendError(f"backend {self.name!r} was configured without log-probabilities")
        for r in requests:
            check_options(r.options)
        outputs = self._run(self._score_all, list(requests))
        return [option_scores_from_output(o, r.options) for o, r in zip(outputs, requests)]

    @property
    def collapses_user_messages(self) -> bool:
        """Whether the provider merges consecutive user turns into one.

        Inspect's Anthropic, Bedrock, Azure AI, Hugging Face, vLLM and SGLang
        providers join consecutive user messages with a newline before sending
        them; the belief question, which follows the argument's user turn,
        then arrives in the same turn as the argument.  Recorded with every run.
        """
        return bool(self.model.api.collapse_user_messages())

    def describe(self) -> Mapping[str, Any]:
        """What to record about this backend: the Inspect model and provider."""
        return {"backend": "inspect", "name": self.name,
                "api": type(self.model.api).__name__, "top_logprobs": self.top_logprobs,
                "collapses_user_messages": self.collapses_user_messages}


def backend_model(backend: Backend, *, logprobs: bool = True,
                  record: list | None = None) -> Any:
    """A library backend as an Inspect model (the ``mockllm`` provider, offline).

    A request with ``logprobs`` set whose last user turn ends with one of the
    protocol's belief questions is answered with one token and a top-``k``
    list holding the backend's log-probabilities of that question's answers
    (answers the backend does not report, or reports as impossible, are left
    out, as a server's list would leave them); any other request with the
    backend's reply, generated with the request's token limit, temperature and
    seed.  Token usage is reported as zero (Inspect counts nothing).

    Parameters
    ----------
    backend : Backend
    logprobs : bool, default True
        ``False`` plays a provider that returns no log-probabilities.
    record : list, optional
        Receives every request as a ``(chat, GenerateConfig)`` pair.

    Returns
    -------
    inspect_ai.model.Model

    Examples
    --------
    >>> from bayespersuade.llm.backends.scripted import scripted_receiver
    >>> b = InspectBackend(backend_model(scripted_receiver(p0=0.25)))
    >>> chat = [{"role": "user", "content": prompts.BELIEF_YES_NO_QUESTION}]
    >>> round(b.score_options(chat, ("Yes", "No")).probability("Yes"), 12)
    0.15
    """
    require_inspect()
    from inspect_ai.model import (
        ChatCompletionChoice,
        ChatMessageAssistant,
        Logprob,
        Logprobs,
        ModelOutput,
        ModelUsage,
        TopLogprob,
        get_model,
    )

    from ..llm.beliefs import belief_options

    questions = {prompts.BELIEF_YES_NO_QUESTION: "yes_no",
                 prompts.BELIEF_LIKERT_QUESTION: "likert"}

    def answer(input: Any, tools: Any, tool_choice: Any, config: Any) -> Any:
        chat = [{"role": m.role, "content": m.text} for m in input]
        if record is not None:
            record.append((chat, config))
        kind = next((k for q, k in questions.items()
                     if chat[-1]["role"] == "user" and chat[-1]["content"].endswith(q)), None)
        if config.logprobs and kind is not None:
            s = backend.score_options(chat, belief_options(kind))
            top = sorted((TopLogprob(token=o, logprob=float(lp))
                          for o, lp, ob in zip(s.options, s.logprobs, s.observed)
                          if ob and lp != -math.inf), key=lambda t: -t.logprob)
            top = top[: config.top_logprobs or 20]
            if not logprobs or not top:
                out = ModelOutput.from_content("mockllm", top[0].token if top else "")
            else:
                first = Logprob(token=top[0].token, logprob=top[0].logprob, top_logprobs=top)
                out = ModelOutput(model="mockllm", choices=[ChatCompletionChoice(
                    message=ChatMessageAssistant(content=top[0].token),
                    logprobs=Logprobs(content=[first]))])
        else:
            text = backend.generate(chat, max_new_tokens=config.max_tokens or 1,
                                    temperature=config.temperature or 0.0, seed=config.seed)
            out = ModelOutput.from_content("mockllm", text)
        out.usage = ModelUsage()
        return out

    return get_model("mockllm/model", custom_outputs=answer, memoize=False)
