"""Encoders for single table columns: continuous values, categories and missingness.

Each encoder turns one column into scalars (values the generator produces through a
``tanh`` or linear unit) and discrete codes (one-hot blocks the generator produces through
a softmax), and back. They work on whole columns at once, never row by row.
"""

import numbers

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer

from ._mixture1d import VariationalMixture1D
from ._quantile_maps import inverse_normal_quantiles

#: Columns of more levels than this (a state, a neighbourhood, a product, an id) pool
#: their levels held by fewer than ``min_frequency`` training rows; in columns of fewer
#: levels each level is a category users ask for (a target's class), kept whatever its
#: count (docs/privacy.md, "Rare levels").
MANY_LEVELS = 20

# A mode-normalised value is (x - mode mean) / (_MODE_SPAN * mode std), kept in (-1, 1).
_MODE_SPAN = 4.0
_ALPHA_LIMIT = 0.99


class ModeNormalizer:
    """Mode-specific normalisation of one continuous column.

    A variational (Dirichlet-process) Gaussian mixture
    (:class:`~skgan.adapters._mixture1d.VariationalMixture1D`) is fitted to a subsample
    of the standardised values; a value is encoded as the one-hot of a mode and its offset
    within that mode, ``(z - mean_k) / (4 std_k)`` in (-1, 1), which the generator
    produces through a ``tanh``. The mode is the value's most likely one, or, with
    ``sample_modes=True``, one drawn from its posterior probabilities under the mixture
    (Xu et al., 2019) with a seed fixed at fit, so encoding the same rows in the same
    order gives the same modes (row ``i`` of every call uses the same draw): where
    modes overlap, each one's offsets then follow a smooth bell instead of a piece cut
    at the boundary with its neighbour. Modes whose weight falls under
    ``weight_threshold`` are dropped.

    Point masses (a single value held by at least ``spike_share`` of the rows and by
    ten times as many rows as an average distinct value, such as the zeros of a balance
    or an income column) get a mode each, after the mixture's: the mixture is fitted to
    the other values, and a spike's mode decodes to exactly its value (as a float64:
    integers beyond 2**53 and sub-microsecond timestamps round as every value does).

    Parameters
    ----------
    max_modes : int
        Components of the mixture before pruning.
    max_fit_rows : int
        The mixture is fitted on at most this many rows (drawn with ``random_state``).
    weight_threshold : float
        Smallest weight of a kept mode.
    spike_share : float
        Smallest share of the rows a point mass holds.
    sample_modes : bool
        Draw each value's mode from its posterior probabilities instead of taking the
        most likely one.
    """

    n_scalars = 1
    scalar_activation = "tanh"
    spikes_ = np.empty(0)  # normalisers pickled before point masses had none
    encode_seed_ = None  # None: the most likely mode

    def __init__(self, max_modes=10, max_fit_rows=5000, weight_threshold=0.005,
                 spike_share=0.02, sample_modes=False):
        self.max_modes = max_modes
        self.max_fit_rows = max_fit_rows
        self.weight_threshold = weight_threshold
        self.spike_share = spike_share
        self.sample_modes = sample_modes

    def fit(self, values, random_state):
        self.center_ = float(values.mean())
        self.scale_ = float(values.std()) or 1.0
        self.spikes_ = _point_masses(values, self.spike_share)
        seed = int(random_state.randint(2**31 - 1))
        self.encode_seed_ = seed if self.sample_modes else None
        smooth = values[_spike_index(self.spikes_, values) < 0]
        standard = (smooth - self.center_) / self.scale_
        if len(standard) > self.max_fit_rows:
            standard = random_state.choice(standard, self.max_fit_rows, replace=False)
        mixture = VariationalMixture1D(self.max_modes, weight_concentration=1e-3).fit(standard)
        keep = mixture.weights_ > self.weight_threshold
        if not keep.any():
            keep = mixture.weights_ == mixture.weights_.max()
        self.means_ = mixture.means_[keep]
        self.stds_ = np.sqrt(mixture.variances_[keep])
        weights = mixture.weights_[keep]
        self.log_weights_ = np.log(weights / weights.sum())
        self.block_widths = [len(self.means_) + len(self.spikes_)]
        return self

    def scalar_quantile_targets(self, scores):
        """The raw (pre-``tanh``) offset at each normal score: a mode's offset is
        ``N(0, 1) / 4`` by construction (kept within ``±0.99``)."""
        return np.arctanh(np.clip(np.asarray(scores) / _MODE_SPAN,
                                  -_ALPHA_LIMIT, _ALPHA_LIMIT))[None, :]

    def encode(self, values):
        standard = (values - self.center_) / self.scale_
        log_density = (
            self.log_weights_
            - np.log(self.stds_)
            - 0.5 * ((standard[:, None] - self.means_) / self.stds_) ** 2
        )
        mode = self._draw_modes(log_density)
        alpha = (standard - self.means_[mode]) / (_MODE_SPAN * self.stds_[mode])
        alpha = np.clip(alpha, -_ALPHA_LIMIT, _ALPHA_LIMIT)
        spike = _spike_index(self.spikes_, values)
        on_spike = spike >= 0
        if on_spike.any():
            mode = np.where(on_spike, len(self.means_) + spike, mode)
            alpha[on_spike] = 0.0
        return alpha[:, None], [mode]

    def _draw_modes(self, log_density):
        """A mode per row: the most likely, or drawn from the posterior (repeatably)."""
        if self.encode_seed_ is None:
            return log_density.argmax(axis=1)
        posterior = np.exp(log_density - log_density.max(axis=1, keepdims=True))
        cumulative = np.cumsum(posterior, axis=1)
        uniform = np.random.RandomState(self.encode_seed_).random_sample(len(log_density))
        drawn = (cumulative < uniform[:, None] * cumulative[:, -1:]).sum(axis=1)
        return np.minimum(drawn, log_density.shape[1] - 1)

    def decode(self, scalars, codes):
        mode = codes[0]
        n_smooth = len(self.means_)
        smooth_mode = np.minimum(mode, n_smooth - 1)
        alpha = np.clip(scalars[:, 0], -1.0, 1.0)
        standard = alpha * _MODE_SPAN * self.stds_[smooth_mode] + self.means_[smooth_mode]
        values = standard * self.scale_ + self.center_
        on_spike = mode >= n_smooth
        if on_spike.any():
            values[on_spike] = self.spikes_[mode[on_spike] - n_smooth]
        return values


