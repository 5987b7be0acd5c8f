"""skgan: scikit-learn-style GAN estimators."""

from .conditional import ConditionalGAN
from .gan import GANSampler
from .wgan import WGANSampler

__version__ = "0.1.0"

__all__ = ["ConditionalGAN", "GANSampler", "WGANSampler", "__version__"]
