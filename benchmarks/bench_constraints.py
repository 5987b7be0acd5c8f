"""Constraints: rows that keep every rule, and what the rules cost, against SDV's.

Tables of ../shared/data with the rules they really have (cps1985: age = education +
experience + 6, which one row breaks; mpg: city mileage <= highway mileage, one
manufacturer per model, displacement in steps of 0.1) and one with a derived rule
(census: a household total = family income + personal income, missing where either is).
For each, skgan's GANSampler with defaults is fitted without and with the rules on 75 %
of the rows and prints: the share of sampled rows keeping every rule (target 100 %
with rules), the quality score (column shapes and pair trends against the training
rows) and the ML efficacy on the held-out 25 % (with rules, at most 0.01 below without),
fit and sample time (overhead under 10 %). When SDV is installed (a benchmark extra),
its GaussianCopulaSynthesizer with the same rules runs beside it.

Run alone (timings): python benchmarks/bench_constraints.py --seeds 2
(about 10 minutes a seed on 2 cores)
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

import skgan
from skgan.adapters import TabularAdapter
from skgan.constraints import FixedCombinations, FixedIncrements, Inequality, LinearEquality
from skgan.evaluation import ml_efficacy, quality_report

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEED = 0
N_SAMPLED = 5000
SAMPLE_REPEATS = 7


def cps1985():
    table = pd.read_csv(DATA / "cps1985.csv")
    # The last column is the one computed: age from schooling and experience. (With
    # experience computed instead, ML efficacy of wage fell 0.030; see RESULTS.md.)
    rules = [LinearEquality({"education": -1, "experience": -1, "age": 1}, constant=6)]
    return table, rules, "wage"


def mpg():
    table = pd.read_csv(DATA / "mpg.csv")
    rules = [Inequality("cty", "hwy"), FixedCombinations(["manufacturer", "model"]),
             FixedIncrements("displ", 0.1)]
    return table, rules, "hwy"


def census():
    table = pd.read_csv(DATA / "census.csv")
    table["household_total"] = table["total_family_income"] + table["total_personal_income"]
    rules = [LinearEquality({"total_family_income": 1, "total_personal_income": 1,
                             "household_total": -1})]
    return table, rules, "total_family_income"


TABLES = {"cps1985": cps1985, "mpg": mpg, "census": census}


def kept_share(rules, train, rows):
    """Share of ``rows`` keeping every rule (combinations: those seen in ``train``)."""
    kept = np.ones(len(rows), dtype=bool)
    for rule in rules:
        rule = clone(rule)
        if isinstance(rule, FixedCombinations):
            rule.fit(train)
        kept &= rule.is_valid(rows)
    return float(kept.mean())


def efficacy_score(train, holdout, rows, target):
    result = ml_efficacy(train, holdout, rows, target, random_state=SEED)
    key = "r2" if result["task"] == "regression" else "macro_f1"
    return result["synthetic"][key], result["real"][key]


def run_skgan(train, holdout, rules, target, seed=SEED):
    adapter = TabularAdapter(constraints=rules or None, handle_invalid="drop")
    model = skgan.GANSampler(adapter=adapter, random_state=seed)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train)
    fit_s = time.perf_counter() - started
    sample_times = []
    for _ in range(SAMPLE_REPEATS):  # a 0.2 s call: the median of several
        started = time.perf_counter()
        rows = model.sample(N_SAMPLED, random_state=seed)
        sample_times.append(time.perf_counter() - started)
    return rows, fit_s, float(np.median(sample_times))


SDV_RULES = {
    "Inequality": lambda rule: ("Inequality", {"low_column_name": rule.low,
                                               "high_column_name": rule.high}),
    "FixedCombinations": lambda rule: ("FixedCombinations",
                                       {"column_names": list(rule.columns)}),
    "FixedIncrements": lambda rule: ("FixedIncrements", {"column_name": rule.column,
                                                         "increment_value": rule.increment}),
}


def run_sdv(train, rules):
    """SDV's GaussianCopulaSynthesizer with the same rules where SDV has them."""
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    metadata = Metadata.detect_from_dataframes({"table": train}, infer_keys=None)
    synthesizer = GaussianCopulaSynthesizer(metadata)
    supported = [rule for rule in rules if type(rule).__name__ in SDV_RULES and not (
        isinstance(rule, FixedIncrements) and float(rule.increment) != int(rule.increment))]
    # SDV has no linear equality, and its FixedIncrements takes whole numbers only.
    if supported:
        from sdv import cag

        synthesizer.add_constraints([
            getattr(cag, name)(**params) for name, params in (
                SDV_RULES[type(rule).__name__](rule) for rule in supported)])
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synthesizer.fit({"table": train})  # SDV 2 takes a dict of tables
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    rows = synthesizer.sample(N_SAMPLED)
    sample_s = time.perf_counter() - started
    if isinstance(rows, dict):
        rows = rows["table"]
    return rows, fit_s, sample_s, len(supported)


