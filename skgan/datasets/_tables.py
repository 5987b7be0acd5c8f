"""Small real tables shipped inside the package."""

from importlib import resources

import pandas as pd

_NUMERIC_COLUMNS = ["wage", "education", "experience", "age"]


def load_cps1985(numeric_only=False):
    """The 1985 Current Population Survey table (534 workers, 11 columns).

    From the R package AER (``CPS1985``), via the Rdatasets collection: hourly wage,
    years of education and experience, age, and seven categorical traits.

    Parameters
    ----------
    numeric_only : bool, default=False
        Keep only the numeric columns ``wage``, ``education``, ``experience`` and
        ``age``.

    Returns
    -------
    frame : pandas.DataFrame

    Examples
    --------
    >>> from skgan.datasets import load_cps1985
    >>> load_cps1985(numeric_only=True).shape
    (534, 4)
    """
    with resources.files(__package__).joinpath("data", "cps1985.csv").open("rb") as handle:
        frame = pd.read_csv(handle)
    return frame[_NUMERIC_COLUMNS].copy() if numeric_only else frame
