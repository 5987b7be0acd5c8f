"""Differentiable augmentation of the images a discriminator sees (DiffAugment).

Zhao, Liu, Lin, Zhu and Han (2020), "Differentiable Augmentation for Data-Efficient GAN
Training": with few training images the discriminator memorises them and the
generator's training collapses. Augmenting every image the discriminator judges, real
and generated alike, in its own step and in the generator's, with transformations
that gradients pass through, keeps it from memorising without teaching the generator
to make augmented images.

The functions here take a batch of shape ``(n, channels, height, width)`` with values
in [-1, 1] (the encoding of :class:`~skgan.adapters.ImageAdapter`), draw every random
number from the ``torch.Generator`` they are given (on ``generator.device``, then moved
to the batch's device) and return a new batch of the same shape and dtype. Each image
gets its own draws; no image's output depends on another image.
"""

import torch

#: The policies, in the order the paper applies them.
POLICIES = ("color", "translation", "cutout")

#: The largest shift of "translation", as a share of the height and width.
TRANSLATION_RATIO = 0.125
#: The side of the square "cutout" zeroes, as a share of the height and width.
CUTOUT_RATIO = 0.5


def check_policy(policy):
    """The policy names of ``policy`` as a tuple, checked.

    Parameters
    ----------
    policy : None, str or sequence of str
        None (no augmentation), names separated by commas (``"translation,cutout"``)
        or a tuple or list of names (empty: no augmentation), each one of ``"color"``,
        ``"translation"`` and ``"cutout"``, at most once each.

    Returns
    -------
    names : tuple of str
        The names in the order given; empty for None.

    Raises
    ------
    ValueError
        Naming the unknown or repeated policy.

    Examples
    --------
    >>> check_policy("translation, cutout")
    ('translation', 'cutout')
    >>> check_policy(None)
    ()
    """
    if policy is None:
        return ()
    if isinstance(policy, str):
        names = [name.strip() for name in policy.split(",")]
    elif isinstance(policy, (tuple, list)):
        names = list(policy)
    else:
        raise ValueError(
            f"An augmentation policy is None, a string such as 'translation,cutout' or a "
            f"tuple of names from {POLICIES}; got {policy!r}.")
    for name in names:
        if name not in POLICIES:
            raise ValueError(f"Unknown augmentation policy {name!r}; choose from {POLICIES}.")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"The augmentation policy {repeated[0]!r} is named more than once.")
    return tuple(names)


def _uniform(images, generator):
    """One U(0, 1) draw per image, shaped ``(n, 1, 1, 1)``, on the batch's device."""
    draws = torch.rand(images.shape[0], generator=generator, device=generator.device)
    return draws.to(images.device, images.dtype).view(-1, 1, 1, 1)


def _integers(low, high, n, generator, device):
    """``n`` integers drawn uniformly from ``[low, high)``, on ``device``."""
    draws = torch.randint(low, high, (n,), generator=generator, device=generator.device)
    return draws.to(device)


def augment_color(images, generator):
    """Random brightness, saturation and contrast, each drawn per image.

    Brightness adds U(-0.5, 0.5) to every pixel; saturation scales each pixel's
    deviation from its mean over the channels by U(0, 2) (no change for one channel);
    contrast scales each pixel's deviation from the image's mean by U(0.5, 1.5).

    Parameters
    ----------
    images : torch.Tensor of shape (n, channels, height, width)
        Values in [-1, 1].
    generator : torch.Generator
        The source of the draws (three per image).

    Returns
    -------
    torch.Tensor
        The augmented batch, of the same shape and dtype; each image's mean moves by
        its brightness shift only.

    Examples
    --------
    >>> import torch
    >>> images = torch.zeros(2, 3, 8, 8)
    >>> shifted = augment_color(images, torch.Generator().manual_seed(0))
    >>> bool((shifted.abs() <= 0.5).all())
    True
    """
    images = images + (_uniform(images, generator) - 0.5)
    mean = images.mean(dim=1, keepdim=True)
    images = (images - mean) * (2 * _uniform(images, generator)) + mean
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return (images - mean) * (_uniform(images, generator) + 0.5) + mean


def _largest_shift(size):
    """The largest shift of "translation" along an axis of ``size`` pixels: an eighth
    of it, rounded to the nearest pixel (halves up)."""
    return int(size * TRANSLATION_RATIO + 0.5)


