"""Continuous columns encoded by mixtures ("vgm") or by quantiles ("quantile").

For each table of bench_tabular.py and seed, fits ``GANSampler`` with
``TabularAdapter(continuous=...)`` for each encoding asked for (by default "auto", the
default, which encodes by quantiles every continuous column of these tables, and
"vgm"; otherwise defaults), samples as many rows as the training rows, and prints one
JSON record per fit: fit seconds, sdmetrics quality (and its column-shapes and
pair-trends parts) against the training rows and macro F1 on held-out real rows
(bench_tabular's 70/30 split and measures). ``--toys`` fits ``GANSampler`` and
``WGANSampler`` on the ring of 8 and the 5x5 grid of Gaussians instead and prints the
modes covered and the share of rows near a mode (``skgan.datasets.mode_coverage``).

Usage (sdmetrics is a benchmark extra)::

    python benchmarks/bench_continuous_encoding.py [--tables default,wage] [--seeds 0,1]
        [--encodings auto,vgm] [--toys]
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_tabular as bt  # noqa: E402

from skgan import GANSampler, WGANSampler  # noqa: E402
from skgan.adapters import TabularAdapter  # noqa: E402
from skgan.datasets import (grid_centers, make_grid, make_ring, mode_coverage,  # noqa: E402
                            ring_centers)

TABLES = ("default", "wage", "cps1985", "census", "mpg")
TOYS = {"ring of 8": (make_ring, ring_centers()), "5x5 grid": (make_grid, grid_centers())}


def rounded(value):
    return None if value is None or math.isnan(value) else round(float(value), 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--encodings", default="auto,vgm")
    parser.add_argument("--toys", action="store_true")
    args = parser.parse_args()
    seeds = [int(value) for value in args.seeds.split(",")]
    if args.toys:
        run_toys(seeds, args.encodings.split(","))
        return
    for name in args.tables.split(","):
        train, held_out, target, metadata = bt.prepared(name)
        for seed in seeds:
            for encoding in args.encodings.split(","):
                started = time.perf_counter()
                model = GANSampler(random_state=seed,
                                   adapter=TabularAdapter(continuous=encoding)).fit(train)
                fit_s = time.perf_counter() - started
                rows = model.sample(len(train), random_state=bt.SEED + 1)
                quality = bt.quality(rows, train, metadata)
                print(json.dumps({
                    "table": name, "seed": seed, "continuous": encoding,
                    "fit_s": round(fit_s, 1), "quality": rounded(quality["quality"]),
                    "shapes": rounded(quality["shapes"]), "trends": rounded(quality["trends"]),
                    "f1": rounded(bt.ml_efficacy(rows, held_out, target)["f1"])}), flush=True)


def run_toys(seeds, encodings):
    for toy, (make, centers) in TOYS.items():
        X, _ = make(2000, random_state=0)
        for estimator in (GANSampler, WGANSampler):
            for encoding in encodings:
                for seed in seeds:
                    model = estimator(random_state=seed, device="cpu",
                                      adapter=TabularAdapter(continuous=encoding)).fit(X)
                    covered, near = mode_coverage(model.sample(2000, random_state=0),
                                                  centers, std=0.05)
                    print(json.dumps({"toy": toy, "estimator": estimator.__name__,
                                      "continuous": encoding, "seed": seed,
                                      "modes": int(covered), "of": len(centers),
                                      "near_a_mode": rounded(near)}), flush=True)


if __name__ == "__main__":
    main()
