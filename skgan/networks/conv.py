"""DCGAN-style convolutional networks for images (2-D) and signals (1-D).

Both are sized from the shape of one encoded sample, ``(channels, *spatial)``, so any
height, width or length works, not only powers of two: the generator grows a small
grid by doubling it a few times, then crops it to the exact size; the discriminator
halves the grid the same number of times and reads the result with a linear layer.
"""

import math

import torch
from torch import nn

from .spectral import SpectralNormConv, SpectralNormLinear

_LAYERS = {
    1: (nn.Conv1d, nn.ConvTranspose1d, nn.BatchNorm1d),
    2: (nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d),
}

#: Channels are capped at this multiple of ``width``.
_MAX_WIDTH_FACTOR = 8


def n_resolution_steps(spatial_shape):
    """How many times the networks halve (or double) the grid: down to about 4 cells.

    Examples
    --------
    >>> n_resolution_steps((8, 8)), n_resolution_steps((28, 28)), n_resolution_steps((64,))
    (1, 2, 4)
    """
    return max(1, int(math.floor(math.log2(min(spatial_shape) / 4))))


def _stage_widths(width, n_steps):
    """Channels after each discriminator stage: doubling from ``2 * width``, capped."""
    cap = _MAX_WIDTH_FACTOR * width
    return [min(width * 2 ** (step + 1), cap) for step in range(n_steps)]


class NoiseInjection(nn.Module):
    """Adds Gaussian noise with a learned scale per channel (zero at the start).

    A generator driven only by a low-dimensional latent vector struggles to make
    pixel- or sample-level noise (sensor noise, grain); this layer gives it a direct
    source, as StyleGAN's noise inputs do. The noise is drawn from the ``generator``
    passed to :meth:`forward`, the estimator's own, so ``random_state`` still fixes it.

    Parameters
    ----------
    channels : int
        Channels of the input; each gets its own scale.
    """

    def __init__(self, channels):
        super().__init__()
        self.scale = nn.Parameter(torch.empty(channels))

    def reset_parameters_from(self, generator):
        with torch.no_grad():
            self.scale.zero_()

    def forward(self, inputs, generator=None):
        device = inputs.device if generator is None else generator.device
        noise = torch.randn(inputs.shape, generator=generator, device=device)
        scale = self.scale.reshape(1, -1, *[1] * (inputs.ndim - 2))
        return inputs + scale * noise.to(inputs.device, inputs.dtype)


class ConvGenerator(nn.Module):
    """Maps latent vectors (and an optional condition) to images or signals.

    A linear layer makes a grid of ``ceil(size / 2**k)`` cells per axis; ``k`` stages
    (batch normalisation, ReLU) double it while halving the channels: transposed
    convolutions (kernel 4, stride 2) for images, nearest-neighbour upsampling and a
    3-wide convolution for signals (whose spectra show the transposed convolution's
    periodic artefacts); a 3-wide convolution gives the output channels, a tanh bounds
    the values to [-1, 1], per-pixel noise of a learned scale is added
    (:class:`NoiseInjection`) and the grid is cropped to the exact size.
    Images get the noise before the tanh, which can then saturate it away (the flat
    background of a digit); signals get it after, so its level does not shrink where the
    signal nears the ends of its range: sensor noise adds to the signal whatever its
    level (and estimators may set its scale from the data after training, see
    :func:`skgan.networks.matching_noise_scale`). Decoding clips samples to the
    training range.

    Parameters
    ----------
    latent_dim : int
        Size of the latent noise vector.
    output_shape : tuple of int
        ``(channels, length)`` or ``(channels, height, width)`` of one sample.
    width : int
        Channels of the last stage; earlier stages have up to 8 times as many.
    condition_dim : int, default=0
        Size of a conditioning vector concatenated to the noise (0: none).
    """

    def __init__(self, latent_dim, output_shape, width, condition_dim=0):
        super().__init__()
        channels, *spatial = output_shape
        conv, conv_transpose, batch_norm = _LAYERS[len(spatial)]
        n_steps = n_resolution_steps(spatial)
        self.output_shape = tuple(output_shape)
        self.base_shape = tuple(math.ceil(size / 2**n_steps) for size in spatial)
        widths = list(reversed(_stage_widths(width, n_steps))) + [width]
        self.base_channels = widths[0]
        self.project = nn.Linear(
            latent_dim + condition_dim, widths[0] * math.prod(self.base_shape)
        )
        stages = []
        for in_channels, out_channels in zip(widths[:-1], widths[1:]):
            if len(spatial) == 1:  # fewer periodic artefacts in the spectrum
                upsample = [nn.Upsample(scale_factor=2, mode="nearest"),
                            conv(in_channels, out_channels, 3, padding=1, bias=False)]
            else:  # about 1.4x faster than upsampling + 3x3 convolution, as good
                upsample = [conv_transpose(in_channels, out_channels, 4, stride=2, padding=1,
                                           bias=False)]
            stages += [
                *upsample,
                batch_norm(out_channels),
                nn.ReLU(inplace=True),
            ]
        self.body = nn.Sequential(
            batch_norm(widths[0]), nn.ReLU(inplace=True), *stages,
            conv(widths[-1], channels, 3, padding=1),
        )
        self.noise = NoiseInjection(channels)
        self.noise_after_tanh = len(spatial) == 1
        self.head = None

    def forward(self, latent, condition=None, generator=None):
        return self._output(latent, condition, generator, with_noise=True)

    def noiseless_output(self, latent, condition=None):
        """The output without the injected noise: a deterministic function of the latent
        vector (and condition), for decoding given codes and inverting the generator."""
        return self._output(latent, condition, None, with_noise=False)

    def _output(self, latent, condition, generator, with_noise):
        inputs = latent if condition is None else torch.cat([latent, condition], dim=1)
        grid = self.project(inputs).reshape(-1, self.base_channels, *self.base_shape)
        noise = (lambda values: self.noise(values, generator)) if with_noise else (
            lambda values: values)
        if self.noise_after_tanh:
            output = noise(torch.tanh(self.body(grid)))
        else:
            output = torch.tanh(noise(self.body(grid)))
        spatial = self.output_shape[1:]
        if output.shape[2:] != spatial:
            output = output[(..., *[slice(0, size) for size in spatial])]
        return output


