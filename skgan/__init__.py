"""skgan: scikit-learn-style GAN estimators."""

from . import _legacy_modules
from ._engine.threads import fit_threads
from .augmented import AugmentedEstimator
from .conditional import ConditionalGAN
from .cycle import CycleGANTransformer
from .gan import GANSampler
from .io import load, save
from .resampler import GANResampler
from .wgan import WGANSampler

_legacy_modules.install()

__version__ = "0.1.0"

__all__ = [
    "AugmentedEstimator",
    "ConditionalGAN",
    "CycleGANTransformer",
    "GANResampler",
    "GANSampler",
    "WGANSampler",
    "__version__",
    "fit_threads",
    "load",
    "save",
]
