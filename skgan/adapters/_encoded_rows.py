"""A table's encoding held as its scalars and level codes, made dense a batch at a time.

The networks see one-hot blocks, but a table with a 1,000-level column would hold 1,000
floats per row for them: 4 GB for a million rows. :class:`EncodedRows` keeps, per row,
the scalar units as float32 and one small integer per one-hot block, and builds the dense
rows only for the indices asked (a mini-batch): about ``4 * n_scalars + 2 * n_blocks``
bytes a row instead of ``4 * width``.
"""

import numpy as np
import torch


class EncodedRows:
    """Encoded rows, dense on indexing: ``rows[indices]`` is a float32 tensor.

    Parameters
    ----------
    scalars : torch.Tensor of shape (n_rows, n_scalars), float32
        The scalar units, which come first in the encoding.
    codes : torch.Tensor of shape (n_rows, n_blocks), integer
        The unit of each one-hot block that is on (``-1``: none).
    block_starts : array-like of shape (n_blocks,)
        Where each block starts in the encoding.
    width : int
        Units in one encoded row.

    Examples
    --------
    >>> import torch
    >>> rows = EncodedRows(torch.tensor([[0.5], [-1.0]]), torch.tensor([[1], [0]]),
    ...                    block_starts=[1], width=3)
    >>> rows[torch.tensor([1, 0])]
    tensor([[-1.0000,  1.0000,  0.0000],
            [ 0.5000,  0.0000,  1.0000]])
    """

    def __init__(self, scalars, codes, block_starts, width):
        self.scalars = scalars
        self.codes = codes
        self.block_starts = torch.as_tensor(np.asarray(block_starts, dtype=np.int64),
                                            device=codes.device)
        self.width = int(width)

    @property
    def shape(self):
        return (self.scalars.shape[0], self.width)

    @property
    def device(self):
        return self.scalars.device

    def __len__(self):
        return self.scalars.shape[0]

    def __getitem__(self, rows):
        scalars, codes = self.scalars[rows], self.codes[rows]
        dense = torch.zeros(scalars.shape[0], self.width, device=scalars.device)
        dense[:, :scalars.shape[1]] = scalars
        if codes.shape[1]:
            codes = codes.long()
            dense.scatter_(1, codes.clamp_min(0) + self.block_starts,
                           (codes >= 0).to(dense.dtype))
        return dense

    def block_codes(self, starts):
        """The codes of the blocks that start at ``starts``: shape (n_rows, len(starts))."""
        position = {int(start): index for index, start in enumerate(self.block_starts.tolist())}
        return self.codes[:, [position[int(start)] for start in starts]].long()


def encode_columns(frame, encoders, scalar_positions, head_layout, strict=True):
    """The scalar units (float32, first in the encoding) and each one-hot block's code
    (``-1``: none) of every row of ``frame``, by its fitted column ``encoders``
    (``strict``: values never seen in training raise).

    Codes are 16-bit integers unless a block has 32,768 units or more.
    """
    n_identity, n_tanh, widths = head_layout
    scalars = np.zeros((len(frame), n_identity + n_tanh), dtype=np.float32)
    code_dtype = np.int16 if max(widths, default=0) < 2**15 else np.int32
    codes = np.empty((len(frame), len(widths)), dtype=code_dtype)
    block = 0
    for index, encoder in enumerate(encoders):
        column_scalars, column_codes = encoder.encode(frame.iloc[:, index], strict=strict)
        if encoder.n_scalars:
            scalars[:, scalar_positions[index]] = column_scalars
        for code in column_codes:
            codes[:, block] = code
            block += 1
    return scalars, codes


def dense_array(scalars, codes, block_starts, width):
    """The dense float32 encoding (one-hot blocks written out) of scalars and codes."""
    encoded = np.zeros((len(scalars), width), dtype=np.float32)
    encoded[:, :scalars.shape[1]] = scalars
    rows = np.arange(len(scalars))
    for start, code in zip(block_starts, codes.T):
        seen = code >= 0
        encoded[rows[seen], start + code[seen]] = 1.0
    return encoded


def split_dense(encoded, n_scalars, block_starts, block_widths):
    """Scalars and block codes (the unit that is largest) of a dense encoding."""
    codes = [encoded[:, start:start + width].argmax(axis=1)
             for start, width in zip(block_starts, block_widths)]
    return (encoded[:, :n_scalars],
            np.stack(codes, axis=1) if codes else np.empty((len(encoded), 0), dtype=np.int64))


def lay_out(encoders):
    """Where every column's scalars and one-hot blocks sit in a table's encoding.

    Linear units come first, then ``tanh`` units, then all softmax blocks, so the
    generator's head applies one activation per contiguous slice.

    Parameters
    ----------
    encoders : list
        Fitted column encoders (``n_scalars``, ``scalar_activation``, ``block_widths``).

    Returns
    -------
    scalar_positions : list of ndarray
        Per column, the encoded positions of its scalars.
    block_starts : list of list of int
        Per column, where each of its blocks starts.
    head_layout : tuple
        ``(n_identity, n_tanh, block_widths)``.
    encoded_shape : tuple of int
        ``(width,)`` of one encoded row.
    """
    counts = {"identity": 0, "tanh": 0}
    for encoder in encoders:
        if encoder.n_scalars:
            counts[encoder.scalar_activation] += encoder.n_scalars
    next_position = {"identity": 0, "tanh": counts["identity"]}
    next_block = counts["identity"] + counts["tanh"]
    scalar_positions, block_starts, block_widths = [], [], []
    for encoder in encoders:
        activation = encoder.scalar_activation
        start = next_position.get(activation, 0)
        scalar_positions.append(np.arange(start, start + encoder.n_scalars))
        if encoder.n_scalars:
            next_position[activation] += encoder.n_scalars
        starts = []
        for width in encoder.block_widths:
            starts.append(next_block)
            block_widths.append(width)
            next_block += width
        block_starts.append(starts)
    return (scalar_positions, block_starts,
            (counts["identity"], counts["tanh"], tuple(block_widths)), (next_block,))
