"""Digits (8x8): how good are skgan's image samples, and how long does a fit take?

A classifier trained on real digits scores everything: the Inception-style score of
1,000 samples against that of the held-out real digits, the share of each class among
the samples, and a classifier two-sample test (C2ST) between samples and held-out real
digits (0.5: indistinguishable). Targets (issue 4): score ratio >= 0.70, every class
present, C2ST <= 0.85.

    python benchmarks/bench_images.py [--estimators gan,wgan] [--figure docs/img/digits.png]
                                      [--device auto|cpu|cuda] [--amp auto|on|off]
                                      [--throughput N] [--ema-decay D]

Speed: fit seconds, training images per second (images seen over all epochs / fit
seconds) and sampling images per second (best of 3 draws of ``--throughput`` images).
On CUDA, ``--amp auto`` (the estimators' default) trains and samples under bf16 autocast.
"""

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from _ema_option import DEFAULT, add_ema_decay_option, ema_decay_params
from skgan import GANSampler, WGANSampler
from skgan.metrics import c2st, inception_score

ESTIMATORS = {"gan": GANSampler, "wgan": WGANSampler}
N_SAMPLES = 1000


def _flat(images):
    return images.reshape(len(images), -1)


def sampling_rate(model, n_images, repeats=3):
    """Images per second drawing ``n_images`` (best of ``repeats``, after a warm-up)."""
    model.sample(min(n_images, 1000), random_state=0)
    best = float("inf")
    for repeat in range(repeats):
        started = time.perf_counter()
        model.sample(n_images, random_state=repeat + 1)
        best = min(best, time.perf_counter() - started)
    return n_images / best


def evaluate(name, train, held_out, classifier, real_score, seed, device="auto", amp="auto",
             throughput=N_SAMPLES, ema_decay=DEFAULT):
    model = ESTIMATORS[name](random_state=seed, device=device, amp=amp,
                             **ema_decay_params(ema_decay))
    started = time.perf_counter()
    model.fit(train)
    fit_seconds = time.perf_counter() - started
    samples = model.sample(N_SAMPLES, random_state=seed + 1)
    batch_size = model._batch_size_for(len(train))
    rows_per_epoch = (len(train) // batch_size) * batch_size
    probabilities = classifier.predict_proba(_flat(samples))
    score, _ = inception_score(probabilities)
    counts = np.bincount(probabilities.argmax(axis=1), minlength=10)
    two_sample = c2st(_flat(held_out), _flat(samples))
    return {
        "estimator": type(model).__name__,
        "fit_s": fit_seconds,
        "epochs": len(model.history_["epoch"]),
        "device": model.device_.type,
        "train_images_per_s": len(model.history_["epoch"]) * rows_per_epoch / fit_seconds,
        "images_per_s": sampling_rate(model, throughput),
        "score": score,
        "ratio": score / real_score,
        "min_class_share": counts.min() / N_SAMPLES,
        "classes": int((counts > 0).sum()),
        "c2st": two_sample,
        "samples": samples,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estimators", default="gan,wgan")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save a grid of real and generated digits here")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda")
    parser.add_argument("--amp", default="auto", choices=("auto", "on", "off"),
                        help="bf16 autocast: auto (on CUDA only), on, off")
    add_ema_decay_option(parser)
    parser.add_argument("--throughput", type=int, default=N_SAMPLES,
                        help=f"images drawn to time sampling (default {N_SAMPLES})")
    args = parser.parse_args()
    amp = {"auto": "auto", "on": True, "off": False}[args.amp]

    digits = load_digits()
    train, held_out, y_train, y_held_out = train_test_split(
        digits.images, digits.target, test_size=0.5, stratify=digits.target, random_state=0
    )
    classifier = LogisticRegression(max_iter=5000).fit(_flat(train), y_train)
    real_probabilities = classifier.predict_proba(_flat(held_out))
    real_score, _ = inception_score(real_probabilities)
    print(f"digits: {len(train)} training images, {len(held_out)} held out; torch threads "
          f"{torch.get_num_threads()}; classifier accuracy on held-out real "
          f"{classifier.score(_flat(held_out), y_held_out):.3f}")
    print(f"real held-out score {real_score:.2f}; real held-out vs real train C2ST "
          f"{c2st(_flat(held_out), _flat(train)):.3f}")
    header = (f"{'estimator':<12} {'device':<6} {'amp':<4} {'fit s':>7} {'epochs':>6} "
              f"{'train img/s':>11} {'sample img/s':>12} {'score':>6} "
              f"{'ratio':>6} {'classes':>7} {'min share':>9} {'C2ST':>6}")
    print(header + ("" if args.ema_decay == DEFAULT else f"   (ema_decay={args.ema_decay})"))
    results = []
    for name in args.estimators.split(","):
        result = evaluate(name, train, held_out, classifier, real_score, args.seed,
                          args.device, amp, args.throughput, args.ema_decay)
        results.append(result)
        print(f"{result['estimator']:<12} {result['device']:<6} {args.amp:<4} "
              f"{result['fit_s']:7.1f} {result['epochs']:6d} "
              f"{result['train_images_per_s']:11,.0f} {result['images_per_s']:12,.0f} "
              f"{result['score']:6.2f} {result['ratio']:6.2f} "
              f"{result['classes']:7d} {result['min_class_share']:9.3f} {result['c2st']:6.3f}",
              flush=True)
    print("targets: ratio >= 0.70, classes = 10, C2ST <= 0.85")
    if args.figure:
        _save_figure(args.figure, held_out, results)


def _save_figure(path, held_out, results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skgan.plotting import plot_image_grid

    figure, axes = plt.subplots(1, 1 + len(results), figsize=(4 * (1 + len(results)), 4.4))
    plot_image_grid(held_out[:64], ax=axes[0], title="real digits (held out)")
    for ax, result in zip(axes[1:], results):
        plot_image_grid(result["samples"][:64], ax=ax, title=f"{result['estimator']} samples")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    print(f"figure saved to {path}")


if __name__ == "__main__":
    main()
