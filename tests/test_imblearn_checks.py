"""imbalanced-learn's sampler checks on GANResampler, at cheap settings.

Both ways of training run: one conditional model on all classes (ConditionalGAN) and
one model per growing class (GANSampler). The tables use quantile scaling, which fits
in milliseconds where the default mixtures take seconds on the checks' 20 columns;
the checks are about the sampler's contract, not about the column encoding.
"""

import pytest
from imblearn.utils.estimator_checks import parametrize_with_checks

from skgan import ConditionalGAN, GANResampler, GANSampler
from skgan.adapters import TabularAdapter

CHEAP = dict(epochs=1, batch_size=64, generator_dims=(8,), discriminator_dims=(8,),
             latent_dim=2, adapter=TabularAdapter(continuous="quantile"))


_CHECKS = parametrize_with_checks([
    GANResampler(estimator=ConditionalGAN(**CHEAP), random_state=0),
    GANResampler(estimator=GANSampler(**CHEAP), random_state=0),
])
# imbalanced-learn hands pytest a generator of cases, which pytest 9.2 deprecates and
# pytest 10 refuses: the same cases, as a list.
_names, _cases = _CHECKS.args


@pytest.mark.parametrize(_names, list(_cases), **_CHECKS.kwargs)
def test_imblearn_compatible_sampler(estimator, check):
    check(estimator)
