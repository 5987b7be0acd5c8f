"""How closely a synthetic table follows a real one: column shapes, pair trends, ML efficacy.

Every measure is a similarity in [0, 1], where 1 means the synthetic table matches the
real one in that respect:

- **column shapes**, one score per column: ``1 - KS``, the Kolmogorov-Smirnov statistic
  (the largest gap between the two empirical distribution functions), for numerical and
  datetime columns; ``1 - TVD``, the total variation distance between the category
  frequencies (half the sum of their absolute differences), for categorical and boolean
  columns. Scores compare the non-missing values; the share of missing values of each
  table stands beside the score (a column that is empty in one table only scores 0).
- **pair trends**, one score per pair of columns: ``1 - |rho_real - rho_synthetic| / 2``
  with Spearman's rank correlation for pairs of numerical or datetime columns (a constant
  column has no trend: rho = 0); ``1 - TVD`` between the joint frequency tables for pairs
  that involve a categorical or boolean column, numerical and datetime columns cut into
  quantile bins of the real values. Rows missing either value are left out.
- **ML efficacy**: a gradient-boosting model trained on synthetic rows and one trained on
  real rows, both tested on the same held-out real rows.

The column kinds come from the real table's dtypes; the synthetic table's values are read
as the real column's kind (so a synthetic CSV column of ISO dates compares with a datetime
column), values that cannot be read so counting as missing.
"""

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ..metrics._table_values import (
    KINDS,
    _as_float,
    _category_codes,
    _check_tables,
    column_kind,
)
from .efficacy import ml_efficacy

__all__ = ["KINDS", "QualityReport", "column_kind", "column_shapes", "ml_efficacy",
           "pair_trends", "quality_report"]

_METRIC_OF_KIND = {"numerical": "KS", "datetime": "KS", "categorical": "TVD",
                   "boolean": "TVD"}


def column_shapes(real, synthetic):
    """Compare the distribution of each column of ``real`` and ``synthetic``.

    Parameters
    ----------
    real, synthetic : DataFrame
        Tables with the same column names (in any order).

    Returns
    -------
    shapes : DataFrame
        One row per column of ``real``, indexed by column name: ``kind``, ``metric``
        ("KS" or "TVD"), ``score`` (``1 - metric``, 1 = same distribution of the
        non-missing values), ``real_missing`` and ``synthetic_missing`` (shares of
        missing values).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.evaluation import column_shapes
    >>> real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
    >>> synthetic = pd.DataFrame({"x": [1.0, 2.0, 3.0, 9.0], "c": ["a", "a", "a", None]})
    >>> shapes = column_shapes(real, synthetic)
    >>> shapes[["kind", "metric"]].to_dict("index")
    {'x': {'kind': 'numerical', 'metric': 'KS'}, 'c': {'kind': 'categorical', 'metric': 'TVD'}}
    >>> shapes["score"].to_dict()
    {'x': 0.75, 'c': 0.5}
    >>> shapes["synthetic_missing"].to_dict()
    {'x': 0.0, 'c': 0.25}
    """
    real, synthetic = _check_tables(real, synthetic)
    rows = {}
    for name in real.columns:
        kind = column_kind(real[name])
        if kind in ("numerical", "datetime"):
            real_values, synthetic_values = (
                _as_float(table[name], kind) for table in (real, synthetic)
            )
            real_missing, synthetic_missing = np.isnan(real_values), np.isnan(synthetic_values)
            score = 1.0 - _ks_statistic(real_values[~real_missing],
                                        synthetic_values[~synthetic_missing])
        else:
            real_codes, synthetic_codes, n_codes = _category_codes(real[name], synthetic[name])
            real_missing, synthetic_missing = real_codes < 0, synthetic_codes < 0
            score = 1.0 - _tvd(real_codes[~real_missing], synthetic_codes[~synthetic_missing],
                               n_codes)
        rows[name] = (kind, _METRIC_OF_KIND[kind], score, real_missing.mean(),
                      synthetic_missing.mean())
    shapes = pd.DataFrame.from_dict(
        rows, orient="index",
        columns=["kind", "metric", "score", "real_missing", "synthetic_missing"],
    )
    shapes.index.name = "column"
    return shapes


