"""Language-model backends behind one small interface (:class:`Backend`).

``transformers``/``torch`` are imported only when a local model is loaded.
"""

from .base import Backend, Chat, GenerationRequest, OptionScores, ScoreRequest
from .hf import TransformersBackend
from .openai import OpenAIChatBackend
from .registry import SPEC_HELP, load_backend, parse_spec
from .scripted import ScriptedBackend, scripted_agent, scripted_receiver, scripted_sender

__all__ = [
    "SPEC_HELP",
    "Backend",
    "Chat",
    "GenerationRequest",
    "OpenAIChatBackend",
    "OptionScores",
    "ScoreRequest",
    "ScriptedBackend",
    "TransformersBackend",
    "load_backend",
    "parse_spec",
    "scripted_agent",
    "scripted_receiver",
    "scripted_sender",
]
