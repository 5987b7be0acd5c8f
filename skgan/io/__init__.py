"""Model files: a fitted estimator or adapter as one zip of JSON and safetensors.

:func:`save` writes, :func:`load` reads; ``skgan.save`` and ``skgan.load`` are the same
functions. A file holds a JSON document (format name and version, the versions of
skgan, torch and numpy that wrote it, the class by its registry name, ``get_params()``
and the fitted attributes as type-tagged values) and the arrays and tensors in
safetensors. Loading runs no pickle, ``torch.load`` or ``eval`` and imports nothing the
file names, so a model file from someone else is as safe to open as a CSV table.
See docs/saving_models.md.
"""

import numbers
import platform
import warnings

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.base import BaseEstimator

from .._engine.torch_utils import device_available, resolve_device
from ..base import BaseGAN
from ._container import read_archive, writable_target, write_archive
from ._checks import check_attributes
from ._read import StateReader
from ._registry import registry
from ._write import StateWriter

#: The format's name, in every document.
FORMAT_NAME = "skgan-model"
#: The version this skgan writes; it reads this one and every earlier one.
FORMAT_VERSION = 1

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load", "save"]


def save(estimator, path, *, include_optimizer=True, sampling_only=False):
    """Write a skgan estimator or adapter (fitted or not) to a model file.

    Parameters
    ----------
    estimator : skgan estimator or adapter
        ``GANSampler``, ``WGANSampler``, ``ConditionalGAN``, ``CycleGANTransformer``,
        ``GANResampler``, ``AugmentedEstimator`` (wrapping a model the format can
        describe: skgan's, or a scikit-learn linear, naive Bayes, discriminant or dummy
        model, scaler or pipeline of those) or an adapter.
    path : str, path-like or binary file object
        Where to write; a path is written whole or not at all. ``.skgan`` is the usual
        suffix.
    include_optimizer : bool, default=True
        Whether the optimisers' moments are written (needed to continue training
        exactly where it stopped). Without them the file is about 40 % of the size;
        ``sample``, ``transform`` and ``score`` give the same results, and training
        continues with fresh moments.
    sampling_only : bool, default=False
        Leave out everything only training needs: the optimisers and the
        discriminators (often the largest network). The file is smallest;
        ``sample``, ``transform`` and ``score`` give the same results, and continuing
        training (``partial_fit``, ``warm_start``) raises a ValueError; ``fit`` trains
        afresh.

    Raises
    ------
    TypeError
        When ``estimator`` is not a skgan estimator or adapter.
    ValueError
        When it holds something the format cannot describe (a function as a parameter,
        a model of another library), named with where it was found.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> import skgan
    >>> X = np.random.default_rng(0).normal(size=(64, 2))
    >>> model = skgan.GANSampler(epochs=1, random_state=0).fit(X)
    >>> buffer = io.BytesIO()
    >>> skgan.save(model, buffer)
    >>> _ = buffer.seek(0)
    >>> loaded = skgan.load(buffer)
    >>> bool(np.array_equal(loaded.sample(5, random_state=1), model.sample(5, random_state=1)))
    True
    """
    for option, value in (("include_optimizer", include_optimizer),
                          ("sampling_only", sampling_only)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"save's {option} must be True or False, got {value!r}.")
    name = _top_level_name(estimator)
    target = writable_target(path)
    writer = StateWriter(include_optimizer=bool(include_optimizer),
                         sampling_only=bool(sampling_only))
    params = estimator.get_params(deep=False)
    fitted = {key: value for key, value in writer.attributes(estimator).items()
              if key not in params}
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "class": name,
        "optimizer_included": bool(include_optimizer and not sampling_only),
        "sampling_only": bool(sampling_only),
        "params": writer.encode(params, f"{name}.params"),
        "fitted": writer.encode(fitted, name),
    }
    write_archive(target, document, writer.arrays, writer.tensors)


