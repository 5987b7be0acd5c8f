"""Pooling the rare levels of many-level columns: membership inference, quality and
ML efficacy with and without ``TabularAdapter(min_frequency=...)``.

On bench_privacy.py's 50/50 splits, one thread, ``GANSampler``'s defaults with the
adapter's ``min_frequency`` set to each value asked (``none`` for no pooling beyond
``max_categories``), several seeds: per fit the quality (sdmetrics QualityReport),
macro F1 of the table's target, the distance and density attacks' membership AUC
(target: at most 0.55) and DCR's holdout ratio, as bench_privacy measures them. Then
the means over the seeds per table and setting, beside the first setting's.

Only the tables where the setting pools a column are worth fitting: ``--reach`` prints
which columns each value pools on each table's training half.

Usage::

    python benchmarks/bench_rare_levels.py --reach
    python benchmarks/bench_rare_levels.py --tables census,mpg,males,mplsstops \\
        --settings none,20 --seeds 0,1,2,3 --results benchmarks/rare_levels_results.jsonl
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
import bench_privacy as privacy  # noqa: E402
import bench_tabular as tabular  # noqa: E402

from skgan import GANSampler  # noqa: E402
from skgan.adapters import TabularAdapter  # noqa: E402
from skgan.adapters._table_columns import DiscreteColumn  # noqa: E402

HERE = Path(__file__).parent
TABLES = ("census", "mpg", "males", "mplsstops")
MEASURES = ("quality", "f1", "mia_distance", "mia_density", "holdout_ratio", "fit_seconds")


def setting_of(text):
    """``none`` -> None, ``20`` -> 20, ``0.01`` -> 0.01."""
    if text == "none":
        return None
    return float(text) if "." in text else int(text)


def training_half(name):
    return privacy.split_half(tabular.load_table(name), tabular.TARGETS[name])


def print_reach(tables, settings):
    for name in tables:
        train, _ = training_half(name)
        for setting in settings:
            adapter = TabularAdapter(min_frequency=setting).fit(train)
            for column, encoder in zip(train.columns, adapter.column_encoders_):
                if isinstance(encoder, DiscreteColumn) and len(encoder.coder_.rare_levels_):
                    pooled = encoder.coder_.counts_[-1]
                    print(f"{name} ({len(train)} rows), min_frequency={setting}: {column!r} "
                          f"pools {len(encoder.coder_.rare_levels_)} of "
                          f"{len(encoder.coder_.all_levels())} levels ({pooled:.0f} rows)")


def fit_and_measure(name, train, holdout, setting, seed):
    target = tabular.TARGETS[name]
    start = time.perf_counter()
    model = GANSampler(adapter=TabularAdapter(min_frequency=setting),
                       random_state=seed).fit(train)
    seconds = time.perf_counter() - start
    rows = model.sample(len(train), random_state=0)
    measured = privacy.measure(rows, train, holdout, target, tabular.sdmetrics_metadata(train))
    return {"table": name, "min_frequency": setting, "seed": seed,
            "fit_seconds": seconds, **measured}


def print_means(records, settings):
    print(f"{'table':10} {'min_frequency':>13} " + " ".join(f"{m:>13}" for m in MEASURES))
    for name in dict.fromkeys(record["table"] for record in records):
        for setting in settings:
            mine = [r for r in records if r["table"] == name and r["min_frequency"] == setting]
            if not mine:
                continue
            means = [np.mean([r[m] for r in mine]) for m in MEASURES]
            print(f"{name:10} {str(setting):>13} " + " ".join(f"{v:13.3f}" for v in means)
                  + f"   ({len(mine)} seeds)")
    print("Target: membership AUC (mia_distance, mia_density) at most 0.55.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--settings", default="none,20")
    parser.add_argument("--seeds", default="0,1,2,3")
    parser.add_argument("--results", default=str(HERE / "rare_levels_results.jsonl"))
    parser.add_argument("--reach", action="store_true",
                        help="print the columns each setting pools, fit nothing")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    tables = args.tables.split(",")
    tabular.refuse_unknown_choices(parser, tables, tabular.TARGETS, [])
    settings = [setting_of(text) for text in args.settings.split(",")]
    if args.reach:
        print_reach(tables, settings)
        return
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    results = Path(args.results)
    done = ([json.loads(line) for line in results.read_text().splitlines() if line.strip()]
            if results.exists() else [])
    if not args.report_only:
        for name in tables:
            train, holdout = training_half(name)
            for seed in (int(s) for s in args.seeds.split(",")):
                for setting in settings:
                    if any(r["table"] == name and r["min_frequency"] == setting
                           and r["seed"] == seed for r in done):
                        continue
                    record = fit_and_measure(name, train, holdout, setting, seed)
                    done.append(record)
                    with results.open("a") as file:
                        print(json.dumps(record), file=file)
                    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                                      for k, v in record.items()}), flush=True)
    print_means([r for r in done if r["table"] in tables], settings)


if __name__ == "__main__":
    main()
