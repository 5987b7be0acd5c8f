"""The ``skgan`` command: fit a GAN on a table, sample from it, report on the result.

Tables are CSV files, or Parquet files (``.parquet``, ``.pq``; with pyarrow, the
``skgan[parquet]`` extra)::

    skgan fit data.csv -o model.skgan            # train, with a progress bar
    skgan sample model.skgan -n 1000 -o synthetic.csv
    skgan sample model.skgan -n 10000000 -o synthetic.parquet   # in bounded memory
    skgan report data.csv synthetic.csv --target income
    skgan demo                                   # all of it on a table shipped with skgan

Every failure prints one line, ``skgan: error: ...``, on stderr and exits with a non-zero
status (2 for a bad command line, 130 for Ctrl-C, 1 otherwise); set the environment
variable ``SKGAN_DEBUG=1`` to see the traceback of an unexpected error instead.
"""

from .commands import build_parser
from .entry import main
from .rows import parse_conditions
from .files import CommandError, load_model, save_model
from .table_writing import write_chunks, write_table
from .tables import ParquetUnavailableError, read_table

__all__ = ["CommandError", "ParquetUnavailableError", "build_parser", "load_model", "main",
           "parse_conditions", "read_table", "save_model", "write_chunks", "write_table"]
