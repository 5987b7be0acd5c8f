"""Write model_format_v1.skgan and the sample it must give (run once, by format version 1).

tests/test_io.py loads the committed file with every later skgan, so the reader of
format version 1 stays. Do not regenerate it with a later format version.
"""

from pathlib import Path


def main():
    import numpy as np
    import pandas as pd

    import skgan

    rng = np.random.default_rng(0)
    n_rows = 120
    table = pd.DataFrame({
        "amount": np.where(rng.random(n_rows) < 0.1, np.nan, rng.gamma(2.0, 50.0, n_rows)),
        "count": rng.integers(0, 20, n_rows),
        "city": pd.Series(rng.choice(["Oslo", "Lyon", "Zürich"], n_rows), dtype="str"),
        "joined": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 365, n_rows), unit="D"),
    })
    model = skgan.GANSampler(epochs=2, batch_size=16, generator_dims=(16,),
                             discriminator_dims=(16,), latent_dim=4, random_state=0)
    model.fit(table)
    folder = Path(__file__).parent
    skgan.save(model, folder / "model_format_v1.skgan", include_optimizer=False)
    model.sample(5, random_state=0).to_csv(folder / "model_format_v1_sample.csv", index=False)


if __name__ == "__main__":
    main()
