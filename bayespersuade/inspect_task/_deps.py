"""The one place the subpackage imports Inspect (with an error naming the extra)."""

from __future__ import annotations

from types import ModuleType

from ..exceptions import missing_dependency

__all__ = ["require_inspect"]


def require_inspect() -> ModuleType:
    """Import ``inspect_ai``, or raise an error saying how to install the extra.

    Raises
    ------
    MissingDependencyError
        If ``inspect_ai`` is not installed (``pip install 'bayespersuade[inspect]'``).

    Examples
    --------
    >>> require_inspect().__name__
    'inspect_ai'
    """
    try:
        import inspect_ai
    except ImportError:
        raise missing_dependency("inspect_ai", "inspect") from None
    return inspect_ai
