"""Tables the ``skgan`` command reads: CSV and Parquet files, their dates, and the
optional dependency Parquet needs (written by :mod:`skgan.cli.table_writing`)."""

import csv
import datetime
import io
import os
import re
from pathlib import Path

import pandas as pd

from ..io._container import is_special_file
from .csv_text import (
    EXCEL_ERRORS,
    _decimal_commas_as_numbers,
    _dot_grouped_as_numbers,
    _rewind,
    _text_forms,
    _warn_excel_errors,
    _warn_numbers_as_text,
    _whole_numbers_kept,
    read_rows,
)
from .files import CommandError, _first_line, _reading, _warn


class ParquetUnavailableError(CommandError, ImportError):
    """Parquet files were asked for, but pyarrow, which reads and writes them, is missing."""


#: File name endings of Parquet tables; every other table file is CSV (compressed when
#: its name ends as pandas infers, e.g. ``.csv.gz``).
PARQUET_SUFFIXES = (".parquet", ".pq")

#: What installs pyarrow, the optional dependency of Parquet files.
PARQUET_EXTRA = "pip install 'skgan[parquet]'"


def is_parquet(path):
    """True when ``path`` names a Parquet table (``.parquet`` or ``.pq``), False for CSV.

    Standard output (None or ``"-"``) and file-like objects are CSV.

    Examples
    --------
    >>> from skgan.cli.tables import is_parquet
    >>> is_parquet("orders.parquet"), is_parquet("orders.PQ"), is_parquet("orders.csv.gz")
    (True, True, False)
    """
    if not isinstance(path, (str, os.PathLike)) or path == "-":
        return False
    return Path(path).suffix.lower() in PARQUET_SUFFIXES


def require_pyarrow():
    """The modules ``pyarrow`` and ``pyarrow.parquet``, which Parquet files need.

    Raises
    ------
    ParquetUnavailableError
        An ImportError (and a :class:`CommandError`) that names the extra installing
        pyarrow, when it cannot be imported.
    """
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as error:
        raise ParquetUnavailableError(
            f"Parquet files need pyarrow: {PARQUET_EXTRA} (importing it failed: "
            f"{_first_line(error)})") from None
    return pyarrow, pyarrow.parquet


def read_table(path):
    """Read a CSV or Parquet file into a DataFrame.

    A file whose name ends in ``.parquet`` or ``.pq`` is read as Parquet (with pyarrow):
    its columns keep the types it stores (datetimes, categories, nullable integers,
    text). Anything else is read as CSV, whose text columns that hold only ISO 8601
    dates become datetimes (see :func:`_parse_dates`).

    Parameters
    ----------
    path : str, path or file-like
        The table: a CSV file with a header line, or a Parquet file.

    Returns
    -------
    table : DataFrame

    Raises
    ------
    CommandError
        With a one-line reason when the file is missing, unreadable, empty or not a
        well-formed CSV or Parquet table; a :class:`ParquetUnavailableError` when a
        Parquet file is asked for without pyarrow.

    Examples
    --------
    >>> import io
    >>> from skgan.cli import read_table
    >>> table = read_table(io.StringIO("city,joined\\nOslo,2021-03-01\\nLyon,\\n"))
    >>> table["joined"].iloc[0]
    Timestamp('2021-03-01 00:00:00')
    """
    if is_parquet(path):
        return _read_parquet(path)
    if isinstance(path, (str, os.PathLike)) and is_special_file(path):
        # a pipe (`<(cat file)`, /dev/stdin) can be read once: its bytes, read here,
        # serve the separator's sniffing and the table alike
        with _reading(path, "CSV file"), open(path, "rb") as pipe:
            path = io.BytesIO(pipe.read())
    return _read_csv(path)


#: Separators other than the comma that CSV files use (Excel in many locales writes
#: semicolons), tried when a file read with commas has one column whose name holds one.
OTHER_SEPARATORS = (";", "\t", "|")


