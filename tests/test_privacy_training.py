"""Differentially private training: the budget holds, by the accountant's own formula."""

import math
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.special import comb, logsumexp

from skgan import ConditionalGAN, GANSampler

pytest.importorskip("opacus")


def _subsampled_gaussian_rdp(order, sample_rate, noise_multiplier):
    """Rényi DP of one Poisson-subsampled Gaussian step at an integer order
    (Mironov, Talwar & Zhang, 2019, section 3.3), summed term by term."""
    log_terms = [math.log(comb(order, k, exact=True)) + (order - k) * math.log1p(-sample_rate)
                 + k * math.log(sample_rate) + (k * k - k) / (2 * noise_multiplier ** 2)
                 for k in range(order + 1)]
    return logsumexp(log_terms) / (order - 1)


def _epsilon_bound(sample_rate, noise_multiplier, steps, delta, orders=range(2, 64),
                   measured_with=None):
    """(epsilon, delta)-DP from the RDP of ``steps`` steps (after one Gaussian
    measurement of noise multiplier ``measured_with``, of RDP ``order / (2 z**2)``),
    with the conversion of Balle et al. (2020), minimised over integer orders."""
    before = 0.0 if measured_with is None else 1 / (2 * measured_with ** 2)
    return min(steps * _subsampled_gaussian_rdp(order, sample_rate, noise_multiplier)
               + order * before
               + math.log((order - 1) / order) - (math.log(delta) + math.log(order)) / (order - 1)
               for order in orders)


@pytest.fixture(scope="module")
def table():
    rng = np.random.RandomState(0)
    n_rows = 600
    frame = pd.DataFrame({
        "income": rng.lognormal(10, 0.5, n_rows),
        "age": rng.randint(18, 80, n_rows),
        "region": rng.choice(["north", "south", "east"], n_rows),
    })
    frame.loc[rng.uniform(size=n_rows) < 0.05, "income"] = np.nan
    return frame


