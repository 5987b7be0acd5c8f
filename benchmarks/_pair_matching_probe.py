"""Probe: a generator loss term that matches the batch's pair tables to the training
rows' (those pair calibration rakes to), so that sampling needs fewer candidates a row.

At every generator step, the soft pair tables of the batch (each row's level
probabilities per paired variable, multiplied out and averaged over the batch; rows
weighted by sampling-time over training-by-sampling condition probabilities) are
compared with ``pair_tables_.shares``; the term is the chi-square gap with a running
mean of the batch tables (momentum 0.9) as its direction, times WEIGHT. Patched in for
the probe (``BaseGAN._generate_for_training`` and ``_with_generator_terms``).

One JSON line per fit of ``GANSampler(random_state=seed)``: the pair-calibration factor
chosen and the Cramér's V gap each factor left, sdmetrics quality (shapes, trends)
against the training rows, macro F1 (bench_tabular's split), fit seconds.

Usage: python benchmarks/_pair_matching_probe.py TABLE SEED WEIGHT   (WEIGHT 0: off;
TABLE a bench_tabular table, or orders / subscriptions at 14,000 rows)
Output of session 30: benchmarks/pair_matching_probe.jsonl.
"""
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import bench_tabular as bt  # noqa: E402
import skgan.base as base  # noqa: E402
from skgan import GANSampler  # noqa: E402
from skgan.adapters._pair_variables import paired_columns, pair_width  # noqa: E402
from skgan.adapters._table_columns import DiscreteColumn  # noqa: E402

WEIGHT = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
MOMENTUM = 0.9

cls = base.BaseGAN
orig_generate = cls._generate_for_training
orig_terms = cls._with_generator_terms

def _plan(self):
    ad = self.adapter_
    tables = getattr(ad, "pair_tables_", None)
    if tables is None:
        return None
    encs = ad.column_encoders_
    unit_start, starts = 0, {}
    for index, enc in enumerate(encs):
        widths = list(getattr(enc, "block_widths", []))
        starts[index] = [unit_start + sum(widths[:k]) for k in range(len(widths))], widths
        unit_start += sum(widths)
    n_units = unit_start
    offsets, total = [], 0
    rows_, cols_ = [], []
    for index in paired_columns(encs):
        enc = encs[index]
        block_starts, widths = starts[index]
        width = pair_width(enc)
        s, w = (block_starts[0], widths[0]) if isinstance(enc, DiscreteColumn) else (block_starts[-1], widths[-1])
        rows_ += list(range(s, s + w)); cols_ += [total + min(j, width - 1) for j in range(w)]
        offsets.append((total, width)); total += width
    mapping = torch.zeros(n_units, total)
    mapping[rows_, cols_] = 1.0
    target = torch.ones(total, total)  # 1 where no pair: coefficient zero there
    mask = torch.zeros(total, total)
    for (a, b), sh in zip(tables.pairs, tables.shares):
        (oa, wa), (ob, wb) = offsets[a], offsets[b]
        target[oa:oa + wa, ob:ob + wb] = torch.as_tensor(sh, dtype=torch.float32).reshape(wa, wb)
        mask[oa:oa + wa, ob:ob + wb] = 1.0
    cond = self.conditioner_
    ratio = None
    if cond is not None:
        p = np.asarray(cond.sampling_probabilities, dtype=np.float64)
        q_parts = []
        for _i, start, width, counts in ad.condition_blocks_:
            lg = np.log1p(np.asarray(counts, dtype=np.float64))
            q_parts.append(lg / lg.sum())
        q = np.concatenate(q_parts) / len(q_parts)
        ratio = torch.as_tensor(p / q, dtype=torch.float32)
    return dict(mapping=mapping, target=target, mask=mask, n_pairs=len(tables.pairs),
                ratio=ratio, running=None)

def generate(self, n_rows, condition):
    latent = self._draw_latent(n_rows)
    if self.conditioner_ is None:
        raw = self.generator_.raw_output(latent, condition)
        fake = self.generator_.head(raw, self._step_rng)
        self._probe_logp = self.generator_.head.block_log_probabilities(raw)
        self._probe_condition = None
        return fake, None
    raw = self.generator_.raw_output(latent, condition)
    fake = self.generator_.head(raw, self._step_rng)
    asked = condition[:, condition.shape[1] - self.conditioner_.dim:]
    lp = self.generator_.head.block_log_probabilities(raw)
    self._probe_logp = lp
    self._probe_condition = asked
    return fake, self.conditioner_.penalty(lp, asked)

def terms(self, g_loss, losses, real, fake, condition_penalty):
    g_loss = orig_terms(self, g_loss, losses, real, fake, condition_penalty)
    if WEIGHT <= 0 or getattr(self, "_in_private_fit", lambda: False)():
        return g_loss
    plan = self.__dict__.get("_probe_plan", "unset")
    if plan == "unset":
        plan = self.__dict__["_probe_plan"] = _plan(self)
    if plan is None:
        return g_loss
    lp = self._probe_logp
    n = lp.shape[0]
    if plan["ratio"] is not None and self._probe_condition is not None:
        w = self._probe_condition @ plan["ratio"]
        w = w / w.mean()
    else:
        w = torch.ones(n)
    probs = torch.exp(lp) @ plan["mapping"]
    table = (probs * w[:, None]).T @ probs / n
    if plan["running"] is None:
        plan["running"] = table.detach().clone()
    else:
        plan["running"] = MOMENTUM * plan["running"] + (1 - MOMENTUM) * table.detach()
    gap = (plan["running"] - plan["target"]) * plan["mask"]
    loss = ((2 * gap / plan["target"]) * table).sum() / plan["n_pairs"]
    losses["pair_chi2"] = ((gap ** 2) / plan["target"]).sum() / plan["n_pairs"]
    return g_loss + WEIGHT * loss


cls._generate_for_training = generate
cls._with_generator_terms = terms

name = sys.argv[1]; seed = int(sys.argv[2])
if name in ("orders", "subscriptions"):
    import bench_messy_tables as messy
    train = messy.load(name, 14000)[0]
    meta = bt.sdmetrics_metadata(train)
    held = target = None
else:
    train, held, target, meta = bt.prepared(name)
t = time.perf_counter()
m = GANSampler(random_state=seed).fit(train)
fit_s = time.perf_counter() - t
tables = m.adapter_.pair_tables_
rows = m.sample(len(train), random_state=bt.SEED + 1)
q = bt.quality(rows, train, meta)
rec = {"table": name, "seed": seed, "weight": WEIGHT, "fit_s": round(fit_s, 1),
       "chosen": tables.oversampling, "v_gaps": {k: round(v, 3) for k, v in tables.v_gaps.items()},
       "quality": round(q["quality"], 3), "f1": None if held is None else round(bt.ml_efficacy(rows, held, target)["f1"], 3),
       "chi_last": float(np.nanmean(m.history_["pair_chi2"][-20:])) if "pair_chi2" in m.history_ else None}
for k in q:
    if k != "quality": rec[k] = round(q[k], 3) if isinstance(q[k], float) else q[k]
print(json.dumps(rec), flush=True)