def _read_csv(path):
    try:
        return _read_csv_as(path, "utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _marked_encoding(path)  # Excel's "Unicode Text" is UTF-16
    if encoding is not None:
        try:
            return _read_csv_as(path, encoding)
        except UnicodeDecodeError:
            raise CommandError(f"{path} starts as {encoding.upper()} text but does not "
                               f"decode as {encoding.upper()}") from None
    # Excel on Windows writes its CSV files (semicolons and decimal commas included) in
    # Windows-1252, which decodes any byte but a few: binary files hold control bytes.
    if _holds_control_bytes(path):
        raise CommandError(f"{path} is not UTF-8 text (is it a CSV file?)")
    try:
        table = _read_csv_as(path, "cp1252")
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text (is it a CSV file?)") from None
    _warn(f"{path} is not UTF-8: read as Windows-1252 text, as Excel writes CSV files "
          "(save it as 'CSV UTF-8' to leave nothing to guess)")
    return table


#: Byte-order marks and the encodings they start (UTF-32's first: its little-endian
#: mark begins with UTF-16's).
BYTE_ORDER_MARKS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _marked_encoding(path):
    """The encoding a UTF-16 or UTF-32 byte-order mark at the start of the file says
    (read as pandas would, so compressed files too), or None."""
    _rewind(path)
    with _reading(path, "CSV file"):
        with pd.io.common.get_handle(path, "rb", compression="infer",
                                     is_text=False) as handle:
            start = handle.handle.read(4)
    _rewind(path)
    return next((encoding for mark, encoding in BYTE_ORDER_MARKS
                 if start.startswith(mark)), None)


def _read_csv_as(path, encoding):
    try:
        with _reading(path, "CSV file"):
            separator = _separator(path, encoding)
            forms = _text_forms(path, separator, encoding)
            table = read_rows(path, sep=separator, encoding=encoding,
                              dtype=dict.fromkeys(forms.codes, str) or None,
                              na_values=EXCEL_ERRORS)
            table = _whole_numbers_kept(table, forms.whole)
    except pd.errors.EmptyDataError:
        raise CommandError(f"{path} is empty") from None
    except pd.errors.ParserError as error:
        raise CommandError(f"{path} is not a well-formed CSV file: {_first_line(error)}") \
            from None
    if len(table) == 0:
        raise CommandError(f"{path} has a header but no rows")
    table = _checked_header(path, separator, encoding, table)
    if separator != ",":
        before = table.dtypes
        table = _decimal_commas_as_numbers(table)
        if forms.dot_grouped and (table.dtypes != before).any():  # decimal commas here
            table = _dot_grouped_as_numbers(path, table, forms.dot_grouped, separator,
                                            encoding)
    _warn_excel_errors(path, forms.excel_errors)
    _warn_numbers_as_text(path, table)
    return _parse_dates(table)


#: Bytes no text file holds (control characters but tab, line feed and carriage return).
CONTROL_BYTES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _holds_control_bytes(path):
    with _reading(path, "CSV file"):
        lines = _first_lines(path, "latin-1")  # any byte reads as one character
    return any(CONTROL_BYTES.search(line) for line in lines)


def _first_lines(path, encoding):
    """The file's first :data:`LINES_SNIFFED` non-blank lines as they are written
    (quotes and separators kept), read by pandas (which opens compressed files too)."""
    _rewind(path)
    return pd.read_csv(path, sep="\x7f", header=None, nrows=LINES_SNIFFED, dtype=str,
                       quoting=csv.QUOTE_NONE, encoding=encoding, skip_blank_lines=True,
                       keep_default_na=False, on_bad_lines="skip").iloc[:, 0].tolist()


#: Lines (the header and the first rows) read to choose a CSV file's separator.
LINES_SNIFFED = 50


def _separator(path, encoding="utf-8"):
    """The separator of a CSV file: a comma, or one of :data:`OTHER_SEPARATORS`.

    Of those that split the header and the first rows into the same number of fields
    (at least two; quotes respected), the one giving the most fields wins, a comma
    first among equals: a semicolon file's text may hold commas ("Doe, Jane", "2,5"),
    even in its header ("Name, Vorname;Betrag", which commas split in two alike). When none does (ragged rows), the header decides: another
    separator when the header read with commas is one name holding it and most rows
    hold it too; a comma otherwise.
    """
    lines = _first_lines(path, encoding)
    if not lines:
        return ","
    text = "\n".join(lines)
    consistent = {}
    for separator in (",", *OTHER_SEPARATORS):
        try:
            widths = {len(row) for row in csv.reader(io.StringIO(text), delimiter=separator)
                      if row}
        except csv.Error:
            continue
        if len(widths) == 1 and (width := widths.pop()) > 1:
            consistent[separator] = width
    if consistent:  # the most fields (a comma first among equals: dicts keep order)
        return max(consistent, key=consistent.get)
    header = pd.read_csv(io.StringIO(text), nrows=0)
    other = _other_separator(header)
    rows = lines[1:]
    if other is not None and sum(other in row for row in rows) * 2 >= len(rows):
        return other
    return ","


def _checked_header(path, separator, encoding, table):
    """``table``, or a CommandError when the CSV header names a column twice (pandas
    would have read the second ``a`` as ``a.1``, and the samples' header would differ
    from the data's) or leaves one without a name; a last column without a name and
    without a value (a separator ending every line, the header's too) is dropped."""
    _rewind(path)
    names = pd.read_csv(path, sep=separator, header=None, nrows=1, dtype=str,
                        encoding=encoding).iloc[0]
    if len(names) == table.shape[1] > 1 and pd.isna(names.iloc[-1]) and \
            names.iloc[:-1].notna().all() and table.iloc[:, -1].isna().all():
        return table.iloc[:, :-1]
    blank = int(names.isna().sum())
    if blank == 1 and pd.isna(names.iloc[0]):  # pandas' to_csv writes its index so
        raise CommandError(f"{path} has a first column without a name: a pandas index "
                           "written by to_csv? (write it with index=False, or name the "
                           "column)")
    if blank:  # pandas names them "Unnamed: 2", ...: no name of the file's
        raise CommandError(f"{path} leaves {blank} column{'s' if blank > 1 else ''} "
                           "without a name in its header (name them, or remove empty "
                           "columns)")
    repeated = names[names.duplicated()].unique().tolist()
    if repeated:
        raise CommandError(f"{path} names columns more than once: "
                           f"{', '.join(map(repr, repeated))} (rename them)")
    return table


def _other_separator(table):
    """The separator of a CSV file read as one column with commas, when its one column
    name holds one of :data:`OTHER_SEPARATORS` (None otherwise)."""
    if table.shape[1] != 1:
        return None
    found = [separator for separator in OTHER_SEPARATORS if separator in str(table.columns[0])]
    return found[0] if len(found) == 1 else None


def with_dates_as_in(reference, table):
    """``table`` with the columns that hold dates in ``reference`` as Python dates
    (a Parquet ``date32`` column is read as Python dates, a CSV file's dates as
    datetimes): the report compares the same dates, whichever file held which."""
    converted = {}
    for name in reference.columns.intersection(table.columns):
        column = table[name]
        if _holds_dates(reference[name]) and pd.api.types.is_datetime64_any_dtype(column):
            converted[name] = column.dt.date.where(column.notna(), None)
    if not converted:
        return table
    table = table.copy()
    for name, column in converted.items():
        table[name] = column
    return table


def _holds_dates(column):
    """Whether ``column`` holds Python dates (and missing values), no datetimes."""
    if column.dtype != object:
        return False
    values = column.dropna()
    return len(values) > 0 and all(
        isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
        for value in values)


def _read_parquet(path):
    """A Parquet file as a DataFrame of the types it stores (no text forms of dates)."""
    pyarrow, _ = require_pyarrow()
    try:
        with _reading(path, "Parquet file"):
            names = parquet_names(path)
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                raise CommandError(f"{path} names columns more than once: "
                                   f"{', '.join(map(repr, repeated))} (rename them)")
            table = pd.read_parquet(path, engine="pyarrow")
    except pyarrow.ArrowException as error:
        raise CommandError(f"{path} is not a readable Parquet file: {_first_line(error)}") \
            from None
    if len(table) == 0:
        raise CommandError(f"{path} has no rows")
    # pandas stores a DataFrame's index: a named one (an ``id``, say) is data too, an
    # unnamed one only pandas' bookkeeping
    table = table.reset_index(drop=all(name is None for name in table.index.names))
    table.attrs["datetime_formats"] = {}  # its datetimes are datetimes, not text
    return table


def parquet_names(path):
    """The column names a Parquet file's schema holds, in order, repeats included."""
    _, parquet = require_pyarrow()
    if hasattr(path, "seek"):
        path.seek(0)
    names = list(parquet.ParquetFile(path).schema_arrow.names)
    if hasattr(path, "seek"):
        path.seek(0)
    return names


#: A value of nothing but digits: pandas' ISO 8601 parser takes it as a year (or as a
#: compact date), so a column of codes with a leading zero ("0111", "0910": industry
#: codes) was read as the years 111 and 910. A column holding one is not read as dates.
DIGITS_ONLY = r"\s*[+-]?\d+\s*"


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
            if column.dropna().astype(str).str.fullmatch(DIGITS_ONLY).any():
                continue
            try:
                parsed = pd.to_datetime(column, format="ISO8601")
            except (ValueError, TypeError):
                parsed = _with_offsets_in_utc(column)
                if parsed is None:
                    continue
            if not pd.api.types.is_datetime64_any_dtype(parsed.dtype):
                parsed = _with_offsets_in_utc(column)  # older pandas: objects
                if parsed is None:
                    continue
            table[name] = parsed
            text_format = _text_format(column, parsed)
            if text_format is not None:
                formats[name] = text_format
    table.attrs["datetime_formats"] = formats
    return table


def _with_offsets_in_utc(column):
    """A column of ISO 8601 times whose UTC offsets differ (local times across a
    daylight-saving change) as UTC datetimes, or None unless every time has an offset
    (times without one would be read as UTC, which they may not be)."""
    texts = column.dropna().astype(str).str.strip()
    if not texts.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).all():
        return None
    try:
        return pd.to_datetime(column, format="ISO8601", utc=True)
    except (ValueError, TypeError):
        return None


#: Formats a datetime column read from a CSV is recognised in (``%:z``: an offset
#: written ``+01:00``; ``Z``: UTC written as a ``Z``).
DATETIME_FORMATS = tuple(
    f"%Y-%m-%d{time}{zone}"
    for time in ("", "T%H:%M:%S", " %H:%M:%S", "T%H:%M", " %H:%M", "T%H:%M:%S.%f",
                 " %H:%M:%S.%f")
    for zone in ("", "Z", "%:z")
    if time or not zone
) + ("%Y-%m",)  # year and month: read as the month's first day, written as a month


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
