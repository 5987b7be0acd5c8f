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

Keys with more levels than the adapter's ``max_categories`` share one code for their
rarest levels, drawn at decoding by frequency. For such a row the rare level is drawn
among those that go with the dependent value the generator produced, so the generator's
choice of the dependent (which it learns well: few levels) is kept and the key agrees
with it.
"""

import numpy as np
import pandas as pd

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
        pairs = pd.DataFrame({"key": key_column.to_numpy(dtype=object),
                              "value": dependent_column.to_numpy(dtype=object)})
        pairs = pairs.drop_duplicates("key")
        self.key_index_ = pd.Index(pairs["key"].to_numpy(), dtype=object, tupleize_cols=False)
        self.values_ = pairs["value"].to_numpy()
        return self

    def dependent_values(self, keys):
        """The dependent column's value of every key (an object array)."""
        positions = self.key_index_.get_indexer(np.asarray(keys, dtype=object))
        if (positions < 0).any():  # cannot happen for decoded keys: they are seen levels
            raise ValueError("A key was never seen in training.")
        return self.values_[positions]

    def redraw_rare_keys(self, keys, dependent_values, coder, random_state):
        """Rare keys (those sharing the coder's last code) drawn again among the rare
        levels that go with each row's ``dependent_values``; others are kept."""
        rare_levels = getattr(coder, "rare_levels_", np.empty(0))
        if not len(rare_levels):
            return keys
        keys = np.asarray(keys, dtype=object).copy()
        is_rare = coder.codes_of(keys) == len(coder.levels_)
        if not is_rare.any():
            return keys
        rare_values = self.dependent_values(rare_levels)
        value_index = pd.Index(rare_values, dtype=object, tupleize_cols=False)
        rows = np.flatnonzero(is_rare)
        wanted_codes, wanted = pd.factorize(
            np.asarray(dependent_values, dtype=object)[is_rare], use_na_sentinel=False)
        for code, value in enumerate(wanted):
            matching = value_index.get_indexer_for([value])
            if not len(matching):  # no rare key has that value: keep the draw
                continue
            chosen = rows[wanted_codes == code]
            weights = coder.rare_probabilities_[matching]
            keys[chosen] = rare_levels[matching[random_state.choice(
                len(matching), len(chosen), p=weights / weights.sum())]]
        return keys


def find_dependencies(frame, discrete_positions):
    """Every functional dependency between the discrete columns at ``discrete_positions``,
    one key per dependent column, in the order to apply them (finest keys first)."""
    codes, n_levels = {}, {}
    for position in discrete_positions:
        codes[position], uniques = pd.factorize(frame.iloc[:, position], use_na_sentinel=False)
        n_levels[position] = len(uniques)
    n_rows = len(frame)
    keys_of = {}
    for key in discrete_positions:
        if n_levels[key] < MIN_KEY_LEVELS or n_rows < MIN_ROWS_PER_KEY * n_levels[key]:
            continue
        for dependent in discrete_positions:
            if (dependent == key or n_levels[dependent] < 2
                    or (n_levels[dependent], -dependent) >= (n_levels[key], -key)):
                continue
            pairs = codes[key].astype(np.int64) * n_levels[dependent] + codes[dependent]
            if len(pd.unique(pairs)) == n_levels[key]:
                keys_of.setdefault(dependent, []).append(key)
    chosen = [(min(keys, key=lambda key: (n_levels[key], -key)), dependent)
              for dependent, keys in keys_of.items()]
    chosen.sort(key=lambda pair: (-n_levels[pair[0]], pair[0], pair[1]))
    return [FunctionalDependency(key, dependent).fit(frame.iloc[:, key],
                                                     frame.iloc[:, dependent])
            for key, dependent in chosen]

