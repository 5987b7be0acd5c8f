"""Keeping the generated rows whose pairs of discrete values occur as in training.

A GAN learns each discrete column's levels well (level calibration fixes their rates),
but how two columns go together (a status with a delivery year, a district with a
contract) comes out weaker or stronger than in the data. Survey statisticians fix a
sample's tables by raking (iterative proportional fitting, Deming and Stephan 1940):
weights for the rows such that weighted two-way tables match known ones. The sampler
generates a few times more rows than it was asked for, rakes them to the training
table's two-way tables of every pair of discrete columns, and keeps as many rows as it
was asked for, each with probability proportional to its weight (systematic sampling,
so no row comes twice: :mod:`skgan.adapters._weighted_rows`). The rows themselves are the generator's: only which of them are
kept changes, so every value a row holds was generated with the others.

Pairs that join a column that sampling shuffles as independent of the rest
(``skgan.adapters._independent_columns``) with a column outside its group are not
raked: the shuffle makes them independent, and their tables would only spend the
weights on noise (on the tables of benchmarks/bench_messy_tables.py, raking fewer
pairs brought the largest Cramér's V gap from 0.125 to 0.111 and 0.074 to 0.064).

Weights are capped at the oversampling factor times their mean so that every kept row
can be drawn with probability at most one; a combination the training table never
holds gets weight (almost) zero. How many candidates a kept row needs depends on how
far the generator's pairs are from the training tables, so the factor is chosen once
per fit (:meth:`PairTables.choose_oversampling`, from candidates the fitted generator
draws with fixed seeds): the smallest of ``OVERSAMPLING_CHOICES`` whose raked
candidates hold every pair's Cramér's V within ``V_GAP_TARGET`` of the training
table's and every level's share within ``SHARE_GAP_TARGET`` (beyond chance) of its
training share. On the tables of benchmarks/bench_messy_tables.py, 4, 8 and 16
candidates per kept row left a largest V gap of 0.135, 0.084 and 0.044 (orders) and 0.075 and 0.033
(subscriptions) in this check, and 0.111, 0.073 and 0.033 and 0.065, 0.025 and 0.032 in
14,000 sampled rows of the same models: the check follows the outcome. A generator
that learned the pairs well samples at 2 candidates per row, or at 1 (its rows as they
come, not raked) when its own pairs already hold (benchmarks/bench_pair_factor.py:
on bench_tabular's default and wage tables, sampling 1.5-5.0x faster than at 4, with
quality 0.853 against 0.857 and 0.907 against 0.894, means of three seeds).

Levels beyond a column's ``MAX_LEVELS - 1`` most frequent share one code (the
variables and their codes: :mod:`skgan.adapters._pair_variables`), and at most
``MAX_PAIRS`` pairs (the most associated in training) are raked, so the cost stays
bounded on wide tables and keys with thousands of levels.

No library here rakes weighted rows to many two-way tables at once (``ipfn`` fits one
array to its margins and is not a dependency), so :mod:`skgan.adapters._raking` does
it with ``numpy.bincount``.
"""

from itertools import combinations

import numpy as np
from sklearn.utils import check_random_state

from ._distinct_rows import distinct_rows
from ._pair_variables import pair_codes, pair_width, paired_columns, target_layout
from ._raking import rake
from ._target_selection import choose_target_pairs

#: Pairs raked at most (the most associated ones in training when there are more).
MAX_PAIRS = 300
#: Generated rows per kept row of tables that were never checked (and of every table
#: before the factor was chosen per fit), and generated rows at least (however few are
#: asked for) when a factor above 1 rakes them.
OVERSAMPLING = 4
MIN_CANDIDATES = 4096
#: Factors :meth:`PairTables.choose_oversampling` tries, in order (1: the generated rows
#: as they come, not raked), and the largest gap between a pair's Cramér's V in the
#: raked candidates and in training it accepts.
OVERSAMPLING_CHOICES = (1, 2, 4, 8, 16)
V_GAP_TARGET = 0.04
#: Largest gap between a level's share in the raked candidates and in training, beyond
#: three standard errors of a share over as many rows as the check keeps, that a factor
#: accepts (raking capped at a small factor, or none at 1, can leave a rate far off
#: while every pair's association holds).
SHARE_GAP_TARGET = 0.01
#: Rows kept in that check at most (it generates ``max(OVERSAMPLING_CHOICES)`` times
#: more), and training rows below which it is not made (the factor stays the least:
#: tables of a few hundred rows are too noisy to judge, and sample fast anyway).
CHECK_ROWS = 4096
MIN_CHECK_ROWS = 1000
#: Pseudo-rows per cell, spread as the two columns would be if independent: a pair of
#: levels the training rows never hold together still gets a small share.
SMOOTHING = 0.5


