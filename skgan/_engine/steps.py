"""One training step's tools: the optimisers, bf16 autocast, backpropagation with
gradient clipping and the data-parallel average, and a network frozen for the other's
step (the ``TrainingStepMixin`` of :class:`~skgan._engine.core.AdversarialCore`)."""

from contextlib import contextmanager

import torch

from .torch_utils import flag_is


#: What a training step calls that may hold Python branches (a subclass's own is not
#: captured in a CUDA graph).
_STEP_METHODS = ("_train_step", "_autocast_step", "_generate_for_training", "_judge",
                 "_optimize", "_with_generator_terms", "_critic_step", "_discriminator_step",
                 "_discriminator_update", "_fake_condition", "_draw_latent", "_step_variant")


class TrainingStepMixin:
    """What an estimator's ``_train_step`` calls; relies on ``device_``,
    ``optimizers_``, ``amp``, ``grad_clip`` and ``_adam_betas`` (parameter checks)."""

    def _step_variant(self):
        """What tells this step's structure from other steps' (None: all alike); a step
        replayed from CUDA graphs has one graph per variant."""
        return None

    def _step_capture_refusal(self):
        """Why this fit's steps cannot be captured in a CUDA graph, or None."""
        overridden = [name for name in _STEP_METHODS if hasattr(type(self), name)
                      and getattr(type(self), name).__module__.split(".")[0] != "skgan"]
        if overridden:
            # Their Python branches would be frozen at the capture: skgan's own steps
            # declare theirs (``_step_variant``), another's cannot be known.
            return f"{', '.join(overridden)} not skgan's own"
        if getattr(self, "_data_parallel", None) is not None:
            return "a distributed fit exchanges gradients between processes inside the step"
        if getattr(self, "_private", None) is not None:
            return "a private fit's per-row gradients (Opacus) and row sampling vary by step"
        return None

    def _make_optimizer(self, module, learning_rate):
        # The fused kernel updates all tensors at once: about a fifth off a CPU step.
        fused = self.device_.type in ("cpu", "cuda")
        return torch.optim.Adam(
            module.parameters(), lr=learning_rate, betas=self._adam_betas(), fused=fused
        )

    def _autocast_step(self, batch):
        with self._autocast():
            return self._train_step(batch)

    def _autocast(self):
        """bf16 autocast where ``amp`` asks for it (``"auto"``: on CUDA only).

        bf16 has float32's exponent range, so no loss scaling is needed; weights,
        optimiser states and normalisation layers stay in float32.
        """
        amp = getattr(self, "amp", False)
        enabled = flag_is(amp, True) or (isinstance(amp, str) and amp == "auto"
                                          and self.device_.type == "cuda")
        # A step being captured in a CUDA graph casts the weights inside the graph
        # (autocast's cache would hand later replays the casts of the capture).
        options = {"cache_enabled": False} if getattr(self, "_capturing_step", False) else {}
        return torch.autocast(self.device_.type, dtype=torch.bfloat16, enabled=enabled,
                              **options)

    def _optimize(self, name, loss):
        """Backpropagate ``loss`` and step the optimiser of network ``name``.

        Gradient norms are clipped first when the estimator has a ``grad_clip``.
        """
        optimizer = self.optimizers_[name]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        parallel = getattr(self, "_data_parallel", None)
        grad_clip = getattr(self, "grad_clip", None)
        if parallel is not None or grad_clip is not None:
            parameters = [p for group in optimizer.param_groups for p in group["params"]]
            if parallel is not None:
                parallel.average_gradients(parameters)
            if grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(parameters, grad_clip)
        optimizer.step()

    @contextmanager
    def _frozen(self, module):
        """Skip weight gradients of ``module`` (e.g. the discriminator in a G step)."""
        flags = [(parameter, parameter.requires_grad) for parameter in module.parameters()]
        for parameter, _ in flags:
            parameter.requires_grad_(False)
        try:
            yield
        finally:
            for parameter, flag in flags:
                parameter.requires_grad_(flag)
