"""Property-based tests of every estimator and adapter on generated data.

The property: ``fit`` either succeeds, and the fitted object then gives data of the
training schema (same type, columns, dtypes and trailing shape; only levels seen in
training, numbers within the training range), or it raises a ``ValueError`` or
``TypeError`` whose message names a problem the data was generated with. It never
raises anything else, never hangs, never changes its input and never leaves a
half-fitted object: a fresh object stays unfitted, a fitted one keeps working.

The data: tables (1-3 rows and 50 columns among them) of float, integer, nullable,
boolean, object, ``str``, category, mixed object, datetime and timedelta columns, with
constant columns, unicode and empty-string levels, missing values (also whole columns
of them) and infinite values; 2-D arrays of those dtypes; numeric tables; images and
signals of any layout, size and dtype. Tests of single behaviours live with their
modules (tests/test_tabular.py, tests/test_adapters.py, tests/test_errors.py).

Hypothesis profiles
-------------------
The environment variable ``SKGAN_HYPOTHESIS_PROFILE`` picks the settings of these
tests:

- ``default`` (when unset): a few derandomized examples per test, the same on every
  run, so CI is reproducible and the file runs in well under a minute;
- ``nightly``: many more examples, drawn afresh each run, for a long run by hand::

      SKGAN_HYPOTHESIS_PROFILE=nightly pytest tests/test_properties.py
"""

import os
import re
import signal
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skgan import (
    AugmentedEstimator,
    ConditionalGAN,
    CycleGANTransformer,
    GANResampler,
    GANSampler,
    WGANSampler,
)
from skgan.adapters import ImageAdapter, NumericAdapter, SignalAdapter, TabularAdapter

_SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("skgan-default", max_examples=20, deadline=None, derandomize=True,
                          database=None, suppress_health_check=_SLOW_DATA)
settings.register_profile("skgan-nightly", max_examples=400, deadline=None,
                          suppress_health_check=_SLOW_DATA)
PROFILE = settings.get_profile(
    "skgan-" + os.environ.get("SKGAN_HYPOTHESIS_PROFILE", "default"))

#: Seconds an example may run before it counts as a hang.
HANG_SECONDS = 60

CHEAP = dict(epochs=1, batch_size=8, generator_dims=(8,), discriminator_dims=(8,),
             latent_dim=2, pac=1, device="cpu", random_state=0)
CHEAP_CYCLE = {name: value for name, value in CHEAP.items() if name != "latent_dim"}

# Problems a generated input may have, as the words an error about them must hold.
ONE_ROW = r"1 sample|at least 2 (rows|images|signals)"
ALL_MISSING = r"all missing|only missing"
INFINITE = r"infinit"
NAN = r"NaN"
NOT_NUMERIC = r"numeric"
SMALL_IMAGE = r"at least 8x8"
SHORT_SIGNAL = r"at least 16 long"
NOT_FINITE = r"NaN or infinite"
BAD_LABELS = r"[Uu]nknown label type|missing (labels|domains)|NaN"
NOT_TWO_DOMAINS = r"exactly two domains"
ONE_CLASS = r"at least 2 classes"


@dataclass
class Case:
    """Generated training data, the adapter to fit it with, and its problems.

    ``problems`` holds regular expressions: a fit must fail with a message matching
    one of them, and must succeed when there is none.
    """

    X: object
    adapter: object = "auto"
    problems: tuple = ()


