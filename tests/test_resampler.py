import pickle

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.base import clone, is_classifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils import get_tags

from skgan import AugmentedEstimator, ConditionalGAN, GANResampler, GANSampler
from skgan._oversampling_counts import rows_to_add

FAST = dict(epochs=1, batch_size=32, generator_dims=(16,), discriminator_dims=(16,),
            latent_dim=4)
SIZES = {"a": 60, "b": 25, "c": 15}


def _imbalanced(seed=0):
    """Three string-labelled classes of 60, 25 and 15 rows, centred far apart."""
    rng = np.random.RandomState(seed)
    y = np.repeat(list(SIZES), list(SIZES.values()))
    centers = {"a": (-4.0, 0.0), "b": (4.0, 0.0), "c": (0.0, 4.0)}
    X = np.array([centers[label] for label in y]) + 0.4 * rng.normal(size=(len(y), 2))
    return X, y


def _counts(labels):
    values, counts = np.unique(labels, return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {"a": 60, "b": 60, "c": 60}),
        ("not majority", {"a": 60, "b": 60, "c": 60}),
        ("minority", {"a": 60, "b": 25, "c": 60}),
        ("not minority", {"a": 60, "b": 60, "c": 15}),
        ("all", {"a": 60, "b": 60, "c": 60}),
        ({"b": 40, "c": 15}, {"a": 60, "b": 40, "c": 15}),
        (lambda y: {"c": int(np.sum(y == "c")) * 3}, {"a": 60, "b": 25, "c": 45}),
    ],
)
def test_every_sampling_strategy_form_gives_imbalanced_learns_class_sizes(strategy, expected):
    X, y = _imbalanced()
    X_res, y_res = GANResampler(
        sampling_strategy=strategy, estimator=ConditionalGAN(**FAST), random_state=0
    ).fit_resample(X, y)
    assert _counts(y_res) == expected
    assert X_res.shape == (sum(expected.values()), 2)


def test_a_float_strategy_grows_the_minority_of_a_binary_target():
    X, y = _imbalanced()
    keep = y != "c"
    resampler = GANResampler(sampling_strategy=0.5, estimator=ConditionalGAN(**FAST),
                             random_state=0)
    X_res, y_res = resampler.fit_resample(X[keep], y[keep])
    assert _counts(y_res) == {"a": 60, "b": 30}
    assert resampler.sampling_strategy_ == {"b": 5}


def test_strategies_match_imbalanced_learn_on_the_same_labels():
    _, y = _imbalanced()
    X_index = np.arange(len(y)).reshape(-1, 1)
    for strategy in ("auto", "minority", "not minority", "not majority", "all",
                     {"b": 30}, lambda labels: {"c": 20}):
        _, y_imblearn = RandomOverSampler(sampling_strategy=strategy).fit_resample(X_index, y)
        assert _counts(y_imblearn) == {
            label: SIZES[label] + rows_to_add(y, strategy).get(label, 0) for label in SIZES
        }, strategy


@pytest.mark.parametrize(
    "strategy, error, match",
    [
        (0.5, ValueError, "only for binary"),
        ({"z": 80}, ValueError, "class 'z', which is not in y"),
        ({"b": 10}, ValueError, "cannot remove rows"),
        ({"b": 40.5}, TypeError, "must be an int"),
        (lambda y: [1, 2], TypeError, "must return a dict"),
        ("most", ValueError, "sampling_strategy"),
        (1.5, ValueError, "sampling_strategy"),
    ],
)
def test_bad_sampling_strategies_raise_before_any_training(strategy, error, match):
    X, y = _imbalanced()
    resampler = GANResampler(sampling_strategy=strategy, estimator=ConditionalGAN(**FAST))
    with pytest.raises(error, match=match):
        resampler.fit_resample(X, y)
    assert not hasattr(resampler, "sampling_strategy_")
    assert not hasattr(resampler, "estimator_")


def test_a_float_that_would_remove_rows_is_refused():
    X, y = _imbalanced()
    keep = y != "c"
    with pytest.raises(ValueError, match="cannot remove rows"):
        GANResampler(sampling_strategy=0.2, estimator=ConditionalGAN(**FAST)).fit_resample(
            X[keep], y[keep]
        )


