"""BaseGAN: the scikit-learn contract every skgan sampler shares.

The base class owns the sampler's side of the control flow (encode, build one
generator/discriminator pair, sample, score); the training loop and its setup live in
:class:`skgan._engine.core.AdversarialCore`. Estimators only say how to build their optimisers
and how to take one training step, as :class:`sklearn.mixture._base.BaseMixture` does
for mixtures.
"""

import math
from abc import abstractmethod
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import torch
from sklearn.base import DensityMixin, _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples

from ._engine.averaging import make_average, ramped_decay, update_average
from ._engine.core import AdversarialCore
from ._engine.generation import SamplingMixin, truncated_normal
from ._engine.latent import LatentMixin
from ._engine.calibration import CalibrationMixin
from ._engine.memory import check_estimator_memory
from .adapters._training_by_sampling import make_conditioner
from .metrics import median_heuristic_gamma, mmd
from .networks import make_network_pair
from .objectives import spectrum_moment_gap


class _EncodedHeldOut(NamedTuple):
    """Held-out rows as early stopping's default score reads them at every check: the
    flat encoded ``rows`` and the RBF kernel's ``gamma`` from them (None for rows of no
    features: a table of constant columns only)."""

    rows: np.ndarray
    gamma: object  # float, or None


class BaseGAN(DensityMixin, LatentMixin, SamplingMixin, CalibrationMixin, AdversarialCore):
    """Base class for GAN estimators. Not for direct use.

    Subclasses implement :meth:`_train_step` (one optimisation step on a mini-batch)
    and may override :meth:`_make_optimizer`, :meth:`_condition_tensors` (extra inputs
    for conditional models) and ``_extra_params_check``.
    """

    _parameter_constraints: dict = {
        **AdversarialCore._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "ema_decay": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"}), None],
        "distributed": ["boolean", StrOptions({"auto"})],
    }

    #: Estimators saved before data-parallel training existed lack the parameter.
    distributed = "auto"

    #: ``ema_decay="auto"``: the decay per network family of the adapter; 0.99 for the
    #: families not listed (see the estimators' docstrings).
    _auto_ema_decays: dict = {}

    #: Rows scored at most by :meth:`score` (MMD costs O(n^2)).
    max_score_samples = 2000

    @abstractmethod
    def __init__(self, *, adapter, generator_dims, discriminator_dims, latent_dim, epochs,
                 batch_size, generator_lr, discriminator_lr, betas, ema_decay, warm_start,
                 device, amp, random_state, verbose, cuda_graphs="auto", early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, tol=1e-4,
                 validation_scoring=None, max_time=None, distributed="auto"):
        super().__init__(
            adapter=adapter, generator_dims=generator_dims,
            discriminator_dims=discriminator_dims, epochs=epochs, batch_size=batch_size,
            generator_lr=generator_lr, discriminator_lr=discriminator_lr, betas=betas,
            warm_start=warm_start, device=device, amp=amp,
            cuda_graphs=cuda_graphs, random_state=random_state,
            verbose=verbose, early_stopping=early_stopping, validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, tol=tol,
            validation_scoring=validation_scoring, max_time=max_time,
        )
        self.latent_dim = latent_dim
        self.ema_decay = ema_decay
        self.distributed = distributed

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

    def _prepare_training(self, X, y, reset):
        if reset:
            for name in ("encoder_", "_encoder_rng"):  # a fit afresh fits a new encoder
                self.__dict__.pop(name, None)
            self._start_training(X)
            X, y = self._rows_to_train_on(X, y)
            conditions = self._condition_tensors(y, reset=True)
            self.conditioner_ = self._make_conditioner()
            self._conditions_as_units = True
            condition_dim = ((0 if conditions is None else conditions.shape[1])
                             + (0 if self.conditioner_ is None else self.conditioner_.dim))
            check_estimator_memory(self, _num_samples(X), condition_dim)
            self._build_networks(condition_dim)
        else:
            self._check_more_training_data(X)
            X, y = self._rows_to_train_on(X, y, continued=True)
            conditions = self._condition_tensors(y, reset=False)
        self._prepare_average(reset)
        if _num_samples(X) < self._pac():
            raise ValueError(f"{type(self).__name__} needs at least pac={self._pac()} rows.")
        if conditions is not None and len(conditions) != _num_samples(X):
            raise ValueError(
                f"X has {_num_samples(X)} rows but y has {len(conditions)}; they must match."
            )
        self._show_phase(f"encoding {_num_samples(X):,} rows", "encoding")
        encoded = self.adapter_.encode_for_training(X, self.device_)
        if not reset:  # only once the data is known to be usable
            self._apply_learning_rates()
        if conditions is None:
            return (encoded,)
        return (encoded, conditions.to(self.device_))

    def _rows_to_train_on(self, X, y, continued=False):
        """``X`` and ``y`` without the rows the adapter leaves out (constraints)."""
        keep = self.adapter_.rows_to_train_on(X, continued=continued)
        if keep is None:
            return X, y
        if y is not None and _num_samples(y) != len(keep):  # before y is indexed by X's rows
            raise ValueError(f"X has {len(keep)} rows but y has {_num_samples(y)}; they must "
                             "match.")
        rows = np.flatnonzero(keep)
        return _safe_indexing(X, rows), None if y is None else _safe_indexing(y, rows)

    def _make_conditioner(self):
        """Training-by-sampling for the fitted adapter (None where it has none)."""
        return make_conditioner(self.adapter_)

    def _batch_sampler(self, tensors, batch_size):
        """Mini-batches drawn by training-by-sampling, or None to shuffle (the default).

        With a conditioner (a table with discrete columns), each batch holds rows drawn
        after sampled levels, and the condition vector asking for them is appended to
        the batch's other conditions.
        """
        if self.conditioner_ is None:
            return None
        encoded, *fixed_conditions = tensors
        row_table = self.conditioner_.row_table(encoded)

        def sampler(generator):
            for rows, asked in self.conditioner_.epoch_batches(encoded, batch_size, generator,
                                                               row_table):
                condition = torch.cat([part[rows] for part in fixed_conditions] + [asked], dim=1)
                yield encoded[rows], condition

        return sampler

    # ------------------------------------------------------------------ hooks
    def _build_networks(self, condition_dim):
        """Create the fitted generator/discriminator pair and ``optimizers_``."""
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
        networks = {"generator": self.generator_, "discriminator": self.discriminator_}
        if getattr(self, "generator_average_", None) is not None:
            networks["generator_average"] = self.generator_average_
        return networks

    # ------------------------------------------------------------------ averaging
    def _prepare_average(self, reset):
        """Start (or drop) the generator's moving average as ``ema_decay`` asks.

        A fit with ``ema_decay`` set starts the average from the current generator;
        continued training (``warm_start``, ``partial_fit``) goes on with the average
        already there, a fresh fit starts a new one. A fit with None drops it, so
        samples come from the weights that fit trains.
        """
        decay = self._ema_decay()
        if reset or decay is None:
            self.__dict__.pop("generator_average_", None)
        if decay is not None and getattr(self, "generator_average_", None) is None:
            self.generator_average_ = make_average(self.generator_)
            self._n_averaged = 0

    def _end_epochs(self):
        super()._end_epochs()
        # history_ lists the generator's loss (NaN) also when no step of the fit updated
        # the generator (a short fit of WGANSampler or ConditionalGAN(objective="wgan-gp"),
        # whose generator steps every n_critic-th step)
        history = getattr(self, "history_", None)
        if history is not None:
            history.setdefault("generator_loss", [math.nan] * len(history.get("epoch", [])))

    def _ema_decay(self):
        """``ema_decay`` as a number or None, "auto" resolved for the fitted adapter."""
        if isinstance(self.ema_decay, str):
            return self._auto_ema_decays.get(self.adapter_.network_family, 0.99)
        return self.ema_decay

    def _optimize(self, name, loss):
        super()._optimize(name, loss)
        decay = self._ema_decay() if name == "generator" else None
        if decay is not None:
            self._n_averaged += 1
            update_average(self.generator_average_, self.generator_,
                           ramped_decay(decay, self._n_averaged),
                           weight=self.__dict__.get("_graph_average_weight"))

    def _step_capture_refusal(self):
        if getattr(getattr(self, "adapter_", None), "spectrum_matching", 0) > 0:
            return ("spectrum matching's FFTs (cuFFT failed inside a captured step on an "
                    "H200)")
        return super()._step_capture_refusal()

    def _sampling_generator(self):
        """The network :meth:`sample` and :meth:`score` use: the average if kept."""
        average = getattr(self, "generator_average_", None)
        return self.generator_ if average is None else average

    def _finish_training(self, tensors):
        """After the epochs: match level rates (and, in private fits, the scalar units'
        quantiles) and choose pair calibration's oversampling (tables), then the noise
        floor (signals)."""
        self._match_level_rates()
        self._match_scalar_quantiles()
        self._match_pair_oversampling()
        self._match_noise_floor(tensors)

    def _fit_to_trained_networks(self, n_steps):
        """The encoder of :meth:`transform`, fitted to the final generator."""
        self._fit_encoder(n_steps)

    def _latent_condition(self, y, n_rows, needed_for):
        """The generator's condition for rows of labels ``y`` (None: unconditional).

        An unconditional generator reads no labels, as a scikit-learn transformer
        ignores ``y``; labels for a different number of rows are a mistake all the same.
        """
        if y is not None and np.ndim(y) > 0 and len(y) != n_rows:
            raise ValueError(f"y has {len(y)} labels for {n_rows} rows.")
        return None

    def _condition_tensors(self, y, reset):
        """Extra per-row inputs for both networks (conditional models); None here."""
        return None

    def _generate_for_training(self, n_rows, condition):
        """Fake rows for a training step and the generator's condition penalty.

        The penalty (None without training-by-sampling) is the cross-entropy between the
        levels the condition vector asks for and the generator's logits; steps add it
        to the generator's loss.
        """
        latent = self._draw_latent(n_rows)
        if self.conditioner_ is None:
            return self.generator_(latent, condition, self._step_rng), None
        raw = self.generator_.raw_output(latent, condition)
        fake = self.generator_.head(raw, self._step_rng)
        asked = condition[:, condition.shape[1] - self.conditioner_.dim:]
        log_probabilities = self.generator_.head.block_log_probabilities(raw)
        return fake, self.conditioner_.penalty(log_probabilities, asked)

    def _with_generator_terms(self, g_loss, losses, real, fake, condition_penalty):
        """``g_loss`` plus the generator's extra terms, each also logged in ``losses``.

        The condition penalty of training-by-sampling (``condition_loss``), and for a
        signal adapter with ``spectrum_matching > 0`` that weight times the gap between
        the batch's spectra and the real batch's (``spectrum_loss``, see
        :func:`skgan.objectives.spectrum_moment_gap`).
        """
        if condition_penalty is not None:
            g_loss = g_loss + condition_penalty
            losses["condition_loss"] = condition_penalty
        weight = getattr(self.adapter_, "spectrum_matching", 0.0)
        if weight > 0 and len(real) > 1:
            gap = spectrum_moment_gap(real, fake)
            g_loss = g_loss + weight * gap
            losses["spectrum_loss"] = gap.detach()
        return g_loss

    def _draw_latent(self, n_samples, generator=None, truncation=None, buffers=None):
        """Latent noise: from ``generator``, or for a training step from the estimator's.

        With ``truncation`` (sampling only), from the normal truncated to that threshold.
        With :class:`~skgan.networks.pass_buffers.PassBuffers` ``buffers`` (sampling on
        the CPU), drawn into the tensor kept there for latent rows (the same values;
        overwritten by the next draw with the same buffers).

        In a distributed fit on the same rows everywhere, a step draws the noise of the
        whole batch from the stream all ranks share and keeps its own rows (so the
        ranks together draw what one process would); on shards, its own noise.
        """
        parallel = getattr(self, "_data_parallel", None) if generator is None else None
        if parallel is not None and not parallel.replicated:
            generator = self._local_rng
        elif generator is None:
            generator = self._rng
        if truncation is not None:
            latent = truncated_normal(n_samples, self._architecture["latent_dim"], truncation,
                                      generator)
            return latent.to(self.device_)
        n_drawn = n_samples * parallel.world_size if parallel is not None and \
            parallel.replicated else n_samples
        if buffers is not None and parallel is None and generator.device.type == "cpu" \
                and self.device_.type == "cpu":
            latent = buffers.rows("latent", n_samples, self._architecture["latent_dim"],
                                  torch.float32, self.device_)
            return torch.randn(latent.shape, generator=generator, out=latent)
        latent = torch.randn(
            n_drawn, self._architecture["latent_dim"], generator=generator,
            device=generator.device,
        )
        if n_drawn != n_samples:
            latent = parallel.latent_part(latent)
        return latent.to(self.device_)

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
        """Held-out ``X`` (2 rows or more), checked like the training data, encoded as
        flat rows."""
        self._check_fitted_input(X)
        if _num_samples(X) < 2:
            raise ValueError(f"score needs at least 2 rows of X, got {_num_samples(X)}.")
        real = self.adapter_.encode_for_scoring(X)
        return real.reshape(len(real), -1)

    def _score_seeds(self):
        """The fixed random source of :meth:`score` (set at fit, not the sampling stream)."""
        return np.random.RandomState(self._score_seed % 2**32)

    def _negative_mmd_to_generated(self, real, seeds, condition=None, n_generated=None,
                                   gamma=None):
        """``-MMD²`` between flat rows ``real`` and ``n_generated`` samples (as many as
        ``real`` by default; kernel width ``gamma``, from real when None)."""
        n_generated = len(real) if n_generated is None else n_generated
        generated = self._generate_encoded(n_generated, self._seeded_generator(seeds), condition)
        generated = generated.reshape(n_generated, -1)
        if generated.shape[1] == 0:  # only constant columns: every row is alike
            return 0.0
        return -mmd(real, generated,
                    gamma=median_heuristic_gamma(real) if gamma is None else gamma)

    def _validation_score(self, X, y=None):
        """Early stopping's default score: :meth:`score`, against ``max_score_samples``
        generated rows however few are held out, so that checks differ by the
        generator's changes more than by which few rows it drew. Labelled rows
        (ConditionalGAN) are scored by :meth:`score`. ``X`` may be the
        :class:`_EncodedHeldOut` of :meth:`_prepared_validation`."""
        if y is not None:
            return self.score(X, y)
        held_out = X if isinstance(X, _EncodedHeldOut) else self._prepared_validation(X)[0]
        return self._negative_mmd_to_generated(
            held_out.rows, self._score_seeds(),
            n_generated=max(len(held_out.rows), self.max_score_samples), gamma=held_out.gamma)

    def _prepared_validation(self, X, y=None):
        """Unlabelled held-out rows encoded once a fit, with their kernel width: every
        check reads the same (encoding them and finding the width took a fifth of the
        checks' seconds on mpg's 163 rows); labelled rows as they are. What
        :meth:`_validation_score` reads: a subclass overrides both or neither."""
        if y is not None:
            return X, y
        real = self._encoded_for_score(X)
        # no width for rows of no features (only constant columns): they score 0.0
        return _EncodedHeldOut(real, median_heuristic_gamma(real) if real.shape[1] else None), \
            None

