"""Write the pickles that tests/test_legacy_pickles.py loads.

Run once with skgan 0.x as it was before the package layout moved (commit 8fba2f8,
2026-12-01): each estimator is fitted for one epoch on tiny data, pickled, and its
outputs for fixed seeds are stored beside it, so the test can check that a model
pickled by that version loads and behaves the same after the move. Do not rerun after
the move (the pickles would then name the new module paths).

    python tests/data/legacy_pickles/make_legacy_pickles.py
"""

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import skgan
from skgan import (AugmentedEstimator, ConditionalGAN, CycleGANTransformer, GANResampler,
                   GANSampler, WGANSampler)

HERE = Path(__file__).parent
SMALL = dict(generator_dims=(16,), discriminator_dims=(16,), epochs=1, device="cpu",
             random_state=0)


def table():
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "amount": rng.gamma(2.0, 10.0, 60),
        "count": rng.integers(0, 5, 60),
        "plan": pd.Categorical(rng.choice(["basic", "pro", "team"], 60)),
        "city": rng.choice(["Oslo", "Lima"], 60).astype(object),
        "joined": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, 60), "D"),
    })


def arrays():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
    return X, y


def main():
    X, y = arrays()
    frame = table()
    models = {
        "gan_table": GANSampler(latent_dim=4, **SMALL).fit(frame),
        "wgan_array": WGANSampler(latent_dim=4, batch_size=32, n_critic=1, **SMALL).fit(X),
        "conditional": ConditionalGAN(latent_dim=4, **SMALL).fit(X, y),
        "cycle": CycleGANTransformer(**SMALL).fit(X, y),
        "resampler": GANResampler(estimator=ConditionalGAN(latent_dim=4, **SMALL),
                                  random_state=0).fit(X, y),
    }
    models["augmented"] = AugmentedEstimator(
        LogisticRegression(), sampler=GANResampler(
            estimator=ConditionalGAN(latent_dim=4, **SMALL), random_state=0)).fit(X, y)
    expected = {
        "gan_table": models["gan_table"].sample(5, random_state=3),
        "wgan_array": models["wgan_array"].sample(5, random_state=3),
        "conditional": models["conditional"].sample(5, y=1, random_state=3),
        "cycle": models["cycle"].transform(X[:5]),
        "resampler": models["resampler"].estimator_.sample(5, y=1, random_state=3),
        "augmented": models["augmented"].predict_proba(X[:5]),
    }
    for name, model in models.items():
        (HERE / f"{name}.pkl").write_bytes(pickle.dumps(model))
    (HERE / "expected.pkl").write_bytes(pickle.dumps(
        {"skgan_version": skgan.__version__, "outputs": expected}))


if __name__ == "__main__":
    main()
