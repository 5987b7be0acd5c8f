"""Sampling for fitted GANs: chunked generation, conditions on table columns."""

import numbers
from typing import NamedTuple

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..adapters.base import concatenate_rows
from ..networks.mlp import OneHotRows
from ..networks.pass_buffers import PassBuffers
from .decoding_threads import decodes_in_threads, generated_groups, parts_in_threads
from .sample_chunks import (SAMPLE_BLOCK_ROWS, _check_n_samples, _first_rows, block_bounds,
                            check_chunk_size, rechunk)
from .threads import recheck_threads, threads_during_sampling
from .torch_utils import draw_seed, make_generator

#: Rows of one pass through the generator within such a block, for generators whose
#: head draws levels by inverse CDF (every model fitted now): a pass's activations stay
#: in the CPU's caches (on a 1,216-unit table generator, 4,096-row passes ran 30 %
#: faster than 16,384-row ones). Models fitted before draw as they did, one pass a block.
FORWARD_ROWS = 4096
#: Rows of a block here (``SAMPLE_BLOCK_ROWS``; tests make it smaller).
_SAMPLE_CHUNK = SAMPLE_BLOCK_ROWS


#: What an error of rows that no round could keep says next.
UNKEPT_RULES = ("Every training row keeps the rules, so the generated values cannot meet "
                "them together as the rules write them back: check rules that write the "
                "same columns or each other's (a rule of your own included), or train "
                "longer.")


class SamplingPlan(NamedTuple):
    """What a call of ``sample`` asks besides the count: the generator's asked level and
    the row test of ``conditions`` (None without them), and the latent ``truncation``;
    and the call's :class:`~skgan.networks.pass_buffers.PassBuffers`, which its forward
    passes write into."""

    asked_slot: object = None
    matches: object = None
    conditions: object = None
    truncation: object = None
    buffers: object = None