def downsampling_stack(in_channels, spatial, width, conv=None):
    """The discriminator's convolutions: lift to ``width`` channels, then halve the grid.

    Returns the ``nn.Sequential`` and the number of features it outputs per sample
    (flattened). ``conv`` builds a layer (default: the plain convolution of the grid's
    dimensions).
    """
    conv = _LAYERS[len(spatial)][0] if conv is None else conv
    widths = [width] + _stage_widths(width, n_resolution_steps(spatial))
    layers = [conv(in_channels, width, 3, padding=1), nn.LeakyReLU(0.2, inplace=True)]
    size = list(spatial)
    for stage_in, stage_out in zip(widths[:-1], widths[1:]):
        layers += [
            conv(stage_in, stage_out, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        size = [(s + 2 - 4) // 2 + 1 for s in size]
    return nn.Sequential(*layers), widths[-1] * math.prod(size)


class ConvDiscriminator(nn.Module):
    """Scores images or signals (and an optional condition) with one logit per pack.

    A 3-wide convolution lifts the input to ``width`` channels, then ``k`` strided
    convolutions (kernel 4, stride 2, leaky ReLU) halve the grid while doubling the
    channels; a linear layer reads the flattened result. A condition enters by
    projection (Miyato & Koyama, 2018): the score adds the inner product of a learned
    embedding of the condition with those features, so the discriminator judges the
    (sample, condition) pair rather than each part on its own.
    There is no batch normalisation, so a batch of real and fake samples can be scored
    in one pass and gradient penalties stay per sample.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, length)`` or ``(channels, height, width)`` of one sample.
    width : int
        Channels of the first layer; later ones have up to 8 times as many.
    condition_dim : int, default=0
        Size of a conditioning vector appended to the features (0: none).
    spectral_norm : bool, default=False
        Divide each layer's weight by its spectral norm.
    pac : int, default=1
        Samples judged together (PacGAN), stacked along the channels.
    """

    def __init__(self, input_shape, width, condition_dim=0, spectral_norm=False, pac=1):
        super().__init__()
        channels, *spatial = input_shape
        n_dims = len(spatial)
        self.pac = pac
        if spectral_norm:
            def conv(*args, **kwargs):
                return SpectralNormConv(n_dims, *args, **kwargs)
            linear = SpectralNormLinear
        else:
            conv, linear = _LAYERS[n_dims][0], nn.Linear
        self.features, n_features = downsampling_stack(channels * pac, spatial, width, conv)
        self.read_out = linear(n_features, 1)
        self.embed = (
            nn.Linear(condition_dim * pac, n_features, bias=False) if condition_dim else None
        )

    def forward(self, inputs, condition=None):
        packed = inputs.reshape(inputs.shape[0] // self.pac, -1, *inputs.shape[2:])
        features = self.features(packed).flatten(1)
        scores = self.read_out(features).squeeze(1)
        if condition is not None:
            condition = condition.reshape(features.shape[0], -1)
            scores = scores + (self.embed(condition) * features).sum(dim=1)
        return scores
