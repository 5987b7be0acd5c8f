"""Streamed sampling: ``skgan sample`` chunk by chunk against the whole table at once.

A GANSampler (one epoch, seed 0) is fitted with ``skgan fit`` on a generated 20,000-row
x 20-column orders table (bench_messy_tables' ``make_orders``: text, integer codes,
floats with blanks, a datetime). Then each way of producing N rows (``--rows``, default
1,000,000) from the saved model runs in a process of its own, which times only the work
(from reading the model file to the written file; not Python's start nor imports) and
reports its peak resident memory (``ru_maxrss``):

- ``load model``: reading the model file alone, the baseline of memory;
- ``in memory``: ``model.sample(N)``, nothing written;
- ``csv at once`` / ``parquet at once``: ``model.sample(N)`` written whole with
  ``skgan.cli.write_table`` (what ``skgan sample`` did before it streamed);
- ``csv streamed`` / ``parquet streamed``: ``skgan.cli.main(["sample", ...])`` in
  process, which writes ``model.sample_chunks(N, chunk_size=65536)`` a chunk at a time
  (CSV appended, Parquet one row group per chunk).

For each it prints the seconds, rows per second and peak memory, with the increase over
the baseline. Then, per format:

- the ratio of streamed to at-once rows per second. Target: >= 0.80 (streaming costs at
  most a fifth of the speed of writing the same file at once);
- the ratio of streamed to in-memory rows per second, for information (it includes
  formatting and writing the file);
- whether the streamed file holds what the at-once file holds: the same bytes for CSV,
  the same table for Parquet. Target: yes;
- the peak memory increase of streaming against writing at once, for information.
  Streaming holds about one 65,536-row chunk and one 16,384-row generation block (whose
  encoded rows, one-hot blocks included, are the larger part), whatever N; at once holds
  all N rows, more than once while they are concatenated and written. Below a few
  chunks the two are alike; the gap grows with N.

The sampler's own speed (not the writing) sets the seconds: on this table it generates
about 2,000 rows per second on 2 busy CPU cores, so the default 1,000,000 rows take
about 8 minutes per mode there, 40 in all.

Usage:
    python benchmarks/bench_streaming.py [--rows N] [--train-rows N] [--threads N]

``--rows 100000`` is a check that the script runs (about 6 minutes on 2 busy cores); its
ratios and memory figures mean little, the chunks being two.
"""

import argparse
import contextlib
import filecmp
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

RATIO_TARGET = 0.80
MODES = ("load model", "in memory", "csv at once", "csv streamed", "parquet at once",
         "parquet streamed")
SEED = 0


# ---------------------------------------------------------------- one mode per process
def _output_path(folder, mode):
    suffix = ".parquet" if mode.startswith("parquet") else ".csv"
    return Path(folder) / (mode.replace(" ", "_") + suffix)


def _run_mode(mode, model_path, n_rows, output):
    """Do the work of ``mode`` (see the module docstring); the seconds it took."""
    from skgan.cli import main, write_table
    from skgan.cli.files import read_model_file

    started = time.perf_counter()
    if mode.endswith("streamed"):
        with contextlib.redirect_stdout(io.StringIO()):  # its "wrote N rows" line
            status = main(["sample", str(model_path), "-n", str(n_rows), "-o", str(output),
                           "--random-state", str(SEED)])
        if status != 0:
            raise RuntimeError(f"skgan sample exited with status {status}")
    else:
        model, datetime_formats = read_model_file(model_path)
        if mode != "load model":
            table = model.sample(n_rows, random_state=SEED)
            if mode.endswith("at once"):
                write_table(table, output, datetime_formats)
    return time.perf_counter() - started


def _peak_memory_mib():
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _measure_in_this_process(args):
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    seconds = _run_mode(args.measure, args.model, args.rows, args.output)
    print(json.dumps({"seconds": seconds, "peak_mib": _peak_memory_mib()}))


