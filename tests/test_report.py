import numpy as np
import pandas as pd
import pytest

from skgan.evaluation import (
    QualityReport,
    column_kind,
    column_shapes,
    ml_efficacy,
    pair_trends,
    quality_report,
)


@pytest.fixture
def mixed_table():
    rng = np.random.RandomState(0)
    n = 300
    income = rng.lognormal(3, 0.5, n)
    income[::10] = np.nan
    return pd.DataFrame(
        {
            "income": income,
            "age": rng.randint(18, 90, n),
            "city": pd.Series(rng.choice(["Lyon", "Oslo", "Pune", None], n), dtype=object),
            "grade": pd.Categorical(rng.choice(["A", "B", "C"], n)),
            "member": rng.rand(n) > 0.3,
            "joined": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.randint(0, 900, n), unit="D"),
        }
    )


def _pair_score(trends, first, second):
    row = trends[(trends["column_1"] == first) & (trends["column_2"] == second)]
    return float(row["score"].iloc[0])


@pytest.mark.parametrize(
    "values, kind",
    [
        ([1.5, 2.0], "numerical"),
        ([1, 2], "numerical"),
        (pd.to_timedelta([1, 2], unit="s"), "numerical"),
        (["a", "b"], "categorical"),
        (pd.Categorical([1, 2]), "categorical"),
        ([True, False], "boolean"),
        ([True, None], "boolean"),
        (pd.array([True, None], dtype="boolean"), "boolean"),
        (pd.to_datetime(["2020-01-01", None]), "datetime"),
        (pd.to_datetime(["2020-01-01"]).tz_localize("Europe/Oslo"), "datetime"),
    ],
)
def test_column_kind(values, kind):
    assert column_kind(pd.Series(values)) == kind


def test_identical_tables_score_one_everywhere(mixed_table):
    report = quality_report(mixed_table, mixed_table.copy())
    assert (report.column_shapes["score"] == 1.0).all()
    assert report.pair_trends["score"].to_numpy() == pytest.approx(1.0)
    assert report.score == pytest.approx(1.0)
    assert list(report.column_shapes["kind"]) == [
        "numerical", "numerical", "categorical", "categorical", "boolean", "datetime"
    ]
    assert len(report.pair_trends) == 6 * 5 // 2


def test_column_shapes_by_hand():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
    synthetic = pd.DataFrame({"x": [1.0, 2.0, 3.0, 9.0], "c": ["a", "b", "b", "b"]})
    shapes = column_shapes(real, synthetic)
    # KS: the distribution functions differ by at most 1/4 (just below 9);
    # TVD: (|1/2 - 1/4| + |1/2 - 3/4|) / 2 = 1/4
    assert shapes.loc["x", "score"] == pytest.approx(0.75)
    assert shapes.loc["c", "score"] == pytest.approx(0.75)
    assert list(shapes.loc["x", ["kind", "metric"]]) == ["numerical", "KS"]
    assert list(shapes.loc["c", ["kind", "metric"]]) == ["categorical", "TVD"]


def test_disjoint_values_score_zero():
    real = pd.DataFrame({"c": ["a", "b"], "flag": [True, True], "x": [1.0, 2.0]})
    synthetic = pd.DataFrame({"c": ["y", "z"], "flag": [False, False], "x": [5.0, 6.0]})
    assert column_shapes(real, synthetic)["score"].tolist() == [0.0, 0.0, 0.0]


def test_missing_values_are_scored_apart_and_their_rates_reported():
    real = pd.DataFrame({"c": ["a", "b", None, None], "x": [1.0, np.nan, 2.0, np.nan]})
    synthetic = pd.DataFrame({"c": ["a", "b", "a", "b"], "x": [1.0, 2.0, 1.0, 2.0]})
    shapes = column_shapes(real, synthetic)
    assert shapes["score"].tolist() == [1.0, 1.0]
    assert shapes["real_missing"].tolist() == [0.5, 0.5]
    assert shapes["synthetic_missing"].tolist() == [0.0, 0.0]


