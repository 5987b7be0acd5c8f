"""Unpaired two-domain data: shape checks, domain sizes, batches drawn per domain."""

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.utils.validation import _num_samples, column_or_1d


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


def plain_labels(y):
    """Labels as NumPy values of their own type: pandas' nullable booleans, integers
    and floats (with no missing value) as bool, int64 and float64, a categorical's as
    its categories' type. NumPy reads the nullable ones as floats (``True`` became
    1.0, and integers beyond 2**53 other integers)."""
    dtype = getattr(y, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(y).astype(dtype.categories.dtype).to_numpy()
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and numpy_dtype is not None \
            and not pd.isna(pd.Series(y)).any():
        return pd.Series(y).to_numpy(dtype=numpy_dtype)
    return y


def refuse_mixed_labels(y):
    """A TypeError naming ``y`` when its labels mix text and numbers, which cannot be
    sorted into classes (numpy's own error names neither ``y`` nor the fix)."""
    labels = np.asarray(y)
    if labels.dtype != object:
        return
    kinds = {"text" if isinstance(label, (str, bytes)) else "numbers" for label in labels}
    if len(kinds) > 1:
        raise TypeError("y mixes text and numbers (e.g. 'a' and 1); give every label as "
                        "text or every label as a number.")


def domain_mask(estimator_name, X, y, classes=None):
    """Check the domains ``y`` of the rows of ``X``; return (in domain B, classes).

    ``classes`` None (a first fit): ``y`` must hold exactly two values, which become
    the sorted classes. Otherwise every value of ``y`` must be one of ``classes``.
    """
    if y is None:
        raise ValueError(
            f"{estimator_name} requires y to be passed, but the target y is None: "
            "y holds the domain of each row of X (two values)."
        )
    y = column_or_1d(plain_labels(y), warn=True)
    if pd.isna(y.astype(object)).any():  # np.unique cannot sort None among domains
        raise ValueError("y has missing domains (None or NaN); drop those rows first.")
    refuse_mixed_labels(y)
    if len(y) != _num_samples(X):
        raise ValueError(f"X has {_num_samples(X)} rows but y has {len(y)}; they must match.")
    if classes is None:
        classes = np.unique(y)
        if len(classes) != 2:
            n_classes = f"{len(classes)} class" + ("" if len(classes) == 1 else "es")
            raise ValueError(
                f"y must hold exactly two domains (classes); got {n_classes}: "
                f"{classes.tolist()[:10]}."
            )
    unknown = np.setdiff1d(y, classes)
    if len(unknown):
        raise ValueError(
            f"y holds domains {unknown.tolist()[:10]} not seen in fit; the domains are "
            f"{classes.tolist()}."
        )
    return y == classes[1], classes
