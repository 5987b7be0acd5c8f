"""Columns independent of the rest: found by tests at fit, shuffled across sampled rows."""

import numpy as np
import pandas as pd
import pytest

from skgan import GANSampler
from skgan.adapters import TabularAdapter
from skgan.adapters._independent_columns import _dependent, find_independent_groups


def _table(n_rows=2000, seed=0):
    """group -> value and flag (linked); code (alone); region -> tax (a group of two)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c", "d", "e"], n_rows)
    effect = pd.Series(group).map({"a": 0.0, "b": 1.0, "c": 2.0, "d": 3.0, "e": 4.0})
    region = rng.integers(0, 10, n_rows)
    return pd.DataFrame({
        "group": group,
        "value": effect.to_numpy() + rng.normal(0, 0.5, n_rows),
        "flag": rng.random(n_rows) < np.where(group == "a", 0.8, 0.2),
        "code": rng.integers(1, 31, n_rows),
        "region": [f"r{r}" for r in region],
        "tax": np.array([0.5, 1.0, 2.0])[region % 3],
    })


def test_groups_independent_of_the_rest_are_found():
    adapter = TabularAdapter().fit(_table())
    names = [tuple(adapter.columns_[list(group)]) for group in adapter.independent_groups_]
    assert names == [("code",), ("region", "tax")]


def test_small_tables_and_the_switch_give_no_groups():
    assert TabularAdapter().fit(_table(n_rows=600)).independent_groups_ == []
    assert TabularAdapter(independent_columns=False).fit(_table()).independent_groups_ == []
    with pytest.raises(ValueError, match="independent_columns must be 'auto' or False"):
        TabularAdapter(independent_columns=True).fit(_table())


def test_linked_columns_are_one_group_whatever_the_tests_say():
    table = _table()
    adapter = TabularAdapter(functional_dependencies=False).fit(table)
    groups = find_independent_groups(table, adapter.column_encoders_, [(3, 4)],
                                     np.random.RandomState(0))
    assert groups == [(3, 4, 5)]  # code joined region and tax


def test_rare_levels_do_not_make_independent_columns_dependent():
    # One row holds a level of each column that no other row has: the chi-square test
    # of the raw table would reject (observed 1 where 1/2000 is expected).
    rng = np.random.default_rng(1)
    first, second = rng.integers(0, 5, 2000), rng.integers(0, 5, 2000)
    first[0], second[0] = 99, 99
    assert not _dependent(first, second)
    assert _dependent(first, (first + rng.integers(0, 2, 2000)) % 5)


def test_sampling_permutes_the_groups_and_nothing_else():
    table = _table()
    model = GANSampler(epochs=2, random_state=0,
                       adapter=TabularAdapter(pair_calibration=False)).fit(table)
    shuffled = model.sample(3000, random_state=5)
    groups, model.adapter_.independent_groups_ = model.adapter_.independent_groups_, []
    as_generated = model.sample(3000, random_state=5)
    model.adapter_.independent_groups_ = groups
    for column in ("group", "value", "flag"):  # the rest: the same rows
        pd.testing.assert_series_equal(shuffled[column], as_generated[column])
    for column in ("code", "region", "tax"):  # the groups: the same values, moved
        assert sorted(shuffled[column]) == sorted(as_generated[column])
    assert not shuffled["code"].equals(as_generated["code"])
    # region and tax moved together: every region keeps its one tax rate
    assert shuffled.groupby("region")["tax"].nunique().max() == 1
    pd.testing.assert_frame_equal(shuffled, model.sample(3000, random_state=5))


def test_shuffled_columns_come_out_independent_of_the_rest():
    table = _table()
    model = GANSampler(epochs=3, random_state=0).fit(table)
    rows = model.sample(4000, random_state=1)
    counts = pd.crosstab(rows["group"], rows["region"]).to_numpy()
    expected = np.outer(counts.sum(1), counts.sum(0)) / counts.sum()
    chi2 = ((counts - expected) ** 2 / expected).sum()
    cramers_v = np.sqrt(chi2 / counts.sum() / (min(counts.shape) - 1))
    assert cramers_v < 0.1  # independent rows of 4,000 give about 0.03
    conditioned = model.sample(50, conditions={"region": "r3"}, random_state=0)
    assert (conditioned["region"] == "r3").all() and (conditioned["tax"] == 0.5).all()


def test_model_files_and_pickles_keep_the_groups(tmp_path):
    import pickle

    from skgan import io

    table = _table().assign(lone=np.random.default_rng(7).choice(["x", "y", "z"], 2000))
    model = GANSampler(epochs=1, random_state=0).fit(table)
    assert model.adapter_.pair_tables_.singles  # "lone" is raked to its own shares
    path = tmp_path / "model.skgan"
    io.save(model, path)
    for loaded in (io.load(path), pickle.loads(pickle.dumps(model))):
        assert loaded.adapter_.independent_groups_ == model.adapter_.independent_groups_
        pd.testing.assert_frame_equal(loaded.sample(500, random_state=3),
                                      model.sample(500, random_state=3))


def test_pairs_across_groups_are_not_raked():
    from skgan.adapters._pair_variables import paired_columns

    adapter = TabularAdapter().fit(_table())
    columns = paired_columns(adapter.column_encoders_)
    raked = {tuple(adapter.columns_[[columns[a], columns[b]]])
             for a, b in adapter.pair_tables_.pairs}
    assert ("region", "tax") in raked and ("group", "flag") in raked
    assert not any({"region", "tax"} & set(pair) and not set(pair) <= {"region", "tax"}
                   for pair in raked)


def test_the_pearson_test_gives_scipys_p_value_to_the_last_bit():
    # Computed by hand for speed (19,900 pairs of 200 discrete columns took 5.5 s
    # through chi2_contingency); the groups found must not move.
    from scipy.stats import chi2_contingency
    from skgan.adapters._independent_columns import _pearson_p_value
    rng = np.random.RandomState(0)
    for _ in range(200):
        rows, columns = rng.randint(2, 9, size=2)
        table = rng.randint(1, 500, size=(rows, columns))
        assert _pearson_p_value(table) == chi2_contingency(table, correction=False)[1]
