"""Sampling's forward passes written into kept tensors: the same values, fewer pages."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from skgan import GANSampler
from skgan.networks.mlp import MLPGenerator, OneHotRows
from skgan.networks.pass_buffers import PassBuffers


def _network(condition_dim=0, seed=0):
    torch.manual_seed(seed)
    return MLPGenerator(8, 5, (16, 32), condition_dim=condition_dim).eval()


@pytest.mark.parametrize("condition_kind", [None, "dense", "units"])
def test_passes_into_buffers_give_the_values_of_plain_passes(condition_kind):
    network = _network(condition_dim=0 if condition_kind is None else 6)
    buffers = PassBuffers()
    generator = torch.Generator().manual_seed(0)
    for n_rows in (300, 300, 120):  # the last pass shorter: the kept rows, fewer of them
        latent = torch.randn(n_rows, 8, generator=generator)
        units = torch.randint(0, 6, (n_rows,), generator=generator)
        condition = {None: None, "dense": OneHotRows(units, 6).dense(),
                     "units": OneHotRows(units, 6)}[condition_kind]
        with torch.inference_mode():
            plain = network.raw_output(latent, condition)
            buffered = network.raw_output(latent, condition, buffers)
        assert torch.equal(buffered, plain)  # bit for bit: the kernel nn.Linear runs
    # the last layer wrote into the tensor kept for it, not into a new one
    last = buffers.rows(len(network.body) - 1, 120, 5, torch.float32, torch.device("cpu"))
    assert last.data_ptr() == buffered.data_ptr()


def test_buffers_are_left_alone_where_their_kernels_would_differ():
    network = _network()
    buffers = PassBuffers()
    latent = torch.randn(10, 8)
    output = network.raw_output(latent, None, buffers)  # autograd on: a graph is needed
    assert output.requires_grad and not buffers._tensors
    network.body[1] = nn.Tanh()  # a layer the buffered passes do not know
    with torch.inference_mode():
        assert torch.equal(network.raw_output(latent, None, buffers), network.raw_output(latent))
    assert not buffers._tensors
    with torch.inference_mode():  # float64 rows for float32 weights: as plain passes do
        with pytest.raises(RuntimeError):
            network.raw_output(latent.double(), None, buffers)
    assert not buffers._tensors


def test_buffer_rows_follow_the_asked_shape():
    buffers = PassBuffers()
    cpu = torch.device("cpu")
    first = buffers.rows("a", 8, 3, torch.float32, cpu)
    assert buffers.rows("a", 5, 3, torch.float32, cpu).data_ptr() == first.data_ptr()
    wider = buffers.rows("a", 5, 4, torch.float32, cpu)
    assert wider.shape == (5, 4) and wider.data_ptr() != first.data_ptr()
    taller = buffers.rows("a", 9, 4, torch.float32, cpu)
    assert taller.shape == (9, 4)
    assert buffers.rows("a", 9, 4, torch.float64, cpu).dtype == torch.float64


def test_samples_of_many_passes_are_those_of_passes_drawn_one_by_one():
    """A table model trained by sampling (one-hot condition units), sampled in many
    passes and blocks: the rows equal those of the same draws made without buffers, so
    no pass's output was overwritten before it was read."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300),
                          "kind": rng.choice(list("abcd"), 300),
                          "flag": rng.choice(["yes", "no"], 300)})
    model = GANSampler(epochs=2, batch_size=64, random_state=0).fit(frame)
    assert isinstance(model._sampling_generator(), MLPGenerator)
    n_rows = 20_000  # more than a block of 16,384 rows, several passes each
    sampled = model.sample(n_rows, random_state=3)

    class Unbuffered(PassBuffers):  # keeps nothing: every pass gets new tensors
        def rows(self, key, n_rows, width, dtype, device):
            return torch.empty(n_rows, width, dtype=dtype, device=device)

    import skgan._engine.generation as generation
    original = generation.PassBuffers
    generation.PassBuffers = Unbuffered
    try:
        plain = model.sample(n_rows, random_state=3)
    finally:
        generation.PassBuffers = original
    pd.testing.assert_frame_equal(sampled, plain)
    # and a model read back from its pickle samples the same rows
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(model)).sample(n_rows,
                                                                           random_state=3),
                                  sampled)


def test_a_head_whose_scalars_are_a_view_of_the_layer_output_gets_them_copied(
        monkeypatch):
    """Sampling keeps each pass's scalar units while the next pass writes its layers
    into the same tensors: scalars that are a view of the last layer's output (a head
    that maps nothing) are copied first."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=300), "kind": rng.choice(list("ab"), 300)})
    model = GANSampler(epochs=2, batch_size=64, random_state=0).fit(frame)
    head_class = type(model._sampling_generator().head)
    sample_codes = head_class.sample_codes

    def scalars_as_a_view(self, raw, generator):
        scalars, codes = sample_codes(self, raw, generator)
        return raw[:, :scalars.shape[1]], codes  # the raw units, in raw's memory

    monkeypatch.setattr(head_class, "sample_codes", scalars_as_a_view)
    sampled = model.sample(20_000, random_state=2)

    class Unbuffered(PassBuffers):
        def rows(self, key, n_rows, width, dtype, device):
            return torch.empty(n_rows, width, dtype=dtype, device=device)

    monkeypatch.setattr("skgan._engine.generation.PassBuffers", Unbuffered)
    pd.testing.assert_frame_equal(sampled, model.sample(20_000, random_state=2))


@pytest.mark.parametrize("condition_kind", [None, "units"])
def test_layers_without_bias_write_the_values_of_plain_passes(condition_kind):
    network = _network(condition_dim=0 if condition_kind is None else 6)
    for layer in network.body:
        if isinstance(layer, nn.Linear):
            layer.bias = None
    latent = torch.randn(50, 8)
    condition = None if condition_kind is None else OneHotRows(torch.randint(0, 6, (50,)), 6)
    with torch.inference_mode():
        assert torch.equal(network.raw_output(latent, condition, PassBuffers()),
                           network.raw_output(latent, condition))
