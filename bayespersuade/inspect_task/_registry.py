"""The ``inspect_ai`` entry point: importing this module registers the task.

``pyproject.toml`` names it under ``[project.entry-points.inspect_ai]``, so
``inspect eval bayespersuade/persuasion`` finds the task without an import.
"""

from __future__ import annotations

from .task import persuasion

__all__ = ["persuasion"]
