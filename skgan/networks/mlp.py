"""Fully connected generator and discriminator for vector-shaped data."""

import torch
from torch import nn

from .pass_buffers import linear_into
from .spectral import SpectralNormLinear


def _hidden_stack(input_dim, hidden_dims, linear=nn.Linear, negative_slope=0.2):
    layers = []
    width = input_dim
    for hidden in hidden_dims:
        # In place: no fresh activation tensor per layer (a large share of a big
        # sampling batch's time goes to page faults of new memory otherwise).
        layers += [linear(width, hidden), nn.LeakyReLU(negative_slope, inplace=True)]
        width = hidden
    return layers, width


class OneHotRows:
    """Condition rows that are one-hot vectors, held as the unit each row sets.

    When sampling a table trained by sampling, each generated row's condition asks for
    one level of one column: one unit set among the levels of every conditioned column
    (1,158 units on a 20-column table with a 1,000-level key). Given such rows,
    :meth:`MLPGenerator.raw_output` adds one column of its first layer's weight per row
    instead of multiplying a (rows x units) matrix of zeros, which is never built: on
    that table a quarter of the generator's time per row went to building, joining and
    multiplying it.

    Parameters
    ----------
    units : LongTensor of shape (n_rows,)
        The unit each row sets.
    width : int
        Units of a condition row.
    """

    def __init__(self, units, width):
        self.units = units
        self.width = width

    def __len__(self):
        return len(self.units)

    def dense(self):
        """The rows as a float tensor of shape (n_rows, width)."""
        return torch.nn.functional.one_hot(self.units, self.width).float()


def _with_condition(inputs, condition):
    if condition is None:
        return inputs
    if isinstance(condition, OneHotRows):
        condition = condition.dense()
    return torch.cat([inputs, condition], dim=1)


def _first_layer_with_units(layer, latent, units, buffers=None):
    """``layer`` (a Linear over the latent and a one-hot condition) applied to rows
    whose condition sets ``units``: the latent part multiplied, the condition's weight
    column of each row added (into ``buffers``' first layer, when given: see
    :mod:`skgan.networks.pass_buffers`)."""
    n_latent = latent.shape[1]
    weight = layer.weight
    if buffers is None:
        output = torch.nn.functional.linear(latent, weight[:, :n_latent], layer.bias)
    else:  # what F.linear runs, into the kept tensor
        output = linear_into(latent, weight[:, :n_latent], layer.bias, buffers, 0)
    # the condition's columns as contiguous rows: a row gather, not a strided one
    columns = weight[:, n_latent:].t().contiguous().to(output.dtype)
    if buffers is None:
        return output.add_(columns.index_select(0, units))
    gathered = buffers.rows("condition columns", len(units), columns.shape[1], columns.dtype,
                            columns.device)
    return output.add_(torch.index_select(columns, 0, units, out=gathered))


