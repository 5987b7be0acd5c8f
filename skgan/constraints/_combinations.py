"""Rules over discrete columns: ``FixedCombinations`` (only combinations seen in
training) and ``OneHot`` (exactly one of a set of 0/1 columns is 1)."""

import numpy as np
import pandas as pd

from .base import Constraint, fresh_name, with_dtype


class _ColumnSet(Constraint):
    """A rule over a list of columns, folded into one column while the networks learn
    (so its reverse transform reads no other rule's output)."""

    def __init__(self, columns):
        self.columns = columns

    def column_names(self):
        return _column_list(self)

    def read_columns(self):
        return []


class FixedCombinations(_ColumnSet):
    """Only the combinations of ``columns`` seen in the training rows are generated.

    When one of the columns decides the others (a city its country), the networks learn
    the columns as they are and sampling writes the others from it; otherwise they are
    learned as one joint categorical column (one level per seen combination, missing
    values included) and split back at sampling. Either way a city always comes with
    its own country.

    Parameters
    ----------
    columns : list of str
        Two or more discrete columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.constraints import FixedCombinations
    >>> places = pd.DataFrame({"city": ["Oslo", "Lyon"], "country": ["NO", "FR"]})
    >>> rule = FixedCombinations(["city", "country"]).fit(places)
    >>> rule.is_valid(pd.DataFrame({"city": ["Oslo"], "country": ["FR"]})).tolist()
    [False]
    """

    def is_valid(self, frame):
        if not hasattr(self, "combinations_"):
            return np.ones(len(frame), dtype=bool)
        index_of = self._index_of
        return np.asarray([key in index_of for key in _keys(frame, self.column_names())],
                          dtype=bool)

    def check(self, frame):
        _check_columns(self, frame, self.column_names(), at_least=2)

    def fit(self, frame):
        self.check(frame)
        names = self.column_names()
        keys = _keys(frame, names)
        seen = list(dict.fromkeys(keys))
        self.combinations_ = {name: np.array([key[position] for key in seen], dtype=object)
                              for position, name in enumerate(names)}
        self.dtypes_ = {name: frame[name].dtype for name in names}
        self.key_ = next((name for name in names
                          if len(set(self.combinations_[name])) == len(seen)), None)
        self.joint_column_ = fresh_name(frame, " & ".join(map(str, names)))
        return self

    def written_columns(self):
        key = getattr(self, "key_", None)
        return [name for name in self.column_names() if name != key]

    def read_columns(self):
        key = getattr(self, "key_", None)
        return [] if key is None else [key]

    def discrete_columns(self):
        """The deciding column, learned as is: its seen values are the ones the rule
        writes the others from (the joint column is discrete by construction)."""
        key = getattr(self, "key_", None)
        return [] if key is None else [key]

    @property
    def _index_of(self):
        names = self.column_names()
        n_seen = len(self.combinations_[names[0]])
        return {tuple(self.combinations_[name][row] for name in names): row
                for row in range(n_seen)}

    def transform(self, frame):
        if getattr(self, "key_", None) is not None:
            return frame  # the others are written from the key at sampling
        index_of = self._index_of
        labels = [index_of.get(key) for key in _keys(frame, self.column_names())]
        if any(label is None for label in labels):
            raise ValueError(f"{self.describe()}: rows hold combinations never seen in "
                             "training")
        out = frame.drop(columns=self.column_names())
        out[self.joint_column_] = pd.Series([f"#{label}" for label in labels],
                                            index=frame.index, dtype=object)
        return out

    def reverse_transform(self, frame):
        if getattr(self, "key_", None) is not None:
            return self._written_from_key(frame)
        labels = frame[self.joint_column_]
        rows = np.array([int(str(label)[1:]) if isinstance(label, str) else 0
                         for label in labels], dtype=np.int64)
        out = frame.drop(columns=[self.joint_column_])
        for name in self.column_names():
            values = self.combinations_[name][rows]
            out[name] = _as_dtype(values, self.dtypes_[name], frame.index)
        return out

    def _written_from_key(self, frame):
        row_of = {value: row for row, value in enumerate(self.combinations_[self.key_])}
        keys = [key[0] for key in _keys(frame, [self.key_])]
        rows = np.array([row_of.get(key, -1) for key in keys], dtype=np.int64)
        known = rows >= 0  # a key never seen leaves the row to the final check
        out = frame.copy()
        for name in self.written_columns():
            values = frame[name].astype(object).to_numpy(copy=True)
            values[known] = self.combinations_[name][rows[known]]
            out[name] = _as_dtype(values, self.dtypes_[name], frame.index)
        return out

    def conditions(self, conditions):
        """Conditions on member columns ask for the joint level when only one seen
        combination meets them."""
        names = self.column_names()
        asked = {name: value for name, value in conditions.items() if name in names}
        rest = {name: value for name, value in conditions.items() if name not in names}
        if not asked:
            return conditions
        matching = [row for row in range(len(self.combinations_[names[0]]))
                    if all(_same(self.combinations_[name][row], value)
                           for name, value in asked.items())]
        if not matching:
            raise ValueError(f"Conditions {asked} match no combination of {names} seen in "
                             "training.")
        if getattr(self, "key_", None) is not None:
            return conditions  # the columns stay in the learned table
        if len(matching) == 1:
            rest[self.joint_column_] = f"#{matching[0]}"
        return rest