#: ``continuous="auto"``: neighbouring modes of a column's mixture, each of at least
#: ``SEPARATED_MODE_WEIGHT`` of the values, between which the mixture's density falls
#: under ``SEPARATION_DIP`` of the lower of their two peaks, make the column clustered.
SEPARATED_MODE_WEIGHT = 0.05
SEPARATION_DIP = 0.5


def has_separated_modes(normalizer):
    """Whether a fitted :class:`ModeNormalizer`'s mixture has clusters with a gap between.

    Such a column (the coordinates of points around a ring, prices of two product
    lines) keeps its gaps better as the one-hot of its mode, which the generator can
    switch at once, than on the quantile scale, where a generator's continuous map
    lays rows between the clusters. Point masses are not modes here (both encodings
    give them a unit of their own).
    """
    weights = np.exp(normalizer.log_weights_)
    heavy = np.sort(normalizer.means_[weights >= SEPARATED_MODE_WEIGHT])
    if len(heavy) < 2:
        return False

    def density(points):
        standard = (points[:, None] - normalizer.means_) / normalizer.stds_
        return (weights * np.exp(-0.5 * standard**2) / normalizer.stds_).sum(axis=1)

    peaks = density(heavy)
    between = np.linspace(0.0, 1.0, 65)[1:-1]
    for left, right, peak in zip(heavy[:-1], heavy[1:], np.minimum(peaks[:-1], peaks[1:])):
        if density(left + between * (right - left)).min() < SEPARATION_DIP * peak:
            return True
    return False


