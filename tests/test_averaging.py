"""The moving average of the generator's weights (``ema_decay``)."""

import pickle

import numpy as np
import pytest
import torch
from torch import nn

from skgan import ConditionalGAN, GANSampler, WGANSampler
from skgan._engine.averaging import make_average, ramped_decay, update_average
from skgan.adapters import SignalAdapter
from skgan.datasets import make_waveforms

FAST = dict(epochs=3, batch_size=32, generator_dims=(32, 32), discriminator_dims=(32, 32),
            latent_dim=8, random_state=0)
ESTIMATORS = [
    pytest.param(lambda **kw: GANSampler(**{**FAST, **kw}), id="GANSampler"),
    pytest.param(lambda **kw: WGANSampler(n_critic=2, **{**FAST, **kw}), id="WGANSampler"),
]


def test_update_moves_parameters_and_running_statistics_and_copies_counts():
    live = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    average = make_average(live)
    assert all(not parameter.requires_grad for parameter in average.parameters())
    assert not average.training
    start = [tensor.clone() for tensor in average.state_dict().values()]
    with torch.no_grad():
        for tensor in live.state_dict().values():
            tensor.add_(10)
    update_average(average, live, decay=0.75)
    for before, (name, after) in zip(start, average.state_dict().items()):
        if name.endswith("num_batches_tracked"):
            assert after == before + 10  # copied, not averaged
        else:
            torch.testing.assert_close(after, before + 2.5)
    assert all(parameter.requires_grad for parameter in live.parameters())


def test_decay_ramps_up_over_the_first_updates():
    decays = [ramped_decay(0.99, n) for n in (1, 10, 100, 1000, 10_000)]
    assert decays == sorted(decays) and decays[0] < 0.2 and decays[-1] == 0.99
    assert ramped_decay(0.0, 5) == 0.0


@pytest.mark.parametrize("make", ESTIMATORS)
def test_zero_decay_samples_exactly_like_the_last_weights(make, blobs):
    """The average follows the generator without touching training or random draws."""
    plain = make(ema_decay=None).fit(blobs)
    averaged = make(ema_decay=0.0).fit(blobs)
    np.testing.assert_array_equal(averaged.sample(20, random_state=1),
                                  plain.sample(20, random_state=1))
    for name, tensor in plain.generator_.state_dict().items():
        torch.testing.assert_close(averaged.generator_.state_dict()[name], tensor,
                                   rtol=0, atol=0)
    assert not hasattr(plain, "generator_average_")


@pytest.mark.parametrize("make", ESTIMATORS)
def test_sample_and_score_use_the_average(make, blobs):
    model = make(ema_decay=0.9).fit(blobs)
    average = model.generator_average_
    assert average is not model.generator_
    live_weights = list(model.generator_.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(average.parameters(), live_weights))
    samples, score = model.sample(20, random_state=1), model.score(blobs)
    # The same estimator with the live weights swapped into the average samples otherwise.
    average.load_state_dict(model.generator_.state_dict())
    assert not np.allclose(model.sample(20, random_state=1), samples)
    assert model.score(blobs) != score


@pytest.mark.parametrize("make", ESTIMATORS)
def test_a_fresh_fit_starts_a_fresh_average(make, blobs):
    model = make(ema_decay=0.9).fit(blobs)
    first_average = model.generator_average_
    model.fit(blobs)
    assert model.generator_average_ is not first_average
    np.testing.assert_array_equal(model.sample(10, random_state=2),
                                  make(ema_decay=0.9).fit(blobs).sample(10, random_state=2))
    model.set_params(generator_dims=(16,)).fit(blobs)  # other shapes: a new average too
    assert model.sample(5).shape == (5, 3)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_average_pickles_continues_and_is_dropped_without_decay(make, blobs):
    model = make(ema_decay=0.9, warm_start=True).fit(blobs)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.sample(10, random_state=3),
                                  model.sample(10, random_state=3))
    n_before = model._n_averaged
    model.fit(blobs)  # warm start: the same average goes on
    assert model._n_averaged > n_before
    model.set_params(ema_decay=None).fit(blobs)
    assert not hasattr(model, "generator_average_")
    assert "generator_average" not in model._networks()


def test_conditional_gan_samples_from_its_average(blobs):
    y = (blobs[:, 0] > 0).astype(int)
    model = ConditionalGAN(ema_decay=0.9, **FAST).fit(blobs, y)
    X, labels = model.sample(30, y=np.repeat([0, 1], 15), random_state=0)
    assert X.shape == (30, 3) and list(labels) == [0] * 15 + [1] * 15
    model.generator_average_.load_state_dict(model.generator_.state_dict())
    assert not np.allclose(model.sample(30, y=labels, random_state=0)[0], X)


def test_signal_noise_floor_is_matched_on_the_average():
    signals, _ = make_waveforms(64, length=32, noise=0.2, random_state=0)
    model = GANSampler(adapter=SignalAdapter(width=4), epochs=2, batch_size=32,
                       ema_decay=0.9, random_state=0).fit(signals)
    matched = model.generator_average_.noise.scale.detach()
    assert (matched > 0.05).all()  # the data's noise is 0.2 of a [-1.7, 1.7] range
    assert (model.generator_.noise.scale.detach().abs() < matched).all()


@pytest.mark.parametrize("make", ESTIMATORS)
def test_defaults_sample_from_an_average_that_differs_from_the_last_weights(make, blobs):
    model = make().fit(blobs)
    assert model.ema_decay == ConditionalGAN().ema_decay == "auto"
    averaged = model.sample(20, random_state=1)
    model.generator_average_.load_state_dict(model.generator_.state_dict())
    assert not np.allclose(model.sample(20, random_state=1), averaged)


@pytest.mark.parametrize("make, data, expected", [
    (lambda: GANSampler(**FAST), "table", 0.99),
    (lambda: GANSampler(adapter=SignalAdapter(width=4), **FAST), "signals", 0.999),
    (lambda: WGANSampler(adapter=SignalAdapter(width=4), n_critic=2, **FAST), "signals", 0.99),
    (lambda: ConditionalGAN(adapter=SignalAdapter(width=4), **FAST), "signals", 0.99),
])
def test_auto_decay_is_longer_for_signal_gans_only(make, data, expected, blobs, monkeypatch):
    import skgan.base

    used = []
    monkeypatch.setattr(skgan.base, "ramped_decay",
                        lambda decay, n: used.append(decay) or ramped_decay(decay, n))
    X = blobs if data == "table" else make_waveforms(64, length=32, random_state=0)[0]
    y = np.arange(len(X)) % 2
    model = make()
    model.fit(X, y) if isinstance(model, ConditionalGAN) else model.fit(X)
    assert used and set(used) == {expected}
    assert model.get_params()["ema_decay"] == "auto"  # the parameter is left as given


@pytest.mark.parametrize("decay", [1.0, -0.1, "0.9", "fast"])
def test_bad_decay_is_refused(decay, blobs):
    with pytest.raises((ValueError, TypeError), match="ema_decay"):
        GANSampler(ema_decay=decay, **FAST).fit(blobs)
