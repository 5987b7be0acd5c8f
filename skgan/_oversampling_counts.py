"""How many rows of each class an over-sampler adds, with imbalanced-learn's meanings.

``sampling_strategy`` is read as imbalanced-learn's over-samplers read it, written
here from their documented meaning so skgan needs no imbalanced-learn at run time:

- ``"minority"``: the smallest class; ``"not minority"``, ``"not majority"`` (also
  ``"auto"``) and ``"all"``: the classes the name says. Each chosen class grows to
  the size of the largest class.
- a float in (0, 1]: binary targets only; the minority class grows to
  ``ratio * n_majority`` rows.
- a dict ``{class: rows wanted after resampling}``.
- a callable ``f(y) -> dict`` of the same kind.
"""

from numbers import Real

import numpy as np

STRATEGY_NAMES = ("auto", "minority", "not minority", "not majority", "all")


def rows_to_add(y, sampling_strategy):
    """Rows to generate per class, as a dict sorted by class.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class labels.
    sampling_strategy : str, float, dict or callable
        See the module docstring.

    Returns
    -------
    rows : dict
        ``{class: number of rows to add}`` for each class the strategy targets.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0] * 6 + [1] * 3 + [2])
    >>> rows_to_add(y, "auto")
    {1: 3, 2: 5}
    >>> rows_to_add(y, {2: 4})
    {2: 3}
    """
    classes, counts = np.unique(y, return_counts=True)
    classes = classes.tolist()
    count_of = dict(zip(classes, counts.tolist()))
    majority = classes[int(np.argmax(counts))]
    minority = classes[int(np.argmin(counts))]
    if isinstance(sampling_strategy, str):
        return _named(sampling_strategy, count_of, majority, minority)
    if isinstance(sampling_strategy, Real) and not isinstance(sampling_strategy, bool):
        return _ratio(float(sampling_strategy), count_of, majority)
    if callable(sampling_strategy):
        wanted = sampling_strategy(y)
        if not isinstance(wanted, dict):
            raise TypeError(
                "A callable sampling_strategy must return a dict {class: rows wanted}; "
                f"got {type(wanted).__name__}."
            )
        return _wanted_sizes(wanted, count_of)
    if isinstance(sampling_strategy, dict):
        return _wanted_sizes(sampling_strategy, count_of)
    raise TypeError(
        "sampling_strategy must be one of "
        f"{STRATEGY_NAMES}, a float, a dict or a callable; got {sampling_strategy!r}."
    )


def _named(name, count_of, majority, minority):
    chosen = {
        "minority": [minority],
        "not minority": [c for c in count_of if c != minority],
        "not majority": [c for c in count_of if c != majority],
        "auto": [c for c in count_of if c != majority],
        "all": list(count_of),
    }
    if name not in chosen:
        raise ValueError(f"sampling_strategy must be one of {STRATEGY_NAMES}; got {name!r}.")
    largest = count_of[majority]
    return {c: largest - count_of[c] for c in sorted(chosen[name])}


def _ratio(ratio, count_of, majority):
    if len(count_of) != 2:
        raise ValueError(
            "A float sampling_strategy is only for binary targets; y has "
            f"{len(count_of)} classes. Use a dict or a callable instead."
        )
    if not 0 < ratio <= 1:
        raise ValueError(f"A float sampling_strategy must be in (0, 1]; got {ratio}.")
    (other,) = [c for c in count_of if c != majority]
    wanted = int(ratio * count_of[majority])
    if wanted < count_of[other]:
        raise ValueError(
            f"sampling_strategy={ratio} asks for {wanted} rows of class {other!r}, which "
            f"has {count_of[other]} already; an over-sampler cannot remove rows."
        )
    return {other: wanted - count_of[other]}


def _wanted_sizes(wanted, count_of):
    rows = {}
    for label, size in wanted.items():
        matches = [c for c in count_of if c == label]
        if not matches:
            raise ValueError(
                f"sampling_strategy names class {label!r}, which is not in y "
                f"(classes: {sorted(count_of)})."
            )
        (label,) = matches
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"The row count for class {label!r} must be an int; got {size!r}.")
        if size < count_of[label]:
            raise ValueError(
                f"sampling_strategy asks for {size} rows of class {label!r}, which has "
                f"{count_of[label]} already; an over-sampler cannot remove rows."
            )
        rows[label] = int(size) - count_of[label]
    return dict(sorted(rows.items()))
