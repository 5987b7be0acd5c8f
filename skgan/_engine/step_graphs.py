"""Training steps replayed from CUDA graphs (``cuda_graphs`` True or "auto", on CUDA).

A training step of the small networks skgan trains is a few hundred short kernels; on a
GPU, launching them from Python takes far longer than running them (an epoch of sixteen
128-row table steps kept an H100 busy 22 ms out of 244). :class:`StepGraphs` runs the first steps eagerly
(they create the optimiser states, cuBLAS handles and autocast's casts), then captures
the whole step once in a :class:`torch.cuda.CUDAGraph` (both networks' forward and
backward passes, a gradient penalty's double backward, the optimiser steps, the moving
average) and replays it for every later batch, whose tensors are copied into the
graph's static inputs. Random draws inside the step come from a generator of the
graph's own (seeded from the estimator's), registered with the graph so that each
replay draws new numbers.

Python code in the step runs at the capture only: a step must do the same GPU work
every time for its variant. On by default on CUDA (``cuda_graphs="auto"``): see
docs/gpu.md.

A step whose shape changes from one step to the next (the generator update every
``n_critic`` steps of WGANSampler and ConditionalGAN) is captured once per variant.
Python counters that the step advances (steps taken, moving-average updates) are
advanced by as much after every replay as the capture advanced them; another attribute
of the estimator that the step rebinds makes capture impossible (changes made inside
objects, such as a dict's items, are not seen: a step must not make them), and so does
an operation that waits for the GPU. Where capture is impossible the step runs eagerly,
and :attr:`StepGraphs.reason` says why.
"""

import gc
import traceback
from contextlib import contextmanager
from pathlib import Path

import torch

from .averaging import ramped_decay
from .caller_warnings import warn_at_caller
from .torch_utils import flag_is, make_generator

#: Eager steps of each variant before it is captured (as PyTorch's examples warm up).
WARMUP_STEPS = 3
#: ``cuda_graphs="auto"`` captures in calls of at least this many steps. On an H200 a
#: call's captures cost 0.1-0.2 s (synchronising, collecting, recording) and a replayed
#: step saves most of a 10 ms eager one on a table: calls of about 40 steps broke even
#: (session 40, benchmarks/cuda/auto_break_even_h200.txt).
MIN_AUTO_STEPS = 50


def check_cuda_graphs(option, device):
    """Refuse ``cuda_graphs=True`` on a device other than CUDA (before anything is done)."""
    if flag_is(option, True) and torch.device(device).type != "cuda":
        raise ValueError(f"cuda_graphs=True needs a CUDA device; this fit trains on "
                         f"{torch.device(device).type}. Use cuda_graphs='auto' (graphs on "
                         "CUDA only) or False.")


def step_runner(estimator, step, planned_steps=None):
    """What the epochs call for each batch: ``step`` itself or a :class:`StepGraphs`.

    Graphs are used on CUDA with ``cuda_graphs`` True or "auto", unless the estimator
    refuses (``_step_capture_refusal()``: a private or distributed fit, spectrum
    matching, CycleGAN's pool); with ``cuda_graphs=True`` a refusal is warned of.
    "auto" also trains eagerly a call of fewer than :data:`MIN_AUTO_STEPS` steps
    (``planned_steps``): captures cost 0.1-0.2 s, which a ``partial_fit`` of a few
    batches would not win back.
    """
    option = getattr(estimator, "cuda_graphs", False)
    if flag_is(option, False) or estimator.device_.type != "cuda":
        return step
    if not flag_is(option, True) and planned_steps is not None and \
            planned_steps < MIN_AUTO_STEPS:
        return step
    refusal = estimator._step_capture_refusal()
    if refusal is not None:
        if flag_is(option, True):
            warn_at_caller(f"{type(estimator).__name__} trains eagerly, without CUDA "
                           f"graphs: {refusal}.")
        return step
    return StepGraphs(estimator, step)


def report_eager_steps(estimator, runner):
    """Warn when a capture was tried and the steps ran eagerly after all."""
    if isinstance(runner, StepGraphs) and runner.reason is not None:
        warn_at_caller(f"{type(estimator).__name__} could not capture its training step in "
                       "a CUDA graph and trained eagerly from then on (slower on a GPU): "
                       f"{runner.reason}. cuda_graphs=False trains eagerly without trying.")


