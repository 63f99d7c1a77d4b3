"""The ``bayespersuade`` command line.

Subcommands::

    bayespersuade solve GAME [--exact] [--method lp|concavification]
                             [--lp-method auto|generate|simplex|ipm]
                             [--plot FILE.png] [--json FILE.json]
    bayespersuade example [NAME] [--out FILE.json]
    bayespersuade verify GAME SOLUTION.json
    bayespersuade ceilings ...      (dataset ceilings; see ``bayespersuade ceilings -h``)
    bayespersuade evaluate ...      (LLM evaluation;   see ``bayespersuade evaluate -h``)
    bayespersuade report DIR        (rebuild an evaluation's report)
    bayespersuade compare A B       (paired differences between two evaluations)
    bayespersuade import FILE ...   (import transcripts; see ``bayespersuade import -h``)
    bayespersuade export DIR        (write an evaluation's dialogues as JSON lines / CSV)
    bayespersuade rescore DIR ...   (re-score an evaluation without calling a model)

``GAME`` is a JSON game file (format: :mod:`bayespersuade.io`) or the name of a
bundled example (``prosecutor``, ``likert-quadratic``); a file of that name in
the current directory takes precedence.  For example::

    bayespersuade solve prosecutor --exact
    bayespersuade example likert-quadratic --out likert.json
    bayespersuade solve likert.json --exact --json sol.json --plot likert.png
    bayespersuade verify likert.json sol.json

Errors of the library (:class:`~bayespersuade.BayesPersuadeError`) and of
files (:class:`OSError`) are printed as ``bayespersuade: error: <message>``
on stderr, without a traceback, and Ctrl-C as one line.  Every subcommand
exits with the same statuses (:mod:`bayespersuade.cli._common`): 0 on
success, 1 for a runtime or data error (``verify``: also when the certificate
does not prove the solution), 2 for a usage error, 130 when interrupted.
Every output file is written atomically (:func:`bayespersuade.io.atomic_output`):
an error or Ctrl-C never leaves a partial or empty file behind.

Subcommands provided by other modules are registered from :data:`PLUGINS`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..exceptions import CertificateError, InvalidParameterError
from ._common import EXIT_INTERRUPTED, EXIT_USAGE, check_output_file, run_command

if TYPE_CHECKING:  # pragma: no cover
    from ..game import PersuasionGame
    from ..solution import Solution

__all__ = ["PLUGINS", "build_parser", "main"]

#: Subcommands provided by other modules, as ``(module, registration function)``.
#: Each function is called with the ``subparsers`` object, adds its
#: subcommand(s) and sets ``func=run`` with ``run(args) -> int``.  A module
#: that is absent from this installation (it, or a package containing it,
#: raises :class:`ModuleNotFoundError` naming itself) is skipped; any other
#: import error propagates.
PLUGINS: tuple[tuple[str, str], ...] = (
    ("bayespersuade.cli.ceilings", "add_parser"),  # ceilings
    ("bayespersuade.cli.evaluate", "add_parser"),  # evaluate
    ("bayespersuade.cli.evaluate", "add_report_parser"),  # report
    ("bayespersuade.cli.compare", "add_parser"),  # compare
    ("bayespersuade.cli.transcripts", "add_import_parser"),  # import
    ("bayespersuade.cli.transcripts", "add_export_parser"),  # export
    ("bayespersuade.cli.transcripts", "add_rescore_parser"),  # rescore
)


# ------------------------------------------------------------------ helpers
def _load_game(spec: str) -> PersuasionGame:
    """A game from a JSON file, or a bundled example by name (files take precedence)."""
    from ..examples import EXAMPLES, get_example
    from ..exceptions import GameFileError
    from ..game import load_game

    path = Path(spec)
    if not path.exists():
        if spec in EXAMPLES:
            return get_example(spec)
        raise GameFileError(
            f"{spec}: no such file, and not the name of a bundled example "
            f"({', '.join(sorted(EXAMPLES))})"
        )
    return load_game(path)


def _check_plot_target(path: str, game: PersuasionGame) -> None:
    """Refuse an impossible ``--plot`` before any solving is done."""
    if game.n_states not in (2, 3):
        raise InvalidParameterError(
            f"--plot draws games with 2 or 3 states; this game has {game.n_states}"
        )
    from matplotlib.figure import Figure

    formats = Figure().canvas.get_supported_filetypes()
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in formats:
        raise InvalidParameterError(
            f"--plot {path}: unknown image format {suffix!r}; use one of "
            f"{', '.join(sorted(formats))}"
        )


def _write_plot(solution: Solution, path: str) -> None:
    # a bare Figure renders without pyplot, so no GUI backend is ever touched
    from matplotlib.figure import Figure

    from ..io import atomic_output

    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    solution.plot(ax=ax)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=150)


def _write_text(path: str, text: str) -> None:
    from ..io import write_atomic

    write_atomic(path, text)


def _read_json_object(path: str) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CertificateError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CertificateError(f"{path}: is a folder, not a solution file") from None
    except UnicodeDecodeError:
        raise CertificateError(f"{path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CertificateError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CertificateError(
            f"{path}: expected a JSON object (a solution written by `solve --json`), "
            f"got {type(data).__name__}"
        )
    return data


def _stated_fraction(x: Any) -> Fraction | None:
    """A number as written in a solution file (``"p/q"``, int or float), exactly."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int | float):
        return Fraction(x)
    if isinstance(x, str):
        try:
            return Fraction(x)
        except (ValueError, ZeroDivisionError):
            return None
    return None