# ------------------------------------------------------------------ tables
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3)
NUMBER = st.floats(-1e6, 1e6, allow_nan=False, width=32)
ELEMENTS = {
    "float64": NUMBER,
    "float32": NUMBER,
    "int64": st.integers(-10**6, 10**6),
    "uint8": st.integers(0, 255),
    "Int64": st.integers(-1000, 1000),
    "bool": st.booleans(),
    "boolean": st.booleans(),
    "object": TEXT,
    "str": TEXT,
    "category": TEXT,
    "mixed": st.one_of(TEXT, st.integers(-5, 5), NUMBER),
    "datetime": st.datetimes(pd.Timestamp("1970-01-01"), pd.Timestamp("2100-01-01")),
    "datetime-tz": st.datetimes(pd.Timestamp("1970-01-01"), pd.Timestamp("2100-01-01")),
    "timedelta": st.timedeltas(pd.Timedelta(days=-999), pd.Timedelta(days=999)),
}
TABLE_KINDS = tuple(ELEMENTS)
NUMERIC_KINDS = ("float64", "float32", "int64", "uint8", "bool")
WITHOUT_MISSING = ("int64", "uint8", "bool")


def rarely(draw, one_in):
    """True once in ``one_in`` draws (False is what shrinking goes to)."""
    return draw(st.integers(0, one_in - 1)) == one_in - 1


@st.composite
def columns(draw, n_rows, kinds, missing=True):
    """One column of a drawn kind: one, a few or many distinct values, and with
    ``missing`` maybe missing values in some rows."""
    kind = draw(st.sampled_from(kinds))
    n_levels = draw(st.sampled_from([30, 8, 3, 2, 1]))
    levels = draw(st.lists(ELEMENTS[kind], min_size=1, max_size=n_levels))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    values = np.empty(n_rows, dtype=object)
    values[:] = [levels[index] for index in rng.randint(len(levels), size=n_rows)]
    if missing and kind not in WITHOUT_MISSING and rarely(draw, 3):
        values[rng.rand(n_rows) < 0.4] = None
    return _as_column(values, kind, levels)


def _as_column(values, kind, levels=()):
    """The Series of ``kind`` holding ``values`` (None where missing)."""
    if kind == "category":
        unused = "never used"
        return pd.Series(pd.Categorical(values, categories=list(dict.fromkeys(levels))
                                        + ([unused] if unused not in levels else [])))
    if kind == "datetime-tz":
        return pd.Series(values, dtype="datetime64[ns]").dt.tz_localize("Asia/Kolkata")
    if kind in ("datetime", "timedelta"):
        return pd.Series(values, dtype=f"{kind}64[ns]")
    if kind in ("float64", "float32"):
        return pd.Series(np.array([np.nan if v is None else v for v in values], dtype=kind))
    if kind in ("object", "mixed"):
        return pd.Series(values, dtype=object)
    return pd.Series(values, dtype=kind)


@st.composite
def faulty_column(draw, n_rows, fault, kinds=TABLE_KINDS):
    """A column with the ``fault`` a fit must name: no values (of one of ``kinds``),
    infinities, text."""
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    if fault == "all missing":
        kind = draw(st.sampled_from([kind for kind in kinds if kind not in WITHOUT_MISSING]))
        return _as_column(np.full(n_rows, None, dtype=object), kind)
    if fault == "infinite":
        values = rng.normal(size=n_rows)
        values[rng.rand(n_rows) < 0.5] = draw(st.sampled_from([np.inf, -np.inf]))
        values[rng.randint(n_rows)] = np.inf
        return pd.Series(values.astype(draw(st.sampled_from(["float64", "float32"]))))
    return pd.Series(draw(st.lists(TEXT, min_size=n_rows, max_size=n_rows)), dtype=object)


@st.composite
def row_counts(draw, most=30):
    """Mostly 4 to ``most`` rows; sometimes 2 or 3; rarely a single row (refused)."""
    size = draw(st.sampled_from(["some", "some", "some", "tiny", "tiny", "one"]))
    if size == "one":
        return 1
    return draw(st.integers(2, 3) if size == "tiny" else st.integers(4, most))


