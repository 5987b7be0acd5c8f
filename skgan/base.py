"""BaseGAN: the scikit-learn contract every skgan estimator shares.

The base class owns the control flow (validate, encode, build, train, sample, score,
pickle); estimators only say how to build their optimisers and how to take one training
step, as :class:`sklearn.mixture._base.BaseMixture` does for mixtures.
"""

import math
import warnings
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, DensityMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._param_checks import ParameterChecksMixin
from ._persistence import TorchStateMixin
from ._sampling import SamplingMixin
from ._torch_utils import draw_seed, make_generator, random_source, resolve_device
from .adapters import ADAPTERS, BaseAdapter, TabularAdapter, resolve_adapter
from .conditioning import make_conditioner
from .exceptions import TrainingDivergedWarning, TrainingInterruptedWarning
from .metrics import median_heuristic_gamma, mmd
from .networks import make_network_pair
from .training import run_epochs


class BaseGAN(DensityMixin, SamplingMixin, ParameterChecksMixin, TorchStateMixin, BaseEstimator,
              metaclass=ABCMeta):
    """Base class for GAN estimators. Not for direct use.

    Subclasses implement :meth:`_train_step` (one optimisation step on a mini-batch)
    and may override :meth:`_make_optimizer`, :meth:`_condition_tensors` (extra inputs
    for conditional models), :meth:`_build_networks` with :meth:`_networks` (other
    network layouts) and ``_extra_params_check``.
    """

    _parameter_constraints: dict = {
        "adapter": [StrOptions({"auto", *ADAPTERS}), BaseAdapter],
        "generator_dims": [tuple, list],
        "discriminator_dims": [tuple, list],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "generator_lr": [Interval(Real, 0, None, closed="neither")],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither")],
        "betas": [tuple, list],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "amp": [StrOptions({"auto"}), "boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: Rows scored at most by :meth:`score` (MMD costs O(n^2)).
    max_score_samples = 2000

    #: Training rows (summed over steps) that ``epochs="auto"`` aims for: 5,000 steps
    #: at a batch size of 128, 1,250 at 512.
    _auto_rows = 640_000

    @abstractmethod
    def __init__(self, *, adapter, generator_dims, discriminator_dims, latent_dim, epochs,
                 batch_size, generator_lr, discriminator_lr, betas, warm_start, device,
                 amp, random_state, verbose):
        self.adapter = adapter
        self.generator_dims = generator_dims
        self.discriminator_dims = discriminator_dims
        self.latent_dim = latent_dim
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

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the generator and discriminator on ``X`` for ``epochs`` epochs.

        With ``warm_start=True`` and a fitted estimator, training continues from the
        current weights (the adapter keeps its first fit).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        keep_going = self.warm_start and self._is_trained()
        return self._fit(X, y, reset=not keep_going, n_epochs=None)

    def _epochs_for(self, n_rows):
        """The number of epochs ``fit`` runs on ``n_rows`` rows."""
        if self.epochs != "auto":
            return self.epochs
        batch_size = self._batch_size_for(n_rows)
        rows_per_epoch = (n_rows // batch_size) * batch_size
        return max(1, math.ceil(self._auto_rows / rows_per_epoch))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one epoch over ``X``, continuing from the current weights.

        The first call sets up the estimator (adapter, networks) from ``X``; later calls
        must pass data with the same features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            A chunk of training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, reset=not self._is_trained(), n_epochs=1)

    def _is_trained(self):
        return hasattr(self, "history_")

    def _fit(self, X, y, reset, n_epochs):
        saved_state = dict(self.__dict__)
        try:
            tensors = self._prepare_training(X, y, reset)
            n_rows = tensors[0].shape[0]
            batch_size = self._batch_size_for(n_rows)
            outcome = run_epochs(
                self._autocast_step,
                tensors,
                n_epochs=self._epochs_for(n_rows) if n_epochs is None else n_epochs,
                batch_size=batch_size,
                sampler=self._batch_sampler(tensors, batch_size),
                generator=self._rng,
                modules=self._networks(),
                optimizers=self.optimizers_,
                history=self.history_,
                verbose=self.verbose,
                description=type(self).__name__,
            )
            self._report(outcome)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved_state)
            raise
        return self

    def _prepare_training(self, X, y, reset):
        if reset:
            self._check_params()
            adapter = resolve_adapter(self.adapter, X)
            adapter.check_input(X)
            validate_data(self, X, reset=True, **adapter.input_checks)
            self.adapter_ = adapter.fit(X)
            self.device_ = resolve_device(self.device)
            random_state = random_source(self.random_state)
            self._rng = make_generator(draw_seed(random_state), self.device_)
            self._score_seed = draw_seed(random_state)
            self._n_steps = 0
            conditions = self._condition_tensors(y, reset=True)
            self.conditioner_ = make_conditioner(self.adapter_)
            self._architecture = self._architecture_params()
            self._build_networks(
                (0 if conditions is None else conditions.shape[1])
                + (0 if self.conditioner_ is None else self.conditioner_.dim)
            )
            self.history_ = {}
        else:
            self._check_continuation()
            self.adapter_.check_input(X)
            validate_data(self, X, reset=False, **self.adapter_.input_checks)
            conditions = self._condition_tensors(y, reset=False)
        if len(X) < self._pac():
            raise ValueError(f"{type(self).__name__} needs at least pac={self._pac()} rows.")
        if conditions is not None and len(conditions) != len(X):
            raise ValueError(
                f"X has {len(X)} rows but y has {len(conditions)}; they must match."
            )
        encoded = torch.as_tensor(self.adapter_.encode(X), device=self.device_)
        if not reset:  # only once the data is known to be usable
            self._apply_learning_rates()
        if conditions is None:
            return (encoded,)
        return (encoded, conditions.to(self.device_))

    def _batch_sampler(self, tensors, batch_size):
        """Mini-batches drawn by training-by-sampling, or None to shuffle (the default).

        With a conditioner (a table with discrete columns), each batch holds rows drawn
        after sampled levels, and the condition vector asking for them is appended to
        the batch's other conditions.
        """
        if self.conditioner_ is None:
            return None
        encoded, *fixed_conditions = tensors

        def sampler(generator):
            for rows, asked in self.conditioner_.epoch_batches(encoded, batch_size, generator):
                condition = torch.cat([part[rows] for part in fixed_conditions] + [asked], dim=1)
                yield encoded[rows], condition

        return sampler

    def _batch_size_for(self, n_rows):
        pac = self._pac()
        return max(pac, (min(self.batch_size, n_rows) // pac) * pac)

    def _report(self, outcome):
        name = type(self).__name__
        if outcome.stop_reason == "diverged":
            message = (
                f"{name} training diverged: {', '.join(outcome.bad_losses)} became NaN or "
                "infinite. Try lower learning rates, gradient clipping or another loss."
            )
            if not self.history_.get("epoch"):
                raise FloatingPointError(message + " No epoch completed; nothing was fitted.")
            warnings.warn(
                message + f" Weights are those of epoch {self.history_['epoch'][-1]}.",
                TrainingDivergedWarning,
                stacklevel=5,
            )
        elif outcome.stop_reason == "interrupted":
            if not self.history_.get("epoch"):
                raise KeyboardInterrupt
            warnings.warn(
                f"{name} training interrupted; the estimator keeps the weights of epoch "
                f"{self.history_['epoch'][-1]}.",
                TrainingInterruptedWarning,
                stacklevel=5,
            )
        generator_losses = self.history_.get("generator_loss", [])
        if not any(math.isfinite(value) for value in generator_losses):
            warnings.warn(
                f"{name} never updated its generator: train for more steps (more epochs, "
                "a smaller batch_size or, for WGANSampler, a smaller n_critic).",
                UserWarning,
                stacklevel=5,
            )

    # ------------------------------------------------------------------ hooks
    def _build_networks(self, condition_dim):
        """Create the fitted networks and ``optimizers_`` (one pair here).

        Models with other networks (two pairs for CycleGAN) override this together with
        :meth:`_networks`.
        """
        self.generator_, self.discriminator_ = make_network_pair(
            self.adapter_,
            latent_dim=self.latent_dim,
            generator_dims=self.generator_dims,
            discriminator_dims=self.discriminator_dims,
            condition_dim=condition_dim,
            spectral_norm=self._spectral_norm(),
            pac=self._pac(),
            projection=getattr(self, "projection", False),
            device=self.device_,
            generator=self._rng,
        )
        self.optimizers_ = {
            "generator": self._make_optimizer(self.generator_, self.generator_lr),
            "discriminator": self._make_optimizer(self.discriminator_, self.discriminator_lr),
        }

    def _networks(self):
        """Every trained module by name: what snapshots save and restore."""
        return {"generator": self.generator_, "discriminator": self.discriminator_}

    def _make_optimizer(self, module, learning_rate):
        # The fused kernel updates all tensors at once: about a fifth off a CPU step.
        fused = self.device_.type in ("cpu", "cuda")
        return torch.optim.Adam(
            module.parameters(), lr=learning_rate, betas=tuple(self.betas), fused=fused
        )

    def _condition_tensors(self, y, reset):
        """Extra per-row inputs for both networks (conditional models); None here."""
        return None

    def _spectral_norm(self):
        return getattr(self, "spectral_norm", False)

    def _pac(self):
        return getattr(self, "pac", 1)

    @abstractmethod
    def _train_step(self, batch):
        """One optimisation step on ``batch`` (a tuple of tensors); returns its losses."""

    def _autocast_step(self, batch):
        with self._autocast():
            return self._train_step(batch)

    def _autocast(self):
        """bf16 autocast where ``amp`` asks for it (``"auto"``: on CUDA only).

        bf16 has float32's exponent range, so no loss scaling is needed; weights,
        optimiser states and normalisation layers stay in float32.
        """
        amp = getattr(self, "amp", False)
        enabled = amp is True or (amp == "auto" and self.device_.type == "cuda")
        return torch.autocast(self.device_.type, dtype=torch.bfloat16, enabled=enabled)

    def _generate_for_training(self, n_rows, condition):
        """Fake rows for a training step and the generator's condition penalty.

        The penalty (None without training-by-sampling) is the cross-entropy between the
        levels the condition vector asks for and the generator's logits; steps add it
        to the generator's loss.
        """
        latent = self._draw_latent(n_rows)
        if self.conditioner_ is None:
            return self.generator_(latent, condition, self._rng), None
        raw = self.generator_.raw_output(latent, condition)
        fake = self.generator_.head(raw, self._rng)
        asked = condition[:, condition.shape[1] - self.conditioner_.dim:]
        log_probabilities = self.generator_.head.block_log_probabilities(raw)
        return fake, self.conditioner_.penalty(log_probabilities, asked)

    def _draw_latent(self, n_samples, generator=None):
        generator = self._rng if generator is None else generator
        latent = torch.randn(
            n_samples, self._architecture["latent_dim"], generator=generator,
            device=generator.device,
        )
        return latent.to(self.device_)

    def _optimize(self, name, loss):
        """Backpropagate ``loss`` and step the optimiser of network ``name``.

        Gradient norms are clipped first when the estimator has a ``grad_clip``.
        """
        optimizer = self.optimizers_[name]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_clip = getattr(self, "grad_clip", None)
        if grad_clip is not None:
            parameters = [p for group in optimizer.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(parameters, grad_clip)
        optimizer.step()

    @contextmanager
    def _frozen(self, module):
        """Skip weight gradients of ``module`` (e.g. the discriminator in a G step)."""
        flags = [(parameter, parameter.requires_grad) for parameter in module.parameters()]
        for parameter, _ in flags:
            parameter.requires_grad_(False)
        try:
            yield
        finally:
            for parameter, flag in flags:
                parameter.requires_grad_(flag)

    def score(self, X, y=None):
        """Negative MMD² between ``X`` and as many generated samples (greater is better).

        Both sets are compared in the adapter's encoded space with an RBF kernel whose
        width comes from ``X`` alone (median heuristic), so every model scored on the
        same ``X`` with the same adapter is measured with the same kernel; at most
        ``max_score_samples`` rows of ``X`` are used.
        Generated samples come from a fixed seed set at fit time, so the score is
        repeatable and does not advance :meth:`sample`'s random stream.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Held-out real data (at least 2 rows).
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            ``-mmd(real, generated)``: near 0 for a perfect generator, lower is worse.
        """
        real = self._encoded_for_score(X)
        seeds = self._score_seeds()
        if len(real) > self.max_score_samples:
            real = real[seeds.choice(len(real), self.max_score_samples, replace=False)]
        return self._negative_mmd_to_generated(real, seeds)

    def _encoded_for_score(self, X):
        """Held-out ``X``, checked like the training data, encoded as flat rows."""
        check_is_fitted(self)
        self._check_same_adapter()
        self.adapter_.check_input(X)
        validate_data(self, X, reset=False, **self.adapter_.input_checks)
        real = self.adapter_.encode_for_scoring(X)
        return real.reshape(len(real), -1)

    def _score_seeds(self):
        """The fixed random source of :meth:`score` (set at fit, not the sampling stream)."""
        return np.random.RandomState(self._score_seed % 2**32)

    def _negative_mmd_to_generated(self, real, seeds, condition=None):
        """``-MMD²`` between flat rows ``real`` and as many samples (kernel width from real)."""
        generated = self._generate_encoded(len(real), self._seeded_generator(seeds), condition)
        generated = generated.reshape(len(real), -1)
        return -mmd(real, generated, gamma=median_heuristic_gamma(real))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        adapter = getattr(self, "adapter", "auto")
        tags.input_tags.allow_nan = adapter in ("auto", "tabular") or isinstance(
            adapter, TabularAdapter
        )
        return tags