class PairTables:
    """The training table's two-way tables of discrete codes, and raking to them.

    Parameters
    ----------
    codes : ndarray of shape (n_rows, n_columns)
        Integer codes (``0 .. n_levels - 1``) of the training rows, one column per
        discrete variable.
    n_levels : sequence of int
        Codes each column can take.
    groups : sequence or None, default=None
        A label per column: only pairs of columns with the same label are raked (the
        columns that sampling shuffles as independent of the rest go with nothing
        outside their group by construction). None rakes every pair. A column in no
        raked pair has its own levels' shares raked.
    noise_multiplier : float or None, default=None
        Measure the tables with differential privacy: Gaussian noise of standard
        deviation ``noise_multiplier * sqrt(P)`` is added to every cell of all ``P``
        tables (one row moves one cell of each table by one: an L2 sensitivity of
        ``sqrt(P)``) before the strongest pairs are chosen and the tables smoothed;
        cells below zero become zero. None: the exact tables.
    random_state : numpy.random.Generator, RandomState, int or None, default=None
        Draws that noise (a private fit passes a generator seeded by the operating
        system).
    anchor, max_cells : int or None, default=None
        Measure only the tables of the variable at position ``anchor`` with each other
        variable, of at most ``max_cells`` cells (a private fit's ``dp_target``).
    binned : sequence of int, default=()
        Variables that are continuous columns in bins (their shares are the noisy
        tables' margins).
    chosen : tuple or None, default=None
        ``(n_chosen, round_epsilon)``: with ``noise_multiplier`` and ``anchor``, measure
        only ``n_chosen`` of the anchor's tables, chosen by the exponential mechanism
        (:func:`~skgan.adapters._target_selection.choose_target_pairs`); its epsilon is
        kept in ``selection_epsilon``.

    Attributes
    ----------
    oversampling : int
        Generated rows per kept row (see :meth:`choose_oversampling`).
    v_gaps : dict
        Per factor tried, the largest Cramér's V gap it left (empty when unchecked).
    share_gaps : dict
        Per factor tried, the largest gap between a level's share in the raked
        candidates and in training, beyond three standard errors (empty when unchecked).
    left_out : list of int
        Positions of the table's columns left out of the variables (set by
        :func:`fit_pair_tables`: columns whose values are missing exactly where other
        columns' are).
    start_factors : list of ndarray or None
        Per raked table (the pairs', then the single columns'), the factor by which
        raking the check's candidates at the chosen :attr:`oversampling` moved each
        cell's rows in all: raking a block of sampled candidates starts from them, as
        their rows are drawn as the check's were, and needs fewer sweeps. None when
        no check chose the factor (raking starts from equal weights).
    """

    #: Tables pickled before the factor was chosen per fit used this one.
    oversampling = OVERSAMPLING
    #: Whether :meth:`weights` rakes distinct rows once (every table built now); the
    #: same weights up to float rounding, so tables built before keep raking every row.
    rakes_patterns = False
    v_gaps = {}
    share_gaps = {}
    n_rows = 0
    start_factors = None  # tables built before the check kept them: raked from scratch
    noise_multiplier = None  # tables built before private ones existed: exact
    #: The epsilon of the exponential mechanism that chose the measured table among a
    #: target's (``chosen``); None when every candidate table was measured.
    selection_epsilon = None
    #: Column positions not raked (see :func:`fit_pair_tables`); none in tables built
    #: before columns were left out.
    left_out = ()
    #: Column position -> inner bin edges of the continuous columns that are variables
    #: (tables measured around a target: see :func:`fit_pair_tables`).
    bin_edges = {}

    def __init__(self, codes, n_levels, groups=None, noise_multiplier=None,
                 random_state=None, anchor=None, max_cells=None, binned=(), chosen=None):
        codes = np.asarray(codes, dtype=np.intp)
        self.rakes_patterns = True
        self.noise_multiplier = noise_multiplier
        self.n_levels = [int(n) for n in n_levels]
        self.n_rows = n_rows = len(codes)
        groups = [0] * len(self.n_levels) if groups is None else list(groups)
        tables = {pair: _pair_counts(codes, *pair, self.n_levels, np.ones(n_rows))
                  for pair in measured_pairs(self.n_levels, groups, anchor, max_cells)}
        if noise_multiplier is not None:
            if not isinstance(random_state, np.random.Generator):
                random_state = check_random_state(random_state)
            if chosen is not None:  # (n_chosen, round_epsilon): only the chosen measured
                n_chosen, round_epsilon = chosen
                kept = choose_target_pairs(
                    tables, anchor, self.n_levels, n_chosen, round_epsilon,
                    noise_multiplier * np.sqrt(n_chosen), random_state)
                tables = {pair: tables[pair] for pair in kept}
                self.selection_epsilon = float(round_epsilon)
            deviation = noise_multiplier * np.sqrt(len(tables))
            tables = {pair: _noisy(counts, deviation, random_state)
                      for pair, counts in tables.items()}
        if len(tables) > MAX_PAIRS:
            strongest = sorted(tables, key=lambda pair: -_cramers_v(tables[pair]))
            tables = {pair: tables[pair] for pair in sorted(strongest[:MAX_PAIRS])}
        self.pairs = list(tables)
        self.shares = [_smoothed_shares(tables[pair]).ravel() for pair in self.pairs]
        # A column in no raked pair (alone in its group) still gets its levels' shares
        # (a discrete column's are the adapter's own statistics); a binned continuous
        # column's exact shares are not, so one in no measured table is not raked.
        paired = {column for pair in self.pairs for column in pair}
        self.singles = [column for column in range(codes.shape[1])
                        if column not in paired and self.n_levels[column] > 1
                        and column not in binned]
        self.level_shares = [np.bincount(codes[:, column], minlength=levels) / n_rows
                             for column, levels in enumerate(self.n_levels)]
        for column in binned:  # their shares as the noisy tables hold them (none: unchecked)
            margins = [tables[pair].sum(axis=1 if pair[0] == column else 0)
                       for pair in self.pairs if column in pair]
            total = np.sum(margins, axis=0) if margins else None
            self.level_shares[column] = None if total is None else total / total.sum()
        self.single_shares = [self.level_shares[column] for column in self.singles]

    def check_rows(self):
        """Rows :meth:`choose_oversampling` keeps from the candidates it is given: the
        training rows up to ``CHECK_ROWS``; 0 (no check) below ``MIN_CHECK_ROWS``."""
        return 0 if self.n_rows < MIN_CHECK_ROWS else min(self.n_rows, CHECK_ROWS)

    def choose_oversampling(self, codes, n_rows):
        """Set :attr:`oversampling` from the codes of ``max(OVERSAMPLING_CHOICES) *
        n_rows`` generated candidates: the first factor ``f`` whose first ``f * n_rows``
        candidates, raked (as they come at 1), hold every pair's Cramér's V within
        ``V_GAP_TARGET`` of the training table's and every level's share within
        ``SHARE_GAP_TARGET`` beyond chance (the last factor when none does). Returns the
        factor."""
        codes = np.asarray(codes, dtype=np.intp)
        training_v = self._training_v()
        self.v_gaps, self.share_gaps = {}, {}
        # Every factor is judged from equal weights: not from the factors an earlier
        # fit's check found (continued training checks again), at another cap.
        self.start_factors = start_factors = None
        for factor in OVERSAMPLING_CHOICES:
            candidates = codes[:factor * n_rows]
            start_factors = [] if factor > 1 else None
            weights = np.ones(len(candidates)) if factor == 1 else \
                self.weights(candidates, factor, factors=start_factors)
            self.v_gaps[factor] = self.largest_v_gap(candidates, weights, training_v)
            self.share_gaps[factor] = self.largest_share_gap(candidates, weights, n_rows)
            self.oversampling = factor
            if self.v_gaps[factor] <= V_GAP_TARGET and \
                    self.share_gaps[factor] <= SHARE_GAP_TARGET:
                break
        self.start_factors = start_factors
        return self.oversampling

    def largest_share_gap(self, codes, weights, n_kept):
        """The largest difference between a level's share in rows with ``codes`` and
        ``weights`` and in the training rows, less three standard errors of that share
        in ``n_kept`` rows (0.0 when every gap is within them, and for tables pickled
        before the training shares were kept)."""
        gaps = [0.0]
        level_shares = getattr(self, "level_shares", [])
        for column, (levels, shares) in enumerate(zip(self.n_levels, level_shares)):
            if shares is None:  # a binned column no measured table holds
                continue
            weighted = np.bincount(codes[:, column], weights=weights, minlength=levels)
            noise = 3 * np.sqrt(shares * (1 - shares) / n_kept)
            gaps.append(float((np.abs(weighted / weighted.sum() - shares) - noise).max()))
        return max(gaps)

    def largest_v_gap(self, codes, weights, training_v):
        """The largest difference between a raked pair's Cramér's V in rows with
        ``codes`` and ``weights`` and in the training table, whose V per pair is
        ``training_v`` (:meth:`_training_v`); 0.0 with no pairs."""
        gaps = [abs(_cramers_v(_pair_counts(codes, first, second, self.n_levels, weights))
                    - v) for (first, second), v in zip(self.pairs, training_v)]
        return max(gaps, default=0.0)

    def _training_v(self):
        return [_cramers_v(shares.reshape(self.n_levels[first], self.n_levels[second]))
                for (first, second), shares in zip(self.pairs, self.shares)]

    def weights(self, codes, max_weight=OVERSAMPLING, factors=None):
        """Raking weights (mean one, capped at ``max_weight`` before the last scaling
        to mean one, so a few may end a few per cent above it) of rows with ``codes``.

        A row's weight depends on its codes only, so rows with the same codes are
        raked once, as one pattern counted as often as it occurs, when patterns are
        at most half the rows (on a table of a few discrete columns, a tenth of them);
        tables pickled before patterns were raked rake every row, as they did.
        Raking starts from :attr:`start_factors` when the fit kept them. ``factors``:
        a list that receives each table's factor in all (from that start), as
        :attr:`start_factors` holds them.
        """
        codes = np.asarray(codes, dtype=np.intp)
        if self.rakes_patterns and len(codes):
            patterns, pattern_of_row, counts = distinct_rows(codes, self.n_levels)
            if len(patterns) <= len(codes) // 2:
                return self._raked(patterns, counts.astype(np.float64),
                                   max_weight, factors)[pattern_of_row]
        return self._raked(codes, None, max_weight, factors)

    def _raked(self, codes, counts, max_weight, factors=None):
        """Raking weights of rows with ``codes``, each standing for ``counts`` rows
        (None: one each); ``factors``: as for :meth:`weights`. The rows are raked as
        masses, a weight times the rows it stands for (``skgan.adapters._raking``), from
        :attr:`start_factors` when the fit kept them."""
        if not len(codes):
            return np.ones(len(codes))
        n_rows = len(codes) if counts is None else counts.sum()
        columns = np.ascontiguousarray(codes.T)  # each column's codes side by side
        cells = [columns[first] * self.n_levels[second] + columns[second]
                 for first, second in self.pairs]
        singles = getattr(self, "singles", [])  # none in tables pickled before them
        cells += [columns[column] for column in singles]
        targets = self.shares + getattr(self, "single_shares", [])
        mass = np.ones(len(codes)) if counts is None else counts.copy()
        cap = max_weight if counts is None else max_weight * counts
        start = self.start_factors
        if start is not None and len(start) != len(targets):
            start = None
        mass = rake(cells, targets, mass, cap, n_rows, start, factors)
        weights = mass if counts is None else mass / counts
        return weights * (n_rows / mass.sum())


