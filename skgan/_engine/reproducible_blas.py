"""The same products of matrices in every process: MKL's conditional numerical reproducibility.

torch's CPU build multiplies float32 matrices with Intel MKL, which picks its kernels at
run time by the CPU, the number of threads and the alignment of the operands in memory.
On some CPUs (seen on an AMD EPYC with AVX-512: matrices of 5-11 rows, vector products
of operands not aligned to 64 bytes) two processes given the same tensors then return
products that differ in the last bit, and a GAN's training carries such a bit into
different networks: a model fitted on a Dask worker or in a joblib process did not
sample like the same fit in the user's process, although both had the same
``random_state``. MKL's "conditional numerical reproducibility" mode ``AUTO`` fixes the
kernels for the CPU it runs on, so the same inputs give the same products in every
process of that machine (Intel's documentation: "Obtaining Numerically Reproducible
Results"). Users choose it with the ``MKL_CBWR`` environment variable; when they have
not, skgan sets ``AUTO`` when it is imported, through the MKL service function that
torch's library exports. Builds without MKL (torch for ARM, say) are left as they are.
"""

import ctypes
import os

import torch

#: MKL's codes (mkl_service.h): which setting to read, and the mode that fixes kernels.
_MKL_CBWR_BRANCH, _MKL_CBWR_AUTO, _MKL_CBWR_SUCCESS = 1, 2, 0


def _mkl_service():
    """torch's CPU library when it exports MKL's service functions, else None."""
    if not torch.backends.mkl.is_available():
        return None
    library = os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")
    try:
        service = ctypes.CDLL(library)
        set_mode, get_mode = service.mkl_serv_cbwr_set, service.mkl_serv_cbwr_get
    except (OSError, AttributeError):  # another platform or a build that hides them
        return None
    set_mode.argtypes = get_mode.argtypes = [ctypes.c_int]
    set_mode.restype = get_mode.restype = ctypes.c_int
    return set_mode, get_mode


def use_reproducible_mkl():
    """Set MKL's reproducibility mode to ``AUTO`` unless ``MKL_CBWR`` chose one.

    Returns the mode now in force (MKL's code; 2 is ``AUTO``), or None where torch has
    no MKL whose mode can be set.
    """
    service = _mkl_service()
    if service is None:
        return None
    set_mode, get_mode = service
    if not os.environ.get("MKL_CBWR"):
        set_mode(_MKL_CBWR_AUTO)
    return get_mode(_MKL_CBWR_BRANCH)
