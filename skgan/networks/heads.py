"""Output heads: the activations that shape a generator's raw output into encoded data."""

import functools

import torch
from torch import nn


#: Smallest log-probability a training block outputs (e^-60 ~ 1e-26: far from float32's
#: denormal range, where arithmetic is slow, and from its gradients').
LOG_FLOOR = -60.0
#: Gradients smaller than this reaching the head's input are dropped (see
#: ``_without_tiny_gradients``).
TINY_GRADIENT = 1e-30


class BlockActivationHead(nn.Module):
    """Linear units, then ``tanh`` units, then Gumbel-softmax blocks.

    The layout is the one :class:`skgan.adapters.TabularAdapter` encodes: the first
    ``n_identity`` units pass through, the next ``n_tanh`` go through ``tanh`` and the
    rest form consecutive one-hot blocks of ``block_widths``. Every block is a softmax
    over its units, all blocks at once (one scatter per step, whatever their number).

    Given a ``torch.Generator``, Gumbel noise is added to the block logits and the
    softmax sharpened by ``temperature`` (the Gumbel-softmax relaxation of drawing one
    level per block): outputs are nearly one-hot, like the real data, and the noise
    comes from the estimator's own generator so ``random_state`` fixes it. In eval
    mode (sampling) the blocks are the exact one-hot of a level drawn from each
    block's softmax (see :attr:`level_draw`), which skips the relaxation. Without a
    generator the head returns plain softmax probabilities. In eval mode the buffer
    ``level_bias`` (one value per block unit, zero until an estimator calibrates it
    after training) is added to the logits first, and the linear and ``tanh`` units'
    raw values go through the monotone maps of ``scalar_quantiles`` when an estimator
    has set them (None otherwise; see :func:`map_scalars`).

    Parameters
    ----------
    n_identity, n_tanh : int
        Numbers of linear and ``tanh`` units.
    block_widths : tuple of int
        Widths of the softmax blocks.
    temperature : float, default=0.2
        Gumbel-softmax temperature.
    """

    #: How sampling (eval mode) draws each block's level from its softmax.
    #: ``"inverse_cdf"``: one uniform number per block, found in the block's cumulative
    #: probabilities (every head built now). ``"gumbel"``: the argmax of the logits
    #: plus Gumbel noise, one uniform number per unit, which costs several times more
    #: on wide blocks (a 1,000-level key). Both draw from the same distribution; heads
    #: built before the first existed (and their model files) keep it and sample the
    #: rows they always did.
    level_draw = "gumbel"

    def __init__(self, n_identity, n_tanh, block_widths, temperature=0.2):
        super().__init__()
        self.level_draw = "inverse_cdf"
        self.n_identity = n_identity
        self.n_tanh = n_tanh
        self.block_widths = tuple(block_widths)
        self.temperature = temperature
        self.register_buffer(
            "block_of_unit", torch.empty(sum(self.block_widths), dtype=torch.long),
            persistent=False,
        )
        # Added to the block logits when sampling (eval mode) only: set after training
        # so that generated level rates match the data's (see
        # skgan._engine.level_rates); zero until then.
        self.register_buffer("level_bias", torch.zeros(sum(self.block_widths)))
        # Set after a private fit (skgan._engine.scalar_quantiles): the raw values of the
        # linear and tanh units mapped to the quantiles the adapter's encoding implies.
        self.register_buffer("scalar_quantiles", None)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # The maps are a buffer only once set: a state with maps loads into a head
        # without them (and one without into a head with them) under strict loading.
        key = prefix + "scalar_quantiles"
        if key in state_dict and self.scalar_quantiles is None:
            self.scalar_quantiles = torch.empty_like(state_dict[key],
                                                     device=self.level_bias.device)
        elif key not in state_dict:
            self.scalar_quantiles = None
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def reset_parameters_from(self, generator):
        """Fill the unit → block index (no random draws; called by the initialiser)."""
        widths = torch.tensor(self.block_widths, dtype=torch.long)
        blocks = torch.repeat_interleave(torch.arange(len(widths)), widths)
        with torch.no_grad():
            self.block_of_unit.copy_(blocks)
            self.level_bias.zero_()

    def forward(self, raw, generator=None):
        if raw.requires_grad:
            raw.register_hook(_without_tiny_gradients)
        first_block = self.n_identity + self.n_tanh
        parts = self._scalar_parts(raw)
        if self.block_widths:
            logits = raw[:, first_block:]
            level_bias = getattr(self, "level_bias", None)  # heads pickled before it: none
            if not self.training and level_bias is not None:
                logits = logits + level_bias
            if generator is not None and not self.training:
                parts.append(self._drawn_one_hot(logits, generator))
                return torch.cat(parts, dim=1)
            if generator is not None:
                logits = (logits + _gumbel_like(logits, generator)) / self.temperature
            # Probabilities below e^-60 become exactly that: smaller ones would be
            # denormal floats, which slow every matmul they enter (the discriminator's,
            # forward and backward) several times over on CPUs as training sharpens
            # the softmax.
            parts.append(torch.exp(self._block_log_softmax(logits).clamp_min(LOG_FLOOR)))
        return torch.cat(parts, dim=1)

    def sample_codes(self, raw, generator):
        """Sampled rows as their scalar units and each block's drawn level (eval mode).

        The same draws as ``forward`` in eval mode with ``generator`` (the same random
        numbers): ``forward``'s one-hot blocks are exactly the one-hot of these codes.
        Without the dense blocks, sampling a table with a 1,000-level column moves a
        few numbers a row instead of a thousand.

        Returns
        -------
        scalars : Tensor of shape (n_rows, n_identity + n_tanh)
        codes : LongTensor of shape (n_rows, n_blocks)
        """
        first_block = self.n_identity + self.n_tanh
        scalars = torch.cat(self._scalar_parts(raw), dim=1)
        if not self.block_widths:
            return scalars, torch.empty(raw.shape[0], 0, dtype=torch.long, device=raw.device)
        logits = raw[:, first_block:]
        level_bias = getattr(self, "level_bias", None)
        if level_bias is not None:
            logits = logits + level_bias
        return scalars, self._draw_levels(logits, generator)

    def _scalar_parts(self, raw):
        """The linear units and the ``tanh`` of the next ones (mapped first in eval
        mode when ``scalar_quantiles`` is set)."""
        first_block = self.n_identity + self.n_tanh
        scalars = raw[:, :first_block]
        quantiles = getattr(self, "scalar_quantiles", None)  # heads saved before: none
        if quantiles is not None and not self.training:
            scalars = map_scalars(scalars, quantiles)
        return [scalars[:, :self.n_identity], torch.tanh(scalars[:, self.n_identity:])]

    def _draw_levels(self, logits, generator):
        """One level per block drawn from the blocks' softmax: codes, shape
        ``(n_rows, n_blocks)``."""
        if self.level_draw == "gumbel":
            logits = logits + _gumbel_like(logits, generator)
            codes, start = [], 0
            for width in self.block_widths:
                codes.append(logits[:, start:start + width].argmax(dim=1))
                start += width
            return torch.stack(codes, dim=1)
        return _inverse_cdf_levels(logits, self.block_widths, generator)

    def _drawn_one_hot(self, logits, generator):
        """The one-hot blocks of the levels :meth:`_draw_levels` draws."""
        if self.level_draw == "gumbel":  # the dense path of heads built before
            return self._block_one_hot(logits + _gumbel_like(logits, generator))
        codes = self._draw_levels(logits, generator)
        starts = _block_start_tensor(self.block_widths, codes.device)
        return torch.zeros_like(logits).scatter_(1, codes + starts, 1.0)

    def block_log_probabilities(self, raw):
        """Log-softmax of every block's raw logits, shape ``(n_rows, sum(block_widths))``."""
        return self._block_log_softmax(raw[:, self.n_identity + self.n_tanh:])

    def _block_maxima(self, logits):
        """Each block's largest logit, repeated over the block's units."""
        n_rows, n_blocks = logits.shape[0], len(self.block_widths)
        blocks = self.block_of_unit.expand(n_rows, -1)
        maxima = torch.full((n_rows, n_blocks), -torch.inf, device=logits.device,
                            dtype=logits.dtype)
        return maxima.scatter_reduce(1, blocks, logits.detach(), "amax").gather(1, blocks)

    def _block_one_hot(self, logits):
        return (logits >= self._block_maxima(logits)).to(logits.dtype)

    def _block_log_softmax(self, logits):
        blocks = self.block_of_unit.expand(logits.shape[0], -1)
        # The per-block maximum only keeps exp() finite; it carries no gradient.
        shifted = logits - self._block_maxima(logits)
        sums = torch.zeros(logits.shape[0], len(self.block_widths), device=logits.device,
                           dtype=logits.dtype).scatter_add(1, blocks, torch.exp(shifted))
        return shifted - torch.log(sums).gather(1, blocks)


