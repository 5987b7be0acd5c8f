"""Class labels of ConditionalGAN: checked in fit, drawn or checked when sampling
(``sample(n, y)`` and ``sample_chunks(n, y)``), and turned into conditions."""

import numbers
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._engine import generation
from ._engine.generation import UNKEPT_RULES, check_truncation
from ._engine.sample_chunks import _check_n_samples, block_bounds, check_chunk_size, rechunk
from .adapters.base import concatenate_rows
from ._engine.domains import plain_labels, refuse_mixed_labels


class LabelledSamplingMixin:
    """``sample`` and ``sample_chunks`` that return labels with the samples.

    Mixed in before :class:`skgan.base.BaseGAN` by a conditional estimator; it also
    checks the labels of ``fit`` (setting ``classes_`` and ``class_prior_``), turns
    labels into one-hot conditions (``_one_hot``) and draws conditions at the training
    class frequencies for the encoder's training and the calibrations after training.
    """

    def sample(self, n_samples=1, y=None, random_state=None, truncation=None):
        """Generate samples and their labels.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        y : label, array-like of shape (n_samples,) or None, default=None
            The class of each sample: one label for all, one per sample, or None to
            draw labels from the training class frequencies.
        random_state : int, RandomState instance or None, default=None
            As for :meth:`skgan.GANSampler.sample`.
        truncation : float or None, default=None
            Latent values beyond it drawn again (the truncation trick), as for
            :meth:`skgan.GANSampler.sample`.

        Returns
        -------
        X : samples of the kind ``fit`` saw
        y : ndarray of shape (n_samples,)
            Their labels.
        """
        labels, generator, truncation = self._start_labelled_sampling(
            n_samples, y, random_state, truncation)
        if len(labels) == 0:
            return self._sample_labelled(labels, generator, truncation), labels
        blocks = self._labelled_blocks(labels, generator, truncation)
        return concatenate_rows(list(blocks)), labels

    def sample_chunks(self, n_samples, y=None, chunk_size=65536, random_state=None,
                      truncation=None):
        """Generate samples and their labels as an iterator of chunks, in bounded memory.

        Parameters
        ----------
        n_samples : int
            Number of samples in all the chunks together.
        y : label, array-like of shape (n_samples,) or None, default=None
            As for :meth:`sample`.
        chunk_size : int, default=65536
            Rows per chunk; the last chunk holds the rest.
        random_state : int, RandomState instance or None, default=None
            As for :meth:`sample`; the chunks, concatenated, are what :meth:`sample`
            gives for the same ``random_state``.
        truncation : float or None, default=None
            As for :meth:`sample`.

        Yields
        ------
        (X, y) : a chunk of samples and their labels
            For ``n_samples=0``, one empty chunk, as :meth:`sample` gives.
        """
        chunk_size = check_chunk_size(chunk_size)
        try:
            labels, generator, truncation = self._start_labelled_sampling(
                n_samples, y, random_state, truncation)
        except ValueError as error:
            if isinstance(y, numbers.Integral) and not isinstance(y, bool):
                raise ValueError(f"{error} (sample_chunks(n_samples, y, chunk_size): y "
                                 f"comes before chunk_size; to ask for chunks of {y} rows, "
                                 f"pass chunk_size={y} by name)") from None
            raise
        if len(labels) == 0:  # one empty chunk, as sample(0) gives
            return iter([(self._sample_labelled(labels, generator, truncation), labels)])
        chunks = rechunk(self._labelled_blocks(labels, generator, truncation), chunk_size)
        return _with_labels(chunks, labels)

    def _start_labelled_sampling(self, n_samples, y, random_state, truncation):
        check_is_fitted(self)
        self._check_same_adapter()
        n_samples = _check_n_samples(n_samples)
        truncation = check_truncation(truncation)
        generator = self._rng if random_state is None else self._seeded_generator(random_state)
        return self._labels_to_sample(n_samples, y, generator), generator, truncation

    def _labelled_blocks(self, labels, generator, truncation):
        for start, stop in block_bounds(len(labels), generation._SAMPLE_CHUNK):
            yield self._sample_labelled(labels[start:stop], generator, truncation)

    def _sample_labelled(self, labels, generator, truncation=None):
        """Rows of ``labels``, in their order; rows that break a constraint the adapter
        can only keep by rejection are generated again for the same labels (at most
        ``max_condition_rounds`` rounds that keep none)."""
        rows = self._decoded_for(labels, generator, truncation)
        constraints = getattr(self.adapter_, "constraints_", None)
        if constraints is None or not constraints.may_reject:
            return rows
        kept = constraints.valid(rows)
        parts = [rows[kept].set_axis(np.flatnonzero(kept))]
        stalled, last = 0, rows
        while not kept.all():
            if stalled == self.max_condition_rounds:
                report = constraints.broken_report(last)
                raise ValueError(
                    f"Only {int(kept.sum())} of {len(labels)} rows generated keep the "
                    f"adapter's constraints after {stalled} rounds that kept none"
                    + (f" (the last round: {report})" if report else "") + ". "
                    + UNKEPT_RULES)
            missing = np.flatnonzero(~kept)
            again = last = self._decoded_for(labels[missing], generator, truncation)
            valid = constraints.valid(again)
            parts.append(again[valid].set_axis(missing[valid]))
            kept[missing[valid]] = True
            stalled = 0 if valid.any() else stalled + 1
        return pd.concat(parts).sort_index().reset_index(drop=True)

    def _decoded_for(self, labels, generator, truncation):
        encoded = self._generate_encoded(len(labels), generator, self._one_hot(labels),
                                         truncation=truncation)
        return self.adapter_.decode(encoded, random_state=self._decode_seed(generator))

    def _labels_to_sample(self, n_samples, y, generator):
        if y is None:
            prior = torch.as_tensor(self.class_prior_, dtype=torch.float64)
            if n_samples == 0:
                return self.classes_[:0]
            codes = torch.multinomial(prior.to(generator.device), n_samples, replacement=True,
                                      generator=generator)
            return self.classes_[codes.cpu().numpy()]
        labels = np.asarray(plain_labels(y))
        if labels.ndim == 0:
            labels = np.repeat(labels, n_samples)
        labels = column_or_1d(labels)
        if len(labels) != n_samples:
            raise ValueError(
                f"y has {len(labels)} labels for n_samples={n_samples}; pass one label or "
                "one per sample."
            )
        self._check_known(labels)
        return self.classes_[np.searchsorted(self.classes_, labels)]

    def _check_labels(self, y, reset):
        parallel = getattr(self, "_data_parallel", None)
        if parallel is None:
            y = self._valid_labels(y)
        else:  # every rank checks its labels before any learns the others' classes
            y = parallel.run_agreed("checking its labels", lambda: self._valid_labels(y))
        if reset:
            self.classes_, counts = np.unique(y, return_counts=True)
            declared = getattr(self, "_declared_classes", None)
            if declared is not None:  # partial_fit's classes: every class of the stream
                self.classes_, counts = _within_declared(self.classes_, counts, declared)
            if parallel is not None:  # the classes of every shard
                self.classes_, counts = parallel.merge_counts(self.classes_, counts)
            self._class_counts = counts.astype(np.float64)
            self.class_prior_ = counts / counts.sum()
            single = self.classes_[(counts == 1)]
            if len(single):
                warnings.warn(
                    f"Classes {single.tolist()} have a single example; the model will "
                    "learn little about them.", UserWarning, stacklevel=5,
                )
        else:
            self._check_known(y)
            seen = getattr(self, "_class_counts", None)
            if seen is not None and parallel is None:  # a later chunk of the stream
                seen = seen + np.bincount(np.searchsorted(self.classes_, y),
                                          minlength=len(self.classes_))
                self._class_counts, self.class_prior_ = seen, seen / seen.sum()
        return y

    def _valid_labels(self, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "call fit(X, y) with class labels."
            )
        y = column_or_1d(plain_labels(y), warn=True)
        _refuse_missing(y)
        check_classification_targets(y)
        return y

    def _check_known(self, labels):
        _refuse_missing(labels)
        unseen = np.setdiff1d(np.unique(labels), self.classes_)
        if len(unseen):
            raise ValueError(
                f"Labels {unseen.tolist()} were not seen in fit; known classes: "
                f"{self.classes_.tolist()}."
            )

    def _prior_condition(self, n_rows, generator):
        """Conditions of labels drawn at the training class frequencies, as
        :meth:`sample` draws them."""
        return self._one_hot(self._labels_to_sample(n_rows, None, generator))

    # the latent encoder trains, and private fits calibrate, over such rows
    _encoder_training_condition = _calibration_condition = _prior_condition

    def _one_hot(self, labels):
        codes = torch.as_tensor(np.searchsorted(self.classes_, labels))
        return torch.nn.functional.one_hot(codes, len(self.classes_)).to(
            device=self.device_, dtype=torch.float32
        )