# -------------------------------------------------------------- subcommands
def _cmd_solve(args: argparse.Namespace) -> int:
    check_output_file(args.json, "--json")
    check_output_file(args.plot, "--plot")
    game = _load_game(args.game)
    if args.plot is not None:
        _check_plot_target(args.plot, game)
    sol = game.solve(method=args.method, exact=args.exact, lp_method=args.lp_method)
    print(sol.summary())
    if sol.exact:
        print(f"certificate: verified exactly ({sol.certificate.method}: primal and dual "
              "feasible, equal objectives)")
    if args.json is not None:
        _write_text(args.json, json.dumps(sol.to_dict(), indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
        if sol.exact:
            print(f"re-check it with: bayespersuade verify {args.game} {args.json}")
    if args.plot is not None:
        _write_plot(sol, args.plot)
        print(f"wrote {args.plot}")
    return 0


def _cmd_example(args: argparse.Namespace) -> int:
    from ..examples import get_example
    from ..io import dumps_game

    check_output_file(args.out, "--out")
    text = dumps_game(get_example(args.name))
    if args.out is not None:
        _write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def _cmd_verify(args: argparse.Namespace) -> int:
    from ..game import game_from_dict
    from ..solvers.certify import Certificate, verify_certificate

    game = _load_game(args.game)
    data = _read_json_object(args.solution)
    cert_data = data.get("certificate")
    if cert_data is None:
        raise CertificateError(
            f"{args.solution}: no certificate (only `solve --exact` on a rational game "
            "writes one)"
        )
    if not isinstance(cert_data, dict):
        raise CertificateError(f"{args.solution}: 'certificate' is not a JSON object")
    own = None
    if isinstance(data.get("game"), dict):
        own = game_from_dict(data["game"], source=f"{args.solution} (field 'game')")
    try:
        cert = Certificate.from_dict(cert_data)
        check = verify_certificate(game, cert)
    except CertificateError as exc:
        hint = ""
        if own is not None and own != game:
            hint = f" (the solution file was written for a different game than {args.game})"
        raise CertificateError(f"{args.solution}: {exc}{hint}") from None

    print(f"certificate in {args.solution} checked against {args.game} "
          f"({game.n_states} states x {game.n_actions} actions), in exact arithmetic")
    print(f"  primal feasible (scheme, obedience)   {_yes(check.primal_feasible)}")
    print(f"  dual feasible (prices, multipliers)   {_yes(check.dual_feasible)}")
    print(f"  objectives equal                      {_yes(check.objectives_equal)}"
          f"   (primal {check.primal_value}, dual {check.dual_value})")
    print(f"  certified value                       {cert.value}")
    ok = check.ok
    problems = list(check.problems)
    # the file's own claims must be what the certificate proves, for this game
    if "value" in data:
        stated = _stated_fraction(data["value"])
        match = stated is not None and stated == cert.value
        print(f"  stated value matches                  {_yes(match)}   "
              f"(the file says {data['value']})")
        if not match:
            ok = False
            problems.append(f"the file states the value {data['value']}, but the "
                            f"certificate proves {cert.value}")
    if own is not None:
        same = own == game
        print(f"  the file's game is GAME               {_yes(same)}")
        if not same:
            ok = False
            problems.append(f"the solution file was written for a different game than "
                            f"{args.game}")
    for p in problems:
        print(f"  problem: {p}")
    print("certificate VALID" if ok else "certificate INVALID")
    return 0 if ok else 1


# ------------------------------------------------------------------- parser
def _register_plugins(subparsers: Any) -> None:
    for module_name, function in PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if module_name == missing or module_name.startswith(missing + "."):
                continue  # this part of the library is not installed in this tree
            raise
        getattr(module, function)(subparsers)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every available subcommand registered.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> parser = build_parser()
    >>> parser.parse_args(["solve", "prosecutor", "--exact"]).exact
    True
    """
    from ..examples import EXAMPLES

    names = ", ".join(sorted(EXAMPLES))
    parser = argparse.ArgumentParser(
        prog="bayespersuade",
        description="Bayesian persuasion, exactly: optimal signaling, certified values, "
        "dataset ceilings and LLM evaluation.",
        epilog="Example: bayespersuade solve prosecutor --exact",
    )
    parser.add_argument("--version", action="version", version=f"bayespersuade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "solve", help="solve a game: optimal scheme, value and gain",
        description="Solve a persuasion game and print the optimal scheme, the value "
        "V(mu0), the persuasion-gain ceiling, the no- and full-disclosure values, "
        "whether the numbers are exact and certified, and how they were computed.",
    )
    p.add_argument("game", metavar="GAME",
                   help=f"a JSON game file, or the name of a bundled example ({names})")
    p.add_argument("--exact", action="store_true",
                   help="exact rational value with a verified optimality certificate "
                   "(rational games)")
    p.add_argument("--method", choices=("lp", "concavification"), default="lp",
                   help="revelation-principle LP (default) or concave envelope")
    p.add_argument("--lp-method", choices=("auto", "generate", "simplex", "ipm"),
                   default="auto",
                   help="HiGHS strategy for the LP: row and column generation, dual simplex "
                        "or interior point (default auto: by size)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="draw the game and the solution (2 or 3 states) to this image")
    p.add_argument("--json", metavar="FILE.json",
                   help="write the solution (and its certificate) as JSON")
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("example", help="print a bundled example game as JSON",
                       description="Print (or write) a bundled example game in the JSON "
                       "game format.")
    p.add_argument("name", nargs="?", default="prosecutor", choices=sorted(EXAMPLES),
                   metavar="NAME", help=f"one of {names} (default: prosecutor)")
    p.add_argument("--out", metavar="FILE.json", help="write to this file instead")
    p.set_defaults(func=_cmd_example)

    p = sub.add_parser(
        "verify", help="re-check the exact certificate in a solution file",
        description="Re-check, in exact arithmetic, the optimality certificate stored in "
        "a solution file written by `solve --exact --json`, and that the file's stated "
        "value and game agree with it. Exit status 0 if valid, 1 if not.",
    )
    p.add_argument("game", metavar="GAME", help="the game (a file or an example name)")
    p.add_argument("solution", metavar="SOLUTION.json",
                   help="a solution written by `solve --exact --json`")
    p.set_defaults(func=_cmd_verify)

    _register_plugins(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success; 1 for a runtime or data error (a missing or malformed
        file, a failed solve, an invalid certificate in ``verify``); 2 for a
        usage error; 130 when interrupted (Ctrl-C).  Errors are printed on
        stderr as one line.  (Usage errors that :mod:`argparse` finds, such as
        an unknown option, raise :class:`SystemExit` with status 2.)

    Examples
    --------
    >>> main(["solve", "prosecutor", "--exact"])  # doctest: +ELLIPSIS
    Game 'prosecutor': 2 states x 2 actions
      optimal value V(mu0)      3/5   (exact, certified)
    ...
    0
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("bayespersuade: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if getattr(args, "func", None) is None:
        parser.print_help()
        return EXIT_USAGE
    return run_command(args.func, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
