"""One object per table column: how its values become numbers and come back.

``ContinuousColumn`` handles floats, many-valued integers, datetimes and timedeltas
(missing values through an indicator block), ``DiscreteColumn`` categories, booleans and
few-valued integers (a missing value is one more level), ``ConstantColumn`` columns with
a single value (nothing to learn). Each reports what its encoding holds:
``n_scalars`` values with ``scalar_activation`` and one-hot blocks of ``block_widths``.
"""

import numpy as np
import pandas as pd

from ._columns import CategoryCoder, ModeNormalizer, QuantileNormalizer, has_separated_modes

_NS_PER = {"D": 86_400 * 10**9, "h": 3_600 * 10**9, "min": 60 * 10**9, "s": 10**9,
           "ms": 10**6, "us": 10**3}


class ContinuousColumn:
    """Floats, integers with many values, datetimes and timedeltas.

    Datetimes and timedeltas travel as nanoseconds and come back rounded to the finest
    unit the training values used (days, hours, ... microseconds), found and clipped to
    the training range in exact integers: a float64 holds today's timestamps only to
    about 128 ns. Integers come back rounded; every value is clipped to the training
    range.
    """

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
        values, missing = self.numbers(column)
        self.is_time_ = self._time_kind() is not None
        self.is_integer_ = self.rounded or pd.api.types.is_integer_dtype(self.dtype)
        observed = values[~missing]
        self.min_, self.max_ = float(observed.min()), float(observed.max())
        self.resolution_ = None
        if self.is_time_:
            exact = self._nanoseconds(column)[~missing]
            self.resolution_ = _time_resolution(exact)
            self.time_range_ = (int(exact.min()), int(exact.max()))
        if self.method in ("vgm", "auto"):
            self.normalizer_ = ModeNormalizer(self.max_modes, self.max_fit_rows,
                                              sample_modes=self.sample_modes)
            self.normalizer_.fit(observed, random_state)
        if self.method == "quantile" or (self.method == "auto"
                                         and not has_separated_modes(self.normalizer_)):
            self.normalizer_ = QuantileNormalizer(max_fit_rows=self.max_fit_rows)
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
            values = np.rint(values)
        values = np.clip(values, self.min_, self.max_)
        if self.is_time_:
            return self._to_time(values, missing)
        if missing is not None:
            values = np.where(missing, np.nan, values)
            if pd.api.types.is_integer_dtype(self.dtype):  # nullable: NaN becomes <NA>
                return pd.Series(values).astype(self.dtype)
        if isinstance(self.dtype, np.dtype):
            return pd.Series(values.astype(self.dtype, copy=False))
        return pd.Series(values).astype(self.dtype)

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
            values = self._nanoseconds(column).astype(np.float64)
        else:
            values = pd.to_numeric(column).to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        values[missing] = np.nan
        return values, missing

    def _nanoseconds(self, column):
        """The int64 nanoseconds of a datetime or timedelta ``column`` (UTC for time
        zones; missing values hold int64's minimum)."""
        if self._time_kind() == "timedelta":
            return column.astype("timedelta64[ns]").to_numpy().view(np.int64)
        if getattr(column.dtype, "tz", None) is not None:
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        return column.astype("datetime64[ns]").to_numpy().view(np.int64)

    def _to_time(self, values, missing):
        """Nanoseconds (floats in the training range) as times: whole steps of the
        training resolution, clipped to the exact training range."""
        step = int(self.resolution_)
        # Columns fitted before exact ranges were kept: the float range.
        low, high = getattr(self, "time_range_", (int(self.min_), int(self.max_)))
        nanoseconds = np.clip(np.rint(values / step).astype(np.int64) * step, low, high)
        if self._time_kind() == "timedelta":
            result = pd.Series(pd.to_timedelta(nanoseconds, unit="ns"))
        else:
            stamps = pd.to_datetime(nanoseconds, unit="ns")
            tz = getattr(self.dtype, "tz", None)
            if tz is not None:
                stamps = stamps.tz_localize("UTC").tz_convert(tz)
            result = pd.Series(stamps)
        if missing is not None:
            result[missing] = pd.NaT
        return result.astype(self.dtype)


class DiscreteColumn:
    """Categories, booleans and integers with few values: one code per seen level."""

    n_scalars = 0
    scalar_activation = None

    def __init__(self, name, dtype, max_categories):
        self.name = name
        self.dtype = dtype
        self.max_categories = max_categories

    def fit(self, column, random_state):
        self.coder_ = CategoryCoder(self.max_categories).fit(column)
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


def _time_resolution(nanoseconds):
    """The coarsest unit (in ns) that divides every value, down to one nanosecond."""
    integers = nanoseconds.astype(np.int64)
    for step in _NS_PER.values():
        if not (integers % step).any():
            return float(step)
    return 1.0
