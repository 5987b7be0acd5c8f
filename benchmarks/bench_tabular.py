"""Mixed-type tables: skgan's GANSampler and WGANSampler against CTGAN and TVAE.

For each table (in benchmarks/data/, see its README), split 70 % train / 30 % held-out
real rows (stratified on the table's target, seed 0), fit each generator with its
defaults on the train rows, draw as many synthetic rows as there are train rows, and
print, side by side with the held-out real rows ("real", the ceiling):

- fit time (wall clock, adapter/transformer included; one-off per-process costs are
  paid before, see :func:`warm_up`) and sampled rows per second (best of 3 draws);
- sdmetrics QualityReport of the rows against the train rows: overall score and its
  two properties, column shapes and column pair trends;
- ML efficacy: a HistGradientBoostingClassifier (categoricals ordinal-encoded and
  declared categorical, seed 0) trained on the rows, tested on the held-out rows:
  macro F1 and accuracy (for "real", trained on the train rows);
- privacy: % of rows identical to a train row (every column equal, NaN equal to NaN),
  and the mean distance to the closest train record (DCR), in train standard deviations
  for numbers and 1 per differing category (see :class:`DistanceEncoding`).

Then, once, the fit time of skgan's TabularAdapter against CTGAN's DataTransformer on a
50,000-row table (wage.csv rows drawn with replacement, seed 0), and the ratios against
CTGAN with PASS/FAIL for the targets.

Classification targets (the column each table's classifier predicts): census `marital_status`,
cps1985 `gender`, default `default`, mpg `drv`, wage `health_ins`, males `union`,
mplsstops `problem`: each has signal above the majority class in the other columns
(real-on-real macro F1 0.44-0.90). males and mplsstops are the messier development
tables (a person id that determines another column, integer-coded categories, missing
values that come together; see :func:`load_table` for mplsstops' rows and columns).

The peers get what they cannot take themselves: CTGAN refuses NaN in continuous columns,
so for both peers a numeric column with NaN is filled with its train median plus a
discrete "<column>__missing" column, and NaN is put back where the sample says so;
datetimes go in as seconds. skgan gets the DataFrame as it is.
CTGAN and TVAE use the global torch/numpy generators: both are seeded (global seeds
and ``set_random_state(0)``) before each fit.

Usage:
    python benchmarks/bench_tabular.py [--tables wage,census] [--quick] [--peers-only]
                                       [--methods gan,wgan,ctgan,tvae] [--json PATH]
                                       [--max-rows N] [--epochs N] [--threads N]
                                       [--device cpu|cuda] [--seeds 0,1,2]
                                       [--ema-decay D]

Timings on a machine shared with other work are noisy (see
benchmarks/tabular_peers_baseline.txt): compare methods within one run, which fits them
all back to back; the other figures are deterministic.

Macro F1 moves by up to 0.17 between seeds of one method on one table (CTGAN on
wage: 0.446-0.620), more than the differences between methods: ``--seeds 0,1,2`` fits
every generator once per model seed (same split) and compares the means, listing each
seed's quality and F1 under the table.

``--quick`` runs 5 epochs of everything on census and mpg, samples 10,000 rows for the
speed figure and times the adapters on 5,000 rows: a check that the script runs.
Needs ``pip install -e ".[benchmark]"`` (ctgan, sdmetrics) next to skgan.
"""

import argparse
import json
import os
import random
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder

from _ema_option import DEFAULT, add_ema_decay_option, ema_decay_params

DATA = Path(__file__).parent / "data"
#: The development tables' own folder (``../shared/data`` beside the repository), for
#: the tables too large to keep in benchmarks/data (mplsstops: 5.5 MB).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TARGETS = {"census": "marital_status", "cps1985": "gender", "default": "default",
           "mpg": "drv", "wage": "health_ins", "males": "union", "mplsstops": "problem"}
