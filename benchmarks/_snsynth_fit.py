"""Fit a smartnoise-synth synthesizer on a CSV and write its sample (run in its own venv).

Called by bench_privacy.py with the interpreter of a venv that has smartnoise-synth
(it pins opacus 0.14, which cannot live beside skgan's Opacus):

    python _snsynth_fit.py TRAIN.csv OUT.csv SYNTHESIZER EPSILON N_ROWS SPEC.json [SEED]

SPEC.json names the categorical, ordinal and continuous columns and gives each
continuous column's public bounds (so no epsilon goes to finding them; skgan's adapter
reads its statistics without noise too). With SEED, torch's, numpy's and Python's
generators are seeded with it first (without, the fit runs as the synthesizer leaves
them). Prints the seconds the fit took.
"""

import json
import random
import sys
import time

import numpy as np
import pandas as pd
import torch

torch.set_num_threads(2)
from snsynth import Synthesizer  # noqa: E402
from snsynth.transform import (  # noqa: E402
    ChainTransformer,
    LabelTransformer,
    MinMaxTransformer,
    OneHotEncoder,
    TableTransformer,
)


def main():
    train_path, out_path, name, epsilon, n_rows, spec_path = sys.argv[1:7]
    spec = json.loads(open(spec_path).read())
    if len(sys.argv) > 7:
        seed = int(sys.argv[7])
        torch.manual_seed(seed)
        np.random.seed(seed)
        random.seed(seed)
    train = pd.read_csv(train_path)
    transformers = []
    for column in train.columns:
        if column in spec["continuous"]:
            low, high = spec["bounds"][column]
            transformers.append(MinMaxTransformer(lower=low, upper=high, nullable=True))
        else:
            transformers.append(ChainTransformer([LabelTransformer(nullable=True),
                                                  OneHotEncoder()]))
    start = time.perf_counter()
    # their default batch of 500 rows is more than a small table has
    batch_size = max(10, min(500, len(train) // 2) // 10 * 10)
    synthesizer = Synthesizer.create(name, epsilon=float(epsilon), batch_size=batch_size,
                                     verbose=False)
    synthesizer.fit(train, transformer=TableTransformer(transformers), preprocessor_eps=0.0,
                    nullable=True)
    seconds = time.perf_counter() - start
    synthesizer.sample(int(n_rows)).to_csv(out_path, index=False)
    print(json.dumps({"fit_seconds": seconds}))


if __name__ == "__main__":
    main()