def load(path, device=None):
    """Read a model file written by :func:`save`.

    Parameters
    ----------
    path : str, path-like or binary file object
        The model file.
    device : str, torch.device or None, default=None
        Where the networks go. None: the device the model was trained on when this
        machine has it, else the CPU (with a warning), so a model trained on a GPU
        loads on a CPU-only machine. A device named here must exist (``"auto"``: the
        first of CUDA, MPS, CPU), else ``ValueError``.

    Returns
    -------
    estimator : skgan estimator or adapter
        As it was saved: same parameters, fitted attributes, ``history_``, random
        generator state, and optimiser states when they were saved.

    Raises
    ------
    ValueError
        When the file is not a skgan model file, is damaged, was written by a newer
        format version than this skgan reads, or names a class skgan does not know; a
        pickle gets a message saying how to convert it (``skgan convert``).

    Examples
    --------
    >>> import io
    >>> import skgan
    >>> buffer = io.BytesIO(b"not a model")
    >>> skgan.load(buffer)
    Traceback (most recent call last):
    ...
    ValueError: the model file is not a skgan model file (not a zip archive)
    """
    if device is not None:  # a device this machine lacks is named as such, not the file
        device = resolve_device(device)
    document, arrays, tensors, label = read_archive(path)
    version = _format_version(document, label)
    try:
        estimator = _READERS[version](document, arrays, tensors, label, device)
    except _MALFORMED as error:  # what a value of the wrong shape or kind runs into
        raise ValueError(f"{label} is not a valid skgan model file ({type(error).__name__}: "
                         f"{error})") from None
    _check_fields(estimator, label)
    _check_samples(estimator, label)
    return estimator


#: Fitted counters a model file holds (whole numbers, 0 or more, where present).
_COUNTERS = ("n_features_in_", "n_iter_", "_n_steps", "_n_averaged")


def _check_fields(estimator, label):
    """Hold every estimator in the file (nested and fitted ones too) to its parameters'
    rules, and its fitted counters to whole numbers, so that a crafted file is refused
    here, naming the field, not later with a message about something else."""
    try:
        parts = list(_estimators_within(estimator, type(estimator).__name__))
    except (AttributeError, TypeError) as error:  # an object of another class's fields
        raise ValueError(f"{label} is not a valid skgan model file: its parameters do not "
                         f"fit their classes ({type(error).__name__}: "
                         f"{_first_line(error)})") from None
    for path, part in parts:
        _check_history(part, path, label)
        validate = getattr(part, "_validate_params", None)
        if validate is not None and hasattr(part, "_parameter_constraints"):
            try:
                validate()
            except (ValueError, TypeError) as error:
                raise ValueError(f"{label} is not a valid skgan model file ({path}): "
                                 f"{_first_line(error)}") from None
        if not type(part).__module__.startswith("skgan."):
            continue  # scikit-learn's own: its n_iter_ may be an array (one per class)
        for name in _COUNTERS:
            value = getattr(part, name, None)
            present = value is not None or name in vars(part)  # a null one too
            if present and (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                            or value < 0):
                raise ValueError(f"{label} is not a valid skgan model file ({path}): {name} "
                                 f"must be a whole number of 0 or more, not {value!r}")
        problem = _fitted_field_problem(part)
        if problem:
            raise ValueError(f"{label} is not a valid skgan model file ({path}): {problem}")


#: The estimators' random streams, where present (None: none kept).
_GENERATORS = ("_rng", "_encoder_rng", "_local_rng")


