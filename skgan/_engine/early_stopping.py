"""Knowing when to stop: a held-out share of the rows (or the training rows) scored every
few epochs, the best networks kept, and a wall-clock budget.

As scikit-learn's ``MLPClassifier`` and ``HistGradientBoostingClassifier`` do it:
``validation_fraction`` of the training rows is set aside (stratified by ``y`` where
there is one: classes for ConditionalGAN, domains for CycleGANTransformer) and the
estimator is scored on them every few epochs (its own ``score``, or
``validation_scoring``); with ``validation_fraction=None`` nothing is set aside and
the training rows themselves (at most MAX_VALIDATION_ROWS of them) are scored.
Training stops when the score has not improved by more than ``tol`` for
``n_iter_no_change`` checks in a row. The networks of the best check (their weights,
moving average and optimiser states) are the ones the fit keeps. Checks count from
``PATIENCE_FROM_SHARE`` of the fit's epochs on (or of ``max_time``, whichever comes
first), as Keras' ``EarlyStopping(start_from_epoch=...)`` counts them: earlier checks
are scored and recorded but neither spend patience nor become the kept check (unless
the fit ends before the first counted check, by Ctrl-C or divergence, or no counted
check scores a finite number). ``max_time`` stops any fit after so many seconds, at
the best counted check so far when scores are kept (the check it makes then counts:
40 % of ``max_time`` has passed).

Scoring reads the estimator's own seeds and never its training stream (a
``validation_scoring`` that samples without a seed draws from it, and the stream is put
back after the check), so a fit with early stopping trains exactly as one without (on
the rows it kept) until it stops; with an integer ``random_state`` (a shared
``RandomState`` instance gives the held-out split a draw of its own first, as every
draw from it moves the ones after).
"""

import math
import time
import warnings

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing

from ..metrics.scorers import SCORERS
from .loop import EpochSnapshot
from .torch_utils import draw_seed, random_source
from .validation_scoring import (refuse_metric_functions, refuse_scorers_of_missing_methods,
                                 takes_y)

#: ``early_stopping="auto"`` turns it on from this many rows (see docs/user_guide.md).
AUTO_MIN_ROWS = 10_000
#: Held-out rows scored at most, whatever ``validation_fraction`` sets aside.
MAX_VALIDATION_ROWS = 2_000
#: Checks in a fit's budget of epochs (at most one per epoch), at least
#: ``MIN_STEPS_BETWEEN_CHECKS`` training steps apart: a GAN's samples swing from one
#: step to the next, and ``n_iter_no_change`` checks must span enough steps to tell a
#: plateau from a swing (10 checks: at least 500 steps; 10 % of a default fit's 5,000).
CHECKS_PER_FIT = 100
MIN_STEPS_BETWEEN_CHECKS = 50
#: Share of a fit's epochs (or of its ``max_time``, whichever is reached first) before
#: which checks neither count against ``n_iter_no_change`` nor are kept as the best. A
#: GAN's held-out score reaches its noise floor long before its samples stop improving:
#: on session 44's curves (males, census) a check kept from the first quarter lost
#: 0.013-0.051 of quality against the full schedule, one kept from 40 % on at most 0.009
#: (benchmarks/RESULTS.md, "Checks counted from 40 % of the schedule").
PATIENCE_FROM_SHARE = 0.4


def uses_early_stopping(early_stopping, n_rows):
    """Whether a fit on ``n_rows`` rows stops early (``"auto"``: from AUTO_MIN_ROWS)."""
    if isinstance(early_stopping, str):
        return n_rows >= AUTO_MIN_ROWS
    return bool(early_stopping)


def split_validation(X, y, fraction, seed, stratify):
    """``(X_train, y_train, X_validation, y_validation)``: ``fraction`` of the rows held
    out, stratified by ``y`` when ``stratify``; at most MAX_VALIDATION_ROWS of the
    held-out rows are kept for scoring. ``fraction=None`` holds nothing out: every row
    trains and at most MAX_VALIDATION_ROWS of them (drawn by ``seed``) are scored, as
    scikit-learn's ``HistGradientBoostingClassifier`` stops on its training data."""
    if not hasattr(X, "__len__") or not hasattr(X, "__getitem__"):
        X = np.asarray(X)  # an array-like with only __array__
    n_rows = len(X)
    if fraction is None:
        return (X, y) + _scored_training_rows(X, y, seed, stratify)
    n_held = math.ceil(fraction * n_rows)
    if n_held < 2 or n_rows - n_held < 2:
        raise ValueError(
            f"validation_fraction={fraction} of {n_rows} rows leaves too few rows to train "
            "on or to validate with (2 at least each); use more rows or turn "
            "early_stopping off."
        )
    try:
        X_train, y_train, X_validation, y_validation = _split_rows(
            X, y, seed, stratify, test_size=n_held)
    except ValueError as error:  # a class too small to be in both parts
        raise ValueError(
            f"Cannot hold out validation_fraction={fraction} of the rows stratified by y: "
            f"{error} Lower validation_fraction, pass validation_fraction=None (score the "
            f"training rows) or turn early_stopping off."
        ) from error
    if len(X_validation) > MAX_VALIDATION_ROWS:
        kept = np.arange(MAX_VALIDATION_ROWS)
        X_validation = _safe_indexing(X_validation, kept)
        if y_validation is not None:
            y_validation = _safe_indexing(y_validation, kept)
    return X_train, y_train, X_validation, y_validation


