"""Order between columns: ``Inequality`` (low <= high), ``Range`` (low <= middle <=
high) and ``Bounds`` (a declared domain of one column)."""

import numbers

import numpy as np
import pandas as pd

from .base import (
    Constraint,
    as_float,
    decimals_of,
    fresh_name,
    kind_of,
    on_wall_clock,
    require_kind,
    round_up,
    time_step,
    with_dtype,
)


class Inequality(Constraint):
    """``low <= high`` (``low < high`` when ``strict``) in every row.

    Numbers, datetimes or timedeltas. The networks learn ``high - low`` as a positive
    gap in log space (beside ``high`` itself, kept for rows where ``low`` is missing);
    generated rows get ``high = low + gap``, rounded up to ``high``'s precision (its
    decimals, or the day/hour/second its datetimes fall on), so the rule holds by
    construction. A row where either value is missing has nothing to keep.

    Parameters
    ----------
    low, high : str
        The column that is lower or equal, and the one that is higher or equal.
    strict : bool, default=False
        Whether equal values break the rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.constraints import Inequality
    >>> rule = Inequality("check_in", "check_out")
    >>> stays = pd.DataFrame({"check_in": [1, 5, 9], "check_out": [3, 4, 9]})
    >>> rule.is_valid(stays).tolist()
    [True, False, True]
    """

    def __init__(self, low, high, strict=False):
        self.low = low
        self.high = high
        self.strict = strict

    def column_names(self):
        return [self.low, self.high]

    def written_columns(self):
        return [self.high]

    def derived_missing_columns(self):
        return [self.gap_column_]  # missing where ``low`` or ``high`` is

    def is_valid(self, frame):
        low, high = frame[self.low], frame[self.high]
        present = (low.notna() & high.notna()).to_numpy(dtype=bool)
        valid = np.ones(len(frame), dtype=bool)
        if present.any():
            low, high = low[present], high[present]
            kept = (high > low) if self.strict else (high >= low)
            valid[present] = np.asarray(kept, dtype=bool)
        return valid

    def check(self, frame):
        if self.low == self.high:
            raise ValueError(f"{self.describe()}: low and high are the same column")
        return require_kind(self, frame, self.column_names())

    def fit(self, frame):
        self.kind_ = self.check(frame)
        gaps = self._gaps(frame)
        positive = gaps[np.isfinite(gaps) & (gaps > 0)]
        self.scale_ = float(np.median(positive)) if len(positive) else 1.0
        high = frame[self.high]
        if self.kind_ == "number":
            self.decimals_ = decimals_of(as_float(high), dtype=high.dtype)
            self.step_ = None
        else:
            self.decimals_ = None
            self.step_ = time_step(high)
        self.gap_column_ = fresh_name(frame, f"{self.high} - {self.low}")
        return self

    def _gaps(self, frame):
        """``high - low`` as floats (seconds for times); NaN where either is missing."""
        if self.kind_ == "number":
            return as_float(frame[self.high]) - as_float(frame[self.low])
        difference = frame[self.high] - frame[self.low]
        return (difference / pd.Timedelta(seconds=1)).astype("float64").to_numpy()

    def transform(self, frame):
        gaps = np.maximum(self._gaps(frame), 0.0)
        out = frame.copy()
        out[self.gap_column_] = np.log1p(gaps / self.scale_)
        return out

    def reverse_transform(self, frame):
        out = frame.drop(columns=[self.gap_column_])
        gaps = np.expm1(np.maximum(frame[self.gap_column_].to_numpy(dtype=np.float64), 0.0))
        gaps = gaps * self.scale_
        written = (frame[self.low].notna() & frame[self.high].notna()).to_numpy(dtype=bool)
        missing_gap = np.isnan(gaps)
        if missing_gap.any():  # the generator left the gap out: the values' own gap
            gaps[missing_gap] = np.maximum(self._gaps(frame)[missing_gap], 0.0)
        out[self.high] = self._high_from(frame, gaps, written)
        return out

    def _high_from(self, frame, gaps, written):
        high = frame[self.high]
        if not written.any():
            return high
        if self.kind_ == "number" and _beyond_floats(frame[self.low], high):
            return _integer_high(frame[self.low], high, gaps, written, self.strict)
        if self.kind_ == "number":
            low = as_float(frame[self.low])
            values = as_float(high)
            new = np.maximum(round_up(low + gaps, self.decimals_), low)
            if self.strict:
                step = 10.0 ** -self.decimals_ if self.decimals_ is not None else None
                too_low = new <= low
                precision = high.dtype if pd.api.types.is_float_dtype(high.dtype) \
                    and isinstance(high.dtype, np.dtype) else np.dtype(np.float64)
                new[too_low] = (low[too_low] + step if step is not None else np.nextafter(
                    low[too_low].astype(precision), np.inf).astype(np.float64))
            values[written] = new[written]
            return with_dtype(values, high.dtype, high.index)
        low = frame[self.low]
        new = low + pd.to_timedelta(gaps, unit="s")
        if self.step_ is not None:
            new = _ceil_times(new, self.step_)
        if self.strict:
            smallest = self.step_ if self.step_ is not None else pd.Timedelta(1, "us")
            new = new.where(~(new <= low), low + smallest)
        result = high.copy()
        result[written] = new[written].astype(high.dtype)
        return result


