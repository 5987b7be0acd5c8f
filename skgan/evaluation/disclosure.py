"""The privacy section of ``skgan report``: disclosure measures beside real rows' own."""

import warnings

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ..metrics._table_values import _check_tables
from ..metrics.privacy import (
    DENSITY_MIN_HOLDOUT,
    distance_to_closest_record,
    exact_match_rate,
    membership_inference,
)

def disclosure_report(train, synthetic, holdout, random_state=0):
    """Disclosure measures of ``synthetic`` beside what held-out real rows score.

    Held-out real rows are what a generator that learned the population and nothing of
    its training rows would produce: half of them stand in for the synthetic rows, the
    other half serve as their held-out rows. Every measure is in
    :mod:`skgan.metrics.privacy`.

    Parameters
    ----------
    train, synthetic, holdout : DataFrame
        The rows the generator was fitted on, its rows, real rows it never saw (at
        least 7).
    random_state : int, default=0
        Seeds the halves of ``holdout`` and the measures.

    Returns
    -------
    report : DataFrame
        One row per measure; columns "synthetic" and "held-out real".

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skgan.evaluation import disclosure_report
    >>> rng = np.random.RandomState(0)
    >>> table = lambda n: pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b"], n)})
    >>> train, holdout = table(200), table(200)
    >>> report = disclosure_report(train, train.copy(), holdout)  # a generator that copies
    >>> float(report.loc["exact matches with training rows", "synthetic"])
    1.0
    """
    # Checked here, the tables are named as the caller named them.
    train, synthetic = _check_tables(train, synthetic, names=("train", "synthetic"))
    train, holdout = _check_tables(train, holdout, names=("train", "holdout"))
    # The held-out real rows' own measures get the larger half of them as theirs, and
    # the density attack needs DENSITY_MIN_HOLDOUT such rows.
    needed = 2 * DENSITY_MIN_HOLDOUT - 1
    if len(holdout) < needed:
        raise ValueError(f"The privacy measures need at least {needed} held-out rows, got "
                         f"{len(holdout)}.")
    _warn_if_holdout_is_training(train, holdout)
    rng = check_random_state(random_state)
    order = rng.permutation(len(holdout))
    stand_in = holdout.iloc[order[: len(holdout) // 2]]
    their_holdout = holdout.iloc[order[len(holdout) // 2:]]
    seed = int(rng.randint(np.iinfo(np.int32).max))
    return pd.DataFrame({
        "synthetic": _measures(train, synthetic, holdout, seed),
        "held-out real": _measures(train, stand_in, their_holdout, seed),
    })


#: Share of held-out rows equal to a training row beyond which the report warns.
HOLDOUT_OVERLAP_WARNING = 0.5


def _warn_if_holdout_is_training(train, holdout):
    """A UserWarning when most ``holdout`` rows are training rows (the training table
    passed as the holdout): every measure would then read as no leakage at all. A table
    of few distinct rows (a few categorical columns) repeats its rows anyway: the
    warning needs twice the share of one random half of the training rows found in the
    other."""
    overlap = exact_match_rate(train, holdout)
    if overlap <= HOLDOUT_OVERLAP_WARNING:
        return
    order = np.random.RandomState(0).permutation(len(train))
    half = len(train) // 2
    chance = exact_match_rate(train.iloc[order[:half]], train.iloc[order[half:]])
    if overlap > 2 * chance:
        warnings.warn(
            f"{overlap:.0%} of the held-out rows are rows of the training table; held-out "
            "rows must be real rows the generator never saw, or every privacy measure "
            "reads as no leakage (was the training table passed as the holdout?).",
            UserWarning, stacklevel=3)


def _measures(train, rows, holdout, seed):
    dcr = distance_to_closest_record(train, rows, holdout, random_state=seed)
    return {
        "exact matches with training rows": exact_match_rate(train, rows),
        "median distance to closest training row": float(np.median(dcr.distances)),
        "share closer to training than held-out rows": dcr.share_closer_to_train,
        "overfitting protection (1 = no overfitting)": dcr.overfitting_protection,
        "median distance over held-out rows' median": dcr.holdout_ratio,
        "membership attack AUC, distance": membership_inference(
            train, holdout, rows, random_state=seed),
        "membership attack AUC, density ratio": membership_inference(
            train, holdout, rows, attack="density", random_state=seed),
    }


def disclosure_lines(report):
    """The report as the lines ``skgan report`` prints."""
    return [
        "Privacy: how close the synthetic rows come to the training rows, beside half",
        "of the held-out real rows measured the same way against the other half",
        "(skgan.metrics.privacy; an AUC of 0.5 and a ratio of 1 leak nothing)",
        report.to_string(float_format="{:.3f}".format),
    ]
