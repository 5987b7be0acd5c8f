"""A moving average of the generator's weights, to sample from (``generator_average_``).

Averaging a GAN generator's weights over the last steps of training smooths out the
oscillation of adversarial training, and the average usually samples better than the
last weights (Yazıcı et al., 2019, "The unusual effectiveness of averaging in GAN
training"; StyleGAN keeps one too). The average here is exponential, with a decay that
ramps up over the first updates, so a short fit is not pulled back towards the random
initial weights.
"""

import copy

import torch


def make_average(module):
    """A frozen copy of ``module`` in eval mode, to hold its running average."""
    average = copy.deepcopy(module).eval()
    for parameter in average.parameters():
        parameter.requires_grad_(False)
    return average


def ramped_decay(decay, n_updates):
    """The decay of update ``n_updates`` (counting from 1): at most ``(1 + n) / (10 + n)``.

    Examples
    --------
    >>> ramped_decay(0.999, 1), ramped_decay(0.999, 10), ramped_decay(0.99, 10_000)
    (0.18181818181818182, 0.55, 0.99)
    """
    return min(decay, (1 + n_updates) / (10 + n_updates))


@torch.no_grad()
def update_average(average, module, decay, weight=None):
    """Move ``average``'s floating-point parameters and buffers towards ``module``'s.

    ``average = decay * average + (1 - decay) * module``; other buffers (batch-norm step
    counts) are copied. ``weight``, a 0-dim tensor on the device holding ``1 - decay``,
    takes the place of ``decay`` in a step captured in a CUDA graph (whose replays read
    the tensor's current value, where a number would stay the capture's).
    """
    averaged, live = [], []
    pairs = [*zip(average.parameters(), module.parameters()),
             *zip(average.buffers(), module.buffers())]
    for target, source in pairs:
        if target.is_floating_point():
            averaged.append(target)
            live.append(source.detach())
        else:
            target.copy_(source)
    if averaged:
        # The same lerp (bit for bit on the CPU) with the weight a tensor or a number.
        torch._foreach_lerp_(averaged, live, 1.0 - decay if weight is None else
                             [weight] * len(averaged))
