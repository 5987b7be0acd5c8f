"""Probe: a private ConditionalGAN with and without the after-training calibrations of
private fits (levels and modes at their shares, scalar units' maps), session 29.

bench_privacy's 50/50 split of each table; ``ConditionalGAN(dp_epsilon=eps,
random_state=seed)`` on the columns other than the target, with the target as ``y``;
``sample(len(train))`` with labels drawn from ``class_prior_``. Calibrations: "all"
(levels, modes and the scalar units' maps), "none" (``_calibrates_scalar_quantiles``
patched to False: how private ConditionalGAN fits sampled before) and "maps" (the
scalar units' maps only: ``_level_rate_blocks`` patched to give none). One JSON line per fit: sdmetrics quality, column shapes and pair trends of
the rows and their labels against the train rows, and macro F1 of a classifier trained
on them (bench_tabular's measures).

Usage: python benchmarks/_conditional_private_probe.py census,cps1985,wage 3 0 [all,none,maps]
Output of session 29: benchmarks/privacy_conditional_probe.jsonl.
"""
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.filterwarnings("ignore")

import torch  # noqa: E402

import bench_privacy as bp  # noqa: E402
import bench_tabular as tabular  # noqa: E402
from skgan import ConditionalGAN  # noqa: E402

torch.set_num_threads(1)
epsilon, seed = float(sys.argv[2]), int(sys.argv[3])
variants = sys.argv[4].split(",") if len(sys.argv) > 4 else ["all", "none"]
for name in sys.argv[1].split(","):
    table = tabular.load_table(name)
    target = tabular.TARGETS[name]
    train, holdout = bp.split_half(table, target)
    metadata = tabular.sdmetrics_metadata(train)
    for calibrated in variants:
        model = ConditionalGAN(dp_epsilon=epsilon, random_state=seed)
        if calibrated == "none":
            model._calibrates_scalar_quantiles = lambda: False
        elif calibrated == "maps":
            model._level_rate_blocks = lambda: []
        model.fit(train.drop(columns=target), train[target])
        rows, labels = model.sample(len(train), random_state=seed + 100)
        rows[target] = labels
        rows = rows[train.columns]
        quality = tabular.quality(rows, train, metadata)
        record = {"table": name, "epsilon": epsilon, "seed": seed,
                  "calibrated": calibrated, **{k: round(v, 4) for k, v in quality.items()},
                  "f1": round(tabular.ml_efficacy(rows, holdout, target)["f1"], 4)}
        print(json.dumps(record), flush=True)
