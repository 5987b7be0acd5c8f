"""Arithmetic rules: ``FixedIncrements`` (values in steps) and ``LinearEquality``
(a weighted sum of columns is a constant)."""

import numbers

import numpy as np
import pandas as pd

from .base import (
    Constraint,
    as_float,
    decimals_of,
    kind_of,
    on_wall_clock,
    require_kind,
    wall_nanoseconds,
    with_dtype,
)


class FixedIncrements(Constraint):
    """Values of ``column`` are whole multiples of ``increment`` (a price in steps of
    0.05, times on the quarter hour).

    Generated values are rounded to the nearest multiple, written with the increment's
    decimals, so no floating-point residue is left (0.15, not 0.15000000000000002).

    Parameters
    ----------
    column : str
    increment : positive number, or a timedelta (anything ``pandas.Timedelta`` reads,
        e.g. ``"15min"``) for datetime and timedelta columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.constraints import FixedIncrements
    >>> prices = pd.DataFrame({"price": [0.05, 0.15, 0.12]})
    >>> FixedIncrements("price", 0.05).is_valid(prices).tolist()
    [True, True, False]
    """

    def __init__(self, column, increment):
        self.column = column
        self.increment = increment

    def column_names(self):
        return [self.column]

    def _check_increment(self, column):
        kind = kind_of(column)
        if kind == "number":
            if (not isinstance(self.increment, numbers.Real)
                    or isinstance(self.increment, bool) or not self.increment > 0
                    or not np.isfinite(self.increment)):
                raise ValueError(f"{self.describe()}: the increment must be a positive "
                                 "finite number")
            return float(self.increment)
        if isinstance(self.increment, (numbers.Number, np.number)):
            # pandas reads a bare number as nanoseconds: 5 would be 5 ns, not 5 days
            raise ValueError(f"{self.describe()}: the increment of a {kind} column must be "
                             f"a timedelta such as '15min' or '{self.increment} days', not "
                             "a bare number")
        try:
            step = pd.Timedelta(self.increment)
        except (TypeError, ValueError):
            raise ValueError(f"{self.describe()}: the increment of a {kind} column must be "
                             "a timedelta such as '15min'") from None
        if pd.isna(step) or step <= pd.Timedelta(0):
            raise ValueError(f"{self.describe()}: the increment must be positive")
        return step

    def is_valid(self, frame):
        column = frame[self.column]
        step = self._check_increment(column)
        valid = np.ones(len(frame), dtype=bool)
        present = column.notna().to_numpy(dtype=bool)
        if kind_of(column) == "number":
            ratio = as_float(column)[present] / step
            valid[present] = np.abs(ratio - np.round(ratio)) <= 1e-6 * np.maximum(
                1.0, np.abs(ratio))
        else:
            valid[present] = (wall_nanoseconds(column[present]) % step.value) == 0
        return valid

    def check(self, frame):
        require_kind(self, frame, self.column_names())
        step = self._check_increment(frame[self.column])
        if pd.api.types.is_integer_dtype(frame[self.column].dtype) and step != int(step):
            raise ValueError(f"{self.describe()}: column {self.column!r} holds integers; "
                             "its increment must be a whole number")

    def fit(self, frame):
        self.check(frame)
        self.decimals_ = decimals_of([self.increment]) if kind_of(
            frame[self.column]) == "number" else None
        return self

    def reverse_transform(self, frame):
        column = frame[self.column]
        step = self._check_increment(column)
        out = frame.copy()
        if kind_of(column) == "number":
            values = np.round(as_float(column) / step) * step
            if self.decimals_ is not None:
                values = np.round(values, self.decimals_)
            out[self.column] = with_dtype(values, column.dtype, column.index)
        else:
            out[self.column] = column.dt.round(step) if kind_of(column) == "timedelta" \
                else _round_times(column, step)
        return out


def _round_times(values, step):
    if values.dt.tz is None:
        return values.dt.round(step)
    return on_wall_clock(values, lambda wall: wall.dt.round(step))


