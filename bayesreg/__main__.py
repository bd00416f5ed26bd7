"""``python -m bayesreg``: the ``bayesreg`` command (:func:`bayesreg.cli.main`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
