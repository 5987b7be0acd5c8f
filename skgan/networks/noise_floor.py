"""Noise-floor matching: white noise where generated signals lack high-frequency power.

A convolutional generator driven by a low-dimensional latent vector makes smooth
signals; the sensor noise of real ones is white, spread over every frequency, and the
learned scale of :class:`~skgan.networks.conv.NoiseInjection` barely moves from zero
in training (the adversarial loss is even in it, so its gradient vanishes there).
After training, :func:`matching_noise_scale` sets that scale so that the samples carry
the real signals' power in the upper half of the spectrum, where a smooth generator
puts almost none.
"""

import torch

#: Signal values transformed at once (about 64 MB of float32 spectra).
_CHUNK_ELEMENTS = 2**23


def upper_band_power(signals):
    """Mean power of each channel in each bin of the upper half of the spectrum.

    Parameters
    ----------
    signals : torch.Tensor of shape (n_samples, channels, length)

    Returns
    -------
    torch.Tensor of shape (channels, n_bins)
        ``E|X_k|^2`` of the unnormalised FFT for the bins from a quarter of the
        sampling rate up to, not including, the Nyquist bin: white noise of standard
        deviation ``s`` gives ``length * s**2`` in each.
    """
    signals_per_chunk = max(1, _CHUNK_ELEMENTS // signals[0].numel())  # bounded memory
    total = 0.0
    for chunk in signals.split(signals_per_chunk):
        total = total + torch.fft.rfft(chunk.float(), dim=-1).abs().square().double().sum(dim=0)
    spectrum = total / len(signals)
    n_bins = spectrum.shape[-1]
    return spectrum[:, n_bins // 2:max(n_bins - 1, n_bins // 2 + 1)]


def matching_noise_scale(real, fake, scale):
    """The per-channel noise scale that gives ``fake`` the upper-band power of ``real``.

    ``fake`` was made with white noise of standard deviation ``|scale|`` per channel;
    the power it lacks (the median over the upper-band bins of real minus fake power)
    is added as more white noise, independent of the rest, so its variance adds up.
    Never below zero: a generator with more power than the data gets no noise.

    Parameters
    ----------
    real, fake : torch.Tensor of shape (n_samples, channels, length)
        Training signals and generated ones, in the same (encoded) units.
    scale : torch.Tensor of shape (channels,)
        The noise scale ``fake`` was generated with.

    Returns
    -------
    torch.Tensor of shape (channels,), float64, on the CPU

    Examples
    --------
    >>> import torch
    >>> rng = torch.Generator().manual_seed(0)
    >>> time = torch.linspace(0, 1, 64)
    >>> smooth = torch.sin(2 * torch.pi * 3 * time).expand(500, 1, 64)
    >>> real = smooth + 0.1 * torch.randn(500, 1, 64, generator=rng)
    >>> scale = matching_noise_scale(real, smooth, torch.zeros(1))
    >>> round(float(scale[0]), 2)
    0.1
    """
    length = real.shape[-1]
    missing = upper_band_power(real.cpu()) - upper_band_power(fake.cpu())
    variance = scale.double().cpu() ** 2 + missing.median(dim=-1).values / length
    return variance.clamp(min=0.0).sqrt()