def test_a_column_empty_in_one_table_only_scores_zero():
    real = pd.DataFrame({"x": [1.0, 2.0], "c": ["a", "b"]})
    synthetic = pd.DataFrame({"x": [np.nan, np.nan], "c": [None, None]})
    shapes = column_shapes(real, synthetic)
    assert shapes["score"].tolist() == [0.0, 0.0]
    assert shapes["synthetic_missing"].tolist() == [1.0, 1.0]


def test_a_pair_with_a_column_empty_in_one_table_only_scores_zero():
    # Its undefined correlation read as 0 and was compared with the real one (0.04):
    # the pair scored 0.98 while the column scored 0.
    rng = np.random.RandomState(0)
    real = pd.DataFrame({"x": rng.normal(size=50), "y": rng.normal(size=50)})
    synthetic = real.assign(y=np.nan)
    trends = pair_trends(real, synthetic)
    assert trends["score"].tolist() == [0.0]
    both_empty = pair_trends(real.assign(y=np.nan), synthetic)
    assert both_empty["score"].tolist() == [1.0]  # alike: no trend in either


def test_synthetic_values_are_read_as_the_real_columns_kind():
    # as they come back from CSV files: dates as text, booleans and numbers as text
    real = pd.DataFrame({
        "when": pd.to_datetime(["2021-05-01", "2021-06-01", "2021-07-01"]),
        "flag": [True, False, True],
        "x": [1.0, 2.0, 3.0],
    })
    synthetic = pd.DataFrame({
        "when": ["2021-05-01", "2021-06-01", "2021-07-01"],
        "flag": ["True", "False", "True"],
        "x": ["1", "2", "three"],
    })
    shapes = column_shapes(real, synthetic)
    assert shapes.loc["when", "score"] == 1.0
    assert shapes.loc["flag", "score"] == 1.0
    assert shapes.loc["x", "synthetic_missing"] == pytest.approx(1 / 3)


def test_column_order_does_not_matter(mixed_table):
    shuffled = mixed_table[list(reversed(mixed_table.columns))]
    assert (column_shapes(mixed_table, shuffled)["score"] == 1.0).all()


def test_correlation_pairs_compare_spearman_rho():
    x = np.arange(1.0, 21.0)
    real = pd.DataFrame({"x": x, "y": x, "z": x})
    # y: a monotone but non-linear trend (same rank correlation, 1);
    # z: the reversed trend (rho = -1)
    synthetic = pd.DataFrame({"x": x, "y": x ** 3, "z": -x})
    trends = pair_trends(real, synthetic)
    assert set(trends["metric"]) == {"correlation"}
    assert _pair_score(trends, "x", "y") == pytest.approx(1.0)
    assert _pair_score(trends, "x", "z") == pytest.approx(0.0)
    row = trends.iloc[1]
    assert (row["real"], row["synthetic"]) == pytest.approx((1.0, -1.0))


def test_a_constant_column_has_no_trend():
    x = np.arange(10.0)
    real = pd.DataFrame({"x": x, "k": np.ones(10)})
    synthetic = pd.DataFrame({"x": x, "k": x})
    trends = pair_trends(real, synthetic)
    # rho_real is undefined, so 0; rho_synthetic is 1: 1 - |0 - 1| / 2
    assert trends["score"].tolist() == [0.5]


def test_contingency_by_hand():
    real = pd.DataFrame({"a": ["p", "p", "q", "q"], "b": ["x", "x", "y", "y"]})
    synthetic = pd.DataFrame({"a": ["p", "p", "q", "q"], "b": ["x", "y", "y", "y"]})
    trends = pair_trends(real, synthetic)
    # joint frequencies px .5, qy .5 against px .25, py .25, qy .5: TVD = 1/4
    assert trends["metric"].tolist() == ["contingency"]
    assert trends["score"].tolist() == [pytest.approx(0.75)]
    assert trends[["real", "synthetic"]].isna().all(axis=None)


