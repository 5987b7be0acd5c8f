"""Kernel two-sample distances between sets of feature vectors: MMD and KID."""

import math
import numbers
import warnings

import numpy as np
import torch
from scipy.sparse import issparse
from scipy.spatial.distance import pdist

from .._engine.torch_utils import random_source

KERNELS = ("rbf", "polynomial", "linear")
_BLOCK_ROWS = 1024
# Largest gamma * ||x - centre||^2 for which float32 kernel blocks keep MMD² accurate.
_FLOAT32_SAFE_EXPONENT = 20.0


def to_numpy(values):
    """Features as a float64 numpy array (torch tensors of any device and dtype too)."""
    if isinstance(values, torch.Tensor):
        return values.detach().to("cpu", torch.float64).numpy()
    return np.asarray(values, dtype=np.float64)


def _as_features(name, values):
    """A float64 2-D numpy array of finite features with at least 2 rows."""
    if issparse(values):  # one-hot features (scikit-learn's OneHotEncoder), as features.py
        values = values.toarray()
    try:
        array = to_numpy(values)
    except (TypeError, ValueError) as error:  # text, pandas' NA, rows of other lengths
        raise ValueError(f"{name} must be a 2-D array of numbers: {error}") from None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {array.ndim}-D.")
    if array.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 samples, got {array.shape[0]}.")
    if array.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {array.shape}).")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def _as_tensor(name, values):
    """Features as a float64 torch tensor, kept on the device of a torch input."""
    if isinstance(values, torch.Tensor) and values.device.type == "cuda":
        tensor = values.detach().to(torch.float64)
        if tensor.ndim == 1:
            tensor = tensor.reshape(-1, 1)
        if tensor.ndim != 2 or tensor.shape[0] < 2 or tensor.shape[1] == 0 or \
                not torch.isfinite(tensor).all():
            raise ValueError(f"{name} must be 2-D, finite, with at least 2 rows and a "
                             "feature.")
        return tensor
    features = _as_features(name, values)
    # torch refuses to share memory with read-only arrays (e.g. a transformer's cache).
    return torch.from_numpy(features if features.flags.writeable else features.copy())


def median_heuristic_gamma(*samples, max_points=1000, random_state=0):
    """RBF ``gamma`` of the median heuristic: ``1 / (2 * median_distance**2)``.

    The median is over the nonzero pairwise Euclidean distances of the pooled samples
    (at most ``max_points`` rows of each, drawn at random with ``random_state``, which
    keeps the cost bounded). Pass only the real data to keep one kernel when comparing
    several generators with it.
    """
    rng = random_source(random_state)
    subsets = []
    for sample in samples:
        features = _as_features("sample", sample)
        if len(features) > max_points:
            features = features[rng.choice(len(features), max_points, replace=False)]
        subsets.append(features)
    pooled = np.vstack(subsets)
    distances = pdist(pooled)
    median = np.median(distances[distances > 0]) if np.any(distances > 0) else 1.0
    return 1.0 / (2.0 * median**2)


def _kernel_block(A, B, kernel, gamma, n_features):
    if kernel == "rbf":
        # -gamma * ||a - b||^2 built in place in one buffer: few passes over memory
        exponent = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :]
        exponent.mul_(-gamma).addmm_(A, B.T, alpha=2.0 * gamma)
        return exponent.clamp_max_(0.0).exp_()
    if kernel == "polynomial":
        return (A @ B.T / n_features + 1.0) ** 3
    return A @ B.T


def _block_sum(block):
    return block.sum(dtype=torch.float64)


def _kernel_sum(A, B, kernel, gamma, n_features):
    """Sum of all kernel values between the rows of A and B, in cache-sized blocks."""
    total = torch.zeros((), dtype=torch.float64, device=A.device)
    for row in range(0, len(A), _BLOCK_ROWS):
        rows = A[row:row + _BLOCK_ROWS]
        for column in range(0, len(B), _BLOCK_ROWS):
            total += _block_sum(_kernel_block(rows, B[column:column + _BLOCK_ROWS], kernel,
                                              gamma, n_features))
    return float(total)


