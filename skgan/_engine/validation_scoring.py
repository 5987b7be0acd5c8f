"""What early stopping's ``validation_scoring`` may be: a scorer ``f(estimator, X[,
y])`` whose greater values are better, refused before training when it is a metric of
two samples or calls a method the estimator lacks."""

import inspect

from ..metrics.scorers import SCORERS


def refuse_metric_functions(scoring):
    """A metric of two samples from ``skgan.metrics`` (``c2st(X_real, X_fake)``) passed
    where a scorer ``f(estimator, X)`` belongs: a TypeError before training, not one
    from inside the metric after the first epoch."""
    if not (inspect.isfunction(scoring)
            and getattr(scoring, "__module__", "").startswith("skgan.metrics")):
        return
    first = next(iter(inspect.signature(scoring).parameters), "")
    if first == "estimator":
        return
    name = scoring.__name__
    how = (f"its name, validation_scoring={name!r}, or "
           f"skgan.metrics.make_sample_scorer({name!r})" if name in SCORERS
           else "a scorer made with skgan.metrics.make_sample_scorer")
    raise TypeError(
        f"validation_scoring=skgan.metrics.{name} is a metric of two samples "
        f"({name}(real, fake)), not a scorer f(estimator, X) whose greater values are "
        f"better; pass {how}.")


def refuse_scorers_of_missing_methods(scoring, estimator):
    """A scikit-learn scorer (``make_scorer(accuracy_score)``) that calls a method the
    estimator lacks (``predict``): a TypeError before training, not an AttributeError
    at the first check, after the epochs before it."""
    methods = getattr(scoring, "_response_method", None)
    if methods is None:
        return
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    if any(callable(getattr(estimator, method, None)) for method in methods):
        return
    raise TypeError(
        f"validation_scoring={scoring!r} calls the estimator's "
        f"{' or '.join(methods)}, which {type(estimator).__name__} does not have; pass a "
        "scorer of its samples (a name from skgan.metrics.SCORERS, "
        "skgan.metrics.make_sample_scorer) or a callable scorer(estimator, X).")


def takes_y(scoring):
    """Whether ``scoring`` can be called as ``scoring(estimator, X, y)`` (scikit-learn's
    scorers always are; a plain ``f(estimator, X)`` is not)."""
    try:
        inspect.signature(scoring).bind(None, None, None)
    except TypeError:
        return False
    except ValueError:  # no signature to read (some builtins): as scikit-learn calls
        return True
    return True
