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
