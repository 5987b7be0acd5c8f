"""Adversarial losses and critic regularisers, as small pure functions.

Every function takes raw discriminator outputs (logits or critic scores) and returns a
scalar tensor to minimise.
"""

import torch
from torch.nn import functional as F

ADVERSARIAL_LOSSES = ("bce", "hinge", "lsgan")


def discriminator_loss(real_logits, fake_logits, loss="bce", real_target=1.0,
                       reduction="mean"):
    """Loss of a discriminator that should score real rows high and fake rows low.

    Parameters
    ----------
    real_logits, fake_logits : torch.Tensor
        Discriminator outputs on real and generated data.
    loss : {"bce", "hinge", "lsgan"}
        Binary cross-entropy, hinge (Lim & Ye, 2017) or least squares (Mao et al., 2017).
    real_target : float, default=1.0
        Target for real data in "bce" and "lsgan"; below 1 gives one-sided label
        smoothing (Salimans et al., 2016).
    reduction : {"mean", "sum"}, default="mean"
        "mean": the mean loss on real rows plus the mean on fake rows; "sum": the sum
        of every row's loss (each row's gradient is then its own, as DP-SGD needs).
    """
    if reduction == "sum":
        return _real_terms(real_logits, loss, real_target).sum() + negative_loss(
            fake_logits, loss, reduction="sum")
    if loss == "bce":
        real_term = F.binary_cross_entropy_with_logits(
            real_logits, torch.full_like(real_logits, real_target)
        )
        return real_term + negative_loss(fake_logits, loss)
    if loss == "hinge":
        return F.relu(1.0 - real_logits).mean() + negative_loss(fake_logits, loss)
    if loss == "lsgan":
        return 0.5 * ((real_logits - real_target) ** 2).mean() + negative_loss(fake_logits, loss)
    raise ValueError(f"Unknown adversarial loss {loss!r}; expected one of {ADVERSARIAL_LOSSES}.")


def _real_terms(real_logits, loss, real_target):
    """Each real row's loss (``reduction="sum"`` adds them up)."""
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(
            real_logits, torch.full_like(real_logits, real_target), reduction="none")
    if loss == "hinge":
        return F.relu(1.0 - real_logits)
    if loss == "lsgan":
        return 0.5 * (real_logits - real_target) ** 2
    raise ValueError(f"Unknown adversarial loss {loss!r}; expected one of {ADVERSARIAL_LOSSES}.")


def negative_loss(logits, loss="bce", reduction="mean"):
    """The discriminator's loss on inputs it should reject (fakes, mismatched pairs),
    averaged over them (``reduction="mean"``) or summed ("sum")."""
    if reduction == "sum":
        return _negative_terms(logits, loss).sum()
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))
    if loss == "hinge":
        return F.relu(1.0 + logits).mean()
    if loss == "lsgan":
        return 0.5 * (logits**2).mean()
    raise ValueError(f"Unknown adversarial loss {loss!r}; expected one of {ADVERSARIAL_LOSSES}.")


def _negative_terms(logits, loss):
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits),
                                                  reduction="none")
    if loss == "hinge":
        return F.relu(1.0 + logits)
    if loss == "lsgan":
        return 0.5 * logits**2
    raise ValueError(f"Unknown adversarial loss {loss!r}; expected one of {ADVERSARIAL_LOSSES}.")


def generator_loss(fake_logits, loss="bce"):
    """Loss of a generator whose samples the discriminator should score as real.

    "bce" is the non-saturating loss -log D(G(z)) of Goodfellow et al. (2014).
    """
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    if loss == "hinge":
        return -fake_logits.mean()
    if loss == "lsgan":
        return 0.5 * ((fake_logits - 1.0) ** 2).mean()
    raise ValueError(f"Unknown adversarial loss {loss!r}; expected one of {ADVERSARIAL_LOSSES}.")


def wasserstein_critic_loss(real_scores, fake_scores):
    """Negative estimate of the Wasserstein-1 distance: mean(fake) - mean(real)."""
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores):
    """The generator raises the critic's score of its samples."""
    return -fake_scores.mean()


def interpolate(real, fake, generator):
    """Random points on the segments between paired real and fake rows.

    One mixing weight per row, drawn from ``generator``; works for any trailing shape.
    """
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    weights = torch.rand(shape, generator=generator, device=generator.device, dtype=real.dtype)
    weights = weights.to(real.device)
    return weights * real + (1.0 - weights) * fake