def test_numerical_columns_are_binned_at_real_quantiles():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
    # same values with the categories swapped: the bins below and above the median
    # now hold the other category, so the joint tables do not overlap at all
    swapped = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["b", "b", "a", "a"]})
    assert pair_trends(real, swapped, n_bins=2)["score"].tolist() == [0.0]
    # values outside the real range fall into the end bins
    shifted = pd.DataFrame({"x": [-50.0, 0.0, 70.0, 99.0], "c": ["a", "a", "b", "b"]})
    assert pair_trends(real, shifted, n_bins=2)["score"].tolist() == [1.0]


def test_pair_rows_missing_a_value_are_left_out():
    real = pd.DataFrame({"a": ["p", "q", None], "b": ["x", "y", "y"]})
    synthetic = pd.DataFrame({"a": ["p", "q", "p"], "b": ["x", "y", None]})
    assert pair_trends(real, synthetic)["score"].tolist() == [1.0]


def test_many_categories_stay_exact():
    ids = np.array([f"id{k}" for k in range(3000)])
    real = pd.DataFrame({"id": ids, "other": ids})
    synthetic = pd.DataFrame({"id": ids, "other": np.roll(ids, 1)})
    # every synthetic pair is a pair the real table never shows
    assert pair_trends(real, synthetic)["score"].tolist() == [0.0]


@pytest.fixture
def labelled():
    rng = np.random.RandomState(0)

    def table(n):
        x = rng.normal(size=n)
        return pd.DataFrame({
            "x": x,
            "colour": rng.choice(["red", "blue"], n),
            "label": np.where(x > 0, "high", "low"),
            "amount": 3 * x + 0.1 * rng.normal(size=n),
        })

    return table


def test_ml_efficacy_classification(labelled):
    train, test = labelled(300), labelled(200)
    flipped = train.assign(label=np.where(train["label"] == "high", "low", "high"))
    good = ml_efficacy(train, test, train.copy(), "label")
    bad = ml_efficacy(train, test, flipped, "label")
    assert good["task"] == "classification" and good["n_test"] == 200
    assert good["synthetic"] == good["real"]  # same rows, same seed: the same model
    assert good["real"]["accuracy"] > 0.95 and good["real"]["macro_f1"] > 0.95
    assert bad["synthetic"]["accuracy"] < 0.1
    assert bad["synthetic"]["rows"] == 300


def test_ml_efficacy_regression_uses_r2(labelled):
    train, test = labelled(300), labelled(200)
    noise = train.assign(amount=np.random.RandomState(1).normal(size=300))
    efficacy = ml_efficacy(train, test, noise, "amount")
    assert efficacy["task"] == "regression"
    assert set(efficacy["real"]) == {"rows", "r2"}
    assert efficacy["real"]["r2"] > 0.9 > efficacy["synthetic"]["r2"]


def test_ml_efficacy_handles_mixed_features_and_missing_targets(mixed_table):
    train, test = mixed_table.iloc[:200], mixed_table.iloc[200:]
    efficacy = ml_efficacy(train, test, train, "city")
    known = test["city"].notna().sum()
    assert efficacy["n_test"] == known
    assert efficacy["real"]["rows"] == train["city"].notna().sum()
    assert 0.0 <= efficacy["synthetic"]["accuracy"] <= 1.0
    assert ml_efficacy(train, test, train, "member")["task"] == "classification"


def test_ml_efficacy_errors(labelled):
    train, test = labelled(50), labelled(20)
    with pytest.raises(ValueError, match="target 'nope'"):
        ml_efficacy(train, test, train, "nope")
    with pytest.raises(ValueError, match="task"):
        ml_efficacy(train, test, train, "label", task="ranking")
    with pytest.raises(ValueError, match="train and test have different columns: test lacks 'x'"):
        ml_efficacy(train, test.drop(columns="x"), train, "label")
    with pytest.raises(ValueError, match="besides the target"):
        ml_efficacy(train[["label"]], test[["label"]], train[["label"]], "label")
    no_labels = train.assign(label=None)
    with pytest.raises(ValueError, match="synthetic has no rows with a value"):
        ml_efficacy(train, test, no_labels, "label")


