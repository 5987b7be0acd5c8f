"""Continuous columns as one score under their mixture's CDF, and their correlations
measured with differential privacy for a private fit's generator."""

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kstest

import skgan
from skgan import GANSampler
from skgan.adapters import TabularAdapter
from skgan.adapters._mixture_scores import MixtureScoreNormalizer
from skgan.adapters._pair_variables import equal_mass_edges
from skgan.adapters._score_correlations import (
    SCORE_CLIP,
    correlation_noise,
    noisy_score_correlations,
)
from skgan._engine.privacy_budget import (
    CORRELATION_BUDGET_SHARE,
    combined_noise_multiplier,
    correlation_noise_multiplier,
)

pytest.importorskip("opacus")


def _two_clusters_and_zeros(n_rows=3000, seed=0):
    rng = np.random.default_rng(seed)
    values = np.where(rng.uniform(size=n_rows) < 0.6, rng.normal(20, 3, n_rows),
                      rng.normal(80, 0.5, n_rows))  # a wide mode and a narrow far one
    values[rng.uniform(size=n_rows) < 0.1] = 0.0  # a point mass
    return values


def test_scores_round_trip_and_keep_the_order_of_the_values():
    values = _two_clusters_and_zeros()
    normalizer = MixtureScoreNormalizer().fit(values, np.random.RandomState(0))
    assert list(normalizer.spikes_) == [0.0] and normalizer.block_widths == [2]
    scores, codes = normalizer.encode(values)
    assert np.allclose(normalizer.decode(scores, codes), values, atol=1e-3 * values.std())
    smooth = values != 0.0
    order = np.argsort(values[smooth])
    assert (np.diff(scores[smooth, 0][order]) >= 0).all()  # increasing in the value
    assert (codes[0] == 1).sum() == (~smooth).sum() and (scores[~smooth] == 0).all()
    # where the mixture fits the column (a skewed income), its scores are standard normal
    incomes = np.random.default_rng(1).lognormal(10, 0.5, 3000)
    fitted = MixtureScoreNormalizer().fit(incomes, np.random.RandomState(0))
    assert kstest(fitted.encode(incomes)[0][:, 0], "norm").statistic < 0.03
    # any score decodes, in order, to a value within the mixture's reach (the column
    # clips to its training range), and the narrow mode holds scores, not a point
    grid = normalizer.decode(np.linspace(-8, 8, 1001)[:, None], [np.zeros(1001, int)])
    assert (np.diff(grid) >= 0).all() and 0 < grid.min() < grid.max() < 90
    near_far_mode = ((grid > 78) & (grid < 82)).mean()
    assert near_far_mode > 0.05  # the narrow mode holds scores, not one grid point


def test_an_adapter_encodes_continuous_columns_by_their_mixture_cdf():
    values = _two_clusters_and_zeros(2000)
    frame = pd.DataFrame({"amount": values,
                          "kind": np.where(values > 50, "far", "near")})
    adapter = TabularAdapter(continuous="vgm_cdf").fit(frame)
    n_identity, n_tanh, widths = adapter.head_layout_
    assert (n_identity, n_tanh) == (1, 0)  # one linear unit: the score
    (unit,) = adapter.score_units()  # the score, and the point mass with its own score
    assert unit.scalar == 0 and unit.observed is None and len(unit.spike_scores) == 1
    back = adapter.decode(adapter.encode(frame))
    assert np.allclose(back["amount"], frame["amount"], atol=0.01)
    # the same mixture as the column's encoding by modes, so the same bins of equal mass
    by_modes = TabularAdapter(continuous="vgm").fit(frame)
    assert np.array_equal(equal_mass_edges(adapter.column_encoders_[0], 4),
                          equal_mass_edges(by_modes.column_encoders_[0], 4))
    with pytest.raises(ValueError, match="continuous='modes' is not one of"):
        TabularAdapter(continuous="modes").fit(frame)


def test_exact_and_noisy_correlations_of_clipped_scores():
    rng = np.random.default_rng(0)
    x = rng.normal(size=4000)
    scores = np.column_stack([x, -0.5 * x + rng.normal(size=4000), rng.normal(size=4000) * 2])
    exact = noisy_score_correlations(scores, 0.0, rng)
    assert np.allclose(exact, np.corrcoef(np.clip(scores, -SCORE_CLIP, SCORE_CLIP).T))
    # the noise a measured correlation carries, over many measurements
    draws = np.array([noisy_score_correlations(scores[:, :2], 5.0, rng)[0, 1]
                      for _ in range(400)])
    expected = 5.0 * math.sqrt(2 * 5 / 2) * SCORE_CLIP**2 / 4000
    assert correlation_noise(4000, 2, 5.0) == pytest.approx(expected)
    # near -0.45 the noise of the covariance is scaled a little by the variances' noise
    assert 0.7 * expected < draws.std() < 1.3 * expected
    assert abs(draws.mean() - exact[0, 1]) < 3 * expected / math.sqrt(400) + 0.002