def label_counts(y_train, y_scored):
    """Rows of each label of ``y_train`` and ``y_scored`` among ``y_scored`` (0 for a
    label only trained on), in order of first appearance."""
    counts = dict.fromkeys(np.asarray(y_train, dtype=object).tolist(), 0)
    for label in np.asarray(y_scored, dtype=object).tolist():
        counts[label] = counts.get(label, 0) + 1
    return counts


def too_few_to_score(counts, needed):
    """The ``ValueError`` of early stopping whose scored rows (``counts`` per label)
    miss what the estimator's ``score`` ``needed``."""
    held = ", ".join(f"{label!r}: {count}" for label, count in counts.items())
    return ValueError(
        f"Early stopping scores the held-out rows with score(), which needs {needed}; "
        f"the held-out rows hold {{{held}}}. Raise validation_fraction, pass "
        "validation_fraction=None (score the training rows), pass a validation_scoring, "
        "or turn early_stopping off.")


def _scored_training_rows(X, y, seed, stratify):
    """``(X_scored, y_scored)``: the training rows themselves, or MAX_VALIDATION_ROWS
    of them drawn by ``seed`` (stratified by ``y`` when ``stratify``)."""
    if len(X) <= MAX_VALIDATION_ROWS:
        return X, y
    try:
        X_scored, y_scored, _, _ = _split_rows(X, y, seed, stratify,
                                               train_size=MAX_VALIDATION_ROWS)
    except ValueError:  # a class too small to be drawn: draw the rows unstratified
        X_scored, y_scored, _, _ = _split_rows(X, y, seed, False,
                                               train_size=MAX_VALIDATION_ROWS)
    return X_scored, y_scored


def _split_rows(X, y, seed, stratify, **size):
    """``(X_first, y_first, X_second, y_second)`` by scikit-learn's
    ``train_test_split`` with ``size`` (the ``y`` parts None without ``y``)."""
    labels = None if y is None else np.asarray(y)
    parts = [X] if y is None else [X, y]
    split = train_test_split(*parts, random_state=seed,
                             stratify=labels if stratify else None, **size)
    if y is None:
        return split[0], None, split[1], None
    return split[0], split[2], split[1], split[3]