def test_quality_report_combines_the_measures(labelled):
    real, synthetic, holdout = labelled(200), labelled(200), labelled(100)
    report = quality_report(real, synthetic, target="label", holdout=holdout)
    assert isinstance(report, QualityReport)
    expected = (report.column_shapes["score"].mean() + report.pair_trends["score"].mean()) / 2
    assert report.score == pytest.approx(expected)
    assert report.ml_efficacy["n_test"] == 100
    text = str(report)
    for heading in ("Overall quality score", "Column shapes", "Weakest pair trends",
                    "ML efficacy", "trained on synthetic", "tested on 100 real rows"):
        assert heading in text


def test_quality_report_holds_back_real_rows_without_a_holdout(labelled):
    report = quality_report(labelled(200), labelled(200), target="label")
    assert report.ml_efficacy["n_test"] == 50
    assert report.ml_efficacy["real"]["rows"] == 150
    assert "held back" in report.summary()
    assert "in-sample" in report.summary()


def test_quality_report_with_a_holdout_is_not_labelled_in_sample(labelled):
    report = quality_report(labelled(200), labelled(200), target="label", holdout=labelled(60))
    assert "in-sample" not in report.summary()


def test_one_column_tables_have_no_pairs():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    synthetic = pd.DataFrame({"x": [1.0, 2.0, 3.0, 9.0]})
    report = quality_report(real, synthetic)
    assert report.pair_trends.empty and np.isnan(report.pair_trends_score)
    assert report.score == pytest.approx(0.75)
    assert "pair trends" not in str(report)


@pytest.mark.parametrize(
    "real, synthetic, error, message",
    [
        (pd.DataFrame({"a": [1], "b": [2]}), pd.DataFrame({"a": [1], "c": [2]}),
         ValueError, "synthetic lacks 'b'; synthetic has extra 'c'"),
        (pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1], "b": [2]}),
         ValueError, "different columns"),
        (pd.DataFrame({"a": [1]}), pd.DataFrame({"a": []}), ValueError, "synthetic has no rows"),
        (pd.DataFrame(index=[0, 1]), pd.DataFrame(index=[0]), ValueError, "real has no columns"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), pd.DataFrame([[1, 2]], columns=["a", "a"]),
         ValueError, "duplicate column names"),
        (np.ones((3, 2)), pd.DataFrame({"a": [1]}), TypeError, "real must be a pandas DataFrame"),
    ],
    ids=["different", "extra", "no-rows", "no-columns", "duplicates", "array"],
)
def test_table_errors(real, synthetic, error, message):
    for measure in (column_shapes, pair_trends, quality_report):
        with pytest.raises(error, match=message):
            measure(real, synthetic)


def test_argument_errors(mixed_table):
    with pytest.raises(ValueError, match="n_bins"):
        pair_trends(mixed_table, mixed_table, n_bins=0)
    with pytest.raises(ValueError, match="give a target"):
        quality_report(mixed_table, mixed_table, holdout=mixed_table)


def test_a_file_that_writes_booleans_as_0_1_and_integers_as_floats_reads_alike():
    # Values were compared as text: True against 1, and 1 against 1.0, never matched.
    rng = np.random.RandomState(0)
    real = pd.DataFrame({"x": rng.normal(size=200), "flag": rng.rand(200) > 0.5,
                         "cls": rng.randint(0, 3, 200).astype(object)})
    written = real.assign(flag=real["flag"].astype(int),
                          cls=real["cls"].astype(float)).astype({"cls": object})
    shapes = column_shapes(real, written)
    assert shapes["score"].to_dict() == {"x": 1.0, "flag": 1.0, "cls": 1.0}
    for target in ("flag", "cls"):
        efficacy = ml_efficacy(real, real, written, target=target, task="classification")
        assert efficacy["synthetic"]["accuracy"] == efficacy["real"]["accuracy"]
    yes_no = real.assign(flag=np.where(real["flag"], "yes", "no"))
    assert column_shapes(real, yes_no)["score"]["flag"] == 1.0


