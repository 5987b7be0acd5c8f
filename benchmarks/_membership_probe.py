"""Where does the membership attacks' AUC of a non-private fit come from? (issue: at most
0.55 for every non-private default model)

On bench_privacy.py's 50/50 splits, one thread:

- ``curve``: ``GANSampler``'s defaults trained in warm-started chunks to 10, 20, 30, 40,
  60 and 100 % of ``epochs="auto"``; after each chunk, as many rows as the training
  rows are sampled and measured as bench_privacy measures them (quality, F1, DCR
  overfitting protection and holdout ratio, the distance and density attacks' AUC);
- ``baseline``: the least a sampler that knows each column's values can give away: every
  column drawn on its own from the training rows (a bootstrap of each column, which
  keeps no row together), three draws, measured alike.

One JSON record a line goes to ``--results`` (appended).

Usage::

    python benchmarks/_membership_probe.py curve census,mpg 0,1 [--results PATH]
    python benchmarks/_membership_probe.py baseline census,mpg,cps1985,wage,default
"""

import argparse
import json
import math
import sys
import warnings
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
import bench_privacy as privacy  # noqa: E402
import bench_tabular as tabular  # noqa: E402

from skgan import GANSampler  # noqa: E402

FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.6, 1.0)


def curve(name, seeds, write):
    target = tabular.TARGETS[name]
    train, holdout = privacy.split_half(tabular.load_table(name), target)
    metadata = tabular.sdmetrics_metadata(train)
    for seed in seeds:
        model = GANSampler(random_state=seed, warm_start=True)
        batch_size = model._batch_size_for(len(train))
        steps = max(1, len(train) // batch_size)
        total = max(1, math.ceil(model._auto_rows / (steps * batch_size)))
        done = 0
        for fraction in FRACTIONS:
            epochs = max(1, round(fraction * total))
            model.set_params(epochs=epochs - done)
            model.fit(train)
            done = epochs
            rows = model.sample(len(train), random_state=0)
            write({"part": "curve", "table": name, "seed": seed, "fraction": fraction,
                   "epochs": done, "total_epochs": total,
                   **privacy.measure(rows, train, holdout, target, metadata)})


def baseline(name, write):
    target = tabular.TARGETS[name]
    train, holdout = privacy.split_half(tabular.load_table(name), target)
    metadata = tabular.sdmetrics_metadata(train)
    for draw in range(3):
        rows = pd.DataFrame({
            column: train[column].sample(len(train), replace=True,
                                         random_state=100 * draw + index).to_numpy()
            for index, column in enumerate(train.columns)})
        write({"part": "baseline", "table": name, "draw": draw,
               **privacy.measure(rows, train, holdout, target, metadata)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("curve", "baseline"))
    parser.add_argument("tables")
    parser.add_argument("seeds", nargs="?", default="0,1")
    parser.add_argument("--results", default=str(Path(__file__).parent
                                                 / "privacy_membership_probe.jsonl"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    tabular.warm_up(["gan"])
    with open(args.results, "a") as out:
        def write(record):
            print(json.dumps(record), file=out, flush=True)
            print(" ".join(f"{key}={value:.3f}" if isinstance(value, float) else
                           f"{key}={value}" for key, value in record.items()), flush=True)
        for name in args.tables.split(","):
            if args.part == "curve":
                curve(name, [int(seed) for seed in args.seeds.split(",")], write)
            else:
                baseline(name, write)


if __name__ == "__main__":
    main()