@st.composite
def tables(draw, kinds=TABLE_KINDS, missing=True, faults=("all missing", "infinite")):
    """A DataFrame of ``kinds`` columns with unicode names, 1-4 columns or 50 (with up
    to 6 rows), and rarely one of ``faults``."""
    n_columns = 50 if rarely(draw, 6) else draw(st.integers(1, 4))
    n_rows = draw(row_counts(30 if n_columns < 50 else 6))
    prefix = draw(TEXT)
    frame = pd.DataFrame({f"{prefix}{position}": draw(columns(n_rows, kinds, missing))
                          for position in range(n_columns)})
    if faults and rarely(draw, 4):
        position = draw(st.integers(0, n_columns - 1))
        fault = draw(st.sampled_from(faults))
        frame.isetitem(position, draw(faulty_column(n_rows, fault, kinds)))
    return frame


def table_problems(frame):
    """What a tabular fit must refuse in ``frame``."""
    problems = []
    if len(frame) < 2:
        problems.append(ONE_ROW)
    if frame.isna().all().any():
        problems.append(ALL_MISSING)
    for name in frame.columns:
        if pd.api.types.is_float_dtype(frame[name].dtype) and np.isinf(frame[name]).any():
            problems.append(INFINITE)
    return tuple(problems)


def numeric_problems(X):
    """What a numeric fit must refuse in ``X`` (a table or an array)."""
    frame = pd.DataFrame(X)
    problems = [ONE_ROW] if len(frame) < 2 else []
    numeric = all(pd.api.types.is_numeric_dtype(dtype) for dtype in frame.dtypes)
    if not numeric:
        return (*problems, NOT_NUMERIC)
    values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(values).any():
        problems.append(NAN)
    if np.isinf(values).any():
        problems.append(INFINITE)
    return tuple(problems)


ARRAY_KINDS = ("float64", "float32", "int64", "bool", "object", "str", "mixed", "datetime")


@st.composite
def table_cases(draw):
    """A table for the tabular adapter: a DataFrame or a 2-D array of one dtype."""
    if draw(st.booleans()):
        frame = draw(tables())
        return Case(frame, _tabular_adapter(frame), table_problems(frame))
    kind = draw(st.sampled_from(ARRAY_KINDS))
    can_miss = kind not in WITHOUT_MISSING + ("str",)
    frame = draw(tables(kinds=(kind,), missing=can_miss,
                        faults=("all missing",) if can_miss else ()))
    dtype = {"object": object, "mixed": object, "str": str,
             "datetime": "datetime64[ns]"}.get(kind, kind)
    array = frame.to_numpy(dtype=dtype)
    return Case(array, _tabular_adapter(frame), table_problems(pd.DataFrame(array)))


def _tabular_adapter(frame):
    """"auto", or for wide tables an adapter without the costly level calibration."""
    return "auto" if frame.shape[1] < 50 else TabularAdapter(level_calibration=False)


@st.composite
def numeric_cases(draw):
    """Numeric arrays and tables for the numeric adapter; rarely with a missing or an
    infinite value or a text column."""
    frame = draw(tables(kinds=NUMERIC_KINDS, missing=False, faults=()))
    if rarely(draw, 4):
        fault = draw(st.sampled_from(["missing", "infinite", "text"]))
        position = draw(st.integers(0, frame.shape[1] - 1))
        if fault == "text":
            frame.isetitem(position, draw(faulty_column(len(frame), "text")))
        else:
            column = frame.iloc[:, position].astype(np.float64)
            column.iloc[draw(st.integers(0, len(frame) - 1))] = (
                np.nan if fault == "missing" else np.inf)
            frame.isetitem(position, column)
    one_dtype = frame.dtypes.nunique() == 1 and frame.dtypes.iloc[0] != object
    X = frame.to_numpy() if one_dtype and draw(st.booleans()) else frame
    return Case(X, NumericAdapter(), numeric_problems(frame))


# ------------------------------------------------------------------ images and signals
GRID_DTYPES = (np.float64, np.float32, np.uint8, np.int16, np.bool_)


