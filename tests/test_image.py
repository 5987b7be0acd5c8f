import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from skgan import GANSampler, WGANSampler
from skgan.adapters import ImageAdapter, SignalAdapter, TabularAdapter, resolve_adapter
from skgan.networks.conv import ConvDiscriminator, ConvGenerator

LAYOUTS = {
    "NHW": (6, 9, 13),
    "NCHW gray": (6, 1, 9, 13),
    "NCHW rgb": (6, 3, 9, 13),
    "NCHW rgba": (6, 4, 9, 13),
    "NHWC gray": (6, 9, 13, 1),
    "NHWC rgb": (6, 9, 13, 3),
    "NHWC rgba": (6, 9, 13, 4),
}


def _images(shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    if np.dtype(dtype) == np.uint8:
        return rng.randint(0, 256, size=shape).astype(np.uint8)
    return (rng.uniform(-3.0, 7.0, size=shape)).astype(dtype)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_every_layout_and_dtype_round_trips(layout, dtype):
    images = _images(LAYOUTS[layout], dtype)
    adapter = ImageAdapter().fit(images)
    encoded = adapter.encode(images)
    assert encoded.dtype == np.float32 and encoded.shape[2:] == (9, 13)
    assert encoded.min() >= -1.0 - 1e-6 and encoded.max() <= 1.0 + 1e-6
    decoded = adapter.decode(encoded)
    assert decoded.shape == images.shape and decoded.dtype == images.dtype
    if dtype == np.uint8:
        np.testing.assert_array_equal(decoded, images)
    else:
        np.testing.assert_allclose(decoded, images, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layout", ["NHW", "NCHW rgb", "NHWC rgba"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_samples_keep_layout_dtype_and_range(layout, dtype):
    images = _images((40, *LAYOUTS[layout][1:]), dtype)
    model = GANSampler(adapter=ImageAdapter(width=8), epochs=1, batch_size=16, random_state=0)
    samples = model.fit(images).sample(7)
    assert samples.shape == (7, *images.shape[1:]) and samples.dtype == images.dtype
    assert samples.min() >= images.min() and samples.max() <= images.max()


def test_images_scaled_unlike_training_are_warned_of():
    pixels = _images((6, 9, 13, 3), np.uint8)
    adapter = ImageAdapter().fit(pixels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the training scale as floats: no warning
        adapter.encode(pixels.astype(np.float32))
    with pytest.warns(UserWarning, match="floats from 0 to 1.*multiply by 255"):
        encoded = adapter.encode(pixels / 255.0)  # read as nearly black
    assert encoded.max() < -0.98
    unit_floats = ImageAdapter().fit(pixels / 255.0)
    with pytest.warns(UserWarning, match="far outside that range"):
        unit_floats.encode(pixels)  # 0-255 given to a model of 0-1 floats


def test_floats_are_clipped_to_each_channels_training_range():
    images = _images((20, 3, 8, 8), np.float64)
    images[:, 1] = images[:, 1] / 100 + 50  # channel 1 lives in [50, 50.1]
    adapter = ImageAdapter().fit(images)
    far_out = np.random.RandomState(1).normal(scale=4.0, size=(50, 3, 8, 8))
    decoded = adapter.decode(far_out)
    for channel in range(3):
        assert decoded[:, channel].min() >= images[:, channel].min()
        assert decoded[:, channel].max() <= images[:, channel].max()


def test_integer_and_boolean_images_come_back_rounded():
    counts = np.random.RandomState(0).randint(0, 1000, size=(10, 8, 8)).astype(np.int32)
    adapter = ImageAdapter().fit(counts)
    noisy = adapter.encode(counts) + 0.001
    decoded = adapter.decode(noisy)
    assert decoded.dtype == np.int32 and np.abs(decoded - counts).max() <= 1
    masks = np.random.RandomState(0).rand(10, 8, 8) > 0.5
    decoded = ImageAdapter().fit(masks).decode(np.random.RandomState(1).normal(size=(4, 1, 8, 8)))
    assert decoded.dtype == bool and decoded.shape == (4, 8, 8)


def test_explicit_channel_axis_allows_other_channel_counts():
    images = _images((5, 9, 10, 2), np.float32)
    adapter = ImageAdapter(channels="last").fit(images)
    assert adapter.encoded_shape_ == (2, 9, 10)
    np.testing.assert_allclose(adapter.decode(adapter.encode(images)), images, atol=1e-5)


@pytest.mark.parametrize("spatial", [(8, 8), (9, 13), (28, 28), (32, 32), (64, 64)])
def test_networks_fit_any_image_size(spatial):
    shape = (3, *spatial)
    generator = ConvGenerator(16, shape, width=4)
    discriminator = ConvDiscriminator(shape, width=4, pac=2)
    fake = generator(torch.zeros(4, 16))
    assert tuple(fake.shape) == (4, *shape)
    assert tuple(discriminator(fake).shape) == (2,)


def test_auto_picks_images_for_3d_and_4d_arrays():
    assert isinstance(resolve_adapter("auto", np.zeros((2, 8, 8))), ImageAdapter)
    assert isinstance(resolve_adapter("auto", np.zeros((2, 3, 8, 8))), ImageAdapter)
    assert isinstance(resolve_adapter("auto", np.zeros((2, 8))), TabularAdapter)
    assert isinstance(resolve_adapter("image", np.zeros((2, 8))), ImageAdapter)
    assert isinstance(resolve_adapter("signal", np.zeros((2, 8))), SignalAdapter)


@pytest.mark.parametrize(
    "images, match",
    [
        (np.zeros((4, 16)), "expects \\(N, H, W\\)"),
        (np.zeros((4, 2, 8, 8, 3)), "5-D array"),
        (np.zeros((4, 8, 8, 5)), "channel axis"),
        (np.zeros((4, 2, 8, 8)), "channel axis"),
        (np.zeros((4, 7, 12)), "at least 8x8"),
        (np.zeros((4, 3, 8, 6)), "at least 8x8"),
        (np.full((4, 8, 8), np.nan), "NaN or infinite"),
        (np.full((4, 8, 8), np.inf), "NaN or infinite"),
        (np.zeros((1, 8, 8)), "minimum of 2"),
    ],
)
def test_bad_images_raise_clear_errors(images, match):
    with pytest.raises(ValueError, match=match):
        GANSampler(adapter="image", epochs=1).fit(images)


def test_non_numeric_images_raise_type_error():
    with pytest.raises(TypeError, match="numeric images"):
        ImageAdapter().fit(np.full((3, 8, 8), "a"))
    with pytest.raises(TypeError, match="DataFrame"):
        ImageAdapter().fit(pd.DataFrame(np.zeros((3, 64))))


def test_refused_refit_leaves_the_adapter_as_it_was():
    images = _images((6, 9, 13), np.float32)
    adapter = ImageAdapter().fit(images)
    with pytest.raises(ValueError, match="NaN or infinite"):
        adapter.fit(np.full((4, 8, 8), np.nan))
    assert adapter.sample_shape_ == (9, 13)
    np.testing.assert_allclose(adapter.decode(adapter.encode(images)), images, atol=1e-5)


@pytest.fixture(scope="module")
def fitted_digit_like():
    images = _images((32, 8, 8, 1), np.uint8)
    model = GANSampler(adapter=ImageAdapter(width=8), epochs=2, batch_size=16, random_state=0)
    return images, model.fit(images)


def test_other_image_shape_is_refused_after_fit(fitted_digit_like):
    _, model = fitted_digit_like
    with pytest.raises(ValueError, match="fitted on images of shape \\(8, 8, 1\\)"):
        model.score(_images((5, 9, 8, 1), np.uint8))
    with pytest.raises(ValueError, match="layout NCHW"):
        model.score(_images((5, 1, 8, 8), np.uint8))


def test_sampling_with_a_changed_adapter_is_refused(fitted_digit_like):
    _, model = fitted_digit_like
    changed = pickle.loads(pickle.dumps(model))
    for adapter in ("signal", ImageAdapter(width=16)):
        changed.set_params(adapter=adapter)
        with pytest.raises(ValueError, match="call fit again"):
            changed.sample(2)
    changed.set_params(adapter=ImageAdapter(width=8))
    assert changed.sample(2).shape == (2, 8, 8, 1)


def test_image_models_are_deterministic_and_pickle(fitted_digit_like):
    images, model = fitted_digit_like
    again = GANSampler(adapter=ImageAdapter(width=8), epochs=2, batch_size=16, random_state=0)
    np.testing.assert_array_equal(again.fit(images).sample(5, random_state=3),
                                  model.sample(5, random_state=3))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.sample(4, random_state=1),
                                  model.sample(4, random_state=1))
    assert np.isfinite(model.score(images))


def test_wgan_with_spectral_packing_and_amp_trains_on_images():
    images = _images((24, 3, 10, 10), np.float32)
    model = WGANSampler(adapter=ImageAdapter(width=4), epochs=2, batch_size=8, n_critic=1,
                        pac=2, amp=True, random_state=0).fit(images)
    samples = model.sample(3)
    assert samples.shape == (3, 3, 10, 10) and np.isfinite(samples).all()
    assert np.isfinite(model.history_["generator_loss"]).all()


def test_gan_reproduces_both_kinds_of_a_two_pattern_image_family():
    rng = np.random.RandomState(0)
    top, left = np.zeros((8, 8)), np.zeros((8, 8))
    top[:4], left[:, :4] = 1.0, 1.0
    templates = np.stack([top, left])
    images = templates[rng.randint(2, size=200)] + 0.05 * rng.normal(size=(200, 8, 8))
    model = GANSampler(adapter=ImageAdapter(width=16), epochs=100, batch_size=32,
                       random_state=0).fit(images)
    samples = model.sample(200, random_state=0)
    distance = np.abs(samples[:, None] - templates[None]).mean(axis=(2, 3))
    shares = np.bincount(distance.argmin(axis=1), minlength=2) / len(samples)
    assert shares.min() >= 0.3  # both patterns, in about the data's proportions
    assert distance.min(axis=1).mean() < 0.15  # and sharp: their blurred average is 0.25 away
