"""The privacy budget of a private fit: what a fit's mechanisms spend, the noise that
keeps them within ``dp_epsilon``, and how many steps ``epochs="auto"`` can pay for.

Three mechanisms read the training rows: the pair tables a private fit measures before
training (one Gaussian mechanism; around a target whose tables cannot all be measured,
a choice of tables by the exponential mechanism first, accounted as the Gaussian
mechanism of the same Rényi DP), the correlations of the continuous columns' scores
(one Gaussian mechanism) and the discriminator's DP-SGD steps (subsampled Gaussian
mechanisms). The measurements before training are given to the accountant as the one
Gaussian mechanism of their summed Rényi DP (:func:`combined_noise_multiplier`); all
are added up in Rényi DP at the orders of
:data:`RDP_ORDERS` by Opacus' RDP analysis (Mironov, 2017) and converted to
``(epsilon, delta)``.
"""

import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass


#: the calibration stops within this much below ``dp_epsilon``
EPSILON_TOLERANCE = 0.01
#: Rényi orders the accountant tries: fewer fractional ones than Opacus' defaults (each
#: costs a series sum; the bound moves by under 1 % on these fits) and higher integer
#: ones for the small noise of a large epsilon, where the defaults' bound is loose
RDP_ORDERS = [1.25, 1.5, 1.75, 2.25, 2.5, 3.5, 4.5] + list(range(2, 64)) + [
    72, 80, 96, 112, 128, 160, 192, 256]


def default_delta(n_rows):
    """``1 / (10 n)``: below the chance of any one of ``n`` rows being exposed."""
    return 1.0 / (10.0 * n_rows)



@contextmanager
def quiet_accountant():
    """Silence "optimal order is the largest (or smallest) alpha": for the fits that
    hit it, the bound is then looser than it could be, so the epsilon stays an upper
    bound."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Optimal order is the (largest|smallest) alpha")
        yield


#: Private pair calibration: the share of the budget (as zero-concentrated DP's rho) the
#: pair tables are measured with, and the largest noise (standard deviation per cell
#: over the training rows) at which they are measured at all. On the development
#: tables, noise of 0.2-1.4 % of the rows raised quality (wage at epsilon 3: 0.801 ->
#: 0.855) and 3-4 % lowered it (census at epsilon 3: 0.788 -> 0.723).
PAIR_BUDGET_SHARE = 0.5
MAX_PAIR_NOISE = 0.02
#: The same for the tables of a target column with every other column
#: (``GANSampler(dp_target=...)``): measured up to more noise, for the links they
#: keep are what a model of the target learns from (session 41, three seeds: macro F1
#: on mpg at epsilon 3 0.245 -> 0.686 at noise of 5.0 % of its 117 rows, quality
#: 0.726 -> 0.733; at epsilon 1, noise of 14 % on mpg and 6.9 % on cps1985, quality
#: fell 0.728 -> 0.666 and 0.859 -> 0.814).
MAX_TARGET_PAIR_NOISE = 0.06


def pair_noise_multiplier(epsilon, delta, n_pairs, n_rows, max_noise=MAX_PAIR_NOISE):
    """The noise multiplier of a private measurement of ``n_pairs`` pair tables of
    ``n_rows`` rows, or None when its noise would exceed ``max_noise`` of the rows.

    The measurement gets :data:`PAIR_BUDGET_SHARE` of the budget's ``rho`` (the
    zero-concentrated DP of ``(epsilon, delta)``: ``sqrt(rho) = sqrt(log(1/delta) +
    epsilon) - sqrt(log(1/delta))``); a Gaussian mechanism of noise multiplier ``z`` is
    ``1 / (2 z**2)``-zCDP.

    Examples
    --------
    >>> from skgan._engine.privacy_budget import pair_noise_multiplier
    >>> round(pair_noise_multiplier(3.0, 1 / 15_000, 21, 1_500), 2)
    2.22
    >>> pair_noise_multiplier(3.0, 1 / 2_500, 15, 250) is None  # 3 % of 250 rows
    True
    """
    if n_pairs < 1:
        return None
    multiplier = 1.0 / math.sqrt(2.0 * _pair_rho(epsilon, delta))
    return multiplier if multiplier * math.sqrt(n_pairs) <= max_noise * n_rows else None


#: With a target whose tables would all together carry more than
#: ``MAX_TARGET_PAIR_NOISE``, this share of the pair tables' budget chooses, by the
#: exponential mechanism, the one table the rest of it measures (see
#: :func:`target_selection_plan`).
SELECTION_BUDGET_SHARE = 0.2


@dataclass(frozen=True)
class SelectionPlan:
    """How a private fit measures a target's tables when not all of them fit the noise
    bound: ``n_chosen`` tables (one) chosen among the candidates by the exponential
    mechanism of ``round_epsilon`` (a monotone utility of sensitivity one), then
    measured with Gaussian noise of ``table_noise_multiplier``; ``noise_multiplier`` is
    the one Gaussian mechanism whose Rényi DP equals both together (what the
    accountant is given)."""

    n_chosen: int
    table_noise_multiplier: float
    round_epsilon: float
    noise_multiplier: float


def _budget_rho(epsilon, delta):
    """The zero-concentrated DP (``rho``) of the whole budget ``(epsilon, delta)``."""
    log_inverse_delta = math.log(1.0 / delta)
    return (math.sqrt(log_inverse_delta + epsilon) - math.sqrt(log_inverse_delta)) ** 2


def _pair_rho(epsilon, delta):
    """The zero-concentrated DP (``rho``) of the pair tables' share of the budget."""
    return PAIR_BUDGET_SHARE * _budget_rho(epsilon, delta)


