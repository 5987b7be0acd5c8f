"""Which generated rows a TabularAdapter keeps for ``sample(n)``: more candidates than
asked with pair calibration (raked to the training two-way tables, kept by weight) or
with constraints that can reject rows; rows breaking a constraint are never kept."""

import numpy as np

from .._engine.torch_utils import random_source
from ._decoded_rows import DecodedRows
from ._independent_columns import shuffle_groups
from ._pair_calibration import MIN_CANDIDATES, OVERSAMPLING_CHOICES
from ._pair_variables import pair_codes
from ._weighted_rows import systematic_sample
from .base import concatenate_rows


class TableSamplingMixin:
    """The sampling side of :class:`~skgan.adapters.TabularAdapter`: how many rows to
    generate, which of them to keep, and the kept rows of a sample's blocks joined.

    Relies on the fitted adapter's ``_decode_columns``, ``_as_output`` and
    ``_finished``.
    """

    def n_candidates(self, n_rows):
        """Rows to generate for ``n_rows`` sampled ones: more than asked with pair
        calibration (see :meth:`decode_sample`), and a few more with constraints."""
        return candidates_to_generate(self, n_rows)

    def oversampling_candidates(self):
        """Generated rows :meth:`choose_oversampling` needs (0: nothing to choose)."""
        return oversampling_candidates(self)

    def choose_oversampling(self, encoded, random_state=None):
        """Choose how many generated rows pair calibration draws per sampled row, from
        rows the fitted generator made (see ``skgan.adapters._pair_calibration``)."""
        return choose_oversampling(self, encoded, random_source(random_state))

    def decode_sample(self, encoded, n_rows, random_state=None):
        """Decode generated rows and keep ``n_rows`` of them.

        With pair calibration, ``encoded`` holds :meth:`n_candidates` rows; they are
        weighted so that every pair of discrete columns (and of missing-value
        indicators) occurs as in the training rows, and ``n_rows`` distinct rows are
        kept with probability proportional to their weights (see
        ``skgan.adapters._pair_calibration``). Without it, the first ``n_rows``. Rows
        that break a constraint are never kept, so fewer may come back.
        """
        return self.join_sampled([self.sampled_rows(encoded, n_rows, random_state)])

    def sampled_rows(self, encoded, n_rows, random_state=None):
        """The rows :meth:`decode_sample` keeps, before they become a table: the same
        random draws, values not built yet (with constraints, a table already)."""
        random_state = random_source(random_state)
        columns = self._decoded_candidates(encoded, random_state)
        return chosen_rows(self, columns, n_rows, random_state)

    def _decodes_in_threads(self):
        """Whether a sample's blocks may be chosen and decoded in threads, several at
        once (``skgan._engine.decoding_threads``): decoding reads the fitted adapter
        only, and without constraints every block keeps the rows asked of it (a rule
        may drop a row, even one kept by construction, and the rows that refill a block
        are drawn before the next block's)."""
        return getattr(self, "constraints_", None) is None

    def rejection_report(self, encoded, random_state=None):
        """Which constraints the generated rows ``encoded`` break once decoded, in words
        (for the error of a sample that no round could fill); None without
        constraints or when every row keeps them."""
        constraints = getattr(self, "constraints_", None)
        if constraints is None:
            return None
        rows = self._decoded_candidates(encoded, random_source(random_state))
        return constraints.broken_report(self._table(rows.columns(), rows.n_rows))

    def join_sampled(self, parts):
        """One output (a DataFrame, or an array for array input) of the rows of
        :meth:`sampled_rows`' ``parts``, in order: their values are built once."""
        if not isinstance(parts[0], DecodedRows):  # tables already (constraints)
            return self._finished(concatenate_rows(parts))
        rows = parts[0] if len(parts) == 1 else DecodedRows.concatenated(parts)
        return self._as_output(rows.columns(), len(rows))

    def _decoded_candidates(self, encoded, random_state):
        """Generated rows decoded as sampling keeps them (:class:`DecodedRows`),
        independent groups permuted across the rows."""
        return shuffle_groups(self._decode_columns(encoded, random_state),
                              getattr(self, "independent_groups_", []), random_state)



def candidates_to_generate(adapter, n_rows):
    """Rows to generate for ``n_rows`` sampled ones."""
    if not _rakes(adapter) or n_rows == 0:
        constraints = getattr(adapter, "constraints_", None)
        if constraints is not None and constraints.may_reject:
            return n_rows + max(16, n_rows // 8)
        return n_rows
    return max(adapter.pair_tables_.oversampling * n_rows, MIN_CANDIDATES)


def _rakes(adapter):
    """Whether sampling rakes candidates: pair tables whose factor is above 1 (at 1 the
    generated rows are kept as they come)."""
    tables = getattr(adapter, "pair_tables_", None)
    return tables is not None and tables.oversampling > 1


def oversampling_candidates(adapter):
    """Rows to generate for the check that chooses pair calibration's factor:
    ``max(OVERSAMPLING_CHOICES)`` times the rows it keeps; 0 when there is nothing to
    check (no pair calibration, or too few training rows)."""
    tables = getattr(adapter, "pair_tables_", None)
    return 0 if tables is None else max(OVERSAMPLING_CHOICES) * tables.check_rows()


def choose_oversampling(adapter, encoded, random_state):
    """Set the adapter's pair-calibration factor from ``encoded`` candidates
    (:func:`oversampling_candidates` generated rows) decoded as sampling decodes them;
    see ``PairTables.choose_oversampling``."""
    tables = adapter.pair_tables_
    codes, _ = pair_codes(adapter._decoded_candidates(encoded, random_state),
                          adapter.column_encoders_, tables.left_out, tables.bin_edges)
    return tables.choose_oversampling(codes, tables.check_rows())


def chosen_rows(adapter, rows, n_rows, random_state):
    """At most ``n_rows`` of the :class:`DecodedRows` ``rows``: as rows of the same kind
    (:meth:`DecodedRows.taken`, no value built yet), or, with constraints, as a table of
    the training columns, constraints' reverse transforms applied and rows breaking a
    rule dropped (rules judge values, so these are built first)."""
    tables = getattr(adapter, "pair_tables_", None)
    constraints = getattr(adapter, "constraints_", None)
    candidates, output = np.arange(rows.n_rows), None
    if constraints is not None and constraints.may_reject:  # rows no rule kept go first
        output = adapter._table(rows.columns(), rows.n_rows)
        candidates = np.flatnonzero(constraints.valid(output))
    if not _rakes(adapter) or len(candidates) <= n_rows:
        kept = candidates[:n_rows]
    else:
        codes, _ = pair_codes(rows, adapter.column_encoders_, tables.left_out,
                              tables.bin_edges)
        codes = codes[candidates]
        kept = candidates[systematic_sample(
            tables.weights(codes, len(candidates) / n_rows), n_rows, random_state)]
    if output is not None:
        return output.iloc[kept].reset_index(drop=True)
    if constraints is None:
        return rows if len(kept) == rows.n_rows else rows.taken(kept)
    # Values are built for the kept rows only (all of them when nothing was chosen).
    output = adapter._table(rows.columns(kept if len(kept) < rows.n_rows else None),
                            len(kept))
    # kept by construction; a row that was not still goes
    return output[constraints.valid(output)].reset_index(drop=True)
