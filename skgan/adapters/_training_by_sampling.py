"""Training-by-sampling: condition vectors over a table's discrete columns.

CTGAN's paper (Xu et al. 2019) trains on rows drawn after a condition: pick one discrete
column at random, pick one of its levels with probability proportional to the log of
its frequency, then draw a real row holding that level. The condition (a one-hot over
all levels of all conditioned columns) goes to both networks, and the generator pays a
cross-entropy penalty unless its output holds the asked-for level. Rare levels are so
seen as often as they need to be learned, and at sampling time the condition vector
lets users ask for a level.
"""

import numpy as np
import torch

from ..networks.mlp import OneHotRows


class DiscreteConditioner:
    """Condition vectors over the one-hot blocks of discrete columns.

    Parameters
    ----------
    blocks : list of (start, width, counts)
        Per conditioned column: where its one-hot block starts in the encoded data, its
        width, and the training count of each level.
    first_block_unit : int
        Encoded position of the generator head's first softmax unit (block log-
        probabilities are indexed from there).
    """

    def __init__(self, blocks, first_block_unit):
        self.starts = np.array([start for start, _, _ in blocks], dtype=np.int64)
        self.widths = np.array([width for _, width, _ in blocks], dtype=np.int64)
        self.dim = int(self.widths.sum())
        self.level_offsets = np.cumsum(self.widths) - self.widths
        positions = np.concatenate([np.arange(s, s + w) for s, w in zip(self.starts, self.widths)])
        self.head_units = positions - first_block_unit
        frequencies = [np.asarray(counts, dtype=np.float64) for _, _, counts in blocks]
        # At sampling time a column is chosen uniformly, a level by its frequency.
        self.sampling_probabilities = np.concatenate(
            [counts / counts.sum() for counts in frequencies]
        ) / len(blocks)

    def sample(self, n_rows, generator, device):
        """Condition vectors for ``n_rows`` generated rows, drawn as the data is, as
        :class:`~skgan.networks.mlp.OneHotRows`."""
        probabilities = torch.as_tensor(
            self.sampling_probabilities, dtype=torch.float32, device=generator.device
        )
        units = self._draw(probabilities, n_rows, generator).to(device)
        return OneHotRows(units, self.dim)

    def fixed(self, n_rows, slot, device):
        """``n_rows`` copies of the condition vector asking for unit ``slot``, as
        :class:`~skgan.networks.mlp.OneHotRows`."""
        return OneHotRows(torch.full((n_rows,), slot, dtype=torch.long, device=device),
                          self.dim)

    def penalty(self, block_log_probabilities, condition):
        """Mean cross-entropy between the asked-for levels and the generator's logits."""
        units = self._head_units_on(condition.device)
        chosen = block_log_probabilities.index_select(1, units)
        return -(chosen * condition).sum(dim=1).mean()

    def _head_units_on(self, device):
        """``head_units`` as a tensor on ``device``, made once: a training step replayed
        from a CUDA graph may not copy from the CPU, and reads this tensor's memory for
        as long as the graph lives (the fit's, shorter than the conditioner's)."""
        cache = self.__dict__.setdefault("_head_units_by_device", {})
        if device not in cache:
            cache[device] = torch.as_tensor(self.head_units, device=device)
        return cache[device]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_head_units_by_device", None)  # made again where the copy is used
        return state

    def epoch_batches(self, encoded, batch_size, generator, row_table=None):
        """Row indices and condition vectors of one epoch's mini-batches.

        Each batch draws ``batch_size`` (column, level) pairs, the column uniformly and
        the level with probability proportional to ``log(1 + count)`` in ``encoded``,
        and for each pair a row of ``encoded`` holding that level. ``row_table``, from
        :meth:`row_table` on the same ``encoded``, saves recomputing it every epoch.

        Yields
        ------
        rows : LongTensor of shape (batch_size,)
        condition : Tensor of shape (batch_size, dim)
        """
        device = encoded.device
        n_rows = encoded.shape[0]
        n_batches = n_rows // batch_size
        if n_batches == 0:
            return
        if row_table is None:
            row_table = self.row_table(encoded)
        levels = self._draw(row_table["probabilities"], n_batches * batch_size, generator)
        offsets = torch.rand(levels.shape, generator=generator, device=generator.device)
        levels = levels.to(device)
        counts = row_table["counts"][levels]
        picks = (offsets.to(device) * counts).long().clamp_max(counts - 1)
        rows = row_table["rows"][row_table["first"][levels] + picks]
        for batch in range(n_batches):
            chunk = slice(batch * batch_size, (batch + 1) * batch_size)
            yield rows[chunk], self._one_hot(levels[chunk], device)

    def own_levels(self, rows, generator):
        """Condition vectors asking each encoded row for its own level of a random column.

        For batches whose rows were picked by another rule (class-balanced draws), so
        the condition stays true of the row it goes with.
        """
        device = rows.device
        levels = self.row_levels(rows)
        column = torch.randint(len(self.widths), (rows.shape[0],), generator=generator,
                               device=generator.device).to(device)
        return self._one_hot(levels.gather(1, column[:, None])[:, 0], device)

    def probabilities_by_group(self, encoded, groups):
        """:attr:`sampling_probabilities` computed on each group of rows alone.

        ``groups`` is a one-hot ``(n_rows, n_groups)`` tensor (e.g. class labels); a
        column is chosen uniformly, then a level by its frequency among the group's
        rows, so each group keeps its own mix of levels. A group without rows gets the
        frequencies of all rows. Returns an ndarray of shape ``(n_groups, dim)``.
        """
        levels = self.row_levels(encoded).cpu().numpy()
        group_of_row = groups.argmax(dim=1).cpu().numpy()
        counts = np.zeros((groups.shape[1], self.dim))
        np.add.at(counts, (group_of_row[:, None], levels), 1.0)
        sizes = np.bincount(group_of_row, minlength=groups.shape[1]).astype(np.float64)
        empty = sizes == 0
        counts[empty], sizes[empty] = counts.sum(axis=0), len(levels)
        # Every row holds one level per column: a column's counts sum to the group size.
        return counts / sizes[:, None] / len(self.widths)

    def row_levels(self, encoded):
        """Each row's level of every conditioned column, as an index into the condition.

        Returns a LongTensor of shape ``(n_rows, n_columns)``.
        """
        block_codes = getattr(encoded, "block_codes", None)
        if block_codes is not None:  # EncodedRows: the codes are kept
            offsets = torch.as_tensor(self.level_offsets, device=encoded.device)
            return block_codes(self.starts.tolist()).clamp_min(0) + offsets
        return torch.stack(
            [
                encoded[:, start:start + width].argmax(dim=1) + offset
                for start, width, offset in zip(self.starts.tolist(), self.widths.tolist(),
                                                self.level_offsets.tolist())
            ],
            dim=1,
        )

    def row_table(self, encoded):
        """Rows sorted by level, with each level's first position, count and probability.

        What :meth:`epoch_batches` draws rows from; it depends on ``encoded`` alone.
        """
        n_rows = encoded.shape[0]
        device = encoded.device
        keys = self.row_levels(encoded).T.reshape(-1)  # column after column
        order = torch.argsort(keys, stable=True)
        counts = torch.bincount(keys, minlength=self.dim)
        block = torch.repeat_interleave(
            torch.arange(len(self.widths), device=device),
            torch.as_tensor(self.widths, device=device),
        )
        weights = torch.log1p(counts.float())  # float32: MPS has no float64
        block_totals = torch.zeros(len(self.widths), dtype=torch.float32, device=device)
        block_totals = block_totals.scatter_add(0, block, weights)
        probabilities = weights / block_totals[block] / len(self.widths)
        return {
            "rows": order % n_rows,
            "first": torch.cumsum(counts, 0) - counts,
            "counts": counts,
            "probabilities": probabilities,
        }

    def _draw(self, probabilities, n_draws, generator):
        probabilities = probabilities.to(generator.device)
        return torch.multinomial(probabilities, n_draws, replacement=True, generator=generator)

    def _one_hot(self, levels, device):
        return OneHotRows(levels.to(device), self.dim).dense()


def make_conditioner(adapter):
    """The conditioner of a fitted adapter's condition blocks, or None if it has none."""
    blocks = getattr(adapter, "condition_blocks_", None)
    if not blocks:
        return None
    n_identity, n_tanh, _ = adapter.head_layout_
    return DiscreteConditioner(
        [(start, width, counts) for _, start, width, counts in blocks],
        first_block_unit=n_identity + n_tanh,
    )
