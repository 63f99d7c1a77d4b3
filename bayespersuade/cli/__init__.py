"""The ``bayespersuade`` command line: one module per subcommand plus the parser.

* :mod:`.main` — the parser, the exit codes and :func:`~.main.main` (the console
  entry point); the subcommands ``solve``, ``example`` and ``verify``;
* :mod:`.ceilings` — ``bayespersuade ceilings``;
* :mod:`.evaluate` — ``bayespersuade evaluate`` (and ``report``).
"""