def measured_pairs(n_levels, groups, anchor=None, max_cells=None):
    """The pairs of variables whose tables are measured: both in the same group, each
    with more than one level; with an ``anchor`` (a variable's position), only its pairs
    of at most ``max_cells`` cells (read from the levels alone, not from the rows)."""
    return [(first, second) for first, second in combinations(range(len(n_levels)), 2)
            if groups[first] == groups[second]
            and n_levels[first] > 1 and n_levels[second] > 1
            and (anchor is None or anchor in (first, second)
                 and n_levels[first] * n_levels[second] <= max_cells)]


def fit_pair_tables(frame, encoders, independent_groups=(), noise_multiplier=None,
                    random_state=None, left_out=(), target=None, chosen=None):
    """The training rows' :class:`PairTables` over :func:`pair_codes` (None with fewer
    than two variables to pair), pairs across ``independent_groups`` (tuples of column
    positions; the other columns form one more group) left out, and the columns at
    the positions ``left_out`` not raked at all; with ``noise_multiplier``, measured
    with differential privacy (see :class:`PairTables`). With ``target`` (a column
    position), only the tables of that column with each other variable are measured,
    continuous columns being variables too, in bins (:func:`target_layout`); None when
    the target is not a variable; ``chosen`` (``(n_chosen, round_epsilon)``, private
    tables around a target only) measures only that many of them, chosen by the
    exponential mechanism (:func:`~skgan.adapters._target_selection.choose_target_pairs`)."""
    left_out = sorted(int(position) for position in left_out)
    layout = target_layout(encoders, left_out, target, len(frame))
    bin_edges = {} if layout is None else layout[0]
    codes, n_levels = pair_codes({index: frame.iloc[:, index]
                                  for index in range(frame.shape[1])}, encoders, left_out,
                                 bin_edges)
    groups = _pair_groups(encoders, independent_groups, left_out, bin_edges)
    if len(n_levels) < 2 or (target is not None and layout is None):
        return None
    variables = paired_columns(encoders, left_out, bin_edges)
    anchor, max_cells = (None, None) if layout is None else layout[1:]
    tables = PairTables(codes, n_levels, groups, noise_multiplier, random_state,
                        anchor=anchor, max_cells=max_cells,
                        binned=[variable for variable, index in enumerate(variables)
                                if index in bin_edges],
                        chosen=chosen if anchor is not None else None)
    tables.left_out = left_out
    if bin_edges:
        tables.bin_edges = bin_edges
    return tables


