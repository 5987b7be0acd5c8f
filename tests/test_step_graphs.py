"""Training steps replayed from CUDA graphs: everything around the graph, on the CPU.

A CUDA graph needs a GPU (tests/test_cuda.py captures real ones). Here the graph is
replaced by :class:`EagerReplay`, which does what a graph does to the estimator: the
capture records the step without leaving its effects on the weights, optimiser states or
random streams (the Python side effects stay, as in a real capture), and a replay runs
the recorded step again with the Python state the capture saw, leaving no Python side
effects. A fit through :class:`StepGraphs` must then give the eager fit's samples bit
for bit: the warm-up steps, the variants (the generator step every ``n_critic`` of
WGANSampler and ConditionalGAN), the counters a replay advances and the moving average's
weight read from a tensor are all checked.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from skgan import ConditionalGAN, CycleGANTransformer, GANSampler, WGANSampler
from skgan.adapters import SignalAdapter
from skgan._engine import core, step_graphs
from skgan._engine.loop import EpochSnapshot
from skgan._engine.step_graphs import WARMUP_STEPS, CapturedStep, StepGraphs


def _live_tensors(estimator):
    """Weights, buffers and optimiser states, as the loop's epoch snapshot lists them."""
    return EpochSnapshot(estimator._networks(), estimator.optimizers_, None)._live_tensors()


class EagerReplay(CapturedStep):
    """A stand-in for a CUDA graph on the CPU (see the module's docstring).

    A replay runs the step with the Python state the capture saw, as a graph replays
    the capture's kernels whatever the counters say now (the same branch of every
    Python ``if``), then puts the current Python state back.
    """

    def _record(self, step, generators):
        self.step, self.generators = step, generators
        self.captured_state = dict(self.estimator.__dict__)
        live = _live_tensors(self.estimator)
        saved = [tensor.detach().clone() for tensor in live]
        states = [generator.get_state() for generator in generators]
        outputs = step(self.inputs)
        with torch.no_grad():
            for tensor, copy in zip(live, saved):
                tensor.copy_(copy)
        for generator, state in zip(generators, states):
            generator.set_state(state)
        return {name: torch.zeros_like(value.detach()) for name, value in outputs.items()}

    def _replay(self):
        python_state = dict(self.estimator.__dict__)
        self.estimator.__dict__.clear()
        self.estimator.__dict__.update(self.captured_state)
        with self.capturing():
            outputs = self.step(self.inputs)
        self.estimator.__dict__.clear()
        self.estimator.__dict__.update(python_state)
        for name, value in outputs.items():
            self.outputs[name].copy_(value.detach())


class FailingCapture(EagerReplay):
    """A capture that fails inside the step, after its first Python side effects."""

    message = "operation not permitted when stream is capturing"

    def _record(self, step, generators):
        estimator, message = self.estimator, self.message

        def failing_step(batch):
            estimator._n_steps += 1  # a counter moved before the failure
            raise RuntimeError(message)

        return super()._record(failing_step, generators)


@pytest.fixture
def replayed(monkeypatch):
    """Fits in this test train through StepGraphs with ``graph_type`` on the CPU."""
    runners = []

    def use(graph_type=EagerReplay):
        def runner(estimator, step, planned_steps=None):
            runners.append(StepGraphs(estimator, step, graph_type=graph_type))
            return runners[-1]
        monkeypatch.setattr(core, "step_runner", runner)
        return runners
    return use


