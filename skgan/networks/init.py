"""Building networks without touching torch's global random generator.

Modules are first built on the ``meta`` device (no memory, no random draws), then
materialised on the target device and initialised from the estimator's own
``torch.Generator``. That keeps ``random_state`` the only source of randomness and leaves
the user's global torch seed untouched.
"""

import math
import warnings

import torch
from torch import nn

from .spectral import _SpectralNormalized

_WEIGHTED_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d)
_NORM_LAYERS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.InstanceNorm1d,
                nn.InstanceNorm2d, nn.GroupNorm)


def build_module(factory, device, generator):
    """Build ``factory()`` on ``device`` with weights drawn from ``generator``.

    Parameters
    ----------
    factory : callable
        Returns a fresh ``torch.nn.Module``; called under the ``meta`` device.
    device : torch.device
        Where the module's tensors live.
    generator : torch.Generator
        Source of the initial weights. It may live on another device than ``device``:
        weights are drawn on the generator's device and copied.
    """
    with torch.device("meta"), warnings.catch_warnings():
        # torch initialises each layer as it builds it (on the meta device, drawing
        # nothing; initialize_module draws the weights); a layer of no units, as a
        # table of constant columns encodes to, says that this does nothing.
        warnings.filterwarnings("ignore", message="Initializing zero-element tensors")
        module = factory()
    module = module.to_empty(device=device)
    initialize_module(module, generator)
    return module


def initialize_module(module, generator):
    """Initialise every layer of ``module`` in place from ``generator``.

    Linear and convolutional layers get PyTorch's default uniform(-1/sqrt(fan_in),
    1/sqrt(fan_in)) weights and biases; normalisation layers start at the identity. A
    layer of another kind initialises its own parameters and buffers through a
    ``reset_parameters_from(generator)`` method; one with neither raises ``TypeError``
    rather than being left uninitialised.
    """
    for layer in module.modules():
        if hasattr(layer, "reset_parameters_from"):
            layer.reset_parameters_from(generator)
        elif isinstance(layer, (*_WEIGHTED_LAYERS, _SpectralNormalized)):
            _init_weighted(layer, generator)
        elif isinstance(layer, _NORM_LAYERS):
            _init_norm(layer)
        elif list(layer.parameters(recurse=False)) or list(layer.buffers(recurse=False)):
            raise TypeError(f"No initialisation rule for layer {type(layer).__name__}.")
    return module


def _uniform(tensor, bound, generator):
    values = torch.empty(tensor.shape, device=generator.device, dtype=tensor.dtype)
    values.uniform_(-bound, bound, generator=generator)
    with torch.no_grad():
        tensor.copy_(values)


def _normal(tensor, generator):
    values = torch.empty(tensor.shape, device=generator.device, dtype=tensor.dtype)
    values.normal_(generator=generator)
    with torch.no_grad():
        tensor.copy_(values)


def _init_weighted(layer, generator):
    weight = layer.weight
    fan_in = weight.shape[1] * math.prod(weight.shape[2:])
    bound = 1.0 / math.sqrt(max(fan_in, 1))
    _uniform(weight, bound, generator)
    if layer.bias is not None:
        _uniform(layer.bias, bound, generator)
    if isinstance(layer, _SpectralNormalized):
        _normal(layer.left_singular, generator)
        layer.reset_singular_vector()


def _init_norm(layer):
    with torch.no_grad():
        if getattr(layer, "weight", None) is not None:
            layer.weight.fill_(1.0)
        if getattr(layer, "bias", None) is not None:
            layer.bias.zero_()
        if getattr(layer, "running_mean", None) is not None:
            layer.running_mean.zero_()
            layer.running_var.fill_(1.0)
            layer.num_batches_tracked.zero_()
