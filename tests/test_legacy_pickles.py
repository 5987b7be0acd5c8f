"""Models pickled before the package was regrouped still load and behave the same.

The pickles in tests/data/legacy_pickles were written by skgan as it was before the
move (see make_legacy_pickles.py there); they name old module paths such as
``skgan.conditioning``.
"""

import importlib
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skgan._legacy_modules import MOVED_MODULES

PICKLES = Path(__file__).parent / "data" / "legacy_pickles"
X_SEED = np.random.default_rng(1).normal(size=(60, 3))  # the X of make_legacy_pickles.py


def _expected():
    return pickle.loads((PICKLES / "expected.pkl").read_bytes())["outputs"]


def _load(name):
    return pickle.loads((PICKLES / f"{name}.pkl").read_bytes())


def _assert_same(got, expected):
    """Equal up to float32 rounding: the expected outputs were written on another CPU,
    whose matrix kernels round some products differently in the last bit (on one machine
    the outputs are bit-identical: tests/test_io.py)."""
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for got_item, expected_item in zip(got, expected):
            _assert_same(got_item, expected_item)
    elif isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-5, atol=1e-6)
    elif np.issubdtype(np.asarray(expected).dtype, np.floating):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, expected)


def test_old_pickles_name_moved_modules():
    """The committed pickles really exercise the aliases (else the test below proves little)."""
    assert b"skgan.conditioning" in (PICKLES / "gan_table.pkl").read_bytes()


@pytest.mark.parametrize("name, output", [
    ("gan_table", lambda model, X: model.sample(5, random_state=3)),
    ("wgan_array", lambda model, X: model.sample(5, random_state=3)),
    ("conditional", lambda model, X: model.sample(5, y=1, random_state=3)),
    ("cycle", lambda model, X: model.transform(X[:5])),
    ("resampler", lambda model, X: model.estimator_.sample(5, y=1, random_state=3)),
    ("augmented", lambda model, X: model.predict_proba(X[:5])),
])
def test_old_pickle_loads_and_gives_the_same_outputs(name, output):
    model = _load(name)
    _assert_same(output(model, X_SEED), _expected()[name])


def test_old_table_model_keeps_training():
    model = _load("gan_table")
    table = model.sample(40, random_state=0)
    model.set_params(warm_start=True).fit(table)
    assert list(model.sample(3, random_state=0).columns) == list(table.columns)


@pytest.mark.parametrize("old_name", sorted(MOVED_MODULES))
def test_old_module_names_import_the_moved_modules(old_name):
    assert importlib.import_module(old_name) is importlib.import_module(MOVED_MODULES[old_name])


def test_documented_old_report_import_still_works():
    from skgan.evaluation import quality_report
    from skgan.report import quality_report as old_quality_report

    assert old_quality_report is quality_report
