"""A TabularAdapter's constraints: checked and fitted together, applied in order.

At fit, the list is checked (types, columns, contradictions), the training rows that
break a rule raise a ValueError naming the rule and how many rows break it (or are
dropped with a warning, ``handle_invalid="drop"``), and each constraint is fitted and
applies its transform in turn. Rules that fold columns into one (``FixedCombinations``,
``OneHot``) come last, so the others still see their columns. At sampling the reverse
transforms run in the opposite order; a row that a combination of rules writing the
same column could not keep is found by :meth:`TableConstraints.valid` and dropped.
"""


import numpy as np
import pandas as pd
from sklearn.base import clone

from .._engine.caller_warnings import warn_at_caller
from ..constraints import (
    Bounds,
    Constraint,
    FixedCombinations,
    FixedIncrements,
    Inequality,
    LinearEquality,
    OneHot,
    Range,
)
from ..constraints._combinations import _is_missing
from ._constraint_order import choose_reverse_order, rule_loops

HANDLE_INVALID = ("error", "drop")


def check_constraints(constraints, handle_invalid):
    """The constraints as a list; a TypeError/ValueError for a bad parameter."""
    if handle_invalid not in HANDLE_INVALID:
        raise ValueError(f"handle_invalid must be one of {HANDLE_INVALID}, got "
                         f"{handle_invalid!r}.")
    if constraints is None:
        return []
    if isinstance(constraints, Constraint) or not isinstance(constraints, (list, tuple)):
        raise TypeError("constraints must be a list of skgan.constraints objects, got "
                        f"{type(constraints).__name__}.")
    wrong = [item for item in constraints if not isinstance(item, Constraint)]
    if wrong:
        raise TypeError(f"constraints must be skgan.constraints objects; {wrong[0]!r} is "
                        "not one.")
    return list(constraints)


