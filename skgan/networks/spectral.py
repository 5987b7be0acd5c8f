"""A linear layer whose weight is divided by its spectral norm (Miyato et al., 2018)."""

import torch
from torch import nn
from torch.nn import functional as F


class SpectralNormLinear(nn.Module):
    """Linear layer with spectral normalisation by one power iteration per call.

    The estimate of the leading left singular vector is a buffer, updated (without
    gradient) on every forward pass in training mode and frozen in eval mode. It is
    part of the module's own state and initialised from the estimator's generator, so
    training stays reproducible.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and output.
    eps : float, default=1e-12
        Guards the normalisation of the singular vectors.
    """

    def __init__(self, in_features, out_features, eps=1e-12):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.register_buffer("left_singular", torch.empty(out_features))

    def reset_singular_vector(self):
        """Normalise the singular-vector buffer after it was drawn at random."""
        with torch.no_grad():
            self.left_singular.copy_(F.normalize(self.left_singular, dim=0, eps=self.eps))

    def normalized_weight(self):
        """The weight divided by the current estimate of its largest singular value."""
        with torch.no_grad():
            left = self.left_singular
            right = F.normalize(self.weight.t() @ left, dim=0, eps=self.eps)
            if self.training:
                left = F.normalize(self.weight @ right, dim=0, eps=self.eps)
                self.left_singular.copy_(left)
                left = left.clone()
        sigma = torch.dot(left, self.weight @ right)
        return self.weight / sigma

    def forward(self, inputs):
        return F.linear(inputs, self.normalized_weight(), self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}"
