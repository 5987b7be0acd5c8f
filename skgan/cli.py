"""The ``skgan`` command line."""

import argparse
import sys
import time



def _demo(args):
    from sklearn.model_selection import train_test_split

    from . import GANSampler, WGANSampler
    from .datasets import load_cps1985
    from .evaluation import compare_samples

    table = load_cps1985(numeric_only=True)
    train, holdout = train_test_split(table, test_size=0.25, random_state=args.random_state)
    print(f"CPS 1985 wages: {len(train)} training rows, {len(holdout)} held out, "
          f"columns {list(table.columns)}")
    estimator_class = {"gan": GANSampler, "wgan": WGANSampler}[args.estimator]
    model = estimator_class(random_state=args.random_state, verbose=args.verbose)
    started = time.perf_counter()
    model.fit(train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = model.sample(len(holdout), random_state=args.random_state)
    sample_seconds = time.perf_counter() - started
    print(f"{estimator_class.__name__}: fit {fit_seconds:.1f} s "
          f"({len(model.history_['epoch'])} epochs), sampled {len(synthetic)} rows in "
          f"{sample_seconds * 1000:.1f} ms")
    print()
    report = compare_samples(train, holdout, synthetic, random_state=args.random_state)
    print(report.to_string())
    return 0


def build_parser():
    """The argument parser of the ``skgan`` command."""
    parser = argparse.ArgumentParser(prog="skgan", description="scikit-learn-style GANs.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="fit a GAN on a table shipped with skgan and report its quality"
    )
    demo.add_argument("--estimator", choices=("gan", "wgan"), default="gan")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--verbose", type=int, default=0)
    demo.set_defaults(handler=_demo)
    return parser


def main(argv=None):
    """Entry point of the ``skgan`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (OSError, ValueError, TypeError) as error:
        print(f"skgan: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
