"""The subcommands of ``skgan`` and their parser (``main``, which runs them, and its
error handling: :mod:`skgan.cli.entry`)."""

import argparse
import inspect
import math
import os
import secrets
import time
import warnings

from .. import GANSampler, WGANSampler
from ..adapters import TabularAdapter
from .files import CommandError, _check_writable, _error, _is_primary_process, _warn, \
    check_table_sampler, convert_pickle, read_model_file, save_model
from .rows import SAMPLE_CHUNK_ROWS, parse_conditions, sampled_tables, subsample_rows
from .table_writing import write_chunks
from .tables import is_parquet, read_table, require_pyarrow, with_dates_as_in
from ..exceptions import TrainingInterruptedWarning

ESTIMATORS = {"gan": GANSampler, "wgan": WGANSampler}

#: The demo fits the numeric columns of the CPS 1985 table while this is True; False
#: gives it the whole mixed-type table.
DEMO_NUMERIC_ONLY = False
#: The column the demo's ML efficacy check predicts.
DEMO_TARGET = "wage"

_INTERRUPTED = 130

# ---------------------------------------------------------------------- commands
def _fit(args):
    if args.output == "-":  # for `sample`, standard output; a model is a file
        raise CommandError("skgan fit writes a model file: give its name to -o (standard "
                           "output, '-', holds sampled rows only)")
    _check_writable(args.output, source=args.data)  # before training, not after
    if args.sample_rows is not None and args.random_state is None and \
            int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise CommandError("under torchrun, --sample-rows needs --random-state, so that "
                           "every process trains on the same subsample")
    table = read_table(args.data)
    training_rows = table
    if args.sample_rows is not None:
        training_rows = subsample_rows(table, args.sample_rows, args.random_state,
                                       source=args.data)
    settings = {"epochs": args.epochs, "batch_size": args.batch_size, "device": args.device}
    adapter_settings = {name: value for name, value in (
        ("max_condition_levels", args.max_condition_levels),
        ("min_frequency", args.min_frequency)) if value is not None}
    if args.discrete or args.continuous or adapter_settings:
        if adapter_settings.get("min_frequency") == 0:  # 0: pool nothing
            adapter_settings["min_frequency"] = None
        settings["adapter"] = TabularAdapter(discrete_columns=args.discrete,
                                             continuous_columns=args.continuous,
                                             **adapter_settings)
    model = ESTIMATORS[args.estimator](
        random_state=args.random_state, verbose=0 if args.quiet else 1,
        **{name: value for name, value in settings.items() if value is not None},
    )
    started = time.perf_counter()
    interrupted = _fit_reporting_interruption(model, training_rows)
    seconds = time.perf_counter() - started
    if not _is_primary_process():  # under torchrun, rank 0 alone writes and reports
        return _INTERRUPTED if interrupted else 0
    save_model(model, args.output, table.attrs.get("datetime_formats"))
    epochs = len(model.history_["epoch"])
    rows = (f"{len(training_rows)} rows" if len(training_rows) == len(table)
            else f"{len(training_rows)} of {len(table)} rows (a random subsample)")
    print(f"{type(model).__name__} fitted on {rows} x {table.shape[1]} columns "
          f"in {seconds:.1f} s ({epochs} epochs); saved to {args.output}")
    if interrupted:
        _error(f"interrupted: training stopped after epoch {epochs}; that model was saved")
        return _INTERRUPTED
    return 0


