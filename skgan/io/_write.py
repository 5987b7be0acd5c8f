"""Fitted objects to a JSON document of type-tagged values plus arrays and tensors.

What each Python value becomes (``_read.py`` reverses it):

- ``None``, booleans, integers, strings and finite floats: themselves; dicts with string
  keys: JSON objects; lists: JSON lists.
- other values: a JSON object with one ``"$kind"`` key naming the kind, e.g.
  ``{"$tuple": [...]}``, ``{"$float": "nan"}``, ``{"$array": "a3", "dtype": ...}``.
- numeric numpy arrays and torch tensors: stored in safetensors under a generated name;
  object and text arrays: JSON lists of tagged values.
- torch modules, optimisers and skgan's own objects: their class's registry name and
  their attributes; objects met again (a parameter shared by a network and its
  optimiser) are written once and referred to by ``{"$ref": n}``.

Anything else (a function, a lambda, a class outside the registry) stops the save with a
ValueError naming where it was found.
"""

import collections
import datetime
import decimal
import math
import types

import numpy as np
import pandas as pd
import torch
from pandas.api.extensions import ExtensionDtype

from ._registry import registry

#: Attributes every ``torch.nn.Module`` sets up in its own ``__init__`` (hooks, the
#: parameter/buffer/submodule tables): rebuilt by torch on loading, never written.
TORCH_MODULE_INTERNALS = frozenset(vars(torch.nn.Module()))

_NUMERIC_KINDS = "biuf"


