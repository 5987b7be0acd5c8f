"""Functional dependencies between discrete columns are found and kept by construction."""

import io

import numpy as np
import pandas as pd
import pytest

from skgan import GANSampler
from skgan.adapters import TabularAdapter


def _catalogue(n_rows=3000, n_products=400, seed=0):
    """Sales of products, each of one category; categories of one department."""
    rng = np.random.default_rng(seed)
    category_of_product = rng.integers(0, 12, n_products)
    weights = rng.pareto(1.2, n_products) + 0.01
    product = rng.choice(n_products, n_rows, p=weights / weights.sum())
    category = category_of_product[product]
    table = pd.DataFrame({
        "product": [f"p{index:04d}" for index in product],
        "category": [f"c{index}" for index in category],
        "department": np.where(category < 6, "home", "garden"),
        "amount": rng.lognormal(2 + category / 10, 0.5),
        "channel": rng.choice(["web", "store"], n_rows),
    })
    return pd.read_csv(io.StringIO(table.to_csv(index=False)))  # text as read from a file


def _pairs(adapter):
    names = adapter.columns_
    return {(names[dependency.key], names[dependency.dependent])
            for dependency in adapter.dependencies_}


def test_dependencies_are_found_with_one_key_per_column_coarsest_first():
    adapter = TabularAdapter().fit(_catalogue())
    assert _pairs(adapter) == {("product", "category"), ("category", "department")}
    order = [adapter.columns_[dependency.key] for dependency in adapter.dependencies_]
    assert order == ["product", "category"]  # the key of a chain is derived first


def test_independent_columns_and_identifiers_are_not_dependencies():
    table = _catalogue()
    table["row_id"] = np.arange(len(table)).astype(str)  # unique: determines everything
    assert "row_id" not in {key for key, _ in _pairs(TabularAdapter().fit(table))}
    assert "channel" not in {dependent for _, dependent in _pairs(TabularAdapter().fit(table))}


@pytest.mark.parametrize("max_categories", [1000, 50])  # 50: most products share a code
def test_every_generated_row_keeps_the_dependencies(max_categories):
    table = _catalogue()
    model = GANSampler(epochs=1, generator_dims=(32,), discriminator_dims=(32,),
                       random_state=0,
                       adapter=TabularAdapter(max_categories=max_categories)).fit(table)
    samples = model.sample(3000, random_state=0)
    category_of = table.drop_duplicates("product").set_index("product")["category"]
    department_of = table.drop_duplicates("category").set_index("category")["department"]
    assert (samples["product"].map(category_of) == samples["category"]).all()
    assert (samples["category"].map(department_of) == samples["department"]).all()
    assert samples["product"].isin(table["product"]).all()


def test_two_keys_of_one_column_both_agree_with_it_with_and_without_conditions():
    # each store lies in one region, each sales rep works in one: the region is written
    # from the rep, and the store is drawn again to agree with it
    rng = np.random.default_rng(0)
    region = rng.choice(["north", "south", "east", "west"], 600)
    table = pd.DataFrame({"store": [f"{r}-store-{k}" for r, k in zip(region, rng.integers(0, 5, 600))],
                          "rep": [f"{r[:1]}rep{k}" for r, k in zip(region, rng.integers(0, 3, 600))],
                          "region": region, "amount": rng.gamma(2, 100, 600)})
    model = GANSampler(epochs=1, generator_dims=(32,), discriminator_dims=(32,),
                       random_state=0).fit(table)
    assert {(model.adapter_.columns_[a.key], model.adapter_.columns_[a.dependent])
            for a in model.adapter_.agreements_} == {("store", "region")}
    store_region = table.drop_duplicates("store").set_index("store")["region"]
    rep_region = table.drop_duplicates("rep").set_index("rep")["region"]
    for conditions in (None, {"region": "north"}):
        rows = model.sample(1000, random_state=1, conditions=conditions)
        assert (rows["store"].map(store_region) == rows["region"]).all()
        assert (rows["rep"].map(rep_region) == rows["region"]).all()
    buffer = io.BytesIO()
    import skgan
    skgan.save(model, buffer)
    buffer.seek(0)
    pd.testing.assert_frame_equal(skgan.load(buffer).sample(50, random_state=2),
                                  model.sample(50, random_state=2))


def test_rare_keys_follow_the_generated_dependent_value():
    table = _catalogue()
    adapter = TabularAdapter(max_categories=20).fit(table)
    # Decode rows whose product is in the shared rare code and whose category says c3:
    # the product drawn must be a product of category c3.
    encoded = adapter.encode(table.iloc[:500])
    decoded = adapter.decode(encoded, random_state=0)
    category_of = table.drop_duplicates("product").set_index("product")["category"]
    assert (decoded["product"].map(category_of) == decoded["category"]).all()
    rare = ~decoded["product"].isin(adapter.column_encoders_[0].coder_.levels_)
    assert rare.sum() > 50
    assert (decoded.loc[rare, "category"] == table.iloc[:500].loc[rare, "category"]).all()


