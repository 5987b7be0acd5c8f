"""The adapter for images: grayscale, RGB or RGBA, channels first or last, uint8 or float."""

from ._diff_augment import check_policy, diff_augment
from ._grid import GridAdapter

#: Channel counts recognised without being told where the channel axis is.
IMAGE_CHANNELS = (1, 3, 4)
_CHANNELS = ("auto", "first", "last")

#: Smallest height and width the convolutional networks handle.
MIN_IMAGE_SIZE = 8


class ImageAdapter(GridAdapter):
    """Encode images for convolutional GANs and decode samples to the same layout.

    Accepts arrays of shape ``(N, H, W)`` (grayscale), ``(N, C, H, W)`` (channels
    first, as torch has them) and ``(N, H, W, C)`` (channels last, as matplotlib and
    PIL have them), with ``H, W >= 8`` of any size (not only powers of two). With
    ``channels="auto"``, a 4-D array has its channels on the axis of size 1, 3 or 4
    (axis 1 first, then the last axis); pass ``channels="first"`` or ``"last"`` to
    use any other number of channels.

    Values are scaled per channel to [-1, 1] from the range seen in training (0–255
    for ``uint8``, the observed minimum and maximum otherwise). Decoded samples have
    the training layout and dtype: ``uint8`` in gives ``uint8`` out, floats are clipped
    to each channel's training range; integer and boolean images, and float images of
    whole numbers only (such as scikit-learn's digits, 0–16), are rounded.

    The networks are DCGAN-style: transposed convolutions with batch normalisation in
    the generator, strided convolutions with leaky ReLU in the discriminator (see
    :mod:`skgan.networks.conv`), sized from H and W and from ``width``.

    Parameters
    ----------
    width : int, default=64
        Channels of the generator's last stage and the discriminator's first; the
        inner stages have up to 8 times as many. Time and memory grow with its square.
    channels : {"auto", "first", "last"}, default="auto"
        Where the channel axis of a 4-D array is; 3-D arrays have none.
    augment : None, str or tuple of str, default=None
        Differentiable augmentation (DiffAugment, Zhao et al., 2020) of every image
        the discriminator sees in training, real and generated, in its step and in
        the generator's: names from "color" (random brightness, saturation and
        contrast), "translation" (a shift of up to an eighth of the size, zeros
        coming in) and "cutout" (a zeroed rectangle of half the height and width),
        applied in the order given, as a tuple or a string such as
        ``"translation,cutout"``. Meant to keep the discriminator from memorising a
        small training set; samples are never augmented. Off by default: on digits
        subsets of 100, 300 and 898 images at the default 5,000 steps, every policy
        made samples easier to tell from real ones (docs/images.md). None: no
        augmentation (training as without the option, draw for draw). Draws come
        from the estimator's own generator, so an integer ``random_state`` still
        gives bit-identical fits.

    Attributes
    ----------
    layout_ : str
        "NHW", "NCHW" or "NHWC".
    sample_shape_ : tuple of int
        Shape of one training image, as passed.
    encoded_shape_ : tuple of int
        ``(C, H, W)``.
    whole_numbers_ : bool
        Whether the training values were all whole numbers (integer dtypes, or floats
        such as scikit-learn's 0–16 digits); samples are then rounded too.
    dtype_ : numpy.dtype
        The training images' dtype, which samples get back.
    data_min_, data_max_ : ndarray of shape (C,)
        Per-channel range that maps to [-1, 1].
    augment_ : tuple of str
        The augmentations training applies (``augment`` resolved; empty: none).

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.adapters import ImageAdapter
    >>> images = np.random.RandomState(0).randint(0, 256, (10, 12, 9, 3), dtype=np.uint8)
    >>> adapter = ImageAdapter().fit(images)
    >>> adapter.layout_, adapter.encoded_shape_
    ('NHWC', (3, 12, 9))
    >>> restored = adapter.decode(adapter.encode(images))
    >>> restored.dtype, bool((restored == images).all())
    (dtype('uint8'), True)

    With ``augment``, the discriminator sees shifted and cut-out images:

    >>> import torch
    >>> adapter = ImageAdapter(augment="translation,cutout").fit(images)
    >>> adapter.augment_
    ('translation', 'cutout')
    >>> batch = torch.as_tensor(adapter.encode(images))
    >>> seen = adapter.augment_for_discriminator(batch, torch.Generator().manual_seed(0))
    >>> seen.shape == batch.shape, bool(torch.equal(seen, batch))
    (True, False)
    """

    network_family = "conv2d"
    kind = "image"
    uint8_full_range = True
    #: Adapters pickled before the option existed load without augmentation.
    augment = None

    def __init__(self, width=64, channels="auto", augment=None):
        super().__init__(width=width)
        self.channels = channels
        self.augment = augment

    def _check_params(self):
        super()._check_params()
        try:
            check_policy(self.augment)
        except ValueError as error:
            raise ValueError(f"ImageAdapter(augment={self.augment!r}): {error} None turns "
                             "augmentation off.") from None

    def fit(self, X):
        super().fit(X)
        self.augment_ = check_policy(self.augment)
        return self

    def augment_for_discriminator(self, inputs, generator):
        """``inputs`` (encoded images) augmented by the fitted ``augment_`` policies.

        Differentiable, drawing from ``generator``; ``inputs`` itself, with no draw,
        when augmentation is off (or the adapter was pickled before the option).
        """
        policy = getattr(self, "augment_", ())
        if not policy:
            return inputs
        return diff_augment(inputs, policy, generator)

    def _layout_of(self, array):
        if self.channels not in _CHANNELS:
            raise ValueError(f"channels={self.channels!r} is not one of {_CHANNELS}.")
        if array.ndim == 3:
            return "NHW"
        if array.ndim != 4:
            raise ValueError(
                f"ImageAdapter expects (N, H, W), (N, C, H, W) or (N, H, W, C) arrays; got "
                f"a {array.ndim}-D array of shape {array.shape}. For (N, C, L) or (N, L) "
                "signals use adapter='signal'."
            )
        if self.channels == "first":
            return "NCHW"
        if self.channels == "last":
            return "NHWC"
        if array.shape[1] in IMAGE_CHANNELS:
            return "NCHW"
        if array.shape[3] in IMAGE_CHANNELS:
            return "NHWC"
        raise ValueError(
            f"Cannot find the channel axis of images of shape {array.shape}: neither axis 1 "
            "nor the last axis has 1, 3 or 4 channels (grayscale, RGB, RGBA). Pass ImageAdapter(channels='first') or "
            "channels='last' for other channel counts."
        )

    def _to_channels_first(self, array, layout):
        if layout == "NHW":
            return array[:, None]
        if layout == "NHWC":
            return array.transpose(0, 3, 1, 2)
        return array

    def _from_channels_first(self, array, layout):
        if layout == "NHW":
            return array[:, 0]
        if layout == "NHWC":
            return array.transpose(0, 2, 3, 1)
        return array

    def _check_spatial(self, spatial, layout):
        if min(spatial) < MIN_IMAGE_SIZE:
            raise ValueError(
                f"Images must be at least {MIN_IMAGE_SIZE}x{MIN_IMAGE_SIZE} pixels; got "
                f"{spatial[0]}x{spatial[1]}. For (N, C, L) signals use adapter='signal'."
            )