def augment_translation(images, generator):
    """Shift each image by a random number of pixels along each axis, zeros coming in.

    The shifts are integers drawn uniformly from ``[-s, s]`` per image and axis, where
    ``s`` is an eighth of the axis's size, rounded (1 for 8 pixels, 4 for 28 and 32):
    the pixel at ``(row, column)`` moves to ``(row + shift_rows, column +
    shift_columns)``, and what would come from outside the image is 0.

    Parameters
    ----------
    images : torch.Tensor of shape (n, channels, height, width)
    generator : torch.Generator
        The source of the draws (two per image: the row shifts first).

    Returns
    -------
    torch.Tensor
        The shifted batch, of the same shape and dtype.

    Examples
    --------
    >>> import torch
    >>> images = torch.arange(1.0, 65.0).view(1, 1, 8, 8)
    >>> shifted = augment_translation(images, torch.Generator().manual_seed(0))
    >>> shifted.shape, int((shifted == 0).sum()) in (0, 8, 15)
    (torch.Size([1, 1, 8, 8]), True)
    """
    n, channels, height, width = images.shape
    shift_h, shift_w = _largest_shift(height), _largest_shift(width)
    rows_shift = _integers(-shift_h, shift_h + 1, n, generator, images.device)
    columns_shift = _integers(-shift_w, shift_w + 1, n, generator, images.device)
    # Output pixel (r, c) reads input pixel (r - rows_shift, c - columns_shift).
    rows = torch.arange(height, device=images.device)[None, :] - rows_shift[:, None]
    columns = torch.arange(width, device=images.device)[None, :] - columns_shift[:, None]
    rows_inside = (rows >= 0) & (rows < height)
    columns_inside = (columns >= 0) & (columns < width)
    rows = rows.clamp(0, height - 1).view(n, 1, height, 1).expand(n, channels, height, width)
    columns = columns.clamp(0, width - 1).view(n, 1, 1, width).expand(n, channels, height,
                                                                        width)
    moved = images.gather(2, rows).gather(3, columns)
    inside = rows_inside.view(n, 1, height, 1) & columns_inside.view(n, 1, 1, width)
    return moved * inside.to(images.dtype)


def _cutout_size(size):
    """The side of the cutout along an axis of ``size`` pixels: half of it, rounded."""
    return int(size * CUTOUT_RATIO + 0.5)


def augment_cutout(images, generator):
    """Zero a rectangle of half the height and half the width in each image.

    Its centre is drawn uniformly per image over the image's pixels (the rectangle is
    cut where it overhangs the border): the rows ``[centre - size // 2, centre - size
    // 2 + size)`` along each axis, where ``size`` is half the axis, rounded.

    Parameters
    ----------
    images : torch.Tensor of shape (n, channels, height, width)
    generator : torch.Generator
        The source of the draws (two per image: the row of the centre first).

    Returns
    -------
    torch.Tensor
        The batch with a rectangle of every image zeroed in every channel.

    Examples
    --------
    >>> import torch
    >>> images = torch.ones(3, 1, 8, 8)
    >>> cut = augment_cutout(images, torch.Generator().manual_seed(0))
    >>> [int((image == 0).sum()) <= 16 for image in cut]
    [True, True, True]
    """
    n, _, height, width = images.shape
    size_h, size_w = _cutout_size(height), _cutout_size(width)
    # An even side has one pixel more on one side of the centre: centres run to the
    # last pixel plus one so that each border is as likely as the other to be cut.
    top = _integers(0, height + 1 - size_h % 2, n, generator, images.device) - size_h // 2
    left = _integers(0, width + 1 - size_w % 2, n, generator, images.device) - size_w // 2
    rows = torch.arange(height, device=images.device)[None, :] - top[:, None]
    columns = torch.arange(width, device=images.device)[None, :] - left[:, None]
    cut_rows = (rows >= 0) & (rows < size_h)
    cut_columns = (columns >= 0) & (columns < size_w)
    cut = cut_rows.view(n, 1, height, 1) & cut_columns.view(n, 1, 1, width)
    return images * (~cut).to(images.dtype)


_AUGMENTATIONS = {
    "color": augment_color,
    "translation": augment_translation,
    "cutout": augment_cutout,
}


def diff_augment(images, policy, generator):
    """Apply the named augmentations to a batch of images, in the order named.

    Parameters
    ----------
    images : torch.Tensor of shape (n, channels, height, width)
        Values in [-1, 1]. Gradients flow through to it.
    policy : None, str or sequence of str
        Names from ``"color"``, ``"translation"`` and ``"cutout"`` (see
        :func:`check_policy`); None or an empty tuple return ``images`` itself.
    generator : torch.Generator
        The source of every random draw: the same generator state gives the same
        output. The global torch generator is never used.

    Returns
    -------
    torch.Tensor
        The augmented batch, of the shape and dtype of ``images``.

    Examples
    --------
    >>> import torch
    >>> images = torch.rand(4, 3, 8, 8, requires_grad=True) * 2 - 1
    >>> augmented = diff_augment(images, ("color", "translation", "cutout"),
    ...                          torch.Generator().manual_seed(0))
    >>> augmented.shape, augmented.dtype
    (torch.Size([4, 3, 8, 8]), torch.float32)
    >>> again = diff_augment(images, "color,translation,cutout",
    ...                      torch.Generator().manual_seed(0))
    >>> bool(torch.equal(augmented, again))
    True
    """
    names = check_policy(policy)
    if images.ndim != 4:
        raise ValueError(f"diff_augment needs images of shape (n, channels, height, width); "
                         f"got a tensor of shape {tuple(images.shape)}.")
    for name in names:
        images = _AUGMENTATIONS[name](images, generator)
    return images
