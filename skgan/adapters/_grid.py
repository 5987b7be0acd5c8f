"""What the image and signal adapters share: arrays of samples on a regular grid.

Both turn an array of samples into ``(n_samples, channels, *spatial)`` float32 values
in [-1, 1] (the range of the generator's tanh), each channel scaled by the range seen
in training, and turn generated values back into the layout, dtype and value range
``fit`` saw.
"""

import numbers
import warnings
from abc import abstractmethod

import numpy as np
import pandas as pd

from .base import BaseAdapter


class GridAdapter(BaseAdapter):
    """Base class of adapters for arrays of images or signals. Not for direct use.

    Subclasses set ``kind`` (a word for error messages) and implement
    :meth:`_layout_of` (the layout of a checked array), :meth:`_to_channels_first`
    and :meth:`_from_channels_first`, and :meth:`_check_spatial`.
    """

    input_checks = {"allow_nd": True, "ensure_min_samples": 2, "dtype": None}

    #: A word for the samples in error messages ("image", "signal").
    kind = "sample"

    #: Whether ``uint8`` samples scale from 0-255 (pixels) rather than from the range
    #: seen in training.
    uint8_full_range = False

    def __init__(self, width=64):
        self.width = width

    # ------------------------------------------------------------------ checks
    def check_input(self, X):
        self._checked_array(X)

    def _checked_array(self, X, like_fit=True):
        """``X`` as a checked ndarray and its layout (one pass over the values).

        With ``like_fit``, a fitted adapter also refuses samples of another shape.
        """
        array = self._as_array(X)
        layout = self._layout_of(array)
        spatial = self._to_channels_first(array[:0], layout).shape[2:]
        self._check_spatial(spatial, layout)
        if like_fit and hasattr(self, "layout_"):
            if layout != self.layout_ or array.shape[1:] != self.sample_shape_:
                raise ValueError(
                    f"{type(self).__name__} was fitted on {self.kind}s of shape "
                    f"{self.sample_shape_} (layout {self.layout_}); got {array.shape[1:]} "
                    f"(layout {layout})."
                )
        return array, layout

    def _as_array(self, X):
        name = type(self).__name__
        if isinstance(X, (pd.DataFrame, pd.Series)):
            raise TypeError(
                f"{name} needs an array of {self.kind}s, got a {type(X).__name__}; pass "
                "X.to_numpy() in the layout the adapter documents."
            )
        try:
            array = np.asarray(X)
        except ValueError:  # numpy: "inhomogeneous shape"
            raise ValueError(
                f"{name} needs {self.kind}s of one shape; the {self.kind}s passed differ "
                f"in shape (pad or crop them to one).") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} needs numeric {self.kind}s (bool, integer or float), got an array "
                f"of dtype {array.dtype}."
            )
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(
                f"{name}: the {self.kind}s contain NaN or infinite values; remove or fill "
                "them first."
            )
        return array

    def _check_params(self):
        if (isinstance(self.width, bool) or not isinstance(self.width, numbers.Integral)
                or self.width < 1):
            raise ValueError(f"width must be a positive integer, got {self.width!r}.")

    # ------------------------------------------------------------------ fit, encode, decode
    def fit(self, X):
        self._check_params()
        # Checked in full before any attribute is set: a refused X leaves the adapter
        # as it was.
        array, layout = self._checked_array(X, like_fit=False)
        if len(array) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 {self.kind}s to fit.")
        self.layout_ = layout
        self.sample_shape_ = array.shape[1:]
        self.dtype_ = array.dtype
        self.whole_numbers_ = array.dtype.kind in "biu" or bool(
            (array == np.round(array)).all()
        )
        channels = self._to_channels_first(array, self.layout_)
        self.encoded_shape_ = channels.shape[1:]
        axes = (0, *range(2, channels.ndim))
        if array.dtype == np.uint8 and self.uint8_full_range:
            low = np.zeros(channels.shape[1])
            high = np.full(channels.shape[1], 255.0)
        else:
            low = channels.min(axis=axes).astype(np.float64)
            high = channels.max(axis=axes).astype(np.float64)
        self.data_min_, self.data_max_ = low, high
        return self

    def _scale(self):
        """Per-channel centre and half-range, broadcastable over (n, channels, ...)."""
        extra = (1,) * len(self.encoded_shape_[1:])
        centre = ((self.data_min_ + self.data_max_) / 2).reshape(-1, *extra)
        half = ((self.data_max_ - self.data_min_) / 2).reshape(-1, *extra)
        return centre, np.where(half > 0, half, 1.0)

    def encode(self, X):
        self._check_fitted()
        array, _ = self._checked_array(X)
        channels = self._to_channels_first(array, self.layout_)
        centre, half = self._scale()
        encoded = ((channels - centre) / half).astype(np.float32)
        self._warn_if_other_scale(array, encoded)
        return encoded

    def _warn_if_other_scale(self, array, encoded):
        """Warn when ``array`` looks scaled unlike the training samples (0-1 floats given
        to a model of 0-255 pixels, or values far outside the training range): encoded
        as they are, they would read as nearly black, or clipped, samples."""
        if not array.size:
            return
        name = type(self).__name__
        fitted_on = (f"{self.kind}s of dtype {self.dtype_} with values from "
                     f"{self.data_min_.min():g} to {self.data_max_.max():g}")
        if (self.dtype_.kind in "iu" and array.dtype.kind == "f" and self.data_max_.max() > 1
                and array.min() >= 0 and array.max() <= 1):
            warnings.warn(
                f"{name} was fitted on {fitted_on}; these {self.kind}s are floats from 0 to "
                f"1. Scale them as in training (e.g. multiply by {self.data_max_.max():g} "
                f"and cast to {self.dtype_}), or they are read as nearly zero.",
                UserWarning, stacklevel=3)
        elif float(np.mean(np.abs(encoded) > 3)) > 0.01:
            warnings.warn(
                f"{name} was fitted on {fitted_on}; these {self.kind}s hold values from "
                f"{array.min():g} to {array.max():g}, far outside that range. Scale them as "
                "in training.", UserWarning, stacklevel=3)

    def decode(self, encoded, random_state=None):
        self._check_fitted()
        encoded = np.asarray(encoded, dtype=np.float64).reshape(-1, *self.encoded_shape_)
        centre, half = self._scale()
        low, high = (bound.reshape(centre.shape) for bound in (self.data_min_, self.data_max_))
        values = np.clip(encoded * half + centre, low, high)
        if self.whole_numbers_:
            values = np.rint(values)
        return self._from_channels_first(values, self.layout_).astype(self.dtype_)

    # ------------------------------------------------------------------ layout hooks
    @abstractmethod
    def _layout_of(self, array):
        """The layout name of a checked array; raises ``ValueError`` for a wrong rank."""

    @abstractmethod
    def _to_channels_first(self, array, layout):
        """A view of ``array`` as ``(n, channels, *spatial)``."""

    @abstractmethod
    def _from_channels_first(self, array, layout):
        """The inverse of :meth:`_to_channels_first`."""

    @abstractmethod
    def _check_spatial(self, spatial, layout):
        """Raise ``ValueError`` when the spatial shape (of samples in ``layout``) is too
        small for the networks."""