class LinearEquality(Constraint):
    """``sum(coefficient * column) == constant`` in every row, e.g. subtotal + tax ==
    total as ``LinearEquality({"subtotal": 1, "tax": 1, "total": -1})``.

    The last column of ``coefficients`` is computed from the others at sampling; all are
    rounded to the decimals they have in training, so the equality holds to the
    columns' precision: to half a unit of the computed column's last decimal where it
    has few (``tax == 0.19 * net`` with the tax in cents), else exactly (to a
    millionth). A row with a missing value among the columns has nothing to keep.

    Parameters
    ----------
    coefficients : dict of str to number
        Each numeric column's coefficient (none may be 0); the last one is computed.
    constant : number, default=0

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.constraints import LinearEquality
    >>> bills = pd.DataFrame({"net": [10.0, 4.5], "tax": [2.5, 1.0], "total": [12.5, 5.0]})
    >>> LinearEquality({"net": 1, "tax": 1, "total": -1}).is_valid(bills).tolist()
    [True, False]
    """

    def __init__(self, coefficients, constant=0):
        self.coefficients = coefficients
        self.constant = constant

    def column_names(self):
        return list(self.coefficients)

    def written_columns(self):
        return self.column_names()[-1:]

    def read_columns(self):
        return self.column_names()[:-1]

    def _weights(self):
        if not isinstance(self.coefficients, dict) or len(self.coefficients) < 2:
            raise ValueError(f"{self.describe()}: coefficients must be a dict of at least "
                             "2 columns to numbers")
        weights = []
        for name, weight in self.coefficients.items():
            if not isinstance(weight, numbers.Real) or isinstance(weight, bool) or \
                    weight == 0 or not np.isfinite(weight):
                raise ValueError(f"{self.describe()}: the coefficient of {name!r} must be a "
                                 "finite non-zero number")
            weights.append(float(weight))
        if not isinstance(self.constant, numbers.Real) or isinstance(self.constant, bool) or \
                not np.isfinite(self.constant):
            raise ValueError(f"{self.describe()}: the constant must be a finite number")
        return np.array(weights)

    def _residuals(self, frame):
        values = np.column_stack([as_float(frame[name]) for name in self.column_names()])
        terms = values * self._weights()
        scale = np.maximum(1.0, np.abs(terms).sum(axis=1))
        return terms.sum(axis=1) - float(self.constant), scale

    def is_valid(self, frame):
        residuals, scale = self._residuals(frame)
        present = np.isfinite(residuals)
        valid = np.ones(len(frame), dtype=bool)
        valid[present] = np.abs(residuals[present]) <= self._tolerance(frame, scale[present])
        return valid

    def _tolerance(self, frame, scale):
        """How far from the constant a row's sum may be: a millionth of its terms, or
        half a unit of the computed column's last decimal times its coefficient where
        that column is written with few decimals (a tax rounded to cents: ``tax ==
        0.19 * net`` holds to the cent). The decimals are the training values' once
        fitted, the checked rows' before."""
        last = self.column_names()[-1]
        fitted = getattr(self, "decimals_", None)
        decimals = (decimals_of(as_float(frame[last]), dtype=frame[last].dtype)
                    if fitted is None else fitted[last])
        tolerance = 1e-6 * scale
        if decimals is None:
            return tolerance
        half_unit = 0.5 * 10.0 ** -decimals * abs(self._weights()[-1])
        return np.maximum(tolerance, half_unit * (1 + 1e-6))

    def check(self, frame):
        self._weights()
        require_kind(self, frame, self.column_names(), kinds=("number",))

    def fit(self, frame):
        self.check(frame)
        self.decimals_ = {name: decimals_of(as_float(frame[name]), dtype=frame[name].dtype)
                          for name in self.column_names()}
        return self

    def reverse_transform(self, frame):
        names = self.column_names()
        weights = self._weights()
        values = np.column_stack([as_float(frame[name]) for name in names])
        for position, name in enumerate(names):  # the last one too, where not computed
            decimals = self.decimals_[name]
            if decimals is not None:
                values[:, position] = np.round(values[:, position], decimals)
        computed = (float(self.constant) - values[:, :-1] @ weights[:-1]) / weights[-1]
        last = names[-1]
        if self.decimals_[last] is not None:  # to the column's precision (is_valid)
            computed = np.round(computed, self.decimals_[last])
        written = np.isfinite(computed) & ~np.isnan(values[:, -1])
        values[written, -1] = computed[written]
        out = frame.copy()
        for position, name in enumerate(names):
            out[name] = with_dtype(values[:, position], frame[name].dtype, frame.index)
        return out