def _ceil_times(values, step):
    """Times rounded up to ``step`` on the wall clock (local time for zoned ones)."""
    if kind_of(values) == "timedelta" or values.dt.tz is None:
        return values.dt.ceil(step)
    return on_wall_clock(values, lambda wall: wall.dt.ceil(step))


class Range(Constraint):
    """``low <= middle <= high`` (``<`` when ``strict``) in every row.

    Two :class:`Inequality` rules kept together: ``middle`` is written from ``low``,
    then ``high`` from ``middle``.

    Parameters
    ----------
    low, middle, high : str
        The three columns, in increasing order.
    strict : bool, default=False
        Whether equal values break the rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.constraints import Range
    >>> ages = pd.DataFrame({"min": [0, 18], "age": [4, 17], "max": [120, 120]})
    >>> Range("min", "age", "max").is_valid(ages).tolist()
    [True, False]
    """

    def __init__(self, low, middle, high, strict=False):
        self.low = low
        self.middle = middle
        self.high = high
        self.strict = strict

    def column_names(self):
        return [self.low, self.middle, self.high]

    def _parts(self):
        return (Inequality(self.low, self.middle, self.strict),
                Inequality(self.middle, self.high, self.strict))

    def written_columns(self):
        return [self.middle, self.high]

    def derived_missing_columns(self):
        return [*self.lower_.derived_missing_columns(), *self.upper_.derived_missing_columns()]

    def is_valid(self, frame):
        first, second = self._parts()
        return first.is_valid(frame) & second.is_valid(frame)

    def check(self, frame):
        names = self.column_names()
        if len(set(names)) < len(names):
            raise ValueError(f"{self.describe()}: low, middle and high must be three "
                             "different columns")
        return require_kind(self, frame, names)

    def fit(self, frame):
        first, second = self._parts()
        self.lower_ = first.fit(frame)
        self.upper_ = second.fit(self.lower_.transform(frame))
        return self

    def transform(self, frame):
        return self.upper_.transform(self.lower_.transform(frame))

    def reverse_transform(self, frame):
        gap = self.upper_.gap_column_
        kept = frame[gap]
        middle_written = self.lower_.reverse_transform(frame.drop(columns=[gap]))
        middle_written[gap] = kept
        return self.upper_.reverse_transform(middle_written)


_KIND_WORDS = {"number": "numbers", "datetime": "dates", "timedelta": "durations"}


