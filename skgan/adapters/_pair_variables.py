"""The variables pair calibration rakes, and their codes.

Every discrete column (its ``MAX_LEVELS - 1`` most frequent levels, the others as one)
and whether each continuous column with missing values is missing; around a target
column (``GANSampler(dp_target=...)``, whose private fit measures the tables of that
column with every other one), continuous columns too, in bins of equal mass under
their fitted encoding (:func:`target_layout`). :mod:`skgan.adapters._pair_calibration`
measures and rakes the tables of these variables.
"""

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ._table_columns import ContinuousColumn, DiscreteColumn

#: Codes per column: the most frequent levels get one each, the others share the last.
MAX_LEVELS = 32
#: Private tables around a target column (``GANSampler(dp_target=...)``): a continuous
#: column is a variable of ``len(training rows) // TARGET_BIN_ROWS`` bins (within
#: ``MIN_TARGET_BINS`` and ``MAX_TARGET_BINS``) of equal mass under its fitted encoding,
#: and a table holds at most ``max(MIN_TARGET_CELLS, bins * max(bins, target's
#: codes), rows / TARGET_ROWS_PER_CELL)`` cells, so the target's table with every
#: continuous column is measured and a discrete column of many levels on a small table
#: is not (session 41: four bins and 48 cells on mpg's 117 rows left out its 32-level
#: model; the top bin of four on default mixed rows whose real default rate ran from
#: 0.04 to 0.42, twenty bins kept it).
TARGET_BIN_ROWS = 250
MIN_TARGET_BINS = 4
MAX_TARGET_BINS = 20
MIN_TARGET_CELLS = 48
TARGET_ROWS_PER_CELL = 2.5


def target_layout(encoders, left_out, target, n_rows):
    """Around the column at position ``target``: ``(bin_edges, anchor, max_cells)``,
    the inner bin edges of every continuous column not ``left_out`` (position ->
    edges), the target's position among the variables and the most cells a measured
    table may have; None without a target, or when the target is left out."""
    if target is None or target in left_out:
        return None
    n_bins = int(np.clip(n_rows // TARGET_BIN_ROWS, MIN_TARGET_BINS, MAX_TARGET_BINS))
    bin_edges = {index: equal_mass_edges(encoder, n_bins)
                 for index, encoder in enumerate(encoders)
                 if index not in left_out and isinstance(encoder, ContinuousColumn)}
    variables = paired_columns(encoders, left_out, bin_edges)
    if target not in variables:
        return None
    target_width = pair_width(encoders[target], bin_edges.get(target))
    return bin_edges, variables.index(target), max(
        MIN_TARGET_CELLS, n_bins * max(n_bins, target_width),
        int(n_rows / TARGET_ROWS_PER_CELL))


def equal_mass_edges(encoder, n_bins):
    """The ``n_bins - 1`` inner edges of bins of equal mass under a fitted continuous
    column's encoding (its mixture of modes, or its quantiles): statistics the
    adapter keeps, no row is read. In the column's numbers (``encoder.numbers``).
    Point masses (a balance's zeros) are not in the mixture: their values fall in one
    bin, which then holds more than its share."""
    normalizer = encoder.normalizer_
    masses = np.arange(1, n_bins) / n_bins
    if hasattr(normalizer, "means_"):
        weights = np.exp(normalizer.log_weights_)
        # each mode's own grid, so that a narrow mode far from the others is resolved
        grid = np.unique(np.concatenate([
            mean + std * np.linspace(-6.0, 6.0, 401)
            for mean, std in zip(normalizer.means_, normalizer.stds_)]))
        cdf = (weights * ndtr((grid[:, None] - normalizer.means_)
                              / normalizer.stds_)).sum(axis=1)
        standard = np.interp(masses, cdf / cdf[-1], grid)
        return normalizer.center_ + normalizer.scale_ * standard
    transformer = normalizer.transformer_
    return np.interp(masses, transformer.references_,
                     transformer.quantiles_[:, 0]) / normalizer.value_scale_


def pair_width(encoder, edges=None):
    """Codes of a paired variable: a discrete column's levels (at most ``MAX_LEVELS``),
    a binned continuous column's bins (one more when it has missing values), or 2
    (missing or not) for another continuous column with missing values."""
    if isinstance(encoder, DiscreteColumn):
        return min(len(encoder.coder_.counts_), MAX_LEVELS)
    if edges is not None:
        return len(edges) + 1 + int(encoder.has_missing_)
    return 2


def pair_codes(columns, encoders, left_out=(), bin_edges=None):
    """Codes of the variables raked, from a table's columns (Series by position, or
    :class:`skgan.adapters._decoded_rows.DecodedRows`) and its fitted column encoders:
    every discrete column (its ``MAX_LEVELS - 1`` most frequent levels, the others as
    one) and whether each continuous column with missing values is missing, but the
    columns at the positions ``left_out`` (``PairTables.left_out``); the continuous
    columns of ``bin_edges`` (``PairTables.bin_edges``: tables around a target) as
    their bins. Returns the codes (one column per variable) and their numbers of
    levels.

    Continuous columns' values are otherwise left out: raking them too (in quantile
    bins) left the discrete pairs and the missing rates further from the training rows
    on the tables of benchmarks/bench_messy_tables.py.
    """
    bin_edges = bin_edges or {}
    codes, n_levels = [], []
    held_code = getattr(columns, "pair_code", None)  # DecodedRows hold some as codes
    for index in paired_columns(encoders, left_out, bin_edges):
        encoder = encoders[index]
        discrete = isinstance(encoder, DiscreteColumn)
        edges = bin_edges.get(index)
        width = pair_width(encoder, edges)
        if edges is not None:
            code = bin_codes(encoder, columns[index], edges)
        else:
            code = None if held_code is None else held_code(index, width)
        if code is None and discrete:
            code = frequent_level_codes(encoder, columns[index], width)
        elif code is None:  # a continuous column with missing values: whether missing
            code = pd.isna(np.asarray(columns[index])).astype(np.intp)
        codes.append(code)
        n_levels.append(width)
    if not codes:
        return np.empty((0, 0), dtype=np.intp), n_levels
    return np.column_stack(codes), n_levels


def frequent_level_codes(encoder, column, width):
    """Codes of a discrete ``column`` (its fitted ``encoder``) over ``width`` codes: its
    ``width - 1`` most frequent training levels one each, every other value the last."""
    level = encoder.coder_.codes_of(column)
    return np.where((level < 0) | (level >= width), width - 1, level)


def bin_codes(encoder, column, edges):
    """Each value's bin among ``edges`` (the last code for a missing value)."""
    values, missing = encoder.numbers(column)
    code = np.searchsorted(edges, np.where(missing, edges[0], values), side="right")
    return np.where(missing, len(edges) + 1, code).astype(np.intp)


def paired_columns(encoders, left_out=(), bin_edges=None):
    """The column position of each variable of :func:`pair_codes`, in its order (not a
    discrete column whose levels all share one unit: its tables say nothing)."""
    bin_edges = bin_edges or {}
    return [index for index, encoder in enumerate(encoders)
            if index not in left_out and (
                isinstance(encoder, DiscreteColumn) and len(encoder.coder_.counts_) > 1
                or index in bin_edges
                or isinstance(encoder, ContinuousColumn) and encoder.has_missing_)]