class StateWriter:
    """Encode values into a JSON-able document, collecting arrays and tensors.

    Parameters
    ----------
    include_optimizer : bool
        Whether optimiser states (Adam's moments) are written; without them the
        optimisers keep their settings and restart their moments.
    sampling_only : bool
        Whether to leave out what only training needs (discriminators, optimisers):
        each estimator's ``_training_only_attributes``.
    """

    def __init__(self, include_optimizer=True, sampling_only=False):
        self.include_optimizer = include_optimizer
        self.sampling_only = sampling_only
        self.arrays = {}
        self.tensors = {}
        self._registry = registry()
        self._ids = {}
        self._alive = []

    # ------------------------------------------------------------------ entry
    def encode(self, value, path):
        """The JSON-able form of ``value``; ``path`` names it in error messages."""
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int) and type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"$float": repr(value)}
        if type(value) is list:
            return [self.encode(item, f"{path}[{index}]") for index, item in enumerate(value)]
        if type(value) is tuple:
            return {"$tuple": [self.encode(item, f"{path}[{index}]")
                               for index, item in enumerate(value)]}
        if type(value) in (set, frozenset):
            return {"$set": [self.encode(item, f"{path}{{}}") for item in _ordered(value)],
                    "frozen": type(value) is frozenset}
        if isinstance(value, dict):
            return self._dict(value, path)
        seen = self._ids.get(id(value))
        if seen is not None:
            return {"$ref": seen}
        return self._encode_other(value, path)

    def _encode_other(self, value, path):
        if isinstance(value, np.ndarray):
            return self._ndarray(value, path)
        if isinstance(value, np.generic):
            return _numpy_scalar(value)
        if isinstance(value, torch.Tensor):
            return self._tensor(value, path)
        if isinstance(value, torch.nn.Module):
            return self._module(value, path)
        if isinstance(value, torch.optim.Optimizer):
            return self._optimizer(value, path)
        if isinstance(value, torch.Generator):
            return self._generator(value)
        if isinstance(value, torch.device):
            return {"$device": str(value)}
        if isinstance(value, torch.dtype):
            return {"$torch_dtype": str(value).removeprefix("torch.")}
        if isinstance(value, (np.dtype, ExtensionDtype)):
            return self._dtype(value, path)
        if isinstance(value, pd.Index):
            return self._index(value, path)
        if isinstance(value, (pd.Series, pd.DataFrame)):
            raise ValueError(f"{path} holds a pandas {type(value).__name__}: a model file "
                             "stores no tables of rows")
        special = _special_scalar(value)
        if special is not None:
            return special
        if isinstance(value, pd.Interval) and all(
                isinstance(end, (int, float, np.integer, np.floating))
                for end in (value.left, value.right)):  # pd.cut's bins
            ends = [end.item() if isinstance(end, np.generic) else end
                    for end in (value.left, value.right)]
            return {"$interval": [self.encode(end, path) for end in ends],
                    "closed": value.closed}
        if isinstance(value, type):
            return self._class(value, path)
        if _is_function(value):
            name = self._registry.function_name(value)
            if name is None:
                raise ValueError(f"{path} holds the function {value!r}, which a model file "
                                 "cannot store; give it by name or drop it before saving")
            return {"$function": name}
        if isinstance(value, (slice, range)):
            return {"$" + type(value).__name__: [value.start, value.stop, value.step]}
        return self._object(value, path)

    # ------------------------------------------------------------------ containers
    def _dict(self, value, path):
        plain = type(value) is dict and all(
            isinstance(key, str) and not key.startswith("$") for key in value)
        if plain:
            return {key: self.encode(item, f"{path}[{key!r}]") for key, item in value.items()}
        pairs = [[self.encode(key, f"{path}.key"), self.encode(item, f"{path}[{key!r}]")]
                 for key, item in value.items()]
        if type(value) is collections.defaultdict:
            factory = self._registry.factory_name(value.default_factory)
            if factory is None:
                raise ValueError(f"{path} is a defaultdict of {value.default_factory!r}, "
                                 "which a model file cannot store")
            return {"$dict": pairs, "default": factory}
        if type(value) not in (dict, collections.OrderedDict):
            raise ValueError(f"{path} is a {type(value).__name__}, which a model file "
                             "cannot store")
        return {"$dict": pairs, "ordered": type(value) is collections.OrderedDict}

    def _remember(self, value):
        index = len(self._ids)
        self._ids[id(value)] = index
        self._alive.append(value)  # ids stay unique while the writer lives
        return index

    # ------------------------------------------------------------------ arrays
    def _ndarray(self, value, path):
        index = self._remember(value)
        if value.dtype.kind == "f" and value.dtype.itemsize > 8:
            raise ValueError(f"{path} is an array of {value.dtype}, which a model file "
                             "cannot store")
        if value.dtype.kind in _NUMERIC_KINDS and value.dtype.fields is None:
            name = f"a{len(self.arrays)}"
            self.arrays[name] = value.astype(value.dtype.newbyteorder("="), order="C", copy=True)
            return {"$array": name, "$id": index, "dtype": value.dtype.str,
                    "shape": list(value.shape)}
        if value.dtype.kind in "Mm":
            name = f"a{len(self.arrays)}"
            self.arrays[name] = value.view(np.int64).copy(order="C")
            return {"$array": name, "$id": index, "dtype": value.dtype.str,
                    "shape": list(value.shape)}
        if value.dtype.kind in "OUS":
            items = [self.encode(item, f"{path}[{position}]")
                     for position, item in enumerate(value.ravel().tolist())]
            return {"$objects": items, "$id": index, "dtype": value.dtype.str,
                    "shape": list(value.shape)}
        raise ValueError(f"{path} is an array of {value.dtype}, which a model file cannot "
                         "store")

    def _tensor(self, value, path):
        if value.is_sparse or value.is_quantized:
            raise ValueError(f"{path} is a sparse or quantized tensor, which a model file "
                             "cannot store")
        index = self._remember(value)
        name = f"t{len(self.tensors)}"
        self.tensors[name] = value.detach().to("cpu", copy=True).contiguous()
        return {"$tensor": name, "$id": index, "dtype": str(value.dtype).removeprefix("torch."),
                "shape": list(value.shape), "parameter": isinstance(value, torch.nn.Parameter),
                "requires_grad": bool(value.requires_grad)}

    def _generator(self, value):
        index = self._remember(value)
        name = f"t{len(self.tensors)}"
        self.tensors[name] = value.get_state().clone()
        return {"$generator": name, "$id": index, "device": str(value.device)}

    # ------------------------------------------------------------------ torch objects
    def _module(self, value, path):
        name = self._registered_name(value, path)
        index = self._remember(value)
        encoded = {"$module": name, "$id": index, "training": bool(value.training)}
        for table in ("_parameters", "_buffers", "_modules"):
            encoded[table.lstrip("_")] = {
                key: self.encode(item, f"{path}.{key}")
                for key, item in getattr(value, table).items()}
        encoded["non_persistent"] = sorted(value._non_persistent_buffers_set)
        hooks = [key for key in TORCH_MODULE_INTERNALS
                 if key.endswith("hooks") and getattr(value, key, None)]
        if hooks:
            raise ValueError(f"{path} has torch hooks ({', '.join(sorted(hooks))}), which a "
                             "model file cannot store")
        encoded["attributes"] = {
            key: self.encode(item, f"{path}.{key}") for key, item in vars(value).items()
            if key not in TORCH_MODULE_INTERNALS}
        return encoded

    def _optimizer(self, value, path):
        name = self._registered_name(value, path)
        index = self._remember(value)
        state = value.__getstate__()
        if not self.include_optimizer:
            state = dict(state, state=collections.defaultdict(dict))
        return {"$optimizer": name, "$id": index, "state": self.encode(state, f"{path}")}

    # ------------------------------------------------------------------ pandas, numpy
    def _dtype(self, value, path):
        if isinstance(value, np.dtype):
            if value.fields is not None or value.kind == "V":
                raise ValueError(f"{path} is a structured dtype, which a model file cannot "
                                 "store")
            return {"$dtype": value.str}
        if isinstance(value, pd.CategoricalDtype):
            categories = None if value.categories is None else self.encode(
                value.categories, f"{path}.categories")
            return {"$categorical_dtype": categories, "ordered": bool(value.ordered)}
        if isinstance(value, pd.StringDtype):
            return {"$string_dtype": value.storage,
                    "na_value": self.encode(value.na_value, f"{path}.na_value")}
        text = str(value)
        try:
            same = pd.api.types.pandas_dtype(text) == value
        except (TypeError, ValueError, NotImplementedError):
            same = False
        if not same and isinstance(value, pd.ArrowDtype):  # dictionaries, decimals, ...
            return {"$arrow_dtype": _arrow_type_bytes(value.pyarrow_dtype).hex()}
        if not same:
            raise ValueError(f"{path} is the pandas dtype {value!r}, which a model file "
                             "cannot store" + _zone_advice(value))
        return {"$pandas_dtype": text}

    def _index(self, value, path):
        if isinstance(value, pd.RangeIndex):
            return {"$range_index": [value.start, value.stop, value.step],
                    "name": self.encode(value.name, f"{path}.name")}
        if isinstance(value, pd.MultiIndex):  # columns of several levels: one index each
            return {"$multi_index": [self._index(value.get_level_values(level).rename(None),
                                                 f"{path}.levels[{level}]")
                                     for level in range(value.nlevels)],
                    "names": self.encode(list(value.names), f"{path}.names")}
        values = np.asarray(value.astype(object), dtype=object)
        return {"$index": self.encode(values, f"{path}.values"),
                "dtype": self.encode(value.dtype, f"{path}.dtype"),
                "name": self.encode(value.name, f"{path}.name")}

    # ------------------------------------------------------------------ objects
    def _class(self, value, path):
        name = self._registry.class_name(value)
        if name is None:
            builtin = {bool: "bool", int: "int", float: "float", str: "str", object: "object"}
            if value in builtin:
                return {"$builtin_type": builtin[value]}
            if isinstance(value, type) and issubclass(value, np.generic):
                return {"$numpy_type": np.dtype(value).str}
            raise ValueError(f"{path} holds the class {value.__qualname__}, which a model "
                             "file cannot name")
        return {"$class": name}

    def _registered_name(self, value, path):
        name = self._registry.class_name(type(value))
        if name is None:
            from ..metrics.scorers import SCORERS

            by_name = next((key for key, scorer in SCORERS.items() if scorer is value), None)
            if by_name is not None:
                raise ValueError(
                    f"{path} is skgan's {by_name!r} scorer as an object, which a model file "
                    f"does not store; give its name instead ({by_name!r}): a model file "
                    "keeps a scorer's name")
            raise ValueError(
                f"{path} is a {type(value).__module__}.{type(value).__qualname__}, which a "
                "model file cannot describe (skgan's own classes, torch.nn layers, torch "
                "optimisers and a few scikit-learn estimators can be saved)")
        return name

    def _object(self, value, path):
        name = self._registered_name(value, path)
        if not hasattr(value, "__dict__") or getattr(type(value), "__slots__", ()):
            raise ValueError(f"{path} is a {type(value).__qualname__} without attributes to "
                             "store")
        index = self._remember(value)
        return {"$object": name, "$id": index,
                "attributes": self.encode(self.attributes(value), path)}

    def attributes(self, value):
        """The attributes of ``value`` to write (all of them, unless sampling only)."""
        attributes = dict(vars(value))
        left_out = getattr(value, "_training_only_attributes", ())
        if self.sampling_only and left_out and "history_" in attributes:
            attributes = {key: item for key, item in attributes.items()
                          if key not in left_out}
            attributes["_sampling_only"] = True
        return attributes


