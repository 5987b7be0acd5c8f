"""A document written by ``_write.py`` back to objects, checking every field.

Nothing here imports a module or calls a class named by the file: classes come from the
registry (``_registry.py``), objects are made with ``cls.__new__`` and given their stored
attributes (as pickle would, without pickle's ability to call anything), modules get a
fresh ``torch.nn.Module`` set-up, and optimisers their own ``__setstate__``. Any field of
the wrong type, a name outside the registry, a reference to nothing or an array whose
shape or dtype differs from what the document says raises a ValueError naming where.
"""

import collections
import datetime
import decimal
import inspect
import math

import numpy as np
import pandas as pd
import torch

from ._checks import (
    TORCH_DTYPES,
    check_adam_state,
    check_attributes,
    check_layer_shapes,
    check_spare_text,
    check_zone,
    checked,
    checked_list,
    field,
    numpy_dtype,
    shape_of,
)
from ._registry import registry
from ._write import TORCH_MODULE_INTERNALS


class StateReader:
    """Decode values of a document, with arrays and tensors read from safetensors.

    Parameters
    ----------
    arrays, tensors : dict
        The numpy arrays and torch tensors (on the CPU) of the file, by name.
    device : torch.device
        Where tensors, modules and generators are placed.
    """

    def __init__(self, arrays, tensors, device):
        self.arrays = arrays
        self.tensors = tensors
        self.device = device
        self._registry = registry()
        self._objects = []
        self._optimizer_depth = 0
        self._spare_text_bytes = 0

    def decode(self, value, path):
        """The object ``value`` (an encoded document part) stands for."""
        if value is None or isinstance(value, (bool, str, int, float)):
            return value
        if isinstance(value, list):
            return [self.decode(item, f"{path}[{index}]") for index, item in enumerate(value)]
        if not isinstance(value, dict):
            raise ValueError(f"{path}: unexpected JSON value {value!r}")
        tags = [key for key in value if key.startswith("$") and key != "$id"]
        if not tags:
            return {key: self.decode(item, f"{path}[{key!r}]") for key, item in value.items()}
        if len(tags) != 1 or tags[0] not in _DECODERS:
            raise ValueError(f"{path}: unknown kind of value {tags}")
        return _DECODERS[tags[0]](self, value, path)

    # ------------------------------------------------------------------ helpers
    def _new_id(self, value, path, obj):
        if value.get("$id") != len(self._objects):
            raise ValueError(f"{path}: object number {value.get('$id')!r} is out of order")
        self._objects.append(obj)
        return obj

    def _ref(self, value, path):
        index = field(value, "$ref", int, path)
        if not 0 <= index < len(self._objects):
            raise ValueError(f"{path}: reference to object {index}, which the file lacks")
        return self._objects[index]

    def _class(self, name, path, base=object):
        cls = self._registry.classes.get(name) if isinstance(name, str) else None
        if cls is None or not issubclass(cls, base):
            raise ValueError(f"{path}: the class {name!r} is not one a model file may name")
        return cls

    # ------------------------------------------------------------------ plain values
    def _float(self, value, path):
        text = field(value, "$float", str, path)
        if text not in ("nan", "inf", "-inf"):
            raise ValueError(f"{path}: {text!r} is not a special float")
        return float(text)

    def _tuple(self, value, path):
        return tuple(self.decode(field(value, "$tuple", list, path), path))

    def _set(self, value, path):
        items = self.decode(field(value, "$set", list, path), path)
        try:
            return frozenset(items) if field(value, "frozen", bool, path) else set(items)
        except TypeError:
            raise ValueError(f"{path}: a set holds an unhashable value") from None

    def _dict(self, value, path):
        pairs = field(value, "$dict", list, path)
        if "default" in value:
            factory = self._registry.default_factories.get(field(value, "default", str, path))
            if factory is None:
                raise ValueError(f"{path}: {value['default']!r} is not a known factory")
            result = collections.defaultdict(factory)
        else:
            ordered = field(value, "ordered", bool, path)
            result = collections.OrderedDict() if ordered else {}
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError(f"{path}: a dict entry is not a [key, value] pair")
            key = self.decode(pair[0], f"{path}.key")
            try:
                result[key] = self.decode(pair[1], f"{path}[{key!r}]")
            except TypeError:
                raise ValueError(f"{path}: {key!r} cannot be a dict key") from None
        return result

    def _scalar(self, value, path):
        dtype = numpy_dtype(field(value, "$scalar", str, path), path)
        item = value.get("value")
        if isinstance(item, dict):
            item = self._float(item, path)
        if dtype.kind in "Mm":
            return np.array(checked(item, int, path), dtype=np.int64).view(dtype)[()]
        if not isinstance(item, (bool, int, float, str)):
            raise ValueError(f"{path}: a numpy scalar holds {item!r}")
        return dtype.type(item)

    # ------------------------------------------------------------------ arrays, tensors
    def _array(self, value, path):
        name = field(value, "$array", str, path)
        dtype = numpy_dtype(field(value, "dtype", str, path), path)
        shape = shape_of(value, path)
        if name not in self.arrays:
            raise ValueError(f"{path}: the array {name!r} is missing from the file")
        stored = self.arrays[name]
        expected = np.dtype(np.int64) if dtype.kind in "Mm" else dtype.newbyteorder("=")
        if stored.dtype != expected or list(stored.shape) != shape:
            raise ValueError(f"{path}: the array {name!r} is {stored.dtype} of shape "
                             f"{list(stored.shape)}; the document says {dtype} of {shape}")
        array = stored.view(dtype) if dtype.kind in "Mm" else stored.astype(dtype, copy=True)
        return self._new_id(value, path, array)

    def _object_array(self, value, path):
        dtype = numpy_dtype(field(value, "dtype", str, path), path)
        shape = shape_of(value, path)
        if dtype.kind not in "OUS":
            raise ValueError(f"{path}: values listed in the document must be text or "
                             f"objects, not {dtype}")
        listed = field(value, "$objects", list, path)
        n_items = len(listed)
        if n_items != math.prod(shape):
            raise ValueError(f"{path}: {n_items} values for an array of shape {shape}")
        self._spare_text_bytes = check_spare_text(self._spare_text_bytes, dtype, listed, path)
        array = self._new_id(value, path, np.empty(shape, dtype=dtype))
        items = self.decode(value["$objects"], path)
        array.ravel()[:] = items if dtype.kind != "O" else _object_values(items)
        return array

    def _tensor(self, value, path):
        name = field(value, "$tensor", str, path)
        stored = self.tensors.get(name)
        shape = shape_of(value, path)
        dtype = field(value, "dtype", str, path)
        if stored is None:
            raise ValueError(f"{path}: the tensor {name!r} is missing from the file")
        if list(stored.shape) != shape or str(stored.dtype) != f"torch.{dtype}":
            raise ValueError(f"{path}: the tensor {name!r} is {stored.dtype} of shape "
                             f"{list(stored.shape)}; the document says {dtype} of {shape}")
        # Optimiser step counters stay on the CPU, as torch's load_state_dict keeps them.
        tensor = stored if self._optimizer_depth and stored.ndim == 0 else stored.to(self.device)
        if (field(value, "requires_grad", bool, path) or value["parameter"] is True) \
                and not (tensor.is_floating_point() or tensor.is_complex()):
            raise ValueError(f"{path}: only float tensors can be parameters or need gradients")
        if field(value, "parameter", bool, path):
            tensor = torch.nn.Parameter(tensor, requires_grad=field(
                value, "requires_grad", bool, path))
        else:
            tensor.requires_grad_(field(value, "requires_grad", bool, path))
        return self._new_id(value, path, tensor)

    def _generator(self, value, path):
        from .._engine.torch_utils import import_generator

        name = field(value, "$generator", str, path)
        if name not in self.tensors:
            raise ValueError(f"{path}: the generator state {name!r} is missing from the file")
        exported = {"device": field(value, "device", str, path), "state": self.tensors[name]}
        if self.tensors[name].dtype != torch.uint8 or self.tensors[name].ndim != 1:
            raise ValueError(f"{path}: a random generator's state is a 1-D uint8 tensor")
        try:
            generator = import_generator(exported, self.device)
        except (RuntimeError, ValueError) as error:
            raise ValueError(f"{path}: not a valid random generator state ({error})") from None
        return self._new_id(value, path, generator)

    # ------------------------------------------------------------------ torch objects
    def _module(self, value, path):
        cls = self._class(value.get("$module"), path, torch.nn.Module)
        module = cls.__new__(cls)
        torch.nn.Module.__init__(module)
        self._new_id(value, path, module)
        module.__dict__["training"] = field(value, "training", bool, path)
        for table in ("parameters", "buffers", "modules"):
            entries = field(value, table, dict, path)
            for key, item in entries.items():
                decoded = self.decode(item, f"{path}.{key}")
                expected = {"parameters": torch.nn.Parameter, "buffers": torch.Tensor,
                            "modules": torch.nn.Module}[table]
                if decoded is not None and not isinstance(decoded, expected):
                    raise ValueError(f"{path}.{key} is not a {expected.__name__}")
                getattr(module, f"_{table}")[key] = decoded
        non_persistent = field(value, "non_persistent", list, path)
        module._non_persistent_buffers_set.update(checked(key, str, path)
                                                  for key in non_persistent)
        attributes = self.decode(field(value, "attributes", dict, path), path)
        check_attributes(cls, attributes, path)
        clashes = set(attributes) & TORCH_MODULE_INTERNALS
        if clashes:
            raise ValueError(f"{path}: attributes {sorted(clashes)} are torch's own")
        module.__dict__.update(attributes)
        check_layer_shapes(module, path)
        return module

    def _optimizer(self, value, path):
        cls = self._class(value.get("$optimizer"), path, torch.optim.Optimizer)
        optimizer = self._new_id(value, path, cls.__new__(cls))
        self._optimizer_depth += 1
        try:
            state = self.decode(value.get("state"), f"{path}.state")
        finally:
            self._optimizer_depth -= 1
        if not isinstance(state, dict) or set(state) != {"defaults", "state", "param_groups"}:
            raise ValueError(f"{path}: not an optimiser's state")
        if not isinstance(state["defaults"], dict) or not isinstance(state["state"], dict):
            raise ValueError(f"{path}: not an optimiser's state")
        for moments in state["state"].values():
            if not isinstance(moments, dict) or not all(
                    isinstance(item, torch.Tensor) for item in moments.values()):
                raise ValueError(f"{path}: an optimiser's state holds other than tensors")
        for group in checked(state["param_groups"], list, path):
            params = checked(group, dict, path).get("params")
            if not isinstance(params, list) or not all(
                    isinstance(param, torch.nn.Parameter) for param in params):
                raise ValueError(f"{path}: a parameter group does not list parameters")
        if cls is not torch.optim.Adam:  # every optimiser skgan makes is one
            raise ValueError(f"{path}: skgan's models train with torch.optim.Adam, not "
                             f"{cls.__name__}")
        check_adam_state(state, path)
        optimizer.__setstate__(state)
        for group in optimizer.param_groups:  # as torch's load_state_dict places steps
            if group.get("fused") or group.get("capturable"):
                for param in group["params"]:
                    step = optimizer.state.get(param, {}).get("step")
                    if isinstance(step, torch.Tensor):
                        optimizer.state[param]["step"] = step.to(param.device)
        return optimizer

    # ------------------------------------------------------------------ objects
    def _object(self, value, path):
        cls = self._class(value.get("$object"), path)
        if issubclass(cls, (torch.nn.Module, torch.optim.Optimizer)):
            raise ValueError(f"{path}: {value['$object']} must be stored as a torch object")
        if inspect.isabstract(cls) or "__slots__" in vars(cls):
            raise ValueError(f"{path}: {value['$object']} is not a class of stored objects")
        obj = self._new_id(value, path, cls.__new__(cls))
        attributes = self.decode(field(value, "attributes", dict, path), path)
        check_attributes(cls, attributes, path)
        obj.__dict__.update(attributes)
        return obj

    def _class_value(self, value, path):
        return self._class(value.get("$class"), path)

    def _function(self, value, path):
        function = self._registry.functions.get(value.get("$function"))
        if function is None:
            raise ValueError(f"{path}: the function {value.get('$function')!r} is not one a "
                             "model file may name")
        return function

    # ------------------------------------------------------------------ pandas, numpy
    def _dtype(self, value, path):
        return numpy_dtype(field(value, "$dtype", str, path), path)

    def _categorical_dtype(self, value, path):
        categories = value.get("$categorical_dtype")
        categories = None if categories is None else self.decode(categories, path)
        if categories is not None and not isinstance(categories, pd.Index):
            raise ValueError(f"{path}: categories must be an index")
        return pd.CategoricalDtype(categories, ordered=field(value, "ordered", bool, path))

    def _string_dtype(self, value, path):
        storage = field(value, "$string_dtype", str, path)
        na_value = self.decode(value.get("na_value"), path)
        try:
            return pd.StringDtype(storage, na_value=na_value)
        except (ImportError, ValueError):  # pyarrow storage where pyarrow is missing
            return pd.StringDtype("python", na_value=na_value)

    def _pandas_dtype(self, value, path):
        text = check_zone(field(value, "$pandas_dtype", str, path), path)
        try:
            return pd.api.types.pandas_dtype(text)
        except (TypeError, ValueError, ImportError):
            raise ValueError(f"{path}: {text!r} is not a pandas dtype") from None

    def _arrow_dtype(self, value, path):
        text = field(value, "$arrow_dtype", str, path)
        try:
            import pyarrow as pa
        except ImportError:
            raise ValueError(f"{path}: a column of an Arrow dtype needs pyarrow to load "
                             "(pip install skgan[parquet])") from None
        try:
            schema = pa.ipc.read_schema(pa.py_buffer(bytes.fromhex(text)))
            return pd.ArrowDtype(schema.field(0).type)
        except (ValueError, TypeError, IndexError, pa.ArrowException):
            raise ValueError(f"{path}: not a valid Arrow dtype") from None

    def _index(self, value, path):
        values = self.decode(value.get("$index"), path)
        dtype = self.decode(value.get("dtype"), path)
        if not isinstance(values, np.ndarray) or values.ndim != 1:
            raise ValueError(f"{path}: an index needs a 1-D array of values")
        try:
            return pd.Index(values, dtype=dtype, name=self.decode(value.get("name"), path))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: not a valid index ({error})") from None

    def _multi_index(self, value, path):
        levels = value.get("$multi_index")
        names = self.decode(value.get("names"), f"{path}.names")
        if not isinstance(levels, list) or not levels or not isinstance(names, list) \
                or len(names) != len(levels):
            raise ValueError(f"{path}: a MultiIndex needs a list of levels and one name each")
        arrays = []
        for level, encoded in enumerate(levels):
            if not isinstance(encoded, dict) or "$index" not in encoded:
                raise ValueError(f"{path}: level {level} of a MultiIndex is not an index")
            arrays.append(self._index(encoded, f"{path}.levels[{level}]"))
        if len({len(array) for array in arrays}) != 1:
            raise ValueError(f"{path}: the levels of a MultiIndex differ in length")
        try:
            return pd.MultiIndex.from_arrays(arrays, names=names)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: not a valid MultiIndex ({error})") from None

    def _range_index(self, value, path):
        start, stop, step = checked_list(value.get("$range_index"), 3, int, path)
        return pd.RangeIndex(start, stop, step, name=self.decode(value.get("name"), path))

    def _simple(self, value, path):
        tag = next(key for key in value if key.startswith("$"))
        content = value[tag]
        try:
            if tag == "$device":
                torch.device(checked(content, str, path))  # a valid device name
                return self.device  # every device of the file maps to where it loads
            if tag == "$torch_dtype":
                dtype = TORCH_DTYPES.get(checked(content, str, path))
                if dtype is None:
                    raise ValueError(f"{content!r} is not a torch dtype")
                return dtype
            if tag == "$na":
                return pd.NA
            if tag == "$nat":
                return pd.NaT
            if tag == "$timestamp":
                stamp = pd.Timestamp(checked(content, str, path)).as_unit(
                    field(value, "unit", str, path))
                tz = value.get("tz")
                return stamp if tz is None else stamp.tz_localize("UTC").tz_convert(
                    check_zone(checked(tz, str, path), path))
            if tag == "$timedelta":
                return pd.Timedelta(checked(content, str, path)).as_unit(
                    field(value, "unit", str, path))
            if tag == "$datetime":
                return datetime.datetime.fromisoformat(checked(content, str, path))
            if tag == "$date":
                return datetime.date.fromisoformat(checked(content, str, path))
            if tag == "$duration":
                return datetime.timedelta(*checked_list(content, 3, int, path))
            if tag == "$time":
                return datetime.time.fromisoformat(checked(content, str, path))
            if tag == "$period":
                return pd.Period(checked(content, str, path), freq=field(value, "freq", str, path))
            if tag == "$bytes":
                return bytes.fromhex(checked(content, str, path))
            if tag == "$decimal":
                try:
                    return decimal.Decimal(checked(content, str, path))
                except decimal.InvalidOperation:
                    raise ValueError(f"{path}: {content!r} is not a decimal number") from None
            if tag == "$interval":
                ends = [float(end["$float"]) if isinstance(end, dict) else end
                        for end in checked_list(content, 2, (int, float, dict), path)]
                closed = field(value, "closed", str, path)
                if closed not in ("left", "right", "both", "neither"):
                    raise ValueError(f"closed={closed!r}")
                return pd.Interval(*ends, closed=closed)
            if tag == "$builtin_type":
                return {"bool": bool, "int": int, "float": float, "str": str,
                        "object": object}[content]
            if tag == "$numpy_type":
                return numpy_dtype(checked(content, str, path), path).type
            if tag in ("$slice", "$range"):
                start, stop, step = checked_list(content, 3, (int, type(None)), path)
                return slice(start, stop, step) if tag == "$slice" else range(start, stop, step)
        except (KeyError, TypeError, ValueError, OverflowError, RuntimeError) as error:
            raise ValueError(f"{path}: not a valid {tag[1:]} ({error})") from None
        raise AssertionError(tag)


