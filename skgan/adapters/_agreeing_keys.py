"""Keys drawn again where they disagree with the dependent columns the generator produced
(see :mod:`skgan.adapters._dependencies`), and what that needs of the fitted key and
dependents, found once per fitted adapter."""

import weakref

import numpy as np

from ._decoded_rows import level_positions, training_positions
from ._distinct_rows import distinct_rows

#: Dependency -> (its dependencies, their columns' coders, :func:`_key_tables` for them):
#: kept beside the dependencies, not in them, so pickles and model files do not hold it.
_KEY_TABLES = weakref.WeakKeyDictionary()


def agree_keys(keys, dependencies, generated, encoders, random_state):
    """Keys drawn again where they disagree with the dependent values the generator
    produced.

    The generator learns a few-level column (a category, a state) and its links with
    the other columns far better than a key with hundreds of levels (a product, a zip
    code), so where the two disagree the dependent values win: the key is drawn, by
    training frequency, among the keys whose dependents all equal the row's generated
    values. Rows with no such key keep theirs.

    Parameters
    ----------
    keys : ndarray of int
        Decoded keys, as positions in the key column's levels (the generator's
        choice, rare ones drawn by frequency).
    dependencies : list of FunctionalDependency
        Every dependency of this key.
    generated : list of ndarray of int
        For each dependency, the dependent levels the generator produced (positions).
    encoders : list
        The adapter's fitted column encoders.
    random_state : RandomState

    Returns
    -------
    keys : ndarray of int
    """
    counts, of_level, renumbered, combinations, key_position, training_key_of_level = \
        _key_tables(dependencies, encoders)
    row_values = np.column_stack(generated)
    of_row = _rows_in(row_values, combinations, renumbered)
    of_key = of_level[training_key_of_level[keys]]
    keys = keys.copy()
    rows = np.flatnonzero(of_key != of_row)
    # the rows of each combination in turn (in row order: a stable sort, a radix sort
    # for 16-bit numbers), not a pass over all disagreeing rows per combination
    values_of_rows = of_row[rows]
    if len(combinations) < 2**15:
        values_of_rows = values_of_rows.astype(np.int16)
    by_value = rows[np.argsort(values_of_rows, kind="stable")]
    in_order = of_row[by_value]
    starts = np.flatnonzero(np.diff(in_order, prepend=in_order[:1] - 1))  # the sort's groups
    values = in_order[starts]
    for value, start, stop in zip(values, starts, [*starts[1:], len(by_value)]):
        if value < 0:  # no key goes with these values: keep the generator's
            continue
        matching = np.flatnonzero(of_level == value)
        chosen = by_value[start:stop]
        weights = counts[matching]
        keys[chosen] = key_position[matching[random_state.choice(
            len(matching), len(chosen), p=weights / weights.sum())]]
    return keys


def _key_tables(dependencies, encoders):
    """What :func:`agree_keys` needs of the fitted key and dependents, found once for
    the same dependencies and fitted columns (with pandas, this took most of decoding
    the keys of a block of rows): each training key's count, the number of its
    dependents' combination (in order of first appearance), the combinations and their
    numbers, each training key's level position, and each key level's position among
    the training keys."""
    coders = tuple(encoders[index].coder_ for index in
                   (dependencies[0].key, *(dependency.dependent for dependency in dependencies)))
    kept = _KEY_TABLES.get(dependencies[0])
    if kept is not None and len(kept[0]) == len(dependencies) - 1 and all(
            a is b for a, b in zip(kept[0], dependencies[1:])) and all(
            a is b for a, b in zip(kept[1], coders)):
        return kept[2]
    key_encoder = encoders[dependencies[0].key]
    training_keys = dependencies[0].key_index_.to_numpy()
    counts = getattr(dependencies[0], "key_counts_", None)  # None if pickled before
    counts = np.ones(len(training_keys)) if counts is None else counts
    # The dependents' levels of every training key, one integer per combination
    # (numbered in order of first appearance).
    key_values = np.column_stack([level_positions(encoders[dependency.dependent],
                                                  dependency.values_)
                                  for dependency in dependencies])
    combinations, of_level = np.unique(key_values, axis=0, return_inverse=True)
    first_seen = np.unique(of_level.reshape(-1), return_index=True)[1]
    renumbered = np.empty(len(combinations), dtype=np.int64)
    renumbered[np.argsort(first_seen, kind="stable")] = np.arange(len(combinations))
    of_level = renumbered[of_level.reshape(-1)]
    key_position = level_positions(key_encoder, training_keys)  # training key -> level
    found = (counts, of_level, renumbered, combinations, key_position,
             _training_key_of_level(key_encoder, dependencies[0]))
    for array in found[1:]:  # shared by every later call: read only
        array.setflags(write=False)
    # not dependencies[0] itself: a value holding its own key would never be freed
    _KEY_TABLES[dependencies[0]] = (tuple(dependencies[1:]), coders, found)
    return found


def _rows_in(rows, combinations, numbers):
    """The number (``numbers``) of each row's combination in ``combinations`` (distinct
    rows), -1 where it is not one of them."""
    both = np.concatenate([combinations, rows])  # level positions: 0 and up
    _, pattern, _ = distinct_rows(both, [int(n) + 1 for n in both.max(axis=0, initial=0)])
    number_of_pattern = np.full(len(both), -1, dtype=np.int64)
    number_of_pattern[pattern[:len(combinations)]] = numbers
    return number_of_pattern[pattern[len(combinations):]]


def _training_key_of_level(key_encoder, dependency):
    """For every level of the key column, its position among the dependency's training
    keys (every level is one)."""
    return training_positions(dependency.key_index_, key_encoder.coder_.all_levels(),
                              key_encoder.name)
