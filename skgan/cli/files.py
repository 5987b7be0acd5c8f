"""Files of the ``skgan`` command: CSV tables in and out, pickled models."""

import os
import pickle
import sys
from pathlib import Path

import pandas as pd
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..base import BaseGAN


class CommandError(Exception):
    """A failure to report to the user as one line (no traceback)."""


def read_table(path):
    """Read a CSV file into a DataFrame; columns of ISO 8601 dates become datetimes.

    Parameters
    ----------
    path : str, path or file-like
        The CSV table, with a header line.

    Returns
    -------
    table : DataFrame

    Raises
    ------
    CommandError
        With a one-line reason when the file is missing, unreadable, empty or not a
        well-formed CSV table.

    Examples
    --------
    >>> import io
    >>> from skgan.cli import read_table
    >>> table = read_table(io.StringIO("city,joined\\nOslo,2021-03-01\\nLyon,\\n"))
    >>> table["joined"].iloc[0]
    Timestamp('2021-03-01 00:00:00')
    """
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a directory, not a CSV file") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
    except pd.errors.EmptyDataError:
        raise CommandError(f"{path} is empty") from None
    except pd.errors.ParserError as error:
        raise CommandError(f"{path} is not a well-formed CSV file: {_first_line(error)}") \
            from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text (is it a CSV file?)") from None
    if len(table) == 0:
        raise CommandError(f"{path} has a header but no rows")
    return _parse_dates(table)


def _parse_dates(table):
    """Turn text columns that hold only ISO 8601 dates (or blanks) into datetimes."""
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_string_dtype(column.dtype) and column.notna().any():
            try:
                table[name] = pd.to_datetime(column, format="ISO8601")
            except (ValueError, TypeError):
                pass
    return table


def write_table(table, path):
    """Write ``table`` as CSV to ``path``, or to stdout when ``path`` is None or "-"."""
    if path in (None, "-"):
        table.to_csv(sys.stdout, index=False)
        return
    try:
        table.to_csv(path, index=False)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


def save_model(model, path):
    """Pickle a fitted estimator to ``path`` (written whole or not at all)."""
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(payload)
        partial.replace(path)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
        raise


def _check_writable(path):
    path = Path(path)
    if path.is_dir():
        raise CommandError(f"cannot write {path}: it is a directory")
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"cannot write {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise CommandError(f"cannot write {path}: {folder} is not writable")


def load_model(path):
    """Unpickle a fitted skgan estimator saved by ``skgan fit`` (or ``pickle.dump``).

    Model files are pickles, which can run code when loaded: load only files you trust.
    """
    try:
        with open(path, "rb") as handle:
            model = pickle.load(handle)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a directory, not a model file") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
    except Exception:  # a pickle can fail to load in any way
        raise CommandError(f"{path} is not a skgan model file (make one with 'skgan fit')") \
            from None
    if not isinstance(model, BaseGAN):
        raise CommandError(f"{path} is not a skgan model file (make one with 'skgan fit')")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise CommandError(f"{path} holds an estimator that was never fitted") from None
    return model


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
