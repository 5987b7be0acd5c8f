"""The adapter for tables: mixed-type DataFrames and 2-D arrays, missing values included."""

import pandas as pd

from .._engine.torch_utils import random_source
from ..networks.heads import BlockActivationHead
from ._column_kinds import is_integer_valued, is_numeric_column
from ._encoded_rows import lay_out
from ._dependencies import find_links, unpool_deciding_columns
from ._independent_columns import decoding_links, find_independent_groups
from ._missing_together import find_missing_together
from ._level_rules import linked_level_shares, looped_columns
from ._pair_calibration import fit_pair_tables
from ._private_statistics import PrivateStatisticsMixin
from ._table_columns import ConstantColumn, ContinuousColumn, DiscreteColumn
from ._table_conditions import columns_left_out, plan_conditions, plan_constrained_conditions
from ._table_constraints import TableConstraints, check_constraints
from ._table_input import as_frame, check_params, column_kinds
from ._table_decoding import TableDecodingMixin
from ._table_encoding import TableEncodingMixin
from ._table_sampling import TableSamplingMixin
from .base import BaseAdapter

CONTINUOUS_METHODS = ("auto", "quantile", "vgm", "vgm_cdf")
MODE_ASSIGNMENTS = ("likeliest", "posterior")


class TabularAdapter(TableSamplingMixin, TableEncodingMixin, TableDecodingMixin,
                     PrivateStatisticsMixin, BaseAdapter):
    """Encode a mixed-type table for a GAN and decode generated rows back into a table.

    Every column is encoded by its kind:

    - continuous (numbers with more than ``max_discrete_levels`` distinct values that
      are not codes, datetimes, timedeltas, and the ``continuous_columns`` you name):
      by default (``continuous="auto"``) through the column's quantiles onto a standard
      normal, one linear unit, or, for a column whose values fall in clusters with gaps
      between them, by mode-specific normalisation as in CTGAN's paper: a
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
    end of its month becomes the month's last day. Their month and day columns are
    discrete (codes of a calendar, not quantities).

    Missing values are data, not errors: in a discrete column a missing value is one
    more level; a continuous column with missing values gets a two-unit indicator block
    (observed / missing), so samples show missing values at the rate the generator
    learned from the data.

    With ``conditional_sampling=True`` the estimators train by sampling (CTGAN's
    "training-by-sampling"): each training row is drawn after a randomly chosen
    discrete column's level, chosen with probability growing with the log of its
    frequency, and the networks see that choice as a condition vector. Rare levels
    then train as often as they need to, and ``sample(n, conditions={...})`` can ask
    for given levels. Columns of more than ``max_condition_levels`` one-hot units (ids,
    keys of hundreds of levels) are left out of the condition, whose inputs they
    widened for little gain (docs/tabular.md, "Training-by-sampling and conditional
    sampling"); conditions on them are met by keeping the rows that hold the level.

    Parameters
    ----------
    discrete_columns : "auto" or list, default="auto"
        Columns (names, or positions for arrays) to treat as discrete whatever the rule
        above says.
    continuous : {"auto", "quantile", "vgm", "vgm_cdf"}, default="auto"
        How continuous columns are encoded: "quantile" maps a column through its
        quantiles onto a standard normal (one linear unit; a point mass such as the
        zeros of a balance gets a one-hot unit of its own); "vgm" is mode-specific
        normalisation (CTGAN's: the one-hot of the value's mode in a Gaussian mixture
        and its offset within it); "vgm_cdf" fits the same mixture and maps a value
        through its cumulative distribution onto a standard normal (one linear unit,
        point masses as with quantiles: the mixture's statistics, not the column's
        quantiles); "auto" uses modes for columns whose mixture has clusters with a
        gap between them and quantiles for the others, and "vgm_cdf" in
        differentially private fits of an estimator's own adapter. See
        docs/tabular.md ("Quantiles or modes") for the rule and measurements.
    max_modes : int, default=10
        Modes of each column's mixture before pruning modes of weight below 0.5 %
        (columns encoded by modes).
    max_discrete_levels : int, default=10
        Numeric columns with at most this many distinct values are discrete.
    max_categories : int, default=1000
        One-hot units of a discrete column at most. Encoded tables take
        ``n_rows * encoded_width * 4`` bytes.
    min_frequency : int, float or None, default=20
        In discrete columns of more than 20 levels (a state, a product, an id), levels
        held by fewer training rows than this (a share of the rows when a float in
        (0, 1)) share the rare-level unit above, as scikit-learn's ``OneHotEncoder``
        pools infrequent categories: a generator would only copy the few rows that hold
        such a level. Columns that decide another keep their levels; see
        docs/privacy.md ("Rare levels"). None pools by ``max_categories`` alone.
    max_fit_rows : int, default=5000
        Rows each continuous column's quantiles or mixture are fitted on (a random
        subsample beyond that).
    conditional_sampling : bool, default=True
        Train by sampling over the discrete columns (see above).
    max_condition_levels : int or None, default=100
        Discrete columns with more one-hot units than this are not conditioned on when
        training by sampling (see above); None conditions on every discrete column, as
        CTGAN does.
    random_state : int, default=0
        Seeds the subsamples and the mixtures, so an adapter fit is repeatable.
    mode_assignment : {"likeliest", "posterior"}, default="likeliest"
        The mode a continuous value is encoded with (columns encoded by modes): its
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
        docs/tabular.md, "Columns that determine others", for the rule); likewise
        single levels that always go with one value of another column (see "Levels
        that decide another column"), the continuous columns whose missing values a
        discrete column decides, and continuous columns missing in the same rows.
        False turns all of these off.
    level_calibration : bool, default=True
        After training, shift the generator's logits of every discrete level and of
        every missing-value indicator by a constant each, so that generated rows hold
        each level, and missing values, at the rate of the training rows of the
        adapter's fit (a GAN tends to under-produce rare levels and rare missing
        values). The shifts keep the generator's preferences between rows, so the links
        between columns stay. Columns of more than 100 one-hot units keep the
        generator's rates, columns written from a key follow their key, and
        ConditionalGAN is not calibrated; see docs/tabular.md ("Missing values").
    pair_calibration : bool, default=True
        When sampling, generate 1, 2, 4, 8 or 16 times the rows asked for (the least
        the fitted generator needs, chosen at the end of a model's fit), weight them so
        that every pair of discrete columns (and of missing-value indicators) occurs
        together as in the training rows, and keep the rows asked for by weight, so
        the links between columns that a GAN weakens come back; see docs/tabular.md
        ("Pairs of columns"). Not applied to ``sample(conditions=...)`` or
        ConditionalGAN.
    independent_columns : "auto" or False, default="auto"
        Find the columns that go with none of the others in the training rows (by
        pairwise chi-square tests of independence; tables of 1,000 rows or more) and,
        when sampling, permute each such group of columns across the generated rows,
        so the associations a generator invents between them and the rest go; see
        docs/tabular.md ("Columns independent of the rest"). Not applied to
        ``sample(conditions=...)``, ConditionalGAN, or differentially private fits.
    constraints : list of skgan.constraints objects or None, default=None
        Rules between columns that every generated row keeps by construction
        (``Inequality``, ``Range``, ``Bounds``, ``FixedCombinations``,
        ``FixedIncrements``, ``LinearEquality``, ``OneHot`` or a user's own); the
        networks learn the table in a form where the rules cannot be broken. See
        docs/constraints.md.
    handle_invalid : {"error", "drop"}, default="error"
        Training rows that break a constraint: a ValueError naming the constraint
        and the count of rows, or dropped with a warning.

    Attributes
    ----------
    columns_ : Index
        Column labels of the training table (as the constraints transformed it).
    constraints_ : TableConstraints or None
        The fitted constraints, with the original columns and dtypes.
    column_encoders_ : list
        One fitted encoder per column.
    encoded_shape_ : tuple of int
        ``(encoded_width,)``.
    dependencies_ : list of FunctionalDependency
        The functional dependencies kept (``key`` and ``dependent`` column positions).
    agreements_ : list of FunctionalDependency
        Other keys of a dependent column, which no dependency writes: decoding draws
        them again to agree with the column written from its own key.
    missing_dependencies_ : list of FunctionalDependency
        Continuous columns (``dependent``) whose missing values a discrete column
        (``key``) decides, kept when decoding.
    missing_together_ : list of tuple of int
        Columns (continuous or discrete) missing in the same training rows, as
        ``(leader, follower)`` positions: decoding writes the follower's missing values
        from the leader's.
    level_rules_ : list of LevelRule
        Levels of a discrete column (``column``) that decide the value of another
        (``other``): ``levels_`` and the ``values_`` they decide.
    independent_groups_ : list of tuple of int
        Positions of the groups of columns found independent of the rest, which
        sampling permutes across the rows (empty when none is, or with
        ``independent_columns=False``).
    pair_tables_ : PairTables or None
        The training rows' two-way tables that sampling rakes to (None without pair
        calibration); ``pair_tables_.oversampling`` is the rows generated per sampled
        row.
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
    pair_calibration = False  # likewise
    independent_columns = False  # likewise
    constraints = None  # likewise
    handle_invalid = "error"  # likewise
    max_condition_levels = None  # likewise: they conditioned on every discrete column
    min_frequency = None  # likewise: only max_categories pooled levels

    def __init__(self, discrete_columns="auto", continuous="auto", max_modes=10,
                 max_discrete_levels=10, max_categories=1000, max_fit_rows=5000,
                 conditional_sampling=True, max_condition_levels=100, random_state=0,
                 mode_assignment="likeliest",
                 continuous_columns="auto", level_calibration=True,
                 functional_dependencies="auto", pair_calibration=True, constraints=None,
                 handle_invalid="error", independent_columns="auto", min_frequency=20):
        self.discrete_columns = discrete_columns
        self.constraints = constraints
        self.handle_invalid = handle_invalid
        self.pair_calibration = pair_calibration
        self.independent_columns = independent_columns
        self.functional_dependencies = functional_dependencies
        self.continuous_columns = continuous_columns
        self.level_calibration = level_calibration
        self.continuous = continuous
        self.max_modes = max_modes
        self.mode_assignment = mode_assignment
        self.max_discrete_levels = max_discrete_levels
        self.max_categories = max_categories
        self.min_frequency = min_frequency
        self.max_fit_rows = max_fit_rows
        self.conditional_sampling = conditional_sampling
        self.max_condition_levels = max_condition_levels
        self.random_state = random_state

    # ------------------------------------------------------------------ checks
    def check_input(self, X):
        # Once fitted, a column may be all missing in a chunk or a held-out fold.
        as_frame(X, require_values=not hasattr(self, "columns_"))

    # ------------------------------------------------------------------ fit
    def fit(self, X):
        check_params(self, CONTINUOUS_METHODS, MODE_ASSIGNMENTS)
        constraints = check_constraints(self.constraints, self.handle_invalid)
        frame, array_dtype = as_frame(X)
        table_constraints = None
        if constraints:
            table_constraints = TableConstraints(constraints)
            frame = table_constraints.fit_transform(frame, self.handle_invalid)
        if len(frame) < 2:
            raise ValueError(
                f"The table has {len(frame)} sample(s) (rows); at least 2 are required."
            )
        kinds, split_dates = column_kinds(
            self, frame,
            [] if table_constraints is None else table_constraints.discrete_columns(),
            [] if table_constraints is None else
            [name for name in table_constraints.columns if name not in frame.columns])
        random_state = random_source(self.random_state)
        encoders = []
        for name, kind in zip(frame.columns, kinds):
            column = frame[name]
            encoder = self._encoder_for(name, column, kind)
            encoders.append(encoder.fit(column, random_state))
        (self.dependencies_, self.agreements_, self.missing_dependencies_,
         self.level_rules_) = (find_links(frame, encoders)
                               if self.functional_dependencies is not False
                               else ([], [], [], []))
        encoders = unpool_deciding_columns(frame, encoders, self.dependencies_,
                                           self.missing_dependencies_, self.level_rules_,
                                           split_dates)
        self.columns_ = frame.columns
        self.constraints_ = table_constraints
        self.array_dtype_ = array_dtype
        self.column_encoders_ = encoders
        self.missing_together_ = (find_missing_together(frame, encoders)
                                  if self.functional_dependencies is not False else [])
        self.split_dates_ = split_dates
        links = decoding_links([*self.dependencies_, *self.agreements_],
                               self.missing_dependencies_, self.level_rules_, split_dates,
                               self.missing_together_)
        self.independent_groups_ = (
            find_independent_groups(frame, encoders, links, random_state)
            if self.independent_columns is not False else [])
        self.pair_tables_ = (fit_pair_tables(frame, encoders, self.independent_groups_,
                                             left_out=self._columns_not_raked())
                             if self.pair_calibration else None)
        self._lay_out()
        return self

    def _columns_not_raked(self):
        """Positions of the columns pair calibration leaves out: those constraints add
        whose values are missing exactly where other columns' are."""
        constraints = getattr(self, "constraints_", None)
        if constraints is None:
            return []
        names = set(constraints.derived_missing_columns())
        return [position for position, name in enumerate(self.columns_) if name in names]

    def _encoder_for(self, name, column, kind):
        if kind == "constant":
            return ConstantColumn(name, column.dtype)
        if kind == "discrete":
            return DiscreteColumn(name, column.dtype, self.max_categories,
                                  self.min_frequency)
        if not is_numeric_column(column) or pd.api.types.is_bool_dtype(column.dtype):
            raise ValueError(
                f"continuous_columns names {name!r}, which holds no numbers, datetimes or "
                "timedeltas."
            )
        return ContinuousColumn(name, column.dtype, self.continuous, self.max_modes,
                                self.max_fit_rows, rounded=is_integer_valued(column),
                                sample_modes=self.mode_assignment == "posterior")

    def _lay_out(self):
        """Positions of every column's scalars and one-hot blocks in the encoding (see
        :func:`~skgan.adapters._encoded_rows.lay_out`), and the blocks of
        training-by-sampling's conditions."""
        (self.scalar_positions_, self.block_starts_, self.head_layout_,
         self.encoded_shape_) = lay_out(self.column_encoders_)
        most = self.max_condition_levels
        self.condition_blocks_ = [
            (index, self.block_starts_[index][0], encoder.block_widths[0], encoder.coder_.counts_)
            for index, encoder in enumerate(self.column_encoders_)
            if self.conditional_sampling and isinstance(encoder, DiscreteColumn)
            and 1 < encoder.block_widths[0]
            and (most is None or encoder.block_widths[0] <= most)
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

    def linked_level_rates(self):
        """Where each block that level rules decide in some rows sits, its column's
        position, its units' training shares and whether it is in a loop of rules
        (:func:`skgan.adapters._level_rules.looped_columns`): ``(start, position,
        shares, looped)``, empty with ``level_calibration=False``. Level calibration
        matches them again on rows with the rules written (:meth:`linked_level_shares`)."""
        if not self.level_calibration:
            return []
        rules = getattr(self, "level_rules_", [])
        looped = looped_columns(rules)
        return [(self.block_starts_[position][-1], position,
                 self.column_encoders_[position].level_rates(), position in looped)
                for position in sorted({rule.other for rule in rules})]

    def linked_level_shares(self, encoded, random_state=None):
        """Each unit's share in ``encoded`` rows (drawn codes) decoded with every link
        written, in the rows a rule decides and in the others, for the columns level
        rules decide: ``{position: (decided, undecided)}``."""
        return linked_level_shares(self, encoded, random_source(random_state))

    def generator_head(self):
        """Linear, ``tanh`` and Gumbel-softmax units in the layout of the encoding."""
        n_identity, n_tanh, block_widths = self.head_layout_
        return BlockActivationHead(n_identity, n_tanh, block_widths)

    # ------------------------------------------------------------------ conditions
    def columns_left_out_of_conditions(self, conditions):
        """The names in ``conditions`` of discrete columns training by sampling left out
        for their many levels (``max_condition_levels``), or whose asked level shares
        the rare-level unit (``min_frequency``): the generator cannot be asked for
        those levels, only rows that hold them kept."""
        return columns_left_out(self, conditions)

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
        constraints = getattr(self, "constraints_", None)
        if constraints is None:
            return plan_conditions(self, conditions)
        return plan_constrained_conditions(self, constraints, conditions)

