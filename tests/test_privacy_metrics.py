"""Disclosure measures against reference definitions written out here, pair by pair."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from skgan import GANSampler
from skgan.metrics import (
    dcr_scorer,
    distance_to_closest_record,
    exact_match_rate,
    exact_match_scorer,
    make_privacy_scorer,
    membership_inference,
)
from skgan.metrics.privacy import random_rows


def _mixed_table(rng, n_rows, shift=0.0):
    table = pd.DataFrame({
        "amount": rng.lognormal(3 + shift, 1, n_rows),
        "age": rng.randint(18, 90, n_rows),
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.randint(0, 365, n_rows), "D"),
        "city": rng.choice(["north", "south", "east", "west"], n_rows),
        "key": [f"k{value}" for value in rng.randint(0, 60, n_rows)],  # > one bucket each
        "flag": rng.uniform(size=n_rows) < 0.3,
    })
    table.loc[rng.uniform(size=n_rows) < 0.1, "amount"] = np.nan
    table.loc[rng.uniform(size=n_rows) < 0.1, "city"] = None
    return table


def _reference_distance(row, other, ranges):
    """SDMetrics' DCR distance of two rows, written from its definition."""
    total = 0.0
    for name, value in row.items():
        theirs = other[name]
        if pd.isna(value) or pd.isna(theirs):
            total += float(pd.isna(value) != pd.isna(theirs))
        elif name in ranges:
            gap = abs(value - theirs)
            gap = gap.total_seconds() if isinstance(gap, pd.Timedelta) else gap
            total += float(gap > 0) if ranges[name] == 0 else min(gap / ranges[name], 1.0)
        else:
            total += float(str(value) != str(theirs))
    return total / len(row)


def _reference_dcr(train, synthetic, scale_from=None):
    scale_from = train if scale_from is None else scale_from
    ranges = {}
    for name in ("amount", "age", "when"):
        width = scale_from[name].max() - scale_from[name].min()
        ranges[name] = width.total_seconds() if isinstance(width, pd.Timedelta) else width
    return np.round([min(_reference_distance(row, other, ranges)
                         for _, other in train.iterrows())
                     for _, row in synthetic.iterrows()], 12)


def test_distances_equal_the_definition_pair_by_pair():
    rng = np.random.RandomState(0)
    train = _mixed_table(rng, 120)
    synthetic = _mixed_table(rng, 40, shift=1.5)  # amounts beyond the training range
    synthetic.loc[:4, "key"] = "never seen"
    synthetic.loc[5:7] = train.loc[:2].to_numpy()  # three copies
    expected = _reference_dcr(train, synthetic)
    distances = distance_to_closest_record(train, synthetic)
    np.testing.assert_allclose(distances, expected, atol=1e-12)
    assert (distances[5:8] == 0).all()


@pytest.mark.parametrize("search", ["tree", "scan"])
def test_both_searches_find_the_definitions_nearest_rows_on_a_wide_table(search, monkeypatch):
    from skgan.metrics import _cell_bounds, _closest_records

    rng = np.random.RandomState(1)
    train = _mixed_table(rng, 150)
    synthetic = _mixed_table(rng, 60, shift=1.5)
    for table in (train, synthetic):  # few values, many values, a constant, many levels
        table["stars"] = rng.randint(1, 6, len(table)).astype(float)
        table["price"] = rng.gamma(2.0, 30.0, len(table))
        table["same"] = 7
        table["product"] = [f"p{value}" for value in rng.randint(0, 200, len(table))]
    train.loc[rng.uniform(size=150) < 0.2, "stars"] = np.nan
    synthetic.loc[:3, "product"] = "never seen"
    synthetic.loc[4:5, "same"] = 8
    synthetic.loc[6:8] = train.loc[:2].to_numpy()
    ranges = {name: scale for name, scale in (
        ("amount", np.ptp(train["amount"].dropna())), ("age", np.ptp(train["age"])),
        ("when", (train["when"].max() - train["when"].min()).total_seconds()),
        ("stars", 4.0), ("price", np.ptp(train["price"])), ("same", 0))}
    expected = np.round([min(_reference_distance(row, other, ranges)
                             for _, other in train.iterrows())
                         for _, row in synthetic.iterrows()], 12)
    limit = 0 if search == "scan" else 10 ** 6
    monkeypatch.setattr(_closest_records, "MAX_TREE_COORDINATES", limit)
    monkeypatch.setattr(_closest_records, "N_CANDIDATES", 2)  # many rows left unsettled
    monkeypatch.setattr(_cell_bounds, "N_CANDIDATES", 2)
    monkeypatch.setattr(_cell_bounds, "BLOCK_BOUNDS", 150 * 7)  # several blocks
    distances = distance_to_closest_record(train, synthetic)
    np.testing.assert_array_equal(distances, expected)
    assert (distances[6:9] == 0).all()


