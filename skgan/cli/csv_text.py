"""How the text of a CSV file's columns becomes their values, beyond what pandas reads:
codes with leading zeros kept as text, whole numbers with blanks as whole numbers,
decimal commas as numbers, Excel's error values as missing, and a warning for numbers
formatted for reading."""

import re
import warnings
from collections import namedtuple

import pandas as pd

from .files import _warn


def _rewind(path):
    if hasattr(path, "seek"):
        path.seek(0)


#: A whole number written with leading zeros: a code ("02134", "007"), not a quantity.
ZERO_PADDED = re.compile(r"[+-]?0\d+")
#: Rows read to find such columns.
ROWS_FOR_CODES = 10_000


#: A whole number as written, without leading zeros.
WHOLE_NUMBER = re.compile(r"[+-]?(?:0|[1-9]\d*)")

#: A whole number with dots grouping its thousands (``5.734``, ``12.500``; ``0.250``
#: groups nothing): in a file whose numbers have decimal commas, a whole number, which
#: pandas reads as 5.734.
DOT_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")

#: What :func:`_text_forms` finds in a file's first rows.
TextForms = namedtuple("TextForms", "codes whole excel_errors dot_grouped")

#: What pandas reads as a missing value by default (its ``na_values``), as written.
PANDAS_MISSING = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})

#: The error values Excel writes into a cell whose formula failed (``#N/A`` is among
#: pandas' missing values already): no value of the column, so read as missing.
EXCEL_ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!",
                "#UNKNOWN!")


def read_rows(path, **options):
    """``pd.read_csv(path, **options)``, and a file whose rows hold one value more than
    its header has names read as such files are meant: where that value is empty in
    every row, a separator ending each row (as many exports write it), which is no
    column (pandas took the first column as the index and shifted every name); where it
    is filled, row names (as R's ``write.table`` writes them), which are no data either
    (pandas' index, dropped)."""
    _rewind(path)
    table = pd.read_csv(path, **options)
    if isinstance(table.index, pd.RangeIndex) or not table.shape[1]:
        return table
    last = table.iloc[:, -1]
    if (last.isna() | last.astype("string").str.strip().eq("")).all():
        _rewind(path)
        with warnings.catch_warnings():  # the empty values pandas leaves out
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            return pd.read_csv(path, index_col=False, **options)
    return table.reset_index(drop=True)


def _text_forms(path, separator, encoding):
    """Columns whose text, in the first :data:`ROWS_FOR_CODES` rows, holds a whole
    number with leading zeros (ZIP codes, account numbers: read as text, they keep
    their zeros; pandas would read 02134 as the number 2134, and samples would hold
    values the file never does), columns of whole numbers with blanks (pandas reads
    them as floats, and samples would say 263.0 where the file says 263; a blank is
    anything pandas reads as missing, ``NA`` or ``#N/A`` too, or an Excel error value),
    per column the Excel error values (:data:`EXCEL_ERRORS`) it holds, and columns of
    whole numbers some of which have dots grouping thousands (:data:`DOT_GROUPED`): a
    :class:`TextForms`."""
    texts = read_rows(path, sep=separator, encoding=encoding, dtype=str,
                      nrows=ROWS_FOR_CODES, keep_default_na=False)
    codes, whole, errors, dot_grouped = [], [], {}, []
    for name in texts.columns:
        column = texts[name].str.strip()
        excel_error = column.isin(EXCEL_ERRORS)
        if excel_error.any():
            errors[name] = list(dict.fromkeys(column[excel_error]))
        blank = column.isin(PANDAS_MISSING) | excel_error
        if column.str.fullmatch(ZERO_PADDED).any():
            codes.append(name)
        elif blank.any() and not blank.all() and \
                column[~blank].str.fullmatch(WHOLE_NUMBER).all():
            whole.append(name)
        known = column[~blank]
        if len(known) and known.str.fullmatch(DOT_GROUPED).any() and \
                (known.str.fullmatch(DOT_GROUPED) | known.str.fullmatch(WHOLE_NUMBER)).all():
            dot_grouped.append(name)
    return TextForms(codes, whole, errors, dot_grouped)