@pytest.mark.parametrize("own_adapter", [True, False])
def test_the_fit_spends_at_most_its_budget_by_the_accountants_formula(table, own_adapter):
    from skgan.adapters import TabularAdapter

    # skgan's own adapter measures noisy pair tables first (the noise is 0.6 % of these
    # rows); a user's adapter with pair_calibration=False measures none
    adapter = "auto" if own_adapter else TabularAdapter(pair_calibration=False,
                                                        independent_columns=False)
    model = GANSampler(adapter=adapter, epochs=3, batch_size=100, random_state=0,
                       dp_epsilon=2.0).fit(table)
    pair_tables = model.adapter_.pair_tables_
    assert (pair_tables is not None) == own_adapter
    measured_with = pair_tables.noise_multiplier if own_adapter else None
    assert model.dp_delta_ == pytest.approx(1 / (10 * len(table)))
    assert 0 < model.dp_epsilon_spent_ <= 2.0
    steps = 3 * (len(table) // 100)
    bound = _epsilon_bound(100 / len(table), model.dp_noise_multiplier_, steps, model.dp_delta_,
                           measured_with=measured_with)
    # the accountant also tries fractional orders, so it can only be tighter, and not by much
    assert model.dp_epsilon_spent_ <= bound + 1e-9
    assert model.dp_epsilon_spent_ > 0.9 * bound


def _linked_to_a_target(n_rows=1500, seed=0):
    """A label that a continuous balance decides (its top tenth is mostly "yes"), a
    region unlinked to both, and an age."""
    rng = np.random.RandomState(seed)
    balance = rng.gamma(2.0, 500.0, n_rows)
    top = balance > np.quantile(balance, 0.9)
    label = np.where(rng.uniform(size=n_rows) < np.where(top, 0.8, 0.02), "yes", "no")
    return pd.DataFrame({"balance": balance, "region": rng.choice(["a", "b", "c"], n_rows),
                         "age": rng.randint(18, 80, n_rows), "label": label})


def test_the_accountant_counts_the_tables_and_the_correlations_as_one_gaussian():
    """Where both the target's tables and the continuous columns' correlations are
    measured, the epsilon spent covers both (1 / z**2 of the two Gaussians added) and
    the steps after them."""
    from skgan._engine.privacy_budget import (
        combined_noise_multiplier,
        correlation_noise_multiplier,
    )

    train = _linked_to_a_target(n_rows=3000)  # balance and age: two scores
    model = GANSampler(epochs=1, batch_size=300, random_state=0, dp_epsilon=3.0,
                       dp_target="label").fit(train)
    assert "correlation_loss" in model.history_
    tables = model.adapter_.pair_tables_.noise_multiplier
    correlations = correlation_noise_multiplier(3.0, model.dp_delta_, 2, len(train))
    assert tables is not None and correlations is not None
    measured_with = combined_noise_multiplier([tables, correlations])
    bound = _epsilon_bound(300 / len(train), model.dp_noise_multiplier_, 10, model.dp_delta_,
                           measured_with=measured_with)
    # the steps' noise was calibrated after both measurements: the bound that counts
    # them stays within the budget (left out, the steps would have had less noise)
    assert 0.9 * bound < model.dp_epsilon_spent_ <= bound + 1e-9 <= 3.0 + 0.05


def test_target_tables_are_measured_and_counted_by_the_accountant(tmp_path):
    """With dp_target, the tables of the target with every other column (continuous
    ones in bins) are measured, and the accountant's epsilon covers them."""
    train = _linked_to_a_target()
    model = GANSampler(epochs=2, batch_size=100, random_state=0, dp_epsilon=1.0,
                       dp_target="label").fit(train)
    tables = model.adapter_.pair_tables_
    assert tables is not None and tables.noise_multiplier is not None
    assert sorted(tables.bin_edges) == [0, 2]  # balance and age, six bins each
    assert all(len(edges) == 5 for edges in tables.bin_edges.values())
    target = list(train.columns).index("label")
    assert len(tables.pairs) == 3
    assert all(3 in pair for pair in tables.pairs) and target == 3
    assert model.adapter_.private_pair_count(target, len(train)) == len(tables.pairs)
    steps = 2 * (len(train) // 100)
    bound = _epsilon_bound(100 / len(train), model.dp_noise_multiplier_, steps,
                           model.dp_delta_, measured_with=tables.noise_multiplier)
    assert 0.9 * bound < model.dp_epsilon_spent_ <= min(bound + 1e-9, 1.0)
    rows = model.sample(500, random_state=0)
    assert list(rows.columns) == list(train.columns)
    assert set(rows["label"]) <= {"yes", "no"}
    # a model file keeps the bins (integer keys) and samples the same rows
    import skgan
    path = tmp_path / "private.skgan"
    skgan.save(model, path)
    loaded = skgan.load(path)
    assert sorted(loaded.adapter_.pair_tables_.bin_edges) == [0, 2]
    pd.testing.assert_frame_equal(loaded.sample(500, random_state=0), rows)


def test_target_tables_keep_the_link_from_a_continuous_column_to_the_target():
    """The share of "yes" among the top tenth of balances: 0.8 in training; the private
    fit without target tables keeps almost none of it (it measures only the tables of
    discrete pairs, here one of no link), with them most of it."""
    train = _linked_to_a_target(3000)
    top_rates = {}
    for target in (None, "label"):
        model = GANSampler(epochs=3, random_state=0, dp_epsilon=3.0,
                           dp_target=target).fit(train)
        rows = model.sample(5000, random_state=1)
        top = rows["balance"] > np.quantile(train["balance"], 0.9)
        top_rates[target] = (rows.loc[top, "label"] == "yes").mean()
    assert top_rates["label"] > 0.5
    assert top_rates["label"] > top_rates[None] + 0.2


def test_dp_target_names_a_column_of_a_private_fit_of_the_own_adapter(table):
    from skgan.adapters import TabularAdapter

    with pytest.raises(ValueError, match="dp_target='wage' is not a column"):
        GANSampler(epochs=1, dp_epsilon=3.0, dp_target="wage").fit(table)
    with pytest.raises(ValueError, match="set dp_epsilon"):
        GANSampler(epochs=1, dp_target="region").fit(table)
    adapter = TabularAdapter(pair_calibration=False, independent_columns=False)
    with pytest.raises(ValueError, match="adapter='auto'"):
        GANSampler(epochs=1, dp_epsilon=3.0, dp_target="region", adapter=adapter).fit(table)
    with pytest.raises(ValueError, match="needs a tabular adapter"):
        GANSampler(epochs=1, dp_epsilon=3.0, dp_target=0, adapter="numeric").fit(
            np.random.RandomState(0).normal(size=(100, 2)))
    numbered = table.set_axis(range(3), axis=1)
    with pytest.raises(ValueError, match="dp_target=True is not a column"):
        GANSampler(epochs=1, dp_epsilon=3.0, dp_target=True).fit(numbered)  # not column 1
    model = GANSampler(epochs=1, dp_epsilon=3.0, dp_target="wage")
    with pytest.raises(ValueError):
        model.fit(table)
    assert not hasattr(model, "adapter_")  # nothing half-fitted left behind


def test_a_target_no_table_can_hold_warns_and_measures_the_discrete_pairs(table):
    constant = table.assign(country="CH", plan=np.where(table["age"] > 50, "gold", "basic"))
    with pytest.warns(UserWarning, match="dp_target='country': no table"):
        model = GANSampler(epochs=1, random_state=0, dp_epsilon=5.0,
                           dp_target="country").fit(constant)
    tables = model.adapter_.pair_tables_
    assert tables is not None and not tables.bin_edges  # the discrete pairs, as without


def test_target_tables_too_noisy_to_measure_warn():
    train = _linked_to_a_target(200)
    with pytest.warns(UserWarning, match="dp_target='label': the tables of this column "
                                         "would carry noise of more than 6%.*and so would "
                                         "one of them chosen privately"):
        model = GANSampler(epochs=1, random_state=0, dp_epsilon=0.5,
                           dp_target="label").fit(train)
    assert model.adapter_.pair_tables_ is None


def test_the_target_is_paired_with_every_continuous_column_on_bigger_tables():
    """Bins grow with the rows (twenty at 5,000); the cells a table may hold grow with
    them, so no continuous column's table with the target is left out."""
    from skgan.adapters._pair_calibration import count_measured_pairs

    train = _linked_to_a_target(5000).assign(
        debt=lambda frame: frame["balance"] * 0.3, grade=lambda frame: np.where(
            frame["age"] > 60, "a", np.where(frame["age"] > 40, "b", "c")))
    model = GANSampler(epochs=1, random_state=0, dp_epsilon=3.0, dp_target="balance")
    model.fit(train)
    tables = model.adapter_.pair_tables_
    assert all(len(edges) == 19 for edges in tables.bin_edges.values())
    assert len(tables.pairs) == train.shape[1] - 1  # balance with each other column
    assert count_measured_pairs(model.adapter_.column_encoders_, (), (), 0,
                                len(train)) == len(tables.pairs)


def test_a_smaller_budget_adds_more_noise(table):
    multipliers = [GANSampler(epochs=1, random_state=0, dp_epsilon=epsilon, dp_delta=1e-5)
                   .fit(table).dp_noise_multiplier_ for epsilon in (0.5, 2.0, 8.0)]
    assert multipliers[0] > multipliers[1] > multipliers[2] > 0


def test_private_pair_tables_get_noise_no_seed_can_redraw(table):
    # the noisy tables are kept in the model: noise drawn from random_state could be
    # redrawn and subtracted, so it comes from the operating system
    first = GANSampler(epochs=1, random_state=3, dp_epsilon=5.0).fit(table)
    second = GANSampler(epochs=1, random_state=3, dp_epsilon=5.0).fit(table)
    first_shares = np.concatenate(first.adapter_.pair_tables_.shares)
    assert not np.array_equal(first_shares,
                              np.concatenate(second.adapter_.pair_tables_.shares))


def test_a_private_model_samples_the_schema_and_repeats_itself(table):
    from skgan.adapters import TabularAdapter

    def adapter():  # without pair tables, whose noise does not follow the seed
        return TabularAdapter(pair_calibration=False, independent_columns=False)

    first = GANSampler(adapter=adapter(), epochs=2, random_state=3, dp_epsilon=5.0).fit(table)
    second = GANSampler(adapter=adapter(), epochs=2, random_state=3, dp_epsilon=5.0).fit(table)
    rows = first.sample(200, random_state=0)
    assert list(rows.columns) == list(table.columns)
    assert (rows.dtypes == table.dtypes).all()
    assert set(rows["region"].dropna()) <= set(table["region"])
    pd.testing.assert_frame_equal(rows, second.sample(200, random_state=0))
    assert first.discriminator_.pac == 1  # one row per pack: the unit of privacy
    assert first.conditioner_ is None  # no training-by-sampling
    for parameter in first.discriminator_.parameters():  # Opacus' traces are gone
        assert not hasattr(parameter, "grad_sample")


def _one_step(noise_multiplier, real, fake_rows=4, max_grad_norm=0.5, batch_size=4):
    from skgan._engine.private_discriminator import PrivateDiscriminator
    from skgan.networks.mlp import MLPDiscriminator
    from skgan.objectives import discriminator_loss

    torch.manual_seed(0)
    discriminator = MLPDiscriminator(2, (8,))
    before = [parameter.detach().clone() for parameter in discriminator.parameters()]
    optimizer = torch.optim.SGD(discriminator.parameters(), lr=1.0)
    private = PrivateDiscriminator(
        discriminator, optimizer, epsilon=1.0, delta=1e-5, max_grad_norm=max_grad_norm,
        n_rows=100, batch_size=batch_size, n_steps=10, generator=torch.Generator().manual_seed(0))
    private.optimizer.noise_multiplier = noise_multiplier
    with private.per_row_gradients():
        logits = discriminator(torch.cat([real, torch.zeros(fake_rows, 2)]))
        private.step(discriminator_loss(logits[:len(real)], logits[len(real):], "lsgan",
                                        reduction="sum"))
    private.close()
    change = torch.cat([(after - start).flatten()
                        for after, start in zip(discriminator.parameters(), before)])
    return change, private


def test_each_row_counts_at_most_the_clipping_norm():
    # rows far out make huge gradients; clipped, each adds at most max_grad_norm / batch
    real = torch.full((4, 2), 1e4)
    change, private = _one_step(0.0, real, fake_rows=0)
    assert torch.linalg.norm(change) <= 4 * 0.5 / 4 + 1e-6
    one_more, _ = _one_step(0.0, torch.cat([real, torch.full((1, 2), -1e4)]), fake_rows=0)
    assert torch.linalg.norm(one_more - change) <= 0.5 / 4 + 1e-6
    assert private.accountant.history  # the step was counted


def test_the_noise_has_the_calibrated_spread():
    real = torch.randn(4, 2, generator=torch.Generator().manual_seed(1))
    clean, _ = _one_step(0.0, real)
    noisy, _ = _one_step(3.0, real)
    expected = 3.0 * 0.5 / 4  # noise_multiplier * max_grad_norm / batch_size
    assert (noisy - clean).std().item() == pytest.approx(expected, rel=0.2)


@pytest.mark.parametrize("params, fit_twice, message", [
    ({"early_stopping": True}, False, "early_stopping"),
    ({"warm_start": True}, True, "budgets one whole fit"),
    ({"dp_delta": 1.5}, False, "dp_delta"),
    ({"dp_epsilon": 1e-3, "epochs": 50}, False, "cannot be kept by"),
])
def test_combinations_that_would_break_the_guarantee_are_refused(table, params, fit_twice,
                                                                 message):
    model = GANSampler(**{"epochs": 1, "random_state": 0, "dp_epsilon": 1.0, **params})
    with pytest.raises(ValueError, match=message):
        model.fit(table)
        if fit_twice:
            model.fit(table)


def test_partial_fit_is_refused(table):
    model = GANSampler(epochs=1, random_state=0, dp_epsilon=1.0)
    model.partial_fit(table)  # the first call is a whole fit of one epoch
    with pytest.raises(ValueError, match="budgets one whole fit"):
        model.partial_fit(table)


def test_layers_without_per_row_gradients_are_refused_by_name(table):
    from skgan._engine.private_discriminator import PrivateDiscriminator

    mixing = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.BatchNorm1d(4))
    with pytest.raises(ValueError, match="BatchNorm"):
        PrivateDiscriminator(mixing, torch.optim.SGD(mixing.parameters(), lr=0.1),
                             epsilon=1.0, delta=1e-5, max_grad_norm=1.0, n_rows=100,
                             batch_size=10, n_steps=10, generator=torch.Generator())
    model = GANSampler(epochs=1, random_state=0, dp_epsilon=1.0, spectral_norm=True)
    with pytest.raises(ValueError, match="spectral_norm"):
        model.fit(table)
    assert not hasattr(model, "generator_")  # nothing half-fitted


def test_images_train_privately_with_the_convolutional_networks():
    images = np.random.RandomState(0).uniform(size=(64, 1, 8, 8)).astype(np.float32)
    model = GANSampler(epochs=1, batch_size=16, random_state=0, dp_epsilon=1.0).fit(images)
    assert model.sample(3).shape == (3, 1, 8, 8)
    assert 0 < model.dp_epsilon_spent_ <= 1.0


def test_missing_opacus_names_the_extra(table, monkeypatch):
    monkeypatch.setitem(sys.modules, "opacus", None)
    with pytest.raises(ImportError, match=r"skgan\[privacy\]"):
        GANSampler(epochs=1, dp_epsilon=1.0).fit(table)


def test_conditional_gan_trains_privately_with_labels_from_the_prior(table):
    from skgan import ConditionalGAN

    X, y = table.drop(columns="region"), table["region"]
    first = ConditionalGAN(epochs=2, random_state=0, dp_epsilon=2.0).fit(X, y)
    second = ConditionalGAN(epochs=2, random_state=0, dp_epsilon=2.0).fit(X, y)
    assert 0 < first.dp_epsilon_spent_ <= 2.0
    rows, labels = first.sample(50, y="north", random_state=0)
    assert list(rows.columns) == list(X.columns) and set(labels) == {"north"}
    pd.testing.assert_frame_equal(rows, second.sample(50, y="north", random_state=0)[0])
    for params, message in (({"objective": "wgan-gp"}, "wgan-gp"),
                            ({"class_weight": "balanced"}, "class_weight")):
        with pytest.raises(ValueError, match=message):
            ConditionalGAN(epochs=1, dp_epsilon=1.0, **params).fit(X, y)


def test_a_private_fit_logs_no_loss_of_the_real_rows(table, tmp_path):
    # The discriminator's loss is a figure of the real rows that no noise reached: kept
    # in history_ (and so in the model file) it would reveal what dp_epsilon bounds.
    from skgan.io import load, save

    X, y = table.drop(columns="region"), table["region"]
    for model in (GANSampler(epochs=2, random_state=0, dp_epsilon=2.0).fit(table),
                  ConditionalGAN(epochs=2, random_state=0, dp_epsilon=2.0).fit(X, y)):
        assert "discriminator_loss" not in model.history_
        assert "mismatch_loss" not in model.history_
        assert np.isfinite(model.history_["generator_loss"]).all()
        path = tmp_path / f"{type(model).__name__}.skgan"
        save(model, path)
        assert "discriminator_loss" not in load(path).history_
    plain = GANSampler(epochs=2, random_state=0).fit(table)
    assert np.isfinite(plain.history_["discriminator_loss"]).all()


def test_signal_spectrum_matching_is_refused():
    from skgan.adapters import SignalAdapter

    signals = np.random.RandomState(0).normal(size=(32, 1, 64)).astype(np.float32)
    with pytest.raises(ValueError, match="spectrum_matching"):
        GANSampler(adapter=SignalAdapter(), epochs=1, dp_epsilon=1.0).fit(signals)
    model = GANSampler(adapter=SignalAdapter(spectrum_matching=0), epochs=1, batch_size=8,
                       random_state=0, dp_epsilon=1.0).fit(signals)
    assert model.sample(2).shape == (2, 1, 64)
    # The estimator's own signal adapter was refused for the option it turns on itself.
    own = GANSampler(adapter="signal", epochs=1, batch_size=8, random_state=0,
                     dp_epsilon=1.0).fit(signals)
    assert own.adapter_.spectrum_matching == 0 and own.sample(2).shape == (2, 1, 64)


def test_options_reading_the_rows_are_off_in_a_private_fit(table):
    from skgan.adapters import TabularAdapter

    model = GANSampler(epochs=1, random_state=0, dp_epsilon=1.0).fit(table)
    assert model.adapter_.pair_calibration is False  # the joint frequencies stay unread
    assert model.adapter_.independent_columns is False  # no tests on the rows
    assert model.adapter_.independent_groups_ == []
    # a mixture's statistics, not quantiles, the column one score under its CDF
    assert model.adapter_.continuous == "vgm_cdf"
    assert GANSampler(epochs=1, random_state=0).fit(table).adapter_.continuous == "auto"
    with pytest.raises(ValueError, match=r"TabularAdapter\(pair_calibration=False, "
                                         r"independent_columns=False\)"):
        GANSampler(adapter=TabularAdapter(), epochs=1, dp_epsilon=1.0).fit(table)
    with pytest.raises(ValueError, match="independent_columns"):
        GANSampler(adapter=TabularAdapter(pair_calibration=False), epochs=1,
                   dp_epsilon=1.0).fit(table)
    own = GANSampler(adapter=TabularAdapter(pair_calibration=False,
                                            independent_columns=False),
                     epochs=1, dp_epsilon=1.0).fit(table)
    assert own.adapter_.continuous == "auto"  # the user's choice is kept


def test_a_private_fit_spreads_continuous_values_as_the_column_is_spread(table):
    # Noisy gradients can leave a tanh unit saturated: without the scalar units' maps
    # every generated age of these fits sat at 18 or at 79 (KS 0.88-0.98).
    from scipy.stats import ks_2samp

    model = GANSampler(epochs=10, batch_size=100, random_state=0, dp_epsilon=1.0).fit(table)
    rows = model.sample(2000, random_state=0)
    for column in ("income", "age"):
        assert ks_2samp(table[column].dropna(), rows[column].dropna()).statistic < 0.2
    head = model.generator_average_.head
    assert head.scalar_quantiles.shape == (2, 2, 61)
    # each continuous column is one score under its mixture's CDF: no mode a level
    # calibration could draw apart from another column's
    codes = model.adapter_.encode_for_training(table, "cpu").codes.numpy()
    assert model.adapter_.mode_rates(codes) == []
    # a plain fit leaves its units as they are
    assert GANSampler(epochs=1, random_state=0).fit(table).generator_.head.scalar_quantiles is None


def test_a_private_conditional_fit_spreads_continuous_values_too(table):
    from scipy.stats import ks_2samp

    from skgan import ConditionalGAN

    X, y = table[["income", "age"]], table["region"]
    model = ConditionalGAN(epochs=10, batch_size=100, random_state=0,
                           dp_epsilon=1.0).fit(X, y)
    rows, labels = model.sample(2000, random_state=0)
    for column in ("income", "age"):
        assert ks_2samp(X[column].dropna(), rows[column].dropna()).statistic < 0.2
    assert set(labels) == set(y)
    assert model.generator_average_.head.scalar_quantiles.shape == (2, 2, 61)
    plain = ConditionalGAN(epochs=1, random_state=0).fit(X, y)
    assert plain.generator_average_.head.scalar_quantiles is None


def test_a_private_generator_state_loads_strictly_into_a_head_without_maps(table):
    import copy

    private = GANSampler(epochs=2, batch_size=100, random_state=0, dp_epsilon=1.0).fit(table)
    fresh = copy.deepcopy(private.generator_average_)
    fresh.head.scalar_quantiles = None  # as a head built anew has none
    assert "head.scalar_quantiles" not in fresh.state_dict()
    state = private.generator_average_.state_dict()
    fresh.load_state_dict(state)  # strict: the maps' key is taken, not refused
    torch.testing.assert_close(fresh.head.scalar_quantiles, state["head.scalar_quantiles"])
    without_maps = {key: value for key, value in state.items() if key != "head.scalar_quantiles"}
    fresh.load_state_dict(without_maps)  # and a state without maps drops them
    assert fresh.head.scalar_quantiles is None


def test_a_private_model_file_samples_the_same_rows(table, tmp_path):
    import skgan

    model = GANSampler(epochs=2, batch_size=100, random_state=0, dp_epsilon=1.0).fit(table)
    skgan.save(model, tmp_path / "private.skgan")
    loaded = skgan.load(tmp_path / "private.skgan")
    torch.testing.assert_close(loaded.generator_average_.head.scalar_quantiles,
                               model.generator_average_.head.scalar_quantiles, rtol=0, atol=0)
    pd.testing.assert_frame_equal(loaded.sample(300, random_state=1),
                                  model.sample(300, random_state=1))


@pytest.mark.filterwarnings("ignore:Optimal order is the largest alpha")
def test_auto_steps_are_the_most_the_budget_pays_for_at_unit_noise():
    from opacus.accountants.utils import get_noise_multiplier

    from skgan._engine.privacy_budget import (AUTO_NOISE_MULTIPLIER, MIN_AUTO_STEPS,
                                             auto_private_steps)

    steps = auto_private_steps(15_000, 128, 3.0, 1e-5, 5000)
    assert MIN_AUTO_STEPS < steps < 5000
    # the accountant calibrates noise of at most 1 for these steps and more for one more
    def noise(n_steps):
        return get_noise_multiplier(target_epsilon=3.0, target_delta=1e-5,
                                    sample_rate=128 / 15_000, steps=n_steps,
                                    accountant="rdp", epsilon_tolerance=0.001)
    assert noise(steps) <= AUTO_NOISE_MULTIPLIER + 0.01
    assert noise(steps + 50) > AUTO_NOISE_MULTIPLIER
    assert auto_private_steps(15_000, 128, 2.0, 1e-5, 5000) < steps  # less budget, fewer
    assert auto_private_steps(15_000, 128, 30.0, 1e-5, 5000) == 5000  # a plain fit's at most
    assert auto_private_steps(300, 128, 1.0, 1e-4, 5000) == MIN_AUTO_STEPS  # the floor


def test_a_private_fit_with_auto_epochs_runs_the_chosen_steps(table):
    model = GANSampler(batch_size=300, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0, dp_epsilon=1.0).fit(table)
    assert model.n_iter_ == 100  # 200 steps (the floor) of 2 batches an epoch
    assert model.dp_epsilon_spent_ <= 1.0


def test_a_private_fit_runs_in_float32(table, monkeypatch):
    # Opacus' per-row gradients fail under bfloat16 autocast, and the scalar units' maps
    # are fitted on float32 raw values: "auto" (bfloat16 on CUDA) stays off, True is refused
    with pytest.raises(ValueError, match="amp=True cannot train with dp_epsilon"):
        GANSampler(epochs=1, dp_epsilon=1.0, amp=True).fit(table)
    model = GANSampler(dp_epsilon=1.0, amp="auto")
    model.device_ = torch.device("cuda")
    monkeypatch.setattr(torch, "autocast", lambda device, dtype, enabled: enabled)
    assert model._autocast() is False  # autocast asked for, and off
    model.set_params(dp_epsilon=None)
    assert model._autocast() is True


def test_mode_shares_are_those_the_generator_is_trained_on():
    # missing values are encoded at the column's median, in its mode: the shares a
    # private fit calibrates the modes to count them there
    from skgan.adapters import TabularAdapter

    rng = np.random.RandomState(0)
    values = np.r_[rng.normal(0, 1, 300), rng.normal(8, 1, 200)]
    values[rng.uniform(size=500) < 0.3] = np.nan
    frame = pd.DataFrame({"x": values, "c": rng.choice(["a", "b"], 500)})
    adapter = TabularAdapter(continuous="vgm").fit(frame)
    codes = adapter.encode_for_training(frame, "cpu").codes.numpy()
    (start, shares), = adapter.mode_rates(codes)
    trained_on = np.bincount(codes[:, adapter._flat_block_starts().index(start)],
                             minlength=len(shares)) / len(frame)
    np.testing.assert_allclose(shares, trained_on)


def test_a_private_conditional_gan_judges_rows_one_at_a_time_whatever_its_pac():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(120, 2)), np.repeat([0, 1], 60)
    model = ConditionalGAN(pac=2, dp_epsilon=1.0, epochs=1, batch_size=32,
                           random_state=0).fit(X, y)
    samples, labels = model.sample(10, random_state=0)
    assert samples.shape == (10, 2) and set(labels) <= {0, 1}