class SamplingMixin:
    """``sample`` and the generation helpers of :class:`skgan.base.BaseGAN`.

    Relies on the fitted ``adapter_``, ``conditioner_``, ``device_``, ``_rng``,
    ``_draw_latent`` and ``_sampling_generator`` of the estimator.
    """

    #: Whether the generator gets sampling's condition vectors as the unit each row sets
    #: (``skgan.networks.mlp.OneHotRows``: every fit afresh sets it) or as dense rows.
    #: The two differ in the last bits of a float, so models fitted (and files written)
    #: by earlier versions keep the dense rows and sample as they always did.
    _conditions_as_units = False

    def sample(self, n_samples=1, random_state=None, conditions=None, truncation=None):
        """Generate new samples of the kind ``fit`` saw.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (0 gives an empty result of the right shape).
        random_state : int, RandomState instance or None, default=None
            None continues the estimator's own random stream (so successive calls give
            new samples, reproducibly after a fit with an integer ``random_state``); an
            integer gives the same samples every call.
        conditions : dict or None, default=None
            Tabular data only: column → value that every sampled row must hold, for
            discrete columns (categories, booleans, numbers with few values, integer
            codes, columns named in the adapter's ``discrete_columns``). The
            generator is asked for the first condition's level (training-by-sampling
            taught it to obey) and rows that miss a condition are drawn again. A column
            or value never seen in training raises ``ValueError``.
        truncation : float or None, default=None
            The truncation trick (Brock et al., 2019): latent values beyond
            ``truncation`` in size are drawn again, so codes come from a standard
            normal truncated to ``[-truncation, truncation]``. Smaller values trade
            diversity for fidelity (samples nearer the modes the generator learned
            best); None (or ``inf``) draws from the full normal the generator was
            trained on.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features) or DataFrame
            An ndarray when ``fit`` saw an array (of its dtype), a DataFrame with the
            same columns and dtypes when it saw a DataFrame.

        See Also
        --------
        sample_chunks : The same rows as an iterator of chunks, in bounded memory.
        """
        n_samples, generator, plan = self._start_sampling(n_samples, random_state, conditions,
                                                          truncation)
        if n_samples == 0:
            return self._sample_block(0, generator, plan)
        if plan.matches is not None:
            return concatenate_rows(list(self._sample_blocks(n_samples, generator, plan)))
        # Every block's kept rows first, then their values at once (see the adapter's
        # ``join_sampled``): the same rows as the blocks sampled one by one.
        return self.adapter_.join_sampled(
            [part for parts in self._blocks_parts(n_samples, generator, plan) for part in parts])

    def sample_chunks(self, n_samples, chunk_size=65536, random_state=None, conditions=None,
                      truncation=None):
        """Generate ``n_samples`` samples as an iterator of chunks, in bounded memory.

        For more rows than fit in memory at once: write each chunk out (``skgan sample``
        does, to CSV or Parquet) and drop it. Memory holds about one chunk (plus the
        rows generated for a block of 16,384 sampled rows, several candidates a row with
        pair calibration; for a table and a ``random_state`` given, up to four such
        blocks, at most about 512 MiB of them, whose rows are decoded in threads),
        however many rows are asked for.

        Parameters
        ----------
        n_samples : int
            Number of samples in all the chunks together.
        chunk_size : int, default=65536
            Rows per chunk; the last chunk holds the rest.
        random_state : int, RandomState instance or None, default=None
            As for :meth:`sample`. The chunks, concatenated, are the rows that
            ``sample(n_samples, random_state=..., conditions=...)`` gives for the same
            ``random_state`` (and, with None, for the same state of the estimator's
            stream), whatever the ``chunk_size``.
        conditions : dict or None, default=None
            As for :meth:`sample`.
        truncation : float or None, default=None
            As for :meth:`sample`.

        Yields
        ------
        X : ndarray of shape (n_rows, n_features) or DataFrame
            Chunks of ``chunk_size`` rows, of the kind :meth:`sample` returns (a
            DataFrame's index runs from 0 in every chunk); for ``n_samples=0``, one
            empty chunk, as ``sample(0)`` gives.

        Examples
        --------
        >>> import numpy as np
        >>> from skgan import GANSampler
        >>> X = np.random.default_rng(0).normal(size=(200, 2))
        >>> model = GANSampler(epochs=2, random_state=0).fit(X)
        >>> [len(chunk) for chunk in model.sample_chunks(25_000, chunk_size=10_000)]
        [10000, 10000, 5000]
        """
        n_samples, generator, plan = self._start_sampling(n_samples, random_state, conditions,
                                                          truncation)
        chunk_size = check_chunk_size(chunk_size)
        if n_samples == 0:  # one empty chunk: the columns and dtypes, as sample(0) gives
            return iter([self._sample_block(0, generator, plan)])
        return rechunk(self._sample_blocks(n_samples, generator, plan), chunk_size)

    def _start_sampling(self, n_samples, random_state, conditions, truncation=None):
        """Checked arguments of ``sample``: the count, the generator, the plan."""
        check_is_fitted(self)
        self._check_same_adapter()
        n_samples = _check_n_samples(n_samples)
        truncation = check_truncation(truncation)
        generator = self._rng if random_state is None else self._seeded_generator(random_state)
        if conditions is None:
            return n_samples, generator, SamplingPlan(truncation=truncation,
                                                      buffers=PassBuffers())
        asked_slot, matches = self._condition_plan(conditions)
        return n_samples, generator, SamplingPlan(asked_slot, matches, conditions, truncation,
                                                  PassBuffers())

    def _sample_blocks(self, n_samples, generator, plan):
        """Samples, ``_SAMPLE_CHUNK`` rows at a time (each block decoded on its own)."""
        if plan.matches is not None:
            for start, stop in block_bounds(n_samples, _SAMPLE_CHUNK):
                yield self._sample_matching(stop - start, generator, plan)
            return
        # Chunks drawn from the estimator's own stream draw no block ahead of the
        # chunk taken: a consumer that stops, or samples between two chunks, finds the
        # stream where one block at a time leaves it.
        for parts in self._blocks_parts(n_samples, generator, plan,
                                        ahead=generator is not self._rng):
            yield self.adapter_.join_sampled(parts)

    def _blocks_parts(self, n_samples, generator, plan, ahead=True):
        """Each ``_SAMPLE_CHUNK``-row block's parts (:meth:`_block_parts`), in order;
        where the adapter allows (and ``ahead``: blocks may be generated before the
        previous ones are taken), the blocks after the first generated a few at a time
        and their rows chosen and decoded in threads (the same draws, the same samples:
        see :mod:`skgan._engine.decoding_threads`)."""
        sizes = [stop - start for start, stop in block_bounds(n_samples, _SAMPLE_CHUNK)]
        if not (ahead and decodes_in_threads(self.adapter_, len(sizes))):
            for size in sizes:
                yield self._block_parts(size, generator, plan)
            return
        yield self._block_parts(sizes[0], generator, plan)
        yield from parts_in_threads(self.adapter_, generated_groups(
            self, sizes[1:], lambda size: self._generated_block(size, generator, plan)))

    def _generated_block(self, n_samples, generator, plan):
        """A block's generated candidates (``adapter_.n_candidates(n_samples)``), its
        rows to keep and its decoding seed, drawn in that order."""
        encoded = self._generate_encoded(self.adapter_.n_candidates(n_samples), generator,
                                         output="codes", truncation=plan.truncation,
                                         buffers=plan.buffers)
        return encoded, n_samples, self._decode_seed(generator)

    def _sample_block(self, n_samples, generator, plan):
        if plan.matches is not None:
            return self._sample_matching(n_samples, generator, plan)
        return self.adapter_.join_sampled(self._block_parts(n_samples, generator, plan))

    def _block_parts(self, n_samples, generator, plan):
        """A block's rows as the adapter's ``sampled_rows`` parts (see
        :meth:`_sample_chosen`: an adapter that chooses may need several rounds)."""
        if self.adapter_.n_candidates(n_samples) == n_samples:
            encoded, _, seed = self._generated_block(n_samples, generator, plan)
            parts = [self.adapter_.sampled_rows(encoded, n_samples, random_state=seed)]
            short = n_samples - len(parts[0])  # rows a constraint's check let go
            if short > 0:
                parts += self._sample_chosen(short, generator, plan)
            return parts
        return self._sample_chosen(n_samples, generator, plan)

    def _sample_chosen(self, n_samples, generator, plan):
        """Parts of samples from an adapter that chooses among more generated rows than
        it keeps (pair calibration, constraints), a chunk at a time so memory stays
        bounded.

        An adapter may keep fewer rows than asked (rows that no constraint could keep);
        the rest are generated again, at most ``max_condition_rounds`` times.
        """
        parts, n_kept, stalled = [], 0, 0
        if n_samples == 0:
            encoded = self._generate_encoded(0, generator)
            return [self.adapter_.sampled_rows(encoded, 0, random_state=0)]
        while n_kept < n_samples:
            if stalled == self.max_condition_rounds:
                report = getattr(self.adapter_, "rejection_report", lambda *_: None)(
                    encoded, 0)
                raise ValueError(
                    f"Only {n_kept} of {n_samples} rows generated keep the adapter's "
                    f"constraints after {stalled} rounds that kept none"
                    + (f" (the last round: {report})" if report else "") + ". "
                    + UNKEPT_RULES)
            size = min(_SAMPLE_CHUNK, n_samples - n_kept)
            encoded, _, seed = self._generated_block(size, generator, plan)
            part = self.adapter_.sampled_rows(encoded, size, random_state=seed)
            parts.append(part)
            n_kept += len(part)
            stalled += 0 if len(part) else 1
        return parts

    #: Rounds of generation ``sample(conditions=...)`` tries before giving up.
    max_condition_rounds = 100

    def _condition_plan(self, conditions):
        """The adapter's plan for ``conditions``: (slot asked of the generator, row test)."""
        plan = getattr(self.adapter_, "condition_plan", None)
        if plan is None:
            raise ValueError(
                f"conditions need the tabular adapter; this model was fitted with "
                f"{type(self.adapter_).__name__}."
            )
        slot, matches = plan(conditions)
        return (None if self.conditioner_ is None else slot), matches

    def _sample_matching(self, n_samples, generator, plan):
        slot, matches, conditions, truncation, buffers = plan
        kept, n_kept = [], 0
        for _ in range(self.max_condition_rounds):
            size = max(2 * (n_samples - n_kept), 256)
            encoded = self._generate_encoded(size, generator, asked_slot=slot, output="codes",
                                             truncation=truncation, buffers=buffers)
            decoded = self.adapter_.decode(encoded, random_state=self._decode_seed(generator))
            keep = matches(decoded)
            kept.append(decoded[keep])
            n_kept += int(keep.sum())
            if n_kept >= n_samples:
                break
        else:
            left_out = getattr(self.adapter_, "columns_left_out_of_conditions",
                               lambda _: [])(conditions)
            hint = ("train longer, or ask for fewer rows" if not left_out else
                    "the generator is not asked for the level of "
                    f"{', '.join(map(repr, left_out))}: the column has more one-hot units than max_condition_levels="
                    f"{self.adapter_.max_condition_levels}, or the level is held by fewer "
                    "training rows than min_frequency and shares one unit with the other "
                    "rare levels; ask for fewer rows, or fit with "
                    "TabularAdapter(max_condition_levels=None) or "
                    "TabularAdapter(min_frequency=None)")
            raise ValueError(
                f"Only {n_kept} of {n_samples} rows generated in {self.max_condition_rounds}"
                f" rounds meet the conditions {conditions}; the model rarely produces "
                f"such rows ({hint})."
            )
        return _first_rows(concatenate_rows(kept), n_samples)

    def _decode_seed(self, generator):
        """A seed for the adapter's random choices, drawn from ``generator``."""
        return int(torch.randint(2**31 - 1, (1,), generator=generator, device=generator.device))

    def _seeded_generator(self, random_state):
        return make_generator(draw_seed(random_state), self.device_)

    def _generate_encoded(self, n_samples, generator, condition=None, asked_slot=None,
                          output="encoded", truncation=None, buffers=None):
        """Encoded samples as a float32 ndarray, drawn in chunks with no autograd.

        With ``output="raw"``, the generator's last layer before its head (rows of the
        head's input width) instead. With ``output="codes"``, for an adapter that
        decodes :class:`~skgan.adapters._encoded_rows.EncodedRows` and a generator with
        a head that draws codes (tables), the same samples as such rows: scalar units
        and one drawn level per block, never the dense one-hot blocks; other adapters
        get the dense array.

        ``condition`` (one row per sample, on the device) goes to the generator with
        the noise, for conditional models. A model trained by sampling also gets a
        condition vector: the one asking for unit ``asked_slot``, or, when that is None,
        one drawn as the training data's levels are distributed. ``truncation``: as
        for :meth:`sample`. ``buffers``: the sampling call's
        :class:`~skgan.networks.pass_buffers.PassBuffers` (this call's own when None),
        which the latent rows and, for ``output="codes"``, the generator's layers are
        written into, pass after pass.
        """
        chunks = []
        network = self._sampling_generator()
        network.eval()
        head = getattr(network, "head", None)
        if output == "codes" and not (getattr(self.adapter_, "decodes_codes", False)
                                      and hasattr(head, "sample_codes")):
            output = "encoded"
        pass_rows = forward_rows(network)
        buffers = PassBuffers() if buffers is None else buffers
        layer_buffers = buffers if output == "codes" else None  # other outputs are kept
        with threads_during_sampling(self.device_, n_samples), torch.inference_mode(), \
                self._autocast():
            for start in range(0, n_samples, _SAMPLE_CHUNK):
                if start:
                    recheck_threads()
                size = min(_SAMPLE_CHUNK, n_samples - start)
                chunk_condition = None if condition is None else condition[start:start + size]
                block_latent = self._draw_latent(size, generator, truncation, buffers)
                block_condition = self._with_asked_levels(
                    chunk_condition, size, generator, asked_slot
                )
                for first in range(0, size, pass_rows):
                    latent = block_latent[first:first + pass_rows]
                    chunk_condition = _rows_of(block_condition, first, first + pass_rows)
                    if output == "raw":
                        fake = network.raw_output(latent, chunk_condition)
                    elif output == "codes":
                        raw = network.raw_output(latent, chunk_condition, layer_buffers)
                        scalars, codes = head.sample_codes(raw, generator)
                        if layer_buffers is not None and _shares_memory(scalars, raw):
                            scalars = scalars.clone()  # the next pass writes over raw
                        chunks.append((scalars.float().cpu(), codes.cpu()))
                        continue
                    else:
                        fake = network(latent, chunk_condition, generator)
                    chunks.append(fake.float().cpu())
        if output == "raw":
            return torch.cat(chunks).numpy()
        if output == "codes":
            return self.adapter_.generated_rows(
                torch.cat([scalars for scalars, _ in chunks]) if chunks else None,
                torch.cat([codes for _, codes in chunks]) if chunks else None)
        if not chunks:
            return np.empty((0, *self.adapter_.encoded_shape_), dtype=np.float32)
        return torch.cat(chunks).numpy().reshape(n_samples, *self.adapter_.encoded_shape_)

    def _with_asked_levels(self, condition, n_rows, generator, asked_slot):
        if self.conditioner_ is None:
            return condition
        if asked_slot is None:
            asked = self.conditioner_.sample(n_rows, generator, self.device_)
        else:
            asked = self.conditioner_.fixed(n_rows, asked_slot, self.device_)
        if condition is not None or not self._conditions_as_units:
            asked = asked.dense()
        return asked if condition is None else torch.cat([condition, asked], dim=1)


