"""Fits on a busy machine: the demo fit alone, and beside a CPU-bound process it starts.

The demo fit (GANSampler defaults on the cps1985 table, as ``skgan demo`` runs it) is
timed three ways, each alone and then with one competing CPU-bound process (a Python
busy loop, started by this script, holding one core):

- ``auto``: skgan's choice (the cores other processes leave free, see
  ``skgan/_engine/threads.py``);
- ``all threads``: ``skgan.fit_threads(torch.get_num_threads())``, what fits did before;
- ``1 thread``: ``skgan.fit_threads(1)``.

Each way is timed idle, beside a competitor started before the fit, and beside one that
starts ``--late`` seconds into the fit (a fit reads the machine again every two seconds;
one that read it only at its start kept spinning on every core). It prints the seconds
and the slowdown of each against the idle ``auto`` fit; the target is a slowdown of at
most 2.5x for ``auto`` with the competitor running, from the start or from later. Then
it times ``sample(--sample-rows)`` of the idle ``auto`` fit's model the same three ways
and loads (the late competitor a tenth of ``--late`` into the sample; sampling chooses
its threads as fits do).

Usage: python benchmarks/bench_busy_machine.py [--epochs N] [--sample-rows N] [--late S]
"""

import argparse
import os
import contextlib
import subprocess
import sys
import threading
import time

import torch

import skgan
from skgan import GANSampler
from skgan.datasets import load_cps1985

COMPETITOR = "while True:\n    pass\n"
IDLE, BEFORE, LATE = "idle", "1 competing process", "1 process starting later"


@contextlib.contextmanager
def competitor_after(delay):
    """One CPU-bound process, started ``delay`` seconds into the block (None: none)."""
    started, stop = [], threading.Event()

    def start():
        if not stop.wait(delay):
            started.append(subprocess.Popen([sys.executable, "-c", COMPETITOR]))

    timer = threading.Thread(target=start) if delay is not None else None
    if timer is not None:
        timer.start()
    try:
        yield
    finally:
        stop.set()
        if timer is not None:
            timer.join()
        for process in started:
            process.kill()
            process.wait()


def timed_fit(table, epochs, n_threads):
    params = {"random_state": 0}
    if epochs is not None:
        params["epochs"] = epochs
    context = skgan.fit_threads(n_threads)
    started = time.perf_counter()
    with context:
        model = GANSampler(**params).fit(table)
    return time.perf_counter() - started, model


def timed_sample(model, n_rows, n_threads):
    started = time.perf_counter()
    with skgan.fit_threads(n_threads):
        model.sample(n_rows, random_state=0)
    return time.perf_counter() - started


def print_table(seconds, ways, what):
    base = seconds[IDLE, "auto"]
    print(f"\n{what}\n| threads | idle s | with 1 competing process s | slowdown vs idle auto "
          "| with 1 process starting later s | slowdown vs idle auto |")
    print("|---|--:|--:|--:|--:|--:|")
    for way in ways:
        loaded, late = seconds[BEFORE, way], seconds[LATE, way]
        print(f"| {way} | {seconds[IDLE, way]:.2f} | {loaded:.2f} | {loaded / base:.2f}x "
              f"| {late:.2f} | {late / base:.2f}x |")
    return max(seconds[BEFORE, "auto"], seconds[LATE, "auto"]) / base


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of each fit (default: the demo's, epochs='auto')")
    parser.add_argument("--sample-rows", type=int, default=200_000,
                        help="rows of each timed sample (0: no sampling timings)")
    parser.add_argument("--late", type=float, default=2.0,
                        help="seconds into each fit at which the late competitor starts")
    args = parser.parse_args()
    table = load_cps1985()
    all_threads = torch.get_num_threads()
    print(f"skgan {skgan.__version__}, torch {torch.__version__}, {os.cpu_count()} cores, "
          f"torch threads {all_threads}; cps1985 ({len(table)} rows), epochs "
          f"{args.epochs or 'auto'}; load average {os.getloadavg()[0]:.1f}")
    ways = {"auto": None, "all threads": all_threads, "1 thread": 1}
    timed_fit(table, 2, None)  # warm-up: imports, first allocations
    seconds, sample_seconds, model = {}, {}, None
    for load in (IDLE, BEFORE, LATE):
        competitor = None
        if load == BEFORE:
            competitor = subprocess.Popen([sys.executable, "-c", COMPETITOR])
            time.sleep(1.0)
        late = args.late if load == LATE else None
        try:
            for way, n_threads in ways.items():
                with competitor_after(late):
                    seconds[load, way], fitted = timed_fit(table, args.epochs, n_threads)
                model = fitted if (load, way) == (IDLE, "auto") else model
                print(f"  {load:>24} | {way:<11} | {seconds[load, way]:7.1f} s fit", flush=True)
            for way, n_threads in ways.items() if args.sample_rows else ():
                timed_sample(model, min(args.sample_rows, 20_000), n_threads)  # warm-up
                with competitor_after(None if late is None else late / 10):
                    sample_seconds[load, way] = timed_sample(model, args.sample_rows, n_threads)
                print(f"  {load:>24} | {way:<11} | {sample_seconds[load, way]:7.2f} s sample",
                      flush=True)
        finally:
            if competitor is not None:
                competitor.kill()
                competitor.wait()
    ratio = print_table(seconds, ways, "fit (demo)")
    if sample_seconds:
        sample_ratio = print_table(sample_seconds, ways, f"sample({args.sample_rows:,})")
        print(f"\nsample, auto with a competing process (from the start or later): "
              f"{sample_ratio:.2f}x the idle sample")
    print(f"\nauto with a competing process (from the start or later): {ratio:.2f}x the idle "
          f"fit (target <= 2.5x): "
          f"{'PASS' if ratio <= 2.5 else 'FAIL'}")


if __name__ == "__main__":
    main()
