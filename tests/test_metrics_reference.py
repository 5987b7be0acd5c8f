"""Each metric against an independent implementation written from its published
definition, plus invariances."""

import numpy as np
import pytest
import torch
from scipy import linalg

from skgan.metrics import (
    FeatureStatistics,
    density_coverage,
    fid_infinity,
    frechet_distance,
    inception_score,
    kid,
    mmd,
    precision_recall,
)
from skgan.metrics import distances as distances_module
from skgan.metrics import manifold as manifold_module


def _reference_frechet(X, Y):
    """The sqrtm formula of Heusel et al. (2017), as pytorch-fid and others compute it."""
    mu1, mu2 = X.mean(0), Y.mean(0)
    s1, s2 = np.cov(X, rowvar=False), np.cov(Y, rowvar=False)
    root = linalg.sqrtm(s1 @ s2)
    root = root.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root))


@pytest.mark.parametrize("n, d", [(500, 5), (2000, 64), (300, 100)])
def test_frechet_matches_sqrtm_formula(n, d):
    rng = np.random.RandomState(d)
    mixing = rng.normal(size=(d, d))
    X = rng.normal(size=(n, d)) @ mixing
    Y = rng.normal(0.3, size=(n, d)) @ (mixing + 0.1 * rng.normal(size=(d, d)))
    assert frechet_distance(X, Y) == pytest.approx(_reference_frechet(X, Y), rel=1e-5)


def test_frechet_with_ill_conditioned_covariance():
    rng = np.random.RandomState(0)
    scales = np.logspace(-4, 3, 20)  # condition number 1e14 for the covariance
    X = rng.normal(size=(3000, 20)) * scales
    Y = rng.normal(size=(3000, 20)) * scales * 1.1
    assert frechet_distance(X, Y) == pytest.approx(_reference_frechet(X, Y), rel=1e-5)


def test_frechet_with_fewer_samples_than_features():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(30, 50)), rng.normal(0.5, size=(40, 50))
    value = frechet_distance(X, Y)
    assert np.isfinite(value) and value > 0
    assert value == pytest.approx(_reference_frechet(X, Y), rel=1e-4)
    assert frechet_distance(X, X) == pytest.approx(0.0, abs=1e-8)


def test_frechet_with_only_the_second_covariance_singular():
    rng = np.random.RandomState(1)
    X, Y = rng.normal(size=(500, 50)), rng.normal(0.3, size=(20, 50))  # cov(Y): rank 19
    for first, second in ((X, Y), (Y, X)):
        assert frechet_distance(first, second) == pytest.approx(
            _reference_frechet(first, second), rel=1e-5)


def test_frechet_is_symmetric_and_accepts_statistics_and_tensors():
    rng = np.random.RandomState(1)
    X, Y = rng.normal(size=(400, 6)), rng.normal(1.0, 2.0, size=(500, 6))
    value = frechet_distance(X, Y)
    assert frechet_distance(Y, X) == pytest.approx(value, rel=1e-9)
    stats = FeatureStatistics()
    for batch in np.array_split(X, 9):
        stats.update(batch)
    assert frechet_distance(stats, Y) == pytest.approx(value, rel=1e-9)
    assert frechet_distance((X.mean(0), np.cov(X, rowvar=False)), Y) == pytest.approx(value)
    assert frechet_distance(torch.from_numpy(X), torch.from_numpy(Y)) == pytest.approx(value)


def test_streaming_statistics_stay_accurate_far_from_origin():
    X = np.random.RandomState(0).normal(size=(5000, 3)) + 1e6
    stats = FeatureStatistics()
    for batch in np.array_split(X, 10):
        stats.update(batch)
    np.testing.assert_allclose(stats.covariance(), np.cov(X, rowvar=False), rtol=1e-6,
                               atol=1e-6)
    with pytest.raises(ValueError, match="columns"):
        stats.update(np.ones((2, 4)))


