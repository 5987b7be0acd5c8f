"""scikit-learn scorers that sample from a fitted skgan estimator and compare with X."""

import inspect
import numbers

import numpy as np

from .distances import kid, median_heuristic_gamma, mmd
from .features import class_probabilities, extract_features, prepare_extractor
from .frechet import frechet_distance
from .inception_score import inception_score
from .manifold import density_coverage, precision_recall
from .privacy import distance_to_closest_record, exact_match_rate, membership_inference
from .two_sample import c2st


def _mmd(real, fake, **kwargs):
    """MMD² whose RBF width comes from the real features alone, so every model scored
    on the same data is measured with the same kernel."""
    if kwargs.get("kernel", "rbf") == "rbf" and kwargs.get("gamma") is None:
        kwargs = {**kwargs, "gamma": median_heuristic_gamma(real)}
    return mmd(real, fake, **kwargs)


def _fid(real, fake, **kwargs):
    return frechet_distance(real, fake, **kwargs)


def _kid(real, fake, **kwargs):
    return kid(real, fake, **kwargs)[0]


def _precision(real, fake, **kwargs):
    return precision_recall(real, fake, **kwargs)[0]


def _recall(real, fake, **kwargs):
    return precision_recall(real, fake, **kwargs)[1]


def _density_gap(real, fake, **kwargs):
    return abs(density_coverage(real, fake, **kwargs)[0] - 1.0)


def _coverage(real, fake, **kwargs):
    return density_coverage(real, fake, **kwargs)[1]


def _c2st_gap(real, fake, **kwargs):
    return abs(c2st(real, fake, **kwargs) - 0.5)


#: metric name -> (function of (real_features, fake_features, **kwargs), greater_is_better)
METRICS = {
    "fid": (_fid, False),
    "kid": (_kid, False),
    "mmd": (_mmd, False),
    "precision": (_precision, True),
    "recall": (_recall, True),
    "density": (_density_gap, False),
    "coverage": (_coverage, True),
    "c2st": (_c2st_gap, False),
}


class SampleScorer:
    """Scorer ``scorer(estimator, X, y=None)`` built by :func:`make_sample_scorer`."""

    def __init__(self, metric, feature_extractor, n_samples, greater_is_better, random_state,
                 kwargs):
        self.metric = metric
        self.feature_extractor = feature_extractor
        self.n_samples = n_samples
        self.greater_is_better = greater_is_better
        self.random_state = random_state
        self.kwargs = kwargs

    def _generate(self, estimator, X, y):
        if not callable(getattr(estimator, "sample", None)):
            raise TypeError(
                f"{self!r} scores an estimator's samples; {type(estimator).__name__} has no "
                "sample method (score it with its own score, scoring=None, or a "
                "scorer(estimator, X, y) of your own).")
        n_samples = len(X) if self.n_samples is None else self.n_samples
        if "y" in inspect.signature(estimator.sample).parameters:
            # A conditional estimator returns (rows, labels); without y its labels
            # follow the training classes' frequencies.
            labels = None
            if y is not None:
                labels = np.asarray(y)
                if self.n_samples is not None:
                    labels = np.random.RandomState(self.random_state).choice(labels, n_samples)
            generated, _ = estimator.sample(n_samples, y=labels,
                                            random_state=self.random_state)
            return generated
        return estimator.sample(n_samples, random_state=self.random_state)

    def __call__(self, estimator, X, y=None):
        fake = self._generate(estimator, X, y)
        if self.metric == "inception_score":
            probs = class_probabilities(self.feature_extractor, fake)
            return inception_score(probs, **self.kwargs)[0]
        extractor = prepare_extractor(self.feature_extractor, X)
        real_features = extract_features(extractor, X, estimator=estimator)
        fake_features = extract_features(extractor, fake, estimator=estimator)
        function = METRICS[self.metric][0] if isinstance(self.metric, str) else self.metric
        value = float(function(real_features, fake_features, **self.kwargs))
        return value if self.greater_is_better else -value

    def __repr__(self):
        name = self.metric if isinstance(self.metric, str) else self.metric.__name__
        return f"make_sample_scorer({name!r})"


