"""Families of noisy waveforms: a 1-D signal toy with known spectra and amplitudes."""

import numpy as np
from sklearn.utils import check_random_state


def make_waveforms(n_samples=1000, length=128, n_channels=None, frequency_range=(2.0, 6.0),
                   amplitude_range=(0.5, 1.5), noise=0.05, random_state=None):
    """Sines with random frequency, phase and amplitude, plus Gaussian noise.

    Each signal is ``a * sin(2 pi f t + phi) + noise`` over ``t`` in [0, 1), with
    ``f`` (cycles per signal), ``a`` and ``phi`` drawn uniformly. With several channels,
    channel ``k`` (counting from 0) carries harmonic ``k + 1`` of the same sine at
    amplitude ``a / (k + 1)``: the channels are tied to each other, as sensors of one
    source are, which a generator has to reproduce.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of signals.
    length : int, default=128
        Points per signal.
    n_channels : int or None, default=None
        None gives ``(n_samples, length)``; an integer ``(n_samples, n_channels, length)``.
    frequency_range, amplitude_range : tuple of two floats
        Bounds of the uniform frequency (cycles per signal) and amplitude.
    noise : float, default=0.05
        Standard deviation of the added noise.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, length) or (n_samples, n_channels, length)
    frequency : ndarray of shape (n_samples,)
        The base frequency of each signal, in cycles per signal.

    Examples
    --------
    >>> from skgan.datasets import make_waveforms
    >>> X, frequency = make_waveforms(5, length=64, random_state=0)
    >>> X.shape, bool(((frequency >= 2) & (frequency <= 6)).all())
    ((5, 64), True)
    >>> make_waveforms(5, length=64, n_channels=2, random_state=0)[0].shape
    (5, 2, 64)
    """
    rng = check_random_state(random_state)
    frequency = rng.uniform(*frequency_range, size=n_samples)
    amplitude = rng.uniform(*amplitude_range, size=n_samples)
    phase = rng.uniform(0, 2 * np.pi, size=n_samples)
    time = np.arange(length) / length
    harmonics = np.arange(1, 1 + (n_channels or 1))
    angle = 2 * np.pi * frequency[:, None, None] * harmonics[None, :, None] * time
    X = (amplitude[:, None, None] / harmonics[None, :, None]) * np.sin(
        angle + phase[:, None, None]
    )
    X += noise * rng.standard_normal(X.shape)
    return (X[:, 0] if n_channels is None else X), frequency
