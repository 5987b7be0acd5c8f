import pytest
import torch

from skgan.training import batch_indices, restore_snapshot, run_epochs, take_snapshot


def _linear_problem():
    generator = torch.Generator().manual_seed(0)
    module = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    X = torch.randn(40, 2, generator=generator)
    y = X @ torch.tensor([[2.0], [-1.0]])
    return module, optimizer, (X, y), generator


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
    outcome = run_epochs(step, tensors, n_epochs=30, batch_size=8, generator=generator,
                         modules={"m": module}, optimizers={"o": optimizer}, history=history)
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
    run_epochs(step, tensors, n_epochs=1, batch_size=10, generator=generator,
               modules={"m": module}, optimizers={"o": optimizer}, history=history)
    assert history["every"] == [1.0] and history["second"] == [4.0]


def test_snapshot_restores_weights_and_optimizer_state():
    module, optimizer, _, _ = _linear_problem()
    snapshot = take_snapshot({"m": module}, {"o": optimizer})
    before = module.weight.detach().clone()
    with torch.no_grad():
        module.weight.add_(1.0)
    restore_snapshot(snapshot, {"m": module}, {"o": optimizer})
    assert torch.equal(module.weight, before)


def test_divergence_restores_previous_epoch():
    module, optimizer, tensors, generator = _linear_problem()
    calls = {"n": 0}

    def step(batch):
        calls["n"] += 1
        with torch.no_grad():
            module.weight.add_(1.0)
        return {"loss": torch.tensor(float("nan") if calls["n"] > 5 else 1.0)}

    history = {}
    outcome = run_epochs(step, tensors, n_epochs=4, batch_size=10, generator=generator,
                         modules={"m": module}, optimizers={"o": optimizer}, history=history)
    assert outcome.stop_reason == "diverged" and outcome.bad_losses == ("loss",)
    assert outcome.completed_epochs == 1
    assert history["epoch"] == [1]
    weight_after_epoch_one = module.weight.detach().clone()
    assert torch.isfinite(weight_after_epoch_one).all()


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
    outcome = run_epochs(step, tensors, n_epochs=4, batch_size=10, generator=generator,
                         modules={"m": module}, optimizers={"o": optimizer}, history={})
    assert outcome.stop_reason == "interrupted"
    expected = weights_at_epoch_end[-1] if weights_at_epoch_end else start
    assert torch.equal(module.weight, expected)
