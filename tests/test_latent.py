"""The latent space: transform / inverse_transform, interpolation, truncated sampling."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import skgan
from skgan import ConditionalGAN, GANSampler, WGANSampler
from skgan._engine.generation import truncated_normal
from skgan._engine.latent import latent_path
from skgan._engine.torch_utils import make_generator
from skgan.adapters import TabularAdapter

CHEAP = dict(generator_dims=(32,), discriminator_dims=(32,), latent_dim=4, batch_size=64)


def _curve(n_rows=600, seed=0):
    """Rows near a curve in 3-D: one degree of freedom, so a generator can hit each."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1, 1, n_rows)
    return np.c_[t, np.sin(2 * t), t ** 2] + 0.02 * rng.normal(size=(n_rows, 3))


@pytest.fixture(scope="module")
def curve_model():
    X = _curve()
    model = GANSampler(adapter=TabularAdapter(continuous="quantile"), epochs=60,
                       random_state=0, **CHEAP)
    model.min_encoder_steps = 400  # 540 adversarial steps would give the encoder 54
    return model.fit(X), X


def _mean_abs(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).mean())


def test_round_trip_reconstructs_the_rows(curve_model):
    model, X = curve_model
    rows = X[:100]
    spread = _mean_abs(rows, X[100:200])  # two unrelated rows: about 0.5
    encoded = model.inverse_transform(model.transform(rows))
    refined = model.inverse_transform(model.transform(rows, refine_steps=100))
    assert encoded.shape == rows.shape
    assert _mean_abs(encoded, rows) < 0.2 * spread
    # gradient steps on each code bring the reconstruction closer still
    assert _mean_abs(refined, rows) < _mean_abs(encoded, rows)
    assert _mean_abs(refined, rows) < 0.1 * spread


def test_codes_have_the_latent_shape_and_are_deterministic(curve_model):
    model, X = curve_model
    codes = model.transform(X[:50])
    assert codes.shape == (50, 4) and codes.dtype == np.float32
    np.testing.assert_array_equal(codes, model.transform(X[:50]))
    # each row is encoded on its own: a subset's codes are the full set's rows
    np.testing.assert_allclose(model.transform(X[10:20], refine_steps=5),
                               model.transform(X[:50], refine_steps=5)[10:20], atol=1e-5)
    np.testing.assert_array_equal(model.inverse_transform(codes),
                                  model.inverse_transform(codes))


def test_same_random_state_gives_the_same_codes():
    X = _curve(200)
    params = dict(epochs=3, random_state=3, **CHEAP)
    first = GANSampler(**params).fit(X).transform(X[:20])
    second = GANSampler(**params).fit(X).transform(X[:20])
    np.testing.assert_array_equal(first, second)


def test_encoder_fitting_leaves_the_sampling_stream_alone():
    """Sampling after fit draws what it drew before encoders existed: the encoder
    draws from its own stream, so fitting it does not shift the samples."""
    X = _curve(200)
    model = GANSampler(epochs=3, random_state=1, **CHEAP).fit(X)
    state = model._rng.get_state()
    model._fit_encoder(40)
    assert model._rng.get_state().equal(state)


def test_interpolation_ends_are_the_two_reconstructions(curve_model):
    model, X = curve_model
    start, stop = X[:3], X[3:6]
    for method in ("spherical", "linear"):
        path = model.interpolate(start, stop, n_steps=5, method=method)
        assert path.shape == (15, 3)
        ends = path.reshape(3, 5, 3)
        # the same codes (matrix products of other batch sizes may round differently)
        np.testing.assert_allclose(ends[:, 0], model.inverse_transform(model.transform(start)),
                                   atol=1e-6)
        np.testing.assert_allclose(ends[:, -1], model.inverse_transform(model.transform(stop)),
                                   atol=1e-6)


