"""``python -m bayespersuade``: the command line (see :mod:`bayespersuade.cli`)."""

import sys

from .cli import main

sys.exit(main())
