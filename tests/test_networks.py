import numpy as np
import pytest
import torch

from skgan.adapters import NumericAdapter
from skgan.networks import (
    MLPDiscriminator,
    MLPGenerator,
    SpectralNormLinear,
    build_module,
    initialize_module,
    make_network_pair,
)


def test_build_module_is_seeded_and_leaves_global_generator_alone():
    torch.manual_seed(0)
    state = torch.get_rng_state()
    first = build_module(lambda: MLPGenerator(4, 3, (8, 8)), torch.device("cpu"),
                         torch.Generator().manual_seed(1))
    second = build_module(lambda: MLPGenerator(4, 3, (8, 8)), torch.device("cpu"),
                          torch.Generator().manual_seed(1))
    assert torch.equal(torch.get_rng_state(), state)
    for a, b in zip(first.parameters(), second.parameters()):
        assert torch.equal(a, b)
    bound = 1 / np.sqrt(4)
    assert first.body[0].weight.abs().max() <= bound


def test_unknown_layer_is_refused():
    class Strange(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(3))

    with pytest.raises(TypeError, match="Strange"):
        initialize_module(Strange(), torch.Generator())


def test_spectral_norm_converges_to_unit_norm():
    layer = build_module(lambda: SpectralNormLinear(20, 30), torch.device("cpu"),
                         torch.Generator().manual_seed(0))
    with torch.no_grad():
        for _ in range(50):
            weight = layer.normalized_weight()
    assert torch.linalg.matrix_norm(weight, ord=2).item() == pytest.approx(1.0, rel=1e-3)
    layer.eval()
    frozen = layer.left_singular.clone()
    layer(torch.ones(2, 20))
    assert torch.equal(frozen, layer.left_singular)


def test_discriminator_packs_rows_and_takes_conditions():
    discriminator = build_module(
        lambda: MLPDiscriminator(3, (8,), condition_dim=2, pac=4), torch.device("cpu"),
        torch.Generator().manual_seed(0),
    )
    scores = discriminator(torch.ones(12, 3), torch.zeros(12, 2))
    assert scores.shape == (3,)


def test_generator_takes_conditions():
    generator = build_module(lambda: MLPGenerator(4, 3, (8,), condition_dim=2),
                             torch.device("cpu"), torch.Generator().manual_seed(0))
    assert generator(torch.ones(5, 4), torch.ones(5, 2)).shape == (5, 3)


def test_network_pair_is_sized_from_adapter():
    adapter = NumericAdapter().fit(np.random.RandomState(0).normal(size=(50, 6)))
    generator, discriminator = make_network_pair(
        adapter, latent_dim=5, generator_dims=(16,), discriminator_dims=(16,),
        spectral_norm=True, pac=2, device=torch.device("cpu"),
        generator=torch.Generator().manual_seed(0),
    )
    samples = generator(torch.zeros(4, 5))
    assert samples.shape == (4, 6)
    assert discriminator(samples).shape == (2,)
    assert isinstance(discriminator.body[0], SpectralNormLinear)


def test_block_activation_head_shapes_each_block():
    from skgan.networks.heads import BlockActivationHead
    from skgan.networks import build_module

    generator = torch.Generator().manual_seed(0)
    head = build_module(lambda: BlockActivationHead(1, 2, (3, 2)), torch.device("cpu"),
                        generator)
    raw = torch.randn(50, 8, generator=generator) * 5
    soft = head(raw)
    assert torch.equal(soft[:, 0], raw[:, 0])
    assert torch.allclose(soft[:, 1:3], torch.tanh(raw[:, 1:3]))
    for block in (soft[:, 3:6], soft[:, 6:8]):
        assert torch.allclose(block.sum(dim=1), torch.ones(50))
    assert torch.allclose(head.block_log_probabilities(raw).exp(), soft[:, 3:])
    # Gumbel-softmax in training mode: nearly one-hot, repeatable with a seed.
    noisy = head(raw, torch.Generator().manual_seed(1))
    assert torch.equal(noisy, head(raw, torch.Generator().manual_seed(1)))
    assert (noisy[:, 3:6].max(dim=1).values > 0.5).float().mean() > 0.8
    # Eval mode: the exact one-hot of the drawn level; draws follow the softmax.
    head.eval()
    many = torch.zeros(20000, 8)
    many[:, 3:6] = torch.tensor([2.0, 1.0, 0.0])
    hard = head(many, torch.Generator().manual_seed(2))[:, 3:6]
    assert torch.equal(hard.sum(dim=1), torch.ones(20000))
    expected = torch.softmax(torch.tensor([2.0, 1.0, 0.0]), dim=0)
    assert torch.allclose(hard.mean(dim=0), expected, atol=0.015)


