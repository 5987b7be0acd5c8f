"""Quality per second: how soon skgan's default fit reaches CTGAN's and TVAE's final quality,
and what early stopping saves.

For every development table (benchmarks/data), in one run and one torch thread each:

- CTGAN and TVAE fitted with their defaults: fit seconds, sdmetrics quality and the macro F1
  of a classifier trained on their rows (as benchmarks/bench_tabular.py measures them);
- skgan's GANSampler with its defaults, trained in warm-started chunks that add up to the
  default schedule (``epochs="auto"``); after each chunk, quality and F1 of its rows
  against the cumulative training seconds (the adapter's fit included; sampling and
  measuring not);
- GANSampler with ``early_stopping=True`` (one plain fit): seconds, epochs run, quality and
  F1.

It prints, per table, the seconds skgan needed to reach TVAE's and CTGAN's final quality
and the targets of the issue: at most a third of TVAE's fit time and a tenth of CTGAN's;
the early-stopped fit no longer than TVAE's whole fit on tables of 1,000 rows or more
(CTGAN's on smaller ones), with quality and F1 within 0.01 of the full schedule's.

Usage: python benchmarks/bench_time_to_quality.py [--tables census,mpg] [--quick]
Needs ``pip install -e ".[benchmark]"`` (ctgan, sdmetrics).
"""

import argparse
import math
import os
import time
import warnings

import numpy as np
import torch

import bench_tabular as bt

#: Fractions of the default schedule after which the chunked fit is measured.
CHECKPOINTS = (0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.3, 0.45, 0.65, 1.0)


def measure(rows, train, held_out, target, metadata):
    return {"quality": bt.quality(rows, train, metadata)["quality"],
            "f1": bt.ml_efficacy(rows, held_out, target)["f1"]}


def run_peer(method, train, held_out, target, metadata, epochs):
    model = bt.make_model(method, epochs)
    started = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - started
    rows = model.sample(len(train), seed=bt.SEED + 1)
    return {"fit_s": fit_s, **measure(rows, train, held_out, target, metadata)}


