"""How good a synthetic table is: the quality report, ML efficacy, side-by-side summaries.

Whole-table measures built on :mod:`skgan.metrics` (which holds the sample-level
distances and scorers):

- :func:`quality_report` (and :func:`column_shapes`, :func:`pair_trends`): column shapes
  and pair trends in [0, 1], as ``skgan report`` prints them;
- :func:`ml_efficacy`: train on synthetic rows, test on real rows;
- :func:`compare_samples`: synthetic and held-out rows side by side, as ``skgan demo``
  prints them;
- :func:`disclosure_report`: the privacy measures of synthetic rows beside held-out
  real rows', as ``skgan report --holdout`` prints them.
"""

from ..metrics._table_values import KINDS, column_kind
from .comparison import compare_samples
from .disclosure import disclosure_report
from .efficacy import ml_efficacy
from .report import QualityReport, column_shapes, pair_trends, quality_report

__all__ = [
    "KINDS",
    "QualityReport",
    "column_kind",
    "column_shapes",
    "compare_samples",
    "disclosure_report",
    "ml_efficacy",
    "pair_trends",
    "quality_report",
]