def test_the_correlations_budget_follows_zero_concentrated_dp():
    # written here from the definitions: (epsilon, delta) -> rho of zCDP, a share of it,
    # and a Gaussian mechanism of noise multiplier z is 1 / (2 z**2)-zCDP
    epsilon, delta, n_units, n_rows = 10.0, 1 / 15_000, 3, 1_500
    rho = (math.sqrt(math.log(1 / delta) + epsilon) - math.sqrt(math.log(1 / delta))) ** 2
    multiplier = correlation_noise_multiplier(epsilon, delta, n_units, n_rows)
    assert 1 / (2 * multiplier**2) == pytest.approx(CORRELATION_BUDGET_SHARE * rho)
    # a smaller budget or fewer rows: noisier, or not measured at all (above 0.05)
    assert correlation_noise_multiplier(3.0, delta, n_units, n_rows) is None
    assert correlation_noise_multiplier(epsilon, delta, n_units, 300) is None
    assert correlation_noise_multiplier(epsilon, delta, 1, n_rows) is None
    # two Gaussian mechanisms given to the accountant as one of the same Rényi DP
    assert combined_noise_multiplier([2.0, 2.0]) == pytest.approx(math.sqrt(2.0))
    assert combined_noise_multiplier([None, None]) is None


@pytest.fixture(scope="module")
def linked_table():
    rng = np.random.default_rng(1)
    n_rows = 1500
    hours = rng.gamma(4.0, 10.0, n_rows)
    return pd.DataFrame({
        "hours": hours,
        "pay": 15.0 * hours * rng.lognormal(0.0, 0.1, n_rows),  # follows the hours
        "team": rng.choice(["a", "b", "c"], n_rows),
    })


def test_a_private_fit_keeps_two_linked_columns_linked(linked_table, tmp_path):
    real = linked_table["hours"].corr(linked_table["pay"])
    model = GANSampler(random_state=0, dp_epsilon=10.0).fit(linked_table)
    assert model.dp_epsilon_spent_ <= 10.0
    gaps = np.asarray(model.history_["correlation_loss"])
    assert len(gaps) == model.n_iter_ and gaps[-1] < gaps[0]
    assert not hasattr(model, "_score_correlation_target")  # not kept in the model
    rows = model.sample(3000, random_state=0)
    # without the measured target the generator's pay and hours came out with a
    # correlation of 0.1-0.4 (the mixture's modes drawn apart by the calibrations)
    assert rows["hours"].corr(rows["pay"]) > 0.8 > real - 0.2
    # the columns' mixture CDFs travel in model files and in pickles
    skgan.save(model, tmp_path / "private.skgan")
    loaded = skgan.load(tmp_path / "private.skgan")
    pd.testing.assert_frame_equal(loaded.sample(500, random_state=1),
                                  model.sample(500, random_state=1))
    again = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(again.sample(500, random_state=1),
                                  model.sample(500, random_state=1))


def test_correlations_are_not_measured_where_their_noise_is_too_large(linked_table):
    small = linked_table.iloc[:300]
    model = GANSampler(random_state=0, dp_epsilon=1.0, epochs=2).fit(small)
    assert "correlation_loss" not in model.history_
    assert model.dp_epsilon_spent_ <= 1.0


@pytest.mark.parametrize("continuous", ["vgm_cdf", "quantile"])
def test_point_masses_count_at_their_own_score_and_missing_values_at_zero(continuous):
    import torch

    from skgan.adapters._score_correlations import effective_scores

    rng = np.random.default_rng(2)
    n_rows = 2000
    balance = rng.gamma(2.0, 500.0, n_rows)
    balance[rng.uniform(size=n_rows) < 0.2] = 0.0  # no balance: the lowest value
    income = rng.normal(40_000, 8_000, n_rows)
    income[rng.uniform(size=n_rows) < 0.05] = np.nan
    frame = pd.DataFrame({"balance": balance, "income": income})
    adapter = TabularAdapter(continuous=continuous).fit(frame)
    on_balance, on_income = adapter.score_units()
    assert len(on_balance.spike_scores) == 1 and on_balance.observed is None
    assert on_income.spike_start is None and on_income.observed is not None
    dense = torch.from_numpy(adapter.encode(frame))
    scores = effective_scores(dense, adapter.score_units()).numpy()
    zero = balance == 0.0
    assert (scores[zero, 0] == on_balance.spike_scores[0]).all()
    assert on_balance.spike_scores[0] < np.percentile(scores[~zero, 0], 1)
    assert (scores[np.isnan(income), 1] == 0.0).all()
    assert np.array_equal(scores[~zero, 0], dense[~zero, on_balance.scalar].numpy())
    # a generator's block probabilities mix the scalar and the point mass's score
    soft = dense.clone()
    start = on_balance.spike_start
    soft[:, start:start + 2] = 0.5
    mixed = effective_scores(soft, [on_balance])[:, 0]
    expected = 0.5 * dense[:, on_balance.scalar] + 0.5 * on_balance.spike_scores[0]
    assert torch.allclose(mixed, expected.float())
