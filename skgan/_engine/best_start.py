"""Several short starts of a fit; training goes on from the one that scores best."""

import math
import time

from .torch_utils import draw_seed, random_source

#: Share of the epochs each start trains before the starts are compared.
WARM_UP_SHARE = 0.1


def warm_up_epochs(total_epochs):
    """Epochs each start trains before the comparison: a tenth, at least one."""
    return max(1, int(total_epochs * WARM_UP_SHARE))


def fit_best_start(estimator, X, y, n_init):
    """Fit ``estimator`` from ``n_init`` random starts and keep the best one.

    Each start builds fresh networks from its own seed (drawn from the estimator's
    ``random_state``) and trains for :func:`warm_up_epochs` of the epochs; the starts
    are compared by ``estimator.score(X, y)`` (a diverged start, scoring NaN, loses)
    and training goes on from the best one for the remaining epochs. As in
    scikit-learn's ``GaussianMixture(n_init=...)``, this guards against a start that
    settles into a poor solution early (for translation: a mapping that meets the
    cycle loss but redraws each sample as another). On any error the estimator is left
    as it was.

    With early stopping, every start trains on the same rows (the held-out ones set
    aside) and only the continuation is scored; ``max_time`` counts from the first
    start (no continuation once it has passed), and a Ctrl-C during a start keeps that
    start's networks and ends the fit.

    The estimator provides ``_fit(X, y, reset, n_epochs, score_checks)``
    (``n_epochs`` may be a function of the epochs a full fit would run),
    ``score(X, y)`` and honours ``_start_seed`` (set here only while the starts run)
    when it builds its networks; it reads ``_fit_clock`` (max_time's start) and
    appends each part's stop reason to ``_stop_reasons``; its ``_validation_seed``
    returns ``_held_out_seed`` while the starts run.
    """
    saved_state = dict(estimator.__dict__)
    source = random_source(estimator.random_state)
    seeds = [draw_seed(source) for _ in range(n_init)]
    best_score, best_state = -math.inf, None
    # One clock for max_time over every start, and why each part stopped.
    estimator._fit_clock, estimator._stop_reasons = time.perf_counter(), []
    # One held-out split for every start and the continuation, whatever random_state
    # (None or a RandomState would draw a new one at each part).
    estimator._held_out_seed = estimator._validation_seed()
    try:
        for seed in seeds:
            estimator._start_seed = seed
            estimator._fit(X, y, reset=True, n_epochs=warm_up_epochs, score_checks=False)
            if estimator._stop_reasons[-1] == "interrupted":  # Ctrl-C: this start is kept
                return _finished(estimator)
            score = float(estimator.score(X, y))
            score = -math.inf if math.isnan(score) else score
            if best_state is None or score > best_score:
                best_score, best_state = score, dict(estimator.__dict__)
            if _out_of_time(estimator):
                break
        estimator.__dict__.clear()
        estimator.__dict__.update(best_state)
        del estimator._start_seed  # the remaining epochs continue the best start
        if not _out_of_time(estimator):
            estimator._fit(X, y, reset=False,
                           n_epochs=lambda total: total - warm_up_epochs(total))
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved_state)
        raise
    return _finished(estimator)


def _out_of_time(estimator):
    return (estimator.max_time is not None
            and time.perf_counter() - estimator._fit_clock >= estimator.max_time)


def _finished(estimator):
    """The estimator once its starts (and the best one's continuation) are done:
    ``n_iter_`` counts the epochs of the networks kept, from their start."""
    for name in ("_fit_clock", "_stop_reasons", "_start_seed", "_held_out_seed"):
        estimator.__dict__.pop(name, None)
    estimator.n_iter_ = len(estimator.history_["epoch"])
    return estimator