class StepGraphs:
    """Call ``step(batch)`` eagerly for the first steps, then replay it from CUDA graphs.

    Parameters
    ----------
    estimator : AdversarialCore
        The estimator whose step this runs; its ``_step_variant()`` tells steps of
        different structure apart, its ``optimizers_`` are made capturable for the
        capture, and a generator seeded from its ``_rng`` stands in for it in each
        graph.
    step : callable
        ``step(batch) -> dict[str, torch.Tensor]``, as :func:`run_epochs` calls it.
    warmup_steps : int, default=WARMUP_STEPS
        Eager steps of each variant before its capture.

    Attributes
    ----------
    reason : str or None
        Why steps run eagerly (capture failed or was refused); None while capturing.
    """

    def __init__(self, estimator, step, warmup_steps=WARMUP_STEPS, graph_type=None):
        self.estimator, self.step, self.warmup_steps = estimator, step, warmup_steps
        self.graph_type = CapturedStep if graph_type is None else graph_type
        self.device = estimator.device_
        self.graphs = {}
        self.captured = []  # the variants captured (kept after close)
        self.eager_steps = {}
        self.reason = None
        on_cuda = self.device.type == "cuda"
        self.side_stream = torch.cuda.Stream(self.device) if on_cuda else None
        self.replayed_in_epoch = 0
        average = getattr(estimator, "generator_average_", None)
        self.average_weight = None if average is None else torch.zeros(
            (), device=self.device)

    def __call__(self, batch):
        if self.reason is not None:
            return self.step(batch)
        key = (self.estimator._step_variant(),
               tuple((tuple(t.shape), t.dtype) for t in batch))
        graph = self.graphs.get(key)
        if graph is None:
            if self.eager_steps.get(key, 0) < self.warmup_steps:
                self.eager_steps[key] = self.eager_steps.get(key, 0) + 1
                return self._warm_up(batch)
            graph = self._capture(key, batch)
            if graph is None:
                return self.step(batch)
        self.replayed_in_epoch += 1
        return graph.run(batch, self._before_replay)

    def epoch_summary(self):
        """Steps of the epoch just ended replayed from a graph (for ``history_``)."""
        summary = {"graph_steps": float(self.replayed_in_epoch)}
        self.replayed_in_epoch = 0
        return summary

    def close(self):
        """Drop the graphs and their memory pools."""
        self.graphs.clear()

    def _warm_up(self, batch):
        if self.side_stream is None:
            return self.step(batch)
        current = torch.cuda.current_stream(self.device)
        self.side_stream.wait_stream(current)
        with torch.cuda.stream(self.side_stream):
            losses = _detached(self.step(batch))
        current.wait_stream(self.side_stream)
        return losses

    def _before_replay(self):
        """Device-side values the next replay reads: the moving average's weight."""
        if self.average_weight is not None:
            decay = self.estimator._ema_decay()
            self.average_weight.fill_(
                1.0 - ramped_decay(decay, self.estimator._n_averaged + 1))

    def _capture(self, key, batch):
        estimator = self.estimator
        counters_before = _python_state(estimator)
        optimizers = list(estimator.optimizers_.values())
        generators = _generators(estimator)
        generator_states = [generator.get_state() for generator in generators]
        try:
            graph = self.graph_type(estimator, self.step, batch, self.average_weight, optimizers)
            changed = graph.changed_counters(counters_before, _python_state(estimator))
        except BaseException as error:  # any failure means: train eagerly (Ctrl-C: stop)
            _restore_python_state(estimator, counters_before)
            for generator, state in zip(generators, generator_states):
                generator.set_state(state)
            if not isinstance(error, Exception):
                raise
            message = (str(error).splitlines() or [""])[0]
            self.reason = f"capture failed ({type(error).__name__}: {message}){_where(error)}"
            return None
        if isinstance(changed, str):
            self.reason = changed
            _restore_python_state(estimator, counters_before)
            return None
        graph.counter_steps = changed
        _restore_python_state(estimator, counters_before)
        self.graphs[key] = graph
        self.captured.append(key)
        return graph


