"""Inspect ``mockllm`` models that answer like the library's scripted backends.

:func:`mock_model` turns a :class:`~bayespersuade.llm.backends.base.Backend`
into an Inspect model (the ``mockllm`` provider with a callable
``custom_outputs``): a request with ``logprobs`` set is answered with one
token and a top-``k`` list holding the backend's log-probabilities of the
belief question's answers (unobserved answers left out, as a server's top-k
list would); any other request with the backend's reply.  The same backend
run through the library's runner gives the same transcript, so the two
evaluations can be compared number for number.
"""

from __future__ import annotations

import math

from bayespersuade.llm import prompts
from bayespersuade.llm.backends.scripted import ScriptedBackend
from bayespersuade.llm.beliefs import belief_options

_QUESTIONS = {prompts.BELIEF_YES_NO_QUESTION: "yes_no",
              prompts.BELIEF_LIKERT_QUESTION: "likert"}


def _chat(messages) -> list[dict]:
    return [{"role": m.role, "content": m.text} for m in messages]


def mock_model(backend, *, logprobs: bool = True, calls: list | None = None):
    """An Inspect mockllm model answering as ``backend`` does.

    ``logprobs=False`` makes it a provider that returns no log-probabilities.
    ``calls`` (a list) receives every ``(messages, config)`` pair.
    """
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

    def answer(input, tools, tool_choice, config):
        chat = _chat(input)
        if calls is not None:
            calls.append((chat, config))
        if config.logprobs:
            kind = _QUESTIONS[chat[-1]["content"]]
            opts = belief_options(kind)
            s = backend.score_options(chat, opts)
            top = [TopLogprob(token=o, logprob=float(lp))
                   for o, lp, ob in zip(s.options, s.logprobs, s.observed)
                   if ob and lp != -math.inf][: config.top_logprobs or 20]
            top.sort(key=lambda t: -t.logprob)
            if not logprobs or not top:
                out = ModelOutput.from_content("mockllm", "Yes")
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


def seeded_sender(name: str = "mockllm/model") -> ScriptedBackend:
    """A sender whose argument strength is a function of its seed (not of call order)."""
    def reply(messages, seed):
        return (f"<opinion>They doubt it.</opinion><thinking>Plan.</thinking>"
                f"<argument>Consider the evidence [strength {seed % 4 - 1}].</argument>")
    return ScriptedBackend(reply, name=name)
