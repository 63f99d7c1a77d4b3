"""What every subcommand shares: exit codes, error reporting, Ctrl-C, paths, data files.

Exit status of every ``bayespersuade`` subcommand
-------------------------------------------------

======  ===================================================================
status  meaning
======  ===================================================================
0       success
1       a runtime or data error: a file that is missing, unreadable or
        malformed, a solver or backend failure, an invalid certificate
        (``verify``), a dataset without any instance (``ceilings``)
2       a usage error: an unknown option or subcommand, an invalid value
        (``--p 0.5``, ``--json ''``, ``--out`` naming an existing file),
        options that do not fit together
130     interrupted (Ctrl-C): one line on standard error, no traceback;
        files already written are complete (every output file is written
        atomically), and ``evaluate`` resumes where it stopped
======  ===================================================================

Errors are printed as one line, ``<program>: error: <message>``, on
standard error.  Usage errors found by :mod:`argparse` itself (an unknown
option) also exit with 2, after argparse's usage line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..exceptions import BayesPersuadeError, InvalidParameterError

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "FAMILIES",
    "TRANSCRIPT_FORMATS",
    "check_output_dir",
    "check_output_file",
    "data_files",
    "exit_status",
    "int_at_least",
    "run_command",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: The instance families (:data:`bayespersuade.llm.metrics.FAMILIES`), and the
#: transcript file formats (:data:`bayespersuade.llm.transcripts.FORMATS`), as the
#: parsers offer them.  Spelled out here so that building the parser imports neither
#: module (nor the solvers behind them); ``tests/test_lazy_imports.py`` checks that
#: they are the same tuples.
FAMILIES = ("binary-truth", "normative-position", "evidence-stance")
TRANSCRIPT_FORMATS = ("jsonl", "csv", "cheng-you")


def int_at_least(minimum: int, what: str | None = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer ``>= minimum`` (``what`` names it in errors).

    Examples
    --------
    >>> parse = int_at_least(1, "a positive integer")
    >>> parse("3")
    3
    >>> parse("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a positive integer, got 0
    """
    what = what if what is not None else f"an integer >= {minimum}"

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {v}")
        return v

    return parse


def exit_status(exc: BaseException) -> int:
    """The exit status for an error: 2 for usage errors, 130 for Ctrl-C, else 1.

    Examples
    --------
    >>> from bayespersuade.exceptions import DataError
    >>> exit_status(InvalidParameterError("x")), exit_status(DataError("x"))
    (2, 1)
    >>> exit_status(KeyboardInterrupt()), exit_status(OSError(28, "No space left"))
    (130, 1)
    """
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, InvalidParameterError):
        return EXIT_USAGE
    return EXIT_ERROR


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, BayesPersuadeError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    return str(exc)


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace, *,
                prog: str = "bayespersuade", interrupted: str | None = None) -> int:
    """Run a subcommand and turn what it raises into one line and an exit status.

    Library errors (:class:`~bayespersuade.exceptions.BayesPersuadeError`) and
    file errors (:class:`OSError`) are printed as ``<prog>: error: <message>``;
    Ctrl-C as ``<prog>: interrupted`` (and ``interrupted``, a hint, after a
    semicolon).  Anything else is a bug and propagates with its traceback.

    Parameters
    ----------
    func : callable
        The subcommand; returns its exit status.
    args : argparse.Namespace
    prog : str
        The program name printed before each message.
    interrupted : str, optional
        What to add to the interruption line (for example how to resume).

    Returns
    -------
    int
        See the module's table.

    Examples
    --------
    >>> def boom(args):
    ...     raise KeyboardInterrupt
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     status = run_command(boom, argparse.Namespace())
    >>> status, err.getvalue()
    (130, 'bayespersuade: interrupted\\n')
    """
    try:
        return int(func(args))
    except KeyboardInterrupt:
        hint = f"; {interrupted}" if interrupted else ""
        print(f"{prog}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (BayesPersuadeError, OSError) as exc:
        print(f"{prog}: error: {_message(exc)}", file=sys.stderr)
        return exit_status(exc)


def check_output_file(path: str | None, option: str) -> Path | None:
    """Refuse an output file that cannot be written, before any work is done.

    Raises
    ------
    InvalidParameterError
        For an empty name, an existing folder, or a folder that does not exist.

    Examples
    --------
    >>> check_output_file("", "--json")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.InvalidParameterError: --json '': an empty file name
    >>> check_output_file(None, "--json") is None
    True
    """
    if path is None:
        return None
    if not path.strip():
        raise InvalidParameterError(f"{option} {path!r}: an empty file name")
    p = Path(path)
    if p.is_dir():
        raise InvalidParameterError(f"{option} {path}: is a folder, not a file")
    if not p.parent.is_dir():
        raise InvalidParameterError(
            f"{option} {path}: the folder {str(p.parent)!r} does not exist")
    return p


def check_output_dir(path: str, option: str = "--out") -> Path:
    """Refuse an output folder that is an existing file (or an empty name).

    Missing folders are fine: they are created.

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(f, "w").write("x")
    >>> check_output_dir(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.InvalidParameterError: --out ...: is an existing file, not a folder
    """
    if not path.strip():
        raise InvalidParameterError(f"{option} {path!r}: an empty folder name")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InvalidParameterError(f"{option} {path}: is an existing file, not a folder")
    for parent in p.parents:
        if parent.exists() and not parent.is_dir():
            raise InvalidParameterError(f"{option} {path}: {parent} is a file, not a folder")
    return p


def data_files(specs: Sequence[str], datasets: Sequence[str], known: Sequence[str]
               ) -> dict[str, str]:
    """Parse ``--data-file [NAME=]PATH`` options: which file is each dataset's.

    ``NAME=`` may be left out when exactly one of ``datasets`` needs a file
    (every dataset but the bundled ``perspectrum``; ``perspectrum`` itself
    when it is the only one).

    Raises
    ------
    InvalidParameterError
        For an empty path, a file for a dataset not selected, a dataset given
        two files, or a file without ``NAME=`` when it is ambiguous.

    Examples
    --------
    >>> names = ("perspectrum", "anthropic", "cmv")
    >>> data_files(["anthropic=a.csv"], ["perspectrum", "anthropic"], names)
    {'anthropic': 'a.csv'}
    >>> data_files(["a.csv"], ["anthropic"], names)
    {'anthropic': 'a.csv'}
    >>> data_files(["a.csv", "b.csv"], ["anthropic"], names)
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.InvalidParameterError: --data-file given twice for anthropic ...
    """
    files: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not (sep and name in known):
            needing = [d for d in datasets if d != "perspectrum"] or list(datasets)
            if len(needing) != 1:
                raise InvalidParameterError(
                    f"--data-file {spec!r}: say which dataset it is for (NAME=PATH); the "
                    f"datasets are {', '.join(datasets)}")
            name, path = needing[0], spec
        if not path.strip():
            raise InvalidParameterError(f"--data-file {spec!r}: an empty path")
        if name in files:
            raise InvalidParameterError(
                f"--data-file given twice for {name} ({files[name]!r} and {path!r})")
        files[name] = path
    unknown = sorted(set(files) - set(datasets))
    if unknown:
        raise InvalidParameterError(
            f"--data-file given for {', '.join(unknown)}, which is not in --dataset")
    return files
