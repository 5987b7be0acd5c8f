"""Nearest rows of a reference table under a mixed-type distance, by tree search.

The distance between two rows is the mean over columns of a per-column distance in
[0, 1] (the definition SDMetrics uses for its DCR measures):

- numbers and datetimes: ``min(|a - b| / range, 1)``, ``range`` the reference column's
  max - min (a column of one value: 0 if equal, else 1);
- categories and booleans: 0 if equal, else 1;
- missing values: 0 if both are missing, 1 if one is.

No metric tree indexes this distance directly (the cap at 1 and the missing values are
not a norm), so the search runs on an embedding whose L1 distance is a lower bound of it:
numbers clipped to the range and divided by it, a missing number at the
middle of the range plus a half-weight missing flag, categories one-hot at half weight
(the most frequent levels each a coordinate, the rest sharing buckets). A KD-tree gives
each row its nearest reference rows under the bound; their true distances are computed,
and a row whose best true distance is no larger than the bound of its last candidate is
done (no other reference row can be closer). The rest get every reference row whose
bound is within their best true distance. The result is exact; the tree does the work,
not a comparison of all pairs.

A tree helps only while few coordinates vary: beyond :data:`MAX_TREE_COORDINATES` (as
scikit-learn's neighbour search turns to brute force in many dimensions) it visits
nearly every reference row, and the search turns to a scan of lower bounds computed a
block of rows at a time by matrix products (:mod:`skgan.metrics._cell_bounds`), which
settles rows the same way and gives the same distances.
"""

import numbers

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.neighbors import KDTree

from .._engine.caller_warnings import warn_at_caller
from ._cell_bounds import CellBounds
from ._table_values import _as_float, _labels, column_kind

#: coordinates given to one categorical column in the search embedding
MAX_CATEGORY_COORDINATES = 24
#: candidates per row taken from the tree before exact distances settle it
N_CANDIDATES = 16
#: search embeddings with more varying coordinates are scanned, not searched by tree
MAX_TREE_COORDINATES = 16
_TOLERANCE = 1e-9


def _warn_unread(name, column, values, kind):
    """Warn (at the user's call) when values of ``column`` that are not missing could
    not be read as the column's kind: they count as missing in the distances."""
    unread = np.isnan(values) & column.notna().to_numpy()
    if unread.any():
        examples = ", ".join(repr(value) for value in pd.unique(column[unread])[:3])
        warn_at_caller(
            f"Column {name!r} holds {int(unread.sum())} values that do not read as "
            f"{'dates' if kind == 'datetime' else 'numbers'} ({examples}): the distances "
            "count them as missing.")


def check_n_jobs(n_jobs):
    """``n_jobs`` as joblib reads it (-1 all cores, -2 all but one, None one), or a
    TypeError / ValueError naming it."""
    if n_jobs is not None and (isinstance(n_jobs, bool)
                               or not isinstance(n_jobs, numbers.Integral)):
        raise TypeError(f"n_jobs must be a whole number or None, got {n_jobs!r}.")
    if n_jobs == 0:
        raise ValueError("n_jobs must not be 0 (-1 uses every core, None one).")
    return None if n_jobs is None else int(n_jobs)


def as_table(data, name):
    """A DataFrame of ``data`` (an array's columns named by position), or TypeError."""
    if isinstance(data, pd.DataFrame):
        table = data
    elif isinstance(data, (np.ndarray, list)):
        array = np.asarray(data)
        if array.ndim != 2:
            raise ValueError(f"{name} must be a 2-D table, got an array of shape {array.shape}.")
        table = pd.DataFrame(array)
    else:
        raise TypeError(f"{name} must be a pandas DataFrame or a 2-D array, "
                        f"got {type(data).__name__}.")
    if len(table) == 0:
        raise ValueError(f"{name} has no rows.")
    if table.columns.has_duplicates:
        repeated = sorted(map(str, table.columns[table.columns.duplicated()].unique()))
        raise ValueError(f"{name} has duplicate column names: {repeated}.")
    for column in table.columns:
        if column_kind(table[column]) == "numerical" and \
                np.isinf(_as_float(table[column], "numerical")).any():
            raise ValueError(f"{name}'s column {column!r} holds infinite values; distances "
                             "need finite numbers (drop or replace them).")
    return table


