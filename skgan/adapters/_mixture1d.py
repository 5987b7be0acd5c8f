"""A Dirichlet-process Gaussian mixture of one variable, fitted by variational inference.

The tabular adapter fits one such mixture per continuous column to find its modes.
scikit-learn's :class:`~sklearn.mixture.BayesianGaussianMixture` does the same in any
dimension, but on a single column most of its time goes to per-iteration overhead
(Cholesky factors and triangular solves of 1 x 1 matrices, input validation). Here every
quantity is a scalar per component, the updates are a few vectorised numpy expressions,
and the data enter as distinct values with their counts, which makes columns with few
distinct values (ages, counts, rounded prices) nearly free.

The model and its priors are those of ``BayesianGaussianMixture(
weight_concentration_prior_type="dirichlet_process", covariance_type="full")`` with its
default priors: a stick-breaking prior on the weights, a Gaussian-Wishart prior on each
component with the data's mean and variance, mean precision 1 and one degree of freedom
(Bishop, *Pattern Recognition and Machine Learning*, section 10.2; Blei and Jordan, 2006).
"""

import numpy as np
from scipy.special import digamma

#: Added to every component's count, as scikit-learn does, so empty components stay finite.
_COUNT_FLOOR = 10 * np.finfo(float).eps


class VariationalMixture1D:
    """Dirichlet-process mixture of univariate Gaussians (mean-field variational Bayes).

    Parameters
    ----------
    n_components : int
        Upper bound on the number of components; the stick-breaking prior lets the
        fit leave the ones it does not need with next to no weight.
    weight_concentration : float, default=1e-3
        Concentration of the stick-breaking prior: small values favour few components.
    max_iter : int, default=300
        Most variational updates.
    tol : float, default=1e-4
        Stop when no component's share of the data changes by more than this in an
        update. (Components merge slowly: a looser test on the likelihood stops while
        the data are still spread over every component.)
    reg_variance : float, default=1e-6
        Added to each component's variance.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Share of the data each component holds (responsibilities summed; they sum
        to 1). Components the prior emptied get next to nothing. (scikit-learn reports
        the expected stick-breaking weights instead, which also shrink a component for
        every emptied one ordered before it.)
    means_ : ndarray of shape (n_components,)
        Posterior means of the component means.
    variances_ : ndarray of shape (n_components,)
        Inverses of the expected component precisions (scikit-learn's
        ``covariances_``).
    n_iter_ : int
        Updates run.
    converged_ : bool
        Whether ``tol`` was reached within ``max_iter`` updates.

    Examples
    --------
    >>> import numpy as np
    >>> values = np.r_[np.random.RandomState(0).normal(-3, 0.5, 500),
    ...                np.random.RandomState(1).normal(4, 1.0, 500)]
    >>> mixture = VariationalMixture1D(n_components=10).fit(values)
    >>> kept = mixture.weights_ > 0.01
    >>> np.round(np.sort(mixture.means_[kept]), 1), np.round(mixture.weights_[kept].sum(), 3)
    (array([-3.,  4.]), np.float64(1.0))
    """

    def __init__(self, n_components, weight_concentration=1e-3, max_iter=300, tol=1e-4,
                 reg_variance=1e-6):
        self.n_components = n_components
        self.weight_concentration = weight_concentration
        self.max_iter = max_iter
        self.tol = tol
        self.reg_variance = reg_variance

    def fit(self, values):
        """Fit the mixture to a 1-D array of finite values (at least two of them).

        Returns
        -------
        self : VariationalMixture1D
        """
        points, counts = np.unique(np.asarray(values, dtype=float), return_counts=True)
        counts = counts.astype(float)
        n_total = counts.sum()
        n_components = min(self.n_components, len(points))
        # Priors: the data's mean and (unbiased) variance, as scikit-learn's defaults.
        self._prior_mean = float(counts @ points / n_total)
        spread = float(counts @ (points - self._prior_mean) ** 2)
        self._prior_variance = spread / max(n_total - 1.0, 1.0) or 1.0
        responsibilities = _k_means_start(points, counts, n_components)
        # Sufficient statistics are counts-weighted [1, x, x^2] summed with the
        # responsibilities, and the expected log density is [x^2, x, 1] times per-component
        # coefficients: two small matrix products per update.
        powers = np.stack([np.ones_like(points), points, points**2], axis=1)
        counted_powers = powers * counts[:, None]
        # moments[0] is each component's count: the convergence test reads it too.
        self.converged_ = False
        moments = counted_powers.T @ responsibilities
        for self.n_iter_ in range(1, self.max_iter + 1):
            self._update_components(moments)
            log_joint = powers @ self._log_density_coefficients()
            log_joint -= log_joint.max(axis=1, keepdims=True)
            responsibilities = np.exp(log_joint, out=log_joint)
            responsibilities /= responsibilities.sum(axis=1, keepdims=True)
            moments, previous = counted_powers.T @ responsibilities, moments
            if np.abs(moments[0] - previous[0]).max() < self.tol * n_total:
                self.converged_ = True
                break
        self._update_components(moments)
        self.weights_ = moments[0] / moments[0].sum()
        self.means_ = self._mean
        self.variances_ = self._scale_inverse / self._dof
        return self

    def _update_components(self, moments):
        """Variational M-step from the weighted moments [n_k, sum x, sum x^2] per component."""
        n_k = moments[0] + _COUNT_FLOOR
        mean_k = moments[1] / n_k
        variance_k = np.maximum(moments[2] / n_k - mean_k**2, 0.0) + self.reg_variance
        # Stick-breaking Beta(1 + n_k, alpha + sum of the counts after k).
        self._stick_a = 1.0 + n_k
        self._stick_b = self.weight_concentration + (n_k.sum() - np.cumsum(n_k))
        # Gaussian-Wishart: mean precision prior 1, one degree of freedom.
        self._mean_precision = 1.0 + n_k
        self._mean = (self._prior_mean + n_k * mean_k) / self._mean_precision
        self._dof = 1.0 + n_k
        self._scale_inverse = (self._prior_variance + n_k * variance_k
                               + n_k / self._mean_precision * (mean_k - self._prior_mean) ** 2)

    def _log_density_coefficients(self):
        """Rows c0, c1, c2 with E[log pi_k] + E[log N(x | mu_k, lambda_k)] = c0 + c1 x + c2 x^2."""
        digamma_total = digamma(self._stick_a + self._stick_b)
        log_stick = digamma(self._stick_a) - digamma_total
        log_rest = digamma(self._stick_b) - digamma_total
        log_weights = log_stick + np.r_[0.0, np.cumsum(log_rest)[:-1]]
        expected_log_precision = digamma(0.5 * self._dof) + np.log(2.0 / self._scale_inverse)
        expected_precision = self._dof / self._scale_inverse
        constant = (
            log_weights
            + 0.5 * (expected_log_precision - np.log(2 * np.pi) - 1.0 / self._mean_precision)
            - 0.5 * expected_precision * self._mean**2
        )
        return np.stack([constant, expected_precision * self._mean, -0.5 * expected_precision])