_DECODERS = {
    "$ref": StateReader._ref, "$float": StateReader._float, "$tuple": StateReader._tuple,
    "$set": StateReader._set, "$dict": StateReader._dict, "$scalar": StateReader._scalar,
    "$array": StateReader._array, "$objects": StateReader._object_array,
    "$tensor": StateReader._tensor, "$generator": StateReader._generator,
    "$module": StateReader._module, "$optimizer": StateReader._optimizer,
    "$object": StateReader._object, "$class": StateReader._class_value,
    "$function": StateReader._function, "$dtype": StateReader._dtype,
    "$categorical_dtype": StateReader._categorical_dtype,
    "$string_dtype": StateReader._string_dtype, "$pandas_dtype": StateReader._pandas_dtype,
    "$index": StateReader._index, "$range_index": StateReader._range_index,
    "$multi_index": StateReader._multi_index, "$arrow_dtype": StateReader._arrow_dtype,
    **{tag: StateReader._simple for tag in (
        "$device", "$torch_dtype", "$na", "$nat", "$timestamp", "$timedelta", "$datetime",
        "$date", "$duration", "$time", "$period", "$bytes", "$decimal", "$interval",
        "$builtin_type", "$numpy_type", "$slice", "$range")},
}


def _object_values(items):
    """``items`` as a 1-D object array (lists and tuples kept as single values)."""
    values = np.empty(len(items), dtype=object)
    for position, item in enumerate(items):
        values[position] = item
    return values
