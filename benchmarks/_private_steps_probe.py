"""Probe: a private GANSampler's quality against its number of discriminator steps.

bench_privacy's 50/50 split and measures; ``fit_skgan`` with ``dp_epsilon=EPS`` and
``STEPS`` steps (0: ``epochs="auto"``, the most steps at a noise multiplier of 1).
One JSON line per fit.

Usage: python benchmarks/_private_steps_probe.py wage 10 0,600,1500
Output of session 29: benchmarks/privacy_wage_steps.jsonl.
"""
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.filterwarnings("ignore")
import torch; torch.set_num_threads(1)
import bench_tabular as tabular, bench_privacy as bp
name = sys.argv[1]; eps = float(sys.argv[2])
table = tabular.load_table(name); target = tabular.TARGETS[name]
train, holdout = bp.split_half(table, target); meta = tabular.sdmetrics_metadata(train)
for steps in map(int, sys.argv[3].split(",")):
    rows, info = bp.fit_skgan(train, eps, steps or None)
    m = bp.measure(rows, train, holdout, target, meta)
    print(json.dumps({"table": name, "eps": eps, "steps": steps, **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in {**info, **m}.items() if k in ("fit_seconds","noise_multiplier","epochs","quality","shapes","trends","f1","mia_distance")}}), flush=True)