#: Rows a table is cut to (stratified on its target) when a script asks for no limit:
#: CTGAN fits the 36,000 training rows of the whole police stops table for over an hour
#: on one thread.
ROW_LIMITS = {"mplsstops": 10_000}
METHODS = ("gan", "wgan", "ctgan", "tvae")
LABELS = {"gan": "skgan GANSampler", "wgan": "skgan WGANSampler", "ctgan": "CTGAN",
          "tvae": "TVAE", "real": "real (held-out)"}
SEED = 0


# ---------------------------------------------------------------- columns and data
def column_kind(series):
    """The sdmetrics sdtype of a column, from its dtype."""
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "numerical"
    return "categorical"


def as_float(values):
    """A column as float64 with NaN for missing: datetimes in seconds since 1970, bools
    as 0/1, nullable integers and booleans too."""
    if pd.api.types.is_datetime64_any_dtype(values):
        if values.dt.tz is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return (values - pd.Timestamp(0)).dt.total_seconds()
    return pd.Series(values.to_numpy(dtype="float64", na_value=np.nan), index=values.index)


def column_kinds(df):
    return {column: column_kind(df[column]) for column in df.columns}


def sdmetrics_metadata(df):
    return {"columns": {column: {"sdtype": kind} for column, kind in column_kinds(df).items()}}


def discrete_columns(df):
    """The columns CTGAN should one-hot encode: object, bool and category ones."""
    return [column for column, kind in column_kinds(df).items()
            if kind in ("categorical", "boolean")]


def load_table(name, max_rows=None):
    """A development table as the benchmarks use it (at most ``max_rows`` rows and its
    :data:`ROW_LIMITS`, stratified on its target).

    mplsstops, read from ``../shared/data``, comes as a user would prepare it: its
    ``idNum`` (a unique id per stop: nothing to learn, and 10,000 one-hot levels for
    the peers) dropped, its ``date`` read as a datetime (UTC) rather than text.
    """
    path = table_path(name)
    if path is None:
        raise FileNotFoundError(
            f"Table {name!r} is not in {DATA} nor in {SHARED_DATA} (the development "
            "tables' folder beside the repository).")
    df = pd.read_csv(path)
    if name == "mplsstops":
        df = df.drop(columns="idNum")
        df["date"] = pd.to_datetime(df["date"], utc=True)
    max_rows = min(limit for limit in (max_rows, ROW_LIMITS.get(name), len(df)) if limit)
    if len(df) > max_rows:
        df, _ = train_test_split(df, train_size=max_rows, stratify=df[TARGETS[name]],
                                 random_state=SEED)
        df = df.reset_index(drop=True)
    return df


def numeric_only(df, target):
    """The numeric columns plus the target as integer codes (to run skgan before the
    tabular adapter exists)."""
    numeric = df.select_dtypes("number").copy()
    numeric[target] = pd.Categorical(df[target]).codes.astype("int64")
    return numeric


def split(df, target):
    train, held_out = train_test_split(df, test_size=0.3, stratify=df[target],
                                       random_state=SEED)
    return train.reset_index(drop=True), held_out.reset_index(drop=True)


def prepared(name):
    """``(train, held_out, target, metadata)`` of a table: its 70/30 split on its target
    and the train rows' sdmetrics metadata."""
    target = TARGETS[name]
    train, held_out = split(load_table(name), target)
    return train, held_out, target, sdmetrics_metadata(train)


# ---------------------------------------------------------------- generators
class SkganModel:
    """skgan's estimator, fitted on the DataFrame as it is."""

    def __init__(self, estimator_class, epochs=None, device="cpu", seed=SEED,
                 ema_decay=DEFAULT, extra_params=None):
        params = {"random_state": seed, "device": device, **ema_decay_params(ema_decay),
                  **(extra_params or {})}
        if epochs is not None:
            params["epochs"] = epochs
        self.model = estimator_class(**params)

    def fit(self, df):
        self.model.fit(df)
        self.epochs_run_ = len(self.model.history_["epoch"])
        return self

    def sample(self, n_rows, seed):
        return self.model.sample(n_rows, random_state=seed)


