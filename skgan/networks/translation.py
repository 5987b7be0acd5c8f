"""Networks that translate samples between two domains (CycleGAN).

A translator maps an encoded sample to an encoded sample of the same shape; a patch
critic scores each region of a sample. Both are sized from the data adapter, as the
generator/discriminator pairs of :mod:`skgan.networks.factory` are.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from .conv import _stage_widths, n_resolution_steps
from .init import build_module
from .mlp import MLPDiscriminator, _hidden_stack

_LAYERS = {1: (nn.Conv1d, nn.InstanceNorm1d), 2: (nn.Conv2d, nn.InstanceNorm2d)}

#: Downsampling steps of the convolutional translator, at most.
_MAX_DOWN_STEPS = 2
#: Cells per axis the convolutional translator keeps, at least, at its lowest resolution.
_MIN_TRANSLATOR_CELLS = 8
#: Share of the lowest-resolution grid the residual blocks see together, at most.
_BLOCKS_SEE = 2 / 3
#: Residual blocks, at most (CycleGAN's number for 256-pixel images).
_MAX_BLOCKS = 9


def n_translator_down_steps(spatial_shape):
    """How many times the translator halves the grid: at most twice, to >= 8 cells.

    The translator must keep each sample's layout (an image's strokes stay where they
    are), so, as in CycleGAN (256 pixels down to 64), the grid is never squeezed to a
    few cells: on 8x8 digits a translator that went down to 4x4 redrew every digit as
    another one (at most 16 % of the labels kept), while the full-resolution one can
    keep 97 % (benchmarks/bench_cycle.py; not every seed does).

    Examples
    --------
    >>> [n_translator_down_steps(s) for s in [(8, 8), (28, 28), (32, 32), (256,)]]
    [0, 1, 2, 2]
    """
    fits = int(math.floor(math.log2(min(spatial_shape) / _MIN_TRANSLATOR_CELLS)))
    return min(_MAX_DOWN_STEPS, max(0, fits))


def n_translator_blocks(bottleneck_shape):
    """How many residual blocks the translator runs at its lowest resolution.

    Each block (two 3-wide convolutions) widens what one output cell sees by 4 cells.
    As in CycleGAN, whose 9 blocks at 256 pixels see 37 of the 64 cells of its grid,
    the blocks together see at most two thirds of the grid, so a translator cannot
    redraw a sample from its whole extent. On 8x8 digits (one block) the labels were
    kept in 4 seeds of 5 (97 % and more) and in part in the fifth (69 %); with three
    blocks (a grid-wide view) one seed of two relabelled every digit while still
    meeting the cycle loss; with none, the translator was too weak to learn the
    inversion in one seed of 5 (benchmarks/bench_cycle.py; ``n_init`` picks among
    starts). At most 9.

    Examples
    --------
    >>> [n_translator_blocks(s) for s in [(8, 8), (14, 14), (16, 16), (64, 64), (128,)]]
    [1, 2, 2, 9, 9]
    """
    cells = min(bottleneck_shape)
    return int(min(_MAX_BLOCKS, max(0, math.floor((_BLOCKS_SEE * cells - 1) / 4))))


class _IdentityLinear(nn.Linear):
    """A square linear layer that starts as the identity map."""

    def reset_parameters_from(self, generator):
        with torch.no_grad():
            self.weight.copy_(torch.eye(*self.weight.shape))
            self.bias.zero_()


class MLPTranslator(nn.Module):
    """Maps encoded rows to encoded rows: a linear path plus an MLP, then the head.

    The linear path lets affine relations between the domains be learned at once; the
    hidden layers learn the rest. The linear path starts as the identity matrix, so the
    translator starts near the identity: training moves each sample about as far as
    the target domain demands, and among the translations that match the two
    distributions it finds one close to the plain correspondence of the encoded
    features (from a random start it often finds a mirrored one). The MLP starts
    random: an exact identity would sit in the kink of the cycle loss, which holds
    both translators still.

    Parameters
    ----------
    dim : int
        Size of one encoded row (input and output).
    hidden_dims : tuple of int
        Widths of the hidden layers.
    head : torch.nn.Module or None
        The adapter's output head (tanh units, Gumbel-softmax blocks), called as
        ``head(raw, generator)``; None leaves the output linear.
    """

    def __init__(self, dim, hidden_dims, head=None):
        super().__init__()
        layers, width = _hidden_stack(dim, hidden_dims)
        self.body = nn.Sequential(*layers, nn.Linear(width, dim))
        self.linear_path = _IdentityLinear(dim, dim)
        self.head = head

    @torch.no_grad()
    def start_between(self, source, target):
        """Start the linear path as the per-feature map of ``source``'s moments onto ``target``'s.

        Each encoded feature is shifted and scaled so its mean and standard deviation
        become the target domain's (the identity when the domains agree): translation
        starts from "move each domain onto the other, change nothing else". Without it
        two domains far apart hold the translators still: the cycle loss's pull towards
        the start outweighs what a discriminator that tells the domains apart at once
        passes back.

        Parameters
        ----------
        source, target : torch.Tensor of shape (n_rows, dim)
            Encoded rows of the domain translated from and of the domain translated to.
        """
        source, target = source.float(), target.float()
        source_std, target_std = _spread(source), _spread(target)
        scale = torch.where(source_std > 0, target_std / source_std.clamp_min(1e-12),
                            torch.ones_like(source_std))
        self.linear_path.weight.copy_(torch.diag(scale))
        self.linear_path.bias.copy_(target.mean(dim=0) - scale * source.mean(dim=0))
        return self

    def forward(self, inputs, generator=None):
        raw = self.body(inputs) + self.linear_path(inputs)
        return raw if self.head is None else self.head(raw, generator)


def _spread(rows):
    """Per-feature standard deviation of ``rows``; 0 for a single row (not NaN)."""
    return rows.std(dim=0) if len(rows) > 1 and rows.numel() else torch.zeros_like(rows[0])


class _ResidualBlock(nn.Module):
    def __init__(self, channels, conv, norm):
        super().__init__()
        self.body = nn.Sequential(
            conv(channels, channels, 3, padding=1), norm(channels, affine=True),
            nn.ReLU(inplace=True),
            conv(channels, channels, 3, padding=1), norm(channels, affine=True),
        )

    def forward(self, inputs):
        return inputs + self.body(inputs)


class ConvTranslator(nn.Module):
    """ResNet-style translator for images and signals (Johnson et al., 2016).

    A 3-wide convolution lifts the input to ``width`` channels; up to two strided
    convolutions halve the grid while doubling the channels, never below 8 cells per
    axis (:func:`n_translator_down_steps`); residual blocks transform
    the features; nearest-neighbour upsampling back to the exact sizes seen on the way
    down (so any height, width or length works) and 3-wide convolutions return to the
    input's channels, bounded by a tanh. Instance normalisation throughout, as in
    CycleGAN.

    Parameters
    ----------
    shape : tuple of int
        ``(channels, length)`` or ``(channels, height, width)`` of one sample.
    width : int
        Channels of the first layer.
    n_blocks : int or None, default=None
        Residual blocks at the lowest resolution; None sizes them from that grid
        (:func:`n_translator_blocks`).
    """

    def __init__(self, shape, width, n_blocks=None):
        super().__init__()
        channels, *spatial = shape
        conv, norm = _LAYERS[len(spatial)]
        n_down = n_translator_down_steps(spatial)
        widths = [width * 2**step for step in range(n_down + 1)]
        self.sizes = [tuple(spatial)]
        for _ in range(n_down):
            self.sizes.append(tuple((size + 1) // 2 for size in self.sizes[-1]))
        self.stem = nn.Sequential(conv(channels, width, 3, padding=1),
                                  norm(width, affine=True), nn.ReLU(inplace=True))
        self.down = nn.ModuleList(
            nn.Sequential(conv(w_in, w_out, 3, stride=2, padding=1),
                          norm(w_out, affine=True), nn.ReLU(inplace=True))
            for w_in, w_out in zip(widths[:-1], widths[1:])
        )
        if n_blocks is None:
            n_blocks = n_translator_blocks(self.sizes[-1])
        self.blocks = nn.Sequential(*[_ResidualBlock(widths[-1], conv, norm)
                                      for _ in range(n_blocks)])
        self.up = nn.ModuleList(
            nn.Sequential(conv(w_in, w_out, 3, padding=1),
                          norm(w_out, affine=True), nn.ReLU(inplace=True))
            for w_in, w_out in zip(widths[:0:-1], widths[-2::-1])
        )
        self.out = conv(width, channels, 3, padding=1)
        self.head = None

    def forward(self, inputs, generator=None):
        features = self.stem(inputs)
        for stage in self.down:
            features = stage(features)
        features = self.blocks(features)
        for stage, size in zip(self.up, self.sizes[-2::-1]):
            features = stage(F.interpolate(features, size=size, mode="nearest"))
        return torch.tanh(self.out(features))


class PatchCritic(nn.Module):
    """PatchGAN discriminator (Isola et al., 2017): one score per region of a sample.

    Strided convolutions (kernel 4, stride 2, leaky ReLU) halve the grid down to about
    4 cells per axis; a 3-wide convolution gives one score per cell. Each score sees a
    patch of the input, so the critic judges local texture and shape, and the scores
    are returned flattened, ``(n_samples, n_patches)``.

    Parameters
    ----------
    shape : tuple of int
        ``(channels, length)`` or ``(channels, height, width)`` of one sample.
    width : int
        Channels of the first layer; later ones double, up to 8 times as many.
    pac : int, default=1
        Samples judged together (PacGAN), stacked along the channels.
    """

    def __init__(self, shape, width, pac=1):
        super().__init__()
        channels, *spatial = shape
        conv = _LAYERS[len(spatial)][0]
        self.pac = pac
        widths = [channels * pac] + _stage_widths(width, n_resolution_steps(spatial))
        widths[1] = width
        layers = []
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers += [conv(w_in, w_out, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        self.body = nn.Sequential(*layers, conv(widths[-1], 1, 3, padding=1))

    def forward(self, inputs):
        packed = inputs.reshape(inputs.shape[0] // self.pac, -1, *inputs.shape[2:])
        return self.body(packed).flatten(1)


def make_translator_pair(adapter, *, generator_dims, discriminator_dims, pac=1, device,
                         generator):
    """A translator and a critic for one direction, sized from a fitted adapter.

    Tables and numeric data get :class:`MLPTranslator` and an MLP critic (widths
    ``generator_dims`` and ``discriminator_dims``); images and signals get
    :class:`ConvTranslator` and :class:`PatchCritic` (width from the adapter). The
    critic judges ``pac`` samples together.

    Returns
    -------
    (translator, critic) : tuple of torch.nn.Module
    """
    family = adapter.network_family
    shape = tuple(adapter.encoded_shape_)
    if family in ("conv1d", "conv2d"):
        return (
            build_module(lambda: ConvTranslator(shape, adapter.width), device, generator),
            build_module(lambda: PatchCritic(shape, adapter.width, pac), device, generator),
        )
    if family != "mlp":
        raise ValueError(f"No translation networks are defined for the {family!r} family.")
    dim = math.prod(shape)
    return (
        build_module(lambda: MLPTranslator(dim, tuple(generator_dims), adapter.generator_head()),
                     device, generator),
        build_module(lambda: MLPDiscriminator(dim, tuple(discriminator_dims), pac=pac),
                     device, generator),
    )
