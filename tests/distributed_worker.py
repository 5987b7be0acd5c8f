"""One process of the distributed tests (tests/test_distributed.py starts two with torchrun).

``python -m torch.distributed.run --standalone --nproc-per-node=2 distributed_worker.py
OUT SCENARIO...`` runs each scenario on every rank and writes what it saw to
``OUT/<scenario>-rank<r>.npz`` (arrays) and ``.json`` (messages), for the test to compare.
"""

import json
import os

# These scenarios test gloo on the CPU (two processes cannot share one GPU under NCCL).
os.environ["CUDA_VISIBLE_DEVICES"] = ""
import signal
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.distributed as dist

from skgan import ConditionalGAN, GANSampler, WGANSampler

RANK = int(os.environ.get("RANK", "0"))
#: Corners of the toy whose modes the shard scenario splits between the ranks.
CORNERS = np.array([[-4.0, -4.0], [-4.0, 4.0], [4.0, -4.0], [4.0, 4.0]])


def blobs(n_rows=256, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n_rows, 2)).astype(np.float32)


def corners(modes, n_per_mode=150, seed=0):
    rng = np.random.RandomState(seed)
    rows = [CORNERS[mode] + 0.3 * rng.normal(size=(n_per_mode, 2)) for mode in modes]
    return np.concatenate(rows).astype(np.float32)


def weights(model):
    modules = [model.generator_, model.discriminator_]
    return torch.cat([p.detach().reshape(-1).double() for m in modules
                      for p in m.parameters()]).numpy()


def replicated():
    """The same rows everywhere: steps equal one process's with the whole batch."""
    model = GANSampler(adapter="numeric", batch_size=64, epochs=2, random_state=0,
                       ema_decay=None).fit(blobs())
    again = GANSampler(adapter="numeric", batch_size=64, epochs=2, random_state=0,
                       ema_decay=None).fit(blobs())
    wgan = WGANSampler(adapter="numeric", batch_size=64, epochs=3, n_critic=2,
                       random_state=0).fit(blobs())
    y = (blobs()[:, 0] > 0).astype(int)
    conditional = ConditionalGAN(adapter="numeric", batch_size=64, epochs=2,
                                 random_state=0).fit(blobs(), y)
    return {"weights": weights(model), "again": weights(model) - weights(again),
            "wgan": weights(wgan), "conditional": weights(conditional),
            "sample": model.sample(50, random_state=1),
            "losses": np.array(model.history_["generator_loss"])}


def shards():
    """Rank 0 holds two corners of the toy, rank 1 the other two."""
    X = corners([0, 1] if RANK == 0 else [2, 3], seed=RANK)
    model = GANSampler(adapter="numeric", epochs=60, batch_size=64, random_state=0).fit(X)
    return {"weights": weights(model), "sample": model.sample(2000, random_state=0),
            "n_rows": np.array([model.history_["epoch"][-1]])}


def shard_tables():
    """Tables with levels one rank never sees: both ranks encode them alike."""
    rng = np.random.RandomState(RANK)
    n = 200
    cities = ["Oslo", "Bergen"] if RANK == 0 else ["Tromsø", "Bodø"]
    table = pd.DataFrame({"city": rng.choice(cities, n), "income": rng.lognormal(10, 0.4, n),
                          "visits": rng.poisson(3, n)})
    y = rng.choice(["a", "b"] if RANK == 0 else ["b", "c"], n)
    model = GANSampler(epochs=3, random_state=0).fit(table)
    conditional = ConditionalGAN(epochs=2, random_state=0).fit(table, y)
    rows = model.sample(300, random_state=0)
    return {"weights": weights(model), "conditional": weights(conditional),
            "cities": np.array(sorted(rows["city"].unique())),
            "classes": conditional.classes_.astype(str)}


