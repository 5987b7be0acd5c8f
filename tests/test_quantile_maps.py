"""Sampling's inverse quantile map equals scikit-learn's QuantileTransformer to the bit."""

import numpy as np
import pytest
from sklearn.preprocessing import QuantileTransformer

from skgan.adapters._quantile_maps import inverse_normal_quantiles


@pytest.mark.parametrize("n_quantiles", [2, 3, 10, 97, 500, 1000])
@pytest.mark.parametrize("values", ["skewed", "ties", "constant"])
def test_the_inverse_map_equals_scikit_learns(n_quantiles, values):
    rng = np.random.default_rng(n_quantiles)
    column = {"skewed": rng.gamma(2.0, 3.0, 3000),
              "ties": np.round(rng.normal(size=3000), 1),
              "constant": np.full(3000, 4.5)}[values]
    transformer = QuantileTransformer(n_quantiles=n_quantiles, output_distribution="normal",
                                      random_state=0).fit(column.reshape(-1, 1))
    scores = np.concatenate([rng.normal(size=50_000) * 3, [np.nan, 0.0, 5.2, -5.2, 6.0,
                             -6.0, 9.0, -9.0, 40.0, -40.0, 1e300, -1e300]])
    # the scores at the references themselves (interpolation's exact points)
    scores = np.concatenate([scores, transformer.transform(column[:200].reshape(-1, 1))[:, 0]])
    expected = transformer.inverse_transform(scores.reshape(-1, 1))[:, 0]
    np.testing.assert_array_equal(inverse_normal_quantiles(transformer, scores), expected)


def test_a_transformer_with_uneven_references_is_inverted_by_scikit_learn():
    transformer = QuantileTransformer(n_quantiles=50, output_distribution="normal").fit(
        np.arange(200.0).reshape(-1, 1))
    transformer.references_ = transformer.references_ ** 2  # not evenly spaced
    scores = np.linspace(-3, 3, 101)
    np.testing.assert_array_equal(
        inverse_normal_quantiles(transformer, scores),
        transformer.inverse_transform(scores.reshape(-1, 1))[:, 0])
