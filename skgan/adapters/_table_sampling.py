"""Which generated rows a TabularAdapter keeps for ``sample(n)``: more candidates than
asked with pair calibration (raked to the training two-way tables, kept by weight) or
with constraints that can reject rows; rows breaking a constraint are never kept."""

import numpy as np

from ._pair_calibration import MIN_CANDIDATES, OVERSAMPLING_CHOICES, pair_codes
from ._weighted_rows import systematic_sample


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
    codes, _ = pair_codes(adapter._decoded_candidates(encoded, random_state),
                          adapter.column_encoders_, adapter.pair_tables_.left_out)
    return adapter.pair_tables_.choose_oversampling(codes, adapter.pair_tables_.check_rows())


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
        codes, _ = pair_codes(rows, adapter.column_encoders_, tables.left_out)
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