def test_a_ratio_of_1_may_be_an_integer_as_imbalanced_learn_takes_it():
    X, y = _imbalanced()
    keep = y != "c"
    counts = [pd.Series(GANResampler(sampling_strategy=ratio, estimator=ConditionalGAN(**FAST),
                                     random_state=0).fit_resample(X[keep], y[keep])[1])
              .value_counts().to_dict() for ratio in (1, 1.0)]
    assert counts[0] == counts[1] == {"a": 60, "b": 60}


def test_original_rows_come_first_unchanged_and_inputs_are_not_mutated():
    X, y = _imbalanced()
    X_before, y_before = X.copy(), y.copy()
    X_res, y_res = GANResampler(estimator=ConditionalGAN(**FAST), random_state=0).fit_resample(
        X, y
    )
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert X_res.dtype == X.dtype and y_res.dtype == y.dtype
    assert np.isfinite(X_res).all()


def test_generated_rows_belong_to_the_class_they_are_labelled_with():
    X, y = _imbalanced()
    resampler = GANResampler(estimator=ConditionalGAN(epochs=150, random_state=0),
                             random_state=0)
    X_res, y_res = resampler.fit_resample(X, y)
    new_rows, new_labels = X_res[len(X):], y_res[len(y):]
    assert _counts(new_labels) == {"b": 35, "c": 45}
    centers = {label: X[y == label].mean(axis=0) for label in SIZES}
    names = np.array(list(centers))
    nearest = names[
        np.linalg.norm(new_rows[:, None] - np.array(list(centers.values()))[None], axis=2)
        .argmin(axis=1)
    ]
    assert np.mean(nearest == new_labels) >= 0.9


def test_dataframes_and_series_keep_their_type_columns_and_dtypes():
    X, y = _imbalanced()
    frame = pd.DataFrame({"x": X[:, 0], "count": np.round(X[:, 1] * 10).astype(np.int64),
                          "flag": X[:, 0] > 0},
                         index=np.arange(100, 200))
    target = pd.Series(y, name="label", index=frame.index)
    X_res, y_res = GANResampler(estimator=ConditionalGAN(**FAST), random_state=0).fit_resample(
        frame, target
    )
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(frame.columns)
    assert (X_res.dtypes == frame.dtypes).all()
    assert y_res.name == "label" and y_res.dtype == target.dtype
    assert len(X_res) == len(y_res) == 180
    pd.testing.assert_frame_equal(X_res.iloc[:100], frame.reset_index(drop=True))
    assert list(X_res.index) == list(range(180))


def test_an_unconditional_sampler_is_trained_once_per_growing_class():
    X, y = _imbalanced()
    resampler = GANResampler(sampling_strategy="minority", estimator=GANSampler(**FAST),
                             random_state=0)
    X_res, y_res = resampler.fit_resample(X, y)
    assert list(resampler.estimators_) == ["c"] and resampler.estimator_ is None
    assert resampler.estimators_["c"].n_features_in_ == 2
    assert _counts(y_res) == {"a": 60, "b": 25, "c": 60}


def test_a_class_too_small_for_the_estimator_is_named():
    X, y = _imbalanced()
    rare = np.flatnonzero(y == "c")[3:]
    X, y = np.delete(X, rare, axis=0), np.delete(y, rare)  # class "c" keeps 3 rows
    resampler = GANResampler(estimator=GANSampler(**FAST), random_state=0)
    with pytest.raises(ValueError, match="on the 3 rows of class 'c' failed: GANSampler "
                                         "needs at least pac=4 rows.*ConditionalGAN"):
        resampler.fit_resample(X, y)
    assert not hasattr(resampler, "estimators_")


def test_balanced_data_is_returned_without_training():
    X, y = _imbalanced()
    keep = np.concatenate([np.flatnonzero(y == label)[:15] for label in SIZES])
    resampler = GANResampler(estimator=ConditionalGAN(**FAST))
    X_res, y_res = resampler.fit_resample(X[keep], y[keep])
    np.testing.assert_array_equal(X_res, X[keep])
    assert resampler.estimator_ is None and resampler.sampling_strategy_ == {"b": 0, "c": 0}


