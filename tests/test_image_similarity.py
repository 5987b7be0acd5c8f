"""PSNR and SSIM against references written here from the published definitions."""

import math

import numpy as np
import pytest

from skgan.metrics import psnr, ssim


def _reference_ssim(x, y, data_range, sigma=1.5, size=11, k1=0.01, k2=0.03):
    """Wang et al. (2004), eq. 13 with the Gaussian-weighted statistics of eqs. 14-16,
    averaged over every window position inside the image (one channel)."""
    offsets = np.arange(size) - (size - 1) / 2
    taps = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    weights = np.outer(taps, taps) / np.outer(taps, taps).sum()
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    values = []
    for top in range(x.shape[0] - size + 1):
        for left in range(x.shape[1] - size + 1):
            a = x[top:top + size, left:left + size]
            b = y[top:top + size, left:left + size]
            mean_a, mean_b = (weights * a).sum(), (weights * b).sum()
            var_a = (weights * (a - mean_a) ** 2).sum()
            var_b = (weights * (b - mean_b) ** 2).sum()
            cov = (weights * (a - mean_a) * (b - mean_b)).sum()
            values.append((2 * mean_a * mean_b + c1) * (2 * cov + c2)
                          / ((mean_a ** 2 + mean_b ** 2 + c1) * (var_a + var_b + c2)))
    return float(np.mean(values))


def test_ssim_follows_the_definition_on_noisy_and_blurred_pairs():
    rng = np.random.RandomState(0)
    clean = rng.uniform(size=(2, 3, 20, 24))
    noisy = np.clip(clean + rng.normal(scale=0.1, size=clean.shape), 0, 1)
    expected = np.mean([_reference_ssim(clean[i, c], noisy[i, c], 1.0)
                        for i in range(2) for c in range(3)])
    assert ssim(clean, noisy) == pytest.approx(expected, rel=1e-9)


def test_ssim_reads_channels_last_images_as_the_same_images():
    # Every 4-D array was read as (n, C, H, W): RGB images with their channels last
    # scored over the wrong axes.
    rng = np.random.RandomState(3)
    clean = rng.uniform(size=(2, 3, 20, 24))
    noisy = np.clip(clean + rng.normal(scale=0.1, size=clean.shape), 0, 1)
    expected = ssim(clean, noisy)
    last = (clean.transpose(0, 2, 3, 1), noisy.transpose(0, 2, 3, 1))
    assert ssim(*last) == pytest.approx(expected, rel=1e-12)
    assert ssim(*last, channels="last") == pytest.approx(expected, rel=1e-12)
    two = (clean[:, :2], noisy[:, :2])  # two channels: only "first" is read as such
    assert ssim(*two, channels="first") == pytest.approx(ssim(*two), rel=1e-12)
    with pytest.raises(ValueError, match="channels must be"):
        ssim(clean, noisy, channels="middle")


def test_small_images_take_the_largest_window_that_fits():
    rng = np.random.RandomState(1)
    digits = rng.randint(0, 17, size=(4, 8, 8)).astype(float)
    other = np.clip(digits + rng.randint(-2, 3, size=digits.shape), 0, 16)
    expected = np.mean([_reference_ssim(digits[i], other[i], 16.0, size=7) for i in range(4)])
    assert ssim(digits, other, data_range=16) == pytest.approx(expected, rel=1e-9)


def test_psnr_of_a_known_error():
    X = np.full((3, 4, 4), 100, dtype=np.uint8)
    Y = X + np.uint8(5)  # MSE 25 on a range of 255
    assert psnr(X, Y) == pytest.approx(10 * math.log10(255 ** 2 / 25))
    assert psnr(X, X) == math.inf


def test_ssim_ranks_a_closer_copy_higher():
    rng = np.random.RandomState(2)
    clean = rng.uniform(size=(3, 16, 16))
    slightly, badly = (np.clip(clean + rng.normal(scale=s, size=clean.shape), 0, 1)
                       for s in (0.05, 0.3))
    assert ssim(clean, clean) == 1.0
    assert 1.0 > ssim(clean, slightly) > ssim(clean, badly)
    assert psnr(clean, slightly) > psnr(clean, badly)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ssim(np.zeros((2, 8, 8)), np.zeros((2, 8, 9))), ValueError, "same shape"),
    (lambda: ssim(np.zeros((2, 8, 8)), np.zeros((2, 8, 8)), win_size=4), ValueError, "odd"),
    (lambda: psnr(np.zeros(5), np.zeros(5)), ValueError, "height, width"),
    (lambda: psnr(np.zeros((8, 8)), np.zeros((8, 8)), data_range=0), ValueError, "positive"),
    (lambda: psnr(np.full((8, 8), np.nan), np.zeros((8, 8))), ValueError, "NaN"),
])
def test_bad_images_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("settings, message", [
    ({"sigma": 0}, "sigma must be a positive finite number"),
    ({"sigma": float("nan")}, "sigma must be a positive finite number"),
    ({"sigma": -1.0}, "sigma must be a positive finite number"),
    ({"K1": -1.0}, "K1 must be a positive finite number"),
    ({"K2": 0.0}, "K2 must be a positive finite number"),
])
def test_ssim_refuses_windows_and_constants_that_make_no_score(settings, message):
    X = np.random.RandomState(0).uniform(size=(2, 16, 16))
    with pytest.raises(ValueError, match=message):
        ssim(X, X, **settings)


def test_default_ranges_follow_the_values_of_wide_integers_and_booleans():
    rng = np.random.RandomState(0)
    twelve_bit = rng.randint(0, 4096, size=(2, 16, 16)).astype(np.uint16)
    noisy = np.clip(twelve_bit.astype(int) + rng.randint(-200, 201, twelve_bit.shape), 0,
                    4095).astype(np.uint16)
    assert psnr(twelve_bit, noisy) == pytest.approx(
        psnr(twelve_bit, noisy, data_range=float(twelve_bit.max() - twelve_bit.min())))
    eight_bit = twelve_bit.astype(np.uint8)
    assert psnr(eight_bit, eight_bit ^ 1) == pytest.approx(psnr(eight_bit, eight_bit ^ 1,
                                                                data_range=255))
    masks = rng.rand(2, 16, 16) > 0.5
    assert psnr(masks, masks) == math.inf and ssim(masks, masks) == pytest.approx(1.0)
    assert psnr(masks, ~masks) == pytest.approx(0.0)  # every pixel off by the whole range


def test_ssim_refuses_images_too_thin_for_a_window():
    X = np.random.RandomState(0).uniform(size=(4, 2, 64))
    with pytest.raises(ValueError, match="at least 3 pixels a side"):
        ssim(X, X)
