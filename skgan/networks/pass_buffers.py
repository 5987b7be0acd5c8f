"""Tensors that sampling's forward passes write into again and again.

A large sample runs the generator over tens of thousands of rows a pass, and every
layer's output is a fresh tensor of several megabytes. The C allocator hands such
blocks back to the system when they are freed and maps new pages for the next pass, so
part of sampling went to the kernel zeroing pages: on a 30,000-row table's generator,
the same 400,000 rows took 0.72 s with 196,000 page faults or 0.42 s with 1,000,
depending only on the state the allocator was left in. :class:`PassBuffers` keeps one
tensor per layer (and one for the latent rows of a block) for a whole call of
``sample``: the passes write into them with the same kernels (``torch.addmm`` is what
``nn.Linear`` runs on the CPU), so the values are the same to the last bit. Sampling
uses them on the CPU only (CUDA's caching allocator keeps freed blocks already): the
latent rows of every block (except with ``truncation``), and outside autocast the
layers of the passes that draw a table's codes.

A buffer holds the latest pass only: what a pass returns from it must be consumed (or
copied) before the next pass. One object serves one sampling call in one thread.
"""

import torch


class PassBuffers:
    """Reusable output tensors of sampling's forward passes, keyed by their role.

    Examples
    --------
    >>> import torch
    >>> from skgan.networks.pass_buffers import PassBuffers
    >>> buffers = PassBuffers()
    >>> first = buffers.rows("layer 0", 4096, 256, torch.float32, torch.device("cpu"))
    >>> again = buffers.rows("layer 0", 1000, 256, torch.float32, torch.device("cpu"))
    >>> again.shape, again.data_ptr() == first.data_ptr()  # the same memory, fewer rows
    (torch.Size([1000, 256]), True)
    """

    def __init__(self):
        self._tensors = {}

    def rows(self, key, n_rows, width, dtype, device):
        """A tensor of shape ``(n_rows, width)`` (uninitialised): the first rows of the
        one kept for ``key`` when it has as many rows or more and the same width, dtype
        and device, else a new one kept in its place."""
        tensor = self._tensors.get(key)
        if tensor is None or tensor.shape[0] < n_rows or tensor.shape[1] != width \
                or tensor.dtype != dtype or tensor.device != device:
            tensor = torch.empty(n_rows, width, dtype=dtype, device=device)
            self._tensors[key] = tensor
        return tensor[:n_rows]


def linear_into(inputs, weight, bias, buffers, key):
    """``F.linear(inputs, weight, bias)`` for 2-D ``inputs``, written into the buffer
    ``key`` of :class:`PassBuffers` ``buffers`` (the kernel ``nn.Linear`` runs on the
    CPU, so the same values)."""
    out = buffers.rows(key, inputs.shape[0], weight.shape[0], inputs.dtype, inputs.device)
    if bias is None:
        return torch.mm(inputs, weight.t(), out=out)
    return torch.addmm(bias, inputs, weight.t(), out=out)
