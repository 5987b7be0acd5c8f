"""Checks of a document's fields: each wrong type, shape or name is a ValueError that
says where it was found (used by ``_read.py``)."""

import inspect

import numpy as np
import torch

#: torch's dtypes by name (a fixed table: ``getattr(torch, name)`` could import modules).
TORCH_DTYPES = {name: value for name, value in vars(torch).items()
                 if isinstance(value, torch.dtype)}


def check_zone(text, path):
    """``text`` (a time zone or a dtype naming one) unless it would make a time-zone
    library read a file of the file's choosing."""
    if "dateutil" in text or "/" in text and any(
            part.startswith(("/", ".")) for part in text.replace(",", " ").split()):
        raise ValueError(f"{path}: {text!r} is not a time zone a model file may name")
    return text


def check_attributes(cls, attributes, path):
    """Attributes of an object of ``cls`` may not replace its methods or properties."""
    if not isinstance(attributes, dict) or not all(isinstance(key, str) for key in attributes):
        raise ValueError(f"{path}: attributes must be a dict with text keys")
    shadowed = [key for key in attributes
                if callable(getattr(cls, key, None)) or isinstance(
                    inspect.getattr_static(cls, key, None), property)]
    if shadowed:
        raise ValueError(f"{path}: attributes {shadowed} would replace methods of "
                         f"{cls.__name__}")


def field(value, key, kind, path):
    if key not in value:
        raise ValueError(f"{path}: the field {key!r} is missing")
    return checked(value[key], kind, f"{path}.{key}")


def checked(item, kind, path):
    if not isinstance(item, kind) or (kind is int and isinstance(item, bool)):
        raise ValueError(f"{path}: {item!r} is not of the expected type")
    return item


def checked_list(items, length, kind, path):
    if not isinstance(items, list) or len(items) != length:
        raise ValueError(f"{path}: expected a list of {length} values")
    return [checked(item, kind, path) for item in items]


def shape_of(value, path):
    shape = field(value, "shape", list, path)
    if not all(isinstance(size, int) and not isinstance(size, bool) and size >= 0
               for size in shape):
        raise ValueError(f"{path}: {shape!r} is not a shape")
    return shape


def numpy_dtype(text, path):
    try:
        dtype = np.dtype(text)
    except TypeError:
        raise ValueError(f"{path}: {text!r} is not a numpy dtype") from None
    if dtype.fields is not None or dtype.kind == "V":
        raise ValueError(f"{path}: {text!r} is a structured dtype")
    return dtype


def check_layer_shapes(module, path):
    """A linear or convolutional layer's weight agrees with its stated sizes."""
    weight = module._parameters.get("weight")
    if weight is None:
        return
    expected = None
    if isinstance(module, torch.nn.Linear):
        expected = (module.out_features, module.in_features)
    elif isinstance(module, torch.nn.modules.conv._ConvNd) and not module.transposed:
        expected = (module.out_channels, module.in_channels // module.groups,
                    *module.kernel_size)
    elif hasattr(module, "in_features") and hasattr(module, "out_features"):
        expected = (module.out_features, module.in_features)
    if expected is not None and tuple(weight.shape) != tuple(expected):
        raise ValueError(f"{path}: the weight's shape {tuple(weight.shape)} does not fit "
                         f"the layer's sizes {tuple(expected)}")
    bias = module._parameters.get("bias")
    if expected is not None and bias is not None and tuple(bias.shape) != (expected[0],):
        raise ValueError(f"{path}: the bias's shape {tuple(bias.shape)} does not fit the "
                         f"layer's {expected[0]} outputs")
    for name, parameter in module._parameters.items():
        if parameter is not None and parameter.dtype != torch.float32:
            raise ValueError(f"{path}.{name}: skgan's networks hold float32 weights, not "
                             f"{parameter.dtype}")


