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

import contextlib
import math

from bayespersuade.llm import prompts
from bayespersuade.llm.backends.scripted import ScriptedBackend
from bayespersuade.llm.beliefs import belief_options

_QUESTIONS = {prompts.BELIEF_YES_NO_QUESTION: "yes_no",
              prompts.BELIEF_LIKERT_QUESTION: "likert"}


def _chat(messages) -> list[dict]:
    return [{"role": m.role, "content": m.text} for m in messages]


def answerer(backend, *, logprobs: bool = True, calls: list | None = None):
    """A mockllm ``custom_outputs`` callable answering as ``backend`` does."""
    from inspect_ai.model import (
        ChatCompletionChoice,
        ChatMessageAssistant,
        Logprob,
        Logprobs,
        ModelOutput,
        ModelUsage,
        TopLogprob,
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
        out.usage = ModelUsage()   # so that Inspect counts no tokens (tiktoken is online)
        return out

    return answer


def mock_model(backend, *, logprobs: bool = True, calls: list | None = None):
    """An Inspect mockllm model answering as ``backend`` does.

    ``logprobs=False`` makes it a provider that returns no log-probabilities.
    ``calls`` (a list) receives every ``(messages, config)`` pair.
    """
    from inspect_ai.model import get_model

    return get_model("mockllm/model", custom_outputs=answerer(backend, logprobs=logprobs,
                                                              calls=calls), memoize=False)


def seeded_sender(name: str = "mockllm/model") -> ScriptedBackend:
    """A sender whose argument strength is a function of its seed (not of call order)."""
    def reply(messages, seed):
        return (f"<opinion>They doubt it.</opinion><thinking>Plan.</thinking>"
                f"<argument>Consider the evidence [strength {seed % 4 - 1}].</argument>")
    return ScriptedBackend(reply, name=name)


#: The scripted receiver's settings in these tests: P(yes) = 0.4 + 0.05·S stays
#: inside (0, 1) for every strength sum the seeded sender reaches.
RECEIVER = {"start": 3, "p0": 0.4, "dp": 0.05}


def _register_provider() -> None:
    """``bpscripted/sender`` and ``bpscripted/receiver``: the agents above as a provider.

    For the command line, where no Python object can be passed as a model; an
    ``inspect_ai`` entry point naming this module registers it.
    """
    from inspect_ai.model import GenerateConfig, modelapi
    from inspect_ai.model._providers.mockllm import MockLLM

    from bayespersuade.llm.backends.scripted import scripted_receiver

    class ScriptedAPI(MockLLM):
        def __init__(self, model_name, base_url=None, api_key=None, config=None,
                     **model_args):
            agents = {"sender": seeded_sender, "receiver": lambda: scripted_receiver(**RECEIVER)}
            if model_name not in agents:
                raise ValueError(f"bpscripted has models sender and receiver, not {model_name!r}")
            super().__init__(model_name, base_url, api_key, config or GenerateConfig(),
                             custom_outputs=answerer(agents[model_name]()))

    @modelapi(name="bpscripted")
    def bpscripted():
        return ScriptedAPI


with contextlib.suppress(ImportError):  # without the inspect extra: nothing to register
    _register_provider()
