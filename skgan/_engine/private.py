"""Differentially private training of the discriminator (DP-SGD through Opacus).

The discriminator is the only network that sees real rows; the generator learns from
its outputs alone, so it inherits the guarantee (post-processing). Each discriminator
step takes real rows by Poisson sampling (every row in with probability
``batch_size / n_rows``, independently), clips every row's own gradient to
``dp_max_grad_norm`` and adds Gaussian noise of ``noise_multiplier * dp_max_grad_norm``
to their sum; the RDP accountant adds up what the steps spend. The noise multiplier is
calibrated before training so that all the steps of the fit spend at most
``dp_epsilon`` at ``dp_delta`` (Abadi et al., 2016; Mironov, 2017).

What keeps the unit of privacy one row: packs of one row (``pac=1``), no layer that
mixes rows (batch normalisation is refused), as many generated rows every step whatever
the number of real rows drawn, and no conditioning drawn from the real rows
(training-by-sampling is off).
"""

import math
import secrets
from contextlib import nullcontext

import numpy as np
import torch
from sklearn.utils.validation import _num_samples

from ..adapters._score_correlations import effective_scores
from ..objectives import correlation_gap
from .privacy_budget import (
    MAX_PAIR_NOISE,
    MAX_TARGET_PAIR_NOISE,
    auto_private_steps,
    combined_noise_multiplier,
    correlation_noise_multiplier,
    default_delta,
    expected_steps,
    gaussian_rdp,
    pair_noise_multiplier,
    target_selection_plan,
)
from .caller_warnings import warn_at_caller
from .private_discriminator import PrivateDiscriminator, import_opacus
from .torch_utils import flag_is


#: Options of a TabularAdapter that read the training rows beyond what a private fit
#: covers, with why; a private fit turns them off (or refuses a user's adapter with one).
_NOT_PRIVATE_ADAPTER_OPTIONS = {
    "pair_calibration": "rakes samples to the training rows' joint frequencies of column "
                        "pairs (a pair of levels that one person alone has would show)",
    "independent_columns": "shuffles the columns that tests on the training rows find "
                           "independent of the rest (the tests' outcomes are not private)",
}


#: Weight of the correlation term in a private fit's generator loss (wage at epsilon
#: 10, three seeds, a probe with the exact correlations as the target: pair trends 0.84
#: without the term, 0.92 at weight 10; weight 1, on columns encoded by modes, 0.81).
CORRELATION_WEIGHT = 10.0


