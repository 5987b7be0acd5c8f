"""AugmentedEstimator: train any scikit-learn model on resampled data."""

import copy

from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _num_samples, check_is_fitted

from ._engine.core import refuse_file_path
from .resampler import GANResampler, with_default_for_nested


def _refuse_per_row_params(fit_params, X):
    """A fit parameter with one value per row of ``X`` (``sample_weight``) has none for
    the rows resampling adds: refused before the sampler trains."""
    try:
        n_rows = _num_samples(X)
    except TypeError:
        return
    for name, value in fit_params.items():
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            continue
        try:
            per_row = _num_samples(value) == n_rows
        except TypeError:
            continue
        if per_row:
            raise ValueError(
                f"AugmentedEstimator cannot pass {name!r} to the model: it has one value "
                f"per row of X ({n_rows}), and resampling adds rows that have none. Use "
                f"the model's class_weight, or resample and fit the model yourself.")


def _tags_or_none(estimator):
    """scikit-learn's tags of ``estimator``, or None for an object that has none."""
    try:
        return get_tags(estimator)
    except (AttributeError, TypeError, ValueError):
        return None


def _fitted_or_given_has(method):
    """``available_if`` check: the fitted estimator, or the given one, has ``method``."""

    def check(self):
        estimator = getattr(self, "estimator_", self.estimator)
        getattr(estimator, method)
        return True

    return check


class AugmentedEstimator(MetaEstimatorMixin, BaseEstimator):
    """Fit a model on its training data plus synthetic rows from a sampler.

    scikit-learn's ``Pipeline`` cannot change the number of rows, so it cannot hold
    a resampling step. This meta-estimator can: ``fit(X, y)`` calls
    ``sampler.fit_resample(X, y)`` and fits the model on what comes back. Prediction,
    probabilities and scores come from the fitted model on the data as given (no
    resampling at predict time). Both halves are parameters, so ``GridSearchCV`` tunes
    them together (``estimator__max_depth``, ``sampler__sampling_strategy``,
    ``sampler__estimator__epochs``). It is a classifier (or regressor) when the model
    is one, so cross-validation stratifies its folds. The default sampler,
    :class:`GANResampler`, resamples classes: a regressor needs a sampler for
    continuous targets (a ``y`` of continuous values is refused).

    Parameters
    ----------
    estimator : estimator
        The model trained on the augmented data.
    sampler : object with ``fit_resample``, default=None
        Makes the augmented data; None: ``GANResampler()``. imbalanced-learn's
        samplers work too.

    Attributes
    ----------
    estimator_ : estimator
        The model fitted on the augmented data.
    sampler_ : object
        The fitted sampler.
    classes_ : ndarray
        The classes of a fitted classifier.
    n_features_in_ : int
        Features seen in fit (when the model reports them).
    feature_names_in_ : ndarray of str
        Column names seen in fit (when the model reports them).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgan import AugmentedEstimator, ConditionalGAN, GANResampler
    >>> rng = np.random.RandomState(0)
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> X = rng.normal(size=(100, 2)) + 3 * y[:, None]
    >>> sampler = GANResampler(estimator=ConditionalGAN(epochs=2), random_state=0)
    >>> model = AugmentedEstimator(LogisticRegression(), sampler).fit(X, y)
    >>> model.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "sampler": [HasMethods(["fit_resample"]), None],
    }

    def __init__(self, estimator, sampler=None):
        self.estimator = estimator
        self.sampler = sampler

    def set_params(self, **params):
        """Set parameters, also those of the default sampler (``sampler__estimator__epochs``).

        With ``sampler=None``, a nested parameter of the sampler first puts the default,
        ``GANResampler()``, in ``sampler``, then sets the parameter on it.

        Parameters
        ----------
        **params : dict
            Parameter names and values, nested ones with ``__``.

        Returns
        -------
        self : AugmentedEstimator
        """
        return super().set_params(
            **with_default_for_nested(params, "sampler", self.sampler, GANResampler)
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Resample ``(X, y)`` with the sampler, then fit the model on the result.

        Parameters
        ----------
        X : array-like or DataFrame
            Training data.
        y : array-like of shape (n_samples,)
            Targets.
        **fit_params : dict
            Passed to the model's ``fit``. They must not depend on the rows, since
            the resampled data has more of them: one with a value per row of ``X``
            (``sample_weight``) raises ``ValueError`` before the sampler trains.

        Returns
        -------
        self : object
        """
        refuse_file_path(X)
        _refuse_per_row_params(fit_params, X)
        sampler = clone(GANResampler() if self.sampler is None else self.sampler)
        X_resampled, y_resampled = sampler.fit_resample(X, y)
        estimator = clone(self.estimator).fit(X_resampled, y_resampled, **fit_params)
        self.sampler_, self.estimator_ = sampler, estimator
        for name in ("classes_", "n_features_in_", "feature_names_in_"):
            if hasattr(estimator, name):
                setattr(self, name, getattr(estimator, name))
            else:  # not left over from an earlier fit (on a DataFrame, as a classifier)
                self.__dict__.pop(name, None)
        return self

    @available_if(_fitted_or_given_has("predict"))
    def predict(self, X):
        """The fitted model's ``predict``."""
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_fitted_or_given_has("predict_proba"))
    def predict_proba(self, X):
        """The fitted model's ``predict_proba``."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_fitted_or_given_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """The fitted model's ``predict_log_proba``."""
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_fitted_or_given_has("decision_function"))
    def decision_function(self, X):
        """The fitted model's ``decision_function``."""
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    @available_if(_fitted_or_given_has("score"))
    def score(self, X, y, sample_weight=None):
        """The fitted model's ``score`` on ``(X, y)`` as given (not resampled)."""
        check_is_fitted(self)
        if sample_weight is None:
            return self.estimator_.score(X, y)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True  # the sampler balances classes of y
        # Objects that only have fit/predict (or fit_resample) and no scikit-learn tags
        # keep the defaults, as scikit-learn's Pipeline does with such steps.
        wrapped = _tags_or_none(self.estimator)
        sampler = _tags_or_none(GANResampler() if self.sampler is None else self.sampler)
        if wrapped is not None:
            tags.estimator_type = wrapped.estimator_type
            tags.classifier_tags = copy.deepcopy(wrapped.classifier_tags)
            tags.regressor_tags = copy.deepcopy(wrapped.regressor_tags)
        # missing values (and sparse input) must get through both the sampler and the
        # model (scikit-learn's checks hold the tags to what fit does)
        both = wrapped is not None and sampler is not None
        tags.input_tags.allow_nan = (both and wrapped.input_tags.allow_nan
                                     and sampler.input_tags.allow_nan)
        tags.input_tags.sparse = both and wrapped.input_tags.sparse and sampler.input_tags.sparse
        return tags
