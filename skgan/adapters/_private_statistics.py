"""What a differentially private fit asks of a fitted TabularAdapter beyond a plain fit:
the targets of its calibrations after training, and its pair tables and the
correlations of its continuous columns measured with noise.

The modes' shares and the scalar units' targets move the generated columns toward
statistics the adapter already holds (docs/privacy.md); the pair tables and the
continuous columns' correlations read the training rows again, through the Gaussian
mechanisms of :class:`~skgan.adapters._pair_calibration.PairTables` and
:func:`~skgan.adapters._score_correlations.noisy_score_correlations`.
"""

import numpy as np
import torch

from ._pair_calibration import count_measured_pairs, fit_pair_tables
from ._score_correlations import effective_scores, noisy_score_correlations, score_units
from ._table_columns import ContinuousColumn
from ._table_input import as_frame



class PrivateStatisticsMixin:
    """What a private fit asks of :class:`~skgan.adapters.TabularAdapter` (the
    functions below, as methods).

    Relies on the fitted adapter's ``column_encoders_``, ``independent_groups_`` and
    ``_columns_not_raked``.
    """

    def mode_rates(self, codes):
        """Like :meth:`level_rates`, for the first block of every continuous column (its
        modes and point masses), from ``codes`` of the rows the generator trained on
        (see :func:`~skgan.adapters._private_statistics.mode_rates`)."""
        return mode_rates(self, codes)

    def scalar_quantile_targets(self, scores):
        """Each scalar unit's raw value at each normal score under its column's encoding
        (see :func:`~skgan.adapters._private_statistics.scalar_quantile_targets`)."""
        return scalar_quantile_targets(self, scores)

    def private_pair_count(self, target=None, n_rows=0):
        """How many two-way tables :meth:`fit_private_pair_tables` measures (read from
        the fitted columns' levels and, around the column at position ``target``, the
        number of training rows, not from the rows)."""
        return count_measured_pairs(self.column_encoders_, self.independent_groups_,
                                    self._columns_not_raked(), target, n_rows)

    def fit_private_pair_tables(self, X, noise_multiplier, random_state, target=None,
                                chosen=None):
        """Set ``pair_tables_`` to the training rows' pair tables measured with
        differential privacy (see
        :func:`~skgan.adapters._private_statistics.private_pair_tables`), around the
        column at position ``target`` if given (only ``chosen``'s number of them, if
        given); a private fit calls it."""
        self.pair_tables_ = private_pair_tables(self, X, noise_multiplier, random_state,
                                                target, chosen)
        return self

    def score_units(self):
        """Where the continuous columns that are one normal score each are in the
        encoding (see :func:`~skgan.adapters._score_correlations.score_units`)."""
        return score_units(self)

    def private_score_correlations(self, X, noise_multiplier, random_state):
        """The correlations of the training rows' scores at :meth:`score_units`,
        measured with differential privacy (see
        :func:`~skgan.adapters._score_correlations.noisy_score_correlations`); a
        private fit calls it."""
        frame = rows_trained_on(self, X)
        units = self.score_units()
        scores = np.concatenate([  # a block of rows at a time: the dense encoding is wide
            effective_scores(torch.from_numpy(self.encode(frame.iloc[start:start + 8192])),
                             units).numpy()
            for start in range(0, len(frame), 8192)]) if len(frame) else np.empty((0, len(units)))
        return noisy_score_correlations(scores, noise_multiplier, random_state)

def mode_rates(adapter, codes):
    """``(first unit, shares)`` of the first block of every continuous column (its modes
    and point masses) among ``codes``: the block codes of the rows the generator
    trained on (one column per block, as ``encode_for_training`` gives them; missing
    values count where they are encoded, at the median). Empty without level
    calibration."""
    if not adapter.level_calibration:
        return []
    block_of_start = {start: block for block, start in
                      enumerate(adapter._flat_block_starts())}
    codes = np.asarray(codes)
    return [(starts[0], np.bincount(codes[:, block_of_start[starts[0]]],
                                    minlength=encoder.block_widths[0]) / len(codes))
            for encoder, starts in zip(adapter.column_encoders_, adapter.block_starts_)
            if isinstance(encoder, ContinuousColumn) and encoder.normalizer_.block_widths]


def scalar_quantile_targets(adapter, scores):
    """Each scalar unit's raw value at each normal score under its column's encoding.

    Returns an array of shape ``(n_scalar_units, len(scores))``, in the head's unit
    order (see :mod:`skgan._engine.scalar_quantiles`); NaN for units of encoders
    without a target.
    """
    n_identity, n_tanh, _ = adapter.head_layout_
    targets = np.full((n_identity + n_tanh, len(scores)), np.nan)
    for encoder, positions in zip(adapter.column_encoders_, adapter.scalar_positions_):
        if len(positions) and hasattr(encoder, "scalar_quantile_targets"):
            targets[positions] = encoder.scalar_quantile_targets(scores)
    return targets


def rows_trained_on(adapter, X):
    """The rows of ``X`` the fitted adapter trains on, as a checked frame (rows a
    constraint drops with ``handle_invalid="drop"`` left out)."""
    frame, _ = as_frame(X, require_values=False)
    adapter._check_columns(frame)
    keep = adapter.rows_to_train_on(frame)
    return frame if keep is None else frame[keep].reset_index(drop=True)


def private_pair_tables(adapter, X, noise_multiplier, random_state, target=None,
                        chosen=None):
    """Pair calibration's tables of the training rows ``X`` (the rows the adapter trains
    on, transformed by its constraints), with Gaussian noise of ``noise_multiplier``
    times the tables' sensitivity in every cell (see
    :class:`~skgan.adapters._pair_calibration.PairTables`); with ``target`` (a column
    position), the tables of that column with every other column, continuous ones in
    bins (see :func:`~skgan.adapters._pair_calibration.fit_pair_tables`), and with
    ``chosen`` (``(n_chosen, round_epsilon)``) only that many of those, chosen by the
    exponential mechanism; None with fewer than two variables to pair."""
    frame = rows_trained_on(adapter, X)
    if getattr(adapter, "constraints_", None) is not None:
        frame = adapter.constraints_.transform(frame)
    return fit_pair_tables(frame, adapter.column_encoders_, adapter.independent_groups_,
                           noise_multiplier, random_state,
                           left_out=adapter._columns_not_raked(), target=target,
                           chosen=chosen)
