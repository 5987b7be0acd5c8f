"""How many CPU threads a fit (or a large sample) uses: fewer when other processes already
keep the cores busy.

A training step of a table-sized GAN is a few milliseconds of small matrix products.
torch runs them on all of ``torch.get_num_threads()`` threads, whose workers spin while
they wait for each other; when another process holds a core, every step waits for the
thread that lost its core, and fits slow down ten times and more (a 2-core machine
running one other job: 0.5 s epochs became 15 s). So, as scikit-learn's KMeans limits its
BLAS threads with threadpoolctl for the length of its loops, a fit on the CPU counts the
threads of other processes that are runnable (Linux's ``/proc/stat``) when it starts
and again every :data:`RECHECK_SECONDS` seconds of training (:func:`recheck_threads`,
called between steps: a process that starts after the fit would otherwise meet a fit
spinning on every core), trains on the cores left free (at least one), and restores the
thread count the user had. ``skgan.fit_threads(n)`` fixes the count instead. Sampling
of at least :data:`SAMPLING_ROWS_TO_CHOOSE` rows chooses the same way (its forward passes
slowed 3-7 times on a busy 2-core machine on two threads), smaller samples keep the
user's setting (reading the count takes a few milliseconds), and work inside a fit keeps
the fit's choice.

On most shapes skgan trains, the thread count does not change the results (a fit gives
the same samples on one thread as on two: tests/test_threads.py), but on some CPUs
MKL's kernels for a few shapes (products with 4-12 rows, seen on an AMD EPYC; one
packed row by 384 inputs in a ConditionalGAN step, on an Intel Xeon) round in the last
bit by the number of threads, and a GAN's training carries such a bit on.
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
#: The enclosing :func:`threads_during_fit`'s :class:`_ChosenThreads` (None outside one).
_chosen_threads = contextvars.ContextVar("skgan_chosen_threads", default=None)
#: Samples of fewer rows keep the user's thread count without looking at the machine.
SAMPLING_ROWS_TO_CHOOSE = 4096

#: Readings of the runnable-thread count, this many seconds apart (their median counts).
_READINGS, _READING_GAP = 5, 0.002
#: Seconds of training (or sampling) between two readings of the machine.
RECHECK_SECONDS = 2.0
#: Seconds for which sampling reuses a reading (and the reading, with its time).
_READING_LIFETIME = 1.0
_last_reading = None


@contextlib.contextmanager
def fit_threads(n_threads):
    """Train with exactly ``n_threads`` CPU threads inside the ``with`` block.

    Parameters
    ----------
    n_threads : int or None
        Threads every ``fit`` and ``partial_fit`` in the block uses on the CPU, and
        every ``sample`` of 4,096 rows or more; None goes back to choosing (the cores
        other processes leave free). The setting belongs to the thread (or asyncio
        task) that enters the block, as ``decimal.localcontext`` does: work handed to
        other threads (a ``ThreadPoolExecutor``, joblib's threading backend) chooses
        for itself unless it enters the block there.

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


def other_runnable_threads(n_readings=None):
    """Runnable threads of other processes now (median of ``n_readings`` readings of
    ``/proc/stat``, :data:`_READINGS` by default, less this process's own runnable
    threads, such as torch workers still spinning after a previous fit), or None where
    the system does not say."""
    n_readings = _READINGS if n_readings is None else n_readings
    readings = []
    for reading in range(n_readings):
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                running = next((int(line.split()[1]) for line in stat
                                if line.startswith("procs_running")), None)
        except (OSError, ValueError):
            return None
        if running is None:
            return None
        readings.append(max(0, running - _own_runnable_threads()))
        if reading + 1 < n_readings:
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


def threads_for_fit(device, busy_reading=None, wanted=None):
    """The thread count a fit on ``device`` uses (None: leave torch's setting alone).

    ``busy_reading``: a callable giving the runnable threads of other processes
    (:func:`other_runnable_threads` when None). ``wanted``: the most threads to use,
    the user's setting (``torch.get_num_threads()`` when None).
    """
    forced = _forced_threads.get()
    if forced is not None:
        return forced
    if device.type != "cpu":
        return None
    wanted = torch.get_num_threads() if wanted is None else wanted
    if wanted <= 1:
        return None
    busy = (busy_reading or other_runnable_threads)()
    if not busy:
        return None
    return max(1, min(wanted, _usable_cores() - busy))


def _recent_runnable_threads():
    """:func:`other_runnable_threads`, read again only when the last reading is older
    than :data:`_READING_LIFETIME` seconds (a sample reads once per block of rows)."""
    global _last_reading
    now = time.monotonic()
    if _last_reading is None or now - _last_reading[0] > _READING_LIFETIME:
        # one reading (a fit's five take 10 ms, a third of sampling 5,000 rows)
        _last_reading = (now, other_runnable_threads(n_readings=1))
    return _last_reading[1]


class _ChosenThreads:
    """The thread count of the fit (or sample) running in this context, chosen again
    every :data:`RECHECK_SECONDS` seconds (:meth:`recheck`)."""

    def __init__(self, device, busy_reading, before):
        self.device, self.busy_reading, self.before = device, busy_reading, before
        self.count = self._choose()
        # A count fixed by skgan.fit_threads, or a fit off the CPU, is never read again.
        self.fixed = _forced_threads.get() is not None or device.type != "cpu" \
            or before <= 1
        self.next_reading = time.monotonic() + RECHECK_SECONDS

    def _choose(self):
        chosen = threads_for_fit(self.device, self.busy_reading, self.before) or self.before
        if chosen != torch.get_num_threads():
            torch.set_num_threads(chosen)
        return chosen

    def recheck(self):
        if self.fixed:
            return
        now = time.monotonic()
        if now >= self.next_reading:
            self.count = self._choose()
            self.next_reading = time.monotonic() + RECHECK_SECONDS


def recheck_threads():
    """Between two steps of a fit (or blocks of a sample): read the machine again if
    :data:`RECHECK_SECONDS` have passed since the last reading, and move the thread
    count to the cores other processes leave free now (up to the user's setting).
    Outside a fit or a sample, nothing."""
    chosen = _chosen_threads.get()
    if chosen is not None:
        chosen.recheck()


@contextlib.contextmanager
def threads_during_fit(device, busy_reading=None):
    """Set the fit's thread count (:func:`threads_for_fit`), move it as the machine
    changes (:func:`recheck_threads`), and restore the user's count after.

    Inside another such block (a fit's calibration samples, say) the outer block's
    choice stands and the machine is not read again.
    """
    if _chosen_threads.get() is not None:
        yield _chosen_threads.get().count
        return
    before = torch.get_num_threads()
    chosen = _ChosenThreads(device, busy_reading, before)
    token = _chosen_threads.set(chosen)
    try:
        yield chosen.count
    finally:
        _chosen_threads.reset(token)
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def threads_during_sampling(device, n_rows):
    """:func:`threads_during_fit` for generating ``n_rows`` rows: fewer than
    :data:`SAMPLING_ROWS_TO_CHOOSE` keep the current setting, and a reading of the
    machine serves a second of sampling."""
    if n_rows < SAMPLING_ROWS_TO_CHOOSE and _forced_threads.get() is None:
        return contextlib.nullcontext(torch.get_num_threads())
    return threads_during_fit(device, _recent_runnable_threads)