def _bound_of_kind(bound, kind):
    """Whether ``bound`` may bound a column of ``kind``: no text or True/False for
    numbers, no number for dates and durations (``pd.Timestamp(0)`` would be 1970)."""
    if isinstance(bound, (np.datetime64, np.timedelta64)):  # times, though np.numbers
        return kind != "number"
    if kind == "number":
        return not isinstance(bound, (str, bytes, bool, np.bool_))
    return not isinstance(bound, (numbers.Number, np.number, np.bool_))


class Bounds(Constraint):
    """Values of ``column`` lie in ``[low, high]`` (either end may be left open).

    The domain is declared, so it may be wider than the training rows; generated values
    are clipped into it (integers to the whole numbers inside it). Numbers, datetimes
    (bounds as anything ``pandas.Timestamp`` reads) or timedeltas.

    Parameters
    ----------
    column : str
    low, high : number, datetime or None, default=None
        The smallest and largest allowed values (None: no bound on that side).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.constraints import Bounds
    >>> people = pd.DataFrame({"age": [4, 130, None]})
    >>> Bounds("age", low=0, high=120).is_valid(people).tolist()
    [True, False, True]
    """

    def __init__(self, column, low=None, high=None):
        self.column = column
        self.low = low
        self.high = high

    def column_names(self):
        return [self.column]

    def _limits(self, column):
        """``(low, high)`` in the column's kind, None for an open side (an infinite
        bound is one); a TypeError naming the rule when a bound does not fit."""
        kind = kind_of(column)
        convert = {"datetime": pd.Timestamp, "timedelta": pd.Timedelta}.get(kind, float)
        low, high = (None if _infinite(self.low) == -1 else self.low,  # open sides
                     None if _infinite(self.high) == 1 else self.high)
        if kind != "number" and (_infinite(low) or _infinite(high)):
            raise ValueError(f"{self.describe()}: an infinite bound on that side leaves "
                             "no value that fits; give None to leave a side open")
        for bound in (low, high):
            if (bound is not None and np.ndim(bound) == 0 and not pd.isna(bound)
                    and not _bound_of_kind(bound, kind)):
                raise TypeError(
                    f"{self.describe()}: column {self.column!r} holds {_KIND_WORDS[kind]}, "
                    f"but the bound {bound!r} is of type {type(bound).__name__}; give "
                    f"{_KIND_WORDS[kind]} as bounds")
        try:
            low = None if low is None else convert(low)
            high = None if high is None else convert(high)
        except (TypeError, ValueError, OverflowError) as error:
            raise TypeError(f"{self.describe()}: the bounds do not fit column "
                            f"{self.column!r} ({error})") from None
        if kind == "datetime":
            zone = column.dt.tz
            zoned = [value for value in (low, high)
                     if value is not None and not pd.isna(value) and value.tz is not None]
            if zone is None and zoned:
                raise TypeError(f"{self.describe()}: column {self.column!r} holds dates "
                                f"without a time zone, but the bound {zoned[0]} has one; "
                                "give bounds without a time zone, or localize the column")
            if zone is not None:  # a missing bound stays missing: check refuses it
                low, high = (value if value is None or pd.isna(value) else (
                    value.tz_localize(zone) if value.tz is None else value)
                    for value in (low, high))
        return low, high

    def is_valid(self, frame):
        column = frame[self.column]
        low, high = self._limits(column)
        present = column.notna().to_numpy(dtype=bool)
        valid = np.ones(len(frame), dtype=bool)
        values = column[present]
        kept = np.ones(int(present.sum()), dtype=bool)
        if low is not None:
            kept &= np.asarray(values >= low, dtype=bool)
        if high is not None:
            kept &= np.asarray(values <= high, dtype=bool)
        valid[present] = kept
        return valid

    def check(self, frame):
        require_kind(self, frame, self.column_names())
        if self.low is None and self.high is None:
            raise ValueError(f"{self.describe()}: give low, high or both")
        column = frame[self.column]
        low, high = self._limits(column)
        missing = [side for side, value in (("low", low), ("high", high))
                   if value is not None and pd.isna(value)]
        if missing:
            raise ValueError(f"{self.describe()}: {' and '.join(missing)} is missing "
                             "(NaN or NaT); give a value, or None to leave that side open")
        if (low is not None and low == np.inf) or (high is not None and high == -np.inf):
            raise ValueError(f"{self.describe()}: an infinite bound on that side leaves "
                             "no value that fits; give None to leave a side open")
        if low is not None and high is not None and low > high:
            raise ValueError(f"{self.describe()}: low is above high, so no value fits")
        if pd.api.types.is_integer_dtype(column.dtype):
            lower, upper = _whole_limits(low, high, column.dtype)
            if lower > upper:
                raise ValueError(f"{self.describe()}: column {self.column!r} holds whole "
                                 f"numbers of {column.dtype}, and none lies within the "
                                 "bounds")

    def fit(self, frame):
        self.check(frame)
        return self

    def reverse_transform(self, frame):
        column = frame[self.column]
        low, high = self._limits(column)
        out = frame.copy()
        if pd.api.types.is_integer_dtype(column.dtype):  # in integers: no trip via floats
            lower, upper = _whole_limits(low, high, column.dtype)
            out[self.column] = column.clip(lower=lower, upper=upper)
        elif kind_of(column) == "number":
            values = np.clip(as_float(column), low, high)
            out[self.column] = with_dtype(values, column.dtype, column.index)
        else:
            out[self.column] = column.clip(lower=low, upper=high)
        return out


