"""Turn data into feature vectors for the metrics.

A feature extractor can be:

- ``None``: a fitted skgan estimator's own adapter encoding (standardised numeric
  columns today; one-hot and mode encodings for mixed tables); without an estimator,
  the data itself, flattened;
- ``"identity"``: the data itself, flattened to ``(n_samples, n_values)``;
- a torch module: run in eval mode without gradients, in batches, on the module's
  device; its outputs are flattened (``InceptionFeatures`` wraps the FID Inception-v3
  this way, for images);
- a scikit-learn transformer (``transform``) or classifier (``predict_proba``);
- any callable ``f(X) -> array``.
"""

import numpy as np
import torch
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .distances import to_numpy

_TORCH_BATCH = 256


def _flatten(values):
    """Features as a float64 array of shape (n_samples, n_values): tensors of any
    dtype (bf16 too), DataFrames and scipy sparse matrices (a OneHotEncoder's) alike."""
    if sparse.issparse(values):
        values = values.toarray()
    if hasattr(values, "to_numpy"):  # DataFrames
        values = values.to_numpy()
    array = to_numpy(values)
    return array.reshape(len(array), -1)


def _module_outputs(module, X):
    parameter = next(module.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    dtype = parameter.dtype if parameter is not None else torch.float32
    if not isinstance(X, torch.Tensor):
        array = np.asarray(X)
        X = torch.as_tensor(array if array.flags.writeable else array.copy())
    inputs = X
    was_training = module.training
    module.eval()
    outputs = []
    try:
        with torch.inference_mode():
            for start in range(0, len(inputs), _TORCH_BATCH):
                batch = inputs[start:start + _TORCH_BATCH].to(device=device, dtype=dtype)
                outputs.append(module(batch).reshape(len(batch), -1).double().cpu())
    finally:
        module.train(was_training)
    return torch.cat(outputs).numpy() if outputs else np.empty((0, 0))


def prepare_extractor(extractor, X_reference):
    """Return ``extractor`` ready to use: an unfitted scikit-learn transformer is
    cloned and fitted on ``X_reference`` (the real data); anything else is returned as
    is."""
    if hasattr(extractor, "transform") and hasattr(extractor, "fit"):
        try:
            check_is_fitted(extractor)
        except NotFittedError:
            return clone(extractor).fit(X_reference)
    return extractor


def extract_features(extractor, X, *, estimator=None):
    """Features of ``X`` as a float64 array of shape (n_samples, n_features).

    Parameters
    ----------
    extractor : None, "identity", torch module, transformer, classifier or callable
        See the module documentation.
    X : array-like, DataFrame or torch tensor
        The data.
    estimator : fitted skgan estimator or None
        Supplies the adapter encoding when ``extractor`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from skgan.metrics import extract_features
    >>> X = np.random.RandomState(0).normal(size=(50, 4))
    >>> extract_features(PCA(2).fit(X), X).shape
    (50, 2)
    >>> extract_features("identity", X.reshape(50, 2, 2)).shape
    (50, 4)
    """
    if extractor is None:
        if estimator is not None and hasattr(estimator, "adapter_"):
            # As score() does: held-out rows may hold levels the training rows lacked.
            adapter = estimator.adapter_
            return _flatten(getattr(adapter, "encode_for_scoring", adapter.encode)(X))
        return _flatten(X)
    if isinstance(extractor, str):
        if extractor != "identity":
            raise ValueError(f"Unknown feature extractor {extractor!r}; use 'identity'.")
        return _flatten(X)
    if isinstance(extractor, torch.nn.Module):
        return _flatten(_module_outputs(extractor, X))
    if hasattr(extractor, "transform"):
        return _flatten(extractor.transform(X))
    if hasattr(extractor, "predict_proba"):
        return _flatten(extractor.predict_proba(X))
    if callable(extractor):
        return _flatten(extractor(X))
    raise TypeError(
        f"Cannot extract features with a {type(extractor).__name__}: pass None, "
        "'identity', a torch module, a transformer, a classifier or a callable."
    )


def class_probabilities(classifier, X):
    """Class probabilities of ``X`` from a scikit-learn classifier or a torch module.

    A classifier's ``predict_proba`` is used as is; a torch module's outputs are taken
    as logits and passed through a softmax.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgan.metrics import class_probabilities
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> class_probabilities(LogisticRegression().fit(X, y), X).shape
    (4, 2)
    """
    if isinstance(classifier, torch.nn.Module):
        logits = torch.from_numpy(_module_outputs(classifier, X))
        return torch.softmax(logits, dim=1).numpy()
    if hasattr(classifier, "predict_proba"):
        return np.asarray(classifier.predict_proba(X), dtype=np.float64)
    raise TypeError(f"{type(classifier).__name__} has no predict_proba and is no torch module.")