def _check_n_samples(n_samples):
    """A TypeError or ValueError unless ``n_samples`` is None or a whole number >= 2."""
    if n_samples is not None and (isinstance(n_samples, bool)
                                  or not isinstance(n_samples, numbers.Integral)):
        raise TypeError(f"n_samples must be a whole number or None, got {n_samples!r}.")
    if n_samples is not None and n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}.")


def make_sample_scorer(metric, *, feature_extractor=None, n_samples=None,
                       greater_is_better=None, random_state=0, **kwargs):
    """Make a scorer that samples from a fitted skgan estimator and compares with ``X``.

    The scorer ``scorer(estimator, X, y=None)`` draws generated samples (as many as
    ``X`` has rows, or ``n_samples``), maps real and generated data to features and
    returns the metric, negated when smaller is better, so that greater is always
    better, as ``GridSearchCV`` and ``cross_validate`` expect. With ``y`` and a
    conditional estimator (``sample(n, y=...)``), samples follow the labels of ``y``;
    without ``y``, the training class frequencies.

    Parameters
    ----------
    metric : str or callable
        "fid", "kid", "mmd", "precision", "recall", "density" (scored as
        ``-|density - 1|``), "coverage", "c2st" (scored as ``-|accuracy - 0.5|``),
        "inception_score" (needs a classifier as ``feature_extractor``), or a function
        ``f(real_features, fake_features, **kwargs) -> float``.
    feature_extractor : see :mod:`skgan.metrics.features`, default=None
        None compares in the estimator's adapter encoding. An unfitted scikit-learn
        transformer is fitted on the real ``X`` of each call.
    n_samples : int or None, default=None
        Generated samples per call; None uses ``len(X)``.
    greater_is_better : bool or None, default=None
        For a callable ``metric`` (None means False, a distance); named metrics know
        their own direction and refuse it.
    random_state : int, default=0
        Seed of the generated samples, so a scorer gives the same value twice.
    **kwargs
        Passed to the metric (e.g. ``k=5``, ``kernel="polynomial"``).

    Returns
    -------
    scorer : callable

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skgan import GANSampler
    >>> from skgan.metrics import make_sample_scorer
    >>> X = np.random.RandomState(0).normal(size=(200, 2))
    >>> scorer = make_sample_scorer("fid")
    >>> scores = cross_val_score(GANSampler(epochs=2), X, cv=2, scoring=scorer)
    >>> bool((scores <= 0).all())
    True
    """
    if isinstance(metric, str) and greater_is_better is not None:
        raise ValueError(f"metric={metric!r} has its own direction; greater_is_better is "
                         "only for callable metrics.")
    if isinstance(metric, str):
        if metric == "inception_score":
            if feature_extractor is None:
                raise ValueError("metric='inception_score' needs a classifier as "
                                 "feature_extractor.")
            direction = True
        elif metric in METRICS:
            direction = METRICS[metric][1]
        else:
            raise ValueError(f"Unknown metric {metric!r}; use one of "
                             f"{sorted([*METRICS, 'inception_score'])} or a callable.")
    elif callable(metric):
        direction = bool(greater_is_better)
    else:
        raise TypeError("metric must be a name or a callable.")
    _check_n_samples(n_samples)
    return SampleScorer(metric, feature_extractor, n_samples, direction, random_state, kwargs)


#: privacy metric name -> whether it needs rows held out from training
PRIVACY_METRICS = {"dcr": False, "exact_match": False, "membership_inference": True,
                   "overfitting_protection": True}


