import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skgan import ConditionalGAN
from skgan.adapters import ImageAdapter

CENTERS = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
FAST = dict(epochs=2, batch_size=32, generator_dims=(16,), discriminator_dims=(16,),
            latent_dim=4)


def _blobs(n=600, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.randint(3, size=n)
    return CENTERS[y] + 0.3 * rng.normal(size=(n, 2)), y


def _nearest_center(samples):
    return np.linalg.norm(samples[:, None] - CENTERS[None], axis=2).argmin(axis=1)


@pytest.mark.parametrize(
    "objective, epochs, projection",
    [("bce", 60, False), ("hinge", 60, False), ("wgan-gp", 250, False), ("bce", 60, True)],
)
def test_trained_model_obeys_the_requested_label(objective, epochs, projection):
    X, y = _blobs()
    model = ConditionalGAN(objective=objective, epochs=epochs, projection=projection,
                           random_state=0).fit(X, y)
    assert (model.discriminator_.embed is not None) == projection
    for label in range(3):
        samples, labels = model.sample(200, y=label, random_state=1)
        assert (labels == label).all()
        assert np.mean(_nearest_center(samples) == label) >= 0.9


def test_matching_aware_discriminator_rejects_real_rows_with_wrong_labels():
    X, y = _blobs()
    model = ConditionalGAN(epochs=60, random_state=0).fit(X, y)
    assert "mismatch_loss" in model.history_
    real = model.adapter_.encode(X[:300])
    right = model._one_hot(y[:300])
    wrong = model._one_hot((y[:300] + 1) % 3)
    with torch.no_grad():
        inputs = torch.as_tensor(real, device=model.device_)
        right, wrong = right.to(model.device_), wrong.to(model.device_)
        right_scores = model.discriminator_(inputs, right)
        wrong_scores = model.discriminator_(inputs, wrong)
    assert (right_scores > wrong_scores).float().mean() >= 0.9


def test_unconditioned_samples_follow_the_class_prior():
    X, y = _blobs()
    y = np.where(y == 2, 1, y)  # classes 0 and 1, about 1:2
    model = ConditionalGAN(**FAST, random_state=0).fit(X, y)
    _, labels = model.sample(3000, random_state=0)
    share = np.mean(labels == 1)
    assert abs(share - np.mean(y == 1)) < 0.04


def test_string_labels_and_per_sample_labels():
    X, y = _blobs(200)
    names = np.array(["cat", "dog", "eel"])[y]
    model = ConditionalGAN(**FAST, random_state=0).fit(X, names)
    assert model.classes_.tolist() == ["cat", "dog", "eel"]
    wanted = ["eel", "cat", "cat", "dog"]
    samples, labels = model.sample(4, y=wanted)
    assert samples.shape == (4, 2) and labels.tolist() == wanted
    assert model.sample(0)[0].shape == (0, 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(y="bird"), "not seen in fit"),
        (dict(y=["cat", "cat"]), "2 labels for n_samples=3"),
        (dict(y=["cat", "bird", "cat"]), "not seen in fit"),
        (dict(y=["cat", None, "cat"]), "missing labels"),
    ],
)
def test_bad_labels_at_sample_time_raise(kwargs, match):
    X, y = _blobs(200)
    model = ConditionalGAN(**FAST, random_state=0).fit(X, np.array(["cat", "dog", "eel"])[y])
    with pytest.raises(ValueError, match=match):
        model.sample(3, **kwargs)


def test_bad_labels_at_fit_time_raise_and_leave_model_unfitted():
    X, y = _blobs(100)
    model = ConditionalGAN(**FAST)
    with pytest.raises(ValueError, match="requires y to be passed"):
        model.fit(X, None)
    with pytest.raises(ValueError, match="100 rows but y has 99"):
        model.fit(X, y[:99])
    with pytest.raises(ValueError, match="Unknown label type"):
        model.fit(X, np.linspace(0, 1, 100))
    with pytest.raises(ValueError, match="missing labels"):
        model.fit(X, np.where(y == 0, None, "cat"))
    assert not hasattr(model, "classes_")
    model.fit(X, y)
    with pytest.raises(ValueError, match="not seen in fit"):
        model.partial_fit(X[:10], np.full(10, 7))
    assert len(model.history_["epoch"]) == 2


