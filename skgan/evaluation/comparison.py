"""Side-by-side summaries of real and generated tables, as the demo prints them."""

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist
from scipy.stats import ks_2samp
from sklearn.preprocessing import StandardScaler

from ..metrics import c2st, median_heuristic_gamma, mmd
from ..metrics._table_values import _check_tables


def compare_samples(train, holdout, synthetic, random_state=0):
    """Compare generated rows with held-out real rows, column by column and jointly.

    Held-out rows are what a perfect generator would produce: every figure for the
    synthetic rows is shown beside the same figure for the held-out rows.

    Parameters
    ----------
    train, holdout, synthetic : DataFrame
        Numeric tables with the same columns (in any order; they are matched by name):
        the rows the model was fitted on, real rows it never saw, and generated rows.
        Time spans count in seconds. Missing values are left out: of each column's
        figures, and (rows with any) of the joint ones.
    random_state : int, default=0
        Seeds the two-sample classifier's folds.

    Returns
    -------
    report : DataFrame
        One row per column (mean, std, Kolmogorov-Smirnov statistic against the
        training rows) and four joint rows: MMD² to the training rows, C2ST accuracy
        against the held-out rows (0.5 is ideal), the share of rows that copy a
        training row, and the mean distance to the closest training row.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skgan.evaluation import compare_samples
    >>> rng = np.random.RandomState(0)
    >>> frame = lambda n: pd.DataFrame(rng.normal(size=(n, 2)), columns=["a", "b"])
    >>> report = compare_samples(frame(200), frame(100), frame(100))
    >>> list(report.columns)
    ['held-out real', 'synthetic']
    """
    train, holdout = _check_tables(train, holdout, ("train", "holdout"))
    train, synthetic = _check_tables(train, synthetic, ("train", "synthetic"))
    not_numeric = [str(name) for name, dtype in train.dtypes.items()
                   if not (pd.api.types.is_numeric_dtype(dtype)
                           or pd.api.types.is_timedelta64_dtype(dtype))]
    if not_numeric:
        raise TypeError(
            f"compare_samples compares numeric columns; {', '.join(map(repr, not_numeric))} "
            "are not. Pass table.select_dtypes('number') (as the demo does), or compare "
            "mixed tables with skgan.evaluation.quality_report.")
    train, holdout, synthetic = (
        _as_numbers(table, name) for table, name in
        ((train, "train"), (holdout, "holdout"), (synthetic, "synthetic")))
    rows = {}
    for column in train.columns:
        present = [table[column].dropna() for table in (train, holdout, synthetic)]
        for table_values, name in zip(present, ("train", "holdout", "synthetic")):
            if len(table_values) == 0:
                raise ValueError(f"{name} has no values in column {column!r}.")
        for name, values in (("mean", np.mean), ("std", np.std)):
            rows[f"{column}: {name}"] = (values(present[1]), values(present[2]))
        rows[f"{column}: KS vs train"] = (
            ks_2samp(present[1], present[0]).statistic,
            ks_2samp(present[2], present[0]).statistic,
        )
    # The joint figures compare whole rows: those with a missing value are left out.
    train, holdout, synthetic = (
        _complete_rows(table, name) for table, name in
        ((train, "train"), (holdout, "holdout"), (synthetic, "synthetic")))
    scaler = StandardScaler().fit(train.to_numpy(dtype=float))
    train_z, holdout_z, synthetic_z = (
        scaler.transform(frame.to_numpy(dtype=float)) for frame in (train, holdout, synthetic)
    )
    gamma = median_heuristic_gamma(train_z)  # one kernel for both columns
    rows["joint: MMD² vs train"] = (
        mmd(holdout_z, train_z, gamma=gamma),
        mmd(synthetic_z, train_z, gamma=gamma),
    )
    rows["joint: C2ST accuracy vs held-out"] = (
        0.5,
        c2st(holdout_z, synthetic_z, random_state=random_state),
    )
    rows["privacy: share copying a train row"] = (
        _copy_share(train, holdout),
        _copy_share(train, synthetic),
    )
    rows["privacy: distance to closest train row"] = (
        _closest_distance(train_z, holdout_z),
        _closest_distance(train_z, synthetic_z),
    )
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["held-out real", "synthetic"]
    ).round(4)


def _as_numbers(table, name):
    """``table`` as float64 columns (time spans in seconds, NA as NaN); infinite values
    refused by table and column."""
    numbers = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_timedelta64_dtype(values.dtype):
            numbers[column] = values.dt.total_seconds().astype("float64")
        else:
            numbers[column] = values.astype("float64")
        if np.isinf(numbers[column].to_numpy()).any():
            raise ValueError(f"{name} holds infinite values in column {column!r}.")
    return numbers


def _complete_rows(table, name):
    complete = table.dropna()
    if len(complete) < 2:
        raise ValueError(f"{name} needs at least 2 rows without missing values, has "
                         f"{len(complete)}.")
    return complete


def _copy_share(train, other):
    seen = set(map(tuple, np.round(train.to_numpy(dtype=float), 6)))
    return float(np.mean([tuple(row) in seen for row in np.round(other.to_numpy(dtype=float), 6)]))


def _closest_distance(train_z, other_z):
    return float(cdist(other_z, train_z).min(axis=1).mean())
