"""AdversarialCore: the training control flow every skgan estimator shares.

Samplers (:class:`skgan.base.BaseGAN`) and translators
(:class:`skgan.CycleGANTransformer`) differ in their networks, their data tensors and
their training step, not in how they validate, set up, train, report and pickle: that
part lives here, as :class:`sklearn.mixture._base.BaseMixture` holds the control flow of
the mixtures.
"""

import math
import os
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from .param_checks import ParameterChecksMixin
from .persistence import TorchStateMixin
from .torch_utils import draw_seed, make_generator, random_source, resolve_device
from ..adapters import ADAPTERS, BaseAdapter, TabularAdapter, resolve_adapter
from ..exceptions import TrainingDivergedWarning, TrainingInterruptedWarning
from ..metrics.scorers import SCORERS
from .distributed import rank_device, start_data_parallel
from .early_stopping import EarlyStoppingMixin, StoppingMonitor, uses_early_stopping
from .judging import JudgingMixin
from .continued import StateBeforeContinuing
from .loop import run_epochs
from .progress import FitProgress
from .step_graphs import StepGraphs, check_cuda_graphs, report_eager_steps, step_runner
from .steps import TrainingStepMixin
from .threads import threads_during_fit


class AdversarialCore(ParameterChecksMixin, TorchStateMixin, JudgingMixin, TrainingStepMixin,
                      EarlyStoppingMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of every skgan estimator. Not for direct use.

    Subclasses implement :meth:`_prepare_training` (data to training tensors, networks
    built on the first fit, usually through :meth:`_start_training`),
    :meth:`_networks` and :meth:`_train_step`, and may override
    :meth:`_batch_sampler` (how an epoch draws its batches) and
    :meth:`_rows_per_epoch`.
    """

    _parameter_constraints: dict = {
        "adapter": [StrOptions({"auto", *ADAPTERS}), BaseAdapter],
        "generator_dims": [tuple, list],
        "discriminator_dims": [tuple, list],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "generator_lr": [Interval(Real, 0, None, closed="neither")],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither")],
        "betas": [tuple, list],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "amp": [StrOptions({"auto"}), "boolean"],
        "cuda_graphs": [StrOptions({"auto"}), "boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "validation_scoring": [callable, StrOptions(set(SCORERS)), None],
        "max_time": [Interval(Real, 0, None, closed="neither"), None,
                     Options(Real, {math.inf})],  # inf: no limit, as None
    }

    # Estimators pickled before early stopping existed lack these; they never stopped early.
    early_stopping = False
    validation_fraction = 0.1
    n_iter_no_change = 10
    tol = 1e-4
    validation_scoring = None
    max_time = None
    cuda_graphs = False  # pickled before CUDA graphs existed: trains as it did then

    #: Fitted attributes only training needs, left out of a sampling-only model file
    #: (``skgan.save(..., sampling_only=True)``).
    _training_only_attributes = ("discriminator_", "optimizers_")

    #: Training rows (summed over steps) that ``epochs="auto"`` aims for: 5,000 steps
    #: at a batch size of 128, 1,250 at 512.
    _auto_rows = 640_000

    @abstractmethod
    def __init__(self, *, adapter, generator_dims, discriminator_dims, epochs, batch_size,
                 generator_lr, discriminator_lr, betas, warm_start, device, amp,
                 random_state, verbose, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, validation_scoring=None, max_time=None,
                 cuda_graphs="auto"):
        self.adapter = adapter
        self.generator_dims = generator_dims
        self.discriminator_dims = discriminator_dims
        self.epochs = epochs
        self.batch_size = batch_size
        self.generator_lr = generator_lr
        self.discriminator_lr = discriminator_lr
        self.betas = betas
        self.warm_start = warm_start
        self.device = device
        self.amp = amp
        self.random_state = random_state
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.validation_scoring = validation_scoring
        self.max_time = max_time
        self.cuda_graphs = cuda_graphs

    # ------------------------------------------------------------------ fitting
    def _epochs_for(self, n_rows):
        """The number of epochs ``fit`` runs on ``n_rows`` rows."""
        if self.epochs != "auto":
            return self.epochs
        batch_size = self._batch_size_for(n_rows)
        rows_per_epoch = (n_rows // batch_size) * batch_size
        return max(1, math.ceil(self._auto_training_rows() / rows_per_epoch))

    #: ``epochs="auto"``: multiples of ``_auto_rows`` for some network families.
    _auto_rows_factors: dict = {}

    def _auto_training_rows(self):
        """Rows (summed over steps) ``epochs="auto"`` shows the networks."""
        return self._auto_rows * self._auto_rows_factors.get(self.adapter_.network_family, 1)

    def _epochs_to_run(self, n_rows, n_epochs):
        """``n_epochs`` as given; None: a full fit's; a function: of a full fit's."""
        if n_epochs is None:
            return self._epochs_for(n_rows)
        return n_epochs(self._epochs_for(n_rows)) if callable(n_epochs) else n_epochs

    def _is_trained(self):
        return hasattr(self, "history_")

    def _fit(self, X, y, reset, n_epochs, score_checks=True):
        if not reset and getattr(self, "_sampling_only", False):
            raise ValueError(
                f"This {type(self).__name__} was loaded from a sampling-only model file "
                "(skgan.save(..., sampling_only=True)): it has no discriminator or "
                "optimiser states to continue training from. Call fit to train afresh "
                "(with warm_start=False), or save the model with sampling_only=False.")
        device = self.device_ if not reset and hasattr(self, "device_") else resolve_device(
            self.device)
        check_cuda_graphs(self.cuda_graphs, device)
        parallel = start_data_parallel(getattr(self, "distributed", False), device)
        if parallel is not None and reset:
            device = parallel.device = rank_device(self.device, device)
        self._data_parallel = parallel
        try:
            # Training needs autograd even when the caller turned it off (a fit called
            # inside torch.no_grad() or torch.inference_mode()).
            with threads_during_fit(device), torch.inference_mode(False), torch.enable_grad():
                return self._fit_with_threads(X, y, reset, n_epochs, score_checks)
        finally:
            self.__dict__.pop("_data_parallel", None)
            self.__dict__.pop("_local_rng", None)

    def _fit_with_threads(self, X, y, reset, n_epochs, score_checks):
        saved_state = dict(self.__dict__)
        parallel = self._data_parallel
        progress = FitProgress(self.verbose if parallel is None or parallel.rank == 0 else 0,
                               type(self).__name__)
        # A fresh fit builds new networks, history and generators, so the attributes
        # saved above are the estimator as it was; a continued one changes them in place.
        before_continuing = None if reset else StateBeforeContinuing(self)
        try:
            self._progress = progress
            self.__dict__.pop("_sampling_only", None)  # a fit afresh has it all again
            validation = None
            # A full fit, or a share of one (a best start's part): held-out rows and
            # max_time apply; a partial_fit's epochs are the caller's.
            full_share = n_epochs is None or callable(n_epochs)
            stopping_early = full_share and uses_early_stopping(
                self._early_stopping_option(), _num_samples(X))
            if parallel is not None:
                parallel.inspect_rows(X, y)
                stopping_early = parallel.from_rank0(stopping_early)
            if stopping_early:
                def hold_out():
                    return self._held_out_rows(X, y)

                X, y, X_held, y_held = hold_out() if parallel is None else \
                    parallel.run_agreed("holding out its validation rows", hold_out)
                # Samplers ignore y: their held-out rows are scored alone.
                if score_checks:
                    validation = (X_held, y_held if self._stratified_validation else None)
            if parallel is None:
                tensors = self._prepare_training(X, y, reset)
            else:  # a failure on any rank stops them all here, none waits for another
                tensors = parallel.run_agreed("preparing its rows",
                                              lambda: self._prepare_training(X, y, reset))
                self._local_rng = parallel.local_generator(self._rng, len(self.history_.get(
                    "epoch", [])), self.device_)
            n_rows = self._rows_per_epoch(tensors)
            if parallel is not None:
                n_rows = parallel.training_rows(n_rows)
            batch_size = self._batch_size_for(n_rows)
            drawn_batch_size, generator = batch_size, self._rng
            if parallel is not None:
                local_batch_size = parallel.local_batch_size(batch_size, self._pac())
                batch_size = local_batch_size * parallel.world_size
                if not parallel.replicated:
                    drawn_batch_size, generator = local_batch_size, self._local_rng
                parallel.check_rows_for_a_batch(tensors[0].shape[0], drawn_batch_size)
            epochs = self._epochs_to_run(n_rows, n_epochs)
            steps_per_epoch = max(1, n_rows // batch_size)
            progress.start_training(epochs * steps_per_epoch)
            self._begin_epochs(n_rows, batch_size, epochs)
            monitor = None
            if validation is not None or (full_share and self.max_time is not None):
                monitor = StoppingMonitor(
                    self, self._networks(), self.optimizers_, validation,
                    self._validation_scorer(), epochs, steps_per_epoch,
                    self.n_iter_no_change, self.tol, self.max_time, parallel=parallel,
                    started=self.__dict__.get("_fit_clock"))
            step = step_runner(self, self._autocast_step,
                               planned_steps=epochs * steps_per_epoch)
            try:
                outcome = run_epochs(
                    step,
                    tensors,
                    n_epochs=epochs,
                    batch_size=drawn_batch_size,
                    sampler=self._batch_sampler(tensors, drawn_batch_size),
                    generator=generator,
                    modules=self._networks(),
                    optimizers=self.optimizers_,
                    history=self.history_,
                    progress=progress,
                    after_epoch=monitor,
                    parallel=parallel,
                    steps_per_epoch=steps_per_epoch,
                )
            finally:
                if isinstance(step, StepGraphs):
                    step.close()
            report_eager_steps(self, step)
            self._end_epochs()
            if "_stop_reasons" in self.__dict__:  # read by fit_best_start
                self._stop_reasons.append(outcome.stop_reason)
            kept_epoch = self._keep_best(monitor, outcome)
            self._report(outcome, kept_epoch)
            self._finish_training(tensors)
            if parallel is not None:  # post-training settings made from local rows
                parallel.broadcast_modules(self._networks().values())
            self._fit_to_trained_networks(outcome.completed_epochs * steps_per_epoch)
        except BaseException:
            self._end_epochs()
            self.__dict__.clear()
            self.__dict__.update(saved_state)
            if before_continuing is not None:
                before_continuing.restore()
            raise
        finally:
            progress.close()
            self.__dict__.pop("_progress", None)
        return self

    def _show_phase(self, doing, done=None):
        """Name the preparation phase that starts in the fit's progress bar."""
        progress = getattr(self, "_progress", None)
        if progress is not None:
            progress.phase(doing, done)

    @property
    def _step_rng(self):
        """The generator a training step draws its noise from: the process's own in a
        distributed fit, the estimator's otherwise."""
        local = getattr(self, "_local_rng", None)
        return self._rng if local is None else local

    def _rows_per_epoch(self, tensors):
        """Rows one epoch goes through (sizes the batches and ``epochs="auto"``)."""
        return tensors[0].shape[0]

    @abstractmethod
    def _prepare_training(self, X, y, reset):
        """Check the data, set up on the first fit, return the training tensors."""

    def _start_training(self, X):
        """First-fit setup: parameters, adapter, device and the estimator's generator."""
        parallel = getattr(self, "_data_parallel", None)

        def check_data():
            self._check_params()
            refuse_file_path(X)
            adapter = self._resolve_adapter(X)
            adapter.check_input(X)
            validate_data(self, X, reset=True, **adapter.input_checks)
            return adapter

        self._show_phase("checking the data")
        if parallel is None:
            adapter = check_data()
            self._show_phase("fitting the adapter", "adapter")
            self.adapter_ = adapter.fit(X)
            self.device_ = resolve_device(self.device)
            random_state = random_source(self.random_state)
        else:
            adapter = parallel.run_agreed("checking its data", check_data)
            parallel.check_same("the columns", (self.n_features_in_, tuple(
                getattr(self, "feature_names_in_", ()))))
            parallel.check_same_dtypes(X)
            self._show_phase("fitting the adapter", "adapter")
            self.adapter_ = parallel.fit_adapter(adapter, X)
            self.device_ = parallel.device
            # One random stream on every rank: rank 0's (the same for an integer).
            random_state = parallel.from_rank0(random_source(self.random_state))
        self._rng = make_generator(draw_seed(random_state), self.device_)
        self._score_seed = draw_seed(random_state)
        self._n_steps = 0
        self._architecture = self._architecture_params()
        self.history_ = {}

    def _check_more_training_data(self, X):
        """Continued training: unchanged shapes and adapter, data like the first fit's."""
        self._check_continuation()
        refuse_file_path(X)
        self.adapter_.check_input(X)
        validate_data(self, X, reset=False, **self.adapter_.input_checks)

    def _check_fitted_input(self, X):
        """After fit: refuse a changed adapter and data unlike the training data's.

        A single sample is fine here (translating one image); the adapter's minimum
        number of samples is for training.
        """
        check_is_fitted(self)
        self._check_same_adapter()
        refuse_file_path(X)
        self.adapter_.check_input(X)
        validate_data(self, X, reset=False,
                      **{**self.adapter_.input_checks, "ensure_min_samples": 1})

    def _batch_sampler(self, tensors, batch_size):
        """Mini-batches of one epoch as ``sampler(generator)``, or None to shuffle."""
        return None

    def _batch_size_for(self, n_rows):
        pac = self._pac()
        return int(max(pac, (min(self._requested_batch_size(), n_rows) // pac) * pac))

    def _requested_batch_size(self):
        """``batch_size`` as a number (estimators with an ``"auto"`` choice resolve it)."""
        return self.batch_size

    def _report(self, outcome, kept_epoch):
        """Warn of a fit that diverged, was interrupted (``kept_epoch``: the epoch of
        ``history_`` whose networks the fit kept) or never updated its generator."""
        name = type(self).__name__
        if outcome.stop_reason == "diverged":
            message = (
                f"{name} training diverged: {', '.join(outcome.bad_losses)} became NaN or "
                "infinite. Try lower learning rates, gradient clipping or another loss."
            )
            if not self.history_.get("epoch"):
                raise FloatingPointError(message + " No epoch completed; nothing was fitted.")
            warnings.warn(
                message + f" Weights are those of epoch {kept_epoch}.",
                TrainingDivergedWarning,
                stacklevel=5,
            )
        elif outcome.stop_reason == "stopped":
            pass  # early stopping or max_time: said by _keep_best when verbose
        elif outcome.stop_reason == "interrupted":
            if not outcome.completed_epochs:  # also a warm start's or partial_fit's first
                raise KeyboardInterrupt  # the estimator goes back to what it was
            warnings.warn(
                f"{name} training interrupted; the estimator keeps the weights of epoch "
                f"{kept_epoch}.",
                TrainingInterruptedWarning,
                stacklevel=5,
            )
        generator_losses = self.history_.get("generator_loss", [])
        if not any(math.isfinite(value) for value in generator_losses):
            warnings.warn(
                f"{name} never updated its generator: train for more steps (more epochs, "
                "a smaller batch_size" + (" or a smaller n_critic)." if "n_critic" in
                                          self.get_params(deep=False) else ")."),
                UserWarning,
                stacklevel=5,
            )

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _networks(self):
        """Every trained module by name: what snapshots save and restore."""

    def _spectral_norm(self):
        return getattr(self, "spectral_norm", False)

    def _pac(self):
        """Rows the discriminator judges together, as a Python int (a numpy integer,
        as a search's grid gives, would not do as a torch split size)."""
        return int(getattr(self, "pac", 1))

    def _finish_training(self, tensors):
        """After the epochs of a fit: adjustments that are not gradient steps (none here)."""

    def _fit_to_trained_networks(self, n_steps):
        """Last, on the final networks (every process's alike): models fitted to them
        (none here), given the ``n_steps`` training steps this fit took."""

    def _resolve_adapter(self, X):
        """The unfitted adapter this fit uses for ``X``."""
        return resolve_adapter(self.adapter, X)

    def _begin_epochs(self, n_rows, batch_size, n_epochs):
        """Just before the epochs: set-up that needs the fit's size (none here)."""

    def _end_epochs(self):
        """After the epochs, or on a failure: undo :meth:`_begin_epochs` (none here)."""

    @abstractmethod
    def _train_step(self, batch):
        """One optimisation step on ``batch`` (a tuple of tensors); returns its losses."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        adapter = getattr(self, "adapter", "auto")
        tags.input_tags.allow_nan = adapter in ("auto", "tabular") or isinstance(
            adapter, TabularAdapter
        )
        return tags


def refuse_file_path(X):
    """A clear error for a file name passed where data is expected."""
    if isinstance(X, (str, bytes, os.PathLike)):
        name = os.fsdecode(X) if not isinstance(X, bytes) else X.decode(errors="replace")
        raise TypeError(
            f"Expected data (a DataFrame or an array), got the file name {name!r}; read the "
            f"file first, e.g. X = pandas.read_csv({name!r})."
        )