class PrivateTrainingMixin:
    """``dp_epsilon``, ``dp_delta`` and ``dp_max_grad_norm`` for a GAN estimator.

    Mixed in before :class:`skgan.base.BaseGAN`; the estimator's discriminator step
    runs inside :meth:`_per_row_gradients` and sums its loss over rows when
    :meth:`_loss_reduction` says "sum".
    """

    # Models pickled or saved before these parameters existed load with their defaults.
    dp_epsilon = None
    dp_delta = None
    dp_max_grad_norm = 1.0
    dp_target = None

    def _private_training(self):
        return getattr(self, "dp_epsilon", None) is not None

    def _check_private_params(self):
        if getattr(self, "dp_target", None) is not None and (
                not self._private_training() or not isinstance(self.adapter, str)):
            raise ValueError(
                "dp_target chooses the noisy pair tables a differentially private fit of "
                "the estimator's own adapter measures: set dp_epsilon, and leave "
                "adapter='auto'.")
        if not self._private_training():
            ignored = [name for name, unset in (("dp_delta", None), ("dp_max_grad_norm", 1.0))
                       if getattr(self, name, unset) != unset]
            if ignored:  # as scikit-learn warns of l1_ratio without penalty="elasticnet"
                warn_at_caller(f"{' and '.join(ignored)} apply to a differentially private "
                               "fit only: without dp_epsilon this fit is not private.")
            return
        if flag_is(self.early_stopping, True):
            raise ValueError("early_stopping=True scores held-out real rows during the fit, "
                             "which dp_epsilon does not cover; use max_time or fewer epochs.")
        if getattr(self, "spectral_norm", False):
            raise ValueError("spectral_norm=True cannot train with dp_epsilon: Opacus has no "
                             "per-row gradients of spectrally normalised layers.")
        if flag_is(getattr(self, "amp", False), True):
            raise ValueError("amp=True cannot train with dp_epsilon: Opacus' per-row "
                             "gradients need float32 (amp='auto' trains a private fit "
                             "in float32).")
        if self.dp_delta is not None and not 0 < self.dp_delta < 1:
            raise ValueError(f"dp_delta must be in (0, 1), got {self.dp_delta!r}.")
        import_opacus()

    def _resolve_adapter(self, X):
        adapter = super()._resolve_adapter(X)
        if not self._private_training():
            return adapter
        reading = [name for name in _NOT_PRIVATE_ADAPTER_OPTIONS
                   if getattr(adapter, name, False) not in (False, None)]
        if reading and not isinstance(self.adapter, str):
            reasons = "; ".join(f"{name} {_NOT_PRIVATE_ADAPTER_OPTIONS[name]}"
                                for name in reading)
            raise ValueError(
                f"The TabularAdapter reads the training rows in ways dp_epsilon does not "
                f"cover ({reasons}); pass TabularAdapter("
                + ", ".join(f"{name}=False" for name in reading) + ").")
        if reading:  # skgan's own adapter: made private
            adapter.set_params(**dict.fromkeys(reading, False))
        if isinstance(self.adapter, str) and getattr(adapter, "continuous", "vgm_cdf") != "vgm_cdf":
            # a mixture's few means, scales and weights reveal less of a column than
            # its quantiles (docs/privacy.md); through the mixture's CDF, a column is
            # one number whose increasing maps keep its order (_mixture_scores.py)
            adapter.set_params(continuous="vgm_cdf")
        if isinstance(self.adapter, str) and getattr(adapter, "spectrum_matching", 0) > 0:
            # the generator's loss would compare with real batches outside the guarantee
            adapter.set_params(spectrum_matching=0.0)
        if isinstance(self.adapter, str) and getattr(adapter, "min_frequency", None) is not None:
            # pooling rare levels keeps a plain fit from copying their rows; the privacy
            # budget already bounds that, and pooling cost private fits' quality
            # (docs/privacy.md, "Rare levels")
            adapter.set_params(min_frequency=None)
        return adapter

    def _level_rate_blocks(self):
        """In a private fit, the modes of continuous columns too, at their shares in the
        rows trained on (an adapter statistic, as the levels' shares are:
        docs/privacy.md)."""
        return super()._level_rate_blocks() + getattr(self, "_mode_rates", [])

    def _finish_training(self, tensors):
        mode_rates = getattr(self.adapter_, "mode_rates", None)
        codes = getattr(tensors[0], "codes", None)
        if self._private_training() and mode_rates is not None and codes is not None:
            self._mode_rates = mode_rates(codes.cpu().numpy())
        try:
            super()._finish_training(tensors)
        finally:
            self.__dict__.pop("_mode_rates", None)

    def _calibrates_scalar_quantiles(self):
        # the generator of a private fit learns from noisy gradients and can leave a
        # continuous column's units saturated (every value at one end of its range)
        return self._private_training()

    def _epochs_for(self, n_rows):
        """``epochs="auto"`` in a private fit: :func:`auto_private_steps` steps."""
        if self.epochs != "auto" or not self._private_training():
            return super()._epochs_for(n_rows)
        batch_size = self._batch_size_for(n_rows)
        steps_per_epoch = max(1, n_rows // batch_size)
        plain_steps = super()._epochs_for(n_rows) * steps_per_epoch
        delta = self.dp_delta if self.dp_delta is not None else default_delta(n_rows)
        measured = getattr(self, "_measured_noise_multiplier", None)
        steps = auto_private_steps(
            n_rows, batch_size, self.dp_epsilon, delta, plain_steps,
            0.0 if measured is None else gaussian_rdp(measured))
        return max(1, math.ceil(steps / steps_per_epoch))

    def _start_training(self, X):
        super()._start_training(X)
        for name in ("_measured_noise_multiplier", "_score_correlation_target"):
            self.__dict__.pop(name, None)
        measure = getattr(self.adapter_, "fit_private_pair_tables", None)
        target = self._dp_target_position(measure is not None)
        if not self._private_training() or measure is None or not isinstance(self.adapter, str):
            return
        # Measurements before training, when their noise is small against the rows:
        # their share of the budget goes into the accountant before training's, as one
        # Gaussian mechanism. The noise comes from the operating system, not from
        # random_state: what they measure is kept in the model, and noise a seed can
        # redraw could be subtracted.
        randomness = np.random.default_rng(secrets.randbits(128))
        n_rows = _num_samples(X)
        delta = self.dp_delta if self.dp_delta is not None else default_delta(n_rows)
        self._measured_noise_multiplier = combined_noise_multiplier([
            self._measure_pair_tables(X, target, n_rows, delta, randomness)
            if self._calibrates_level_rates else None,
            self._measure_score_correlations(X, n_rows, delta, randomness)])

    def _measure_pair_tables(self, X, target, n_rows, delta, randomness):
        """Pair calibration's tables measured with noise (around ``target``, a column
        position, if given); their noise multiplier, or None when none is measured."""
        n_pairs = self.adapter_.private_pair_count(target, n_rows)
        if target is not None and n_pairs == 0:
            warn_at_caller(
                f"dp_target={self.dp_target!r}: no table of this column can be measured (it "
                "holds a single value or its levels all share one unit, or only columns of "
                "too many levels go with it); the "
                "fit measures the tables of pairs of discrete columns instead.")
            target, n_pairs = None, self.adapter_.private_pair_count()
        noise = pair_noise_multiplier(
            self.dp_epsilon, delta, n_pairs, n_rows,
            MAX_PAIR_NOISE if target is None else MAX_TARGET_PAIR_NOISE)
        plan = (None if noise is not None or target is None
                else target_selection_plan(self.dp_epsilon, delta, n_pairs, n_rows))
        if noise is None and plan is None:
            if target is not None:
                warn_at_caller(
                    f"dp_target={self.dp_target!r}: the tables of this column would carry "
                    f"noise of more than {MAX_TARGET_PAIR_NOISE:.0%} of the {n_rows} rows "
                    f"at dp_epsilon={self.dp_epsilon:g}, and so would one of them chosen "
                    "privately (four fifths of their budget), so none is measured and its "
                    "links to the other columns are left to the private generator (a "
                    "larger dp_epsilon or more rows measure them).")
            return None
        if plan is None:
            self.adapter_.fit_private_pair_tables(X, noise, randomness, target)
            return noise
        # too many tables for the bound: the one that tells most, chosen privately
        self.adapter_.fit_private_pair_tables(
            X, plan.table_noise_multiplier, randomness, target,
            chosen=(plan.n_chosen, plan.round_epsilon))
        return plan.noise_multiplier  # the choice and the tables, as one mechanism

    def _measure_score_correlations(self, X, n_rows, delta, randomness):
        """The correlations of the continuous columns' scores measured with noise, kept
        for the generator's loss during training (:meth:`_with_generator_terms`); their
        noise multiplier, or None when they are not measured (fewer than two such
        columns, or noise above ``MAX_CORRELATION_NOISE``)."""
        units = getattr(self.adapter_, "score_units", lambda: [])()
        noise = correlation_noise_multiplier(self.dp_epsilon, delta, len(units), n_rows)
        if noise is None:
            return None
        correlations = self.adapter_.private_score_correlations(X, noise, randomness)
        self._score_correlation_target = (
            units, torch.as_tensor(correlations, dtype=torch.float32, device=self.device_))
        return noise

    def _with_generator_terms(self, g_loss, losses, real, fake, condition_penalty):
        """In a private fit whose continuous columns' correlations were measured, the
        generator's loss also holds its batch's correlations of those columns' scores
        to them (``CORRELATION_WEIGHT`` times :func:`~skgan.objectives.correlation_gap`,
        logged as ``correlation_loss``): post-processing of a private measurement."""
        g_loss = super()._with_generator_terms(g_loss, losses, real, fake, condition_penalty)
        target = getattr(self, "_score_correlation_target", None)
        if target is None or len(fake) < 2:
            return g_loss
        units, correlations = target
        gap = correlation_gap(effective_scores(fake.float(), units), correlations)
        losses["correlation_loss"] = gap.detach()
        return g_loss + CORRELATION_WEIGHT * gap

    def _dp_target_position(self, has_pair_tables):
        """The position of ``dp_target`` among the fitted adapter's columns (None
        without one), or a clear error for an adapter without pair tables or a column
        the table does not have."""
        target = getattr(self, "dp_target", None)
        if target is None:
            return None
        if not has_pair_tables:
            raise ValueError(f"dp_target={target!r} names a column of a table: it needs "
                             "a tabular adapter (adapter='auto' on a DataFrame), not "
                             f"{type(self.adapter_).__name__}.")
        columns = list(getattr(self.adapter_, "columns_", []))
        matches = [position for position, name in enumerate(columns)
                   if name == target and isinstance(name, bool) == isinstance(target, bool)]
        if not matches:
            shown = ", ".join(repr(name) for name in columns[:20])
            raise ValueError(f"dp_target={target!r} is not a column of the table (columns: "
                             f"{shown}{', ...' if len(columns) > 20 else ''}).")
        return matches[0]

    def _autocast(self):
        """Float32 in a private fit, training and sampling: Opacus' per-row gradients
        need it, and the scalar units' maps were fitted on float32 raw values."""
        if self._private_training():
            return torch.autocast(self.device_.type, dtype=torch.bfloat16, enabled=False)
        return super()._autocast()

    def _early_stopping_option(self):
        """"auto" early stopping stays off in a private fit (it reads held-out rows)."""
        return False if self._private_training() else super()._early_stopping_option()

    def _prepare_training(self, X, y, reset):
        if self._private_training():
            if not reset:
                raise ValueError(
                    "dp_epsilon budgets one whole fit: partial_fit or warm_start would "
                    "spend more than it. Call fit with warm_start=False.")
            if getattr(self, "_data_parallel", None) is not None:
                raise ValueError("dp_epsilon is not supported with distributed training "
                                 "yet; run the fit in one process (distributed=False).")
        return super()._prepare_training(X, y, reset)

    def _make_conditioner(self):
        # training-by-sampling draws real rows by their levels' frequencies and hands
        # the generator conditions taken from them: not one row's influence per step
        return None if self._private_training() else super()._make_conditioner()

    def _pac(self):
        return 1 if self._private_training() else super()._pac()

    def _in_private_fit(self):
        """Whether the epochs under way train privately (set up by _begin_epochs)."""
        return getattr(self, "_private", None) is not None

    def _loss_reduction(self):
        return "sum" if self._in_private_fit() else "mean"

    def _real_row_losses(self, **losses):
        """``losses`` (computed on real rows) to log in ``history_`` and the progress
        bar; none in a private fit, whose guarantee covers the networks and their
        samples, not figures of the real rows that no noise reached (the
        discriminator's loss, its mismatch loss)."""
        return {} if self._in_private_fit() else losses

    def _fake_rows_per_step(self, n_real):
        private = getattr(self, "_private", None)
        return n_real if private is None else private.batch_size

    def _per_row_gradients(self):
        private = getattr(self, "_private", None)
        return private.per_row_gradients() if private is not None else nullcontext()

    def _begin_epochs(self, n_rows, batch_size, n_epochs):
        super()._begin_epochs(n_rows, batch_size, n_epochs)
        if not self._private_training():
            for name in ("dp_epsilon_spent_", "dp_delta_", "dp_noise_multiplier_"):
                self.__dict__.pop(name, None)
            return
        if getattr(self.adapter_, "spectrum_matching", 0) > 0:
            raise ValueError("dp_epsilon: the signal adapter's spectrum_matching compares "
                             "generated signals with real batches in the generator's loss, "
                             "outside the guarantee; use SignalAdapter(spectrum_matching=0).")
        self.dp_delta_ = self.dp_delta if self.dp_delta is not None else default_delta(n_rows)
        self._private = PrivateDiscriminator(
            self.discriminator_, self.optimizers_["discriminator"], epsilon=self.dp_epsilon,
            delta=self.dp_delta_, max_grad_norm=self.dp_max_grad_norm, n_rows=n_rows,
            batch_size=batch_size, n_steps=expected_steps(n_rows, batch_size, n_epochs),
            generator=self._rng,
            measured_noise_multiplier=getattr(self, "_measured_noise_multiplier", None))
        self.dp_noise_multiplier_ = float(self._private.noise_multiplier)

    def _end_epochs(self):
        for name in ("_measured_noise_multiplier", "_score_correlation_target"):
            self.__dict__.pop(name, None)
        private = self.__dict__.pop("_private", None)
        if private is not None:
            self.dp_epsilon_spent_ = private.epsilon_spent()
            private.close()
        super()._end_epochs()

    def _batch_sampler(self, tensors, batch_size):
        private = getattr(self, "_private", None)
        if private is None:
            return super()._batch_sampler(tensors, batch_size)
        n_batches = max(1, tensors[0].shape[0] // batch_size)
        return lambda generator: private.poisson_batches(tensors, n_batches)

    def _match_noise_floor(self, tensors):
        # it measures the noise floor of real training signals: not in a private fit
        if not self._private_training():
            super()._match_noise_floor(tensors)

    def _optimize(self, name, loss):
        private = getattr(self, "_private", None)
        if private is None or name != "discriminator":
            return super()._optimize(name, loss)
        private.step(loss)

