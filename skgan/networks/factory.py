"""Choose and build the generator/discriminator pair a data adapter asks for."""

import math

from .conv import ConvDiscriminator, ConvGenerator
from .init import build_module
from .mlp import MLPDiscriminator, MLPGenerator

FAMILIES = ("mlp", "conv1d", "conv2d")


def make_network_pair(adapter, *, latent_dim, generator_dims, discriminator_dims,
                      condition_dim=0, spectral_norm=False, pac=1, projection=False, device,
                      generator):
    """Build a generator and a discriminator sized from a fitted adapter.

    Parameters
    ----------
    adapter : BaseAdapter
        Fitted; its ``network_family`` picks the architecture ("mlp", "conv1d" or
        "conv2d") and ``encoded_shape_`` sizes the generator's output and the
        discriminator's input. Convolutional families take their channel count from the
        adapter's ``width``.
    latent_dim : int
        Size of the noise vector.
    generator_dims, discriminator_dims : tuple of int
        Hidden widths of the MLP family (unused by the convolutional ones).
    condition_dim : int, default=0
        Size of a conditioning vector fed to both networks.
    spectral_norm : bool, default=False
        Spectral normalisation in the discriminator.
    pac : int, default=1
        Rows the discriminator judges together.
    projection : bool, default=False
        The MLP discriminator takes the condition by projection rather than at its
        input (convolutional discriminators always project).
    device : torch.device
    generator : torch.Generator
        Draws the initial weights.

    Returns
    -------
    (generator_network, discriminator_network) : tuple of torch.nn.Module
    """
    family = adapter.network_family
    if family not in FAMILIES:
        raise ValueError(f"No networks are defined for the {family!r} family.")
    if family != "mlp":
        shape = tuple(adapter.encoded_shape_)
        return (
            build_module(
                lambda: ConvGenerator(latent_dim, shape, adapter.width, condition_dim),
                device, generator,
            ),
            build_module(
                lambda: ConvDiscriminator(shape, adapter.width, condition_dim, spectral_norm, pac),
                device, generator,
            ),
        )
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
            projection,
        ),
        device,
        generator,
    )
    return generator_network, discriminator_network
