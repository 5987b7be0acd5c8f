"""Sampling's rows in blocks and chunks: the blocks ``sample`` generates, the chunks
``sample_chunks`` yields, and the checked counts of both."""

import numbers

import pandas as pd

from ..adapters.base import concatenate_rows

#: Rows sampling generates at a time (``sample`` and ``sample_chunks`` work in such blocks).
SAMPLE_BLOCK_ROWS = 16384


def block_bounds(n_samples, block_rows=SAMPLE_BLOCK_ROWS):
    """(start, stop) of the blocks of ``block_rows`` rows that sampling generates."""
    for start in range(0, n_samples, block_rows):
        yield start, min(start + block_rows, n_samples)


def _first_rows(rows, n_rows):
    if isinstance(rows, pd.DataFrame):
        return rows.iloc[:n_rows].reset_index(drop=True)
    return rows[:n_rows]


def _rows_between(rows, start, stop):
    if isinstance(rows, pd.DataFrame):
        return rows.iloc[start:stop]
    return rows[start:stop]


def rechunk(blocks, chunk_size):
    """The rows of the iterable ``blocks`` again, as chunks of ``chunk_size`` rows."""
    pending, n_pending = [], 0
    for block in blocks:
        start = 0
        while start < len(block):
            stop = min(len(block), start + chunk_size - n_pending)
            pending.append(_rows_between(block, start, stop))
            n_pending += stop - start
            start = stop
            if n_pending == chunk_size:
                yield _from_zero(concatenate_rows(pending))
                pending, n_pending = [], 0
    if n_pending:
        yield _from_zero(concatenate_rows(pending))


def _from_zero(rows):
    return rows.reset_index(drop=True) if isinstance(rows, pd.DataFrame) else rows


def check_chunk_size(chunk_size):
    """``chunk_size`` of ``sample_chunks`` as an int >= 1, or a clear error."""
    return _check_count(chunk_size, "chunk_size", 1)


def _check_n_samples(n_samples):
    return _check_count(n_samples, "n_samples", 0)


def _check_count(value, name, least):
    """``value`` as an int >= ``least``: TypeError for a non-integer, ValueError below."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value < least:
        raise ValueError(f"{name} must be >= {least}, got {value}.")
    return int(value)
