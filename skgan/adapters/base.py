"""The protocol every data adapter follows.

An adapter turns user data (arrays, DataFrames, images, signals) into float tensors the
networks train on, tells the estimator what the networks' ends must look like, and turns
generated tensors back into data of the kind ``fit`` saw.
"""

from abc import ABCMeta, abstractmethod

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted


class BaseAdapter(BaseEstimator, metaclass=ABCMeta):
    """Base class of data adapters.

    Adapters are scikit-learn estimators (``get_params``/``clone`` work) so that an
    adapter instance with options can be passed as the ``adapter`` parameter of any skgan
    estimator; the estimator fits a clone and keeps it as ``adapter_``.

    Subclasses implement :meth:`fit`, :meth:`encode` and :meth:`decode`, and set
    ``encoded_shape_`` (the shape of one encoded sample) when fitted.
    """

    #: Keyword arguments for ``sklearn.utils.validation.validate_data``.
    input_checks = {}

    #: Which family of networks suits the encoded data ("mlp", "conv1d", "conv2d").
    network_family = "mlp"

    def _check_fitted(self):
        """``NotFittedError`` before ``fit`` (encoding or decoding reads what it learned)."""
        check_is_fitted(self, "encoded_shape_")

    def check_input(self, X):
        """Raise ``TypeError``/``ValueError`` naming what makes ``X`` unusable.

        Called before the estimator's generic validation, so that the message can
        speak of the adapter's own terms (columns, layouts). The default accepts all.
        """

    @abstractmethod
    def fit(self, X):
        """Learn how to encode ``X``; returns ``self``."""

    @abstractmethod
    def encode(self, X):
        """Encode ``X`` to a float32 array of shape ``(n_samples, *encoded_shape_)``."""

    def encode_for_training(self, X, device):
        """The training rows, encoded, on ``device``: what mini-batches index.

        A float32 tensor here; the tabular adapter returns an
        :class:`~skgan.adapters._encoded_rows.EncodedRows`, which holds one-hot blocks as
        codes and makes a batch dense when indexed.
        """
        import torch

        return torch.as_tensor(self.encode(X), device=device)

    def encode_for_scoring(self, X):
        """Encode held-out data for a distance to samples; like :meth:`encode` here.

        Adapters that refuse unseen values in :meth:`encode` (new categories) encode
        them as best they can here, so scoring held-out folds never fails on them.
        """
        return self.encode(X)

    @abstractmethod
    def decode(self, encoded, random_state=None):
        """Turn an encoded float array back into data of the kind ``fit`` saw.

        ``random_state`` seeds any random choice decoding makes (rare categories).
        """

    def rows_to_train_on(self, X, continued=False):
        """Boolean mask of the rows of ``X`` the fitted adapter trains on, or None for
        all of them (a TabularAdapter with ``handle_invalid="drop"`` leaves out rows
        that break its constraints). ``continued``: rows of more training after a fit
        (``partial_fit``, a warm start), where leaving rows out is said here (a fit
        afresh said it while fitting the adapter)."""
        return None

    def n_candidates(self, n_rows):
        """How many rows to generate for ``n_rows`` sampled ones (``n_rows`` here).

        Adapters that choose among generated rows when sampling (see
        :meth:`decode_sample`) ask for more.
        """
        return n_rows

    def decode_sample(self, encoded, n_rows, random_state=None):
        """Decode the :meth:`n_candidates` rows generated for ``sample(n_rows)`` and
        return ``n_rows`` of them; here all of them, decoded."""
        return self.decode(encoded, random_state=random_state)

    def sampled_rows(self, encoded, n_rows, random_state=None):
        """The rows :meth:`decode_sample` returns, in the form :meth:`join_sampled`
        takes (an adapter may hold them more cheaply until a sample's blocks are all
        in); here the decoded rows themselves."""
        return self.decode_sample(encoded, n_rows, random_state=random_state)

    def join_sampled(self, parts):
        """One output of the rows of :meth:`sampled_rows`' ``parts``, in order."""
        return concatenate_rows(parts)

    def _decodes_in_threads(self):
        """Whether :meth:`sampled_rows` may run on several blocks of a sample at once,
        in threads (see :mod:`skgan._engine.decoding_threads`): it reads the fitted
        adapter only and keeps every row asked. Not here."""
        return False

    def augment_for_discriminator(self, inputs, generator):
        """The encoded batch ``inputs`` as the discriminator is to see it in training.

        The estimators pass every batch they show the discriminator (real and
        generated, in its step and in the generator's) through this; ``generator``
        (a ``torch.Generator``) is the source of any random draws. Here ``inputs``
        itself, with no draw; :class:`~skgan.adapters.ImageAdapter` augments images
        differentiably when its ``augment`` option asks for it.
        """
        return inputs

    def generator_head(self):
        """A new torch module applied to the generator's raw output, or ``None``.

        It is called as ``head(raw, generator)``, where ``generator`` (a
        ``torch.Generator`` or None) is the source of any noise the head draws.
        Adapters with discrete outputs return softmax or similar heads here. It is
        called while the generator is built on the ``meta`` device: a head with its
        own parameters or buffers (other than standard linear, convolution and
        normalisation layers) initialises them in a ``reset_parameters_from(generator)``
        method (see :func:`skgan.networks.initialize_module`), drawing on
        ``generator.device`` (a CUDA generator when the estimator trains there).
        """
        return None


def concatenate_rows(parts):
    """One array or DataFrame (index from 0) of the rows of ``parts``, in order."""
    if isinstance(parts[0], pd.DataFrame):
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return np.concatenate(parts) if len(parts) > 1 else parts[0]