def test_compare_samples_matches_columns_by_name():
    from skgan.evaluation import compare_samples
    rng = np.random.RandomState(0)
    frame = lambda n: pd.DataFrame(rng.normal(size=(n, 2)) * [1, 10], columns=["a", "b"])
    train, holdout, synthetic = frame(150), frame(60), frame(60)
    report = compare_samples(train, holdout, synthetic)
    pd.testing.assert_frame_equal(compare_samples(train, holdout, synthetic[["b", "a"]]),
                                  report)
    with pytest.raises(ValueError, match="synthetic has extra 'z'"):
        compare_samples(train, holdout, synthetic.assign(z=1.0))
    with pytest.raises(ValueError, match="holdout lacks 'b'"):
        compare_samples(train, holdout[["a"]], synthetic)


def test_disclosure_report_says_how_many_held_out_rows_it_needs():
    from skgan.evaluation import disclosure_report
    rng = np.random.RandomState(0)
    table = lambda n: pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b"], n)})
    train, synthetic, holdout = table(80), table(80), table(7)
    with pytest.raises(ValueError, match="at least 7 held-out rows, got 6"):
        disclosure_report(train, synthetic, holdout.iloc[:6])
    assert disclosure_report(train, synthetic, holdout).shape == (7, 2)


def test_disclosure_report_warns_of_training_rows_as_the_holdout_only_beyond_chance():
    import warnings

    from skgan.evaluation import disclosure_report
    rng = np.random.RandomState(0)
    numbers = pd.DataFrame({"x": rng.normal(size=120), "c": rng.choice(["a", "b"], 120)})
    with pytest.warns(UserWarning, match="100% of the held-out rows are rows of the "
                                         "training table"):
        disclosure_report(numbers.iloc[:80], numbers.iloc[80:], numbers.iloc[:40])
    # four categorical columns (36 distinct rows): held-out rows repeat training rows
    levels = pd.DataFrame({name: rng.choice(list("abc"), 300) for name in "pqr"}).assign(
        s=rng.choice(["u", "v", "w", "z"], 300))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        disclosure_report(levels.iloc[:150], levels.iloc[150:200], levels.iloc[150:])
    assert not [warning for warning in caught if "rows of the training table" in str(
        warning.message)]


def test_time_spans_written_as_text_compare_with_a_time_span_column():
    import io
    rng = np.random.RandomState(0)
    real = pd.DataFrame({"took": pd.to_timedelta(rng.randint(1, 600, 50), unit="min")})
    buffer = io.StringIO()
    real.to_csv(buffer, index=False)
    buffer.seek(0)
    from_csv = pd.read_csv(buffer)  # "0 days 08:31:00" as text
    shapes = column_shapes(real, from_csv)
    assert shapes.loc["took", "score"] == 1.0
    assert shapes.loc["took", "synthetic_missing"] == 0.0


def test_compare_samples_names_the_columns_that_are_not_numbers(mixed_table):
    from skgan.evaluation import compare_samples
    with pytest.raises(TypeError, match="'city'.*select_dtypes"):
        compare_samples(mixed_table, mixed_table, mixed_table)


def test_ml_efficacy_with_a_class_of_one_row_on_a_large_table():
    # Gradient boosting's early stopping (from 10,000 rows) holds out rows of every
    # class: a class seen once stopped it with an error naming an encoded class.
    rng = np.random.default_rng(0)
    x = rng.normal(size=12_000)
    labels = np.where(x > 0, "pro", "basic").astype(object)
    labels[0] = "enterprise"
    table = pd.DataFrame({"x": x, "plan": labels})
    efficacy = ml_efficacy(table, table.iloc[:2000], table, "plan")
    assert efficacy["synthetic"]["rows"] == 12_000 and efficacy["synthetic"]["accuracy"] > 0.9


def test_regression_of_a_text_target_and_mismatched_tables_are_named():
    table = pd.DataFrame({"x": np.arange(40.0), "plan": ["a", "b"] * 20})
    with pytest.raises(ValueError, match="holds text or categories, not numbers"):
        ml_efficacy(table, table, table, "plan", task="regression")
    with pytest.raises(ValueError, match="real and holdout have different columns"):
        quality_report(table, table, target="plan", holdout=table[["plan"]])


