"""The latent space of a fitted sampler: data to codes and back, paths between codes.

A generator maps latent codes to data; the encoder ``encoder_`` maps data back, fitted
after the adversarial training by inversion: from samples ``G(z)`` it learns codes whose
noiseless output rebuilds them (and that stay near ``z``), so the generator and its
samples are exactly those training gave. ``transform(X, refine_steps=k)`` then refines each
row's code by ``k`` gradient steps on the distance between ``G(z)`` and the row.
"""

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, _num_samples, check_is_fitted

from ..networks.encoder import make_encoder
from .calibration import warn_kept
from .sample_chunks import _check_count
from .torch_utils import make_generator

#: Rows a step of the encoder's training generates.
ENCODER_BATCH_SIZE = 128
#: Rows encoded, decoded or refined at a time.
LATENT_CHUNK = 4096
#: Learning rates: of the encoder's Adam, and of the codes' Adam when refining.
ENCODER_LR = 1e-3
REFINE_LR = 0.05
#: Weight of the codes' squared error beside the rows' (the encoder's loss): a small
#: pull towards the codes that made the rows, so codes stay where the generator was
#: trained. The rows' error alone rebuilds them best; the codes' alone (a regression
#: on the codes) rebuilds them about three times worse on a curve in 3-D whose
#: generator has 8 latent dimensions: many codes give one row, and their mean need not.
CODE_WEIGHT = 1e-2
#: Weight of the Gaussian prior ``|z|^2 / 2`` beside the reconstruction error when
#: refining: keeps codes where the generator was trained.
PRIOR_WEIGHT = 1e-2


