"""The protocol every constraint follows, and helpers for the columns it works on.

A constraint is a rule between columns of a table that every generated row must keep.
It is satisfied by construction: at fit, the adapter hands the training table to
:meth:`Constraint.transform`, which rewrites the constrained columns in a form where
any value is allowed (a positive gap in log space, one joint categorical column, a
count of increments); the networks learn that form; at sampling,
:meth:`Constraint.reverse_transform` writes the original columns back from it, so the
rule holds whatever the generator produced. :meth:`Constraint.is_valid` says which rows
keep the rule; the adapter uses it to check training rows and, last of all, generated
ones (a row that a combination of constraints could not keep is dropped and replaced,
a bounded number of times).
"""

import inspect
from abc import ABCMeta, abstractmethod

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator


class Constraint(BaseEstimator, metaclass=ABCMeta):
    """Base class of constraints: parameters only in ``__init__``, equal by value.

    Subclasses implement :meth:`column_names`, :meth:`is_valid` and, where the rule can be
    kept by construction, :meth:`fit`, :meth:`transform` and :meth:`reverse_transform`
    (the defaults leave the table as it is). A user's own constraint subclasses this
    class the same way; see docs/constraints.md.
    """

    @abstractmethod
    def column_names(self):
        """The names of the columns the rule is about, in a fixed order."""

    @abstractmethod
    def is_valid(self, frame):
        """Boolean array: which rows of ``frame`` keep the rule.

        A row whose constrained values are missing has nothing to keep and is valid.
        """

    def check(self, frame):
        """Raise a ValueError/TypeError when the rule cannot apply to ``frame`` (a
        column it names is missing or of the wrong kind, a parameter is wrong)."""
        missing = [name for name in self.column_names() if name not in frame.columns]
        if missing:
            raise ValueError(f"{self.describe()}: no column {missing[0]!r} in the table "
                             f"(its columns: {list(frame.columns)})")

    def fit(self, frame):
        """Learn what the transforms need from the (valid) training rows."""
        self.check(frame)
        return self

    def transform(self, frame):
        """``frame`` with the constrained columns in their unconstrained form."""
        return frame

    def reverse_transform(self, frame):
        """``frame`` (generated, in the unconstrained form) with the original columns
        written back so the rule holds."""
        return frame

    def written_columns(self):
        """Columns :meth:`reverse_transform` writes (all of :meth:`column_names` here)."""
        return self.column_names()

    def read_columns(self):
        """Columns whose final values :meth:`reverse_transform` reads: rules that write
        them are reversed first (all of :meth:`column_names` here)."""
        return self.column_names()

    def discrete_columns(self):
        """Columns of the transformed table the adapter must learn as discrete (their
        values are the ones the rule knows; none here). A column of a few prices that
        decides another would otherwise be learned as continuous, and generate prices
        the rule never saw."""
        return []

    def derived_missing_columns(self):
        """Columns :meth:`transform` adds whose values are missing exactly where other
        columns' are (none here). Pair calibration does not rake their missing
        indicators: the generator leaves them out on its own, and raking them to the
        training rows' tables, where they never part from the columns they follow,
        would fight the other columns' missing rates."""
        return []

    def conditions(self, conditions):
        """Conditions on original columns as conditions on the transformed table.

        Returns the conditions the generator can be asked for (columns of the
        transformed table); the default keeps those on columns the transform keeps.
        """
        return conditions

    def describe(self):
        """The rule in words, for error messages."""
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        params = self.get_params()
        shown = ", ".join(f"{name}={params[name]!r}" for name in names if name in params)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other):
        return type(self) is type(other) and _same_params(self.get_params(),
                                                          other.get_params())

    def __hash__(self):
        return hash((type(self).__name__, repr(sorted(self.get_params().items()))))


def _same_params(first, second):
    if first.keys() != second.keys():
        return False
    return all(repr(first[key]) == repr(second[key]) for key in first)


# ---------------------------------------------------------------------- column helpers
def kind_of(column):
    """``"datetime"``, ``"timedelta"``, ``"number"`` or ``"other"``."""
    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pd.api.types.is_bool_dtype(dtype):
        return "other"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    return "other"


def require_kind(constraint, frame, names, kinds=("number", "datetime", "timedelta")):
    """The common kind of columns ``names``; a ValueError/TypeError when they are missing
    from ``frame`` or not of one of ``kinds``."""
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise ValueError(f"{constraint.describe()}: no column {missing[0]!r} in the table "
                         f"(its columns: {list(frame.columns)})")
    found = {name: kind_of(frame[name]) for name in names}
    wrong = [name for name, kind in found.items() if kind not in kinds]
    if wrong:
        column = frame[wrong[0]]
        decimals = (column.dtype == object
                    and pd.api.types.infer_dtype(column, skipna=True) == "decimal")
        raise TypeError(f"{constraint.describe()}: column {wrong[0]!r} holds "
                        f"{column.dtype}, not " + " or ".join(kind + "s" for kind in kinds)
                        + (f" (decimal.Decimal values: rules take them as floats, "
                           f"df[{wrong[0]!r}].astype(float))" if decimals else ""))
    if len(set(found.values())) > 1:
        raise TypeError(f"{constraint.describe()}: columns {list(names)} mix "
                        f"{sorted(set(found.values()))}")
    kind = next(iter(found.values()))
    if kind == "datetime" and len({frame[name].dt.tz is None for name in names}) > 1:
        raise TypeError(f"{constraint.describe()}: columns {list(names)} mix dates with and "
                        "without a time zone")
    return kind