class TableConstraints:
    """Fitted constraints of one table, with the table's original columns and dtypes.

    Parameters
    ----------
    constraints : list of Constraint
        Unfitted; each is cloned.
    """

    def __init__(self, constraints):
        folding = [c for c in constraints if isinstance(c, (FixedCombinations, OneHot))]
        self.constraints = [clone(c) for c in constraints if c not in folding] + [
            clone(c) for c in folding]

    def fit_transform(self, frame, handle_invalid):
        """Check and fit the constraints on ``frame``; its transformed form."""
        self.columns = frame.columns
        self.dtypes = dict(frame.dtypes.items())
        for constraint in self.constraints:
            constraint.check(frame)
        _refuse_contradictions(self.constraints, frame)
        frame = self._valid_training_rows(frame, handle_invalid)
        for constraint in self.constraints:
            constraint.fit(frame)
            frame = constraint.transform(frame)
        # Fitted rules know what they write (a FixedCombinations key, for one).
        self.may_reject = _may_reject(self.constraints)
        self.reverse_order = choose_reverse_order(self.constraints, frame, self.reverse,
                                                  self.valid)
        if self.may_reject:
            warn_at_caller(
                "Not every rule can be kept by construction here (two rules write one "
                "column, rules read what each other writes, or a rule is your own): "
                "sampled rows are checked against all rules, and rows breaking one are "
                "dropped and generated again (sampling raises a ValueError after 100 "
                "rounds that keep none).")
        return frame

    def _valid_training_rows(self, frame, handle_invalid):
        invalid, message = self._broken(frame)
        if not invalid.any():
            return frame
        if handle_invalid == "error":
            raise ValueError(message + ". Fix the rows, or pass handle_invalid='drop'.")
        if invalid.all():
            raise ValueError(message + "; no row is left to train on.")
        warn_at_caller(message + "; they were dropped (handle_invalid='drop').")
        return frame[~invalid]

    def broken_report(self, frame):
        """Which rules rows of ``frame`` (original columns) break, in words: "3 of 10
        rows break constraints: <rule> (3 rows)"; None when every row keeps them."""
        invalid, message = self._broken(frame)
        return message if invalid.any() else None

    def _broken(self, frame):
        """Which rows of ``frame`` break a rule, and a message counting them by rule."""
        invalid = np.zeros(len(frame), dtype=bool)
        reports = []
        for constraint in self.constraints:
            broken = ~constraint.is_valid(frame)
            if broken.any():
                reports.append(f"{constraint.describe()} ({int(broken.sum())} rows)")
            invalid |= broken
        return invalid, (f"{int(invalid.sum())} of {len(frame)} rows break constraints: "
                         + "; ".join(reports))

    def transform(self, frame, strict=True):
        """Transformed ``frame`` (rows to encode); rows breaking a rule raise when
        ``strict``."""
        if strict:
            invalid, message = self._broken(frame)
            if invalid.any():
                raise ValueError(message + ". Fix the rows, or pass the adapter "
                                 "handle_invalid='drop' to train without them.")
        for constraint in self.constraints:
            frame = constraint.transform(frame)
        return frame

    def reverse(self, frame, order=None):
        """Generated rows in the transformed form → the original columns, rules kept
        (the rules' reverse transforms in ``order``, by default ``reverse_order``)."""
        for position in self.reverse_order if order is None else order:
            frame = self.constraints[position].reverse_transform(frame)
        frame = frame[list(self.columns)]
        for name, dtype in self.dtypes.items():
            if frame[name].dtype != dtype:
                try:
                    frame[name] = frame[name].astype(dtype)
                except (TypeError, ValueError):
                    pass  # an integer column with missing values stays float
        return frame

    def discrete_columns(self):
        """Columns of the transformed table the rules need learned as discrete (see
        ``Constraint.discrete_columns``)."""
        return [name for constraint in self.constraints
                for name in constraint.discrete_columns()]

    def derived_missing_columns(self):
        """Columns of the transformed table whose values are missing exactly where
        other columns' are (see ``Constraint.derived_missing_columns``)."""
        return [name for constraint in self.constraints
                for name in constraint.derived_missing_columns()]

    def rows_to_keep(self, frame, warn=False):
        """Which training rows keep every rule (None when all of them do). With
        ``warn`` (rows of more training: ``partial_fit``, a warm start), the others are
        dropped with the warning a fit afresh gives, and a ValueError says so when
        none is left."""
        invalid, _ = self._broken(frame)
        if not invalid.any():
            return None
        if warn:
            self._valid_training_rows(frame, "drop")
        return ~invalid

    def valid(self, frame, positions=None):
        """Which rows of ``frame`` (original columns) keep every rule (or the rules at
        ``positions``)."""
        valid = np.ones(len(frame), dtype=bool)
        for position, constraint in enumerate(self.constraints):
            if positions is None or position in positions:
                valid &= constraint.is_valid(frame)
        return valid

    def conditions(self, conditions):
        """Conditions on original columns as ones the transformed table can ask for."""
        asked = conditions
        for constraint in self.constraints:  # their own messages first
            conditions = constraint.conditions(conditions)
        self._refuse_broken_conditions(asked)
        return conditions

    def _refuse_broken_conditions(self, conditions):
        """A ValueError, before any row is generated, when the conditions set every
        column of a rule to values that break it (``lo=4, hi=4`` against a strict
        ``Inequality("lo", "hi")``): no generated row could meet them."""
        for rule, constraint in _pairwise_parts(self.constraints):
            names = constraint.column_names()
            if not names or not all(name in conditions and not _is_missing(conditions[name])
                                    for name in names):
                continue
            try:
                row = pd.DataFrame({name: pd.Series([conditions[name]]).astype(
                    self.dtypes[name]) for name in names})
                kept = bool(constraint.is_valid(row)[0])
            except (TypeError, ValueError, KeyError, OverflowError):
                continue  # a value the column cannot hold: the usual checks say so
            if not kept:
                asked = {name: conditions[name] for name in names}
                raise ValueError(f"Conditions {asked} break {rule.describe()}: no "
                                 "generated row can meet them.")


def _pairwise_parts(constraints):
    """``(rule, part)`` for each of the constraints: a ``Range`` as the three orders it
    sets (low <= middle, middle <= high, low <= high), so that conditions on two of its
    columns that break one are refused too; any other rule as itself."""
    for constraint in constraints:
        if isinstance(constraint, Range):
            low, middle, high = constraint.column_names()
            for first, second in ((low, middle), (middle, high), (low, high)):
                yield constraint, Inequality(first, second, strict=constraint.strict)
        else:
            yield constraint, constraint


#: skgan's own rules, each kept by construction when no other rule writes its columns.
_BY_CONSTRUCTION = (Inequality, Range, Bounds, FixedCombinations, OneHot, FixedIncrements,
                    LinearEquality)


