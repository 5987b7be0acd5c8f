"""The correlations of a table's continuous columns, measured with differential privacy.

A private fit's discriminator learns from gradients drowned in noise; what it passes on
of how two continuous columns go together is weak (a wage and its logarithm came out
with a correlation of 0.1 to 0.4 at epsilon 10, against 0.95 in the training rows). A
private fit of the estimator's own adapter encodes every continuous column as one
normal score (:class:`~skgan.adapters._mixture_scores.MixtureScoreNormalizer`), so
the correlations of those scores are few numbers that say much: measured once, with
Gaussian noise, before training, they are a target the generator's loss can hold its
batches to (:func:`skgan.objectives.correlation_gap`) at no further cost to privacy.

The measurement (:func:`noisy_score_correlations`): each row's scores clipped to
``[-SCORE_CLIP, SCORE_CLIP]`` and divided by ``SCORE_CLIP`` (so every number a row adds
is within ``[-1, 1]``); the sums of the scores, of their squares and of the products
of every pair, ``d (d + 3) / 2`` numbers for ``d`` columns, with one row moving each
by at most one: an L2 sensitivity of ``sqrt(d (d + 3) / 2)``. Gaussian noise of a
noise multiplier times that is added to every sum; the Pearson correlations follow
from the noisy sums and the number of rows (taken as public, as everywhere in a
private fit).
"""

import numpy as np

from ._columns import QuantileNormalizer
from ._mixture_scores import MixtureScoreNormalizer
from ._table_columns import ContinuousColumn

#: Scores are clipped to this many standard deviations before they are summed.
SCORE_CLIP = 3.0
#: Smallest variance (of scores divided by ``SCORE_CLIP``) a noisy sum may give.
MIN_VARIANCE = 1e-3


def score_units(adapter):
    """The head positions of the scalar units of a fitted TabularAdapter's continuous
    columns that travel as one normal score (through their mixture's CDF or their
    quantiles), in column order."""
    return [int(positions[0])
            for encoder, positions in zip(adapter.column_encoders_, adapter.scalar_positions_)
            if isinstance(encoder, ContinuousColumn)
            and isinstance(encoder.normalizer_, (MixtureScoreNormalizer, QuantileNormalizer))]


def moment_count(n_units):
    """How many sums :func:`noisy_score_correlations` measures for ``n_units`` scores."""
    return n_units * (n_units + 3) // 2


def correlation_noise(n_rows, n_units, noise_multiplier):
    """The standard deviation of the noise a measured correlation of two unit-variance
    scores carries (near zero correlation): the noise of a sum of products, times
    ``SCORE_CLIP**2`` over the rows."""
    return SCORE_CLIP**2 * noise_multiplier * np.sqrt(moment_count(n_units)) / n_rows


def noisy_score_correlations(scores, noise_multiplier, random_state):
    """Pearson correlations of the columns of ``scores`` (rows by units), from sums
    measured with Gaussian noise of ``noise_multiplier`` times their L2 sensitivity
    (see the module's docstring); ``noise_multiplier=0`` gives the exact correlations
    of the clipped scores.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.adapters._score_correlations import noisy_score_correlations
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=5000)
    >>> scores = np.column_stack([x, 0.8 * x + 0.6 * rng.normal(size=5000)])
    >>> exact = noisy_score_correlations(scores, 0.0, rng)
    >>> round(float(exact[0, 1]), 2)
    0.8
    >>> noisy = noisy_score_correlations(scores, 2.0, rng)
    >>> bool(abs(noisy[0, 1] - exact[0, 1]) < 0.05)
    True
    """
    units = np.clip(np.asarray(scores, dtype=np.float64), -SCORE_CLIP, SCORE_CLIP) / SCORE_CLIP
    n_rows, n_units = units.shape
    deviation = noise_multiplier * np.sqrt(moment_count(n_units))
    sums = units.sum(axis=0) + random_state.normal(0.0, deviation, n_units)
    upper = np.triu_indices(n_units)  # the squares and every pair's products
    products = (units.T @ units)[upper] + random_state.normal(0.0, deviation, len(upper[0]))
    second = np.zeros((n_units, n_units))
    second[upper] = products
    second = np.triu(second, 1).T + second
    means = sums / n_rows
    covariance = second / n_rows - np.outer(means, means)
    deviations = np.sqrt(np.maximum(np.diag(covariance), MIN_VARIANCE))
    correlations = np.clip(covariance / np.outer(deviations, deviations), -1.0, 1.0)
    np.fill_diagonal(correlations, 1.0)
    return correlations
