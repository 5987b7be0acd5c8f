"""Disclosure measures: how close generated rows come to the real rows they were made from.

All three take tables (DataFrames of any column types, or 2-D arrays) and compare rows on
the mixed-type distance of :mod:`skgan.metrics._closest_records`: the mean over columns
of ``min(|a - b| / range, 1)`` for numbers and datetimes (``range`` from the training
rows), 0/1 for categories, and 1 when one value is missing and the other not (0 when both
are). A distance of 0 is a copied row; 1 is a row unlike any real one in every column.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.utils import Bunch, check_random_state

from .._engine.caller_warnings import warn_at_caller
from ._closest_records import ClosestRecords, as_table, check_n_jobs
from ._membership import density_ratio_scores
from ._table_values import check_same_columns

ATTACKS = ("distance", "density")

#: Held-out rows the density attack needs: half estimate the population.
DENSITY_MIN_HOLDOUT = 4


def distance_to_closest_record(train, synthetic, holdout=None, *, random_state=0, n_jobs=-1):
    """Distance from each synthetic row to its closest training row, and what it means.

    Parameters
    ----------
    train : DataFrame or array of shape (n_train, n_columns)
        The real rows the generator was fitted on. Its column ranges scale the numbers
        and its dtypes decide which columns are categories.
    synthetic : DataFrame or array
        Generated rows with the same columns.
    holdout : DataFrame or array, default=None
        Real rows the generator never saw, from the same population. With it, the
        measures below are returned too.
    random_state : int, RandomState or None, default=0
        Seeds the equal-size subsample of the larger of ``train`` and ``holdout`` and the
        random baseline rows.
    n_jobs : int, default=-1
        Threads for the neighbour search.

    Returns
    -------
    distances : ndarray of shape (n_synthetic,)
        Without ``holdout``: each synthetic row's distance to its closest training row.
    result : Bunch
        With ``holdout``:

        - ``distances``: as above;
        - ``share_closer_to_train``: the share of synthetic rows strictly closer to a
          training row than to any holdout row, both tables cut to the same number of
          rows, so that 0.5 is chance, and each scaling numbers by its own ranges
          (SDMetrics' DCROverfittingProtection counts the same share; a holdout of
          fewer than half the training rows warns: copies of training rows left out of
          the cut count as chance);
        - ``overfitting_protection``: ``min(2 * (1 - share_closer_to_train), 1)``, 1 = no
          sign of memorisation (DCROverfittingProtection's score);
        - ``holdout_ratio``: median distance of synthetic rows to the training rows over
          that of holdout rows to the training rows; 1 = as far from the training rows
          as new real people are, below 1 = closer;
        - ``baseline_protection``: median distance of synthetic rows over that of random
          rows (uniform within each column's training range, categories uniform over
          the training levels, missing at the training rate), capped at 1 (SDMetrics'
          DCRBaselineProtection).

    Notes
    -----
    The search is exact: lower bounds of the distance pick candidate rows (from a
    KD-tree on narrow tables, from a blockwise scan of matrix products on wide ones) and
    true distances settle them (see :mod:`skgan.metrics._closest_records`). On a wide
    table the time grows with the product of the two tables' rows (20 columns, 100,000
    x 100,000: 40 s on 2 cores).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.metrics import distance_to_closest_record
    >>> train = pd.DataFrame({"age": [20, 30, 40, 60], "city": ["a", "b", "a", "b"]})
    >>> synthetic = pd.DataFrame({"age": [20, 50], "city": ["a", "a"]})
    >>> distance_to_closest_record(train, synthetic).tolist()
    [0.0, 0.125]
    """
    tables = {"train": train, "synthetic": synthetic}
    if holdout is not None:
        tables["holdout"] = holdout
    train, synthetic, *holdout_part = _same_columns(**tables)
    holdout = holdout_part[0] if holdout_part else None
    index = ClosestRecords(train, n_jobs=n_jobs)
    distances = index.closest(synthetic)
    if holdout is None:
        return distances
    rng = check_random_state(random_state)
    n_rows = min(len(train), len(holdout))
    if n_rows < len(train) / 2:
        warn_at_caller(
            f"share_closer_to_train and overfitting_protection compare {n_rows} training "
            f"rows (of {len(train)}, as many as the holdout holds) with the holdout: a "
            "synthetic row copying one of the others counts as chance, so they can miss "
            "memorisation; hold out about as many rows as are trained on (holdout_ratio "
            "uses every training row).")
    train_part = _subsample(train, n_rows, rng)
    holdout_part = _subsample(holdout, n_rows, rng)
    # each table's distances scale numbers by its own ranges, as SDMetrics does
    to_train = distances if train_part is train else ClosestRecords(
        train_part, n_jobs=n_jobs).closest(synthetic)
    # the holdout's columns read as the training rows' kinds (dates kept as text in a
    # CSV read without parse_dates are still dates)
    to_holdout = ClosestRecords(holdout_part, n_jobs=n_jobs, kinds_from=train).closest(
        synthetic)
    share = float(np.mean(to_train < to_holdout))
    holdout_median = float(np.median(index.closest(holdout)))
    random_median = float(np.median(index.closest(random_rows(train, len(synthetic), rng))))
    median = float(np.median(distances))
    return Bunch(
        distances=distances,
        share_closer_to_train=share,
        overfitting_protection=min(2.0 * (1.0 - share), 1.0),
        holdout_ratio=_ratio(median, holdout_median),
        baseline_protection=min(_ratio(median, random_median), 1.0),
    )


def membership_inference(train, holdout, synthetic, *, attack="distance", random_state=0,
                         n_jobs=-1):
    """How well an attacker holding the synthetic rows tells training rows from others.

    The attacker scores every real row (training rows are members, holdout rows are not)
    and the result is the area under the ROC curve of those scores: 0.5 means the
    synthetic rows give nothing away about who was in the training set, 1.0 means every
    member is found.

    Parameters
    ----------
    train, holdout, synthetic : DataFrame or array
        Real rows the generator was fitted on, real rows it never saw, generated rows;
        the same columns.
    attack : {"distance", "density"}, default="distance"
        "distance": a row's score is minus its distance to the closest synthetic row
        (a generator that memorises puts synthetic rows on top of its members).
        "density": the ratio of the synthetic rows' density at the row to the real
        population's density there, as in DOMIAS (van Breugel et al., 2023): half the
        holdout rows estimate the population's density and the other half are the
        non-members scored; both densities are Gaussian kernel estimates in a shared
        numeric embedding (numbers standardised, categories one-hot), reduced by PCA
        to at most 10 dimensions. It finds overfitting to regions, not only to points.
    random_state : int, RandomState or None, default=0
        Seeds the split of the holdout rows, the subsample of training rows (as many
        as non-members, for the density attack) and the embedding.
    n_jobs : int, default=-1
        Threads for the neighbour search.

    Returns
    -------
    auc : float
        In [0, 1]; 0.5 = no leak.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import membership_inference
    >>> rng = np.random.RandomState(0)
    >>> train, holdout = rng.normal(size=(200, 3)), rng.normal(size=(200, 3))
    >>> copies = train + rng.normal(scale=1e-3, size=train.shape)  # a generator that copies
    >>> round(membership_inference(train, holdout, copies), 2)
    1.0
    >>> fresh = rng.normal(size=(200, 3))  # one that does not
    >>> 0.4 < membership_inference(train, holdout, fresh) < 0.6
    True
    """
    if attack not in ATTACKS:
        raise ValueError(f"attack must be one of {list(ATTACKS)}, got {attack!r}.")
    check_n_jobs(n_jobs)
    train, holdout, synthetic = _same_columns(train=train, holdout=holdout,
                                              synthetic=synthetic)
    rng = check_random_state(random_state)
    if attack == "distance":
        members, non_members = train, holdout
        index = ClosestRecords(synthetic, scale_from=train, n_jobs=n_jobs)
        scores = -np.concatenate([index.closest(members), index.closest(non_members)])
    else:
        if len(holdout) < DENSITY_MIN_HOLDOUT:
            raise ValueError(f"The density attack needs at least {DENSITY_MIN_HOLDOUT} "
                             "holdout rows (half "
                             f"estimate the population), got {len(holdout)}.")
        order = rng.permutation(len(holdout))
        population = holdout.iloc[order[:len(holdout) // 2]]
        non_members = holdout.iloc[order[len(holdout) // 2:]]
        members = _subsample(train, len(non_members), rng)
        scores = density_ratio_scores(train, synthetic, population,
                                      pd.concat([members, non_members], ignore_index=True),
                                      random_state=rng)
    labels = np.r_[np.ones(len(members)), np.zeros(len(non_members))]
    return float(roc_auc_score(labels, scores))


def exact_match_rate(train, synthetic):
    """The share of synthetic rows that copy a training row in every column.

    Numbers match when equal as floats to about 12 significant digits, in the coarser
    precision of the two tables' columns (a float32 copy of float64 values is a copy, and
    so is a copy written as text and read back a unit in the last place off),
    categories when equal as text (so 1 and "1" match), and missing values match missing
    values.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.metrics import exact_match_rate
    >>> train = pd.DataFrame({"x": [1.0, 2.0], "c": ["a", None]})
    >>> exact_match_rate(train, pd.DataFrame({"x": [2.0, 2.0], "c": [None, "a"]}))
    0.5
    """
    train, synthetic = _same_columns(train=train, synthetic=synthetic)
    train, synthetic = map(_rounded_floats, _in_coarser_float_precision(train, synthetic))
    index = ClosestRecords(train)
    seen = set(_row_keys(index, train))
    return float(np.mean([key in seen for key in _row_keys(index, synthetic)]))


def random_rows(table, n_rows, random_state=None):
    """Rows drawn column by column, uniformly within the ranges and levels of ``table``.

    The baseline of ``baseline_protection``: numbers uniform between each column's
    minimum and maximum (whole numbers for integer columns), datetimes and durations
    likewise, other columns uniform over their observed values, each missing at the
    column's rate.
    """
    rng = check_random_state(random_state)
    columns = {}
    for name in table.columns:
        series = table[name]
        observed = series.dropna()
        if len(observed) == 0:
            columns[name] = pd.Series([np.nan] * n_rows, dtype=series.dtype)
            continue
        times = (pd.api.types.is_datetime64_any_dtype(series.dtype)
                 or pd.api.types.is_timedelta64_dtype(series.dtype))
        if pd.api.types.is_bool_dtype(series.dtype) or not (
                pd.api.types.is_numeric_dtype(series.dtype) or times):
            levels = observed.unique()
            values = pd.Series(levels[rng.randint(len(levels), size=n_rows)])
        elif times:
            low, high = observed.min(), observed.max()
            values = pd.Series(low + (high - low) * rng.uniform(size=n_rows))
        elif pd.api.types.is_integer_dtype(series.dtype):
            values = pd.Series(rng.randint(int(observed.min()), int(observed.max()) + 1,
                                           size=n_rows))
        else:
            values = pd.Series(rng.uniform(observed.min(), observed.max(), size=n_rows))
        missing = rng.uniform(size=n_rows) < series.isna().mean()
        if missing.any():
            values = values.astype(float) if pd.api.types.is_numeric_dtype(values.dtype) \
                and not pd.api.types.is_bool_dtype(values.dtype) else values.astype(
                    values.dtype if pd.api.types.is_datetime64_any_dtype(values.dtype)
                    or pd.api.types.is_timedelta64_dtype(values.dtype) else object)
            values[missing] = None
        columns[name] = values
    return pd.DataFrame(columns)


def _same_columns(**tables):
    """The named tables as DataFrames; a ValueError naming the table that lacks or adds
    a column of the first one."""
    (first_name, first), *others = [(name, as_table(table, name))
                                    for name, table in tables.items()]
    for name, table in others:
        check_same_columns(first, table, (first_name, name))
    return [first] + [table for _, table in others]


def _in_coarser_float_precision(first, second):
    """Both tables with each float column shared by them in the coarser of its two
    float dtypes (float64 values written as float32 then equal their copies), and an
    integer column whose copy is float (one blank makes a column float) as that float
    dtype, so that both sides are rounded alike (13-digit ids rounded on one side only
    missed their copies)."""
    first_types, second_types = {}, {}
    for name in first.columns.intersection(second.columns):
        kinds = [table[name].dtype for table in (first, second)]
        floats = [isinstance(kind, np.dtype) and kind.kind == "f" for kind in kinds]
        integers = [pd.api.types.is_integer_dtype(kind) for kind in kinds]
        if all(floats) and kinds[0] != kinds[1]:
            first_types[name] = second_types[name] = min(kinds, key=lambda kind: kind.itemsize)
        elif floats[0] and integers[1]:
            second_types[name] = kinds[0]
        elif floats[1] and integers[0]:
            first_types[name] = kinds[1]
    return (first.astype(first_types) if first_types else first,
            second.astype(second_types) if second_types else second)


#: Mantissa bits float values keep when rows are compared for copies (about 12 digits).
MATCH_BITS = 40


def _rounded_floats(table):
    """``table`` with its float64 columns' mantissas rounded to :data:`MATCH_BITS` bits.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> read_back = np.nextafter(0.1, 1.0)  # 0.1 as a CSV round trip can return it
    >>> rounded = _rounded_floats(pd.DataFrame({"x": [0.1, read_back]}))["x"]
    >>> bool(rounded[0] == rounded[1])
    True
    """
    floats = [name for name in table.columns if isinstance(table[name].dtype, np.dtype)
              and table[name].dtype.kind == "f" and table[name].dtype.itemsize == 8]
    if not floats:
        return table
    table = table.copy()
    for name in floats:
        mantissa, exponent = np.frexp(table[name].to_numpy())
        scale = 2.0 ** MATCH_BITS
        table[name] = np.ldexp(np.round(mantissa * scale) / scale, exponent)
    return table


def _row_keys(index, table):
    numbers, codes = index._encode(table)
    return map(tuple, np.column_stack([np.nan_to_num(numbers, nan=np.inf),
                                       codes.astype(np.float64)]).tolist())


def _subsample(table, n_rows, rng):
    if len(table) <= n_rows:
        return table
    return table.iloc[np.sort(rng.choice(len(table), n_rows, replace=False))]


def _ratio(numerator, denominator):
    return numerator / denominator if denominator > 0 else (1.0 if numerator == 0 else np.inf)

