"""The latent space: how well inversion rebuilds data, and what truncation trades.

Parts (``--part``, default all):

``reconstruction``: GANSampler with its defaults fitted on half the digits (8x8,
scikit-learn's copy) and on the development table ``wage`` (70 % of its rows); 500
held-out digits / rows are encoded and decoded, ``inverse_transform(transform(X,
refine_steps=k))`` for k in 0 (the encoder alone), 50 and 200, beside the nearest of
10,000 generated samples (what inversion must beat) and the nearest training
digit/row (the floor: real data the model saw). Digits: mean squared error per pixel
(pixels scaled to [0, 1]), PSNR and SSIM (:mod:`skgan.metrics`, 7x7 Gaussian window:
the images are 8x8); the table: the mixed-type distance of the disclosure measures
(mean over columns: numbers |a - b| / range capped at 1, categories 0 or 1). Also the
milliseconds per row of each transform.

``truncation``: the same models sample 1,000 rows at ``truncation`` None, 2.0, 1.5,
1.0, 0.75 and 0.5; printed: precision and recall (:func:`skgan.metrics.precision_recall`,
k=3) against 1,000 held-out real digits/rows (digits: pixels; the table: the model's
adapter encoding), the samples' spread (mean over features of the standard deviation,
in the same features) and, for digits, fidelity as a classifier sees it (a logistic
regression trained on the training digits: its mean top probability on the samples,
"confidence", and the Inception-style score). Expected: fidelity up and recall and
spread down as truncation shrinks.

``bigan``: the encoder trained jointly instead (BiGAN / ALI: Donahue et al., 2017;
Dumoulin et al., 2017), on the same digits, networks and steps as the GANSampler fit
(skgan's convolutional generator and an encoder like ``encoder_``; the discriminator
judges (image, code) pairs: the image through the discriminator's convolutions, the
code through a 256-wide layer, then two layers on both; 5,000 steps of 128, Adam 1e-3,
betas (0.5, 0.999), no moving average). Printed: the same reconstruction figures for
``G(E(x))``, and the samples' C2ST against the held-out digits beside the GANSampler's
(what joint training costs the samples). This is what the choice of inversion in
docs/latent.md rests on.

``--figure PATH``: the interpolation picture of docs/latent.md (three pairs of held-out
digits, 8 steps, spherical, codes refined by 200 steps), from the digits model.

Fitted models are kept in ``--models`` (skgan model files) and reused by later runs.

Usage::

    python benchmarks/bench_latent.py [--part reconstruction|truncation|bigan] [--models DIR]
        [--figure docs/img/latent_interpolation.png]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import skgan
from skgan import GANSampler
from skgan.metrics import inception_score, precision_recall, psnr, ssim
from skgan.metrics._closest_records import ClosestRecords

sys.path.insert(0, str(Path(__file__).parent))
import bench_tabular as tabular  # noqa: E402

SEED = 0
N_HELD_OUT = 500
N_CANDIDATES = 10_000
REFINE_STEPS = (0, 50, 200)
TRUNCATIONS = (None, 2.0, 1.5, 1.0, 0.75, 0.5)


def digits_data():
    digits = load_digits()
    train, held_out = train_test_split(digits.images.astype(np.float32), test_size=0.5,
                                       stratify=digits.target, random_state=SEED)
    return train, held_out


def table_data():
    frame = tabular.load_table("wage")
    train, held_out = tabular.split(frame, tabular.TARGETS["wage"])
    return train.reset_index(drop=True), held_out.reset_index(drop=True)


def fitted(name, train, models):
    path = Path(models) / f"{name}.skgan"
    if path.exists():
        return skgan.load(path), None
    started = time.perf_counter()
    model = GANSampler(random_state=SEED).fit(train)
    seconds = time.perf_counter() - started
    path.parent.mkdir(parents=True, exist_ok=True)
    skgan.save(model, path)
    return model, seconds


# ---------------------------------------------------------------- reconstruction
def _pixels(images):
    return np.asarray(images, dtype=np.float64).reshape(len(images), -1) / 16.0


def _nearest_images(targets, pool):
    """Each target's nearest image of ``pool`` (squared error)."""
    t, p = _pixels(targets), _pixels(pool)
    distances = (t ** 2).sum(1)[:, None] - 2 * t @ p.T + (p ** 2).sum(1)[None, :]
    return np.asarray(pool)[distances.argmin(axis=1)]