def _point_masses(values, min_share):
    """Sorted values held by at least ``min_share`` of the rows and by ten times the
    average count of a distinct value (so a column needs at least ten distinct values
    to have one, and at least nine other values always remain for the mixture)."""
    distinct, counts = np.unique(values, return_counts=True)
    share = counts / len(values)
    return distinct[(share >= min_share) & (share >= 10.0 / len(distinct))]


def _spike_index(spikes, values):
    """Position of each value among the sorted ``spikes``; -1 for other values."""
    if not len(spikes):
        return np.full(len(values), -1, dtype=np.intp)
    position = np.minimum(np.searchsorted(spikes, values), len(spikes) - 1)
    return np.where(spikes[position] == values, position, -1)


class QuantileNormalizer:
    """Map one continuous column through its quantiles onto a standard normal.

    Point masses (found as :class:`ModeNormalizer` finds them, such as the zeros of a
    balance) get a one-hot block of their own: unit 0 for the other values, one unit
    per point mass, which decodes to exactly its value. The quantiles are taken from the
    other values. Without the block a point mass is a single point of the normal scale,
    which the generator spreads over its neighbours (30 % of zeros came back as 39 %).

    The values of a column spanning less than ``SMALL_SPAN`` (wavelengths in metres,
    concentrations in mol/L) are multiplied by the power of two, ``value_scale_``, that
    brings their span to between 1 and 2 before their quantiles are taken:
    scikit-learn's QuantileTransformer sends values within an absolute 1e-7 of its
    bounds to the extremes (two thirds of a column of wavelengths from 4e-7 to 7e-7 m).
    Multiplying by a power of two is exact; other columns are not scaled.
    """

    n_scalars = 1
    scalar_activation = "identity"
    block_widths = []
    spikes_ = np.empty(0)  # normalisers written before point masses had none
    spike_share = 0.02  # likewise
    value_scale_ = 1.0  # likewise, before small spans were scaled

    def __init__(self, n_quantiles=1000, max_fit_rows=100_000, spike_share=0.02):
        self.n_quantiles = n_quantiles
        self.max_fit_rows = max_fit_rows
        self.spike_share = spike_share

    def fit(self, values, random_state):
        self.spikes_ = _point_masses(values, self.spike_share)
        smooth = values[_spike_index(self.spikes_, values) < 0]
        self.value_scale_ = _power_of_two_scale(smooth)
        # At most half as many quantiles as rows: each quantile then falls between two
        # training values (save the extremes), so a model file keeps no column's values.
        self.transformer_ = QuantileTransformer(
            n_quantiles=max(2, min(self.n_quantiles, len(smooth) // 2, self.max_fit_rows)),
            output_distribution="normal",
            subsample=self.max_fit_rows,
            random_state=random_state.randint(2**31 - 1),
        ).fit((smooth * self.value_scale_).reshape(-1, 1))
        self.block_widths = [1 + len(self.spikes_)] if len(self.spikes_) else []
        return self

    def scalar_quantile_targets(self, scores):
        """The encoded value at each normal score: the normal scores themselves."""
        return np.asarray(scores, dtype=np.float64)[None, :]

    def encode(self, values):
        scalars = self.transformer_.transform((values * self.value_scale_).reshape(-1, 1))
        if not len(self.spikes_):
            return scalars, []
        spike = _spike_index(self.spikes_, values)
        scalars[spike >= 0] = 0.0  # the median: a point mass's rows carry no value
        return scalars, [spike + 1]

    def decode(self, scalars, codes):
        if not len(scalars):
            return scalars[:, 0]
        values = inverse_normal_quantiles(self.transformer_, scalars[:, 0]) / self.value_scale_
        if len(self.spikes_):
            on_spike = codes[0] > 0
            values[on_spike] = self.spikes_[codes[0][on_spike] - 1]
        return values


#: Columns spanning less than this are scaled by a power of two before their quantiles
#: are taken (see :class:`QuantileNormalizer`).
SMALL_SPAN = 1e-3


def _power_of_two_scale(values):
    """1.0, or for values spanning less than ``SMALL_SPAN`` (and more than nothing) the
    power of two that brings their span to between 1 and 2."""
    span = float(np.ptp(values)) if len(values) else 0.0
    if not 0.0 < span < SMALL_SPAN:
        return 1.0
    return float(np.ldexp(1.0, 1 - np.frexp(span)[1]))


class CategoryCoder:
    """Codes for the levels of one discrete column, missing values being one more level.

    The ``max_categories - 1`` most frequent levels get a code each; rarer levels share
    one last code and are drawn by their training frequencies when decoded, so the
    one-hot width (and the memory of the encoded table) stays bounded while every level
    seen in training can still come out, and no other value can. In a column of more
    than ``MANY_LEVELS`` levels, the levels held by fewer than ``min_frequency`` rows (a
    count, or a share of the rows when a float below 1) share that code too, where at
    least two are that rare: the generator cannot learn which other values go with a
    level it saw a few times, only copy them.
    """

    n_scalars = 0
    scalar_activation = None
    min_frequency = None  # coders pickled before it existed pooled by max_categories alone

    def __init__(self, max_categories=1000, min_frequency=None):
        self.max_categories = max_categories
        self.min_frequency = min_frequency

    def fit(self, column):
        counts = column.value_counts(dropna=False, sort=True)
        counts = counts[counts > 0]  # unused categories of a categorical dtype
        levels = counts.index.to_numpy(dtype=object, copy=True)
        frequencies = counts.to_numpy(dtype=np.float64)
        missing = column.isna().to_numpy()
        if missing.any():  # decode to the column's own missing marker (None, NaN, NA)
            levels, frequencies = _one_missing_level(levels, frequencies,
                                                     column[missing].iloc[0])
        n_kept = kept_level_count(frequencies, self.max_categories, self.min_frequency)
        pooled_for_rarity = n_kept < kept_level_count(frequencies, self.max_categories)
        if pooled_for_rarity and missing.any() and not pd.isna(levels[:n_kept]).any():
            # a missing level pooled for its rarity would no longer be missing together
            # with other columns: it keeps a unit of its own, last of the kept levels
            at = np.flatnonzero(pd.isna(levels))[0]
            order = np.r_[np.arange(n_kept), at,
                          np.setdiff1d(np.arange(n_kept, len(levels)), at)]
            levels, frequencies, n_kept = levels[order], frequencies[order], n_kept + 1
        if n_kept < len(levels):
            self.rare_levels_ = levels[n_kept:]
            rare = frequencies[n_kept:]
            self.rare_probabilities_ = rare / rare.sum()
            levels = levels[:n_kept]
            frequencies = np.append(frequencies[:n_kept], rare.sum())
        else:
            self.rare_levels_ = np.empty(0, dtype=object)
        self.levels_ = levels
        self.counts_ = frequencies
        self._index = pd.Index(levels, dtype=object, tupleize_cols=False)
        self._rare_index = pd.Index(self.rare_levels_, dtype=object, tupleize_cols=False)
        self.block_widths = [len(frequencies)]
        return self

    def codes_of(self, values):
        """Codes of ``values``; ``-1`` for a value never seen in training."""
        values = _object_array(values)
        codes = self._index.get_indexer(
            pd.Index(values, dtype=object, tupleize_cols=False)
        )
        # Any missing marker (None, NaN, NaT, pd.NA) is the column's missing level
        # (without one, the lookup already gave them -1).
        missing_code = self._missing_code()
        if missing_code >= 0:
            codes[pd.isna(values)] = missing_code
        if len(self.rare_levels_):  # any missing marker finds a rare missing level
            rare = (codes < 0) & (positions_in(self._rare_index, values) >= 0)
            codes[rare] = len(self.levels_)
        return codes

    def encode(self, column):
        return None, [self.codes_of(column)]

    def rare_codes_of(self, values):
        """Positions of ``values`` among the rare levels (-1 for other values)."""
        return positions_in(self._rare_index, values)

    def _missing_code(self):
        missing = np.flatnonzero(pd.isna(self.levels_))
        return int(missing[0]) if len(missing) else -1

    def decode(self, codes, random_state):
        return self.all_levels()[self.decode_levels(codes, random_state)]

    def decode_levels(self, codes, random_state):
        """Positions in :meth:`all_levels` of the values ``codes`` decode to: the code
        itself for a frequent level, a rare level drawn by its training frequency for
        the shared last code."""
        levels = np.array(codes[0], dtype=np.intp)
        rare = levels >= len(self.levels_)
        n_rare = int(rare.sum())
        if n_rare:
            levels[rare] = len(self.levels_) + random_state.choice(
                len(self.rare_levels_), n_rare, p=self.rare_probabilities_
            )
        return levels

    def all_levels(self):
        """Every level seen in training (an object array): the frequent ones in code
        order, then the rare ones."""
        return np.concatenate([self.levels_, self.rare_levels_])

    def __getstate__(self):
        # The lookup indexes are rebuilt on loading, so pickles do not depend on
        # pandas' own pickle format.
        return {key: value for key, value in self.__dict__.items() if not key.startswith("_")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._index = pd.Index(self.levels_, dtype=object, tupleize_cols=False)
        self._rare_index = pd.Index(self.rare_levels_, dtype=object, tupleize_cols=False)


def kept_level_count(counts, max_categories, min_frequency=None):
    """How many of the levels of training ``counts`` (most frequent first) get a code of
    their own; the others share one (see :class:`CategoryCoder`)."""
    n_kept = len(counts) if len(counts) <= max_categories else max_categories - 1
    if min_frequency is not None and len(counts) > MANY_LEVELS:
        least = (min_frequency if isinstance(min_frequency, numbers.Integral)
                 else min_frequency * counts.sum())
        n_frequent = int(np.count_nonzero(counts >= least))
        if len(counts) - n_frequent >= 2:
            n_kept = min(n_kept, n_frequent)
    return n_kept


def positions_in(index, values):
    """Positions of ``values`` in the object ``index`` (-1 for values not in it), any
    missing marker (None, NaN, NaT, NA) finding the index's missing level."""
    values = _object_array(values)
    positions = index.get_indexer(values)
    missing_level = np.flatnonzero(pd.isna(index.to_numpy()))
    if len(missing_level):
        positions[pd.isna(values)] = missing_level[0]
    return positions


def _one_missing_level(levels, frequencies, marker):
    """Levels with every missing marker (None and NaN are counted apart) merged into
    one level, ``marker``, still sorted by frequency."""
    is_missing = pd.isna(levels)
    if is_missing.sum() > 1:
        kept = ~is_missing
        kept[np.flatnonzero(is_missing)[0]] = True
        frequencies = frequencies.copy()
        frequencies[np.flatnonzero(is_missing)[0]] = frequencies[is_missing].sum()
        levels, frequencies = levels[kept], frequencies[kept]
        order = np.argsort(-frequencies, kind="stable")
        levels, frequencies = levels[order], frequencies[order]
    levels[pd.isna(levels)] = marker
    return levels, frequencies


def _object_array(values):
    """A 1-D object array of ``values`` (a tuple in a list stays one value)."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=object)
    if isinstance(values, np.ndarray):
        return values.astype(object, copy=False).ravel()
    array = np.empty(len(values), dtype=object)
    for position, value in enumerate(values):
        array[position] = value
    return array
