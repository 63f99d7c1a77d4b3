"""Inspect models that answer like the library's scripted backends.

:func:`mock_model` is :func:`bayespersuade.inspect_task.backend_model` (a
backend as an Inspect ``mockllm`` model) recording every request.  The same
backend run through the library's runner gives the same transcript, so the two
evaluations can be compared number for number.  ``bpscripted/sender`` and
``bpscripted/receiver`` are the same agents as an Inspect provider, for the
command line.
"""

from __future__ import annotations

import contextlib

from bayespersuade.llm.backends.scripted import ScriptedBackend


def answerer(backend, *, logprobs: bool = True, calls: list | None = None):
    """A mockllm ``custom_outputs`` callable answering as ``backend`` does."""
    return mock_model(backend, logprobs=logprobs, calls=calls).api.outputs


def mock_model(backend, *, logprobs: bool = True, calls: list | None = None):
    """An Inspect mockllm model answering as ``backend`` does.

    ``logprobs=False`` makes it a provider that returns no log-probabilities.
    ``calls`` (a list) receives every ``(messages, config)`` pair.
    """
    from bayespersuade.inspect_task import backend_model

    return backend_model(backend, logprobs=logprobs, record=calls)


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
