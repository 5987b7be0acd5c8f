"""Columns that go with none of the others: found at fit, shuffled across sampled rows.

A generator ties every column it writes to the same latent code, so a column that the
data holds independent of the rest (a branch code, a store's state with its tax rate)
comes out associated with other columns by chance. On the ``orders`` table of
benchmarks/bench_messy_tables.py a 50-level state code and the delivery year had a
Cramér's V of 0.00 in the training rows and 0.33 in generated ones; raking the pairs
(``skgan.adapters._pair_calibration``) only brought it to 0.21, as no weighting of the
generated rows can match every two-way table at once when the rows are that far off.

At fit, every pair of columns is tested for independence with Pearson's chi-square
test on their two-way table (:func:`scipy.stats.chi2_contingency`'s p-value, computed
here for speed: :func:`_pearson_p_value`; discrete columns by
their ``TEST_LEVELS - 1`` most frequent levels and one code for the rest, continuous
columns by ``QUANTILE_BINS`` quantile bins, a missing value being one more level).
Columns that a test at level ``ALPHA`` finds dependent, or that decoding links (a key
and the column it determines, a level rule, a key and the missing values it decides,
the parts of a split date), join one group. When sampling, every group but the largest
has its generated values permuted across the rows, the group's columns together: the
group keeps its own joint distribution (the generator's, level rates calibrated) and
loses the associations with other columns that the data does not have.

Tables of fewer than ``MIN_ROWS`` rows get no groups: on a few hundred rows the test
misses associations that a user would see, and shuffling would erase them.
"""

from itertools import combinations

import numpy as np
from scipy.special import chdtrc

from ._pair_variables import frequent_level_codes
from ._table_columns import ContinuousColumn, DiscreteColumn

#: Level of each pairwise test: a p-value below it links the two columns (a table of
#: 20 columns runs 19 tests per column: an independent one is linked by chance with
#: probability about 2 %).
ALPHA = 0.001
#: Expected rows per cell the test asks for (Cochran's rule): levels with fewer than
#: ``sqrt(MIN_EXPECTED * n_rows)`` rows are pooled, as chi-square p-values of sparse
#: tables are far too small (one row in a cell expecting 0.001 alone rejects).
MIN_EXPECTED = 5
#: Rows a table needs before any column counts as independent of the others.
MIN_ROWS = 1000
#: Rows the tests look at, at most (a random subset of larger tables).
MAX_TEST_ROWS = 100_000
#: Codes per discrete column in a test (the most frequent levels, the others as one).
TEST_LEVELS = 32
#: Quantile bins of a continuous column in a test.
QUANTILE_BINS = 8


def find_independent_groups(frame, encoders, links, random_state):
    """Groups of column positions independent of the rest of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        The training rows, in the columns of ``encoders``.
    encoders : list
        The fitted column encoders.
    links : iterable of tuple of int
        Positions of columns that belong together whatever the tests say.
    random_state : RandomState
        Draws the rows tested in tables of more than ``MAX_TEST_ROWS`` rows.

    Returns
    -------
    groups : list of tuple of int
        Every group of linked columns but the largest (the first largest, by position
        of its first column); groups of constant columns are left out. Empty for tables
        of fewer than ``MIN_ROWS`` rows.
    """
    n_rows, n_columns = frame.shape
    if n_rows < MIN_ROWS or n_columns < 2:
        return []
    rows = (np.sort(random_state.choice(n_rows, MAX_TEST_ROWS, replace=False))
            if n_rows > MAX_TEST_ROWS else slice(None))
    codes = [_pooled(_test_codes(frame.iloc[rows, position], encoder))
             for position, encoder in enumerate(encoders)]
    groups = _UnionFind(n_columns)
    for link in links:
        groups.join(*link)
    for first, second in combinations(range(n_columns), 2):
        if groups.root(first) != groups.root(second) and _rejected(codes[first],
                                                                   codes[second]):
            groups.join(first, second)
    members = groups.members()
    largest = max(members, key=len)
    return [tuple(group) for group in members
            if group is not largest and any(codes[position].max() > 0 for position in group)]


