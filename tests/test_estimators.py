"""Behaviour users rely on: outputs, determinism, continuing training, pickling, search."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from skgan import GANSampler, WGANSampler
from skgan.adapters import ImageAdapter, SignalAdapter

FAST = dict(epochs=3, batch_size=32, generator_dims=(32, 32), discriminator_dims=(32, 32),
            latent_dim=8)
ESTIMATORS = [
    pytest.param(lambda **kw: GANSampler(**{**FAST, **kw}), id="GANSampler"),
    pytest.param(lambda **kw: WGANSampler(n_critic=2, **{**FAST, **kw}), id="WGANSampler"),
]


@pytest.mark.parametrize("make", ESTIMATORS)
def test_sample_returns_array_like_training_data(make, blobs):
    model = make(random_state=0).fit(blobs)
    samples = model.sample(50)
    assert isinstance(samples, np.ndarray)
    assert samples.shape == (50, 3) and samples.dtype == np.float64
    assert np.isfinite(samples).all()
    float32_model = make(random_state=0).fit(blobs.astype(np.float32))
    assert float32_model.sample(5).dtype == np.float32
    integers = np.rint(blobs * 10).astype(np.int64)
    int_samples = make(random_state=0).fit(integers).sample(50)
    assert int_samples.dtype == np.int64
    assert (int_samples >= integers.min(axis=0)).all()
    assert (int_samples <= integers.max(axis=0)).all()


@pytest.mark.parametrize("make", ESTIMATORS)
def test_sample_returns_frame_with_same_columns_and_dtypes(make, numeric_frame):
    model = make(random_state=0).fit(numeric_frame)
    samples = model.sample(100)
    assert isinstance(samples, pd.DataFrame)
    assert list(samples.columns) == list(numeric_frame.columns)
    assert (samples.dtypes == numeric_frame.dtypes).all()
    assert samples["age"].between(numeric_frame["age"].min(), numeric_frame["age"].max()).all()
    assert list(model.feature_names_in_) == list(numeric_frame.columns)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_sample_sizes(make, blobs):
    model = make(random_state=0).fit(blobs)
    assert model.sample().shape == (1, 3)
    assert model.sample(0).shape == (0, 3)
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(-1)
    with pytest.raises(TypeError, match="n_samples"):
        model.sample(2.5)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_sample_before_fit_raises_not_fitted(make):
    with pytest.raises(NotFittedError):
        make().sample(3)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_integer_random_state_gives_identical_results(make, blobs):
    first = make(random_state=7).fit(blobs)
    second = make(random_state=7).fit(blobs)
    np.testing.assert_array_equal(first.sample(20), second.sample(20))
    assert first.history_["generator_loss"] == second.history_["generator_loss"]
    other = make(random_state=8).fit(blobs)
    assert not np.array_equal(first.sample(20, random_state=1), other.sample(20, random_state=1))


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("no_autograd", [torch.no_grad, torch.inference_mode])
def test_a_fit_inside_a_no_autograd_block_trains_as_outside(make, no_autograd, blobs):
    expected = make(random_state=7).fit(blobs).sample(20, random_state=1)
    with no_autograd():
        model = make(random_state=7).fit(blobs)
    np.testing.assert_array_equal(model.sample(20, random_state=1), expected)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()


@pytest.mark.parametrize("make", ESTIMATORS)
def test_sample_stream_and_fixed_seed(make, blobs):
    model = make(random_state=0).fit(blobs)
    assert not np.array_equal(model.sample(10), model.sample(10))
    np.testing.assert_array_equal(model.sample(10, random_state=3), model.sample(10, random_state=3))


@pytest.mark.parametrize("random_state", [0, None])
@pytest.mark.parametrize("make", ESTIMATORS)
def test_global_random_generators_untouched(make, random_state, blobs):
    torch.manual_seed(123)
    np.random.seed(123)
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()
    model = make(random_state=random_state).fit(blobs)
    model.sample(10)
    model.score(blobs)
    model.partial_fit(blobs)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_partial_fit_and_warm_start_continue_training(make, blobs):
    model = make(random_state=0)
    model.partial_fit(blobs)
    assert model.history_["epoch"] == [1]
    weights = [p.detach().clone() for p in model.generator_.parameters()]
    model.partial_fit(blobs)
    assert model.history_["epoch"] == [1, 2]
    assert any(not torch.equal(a, b) for a, b in zip(weights, model.generator_.parameters()))
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(blobs[:, :2])

    warm = make(random_state=0, warm_start=True).fit(blobs)
    generator = warm.generator_
    warm.fit(blobs)
    assert warm.generator_ is generator
    assert warm.history_["epoch"] == list(range(1, 2 * FAST["epochs"] + 1))
    cold = make(random_state=0).fit(blobs)
    first_generator = cold.generator_
    cold.fit(blobs)
    assert cold.generator_ is not first_generator
    assert len(cold.history_["epoch"]) == FAST["epochs"]


def test_auto_epochs_aim_at_a_number_of_steps(blobs):
    model = GANSampler(random_state=0, batch_size=60, pac=1, generator_dims=(8,),
                       discriminator_dims=(8,))
    model._auto_rows = 1200
    model.fit(blobs)
    assert len(model.history_["epoch"]) == 5  # 240 rows per epoch (4 steps of 60)


@pytest.mark.parametrize(
    "estimator, longer_on",
    [(GANSampler, {"signals": 4}), (WGANSampler, {"images": 3, "signals": 6})],
)
def test_auto_epochs_train_longer_on_the_data_that_needs_it(estimator, longer_on):
    data = np.random.RandomState(0).uniform(size=(64, 16, 16))
    epochs = {}
    for kind, X, adapter in [("table", data[:, 0, :4], "numeric"),
                             ("images", data, ImageAdapter(width=4)),
                             ("signals", data[:, 0], SignalAdapter(width=4))]:
        model = estimator(random_state=0, batch_size=32, pac=1, adapter=adapter,
                          generator_dims=(8,), discriminator_dims=(8,))
        model._auto_rows = 320  # 5 epochs of 64 rows
        epochs[kind] = len(model.fit(X).history_["epoch"])
    assert epochs == {kind: 5 * longer_on.get(kind, 1) for kind in epochs}


@pytest.mark.parametrize("make", ESTIMATORS)
def test_history_records_losses_per_epoch(make, blobs):
    model = make(random_state=0).fit(blobs)
    for key in ("epoch", "epoch_time", "discriminator_loss", "generator_loss"):
        assert len(model.history_[key]) == FAST["epochs"]
        assert np.isfinite(model.history_[key]).all()


def test_wgan_history_records_penalty(blobs):
    model = WGANSampler(n_critic=2, **FAST).fit(blobs)
    assert {"gradient_penalty", "wasserstein_distance"} <= set(model.history_)
    clipped = WGANSampler(penalty="clip", n_critic=2, **FAST).fit(blobs)
    assert "gradient_penalty" not in clipped.history_
    for parameter in clipped.discriminator_.parameters():
        assert parameter.abs().max() <= clipped.clip_value + 1e-7


@pytest.mark.parametrize("loss", ["bce", "hinge", "lsgan"])
@pytest.mark.parametrize("spectral_norm", [True, False])
def test_every_gan_loss_trains(loss, spectral_norm, blobs):
    smoothing = 0.0 if loss == "hinge" else 0.1
    model = GANSampler(loss=loss, spectral_norm=spectral_norm, label_smoothing=smoothing,
                       grad_clip=1.0, random_state=0, **FAST).fit(blobs)
    assert np.isfinite(model.history_["discriminator_loss"]).all()
    assert np.isfinite(model.sample(10)).all()


def test_verbose_shows_progress_bar(blobs, capsys):
    GANSampler(verbose=1, random_state=0, **FAST).fit(blobs)
    err = capsys.readouterr().err
    assert "GANSampler" in err and "generator_loss" in err
    # The bar also covers the preparation, with its seconds: adapter fit and encoding.
    assert "fitting the adapter" in err and "encoding 240 rows" in err
    assert "(adapter " in err and "encoding " in err and "step/s" in err
    GANSampler(verbose=0, random_state=0, **FAST).fit(blobs)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("make", ESTIMATORS)
def test_pickle_round_trip_keeps_model_and_random_stream(make, blobs):
    model = make(random_state=0).fit(blobs)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(model.sample(10), restored.sample(10))
    assert model.score(blobs) == restored.score(blobs)
    restored.partial_fit(blobs)
    assert len(restored.history_["epoch"]) == FAST["epochs"] + 1


def test_model_from_unavailable_device_loads_on_cpu(blobs):
    # Trained on the CPU: the same weights then draw the same samples on the CPU.
    model = GANSampler(random_state=0, device="cpu", **FAST).fit(blobs)
    state = model.__getstate__()
    state["device_"] = torch.device("cuda", 7)
    restored = GANSampler.__new__(GANSampler)
    with pytest.warns(UserWarning, match="not available here"):
        restored.__setstate__(state)
    assert restored.device_ == torch.device("cpu")
    assert restored.generator_.body[0].weight.device.type == "cpu"
    np.testing.assert_array_equal(restored.sample(5, random_state=0),
                                  model.sample(5, random_state=0))


@pytest.mark.parametrize("make", ESTIMATORS)
def test_clone_and_get_params_carry_no_tensors(make, blobs):
    model = make(random_state=0).fit(blobs)
    params = model.get_params(deep=True)
    assert not any(isinstance(value, (torch.Tensor, torch.nn.Module)) for value in params.values())
    fresh = clone(model)
    assert not hasattr(fresh, "generator_")
    assert fresh.get_params() == model.get_params()


@pytest.mark.parametrize("make", ESTIMATORS)
def test_score_prefers_the_training_distribution(make, blobs):
    model = make(random_state=0, epochs=40).fit(blobs)
    assert model.score(blobs) > model.score(blobs + 3.0)
    assert model.score(blobs) == model.score(blobs)


def test_trained_model_scores_better_than_untrained(blobs):
    short = GANSampler(random_state=0, **{**FAST, "epochs": 1}).fit(blobs)
    long = GANSampler(random_state=0, **{**FAST, "epochs": 150}).fit(blobs)
    assert long.score(blobs) > short.score(blobs)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_gan_hyperparameters(n_jobs, blobs):
    search = GridSearchCV(
        GANSampler(random_state=0, **FAST),
        {"latent_dim": [2, 8], "loss": ["bce", "lsgan"]},
        cv=2,
        n_jobs=n_jobs,
    )
    search.fit(blobs)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.sample(4).shape == (4, 3)


def test_wgan_history_has_one_entry_per_epoch_even_when_generator_skips(blobs):
    model = WGANSampler(n_critic=3, random_state=0, **{**FAST, "epochs": 7, "batch_size": 240})
    model.fit(blobs)  # one critic step per epoch: a generator step every third epoch
    assert all(len(values) == 7 for values in model.history_.values())
    generator_losses = np.array(model.history_["generator_loss"])
    assert np.isfinite(generator_losses[[2, 5]]).all()
    assert np.isnan(generator_losses[[0, 1, 3, 4, 6]]).all()


def test_generator_head_with_its_own_state_is_built_and_seeded(blobs):
    from skgan.adapters import NumericAdapter

    class Shift(torch.nn.Module):
        def __init__(self, width):
            super().__init__()
            self.register_buffer("offset", torch.empty(width))

        def reset_parameters_from(self, generator):
            values = torch.rand(self.offset.shape, generator=generator, device=generator.device)
            with torch.no_grad():
                self.offset.copy_(values)

        def forward(self, inputs, generator=None):
            return inputs + self.offset

    class ShiftedAdapter(NumericAdapter):
        def generator_head(self):
            return Shift(self.encoded_shape_[0])

    first = GANSampler(adapter=ShiftedAdapter(), random_state=0, **FAST).fit(blobs)
    second = GANSampler(adapter=ShiftedAdapter(), random_state=0, **FAST).fit(blobs)
    offset = first.generator_.head.offset
    assert torch.isfinite(offset).all() and ((offset >= 0) & (offset < 1)).all()
    assert torch.equal(offset, second.generator_.head.offset)


def test_wgan_auto_batch_size_is_512_for_tables_and_128_for_images_and_signals(blobs):
    from skgan.adapters import SignalAdapter

    rng = np.random.RandomState(0)
    data = {"tabular": (blobs, "auto"), "images": (rng.rand(40, 8, 8), "auto"),
            "signals": (rng.rand(40, 16), SignalAdapter(width=4))}
    expected = {"tabular": 512, "images": 128, "signals": 128}
    for kind, (X, adapter) in data.items():
        model = WGANSampler(adapter=adapter, epochs=1, n_critic=1, random_state=0).fit(X)
        assert model._batch_size_for(10_000) == expected[kind], kind
        assert model.get_params()["batch_size"] == "auto"
    fixed = WGANSampler(batch_size=64, epochs=1, n_critic=1, random_state=0).fit(blobs)
    assert fixed._batch_size_for(10_000) == 64
    with pytest.raises(ValueError, match="batch_size"):
        WGANSampler(batch_size="big").fit(blobs)


def test_a_table_of_constant_columns_trains_without_warnings_and_samples_its_values():
    # Constant columns encode to no values: torch warned, three times a fit, that
    # initialising the empty layers did nothing.
    import warnings

    X = np.full((50, 3), 7.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GANSampler(epochs=1, random_state=0, generator_dims=(16,),
                           discriminator_dims=(16,)).fit(X)
        assert (model.sample(5, random_state=0) == 7.0).all()


def test_numpy_numbers_and_booleans_from_a_search_grid_train_as_python_ones():
    import numpy as np
    from skgan import ConditionalGAN, CycleGANTransformer, WGANSampler
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 2)), np.repeat([0, 1], 32)
    tiny = dict(epochs=1, generator_dims=(8,), discriminator_dims=(8,), random_state=0)
    WGANSampler(pac=np.int64(2), betas=(0, 0.9), amp=np.False_, **tiny).fit(X)
    CycleGANTransformer(batch_size=np.int64(8), pac=np.int64(2), **tiny).fit(X, y)
    ConditionalGAN(class_weight="balanced", batch_size=np.int64(8),
                   betas=(np.float32(0.5), 0.9), **tiny).fit(X, y)
    with pytest.raises(ValueError, match="betas must be two numbers"):
        WGANSampler(betas=(False, 0.9), **tiny).fit(X)
    with pytest.raises(ValueError, match="distributed=True needs several processes"):
        WGANSampler(distributed=np.True_, **tiny).fit(X)


def test_a_wgan_whose_generator_never_stepped_lists_its_loss_as_nan():
    import math
    import numpy as np
    X = np.random.RandomState(0).normal(size=(64, 2))
    with pytest.warns(UserWarning, match="never updated its generator"):
        model = WGANSampler(n_critic=50, epochs=2, batch_size=32, generator_dims=(8,),
                            discriminator_dims=(8,), random_state=0).fit(X)
    assert len(model.history_["generator_loss"]) == 2
    assert all(math.isnan(value) for value in model.history_["generator_loss"])


def test_a_conditional_wgan_whose_generator_never_stepped_lists_its_loss_as_nan():
    # WGANSampler filled the key in; ConditionalGAN(objective="wgan-gp") left it out,
    # and the user guide's plot of generator_loss met a KeyError.
    import math
    import numpy as np
    from skgan import ConditionalGAN
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 2)), rng.randint(3, size=64)
    with pytest.warns(UserWarning, match="never updated its generator"):
        model = ConditionalGAN(objective="wgan-gp", epochs=2, batch_size=32,
                               generator_dims=(8,), discriminator_dims=(8,),
                               random_state=0).fit(X, y)
    assert len(model.history_["generator_loss"]) == 2
    assert all(math.isnan(value) for value in model.history_["generator_loss"])
