"""Networks sized from what a data adapter reports."""

from .factory import make_network_pair
from .init import build_module, initialize_module
from .mlp import MLPDiscriminator, MLPGenerator
from .noise_floor import matching_noise_scale
from .spectral import SpectralNormLinear

__all__ = [
    "MLPDiscriminator",
    "MLPGenerator",
    "SpectralNormLinear",
    "build_module",
    "initialize_module",
    "make_network_pair",
    "matching_noise_scale",
]
