"""Speed of skgan.metrics against the usual implementations.

- frechet_distance from features vs the common path (numpy covariances, then
  ``scipy.linalg.sqrtm`` of the non-symmetric product), d = 64 ... 2048, n = 10,000,
  with the relative difference of the two values;
- unbiased MMD² (blocked) on N x N pairs and the linear-time estimator;
- on CUDA too when a GPU is present (features as CUDA tensors).

Usage: python benchmarks/bench_metrics.py [--n 10000] [--dims 64 256 1024 2048]
"""

import argparse
import time

import numpy as np
import torch
from scipy import linalg

from skgan.metrics import frechet_distance, mmd


def sqrtm_frechet(X, Y):
    mu1, mu2 = X.mean(0), Y.mean(0)
    s1, s2 = np.cov(X, rowvar=False), np.cov(Y, rowvar=False)
    covariances_done = time.perf_counter()
    root = linalg.sqrtm(s1 @ s2).real
    value = ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root)
    return value, covariances_done


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--dims", type=int, nargs="+", default=[64, 256, 1024, 2048])
    parser.add_argument("--mmd-sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads\n")
    print("frechet_distance, features -> distance, n =", args.n)
    header = (f"{'d':>5} {'sqrtm path s':>12} {'(covariances s)':>15} {'skgan s':>8} "
              f"{'speed-up':>8} {'rel. diff':>9}")
    print(header)
    print("-" * len(header))
    for d in args.dims:
        mixing = rng.normal(size=(d, d)) / np.sqrt(d)
        X = rng.normal(size=(args.n, d)) @ mixing
        Y = (rng.normal(size=(args.n, d)) + 0.1) @ mixing
        reference_seconds = covariance_seconds = ours_seconds = np.inf
        for _ in range(args.repeats):  # best of a few runs: the machine may be shared
            started = time.perf_counter()
            reference, covariances_done = sqrtm_frechet(X, Y)
            reference_seconds = min(reference_seconds, time.perf_counter() - started)
            covariance_seconds = min(covariance_seconds, covariances_done - started)
            ours, seconds = timed(frechet_distance, X, Y)
            ours_seconds = min(ours_seconds, seconds)
        print(f"{d:5d} {reference_seconds:12.2f} {covariance_seconds:15.2f} "
              f"{ours_seconds:8.2f} {reference_seconds / ours_seconds:7.1f}x "
              f"{abs(ours - reference) / abs(reference):9.1e}")
    print()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print("mmd (RBF, median heuristic), d = 64")
    header = f"{'device':<6} {'N':>6} {'unbiased s':>10} {'linear-time s':>13}"
    print(header)
    print("-" * len(header))
    for device in devices:
        for n in args.mmd_sizes:
            X = torch.from_numpy(rng.normal(size=(n, 64))).to(device)
            Y = torch.from_numpy(rng.normal(0.05, size=(n, 64))).to(device)
            _, unbiased_seconds = timed(mmd, X, Y)
            _, linear_seconds = timed(mmd, X, Y, method="linear")
            print(f"{device:<6} {n:6d} {unbiased_seconds:10.2f} {linear_seconds:13.3f}")


if __name__ == "__main__":
    main()