def test_fid_infinity_removes_small_sample_bias():
    rng = np.random.RandomState(0)
    real = rng.normal(size=(50000, 32))
    fake = rng.normal(size=(2000, 32))  # same distribution: true distance 0
    biased = frechet_distance(real, fake)  # about 0.15, all of it small-sample bias
    assert abs(fid_infinity(real, fake)) < 0.2 * biased


def _reference_mmd(X, Y, kernel):
    def mean_off_diagonal(A):
        n = len(A)
        return sum(kernel(A[i], A[j]) for i in range(n) for j in range(n) if i != j) / (
            n * (n - 1))

    cross = sum(kernel(x, y) for x in X for y in Y) / (len(X) * len(Y))
    return mean_off_diagonal(X) + mean_off_diagonal(Y) - 2 * cross


def test_blocked_mmd_equals_definition(monkeypatch):
    monkeypatch.setattr(distances_module, "_BLOCK_ROWS", 7)
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(23, 3)), rng.normal(0.4, size=(19, 3))
    expected = _reference_mmd(X, Y, lambda a, b: np.exp(-0.3 * np.sum((a - b) ** 2)))
    assert mmd(X, Y, gamma=0.3) == pytest.approx(expected, rel=1e-6)  # float32 kernel blocks


def test_linear_time_mmd_matches_its_definition_and_agrees_on_average():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(2000, 2)), rng.normal(0.5, size=(2000, 2))

    def k(a, b):
        return np.exp(-0.5 * ((a - b) ** 2).sum(1))

    order = np.random.RandomState(0)  # the rows are paired after a seeded shuffle
    Xs, Ys = X[order.permutation(len(X))], Y[order.permutation(len(Y))]
    x1, x2, y1, y2 = Xs[0::2], Xs[1::2], Ys[0::2], Ys[1::2]
    expected = np.mean(k(x1, x2) + k(y1, y2) - k(x1, y2) - k(x2, y1))
    assert mmd(X, Y, gamma=0.5, method="linear") == pytest.approx(expected, rel=1e-10)
    # unbiased too: its mean over independent draws matches the all-pairs estimate
    estimates = [mmd(rng.normal(size=(2000, 2)), rng.normal(0.5, size=(2000, 2)), gamma=0.5,
                     method="linear") for _ in range(40)]
    all_pairs = mmd(rng.normal(size=(3000, 2)), rng.normal(0.5, size=(3000, 2)), gamma=0.5)
    assert np.mean(estimates) == pytest.approx(all_pairs, abs=0.01)


def test_kid_matches_definition_on_the_same_subsets():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(60, 4)), rng.normal(0.5, size=(50, 4))
    mean, std = kid(X, Y, n_subsets=3, subset_size=20, random_state=5)
    draws = np.random.RandomState(5)
    values = []
    for _ in range(3):
        x = X[draws.choice(60, 20, replace=False)]
        y = Y[draws.choice(50, 20, replace=False)]
        values.append(_reference_mmd(x, y, lambda a, b: (a @ b / 4 + 1) ** 3))
    assert mean == pytest.approx(np.mean(values), rel=1e-9)
    assert std == pytest.approx(np.std(values), rel=1e-9)


def test_kid_shrinks_subsets_on_small_data_and_warns():
    rng = np.random.RandomState(0)
    with pytest.warns(UserWarning, match="using 30 rows"):
        kid(rng.normal(size=(30, 3)), rng.normal(size=(40, 3)), n_subsets=2)


def _reference_precision_recall(real, fake, k):
    def radii(A):
        distances = np.linalg.norm(A[:, None] - A[None], axis=2)
        return np.sort(distances, axis=1)[:, k]

    def inside(points, centres, centre_radii):
        return np.mean([any(np.linalg.norm(p - c) <= r for c, r in zip(centres, centre_radii))
                        for p in points])

    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


