"""Kernel two-sample distances between sets of feature vectors."""

import numpy as np
from scipy.spatial.distance import cdist, pdist

KERNELS = ("rbf", "polynomial", "linear")


def _as_features(name, values):
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {array.ndim}-D.")
    if array.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 samples, got {array.shape[0]}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def median_heuristic_gamma(*samples, max_points=1000):
    """RBF ``gamma`` of the median heuristic: ``1 / (2 * median_distance**2)``.

    The median is over the nonzero pairwise Euclidean distances of the pooled samples
    (the first ``max_points`` rows of each, which keeps the cost bounded). Pass only the
    real data to keep one kernel when comparing several generators with it.
    """
    pooled = np.vstack([np.asarray(sample, dtype=np.float64)[:max_points] for sample in samples])
    distances = pdist(pooled)
    median = np.median(distances[distances > 0]) if np.any(distances > 0) else 1.0
    return 1.0 / (2.0 * median**2)


def _kernel(A, B, kernel, gamma, n_features):
    if kernel == "rbf":
        return np.exp(-gamma * cdist(A, B, "sqeuclidean"))
    if kernel == "polynomial":
        return (A @ B.T / n_features + 1.0) ** 3
    return A @ B.T


def mmd(X, Y, kernel="rbf", gamma=None):
    """Unbiased estimate of the squared maximum mean discrepancy between two samples.

    Parameters
    ----------
    X, Y : array-like of shape (n_samples_X, n_features), (n_samples_Y, n_features)
        The two samples (at least 2 rows each).
    kernel : {"rbf", "polynomial", "linear"}, default="rbf"
        ``rbf``: exp(-gamma ||x - y||^2); ``polynomial``: (x.y / d + 1)^3, the kernel of
        KID; ``linear``: x.y.
    gamma : float or None, default=None
        RBF width; None uses the median heuristic (:func:`median_heuristic_gamma`).

    Returns
    -------
    float
        MMD² (Gretton et al., 2012, unbiased U-statistic). Near 0 (possibly slightly
        negative) when both samples come from the same distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import mmd
    >>> rng = np.random.RandomState(0)
    >>> same = mmd(rng.normal(size=(500, 2)), rng.normal(size=(500, 2)))
    >>> shifted = mmd(rng.normal(size=(500, 2)), rng.normal(2.0, size=(500, 2)))
    >>> bool(abs(same) < 0.01 and shifted > 0.3)
    True
    """
    X = _as_features("X", X)
    Y = _as_features("Y", Y)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but Y has {Y.shape[1]}.")
    if kernel not in KERNELS:
        raise ValueError(f"kernel={kernel!r} is not one of {KERNELS}.")
    if kernel == "rbf" and gamma is None:
        gamma = median_heuristic_gamma(X, Y)
    n_features = X.shape[1]
    k_xx = _kernel(X, X, kernel, gamma, n_features)
    k_yy = _kernel(Y, Y, kernel, gamma, n_features)
    k_xy = _kernel(X, Y, kernel, gamma, n_features)
    n, m = len(X), len(Y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (n * (n - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())
