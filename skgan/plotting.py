"""Quick looks at samples with matplotlib (an optional dependency: ``pip install skgan[plots]``)."""

import math
import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted


def _pyplot(function_name):
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{function_name} needs matplotlib: pip install 'skgan[plots]' (or matplotlib)."
        ) from error
    return plt


def _as_image_stack(images):
    """Images as ``(N, H, W)`` or ``(N, H, W, C)`` floats in [0, 1] for ``imshow``."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[1] in (1, 3, 4) and images.shape[3] not in (1, 3, 4):
        images = images.transpose(0, 2, 3, 1)
    if images.ndim == 4 and images.shape[3] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(
            f"images must be (N, H, W), (N, C, H, W) or (N, H, W, C); got shape {images.shape}."
        )
    if images.ndim == 4 and images.shape[3] not in (3, 4):
        raise ValueError(
            f"Cannot draw images of shape {images.shape}: neither axis 1 nor the last "
            "holds 1, 3 or 4 channels (grayscale, RGB, RGBA). Draw some channels, e.g. "
            "images[:, :3] or images[:, 0] for channels first."
        )
    if images.size == 0:
        raise ValueError(f"images is empty (shape {images.shape}): nothing to draw.")
    if images.dtype == np.uint8:
        return images / 255.0
    images = images.astype(np.float64)
    finite = np.isfinite(images)
    if not finite.any():
        raise ValueError("images hold no finite pixel: nothing to draw.")
    # NaN pixels stay NaN (drawn blank); they do not set the scale of the others.
    low, high = images[finite].min(), images[finite].max()
    return (images - low) / (high - low) if high > low else np.where(finite, 0.0, np.nan)


def _check_positive_count(value, name):
    """A ValueError unless ``value`` is an integer of at least 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")


