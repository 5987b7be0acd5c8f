"""WGANSampler: a Wasserstein GAN with gradient penalty or weight clipping."""

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .base import BaseGAN
from .objectives import (
    clip_parameters_,
    gradient_penalty,
    interpolate,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)


class WGANSampler(BaseGAN):
    """Wasserstein GAN that learns to sample data like ``X``.

    The critic estimates the Wasserstein-1 distance between real and generated data and
    the generator lowers it (Arjovsky et al., 2017). The critic is kept 1-Lipschitz by
    a gradient penalty on random interpolates (WGAN-GP, Gulrajani et al., 2017) or by
    clipping its weights. Each training step updates the critic on one mini-batch; the
    generator is updated after every ``n_critic`` critic steps, so one epoch (one pass
    of the data through the critic) makes ``n_batches / n_critic`` generator updates.

    Parameters
    ----------
    penalty : {"gp", "clip"}, default="gp"
        How the critic is kept Lipschitz.
    n_critic : int, default=5
        Critic steps per generator step.
    gp_weight : float, default=10.0
        Weight of the gradient penalty (penalty="gp").
    clip_value : float, default=0.01
        Critic weights are clamped to [-clip_value, clip_value] (penalty="clip").
    pac : int, default=4
        Rows the critic judges together (PacGAN); the batch size is rounded down to a
        multiple (and up to ``pac`` itself when smaller).
    adapter : {"auto", "tabular", "numeric", "image", "signal"} or adapter instance, \
default="auto"
        How data is encoded for the networks and decoded back. "auto" chooses by the
        kind of ``X``: images (:class:`~skgan.adapters.ImageAdapter`, convolutional
        networks) for 3-D and 4-D arrays, tables
        (:class:`~skgan.adapters.TabularAdapter`) otherwise. 1-D signals need
        "signal". An instance sets the adapter's options (e.g. a network width).
    generator_dims, discriminator_dims : tuple of int, default=(256, 256)
        Widths of the hidden layers of the generator and critic (tables and numeric
        data; image and signal networks take their width from the adapter).
    latent_dim : int, default=32
        Size of the noise vector.
    epochs : int or "auto", default="auto"
        Passes of the training data through the critic in :meth:`fit`. "auto" runs as
        many as show the critic about 640,000 rows: on tables 1,250 critic steps (250
        generator steps) at the batch size of 512, 179 epochs for 4,000 rows, and more
        steps of smaller batches on tables of fewer than 512 rows. Images get three
        times as many rows, 15,000 critic steps of 128 (3,000 generator updates):
        with 5,000 critic steps (1,000 generator updates), digit samples were still
        easy to tell from real ones (two-sample classifier 0.899 against 0.821).
        Signals get six times as many, 30,000 critic steps (three-channel waveforms
        0.89 after 15,000, 0.74 after 30,000; docs/signals.md).
    batch_size : int or "auto", default="auto"
        Rows per critic step (at most the number of rows). "auto": 512 for tables and
        numeric arrays, where a step of small networks costs little more for large
        batches than for small ones (it is mostly per-operation overhead), so the
        critic sees the same rows in a quarter of the steps; 128 for images and
        signals, whose convolutions cost in proportion to the batch and whose generator
        needs the 4 times more updates (digits: C2ST 0.959 at 512, 0.899 at 128).
    generator_lr, discriminator_lr : float, default=5e-4
        Adam learning rates of the generator and critic.
    betas : tuple of two floats, default=(0.0, 0.9)
        Adam's decay rates for both networks.
    ema_decay : float in [0, 1), "auto" or None, default="auto"
        Decay of the moving average of the generator's weights that ``sample`` and
        ``score`` use after fit, updated after each generator step (every ``n_critic``
        critic steps); as for :class:`GANSampler`. "auto": 0.99 (its fits make fewer
        generator steps). None: the last weights.
    warm_start : bool, default=False
        When True, :meth:`fit` on a fitted estimator continues training.
    device : str or torch.device, default="auto"
        "auto" (CUDA, then MPS, then CPU, resolved at fit), "cpu", "cuda", "cuda:N", "mps".
    amp : "auto" or bool, default="auto"
        Mixed precision: bf16 autocast in training and sampling (weights stay float32).
        "auto" turns it on on CUDA only, where it speeds up convolutional networks;
        True also uses it on the CPU (slower there on most processors).
    cuda_graphs : bool or "auto", default="auto"
        On CUDA, replay each training step from a CUDA graph after three eager steps, as
        :class:`~skgan.GANSampler` describes (``history_["graph_steps"]``); steps train
        eagerly where they cannot be captured (a distributed fit, signals with spectrum
        matching (on by default)); False trains eagerly everywhere. docs/gpu.md.
    random_state : int, RandomState instance or None, default=None
        Seeds the estimator's own torch generator; an integer gives bit-identical
        results on the CPU. The global numpy and torch generators are never used.
    verbose : int, default=0
        1 shows a progress bar with the current losses (and the validation score).
    early_stopping, validation_fraction, n_iter_no_change, tol, validation_scoring, \
max_time, distributed
        Early stopping, a time budget and data-parallel training, as for :class:`~skgan.GANSampler`.

    Attributes
    ----------
    adapter_ : BaseAdapter
        The fitted data adapter.
    generator_, discriminator_ : torch.nn.Module
        The trained generator and critic (in eval mode).
    generator_average_ : torch.nn.Module
        The moving average of the generator that ``sample`` and ``score`` use; absent
        with ``ema_decay=None``.
    optimizers_ : dict of torch.optim.Optimizer
        Keys "generator" and "discriminator".
    n_iter_, validation_scores_, best_validation_score_
        As for :class:`~skgan.GANSampler`.
    history_ : dict of lists
        Per epoch: "epoch", "epoch_time", "discriminator_loss" (the critic's loss),
        "generator_loss", "wasserstein_distance" (the critic's estimate) and, with
        penalty="gp", "gradient_penalty".
    device_ : torch.device
        Where the networks live.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    GANSampler : GAN with a classifier discriminator.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import WGANSampler
    >>> X = np.random.RandomState(0).normal(size=(200, 2))
    >>> wgan = WGANSampler(epochs=5, random_state=0).fit(X)
    >>> wgan.sample(3).shape
    (3, 2)
    >>> "gradient_penalty" in wgan.history_
    True
    """

    _parameter_constraints = {
        **BaseGAN._parameter_constraints,
        "penalty": [StrOptions({"gp", "clip"})],
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "clip_value": [Interval(Real, 0, None, closed="neither")],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    }

    #: ``batch_size="auto"``: per network family of the adapter (see the docstring).
    _auto_batch_sizes = {"mlp": 512, "conv1d": 128, "conv2d": 128}

    #: ``epochs="auto"``: images and signals get more rows (see the docstring).
    _auto_rows_factors = {"conv2d": 3, "conv1d": 6}

    def __init__(self, *, penalty="gp", n_critic=5, gp_weight=10.0, clip_value=0.01, pac=4,
                 adapter="auto", generator_dims=(256, 256), discriminator_dims=(256, 256),
                 latent_dim=32, epochs="auto", batch_size="auto", generator_lr=5e-4,
                 discriminator_lr=5e-4, betas=(0.0, 0.9), ema_decay="auto", warm_start=False,
                 device="auto", amp="auto", cuda_graphs="auto", random_state=None, verbose=0,
                 early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, validation_scoring=None, max_time=None,
                 distributed="auto"):
        super().__init__(
            adapter=adapter, generator_dims=generator_dims,
            discriminator_dims=discriminator_dims, latent_dim=latent_dim, epochs=epochs,
            batch_size=batch_size, generator_lr=generator_lr,
            discriminator_lr=discriminator_lr, betas=betas, ema_decay=ema_decay,
            warm_start=warm_start,
            device=device, amp=amp,
            cuda_graphs=cuda_graphs, random_state=random_state, verbose=verbose,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, tol=tol,
            validation_scoring=validation_scoring, max_time=max_time,
            distributed=distributed,
        )
        self.penalty = penalty
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.clip_value = clip_value
        self.pac = pac

    def _requested_batch_size(self):
        if self.batch_size != "auto":
            return self.batch_size
        return self._auto_batch_sizes[self.adapter_.network_family]

    def _step_variant(self):
        """Whether this step also updates the generator (every ``n_critic``-th step)."""
        return (self._n_steps + 1) % self.n_critic == 0

    def _train_step(self, batch):
        real, *conditions = batch
        condition = conditions[0] if conditions else None
        n_real = real.shape[0]
        with torch.no_grad():
            fake, _ = self._generate_for_training(n_real, condition)

        losses = self._critic_step(real, fake, condition)
        self._n_steps += 1
        if self._n_steps % self.n_critic == 0:
            with self._frozen(self.discriminator_):
                fake, condition_penalty = self._generate_for_training(n_real, condition)
                g_loss = wasserstein_generator_loss(self._judge(fake, condition))
                losses["generator_loss"] = g_loss
                g_loss = self._with_generator_terms(g_loss, losses, real, fake,
                                                    condition_penalty)
                self._optimize("generator", g_loss)
        return losses

    def _critic_step(self, real, fake, condition):
        """One critic update; real, fake (and interpolates) are scored in one pass."""
        n_real = real.shape[0]
        inputs = [real, fake]
        if self.penalty == "gp":
            mixed = interpolate(real, fake, self._step_rng).requires_grad_(True)
            inputs.append(mixed)
        conditions = None if condition is None else torch.cat([condition] * len(inputs))
        # Augmented together; the penalty's gradient is taken through the augmentation
        # with respect to ``mixed`` itself.
        scores = self._judge(torch.cat(inputs), conditions)
        real_scores, fake_scores, *mixed_scores = scores.split(n_real // self._pac())
        distance = real_scores.mean() - fake_scores.mean()
        d_loss = wasserstein_critic_loss(real_scores, fake_scores)
        losses = {"wasserstein_distance": distance.detach()}
        if self.penalty == "gp":
            penalty = gradient_penalty(mixed_scores[0], mixed, self._pac())
            d_loss = d_loss + self.gp_weight * penalty
            losses["gradient_penalty"] = penalty.detach()
        self._optimize("discriminator", d_loss)
        if self.penalty == "clip":
            clip_parameters_(self.discriminator_, self.clip_value)
        losses["discriminator_loss"] = d_loss
        return losses
