"""ML efficacy: train on synthetic rows and on real rows, test both on real rows."""

from collections import Counter

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, f1_score, r2_score

from ..metrics._model_threads import small_model_threads
from ..metrics._table_values import _as_float, _check_tables, _labels, column_kind

#: Most categories a column may have to be a native categorical feature of the
#: gradient-boosting models (their ``max_bins``); larger ones are used as ordinal codes.
_MAX_NATIVE_CATEGORIES = 255


def ml_efficacy(train, test, synthetic, target, *, task="auto", random_state=0):
    """Train a model on synthetic rows and one on real rows; test both on real rows.

    Synthetic data that can stand in for real data gives a model about as good as the
    one trained on the real training rows. Both models are scikit-learn's
    ``HistGradientBoostingClassifier`` (or ``...Regressor``) with the same settings and
    seed; categorical and boolean features are native categorical features (ordinal
    codes beyond 255 categories), datetimes are seconds, missing values stay missing.
    Rows whose target is missing are left out. Models on fewer than 100,000 rows train
    on one thread, which is faster for them.

    Parameters
    ----------
    train : DataFrame
        Real training rows.
    test : DataFrame
        Real rows neither model (nor, ideally, the generator) has seen.
    synthetic : DataFrame
        Generated rows, with the same columns.
    target : str
        The column to predict.
    task : {"auto", "classification", "regression"}, default="auto"
        "auto": classification for categorical and boolean targets, regression for
        numerical ones.
    random_state : int, default=0
        Seed of both models.

    Returns
    -------
    efficacy : dict
        ``target``, ``task``, ``n_test`` and, under ``"real"`` and ``"synthetic"`` (the
        model trained on those rows): ``rows`` (training rows used) and its scores on
        ``test``: ``macro_f1`` and ``accuracy`` for classification, ``r2`` for regression.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skgan.evaluation import ml_efficacy
    >>> rng = np.random.RandomState(0)
    >>> def table(n):
    ...     x = rng.normal(size=n)
    ...     return pd.DataFrame({"x": x, "label": np.where(x > 0, "yes", "no")})
    >>> efficacy = ml_efficacy(table(200), table(100), table(200), "label")
    >>> efficacy["task"], efficacy["synthetic"]["accuracy"] > 0.9
    ('classification', True)
    """
    train, synthetic = _check_tables(train, synthetic, names=("train", "synthetic"))
    train, test = _check_tables(train, test, names=("train", "test"))
    if target not in train.columns:
        raise ValueError(f"target {target!r} is not a column; columns: {list(train.columns)}.")
    if train.shape[1] < 2:
        raise ValueError("ml_efficacy needs at least one column besides the target.")
    task = _resolve_task(task, column_kind(train[target]), target)
    features = [name for name in train.columns if name != target]
    (train_X, test_X, synthetic_X), categorical = _feature_matrices(
        (train, test, synthetic), features
    )
    train_y, test_y, synthetic_y = _targets((train, test, synthetic), target, task)
    test_rows = _known(test_y)
    if not test_rows.any():
        raise ValueError(f"test has no rows with a value of {target!r}.")
    efficacy = {"target": target, "task": task, "n_test": int(test_rows.sum())}
    # Features without a value in the real training rows (a column that is nearly
    # always blank, split by a report) tell neither model anything: both leave them out.
    known_rows = _known(train_y)
    used = [j for j in range(train_X.shape[1])
            if not (known_rows.any() and np.isnan(train_X[known_rows, j]).all())]
    if known_rows.any() and not used:
        raise ValueError(f"train has no values in any column besides {target!r}.")
    for name, X, y in (("real", train_X, train_y), ("synthetic", synthetic_X, synthetic_y)):
        rows = _known(y)
        table_name = "train" if name == "real" else name
        if not rows.any():
            raise ValueError(f"{table_name} has no rows with a value of {target!r}.")
        empty = [features[j] for j in used if np.isnan(X[rows, j]).all()]
        if empty:  # gradient boosting fails on them with a message of numpy's
            raise ValueError(f"{table_name} has no values in column(s) {empty} (all "
                             "missing, or text where the train table holds numbers or "
                             "dates); drop them from the tables, or fix the values.")
        with small_model_threads(int(rows.sum())):
            model = _make_model(task, categorical[used], random_state, y[rows]).fit(
                X[rows][:, used], y[rows])
            predicted = model.predict(test_X[test_rows][:, used])
        efficacy[name] = {"rows": int(rows.sum()),
                          **_prediction_scores(task, test_y[test_rows], predicted)}
    return efficacy


def _resolve_task(task, target_kind, target):
    if task not in ("auto", "classification", "regression"):
        raise ValueError(
            f"task must be 'auto', 'classification' or 'regression', got {task!r}."
        )
    if task == "regression" and target_kind == "categorical":
        raise ValueError(f"target {target!r} holds text or categories, not numbers: "
                         "regression cannot predict it (use task='classification').")
    if task != "auto":
        return task
    if target_kind == "datetime":
        raise ValueError(f"target {target!r} is a datetime column; choose another target "
                         "or set task (--task in `skgan report`).")
    return "regression" if target_kind == "numerical" else "classification"


def _feature_matrices(tables, features):
    """Float feature matrices of several tables and the mask of categorical features."""
    reference = tables[0]
    columns = [[] for _ in tables]
    categorical = []
    for name in features:
        kind = column_kind(reference[name])
        if kind in ("numerical", "datetime"):
            for matrix, table in zip(columns, tables):
                matrix.append(_as_float(table[name], kind))
            categorical.append(False)
            continue
        codes, uniques = pd.factorize(
            pd.concat([_labels(table[name], kind) for table in tables], ignore_index=True)
        )
        codes = np.where(codes < 0, np.nan, codes)
        start = 0
        for matrix, table in zip(columns, tables):
            matrix.append(codes[start:start + len(table)])
            start += len(table)
        categorical.append(len(uniques) <= _MAX_NATIVE_CATEGORIES)
    matrices = [np.column_stack(matrix) for matrix in columns]
    return matrices, np.array(categorical, dtype=bool)


def _targets(tables, target, task):
    """Target values of each table: strings (None if missing) or floats (NaN if missing)."""
    if task == "regression":
        kind = column_kind(tables[0][target])
        kind = kind if kind in ("numerical", "datetime") else "numerical"
        return [_as_float(table[target], kind) for table in tables]
    kind = column_kind(tables[0][target])
    return [
        _labels(table[target], kind).to_numpy(dtype=object, na_value=None) for table in tables
    ]


def _known(y):
    if y.dtype == object:
        return np.array([value is not None for value in y], dtype=bool)
    return ~np.isnan(y)


def _make_model(task, categorical, random_state, y):
    model_class = (HistGradientBoostingClassifier if task == "classification"
                   else HistGradientBoostingRegressor)
    options = {}
    if task == "classification" and min(Counter(y).values()) < 2:
        # Its early stopping (on from 10,000 rows) holds out rows of every class, which
        # a class of one row cannot give.
        options["early_stopping"] = False
    return model_class(categorical_features=categorical if categorical.any() else None,
                       random_state=random_state, **options)


def _prediction_scores(task, truth, predicted):
    if task == "regression":
        return {"r2": float(r2_score(truth, predicted))}
    return {
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(truth, predicted)),
    }