def as_float(column):
    """A numeric column as float64 with NaN for missing values (NA, NaN, None)."""
    return pd.to_numeric(column, errors="coerce").astype("float64").to_numpy(copy=True)


def decimals_of(values, max_decimals=6, dtype=None):
    """The fewest decimals (0..``max_decimals``) all finite ``values`` are written
    with, or None when they need more.

    A value is written with ``d`` decimals when rounding it to ``d`` moves it by no more
    than its own precision in ``dtype`` (the values' float dtype, float64 for others; a
    float32 column's 0.1 is 0.1 to float32's precision) and by less than a thousandth of
    its last decimal: 1e-10 is not a whole number, nor is 1e9 + 0.25.
    """
    dtype = getattr(dtype, "numpy_dtype", getattr(dtype, "subtype", dtype))  # pandas'
    try:  # Float32, Sparse[float32] and such
        dtype = np.dtype(dtype) if dtype is not None else np.asarray(values).dtype
    except TypeError:  # a dtype numpy does not know: read as float64
        dtype = np.dtype(np.float64)
    epsilon = np.finfo(dtype if dtype.kind == "f" else np.float64).eps
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return None
    precision = 4 * epsilon * np.abs(values)
    for decimals in range(max_decimals + 1):
        moved = np.abs(np.round(values, decimals) - values)
        if np.all(moved <= np.minimum(precision, 1e-3 * 10.0 ** -decimals)):
            return decimals
    return None


def time_step(column):
    """The largest of day/hour/minute/second/millisecond/microsecond that every value
    of a datetime or timedelta column is a whole multiple of (None: finer)."""
    values = column.dropna()
    if len(values) == 0:
        return None
    nanoseconds = wall_nanoseconds(values)
    for unit in ("1D", "1h", "1min", "1s", "1ms", "1us"):
        step = pd.Timedelta(unit).value
        if np.all(nanoseconds % step == 0):
            return pd.Timedelta(unit)
    return None


def on_wall_clock(values, change):
    """``change`` applied to zoned datetimes as local wall-clock times, then placed back
    in their zone (an hour the clock repeats keeps each value's own offset, an hour it
    skips moves forward)."""
    zone = values.dt.tz
    wall = values.dt.tz_localize(None)
    offsets = wall - values.dt.tz_convert("UTC").dt.tz_localize(None)
    summer = (offsets > offsets.min()).to_numpy(dtype=bool)  # the larger of two offsets
    changed = change(wall)
    return changed.dt.tz_localize(zone, ambiguous=summer, nonexistent="shift_forward")


def wall_nanoseconds(values):
    """Datetimes (as local wall-clock times) or timedeltas as int64 nanoseconds."""
    if kind_of(values) == "datetime":
        if values.dt.tz is not None:
            values = values.dt.tz_localize(None)
        return values.to_numpy().astype("datetime64[ns]").astype(np.int64)
    return values.to_numpy().astype("timedelta64[ns]").astype(np.int64)


def round_up(values, decimals):
    """``values`` rounded up to ``decimals`` (None: unchanged); NaN stays NaN."""
    if decimals is None:
        return values
    factor = 10.0 ** decimals
    return np.ceil(np.round(values * factor, 6)) / factor


def round_to(values, decimals):
    if decimals is None:
        return values
    return np.round(values, decimals)


def with_dtype(values, dtype, index):
    """Float ``values`` (NaN for missing) as a Series of ``dtype`` (an integer column
    with missing values becomes float, as pandas reads one)."""
    if pd.api.types.is_integer_dtype(dtype):
        missing = np.isnan(values)
        if missing.any():
            if isinstance(dtype, np.dtype):
                return pd.Series(values, index=index)
            return pd.Series(pd.array(np.where(missing, None, np.round(values)),
                                      dtype=dtype), index=index)
        return pd.Series(np.round(values), index=index).astype(dtype)
    if pd.api.types.is_bool_dtype(dtype):
        missing = np.isnan(values)
        if not missing.any():
            return pd.Series(values.astype(bool), index=index).astype(dtype)
        return pd.Series(pd.array(np.where(missing, None, values.astype(bool)),
                                  dtype="boolean"), index=index)
    return pd.Series(values, index=index).astype(dtype)


def fresh_name(frame, base):
    """A column name starting with ``base`` not yet in ``frame``."""
    name, suffix = base, 1
    while name in frame.columns:
        suffix += 1
        name = f"{base}{suffix}"
    return name