def test_dependencies_can_be_turned_off():
    adapter = TabularAdapter(functional_dependencies=False).fit(_catalogue())
    assert adapter.dependencies_ == []
    with pytest.raises(ValueError, match="functional_dependencies must be 'auto' or False"):
        TabularAdapter(functional_dependencies="yes").fit(_catalogue(200))


def test_missing_values_are_a_level_of_a_dependency():
    table = _catalogue()
    table.loc[table["category"] == "c2", "department"] = np.nan
    adapter = TabularAdapter().fit(table)
    assert ("category", "department") in _pairs(adapter)
    decoded = adapter.decode(adapter.encode(table), random_state=0)
    assert decoded["department"].isna().equals(decoded["category"] == "c2")


def test_a_rare_key_that_determines_two_columns_agrees_with_both():
    rng = np.random.default_rng(0)
    key = rng.integers(0, 8, 400)
    table = pd.DataFrame({"key": [f"k{index}" for index in key],
                          "first": np.array(list("xxyyxxyy"))[key],
                          "second": np.array(list("pqpqpqpq"))[key]})
    adapter = TabularAdapter(max_categories=3).fit(table)
    assert len(adapter.dependencies_) == 2
    encoded = np.random.default_rng(1).random((2000, adapter.encoded_shape_[0]))
    decoded = adapter.decode(encoded.astype(np.float32), random_state=0)
    mapping = table.drop_duplicates("key").set_index("key")
    assert (decoded["key"].map(mapping["first"]) == decoded["first"]).all()
    assert (decoded["key"].map(mapping["second"]) == decoded["second"]).all()


def _agreed_keys_one_combination_at_a_time(keys, dependencies, generated, encoders,
                                           random_state):
    """``agree_keys`` as first written: the disagreeing rows of each combination found
    by a pass over all of them (the draws the grouped rows must reproduce)."""
    from skgan.adapters._agreeing_keys import _key_tables, _rows_in
    counts, of_level, renumbered, combinations, key_position, training_key_of_level = \
        _key_tables(dependencies, encoders)
    of_row = _rows_in(np.column_stack(generated), combinations, renumbered)
    of_key = of_level[training_key_of_level[keys]]
    keys, rows = keys.copy(), np.flatnonzero(of_key != of_row)
    for value in np.unique(of_row[rows]):
        if value >= 0:
            matching = np.flatnonzero(of_level == value)
            chosen = rows[of_row[rows] == value]
            weights = counts[matching]
            keys[chosen] = key_position[matching[random_state.choice(
                len(matching), len(chosen), p=weights / weights.sum())]]
    return keys


def test_keys_drawn_again_by_combination_are_the_draws_of_one_pass_per_combination():
    """Grouping the disagreeing rows by their dependents' combination (a sort) draws
    the same keys, row for row, as finding each combination's rows by a pass."""
    from skgan.adapters._agreeing_keys import agree_keys
    table = _catalogue()
    adapter = TabularAdapter(max_categories=20).fit(table)
    encoders, dependencies = adapter.column_encoders_, adapter.dependencies_
    own = [dependency for dependency in dependencies if dependency.key == 0]
    assert own  # product decides category (and department through it)
    rng = np.random.default_rng(0)
    keys = rng.integers(0, len(encoders[0].coder_.all_levels()), 5000)
    generated = [rng.integers(0, len(encoders[dependency.dependent].coder_.all_levels()),
                              5000) for dependency in own]
    agreed = agree_keys(keys, own, generated, encoders, np.random.RandomState(3))
    assert (agreed != keys).sum() > 1000
    np.testing.assert_array_equal(agreed, _agreed_keys_one_combination_at_a_time(
        keys, own, generated, encoders, np.random.RandomState(3)))


