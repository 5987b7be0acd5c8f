"""Similarity of paired images: PSNR and SSIM (e.g. CycleGAN's round trips against inputs)."""

import numbers

import numpy as np
import torch
from torch.nn import functional as F

from ..adapters.image import IMAGE_CHANNELS


def psnr(X, Y, *, data_range=None):
    """Peak signal-to-noise ratio of paired images, in decibels, averaged over the pairs.

    ``10 log10(data_range² / MSE)`` for each pair, MSE over all its pixels and channels.

    Parameters
    ----------
    X, Y : array-like of shape (n_images, [channels,] height, width) or (height, width)
        Reference images and the images compared with them, pair by pair.
    data_range : float or None, default=None
        The span of possible pixel values; None: 255 for integer images within
        [0, 255], 1 for float images within [0, 1] and for boolean ones, else
        ``X.max() - X.min()`` (12-bit images in ``uint16``: their own span; 1 when
        that is 0: constant images).

    Returns
    -------
    psnr : float
        Mean of the pairs' values; ``inf`` when any pair is identical (its own
        value is ``inf``).

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import psnr
    >>> X = np.zeros((2, 8, 8))
    >>> round(psnr(X, X + 0.1), 6)  # MSE 0.01 on a range of 1
    20.0
    """
    X, Y, data_range = _paired(X, Y, data_range)
    errors = ((X - Y) ** 2).flatten(1).mean(dim=1)
    with np.errstate(divide="ignore"):
        values = 10 * np.log10(data_range ** 2 / errors.numpy())
    return float(np.mean(values))


def ssim(X, Y, *, data_range=None, sigma=1.5, win_size=11, K1=0.01, K2=0.03,
         channels="auto"):
    """Structural similarity of paired images (Wang et al., 2004), averaged over pairs.

    Local means, variances and covariance are taken under a Gaussian window
    (``win_size`` taps, standard deviation ``sigma``, normalised to sum to 1) at every
    position where the window fits inside the image; the SSIM map
    ``(2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))`` with
    ``C1 = (K1 L)²``, ``C2 = (K2 L)²`` and ``L = data_range`` is averaged over those
    positions and the channels, then over the pairs. Images smaller than the window
    (e.g. 8×8 digits) take the largest odd window that fits.

    Parameters
    ----------
    X, Y : array-like of shape (n_images, [channels,] height, width) or (height, width)
        Reference images and the images compared with them, pair by pair.
    data_range : float or None, default=None
        As for :func:`psnr`.
    sigma : float, default=1.5
        Standard deviation of the Gaussian window (positive).
    win_size : int, default=11
        Odd window size.
    K1, K2 : float, default=0.01, 0.03
        The stabilising constants of ``C1`` and ``C2`` (positive).
    channels : {"auto", "first", "last"}, default="auto"
        Where 4-D arrays hold their channels, as for
        :class:`~skgan.adapters.ImageAdapter`: "auto" reads ``(n, C, H, W)`` when
        axis 1 has 1, 3 or 4 entries, else ``(n, H, W, C)`` when the last axis has,
        else ``(n, C, H, W)``. Windows slide over height and width only, so reading
        RGB images the wrong way round gives another number.

    Returns
    -------
    ssim : float
        Mean SSIM in [-1, 1]; 1 for identical images.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import ssim
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(3, 16, 16))
    >>> ssim(X, X)
    1.0
    >>> bool(ssim(X, rng.uniform(size=(3, 16, 16))) < 0.2)
    True
    """
    if not isinstance(win_size, numbers.Integral) or win_size < 1 or win_size % 2 == 0:
        raise ValueError(f"win_size must be an odd positive integer, got {win_size!r}.")
    if channels not in ("auto", "first", "last"):
        raise ValueError(f"channels must be 'auto', 'first' or 'last', got {channels!r}.")
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or \
            not 0 < sigma < np.inf:
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}.")
    for name, value in (("K1", K1), ("K2", K2)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
                not 0 < value < np.inf:
            raise ValueError(f"{name} must be a positive finite number, got {value!r}.")
    four_axes = np.ndim(X) == 4
    X, Y, data_range = _paired(X, Y, data_range)
    if four_axes and _channels_last(X.shape, channels):
        X, Y = X.permute(0, 3, 1, 2), Y.permute(0, 3, 1, 2)
    size = min(win_size, *(side - (side + 1) % 2 for side in X.shape[-2:]))
    if size < 3:  # a 1-pixel window compares brightness only
        raise ValueError(f"ssim needs images of at least 3 pixels a side, got "
                         f"{tuple(X.shape[-2:])}.")
    window = _gaussian_window(size, sigma)
    n_images, n_channels = X.shape[:2]

    def local_mean(images):
        flat = images.reshape(n_images * n_channels, 1, *images.shape[-2:])
        means = F.conv2d(flat, window)
        return means.reshape(n_images, n_channels, *means.shape[-2:])

    mean_x, mean_y = local_mean(X), local_mean(Y)
    var_x = local_mean(X * X) - mean_x ** 2
    var_y = local_mean(Y * Y) - mean_y ** 2
    cov = local_mean(X * Y) - mean_x * mean_y
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    ssim_map = ((2 * mean_x * mean_y + c1) * (2 * cov + c2)
                / ((mean_x ** 2 + mean_y ** 2 + c1) * (var_x + var_y + c2)))
    return float(ssim_map.mean(dim=(1, 2, 3)).mean())


def _gaussian_window(size, sigma):
    offsets = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    taps = torch.exp(-offsets ** 2 / (2 * sigma ** 2))
    taps = taps / taps.sum()
    return (taps[:, None] * taps[None, :])[None, None]


def _paired(X, Y, data_range):
    """Both image sets as float64 tensors (n, channels, height, width), and the range."""
    arrays = [np.asarray(images) for images in (X, Y)]
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(f"Paired images must have the same shape, got {arrays[0].shape} "
                         f"and {arrays[1].shape}.")
    if arrays[0].ndim not in (2, 3, 4) or 0 in arrays[0].shape:
        raise ValueError("Images must be of shape (n_images, [channels,] height, width) or "
                         f"(height, width), got {arrays[0].shape}.")
    if data_range is None:
        data_range = _default_range(arrays[0])
    elif not isinstance(data_range, numbers.Real) or not data_range > 0:
        raise ValueError(f"data_range must be a positive number, got {data_range!r}.")
    tensors = []
    for array in arrays:
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise TypeError(f"Images must hold numbers, got dtype {array.dtype}.")
        images = torch.as_tensor(array.astype(np.float64))
        while images.dim() < 4:
            images = images.unsqueeze(0 if images.dim() == 2 else 1)
        tensors.append(images)
    if not (torch.isfinite(tensors[0]).all() and torch.isfinite(tensors[1]).all()):
        raise ValueError("Images hold NaN or infinite values.")
    return tensors[0], tensors[1], float(data_range)


def _channels_last(shape, channels):
    """Whether images of the 4-D ``shape`` hold their channels on the last axis."""
    if channels != "auto":
        return channels == "last"
    return shape[1] not in IMAGE_CHANNELS and shape[3] in IMAGE_CHANNELS


def _default_range(images):
    if images.dtype == bool:
        return 1.0
    low, high = float(np.min(images)), float(np.max(images))
    if np.issubdtype(images.dtype, np.integer) and low >= 0 and high <= 255:
        return 255.0  # 8-bit values
    if not np.issubdtype(images.dtype, np.integer) and low >= 0 and high <= 1:
        return 1.0
    return (high - low) or 1.0