def _measure(mode, model_path, n_rows, folder, threads):
    """Run ``mode`` in a new process: its seconds and peak memory (MiB)."""
    command = [sys.executable, __file__, "--measure", mode, "--model", str(model_path),
               "--rows", str(n_rows), "--output", str(_output_path(folder, mode))]
    if threads:
        command += ["--threads", str(threads)]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the report
def _fit_model(folder, n_train_rows):
    """Fit with ``skgan fit`` (threads: skgan's choice) on the orders table written as
    CSV; the model's path."""
    from bench_messy_tables import make_orders

    from skgan.cli import main

    data, model = Path(folder) / "orders.csv", Path(folder) / "orders.skgan"
    make_orders(n_train_rows).to_csv(data, index=False)
    status = main(["fit", str(data), "-o", str(model), "--epochs", "1", "--quiet",
                   "--random-state", str(SEED)])
    if status != 0:
        raise RuntimeError(f"skgan fit exited with status {status}")
    return model


def _same_content(folder, file_format):
    """Whether the streamed file holds what the at-once file holds."""
    at_once = _output_path(folder, f"{file_format} at once")
    streamed = _output_path(folder, f"{file_format} streamed")
    if file_format == "csv":
        return filecmp.cmp(at_once, streamed, shallow=False)
    import pyarrow.parquet as pq

    return pq.read_table(streamed).equals(pq.read_table(at_once))


def _verdict(passed):
    return "PASS" if passed else "FAIL"


def report(results, n_rows, folder):
    """Print the table of modes, then the ratios and checks per format."""
    baseline = results["load model"]["peak_mib"]
    print(f"{'mode':<18}{'seconds':>9}{'rows/s':>12}{'peak MiB':>10}{'+ over load':>13}")
    for mode in MODES:
        seconds, peak = results[mode]["seconds"], results[mode]["peak_mib"]
        rate = "" if mode == "load model" else f"{n_rows / seconds:,.0f}"
        print(f"{mode:<18}{seconds:>9.2f}{rate:>12}{peak:>10.0f}{peak - baseline:>13.0f}")
    print()
    in_memory = n_rows / results["in memory"]["seconds"]
    for file_format in ("csv", "parquet"):
        at_once, streamed = results[f"{file_format} at once"], results[f"{file_format} streamed"]
        ratio = at_once["seconds"] / streamed["seconds"]
        same = _same_content(folder, file_format)
        print(f"{file_format:<8} streamed/at-once rows/s {ratio:.2f} (target >= "
              f"{RATIO_TARGET:.2f}): {_verdict(ratio >= RATIO_TARGET)} | streamed/in-memory "
              f"{n_rows / streamed['seconds'] / in_memory:.2f} | same content: {same} "
              f"({_verdict(same)}) | peak memory increase: streamed "
              f"{streamed['peak_mib'] - baseline:.0f} MiB, at once "
              f"{at_once['peak_mib'] - baseline:.0f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="rows to sample (default: 1,000,000)")
    parser.add_argument("--train-rows", type=int, default=20_000,
                        help="rows of the orders table to fit on (default: 20,000)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads when sampling (default: torch's choice)")
    parser.add_argument("--measure", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure_in_this_process(args)
        return

    import skgan

    with tempfile.TemporaryDirectory(prefix="bench_streaming_") as folder:
        started = time.perf_counter()
        model = _fit_model(folder, args.train_rows)
        print(f"skgan {skgan.__version__}: GANSampler, 1 epoch on orders "
              f"{args.train_rows}x20, fitted in {time.perf_counter() - started:.1f} s; "
              f"sampling {args.rows:,} rows (chunks of 65,536), each mode in its own "
              "process")
        results = {mode: _measure(mode, model, args.rows, folder, args.threads)
                   for mode in MODES}
        report(results, args.rows, folder)


if __name__ == "__main__":
    main()
