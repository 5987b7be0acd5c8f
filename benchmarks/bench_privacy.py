"""Privacy: quality, ML efficacy and disclosure with and without differential privacy.

Parts (``--part``):

``quality`` (default): for each development table (benchmarks/data/, split 50 % train /
50 % held-out real rows, stratified on the table's target, seed 0), fit and sample as
many rows as the train rows with

- skgan ``GANSampler`` defaults (not private), and with ``dp_epsilon`` in {1, 3, 10}
  (``epochs="auto"``, which in a private fit runs the most discriminator steps the
  budget pays for at a noise multiplier of 1, at least 200; ``--dp-target`` names the
  table's target as ``dp_target``; ``--dp-steps N`` fixes
  the steps instead, and ``--dp-discriminator 64,64`` the discriminator's widths);
- smartnoise-synth's DP-CTGAN and PATE-CTGAN at the same epsilons, run with the
  interpreter of ``--snsynth-python`` (a venv with ``smartnoise-synth`` and
  ``packaging``; it pins opacus 0.14, so it cannot share skgan's venv). They get each
  continuous column's bounds for free (``preprocessor_eps=0``), as skgan's adapter reads
  its statistics without noise: neither side pays for its preprocessing.

and print per table: sdmetrics quality, macro F1 of a classifier trained on the rows
(bench_tabular's), and the disclosure measures of :mod:`skgan.metrics.privacy`: DCR
overfitting protection (1 = no sign of memorisation), the median DCR over the held-out
rows' median DCR (1 = as far from the training rows as new people), and the AUC of the
distance and density membership attacks (0.5 = no leak). Targets: at each epsilon,
skgan's quality and F1 at or above the best DP peer's on every table; every non-private
model's membership AUC at most 0.55.

``agreement``: skgan's DCR measures against SDMetrics' DCROverfittingProtection and
DCRBaselineProtection on the same rows (the non-private skgan sample of each table,
train and holdout cut to the same size); target: within 0.02.

``speed``: seconds of ``distance_to_closest_record`` for as many synthetic rows as
training rows (``--speed-rows``, default 10,000, 30,000 and 100,000) of generated
tables (a 4-column one like ``default`` and the 20-column ``orders`` table of
bench_messy_tables); target: under a minute at 100,000 x 100,000 (a size is not run
once a smaller one took over a minute).

Results of ``quality`` go to a JSON-lines file (``--results``) as they come, and a
rerun skips what is there (fits take minutes each).

Usage::

    python benchmarks/bench_privacy.py [--part quality|agreement|speed]
        [--tables census,cps1985] [--epsilons 1,3,10] [--snsynth-python PATH] [--quick]
        [--report-only]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).parent))
import bench_tabular as tabular  # noqa: E402

from skgan import GANSampler  # noqa: E402
from skgan.metrics import distance_to_closest_record, membership_inference  # noqa: E402
from skgan.metrics._closest_records import ClosestRecords  # noqa: E402

HERE = Path(__file__).parent
TABLES = ("census", "cps1985", "default", "mpg", "wage")
PEERS = ("dpctgan", "patectgan")


def split_half(table, target):
    train, holdout = train_test_split(table, test_size=0.5, stratify=table[target],
                                      random_state=tabular.SEED)
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def fit_skgan(train, epsilon, dp_steps, dp_discriminator=None, dp_target=None, seed=0):
    params = {"random_state": seed}
    if epsilon is not None:
        params.update(dp_epsilon=epsilon, dp_target=dp_target)
        if dp_steps:
            params.update(epochs=max(1, round(dp_steps * 128 / len(train))))
        if dp_discriminator:
            params.update(discriminator_dims=dp_discriminator)
    start = time.perf_counter()
    model = GANSampler(**params).fit(train)
    seconds = time.perf_counter() - start
    extra = {} if epsilon is None else {"epsilon_spent": model.dp_epsilon_spent_,
                                        "noise_multiplier": model.dp_noise_multiplier_,
                                        "epochs": model.n_iter_}
    return model.sample(len(train), random_state=0), {"fit_seconds": seconds, **extra}


def fit_peer(python, name, train, epsilon, seed=0):
    # Datetimes (mplsstops' date) go in as seconds, continuous, and come back as
    # datetimes: through a CSV they would be text, thousands of categories.
    datetimes = [column for column in train.columns
                 if pd.api.types.is_datetime64_any_dtype(train[column])]
    original = train
    train = train.assign(**{column: tabular.as_float(train[column]) for column in datetimes})
    continuous = [column for column in train.columns
                  if train[column].dtype.kind == "f"
                  or (train[column].dtype.kind == "i" and train[column].nunique() > 50)]
    spec = {"continuous": continuous,
            "bounds": {column: [float(train[column].min()), float(train[column].max())]
                       for column in continuous}}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        train.to_csv(folder / "train.csv", index=False)
        (folder / "spec.json").write_text(json.dumps(spec))
        done = subprocess.run(
            [python, str(HERE / "_snsynth_fit.py"), str(folder / "train.csv"),
             str(folder / "out.csv"), name, str(epsilon), str(len(train)),
             str(folder / "spec.json"), *([str(seed)] if seed else [])],
            capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        info = json.loads(done.stdout.strip().splitlines()[-1])
        rows = pd.read_csv(folder / "out.csv")
    for column in train.columns:  # back to the real dtypes (ints came back as floats)
        if train[column].dtype.kind == "i":
            rows[column] = rows[column].round().astype("Int64").astype(float)
    for column in datetimes:
        moments = pd.to_datetime(rows[column].astype("float64"), unit="s")
        timezone = getattr(original[column].dtype, "tz", None)
        rows[column] = moments if timezone is None else \
            moments.dt.tz_localize("UTC").dt.tz_convert(timezone)
    return rows, info


def measure(rows, train, holdout, target, metadata):
    quality = tabular.quality(rows, train, metadata)
    efficacy = tabular.ml_efficacy(rows, holdout, target)
    dcr = distance_to_closest_record(train, rows, holdout)
    return {"quality": quality["quality"], "shapes": quality["shapes"],
            "trends": quality["trends"], "f1": efficacy["f1"],
            "overfitting_protection": dcr.overfitting_protection,
            "holdout_ratio": dcr.holdout_ratio,
            "mia_distance": membership_inference(train, holdout, rows),
            "mia_density": membership_inference(train, holdout, rows, attack="density")}


def fit_key(name, method, epsilon, dp_target, seed):
    """What a rerun with the same options would fit again: skgan's fits also by
    ``dp_target`` (private fits only); every fit by seed (a peer's seed 0 is its
    unseeded fit, as the peers ran before they took one)."""
    skgan = method == "skgan"
    return (name, method, epsilon, bool(dp_target) if skgan and epsilon else False,
            seed)


def record_key(record):
    """:func:`fit_key` of a record (written before those options: no target, seed 0)."""
    return fit_key(record["table"], record["method"], record["epsilon"],
                   record.get("dp_target", False), record.get("seed", 0))


def wanted_key(name, method, epsilon, args):
    return fit_key(name, method, epsilon, args.dp_target, args.seed)


def run_quality(args):
    results_path = Path(args.results)
    done = {}
    if results_path.exists():
        for line in results_path.read_text().splitlines():
            record = json.loads(line)
            done[record_key(record)] = record
    for name in args.tables:
        table = tabular.load_table(name)
        target = tabular.TARGETS[name]
        train, holdout = split_half(table, target)
        metadata = tabular.sdmetrics_metadata(train)
        runs = [("skgan", None)] + [(method, epsilon) for epsilon in args.epsilons
                                    for method in ("skgan", *args.peers)]
        for method, epsilon in runs:
            key = wanted_key(name, method, epsilon, args)
            if key in done or args.report_only:
                continue
            if method == "skgan":
                rows, info = fit_skgan(train, epsilon, args.dp_steps, args.dp_discriminator,
                                       target if args.dp_target else None, args.seed)
            else:
                rows, info = fit_peer(args.snsynth_python, method, train, epsilon,
                                      args.seed)
            record = {"table": name, "method": method, "epsilon": epsilon, **info,
                      **measure(rows, train, holdout, target, metadata)}
            if method == "skgan":
                record.update(dp_target=bool(args.dp_target and epsilon), seed=args.seed)
            elif args.seed:
                record.update(seed=args.seed)
            done[key] = record
            with results_path.open("a") as file:
                file.write(json.dumps(record) + "\n")
            print(json.dumps(record), flush=True)
    print_quality(done, args)


def print_quality(done, args):
    columns = ["quality", "f1", "overfitting_protection", "holdout_ratio", "mia_distance",
               "mia_density", "fit_seconds"]
    # the records of this run's options only (skgan's other targets and seeds left out)
    done = {key[:3]: record for key, record in done.items()
            if key == wanted_key(key[0], key[1], key[2], args)}
    verdicts = []
    for name in args.tables:
        rows = [record for key, record in done.items() if key[0] == name]
        if not rows:
            continue
        frame = pd.DataFrame(rows).sort_values(["epsilon", "method"], na_position="first")
        frame["epsilon"] = frame["epsilon"].astype(object).fillna("none")
        print(f"\n== {name}")
        print(frame.set_index(["epsilon", "method"])[columns].to_string(
            float_format="{:.3f}".format))
        for epsilon in args.epsilons:
            at = {record["method"]: record for key, record in done.items()
                  if key[0] == name and key[2] == epsilon}
            peers = [at[peer] for peer in args.peers if peer in at]
            if "skgan" not in at or not peers:
                continue
            for measure_name in ("quality", "f1"):
                best = max(peer[measure_name] for peer in peers)
                verdicts.append((f"{name} eps={epsilon} {measure_name}",
                                 at["skgan"][measure_name], best))
        plain = done.get((name, "skgan", None))
        if plain is not None:
            worst = max(plain["mia_distance"], plain["mia_density"])
            print(f"non-private skgan membership AUC {worst:.3f} (target <= 0.55): "
                  f"{'PASS' if worst <= 0.55 else 'FAIL'}")
    print("\nskgan against the best DP peer (target: at or above)")
    for label, mine, best in verdicts:
        print(f"  {label:<28} skgan {mine:.3f}  best peer {best:.3f}  "
              f"{'PASS' if mine >= best else 'FAIL'}")


def run_agreement(args):
    from sdmetrics.single_table import DCRBaselineProtection, DCROverfittingProtection

    print(f"{'table':<9} {'measure':<26} {'skgan':>7} {'sdmetrics':>9} {'gap':>6}")
    for name in args.tables:
        table = tabular.load_table(name)
        target = tabular.TARGETS[name]
        train, holdout = split_half(table, target)
        n_rows = min(len(train), len(holdout))
        train, holdout = train.iloc[:n_rows], holdout.iloc[:n_rows]
        rows, _ = fit_skgan(train, None, None) if not args.quick else (
            train.sample(n_rows, replace=True, random_state=0).reset_index(drop=True), {})
        metadata = tabular.sdmetrics_metadata(train)
        theirs = DCROverfittingProtection.compute_breakdown(train, rows, holdout, metadata, None)
        baseline = DCRBaselineProtection.compute_breakdown(train, rows, metadata, None)
        mine = distance_to_closest_record(train, rows, holdout)
        pairs = [
            ("share closer to train", mine.share_closer_to_train,
             theirs["synthetic_data_percentages"]["closer_to_training"]),
            ("overfitting protection", mine.overfitting_protection, theirs["score"]),
            ("median DCR to train", float(np.median(mine.distances)),
             baseline["median_DCR_to_real_data"]["synthetic_data"]),
            ("baseline protection", mine.baseline_protection, baseline["score"]),
        ]
        for label, ours, reference in pairs:
            gap = abs(ours - reference)
            print(f"{name:<9} {label:<26} {ours:7.3f} {reference:9.3f} {gap:6.3f} "
                  f"{'PASS' if gap <= 0.02 else 'FAIL'}", flush=True)


def run_speed(args):
    import bench_messy_tables as messy

    def narrow(n_rows):
        rng = np.random.RandomState(0)
        return pd.DataFrame({
            "default": rng.choice(["No", "Yes"], n_rows, p=[0.97, 0.03]),
            "student": rng.choice(["No", "Yes"], n_rows, p=[0.7, 0.3]),
            "balance": rng.gamma(2.0, 420.0, n_rows),
            "income": rng.normal(33500, 13300, n_rows)})

    for label, make in (("4 columns (like default)", narrow),
                        ("20 columns (orders)", messy.make_orders)):
        slow = None
        for n_rows in args.speed_rows:
            if slow is not None:  # already over the target at fewer rows
                print(f"{label:<26} {n_rows:>7,} x {n_rows:>7,}: not run ({slow:,} x "
                      f"{slow:,} already took over 60 s)  (target < 60 s: FAIL)")
                continue
            table = make(2 * n_rows)
            train, synthetic = table.iloc[:n_rows], table.iloc[n_rows:]
            search = ClosestRecords(train).method  # what the measure below chooses
            start = time.perf_counter()
            distance_to_closest_record(train, synthetic)
            seconds = time.perf_counter() - start
            verdict = "" if n_rows != 100_000 else \
                f"  (target < 60 s: {'PASS' if seconds < 60 else 'FAIL'})"
            print(f"{label:<26} {n_rows:>7,} x {n_rows:>7,}: {seconds:7.1f} s  ({search})"
                  f"{verdict}", flush=True)
            slow = n_rows if seconds > 60 else None


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("quality", "agreement", "speed"),
                        default="quality")
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--epsilons", default="1,3,10")
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--dp-steps", type=int, default=None,
                        help="discriminator steps of skgan's private fits (default: "
                             "epochs='auto')")
    parser.add_argument("--dp-target", action="store_true",
                        help="skgan's private fits name the table's target (dp_target): "
                             "their noisy pair tables are the target's with every column")
    parser.add_argument("--seed", type=int, default=0,
                        help="random_state of skgan's fits and the seed of the peers' "
                             "(default 0: the peers unseeded)")
    parser.add_argument("--dp-discriminator", default="",
                        help="discriminator widths of skgan's private fits, e.g. 64,64")
    parser.add_argument("--snsynth-python", default=os.environ.get(
        "SNSYNTH_PYTHON", "/tmp/snvenv/bin/python"))
    parser.add_argument("--results", default=str(HERE / "privacy_results.jsonl"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--speed-rows", default="10000,30000,100000",
                        help="synthetic and training rows of each speed run")
    parser.add_argument("--report-only", action="store_true",
                        help="print what --results holds, fitting nothing")
    args = parser.parse_args()
    args.tables = [name for name in args.tables.split(",") if name]
    tabular.refuse_unknown_choices(parser, args.tables, list(tabular.TARGETS), ["gan"])
    args.epsilons = [float(value) for value in args.epsilons.split(",") if value]
    args.peers = [name for name in args.peers.split(",") if name]
    args.speed_rows = [int(value) for value in args.speed_rows.split(",") if value]
    args.dp_discriminator = tuple(int(width) for width in args.dp_discriminator.split(",")
                                  if width)
    if args.quick:
        args.tables, args.epsilons, args.dp_steps = ["census"], [3.0], 20
        args.speed_rows = [2_000]
    return args


def main():
    args = parse_args()
    {"quality": run_quality, "agreement": run_agreement, "speed": run_speed}[args.part](args)


if __name__ == "__main__":
    main()
