"""Pairs of discrete columns co-occur as in training; levels that decide a value keep it."""

import warnings

import numpy as np
import pandas as pd
import pytest

from skgan import GANSampler
from skgan.adapters import TabularAdapter
from skgan.adapters._pair_calibration import (
    MIN_CANDIDATES,
    OVERSAMPLING_CHOICES,
    SHARE_GAP_TARGET,
    V_GAP_TARGET,
    PairTables,
)
from skgan.adapters._weighted_rows import systematic_sample


def _linked(n_rows=3000, seed=0):
    """A region that shifts the plan, a plan that shifts the fee, a rare 'trial' plan
    that is always in the 'free' tier, and an amount."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], n_rows)
    plan = np.where(rng.random(n_rows) < 0.75,
                    pd.Series(region).map({"north": "basic", "south": "plus",
                                           "east": "pro", "west": "basic"}).to_numpy(),
                    rng.choice(["basic", "plus", "pro"], n_rows))
    plan = np.where(rng.random(n_rows) < 0.02, "trial", plan)
    tier = np.where(plan == "trial", "free",
                    np.where(rng.random(n_rows) < 0.5, "monthly", "yearly"))
    return pd.DataFrame({"region": region, "plan": plan, "tier": tier,
                         "amount": rng.gamma(2.0, 20.0, n_rows)})


def _table_gap(rows, train, first, second):
    """Total variation distance between the two-way tables of rows and train."""
    real = pd.crosstab(train[first], train[second], normalize=True)
    fake = pd.crosstab(rows[first], rows[second], normalize=True)
    real, fake = real.align(fake, fill_value=0.0)
    return 0.5 * float(np.abs(real - fake).to_numpy().sum())


def test_raking_weights_bring_the_two_way_tables_to_the_targets():
    rng = np.random.default_rng(0)
    train = np.column_stack([rng.integers(0, 3, 5000), np.zeros(5000, dtype=int)])
    train[:, 1] = np.where(rng.random(5000) < 0.8, train[:, 0], rng.integers(0, 3, 5000))
    tables = PairTables(train, [3, 3])
    candidates = rng.integers(0, 3, (8000, 2))  # independent: the link is lost
    weights = tables.weights(candidates, max_weight=8.0)
    assert weights.max() <= 8.0 + 1e-9 and np.isclose(weights.mean(), 1.0)
    target = np.bincount(train[:, 0] * 3 + train[:, 1], minlength=9) / 5000
    before = np.bincount(candidates[:, 0] * 3 + candidates[:, 1], minlength=9) / 8000
    after = np.bincount(candidates[:, 0] * 3 + candidates[:, 1], weights=weights,
                        minlength=9) / weights.sum()
    assert np.abs(after - target).max() < 0.01 < np.abs(before - target).max()


def test_raking_repeated_rows_once_gives_the_weights_of_raking_every_row():
    rng = np.random.default_rng(1)
    train = _pair_of_levels(rng, 4000, 4, linked=0.7)
    train = np.column_stack([train, rng.integers(0, 2, 4000)])
    tables = PairTables(train, [4, 4, 2])
    assert tables.rakes_patterns
    candidates = rng.integers(0, [4, 4, 2], (20000, 3))  # 32 patterns in 20,000 rows
    by_pattern = tables.weights(candidates, max_weight=4.0)
    tables.rakes_patterns = False  # as tables pickled before raked every row
    by_row = tables.weights(candidates, max_weight=4.0)
    np.testing.assert_allclose(by_pattern, by_row, rtol=1e-9)
    assert by_pattern.max() <= 4.0 + 1e-9 and np.isclose(by_pattern.mean(), 1.0)


def _largest_table_gap(tables, codes, weights):
    columns = codes.T
    cells = [columns[first] * tables.n_levels[second] + columns[second]
             for first, second in tables.pairs] + [columns[c] for c in tables.singles]
    gaps = []
    for cell, target in zip(cells, tables.shares + tables.single_shares):
        share = np.bincount(cell, weights=weights, minlength=len(target)) / weights.sum()
        gaps.append(np.abs(share - target).max())
    return max(gaps)


def test_raking_goes_on_where_the_gap_rises_for_a_sweep_and_stops_where_it_stalls():
    # Candidates as a generator makes them: training rows, a share of them with
    # columns drawn independently. Here the largest gap rises in the second sweep
    # (0.039, 0.043) before falling to 0.003 by the twelfth; a stop at the first
    # sweep without gain left it at 0.014-0.043.
    rng = np.random.default_rng(134)
    n_levels = [int(n) for n in rng.integers(2, 7, int(rng.integers(3, 6)))]
    linked = rng.uniform(0.3, 0.9)
    train = [rng.integers(0, n_levels[0], 300)]
    for levels in n_levels[1:]:
        train.append(np.where(rng.random(300) < linked, train[-1] % levels,
                              rng.integers(0, levels, 300)))
    train = np.stack(train, 1)
    tables = PairTables(train, n_levels)
    max_weight = float(rng.choice([2, 4]))
    candidates = train[rng.integers(0, 300, int(max_weight * 300))]
    redrawn = rng.random(len(candidates)) < rng.uniform(0.1, 0.5)
    for column in range(len(n_levels)):
        candidates[redrawn, column] = train[rng.integers(0, 300, redrawn.sum()), column]
    weights = tables._raked(candidates, None, max_weight)
    assert _largest_table_gap(tables, candidates, weights) < 0.004
    # a stalled raking (weights at their cap) stops within a few sweeps
    sweeps = []
    bincount = np.bincount

    def counting_bincount(*args, **kwargs):
        sweeps.append(1)
        return bincount(*args, **kwargs)

    capped = rng.integers(0, n_levels, (600, len(n_levels)))  # no link left at all
    np.bincount = counting_bincount
    try:
        capped_weights = tables._raked(capped, None, 1.5)
    finally:
        np.bincount = bincount
    n_tables = len(tables.pairs) + len(tables.singles)
    assert len(sweeps) < 12 * n_tables
    assert np.isclose(capped_weights.mean(), 1.0)


def test_distinct_rows_survive_packing_many_wide_columns():
    from skgan.adapters._distinct_rows import distinct_rows

    rng = np.random.default_rng(2)
    n_levels = [32] * 20  # 32**20 = 2**100: packed keys are renumbered on the way
    base = rng.integers(0, 32, (50, 20))
    codes = base[rng.integers(0, 50, 3000)]
    patterns, pattern_of_row, counts = distinct_rows(codes, n_levels)
    expected, expected_counts = np.unique(codes, axis=0, return_counts=True)
    assert len(patterns) == len(expected) and counts.sum() == 3000
    np.testing.assert_array_equal(patterns[pattern_of_row], codes)
    assert sorted(counts) == sorted(expected_counts)


@pytest.mark.parametrize("n_rows", [0, 1, 5000])
def test_distinct_rows_found_by_hashing_are_numpy_uniques_rows_in_its_order(n_rows):
    """Packed keys past counting are hashed (only the distinct ones sorted): the
    patterns, each row's pattern and the counts of ``numpy.unique``, to the row."""
    from skgan.adapters._distinct_rows import distinct_rows

    rng = np.random.default_rng(3)
    n_levels = [8, 13, 2, 3, 2, 2, 12, 9, 5]  # 2.7 million keys: too many to count
    codes = np.column_stack([np.minimum(rng.geometric(0.3, n_rows) - 1, levels - 1)
                             for levels in n_levels])
    patterns, pattern_of_row, counts = distinct_rows(codes, n_levels)
    expected, first_row, expected_of_row, expected_counts = np.unique(
        codes, axis=0, return_index=True, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(patterns, expected)
    np.testing.assert_array_equal(patterns, codes[first_row])
    np.testing.assert_array_equal(pattern_of_row, expected_of_row.reshape(-1))
    np.testing.assert_array_equal(counts, expected_counts)
    assert patterns.shape == (len(expected), len(n_levels))


def _pair_of_levels(rng, n_rows, n_levels, linked):
    """Two columns of ``n_levels`` codes, the second a copy of the first in a share
    ``linked`` of the rows and independent of it in the others."""
    first = rng.integers(0, n_levels, n_rows)
    second = np.where(rng.random(n_rows) < linked, first, rng.integers(0, n_levels, n_rows))
    return np.column_stack([first, second])


def test_the_oversampling_factor_is_the_least_that_brings_the_pairs_close():
    rng = np.random.default_rng(0)
    tables = PairTables(_pair_of_levels(rng, 5000, 12, 0.95), [12, 12])
    assert tables.check_rows() == 4096 and tables.oversampling == 4
    # Candidates that hold the link as training does: taken as they come.
    assert tables.choose_oversampling(_pair_of_levels(rng, 16_000, 12, 0.95), 1000) == 1
    assert list(tables.v_gaps) == [1] and tables.v_gaps[1] <= V_GAP_TARGET
    # Candidates that hold it but make one level three times too common: their pairs'
    # association holds, their rates do not, and raking 2 per kept row fixes them.
    too_common = _pair_of_levels(rng, 16_000, 12, 0.95)
    too_common[rng.random(16_000) < 0.15] = 0
    assert tables.choose_oversampling(too_common, 1000) == 2
    assert tables.v_gaps[1] <= V_GAP_TARGET < tables.share_gaps[1]
    assert tables.share_gaps[2] <= SHARE_GAP_TARGET
    # Candidates that hold half of it: 2 per kept row rake them to the training table.
    assert tables.choose_oversampling(_pair_of_levels(rng, 16_000, 12, 0.5), 1000) == 2
    assert tables.v_gaps[1] > V_GAP_TARGET >= tables.v_gaps[2]
    # Candidates that lost it: the diagonal cells need weights above 4.
    assert tables.choose_oversampling(_pair_of_levels(rng, 16_000, 12, 0.0), 1000) == 8
    assert tables.v_gaps[4] > V_GAP_TARGET >= tables.v_gaps[8]
    # More levels, no link: even the largest factor falls short, and is kept.
    wide = PairTables(_pair_of_levels(rng, 5000, 30, 0.95), [30, 30])
    assert wide.choose_oversampling(_pair_of_levels(rng, 16_000, 30, 0.0), 1000) == 16
    gaps = [wide.v_gaps[factor] for factor in OVERSAMPLING_CHOICES]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] > V_GAP_TARGET
    assert PairTables(_pair_of_levels(rng, 999, 3, 0.5), [3, 3]).check_rows() == 0