@st.composite
def grid_values(draw, shape):
    """Values of ``shape`` of a drawn dtype; rarely with NaN or infinities, or of
    object dtype."""
    dtype = object if rarely(draw, 10) else draw(st.sampled_from(GRID_DTYPES))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    values = rng.uniform(-2, 300, size=shape)
    if np.dtype(dtype).kind == "f" and rarely(draw, 6):
        values[rng.rand(*shape) < 0.1] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        values.flat[rng.randint(values.size)] = np.nan
    if np.dtype(dtype) in (np.uint8, np.int16):
        values = np.clip(values, 0, 255)
    elif np.dtype(dtype) == np.bool_:
        values = values > 150
    values = values.astype(dtype)
    problems = [ONE_ROW] if shape[0] < 2 else []
    if values.dtype == object:
        problems.append(NOT_NUMERIC)
    elif not np.isfinite(values.astype(np.float64)).all():
        problems.append(NOT_FINITE)
    return values, problems


@st.composite
def image_cases(draw):
    """(N, H, W), (N, C, H, W) or (N, H, W, C) images of sizes from 8 on; rarely too
    small or a single one."""
    n = draw(row_counts(6))
    height, width = (draw(st.integers(6, 7)) if rarely(draw, 8) else draw(st.integers(8, 11))
                     for _ in range(2))
    channels = draw(st.sampled_from([1, 3, 4]))
    shape = draw(st.sampled_from([(n, height, width), (n, channels, height, width),
                                  (n, height, width, channels)]))
    values, problems = draw(grid_values(shape))
    if min(height, width) < 8:
        problems.append(SMALL_IMAGE)
    return Case(values, ImageAdapter(width=2), tuple(problems))


@st.composite
def signal_cases(draw):
    """(N, L) or (N, C, L) signals of lengths from 16 on; rarely too short or a single
    one."""
    n = draw(row_counts(6))
    length = draw(st.integers(12, 15)) if rarely(draw, 8) else draw(st.integers(16, 24))
    channels = draw(st.integers(1, 3))
    shape = draw(st.sampled_from([(n, length), (n, channels, length)]))
    values, problems = draw(grid_values(shape))
    if length < 16:
        problems.append(SHORT_SIGNAL)
    return Case(values, SignalAdapter(width=2), tuple(problems))


ANY_CASE = st.one_of(table_cases(), numeric_cases(), image_cases(), signal_cases())


# ------------------------------------------------------------------ labels
LABEL_KINDS = ("int", "text", "bool") * 3 + ("missing", "float")


@st.composite
def labels(draw, n_rows):
    """Class labels, mostly of two classes: integers, text or booleans; rarely text
    with None or floats with NaN (see :func:`label_problems`)."""
    kind = draw(st.sampled_from(LABEL_KINDS))
    n_classes = draw(st.sampled_from([2, 2, 2, 1, 3]))
    pool = {
        "int": list(range(-1, n_classes - 1)),
        "text": draw(st.lists(TEXT, min_size=n_classes, max_size=n_classes, unique=True)),
        "bool": [True, False][:n_classes],
        "missing": ["a", "b", None][:n_classes],
        "float": [0.5, 1.25, np.nan][:n_classes],
    }[kind]
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    codes = rng.permutation(np.arange(n_rows) % len(pool))  # every class when rows allow
    return np.array([pool[code] for code in codes],
                    dtype=object if kind in ("text", "missing") else None)


# ------------------------------------------------------------------ checks
@contextmanager
def no_hang(seconds=HANG_SECONDS):
    """Fail (with ``TimeoutError``) instead of hanging when the block runs too long."""
    if not hasattr(signal, "SIGALRM"):  # Windows: no guard
        yield
        return

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def copy_of(data):
    """A deep copy of a DataFrame or an array, to compare the input with after a fit."""
    return data.copy(deep=True) if isinstance(data, pd.DataFrame) else np.array(data, copy=True)


def assert_unchanged(data, copy):
    """``data`` holds what ``copy`` was taken from: no input is mutated."""
    if isinstance(copy, pd.DataFrame):
        pd.testing.assert_frame_equal(data, copy)
    else:
        assert data.dtype == copy.dtype and data.shape == copy.shape
        assert pd.DataFrame(data.reshape(len(data), -1)).equals(
            pd.DataFrame(copy.reshape(len(copy), -1)))


