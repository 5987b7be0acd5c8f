"""Digits (8x8) with few training images: does DiffAugment improve GANSampler's samples?

Differentiable augmentation (Zhao et al., 2020, "Differentiable Augmentation for
Data-Efficient GAN Training") of every image the discriminator sees,
``ImageAdapter(augment=...)``, is meant to keep the discriminator from memorising a
small training set. This compares ``GANSampler(random_state=seed)`` with its defaults
(``epochs="auto"``: about 5,000 steps) without augmentation and with each policy of
``--policies``, on stratified subsets of scikit-learn's digits.

The digits are split in halves (stratified, ``random_state=0``): 898 to train on, 899
held out. For each size of ``--sizes``, a stratified subset of that many training
images is fitted, then scored with:

- C2ST: a classifier two-sample test between the 899 held-out digits and as many
  samples (``skgan.metrics.c2st``; 0.5: indistinguishable, lower is better);
- ratio: the Inception-style score of the samples (``skgan.metrics.inception_score``
  of a logistic regression trained on the whole real training half, as in
  ``bench_images.py``) over that of the held-out real digits (1.0: as real ones);
- classes: how many of the ten digits the classifier finds among the samples;
- fit seconds.

Target: with augmentation, a lower C2ST than without on the small subsets (100 and 300
images) and no worse a C2ST on all 898; the result decides whether augmentation is on
by default for small image sets (it is not: see benchmarks/RESULTS.md).

    python benchmarks/bench_diffaugment.py [--sizes 100,300,898]
        [--policies color,translation,cutout translation,cutout] [--seed 0] [--quick]

``--quick`` trains 2 epochs per fit and scores C2ST with a logistic regression (the
default gradient boosting takes a minute and more on samples this easy to tell apart):
a smoke test of the script, not a measurement.
A full run fits 3 configurations on 3 sizes, about 2 to 4 minutes each on 2 CPU cores:
run it alone on the machine.
"""

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skgan import GANSampler
from skgan.adapters import ImageAdapter
from skgan.adapters._diff_augment import check_policy
from skgan.metrics import c2st, inception_score

DEFAULT_POLICIES = ("color,translation,cutout", "translation,cutout")


def _flat(images):
    return images.reshape(len(images), -1)


def training_subset(images, labels, size, seed):
    """A stratified subset of ``size`` of the training images (all of them at full size)."""
    if size >= len(images):
        return images
    subset, _, _, _ = train_test_split(images, labels, train_size=size, stratify=labels,
                                       random_state=seed)
    return subset


def evaluate(train, held_out, classifier, real_score, policy, seed, epochs,
             c2st_classifier=None):
    adapter = ImageAdapter(augment=policy or None)
    model = GANSampler(adapter=adapter, random_state=seed, epochs=epochs)
    started = time.perf_counter()
    model.fit(train)
    fit_seconds = time.perf_counter() - started
    samples = model.sample(len(held_out), random_state=seed + 1)
    probabilities = classifier.predict_proba(_flat(samples))
    score, _ = inception_score(probabilities)
    return {
        "fit_s": fit_seconds,
        "epochs": len(model.history_["epoch"]),
        "c2st": c2st(_flat(held_out), _flat(samples), classifier=c2st_classifier),
        "ratio": score / real_score,
        "classes": int((np.bincount(probabilities.argmax(axis=1), minlength=10) > 0).sum()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300,898",
                        help="training subset sizes, comma-separated (at most 898)")
    parser.add_argument("--policies", nargs="+", default=list(DEFAULT_POLICIES),
                        help="augmentation policies to compare with none, each a "
                             "comma-separated list of color, translation, cutout "
                             f"(default: {' '.join(DEFAULT_POLICIES)})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="2 epochs per fit: checks that the script runs")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    policies = [()] + [check_policy(policy) for policy in args.policies]
    epochs = 2 if args.quick else "auto"
    c2st_classifier = LogisticRegression(max_iter=1000) if args.quick else None

    digits = load_digits()
    train, held_out, y_train, _ = train_test_split(
        digits.images, digits.target, test_size=0.5, stratify=digits.target, random_state=0)
    classifier = LogisticRegression(max_iter=5000).fit(_flat(train), y_train)
    real_score, _ = inception_score(classifier.predict_proba(_flat(held_out)))
    print(f"digits: {len(train)} training images, {len(held_out)} held out; torch threads "
          f"{torch.get_num_threads()}; real held-out score {real_score:.2f}; "
          f"epochs {epochs}{' (QUICK: not a measurement)' if args.quick else ''}")
    print(f"{'images':>6} {'augment':<26} {'epochs':>6} {'fit s':>7} {'C2ST':>6} "
          f"{'ratio':>6} {'classes':>7}")
    results = {}
    for size in sizes:
        subset = training_subset(train, y_train, size, args.seed)
        for policy in policies:
            result = evaluate(subset, held_out, classifier, real_score, policy, args.seed,
                              epochs, c2st_classifier)
            results[size, policy] = result
            print(f"{len(subset):6d} {','.join(policy) or 'none':<26} {result['epochs']:6d} "
                  f"{result['fit_s']:7.1f} {result['c2st']:6.3f} {result['ratio']:6.2f} "
                  f"{result['classes']:7d}", flush=True)
    print("\nC2ST change from no augmentation (negative: augmentation helps)")
    for size in sizes:
        base = results[size, ()]["c2st"]
        changes = "  ".join(f"{','.join(policy)}: {results[size, policy]['c2st'] - base:+.3f}"
                            for policy in policies[1:])
        print(f"{size:6d}  {changes}")
    print("target: lower C2ST with augmentation at 100 and 300 images, no worse at 898")


if __name__ == "__main__":
    main()
