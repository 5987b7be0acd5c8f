import numpy as np

from skgan.datasets import grid_centers, make_grid, make_ring, mode_coverage, ring_centers


def test_real_data_covers_every_mode():
    X, y = make_grid(2000, random_state=0)
    n_covered, high_quality = mode_coverage(X, grid_centers(), std=0.05)
    assert n_covered == 25 and high_quality > 0.97  # 3 std hold 98.9 % of a 2-D Gaussian
    assert set(y) == set(range(25))


def test_collapsed_samples_cover_one_mode():
    collapsed = np.tile(ring_centers()[3], (500, 1))
    assert mode_coverage(collapsed, ring_centers(), std=0.05) == (1, 1.0)


def test_blurred_samples_are_not_high_quality():
    X, _ = make_ring(2000, std=0.5, random_state=0)
    _, high_quality = mode_coverage(X, ring_centers(), std=0.05)
    assert high_quality < 0.2