def report(name, label, train, holdout, rules, target, rows, fit_s, sample_s):
    quality = quality_report(train, rows).score
    synthetic_score, real_score = efficacy_score(train, holdout, rows, target)
    share = kept_share(rules, train, rows)
    print(f"{name:<8} {label:<14} rules kept {100 * share:6.2f} % | quality {quality:.3f} | "
          f"efficacy {synthetic_score:.3f} (real {real_score:.3f}) | fit {fit_s:6.1f} s | "
          f"sample {N_SAMPLED} rows {sample_s:5.2f} s ({N_SAMPLED / sample_s:,.0f} rows/s)")
    return {"share": share, "quality": quality, "efficacy": synthetic_score, "fit": fit_s,
            "sample": sample_s}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="*", default=list(TABLES))
    parser.add_argument("--no-sdv", action="store_true")
    parser.add_argument("--seeds", type=int, default=1,
                        help="fits per model (seeds 0, 1, ...); quality and efficacy are "
                             "compared as means over them")
    args = parser.parse_args()
    print(f"skgan {skgan.__version__}; GANSampler defaults, seed {SEED}; {N_SAMPLED} rows "
          "sampled per model")
    for name in args.tables:
        table, rules, target = TABLES[name]()
        train = table.sample(frac=0.75, random_state=SEED)
        holdout = table.drop(train.index)
        train, holdout = train.reset_index(drop=True), holdout.reset_index(drop=True)
        print(f"{name}: {len(train)} training rows x {table.shape[1]} columns; rules: "
              + "; ".join(rule.describe() for rule in rules)
              + f"; training rows breaking them: {100 - 100 * kept_share(rules, train, train):.2f} %")
        runs = {"skgan": [], "skgan+rules": []}
        for seed in range(args.seeds):
            for label, used in (("skgan", []), ("skgan+rules", rules)):
                runs[label].append(report(name, f"{label} s{seed}", train, holdout, rules,
                                          target, *run_skgan(train, holdout, used, target,
                                                             seed)))
        without, with_rules = ({key: float(np.mean([run[key] for run in runs[label]]))
                                for key in runs[label][0]} for label in runs)
        with_rules["share"] = min(run["share"] for run in runs["skgan+rules"])
        checks = {
            "every row keeps the rules": with_rules["share"] == 1.0,
            "quality within 0.01": with_rules["quality"] >= without["quality"] - 0.01,
            "efficacy within 0.01": with_rules["efficacy"] >= without["efficacy"] - 0.01,
            "fit overhead < 10 %": with_rules["fit"] < 1.10 * without["fit"],
            "sample overhead < 10 %": with_rules["sample"] < 1.10 * without["sample"],
        }
        print(f"{name:<8} means over {args.seeds} seed(s): without rules quality "
              f"{without['quality']:.3f}, efficacy {without['efficacy']:.3f}; with rules "
              f"quality {with_rules['quality']:.3f}, efficacy {with_rules['efficacy']:.3f}")
        print(f"{name:<8} verdicts: " + "; ".join(
            f"{check} {'PASS' if ok else 'FAIL'}" for check, ok in checks.items())
            + f" (quality {with_rules['quality'] - without['quality']:+.3f}, efficacy "
            f"{with_rules['efficacy'] - without['efficacy']:+.3f}, fit x"
            f"{with_rules['fit'] / without['fit']:.2f}, sample x"
            f"{with_rules['sample'] / without['sample']:.2f})")
        if not args.no_sdv:
            try:
                rows, fit_s, sample_s, n_rules = run_sdv(train, rules)
            except ImportError:
                print("SDV is not installed: pip install sdv")
                continue
            except Exception as error:  # SDV's own failure, reported as measured
                print(f"{name:<8} SDV GaussianCopula+rules failed: {type(error).__name__}: "
                      f"{str(error).splitlines()[0][:200]}")
                continue
            report(name, f"SDV GC+{n_rules} rules", train, holdout, rules, target, rows,
                   fit_s, sample_s)


if __name__ == "__main__":
    main()
