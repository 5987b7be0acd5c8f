"""Generated rows hold each level and missing values at the training rate."""

import numpy as np
import pandas as pd
import pytest

from skgan import ConditionalGAN, GANSampler, WGANSampler
from skgan.adapters import TabularAdapter


def _table(n_rows=1500, seed=0):
    rng = np.random.default_rng(seed)
    status = rng.choice(["active", "cancelled", "pending"], n_rows, p=[0.8, 0.15, 0.05])
    amount = rng.lognormal(3, 1, n_rows)
    amount[status == "cancelled"] = np.nan  # missing exactly when cancelled
    income = rng.normal(50, 10, n_rows)
    income[rng.random(n_rows) < 0.03] = np.nan  # rare missing values
    return pd.DataFrame({"status": status, "amount": amount, "income": income})


def _fit(estimator, calibrate, table, pairs=True, **params):
    adapter = TabularAdapter(level_calibration=calibrate, pair_calibration=pairs)
    return estimator(epochs=2, generator_dims=(32,), discriminator_dims=(32,), random_state=0,
                     adapter=adapter, **params).fit(table)


@pytest.mark.parametrize("estimator, params", [(GANSampler, {}), (WGANSampler, {"n_critic": 1})])
def test_missing_shares_and_level_shares_match_the_training_rows(estimator, params):
    table = _table()
    samples = _fit(estimator, True, table, **params).sample(20_000, random_state=1)
    for column in ("amount", "income"):
        assert samples[column].isna().mean() == pytest.approx(table[column].isna().mean(),
                                                              abs=0.006)
    real_shares = table["status"].value_counts(normalize=True)
    fake_shares = samples["status"].value_counts(normalize=True)
    np.testing.assert_allclose(fake_shares[real_shares.index], real_shares, atol=0.01)


def test_calibration_is_what_fixes_the_rates():
    """Two epochs are too few to learn the rates: without either calibration they are
    off; choosing rows by pairs (pair calibration) alone also brings them back."""
    table = _table()

    def largest_gap(samples):
        return max(abs(samples[column].isna().mean() - table[column].isna().mean())
                   for column in ("amount", "income"))

    assert largest_gap(_fit(GANSampler, False, table, pairs=False)
                       .sample(20_000, random_state=1)) > 0.02
    assert largest_gap(_fit(GANSampler, False, table).sample(20_000, random_state=1)) < 0.01


def test_missing_values_stay_tied_to_the_column_that_explains_them():
    table = _table()
    model = GANSampler(epochs=30, generator_dims=(64,), discriminator_dims=(64,),
                       random_state=0).fit(table)

    def missing_by_status(samples):
        cancelled = samples["status"] == "cancelled"
        return (samples.loc[cancelled, "amount"].isna().mean(),
                samples.loc[~cancelled, "amount"].isna().mean())

    calibrated = missing_by_status(model.sample(5000, random_state=1))
    model.generator_average_.head.level_bias.zero_()
    uncalibrated = missing_by_status(model.sample(5000, random_state=1))
    assert calibrated[0] > 0.7 and calibrated[1] < 0.05
    np.testing.assert_allclose(calibrated, uncalibrated, atol=0.1)


def test_calibration_does_not_advance_the_sampling_stream_and_is_repeatable():
    table = _table(400)
    first = _fit(GANSampler, True, table)
    second = _fit(GANSampler, True, table)
    pd.testing.assert_frame_equal(first.sample(50), second.sample(50))
    bias = first.generator_average_.head.level_bias
    assert bias.abs().sum() > 0


def test_conditional_gan_is_left_uncalibrated():
    table = _table(400)
    y = (table["status"] == "active").to_numpy()
    model = ConditionalGAN(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                           random_state=0).fit(table.drop(columns="status"), y)
    assert not model.generator_average_.head.level_bias.any()


