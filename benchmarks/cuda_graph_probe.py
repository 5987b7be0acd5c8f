"""Which fits capture their steps in CUDA graphs, and does the process stay healthy after?

The suite run on an H200 with graphs on wherever possible (benchmarks/RESULTS.md, "CUDA
graphs (one H200, 2026-12-04, session 38)") found fits whose failed capture left the
process unusable. This runs each case below with ``cuda_graphs=True`` in a fresh
process (a broken one cannot spoil the next case) and prints one line per case: steps
replayed, the capture warning if any, the error if the fit raised, and whether the
process still works after the fit (a draw from the estimator's generator, a sample,
a new eager CUDA fit).

    python benchmarks/cuda_graph_probe.py [--cases NAME,NAME] [--timeout 90] [--jobs 6]

Needs a CUDA device. Each case is a few seconds; ``--jobs`` cases run at once (each its
own process on the one GPU), printed in order.
"""

import argparse
import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

#: name -> code that defines ``fit()`` returning the fitted estimator (cuda_graphs=True).
CASES = {
    "table, the CUDA tests' (control)": """
        table = cuda_table()
        def fit():
            return GANSampler(epochs=6, batch_size=32, generator_dims=(32, 32),
                              discriminator_dims=(32, 32), device="cuda", cuda_graphs=True,
                              random_state=0).fit(table)
    """,
    "numeric 500x3, GANSampler defaults (user guide's search)": """
        X = np.random.RandomState(0).normal(size=(500, 3))[:333]
        def fit():
            return GANSampler(loss="lsgan", latent_dim=8, epochs=30, device="cuda",
                              cuda_graphs=True, random_state=0).fit(X)
    """,
    "numeric 500x3 under GridSearchCV(n_jobs=2)": """
        from sklearn.model_selection import GridSearchCV
        X = np.random.RandomState(0).normal(size=(500, 3))
        def fit():
            search = GridSearchCV(GANSampler(epochs=30, device="cuda", cuda_graphs=True,
                                             random_state=0),
                                  {"loss": ["bce", "lsgan"]}, cv=3, n_jobs=2).fit(X)
            assert np.isfinite(search.cv_results_["mean_test_score"]).all(), \\
                search.cv_results_["mean_test_score"]
            return search.best_estimator_
    """,
    "blob 2000x2, batch 256 (early-stopping test's full fit)": """
        X = np.random.RandomState(0).normal(size=(2000, 2))
        def fit():
            return GANSampler(epochs=40, batch_size=256, generator_dims=(32,),
                              discriminator_dims=(32,), latent_dim=8, device="cuda",
                              cuda_graphs=True, random_state=0).fit(X)
    """,
    "blob with early_stopping=True (scored between replays)": """
        X = np.random.RandomState(0).normal(size=(2000, 2))
        def fit():
            return GANSampler(epochs=60, batch_size=256, early_stopping=True,
                              generator_dims=(32,), discriminator_dims=(32,), latent_dim=8,
                              device="cuda", cuda_graphs=True, random_state=0).fit(X)
    """,
    "ConditionalGAN wgan-gp, 3 blobs": """
        rng = np.random.RandomState(0)
        centers = np.array([[-4, 0], [4, 0], [0, 4]])
        y = rng.randint(0, 3, 600)
        X = centers[y] + rng.normal(size=(600, 2))
        def fit():
            return ConditionalGAN(objective="wgan-gp", epochs=30, device="cuda",
                                  cuda_graphs=True, random_state=0).fit(X, y)
    """,
    "WGANSampler signals (40, 16), width 4": """
        from skgan.adapters import SignalAdapter
        X = np.random.RandomState(0).rand(200, 16)
        def fit():
            return WGANSampler(adapter=SignalAdapter(width=4), epochs=8, n_critic=1,
                               device="cuda", cuda_graphs=True, random_state=0).fit(X)
    """,
    "WGANSampler table, defaults": """
        table = cuda_table(2000)
        def fit():
            return WGANSampler(epochs=8, device="cuda", cuda_graphs=True,
                               random_state=0).fit(table)
    """,
    "images 8x8, GANSampler": """
        X = (np.random.RandomState(0).rand(600, 8, 8) * 255).astype(np.uint8)
        def fit():
            return GANSampler(epochs=8, device="cuda", cuda_graphs=True,
                              random_state=0).fit(X)
    """,
    "partial_fit three times (a capture each call)": """
        table = cuda_table()
        def fit():
            model = GANSampler(epochs=3, batch_size=32, device="cuda", cuda_graphs=True,
                               random_state=0)
            for _ in range(3):
                model.partial_fit(table)
            return model
    """,
    "two fits in one process, then pickled": """
        import pickle
        table = cuda_table()
        def fit():
            GANSampler(epochs=4, batch_size=32, device="cuda", cuda_graphs=True,
                       random_state=1).fit(table)
            model = GANSampler(epochs=4, batch_size=32, device="cuda", cuda_graphs=True,
                               random_state=0).fit(table)
            return pickle.loads(pickle.dumps(model))
    """,
}

PRELUDE = """
import json, warnings
import numpy as np, pandas as pd, torch
from skgan import ConditionalGAN, GANSampler, WGANSampler

def cuda_table(n_rows=300, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({
        "price": np.where(rng.rand(n_rows) < 0.2, np.nan, rng.lognormal(3, 0.5, n_rows)),
        "rooms": rng.randint(1, 5, n_rows).astype(np.int32),
        "member": rng.rand(n_rows) < 0.3,
        "city": pd.Categorical(rng.choice(["Oslo", "Lima", "Pune"], n_rows)),
    })
"""

EPILOGUE = """
report = {"replayed": None, "warnings": [], "error": None, "healthy": None}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        model = fit()
        report["replayed"] = sum(model.history_.get("graph_steps", [0]))
    except BaseException as error:
        report["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
report["warnings"] = sorted({str(w.message)[:300] for w in caught
                             if "graph" in str(w.message).lower()})
try:
    torch.randn(3, device="cuda").sum().item()
    if report["error"] is None:
        torch.randn(3, device="cuda", generator=model._rng).sum().item()
        model.sample(5, random_state=0)
    GANSampler(epochs=2, batch_size=32, device="cuda", cuda_graphs=False,
               random_state=0).fit(
        np.random.RandomState(1).normal(size=(200, 2)))
    torch.cuda.synchronize()
    report["healthy"] = True
except BaseException as error:
    report["healthy"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
print("REPORT " + json.dumps(report))
"""


def run_case(name, body, timeout):
    code = PRELUDE + textwrap.dedent(body) + EPILOGUE
    environment = dict(os.environ, PYTHONUNBUFFERED="1")
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=timeout, env=environment)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    for line in result.stdout.splitlines():
        if line.startswith("REPORT "):
            return json.loads(line[len("REPORT "):])
    return {"error": f"no report (exit {result.returncode}): {result.stderr[-600:]}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="comma-separated names (a unique start of each)")
    parser.add_argument("--timeout", type=int, default=90)
    parser.add_argument("--jobs", type=int, default=6, help="cases run at once")
    args = parser.parse_args()
    names = list(CASES)
    if args.cases:
        names = [name for name in CASES
                 if any(name.startswith(start) for start in args.cases.split(","))]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reports = pool.map(lambda name: run_case(name, CASES[name], args.timeout), names)
        for name, report in zip(names, reports):
            print(f"{name}: {json.dumps(report)}", flush=True)


if __name__ == "__main__":
    main()