class PeerModel:
    """CTGAN or TVAE behind the few conversions they need (see the module docstring)."""

    def __init__(self, synthesizer, seed=SEED):
        self.synthesizer = synthesizer
        self.seed = seed

    def fit(self, df):
        self.columns_ = list(df.columns)
        self.dtypes_ = df.dtypes
        self.filled_ = {}
        self.datetimes_ = [c for c, kind in column_kinds(df).items() if kind == "datetime"]
        encoded = df.copy()
        for column in self.datetimes_:
            encoded[column] = as_float(encoded[column])
        for column in encoded.columns:
            missing = encoded[column].isna()
            if column_kind(encoded[column]) == "numerical" and missing.any():
                encoded[column] = encoded[column].fillna(encoded[column].median())
                encoded[f"{column}__missing"] = np.where(missing, "yes", "no")
                self.filled_[column] = f"{column}__missing"
        _seed_globals(self.seed)
        self.synthesizer.set_random_state(self.seed)
        self.synthesizer.fit(encoded, discrete_columns=discrete_columns(encoded))
        self.epochs_run_ = getattr(self.synthesizer, "_epochs", None) or self.synthesizer.epochs
        return self

    def sample(self, n_rows, seed):
        _seed_globals(seed)
        # ctgan's synthesizers sample from a random state of their own once it is set
        # (fit sets it), restored before and saved after every call: set it here too, or
        # ``seed`` would not decide the rows (each call would go on from the last).
        self.synthesizer.set_random_state(seed)
        rows = self.synthesizer.sample(n_rows)
        for column, flag in self.filled_.items():
            rows[column] = rows[column].astype("float64").mask(rows[flag] == "yes")
        for column in self.datetimes_:
            moments = pd.to_datetime(rows[column].astype("float64"), unit="s")
            timezone = getattr(self.dtypes_[column], "tz", None)
            if timezone is not None:
                moments = moments.dt.tz_localize("UTC").dt.tz_convert(timezone)
            rows[column] = moments
        rows = rows[self.columns_].copy()
        for column, dtype in self.dtypes_.items():  # back to the train dtypes where lossless
            lossless = (not rows[column].isna().any()
                        or isinstance(dtype, pd.api.extensions.ExtensionDtype))
            if rows[column].dtype != dtype and lossless:
                values = rows[column]
                rows[column] = (values.round() if dtype.kind in "iu" else values).astype(dtype)
        return rows


def _seed_globals(seed=SEED):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_model(method, epochs=None, device="cpu", seed=SEED, ema_decay=DEFAULT,
               skgan_params=None):
    if method in ("gan", "wgan"):
        from skgan import GANSampler, WGANSampler
        return SkganModel(GANSampler if method == "gan" else WGANSampler, epochs, device, seed,
                          ema_decay, skgan_params)
    from ctgan import CTGAN, TVAE
    synthesizer_class = CTGAN if method == "ctgan" else TVAE
    params = ({"enable_gpu": device == "cuda"}
              | ({"epochs": epochs} if epochs is not None else {}))
    return PeerModel(synthesizer_class(**params), seed)


