"""Functional dependencies between a table's discrete columns, kept by construction.

A key column *determines* another column when every level of the key occurs with one
value of the other in the training rows: a product and its category, a plane and its
airline, a zip code and its state. A generator left alone produces keys and values
that do not belong together; with the dependency known, the adapter decodes the key as
the generator says and writes the other column from the key's training value, so every
generated row is consistent.

Detection (:func:`find_dependencies`) looks at every ordered pair of discrete columns:
``key`` determines ``dependent`` when the number of distinct ``(key, dependent)`` pairs
equals the number of distinct keys (missing values count as a level), the key has at
least as many levels as the dependent and at least ``MIN_KEY_LEVELS``, the dependent has
two levels or more, and the key's levels repeat (``MIN_ROWS_PER_KEY`` rows per level on
average: an identifier seen once per row determines every column by accident). Each
dependent column is written from one key, the coarsest of those that determine it, so
chains (zip → city → state) resolve in order.

The generator learns a column of few levels (a category, a state) and its links with
the other columns far better than a key with hundreds of levels, so where the key it
produced disagrees with the dependent values it produced, the key is drawn again by
training frequency among the keys that agree with all of them
(:func:`~skgan.adapters._agreeing_keys.agree_keys`), and
the links of the category with the other columns stay as the generator made them. This
also serves keys with more levels than the adapter's ``max_categories``, whose rarest
levels share one code drawn at decoding by frequency.
"""

import numpy as np
import pandas as pd

from ._column_kinds import is_integer_valued, is_time_column
from ._columns import positions_in
from ._agreeing_keys import agree_keys
from ._decoded_rows import level_positions
from ._distinct_rows import distinct_keys
from ._level_rules import apply_level_rules, find_level_rules
from ._missing_together import write_discrete_missing_together, write_missing_together
from ._split_dates import repair_split_dates
from ._table_columns import ContinuousColumn, DiscreteColumn

MIN_KEY_LEVELS = 3
MIN_ROWS_PER_KEY = 2.0


class FunctionalDependency:
    """``dependent`` is a function of ``key`` in the training rows.

    Parameters
    ----------
    key, dependent : int
        Positions of the two columns in the table.
    """

    def __init__(self, key, dependent):
        self.key = key
        self.dependent = dependent

    def fit(self, key_column, dependent_column):
        keys = key_column.to_numpy(dtype=object, copy=True)
        missing = pd.isna(keys)
        if missing.any():  # one missing level, however marked (None, NaN, NA)
            keys[missing] = keys[np.flatnonzero(missing)[0]]
        pairs = pd.DataFrame({"key": keys, "value": dependent_column.to_numpy(dtype=object)})
        codes, _ = pd.factorize(pairs["key"], use_na_sentinel=False)
        first = pairs.drop_duplicates("key")
        self.key_index_ = pd.Index(first["key"].to_numpy(), dtype=object, tupleize_cols=False)
        self.values_ = first["value"].to_numpy()
        self.key_counts_ = np.bincount(codes, minlength=len(first)).astype(np.float64)
        return self

    def dependent_values(self, keys):
        """The dependent column's value of every key (an object array)."""
        positions = positions_in(self.key_index_, keys)
        if (positions < 0).any():  # cannot happen for decoded keys: they are seen levels
            raise ValueError("A key was never seen in training.")
        return self.values_[positions]


def dependent_levels(dependency, encoders):
    """The dependent column's level (position) written for each level of the key."""
    keys = encoders[dependency.key].coder_.all_levels()
    return level_positions(encoders[dependency.dependent], dependency.dependent_values(keys))


def write_dependents(dependencies, rows, encoders, random_state, agreements=()):
    """Write every dependent column of :class:`DecodedRows` ``rows`` from its key.

    A key that no dependency writes (the finest of a chain) is first drawn again where
    it disagrees with the dependents the generator produced (:func:`agree_keys`). A key
    with ``agreements`` (other columns it determines, written from other keys) is drawn
    again after those are written, to agree with them too, and its own dependents are
    written after it.
    """
    dependents = {dependency.dependent for dependency in dependencies}
    agreeing = {agreement.key for agreement in agreements}
    first, later = _writing_order(dependencies, agreeing)
    _write_from_keys(first, dependents, rows, encoders, random_state)
    _draw_agreeing_keys(agreeing, dependencies, agreements, rows, encoders, random_state)
    _write_from_keys(later, dependents | agreeing, rows, encoders, random_state)


