"""Bad input and faults: clear errors, and nothing half-done left behind."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skgan import ConditionalGAN, GANSampler, WGANSampler
from skgan.exceptions import TrainingDivergedWarning, TrainingInterruptedWarning

FAST = dict(epochs=3, batch_size=32, generator_dims=(16,), discriminator_dims=(16,),
            latent_dim=4)
CLASSES = [GANSampler, WGANSampler]


def _assert_not_fitted(model):
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


@pytest.mark.parametrize("estimator_class", CLASSES)
@pytest.mark.parametrize(
    "X, error, message",
    [
        (np.array([[0.0, np.nan], [1.0, np.nan], [3.0, np.nan]]), ValueError, "all missing"),
        (np.array([[0.0, np.inf], [1.0, 2.0], [3.0, 4.0]]), ValueError, "infinite"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (np.ones((1, 3)), ValueError, "1 sample"),
        (np.empty((5, 0)), ValueError, "0 feature"),
        (pd.DataFrame({"x": [1.0, 2.0, 3.0], "tags": [["a"], ["b"], []]}), TypeError,
         "'tags' holds nested objects"),
        (pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["a", "a"]), ValueError,
         "Duplicated column names"),
        (np.ones((4, 3, 2)), ValueError, "Images must be at least 8x8"),
        (np.ones(5), ValueError, "2-D data .* got 1-D"),
        (pd.Series(np.ones(5), name="x"), ValueError, r"got 1-D.*X.to_frame\(\)"),
        (np.ones((4, 2), dtype=complex), ValueError, "Complex"),
        ("customers.csv", TypeError,
         r"got the file name 'customers.csv'; read the file first, e.g. "
         r"X = pandas.read_csv\('customers.csv'\)"),
    ],
    ids=["all-nan", "inf", "empty", "one-row", "no-columns", "nested", "duplicated", "3-d",
         "1-d", "series", "complex", "file-name"],
)
def test_bad_training_data_raises_and_leaves_estimator_unfitted(estimator_class, X, error,
                                                                message):
    model = estimator_class(**FAST)
    with pytest.raises(error, match=message):
        model.fit(X)
    _assert_not_fitted(model)
    assert model.get_params() == estimator_class(**FAST).get_params()


@pytest.mark.parametrize(
    "X, error, message",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 4.0]]), ValueError, "NaN"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "numeric data"),
        (pd.DataFrame({"x": [1.0, 2.0, 3.0], "city": ["a", "b", "c"]}), TypeError, "city"),
    ],
    ids=["nan", "strings", "text-column"],
)
def test_numeric_adapter_refuses_missing_and_text(X, error, message):
    model = GANSampler(adapter="numeric", **FAST)
    with pytest.raises(error, match=message):
        model.fit(X)
    _assert_not_fitted(model)


@pytest.mark.parametrize("estimator_class", CLASSES)
def test_failed_refit_keeps_previous_model(estimator_class, blobs):
    model = estimator_class(random_state=0, **FAST).fit(blobs)
    before = model.sample(5, random_state=0)
    with pytest.raises(ValueError, match="all missing"):
        model.fit(np.full((10, 3), np.nan))
    np.testing.assert_array_equal(model.sample(5, random_state=0), before)
    assert model.n_features_in_ == 3


@pytest.mark.parametrize("estimator_class", CLASSES)
def test_wrong_feature_count_at_score_time(estimator_class, blobs):
    model = estimator_class(**FAST).fit(blobs)
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3"):
        model.score(blobs[:, :2])


@pytest.mark.parametrize("adapter", ["auto", "numeric"])
def test_score_of_a_single_row_says_it_needs_two(adapter, blobs):
    model = GANSampler(adapter=adapter, **FAST).fit(blobs)
    with pytest.raises(ValueError, match="score needs at least 2 rows of X, got 1"):
        model.score(blobs[:1])


@pytest.mark.parametrize("estimator_class", [GANSampler, ConditionalGAN])
@pytest.mark.parametrize("param", ["dp_epsilon", "epochs", "generator_lr", "max_time"])
def test_true_or_false_for_a_number_is_refused(estimator_class, param, blobs):
    # scikit-learn's Interval counts True as 1: dp_epsilon=True trained at epsilon 1.
    model = estimator_class(**{**FAST, param: True})
    with pytest.raises(TypeError, match=f"{param} must be a number, got True"):
        model.fit(blobs, np.arange(len(blobs)) % 2)
    _assert_not_fitted(model)


def test_input_is_not_modified(blobs, numeric_frame):
    array, frame = blobs.copy(), numeric_frame.copy()
    GANSampler(**FAST).fit(blobs).score(blobs)
    GANSampler(**FAST).fit(numeric_frame)
    np.testing.assert_array_equal(array, blobs)
    pd.testing.assert_frame_equal(frame, numeric_frame)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(loss="wasserstein"), "loss"),
        (dict(epochs=0), "epochs"),
        (dict(generator_dims=(16, -2)), "generator_dims"),
        (dict(betas=(0.5, 1.5)), "betas"),
        (dict(device="tpu"), "device"),
        (dict(device="cuda:3"), r"not available|only \d+ CUDA device"),
        (dict(loss="hinge", label_smoothing=0.1), "label_smoothing"),
        (dict(adapter="pictures"), "adapter"),
    ],
)
def test_bad_parameters_raise_at_fit(params, message, blobs):
    if params.get("device") == "cuda:3" and torch.cuda.device_count() > 3:
        pytest.skip("this machine has a fourth GPU")
    model = GANSampler(**{**FAST, **params})
    with pytest.raises(ValueError, match=message):
        model.fit(blobs)
    _assert_not_fitted(model)


def _fail_at(model, epoch_to_fail, exception_factory, n_steps_per_epoch):
    """Make the model's step misbehave once training reaches ``epoch_to_fail``."""
    original_step = model._train_step
    calls = {"n": 0}

    def step(batch):
        calls["n"] += 1
        if calls["n"] > (epoch_to_fail - 1) * n_steps_per_epoch:
            result = exception_factory(original_step, batch)
            if result is not None:
                return result
        return original_step(batch)

    model._train_step = step