def test_latent_paths():
    a = np.array([[3.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    b = np.array([[0.0, 3.0, 0.0], [2.0, 2.0, 0.0]])  # second pair: parallel codes
    linear = latent_path(a, b, 3, "linear").reshape(2, 3, 3)
    np.testing.assert_allclose(linear[:, 1], (a + b) / 2)
    spherical = latent_path(a, b, 5, "spherical").reshape(2, 5, 3)
    np.testing.assert_array_equal(spherical[:, 0], a.astype(np.float32))
    np.testing.assert_array_equal(spherical[:, -1], b.astype(np.float32))
    # equal norms stay on the sphere; the angle grows evenly
    np.testing.assert_allclose(np.linalg.norm(spherical[0], axis=1), 3.0, rtol=1e-6)
    angles = np.arctan2(spherical[0, :, 1], spherical[0, :, 0])
    np.testing.assert_allclose(np.diff(angles), np.pi / 8, rtol=1e-5)
    # parallel codes: the straight path
    np.testing.assert_allclose(spherical[1], latent_path(a, b, 5, "linear").reshape(2, 5, 3)[1],
                               rtol=1e-6)
    with pytest.raises(ValueError, match="method"):
        latent_path(a, b, 3, "cubic")
    for n_steps in (0, 1):  # one code is no path: the start alone or the stop alone
        with pytest.raises(ValueError, match="n_steps"):
            latent_path(a, b, n_steps, "spherical")


def test_truncated_normal_stays_within_the_threshold_with_the_right_spread():
    generator = make_generator(0, "cpu")
    values = truncated_normal(200_000, 1, 1.0, generator).numpy()
    assert np.abs(values).max() <= 1.0
    # the standard normal truncated to [-1, 1] has standard deviation 0.5398
    assert abs(values.std() - 0.5398) < 0.005
    wide = truncated_normal(200_000, 1, 8.0, make_generator(0, "cpu")).numpy()
    assert abs(wide.std() - 1.0) < 0.01


def test_truncation_narrows_the_samples():
    X = _curve(300)
    model = GANSampler(adapter="numeric", epochs=20, random_state=0, **CHEAP).fit(X)
    full = model.sample(3000, random_state=1)
    narrow = model.sample(3000, random_state=1, truncation=0.5)
    assert (narrow.std(axis=0) < full.std(axis=0)).all()
    np.testing.assert_array_equal(narrow, model.sample(3000, random_state=1, truncation=0.5))
    chunks = np.concatenate(list(model.sample_chunks(3000, chunk_size=700, random_state=1,
                                                     truncation=0.5)))
    np.testing.assert_array_equal(chunks, narrow)


@pytest.mark.parametrize("truncation, error", [(0, ValueError), (-1.0, ValueError),
                                               (float("nan"), ValueError), ("1", TypeError),
                                               (True, TypeError)])
def test_bad_truncation_is_refused(curve_model, truncation, error):
    model, _ = curve_model
    with pytest.raises(error, match="truncation"):
        model.sample(5, truncation=truncation)


def test_an_infinite_truncation_is_none(curve_model):
    model, _ = curve_model  # a user may ask for no threshold in so many words
    np.testing.assert_array_equal(model.sample(20, random_state=3, truncation=float("inf")),
                                  model.sample(20, random_state=3))


def test_pandas_output_names_the_latent_columns(curve_model):
    model, X = curve_model
    frame = pd.DataFrame(X[:5], index=list("abcde"))
    codes = model.set_output(transform="pandas").transform(frame)
    model.set_output(transform="default")
    assert list(codes.columns) == ["latent0", "latent1", "latent2", "latent3"]
    assert list(codes.index) == list("abcde")


def test_tables_come_back_as_tables():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "amount": rng.gamma(2.0, 10.0, 300),
        "kind": pd.Categorical(rng.choice(["a", "b", "c"], 300)),
        "count": rng.integers(0, 5, 300),
    })
    model = GANSampler(epochs=3, random_state=0, **CHEAP).fit(frame)
    rebuilt = model.inverse_transform(model.transform(frame.iloc[:20]))
    assert list(rebuilt.columns) == list(frame.columns)
    assert (rebuilt.dtypes == frame.dtypes).all()
    assert set(rebuilt["kind"]) <= {"a", "b", "c"}
    drawn = np.random.default_rng(1).normal(size=(10, 4))
    assert len(model.inverse_transform(drawn)) == 10
    # Rows the adapter cannot encode have no code: refused as encode refuses them
    # (they were coded silently, and reconstructed as plausible rows).
    unseen = frame.iloc[:3].assign(kind=pd.Categorical(["d", "a", "b"]))
    with pytest.raises(ValueError, match="never seen in training"):
        model.transform(unseen)
    with pytest.raises(ValueError, match="missing values, but had none"):
        model.transform(frame.iloc[:3].assign(amount=[1.0, np.nan, 2.0]))


def test_images_round_trip_to_images():
    images = np.random.default_rng(0).random((64, 8, 8)).astype(np.float32)
    model = GANSampler(epochs=1, random_state=0, batch_size=32, latent_dim=6).fit(images)
    codes = model.transform(images[:5], refine_steps=2)
    assert codes.shape == (5, 6)
    rebuilt = model.inverse_transform(codes)
    assert rebuilt.shape == (5, 8, 8) and rebuilt.dtype == images.dtype


def test_wgan_has_the_same_latent_space():
    X = _curve(200)
    model = WGANSampler(epochs=2, random_state=0, n_critic=1, **CHEAP).fit(X)
    assert model.inverse_transform(model.transform(X[:7])).shape == (7, 3)


def test_conditional_gan_decodes_codes_with_their_labels():
    X = _curve(300)
    y = (X[:, 0] > 0).astype(int)
    model = ConditionalGAN(epochs=3, random_state=0, **CHEAP).fit(X, y)
    codes = model.transform(X[:10])  # the encoder needs no labels
    assert codes.shape == (10, 4)
    assert model.inverse_transform(codes, y[:10]).shape == (10, 3)
    assert model.transform(X[:10], y[:10], refine_steps=3).shape == (10, 4)
    with pytest.raises(ValueError, match="needs y"):
        model.inverse_transform(codes)
    with pytest.raises(ValueError, match="needs y"):
        model.transform(X[:10], refine_steps=3)
    with pytest.raises(ValueError, match="not seen in fit"):
        model.inverse_transform(codes, np.full(10, 7))
    # labels given to transform are checked even when the encoder does not use them
    with pytest.raises(ValueError, match="1 labels for 10 rows"):
        model.transform(X[:10], [0])
    with pytest.raises(ValueError, match="not seen in fit"):
        model.transform(X[:10], np.full(10, 7))
    path = model.interpolate(X[:1], X[1:2], n_steps=4, y_start=[0], y_stop=[1])
    assert path.shape == (4, 3)
    assert model.interpolate(X[:2], X[2:4], n_steps=4, y_start=0, y_stop=1).shape == (8, 3)
    # one label per end with refined codes (it failed: "y should be a 1d array"), and
    # one label for every row of transform and inverse_transform
    assert model.interpolate(X[:2], X[2:4], n_steps=4, y_start=0, y_stop=1,
                             refine_steps=2).shape == (8, 3)
    np.testing.assert_array_equal(model.inverse_transform(codes, 1),
                                  model.inverse_transform(codes, np.ones(10, dtype=int)))
    np.testing.assert_array_equal(model.transform(X[:10], 0, refine_steps=2),
                                  model.transform(X[:10], np.zeros(10, dtype=int),
                                                  refine_steps=2))
    with pytest.raises(ValueError, match="y_stop has 3 labels for 2 rows"):
        model.interpolate(X[:2], X[2:4], y_start=0, y_stop=[0, 1, 1])
    with pytest.raises(ValueError, match="interpolate needs y_start and y_stop"):
        model.interpolate(X[:2], X[2:4])


def test_bad_codes_and_arguments_are_refused(curve_model):
    model, X = curve_model
    with pytest.raises(ValueError, match=r"shape \(n_samples, 4\)"):
        model.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"shape \(n_samples, 4\)"):
        model.inverse_transform(np.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        model.inverse_transform(np.full((2, 4), np.nan))
    with pytest.raises(TypeError, match="array of real numbers"):
        model.inverse_transform([["a", "b", "c", "d"]])
    with pytest.raises(TypeError, match="complex"):  # not silently its real parts
        model.inverse_transform(np.ones((2, 4), dtype=complex))
    # Both were said to hold NaN or infinite values (1e300 after a cast's overflow).
    with pytest.raises(ValueError, match="beyond float32's range"):
        model.inverse_transform(np.full((2, 4), 1e300))
    with pytest.raises(ValueError, match="beyond float32's range"):  # was an OverflowError
        model.inverse_transform([[10**400, 0, 0, 0]])
    with pytest.raises(TypeError, match="None among the values"):
        model.inverse_transform(np.full((2, 4), None))
    with pytest.raises(ValueError, match="refine_steps"):
        model.transform(X[:2], refine_steps=-1)
    with pytest.raises(ValueError, match="n_steps"):
        model.interpolate(X[:1], X[1:2], n_steps=1)
    with pytest.raises(ValueError, match="X_stop has 2"):
        model.interpolate(X[:1], X[1:3])
    with pytest.raises(ValueError, match="3 features"):
        model.transform(X[:2, :2])
    with pytest.raises(NotFittedError):
        GANSampler().transform(X)
    with pytest.raises(NotFittedError):
        GANSampler().inverse_transform(np.zeros((1, 4)))


def test_codes_survive_pickles_and_model_files(curve_model, tmp_path):
    model, X = curve_model
    codes = model.transform(X[:20])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).transform(X[:20]), codes)
    path = tmp_path / "model.skgan"
    skgan.save(model, path)
    loaded = skgan.load(path)
    np.testing.assert_array_equal(loaded.transform(X[:20]), codes)
    np.testing.assert_array_equal(loaded.inverse_transform(codes), model.inverse_transform(codes))


