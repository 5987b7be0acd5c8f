"""Classifier two-sample test: can a classifier tell generated rows from real ones?"""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_score

from ._model_threads import small_model_threads
from .._engine.torch_utils import random_source
from .distances import _as_features


def c2st(X_real, X_fake, classifier=None, cv=5, random_state=0):
    """Cross-validated accuracy of a classifier separating real from generated rows.

    Both sets are cut to the size of the smaller one, so chance level is exactly 0.5:
    0.5 means the classifier cannot tell them apart, 1.0 that it always can
    (Lopez-Paz & Oquab, 2017).

    Parameters
    ----------
    X_real, X_fake : array-like of shape (n_samples, n_features)
        Real and generated feature vectors.
    classifier : scikit-learn classifier or None, default=None
        None uses a ``HistGradientBoostingClassifier`` with default settings, but
        for its leaves: at most 20 rows (its default), at least a tenth of a training
        fold's rows, so that small sets can be split at all (with leaves of 20 rows, a
        fold of fewer than 40 could not be, and two sets far apart scored exactly
        0.5). A classifier whose ``random_state`` is None gets one drawn from
        ``random_state``.
    cv : int, default=5
        Number of stratified folds (2 or more). Copies of a rare row (in either set,
        or one in each) are kept in one fold, so that a generated row repeating a real
        one counts as indistinguishable, not as evidence against it. A row with at
        least ``2 * cv`` copies (a level of a few categories) is split between folds
        like any row: the classifier must see it in training to judge it. Two
        identical sets of such rows score somewhat below 0.5 (0.41-0.49 with 2-4
        distinct rows of 200).
    random_state : int, RandomState instance or None, default=0
        Which rows are kept when the sets differ in size, the fold shuffling and the
        classifier's seed; the global numpy generator is never used.

    Returns
    -------
    accuracy : float
        Mean accuracy over the folds. Well below 0.5 means near-copies of real rows
        (one fold's copy teaches the classifier the other label): a sign of
        memorisation, which :func:`distance_to_closest_record` measures directly.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import c2st
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(300, 2))
    >>> round(c2st(real, rng.normal(size=(300, 2))), 1), c2st(real, real + 5) > 0.95
    (0.5, True)
    """
    if isinstance(cv, bool) or not isinstance(cv, numbers.Integral) or cv < 2:
        raise ValueError(f"cv must be a whole number of folds, at least 2; got {cv!r}.")
    X_real = _as_features("X_real", X_real)
    X_fake = _as_features("X_fake", X_fake)
    if X_real.shape[1] != X_fake.shape[1]:
        raise ValueError(
            f"X_real has {X_real.shape[1]} features but X_fake has {X_fake.shape[1]}."
        )
    rng = random_source(random_state)
    size = min(len(X_real), len(X_fake))
    if size < cv:
        raise ValueError(f"c2st needs at least cv={cv} rows in each set, got {size}.")
    real = X_real[rng.choice(len(X_real), size, replace=False)]
    fake = X_fake[rng.choice(len(X_fake), size, replace=False)]
    features = np.vstack([real, fake])
    labels = np.repeat([1, 0], size)
    if classifier is None:
        training_rows = len(features) * (cv - 1) // cv
        model = HistGradientBoostingClassifier(
            min_samples_leaf=int(np.clip(training_rows // 10, 1, 20)))
    else:
        model = clone(classifier)
    if "random_state" in model.get_params() and model.get_params()["random_state"] is None:
        model.set_params(random_state=rng.randint(2**31 - 1))
    seed = rng.randint(2**31 - 1)
    groups = _fold_groups(features, cv)
    if groups is not None:
        folds = StratifiedGroupKFold(cv, shuffle=True, random_state=seed)
        with small_model_threads(len(features)):
            return float(cross_val_score(model, features, labels, cv=folds, groups=groups,
                                         scoring="accuracy").mean())
    folds = StratifiedKFold(cv, shuffle=True, random_state=seed)
    with small_model_threads(len(features)):
        return float(cross_val_score(model, features, labels, cv=folds,
                                     scoring="accuracy").mean())


#: Copies of one row, per fold, from which a row's copies are split between folds like
#: any rows: a value held by that many rows (a level of a category) is one the
#: classifier must see in training to judge it, and its share of each label there is
#: what tells the sets apart.
COPIES_SPLIT_PER_FOLD = 2


def _fold_groups(features, cv):
    """Fold groups of ``c2st``'s rows, or None for plain stratified folds.

    Copies of a rare row (a generated row repeating a real one) share a group (where
    there are at least ``cv`` groups: a few distinct rows cannot be kept apart), so they
    stay in one fold: split apart, the copy the classifier trained on taught it the
    other label, and two identical sets scored about 0.07 where chance is 0.5. A row
    with ``COPIES_SPLIT_PER_FOLD * cv`` copies or more (the levels of a few categories,
    one-hot encoded) is its own group: kept whole, every test fold held values the
    classifier never saw, and two sets with disjoint levels scored 0.10, a reversed
    category 0.46. Such rows score somewhat below 0.5 between identical sets (the
    training folds' share of each label leans against the test fold's).
    """
    _, copies = np.unique(features, axis=0, return_inverse=True)
    copies = copies.reshape(-1)
    counts = np.bincount(copies)
    rare_copies = counts[copies] < COPIES_SPLIT_PER_FOLD * cv
    if not (rare_copies & (counts[copies] > 1)).any():
        return None  # no rare copies to keep together
    groups = np.where(rare_copies, copies, counts.size + np.arange(len(features)))
    if len(np.unique(groups)) < cv:  # fewer groups than folds: only stratified
        return None
    return groups
