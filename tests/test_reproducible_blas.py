"""Products of matrices do not depend on where their operands lie in memory."""

import os
import subprocess
import sys

import pytest
import torch

import skgan  # noqa: F401  (importing skgan sets MKL's mode)
from skgan._engine.reproducible_blas import _mkl_service, use_reproducible_mkl

needs_mkl = pytest.mark.skipif(_mkl_service() is None,
                               reason="torch has no MKL whose mode can be set")


def _misaligned_copy(tensor, offset):
    """The same values at ``offset`` floats past a 64-byte boundary."""
    buffer = torch.empty(tensor.numel() + offset)
    copy = buffer[offset:].view(tensor.shape)
    copy.copy_(tensor)
    return copy


def test_products_are_the_same_wherever_the_operands_lie():
    # On an AMD EPYC with AVX-512, MKL's default kernels gave matrix-vector products
    # that differed in the last bit with the operands' alignment, so a model fitted in
    # another process (a Dask worker, a joblib job) sampled differently.
    generator = torch.Generator().manual_seed(0)
    for rows, inner in [(32, 8), (40, 20), (64, 40), (128, 256), (256, 32)]:
        matrix = torch.randn(rows, inner, generator=generator)
        vector = torch.randn(inner, 1, generator=generator)
        aligned = matrix @ vector
        for offset in (1, 2, 3):
            product = _misaligned_copy(matrix, offset) @ _misaligned_copy(vector, offset + 1)
            assert torch.equal(product, aligned), (rows, inner, offset)


@needs_mkl
def test_importing_skgan_sets_mkl_reproducible_unless_the_user_chose():
    if not os.environ.get("MKL_CBWR"):
        assert use_reproducible_mkl() == 2  # MKL_CBWR_AUTO
    code = ("import skgan; from skgan._engine.reproducible_blas import use_reproducible_mkl; "
            "print(use_reproducible_mkl())")
    chosen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "MKL_CBWR": "COMPATIBLE"}, check=True)
    assert chosen.stdout.strip() == "3"  # MKL_CBWR_COMPATIBLE: the user's choice stays
