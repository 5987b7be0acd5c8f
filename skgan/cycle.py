"""CycleGANTransformer: unpaired translation between two domains (Zhu et al., 2017)."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples

from ._engine.best_start import fit_best_start
from ._engine.core import AdversarialCore, refuse_file_path
from ._engine.cycle_steps import CycleStepsMixin
from ._engine.early_stopping import label_counts, too_few_to_score
from ._engine.torch_utils import make_generator
from ._engine.translation import TranslationMixin
from ._engine.domains import check_one_shape, domain_mask, domain_sizes
from .metrics import median_heuristic_gamma, mmd
from .objectives import ADVERSARIAL_LOSSES


class CycleGANTransformer(TranslationMixin, CycleStepsMixin, OneToOneFeatureMixin,
                          TransformerMixin, AdversarialCore):
    """Learn to translate samples of one domain into another from unpaired examples.

    Two translators, G: A → B and F: B → A, each face a discriminator that tells its
    outputs from real samples of the target domain, and a cycle-consistency loss makes
    ``F(G(a)) ≈ a`` and ``G(F(b)) ≈ b``, so that each sample keeps what identifies it
    through the translation (Zhu et al., 2017). No pairs are needed: the two domains may
    hold different samples, in different numbers.

    Tables and numeric arrays get fully connected translators with a linear path (an
    affine relation between the domains is learned at once); images and signals get
    ResNet-style convolutional translators and PatchGAN discriminators, sized from the
    sample shape.

    Parameters
    ----------
    loss : {"lsgan", "bce", "hinge"}, default="lsgan"
        Adversarial loss of both directions; least squares, as in the CycleGAN paper.
    cycle_weight : float, default=10.0
        Weight of the cycle-consistency loss ``|F(G(a)) - a| + |G(F(b)) - b|``.
    identity_weight : float, default=0.0
        Weight of the identity loss ``|G(b) - b| + |F(a) - a|``, which keeps samples that
        already look like the target domain unchanged (the paper uses half of
        ``cycle_weight`` for photo ↔ painting). 0 turns it off.
    pool_size : int, default=50
        Generated samples kept per domain and shown again to the discriminators (the
        history buffer of Shrivastava et al., 2017). 0 turns it off.
    pac : int, default=4
        Samples each discriminator judges together (PacGAN, Lin et al., 2018). Packing
        lets it see how much of a domain's mass each region gets, so a translation
        cannot send a common kind of sample to a rare kind's place; the batch size
        is rounded down to a multiple (and up to ``pac`` itself when smaller).
    n_init : int, default=1
        Random starts. With more than one, each start trains a tenth of the epochs,
        the starts are compared by :meth:`score` on the training samples, and
        training goes on from the best (as ``GaussianMixture(n_init=...)`` does). A
        start may settle early into a translation that meets the cycle loss but
        redraws each sample as another (a digit as another digit): 3 starts cost a
        fifth more time and made every seed keep the digits' labels
        (benchmarks/bench_cycle.py).
    adapter : {"auto", "tabular", "numeric", "image", "signal"} or adapter instance, \
