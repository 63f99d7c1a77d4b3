"""bayespersuade: Bayesian persuasion, exactly.

The public entry point is :class:`PersuasionGame`; ``game.solve()`` returns a
:class:`Solution`.  See the documentation for tutorials and the theory.

The names below are loaded on first use (:pep:`562`): ``import bayespersuade``
reads only the exceptions and the version, so the command line and a re-run of
a finished evaluation start without the numerical stack (SciPy, the solvers).
``from bayespersuade import PersuasionGame`` works as always.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .exceptions import (
    BackendError,
    BayesPersuadeError,
    CertificateError,
    DataError,
    GameFileError,
    InvalidGameError,
    InvalidParameterError,
    MissingDependencyError,
    SolverError,
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .game import PersuasionGame, load_game
    from .io import save_game
    from .solution import Signal, Solution
    from .solvers.certify import Certificate, CertificateCheck, verify_certificate

__all__ = [
    "Certificate",
    "CertificateCheck",
    "Signal",
    "Solution",
    "load_game",
    "save_game",
    "verify_certificate",
    "BackendError",
    "BayesPersuadeError",
    "CertificateError",
    "DataError",
    "GameFileError",
    "InvalidGameError",
    "InvalidParameterError",
    "MissingDependencyError",
    "PersuasionGame",
    "SolverError",
    "__version__",
]

#: Public names loaded on first use, and the module (below this package) defining each.
_LAZY = {
    "Certificate": "solvers.certify",
    "CertificateCheck": "solvers.certify",
    "verify_certificate": "solvers.certify",
    "PersuasionGame": "game",
    "load_game": "game",
    "save_game": "io",
    "Signal": "solution",
    "Solution": "solution",
}

#: Submodules reachable as attributes (``bayespersuade.game``...), imported on first use.
_SUBMODULES = frozenset({
    "citations", "cli", "datasets", "examples", "exceptions", "game", "instances", "io",
    "llm", "plots", "solution", "solvers",
})


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
