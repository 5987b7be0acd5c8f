"""Data-parallel training over ``torch.distributed``: one process per device.

The route of StyleGAN3's training loop, not the DDP wrapper (which breaks with
``autograd.grad`` penalties and with two forwards of one network before a backward):
every process builds the same networks (rank 0's weights are broadcast), draws its share
of every batch, and after each backward the gradients of the network being stepped are
summed across processes in one flat all-reduce and divided by their number, so every
optimiser takes the same step and the weights stay identical.

Two kinds of data are told apart by a fingerprint of each process's rows:

- *replicated* (the same table on every rank): every rank draws the whole batch from the
  shared random stream (identical on all ranks) and keeps its slice of the rows and of
  the latent noise, so N processes with ``batch_size=B`` make the steps one process with
  ``batch_size=B`` makes, up to floating-point summation order;
- *shards* (each rank its own rows): each rank draws its ``B / N`` rows from its own
  rows with its own random stream; an epoch is the same number of steps on every rank
  (all rows divided by ``B``), and the adapter is fitted on a sample of every rank's rows
  (with one row of each level of its discrete columns) so that all ranks encode alike.

Faults: a failure before training (bad data, a width that differs between ranks) is
shared through a gather, so every rank raises; a failure inside a step makes the failing
rank leave the process group, so the collectives of the others fail at once instead of
waiting; Ctrl-C sets a flag that travels with the next gradient all-reduce, so every rank
stops after the same step.
"""

import hashlib
import os
import signal
import threading
from contextlib import contextmanager

import numpy as np
import pandas as pd
import torch
import torch.distributed as dist

from .torch_utils import flag_is, make_generator

#: Rows of its own that each process contributes to the adapter's fit, in shard mode.
ADAPTER_ROWS = 50_000
#: Columns with at most this many distinct values send one row of each to the adapter.
LEVEL_ROWS_MAX = 10_000


def wants_data_parallel(setting):
    """Whether ``distributed=setting`` trains data-parallel in this process."""
    initialised = dist.is_available() and dist.is_initialized()
    launched = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if flag_is(setting, False):
        return False
    if flag_is(setting, True) and not (initialised or launched):
        raise ValueError(
            "distributed=True needs several processes: start the script with torchrun "
            "(torchrun --nproc-per-node=2 script.py), or call "
            "torch.distributed.init_process_group first.")
    if initialised:
        return dist.get_world_size() > 1
    return launched


def start_data_parallel(setting, device):
    """A :class:`DataParallel` for this process, or None to train alone.

    Initialises the default process group from the environment torchrun sets (``env://``)
    when none exists: NCCL when the fit runs on CUDA, gloo otherwise.
    """
    if not wants_data_parallel(setting):
        return None
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    if dist.get_world_size() == 1:
        return None
    return DataParallel(device)


def rank_device(device_setting, resolved):
    """Each rank's own GPU, ``cuda:LOCAL_RANK``, when ``device="auto"`` finds CUDA."""
    if device_setting != "auto" or resolved.type != "cuda":
        return resolved
    index = int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count()
    torch.cuda.set_device(index)
    return torch.device("cuda", index)