def run_chunks(train, held_out, target, metadata, budget_scale):
    """GANSampler's default schedule in warm-started chunks: a curve of (seconds, quality,
    F1) after each chunk."""
    from skgan import GANSampler
    probe = GANSampler(random_state=bt.SEED)
    steps_per_epoch = max(1, len(train) // probe.batch_size)
    total_epochs = max(1, math.ceil(probe._auto_rows * budget_scale
                                    / (steps_per_epoch * probe.batch_size)))
    model = GANSampler(random_state=bt.SEED, warm_start=True)
    curve, done, setup_s = [], 0, None
    for fraction in CHECKPOINTS:
        target_epochs = max(1, round(fraction * total_epochs))
        if target_epochs <= done:
            continue
        model.set_params(epochs=target_epochs - done)
        started = time.perf_counter()
        model.fit(train)
        wall = time.perf_counter() - started
        chunk_epochs = sum(model.history_["epoch_time"][done:])
        # A fit stopped here pays the setup once (adapter, networks: the first chunk's
        # time beyond its epochs) and the after-training steps once (this chunk's).
        overhead = wall - chunk_epochs
        setup_s = overhead if setup_s is None else setup_s
        seconds = (sum(model.history_["epoch_time"]) + setup_s
                   + (overhead if done else 0.0))
        done = target_epochs
        rows = model.sample(len(train), random_state=bt.SEED + 1)
        curve.append({"epochs": done, "seconds": seconds,
                      **measure(rows, train, held_out, target, metadata)})
    return curve, total_epochs


def run_early_stopped(train, held_out, target, metadata, budget_scale):
    from skgan import GANSampler
    model = GANSampler(random_state=bt.SEED, early_stopping=True)
    if budget_scale != 1.0:
        steps_per_epoch = max(1, len(train) // model.batch_size)
        model.set_params(epochs=max(1, math.ceil(
            model._auto_rows * budget_scale / (steps_per_epoch * model.batch_size))))
    started = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - started
    rows = model.sample(len(train), random_state=bt.SEED + 1)
    return {"fit_s": fit_s, "epochs": model.n_iter_,
            "validation_s": float(np.nansum(model.history_["validation_time"])),
            "model": model, **measure(rows, train, held_out, target, metadata)}


def first_reaching(curve, quality):
    for point in curve:
        if point["quality"] >= quality:
            return point["seconds"]
    return None


def run_table(name, args):
    df = bt.load_table(name)
    target = bt.TARGETS[name]
    train, held_out = bt.split(df, target)
    metadata = bt.sdmetrics_metadata(train)
    print(f"\n## {name}: {len(train):,} train / {len(held_out):,} held-out rows, "
          f"{df.shape[1]} columns", flush=True)
    result = {"rows": len(train)}
    for method in ("ctgan", "tvae"):
        result[method] = run_peer(method, train, held_out, target, metadata, args.peer_epochs)
        print(f"  {bt.LABELS[method]}: fit {result[method]['fit_s']:.1f} s, quality "
              f"{result[method]['quality']:.3f}, F1 {result[method]['f1']:.3f}", flush=True)
    result["curve"], result["total_epochs"] = run_chunks(train, held_out, target, metadata,
                                                         args.budget_scale)
    for point in result["curve"]:
        print(f"  skgan after {point['epochs']:>5} epochs, {point['seconds']:6.1f} s: quality "
              f"{point['quality']:.3f}, F1 {point['f1']:.3f}", flush=True)
    result["early"] = run_early_stopped(train, held_out, target, metadata, args.budget_scale)
    early = result["early"]
    print(f"  skgan early_stopping=True: fit {early['fit_s']:.1f} s ({early['epochs']} of "
          f"{result['total_epochs']} epochs, checks {early['validation_s']:.1f} s), quality "
          f"{early['quality']:.3f}, F1 {early['f1']:.3f}", flush=True)
    return result


def verdicts(name, result):
    full = result["curve"][-1]
    to_tvae = first_reaching(result["curve"], result["tvae"]["quality"])
    to_ctgan = first_reaching(result["curve"], result["ctgan"]["quality"])
    early = result["early"]
    peer = "tvae" if result["rows"] >= 1000 else "ctgan"
    return {
        "to_tvae_s": to_tvae, "to_ctgan_s": to_ctgan,
        "tvae_third": to_tvae is not None and to_tvae <= result["tvae"]["fit_s"] / 3,
        "ctgan_tenth": to_ctgan is not None and to_ctgan <= result["ctgan"]["fit_s"] / 10,
        "early_time": early["fit_s"] <= result[peer]["fit_s"],
        "early_peer": peer,
        "early_quality": early["quality"] >= full["quality"] - 0.01,
        "early_f1": early["f1"] >= full["f1"] - 0.01,
    }


def _s(value):
    return "never" if value is None else f"{value:.1f}"


def print_summary(results):
    print("\n## Summary\n")
    print("| table | rows | CTGAN fit s / quality | TVAE fit s / quality | skgan full s / quality "
          "/ F1 | skgan s to TVAE's quality (<= 1/3 TVAE) | skgan s to CTGAN's (<= 1/10 "
          "CTGAN) | early stopping s / epochs / quality / F1 | early <= peer fit | "
          "early quality, F1 within 0.01 |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|---|---|")
    met = total = 0
    for name, r in results.items():
        v = verdicts(name, r)
        full, early = r["curve"][-1], r["early"]
        checks = [v["tvae_third"], v["ctgan_tenth"], v["early_time"],
                  v["early_quality"] and v["early_f1"]]
        met, total = met + sum(checks), total + len(checks)
        print(f"| {name} | {r['rows']:,} | {r['ctgan']['fit_s']:.1f} / {r['ctgan']['quality']:.3f}"
              f" | {r['tvae']['fit_s']:.1f} / {r['tvae']['quality']:.3f} | {full['seconds']:.1f} / "
              f"{full['quality']:.3f} / {full['f1']:.3f} | {_s(v['to_tvae_s'])} "
              f"{'PASS' if v['tvae_third'] else 'FAIL'} | {_s(v['to_ctgan_s'])} "
              f"{'PASS' if v['ctgan_tenth'] else 'FAIL'} | {early['fit_s']:.1f} / "
              f"{early['epochs']} / {early['quality']:.3f} / {early['f1']:.3f} | "
              f"{'PASS' if v['early_time'] else 'FAIL'} ({v['early_peer']}) | "
              f"{'PASS' if v['early_quality'] and v['early_f1'] else 'FAIL'} |")
    print(f"\n{met}/{total} targets met.")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(bt.TARGETS),
                        help=f"comma-separated, from {','.join(bt.TARGETS)}")
    parser.add_argument("--figure", default=None,
                        help="save the validation curve of the first table's early-stopped "
                             "fit here (e.g. docs/img/validation_curve.png)")
    parser.add_argument("--quick", action="store_true",
                        help="a tenth of skgan's schedule and 10 peer epochs (a smoke run)")
    args = parser.parse_args()
    args.tables = args.tables.split(",")
    bt.refuse_unknown_choices(parser, args.tables, list(bt.TARGETS), ["gan"])
    args.budget_scale = 0.1 if args.quick else 1.0
    args.peer_epochs = 10 if args.quick else None
    return args


def main():
    args = parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    import ctgan
    import sdmetrics
    import skgan
    bt.warm_up(["gan", "ctgan", "tvae"])
    print(f"skgan {skgan.__version__}, ctgan {ctgan.__version__}, sdmetrics "
          f"{sdmetrics.__version__}, torch {torch.__version__}, 1 thread; load average "
          f"{os.getloadavg()[0]:.1f}{'; QUICK' if args.quick else ''}")
    started = time.perf_counter()
    results = {name: run_table(name, args) for name in args.tables}
    print_summary(results)
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    if args.figure:
        import matplotlib
        matplotlib.use("Agg")
        from skgan.plotting import plot_validation_scores
        name = args.tables[0]
        ax = plot_validation_scores(results[name]["early"]["model"],
                                    title=f"GANSampler(early_stopping=True) on {name}")
        ax.figure.tight_layout()
        ax.figure.savefig(args.figure, dpi=110)
        print(f"Validation curve of {name} saved to {args.figure}.")


if __name__ == "__main__":
    main()
