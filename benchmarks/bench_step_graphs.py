"""Training steps on CUDA: replayed from CUDA graphs against eager steps, and a bare floor.

For each case, two fits of the same estimator on the same data, one with
``cuda_graphs=True`` and one with ``cuda_graphs=False``; a step's time is the median
epoch time (after the first two epochs, which warm up and capture) over the steps of an
epoch. For images, also the floor the issue names: a bare eager DCGAN step of the same
networks (a plain D-then-G step: BCE losses, fused Adam, bf16 autocast, no moving
average, no augmentation), timed at the same batch size.

    python benchmarks/bench_step_graphs.py [--cases table,images,signals,cycle]
                                           [--epochs N] [--image-batches 512,1024]

Targets (issue 31): images trained at least 100,000 images/s on 32x32 and within 1.5x
of the bare step's rate; tables and the rest: the speed-up is reported (the per-epoch
target against CTGAN is printed by bench_tabular.py --device cuda).
Needs a CUDA device.
"""

import argparse
import math
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits

from skgan import CycleGANTransformer, GANSampler, WGANSampler
from skgan.adapters import SignalAdapter

DATA = Path(__file__).parent / "data"


def step_seconds(model, steps_per_epoch):
    """Median seconds of one training step over the epochs after the first two."""
    return statistics.median(model.history_["epoch_time"][2:]) / steps_per_epoch


def fit_timed(make, data, epochs, graphs, **params):
    model = make(epochs=epochs, cuda_graphs=graphs, device="cuda", random_state=0, **params)
    started = time.perf_counter()
    model.fit(*data)
    torch.cuda.synchronize()
    return model, time.perf_counter() - started


def compare(name, make, data, epochs, rows_per_step_name="rows", **params):
    graphed, graphed_s = fit_timed(make, data, epochs, True, **params)
    eager, eager_s = fit_timed(make, data, epochs, False, **params)
    # Every step of the last epoch is replayed: that count is the steps of an epoch.
    steps = int(max(graphed.history_.get("graph_steps", [0])))
    if steps == 0:
        print(f"{name}: no step was replayed from a graph", flush=True)
        return graphed, math.nan, math.nan
    graph_step, eager_step = step_seconds(graphed, steps), step_seconds(eager, steps)
    batch = graphed._batch_size_for(len(data[0]))
    print(f"{name:<34} batch {batch:>4}  eager {eager_step * 1e3:7.2f} ms/step "
          f"({batch / eager_step:>10,.0f} {rows_per_step_name}/s)  graphs "
          f"{graph_step * 1e3:7.2f} ms/step ({batch / graph_step:>10,.0f} "
          f"{rows_per_step_name}/s)  speed-up {eager_step / graph_step:5.1f}x  "
          f"fit {eager_s:6.1f} -> {graphed_s:6.1f} s  steps/epoch {steps}",
          flush=True)
    return graphed, graph_step, eager_step


def bare_dcgan_step_seconds(model, batch_size, n_steps=200):
    """Seconds of a plain eager D-then-G step of ``model``'s networks (the floor)."""
    import copy

    generator = copy.deepcopy(model.generator_).train()
    discriminator = copy.deepcopy(model.discriminator_).train()
    g_opt = torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999), fused=True)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999),
                             fused=True)
    rng = torch.Generator(device="cuda").manual_seed(0)
    latent_dim = model._architecture["latent_dim"]
    with torch.no_grad():
        real = generator(torch.randn(batch_size, latent_dim, device="cuda", generator=rng),
                         None, rng).detach()
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            fake = generator(torch.randn(batch_size, latent_dim, device="cuda",
                                         generator=rng), None, rng)
            logits = discriminator(torch.cat([real, fake.detach()]))
            half = logits.shape[0] // 2
            d_loss = bce(logits[:half], torch.ones_like(logits[:half])) + bce(
                logits[half:], torch.zeros_like(logits[half:]))
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            g_logits = discriminator(fake)
            g_loss = bce(g_logits, torch.ones_like(g_logits))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()

    for _ in range(10):
        step()
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(n_steps):
        step()
    torch.cuda.synchronize()
    return (time.perf_counter() - started) / n_steps