def test_a_private_fit_of_the_own_adapter_keeps_rare_levels_apart():
    # Pooling rare levels keeps a plain fit from copying their rows; the budget bounds
    # that in a private fit, where pooling cost quality (docs/privacy.md, "Rare levels").
    from skgan.adapters import TabularAdapter
    rng = np.random.RandomState(0)
    table = pd.DataFrame({"state": [f"S{k}" for k in np.repeat(np.arange(30), 8)],
                          "amount": rng.normal(size=240)})
    settings = dict(dp_epsilon=3.0, epochs=1, random_state=0, batch_size=60)
    own = GANSampler(**settings).fit(table)
    assert own.adapter_.min_frequency is None
    assert own.adapter_.column_encoders_[0].block_widths == [30]
    passed = GANSampler(adapter=TabularAdapter(pair_calibration=False, independent_columns=False),
                        **settings).fit(table)
    assert passed.adapter_.column_encoders_[0].block_widths == [1]



def _decided_target(n_rows=300, seed=0):
    """A three-level ``kind`` that ``group`` decides in nine rows of ten, beside two
    columns that say nothing of it."""
    rng = np.random.RandomState(seed)
    group = rng.choice(["a", "b", "c"], n_rows)
    kind = np.where(rng.uniform(size=n_rows) < 0.9,
                    pd.Series(group).map({"a": "x", "b": "y", "c": "z"}),
                    rng.choice(["x", "y", "z"], n_rows))
    return pd.DataFrame({"colour": rng.choice(["red", "green", "blue"], n_rows),
                         "group": group, "shape": rng.choice(["o", "s", "t"], n_rows),
                         "kind": kind})