def gradient_penalty(scores, inputs, pac=1):
    """Two-sided gradient penalty of Gulrajani et al. (2017): E[(||grad|| - 1)^2].

    Parameters
    ----------
    scores : torch.Tensor
        Critic outputs computed from ``inputs`` (which must require grad).
    inputs : torch.Tensor
        The interpolated rows the scores were computed on.
    pac : int, default=1
        Rows judged together by a packing critic; their gradients form one vector.
    """
    (gradients,) = torch.autograd.grad(
        outputs=scores.sum(), inputs=inputs, create_graph=True
    )
    gradients = gradients.reshape(inputs.shape[0] // pac, -1)
    return ((gradients.norm(2, dim=1) - 1.0) ** 2).mean()


@torch.no_grad()
def clip_parameters_(module, clip_value):
    """Clamp every parameter of ``module`` into [-clip_value, clip_value] (WGAN)."""
    for parameter in module.parameters():
        parameter.clamp_(-clip_value, clip_value)


def log_magnitude_spectrum(signals):
    """``log(1 + |X_k|)`` of each channel's FFT, with a floor that keeps gradients finite.

    Parameters
    ----------
    signals : torch.Tensor of shape (n_samples, channels, length)

    Returns
    -------
    torch.Tensor of shape (n_samples, channels, length // 2 + 1), float32
    """
    spectrum = torch.fft.rfft(signals.float(), dim=-1)
    return torch.log1p(torch.sqrt(spectrum.real.square() + spectrum.imag.square() + 1e-8))


def spectrum_moment_gap(real, fake):
    """How far a batch's log-magnitude spectra are from the real batch's, bin by bin.

    The squared differences of the per-bin means and standard deviations over the
    batch (each channel and frequency bin its own), averaged over the bins: zero when
    both batches have the same first two moments at every frequency. As a term of a
    generator's loss it is feature matching (Salimans et al., 2016) on the spectrum:
    it asks for the real signals' spectral shape (tone purity, the noise floor up to
    the Nyquist frequency, no mirror images of the upsampling) and, being a
    statistic of the whole batch, it rewards covering every frequency the data has
    rather than one.

    Parameters
    ----------
    real, fake : torch.Tensor of shape (n_samples, channels, length)
        Batches of at least two signals each.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> rng = torch.Generator().manual_seed(0)
    >>> time = torch.arange(64) / 64
    >>> low = torch.sin(2 * torch.pi * 3 * time).expand(32, 1, 64)
    >>> high = torch.sin(2 * torch.pi * 9 * time).expand(32, 1, 64)
    >>> noisy = low + 0.1 * torch.randn(32, 1, 64, generator=rng)
    >>> bool(spectrum_moment_gap(noisy, low) < spectrum_moment_gap(noisy, high))
    True
    """
    real_spectra, fake_spectra = log_magnitude_spectrum(real), log_magnitude_spectrum(fake)
    mean_gap = fake_spectra.mean(dim=0) - real_spectra.mean(dim=0)
    spread_gap = fake_spectra.std(dim=0) - real_spectra.std(dim=0)
    return mean_gap.square().mean() + spread_gap.square().mean()


def correlation_gap(scores, target, clip=3.0):
    """The summed squared differences between the Pearson correlations of a batch's
    ``scores`` (clipped to ``[-clip, clip]``, as they were measured) and ``target``,
    over every pair of columns.

    A generator term of a private fit (``skgan.adapters._score_correlations``): the
    batch's correlations are held to the ones measured with noise before training.

    Parameters
    ----------
    scores : torch.Tensor of shape (n_samples, n_units)
        A batch of at least two rows.
    target : torch.Tensor of shape (n_units, n_units)
        Correlations.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> rng = torch.Generator().manual_seed(0)
    >>> x = torch.randn(256, generator=rng)
    >>> linked = torch.stack([x, x + 0.1 * torch.randn(256, generator=rng)], dim=1)
    >>> apart = torch.randn(256, 2, generator=rng)
    >>> target = torch.tensor([[1.0, 0.99], [0.99, 1.0]])
    >>> bool(correlation_gap(linked, target) < 0.01 < correlation_gap(apart, target))
    True
    """
    centred = scores.clamp(-clip, clip)
    centred = centred - centred.mean(dim=0)
    covariance = centred.T @ centred / len(scores)
    deviations = covariance.diagonal().clamp_min(1e-8).sqrt()
    correlations = covariance / (deviations[:, None] * deviations[None, :])
    return ((correlations - target) ** 2).triu(1).sum()


def cycle_loss(reconstructed, original):
    """Cycle-consistency loss of CycleGAN (Zhu et al., 2017): mean |F(G(x)) - x|.

    Also the identity loss, mean |G(y) - y|, with a sample of the target domain.
    Samples without values (a table of constant columns encodes to width 0) are
    reconstructed exactly: the loss is 0, not the NaN of an empty mean.
    """
    difference = (reconstructed - original).abs()
    return difference.mean() if difference.numel() else difference.sum()
