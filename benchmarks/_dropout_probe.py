"""Probe: does dropout in the discriminator (CTGAN's regulariser) lower the membership
AUC of non-private default fits on the small tables?

Every hidden layer of ``MLPDiscriminator`` is followed by ``nn.Dropout(P)`` (patched in
for the probe; torch's global generator draws the masks, seeded per fit), then
``GANSampler(random_state=seed)`` is fitted on bench_privacy's 50/50 split, seeds 0 and 1.
One JSON line per fit: quality (sdmetrics, against the train rows), macro F1, and the
distance and density membership AUCs (``skgan.metrics.membership_inference``).

Usage: python benchmarks/_dropout_probe.py census,mpg,cps1985 0.5   (P = 0: no dropout)
Output of session 29: benchmarks/privacy_dropout_probe.jsonl.
"""
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.filterwarnings("ignore")
import torch, torch.nn as nn
torch.set_num_threads(1)
import bench_tabular as tabular, bench_privacy as bp
import skgan.networks.mlp as mlp
from skgan import GANSampler
from skgan.metrics import membership_inference
orig_init = mlp.MLPDiscriminator.__init__
P = float(sys.argv[2])
def init(self, *a, **k):
    orig_init(self, *a, **k)
    if P > 0:
        for name, mod in list(self.named_children()):
            if isinstance(mod, nn.Sequential):
                layers = []
                for layer in mod:
                    layers.append(layer)
                    if isinstance(layer, nn.LeakyReLU):
                        layers.append(nn.Dropout(P))
                setattr(self, name, nn.Sequential(*layers))
mlp.MLPDiscriminator.__init__ = init
for name in sys.argv[1].split(","):
    table = tabular.load_table(name); target = tabular.TARGETS[name]
    train, holdout = bp.split_half(table, target)
    meta = tabular.sdmetrics_metadata(train)
    for seed in (0, 1):
        torch.manual_seed(seed)
        t = time.perf_counter(); m = GANSampler(random_state=seed).fit(train); fit = time.perf_counter() - t
        rows = m.sample(len(train), random_state=seed + 100)
        q = tabular.quality(rows, train, meta)["quality"]; f1 = tabular.ml_efficacy(rows, holdout, target)["f1"]
        rec = dict(table=name, p=P, seed=seed, fit=round(fit, 1), q=round(q, 3), f1=round(f1, 3),
                   mia=round(membership_inference(train, holdout, rows), 3),
                   mia_dens=round(membership_inference(train, holdout, rows, attack="density"), 3))
        print(json.dumps(rec), flush=True)
