import pytest
import torch

from skgan._engine.torch_utils import (
    export_generator,
    import_generator,
    make_generator,
    resolve_device,
)


def test_auto_device_falls_back_to_cpu_without_accelerators():
    if torch.cuda.is_available():
        assert resolve_device("auto").type == "cuda"
    elif torch.backends.mps.is_available():
        assert resolve_device("auto").type == "mps"
    else:
        assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("name, message", [("gpu", "not a torch device"), ("xla", "supported")])
def test_unknown_devices_are_refused(name, message):
    with pytest.raises(ValueError, match=message):
        resolve_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
def test_cuda_without_cuda_is_refused():
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda")


def test_generator_state_survives_export():
    generator = make_generator(5, "cpu")
    exported = export_generator(generator)
    expected = torch.rand(3, generator=generator)
    restored = import_generator(exported, "cpu")
    assert torch.equal(torch.rand(3, generator=restored), expected)


def test_foreign_generator_state_reseeds_deterministically():
    exported = {"device": "cuda:0", "state": torch.arange(16, dtype=torch.uint8)}
    first = torch.rand(3, generator=import_generator(exported, "cpu"))
    second = torch.rand(3, generator=import_generator(exported, "cpu"))
    assert torch.equal(first, second)
