"""The adapter for purely numeric 2-D data: arrays and numeric DataFrames."""

import numbers

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer

from .base import BaseAdapter

SCALINGS = ("quantile", "standard")


class NumericAdapter(BaseAdapter):
    """Map numeric columns to a Gaussian-like scale for training and undo it on the way out.

    With ``scaling="quantile"`` (the default) each column goes through its empirical
    quantile function onto a standard normal, as TabDDPM does for numeric features:
    multi-modal, skewed and heavy-tailed columns all become a plain bell curve, sharp
    clusters become wide intervals the networks can hit, and decoded samples stay inside
    each column's observed range. ``scaling="standard"`` only removes the mean and
    divides by the standard deviation (values may extrapolate beyond the range).

    Accepts 2-D arrays and DataFrames whose columns are all numeric or boolean.
    ``decode`` returns what ``fit`` saw: an ndarray of the training dtype (float64 for
    an object array of numbers) or a DataFrame with the same columns and dtypes.
    Integer columns are rounded and clipped to the range seen in training, boolean
    columns thresholded at 0.5. Constant columns come back constant. Missing and
    infinite values are refused (the tabular adapter models missing values).

    Parameters
    ----------
    scaling : {"quantile", "standard"}, default="quantile"
        How columns are scaled for the networks.
    n_quantiles : int, default=1000
        Quantiles kept per column for ``scaling="quantile"`` (at most the number of
        rows); they bound the memory to ``n_quantiles * n_features`` floats.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.adapters import NumericAdapter
    >>> X = np.array([[0.0, 10.0], [2.0, 30.0]])
    >>> adapter = NumericAdapter(scaling="standard").fit(X)
    >>> adapter.encode(X)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> adapter.decode(adapter.encode(X))
    array([[ 0., 10.],
           [ 2., 30.]])
    """

    input_checks = {"dtype": "numeric", "ensure_min_samples": 2}

    def __init__(self, scaling="quantile", n_quantiles=1000):
        self.scaling = scaling
        self.n_quantiles = n_quantiles

    def check_input(self, X):
        if isinstance(X, pd.DataFrame):
            _check_numeric_columns(X)
            gaps = [str(name) for name in X.columns[X.isna().any().to_numpy()]]
        else:
            array = np.asarray(X)
            if array.dtype.kind == "c":  # as scikit-learn's check_array says it
                raise ValueError("Complex data not supported: NumericAdapter needs real "
                                 f"numbers, got an array of dtype {array.dtype}.")
            if array.dtype.kind not in "biufO":
                raise TypeError(
                    f"NumericAdapter needs numeric data, got an array of dtype "
                    f"{array.dtype}. Encode it first or use an adapter for mixed-type "
                    "tables."
                )
            gaps = []
            if array.dtype.kind == "f" and array.ndim == 2:
                gaps = [str(j) for j in np.flatnonzero(np.isnan(array).any(axis=0))]
        if gaps:
            raise ValueError(
                f"NumericAdapter cannot encode missing values; column(s) {', '.join(gaps)} "
                "hold NaN. Use adapter='tabular', which learns where values are missing, "
                "or fill them first."
            )

    def fit(self, X):
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling={self.scaling!r} is not one of {SCALINGS}.")
        if isinstance(self.n_quantiles, bool) or not isinstance(self.n_quantiles,
                                                                numbers.Integral) \
                or self.n_quantiles < 2:
            raise ValueError(f"n_quantiles must be a whole number of at least 2, got "
                             f"{self.n_quantiles!r}.")
        values = self._values(X)  # checked before any attribute is set
        if len(values) < 2:
            raise ValueError(f"NumericAdapter needs at least 2 rows to fit, got {len(values)}.")
        frame = isinstance(X, pd.DataFrame)
        if frame:
            self.columns_ = X.columns
            self.dtypes_ = list(X.dtypes)  # a list: a model file stores no Series
        else:
            source_dtype = np.asarray(X).dtype
            self.dtype_ = source_dtype if source_dtype.kind in "biuf" else np.dtype(np.float64)
        self.is_frame_ = frame
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            self.mean_ = values.mean(axis=0)
            scale = values.std(axis=0)
        if not (np.isfinite(self.mean_).all() and np.isfinite(scale).all()):
            # Squares of values above about 1e154 overflow: the moments of the values
            # divided by their largest magnitude, scaled back.
            magnitude = np.abs(values).max(axis=0)
            magnitude = np.where(magnitude > 0, magnitude, 1.0)
            self.mean_ = (values / magnitude).mean(axis=0) * magnitude
            scale = (values / magnitude).std(axis=0) * magnitude
        self.constant_ = scale == 0
        self.scale_ = np.where(self.constant_, 1.0, scale)
        self.min_ = values.min(axis=0)
        self.max_ = values.max(axis=0)
        self.encoded_shape_ = (values.shape[1],)
        self.quantiles_ = None
        if self.scaling == "quantile":
            self.quantiles_ = QuantileTransformer(
                n_quantiles=max(2, min(self.n_quantiles, len(values))),
                output_distribution="normal",
                subsample=100_000,
                random_state=0,
            ).fit(values)
        return self

    def encode(self, X):
        self._check_fitted()
        values = self._values(X)
        if self.quantiles_ is not None:
            return self.quantiles_.transform(values).astype(np.float32)
        return ((values - self.mean_) / self.scale_).astype(np.float32)

    def decode(self, encoded, random_state=None):
        self._check_fitted()
        encoded = np.asarray(encoded, dtype=np.float64)
        if self.quantiles_ is not None:
            values = self.quantiles_.inverse_transform(encoded) if len(encoded) else encoded
        else:
            values = encoded * self.scale_ + self.mean_
        values[:, self.constant_] = self.mean_[self.constant_]
        if not self.is_frame_:
            return _like_dtype(values, self.dtype_, self.min_, self.max_).astype(
                self.dtype_, copy=False)
        columns = {}
        for index, dtype in enumerate(self.dtypes_):
            column = _like_dtype(values[:, index], dtype, self.min_[index], self.max_[index])
            columns[index] = pd.Series(column, copy=False).astype(dtype)
        frame = pd.DataFrame(columns)
        frame.columns = self.columns_
        return frame


    def _values(self, X):
        """``X`` as a 2-D float64 array of finite numbers, or the error saying why not."""
        self.check_input(X)
        try:
            values = (X.to_numpy(dtype=np.float64, na_value=np.nan)
                      if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=np.float64))
        except (TypeError, ValueError) as error:
            raise TypeError(f"NumericAdapter needs numeric data: {error}.") from error
        if values.ndim != 2:
            raise ValueError(f"NumericAdapter expects 2-D data, got {values.ndim}-D.")
        if np.isnan(values).any():
            raise ValueError(
                "NumericAdapter: X contains NaN (missing values); fill them first, or use "
                "the tabular adapter, which models missing values."
            )
        if np.isinf(values).any():
            raise ValueError("NumericAdapter: X contains infinity; replace those values first.")
        return values


def _like_dtype(values, dtype, low, high):
    """Decoded floats ready for ``dtype``: booleans thresholded at 0.5, integers rounded
    and clipped to the training range ``[low, high]``."""
    if pd.api.types.is_bool_dtype(dtype):
        return values >= 0.5
    if pd.api.types.is_integer_dtype(dtype):
        return np.clip(np.rint(values), low, high)
    return values


def _check_numeric_columns(frame):
    bad = [
        name
        for name, dtype in frame.dtypes.items()
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
    ]
    if bad:
        raise TypeError(
            f"NumericAdapter needs numeric columns; these are not: {bad}. "
            "Encode them first or use an adapter for mixed-type tables."
        )
