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

Level calibration (:mod:`skgan._engine.level_rates`) matches each column's generated
rates to the training rates before these rules write their values; the rates of a
column a rule decides are then matched again on rows with the rules written
(:func:`linked_level_shares`): the values the rules write came on top, and a value that
the deciding levels imply (a citation missing for every stop of one kind) came out far
more often than in the training rows.
"""

import weakref

import numpy as np
import pandas as pd

from ._columns import positions_in
from ._decoded_rows import level_positions
from ._distinct_rows import distinct_keys

MIN_ROWS = 10
MAX_CHANCE = 1e-6
#: Passes over the rules of a loop after the first (see :func:`apply_level_rules`).
MAX_LOOP_PASSES = 3
#: Rule -> (the two columns' coders, :meth:`LevelRule.lookups` for them): the lookups
#: depend on the fitted adapter alone, and finding them with pandas took 60 % of
#: decoding a block of police stops' rows (14 rules). Kept beside the rules, not in
#: them, so pickles and model files do not hold them.
_LOOKUPS = weakref.WeakKeyDictionary()
#: Pairs of levels (the deciding column's times the decided one's) up to which a rule
#: is applied through a table of the decided level for every pair: one lookup a row
#: instead of selecting the decided rows (police stops' 22 rules on 131,072 candidates
#: a block, applied 44 times: 46 -> 8 ms). Keys of thousands of levels select, as before.
MAX_TABLE_PAIRS = 1 << 16


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

    def deciding(self, rows, encoders):
        """Each row's position in ``levels_`` of its level of ``column`` (-1 where that
        level decides nothing, as where the column holds a value training never held),
        in :class:`DecodedRows` ``rows``."""
        rule_of_level = np.append(self.lookups(encoders)[0], -1)  # position -1: none
        return rule_of_level[rows.level_positions_of(self.column)]

    def _rule_of_level(self, encoders):
        """The position in ``levels_`` of each level of ``column`` (-1 for a level that
        decides nothing)."""
        return positions_in(self.levels_, encoders[self.column].coder_.all_levels())

    def apply(self, rows, encoders, lookups=None):
        """Write the decided values into :class:`DecodedRows` ``rows`` (in place);
        whether any row's level of ``other`` changed. ``lookups``: :meth:`lookups`
        for these ``encoders``, found once for rules applied many times."""
        rule_of_level, values, written_of_pair = (self.lookups(encoders) if lookups is None
                                                  else lookups)
        levels = rows.levels[self.other]
        if written_of_pair is not None:  # the decided level of every pair of levels
            written = written_of_pair.take(
                rows.levels[self.column] * written_of_pair.shape[1] + levels)
            if np.array_equal(levels, written):
                return False
            rows.levels[self.other] = written
            return True
        positions = rule_of_level[rows.levels[self.column]]
        decided = positions >= 0
        if not decided.any():
            return False
        written = values[positions[decided]]
        if np.array_equal(levels[decided], written):
            return False
        levels = levels.copy()
        levels[decided] = written
        rows.levels[self.other] = levels
        return True

    def lookups(self, encoders):
        """:meth:`_rule_of_level`, the level position in ``other`` of each decided
        value and, for columns of few levels, the level of ``other`` a row holds once
        the rule is written, for each pair of levels (``(levels of column, levels of
        other)``; None past :data:`MAX_TABLE_PAIRS`); found once for the same fitted
        columns."""
        coders = (encoders[self.column].coder_, encoders[self.other].coder_)
        kept = _LOOKUPS.get(self)
        if kept is not None and kept[0][0] is coders[0] and kept[0][1] is coders[1]:
            return kept[1]
        rule_of_level = self._rule_of_level(encoders)
        values = level_positions(encoders[self.other], self.values_)
        found = (rule_of_level, values,
                 _written_of_pair(rule_of_level, values,
                                  len(encoders[self.other].coder_.all_levels())))
        for array in found:  # shared by every later call: read only
            if array is not None:
                array.setflags(write=False)
        _LOOKUPS[self] = (coders, found)
        return found


def _written_of_pair(rule_of_level, values, n_other):
    """The level of ``other`` a row holds once the rule is written, for each level of
    ``column`` (rows) and of ``other`` it held (columns); None for more pairs than
    :data:`MAX_TABLE_PAIRS`."""
    if len(rule_of_level) * n_other > MAX_TABLE_PAIRS:
        return None
    written = np.tile(np.arange(n_other, dtype=np.intp), (len(rule_of_level), 1))
    deciding = rule_of_level >= 0
    written[deciding] = values[rule_of_level[deciding]][:, None]
    return written


def apply_level_rules(rules, rows, encoders):
    """Apply every rule of ``rules`` to :class:`DecodedRows` ``rows`` (in place): a rule
    that writes a column before the rules that column decides (a chain "z decides y, y
    decides u" ends with u written from the y that z wrote), then, where rules decide
    each other in a loop, again each rule whose deciding column a later rule changed,
    at most ``MAX_LOOP_PASSES`` times (a loop that has not settled by then holds rules
    writing one column two ways, in a row holding both deciding levels). Whether any
    row changed."""
    changed_at, applied_at, step = {}, {}, 0
    pending = _in_writing_order(rules)
    lookups = {id(rule): rule.lookups(encoders) for rule in pending}
    for _ in range(1 + MAX_LOOP_PASSES):
        for rule in pending:
            step += 1
            applied_at[id(rule)] = step
            if rule.apply(rows, encoders, lookups[id(rule)]):
                changed_at[rule.other] = step
        pending = [rule for rule in pending
                   if changed_at.get(rule.column, 0) > applied_at[id(rule)]]
        if not pending:
            break
    return bool(changed_at)


def _in_writing_order(rules):
    """``rules`` ordered so that a rule comes after every rule writing the column it is
    decided by (in their own order where rules decide each other in a loop)."""
    remaining, ordered = list(rules), []
    while remaining:
        written = {rule.other for rule in remaining}
        ready = [rule for rule in remaining if rule.column not in written]
        if not ready:  # a loop: its first rule, then go on
            ready = remaining[:1]
        ordered += ready
        remaining = [rule for rule in remaining if all(rule is not done for done in ready)]
    return ordered


def find_level_rules(frame, discrete_positions, written):
    """Every :class:`LevelRule` between the discrete columns at ``discrete_positions``,
    leaving out the columns in ``written`` (those functional dependencies write), in
    the order to apply them."""
    positions = [position for position in discrete_positions if position not in written]
    if len(positions) < 2:
        return []
    codes, uniques, shares = {}, {}, {}
    for position in positions:
        codes[position], uniques[position] = pd.factorize(frame.iloc[:, position],
                                                          use_na_sentinel=False)
        shares[position] = (np.bincount(codes[position], minlength=len(uniques[position]))
                            / len(codes[position]))
    rules = []
    for column in positions:
        level_counts = np.bincount(codes[column], minlength=len(uniques[column]))
        frequent = level_counts >= MIN_ROWS
        if not frequent.any():
            continue
        for other in positions:
            if other == column or len(uniques[other]) < 2:
                continue
            rule = _rule(codes, uniques, shares, column, other, level_counts, frequent)
            if rule is not None:
                rules.append(rule)
    return rules


def _rule(codes, uniques, shares, column, other, level_counts, frequent):
    n_other = len(uniques[other])
    pairs = codes[column].astype(np.int64) * n_other + codes[other]
    distinct = distinct_keys(pairs, len(level_counts) * n_other)
    seen_with = np.bincount(distinct // n_other, minlength=len(level_counts))
    single = frequent & (seen_with == 1)
    if not single.any():
        return None
    value_of = np.zeros(len(level_counts), dtype=np.int64)
    value_of[distinct // n_other] = distinct % n_other  # the one value, where single
    chance = shares[other][value_of] ** level_counts.astype(np.float64)
    deciding = np.flatnonzero(single & (chance < MAX_CHANCE))
    if not len(deciding):
        return None
    return LevelRule(column, other, uniques[column][deciding],
                     uniques[other][value_of[deciding]])


def linked_level_shares(adapter, encoded, random_state):
    """How the rows of ``encoded`` (:class:`~skgan.adapters._encoded_rows.EncodedRows`),
    decoded with every link written, hold the levels of each column a level rule
    decides: ``{position: (decided, undecided)}``, each the share of all rows that hold
    a unit and that a rule decides (or not) in that column (a rare level counts in the
    unit it shares)."""
    rows = adapter._decode_columns(encoded, random_state)
    encoders = adapter.column_encoders_
    shares = {}
    for position in sorted({rule.other for rule in adapter.level_rules_}):
        decided = np.zeros(rows.n_rows, dtype=bool)
        for rule in adapter.level_rules_:
            if rule.other == position:
                decided |= rule.deciding(rows, encoders) >= 0
        coder = encoders[position].coder_
        levels = rows.level_positions_of(position)
        units = np.minimum(levels, len(coder.levels_))
        seen = levels >= 0  # a repaired split date's day may be one training never held
        width, n_rows = len(coder.counts_), max(rows.n_rows, 1)
        shares[position] = (np.bincount(units[decided & seen], minlength=width) / n_rows,
                            np.bincount(units[~decided & seen], minlength=width) / n_rows)
    return shares


def looped_columns(rules):
    """Positions of the columns ``rules`` decide that decide, through some rule or chain
    of rules, a column deciding them (a missing value that goes with another both
    ways): which of their rows a rule decides moves with their own rates, so level
    calibration matches them again in half steps."""
    return {rule.other for rule in rules if rule.column in _decided_from(rule.other, rules)}


def _decided_from(column, rules):
    """The columns that ``rules`` decide from ``column``, directly or in a chain."""
    reached, frontier = set(), [column]
    while frontier:
        current = frontier.pop()
        for rule in rules:
            if rule.column == current and rule.other not in reached:
                reached.add(rule.other)
                frontier.append(rule.other)
    return reached
