"""Choose and build the generator/discriminator pair a data adapter asks for."""

import math

from .init import build_module
from .mlp import MLPDiscriminator, MLPGenerator


def make_network_pair(adapter, *, latent_dim, generator_dims, discriminator_dims,
                      condition_dim=0, spectral_norm=False, pac=1, device, generator):
    """Build a generator and a discriminator sized from a fitted adapter.

    Parameters
    ----------
    adapter : BaseAdapter
        Fitted; its ``network_family`` picks the architecture and ``encoded_shape_``
        sizes the generator's output and the discriminator's input.
    latent_dim : int
        Size of the noise vector.
    generator_dims, discriminator_dims : tuple of int
        Hidden widths.
    condition_dim : int, default=0
        Size of a conditioning vector fed to both networks.
    spectral_norm : bool, default=False
        Spectral normalisation in the discriminator.
    pac : int, default=1
        Rows the discriminator judges together.
    device : torch.device
    generator : torch.Generator
        Draws the initial weights.

    Returns
    -------
    (generator_network, discriminator_network) : tuple of torch.nn.Module
    """
    family = adapter.network_family
    if family != "mlp":
        raise ValueError(f"No networks are defined for the {family!r} family.")
    output_dim = math.prod(adapter.encoded_shape_)
    generator_network = build_module(
        lambda: MLPGenerator(
            latent_dim, output_dim, tuple(generator_dims), condition_dim,
            adapter.generator_head(),
        ),
        device,
        generator,
    )
    discriminator_network = build_module(
        lambda: MLPDiscriminator(
            output_dim, tuple(discriminator_dims), condition_dim, spectral_norm, pac,
        ),
        device,
        generator,
    )
    return generator_network, discriminator_network
