"""Pickling of estimators that hold torch modules, optimisers and generators."""

import io
import warnings

import torch

from .torch_utils import device_available, export_generator, import_generator


class TorchStateMixin:
    """Portable pickling for estimators with torch state (like skorch's ``NeuralNet``).

    Every attribute holding torch modules, optimisers or tensors (also inside a dict,
    list or tuple) goes into one ``torch.save`` payload, so references shared between
    modules and optimisers survive; the random streams' states (``_rng``,
    ``_encoder_rng``) are exported. On
    loading, the payload is mapped to the saved ``device_``, or to the CPU with a
    warning when that device is missing on this machine (a model trained on a GPU
    loads on a CPU-only machine).
    """

    def __getstate__(self):
        state = dict(super().__getstate__())
        for name in TRANSIENT_ATTRIBUTES:  # a copy made during a fit (a scorer's checkpoint)
            state.pop(name, None)
        torch_objects = {
            name: state.pop(name)
            for name in list(state)
            if _is_torch_state(state[name])
        }
        if torch_objects:
            buffer = io.BytesIO()
            torch.save(torch_objects, buffer)
            state["_torch_payload"] = buffer.getvalue()
        for name in _generator_names(state):
            state[name] = export_generator(state[name])
        return state

    def __setstate__(self, state):
        payload = state.pop("_torch_payload", None)
        device = state.get("device_")
        if device is not None and not device_available(device):
            warnings.warn(
                f"This model was trained on {device}, which is not available here; "
                "it is loaded on the CPU.",
                UserWarning,
                stacklevel=2,
            )
            device = state["device_"] = torch.device("cpu")
        if payload is not None:
            state.update(
                torch.load(io.BytesIO(payload), map_location=device, weights_only=False)
            )
        for name in GENERATOR_ATTRIBUTES:
            if name in state:
                state[name] = import_generator(state[name], device)
        super().__setstate__(state)


#: What a fit holds only while it runs: its progress bar (which writes to a terminal).
TRANSIENT_ATTRIBUTES = ("_progress",)

#: The estimators' random streams (``torch.Generator``), pickled as portable states.
GENERATOR_ATTRIBUTES = ("_rng", "_encoder_rng")


def _generator_names(state):
    return [name for name in GENERATOR_ATTRIBUTES if isinstance(state.get(name), torch.Generator)]


def _is_torch_state(value):
    """Whether ``value`` holds torch objects (also inside a dict, list or tuple)."""
    if isinstance(value, (torch.nn.Module, torch.optim.Optimizer, torch.Tensor)):
        return True
    if isinstance(value, dict):
        return any(_is_torch_state(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_is_torch_state(item) for item in value)
    return False
