"""Checks of parameters between fits: shapes fixed by the networks, the adapter, rates."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval

from ..adapters import ADAPTERS


class ParameterChecksMixin:
    """Parameter checks of :class:`skgan.base.BaseGAN` for fitting and continuing.

    Relies on the estimator's parameters and, once fitted, on ``adapter_``,
    ``optimizers_`` and ``_architecture``.
    """

    def _check_params(self):
        self._refuse_bools_for_numbers()
        for name in ("generator_dims", "discriminator_dims"):
            dims = getattr(self, name)
            if not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0
                       for d in dims):
                raise ValueError(f"{name} must hold positive integers, got {dims!r}.")
        if len(self.betas) != 2 or not all(
            isinstance(b, numbers.Real) and not isinstance(b, (bool, np.bool_))
            and 0.0 <= b < 1.0 for b in self.betas
        ):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}.")
        self._extra_params_check()

    def _refuse_bools_for_numbers(self):
        """A TypeError for True or False where a parameter takes a number and no flag
        (scikit-learn's ``Interval`` counts a bool as the number 0 or 1:
        ``dp_epsilon=True`` would train at epsilon 1)."""
        for name, allowed in getattr(self, "_parameter_constraints", {}).items():
            value = getattr(self, name, None)
            if not isinstance(value, (bool, np.bool_)):
                continue
            takes_flags = any(rule in ("boolean", bool) for rule in allowed)
            takes_numbers = any(isinstance(rule, Interval) for rule in allowed)
            if takes_numbers and not takes_flags:
                raise TypeError(f"{name} must be a number, got {value!r}.")

    def _extra_params_check(self):
        """Checks of parameter combinations specific to a subclass."""

    #: Parameters that fix the networks' shapes; they cannot change between fits that
    #: continue training.
    _architecture_names = ("latent_dim", "generator_dims", "discriminator_dims", "pac",
                           "spectral_norm", "projection")

    def _architecture_params(self):
        return {
            name: tuple(value) if isinstance(value, list) else value
            for name in self._architecture_names
            if (value := getattr(self, name, None)) is not None
        }

    def _check_continuation(self):
        """Refuse changed network shapes when training continues."""
        self._check_params()
        self._check_same_adapter()
        current = self._architecture_params()
        changed = [
            name for name, value in self._architecture.items() if current.get(name) != value
        ]
        if changed:
            raise ValueError(
                f"Cannot continue training after changing {', '.join(changed)} (the "
                "networks were built with "
                + ", ".join(f"{name}={self._architecture[name]!r}" for name in changed)
                + "); call fit with warm_start=False to start afresh."
            )

    def _check_same_adapter(self):
        """Refuse an ``adapter`` parameter changed since fit (sampling, scoring, continuing)."""
        fitted = self.adapter_
        if isinstance(self.adapter, str):
            same = self.adapter == "auto" or type(fitted) is ADAPTERS.get(self.adapter)
        else:
            same = type(self.adapter) is type(fitted) and repr(
                self.adapter.get_params(deep=False)
            ) == repr(fitted.get_params(deep=False))
        if not same:
            raise ValueError(
                f"{type(self).__name__} was fitted with {fitted!r}, but its adapter "
                f"parameter is now {self.adapter!r}; call fit again to use another adapter."
            )

    def _apply_learning_rates(self):
        """Let changed learning rates and betas take effect when training continues."""
        rates = {"generator": self.generator_lr, "discriminator": self.discriminator_lr}
        for name, optimizer in self.optimizers_.items():
            for group in optimizer.param_groups:
                group["lr"] = rates.get(name, group["lr"])
                if "betas" in group:
                    group["betas"] = self._adam_betas()

    def _adam_betas(self):
        """``betas`` as torch's Adam takes them: a tuple of two Python floats (it refuses
        the int 0 of ``betas=(0, 0.9)`` and numpy floats)."""
        return tuple(map(float, self.betas))
