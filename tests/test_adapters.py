import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skgan import GANSampler
from skgan.adapters import (ImageAdapter, NumericAdapter, SignalAdapter, TabularAdapter,
                            resolve_adapter)


@pytest.mark.parametrize("scaling", ["quantile", "standard"])
def test_array_round_trip(scaling):
    X = np.random.RandomState(0).exponential(size=(300, 4))
    adapter = NumericAdapter(scaling=scaling).fit(X)
    encoded = adapter.encode(X)
    assert encoded.dtype == np.float32 and encoded.shape == (300, 4)
    assert np.abs(encoded.mean(axis=0)).max() < 0.1
    np.testing.assert_allclose(adapter.decode(encoded), X, rtol=1e-4, atol=1e-4)


def test_quantile_scaling_keeps_samples_in_observed_range():
    X = np.random.RandomState(0).normal(size=(200, 2))
    adapter = NumericAdapter().fit(X)
    decoded = adapter.decode(np.random.RandomState(1).normal(scale=5, size=(1000, 2)))
    assert (decoded >= X.min(axis=0)).all() and (decoded <= X.max(axis=0)).all()


def test_frame_round_trip_keeps_columns_dtypes_and_ranges(numeric_frame):
    adapter = NumericAdapter().fit(numeric_frame)
    noisy = adapter.encode(numeric_frame) + np.random.RandomState(0).normal(
        scale=0.3, size=(len(numeric_frame), 4)
    )
    decoded = adapter.decode(noisy)
    assert list(decoded.columns) == list(numeric_frame.columns)
    assert (decoded.dtypes == numeric_frame.dtypes).all()
    assert decoded["age"].between(18, 89).all()
    assert set(decoded["member"].unique()) <= {True, False}


def test_constant_column_comes_back_constant():
    X = np.column_stack([np.random.RandomState(0).normal(size=50), np.full(50, 7.5)])
    adapter = NumericAdapter().fit(X)
    decoded = adapter.decode(np.random.RandomState(1).normal(size=(20, 2)))
    assert (decoded[:, 1] == 7.5).all()


def test_empty_decode_has_right_shape(numeric_frame):
    assert NumericAdapter().fit(np.ones((5, 3)) * np.arange(5)[:, None]).decode(
        np.empty((0, 3))).shape == (0, 3)
    assert NumericAdapter().fit(numeric_frame).decode(np.empty((0, 4))).shape == (0, 4)


def test_non_numeric_input_is_refused():
    with pytest.raises(TypeError, match="'name'"):
        NumericAdapter().fit(pd.DataFrame({"name": ["a", "b"], "x": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="scaling"):
        NumericAdapter(scaling="log").fit(np.ones((3, 2)))


@pytest.mark.parametrize(
    "X, error, message",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 4.0]]), ValueError, "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0], [3.0, 4.0]]), ValueError, "infinity"),
        (np.ones((1, 2)), ValueError, "at least 2 rows"),
        (np.ones(5), ValueError, "2-D"),
        (np.array([[1.0, "a"], [2.0, "b"]], dtype=object), TypeError, "numeric"),
        (np.array([["2020-01-01"], ["2021-01-01"]], dtype="datetime64[ns]"), TypeError,
         "numeric"),
    ],
)
def test_numeric_adapter_refuses_what_it_cannot_encode_and_stays_as_it_was(X, error, message):
    fresh = NumericAdapter()
    with pytest.raises(error, match=message):
        fresh.fit(X)
    assert not [name for name in vars(fresh) if name.endswith("_")]
    good = np.arange(6.0).reshape(3, 2)
    fitted = NumericAdapter().fit(good)
    with pytest.raises(error, match=message):
        fitted.fit(X)
    np.testing.assert_allclose(fitted.decode(fitted.encode(good)), good, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.bool_])