def target_selection_plan(epsilon, delta, n_pairs, n_rows, max_noise=MAX_TARGET_PAIR_NOISE):
    """The :class:`SelectionPlan` of a target's tables when measuring all ``n_pairs``
    would exceed ``max_noise`` of the ``n_rows`` rows, or None when every table fits
    (:func:`pair_noise_multiplier` measures them all) or when the one chosen table
    would not fit either.

    The pair tables' share of the budget (``rho`` of zero-concentrated DP) is split:
    :data:`SELECTION_BUDGET_SHARE` of it chooses one table by the exponential mechanism
    (an ``eps``-bounded-range mechanism is ``eps**2 / 8``-zCDP, Cesar & Rogers, 2021;
    see :func:`~skgan.adapters._target_selection.choose_target_pairs`) and the rest
    measures it. One, not as many as would fit under the bound: on cps1985 at epsilon 1
    six tables at 6 % of the rows cost 0.043 of quality, one at 2.4 % 0.007 (session
    44). The whole spends the ``rho`` that :func:`pair_noise_multiplier` spends on all
    tables, so the accountant is given the same Gaussian mechanism and training's noise
    does not change.

    Examples
    --------
    >>> from skgan._engine.privacy_budget import target_selection_plan
    >>> plan = target_selection_plan(1.0, 1 / 1_170, 9, 117)  # mpg's class at epsilon 1
    >>> plan.n_chosen, round(plan.table_noise_multiplier, 2), round(plan.round_epsilon, 3)
    (1, 6.15, 0.163)
    >>> target_selection_plan(10.0, 1 / 1_170, 9, 117) is None  # all nine fit
    True
    """
    if n_pairs < 2 or pair_noise_multiplier(epsilon, delta, n_pairs, n_rows, max_noise):
        return None
    rho = _pair_rho(epsilon, delta)
    table_noise = 1.0 / math.sqrt(2.0 * (1.0 - SELECTION_BUDGET_SHARE) * rho)
    if table_noise > max_noise * n_rows:
        return None
    round_epsilon = math.sqrt(8.0 * SELECTION_BUDGET_SHARE * rho)
    return SelectionPlan(1, table_noise, round_epsilon, 1.0 / math.sqrt(2.0 * rho))


#: The correlations of the continuous columns' scores (``skgan.adapters._score_correlations``):
#: the share of the budget's ``rho`` they are measured with, and the largest noise (the
#: standard deviation of a measured correlation) at which they are measured at all (wage
#: at epsilon 10: 0.03, and 0.09 at epsilon 3). On wage at epsilon 10, three seeds, the
#: pair trends of fits with the columns encoded through their mixture's CDF rose from
#: 0.84 without the correlations to 0.93 with them (benchmarks/RESULTS.md).
CORRELATION_BUDGET_SHARE = 0.1
MAX_CORRELATION_NOISE = 0.05


def correlation_noise_multiplier(epsilon, delta, n_units, n_rows,
                                 max_noise=MAX_CORRELATION_NOISE):
    """The noise multiplier of a private measurement of the correlations of ``n_units``
    scores over ``n_rows`` rows (:data:`CORRELATION_BUDGET_SHARE` of the budget's
    ``rho``), or None with fewer than two scores or when a measured correlation's noise
    (:func:`~skgan.adapters._score_correlations.correlation_noise`) would exceed
    ``max_noise``.

    Examples
    --------
    >>> from skgan._engine.privacy_budget import correlation_noise_multiplier
    >>> round(correlation_noise_multiplier(10.0, 1 / 15_000, 3, 1_500), 2)  # wage
    1.68
    >>> correlation_noise_multiplier(3.0, 1 / 15_000, 3, 1_500) is None  # noise 0.09
    True
    """
    from ..adapters._score_correlations import correlation_noise

    if n_units < 2:
        return None
    multiplier = 1.0 / math.sqrt(2.0 * CORRELATION_BUDGET_SHARE * _budget_rho(epsilon, delta))
    if correlation_noise(n_rows, n_units, multiplier) > max_noise:
        return None
    return multiplier


