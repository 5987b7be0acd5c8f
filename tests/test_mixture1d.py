"""The one-variable Dirichlet-process mixture behind the tabular adapter's modes."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

from skgan.adapters._mixture1d import VariationalMixture1D


def _three_modes(seed=0):
    rng = np.random.RandomState(seed)
    return np.r_[rng.normal(-4, 0.3, 600), rng.normal(0, 1.0, 300), rng.normal(5, 0.5, 100)]


def _kept(weights, means, variances, threshold=0.02):
    keep = weights > threshold
    order = np.argsort(means[keep])
    return weights[keep][order], means[keep][order], np.sqrt(variances[keep][order])


def test_finds_the_modes_weights_and_spreads():
    mixture = VariationalMixture1D(10).fit(_three_modes())
    weights, means, stds = _kept(mixture.weights_, mixture.means_, mixture.variances_)
    np.testing.assert_allclose(means, [-4, 0, 5], atol=0.15)
    np.testing.assert_allclose(weights, [0.6, 0.3, 0.1], atol=0.03)
    np.testing.assert_allclose(stds[:2], [0.3, 1.0], rtol=0.15)
    # The Wishart prior (the data's variance, one degree of freedom) widens the small,
    # far mode, as in scikit-learn's model.
    assert 0.5 < stds[2] < 1.0
    assert mixture.weights_.sum() == pytest.approx(1.0)


def test_agrees_with_scikit_learns_variational_mixture():
    values = _three_modes(1)
    ours = VariationalMixture1D(10).fit(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = BayesianGaussianMixture(
            n_components=10, weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=1e-3, max_iter=300, random_state=0,
        ).fit(values[:, None])
    ours_kept = _kept(ours.weights_, ours.means_, ours.variances_)
    theirs_kept = _kept(theirs.weights_, theirs.means_[:, 0], theirs.covariances_.ravel())
    for mine, reference in zip(ours_kept, theirs_kept):
        np.testing.assert_allclose(mine, reference, rtol=0.05, atol=0.02)


def test_repeated_values_count_as_often_as_they_occur():
    ages = np.repeat([20.0, 21.0, 22.0, 60.0, 61.0], [400, 300, 300, 50, 50])
    mixture = VariationalMixture1D(10).fit(ages)
    weights, means, _ = _kept(mixture.weights_, mixture.means_, mixture.variances_)
    assert len(means) == 2
    # Posterior means: each mode's average pulled towards the overall mean by the
    # prior's one pseudo-observation.
    overall = ages.mean()
    np.testing.assert_allclose(means, [(overall + 1000 * 20.9) / 1001,
                                       (overall + 100 * 60.5) / 101], atol=0.01)
    np.testing.assert_allclose(weights, [10 / 11, 1 / 11], atol=0.01)


def test_fewer_distinct_values_than_components():
    mixture = VariationalMixture1D(10).fit(np.array([1.0, 1.0, 3.0]))
    assert len(mixture.weights_) == 2
    assert np.all(np.isfinite(mixture.means_)) and np.all(mixture.variances_ > 0)


def test_does_not_change_its_input():
    values = _three_modes()
    copy = values.copy()
    VariationalMixture1D(10).fit(values)
    np.testing.assert_array_equal(values, copy)