def test_a_fit_chooses_the_oversampling_and_sampling_follows_it():
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(_linked(1500))
    tables = model.adapter_.pair_tables_
    assert tables.oversampling in OVERSAMPLING_CHOICES
    assert list(tables.v_gaps) == list(OVERSAMPLING_CHOICES[
        :OVERSAMPLING_CHOICES.index(tables.oversampling) + 1])
    factor = tables.oversampling
    assert model.adapter_.n_candidates(2000) == (
        2000 if factor == 1 else max(factor * 2000, MIN_CANDIDATES))
    again = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(_linked(1500))
    assert again.adapter_.pair_tables_.v_gaps == tables.v_gaps  # fixed seeds
    pd.testing.assert_frame_equal(model.sample(40, random_state=2),
                                  again.sample(40, random_state=2))
    small = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(_linked(600))
    assert small.adapter_.pair_tables_.oversampling == 4
    assert small.adapter_.pair_tables_.v_gaps == {}


def test_a_factor_of_one_samples_the_generated_rows_as_they_come():
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(_linked(1500))
    tables = model.adapter_.pair_tables_
    tables.oversampling = 1
    assert model.adapter_.n_candidates(50) == 50
    as_they_come = model.sample(50, random_state=3)
    model.adapter_.pair_tables_ = None  # no pair calibration at all
    pd.testing.assert_frame_equal(as_they_come, model.sample(50, random_state=3))
    model.adapter_.pair_tables_ = tables
    tables.oversampling = 2
    assert not as_they_come.equals(model.sample(50, random_state=3))  # raked, chosen


