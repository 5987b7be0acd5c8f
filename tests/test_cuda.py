"""CUDA: every estimator trains and samples on a GPU, with bf16 autocast on by default,
and a model trained there loads and samples on a machine without one.

Skipped where CUDA is missing (CI has none); on a GPU machine: ``pytest tests/test_cuda.py``.
"""

import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from skgan import (ConditionalGAN, CycleGANTransformer, GANResampler, GANSampler,
                   WGANSampler)
from skgan.adapters import ImageAdapter, SignalAdapter

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

FAST = dict(epochs=3, batch_size=32, generator_dims=(32, 32), discriminator_dims=(32, 32),
            device="cuda")


def _table(n_rows=300, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({
        "price": np.where(rng.rand(n_rows) < 0.2, np.nan, rng.lognormal(3, 0.5, n_rows)),
        "rooms": rng.randint(1, 5, n_rows).astype(np.int32),
        "member": rng.rand(n_rows) < 0.3,
        "city": pd.Categorical(rng.choice(["Oslo", "Lima", "Pune"], n_rows)),
        "joined": pd.to_datetime("2020-01-01")
        + pd.to_timedelta(rng.randint(0, 365, n_rows), unit="D"),
    })


def _output_dtypes_in_training(model, X, y=None):
    """The dtypes the generator's first layer put out while ``model`` was fitted."""
    seen = set()
    model.fit(X) if y is None else model.fit(X, y)
    first_linear = next(m for m in model.generator_.modules() if isinstance(m, torch.nn.Linear))
    handle = first_linear.register_forward_hook(lambda m, i, out: seen.add(out.dtype))
    try:
        model.partial_fit(X) if y is None else model.partial_fit(X, y)
    finally:
        handle.remove()
    return seen


@pytest.mark.parametrize("make", [GANSampler, WGANSampler])
def test_tabular_samplers_train_on_cuda_in_bf16_and_return_valid_rows(make):
    table = _table()
    model = make(random_state=0, **FAST)
    assert _output_dtypes_in_training(model, table) == {torch.bfloat16}
    assert model.device_.type == "cuda"
    assert all(p.device.type == "cuda" and p.dtype == torch.float32
               for p in model.generator_.parameters())
    assert np.isfinite(model.history_["generator_loss"]).all()
    samples = model.sample(500, random_state=1)
    assert samples.dtypes.to_dict() == table.dtypes.to_dict()
    assert set(samples["city"].dropna()) <= {"Oslo", "Lima", "Pune"}
    assert samples["rooms"].between(1, 4).all()
    assert 0 < samples["price"].isna().mean() < 1  # missing values come back
    pd.testing.assert_frame_equal(samples, model.sample(500, random_state=1))


def test_amp_false_trains_in_float32_on_cuda():
    model = GANSampler(amp=False, random_state=0, **FAST)
    assert _output_dtypes_in_training(model, _table()) == {torch.float32}


def test_images_and_signals_train_on_cuda():
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(64, 12, 10, 3)).astype(np.uint8)
    model = GANSampler(adapter=ImageAdapter(width=8), epochs=2, batch_size=16,
                       device="cuda", random_state=0).fit(images)
    samples = model.sample(7, random_state=0)
    assert samples.shape == (7, 12, 10, 3) and samples.dtype == np.uint8

    time = np.linspace(0, 1, 32)
    signals = np.sin(2 * np.pi * (2 + 3 * rng.rand(64, 2, 1)) * time).astype(np.float32)
    wgan = WGANSampler(adapter=SignalAdapter(width=4), epochs=2, batch_size=16, n_critic=1,
                       device="cuda", random_state=0).fit(signals)
    assert np.isfinite(wgan.history_["gradient_penalty"]).all()
    samples = wgan.sample(5, random_state=0)
    assert samples.shape == (5, 2, 32) and samples.dtype == np.float32
    assert np.abs(samples).max() <= np.abs(signals).max() + 1e-6


def test_conditional_cycle_and_resampler_run_on_cuda():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(-3, 1, (150, 2)), rng.normal(3, 1, (50, 2))])
    y = np.array([0] * 150 + [1] * 50)

    conditional = ConditionalGAN(random_state=0, **FAST).fit(X, y)
    samples, labels = conditional.sample(40, y=1, random_state=0)
    assert samples.shape == (40, 2) and (labels == 1).all()

    cycle = CycleGANTransformer(adapter="numeric", epochs=2, batch_size=32,
                                generator_dims=(16,), discriminator_dims=(16,),
                                device="cuda", random_state=0).fit(X, y)
    assert np.isfinite(cycle.transform(X[:10])).all()

    resampler = GANResampler(estimator=ConditionalGAN(**FAST), random_state=0)
    X_resampled, y_resampled = resampler.fit_resample(X, y)
    assert np.bincount(y_resampled).tolist() == [150, 150]
    np.testing.assert_array_equal(X_resampled[:200], X)