def early_stopping():
    model = GANSampler(adapter="numeric", epochs=8, batch_size=32, early_stopping=True,
                       n_iter_no_change=2, random_state=0).fit(blobs(seed=RANK))
    # With max_time, rank 0's clock decides when checks count and when time is up.
    timed = GANSampler(adapter="numeric", epochs=8, batch_size=32, early_stopping=True,
                       n_iter_no_change=2, max_time=600, random_state=0).fit(blobs(seed=RANK))
    return {"weights": weights(model), "n_iter": np.array([model.n_iter_]),
            "scores": np.array(model.validation_scores_), "timed": weights(timed),
            "timed_counted": np.array(timed.history_["validation_counted"])}


def continued():
    """partial_fit and warm_start on shards go on from the same weights on every rank."""
    model = GANSampler(adapter="numeric", batch_size=64, random_state=0)
    model.partial_fit(corners([0, 1] if RANK == 0 else [2, 3], seed=RANK))
    model.partial_fit(corners([0, 1] if RANK == 0 else [2, 3], seed=RANK + 5))
    warm = GANSampler(adapter="numeric", batch_size=64, epochs=1, warm_start=True,
                      random_state=0)
    warm.fit(blobs(seed=RANK)).fit(blobs(seed=RANK + 2))
    return {"weights": weights(model), "warm": weights(warm),
            "epochs": np.array([len(model.history_["epoch"]), len(warm.history_["epoch"])])}


def bad_labels():
    y = np.where(blobs()[:, 0] > 0, "a", "b").astype(object)
    if RANK == 1:
        y[5] = None
    ConditionalGAN(adapter="numeric", epochs=1).fit(blobs(), y)


def bad_width():
    X = blobs() if RANK == 0 else np.hstack([blobs(), blobs()[:, :1]])
    GANSampler(adapter="numeric", epochs=1).fit(X)


def bad_dtypes():
    """The same column as UTC times on rank 0 and as Paris times on rank 1."""
    when = pd.date_range("2024-01-01", periods=64, freq="h", tz="UTC")
    table = pd.DataFrame({"when": when if RANK == 0 else when.tz_convert("Europe/Paris"),
                          "x": np.random.RandomState(RANK).normal(size=64)})
    GANSampler(epochs=1, batch_size=16).fit(table)


def bad_data():
    X = blobs()
    if RANK == 1:
        X[3, 1] = np.nan
    GANSampler(adapter="numeric", epochs=1).fit(X)


def interrupt():
    """Rank 1 gets Ctrl-C during its fifth step: both ranks stop after that step."""
    steps = {"n": 0}
    original = GANSampler._train_step

    def step(self, batch):
        steps["n"] += 1
        if RANK == 1 and steps["n"] == 5:
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, batch)

    GANSampler._train_step = step
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = GANSampler(adapter="numeric", batch_size=64, epochs=6,
                               random_state=0).fit(blobs())
    finally:
        GANSampler._train_step = original
    return {"weights": weights(model), "epochs": np.array([len(model.history_["epoch"])]),
            "steps": np.array([steps["n"]]),
            "warned": np.array([any("interrupted" in str(w.message) for w in caught)])}


def step_failure():
    """Rank 1 fails inside a step: rank 0 must stop with an error, not wait."""
    original = GANSampler._train_step

    def step(self, batch):
        if RANK == 1 and self._n_calls == 3:
            raise RuntimeError("boom in rank 1's step")
        self._n_calls += 1
        return original(self, batch)

    GANSampler._train_step = step
    GANSampler._n_calls = 0
    GANSampler(adapter="numeric", batch_size=64, epochs=4, random_state=0).fit(blobs())


SCENARIOS = {function.__name__: function for function in (
    replicated, shards, shard_tables, early_stopping, continued, bad_width, bad_dtypes,
    bad_data, bad_labels, interrupt, step_failure)}


def main(out, names):
    out = Path(out)
    for name in names:
        try:
            arrays, error = SCENARIOS[name]() or {}, None
        except BaseException as caught:  # noqa: BLE001 - reported to the test
            arrays, error = {}, f"{type(caught).__name__}: {caught}"
        np.savez(out / f"{name}-rank{RANK}.npz", **arrays)
        (out / f"{name}-rank{RANK}.json").write_text(json.dumps({"error": error}))
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
