"""Columns missing in the same rows, kept missing together when decoding.

Two amounts filled from one source (a tax and a total, both blank where an invoice was
never priced) are missing in exactly the same training rows; so are answers a form
skipped together (an employer, an occupation and a sector, unknown for the people
without a job). The generator draws each column's missing value on its own, and the
draws agree only roughly: on a 300-row table with two amounts missing in 12 % of the
rows, they came out missing together in 1.7 % of the sampled rows, and pair calibration
then halved each column's missing share. Between discrete columns, the level rules
found in such a group (each one's missing value decides the others') carried any one
column's missing draw to all of them: after 30 epochs on a 300-row table with three
columns unknown in 59 % of the rows, all three came out unknown in 70 % of the sampled
rows (93 % without pair calibration).

Decoding writes the missing values of every column of such a group from the group's
first column (its leader): the group is missing where the leader is, at the leader's
rate. A discrete follower that came out missing where its leader did not gets one of
its own levels instead, drawn by the training shares of its levels; this is written
before the level rules and functional dependencies, so that they write from it (the
rules found in such a group, each column's missing value deciding the others', then
agree with it). Where the rules disagree with each other (a level of another column
deciding a follower's value in a row whose group is missing), the rules' own order
decides, as before. A continuous follower's missing indicator is written after them.
"""

import numpy as np

from ._level_rules import MAX_CHANCE, MIN_ROWS
from ._table_columns import ContinuousColumn, DiscreteColumn


def find_missing_together(frame, encoders):
    """``(leader, follower)`` column positions: continuous or discrete columns with
    missing values whose missing rows in ``frame`` are the same, each follower led by
    the first column of its group. A group's columns are missing in at least
    ``MIN_ROWS`` rows (and not in all), and the chance of that under independence (the
    follower's missing share to the power of the leader's missing rows) is below
    ``MAX_CHANCE``."""
    masks = {position: frame.iloc[:, position].isna().to_numpy()
             for position, encoder in enumerate(encoders) if _has_missing(encoder)}
    pairs, led = [], set()
    for leader, mask in masks.items():
        n_missing = int(mask.sum())
        if leader in led or not MIN_ROWS <= n_missing < len(mask):
            continue
        if (n_missing / len(mask)) ** n_missing >= MAX_CHANCE:
            continue
        for follower, other in masks.items():
            if follower > leader and follower not in led and np.array_equal(mask, other):
                pairs.append((leader, follower))
                led.add(follower)
    return pairs


def write_discrete_missing_together(pairs, rows, encoders, random_state):
    """Set each discrete follower's level in :class:`DecodedRows` ``rows`` (in place)
    to missing where its leader is missing, and to one of its other levels (drawn by
    their training shares from ``random_state``) where it alone is missing."""
    for leader, follower in pairs:
        if not isinstance(encoders[follower], DiscreteColumn):
            continue
        coder = encoders[follower].coder_
        missing_level = coder._missing_code()
        leader_missing = _missing(leader, rows, encoders)
        levels = rows.levels[follower].copy()
        alone = (levels == missing_level) & ~leader_missing
        levels[leader_missing] = missing_level
        if alone.any():
            shares = np.asarray(coder.counts_, dtype=np.float64).copy()
            shares[missing_level] = 0.0
            codes = random_state.choice(len(shares), int(alone.sum()), p=shares / shares.sum())
            levels[alone] = coder.decode_levels([codes], random_state)
        rows.levels[follower] = levels


def write_missing_together(pairs, rows, encoders):
    """Set each continuous follower's missing indicator in :class:`DecodedRows` ``rows``
    (in place; the last code block of a continuous column with missing values) to its
    leader's missing values."""
    for leader, follower in pairs:
        if isinstance(encoders[follower], DiscreteColumn):
            continue
        scalars, codes = rows.parts[follower]
        missing = _missing(leader, rows, encoders)
        rows.parts[follower] = scalars, [*codes[:-1], missing.astype(codes[-1].dtype)]


def _missing(position, rows, encoders):
    """Which rows hold a missing value in column ``position`` of ``rows``."""
    if isinstance(encoders[position], DiscreteColumn):
        return rows.levels[position] == encoders[position].coder_._missing_code()
    return rows.parts[position][1][-1] == 1


def _has_missing(encoder):
    if isinstance(encoder, ContinuousColumn):
        return encoder.has_missing_
    return isinstance(encoder, DiscreteColumn) and encoder.coder_._missing_code() >= 0