class CapturedStep:
    """One variant of the step, captured: its static inputs, outputs and counters.

    Subclasses may replace :meth:`_record` and :meth:`_replay` (the tests replay the
    step eagerly on the CPU, to check everything around the graph).
    """

    def __init__(self, estimator, step, batch, average_weight, optimizers):
        self.estimator, self.average_weight = estimator, average_weight
        self.inputs = tuple(tensor.clone() for tensor in batch)
        generators = _generators(estimator)
        flags = [(group, group.get("capturable", False))
                 for optimizer in optimizers for group in optimizer.param_groups]
        for group, _ in flags:
            group["capturable"] = True
        try:
            with self.capturing():
                self.outputs = self._record(step, generators)
        finally:
            for group, flag in flags:
                group["capturable"] = flag
        self.counter_steps = {}

    @contextmanager
    def capturing(self):
        """While the step is recorded: autocast without its cache, and the moving
        average's weight read from :attr:`average_weight`."""
        self.estimator._capturing_step = True
        self.estimator._graph_average_weight = self.average_weight
        try:
            yield
        finally:
            self.estimator.__dict__.pop("_capturing_step", None)
            self.estimator.__dict__.pop("_graph_average_weight", None)

    def _record(self, step, generators):  # noqa: ARG002 - the stand-ins use them
        """Capture ``step`` on the static inputs; return its (static) outputs.

        The step draws its random numbers from a generator of the graph's own, seeded
        from the estimator's: a capture that fails can leave the generators registered
        with it unusable, and the estimator's must go on. The capture runs on a stream
        of the fit's device; each variant has a memory pool of its own (a pool shared
        between graphs could hand one graph's gradients to another's temporaries).
        """
        estimator, device = self.estimator, self.estimator.device_
        own = make_generator(draw_seed_from(estimator._rng), device)
        self.graph = torch.cuda.CUDAGraph()
        self.graph.register_generator_state(own)
        saved_rng = estimator._rng
        stream = torch.cuda.Stream(device)
        with torch.cuda.device(device):
            torch.cuda.synchronize()
            gc.collect()
            torch.cuda.empty_cache()
            stream.wait_stream(torch.cuda.current_stream())
            estimator._rng = own
            try:
                with torch.cuda.stream(stream):
                    # Thread-local: CUDA work of other threads goes on meanwhile.
                    self.graph.capture_begin(capture_error_mode="thread_local")
                    try:
                        outputs = _detached(step(self.inputs))
                    except BaseException:
                        _end_quietly(self.graph, device)
                        raise
                    try:
                        self.graph.capture_end()
                    except BaseException:
                        _reset_default_generator(device)
                        raise
            finally:
                estimator._rng = saved_rng
            torch.cuda.current_stream().wait_stream(stream)
        self.own_generator = own
        return outputs

    def _replay(self):
        self.graph.replay()

    def changed_counters(self, before, after):
        """Integer counters the capture advanced, or why the step cannot be replayed."""
        if set(before) != set(after):
            return ("the step adds or removes attributes of the estimator: "
                    f"{sorted(set(before) ^ set(after))}")
        changed = {}
        for name, value in after.items():
            old = before[name]
            if value is old or (type(value) is type(old) and _same(value, old)):
                continue
            if type(value) is int and type(old) is int:
                changed[name] = value - old
            else:
                return f"the step changes the estimator's {name} in Python"
        return changed

    def run(self, batch, before_replay):
        for static, tensor in zip(self.inputs, batch):
            static.copy_(tensor)
        before_replay()
        self._replay()
        for name, step in self.counter_steps.items():
            setattr(self.estimator, name, getattr(self.estimator, name) + step)
        return {name: value.clone() for name, value in self.outputs.items()}


def draw_seed_from(generator):
    """A seed drawn from a torch generator (one number of its stream)."""
    return int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))


def _end_quietly(graph, device):
    """End a capture the step broke off, and leave the default generator usable."""
    try:
        graph.capture_end()
    except Exception:  # noqa: BLE001 - the step's own error is the one to report
        _reset_default_generator(device)


def _reset_default_generator(device):
    """After a capture that did not end cleanly, torch may still count the generators
    registered with it as capturing, so that every later draw fails: the graph's own
    generator is dropped, and the default one (every capture registers it) is reset by
    a small capture that ends cleanly. Best effort."""
    try:
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.device(device), torch.cuda.stream(torch.cuda.Stream(device)):
            graph.capture_begin(capture_error_mode="thread_local")
            torch.zeros(1, device=device).add_(1)
            graph.capture_end()
    except Exception:  # noqa: BLE001 - nothing more can be done here
        pass


#: The folder of the installed package: frames of skgan's own files are in it (a folder
#: merely named "skgan", a checkout or the user's project, is not).
_PACKAGE = Path(__file__).resolve().parents[1]


def _where(error):
    """`` at file:line`` of the innermost skgan frame the error passed through."""
    frames = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path.name != "step_graphs.py" and path.is_relative_to(_PACKAGE):
            frames.append((path, frame.lineno))
    if not frames:
        return ""
    path, line = frames[-1]
    return f" at {path.relative_to(_PACKAGE.parent).as_posix()}:{line}"


def _detached(losses):
    """The step's losses without their autograd graphs (which would keep the networks'
    gradient accumulators alive from one step, and stream, to the next)."""
    return {name: value.detach() for name, value in losses.items()}


def _same(value, old):
    try:
        return bool(value == old)
    except Exception:  # noqa: BLE001 - tensors, arrays: compared by identity above
        return False


def _generators(estimator):
    """The generators a step draws from: the estimator's (and, if another, its step's)."""
    return list({id(g): g for g in (estimator._rng, estimator._step_rng)}.values())


def _python_state(estimator):
    """The estimator's attributes (values by reference) before or after a capture."""
    return dict(estimator.__dict__)


def _restore_python_state(estimator, state):
    estimator.__dict__.clear()
    estimator.__dict__.update(state)
