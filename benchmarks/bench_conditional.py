"""Digits (8x8): does ConditionalGAN draw the digit it is asked for?

A logistic regression trained on real digits labels 1,000 samples drawn with
``sample(1000, y=...)`` (100 of each digit); the agreement is the share it labels as
requested. Target (issue 5): at least 85 %. Also prints the fit time on this machine and
the Inception-style score of the samples against that of held-out digits.

    python benchmarks/bench_conditional.py [--objectives bce,hinge]
"""

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skgan import ConditionalGAN
from skgan.metrics import inception_score


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objectives", default="bce")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    digits = load_digits()
    train, held_out, y_train, y_held_out = train_test_split(
        digits.images, digits.target, test_size=0.5, stratify=digits.target, random_state=0
    )
    classifier = LogisticRegression(max_iter=5000).fit(train.reshape(len(train), -1), y_train)
    real_score, _ = inception_score(classifier.predict_proba(held_out.reshape(len(held_out), -1)))
    print(f"digits: {len(train)} training images; torch threads {torch.get_num_threads()}; "
          f"real held-out score {real_score:.2f}")
    print(f"{'objective':<10} {'fit s':>7} {'epochs':>6} {'agreement':>9} {'worst class':>11} "
          f"{'score':>6}")
    wanted = np.repeat(np.arange(10), 100)
    for objective in args.objectives.split(","):
        model = ConditionalGAN(objective=objective, random_state=args.seed)
        started = time.perf_counter()
        model.fit(train, y_train)
        fit_seconds = time.perf_counter() - started
        samples, labels = model.sample(len(wanted), y=wanted, random_state=args.seed + 1)
        probabilities = classifier.predict_proba(samples.reshape(len(samples), -1))
        predicted = probabilities.argmax(axis=1)
        agreement = np.mean(predicted == labels)
        per_class = [np.mean(predicted[labels == k] == k) for k in range(10)]
        # Splits of consecutive samples would each hold one class: shuffle first.
        order = np.random.RandomState(args.seed).permutation(len(probabilities))
        score, _ = inception_score(probabilities[order])
        print(f"{objective:<10} {fit_seconds:7.1f} {len(model.history_['epoch']):6d} "
              f"{agreement:9.3f} {min(per_class):11.3f} {score:6.2f}", flush=True)
    print("target: agreement >= 0.85")


if __name__ == "__main__":
    main()