def test_precision_recall_match_definition(monkeypatch):
    monkeypatch.setattr(manifold_module, "_BLOCK_ROWS", 16)
    rng = np.random.RandomState(0)
    real, fake = rng.normal(size=(60, 3)), rng.normal(0.7, 1.3, size=(50, 3))
    assert precision_recall(real, fake, k=3) == pytest.approx(
        _reference_precision_recall(real, fake, 3))


def test_density_coverage_match_definition(monkeypatch):
    monkeypatch.setattr(manifold_module, "_BLOCK_ROWS", 16)
    rng = np.random.RandomState(1)
    real, fake = rng.normal(size=(60, 3)), rng.normal(0.5, size=(45, 3))
    k = 5
    distances = np.linalg.norm(real[:, None] - real[None], axis=2)
    radii = np.sort(distances, axis=1)[:, k]
    to_fake = np.linalg.norm(real[:, None] - fake[None], axis=2)  # (real, fake)
    density = (to_fake <= radii[:, None]).sum() / (k * len(fake))
    coverage = np.mean(to_fake.min(axis=1) <= radii)
    assert density_coverage(real, fake, k=k) == pytest.approx((density, coverage))


def test_manifold_metrics_on_identical_sets():
    X = np.random.RandomState(0).normal(size=(200, 4))
    assert precision_recall(X, X) == (1.0, 1.0)
    density, coverage = density_coverage(X, X)
    assert coverage == 1.0 and density >= 1.0
    with pytest.raises(ValueError, match="k=5"):
        density_coverage(X[:5], X[:5], k=5)


def test_inception_score_matches_definition():
    rng = np.random.RandomState(0)
    logits = rng.normal(size=(1000, 7)) * 3
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    scores = []
    for split in np.array_split(probs, 4):
        marginal = split.mean(0)
        kl = (split * (np.log(split) - np.log(marginal))).sum(1)
        scores.append(np.exp(kl.mean()))
    assert inception_score(probs, n_splits=4) == pytest.approx(
        (np.mean(scores), np.std(scores)))
    assert inception_score(torch.from_numpy(probs), n_splits=4)[0] == pytest.approx(
        np.mean(scores))
    with pytest.raises(ValueError, match="sum to 1"):
        inception_score(np.abs(logits))


def test_rbf_mmd_is_accurate_far_from_the_origin():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(300, 5)), rng.normal(0.3, size=(300, 5))
    assert mmd(X + 1e4, Y + 1e4, gamma=0.1) == pytest.approx(mmd(X, Y, gamma=0.1), rel=1e-5)


def test_linear_time_mmd_is_not_fooled_by_sorted_rows():
    rng = np.random.RandomState(0)
    X = np.sort(rng.normal(size=(4000, 1)), axis=0)
    Y = rng.normal(size=(4000, 1))
    assert abs(mmd(X, Y, method="linear")) < 0.05


def test_manifold_metrics_are_shift_invariant():
    rng = np.random.RandomState(0)
    real, fake = rng.normal(size=(500, 3)), rng.normal(0.3, size=(500, 3))
    for metric in (precision_recall, density_coverage):
        assert metric(real + 1e6, fake + 1e6) == pytest.approx(metric(real, fake), abs=1e-3)


def test_streaming_statistics_skip_empty_batches_and_take_tensors():
    X = np.random.RandomState(0).normal(size=(100, 3))
    stats = FeatureStatistics().update(np.empty((0, 3)))
    stats.update(torch.from_numpy(X).float().requires_grad_(True))
    np.testing.assert_allclose(stats.mean(), X.mean(0), atol=1e-6)


def test_fid_infinity_needs_several_sizes_and_statistics_are_checked():
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError, match="at least 3 distinct sizes"):
        fid_infinity(rng.normal(size=(100, 2)), rng.normal(size=(100, 2)), sizes=[50])
    with pytest.raises(ValueError, match="shapes"):
        frechet_distance((np.zeros(3), np.eye(2)), rng.normal(size=(10, 3)))
