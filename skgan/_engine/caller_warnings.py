"""Warnings shown at the user's own line: the first frame outside skgan and the
libraries its calls pass through (scikit-learn's wrappers, contextlib, functools).

A fixed ``stacklevel`` points at skgan's source when one warning is reached by several
call paths (a fit afresh, ``partial_fit``, a search); this walks the stack instead.
"""

import sys
import warnings

#: Modules whose frames are skipped: skgan's own and those its calls pass through.
_PASSED_THROUGH = ("skgan", "sklearn", "contextlib", "functools")


def warn_at_caller(message, category=UserWarning):
    """``warnings.warn(message, category)`` attributed to the first frame outside
    :data:`_PASSED_THROUGH` (the user's call)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and _passed_through(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _passed_through(frame):
    module = frame.f_globals.get("__name__", "")
    return module.split(".", 1)[0] in _PASSED_THROUGH
