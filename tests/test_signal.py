import numpy as np
import pytest
import torch

from skgan import ConditionalGAN, GANSampler, WGANSampler
from skgan.adapters import ImageAdapter, SignalAdapter
from skgan.datasets import make_waveforms
from skgan.networks import build_module
from skgan.networks.conv import ConvGenerator
from skgan.objectives import spectrum_moment_gap


@pytest.mark.parametrize("shape", [(6, 16), (6, 50), (6, 1, 40), (6, 3, 33)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
def test_every_layout_and_dtype_round_trips(shape, dtype):
    signals = (np.random.RandomState(0).normal(scale=100, size=shape)).astype(dtype)
    adapter = SignalAdapter().fit(signals)
    encoded = adapter.encode(signals)
    assert encoded.dtype == np.float32 and encoded.shape == (6, *adapter.encoded_shape_)
    assert adapter.encoded_shape_ == ((1, shape[1]) if len(shape) == 2 else shape[1:])
    decoded = adapter.decode(encoded)
    assert decoded.shape == signals.shape and decoded.dtype == signals.dtype
    np.testing.assert_allclose(decoded, signals, rtol=1e-4, atol=1e-3)


def test_samples_keep_layout_dtype_and_channel_ranges():
    signals, _ = make_waveforms(40, length=24, n_channels=2, random_state=0)
    signals = signals.astype(np.float32)
    model = WGANSampler(adapter=SignalAdapter(width=4), epochs=2, batch_size=8, n_critic=1,
                        random_state=0)
    samples = model.fit(signals).sample(9)
    assert samples.shape == (9, 2, 24) and samples.dtype == np.float32
    for channel in range(2):
        assert samples[:, channel].min() >= signals[:, channel].min()
        assert samples[:, channel].max() <= signals[:, channel].max()


def test_uint8_signals_come_back_in_their_training_range():
    signals = np.random.RandomState(0).randint(100, 150, size=(6, 20)).astype(np.uint8)
    adapter = SignalAdapter().fit(signals)
    decoded = adapter.decode(np.random.RandomState(1).uniform(-1, 1, size=(50, 1, 20)))
    assert decoded.dtype == np.uint8
    assert decoded.min() >= signals.min() and decoded.max() <= signals.max()


@pytest.mark.parametrize(
    "signals, match",
    [
        (np.zeros(20), "expects \\(N, L\\) or \\(N, C, L\\)"),
        (np.zeros((4, 2, 3, 20)), "4-D array"),
        (np.zeros((4, 15)), "at least 16 long"),
        (np.zeros((4, 2, 12)), "at least 16 long"),
        (np.full((4, 20), np.nan), "NaN or infinite"),
    ],
)
def test_bad_signals_raise_clear_errors(signals, match):
    with pytest.raises(ValueError, match=match):
        GANSampler(adapter="signal", epochs=1).fit(signals)


def test_other_signal_length_and_changed_adapter_are_refused():
    signals, _ = make_waveforms(20, length=32, random_state=0)
    model = GANSampler(adapter=SignalAdapter(width=4), epochs=1, batch_size=8,
                       random_state=0).fit(signals)
    with pytest.raises(ValueError, match="fitted on signals of shape \\(32,\\)"):
        model.partial_fit(make_waveforms(20, length=40, random_state=0)[0])
    assert model.history_["epoch"] == [1]
    model.set_params(adapter=ImageAdapter())
    with pytest.raises(ValueError, match="call fit again"):
        model.sample(1)


@pytest.mark.parametrize("seed", [0, 4])
def test_gan_learns_the_frequencies_and_amplitude_of_a_sine_family(seed):
    rng = np.random.RandomState(seed)
    n_signals, length = 200, 32
    frequency = np.where(rng.rand(n_signals) < 0.5, 2, 5)
    phase = rng.uniform(0, 2 * np.pi, (n_signals, 1))
    time = np.arange(length) / length
    signals = np.sin(2 * np.pi * frequency[:, None] * time + phase)
    signals += 0.05 * rng.normal(size=signals.shape)
    model = GANSampler(adapter=SignalAdapter(width=16), epochs=50, batch_size=32,
                       random_state=seed).fit(signals)
    samples = model.sample(200, random_state=0)
    dominant = np.abs(np.fft.rfft(samples, axis=1)).argmax(axis=1)
    shares = np.bincount(dominant, minlength=length // 2 + 1) / len(samples)
    assert shares[2] + shares[5] >= 0.9  # only the two frequencies of the data
    # Both of them, in about the data's proportions (half each): spectrum matching
    # keeps the smaller share at 0.42-0.54 over seeds 0-7; without it 0.16-0.50.
    assert min(shares[2], shares[5]) >= 0.35
    real_peak, fake_peak = np.abs(signals).max(axis=1).mean(), np.abs(samples).max(axis=1).mean()
    assert abs(fake_peak / real_peak - 1) < 0.15


@pytest.mark.parametrize("spatial, level_free", [((64,), True), ((16, 16), False)])
def test_signal_noise_keeps_its_level_at_the_ends_of_the_range(spatial, level_free):
    # Sensor noise adds to a signal whatever its level: the signal generator adds its
    # noise after the tanh. Images add it before, so a saturated background stays flat.
    network = build_module(lambda: ConvGenerator(8, (1, *spatial), width=4), "cpu",
                           torch.Generator().manual_seed(0))
    with torch.no_grad():
        network.noise.scale.fill_(0.1)
        network.body[-1].bias.fill_(5.0)  # push every value to the top of the range
    network.eval()
    latent = torch.randn(32, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        first, second = (network(latent, generator=torch.Generator().manual_seed(seed))
                         for seed in (2, 3))
    noise_std = float((first - second).std() / np.sqrt(2))
    if level_free:
        assert noise_std == pytest.approx(0.1, rel=0.05)
    else:
        assert noise_std < 0.01


def _upper_band_power(signals):
    """Mean power of the upper half of the spectrum, in signal units squared."""
    spectrum = np.abs(np.fft.rfft(signals, axis=-1)) ** 2 / signals.shape[-1]
    return spectrum[..., spectrum.shape[-1] // 2:-1].mean()


@pytest.mark.parametrize("make", [GANSampler, WGANSampler])
def test_samples_get_the_white_noise_floor_of_the_data(make):
    # Smooth sines plus white noise of std 0.1: the generator's convolutions make the
    # sines, the matched noise scale the noise; without matching the floor is missing.
    # (On the CPU's random stream these 3-epoch generators are smoother than the data;
    # a rougher one rightly gets no noise added: see the next test.)
    signals, _ = make_waveforms(300, length=64, noise=0.1, random_state=0)
    floors = {}
    for match in (True, False):
        model = make(adapter=SignalAdapter(width=8, match_noise_floor=match), epochs=3,
                     batch_size=32, device="cpu", random_state=0).fit(signals)
        floors[match] = _upper_band_power(model.sample(500, random_state=1))
    real_floor = _upper_band_power(signals)
    assert real_floor > 0.01  # the noise's 0.01 and the sines' leakage
    assert floors[True] == pytest.approx(real_floor, rel=0.2)
    if make is GANSampler:  # its 3-epoch samples are smooth (WGANSampler's still rough)
        assert floors[False] < 0.5 * real_floor


def test_matched_noise_scale_fills_only_the_missing_power():
    from skgan.networks import matching_noise_scale

    rng = torch.Generator().manual_seed(0)
    smooth = torch.sin(torch.linspace(0, 6, 128)).expand(1000, 1, 128)
    real = smooth + 0.1 * torch.randn(1000, 1, 128, generator=rng)
    made_with_some = smooth + 0.05 * torch.randn(1000, 1, 128, generator=rng)
    rougher = smooth + 0.2 * torch.randn(1000, 1, 128, generator=rng)
    # Variances add: 0.05**2 + (0.1**2 - 0.05**2) = 0.1**2.
    assert float(matching_noise_scale(real, made_with_some, torch.tensor([0.05]))[0]) \
        == pytest.approx(0.1, rel=0.05)
    assert float(matching_noise_scale(real, rougher, torch.tensor([0.0]))[0]) == 0.0


def test_noise_floor_matching_follows_each_channel_and_refits_with_partial_fit(monkeypatch):
    import skgan._engine.calibration as calibration

    scales = []
    match = calibration.matching_noise_scale

    def spy(*args):
        scales.append(match(*args))
        return scales[-1]

    monkeypatch.setattr(calibration, "matching_noise_scale", spy)
    rng = np.random.RandomState(0)
    signals, _ = make_waveforms(200, length=64, n_channels=2, noise=0.0, random_state=0)
    signals = signals + rng.normal(size=signals.shape) * np.array([0.02, 0.2])[None, :, None]
    model = GANSampler(adapter=SignalAdapter(width=8), epochs=2, batch_size=32,
                       device="cpu", random_state=0).fit(signals)
    samples = model.sample(500, random_state=0)
    for channel in range(2):
        assert _upper_band_power(samples[:, channel]) == pytest.approx(
            _upper_band_power(signals[:, channel]), rel=0.25)
    model.partial_fit(signals)  # set again after the epoch
    assert len(scales) == 2
    sampling_noise = model._sampling_generator().noise.scale.detach()  # the average's
    torch.testing.assert_close(sampling_noise, scales[-1].float())


def test_match_noise_floor_must_be_a_boolean():
    with pytest.raises(ValueError, match="match_noise_floor"):
        GANSampler(adapter=SignalAdapter(match_noise_floor="yes"), epochs=1).fit(
            np.zeros((10, 16)))


@pytest.mark.parametrize("weight", [-1.0, float("nan"), float("inf"), True, "1"])
def test_spectrum_matching_must_be_a_finite_non_negative_number(weight):
    model = GANSampler(adapter=SignalAdapter(spectrum_matching=weight), epochs=1)
    with pytest.raises(ValueError, match="spectrum_matching must be a finite number"):
        model.fit(np.zeros((10, 16)))
    assert not hasattr(model, "generator_")


@pytest.mark.parametrize("make, options", [(GANSampler, {}), (WGANSampler, {"n_critic": 1}),
                                           (ConditionalGAN, {})])
def test_spectrum_matching_brings_the_samples_spectra_to_the_data(make, options):
    signals, frequency = make_waveforms(256, length=32, random_state=0)
    labels = (frequency > 4).astype(int)

    def fit_and_measure(weight):
        model = make(adapter=SignalAdapter(width=8, spectrum_matching=weight), epochs=40,
                     batch_size=32, random_state=0, **options)
        model.fit(signals, labels) if make is ConditionalGAN else model.fit(signals)
        samples = model.sample(256, random_state=1)
        samples = samples[0] if isinstance(samples, tuple) else samples
        gap = spectrum_moment_gap(torch.as_tensor(signals[:, None]),
                                  torch.as_tensor(samples[:, None]))
        return model, float(gap)

    matched, matched_gap = fit_and_measure(1.0)
    gaps = np.asarray(matched.history_["spectrum_loss"])
    assert gaps[-5:].mean() < 0.5 * gaps[0]
    off, off_gap = fit_and_measure(0.0)
    assert "spectrum_loss" not in off.history_
    # The same fit without the term leaves the samples' spectra further from the data's
    # (seed 0: 0.064 against 0.102, 0.090 against 0.325, 0.023 against 0.051).
    assert matched_gap < 0.8 * off_gap


def test_conditional_signal_models_match_their_noise_floor_with_the_training_labels(
        monkeypatch):
    signals, frequency = make_waveforms(300, length=64, noise=0.1, random_state=0)
    labels = (frequency > 4).astype(int)
    asked = []
    generate = ConditionalGAN._generate_encoded

    def spy(self, n_samples, generator, condition=None, **kwargs):
        asked.append(None if condition is None else condition.cpu().numpy())
        return generate(self, n_samples, generator, condition, **kwargs)

    monkeypatch.setattr(ConditionalGAN, "_generate_encoded", spy)
    ConditionalGAN(adapter=SignalAdapter(width=8), epochs=1, batch_size=32,
                   random_state=0).fit(signals, labels)
    # Every training signal (300 < 2,000) and, for each, a sample of its own class.
    assert len(asked) == 1 and asked[0].shape == (300, 2)
    np.testing.assert_array_equal(asked[0].sum(axis=0), np.bincount(labels))


def test_a_failed_noise_match_keeps_the_training_and_warns(monkeypatch):
    import skgan._engine.calibration as calibration

    def broken(*args):
        raise MemoryError("no room")

    monkeypatch.setattr(calibration, "matching_noise_scale", broken)
    signals, _ = make_waveforms(100, length=32, random_state=0)
    with pytest.warns(UserWarning, match="kept its trained noise scale.*MemoryError"):
        model = GANSampler(adapter=SignalAdapter(width=4), epochs=2, batch_size=32,
                           device="cpu", random_state=0).fit(signals)
    assert model.history_["epoch"] == [1, 2]
    assert model.sample(3).shape == (3, 32)


def test_signal_adapters_pickled_before_the_option_load_with_it_on():
    import pickle

    adapter = SignalAdapter(width=4)
    del adapter.match_noise_floor  # as an adapter of skgan 0.1.0 was pickled
    del adapter.spectrum_matching
    restored = pickle.loads(pickle.dumps(adapter))
    assert restored.get_params() == {"width": 4, "match_noise_floor": True,
                                     "spectrum_matching": 1.0}


def test_upper_band_power_is_the_same_computed_in_chunks(monkeypatch):
    import skgan.networks.noise_floor as noise_floor

    signals = torch.randn(50, 2, 40, generator=torch.Generator().manual_seed(0))
    whole = noise_floor.upper_band_power(signals)
    monkeypatch.setattr(noise_floor, "_CHUNK_ELEMENTS", 200)  # 2 signals per chunk
    torch.testing.assert_close(noise_floor.upper_band_power(signals), whole)
    monkeypatch.setattr(noise_floor, "_CHUNK_ELEMENTS", 50)  # less than one signal
    torch.testing.assert_close(noise_floor.upper_band_power(signals), whole)
    assert whole.shape == (2, 10)  # bins 10-19 of 21


def test_plots_of_nothing_or_no_panels_name_the_problem():
    import matplotlib

    matplotlib.use("Agg")
    from skgan.plotting import plot_image_grid, plot_signals

    signals = np.zeros((3, 16))
    with pytest.raises(ValueError, match="n_signals must be an integer >= 1, got 0"):
        plot_signals(signals, n_signals=0)
    with pytest.raises(ValueError, match="signals is empty"):
        plot_signals(np.zeros((0, 16)))
    with pytest.raises(ValueError, match="images is empty"):
        plot_image_grid(np.zeros((0, 8, 8)))
    with pytest.raises(ValueError, match="n_cols must be an integer >= 1, got 0"):
        plot_image_grid(np.zeros((2, 8, 8)), n_cols=0)
    for shape in [(2, 2, 8, 8), (2, 8, 8, 5)]:  # matplotlib's "Invalid shape" before
        with pytest.raises(ValueError, match="1, 3 or 4 channels"):
            plot_image_grid(np.zeros(shape))
    assert plot_image_grid(np.zeros((2, 3, 8, 8))) is not None  # RGB channels first
    assert len(plot_signals(signals, n_signals=2).lines) >= 2


def test_a_nan_in_one_signal_or_pixel_leaves_the_others_drawn():
    import matplotlib

    matplotlib.use("Agg")
    from skgan.plotting import plot_image_grid, plot_signals
    signals = np.sin(np.linspace(0, 6, 150)).reshape(3, 50) + np.arange(3)[:, None]
    signals[1, 7] = np.nan
    ax = plot_signals(signals, n_signals=3)
    finite = [int(np.isfinite(line.get_ydata()).sum()) for line in ax.get_lines()]
    assert finite == [50, 49, 50]  # was 0 everywhere: the spacing became NaN
    images = np.random.default_rng(0).random((4, 8, 8))
    images[0, 0, 0] = np.nan
    shown = plot_image_grid(images, n_cols=2).get_images()[0].get_array()
    assert np.nanmax(shown) > 0.9  # was all zeros


def test_channels_last_and_ragged_signals_get_errors_that_say_how_to_fix_them():
    rng = np.random.RandomState(0)
    signals = rng.randn(40, 64)
    with pytest.raises(ValueError, match=r"got length 1 .*X.transpose\(0, 2, 1\)"):
        GANSampler(adapter="signal", epochs=1).fit(signals[:, :, None])
    ragged = [signal[:rng.randint(40, 64)] for signal in signals]
    with pytest.raises(ValueError, match="signals of one shape.*pad or crop"):
        GANSampler(adapter="signal", epochs=1).fit(ragged)
    with pytest.raises(ValueError, match=r"got length 8\.$"):
        GANSampler(adapter="signal", epochs=1).fit(signals[:, :8])