def map_scalars(values, quantiles):
    """Each column of ``values`` through a piecewise-linear increasing map.

    ``quantiles[0, j]`` are the knots of column ``j`` (strictly increasing) and
    ``quantiles[1, j]`` the values they map to; between knots the map is linear, and
    beyond the first and last knots it goes on along the nearest segment (no value is
    clipped, so a map whose knots equal their values is the identity).

    Examples
    --------
    >>> import torch
    >>> from skgan.networks.heads import map_scalars
    >>> quantiles = torch.tensor([[[0.0, 1.0, 2.0]], [[0.0, 10.0, 12.0]]])
    >>> map_scalars(torch.tensor([[0.5], [1.5], [3.0]]), quantiles)[:, 0].tolist()
    [5.0, 11.0, 14.0]
    """
    knots, targets = quantiles[0], quantiles[1]
    columns = values.t().contiguous().to(knots.dtype)
    right = torch.searchsorted(knots, columns).clamp_(1, knots.shape[1] - 1)
    left = right - 1
    x0, x1 = knots.gather(1, left), knots.gather(1, right)
    y0, y1 = targets.gather(1, left), targets.gather(1, right)
    mapped = y0 + (columns - x0) * (y1 - y0) / (x1 - x0)
    return mapped.t().to(values.dtype)


