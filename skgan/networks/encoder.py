"""Encoders: networks that map encoded data back to latent codes (generator inversion)."""

import math

from torch import nn

from .conv import downsampling_stack
from .init import build_module
from .mlp import _hidden_stack


class MLPEncoder(nn.Module):
    """Maps encoded rows to latent vectors through a stack of leaky-ReLU layers.

    Parameters
    ----------
    input_dim : int
        Size of one encoded sample.
    hidden_dims : tuple of int
        Widths of the hidden layers.
    latent_dim : int
        Size of the latent vector it predicts.
    """

    def __init__(self, input_dim, hidden_dims, latent_dim):
        super().__init__()
        layers, width = _hidden_stack(input_dim, hidden_dims)
        self.body = nn.Sequential(*layers, nn.Linear(width, latent_dim))

    def forward(self, inputs):
        return self.body(inputs.reshape(inputs.shape[0], -1))


class ConvEncoder(nn.Module):
    """Maps images or signals to latent vectors: the discriminator's convolutions (grid
    halved, channels doubled) read by a linear layer of ``latent_dim`` outputs.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, length)`` or ``(channels, height, width)`` of one sample.
    width : int
        Channels of the first layer.
    latent_dim : int
        Size of the latent vector it predicts.
    """

    def __init__(self, input_shape, width, latent_dim):
        super().__init__()
        channels, *spatial = input_shape
        self.features, n_features = downsampling_stack(channels, spatial, width)
        self.read_out = nn.Linear(n_features, latent_dim)

    def forward(self, inputs):
        return self.read_out(self.features(inputs).flatten(1))


def make_encoder(adapter, *, latent_dim, hidden_dims, device, generator):
    """An encoder for a fitted adapter's encoded samples, of the family its networks use.

    Parameters
    ----------
    adapter : BaseAdapter
        Fitted; ``network_family`` and ``encoded_shape_`` size the encoder as
        :func:`~skgan.networks.make_network_pair` sizes the discriminator.
    latent_dim : int
        Size of the latent vector.
    hidden_dims : tuple of int
        Hidden widths of the MLP family (the convolutional ones take the adapter's
        ``width``).
    device : torch.device
    generator : torch.Generator
        Draws the initial weights.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skgan.adapters import NumericAdapter
    >>> adapter = NumericAdapter().fit(np.zeros((10, 3)))
    >>> encoder = make_encoder(adapter, latent_dim=4, hidden_dims=(8,), device="cpu",
    ...                        generator=torch.Generator().manual_seed(0))
    >>> encoder(torch.zeros(5, 3)).shape
    torch.Size([5, 4])
    """
    shape = tuple(adapter.encoded_shape_)
    if adapter.network_family == "mlp":
        def factory():
            return MLPEncoder(math.prod(shape), tuple(hidden_dims), latent_dim)
    else:
        def factory():
            return ConvEncoder(shape, adapter.width, latent_dim)
    return build_module(factory, device, generator)
