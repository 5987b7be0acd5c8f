"""Waveforms: do skgan's signal samples have the real spectra and amplitudes?

Signals come from :func:`skgan.datasets.make_waveforms` (sines with random frequency,
phase and amplitude, plus noise), one channel and three tied channels. For 1,000
samples against 1,000 held-out real signals it prints a classifier two-sample test on
the FFT magnitudes (0.5: indistinguishable), the ratio of the mean peak amplitude and of
the mean RMS, and the fit time. Targets (issue 4): C2ST <= 0.80, amplitudes within 15 %.
Under each result, what tells the samples apart: the C2ST of each channel alone, the
quartiles of the first channel's dominant frequency (real / generated; a generator that
drops frequencies shows it here) and the median share of that channel's spectrum in
its highest bin (lower than the real one where generated sines drift in frequency or
amplitude along the signal).

    python benchmarks/bench_signals.py [--estimators gan,wgan] [--cases "1 channel,3 channels"]
                                       [--figure docs/img/waveforms.png] [--ema-decay D]
"""

import argparse
import time

import numpy as np
import torch

from _ema_option import DEFAULT, add_ema_decay_option, ema_decay_params
from skgan import GANSampler, WGANSampler
from skgan.datasets import make_waveforms
from skgan.metrics import c2st

ESTIMATORS = {"gan": GANSampler, "wgan": WGANSampler}
CASES = {"1 channel": None, "3 channels": 3}
N_TRAIN, N_HELD_OUT, LENGTH = 2000, 1000, 128


def spectrum(signals):
    """FFT magnitudes of every channel, side by side: one row per signal."""
    signals = signals.reshape(len(signals), -1, signals.shape[-1])
    return np.abs(np.fft.rfft(signals, axis=-1)).reshape(len(signals), -1)


def dominant_frequency(channel):
    """Cycles per signal of each (N, L) row's strongest bin (FFT zero-padded 8 times)."""
    padded = np.abs(np.fft.rfft(channel, n=8 * channel.shape[-1], axis=-1))
    return (padded[:, 1:].argmax(axis=-1) + 1) / 8


def peak_share(channel):
    """Share of each (N, L) row's spectrum (DC left out) in its highest bin."""
    magnitudes = np.abs(np.fft.rfft(channel, axis=-1))[:, 1:]
    return magnitudes.max(axis=-1) / magnitudes.sum(axis=-1)


def diagnosis(held_out, samples):
    """One line: per-channel C2ST, frequency quartiles, peak share (real / generated)."""
    held_out = held_out.reshape(len(held_out), -1, held_out.shape[-1])
    samples = samples.reshape(len(samples), -1, samples.shape[-1])
    per_channel = " ".join(
        f"{c2st(spectrum(held_out[:, k]), spectrum(samples[:, k])):.3f}"
        for k in range(held_out.shape[1])
    )
    real_q, fake_q = (np.percentile(dominant_frequency(x[:, 0]), [25, 50, 75]).round(2)
                      for x in (held_out, samples))
    return (f"    per-channel C2ST {per_channel}; frequency quartiles {real_q.tolist()} / "
            f"{fake_q.tolist()}; peak share {np.median(peak_share(held_out[:, 0])):.3f} / "
            f"{np.median(peak_share(samples[:, 0])):.3f}")


def evaluate(name, train, held_out, seed, ema_decay=DEFAULT):
    model = ESTIMATORS[name](adapter="signal", random_state=seed, **ema_decay_params(ema_decay))
    started = time.perf_counter()
    model.fit(train)
    fit_seconds = time.perf_counter() - started
    samples = model.sample(len(held_out), random_state=seed + 1)
    peak = np.abs(samples).max(axis=-1).mean() / np.abs(held_out).max(axis=-1).mean()
    rms = np.sqrt((samples**2).mean()) / np.sqrt((held_out**2).mean())
    return {
        "estimator": type(model).__name__,
        "fit_s": fit_seconds,
        "epochs": len(model.history_["epoch"]),
        "c2st": c2st(spectrum(held_out), spectrum(samples)),
        "peak": peak,
        "rms": rms,
        "samples": samples,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estimators", default="gan,wgan")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated, from {','.join(CASES)!r}")
    parser.add_argument("--figure", help="save real and generated waveforms here")
    add_ema_decay_option(parser)
    args = parser.parse_args()
    print(f"waveforms: {N_TRAIN} training signals of length {LENGTH}, {N_HELD_OUT} held out; "
          f"torch threads {torch.get_num_threads()}; ema_decay {args.ema_decay}")
    print(f"{'case':<11} {'estimator':<12} {'fit s':>7} {'epochs':>6} {'C2ST fft':>8} "
          f"{'peak ratio':>10} {'rms ratio':>9}")
    shown = {}
    for case in args.cases.split(","):
        n_channels = CASES[case]
        data, _ = make_waveforms(N_TRAIN + N_HELD_OUT, length=LENGTH, n_channels=n_channels,
                                 random_state=args.seed)
        train, held_out = data[:N_TRAIN], data[N_TRAIN:]
        floor = c2st(spectrum(held_out), spectrum(train[:N_HELD_OUT]))
        print(f"{case:<11} {'real vs real':<12} {'':>7} {'':>6} {floor:8.3f} {1:10.3f} {1:9.3f}")
        for name in args.estimators.split(","):
            result = evaluate(name, train, held_out, args.seed, args.ema_decay)
            shown[(case, result["estimator"])] = (held_out, result["samples"])
            print(f"{case:<11} {result['estimator']:<12} {result['fit_s']:7.1f} "
                  f"{result['epochs']:6d} {result['c2st']:8.3f} {result['peak']:10.3f} "
                  f"{result['rms']:9.3f}")
            print(diagnosis(held_out, result["samples"]), flush=True)
    print("targets: C2ST on FFT magnitudes <= 0.80, peak and rms ratios within [0.85, 1.15]")
    if args.figure:
        _save_figure(args.figure, shown)


def _save_figure(path, shown):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skgan.plotting import plot_signals

    cases = [key for key in shown if key[1] == "GANSampler"] or list(shown)[:2]
    figure, axes = plt.subplots(len(cases), 2, figsize=(12, 3.2 * len(cases)), squeeze=False)
    for row, key in enumerate(cases):
        real, fake = shown[key]
        plot_signals(real, ax=axes[row, 0], title=f"real, {key[0]}")
        plot_signals(fake, ax=axes[row, 1], title=f"{key[1]} samples, {key[0]}")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    print(f"figure saved to {path}")


if __name__ == "__main__":
    main()
