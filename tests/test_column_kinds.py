"""Column kinds as a user reading the table would expect them (skgan.adapters._column_kinds)."""

import numpy as np
import pandas as pd
import pytest

from skgan import GANSampler
from skgan.adapters import TabularAdapter
from skgan.adapters._column_kinds import encoding_kind, level_roughness
from skgan.adapters._table_columns import ContinuousColumn, DiscreteColumn

STATE_CODES = np.array([1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21, 22,
                        23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39,
                        40, 41, 42, 44, 45, 46, 47, 48, 49, 50, 51, 53, 54, 55, 56])


def _messy_table(n_rows=2000, seed=0):
    rng = np.random.default_rng(seed)
    weights = rng.pareto(1.0, len(STATE_CODES)) + 0.05  # a few big states, many small
    return pd.DataFrame({
        "state": rng.choice(STATE_CODES, n_rows, p=weights / weights.sum()),
        "rate": rng.choice([0.5, 1.25, 2.0, 3.75, 5.0, 7.5, 10.0], n_rows),
        "age": np.clip(rng.normal(45, 14, n_rows).round(), 18, 90).astype(int),
        "amount": rng.lognormal(3, 1, n_rows),
    })


def _kinds(adapter):
    return {encoder.name: type(encoder) for encoder in adapter.column_encoders_}


def test_codes_and_few_valued_numbers_are_discrete_quantities_continuous():
    kinds = _kinds(TabularAdapter().fit(_messy_table()))
    assert kinds == {"state": DiscreteColumn, "rate": DiscreteColumn,
                     "age": ContinuousColumn, "amount": ContinuousColumn}


def test_samples_hold_only_seen_codes_and_rates():
    table = _messy_table()
    model = GANSampler(epochs=1, generator_dims=(32,), discriminator_dims=(32,),
                       random_state=0).fit(table)
    samples = model.sample(2000, random_state=0)
    assert samples["state"].isin(STATE_CODES).all()
    assert set(samples["rate"]) <= set(table["rate"])
    assert samples["state"].dtype == table["state"].dtype


def test_user_choices_override_the_rule():
    table = _messy_table()
    adapter = TabularAdapter(discrete_columns=["age"], continuous_columns=["state", "rate"])
    kinds = _kinds(adapter.fit(table))
    assert kinds["age"] is DiscreteColumn
    assert kinds["state"] is ContinuousColumn and kinds["rate"] is ContinuousColumn


@pytest.mark.parametrize("params, message", [
    ({"discrete_columns": ["age"], "continuous_columns": ["age"]}, "both"),
    ({"continuous_columns": ["nope"]}, "continuous_columns names columns not in the data"),
    ({"continuous_columns": "state"}, "continuous_columns must be 'auto' or a list"),
])
def test_bad_column_choices_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        TabularAdapter(**params).fit(_messy_table(200))


def test_text_column_cannot_be_continuous():
    table = pd.DataFrame({"city": ["Oslo", "Lima", "Pune"] * 10, "x": np.arange(30.0)})
    with pytest.raises(ValueError, match="'city', which holds no numbers"):
        TabularAdapter(continuous_columns=["city"]).fit(table)


def test_identifiers_and_sparse_integers_stay_continuous():
    rng = np.random.default_rng(0)
    identifiers = pd.Series(rng.permutation(100_000)[:3000])  # each seen once
    jagged_but_sparse = pd.Series(np.r_[np.arange(0, 4000, 10), np.zeros(300, dtype=int)])
    assert encoding_kind(identifiers, max_discrete_levels=10) == "continuous"
    assert encoding_kind(jagged_but_sparse, max_discrete_levels=10) == "continuous"


def test_roughness_separates_smooth_counts_from_jagged_ones():
    rng = np.random.default_rng(0)
    smooth = np.bincount(np.clip(rng.normal(45, 14, 20000).round(), 0, 99).astype(int))
    jagged = rng.choice([20, 400], 50)
    assert level_roughness(smooth[smooth > 0]) < 3
    assert level_roughness(jagged) > 50


def test_dates_split_over_three_columns_come_back_valid():
    from skgan.adapters._split_dates import find_split_dates

    rng = np.random.default_rng(0)
    dates = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 9000, 600), "D")
    table = pd.DataFrame({"Birth_Year": dates.year, "amount": rng.normal(size=600),
                          "Birth_Month": dates.month, "Birth_Day": dates.day})
    assert find_split_dates(table) == [(0, 2, 3)]
    # any case, as docs/tabular.md says (only the year's own case was matched)
    mixed = table.set_axis(["birth_year", "amount", "Birth_Month", "BIRTH_DAY"], axis=1)
    assert find_split_dates(mixed) == [(0, 2, 3)]
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(table)
    samples = model.sample(3000, random_state=0)
    parts = samples.rename(columns={"Birth_Year": "year", "Birth_Month": "month",
                                    "Birth_Day": "day"})[["year", "month", "day"]]
    assert pd.to_datetime(parts, errors="coerce").notna().all()
    # Without the repair an untrained generator makes impossible days (the test can fail)
    model.adapter_.split_dates_ = []
    unrepaired = model.sample(3000, random_state=0).rename(
        columns={"Birth_Year": "year", "Birth_Month": "month", "Birth_Day": "day"})
    assert pd.to_datetime(unrepaired[["year", "month", "day"]], errors="coerce").isna().any()


def test_columns_that_do_not_always_form_dates_are_left_alone():
    from skgan.adapters._split_dates import find_split_dates

    table = pd.DataFrame({"year": [2020, 2021, 2022], "month": [2, 4, 6], "day": [30, 1, 2]})
    assert find_split_dates(table) == []  # 30 February: not a date split in three


def test_a_quantity_stays_continuous_however_many_rows_the_table_has():
    rng = np.random.default_rng(0)
    for n_rows in (2_000, 1_000_000):
        ages = pd.Series(np.clip(rng.normal(45, 14, n_rows).round(), 0, 100).astype(int))
        assert encoding_kind(ages, max_discrete_levels=10) == "continuous", n_rows


def test_split_dates_in_nullable_integer_columns_are_repaired():
    from skgan.adapters._split_dates import repair_split_dates

    years = pd.Series([2021, 2020, 2021, None], dtype="Int64")
    months = pd.Series([2, 2, 4, 1], dtype="Int64")
    days = pd.Series([30, 30, 31, 5], dtype="Int64")
    repaired = repair_split_dates(years, months, days)
    assert repaired.dtype == "Int64"
    assert repaired.tolist() == [28, 29, 30, 5]


def test_equally_frequent_codes_spread_over_a_wide_range_are_discrete():
    # Twelve industry codes, equally frequent: their counts are as smooth as an age's,
    # so the roughness read them as a quantity and 467 of 500 sampled codes were unseen.
    import skgan
    codes = np.array([111110, 111120, 236115, 311811, 423430, 445110, 522110, 541511,
                      611110, 722511, 811111, 921110])
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"naics": rng.choice(codes, 300), "x": rng.normal(size=300)})
    assert encoding_kind(table["naics"], max_discrete_levels=10) == "discrete"
    sampled = skgan.GANSampler(epochs=2, random_state=0).fit(table).sample(300, random_state=0)
    assert set(sampled["naics"]) <= set(codes)
    salaries = pd.Series(rng.integers(30, 150, 600) * 1000)  # whole thousands: a quantity
    assert encoding_kind(salaries, max_discrete_levels=10) == "continuous"