def _within_kernel_sum(A, kernel, gamma, n_features):
    """Sum of kernel values over all pairs of distinct rows of A.

    The kernel matrix is symmetric, so only blocks on and above the diagonal are
    computed; the ones above count twice.
    """
    total = torch.zeros((), dtype=torch.float64, device=A.device)
    for row in range(0, len(A), _BLOCK_ROWS):
        rows = A[row:row + _BLOCK_ROWS]
        for column in range(row, len(A), _BLOCK_ROWS):
            block = _kernel_block(rows, A[column:column + _BLOCK_ROWS], kernel, gamma,
                                  n_features)
            if column == row:
                total += _block_sum(block) - _block_sum(torch.diagonal(block))
            else:
                total += 2.0 * _block_sum(block)
    return float(total)


def _check_pair(X, Y, kernel):
    X, Y = _as_tensor("X", X), _as_tensor("Y", Y)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but Y has {Y.shape[1]}.")
    if kernel not in KERNELS:
        raise ValueError(f"kernel={kernel!r} is not one of {KERNELS}.")
    return X, Y.to(X.device)


def mmd(X, Y, kernel="rbf", gamma=None, method="unbiased", random_state=0):
    """Squared maximum mean discrepancy between two samples (Gretton et al., 2012).

    Parameters
    ----------
    X, Y : array-like of shape (n_samples_X, n_features), (n_samples_Y, n_features)
        The two samples (at least 2 rows each); numpy arrays or torch tensors. CUDA
        tensors are processed on their GPU.
    kernel : {"rbf", "polynomial", "linear"}, default="rbf"
        ``rbf``: exp(-gamma ||x - y||^2); ``polynomial``: (x.y / d + 1)^3, the kernel of
        KID; ``linear``: x.y.
    gamma : float or None, default=None
        RBF width; None uses the median heuristic (:func:`median_heuristic_gamma`) on
        the pooled samples. Other kernels have none (a gamma raises ``ValueError``).
    method : {"unbiased", "linear"}, default="unbiased"
        ``unbiased``: the U-statistic over all pairs, computed in blocks of rows so
        memory stays bounded (20,000 x 20,000 pairs take a few seconds on 2 cores;
        RBF kernel values are computed in float32 on centred data and summed in
        float64).
        ``linear``: the linear-time estimator over disjoint random pairs of rows, for
        data too large for all pairs; noisier, and it uses ``min(n_X, n_Y)`` rows of
        each.
    random_state : int, RandomState or None, default=0
        Shuffles the rows for ``method="linear"`` (so ordered data is paired at random)
        and picks the rows of the median heuristic.

    Returns
    -------
    float
        MMD². Near 0 (possibly slightly negative) when both samples come from the same
        distribution.

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
    X, Y = _check_pair(X, Y, kernel)
    if method not in ("unbiased", "linear"):
        raise ValueError(f"method={method!r} is not 'unbiased' or 'linear'.")
    if gamma is not None and (isinstance(gamma, bool) or not isinstance(gamma, numbers.Real)
                              or not 0 < gamma < math.inf):
        raise ValueError(f"gamma must be a positive number or None, got {gamma!r}.")
    if gamma is not None and kernel != "rbf":
        raise ValueError(f"gamma is the width of the 'rbf' kernel; the {kernel!r} kernel "
                         "has none (leave gamma=None).")
    if kernel == "rbf" and gamma is None:
        gamma = median_heuristic_gamma(X.cpu().numpy(), Y.cpu().numpy(),
                                       random_state=random_state)
    n_features = X.shape[1]
    if method == "linear":
        rng = random_source(random_state)
        X = X[torch.from_numpy(rng.permutation(len(X))).to(X.device)]
        Y = Y[torch.from_numpy(rng.permutation(len(Y))).to(Y.device)]
        return _linear_time_mmd(X, Y, kernel, gamma, n_features)
    if kernel == "rbf":
        # Distances do not change when both sets move together: centring them lets the
        # kernel blocks be computed in float32 on the CPU (sums stay float64) without
        # cancellation, unless the kernel is so narrow against the data's spread that
        # float32 distances would be too coarse.
        centre = torch.cat([X, Y]).mean(dim=0)
        X, Y = X - centre, Y - centre
        spread = max(float((X * X).sum(1).max()), float((Y * Y).sum(1).max()))
        if X.device.type == "cpu" and gamma * spread <= _FLOAT32_SAFE_EXPONENT:
            X, Y = X.float(), Y.float()
    n, m = len(X), len(Y)
    within_x = _within_kernel_sum(X, kernel, gamma, n_features) / (n * (n - 1))
    within_y = _within_kernel_sum(Y, kernel, gamma, n_features) / (m * (m - 1))
    between = _kernel_sum(X, Y, kernel, gamma, n_features) / (n * m)
    return within_x + within_y - 2.0 * between


def _paired_kernel(A, B, kernel, gamma, n_features):
    if kernel == "rbf":
        return torch.exp(-gamma * ((A - B) ** 2).sum(1))
    if kernel == "polynomial":
        return ((A * B).sum(1) / n_features + 1.0) ** 3
    return (A * B).sum(1)


def _linear_time_mmd(X, Y, kernel, gamma, n_features):
    size = min(len(X), len(Y)) // 2 * 2
    x1, x2 = X[0:size:2], X[1:size:2]
    y1, y2 = Y[0:size:2], Y[1:size:2]
    terms = (
        _paired_kernel(x1, x2, kernel, gamma, n_features)
        + _paired_kernel(y1, y2, kernel, gamma, n_features)
        - _paired_kernel(x1, y2, kernel, gamma, n_features)
        - _paired_kernel(x2, y1, kernel, gamma, n_features)
    )
    return float(terms.mean())


def kid(X, Y, n_subsets=100, subset_size=1000, random_state=0):
    """Kernel Inception Distance (Bińkowski et al., 2018): unbiased MMD² with the cubic
    polynomial kernel ``(x.y / d + 1)^3``, averaged over random subsets.

    Parameters
    ----------
    X, Y : array-like of shape (n_samples, n_features)
        Real and generated features.
    n_subsets : int, default=100
        Number of random subsets.
    subset_size : int, default=1000
        Rows drawn (without replacement) from each set per subset. When a set has fewer
        rows, the subset shrinks to the smaller set's size and a warning says so.
    random_state : int, RandomState or None, default=0
        Draws the subsets.

    Returns
    -------
    (mean, std) : tuple of float
        Mean and standard deviation of the subsets' MMD².

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import kid
    >>> rng = np.random.RandomState(0)
    >>> mean, std = kid(rng.normal(size=(500, 8)), rng.normal(size=(500, 8)),
    ...                 n_subsets=10, subset_size=200)
    >>> bool(abs(mean) < 3 * std + 1e-3)
    True
    """
    for name, value, least in (("n_subsets", n_subsets, 1), ("subset_size", subset_size, 2)):
        if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                or value < least):
            raise ValueError(f"kid: {name} must be an integer of at least {least}, got "
                             f"{value!r}.")
    X, Y = _check_pair(X, Y, "polynomial")
    size = min(subset_size, len(X), len(Y))
    if size < subset_size:
        warnings.warn(
            f"kid: subset_size={subset_size} is more than the data has; using {size} rows "
            "per subset.",
            UserWarning,
            stacklevel=2,
        )
    rng = random_source(random_state)
    if size == len(X) == len(Y):  # every subset is the whole of both sets
        return mmd(X, Y, kernel="polynomial"), 0.0
    values = []
    for _ in range(n_subsets):
        x = X[torch.from_numpy(rng.choice(len(X), size, replace=False)).to(X.device)]
        y = Y[torch.from_numpy(rng.choice(len(Y), size, replace=False)).to(Y.device)]
        values.append(mmd(x, y, kernel="polynomial"))
    return float(np.mean(values)), float(np.std(values))