def test_a_selection_plan_spends_what_measuring_every_table_would():
    """Too many target tables for the noise bound: 20 % of the pair tables' budget
    chooses one table by the exponential mechanism (an eps-DP exponential mechanism is
    eps**2 / 8-zero-concentrated DP) and the rest measures it; the accountant's one
    Gaussian mechanism has the Rényi DP of both."""
    from skgan._engine.privacy_budget import pair_noise_multiplier, target_selection_plan

    epsilon, delta, n_rows = 0.5, 1 / 3000, 300
    assert pair_noise_multiplier(epsilon, delta, 3, n_rows, 0.06) is None  # all three: too noisy
    plan = target_selection_plan(epsilon, delta, 3, n_rows)
    log_inverse_delta = math.log(1 / delta)
    rho = 0.5 * (math.sqrt(log_inverse_delta + epsilon) - math.sqrt(log_inverse_delta)) ** 2
    assert plan.n_chosen == 1
    assert plan.table_noise_multiplier <= 0.06 * n_rows  # the one table is within the bound
    assert 1 / (2 * plan.table_noise_multiplier ** 2) == pytest.approx(0.8 * rho)
    assert plan.round_epsilon ** 2 / 8 == pytest.approx(0.2 * rho)
    assert 1 / (2 * plan.noise_multiplier ** 2) == pytest.approx(
        1 / (2 * plan.table_noise_multiplier ** 2) + plan.round_epsilon ** 2 / 8)
    # all tables within the bound: no choice; not even one: none
    assert target_selection_plan(5.0, delta, 3, n_rows) is None
    assert target_selection_plan(0.5, 1 / 2000, 3, 200) is None


