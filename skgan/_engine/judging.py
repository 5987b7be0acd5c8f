"""What a discriminator sees in training: the adapter's augmentation, then the network.

Differentiable augmentation (DiffAugment, Zhao et al., 2020) works only when every
input of the discriminator goes through it, real and generated, in the
discriminator's step and in the generator's; the training steps therefore call
:meth:`JudgingMixin._judge` instead of the discriminator itself.
"""


class JudgingMixin:
    """``_judge``: a discriminator's scores of a training batch, as the adapter shows it.

    Mixed into :class:`~skgan._engine.core.AdversarialCore`; needs ``adapter_``,
    ``discriminator_`` (or the discriminator passed in) and ``_step_rng``.
    """

    def _judge(self, inputs, *condition, discriminator=None):
        """Scores of ``inputs`` by ``discriminator`` (``discriminator_`` by default).

        ``inputs`` goes through ``adapter_.augment_for_discriminator`` first (with the
        step's generator), then the network is called with ``condition`` as given (none
        passed: called with the inputs alone). Gradients flow through the augmentation
        to ``inputs``; with augmentation off this is the network's call, with no draw.
        """
        module = self.discriminator_ if discriminator is None else discriminator
        inputs = self.adapter_.augment_for_discriminator(inputs, self._step_rng)
        return module(inputs, *condition)
