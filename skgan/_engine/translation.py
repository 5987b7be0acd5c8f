"""Translating with a fitted CycleGANTransformer: its ``transform`` (domain A to B),
``inverse_transform`` (B to A) and the feature names of what they return."""

import numpy as np
import pandas as pd
import torch
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..adapters import NumericAdapter, TabularAdapter


class TranslationMixin(TransformerMixin):
    """``transform``, ``inverse_transform`` and ``get_feature_names_out`` of
    :class:`skgan.CycleGANTransformer` (a ``TransformerMixin``, so that scikit-learn's
    ``set_output`` wraps the ``transform`` defined here).

    Relies on the fitted ``adapter_``, ``generator_ab_``, ``generator_ba_``,
    ``device_`` and ``_score_seed`` of the estimator, its ``translate_batch_size``,
    ``_check_fitted_input`` and ``_autocast``.
    """

    def get_feature_names_out(self, input_features=None):
        """Names of the translated features: those of the input, for tables and 2-D
        arrays (as scikit-learn's one-to-one transformers name them).

        Images and signals have no feature names (each row is a whole picture or
        signal), so ``ValueError``; ``set_output(transform="pandas")`` therefore
        applies to tables and 2-D arrays only.
        """
        check_is_fitted(self)
        if not isinstance(self.adapter_, (TabularAdapter, NumericAdapter)):
            kind = type(self.adapter_).__name__.removesuffix("Adapter").lower()
            raise ValueError(
                f"{type(self).__name__} fitted on {kind}s has no feature names: each row "
                f"is one of shape {tuple(self.adapter_.sample_shape_)}, not a row of "
                "features (set_output applies to tables and 2-D arrays only).")
        return super().get_feature_names_out(input_features)

    def transform(self, X):
        """Translate samples of domain ``classes_[0]`` into domain ``classes_[1]``.

        Parameters
        ----------
        X : array-like or DataFrame
            Samples shaped like the training data.

        Returns
        -------
        X_translated : ndarray or DataFrame
            Of the kind ``fit`` saw, one translated sample per row of ``X`` (a DataFrame
            keeps ``X``'s index).
        """
        return self._translate(X, "generator_ab_")

    def inverse_transform(self, X):
        """Translate samples of domain ``classes_[1]`` back into domain ``classes_[0]``.

        Parameters
        ----------
        X : array-like or DataFrame
            Samples shaped like the training data.

        Returns
        -------
        X_translated : ndarray or DataFrame
        """
        return self._translate(X, "generator_ba_")

    def _translate(self, X, translator_name):
        self._check_fitted_input(X)  # NotFittedError before any fitted attribute is read
        return self._translated(self.adapter_.encode(X), translator_name, X)

    def _translated(self, encoded, translator_name, X):
        """The rows ``encoded`` (the adapter's encoding of ``X``) translated by
        ``translator_name`` and decoded (with ``X``'s index, for a DataFrame)."""
        translator = getattr(self, translator_name)
        translated = np.concatenate(
            [self._translate_encoded(chunk, translator)
             for chunk in np.array_split(encoded, max(1, -(-len(encoded)
                                                         // self.translate_batch_size)))]
        )
        decoded = self.adapter_.decode(translated, random_state=self._score_seed % 2**32)
        if isinstance(decoded, pd.DataFrame) and isinstance(X, pd.DataFrame):
            decoded.index = X.index
        return decoded

    @torch.no_grad()
    def _translate_encoded(self, encoded, translator):
        translator.eval()
        with self._autocast():
            output = translator(torch.as_tensor(encoded, device=self.device_))
        return output.float().cpu().numpy()