def test_holdout_measures_follow_their_definitions():
    rng = np.random.RandomState(1)
    train, holdout = _mixed_table(rng, 150), _mixed_table(rng, 150)
    fresh = _mixed_table(rng, 150)
    result = distance_to_closest_record(train, fresh, holdout)
    # same sizes, so nothing is cut; each table's distances use its own ranges
    expected_share = np.mean(_reference_dcr(train, fresh) < _reference_dcr(holdout, fresh))
    assert result.share_closer_to_train == expected_share
    assert result.overfitting_protection == pytest.approx(
        min(2 * (1 - result.share_closer_to_train), 1))
    assert 0.8 < result.holdout_ratio < 1.25
    assert 0 < result.baseline_protection <= 1

    copies = train.sample(150, replace=True, random_state=0)
    leaked = distance_to_closest_record(train, copies, holdout)
    assert leaked.share_closer_to_train == 1.0 and leaked.overfitting_protection == 0.0
    assert leaked.holdout_ratio == 0.0 and leaked.baseline_protection == 0.0


def test_membership_attacks_find_copies_and_nothing_else():
    rng = np.random.RandomState(2)
    train, holdout = _mixed_table(rng, 200), _mixed_table(rng, 200)
    copies = train.copy()
    copies["amount"] += rng.normal(scale=0.01, size=len(copies))
    fresh = _mixed_table(rng, 200)
    # the density attack judges regions, so it finds copies less surely than the other
    for attack, floor in (("distance", 0.95), ("density", 0.6)):
        assert membership_inference(train, holdout, copies, attack=attack) > floor
        assert abs(membership_inference(train, holdout, fresh, attack=attack) - 0.5) < 0.1
    first = membership_inference(train, holdout, fresh, attack="density", random_state=3)
    assert first == membership_inference(train, holdout, fresh, attack="density",
                                         random_state=3)


def test_exact_matches_read_values_as_text_and_missing_as_missing():
    train = pd.DataFrame({"code": [1, 2, 3], "x": [0.5, np.nan, 1.5]})
    synthetic = pd.DataFrame({"code": ["1", "2", "3", "3"], "x": [0.5, np.nan, 1.5000001, np.nan]})
    assert exact_match_rate(train, synthetic) == 0.5


def test_random_baseline_rows_stay_in_range_and_keep_missing_rates():
    rng = np.random.RandomState(4)
    table = _mixed_table(rng, 400)
    rows = random_rows(table, 4000, random_state=0)
    assert list(rows.columns) == list(table.columns)
    assert rows["age"].between(table["age"].min(), table["age"].max()).all()
    assert rows["when"].dropna().between(table["when"].min(), table["when"].max()).all()
    assert set(rows["key"]) <= set(table["key"])
    assert rows["amount"].isna().mean() == pytest.approx(table["amount"].isna().mean(), abs=0.03)


def test_bad_input_is_named():
    table = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(TypeError, match="synthetic"):
        distance_to_closest_record(table, "rows.csv")
    with pytest.raises(ValueError, match="synthetic lacks 'x'; synthetic has extra 'y'"):
        distance_to_closest_record(table, pd.DataFrame({"y": [1.0]}))
    wide = table.assign(c=["a", "b"])
    for call in (lambda: distance_to_closest_record(wide, wide, table),
                 lambda: membership_inference(wide, table, wide)):
        with pytest.raises(ValueError, match="train and holdout have different columns: "
                                             "holdout lacks 'c'"):
            call()
    with pytest.raises(ValueError, match="train and synthetic have different columns"):
        membership_inference(wide, wide, table)
    with pytest.raises(ValueError, match="no rows"):
        distance_to_closest_record(table, table.iloc[:0])
    with pytest.raises(ValueError, match="attack"):
        membership_inference(table, table, table, attack="shadow")
    with pytest.raises(ValueError, match="holdout"):
        make_privacy_scorer("membership_inference")
    with pytest.raises(ValueError, match="Unknown privacy metric"):
        make_privacy_scorer("fid")