class PrivacyScorer(SampleScorer):
    """Scorer ``scorer(estimator, X)`` built by :func:`make_privacy_scorer`; ``X`` holds
    the rows the estimator was fitted on."""

    def __init__(self, metric, holdout, n_samples, random_state):
        super().__init__(metric, None, n_samples, True, random_state, {})
        self.holdout = holdout

    def __call__(self, estimator, X, y=None):
        synthetic = self._generate(estimator, X, y)
        if self.metric == "dcr":
            return float(np.median(distance_to_closest_record(X, synthetic)))
        if self.metric == "exact_match":
            return -exact_match_rate(X, synthetic)
        if self.metric == "membership_inference":
            # An AUC below 0.5 is a signal too (read the other way round): 0.5 is best.
            return -abs(membership_inference(X, self.holdout, synthetic,
                                             random_state=self.random_state) - 0.5)
        return distance_to_closest_record(X, synthetic, self.holdout,
                                          random_state=self.random_state).overfitting_protection

    def __repr__(self):
        return f"make_privacy_scorer({self.metric!r})"


def make_privacy_scorer(metric, *, holdout=None, n_samples=None, random_state=0):
    """Make a scorer of how little a fitted estimator's samples disclose of ``X``.

    The scorer ``scorer(estimator, X, y=None)`` treats ``X`` as the rows the estimator
    was fitted on: call it on the training rows (``scorer(model, X_train)``, or
    ``return_train_score=True`` in a search, whose train scores are these). Greater is
    always more private.

    Parameters
    ----------
    metric : {"dcr", "exact_match", "membership_inference", "overfitting_protection"}
        "dcr": the median distance of generated rows to their closest row of ``X``
        (:func:`distance_to_closest_record`); "exact_match": minus the share of
        generated rows that copy a row of ``X``; "membership_inference": minus how far
        the distance attack's AUC (``holdout`` as non-members) lies from 0.5, the
        attacker's guess, either way (an AUC of 0.2 leaks as much as one of 0.8);
        "overfitting_protection":
        as :func:`distance_to_closest_record` returns it with ``holdout``.
    holdout : DataFrame or array, default=None
        Real rows no estimator saw; needed by the last two metrics.
    n_samples : int or None, default=None
        Generated rows per call; None uses ``len(X)``.
    random_state : int, default=0
        Seed of the generated rows and of the measure.

    Returns
    -------
    scorer : callable

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GANSampler
    >>> from skgan.metrics import make_privacy_scorer
    >>> X = np.random.RandomState(0).normal(size=(200, 2))
    >>> model = GANSampler(epochs=2, random_state=0).fit(X)
    >>> make_privacy_scorer("exact_match")(model, X)
    -0.0
    """
    if metric not in PRIVACY_METRICS:
        raise ValueError(f"Unknown privacy metric {metric!r}; use one of "
                         f"{sorted(PRIVACY_METRICS)}.")
    if PRIVACY_METRICS[metric] and holdout is None:
        raise ValueError(f"metric={metric!r} needs holdout rows (real rows the estimator "
                         "did not see).")
    _check_n_samples(n_samples)
    return PrivacyScorer(metric, holdout, n_samples, random_state)


fid_scorer = make_sample_scorer("fid")
kid_scorer = make_sample_scorer("kid")
mmd_scorer = make_sample_scorer("mmd")
precision_scorer = make_sample_scorer("precision")
recall_scorer = make_sample_scorer("recall")
density_scorer = make_sample_scorer("density")
coverage_scorer = make_sample_scorer("coverage")
c2st_scorer = make_sample_scorer("c2st")
dcr_scorer = make_privacy_scorer("dcr")
exact_match_scorer = make_privacy_scorer("exact_match")

#: The ready-made scorers by name, for ``scoring=SCORERS`` in ``cross_validate``.
SCORERS = {
    "fid": fid_scorer,
    "kid": kid_scorer,
    "mmd": mmd_scorer,
    "precision": precision_scorer,
    "recall": recall_scorer,
    "density": density_scorer,
    "coverage": coverage_scorer,
    "c2st": c2st_scorer,
}