def count_measured_pairs(encoders, independent_groups=(), left_out=(), target=None,
                         n_rows=0):
    """How many tables :func:`fit_pair_tables` measures with these fitted encoders (the
    ``P`` of a private measurement's sensitivity), from their levels (and, around a
    ``target``, the number of training rows ``n_rows``) alone."""
    layout = target_layout(encoders, left_out, target, n_rows)
    if target is not None and layout is None:
        return 0
    bin_edges = {} if layout is None else layout[0]
    n_levels = [pair_width(encoders[index], bin_edges.get(index))
                for index in paired_columns(encoders, left_out, bin_edges)]
    if len(n_levels) < 2:
        return 0
    anchor, max_cells = (None, None) if layout is None else layout[1:]
    return len(measured_pairs(
        n_levels, _pair_groups(encoders, independent_groups, left_out, bin_edges),
        anchor, max_cells))


def _pair_groups(encoders, independent_groups, left_out=(), bin_edges=None):
    group_of = {position: label for label, group in enumerate(independent_groups, start=1)
                for position in group}
    return [group_of.get(position, 0)
            for position in paired_columns(encoders, left_out, bin_edges)]


def _noisy(counts, deviation, random_state):
    """``counts`` plus Gaussian noise, below zero set to zero (all of them to one when
    nothing is left: a table of no rows has no shares)."""
    noisy = np.maximum(counts + random_state.normal(0.0, deviation, counts.shape), 0.0)
    return noisy if noisy.sum() > 0 else np.ones_like(noisy)


def _pair_counts(codes, first, second, n_levels, weights):
    cell = codes[:, first] * n_levels[second] + codes[:, second]
    counts = np.bincount(cell, weights=weights, minlength=n_levels[first] * n_levels[second])
    return counts.reshape(n_levels[first], n_levels[second])


def _smoothed_shares(counts):
    independent = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / counts.sum() ** 2
    pseudo_rows = SMOOTHING * counts.size
    return (counts + pseudo_rows * independent) / (counts.sum() + pseudo_rows)


def _cramers_v(counts):
    """Cramér's V of a two-way table of counts, weighted counts or shares (no bias
    correction; the same for any scale of the table)."""
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if min(counts.shape) < 2:
        return 0.0
    total = counts.sum()
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / total
    chi2 = ((counts - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / total / (min(counts.shape) - 1)))
