"""Will a fit fit in memory? An estimate made before the rows are encoded.

A table's cost grows with its rows (the encoded rows) and with its width in units (the
networks' first and last layers, and the blocks of rows that sampling generates): a few
free-text or identifier columns with hundreds of thousands of distinct values, with
``max_categories`` raised to keep them, can make the networks alone larger than the
machine's memory. Rather than fail after hours, or take the machine down with it, a fit
whose estimate exceeds the memory available raises a ``MemoryError`` that names the
columns that cost the most and what to do about them.
"""

import math
import os

from .sample_chunks import SAMPLE_BLOCK_ROWS

#: Bytes per float32.
FLOAT = 4
#: Copies of each generator weight a fit holds: weights, gradients, Adam's two moments,
#: the moving average; the discriminator has no average.
GENERATOR_COPIES = 5
DISCRIMINATOR_COPIES = 4
#: Tensors as large as one block of generated rows alive at once while sampling (the raw
#: output, the logits with their bias, the Gumbel noise).
SAMPLING_COPIES = 3


def available_memory():
    """Bytes this process may still take (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_estimator_memory(estimator, n_rows, condition_dim):
    """Refuse, with the columns to blame, a fit of ``estimator`` (fully connected
    networks, its adapter fitted) that the machine's memory cannot hold."""
    adapter = estimator.adapter_
    if adapter.network_family != "mlp":
        return
    needs = fit_memory_needs(
        adapter, n_rows, latent_dim=estimator.latent_dim, condition_dim=condition_dim,
        generator_dims=estimator.generator_dims,
        discriminator_dims=estimator.discriminator_dims, pac=estimator._pac(),
        sample_rows=SAMPLE_BLOCK_ROWS,
        candidates=adapter.n_candidates(SAMPLE_BLOCK_ROWS) / SAMPLE_BLOCK_ROWS)
    check_fit_memory(needs, adapter, available_memory())


def _dense_layers(n_inputs, hidden_dims, n_outputs):
    widths = [n_inputs, *hidden_dims, n_outputs]
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def fit_memory_needs(adapter, n_rows, *, latent_dim, condition_dim, generator_dims,
                     discriminator_dims, pac, sample_rows, candidates):
    """Bytes a fit of fully connected networks needs, by what holds them.

    Returns a dict with ``encoded`` (the training rows), ``networks`` (weights and
    optimiser states) and ``sampling`` (one block of ``sample_rows`` rows, times
    ``candidates`` generated rows per kept one).
    """
    width = math.prod(adapter.encoded_shape_)
    layout = getattr(adapter, "head_layout_", None)
    if getattr(adapter, "decodes_codes", False) and layout is not None:
        n_scalars, n_blocks = layout[0] + layout[1], len(layout[2])
        encoded = n_rows * (FLOAT * n_scalars + 2 * n_blocks)
    else:
        encoded = n_rows * width * FLOAT
    generator = _dense_layers(latent_dim + condition_dim, generator_dims, width)
    discriminator = _dense_layers(pac * (width + condition_dim), discriminator_dims, 1)
    networks = FLOAT * (GENERATOR_COPIES * generator + DISCRIMINATOR_COPIES * discriminator)
    sampling = SAMPLING_COPIES * FLOAT * sample_rows * candidates * width
    return {"encoded": encoded, "networks": networks, "sampling": sampling}


def column_costs(adapter):
    """``(units, column name, what it holds)`` of each column, costliest first."""
    encoders = getattr(adapter, "column_encoders_", None)
    if encoders is None:
        return []
    costs = []
    for encoder in encoders:
        units = encoder.n_scalars + sum(encoder.block_widths)
        coder = getattr(encoder, "coder_", None)
        if coder is not None:
            n_levels = len(coder.levels_) + len(getattr(coder, "rare_levels_", ()))
            held = f"{n_levels:,} distinct values"
        else:
            held = "numbers"
        costs.append((units, encoder.name, held))
    return sorted(costs, key=lambda cost: -cost[0])


def check_fit_memory(needs, adapter, available, n_named=3):
    """Raise ``MemoryError`` when the estimated ``needs`` exceed ``available`` bytes."""
    if available is None:
        return
    training = needs["encoded"] + needs["networks"]
    total = max(training, needs["networks"] + needs["sampling"])
    if total <= available:
        return
    named = ", ".join(f"{name!r} ({units:,} units: {held})"
                      for units, name, held in column_costs(adapter)[:n_named])
    costly = f" The columns that cost the most: {named}." if named else ""
    max_categories = getattr(adapter, "max_categories", None)
    fewer_levels = ("" if max_categories is None else
                    f", lower TabularAdapter(max_categories=...) (now {max_categories:,})")
    raise MemoryError(
        f"This table needs about {_size(total)} to train and sample "
        f"({_size(needs['encoded'])} of encoded rows, {_size(needs['networks'])} of networks "
        f"and optimiser states, {_size(needs['sampling'])} to generate a block of rows), "
        f"more than the {_size(available)} available: its encoding "
        f"is {math.prod(adapter.encoded_shape_):,} units wide.{costly} Drop free-text and "
        f"identifier columns before fitting{fewer_levels}, or use smaller generator_dims "
        "and discriminator_dims.")


def _size(n_bytes):
    return f"{n_bytes / 1e9:.1f} GB" if n_bytes >= 1e9 else f"{n_bytes / 1e6:.0f} MB"
