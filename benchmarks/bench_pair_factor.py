"""Pair calibration's factor: what the chosen one gives against the former least, 4.

For each table and seed, fits ``GANSampler()`` (which chooses the pair-calibration factor
k among ``OVERSAMPLING_CHOICES`` at the end of its fit), then samples as many rows as
the training rows at the chosen k and at k = 4 (the least factor before 1 and 2 were
choices) from the same model, and prints one JSON record per fit: the factor chosen,
the largest Cramér's V gap and level-share gap (beyond chance) each factor tried left,
and at both factors sdmetrics quality against the training rows, macro F1 on held-out
rows (bench_tabular's split and measures) and rows/s sampled.

Usage (sdmetrics is a benchmark extra)::

    python benchmarks/bench_pair_factor.py [--tables wage,default] [--seeds 0,1,2]
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_tabular as bt  # noqa: E402

from skgan import GANSampler  # noqa: E402


def measure(model, factor, train, held_out, target, metadata):
    model.adapter_.pair_tables_.oversampling = factor
    started = time.perf_counter()
    rows = model.sample(len(train), random_state=bt.SEED + 1)
    seconds = time.perf_counter() - started
    return {"quality": round(bt.quality(rows, train, metadata)["quality"], 3),
            "f1": round(bt.ml_efficacy(rows, held_out, target)["f1"], 3),
            "rows_s": round(len(train) / seconds)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="wage,default")
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    for name in args.tables.split(","):
        train, held_out, target, metadata = bt.prepared(name)
        for seed in (int(value) for value in args.seeds.split(",")):
            model = GANSampler(random_state=seed).fit(train)
            tables = model.adapter_.pair_tables_
            chosen = tables.oversampling
            record = {"table": name, "seed": seed, "chosen": chosen,
                      "v_gaps": {factor: round(gap, 3) for factor, gap in tables.v_gaps.items()},
                      "share_gaps": {factor: round(gap, 4)
                                     for factor, gap in tables.share_gaps.items()}}
            for factor in sorted({chosen, 4}):
                record[f"k={factor}"] = measure(model, factor, train, held_out, target,
                                                metadata)
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