def _nan_losses(original_step, batch):
    losses = original_step(batch)
    return {name: value * float("nan") for name, value in losses.items()}


def _interrupt(original_step, batch):
    raise KeyboardInterrupt


def _assert_like_fresh_fit(model, estimator_class, n_epochs, X):
    """The model's networks equal those of a fresh fit of ``n_epochs`` epochs."""
    twin = estimator_class(random_state=0, **{**FAST, "epochs": n_epochs}).fit(X)
    assert _same_weights(model, twin)


def _same_weights(first, second):
    return all(
        torch.equal(a, b)
        for name in ("generator_", "discriminator_")
        for a, b in zip(getattr(first, name).state_dict().values(),
                        getattr(second, name).state_dict().values())
    )


@pytest.mark.parametrize("estimator_class", CLASSES)
def test_diverging_run_keeps_last_good_epoch(estimator_class, blobs):
    model = estimator_class(random_state=0, **{**FAST, "epochs": 5})
    # blobs has 240 rows: 7 steps of 32 per epoch; losses turn NaN in epoch 3.
    _fail_at(model, 3, _nan_losses, n_steps_per_epoch=7)
    with pytest.warns(TrainingDivergedWarning, match="epoch 2"):
        model.fit(blobs)
    assert model.history_["epoch"] == [1, 2]
    _assert_like_fresh_fit(model, estimator_class, 2, blobs)
    assert np.isfinite(model.sample(20)).all()


def test_non_finite_weights_are_never_kept(blobs):
    model = GANSampler(random_state=0, **{**FAST, "epochs": 4})
    calls = {"n": 0}

    def poison_generator(original_step, batch):
        losses = original_step(batch)
        calls["n"] += 1
        if calls["n"] == 7:  # the last step of epoch 3: its losses are still finite
            with torch.no_grad():
                model.generator_.body[0].weight.fill_(float("inf"))
        return losses

    _fail_at(model, 3, poison_generator, n_steps_per_epoch=7)
    with pytest.warns(TrainingDivergedWarning, match="network weights"):
        model.fit(blobs)
    _assert_like_fresh_fit(model, GANSampler, 2, blobs)
    assert np.isfinite(model.sample(20)).all()


def test_divergence_in_first_epoch_raises_and_leaves_unfitted(blobs):
    model = GANSampler(random_state=0, **FAST)
    _fail_at(model, 1, _nan_losses, n_steps_per_epoch=7)
    with pytest.raises(FloatingPointError, match="No epoch completed"):
        model.fit(blobs)
    del model._train_step
    _assert_not_fitted(model)


