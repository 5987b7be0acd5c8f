"""Generated level rates matched to the data's: a constant shift per level's logit.

A GAN's generator tends to under-produce rare levels of a discrete column and rare
missing values (a missing share of 0.7 % can come out near zero): the discriminator
barely sees them. After training, :func:`calibrate_level_rates` finds one constant per
softmax unit of the generator's head, added to the logits when sampling (the head's
``level_bias``), such that each unit's expected share among generated rows equals its
share in the training rows.

Sampling draws a block's level as the argmax of logits plus Gumbel noise, i.e. with
the softmax probabilities of the logits, so the expected share of a unit is the mean of
its softmax probability over generated rows. For one block with logits ``L`` (rows by
units) and target shares ``t``, the bias ``b`` minimising the convex function
``mean_i logsumexp(L_i + b) - t . b`` makes those means equal ``t`` (its gradient is
their difference); it is found with L-BFGS on the logits of a fixed set of generated
rows (the prior-shift correction of Saerens et al., 2002, solved directly). A constant
shift of a level's logit changes how often it is drawn, not which rows the generator
favours for it, so a value missing exactly when another column says "cancelled" stays
tied to that column.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax

#: Rows whose logits the shifts are fitted on.
CALIBRATION_ROWS = 20_000

#: Blocks wider than this (columns with hundreds of levels, each level rare) keep the
#: generator's rates: fitting their shifts costs seconds per block and the share of
#: each level is too small to estimate from the calibration rows.
MAX_CALIBRATED_WIDTH = 100

#: No logit moves further than this: a level the generator all but never draws is
#: not forced in at any cost.
MAX_SHIFT = 30.0


def calibrate_level_rates(block_logits, blocks):
    """The logit shift of every unit of ``blocks`` that matches its target share.

    Parameters
    ----------
    block_logits : ndarray of shape (n_rows, n_units)
        The head's softmax logits of generated rows, unit ``j`` at column ``j``.
    blocks : list of (first_unit, shares)
        Each block's first unit (a column of ``block_logits``) and the training share
        of each of its units (shares of a block sum to 1); blocks wider than
        :data:`MAX_CALIBRATED_WIDTH` are left alone.

    Returns
    -------
    bias : ndarray of shape (n_units,)
        The shifts (0 for units of blocks not calibrated).
    gaps : ndarray
        Per calibrated unit, the expected generated share minus the training share
        before calibration.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan._engine.level_rates import calibrate_level_rates
    >>> logits = np.random.default_rng(0).normal(size=(5000, 2)) + [3.0, 0.0]
    >>> bias, gaps = calibrate_level_rates(logits, [(0, np.array([0.8, 0.2]))])
    >>> shares = np.exp(logits + bias) / np.exp(logits + bias).sum(1, keepdims=True)
    >>> np.round(shares.mean(axis=0), 3)
    array([0.8, 0.2])
    """
    block_logits = np.asarray(block_logits, dtype=np.float64)
    bias = np.zeros(block_logits.shape[1])
    gaps = []
    for first_unit, shares in blocks:
        if len(shares) > MAX_CALIBRATED_WIDTH:
            continue
        units = slice(first_unit, first_unit + len(shares))
        targets = np.asarray(shares, dtype=np.float64)
        logits = block_logits[:, units]
        gaps.append(softmax(logits, axis=1).mean(axis=0) - targets)
        bias[units] = _block_shift(logits, targets)
    return bias, np.concatenate(gaps) if gaps else np.empty(0)


def _block_shift(logits, targets):
    """The shift ``b`` that makes ``mean(softmax(logits + b))`` equal ``targets``."""
    n_rows = len(logits)
    row_max = logits.max(axis=1)
    # exp(logits + b) = exp(logits - row_max) * exp(b) * exp(row_max): the rows'
    # exponentials are taken once, and each step of the search is two matrix-vector
    # products (no overflow: entries of ``exponentials`` are in [0, 1], |b| <= MAX_SHIFT,
    # and each row keeps an entry of 1). The products are numpy's einsum loops, not
    # BLAS: OpenBLAS split these thin products over threads that mostly waited (census'
    # calibration 282 ms on two threads, 76 ms here) and rounded them by the number of
    # threads.
    exponentials = np.exp(logits - row_max[:, None])
    mean_row_max = row_max.mean()

    def objective(shift):
        scales = np.exp(shift)
        row_totals = np.einsum("ij,j->i", exponentials, scales)
        value = np.log(row_totals).mean() + mean_row_max - targets @ shift
        gradient = scales * np.einsum("i,ij->j", 1.0 / row_totals,
                                      exponentials) / n_rows - targets
        return value, gradient

    result = minimize(objective, np.zeros(len(targets)), jac=True, method="L-BFGS-B",
                      bounds=[(-MAX_SHIFT, MAX_SHIFT)] * len(targets),
                      options={"maxiter": 500, "gtol": 1e-7})
    # Only differences within a block matter: centre the shifts.
    return result.x - result.x.mean()


#: Rounds (at most) of matching the blocks level rules decide on rows with the rules
#: written; one or two usually bring them within a few thousandths.
LINKED_ROUNDS = 3

#: The matching stops once a round brings the matched blocks' total variation from
#: their training shares down by no more than this (a block whose rows the rules
#: decide almost all of cannot come closer).
LINKED_TOLERANCE = 0.002

#: The part of a step a column in a loop of rules takes (its decided rows move with it).
LOOPED_DAMPING = 0.5

#: A unit the decided rows already hold at its training share is drawn, in the other
#: rows, at this fraction of the share it was drawn at (not at none).
MIN_WANTED_SHARE = 0.1


def shift_to_linked_shares(shift, decided, undecided, targets, damping=1.0):
    """A block's shift moved so that its units' shares, on rows with level rules
    written, come to ``targets``.

    The rules write a value into the rows whose levels decide it (``decided``: the
    share of all rows holding each unit there), whatever the generator drew; the
    generator's draws in the other rows (``undecided``) must make up the rest, so they
    are matched to ``(targets - decided) / (1 - share decided)`` (none below 0): one
    multiplicative step, the log-ratio of wanted and drawn share (as iterative
    proportional fitting takes). A unit drawn in no undecided row moves up by one; a
    unit the decided rows already hold at its share is wanted at
    :data:`MIN_WANTED_SHARE` of its drawn share (a bounded step, not none). A column in
    a loop of rules, whose decided rows move with its own rates, takes a part
    ``damping`` of the step. Shifts stay within :data:`MAX_SHIFT` and centred.

    Examples
    --------
    A rule writes the first unit into 20 % of the rows; the other rows hold 0.5/0.3 of
    all rows, and the target is 0.6/0.4:

    >>> import numpy as np
    >>> from skgan._engine.level_rates import shift_to_linked_shares
    >>> shift = shift_to_linked_shares(np.zeros(2), np.array([0.2, 0.0]),
    ...                                np.array([0.5, 0.3]), np.array([0.6, 0.4]))
    >>> np.round(shift, 3)
    array([-0.255,  0.255])
    """
    decided = np.asarray(decided, dtype=np.float64)
    undecided = np.asarray(undecided, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    wanted = np.clip(targets - decided, 0.0, None)
    if undecided.sum() <= 0 or wanted.sum() <= 0:  # the rules decide every row
        return shift
    # A unit the decided rows already hold at (or, by the noise of the measurement,
    # above) its share keeps a trickle where the generator drew it, not none.
    drawn = undecided / undecided.sum()
    wanted = np.where((wanted <= 0) & (targets > 0), MIN_WANTED_SHARE * drawn, wanted)
    wanted = wanted / wanted.sum()
    step = np.zeros(len(wanted))
    both = (drawn > 0) & (wanted > 0)
    step[both] = np.log(wanted[both] / drawn[both])
    step[(drawn == 0) & (wanted > 0)] = 1.0
    moved = np.clip(shift + damping * step, -MAX_SHIFT, MAX_SHIFT)
    return moved - moved.mean()
