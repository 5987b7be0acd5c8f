"""The training loop every skgan estimator runs: batching, history, snapshots, faults.

The loop knows nothing about adversarial objectives. It shuffles the training tensors
with the estimator's generator, hands each mini-batch to the estimator's step function,
averages the losses the step reports into ``history``, and after every epoch checks that
they and the weights are finite. The weights and optimiser states are snapshotted at the
end of each good epoch, so a diverging run or a Ctrl-C falls back to the last completed
epoch; any other exception restores the state from before the call and propagates.
"""

import copy
import math
import time
from contextlib import ExitStack
from dataclasses import dataclass

import torch

from .threads import recheck_threads


@dataclass
class TrainingOutcome:
    """What a call to :func:`run_epochs` achieved."""

    completed_epochs: int
    stop_reason: str | None = None  # None, "diverged", "interrupted" or "stopped"
    bad_losses: tuple = ()
    message: str | None = None  # why training stopped, for "stopped"


def take_snapshot(modules, optimizers):
    """Copies of the state of every module and optimiser, on their own devices."""
    return {
        "modules": {name: copy.deepcopy(module.state_dict()) for name, module in modules.items()},
        "optimizers": {
            name: copy.deepcopy(optimizer.state_dict()) for name, optimizer in optimizers.items()
        },
    }


def restore_snapshot(snapshot, modules, optimizers):
    """Load a snapshot taken by :func:`take_snapshot` back in place."""
    for name, module in modules.items():
        module.load_state_dict(snapshot["modules"][name])
    for name, optimizer in optimizers.items():
        optimizer.load_state_dict(snapshot["optimizers"][name])


class EpochSnapshot:
    """The last good epoch's weights and optimiser states, kept by copying in place.

    Copying into tensors allocated once costs a fraction of a ``deepcopy`` of the state
    dicts, which matters on small tables (thousands of short epochs). Until the first
    :meth:`update` (optimiser states do not exist before the first step), restoring
    falls back to ``initial``, a :func:`take_snapshot`.
    """

    def __init__(self, modules, optimizers, initial):
        self.modules, self.optimizers, self.initial = modules, optimizers, initial
        self.copies = None

    def _live_tensors(self):
        tensors = [
            tensor
            for module in self.modules.values()
            for tensor in (*module.parameters(), *module.buffers())
        ]
        for optimizer in self.optimizers.values():
            for state in optimizer.state.values():
                tensors += [value for value in state.values() if torch.is_tensor(value)]
        return tensors

    def _state_owners(self):
        """Per optimiser, the parameters that have an optimiser state now."""
        return [set(map(id, optimizer.state)) for optimizer in self.optimizers.values()]

    @torch.no_grad()
    def update(self):
        """Remember the current state."""
        live = self._live_tensors()
        owners = self._state_owners()
        if self.copies is None or owners != self.owners or len(live) != len(self.copies):
            self.tensors, self.owners = live, owners
            self.copies = [tensor.detach().clone() for tensor in live]
        else:
            for copy_, tensor in zip(self.copies, live):
                copy_.copy_(tensor)

    @torch.no_grad()
    def restore(self):
        """Put the remembered state back in place.

        Optimiser states created after the last update (a generator whose first step
        came later) are dropped, as they were absent then.
        """
        if self.copies is None:
            restore_snapshot(self.initial, self.modules, self.optimizers)
            return
        for optimizer, owners in zip(self.optimizers.values(), self.owners):
            for parameter in [p for p in optimizer.state if id(p) not in owners]:
                del optimizer.state[parameter]
        for copy_, tensor in zip(self.copies, self.tensors):
            tensor.copy_(copy_)


def batch_indices(n_rows, batch_size, generator, device):
    """Shuffled row indices of each full mini-batch of one epoch.

    The remainder that does not fill a batch is dropped; the shuffle changes every
    epoch, so every row is seen.
    """
    order = torch.randperm(n_rows, generator=generator, device=generator.device).to(device)
    n_batches = n_rows // batch_size
    return order[: n_batches * batch_size].reshape(n_batches, batch_size)


