"""Fréchet distance between Gaussians fitted to feature sets (FID when the features are
Inception-v3 pool features)."""

import numpy as np
from scipy import linalg
from scipy.linalg import blas, lapack

from .._engine.torch_utils import random_source
from .distances import _as_features, to_numpy


def scatter_matrix(centred, full=True):
    """``centred.T @ centred`` by a symmetric rank-k update (BLAS syrk): half the
    arithmetic of a general matrix product. With ``full=False`` only the lower triangle
    is filled (the upper one is zero)."""
    lower = blas.dsyrk(1.0, np.asfortranarray(centred.T), trans=0, lower=1)
    return _mirror_lower(lower) if full else lower


def _mirror_lower(lower):
    """The symmetric matrix whose lower triangle ``lower`` holds (upper part zero)."""
    full = lower + lower.T
    full[np.diag_indices_from(full)] = np.diag(lower)
    return full


class FeatureStatistics:
    """Running mean and covariance of feature vectors, accumulated in float64.

    Feed features batch by batch with :meth:`update`; nothing but the running sums is
    kept (``O(d^2)`` memory), so the features never need to be in memory at once. The
    sums are taken around the first batch's mean, which keeps float64 accurate for
    features far from the origin.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import FeatureStatistics
    >>> X = np.random.RandomState(0).normal(size=(1000, 3))
    >>> stats = FeatureStatistics()
    >>> for batch in np.array_split(X, 7):
    ...     _ = stats.update(batch)
    >>> bool(np.allclose(stats.covariance(), np.cov(X, rowvar=False)))
    True
    """

    def __init__(self):
        self.n_samples = 0
        self._shift = None
        self._sum = None
        self._outer = None

    def update(self, features):
        """Add a batch of shape (n, d); returns ``self``."""
        batch = to_numpy(features)
        if batch.ndim != 2:
            raise ValueError(f"features must be 2-D (n_samples, n_features), got {batch.ndim}-D.")
        if not np.isfinite(batch).all():
            raise ValueError("features contain NaN or infinite values.")
        if len(batch) == 0:
            return self
        if self._shift is None:
            self._shift = batch.mean(axis=0)
            self._sum = np.zeros_like(self._shift)
            self._outer = np.zeros((batch.shape[1], batch.shape[1]))
        elif batch.shape[1] != self._shift.shape[0]:
            raise ValueError(
                f"features have {batch.shape[1]} columns, earlier batches had "
                f"{self._shift.shape[0]}."
            )
        centred = batch - self._shift
        self._sum += centred.sum(axis=0)
        self._outer += scatter_matrix(centred)
        self.n_samples += len(batch)
        return self

    def mean(self):
        """Mean feature vector."""
        self._check_samples(1)
        return self._shift + self._sum / self.n_samples

    def covariance(self):
        """Unbiased covariance matrix (divided by n - 1)."""
        self._check_samples(2)
        offset = self._sum / self.n_samples
        scatter = self._outer - self.n_samples * np.outer(offset, offset)
        return scatter / (self.n_samples - 1)

    def _check_samples(self, needed):
        if self.n_samples < needed:
            raise ValueError(f"FeatureStatistics needs at least {needed} samples, "
                             f"has {self.n_samples}.")


def _statistics(name, values):
    """Mean and covariance; for feature arrays only the covariance's lower triangle is
    filled, which is all :func:`trace_sqrt_product` reads."""
    if isinstance(values, FeatureStatistics):
        return values.mean(), values.covariance()
    if isinstance(values, tuple) and len(values) == 2:
        mean, covariance = (to_numpy(v) for v in values)
        if mean.ndim != 1 or covariance.shape != (len(mean), len(mean)):
            raise ValueError(f"{name} as (mean, covariance) needs shapes (d,) and (d, d), "
                             f"got {mean.shape} and {covariance.shape}.")
        if not (np.isfinite(mean).all() and np.isfinite(covariance).all()):
            raise ValueError(f"{name}'s mean or covariance contains NaN or infinite values.")
        return mean, covariance
    if isinstance(values, tuple):
        raise ValueError(f"{name} as a tuple must be (mean, covariance), got a tuple of "
                         f"{len(values)}.")
    features = _as_features(name, values)
    mean = features.mean(axis=0)
    return mean, scatter_matrix(features - mean, full=False) / (len(features) - 1)


