"""``python -m bayespersuade``: the command line (see :mod:`bayespersuade.cli.main`)."""

import sys

from .cli.main import main

sys.exit(main())
