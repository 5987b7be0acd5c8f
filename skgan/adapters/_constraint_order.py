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
import pandas as pd

#: Loops of more rules than this keep the list order (5! orders each at most).
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

    Each loop (rules reading what each other writes, directly or through others) of at
    most ``MAX_ORDERED_LOOP`` rules is ordered in turn, the others' orders held: the
    orders tried add up over the loops rather than multiply, and each loop's orders are
    scored on its own rules. ``reverse(frame, order)`` writes transformed rows back in
    ``order``; ``valid(frame, positions)`` says which rows keep each rule of
    ``positions``. An order whose reverse transforms raise on the perturbed rows scores
    below any other (a rule of your own may raise at sampling as it did before).
    """
    loops = [loop for loop in rule_loops(constraints) if len(loop) <= MAX_ORDERED_LOOP]
    if not loops or len(transformed) == 0:
        return reverse_order(constraints)
    rows = _perturbed(transformed, np.random.RandomState(random_state))
    preference = list(range(len(constraints)))
    for loop in loops:  # scored on the loop's own rules: another loop's rows do not count
        current = reverse_order(constraints, preference=preference)
        best_kept, chosen = _rows_kept(current, rows, reverse, valid, loop), preference
        for arrangement in permutations(loop):
            arranged = iter(arrangement)  # the loop's places in the preference, re-filled
            trial = [next(arranged) if position in loop else position
                     for position in preference]
            order = reverse_order(constraints, preference=trial)
            if order == current:
                continue
            kept = _rows_kept(order, rows, reverse, valid, loop)
            if kept > best_kept:
                best_kept, chosen = kept, trial
        preference = chosen
    return reverse_order(constraints, preference=preference)


def rule_loops(constraints):
    """The loops of ``constraints``: lists of two or more positions whose rules read,
    directly or through each other, what the others write (strongly connected parts of
    the reads-what-writes graph), in order of their first rule."""
    before = _runs_after(constraints)
    loops, seen = [], set()
    for position in range(len(constraints)):
        if position in seen:
            continue
        upstream = _waited_on(position, before, set())
        if position not in upstream:
            continue
        loop = {other for other in upstream if position in _waited_on(other, before, set())}
        loop.add(position)
        seen |= loop
        loops.append(sorted(loop))
    return loops


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
    """At most ``TRIAL_ROWS`` of the rows, their float columns (numpy, nullable or
    Arrow floats) moved by noise of ``TRIAL_NOISE`` of each column's spread; other
    columns as they are."""
    if len(transformed) > TRIAL_ROWS:
        transformed = transformed.iloc[np.sort(rng.choice(len(transformed), TRIAL_ROWS,
                                                          replace=False))]
    rows = transformed.copy()
    for name in rows.columns:
        column = rows[name]
        if not pd.api.types.is_float_dtype(column.dtype):
            continue
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        spread = np.nanstd(values) if np.isfinite(values).any() else 0.0
        values = values + TRIAL_NOISE * spread * rng.standard_normal(len(values))
        rows[name] = pd.Series(values, index=rows.index).astype(column.dtype)
    return rows


def _rows_kept(order, rows, reverse, valid, rules):
    """How many of ``rows`` keep each of ``rules`` (positions) once written back in
    ``order``; -1 when that raises."""
    try:  # a copy each: a rule of your own may write into the frame it is given
        return int(np.asarray(valid(reverse(rows.copy(), order), rules)).sum())
    except Exception:  # noqa: BLE001 - any order the values cannot take scores lowest
        return -1