def pair_trends(real, synthetic, n_bins=10):
    """Compare how each pair of columns varies together in ``real`` and ``synthetic``.

    Parameters
    ----------
    real, synthetic : DataFrame
        Tables with the same column names (in any order).
    n_bins : int, default=10
        Quantile bins of the real values that numerical and datetime columns are cut
        into when paired with a categorical or boolean column.

    Returns
    -------
    trends : DataFrame
        One row per pair of columns (in the order of ``real``'s columns):
        ``column_1``, ``column_2``, ``metric`` ("correlation" for two numerical or
        datetime columns, else "contingency"), ``real`` and ``synthetic`` (the
        Spearman correlations; NaN for contingency pairs) and ``score`` (1 = same trend).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.evaluation import pair_trends
    >>> real = pd.DataFrame({"x": [1, 2, 3, 4], "y": [1, 2, 3, 4], "c": list("aabb")})
    >>> synthetic = pd.DataFrame({"x": [1, 2, 3, 4], "y": [4, 3, 2, 1], "c": list("aabb")})
    >>> pair_trends(real, synthetic, n_bins=2)
      column_1 column_2       metric  real  synthetic  score
    0        x        y  correlation   1.0       -1.0    0.0
    1        x        c  contingency   NaN        NaN    1.0
    2        y        c  contingency   NaN        NaN    0.0
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, numbers.Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    real, synthetic = _check_tables(real, synthetic)
    columns = list(real.columns)
    kinds = {name: column_kind(real[name]) for name in columns}
    ordered = [name for name in columns if kinds[name] in ("numerical", "datetime")]
    real_rho, real_pairs = _spearman(real, ordered, kinds)
    synthetic_rho, synthetic_pairs = _spearman(synthetic, ordered, kinds)
    codes = {}
    if len(ordered) < len(columns):
        codes = {name: _binned_codes(real[name], synthetic[name], kinds[name], n_bins)
                 for name in columns}
    rows = []
    for first_index, first in enumerate(columns):
        for second in columns[first_index + 1:]:
            if first in real_rho.index and second in real_rho.index:
                rho = real_rho.at[first, second], synthetic_rho.at[first, second]
                # values together in one table only (a column empty in the other): 0,
                # as column_shapes scores the empty column, not two undefined trends
                apart = (real_pairs.at[first, second] == 0) != (
                    synthetic_pairs.at[first, second] == 0)
                rows.append((first, second, "correlation", *rho,
                             0.0 if apart else 1.0 - abs(rho[0] - rho[1]) / 2.0))
            else:
                rows.append((first, second, "contingency", np.nan, np.nan,
                             _contingency_similarity(codes[first], codes[second])))
    return pd.DataFrame(
        rows, columns=["column_1", "column_2", "metric", "real", "synthetic", "score"]
    )


@dataclass(frozen=True)
class QualityReport:
    """What :func:`quality_report` found; ``print(report)`` shows a summary.

    Attributes
    ----------
    column_shapes : DataFrame
        As :func:`column_shapes` returns it.
    pair_trends : DataFrame
        As :func:`pair_trends` returns it.
    ml_efficacy : dict or None
        As :func:`ml_efficacy` returns it; None without a target.
    holdout_given : bool
        Whether ML efficacy was tested on a separate holdout table (else on a quarter
        of the real rows held back from the real model).
    """

    column_shapes: pd.DataFrame
    pair_trends: pd.DataFrame
    ml_efficacy: dict | None = None
    holdout_given: bool = False

    @property
    def column_shapes_score(self):
        """Mean column-shape score."""
        return float(self.column_shapes["score"].mean())

    @property
    def pair_trends_score(self):
        """Mean pair-trend score (NaN for a one-column table)."""
        return float(self.pair_trends["score"].mean()) if len(self.pair_trends) else np.nan

    @property
    def score(self):
        """Overall quality: the mean of the column-shape and pair-trend scores."""
        return float(np.nanmean([self.column_shapes_score, self.pair_trends_score]))

    def summary(self, n_pairs=5):
        """The report as text: overall scores, each column, the weakest pair trends.

        Parameters
        ----------
        n_pairs : int, default=5
            Pair trends shown, lowest scores first.
        """
        lines = [
            f"Overall quality score: {self.score:.3f} (1 = the synthetic table matches "
            "the real one)",
            f"  column shapes: {self.column_shapes_score:.3f}  mean over "
            f"{len(self.column_shapes)} columns",
        ]
        if len(self.pair_trends):
            lines.append(f"  pair trends:   {self.pair_trends_score:.3f}  mean over "
                         f"{len(self.pair_trends)} column pairs")
        lines += [
            "",
            "Column shapes: 1 - KS statistic (numerical, datetime columns) or 1 - total",
            "variation distance (categorical, boolean columns), on the non-missing values",
            self.column_shapes.to_string(float_format="{:.3f}".format),
        ]
        if len(self.pair_trends) and n_pairs > 0:
            weakest = self.pair_trends.sort_values("score", kind="stable").head(n_pairs)
            lines += [
                "",
                f"Weakest pair trends ({len(weakest)} of {len(self.pair_trends)}): "
                "1 - |Spearman rho difference| / 2",
                "(correlation) or 1 - total variation distance of the joint frequencies "
                "(contingency)",
                weakest.to_string(index=False, float_format="{:.3f}".format, na_rep=""),
            ]
        if self.ml_efficacy is not None:
            lines += ["", *_efficacy_lines(self.ml_efficacy, self.holdout_given)]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()


def quality_report(real, synthetic, target=None, holdout=None, *, n_bins=10, task="auto",
                   random_state=0):
    """Column shapes, pair trends and, with a target, ML efficacy, in one report.

    Parameters
    ----------
    real : DataFrame
        The real table (usually the rows the generator was fitted on).
    synthetic : DataFrame
        Generated rows with the same columns.
    target : str or None, default=None
        A column to predict for :func:`ml_efficacy`; None skips it.
    holdout : DataFrame or None, default=None
        Real rows the generator never saw, to test the ML efficacy models on. When None,
        a quarter of ``real`` is held back from the real model and used as test rows
        (the generator may have seen them, which flatters the synthetic model).
    n_bins : int, default=10
        Passed to :func:`pair_trends`.
    task : {"auto", "classification", "regression"}, default="auto"
        Passed to :func:`ml_efficacy`.
    random_state : int, default=0
        Seeds the held-back split and the ML efficacy models.

    Returns
    -------
    report : QualityReport
        ``report.score`` is the mean of the column-shape and pair-trend means;
        ``print(report)`` shows a summary.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.evaluation import quality_report
    >>> table = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": list("abab")})
    >>> quality_report(table, table).score
    1.0
    """
    if holdout is not None and target is None:
        raise ValueError("holdout is used to test ML efficacy: give a target too.")
    shapes = column_shapes(real, synthetic)
    trends = pair_trends(real, synthetic, n_bins=n_bins)
    efficacy = None
    if target is not None:
        if holdout is None:
            train, test = _held_back_split(real, random_state)
        else:
            train, test = _check_tables(real, holdout, names=("real", "holdout"))
        efficacy = ml_efficacy(train, test, synthetic, target, task=task,
                               random_state=random_state)
    return QualityReport(shapes, trends, efficacy, holdout_given=holdout is not None)


# ---------------------------------------------------------------------- values


def _binned_codes(real_series, synthetic_series, kind, n_bins):
    """Codes of both columns for contingency tables and how many codes there are.

    Numerical and datetime values fall into quantile bins of the real values.
    """
    if kind not in ("numerical", "datetime"):
        real_codes, synthetic_codes, n_codes = _category_codes(real_series, synthetic_series)
        return real_codes, synthetic_codes, n_codes
    real_values = _as_float(real_series, kind)
    synthetic_values = _as_float(synthetic_series, kind)
    known = real_values[~np.isnan(real_values)]
    inner_quantiles = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    edges = np.unique(np.quantile(known, inner_quantiles)) if len(known) else np.empty(0)

    def bin_of(values):
        return np.where(np.isnan(values), -1, np.searchsorted(edges, values, side="right"))

    return bin_of(real_values), bin_of(synthetic_values), len(edges) + 1


def _spearman(table, columns, kinds):
    """Spearman correlations of ``columns`` (pairwise complete rows; undefined -> 0),
    and how many rows hold both values of each pair."""
    values = pd.DataFrame(
        {name: _as_float(table[name], kinds[name]) for name in columns}, columns=columns
    )
    present = values.notna().to_numpy(dtype=np.int64)
    together = pd.DataFrame(present.T @ present, index=columns, columns=columns)
    return values.corr(method="spearman").fillna(0.0), together


# ---------------------------------------------------------------------- distances
def _ks_statistic(first, second):
    """Largest gap between the empirical distribution functions of two samples."""
    if len(first) == 0 or len(second) == 0:
        return 0.0 if len(first) == len(second) else 1.0
    first, second = np.sort(first), np.sort(second)
    points = np.concatenate([first, second])
    gaps = (np.searchsorted(first, points, side="right") / len(first)
            - np.searchsorted(second, points, side="right") / len(second))
    return float(np.abs(gaps).max())


def _tvd(first_codes, second_codes, n_codes):
    """Total variation distance between the frequencies of two arrays of codes."""
    if len(first_codes) == 0 or len(second_codes) == 0:
        return 0.0 if len(first_codes) == len(second_codes) else 1.0
    first = np.bincount(first_codes, minlength=n_codes) / len(first_codes)
    second = np.bincount(second_codes, minlength=n_codes) / len(second_codes)
    return float(min(1.0, np.abs(first - second).sum() / 2.0))


def _contingency_similarity(first, second):
    """1 - TVD of the joint frequencies of two coded columns, on rows with both values."""
    real_first, synthetic_first, _ = first
    real_second, synthetic_second, n_second = second
    joint = []
    for codes_a, codes_b in ((real_first, real_second), (synthetic_first, synthetic_second)):
        both = (codes_a >= 0) & (codes_b >= 0)
        joint.append(codes_a[both].astype(np.int64) * n_second + codes_b[both])
    n_cells = first[2] * n_second
    if n_cells > 4 * (len(joint[0]) + len(joint[1])):  # sparse: number the cells seen
        seen = np.unique(np.concatenate(joint), return_inverse=True)[1].ravel()
        joint = [seen[:len(joint[0])], seen[len(joint[0]):]]
        n_cells = int(seen.max()) + 1 if len(seen) else 0
    return 1.0 - _tvd(joint[0], joint[1], n_cells)


# ---------------------------------------------------------------------- report helpers


def _held_back_split(real, random_state):
    if len(real) < 4:
        raise ValueError("ML efficacy without a holdout needs at least 4 real rows.")
    return train_test_split(real, test_size=0.25, random_state=random_state)


def _efficacy_lines(efficacy, holdout_given):
    where = ("the holdout rows" if holdout_given
             else "a quarter of the real rows, held back from the real model")
    scores = pd.DataFrame(
        {name: efficacy[name] for name in ("real", "synthetic")}
    ).T
    scores.index = ["trained on real", "trained on synthetic"]
    scores["rows"] = scores["rows"].astype(int)
    lines = [
        f"ML efficacy: predicting {efficacy['target']!r} ({efficacy['task']}) with "
        "histogram gradient boosting,",
        f"tested on {efficacy['n_test']} real rows ({where})",
        scores.to_string(float_format="{:.3f}".format),
    ]
    if not holdout_given:
        lines += [
            "in-sample: if the synthetic rows come from a generator fitted on this real "
            "table, it has seen",
            "the test rows, so 'trained on synthetic' is flattered; pass rows the "
            "generator never saw as holdout",
            "(--holdout on the command line) for an out-of-sample figure",
        ]
    return lines