def test_real_divergence_from_huge_learning_rate_is_caught(blobs):
    model = GANSampler(random_state=0, generator_lr=1e12, discriminator_lr=1e12,
                       loss="lsgan", **{**FAST, "epochs": 30})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingDivergedWarning)
        try:
            model.fit(blobs)
        except FloatingPointError:
            _assert_not_fitted(model)
            return
    assert all(np.isfinite(v).all() for k, v in model.history_.items())
    assert np.isfinite(model.sample(10)).all()


@pytest.mark.parametrize("estimator_class", CLASSES)
def test_ctrl_c_keeps_last_completed_epoch(estimator_class, blobs):
    model = estimator_class(random_state=0, **{**FAST, "epochs": 10})
    _fail_at(model, 4, _interrupt, n_steps_per_epoch=7)
    with pytest.warns(TrainingInterruptedWarning, match="epoch 3"):
        model.fit(blobs)
    assert model.history_["epoch"] == [1, 2, 3]
    _assert_like_fresh_fit(model, estimator_class, 3, blobs)
    assert model.sample(4).shape == (4, 3)


def test_ctrl_c_before_first_epoch_propagates(blobs):
    model = GANSampler(random_state=0, **FAST)
    _fail_at(model, 1, _interrupt, n_steps_per_epoch=7)
    with pytest.raises(KeyboardInterrupt):
        model.fit(blobs)
    del model._train_step
    _assert_not_fitted(model)


def test_too_few_rows_for_packing(blobs):
    with pytest.raises(ValueError, match="pac=4"):
        GANSampler(pac=4, **FAST).fit(blobs[:3])


def _raise_memory_error(original_step, batch):
    raise RuntimeError("CUDA out of memory")


@pytest.mark.parametrize("estimator_class", CLASSES)
def test_failure_while_continuing_restores_previous_model(estimator_class, blobs):
    model = estimator_class(random_state=0, warm_start=True, **FAST).fit(blobs)
    twin = estimator_class(random_state=0, **FAST).fit(blobs)
    _fail_at(model, 2, _raise_memory_error, n_steps_per_epoch=7)
    with pytest.raises(RuntimeError, match="out of memory"):
        model.fit(blobs)
    del model._train_step
    assert model.history_["epoch"] == [1, 2, 3]
    assert _same_weights(model, twin)
    np.testing.assert_array_equal(model.sample(5), twin.sample(5))


@pytest.mark.parametrize("param, value", [("latent_dim", 9), ("generator_dims", (8,)),
                                          ("pac", 2)])
def test_continuing_with_other_network_shapes_is_refused(param, value, blobs):
    model = WGANSampler(random_state=0, warm_start=True, n_critic=2, **FAST).fit(blobs)
    model.set_params(**{param: value})
    with pytest.raises(ValueError, match=f"Cannot continue training after changing {param}"):
        model.fit(blobs)
    with pytest.raises(ValueError, match=param):
        model.partial_fit(blobs)
    assert model.sample(3).shape == (3, 3)  # sampling uses the fitted networks


def test_continuing_applies_new_learning_rates(blobs):
    model = GANSampler(random_state=0, warm_start=True, **FAST).fit(blobs)
    model.set_params(generator_lr=1e-5, betas=(0.1, 0.9))
    model.fit(blobs)
    group = model.optimizers_["generator"].param_groups[0]
    assert group["lr"] == 1e-5 and group["betas"] == (0.1, 0.9)


def test_generator_never_updated_is_reported(blobs):
    with pytest.warns(UserWarning, match="never updated its generator"):
        WGANSampler(n_critic=5, **{**FAST, "epochs": 2, "batch_size": 240}).fit(blobs)


def test_failed_continuation_changes_no_setting(blobs):
    model = GANSampler(random_state=0, **FAST).fit(blobs)
    model.set_params(generator_lr=0.5)
    with pytest.raises(ValueError, match="missing values, but had none in training"):
        model.partial_fit(np.full((10, 3), np.nan))
    assert model.optimizers_["generator"].param_groups[0]["lr"] == FAST.get(
        "generator_lr", GANSampler().generator_lr)
