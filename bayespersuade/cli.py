"""The ``bayespersuade`` command line.

Subcommands::

    bayespersuade solve GAME [--exact] [--method lp|concavification] [--lp-method ...]
                             [--plot FILE.png] [--json FILE.json]
    bayespersuade example [NAME] [--out FILE.json]
    bayespersuade verify GAME SOLUTION.json
    bayespersuade ceilings ...      (dataset ceilings; see ``bayespersuade ceilings -h``)
    bayespersuade evaluate ...      (LLM evaluation;   see ``bayespersuade evaluate -h``)
    bayespersuade report DIR        (rebuild an evaluation's report)

``GAME`` is a JSON game file (format: :mod:`bayespersuade.io`) or the name of a
bundled example (``prosecutor``, ``likert-quadratic``).  Library errors are
printed as ``bayespersuade: error: ...`` with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from ._version import __version__
from .exceptions import BayesPersuadeError

__all__ = ["main", "build_parser", "PLUGINS"]

#: Subcommands provided by other modules: (module, registration function).
PLUGINS: tuple[tuple[str, str], ...] = (
    ("bayespersuade.cli_ceilings", "add_parser"),
    ("bayespersuade.llm.cli_evaluate", "add_parser"),
    ("bayespersuade.llm.cli_evaluate", "add_report_parser"),
)


def _load_game(spec: str):
    from .examples import EXAMPLES, get_example
    from .io import load_game

    path = Path(spec)
    if not path.exists() and spec in EXAMPLES:
        return get_example(spec)
    return load_game(path)


def _cmd_solve(args: argparse.Namespace) -> int:
    game = _load_game(args.game)
    sol = game.solve(method=args.method, exact=args.exact, lp_method=args.lp_method)
    print(sol.summary())
    if args.exact and sol.exact:
        print(f"certificate: verified ({sol.certificate.method}); "
              f"re-check with: bayespersuade verify GAME SOLUTION.json")
    if args.json:
        Path(args.json).write_text(json.dumps(sol.to_dict(), indent=2) + "\n",
                                   encoding="utf-8")
        print(f"wrote {args.json}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = sol.plot()
        ax.figure.tight_layout()
        ax.figure.savefig(args.plot, dpi=150)
        plt.close(ax.figure)
        print(f"wrote {args.plot}")
    return 0


def _cmd_example(args: argparse.Namespace) -> int:
    from .examples import get_example
    from .io import dumps_game

    text = dumps_game(get_example(args.name))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from .certify import Certificate, verify_certificate
    from .exceptions import CertificateError

    game = _load_game(args.game)
    try:
        data = json.loads(Path(args.solution).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CertificateError(f"{args.solution}: not JSON ({exc})") from None
    cert_data = data.get("certificate") if isinstance(data, dict) else None
    if cert_data is None:
        raise CertificateError(
            f"{args.solution}: no certificate (solve with --exact to get one)"
        )
    check = verify_certificate(game, Certificate.from_dict(cert_data))
    print(f"value                {check.primal_value}")
    print(f"primal feasible      {check.primal_feasible}")
    print(f"dual feasible        {check.dual_feasible}")
    print(f"objectives equal     {check.objectives_equal}")
    for p in check.problems:
        print(f"  problem: {p}")
    print("certificate VALID" if check.ok else "certificate INVALID")
    return 0 if check.ok else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every available subcommand registered."""
    from .examples import EXAMPLES

    parser = argparse.ArgumentParser(
        prog="bayespersuade",
        description="Bayesian persuasion, exactly: optimal signaling, certified values, "
        "dataset ceilings and LLM evaluation.",
    )
    parser.add_argument("--version", action="version", version=f"bayespersuade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("solve", help="solve a game: optimal scheme, value and gain")
    p.add_argument("game", help=f"a JSON game file, or one of: {', '.join(sorted(EXAMPLES))}")
    p.add_argument("--exact", action="store_true",
                   help="certified exact rational value (rational games)")
    p.add_argument("--method", choices=("lp", "concavification"), default="lp")
    p.add_argument("--lp-method", choices=("auto", "simplex", "ipm"), default="auto")
    p.add_argument("--plot", metavar="FILE.png", help="write a plot (2 or 3 states)")
    p.add_argument("--json", metavar="FILE.json", help="write the solution as JSON")
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("example", help="print a bundled example game as JSON")
    p.add_argument("name", nargs="?", default="prosecutor", choices=sorted(EXAMPLES))
    p.add_argument("--out", metavar="FILE.json")
    p.set_defaults(func=_cmd_example)

    p = sub.add_parser("verify", help="re-check the exact certificate in a solution file")
    p.add_argument("game", help="the game (file or example name)")
    p.add_argument("solution", help="a solution JSON written by `solve --exact --json`")
    p.set_defaults(func=_cmd_verify)

    for module_name, function in PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                continue  # that part of the library is absent from this tree
            raise
        getattr(module, function)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Examples
    --------
    >>> main(["solve", "prosecutor", "--exact"])  # doctest: +ELLIPSIS
    Game 'prosecutor': 2 states x 2 actions
      optimal value V(mu0)      3/5   (exact, certified)
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except (BayesPersuadeError, OSError) as exc:
        print(f"bayespersuade: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
