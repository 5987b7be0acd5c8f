"""``sample(conditions=...)`` on tables: which rows meet the conditions, and which level
to ask the generator for."""

import numpy as np
import pandas as pd

from ._columns import positions_in
from ._independent_columns import decoding_links
from ._table_columns import ConstantColumn, ContinuousColumn, DiscreteColumn
from ._table_constraints import matching_rows


def plan_conditions(adapter, conditions):
    """Check ``conditions`` against a fitted TabularAdapter and say how to meet them
    (see :meth:`TabularAdapter.condition_plan`)."""
    _check_condition_values(conditions)
    slots_of = {index: offset for offset, (index, *_)
                in zip(np.cumsum([0] + [b[2] for b in adapter.condition_blocks_]),
                       adapter.condition_blocks_)}
    targets, slot = [], None
    for name, value in conditions.items():
        if name not in adapter.columns_:
            raise ValueError(
                f"Condition on column {name!r}, which is not in the data "
                f"(columns: {list(adapter.columns_)})."
            )
        index = adapter.columns_.get_loc(name)
        encoder = adapter.column_encoders_[index]
        if isinstance(encoder, ContinuousColumn):
            raise ValueError(
                f"Column {name!r} is continuous; conditions apply to discrete columns "
                "(name it in discrete_columns, or with --discrete in `skgan fit`, to "
                "make it one)."
            )
        if isinstance(encoder, ConstantColumn):
            if not _same_value(encoder.value_, value):
                raise ValueError(f"Column {name!r} only held {encoder.value_!r} in training.")
            continue  # every decoded row holds it
        code = encoder.code_of(value)
        if code is None:
            raise ValueError(
                f"Value {value!r} of column {name!r} was never seen in training."
            )
        if slot is None and index in slots_of:
            slot = int(slots_of[index] + code)
        targets.append((index, encoder, code, value))
    _check_learned_links(adapter, {index: value for index, _, _, value in targets})

    linked = _linked_columns(adapter)

    def matches(decoded):
        frame = decoded if isinstance(decoded, pd.DataFrame) else pd.DataFrame(decoded)
        keep = np.ones(len(frame), dtype=bool)
        for index, encoder, code, value in targets:
            column = frame.iloc[:, index]
            # Codes compare any missing marker (None, NaN, NA, NaT) and equal values
            # of other types (1, 1.0, True) as pandas' indexes do.
            pooled = encoder.coder_.codes_of(column) == code
            keep &= pooled
            if code != len(encoder.coder_.levels_):
                continue
            if index in linked:  # a rare level whose column another follows (or leads):
                keep &= encoder.coder_.rare_codes_of(column) == encoder.coder_.rare_codes_of(
                    [value])[0]  # the rows that drew it, so that the link holds
            else:  # a rare level, decoded from the unit the rare levels share
                _write_rare_level(decoded, index, np.flatnonzero(pooled),
                                  _stored_level(encoder.coder_, value))
        return keep

    return slot, matches


def _linked_columns(adapter):
    """Positions of the columns that decoding writes from another or that decide
    another (dependencies and their other keys, missing dependencies, level rules,
    columns missing together, the parts of split dates): a rare level of theirs cannot
    be written in after decoding without breaking the link."""
    links = decoding_links(
        [*getattr(adapter, "dependencies_", []), *getattr(adapter, "agreements_", [])],
        getattr(adapter, "missing_dependencies_", []), getattr(adapter, "level_rules_", []),
        getattr(adapter, "split_dates_", []), getattr(adapter, "missing_together_", []))
    return {position for link in links for position in link}


def columns_left_out(adapter, conditions):
    """The names in ``conditions`` of discrete columns a fitted TabularAdapter trains by
    sampling without, or whose asked value is a rare level sharing one unit (see
    :meth:`TabularAdapter.columns_left_out_of_conditions`)."""
    if not adapter.conditional_sampling:
        return []
    conditioned = {block[0] for block in adapter.condition_blocks_}
    positions = {name: adapter.columns_.get_loc(name) for name in conditions
                 if name in adapter.columns_}
    encoders = adapter.column_encoders_
    return [name for name, index in positions.items()
            if isinstance(encoders[index], DiscreteColumn) and (
                index not in conditioned
                or encoders[index].coder_.rare_codes_of([conditions[name]])[0] >= 0)]


def _write_rare_level(decoded, index, rows, value):
    """Give ``rows`` of ``decoded`` (a DataFrame or an ndarray, in place) the asked rare
    level in column ``index``.

    The rare levels of a column share one unit of the generator, and decoding draws
    which of them a row holds by their training shares, apart from every other column:
    the rows decoded from that unit are the model's rows given any one of them. Keeping
    only those that drew the asked level would throw away all but its share (a level of
    2 rows among 400: nearly every row, and conditions then failed).
    """
    if not len(rows):
        return
    if isinstance(decoded, pd.DataFrame):
        decoded.iloc[rows, index] = value
    else:
        decoded[rows, index] = value