def rewrite_dependents(dependencies, rows, encoders, random_state, agreements=(),
                       ruled=()):
    """Write every dependent column of :class:`DecodedRows` ``rows`` again from its key
    as it stands: after a level rule has written a key. The keys with ``agreements``
    that no rule writes (not in ``ruled``) are then drawn again where they disagree
    with a column they determine, and their own dependents written after them."""
    agreeing = {agreement.key for agreement in agreements} - set(ruled)
    first, later = _writing_order(dependencies, agreeing)
    keys = {dependency.key for dependency in dependencies}
    _write_from_keys(first, keys, rows, encoders, None)
    _draw_agreeing_keys(agreeing, dependencies, agreements, rows, encoders, random_state)
    _write_from_keys(later, keys, rows, encoders, None)


def _draw_agreeing_keys(keys, dependencies, agreements, rows, encoders, random_state):
    """Each of ``keys`` drawn again where it disagrees with the columns it determines
    (through ``dependencies`` and ``agreements``), as they stand in ``rows``."""
    for key in sorted(keys):
        own = [other for other in (*dependencies, *agreements) if other.key == key]
        rows.levels[key] = agree_keys(
            rows.levels[key], own, [rows.levels[other.dependent] for other in own],
            encoders, random_state)


def _writing_order(dependencies, agreeing):
    """``dependencies`` split into those written first and those written after the keys
    with agreements (``agreeing``) are drawn again: the ones under such a key."""
    root_of = _roots(dependencies)
    later = [dependency for dependency in dependencies if root_of[dependency.key] in agreeing]
    return [dependency for dependency in dependencies if dependency not in later], later


def _write_from_keys(dependencies, fixed, rows, encoders, random_state):
    """Each dependent of ``dependencies`` from its key, in order; a key not in
    ``fixed`` is first drawn again to agree with its dependents' generated values."""
    redrawn = set()
    for dependency in dependencies:
        key = dependency.key
        if key not in fixed and key not in redrawn:
            own = [other for other in dependencies if other.key == key]
            rows.levels[key] = agree_keys(
                rows.levels[key], own, [rows.levels[other.dependent] for other in own],
                encoders, random_state)
            redrawn.add(key)
        rows.levels[dependency.dependent] = dependent_levels(dependency, encoders)[
            rows.levels[key]]


def _roots(dependencies):
    """Column -> the key at the top of its chain of dependencies (itself for a key
    that no dependency writes)."""
    writer = {dependency.dependent: dependency.key for dependency in dependencies}
    roots = {}
    for column in {*writer, *writer.values()}:
        root, seen = column, set()
        while root in writer and root not in seen:
            seen.add(root)
            root = writer[root]
        roots[column] = root
    return roots


def write_missing(missing_dependencies, rows, encoders):
    """Set the missing indicator of each continuous column of ``missing_dependencies``
    in :class:`DecodedRows` ``rows`` to what its key says (the last code block of a
    continuous column with missing values is its missing indicator)."""
    for dependency in missing_dependencies:
        keys = encoders[dependency.key].coder_.all_levels()
        missing = dependency.dependent_values(keys).astype(np.intp)[
            rows.levels[dependency.key]]
        scalars, codes = rows.parts[dependency.dependent]
        rows.parts[dependency.dependent] = scalars, [*codes[:-1], missing]