def _image_errors(rebuilt, targets):
    mse = float(((_pixels(rebuilt) - _pixels(targets)) ** 2).mean())
    images = np.clip(np.asarray(rebuilt, dtype=np.float64) / 16.0, 0, 1)
    originals = np.asarray(targets, dtype=np.float64) / 16.0
    return {"mse": mse, "psnr": psnr(images, originals, data_range=1.0),
            "ssim": ssim(images, originals, data_range=1.0, win_size=7)}


def _row_distances(rebuilt, targets, scale_from):
    """Mixed-type distance of each rebuilt row to its target row."""
    index = ClosestRecords(targets.reset_index(drop=True), scale_from=scale_from)
    pairs = np.arange(len(targets))[:, None]
    encoded = index._encode(rebuilt.reset_index(drop=True))
    return index._pair_distances(encoded, pairs)[:, 0] / len(index.columns)


def _nearest_rows(targets, pool, scale_from):
    index = ClosestRecords(pool.reset_index(drop=True), scale_from=scale_from)
    return index.closest(targets.reset_index(drop=True))


def reconstruction(models):
    print("== reconstruction: inverse_transform(transform(X)) against the held-out data ==")
    train, held_out = digits_data()
    model, seconds = fitted("digits", train, models)
    targets = held_out[:N_HELD_OUT]
    print(f"digits: {len(train)} training images, {len(targets)} held out"
          + (f"; fit {seconds:.0f} s" if seconds else ""))
    print(f"{'codes':<30} {'MSE':>8} {'PSNR dB':>8} {'SSIM':>6} {'ms/row':>7}")
    for steps in REFINE_STEPS:
        started = time.perf_counter()
        codes = model.transform(targets, refine_steps=steps)
        ms = 1000 * (time.perf_counter() - started) / len(targets)
        errors = _image_errors(model.inverse_transform(codes), targets)
        label = "encoder" if steps == 0 else f"encoder + {steps} refine steps"
        print(f"{label:<30} {errors['mse']:8.4f} {errors['psnr']:8.2f} {errors['ssim']:6.3f} "
              f"{ms:7.2f}")
    generated = model.sample(N_CANDIDATES, random_state=SEED + 1)
    for label, pool in ((f"nearest of {N_CANDIDATES:,} generated", generated),
                        ("nearest training digit", train)):
        errors = _image_errors(_nearest_images(targets, pool), targets)
        print(f"{label:<30} {errors['mse']:8.4f} {errors['psnr']:8.2f} {errors['ssim']:6.3f}")

    train, held_out = table_data()
    model, seconds = fitted("wage", train, models)
    targets = held_out.iloc[:N_HELD_OUT]
    print(f"\nwage: {len(train)} training rows, {len(targets)} held out, {train.shape[1]} "
          "columns" + (f"; fit {seconds:.0f} s" if seconds else ""))
    print(f"{'codes':<30} {'distance':>8} {'median':>8} {'ms/row':>7}")
    for steps in REFINE_STEPS:
        started = time.perf_counter()
        codes = model.transform(targets, refine_steps=steps)
        ms = 1000 * (time.perf_counter() - started) / len(targets)
        distances = _row_distances(model.inverse_transform(codes), targets, train)
        label = "encoder" if steps == 0 else f"encoder + {steps} refine steps"
        print(f"{label:<30} {distances.mean():8.4f} {np.median(distances):8.4f} {ms:7.2f}")
    generated = model.sample(N_CANDIDATES, random_state=SEED + 1)
    for label, pool in ((f"nearest of {N_CANDIDATES:,} generated", generated),
                        ("nearest training row", train)):
        distances = _nearest_rows(targets, pool, train)
        print(f"{label:<30} {distances.mean():8.4f} {np.median(distances):8.4f}")
    print("target: inversion (some refine_steps) below the nearest generated sample")


