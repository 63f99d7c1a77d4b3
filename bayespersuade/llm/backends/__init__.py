"""Language-model backends behind one small interface (:class:`Backend`).

``transformers``/``torch`` are imported only when a local model is loaded, and the
``openai`` SDK only when an endpoint is first called.  The names below are loaded
on first use (:pep:`562`), so importing one backend module does not import the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
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

#: Public names loaded on first use, and the submodule defining each.
_LAZY = {
    **dict.fromkeys(("Backend", "Chat", "GenerationRequest", "OptionScores", "ScoreRequest"),
                    "base"),
    "TransformersBackend": "hf",
    "OpenAIChatBackend": "openai",
    **dict.fromkeys(("SPEC_HELP", "load_backend", "parse_spec"), "registry"),
    **dict.fromkeys(("ScriptedBackend", "scripted_agent", "scripted_receiver",
                     "scripted_sender"), "scripted"),
}

_SUBMODULES = frozenset({"base", "hf", "openai", "registry", "scripted"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
