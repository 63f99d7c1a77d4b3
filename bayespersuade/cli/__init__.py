"""The ``bayespersuade`` command line: one module per subcommand plus the parser.

* :mod:`.main` — the parser and :func:`~.main.main` (the console entry point);
  the subcommands ``solve``, ``example`` and ``verify``;
* :mod:`._common` — what every subcommand shares: the exit-code table (0 ok,
  1 runtime/data error, 2 usage error, 130 interrupted), one-line errors and
  Ctrl-C, output-path checks, the ``--data-file NAME=PATH`` option;
* :mod:`.ceilings` — ``bayespersuade ceilings``;
* :mod:`.evaluate` — ``bayespersuade evaluate`` (and ``report``).
"""
