"""Levels that decide another column's value, kept by construction.

Between a functional dependency (every level of a key decides the other column) and no
rule at all lie rules that hold for some levels only: an order "in transit" was always
delivered this year, a "free" plan always has the lowest fee tier, a "cancelled" flight
always has its delay column at the "none" level. A generator produces such rare
combinations only roughly, and one row in a hundred breaking such a rule is what a user
checks first. The adapter finds these rules in the training rows and, when decoding,
writes the decided value into every row whose level decides it.

Detection (:func:`find_level_rules`) looks at every ordered pair of discrete columns
that no functional dependency writes: a level ``a`` of ``column`` decides ``value`` of
``other`` when at least ``MIN_ROWS`` training rows hold ``a`` and every one of them holds
``value`` in ``other``, and the chance of that under independence is below
``MAX_CHANCE`` (``share(value) ** rows(a)``): a rare level seen ten times with the most
common value of a two-level column decides nothing.
"""

import numpy as np
import pandas as pd

from ._columns import positions_in
from ._decoded_rows import level_positions

MIN_ROWS = 10
MAX_CHANCE = 1e-6


class LevelRule:
    """Rows whose ``column`` holds one of ``levels_`` get the matching ``values_`` in
    ``other``.

    Parameters
    ----------
    column, other : int
        Positions of the deciding column and of the column it decides.
    levels, values : array-like of object
        The deciding levels and the value each decides.
    """

    def __init__(self, column, other, levels, values):
        self.column = column
        self.other = other
        self.levels_ = pd.Index(np.asarray(levels, dtype=object), dtype=object,
                                tupleize_cols=False)
        self.values_ = np.asarray(values, dtype=object)

    def apply(self, rows, encoders):
        """Write the decided values into :class:`DecodedRows` ``rows`` (in place)."""
        rule_of_level = positions_in(self.levels_, encoders[self.column].coder_.all_levels())
        positions = rule_of_level[rows.levels[self.column]]
        decided = positions >= 0
        if not decided.any():
            return
        values = level_positions(encoders[self.other], self.values_)
        levels = rows.levels[self.other].copy()
        levels[decided] = values[positions[decided]]
        rows.levels[self.other] = levels


def find_level_rules(frame, discrete_positions, written):
    """Every :class:`LevelRule` between the discrete columns at ``discrete_positions``,
    leaving out the columns in ``written`` (those functional dependencies write), in
    the order to apply them."""
    positions = [position for position in discrete_positions if position not in written]
    if len(positions) < 2:
        return []
    codes, uniques = {}, {}
    for position in positions:
        codes[position], uniques[position] = pd.factorize(frame.iloc[:, position],
                                                          use_na_sentinel=False)
    rules = []
    for column in positions:
        level_counts = np.bincount(codes[column], minlength=len(uniques[column]))
        frequent = level_counts >= MIN_ROWS
        if not frequent.any():
            continue
        for other in positions:
            if other == column or len(uniques[other]) < 2:
                continue
            rule = _rule(codes, uniques, column, other, level_counts, frequent)
            if rule is not None:
                rules.append(rule)
    return rules


def _rule(codes, uniques, column, other, level_counts, frequent):
    n_other = len(uniques[other])
    pairs = codes[column].astype(np.int64) * n_other + codes[other]
    distinct = np.unique(pairs)
    seen_with = np.bincount(distinct // n_other, minlength=len(level_counts))
    single = frequent & (seen_with == 1)
    if not single.any():
        return None
    value_of = np.zeros(len(level_counts), dtype=np.int64)
    value_of[distinct // n_other] = distinct % n_other  # the one value, where single
    shares = np.bincount(codes[other], minlength=n_other) / len(codes[other])
    chance = shares[value_of] ** level_counts.astype(np.float64)
    deciding = np.flatnonzero(single & (chance < MAX_CHANCE))
    if not len(deciding):
        return None
    return LevelRule(column, other, uniques[column][deciding],
                     uniques[other][value_of[deciding]])
