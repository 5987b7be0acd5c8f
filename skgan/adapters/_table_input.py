"""Checks of the tables and parameters a TabularAdapter is given: what it can use, and
clear errors."""

import numbers

import numpy as np
import pandas as pd

from ._column_kinds import encoding_kind, is_numeric_column, is_time_column
from ._dependencies import integer_keys
from ._split_dates import find_split_dates

_UNHASHABLE = (list, dict, set, np.ndarray)


def as_frame(X, require_values=True):
    """``X`` as a DataFrame and the dtype of the array it came from (None for frames).

    Raises the errors of unusable tables: wrong rank, no rows or columns, duplicated
    column names, unsupported column types, columns with no values, infinite values.
    """
    if isinstance(X, pd.DataFrame):
        frame, array_dtype = X, None
    else:
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise TypeError("TabularAdapter does not accept sparse matrices; densify first.")
        array = np.asarray(X)
        if array.ndim != 2:
            hint = ("X.to_frame() for a single column, X.to_frame().T for a single row"
                    if isinstance(X, pd.Series)
                    else "X.reshape(-1, 1) for a single feature, X.reshape(1, -1) for a "
                    "single row")
            raise ValueError(
                f"TabularAdapter expects 2-D data (rows, columns), got {array.ndim}-D. "
                f"Reshape your data: {hint}."
            )
        if array.dtype.kind == "c":
            raise ValueError("Complex data not supported.")
        frame = pd.DataFrame(array)
        array_dtype = array.dtype
    if frame.shape[1] == 0:
        raise ValueError(
            f"The table has 0 feature(s) (shape={frame.shape}) while a minimum of 1 is "
            "required."
        )
    if len(frame) == 0:
        raise ValueError("The table has 0 sample(s) (rows); at least 1 is required.")
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise ValueError(f"Duplicated column names: {duplicated}.")
    frame = _in_native_byte_order(frame)
    for name in frame.columns:
        check_column(name, frame[name], require_values)
    return frame, array_dtype


def _in_native_byte_order(frame):
    """``frame`` with its big-endian (on this machine: foreign byte order) numeric
    columns in the machine's order, as ``np.fromfile(path, ">f8")`` or FITS files give
    them: pandas' hash tables read native numbers only. A copy when any is converted;
    the values are the same."""
    foreign = {name: dtype.newbyteorder("=") for name, dtype in frame.dtypes.items()
               if isinstance(dtype, np.dtype) and not dtype.isnative}
    return frame.astype(foreign) if foreign else frame