def test_decimal_amounts_are_numerical():
    from decimal import Decimal
    amounts = pd.Series([Decimal("18.34"), Decimal("2.50"), None], dtype=object)
    assert column_kind(amounts) == "numerical"


def test_compare_samples_reads_missing_values_time_spans_and_names_infinities():
    from skgan.evaluation import compare_samples
    rng = np.random.default_rng(0)

    def table(n):
        return pd.DataFrame({"x": rng.normal(size=n),
                             "dur": pd.to_timedelta(rng.integers(0, 600, n), unit="s"),
                             "flag": pd.array(rng.random(n) > 0.5, dtype="boolean")})
    train, holdout, synthetic = table(200), table(100), table(100)
    synthetic.loc[3, "x"] = np.nan  # as GANSampler samples a column with missing values
    synthetic.loc[4, "flag"] = pd.NA
    report = compare_samples(train, holdout, synthetic)
    assert np.isfinite(report.to_numpy()).all()
    assert "dur: mean" in report.index
    synthetic.loc[5, "x"] = np.inf
    with pytest.raises(ValueError, match="synthetic holds infinite values in column 'x'"):
        compare_samples(train, holdout, synthetic)


def test_arrow_times_dates_and_spans_score_as_their_numpy_forms():
    pa = pytest.importorskip("pyarrow")
    import datetime

    from skgan.metrics import distance_to_closest_record

    def table(seed):
        rng = np.random.default_rng(seed)
        when = pd.Timestamp("2022-05-01", tz="Europe/Paris") + pd.to_timedelta(
            rng.integers(0, 10**6, 60), unit="s")
        return pd.DataFrame({"when": when,
                             "day": [datetime.date(2022, 1, 1 + int(k)) for k in rng.integers(0, 28, 60)],
                             "span": pd.to_timedelta(rng.integers(0, 5000, 60), unit="s"),
                             "x": rng.normal(size=60)})

    real, synthetic = table(0), table(1)
    arrow_types = {"when": pa.timestamp("us", tz="Europe/Paris"), "day": pa.date32(),
                   "span": pa.duration("us"), "x": pa.float64()}

    def as_arrow(frame):
        return frame.astype({name: pd.ArrowDtype(kind) for name, kind in arrow_types.items()})

    numpy_real = real.assign(day=pd.to_datetime(real["day"]))
    numpy_synthetic = synthetic.assign(day=pd.to_datetime(synthetic["day"]))
    pd.testing.assert_frame_equal(column_shapes(as_arrow(real), as_arrow(synthetic)),
                                  column_shapes(numpy_real, numpy_synthetic))
    np.testing.assert_allclose(distance_to_closest_record(as_arrow(real), as_arrow(synthetic)),
                               distance_to_closest_record(numpy_real, numpy_synthetic))


def test_a_feature_blank_in_every_real_training_row_is_left_out_of_ml_efficacy(labelled):
    # a nearly empty column split by a report: its training part held no value, and the
    # report stopped ("train has no values in column(s)") on a table fit had accepted
    train, test = labelled(300), labelled(200)
    train = train.assign(note=pd.Series([None] * 300, dtype=object))
    test = test.assign(note=pd.Series(["x"] + [None] * 199, dtype=object))
    efficacy = ml_efficacy(train, test, train.copy(), "label")
    assert efficacy["real"]["accuracy"] > 0.95 and efficacy["synthetic"] == efficacy["real"]
    blank_synthetic = train.assign(x=np.nan)  # a synthetic column without values: named
    with pytest.raises(ValueError, match=r"synthetic has no values in column\(s\) \['x'\]"):
        ml_efficacy(train, test, blank_synthetic, "label")
    with pytest.raises(ValueError, match="train has no values in any column besides"):
        ml_efficacy(train[["label", "note"]], test[["label", "note"]],
                    train[["label", "note"]], "label")
