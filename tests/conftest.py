import numpy as np
import pandas as pd
import pytest


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