def _fitted_field_problem(part):
    """What is wrong with the fitted fields every skgan estimator reads outside
    ``sample`` (``score``'s seed, the random streams of further training, the feature
    names), or None."""
    fields = vars(part)
    seed = fields.get("_score_seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        return f"_score_seed must be a whole number, not {seed!r}"
    for name in _GENERATORS:
        if fields.get(name) is not None and not isinstance(fields[name], torch.Generator):
            return f"{name} must be a torch.Generator, not {type(fields[name]).__name__}"
    names = fields.get("feature_names_in_")
    if names is not None and not (isinstance(names, np.ndarray) and names.ndim == 1
                                  and all(isinstance(name, str) for name in names)):
        return "feature_names_in_ must be a 1-D array of column names (text)"
    return None


def _check_history(estimator, path, label):
    """``history_``, where present: a dict of lists of numbers, whole ``epoch`` numbers."""
    history = getattr(estimator, "history_", None)
    if history is None and "history_" not in vars(estimator):
        return
    problem = None
    if not isinstance(history, dict) or not all(isinstance(key, str) for key in history):
        problem = "must be a dict of lists"
    else:
        for key, values in history.items():
            whole = key == "epoch"
            if not isinstance(values, list) or not all(
                    isinstance(value, (int, float, np.integer, np.floating))
                    and not isinstance(value, bool)
                    and (not whole or float(value).is_integer()) for value in values):
                problem = (f"[{key!r}] must be a list of "
                           f"{'whole numbers' if whole else 'numbers'}")
                break
    if problem:
        raise ValueError(f"{label} is not a valid skgan model file ({path}): history_ "
                         f"{problem}")


def _estimators_within(estimator, path, seen=None):
    """``(path, estimator)`` for ``estimator`` and every scikit-learn estimator in its
    parameters and fitted ``estimator_``, ``estimators_`` and ``adapter_``."""
    seen = set() if seen is None else seen
    if id(estimator) in seen or not isinstance(estimator, BaseEstimator):
        return
    seen.add(id(estimator))
    yield path, estimator
    parts = [(f"{path}.{name}", value)
             for name, value in estimator.get_params(deep=False).items()]
    parts += [(f"{path}.{name}", getattr(estimator, name, None))
              for name in ("estimator_", "adapter_")]
    fitted = getattr(estimator, "estimators_", None)
    if isinstance(fitted, dict):
        parts += [(f"{path}.estimators_[{key!r}]", value) for key, value in fitted.items()]
    for part_path, part in parts:
        yield from _estimators_within(part, part_path, seen)


def _check_samples(estimator, label):
    """Sample two rows from a fitted sampler (its own seed: the estimator's random
    stream stays put), so that a file whose fields have the right types but values that
    do not hold together (a level that is a list, a head's width that is null) is
    refused here, as a ValueError naming the file, not later inside ``sample``."""
    samplers = [estimator, getattr(estimator, "estimator_", None),  # GANResampler's too
                *(getattr(estimator, "estimators_", None) or {}).values()]
    if hasattr(estimator, "generator_ab_") and hasattr(estimator, "adapter_"):
        _check_translations(estimator, label)
    for sampler in samplers:
        if not isinstance(sampler, BaseGAN) or not hasattr(sampler, "history_") or \
                not hasattr(sampler, "sample"):
            continue
        doing = "sampling from"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows = sampler.sample(2, random_state=0)
                if not isinstance(rows, tuple):  # a sampler's rows, scored as held out
                    doing = "scoring rows with"
                    sampler.score(rows)
        except Exception as error:  # whatever a damaged model runs into
            raise ValueError(
                f"{label} is not a valid skgan model file: {doing} its "
                f"{type(sampler).__name__} fails ({type(error).__name__}: "
                f"{_first_line(error)})") from None


def _check_translations(translator, label):
    """Translate two rows each way (rows the adapter decodes from zeros), so that a
    CycleGANTransformer file whose networks do not hold together is refused here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = translator.adapter_.decode(
                np.zeros((2, *translator.adapter_.encoded_shape_), dtype=np.float32),
                random_state=0)
            translator.transform(rows)
            translator.inverse_transform(rows)
    except Exception as error:  # whatever a damaged model runs into
        raise ValueError(
            f"{label} is not a valid skgan model file: translating with its "
            f"{type(translator).__name__} fails ({type(error).__name__}: "
            f"{_first_line(error)})") from None


def _first_line(error):
    """The first line of ``error``'s message (its type's name when it has none)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


#: Errors decoding a malformed document can raise (never one written by :func:`save`).
_MALFORMED = (TypeError, KeyError, AttributeError, IndexError, OverflowError, RuntimeError,
              RecursionError, MemoryError, ZeroDivisionError, NotImplementedError)


#: Parameters added after files of format 1 were first written, with the value that
#: gives a file saved before them the behaviour it had then (the class default may
#: differ: ``cuda_graphs`` became "auto" later).
_PARAMS_BEFORE_THEY_EXISTED = {"cuda_graphs": False}


