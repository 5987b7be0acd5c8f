"""``python -m skgan.cli``: the ``skgan`` command, as ``python -m skgan`` is."""

import sys

from .entry import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