class ClosestRecords:
    """Index of a reference table for nearest-row queries under the mixed distance.

    Parameters
    ----------
    reference : DataFrame
        The rows to search in (e.g. the training rows).
    scale_from : DataFrame or None, default=None
        The table whose column ranges scale numbers and whose dtypes give column kinds;
        None uses ``reference``.
    n_jobs : int, default=-1
        Threads for the tree queries (-1: all cores).
    kinds_from : DataFrame or None, default=None
        The table whose dtypes give column kinds where not ``scale_from`` (the training
        rows', for an index of held-out rows whose dates may still be text); None uses
        ``scale_from``.
    """

    def __init__(self, reference, scale_from=None, n_jobs=-1, kinds_from=None):
        scale_from = reference if scale_from is None else scale_from
        kinds_from = scale_from if kinds_from is None else kinds_from
        self.columns = list(scale_from.columns)
        self.kinds = [column_kind(kinds_from[name]) for name in self.columns]
        self.n_jobs = check_n_jobs(n_jobs)
        self._numbers, self._levels = {}, {}
        for name, kind in zip(self.columns, self.kinds):
            if kind in ("numerical", "datetime"):
                values = _as_float(scale_from[name], kind)
                observed = values[~np.isnan(values)]
                low, high = (observed.min(), observed.max()) if observed.size else (0.0, 0.0)
                self._numbers[name] = (kind, low, high - low)
            else:
                counts = _labels(scale_from[name], kind).dropna().value_counts(sort=True)
                levels = pd.Index(counts.index)
                if reference is not scale_from:  # the reference's own levels must match
                    levels = levels.append(pd.Index(
                        _labels(reference[name], kind).dropna().unique()).difference(levels))
                self._levels[name] = levels
        self._reference = self._encode(reference)
        # the embedding clips numbers to an interval that holds every reference value
        # and divides by at least the scale's range, so each coordinate's gap stays
        # below both |a - b| / range and 1 (reference rows may lie beyond the range)
        self._clips = []
        for column, (_, low, width) in enumerate(self._numbers.values()):
            values = self._reference[0][:, column]
            observed = values[~np.isnan(values)]
            start = min(low, observed.min()) if observed.size else low
            stop = max(low + width, observed.max()) if observed.size else low + width
            self._clips.append((start, stop, max(width, stop - start)))
        embedded = self._embed(self._reference)
        # coordinates that never vary in the reference (e.g. the missing flag of a
        # column with no missing values) add nothing to the tree but cost time
        self._varying = embedded.min(axis=0) < embedded.max(axis=0)
        self._varying[0] |= not self._varying.any()  # all rows alike: keep one
        self._embedded = embedded[:, self._varying]
        self._tree = None  # built by the first query (exact matches need none)
        self._cell_bounds = None  # likewise, for a scan
        self.n_reference = len(reference)
        self.method = "tree" if self._embedded.shape[1] <= MAX_TREE_COORDINATES else "scan"

    # -- exact distances ---------------------------------------------------------
    def _encode(self, table):
        """Numbers as float (NaN missing) and categories as codes (-1 missing, -2 unseen)."""
        missing = [name for name in self.columns if name not in table.columns]
        extra = [name for name in table.columns if name not in set(self.columns)]
        if missing or extra:  # an extra column would be left out of every distance
            problems = ([f"missing {missing}"] if missing else []) + (
                [f"extra {extra}"] if extra else [])
            raise ValueError("The tables have different columns: "
                             + "; ".join(problems) + ".")
        numbers, codes = [], []
        for name, kind in zip(self.columns, self.kinds):
            if name in self._numbers:
                values = _as_float(table[name], self._numbers[name][0])
                _warn_unread(name, table[name], values, self._numbers[name][0])
                numbers.append(values)
            else:
                labels = _labels(table[name], kind)
                code = self._levels[name].get_indexer(labels.fillna("").to_numpy(object))
                code = np.where(labels.isna().to_numpy(), -1, np.where(code < 0, -2, code))
                codes.append(code)
        return (np.column_stack(numbers) if numbers else np.empty((len(table), 0)),
                np.column_stack(codes) if codes else np.empty((len(table), 0), dtype=np.int64))

    def _pair_distances(self, rows, candidates):
        """Summed per-column distances of ``rows`` (encoded) to reference rows
        ``candidates`` (array of indices, one row of candidates per row)."""
        numbers, codes = rows
        ref_numbers, ref_codes = self._reference
        total = np.zeros(candidates.shape, dtype=np.float64)
        for column, (_, _, width) in enumerate(self._numbers.values()):
            mine = numbers[:, column][:, None]
            theirs = ref_numbers[:, column][candidates]
            gap = np.abs(mine - theirs)
            part = (gap > 0).astype(float) if width == 0 else np.minimum(gap / width, 1.0)
            mine_missing, theirs_missing = np.isnan(mine), np.isnan(theirs)
            part = np.where(mine_missing | theirs_missing,
                            (mine_missing != theirs_missing).astype(float), part)
            total += part
        for column in range(codes.shape[1]):
            mine = codes[:, column][:, None]
            theirs = ref_codes[:, column][candidates]
            total += ((mine != theirs) | (mine == -2)).astype(float)
        return total

    # -- the lower-bound embedding ---------------------------------------------
    def _scaled(self, numbers):
        """Numbers clipped and divided as in the embedding (NaN stays NaN): the gap of
        two scaled values is at most their per-column distance."""
        scaled = np.zeros_like(numbers)
        for column, (start, stop, span) in enumerate(self._clips):
            if span > 0:
                scaled[:, column] = (np.clip(numbers[:, column], start, stop) - start) / span
        return np.where(np.isnan(numbers), np.nan, scaled)

    def _embed(self, encoded):
        numbers, codes = encoded
        parts = []
        for values in self._scaled(numbers).T:
            missing = np.isnan(values)
            parts.append(np.where(missing, 0.5, values))
            parts.append(0.5 * missing)
        for column, levels in enumerate(self._levels.values()):
            code = codes[:, column]
            n_coordinates = min(len(levels) + 1, MAX_CATEGORY_COORDINATES)
            # level k of the most frequent gets its own coordinate; the tail shares buckets;
            # missing (-1) is a level of its own; unseen (-2) gets no coordinate at all
            bucket = np.where(code == -1, 0, code % (n_coordinates - 1) + 1) \
                if n_coordinates > 1 else np.zeros_like(code)
            one_hot = np.zeros((len(code), n_coordinates))
            seen = code != -2
            one_hot[np.flatnonzero(seen), bucket[seen]] = 0.5
            parts.append(one_hot)
        if not parts:
            raise ValueError("The tables have no columns to compare.")
        return np.column_stack(parts)

    def _embed_queries(self, encoded):
        # a coordinate constant in the reference bounds its queries' gap on it from
        # below too, but leaving it out keeps the bound valid (it only lowers it)
        return self._embed(encoded)[:, self._varying]

    # -- queries -------------------------------------------------------------------
    def closest(self, table):
        """The distance from each row of ``table`` to its nearest reference row.

        Returns
        -------
        distances : ndarray of shape (len(table),)
            Mean per-column distance, in [0, 1], rounded to 12 decimals.
        """
        encoded = self._encode(table)
        n_jobs = max(1, effective_n_jobs(self.n_jobs))
        if self.method == "scan":
            distances = self._scan(encoded, n_jobs)
        else:
            distances = self._search_tree(encoded, n_jobs)
        # rounded so that equal distances summed in another order still tie
        return np.round(distances / len(self.columns), 12)

    def _scan(self, encoded, n_jobs):
        if self._cell_bounds is None:
            self._cell_bounds = CellBounds(self._scaled(self._reference[0]), self._reference[1],
                                           [len(levels) for levels in self._levels.values()])
        numbers, codes = encoded
        threads = torch.get_num_threads()
        torch.set_num_threads(n_jobs)
        try:
            return self._cell_bounds.closest(
                self._scaled(numbers), codes, lambda rows, candidates: self._pair_distances(
                    (numbers[rows], codes[rows]), candidates))
        finally:
            torch.set_num_threads(threads)

    def _search_tree(self, encoded, n_jobs):
        if self._tree is None:
            self._tree = KDTree(self._embedded, metric="manhattan")
        embedded = self._embed_queries(encoded)
        n_rows = len(embedded)
        pieces = np.array_split(np.arange(n_rows), max(1, min(n_jobs, n_rows // 500)))
        results = Parallel(n_jobs=len(pieces), prefer="threads")(
            delayed(self._closest_rows)(tuple(part[rows] for part in encoded), embedded[rows])
            for rows in pieces)
        return np.concatenate(results)

    def _closest_rows(self, encoded, embedded):
        k = min(N_CANDIDATES, self.n_reference)
        bounds, candidates = self._tree.query(embedded, k=k)
        exact = self._pair_distances(encoded, candidates)
        best = exact.min(axis=1)
        unsettled = np.flatnonzero(best > bounds[:, -1] + _TOLERANCE) \
            if k < self.n_reference else np.empty(0, dtype=int)
        if unsettled.size:
            near = self._tree.query_radius(embedded[unsettled], r=best[unsettled] + _TOLERANCE)
            for position, row in enumerate(unsettled):
                rows = tuple(part[row:row + 1] for part in encoded)
                best[row] = self._pair_distances(rows, near[position][None, :]).min()
        return best