def test_sampling_draws_each_level_at_its_softmax_rate_one_number_per_block():
    from skgan.networks.heads import BlockActivationHead

    widths = (3, 400, 2, 3)  # two blocks of width 3 drawn together, a wide one alone
    head = BlockActivationHead(1, 1, widths).eval()
    head.reset_parameters_from(None)
    n_rows = 40000
    raw = torch.zeros(n_rows, 2 + sum(widths))
    raw[:, 2:5] = torch.tensor([2.0, 1.0, 0.0])
    raw[:, 5:405] = torch.linspace(-3.0, 3.0, 400)
    raw[:, 5] = -200.0  # underflows to probability zero: never drawn
    raw[:, 405:407] = torch.tensor([0.0, 1.0])
    raw[:, 407:410] = torch.tensor([-1.0, 0.0, 1.0])
    generator = torch.Generator().manual_seed(0)
    scalars, codes = head.sample_codes(raw, generator)
    assert codes.shape == (n_rows, 4) and scalars.shape == (n_rows, 2)
    start = 2
    for block, width in enumerate(widths):
        expected = torch.softmax(raw[0, start:start + width], dim=0).double()
        drawn = torch.bincount(codes[:, block], minlength=width).double() / n_rows
        standard_error = (expected * (1 - expected) / n_rows).sqrt()
        assert ((drawn - expected).abs() <= 5 * standard_error + 1e-12).all(), block
        start += width
    assert (codes[:, 1] != 0).all()
    # One uniform number per row and block, whatever the widths.
    replay = torch.Generator().manual_seed(0)
    torch.rand(n_rows, len(widths), generator=replay)
    assert torch.equal(generator.get_state(), replay.get_state())
    # forward in eval mode gives the one-hot of the same draws.
    dense = head(raw[:500], torch.Generator().manual_seed(3))
    _, again = head.sample_codes(raw[:500], torch.Generator().manual_seed(3))
    offsets = torch.tensor([0, 3, 403, 405])
    assert torch.equal(dense[:, 2:].nonzero()[:, 1].view(500, 4), again + offsets)


def test_heads_built_before_the_inverse_cdf_draw_keep_their_gumbel_draws():
    """Model files written before sampling drew by inverse CDF sample the rows they did:
    their heads (no ``level_draw`` attribute) take the argmax of Gumbel-noised logits."""
    from skgan.networks.heads import BlockActivationHead, _gumbel_like

    head = BlockActivationHead(0, 1, (3, 4)).eval()
    head.reset_parameters_from(None)
    del head.__dict__["level_draw"]  # as unpickled from an older file
    assert head.level_draw == "gumbel"
    raw = torch.randn(300, 8, generator=torch.Generator().manual_seed(0))
    _, codes = head.sample_codes(raw, torch.Generator().manual_seed(1))
    noisy = raw[:, 1:] + _gumbel_like(raw[:, 1:], torch.Generator().manual_seed(1))
    assert torch.equal(codes, torch.stack([noisy[:, :3].argmax(1), noisy[:, 3:].argmax(1)], 1))


def test_a_sharp_softmax_head_passes_no_denormal_values_forward_or_back():
    """Denormal floats slow CPU matmuls several times over as training sharpens the
    softmax; the head keeps them out of its outputs and of the gradients it passes."""
    from skgan.networks.heads import BlockActivationHead

    head = BlockActivationHead(1, 1, (3, 5))
    head.reset_parameters_from(None)
    # Logits 15 to 25 apart: after the temperature, log-probabilities around -100.
    gaps = torch.linspace(15.0, 25.0, 400)[:, None]
    blocks = torch.cat([torch.zeros(400, 1), -gaps, -gaps - 1.0,
                        torch.zeros(400, 1), -gaps, -gaps, -gaps - 2.0, -gaps + 1.0], dim=1)
    raw = torch.cat([torch.zeros(400, 2), blocks], dim=1).requires_grad_(True)
    out = head(raw, torch.Generator().manual_seed(0))
    tiny = torch.finfo(torch.float32).tiny
    assert not ((out.abs() < tiny) & (out != 0)).any()
    (out[:, 2:] * torch.linspace(1e-3, 1.0, 8)).sum().backward()
    assert not ((raw.grad.abs() < tiny) & (raw.grad != 0)).any()
    np.testing.assert_allclose(out[:, 2:].sum(dim=1).detach(), 2.0, rtol=1e-5)
