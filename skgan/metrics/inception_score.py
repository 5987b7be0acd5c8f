"""Inception Score from class probabilities (Salimans et al., 2016)."""

import numpy as np
import torch

from .distances import to_numpy


def inception_score(probs, n_splits=10):
    """Inception Score of generated samples from their class probabilities.

    ``exp(E_x KL(p(y|x) || p(y)))`` computed on each of ``n_splits`` consecutive splits
    of the samples, where ``p(y)`` is the split's mean prediction. High when each sample
    is confidently one class (quality) and classes are balanced (diversity); it ranges
    from 1 to the number of classes. The classifier need not be Inception: any model of
    the data's classes works (see :func:`class_probabilities`).

    Parameters
    ----------
    probs : array-like of shape (n_samples, n_classes)
        Class probabilities of the generated samples (rows sum to 1); numpy or torch.
    n_splits : int, default=10
        Number of splits; the spread of the per-split scores is the returned std.

    Returns
    -------
    (mean, std) : tuple of float

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import inception_score
    >>> confident_and_balanced = np.eye(10)[np.arange(1000) % 10]
    >>> mean, std = inception_score(confident_and_balanced)
    >>> round(mean, 6), round(std, 6)
    (10.0, 0.0)
    >>> round(inception_score(np.full((1000, 10), 0.1))[0], 6)
    1.0
    """
    given_dtype = probs.dtype if isinstance(probs, (torch.Tensor, np.ndarray)) else None
    probs = to_numpy(probs)
    if probs.ndim != 2:
        raise ValueError(f"probs must be 2-D (n_samples, n_classes), got {probs.ndim}-D.")
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise ValueError("probs must be finite and non-negative.")
    # Rows of half-precision softmax outputs sum to 1 within their rounding only.
    half = given_dtype in (np.float16, torch.float16, torch.bfloat16)
    tolerance = 1e-2 if half else 1e-4
    sums = probs.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=tolerance):
        worst = float(sums[np.argmax(np.abs(sums - 1.0))])
        raise ValueError(f"each row of probs must sum to 1 (pass probabilities, not logits); "
                         f"a row sums to {worst:.6g}.")
    if half:
        probs = probs / sums[:, None]
    if not isinstance(n_splits, (int, np.integer)) or isinstance(n_splits, bool):
        raise ValueError(f"n_splits must be an integer, got {n_splits!r}.")
    if not 1 <= n_splits <= len(probs):
        raise ValueError(f"n_splits must be in [1, n_samples={len(probs)}], got {n_splits}.")
    scores = []
    for split in np.array_split(probs, n_splits):
        marginal = split.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(split > 0, split * (np.log(split) - np.log(marginal)), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))
