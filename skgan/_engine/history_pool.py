"""A history of generated samples for the discriminators of CycleGAN.

Shrivastava et al. (2017) and CycleGAN show a discriminator a mix of the newest fakes and
older ones, so it does not forget what earlier generators made and the two networks do
not chase each other in circles.
"""

import torch


def mix_with_history(pool, fakes, capacity, generator):
    """The fakes to show a discriminator, and the updated pool.

    While the pool holds fewer than ``capacity`` samples, new fakes are stored and shown
    as they are. Once it is full, each new fake is, with probability one half, shown as
    is; otherwise a random fake of the pool as it was before this call is shown in its
    place and the new one takes that slot (one batch at once, rather than one sample
    after another as in CycleGAN's code).

    Parameters
    ----------
    pool : torch.Tensor
        Stored fakes, shape ``(n_stored, *sample_shape)`` with ``n_stored <= capacity``.
    fakes : torch.Tensor
        The newest fakes (detached), same trailing shape.
    capacity : int
        Largest pool; 0 turns the history off.
    generator : torch.Generator
        Source of the coin flips and slots (the estimator's own).

    Returns
    -------
    shown, pool : torch.Tensor
    """
    if capacity == 0:
        return fakes, pool
    n_free = capacity - len(pool)
    fresh, rest = fakes[:n_free], fakes[n_free:]
    pool = torch.cat([pool, fresh]) if len(fresh) else pool
    if not len(rest):
        return fakes, pool
    device = generator.device
    swap = (torch.rand(len(rest), generator=generator, device=device) < 0.5).to(rest.device)
    slots = torch.randint(capacity, (len(rest),), generator=generator,
                          device=device).to(rest.device)
    stored = pool[slots]
    shown_rest = torch.where(_expand_like(swap, rest), stored, rest)
    pool = pool.clone()
    pool[slots[swap]] = rest[swap]
    return torch.cat([fresh, shown_rest]), pool


def _expand_like(mask, tensor):
    return mask.reshape(-1, *[1] * (tensor.dim() - 1))
