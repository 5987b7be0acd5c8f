"""Tables the ``skgan`` command writes: CSV and Parquet files, whole or chunk by chunk,
each written in a hidden folder and moved in place once complete."""

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.io.common import get_handle

from ..io._container import followed_path, is_special_file, keep_permissions
from .files import CommandError
from .tables import format_datetimes, is_parquet, require_pyarrow


def write_table(table, path, datetime_formats=None):
    """Write ``table`` at once to ``path``, or as CSV to stdout when ``path`` is None or "-".

    A path ending in ``.parquet`` or ``.pq`` gets Parquet (the columns' types kept, so
    ``datetime_formats`` does not apply); any other path gets CSV, in which
    ``datetime_formats`` (column -> one of :data:`DATETIME_FORMATS`) writes those
    datetime columns in their format; other datetimes are written as pandas does.
    :func:`write_chunks` writes the same file from a table in pieces.
    """
    if is_parquet(path):
        require_pyarrow()
        try:
            table.to_parquet(path, engine="pyarrow", index=False)
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
        return
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


def write_chunks(chunks, path, datetime_formats=None):
    """Write the DataFrames of ``chunks`` one after the other as one table, in bounded
    memory.

    The file holds what :func:`write_table` writes for the chunks concatenated: the same
    bytes for CSV (a header line, then the rows of each chunk in turn), the same table for
    Parquet (one row group per chunk, the schema of the first chunk). A file is first
    written to a hidden folder beside ``path`` and moved to ``path`` when complete, so an
    error or Ctrl-C leaves no partial file behind (and an older file at ``path`` as it
    was).

    Parameters
    ----------
    chunks : iterable of DataFrame
        At least one chunk (an empty one writes the header or schema alone), all with the
        same columns and dtypes.
    path : str, path or None
        Where to write: ``.parquet``/``.pq`` for Parquet, anything else for CSV (with
        the compression pandas infers from the name, e.g. ``.csv.gz``); None or ``"-"``
        for CSV on standard output.
    datetime_formats : dict or None, default=None
        As for :func:`write_table` (CSV only).

    Returns
    -------
    n_rows : int
        The rows written.
    n_columns : int
        The columns of the table.

    Raises
    ------
    CommandError
        When ``path`` cannot be written; a :class:`ParquetUnavailableError` for Parquet
        without pyarrow. Errors raised while producing the chunks propagate unchanged.
    """
    if path in (None, "-"):
        return _write_csv_chunks(chunks, sys.stdout, datetime_formats)
    if is_parquet(path):
        require_pyarrow()
    try:
        with _written_whole(path) as temporary_path:
            if is_parquet(path):
                return _write_parquet_file(chunks, temporary_path)
            return _write_csv_file(chunks, temporary_path, datetime_formats)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


