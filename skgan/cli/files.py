"""Files of the ``skgan`` command: CSV tables in and out, model files."""

import os
import pickle
import sys
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..base import BaseGAN
from ..io import load, save


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
        with _reading(path, "CSV file"):
            table = pd.read_csv(path)
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
    """Turn text columns that hold only ISO 8601 dates (or blanks) into datetimes.

    The text format of each such column, when it is one of :data:`DATETIME_FORMATS`, is
    kept in ``table.attrs["datetime_formats"]`` so that :func:`write_table` writes
    generated values as the file wrote its own.
    """
    formats = {}
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_string_dtype(column.dtype) and column.notna().any():
            try:
                parsed = pd.to_datetime(column, format="ISO8601")
            except (ValueError, TypeError):
                continue
            table[name] = parsed
            if not pd.api.types.is_datetime64_any_dtype(parsed.dtype):
                continue  # mixed UTC offsets give objects on older pandas
            text_format = _text_format(column, parsed)
            if text_format is not None:
                formats[name] = text_format
    table.attrs["datetime_formats"] = formats
    return table


#: Formats a datetime column read from a CSV is recognised in (``%:z``: an offset
#: written ``+01:00``; ``Z``: UTC written as a ``Z``).
DATETIME_FORMATS = tuple(
    f"%Y-%m-%d{time}{zone}"
    for time in ("", "T%H:%M:%S", " %H:%M:%S", "T%H:%M", " %H:%M", "T%H:%M:%S.%f",
                 " %H:%M:%S.%f")
    for zone in ("", "Z", "%:z")
    if time or not zone
)


def _text_format(texts, parsed, n_checked=50):
    """The one of :data:`DATETIME_FORMATS` that writes the column's first values back
    exactly as they were read, or None."""
    known = texts.notna().to_numpy()
    texts, parsed = texts[known].iloc[:n_checked], parsed[known].iloc[:n_checked]
    for text_format in DATETIME_FORMATS:
        if list(format_datetimes(parsed, text_format)) == list(texts):
            return text_format
    return None


def format_datetimes(values, text_format):
    """Datetimes as text in ``text_format`` (see :data:`DATETIME_FORMATS`); NaT stays
    missing."""
    values = pd.Series(values)
    if text_format.endswith("Z") and values.dt.tz is not None:
        values = values.dt.tz_convert("UTC")
    texts = values.dt.strftime(text_format.replace("%:z", "%z"))
    if text_format.endswith("%:z"):  # +0100 -> +01:00
        texts = texts.str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)
    return texts.astype(object).where(values.notna(), None)


def write_table(table, path, datetime_formats=None):
    """Write ``table`` as CSV to ``path``, or to stdout when ``path`` is None or "-".

    ``datetime_formats`` (column -> one of :data:`DATETIME_FORMATS`) writes those
    datetime columns in their format; other datetimes are written as pandas does.
    """
    if datetime_formats:
        table = table.copy()
        for name, text_format in datetime_formats.items():
            if name in table.columns and pd.api.types.is_datetime64_any_dtype(table[name]):
                table[name] = format_datetimes(table[name], text_format)
    if path in (None, "-"):
        table.to_csv(sys.stdout, index=False)
        return
    try:
        table.to_csv(path, index=False)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


def save_model(model, path, datetime_formats=None):
    """Write a fitted estimator to ``path`` as a skgan model file (see :func:`skgan.save`).

    ``datetime_formats``, the text format of each datetime column of the CSV the model
    was fitted on, travels with the model (its ``_cli_datetime_formats``) for
    ``skgan sample``. The file is written whole or not at all.
    """
    model._cli_datetime_formats = dict(datetime_formats or {})
    try:
        save(model, path)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
    except (TypeError, ValueError) as error:
        raise CommandError(f"cannot save the model to {path}: {error}") from None


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
    """Read a fitted skgan estimator from a model file written by ``skgan fit``."""
    return read_model_file(path)[0]


def read_model_file(path):
    """The fitted estimator of a model file and the datetime formats saved with it.

    Model files are skgan's format (:func:`skgan.load`): nothing in them runs code.
    Pickled models of earlier versions are refused with the command that converts them.
    """
    try:
        with _reading(path, "model file"):
            model = load(path)
    except ValueError as error:
        raise CommandError(str(error)) from None
    return _fitted_model(model, path), getattr(model, "_cli_datetime_formats", {})


def convert_pickle(old_path, new_path):
    """Unpickle a model file of an earlier skgan and write it in skgan's format.

    Unpickling runs whatever code the file holds: the command asks for
    ``--trust-pickle`` before calling this.
    """
    try:
        with _reading(old_path, "model file"), open(old_path, "rb") as handle:
            model = pickle.load(handle)
    except CommandError:
        raise
    except Exception:  # a pickle can fail to load in any way
        raise CommandError(f"{old_path} is not a pickled skgan model") from None
    model = _fitted_model(model, old_path)
    save_model(model, new_path, getattr(model, "_cli_datetime_formats", {}))
    return model


def _fitted_model(model, path):
    if not isinstance(model, BaseGAN):
        raise CommandError(f"{path} is not a skgan model file (make one with 'skgan fit')")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise CommandError(f"{path} holds an estimator that was never fitted") from None
    return model


@contextmanager
def _reading(path, kind):
    """Turn the errors of opening ``path`` into one-line CommandErrors."""
    try:
        yield
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a directory, not a {kind}") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