default="auto"
        How data is encoded for the networks and decoded back, fitted on both domains
        together: images for 3-D and 4-D arrays, tables otherwise (keeping rare
        levels apart, ``TabularAdapter(min_frequency=None)``, so translation keeps them).
    generator_dims, discriminator_dims : tuple of int, default=(256, 256)
        Hidden widths of the translators and discriminators for tables and numeric data
        (image and signal networks take their width from the adapter).
    epochs : int or "auto", default="auto"
        Passes over the larger domain in :meth:`fit`. "auto" runs 5,000 training steps
        at the default batch size (each updates both translators, then both
        discriminators).
    batch_size : int, default=128
        Samples of each domain per step (at most the smaller domain's size).
    generator_lr, discriminator_lr : float, default=1e-3
        Adam learning rates of the translators and of the discriminators.
    betas : tuple of two floats, default=(0.5, 0.999)
        Adam's decay rates.
    warm_start : bool, default=False
        When True, :meth:`fit` on a fitted transformer continues training.
    device : str or torch.device, default="auto"
        "auto" (CUDA, then MPS, then CPU, resolved at fit), "cpu", "cuda", "cuda:N", "mps".
    amp : "auto" or bool, default="auto"
        bf16 autocast in training and translation; "auto": on CUDA only.
    cuda_graphs : bool or "auto", default="auto"
        On CUDA, replay each training step from a CUDA graph after three eager steps, as
        :class:`~skgan.GANSampler` describes (``history_["graph_steps"]``); steps train
        eagerly where they cannot be captured (with ``pool_size > 0``, a pool refilled in
        Python every step); False trains eagerly everywhere. docs/gpu.md.
    random_state : int, RandomState instance or None, default=None
        Seeds the transformer's own torch generator (weights, batches, history pool).
        An integer gives bit-identical results on the CPU.
    verbose : int, default=0
        1 shows a progress bar with the current losses (and the validation score).
    early_stopping, validation_fraction, n_iter_no_change, tol, validation_scoring, \
max_time
        As for :class:`~skgan.GANSampler`, with rows of each domain held out (with
        ``validation_fraction=None``, training rows of each domain scored), but for
        ``validation_scoring``: None (:meth:`score`) or a callable
        ``scorer(transformer, X, y)``; the names of ``skgan.metrics.SCORERS`` score
        samples, which a transformer does not draw. With ``n_init > 1`` the random
        starts train on the same rows, and ``max_time`` counts from the first start.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two domains, sorted: :meth:`transform` maps ``classes_[0]`` to
        ``classes_[1]``, :meth:`inverse_transform` back.
    adapter_ : BaseAdapter
        The fitted data adapter (both domains).
    generator_ab_, generator_ba_ : torch.nn.Module
        The translators A → B and B → A (in eval mode).
    discriminator_a_, discriminator_b_ : torch.nn.Module
        The discriminators of domains A and B.
    optimizers_ : dict of torch.optim.Optimizer
        "generator" (both translators) and "discriminator" (both discriminators).
    n_iter_, validation_scores_, best_validation_score_
        As for :class:`~skgan.GANSampler`.
    history_ : dict of lists
        Per epoch: "epoch", "epoch_time", "generator_loss" (adversarial part),
        "cycle_loss", "identity_loss" (when used) and "discriminator_loss"; with
        early stopping also "validation_score", "validation_time" and
        "validation_counted".
    device_ : torch.device
        Where the networks live.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    GANSampler : Learn to sample one domain.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import CycleGANTransformer
    >>> rng = np.random.RandomState(0)
    >>> A = rng.normal(size=(200, 2))
    >>> B = 2 * rng.normal(size=(150, 2)) + 5
    >>> X, domain = np.vstack([A, B]), np.array(["a"] * 200 + ["b"] * 150)
    >>> cycle = CycleGANTransformer(adapter="numeric", epochs=5, random_state=0)
    >>> cycle.fit(X, domain).transform(A[:3]).shape
    (3, 2)
    >>> cycle.classes_.tolist()
    ['a', 'b']
    """

    _parameter_constraints = {
        **AdversarialCore._parameter_constraints,
        "loss": [StrOptions(set(ADVERSARIAL_LOSSES))],
        "cycle_weight": [Interval(Real, 0, None, closed="left")],
        "identity_weight": [Interval(Real, 0, None, closed="left")],
        "pool_size": [Interval(Integral, 0, None, closed="left")],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        # skgan.metrics' scorers score samples; a transformer has none to draw
        "validation_scoring": [callable, None],
    }

    #: Rows of each domain used at most by :meth:`score`.
    max_score_samples = 2000

    #: Samples translated per forward pass in :meth:`transform`.
    translate_batch_size = 4096

    def __init__(self, *, loss="lsgan", cycle_weight=10.0, identity_weight=0.0, pool_size=50,
                 pac=4, n_init=1, adapter="auto", generator_dims=(256, 256),
                 discriminator_dims=(256, 256),
                 epochs="auto", batch_size=128, generator_lr=1e-3, discriminator_lr=1e-3,
                 betas=(0.5, 0.999), warm_start=False, device="auto", amp="auto",
                 cuda_graphs="auto",
                 random_state=None, verbose=0, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, validation_scoring=None, max_time=None):
        super().__init__(
            adapter=adapter, generator_dims=generator_dims,
            discriminator_dims=discriminator_dims, epochs=epochs, batch_size=batch_size,
            generator_lr=generator_lr, discriminator_lr=discriminator_lr, betas=betas,
            warm_start=warm_start, device=device, amp=amp,
            cuda_graphs=cuda_graphs, random_state=random_state,
            verbose=verbose, early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, tol=tol,
            validation_scoring=validation_scoring, max_time=max_time,
        )
        self.loss = loss
        self.cycle_weight = cycle_weight
        self.identity_weight = identity_weight
        self.pool_size = pool_size
        self.pac = pac
        self.n_init = n_init

    _stratified_validation = True  # early stopping holds out rows of every domain

    def _check_rows_to_score(self, y_train, y_scored):
        counts = label_counts(y_train, y_scored)
        if min(counts.values(), default=0) < 2:
            raise too_few_to_score(counts, "at least 2 rows of each domain")

    _training_only_attributes = ("discriminator_a_", "discriminator_b_", "optimizers_", "_pools")

    # ------------------------------------------------------------------ fitting
    def _resolve_adapter(self, X):
        adapter = super()._resolve_adapter(X)
        if isinstance(self.adapter, str) and getattr(adapter, "min_frequency", None):
            adapter.set_params(min_frequency=None)  # pooled levels would be drawn anew
        return adapter

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train both translators on the rows of ``X``, split by domain ``y``.

        Parameters
        ----------
        X : array-like or DataFrame
            Samples of both domains: rows of a table, images or signals.
        y : array-like of shape (n_samples,)
            Each row's domain: exactly two distinct values. The first in sorted order
            is domain A. Required (None raises a ValueError).

        Returns
        -------
        self : object
            The fitted transformer.
        """
        keep_going = self.warm_start and self._is_trained()
        if self.n_init > 1 and not keep_going:
            return fit_best_start(self, X, y, self.n_init)
        return self._fit(X, y, reset=not keep_going, n_epochs=None)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one epoch on ``(X, y)``, continuing from the current weights.

        ``X`` must hold rows of both domains; later calls must use the domains of
        the first.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, reset=not self._is_trained(), n_epochs=1)

    def _start_training(self, X):
        super()._start_training(X)
        start_seed = getattr(self, "_start_seed", None)  # set by fit_best_start
        if start_seed is not None:
            self._rng = make_generator(start_seed, self.device_)

    def _prepare_training(self, X, y, reset):
        refuse_file_path(X)
        check_one_shape(X)
        in_b = self._domain_mask(X, y, reset)
        if reset:
            self._start_training(X)
        else:
            self._check_more_training_data(X)
        sizes = domain_sizes(in_b)
        missing = [str(domain) for domain, size in zip(self.classes_, sizes) if not size]
        if missing:
            raise ValueError(
                f"X holds no rows of domain {', '.join(missing)}; every training call needs "
                "rows of both domains."
            )
        self._show_phase(f"encoding {_num_samples(X):,} samples", "encoding")
        encoded = torch.as_tensor(self.adapter_.encode(X), device=self.device_)
        if not reset:
            self._apply_learning_rates()
        mask = torch.as_tensor(in_b, device=self.device_)
        self._smallest_domain = min(sizes)
        if self._smallest_domain < self.pac:
            held_out = (self.early_stopping is not False and self.validation_fraction is not None)
            raise ValueError(
                f"{type(self).__name__} needs at least pac={self.pac} rows of each domain"
                f" to train on; domain {np.asarray(self.classes_, dtype=object)[int(np.argmin(sizes))]!r} has "
                f"{self._smallest_domain}" + (
                    f" after early stopping held out validation_fraction="
                    f"{self.validation_fraction} of it (lower validation_fraction, pass "
                    f"validation_fraction=None or turn early_stopping off)" if held_out
                    else "") + ".")
        domain_a, domain_b = encoded[~mask], encoded[mask]
        if reset:
            self._build_networks(domain_a, domain_b)
        return domain_a, domain_b

    def _domain_mask(self, X, y, reset):
        """Whether each row belongs to domain B, after checking ``y``."""
        in_b, classes = domain_mask(type(self).__name__, X, y,
                                    None if reset else self.classes_)
        self.classes_ = classes
        return in_b

    def _rows_per_epoch(self, tensors):
        return max(len(tensor) for tensor in tensors)

    def _batch_size_for(self, n_rows):
        pac = self._pac()
        return int(max(pac, (min(self.batch_size, n_rows, self._smallest_domain) // pac) * pac))

    # ------------------------------------------------------------------ scoring
    def score(self, X, y):
        """How well held-out samples translate: greater is better (at most about 0).

        ``-(MMD²(G(A), B) + MMD²(F(B), A) + cycle error)``: the squared maximum mean
        discrepancy between translated and real samples of each target domain (RBF
        kernel, median-heuristic width from the real ones) plus the mean absolute
        difference between each sample and its round trip ``F(G(a))`` or ``G(F(b))``,
        all in the adapter's encoded space. At most ``max_score_samples`` rows per
        domain, chosen with a seed fixed at fit, so the score is repeatable. A level
        or a missing value training never saw is encoded as the samplers' ``score``
        encodes it (``transform`` refuses such rows), so held-out rows always score.

        Parameters
        ----------
        X : array-like or DataFrame
            Held-out samples of both domains (at least 2 of each).
        y : array-like of shape (n_samples,)
            Each row's domain, among ``classes_``.

        Returns
        -------
        score : float
        """
        self._check_fitted_input(X)
        in_b = self._domain_mask(X, y, reset=False)
        if min(domain_sizes(in_b)) < 2:
            raise ValueError("score needs at least 2 rows of each domain in X.")
        seeds = np.random.RandomState(self._score_seed % 2**32)
        samples, encoded = [], []
        for rows in (~in_b, in_b):  # each domain's rows, picked and encoded once
            indices = np.flatnonzero(rows)
            if len(indices) > self.max_score_samples:
                indices = np.sort(seeds.choice(indices, self.max_score_samples, replace=False))
            samples.append(_safe_indexing(X, indices))
            # Held-out rows may hold what training never saw (a rare level, a missing
            # value): encoded as the samplers' score encodes them, where transform
            # refuses; each set of rows is encoded once, and translated from that.
            encoded.append(self.adapter_.encode_for_scoring(samples[-1]))
        flat = [codes.reshape(len(codes), -1) for codes in encoded]
        total = 0.0
        for source, target, forward, backward in [
            (0, 1, "generator_ab_", "generator_ba_"),
            (1, 0, "generator_ba_", "generator_ab_"),
        ]:
            translated = self._translated(encoded[source], forward, samples[source])
            translated_codes = self.adapter_.encode_for_scoring(translated)
            if flat[target].shape[1]:  # width 0 (constant columns): nothing differs
                total += mmd(translated_codes.reshape(len(translated_codes), -1),
                             flat[target], gamma=median_heuristic_gamma(flat[target]))
            round_trip = self._flat_encoding(self._translated(translated_codes, backward,
                                                              translated))
            error = np.abs(round_trip - flat[source])
            total += float(error.mean()) if error.size else 0.0  # width 0: constant columns
        return -total

    def _flat_encoding(self, X):
        encoded = self.adapter_.encode_for_scoring(X)
        return encoded.reshape(len(encoded), -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