def assert_refused(error, problems):
    """A refusal is a ValueError/TypeError naming one of the generated problems."""
    event(f"refused: {type(error).__name__}")
    assert problems, f"valid data was refused: {type(error).__name__}: {error}"
    assert any(re.search(problem, str(error)) for problem in problems), (
        f"the message does not name any of {problems}: {error}")


def assert_not_fitted(fitted):
    """``check_is_fitted`` says the object is not fitted."""
    with pytest.raises(NotFittedError):
        check_is_fitted(fitted)


def assert_like(samples, X, n_rows, grid=None):
    """``samples`` has the schema of ``X``: type, columns, dtypes and trailing shape,
    ``n_rows`` rows, levels seen in ``X``, numbers in its range (of each column; of all
    values for ``grid="image"`` or ``"signal"``, 0-255 for uint8 images), missing values
    only where ``X`` had some."""
    if isinstance(X, pd.DataFrame):
        assert isinstance(samples, pd.DataFrame)
        assert list(samples.columns) == list(X.columns) and len(samples) == n_rows
        assert samples.dtypes.to_dict() == X.dtypes.to_dict()
        for real, fake in zip(X.items(), samples.items()):
            _assert_values_like(fake[1], real[1])
        return
    assert isinstance(samples, np.ndarray)
    assert samples.dtype == X.dtype and samples.shape == (n_rows, *X.shape[1:])
    if grid:
        if n_rows and not (grid == "image" and X.dtype == np.uint8):
            assert X.min() <= samples.min() <= samples.max() <= X.max()
        return
    real = pd.DataFrame(X.reshape(len(X), -1))
    fake = pd.DataFrame(samples.reshape(n_rows, -1))
    for position in real.columns:
        _assert_values_like(fake[position], real[position])


def _assert_values_like(fake, real):
    observed = fake.dropna()
    assert len(observed) == len(fake) or real.isna().any(), "missing values made up"
    if not len(observed):
        return
    if _is_quantity(real):
        assert observed.min() >= real.min() and observed.max() <= real.max()
    else:
        assert set(observed) <= set(real.dropna()), "levels never seen in training"


