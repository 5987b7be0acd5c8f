"""DiffAugment: differentiable augmentation of what the discriminator sees."""

import pickle

import numpy as np
import pytest
import torch

from skgan import ConditionalGAN, CycleGANTransformer, GANSampler, WGANSampler
from skgan.adapters import ImageAdapter, SignalAdapter
from skgan.adapters._diff_augment import (
    POLICIES,
    augment_color,
    augment_cutout,
    augment_translation,
    check_policy,
    diff_augment,
)

ALL = ("color", "translation", "cutout")


def _batch(shape=(64, 3, 8, 8), seed=0, dtype=torch.float32):
    """Images in [-1, 1] with no zero pixel (so zeros are the augmentation's)."""
    generator = torch.Generator().manual_seed(seed)
    values = torch.rand(shape, generator=generator, dtype=torch.float64) * 1.8 + 0.1
    signs = torch.randint(0, 2, shape, generator=generator) * 2 - 1
    return (values * signs / 2).to(dtype)


def _rng(seed=0):
    return torch.Generator().manual_seed(seed)


def _shifted(image, rows, columns):
    """``image`` (C, H, W) with each pixel moved by (rows, columns), zeros coming in."""
    out = np.zeros_like(image)
    _, height, width = image.shape
    src_r = slice(max(0, -rows), min(height, height - rows))
    dst_r = slice(max(0, rows), min(height, height + rows))
    src_c = slice(max(0, -columns), min(width, width - columns))
    dst_c = slice(max(0, columns), min(width, width + columns))
    out[:, dst_r, dst_c] = image[:, src_r, src_c]
    return out


# ---------------------------------------------------------------------- the functions
@pytest.mark.parametrize("policy", [("color",), ("translation",), ("cutout",), ALL])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_shape_and_dtype_are_kept(policy, dtype):
    images = _batch((5, 3, 9, 13), dtype=dtype)
    augmented = diff_augment(images, policy, _rng())
    assert augmented.shape == images.shape and augmented.dtype == dtype
    assert torch.isfinite(augmented.float()).all()


@pytest.mark.parametrize("size, largest", [(8, 1), (16, 2), (28, 4)])
def test_translation_moves_every_pixel_by_one_offset_and_brings_in_zeros(size, largest):
    images = _batch((12 * (2 * largest + 1) ** 2, 2, size, size))
    shifted = augment_translation(images, _rng()).numpy()
    offsets = set()
    for image, out in zip(images.numpy(), shifted):
        matches = [(r, c) for r in range(-largest, largest + 1)
                   for c in range(-largest, largest + 1)
                   if np.array_equal(out, _shifted(image, r, c))]
        assert len(matches) == 1  # an exact shift, within an eighth of the size
        offsets.add(matches[0])
    # every offset of the range is drawn
    assert len(offsets) == (2 * largest + 1) ** 2


def test_cutout_zeroes_exactly_a_half_size_square_per_image():
    images = _batch((400, 3, 8, 8))
    cut = augment_cutout(images, _rng()).numpy()
    full_squares = set()
    for image, out in zip(images.numpy(), cut):
        zero = out == 0
        assert (zero == zero[0]).all()  # the same pixels in every channel
        zero = zero[0]
        rows, columns = np.flatnonzero(zero.any(axis=1)), np.flatnonzero(zero.any(axis=0))
        # a rectangle of contiguous rows and columns
        assert np.array_equal(zero, np.outer(zero.any(axis=1), zero.any(axis=0)))
        for kept in (rows, columns):
            assert len(kept) >= 1 and np.array_equal(kept, np.arange(kept[0], kept[-1] + 1))
            # 4 x 4 (half of 8), cut only where it overhangs the border
            assert len(kept) == 4 or kept[0] == 0 or kept[-1] == 7
            assert len(kept) <= 4
        # the other pixels are untouched
        np.testing.assert_array_equal(out[:, ~zero], image[:, ~zero])
        if len(rows) == len(columns) == 4:
            full_squares.add((rows[0], columns[0]))
    assert full_squares == {(r, c) for r in range(5) for c in range(5)}


