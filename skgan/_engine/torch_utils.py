"""Small torch helpers: device resolution, seeding and portable generator state."""

import numpy as np
import torch
from sklearn.utils import check_random_state

_MAX_SEED = 2**63 - 1


def flag_is(value, state):
    """Whether ``value`` is the boolean ``state``: ``True`` or ``False`` as Python or numpy
    booleans (scikit-learn's "boolean" constraint accepts both), not "auto" or a number."""
    return isinstance(value, (bool, np.bool_)) and bool(value) == state


def resolve_device(device):
    """Return the ``torch.device`` that ``device`` names.

    ``"auto"`` picks CUDA when available (the current CUDA device, with its index),
    then Apple's MPS, then the CPU. An explicit device that is not available raises
    ``ValueError``.
    """
    if isinstance(device, torch.device):
        device = str(device)
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device={device!r} is not a torch device name.") from error
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was asked for but CUDA is not available.")
        if resolved.index is None:  # pin the index, so later set_device calls cannot move it
            resolved = torch.device("cuda", torch.cuda.current_device())
        if resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was asked for but only {torch.cuda.device_count()} "
                "CUDA device(s) exist."
            )
    elif resolved.type == "mps" and not _mps_available():
        raise ValueError(f"device={device!r} was asked for but MPS is not available.")
    elif resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device={device!r} is not supported; use cpu, cuda, cuda:N or mps.")
    return resolved


def device_available(device):
    """Whether tensors can be placed on ``device`` on this machine."""
    device = torch.device(device)
    if device.type == "cuda":
        index = device.index or 0
        return torch.cuda.is_available() and index < torch.cuda.device_count()
    if device.type == "mps":
        return _mps_available()
    return device.type == "cpu"


def _mps_available():
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and backend.is_available()


def random_source(random_state):
    """A ``numpy.random.RandomState`` for ``random_state`` that spares the global one.

    Like :func:`sklearn.utils.check_random_state`, except that ``None`` gives a new
    generator seeded from the operating system's entropy instead of numpy's global
    generator, which skgan never draws from.
    """
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    return check_random_state(random_state)


def draw_seed(random_state):
    """Draw a torch seed from ``random_state`` (None, an int or a ``RandomState``)."""
    source = random_source(random_state)
    return int(source.randint(0, np.iinfo(np.int64).max, dtype=np.int64))


def make_generator(seed, device):
    """A ``torch.Generator`` on ``device`` seeded with ``seed``."""
    device = torch.device(device)
    generator = torch.Generator(device=device if device.type != "mps" else "cpu")
    generator.manual_seed(int(seed) % _MAX_SEED)
    return generator


def generator_device(generator):
    """The device on which random tensors drawn with ``generator`` are created."""
    return torch.device(generator.device)


def export_generator(generator):
    """A picklable description of a ``torch.Generator``'s state."""
    return {"device": str(generator.device), "state": generator.get_state().clone()}


def import_generator(exported, device):
    """Rebuild a generator exported by :func:`export_generator` on ``device``.

    When the saved state belongs to another kind of device (a CUDA generator loaded on
    a CPU-only machine), its state cannot be restored as is; the new generator is then
    seeded from the saved state's bytes, so it stays deterministic.
    """
    device = torch.device(device)
    generator_device_ = device if device.type != "mps" else torch.device("cpu")
    generator = torch.Generator(device=generator_device_)
    if torch.device(exported["device"]).type == generator_device_.type:
        generator.set_state(exported["state"])
    else:
        state_bytes = exported["state"].numpy().tobytes()
        seed = int.from_bytes(state_bytes[:8].ljust(8, b"\0"), "little")
        generator.manual_seed(seed % _MAX_SEED)
    return generator
