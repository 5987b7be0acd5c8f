"""Nearest rows of a wide table by a blockwise scan of lower bounds, one matrix product each.

With many columns that vary independently (the 20 columns of an orders table: dates,
prices, ages, states, product keys), a KD-tree over the search embedding of
:mod:`skgan.metrics._closest_records` visits nearly every reference row for every query
and ends up slower than looking at all of them (10,000 x 10,000 orders rows: 7.1 s in
the tree, under 1 s here). This scan looks at all of them, at the speed of a matrix
product:

- each reference row becomes a 0/1 vector of *cells*, one cell per column set: for a
  number, the value itself when the column holds at most :data:`MAX_VALUE_CELLS` distinct
  values, else one of :data:`NUMBER_CELLS` bins of equal count (a bin knows the smallest
  and largest value it holds), plus a cell for missing; for a category, its level's
  bucket (the most frequent :data:`MAX_LEVEL_CELLS` levels one each, the rest sharing
  them by code), plus a cell for missing;
- each query row becomes a vector of *costs*: for every cell, the smallest per-column
  distance that any value in it can have from the query's value (the gap from the
  query's number to the bin, 0 or 1 for a bucket, 1 between missing and present);
- a block of queries' costs times all cells (BLAS) bounds every distance from below at
  once; the :data:`N_CANDIDATES` reference rows with the smallest bounds get their exact
  distance, and a query whose best exact distance is no larger than the last of those
  bounds is done. Any other query gets every reference row whose bound is within its
  best exact distance.

The bounds only choose which exact distances to compute, so the result is the exact
nearest distance, the same as the tree's. Time grows with the rows of both tables and
the cells (at most 25 per number, 49 per category); memory holds the reference's
cells and one block of bounds (:data:`BLOCK_BOUNDS` of them).
"""

import numpy as np
import torch

#: a number column with at most this many distinct values gets one cell per value
MAX_VALUE_CELLS = 24
#: bins of equal count for a number column with more distinct values
NUMBER_CELLS = 12
#: cells shared by a category's levels (the most frequent each have their own)
MAX_LEVEL_CELLS = 48
#: reference rows per query whose exact distance is computed before checking the bound
N_CANDIDATES = 8
#: bounds held at once (a block of queries times the reference rows; 128 MiB)
BLOCK_BOUNDS = 2 ** 25
#: float32 sums of a few hundred products err by far less than this
_TOLERANCE = 1e-3


class CellBounds:
    """Reference rows as cells, for lower bounds of their distance to query rows.

    Parameters
    ----------
    scaled : ndarray of shape (n_reference, n_numbers)
        The reference's numbers scaled as in the search embedding (NaN missing): the gap
        between two scaled values is at most their per-column distance.
    codes : ndarray of shape (n_reference, n_categories)
        The reference's category codes (-1 missing), levels numbered by frequency.
    n_levels : list of int
        Levels of each category column.
    """

    def __init__(self, scaled, codes, n_levels):
        blocks, self._numbers, self._categories = [], [], []
        for values in scaled.T:
            missing = np.isnan(values)
            low, high, cell = _number_cells(values[~missing])
            cells = np.full(len(values), len(low))
            cells[~missing] = cell
            self._numbers.append((low, high, bool(missing.any())))
            blocks.append((cells, len(low) + bool(missing.any())))
        for code, levels in zip(codes.T, n_levels):
            n_buckets = max(1, min(levels, MAX_LEVEL_CELLS))
            missing = code < 0
            self._categories.append((n_buckets, bool(missing.any())))
            blocks.append((np.where(missing, n_buckets, code % n_buckets),
                           n_buckets + bool(missing.any())))
        self.n_cells = sum(width for _, width in blocks)
        self.n_reference = len(scaled)
        rows = np.arange(self.n_reference)
        self._cells = torch.zeros((self.n_reference, self.n_cells), dtype=torch.float32)
        offset = 0
        for cells, width in blocks:
            self._cells[rows, torch.from_numpy(offset + cells)] = 1.0
            offset += width

    def costs(self, scaled, codes):
        """Each query row's smallest possible per-column distance to each cell."""
        parts = []
        for column, (low, high, has_missing) in enumerate(self._numbers):
            value = scaled[:, column][:, None]
            gap = np.maximum(np.maximum(low[None, :] - value, value - high[None, :]), 0.0)
            missing = np.isnan(value)
            parts.append(np.where(missing, 1.0, gap))  # present vs missing: 1
            if has_missing:
                parts.append((~missing).astype(float))
        for column, (n_buckets, has_missing) in enumerate(self._categories):
            code = codes[:, column]
            cost = np.ones((len(code), n_buckets + has_missing))
            seen = np.flatnonzero(code >= 0)
            cost[seen, code[seen] % n_buckets] = 0.0  # maybe the same level
            if has_missing:
                cost[code == -1, n_buckets] = 0.0  # unseen levels (-2) differ from all
            parts.append(cost)
        return torch.from_numpy(np.column_stack(parts).astype(np.float32))

    def closest(self, scaled, codes, exact_distances):
        """Each query row's smallest exact distance to the reference rows.

        ``exact_distances(rows, candidates)`` gives the summed distances of the query
        rows ``rows`` (indices) to the reference rows ``candidates`` (one row of
        indices per query row).
        """
        n_queries = len(scaled)
        block = max(1, min(n_queries, BLOCK_BOUNDS // self.n_reference))
        k = min(N_CANDIDATES, self.n_reference)
        best = np.empty(n_queries)
        for start in range(0, n_queries, block):
            rows = np.arange(start, min(start + block, n_queries))
            bounds = self.costs(scaled[rows], codes[rows]) @ self._cells.T
            lowest, candidates = torch.topk(bounds, k, dim=1, largest=False)
            best[rows] = exact_distances(rows, candidates.numpy()).min(axis=1)
            if k == self.n_reference:
                continue
            unsettled = np.flatnonzero(best[rows] > lowest[:, -1].numpy() - _TOLERANCE)
            for position in unsettled:
                near = torch.nonzero(bounds[position] <= best[rows[position]] + _TOLERANCE)
                best[rows[position]] = exact_distances(
                    rows[position:position + 1], near.numpy().reshape(1, -1)).min()
        return best


def _number_cells(observed):
    """Cells of a number column's present values: (lows, highs, cell of each value)."""
    if observed.size == 0:
        return np.empty(0), np.empty(0), np.empty(0, dtype=np.int64)
    distinct = np.unique(observed)
    if distinct.size <= MAX_VALUE_CELLS:
        return distinct, distinct, np.searchsorted(distinct, observed)
    inner_edges = np.unique(np.quantile(observed, np.linspace(0, 1, NUMBER_CELLS + 1)[1:-1]))
    cell = np.searchsorted(inner_edges, observed, side="right")
    used, cell = np.unique(cell, return_inverse=True)  # no empty bins
    low = np.full(used.size, np.inf)
    high = np.full(used.size, -np.inf)
    np.minimum.at(low, cell, observed)
    np.maximum.at(high, cell, observed)
    return low, high, cell