# ---------------------------------------------------------------- truncation
def truncation(models):
    print("\n== truncation: precision / recall (k=3) of 1,000 samples against 1,000 held-out ==")
    train, held_out = digits_data()
    model, _ = fitted("digits", train, models)
    real = _pixels(held_out[:1000])
    digits = load_digits()
    _, _, labels, _ = train_test_split(digits.images, digits.target, test_size=0.5,
                                       stratify=digits.target, random_state=SEED)
    classifier = LogisticRegression(max_iter=5000).fit(_pixels(train), labels)
    _truncation_table("digits (pixels)", model, real, _pixels, classifier)
    train, held_out = table_data()
    model, _ = fitted("wage", train, models)

    def encoded(rows):
        values = model.adapter_.encode_for_scoring(rows)
        return values.reshape(len(values), -1)

    _truncation_table("wage (adapter encoding)", model, encoded(held_out.iloc[:1000]), encoded)


def _truncation_table(name, model, real, features, classifier=None):
    print(f"{name}")
    extra = "" if classifier is None else f" {'confidence':>10} {'score':>6}"
    print(f"{'truncation':>10} {'precision':>9} {'recall':>7} {'spread':>7}{extra}  (real "
          f"spread {real.std(axis=0).mean():.3f}"
          + ("" if classifier is None else
             f", confidence {classifier.predict_proba(real).max(axis=1).mean():.3f}, score "
             f"{inception_score(classifier.predict_proba(real))[0]:.2f}") + ")")
    for threshold in TRUNCATIONS:
        fake = features(model.sample(len(real), random_state=SEED + 2, truncation=threshold))
        precision, recall = precision_recall(real, fake, k=3)
        label = "None" if threshold is None else f"{threshold:.2f}"
        line = f"{label:>10} {precision:9.3f} {recall:7.3f} {fake.std(axis=0).mean():7.3f}"
        if classifier is not None:  # fidelity as a classifier sees it
            probabilities = classifier.predict_proba(fake)
            line += (f" {probabilities.max(axis=1).mean():10.3f} "
                     f"{inception_score(probabilities)[0]:6.2f}")
        print(line)