#: The settings of a parameter group of torch.optim.Adam, and what each must be.
_ADAM_NUMBERS = {"lr": (0.0, False), "eps": (0.0, True), "weight_decay": (0.0, False)}
_ADAM_FLAGS = ("amsgrad", "maximize", "capturable", "decoupled_weight_decay")
_ADAM_OPTIONAL_FLAGS = ("foreach", "fused")
#: The moments Adam keeps per parameter (each of the parameter's shape and dtype).
_ADAM_MOMENTS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def check_adam_state(state, path):
    """An Adam optimiser's state as torch's own kernels need it: each group's settings
    of the right types, each parameter in one group only, and each moment of its
    parameter's shape and dtype (a smaller one would make the fused kernel write past
    its end), a 0-d float32 step."""
    groups = checked(state["param_groups"], list, f"{path}.param_groups")
    owners = {}
    for number, group in enumerate(groups):
        where = f"{path}.param_groups[{number}]"
        params = checked(group, dict, where).get("params")
        if not isinstance(params, list) or not params:
            raise ValueError(f"{where}: a parameter group lists no parameters")
        for name, (least, strictly) in _ADAM_NUMBERS.items():
            value = group.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not np.isfinite(value) or value < least or (strictly and value == least):
                raise ValueError(f"{where}.{name} must be a finite number "
                                 f"{'above' if strictly else 'of at least'} {least}, "
                                 f"not {value!r}")
        betas = group.get("betas")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2 or not all(
                isinstance(beta, (int, float)) and not isinstance(beta, bool)
                and 0 <= beta < 1 for beta in betas):
            raise ValueError(f"{where}.betas must be two numbers in [0, 1), not {betas!r}")
        for name in _ADAM_FLAGS:
            if not isinstance(group.get(name, False), bool):
                raise ValueError(f"{where}.{name} must be True or False")
        for name in _ADAM_OPTIONAL_FLAGS:
            if group.get(name) is not None and not isinstance(group.get(name), bool):
                raise ValueError(f"{where}.{name} must be True, False or None")
        if group.get("differentiable", False) is not False:
            raise ValueError(f"{where}.differentiable must be False")
        for param in params:
            if id(param) in owners:
                raise ValueError(f"{where}: a parameter is listed twice")
            owners[id(param)] = param
    for param, moments in state["state"].items():
        if id(param) not in owners:
            raise ValueError(f"{path}.state: holds a parameter of no group")
        unknown = set(moments) - {"step", *_ADAM_MOMENTS}
        if unknown:
            raise ValueError(f"{path}.state: unknown entries {sorted(unknown)}")
        for name in _ADAM_MOMENTS:
            moment = moments.get(name)
            if moment is not None and (moment.shape != param.shape
                                       or moment.dtype != param.dtype):
                raise ValueError(f"{path}.state: {name} is {moment.dtype} of shape "
                                 f"{list(moment.shape)}, its parameter {param.dtype} of "
                                 f"{list(param.shape)}")
        step = moments.get("step")
        if step is not None and (step.ndim != 0 or step.dtype != torch.float32
                                 or not bool(torch.isfinite(step)) or float(step) < 0):
            raise ValueError(f"{path}.state: a step must be a 0-d float32 count")
        if moments and not {"step", "exp_avg", "exp_avg_sq"} <= set(moments):
            raise ValueError(f"{path}.state: a parameter's moments are incomplete")


#: Bytes that fixed-width text arrays may take, over a whole document, beyond what their
#: listed values need: numpy keeps a slice's width (labels sliced from a wider array
#: stay ``<U336`` holding one-letter values), while a document edited to
#: ``<U200000000`` would have load allocate gigabytes for a few bytes of JSON.
MAX_SPARE_TEXT_BYTES = 64 * 2**20


def _listed_length(item):
    """Characters (or bytes) of one listed value of a text array."""
    if isinstance(item, str):
        return len(item)
    if isinstance(item, dict) and isinstance(item.get("$bytes"), str):
        return len(item["$bytes"]) // 2
    return 0


def check_spare_text(total, dtype, listed, path):
    """``total`` plus the bytes a fixed-width text array (``U``, ``S``) of ``dtype``
    holding the ``listed`` values takes beyond what they need, or a ``ValueError`` once
    past :data:`MAX_SPARE_TEXT_BYTES`."""
    if dtype.kind not in "US":
        return total
    longest = max(map(_listed_length, listed), default=0)
    total += len(listed) * max(0, dtype.itemsize - longest * (4 if dtype.kind == "U" else 1))
    if total > MAX_SPARE_TEXT_BYTES:
        raise ValueError(f"{path}: text arrays declared {total:,} bytes wider than their "
                         f"values need (at most {MAX_SPARE_TEXT_BYTES:,} in a file)")
    return total