def _may_reject(constraints):
    """Whether generated rows can break a rule after the reverse transforms: two rules
    write one column, rules read what each other writes (a loop: the rule written last
    may break another), or a rule is a user's own."""
    written = [name for c in constraints for name in c.written_columns()]
    return len(written) != len(set(written)) or bool(rule_loops(constraints)) or not all(
        type(c) in _BY_CONSTRUCTION for c in constraints)


def _refuse_contradictions(constraints, frame):
    """ValueError for rules no row can keep together: a cycle of inequalities with a
    strict one, or bounds that an inequality's order leaves no room between."""
    edges = []
    for constraint in constraints:
        if isinstance(constraint, Inequality):
            edges.append((constraint.low, constraint.high, constraint.strict, constraint))
        elif isinstance(constraint, Range):
            edges += [(constraint.low, constraint.middle, constraint.strict, constraint),
                      (constraint.middle, constraint.high, constraint.strict, constraint)]
    folded = [name for c in constraints if isinstance(c, (FixedCombinations, OneHot))
              for name in c.column_names()]
    twice = sorted({str(name) for name in folded if folded.count(name) > 1})
    if twice:
        raise ValueError(f"Constraints fold column(s) {twice} into two joint columns; give "
                         "each column to one FixedCombinations or OneHot rule.")
    for start, _, _, _ in edges:
        strict_path = _strict_cycle(start, edges)
        if strict_path is not None:
            raise ValueError("Contradictory constraints: "
                             + " and ".join(sorted({c.describe() for c in strict_path}))
                             + " ask for a column to be below itself.")
    lower, upper = {}, {}
    for constraint in constraints:
        if isinstance(constraint, Bounds) and constraint.column in frame.columns:
            low, high = constraint._limits(frame[constraint.column])
            if low is not None:
                lower[constraint.column] = max(low, lower.get(constraint.column, low))
            if high is not None:
                upper[constraint.column] = min(high, upper.get(constraint.column, high))
    for column in set(lower) & set(upper):
        if lower[column] > upper[column]:
            raise ValueError(f"Contradictory constraints: the bounds of {column!r} leave no "
                             "value.")
    # Each bound carried along the inequalities (a <= b passes a's low bound to b and
    # b's high bound to a), with whether the way holds a strict step: a path from a
    # column bounded below to one bounded above must leave room for its order.
    for start in lower:
        for end, (strict, path) in _reachable(start, edges).items():
            if end in upper and (lower[start] > upper[end]
                                 or (strict and lower[start] == upper[end])):
                rules = " and ".join(dict.fromkeys(c.describe() for c in path))
                raise ValueError(f"Contradictory constraints: {rules} with {start!r} >= "
                                 f"{lower[start]!r} and {end!r} <= {upper[end]!r}.")


def _reachable(start, edges):
    """``{column: (strict, rules)}``: the columns an order of ``edges`` (low, high,
    strict, rule) puts at or above ``start``, with whether some way there holds a
    strict step (one found first is kept) and the rules of that way."""
    found = {}
    frontier = [(start, False, ())]
    while frontier:
        column, strict, path = frontier.pop()
        for low, high, step_strict, rule in edges:
            if low != column:
                continue
            reached = (strict or step_strict, path + (rule,))
            known = found.get(high)
            if known is None or (reached[0] and not known[0]):
                found[high] = reached
                frontier.append((high, *reached))
    return found


def _strict_cycle(start, edges):
    """The rules of a cycle through ``start`` that holds a strict inequality, or None."""
    stack = [(start, False, [])]
    seen = set()
    while stack:
        node, strict, path = stack.pop()
        for low, high, is_strict, constraint in edges:
            if low != node:
                continue
            now_strict, now_path = strict or is_strict, path + [constraint]
            if high == start and now_strict:
                return now_path
            if (high, now_strict) not in seen:
                seen.add((high, now_strict))
                stack.append((high, now_strict, now_path))
    return None


def matching_rows(output, conditions):
    """Which rows of ``output`` hold every condition's value (missing matches missing)."""
    keep = np.ones(len(output), dtype=bool)
    for name, value in conditions.items():
        column = output[name]
        if pd.isna(value):
            keep &= column.isna().to_numpy(dtype=bool)
        else:
            keep &= np.asarray((column == value).fillna(False), dtype=bool)
    return keep