@contextmanager
def _written_whole(path):
    """A path to write in a new hidden folder beside ``path``, moved to ``path`` when the
    block ends normally; the folder and what it holds are removed in every case. A
    device or a named pipe (``/dev/null``, a FIFO) is written into as it is."""
    path = followed_path(path)
    if is_special_file(path):  # a device or a pipe: written into, never replaced
        yield path
        return
    folder = tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        temporary_path = Path(folder) / path.name  # same name: same compression, archive
        yield temporary_path
        keep_permissions(path, temporary_path)
        os.replace(temporary_path, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_csv_file(chunks, path, datetime_formats):
    # pandas' own file opener, as DataFrame.to_csv(path) uses it: the compression it
    # infers from the name, UTF-8, no newline translation
    with get_handle(path, "w", encoding="utf-8", compression="infer") as handles:
        return _write_csv_chunks(chunks, handles.handle, datetime_formats)


def _write_csv_chunks(chunks, handle, datetime_formats):
    """Write ``chunks`` as CSV text to ``handle``, the header with the first one."""
    as_text = _DatetimeText(datetime_formats)
    n_rows, n_columns, first = 0, 0, True
    for chunk in chunks:
        as_text(chunk).to_csv(handle, header=first, index=False)
        n_rows, n_columns, first = n_rows + len(chunk), chunk.shape[1], False
    return n_rows, n_columns


def _write_parquet_file(chunks, path):
    """Write ``chunks`` as a Parquet file, one row group per chunk."""
    pyarrow, parquet = require_pyarrow()
    writer, schema, n_rows, n_columns = None, None, 0, 0
    try:
        for chunk in chunks:
            if writer is None:
                schema = _parquet_schema(chunk, pyarrow)
                writer = parquet.ParquetWriter(path, schema)
            # Arrow names columns by text: columns named by numbers or tuples (pandas
            # keeps them in the metadata) are matched by position, then cast
            table = pyarrow.Table.from_pandas(chunk, preserve_index=False)
            writer.write_table(table.cast(schema) if table.schema != schema else table)
            n_rows, n_columns = n_rows + len(chunk), chunk.shape[1]
    finally:
        if writer is not None:
            writer.close()
    return n_rows, n_columns


def _parquet_schema(chunk, pyarrow):
    """The Parquet schema of the table ``chunk`` begins (with pandas' metadata of dtypes).

    A column with no value in the first chunk would get Arrow's null type, which no later
    value fits: it is given the text type instead.
    """
    schema = pyarrow.Schema.from_pandas(chunk, preserve_index=False)
    for index, field in enumerate(schema):
        if pyarrow.types.is_null(field.type):
            schema = schema.set(index, field.with_type(pyarrow.string()))
    return schema


class _DatetimeText:
    """Datetime and timedelta columns of CSV chunks as text, one form for every chunk.

    Columns of ``datetime_formats`` are written in their format. pandas writes other
    datetime and timedelta columns in a form that depends on all the column's values
    (dates alone when every time is midnight; as many decimals of a second as the most
    precise value needs), so a chunk written alone could differ from the same rows
    written at once. Each such column is therefore written as pandas writes it together
    with a few values of the earlier chunks: those that decide the form (the first value
    that is not at midnight, or not whole days, and the first with a fraction of a
    second, millisecond and microsecond). The form then never falls back, and the file
    matches the table written at once unless a later chunk needs a more precise form
    than every earlier row did.
    """

    #: A value not a multiple of one of these units makes pandas write a finer form.
    UNITS = tuple(pd.Timedelta(unit) for unit in ("1D", "1s", "1ms", "1us"))

    def __init__(self, datetime_formats=None):
        self.datetime_formats = dict(datetime_formats or {})
        self.deciding_values = {}  # column -> the earlier values that decide its form

    def __call__(self, chunk):
        """``chunk`` with its datetime and timedelta columns as text (a copy when any)."""
        texts = {name: self._column_text(name, chunk[name]) for name in chunk.columns
                 if _is_time(chunk[name].dtype)}
        return chunk.assign(**texts) if texts else chunk

    def _column_text(self, name, values):
        text_format = self.datetime_formats.get(name)
        if text_format is not None and pd.api.types.is_datetime64_any_dtype(values.dtype):
            return format_datetimes(values, text_format)
        earlier = self.deciding_values.get(name, values.iloc[:0])
        known = values.dropna()
        both = pd.concat([earlier, known], ignore_index=True)
        self.deciding_values[name] = _form_deciding_values(both)
        texts = np.full(len(values), None, dtype=object)
        texts[values.notna().to_numpy()] = _pandas_csv_text(both)[len(earlier):]
        return pd.Series(texts, index=values.index)


def _is_time(dtype):
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
        dtype)


def _form_deciding_values(values):
    """The values that decide the form pandas writes all of ``values`` in (datetimes or
    timedeltas, none missing): for each of :attr:`_DatetimeText.UNITS`, the first value
    that is not a multiple of it (for datetimes, counted from their midnight)."""
    original = values
    if pd.api.types.is_timedelta64_dtype(values.dtype):
        offsets = values
    else:
        if values.dt.tz is not None:  # pandas writes zoned times in full: only the
            values = values.dt.tz_convert(None)  # fractions of a second matter
        offsets = values - values.dt.normalize()
    positions = set()
    for unit in _DatetimeText.UNITS:
        finer = (offsets % unit != pd.Timedelta(0)).to_numpy()
        if finer.any():
            positions.add(int(finer.argmax()))
    return original.iloc[sorted(positions)]


def _pandas_csv_text(values):
    """The text pandas writes in a CSV file for each of ``values`` (none missing)."""
    if len(values) == 0:
        return []
    text = values.to_frame().to_csv(index=False, header=False, lineterminator="\n")
    return text.split("\n")[:-1]