class OneHot(_ColumnSet):
    """Exactly one of ``columns`` (0/1 or boolean) is 1 in every row.

    The columns are learned as one categorical column naming the hot one, and spread
    back at sampling. A row with a missing value among them has nothing to keep (it is
    generated with all of them missing).

    Parameters
    ----------
    columns : list of str
        Two or more columns of 0/1 values.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.constraints import OneHot
    >>> plans = pd.DataFrame({"basic": [1, 0, 1], "premium": [0, 1, 1]})
    >>> OneHot(["basic", "premium"]).is_valid(plans).tolist()
    [True, True, False]
    """

    def is_valid(self, frame):
        values = frame[self.column_names()]
        complete = values.notna().all(axis=1).to_numpy(dtype=bool)
        numbers = values[complete].astype("float64").to_numpy()
        valid = np.ones(len(frame), dtype=bool)
        valid[complete] = (np.isin(numbers, (0.0, 1.0)).all(axis=1)
                           & (numbers.sum(axis=1) == 1))
        return valid

    def check(self, frame):
        names = self.column_names()
        _check_columns(self, frame, names, at_least=2)
        for name in names:
            values = frame[name].dropna()
            try:
                numbers = values.astype("float64")
            except (TypeError, ValueError):
                raise TypeError(f"{self.describe()}: column {name!r} does not hold 0/1 "
                                "values") from None
            if not numbers.isin([0.0, 1.0]).all():
                raise TypeError(f"{self.describe()}: column {name!r} does not hold 0/1 "
                                "values")

    def fit(self, frame):
        self.check(frame)
        names = self.column_names()
        self.dtypes_ = {name: frame[name].dtype for name in names}
        self.hot_column_ = fresh_name(frame, "hot of " + ", ".join(map(str, names)))
        self.missing_seen_ = bool(frame[names].isna().to_numpy().any())
        return self

    def transform(self, frame):
        names = self.column_names()
        values = frame[names]
        complete = values.notna().all(axis=1).to_numpy(dtype=bool)
        hot = np.full(len(frame), None, dtype=object)
        if complete.any():
            positions = values[complete].astype("float64").to_numpy().argmax(axis=1)
            hot[complete] = np.array([str(name) for name in names], dtype=object)[positions]
        out = frame.drop(columns=names)
        out[self.hot_column_] = pd.Series(hot, index=frame.index, dtype=object)
        return out

    def reverse_transform(self, frame):
        hot = frame[self.hot_column_]
        missing = hot.isna().to_numpy(dtype=bool)
        out = frame.drop(columns=[self.hot_column_])
        texts = hot.astype(object).to_numpy()
        for name in self.column_names():
            values = (texts == str(name)).astype(np.float64)
            values[missing] = np.nan
            out[name] = _as_dtype(values, self.dtypes_[name], frame.index)
        return out

    def conditions(self, conditions):
        names = [str(name) for name in self.column_names()]
        asked = {name: value for name, value in conditions.items()
                 if name in self.column_names() and not _is_missing(value)}
        hot = [name for name, value in asked.items() if value in (1, True)]
        if len(hot) > 1 or (len(asked) == len(names) and not hot):
            raise ValueError(f"Conditions {asked} cannot hold together: {self.describe()} "
                             "has exactly one of its columns at 1 in every row.")
        missing = {name: value for name, value in conditions.items()
                   if name in self.column_names() and _is_missing(value)}
        if missing and asked:
            raise ValueError(f"Conditions {dict(asked, **missing)} cannot hold together: a "
                             f"row of {self.describe()} has all of its columns missing or "
                             "none.")
        rest = {}
        for name, value in conditions.items():
            if str(name) in names and name in self.column_names():
                if _is_missing(value):  # the group's rows with no value at all
                    if not getattr(self, "missing_seen_", True):  # older fits: not kept
                        raise ValueError(f"Condition {name}={value!r}: the columns of "
                                         f"{self.describe()} were never missing in "
                                         "training.")
                    rest[self.hot_column_] = value
                    continue
                if value not in (0, 1, True, False):
                    raise ValueError(f"Condition {name}={value!r}: {self.describe()} "
                                     "columns hold 0 or 1 (or nothing).")
                if value in (1, True):
                    rest[self.hot_column_] = str(name)
            else:
                rest[name] = value
        return rest


def _is_missing(value):
    """Whether ``value`` is one missing value (None, NaN, pd.NA, NaT)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: not one value
        return False


def _column_list(constraint):
    if isinstance(constraint.columns, str) or not isinstance(
            constraint.columns, (list, tuple, pd.Index)) or len(constraint.columns) < 2:
        raise ValueError(f"{constraint.describe()}: give a list of at least 2 columns")
    return list(constraint.columns)


def _check_columns(constraint, frame, names, at_least):
    if isinstance(names, str) or len(names) < at_least:
        raise ValueError(f"{constraint.describe()}: give a list of at least {at_least} "
                         "columns")
    if len(set(names)) != len(names):
        raise ValueError(f"{constraint.describe()}: a column is named twice")
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise ValueError(f"{constraint.describe()}: no column {missing[0]!r} in the table "
                         f"(its columns: {list(frame.columns)})")


def _keys(frame, names):
    """Each row's values of ``names`` as a hashable tuple, missing values as None."""
    values = frame[names].astype(object)
    values = values.where(values.notna(), None)
    return list(values.itertuples(index=False, name=None))


def _same(left, right):
    if left is None or (isinstance(left, float) and np.isnan(left)):
        return right is None or pd.isna(right)
    return not pd.isna(right) and left == right


def _as_dtype(values, dtype, index):
    series = pd.Series(values, index=index, dtype=object)
    if series.notna().all():  # stored values as they were: no trip through floats
        try:
            return series.astype(dtype)
        except (TypeError, ValueError):
            pass
    if pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
        return with_dtype(numbers, dtype, index)
    if pd.api.types.is_bool_dtype(dtype) and series.notna().all():
        return series.astype(dtype)
    try:
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series