class MLPGenerator(nn.Module):
    """Maps latent vectors (and an optional condition) to encoded samples.

    Parameters
    ----------
    latent_dim : int
        Size of the latent noise vector.
    output_dim : int
        Size of one encoded sample, as the data adapter reports it.
    hidden_dims : tuple of int
        Widths of the hidden layers.
    condition_dim : int, default=0
        Size of a conditioning vector concatenated to the noise (0: none).
    head : torch.nn.Module or None
        Applied to the last layer's output as ``head(raw, generator)`` (e.g.
        Gumbel-softmax blocks for categories); ``None`` leaves it linear.
    """

    def __init__(self, latent_dim, output_dim, hidden_dims, condition_dim=0, head=None):
        super().__init__()
        layers, width = _hidden_stack(latent_dim + condition_dim, hidden_dims)
        self.body = nn.Sequential(*layers, nn.Linear(width, output_dim))
        self.head = head

    def raw_output(self, latent, condition=None, buffers=None):
        """The last linear layer's output, before the head. ``condition`` may be
        :class:`OneHotRows`. With :class:`~skgan.networks.pass_buffers.PassBuffers`
        ``buffers`` (sampling, no autograd), each linear layer writes into the tensor
        kept for it: the same values, and the output is overwritten by the next pass
        with the same buffers."""
        if buffers is not None and not self._writes_into_buffers(latent):
            buffers = None
        if isinstance(condition, OneHotRows) and type(self.body[0]) is nn.Linear:
            hidden = _first_layer_with_units(self.body[0], latent, condition.units, buffers)
            return self._layers_from(1, hidden, buffers)
        return self._layers_from(0, _with_condition(latent, condition), buffers)

    def _layers_from(self, first, hidden, buffers):
        """The body's layers from position ``first`` on, applied to ``hidden``."""
        if buffers is None:
            return self.body[first:](hidden)
        for position in range(first, len(self.body)):
            layer = self.body[position]
            hidden = linear_into(hidden, layer.weight, layer.bias, buffers, position) \
                if type(layer) is nn.Linear else layer(hidden)
        return hidden

    def _writes_into_buffers(self, latent):
        """Whether the layers can write into kept tensors: plain linear layers and
        leaky ReLUs on 2-D rows of the weights' dtype, on the CPU (where ``nn.Linear``
        runs ``addmm``, and where fresh tensors cost page faults: CUDA keeps freed
        blocks in its caching allocator, MPS has a linear kernel of its own), outside
        autograd and autocast (which the ``out=`` kernels do not follow)."""
        weight = self.body[0].weight
        return (latent.dim() == 2 and latent.dtype == weight.dtype
                and latent.device.type == "cpu"
                and not torch.is_grad_enabled()
                and not torch.is_autocast_enabled(latent.device.type)
                and all(type(layer) in (nn.Linear, nn.LeakyReLU) for layer in self.body))

    def forward(self, latent, condition=None, generator=None):
        """Encoded samples; ``generator`` feeds the head's noise (Gumbel-softmax)."""
        raw = self.raw_output(latent, condition)
        return raw if self.head is None else self.head(raw, generator)

    def noiseless_output(self, latent, condition=None):
        """The output without the head's Gumbel noise: each one-hot block's softmax
        probabilities (after the sampling bias in eval mode), a deterministic function of
        the latent vector (and condition) for decoding given codes and inverting the
        generator."""
        return self.forward(latent, condition, None)


class MLPDiscriminator(nn.Module):
    """Scores samples (and an optional condition) with one logit per pack of rows.

    Parameters
    ----------
    input_dim : int
        Size of one encoded sample.
    hidden_dims : tuple of int
        Widths of the hidden layers.
    condition_dim : int, default=0
        Size of a conditioning vector concatenated to each sample (0: none).
    spectral_norm : bool, default=False
        Divide each linear layer's weight by its spectral norm.
    pac : int, default=1
        Number of rows judged together (PacGAN); the batch size must be a multiple.
    projection : bool, default=False
        Take the condition by projection (Miyato & Koyama, 2018) instead of
        concatenating it to the input: the score adds the inner product of a learned
        embedding of the condition with the last hidden layer.
        No batch normalisation is used, so rows never interact otherwise: a batch of
        real and fake rows can be scored in one pass.
    """

    def __init__(self, input_dim, hidden_dims, condition_dim=0, spectral_norm=False, pac=1,
                 projection=False):
        super().__init__()
        self.pac = pac
        linear = SpectralNormLinear if spectral_norm else nn.Linear
        self.embed = self.read_out = None
        if projection and condition_dim:
            layers, width = _hidden_stack(input_dim * pac, hidden_dims, linear)
            self.body = nn.Sequential(*layers)
            self.read_out = linear(width, 1)
            self.embed = nn.Linear(condition_dim * pac, width, bias=False)
            return
        layers, width = _hidden_stack((input_dim + condition_dim) * pac, hidden_dims, linear)
        self.body = nn.Sequential(*layers, linear(width, 1))

    def forward(self, inputs, condition=None):
        if self.embed is not None:
            features = self.body(inputs.reshape(inputs.shape[0] // self.pac, -1))
            packed_condition = condition.reshape(features.shape[0], -1)
            projected = (self.embed(packed_condition) * features).sum(dim=1)
            return self.read_out(features).squeeze(1) + projected
        joined = _with_condition(inputs, condition)
        packed = joined.reshape(joined.shape[0] // self.pac, -1)
        return self.body(packed).squeeze(1)