def plot_image_grid(images, n_cols=8, *, ax=None, cmap="gray", title=None):
    """Draw images side by side in a grid, in one axes.

    Parameters
    ----------
    images : array-like of shape (N, H, W), (N, C, H, W) or (N, H, W, C)
        What :meth:`skgan.GANSampler.sample` returns for images; ``uint8`` images are
        shown as they are, others scaled together from their minimum to maximum.
    n_cols : int, default=8
        Images per row.
    ax : matplotlib Axes or None, default=None
        Where to draw; None creates a figure sized to the grid.
    cmap : str, default="gray"
        Colour map of one-channel images.
    title : str or None, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skgan.plotting import plot_image_grid
    >>> ax = plot_image_grid(np.random.RandomState(0).rand(10, 8, 8), n_cols=5)
    >>> ax.images[0].get_array().shape
    (18, 48)
    """
    plt = _pyplot("plot_image_grid")
    _check_positive_count(n_cols, "n_cols")
    stack = _as_image_stack(images)
    n_images, height, width = stack.shape[:3]
    if n_images == 0:
        raise ValueError("images is empty: nothing to draw.")
    n_cols = max(1, min(n_cols, n_images))
    n_rows = math.ceil(n_images / n_cols)
    gap = 2
    canvas = np.ones(
        (n_rows * (height + gap) - gap, n_cols * (width + gap) - gap, *stack.shape[3:])
    )
    for index, image in enumerate(stack):
        row, col = divmod(index, n_cols)
        top, left = row * (height + gap), col * (width + gap)
        canvas[top:top + height, left:left + width] = image
    if ax is None:
        _, ax = plt.subplots(figsize=(max(2.0, 0.6 * n_cols), max(2.0, 0.6 * n_rows)))
    ax.imshow(canvas, cmap=cmap if canvas.ndim == 2 else None, vmin=0.0, vmax=1.0,
              interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return ax


def plot_signals(signals, n_signals=4, *, ax=None, title=None, **line_options):
    """Draw the first few signals of ``(N, L)`` or ``(N, C, L)`` data, one offset per row.

    Parameters
    ----------
    signals : array-like of shape (N, L) or (N, C, L)
        What :meth:`skgan.GANSampler.sample` returns for signals. Channels of one
        signal share its row, in successive colours.
    n_signals : int, default=4
        How many signals to draw.
    ax : matplotlib Axes or None, default=None
    title : str or None, default=None
    **line_options
        Passed to ``ax.plot`` (e.g. ``linewidth``).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skgan.datasets import make_waveforms
    >>> from skgan.plotting import plot_signals
    >>> ax = plot_signals(make_waveforms(6, n_channels=2, random_state=0)[0], n_signals=3)
    >>> len(ax.lines)
    6
    """
    plt = _pyplot("plot_signals")
    signals = np.asarray(signals, dtype=np.float64)
    if signals.ndim == 2:
        signals = signals[:, None]
    if signals.ndim != 3:
        raise ValueError(f"signals must be (N, L) or (N, C, L); got shape {signals.shape}.")
    _check_positive_count(n_signals, "n_signals")
    if signals.size == 0:
        raise ValueError(f"signals is empty (shape {signals.shape}): nothing to draw.")
    shown = signals[:n_signals]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.2 + 0.9 * len(shown)))
    finite = np.abs(shown[np.isfinite(shown)])  # NaN leaves a gap in its own line only
    if not finite.size:
        raise ValueError("signals hold no finite value: nothing to draw.")
    spacing = 2.2 * max(finite.max(), 1e-12)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for row, signal in enumerate(shown):
        for channel, values in enumerate(signal):
            ax.plot(values - row * spacing, color=colors[channel % len(colors)], **line_options)
    ax.set_yticks([])
    ax.set_xlabel("position")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_validation_scores(estimator, *, ax=None, title=None):
    """Draw the held-out scores an early-stopped fit checked, and the epoch it kept.

    Parameters
    ----------
    estimator : fitted skgan estimator
        Fitted with ``early_stopping`` on (its ``history_`` has ``validation_score``);
        after warm-started fits, every fit's checks are drawn and the kept epoch is
        the last fit's kept check.
    ax : matplotlib Axes or None, default=None
    title : str or None, default=None

    Returns
    -------
    ax : matplotlib Axes
        Scores against epochs (greater is better), a shaded span over the last fit's
        checks that did not count (before 40 % of its epochs or of ``max_time``), a
        dashed line at the epoch whose networks the fit kept (its best counted score,
        by ``history_``'s ``validation_counted``) and a dotted one where training
        stopped.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skgan import GANSampler
    >>> from skgan.plotting import plot_validation_scores
    >>> X = np.random.RandomState(0).normal(size=(300, 2))
    >>> model = GANSampler(epochs=20, early_stopping=True, random_state=0).fit(X)
    >>> ax = plot_validation_scores(model)
    >>> ax.get_xlabel()
    'epoch'
    """
    plt = _pyplot("plot_validation_scores")
    if not hasattr(estimator, "fit"):
        raise TypeError(f"plot_validation_scores takes a fitted skgan estimator, got "
                        f"{type(estimator).__name__}.")
    check_is_fitted(estimator)
    history = getattr(estimator, "history_", {})
    last_fit_scores = getattr(estimator, "validation_scores_", None)
    if not last_fit_scores or "validation_score" not in history:
        why = "fit it with early_stopping=True"
        if getattr(estimator, "n_init", 1) > 1 and getattr(estimator, "max_time", None) \
                is not None and getattr(estimator, "early_stopping", False) is not False:
            why += (" (with n_init > 1 only the training after the random starts is "
                    "checked: a max_time that runs out during the starts leaves no "
                    "check)")
        raise ValueError(f"The estimator has no validation scores of its last fit: {why}.")
    epochs = np.asarray(history["epoch"])
    scores = np.asarray(history["validation_score"], dtype=np.float64)
    # Checks of every fit (warm starts too) are drawn; the kept networks are the check
    # of the last fit that scored best_validation_score_: the first counted one (from
    # 40 % of its epochs on, as early stopping counts them), or the first of all where
    # none counted scored it (a fit that ended before its checks counted).
    last_fit_checks = np.flatnonzero(~np.isnan(scores))[-len(last_fit_scores):]
    shown = np.isfinite(scores)
    if not np.isfinite(scores[last_fit_checks]).any():
        raise ValueError("No check of the estimator's last fit scored a finite number: "
                         "there is no kept epoch to draw.")
    counted = history.get("validation_counted")
    counted = (np.ones(len(epochs), dtype=bool) if counted is None  # models fitted before
               else np.asarray(counted, dtype=np.float64) == 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    ax.plot(epochs[shown], scores[shown], marker=".", label="validation score")
    n_uncounted = int((~counted[last_fit_checks]).sum())
    if n_uncounted:  # from the last fit's first check to its first counted one
        end = (epochs[last_fit_checks[n_uncounted]] if n_uncounted < len(last_fit_checks)
               else epochs[-1])
        ax.axvspan(epochs[last_fit_checks[0]], end, color="0.9", label="checks not counted")
    ties = scores[last_fit_checks] == getattr(estimator, "best_validation_score_", None)
    kept = np.flatnonzero(ties & counted[last_fit_checks])
    if not len(kept):
        kept = np.flatnonzero(ties)
    kept = kept[0] if len(kept) else np.argmax(scores[last_fit_checks])
    best = epochs[last_fit_checks[kept]]
    ax.axvline(best, linestyle="--", color="grey", label=f"kept (epoch {best})")
    ax.axvline(epochs[-1], linestyle=":", color="grey", label=f"stopped (epoch {epochs[-1]})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation score")
    ax.legend(loc="lower right")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_interpolation(estimator, X_start, X_stop, n_steps=8, *, method="spherical", ax=None,
                       title=None, **interpolate_options):
    """Draw the samples along latent paths between pairs of images, signals or rows.

    Each pair's ends are encoded (:meth:`skgan.GANSampler.transform`), the path between
    their codes is decoded (:meth:`skgan.GANSampler.interpolate`) and drawn: images as
    one row of ``n_steps`` images per pair, signals as ``n_steps`` offset lines per
    pair, table rows as each numeric column's value along the path (columns scaled to
    their range over the path).

    Parameters
    ----------
    estimator : fitted GANSampler, WGANSampler or ConditionalGAN
    X_start, X_stop : data of the kind the estimator was fitted on, as many rows each
    n_steps : int, default=8
        Samples per path, both ends included.
    method : {"spherical", "linear"}, default="spherical"
    ax : matplotlib Axes or None, default=None
    title : str or None, default=None
    **interpolate_options
        Passed to ``interpolate`` (``refine_steps``, ``y_start``/``y_stop``).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skgan import GANSampler
    >>> from skgan.plotting import plot_interpolation
    >>> images = np.random.default_rng(0).random((64, 8, 8)).astype(np.float32)
    >>> model = GANSampler(epochs=1, batch_size=32, random_state=0).fit(images)
    >>> ax = plot_interpolation(model, images[:2], images[2:4], n_steps=5)
    >>> len(ax.get_images())
    1
    """
    if not hasattr(estimator, "interpolate"):
        raise TypeError(f"plot_interpolation draws the latent paths of GANSampler, "
                        f"WGANSampler and ConditionalGAN; a {type(estimator).__name__} "
                        "has none.")
    path = estimator.interpolate(X_start, X_stop, n_steps, method=method,
                                 **interpolate_options)
    family = getattr(getattr(estimator, "adapter_", None), "network_family", "mlp")
    if family == "conv2d":
        return plot_image_grid(path, n_cols=n_steps, ax=ax, title=title)
    if family == "conv1d":
        return plot_signals(path, n_signals=len(path), ax=ax, title=title)
    plt = _pyplot("plot_interpolation")
    frame = path if hasattr(path, "select_dtypes") else None
    if frame is not None:
        values = frame.select_dtypes("number").astype(np.float64)
        names, values = list(values.columns), values.to_numpy()
    else:
        values = np.asarray(path, dtype=np.float64)
        names = [f"x{i}" for i in range(values.shape[1])]
    if values.shape[1] == 0:
        raise ValueError("The rows have no numeric columns to draw.")
    low, high = values.min(axis=0), values.max(axis=0)
    scaled = (values - low) / np.where(high > low, high - low, 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    steps = np.arange(n_steps)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for column, name in enumerate(names):
        for pair in range(len(values) // n_steps):
            ax.plot(steps, scaled[pair * n_steps:(pair + 1) * n_steps, column],
                    color=colors[column % len(colors)], marker=".",
                    label=name if pair == 0 else None)
    ax.set_xlabel("step along the path")
    ax.set_ylabel("value (scaled to its range)")
    ax.legend(loc="best", fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax
