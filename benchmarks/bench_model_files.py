"""Model files: sizes and save/load times of skgan.save against pickle.

For three models with default network sizes (the CPS 1985 demo table, the digits
images, a generated 50,000-row x 19-column orders table), prints the pickle's size,
the .skgan file's size in full, without optimiser states and sampling-only (no
optimisers, no discriminator), the time to save and to load
each (median of 5), and whether the loaded model samples exactly what the original does.
A file's size follows its networks, not its rows or its epochs, so each model trains
for one epoch here.

Run: python benchmarks/bench_model_files.py   (about a minute on 2 cores)
"""

import io
import pickle
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

import skgan
from skgan.datasets import load_cps1985

sys.path.insert(0, str(Path(__file__).parent))
from bench_messy_tables import make_orders  # noqa: E402

SIZE_LIMIT_SAMPLING_ONLY = 10 * 2**20  # the target for the 50,000-row table


def _median_seconds(action, repeats=5):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _saved_bytes(model, **options):
    buffer = io.BytesIO()
    skgan.save(model, buffer, **options)
    return buffer.getvalue()


def _same_samples(model, data):
    loaded = skgan.load(io.BytesIO(data))
    first, second = model.sample(200, random_state=1), loaded.sample(200, random_state=1)
    if hasattr(first, "equals"):
        return bool(first.equals(second))
    return bool(np.array_equal(first, second))


def measure(name, model):
    pickled = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    full = _saved_bytes(model)
    no_moments = _saved_bytes(model, include_optimizer=False)
    light = _saved_bytes(model, sampling_only=True)
    save_s = _median_seconds(lambda: _saved_bytes(model))
    load_s = _median_seconds(lambda: skgan.load(io.BytesIO(full)))
    pickle_save_s = _median_seconds(lambda: pickle.dumps(model, protocol=5))
    pickle_load_s = _median_seconds(lambda: pickle.loads(pickled))
    print(f"{name:<26} pickle {len(pickled) / 2**20:6.2f} MB | .skgan {len(full) / 2**20:6.2f}"
          f" MB, no optimiser {len(no_moments) / 2**20:6.2f} MB, sampling-only "
          f"{len(light) / 2**20:6.2f} MB | save {save_s:5.2f} s "
          f"(pickle {pickle_save_s:5.2f}) | load {load_s:5.2f} s (pickle {pickle_load_s:5.2f})"
          f" | same samples: {_same_samples(model, full) and _same_samples(model, light)}")
    return len(light)


def main():
    print(f"skgan {skgan.__version__}, format version {skgan.io.FORMAT_VERSION}")
    demo = load_cps1985()
    measure(f"demo table {demo.shape[0]}x{demo.shape[1]}",
            skgan.GANSampler(epochs=1, random_state=0).fit(demo))
    digits = load_digits().images.astype(np.float32) / 16.0
    measure(f"digits {digits.shape[0]}x8x8",
            skgan.GANSampler(epochs=1, random_state=0).fit(digits))
    orders = make_orders(50_000).drop(columns=["review_stars"])
    light = measure(f"orders {orders.shape[0]}x{orders.shape[1]}",
                    skgan.GANSampler(epochs=1, random_state=0).fit(orders))
    verdict = "PASS" if light < SIZE_LIMIT_SAMPLING_ONLY else "FAIL"
    print(f"orders sampling-only file {light / 2**20:.2f} MB (target < 10 MB): {verdict}")


if __name__ == "__main__":
    main()
