"""Probe: every early-stopping check of a default fit, with what a fit stopped there would
have given, so that stopping rules can be compared offline on the same curves.

For each table and seed, one ``GANSampler(early_stopping=True, n_iter_no_change=10**6)``
fit runs the whole default schedule (it never stops; with ``validation_fraction=None``
it trains exactly as the plain default fit). At every check it records:

- the scores a rule could read: the estimator's own score of the scored rows (negative
  MMD², what early stopping uses by default) and the mean of column shapes and pair
  trends of 2,000 generated rows against the training rows (``skgan.evaluation``);
- what a fit kept at this check would give: a copy of the estimator with the fit's
  after-training steps run (level rates, pair calibration's oversampling), its sdmetrics
  quality on one sample (as bench_time_to_quality.py measures it) and the macro F1 of a
  classifier trained on each of ``--f1-samples`` samples (their mean and the first);
- the seconds of the epochs so far (``history_["epoch_time"]``) and of the MMD score.

Usage: python benchmarks/_stopping_curves_probe.py TABLES SEEDS OUT.jsonl
[--held-out] [--f1-samples 3]
(``--held-out``: ``validation_fraction=0.1`` instead of None: a tenth held out and scored).
"""

import argparse
import copy
import json
import time
import warnings

import numpy as np
import torch

import bench_tabular as bt


def quality_of_generated(estimator, X, n_generated=2_000):
    from skgan.evaluation import column_shapes, pair_trends
    rows = estimator.sample(n_generated, random_state=0)
    return 0.5 * (column_shapes(X, rows)["score"].mean()
                  + pair_trends(X, rows)["score"].mean())


def recorder(records, train, held_out, target, metadata, n_f1):
    def score(estimator, X, y=None):
        began = time.perf_counter()
        mmd = float(estimator.score(X))
        mmd_s = time.perf_counter() - began
        record = {"epoch": len(estimator.history_.get("epoch", [])) + 1,  # this epoch not yet logged
                  "epoch_s": float(sum(estimator.history_.get("epoch_time", []))),
                  "mmd": mmd, "mmd_s": mmd_s,
                  "generated_quality": float(quality_of_generated(estimator, X))}
        kept = copy.deepcopy(estimator)
        kept._finish_training((None,))  # tensors: read by private fits only
        rows = [kept.sample(len(train), random_state=bt.SEED + 1 + i) for i in range(n_f1)]
        f1 = [bt.ml_efficacy(r, held_out, target)["f1"] for r in rows]
        record.update(quality=bt.quality(rows[0], train, metadata)["quality"],
                      f1=f1[0], f1_mean=float(np.mean(f1)))
        records.append(record)
        return mmd
    return score


def run(name, seed, held_out_way, n_f1, epochs="auto"):
    from skgan import GANSampler
    train, held_out, target, metadata = bt.prepared(name)
    records = []
    model = GANSampler(random_state=seed, epochs=epochs, early_stopping=True, n_iter_no_change=10**6,
                       validation_fraction=0.1 if held_out_way else None,
                       validation_scoring=recorder(records, train, held_out, target,
                                                   metadata, n_f1))
    began = time.perf_counter()
    model.fit(train)
    return {"table": name, "seed": seed, "way": "held-out" if held_out_way else "training",
            "rows": len(train), "epochs": len(model.history_["epoch"]),
            "wall_s": time.perf_counter() - began, "checks": records}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tables")
    parser.add_argument("seeds")
    parser.add_argument("out")
    parser.add_argument("--held-out", action="store_true")
    parser.add_argument("--f1-samples", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None, help="a smoke run's epochs")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    for name in args.tables.split(","):
        for seed in map(int, args.seeds.split(",")):
            result = run(name, seed, args.held_out, args.f1_samples, args.epochs or "auto")
            last = result["checks"][-1]
            print(f"{name} seed {seed}: {len(result['checks'])} checks, last quality "
                  f"{last['quality']:.3f} F1 {last['f1_mean']:.3f}, {result['wall_s']:.0f} s",
                  flush=True)
            with open(args.out, "a") as out:
                out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
