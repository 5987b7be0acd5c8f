"""Which encoding a table column gets: constant, discrete or continuous.

The rule, as a user reading the table would decide (measured on the development tables,
see docs/tabular.md, "Column kinds"):

- text, category and boolean columns are discrete;
- a numeric column (integer or not) with at most ``max_discrete_levels`` distinct
  values is discrete: a rate with a handful of levels, a 1-5 grade, a year of a short
  panel come back holding only the values seen;
- an integer column with more levels is discrete when its level counts are *jagged*
  (a code, not a quantity): sorted by value, the counts of a quantity such as an age
  follow a smooth curve, while the counts of codes (a state code, a product number) or
  of heaped values (years of schooling at 12 and 16) jump from level to level.
  :func:`level_roughness` measures how far the counts depart from a straight line
  through their neighbours, in units of the counting noise, on at most
  :data:`ROUGHNESS_ROWS` rows; above :data:`CODE_ROUGHNESS`, with at least
  :data:`MIN_ROWS_PER_LEVEL` rows per level on average, the column is a code;
- so is an integer column whose values repeat (:data:`MIN_CODE_REPEATS` rows per level
  on average) yet take few of the whole numbers between its least and greatest value
  (at most :data:`MAX_LATTICE_COVERAGE` of them, counted in steps of the greatest
  common divisor of their differences): twelve industry codes from 111110 to 921110,
  equally frequent, have smooth counts but cannot be a quantity, whose values would
  spread over the range; salaries in thousands fill their steps of 1,000;
- every other numeric, datetime and timedelta column is continuous.

``discrete_columns`` and ``continuous_columns`` override the rule.
"""

import numpy as np
import pandas as pd

NUMERIC_OBJECT_KINDS = {"integer", "floating", "mixed-integer-float", "decimal"}

#: Roughness above which an integer column's level counts read as codes. Measured on
#: the development tables: quantities score 0-3.7 (ages 0.5-1.4, incomes 0.3-1.1,
#: miles per gallon 2.5-3.7, years of experience 0.7-5.0), codes and heaped values
#: 31-137 (years of schooling 31 and 137; 50 state codes of unequal frequency about
#: 56; 1,800 zip codes seen 8 times each on average about 16). Smooth but strongly
#: curved counts score more: a Poisson count with mean 6 about 10, hence 12.
CODE_ROUGHNESS = 12.0

#: Average rows per level (over the whole column) below which a column cannot be told
#: from an identifier, whose levels are mostly seen once.
MIN_ROWS_PER_LEVEL = 2.0

#: An integer column seen this many rows per level on average, on at most this share
#: of the whole numbers (in steps of the gcd of its differences) between its least and
#: greatest value, is a code. On the development tables quantities cover 0.78-1.0 of
#: their range (ages, years of experience, miles per gallon), incomes repeat too little
#: (1.3-1.8 rows per level) and males' identifier ``nr`` covers 0.043 (kept continuous,
#: as before this test); industry or zip codes cover a few in a hundred thousand.
MIN_CODE_REPEATS = 5.0
MAX_LATTICE_COVERAGE = 0.02

#: Rows the roughness is measured on (a seeded subsample beyond that). The curvature of
#: a smooth distribution adds to the roughness in proportion to the rows counted, so a
#: fixed number of rows keeps an age an age on a table of a million rows.
ROUGHNESS_ROWS = 20_000


def encoding_kind(column, *, max_discrete_levels, forced=None):
    """"constant", "discrete" or "continuous": the encoding ``column`` gets.

    Parameters
    ----------
    column : Series
        The training values of one column.
    max_discrete_levels : int
        Numeric columns with at most this many distinct values are discrete.
    forced : {"discrete", "continuous"} or None
        The user's choice, which wins over the rule (a constant column stays constant).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.adapters._column_kinds import encoding_kind
    >>> encoding_kind(pd.Series([0.5, 1.5, 2.5] * 20), max_discrete_levels=10)
    'discrete'
    >>> encoding_kind(pd.Series(range(100)), max_discrete_levels=10)
    'continuous'
    """
    n_levels = column.nunique(dropna=True)
    if n_levels == 1 and not column.isna().any():
        return "constant"
    if forced is not None:
        return forced
    if not is_numeric_column(column) or pd.api.types.is_bool_dtype(column.dtype):
        return "discrete"
    if is_time_column(column):
        return "continuous"
    if n_levels <= max_discrete_levels:
        return "discrete"
    if is_integer_valued(column) and _looks_like_code(column, n_levels):
        return "discrete"
    return "continuous"