def test_integer_and_boolean_arrays_come_back_in_their_dtype_and_range(dtype):
    X = np.random.RandomState(0).randint(0, 2 if dtype == np.bool_ else 9, (40, 3)).astype(dtype)
    adapter = NumericAdapter().fit(X)
    decoded = adapter.decode(np.random.RandomState(1).normal(scale=3, size=(100, 3)))
    assert decoded.dtype == X.dtype
    assert (decoded >= X.min(axis=0)).all() and (decoded <= X.max(axis=0)).all()


def test_resolve_adapter():
    assert isinstance(resolve_adapter("auto", np.ones((3, 2))), TabularAdapter)
    assert isinstance(resolve_adapter("auto", pd.DataFrame({"a": ["x"]})), TabularAdapter)
    assert isinstance(resolve_adapter("numeric", np.ones((3, 2))), NumericAdapter)
    mine = NumericAdapter(scaling="standard")
    resolved = resolve_adapter(mine, np.ones((3, 2)))
    assert resolved is not mine and resolved.scaling == "standard"
    with pytest.raises(ValueError, match="not known"):
        resolve_adapter("audio", np.ones((3, 2)))


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 4)),
           elements=st.floats(-1e6, 1e6, allow_nan=False, width=32)),
    st.sampled_from(["quantile", "standard"]),
)
def test_decode_of_any_encoding_is_finite_and_shaped(X, scaling):
    adapter = NumericAdapter(scaling=scaling).fit(X)
    encoded = adapter.encode(X)
    assert np.isfinite(encoded).all()
    decoded = adapter.decode(encoded)
    assert decoded.shape == X.shape and np.isfinite(decoded).all()
    np.testing.assert_allclose(decoded, X, rtol=1e-3, atol=1e-3 * (1 + np.abs(X).max()))


def test_standard_scaling_of_huge_numbers_stays_finite():
    # The squares of values above about 1e154 overflow: the scale was inf and every
    # sample inf.
    import warnings

    X = np.random.RandomState(0).normal(size=(300, 2)) * 1e160
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        adapter = NumericAdapter(scaling="standard").fit(X)
    np.testing.assert_allclose(adapter.scale_, (X / 1e160).std(axis=0) * 1e160, rtol=1e-9)
    assert np.isfinite(adapter.scale_).all() and np.isfinite(adapter.mean_).all()
    decoded = adapter.decode(adapter.encode(X))
    np.testing.assert_allclose(decoded, X, rtol=1e-5)


def test_numeric_adapter_names_the_columns_with_missing_values():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [np.nan, 1.0, 2.0]})
    with pytest.raises(ValueError, match="column\\(s\\) b hold NaN.*adapter='tabular'"):
        GANSampler(adapter="numeric", epochs=1).fit(X)
    with pytest.raises(ValueError, match="column\\(s\\) 1 hold NaN"):
        GANSampler(adapter="numeric", epochs=1).fit(X.to_numpy())


def test_numeric_adapter_checks_n_quantiles_and_calls_complex_data_a_value_error():
    X = np.random.RandomState(0).normal(size=(20, 2))
    for n_quantiles in (0, 1, 2.5, "x", None, True):
        with pytest.raises(ValueError, match="n_quantiles must be a whole number"):
            NumericAdapter(n_quantiles=n_quantiles).fit(X)
    with pytest.raises(ValueError, match="Complex data not supported"):
        NumericAdapter().fit(X.astype(complex))
    NumericAdapter(n_quantiles=2).fit(X)


@pytest.mark.parametrize("adapter, data", [
    (TabularAdapter(), pd.DataFrame({"a": [1.0, 2.0, 3.0]})),
    (NumericAdapter(), np.zeros((3, 2))),
    (ImageAdapter(), np.zeros((3, 8, 8))),
    (SignalAdapter(), np.zeros((3, 32))),
], ids=lambda value: type(value).__name__)
def test_an_adapter_used_before_fit_says_it_is_not_fitted(adapter, data):
    # encode and decode reached for fitted attributes: an AttributeError naming one.
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        adapter.encode(data)
    with pytest.raises(NotFittedError):
        adapter.decode(np.zeros((3, 1), dtype=np.float32))
