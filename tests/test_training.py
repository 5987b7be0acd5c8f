import pytest
import torch

from skgan._engine.loop import batch_indices, restore_snapshot, run_epochs, take_snapshot


def _linear_problem():
    generator = torch.Generator().manual_seed(0)
    module = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    X = torch.randn(40, 2, generator=generator)
    y = X @ torch.tensor([[2.0], [-1.0]])
    return module, optimizer, (X, y), generator


def _run(step, module, optimizer, tensors, generator, *, n_epochs, batch_size, history=None):
    """run_epochs on the linear problem's module and optimiser."""
    return run_epochs(step, tensors, n_epochs=n_epochs, batch_size=batch_size,
                      generator=generator, modules={"m": module}, optimizers={"o": optimizer},
                      history={} if history is None else history)


def test_batches_cover_each_row_once_per_epoch():
    rows = batch_indices(10, 3, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert rows.shape == (3, 3)
    assert len(set(rows.flatten().tolist())) == 9


def test_run_epochs_trains_and_records_history():
    module, optimizer, tensors, generator = _linear_problem()

    def step(batch):
        X, y = batch
        loss = ((module(X) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {"loss": loss}

    history = {}
    outcome = _run(step, module, optimizer, tensors, generator, n_epochs=30,
           batch_size=8, history=history)
    assert outcome.completed_epochs == 30 and outcome.stop_reason is None
    assert history["epoch"] == list(range(1, 31))
    assert history["loss"][-1] < 0.01 * history["loss"][0]
    assert not module.training  # left in eval mode


def test_losses_reported_by_some_steps_are_averaged_over_those():
    module, optimizer, tensors, generator = _linear_problem()
    count = {"n": 0}

    def step(batch):
        count["n"] += 1
        losses = {"every": torch.tensor(1.0)}
        if count["n"] % 2 == 0:
            losses["second"] = torch.tensor(4.0)
        return losses

    history = {}
    _run(step, module, optimizer, tensors, generator, n_epochs=1,
           batch_size=10, history=history)
    assert history["every"] == [1.0] and history["second"] == [4.0]


def test_snapshot_restores_weights_and_optimizer_state():
    module = torch.nn.Linear(2, 1)
    optimizer = torch.optim.Adam(module.parameters(), lr=0.1)
    module(torch.ones(3, 2)).sum().backward()
    optimizer.step()
    snapshot = take_snapshot({"m": module}, {"o": optimizer})
    weight = module.weight.detach().clone()
    moments = optimizer.state_dict()["state"][0]["exp_avg"].clone()
    for _ in range(3):
        module(torch.ones(3, 2)).sum().backward()
        optimizer.step()
    restore_snapshot(snapshot, {"m": module}, {"o": optimizer})
    assert torch.equal(module.weight, weight)
    assert torch.equal(optimizer.state_dict()["state"][0]["exp_avg"], moments)


def _counting_step(module, fail_from_call, failure):
    """A step adding 1 to the weights; from call ``fail_from_call`` it misbehaves."""
    calls = {"n": 0}

    def step(batch):
        calls["n"] += 1
        with torch.no_grad():
            module.weight.add_(1.0)
            if calls["n"] >= fail_from_call:
                failure(module)
        return {"loss": torch.tensor(1.0)}

    return step


def test_non_finite_weights_restore_previous_epoch():
    module, optimizer, tensors, generator = _linear_problem()
    start = module.weight.detach().clone()

    def poison(layer):
        layer.weight.fill_(float("inf"))

    step = _counting_step(module, fail_from_call=8, failure=poison)  # 4 steps an epoch
    history = {}
    outcome = _run(step, module, optimizer, tensors, generator, n_epochs=4,
           batch_size=10, history=history)
    assert outcome.stop_reason == "diverged" and outcome.bad_losses == ("network weights",)
    assert history["epoch"] == [1]
    assert torch.allclose(module.weight, start + 4.0)  # as at the end of epoch 1


def test_nan_loss_restores_previous_epoch():
    module, optimizer, tensors, generator = _linear_problem()
    start = module.weight.detach().clone()
    calls = {"n": 0}

    def step(batch):
        calls["n"] += 1
        with torch.no_grad():
            module.weight.add_(1.0)
        return {"loss": torch.tensor(float("nan") if calls["n"] > 9 else 1.0)}

    history = {}
    outcome = _run(step, module, optimizer, tensors, generator, n_epochs=4,
           batch_size=10, history=history)
    assert outcome.stop_reason == "diverged" and outcome.bad_losses == ("loss",)
    assert history["epoch"] == [1, 2]
    assert torch.allclose(module.weight, start + 8.0)


def test_other_exception_restores_state_before_the_call():
    module, optimizer, tensors, generator = _linear_problem()
    history = {"epoch": [1], "epoch_time": [0.1], "loss": [1.0]}
    start = module.weight.detach().clone()
    generator_state = generator.get_state()

    def explode(layer):
        raise RuntimeError("CUDA out of memory")

    step = _counting_step(module, fail_from_call=10, failure=explode)
    with pytest.raises(RuntimeError, match="out of memory"):
        _run(step, module, optimizer, tensors, generator, n_epochs=4,
           batch_size=10, history=history)
    assert torch.equal(module.weight, start)
    assert history == {"epoch": [1], "epoch_time": [0.1], "loss": [1.0]}
    assert torch.equal(generator.get_state(), generator_state)


def test_history_stays_aligned_when_a_loss_skips_epochs():
    module, optimizer, tensors, generator = _linear_problem()
    calls = {"n": 0}

    def step(batch):
        calls["n"] += 1
        losses = {"critic": torch.tensor(1.0)}
        if calls["n"] % 3 == 0:
            losses["generator"] = torch.tensor(2.0)
        return losses

    history = {}
    _run(step, module, optimizer, tensors, generator, n_epochs=4,
           batch_size=40, history=history)
    assert all(len(values) == 4 for values in history.values())
    assert history["generator"][2] == 2.0
    assert all(value != value for value in history["generator"][:2] + history["generator"][3:])


@pytest.mark.parametrize("fail_at_call", [1, 6])
def test_interrupt_restores_last_completed_epoch(fail_at_call):
    module, optimizer, tensors, generator = _linear_problem()
    calls = {"n": 0}
    weights_at_epoch_end = []

    def step(batch):
        calls["n"] += 1
        if calls["n"] == fail_at_call:
            raise KeyboardInterrupt
        with torch.no_grad():
            module.weight.add_(1.0)
        if calls["n"] % 4 == 0:
            weights_at_epoch_end.append(module.weight.detach().clone())
        return {"loss": torch.tensor(1.0)}

    start = module.weight.detach().clone()
    outcome = _run(step, module, optimizer, tensors, generator, n_epochs=4,
           batch_size=10)
    assert outcome.stop_reason == "interrupted"
    expected = weights_at_epoch_end[-1] if weights_at_epoch_end else start
    assert torch.equal(module.weight, expected)


def test_epoch_snapshot_drops_optimizer_state_created_after_it():
    from skgan._engine.loop import EpochSnapshot

    first, second = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    optimizer = torch.optim.Adam([*first.parameters(), *second.parameters()])
    first(torch.ones(1, 2)).sum().backward()  # only the first layer gets a state
    optimizer.step()
    snapshot = EpochSnapshot({"a": first, "b": second}, {"o": optimizer}, initial=None)
    snapshot.update()
    weights = first.weight.detach().clone()
    optimizer.zero_grad()
    (first(torch.ones(1, 2)) + second(torch.ones(1, 2))).sum().backward()
    optimizer.step()
    assert len(optimizer.state) == 4
    snapshot.restore()
    assert torch.equal(first.weight, weights) and len(optimizer.state) == 2


def test_weight_check_tells_overflowing_sums_from_non_finite_weights():
    from skgan._engine.loop import _all_finite

    module = torch.nn.Linear(4, 4)
    with torch.no_grad():
        module.weight.fill_(3e38)  # finite, but the sum overflows float32
    assert _all_finite({"m": module})
    with torch.no_grad():
        module.weight[1, 2] = float("nan")
    assert not _all_finite({"m": module})
    with torch.no_grad():
        module.weight.fill_(0.0)
        module.bias[0] = -float("inf")
    assert not _all_finite({"m": module})


def test_ctrl_c_in_the_first_epoch_of_a_warm_start_is_passed_on_and_keeps_the_model():
    import numpy as np

    from skgan import GANSampler

    X = np.random.RandomState(0).normal(size=(200, 2))
    model = GANSampler(epochs=2, warm_start=True, random_state=0, generator_dims=(16,),
                       discriminator_dims=(16,)).fit(X)
    before = model.sample(5, random_state=0)
    epochs = list(model.history_["epoch"])

    def interrupted_step(batch):
        raise KeyboardInterrupt

    model._train_step = interrupted_step
    try:
        model.fit(X)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("KeyboardInterrupt was swallowed")
    del model._train_step
    np.testing.assert_array_equal(model.sample(5, random_state=0), before)
    assert model.history_["epoch"] == epochs


@pytest.mark.parametrize("call", ["warm start", "partial_fit"])
@pytest.mark.parametrize("failure", ["Ctrl-C in the first epoch", "error after the epochs"])
def test_a_failed_continued_fit_leaves_the_estimator_as_it_was(call, failure):
    import copy

    import numpy as np

    from skgan import GANSampler

    X = np.random.RandomState(0).normal(size=(200, 2))
    model = GANSampler(epochs=2, warm_start=True, random_state=0, generator_dims=(16,),
                       discriminator_dims=(16,)).fit(X)
    untouched = copy.deepcopy(model)

    def fail(*args):
        raise KeyboardInterrupt if failure.startswith("Ctrl-C") else RuntimeError("boom")

    # continued training changes networks, optimisers, history and generators in place
    setattr(model, "_train_step" if failure.startswith("Ctrl-C") else "_finish_training",
            fail)
    with pytest.raises((KeyboardInterrupt, RuntimeError)):
        model.fit(X) if call == "warm start" else model.partial_fit(X)
    model.__dict__.pop("_train_step", None)
    model.__dict__.pop("_finish_training", None)
    assert model.history_ == untouched.history_ and model.n_iter_ == untouched.n_iter_
    for name, network in model._networks().items():
        for mine, theirs in zip(network.state_dict().values(),
                                untouched._networks()[name].state_dict().values()):
            assert torch.equal(mine, theirs), name
    for name, optimizer in model.optimizers_.items():
        assert str(optimizer.state_dict()) == str(untouched.optimizers_[name].state_dict())
    # the random stream too: the next unseeded sample and fit are the untouched copy's
    np.testing.assert_array_equal(model.sample(20), untouched.sample(20))
    np.testing.assert_array_equal(model.fit(X).sample(20), untouched.fit(X).sample(20))


def test_a_failed_continued_fit_keeps_the_pair_tables_its_calibration_changed():
    import copy

    import numpy as np
    import pandas as pd

    from skgan import GANSampler

    rng = np.random.RandomState(0)
    n_rows = 1200  # enough rows for pair calibration to check its oversampling
    first = rng.choice(list("abc"), n_rows)
    table = pd.DataFrame({
        "x": rng.normal(size=n_rows), "a": first,
        "b": np.where(rng.rand(n_rows) < 0.8, first, rng.choice(list("abc"), n_rows))})
    model = GANSampler(epochs=1, random_state=0, generator_dims=(8,),
                       discriminator_dims=(8,)).fit(table)
    before = copy.deepcopy(model.adapter_.pair_tables_.__dict__)

    def fail(*args):
        raise RuntimeError("boom")

    model._fit_to_trained_networks = fail  # after the calibration chose again
    with pytest.raises(RuntimeError):
        model.partial_fit(table)
    after = model.adapter_.pair_tables_.__dict__
    assert sorted(after) == sorted(before)
    assert all(str(after[name]) == str(before[name]) for name in before)
    # the raking factors the first fit's check found, to the last bit
    assert before["start_factors"] is not None
    for kept, now in zip(before["start_factors"], after["start_factors"], strict=True):
        np.testing.assert_array_equal(now, kept)