def trace_sqrt_product(covariance_1, covariance_2):
    """``trace(sqrtm(covariance_1 @ covariance_2))`` for two covariance matrices.

    The product of two symmetric positive semi-definite matrices has the same
    eigenvalues as the symmetric matrix ``L.T @ covariance_2 @ L`` where
    ``covariance_1 = L @ L.T``, so the trace of its square root is the sum of the square
    roots of those eigenvalues (clipped at zero against round-off). ``L`` is the
    Cholesky factor, and ``L.T @ covariance_2 @ L`` is formed by LAPACK's ``dsygst``
    (the reduction step of a generalised symmetric eigenproblem), which works for a
    singular ``covariance_2`` too; when ``covariance_1`` is singular (fewer samples
    than features, constant features) the Cholesky factorisation fails and ``L`` is
    taken as the symmetric square root from an eigendecomposition, with negative
    eigenvalues clipped to zero, which is exact for positive semi-definite matrices. Only the lower triangles of the two
    covariances are read.
    """
    try:
        factor = linalg.cholesky(covariance_1, lower=True, check_finite=False)
    except linalg.LinAlgError:
        eigenvalues, eigenvectors = linalg.eigh(covariance_1, check_finite=False)
        factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
        product = factor.T @ _mirror_lower(np.tril(covariance_2)) @ factor
    else:
        # LAPACK's reduction of a generalised eigenproblem (sygst, itype 2) forms
        # L^T covariance_2 L from the lower triangles in d^3 flops, no factorisation of
        # covariance_2 needed (it may be singular).
        product, info = lapack.dsygst(np.asfortranarray(covariance_2), factor,
                                      itype=2, lower=1)
        if info != 0:  # pragma: no cover - only for invalid arguments
            raise linalg.LinAlgError(f"LAPACK dsygst failed with info={info}.")
    eigenvalues = linalg.eigvalsh(product, lower=True, check_finite=False)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance(X, Y):
    """Fréchet distance between Gaussians fitted to two sets of features.

    ``||mu_X - mu_Y||^2 + tr(S_X) + tr(S_Y) - 2 tr(sqrt(S_X S_Y))`` (Heusel et al.,
    2017; the FID when the features are Inception-v3 pool features). The trace of the
    square root is computed by the symmetric route of :func:`trace_sqrt_product`,
    never by ``sqrtm`` of the non-symmetric product.

    Parameters
    ----------
    X, Y : array-like of shape (n_samples, n_features), FeatureStatistics, or (mean, cov)
        Features (numpy arrays or CPU torch tensors), running statistics, or a
        precomputed ``(mean, covariance)`` pair.

    Returns
    -------
    float
        The squared Fréchet distance (0 for identical statistics).

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import frechet_distance
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(2000, 4))
    >>> round(frechet_distance(X, X), 6)
    0.0
    >>> round(frechet_distance(X, X + 1.0), 3)  # shifted by 1 in each of 4 dimensions
    4.0
    """
    mean_x, covariance_x = _statistics("X", X)
    mean_y, covariance_y = _statistics("Y", Y)
    if mean_x.shape != mean_y.shape:
        raise ValueError(f"X has {mean_x.shape[0]} features but Y has {mean_y.shape[0]}.")
    difference = mean_x - mean_y
    trace_root = trace_sqrt_product(covariance_x, covariance_y)
    value = difference @ difference + np.trace(covariance_x) + np.trace(covariance_y)
    return float(max(value - 2.0 * trace_root, 0.0))


def fid_infinity(X_real, X_fake, sizes=None, n_points=15, random_state=0):
    """Fréchet distance extrapolated to infinitely many generated samples.

    The Fréchet distance of ``N`` generated samples is biased upwards by about
    ``c / N``. Following Chong & Forsyth (2020), it is computed on random subsets of
    ``X_fake`` of ``n_points`` sizes, a line is fitted to the values against ``1 / N``,
    and its intercept (``N`` → infinity) is returned.

    Parameters
    ----------
    X_real : array-like, FeatureStatistics or (mean, cov)
        Real features (used whole).
    X_fake : array-like of shape (n_samples, n_features)
        Generated features.
    sizes : sequence of int or None
        Subset sizes; None spaces ``n_points`` sizes evenly in ``1/N`` between
        ``max(n_samples // 5, n_features + 2, 2)`` (a covariance needs more rows than
        features) and ``n_samples``.
    n_points : int, default=15
        How many subset sizes ``sizes=None`` spaces out (at least 3 distinct sizes
        are needed to fit the line).
    random_state : int, RandomState or None, default=0
        Draws the subsets.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import fid_infinity, frechet_distance
    >>> rng = np.random.RandomState(0)
    >>> real, fake = rng.normal(size=(20000, 8)), rng.normal(size=(2000, 8))
    >>> bool(abs(fid_infinity(real, fake)) < frechet_distance(real, fake))
    True
    """
    if isinstance(X_fake, (tuple, FeatureStatistics)):
        raise TypeError("X_fake must be the generated features themselves (an array): "
                        "fid_infinity scores subsets of them; only X_real may be given as "
                        "statistics.")
    fake = _as_features("X_fake", X_fake)
    real_statistics = _statistics("X_real", X_real)
    n_fake = len(fake)
    if sizes is None:
        smallest = max(n_fake // 5, fake.shape[1] + 2, 2)
        if smallest >= n_fake:
            raise ValueError(
                f"fid_infinity needs more generated samples than {smallest} to extrapolate."
            )
        inverse = np.linspace(1.0 / smallest, 1.0 / n_fake, n_points)
        sizes = np.unique(np.round(1.0 / inverse).astype(int))
    sizes = np.unique(np.asarray(sizes, dtype=int))
    if len(sizes) < 3:
        raise ValueError(f"fid_infinity needs at least 3 distinct sizes to extrapolate, "
                         f"got {sizes.tolist()}.")
    if sizes.min() < 2 or sizes.max() > n_fake:
        raise ValueError(f"sizes must lie in [2, {n_fake}], got {sizes.min()}..{sizes.max()}.")
    rng = random_source(random_state)
    values = [
        frechet_distance(real_statistics, fake[rng.choice(n_fake, size, replace=False)])
        for size in sizes
    ]
    slope, intercept = np.polyfit(1.0 / sizes, values, 1)
    return float(intercept)
