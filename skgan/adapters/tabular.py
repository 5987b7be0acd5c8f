"""The adapter for tables: mixed-type DataFrames and 2-D arrays, missing values included."""

import numbers

import numpy as np
import pandas as pd

from .._engine.torch_utils import random_source
from ..networks.heads import BlockActivationHead
from ._column_kinds import encoding_kind, is_integer_valued, is_numeric_column, is_time_column
from ._dependencies import (
    find_dependencies,
    find_integer_keys,
    find_missing_dependencies,
    redraw_rare_keys,
)
from ._split_dates import find_split_dates, repair_split_dates
from ._table_columns import ConstantColumn, ContinuousColumn, DiscreteColumn
from .base import BaseAdapter

CONTINUOUS_METHODS = ("vgm", "quantile")
MODE_ASSIGNMENTS = ("likeliest", "posterior")
_UNHASHABLE = (list, dict, set, np.ndarray)


class TabularAdapter(BaseAdapter):
    """Encode a mixed-type table for a GAN and decode generated rows back into a table.

    Every column is encoded by its kind:

    - continuous (numbers with more than ``max_discrete_levels`` distinct values that
      are not codes, datetimes, timedeltas, and the ``continuous_columns`` you name):
      mode-specific normalisation, as in CTGAN's paper. A
      variational Gaussian mixture fitted on at most ``max_fit_rows`` rows finds the
      column's modes; a value becomes the one-hot of its mode and its offset within the
      mode, produced by ``tanh`` and Gumbel-softmax units. A point mass (one value held
      by at least 2 % of the rows and by ten times an average value's count, such as
      the zeros of an income column) gets a mode of its own, decoded to exactly that
      value. Decoded values are clipped to
      the training range; integers are rounded and keep their dtype; datetimes come back
      as datetimes, rounded to the finest unit the training values used.
    - discrete (object, string, category and boolean columns, numbers with at most
      ``max_discrete_levels`` distinct values, integer codes, and the
      ``discrete_columns`` you name): a one-hot
      block, produced by Gumbel-softmax units, so only levels seen in training come out.
      The ``max_categories - 1`` most frequent levels get a unit each and the rarer
      ones share one unit, decoded by their training frequencies: the encoded width
      stays bounded for columns with thousands of levels.
    - constant columns cost nothing and come back constant.

    An integer column with more than ``max_discrete_levels`` values is a code (discrete)
    when its level counts jump from one value to the next (a state code, a product
    number, years of schooling heaped at 12 and 16) and a quantity (continuous) when
    they change smoothly (an age, an amount); docs/tabular.md gives the rule and the
    figures it was set on. Name columns in ``discrete_columns`` or
    ``continuous_columns`` to decide yourself.

    Dates split over three integer columns named alike (``birth_year``,
    ``birth_month``, ``birth_day``) come back as valid dates: a generated day past the
    end of its month becomes the month's last day.

    Missing values are data, not errors: in a discrete column a missing value is one
    more level; a continuous column with missing values gets a two-unit indicator block
    (observed / missing), so samples show missing values at the rate the generator
    learned from the data.

    With ``conditional_sampling=True`` the estimators train by sampling (CTGAN's
    "training-by-sampling"): each training row is drawn after a randomly chosen
    discrete column's level, chosen with probability growing with the log of its
    frequency, and the networks see that choice as a condition vector. Rare levels
    then train as often as they need to, and ``sample(n, conditions={...})`` can ask
    for given levels.

    Parameters
    ----------
    discrete_columns : "auto" or list, default="auto"
        Columns (names, or positions for arrays) to treat as discrete whatever the rule
        above says.
    continuous : {"vgm", "quantile"}, default="vgm"
        How continuous columns are encoded: mode-specific normalisation, or a map
        through the column's quantiles onto a standard normal (one linear unit).
    max_modes : int, default=10
        Modes of each column's mixture before pruning modes of weight below 0.5 %.
    max_discrete_levels : int, default=10
        Numeric columns with at most this many distinct values are discrete.
    max_categories : int, default=1000
        One-hot units of a discrete column at most. Encoded tables take
        ``n_rows * encoded_width * 4`` bytes.
    max_fit_rows : int, default=5000
        Rows each column's mixture is fitted on (a random subsample beyond that).
    conditional_sampling : bool, default=True
        Train by sampling over the discrete columns (see above).
    random_state : int, default=0
        Seeds the subsamples and the mixtures, so an adapter fit is repeatable.
    mode_assignment : {"likeliest", "posterior"}, default="likeliest"
        The mode a continuous value is encoded with (``continuous="vgm"`` only): its
        most likely one, or one drawn from its posterior probabilities (the CTGAN
        paper's choice; seeded by ``random_state``, so the same rows in the same order
        encode the same way). Drawn modes give each mode a smooth spread of offsets,
        which can help column shapes where modes overlap, but blur the link between a
        value's mode and the other columns (see docs/tabular.md for measurements).
    continuous_columns : "auto" or list, default="auto"
        Numeric, datetime or timedelta columns to treat as continuous whatever the
        rule above says (e.g. a count you want modelled as a quantity).
    functional_dependencies : "auto" or False, default="auto"
        Find the discrete columns that determine others in the training rows (every
        product of one category, every zip code in one state) and write each such
        column from its key when decoding, so every generated row keeps the link (see
        docs/tabular.md, "Columns that determine others", for the rule); False turns it
        off.
    level_calibration : bool, default=True
        After training, shift the generator's logits of every discrete level and of
        every missing-value indicator by a constant each, so that generated rows hold
        each level, and missing values, at the rate of the training rows of the
        adapter's fit (a GAN tends to under-produce rare levels and rare missing
        values). The shifts keep the generator's preferences between rows, so the links
        between columns stay. Columns of more than 100 one-hot units keep the
        generator's rates, columns written from a key follow their key, and
        ConditionalGAN is not calibrated; see docs/tabular.md ("Missing values").

    Attributes
    ----------
    columns_ : Index
        Column labels of the training table.
    column_encoders_ : list
        One fitted encoder per column.
    encoded_shape_ : tuple of int
        ``(encoded_width,)``.
    dependencies_ : list of FunctionalDependency
        The functional dependencies kept (``key`` and ``dependent`` column positions).
    missing_dependencies_ : list of FunctionalDependency
        Continuous columns (``dependent``) whose missing values a discrete column
        (``key``) decides, kept when decoding.
    split_dates_ : list of tuple
        ``(year, month, day)`` column positions of the dates split over three integer
        columns, which decode to valid dates (see ``skgan.adapters._split_dates``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.adapters import TabularAdapter
    >>> table = pd.DataFrame({"size": ["S", "M", "L", "M"], "price": [1.0, 2.5, 4.0, 2.0]})
    >>> adapter = TabularAdapter().fit(table)
    >>> adapter.encode(table).shape[0]
    4
    >>> adapter.decode(adapter.encode(table)).dtypes.to_dict() == table.dtypes.to_dict()
    True
    """

    input_checks = {"skip_check_array": True}
    mode_assignment = "likeliest"  # adapters pickled before the option had it
    continuous_columns = "auto"  # likewise
    level_calibration = False  # likewise: their generators were never calibrated
    functional_dependencies = False  # likewise

    def __init__(self, discrete_columns="auto", continuous="vgm", max_modes=10,
                 max_discrete_levels=10, max_categories=1000, max_fit_rows=5000,
                 conditional_sampling=True, random_state=0, mode_assignment="likeliest",
                 continuous_columns="auto", level_calibration=True,
                 functional_dependencies="auto"):
        self.discrete_columns = discrete_columns
        self.functional_dependencies = functional_dependencies
        self.continuous_columns = continuous_columns
        self.level_calibration = level_calibration
        self.continuous = continuous
        self.max_modes = max_modes
        self.mode_assignment = mode_assignment
        self.max_discrete_levels = max_discrete_levels
        self.max_categories = max_categories
        self.max_fit_rows = max_fit_rows
        self.conditional_sampling = conditional_sampling
        self.random_state = random_state

    # ------------------------------------------------------------------ checks
    def check_input(self, X):
        # Once fitted, a column may be all missing in a chunk or a held-out fold.
        _as_frame(X, require_values=not hasattr(self, "columns_"))

    def _check_params(self):
        if self.continuous not in CONTINUOUS_METHODS:
            raise ValueError(
                f"continuous={self.continuous!r} is not one of {CONTINUOUS_METHODS}."
            )
        if self.mode_assignment not in MODE_ASSIGNMENTS:
            raise ValueError(
                f"mode_assignment={self.mode_assignment!r} is not one of {MODE_ASSIGNMENTS}."
            )
        for name in ("max_modes", "max_discrete_levels", "max_categories", "max_fit_rows"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if self.max_categories < 2:
            raise ValueError("max_categories must be at least 2.")
        if not (self.functional_dependencies is False
                or isinstance(self.functional_dependencies, str)
                and self.functional_dependencies == "auto"):
            raise ValueError(
                "functional_dependencies must be 'auto' or False, got "
                f"{self.functional_dependencies!r}."
            )
        if not isinstance(self.level_calibration, (bool, np.bool_)):
            raise ValueError(
                f"level_calibration must be True or False, got {self.level_calibration!r}."
            )
        for name in ("discrete_columns", "continuous_columns"):
            value = getattr(self, name)
            if not (isinstance(value, str) and value == "auto" or isinstance(value, (list, tuple))):
                raise ValueError(f"{name} must be 'auto' or a list, got {value!r}.")

    def _forced_kinds(self, columns):
        """Column -> "discrete" / "continuous", as ``discrete_columns`` and
        ``continuous_columns`` ask."""
        forced = {}
        for kind in ("discrete", "continuous"):
            names = getattr(self, f"{kind}_columns")
            names = [] if isinstance(names, str) else list(names)
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

    # ------------------------------------------------------------------ fit
    def fit(self, X):
        self._check_params()
        frame, array_dtype = _as_frame(X)
        if len(frame) < 2:
            raise ValueError(
                f"The table has {len(frame)} sample(s) (rows); at least 2 are required."
            )
        forced = self._forced_kinds(frame.columns)
        kinds = [encoding_kind(frame[name], max_discrete_levels=self.max_discrete_levels,
                               forced=forced.get(name)) for name in frame.columns]
        if self.functional_dependencies is not False:
            for position in self._integer_keys(frame, kinds, forced):
                kinds[position] = "discrete"
        random_state = random_source(self.random_state)
        encoders = []
        for name, kind in zip(frame.columns, kinds):
            column = frame[name]
            encoder = self._encoder_for(name, column, kind)
            encoders.append(encoder.fit(column, random_state))
        self.columns_ = frame.columns
        self.array_dtype_ = array_dtype
        self.column_encoders_ = encoders
        self.dependencies_, self.missing_dependencies_ = self._find_dependencies(frame)
        self.split_dates_ = find_split_dates(frame)
        self._lay_out()
        return self

    def _encoder_for(self, name, column, kind):
        if kind == "constant":
            return ConstantColumn(name, column.dtype)
        if kind == "discrete":
            return DiscreteColumn(name, column.dtype, self.max_categories)
        if not is_numeric_column(column) or pd.api.types.is_bool_dtype(column.dtype):
            raise ValueError(
                f"continuous_columns names {name!r}, which holds no numbers, datetimes or "
                "timedeltas."
            )
        return ContinuousColumn(name, column.dtype, self.continuous, self.max_modes,
                                self.max_fit_rows, rounded=is_integer_valued(column),
                                sample_modes=self.mode_assignment == "posterior")

    @staticmethod
    def _integer_keys(frame, kinds, forced):
        """Continuous integer columns that determine a discrete column: codes."""
        candidates = [position for position, (name, kind) in enumerate(zip(frame.columns, kinds))
                      if kind == "continuous" and name not in forced
                      and not is_time_column(frame[name]) and is_integer_valued(frame[name])]
        discrete = [position for position, kind in enumerate(kinds) if kind == "discrete"]
        if not candidates or not discrete:
            return []
        return find_integer_keys(frame, candidates, discrete)

    def _find_dependencies(self, frame):
        """Functional dependencies between discrete columns, and missing values that a
        discrete column decides."""
        if self.functional_dependencies is False:
            return [], []
        discrete = [index for index, encoder in enumerate(self.column_encoders_)
                    if isinstance(encoder, DiscreteColumn)]
        with_missing = [index for index, encoder in enumerate(self.column_encoders_)
                        if isinstance(encoder, ContinuousColumn) and encoder.has_missing_]
        return (find_dependencies(frame, discrete),
                find_missing_dependencies(frame, with_missing, discrete) if with_missing
                and discrete else [])

    def _apply_dependencies(self, columns, random_state):
        """Write every dependent column from its key (decoded columns, in place).

        A key that no dependency writes (the finest of a chain) first has its rare
        levels drawn again to agree with the dependents the generator produced.
        """
        dependencies = getattr(self, "dependencies_", [])  # adapters pickled before
        dependents = {dependency.dependent for dependency in dependencies}
        redrawn = set()
        for dependency in dependencies:
            key = dependency.key
            if key not in dependents and key not in redrawn:
                own = [other for other in dependencies if other.key == key]
                keys = redraw_rare_keys(
                    columns[key].to_numpy(dtype=object), own,
                    [columns[other.dependent].to_numpy(dtype=object) for other in own],
                    self.column_encoders_[key].coder_, random_state)
                columns[key] = self.column_encoders_[key].as_series(keys)
                redrawn.add(key)
            keys = columns[key].to_numpy(dtype=object)
            columns[dependency.dependent] = self.column_encoders_[
                dependency.dependent].as_series(dependency.dependent_values(keys))

    def _lay_out(self):
        """Positions of every column's scalars and one-hot blocks in the encoding.

        Linear units come first, then ``tanh`` units, then all softmax blocks, so the
        generator's head applies one activation per contiguous slice.
        """
        counts = {"identity": 0, "tanh": 0}
        for encoder in self.column_encoders_:
            if encoder.n_scalars:
                counts[encoder.scalar_activation] += encoder.n_scalars
        next_position = {"identity": 0, "tanh": counts["identity"]}
        next_block = counts["identity"] + counts["tanh"]
        self.scalar_positions_, self.block_starts_, block_widths = [], [], []
        for encoder in self.column_encoders_:
            activation = encoder.scalar_activation
            start = next_position.get(activation, 0)
            self.scalar_positions_.append(np.arange(start, start + encoder.n_scalars))
            if encoder.n_scalars:
                next_position[activation] += encoder.n_scalars
            starts = []
            for width in encoder.block_widths:
                starts.append(next_block)
                block_widths.append(width)
                next_block += width
            self.block_starts_.append(starts)
        self.head_layout_ = (counts["identity"], counts["tanh"], tuple(block_widths))
        self.encoded_shape_ = (next_block,)
        self.condition_blocks_ = [
            (index, self.block_starts_[index][0], encoder.block_widths[0], encoder.coder_.counts_)
            for index, encoder in enumerate(self.column_encoders_)
            if self.conditional_sampling and isinstance(encoder, DiscreteColumn)
        ]

    # ------------------------------------------------------------------ encode/decode
    def level_rates(self):
        """Where each calibrated block sits and the training share of each of its units.

        Returns a list of ``(start, shares)``: the encoded position of a block's first
        unit and an array of its units' shares in the training rows, for every discrete
        column and every missing-value indicator; empty with ``level_calibration=False``.
        """
        if not self.level_calibration:
            return []
        blocks = []
        for encoder, starts in zip(self.column_encoders_, self.block_starts_):
            rates = getattr(encoder, "level_rates", lambda: None)()
            if rates is not None:
                blocks.append((starts[-1], rates))
        return blocks

    def encode(self, X):
        return self._encode(X, strict=True)

    def encode_for_scoring(self, X):
        """Like :meth:`encode`, but levels never seen in training get an all-zero block
        and unexpected missing values the column's median, instead of errors."""
        return self._encode(X, strict=False)

    def _encode(self, X, strict):
        frame, _ = _as_frame(X, require_values=False)
        self._check_columns(frame)
        n_rows = len(frame)
        encoded = np.zeros((n_rows, self.encoded_shape_[0]), dtype=np.float32)
        rows = np.arange(n_rows)
        for index, encoder in enumerate(self.column_encoders_):
            scalars, codes = encoder.encode(frame.iloc[:, index], strict=strict)
            if encoder.n_scalars:
                encoded[:, self.scalar_positions_[index]] = scalars
            for start, code in zip(self.block_starts_[index], codes):
                seen = code >= 0
                encoded[rows[seen], start + code[seen]] = 1.0
        return encoded

    def decode(self, encoded, random_state=None):
        encoded = np.asarray(encoded, dtype=np.float32)
        encoded = encoded.reshape(len(encoded), self.encoded_shape_[0])
        random_state = random_source(random_state)
        columns = {}
        parts = {}
        for index, encoder in enumerate(self.column_encoders_):
            scalars = encoded[:, self.scalar_positions_[index]].astype(np.float64)
            codes = [
                encoded[:, start:start + width].argmax(axis=1)
                for start, width in zip(self.block_starts_[index], encoder.block_widths)
            ]
            parts[index] = scalars, codes
            columns[index] = encoder.decode(scalars, codes, random_state)
        self._apply_dependencies(columns, random_state)
        for dependency in getattr(self, "missing_dependencies_", []):  # none if pickled before
            scalars, codes = parts[dependency.dependent]
            missing = dependency.dependent_values(columns[dependency.key].to_numpy(dtype=object))
            codes = [*codes[:-1], missing.astype(np.intp)]
            columns[dependency.dependent] = self.column_encoders_[dependency.dependent].decode(
                scalars, codes, random_state)
        for year, month, day in getattr(self, "split_dates_", []):  # none if pickled before
            columns[day] = repair_split_dates(columns[year], columns[month], columns[day])
        frame = pd.DataFrame(columns, index=pd.RangeIndex(len(encoded)))
        frame.columns = self.columns_
        if self.array_dtype_ is not None:
            return frame.to_numpy(dtype=self.array_dtype_)
        return frame

    def _check_columns(self, frame):
        if frame.shape[1] != len(self.columns_) or (
            self.array_dtype_ is None and not frame.columns.equals(self.columns_)
        ):
            raise ValueError(
                f"The data has columns {list(frame.columns)}; the adapter was fitted on "
                f"{list(self.columns_)}."
            )

    def generator_head(self):
        """Linear, ``tanh`` and Gumbel-softmax units in the layout of the encoding."""
        n_identity, n_tanh, block_widths = self.head_layout_
        return BlockActivationHead(n_identity, n_tanh, block_widths)

    # ------------------------------------------------------------------ conditions
    def condition_plan(self, conditions):
        """Check ``conditions`` and say how to meet them.

        Parameters
        ----------
        conditions : dict
            Column (name, or position for arrays) → the value every sampled row must
            hold in it. Only discrete and constant columns can be conditioned on.

        Returns
        -------
        slot : int or None
            Unit of the condition vector that asks the generator for the first
            condition on a column trained by sampling (None when there is none).
        matches : callable
            ``matches(decoded) -> bool ndarray``: which decoded rows meet every
            condition.
        """
        if not isinstance(conditions, dict) or not conditions:
            raise TypeError("conditions must be a non-empty dict of column -> value.")
        slots_of = {index: offset for offset, (index, *_)
                    in zip(np.cumsum([0] + [b[2] for b in self.condition_blocks_]),
                           self.condition_blocks_)}
        targets, slot = [], None
        for name, value in conditions.items():
            if name not in self.columns_:
                raise ValueError(
                    f"Condition on column {name!r}, which is not in the data "
                    f"(columns: {list(self.columns_)})."
                )
            index = self.columns_.get_loc(name)
            encoder = self.column_encoders_[index]
            if isinstance(encoder, ContinuousColumn):
                raise ValueError(
                    f"Column {name!r} is continuous; conditions apply to discrete columns "
                    "(name it in discrete_columns, or with --discrete in `skgan fit`, to "
                    "make it one)."
                )
            if isinstance(encoder, ConstantColumn):
                if not _same_value(encoder.value_, value):
                    raise ValueError(f"Column {name!r} only held {encoder.value_!r} in training.")
                continue  # every decoded row holds it
            code = encoder.code_of(value)
            if code is None:
                raise ValueError(
                    f"Value {value!r} of column {name!r} was never seen in training."
                )
            if slot is None and index in slots_of:
                slot = int(slots_of[index] + code)
            targets.append((index, encoder, code, value))

        def matches(decoded):
            frame = decoded if isinstance(decoded, pd.DataFrame) else pd.DataFrame(decoded)
            keep = np.ones(len(frame), dtype=bool)
            for index, encoder, code, value in targets:
                column = frame.iloc[:, index]
                # Codes compare any missing marker (None, NaN, NA, NaT) and equal values
                # of other types (1, 1.0, True) as pandas' indexes do.
                keep &= encoder.coder_.codes_of(column) == code
                if code == len(encoder.coder_.levels_):  # a rare level: the value itself
                    keep &= encoder.coder_.rare_codes_of(column) == encoder.coder_.rare_codes_of(
                        [value])[0]
            return keep

        return slot, matches


def _as_frame(X, require_values=True):
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
            raise ValueError(
                f"TabularAdapter expects 2-D data (rows, columns), got {array.ndim}-D; "
                "reshape a single feature with X.reshape(-1, 1)."
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
    for name in frame.columns:
        _check_column(name, frame[name], require_values)
    return frame, array_dtype


def _check_column(name, column, require_values=True):
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
    if is_numeric_column(column) and not pd.api.types.is_bool_dtype(dtype):
        values = pd.to_numeric(column).to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            raise ValueError(
                f"Column {name!r} holds infinite values; replace them (e.g. by NaN for "
                "missing)."
            )


def _same_value(left, right):
    left_missing, right_missing = pd.isna(left), pd.isna(right)
    if left_missing or right_missing:
        return bool(left_missing and right_missing)
    return bool(left == right)