# ---------------------------------------------------------------- measures
def quality(rows, train, metadata):
    """sdmetrics QualityReport of ``rows`` against the train rows.

    sdmetrics' defaults: column pair trends average only the pairs with a real-data
    Pearson correlation above 0.5 (numeric pairs) or association above 0.3 (others);
    when no pair qualifies the sub-score is NaN and the overall score is column shapes.
    """
    from sdmetrics.reports import QualityReport
    report = QualityReport()
    report.generate({"table": train}, {"table": rows}, {"tables": {"table": metadata}},
                    verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    return {"quality": float(report.get_score()),
            "shapes": float(properties["Column Shapes"]),
            "trends": float(properties["Column Pair Trends"])}


def _classifier_features(df, kinds):
    """Numbers for the classifier: categoricals as strings (NaN kept), bools as 0/1,
    datetimes as seconds."""
    out = pd.DataFrame(index=df.index)
    for column, kind in kinds.items():
        values = df[column]
        if kind == "categorical":
            out[column] = values.astype(str).where(values.notna(), np.nan)
        else:
            out[column] = as_float(values)
    return out


def ml_efficacy(rows, held_out, target):
    """Macro F1 and accuracy on the held-out rows of a classifier trained on ``rows``."""
    kinds = column_kinds(held_out.drop(columns=target))
    categorical = [c for c, kind in kinds.items() if kind == "categorical"]
    labels = sorted(held_out[target].astype(str).unique())
    rows = rows[rows[target].notna()]
    y_train = rows[target].astype(str)
    X_test = _classifier_features(held_out.drop(columns=target), kinds)
    y_test = held_out[target].astype(str)
    if y_train.nunique() < 2:  # one class only: the classifier can only predict it
        predicted = np.full(len(y_test), y_train.iloc[0] if len(y_train) else labels[0])
    else:
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
        columns = ColumnTransformer([("categorical", encoder, categorical)],
                                    remainder="passthrough")
        classifier = HistGradientBoostingClassifier(
            categorical_features=list(range(len(categorical))), random_state=SEED)
        model = make_pipeline(columns, classifier)
        model.fit(_classifier_features(rows.drop(columns=target), kinds), y_train)
        predicted = model.predict(X_test)
    return {"f1": float(f1_score(y_test, predicted, labels=labels, average="macro",
                                 zero_division=0)),
            "accuracy": float(accuracy_score(y_test, predicted))}


class DistanceEncoding:
    """Rows as vectors for distances to the closest record, learnt from the train rows.

    Numeric, bool and datetime columns are standardised with the train mean and standard
    deviation (a constant column gets scale 1); NaN becomes the mean (0) and, for a
    column with NaN in the train rows, a 0/1 "missing" coordinate is added. A categorical
    column becomes a one-hot block over its train categories (NaN is a category) scaled by
    1/sqrt(2), so two different categories are at distance 1, like one standard deviation;
    an unseen category is all zeros. The distance is Euclidean.
    """

    def fit(self, train):
        self.kinds_ = column_kinds(train)
        self.numbers_, self.categories_ = {}, {}
        for column, kind in self.kinds_.items():
            if kind == "categorical":
                self.categories_[column] = pd.Index(train[column].astype(str).unique())
            else:
                values = as_float(train[column])
                scale = values.std()
                self.numbers_[column] = (values.mean(), scale if scale > 0 else 1.0,
                                         bool(values.isna().any()))
        return self

    def transform(self, df):
        blocks = []
        for column, (mean, scale, has_missing) in self.numbers_.items():
            values = as_float(df[column])
            blocks.append(((values - mean) / scale).fillna(0.0).to_numpy()[:, None])
            if has_missing:
                blocks.append(values.isna().to_numpy(dtype=float)[:, None])
        for column, categories in self.categories_.items():
            codes = categories.get_indexer(df[column].astype(str))
            one_hot = np.zeros((len(df), len(categories)))
            known = codes >= 0
            one_hot[np.flatnonzero(known), codes[known]] = np.sqrt(0.5)
            blocks.append(one_hot)
        return np.hstack(blocks)


def _row_keys(df, columns):
    """A hash per row that is equal for equal rows (NaN equal to NaN)."""
    normalised = pd.DataFrame({
        column: df[column].astype(str).where(df[column].notna(), "<NA>")
        if column_kind(df[column]) == "categorical" else as_float(df[column])
        for column in columns})
    return pd.util.hash_pandas_object(normalised, index=False)


def privacy(rows, train, encoding, neighbours):
    """% of rows identical to a train row and their mean distance to the closest one."""
    columns = list(train.columns)
    copies = _row_keys(rows, columns).isin(set(_row_keys(train, columns)))
    distances, _ = neighbours.kneighbors(encoding.transform(rows), n_neighbors=1)
    return {"copies_pct": 100 * float(copies.mean()), "dcr": float(distances.mean())}


def sampling_rate(model, n_rows, repeats=3):
    """Rows per second drawing ``n_rows`` rows, best of ``repeats`` after a warm-up."""
    model.sample(min(1000, n_rows), seed=SEED + 2)
    best = float("inf")
    for repeat in range(repeats):
        started = time.perf_counter()
        model.sample(n_rows, seed=SEED + 3 + repeat)
        best = min(best, time.perf_counter() - started)
    return n_rows / best


def warm_up(methods):
    """Pay one-off per-process costs before any fit is timed, so that no method or table
    is charged for them: torch's lazy imports (the first optimizer step imports
    torch._dynamo, about 2.5 s here) and, for the peers, the start of the joblib workers
    that CTGAN's DataTransformer uses on tables of 500 rows or more (about 9 s here)."""
    weight = torch.zeros(1, requires_grad=True)
    torch.optim.Adam([weight]).step()
    if {"ctgan", "tvae"} & set(methods):
        from ctgan.data_transformer import DataTransformer
        rows = pd.DataFrame({"number": np.linspace(0, 1, 600), "kind": ["a", "b"] * 300})
        transformer = DataTransformer()
        transformer.fit(rows, ["kind"])
        transformer.transform(rows)


# ---------------------------------------------------------------- runs
def run_table(name, methods, args):
    target = TARGETS[name]
    df = load_table(name, args.max_rows)
    if args.numeric_only:
        df = numeric_only(df, target)
    train, held_out = split(df, target)
    metadata = sdmetrics_metadata(train)
    encoding = DistanceEncoding().fit(train)
    neighbours = NearestNeighbors(n_neighbors=1).fit(encoding.transform(train))
    results = {"real": {"fit_s": None, "rows_per_s": None, **quality(held_out, train, metadata),
                        **ml_efficacy(train, held_out, target),
                        **privacy(held_out, train, encoding, neighbours)}}
    print(f"\n{name}: {len(train)} train / {len(held_out)} held-out rows, "
          f"{df.shape[1]} columns, target {target!r}", flush=True)
    for method in methods:
        runs = []
        for seed in args.seeds:
            runs.append(_fit_and_measure(method, seed, train, held_out, target, metadata,
                                         encoding, neighbours, args))
            if "error" in runs[-1]:
                break
        results[method] = (runs[-1] if "error" in runs[-1] or len(runs) == 1
                           else _mean_of_runs(runs))
        if "error" not in results[method]:
            print(f"  {LABELS[method]}: fit {results[method]['fit_s']:.1f} s, "
                  f"{results[method]['epochs']} epochs"
                  + ("" if len(runs) == 1 else f" (mean of seeds {args.seeds})"), flush=True)
    return results


def _fit_and_measure(method, seed, train, held_out, target, metadata, encoding, neighbours,
                     args):
    """One fit of ``method`` with model seed ``seed`` and every measure of its rows."""
    model = make_model(method, args.epochs, args.device, seed, args.ema_decay,
                       args.skgan_params)
    try:
        started = time.perf_counter()
        model.fit(train)
        fit_s = time.perf_counter() - started
        rows = model.sample(len(train), seed=seed + 1)
    except Exception as error:  # noqa: BLE001 (a failing generator must not end the run)
        message = f"seed {seed}: {type(error).__name__}: {error}"
        print(f"  {LABELS[method]}: {message[:150]}", flush=True)
        return {"error": message}
    return {"fit_s": fit_s, "epochs": model.epochs_run_,
            "epoch_s": fit_s / model.epochs_run_,
            "rows_per_s": sampling_rate(model, args.sample_rows),
            **quality(rows, train, metadata),
            **ml_efficacy(rows, held_out, target),
            **privacy(rows, train, encoding, neighbours)}


def _mean_of_runs(runs):
    """Each figure averaged over the seeds' runs (a NaN figure, such as pair trends with no
    qualifying pair, over the others); quality and F1 also kept per seed."""
    mean = {key: float(np.nanmean([run[key] for run in runs])) for key in runs[0]}
    mean["epochs"] = round(mean["epochs"])
    mean["quality_runs"] = [run["quality"] for run in runs]
    mean["f1_runs"] = [run["f1"] for run in runs]
    return mean


def time_adapters(n_rows, methods):
    """Fit seconds of skgan's TabularAdapter and CTGAN's DataTransformer on n_rows rows."""
    rows = load_table("wage").sample(n_rows, replace=True, random_state=SEED)
    rows = rows.reset_index(drop=True)
    seconds = {}
    if {"gan", "wgan"} & set(methods):
        try:
            from skgan.adapters import TabularAdapter
        except ImportError as error:
            seconds["skgan"] = f"ImportError: {error}"
        else:
            started = time.perf_counter()
            TabularAdapter().fit(rows)
            seconds["skgan"] = time.perf_counter() - started
    if "ctgan" in methods:
        from ctgan.data_transformer import DataTransformer
        started = time.perf_counter()
        DataTransformer().fit(rows, discrete_columns(rows))
        seconds["ctgan"] = time.perf_counter() - started
    return {"rows": n_rows, "columns": rows.shape[1], "seconds": seconds}


# ---------------------------------------------------------------- report
def _number(value, spec):
    return "-" if value is None or value != value else format(value, spec)


def print_table(name, results):
    print(f"\n### {name} (target {TARGETS[name]!r})\n")
    print("| rows from | fit s | epochs | ms/epoch | rows/s sampled | quality | shapes | trends | macro F1 "
          "| accuracy | copies % | DCR |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for method, r in results.items():
        if "error" in r:
            print(f"| {LABELS[method]} | {r['error'][:90]} |||||||||||")
            continue
        epoch_ms = None if r.get("epoch_s") is None else 1000 * r["epoch_s"]
        print(f"| {LABELS[method]} | {_number(r['fit_s'], '.1f')} "
              f"| {_number(r.get('epochs'), 'd')} | {_number(epoch_ms, '.1f')} "
              f"| {_number(r['rows_per_s'], ',.0f')} | {r['quality']:.3f} "
              f"| {r['shapes']:.3f} | {_number(r['trends'], '.3f')} | {r['f1']:.3f} "
              f"| {r['accuracy']:.3f} | {r['copies_pct']:.1f} | {r['dcr']:.3f} |")
    for method, r in results.items():
        if "f1_runs" in r:
            print(f"\n- {LABELS[method]} per seed: quality "
                  f"{' '.join(f'{value:.3f}' for value in r['quality_runs'])}, macro F1 "
                  f"{' '.join(f'{value:.3f}' for value in r['f1_runs'])}")


def _ok(results, method):
    return method in results and "error" not in results[method]


def comparisons(all_results, methods):
    """Per skgan estimator and table: the ratios against CTGAN."""
    out = {}
    for method in [m for m in ("gan", "wgan") if m in methods]:
        for table, results in all_results.items():
            if not (_ok(results, method) and _ok(results, "ctgan")):
                continue
            ours, ctgan, real = results[method], results["ctgan"], results["real"]
            out[method, table] = {
                "fit_speedup": ctgan["fit_s"] / ours["fit_s"],
                "epoch_speedup": ctgan["epoch_s"] / ours["epoch_s"],
                "sampling_speedup": ours["rows_per_s"] / ctgan["rows_per_s"],
                "quality_delta": ours["quality"] - ctgan["quality"],
                "f1_delta": ours["f1"] - ctgan["f1"],
                "copies_excess": ours["copies_pct"] - real["copies_pct"]}
    return out


TARGET_CHECKS = (  # (label, key, least value)
    ("quality >= CTGAN quality", "quality_delta", 0.0),
    ("macro F1 >= CTGAN macro F1", "f1_delta", 0.0),
    ("fit >= 3x faster than CTGAN", "fit_speedup", 3.0),
    ("sampling >= 10x faster than CTGAN", "sampling_speedup", 10.0),
)


def print_comparisons(ratios, tables, methods, adapters):
    if "ctgan" not in methods:
        print("\nCTGAN not run: no comparison.")
        methods = []
    for method in [m for m in ("gan", "wgan") if m in methods]:
        print(f"\n### {LABELS[method]} against CTGAN\n")
        print("| table | fit speed-up | per-epoch speed-up | sampling speed-up "
              "| quality delta | F1 delta | copies − held-out copies (points) |")
        print("|---|--:|--:|--:|--:|--:|--:|")
        for table in tables:
            r = ratios.get((method, table))
            if r is None:
                print(f"| {table} | not run ||||||")
                continue
            print(f"| {table} | {r['fit_speedup']:.1f}x | {r['epoch_speedup']:.1f}x "
                  f"| {r['sampling_speedup']:.1f}x "
                  f"| {r['quality_delta']:+.3f} | {r['f1_delta']:+.3f} "
                  f"| {r['copies_excess']:+.1f} |")
        rows = [ratios.get((method, table)) for table in tables]
        print()
        for label, key, threshold in TARGET_CHECKS:
            print(f"- {label} on every table: {_verdict(rows, key, threshold)}")
        print(f"- copies <= held-out copies + 2 points on every table: "
              f"{_verdict(rows, 'copies_excess', 2.0, greater=False)}")
    seconds = adapters["seconds"]
    print(f"\n### Adapter fit on {adapters['rows']:,} rows × {adapters['columns']} columns "
          "(wage.csv rows drawn with replacement)\n")
    for who, value in seconds.items():
        label = "skgan TabularAdapter" if who == "skgan" else "CTGAN DataTransformer"
        print(f"- {label}: " + (f"{value:.2f} s" if isinstance(value, float) else value))
    if isinstance(seconds.get("skgan"), float) and isinstance(seconds.get("ctgan"), float):
        speedup = seconds["ctgan"] / seconds["skgan"]
        print(f"- speed-up {speedup:.1f}x; adapter fit >= 10x faster: "
              f"{'PASS' if speedup >= 10 else 'FAIL'}")


def _verdict(rows, key, threshold, greater=True):
    if any(r is None for r in rows):
        return "NOT RUN (some tables missing)"
    passed = all(r[key] >= threshold if greater else r[key] <= threshold for r in rows)
    return "PASS" if passed else "FAIL"


def table_path(name):
    """Where the development table ``name`` is read from (benchmarks/data first, then
    :data:`SHARED_DATA`); None where neither holds it."""
    for folder in (DATA, SHARED_DATA):
        if (folder / f"{name}.csv").exists():
            return folder / f"{name}.csv"
    return None


def refuse_unknown_choices(parser, tables, known_tables, methods):
    """Exit with a usage error naming the tables and methods that do not exist, and the
    tables whose file is missing (before any fit: a run of every table would otherwise
    fail at its last one, mplsstops, without ../shared/data)."""
    unknown = (set(tables) - set(known_tables)) | (set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown tables or methods: {sorted(unknown)}")
    missing = [name for name in tables if name in TARGETS and table_path(name) is None]
    if missing:
        parser.error(f"no file for {', '.join(missing)} in {DATA} or {SHARED_DATA} "
                     "(the development tables' folder beside the repository); leave "
                     "them out with --tables")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=None,
                        help=f"comma-separated, from {','.join(TARGETS)} (default: all; "
                             "--quick: census,mpg)")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help=f"comma-separated, from {','.join(METHODS)}")
    parser.add_argument("--peers-only", action="store_true", help="only CTGAN and TVAE")
    parser.add_argument("--quick", action="store_true",
                        help="5 epochs each, 10,000 sampled rows, adapters on 5,000 rows")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs for every generator (default: each one's own)")
    parser.add_argument("--max-rows", type=int, default=0,
                        help="subsample larger tables to this many rows, stratified on "
                             "the target (default 0: no limit)")
    parser.add_argument("--sample-rows", type=int, default=100_000,
                        help="rows sampled for the speed figure")
    parser.add_argument("--adapter-rows", type=int, default=50_000,
                        help="rows of the table the adapters' fit is timed on")
    parser.add_argument("--numeric-only", action="store_true",
                        help="keep numeric columns and the target as codes (development)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads for every method (default: torch's "
                             "choice, one per core)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                        help="where every method trains and samples (CTGAN and TVAE: "
                             "enable_gpu on cuda)")
    parser.add_argument("--seeds", default=str(SEED),
                        help="comma-separated model seeds; with several, every generator "
                             "is fitted once per seed and the tables and verdicts use the "
                             "means (the split stays the same)")
    add_ema_decay_option(parser)
    parser.add_argument("--skgan-params", type=json.loads, default=None,
                        help='more parameters of skgan\'s estimators, as JSON, e.g. '
                             '\'{"batch_size": 512, "generator_lr": 4e-4}\'')
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args()
    if args.skgan_params is not None and not isinstance(args.skgan_params, dict):
        parser.error(f"--skgan-params takes a JSON object, got {args.skgan_params!r}")
    try:
        args.seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds takes comma-separated integers, got {args.seeds!r}")
    if args.quick:
        args.epochs = args.epochs or 5
        args.sample_rows = min(args.sample_rows, 10_000)
        args.adapter_rows = min(args.adapter_rows, 5_000)
        args.tables = args.tables or "census,mpg"
    args.tables = (args.tables or ",".join(TARGETS)).split(",")
    args.methods = ["ctgan", "tvae"] if args.peers_only else args.methods.split(",")
    refuse_unknown_choices(parser, args.tables, TARGETS, args.methods)
    return args


def quiet_warnings():
    """Ignore the peers' (and libraries') warnings, but show skgan's that a step after
    training failed: with every warning ignored, a level calibration that failed on
    bench_messy_tables' orders (every level left at its learned rate) went unseen."""
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("always", message=r".* failed \(", category=UserWarning)


def main():
    args = parse_args()
    quiet_warnings()
    started = time.perf_counter()
    if args.threads:
        torch.set_num_threads(args.threads)
    import ctgan
    import sdmetrics
    import skgan
    warm_up(args.methods)
    print(f"skgan {skgan.__version__}, ctgan {ctgan.__version__}, sdmetrics "
          f"{sdmetrics.__version__}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads, device {args.device}"
          + (f" ({torch.cuda.get_device_name()})" if args.device == "cuda" else "")
          + f"; epochs: "
          f"{args.epochs or 'defaults'}; methods: {','.join(args.methods)}; model seeds "
          f"{','.join(map(str, args.seeds))}"
          + ("; numeric columns only" if args.numeric_only else "")
          + ("" if args.ema_decay == DEFAULT else f"; skgan ema_decay {args.ema_decay}")
          + (f"; skgan parameters {args.skgan_params}" if args.skgan_params else "")
          + f"; load average (1 min) {os.getloadavg()[0]:.1f}")
    all_results = {}
    for table in args.tables:
        all_results[table] = run_table(table, args.methods, args)
        print_table(table, all_results[table])
    adapters = time_adapters(args.adapter_rows, args.methods)
    ratios = comparisons(all_results, args.methods)
    print_comparisons(ratios, args.tables, args.methods, adapters)
    print(f"\nTotal {time.perf_counter() - started:.0f} s; load average (1 min) at the end "
          f"{os.getloadavg()[0]:.1f}.")
    if args.json:
        args.json.write_text(_json_text(
            {"args": {k: str(v) for k, v in vars(args).items()}, "tables": all_results,
             "adapters": adapters,
             "against_ctgan": {f"{m}/{t}": r for (m, t), r in ratios.items()}}))


def _json_text(results):
    """JSON with NaN written as null."""
    def clean(value):
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        return None if isinstance(value, float) and value != value else value
    return json.dumps(clean(results), indent=1)


if __name__ == "__main__":
    main()
