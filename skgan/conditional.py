"""ConditionalGAN: class-conditional generation with a matching-aware discriminator."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import column_or_1d

from ._engine.domains import plain_labels
from ._engine.early_stopping import label_counts, too_few_to_score
from ._engine.private import PrivateTrainingMixin
from ._labelled_sampling import LabelledSamplingMixin, declared_classes
from .base import BaseGAN
from .objectives import (
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    interpolate,
    negative_loss,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)

OBJECTIVES = ("bce", "hinge", "wgan-gp")


class ConditionalGAN(PrivateTrainingMixin, LabelledSamplingMixin, BaseGAN):
    """GAN that learns to sample data of a requested class: ``fit(X, y)``, ``sample(n, y)``.

    The generator gets the one-hot class with the noise; the discriminator judges
    (x, y) pairs. It sees real pairs as positives, generated pairs as negatives and,
    being matching-aware (Reed et al., 2016), real x with a wrong label as negatives
    too, so the generator must obey the label, not only make realistic data. Works
    with every adapter (tables, images, signals).

    Parameters
    ----------
    objective : {"bce", "hinge", "wgan-gp"}, default="bce"
        "bce": non-saturating GAN; "hinge": hinge loss; "wgan-gp": Wasserstein critic
        with gradient penalty (its mismatch term is a hinge on the margin
        ``D(x, y) - D(x, y')``, so the critic stays bounded).
    mismatch_weight : float, default=1.0
        Weight of the mismatched-label negatives in the discriminator's loss (0 turns
        matching awareness off).
    n_critic : int or None, default=None
        Discriminator steps per generator step; None: 5 for "wgan-gp", 1 otherwise.
    gp_weight : float, default=10.0
        Gradient-penalty weight ("wgan-gp").
    projection : bool, default=False
        Tables and numeric data: the discriminator takes the label by projection
        (Miyato & Koyama, 2018), adding the inner product of a learned label embedding
        with its last hidden layer, instead of reading it with the input. Image and
        signal discriminators always project.
    class_weight : {None, "balanced"}, default=None
        None: training batches hold the classes at their frequencies. "balanced":
        rows are drawn so every class is equally frequent, and so is every label the
        generator is trained on: rare classes get as many updates as common ones.
        Best when sampling rare classes matters (as for :class:`~skgan.GANResampler`,
        whose default model uses it); ``class_prior_`` keeps the real frequencies.
    pac : int, default=1
        Samples the discriminator judges together (PacGAN).
    adapter, generator_dims, discriminator_dims, latent_dim, epochs, batch_size, \
generator_lr, discriminator_lr, betas, ema_decay, warm_start, device, amp, cuda_graphs, \
random_state, verbose, early_stopping, validation_fraction, n_iter_no_change, tol, \
validation_scoring, max_time, distributed, dp_epsilon, dp_delta, dp_max_grad_norm
        As for :class:`~skgan.GANSampler`, except that on signals ``epochs="auto"``
        runs 5,000 steps and ``ema_decay="auto"`` is 0.99, as elsewhere; early
        stopping holds out rows of every class and scores them with :meth:`score`
        (``validation_scoring`` is called as ``scorer(estimator, X, y)``, or as
        ``scorer(estimator, X)`` when it takes two arguments). With
        ``dp_epsilon``, the labels the generator is trained with are drawn from
        ``class_prior_`` (the class frequencies, read without noise), not taken from
        the real rows of the step; mismatched-label negatives are left out (they would
        show each real row twice); "wgan-gp" and ``class_weight="balanced"`` are
        refused; after training, levels, modes and continuous units are calibrated as
        a private ``GANSampler``'s, over rows with labels drawn from ``class_prior_``
        (no private pair tables). With ``validation_fraction=None``, early stopping
        scores the training rows (when more than 2,000, 2,000 of them drawn stratified
        by class, or at random when a class is too small to be drawn).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels seen in fit, sorted.
    n_iter_, validation_scores_, best_validation_score_
        As for :class:`~skgan.GANSampler`.
    class_prior_ : ndarray of shape (n_classes,)
        Their frequencies; ``sample`` without ``y`` draws labels from it.
    history_ : dict of lists
        As for :class:`~skgan.GANSampler`, with "mismatch_loss" (the discriminator's
        loss on real rows given other labels, where it applies) and, with
        ``objective="wgan-gp"``, "gradient_penalty".
    adapter_, generator_, discriminator_, generator_average_, optimizers_, \
device_, n_features_in_, feature_names_in_, dp_epsilon_spent_, dp_delta_, \
dp_noise_multiplier_
        As for :class:`~skgan.GANSampler`.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import ConditionalGAN
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(2, size=200)
    >>> X = rng.normal(size=(200, 2)) + 4 * y[:, None]
    >>> model = ConditionalGAN(epochs=3, random_state=0).fit(X, y)
    >>> samples, labels = model.sample(4, y=1)
    >>> samples.shape, labels.tolist()
    ((4, 2), [1, 1, 1, 1])
    """

    # Level rates differ by class and a shift is one for all classes: only private fits,
    # whose noisy training leaves levels far off, are calibrated (over all classes).
    _calibrates_level_rates = False

    _parameter_constraints = {
        **BaseGAN._parameter_constraints,
        "objective": [StrOptions(set(OBJECTIVES))],
        "mismatch_weight": [Interval(Real, 0, None, closed="left")],
        "n_critic": [Interval(Integral, 1, None, closed="left"), None],
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "projection": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), None],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "dp_epsilon": [Interval(Real, 0, None, closed="neither"), None],
        "dp_delta": [Interval(Real, 0, 1, closed="neither"), None],
        "dp_max_grad_norm": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, objective="bce", mismatch_weight=1.0, n_critic=None, gp_weight=10.0,
                 projection=False, class_weight=None, pac=1, adapter="auto",
                 generator_dims=(256, 256), discriminator_dims=(256, 256), latent_dim=32,
                 epochs="auto", batch_size=128, generator_lr=1e-3, discriminator_lr=1e-3,
                 betas=(0.5, 0.999), ema_decay="auto",
                 warm_start=False, device="auto", amp="auto",
                 cuda_graphs="auto", random_state=None, verbose=0,
                 early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, validation_scoring=None, max_time=None,
                 distributed="auto", dp_epsilon=None, dp_delta=None, dp_max_grad_norm=1.0):
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
        self.objective = objective
        self.mismatch_weight = mismatch_weight
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.projection = projection
        self.class_weight = class_weight
        self.pac = pac
        self.dp_epsilon = dp_epsilon
        self.dp_delta = dp_delta
        self.dp_max_grad_norm = dp_max_grad_norm

    def _extra_params_check(self):
        if self._private_training() and self.objective == "wgan-gp":
            raise ValueError("objective='wgan-gp' cannot train with dp_epsilon: per-row "
                             "gradients of its gradient penalty are not supported; use "
                             "'bce' or 'hinge'.")
        if self._private_training() and self.class_weight is not None:
            raise ValueError("class_weight='balanced' draws rows by class, not by Poisson "
                             "sampling, which dp_epsilon needs; use class_weight=None.")
        self._check_private_params()

    _stratified_validation = True  # early stopping holds out rows of every class

    def _check_rows_to_score(self, y_train, y_scored):
        counts = label_counts(y_train, y_scored)
        if max(counts.values(), default=0) < 2:
            raise too_few_to_score(counts, "at least 2 rows of one class")
    _latent_labels_required = True  # the generator's output depends on the label

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y):
        """Train on data ``X`` with class labels ``y``.

        Parameters
        ----------
        X : array-like, DataFrame, images or signals
            Training data, as for :meth:`skgan.GANSampler.fit`.
        y : array-like of shape (n_samples,)
            Class labels (integers or strings).

        Returns
        -------
        self : object
        """
        return super().fit(X, y)

    def partial_fit(self, X, y, classes=None):
        """Train for one epoch on ``(X, y)``, continuing from the current weights.

        As scikit-learn's ``partial_fit`` of classifiers: the first call may name every
        class the stream will hold in ``classes``, so a class missing from the first
        chunk can come in a later one; without it, later labels must be among those of
        the first call. ``class_prior_`` counts the labels of every call.

        Parameters
        ----------
        X : array-like, DataFrame, images or signals
            A chunk of training data.
        y : array-like of shape (n_samples,)
            Its class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class of the stream (first call; later calls may repeat it or leave
            it out).

        Returns
        -------
        self : object

        Examples
        --------
        >>> import numpy as np
        >>> from skgan import ConditionalGAN
        >>> rng = np.random.RandomState(0)
        >>> model = ConditionalGAN(epochs=1, random_state=0)
        >>> model = model.partial_fit(rng.normal(size=(40, 2)), [0] * 40, classes=[0, 1])
        >>> model = model.partial_fit(rng.normal(size=(40, 2)) + 4, [1] * 40)
        >>> model.classes_.tolist(), model.class_prior_.tolist()
        ([0, 1], [0.5, 0.5])
        """
        declared = None if classes is None else declared_classes(classes)
        if declared is not None and self._is_trained() and not (
                len(declared) == len(self.classes_)
                and (declared == self.classes_).all()):
            raise ValueError(f"classes={declared.tolist()} differs from the classes of the "
                             f"first call to partial_fit ({self.classes_.tolist()}); pass "
                             "the same classes, or none, to later calls.")
        self._declared_classes = None if self._is_trained() else declared
        try:
            return super().partial_fit(X, y)
        finally:
            del self._declared_classes

    def _condition_tensors(self, y, reset):
        return self._one_hot(self._check_labels(y, reset))

    def _batch_sampler(self, tensors, batch_size):
        """Class-balanced batches with ``class_weight="balanced"``, else the base's."""
        if self.class_weight is None:
            return super()._batch_sampler(tensors, batch_size)
        encoded, classes = tensors
        n_rows = encoded.shape[0]
        class_sizes = classes.sum(dim=0).clamp_min(1)  # absent from a partial_fit
        row_weights = (classes / class_sizes).sum(dim=1)
        conditioner = self.conditioner_

        def sampler(generator):
            n_batches = max(1, n_rows // batch_size)
            weights = row_weights.to(generator.device)
            rows = torch.multinomial(weights, n_batches * batch_size, replacement=True,
                                     generator=generator).to(encoded.device)
            for batch_rows in rows.split(batch_size):
                batch, condition = encoded[batch_rows], classes[batch_rows]
                if conditioner is not None:
                    condition = torch.cat([condition, conditioner.own_levels(batch, generator)],
                                          dim=1)
                yield batch, condition

        return sampler

    def _prepare_training(self, X, y, reset):
        tensors = super()._prepare_training(X, y, reset)
        if reset and self.conditioner_ is not None:
            # Levels asked for at sampling time follow each class's own mix.
            self._level_probabilities = self.conditioner_.probabilities_by_group(*tensors)
        return tensors

    def _with_asked_levels(self, condition, n_rows, generator, asked_slot):
        """Asked levels drawn from the frequencies of each row's class."""
        if self.conditioner_ is None or asked_slot is not None:
            return super()._with_asked_levels(condition, n_rows, generator, asked_slot)
        probabilities = torch.as_tensor(self._level_probabilities, dtype=torch.float32,
                                        device=generator.device)
        rows_class = condition[:, :len(self.classes_)].argmax(dim=1).to(generator.device)
        levels = torch.multinomial(probabilities[rows_class], 1, generator=generator)[:, 0]
        asked = torch.nn.functional.one_hot(levels, self.conditioner_.dim).float()
        return torch.cat([condition, asked.to(condition.device)], dim=1)

    def _step_variant(self):
        """Whether this step also updates the generator (every ``n_critic``-th step)."""
        return (self._n_steps + 1) % self._critic_steps() == 0

    def _critic_steps(self):
        if self.n_critic is not None:
            return self.n_critic
        return 5 if self.objective == "wgan-gp" else 1

    # ------------------------------------------------------------------ training step
    def _mismatched(self, condition):
        """The condition with every row's class replaced by a different class."""
        n_classes = len(self.classes_)
        classes, rest = condition[:, :n_classes], condition[:, n_classes:]
        shift = torch.randint(1, n_classes, (len(condition),), generator=self._step_rng,
                              device=self._step_rng.device).to(condition.device)
        wrong = (classes.argmax(dim=1) + shift) % n_classes
        wrong = torch.nn.functional.one_hot(wrong, n_classes).to(condition.dtype)
        return torch.cat([wrong, rest], dim=1)

    def _fake_condition(self, condition, n_fake):
        """The labels generated rows are asked for: the real rows' own, but in a
        private fit ``n_fake`` drawn from the class prior (no real row's label)."""
        if not self._in_private_fit():
            return condition
        prior = torch.as_tensor(self.class_prior_, dtype=torch.float32,
                                device=self._step_rng.device)
        drawn = torch.multinomial(prior, n_fake, replacement=True, generator=self._step_rng)
        return torch.nn.functional.one_hot(drawn, len(self.classes_)).to(
            device=condition.device, dtype=condition.dtype)

    def _train_step(self, batch):
        real, condition = batch
        n_real = real.shape[0]
        mismatch = (self.mismatch_weight > 0 and len(self.classes_) > 1
                    and not self._in_private_fit())
        n_fake = self._fake_rows_per_step(n_real)
        fake_condition = self._fake_condition(condition, n_fake)
        with torch.no_grad():
            fake, _ = self._generate_for_training(n_fake, fake_condition)
        losses = self._discriminator_step(real, fake, condition, mismatch, fake_condition)
        self._n_steps += 1
        if self._n_steps % self._critic_steps() == 0:
            with self._frozen(self.discriminator_):
                fake_condition = self._fake_condition(condition, n_fake)
                fake, condition_penalty = self._generate_for_training(n_fake, fake_condition)
                scores = self._judge(fake, fake_condition)
                if self.objective == "wgan-gp":
                    g_loss = wasserstein_generator_loss(scores)
                else:
                    g_loss = generator_loss(scores, self.objective)
                losses["generator_loss"] = g_loss
                g_loss = self._with_generator_terms(g_loss, losses, real, fake,
                                                    condition_penalty)
                self._optimize("generator", g_loss)
        return losses

    def _discriminator_step(self, real, fake, condition, mismatch, fake_condition):
        """One discriminator update; every judged pair goes through in one pass."""
        inputs, conditions = [real, fake], [condition, fake_condition]
        if mismatch:
            inputs.append(real)
            conditions.append(self._mismatched(condition))
        wgan = self.objective == "wgan-gp"
        if wgan:
            mixed = interpolate(real, fake, self._step_rng).requires_grad_(True)
            inputs.append(mixed)
            conditions.append(condition)
        with self._per_row_gradients():
            scores = self._judge(torch.cat(inputs), torch.cat(conditions))
            losses = self._discriminator_update(real, fake, mismatch, wgan, scores,
                                                mixed if wgan else None)
        return losses

    def _discriminator_update(self, real, fake, mismatch, wgan, scores, mixed):
        """The loss of the scores of real, fake, then mismatched and mixed packs, and
        the step on it."""
        n_real, n_fake = len(real) // self._pac(), len(fake) // self._pac()
        real_scores, fake_scores, *others = scores.split(
            [n_real, n_fake] + [n_real] * (int(mismatch) + int(wgan)))
        losses = {}
        if wgan:
            d_loss = wasserstein_critic_loss(real_scores, fake_scores)
            penalty = gradient_penalty(others[-1], mixed, self._pac())
            d_loss = d_loss + self.gp_weight * penalty
            losses["gradient_penalty"] = penalty.detach()
        else:
            d_loss = discriminator_loss(real_scores, fake_scores, self.objective,
                                        reduction=self._loss_reduction())
        if mismatch:
            if wgan:
                mismatch_loss = torch.relu(1.0 - real_scores + others[0]).mean()
            else:
                mismatch_loss = negative_loss(others[0], self.objective)
            d_loss = d_loss + self.mismatch_weight * mismatch_loss
            losses["mismatch_loss"] = mismatch_loss.detach()
        self._optimize("discriminator", d_loss)
        losses["discriminator_loss"] = d_loss
        return self._real_row_losses(**losses)

    # ------------------------------------------------------------------ scoring
    def _latent_condition(self, y, n_rows, needed_for):
        """The one-hot condition of labels ``y`` for codes' rows; ``needed_for`` names
        what refuses a missing ``y``."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__}'s {needed_for} needs y, the label of each row: the "
                "generator's output depends on it.")
        labels = np.asarray(plain_labels(y))
        if labels.ndim == 0:  # one label for every row, as sample and interpolate take
            labels = np.repeat(labels[None], n_rows)
        labels = column_or_1d(labels)
        if len(labels) != n_rows:
            raise ValueError(f"y has {len(labels)} labels for {n_rows} rows.")
        self._check_known(labels)
        return self._one_hot(labels)

    def score(self, X, y):
        """Class-weighted mean of ``-MMD²`` between each class's rows and its samples.

        For every class of ``y`` with at least 2 rows, the rows are compared with as
        many samples generated for that class (encoded space, RBF kernel of
        median-heuristic width from the rows). Greater is better; use stratified folds.

        Parameters
        ----------
        X : held-out data of the kind ``fit`` saw
        y : array-like of shape (n_samples,)
            Their labels, all seen in fit.

        Returns
        -------
        score : float
        """
        real = self._encoded_for_score(X)
        labels = column_or_1d(plain_labels(y))
        if len(labels) != len(real):
            raise ValueError(f"X has {len(real)} rows but y has {len(labels)}.")
        self._check_known(labels)
        seeds = self._score_seeds()
        total, weight = 0.0, 0
        for label in np.unique(labels):
            rows = real[labels == label][: self.max_score_samples]
            if len(rows) < 2:
                continue
            condition = self._one_hot(np.repeat(label, len(rows)))
            total += len(rows) * self._negative_mmd_to_generated(rows, seeds, condition)
            weight += len(rows)
        if weight == 0:
            raise ValueError("score needs at least 2 rows of one class.")
        return total / weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