def test_scorers_rank_a_copying_model_below_a_generating_one():
    rng = np.random.RandomState(5)
    X, holdout = rng.normal(size=(150, 2)), rng.normal(size=(150, 2))
    model = GANSampler(epochs=2, random_state=0).fit(X)

    class Copier:
        def sample(self, n_samples=1, random_state=None):
            return X[np.random.RandomState(random_state).randint(len(X), size=n_samples)]

    for scorer in (dcr_scorer, exact_match_scorer,
                   make_privacy_scorer("membership_inference", holdout=holdout),
                   make_privacy_scorer("overfitting_protection", holdout=holdout)):
        assert scorer(model, X) > scorer(Copier(), X), scorer
        with pytest.raises(TypeError, match="LinearRegression has no sample method"):
            scorer(LinearRegression().fit(X, X[:, 0]), X)


def test_copies_written_with_booleans_as_0_1_and_integers_as_floats_are_copies():
    rng = np.random.RandomState(0)
    train = pd.DataFrame({"x": rng.normal(size=60), "flag": rng.rand(60) > 0.5,
                          "cls": rng.randint(0, 3, 60).astype(object)})
    written = train.assign(flag=train["flag"].astype(int),
                           cls=train["cls"].astype(float).astype(object))
    assert exact_match_rate(train, written) == 1.0
    assert distance_to_closest_record(train, written).max() == 0.0
    in_float32 = train.assign(x=train["x"].astype("float32"))
    assert exact_match_rate(train, in_float32) == 1.0
    assert exact_match_rate(in_float32, train) == 1.0
    assert exact_match_rate(train, in_float32.assign(x=in_float32["x"] + 1e-3)) == 0.0


@pytest.mark.parametrize("bad, message", [
    (pd.DataFrame([[1.0, 2.0]], columns=["a", "a"]), "duplicate column names"),
    (pd.DataFrame({"a": [1.0, np.inf]}), "holds infinite values"),
])
def test_tables_the_distances_cannot_read_are_named(bad, message):
    good = pd.DataFrame({"a": [1.0, 2.0, 3.0]}) if bad.shape[1] == 1 else \
        pd.DataFrame([[1.0, 2.0]], columns=["a", "b"])
    for measure in (distance_to_closest_record, exact_match_rate):
        with pytest.raises(ValueError, match=message):
            measure(bad, good)


def test_an_extra_column_in_the_synthetic_rows_is_refused():
    # Left out of every distance, it made rows that differ in it count as copies.
    train = np.zeros((3, 2))
    synthetic = np.column_stack([np.zeros((3, 2)), np.ones(3)])
    for measure in (lambda: distance_to_closest_record(train, synthetic),
                    lambda: exact_match_rate(train, synthetic),
                    lambda: membership_inference(train, train, synthetic)):
        with pytest.raises(ValueError, match="different columns: synthetic has extra 2"):
            measure()


def test_the_density_attack_reads_values_alike_whatever_their_dtype():
    rng = np.random.RandomState(0)

    def table():
        return pd.DataFrame({"smoker": rng.rand(60) < .3, "code": rng.choice(["1", "2", "3"], 60),
                             "x": rng.normal(size=60)})

    train, holdout, synthetic = table(), table(), table()
    retyped = synthetic.assign(smoker=synthetic["smoker"].astype(float),
                               code=synthetic["code"].astype(int))
    assert membership_inference(train, holdout, retyped, attack="density") == \
        membership_inference(train, holdout, synthetic, attack="density")


