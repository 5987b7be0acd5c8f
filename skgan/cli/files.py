"""Model files of the ``skgan`` command, and the one-line errors of every file it reads.

Tables (CSV and Parquet) are read by :mod:`skgan.cli.tables` and written by
:mod:`skgan.cli.table_writing`.
"""

import os
import pickle
import sys
from contextlib import contextmanager
from pathlib import Path

from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..adapters import NumericAdapter, TabularAdapter
from ..base import BaseGAN
from ..conditional import ConditionalGAN
from ..io import _first_line, load, save


class CommandError(Exception):
    """A failure to report to the user as one line (no traceback)."""


def save_model(model, path, datetime_formats=None):
    """Write a fitted estimator to ``path`` as a skgan model file (see :func:`skgan.save`).

    ``datetime_formats``, the text format of each datetime column of the CSV the model
    was fitted on, travels with the model (its ``_cli_datetime_formats``) for
    ``skgan sample``. The file is written whole or not at all.
    """
    model._cli_datetime_formats = dict(datetime_formats or {})
    try:
        save(model, path)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
    except (TypeError, ValueError) as error:
        raise CommandError(f"cannot save the model to {path}: {error}") from None


def check_table_sampler(model, path):
    """Refuse, naming what ``path`` holds, a fitted model whose samples are not a table
    (``skgan sample`` writes CSV and Parquet tables): a ConditionalGAN (rows and labels)
    or a model of images or signals."""
    if isinstance(model, ConditionalGAN):
        raise CommandError(
            f"{path} holds a ConditionalGAN, whose samples are rows and their labels; "
            "skgan sample writes tables (sample it in Python: skgan.load(path).sample(n, y))")
    if not isinstance(model.adapter_, (TabularAdapter, NumericAdapter)):
        raise CommandError(
            f"{path} holds {_with_article(type(model).__name__)} fitted on "
            f"{type(model.adapter_).__name__.removesuffix('Adapter').lower()}s, not a table; "
            "skgan sample writes tables (sample it in Python: skgan.load(path).sample(n))")


def _check_writable(path, source=None):
    """A CommandError when ``path`` cannot be written, or is the file ``source`` (the
    command's input), which writing would destroy."""
    path = Path(path)
    if source is not None and path.exists() and Path(source).exists() and \
            os.path.samefile(path, source):
        raise CommandError(f"cannot write {path}: it is the input file {source}")
    if path.is_dir():
        raise CommandError(f"cannot write {path}: it is a directory")
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"cannot write {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise CommandError(f"cannot write {path}: {folder} is not writable")


def load_model(path):
    """Read a fitted skgan estimator from a model file written by ``skgan fit``."""
    return read_model_file(path)[0]


def read_model_file(path):
    """The fitted estimator of a model file and the datetime formats saved with it.

    Model files are skgan's format (:func:`skgan.load`): nothing in them runs code.
    Pickled models of earlier versions are refused with the command that converts them.
    """
    try:
        with _reading(path, "model file"):
            model = load(path)
    except ValueError as error:
        raise CommandError(str(error)) from None
    return _fitted_model(model, path), getattr(model, "_cli_datetime_formats", {})


def convert_pickle(old_path, new_path):
    """Unpickle a model file of an earlier skgan and write it in skgan's format.

    Unpickling runs whatever code the file holds: the command asks for
    ``--trust-pickle`` before calling this.
    """
    try:
        with _reading(old_path, "model file"), open(old_path, "rb") as handle:
            model = pickle.load(handle)
    except CommandError:
        raise
    except Exception:  # a pickle can fail to load in any way
        raise CommandError(f"{old_path} is not a pickled skgan model") from None
    model = _fitted_model(model, old_path)
    save_model(model, new_path, getattr(model, "_cli_datetime_formats", {}))
    return model


def _with_article(name):
    """``name`` after "a" or "an", as its first letter sounds."""
    return f"{'an' if name[:1] in 'AEIOU' else 'a'} {name}"


def _fitted_model(model, path):
    if not isinstance(model, BaseGAN):
        if type(model).__module__.split(".")[0] == "skgan":  # a model file of another kind
            raise CommandError(
                f"{path} holds {_with_article(type(model).__name__)}, not a sampler the "
                "skgan command "
                "runs (load it in Python with skgan.load)")
        raise CommandError(f"{path} is not a skgan model file (make one with 'skgan fit')")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise CommandError(f"{path} holds an estimator that was never fitted") from None
    return model


@contextmanager
def _reading(path, kind):
    """Turn the errors of opening ``path`` into one-line CommandErrors."""
    try:
        yield
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except ImportError as error:  # a compression pandas reads with an optional package
        raise CommandError(f"cannot read {path}: {_first_line(error)}") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a directory, not a {kind}") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None


def _error(message):
    """One line on stderr: ``skgan: error: ...``."""
    print(f"skgan: error: {message}", file=sys.stderr)


def _warn(message):
    """One line on stderr: ``skgan: warning: ...`` (by rank 0 alone under torchrun)."""
    if _is_primary_process():
        print(f"skgan: warning: {_first_line(message)}", file=sys.stderr)


def _is_primary_process():
    """Whether this process writes files and prints: rank 0 of a distributed run
    (``torchrun``), or the only process."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return int(os.environ.get("RANK", "0")) == 0
