"""Probe: early stopping keeping the latest counted check within ``window`` of the best
score, instead of the best check itself (session 47).

The rule that stops is unchanged (``n_iter_no_change`` checks without a gain larger than
``tol``, counted from ``PATIENCE_FROM_SHARE`` of the schedule): only which check's
networks the fit keeps moves. Checks whose held-out MMD scores sit within a few ten
thousandths of each other cannot be told apart by it; keeping the later one trains the
kept networks longer. For each table and seed, the default ``GANSampler(early_stopping=
True)`` fit with the best check kept (``window`` None) and with the latest check within
each window kept; the same trajectory (training does not depend on which check is kept),
so the difference is the kept check's. Quality and macro F1 as bench_time_to_quality.py
measures them (means over up to ten draws of ``len(train)`` rows).

Usage: python benchmarks/_keep_later_probe.py TABLES OUT.jsonl [--windows 1e-4,5e-4]
[--seeds 3] [--first-seed 0]
(a window "sd": one standard deviation of the counted checks' scores so far, from the
third counted check on).
"""

import argparse
import json
import math
import time

import numpy as np
import torch

import bench_tabular as bt
import bench_time_to_quality as ttq
from skgan import GANSampler
from skgan._engine import early_stopping

KEPT_WITHIN = [None]  # None: the best check (skgan's rule)
_best_check = early_stopping.StoppingMonitor._count


def _latest_within(self, score, epochs_run):
    """StoppingMonitor._count (patience, and the best check kept), then a counted check
    within KEPT_WITHIN of the best score replaces the kept networks as well (the best
    score itself still only rises)."""
    _best_check(self, score, epochs_run)
    window = KEPT_WITHIN[0]
    if window is None:
        return
    if window == "sd":  # one standard deviation of the counted checks' scores so far
        counted = self.__dict__.setdefault("counted_scores", [])
        if self.counting and score > -math.inf:
            counted.append(score)
        window = float(np.std(counted, ddof=1)) if len(counted) >= 3 else 0.0
    if (score > -math.inf and score >= self.best_score - window and self.best_epoch != epochs_run
            and (self.counting or not self.best_counted)):
        self.best_epoch = epochs_run
        self.best.update()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables")
    parser.add_argument("out")
    parser.add_argument("--windows", default="1e-4,5e-4")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args()
    early_stopping.StoppingMonitor._count = _latest_within
    bt.quiet_warnings()
    torch.set_num_threads(1)
    windows = [None] + [window if window == "sd" else float(window)
                        for window in args.windows.split(",")]
    with open(args.out, "a") as out:
        for name in args.tables.split(","):
            train, held_out, target, metadata = bt.prepared(name)
            draws = ttq.n_draws(10, train)
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                for window in windows:
                    KEPT_WITHIN[0] = window
                    model = GANSampler(random_state=seed, early_stopping=True)
                    started = time.perf_counter()
                    model.fit(train)
                    fit_s = time.perf_counter() - started
                    measured = ttq.measure_draws(
                        lambda draw_seed: model.sample(len(train), random_state=draw_seed),
                        draws, train, held_out, target, metadata)
                    record = {"table": name, "seed": seed, "window": window,
                              "fit_s": round(fit_s, 2), "n_iter": model.n_iter_, **measured}
                    print(json.dumps(record), flush=True)
                    out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