class LatentMixin(TransformerMixin):
    """``transform``, ``inverse_transform`` and ``interpolate`` of the samplers.

    Relies on the fitted ``adapter_``, ``device_``, ``_architecture`` and
    ``_sampling_generator()`` of :class:`skgan.base.BaseGAN`, and on
    ``_latent_condition(y, n_rows)`` (the generator's condition for rows of labels
    ``y``) and ``_encoder_training_condition(n_rows, generator)``.
    """

    #: Whether the generator's output depends on labels (ConditionalGAN): then
    #: ``interpolate`` needs ``y_start`` and ``y_stop``.
    _latent_labels_required = False

    #: Training steps of the encoder: a tenth of the adversarial steps of the fit,
    #: within these bounds. On digits (5,000 adversarial steps), 500 encoder steps cost
    #: about a tenth of the fit and rebuild held-out digits almost as well as 2,000
    #: (pixel MSE 0.0116 against 0.0102; 0.0037 against 0.0034 after 50 refine steps).
    min_encoder_steps = 10
    max_encoder_steps = 500

    # ------------------------------------------------------------------ public
    def transform(self, X, y=None, *, refine_steps=0):
        """Latent codes of ``X``: the points of the latent space the generator maps to
        (nearly) ``X``.

        Codes come from the encoder fitted after training (``encoder_``); with
        ``refine_steps`` each row's code then takes that many Adam steps on the squared
        distance between the generator's output and the row (in the adapter's encoding,
        with a small Gaussian prior on the code). Each row is encoded on its own.

        Parameters
        ----------
        X : array-like, DataFrame, images or signals
            Data of the kind ``fit`` saw.
        y : array-like of shape (n_samples,), one label, or None, default=None
            Labels, for :class:`~skgan.ConditionalGAN` only: refining a code needs them
            (the generator's output depends on the label); the encoder does not. One
            label stands for every row.
        refine_steps : int, default=0
            Gradient steps per row after the encoder (0: the encoder's codes).

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim), float32
        """
        check_is_fitted(self)
        refine_steps = _check_count(refine_steps, "refine_steps", 0)
        self._check_fitted_input(X)
        encoder = getattr(self, "encoder_", None)
        if encoder is None:
            raise ValueError(
                f"This {type(self).__name__} has no encoder: it was saved before encoders "
                "existed, or fitting the encoder failed (see the warning of that fit). Fit "
                "it again to use transform.")
        # As encode refuses them: a level never seen in training, or a missing value in
        # a column that had none, has no code to reconstruct.
        encoded = self.adapter_.encode(X)
        condition = None
        if refine_steps or y is not None:  # labels given are checked even when unused
            condition = self._latent_condition(y, len(encoded), needed_for="refine_steps")
        codes = []
        encoder.eval()
        for start in range(0, len(encoded), LATENT_CHUNK):
            rows = torch.as_tensor(encoded[start:start + LATENT_CHUNK], device=self.device_)
            with torch.no_grad():
                latent = encoder(rows.float())
            if refine_steps:
                part = None if condition is None else condition[start:start + len(rows)]
                latent = self._refined(latent, rows.float(), part, refine_steps)
            codes.append(latent.detach().cpu())
        if not codes:
            return np.empty((0, self._architecture["latent_dim"]), dtype=np.float32)
        return torch.cat(codes).numpy()

    def inverse_transform(self, Z, y=None):
        """Data generated from the latent codes ``Z``, of the kind ``fit`` saw.

        Deterministic: the generator's output without its noise (tables: each
        category's most likely level; images: no injected noise), decoded with a fixed
        seed. ``inverse_transform(transform(X))`` reconstructs ``X`` as closely as the
        generator can. One row per code: unlike :meth:`sample`, nothing chooses among
        generated rows, so a TabularAdapter's pair calibration does not apply and a
        constraint that sampling keeps by drawing rows again may not hold.

        Parameters
        ----------
        Z : array-like of shape (n_samples, latent_dim)
            Latent codes (from :meth:`transform`, or drawn: the generator was trained on
            standard normal codes).
        y : array-like of shape (n_samples,), one label, or None, default=None
            The label of each row (one label: every row's), for
            :class:`~skgan.ConditionalGAN` (required there).

        Returns
        -------
        X : samples of the kind ``fit`` saw
        """
        check_is_fitted(self)
        self._check_same_adapter()
        latent = self._checked_codes(Z)
        condition = self._latent_condition(y, len(latent), needed_for="inverse_transform")
        network = self._sampling_generator()
        network.eval()
        parts = []
        with torch.inference_mode(), self._autocast():
            for start in range(0, len(latent), LATENT_CHUNK):
                codes = latent[start:start + LATENT_CHUNK].to(self.device_)
                part = None if condition is None else condition[start:start + len(codes)]
                parts.append(network.noiseless_output(
                    codes, self._with_mean_asked_levels(part, len(codes))).float().cpu())
        shape = tuple(self.adapter_.encoded_shape_)
        encoded = (torch.cat(parts).numpy() if parts
                   else np.empty((0, int(np.prod(shape))), dtype=np.float32))
        return self.adapter_.decode(encoded.reshape(len(latent), *shape), random_state=0)

    def interpolate(self, X_start, X_stop, n_steps=8, *, method="spherical", y_start=None,
                    y_stop=None, refine_steps=0):
        """Samples along the latent path from each row of ``X_start`` to the same row of
        ``X_stop``: the first is ``X_start``'s reconstruction, the last ``X_stop``'s.

        Parameters
        ----------
        X_start, X_stop : data of the kind ``fit`` saw, of the same number of rows
        n_steps : int, default=8
            Samples per path, both ends included (at least 2).
        method : {"spherical", "linear"}, default="spherical"
            "linear": straight between the codes; "spherical": along the great circle
            (Shoemake's slerp) with the norm interpolated linearly, which keeps the
            intermediate codes as long as Gaussian codes are (a straight line between
            two Gaussian codes passes nearer the origin, where few codes lie).
        y_start, y_stop : array-like or None, default=None
            Labels of the two ends (:class:`~skgan.ConditionalGAN`); the path's samples
            take ``y_start``'s label for the first half and ``y_stop``'s after.
        refine_steps : int, default=0
            As for :meth:`transform`.

        Returns
        -------
        X : samples of the kind ``fit`` saw, ``n_steps`` per row of ``X_start``, path
            after path (rows ``i * n_steps`` to ``(i + 1) * n_steps - 1`` are path ``i``).
        """
        n_steps = _check_count(n_steps, "n_steps", 2)
        check_path_method(method)
        if self._latent_labels_required and y_start is None and y_stop is None:
            raise ValueError(
                f"{type(self).__name__}'s interpolate needs y_start and y_stop, the labels "
                "of the rows of X_start and X_stop: the generator's output depends on them.")
        n_rows, n_stop_rows = _num_samples(X_start), _num_samples(X_stop)
        if n_rows != n_stop_rows:
            raise ValueError(
                f"X_start has {n_rows} rows but X_stop has {n_stop_rows}; pass one row "
                "of X_stop per row of X_start.")
        ends = [None, None]
        if y_start is not None or y_stop is not None:
            if y_start is None or y_stop is None:
                raise ValueError("pass both y_start and y_stop, or neither.")
            ends = [_labels_for(end, n_rows, name)
                    for end, name in ((y_start, "y_start"), (y_stop, "y_stop"))]
        start = self.transform(X_start, ends[0], refine_steps=refine_steps)
        stop = self.transform(X_stop, ends[1], refine_steps=refine_steps)
        path = latent_path(start, stop, n_steps, method)
        labels = None
        if ends[0] is not None:
            first_half = np.arange(n_steps) < (n_steps + 1) // 2
            labels = np.where(first_half[None, :], ends[0][:, None],
                              ends[1][:, None]).reshape(-1)
        return self.inverse_transform(path, labels)

    def get_feature_names_out(self, input_features=None):
        """Names of the latent columns: ``latent0``, ``latent1``, ...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the names seen in fit; unused otherwise.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray([f"latent{i}" for i in range(self._architecture["latent_dim"])],
                          dtype=object)

    # ------------------------------------------------------------------ encoder
    def _fit_encoder(self, n_training_steps):
        """Fit (or, continuing training, go on fitting) ``encoder_`` by inversion.

        Steps: a tenth of ``n_training_steps``, within ``min_encoder_steps`` and
        ``max_encoder_steps`` (continuing training, as ``partial_fit`` does a little at
        a time: at least one, not the minimum). Each draws standard normal codes from
        the encoder's own random stream (the sampling stream is not advanced),
        generates rows from them as :meth:`sample` does (eval mode, the generator's own
        noise; a model trained by sampling gets the condition that asks for no level,
        as decoding codes does) and takes an Adam step on the squared error between the
        rows and the generator's noiseless output for the predicted codes, plus
        ``CODE_WEIGHT`` times the squared error of the codes. A failure (or Ctrl-C)
        keeps the adversarial training, warns and leaves no encoder.
        """
        rng = getattr(self, "_encoder_rng", None)
        encoder = getattr(self, "encoder_", None)
        continuing = rng is not None and encoder is not None
        n_steps = int(np.clip(n_training_steps // 10,
                              1 if continuing else self.min_encoder_steps,
                              self.max_encoder_steps))
        latent_dim = self._architecture["latent_dim"]
        try:
            if not continuing:
                rng = make_generator((self._score_seed + 104_729) % 2**31, self.device_)
                encoder = make_encoder(
                    self.adapter_, latent_dim=latent_dim,
                    hidden_dims=self._architecture["discriminator_dims"],
                    device=self.device_, generator=rng)
            network = self._sampling_generator()
            network.eval()
            optimizer = torch.optim.Adam(encoder.parameters(), lr=ENCODER_LR)
            encoder.train()
            with self._frozen(network):  # gradients reach the codes, not the generator
                self._train_encoder(encoder, network, optimizer, rng, n_steps)
            encoder.eval()
        except (Exception, KeyboardInterrupt) as error:
            warn_kept(self, "kept its training but has no encoder (transform needs one)",
                      "fitting the encoder", error)
            self.encoder_ = None
            self.__dict__.pop("_encoder_rng", None)
            return
        self.encoder_, self._encoder_rng = encoder, rng

    def _train_encoder(self, encoder, network, optimizer, rng, n_steps):
        """``n_steps`` Adam steps of ``encoder`` on rows ``network`` generates."""
        latent_dim = self._architecture["latent_dim"]
        for _ in range(n_steps):
            with torch.no_grad():
                latent = torch.randn(ENCODER_BATCH_SIZE, latent_dim, generator=rng,
                                     device=rng.device).to(self.device_)
                condition = self._with_mean_asked_levels(
                    self._encoder_training_condition(ENCODER_BATCH_SIZE, rng),
                    ENCODER_BATCH_SIZE)
                rows = network(latent, condition, rng).float()
            predicted = encoder(rows)
            rebuilt = network.noiseless_output(predicted, condition).float()
            loss = ((rebuilt - rows) ** 2).sum() + CODE_WEIGHT * (
                (predicted - latent) ** 2).sum()
            optimizer.zero_grad(set_to_none=True)
            (loss / ENCODER_BATCH_SIZE).backward()
            optimizer.step()

    def _encoder_training_condition(self, n_rows, generator):
        """The generator's condition for the encoder's training rows (None here)."""
        return None

    def _refined(self, latent, rows, condition, n_steps):
        """``latent`` after ``n_steps`` Adam steps on each row's reconstruction error.

        Gradients are taken with respect to the codes alone (the generator's weights
        get none, and their ``requires_grad`` flags are left as they are), also when
        called under the user's ``torch.no_grad`` or ``inference_mode``.
        """
        network = self._sampling_generator()
        network.eval()
        with torch.inference_mode(False), torch.enable_grad():
            condition = self._with_mean_asked_levels(
                None if condition is None else condition.clone(), len(latent))
            flat_rows = rows.reshape(len(rows), -1).clone()
            latent = latent.detach().clone().requires_grad_(True)
            optimizer = torch.optim.Adam([latent], lr=REFINE_LR)
            for _ in range(n_steps):
                output = network.noiseless_output(latent, condition).reshape(len(rows), -1)
                # Summed over rows: each row's gradient is its own, whatever the chunk.
                loss = ((output - flat_rows) ** 2).sum() + PRIOR_WEIGHT * 0.5 * (
                    latent ** 2).sum()
                latent.grad, = torch.autograd.grad(loss, [latent])
                optimizer.step()
        return latent.detach()

    def _with_mean_asked_levels(self, condition, n_rows):
        """``condition`` plus, for a model trained by sampling, the condition vector that
        asks for no level in particular: each level's share of sampling's draws."""
        conditioner = getattr(self, "conditioner_", None)
        if conditioner is None:
            return condition
        mean = torch.as_tensor(conditioner.sampling_probabilities, dtype=torch.float32,
                               device=self.device_).expand(n_rows, -1)
        return mean if condition is None else torch.cat([condition, mean], dim=1)

    def _checked_codes(self, Z):
        """``Z`` as a float32 tensor of shape (n, latent_dim), or a clear error."""
        latent_dim = self._architecture["latent_dim"]
        try:
            given = np.asarray(Z)
            if given.dtype.kind == "c":  # float32 would silently drop the imaginary parts
                raise TypeError(f"got complex values (dtype {given.dtype})")
            if given.dtype.kind == "O" and any(value is None for value in given.flat):
                raise TypeError("got None among the values")
            exact = given.astype(np.float64)
        except OverflowError:  # a Python int past float64
            raise ValueError("Z holds values beyond float32's range.") from None
        except (TypeError, ValueError) as error:
            raise TypeError(f"Z must be an array of real numbers: {error}") from error
        if exact.ndim != 2 or exact.shape[1] != latent_dim:
            raise ValueError(
                f"Z must have shape (n_samples, {latent_dim}) (latent_dim={latent_dim}), "
                f"got {exact.shape}.")
        if not np.isfinite(exact).all():
            raise ValueError("Z holds NaN or infinite values.")
        if (np.abs(exact) > np.finfo(np.float32).max).any():
            raise ValueError(f"Z holds values beyond float32's range "
                             f"(|value| > {np.finfo(np.float32).max:.3g}).")
        return torch.from_numpy(np.ascontiguousarray(exact.astype(np.float32)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def latent_path(start, stop, n_steps, method="spherical"):
    """Codes along paths from each row of ``start`` to the same row of ``stop``.

    Parameters
    ----------
    start, stop : ndarray of shape (n_paths, latent_dim)
    n_steps : int
        Codes per path, both ends included.
    method : {"spherical", "linear"}, default="spherical"
        "linear": ``(1 - t) a + t b``. "spherical": the direction along the great
        circle from ``a``'s to ``b``'s (slerp) and the norm linear in ``t``; the ends
        are exactly ``a`` and ``b``.

    Returns
    -------
    path : ndarray of shape (n_paths * n_steps, latent_dim), path after path

    Examples
    --------
    >>> import numpy as np
    >>> path = latent_path(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]), 3)
    >>> np.round(path.astype(float), 3).tolist()
    [[1.0, 0.0], [1.061, 1.061], [0.0, 2.0]]
    """
    check_path_method(method)
    n_steps = _check_count(n_steps, "n_steps", 2)
    start = np.asarray(start, dtype=np.float64)
    stop = np.asarray(stop, dtype=np.float64)
    t = np.linspace(0.0, 1.0, n_steps)[None, :, None]
    a, b = start[:, None, :], stop[:, None, :]
    if method == "linear":
        path = (1 - t) * a + t * b
    else:
        norm_a = np.linalg.norm(a, axis=2, keepdims=True)
        norm_b = np.linalg.norm(b, axis=2, keepdims=True)
        unit_a = a / np.where(norm_a > 0, norm_a, 1.0)
        unit_b = b / np.where(norm_b > 0, norm_b, 1.0)
        cosine = np.clip((unit_a * unit_b).sum(axis=2, keepdims=True), -1.0, 1.0)
        angle = np.arccos(cosine)
        sine = np.sin(angle)
        # Nearly parallel directions (or a zero code): a straight line is the same path.
        safe = sine > 1e-6
        weight_a = np.where(safe, np.sin((1 - t) * angle) / np.where(safe, sine, 1.0), 1 - t)
        weight_b = np.where(safe, np.sin(t * angle) / np.where(safe, sine, 1.0), t)
        direction = weight_a * unit_a + weight_b * unit_b
        direction /= np.maximum(np.linalg.norm(direction, axis=2, keepdims=True), 1e-12)
        path = ((1 - t) * norm_a + t * norm_b) * direction
        path[:, 0], path[:, -1] = start, stop
    return path.reshape(-1, start.shape[1]).astype(np.float32)


def check_path_method(method):
    """``method`` of a latent path, or a ValueError naming the choices."""
    if method not in ("spherical", "linear"):
        raise ValueError(f"method must be 'spherical' or 'linear', got {method!r}.")


def _labels_for(labels, n_rows, name):
    """One label per row: a single label repeated, or ``n_rows`` of them."""
    labels = np.asarray(labels)
    if labels.ndim == 0:
        return np.repeat(labels, n_rows)
    labels = labels.reshape(-1)
    if len(labels) != n_rows:
        raise ValueError(f"{name} has {len(labels)} labels for {n_rows} rows; pass one "
                         "label or one per row.")
    return labels
