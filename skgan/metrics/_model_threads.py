"""The OpenMP threads of the small scikit-learn models that measure samples (ML
efficacy, C2ST)."""

import contextlib

try:  # installed with scikit-learn
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None


#: Below this many training rows scikit-learn's gradient-boosting models that skgan
#: trains to measure samples (ML efficacy, C2ST) use one OpenMP thread: small models
#: gain nothing from more, and lose tenfold when the threads wait on a busy core (as
#: after torch training, whose own OpenMP threads still spin; a 120-row C2ST took 1 to
#: 233 s beside other work).
SINGLE_THREAD_ROWS = 100_000


def small_model_threads(n_rows):
    """One OpenMP thread inside the block for a model trained on fewer than
    :data:`SINGLE_THREAD_ROWS` rows (the user's setting otherwise)."""
    if threadpool_limits is None or n_rows >= SINGLE_THREAD_ROWS:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="openmp")