def _warn_excel_errors(path, errors):
    """Warn of the columns whose first rows hold Excel's error values (``errors``: the
    spellings seen per column), which are read as missing."""
    for name, spellings in errors.items():
        _warn(f"{path}: column {name!r} holds Excel error values ({', '.join(spellings)}); "
              "they are read as missing values")


def _whole_numbers_kept(table, names):
    """Float columns of ``names`` whose values are all whole, as nullable integers."""
    for name in names:
        column = table[name]
        if column.dtype.kind != "f":
            continue
        values = column.dropna()
        if len(values) and (values == values.round()).all() and values.abs().max() < 2**53:
            table[name] = column.astype("Int64")
    return table


#: A number as spreadsheets format it: a currency sign, thousands separators, a
#: percent sign (``$1,234.50``, ``56,125``, ``5%``, ``€ 12``).
DECORATED_NUMBER = re.compile(r"[$€£¥]?\s*[+-]?[$€£¥]?\s*\d{1,3}(?:[,.' ]\d{3})*"
                              r"(?:[.,]\d+)?\s*%?\s*[$€£¥]?")


def _warn_numbers_as_text(path, table):
    """Warn of text columns whose values are numbers formatted for reading (currency,
    thousands separators, percent signs): learned as categories, their samples are
    copies of the file's values."""
    for name in table.columns:
        column = table[name]
        if not pd.api.types.is_string_dtype(column.dtype) or column.isna().all():
            continue
        texts = column.dropna().astype(str).str.strip()
        texts = texts[texts != ""]
        if len(texts) and texts.nunique() > 10 and \
                texts.str.fullmatch(DECORATED_NUMBER).mean() >= 0.9 and \
                texts.str.contains(r"[$€£¥%,' ]").any():
            _warn(f"{path}: column {name!r} holds numbers written as text "
                  f"({', '.join(map(repr, texts.iloc[:2]))}); they are learned as "
                  "categories (samples copy its values): write them as plain numbers to "
                  "learn them as numbers")


#: A number written with a decimal comma, as files with semicolon (or tab or bar)
#: separators from many locales write them: ``-3,5``, ``1.234,5`` (dots grouping
#: thousands), ``12`` (no decimals).
DECIMAL_COMMA_NUMBER = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d+)?")


def _dot_grouped_as_numbers(path, table, names, separator, encoding):
    """Columns ``names`` of a file whose numbers have decimal commas, read again as text
    and turned into whole numbers with their thousands' dots dropped (``5.734`` is
    5734): pandas read them as decimals."""
    texts = read_rows(path, sep=separator, encoding=encoding, dtype=str,
                      na_values=EXCEL_ERRORS)
    for name in names:
        column = texts[name].str.strip()
        known = column.dropna()
        if not (known.str.fullmatch(DOT_GROUPED) | known.str.fullmatch(WHOLE_NUMBER)).all():
            continue  # a later row is no such number: the column stays as pandas read it
        numbers = pd.to_numeric(column.str.replace(".", "", regex=False))
        table[name] = numbers.astype("Int64" if numbers.isna().any() else "int64")
    return table


def _decimal_commas_as_numbers(table):
    """Turn text columns that hold only numbers with decimal commas (and blanks) into
    floats: ``"3,5"`` is 3.5 and ``"1.234,5"`` 1234.5.

    Only columns in which at least one value has a decimal comma and every value is
    such a number change; any other text (``"Doe, Jane"``, ``"3,5 kg"``) keeps its
    column as it was read.
    """
    for name in table.columns:
        column = table[name]
        if not pd.api.types.is_string_dtype(column.dtype) or column.isna().all():
            continue
        texts = column.dropna().astype(str).str.strip()
        if not texts.str.contains(",", regex=False).any() or \
                not texts.str.fullmatch(DECIMAL_COMMA_NUMBER).all():
            continue
        numbers = (column.astype("string").str.strip().str.replace(".", "", regex=False)
                   .str.replace(",", ".", regex=False))
        table[name] = pd.to_numeric(numbers).astype("float64")
    return table
