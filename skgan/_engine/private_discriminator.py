"""DP-SGD for the discriminator, through Opacus: Poisson-sampled real rows, each row's
gradient clipped, Gaussian noise added to their sum, and the RDP accountant that adds up
what the steps (and the measurements before them: pair tables, correlations) spend. The
estimators' side of a private fit (its parameters, the budget's calibration, the
measurements) is
:mod:`skgan._engine.private`.
"""

import warnings
from contextlib import contextmanager

import torch

from .privacy_budget import (
    EPSILON_TOLERANCE,
    RDP_ORDERS,
    gaussian_rdp,
    noise_after_measurement,
    quiet_accountant,
)


def import_opacus():
    """The ``opacus`` module, or ImportError naming the extra that installs it."""
    try:
        import opacus
    except ImportError:
        raise ImportError("dp_epsilon trains with Opacus, which is not installed: "
                          "pip install 'skgan[privacy]'") from None
    return opacus


def check_private_module(module):
    """Refuse, by name, layers whose per-row gradients are not defined (batch norm)."""
    from opacus.validators import ModuleValidator

    problems = ModuleValidator.validate(module, strict=False)
    if problems:
        raise ValueError("dp_epsilon needs a discriminator whose rows do not interact: "
                         + "; ".join(str(problem) for problem in problems)
                         + ". Use the tabular or numeric adapter's networks.")


class PrivateDiscriminator:
    """DP-SGD for one fit's discriminator steps.

    Parameters
    ----------
    discriminator : torch.nn.Module
        Trained in place; Opacus' hooks record per-row gradients during :meth:`step`.
    optimizer : torch.optim.Optimizer
        The discriminator's optimiser; the noisy, clipped gradient is what it steps on.
    epsilon, delta, max_grad_norm : float
        The budget of the whole fit and the per-row gradient clipping norm.
    n_rows, batch_size, n_steps : int
        Rows of the table, expected real rows per step (also the generated rows of
        every step) and the discriminator steps of the fit.
    generator : torch.Generator
        Draws the Poisson samples and the noise (bit-identical fits for a seed).
    measured_noise_multiplier : float or None
        The one Gaussian mechanism (sample rate 1) of the measurements made before
        training, counted first; None when nothing was measured.
    """

    def __init__(self, discriminator, optimizer, *, epsilon, delta, max_grad_norm, n_rows,
                 batch_size, n_steps, generator, measured_noise_multiplier=None):
        opacus = import_opacus()
        from opacus.accountants.utils import get_noise_multiplier

        check_private_module(discriminator)
        self.sample_rate = batch_size / n_rows
        self.batch_size = batch_size
        self.delta = delta
        try:
            with quiet_accountant():
                if measured_noise_multiplier is None:
                    self.noise_multiplier = get_noise_multiplier(
                        target_epsilon=epsilon, target_delta=delta,
                        sample_rate=self.sample_rate, steps=n_steps, accountant="rdp",
                        epsilon_tolerance=EPSILON_TOLERANCE, alphas=RDP_ORDERS)
                else:
                    self.noise_multiplier = noise_after_measurement(
                        epsilon, delta, self.sample_rate, n_steps,
                        gaussian_rdp(measured_noise_multiplier))
        except ValueError as error:
            raise ValueError(
                f"dp_epsilon={epsilon} cannot be kept by {n_steps} steps that each see a "
                f"share {self.sample_rate:.3g} of the rows, whatever the noise (Opacus: "
                f"{error}); raise dp_epsilon or dp_delta, train fewer epochs, or use a "
                "smaller batch_size.") from None
        self.generator = generator
        self.accountant = opacus.accountants.RDPAccountant()
        if measured_noise_multiplier is not None:  # the measurements before training
            self.accountant.step(noise_multiplier=measured_noise_multiplier, sample_rate=1.0)
        try:
            self._module = opacus.GradSampleModule(discriminator, loss_reduction="sum")
        except NotImplementedError as error:
            raise ValueError(f"dp_epsilon: Opacus cannot compute per-row gradients of this "
                             f"discriminator: {error}") from None
        self._module.disable_hooks()
        # Opacus' hooks cannot follow an activation that overwrites its input
        self._in_place = [module for module in discriminator.modules()
                          if getattr(module, "inplace", False)]
        for module in self._in_place:
            module.inplace = False
        self.optimizer = opacus.optimizers.DPOptimizer(
            optimizer, noise_multiplier=self.noise_multiplier, max_grad_norm=max_grad_norm,
            expected_batch_size=batch_size, loss_reduction="mean", generator=generator)

    def poisson_batches(self, tensors, n_batches):
        """``n_batches`` batches of rows of ``tensors`` (a tuple sharing their rows),
        each row in with the sample rate."""
        n_rows = tensors[0].shape[0]
        for _ in range(n_batches):
            draws = torch.rand(n_rows, generator=self.generator, device=self.generator.device)
            rows = torch.nonzero(draws < self.sample_rate).squeeze(1).to(tensors[0].device)
            yield tuple(tensor[rows] for tensor in tensors)

    def per_row_gradients(self):
        """Context in which the discriminator's forward and backward record per-row
        gradients (only the discriminator step's: the generator step runs without)."""
        return _hooks_on(self._module)

    def step(self, loss_sum):
        """Clip, noise and apply the gradient of ``loss_sum`` (summed over rows)."""
        self.optimizer.zero_grad(set_to_none=True)
        with warnings.catch_warnings():  # the first layer's input (data) needs no gradient
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            loss_sum.backward()
        self.optimizer.step()
        self.accountant.step(noise_multiplier=self.noise_multiplier,
                             sample_rate=self.sample_rate)

    def epsilon_spent(self):
        """What the steps taken so far spent, at ``delta``."""
        if not self.accountant.history:
            return 0.0
        with quiet_accountant():
            return float(self.accountant.get_epsilon(self.delta, alphas=RDP_ORDERS))

    def close(self):
        """Remove Opacus' hooks and per-row gradients: a plain module again."""
        self._module._close()
        for module in self._in_place:
            module.inplace = True
        for parameter in self._module._module.parameters():
            for name in ("grad_sample", "_forward_counter", "summed_grad"):
                if hasattr(parameter, name):
                    delattr(parameter, name)


@contextmanager
def _hooks_on(module):
    module.enable_hooks()
    try:
        yield
    finally:
        module.disable_hooks()