def table_case(epochs):
    table = pd.read_csv(DATA / "default.csv")
    compare("default table, GANSampler", GANSampler, (table,), epochs)
    compare("default table, WGANSampler", WGANSampler, (table,), epochs)


def digit_images():
    """sklearn's 8x8 digits upscaled to 32x32 single-channel uint8 images."""
    digits = load_digits().images
    images = np.kron(digits, np.ones((4, 4)))[..., None]
    return (images * (255 / 16)).clip(0, 255).astype(np.uint8)


def images_case(epochs, batches=()):
    images = digit_images()
    results = {}
    for make in (GANSampler, WGANSampler):
        model, graph_step, eager_step = compare(
            f"digits 32x32, {make.__name__}", make, (images,), epochs, "images")
        results[make.__name__] = (model, graph_step)
    model, graph_step = results["GANSampler"]
    rows = [(model._batch_size_for(len(images)), model, graph_step)]
    for batch in batches:  # larger batches: the digits repeated to 16 steps an epoch
        repeated = np.tile(images, (max(1, math.ceil(16 * batch / len(images))), 1, 1, 1))
        model, graph_step, _ = compare(f"digits 32x32, GANSampler, batch {batch}",
                                       GANSampler, (repeated,), epochs, "images",
                                       batch_size=batch)
        rows.append((batch, model, graph_step))
    for batch, model, graph_step in rows:
        floor = bare_dcgan_step_seconds(model, batch)
        rate, floor_rate = batch / graph_step, batch / floor
        print(f"batch {batch}: bare eager DCGAN step of GANSampler's networks: "
              f"{floor * 1e3:.2f} ms/step ({floor_rate:,.0f} images/s)")
        print(f"batch {batch}: target: GANSampler images/s >= 100,000: {rate:,.0f} "
              f"{'PASS' if rate >= 100_000 else 'FAIL'}")
        print(f"batch {batch}: target: within 1.5x of the bare step: {floor_rate / rate:.2f}x "
              f"{'PASS' if floor_rate / rate <= 1.5 else 'FAIL'}")


def signals_case(epochs):
    rng = np.random.RandomState(0)
    time_axis = np.linspace(0, 1, 128)
    signals = np.sin(2 * np.pi * (2 + 3 * rng.rand(2048, 1, 1)) * time_axis
                     + 6 * rng.rand(2048, 1, 1)).astype(np.float32)
    for make in (GANSampler, WGANSampler):
        # Spectrum matching (the default) is refused by graphs: steps without it.
        compare(f"signals 1x128, {make.__name__}", make, (signals,), epochs, "signals",
                adapter=SignalAdapter(spectrum_matching=0.0))


def cycle_case(epochs):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(-3, 1, (4096, 8)), rng.normal(3, 1, (4096, 8))])
    y = np.repeat([0, 1], 4096)
    compare("CycleGAN numeric, pool_size=0", CycleGANTransformer, (X, y), epochs,
            adapter="numeric", pool_size=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="table,images,signals,cycle")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--image-batches", default="",
                        help="more batch sizes for GANSampler on the digits, e.g. 512,1024")
    args = parser.parse_args()
    batches = [int(batch) for batch in args.image_batches.split(",") if batch]
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
    warnings.simplefilter("ignore", FutureWarning)
    cases = {"table": table_case, "images": lambda epochs: images_case(epochs, batches), "signals": signals_case,
             "cycle": cycle_case}
    for case in args.cases.split(","):
        try:
            cases[case](args.epochs)
        except Exception as error:  # one case failing does not hide the others
            print(f"{case}: failed: {type(error).__name__}: {error}", flush=True)


if __name__ == "__main__":
    main()
