"""``python -m bayespersuade``: the command line (see :mod:`bayespersuade.cli.main`)."""

import os
import sys

from .cli.main import main

_rc = main()
if _rc == 130:
    # Interrupted (Ctrl-C): finished work is already on disk; skip the interpreter's
    # teardown (about a second with the numerical stack loaded) so the run ends at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)
sys.exit(_rc)
