import numpy as np
import pandas as pd
import pytest
import torch

import skgan


@pytest.fixture(autouse=True)
def fixed_fit_threads(request):
    """Fits in the tests use torch's thread count, never fewer because the machine is busy.

    Tests compare fits bit for bit, and on some CPUs MKL rounds a few small products by
    the number of threads (skgan/_engine/threads.py), so a fit that found the machine
    busy (the suite's own worker processes) could differ from its twin.
    tests/test_threads.py tests the choosing itself.
    """
    if request.module.__name__.endswith("test_threads"):
        yield
        return
    with skgan.fit_threads(torch.get_num_threads()):
        yield


@pytest.fixture
def blobs():
    """Two well separated Gaussian blobs in 3-D, 240 rows."""
    rng = np.random.RandomState(0)
    centers = np.array([[-3.0, 0.0, 1.0], [3.0, 1.0, -1.0]])
    return centers[rng.randint(2, size=240)] + 0.3 * rng.normal(size=(240, 3))


@pytest.fixture
def numeric_frame():
    rng = np.random.RandomState(1)
    n = 200
    return pd.DataFrame(
        {
            "height": rng.normal(170, 10, n),
            "age": rng.randint(18, 90, n).astype(np.int64),
            "weight": rng.normal(70, 12, n).astype(np.float32),
            "member": rng.rand(n) > 0.3,
        }
    )
