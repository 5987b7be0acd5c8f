"""The adapter for 1-D signals: waveforms, time series, spectra, one or more channels."""

from numbers import Real

import numpy as np

from ._grid import GridAdapter

#: Shortest signal the convolutional networks handle.
MIN_SIGNAL_LENGTH = 16


class SignalAdapter(GridAdapter):
    """Encode 1-D signals for convolutional GANs and decode samples to the same layout.

    Accepts ``(N, L)`` arrays (one channel) and ``(N, C, L)`` arrays (``C`` channels
    of length ``L``, as torch's ``Conv1d`` has them), with any ``L >= 16``. Each channel
    is scaled to [-1, 1] from the range seen in training; decoded samples have the
    training layout and dtype and stay in each channel's training range (integer
    signals, and float signals of whole numbers only, are rounded).

    The networks are 1-D versions of the DCGAN pair (see :mod:`skgan.networks.conv`),
    sized from ``L`` and from ``width``.

    Parameters
    ----------
    width : int, default=16
        Channels of the generator's last stage and the discriminator's first; the
        inner stages have up to 8 times as many.
    match_noise_floor : bool, default=True
        For the sampling estimators (``GANSampler``, ``WGANSampler``,
        ``ConditionalGAN``): after each ``fit`` and ``partial_fit``, set the scale of
        the white noise the generator adds so that its samples carry the training
        signals' power in the upper half of the spectrum (see
        :func:`skgan.networks.matching_noise_scale`; a ``partial_fit`` uses its own
        chunk, so chunks of a few signals give a rougher estimate). Convolutional
        generators make smooth signals and do not learn sensor noise on their own;
        False keeps the scale training left (near zero). ``CycleGANTransformer``'s
        translators add no noise and ignore it.
    spectrum_matching : float, default=1.0
        For the sampling estimators: weight of a term added to the generator's loss
        at every generator step, the gap between the per-bin mean and spread of the
        batch's log-magnitude spectra and the real batch's (each channel and frequency
        on its own; see :func:`skgan.objectives.spectrum_moment_gap`), logged as
        ``spectrum_loss`` in ``history_``. A convolutional discriminator judges a
        spectrum only through local windows and lets a generator get away with impure
        tones, a noise floor that fades towards the Nyquist frequency and the mirror
        images of its upsampling; the term asks for the real spectral shape, and, as a
        statistic of the whole batch, favours covering every frequency of the data
        over collapsing onto one. 0 turns it off. ``CycleGANTransformer`` ignores it.

    Attributes
    ----------
    layout_ : str
        "NL" or "NCL".
    sample_shape_ : tuple of int
        Shape of one training signal, as passed.
    encoded_shape_ : tuple of int
        ``(C, L)``.
    whole_numbers_ : bool
        Whether the training values were all whole numbers (integer dtypes, or floats
        such as scikit-learn's 0–16 digits); samples are then rounded too.
    dtype_ : numpy.dtype
        The training signals' dtype, which samples get back.
    data_min_, data_max_ : ndarray of shape (C,)
        Per-channel range that maps to [-1, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.adapters import SignalAdapter
    >>> signals = np.sin(np.linspace(0, 6, 50))[None, :] * np.arange(1, 5)[:, None]
    >>> adapter = SignalAdapter().fit(signals)
    >>> adapter.layout_, adapter.encoded_shape_
    ('NL', (1, 50))
    >>> bool(np.allclose(adapter.decode(adapter.encode(signals)), signals))
    True

    Sampling estimators fitted on signals log the spectrum-matching term per epoch:

    >>> from skgan import GANSampler
    >>> from skgan.datasets import make_waveforms
    >>> X, _ = make_waveforms(64, length=32, random_state=0)
    >>> model = GANSampler(adapter=SignalAdapter(width=4), epochs=2, batch_size=32,
    ...                    random_state=0).fit(X)
    >>> len(model.history_["spectrum_loss"])
    2
    """

    network_family = "conv1d"
    kind = "signal"
    #: Adapters pickled before the options existed load with their defaults.
    match_noise_floor = True
    spectrum_matching = 1.0

    def __init__(self, width=16, match_noise_floor=True, spectrum_matching=1.0):
        super().__init__(width=width)
        self.match_noise_floor = match_noise_floor
        self.spectrum_matching = spectrum_matching

    def _check_params(self):
        super()._check_params()
        if not isinstance(self.match_noise_floor, (bool, np.bool_)):
            raise ValueError(
                f"match_noise_floor must be True or False, got {self.match_noise_floor!r}."
            )
        weight = self.spectrum_matching
        if (isinstance(weight, (bool, np.bool_)) or not isinstance(weight, Real)
                or not np.isfinite(weight) or weight < 0):
            raise ValueError(
                f"spectrum_matching must be a finite number >= 0, got {weight!r}."
            )

    def _layout_of(self, array):
        if array.ndim == 2:
            return "NL"
        if array.ndim == 3:
            return "NCL"
        raise ValueError(
            f"SignalAdapter expects (N, L) or (N, C, L) arrays; got a {array.ndim}-D array "
            f"of shape {array.shape}."
        )

    def _to_channels_first(self, array, layout):
        return array[:, None] if layout == "NL" else array

    def _from_channels_first(self, array, layout):
        return array[:, 0] if layout == "NL" else array

    def _check_spatial(self, spatial, layout):
        if spatial[0] < MIN_SIGNAL_LENGTH:
            raise ValueError(
                f"Signals must be at least {MIN_SIGNAL_LENGTH} long; got length {spatial[0]}"
                + (" (SignalAdapter reads 3-D arrays as (N, channels, length): for signals "
                   "stored as (N, length, channels), pass X.transpose(0, 2, 1))."
                   if layout == "NCL" else ".")
            )