def _fit_reporting_interruption(model, table):
    """Fit ``model``; True when Ctrl-C stopped training after at least one epoch."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(table)
    interrupted = False
    for warning in caught:
        if issubclass(warning.category, TrainingInterruptedWarning):
            interrupted = True
        else:
            _warn(warning.message)
    return interrupted


def _sample(args):
    model, datetime_formats = read_model_file(args.model)
    check_table_sampler(model, args.model)
    writes_file = args.output not in (None, "-")
    if writes_file:
        _check_writable(args.output, source=args.model)  # before sampling, not after
        if is_parquet(args.output):
            require_pyarrow()
    # Without --random-state, new rows each call: the model file holds the random
    # stream it was saved with, so a seed is drawn from the operating system.
    options = {"random_state": (secrets.randbits(31) if args.random_state is None
                                else args.random_state)}
    if args.truncation is not None:
        options["truncation"] = args.truncation
    if args.condition:
        if "conditions" not in inspect.signature(model.sample).parameters:
            raise CommandError(f"{type(model).__name__} models cannot sample with "
                               "--condition (a mixed-type table model can)")
        options["conditions"] = parse_conditions(args.condition, model)
    chunks = sampled_tables(model, args.n_samples, SAMPLE_CHUNK_ROWS, **options)
    n_rows, n_columns = write_chunks(chunks, args.output, datetime_formats)
    if writes_file:
        print(f"wrote {n_rows} rows x {n_columns} columns to {args.output}")
    return 0


def _report(args):
    from ..evaluation.report import quality_report

    real = read_table(args.real)
    synthetic = with_dates_as_in(real, read_table(args.synthetic))
    holdout = with_dates_as_in(real, read_table(args.holdout)) if args.holdout else None
    for path, table in ((args.synthetic, synthetic), (args.holdout, holdout)):
        _check_same_columns(args.real, real, path, table)
    if args.target is not None and args.target not in real.columns:
        raise CommandError(f"--target: {args.real} has no column {args.target!r} (its "
                           f"columns: {', '.join(map(str, real.columns))})")
    # the holdout tests ML efficacy when there is a target; the privacy section below
    # needs none
    report = quality_report(real, synthetic, target=args.target,
                            holdout=holdout if args.target is not None else None,
                            task=args.task, random_state=args.random_state)
    privacy_lines = []
    if holdout is not None:  # measured before anything is printed: no half report
        from ..evaluation.disclosure import disclosure_lines, disclosure_report

        privacy_lines = ["", *disclosure_lines(disclosure_report(
            real, synthetic, holdout, random_state=args.random_state))]
    print(report.summary(n_pairs=args.pairs))
    if privacy_lines:
        print(*privacy_lines, sep="\n")
    return 0


def _check_same_columns(real_path, real, path, table):
    """A CommandError naming ``path`` when its ``table`` lacks columns of the real
    table or has others (None: no table to check)."""
    if table is None:
        return
    missing = [name for name in real.columns if name not in table.columns]
    extra = [name for name in table.columns if name not in real.columns]
    problems = ([f"lacks {', '.join(map(repr, missing))}"] if missing else []) + \
        ([f"has extra {', '.join(map(repr, extra))}"] if extra else [])
    if problems:
        raise CommandError(f"{path} does not have the columns of {real_path}: "
                           + "; ".join(problems))


def _demo(args):
    from sklearn.model_selection import train_test_split

    from ..datasets import load_cps1985
    from ..evaluation.comparison import compare_samples
    from ..evaluation.report import quality_report

    table = load_cps1985(numeric_only=DEMO_NUMERIC_ONLY)
    train, holdout = train_test_split(table, test_size=0.25, random_state=args.random_state)
    print(f"CPS 1985 wages: {len(train)} training rows, {len(holdout)} held out, "
          f"columns {list(table.columns)}")
    model = ESTIMATORS[args.estimator](random_state=args.random_state,
                                       verbose=0 if args.quiet else 1)
    started = time.perf_counter()
    model.fit(train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = model.sample(len(train), random_state=args.random_state)
    sample_seconds = time.perf_counter() - started
    print(f"{type(model).__name__}: fit {fit_seconds:.1f} s "
          f"({len(model.history_['epoch'])} epochs), sampled {len(synthetic)} rows in "
          f"{sample_seconds * 1000:.1f} ms")
    print()
    numeric = list(table.select_dtypes("number").columns)
    as_many_as_held_out = synthetic[numeric].iloc[:len(holdout)]
    print(compare_samples(train[numeric], holdout[numeric], as_many_as_held_out,
                          random_state=args.random_state).to_string())
    print()
    print(quality_report(train, synthetic, target=DEMO_TARGET, holdout=holdout,
                         random_state=args.random_state))
    return 0


# ---------------------------------------------------------------------- parsing
class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"skgan: error: {message} (see '{self.prog} --help')\n")


def _count(text):
    """A non-negative integer."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _seed(text):
    """A random state: an integer NumPy takes as a seed (0 to 2**32 - 1)."""
    value = _integer(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and {2**32 - 1}, got {value}")
    return value


def _positive(text):
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _integer_at_least_zero(text):
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not (value > 0) or math.isnan(value):  # inf: no threshold (as sample takes it)
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _epochs(text):
    if text == "auto":
        return text
    if not text.lstrip("+-").isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer or 'auto', got {text!r}")
    return _positive(text)


def _integer(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def build_parser():
    """The argument parser of the ``skgan`` command."""
    parser = _Parser(
        prog="skgan",
        description="Fit a GAN on a CSV or Parquet table, sample synthetic rows from it "
                    "and report how closely they follow the real ones.",
        epilog="Run 'skgan COMMAND --help' for a command's options.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_fit(commands)
    _add_sample(commands)
    _add_report(commands)
    _add_demo(commands)
    _add_convert(commands)
    return parser


def _add_fit(commands):
    fit = commands.add_parser(
        "fit", help="train a GAN on a CSV or Parquet table and save the model",
        description="Train a GAN on the rows of a CSV table (with a header line) or a "
                    "Parquet table (.parquet, .pq; needs pyarrow: pip install "
                    "'skgan[parquet]') and save the fitted estimator as a skgan model "
                    "file (JSON and safetensors in a zip: safe to share, nothing in it "
                    "runs code).",
    )
    fit.add_argument("data", help="table to learn from: CSV, or Parquet (.parquet, .pq)")
    fit.add_argument("-o", "--output", required=True, metavar="MODEL",
                     help="where to save the model, e.g. model.skgan")
    fit.add_argument("--estimator", choices=tuple(ESTIMATORS), default="gan",
                     help="gan: GANSampler (default); wgan: WGANSampler")
    fit.add_argument("--epochs", type=_epochs, metavar="N",
                     help="passes over the data (default: auto, about 640,000 rows "
                          "seen)")
    fit.add_argument("--batch-size", type=_positive, metavar="N",
                     help="rows per training step (default: 128 for gan, 512 for wgan)")
    fit.add_argument("--device", help="auto (default), cpu, cuda, cuda:N or mps")
    fit.add_argument("--random-state", type=_seed, metavar="N",
                     help="seed, for reproducible training")
    fit.add_argument("--sample-rows", type=_positive, metavar="N",
                     help="train on N rows drawn at random from the table (seeded by "
                          "--random-state), for a quick draft model of a table much "
                          "larger than N (the default schedule's steps do not shrink "
                          "with N)")
    fit.add_argument("--discrete", action="append", default=[], metavar="COLUMN",
                     help="treat this column as discrete: samples hold only its seen "
                          "values (repeatable; by default text columns, numbers with "
                          "at most 10 values and integer codes are)")
    fit.add_argument("--continuous", action="append", default=[], metavar="COLUMN",
                     help="treat this numeric or date column as continuous (repeatable)")
    fit.add_argument("--max-condition-levels", type=_positive, metavar="N",
                     help="train by sampling over discrete columns of at most N one-hot "
                          "units (default 100: ids and keys of more levels are left "
                          "out, and a --condition on them keeps the rows that hold the "
                          "level; a larger N asks the generator for them)")
    fit.add_argument("--min-frequency", type=_integer_at_least_zero, metavar="N",
                     help="in discrete columns of more than 20 levels, levels held by "
                          "fewer than N rows share one unit, drawn by their training "
                          "frequencies (default 20: the generator does not learn, and "
                          "cannot give away, which values go with them; 0 pools none)")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.set_defaults(handler=_fit)


def _add_convert(commands):
    convert = commands.add_parser(
        "convert", help="convert a pickled model of an earlier skgan to a model file",
        description="Read a model pickled by an earlier 'skgan fit' and write it as a "
                    "skgan model file. Unpickling runs whatever code the pickle holds: "
                    "convert only files you trust, and say so with --trust-pickle.",
    )
    convert.add_argument("old", help="the pickled model file")
    convert.add_argument("new", help="the model file to write, e.g. model.skgan")
    convert.add_argument("--trust-pickle", action="store_true",
                         help="required: confirms OLD comes from a source you trust")
    convert.set_defaults(handler=_convert)


def _convert(args):
    if not args.trust_pickle:
        raise CommandError("unpickling can run code: if you trust "
                           f"{args.old}, repeat with --trust-pickle")
    _check_writable(args.new, source=args.old)
    model = convert_pickle(args.old, args.new)
    print(f"converted {type(model).__name__} from {args.old} to {args.new}")
    return 0


def _add_sample(commands):
    sample = commands.add_parser(
        "sample", help="generate synthetic rows from a saved model as CSV or Parquet",
        description="Generate rows from a model saved by 'skgan fit' and write them as "
                    "CSV or Parquet with the training table's columns, "
                    f"{SAMPLE_CHUNK_ROWS:,} rows at a time: memory stays bounded however "
                    "many rows are asked for.",
    )
    sample.add_argument("model", help="model file saved by 'skgan fit'")
    sample.add_argument("-n", "--n-samples", type=_count, required=True, metavar="N",
                        help="number of rows to generate")
    sample.add_argument("-o", "--output", metavar="FILE",
                        help="file to write: Parquet for .parquet or .pq (needs pyarrow), "
                             "else CSV; default, or '-': CSV on standard output")
    sample.add_argument("--random-state", type=_seed, metavar="N",
                        help="seed: the same rows every time")
    sample.add_argument("--condition", action="append", default=[], metavar="COLUMN=VALUE",
                        help="generate rows with this value in a discrete column "
                             "(repeatable; mixed-type table models); COLUMN= asks for "
                             "rows where it is missing")
    sample.add_argument("--truncation", type=_positive_float, metavar="T",
                        help="draw latent values beyond T again (the truncation trick): "
                             "smaller T, rows nearer the model's modes, less diverse")
    sample.set_defaults(handler=_sample)


def _add_report(commands):
    report = commands.add_parser(
        "report", help="compare a synthetic table with the real one (CSV or Parquet)",
        description="Score how closely a synthetic table follows a real one (1 = "
                    "perfectly): the shape of each column, the trend of each pair of "
                    "columns and, with --target, how well a model trained on synthetic "
                    "rows predicts real ones. With --holdout, a privacy section too: "
                    "how close the synthetic rows come to the real ones, beside what "
                    "held-out real rows score.",
    )
    report.add_argument("real", help="table of real rows: CSV, or Parquet (.parquet, .pq)")
    report.add_argument("synthetic", help="table of synthetic rows, same columns")
    report.add_argument("--target", metavar="COLUMN",
                        help="column to predict for the ML efficacy check")
    report.add_argument("--task", choices=("auto", "classification", "regression"),
                        default="auto",
                        help="how the ML efficacy check predicts --target (default: auto, "
                             "classification of text, categories and booleans, regression "
                             "of numbers)")
    report.add_argument("--holdout", metavar="TABLE",
                        help="real rows the generator never saw: the ML efficacy models "
                             "are tested on them (default: a quarter of the real rows), "
                             "and the privacy section compares with them")
    report.add_argument("--pairs", type=_count, default=5, metavar="N",
                        help="weakest column pairs to list (default: 5)")
    report.add_argument("--random-state", type=_seed, default=0, metavar="N",
                        help="seed of the ML efficacy models (default: 0)")
    report.set_defaults(handler=_report)


def _add_demo(commands):
    demo = commands.add_parser(
        "demo", help="fit a GAN on a table shipped with skgan and report its quality",
        description="Fit a GAN on three quarters of the CPS 1985 wage table shipped with "
                    "skgan, sample as many rows as were held out, and compare them.",
    )
    demo.add_argument("--estimator", choices=tuple(ESTIMATORS), default="gan",
                      help="gan: GANSampler (default); wgan: WGANSampler")
    demo.add_argument("--random-state", type=_seed, default=0, metavar="N",
                      help="seed (default: 0)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(handler=_demo)
