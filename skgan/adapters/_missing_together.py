"""Continuous columns missing in the same rows, kept missing together when decoding.

Two amounts filled from one source (a tax and a total, both blank where an invoice was
never priced) are missing in exactly the same training rows. The generator draws each
column's missing indicator on its own, and the drawn indicators agree only roughly: on
a 300-row table with both columns missing in 12 % of the rows, they came out missing
together in 1.7 % of the sampled rows; pair calibration, raking the rows to the joint
table of the two indicators, then found too few rows missing in both and halved each
column's missing share (0.06). Decoding writes the indicator of every column of such a
group from the group's first column (its leader): the group is missing where the leader
is, at the leader's rate.
"""

import numpy as np

from ._level_rules import MAX_CHANCE, MIN_ROWS
from ._table_columns import ContinuousColumn


def find_missing_together(frame, encoders):
    """``(leader, follower)`` column positions: continuous columns with missing values
    whose missing rows in ``frame`` are the same, each follower led by the first column
    of its group. A group's columns are missing in at least ``MIN_ROWS`` rows (and not
    in all), and the chance of that under independence (the follower's missing share to
    the power of the leader's missing rows) is below ``MAX_CHANCE``."""
    masks = {position: frame.iloc[:, position].isna().to_numpy()
             for position, encoder in enumerate(encoders)
             if isinstance(encoder, ContinuousColumn) and encoder.has_missing_}
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


def write_missing_together(pairs, rows):
    """Set each follower's missing indicator in :class:`DecodedRows` ``rows`` (in place)
    to its leader's (the last code block of a continuous column with missing values)."""
    for leader, follower in pairs:
        missing = rows.parts[leader][1][-1]
        scalars, codes = rows.parts[follower]
        rows.parts[follower] = scalars, [*codes[:-1], missing]