def run_epochs(step, tensors, *, n_epochs, batch_size, generator, modules, optimizers,
               history, progress=None, sampler=None, after_epoch=None,
               parallel=None, steps_per_epoch=None):
    """Train for ``n_epochs`` passes over ``tensors``.

    Parameters
    ----------
    step : callable
        ``step(batch) -> dict[str, torch.Tensor]``: one optimisation step on a tuple of
        batch tensors, returning the scalar losses it computed (a loss missing from some
        steps, such as a generator loss every n-th step, is averaged over the steps that
        report it). A step with an ``epoch_summary()`` method
        (:class:`~skgan._engine.step_graphs.StepGraphs`) gives more values to record in
        ``history`` after each epoch.
    tensors : tuple of torch.Tensor
        Training data already on the device, sharing their first dimension.
    n_epochs, batch_size : int
        Number of passes and rows per step (``batch_size`` <= number of rows).
    generator : torch.Generator
        Shuffles the rows.
    modules, optimizers : dict
        Everything whose state makes up the model; snapshotted every epoch.
    history : dict of lists
        Appended to in place: ``epoch``, ``epoch_time`` and one list per logged loss
        (NaN for an epoch in which no step reported that loss).
    progress : FitProgress or None
        The fit's progress bar (:mod:`skgan._engine.progress`): moved every step, shown
        the latest losses every epoch. None shows nothing.
    sampler : callable or None
        ``sampler(generator)`` returns the mini-batches (tuples of tensors) of one
        epoch, for estimators that draw rows otherwise than by shuffling (training by
        sampling); None shuffles ``tensors`` into full batches of ``batch_size``.
    after_epoch : callable or None
        ``after_epoch(epochs_run) -> dict`` after every good epoch (a
        :class:`skgan._engine.early_stopping.StoppingMonitor`): more values to record in
        ``history`` for the epoch; training stops when its ``reason`` attribute is set.
    parallel : DataParallel or None
        In a distributed fit (:mod:`skgan._engine.distributed`): this rank's share of
        the batches, losses averaged over ranks, Ctrl-C agreed by all ranks, and a
        failure here makes the rank leave the process group so the others stop too.
    steps_per_epoch : int or None
        Steps of one epoch on every rank of a distributed fit whose ranks hold their own
        rows (shards); unused otherwise.

    Returns
    -------
    TrainingOutcome
    """
    device = tensors[0].device
    n_rows = tensors[0].shape[0]
    start_snapshot = take_snapshot(modules, optimizers)
    snapshot = EpochSnapshot(modules, optimizers, start_snapshot)
    start_generator_state = generator.get_state()
    start_epochs = len(history.get("epoch", []))
    start_keys = set(history)
    outcome = TrainingOutcome(completed_epochs=0)
    interrupts = ExitStack()
    if parallel is not None:
        interrupts.enter_context(parallel.interrupt_flag())
    for module in modules.values():
        module.train()

    def epoch_batches():
        if sampler is not None:
            return sampler(generator)
        return (tuple(tensor[rows] for tensor in tensors)
                for rows in batch_indices(n_rows, batch_size, generator, device))

    try:
        for _ in range(n_epochs):
            started = time.perf_counter()
            totals, counts = {}, {}
            batches = epoch_batches() if parallel is None else parallel.epoch_batches(
                epoch_batches, steps_per_epoch)
            for batch in batches:
                losses = step(batch)
                recheck_threads()  # fewer threads if another process took a core
                if progress is not None:
                    progress.step()
                for name, value in losses.items():
                    value = value.detach()
                    totals[name] = totals[name] + value if name in totals else value
                    counts[name] = counts.get(name, 0) + 1
            means = {name: float(total) / counts[name] for name, total in totals.items()}
            if parallel is not None:
                means = parallel.average_scalars(means)
            bad = tuple(name for name, value in means.items() if not math.isfinite(value))
            if not bad and not _all_finite(modules):
                bad = ("network weights",)
            if bad:
                snapshot.restore()
                outcome.stop_reason, outcome.bad_losses = "diverged", bad
                break
            seconds = time.perf_counter() - started
            # A step that replays CUDA graphs says how many of the epoch's steps did.
            summary = getattr(step, "epoch_summary", None)
            extras = summary() if summary is not None else {}
            if after_epoch is not None:
                extras = {**extras, **after_epoch(outcome.completed_epochs + 1)}
                for module in modules.values():  # scoring samples in eval mode
                    module.train()
            _record(history, {**means, **extras}, seconds)
            snapshot.update()
            outcome.completed_epochs += 1
            shown = {**means, **_last_scores(history, extras)}
            if progress is not None:
                progress.show(shown)
            if getattr(after_epoch, "reason", None):
                outcome.stop_reason, outcome.message = "stopped", after_epoch.reason
                break
    except KeyboardInterrupt:
        snapshot.restore()
        outcome.stop_reason = "interrupted"
    except BaseException:
        if parallel is not None:
            parallel.leave()
        # Any other failure leaves everything as it was before this call.
        restore_snapshot(start_snapshot, modules, optimizers)
        generator.set_state(start_generator_state)
        for name in set(history) - start_keys:
            del history[name]
        for values in history.values():
            del values[start_epochs:]
        raise
    finally:
        interrupts.close()
        for module in modules.values():
            module.eval()
    return outcome


def _all_finite(modules):
    """Whether every floating-point parameter and buffer is finite (one device sync if so).

    A sum holds NaN or infinity whenever one of its terms does, so finite sums clear
    every tensor at a tenth of the cost of :func:`torch.isfinite` on each element (this
    runs after every epoch, and on small tables an epoch is a single step). A sum that
    overflows although all its terms are finite sends the check to the exact test.
    """
    tensors = [
        tensor
        for module in modules.values()
        for tensor in (*module.parameters(), *module.buffers())
        if tensor.is_floating_point()
    ]
    if not tensors:
        return True
    sums = torch.stack([tensor.detach().sum(dtype=torch.float32) for tensor in tensors])
    if bool(sums.isfinite().all()):
        return True
    return bool(torch.stack([torch.isfinite(tensor).all() for tensor in tensors]).all())


def _last_scores(history, extras):
    """The latest validation score recorded (checks happen every few epochs)."""
    if "validation_score" not in extras:
        return {}
    # from the end: the latest check is a few epochs back (the whole list grows with
    # every epoch, and a fit of a small table runs thousands)
    for value in reversed(history["validation_score"]):
        if not math.isnan(value):
            return {"validation_score": value}
    return {}


def _record(history, means, seconds):
    """Append one epoch; a loss not reported this epoch is recorded as NaN.

    Every list in ``history`` keeps one entry per epoch, also for losses that only some
    steps report (a generator updated every n-th step may skip a short epoch).
    """
    n_before = len(history.get("epoch", []))
    for name in means:
        history.setdefault(name, [math.nan] * n_before)
    history.setdefault("epoch", []).append(n_before + 1)
    history.setdefault("epoch_time", []).append(seconds)
    for name, values in history.items():
        if name not in ("epoch", "epoch_time"):
            values.append(means.get(name, math.nan))