def level_roughness(counts):
    """How far level counts depart from their neighbours' trend, in noise units.

    For counts ``c`` of the levels sorted by value, the mean over levels of
    ``(c[k+1] - 2 c[k] + c[k-1])**2 / (c[k+1] + 4 c[k] + c[k-1])``: the squared gap
    between a count and the straight line through its neighbours, divided by that
    gap's variance under counting (Poisson) noise. Counts that follow a smooth curve
    score about 1; counts that jump from level to level score far more.

    Examples
    --------
    >>> from skgan.adapters._column_kinds import level_roughness
    >>> level_roughness([100, 110, 120, 130])
    0.0
    >>> round(level_roughness([300, 10, 300, 10]), 1)
    400.7
    """
    counts = np.asarray(counts, dtype=np.float64)
    if len(counts) < 3:
        return 0.0
    second_differences = counts[2:] - 2 * counts[1:-1] + counts[:-2]
    noise = counts[2:] + 4 * counts[1:-1] + counts[:-2]
    return float(np.mean(second_differences ** 2 / noise))


def _looks_like_code(column, n_levels):
    observed = column.dropna()
    if len(observed) < MIN_ROWS_PER_LEVEL * n_levels:
        return False
    if len(observed) >= MIN_CODE_REPEATS * n_levels and \
            lattice_coverage(observed) <= MAX_LATTICE_COVERAGE:
        return True
    if len(observed) > ROUGHNESS_ROWS:
        observed = observed.sample(ROUGHNESS_ROWS, random_state=0)
    counts = pd.to_numeric(observed).value_counts().sort_index().to_numpy()
    return level_roughness(counts) > CODE_ROUGHNESS


def lattice_coverage(values):
    """The share of the whole numbers from the least to the greatest of integer
    ``values``, in steps of the gcd of their differences, that the values take.

    Examples
    --------
    >>> from skgan.adapters._column_kinds import lattice_coverage
    >>> lattice_coverage([18, 19, 21, 22])  # ages: 4 of 18..22
    0.8
    >>> lattice_coverage([30_000, 31_000, 33_000])  # salaries in thousands: 3 of 4 steps
    0.75
    >>> round(lattice_coverage([111110, 236115, 541511, 921110]), 6)  # industry codes
    5e-06
    """
    levels = np.unique(np.asarray(pd.to_numeric(pd.Series(values)), dtype=np.float64))
    if len(levels) < 2:
        return 1.0
    levels = levels - levels[0]
    if levels[-1] >= 2**53:  # beyond exact integers in floats: no lattice to count
        return 1.0
    levels = levels.astype(np.int64)
    step = int(np.gcd.reduce(np.diff(levels)))
    return float(len(levels) / (levels[-1] // step + 1))


def is_time_column(column):
    dtype = column.dtype
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def is_numeric_column(column):
    """Numbers, datetimes and timedeltas (also numbers held in an object column)."""
    dtype = column.dtype
    if is_time_column(column):
        return True
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    if pd.api.types.is_numeric_dtype(dtype):
        return True
    if dtype == object:
        return pd.api.types.infer_dtype(column, skipna=True) in NUMERIC_OBJECT_KINDS
    return False


def is_integer_valued(column):
    """Integer dtypes, and float or object columns holding only whole numbers (an
    integer column with blanks read from a CSV is float)."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return False
    if pd.api.types.is_integer_dtype(dtype):
        return True
    if pd.api.types.is_float_dtype(dtype) or (
        dtype == object and pd.api.types.infer_dtype(column, skipna=True) in NUMERIC_OBJECT_KINDS
    ):
        values = pd.to_numeric(column.dropna()).to_numpy(dtype=np.float64)
        return bool(len(values)) and bool(np.all(values == np.round(values)))
    return False