def decoding_links(dependencies, missing_dependencies, level_rules, split_dates,
                   missing_together=()):
    """Pairs (or triples) of column positions that decoding writes together."""
    links = [(link.key, link.dependent) for link in (*dependencies, *missing_dependencies)]
    links += [(rule.column, rule.other) for rule in level_rules]
    links += [tuple(parts) for parts in split_dates]
    links += [tuple(pair) for pair in missing_together]
    return links


def shuffle_groups(rows, groups, random_state):
    """Permute each group's columns of :class:`DecodedRows` ``rows`` across the rows,
    in place, one random order per group."""
    if not groups or not rows.encoders:
        return rows
    for group in groups:
        rows.permute(group, random_state.permutation(rows.n_rows))
    return rows


def _test_codes(column, encoder):
    """Small integer codes of a column for the tests (one code for a constant column)."""
    if isinstance(encoder, DiscreteColumn):
        return frequent_level_codes(encoder, column, TEST_LEVELS)
    if isinstance(encoder, ContinuousColumn):
        values, missing = encoder.numbers(column)
        observed = values[~missing]
        if not len(observed):
            return np.zeros(len(values), dtype=np.intp)
        edges = np.unique(np.quantile(observed, np.linspace(0, 1, QUANTILE_BINS + 1)[1:-1]))
        codes = np.searchsorted(edges, np.where(missing, observed[0], values))
        return np.where(missing, len(edges) + 1, codes)
    return np.zeros(len(column), dtype=np.intp)


def _dependent(first, second):
    """Whether the chi-square test of independence of two code arrays rejects (their
    rare levels pooled first)."""
    return _rejected(_pooled(first), _pooled(second))


def _rejected(first, second):
    """:func:`_dependent` of codes already pooled (``0 .. k - 1``, none too rare)."""
    n_first, n_second = first.max(initial=0) + 1, second.max(initial=0) + 1
    if n_first < 2 or n_second < 2:
        return False
    table = np.bincount(first * n_second + second,
                        minlength=n_first * n_second).reshape(n_first, n_second)
    return bool(_pearson_p_value(table) < ALPHA)


def _pearson_p_value(table):
    """The p-value of Pearson's chi-square test of independence on a two-way ``table``
    whose margins are all positive: :func:`scipy.stats.chi2_contingency`'s with
    ``correction=False``, to the last bit, at a twentieth of its cost (a table of 200
    discrete columns tests 19,900 pairs).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import chi2_contingency
    >>> table = np.array([[30, 10], [20, 40]])
    >>> bool(_pearson_p_value(table) == chi2_contingency(table, correction=False)[1])
    True
    """
    observed = table.astype(np.float64)
    expected = (observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True)
                / observed.sum())
    statistic = ((observed - expected) ** 2 / expected).sum()
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    return chdtrc(dof, statistic)  # what scipy.stats.chi2.sf computes


def _pooled(codes):
    """Codes ``0 .. k - 1`` in which every level holds at least ``sqrt(MIN_EXPECTED *
    n_rows)`` rows, so that every cell of a test's table expects ``MIN_EXPECTED`` rows:
    rarer levels share one code, which joins the most frequent level if it is still
    too rare."""
    levels, codes = np.unique(codes, return_inverse=True)
    codes = codes.ravel()
    counts = np.bincount(codes, minlength=len(levels))
    enough = np.sqrt(MIN_EXPECTED * len(codes))
    rare = counts < enough
    if not rare.any():
        return codes
    new_codes = np.zeros(len(levels), dtype=np.intp)
    new_codes[~rare] = np.arange(np.count_nonzero(~rare))
    if counts[rare].sum() >= enough or rare.all():
        new_codes[rare] = np.count_nonzero(~rare)
    else:
        new_codes[rare] = new_codes[np.argmax(counts)]
    return new_codes[codes]


class _UnionFind:
    """Disjoint sets of ``0 .. n - 1``."""

    def __init__(self, n):
        self.parent = list(range(n))

    def root(self, item):
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, *items):
        roots = [self.root(item) for item in items]
        for other in roots[1:]:
            self.parent[other] = roots[0]

    def members(self):
        """The sets, each sorted, in order of their first member."""
        sets = {}
        for item in range(len(self.parent)):
            sets.setdefault(self.root(item), []).append(item)
        return list(sets.values())