def test_an_integer_random_state_makes_resampling_repeatable():
    X, y = _imbalanced()
    resampler = GANResampler(estimator=ConditionalGAN(**FAST), random_state=3)
    first = resampler.fit_resample(X, y)
    second = clone(resampler).fit_resample(X, y)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    third = GANResampler(estimator=ConditionalGAN(**FAST), random_state=4).fit_resample(X, y)
    assert not np.array_equal(first[0], third[0])


@pytest.mark.parametrize(
    "y_change, error, match",
    [
        (lambda y: None, ValueError, "requires y"),
        (lambda y: y[:-1], ValueError, "100 rows but y has 99"),
        (lambda y: np.linspace(0, 1, len(y)), ValueError, "continuous"),
        (lambda y: np.full(len(y), "a"), ValueError, "at least 2 classes"),
        (lambda y: np.where(y == "c", None, y), ValueError, "missing labels"),
        (lambda y: np.ones((len(y), 2), dtype=int), ValueError, "one class per row"),
    ],
)
def test_bad_targets_raise_clear_errors(y_change, error, match):
    X, y = _imbalanced()
    resampler = GANResampler(estimator=ConditionalGAN(**FAST))
    with pytest.raises(error, match=match):
        resampler.fit_resample(X, y_change(y))
    assert not hasattr(resampler, "sampling_strategy_")


def test_a_one_hot_target_comes_back_one_hot_with_every_column():
    X, y = _imbalanced()
    keep = y != "c"
    one_hot = np.eye(2, dtype=np.int32)[(y[keep] == "b").astype(int)]
    resampler = GANResampler(estimator=ConditionalGAN(**FAST), random_state=0)
    X_res, y_res = resampler.fit_resample(X[keep], one_hot)
    assert y_res.shape == (120, 2) and y_res.dtype == np.int32
    np.testing.assert_array_equal(y_res[:85], one_hot)
    assert y_res.sum(axis=0).tolist() == [60, 60] and (y_res.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(
        X_res, clone(resampler).fit_resample(X[keep], y[keep] == "b")[0]
    )


def test_lists_and_frames_give_the_rows_of_the_same_data_as_an_array():
    X, y = _imbalanced()
    resampler = GANResampler(estimator=ConditionalGAN(**FAST), random_state=0)
    X_array, y_array = resampler.fit_resample(X, y)
    X_list, y_list = resampler.fit_resample(X.tolist(), y.tolist())
    X_frame, y_frame = resampler.fit_resample(pd.DataFrame(X, columns=["u", "v"]),
                                              pd.DataFrame({"label": y}))
    assert isinstance(X_list, list) and isinstance(y_list, list)
    np.testing.assert_array_equal(np.array(X_list), X_array)
    np.testing.assert_array_equal(X_frame.to_numpy(), X_array)
    assert list(y_frame.columns) == ["label"]
    np.testing.assert_array_equal(y_frame["label"].to_numpy(), y_array)
    assert resampler.get_feature_names_out().tolist() == ["u", "v"]


def test_an_estimator_that_cannot_sample_is_refused():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="estimator"):
        GANResampler(estimator=LogisticRegression()).fit_resample(X, y)


def test_a_sampler_has_no_transform_and_pickles_after_fit():
    X, y = _imbalanced()
    resampler = GANResampler(estimator=ConditionalGAN(**FAST), random_state=0)
    assert not hasattr(resampler, "transform")
    resampler.fit(X, y)
    restored = pickle.loads(pickle.dumps(resampler))
    np.testing.assert_array_equal(
        restored._generate()[0], resampler._generate()[0]
    )