def test_a_failed_oversampling_check_warns_and_keeps_the_default(monkeypatch):
    def broken(self, encoded, random_state=None):
        raise RuntimeError("no room")

    monkeypatch.setattr(TabularAdapter, "choose_oversampling", broken)
    with pytest.warns(UserWarning, match="choosing its oversampling failed .*no room"):
        model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                           random_state=0).fit(_linked(1500))
    assert model.adapter_.pair_tables_.oversampling == 4
    assert len(model.sample(30, random_state=0)) == 30


def test_systematic_sampling_keeps_distinct_rows_in_proportion_to_weights():
    weights = np.r_[np.full(1000, 3.0), np.full(3000, 1.0)]
    kept = systematic_sample(weights, 1000, np.random.RandomState(0))
    assert len(kept) == 1000 and len(np.unique(kept)) == 1000
    assert np.all(np.diff(kept) > 0)
    assert abs((kept < 1000).sum() - 500) <= 40  # 3 of 6 units of weight
    heavy = systematic_sample(np.r_[100.0, np.ones(9)], 5, np.random.RandomState(1))
    assert 0 in heavy and len(np.unique(heavy)) == 5  # a weight over the cap: kept once
    with pytest.raises(ValueError, match="Cannot keep 11 of 10"):
        systematic_sample(np.ones(10), 11, np.random.RandomState(0))


def test_levels_that_decide_a_value_are_found_and_kept_in_every_row():
    train = _linked()
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(train)
    rules = {(train.columns[rule.column], train.columns[rule.other]):
             dict(zip(rule.levels_, rule.values_)) for rule in model.adapter_.level_rules_}
    assert rules == {("plan", "tier"): {"trial": "free"},
                     ("tier", "plan"): {"free": "trial"}}
    rows = model.sample(4000, random_state=0)
    assert ((rows["plan"] == "trial") == (rows["tier"] == "free")).all()


