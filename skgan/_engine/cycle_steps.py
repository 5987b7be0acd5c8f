"""CycleGANTransformer's training steps: batches of both domains, the two
translator/discriminator pairs with their optimisers and pools of past translations,
and one step of the adversarial, cycle and identity losses (Zhu et al., 2017)."""

from functools import partial

import torch

from ..networks.translation import MLPTranslator, make_translator_pair
from ..objectives import cycle_loss, discriminator_loss, generator_loss
from .domains import cycled_permutation
from .history_pool import mix_with_history


class CycleStepsMixin:
    """The training side of :class:`~skgan.CycleGANTransformer` (the methods below, as
    :class:`~skgan._engine.core.AdversarialCore` calls them).

    Relies on the estimator's ``adapter_``, ``device_``, ``_rng``, its parameters
    (``generator_dims``, ``discriminator_dims``, ``loss``, ``cycle_weight``,
    ``identity_weight``, ``pool_size``, learning rates) and the core's helpers.
    """

    def _batch_sampler(self, tensors, batch_size):
        """Batches of A and B drawn independently: the smaller domain is cycled."""
        domain_a, domain_b = tensors

        def sampler(generator):
            n_rows = (max(len(domain_a), len(domain_b)) // batch_size) * batch_size
            rows_a = cycled_permutation(len(domain_a), n_rows, generator).to(domain_a.device)
            rows_b = cycled_permutation(len(domain_b), n_rows, generator).to(domain_b.device)
            for batch_a, batch_b in zip(rows_a.split(batch_size), rows_b.split(batch_size)):
                yield domain_a[batch_a], domain_b[batch_b]

        return sampler

    def _build_networks(self, domain_a, domain_b):
        """Both translator/discriminator pairs, their optimisers and the history pools.

        Translators with a linear path start from the per-feature map between the
        encoded domains' moments (``domain_a`` and ``domain_b``).
        """
        def pair():
            return make_translator_pair(
                self.adapter_, generator_dims=self.generator_dims,
                discriminator_dims=self.discriminator_dims, pac=self._pac(), device=self.device_,
                generator=self._rng,
            )

        self.generator_ab_, self.discriminator_b_ = pair()
        self.generator_ba_, self.discriminator_a_ = pair()
        for translator, source, target in ((self.generator_ab_, domain_a, domain_b),
                                           (self.generator_ba_, domain_b, domain_a)):
            if isinstance(translator, MLPTranslator):
                translator.start_between(source, target)
        translators = torch.nn.ModuleList([self.generator_ab_, self.generator_ba_])
        discriminators = torch.nn.ModuleList([self.discriminator_a_, self.discriminator_b_])
        self.optimizers_ = {
            "generator": self._make_optimizer(translators, self.generator_lr),
            "discriminator": self._make_optimizer(discriminators, self.discriminator_lr),
        }
        empty = torch.empty((0, *self.adapter_.encoded_shape_), device=self.device_)
        self._pools = {"a": empty, "b": empty.clone()}

    def _begin_epochs(self, n_rows, batch_size, n_epochs):
        super()._begin_epochs(n_rows, batch_size, n_epochs)
        # the epochs store fakes in a dict of their own: a fit that fails leaves the
        # pools it started from (the estimator's state before it) as they were
        self._pools = dict(self._pools)

    def _networks(self):
        return {
            "generator_ab": self.generator_ab_, "generator_ba": self.generator_ba_,
            "discriminator_a": self.discriminator_a_, "discriminator_b": self.discriminator_b_,
        }

    def _judges(self):
        """The discriminators of A and B as the step calls them: through the adapter's
        augmentation (``ImageAdapter(augment=...)``) first."""
        return (partial(self._judge, discriminator=self.discriminator_a_),
                partial(self._judge, discriminator=self.discriminator_b_))

    def _step_capture_refusal(self):
        if self.pool_size > 0:
            return ("the pool of past translations (pool_size > 0) is refilled in Python, a "
                    "random number of slots each step")
        return super()._step_capture_refusal()

    def _train_step(self, batch):
        real_a, real_b = batch
        to_b, to_a = self.generator_ab_, self.generator_ba_
        rng = self._rng
        with self._frozen(self.discriminator_a_), self._frozen(self.discriminator_b_):
            fake_b, fake_a = to_b(real_a, rng), to_a(real_b, rng)
            judge_a, judge_b = self._judges()
            adversarial = (generator_loss(judge_b(fake_b), self.loss)
                           + generator_loss(judge_a(fake_a), self.loss))
            cycle = cycle_loss(to_a(fake_b, rng), real_a) + cycle_loss(to_b(fake_a, rng), real_b)
            total = adversarial + self.cycle_weight * cycle
            losses = {"generator_loss": adversarial, "cycle_loss": cycle}
            if self.identity_weight > 0:
                identity = cycle_loss(to_b(real_b, rng), real_b) + cycle_loss(to_a(real_a, rng),
                                                                              real_a)
                total = total + self.identity_weight * identity
                losses["identity_loss"] = identity
            self._optimize("generator", total)

        shown_a, self._pools["a"] = mix_with_history(self._pools["a"], fake_a.detach().float(),
                                                     self.pool_size, rng)
        shown_b, self._pools["b"] = mix_with_history(self._pools["b"], fake_b.detach().float(),
                                                     self.pool_size, rng)
        d_loss = (
            discriminator_loss(judge_a(real_a), judge_a(shown_a), self.loss)
            + discriminator_loss(judge_b(real_b), judge_b(shown_b), self.loss)
        )
        self._optimize("discriminator", d_loss)
        losses["discriminator_loss"] = d_loss
        return losses
