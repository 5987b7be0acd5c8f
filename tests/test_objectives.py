import math

import pytest
import torch

from skgan.objectives import (
    clip_parameters_,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    interpolate,
    spectrum_moment_gap,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)


def test_bce_at_indifference_is_two_log_two():
    zeros = torch.zeros(8)
    assert discriminator_loss(zeros, zeros, "bce").item() == pytest.approx(2 * math.log(2))
    assert generator_loss(zeros, "bce").item() == pytest.approx(math.log(2))


def test_non_saturating_generator_loss_keeps_gradient_when_discriminator_wins():
    fake_logits = torch.full((4,), -10.0, requires_grad=True)
    generator_loss(fake_logits, "bce").backward()
    assert fake_logits.grad.abs().min() > 0.1  # -log D(G(z)) does not saturate


def test_label_smoothing_lowers_the_real_target():
    real = torch.full((4,), 5.0)
    fake = torch.full((4,), -5.0)
    assert discriminator_loss(real, fake, "bce", real_target=0.9) > discriminator_loss(
        real, fake, "bce"
    )
    assert discriminator_loss(torch.ones(3), torch.zeros(3), "lsgan").item() == 0.0


def test_hinge_is_zero_beyond_the_margin():
    assert discriminator_loss(torch.full((3,), 2.0), torch.full((3,), -2.0), "hinge") == 0
    assert generator_loss(torch.tensor([1.0, 3.0]), "hinge").item() == -2.0


def test_unknown_loss_raises():
    with pytest.raises(ValueError, match="Unknown adversarial loss"):
        discriminator_loss(torch.zeros(2), torch.zeros(2), "wgan")


def test_wasserstein_losses():
    real, fake = torch.tensor([3.0, 5.0]), torch.tensor([1.0, 1.0])
    assert wasserstein_critic_loss(real, fake).item() == -3.0
    assert wasserstein_generator_loss(fake).item() == -1.0


def test_gradient_penalty_of_linear_critic_is_squared_norm_gap():
    weight = torch.tensor([3.0, 4.0])  # gradient norm 5 everywhere
    inputs = torch.randn(6, 2, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    assert gradient_penalty(inputs @ weight, inputs).item() == pytest.approx(16.0)
    packed = gradient_penalty(inputs @ weight, inputs, pac=2)  # norm sqrt(2) * 5 per pack
    assert packed.item() == pytest.approx((math.sqrt(2) * 5 - 1) ** 2, rel=1e-5)


def test_interpolate_stays_on_segments():
    generator = torch.Generator().manual_seed(0)
    real, fake = torch.zeros(100, 3), torch.ones(100, 3)
    mixed = interpolate(real, fake, generator)
    assert ((mixed >= 0) & (mixed <= 1)).all()
    assert torch.allclose(mixed, mixed[:, :1].expand(-1, 3))  # one weight per row


def test_clip_parameters():
    layer = torch.nn.Linear(3, 3)
    with torch.no_grad():
        layer.weight.mul_(100)
    clip_parameters_(layer, 0.01)
    assert layer.weight.abs().max() <= 0.01


def test_spectrum_moment_gap_is_zero_only_for_matching_spectra_and_has_finite_gradients():
    rng = torch.Generator().manual_seed(0)
    time = torch.arange(32) / 32
    tone = torch.sin(2 * math.pi * 3 * time).expand(16, 2, 32)
    real = tone + 0.05 * torch.randn(16, 2, 32, generator=rng)
    assert spectrum_moment_gap(real, real).item() == 0.0
    shifted = torch.sin(2 * math.pi * 5 * time).expand(16, 2, 32) + (real - tone)
    assert spectrum_moment_gap(real, shifted).item() > 0.1
    # All-zero signals have |X_k| = 0, where the modulus is not differentiable.
    silent = torch.zeros(16, 2, 32, requires_grad=True)
    spectrum_moment_gap(real, silent).backward()
    assert torch.isfinite(silent.grad).all()
    faint = (1e-3 * torch.randn(16, 2, 32, generator=rng)).requires_grad_(True)
    spectrum_moment_gap(real, faint).backward()
    assert torch.isfinite(faint.grad).all() and faint.grad.abs().sum() > 0
