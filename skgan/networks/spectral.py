"""Layers whose weight is divided by its spectral norm (Miyato et al., 2018)."""

import torch
from torch import nn
from torch.nn import functional as F


class _SpectralNormalized(nn.Module):
    """Weight, bias and one power iteration per call on the weight as a matrix.

    The weight is viewed as a ``(out_features, -1)`` matrix (a convolution's kernel
    flattened per output channel). The estimate of its leading left singular vector is
    a buffer, updated (without gradient) on every forward pass in training mode and
    frozen in eval mode. It is part of the module's own state and initialised from the
    estimator's generator, so training stays reproducible.
    """

    def __init__(self, weight_shape, eps=1e-12):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(weight_shape))
        self.bias = nn.Parameter(torch.empty(weight_shape[0]))
        self.register_buffer("left_singular", torch.empty(weight_shape[0]))

    def reset_singular_vector(self):
        """Normalise the singular-vector buffer after it was drawn at random."""
        with torch.no_grad():
            self.left_singular.copy_(F.normalize(self.left_singular, dim=0, eps=self.eps))

    def normalized_weight(self):
        """The weight divided by the current estimate of its largest singular value."""
        matrix = self.weight.flatten(1)
        with torch.no_grad():
            left = self.left_singular
            right = F.normalize(matrix.t() @ left, dim=0, eps=self.eps)
            if self.training:
                left = F.normalize(matrix @ right, dim=0, eps=self.eps)
                self.left_singular.copy_(left)
                left = left.clone()
        sigma = torch.dot(left, matrix @ right)
        return self.weight / sigma


class SpectralNormLinear(_SpectralNormalized):
    """Linear layer with spectral normalisation by one power iteration per call.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and output.
    eps : float, default=1e-12
        Guards the normalisation of the singular vectors.
    """

    def __init__(self, in_features, out_features, eps=1e-12):
        super().__init__((out_features, in_features), eps)
        self.in_features = in_features
        self.out_features = out_features

    def forward(self, inputs):
        return F.linear(inputs, self.normalized_weight(), self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}"


class SpectralNormConv(_SpectralNormalized):
    """1-D or 2-D convolution with spectral normalisation of its kernel.

    Parameters
    ----------
    n_dims : {1, 2}
        Spatial dimensions of the input.
    in_channels, out_channels, kernel_size, stride, padding : int
        As for :class:`torch.nn.Conv1d` / :class:`torch.nn.Conv2d` (square kernels).
    eps : float, default=1e-12
        Guards the normalisation of the singular vectors.
    """

    def __init__(self, n_dims, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 eps=1e-12):
        super().__init__((out_channels, in_channels, *[kernel_size] * n_dims), eps)
        self.convolve = F.conv1d if n_dims == 1 else F.conv2d
        self.stride, self.padding = stride, padding

    def forward(self, inputs):
        return self.convolve(
            inputs, self.normalized_weight(), self.bias, stride=self.stride, padding=self.padding
        )

    def extra_repr(self):
        out_channels, in_channels, *kernel = self.weight.shape
        return (f"{in_channels}, {out_channels}, kernel_size={tuple(kernel)}, "
                f"stride={self.stride}, padding={self.padding}")