def _ordered(values):
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def _is_function(value):
    return isinstance(value, (types.FunctionType, types.BuiltinFunctionType,
                              types.MethodType, types.LambdaType))


def _numpy_scalar(value):
    dtype = value.dtype
    if dtype.kind in "Mm":
        return {"$scalar": dtype.str, "value": int(value.view(np.int64))}
    item = value.item()
    if isinstance(item, float) and not math.isfinite(item):
        item = {"$float": repr(item)}
    elif dtype.kind == "c" or not isinstance(item, (bool, int, float, str, dict)):
        raise ValueError(f"a numpy {dtype} scalar cannot be stored in a model file")
    return {"$scalar": dtype.str, "value": item}


def _special_scalar(value):
    """Tags of pandas and datetime scalars, or None for other values."""
    if value is pd.NA:
        return {"$na": None}
    if value is pd.NaT:
        return {"$nat": None}
    if isinstance(value, pd.Timestamp):
        naive = value if value.tz is None else value.tz_convert("UTC").tz_localize(None)
        return {"$timestamp": naive.isoformat(), "unit": value.unit,
                "tz": None if value.tz is None else str(value.tz)}
    if isinstance(value, pd.Timedelta):
        return {"$timedelta": value.isoformat(), "unit": value.unit}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, datetime.timedelta):
        return {"$duration": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, datetime.time):  # Parquet's time64 levels
        return {"$time": value.isoformat()}
    if isinstance(value, pd.Period):
        return {"$period": str(value), "freq": value.freqstr}
    if isinstance(value, bytes):  # Parquet's binary levels
        return {"$bytes": value.hex()}
    if isinstance(value, decimal.Decimal):  # amounts read from a database
        return {"$decimal": str(value)}
    return None


def _zone_advice(dtype):
    """What to do about a datetime dtype whose time zone is a dateutil one (a file path
    that loading would read: model files name zones, see ``check_zone``)."""
    zone = getattr(dtype, "tz", None)
    if zone is None or not type(zone).__module__.startswith("dateutil"):
        return ""
    named = str(getattr(zone, "_filename", "")).partition("zoneinfo/")[2]
    example = f".dt.tz_convert({named!r})" if named else ".dt.tz_convert('UTC')"
    return (": its time zone is a dateutil one, which model files do not name; fit on "
            f"the column in a zone given by name ({example}, a zoneinfo zone)")


def _arrow_type_bytes(arrow_type):
    """``arrow_type`` as Arrow's own IPC schema message of one field (data, not code)."""
    import pyarrow as pa  # there: the column's dtype is one of pyarrow's

    return pa.schema([pa.field("type", arrow_type)]).serialize().to_pybytes()
