"""The LLM bridge: language models as sender and receiver, scored against the optimum.

A language model persuades (the *sender*) another (the *receiver*) of a
claim, following the protocol of Cheng & You (2025); the receiver's reported
scores and elicited beliefs give the achieved persuasion gain, which is placed
against the exact optimum of the same Bayesian persuasion game.

Nothing here imports ``torch`` or ``transformers``; local models load them
when they are used (``pip install 'bayespersuade[llm]'``).

Examples
--------
>>> from bayespersuade.llm import ProtocolConfig, run_instance, instance_metrics
>>> from bayespersuade.llm import scripted_receiver, scripted_sender
>>> raw = run_instance("Cats are mammals.", scripted_sender([1]), scripted_receiver(),
...                    ProtocolConfig("static"), seed=0)
>>> m = instance_metrics(raw, family="binary-truth")
>>> m["rounds"][0]["score_gains"], m["game"]["ceiling_exact"]
([1], '0')
"""

from .backends import (
    SPEC_HELP,
    Backend,
    GenerationRequest,
    OpenAIChatBackend,
    OptionScores,
    ScoreRequest,
    ScriptedBackend,
    TransformersBackend,
    load_backend,
    scripted_agent,
    scripted_receiver,
    scripted_sender,
)
from .beliefs import Belief, likert_belief, yes_no_belief
from .metrics import FAMILIES, empirical_scheme, instance_metrics, summarize
from .parsing import parse_receiver, parse_sender
from .prompts import PROMPT_VERSION
from .protocol import ProtocolConfig, derive_seed, run_instance
from .smollm2 import find_smollm2_gguf, load_smollm2

__all__ = [
    "FAMILIES",
    "PROMPT_VERSION",
    "SPEC_HELP",
    "Backend",
    "Belief",
    "GenerationRequest",
    "OpenAIChatBackend",
    "OptionScores",
    "ProtocolConfig",
    "ScoreRequest",
    "ScriptedBackend",
    "TransformersBackend",
    "derive_seed",
    "empirical_scheme",
    "find_smollm2_gguf",
    "instance_metrics",
    "likert_belief",
    "load_backend",
    "load_smollm2",
    "parse_receiver",
    "parse_sender",
    "run_instance",
    "scripted_agent",
    "scripted_receiver",
    "scripted_sender",
    "summarize",
    "yes_no_belief",
]
