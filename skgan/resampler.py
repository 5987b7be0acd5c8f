"""GANResampler: imbalanced-learn style over-sampling with generated rows."""

import inspect
from dataclasses import dataclass, fields
from numbers import Real

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, _fit_context, clone
from sklearn.utils import InputTags, Tags, _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _num_samples,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._engine.core import refuse_file_path
from ._oversampling_counts import STRATEGY_NAMES, rows_to_add
from .adapters import TabularAdapter, resolve_adapter
from .conditional import ConditionalGAN


class GANResampler(OneToOneFeatureMixin, BaseEstimator):
    """Over-sample classes with rows drawn from a GAN, for imbalanced-learn pipelines.

    ``fit_resample(X, y)`` trains a generative model on ``(X, y)`` and returns the
    original rows followed by generated rows of the classes that ``sampling_strategy``
    asks to grow. It follows imbalanced-learn's sampler contract without needing
    imbalanced-learn: it is a step of ``imblearn.pipeline.Pipeline`` (which resamples
    during fit only) and so works under ``GridSearchCV`` and ``cross_val_score``. It
    returns data of the kind it is given (lists, arrays, DataFrames, Series), takes a
    one-hot label-indicator ``y`` as imbalanced-learn's samplers do, and hands the
    generative model a DataFrame as it is and any other array-like as an ndarray (as
    the adapters read it), so equal data and ``random_state`` give equal rows whatever
    their container. It has ``get_feature_names_out`` and no ``transform``, as
    imbalanced-learn's samplers must not. For scikit-learn's
    own ``Pipeline``, which cannot change the number of rows, wrap the classifier in
    :class:`~skgan.AugmentedEstimator`.

    Parameters
    ----------
    sampling_strategy : str, float, dict or callable, default="auto"
        Which classes grow and to what size, with imbalanced-learn's meanings:

        - ``"minority"``: the smallest class; ``"not minority"``; ``"not majority"``;
          ``"all"``; ``"auto"`` (same as ``"not majority"``). Each chosen class grows
          to the size of the largest class.
        - float in (0, 1]: binary ``y`` only; the minority class grows to
          ``sampling_strategy * n_majority`` rows.
        - dict ``{class: rows wanted after resampling}``, for the classes named.
        - callable ``f(y)`` returning such a dict.
    estimator : estimator, default=None
        The generative model; None: ``ConditionalGAN(class_weight="balanced", pac=4)``
        (class-balanced batches, so the rare classes train as much as the others;
        packed discriminator inputs, which keep the rare classes' spread). An estimator
        whose ``sample`` takes ``y`` (a :class:`~skgan.ConditionalGAN`) is trained once on all of
        ``(X, y)``; any other sampler (:class:`~skgan.GANSampler`,
        :class:`~skgan.WGANSampler`, ...) is trained once per class that grows, on
        that class's rows. Its adapter decides what ``X`` may be: DataFrames, arrays,
        images, signals.
    random_state : int, RandomState instance or None, default=None
        Seeds the training and the sampling. None leaves the estimator's own
        ``random_state`` as it is: fresh samples each call when that is None too, the
        same ones when the estimator has an integer seed of its own.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{class: rows generated}`` for each class the strategy targets.
    estimator_ : estimator or None
        The fitted conditional model (None when ``estimator`` is not conditional, or
        when no class needed rows).
    estimators_ : dict
        ``{class: fitted model}`` when ``estimator`` is not conditional, else empty.
    n_features_in_ : int
        Features seen in fit (for images and signals, the size of the second axis).
    feature_names_in_ : ndarray of str
        Column names seen in fit, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    AugmentedEstimator : The same augmentation for plain scikit-learn pipelines.
    ConditionalGAN : The default generative model.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import ConditionalGAN, GANResampler
    >>> rng = np.random.RandomState(0)
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> X = rng.normal(size=(100, 2)) + 3 * y[:, None]
    >>> resampler = GANResampler(estimator=ConditionalGAN(epochs=2), random_state=0)
    >>> X_res, y_res = resampler.fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((180, 2), [90, 90])
    """

    #: What imbalanced-learn's ensembles (BalancedBaggingClassifier) read of a sampler.
    _sampling_type = "over-sampling"

    _parameter_constraints = {
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),  # 1 as well as 1.0, as imbalanced-learn
            StrOptions(set(STRATEGY_NAMES)),
            dict,
            callable,
        ],
        "estimator": [HasMethods(["fit", "sample"]), None],
        "random_state": ["random_state"],
    }

    def __init__(self, *, sampling_strategy="auto", estimator=None, random_state=None):
        self.sampling_strategy = sampling_strategy
        self.estimator = estimator
        self.random_state = random_state

    def set_params(self, **params):
        """Set parameters, also those of the default estimator (``estimator__epochs``).

        With ``estimator=None``, a nested parameter such as ``estimator__epochs`` (as
        ``GridSearchCV`` sets it) first puts the default estimator,
        ``ConditionalGAN(class_weight="balanced", pac=4)``, in ``estimator``, then
        sets the parameter on it.

        Parameters
        ----------
        **params : dict
            Parameter names and values, nested ones with ``__``.

        Returns
        -------
        self : GANResampler
        """
        return super().set_params(
            **with_default_for_nested(params, "estimator", self.estimator, _default_estimator)
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Train the generative model(s) on ``(X, y)``; ``fit_resample`` also returns rows.

        Parameters
        ----------
        X : array-like, DataFrame, images or signals
            Training data, anything the estimator's adapter accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or a one-hot label-indicator matrix (one 1 per row).

        Returns
        -------
        self : object
        """
        self._fit(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Train on ``(X, y)`` and return it with the generated rows appended.

        Parameters
        ----------
        X : array-like, DataFrame, images or signals
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or a one-hot label-indicator matrix (one 1 per row).

        Returns
        -------
        X_resampled : same type as X
            The rows of ``X`` followed by the generated ones (a DataFrame gets a fresh
            ``RangeIndex``, a list comes back as a list, other arrays as ndarrays).
        y_resampled : same type as y
            Their labels, in the form ``y`` had: a Series keeps its name and dtype, a
            DataFrame its columns, a one-hot ``y`` comes back one-hot (a sparse one in its
            sparse format).
        """
        labels, n_columns = self._fit(X, y)
        generated, new_labels = self._generate()
        labels = np.concatenate([labels, np.asarray(new_labels).astype(labels.dtype)])
        if n_columns is not None:
            labels = (labels[:, None] == np.arange(n_columns)).astype(
                y.dtype if issparse(y) else np.asarray(y).dtype)
        return _appended(X, generated), _like_target(y, labels)

    def _fit(self, X, y):
        """Check ``(X, y)`` and train; return y's class labels and its one-hot width."""
        if issparse(X) and X.format not in ("csr", "csc"):
            X = X.tocsr()  # COO, DIA, BSR: rows can be picked, and the models say sparse
        labels, n_columns = self._class_labels(X, y)
        data = X  # a DataFrame as it is, other array-likes as the adapters read them
        if not (isinstance(X, pd.DataFrame) or issparse(X)):  # adapters refuse sparse X
            data = np.asarray(X)
        rows = rows_to_add(labels, self.sampling_strategy)
        # random_state=None draws nothing: numpy's global generator stays the user's
        seeds = ((None, None) if self.random_state is None else
                 check_random_state(self.random_state).randint(np.iinfo(np.int32).max, size=2))
        estimator = self.estimator
        if estimator is None:
            estimator = _default_estimator()
        _check_sample_signature(estimator)
        fitted, per_class = None, {}
        if sum(rows.values()) == 0:  # no model reads X: its adapter's checks still run
            resolve_adapter(getattr(estimator, "adapter", "auto"), data).check_input(data)
        else:
            if self._is_conditional(estimator):
                fitted = self._fitted_clone(estimator, data, labels, seeds[0])
            else:
                for label, n_rows in rows.items():
                    if n_rows > 0:
                        per_class[label] = self._fitted_class_model(
                            estimator, data, labels, label, seeds[0])
        # n_features_in_ and feature_names_in_, once fitting can no longer fail
        validate_data(self, X, skip_check_array=True)  # the models check the values
        self.estimator_, self.estimators_ = fitted, per_class
        self.sampling_strategy_ = rows
        self._sample_seed = None if self.random_state is None else int(seeds[1])
        return labels, n_columns

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _class_labels(X, y):
        """The class of each row of ``y``, and the number of columns of a one-hot ``y``
        (None for labels); refuses targets that are not one class per row."""
        refuse_file_path(X)
        if y is None:
            raise ValueError("GANResampler requires y to be passed, but the target y is None.")
        if issparse(y):  # a sparse one-hot y
            y = y.toarray()
        if not isinstance(y, (pd.Series, pd.DataFrame)):  # pandas keeps its dtypes
            y = np.asarray(y)  # lists and other array-likes
        if pd.isna(np.asarray(y, dtype=object)).any():
            raise ValueError("y has missing labels (None or NaN); drop those rows first.")
        if type_of_target(y) in ("continuous", "continuous-multioutput"):
            raise ValueError(
                "Unknown label type: continuous. GANResampler resamples classes, but y "
                "holds continuous values (a regression target). Give class labels; to "
                "augment a regressor's rows, generate them with GANSampler on a table "
                "that holds the target.")
        check_classification_targets(y)
        kind, n_columns = type_of_target(y), None
        if kind == "multilabel-indicator" and (np.asarray(y).sum(axis=1) == 1).all():
            labels, n_columns = np.asarray(y).argmax(axis=1), y.shape[1]
        elif kind in ("multilabel-indicator", "multiclass-multioutput"):
            raise ValueError(
                f"GANResampler needs one class per row; y is {kind}. Multilabel and "
                "multioutput targets are not supported (a one-hot y, one 1 per row, is)."
            )
        else:
            labels = column_or_1d(_integers_as_integers(y), warn=True)
        if _num_samples(X) != len(labels):
            raise ValueError(f"X has {_num_samples(X)} rows but y has {len(labels)}.")
        classes = np.unique(labels)
        if len(classes) < 2:
            raise ValueError(
                "GANResampler needs at least 2 classes in y to balance; got "
                f"{len(classes)} class: {classes.tolist()}."
            )
        return labels, n_columns

    @staticmethod
    def _is_conditional(estimator):
        return "y" in inspect.signature(estimator.sample).parameters

    def _fitted_class_model(self, estimator, X, labels, label, seed):
        """A clone of ``estimator`` fitted on the rows of class ``label``; a failure
        names the class."""
        rows = np.flatnonzero(labels == label)
        try:
            return self._fitted_clone(estimator, _safe_indexing(X, rows), None, seed)
        except ValueError as error:
            raise ValueError(
                f"GANResampler: fitting {type(estimator).__name__} on the {len(rows)} "
                f"rows of class {label!r} failed: {error} A conditional estimator "
                "(ConditionalGAN) learns every class in one model; or leave the class "
                "out of sampling_strategy.") from error

    def _fitted_clone(self, estimator, X, y, seed):
        model = clone(estimator)
        if self.random_state is not None and "random_state" in model.get_params():
            model.set_params(random_state=int(seed))
        return model.fit(X) if y is None else model.fit(X, y)

    def _generate(self):
        """Generated rows and labels, class by class, in the order of ``sampling_strategy_``."""
        check_is_fitted(self, "sampling_strategy_")
        wanted = {label: n for label, n in self.sampling_strategy_.items() if n > 0}
        if not wanted:
            return None, np.array([])
        labels = np.concatenate([np.repeat([label], n) for label, n in wanted.items()])
        if self.estimator_ is not None:
            generated, labels = self.estimator_.sample(
                len(labels), y=labels, random_state=self._sample_seed
            )
            return generated, labels
        random_state = np.random.RandomState(self._sample_seed)
        parts = [
            self.estimators_[label].sample(
                n, random_state=None if self._sample_seed is None else random_state
            )
            for label, n in wanted.items()
        ]
        if isinstance(parts[0], pd.DataFrame):
            return pd.concat(parts, ignore_index=True), labels
        return np.concatenate(parts), labels

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator = _default_estimator() if self.estimator is None else self.estimator
        tags.input_tags.allow_nan = get_tags(estimator).input_tags.allow_nan
        adapter = getattr(estimator, "adapter", None)
        tags.input_tags.string = adapter in ("auto", "tabular") or isinstance(
            adapter, TabularAdapter
        )  # tables may hold text columns
        tags.target_tags.required = True
        return _as_sampler_tags(tags)


@dataclass(slots=True)
class SamplerInputTags(InputTags):
    """scikit-learn's input tags plus imbalanced-learn's ``dataframe`` (X may be one)."""

    dataframe: bool = False


@dataclass(slots=True)
class SamplerTags:
    """imbalanced-learn's sampler tags: ``sample_indices`` (whether ``fit_resample``
    sets ``sample_indices_``)."""

    sample_indices: bool = False


@dataclass(slots=True)
class SamplerEstimatorTags(Tags):
    """scikit-learn's tags plus imbalanced-learn's ``sampler_tags``, as its samplers have."""

    sampler_tags: SamplerTags | None = None


def _as_sampler_tags(tags):
    """``tags`` with what imbalanced-learn's samplers add: estimator type ``"sampler"``,
    ``input_tags.dataframe`` and ``sampler_tags`` (its checks and ``is_sampler`` read them)."""
    input_tags = SamplerInputTags(
        **{field.name: getattr(tags.input_tags, field.name) for field in fields(InputTags)},
        dataframe=True,
    )
    values = {field.name: getattr(tags, field.name) for field in fields(Tags)}
    values.update(estimator_type="sampler", input_tags=input_tags)
    return SamplerEstimatorTags(**values, sampler_tags=SamplerTags())


def _check_sample_signature(estimator):
    """Refuse, before any training, an estimator whose ``sample`` cannot be called as
    the resampler calls it: ``sample(n, random_state=...)`` returning rows (with
    ``y=`` too for a conditional one)."""
    parameters = inspect.signature(estimator.sample).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    if "random_state" not in parameters and not takes_any:
        raise TypeError(
            f"GANResampler's estimator must sample as sample(n_samples, random_state=...) "
            f"and return the rows (skgan's samplers, scikit-learn's KernelDensity); "
            f"{type(estimator).__name__}.sample takes no random_state."
        )


def _appended(X, generated):
    """``X`` followed by ``generated``, in X's type (a list stays a list)."""
    if isinstance(X, pd.DataFrame):
        if generated is None:
            return X.reset_index(drop=True)
        if not isinstance(generated, pd.DataFrame):  # KernelDensity samples arrays
            generated = np.asarray(generated)
            if generated.ndim != 2 or generated.shape[1] != X.shape[1]:
                raise ValueError(
                    f"The estimator sampled rows of shape {generated.shape} for a DataFrame "
                    f"X of {X.shape[1]} columns.")
            generated = pd.DataFrame(generated, columns=X.columns)
        return pd.concat([X, generated[X.columns]], ignore_index=True)
    rows = np.asarray(X)
    if generated is not None:
        rows = np.concatenate([rows, np.asarray(generated, dtype=rows.dtype)])
    else:
        rows = rows.copy()  # never the caller's own array: editing it would edit X
    return rows.tolist() if isinstance(X, list) else rows


def _like_target(y, labels):
    """``labels`` (an ndarray) as the kind of container ``y`` is, with its names and dtypes."""
    if issparse(y):  # a sparse one-hot y: the same format
        return type(y)(labels)
    if isinstance(y, pd.Series):
        return pd.Series(labels.astype(object), name=y.name).astype(y.dtype)
    if isinstance(y, pd.DataFrame):
        frame = pd.DataFrame(labels.reshape(len(labels), -1).astype(object), columns=y.columns)
        return frame.astype(y.dtypes.to_dict())
    return labels.tolist() if isinstance(y, list) else labels


def _default_estimator():
    """The generative model of ``estimator=None``."""
    return ConditionalGAN(class_weight="balanced", pac=4)


def with_default_for_nested(params, name, current, make_default):
    """``params`` with ``name`` set to ``make_default()`` when nested parameters of
    ``name`` are set while it is None (the value ``fit`` would replace by its default)."""
    nested = any(key.startswith(f"{name}__") for key in params)
    if nested and params.get(name, current) is None:
        return {**params, name: make_default()}
    return params


def _integers_as_integers(y):
    """``y`` with pandas' nullable integers (``Int64``) and no missing label as numpy
    integers: scikit-learn reads them as floats, and the classes became 1.0, 2.0."""
    dtype = getattr(y, "dtype", None)
    if isinstance(y, pd.Series) and pd.api.types.is_integer_dtype(dtype) and \
            not isinstance(dtype, np.dtype) and not y.isna().any():
        return y.to_numpy(dtype=dtype.numpy_dtype)
    return y