def _refuse_missing(labels):
    """Refuse missing labels by name (np.unique cannot sort None among labels)."""
    if pd.isna(np.asarray(labels, dtype=object)).any():
        raise ValueError("y has missing labels (None or NaN); drop those rows first.")
    refuse_mixed_labels(labels)


def _with_labels(chunks, labels):
    start = 0
    for chunk in chunks:
        yield chunk, labels[start:start + len(chunk)]
        start += len(chunk)


def _within_declared(classes, counts, declared):
    """The declared classes and each one's count in ``classes``/``counts`` (0 for a
    class the first chunk lacks); a ValueError for a label not declared."""
    unknown = np.setdiff1d(classes, declared)
    if len(unknown):
        raise ValueError(f"y holds labels {unknown.tolist()} that classes="
                         f"{declared.tolist()} does not name.")
    all_counts = np.zeros(len(declared), dtype=counts.dtype)
    all_counts[np.searchsorted(declared, classes)] = counts
    return declared, all_counts


def declared_classes(classes):
    """``partial_fit``'s ``classes`` as a sorted array of distinct labels."""
    classes = np.asarray(plain_labels(classes))
    if classes.ndim != 1:
        raise ValueError(f"classes must be a 1-d list of labels, got an array of shape "
                         f"{classes.shape}.")
    if len(classes) and pd.isna(classes).any():
        raise ValueError(f"classes holds a missing label: {classes.tolist()}; every class "
                         "is a label y may hold.")
    classes = column_or_1d(classes)
    if len(classes) == 0:
        raise ValueError("classes is empty; name every class of the stream.")
    distinct = np.unique(classes)
    if len(distinct) < len(classes):
        raise ValueError(f"classes names a class twice: {classes.tolist()}.")
    return distinct
