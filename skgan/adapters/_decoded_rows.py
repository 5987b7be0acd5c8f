"""Generated rows of a TabularAdapter held as cheaply as choosing among them allows.

Pair calibration generates several candidate rows per kept row, and links between
columns (level rules, functional dependencies, missing values a key decides) are
written into every candidate before the kept ones are chosen. Done on decoded values,
that meant building every candidate's strings, numbers and dates and looking the strings
up again by hash. :class:`DecodedRows` holds a discrete column as integer positions in
its levels and a continuous column as its encoded scalars and codes, writes the links
on those integers, and builds values only for the rows kept. The random draws are the
ones decoding values made, in the same order, so every model samples the rows it did,
with one difference: a missing value that a level rule or a functional dependency
writes is now the column's own missing marker (``None`` in an object column holding
``None``), where it was the training table's value as pandas factorised it (``NaN``).
"""

import numpy as np
import pandas as pd

from ._columns import positions_in
from ._table_columns import DiscreteColumn


class DecodedRows:
    """Decoded generated rows of a fitted TabularAdapter, by column position.

    A column is held one of three ways: ``levels`` (a discrete column: each row's
    position in its encoder's ``coder_.all_levels()``), ``parts`` (a continuous or
    constant column: its scalars and block codes, decoded when values are asked for,
    which draws no random numbers) or ``values`` (a Series).

    Parameters
    ----------
    encoders : list
        The adapter's fitted column encoders.
    n_rows : int
        Rows held.
    """

    def __init__(self, encoders, n_rows):
        self.encoders = encoders
        self.n_rows = n_rows
        self.levels, self.parts, self.values = {}, {}, {}

    @classmethod
    def decode(cls, encoders, parts, random_state):
        """Rows from each column's encoded ``(scalars, codes)`` (``parts``, by position),
        discrete columns' rare levels drawn in column order."""
        n_rows = len(next(iter(parts.values()))[0]) if parts else 0
        rows = cls(encoders, n_rows)
        for index, (scalars, codes) in parts.items():
            if isinstance(encoders[index], DiscreteColumn):
                rows.levels[index] = encoders[index].coder_.decode_levels(codes, random_state)
            else:
                rows.parts[index] = scalars, codes
        return rows

    def series(self, index):
        """Column ``index`` as a Series, kept that way from now on."""
        if index not in self.values:
            self.values[index] = self._built(index, slice(None))
            self.levels.pop(index, None)
            self.parts.pop(index, None)
        return self.values[index]

    def columns(self, rows=None):
        """Position -> Series of every column, for ``rows`` (positions) or all rows."""
        rows = slice(None) if rows is None else rows
        return {index: self._built(index, rows) for index in range(len(self.encoders))}

    def _built(self, index, rows):
        encoder = self.encoders[index]
        if index in self.values:
            return self.values[index].iloc[rows].reset_index(drop=True)
        if index in self.levels:
            return encoder.levels_series(self.levels[index][rows])
        scalars, codes = self.parts[index]
        return encoder.decode(scalars[rows], [block[rows] for block in codes], None)

    def __getitem__(self, index):
        return self.series(index)

    def __len__(self):
        return self.n_rows

    def taken(self, rows):
        """The rows at positions ``rows`` as new rows, held as these are (no value is
        built: a sample keeps its chosen rows this way until every block is in)."""
        kept = type(self)(self.encoders, len(rows))
        kept.levels = {index: levels[rows] for index, levels in self.levels.items()}
        kept.parts = {index: (scalars[rows], [block[rows] for block in codes])
                      for index, (scalars, codes) in self.parts.items()}
        kept.values = {index: values.iloc[rows].reset_index(drop=True)
                       for index, values in self.values.items()}
        return kept

    @classmethod
    def concatenated(cls, blocks):
        """The rows of ``blocks`` (rows of the same encoders), in order, as one. A
        column held one way in every block stays so; otherwise its values are built.
        Building values once for all the rows of a sample, not once a block, spares
        pandas' and scikit-learn's work per call; values are built row by row, so they
        are the same either way."""
        joined = cls(blocks[0].encoders, sum(len(block) for block in blocks))
        for index in range(len(joined.encoders)):
            if all(index in block.levels for block in blocks):
                joined.levels[index] = np.concatenate([block.levels[index] for block in blocks])
            elif all(index in block.parts for block in blocks):
                parts = [block.parts[index] for block in blocks]
                joined.parts[index] = (
                    np.concatenate([scalars for scalars, _ in parts]),
                    [np.concatenate(column) for column in zip(*[codes for _, codes in parts])])
            else:
                joined.values[index] = pd.concat([block._built(index, slice(None))
                                                  for block in blocks], ignore_index=True)
        return joined

    def permute(self, positions, order):
        """Reorder the rows of the columns at ``positions`` by ``order``."""
        for index in positions:
            if index in self.levels:
                self.levels[index] = self.levels[index][order]
            elif index in self.parts:
                scalars, codes = self.parts[index]
                self.parts[index] = scalars[order], [block[order] for block in codes]
            else:
                self.values[index] = self.values[index].iloc[order].reset_index(drop=True)

    def level_positions_of(self, index):
        """Each row's position in discrete column ``index``'s ``coder_.all_levels()``,
        however the column is held: one whose values were built (a split date's year and
        month once its days are repaired) is looked up again, -1 for a value training
        never held (a repaired day)."""
        if index in self.levels:
            return self.levels[index]
        levels = pd.Index(self.encoders[index].coder_.all_levels(), dtype=object,
                          tupleize_cols=False)
        return positions_in(levels, self.series(index))

    def pair_code(self, index, width):
        """Pair calibration's code of column ``index`` (see
        ``skgan.adapters._pair_variables.pair_codes``, which asks only for discrete
        columns and continuous columns with missing values): a discrete column's level
        over ``width`` codes (the rare ones share the last), a continuous column's
        missing indicator (its last code block); None for a column held as values."""
        if index in self.levels:
            return np.minimum(self.levels[index], width - 1)
        if index in self.parts:
            return (self.parts[index][1][-1] == 1).astype(np.intp)
        return None


def level_positions(encoder, values):
    """Positions of training ``values`` of a discrete column in its levels."""
    levels = pd.Index(encoder.coder_.all_levels(), dtype=object, tupleize_cols=False)
    return training_positions(levels, values, encoder.name)


def training_positions(index, values, name):
    """Positions of ``values`` in ``index``, where both hold a column's training values
    (every value is found; a clear error if not)."""
    positions = positions_in(index, values)
    if (positions < 0).any():  # cannot happen: both come from the training rows
        raise ValueError(f"Column {name!r}: a value was never seen in training.")
    return positions
