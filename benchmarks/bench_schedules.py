"""Learning-rate schedules: does a decaying rate reach the default schedule's quality in fewer
steps?

For each table, ``GANSampler``'s defaults with a learning rate that follows a schedule over
the fit's steps (both networks; the rate is set before every step), at a fraction of the
default number of steps ("const:1" is the default fit). Schedules, as factors of the rate
at a fraction ``t`` of the steps: "const" 1; "lin" ``1 - t``; "cos" ``0.05 + 0.95 (1 +
cos(pi t)) / 2``. One record per fit (sdmetrics quality against the train rows, macro F1
on the held-out rows, as bench_tabular measures them) in the ``--out`` JSON lines file,
then the means over the seeds beside the default fit's.

Usage: python benchmarks/bench_schedules.py [--tables cps1985,mpg,census]
[--variants const:1,const:0.4,lin:0.4,cos:0.4,lin:1] [--seeds 0,1] [--out FILE]
Needs ``pip install -e ".[benchmark]"`` (sdmetrics).
"""

import argparse
import json
import math
import time
import warnings

import numpy as np
import torch

import bench_tabular as bt
from skgan import GANSampler

SCHEDULES = {
    "const": lambda t: 1.0,
    "lin": lambda t: 1.0 - t,
    "cos": lambda t: 0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * t)),
}


class ScheduledGANSampler(GANSampler):
    """GANSampler whose learning rates follow ``SCHEDULES[schedule]`` over its steps."""

    def __init__(self, *, schedule="const", **params):
        super().__init__(**params)
        self.schedule = schedule

    @classmethod
    def _get_param_names(cls):
        # GANSampler's parameters and the schedule (``**params`` hides the former)
        return sorted(set(GANSampler._get_param_names()) | {"schedule"})

    def _begin_epochs(self, n_rows, batch_size, n_epochs):
        self._total_steps = n_epochs * max(1, n_rows // batch_size)
        self._steps_done = 0
        return super()._begin_epochs(n_rows, batch_size, n_epochs)

    def _train_step(self, batch):
        factor = SCHEDULES[self.schedule](min(1.0, self._steps_done / self._total_steps))
        for name, optimizer in self.optimizers_.items():
            rate = self.generator_lr if name == "generator" else self.discriminator_lr
            for group in optimizer.param_groups:
                group["lr"] = rate * factor
        self._steps_done += 1
        return super()._train_step(batch)


def run(name, schedule, fraction, seed):
    train, held_out, target, metadata = bt.prepared(name)
    steps_per_epoch = max(1, len(train) // 128)
    full_epochs = math.ceil(GANSampler._auto_rows / (steps_per_epoch * 128))
    model = ScheduledGANSampler(schedule=schedule, random_state=seed,
                                epochs=max(1, round(fraction * full_epochs)))
    started = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - started
    rows = model.sample(len(train), random_state=seed + 100)
    quality = bt.quality(rows, train, metadata)
    return {"table": name, "sched": schedule, "frac": fraction, "seed": seed,
            "fit_s": round(fit_s, 2), **{k: round(v, 4) for k, v in quality.items()},
            "f1": round(bt.ml_efficacy(rows, held_out, target)["f1"], 4)}


def summary(records):
    print("\n| table | schedule | steps (share of default) | fit s | quality | F1 | quality - default's |")
    print("|---|---|--:|--:|--:|--:|--:|")
    tables = sorted({r["table"] for r in records}, key=[r["table"] for r in records].index)
    for table in tables:
        rows = [r for r in records if r["table"] == table]
        default = [r for r in rows if r["sched"] == "const" and r["frac"] == 1.0]
        base = np.mean([r["quality"] for r in default]) if default else math.nan
        variants = sorted({(r["sched"], r["frac"]) for r in rows},
                          key=[(r["sched"], r["frac"]) for r in rows].index)
        for schedule, fraction in variants:
            runs = [r for r in rows if (r["sched"], r["frac"]) == (schedule, fraction)]
            quality = np.mean([r["quality"] for r in runs])
            print(f"| {table} | {schedule} | {fraction:.1f} | "
                  f"{np.mean([r['fit_s'] for r in runs]):.1f} | {quality:.3f} | "
                  f"{np.mean([r['f1'] for r in runs]):.3f} | {quality - base:+.3f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="cps1985,mpg,census")
    parser.add_argument("--variants", default="const:1,const:0.4,lin:0.4,cos:0.4,lin:1",
                        help="schedule:share of the default steps, comma-separated")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--out", default="benchmarks/schedules_results.jsonl")
    parser.add_argument("--report-only", action="store_true",
                        help="print the summary of the records in --out")
    args = parser.parse_args()
    if not args.report_only:
        warnings.filterwarnings("ignore")
        torch.set_num_threads(1)
        with open(args.out, "a") as out:
            for name in args.tables.split(","):
                for variant in args.variants.split(","):
                    schedule, fraction = variant.split(":")
                    for seed in map(int, args.seeds.split(",")):
                        record = run(name, schedule, float(fraction), seed)
                        print(json.dumps(record), flush=True)
                        out.write(json.dumps(record) + "\n")
    with open(args.out) as lines:
        summary([json.loads(line) for line in lines])


if __name__ == "__main__":
    main()
