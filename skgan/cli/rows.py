"""Rows for the ``skgan`` command: the subsample ``fit --sample-rows`` trains on, the
chunks ``sample`` writes, the values ``sample --condition`` asks for."""

import numbers
import re

import numpy as np
import pandas as pd

from .files import CommandError, _warn

#: Rows ``skgan sample`` generates and writes at a time: memory holds about one chunk.
SAMPLE_CHUNK_ROWS = 65536


def subsample_rows(table, n_rows, random_state=None, source="the table"):
    """A uniform random subsample of ``n_rows`` rows of ``table``, in the table's order.

    Parameters
    ----------
    table : DataFrame
        The rows to choose from.
    n_rows : int
        How many to keep, >= 1. With at least as many as the table holds, the whole
        table is kept (with a one-line warning on stderr when there are more).
    random_state : int or None, default=None
        Seed of the choice; None draws a different subsample each time.
    source : str, default="the table"
        The table's name in the warning.

    Returns
    -------
    subsample : DataFrame
        The chosen rows, indexed from 0, with the table's ``attrs``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgan.cli.rows import subsample_rows
    >>> subsample_rows(pd.DataFrame({"x": range(10)}), 3, random_state=0)["x"].tolist()
    [5, 6, 9]
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)):
        raise TypeError(f"n_rows must be an integer, got {type(n_rows).__name__}")
    if n_rows < 1:
        raise ValueError(f"n_rows must be >= 1, got {n_rows}")
    if n_rows >= len(table):
        if n_rows > len(table):
            _warn(f"--sample-rows {n_rows} is more than the {len(table)} rows of "
                  f"{source}: training on all of them")
        return table
    chosen = np.random.default_rng(random_state).choice(len(table), n_rows, replace=False)
    subsample = table.iloc[np.sort(chosen)].reset_index(drop=True)
    subsample.attrs = dict(table.attrs)
    return subsample


def sampled_tables(model, n_samples, chunk_rows=SAMPLE_CHUNK_ROWS, **options):
    """The rows of ``model.sample(n_samples, **options)`` as DataFrames of ``chunk_rows``
    rows, generated one at a time (:meth:`~skgan.GANSampler.sample_chunks`).

    For 0 rows, one empty DataFrame with the samples' columns and dtypes (as
    ``sample_chunks`` gives).
    """
    for chunk in model.sample_chunks(n_samples, chunk_size=chunk_rows, **options):
        yield _as_table(chunk, model)


def _as_table(samples, model):
    if isinstance(samples, pd.DataFrame):
        return samples
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        names = [f"x{index}" for index in range(samples.shape[1])]
    return pd.DataFrame(samples, columns=list(names))


def parse_conditions(texts, model):
    """``["col=value", ...]`` as ``{col: value}``, each value of its column's dtype.

    Values are converted to the dtypes of the model's samples (a category's level, a
    boolean from true/false/yes/no/1/0, an integer, a float, a timestamp; text stays
    text).
    """
    known_columns = getattr(model, "feature_names_in_", None)
    dtypes = _sample_dtypes(model)
    conditions = {}
    for text in texts:
        name, equals, value = _split_condition(text, known_columns, model)
        if not equals or not name:
            raise CommandError(f"--condition expects COLUMN=VALUE, got {text!r}")
        if known_columns is not None and name not in known_columns:
            raise CommandError(f"--condition: the model has no column {name!r} (its columns: "
                               f"{', '.join(map(_shown, known_columns))})")
        if known_columns is None:
            name = _array_column(model, name)
        if name in conditions:
            raise CommandError(f"--condition: column {name!r} is given twice")
        dtype = dtypes.get(name) if dtypes is not None else None
        conditions[name] = _typed_value(value, dtype, name, _training_levels(model, name))
    return conditions


def _split_condition(text, known_columns, model=None):
    """``COLUMN=VALUE`` split at the ``=`` after a column's name: a name may hold ``=``
    itself (``a=b=1`` is column ``a=b`` when the model has one and no column ``a``; with
    both, the reading whose value is a level its column held in training)."""
    if known_columns is not None:
        names = {str(column) for column in known_columns}
        splits = [position for position, character in enumerate(text)
                  if character == "=" and text[:position] in names]
        if len(splits) > 1 and model is not None:
            held = [at for at in splits if _is_training_level(model, text[:at], text[at + 1:])]
            splits = held if len(held) == 1 else splits
        if len(splits) > 1:
            readings = " or ".join(f"column {text[:at]!r} = {text[at + 1:]!r}"
                                   for at in splits)
            raise CommandError(f"--condition {text!r} is ambiguous: {readings}; rename a "
                               "column to condition on it")
        if splits:
            return text[:splits[0]], "=", text[splits[0] + 1:]
    return text.partition("=")


def _is_training_level(model, name, value):
    """Whether ``value``, as written, is a level column ``name`` held in training."""
    levels = _training_levels(model, name)
    return levels is not None and any(str(level) == value for level in levels)


def _shown(name):
    """A column's name as an error message shows it: as written, or quoted with
    escapes when it holds a line break or other unprintable characters."""
    name = str(name)
    return name if name.isprintable() else repr(name)


def _array_column(model, name):
    """The position of a model fitted on an array for ``name`` as its samples' header
    writes it (``x2``), or as a number (``2``); ``name`` itself otherwise."""
    columns = list(getattr(getattr(model, "adapter_", None), "columns_", []))
    match = re.fullmatch(r"x?(\d+)", name)
    if match and columns and all(isinstance(column, numbers.Integral) for column in columns):
        position = int(match.group(1))
        if position not in columns:
            raise CommandError(f"--condition: the model has no column {name!r} (its "
                               f"columns: x0 to x{len(columns) - 1})")
        return position
    return name


def _training_levels(model, name):
    """The levels column ``name`` held in training, when the model's table adapter
    keeps it as a discrete column (None otherwise)."""
    adapter = getattr(model, "adapter_", None)
    for encoder in getattr(adapter, "column_encoders_", ()):
        coder = getattr(encoder, "coder_", None)
        if encoder.name == name and coder is not None:
            return coder.all_levels()
    return None


def _sample_dtypes(model):
    """The dtype of each column of the model's samples (None unless it samples tables)."""
    one_row = model.sample(1, random_state=0)  # its own seed: the model's stream stays put
    if isinstance(one_row, np.ndarray) and one_row.ndim == 2:  # a model of an array
        return {position: one_row.dtype for position in range(one_row.shape[1])}
    return one_row.dtypes if isinstance(one_row, pd.DataFrame) else None


BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _typed_value(text, dtype, name, levels=None):
    """``text`` as a value of ``dtype`` (None: unchanged); in a column of Python
    objects (``levels``: its training levels), the level it spells; nothing (``col=``)
    is a missing value, as a CSV file writes one."""
    if text == "":
        return None
    if dtype is None:
        return text
    try:
        if isinstance(dtype, pd.CategoricalDtype):
            matches = [value for value in dtype.categories if str(value) == text]
            if not matches:
                raise ValueError
            return matches[0]
        if pd.api.types.is_bool_dtype(dtype):
            return BOOLEANS[text.lower()]
        if pd.api.types.is_integer_dtype(dtype):
            return _whole_number(text)
        if dtype == object and levels is not None:
            return _object_level(text, levels)
        if pd.api.types.is_float_dtype(dtype):
            return float(text)
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return pd.Timestamp(text)
    except (KeyError, ValueError):
        raise CommandError(f"--condition: {text!r} is not a value of column {name!r} "
                           f"({dtype})") from None
    return text


def _whole_number(text):
    """An integer written as one (``3``) or as a whole float (``3.0``, ``3e3``)."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise
        return int(value)


def _object_level(text, levels):
    """The training level of a column of Python objects that ``text`` spells: the one
    written as ``text``, else a boolean level spelled true/false/yes/no/1/0 (a column of
    booleans with blanks is read by pandas as objects); ``text`` itself when none is."""
    present = [level for level in levels if not pd.isna(level)]
    written = [level for level in present if str(level) == text]
    if written:
        return written[0]
    if present and all(isinstance(level, (bool, np.bool_)) for level in present) \
            and text.lower() in BOOLEANS:
        return BOOLEANS[text.lower()]
    return text