def test_cuda_model_loads_and_trains_on_a_machine_without_cuda(tmp_path):
    table = _table()
    model = WGANSampler(random_state=0, **FAST).fit(table)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model))
    table.to_pickle(tmp_path / "table.pkl")
    script = textwrap.dedent(f"""
        import pickle, warnings
        import pandas as pd, torch
        assert not torch.cuda.is_available()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = pickle.loads(open({str(path)!r}, "rb").read())
        assert any("not available here" in str(w.message) for w in caught)
        assert model.device_ == torch.device("cpu")
        assert all(p.device.type == "cpu" for p in model.generator_.parameters())
        table = pd.read_pickle({str(tmp_path / "table.pkl")!r})
        samples = model.sample(100, random_state=0)
        assert samples.dtypes.to_dict() == table.dtypes.to_dict()
        model.set_params(warm_start=True).partial_fit(table)
        print("epochs", len(model.history_["epoch"]))
    """)
    environment = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    result = subprocess.run([sys.executable, "-c", script], env=environment,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["epochs", str(FAST["epochs"] + 1)]


def _fit_quietly(model, *data):
    """Fit; return the model and the messages of its capture warnings (none expected)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(*data)
    return model, [str(w.message) for w in caught if "CUDA graph" in str(w.message)]


@pytest.mark.parametrize("make", [GANSampler, WGANSampler])
def test_table_steps_replay_from_cuda_graphs_like_eager_steps(make):
    table = _table()
    params = dict(FAST, epochs=6)
    graphed, complaints = _fit_quietly(make(random_state=0, cuda_graphs=True, **params),
                                       table)
    assert complaints == []
    steps_per_epoch = len(table) // params["batch_size"]
    assert sum(graphed.history_["graph_steps"]) >= 6 * steps_per_epoch - 2 * 5 * 3
    eager = make(random_state=0, cuda_graphs=False, **params).fit(table)
    assert "graph_steps" not in eager.history_
    assert graphed._n_steps == eager._n_steps
    assert getattr(graphed, "_n_averaged", 0) == getattr(eager, "_n_averaged", 0)
    for name in ("generator_loss", "discriminator_loss"):
        graphed_losses = np.asarray(graphed.history_[name])
        eager_losses = np.asarray(eager.history_[name])
        print(make.__name__, name, "graph", graphed_losses.round(4).tolist(),
              "eager", eager_losses.round(4).tolist())
        assert np.isfinite(graphed_losses).all()
        # Replays draw their noise from the graph's own generator, so the two fits part
        # after the first captured step: their loss curves agree on average, not step by
        # step (the CPU stand-in in test_step_graphs.py checks replays bit for bit).
        np.testing.assert_allclose(graphed_losses.mean(), eager_losses.mean(), rtol=0.15,
                                   atol=0.03)
    # Replays train: from where one epoch left them, five more move the generator's
    # weights about as far as eager steps do (replays that updated nothing would leave
    # them where the warm-up steps, all in the first epoch, put them).
    def travel(option):
        one = make(random_state=0, cuda_graphs=option, **dict(params, epochs=1)).fit(table)
        six = graphed if option else eager
        return float(sum((a.detach().float() - b.detach().float()).norm() ** 2
                         for a, b in zip(six.generator_.parameters(),
                                         one.generator_.parameters())) ** 0.5)
    assert 0.5 < travel(True) / travel(False) < 2
    samples = graphed.sample(500, random_state=1)
    assert samples.dtypes.to_dict() == table.dtypes.to_dict()
    assert set(samples["city"].dropna()) <= {"Oslo", "Lima", "Pune"}
    pd.testing.assert_frame_equal(samples, graphed.sample(500, random_state=1))


def test_images_signals_conditional_and_cycle_steps_replay_from_cuda_graphs():
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(96, 16, 16, 1)).astype(np.uint8)
    model, complaints = _fit_quietly(GANSampler(
        adapter=ImageAdapter(width=8), epochs=3, batch_size=16, device="cuda",
        cuda_graphs=True, random_state=0), images)
    assert complaints == [] and sum(model.history_["graph_steps"]) > 0
    assert model.sample(5, random_state=0).shape == (5, 16, 16, 1)

    time = np.linspace(0, 1, 32)
    signals = np.sin(2 * np.pi * (2 + 3 * rng.rand(64, 1, 1)) * time).astype(np.float32)
    for make in (GANSampler, WGANSampler):
        model, complaints = _fit_quietly(make(
            adapter=SignalAdapter(width=4, spectrum_matching=0.0), epochs=4, batch_size=16,
            device="cuda", cuda_graphs=True, random_state=0), signals)
        assert complaints == [] and sum(model.history_["graph_steps"]) > 0, make
        assert np.isfinite(model.sample(5, random_state=0)).all()
    # Spectrum matching (on by default for signals) trains eagerly, and says so.
    model, complaints = _fit_quietly(GANSampler(
        adapter=SignalAdapter(width=4), epochs=2, batch_size=16, device="cuda",
        cuda_graphs=True, random_state=0), signals)
    assert "graph_steps" not in model.history_
    assert any("spectrum matching" in message for message in complaints)

    X = np.vstack([rng.normal(-3, 1, (150, 2)), rng.normal(3, 1, (50, 2))])
    y = np.array([0] * 150 + [1] * 50)
    model, complaints = _fit_quietly(ConditionalGAN(random_state=0, cuda_graphs=True, **FAST),
                                     X, y)
    assert complaints == [] and sum(model.history_["graph_steps"]) > 0

    cycle_params = dict(adapter="numeric", epochs=3, batch_size=32, generator_dims=(16,),
                        discriminator_dims=(16,), device="cuda", random_state=0)
    cycle, complaints = _fit_quietly(
        CycleGANTransformer(pool_size=0, cuda_graphs=True, **cycle_params), X, y)
    assert complaints == [] and sum(cycle.history_["graph_steps"]) > 0
    assert np.isfinite(cycle.transform(X[:10])).all()
    # with its pool, eager without a word (a call long enough for "auto" to capture)
    pooled, complaints = _fit_quietly(
        CycleGANTransformer(cuda_graphs="auto", **dict(cycle_params, epochs=130)), X, y)
    assert complaints == [] and "graph_steps" not in pooled.history_  # eager, unsaid


def test_gradient_clipping_and_spectral_norm_steps_replay_from_cuda_graphs():
    table = _table()
    model, complaints = _fit_quietly(GANSampler(
        grad_clip=1.0, spectral_norm=True, loss="hinge", random_state=0, cuda_graphs=True,
        **FAST), table)
    assert complaints == [] and sum(model.history_["graph_steps"]) > 0
    assert np.isfinite(model.history_["generator_loss"]).all()


def test_conditional_wgan_gp_replays_update_the_generator_and_learn_the_labels():
    # ConditionalGAN updates its generator every n_critic (5) steps: a graph per kind of
    # step. One graph for both once replayed critic-only steps forever.
    rng = np.random.RandomState(0)
    centers = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    y = np.repeat([0, 1, 2], 200)
    X = centers[y] + rng.normal(scale=0.5, size=(600, 2))
    model, complaints = _fit_quietly(ConditionalGAN(
        objective="wgan-gp", epochs=250, device="cuda", cuda_graphs=True, random_state=0),
        X, y)
    assert complaints == [] and sum(model.history_["graph_steps"]) > 0
    # Four steps an epoch, a generator step every fifth: one epoch in five has none (its
    # loss NaN, as in an eager fit); the others have finite losses.
    last_losses = np.asarray(model.history_["generator_loss"][-50:])
    assert np.isnan(last_losses).sum() == 10 and not np.isinf(last_losses).any()
    for label in range(3):
        samples, _ = model.sample(200, y=label, random_state=1)
        nearest = np.linalg.norm(samples[:, None] - centers[None], axis=2).argmin(axis=1)
        assert np.mean(nearest == label) >= 0.85, label


def test_a_capture_that_waits_for_the_gpu_falls_back_and_leaves_cuda_usable(monkeypatch):
    original = GANSampler._judge

    def judge_with_a_sync(self, inputs, *condition, discriminator=None):
        if getattr(self, "_capturing_step", False):
            inputs.sum().item()  # waits for the GPU: not allowed while capturing
        return original(self, inputs, *condition, discriminator=discriminator)

    judge_with_a_sync.__module__ = "skgan.gan"  # as skgan's own: tried, not refused
    monkeypatch.setattr(GANSampler, "_judge", judge_with_a_sync)
    table = _table()
    model, complaints = _fit_quietly(GANSampler(random_state=0, cuda_graphs=True, **FAST),
                                     table)
    assert len(complaints) == 1 and "capture failed" in complaints[0], complaints
    assert sum(model.history_["graph_steps"]) == 0
    assert np.isfinite(model.history_["generator_loss"]).all()
    torch.randn(3, device="cuda", generator=model._rng).sum().item()
    torch.randn(3, device="cuda").sum().item()  # the default generator too
    monkeypatch.undo()
    again, complaints = _fit_quietly(GANSampler(random_state=0, cuda_graphs=True, **FAST),
                                     table)
    assert complaints == [] and sum(again.history_["graph_steps"]) > 0