def _check_condition_values(conditions):
    """A TypeError unless ``conditions`` is a non-empty dict of column -> one value."""
    if not isinstance(conditions, dict) or not conditions:
        raise TypeError("conditions must be a non-empty dict of column -> value.")
    for name, value in conditions.items():
        if isinstance(value, (list, tuple, set, frozenset, dict, np.ndarray, pd.Series,
                              pd.Index)):
            raise TypeError(
                f"conditions[{name!r}] is a {type(value).__name__}; a condition is one "
                "value per column (to sample several levels, sample each and "
                "concatenate the tables).")


def _check_learned_links(adapter, asked):
    """A ValueError when the values ``asked`` (column position -> value) break a link
    the adapter keeps in every row (a functional dependency, a level rule): no row
    would ever meet them, and sampling would only give up after its rounds."""
    names = adapter.columns_
    links = [(link.key, link.dependent, link.key_index_, link.values_,
              "a functional dependency")
             for link in (*getattr(adapter, "dependencies_", []),
                          *getattr(adapter, "agreements_", []))]
    links += [(rule.column, rule.other, rule.levels_, rule.values_, "a level rule")
              for rule in getattr(adapter, "level_rules_", [])]
    for column, other, levels, values, kind in links:
        if column not in asked or other not in asked:
            continue
        position = positions_in(levels, [asked[column]])[0]
        if position >= 0 and not _same_value(values[position], asked[other]):
            raise ValueError(
                f"Conditions {names[column]!r}={asked[column]!r} and "
                f"{names[other]!r}={asked[other]!r} contradict the training rows, where "
                f"{names[column]!r}={asked[column]!r} always goes with {names[other]!r}="
                f"{values[position]!r} ({kind} that every sampled row keeps; "
                "functional_dependencies=False on the TabularAdapter keeps none).")
    for leader, follower in getattr(adapter, "missing_together_", []):
        if leader in asked and follower in asked and \
                bool(pd.isna(asked[leader])) != bool(pd.isna(asked[follower])):
            raise ValueError(
                f"Conditions {names[leader]!r}={asked[leader]!r} and {names[follower]!r}="
                f"{asked[follower]!r} contradict the training rows, where {names[leader]!r} "
                f"and {names[follower]!r} are missing in the same rows (every sampled row "
                "keeps that; functional_dependencies=False on the TabularAdapter keeps none "
                "of the links).")


def _stored_level(coder, value):
    """The training level of a rare ``value`` as the coder holds it (3 for 3.0 in a
    column of integers, the column's own missing marker for NaN)."""
    return coder.rare_levels_[coder.rare_codes_of([value])[0]]


def _rare_levels_written(adapter, conditions, askable, read=()):
    """``(name, coder, level)`` of the conditions on a rare level (sharing one unit) of
    a column that no constraint reads (names in ``read``) and no link involves: the
    level is written into the rows decoded from that unit, as without constraints."""
    linked = _linked_columns(adapter)
    written = []
    for name, value in conditions.items():
        if name not in askable or name in read or not _same_value(askable[name], value):
            continue
        index = adapter.columns_.get_loc(name)
        encoder = adapter.column_encoders_[index]
        if isinstance(encoder, DiscreteColumn) and index not in linked and \
                encoder.coder_.rare_codes_of([value])[0] >= 0:
            written.append((name, encoder.coder_, _stored_level(encoder.coder_, value)))
    return written


def _same_value(left, right):
    left_missing, right_missing = pd.isna(left), pd.isna(right)
    if left_missing or right_missing:
        return bool(left_missing and right_missing)
    return bool(left == right)


def plan_constrained_conditions(adapter, constraints, conditions):
    """:func:`plan_conditions` for an adapter with constraints: conditions name original
    columns; the generator is asked for those the transformed table still holds, and
    rows are matched on the original columns once the rules are applied."""
    _check_condition_values(conditions)
    unknown = [name for name in conditions if name not in constraints.columns]
    if unknown:
        raise ValueError(f"Condition on column {unknown[0]!r}, which is not in the data "
                         f"(columns: {list(constraints.columns)}).")
    asked = constraints.conditions(dict(conditions))
    askable = {name: value for name, value in asked.items() if name in adapter.columns_}
    slot = plan_conditions(adapter, askable)[0] if askable else None
    read = {name for constraint in constraints.constraints
            for name in constraint.column_names()}
    written = _rare_levels_written(adapter, conditions, askable, read)

    def matches(decoded):
        frame = decoded if isinstance(decoded, pd.DataFrame) else pd.DataFrame(
            decoded, columns=constraints.columns)
        for name, coder, value in written:  # as plan_conditions does, before the rules'
            index = frame.columns.get_loc(name)  # check; in the rows kept, not a copy
            rows = np.flatnonzero(coder.codes_of(frame.iloc[:, index]) == len(coder.levels_))
            for table in {id(decoded): decoded, id(frame): frame}.values():
                _write_rare_level(table, index, rows, value)
        return matching_rows(frame, conditions) & constraints.valid(frame)

    return slot, matches
