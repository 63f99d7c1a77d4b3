"""bayespersuade: Bayesian persuasion, exactly.

The public entry point is :class:`PersuasionGame`; ``game.solve()`` returns a
:class:`Solution`.  See the documentation for tutorials and the theory.
"""

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
from .game import PersuasionGame

__all__ = [
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
