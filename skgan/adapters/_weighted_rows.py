"""Keeping ``n`` of many weighted rows: which generated rows pair calibration keeps,
each with probability proportional to its raking weight (systematic sampling, exact
inclusion probabilities, no row twice)."""

import numpy as np


def systematic_sample(weights, n_rows, random_state):
    """Positions of ``n_rows`` distinct rows, each kept with probability proportional to
    its weight (capped at one), in increasing order.

    Systematic sampling over a random order of the rows: the inclusion probabilities are
    exact and no row is drawn twice when none exceeds one.
    """
    weights = np.asarray(weights, dtype=np.float64)
    n_candidates = len(weights)
    if n_rows > n_candidates:
        raise ValueError(f"Cannot keep {n_rows} of {n_candidates} rows.")
    if n_rows == 0:
        return np.empty(0, dtype=np.intp)
    probabilities = _inclusion_probabilities(weights, n_rows)
    order = random_state.permutation(n_candidates)
    cumulative = np.cumsum(probabilities[order])
    cumulative *= n_rows / cumulative[-1]
    starts = random_state.uniform() + np.arange(n_rows)
    picks = np.searchsorted(cumulative, np.minimum(starts, n_rows - 1e-9), side="right")
    return np.sort(order[np.minimum(picks, n_candidates - 1)])


def _inclusion_probabilities(weights, n_rows):
    """``n_rows * weights / weights.sum()``, with those above one set to one and the
    others scaled up so that they still add up to ``n_rows``."""
    probabilities = np.zeros_like(weights)
    free = weights > 0
    if free.sum() < n_rows:  # too few rows with weight: give the others a tiny share
        weights = np.where(free, weights, weights[free].min(initial=1.0) * 1e-6)
        free = np.ones_like(free)
    capped = np.zeros_like(free)
    for _ in range(len(weights)):
        remaining = n_rows - capped.sum()
        probabilities[free] = remaining * weights[free] / weights[free].sum()
        over = free & (probabilities >= 1)
        if not over.any():
            break
        probabilities[over] = 1.0
        capped |= over
        free &= ~over
    return probabilities