def test_partial_fit_takes_every_class_of_a_stream_on_its_first_call():
    rng = np.random.RandomState(0)
    model = ConditionalGAN(epochs=1, generator_dims=(8,), discriminator_dims=(8,),
                           random_state=0)
    model.partial_fit(rng.normal(size=(40, 2)), np.zeros(40, int), classes=[2, 0, 1])
    assert model.classes_.tolist() == [0, 1, 2] and model.class_prior_.tolist() == [1, 0, 0]
    model.partial_fit(rng.normal(size=(40, 2)) + 4, np.full(40, 2))  # was refused
    np.testing.assert_allclose(model.class_prior_, [0.5, 0.0, 0.5])
    _, labels = model.sample(200, random_state=0)
    assert set(labels) == {0, 2}  # drawn at the frequencies of every chunk so far
    samples, labels = model.sample(3, y=1)  # a class no chunk held yet: asked for
    assert samples.shape == (3, 2) and labels.tolist() == [1, 1, 1]
    model.partial_fit(rng.normal(size=(10, 2)), np.ones(10, int), classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"differs from the classes of the first call"):
        model.partial_fit(rng.normal(size=(10, 2)), np.ones(10, int), classes=[0, 1])


@pytest.mark.parametrize("classes, match", [
    ([0, 0, 1], "names a class twice"),
    ([], "classes is empty"),
    ([0, 1], r"labels \[2\] that classes=\[0, 1\] does not name"),
    ([0, 2, np.nan], "classes holds a missing label"),
    ([0, 2, None], "classes holds a missing label"),
    ([[0, 2]], "classes must be a 1-d list"),
])
def test_partial_fit_refuses_bad_classes_and_stays_unfitted(classes, match):
    model = ConditionalGAN(epochs=1, random_state=0)
    with pytest.raises(ValueError, match=match):
        model.partial_fit(np.zeros((20, 2)), np.r_[np.zeros(10, int), np.full(10, 2)],
                          classes=classes)
    assert not hasattr(model, "classes_") and "_declared_classes" not in vars(model)


def test_single_example_class_warns_and_trains():
    X, y = _blobs(100)
    y[0] = 9
    with pytest.warns(UserWarning, match="single example"):
        model = ConditionalGAN(**FAST, random_state=0).fit(X, y)
    samples, labels = model.sample(5, y=9)
    assert samples.shape == (5, 2) and (labels == 9).all()


def test_grid_search_with_stratified_folds_uses_score():
    X, y = _blobs(300)
    search = GridSearchCV(ConditionalGAN(**FAST, random_state=0),
                          {"mismatch_weight": [0.0, 1.0]},
                          cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.classes_.tolist() == [0, 1, 2]


def test_deterministic_and_picklable():
    X, y = _blobs(200)
    first = ConditionalGAN(**FAST, random_state=0).fit(X, y)
    second = ConditionalGAN(**FAST, random_state=0).fit(X, y)
    np.testing.assert_array_equal(first.sample(10, random_state=3)[0],
                                  second.sample(10, random_state=3)[0])
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.sample(10, y=2, random_state=4)[0],
                                  first.sample(10, y=2, random_state=4)[0])
    assert restored.score(X, y) == first.score(X, y)


def test_works_on_dataframes_and_images():
    X, y = _blobs(120)
    frame = pd.DataFrame({"a": X[:, 0], "kind": np.where(X[:, 1] > 1, "up", "down")})
    samples, labels = ConditionalGAN(**FAST, random_state=0).fit(frame, y).sample(6, y=1)
    assert list(samples.columns) == ["a", "kind"] and set(samples["kind"]) <= {"up", "down"}
    images = np.random.RandomState(0).randint(0, 256, size=(40, 8, 8), dtype=np.uint8)
    labels = np.arange(40) % 2
    model = ConditionalGAN(adapter=ImageAdapter(width=4), epochs=1, batch_size=8,
                           random_state=0).fit(images, labels)
    samples, out = model.sample(3, y=[0, 1, 1])
    assert samples.shape == (3, 8, 8) and samples.dtype == np.uint8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(model.score(images, labels))


@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_table_levels_follow_each_class_own_mix(class_weight):
    # class "a" is 90 % students, class "b" 10 %: samples of each class keep their mix
    rng = np.random.RandomState(0)
    y = np.where(np.arange(400) < 300, "a", "b")
    student = np.where(rng.uniform(size=400) < np.where(y == "a", 0.9, 0.1), "yes", "no")
    frame = pd.DataFrame({"student": student, "income": rng.normal(size=400)})
    model = ConditionalGAN(**{**FAST, "epochs": 30}, class_weight=class_weight,
                           random_state=0).fit(frame, y)
    for label, share in [("a", 0.9), ("b", 0.1)]:
        samples, _ = model.sample(1000, y=label, random_state=1)
        assert abs((samples["student"] == "yes").mean() - share) < 0.07