def test_tables_are_chosen_with_the_exponential_mechanisms_probabilities():
    """Two tables whose utilities differ by 10 rows, chosen 20,000 times at epsilon 0.1:
    the better one with probability exp(0.1 * 10) / (1 + exp(0.1 * 10)), the
    mechanism's definition for a monotone utility of sensitivity one."""
    from skgan.adapters._target_selection import choose_target_pairs

    better = np.array([[40, 0], [10, 50]])  # majority count 90 (target on the rows)
    worse = np.array([[40, 10], [10, 40]])  # 80
    rng = np.random.default_rng(0)
    draws = [choose_target_pairs({(0, 1): better, (0, 2): worse}, 0, [2, 2, 2], 1, 0.1,
                                 0.0, rng) for _ in range(20_000)]
    share = np.mean([draw == [(0, 1)] for draw in draws])
    expected = math.exp(1.0) / (1 + math.exp(1.0))
    assert abs(share - expected) < 5 * math.sqrt(expected * (1 - expected) / 20_000)
    # the penalty: half the cell noise per level beyond the first, from the levels alone
    many_levels = np.hstack([better, np.zeros((2, 8), dtype=int)])  # same counts, 10 levels
    picks = [choose_target_pairs({(0, 1): many_levels, (0, 2): worse}, 0, [2, 10, 2], 1,
                                 5.0, 10.0, rng) for _ in range(200)]
    assert all(pick == [(0, 2)] for pick in picks)  # 90 - 45 against 80 - 5