def write_links(adapter, rows, random_state):
    """Write a fitted TabularAdapter's links into its :class:`DecodedRows` ``rows`` (in
    place): discrete columns missing together (first, see
    :mod:`skgan.adapters._missing_together`), level rules that write a key, dependent
    columns from their keys, every
    level rule again (after the keys are drawn again to agree with their dependents: a
    rule applied only before would keep a value written from a key's level that is
    gone) and, where one wrote a key, its dependents again, missing values their key
    decides or another column's missing values decide, valid split dates. Adapters
    pickled before a kind of link was kept have none of it."""
    encoders = adapter.column_encoders_
    rules = getattr(adapter, "level_rules_", [])
    dependencies = getattr(adapter, "dependencies_", [])
    agreements = getattr(adapter, "agreements_", [])
    linked = {column for link in (*dependencies, *agreements)
              for column in (link.key, link.dependent)}
    together = getattr(adapter, "missing_together_", [])
    # discrete columns missing together first: rules and dependencies write from them
    write_discrete_missing_together(together, rows, encoders, random_state)
    # a key's value first, so that keys agree with what rules write
    apply_level_rules([rule for rule in rules if rule.other in linked], rows, encoders)
    write_dependents(dependencies, rows, encoders, random_state, agreements)
    # every rule from the keys as finally drawn, and the dependents of a key a rule wrote
    if (apply_level_rules(rules, rows, encoders)
            and any(rule.other in linked for rule in rules)):
        rewrite_dependents(dependencies, rows, encoders, random_state, agreements,
                           {rule.other for rule in rules})
        # the rules that keys drawn again decide (those writing no key: no loop)
        apply_level_rules([rule for rule in rules if rule.other not in linked], rows,
                          encoders)
    write_missing(getattr(adapter, "missing_dependencies_", []), rows, encoders)
    write_missing_together(together, rows, encoders)
    for year, month, day in getattr(adapter, "split_dates_", []):
        rows.values[day] = repair_split_dates(rows.series(year), rows.series(month),
                                              rows.series(day))


def find_links(frame, encoders):
    """What decoding keeps of a table's links, from its fitted column encoders: the
    functional dependencies between discrete columns (and the keys drawn again to
    agree with a column another key writes), the continuous columns whose
    missing values a discrete column decides, and the levels that decide another
    column's value (:func:`skgan.adapters._level_rules.find_level_rules`)."""
    discrete = [index for index, encoder in enumerate(encoders)
                if isinstance(encoder, DiscreteColumn)]
    with_missing = [index for index, encoder in enumerate(encoders)
                    if isinstance(encoder, ContinuousColumn) and encoder.has_missing_]
    dependencies, agreements = _dependencies_and_agreements(frame, discrete)
    missing = (find_missing_dependencies(frame, with_missing, discrete)
               if with_missing and discrete else [])
    rules = find_level_rules(frame, discrete, {link.dependent for link in dependencies})
    return dependencies, agreements, missing, rules


def unpool_deciding_columns(frame, encoders, dependencies, missing_dependencies,
                            level_rules, split_dates=()):
    """``encoders`` with every discrete column that decides another one, and that no
    decoding draws again to agree with what it decides, refitted without pooling its
    rare levels (``min_frequency``): a key that is itself written from a finer key (the
    city of zip -> city -> state), the key of a missing dependency, the column of a
    level rule, the parts of a date split over three columns (which decoding makes a
    valid date together). Decoding draws a pooled level apart from the rest of the row,
    so the column it decides would follow that draw, not the generator; a key no
    dependency writes is drawn again by :func:`agree_keys` instead and stays pooled."""
    dependents = {dependency.dependent for dependency in dependencies}
    deciding = ({dependency.key for dependency in dependencies} & dependents
                | {dependency.key for dependency in missing_dependencies}
                | {rule.column for rule in level_rules}
                | {part for parts in split_dates for part in parts})
    encoders = list(encoders)
    for index in sorted(deciding):
        encoder = encoders[index]
        if isinstance(encoder, DiscreteColumn) and encoder.min_frequency is not None \
                and len(encoder.coder_.rare_levels_):
            encoders[index] = DiscreteColumn(encoder.name, encoder.dtype,
                                             encoder.max_categories).fit(
                frame.iloc[:, index], None)
    return encoders


def integer_keys(frame, kinds, forced):
    """Positions of the continuous integer columns (by ``kinds``, not named in
    ``forced``) that determine a discrete column: codes (:func:`find_integer_keys`)."""
    candidates = [position for position, (name, kind) in enumerate(zip(frame.columns, kinds))
                  if kind == "continuous" and name not in forced
                  and not is_time_column(frame[name]) and is_integer_valued(frame[name])]
    discrete = [position for position, kind in enumerate(kinds) if kind == "discrete"]
    if not candidates or not discrete:
        return []
    return find_integer_keys(frame, candidates, discrete)


def find_dependencies(frame, discrete_positions):
    """Every functional dependency between the discrete columns at ``discrete_positions``,
    one key per dependent column, in the order to apply them (finest keys first)."""
    return _dependencies_and_agreements(frame, discrete_positions)[0]