class _BatchRecorder(ConditionalGAN):
    """Counts the training rows of each class the discriminator sees."""

    def _train_step(self, batch):
        self.rows_per_class_ = getattr(self, "rows_per_class_", 0) + batch[1][:, :3].sum(0)
        return super()._train_step(batch)


@pytest.mark.parametrize("class_weight, rare_share", [(None, (0.02, 0.08)),
                                                      ("balanced", (0.28, 0.39))])
def test_balanced_class_weight_trains_rare_classes_as_often(class_weight, rare_share):
    X, y = _blobs()
    keep = (y != 2) | (np.arange(len(y)) % 10 == 0)  # class 2: about 20 rows of 420
    model = _BatchRecorder(**{**FAST, "epochs": 5}, class_weight=class_weight,
                           random_state=0).fit(X[keep], y[keep])
    shares = model.rows_per_class_ / model.rows_per_class_.sum()
    assert rare_share[0] < shares[2] < rare_share[1]
    assert np.allclose(model.class_prior_, np.bincount(y[keep]) / keep.sum())


def test_works_on_signals():
    rng = np.random.RandomState(0)
    labels = np.arange(40) % 2
    signals = (rng.normal(size=(40, 2, 32)) + labels[:, None, None]).astype(np.float32)
    model = ConditionalGAN(adapter="signal", epochs=1, batch_size=8,
                           random_state=0).fit(signals, labels)
    samples, out = model.sample(4, y=[0, 1, 1, 0])
    assert samples.shape == (4, 2, 32) and samples.dtype == np.float32
    assert out.tolist() == [0, 1, 1, 0]


def test_y_of_another_length_is_refused_when_constraints_drop_rows():
    from skgan.adapters import TabularAdapter
    from skgan.constraints import Inequality
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.rand(200), "b": rng.rand(200) + 1.0})
    X.loc[:9, "b"] = 0.0  # ten rows break a <= b: dropped
    adapter = TabularAdapter(constraints=[Inequality("a", "b")], handle_invalid="drop")
    for n_labels in (150, 250):
        with pytest.raises(ValueError, match=f"X has 200 rows but y has {n_labels}"):
            ConditionalGAN(adapter=adapter, epochs=1).fit(X, np.repeat(["p", "q"],
                                                                       n_labels // 2))


def test_rows_breaking_a_rule_kept_by_rejection_are_generated_again_for_their_labels():
    from skgan.adapters import TabularAdapter
    from skgan.constraints import Constraint

    class Below(Constraint):  # a user's own rule: the adapter keeps it by rejection
        def column_names(self):
            return ["a", "b"]

        def is_valid(self, frame):
            return (frame["a"] < frame["b"]).to_numpy()

    rng = np.random.default_rng(0)
    a = rng.uniform(0, 10, 300)
    X = pd.DataFrame({"a": a, "b": a + rng.uniform(0.001, 0.1, 300)})
    y = rng.choice(["p", "q"], 300)
    model = ConditionalGAN(adapter=TabularAdapter(constraints=[Below()]), epochs=1,
                           batch_size=64, generator_dims=(16,), discriminator_dims=(16,),
                           generator_lr=1e-7, discriminator_lr=1e-7, random_state=0).fit(X, y)
    asked = np.repeat(["p", "q"], 500)
    rows, labels = model.sample(1000, y=asked, random_state=0)
    assert len(rows) == 1000 and (rows["a"] < rows["b"]).all()
    np.testing.assert_array_equal(labels, asked)  # each row keeps its asked label
    again, _ = model.sample(1000, y=asked, random_state=0)
    pd.testing.assert_frame_equal(rows, again)


@pytest.mark.parametrize("labels, expected_dtype", [
    (pd.array([True, False] * 30, dtype="boolean"), np.bool_),
    (pd.Categorical([True, False] * 30), np.bool_),
    (pd.array([2**53 + 1, 2**53 + 3] * 30, dtype="Int64"), np.int64),
])
def test_nullable_and_categorical_labels_keep_their_type(labels, expected_dtype):
    # NumPy read them as floats: True came back 1.0, and 2**53 + 1 as 2**53.
    X = np.random.default_rng(0).normal(size=(60, 2))
    model = ConditionalGAN(epochs=1, batch_size=16, random_state=0).fit(X, labels)
    assert model.classes_.dtype == expected_dtype
    assert set(model.classes_.tolist()) == set(pd.Series(labels).tolist())
    _, sampled = model.sample(4, y=pd.Series(labels)[:1].iloc[0], random_state=0)
    assert sampled.dtype == expected_dtype and (sampled == pd.Series(labels).iloc[0]).all()
