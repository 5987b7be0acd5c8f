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

    def to(self, device):
        """These rows on ``device``."""
        return EncodedRows(self.scalars.to(device), self.codes.to(device),
                           self.block_starts.cpu().numpy(), self.width)

    def dense(self):
        """Every row, dense (``width`` floats a row)."""
        return self[slice(None)]

    def block_codes(self, starts):
        """The codes of the blocks that start at ``starts``: shape (n_rows, len(starts))."""
        position = {int(start): index for index, start in enumerate(self.block_starts.tolist())}
        return self.codes[:, [position[int(start)] for start in starts]].long()

    @property
    def nbytes(self):
        """Bytes the rows take."""
        return (self.scalars.element_size() * self.scalars.nelement()
                + self.codes.element_size() * self.codes.nelement())
