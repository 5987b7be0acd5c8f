"""scikit-learn's estimator checks on every skgan estimator, at cheap settings."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skgan import ConditionalGAN, GANSampler, WGANSampler

CHEAP = dict(epochs=2, batch_size=16, generator_dims=(16,), discriminator_dims=(16,),
             latent_dim=4, pac=1)


@parametrize_with_checks(
    [GANSampler(**CHEAP), WGANSampler(n_critic=1, **CHEAP), ConditionalGAN(**CHEAP)]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