def _infinite(value):
    """1 or -1 for an infinite float bound (its sign), 0 for any other value."""
    if isinstance(value, (float, np.floating)) and np.isinf(value):
        return 1 if value > 0 else -1
    return 0


def _whole_limits(low, high, dtype):
    """The smallest and largest whole numbers of integer ``dtype`` within ``[low,
    high]`` (None: open), kept inside the dtype's own range."""
    limits = np.iinfo(getattr(dtype, "numpy_dtype", dtype))
    lower = limits.min if low is None else max(limits.min, min(int(np.ceil(low)),
                                                               limits.max + 1))
    upper = limits.max if high is None else min(limits.max, max(int(np.floor(high)),
                                                                limits.min - 1))
    return lower, upper


def _beyond_floats(*columns):
    """Whether the columns hold signed integers (numpy's or pandas' nullable ones) and
    some beyond 2**53, which float64 cannot hold exactly."""
    if not all(pd.api.types.is_signed_integer_dtype(column.dtype) for column in columns):
        return False
    return any(np.abs(column.to_numpy(dtype=np.float64, na_value=0.0)).max(initial=0.0)
               >= 2.0**53 for column in columns)


def _integer_high(low, high, gaps, written, strict):
    """``high`` with the rows ``written`` set to ``low`` plus the gap rounded up, in
    integers: float64 holds integers exactly only up to 2**53, and 64-bit ids or
    nanosecond times beyond it came back below ``low``."""
    step = np.ceil(np.nan_to_num(gaps, nan=0.0, posinf=2.0**62))
    step = np.minimum(step, 2.0**62).astype(np.int64)
    if strict:
        step = np.maximum(step, 1)
    low_values = low.to_numpy(dtype=np.int64, na_value=0)[written]
    largest = np.iinfo(getattr(high.dtype, "numpy_dtype", high.dtype)).max
    step = step[written]
    near_top = low_values > largest - step  # low + step would overflow: the largest
    step[near_top] = largest - low_values[near_top]
    values = high.to_numpy(dtype=object, na_value=None).copy()
    values[written] = low_values + step
    return pd.Series(pd.array(values, dtype=high.dtype) if not isinstance(high.dtype, np.dtype)
                     else values.astype(high.dtype), index=high.index)
