"""A continuous column mapped onto a standard normal through its Gaussian mixture's CDF.

Mode-specific normalisation (:class:`~skgan.adapters._columns.ModeNormalizer`) encodes
a value as the one-hot of its mode and an offset within it, so two columns that move
together (a wage and its logarithm) are together only where the generator draws
matching modes *and* matching offsets; calibrations that move each column's modes to
their shares on their own then draw the modes apart. Quantile normalisation keeps such
a link as one number per column, but keeps up to 1,000 of the column's quantiles.
:class:`MixtureScoreNormalizer` keeps the mixture's few means, scales and weights, as
mode-specific normalisation does, and encodes a value as its normal score under the
mixture: ``ndtri(F(z))``, with ``F`` the mixture's cumulative distribution and ``z``
the standardised value. The score is increasing in the value, so any increasing map
of a generated score (``scalar_quantiles``) keeps the order of the column's values.

The scores are standard normal only as far as the mixture fits the column (a narrow
mode fitted wider than it is, a very heavy tail), as a mode's offsets are for
mode-specific normalisation; a value beyond six standard deviations of every kept
mode encodes at the last score and decodes to the end of that reach, within the
column's training range.
"""

import numpy as np
from scipy.special import ndtr, ndtri

from ._columns import ModeNormalizer, _spike_index

#: The grid the mixture's CDF is tabulated on: ``MODE_POINTS`` points within
#: ``GRID_REACH`` standard deviations of each mode (a narrow mode far from the others is
#: resolved) and ``SPAN_POINTS`` evenly over the whole reach.
MODE_POINTS = 401
SPAN_POINTS = 2001
GRID_REACH = 6.0
#: Scores are kept within this many standard deviations (a CDF of 1e-9 from 0 or 1).
SCORE_LIMIT = 6.0


class MixtureScoreNormalizer:
    """Normal scores of one continuous column under its fitted Gaussian mixture.

    The mixture (and the point masses, each with a one-hot unit as
    :class:`~skgan.adapters._columns.QuantileNormalizer` gives them) is fitted as
    :class:`~skgan.adapters._columns.ModeNormalizer` fits it; the column then travels as
    one linear unit, its score ``ndtri(F(z))``, tabulated on a grid of standardised
    values and interpolated both ways.

    Parameters
    ----------
    max_modes, max_fit_rows : int
        As for :class:`~skgan.adapters._columns.ModeNormalizer`.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.adapters._mixture_scores import MixtureScoreNormalizer
    >>> values = np.random.default_rng(0).normal(50.0, 10.0, 2000)
    >>> normalizer = MixtureScoreNormalizer().fit(values, np.random.RandomState(0))
    >>> scores, codes = normalizer.encode(values)
    >>> round(float(scores.mean()), 2), round(float(scores.std()), 2)
    (0.0, 1.0)
    >>> bool(np.allclose(normalizer.decode(scores, codes), values, atol=1e-3))
    True
    """

    n_scalars = 1
    scalar_activation = "identity"

    def __init__(self, max_modes=10, max_fit_rows=5000):
        self.max_modes = max_modes
        self.max_fit_rows = max_fit_rows

    def fit(self, values, random_state):
        mixture = ModeNormalizer(self.max_modes, self.max_fit_rows).fit(values, random_state)
        self.center_, self.scale_, self.spikes_ = mixture.center_, mixture.scale_, mixture.spikes_
        self.means_, self.stds_ = mixture.means_, mixture.stds_
        self.log_weights_ = mixture.log_weights_
        reach = np.linspace(-GRID_REACH, GRID_REACH, MODE_POINTS)
        standard = np.unique(np.concatenate([
            *(mean + std * reach for mean, std in zip(self.means_, self.stds_)),
            np.linspace((self.means_ - GRID_REACH * self.stds_).min(),
                        (self.means_ + GRID_REACH * self.stds_).max(), SPAN_POINTS)]))
        scores = np.clip(ndtri(self._cdf(standard)), -SCORE_LIMIT, SCORE_LIMIT)
        rising = np.concatenate([[True], np.diff(scores) > 0])  # flat tails: first point
        self.grid_, self.scores_ = standard[rising], scores[rising]
        self.block_widths = [1 + len(self.spikes_)] if len(self.spikes_) else []
        return self

    def _cdf(self, standard):
        return (np.exp(self.log_weights_) * ndtr((standard[:, None] - self.means_) / self.stds_)).sum(axis=1)

    def scalar_quantile_targets(self, scores):
        """The encoded value at each normal score: the normal scores themselves."""
        return np.asarray(scores, dtype=np.float64)[None, :]

    def encode(self, values):
        standard = (values - self.center_) / self.scale_
        scalars = np.interp(standard, self.grid_, self.scores_)[:, None]
        if not len(self.spikes_):
            return scalars, []
        spike = _spike_index(self.spikes_, values)
        scalars[spike >= 0] = 0.0  # the median score: a point mass's rows carry no value
        return scalars, [spike + 1]

    def decode(self, scalars, codes):
        standard = np.interp(scalars[:, 0], self.scores_, self.grid_)
        values = standard * self.scale_ + self.center_
        if len(self.spikes_):
            on_spike = codes[0] > 0
            values[on_spike] = self.spikes_[codes[0][on_spike] - 1]
        return values
