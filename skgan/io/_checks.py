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