def test_shifts_match_shares_exactly_and_skip_blocks_too_wide_to_estimate():
    from skgan._engine.level_rates import MAX_CALIBRATED_WIDTH, calibrate_level_rates

    rng = np.random.default_rng(0)
    narrow = rng.normal(size=(4000, 3)) + [4.0, 0.0, -2.0]  # peaked: shares far off
    wide = rng.normal(size=(4000, MAX_CALIBRATED_WIDTH + 1))
    targets = np.array([0.5, 0.3, 0.2])
    bias, gaps = calibrate_level_rates(
        np.hstack([narrow, wide]),
        [(0, targets), (3, np.full(wide.shape[1], 1 / wide.shape[1]))])
    shifted = np.exp(narrow + bias[:3])
    np.testing.assert_allclose((shifted / shifted.sum(1, keepdims=True)).mean(0), targets,
                               atol=1e-4)
    assert abs(gaps[0]) > 0.3  # the generator's shares were far off
    assert not bias[3:].any()


def test_a_decided_block_is_matched_in_the_rows_the_rules_leave_alone():
    from skgan._engine.level_rates import MAX_SHIFT, shift_to_linked_shares
    from scipy.special import softmax

    rng = np.random.default_rng(1)
    logits = rng.normal(size=(20_000, 3)) + [1.0, 0.0, -1.0]
    decided = rng.random(20_000) < 0.25  # a rule writes unit 0 into these rows
    targets = np.array([0.4, 0.45, 0.15])
    shift = np.zeros(3)
    for _ in range(3):
        drawn = softmax(logits + shift, axis=1)
        shares_decided = np.array([decided.mean(), 0.0, 0.0])
        undecided = drawn[~decided].sum(axis=0) / len(logits)
        shift = shift_to_linked_shares(shift, shares_decided, undecided, targets)
    final = decided.mean() * np.eye(3)[0] + softmax(logits + shift, axis=1)[~decided].sum(
        axis=0) / len(logits)
    np.testing.assert_allclose(final, targets, atol=0.01)
    # the rules already write more of unit 0 than its share: drawn elsewhere at a tenth
    # of its drawn share (a bounded step), not wiped out
    too_many = shift_to_linked_shares(np.zeros(2), [0.7, 0.0], [0.2, 0.1], [0.6, 0.4])
    drawn_odds, wanted_odds = 2.0, 0.1 * 2 / 3 / 0.4
    assert too_many[0] - too_many[1] == pytest.approx(np.log(wanted_odds / drawn_odds))
    assert too_many[0] - too_many[1] > -MAX_SHIFT / 4


def test_shifts_stay_finite_and_exact_on_logits_where_exp_overflows():
    # the search works on exp(logits - row max), computed once: logits near 1,000,
    # whose exp overflows, and a level hundreds of logits down in some rows
    from skgan._engine.level_rates import MAX_SHIFT, calibrate_level_rates

    rng = np.random.default_rng(1)
    logits = 1000.0 + 3.0 * rng.normal(size=(4000, 3)) + [2.0, 0.0, -2.0]
    logits[:100, 2] -= 500.0
    targets = np.array([0.6, 0.3, 0.1])
    bias, _ = calibrate_level_rates(logits, [(0, targets)])
    assert np.isfinite(bias).all() and np.abs(bias).max() <= 2 * MAX_SHIFT
    shifted = logits + bias
    shares = np.exp(shifted - shifted.max(1, keepdims=True))
    np.testing.assert_allclose((shares / shares.sum(1, keepdims=True)).mean(0), targets,
                               atol=2e-3)


def test_a_failed_calibration_keeps_the_training_and_warns(monkeypatch):
    import skgan._engine.calibration as calibration

    def broken(*args, **kwargs):
        raise FloatingPointError("no")

    monkeypatch.setattr(calibration, "calibrate_level_rates", broken)
    with pytest.warns(UserWarning, match="matching the training rates failed"):
        model = _fit(GANSampler, True, _table(300))
    assert len(model.history_["epoch"]) == 2
    assert not model.generator_average_.head.level_bias.any()
    assert model.sample(5).shape == (5, 3)