class EarlyStoppingMixin:
    """What :class:`~skgan._engine.core.AdversarialCore` does for early stopping before
    and after the epochs: the held-out rows, the validation score, the best check kept
    (the checks themselves: :class:`StoppingMonitor`)."""

    #: Whether the rows held out for early stopping are stratified by ``y`` (classes of
    #: ConditionalGAN, domains of CycleGANTransformer); samplers ignore ``y``.
    _stratified_validation = False

    def _check_rows_to_score(self, y_train, y_scored):
        """Raise ``ValueError`` when :meth:`score` cannot score the rows labelled
        ``y_scored`` (the training rows labelled ``y_train``); every set of 2 rows or
        more can be scored here (early stopping's split checks that)."""

    def _validation_seed(self):
        """Seed of the held-out split: set by an integer ``random_state`` (and one for
        every part of a fit from several starts: ``_held_out_seed``)."""
        fixed = self.__dict__.get("_held_out_seed")
        if fixed is not None:
            return fixed
        return (draw_seed(random_source(self.random_state)) + 7919) % (2**31 - 1)

    def _validation_score(self, X, y=None):
        """Early stopping's default score of held-out rows: :meth:`score` here."""
        return self.score(X, y)

    def _prepared_validation(self, X, y=None):
        """``(X, y)`` as :meth:`_validation_score` reads them at every check of a fit,
        prepared once at its first check (here: as they are)."""
        return X, y

    def _keep_best(self, monitor, outcome):
        """After the epochs: the networks of the best check, and what early stopping saw.

        Returns the epoch of ``history_`` whose networks the fit keeps (None when no
        epoch completed)."""
        self.n_iter_ = outcome.completed_epochs
        self.validation_scores_ = self.best_validation_score_ = None
        epochs = self.history_.get("epoch") or [None]
        last_epoch = epochs[-1]
        if monitor is None or monitor.validation is None:
            if outcome.stop_reason == "stopped" and self.verbose:
                self._progress.write(f"{type(self).__name__}: stopped, {outcome.message}.")
            return last_epoch
        best_epoch = monitor.keep_best()
        self.validation_scores_ = list(monitor.scores)
        self.best_validation_score_ = monitor.best_score if monitor.scores else None
        if best_epoch is None:  # no check scored a finite number
            if self.verbose:
                why = (f"stopped, {outcome.message}" if outcome.stop_reason == "stopped"
                       else f"ran {outcome.completed_epochs} epochs")
                self._progress.write(f"{type(self).__name__}: {why}; no check scored a "
                                     "finite number, keeping the last epoch.")
            return last_epoch
        kept = last_epoch - (outcome.completed_epochs - best_epoch)
        if self.verbose:  # the epoch as history_ numbers it (random starts' epochs too)
            why = {"stopped": f"stopped, {outcome.message}",
                   "interrupted": f"interrupted after {outcome.completed_epochs} epochs",
                   "diverged": f"diverged after {outcome.completed_epochs} good epochs",
                   }.get(outcome.stop_reason, f"ran all {outcome.completed_epochs} epochs")
            self._progress.write(f"{type(self).__name__}: {why}; keeping epoch {kept} "
                                 f"(validation score {monitor.best_score:.4g}).")
        return kept

    def _early_stopping_option(self):
        """``early_stopping`` as this fit reads it."""
        return self.early_stopping

    def _held_out_rows(self, X, y):
        """``(X_train, y_train, X_held, y_held)`` of an early-stopped fit, checked
        before training that :meth:`score` can score the held-out rows (when it is the
        validation score)."""
        parts = split_validation(X, y, self.validation_fraction, self._validation_seed(),
                                 stratify=self._stratified_validation)
        if self._stratified_validation and y is not None:
            trained = set(np.asarray(parts[1], dtype=object).tolist())
            lost = [label for label in dict.fromkeys(np.asarray(y, dtype=object).tolist())
                    if label not in trained]
            if lost:  # every row of a class or domain held out: it would not be learned
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} holds out every row "
                    f"labelled {', '.join(map(repr, lost))}, which training would then never "
                    "see; lower validation_fraction, pass validation_fraction=None (score "
                    "the training rows) or turn early_stopping off.")
        if self.validation_scoring is None:  # before training, not after
            self._check_rows_to_score(parts[1], parts[3])
        else:
            self._validation_scorer()  # one that cannot score this estimator: refused now
        return parts

    def _validation_scorer(self):
        """``validation_scoring`` as a callable (a name was checked among
        ``skgan.metrics.SCORERS``), or None for the estimator's own score."""
        scoring = self.validation_scoring
        if isinstance(scoring, str):
            return SCORERS[scoring]
        refuse_metric_functions(scoring)
        refuse_scorers_of_missing_methods(scoring, self)
        return scoring