def test_imbalanced_learn_pipeline_resamples_during_fit_only_and_grid_searches():
    X, y = _imbalanced()
    pipeline = ImbPipeline([
        ("augment", GANResampler(estimator=ConditionalGAN(**FAST), random_state=0)),
        ("classify", LogisticRegression()),
    ])
    pipeline.fit(X, y)
    assert pipeline.predict(X).shape == (100,)
    assert cross_val_score(pipeline, X, y, cv=3).mean() > 0.9
    search = GridSearchCV(
        pipeline,
        {"augment__sampling_strategy": ["auto", "minority"],
         "augment__estimator__epochs": [1, 2]},
        cv=3,
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.predict(X[:5]).shape == (5,)


def test_augmented_estimator_in_a_scikit_learn_pipeline_and_grid_search():
    X, y = _imbalanced()
    model = AugmentedEstimator(
        LogisticRegression(),
        GANResampler(estimator=ConditionalGAN(**FAST), random_state=0),
    )
    assert is_classifier(model)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", model)])
    search = GridSearchCV(
        pipeline,
        {"model__estimator__C": [0.1, 1.0], "model__sampler__sampling_strategy": ["auto", "all"]},
        cv=3,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4 and search.best_score_ > 0.9
    fitted = search.best_estimator_.named_steps["model"]
    assert list(fitted.classes_) == ["a", "b", "c"]
    assert fitted.predict_proba(X[:4]).shape == (4, 3)
    assert _counts(fitted.sampler_._generate()[1]) == {
        label: n for label, n in fitted.sampler_.sampling_strategy_.items() if n > 0
    }


def test_augmented_estimator_fits_the_model_on_the_augmented_rows():
    X, y = _imbalanced()
    model = AugmentedEstimator(LogisticRegression(), RandomOverSampler(random_state=0))
    model.fit(X, y)
    assert model.estimator_.n_features_in_ == 2
    assert model.sampler_.sampling_strategy_ == {"b": 35, "c": 45}
    np.testing.assert_allclose(
        model.predict_proba(X), model.estimator_.predict_proba(X)
    )
    assert model.score(X, y) == model.estimator_.score(X, y)


def test_a_refitted_augmented_estimator_keeps_nothing_of_its_earlier_fit():
    X, y = _imbalanced()
    model = AugmentedEstimator(LogisticRegression(), RandomOverSampler(random_state=0))
    model.fit(pd.DataFrame(X, columns=["a", "b"]), y)
    assert list(model.feature_names_in_) == ["a", "b"]
    model.fit(X, y)  # an array has no column names
    assert not hasattr(model, "feature_names_in_")
    model.set_params(estimator=LinearRegression()).fit(X, (y == "a").astype(int))
    assert not hasattr(model, "classes_") and model.n_features_in_ == 2


def test_augmented_estimator_says_it_takes_sparse_input_when_both_parts_do():
    from sklearn.utils.estimator_checks import check_estimator_sparse_tag

    both = AugmentedEstimator(LogisticRegression(), RandomOverSampler(random_state=0))
    assert get_tags(both).input_tags.sparse
    assert not get_tags(AugmentedEstimator(LogisticRegression())).input_tags.sparse
    check_estimator_sparse_tag("AugmentedEstimator", both)  # the tag agrees with fit


def test_augmented_estimator_exposes_only_what_the_model_has_and_needs_fit():
    X, y = _imbalanced()
    model = AugmentedEstimator(LinearSVC(), GANResampler(estimator=ConditionalGAN(**FAST)))
    assert not hasattr(model, "predict_proba")
    assert hasattr(model, "decision_function")
    with pytest.raises(NotFittedError):
        model.predict(X)
    with pytest.raises(ValueError, match="sampler"):
        AugmentedEstimator(LinearSVC(), sampler=LogisticRegression()).fit(X, y)


def test_augmented_estimator_takes_missing_values_when_sampler_and_model_both_do():
    model = HistGradientBoostingClassifier(max_iter=5)
    assert get_tags(AugmentedEstimator(model)).input_tags.allow_nan
    numeric = GANResampler(estimator=ConditionalGAN(adapter="numeric", **FAST))
    assert not get_tags(AugmentedEstimator(model, numeric)).input_tags.allow_nan
    assert not get_tags(AugmentedEstimator(LogisticRegression())).input_tags.allow_nan
    X, y = _imbalanced()
    X[::7, 0] = np.nan
    fitted = AugmentedEstimator(model, GANResampler(estimator=ConditionalGAN(**FAST),
                                                    random_state=0)).fit(X, y)
    assert fitted.predict(X).shape == (100,)


def test_nested_parameters_of_the_default_estimator_can_be_grid_searched():
    X, y = _imbalanced()
    pipeline = ImbPipeline([("ganresampler", GANResampler(random_state=0)),
                            ("classify", LogisticRegression())])
    search = GridSearchCV(
        pipeline,
        {"ganresampler__estimator__epochs": [1, 2],
         "ganresampler__estimator__generator_dims": [(16,)],
         "ganresampler__estimator__discriminator_dims": [(16,)]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    chosen = search.best_estimator_.named_steps["ganresampler"].estimator
    assert isinstance(chosen, ConditionalGAN)
    assert chosen.class_weight == "balanced" and chosen.pac == 4  # the documented default
    assert pipeline.named_steps["ganresampler"].estimator is None  # the original untouched


def test_nested_parameters_of_the_default_sampler_can_be_set():
    model = AugmentedEstimator(LogisticRegression())
    model.set_params(sampler__estimator__epochs=1, sampler__sampling_strategy="all")
    assert model.sampler.sampling_strategy == "all"
    assert model.sampler.estimator.epochs == 1
    assert model.get_params()["sampler__estimator__epochs"] == 1


def test_setting_the_estimator_and_its_parameters_together_uses_the_given_one():
    given = GANSampler(epochs=3)
    resampler = GANResampler().set_params(estimator=given, estimator__epochs=1)
    assert resampler.estimator is given and given.epochs == 1
    # a grid holding estimator=None beside nested values sets them on the default
    resampler = GANResampler(estimator=given).set_params(estimator=None, estimator__epochs=3)
    assert isinstance(resampler.estimator, ConditionalGAN) and resampler.estimator.epochs == 3


@pytest.mark.parametrize("make", [
    lambda: GANResampler(),
    lambda: AugmentedEstimator(LogisticRegression()),
])
def test_a_file_name_for_x_says_to_read_the_file(make):
    method = "fit_resample" if hasattr(make(), "fit_resample") else "fit"
    with pytest.raises(TypeError, match="read the file first"):
        getattr(make(), method)("train.csv", [0, 1])


def test_nullable_integer_labels_stay_integers():
    # scikit-learn reads pandas' Int64 as floats: the classes were 0.0 and 1.0.
    X, y = _imbalanced()
    keep = y != "c"
    labels = pd.Series((y[keep] == "b").astype(int), dtype="Int64")
    resampler = GANResampler(estimator=ConditionalGAN(**FAST), random_state=0)
    _, y_res = resampler.fit_resample(X[keep], labels)
    assert resampler.sampling_strategy_ == {1: 35}
    assert all(isinstance(label, int) for label in resampler.sampling_strategy_)
    assert y_res.dtype == "Int64" and list(resampler.estimator_.classes_) == [0, 1]


@pytest.mark.parametrize("strategy", [{"c": 15}, "not minority"])
def test_resampling_that_adds_no_rows_returns_a_new_array(strategy):
    X, y = _imbalanced()
    before = X.copy()
    X_res, y_res = GANResampler(estimator=ConditionalGAN(**FAST), sampling_strategy=strategy,
                                random_state=0).fit_resample(X, y)
    assert not np.shares_memory(X_res, X)
    X_res[:] = 0.0  # editing the result leaves the caller's rows alone
    np.testing.assert_array_equal(X, before)


def test_resampler_is_the_sampler_of_imbalanced_learns_balanced_bagging():
    from imblearn.ensemble import BalancedBaggingClassifier
    X, y = _imbalanced()
    bagging = BalancedBaggingClassifier(
        sampler=GANResampler(estimator=ConditionalGAN(**FAST), random_state=0),
        n_estimators=2, random_state=0).fit(X, y)
    assert bagging.score(X, y) > 0.8


def test_a_sparse_one_hot_target_comes_back_sparse():
    import scipy.sparse as sp
    X, y = _imbalanced()
    codes = np.searchsorted(list(SIZES), y)
    Y = sp.csr_matrix(np.eye(3, dtype=np.int64)[codes])
    X_res, Y_res = GANResampler(estimator=ConditionalGAN(**FAST),
                                random_state=0).fit_resample(X, Y)
    assert sp.issparse(Y_res) and Y_res.format == "csr" and Y_res.dtype == np.int64
    assert np.asarray(Y_res.sum(axis=0)).ravel().tolist() == [60, 60, 60]
    np.testing.assert_array_equal(Y_res[:len(y)].toarray(), Y.toarray())


def test_an_estimator_whose_sample_takes_no_random_state_is_refused_before_training():
    from sklearn.mixture import GaussianMixture
    X, y = _imbalanced()
    with pytest.raises(TypeError, match="GaussianMixture.sample takes no random_state"):
        GANResampler(estimator=GaussianMixture()).fit_resample(X, y)


def test_augmented_estimator_says_it_needs_y():
    assert get_tags(AugmentedEstimator(LogisticRegression())).target_tags.required


def test_a_continuous_target_is_refused_naming_regression():
    """sklearn's message said "Maybe you are trying to fit a classifier", to a user
    fitting a regressor through AugmentedEstimator."""
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    augmented = AugmentedEstimator(LinearRegression(), GANResampler(random_state=0))
    with pytest.raises(ValueError, match="y holds continuous values .a regression target"):
        augmented.fit(X, y)
    assert not hasattr(augmented, "estimator_")


def test_kernel_density_resamples_a_dataframe_into_its_columns():
    from sklearn.neighbors import KernelDensity

    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    y = np.array([0] * 45 + [1] * 15)
    X_new, y_new = GANResampler(estimator=KernelDensity(), random_state=0).fit_resample(X, y)
    assert list(X_new.columns) == ["a", "b", "c"] and len(X_new) == 90
    pd.testing.assert_frame_equal(X_new.iloc[:60], X)
    assert (y_new[60:] == 1).all()


class _DuplicateMinority:
    """A sampler with fit_resample and no scikit-learn base class."""

    def fit_resample(self, X, y):
        rare = y == 1
        return np.vstack([X, X[rare]]), np.concatenate([y, y[rare]])

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


class _MeanClassifier:
    """A classifier with fit and predict and no scikit-learn base class."""

    def fit(self, X, y):
        self.mean_ = np.asarray(X)[np.asarray(y) == 1].mean(axis=0)
        return self

    def predict(self, X):
        return (np.asarray(X) @ self.mean_ > 0).astype(int)

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


def test_augmented_estimator_takes_objects_without_scikit_learn_tags():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = np.array([0] * 45 + [1] * 15)
    model = AugmentedEstimator(LogisticRegression(), _DuplicateMinority()).fit(X, y)
    assert model.predict(X[:3]).shape == (3,)
    assert model.score(X, y) > 0.5
    duck = AugmentedEstimator(_MeanClassifier(), _DuplicateMinority()).fit(X, y)
    assert set(duck.predict(X)) <= {0, 1}


def test_augmented_estimator_refuses_per_row_fit_params_before_training():
    X = np.random.RandomState(0).normal(size=(60, 3))
    y = np.array([0] * 45 + [1] * 15)
    model = AugmentedEstimator(LogisticRegression(), GANResampler(estimator=GANSampler(epochs=1)))
    with pytest.raises(ValueError, match="cannot pass 'sample_weight'.*one value per row"):
        model.fit(X, y, sample_weight=np.ones(60))
    assert not hasattr(model, "estimator_")


def test_random_state_none_leaves_numpys_global_generator_alone():
    # Two seeds were drawn from numpy's global generator (and never used) whenever
    # random_state was None: the user's next np.random draw changed.
    X, y = _imbalanced()
    for fit in (lambda: GANResampler(estimator=GANSampler(**FAST)).fit_resample(X, y),
                lambda: AugmentedEstimator(LogisticRegression(), GANResampler(
                    estimator=GANSampler(**FAST))).fit(X, y)):
        np.random.seed(1)
        fit()
        after = np.random.rand()
        np.random.seed(1)
        assert np.random.rand() == after
