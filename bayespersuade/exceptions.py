"""The library's exception types.

Every error the library raises on purpose is a :class:`BayesPersuadeError`.
The subclasses say *what kind* of thing went wrong; the message says *where*
(which field, which row, which shape).  Subclasses also derive from the closest
built-in exception, so ``except ValueError`` keeps working for callers who do
not know this library.

===============================  ==============================================
Exception                        Raised when
===============================  ==============================================
:class:`InvalidGameError`        a game's prior, utilities or labels are invalid
:class:`InvalidParameterError`   an option is invalid (unknown method, bad flag)
:class:`GameFileError`           a game file cannot be read or is malformed
:class:`SolverError`             a solver fails (infeasible, numerical trouble)
:class:`CertificateError`        an exact certificate is malformed
:class:`DataError`               a dataset file or row is malformed
:class:`BackendError`            a language-model backend fails
:class:`MissingDependencyError`  an optional extra is needed but not installed
===============================  ==============================================
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "BayesPersuadeError",
    "CertificateError",
    "DataError",
    "GameFileError",
    "IllConditionedWarning",
    "InvalidGameError",
    "MissingDependencyError",
    "SolverError",
]


class BayesPersuadeError(Exception):
    """Base class of every error raised on purpose by bayespersuade."""


class InvalidGameError(BayesPersuadeError, ValueError):
    """A persuasion game's data are invalid (shape, value or label)."""


class InvalidParameterError(BayesPersuadeError, ValueError):
    """An option passed to a library function is invalid (unknown method, bad value)."""


class GameFileError(InvalidGameError):
    """A game file (JSON) cannot be read, or its content is malformed."""


class SolverError(BayesPersuadeError, RuntimeError):
    """A solver failed to produce an optimal solution."""


class CertificateError(BayesPersuadeError, ValueError):
    """An exact optimality certificate is malformed (not merely invalid)."""


class DataError(BayesPersuadeError, ValueError):
    """A dataset file or one of its rows is malformed.

    Attributes
    ----------
    path : str or None
        The file in which the problem was found.
    row : int or None
        The 1-based row (line or record) number, where it applies.
    field : str or None
        The field (column or key) at fault, where it applies.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.field = field
        where = []
        if path is not None:
            where.append(f"file {path!s}")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)
        self.reason = message


class BackendError(BayesPersuadeError, RuntimeError):
    """A language-model backend failed (load, generation or HTTP error)."""


class MissingDependencyError(BayesPersuadeError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class IllConditionedWarning(UserWarning):
    """A float solve met ties or dominances too close for float arithmetic to decide.

    The message names the actions; an exact solve of ``game.to_rational()``
    (``exact=True``) decides them.
    """


def missing_dependency(module: str, extra: str) -> MissingDependencyError:
    """Build the error raised when an optional module cannot be imported.

    Parameters
    ----------
    module : str
        The module that failed to import (for example ``"torch"``).
    extra : str
        The name of the package extra that provides it (for example ``"llm"``).

    Returns
    -------
    MissingDependencyError
        An error whose message says how to install the extra.

    Examples
    --------
    >>> err = missing_dependency("torch", "llm")
    >>> "pip install 'bayespersuade[llm]'" in str(err)
    True
    """
    return MissingDependencyError(
        f"this feature needs the optional dependency {module!r}, which is not "
        f"installed; install it with: pip install 'bayespersuade[{extra}]'"
    )
