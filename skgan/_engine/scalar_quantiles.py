"""Generated continuous values matched to the encoding's own distribution: a monotone
map per scalar unit of the generator's head.

A differentially private fit trains its discriminator on gradients drowned in noise
(a noise multiplier of 5-15 on tables of a few hundred rows), and the generator it
teaches can push a ``tanh`` unit into saturation: every generated age of such a fit
came out at the column's minimum. Level calibration (:mod:`.level_rates`) already
gives every level its training share; this does the same for the scalar units. After
training, :func:`calibrate_scalar_quantiles` takes the quantiles of each unit's raw
(pre-activation) values over generated rows and pairs them with the quantiles the
adapter's encoding gives the unit (:meth:`TabularAdapter.scalar_quantile_targets`: a
mode's offset is ``N(0, 1) / 4`` by construction, a quantile-encoded value
``N(0, 1)``). The head maps raw values through those pairs when sampling
(:func:`skgan.networks.heads.map_scalars`). The map is increasing, so the order of the
generated values (what the generator learned of how a column goes with the others) is
kept; only their spread changes. It reads no training row: the targets come from the
encoding's definition, the knots from generated rows.
"""

import numpy as np
from scipy.special import ndtr

#: Normal scores of the probability levels whose quantiles are paired (dense in the
#: tails: the outer ones are the 0.13 % and 99.87 % quantiles, 26 of 20,000 rows).
QUANTILE_SCORES = np.linspace(-3.0, 3.0, 61)


def calibrate_scalar_quantiles(raw_scalars, targets):
    """The knots and values of every scalar unit's monotone map.

    Parameters
    ----------
    raw_scalars : ndarray of shape (n_rows, n_units)
        Raw values of the head's scalar units over generated rows.
    targets : ndarray of shape (n_units, len(QUANTILE_SCORES))
        Each unit's raw value at the probability levels ``ndtr(QUANTILE_SCORES)``
        under the encoding (increasing), or NaN for a unit left as it is.

    Returns
    -------
    quantiles : ndarray of shape (2, n_units, len(QUANTILE_SCORES)), float32
        ``quantiles[0]``: the generated raw values at those levels (the knots);
        ``quantiles[1]``: the target values. A unit without a target, or whose
        generated values do not spread over distinct quantiles (a collapsed unit no
        monotone map can spread), gets knots equal to their values: the identity.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan._engine.scalar_quantiles import QUANTILE_SCORES, calibrate_scalar_quantiles
    >>> raw = np.random.default_rng(0).normal(5.0, 3.0, size=(20_000, 1))
    >>> quantiles = calibrate_scalar_quantiles(raw, QUANTILE_SCORES[None, :])
    >>> from skgan.networks.heads import map_scalars
    >>> import torch
    >>> mapped = map_scalars(torch.tensor(raw, dtype=torch.float32), torch.tensor(quantiles))
    >>> round(float(mapped.mean()), 1), round(float(mapped.std()), 1)
    (0.0, 1.0)
    """
    raw_scalars = np.asarray(raw_scalars, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    knots = np.quantile(raw_scalars, ndtr(QUANTILE_SCORES), axis=0).T.astype(np.float32)
    values = targets.astype(np.float32)
    for unit in range(targets.shape[0]):
        if (not np.isfinite(targets[unit]).all() or not np.isfinite(knots[unit]).all()
                or not (np.diff(knots[unit]) > 0).all()
                or not (np.diff(values[unit]) > 0).all()):
            knots[unit] = values[unit] = QUANTILE_SCORES
    return np.stack([knots, values])
