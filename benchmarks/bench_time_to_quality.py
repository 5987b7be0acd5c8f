"""Quality per second: how soon skgan's default fit reaches CTGAN's and TVAE's final quality,
and what early stopping saves.

For every development table (benchmarks/data), in one run and one torch thread each:

- CTGAN and TVAE fitted with their defaults: fit seconds, sdmetrics quality and the macro F1
  of a classifier trained on their rows (as benchmarks/bench_tabular.py measures them);
- skgan's GANSampler with its defaults, trained in warm-started chunks that add up to the
  default schedule (``epochs="auto"``); after each chunk, quality and F1 of its rows
  against the cumulative training seconds (the adapter's fit included; sampling and
  measuring not);
- the same default fit, plain, with further seeds (``--seeds``): the full schedule's quality
  and F1 are means over the seeds (seed 0's from its last chunk), as one fit's F1 moves
  by 0.05 and more between seeds;
- GANSampler with ``early_stopping=True``, one fit per seed and way of validating
  (``--early``): "held-out" (the default: a tenth of the rows held out, scored by the
  estimator's own MMD), "training" (``validation_fraction=None``: every row trains and
  the training rows are scored) and "training-quality" (the same, scored by the mean of
  column shapes and pair trends of 2,000 generated rows, ``skgan.evaluation``'s
  recomputation of the sdmetrics report): seconds, epochs run, quality and F1, means
  over the seeds.

Final qualities and F1s (the peers', the full schedule's, the early-stopped fits') are
means over ``--draws`` samples of ``len(train)`` rows each (10 by default, fewer where
that passes 20,000 rows): one draw's quality moves by as much as another seed's fit.

It prints, per table, the seconds skgan needed to reach TVAE's and CTGAN's final quality
and the targets of the issue: at most a third of TVAE's fit time and a tenth of CTGAN's;
the early-stopped fit no longer than TVAE's whole fit on tables of 1,000 rows or more
(CTGAN's on smaller ones), with quality and F1 within 0.01 of the full schedule's (means
over the seeds).

Usage: python benchmarks/bench_time_to_quality.py [--tables census,mpg] [--seeds 3]
[--early held-out,training,training-quality] [--draws 10] [--count-from 0.3] [--quick]
Needs ``pip install -e ".[benchmark]"`` (ctgan, sdmetrics).
"""

import argparse
import math
import os
import time

import numpy as np
import torch

import bench_tabular as bt

#: Fractions of the default schedule after which the chunked fit is measured.
#: Every hundredth up to a tenth: the first seconds decide the time to a peer's quality.
CHECKPOINTS = (0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45,
               0.65, 1.0)


#: Evaluated rows per fitted model at most (``--draws`` fewer draws on big tables).
MAX_EVALUATED_ROWS = 20_000


def measure(rows, train, held_out, target, metadata):
    return {"quality": bt.quality(rows, train, metadata)["quality"],
            "f1": bt.ml_efficacy(rows, held_out, target)["f1"]}