def test_a_missing_value_a_rule_decides_comes_back_as_the_columns_own_marker():
    """A level that always goes with a missing value writes the column's own marker
    (None here), as decoding does everywhere else, never another one (NaN)."""
    rng = np.random.default_rng(0)
    status = np.repeat(["open", "closed"], 200)
    closed_at = np.array([None] * 200 + list(rng.choice(["mon", "tue", "wed", None], 200)),
                         dtype=object)  # None also when closed: no functional dependency
    train = pd.DataFrame({"status": status, "closed_at": pd.Series(closed_at, dtype=object),
                          "amount": rng.gamma(2.0, 10.0, 400)})
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(train)
    assert any(train.columns[rule.column] == "status" for rule in model.adapter_.level_rules_)
    rows = model.sample(2000, random_state=0)
    missing = rows["closed_at"].map(lambda value: value is None)
    assert (rows["status"] == "open").any()
    assert missing[rows["status"] == "open"].all()
    assert not rows["closed_at"].map(lambda value: isinstance(value, float)).any()


def _stops(n_rows=400, seed=0):
    """Police stops: person and race unknown together (and then the device is
    'other'), a citation never recorded for those stops and half the others."""
    rng = np.random.default_rng(seed)
    unknown = rng.random(n_rows) < 0.15
    person = np.where(unknown, None, rng.choice(["no", "yes"], n_rows, p=[0.85, 0.15]))
    race = np.where(unknown, None, rng.choice(["a", "b", "c", "d"], n_rows))
    citation = np.where(unknown | (rng.random(n_rows) < 0.5), None,
                        rng.choice(["no", "yes"], n_rows, p=[0.75, 0.25]))
    return pd.DataFrame({"device": np.where(unknown, "other", "mdc"), "citation": citation,
                         "person": person, "race": race,
                         "amount": rng.gamma(2.0, 10.0, n_rows)})


