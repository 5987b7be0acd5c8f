"""After the epochs, before sampling: generated level rates and noise floors matched to
the training data's, and pair calibration's oversampling chosen (adjustments of
sampling that are not gradient steps)."""

import warnings

import numpy as np
import torch

from ..networks import matching_noise_scale
from .level_rates import (CALIBRATION_ROWS, LINKED_ROUNDS, LINKED_TOLERANCE,
                          LOOPED_DAMPING, MAX_CALIBRATED_WIDTH, calibrate_level_rates,
                          shift_to_linked_shares)
from .scalar_quantiles import QUANTILE_SCORES, calibrate_scalar_quantiles


class CalibrationMixin:
    """``_match_level_rates``, ``_match_scalar_quantiles``, ``_match_pair_oversampling``
    and ``_match_noise_floor`` of :class:`skgan.base.BaseGAN`.

    Relies on the fitted ``adapter_`` and on ``_sampling_generator``,
    ``_generate_encoded``, ``_seeded_generator``, ``_score_seeds`` and
    ``max_score_samples`` of the estimator.
    """

    #: Whether :meth:`_match_level_rates` applies to every fit (ConditionalGAN samples
    #: per class: only its private fits, where :meth:`_calibrates_scalar_quantiles`).
    _calibrates_level_rates = True

    def _match_level_rates(self):
        """Generate every discrete level and missing value at its training rate.

        With a tabular adapter's ``level_calibration=True``, sets the sampling
        generator's ``level_bias`` by :func:`skgan._engine.level_rates.calibrate_level_rates`
        from the logits of rows drawn with the fixed seeds of :meth:`score` (the
        sampling stream is not advanced). A conditional model, which samples per class,
        is calibrated only in a private fit (its noisy training can leave levels and
        modes far from their shares), over rows whose labels are drawn as ``sample``
        draws them. The generated-minus-training share of every
        calibrated unit before calibration is kept in ``_level_rate_gaps``. The
        training it follows is kept whatever happens here: a failure (or Ctrl-C)
        leaves the generator uncalibrated (zero shifts) and warns.
        """
        head = getattr(self._sampling_generator(), "head", None)
        if getattr(head, "level_bias", None) is None:
            return
        with torch.no_grad():
            head.level_bias.zero_()
        calibrates = self._calibrates_level_rates or self._calibrates_scalar_quantiles()
        blocks = self._level_rate_blocks() if calibrates else []
        if not blocks:
            return
        try:
            generator = self._seeded_generator(self._score_seeds())
            condition = self._calibration_condition(CALIBRATION_ROWS, generator)
            raw = self._generate_encoded(CALIBRATION_ROWS, generator, condition,
                                         output="raw")
            n_identity, n_tanh, _ = self.adapter_.head_layout_
            first_unit = n_identity + n_tanh
            bias, self._level_rate_gaps = calibrate_level_rates(
                raw[:, first_unit:], [(start - first_unit, shares) for start, shares in blocks]
            )
            if not np.isfinite(bias).all():
                raise FloatingPointError("the generated logits are not finite")
            with torch.no_grad():
                head.level_bias.copy_(torch.as_tensor(bias, dtype=head.level_bias.dtype))
            self._match_linked_level_rates(head, raw, first_unit)
        except (Exception, KeyboardInterrupt) as error:
            with torch.no_grad():
                head.level_bias.zero_()
            warn_kept(self, "samples levels at the rates it learned",
                       "matching the training rates", error)

    def _level_rate_blocks(self):
        """``(first unit, training shares)`` of every block level calibration matches:
        the adapter's ``level_rates`` (discrete columns and missing values)."""
        rates = getattr(self.adapter_, "level_rates", None)
        return rates() if rates is not None else []

    def _match_linked_level_rates(self, head, raw, first_unit):
        """Match again, on rows with the adapter's level rules written, the rates of
        the columns those rules decide in some rows (up to ``LINKED_ROUNDS`` rounds of
        :func:`skgan._engine.level_rates.shift_to_linked_shares`, each measured on the
        head's draws from ``raw``, the generated rows the shifts were fitted on, with
        the same draws every round; the shifts of the round nearest the training shares
        are kept): the values the rules write come on top of what the generator
        draws."""
        linked = getattr(self.adapter_, "linked_level_rates", lambda: [])()
        linked = [(start - first_unit, position, shares, looped)
                  for start, position, shares, looped in linked
                  if len(shares) <= MAX_CALIBRATED_WIDTH]
        if not linked:
            return
        bias = head.level_bias.detach().cpu().numpy().astype(np.float64)
        best, best_gap = bias.copy(), np.inf
        raw = torch.from_numpy(raw).to(self.device_)
        for round_ in range(LINKED_ROUNDS + 1):
            with torch.inference_mode():
                scalars, codes = head.sample_codes(
                    raw, self._seeded_generator(self._score_seeds()))
            rows = self.adapter_.generated_rows(scalars.float().cpu(), codes.cpu())
            measured = self.adapter_.linked_level_shares(rows, random_state=0)
            gap = sum(0.5 * np.abs(sum(measured[position]) - shares).sum()
                      for _, position, shares, _ in linked)  # total variation, all blocks
            improved = best_gap - gap
            if gap < best_gap:  # a round that overshot is not kept
                best, best_gap = bias.copy(), gap
            if improved <= LINKED_TOLERANCE or round_ == LINKED_ROUNDS:
                break
            for start, position, shares, looped in linked:
                units = slice(start, start + len(shares))
                bias[units] = shift_to_linked_shares(
                    bias[units], *measured[position], shares,
                    damping=LOOPED_DAMPING if looped else 1.0)
            with torch.no_grad():
                head.level_bias.copy_(torch.as_tensor(bias, dtype=head.level_bias.dtype))
        with torch.no_grad():
            head.level_bias.copy_(torch.as_tensor(best, dtype=head.level_bias.dtype))

    def _calibrates_scalar_quantiles(self):
        """Whether :meth:`_match_scalar_quantiles` applies (private fits)."""
        return False

    def _match_scalar_quantiles(self):
        """Map the generator's scalar units onto the quantiles their encoding implies.

        With an adapter that has ``scalar_quantile_targets`` and when
        :meth:`_calibrates_scalar_quantiles` says so, sets the sampling generator's
        head's ``scalar_quantiles`` by
        :func:`skgan._engine.scalar_quantiles.calibrate_scalar_quantiles` from the raw
        outputs of rows drawn with the fixed seeds of :meth:`score` (the sampling stream
        is not advanced; a conditional model's rows with labels drawn as ``sample``
        draws them, so the maps match the columns over all classes and keep each
        class's order); otherwise the head keeps none. A failure (or Ctrl-C) leaves
        the head without maps and warns.
        """
        head = getattr(self._sampling_generator(), "head", None)
        if "scalar_quantiles" not in getattr(head, "_buffers", {}):
            return
        head.scalar_quantiles = None
        targets_of = getattr(self.adapter_, "scalar_quantile_targets", None)
        n_identity, n_tanh, _ = getattr(self.adapter_, "head_layout_", (0, 0, ()))
        if (targets_of is None or not n_identity + n_tanh
                or not self._calibrates_scalar_quantiles()):
            return
        try:
            generator = self._seeded_generator(self._score_seeds())
            condition = self._calibration_condition(CALIBRATION_ROWS, generator)
            raw = self._generate_encoded(CALIBRATION_ROWS, generator, condition,
                                         output="raw")
            quantiles = calibrate_scalar_quantiles(raw[:, :n_identity + n_tanh],
                                                   targets_of(QUANTILE_SCORES))
        except (Exception, KeyboardInterrupt) as error:
            warn_kept(self, "samples continuous values as it learned them",
                       "matching their encoding's quantiles", error)
            return
        head.scalar_quantiles = torch.as_tensor(quantiles, device=head.level_bias.device)

    def _calibration_condition(self, n_rows, generator):
        """The condition of the rows :meth:`_match_level_rates` and
        :meth:`_match_scalar_quantiles` draw (None: the generator's own; a conditional
        estimator draws labels as it samples them)."""
        return None

    def _match_pair_oversampling(self):
        """Choose how many rows pair calibration generates per sampled row.

        With a tabular adapter's pair calibration, rows drawn with the fixed seeds of
        :meth:`score` (the sampling stream is not advanced) go to the adapter's
        ``choose_oversampling``, which keeps the smallest factor whose raked rows hold
        every pair of discrete columns near its training association and every level
        near its training share. A failure (or
        Ctrl-C) keeps the adapter's default factor and warns.
        """
        n_candidates = getattr(self.adapter_, "oversampling_candidates", lambda: 0)()
        if not n_candidates or not self._calibrates_level_rates:
            return
        try:
            generator = self._seeded_generator(self._score_seeds())
            encoded = self._generate_encoded(n_candidates, generator, output="codes")
            self.adapter_.choose_oversampling(encoded, random_state=0)
        except (Exception, KeyboardInterrupt) as error:
            warn_kept(self, "samples with the default pair calibration",
                      "choosing its oversampling", error)

    def _match_noise_floor(self, tensors):
        """Give a signal generator's samples the data's noise floor.

        With ``SignalAdapter(match_noise_floor=True)``, the scale of the white noise the
        generator adds after its tanh is set from up to ``max_score_samples`` training
        signals and as many generated ones (with their conditions, for conditional
        models), drawn from the fixed seeds of :meth:`score` (see
        :func:`skgan.networks.matching_noise_scale`); a ``partial_fit`` sets it from its
        own chunk. The training it follows is kept whatever happens here: a failure
        (or Ctrl-C) leaves the trained scale and warns.
        """
        sampling_generator = self._sampling_generator()
        noise = getattr(sampling_generator, "noise", None)
        if not (getattr(self.adapter_, "match_noise_floor", False)
                and getattr(sampling_generator, "noise_after_tanh", False)
                and noise is not None):
            return
        try:
            encoded, *conditions = tensors
            seeds = self._score_seeds()
            n_rows = min(len(encoded), self.max_score_samples)
            rows = torch.as_tensor(seeds.choice(len(encoded), n_rows, replace=False),
                                   device=encoded.device)
            condition = conditions[0][rows] if conditions else None
            fake = self._generate_encoded(n_rows, self._seeded_generator(seeds), condition)
            scale = matching_noise_scale(encoded[rows].float(), torch.from_numpy(fake),
                                         noise.scale.detach())
            if not torch.isfinite(scale).all():
                raise FloatingPointError("the generated signals are not finite")
        except (Exception, KeyboardInterrupt) as error:
            warn_kept(self, "kept its trained noise scale", "matching the data's noise floor",
                       error)
            return
        with torch.no_grad():
            noise.scale.copy_(scale.to(noise.scale))


def warn_kept(estimator, kept, step, error):
    """Warn that an after-training ``step`` failed and the training was kept as it is."""
    warnings.warn(
        f"{type(estimator).__name__} {kept}: {step} failed ({type(error).__name__}: {error}).",
        UserWarning,
        stacklevel=6,
    )
