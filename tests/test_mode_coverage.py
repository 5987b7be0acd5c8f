"""Default estimators cover every mode of the classic GAN toys (no mode collapse)."""

import pytest

from skgan import GANSampler, WGANSampler
from skgan.datasets import grid_centers, make_grid, make_ring, mode_coverage, ring_centers

TOYS = {
    "ring of 8": (make_ring, ring_centers()),
    "5x5 grid": (make_grid, grid_centers()),
}


@pytest.mark.parametrize("estimator_class", [GANSampler, WGANSampler])
@pytest.mark.parametrize("toy", list(TOYS))
def test_defaults_cover_all_modes(estimator_class, toy):
    make, centers = TOYS[toy]
    X, _ = make(2000, random_state=0)
    model = estimator_class(random_state=0).fit(X)
    n_covered, high_quality = mode_coverage(model.sample(2000), centers, std=0.05)
    assert n_covered == len(centers)
    assert high_quality > 0.4
