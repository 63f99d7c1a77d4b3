"""The persuasion game as an Inspect task (the optional ``inspect`` extra).

`Inspect <https://inspect.aisi.org.uk>`_ (``inspect_ai``) runs evaluations
against every model provider, with model roles, retries, a response cache and
``.eval`` logs.  This subpackage plugs the library's protocol and its exact
ceilings into it:

* :func:`~bayespersuade.inspect_task.task.persuasion` — the task, registered
  as ``bayespersuade/persuasion`` through the ``inspect_ai`` entry point, so
  ``inspect eval bayespersuade/persuasion --model-role sender=... --model-role
  receiver=...`` runs one Inspect sample per instance;
* :func:`~bayespersuade.inspect_task.task.persuasion_solver` — plays
  :func:`bayespersuade.llm.protocol.run_instance` (the same prompts, parsing and
  rounds) with the ``sender`` and ``receiver`` model roles, through
  :class:`~bayespersuade.inspect_task.backend.InspectBackend`;
* :func:`~bayespersuade.inspect_task.task.persuasion_scorer` — per sample the
  exact game, the ceiling ``ΔV(μ0)``, the reported-score and model-consistent
  gains and the signed belief shift, computed by
  :func:`bayespersuade.llm.metrics.instance_metrics`;
* :func:`~bayespersuade.inspect_task.logs.import_inspect_log` — an Inspect log
  turned into a normal evaluation directory (``bayespersuade report DIR``);
* :func:`~bayespersuade.inspect_task.backend.backend_model` — a library backend
  (the scripted agents, a local model) as an Inspect model, for offline dry runs.

Nothing outside this subpackage imports Inspect; the names below are loaded on
first use, and raise :class:`~bayespersuade.exceptions.MissingDependencyError`
naming the extra when Inspect is not installed.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "InspectBackend",
    "backend_model",
    "import_inspect_log",
    "persuasion",
    "persuasion_scorer",
    "persuasion_solver",
]

_WHERE = {
    "InspectBackend": "backend",
    "backend_model": "backend",
    "import_inspect_log": "logs",
    "persuasion": "task",
    "persuasion_scorer": "task",
    "persuasion_solver": "task",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    from ._deps import require_inspect

    require_inspect()
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
