"""Continuous columns encoded by mixtures ("vgm", the default) or by quantiles.

For each table of bench_tabular.py and seed, fits ``GANSampler`` with
``TabularAdapter(continuous="quantile")`` and with ``continuous="vgm"`` (otherwise
defaults), samples as many rows as the training rows, and prints one JSON record per
fit: fit seconds, sdmetrics quality (and its column-shapes and pair-trends parts)
against the training rows and macro F1 on held-out real rows (bench_tabular's 70/30
split and measures).

Usage (sdmetrics is a benchmark extra)::

    python benchmarks/bench_continuous_encoding.py [--tables default,wage] [--seeds 0,1]
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_tabular as bt  # noqa: E402

from skgan import GANSampler  # noqa: E402
from skgan.adapters import TabularAdapter  # noqa: E402

TABLES = ("default", "wage", "cps1985", "census", "mpg")


def rounded(value):
    return None if value is None or math.isnan(value) else round(float(value), 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--seeds", default="0,1")
    args = parser.parse_args()
    for name in args.tables.split(","):
        train, held_out, target, metadata = bt.prepared(name)
        for seed in (int(value) for value in args.seeds.split(",")):
            for encoding in ("quantile", "vgm"):
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


if __name__ == "__main__":
    main()
