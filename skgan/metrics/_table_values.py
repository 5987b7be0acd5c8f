"""Reading the columns of real and synthetic tables alike: kinds, checks, values.

Shared by the quality report (:mod:`skgan.evaluation`) and the disclosure measures
(:mod:`skgan.metrics.privacy`)."""

import numpy as np
import pandas as pd

KINDS = ("numerical", "categorical", "datetime", "boolean")


def column_kind(series):
    """The kind of a column: "numerical", "categorical", "datetime" or "boolean".

    Booleans (also an object column holding only True/False) are "boolean", datetimes
    "datetime", other numbers (also ``decimal.Decimal`` objects) and time spans
    "numerical", everything else (strings, categories, mixed objects) "categorical".

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.evaluation import column_kind
    >>> [column_kind(pd.Series(values)) for values in ([1.5, 2], ["a"], [True, None])]
    ['numerical', 'categorical', 'boolean']
    """
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and dtype.kind in "mM":  # pyarrow's spans, dates
        dtype = dtype.numpy_dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "numerical"
    if dtype == object:
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred == "boolean":
            return "boolean"
        if inferred == "decimal":  # decimal.Decimal amounts, as database drivers give
            return "numerical"  # them (the tabular adapter models them as numbers)
    return "categorical"


def _check_tables(first, second, names=("real", "synthetic")):
    """Both tables as DataFrames with the same columns, the second in the first's order."""
    for table, name in zip((first, second), names):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(table).__name__}.")
        if table.shape[1] == 0:
            raise ValueError(f"{name} has no columns.")
        if len(table) == 0:
            raise ValueError(f"{name} has no rows.")
        if table.columns.has_duplicates:
            duplicated = sorted(map(str, table.columns[table.columns.duplicated()]))
            raise ValueError(f"{name} has duplicate column names: {duplicated}.")
    check_same_columns(first, second, names)
    return first, second[list(first.columns)]


def check_same_columns(first, second, names):
    """A ValueError naming what ``second`` lacks or adds to ``first``'s columns
    (``names``: the two tables' names)."""
    missing = [name for name in first.columns if name not in second.columns]
    extra = [name for name in second.columns if name not in first.columns]
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"{names[1]} lacks {_names(missing)}")
        if extra:
            problems.append(f"{names[1]} has extra {_names(extra)}")
        raise ValueError(f"{names[0]} and {names[1]} have different columns: "
                         + "; ".join(problems) + ".")


def _names(columns):
    return ", ".join(repr(name) for name in columns)


def _as_float(series, kind):
    """A column as float64 values (datetimes and time spans in seconds, also written as
    text), NaN if missing or unreadable."""
    series = _numpy_times(series)
    if kind == "datetime":
        if not pd.api.types.is_datetime64_any_dtype(series.dtype):
            try:
                series = pd.to_datetime(series, errors="coerce", format="ISO8601")
            except ValueError:  # offsets that differ (across daylight saving): as UTC
                series = pd.to_datetime(series, errors="coerce", format="ISO8601", utc=True)
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return (series - pd.Timestamp(0)).dt.total_seconds().to_numpy(dtype=np.float64)
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return series.dt.total_seconds().to_numpy(dtype=np.float64)
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(np.float64).to_numpy()
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64,
                                                              na_value=np.nan)
    unread = np.isnan(numbers) & series.notna().to_numpy()
    if unread.any() and not pd.api.types.is_numeric_dtype(series.dtype):
        # Time spans written as text ("0 days 08:31:00", as pandas writes them to CSV)
        spans = pd.to_timedelta(series.where(unread), errors="coerce")
        numbers = np.where(unread, spans.dt.total_seconds().to_numpy(dtype=np.float64,
                                                                     na_value=np.nan),
                           numbers)
    return numbers


def _numpy_times(series):
    """pyarrow's times, dates and time spans (as ``dtype_backend="pyarrow"`` reads them)
    as numpy's, in UTC; other columns as they are."""
    dtype = series.dtype
    if not isinstance(dtype, pd.ArrowDtype):
        return series
    if pd.api.types.is_timedelta64_dtype(dtype.numpy_dtype):
        return series.astype("timedelta64[ns]")
    if not pd.api.types.is_datetime64_any_dtype(dtype.numpy_dtype):
        return series
    if getattr(dtype.pyarrow_dtype, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.astype("datetime64[ns]")


#: Texts read as True and as False in a column whose real counterpart holds booleans.
_TRUE_TEXTS = frozenset({"true", "t", "yes", "y", "1"})
_FALSE_TEXTS = frozenset({"false", "f", "no", "n", "0"})


def _labels(series, kind=None):
    """A column's values as strings (missing stays missing), alike however a file wrote
    them: 1, 1.0 and "1" give "1" (whole floats are written as integers), and, where
    the real column holds booleans (``kind="boolean"``), 1/0, "yes"/"no" and
    "true"/"false" give "True"/"False", as True and False do."""
    if kind == "boolean" and column_kind(series) != "boolean":
        series = _as_booleans(series)
    values = series.astype(object)
    dtype = series.dtype
    if dtype == object or pd.api.types.is_float_dtype(dtype) or \
            isinstance(dtype, pd.CategoricalDtype):  # only these can hold 1.0
        values = values.map(_whole_number, na_action="ignore")
    return values.astype("string")


def _whole_number(value):
    """A float with no fraction as an int (1.0 -> 1); any other value as it is."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and \
            float(value).is_integer():
        return int(value)
    return value


def _as_booleans(series):
    """``series`` as True/False (missing kept) when every value it holds reads as one
    (1/0, "true"/"false", "yes"/"no", in any case); else ``series`` itself."""
    texts = _labels(series).str.strip().str.lower()
    known = texts.dropna()
    if not known.isin(_TRUE_TEXTS | _FALSE_TEXTS).all():
        return series
    return texts.map(lambda text: text in _TRUE_TEXTS, na_action="ignore").astype(object)


def _category_codes(real_series, synthetic_series):
    """Shared integer codes of both columns' values (-1 = missing) and how many there
    are; the synthetic values read as the real column's kind (see :func:`_labels`)."""
    kind = column_kind(real_series)
    codes, uniques = pd.factorize(
        pd.concat([_labels(real_series, kind), _labels(synthetic_series, kind)],
                  ignore_index=True)
    )
    return codes[:len(real_series)], codes[len(real_series):], len(uniques)
