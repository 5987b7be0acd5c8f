"""The order in which a table's constraints write their columns back (reverse transforms).

A rule that writes a column runs before the rules that read it. Rules that read what
each other writes form a loop (an ``Inequality`` writing ``b`` as ``a`` plus a gap, a
``LinearEquality`` writing ``a`` as ``b - c``), and no order lets each read settled
values: whichever runs last keeps its own rule and may break the others'. Run last, the
``LinearEquality`` above breaks the inequality only where ``c`` came out negative; run
last, the ``Inequality`` moves ``b`` and breaks the equality in every row (sampling then
found no row to keep). So among a loop's orders, :func:`choose_reverse_order` takes the
one that keeps the most training rows once their transformed values are perturbed, as a
generator's output is: each order writes the rows back and the rules are checked.
"""

from itertools import permutations

import numpy as np

#: Loops of more rules than this keep the list order (5! orders are tried at most).
MAX_ORDERED_LOOP = 5
#: Training rows the orders are tried on, and their perturbation (in standard deviations
#: of each float column of the transformed rows).
TRIAL_ROWS = 1_000
TRIAL_NOISE = 0.1


def reverse_order(constraints, preference=None):
    """Positions of ``constraints`` in the order their reverse transforms run: a rule
    that writes a column runs before the rules that read it; otherwise in list order
    (or ``preference``'s, a permutation of the positions), so of two rules writing one
    column, the later in the list has the last word."""
    n_rules = len(constraints)
    rank = {position: rank for rank, position in
            enumerate(range(n_rules) if preference is None else preference)}
    before = _runs_after(constraints)
    order, placed = [], set()
    while len(order) < n_rules:
        ready = [position for position in range(n_rules)
                 if position not in placed and before[position] <= placed]
        if not ready:  # rules that read what each other writes: by preference among
            # them, before any rule that waits on them from outside their loop
            unplaced = set(range(n_rules)) - placed
            ready = sorted([position for position in unplaced if all(
                position in _waited_on(other, before, placed)
                for other in before[position] - placed)], key=rank.get) or [
                min(unplaced, key=rank.get)]
        order.append(ready[0])
        placed.add(ready[0])
    return order


def choose_reverse_order(constraints, transformed, reverse, valid, random_state=0):
    """The reverse order (see :func:`reverse_order`) that keeps the most of the rows
    ``transformed`` (the training rows, transformed by every rule) once their float
    columns are perturbed; list order where the rules hold no loop, or on a tie.

    ``reverse(frame, order)`` writes transformed rows back in ``order``; ``valid(frame)``
    says which rows keep every rule.
    """
    candidates = candidate_orders(constraints)
    if len(candidates) == 1 or len(transformed) == 0:
        return candidates[0]
    rows = _perturbed(transformed, np.random.RandomState(random_state))
    kept = [_rows_kept(order, rows, reverse, valid) for order in candidates]
    return candidates[int(np.argmax(kept))]  # the first best: list order on a tie


def candidate_orders(constraints):
    """Distinct reverse orders, list order first: one per order of the rules in loops
    (a single one when there is no loop or it holds more than ``MAX_ORDERED_LOOP``)."""
    before = _runs_after(constraints)
    in_loops = [position for position in range(len(constraints))
                if position in _waited_on(position, before, set())]
    default = reverse_order(constraints)
    if not 2 <= len(in_loops) <= MAX_ORDERED_LOOP:
        return [default]
    others = [position for position in range(len(constraints)) if position not in in_loops]
    orders = [default]
    for arrangement in permutations(in_loops):
        order = reverse_order(constraints, preference=[*arrangement, *others])
        if order not in orders:
            orders.append(order)
    return orders


def _runs_after(constraints):
    """Each rule's position -> the positions of the rules that write what it reads."""
    writes = [set(c.written_columns()) for c in constraints]
    reads = [set(c.read_columns()) for c in constraints]
    return {position: {other for other in range(len(constraints))
                       if other != position and writes[other] & reads[position]}
            for position in range(len(constraints))}


def _waited_on(position, before, placed):
    """The rules not in ``placed`` that the rule at ``position`` waits on, directly or
    through others (``before``: each rule's position -> those it runs after)."""
    reached, frontier = set(), [position]
    while frontier:
        for other in before[frontier.pop()] - placed:
            if other not in reached:
                reached.add(other)
                frontier.append(other)
    return reached


def _perturbed(transformed, rng):
    """At most ``TRIAL_ROWS`` of the rows, their float columns moved by noise of
    ``TRIAL_NOISE`` of each column's spread (other columns as they are)."""
    if len(transformed) > TRIAL_ROWS:
        transformed = transformed.iloc[np.sort(rng.choice(len(transformed), TRIAL_ROWS,
                                                          replace=False))]
    rows = transformed.copy()
    for name in rows.columns:
        if rows[name].dtype.kind != "f":
            continue
        values = rows[name].to_numpy(dtype=np.float64, copy=True)
        spread = np.nanstd(values) if np.isfinite(values).any() else 0.0
        values += TRIAL_NOISE * spread * rng.standard_normal(len(values))
        rows[name] = values.astype(rows[name].dtype)
    return rows


def _rows_kept(order, rows, reverse, valid):
    try:
        return int(valid(reverse(rows, order)).sum())
    except (ValueError, TypeError, ArithmeticError):  # an order the values cannot take
        return -1
