"""A sample's blocks chosen and decoded by the adapter in threads, several at once.

Generating a block of rows is the generator's forward passes, which run on torch's
threads; choosing the rows the adapter keeps and decoding them (pair calibration's
raking of several candidates a kept row, the links between columns) is numpy work on
one core, a third of ``sample`` on tables whose calibration generates eight candidates
a row. So a sample of several blocks generates them one after another and hands the
adapter's work on a few blocks to a thread each while no forward pass runs (numpy
leaves Python's lock while it works on arrays: two blocks of males' candidates took
0.22 s on two threads against 0.37 s one after the other). The draws are made in the
order one block at a time makes them, from the same seeds, so the samples are the same
to the last bit. As many blocks go together as
threads sampling chose for their forward passes (fewer on a busy machine, one under
``skgan.fit_threads(1)``; see :mod:`skgan._engine.threads`). The adapter says whether
its blocks may be decoded so (``_decodes_in_threads``: a table with constraints may
keep fewer rows of a block than asked, and those are made up before the next block is
drawn, so its blocks go one at a time). Chunks of the estimator's own stream
(``sample_chunks`` without a ``random_state``) draw no block ahead either.
"""

from concurrent.futures import ThreadPoolExecutor

from .threads import SAMPLING_ROWS_TO_CHOOSE, threads_during_sampling

#: The most blocks decoded at once (each holds its candidates while it waits), and the
#: fewest blocks a sample needs for threads: the first is decoded alone, so that what
#: the adapter finds once and keeps (its rules' lookups) is found before threads share
#: it, and two more make threads worth their start.
MAX_DECODING_THREADS = 4
MIN_BLOCKS = 3
#: Bytes the blocks of one group may hold at once, and the copies of a generated
#: candidate's values (8 bytes a scalar unit or drawn level) alive while a block is
#: decoded: the blocks of a wide table whose calibration generates many candidates a
#: row go one at a time, as they did (males' blocks: 131,072 candidates of 22 units,
#: about 90 MB each).
MAX_GROUP_BYTES = 512 * 2**20
DECODING_COPIES = 4


def decodes_in_threads(adapter, n_blocks):
    """Whether the adapter's work on a sample of ``n_blocks`` blocks goes to threads."""
    return n_blocks >= MIN_BLOCKS and getattr(adapter, "_decodes_in_threads", lambda: False)()


def blocks_at_once(n_threads, adapter, n_candidates):
    """Blocks generated together and then decoded at once: one a thread of
    ``n_threads``, at most :data:`MAX_DECODING_THREADS`, and no more than
    :data:`MAX_GROUP_BYTES` hold for blocks of ``n_candidates`` generated rows."""
    n_identity, n_tanh, widths = adapter.head_layout_
    block_bytes = DECODING_COPIES * 8 * n_candidates * (n_identity + n_tanh + len(widths))
    return max(1, min(n_threads, MAX_DECODING_THREADS, MAX_GROUP_BYTES // max(block_bytes, 1)))


def generated_groups(estimator, sizes, generated_block):
    """Blocks of ``sizes`` sampled rows generated in groups (lists of
    ``generated_block(size)``: ``(encoded, n_rows, seed)``), each of as many blocks as
    threads the machine leaves the estimator's forward passes (:func:`blocks_at_once`;
    the machine read once a group). A block of fewer candidates than sampling chooses
    threads for goes alone, on the thread count it gets one block at a time (the
    user's)."""
    adapter, done = estimator.adapter_, 0
    while done < len(sizes):
        n_candidates = adapter.n_candidates(sizes[done])
        with threads_during_sampling(estimator.device_, n_candidates) as n_threads:
            group = [generated_block(sizes[done])]
            for size in sizes[done + 1:done + blocks_at_once(n_threads, adapter, n_candidates)]:
                if adapter.n_candidates(size) < SAMPLING_ROWS_TO_CHOOSE:
                    break
                group.append(generated_block(size))
        done += len(group)
        yield group


def parts_in_threads(adapter, groups):
    """Each block's kept rows, ``[adapter.sampled_rows(...)]``, in order.

    Parameters
    ----------
    adapter : BaseAdapter
        The fitted adapter.
    groups : iterator of list of tuple
        Blocks generated together, ``(encoded, n_rows, seed)`` each, generated as a
        group is taken (in the calling thread); a group's blocks are decoded at once, a
        thread each (at most :data:`MAX_DECODING_THREADS`).

    Yields
    ------
    parts : list
        One block's :meth:`sampled_rows` part, in a list (a block's parts, as the
        estimator's ``_block_parts`` gives them).
    """
    def kept(block):
        encoded, n_rows, seed = block
        return adapter.sampled_rows(encoded, n_rows, random_state=seed)

    with ThreadPoolExecutor(MAX_DECODING_THREADS) as pool:
        for group in groups:
            yield from ([part] for part in pool.map(kept, group))