def n_draws(draws, train):
    """Draws of ``len(train)`` rows a fitted model is measured on: ``draws``, fewer
    where that would pass :data:`MAX_EVALUATED_ROWS` rows (at least one)."""
    return max(1, min(draws, MAX_EVALUATED_ROWS // len(train)))


def draw_measures(sample, draws, train, held_out, target, metadata):
    """Quality and F1 of each draw in ``draws`` (a range of draw numbers), ``sample(seed)``
    drawing draw ``d`` with seed ``SEED + 1 + d``."""
    return [measure(sample(bt.SEED + 1 + draw), train, held_out, target, metadata)
            for draw in draws]


def mean_measure(measured):
    """The mean quality and F1 of :func:`draw_measures`' list."""
    return {key: float(np.mean([one[key] for one in measured])) for key in ("quality", "f1")}


def measure_draws(sample, draws, train, held_out, target, metadata):
    """Quality and F1 of a fitted model: means over ``draws`` samples of ``len(train)``
    rows, ``sample(seed)`` drawing each with its own seed.

    One draw of a few hundred rows moves sdmetrics' quality by 0.006-0.013 and the F1
    by 0.035-0.06 between seeds of the *same* fitted model (session 47, census, cps1985
    and mpg): as much as fits of different seeds differ, so comparisons within 0.01
    need the mean of several.
    """
    return mean_measure(draw_measures(sample, range(draws), train, held_out, target,
                                      metadata))


def run_peer(method, train, held_out, target, metadata, epochs, draws):
    model = bt.make_model(method, epochs)
    started = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - started
    return {"fit_s": fit_s, **measure_draws(lambda seed: model.sample(len(train), seed=seed),
                                            draws, train, held_out, target, metadata)}


#: A chunk whose one draw scores this close to a peer's quality is measured on
#: ``--draws`` draws: one draw's noise (0.006-0.013) could otherwise decide which chunk
#: first reaches it.
NEAR_PEER = 0.015


def run_chunks(train, held_out, target, metadata, budget_scale, draws, peer_qualities=()):
    """GANSampler's default schedule in warm-started chunks: a curve of (seconds, quality,
    F1) after each chunk: one draw of rows, ``draws`` for the last chunk (the full
    schedule) and for a chunk whose draw lands within :data:`NEAR_PEER` of one of
    ``peer_qualities``."""
    from skgan import GANSampler
    probe = GANSampler(random_state=bt.SEED)
    steps_per_epoch = max(1, len(train) // probe.batch_size)
    total_epochs = max(1, math.ceil(probe._auto_rows * budget_scale
                                    / (steps_per_epoch * probe.batch_size)))
    model = GANSampler(random_state=bt.SEED, warm_start=True)
    timed = time_steps(model, ("_prepare_training", "_finish_training",
                               "_fit_to_trained_networks"))
    curve, done, trained_s = [], 0, 0.0
    for fraction in CHECKPOINTS:
        target_epochs = max(1, round(fraction * total_epochs))
        if target_epochs <= done:
            continue
        model.set_params(epochs=target_epochs - done)
        for calls in timed.values():
            calls.clear()
        started = time.perf_counter()
        model.fit(train)
        wall = time.perf_counter() - started
        finishing = sum(timed["_finish_training"]) + sum(timed["_fit_to_trained_networks"])
        # A fit stopped here pays its setup once (the first chunk's preparation of the
        # adapter, the rows and the networks), every epoch of every chunk, and the
        # after-training steps (level calibration, the latent encoder) once: this
        # chunk's. A later chunk's preparation (the rows checked and encoded again) and
        # earlier chunks' after-training steps are the chunking's cost, not a fit's.
        trained_s += wall - finishing - (sum(timed["_prepare_training"]) if done else 0.0)
        seconds = trained_s + finishing
        done = target_epochs

        def sample(seed):
            return model.sample(len(train), random_state=seed)
        measured = draw_measures(sample, range(1), train, held_out, target, metadata)
        near_peer = any(abs(measured[0]["quality"] - quality) <= NEAR_PEER
                        for quality in peer_qualities)
        if done == total_epochs or near_peer:  # the first draw kept, the others added
            measured += draw_measures(sample, range(1, draws), train, held_out, target,
                                      metadata)
        curve.append({"epochs": done, "seconds": seconds, **mean_measure(measured)})
    return curve, total_epochs


def time_steps(model, names):
    """``{name: list}``: each list collects the seconds of every call of ``model``'s
    method ``name`` (its after-training steps, say)."""
    seconds = {}
    for name in names:
        calls = seconds[name] = []

        def timed(*args, _step=getattr(model, name), _calls=calls, **kwargs):
            started = time.perf_counter()
            try:
                return _step(*args, **kwargs)
            finally:
                _calls.append(time.perf_counter() - started)
        setattr(model, name, timed)
    return seconds


def fit_default(train, held_out, target, metadata, budget_scale, seed, draws=1, **params):
    """One plain fit of GANSampler's default schedule (scaled by ``budget_scale``) with
    ``params``: the model, its fit seconds and its rows' quality and F1 (means over
    ``draws`` samples)."""
    from skgan import GANSampler
    model = GANSampler(random_state=seed, **params)
    if budget_scale != 1.0:
        steps_per_epoch = max(1, len(train) // model.batch_size)
        model.set_params(epochs=max(1, math.ceil(
            model._auto_rows * budget_scale / (steps_per_epoch * model.batch_size))))
    started = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - started
    return model, fit_s, measure_draws(
        lambda draw_seed: model.sample(len(train), random_state=draw_seed), draws, train,
        held_out, target, metadata)


def run_full(train, held_out, target, metadata, budget_scale, seed, draws):
    """The default schedule with another seed."""
    _, fit_s, measured = fit_default(train, held_out, target, metadata, budget_scale, seed,
                                     draws)
    return {"seconds": fit_s, "seed": seed, **measured}


def tabular_quality_scorer(n_generated=2_000):
    """``scorer(estimator, X)``: the mean of the column-shape and pair-trend scores of
    ``n_generated`` rows against ``X`` (skgan.evaluation's sdmetrics-style report)."""
    from skgan.evaluation import column_shapes, pair_trends

    def quality_score(estimator, X, y=None):
        rows = estimator.sample(n_generated, random_state=0)
        return 0.5 * (column_shapes(X, rows)["score"].mean()
                      + pair_trends(X, rows)["score"].mean())
    return quality_score


#: Ways of validating an early-stopped fit: GANSampler parameters.
EARLY_STOPPING = {
    "held-out": lambda: {},
    "training": lambda: {"validation_fraction": None},
    "training-quality": lambda: {"validation_fraction": None,
                                 "validation_scoring": tabular_quality_scorer()},
}


def run_early_stopped(train, held_out, target, metadata, budget_scale, way="held-out",
                      seed=bt.SEED, draws=1):
    model, fit_s, measured = fit_default(train, held_out, target, metadata, budget_scale,
                                         seed, draws, early_stopping=True,
                                         **EARLY_STOPPING[way]())
    return {"fit_s": fit_s, "epochs": model.n_iter_, "seed": seed,
            "validation_s": float(np.nansum(model.history_["validation_time"])),
            "model": model, **measured}


def mean_of(runs, keys=("fit_s", "epochs", "validation_s", "quality", "f1", "seconds")):
    """The mean of each of ``keys`` over ``runs`` (those they hold)."""
    return {key: float(np.mean([run[key] for run in runs])) for key in keys
            if all(key in run for run in runs)}


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
    draws = n_draws(args.draws, train)
    result = {"rows": len(train), "draws": draws}
    print(f"  final quality and F1: means over {draws} draw(s) of {len(train):,} rows",
          flush=True)
    for method in ("ctgan", "tvae"):
        result[method] = run_peer(method, train, held_out, target, metadata, args.peer_epochs,
                                  draws)
        print(f"  {bt.LABELS[method]}: fit {result[method]['fit_s']:.1f} s, quality "
              f"{result[method]['quality']:.3f}, F1 {result[method]['f1']:.3f}", flush=True)
    result["curve"], result["total_epochs"] = run_chunks(
        train, held_out, target, metadata, args.budget_scale, draws,
        [result[method]["quality"] for method in ("ctgan", "tvae")])
    for point in result["curve"]:
        print(f"  skgan after {point['epochs']:>5} epochs, {point['seconds']:6.1f} s: quality "
              f"{point['quality']:.3f}, F1 {point['f1']:.3f}", flush=True)
    result["full_runs"] = [{**result["curve"][-1], "seed": bt.SEED}]
    for seed in args.seeds[1:]:
        run = run_full(train, held_out, target, metadata, args.budget_scale, seed, draws)
        result["full_runs"].append(run)
        print(f"  skgan full schedule, seed {seed}: fit {run['seconds']:.1f} s, quality "
              f"{run['quality']:.3f}, F1 {run['f1']:.3f}", flush=True)
    result["full"] = mean_of(result["full_runs"])
    result["early"] = {}
    for way in args.early:
        runs = []
        for seed in args.seeds:
            run = run_early_stopped(train, held_out, target, metadata, args.budget_scale,
                                    way, seed, draws)
            runs.append(run)
            print(f"  skgan early_stopping=True, {way}, seed {seed}: fit {run['fit_s']:.1f} s "
                  f"({run['epochs']} of {result['total_epochs']} epochs, checks "
                  f"{run['validation_s']:.1f} s), quality {run['quality']:.3f}, F1 "
                  f"{run['f1']:.3f}", flush=True)
        result["early"][way] = {"runs": runs, **mean_of(runs)}
    return result


def verdicts(name, result, way):
    full = result["full"]
    to_tvae = first_reaching(result["curve"], result["tvae"]["quality"])
    to_ctgan = first_reaching(result["curve"], result["ctgan"]["quality"])
    early = result["early"][way]
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


def _verdict(passed):
    return "PASS" if passed else "FAIL"


def print_summary(results, ways, n_seeds):
    print(f"\n## Summary (skgan's full schedule and early-stopped fits: means over {n_seeds} "
          "seed(s); the time marks from seed 0's chunked fit)\n")
    print("| table | rows | CTGAN fit s / quality | TVAE fit s / quality | skgan full s / quality "
          "/ F1 | skgan s to TVAE's quality (<= 1/3 TVAE) | skgan s to CTGAN's (<= 1/10 "
          "CTGAN) |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    marks = {}
    for name, r in results.items():
        v = verdicts(name, r, ways[0])
        full = r["full"]
        marks[name] = [v["tvae_third"], v["ctgan_tenth"]]
        print(f"| {name} | {r['rows']:,} | {r['ctgan']['fit_s']:.1f} / {r['ctgan']['quality']:.3f}"
              f" | {r['tvae']['fit_s']:.1f} / {r['tvae']['quality']:.3f} | {full['seconds']:.1f} / "
              f"{full['quality']:.3f} / {full['f1']:.3f} | {_s(v['to_tvae_s'])} "
              f"{_verdict(v['tvae_third'])} | {_s(v['to_ctgan_s'])} {_verdict(v['ctgan_tenth'])} |")
    print("\n| table | validation | early stopping s / epochs / quality / F1 | early <= peer fit "
          "| quality within 0.01 | F1 within 0.01 |")
    print("|---|---|--:|---|---|---|")
    for way in ways:
        met = total = 0
        for name, r in results.items():
            v = verdicts(name, r, way)
            early = r["early"][way]
            checks = marks[name] + [v["early_time"], v["early_quality"] and v["early_f1"]]
            met, total = met + sum(checks), total + len(checks)
            print(f"| {name} | {way} | {early['fit_s']:.1f} / {early['epochs']:.0f} / "
                  f"{early['quality']:.3f} / {early['f1']:.3f} | {_verdict(v['early_time'])} "
                  f"({v['early_peer']}) | {_verdict(v['early_quality'])} | "
                  f"{_verdict(v['early_f1'])} |")
        print(f"| {met}/{total} targets met with {way} validation | | | | | |")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=None,
                        help=f"comma-separated, from {','.join(bt.TARGETS)} (default: all; "
                             "--quick: census,mpg)")
    parser.add_argument("--figure", default=None,
                        help="save the validation curve of the first table's early-stopped "
                             "fit here (e.g. docs/img/validation_curve.png)")
    parser.add_argument("--quick", action="store_true",
                        help="a tenth of skgan's schedule and 10 peer epochs (a smoke run)")
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds of skgan's full and early-stopped fits (means are compared)")
    parser.add_argument("--draws", type=int, default=10,
                        help="samples of len(train) rows each final quality and F1 is the "
                             f"mean of (fewer past {MAX_EVALUATED_ROWS:,} rows; the chunks' "
                             "curve: one)")
    parser.add_argument("--count-from", type=float, default=None,
                        help="a probe: count early stopping's checks from this share of "
                             "the schedule instead of skgan's PATIENCE_FROM_SHARE")
    parser.add_argument("--early", default=",".join(EARLY_STOPPING),
                        help=f"ways of validating, from {','.join(EARLY_STOPPING)}")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if args.draws < 1:
        parser.error("--draws must be at least 1")
    if args.count_from is not None and not (math.isfinite(args.count_from)
                                            and 0 <= args.count_from <= 1):
        parser.error("--count-from must be a share of the schedule, from 0 to 1")
    args.early = args.early.split(",")
    unknown = sorted(set(args.early) - set(EARLY_STOPPING))
    if unknown:
        parser.error(f"unknown --early {', '.join(unknown)}; choose from "
                     f"{', '.join(EARLY_STOPPING)}")
    args.seeds = [bt.SEED + i for i in range(args.seeds)]
    args.tables = (args.tables or ("census,mpg" if args.quick
                                   else ",".join(bt.TARGETS))).split(",")
    bt.refuse_unknown_choices(parser, args.tables, list(bt.TARGETS), ["gan"])
    args.budget_scale = 0.1 if args.quick else 1.0
    args.peer_epochs = 10 if args.quick else None
    return args


def main():
    args = parse_args()
    if args.count_from is not None:
        from skgan._engine import early_stopping
        early_stopping.PATIENCE_FROM_SHARE = args.count_from
    bt.quiet_warnings()
    torch.set_num_threads(1)
    import ctgan
    import sdmetrics
    import skgan
    bt.warm_up(["gan", "ctgan", "tvae"])
    probe = ("" if args.count_from is None
             else f"; checks counted from {args.count_from:g} of the schedule")
    print(f"skgan {skgan.__version__}, ctgan {ctgan.__version__}, sdmetrics "
          f"{sdmetrics.__version__}, torch {torch.__version__}, 1 thread; load average "
          f"{os.getloadavg()[0]:.1f}{'; QUICK' if args.quick else ''}"
          f"; final figures over up to {args.draws} draws{probe}")
    started = time.perf_counter()
    results = {name: run_table(name, args) for name in args.tables}
    print_summary(results, args.early, len(args.seeds))
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    if args.figure:
        import matplotlib
        matplotlib.use("Agg")
        from skgan.plotting import plot_validation_scores
        name = args.tables[0]
        ax = plot_validation_scores(results[name]["early"][args.early[0]]["runs"][0]["model"],
                                    title=f"GANSampler(early_stopping=True) on {name}")
        ax.figure.tight_layout()
        ax.figure.savefig(args.figure, dpi=110)
        print(f"Validation curve of {name} saved to {args.figure}.")


if __name__ == "__main__":
    main()