def test_rules_hold_where_a_deciding_key_is_drawn_again_to_agree_with_its_dependent():
    train = _stops()
    model = GANSampler(epochs=2, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(train)
    adapter, names = model.adapter_, list(train.columns)
    assert [(names[link.key], names[link.dependent]) for link in adapter.agreements_] == [
        ("race", "device")]  # race is drawn again after the rules first wrote citation
    assert ("race", "citation") in {(names[rule.column], names[rule.other])
                                    for rule in adapter.level_rules_}
    rows = model.sample(4000, random_state=0)
    assert rows.loc[rows["race"].isna(), "citation"].isna().all()  # was: 3 rows broke it
    assert rows.loc[rows["person"].isna(), "citation"].isna().all()
    assert (rows["race"].isna() == rows["person"].isna()).all()  # rules writing keys
    device_of = dict(zip(train["person"].isna(), train["device"]))
    assert (rows["device"] == rows["person"].isna().map(device_of)).all()


def _decoded_from_shuffled(train, seed=0):
    """``train``'s columns shuffled one by one (every link between them broken),
    encoded and decoded by an adapter fitted on ``train``: what decoding alone keeps."""
    adapter = TabularAdapter().fit(train)
    rng = np.random.default_rng(seed)
    shuffled = train.apply(lambda column: rng.permutation(column.to_numpy()))
    return adapter, adapter.decode(adapter.encode(shuffled), random_state=seed)


def test_a_chain_of_rules_holds_whatever_order_the_rules_were_found_in():
    """"z" decides "y" and "y" decides "u": the rule decided by c1 is found first (c1
    comes before c2), and applied once in that order it left "y" rows that c2's rule
    wrote with c0 "t" (91 of 5,000 rows of a fit)."""
    rng = np.random.default_rng(0)
    c1 = rng.choice(["w", "v", "q"], 400).astype(object)
    c1[:30] = "y"
    c0 = rng.choice(["u", "t"], 400).astype(object)
    c0[:30] = "u"
    c2 = rng.choice(["m", "n"], 400).astype(object)
    c2[:15] = "z"
    train = pd.DataFrame({"c0": c0, "c1": c1, "c2": c2, "x": rng.normal(size=400)})
    for seed in range(3):
        adapter, rows = _decoded_from_shuffled(train, seed)
        assert {(rule.column, rule.other) for rule in adapter.level_rules_} == {(1, 0), (2, 1)}
        assert (rows.loc[rows["c2"] == "z", "c1"] == "y").all()
        assert (rows.loc[rows["c1"] == "y", "c0"] == "u").all()


def test_rules_written_through_a_table_of_level_pairs_write_what_selecting_rows_does(
        monkeypatch):
    """Columns of few levels write a rule's values through a table of every pair of
    levels; past ``MAX_TABLE_PAIRS`` the deciding rows are selected: the same rows."""
    import skgan.adapters._level_rules as level_rules
    train = _stops()
    _, through_tables = _decoded_from_shuffled(train)
    adapter = TabularAdapter().fit(train)  # rules of its own: none of their lookups kept
    assert adapter.level_rules_ and all(
        rule.lookups(adapter.column_encoders_)[2] is not None
        for rule in adapter.level_rules_)
    monkeypatch.setattr(level_rules, "MAX_TABLE_PAIRS", 0)
    _, selected = _decoded_from_shuffled(train)
    pd.testing.assert_frame_equal(through_tables, selected)
    assert (through_tables.loc[through_tables["person"].isna(), "citation"].isna()).all()


def test_a_rule_that_writes_a_key_writes_its_dependents_too():
    """Level "a" of c decides key k0, which decides d: after the keys were drawn again
    and the rule wrote k0 once more, d kept the value of the key drawn (13-24 of 5,000
    rows of a fit held a pair of k and d never seen in training)."""
    rng = np.random.default_rng(0)
    keys = rng.choice([f"k{i}" for i in range(6)], 400)
    keys[:40] = "k0"
    of_key = {"k0": "D0", "k1": "D0", "k2": "D1", "k3": "D1", "k4": "D2", "k5": "D2"}
    c = rng.choice(["b", "e"], 400).astype(object)
    c[:30] = "a"
    train = pd.DataFrame({"c": c, "k": keys, "d": [of_key[key] for key in keys],
                          "x": rng.normal(size=400)})
    for seed in range(3):
        adapter, rows = _decoded_from_shuffled(train, seed)
        assert [(link.key, link.dependent) for link in adapter.dependencies_] == [(1, 2)]
        assert [(rule.column, rule.other) for rule in adapter.level_rules_] == [(0, 1)]
        assert (rows.loc[rows["c"] == "a", "k"] == "k0").all()
        assert (rows["d"] == rows["k"].map(of_key)).all()


def test_a_rule_that_writes_a_key_keeps_the_other_keys_of_its_dependents_agreeing():
    """Region is written from the rep, and the store (another key of region) is drawn
    to agree with it: after level "a" wrote rep p0 and region was written again, 20-22
    of 400 decoded rows held a store of another region."""
    rng = np.random.default_rng(0)
    region_of_store = {f"s{i}": f"R{i % 3}" for i in range(12)}
    region_of_rep = {f"p{i}": f"R{i % 3}" for i in range(6)}
    region = rng.choice(["R0", "R1", "R2"], 400)
    store = [rng.choice([s for s, r in region_of_store.items() if r == g]) for g in region]
    rep = np.array([rng.choice([p for p, r in region_of_rep.items() if r == g])
                    for g in region], dtype=object)
    c = rng.choice(["b", "e"], 400).astype(object)
    chosen = np.flatnonzero(region == "R0")[:30]
    c[chosen], rep[chosen] = "a", "p0"
    train = pd.DataFrame({"store": store, "rep": rep, "region": region, "c": c,
                          "x": rng.normal(size=400)})
    kind = rng.choice(["k1", "k2", "k3"], 400).astype(object)
    kind[train["store"] == "s0"] = "k1"  # and the store decides a kind (a rule the
    train["kind"] = kind  # store drawn again after the others must keep)
    for seed in range(3):
        adapter, rows = _decoded_from_shuffled(train, seed)
        names = list(train.columns)
        assert {(names[rule.column], names[rule.other])
                for rule in adapter.level_rules_} == {("c", "rep"), ("store", "kind")}
        assert (rows.loc[rows["c"] == "a", "rep"] == "p0").all()
        assert (rows.loc[rows["store"] == "s0", "kind"] == "k1").all()
        assert (rows["region"] == rows["rep"].map(region_of_rep)).all()
        assert (rows["region"] == rows["store"].map(region_of_store)).all()


def test_rules_that_write_one_column_two_ways_in_a_loop_stop_after_a_few_passes(
        monkeypatch):
    """"a1" decides B "b1" and "d1" decides B "b2", and B is in a loop: a row holding a1
    and d1 never settles, and every rule ran once a rule and more (24 s a decode with
    188 rules, fits 50 times slower)."""
    from skgan.adapters._level_rules import MAX_LOOP_PASSES, LevelRule

    rng = np.random.default_rng(0)
    missing = rng.random(400) < 0.3
    data = {}
    for index in range(4):
        column = rng.choice(["x", "y", "w"], 400).astype(object)
        column[missing] = None
        data[f"m{index}"] = column
    A, D = rng.choice(["a2", "a3"], 400).astype(object), rng.choice(["d2", "d3"], 400).astype(object)
    B, E = rng.choice(["b3", "b4"], 400).astype(object), rng.choice(["e3", "e4"], 400).astype(object)
    A[:25], B[:25], E[:25] = "a1", "b1", "e1"
    D[25:50], B[25:50] = "d1", "b2"
    B[50:60], E[50:60] = "b1", "e1"
    train = pd.DataFrame({**data, "A": A, "D": D, "B": B, "E": E, "x": rng.normal(size=400)})
    adapter = TabularAdapter().fit(train)
    shuffled = train.apply(lambda column: rng.permutation(column.to_numpy()))
    shuffled["A"], shuffled["D"] = "a1", "d1"
    encoded = adapter.encode(shuffled)
    calls, apply = [], LevelRule.apply
    monkeypatch.setattr(LevelRule, "apply",
                        lambda rule, *args: calls.append(rule) or apply(rule, *args))
    rows = adapter.decode(encoded, random_state=0)
    n_rules = len(adapter.level_rules_)
    assert n_rules > 15
    assert len(calls) <= 2 * (1 + MAX_LOOP_PASSES) * n_rules  # was 189 passes of all
    assert (rows["E"] == "e1").all()  # a1 decides it; B is b1 or b2 as the loop left it
    assert rows[[f"m{index}" for index in range(4)]].isna().nunique(axis=1).eq(1).all()


@pytest.mark.parametrize("pair_calibration", [True, False])
def test_a_value_rules_decide_in_some_rows_keeps_its_training_share(pair_calibration):
    """Level calibration matches the rows no rule decides: matched over all rows, the
    values the rules write came on top (grade missing 0.59 against 0.45 in training)."""
    rng = np.random.default_rng(0)
    status = rng.choice(["active", "paused", "cancelled"], 300, p=[0.5, 0.3, 0.2])
    grade = pd.Series(rng.choice(["A", "B", "C"], 300), dtype=object)
    grade[(status == "cancelled") | (rng.random(300) < 0.25)] = None
    train = pd.DataFrame({"status": status, "grade": grade, "x": rng.normal(size=300)})
    model = GANSampler(epochs=5, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0,
                       adapter=TabularAdapter(pair_calibration=pair_calibration)).fit(train)
    assert len(model.adapter_.level_rules_) == 1
    rows = model.sample(20_000, random_state=1)
    assert rows["grade"].isna().mean() == pytest.approx(train["grade"].isna().mean(),
                                                        abs=0.02)
    assert rows.loc[rows["status"] == "cancelled", "grade"].isna().all()


def test_columns_in_a_loop_of_rules_keep_their_rates_and_rare_combinations():
    """Matching a column where rules leave it alone overshoots when its own rates move
    which rows are decided (status "cancelled" decides delay "none", and delays decide
    status "ok"): such columns take half steps, and a round that overshot is not kept
    (cancelled was sampled at 0.19-0.38 against 0.30, and "none" with "ok" not at all)."""
    from skgan.adapters._level_rules import LevelRule, looped_columns

    rules = [LevelRule(0, 1, ["cancelled"], ["none"]), LevelRule(1, 0, ["short"], ["ok"]),
             LevelRule(2, 3, [None], [None]), LevelRule(3, 4, ["x"], ["y"])]
    assert looped_columns(rules) == {0, 1}
    rng = np.random.RandomState(1)
    status = rng.choice(["ok", "cancelled"], 1000, p=[0.7, 0.3])
    delay = np.where(status == "cancelled", "none",
                     rng.choice(["none", "short", "long"], 1000, p=[0.03, 0.57, 0.40]))
    train = pd.DataFrame({"status": status, "delay": delay, "x": rng.normal(size=1000)})
    for seed in range(3):
        model = GANSampler(epochs=2, random_state=seed,
                           adapter=TabularAdapter(pair_calibration=False)).fit(train)
        rows = model.sample(5000, random_state=0)
        assert (rows["status"] == "cancelled").mean() == pytest.approx(
            (train["status"] == "cancelled").mean(), abs=0.02)
        ok = rows["status"] == "ok"
        assert 0.005 < (rows.loc[ok, "delay"] == "none").mean() < 0.1  # 0.028 in training


def test_rules_on_a_date_split_in_three_columns_keep_level_calibration():
    """A status deciding the year of a date split into year, month and day columns:
    once the days were repaired the three columns were held as values, and level
    calibration stopped on them (KeyError) and left every level at its learned rate."""
    rng = np.random.default_rng(0)
    n_rows = 400
    status = rng.choice(["delivered", "in_transit", "returned"], n_rows, p=[0.6, 0.3, 0.1])
    year = np.where(status == "in_transit", 2025, rng.choice([2023, 2024, 2025], n_rows))
    train = pd.DataFrame({"status": status, "delivery_year": year,
                          "delivery_month": rng.integers(1, 13, n_rows),
                          "delivery_day": rng.integers(1, 29, n_rows),
                          "amount": rng.gamma(2.0, 20.0, n_rows)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GANSampler(epochs=2, generator_dims=(16,), discriminator_dims=(16,),
                           random_state=0).fit(train)
    adapter = model.adapter_
    assert adapter.split_dates_ == [(1, 2, 3)]
    assert any(rule.column == 0 and rule.other == 1 for rule in adapter.level_rules_)
    assert model._sampling_generator().head.level_bias.abs().sum() > 0
    rows = model.sample(5000, random_state=1)
    assert (rows.loc[rows["status"] == "in_transit", "delivery_year"] == 2025).all()
    # the training rows' share (0.125 in these 400 rows; 0.1 is the draw's probability)
    assert (rows["status"] == "returned").mean() == pytest.approx(
        (train["status"] == "returned").mean(), abs=0.02)


def test_an_adapter_saved_before_level_rules_is_still_calibrated():
    train = _linked(400)
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(train)
    del model.adapter_.level_rules_  # as pickled before rules were kept
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model._match_level_rates()
    assert model._sampling_generator().head.level_bias.abs().sum() > 0


def test_rules_follow_the_functional_dependencies_switch():
    adapter = TabularAdapter(functional_dependencies=False).fit(_linked())
    assert adapter.level_rules_ == []


def test_pair_calibration_brings_generated_pairs_closer_to_training():
    train = _linked()
    gaps = {}
    for calibrated in (False, True):
        model = GANSampler(epochs=2, generator_dims=(32,), discriminator_dims=(32,),
                           random_state=0,
                           adapter=TabularAdapter(pair_calibration=calibrated)).fit(train)
        rows = model.sample(3000, random_state=0)
        assert len(rows) == 3000 and rows.dtypes.equals(train.dtypes)
        gaps[calibrated] = _table_gap(rows, train, "region", "plan")
    assert gaps[True] < 0.5 * gaps[False]


def test_calibrated_sampling_is_reproducible_and_handles_any_size():
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(_linked(600))
    assert model.adapter_.n_candidates(10) > 10
    first = model.sample(25, random_state=3)
    pd.testing.assert_frame_equal(first, model.sample(25, random_state=3))
    assert len(model.sample(0)) == 0 and len(model.sample(1)) == 1
    assert len(model.sample(20_000, random_state=0)) == 20_000  # two chunks


def test_pair_calibration_can_be_turned_off_and_is_checked():
    adapter = TabularAdapter(pair_calibration=False).fit(_linked(600))
    assert adapter.pair_tables_ is None and adapter.n_candidates(10) == 10
    with pytest.raises(ValueError, match="pair_calibration must be True or False"):
        TabularAdapter(pair_calibration="yes").fit(_linked(600))


def test_arrays_are_calibrated_and_come_back_as_arrays():
    train = _linked(1000)
    codes = np.column_stack([pd.factorize(train[column])[0] for column in
                             ("region", "plan", "tier")]).astype(np.int64)
    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(codes)
    assert model.adapter_.pair_tables_ is not None
    rows = model.sample(50, random_state=0)
    assert isinstance(rows, np.ndarray) and rows.shape == (50, 3)
    assert rows.dtype == codes.dtype


def test_private_tables_carry_noise_of_the_multiplier_times_their_sensitivity():
    from skgan.adapters._pair_calibration import PairTables

    rng = np.random.RandomState(0)
    codes = rng.randint(0, 4, size=(20_000, 3))
    exact = PairTables(codes, [4, 4, 4])
    noisy = PairTables(codes, [4, 4, 4], noise_multiplier=3.0,
                       random_state=np.random.RandomState(1))
    again = PairTables(codes, [4, 4, 4], noise_multiplier=3.0,
                       random_state=np.random.RandomState(1))
    assert noisy.pairs == exact.pairs and len(noisy.pairs) == 3
    deviation = 3.0 * np.sqrt(3)  # three tables: each row moves one cell of each
    cell_errors = np.concatenate([(noisy_shares - exact_shares) * len(codes)
                                  for noisy_shares, exact_shares in zip(noisy.shares, exact.shares)])
    # half-normal: the median absolute error is 0.674 standard deviations
    assert 0.45 < np.median(np.abs(cell_errors)) / deviation < 0.9
    for first, second in zip(noisy.shares, again.shares):  # the seed decides the noise
        np.testing.assert_array_equal(first, second)
    assert exact.noise_multiplier is None and noisy.noise_multiplier == 3.0


def _counting_bincounts(run):
    """``run()``'s result and how many ``np.bincount`` calls it made (one per table a
    sweep)."""
    calls, bincount = [], np.bincount

    def counting(*args, **kwargs):
        calls.append(1)
        return bincount(*args, **kwargs)

    np.bincount = counting
    try:
        result = run()
    finally:
        np.bincount = bincount
    return result, len(calls)


def _three_linked(rng, n_rows, linked):
    first = rng.integers(0, 6, n_rows)
    second = np.where(rng.random(n_rows) < linked, first, rng.integers(0, 6, n_rows))
    third = np.where(rng.random(n_rows) < linked, second % 3, rng.integers(0, 3, n_rows))
    return np.column_stack([first, second, third])


def test_raking_a_block_starts_from_the_checks_factors_and_reaches_the_same_tables():
    rng = np.random.default_rng(5)
    tables = PairTables(_three_linked(rng, 5000, 0.9), [6, 6, 3])
    assert tables.start_factors is None  # not checked yet: raked from equal weights
    assert tables.choose_oversampling(_three_linked(rng, 16 * 4096, 0.3), 4096) > 1
    n_tables = len(tables.pairs) + len(tables.singles)
    assert len(tables.start_factors) == n_tables
    assert all(np.all(np.isfinite(factor)) and np.all(factor > 0)
               for factor in tables.start_factors)
    factor = tables.oversampling
    block = _three_linked(rng, factor * 16384, 0.3)  # a sampled block, drawn alike
    warm, warm_calls = _counting_bincounts(lambda: tables.weights(block, factor))
    start, tables.start_factors = tables.start_factors, None
    cold, cold_calls = _counting_bincounts(lambda: tables.weights(block, factor))
    tables.start_factors = start
    assert warm_calls < cold_calls  # fewer sweeps from the check's factors
    for weights in (warm, cold):
        assert weights.max() <= factor + 1e-9 and np.isclose(weights.mean(), 1.0)
    assert _largest_table_gap(tables, block, warm) <= \
        _largest_table_gap(tables, block, cold) + 0.002
    training_v = tables._training_v()
    assert tables.largest_v_gap(block, warm, training_v) <= V_GAP_TARGET
    # candidates taken as they come keep no factors: there is nothing to start from
    assert tables.choose_oversampling(_three_linked(rng, 16 * 4096, 0.9), 4096) == 1
    assert tables.start_factors is None


def test_start_factors_that_leave_no_weight_rake_from_equal_weights():
    rng = np.random.default_rng(6)
    tables = PairTables(_three_linked(rng, 5000, 0.9), [6, 6, 3])
    tables.start_factors = [np.zeros(len(target))
                            for target in tables.shares + tables.single_shares]
    candidates = _three_linked(rng, 8000, 0.3)
    weights = tables.weights(candidates, 4.0)
    tables.start_factors = None
    np.testing.assert_allclose(weights, tables.weights(candidates, 4.0))
    tables.start_factors = [np.ones(2)]  # tables of another layout: not used
    np.testing.assert_allclose(weights, tables.weights(candidates, 4.0))


def test_a_fitted_models_start_factors_survive_its_model_file(tmp_path):
    import skgan.io

    model = GANSampler(epochs=1, generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(_linked(1500))
    tables = model.adapter_.pair_tables_
    assert tables.oversampling > 1 and tables.start_factors is not None
    skgan.io.save(model, tmp_path / "model.skgan")
    loaded = skgan.io.load(tmp_path / "model.skgan")
    for kept, read in zip(tables.start_factors, loaded.adapter_.pair_tables_.start_factors):
        np.testing.assert_array_equal(kept, read)
    pd.testing.assert_frame_equal(loaded.sample(3000, random_state=1),
                                  model.sample(3000, random_state=1))


def test_a_check_made_again_judges_every_factor_from_equal_weights():
    """Continued training checks the factor again on the same tables: the factors an
    earlier check found (at another cap) must not tilt its judgement."""
    rng = np.random.default_rng(7)
    tables = PairTables(_three_linked(rng, 5000, 0.9), [6, 6, 3])
    candidates = _three_linked(rng, 16 * 4096, 0.3)
    fresh = PairTables(_three_linked(np.random.default_rng(7), 5000, 0.9), [6, 6, 3])
    fresh.choose_oversampling(candidates, 4096)
    tables.start_factors = [rng.uniform(0.2, 5.0, len(target))  # an earlier check's
                            for target in tables.shares + tables.single_shares]
    assert tables.choose_oversampling(candidates, 4096) == fresh.oversampling
    assert tables.v_gaps == fresh.v_gaps and tables.share_gaps == fresh.share_gaps
    for kept, expected in zip(tables.start_factors, fresh.start_factors, strict=True):
        np.testing.assert_array_equal(kept, expected)
