"""Two-dimensional Gaussian-mixture toys for checking mode coverage."""

import numpy as np
from sklearn.utils import check_random_state


def ring_centers(n_modes=8, radius=2.0):
    """Centres of ``n_modes`` Gaussians evenly spaced on a circle."""
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.column_stack([np.cos(angles), np.sin(angles)])


def grid_centers(size=5, spacing=2.0):
    """Centres of a ``size`` x ``size`` grid of Gaussians, centred on the origin."""
    ticks = spacing * (np.arange(size) - (size - 1) / 2)
    return np.array([(x, y) for x in ticks for y in ticks])


def _mixture(centers, n_samples, std, random_state):
    rng = check_random_state(random_state)
    labels = rng.randint(len(centers), size=n_samples)
    return centers[labels] + std * rng.standard_normal((n_samples, centers.shape[1])), labels


def make_ring(n_samples=4000, n_modes=8, radius=2.0, std=0.05, random_state=None):
    """Sample a ring of Gaussians (the classic mode-collapse toy).

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Index of the mode each point was drawn from.

    Examples
    --------
    >>> from skgan.datasets import make_ring
    >>> X, y = make_ring(100, random_state=0)
    >>> X.shape, int(y.max())
    ((100, 2), 7)
    """
    return _mixture(ring_centers(n_modes, radius), n_samples, std, random_state)


def make_grid(n_samples=4000, size=5, spacing=2.0, std=0.05, random_state=None):
    """Sample a ``size`` x ``size`` grid of Gaussians (25 modes by default).

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Index of the mode each point was drawn from.
    """
    return _mixture(grid_centers(size, spacing), n_samples, std, random_state)


def mode_coverage(X, centers, std, n_std=3.0, min_share=0.2):
    """How well samples ``X`` cover the modes at ``centers``.

    A sample is of high quality when it lies within ``n_std`` standard deviations of
    its nearest centre. A mode is covered when it holds at least ``min_share`` of the
    high-quality samples a uniform spread over the modes would give it.

    Returns
    -------
    n_covered : int
        Number of modes covered.
    high_quality : float
        Fraction of samples of high quality.

    Examples
    --------
    >>> from skgan.datasets import make_ring, mode_coverage, ring_centers
    >>> X, _ = make_ring(800, random_state=0)
    >>> mode_coverage(X, ring_centers(), std=0.05)
    (8, 0.99)
    """
    X = np.asarray(X, dtype=np.float64)
    distances = np.linalg.norm(X[:, None, :] - centers[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(X)), nearest] <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(centers))
    needed = max(1.0, min_share * len(X) / len(centers))
    return int((counts >= needed).sum()), float(good.mean())
