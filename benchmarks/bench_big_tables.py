"""Big tables on one machine: fit time, peak memory and sampling speed as rows grow.

The table is bench_messy_tables' ``orders`` generator at any size (seeded; nothing is
downloaded or written to disk): 20 columns with a seasonal datetime, correlated amounts,
a long-tailed ``product_id`` of 4,500 SKUs that determines its category, integer state
codes, and missing values that depend on other columns (``refund_amount`` is missing
unless the order was refunded).

Each size runs in a fresh process (so peak memory is its own): generate the table, fit
``GANSampler(random_state=0)`` with its defaults, then sample. Printed per size:

- fit seconds (wall clock), training steps, and milliseconds per step;
- peak memory of the process during ``fit`` (resident set size, polled every 20 ms) and
  the memory the table alone took before ``fit``; targets: under 3 GB at 300,000 rows
  and under 6 GB at 1,000,000;
- rows/s of ``sample(200_000)`` (one call) and of ``sample_chunks`` at the
  same size, and ``k``, the candidate rows pair calibration generates per sampled row
  in that fit; target: 200,000 rows/s.

Then, at 300,000 rows (``--compare-rows``): the same number of training steps on a
uniform 50,000-row subsample (``epochs`` set to match the full fit's steps), the ratio of
the wall times (target: <= 1.3; the rows beyond the subsample should cost
preprocessing, not hours) and the sdmetrics quality of both fits, each scored against
the same 20,000 rows of the full table (target: the full table's fit no lower than the
subsample's). Quality needs sdmetrics (the ``benchmark`` extra).

Usage::

    python benchmarks/bench_big_tables.py [--rows 10000,100000,300000,1000000]
        [--compare-rows 300000] [--subsample 50000] [--quick]

``--quick`` (2,000 and 5,000 rows, 2 epochs) only checks that the script runs.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

SAMPLE_ROWS = 200_000
QUALITY_ROWS = 20_000


class PeakMemory:
    """Peak resident set size of this process while the block runs (polled)."""

    def __init__(self, interval=0.02):
        self.interval = interval
        self.peak = 0

    def __enter__(self):
        self.running = True
        self.peak = _rss()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, _rss())

    def _poll(self):
        while self.running:
            self.peak = max(self.peak, _rss())
            time.sleep(self.interval)


def _rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def rows_per_second(draw, n_rows, repeats=1):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        draw(n_rows)
        times.append(time.perf_counter() - started)
    return n_rows / float(np.median(times))


def quality_against(rows, reference):
    """sdmetrics overall quality of ``rows`` against ``reference`` (None without it)."""
    try:
        import bench_tabular as bt
        return bt.quality(rows, reference, bt.sdmetrics_metadata(reference))["quality"]
    except ImportError:
        return None


def one_size(n_rows, epochs, subsample=None, steps=None, sample_rows=SAMPLE_ROWS,
             score_quality=False):
    """Runs in a child process: fit and sample one size; returns the figures (with
    ``score_quality``, the sdmetrics quality against 20,000 rows of the full table)."""
    from bench_messy_tables import make_orders

    from skgan import GANSampler

    full_table = table = make_orders(n_rows)
    if subsample is not None:
        table = table.sample(n=subsample, random_state=1).reset_index(drop=True)
    before_fit = _rss()
    settings = {"random_state": 0}
    if steps is not None:  # the same number of steps as the full table's fit
        batch = GANSampler()._requested_batch_size()
        settings["epochs"] = max(1, round(steps / (len(table) // batch)))
    elif epochs is not None:
        settings["epochs"] = epochs
    model = GANSampler(**settings)
    with PeakMemory() as memory:
        started = time.perf_counter()
        model.fit(table)
        fit_seconds = time.perf_counter() - started
    n_steps = len(model.history_["epoch"]) * (len(table) // model._batch_size_for(len(table)))
    figures = {"rows": len(table), "fit_s": fit_seconds, "steps": n_steps,
               "ms_per_step": 1000 * fit_seconds / n_steps, "peak_gb": memory.peak / 1e9,
               "table_gb": before_fit / 1e9}
    tables = getattr(model.adapter_, "pair_tables_", None)
    figures["pair_factor"] = 1 if tables is None else tables.oversampling
    if sample_rows:
        figures["sample_rows_s"] = rows_per_second(model.sample, sample_rows)
        figures["chunks_rows_s"] = rows_per_second(
            lambda n: sum(len(chunk) for chunk in model.sample_chunks(n)), sample_rows, 1)
    if score_quality:
        reference = full_table.sample(n=min(QUALITY_ROWS, n_rows), random_state=2)
        synthetic = model.sample(min(QUALITY_ROWS, n_rows), random_state=3)
        figures["quality"] = quality_against(synthetic, reference.reset_index(drop=True))
    return figures


def run_child(n_rows, epochs, subsample=None, steps=None, sample_rows=SAMPLE_ROWS,
              score_quality=False):
    """``one_size`` in a fresh interpreter; its figures."""
    call = (f"import json, bench_big_tables as b; print('FIGURES', json.dumps(b.one_size("
            f"{n_rows}, {epochs!r}, {subsample!r}, {steps!r}, {sample_rows!r}, "
            f"{score_quality!r})))")
    finished = subprocess.run([sys.executable, "-c", call], cwd=HERE, capture_output=True,
                              text=True, env={**os.environ, "PYTHONPATH": str(HERE)})
    for line in finished.stdout.splitlines():
        if line.startswith("FIGURES "):
            return json.loads(line[len("FIGURES "):])
    raise RuntimeError(f"the {n_rows}-row run failed:\n{finished.stderr[-4000:]}")


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,300000,1000000")
    parser.add_argument("--compare-rows", type=int, default=300_000)
    parser.add_argument("--subsample", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.rows.split(",")]
    epochs = None
    if args.quick:
        sizes, epochs, args.compare_rows, args.subsample = [2_000, 5_000], 2, 5_000, 2_000
    print(f"GANSampler defaults, orders table, {os.cpu_count()} CPU cores; "
          f"sampling {SAMPLE_ROWS:,} rows")
    print(f"{'rows':>9} {'fit s':>7} {'steps':>6} {'ms/step':>7} {'table GB':>8} "
          f"{'peak GB':>7} {'k':>3} {'sample rows/s':>13} {'chunks rows/s':>13} {'quality':>7}")
    results = {}
    for n_rows in sizes:
        figures = run_child(n_rows, epochs, score_quality=n_rows == args.compare_rows)
        results[n_rows] = figures
        print(f"{n_rows:>9,} {figures['fit_s']:>7.1f} {figures['steps']:>6} "
              f"{figures['ms_per_step']:>7.1f} {figures['table_gb']:>8.2f} "
              f"{figures['peak_gb']:>7.2f} {figures['pair_factor']:>3} "
              f"{figures['sample_rows_s']:>13,.0f} "
              f"{figures['chunks_rows_s']:>13,.0f} {_fmt(figures.get('quality'), '.3f'):>7}",
              flush=True)
    if args.compare_rows not in results:
        results[args.compare_rows] = run_child(args.compare_rows, epochs, score_quality=True)
    full = results[args.compare_rows]
    part = run_child(args.compare_rows, epochs, subsample=args.subsample,
                     steps=full["steps"], sample_rows=0, score_quality=True)
    ratio = full["fit_s"] / part["fit_s"]
    print(f"\n{args.compare_rows:,} rows against a {args.subsample:,}-row subsample, "
          f"{full['steps']} vs {part['steps']} steps:")
    print(f"  wall {full['fit_s']:.1f} s / {part['fit_s']:.1f} s = {ratio:.2f}x "
          f"(target <= 1.30: {'PASS' if ratio <= 1.3 else 'FAIL'})")
    if full.get("quality") is not None and part.get("quality") is not None:
        verdict = "PASS" if full["quality"] >= part["quality"] - 0.005 else "FAIL"
        print(f"  quality {full['quality']:.3f} (full) vs {part['quality']:.3f} (subsample) "
              f"(target: no lower, 0.005 noise allowed: {verdict})")
    for n_rows, limit in ((300_000, 3.0), (1_000_000, 6.0)):
        if n_rows in results:
            peak = results[n_rows]["peak_gb"]
            print(f"  peak memory at {n_rows:,} rows {peak:.2f} GB (target < {limit} GB: "
                  f"{'PASS' if peak < limit else 'FAIL'})")
    for n_rows, figures in results.items():
        speed = figures["sample_rows_s"]
        print(f"  sampling at {n_rows:,} rows {speed:,.0f} rows/s (target >= 200,000: "
              f"{'PASS' if speed >= 200_000 else 'FAIL'})")


if __name__ == "__main__":
    main()