def test_a_target_too_noisy_for_all_its_tables_keeps_its_most_telling_one(monkeypatch):
    """300 rows at epsilon 0.5: the target's three tables together would carry noise of
    6.6 % of the rows, one alone 4.3 %. The fit chooses one privately (here the column
    that decides the target) instead of measuring none, and its samples keep the link;
    the accountant's epsilon covers the choice and the table."""
    import secrets

    from skgan._engine.privacy_budget import target_selection_plan

    train = _decided_target()
    monkeypatch.setattr(secrets, "randbits", lambda bits: 12345)  # the OS noise, fixed
    model = GANSampler(epochs=2, batch_size=100, random_state=0, dp_epsilon=0.5,
                       dp_target="kind").fit(train)
    tables = model.adapter_.pair_tables_
    group, kind = 1, 3
    assert tables.pairs == [(group, kind)]
    plan = target_selection_plan(0.5, model.dp_delta_, 3, len(train))
    assert tables.noise_multiplier == pytest.approx(plan.table_noise_multiplier)
    assert tables.selection_epsilon == pytest.approx(plan.round_epsilon)
    # what the model keeps is enough to audit the budget: the table's Gaussian and the
    # choice's zCDP add up to the mechanism the accountant was given
    assert (1 / (2 * tables.noise_multiplier ** 2) + tables.selection_epsilon ** 2 / 8
            == pytest.approx(1 / (2 * plan.noise_multiplier ** 2)))
    bound = _epsilon_bound(100 / len(train), model.dp_noise_multiplier_, 2 * 3,
                           model.dp_delta_, measured_with=plan.noise_multiplier)
    assert 0.9 * bound < model.dp_epsilon_spent_ <= min(bound + 1e-9, 0.5)
    rows = model.sample(3000, random_state=0)
    agreeing = (rows["group"].map({"a": "x", "b": "y", "c": "z"}) == rows["kind"]).mean()
    assert agreeing > 0.6  # training 0.93; independent columns 0.33


@pytest.mark.parametrize("params", [{"dp_delta": 1e-5}, {"dp_max_grad_norm": 0.5}])
def test_privacy_settings_without_an_epsilon_warn_that_the_fit_is_not_private(params):
    # They were ignored without a word: a user who set dp_delta took the fit for private.
    X = np.random.RandomState(0).normal(size=(64, 2))
    with pytest.warns(UserWarning, match="without dp_epsilon this fit is not private"):
        model = GANSampler(epochs=1, random_state=0, **params).fit(X)
    assert not hasattr(model, "dp_epsilon_spent_")