def test_refining_works_under_no_grad_and_leaves_the_generator_alone(curve_model):
    import torch

    model, X = curve_model
    network = model._sampling_generator()
    flags = [parameter.requires_grad for parameter in network.parameters()]
    expected = model.transform(X[:4], refine_steps=3)
    with torch.no_grad():
        np.testing.assert_array_equal(model.transform(X[:4], refine_steps=3), expected)
    with torch.inference_mode():
        np.testing.assert_array_equal(model.transform(X[:4], refine_steps=3), expected)
    assert [parameter.requires_grad for parameter in network.parameters()] == flags
    assert all(parameter.grad is None for parameter in network.parameters())


def test_the_encoders_random_stream_survives_pickling(curve_model):
    model, _ = curve_model
    copy = pickle.loads(pickle.dumps(model))
    assert copy._encoder_rng.get_state().equal(model._encoder_rng.get_state())


def test_a_model_without_encoder_says_to_refit(curve_model):
    model, X = curve_model
    old = pickle.loads(pickle.dumps(model))
    del old.encoder_  # as a model saved before encoders existed
    with pytest.raises(ValueError, match="no encoder"):
        old.transform(X[:2])
    assert old.inverse_transform(np.zeros((2, 4))).shape == (2, 3)


def test_partial_fit_goes_on_fitting_the_encoder():
    X = _curve(200)
    model = GANSampler(random_state=0, **CHEAP).partial_fit(X)
    first = model.encoder_
    model.partial_fit(X)
    assert model.encoder_ is first  # the same network, trained further
    assert model.transform(X[:3]).shape == (3, 4)


def test_codes_feed_a_pipeline():
    X = _curve(300)
    y = (X[:, 1] > 0).astype(int)
    pipeline = make_pipeline(GANSampler(epochs=2, random_state=0, **CHEAP),
                             LogisticRegression())
    pipeline.fit(X, y)
    assert pipeline.predict(X[:10]).shape == (10,)


def test_labels_for_another_number_of_rows_are_refused_by_an_unconditional_model():
    X = np.random.default_rng(0).normal(size=(64, 2))
    model = GANSampler(**CHEAP, epochs=1, random_state=0).fit(X)
    codes = model.transform(X[:3])
    with pytest.raises(ValueError, match="y has 7 labels for 3 rows"):
        model.inverse_transform(codes, y=["a"] * 7)
    with pytest.raises(ValueError, match="y has 9 labels for 3 rows"):
        model.transform(X[:3], y=[1] * 9, refine_steps=1)
    assert model.inverse_transform(codes, y=[0, 1, 0]).shape == (3, 2)  # read as ignored
