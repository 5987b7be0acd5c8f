"""Data adapters: encode user data for the networks and decode samples back."""

from sklearn.base import clone

import numpy as np
import pandas as pd

from .base import BaseAdapter
from .image import ImageAdapter
from .numeric import NumericAdapter
from .signal import SignalAdapter
from .tabular import TabularAdapter

ADAPTERS = {
    "image": ImageAdapter,
    "numeric": NumericAdapter,
    "signal": SignalAdapter,
    "tabular": TabularAdapter,
}


def resolve_adapter(adapter, X):
    """Return an unfitted adapter for ``X`` from the ``adapter`` parameter.

    ``"auto"`` picks by the data's kind: :class:`ImageAdapter` for 3-D arrays (read as
    ``(N, H, W)``) and 4-D arrays, :class:`TabularAdapter` for DataFrames and 2-D data
    (1-D signals need ``"signal"``). A name picks from :data:`ADAPTERS`; an adapter
    instance is cloned, so the estimator's parameter is never modified.
    """
    if isinstance(adapter, BaseAdapter):
        return clone(adapter)
    if adapter == "auto":
        n_dims = _n_dims(X)
        if n_dims > 4:
            raise ValueError(
                f"X is {n_dims}-D, which no adapter reads: tables are 2-D (rows, columns), "
                "images 3-D (N, H, W) or 4-D (N, C, H, W) or (N, H, W, C), and signals 2-D "
                "(N, L) or 3-D (N, C, L) with adapter='signal'.")
        return ImageAdapter() if n_dims in (3, 4) else TabularAdapter()
    if adapter in ADAPTERS:
        return ADAPTERS[adapter]()
    raise ValueError(
        f"adapter={adapter!r} is not known; use 'auto', one of {sorted(ADAPTERS)}, "
        "or an adapter instance."
    )


def _n_dims(X):
    """Dimensions of array-like ``X`` (2 for tables and anything numpy cannot read)."""
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return 2
    n_dims = getattr(X, "ndim", None)
    if isinstance(n_dims, int):
        return n_dims
    try:  # through __array__, which every array-like has (np.ndim may not be served)
        return np.asarray(X).ndim
    except ValueError:  # ragged nested lists: let the tabular checks report them
        return 2


__all__ = [
    "ADAPTERS",
    "BaseAdapter",
    "ImageAdapter",
    "NumericAdapter",
    "SignalAdapter",
    "TabularAdapter",
    "resolve_adapter",
]