def _read_version_1(document, arrays, tensors, label, device):
    name = document.get("class")
    cls = registry().classes.get(name) if isinstance(name, str) else None
    if cls is None or not issubclass(cls, _saved_kinds()):
        raise ValueError(f"{label}: the class {name!r} is not a skgan estimator or adapter")
    if not isinstance(document.get("params"), dict) or not isinstance(
            document.get("fitted"), dict):
        raise ValueError(f"{label}: the fields 'params' and 'fitted' must be JSON objects")
    target = _target_device(document["fitted"], device)
    reader = StateReader(arrays, tensors, target)
    params = reader.decode(document["params"], f"{label}: {name}.params")
    fitted = reader.decode(document["fitted"], f"{label}: {name}")
    if not isinstance(params, dict) or not isinstance(fitted, dict):
        raise ValueError(f"{label}: the fields 'params' and 'fitted' must be JSON objects")
    check_attributes(cls, fitted, f"{label}: {name}")
    if set(params) & set(fitted):
        raise ValueError(f"{label}: {sorted(set(params) & set(fitted))} are both parameters "
                         "and fitted attributes")
    accepted = cls._get_param_names() if hasattr(cls, "_get_param_names") else ()
    params = {**{name: value for name, value in _PARAMS_BEFORE_THEY_EXISTED.items()
                 if name in accepted}, **params}
    try:
        estimator = cls(**params)
    except TypeError as error:
        raise ValueError(f"{label}: the parameters do not fit {name} ({error})") from None
    estimator.__dict__.update(fitted)
    if "device_" in fitted:
        estimator.device_ = target
    return estimator


#: A reader for every format version this skgan has written; none is ever removed.
_READERS = {1: _read_version_1}


def _format_version(document, label):
    if document.get("format") != FORMAT_NAME:
        raise ValueError(f"{label} is not a skgan model file (its format is "
                         f"{document.get('format')!r}, not {FORMAT_NAME!r})")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{label}: format_version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        writer = document.get("versions", {}).get("skgan", "a newer skgan") \
            if isinstance(document.get("versions"), dict) else "a newer skgan"
        raise ValueError(
            f"{label} was written in skgan model format version {version} (by skgan "
            f"{writer}); this skgan ({_skgan_version()}) reads format versions up to "
            f"{FORMAT_VERSION}: upgrade skgan to load it")
    return version


def _target_device(fitted, device):
    """Where the model loads: ``device``, else the first device the document names
    (nested estimators' too) when this machine has it, else the CPU."""
    if device is not None:
        return device
    stored = _first_device(fitted)
    if stored is None:
        return torch.device("cpu")
    try:
        saved = torch.device(stored)
    except RuntimeError:
        return torch.device("cpu")
    if device_available(saved):
        return saved
    warnings.warn(f"This model was trained on {saved}, which is not available here; it is "
                  "loaded on the CPU.", UserWarning, stacklevel=3)
    return torch.device("cpu")


def _first_device(value, depth=0):
    """The first ``{"$device": name}`` in a document part, or None."""
    if depth > 50:
        return None
    if isinstance(value, dict):
        if isinstance(value.get("$device"), str):
            return value["$device"]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _first_device(item, depth + 1)
            if found is not None:
                return found
    return None


def _saved_kinds():
    """The classes a model file holds at its top: skgan's estimators and adapters."""
    from ..adapters import BaseAdapter
    from ..augmented import AugmentedEstimator
    from ..base import BaseGAN
    from ..cycle import CycleGANTransformer
    from ..resampler import GANResampler

    return (BaseGAN, BaseAdapter, CycleGANTransformer, GANResampler, AugmentedEstimator)


def _top_level_name(estimator):
    name = registry().class_name(type(estimator))
    if not isinstance(estimator, _saved_kinds()) or name is None:
        raise TypeError(f"skgan.save writes skgan estimators and adapters, not "
                        f"{type(estimator).__name__}")
    return name


def _skgan_version():
    from .. import __version__

    return __version__


def _versions():
    return {"skgan": _skgan_version(), "torch": torch.__version__.split("+")[0],
            "numpy": np.__version__, "pandas": pd.__version__,
            "scikit-learn": sklearn.__version__, "python": platform.python_version()}