def _dependencies_and_agreements(frame, discrete_positions):
    """The dependencies :func:`find_dependencies` gives, and the *agreements*: the
    other keys of a dependent column that no dependency writes and that do not reach
    it through the written ones (a store and a sales rep each in one region: the region
    is written from the rep, and the store is drawn again to agree with it)."""
    codes, n_levels = _factorized(frame, discrete_positions)
    keys_of = _keys_of(codes, n_levels, discrete_positions, discrete_positions)
    chosen = [(min(keys, key=lambda key: (n_levels[key], -key)), dependent)
              for dependent, keys in keys_of.items()]
    chosen.sort(key=lambda pair: (-n_levels[pair[0]], pair[0], pair[1]))
    written = {dependent for _, dependent in chosen}
    reached = _reached_through(chosen)
    extra = sorted((key, dependent) for dependent, keys in keys_of.items() for key in keys
                   if (key, dependent) not in chosen and key not in written
                   and dependent not in reached.get(key, ()))

    def fitted(pairs):
        return [FunctionalDependency(key, dependent).fit(frame.iloc[:, key],
                                                         frame.iloc[:, dependent])
                for key, dependent in pairs]
    return fitted(chosen), fitted(extra)


def _reached_through(pairs):
    """Key -> every column its ``(key, dependent)`` pairs write, directly or down a
    chain."""
    children = {}
    for key, dependent in pairs:
        children.setdefault(key, []).append(dependent)
    reached = {}
    for key in children:
        seen, stack = set(), list(children[key])
        while stack:
            column = stack.pop()
            if column not in seen:
                seen.add(column)
                stack.extend(children.get(column, ()))
        reached[key] = seen
    return reached


def find_integer_keys(frame, integer_positions, discrete_positions):
    """The integer columns (of ``integer_positions``) that determine a discrete column.

    An integer column that determines a category (a zip code its district, a store
    number its region) is a code, however smooth its level counts look: it is made
    discrete so that its dependents can be kept.
    """
    codes, n_levels = _factorized(frame, [*integer_positions, *discrete_positions])
    keys_of = _keys_of(codes, n_levels, integer_positions, discrete_positions)
    return sorted({key for keys in keys_of.values() for key in keys})


def find_missing_dependencies(frame, missing_positions, discrete_positions):
    """``(key, column)`` pairs: whether ``column`` (of ``missing_positions``, columns
    with missing values) is missing is a function of the discrete ``key``, the
    coarsest such key for each column (a refund missing unless the status says
    "refunded"). Each is a :class:`FunctionalDependency` of the missing mask."""
    masks = pd.DataFrame({position: frame.iloc[:, position].isna().to_numpy()
                          for position in missing_positions})
    codes, n_levels = _factorized(frame, discrete_positions)
    for position in missing_positions:
        codes[position] = masks[position].to_numpy().astype(np.int64)
        n_levels[position] = 2
    keys_of = _keys_of(codes, n_levels, discrete_positions, missing_positions,
                       min_key_levels=2, coarser_only=False)
    dependencies = []
    for column, keys in sorted(keys_of.items()):
        key = min(keys, key=lambda key: (n_levels[key], key))
        dependencies.append(FunctionalDependency(key, column).fit(
            frame.iloc[:, key], masks[column]))
    return dependencies


def _factorized(frame, positions):
    codes, n_levels = {}, {}
    for position in positions:
        codes[position], uniques = pd.factorize(frame.iloc[:, position], use_na_sentinel=False)
        n_levels[position] = len(uniques)
    return codes, n_levels


def _keys_of(codes, n_levels, key_positions, dependent_positions,
             min_key_levels=MIN_KEY_LEVELS, coarser_only=True):
    """Dependent -> the keys that determine it (see the module docstring for the rule).

    With ``coarser_only`` a dependent has fewer levels than its key (ties broken by
    position), so dependencies never form a cycle."""
    n_rows = len(next(iter(codes.values()))) if codes else 0
    keys_of = {}
    for key in key_positions:
        if n_levels[key] < min_key_levels or n_rows < MIN_ROWS_PER_KEY * n_levels[key]:
            continue
        for dependent in dependent_positions:
            if dependent == key or n_levels[dependent] < 2 or (
                    coarser_only
                    and (n_levels[dependent], -dependent) >= (n_levels[key], -key)):
                continue
            pairs = codes[key].astype(np.int64) * n_levels[dependent] + codes[dependent]
            if len(distinct_keys(pairs, n_levels[key] * n_levels[dependent])) == n_levels[key]:
                keys_of.setdefault(dependent, []).append(key)
    return keys_of