def test_an_integer_key_that_determines_a_category_is_a_code():
    rng = np.random.default_rng(0)
    zips = 10_000 + 3 * rng.integers(0, 600, 3000)  # smooth counts: no code by roughness
    district = (zips // 300) % 7
    table = pd.DataFrame({"zip": zips, "district": [f"d{value}" for value in district],
                          "spend": rng.gamma(2.0, 20.0, 3000)})
    adapter = TabularAdapter().fit(table)
    assert _pairs(adapter) == {("zip", "district")}
    decoded = adapter.decode(adapter.encode(table.iloc[:300]), random_state=0)
    assert decoded["zip"].isin(table["zip"]).all()
    assert decoded["zip"].dtype == table["zip"].dtype
    off = TabularAdapter(functional_dependencies=False).fit(table)
    assert type(off.column_encoders_[0]).__name__ == "ContinuousColumn"


def test_missing_values_decided_by_a_status_are_kept_by_construction():
    rng = np.random.default_rng(0)
    status = rng.choice(["paid", "refunded", "cancelled"], 2000, p=[0.8, 0.15, 0.05])
    refund = np.where(status == "refunded", rng.gamma(2.0, 10.0, 2000), np.nan)
    table = pd.DataFrame({"status": status, "refund": refund,
                          "amount": rng.gamma(2.0, 30.0, 2000)})
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(table)
    assert [(dependency.key, dependency.dependent)
            for dependency in model.adapter_.missing_dependencies_] == [(0, 1)]
    samples = model.sample(3000, random_state=0)
    assert samples["refund"].isna().equals(samples["status"] != "refunded")


def _invoices(n_rows=300, seed=0):
    """A tax and a total both blank on the invoices never priced (12 % of rows), a
    discount blank on others, and a city."""
    rng = np.random.default_rng(seed)
    net = np.round(rng.gamma(2.0, 40.0, n_rows), 2)
    tax = np.round(net * 0.12, 2)
    tax[rng.random(n_rows) < 0.15] = np.nan
    discount = np.where(rng.random(n_rows) < 0.2, np.nan, rng.gamma(1.0, 5.0, n_rows))
    return pd.DataFrame({"net": net, "tax": tax, "total": np.round(net + tax, 2),
                         "discount": discount, "city": rng.choice(["a", "b", "c"], n_rows)})


@pytest.mark.parametrize("pair_calibration", [True, False])
def test_columns_missing_together_stay_missing_together_at_their_rate(pair_calibration):
    """Drawn apart, tax and total were missing together in 1.7 % of the rows against 12
    %; raking the rows to their joint table then halved each one's missing share."""
    train = _invoices()
    model = GANSampler(epochs=10, generator_dims=(32, 32), discriminator_dims=(32, 32),
                       latent_dim=8, random_state=0,
                       adapter=TabularAdapter(pair_calibration=pair_calibration)).fit(train)
    assert model.adapter_.missing_together_ == [(1, 2)]
    rows = model.sample(5000, random_state=0)
    assert rows["tax"].isna().equals(rows["total"].isna())
    assert rows["tax"].isna().mean() == pytest.approx(train["tax"].isna().mean(), abs=0.03)
    assert 0 < (rows["discount"].isna() & rows["tax"].notna()).mean()


def test_missing_together_needs_enough_rows_and_the_links_switch():
    train = _invoices()
    amounts = np.random.default_rng(1).gamma(2.0, 5.0, len(train))
    missing = train["tax"].isna()
    train["discount"] = np.where(missing & (np.arange(len(train)) % 10 < 2), np.nan, amounts)
    assert 0 < train["discount"].isna().sum() < 10  # too few to tell from chance
    assert TabularAdapter().fit(train).missing_together_ == [(1, 2)]
    assert TabularAdapter(functional_dependencies=False).fit(train).missing_together_ == []
    train["discount"] = np.where(missing, np.nan, amounts)
    assert TabularAdapter().fit(train).missing_together_ == [(1, 2), (1, 3)]


@pytest.mark.parametrize("pair_calibration", [True, False])
def test_discrete_columns_missing_together_come_out_missing_at_their_rate(pair_calibration):
    """Three answers a form skipped together (59 % of 300 rows) and a salary blank in the
    same rows. Each one's missing value decides the others' (level rules), so any one
    column's missing draw went to all: after 30 epochs all came out missing in 70 % of
    the rows with pair calibration and 93 % without. The group now follows its first
    column; a follower missing alone gets one of its levels, by their shares."""
    rng = np.random.RandomState(0)
    n_rows = 300
    unknown = rng.rand(n_rows) < 0.6
    train = pd.DataFrame({
        "x": rng.normal(size=n_rows),
        "employer": np.where(unknown, None, rng.choice(["a", "b", "c"], n_rows)),
        "sector": np.where(unknown, None, rng.choice(["u", "v"], n_rows)),
        "salary": np.where(unknown, np.nan, rng.gamma(2.0, 20.0, n_rows)),
        "shift": np.where(unknown, None, rng.choice(["p", "q", "r", "s"], n_rows)),
        "city": rng.choice(["m", "n"], n_rows)})
    model = GANSampler(epochs=30, random_state=0,
                       adapter=TabularAdapter(pair_calibration=pair_calibration)).fit(train)
    assert model.adapter_.missing_together_ == [(1, 2), (1, 3), (1, 4)]
    rows = model.sample(4000, random_state=0)
    missing = rows[["employer", "sector", "salary", "shift"]].isna()
    assert (missing.all(axis=1) | ~missing.any(axis=1)).all()
    assert missing["employer"].mean() == pytest.approx(unknown.mean(), abs=0.03)
    shares = rows["shift"].value_counts(normalize=True)
    expected = train["shift"].value_counts(normalize=True)
    assert (shares - expected).abs().max() < 0.05
    pd.testing.assert_frame_equal(rows, model.sample(4000, random_state=0))


def test_conditions_that_part_columns_missing_together_are_refused_at_once():
    """A city (a zip's dependent, which no level rule links) asked missing with an
    employer asked known ran 100 rounds, then said the model rarely made such rows."""
    rng = np.random.RandomState(1)
    unknown = rng.rand(400) < 0.35
    zips = rng.choice(["z1", "z2", "z3", "z4"], 400)
    train = pd.DataFrame({
        "employer": np.where(unknown, None, rng.choice(["e1", "e2", "e3"], 400)),
        "zip": np.where(unknown, None, zips),
        "city": np.where(unknown, None, np.where(np.isin(zips, ["z1", "z2"]), "A", "B")),
        "x": rng.normal(size=400)})
    model = GANSampler(epochs=2, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(train)
    assert model.adapter_.missing_together_ == [(0, 1), (0, 2)]
    with pytest.raises(ValueError, match="'employer' and 'city' are missing in the same"):
        model.sample(100, conditions={"city": None, "employer": "e1"})
    rows = model.sample(20, conditions={"city": None, "employer": None}, random_state=0)
    assert rows[["employer", "zip", "city"]].isna().all().all()


def test_a_follower_missing_alone_gets_a_level_by_the_training_shares():
    from skgan.adapters._decoded_rows import DecodedRows
    from skgan.adapters._missing_together import write_discrete_missing_together
    rng = np.random.RandomState(0)
    unknown = rng.rand(400) < 0.3
    train = pd.DataFrame({
        "employer": np.where(unknown, None, rng.choice(["a", "b"], 400)),
        "shift": np.where(unknown, None, rng.choice(["p", "q", "r"], 400, p=[0.7, 0.2, 0.1]))})
    adapter = TabularAdapter().fit(train)
    encoders = adapter.column_encoders_
    rows = DecodedRows(encoders, 20_000)
    rows.levels[0] = np.full(20_000, encoders[0].code_of("a"))  # never missing
    rows.levels[1] = np.full(20_000, encoders[1].coder_._missing_code())  # always missing
    write_discrete_missing_together([(0, 1)], rows, encoders, np.random.RandomState(0))
    drawn = pd.Series(encoders[1].coder_.all_levels()[rows.levels[1]])
    expected = train["shift"].value_counts(normalize=True)
    assert drawn.notna().all()
    assert (drawn.value_counts(normalize=True) - expected).abs().max() < 0.02


def test_conditions_that_break_a_learned_link_are_refused_at_once():
    """No row can meet them: sampling gave up after 100 rounds (8 s) and said the
    model rarely produces such rows."""
    rng = np.random.default_rng(0)
    zips = rng.choice([10115, 10117, 20095, 20097, 80331], 400)
    state = pd.Series(zips).map({10115: "BE", 10117: "BE", 20095: "HH", 20097: "HH",
                                 80331: "BY"})
    status = rng.choice(["trial", "active", "cancelled"], 400, p=[0.2, 0.6, 0.2])
    tier = np.where(status == "trial", "free", rng.choice(["free", "basic", "pro"], 400))
    table = pd.DataFrame({"zip": zips, "state": state, "status": status, "tier": tier,
                          "amount": rng.gamma(2.0, 30.0, 400)})
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(table)
    with pytest.raises(ValueError, match="'zip'=10115 always goes with 'state'='BE' "
                                         r"\(a functional dependency"):
        model.sample(100, conditions={"zip": 10115, "state": "HH"})
    with pytest.raises(ValueError, match="'status'='trial' always goes with 'tier'='free' "
                                         r"\(a level rule"):
        model.sample(100, conditions={"tier": "pro", "status": "trial"})
    rows = model.sample(50, conditions={"zip": 10115, "state": "BE"}, random_state=0)
    assert (rows["state"] == "BE").all() and (rows["zip"] == 10115).all()
    rows = model.sample(50, conditions={"status": "active", "tier": "pro"}, random_state=0)
    assert (rows["tier"] == "pro").all()


@pytest.mark.parametrize("n_pairs", [8, 5_000, 10**7])
def test_distinct_pairs_are_numpys_unique_whether_counted_or_sorted(n_pairs):
    from skgan.adapters._distinct_rows import distinct_keys as distinct_pairs
    pairs = np.random.RandomState(0).randint(n_pairs, size=20_000).astype(np.int64)
    distinct = distinct_pairs(pairs, n_pairs)
    np.testing.assert_array_equal(distinct, np.unique(pairs))
    assert distinct.dtype == np.unique(pairs).dtype