def test_color_moves_each_image_mean_by_at_most_half_and_stays_in_range():
    images = _batch((500, 3, 8, 8))
    colored = augment_color(images, _rng())
    assert torch.isfinite(colored).all()
    # brightness +-0.5, saturation x2 and contrast x1.5 of values in [-1, 1]
    assert colored.abs().max() <= 9.0
    shift = (colored.mean(dim=(1, 2, 3)) - images.mean(dim=(1, 2, 3))).abs()
    assert shift.max() <= 0.5 + 1e-5
    assert shift.max() > 0.4 and shift.min() < 0.1  # the shifts spread over the range
    assert not torch.equal(colored, images)
    # saturation and contrast change the pixels' spread, not only their level
    spread_ratio = colored.std(dim=(1, 2, 3)) / images.std(dim=(1, 2, 3))
    assert spread_ratio.min() < 0.7 and spread_ratio.max() > 1.3


@pytest.mark.parametrize("policy", [("color",), ("translation",), ("cutout",), ALL])
def test_gradients_flow_to_the_input(policy):
    images = _batch((8, 3, 8, 8)).requires_grad_(True)
    diff_augment(images, policy, _rng()).sum().backward()
    assert torch.isfinite(images.grad).all() and (images.grad != 0).any()


def test_gradient_of_translation_follows_the_pixels():
    images = _batch((20, 1, 8, 8)).requires_grad_(True)
    shifted = augment_translation(images, _rng())
    shifted.sum().backward()
    # a pixel counts once when it stays inside, not at all when shifted out
    assert set(images.grad.unique().tolist()) <= {0.0, 1.0}
    np.testing.assert_allclose(images.grad.sum(dim=(1, 2, 3)).numpy(),
                               (shifted != 0).sum(dim=(1, 2, 3)).numpy())


def test_same_seed_same_result_and_the_global_generator_is_untouched():
    images = _batch((6, 3, 8, 8))
    state = torch.random.get_rng_state()
    first = diff_augment(images, ALL, _rng(5))
    assert torch.equal(first, diff_augment(images, "color, translation, cutout", _rng(5)))
    assert not torch.equal(first, diff_augment(images, ALL, _rng(6)))
    assert torch.equal(torch.random.get_rng_state(), state)


def test_no_policy_returns_the_images_without_a_draw():
    images, generator = _batch((4, 1, 8, 8)), _rng()
    state = generator.get_state()
    for policy in (None, (), []):
        assert diff_augment(images, policy, generator) is images
    assert torch.equal(generator.get_state(), state)


def test_policies_apply_in_the_order_named():
    images = _batch((6, 3, 8, 8))
    forward = diff_augment(images, ("translation", "cutout"), _rng())
    manual = _rng(0)
    expected = augment_cutout(augment_translation(images, manual), manual)
    assert torch.equal(forward, expected)


@pytest.mark.parametrize("policy, match", [
    ("colour", "'colour'"),
    (("translation", "zoom"), "'zoom'"),
    ("translation,,cutout", "''"),
    ("cutout,cutout", "'cutout' is named more than once"),
    (3, "got 3"),
])
def test_bad_policies_are_refused_by_name(policy, match):
    with pytest.raises(ValueError, match=match):
        check_policy(policy)
    with pytest.raises(ValueError, match=match):
        diff_augment(_batch((2, 1, 8, 8)), policy, _rng())


def test_policy_parsing():
    assert check_policy("cutout , color") == ("cutout", "color")
    assert check_policy(["translation"]) == ("translation",)
    assert check_policy(None) == () and check_policy(()) == ()
    assert POLICIES == ALL


# ---------------------------------------------------------------------- the adapter
def test_adapter_checks_augment_at_fit_not_at_construction():
    images = _batch((10, 1, 8, 8)).numpy()
    adapter = ImageAdapter(augment="translation,colour")
    assert adapter.get_params()["augment"] == "translation,colour"
    with pytest.raises(ValueError, match="'colour'"):
        adapter.fit(images)
    with pytest.raises(ValueError, match="'colour'"):
        GANSampler(adapter=adapter, epochs=1).fit(images)
    adapter.set_params(augment=["cutout"]).fit(images)
    assert adapter.augment == ["cutout"] and adapter.augment_ == ("cutout",)


def test_a_refused_augment_leaves_a_fitted_adapter_as_it_was():
    images = _batch((10, 1, 8, 8)).numpy()
    adapter = ImageAdapter(augment="cutout").fit(images)
    adapter.set_params(augment="zoom")
    with pytest.raises(ValueError, match="'zoom'"):
        adapter.fit(images[:5])
    assert adapter.augment_ == ("cutout",)


def test_auto_is_not_a_policy():
    # no automatic choice: on digits, augmentation did not help at any size measured
    images = np.zeros((10, 8, 8), dtype=np.uint8)
    with pytest.raises(ValueError, match="'auto'"):
        ImageAdapter(augment="auto").fit(images)