def combined_noise_multiplier(multipliers):
    """The noise multiplier of the one Gaussian mechanism (of sensitivity one) whose
    Rényi DP is that of Gaussian mechanisms of ``multipliers`` together (None entries
    are mechanisms not run; None when none is): ``z**-2`` adds up.

    Examples
    --------
    >>> from skgan._engine.privacy_budget import combined_noise_multiplier
    >>> round(combined_noise_multiplier([3.0, None, 4.0]), 2)
    2.4
    """
    run = [multiplier for multiplier in multipliers if multiplier is not None]
    if not run:
        return None
    return 1.0 / math.sqrt(sum(multiplier**-2 for multiplier in run))


def gaussian_rdp(noise_multiplier):
    """Rényi DP of one Gaussian mechanism (sample rate 1) at each of ``RDP_ORDERS``."""
    from opacus.accountants.analysis.rdp import compute_rdp

    return compute_rdp(q=1.0, noise_multiplier=noise_multiplier, steps=1, orders=RDP_ORDERS)


def noise_after_measurement(epsilon, delta, sample_rate, n_steps, spent_rdp):
    """The smallest DP-SGD noise multiplier (within ``EPSILON_TOLERANCE``) such that
    ``n_steps`` steps after mechanisms of Rényi DP ``spent_rdp`` stay within
    ``(epsilon, delta)``; ValueError when those mechanisms alone spend it."""
    from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent

    def spent(noise):
        rdp = compute_rdp(q=sample_rate, noise_multiplier=noise, steps=n_steps,
                          orders=RDP_ORDERS)
        return get_privacy_spent(orders=RDP_ORDERS, rdp=rdp + spent_rdp, delta=delta)[0]

    low, high = 0.0, 10.0
    while spent(high) > epsilon:
        high *= 2
        if high > 1e6:
            raise ValueError("the pair tables' measurement leaves no budget for training")
    while spent(high) < epsilon - EPSILON_TOLERANCE and high - low > 1e-6:
        middle = (low + high) / 2
        low, high = (low, middle) if middle > 0 and spent(middle) <= epsilon else \
            (middle, high)
    return high


#: ``epochs="auto"`` in a private fit: the most discriminator steps (at most a plain
#: fit's) whose calibrated noise multiplier stays at or under this ...
AUTO_NOISE_MULTIPLIER = 1.0
#: ... and never fewer steps than this (tables of a few hundred rows, small budgets)
MIN_AUTO_STEPS = 200


def auto_private_steps(n_rows, batch_size, epsilon, delta, max_steps, spent_rdp=0.0):
    """The discriminator steps of ``epochs="auto"`` in a private fit.

    With a fixed budget, each step's noise grows with the number of steps. This takes
    the most steps, up to ``max_steps``, that ``epsilon`` pays for with noise of
    :data:`AUTO_NOISE_MULTIPLIER` times the clipping norm (by the RDP accountant the
    fit uses), after mechanisms of Rényi DP ``spent_rdp`` (the pair tables'), but at
    least :data:`MIN_AUTO_STEPS`.

    Examples
    --------
    >>> from skgan._engine.privacy_budget import auto_private_steps
    >>> auto_private_steps(250, 128, 1.0, 4e-4, 5000)  # few rows: the floor
    200
    >>> auto_private_steps(100_000, 128, 3.0, 1e-6, 5000)  # many: a plain fit's
    5000
    """
    from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent

    sample_rate = min(1.0, batch_size / n_rows)
    one_step = compute_rdp(q=sample_rate, noise_multiplier=AUTO_NOISE_MULTIPLIER, steps=1,
                           orders=RDP_ORDERS)

    def affordable(n_steps):
        with quiet_accountant():
            spent, _ = get_privacy_spent(orders=RDP_ORDERS,
                                         rdp=one_step * n_steps + spent_rdp, delta=delta)
        return spent <= epsilon

    low, high = MIN_AUTO_STEPS, max(MIN_AUTO_STEPS, max_steps)
    if not affordable(low):
        return low
    while low < high:  # the largest affordable number of steps
        middle = (low + high + 1) // 2
        low, high = (middle, high) if affordable(middle) else (low, middle - 1)
    return low


def expected_steps(n_rows, batch_size, n_epochs):
    """Discriminator steps of a fit: full batches per epoch, as shuffling would give."""
    return max(1, n_epochs * max(1, math.floor(n_rows / batch_size)))
