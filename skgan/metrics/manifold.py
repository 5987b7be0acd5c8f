"""k-nearest-neighbour manifold metrics: precision/recall and density/coverage."""

import numbers

import torch

from .distances import _as_tensor

_BLOCK_ROWS = 2048


def _pairwise_distances(A, B):
    squared = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * (A @ B.T)
    return squared.clamp_min_(0.0).sqrt_()


def _kth_neighbour_radii(X, k):
    """Distance from each row of X to its k-th nearest other row of X."""
    if k >= len(X):
        raise ValueError(f"k={k} needs more than {k} samples in each set, got {len(X)}.")
    radii = []
    for start in range(0, len(X), _BLOCK_ROWS):
        distances = _pairwise_distances(X[start:start + _BLOCK_ROWS], X)
        # the row itself is at distance 0 and is the 0-th neighbour
        radii.append(torch.kthvalue(distances, k + 1, dim=1).values)
    return torch.cat(radii)


def _ball_counts(centres, radii, points):
    """For each point, how many of the balls (centres, radii) contain it."""
    counts = []
    for start in range(0, len(points), _BLOCK_ROWS):
        distances = _pairwise_distances(points[start:start + _BLOCK_ROWS], centres)
        counts.append((distances <= radii[None, :]).sum(1))
    return torch.cat(counts)


def _check(X_real, X_fake, k):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be a whole number of neighbours, got {k!r}.")
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}.")
    real, fake = _as_tensor("X_real", X_real), _as_tensor("X_fake", X_fake)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"X_real has {real.shape[1]} features but X_fake has {fake.shape[1]}.")
    # Distances are shift-invariant; centring keeps |a|^2 + |b|^2 - 2 a.b accurate.
    centre = real.mean(dim=0)
    return real - centre, fake.to(real.device) - centre


def precision_recall(X_real, X_fake, k=3):
    """Improved precision and recall (Kynkäänniemi et al., 2019).

    Each set's manifold is the union of balls around its samples, each ball reaching
    the sample's k-th nearest neighbour within the same set. Precision is the share of
    generated samples inside the real manifold (fidelity); recall the share of real
    samples inside the generated manifold (diversity).

    Parameters
    ----------
    X_real, X_fake : array-like of shape (n_samples, n_features)
        Real and generated features (numpy arrays or torch tensors).
    k : int, default=3
        Neighbour that sets each ball's radius.

    Returns
    -------
    (precision, recall) : tuple of float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import precision_recall
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(500, 2))
    >>> collapsed = 0.05 * rng.normal(size=(500, 2))  # all samples near one point
    >>> precision, recall = precision_recall(real, collapsed)
    >>> bool(precision > 0.9 and recall < 0.2)
    True
    """
    real, fake = _check(X_real, X_fake, k)
    real_radii = _kth_neighbour_radii(real, k)
    fake_radii = _kth_neighbour_radii(fake, k)
    precision = (_ball_counts(real, real_radii, fake) > 0).double().mean()
    recall = (_ball_counts(fake, fake_radii, real) > 0).double().mean()
    return float(precision), float(recall)


def density_coverage(X_real, X_fake, k=5):
    """Density and coverage (Naeem et al., 2020).

    Balls reach each real sample's k-th nearest real neighbour. Density counts how many
    real balls each generated sample falls in, divided by k and averaged (about 1 when
    the distributions match; above 1 when samples crowd dense regions). Coverage is the
    share of real balls that hold at least one generated sample.

    Parameters
    ----------
    X_real, X_fake : array-like of shape (n_samples, n_features)
        Real and generated features.
    k : int, default=5
        Neighbour that sets each ball's radius.

    Returns
    -------
    (density, coverage) : tuple of float

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import density_coverage
    >>> rng = np.random.RandomState(0)
    >>> density, coverage = density_coverage(rng.normal(size=(1000, 2)),
    ...                                      rng.normal(size=(1000, 2)))
    >>> bool(0.8 < density < 1.2 and coverage > 0.9)
    True
    """
    real, fake = _check(X_real, X_fake, k)
    real_radii = _kth_neighbour_radii(real, k)
    density = _ball_counts(real, real_radii, fake).double().sum() / (k * len(fake))
    covered = torch.zeros(len(real), dtype=torch.bool, device=real.device)
    for start in range(0, len(real), _BLOCK_ROWS):
        distances = _pairwise_distances(real[start:start + _BLOCK_ROWS], fake)
        nearest_fake = distances.min(dim=1).values
        covered[start:start + _BLOCK_ROWS] = nearest_fake <= real_radii[start:start + _BLOCK_ROWS]
    return float(density), float(covered.double().mean())
