"""Unpaired two-domain data: shape checks, domain sizes, batches drawn per domain."""

import numpy as np
import scipy.sparse as sp
import torch


def cycled_permutation(n_items, n_draws, generator):
    """``n_draws`` indices below ``n_items``: shuffled passes, each item once per pass."""
    n_passes = -(-n_draws // n_items)
    passes = [torch.randperm(n_items, generator=generator, device=generator.device)
              for _ in range(n_passes)]
    return torch.cat(passes)[:n_draws]


def domain_sizes(in_b):
    """Rows of domain A and of domain B, given whether each row is of B."""
    return int((~in_b).sum()), int(in_b.sum())


def check_one_shape(X):
    """Refuse sparse input and a list of samples of several shapes."""
    if sp.issparse(X):
        raise TypeError("Sparse input is not supported; pass a dense array (X.toarray()).")
    if isinstance(X, (list, tuple)) and len(X):
        shapes = {np.shape(row) for row in X}
        if len(shapes) > 1:
            raise ValueError(
                f"The samples of X have different shapes {sorted(shapes)[:4]}; both domains "
                "must hold samples of one shape (resize or pad them first)."
            )