def _without_tiny_gradients(gradient):
    """``gradient`` with entries below ``TINY_GRADIENT`` in size set to zero.

    A sharp softmax passes back gradients of 1e-40 and less: denormal floats, which
    make the generator's last matmuls (backward) several times slower on CPUs as
    training goes on, while moving no weight (Adam's steps for them are ~1e-30).
    """
    return gradient.masked_fill(gradient.abs() < TINY_GRADIENT, 0.0)


def _inverse_cdf_levels(logits, block_widths, generator):
    """Codes of one level per block drawn from each block's softmax of ``logits``.

    One uniform number per row and block (drawn first, for all blocks at once) is
    found in the block's cumulative unnormalised probabilities, computed in float32
    for the blocks of each width together (a few vectorised steps, whatever the
    number of blocks). Units whose probability underflows to zero are never drawn.
    A block with NaN logits (a diverged generator) gets its last level.
    """
    n_rows, n_blocks = logits.shape[0], len(block_widths)
    uniform = torch.rand(n_rows, n_blocks, generator=generator, device=generator.device)
    uniform = uniform.to(logits.device)
    codes = torch.empty(n_rows, n_blocks, dtype=torch.long, device=logits.device)
    groups = _blocks_by_width(tuple(block_widths), logits.device)
    for width, (blocks, units, first) in groups.items():
        if len(blocks) == 1:  # one block of this width (a key's): a view, not a copy
            grouped = logits[:, first:first + width].float().view(n_rows, 1, width)
        else:
            grouped = logits.index_select(1, units).float().view(n_rows, len(blocks), width)
        cumulative = (grouped - grouped.amax(dim=2, keepdim=True)).exp_().cumsum_(dim=2)
        totals = cumulative[:, :, -1:].contiguous()
        drawn = torch.searchsorted(cumulative, uniform[:, blocks].unsqueeze(2) * totals,
                                   right=True)
        # u * total can round up to the total: the last unit that adds probability.
        last = torch.searchsorted(cumulative, totals)
        codes[:, blocks] = torch.minimum(drawn, last).squeeze(2).clamp_max_(width - 1)
    return codes


@functools.lru_cache(maxsize=32)
def _blocks_by_width(block_widths, device):
    """Width -> (positions of the blocks of that width, their units in block order, the
    first of those units), built once per layout and device."""
    starts = _block_starts(block_widths)
    groups = {}
    for block, (start, width) in enumerate(zip(starts, block_widths)):
        blocks, units = groups.setdefault(width, ([], []))
        blocks.append(block)
        units.extend(range(start, start + width))
    return {width: (torch.tensor(blocks, device=device), torch.tensor(units, device=device),
                    units[0])
            for width, (blocks, units) in groups.items()}


@functools.lru_cache(maxsize=32)
def _block_start_tensor(block_widths, device):
    return torch.tensor(_block_starts(block_widths), device=device)


def _block_starts(block_widths):
    starts = [0]
    for width in block_widths[:-1]:
        starts.append(starts[-1] + width)
    return starts


def _gumbel_like(logits, generator):
    """Standard Gumbel noise shaped like ``logits``, drawn from ``generator``.

    ``-log(-log(u))`` for uniform ``u`` (a uniform draw costs a fifth of an
    exponential one on the CPU).
    """
    uniform = torch.empty(logits.shape, device=generator.device, dtype=logits.dtype)
    uniform.uniform_(torch.finfo(logits.dtype).tiny, 1.0, generator=generator)
    return uniform.log_().neg_().log_().neg_().to(logits.device)
