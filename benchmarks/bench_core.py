"""Speed and mode coverage of GANSampler and WGANSampler with default settings.

Prints, for each estimator and device (CPU, and CUDA when present):
- fit time on 4,000 rows of the ring and grid toys, seconds per epoch, modes covered;
- sampled rows per second;
- the training step's time against its compute floor: the same matrix products the
  step runs (shapes recorded by the torch profiler), timed back to back on their own.
  A ratio of 1 would mean the step does nothing but those products.

Usage: python benchmarks/bench_core.py [--rows 4000] [--repeats 200]
"""

import argparse
import time

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

from skgan import GANSampler, WGANSampler
from skgan.datasets import grid_centers, make_grid, make_ring, mode_coverage, ring_centers

MATMUL_OPS = {"aten::mm", "aten::addmm"}


def _synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_fit(estimator_class, X, centers, device):
    model = estimator_class(random_state=0, device=device)
    started = time.perf_counter()
    model.fit(X)
    seconds = time.perf_counter() - started
    covered, quality = mode_coverage(model.sample(4000, random_state=0), centers, std=0.05)
    return model, seconds, covered, quality


def rows_per_second(model, n_rows=200_000):
    model.sample(1000)
    started = time.perf_counter()
    model.sample(n_rows)
    return n_rows / (time.perf_counter() - started)


def step_time(model, X, repeats):
    """Mean seconds of one training step on a default-size batch."""
    encoded = torch.as_tensor(model.adapter_.encode(X), device=model.device_)
    batch = (encoded[: model._batch_size_for(len(encoded))],)
    for network in model._networks().values():
        network.train()
    for _ in range(20):
        model._train_step(batch)
    _synchronize(model.device_)
    started = time.perf_counter()
    for _ in range(repeats):
        model._train_step(batch)
    _synchronize(model.device_)
    return (time.perf_counter() - started) / repeats, batch


def matmul_floor(model, batch, repeats):
    """Seconds per step spent in the step's matrix products, timed on their own."""
    activities = [ProfilerActivity.CPU]
    with profile(activities=activities, record_shapes=True) as trace:
        model._train_step(batch)
    shapes = []
    for event in trace.events():
        if event.name in MATMUL_OPS:
            count = 3 if event.name == "aten::addmm" else 2
            shapes.append((event.name, [tuple(shape) for shape in event.input_shapes[:count]]))
    device = model.device_
    operands = []
    for name, dims in shapes:
        if name == "aten::addmm":
            bias, left, right = dims
            operands.append((torch.randn(bias, device=device), torch.randn(left, device=device),
                             torch.randn(right, device=device)))
        else:
            left, right = dims
            operands.append((None, torch.randn(left, device=device),
                             torch.randn(right, device=device)))
    for bias, left, right in operands:  # warm up
        torch.mm(left, right) if bias is None else torch.addmm(bias, left, right)
    _synchronize(device)
    started = time.perf_counter()
    for _ in range(repeats):
        for bias, left, right in operands:
            torch.mm(left, right) if bias is None else torch.addmm(bias, left, right)
    _synchronize(device)
    return (time.perf_counter() - started) / repeats, len(operands)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
          f"{args.rows} rows per toy\n")
    header = (f"{'estimator':<12} {'device':<6} {'toy':<5} {'fit s':>7} {'epochs':>6} "
              f"{'s/epoch':>8} {'modes':>6} {'hq %':>5}")
    print(header)
    print("-" * len(header))
    fitted = {}
    for device in devices:
        for estimator_class in (GANSampler, WGANSampler):
            for toy, make, centers in (("ring", make_ring, ring_centers()),
                                       ("grid", make_grid, grid_centers())):
                X, _ = make(args.rows, random_state=0)
                model, seconds, covered, quality = time_fit(estimator_class, X, centers, device)
                epochs = len(model.history_["epoch"])
                print(f"{estimator_class.__name__:<12} {device.type:<6} {toy:<5} "
                      f"{seconds:7.1f} {epochs:6d} {seconds / epochs:8.4f} "
                      f"{covered:>3}/{len(centers):<2} {100 * quality:5.1f}")
                fitted[estimator_class, device] = (model, X)
    print()
    header = (f"{'estimator':<12} {'device':<6} {'rows/s sampled':>15} {'step ms':>8} "
              f"{'matmul ms':>9} {'matmuls':>7} {'step/floor':>10}")
    print(header)
    print("-" * len(header))
    for (estimator_class, device), (model, X) in fitted.items():
        rate = rows_per_second(model)
        seconds, batch = step_time(model, X, args.repeats)
        floor, n_products = matmul_floor(model, batch, args.repeats)
        print(f"{estimator_class.__name__:<12} {device.type:<6} {rate:15,.0f} "
              f"{1000 * seconds:8.2f} {1000 * floor:9.2f} {n_products:7d} "
              f"{seconds / floor:10.2f}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
