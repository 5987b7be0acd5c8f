"""How many CPU threads a fit uses: fewer when other processes already keep the cores busy.

A training step of a table-sized GAN is a few milliseconds of small matrix products.
torch runs them on all of ``torch.get_num_threads()`` threads, whose workers spin while
they wait for each other; when another process holds a core, every step waits for the
thread that lost its core, and fits slow down ten times and more (a 2-core machine
running one other job: 0.5 s epochs became 15 s). So, as scikit-learn's KMeans limits its
BLAS threads with threadpoolctl for the length of its loops, a fit on the CPU counts the
threads of other processes that are runnable when it starts (Linux's
``/proc/stat``) and trains on the cores left free (at least one), then restores the
thread count the user had. ``skgan.fit_threads(n)`` fixes the count instead.

On most shapes skgan trains, the thread count does not change the results (a fit gives
the same samples on one thread as on two: tests/test_threads.py), but on some CPUs
MKL's kernels for a few shapes (products with 4-12 rows, seen on an AMD EPYC) round in
the last bit by the number of threads, and a GAN's training carries such a bit on.
Where a fit must be bit-identical on a machine that may be busy, fix the count with
``skgan.fit_threads(n)`` (docs/user_guide.md, "Sampling").
"""

import contextlib
import contextvars
import numbers
import os
import time

import torch

_forced_threads = contextvars.ContextVar("skgan_fit_threads", default=None)

#: Readings of the runnable-thread count, this many seconds apart (their median counts).
_READINGS, _READING_GAP = 5, 0.002


@contextlib.contextmanager
def fit_threads(n_threads):
    """Train with exactly ``n_threads`` CPU threads inside the ``with`` block.

    Parameters
    ----------
    n_threads : int or None
        Threads every ``fit`` and ``partial_fit`` in the block uses on the CPU; None
        goes back to choosing (the cores other processes leave free).

    Examples
    --------
    >>> import numpy as np
    >>> import skgan
    >>> X = np.random.RandomState(0).normal(size=(100, 2))
    >>> with skgan.fit_threads(1):
    ...     model = skgan.GANSampler(epochs=2, random_state=0).fit(X)
    """
    if n_threads is not None and (isinstance(n_threads, bool)
                                  or not isinstance(n_threads, numbers.Integral)):
        raise TypeError(f"n_threads must be a positive integer or None, got {n_threads!r}.")
    if n_threads is not None and n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer or None, got {n_threads!r}.")
    n_threads = None if n_threads is None else int(n_threads)
    token = _forced_threads.set(n_threads)
    try:
        yield
    finally:
        _forced_threads.reset(token)


def other_runnable_threads():
    """Runnable threads of other processes now (median of a few readings of
    ``/proc/stat`` less this process's own runnable threads, such as torch workers still
    spinning after a previous fit), or None where the system does not say."""
    readings = []
    for reading in range(_READINGS):
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                running = next((int(line.split()[1]) for line in stat
                                if line.startswith("procs_running")), None)
        except (OSError, ValueError):
            return None
        if running is None:
            return None
        readings.append(max(0, running - _own_runnable_threads()))
        if reading + 1 < _READINGS:
            time.sleep(_READING_GAP)
    return sorted(readings)[len(readings) // 2]


def _own_runnable_threads():
    """Threads of this process in state R (at least one: the one asking)."""
    running = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/stat", encoding="ascii") as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        running += state == "R"
    return max(1, running)


def _usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_for_fit(device):
    """The thread count a fit on ``device`` uses (None: leave torch's setting alone)."""
    forced = _forced_threads.get()
    if forced is not None:
        return forced
    if device.type != "cpu":
        return None
    wanted = torch.get_num_threads()
    if wanted <= 1:
        return None
    busy = other_runnable_threads()
    if not busy:
        return None
    return max(1, min(wanted, _usable_cores() - busy))


@contextlib.contextmanager
def threads_during_fit(device):
    """Set the fit's thread count (:func:`threads_for_fit`), and restore it after."""
    before = torch.get_num_threads()
    chosen = threads_for_fit(device)
    if chosen is not None and chosen != before:
        torch.set_num_threads(chosen)
    try:
        yield chosen or before
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
