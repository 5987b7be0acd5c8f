"""Tables encoded for a TabularAdapter's networks: the rows' scalars and block codes,
dense or as :class:`~skgan.adapters._encoded_rows.EncodedRows`, after the constraints'
transforms and a check of the columns."""

import torch

from ._encoded_rows import EncodedRows, dense_array, encode_columns
from ._table_input import as_frame


class TableEncodingMixin:
    """The encoding side of :class:`~skgan.adapters.TabularAdapter`.

    Relies on the fitted adapter's ``column_encoders_``, ``scalar_positions_``,
    ``block_starts_``, ``head_layout_``, ``encoded_shape_``, ``columns_``,
    ``array_dtype_``, ``constraints_`` and ``handle_invalid``.
    """

    def rows_to_train_on(self, X, continued=False):
        constraints = getattr(self, "constraints_", None)
        if constraints is None or self.handle_invalid != "drop":
            return None
        frame, _ = as_frame(X, require_values=False)
        self._check_columns(frame)
        return constraints.rows_to_keep(frame, warn=continued)

    def encode(self, X):
        return self._encode(X, strict=True)

    def encode_for_scoring(self, X):
        """Like :meth:`encode`, but levels never seen in training get an all-zero block
        and unexpected missing values the column's median, instead of errors."""
        return self._encode(X, strict=False)

    def encode_for_training(self, X, device):
        """The rows as :class:`~skgan.adapters._encoded_rows.EncodedRows` on ``device``:
        scalars and one code per one-hot block, made dense a mini-batch at a time."""
        scalars, codes = self._encode_parts(X, strict=True)
        starts = self._flat_block_starts()
        return EncodedRows(torch.from_numpy(scalars).to(device),
                           torch.from_numpy(codes).to(device), starts, self.encoded_shape_[0])

    def _encode(self, X, strict):
        scalars, codes = self._encode_parts(X, strict)
        return dense_array(scalars, codes, self._flat_block_starts(), self.encoded_shape_[0])

    def _flat_block_starts(self):
        """Where every one-hot block starts in the encoding, in order."""
        return [start for column_starts in self.block_starts_ for start in column_starts]

    def _encode_parts(self, X, strict):
        """Scalars and block codes of every row (see :func:`encode_columns`)."""
        self._check_fitted()
        frame, _ = as_frame(X, require_values=False)
        self._check_columns(frame)
        if getattr(self, "constraints_", None) is not None:
            frame = self.constraints_.transform(frame, strict=strict)
        return encode_columns(frame, self.column_encoders_, self.scalar_positions_,
                              self.head_layout_, strict)

    def _check_columns(self, frame):
        constraints = getattr(self, "constraints_", None)
        columns = self.columns_ if constraints is None else constraints.columns
        if frame.shape[1] != len(columns) or (
            self.array_dtype_ is None and not frame.columns.equals(columns)
        ):
            raise ValueError(
                f"The data has columns {list(frame.columns)}; the adapter was fitted on "
                f"{list(columns)}."
            )