class DataParallel:
    """What one process of a data-parallel fit does that a lone process does not.

    Parameters
    ----------
    device : torch.device
        The device this rank trains on (collectives run there for NCCL).
    """

    def __init__(self, device):
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        self.device = device
        self.replicated = True
        self.interrupted = False
        self._collective_device = device if dist.get_backend() == "nccl" else torch.device("cpu")

    # ------------------------------------------------------------------ agreement
    def gather(self, value):
        """Every rank's ``value`` (picklable), in rank order."""
        values = [None] * self.world_size
        with self._peers_failing():
            dist.all_gather_object(values, value)
        return values

    def from_rank0(self, value):
        """Rank 0's ``value`` (a picklable decision or object) on every rank."""
        box = [value]
        with self._peers_failing():
            dist.broadcast_object_list(box, src=0)
        return box[0]

    def run_agreed(self, what, action):
        """``action()`` on every rank; if it raises on any, every rank raises.

        The failing rank raises its own error; the others a ``RuntimeError`` naming the
        rank and its error, so no rank waits for a partner that is gone.
        """
        try:
            result, error = action(), None
        except Exception as caught:  # noqa: BLE001 - shared with the other ranks, re-raised
            result, error = None, caught
        failures = self.gather(None if error is None else f"{type(error).__name__}: {error}")
        if error is not None:
            raise error
        for rank, failure in enumerate(failures):
            if failure is not None:
                raise RuntimeError(
                    f"Rank {rank} of {self.world_size} failed while {what} ({failure}); "
                    "every process of the distributed fit stops.")
        return result

    def check_same(self, what, value):
        """Raise ``ValueError`` on every rank unless all ranks hold the same ``value``."""
        values = self.gather(value)
        if any(other != values[0] for other in values[1:]):
            listed = "; ".join(f"rank {rank}: {other}" for rank, other in enumerate(values))
            raise ValueError(f"The processes of the distributed fit disagree on {what} "
                             f"({listed}); every rank must pass data of the same columns.")

    def check_same_dtypes(self, X):
        """Raise ``ValueError`` on every rank unless all ranks' DataFrames give each
        column the same dtype (categorical columns may differ in their categories:
        they are joined); the message names the columns that differ and each rank's."""
        own = None
        if isinstance(X, pd.DataFrame):
            own = ["category" if isinstance(dtype, pd.CategoricalDtype) else str(dtype)
                   for dtype in X.dtypes]
        every = self.gather(own)
        if any(other is None for other in every):
            return
        differing = [position for position in range(len(every[0]))
                     if len({tuple(dtypes)[position] for dtypes in every}) > 1]
        if differing:
            names = list(X.columns)
            listed = "; ".join(
                f"{names[position]!r}: " + ", ".join(
                    f"rank {rank} {dtypes[position]}" for rank, dtypes in enumerate(every))
                for position in differing[:5])
            raise ValueError(
                f"The processes of the distributed fit pass columns of different dtypes "
                f"({listed}{'; ...' if len(differing) > 5 else ''}); every rank must pass "
                "each column with the same dtype.")

    # ------------------------------------------------------------------ data
    def inspect_rows(self, X, y=None):
        """Tell replicated data from shards by a fingerprint of every rank's rows."""
        try:
            own = _fingerprint(X, y)
        except Exception:  # noqa: BLE001 - data checks come later, agreed by all ranks
            own = None
        prints = self.gather(own)
        self.replicated = own is not None and all(other == own for other in prints)

    def training_rows(self, n_local):
        """Rows one epoch goes through: the table's, or all shards' together."""
        return n_local if self.replicated else sum(self.gather(int(n_local)))

    def local_batch_size(self, batch_size, pac):
        """Rows each rank takes of a global batch (a multiple of ``pac``, at least one)."""
        return max(pac, (batch_size // self.world_size // pac) * pac)

    def check_rows_for_a_batch(self, n_rows, batch_size):
        """Every rank raises unless each holds at least its share of a batch."""
        def check():
            if n_rows < batch_size:
                raise ValueError(
                    f"This process has {n_rows} training rows, fewer than its share of a "
                    f"batch ({batch_size}); give every process more rows or use a smaller "
                    "batch_size.")

        self.run_agreed("checking the rows of each process", check)

    def fit_adapter(self, adapter, X):
        """The adapter fitted by rank 0 (on its rows, or on rows from every shard)."""
        rows = X if self.replicated else self.gather(_adapter_rows(X, self.world_size))

        def fit_on_rank0():
            if self.rank != 0:
                return None
            return adapter.fit(rows if self.replicated else _concatenate(rows))

        fitted = self.run_agreed("fitting the adapter", fit_on_rank0)
        return self.from_rank0(fitted)

    def merge_counts(self, values, counts):
        """Distinct ``values`` and their counts over every shard (sorted values)."""
        if self.replicated:
            return values, counts
        totals = {}
        for rank_values, rank_counts in self.gather((list(values), list(counts))):
            for value, count in zip(rank_values, rank_counts):
                totals[value] = totals.get(value, 0) + int(count)
        merged = np.array(sorted(totals), dtype=np.asarray(values).dtype)
        return merged, np.array([totals[value] for value in merged.tolist()])

    def epoch_batches(self, make_epoch, n_steps):
        """This rank's batches of one epoch.

        Replicated: the slice of each global batch that belongs to this rank. Shards:
        ``n_steps`` local batches (local epochs chained as needed), the same count on
        every rank.
        """
        if self.replicated:
            for batch in make_epoch():
                size = batch[0].shape[0] // self.world_size
                part = slice(self.rank * size, (self.rank + 1) * size)
                yield tuple(tensor[part] for tensor in batch)
            return
        made = 0
        while made < n_steps:
            before = made
            for batch in make_epoch():
                yield batch
                made += 1
                if made == n_steps:
                    return
            if made == before:
                raise RuntimeError(f"Rank {self.rank} has too few rows for one batch.")

    def local_generator(self, shared, epochs_done, device):
        """This rank's own random stream for a fit: seeded from the shared stream's seed,
        the epochs trained before (each continued fit gets new draws) and the rank."""
        seed = (shared.initial_seed() + 1_000_003 * (epochs_done + 1)
                + 104_729 * (self.rank + 1)) % (2**63 - 1)
        return make_generator(seed, device)

    def latent_part(self, latent):
        """This rank's rows of latent noise drawn for the whole batch (replicated data)."""
        size = latent.shape[0] // self.world_size
        return latent[self.rank * size:(self.rank + 1) * size]

    # ------------------------------------------------------------------ training
    def average_gradients(self, parameters):
        """Average the gradients of ``parameters`` across ranks, in one all-reduce.

        The buffer carries one more value: how many ranks were interrupted (Ctrl-C).
        When any was, every rank raises ``KeyboardInterrupt`` after the same step.
        """
        grads = [parameter.grad for parameter in parameters if parameter.grad is not None]
        flag = torch.tensor([float(self.interrupted)], device=grads[0].device if grads
                            else self.device)
        flat = torch.cat([grad.reshape(-1) for grad in grads] + [flag.to(torch.float32)])
        flat = self._all_reduce(flat)
        if grads:
            flat[:-1].div_(self.world_size)
            offset = 0
            for grad in grads:
                grad.copy_(flat[offset:offset + grad.numel()].view_as(grad))
                offset += grad.numel()
        if flat[-1].item() > 0:
            raise KeyboardInterrupt

    def average_scalars(self, values):
        """The mean over ranks of each named float (every rank holds the same names)."""
        names = sorted(values)
        if not names:
            return values
        total = self._all_reduce(torch.tensor([values[name] for name in names],
                                              dtype=torch.float64))
        return dict(zip(names, (total / self.world_size).tolist()))

    def broadcast_modules(self, modules):
        """Give every rank rank 0's parameters and buffers of ``modules``."""
        for module in modules:
            tensors = [tensor for tensor in (*module.parameters(), *module.buffers())]
            if not tensors:
                continue
            flat = torch.cat([tensor.detach().reshape(-1).to(torch.float64) for tensor in tensors])
            flat = flat.to(self._collective_device)
            with self._peers_failing():
                dist.broadcast(flat, src=0)
            offset = 0
            with torch.no_grad():
                for tensor in tensors:
                    tensor.copy_(flat[offset:offset + tensor.numel()].view_as(tensor))
                    offset += tensor.numel()

    @contextmanager
    def interrupt_flag(self):
        """Turn Ctrl-C into a flag the next gradient all-reduce shares (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self.interrupted = False

        def note_interrupt(signum, frame):
            self.interrupted = True

        previous = signal.signal(signal.SIGINT, note_interrupt)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
            self.interrupted = False

    def leave(self):
        """After a failure inside a step: leave the group, so no other rank waits on us."""
        if dist.is_initialized():
            dist.destroy_process_group()

    def _all_reduce(self, tensor):
        moved = tensor.to(self._collective_device)
        with self._peers_failing():
            dist.all_reduce(moved)
        return moved.to(tensor.device)

    @contextmanager
    def _peers_failing(self):
        """A collective that fails because another rank left says so."""
        try:
            yield
        except (RuntimeError, dist.DistBackendError) as error:
            raise RuntimeError(
                f"Rank {self.rank}: another process of the distributed fit failed or "
                f"left ({str(error).splitlines()[0] if str(error) else type(error).__name__});"
                " see its error. Every process stops.") from error


def _fingerprint(X, y):
    """Row count and a hash of the rows (and labels) of ``X``."""
    digest = hashlib.blake2b(digest_size=16)
    for data in (X, y):
        if data is None:
            continue
        if isinstance(data, (pd.DataFrame, pd.Series)):
            hashed = pd.util.hash_pandas_object(data, index=False).to_numpy()
            digest.update(hashed.tobytes())
            names = data.columns if isinstance(data, pd.DataFrame) else [data.name]
            digest.update(repr(list(names)).encode())
        else:
            array = np.ascontiguousarray(np.asarray(data))
            if array.dtype == object:
                digest.update(repr(array.tolist()).encode())
            else:
                digest.update(array.tobytes())
            digest.update(repr((array.shape, array.dtype.str)).encode())
    return len(X), digest.hexdigest()


def _adapter_rows(X, world_size):
    """Rows of ``X`` this rank sends for the adapter's fit: a uniform sample, plus one row
    of each distinct value of every column with at most ``LEVEL_ROWS_MAX`` of them."""
    n_rows = len(X)
    rng = np.random.RandomState(0)
    budget = max(1, ADAPTER_ROWS // world_size)
    chosen = set(rng.choice(n_rows, min(budget, n_rows), replace=False).tolist())
    if isinstance(X, pd.DataFrame):
        for name in X.columns:
            column = X[name]
            if column.nunique(dropna=False) <= LEVEL_ROWS_MAX:
                firsts = ~column.duplicated()
                chosen.update(np.flatnonzero(firsts.to_numpy()).tolist())
    rows = np.sort(np.fromiter(chosen, dtype=np.int64))
    return X.iloc[rows] if isinstance(X, pd.DataFrame) else np.asarray(X)[rows]


def _concatenate(parts):
    """The rows of every rank together; categorical columns keep a union of categories."""
    if not isinstance(parts[0], pd.DataFrame):
        return np.concatenate(parts)
    parts = [part.copy() for part in parts]
    for name in parts[0].columns:
        dtypes = [part[name].dtype for part in parts]
        if all(isinstance(dtype, pd.CategoricalDtype) for dtype in dtypes):
            union = pd.api.types.union_categoricals([part[name] for part in parts]).categories
            for part in parts:
                part[name] = part[name].cat.set_categories(union)
    return pd.concat(parts, ignore_index=True)
