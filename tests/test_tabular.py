"""The tabular adapter and the estimators on mixed-type tables."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skgan import GANSampler, WGANSampler
from skgan.adapters import TabularAdapter

SMALL = dict(generator_dims=(64, 64), discriminator_dims=(64, 64), latent_dim=8,
             batch_size=64)


def mixed_table(n_rows=400, seed=0):
    """Every column kind, with missing values where a kind can hold them."""
    rng = np.random.RandomState(seed)
    missing = lambda share: rng.rand(n_rows) < share  # noqa: E731
    table = pd.DataFrame({
        "price": np.where(missing(0.2), np.nan, rng.lognormal(3, 0.5, n_rows)),
        "count": rng.randint(0, 1000, n_rows),
        "score": pd.array(np.where(missing(0.1), None, rng.randint(-50, 50, n_rows)),
                          dtype="Int64"),
        "rooms": rng.randint(1, 5, n_rows).astype(np.int32),
        "member": rng.rand(n_rows) < 0.3,
        "opted_in": pd.array(np.where(missing(0.1), None, rng.rand(n_rows) < 0.5),
                             dtype="boolean"),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n_rows),
                               categories=["S", "M", "L", "XL"], ordered=True),
        "city": pd.Series(np.where(missing(0.15), None,
                                   rng.choice(["Oslo", "Lima", "Pune"], n_rows)), dtype=object),
        "joined": pd.to_datetime("2020-01-01")
        + pd.to_timedelta(rng.randint(0, 365, n_rows), unit="D"),
        "seen_at": (pd.to_datetime("2021-01-01")
                    + pd.to_timedelta(rng.randint(0, 10**6, n_rows), unit="s")
                    ).tz_localize("Europe/Paris"),
        "duration": pd.to_timedelta(rng.randint(0, 100, n_rows), unit="h"),
        "source": "web",
    })
    table.loc[missing(0.1), "joined"] = pd.NaT
    return table


@pytest.fixture(scope="module")
def table():
    return mixed_table()


@pytest.fixture(scope="module")
def fitted(table):
    return GANSampler(random_state=0, epochs=40, **SMALL).fit(table)


def assert_valid_rows(samples, table):
    """Same schema; discrete values seen in training; numbers within the training range."""
    assert list(samples.columns) == list(table.columns)
    assert samples.dtypes.to_dict() == table.dtypes.to_dict()
    for name in table.columns:
        real, fake = table[name], samples[name]
        assert not fake.isna().any() or real.isna().any(), name
        observed = fake.dropna()
        if isinstance(real.dtype, pd.CategoricalDtype) or real.dtype == object or (
            pd.api.types.is_string_dtype(real.dtype) or pd.api.types.is_bool_dtype(real.dtype)
        ):
            assert set(observed) <= set(real.dropna()), name
        else:
            assert observed.min() >= real.min() and observed.max() <= real.max(), name


def test_encode_decode_round_trip_keeps_values_and_dtypes(table):
    adapter = TabularAdapter().fit(table)
    decoded = adapter.decode(adapter.encode(table))
    assert decoded.dtypes.to_dict() == table.dtypes.to_dict()
    exact = ["count", "score", "rooms", "member", "opted_in", "size", "city", "joined",
             "duration", "source"]
    pd.testing.assert_frame_equal(decoded[exact], table[exact])
    np.testing.assert_allclose(decoded["price"], table["price"], rtol=0.02)
    assert (decoded["seen_at"] - table["seen_at"]).abs().max() <= pd.Timedelta("2min")


def test_column_kinds_and_layout(table):
    adapter = TabularAdapter().fit(table)
    kinds = {name: type(encoder).__name__ for name, encoder
             in zip(table.columns, adapter.column_encoders_)}
    assert kinds["price"] == kinds["count"] == kinds["joined"] == "ContinuousColumn"
    assert kinds["rooms"] == kinds["member"] == kinds["city"] == "DiscreteColumn"
    assert kinds["source"] == "ConstantColumn"
    # Conditioned columns: every discrete one; the unused category "XL" gets no unit.
    widths = {table.columns[index]: width for index, _, width, _ in adapter.condition_blocks_}
    assert widths["size"] == 3 and widths["city"] == 4 and widths["member"] == 2


def test_sampled_table_has_the_training_schema(fitted, table):
    samples = fitted.sample(500, random_state=0)
    assert_valid_rows(samples, table)
    assert samples["joined"].dropna().dt.normalize().equals(samples["joined"].dropna())


def test_sampling_is_reproducible_and_survives_pickling(fitted):
    first = fitted.sample(50, random_state=3)
    pd.testing.assert_frame_equal(first, fitted.sample(50, random_state=3))
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(restored.sample(50, random_state=3), first)


def test_fit_is_bit_identical_with_the_same_seed(table):
    first = WGANSampler(random_state=1, epochs=2, **SMALL).fit(table).sample(30)
    second = WGANSampler(random_state=1, epochs=2, **SMALL).fit(table).sample(30)
    pd.testing.assert_frame_equal(first, second)


def test_input_table_is_not_modified(table):
    copy = table.copy()
    GANSampler(epochs=1, **SMALL).fit(table).score(table)
    pd.testing.assert_frame_equal(table, copy)


def test_missing_values_are_reproduced_at_their_rate():
    rng = np.random.RandomState(0)
    n_rows = 1200
    table = pd.DataFrame({
        "income": np.where(rng.rand(n_rows) < 0.3, np.nan, rng.normal(50, 10, n_rows)),
        "colour": pd.Series(np.where(rng.rand(n_rows) < 0.2, None,
                                     rng.choice(["red", "blue"], n_rows)), dtype=object),
    })
    model = GANSampler(random_state=0, epochs=80, **SMALL).fit(table)
    samples = model.sample(4000, random_state=0)
    assert abs(samples["income"].isna().mean() - 0.3) < 0.07
    assert abs(samples["colour"].isna().mean() - 0.2) < 0.07
    assert set(samples["colour"].dropna()) == {"red", "blue"}


def test_rare_categories_survive_training_by_sampling():
    rng = np.random.RandomState(0)
    n_rows = 2000
    levels = np.where(rng.rand(n_rows) < 0.02, "rare", rng.choice(["a", "b"], n_rows))
    table = pd.DataFrame({"level": levels, "value": rng.normal(size=n_rows)})
    model = GANSampler(random_state=0, epochs=60, **SMALL).fit(table)
    share = (model.sample(5000, random_state=0)["level"] == "rare").mean()
    assert 0.005 < share < 0.08


def test_conditions_are_met_and_checked(fitted, table):
    samples = fitted.sample(40, conditions={"city": "Lima", "member": True}, random_state=0)
    assert len(samples) == 40
    assert (samples["city"] == "Lima").all() and samples["member"].all()
    assert_valid_rows(samples, table)
    missing_city = fitted.sample(10, conditions={"city": None}, random_state=0)
    assert missing_city["city"].isna().all()
    assert len(fitted.sample(0, conditions={"city": "Oslo"})) == 0
    with pytest.raises(ValueError, match="'XL' of column 'size' was never seen"):
        fitted.sample(5, conditions={"size": "XL"})
    with pytest.raises(ValueError, match="'zip', which is not in the data"):
        fitted.sample(5, conditions={"zip": 1})
    with pytest.raises(ValueError, match="'price' is continuous"):
        fitted.sample(5, conditions={"price": 10.0})
    with pytest.raises(TypeError, match="dict"):
        fitted.sample(5, conditions=["city"])
    with pytest.raises(TypeError, match=r"conditions\['city'\] is a list; a condition is one "
                                        "value per column"):
        fitted.sample(5, conditions={"city": ["Lima", "Oslo"]})


def test_conditions_need_the_tabular_adapter(blobs):
    model = GANSampler(adapter="numeric", epochs=1, **SMALL).fit(blobs)
    with pytest.raises(ValueError, match="tabular adapter"):
        model.sample(3, conditions={0: 1.0})


def test_high_cardinality_column_stays_bounded():
    rng = np.random.RandomState(0)
    n_rows = 6000
    ids = np.array([f"user{k}" for k in rng.zipf(1.3, n_rows) % 4000])
    table = pd.DataFrame({"user": ids, "amount": rng.exponential(size=n_rows)})
    adapter = TabularAdapter(max_categories=100)
    model = GANSampler(adapter=adapter, random_state=0, epochs=1, **SMALL).fit(table)
    assert model.adapter_.encoded_shape_[0] <= 100 + 1 + 10
    samples = model.sample(3000, random_state=0)
    assert set(samples["user"]) <= set(ids)
    common = set(pd.Series(ids).value_counts().index[:99])
    assert (~samples["user"].isin(common)).any()  # rare levels come out too


def state_table(n_rows=600, seed=0):
    """A 43-level state (3 levels of 150 rows, 40 of 2-5 rows) beside a 15-level code
    whose levels are as rare, a group and an amount."""
    rng = np.random.RandomState(seed)
    rare_counts = 2 + np.arange(40) % 4
    states = np.concatenate([np.repeat(["CA", "NY", "TX"], (n_rows - rare_counts.sum()) // 3),
                             np.repeat([f"S{k}" for k in range(40)], rare_counts)])
    states = np.append(states, ["CA"] * (n_rows - len(states)))
    codes = np.where(rng.rand(n_rows) < 0.1, rng.randint(3, 15, n_rows), rng.randint(0, 3, n_rows))
    return pd.DataFrame({"state": rng.permutation(states), "code": codes % 15,
                         "group": rng.choice(["a", "b"], n_rows),
                         "amount": rng.normal(size=n_rows)})


def test_rare_levels_of_a_many_level_column_share_one_unit():
    table = state_table()
    coders = {name: encoder.coder_ for name, encoder in
              zip(table.columns, TabularAdapter().fit(table).column_encoders_)
              if name in ("state", "code")}
    # The state's 40 levels of fewer than 20 rows share one unit; the 15-level code,
    # a column of few levels, keeps a unit for each, however rare.
    assert sorted(coders["state"].levels_) == ["CA", "NY", "TX"]
    assert len(coders["state"].rare_levels_) == 40
    assert len(coders["code"].levels_) == 15 and not len(coders["code"].rare_levels_)
    shares = {setting: TabularAdapter(min_frequency=setting).fit(table).column_encoders_[0]
              for setting in (None, 0.005, 3)}  # 0.005 of 600 rows: 3
    assert len(shares[None].coder_.levels_) == 43 and not len(shares[None].coder_.rare_levels_)
    assert len(shares[0.005].coder_.rare_levels_) == len(shares[3].coder_.rare_levels_) == 10

    model = GANSampler(random_state=0, epochs=2, **SMALL).fit(table)
    rows = model.sample(3000, random_state=0)
    assert set(rows["state"]) <= set(table["state"])
    pooled = rows["state"].str.startswith("S")
    assert 0.1 < pooled.mean() < 0.35  # 140 of 600 training rows: 0.23
    counts = rows.loc[pooled, "state"].value_counts()
    assert counts.get("S3", 0) > counts.get("S0", 0)  # 5 training rows against 2


@pytest.mark.parametrize("bad", [0, -3, 1.0, 1.5, True, "20"])
def test_a_bad_min_frequency_is_refused(bad):
    with pytest.raises(ValueError, match="min_frequency must be a positive integer, a float"):
        TabularAdapter(min_frequency=bad).fit(state_table())


def test_a_pooled_key_still_decides_its_column():
    # 40 keys of 5 rows each, every key in one group: the key pooled whole is drawn
    # again to agree with the group the generator produced, and is not conditioned on.
    rng = np.random.RandomState(0)
    keys = np.repeat(np.arange(40), 5)
    table = pd.DataFrame({"key": [f"k{k}" for k in keys],
                          "group": np.array(["a", "b", "c", "d"])[keys % 4],
                          "amount": rng.normal(size=200) + keys % 4})
    model = GANSampler(random_state=0, epochs=2, **SMALL).fit(table)
    assert model.adapter_.column_encoders_[0].block_widths == [1]
    assert [block[0] for block in model.adapter_.condition_blocks_] == [1]
    rows = model.sample(500, random_state=0)
    key_group = dict(zip(table["key"], table["group"]))
    assert (rows["key"].map(key_group) == rows["group"]).all()
    assert rows["key"].nunique() > 20
    asked = model.sample(30, conditions={"key": "k6"}, random_state=0)
    assert (asked["key"] == "k6").all() and (asked["group"] == "c").all()
    # Its pair tables would say nothing: pair calibration leaves it out, and a private
    # fit measures (and pays for) the group's tables alone.
    adapter = model.adapter_
    assert adapter.pair_tables_ is None  # one variable left: nothing to rake
    assert adapter.private_pair_count() == 0
    unpooled = TabularAdapter(min_frequency=None).fit(table)
    assert unpooled.pair_tables_ is not None and unpooled.private_pair_count() == 1


def test_a_condition_on_a_pooled_key_that_agrees_with_its_column_keeps_the_link():
    # A store of 60 levels (15 rows each: pooled) and a rep each decide the region; the
    # region is written from the rep, the store drawn to agree with it. Asking for a
    # store keeps the rows that drew it, not every row of the pooled unit.
    rng = np.random.RandomState(0)
    store = np.repeat(np.arange(60), 15)
    table = pd.DataFrame({"store": [f"st{k}" for k in store],
                          "rep": [f"r{k}" for k in store % 3 * 2 + rng.randint(0, 2, 900)],
                          "region": np.array(["N", "S", "W"])[store % 3],
                          "amount": rng.normal(size=900)})
    model = GANSampler(random_state=0, epochs=2, **SMALL).fit(table)
    assert [model.adapter_.columns_[a.key] for a in model.adapter_.agreements_] == ["store"]
    rows = model.sample(100, conditions={"store": "st5"}, random_state=0)
    assert (rows["store"] == "st5").all() and (rows["region"] == "W").all()


def test_columns_that_decide_others_keep_their_rare_levels():
    # zip -> city -> state, the city's 25 small levels of 12 rows: pooled, the state of
    # a rare city would follow a draw apart from the row, so the city is not pooled; a
    # level of 15 rows that decides another column (a level rule) is not either.
    rng = np.random.RandomState(0)
    city = np.concatenate([np.repeat(np.arange(5), 60), np.repeat(np.arange(5, 30), 12)])
    chain = pd.DataFrame({"zip": [f"z{k}" for k in city * 2 + (rng.rand(600) < 0.5)],
                          "city": [f"c{k}" for k in city],
                          "state": np.array(["a", "b", "c"])[city % 3],
                          "amount": city % 3 * 10 + rng.normal(size=600)})
    adapter = TabularAdapter().fit(chain)
    assert [(adapter.columns_[d.key], adapter.columns_[d.dependent])
            for d in adapter.dependencies_] == [("zip", "city"), ("city", "state")]
    assert len(adapter.column_encoders_[0].coder_.rare_levels_) == 50  # zip: pooled
    assert not len(adapter.column_encoders_[1].coder_.rare_levels_)
    decoded = adapter.decode(adapter.encode(chain), random_state=0)
    assert (decoded["state"] == chain["state"]).all()  # as the generator gave it

    hoods = np.array(["A"] * 200 + ["B"] * 150 + [f"R{k}" for k in range(23) for _ in range(15)])
    outcome = np.where(hoods == "R0", "z", rng.choice(["x", "y"], len(hoods)))
    ruled = pd.DataFrame({"hood": hoods, "outcome": outcome,
                          "amount": rng.normal(size=len(hoods))})
    adapter = TabularAdapter().fit(ruled)
    assert "hood" in [adapter.columns_[rule.column] for rule in adapter.level_rules_]
    assert not len(adapter.column_encoders_[0].coder_.rare_levels_)


def test_a_condition_on_a_pooled_level_is_met_at_once_beside_constraints():
    from skgan.constraints import Inequality
    rng = np.random.RandomState(0)
    store = np.array(["S0"] + [f"S{k}" for k in range(1, 60) for _ in range(19)])
    low = rng.normal(size=len(store))
    table = pd.DataFrame({"store": rng.permutation(store), "low": low,
                          "high": low + rng.exponential(size=len(store))})
    model = GANSampler(adapter=TabularAdapter(constraints=[Inequality("low", "high")]),
                       random_state=0, epochs=2, **SMALL).fit(table)
    model.max_condition_rounds = 3  # S0 is 1 of the 1,122 pooled rows: no luck needed
    rows = model.sample(50, conditions={"store": "S0"}, random_state=0)
    assert (rows["store"] == "S0").all() and (rows["low"] <= rows["high"]).all()


def test_a_rare_missing_level_and_split_dates_are_not_pooled():
    # An id-like column missing in the same 15 rows as an amount: its missing level,
    # pooled, would no longer be missing together with the amount. The day of a split
    # date (31 levels, the 31st rare) decides, with its month, whether a date exists.
    rng = np.random.RandomState(0)
    person = pd.Series([f"p{k}" for k in rng.randint(0, 250, 300)], dtype=object)
    amount = rng.normal(size=300)
    person[:15], amount[:15] = None, np.nan
    adapter = TabularAdapter().fit(pd.DataFrame({"person": person, "amount": amount}))
    coder = adapter.column_encoders_[0].coder_
    assert coder.levels_[-1] is None and len(coder.rare_levels_) > 100
    assert adapter.missing_together_ == [(0, 1)]

    dates = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.randint(0, 730, 600), "D")
    table = pd.DataFrame({"birth_year": dates.year, "birth_month": dates.month,
                          "birth_day": dates.day, "amount": rng.normal(size=600)})
    model = GANSampler(random_state=0, epochs=2, **SMALL).fit(table)
    assert model.adapter_.column_encoders_[2].block_widths == [31]
    model.max_condition_rounds = 200
    rows = model.sample(20, conditions={"birth_day": 31}, random_state=0)
    assert pd.to_datetime(pd.DataFrame({"year": rows["birth_year"], "month": rows["birth_month"],
                                        "day": rows["birth_day"]}), errors="coerce").notna().all()


def test_conditions_on_pooled_levels_beside_constraints_keep_the_rules():
    from skgan.constraints import Inequality
    rng = np.random.RandomState(0)
    codes = rng.permutation(np.r_[np.repeat([100, 101], 150), np.repeat(np.arange(40), 3)])
    table = pd.DataFrame({"code": codes, "upper": codes + rng.uniform(0.1, 0.5, 420),
                          "amount": rng.normal(size=420)})
    # a column the constraint reads is not written in (its upper bound followed the
    # level drawn): the rows that drew the level are kept
    model = GANSampler(adapter=TabularAdapter(discrete_columns=["code"],
                                              constraints=[Inequality("code", "upper")]),
                       random_state=0, epochs=2, **SMALL).fit(table)
    model.max_condition_rounds = 100
    rows = model.sample(20, conditions={"code": 7}, random_state=0)
    assert (rows["code"] == 7).all() and (rows["upper"] - rows["code"]).between(0, 1).all()
    # the asked value is written as the training level (an integer, not True or 7.0)
    plain = GANSampler(adapter=TabularAdapter(discrete_columns=["code"]), random_state=0,
                       epochs=2, **SMALL).fit(table.assign(upper=rng.normal(size=420)))
    for asked in (7.0, np.int8(7)):
        rows = plain.sample(10, conditions={"code": asked}, random_state=0)
        assert rows["code"].dtype == np.int64 and (rows["code"] == 7).all()
    # an array with constraints gets the level in the rows it returns, not in a copy
    low = rng.normal(size=420)
    array = np.column_stack([codes, low, low + rng.exponential(size=420)]).astype(float)
    model = GANSampler(adapter=TabularAdapter(discrete_columns=[0],
                                              constraints=[Inequality(1, 2)]),
                       random_state=0, epochs=2, **SMALL).fit(array)
    model.max_condition_rounds = 3
    rows = model.sample(30, conditions={0: 7.0}, random_state=0)
    assert (rows[:, 0] == 7.0).all() and (rows[:, 1] <= rows[:, 2]).all()


@pytest.mark.parametrize("as_category", [False, True])
def test_a_condition_on_a_rare_pooled_level_is_met_at_once(as_category):
    rng = np.random.RandomState(0)
    n_rows = 1200
    keys = np.array([f"K{k}" for k in rng.zipf(1.5, n_rows) % 400])
    table = pd.DataFrame({"key": keys, "amount": rng.exponential(size=n_rows)})
    if as_category:
        table["key"] = table["key"].astype("category")
    model = GANSampler(adapter=TabularAdapter(max_categories=20), random_state=0, epochs=1,
                       **SMALL).fit(table)
    counts = pd.Series(keys).value_counts()
    rare = counts.index[counts == counts.min()][0]  # pooled with the other rare levels
    assert rare in set(model.adapter_.column_encoders_[0].coder_.rare_levels_)
    rows = model.sample(30, conditions={"key": rare}, random_state=0)
    assert (rows["key"] == rare).all() and rows["key"].dtype == table["key"].dtype
    pd.testing.assert_frame_equal(rows, model.sample(30, conditions={"key": rare},
                                                     random_state=0))
    assert rows["amount"].nunique() > 1


def test_a_column_of_many_levels_is_not_conditioned_on_and_its_conditions_still_hold():
    # A person id of 150 levels (8 rows each) that decides a group: conditioning on it
    # widened both networks (on the males panel's 545-level id, fits took 1.8 times as
    # long, for a lower quality) and taught nothing level calibration does not restore.
    rng = np.random.default_rng(0)
    person = rng.integers(0, 150, 1200)
    table = pd.DataFrame({"person": [f"p{p}" for p in person],
                          "group": np.array(["a", "b", "c"])[person % 3],
                          "amount": rng.normal(size=1200) + person % 3})
    model = GANSampler(adapter=TabularAdapter(min_frequency=None), random_state=0,
                       epochs=2, **SMALL).fit(table)
    assert [block[0] for block in model.adapter_.condition_blocks_] == [1]  # group only
    rows = model.sample(20, conditions={"person": "p7"}, random_state=0)
    assert (rows["person"] == "p7").all() and (rows["group"] == "b").all()
    model.max_condition_rounds = 2  # too few rounds: the error says why and what to do
    with pytest.raises(ValueError, match=r"level of 'person': the column has more one-hot "
                                         r"units than max_condition_levels=100.*"
                                         r"max_condition_levels=None"):
        model.sample(500, conditions={"person": "p7"}, random_state=0)
    everything = GANSampler(adapter=TabularAdapter(max_condition_levels=None,
                                                   min_frequency=None),
                            random_state=0, epochs=2, **SMALL).fit(table)
    assert [block[0] for block in everything.adapter_.condition_blocks_] == [0, 1]
    assert everything.generator_.body[0].in_features == \
        model.generator_.body[0].in_features + 150
    for bad in (0, 1.5, True, "100"):
        with pytest.raises(ValueError, match="max_condition_levels must be a positive"):
            TabularAdapter(max_condition_levels=bad).fit(table)


def test_sampling_keeps_no_fitted_model_alive():
    # Lookups of level rules and agreeing keys are kept beside the fitted rules; a
    # first form kept each key's dependency inside its own entry, so no model that had
    # sampled was ever freed.
    import gc

    from skgan.adapters import _agreeing_keys, _level_rules

    rng = np.random.default_rng(0)
    key = rng.integers(0, 30, 600)
    table = pd.DataFrame({"key": [f"k{k}" for k in key], "group": (key % 3).astype(str),
                          "x": rng.normal(size=600)})
    before = len(_agreeing_keys._KEY_TABLES), len(_level_rules._LOOKUPS)
    model = GANSampler(random_state=0, epochs=1, **SMALL).fit(table)
    assert model.adapter_.dependencies_
    model.sample(100, random_state=0)
    assert len(_agreeing_keys._KEY_TABLES) > before[0]
    del model
    gc.collect()
    assert (len(_agreeing_keys._KEY_TABLES), len(_level_rules._LOOKUPS)) == before


def test_arrays_with_categories_and_integers():
    rng = np.random.RandomState(0)
    strings = rng.choice(["a", "b", "c"], size=(300, 2))
    model = GANSampler(random_state=0, epochs=2, **SMALL).fit(strings)
    samples = model.sample(20)
    assert samples.dtype == strings.dtype and set(samples.ravel()) <= {"a", "b", "c"}
    mixed = np.array([[1.5, "x"], [2.5, "y"], [3.5, "x"], [0.5, "y"]] * 20, dtype=object)
    samples = GANSampler(random_state=0, epochs=2, **SMALL).fit(mixed).sample(5)
    assert samples.dtype == object and set(samples[:, 1]) <= {"x", "y"}


def test_discrete_columns_option(table):
    adapter = TabularAdapter(discrete_columns=["count"]).fit(table)
    kinds = dict(zip(table.columns, map(type, adapter.column_encoders_)))
    assert kinds["count"].__name__ == "DiscreteColumn"
    with pytest.raises(ValueError, match="not in the data"):
        TabularAdapter(discrete_columns=["nope"]).fit(table)


def test_quantile_option_encodes_one_unit_per_continuous_column(table):
    adapter = TabularAdapter(continuous="quantile").fit(table)
    # price, count, score, joined, seen_at, duration
    assert adapter.head_layout_[:2] == (6, 0)
    decoded = adapter.decode(adapter.encode(table))
    assert decoded.dtypes.to_dict() == table.dtypes.to_dict()


def test_auto_encodes_clustered_columns_by_modes_and_the_others_by_quantiles():
    from skgan.adapters._columns import ModeNormalizer, QuantileNormalizer
    from skgan.datasets import make_ring

    rng = np.random.RandomState(0)
    ring, _ = make_ring(1000, random_state=0)
    table = pd.DataFrame({
        "x": ring[:, 0],  # five clusters with gaps between
        "skewed": rng.lognormal(3.0, 0.8, 1000),  # one long-tailed hump
        "tiers": rng.choice([9.99, 19.99, 49.99], 1000) + rng.normal(0, 0.3, 1000),
        "humps": np.concatenate([rng.normal(0, 1, 500), rng.normal(1.5, 1, 500)]),
    })
    encoders = {e.name: e.normalizer_ for e in TabularAdapter().fit(table).column_encoders_}
    assert isinstance(encoders["x"], ModeNormalizer)
    assert isinstance(encoders["tiers"], ModeNormalizer)
    assert isinstance(encoders["skewed"], QuantileNormalizer)
    assert isinstance(encoders["humps"], QuantileNormalizer)  # overlapping: no gap
    # the mode-encoded columns are those of continuous="vgm", bit for bit
    by_modes = TabularAdapter(continuous="vgm").fit(table)
    assert by_modes.column_encoders_[0].normalizer_.means_.tolist() == \
        encoders["x"].means_.tolist()


def test_quantiles_give_a_point_mass_its_own_unit():
    rng = np.random.RandomState(0)
    balance = rng.lognormal(6, 0.6, 600)
    balance[rng.rand(600) < 0.3] = 0.0
    table = pd.DataFrame({"balance": balance})
    adapter = TabularAdapter(continuous="quantile").fit(table)
    normalizer = adapter.column_encoders_[0].normalizer_
    assert normalizer.spikes_.tolist() == [0.0]
    n_linear, n_tanh, block_widths = adapter.head_layout_
    assert (n_linear, n_tanh, list(block_widths)) == (1, 0, [2])  # a unit: other or 0.0
    decoded = adapter.decode(adapter.encode(table))["balance"]
    assert ((decoded == 0) == (balance == 0)).all()
    np.testing.assert_allclose(decoded, balance, rtol=1e-3)
    # a normaliser written before point masses had units decodes as it did
    del normalizer.spikes_, normalizer.block_widths
    scalars = normalizer.transformer_.transform(balance[balance > 0].reshape(-1, 1))
    np.testing.assert_allclose(normalizer.decode(scalars, []), balance[balance > 0],
                               rtol=1e-3)


@pytest.mark.parametrize(
    "frame, error, message",
    [
        (pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]}), ValueError, "'b' has no"),
        (pd.DataFrame({"a": pd.Series([], dtype=float)}), ValueError, "0 sample"),
        (pd.DataFrame({"a": [{"k": 1}, {"k": 2}]}), TypeError, "nested objects"),
        (pd.DataFrame([[1, 2], [3, 4]], columns=["x", "x"]), ValueError, "Duplicated"),
    ],
    ids=["all-missing", "no-rows", "nested", "duplicated"],
)
def test_bad_tables_are_refused(frame, error, message):
    model = GANSampler(epochs=1, **SMALL)
    with pytest.raises(error, match=message):
        model.fit(frame)
    assert not hasattr(model, "adapter_")


def test_unseen_category_at_score_time_is_scored_not_refused(fitted, table):
    holdout = table.copy()
    holdout["city"] = holdout["city"].astype(object)
    holdout.loc[:5, "city"] = "Quito"
    assert np.isfinite(fitted.score(holdout))
    with pytest.raises(ValueError, match="never seen in training"):
        fitted.adapter_.encode(holdout)


def test_bad_adapter_options():
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="continuous"):
        TabularAdapter(continuous="kde").fit(table)
    with pytest.raises(ValueError, match="max_categories"):
        TabularAdapter(max_categories=1).fit(table)
    with pytest.raises(ValueError, match="mode_assignment"):
        TabularAdapter(mode_assignment="random").fit(table)


# -------------------------------------------------------------- property-based
_KINDS = ("float", "int", "bool", "category", "datetime")


@st.composite
def random_tables(draw):
    n_rows = draw(st.integers(8, 60))
    kinds = draw(st.lists(st.sampled_from(_KINDS), min_size=1, max_size=4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    columns = {}
    for position, kind in enumerate(kinds):
        missing_share = draw(st.sampled_from([0.0, 0.0, 0.2]))
        if kind == "float":
            values = rng.normal(draw(st.floats(-1e3, 1e3)), draw(st.floats(0.01, 100)),
                                n_rows)
        elif kind == "int":
            values = rng.randint(-draw(st.integers(0, 5000)), draw(st.integers(1, 5000)),
                                 n_rows)
        elif kind == "bool":
            values = rng.rand(n_rows) < 0.5
        elif kind == "category":
            values = rng.choice([f"c{k}" for k in range(draw(st.integers(1, 8)))], n_rows)
        else:
            values = pd.to_datetime("2000-01-01") + pd.to_timedelta(
                rng.randint(0, 5000, n_rows), unit="D")
        column = pd.Series(values)
        if missing_share and kind != "bool":
            column[rng.rand(n_rows) < missing_share] = None
        if column.isna().all():
            column[0] = column.dropna().iloc[0] if column.notna().any() else values[0]
        columns[f"{kind}{position}"] = column
    return pd.DataFrame(columns)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_tables(), st.integers(0, 2**16))
def test_any_generator_output_decodes_to_a_valid_table(table, seed):
    adapter = TabularAdapter().fit(table)
    rng = np.random.RandomState(seed)
    raw = rng.normal(scale=3, size=(50, adapter.encoded_shape_[0])).astype(np.float32)
    decoded = adapter.decode(raw, random_state=seed)
    assert_valid_rows(decoded, table)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_tables())
def test_trained_model_samples_a_valid_table(table):
    model = GANSampler(random_state=0, epochs=1, pac=1, batch_size=8,
                       generator_dims=(16,), discriminator_dims=(16,), latent_dim=4)
    samples = model.fit(table).sample(40)
    assert_valid_rows(samples, table)


def test_conditions_on_nullable_columns_and_missing_levels(fitted):
    obeying = fitted.sample(20, conditions={"opted_in": True}, random_state=0)
    assert obeying["opted_in"].eq(True).all()
    missing = fitted.sample(10, conditions={"opted_in": pd.NA}, random_state=0)
    assert missing["opted_in"].isna().all()


def test_whole_number_floats_come_back_whole():
    rng = np.random.RandomState(0)
    ages = rng.randint(18, 90, 300).astype(float)
    ages[rng.rand(300) < 0.1] = np.nan  # an integer column with blanks, as read from CSV
    table = pd.DataFrame({"age": ages, "x": rng.normal(size=300)})
    samples = GANSampler(random_state=0, epochs=2, **SMALL).fit(table).sample(200)
    observed = samples["age"].dropna()
    assert samples["age"].dtype == np.float64 and (observed == observed.round()).all()


def test_none_and_nan_in_one_column_are_one_missing_level():
    # A key column (it determines "side") whose missing values are None in some rows
    # and NaN in others, as an object column read from several sources holds them.
    keys = pd.Series(["k1", "k2", "k3", None, "k1", "k2", "k3", np.nan] * 4, dtype=object)
    table = pd.DataFrame({"key": keys, "side": keys.map({"k1": "x", "k2": "y", "k3": "x"})
                          .fillna("y")})
    adapter = TabularAdapter().fit(table)
    assert adapter.column_encoders_[0].coder_.block_widths == [4]
    assert [(link.key, link.dependent) for link in adapter.dependencies_] == [(0, 1)]
    noise = np.random.RandomState(0).normal(scale=3, size=(200, adapter.encoded_shape_[0]))
    decoded = adapter.decode(noise.astype(np.float32), random_state=0)
    assert set(decoded["key"].dropna()) <= {"k1", "k2", "k3"}
    assert (decoded["side"][decoded["key"].isna()] == "y").all()


@pytest.mark.parametrize("column", [
    pd.Series(["x", "y", None, "x"] * 5, dtype=object),
    pd.Series(["x", "y", None, "x"] * 5, dtype="str"),
    pd.Series(["x", "y", None, "x"] * 5, dtype="string"),
    pd.Series(pd.Categorical(["x", "y", None, "x"] * 5, categories=["y", "x", "z"])),
    pd.Series([1, 3, 3, 7] * 5),
    pd.Series([1.0, 3.0, np.nan, 7.0] * 5),
    pd.Series(pd.array([1, 3, None, 7] * 5, dtype="Int64")),
    pd.Series([True, False, False, True] * 5),
    pd.Series(pd.to_datetime(["2020-01-01", "2021-06-30", None, "2020-01-01"] * 5)),
], ids=lambda column: str(column.dtype))
def test_decoded_levels_are_the_seen_values_in_the_columns_dtype(column):
    # Sampling takes a discrete column's levels by position from levels converted once;
    # the values and dtype are those of converting each sampled value.
    encoder = TabularAdapter(discrete_columns=["c"]).fit(pd.DataFrame({"c": column})) \
        .column_encoders_[0]
    levels = encoder.coder_.all_levels()
    positions = np.random.RandomState(0).randint(len(levels), size=50)
    taken = encoder.levels_series(positions)
    pd.testing.assert_series_equal(taken, encoder.as_series(levels[positions]))
    assert taken.dtype == column.dtype
    assert set(taken.dropna()) <= set(column.dropna())


def test_big_endian_numbers_are_read_as_the_same_numbers():
    # np.fromfile(path, ">f8") and FITS files give big-endian arrays; pandas' hash
    # tables read native numbers only and failed deep inside fit.
    rng = np.random.RandomState(0)
    array = rng.normal(size=(200, 2)).astype(">f8")
    frame = pd.DataFrame({"x": array[:, 0], "count": rng.randint(0, 5, 200).astype(">i4")})
    before = frame.copy()
    samples = GANSampler(epochs=1, random_state=0, **SMALL).fit(array).sample(
        20, random_state=0)
    assert samples.dtype == np.dtype(">f8") and samples.shape == (20, 2)
    model = GANSampler(epochs=1, random_state=0, **SMALL).fit(frame)
    rows = model.sample(50, random_state=0)
    assert set(rows["count"]) <= set(frame["count"]) and np.isfinite(model.score(frame))
    pd.testing.assert_frame_equal(frame, before)


def test_times_keep_their_exact_range_and_resolution():
    # float64 holds these nanoseconds only to 128 ns: bounds and steps must stay exact.
    start = pd.Timestamp("2000-01-01")
    table = pd.DataFrame({"at": start + pd.to_timedelta([0, 1, 3, 7], unit="us"),
                          "took": pd.to_timedelta([5, 9, 1, 2], unit="us")}).astype(
        {"at": "datetime64[ns]", "took": "timedelta64[ns]"})
    adapter = TabularAdapter().fit(table)
    noise = np.random.RandomState(0).normal(scale=3, size=(200, adapter.encoded_shape_[0]))
    decoded = adapter.decode(noise.astype(np.float32), random_state=0)
    for name in table.columns:
        assert decoded[name].between(table[name].min(), table[name].max()).all()
    assert (decoded["at"].dt.nanosecond == 0).all()
    assert (decoded["took"].dt.nanoseconds == 0).all()


def test_held_out_fold_with_an_all_missing_column_is_scored(fitted, table):
    fold = table.copy()
    fold["price"] = np.nan
    assert np.isfinite(fitted.score(fold))


def _noise_decoded(adapter, n_rows=300, seed=0):
    """Decoded rows of random generator output (every encoding unit, wide noise)."""
    noise = np.random.RandomState(seed).normal(scale=3, size=(n_rows, adapter.encoded_shape_[0]))
    return adapter.decode(noise.astype(np.float32), random_state=0)


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", "Asia/Kolkata"])
def test_dates_at_local_midnight_stay_whole_days_in_their_time_zone(zone):
    # The unit was found on UTC times: Tokyo's midnights are 15:00 UTC (hours), so
    # dates came back at 03:00 or 11:00 local time; Kolkata's (+5:30) at half hours.
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(
        np.random.RandomState(0).randint(0, 300, 200), unit="D")
    table = pd.DataFrame({"day": pd.Series(days).dt.tz_localize(zone),
                          "x": np.random.RandomState(1).normal(size=200)})
    decoded = _noise_decoded(TabularAdapter().fit(table))
    assert decoded["day"].dtype == table["day"].dtype
    assert (decoded["day"] == decoded["day"].dt.normalize()).all()
    assert decoded["day"].between(table["day"].min(), table["day"].max()).all()


def test_arrow_timestamps_and_dates_are_learned_as_datetimes():
    # pd.read_parquet(..., dtype_backend="pyarrow") gives these; fit failed with
    # "TypeError: Invalid object type at position 0".
    import pyarrow as pa

    rng = np.random.RandomState(0)
    stamps = pd.Series(pd.Timestamp("2020-01-01")
                       + pd.to_timedelta(rng.randint(0, 5000, 200), unit="h"))
    table = pd.DataFrame({
        "at": pd.array(stamps.where(rng.rand(200) > 0.1), dtype="timestamp[us][pyarrow]"),
        "on": pd.array(stamps.dt.date, dtype=pd.ArrowDtype(pa.date32())),
        "x": rng.normal(size=200),
    })
    model = GANSampler(epochs=1, random_state=0, **SMALL).fit(table)
    assert [type(encoder).__name__ for encoder in model.adapter_.column_encoders_] == \
        ["ContinuousColumn"] * 3
    samples = model.sample(100, random_state=0)
    assert samples.dtypes.to_dict() == table.dtypes.to_dict()
    assert samples["at"].isna().any() and not samples["on"].isna().any()
    for name in ("at", "on"):
        observed = samples[name].dropna()
        assert observed.between(table[name].min(), table[name].max()).all()
    assert (samples["at"].dropna().dt.minute == 0).all()


def test_dates_beyond_the_nanosecond_range_are_learned():
    # A 9999-12-31 "open-ended" sentinel and dates of the 1600s (pandas 3 keeps them
    # as datetime64[us]) raised OutOfBoundsDatetime in fit.
    rng = np.random.RandomState(0)
    start = pd.Series(pd.to_datetime(["1600-01-01"])).astype("datetime64[s]")[0]
    table = pd.DataFrame({
        "valid_until": pd.Series(pd.to_datetime(
            np.where(rng.rand(200) < 0.3, "9999-12-31", "2024-06-01"))),
        "born": pd.Series(start + pd.to_timedelta(rng.randint(0, 30000, 200), unit="D")),
        "x": rng.normal(size=200),
    })
    table.loc[rng.rand(200) < 0.1, "born"] = pd.NaT
    adapter = TabularAdapter().fit(table)
    pd.testing.assert_frame_equal(adapter.decode(adapter.encode(table))[["valid_until", "born"]],
                                  table[["valid_until", "born"]])
    decoded = _noise_decoded(adapter)
    assert decoded.dtypes.to_dict() == table.dtypes.to_dict()
    for name in ("valid_until", "born"):
        observed = decoded[name].dropna()
        assert observed.between(table[name].min(), table[name].max()).all()
        assert (observed == observed.dt.normalize()).all()


def test_columns_of_tiny_units_keep_their_values_on_the_quantile_scale():
    # QuantileTransformer sends values within an absolute 1e-7 of its bounds to the
    # extremes: two thirds of these wavelengths (in metres) came back as 400 or 700 nm.
    wavelengths = np.random.RandomState(0).uniform(400e-9, 700e-9, 200)
    table = pd.DataFrame({"wavelength": wavelengths, "in_nm": wavelengths * 1e9})
    adapter = TabularAdapter(continuous="quantile").fit(table)
    encoded = adapter.encode(table)
    assert (np.abs(encoded[:, 0]) < 5).mean() > 0.95
    decoded = adapter.decode(encoded)
    np.testing.assert_allclose(decoded["wavelength"], wavelengths, rtol=1e-4)
    assert decoded["wavelength"].nunique() == 200
    # a column of ordinary span is not scaled (its encoding is as before)
    assert adapter.column_encoders_[1].normalizer_.value_scale_ == 1.0


@pytest.mark.parametrize("column", [
    pd.Series(np.r_[np.iinfo(np.int64).max, np.arange(0, 10**6, 5000)]),
    pd.Series(np.r_[np.iinfo(np.uint64).max, np.arange(0, 10**6, 5000, dtype=np.uint64)]),
    pd.Series(pd.array([np.iinfo(np.int64).max, None, *range(0, 10**6, 5000)], dtype="Int64")),
], ids=lambda column: str(column.dtype))
def test_integer_columns_holding_their_largest_value_stay_in_range(column):
    # The float of int64's largest value is 2**63, which wrapped to int64's smallest
    # when cast (uint64: to 0), and failed to cast into Int64.
    table = pd.DataFrame({"limit": column.repeat(2).reset_index(drop=True),
                          "x": np.random.RandomState(0).normal(size=2 * len(column))})
    decoded = _noise_decoded(TabularAdapter(continuous="quantile").fit(table))
    assert decoded["limit"].dtype == column.dtype
    observed = decoded["limit"].dropna()
    assert observed.between(column.min(), column.max()).all()
    assert (observed == column.max()).any()


def test_object_column_of_integers_comes_back_as_integers_and_none():
    # Records read from JSON: Python ints and None came back as floats and NaN.
    rng = np.random.RandomState(0)
    ages = pd.Series([int(value) if keep else None
                      for value, keep in zip(rng.randint(0, 1000, 200), rng.rand(200) > 0.1)],
                     dtype=object)
    decoded = _noise_decoded(TabularAdapter().fit(pd.DataFrame({"age_days": ages})))
    assert decoded["age_days"].dtype == object
    assert {type(value) for value in decoded["age_days"]} == {int, type(None)}


@pytest.mark.parametrize("extreme", [2**63 - 1, 2**63 + 5, 2**64 - 1, 2**70, -(2**63) - 5])
def test_object_column_of_integers_past_int64_comes_back_as_exact_integers(extreme):
    # Ids or hashes past int64 (or at its edge) came back as floats and NaN, and
    # int64's smallest value (never in the data) stood for values below it.
    rng = np.random.RandomState(0)
    ids = pd.Series([extreme if row % 7 == 0 else int(value)
                     for row, value in enumerate(rng.randint(0, 1000, 200))], dtype=object)
    ids[5] = None
    decoded = _noise_decoded(TabularAdapter().fit(pd.DataFrame({"id": ids})))
    assert decoded["id"].dtype == object
    assert {type(value) for value in decoded["id"]} == {int, type(None)}
    observed = decoded["id"].dropna()
    low, high = min(0, extreme), max(999, extreme)
    assert all(low <= value <= high for value in observed)
    assert extreme in set(observed)  # the sentinel itself, not its float


def test_object_column_of_decimals_comes_back_as_decimals_in_their_places():
    # Amounts read from a database (Decimal, None where unknown) came back as floats.
    from decimal import Decimal
    rng = np.random.RandomState(0)
    prices = pd.Series([Decimal(f"{value:.2f}") if keep else None
                        for value, keep in zip(rng.gamma(2.0, 20.0, 200), rng.rand(200) > 0.1)],
                       dtype=object)
    whole = pd.Series([Decimal(int(value)) for value in rng.randint(0, 1000, 200)],
                      dtype=object)  # NUMERIC(5, 0)
    cents = pd.Series([Decimal(f"{value:.2f}") for value in rng.randint(0, 1000, 200)],
                      dtype=object)  # whole amounts of NUMERIC(7, 2): 433.00
    huge = pd.Series([Decimal(f"{value:.2f}") for value in 2.0**55 * rng.rand(200)],
                     dtype=object)
    table = pd.DataFrame({"price": prices, "whole": whole, "cents": cents, "huge": huge})
    decoded = _noise_decoded(TabularAdapter().fit(table))
    for name, places in (("price", 2), ("whole", 0), ("cents", 2), ("huge", 2)):
        assert decoded[name].dtype == object
        observed = decoded[name].dropna()
        assert {type(value) for value in observed} == {Decimal}, name
        assert {value.as_tuple().exponent for value in observed} == {-places}, name
    assert {type(value) for value in decoded["price"]} == {Decimal, type(None)}
    assert float(min(decoded["price"].dropna())) >= float(prices.dropna().min())


def test_models_fitted_before_the_exact_ranges_and_scales_decode_as_before(table):
    # Encoders pickled before integer ranges, power-of-two scales and time units were
    # kept lack those attributes; on ordinary columns they decode bit-identically.
    adapter = TabularAdapter().fit(table)
    noise = np.random.RandomState(0).normal(scale=3, size=(300, adapter.encoded_shape_[0]))
    decoded = adapter.decode(noise.astype(np.float32), random_state=0)
    for encoder in adapter.column_encoders_:
        for name in ("integer_range_", "time_unit_", "wall_clock_", "object_integers_",
                     "object_integer_range_", "object_decimals_"):
            encoder.__dict__.pop(name, None)
        if hasattr(encoder, "normalizer_"):
            encoder.normalizer_.__dict__.pop("value_scale_", None)
    as_before = adapter.decode(noise.astype(np.float32), random_state=0)
    ordinary = [name for name in table.columns if name != "seen_at"]  # a time zone
    pd.testing.assert_frame_equal(as_before[ordinary], decoded[ordinary], check_exact=True)


def test_missing_values_among_the_rare_levels_fit_and_can_be_asked_for():
    rng = np.random.default_rng(0)
    numbers = rng.choice([1.0, 2, 3, 4, 5, 6, 7, 8], 400,
                         p=[.3, .3, .2, .1, .04, .03, .02, .01])
    numbers[:5] = np.nan  # five missing values: a rare level of max_categories=4
    texts = numbers.astype(object)
    texts[:5] = None
    for column in (numbers, texts):
        table = pd.DataFrame({"f": column, "x": rng.normal(size=400)})
        model = GANSampler(adapter=TabularAdapter(max_categories=4), epochs=1,
                           batch_size=64, random_state=0).fit(table)
        for marker in (None, np.nan, pd.NA):
            rows = model.sample(10, conditions={"f": marker}, random_state=0)
            assert rows["f"].isna().all()


@pytest.mark.parametrize("params, message", [
    (dict(conditional_sampling="no"), "conditional_sampling must be True or False"),
    (dict(max_fit_rows=1), "max_fit_rows must be at least 2"),
])
def test_more_adapter_parameters_are_checked(params, message):
    table = pd.DataFrame({"x": np.linspace(0, 1, 30), "c": ["a", "b", "c"] * 10})
    with pytest.raises(ValueError, match=message):
        TabularAdapter(**params).fit(table)


def test_decimal_columns_come_back_with_their_decimals():
    """Prices in cents come back in cents (they came back with every float digit);
    measurements written with more digits than six keep theirs."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"price": np.round(rng.gamma(2.0, 10.0, 300), 2),
                          "ratio": rng.random(300) / 3,
                          "city": rng.choice(["a", "b"], 300)})
    rows = GANSampler(random_state=0, epochs=2, **SMALL).fit(table).sample(500, random_state=0)
    assert np.array_equal(rows["price"], rows["price"].round(2))
    assert not np.array_equal(rows["ratio"], rows["ratio"].round(6))


def test_tiny_huge_and_float32_columns_keep_their_values_and_no_negative_zero():
    """Decimals were judged against max(|value|, 1): 1e-10 counted as whole (a column
    came back as one value) and 1e9 + 0.25 too (timestamps lost their milliseconds);
    float32 cents never counted as cents; rounding gave -0.0."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({
        "tiny": rng.uniform(1e-10, 9e-10, 300),
        "stamp": np.round(1.7e9 + rng.uniform(0, 1000, 300), 3),
        "cents": np.round(rng.gamma(2.0, 10.0, 300), 2).astype(np.float32),
        "score": rng.integers(-60, 61, 300).astype(float)})
    rows = GANSampler(random_state=0, epochs=2, **SMALL).fit(table).sample(500, random_state=0)
    assert rows["tiny"].nunique() > 400
    assert (rows["stamp"] % 1 != 0).mean() > 0.9
    assert rows["stamp"].equals(rows["stamp"].round(3))
    assert rows["cents"].dtype == np.float32
    assert np.array_equal(rows["cents"], rows["cents"].astype(np.float64).round(2).astype(
        np.float32))
    assert not np.signbit(rows.to_numpy(dtype=np.float64)[rows.to_numpy() == 0]).any()
