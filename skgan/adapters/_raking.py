"""Raking (iterative proportional fitting) of row masses to several tables at once.

Each table is a cell of every row (``cells``) and a target share per cell; a step moves
every cell's mass to its target share, and since the new total of the masses follows
from the table alone, the same pass scales them back to ``n_rows`` (four passes over
the rows a table, not eight). Masses are capped after every step. Used by pair
calibration (:mod:`skgan.adapters._pair_calibration`), which builds the cells and the
targets.
"""

import numpy as np

#: Raking sweeps over all pairs at most, and the largest change of a table's share
#: (absolute) at which sweeping stops.
MAX_SWEEPS = 12
TOLERANCE = 1e-3
#: Sweeping also stops, from sweep :data:`FIRST_STALL_SWEEP` on, once two sweeps in a
#: row have not brought the largest change this share below the least one so far:
#: weights held at their cap cannot bring every table to its target, and the change
#: stalls (short fits of bench_tabular's mpg and census: 0.074-0.075 from the fourth
#: sweep to the twelfth, 0.014 from the fifth), so further sweeps only cost time. (A
#: change may rise for a sweep, or hold for one, before it falls steeply: one sweep is
#: no stall.)
MIN_SWEEP_GAIN = 0.02
FIRST_STALL_SWEEP = 4
#: The same from this sweep on when raking starts from the factors the fit's check
#: found (:attr:`~skgan.adapters._pair_calibration.PairTables.start_factors`): its sweeps have been made already (blocks
#: of males' and police stops' candidates: 11-12 and 9 sweeps from equal weights, 6-10
#: and 4-5 from the check's factors, their V and share gaps the same to 1e-4).
WARM_FIRST_STALL_SWEEP = 2


def rake(cells, targets, mass, cap, n_rows, start=None, factors=None):
    """Row masses raked to ``targets`` (one target share per cell of each table).

    Parameters
    ----------
    cells : list of ndarray of int
        Each table's cell of every row.
    targets : list of ndarray
        Each table's target share per cell.
    mass : ndarray
        The rows' masses to start from (one per row, or the rows a pattern stands
        for); raked in place unless ``start`` replaces them.
    cap : float or ndarray
        The most mass a row may hold.
    n_rows : float
        The masses' total.
    start : list of ndarray or None
        Per table, a factor per cell to multiply the masses by first (capped, scaled
        back to ``n_rows``); the stall rule then applies from
        :data:`WARM_FIRST_STALL_SWEEP`. Left alone when they leave no mass.
    factors : list or None
        Receives each table's factor in all (``start`` times the sweeps'), bounded.

    Returns
    -------
    mass : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.adapters._raking import rake
    >>> cells = [np.array([0, 0, 0, 1])]  # one table of two cells, three rows in the first
    >>> rake(cells, [np.array([0.5, 0.5])], np.ones(4), cap=4.0, n_rows=4)
    array([0.66666667, 0.66666667, 0.66666667, 2.        ])
    """
    if start is not None:
        started = mass.copy()
        for cell, factor in zip(cells, start):
            started *= factor[cell]
        np.minimum(started, cap, out=started)
        total = started.sum()
        if total > 0 and np.isfinite(total):  # else from equal weights, as without
            mass = started * (n_rows / total)
    in_all = None if factors is None else (
        [np.ones(len(target)) for target in targets] if start is None
        else [factor.copy() for factor in start])
    first_stall_sweep = FIRST_STALL_SWEEP if start is None else WARM_FIRST_STALL_SWEEP
    least_change, stalled_sweeps = np.inf, 0
    for sweep in range(1, MAX_SWEEPS + 1):
        largest_change = 0.0
        for table, (cell, target) in enumerate(zip(cells, targets)):
            current = np.bincount(cell, weights=mass, minlength=len(target))
            total = current.sum()
            current /= total
            largest_change = max(largest_change, float(np.abs(current - target).max()))
            factor = np.divide(target, current, out=np.ones_like(target),
                               where=current > 0)
            factor *= n_rows / (total * (current * factor).sum())
            mass *= factor[cell]
            np.minimum(mass, cap, out=mass)
            if in_all is not None:
                in_all[table] *= factor
        if largest_change < TOLERANCE:
            break
        stalled_sweeps = stalled_sweeps + 1 \
            if largest_change > (1 - MIN_SWEEP_GAIN) * least_change else 0
        least_change = min(least_change, largest_change)
        if stalled_sweeps >= 2 and sweep >= first_stall_sweep:
            break
    if factors is not None:  # bounded: a capped cell's factor grows every sweep
        factors[:] = [np.clip(table, 1e-8, 1e8) for table in in_all]
    return mass
