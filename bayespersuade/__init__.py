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