@pytest.mark.parametrize("n_jobs, error", [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_n_jobs_is_checked_whatever_the_width_and_read_as_joblib_reads_it(n_jobs, error):
    rng = np.random.RandomState(0)
    narrow = pd.DataFrame(rng.normal(size=(30, 3)))
    wide = pd.DataFrame(rng.normal(size=(30, 20)))
    for table in (narrow, wide):
        with pytest.raises(error, match="n_jobs"):
            distance_to_closest_record(table, table, n_jobs=n_jobs)
        with pytest.raises(error, match="n_jobs"):
            membership_inference(table, table, table, n_jobs=n_jobs)
        np.testing.assert_array_equal(distance_to_closest_record(table, table, n_jobs=-2), 0.0)


def test_a_small_holdout_and_unreadable_values_are_warned_about():
    rng = np.random.RandomState(0)
    train = pd.DataFrame({"x": rng.normal(size=200), "when": pd.date_range("2020", periods=200)})
    with pytest.warns(UserWarning, match="compare 40 training rows \\(of 200"):
        distance_to_closest_record(train, train, train.iloc[:40])
    synthetic = train.iloc[:2].assign(when=["01/02/2020", "not a date"])
    with pytest.warns(UserWarning, match="'when' holds 2 values that do not read as dates"):
        distance_to_closest_record(train, synthetic)


def test_scorer_sizes_must_be_whole_numbers():
    from skgan.metrics import make_sample_scorer

    with pytest.raises(TypeError, match="n_samples must be a whole number"):
        make_privacy_scorer("dcr", n_samples="10")
    with pytest.raises(TypeError, match="n_samples must be a whole number"):
        make_sample_scorer("mmd", n_samples=2.5)


def test_a_copy_written_as_text_and_read_back_a_unit_off_is_still_a_copy():
    # A CSV round trip can return a float one unit in the last place off (a holdout
    # file cut from the training file then read a second time missed 2 of 40 rows).
    rng = np.random.RandomState(0)
    train = pd.DataFrame({"x": rng.normal(size=200) * 1e3, "y": rng.lognormal(size=200),
                          "c": rng.choice(["a", "b"], 200)})
    read_back = train.assign(x=np.nextafter(train["x"], np.inf),
                             y=np.nextafter(train["y"], 0))
    assert exact_match_rate(train, read_back) == 1.0
    assert exact_match_rate(train, train.assign(x=train["x"] + 1e-6)) == 0.0


def test_the_density_attack_reads_rows_by_position_whatever_their_index():
    # Category columns were matched to rows by index label: relabelling the synthetic
    # rows moved the AUC of a copying generator from 0.89 to 0.63, and repeated labels
    # (tables put together with pd.concat) raised pandas' reindexing error.
    rng = np.random.RandomState(0)
    train, holdout = _mixed_table(rng, 200), _mixed_table(rng, 200)
    copies = train.sample(200, replace=True, random_state=1)
    auc = membership_inference(train, holdout, copies, attack="density", random_state=0)
    relabelled = copies.set_axis(np.arange(len(copies)) + 500)
    repeated = pd.concat([copies.iloc[:100], copies.iloc[100:]])  # labels appear twice
    for synthetic in (relabelled, repeated, copies.reset_index(drop=True)):
        assert membership_inference(train, holdout, synthetic, attack="density",
                                    random_state=0) == auc
    one_label = holdout.set_axis(np.zeros(len(holdout), dtype=int))  # every label 0
    assert membership_inference(train, one_label, copies, attack="density",
                                random_state=0) == auc


def test_the_holdouts_columns_are_read_as_the_training_rows_kinds():
    # The holdout's own dtypes decided: its dates read from a CSV without parse_dates
    # were text, every synthetic date stood apart from them, and the share closer to
    # training went from 0.47 to 1.0.
    rng = np.random.RandomState(0)
    train, holdout = _mixed_table(rng, 150), _mixed_table(rng, 150)
    synthetic = _mixed_table(rng, 150)
    as_text = holdout.assign(when=holdout["when"].dt.strftime("%Y-%m-%d"))
    parsed = distance_to_closest_record(train, synthetic, holdout, random_state=0)
    read = distance_to_closest_record(train, synthetic, as_text, random_state=0)
    assert read.share_closer_to_train == parsed.share_closer_to_train < 0.7


def test_integer_columns_whose_copies_are_float_still_count_as_copies():
    # Only the float side was rounded to 40 bits: 13-digit ids (epoch milliseconds)
    # copied into a float column, as one blank makes it, missed their copies.
    ids = pd.DataFrame({"t_ms": np.arange(1_700_000_000_000, 1_700_000_000_200)})
    as_float = pd.concat([ids, pd.DataFrame({"t_ms": [np.nan]})], ignore_index=True)
    for train in (ids, ids.astype("Int64")):
        assert exact_match_rate(train, as_float) == 200 / 201
    assert exact_match_rate(as_float, ids) == 1.0  # every row of ids is a copy


def test_random_rows_draw_durations_uniformly_over_their_range():
    # Durations took the categories' branch and drew only the values seen.
    durations = pd.DataFrame({"wait": pd.to_timedelta([1, 5, None, 9], unit="h")})
    rows = random_rows(durations, 2_000, random_state=0)
    assert pd.api.types.is_timedelta64_dtype(rows["wait"].dtype)
    observed = rows["wait"].dropna()
    assert observed.nunique() > 100
    assert observed.between(pd.Timedelta(hours=1), pd.Timedelta(hours=9)).all()
    assert 0.15 < rows["wait"].isna().mean() < 0.35