def _k_means_start(points, counts, n_groups, n_iter=20):
    """Hard start from weighted k-means (Lloyd's iterations from equal-count groups).

    As scikit-learn's k-means start does, this gives a few far values (a long tail) a
    component of their own, which the variational updates keep as a mode; equal-count
    groups alone would fold them into the nearest bulk of the data.
    """
    position = (np.cumsum(counts) - 0.5 * counts) / counts.sum()
    group = np.minimum((position * n_groups).astype(int), n_groups - 1)
    for _ in range(n_iter):
        totals = np.bincount(group, weights=counts, minlength=n_groups)
        sums = np.bincount(group, weights=counts * points, minlength=n_groups)
        filled = totals > 0
        centres = sums[filled] / totals[filled]
        # Points are sorted, so each group is the run between two midpoints.
        boundaries = 0.5 * (centres[1:] + centres[:-1])
        new_group = np.flatnonzero(filled)[np.searchsorted(boundaries, points)]
        if np.array_equal(new_group, group):
            break
        group = new_group
    # Largest group first: under the stick-breaking prior later components expect less
    # weight, so a small far group placed last (as sorted values would put a long tail)
    # would be emptied by the prior rather than by the data.
    totals = np.bincount(group, weights=counts, minlength=n_groups)
    rank = np.empty(n_groups, dtype=int)
    rank[np.argsort(-totals, kind="stable")] = np.arange(n_groups)
    start = np.zeros((len(counts), n_groups))
    start[np.arange(len(counts)), rank[group]] = 1.0
    return start