def check_column(name, column, require_values=True):
    """Raise the error of an unusable column (complex, void, nested objects, all
    missing, infinite values)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "c":
        raise ValueError(f"Column {name!r}: complex data not supported.")
    if isinstance(dtype, np.dtype) and dtype.kind == "V":
        raise TypeError(f"Column {name!r} has unsupported dtype {dtype}.")
    if dtype == object:
        kinds = {type(value) for value in column.to_numpy()}
        bad = sorted(kind.__name__ for kind in kinds if issubclass(kind, _UNHASHABLE))
        if bad:
            raise TypeError(
                f"Column {name!r} holds nested objects ({', '.join(bad)}): every value "
                "must be a scalar; the argument must be a string, a number, a boolean or "
                "a date."
            )
    if require_values and column.isna().all():
        raise ValueError(f"Column {name!r} has no values (all missing); drop it first.")
    # Times hold no infinity (and Arrow's timestamps and dates are no numbers to
    # pd.to_numeric).
    if is_numeric_column(column) and not (pd.api.types.is_bool_dtype(dtype)
                                          or is_time_column(column)):
        values = pd.to_numeric(column).to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            raise ValueError(
                f"Column {name!r} holds infinite values; replace them (e.g. by NaN for "
                "missing)."
            )


def check_params(adapter, continuous_methods, mode_assignments):
    """Raise ``ValueError`` for a TabularAdapter parameter it cannot use."""
    if adapter.continuous not in continuous_methods:
        raise ValueError(
            f"continuous={adapter.continuous!r} is not one of {continuous_methods}."
        )
    if adapter.mode_assignment not in mode_assignments:
        raise ValueError(
            f"mode_assignment={adapter.mode_assignment!r} is not one of {mode_assignments}."
        )
    for name in ("max_modes", "max_discrete_levels", "max_categories", "max_fit_rows"):
        value = getattr(adapter, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    most = adapter.max_condition_levels
    if most is not None and (isinstance(most, bool) or not isinstance(most, numbers.Integral)
                             or most < 1):
        raise ValueError(f"max_condition_levels must be a positive integer or None, got "
                         f"{most!r}.")
    least = adapter.min_frequency
    if least is not None and (
            isinstance(least, bool) or not isinstance(least, numbers.Real)
            or (isinstance(least, numbers.Integral) and least < 1)
            or (not isinstance(least, numbers.Integral) and not 0.0 < least < 1.0)):
        raise ValueError(f"min_frequency must be a positive integer, a float in (0, 1) or "
                         f"None, got {least!r}.")
    if adapter.max_categories < 2:
        raise ValueError("max_categories must be at least 2.")
    if adapter.max_fit_rows < 2:  # the quantiles of one row map nothing
        raise ValueError(f"max_fit_rows must be at least 2, got {adapter.max_fit_rows}.")
    for name in ("functional_dependencies", "independent_columns"):
        value = getattr(adapter, name)
        if not (value is False or isinstance(value, str) and value == "auto"):
            raise ValueError(f"{name} must be 'auto' or False, got {value!r}.")
    for name in ("level_calibration", "pair_calibration", "conditional_sampling"):
        if not isinstance(getattr(adapter, name), (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {getattr(adapter, name)!r}.")
    for name in ("discrete_columns", "continuous_columns"):
        value = getattr(adapter, name)
        if not (isinstance(value, str) and value == "auto" or isinstance(value, (list, tuple))):
            raise ValueError(f"{name} must be 'auto' or a list, got {value!r}.")


def forced_kinds(adapter, columns, folded=()):
    """Column -> "discrete" / "continuous", as the adapter's ``discrete_columns`` and
    ``continuous_columns`` ask. ``folded``: columns of the user's table that rules
    (``OneHot``, ``FixedCombinations``) learn inside one discrete column of their own,
    discrete as named, never continuous."""
    forced = {}
    for kind in ("discrete", "continuous"):
        names = getattr(adapter, f"{kind}_columns")
        names = [] if isinstance(names, str) else list(names)
        in_rules = [name for name in names if name not in columns and name in folded]
        if in_rules and kind == "continuous":
            raise ValueError(f"continuous_columns names {in_rules}, which a rule learns as "
                             "one discrete column with the rule's other columns "
                             "(OneHot, FixedCombinations).")
        names = [name for name in names if name not in in_rules]
        unknown = [name for name in names if name not in columns]
        if unknown:
            raise ValueError(f"{kind}_columns names columns not in the data: {unknown}.")
        both = [name for name in names if name in forced]
        if both:
            raise ValueError(
                f"Columns {both} are named in both discrete_columns and continuous_columns."
            )
        forced.update(dict.fromkeys(names, kind))
    return forced


def column_kinds(adapter, frame, discrete_by_rules=(), folded_by_rules=()):
    """How the adapter encodes each column of ``frame`` ("discrete", "continuous", ...),
    and the dates split over three columns (``(year, month, day)`` positions).

    The kinds follow :func:`encoding_kind` and the adapter's ``discrete_columns`` and
    ``continuous_columns``; integer columns that determine a discrete column are codes
    (with ``functional_dependencies``), and so are the month and day of a split date and
    the columns constraints need discrete (``discrete_by_rules``), unless named in
    ``continuous_columns``. ``folded_by_rules``: the user's columns that rules replaced
    by a column of their own (see :func:`forced_kinds`).
    """
    forced = forced_kinds(adapter, frame.columns, folded_by_rules)
    by_rules = set(discrete_by_rules)
    kinds = [encoding_kind(frame[name], max_discrete_levels=adapter.max_discrete_levels,
                           forced=forced.get(name, "discrete" if name in by_rules else None))
             for name in frame.columns]
    if adapter.functional_dependencies is not False:
        for position in integer_keys(frame, kinds, forced):
            kinds[position] = "discrete"
    split_dates = find_split_dates(frame)
    for _, month, day in split_dates:  # codes of a calendar, not quantities
        for position in (month, day):
            if frame.columns[position] not in forced and kinds[position] == "continuous":
                kinds[position] = "discrete"
    return kinds, split_dates