class StoppingMonitor:
    """Called after every epoch by :func:`skgan._engine.loop.run_epochs`; says when to
    stop and keeps the best networks.

    Parameters
    ----------
    estimator : AdversarialCore
        The estimator being fitted (scored as it trains).
    modules, optimizers : dict
        What the best check's snapshot holds.
    validation : tuple or None
        ``(X, y)`` held-out rows, or None to only watch the clock.
    scoring : callable or None
        ``scoring(estimator, X[, y]) -> float`` (greater is better); None uses
        ``estimator.score``.
    n_epochs : int
        The fit's budget of epochs (sets how often the score is checked).
    steps_per_epoch : int
        Training steps in one epoch.
    n_iter_no_change : int
    tol : float
    max_time : float or None
        Seconds from ``started``.
    parallel : DataParallel or None
        In a distributed fit: scores are averaged over the ranks (each scores its own
        held-out rows) and rank 0's clock decides ``max_time``, so every rank stops
        after the same epoch.
    started : float or None
        ``time.perf_counter()`` from which ``max_time`` counts; None: now.
    """

    def __init__(self, estimator, modules, optimizers, validation, scoring, n_epochs,
                 steps_per_epoch, n_iter_no_change, tol, max_time, parallel=None,
                 started=None):
        self.estimator = estimator
        self.parallel = parallel
        self.validation = validation
        self.prepared = None  # what the default score reads of them, at the first check
        self.scoring = scoring
        self.scoring_takes_y = scoring is not None and takes_y(scoring)
        self.check_every = max(1, math.ceil(n_epochs / CHECKS_PER_FIT),
                               math.ceil(MIN_STEPS_BETWEEN_CHECKS / max(1, steps_per_epoch)))
        self.n_epochs = n_epochs
        self.counted_from = math.ceil(PATIENCE_FROM_SHARE * n_epochs)
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_time = max_time
        self.started = time.perf_counter() if started is None else started
        self.best = EpochSnapshot(modules, optimizers, initial=None)
        self.scores = []
        self.best_score = -math.inf
        self.best_epoch = None
        self.counting = False
        self.best_counted = False
        self.checks_without_gain = 0
        self.epochs_run = 0
        self.reason = None

    def __call__(self, epochs_run):
        """After epoch ``epochs_run`` of this fit: the epoch's ``validation_score``,
        ``validation_time`` (NaN and 0 between checks) and ``validation_counted`` (1.0
        once checks count, else 0.0) for ``history_``; ``reason`` says why to stop
        (None: go on)."""
        self.epochs_run = epochs_run
        score, seconds = math.nan, 0.0
        checking = self.validation is not None and (
            epochs_run % self.check_every == 0 or epochs_run == self.n_epochs)
        out_of_time, counting = self._clock(epochs_run)
        self.counting = self.counting or counting
        if checking or (out_of_time and self.validation is not None):
            began = time.perf_counter()
            score = self._score()
            seconds = time.perf_counter() - began
            self.scores.append(score)
            self._count(score, epochs_run)
        if out_of_time:
            self.reason = (f"max_time={self.max_time} s reached after {epochs_run} "
                           "epochs")
        elif self.validation is not None and self.checks_without_gain >= self.n_iter_no_change:
            self.reason = (f"the validation score did not improve by more than tol={self.tol} "
                           f"in {self.n_iter_no_change} checks ({self.check_every} epochs "
                           f"apart)")
        if self.validation is None:
            return {}
        return {"validation_score": score, "validation_time": seconds,
                "validation_counted": float(self.counting)}

    def _clock(self, epochs_run):
        """``(out_of_time, counting)`` after epoch ``epochs_run``: ``max_time`` spent,
        and checks counted (from ``counted_from`` epochs, or from
        ``PATIENCE_FROM_SHARE`` of ``max_time``, whichever comes first); rank 0's
        clock decides both in a distributed fit."""
        counting = epochs_run >= self.counted_from
        if self.max_time is None:
            return False, counting
        elapsed = time.perf_counter() - self.started
        decided = (elapsed >= self.max_time,
                   counting or elapsed >= PATIENCE_FROM_SHARE * self.max_time)
        return decided if self.parallel is None else tuple(self.parallel.from_rank0(decided))

    def _count(self, score, epochs_run):
        """Spend patience or keep the networks after a check scored ``score``. Before
        checks count, a check spends no patience and is kept only until the first
        counted one that scores a finite number (which replaces it whatever it scores):
        the best of them is what a fit that ends before then keeps (Ctrl-C,
        divergence), and what one whose counted checks all fail keeps."""
        if self.counting and not self.best_counted and score > -math.inf:
            self.best_score, self.best_epoch, self.best_counted = -math.inf, None, True
        if self.counting:
            if score > self.best_score + self.tol:
                self.checks_without_gain = 0
            else:
                self.checks_without_gain += 1
        if score > self.best_score:
            self.best_score, self.best_epoch = score, epochs_run
            self.best.update()

    def _score(self):
        # A validation_scoring that samples without a seed draws from the training
        # stream: it is put back after the check, so checks never change the training.
        streams = [stream for stream in (self.estimator.__dict__.get(name)
                                         for name in ("_rng", "_local_rng"))
                   if stream is not None]
        states = [stream.get_state() for stream in streams]
        try:
            return self._scored()
        finally:
            for stream, state in zip(streams, states):
                stream.set_state(state)

    def _scored(self):
        X, y = self.validation
        if self.scoring is None:  # the held-out rows prepared once (encoded: tables)
            if self.prepared is None:
                self.prepared = self.estimator._prepared_validation(X, y)
            score = self.estimator._validation_score(*self.prepared)
        elif not self.scoring_takes_y:  # scorer(estimator, X), as the user guide says
            score = self.scoring(self.estimator, X)
        else:  # samplers' scorers get y=None, as scikit-learn passes it
            score = self.scoring(self.estimator, X, y)
        try:
            if isinstance(score, (str, bytes)):  # float("0.5") would read it
                raise TypeError("a string")
            score = float(score)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"validation_scoring must return a number; it returned {score!r} "
                f"({type(score).__name__})."
            ) from error
        if not math.isfinite(score):
            warnings.warn(
                f"The validation score was {score} (a diverged model, or a scorer that "
                "cannot score these rows); early stopping counts it as the worst score, "
                "-inf.", UserWarning, stacklevel=2)
            score = -math.inf
        if self.parallel is not None:
            score = self.parallel.average_scalars({"score": score})["score"]
        return score if math.isfinite(score) else -math.inf

    def keep_best(self):
        """Put the best check's networks back (when one was scored); say which epoch."""
        if self.best_epoch is None:
            return None
        if self.best_epoch != self.epochs_run:
            self.best.restore()
        return self.best_epoch
