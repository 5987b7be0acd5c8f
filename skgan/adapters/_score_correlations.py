"""The correlations of a table's continuous columns, measured with differential privacy.

A private fit's discriminator learns from gradients drowned in noise; what it passes on
of how two continuous columns go together is weak (a wage and its logarithm came out
with a correlation of 0.1 to 0.4 at epsilon 10, against 0.95 in the training rows). A
private fit of the estimator's own adapter encodes every continuous column as one
normal score (:class:`~skgan.adapters._mixture_scores.MixtureScoreNormalizer`), so
the correlations of those scores are few numbers that say much: measured once, with
Gaussian noise, before training, they are a target the generator's loss can hold its
batches to (:func:`skgan.objectives.correlation_gap`) at no further cost to privacy.

The measurement (:func:`noisy_score_correlations`): each row's scores
(:func:`effective_scores`: a point mass's own score on its rows, 0 where the value is
missing) clipped to
``[-SCORE_CLIP, SCORE_CLIP]`` and divided by ``SCORE_CLIP`` (so every number a row adds
is within ``[-1, 1]``); the sums of the scores, of their squares and of the products
of every pair, ``d (d + 3) / 2`` numbers for ``d`` columns, with one row moving each
by at most one: an L2 sensitivity of ``sqrt(d (d + 3) / 2)``. Gaussian noise of a
noise multiplier times that is added to every sum; the Pearson correlations follow
from the noisy sums and the number of rows (taken as public, as everywhere in a
private fit).
"""

import functools
from typing import NamedTuple, Optional

import numpy as np
import torch

from ._columns import QuantileNormalizer
from ._mixture_scores import MixtureScoreNormalizer
from ._table_columns import ContinuousColumn

#: Scores are clipped to this many standard deviations before they are summed.
SCORE_CLIP = 3.0
#: Smallest variance (of scores divided by ``SCORE_CLIP``) a noisy sum may give.
MIN_VARIANCE = 1e-3


class ScoreUnit(NamedTuple):
    """Where a continuous column's score is in the dense encoding: its scalar unit
    (``scalar``), the first unit of its point-mass block (``spike_start``, None without
    point masses: unit 0 is "no point mass", unit ``k`` the ``k``-th one) with each point
    mass's own score (``spike_scores``), and the "observed" unit of its missing-value
    block (``observed``, None without missing values)."""

    scalar: int
    spike_start: Optional[int]
    spike_scores: tuple
    observed: Optional[int]


def score_units(adapter):
    """The :class:`ScoreUnit` of every continuous column of a fitted TabularAdapter that
    travels as one normal score (through its mixture's CDF or its quantiles), in column
    order.

    A row on a point mass carries no score in its unit (it is encoded at 0, the median),
    so :func:`effective_scores` gives it the point mass's own score under the column's
    map (a balance's zeros the lowest, a top-coded wage the highest); a missing value
    counts as the median score, 0.
    """
    units = []
    for encoder, positions, starts in zip(adapter.column_encoders_, adapter.scalar_positions_,
                                          adapter.block_starts_):
        if not (isinstance(encoder, ContinuousColumn) and isinstance(
                encoder.normalizer_, (MixtureScoreNormalizer, QuantileNormalizer))):
            continue
        spikes = encoder.normalizer_.spikes_
        units.append(ScoreUnit(
            int(positions[0]), int(starts[0]) if len(spikes) else None,
            tuple(float(score) for score in point_mass_scores(encoder.normalizer_)),
            int(starts[-1]) if encoder.has_missing_ else None))
    return units


def point_mass_scores(normalizer):
    """The score of each point mass's value under a score normaliser's map of the other
    values (within ``±SCORE_CLIP``)."""
    spikes = np.asarray(normalizer.spikes_, dtype=np.float64)
    if not len(spikes):
        return np.empty(0)
    if isinstance(normalizer, MixtureScoreNormalizer):
        scores = np.interp((spikes - normalizer.center_) / normalizer.scale_,
                           normalizer.grid_, normalizer.scores_)
    else:
        scores = normalizer.transformer_.transform(
            (spikes * normalizer.value_scale_).reshape(-1, 1))[:, 0]
    return np.clip(scores, -SCORE_CLIP, SCORE_CLIP)


def effective_scores(encoded, units):
    """Each row's score in each of ``units`` (:func:`score_units`), from dense encoded
    rows (a tensor: real rows' one-hot blocks, or a generator's block probabilities, so
    that the scores stay differentiable): the scalar where no point mass is drawn, the
    point mass's own score where one is, 0 where the value is missing."""
    columns = []
    for unit in units:
        score = encoded[:, unit.scalar]
        if unit.spike_start is not None:
            width = 1 + len(unit.spike_scores)
            block = encoded[:, unit.spike_start:unit.spike_start + width]
            spike_scores = _as_tensor(unit.spike_scores, encoded.dtype, encoded.device)
            score = score * block[:, 0] + block[:, 1:] @ spike_scores
        if unit.observed is not None:
            score = score * encoded[:, unit.observed]
        columns.append(score)
    return torch.stack(columns, dim=1)


@functools.lru_cache(maxsize=256)
def _as_tensor(values, dtype, device):
    """``values`` (a tuple) as a tensor, made once per dtype and device: every generator
    step of a private fit asks for the same point masses' scores."""
    return torch.tensor(values, dtype=dtype, device=device)


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