def forward_rows(network):
    """Rows of one sampling pass through ``network`` (see ``FORWARD_ROWS``)."""
    head = getattr(network, "head", None)
    if getattr(head, "level_draw", None) == "inverse_cdf":
        return FORWARD_ROWS
    return _SAMPLE_CHUNK


def _shares_memory(tensor, other):
    """Whether ``tensor`` lies in ``other``'s memory (a view of it)."""
    return tensor.untyped_storage().data_ptr() == other.untyped_storage().data_ptr()


def _rows_of(condition, start, stop):
    """Rows ``start:stop`` of condition rows (a tensor, ``OneHotRows`` or None)."""
    if condition is None or (start == 0 and stop >= len(condition)):
        return condition
    if isinstance(condition, OneHotRows):
        return OneHotRows(condition.units[start:stop], condition.width)
    return condition[start:stop]


def check_truncation(truncation):
    """``truncation`` of ``sample`` as a positive float, or None, or a clear error."""
    if truncation is None:
        return None
    if isinstance(truncation, bool) or not isinstance(truncation, numbers.Real):
        raise TypeError(f"truncation must be a number or None, got {type(truncation).__name__}.")
    if truncation == np.inf:  # no threshold: the full normal, as None
        return None
    if not (np.isfinite(truncation) and truncation > 0):
        raise ValueError(f"truncation must be a positive number, got {truncation}.")
    return float(truncation)


def truncated_normal(n_rows, n_columns, truncation, generator):
    """Standard normal values truncated to ``[-truncation, truncation]``, drawn from
    ``generator`` by the inverse of the normal CDF (what drawing again the values beyond
    the threshold gives, in one draw whatever the threshold)."""
    low = float(torch.special.ndtr(torch.tensor(-truncation, dtype=torch.float64)))
    uniform = torch.rand(n_rows, n_columns, generator=generator, dtype=torch.float64,
                         device=generator.device)
    values = torch.special.ndtri(low + uniform * (1.0 - 2.0 * low))
    return values.clamp_(-truncation, truncation).float()
