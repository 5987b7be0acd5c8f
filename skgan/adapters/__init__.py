"""Data adapters: encode user data for the networks and decode samples back."""

from sklearn.base import clone

from .base import BaseAdapter
from .numeric import NumericAdapter
from .tabular import TabularAdapter

ADAPTERS = {"numeric": NumericAdapter, "tabular": TabularAdapter}


def resolve_adapter(adapter, X):
    """Return an unfitted adapter for ``X`` from the ``adapter`` parameter.

    ``"auto"`` picks by the data's kind; a name picks from :data:`ADAPTERS`; an adapter
    instance is cloned, so the estimator's parameter is never modified.
    """
    if isinstance(adapter, BaseAdapter):
        return clone(adapter)
    if adapter == "auto":
        return TabularAdapter()
    if adapter in ADAPTERS:
        return ADAPTERS[adapter]()
    raise ValueError(
        f"adapter={adapter!r} is not known; use 'auto', one of {sorted(ADAPTERS)}, "
        "or an adapter instance."
    )


__all__ = ["ADAPTERS", "BaseAdapter", "NumericAdapter", "TabularAdapter", "resolve_adapter"]
