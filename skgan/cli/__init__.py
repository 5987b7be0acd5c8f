"""The ``skgan`` command: fit a GAN on a CSV table, sample from it, report on the result.

::

    skgan fit data.csv -o model.skgan            # train, with a progress bar
    skgan sample model.skgan -n 1000 -o synthetic.csv
    skgan report data.csv synthetic.csv --target income
    skgan demo                                   # all of it on a table shipped with skgan

Every failure prints one line, ``skgan: error: ...``, on stderr and exits with a non-zero
status (2 for a bad command line, 130 for Ctrl-C, 1 otherwise); set the environment
variable ``SKGAN_DEBUG=1`` to see the traceback of an unexpected error instead.
"""

from .commands import build_parser, main, parse_conditions
from .files import CommandError, load_model, read_table, save_model, write_table

__all__ = ["CommandError", "build_parser", "load_model", "main", "parse_conditions",
           "read_table", "save_model", "write_table"]
