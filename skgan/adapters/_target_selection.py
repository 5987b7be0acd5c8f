"""The tables of a target column that a private fit measures when it cannot measure
them all: chosen with differential privacy, by the exponential mechanism.

Around ``GANSampler(dp_target=...)``, a private fit measures the target's table with
every other variable (:func:`~skgan.adapters._pair_calibration.fit_pair_tables`).
With few rows or a small budget, the noise of all those tables together would exceed
:data:`~skgan._engine.privacy_budget.MAX_TARGET_PAIR_NOISE` of the rows and none would
be measured. Instead, a share of the same budget chooses the variable that tells most
about the target (:func:`choose_target_pairs`), and only its table is measured, with
less noise (:func:`~skgan._engine.privacy_budget.target_selection_plan` splits the
budget).
"""

import numpy as np


def majority_count(table, target_axis):
    """How many rows of a two-way table of counts the target's most frequent level,
    given the other variable's level, gets right: the sum over the other variable's
    levels of the largest count. Adding or removing one row moves it by at most one
    (its sensitivity, as the exponential mechanism needs it).

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.adapters._target_selection import majority_count
    >>> majority_count(np.array([[30, 0], [2, 28]]), target_axis=0)  # rows: target
    58
    """
    return int(np.asarray(table).max(axis=target_axis).sum())


def choose_target_pairs(tables, anchor, n_levels, n_chosen, round_epsilon, cell_noise,
                        random_state):
    """Choose ``n_chosen`` of the target's pair tables by as many rounds of the
    exponential mechanism (without replacement), each of ``round_epsilon``.

    Parameters
    ----------
    tables : dict
        ``(first, second) -> counts``: the exact tables of the candidate pairs, one of
        each pair being ``anchor`` (the target's variable).
    anchor : int
        The target's position among the variables.
    n_levels : list of int
        Codes per variable.
    n_chosen : int
        Tables to choose.
    round_epsilon : float
        The epsilon of each round: a table is drawn with probability proportional to
        ``exp(round_epsilon * utility)``.
    cell_noise : float
        The standard deviation of the noise each chosen table's cells will get.
    random_state : numpy.random.Generator
        The draws' randomness.

    Returns
    -------
    list of tuple
        The chosen pairs, in the order of ``tables``.

    Notes
    -----
    A pair's utility is :func:`majority_count` of its table (sensitivity one) less
    half of ``cell_noise`` for each level of the other variable beyond its first:
    about what noise of that size takes from the levels' majorities where they are
    close, read from the levels alone. A variable of many levels (a car's
    manufacturer among 15, on 117 rows) is then less likely to be drawn than one of
    few levels whose noisy table still says something (its city mileage in four
    bins), and a variable of two levels that says nothing (majority count no higher
    than the target's own largest level) less likely than one of four that does: the
    draws are random, so these are leanings, as strong as the utilities' gaps are
    against ``1 / round_epsilon``.

    Each majority count can only grow when a row is added and only shrink when one is
    removed, by at most one, and the penalty does not read the rows: the utility is
    monotone, so drawing with ``exp(round_epsilon * utility)`` (not the general
    ``exp(round_epsilon * utility / 2)``) is ``round_epsilon``-DP and of bounded range
    ``round_epsilon`` (McSherry & Talwar, 2007; Durfee & Rogers, 2019), which is
    ``round_epsilon**2 / 8``-zCDP. The draws are the Gumbel-max form of the mechanism:
    utilities plus Gumbel noise of scale ``1 / round_epsilon``, the largest kept.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.adapters._target_selection import choose_target_pairs
    >>> decides = np.array([[50, 0], [0, 50]])  # target x a column deciding it
    >>> says_nothing = np.array([[25, 25], [25, 25]])
    >>> choose_target_pairs({(0, 1): decides, (0, 2): says_nothing}, 0, [2, 2, 2], 1,
    ...                     1.0, 5.0, np.random.default_rng(0))
    [(0, 1)]
    """
    pairs = list(tables)
    utilities = np.array([
        majority_count(tables[pair], target_axis=0 if pair[0] == anchor else 1)
        - cell_noise * (n_levels[pair[1] if pair[0] == anchor else pair[0]] - 1) / 2
        for pair in pairs], dtype=float)
    remaining = list(range(len(pairs)))
    chosen = []
    for _ in range(min(n_chosen, len(pairs))):
        noisy = utilities[remaining] + random_state.gumbel(
            0.0, 1.0 / round_epsilon, len(remaining))
        chosen.append(remaining.pop(int(np.argmax(noisy))))
    return [pairs[index] for index in sorted(chosen)]
