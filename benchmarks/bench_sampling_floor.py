"""Sampling speed beside its floor: ``sample`` against a bare forward pass of the generator.

For each development table (``bench_tabular.load_table``: the five of benchmarks/data,
males and mplsstops; and bench_messy_tables' generated ``orders`` and
``subscriptions`` when ``--tables`` names them), fits
``GANSampler`` with its defaults (one seed) and times, alone, at the pass size sampling
uses:

- the floor: the generator's bare forward pass as sampling runs it (its layers, then
  the head's drawn levels, the layers writing into kept tensors as sampling's do:
  ``PassBuffers``; latent and condition rows drawn before the clock starts),
  over as many rows as ``sample`` generates, in passes of as many rows as sampling
  makes (``forward_rows``);
- ``sample(n)`` as users call it (pair calibration generates several candidate rows per
  kept row and keeps the raked ones);
- ``sample(n)`` with the fitted adapter's pair calibration off, which generates one row
  per kept row: the rows/s that decoding allows.

and prints rows/s and each ratio against the floor, per kept row and per generated row
(issue target: ``sample`` within 1.3x of the floor on every table). It also times the
floor with its latent rows drawn inside the clock ("+latent": the normal draws of the
generator's input, which ``sample`` pays and the bare forward pass does not): "latent"
is that floor over the bare one, "np/+lat" ``sample`` without pairs over it.

Usage::

    python benchmarks/bench_sampling_floor.py [--rows 200000] [--tables census,wage,orders]
"""

import argparse
import math
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_messy_tables as messy  # noqa: E402
import bench_tabular as tabular  # noqa: E402

from skgan import GANSampler  # noqa: E402
from skgan._engine.generation import forward_rows  # noqa: E402
from skgan._engine.sample_chunks import SAMPLE_BLOCK_ROWS  # noqa: E402
from skgan.networks.pass_buffers import PassBuffers  # noqa: E402

TABLES = ("census", "cps1985", "default", "mpg", "wage", "males", "mplsstops")
TARGET = 1.3


def best_of(repeats, runs):
    """The least seconds of ``repeats`` runs of each of ``runs`` (name -> callable), the
    runs taking turns (after one warm-up run each), so that a machine whose speed drifts
    during the measurement slows all of them alike."""
    for run in runs.values():
        run()
    seconds = {name: math.inf for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            seconds[name] = min(seconds[name], time.perf_counter() - start)
    return seconds


def floor_run(model, n_rows):
    """A bare forward pass of the sampling generator over ``n_rows`` rows, in chunks (a
    callable: the inputs are drawn beforehand)."""
    network = model._sampling_generator()
    network.eval()
    generator = torch.Generator().manual_seed(0)
    inputs, pass_rows = [], forward_rows(network)
    for start in range(0, n_rows, pass_rows):
        size = min(pass_rows, n_rows - start)
        latent = model._draw_latent(size, generator, None)
        inputs.append((latent, model._with_asked_levels(None, size, generator, None)))

    def run():
        buffers = PassBuffers()  # as sampling's passes: no fresh pages a pass
        with torch.inference_mode():
            for latent, condition in inputs:  # as sampling runs it: drawn codes, no one-hot
                network.head.sample_codes(network.raw_output(latent, condition, buffers),
                                          generator)
    return run


def floor_with_latent_run(model, n_rows):
    """The floor with its latent rows drawn inside the clock, as ``sample`` draws them
    (the generator's input is part of sampling's cost, not of the forward pass)."""
    network = model._sampling_generator()
    network.eval()
    pass_rows = forward_rows(network)

    def run():
        generator, buffers = torch.Generator().manual_seed(0), PassBuffers()
        with torch.inference_mode():
            for start in range(0, n_rows, pass_rows):
                size = min(pass_rows, n_rows - start)
                latent = model._draw_latent(size, generator, None, buffers)
                condition = model._with_asked_levels(None, size, generator, None)
                network.head.sample_codes(network.raw_output(latent, condition, buffers),
                                          generator)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--messy-rows", type=int, default=14_000,
                        help="training rows of bench_messy_tables' generated tables "
                             "(orders, subscriptions), when --tables names them")
    args = parser.parse_args()
    args.tables = args.tables.split(",")
    tabular.refuse_unknown_choices(parser, args.tables, [*tabular.TARGETS, *messy.GENERATED],
                                   ["gan"])
    print(f"GANSampler defaults (random_state=0), sample({args.rows:,}), best of "
          f"{args.repeats} taking turns, {torch.get_num_threads()} threads; chunk {SAMPLE_BLOCK_ROWS:,} rows")
    print(f"{'table':<10} {'cand/row':>8} {'floor rows/s':>12} {'sample rows/s':>13} "
          f"{'ratio':>6} {'per generated':>13} {'no pairs rows/s':>15} {'ratio':>6} "
          f"{'+latent rows/s':>14} {'latent':>7} {'np/+lat':>7}")
    verdicts = []
    for name in args.tables:
        table = (messy.load(name, args.messy_rows)[0] if name in messy.GENERATED
                 else tabular.load_table(name))
        model = GANSampler(random_state=0).fit(table)
        adapter = model.adapter_
        generated = adapter.n_candidates(min(args.rows, SAMPLE_BLOCK_ROWS))
        per_row = generated / min(args.rows, SAMPLE_BLOCK_ROWS)

        def without_pairs():
            pairs, adapter.pair_tables_ = adapter.pair_tables_, None
            try:
                model.sample(args.rows, random_state=0)
            finally:
                adapter.pair_tables_ = pairs

        seconds = best_of(args.repeats, {
            "floor": floor_run(model, args.rows),
            "floor_latent": floor_with_latent_run(model, args.rows),
            "sample": lambda: model.sample(args.rows, random_state=0),
            "plain": without_pairs})
        floor, sampled, plain = seconds["floor"], seconds["sample"], seconds["plain"]
        ratio, ratio_generated, ratio_plain = (
            sampled / floor, sampled / (floor * per_row), plain / floor)
        verdicts.append((name, ratio_generated, ratio_plain))
        with_latent = seconds["floor_latent"]
        print(f"{name:<10} {per_row:8.0f} {args.rows / floor:12,.0f} {args.rows / sampled:13,.0f} "
              f"{ratio:6.2f} {ratio_generated:12.2f}x {args.rows / plain:15,.0f} "
              f"{ratio_plain:6.2f} {args.rows / with_latent:14,.0f} "
              f"{with_latent / floor:7.2f} {plain / with_latent:7.2f}", flush=True)
    for label, column in (("sample per generated row", 1), ("decoding (no pairs)", 2)):
        met = [verdict[0] for verdict in verdicts if verdict[column] <= TARGET]
        print(f"{label} within {TARGET}x of the floor: {len(met)} of {len(verdicts)} "
              f"tables ({', '.join(met) or 'none'})")


if __name__ == "__main__":
    main()