def test_default_is_off_and_returns_the_batch_itself():
    images = _batch((6, 3, 8, 8))
    adapter = ImageAdapter().fit(images.numpy())
    assert adapter.augment is None and adapter.augment_ == ()
    assert adapter.augment_for_discriminator(images, _rng()) is images


def test_adapters_pickled_before_the_option_load_without_augmentation():
    images = _batch((6, 3, 8, 8))
    adapter = ImageAdapter(augment=ALL).fit(images.numpy())
    del adapter.__dict__["augment"], adapter.__dict__["augment_"]  # as an old pickle has it
    restored = pickle.loads(pickle.dumps(adapter))
    assert restored.get_params()["augment"] is None
    assert restored.augment_for_discriminator(images, _rng()) is images


def test_signal_adapters_have_no_augment_option():
    with pytest.raises(TypeError, match="augment"):
        SignalAdapter(augment="translation")
    with pytest.raises(ValueError, match="augment"):
        SignalAdapter().set_params(augment="translation")
    signals = _batch((6, 1, 1, 32))[:, :, 0]
    adapter = SignalAdapter().fit(signals.numpy())
    assert adapter.augment_for_discriminator(signals, _rng()) is signals


# ---------------------------------------------------------------------- the estimators
IMAGES = np.random.RandomState(0).randint(0, 256, (32, 8, 8)).astype(np.uint8)
LABELS = np.arange(32) % 2


def _fit_and_sample(make, augment="missing", **params):
    adapter = ImageAdapter(width=4) if augment == "missing" else ImageAdapter(
        width=4, augment=augment)
    model = make(adapter=adapter, epochs=1, batch_size=16, random_state=0, device="cpu",
                 **params)
    if make in (ConditionalGAN, CycleGANTransformer):
        model.fit(IMAGES, LABELS)
        if make is CycleGANTransformer:
            return model.transform(IMAGES[:6])
        return model.sample(6, np.zeros(6, dtype=int), random_state=1)[0]
    return model.fit(IMAGES).sample(6, random_state=1)


ESTIMATORS = {
    "gan": (GANSampler, {}),
    "wgan-gp": (WGANSampler, {"n_critic": 1}),
    "conditional": (ConditionalGAN, {}),
    "conditional-wgan-gp": (ConditionalGAN, {"objective": "wgan-gp", "n_critic": 1}),
    "cycle": (CycleGANTransformer, {}),
}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_augmented_fits_are_bit_identical_for_a_seed(name):
    make, params = ESTIMATORS[name]
    first = _fit_and_sample(make, ALL, **params)
    np.testing.assert_array_equal(first, _fit_and_sample(make, ALL, **params))
    assert not np.array_equal(first, _fit_and_sample(make, None, **params))


@pytest.mark.parametrize("name", ["gan", "conditional-wgan-gp"])
def test_augment_none_trains_as_without_the_option(name):
    make, params = ESTIMATORS[name]
    without = _fit_and_sample(make, **params)
    np.testing.assert_array_equal(without, _fit_and_sample(make, None, **params))
    np.testing.assert_array_equal(without, _fit_and_sample(make, (), **params))


@pytest.mark.parametrize("name, per_step", [
    ("gan", [32, 16]),  # real and fake together, then the generator's fakes
    ("wgan-gp", [48, 16]),  # real, fake and interpolates, then the generator's fakes
    ("conditional", [48, 16]),  # real, fake, mismatched real, then the generator's
])
def test_every_discriminator_input_is_augmented(monkeypatch, name, per_step):
    seen = []
    original = ImageAdapter.augment_for_discriminator

    def recording(self, inputs, generator):
        seen.append(inputs.shape[0])
        return original(self, inputs, generator)

    monkeypatch.setattr(ImageAdapter, "augment_for_discriminator", recording)
    make, params = ESTIMATORS[name]
    _fit_and_sample(make, ALL, **params)
    assert seen == per_step * 2  # two steps of 16 images


def test_private_training_with_augmentation():
    pytest.importorskip("opacus")
    model = GANSampler(adapter=ImageAdapter(width=4, augment=ALL), dp_epsilon=5.0, pac=1,
                       epochs=2, batch_size=16, random_state=0).fit(IMAGES)
    assert model.dp_epsilon_spent_ <= 5.0
    assert model.sample(3).shape == (3, 8, 8)
