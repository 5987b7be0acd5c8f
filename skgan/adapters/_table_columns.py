"""One object per table column: how its values become numbers and come back.

``ContinuousColumn`` handles floats, many-valued integers, datetimes and timedeltas
(missing values through an indicator block), ``DiscreteColumn`` categories, booleans and
few-valued integers (a missing value is one more level), ``ConstantColumn`` columns with
a single value (nothing to learn). Each reports what its encoding holds:
``n_scalars`` values with ``scalar_activation`` and one-hot blocks of ``block_widths``.
"""

from decimal import Decimal

import numpy as np
import pandas as pd

from ..constraints.base import decimals_of
from ._columns import CategoryCoder, ModeNormalizer, QuantileNormalizer, has_separated_modes
from ._mixture_scores import MixtureScoreNormalizer

_NS_PER = {"D": 86_400 * 10**9, "h": 3_600 * 10**9, "min": 60 * 10**9, "s": 10**9,
           "ms": 10**6, "us": 10**3, "ns": 1}
_INT64_MAX = np.iinfo(np.int64).max


class ContinuousColumn:
    """Floats, integers with many values, datetimes and timedeltas.

    Datetimes and timedeltas travel as nanoseconds (microseconds for a column holding
    times beyond nanoseconds' years 1677-2262, such as a 9999-12-31 sentinel) and come
    back rounded to the finest unit the training values used (days, hours, ...
    microseconds), found and clipped to the training range in exact integers: a float64
    holds today's timestamps only to about 128 ns. The unit of a time-zone-aware column
    is found on its local wall-clock times, so dates at local midnight stay whole days
    in their zone. Integers come back rounded and clipped to the training range in
    exact integers (a sentinel such as int64's largest value stays itself); every
    other value is clipped to the training range and, where every training value was
    written with at most six decimals (prices in cents), rounded to as many.
    """

    # Columns fitted before these were kept: nanoseconds, the unit found on UTC times,
    # integers clipped as floats, object columns of integers or Decimals decoded as
    # floats.
    time_unit_ = "ns"
    wall_clock_ = False
    integer_range_ = None
    object_integers_ = False
    object_integer_range_ = None
    object_decimals_ = False
    decimals_ = None

    def __init__(self, name, dtype, method, max_modes, max_fit_rows, rounded=False,
                 sample_modes=False):
        self.name = name
        self.sample_modes = sample_modes
        self.rounded = rounded
        self.dtype = dtype
        self.method = method
        self.max_modes = max_modes
        self.max_fit_rows = max_fit_rows

    def fit(self, column, random_state):
        self.is_time_ = self._time_kind() is not None
        if self.is_time_:
            self.time_unit_ = self._time_unit(column)
            self.wall_clock_ = _time_zone(self.dtype) is not None
        values, missing = self.numbers(column)
        self.is_integer_ = self.rounded or pd.api.types.is_integer_dtype(self.dtype)
        observed = values[~missing]
        self.min_, self.max_ = float(observed.min()), float(observed.max())
        self.resolution_ = None
        if self.is_time_:
            exact = self._time_counts(column)[~missing]
            self.resolution_ = _time_resolution(
                self._time_counts(column, wall_clock=True)[~missing], self.time_unit_)
            self.time_range_ = (int(exact.min()), int(exact.max()))
        elif pd.api.types.is_integer_dtype(self.dtype):
            self.integer_range_ = (int(column.min()), int(column.max()))
        elif self.dtype == object and self.rounded:
            self.object_integers_ = pd.api.types.infer_dtype(column, skipna=True) == "integer"
            if self.object_integers_:  # exact: floats of values past 2**53 are not
                exact = column[~missing]
                self.object_integer_range_ = (int(exact.min()), int(exact.max()))
        if self.dtype == object and not self.object_integers_:  # amounts read from SQL
            self.object_decimals_ = pd.api.types.infer_dtype(column, skipna=True) == "decimal"
            if self.object_decimals_:  # NUMERIC(p, s): the places the values are written with
                self.decimal_places_ = max(
                    [max(0, -value.as_tuple().exponent) for value in column[~missing]
                     if isinstance(value, Decimal) and value.is_finite()], default=0)
        if not (self.is_time_ or self.is_integer_):
            self.decimals_ = decimals_of(observed, dtype=self.dtype)
        if self.method in ("vgm", "auto"):
            self.normalizer_ = ModeNormalizer(self.max_modes, self.max_fit_rows,
                                              sample_modes=self.sample_modes)
            self.normalizer_.fit(observed, random_state)
        if self.method == "quantile" or (self.method == "auto"
                                         and not has_separated_modes(self.normalizer_)):
            self.normalizer_ = QuantileNormalizer(max_fit_rows=self.max_fit_rows)
            self.normalizer_.fit(observed, random_state)
        if self.method == "vgm_cdf":
            self.normalizer_ = MixtureScoreNormalizer(self.max_modes, self.max_fit_rows)
            self.normalizer_.fit(observed, random_state)
        self.has_missing_ = bool(missing.any())
        self.missing_share_ = float(missing.mean())
        # Missing rows are encoded as the column's median in the value part.
        self.fill_value_ = float(np.median(observed))
        self.n_scalars = self.normalizer_.n_scalars
        self.scalar_activation = self.normalizer_.scalar_activation
        self.block_widths = list(self.normalizer_.block_widths) + (
            [2] if self.has_missing_ else []
        )
        return self

    def level_rates(self):
        """Training shares of the units of the missing-value block: ``[observed, missing]``
        (None without one, or for a column fitted before shares were kept)."""
        share = getattr(self, "missing_share_", None)
        if not self.has_missing_ or share is None:
            return None
        return np.array([1.0 - share, share])

    def scalar_quantile_targets(self, scores):
        """The raw value of each scalar unit at each normal score under the encoding,
        shape ``(n_scalars, len(scores))`` (see :mod:`skgan._engine.scalar_quantiles`)."""
        return self.normalizer_.scalar_quantile_targets(scores)

    def encode(self, column, strict=True):
        values, missing = self.numbers(column)
        if strict and missing.any() and not self.has_missing_:
            raise ValueError(
                f"Column {self.name!r} has missing values, but had none in training."
            )
        scalars, codes = self.normalizer_.encode(np.where(missing, self.fill_value_, values))
        if self.has_missing_:
            codes = [*codes, missing.astype(np.intp)]
        return scalars, codes

    def decode(self, scalars, codes, random_state):
        values = self.normalizer_.decode(scalars, codes)
        missing = codes[-1] == 1 if self.has_missing_ else None
        if self.is_integer_ and not self.is_time_:
            values = np.rint(values) + 0.0  # no -0.0
        if self.decimals_ is not None:
            values = np.round(values, self.decimals_) + 0.0  # no -0.0
        values = np.clip(values, self.min_, self.max_)
        if self.is_time_:
            return self._to_time(values, missing)
        if self.integer_range_ is not None:
            return self._to_integers(values, missing)
        if self.object_integers_ and self.object_integer_range_ is not None:
            integers = pd.Series(_python_integers(values, *self.object_integer_range_),
                                 dtype=object)
            if missing is not None:
                integers[missing] = None
            return integers
        if self.object_integers_ and -2.0**63 <= self.min_ and self.max_ < 2.0**63:
            # fitted before the exact range was kept: as then
            integers = pd.Series(values.astype(np.int64).astype(object), dtype=object)
            if missing is not None:
                integers[missing] = None
            return integers
        if self.object_decimals_:
            return _as_decimals(values, missing, self.decimal_places_)
        if missing is not None:
            values = np.where(missing, np.nan, values)
            if pd.api.types.is_integer_dtype(self.dtype):  # nullable: NaN becomes <NA>
                return pd.Series(values).astype(self.dtype)
        if isinstance(self.dtype, np.dtype):
            return pd.Series(values.astype(self.dtype, copy=False))
        return pd.Series(values).astype(self.dtype)

    def _to_integers(self, values, missing):
        """Rounded floats (in the training range) as the column's integers, clipped to
        the exact training range: the float of int64's or uint64's largest value is one
        past it, and would wrap around when cast."""
        low, high = self.integer_range_
        integers = np.full(len(values), low, dtype=np.uint64 if high > _INT64_MAX else np.int64)
        integers[values >= float(high)] = high
        inside = (values > float(low)) & (values < float(high))
        integers[inside] = values[inside]
        if isinstance(self.dtype, np.dtype):
            return pd.Series(integers.astype(self.dtype))
        result = pd.Series(integers).astype(self.dtype)
        if missing is not None:
            result[missing] = pd.NA
        return result

    def _time_kind(self):
        if pd.api.types.is_datetime64_any_dtype(self.dtype):
            return "datetime"
        if pd.api.types.is_timedelta64_dtype(self.dtype):
            return "timedelta"
        return None

    def numbers(self, column):
        """Float values (NaN where missing) and the missing mask of ``column``."""
        missing = column.isna().to_numpy()
        if self._time_kind() is not None:
            values = self._time_counts(column).astype(np.float64)
        else:
            values = pd.to_numeric(column).to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        values[missing] = np.nan
        return values, missing

    def _time_unit(self, column):
        """"ns" when every time of ``column`` fits in int64 nanoseconds (years
        1677-2262), else "us" (about 290,000 years either side of 1970)."""
        for unit in ("ns", "us"):
            try:
                self._time_counts(column, wall_clock=False, unit=unit)
                self._time_counts(column, wall_clock=True, unit=unit)
                return unit
            except (pd.errors.OutOfBoundsDatetime, pd.errors.OutOfBoundsTimedelta):
                pass
        raise ValueError(f"Column {self.name!r} holds times beyond int64 microseconds.")

    def _time_counts(self, column, wall_clock=False, unit=None):
        """The int64 counts of ``unit`` (the fitted ``time_unit_`` by default) of a
        datetime or timedelta ``column``: UTC for time zones, or local wall-clock time
        with ``wall_clock=True``; missing values hold int64's minimum."""
        unit = self.time_unit_ if unit is None else unit
        if self._time_kind() == "timedelta":
            return column.astype(f"timedelta64[{unit}]").to_numpy().view(np.int64)
        if _time_zone(column.dtype) is not None:
            if not wall_clock:
                column = column.dt.tz_convert("UTC")
            column = column.dt.tz_localize(None)
        return column.astype(f"datetime64[{unit}]").to_numpy().view(np.int64)

    def _wall_clock(self, counts):
        """Local wall-clock counts of UTC ``counts`` (in ``time_unit_``)."""
        instants = pd.DatetimeIndex(counts.view(f"datetime64[{self.time_unit_}]"))
        local = instants.tz_localize("UTC").tz_convert(_time_zone(self.dtype))
        return local.tz_localize(None).as_unit(self.time_unit_).asi8

    def _rounded_on_wall_clock(self, counts, step):
        """UTC ``counts`` moved to whole ``step``s of local wall-clock time: each keeps
        its UTC offset where that offset still holds there, else takes the zone's (a
        time a daylight-saving change skips moves forward)."""
        wall = self._wall_clock(counts)
        rounded = (wall + step // 2) // step * step
        moved = counts + (rounded - wall)
        changed = self._wall_clock(moved) != rounded
        if changed.any():
            local = pd.DatetimeIndex(rounded[changed].view(f"datetime64[{self.time_unit_}]"))
            local = local.tz_localize(_time_zone(self.dtype), nonexistent="shift_forward",
                                      ambiguous=np.zeros(int(changed.sum()), dtype=bool))
            moved[changed] = local.tz_convert("UTC").tz_localize(None).as_unit(
                self.time_unit_).asi8
        return moved

    def _to_time(self, values, missing):
        """Counts of ``time_unit_`` (floats in the training range) as times: whole steps
        of the training resolution, clipped to the exact training range."""
        step = int(self.resolution_)
        # Columns fitted before exact ranges were kept: the float range.
        low, high = getattr(self, "time_range_", (int(self.min_), int(self.max_)))
        if self.wall_clock_:
            counts = self._rounded_on_wall_clock(np.rint(values).astype(np.int64), step)
        else:
            counts = np.rint(values / step).astype(np.int64) * step
        counts = np.clip(counts, low, high)
        if self._time_kind() == "timedelta":
            result = pd.Series(counts.view(f"timedelta64[{self.time_unit_}]"))
        else:
            result = pd.Series(counts.view(f"datetime64[{self.time_unit_}]"))
            tz = _time_zone(self.dtype)
            if tz is not None:
                result = result.dt.tz_localize("UTC").dt.tz_convert(tz)
        if missing is not None:
            result[missing] = pd.NaT
        return result.astype(self.dtype)


class DiscreteColumn:
    """Categories, booleans and integers with few values: one code per seen level."""

    n_scalars = 0
    scalar_activation = None

    min_frequency = None  # columns pickled before it existed

    def __init__(self, name, dtype, max_categories, min_frequency=None):
        self.name = name
        self.dtype = dtype
        self.max_categories = max_categories
        self.min_frequency = min_frequency

    def fit(self, column, random_state):
        self.coder_ = CategoryCoder(self.max_categories, self.min_frequency).fit(column)
        self.block_widths = self.coder_.block_widths
        return self

    def encode(self, column, strict=True):
        codes = self.coder_.codes_of(column)
        if strict and (codes < 0).any():
            unseen = pd.unique(np.asarray(column, dtype=object)[codes < 0])[:5]
            raise ValueError(
                f"Column {self.name!r} holds values never seen in training: "
                f"{list(unseen)}."
            )
        return None, [codes]

    def decode(self, scalars, codes, random_state):
        return self.as_series(self.coder_.decode(codes, random_state))

    def levels_series(self, positions):
        """The levels at ``positions`` (in ``coder_.all_levels()``) as a Series of the
        column's dtype: the levels are converted once and taken by position, so the
        values of the rows are not converted one by one (as ``as_series`` must)."""
        levels = self.coder_.all_levels()
        if isinstance(self.dtype, np.dtype) and self.dtype.kind in "biu" and \
                pd.isna(levels).any():  # integers only where no missing level is taken
            return self.as_series(levels[positions])
        typed = self.as_series(levels)
        values = typed.to_numpy() if isinstance(typed.dtype, np.dtype) else typed.array
        return pd.Series(values.take(np.asarray(positions, dtype=np.intp)), dtype=typed.dtype)

    def as_series(self, values):
        """Seen levels (an object array) as a Series of the column's dtype."""
        if isinstance(self.dtype, pd.CategoricalDtype):
            return pd.Series(pd.Categorical(values, dtype=self.dtype))
        if isinstance(self.dtype, np.dtype) and self.dtype.kind in "biu" and \
                not pd.isna(values).any():
            return pd.Series(values.astype(self.dtype))
        if isinstance(self.dtype, np.dtype) and self.dtype.kind == "f":
            return pd.Series(values.astype(self.dtype))
        return pd.Series(values, dtype=object).astype(self.dtype)

    def level_rates(self):
        """Training share of every level's unit."""
        counts = np.asarray(self.coder_.counts_, dtype=np.float64)
        return counts / counts.sum()

    def code_of(self, value):
        """The code of one value, or ``None`` when it was never seen in training."""
        code = self.coder_.codes_of([value])[0]
        return None if code < 0 else int(code)


class ConstantColumn:
    """A column with one value and no missing ones: restored as it was."""

    n_scalars = 0
    scalar_activation = None
    block_widths = []

    def __init__(self, name, dtype):
        self.name = name
        self.dtype = dtype

    def fit(self, column, random_state):
        self.value_ = column.iloc[0]
        return self

    def encode(self, column, strict=True):
        return None, []

    def decode(self, scalars, codes, random_state):
        values = np.empty(len(scalars), dtype=object)
        values.fill(self.value_)
        return pd.Series(values).astype(self.dtype)


def _python_integers(values, low, high):
    """Rounded floats of a column's training range as Python ints (None where NaN),
    clipped to the exact range ``[low, high]``: floats of integers past 2**53 are not
    exact, and the float of int64's largest value is one past it.

    Examples
    --------
    >>> from skgan.adapters._table_columns import _python_integers
    >>> _python_integers(np.array([-1.0, 7.0, 2.0**64]), 0, 2**64 - 1).tolist()
    [0, 7, 18446744073709551615]
    """
    integers = np.full(len(values), None, dtype=object)
    at_low, at_high = values <= float(low), values >= float(high)
    integers[at_low] = low
    integers[at_high] = high
    inside = (values > float(low)) & (values < float(high))
    small = inside & (np.abs(values) < 2.0**63)
    integers[small] = values[small].astype(np.int64).astype(object)
    integers[inside & ~small] = [int(value) for value in values[inside & ~small]]
    return integers


def _as_decimals(values, missing, places):
    """Floats as a Series of ``decimal.Decimal`` (None where ``missing``), written with
    ``places`` decimal places."""
    out = np.empty(len(values), dtype=object)
    for position, value in enumerate(values.tolist()):
        out[position] = Decimal(f"{value:.{places}f}")
    if missing is not None:
        out[missing] = None
    return pd.Series(out, dtype=object)


def _time_resolution(counts, unit="ns"):
    """The coarsest unit (in counts of ``unit``) that divides every value, down to one
    count of ``unit``."""
    integers = counts.astype(np.int64)
    for step in _NS_PER.values():
        if step >= _NS_PER[unit] and not (integers % (step // _NS_PER[unit])).any():
            return float(step // _NS_PER[unit])
    return 1.0


def _time_zone(dtype):
    """The time zone of a datetime dtype (numpy, pandas or Arrow); None without one."""
    if isinstance(dtype, pd.ArrowDtype):
        return getattr(dtype.pyarrow_dtype, "tz", None)
    return getattr(dtype, "tz", None)