def _table(n_rows=240, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({
        "amount": np.where(rng.rand(n_rows) < 0.1, np.nan, rng.lognormal(3, 0.5, n_rows)),
        "city": rng.choice(["Oslo", "Lima", "Pune"], n_rows),
        "member": rng.rand(n_rows) < 0.3,
    })


SMALL = dict(epochs=4, batch_size=40, generator_dims=(16,), discriminator_dims=(16,),
             random_state=0, device="cpu")


def _same_weights(eager, replayed_model):
    for name, module in eager._networks().items():
        for left, right in zip(module.state_dict().values(),
                               replayed_model._networks()[name].state_dict().values()):
            assert torch.equal(left, right), name


def _same_fit(eager, replayed_model, n=300):
    _same_weights(eager, replayed_model)
    pd.testing.assert_frame_equal(eager.sample(n, random_state=3),
                                  replayed_model.sample(n, random_state=3))


def test_replayed_steps_train_a_table_sampler_exactly_as_eager_steps(replayed):
    table = _table()
    eager = GANSampler(**SMALL).fit(table)  # training by sampling, moving average on
    assert "graph_steps" not in eager.history_
    runners = replayed()
    model = GANSampler(**SMALL).fit(table)
    steps_per_epoch = len(table) // SMALL["batch_size"]
    assert model.history_["graph_steps"] == [
        steps_per_epoch - WARMUP_STEPS] + [float(steps_per_epoch)] * 3
    assert runners[0].reason is None and len(runners[0].captured) == 1
    assert model._n_averaged == eager._n_averaged == 4 * steps_per_epoch
    _same_fit(eager, model)
    for name in ("generator_loss", "discriminator_loss", "condition_loss"):
        np.testing.assert_array_equal(model.history_[name], eager.history_[name])


def test_each_step_variant_has_its_graph_and_counters_advance_per_replay(replayed):
    rng = np.random.RandomState(0)
    X = rng.randn(400, 3)
    params = dict(SMALL, n_critic=3, batch_size=20, epochs=2)
    eager = WGANSampler(**params).fit(X)
    runners = replayed()
    model = WGANSampler(**params).fit(X)
    assert sorted(key[0] for key in runners[0].captured) == [False, True]
    # The generator's variant warms up over its first WARMUP_STEPS occurrences.
    assert sum(model.history_["graph_steps"]) == 40 - 2 * WARMUP_STEPS
    assert model._n_steps == eager._n_steps == 40
    for left, right in zip(eager.generator_.parameters(), model.generator_.parameters()):
        assert torch.equal(left, right)
    np.testing.assert_array_equal(model.sample(50, random_state=1),
                                  eager.sample(50, random_state=1))
    np.testing.assert_array_equal(model.history_["gradient_penalty"],
                                  eager.history_["gradient_penalty"])


@pytest.mark.parametrize("options", [{}, {"objective": "wgan-gp"}, {"n_critic": 2}])
def test_conditional_steps_replay_exactly(replayed, options):
    # wgan-gp and n_critic=2 update the generator every few steps: two variants.
    rng = np.random.RandomState(0)
    X, y = rng.randn(200, 2), np.repeat([0, 1], 100)
    params = dict(SMALL, batch_size=20, **options)
    eager = ConditionalGAN(**params).fit(X, y)
    runners = replayed()
    model = ConditionalGAN(**params).fit(X, y)
    assert sum(model.history_["graph_steps"]) > 0
    assert len(runners[0].captured) == (1 if not options else 2)
    assert model._n_steps == eager._n_steps and model._n_averaged == eager._n_averaged
    _same_weights(eager, model)
    np.testing.assert_array_equal(model.history_["generator_loss"],
                                  eager.history_["generator_loss"])
    np.testing.assert_array_equal(model.sample(40, y=1, random_state=0)[0],
                                  eager.sample(40, y=1, random_state=0)[0])


def test_a_failed_capture_trains_eagerly_with_a_warning_and_leaves_no_trace(replayed):
    table = _table()
    eager = GANSampler(**SMALL).fit(table)
    runners = replayed(FailingCapture)
    with pytest.warns(UserWarning, match=r"could not capture .* operation not permitted when stream is capturing\)\. "):
        model = GANSampler(**SMALL).fit(table)
    assert runners[0].reason.startswith("capture failed (RuntimeError")
    assert sum(model.history_["graph_steps"]) == 0
    assert model._n_steps == eager._n_steps == 0  # the failed capture's count undone
    _same_fit(eager, model)


def test_a_capture_failing_without_a_message_also_falls_back(replayed, monkeypatch):
    table = _table()
    eager = GANSampler(**SMALL).fit(table)
    monkeypatch.setattr(FailingCapture, "message", "")
    replayed(FailingCapture)
    with pytest.warns(UserWarning, match=r"capture failed \(RuntimeError: \)"):
        model = GANSampler(**SMALL).fit(table)
    _same_fit(eager, model)


def test_ctrl_c_during_a_capture_keeps_the_last_epoch_and_undoes_the_capture(replayed):
    class Interrupted(EagerReplay):
        def _record(self, step, generators):
            self.estimator._n_steps += 1
            raise KeyboardInterrupt

    replayed(Interrupted)
    with pytest.warns(UserWarning, match="interrupted"):
        model = GANSampler(**dict(SMALL, batch_size=80)).fit(_table())
    # Three steps an epoch, all warming up: the capture is the second epoch's first step.
    assert model.history_["epoch"] == [1] and model._n_steps == 0


def test_a_step_that_changes_python_state_is_not_replayed(replayed, monkeypatch):
    runners = replayed()
    original = GANSampler._train_step

    def step_keeping_a_list(self, batch):
        self._seen_batches = [*getattr(self, "_seen_batches", []), len(batch[0])]
        return original(self, batch)

    monkeypatch.setattr(GANSampler, "_train_step", step_keeping_a_list)
    with pytest.warns(UserWarning, match="changes the estimator's _seen_batches"):
        model = GANSampler(**SMALL).fit(_table())
    assert sum(model.history_["graph_steps"]) == 0
    assert len(model._seen_batches) == 4 * (240 // 40)  # every step ran, once
    assert "replay" not in runners[0].reason


def test_cuda_graphs_true_needs_cuda_and_leaves_the_estimator_unfitted():
    model = GANSampler(cuda_graphs=True, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="cuda_graphs=True needs a CUDA device"):
        model.fit(np.zeros((20, 2)))
    assert not hasattr(model, "history_")
    with pytest.raises(InvalidParameterError, match="cuda_graphs"):
        GANSampler(cuda_graphs="yes", epochs=1, device="cpu").fit(np.zeros((20, 2)))


def test_cpu_fits_train_eagerly_whatever_cuda_graphs_says():
    X = np.random.RandomState(0).randn(100, 2)
    fits = [GANSampler(cuda_graphs=option, **dict(SMALL, batch_size=20)).fit(X)
            for option in ("auto", False)]
    assert GANSampler().cuda_graphs == "auto"  # on CUDA only (docs/gpu.md)
    assert "graph_steps" not in fits[0].history_
    np.testing.assert_array_equal(fits[0].sample(20, random_state=0),
                                  fits[1].sample(20, random_state=0))


def test_auto_captures_only_calls_long_enough_to_win_the_capture_back(monkeypatch):
    """A capture costs about a second on a GPU: "auto" leaves a short call (a
    partial_fit of a few batches) eager; True captures whatever the length."""
    built = []
    monkeypatch.setattr(step_graphs, "StepGraphs",
                        lambda estimator, step: built.append(step) or "graphs")
    estimator = GANSampler()
    estimator.device_ = torch.device("cuda")  # a device object; nothing runs on it
    estimator._data_parallel = None

    def step(batch):
        return {}

    short, enough = step_graphs.MIN_AUTO_STEPS - 1, step_graphs.MIN_AUTO_STEPS
    assert step_graphs.step_runner(estimator, step, planned_steps=short) is step
    assert step_graphs.step_runner(estimator, step, planned_steps=enough) == "graphs"
    estimator.cuda_graphs = True
    assert step_graphs.step_runner(estimator, step, planned_steps=1) == "graphs"
    estimator.cuda_graphs = False
    assert step_graphs.step_runner(estimator, step, planned_steps=enough) is step
    assert built == [step, step]


def test_fits_tell_the_runner_how_many_steps_they_plan(monkeypatch):
    planned = []

    def runner(estimator, step, planned_steps=None):
        planned.append(planned_steps)
        return step
    monkeypatch.setattr(core, "step_runner", runner)
    X = np.random.RandomState(0).randn(100, 2)
    model = GANSampler(**dict(SMALL, epochs=7, batch_size=20)).fit(X)
    model.partial_fit(X)
    assert planned == [7 * 5, 5]


def test_steps_that_cannot_be_captured_say_why():
    cycle = CycleGANTransformer()
    cycle._data_parallel = None
    assert "pool" in cycle._step_capture_refusal()
    assert CycleGANTransformer(pool_size=0)._step_capture_refusal() is None
    cycle_of_signals = CycleGANTransformer(pool_size=0)
    cycle_of_signals.adapter_ = SignalAdapter(spectrum_matching=1.0)  # no spectra in its step
    assert cycle_of_signals._step_capture_refusal() is None
    sampler = GANSampler()
    sampler._private = object()
    assert "private" in sampler._step_capture_refusal()
    signals = GANSampler()
    signals.adapter_ = SignalAdapter(spectrum_matching=1.0)
    assert "spectrum matching" in signals._step_capture_refusal()
    assert GANSampler()._step_capture_refusal() is None


def test_a_subclass_with_its_own_step_is_not_captured():
    class Sampler(GANSampler):
        def _train_step(self, batch):  # a branch on a counter the graph would freeze
            return super()._train_step(batch)

    class Scheduled(GANSampler):
        def _generate_for_training(self, n_rows, condition):
            fake, penalty = super()._generate_for_training(n_rows, condition)
            return fake * min(1.0, self._n_averaged / 10), penalty

    assert Sampler()._step_capture_refusal() == "_train_step not skgan's own"
    assert Scheduled()._step_capture_refusal() == "_generate_for_training not skgan's own"


def test_a_refused_capture_is_warned_of_only_when_graphs_were_asked_for(monkeypatch):
    class Model:
        device_ = torch.device("cuda")
        cuda_graphs = True

        def _step_capture_refusal(self):
            return "a reason"

    def step(batch):
        return {}

    with pytest.warns(UserWarning, match="trains eagerly, without CUDA graphs: a reason"):
        assert step_graphs.step_runner(Model(), step) is step
    Model.cuda_graphs = "auto"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert step_graphs.step_runner(Model(), step) is step


def test_a_failed_captures_location_is_skgans_own_file_and_never_the_users(tmp_path):
    from skgan._engine import step_graphs

    def error_from(path, lineno):
        code = compile("\n" * (lineno - 1) + "raise RuntimeError('boom')", str(path), "exec")
        try:
            exec(code, {})
        except RuntimeError as error:
            return error

    inside = Path(step_graphs.__file__).with_name("loop.py")
    assert step_graphs._where(error_from(inside, 7)) == " at skgan/_engine/loop.py:7"
    # a checkout or a project of the user's in a folder named skgan is not skgan's code
    users = tmp_path / "skgan" / "tests" / "test_mine.py"
    assert step_graphs._where(error_from(users, 3)) == ""