def _is_quantity(column):
    """Numbers (also in an object column), datetimes and timedeltas: what comes back
    within the training range, not as one of the training values."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return False
    if dtype == object:
        return pd.api.types.infer_dtype(column, skipna=True) in (
            "integer", "floating", "mixed-integer-float")
    return (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
            or pd.api.types.is_timedelta64_dtype(dtype))


def _grid_kind(adapter):
    """"image" or "signal" for their adapters (their values have one range), else None."""
    return getattr(adapter, "kind", None)


def _rows(X, keep):
    """The rows of ``X`` where ``keep`` holds."""
    return X[keep] if not isinstance(X, pd.DataFrame) else X[keep].reset_index(drop=True)


# ------------------------------------------------------------------ estimators
def _conditional(adapter):
    """A cheap ConditionalGAN with ``adapter``."""
    return ConditionalGAN(adapter=adapter, **CHEAP)


def _resampler(adapter):
    """A GANResampler of a cheap ConditionalGAN with ``adapter``."""
    return GANResampler(estimator=_conditional(adapter), random_state=0)


ESTIMATORS = {
    "GANSampler": lambda adapter: GANSampler(adapter=adapter, **CHEAP),
    "WGANSampler": lambda adapter: WGANSampler(adapter=adapter, n_critic=1, **CHEAP),
    "ConditionalGAN": _conditional,
    "CycleGANTransformer": lambda adapter: CycleGANTransformer(adapter=adapter, **CHEAP_CYCLE),
    "GANResampler": _resampler,
    "AugmentedEstimator": lambda adapter: AugmentedEstimator(DummyClassifier(),
                                                             _resampler(adapter)),
}
SAMPLERS = ("GANSampler", "WGANSampler")
RESAMPLING = ("GANResampler", "AugmentedEstimator")


def label_problems(name, y):
    """What a fit of estimator ``name`` must refuse in labels ``y``."""
    if y is None:
        return ()
    missing = pd.isna(y)
    problems = [BAD_LABELS] if missing.any() else []
    if name == "CycleGANTransformer":
        if len(set(y[~missing])) != 2:
            problems.append(NOT_TWO_DOMAINS)
        return tuple(problems)
    if name in RESAMPLING and len(set(y[~missing])) < 2:
        problems.append(ONE_CLASS)
    if y.dtype.kind == "f" and (y[~missing] % 1 != 0).any():
        problems.append(BAD_LABELS)  # continuous values
    return tuple(problems)


def fit(estimator, X, y):
    """Fit ``estimator`` (with ``y`` when it takes one); what ``fit_resample`` returns."""
    if isinstance(estimator, GANResampler):
        return estimator.fit_resample(X, y)
    if y is None:
        estimator.fit(X)
    else:
        estimator.fit(X, y)
    return None


def assert_works(name, estimator, X, y, grid=None, output=None):
    """A fitted estimator gives data like ``X`` (and labels from ``y``); ``grid`` as
    for :func:`assert_like`."""
    check_is_fitted(estimator)
    if name in SAMPLERS:
        assert_like(estimator.sample(4), X, 4, grid)
    elif name == "ConditionalGAN":
        samples, sampled = estimator.sample(4)
        assert_like(samples, X, 4, grid)
        assert set(sampled) <= set(y)
    elif name == "CycleGANTransformer":
        in_a = np.asarray(y == estimator.classes_[0])
        assert_like(estimator.transform(_rows(X, in_a)), X, int(in_a.sum()), grid)
    elif name == "GANResampler":
        n_added = sum(estimator.sampling_strategy_.values())
        if output is not None:
            X_resampled, y_resampled = output
            assert len(y_resampled) == len(X) + n_added and set(y_resampled) <= set(y)
            if n_added:
                assert_like(X_resampled, X, len(X) + n_added, grid)
            else:  # balanced classes: X as it came
                assert_unchanged(X_resampled, X)
        if estimator.estimator_ is not None:
            samples, sampled = estimator.estimator_.sample(3)
            assert_like(samples, X, 3, grid)
            assert set(sampled) <= set(y)
    else:
        predicted = estimator.predict(X)
        assert len(predicted) == len(X) and set(predicted) <= set(y)


def _draw_labels(data, name, n_rows):
    """Labels for the estimators that take ``y``; None for the samplers."""
    if name in SAMPLERS:
        return None
    return data.draw(labels(n_rows), label="y")


@pytest.mark.parametrize("name", list(ESTIMATORS))
@PROFILE
@given(data=st.data())
def test_fit_gives_data_of_the_training_schema_or_names_the_problem(name, data):
    case = data.draw(ANY_CASE, label="case")
    y = _draw_labels(data, name, len(case.X))
    problems = case.problems + label_problems(name, y)
    estimator = ESTIMATORS[name](case.adapter)
    params = repr(estimator.get_params(deep=False))
    X_copy, y_copy = copy_of(case.X), None if y is None else copy_of(y)
    with no_hang(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            output = fit(estimator, case.X, y)
        except (ValueError, TypeError) as error:
            assert_refused(error, problems)
            assert_not_fitted(estimator)
            assert repr(estimator.get_params(deep=False)) == params
        else:
            assert not problems, f"fit accepted data with the problems {problems}"
            event("fitted")
            assert_works(name, estimator, case.X, y, _grid_kind(case.adapter), output)
    assert_unchanged(case.X, X_copy)
    if y is not None:
        assert_unchanged(y, y_copy)


# A valid training set for each adapter, to fit on before a refit that may fail.
_RNG = np.random.RandomState(0)
GOOD_Y = np.array([0, 0, 1] * 4)  # imbalanced: the resamplers generate rows
GOOD = {
    TabularAdapter: pd.DataFrame({"size": ["S", "M", "L"] * 4, "price": _RNG.normal(size=12)}),
    NumericAdapter: _RNG.normal(size=(12, 3)),
    ImageAdapter: _RNG.rand(12, 8, 8).astype(np.float32),
    SignalAdapter: _RNG.rand(12, 16),
}


def _good_data(adapter):
    """The valid training set of ``adapter`` (a name or "auto": tables)."""
    return GOOD[TabularAdapter if isinstance(adapter, str) else type(adapter)]


@pytest.mark.parametrize("name", list(ESTIMATORS))
@PROFILE
@given(data=st.data())
def test_failed_refit_leaves_a_working_or_clearly_unfitted_estimator(name, data):
    case = data.draw(ANY_CASE, label="case")
    y = _draw_labels(data, name, len(case.X))
    estimator = ESTIMATORS[name](case.adapter)
    good_X, good_y = _good_data(case.adapter), None if name in SAMPLERS else GOOD_Y
    with no_hang(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit(estimator, good_X, good_y)
        try:
            output = fit(estimator, case.X, y)
        except (ValueError, TypeError):
            try:
                check_is_fitted(estimator)
            except NotFittedError:
                return
            assert_works(name, estimator, good_X, good_y, _grid_kind(case.adapter))
        else:
            assert_works(name, estimator, case.X, y, _grid_kind(case.adapter), output)


# ------------------------------------------------------------------ adapters
ADAPTERS = {
    "TabularAdapter": (TabularAdapter, table_cases()),
    "NumericAdapter": (NumericAdapter, numeric_cases()),
    "ImageAdapter": (lambda: ImageAdapter(width=2), image_cases()),
    "SignalAdapter": (lambda: SignalAdapter(width=2), signal_cases()),
}


def assert_encodes_and_decodes(adapter, X):
    """Finite float32 encodings of the announced shape; decoding them, or any other
    values, gives data like ``X``."""
    encoded = adapter.encode(X)
    assert encoded.dtype == np.float32 and encoded.shape == (len(X), *adapter.encoded_shape_)
    assert np.isfinite(encoded).all()
    grid = _grid_kind(adapter)
    assert_like(adapter.decode(encoded), X, len(X), grid)
    noise = np.random.RandomState(0).normal(scale=2, size=(5, *adapter.encoded_shape_))
    assert_like(adapter.decode(noise.astype(np.float32), random_state=0), X, 5, grid)


@pytest.mark.parametrize("name", list(ADAPTERS))
@PROFILE
@given(data=st.data())
def test_adapter_encodes_and_decodes_or_names_the_problem(name, data):
    make, cases = ADAPTERS[name]
    case = data.draw(cases, label="case")
    adapter = make()
    X_copy = copy_of(case.X)
    with no_hang():
        try:
            adapter.fit(case.X)
        except (ValueError, TypeError) as error:
            assert_refused(error, case.problems)
            assert_not_fitted(adapter)
        else:
            assert not case.problems, f"fit accepted data with the problems {case.problems}"
            event("fitted")
            assert_encodes_and_decodes(adapter, case.X)
    assert_unchanged(case.X, X_copy)


@pytest.mark.parametrize("name", list(ADAPTERS))
@PROFILE
@given(data=st.data())
def test_failed_adapter_refit_leaves_a_working_or_clearly_unfitted_adapter(name, data):
    make, cases = ADAPTERS[name]
    case = data.draw(cases, label="case")
    adapter = make()
    good = GOOD[type(adapter)]
    with no_hang():
        adapter.fit(good)
        try:
            adapter.fit(case.X)
        except (ValueError, TypeError):
            try:
                check_is_fitted(adapter)
            except NotFittedError:
                return
            assert_encodes_and_decodes(adapter, good)
        else:
            assert_encodes_and_decodes(adapter, case.X)
