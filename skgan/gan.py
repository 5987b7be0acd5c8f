"""GANSampler: a GAN with a classifier discriminator (non-saturating, hinge or LSGAN)."""

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._engine.private import PrivateTrainingMixin
from .base import BaseGAN
from .objectives import ADVERSARIAL_LOSSES, discriminator_loss, generator_loss


class GANSampler(PrivateTrainingMixin, BaseGAN):
    """Generative adversarial network that learns to sample data like ``X``.

    A generator maps Gaussian noise to data; a discriminator learns to tell its samples
    from real rows and the generator learns to fool it (Goodfellow et al., 2014).
    Each training step updates the discriminator once, then the generator once.

    Parameters
    ----------
    loss : {"bce", "hinge", "lsgan"}, default="bce"
        "bce": the non-saturating cross-entropy GAN; "hinge": hinge loss (Lim & Ye,
        2017); "lsgan": least squares (Mao et al., 2017).
    label_smoothing : float in [0, 0.5), default=0.0
        One-sided label smoothing: the discriminator's target for real data is
        ``1 - label_smoothing`` ("bce" and "lsgan" only).
    spectral_norm : bool, default=False
        Spectral normalisation of the discriminator's layers (Miyato et al., 2018); it
        costs about a third more time per step.
    grad_clip : float or None, default=None
        Clip the gradient norm of each network to this value at each step.
    pac : int, default=4
        Rows the discriminator judges together (PacGAN, Lin et al., 2018); larger values
        penalise mode collapse more. The batch size is rounded down to a multiple (and up to ``pac``
        itself when smaller).
    adapter : {"auto", "tabular", "numeric", "image", "signal"} or adapter instance, \
default="auto"
        How data is encoded for the networks and decoded back. "auto" chooses by the
        kind of ``X``: images (:class:`~skgan.adapters.ImageAdapter`, convolutional
        networks) for 3-D and 4-D arrays, tables
        (:class:`~skgan.adapters.TabularAdapter`) otherwise. 1-D signals need
        "signal". An instance sets the adapter's options (e.g. a network width).
    generator_dims, discriminator_dims : tuple of int, default=(256, 256)
        Widths of the hidden layers of the generator and discriminator (tables and numeric
        data; image and signal networks take their width from the adapter).
    latent_dim : int, default=32
        Size of the noise vector.
    epochs : int or "auto", default="auto"
        Passes over the training data in :meth:`fit`. "auto" runs as many as show the
        networks about 640,000 rows, 5,000 training steps (one discriminator and one
        generator update each) at the default batch size: small tables get many
        epochs and large ones few, about 160 epochs for 4,000 rows. Signals get four
        times as many, 20,000 steps: the spectra of three-channel waveforms are
        easier to tell from real ones after fewer (two-sample classifier on their FFT
        magnitudes 0.86 after 10,000 steps, 0.78 after 15,000, 0.73 after 20,000;
        docs/signals.md).
    batch_size : int, default=128
        Rows per training step (at most the number of rows).
    generator_lr, discriminator_lr : float, default=1e-3
        Adam learning rates.
    betas : tuple of two floats, default=(0.5, 0.999)
        Adam's decay rates for both networks.
    ema_decay : float in [0, 1), "auto" or None, default="auto"
        Keep an exponential moving average of the generator's weights, updated after
        every generator step with this decay ``d`` (ramped up over the first updates
        as ``min(d, (1 + n) / (10 + n))``); after fit, ``sample`` and ``score``
        use it (``generator_average_``, whose noise scale is the one matched to a
        signal's noise floor). Averaging smooths out the oscillation of adversarial
        training: with it, samples on the benchmark tables, digits and waveforms score
        better than the last weights' (see the user guide). "auto": 0.999 for
        signals, whose long fits gain from a longer average (three-channel waveforms
        after 20,000 steps: 0.73 against 0.77 with 0.99), 0.99 otherwise. None
        samples from the last weights.
    warm_start : bool, default=False
        When True, :meth:`fit` on a fitted estimator continues training.
    device : str or torch.device, default="auto"
        "auto" (CUDA, then MPS, then CPU, resolved at fit), "cpu", "cuda", "cuda:N", "mps".
    amp : "auto" or bool, default="auto"
        Mixed precision: bf16 autocast in training and sampling (weights stay float32).
        "auto" turns it on on CUDA only, where it speeds up convolutional networks;
        True also uses it on the CPU (slower there on most processors).
    cuda_graphs : bool or "auto", default="auto"
        On CUDA, capture the whole training step (both networks' updates, the moving
        average) in a CUDA graph after a few eager steps and replay it for every later
        batch: a step of small networks is hundreds of kernel launches, which a graph
        replaces with one (13-16x faster steps on a 7,000-row table on an H200). True or
        "auto": on CUDA, where the step can be captured ("auto" leaves other devices eager,
        and calls of fewer than 50 steps, which would not win a capture's cost back;
        True refuses other devices); steps that cannot be captured (a private or distributed fit,
        signals with spectrum matching, on by default) train eagerly, and a capture that
        fails falls back to eager steps with a warning. ``history_["graph_steps"]`` counts
        the steps of each epoch replayed from a graph. False trains eagerly everywhere.
        Results on the CPU are the same whatever this says; docs/gpu.md has the figures.
    random_state : int, RandomState instance or None, default=None
        Seeds the estimator's own torch generator (weights, noise, shuffling). An integer
        gives bit-identical results on the CPU. The global numpy and torch generators
        are never used.
    verbose : int, default=0
        1 shows a progress bar with the current losses (and the validation score).
    early_stopping : bool or "auto", default=False
        Hold out ``validation_fraction`` of the rows (or, with None, score the
        training rows), score them every few epochs and stop when
        ``n_iter_no_change`` checks in a row did not improve the best score by more
        than ``tol``; the fit keeps the networks of the best check. Checks count
        from 40 % of the epochs (or of ``max_time``, whichever comes first) on:
        earlier ones are recorded, spend no patience and are kept only by a fit
        that ends before its checks count (Ctrl-C, divergence) or whose counted
        checks all score NaN or -inf.
        "auto": on for 10,000 rows or more. See the user guide, "Knowing when to stop".
    validation_fraction : float in (0, 1) or None, default=0.1
        Rows held out for early stopping (at most 2,000 of them are scored). None holds
        nothing out: every row trains and the training rows (at most 2,000 of them) are
        scored, as scikit-learn's ``HistGradientBoostingClassifier`` does; on tables of a
        few hundred rows that follows the samples' quality better than a few dozen
        held-out rows can (see the user guide).
    n_iter_no_change : int, default=10
        Counted checks without improvement before stopping (checks are at least 50
        steps and at least 1 % of the epochs apart: at most 100 in a fit; they count
        from 40 % of the epochs or of ``max_time`` on).
    tol : float, default=1e-4
        Smallest rise of the validation score that counts as an improvement.
    validation_scoring : callable, str or None, default=None
        ``scorer(estimator, X[, y]) -> float`` (``y=None`` for samplers), greater is
        better (e.g. from
        :func:`skgan.metrics.make_sample_scorer`), or the name of one of
        ``skgan.metrics.SCORERS`` ("mmd", "kid", "fid", "c2st", "precision", "recall",
        "density", "coverage"), which a model file can store; None uses the
        estimator's own :meth:`score` (against 2,000 generated rows).
    max_time : float or None, default=None
        Seconds of training after which ``fit`` stops, at the best counted check so
        far with early stopping, else with the last epoch's weights. With early
        stopping, checks also count from 40 % of ``max_time`` on, so a fit with a
        ``max_time`` may stop on a plateau sooner on a slower machine (its results
        then depend on the machine's speed, not only on ``random_state``). The clock
        starts at the first epoch: preparing the rows and networks before it, and
        calibrating after the last one, come on top. None or ``math.inf``: no limit.
    distributed : bool or "auto", default="auto"
        Data-parallel training over ``torch.distributed``: every process (started by
        ``torchrun``, or any launcher that sets up a process group) passes its rows to
        ``fit`` (the same table, or its own shard) and takes ``batch_size / n_processes``
        rows of every batch; gradients are averaged across processes after each
        backward and every process ends with the same weights. "auto" turns it on when
        a process group is initialised or ``WORLD_SIZE > 1``; False trains each process
        alone. See the "Scaling out" page of the docs.
    dp_epsilon : float or None, default=None
        Train with differential privacy: the discriminator (the only network that sees
        real rows) learns by DP-SGD through Opacus (``pip install 'skgan[privacy]'``),
        with noise calibrated so that the whole fit spends at most ``dp_epsilon``
        (RDP accountant). Real rows are then drawn by Poisson sampling, ``pac`` is 1,
        training-by-sampling is off, the default adapter's pair calibration rakes to
        pair tables measured with noise from half the budget's zero-concentrated rho
        (only when that noise is at most 2 % of the rows; none otherwise; the noise
        comes from the operating system, so such fits do not repeat bit for bit),
        training and sampling run in float32 (``amp=True`` is refused), "auto" early
        stopping stays off and ``partial_fit``/``warm_start`` are refused.
        ``epochs="auto"`` then runs the most discriminator steps the budget pays for
        at a noise multiplier of 1 (at most a plain fit's 5,000, at least 200). After
        training, each continuous column's units are mapped onto the quantiles its
        encoding implies (noisy training can leave them saturated). The adapter's
        statistics (levels and their frequencies, value ranges, mixture modes and
        their shares, missing rates) are read from the data without noise: see the
        "Privacy" page of the docs for what that reveals.
    dp_delta : float or None, default=None
        The delta of the guarantee; None uses ``1 / (10 * n_rows)``.
    dp_max_grad_norm : float, default=1.0
        Each real row's gradient is clipped to this norm before the noise is added.
    dp_target : column name or None, default=None
        With ``dp_epsilon`` and ``adapter="auto"``: the column a model will be trained
        to predict from the samples. The noisy pair tables are then those of this
        column with every other column, continuous columns (the target too) in bins of
        equal mass under their fitted modes (a discrete column of many levels on a
        small table left out), measured while their noise is at most 6 % of the rows;
        sampling rakes to them. A private fit otherwise measures only the tables of
        pairs of discrete columns (and of whether continuous columns are missing), and
        only below 2 % noise, so the links a model of the target learns from (mostly
        to continuous columns, or on tables of a few hundred rows) get nothing
        measured. Costs no extra budget: the measurement's share is the same. A column
        no table can hold (a single value) warns and measures the discrete pairs.
        See the "Privacy" page of the docs.

    Attributes
    ----------
    adapter_ : BaseAdapter
        The fitted data adapter.
    generator_, discriminator_ : torch.nn.Module
        The trained networks (in eval mode).
    generator_average_ : torch.nn.Module
        The moving average of the generator that ``sample`` and ``score`` use; absent
        with ``ema_decay=None``.
    optimizers_ : dict of torch.optim.Optimizer
        Keys "generator" and "discriminator"; kept so training can continue.
    n_iter_ : int
        Epochs the last ``fit`` (or ``partial_fit``) ran.
    validation_scores_ : list of float or None
        The validation score of every check of the last fit (of the held-out rows, or
        of the training rows with ``validation_fraction=None``; None without early
        stopping).
    best_validation_score_ : float or None
        The best counted one (the best of all when the fit ended before its checks
        counted, or when no counted check scored a finite number): the score of the
        networks kept, as checked during training (on tables, the level rates
        calibrated after training then move the fitted model's own score a little).
    history_ : dict of lists
        Per epoch: "epoch", "epoch_time" (seconds), "discriminator_loss" (not in a
        private fit: a figure of the real rows that no noise reached),
        "generator_loss"; with early stopping also "validation_score" (NaN between
        checks), "validation_time" and "validation_counted" (1.0 once checks count).
    device_ : torch.device
        Where the networks live.
    dp_epsilon_spent_ : float
        With ``dp_epsilon``: the privacy the fit spent (at ``dp_delta_``), at most
        ``dp_epsilon`` (less when it stopped early).
    dp_delta_ : float
        With ``dp_epsilon``: the delta used.
    dp_noise_multiplier_ : float
        With ``dp_epsilon``: the noise's standard deviation over ``dp_max_grad_norm``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    WGANSampler : Wasserstein GAN with gradient penalty or weight clipping.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GANSampler
    >>> X = np.random.RandomState(0).normal(size=(200, 2))
    >>> gan = GANSampler(epochs=5, random_state=0).fit(X)
    >>> gan.sample(3).shape
    (3, 2)
    >>> sorted(gan.history_)
    ['discriminator_loss', 'epoch', 'epoch_time', 'generator_loss']
    """

    _parameter_constraints = {
        **BaseGAN._parameter_constraints,
        "loss": [StrOptions(set(ADVERSARIAL_LOSSES))],
        "label_smoothing": [Interval(Real, 0, 0.5, closed="left")],
        "spectral_norm": ["boolean"],
        "grad_clip": [Interval(Real, 0, None, closed="neither"), None],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "dp_epsilon": [Interval(Real, 0, None, closed="neither"), None],
        "dp_delta": [Interval(Real, 0, 1, closed="neither"), None],
        "dp_max_grad_norm": [Interval(Real, 0, None, closed="neither")],
        "dp_target": "no_validation",
    }

    #: ``epochs="auto"``: signals get four times the rows (see the docstring).
    _auto_rows_factors = {"conv1d": 4}
    #: ``ema_decay="auto"``: a longer average for signals (see the docstring).
    _auto_ema_decays = {"conv1d": 0.999}

    def __init__(self, *, loss="bce", label_smoothing=0.0, spectral_norm=False, grad_clip=None,
                 pac=4, adapter="auto", generator_dims=(256, 256),
                 discriminator_dims=(256, 256), latent_dim=32, epochs="auto", batch_size=128,
                 generator_lr=1e-3, discriminator_lr=1e-3, betas=(0.5, 0.999),
                 ema_decay="auto", warm_start=False, device="auto", amp="auto",
                 cuda_graphs="auto", random_state=None,
                 verbose=0, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, validation_scoring=None, max_time=None,
                 distributed="auto", dp_epsilon=None, dp_delta=None, dp_max_grad_norm=1.0,
                 dp_target=None):
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
        self.loss = loss
        self.label_smoothing = label_smoothing
        self.spectral_norm = spectral_norm
        self.grad_clip = grad_clip
        self.pac = pac
        self.dp_epsilon = dp_epsilon
        self.dp_delta = dp_delta
        self.dp_max_grad_norm = dp_max_grad_norm
        self.dp_target = dp_target

    def _extra_params_check(self):
        if self.loss == "hinge" and self.label_smoothing > 0:
            raise ValueError("label_smoothing applies to loss='bce' or 'lsgan', not 'hinge'.")
        self._check_private_params()

    def _train_step(self, batch):
        real, *conditions = batch
        condition = conditions[0] if conditions else None
        n_real = real.shape[0]
        n_fake = self._fake_rows_per_step(n_real)  # as many as real ones but in a private fit
        fake, condition_penalty = self._generate_for_training(n_fake, condition)

        both_condition = None if condition is None else torch.cat([condition, condition])
        with self._per_row_gradients():
            logits = self._judge(torch.cat([real, fake.detach()]), both_condition)
            n_real_logits = logits.shape[0] * n_real // (n_real + n_fake)  # one a pack
            real_logits, fake_logits = logits.split(
                [n_real_logits, logits.shape[0] - n_real_logits])
            d_loss = discriminator_loss(real_logits, fake_logits, self.loss,
                                        real_target=1.0 - self.label_smoothing,
                                        reduction=self._loss_reduction())
            self._optimize("discriminator", d_loss)

        with self._frozen(self.discriminator_):
            g_loss = generator_loss(self._judge(fake, condition), self.loss)
            losses = {**self._real_row_losses(discriminator_loss=d_loss),
                      "generator_loss": g_loss}
            g_loss = self._with_generator_terms(g_loss, losses, real, fake, condition_penalty)
            self._optimize("generator", g_loss)
        return losses
