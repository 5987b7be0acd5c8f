"""Generated rows of a TabularAdapter decoded into a table: columns from their encoded
scalars and codes, links between columns written, constraints' reverse transforms."""

import numpy as np
import pandas as pd
import torch

from .._engine.torch_utils import random_source
from ._decoded_rows import DecodedRows
from ._dependencies import write_links
from ._encoded_rows import EncodedRows, split_dense


class TableDecodingMixin:
    """The decoding side of :class:`~skgan.adapters.TabularAdapter`.

    Relies on the fitted adapter's ``column_encoders_``, ``scalar_positions_``,
    ``head_layout_``, ``encoded_shape_``, ``columns_``, ``array_dtype_``,
    ``constraints_`` and ``_flat_block_starts`` (of
    :class:`~skgan.adapters._table_encoding.TableEncodingMixin`).
    """

    #: ``decode`` and ``decode_sample`` also take :class:`EncodedRows` (scalars and
    #: codes): generation hands them over without the dense one-hot blocks.
    decodes_codes = True

    def generated_rows(self, scalars, codes):
        """Generated scalars and block codes (None: no rows) as :class:`EncodedRows`."""
        n_identity, n_tanh, widths = self.head_layout_
        if scalars is None:
            scalars = torch.zeros(0, n_identity + n_tanh)
            codes = torch.zeros(0, len(widths), dtype=torch.long)
        starts = self._flat_block_starts()
        return EncodedRows(scalars, codes, starts, self.encoded_shape_[0])

    def decode(self, encoded, random_state=None):
        self._check_fitted()
        random_state = random_source(random_state)
        return self._as_output(self._decode_columns(encoded, random_state).columns())

    def _as_output(self, columns, n_rows=None):
        if n_rows is None:
            n_rows = len(next(iter(columns.values()))) if columns else 0
        return self._finished(self._table(columns, n_rows))

    def _table(self, columns, n_rows):
        """Decoded columns as a table of the training table's columns, constraints'
        reverse transforms applied."""
        frame = pd.DataFrame(columns, index=pd.RangeIndex(n_rows))
        frame.columns = self.columns_
        if getattr(self, "constraints_", None) is not None:
            frame = self.constraints_.reverse(frame)
        return frame

    def _finished(self, frame):
        if self.array_dtype_ is not None:
            return frame.to_numpy(dtype=self.array_dtype_)
        return frame

    def _decode_columns(self, encoded, random_state):
        """The rows as :class:`DecodedRows`, dependencies and dates written."""
        if isinstance(encoded, EncodedRows):
            all_scalars, all_codes = encoded.scalars.numpy(), encoded.codes.numpy()
        else:
            encoded = np.asarray(encoded, dtype=np.float32)
            all_scalars, all_codes = split_dense(
                encoded.reshape(len(encoded), self.encoded_shape_[0]),
                self.head_layout_[0] + self.head_layout_[1], self._flat_block_starts(),
                self.head_layout_[2])
        parts = {}
        block = 0
        for index, encoder in enumerate(self.column_encoders_):
            scalars = all_scalars[:, self.scalar_positions_[index]].astype(np.float64)
            codes = [all_codes[:, block + offset] for offset in range(len(encoder.block_widths))]
            block += len(encoder.block_widths)
            parts[index] = scalars, codes
        rows = DecodedRows.decode(self.column_encoders_, parts, random_state)
        write_links(self, rows, random_state)
        return rows
