"""Reading the columns of real and synthetic tables alike: kinds, checks, values.

Shared by the quality report (:mod:`skgan.evaluation`) and the disclosure measures
(:mod:`skgan.metrics.privacy`)."""

import numpy as np
import pandas as pd

KINDS = ("numerical", "categorical", "datetime", "boolean")


def column_kind(series):
    """The kind of a column: "numerical", "categorical", "datetime" or "boolean".

    Booleans (also an object column holding only True/False) are "boolean", datetimes
    "datetime", other numbers and time spans "numerical", everything else (strings,
    categories, mixed objects) "categorical".

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.evaluation import column_kind
    >>> [column_kind(pd.Series(values)) for values in ([1.5, 2], ["a"], [True, None])]
    ['numerical', 'categorical', 'boolean']
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "numerical"
    if dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "boolean":
        return "boolean"
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
    return first, second[list(first.columns)]


def _names(columns):
    return ", ".join(repr(name) for name in columns)


def _as_float(series, kind):
    """A column as float64 values (datetimes and time spans in seconds), NaN if missing."""
    if kind == "datetime":
        if not pd.api.types.is_datetime64_any_dtype(series.dtype):
            series = pd.to_datetime(series, errors="coerce", format="ISO8601")
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return (series - pd.Timestamp(0)).dt.total_seconds().to_numpy(dtype=np.float64)
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return series.dt.total_seconds().to_numpy(dtype=np.float64)
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(np.float64).to_numpy()
    numbers = pd.to_numeric(series, errors="coerce")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _labels(series):
    """A column's values as strings (missing stays missing), so 1 and "1" match."""
    return series.astype(object).astype("string")


def _category_codes(real_series, synthetic_series):
    """Shared integer codes of both columns' values (-1 = missing) and how many there are."""
    codes, uniques = pd.factorize(
        pd.concat([_labels(real_series), _labels(synthetic_series)], ignore_index=True)
    )
    return codes[:len(real_series)], codes[len(real_series):], len(uniques)