# ---------------------------------------------------------------- joint training
def bigan(models, n_steps=5000, batch_size=128, seed=SEED):
    """Fit a BiGAN on the digits and measure its reconstructions and samples."""
    from torch import nn

    from skgan.adapters import ImageAdapter
    from skgan.metrics import c2st
    from skgan.networks.conv import ConvGenerator, downsampling_stack
    from skgan.networks.encoder import ConvEncoder
    from skgan.networks.init import build_module
    from skgan.objectives import discriminator_loss

    print("\n== BiGAN: encoder trained jointly with the generator (digits) ==")
    train, held_out = digits_data()
    adapter = ImageAdapter().fit(train)
    real = torch.as_tensor(adapter.encode(train))
    shape, latent_dim, width = tuple(adapter.encoded_shape_), 32, adapter.width
    rng = torch.Generator().manual_seed(seed)

    class PairDiscriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.images, n_features = downsampling_stack(shape[0], shape[1:], width)
            self.codes = nn.Sequential(nn.Linear(latent_dim, 256), nn.LeakyReLU(0.2))
            self.joint = nn.Sequential(nn.Linear(n_features + 256, 256), nn.LeakyReLU(0.2),
                                       nn.Linear(256, 1))

        def forward(self, images, codes):
            both = torch.cat([self.images(images).flatten(1), self.codes(codes)], dim=1)
            return self.joint(both).squeeze(1)

    generator = build_module(lambda: ConvGenerator(latent_dim, shape, width), "cpu", rng)
    encoder = build_module(lambda: ConvEncoder(shape, width, latent_dim), "cpu", rng)
    critic = build_module(PairDiscriminator, "cpu", rng)
    optimise_ge = torch.optim.Adam([*generator.parameters(), *encoder.parameters()],
                                   lr=1e-3, betas=(0.5, 0.999))
    optimise_d = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.999))
    started = time.perf_counter()
    for step in range(n_steps):
        rows = torch.randint(len(real), (batch_size,), generator=rng)
        x = real[rows]
        z = torch.randn(batch_size, latent_dim, generator=rng)
        fake = generator(z, None, rng)
        codes = encoder(x)
        d_loss = discriminator_loss(critic(x, codes.detach()), critic(fake.detach(), z))
        optimise_d.zero_grad(set_to_none=True)
        d_loss.backward()
        optimise_d.step()
        for parameter in critic.parameters():
            parameter.requires_grad_(False)
        # the generator and encoder swap the labels: generated pairs real, real ones fake
        ge_loss = discriminator_loss(critic(fake, z), critic(x, codes))
        optimise_ge.zero_grad(set_to_none=True)
        ge_loss.backward()
        optimise_ge.step()
        for parameter in critic.parameters():
            parameter.requires_grad_(True)
    seconds = time.perf_counter() - started
    generator.eval()
    encoder.eval()
    targets = held_out[:N_HELD_OUT]
    with torch.no_grad():
        codes = encoder(torch.as_tensor(adapter.encode(targets)))
        rebuilt = adapter.decode(generator.noiseless_output(codes).numpy())
        samples = adapter.decode(generator(torch.randn(len(held_out), latent_dim,
                                                       generator=rng), None, rng).numpy())
        pool = adapter.decode(generator(torch.randn(N_CANDIDATES, latent_dim, generator=rng),
                                        None, rng).numpy())
    print(f"BiGAN fit {seconds:.0f} s ({n_steps} steps)")
    print(f"{'codes':<30} {'MSE':>8} {'PSNR dB':>8} {'SSIM':>6}")
    for label, images in (("BiGAN encoder", rebuilt),
                          (f"nearest of {N_CANDIDATES:,} BiGAN samples",
                           _nearest_images(targets, pool))):
        errors = _image_errors(images, targets)
        print(f"{label:<30} {errors['mse']:8.4f} {errors['psnr']:8.2f} {errors['ssim']:6.3f}")
    model, _ = fitted("digits", train, models)
    ours = model.sample(len(held_out), random_state=seed + 3)
    print(f"samples' C2ST against held-out digits: BiGAN {c2st(_pixels(held_out), _pixels(samples)):.3f}"
          f", GANSampler {c2st(_pixels(held_out), _pixels(ours)):.3f}")


def save_figure(path, models):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skgan.plotting import plot_interpolation

    train, held_out = digits_data()
    model, _ = fitted("digits", train, models)
    figure, ax = plt.subplots(figsize=(6, 2.6))
    plot_interpolation(model, held_out[[0, 1, 2]], held_out[[3, 4, 5]], n_steps=8, ax=ax,
                       refine_steps=200, title="held-out digits: start → stop (spherical)")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    print(f"figure saved to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("reconstruction", "truncation", "bigan"),
                        default=None)
    parser.add_argument("--models", default="/tmp/skgan_latent_models")
    parser.add_argument("--figure", help="save the interpolation picture here (and stop)")
    args = parser.parse_args()
    if args.figure:
        save_figure(args.figure, args.models)
        return
    print(f"torch threads {torch.get_num_threads()}; skgan {skgan.__version__}")
    if args.part in (None, "reconstruction"):
        reconstruction(args.models)
    if args.part in (None, "truncation"):
        truncation(args.models)
    if args.part in (None, "bigan"):
        bigan(args.models)


if __name__ == "__main__":
    pd.set_option("display.width", 120)
    main()
