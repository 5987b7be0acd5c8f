import numpy as np
import pandas as pd
import pytest

from skgan.metrics import c2st, median_heuristic_gamma, mmd


def _reference_mmd(X, Y, kernel):
    """Unbiased MMD² by the definition, with explicit loops."""
    def mean_off_diagonal(A):
        n = len(A)
        return sum(kernel(A[i], A[j]) for i in range(n) for j in range(n) if i != j) / (
            n * (n - 1)
        )

    cross = sum(kernel(x, y) for x in X for y in Y) / (len(X) * len(Y))
    return mean_off_diagonal(X) + mean_off_diagonal(Y) - 2 * cross


@pytest.mark.parametrize("kernel_name", ["rbf", "polynomial", "linear"])
def test_mmd_matches_definition(kernel_name):
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(15, 3)), rng.normal(0.5, size=(12, 3))
    kernels = {
        "rbf": lambda a, b: np.exp(-0.2 * np.sum((a - b) ** 2)),
        "polynomial": lambda a, b: (a @ b / 3 + 1) ** 3,
        "linear": lambda a, b: a @ b,
    }
    expected = _reference_mmd(X, Y, kernels[kernel_name])
    # RBF blocks are float32 (summed in float64); the other kernels stay float64
    tolerance = 1e-6 if kernel_name == "rbf" else 1e-10
    gamma = 0.2 if kernel_name == "rbf" else None  # the other kernels have no width
    assert mmd(X, Y, kernel=kernel_name, gamma=gamma) == pytest.approx(expected, rel=tolerance)


def test_mmd_is_symmetric_and_near_zero_for_same_distribution():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(400, 2)), rng.normal(size=(300, 2))
    assert mmd(X, Y) == pytest.approx(mmd(Y, X))
    assert abs(mmd(X, Y)) < 0.01
    assert mmd(X, Y + 1) > 0.1


def test_median_heuristic():
    X = np.array([[0.0], [2.0]])
    assert median_heuristic_gamma(X, X) == pytest.approx(1 / 8)


def test_mmd_errors():
    with pytest.raises(ValueError, match="features"):
        mmd(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        mmd(np.full((3, 2), np.nan), np.ones((3, 2)))
    with pytest.raises(ValueError, match="kernel"):
        mmd(np.ones((3, 2)), np.ones((3, 2)), kernel="cosine")


def test_c2st_tells_apart_only_different_data():
    rng = np.random.RandomState(0)
    real = rng.normal(size=(400, 2))
    assert c2st(real, rng.normal(size=(300, 2))) < 0.6
    assert c2st(real, rng.normal(1.5, size=(400, 2))) > 0.8


@pytest.mark.parametrize("n_rows", [10, 20, 40])
def test_c2st_tells_apart_small_sets_far_apart(n_rows):
    # With the default classifier's leaves of 20 rows, folds of fewer than 40 rows
    # could not be split: two sets 100 standard deviations apart scored exactly 0.5.
    rng = np.random.RandomState(0)
    real = rng.normal(size=(n_rows, 2))
    assert c2st(real, real + 100) > 0.9
    assert c2st(real, rng.normal(size=(n_rows, 2))) < 0.8


def test_c2st_scores_copies_of_the_real_rows_at_chance():
    # Copies split across folds taught the classifier the other label: two identical
    # sets scored about 0.07, the worst a scorer reads as |accuracy - 0.5|.
    real = np.random.RandomState(0).normal(size=(300, 3))
    assert c2st(real, real) == 0.5
    assert c2st(real, real[::-1]) == 0.5
    assert c2st(real, real + 5) > 0.95


def test_c2st_tells_apart_categories_one_hot_encoded():
    # Each level's rows were kept in one fold, so every test fold held levels the
    # classifier never saw: reversed frequencies scored 0.46, disjoint levels 0.10.
    rng = np.random.RandomState(0)
    shares = np.array([0.75, 0.05, 0.05, 0.05, 0.05, 0.05])
    one_hot = np.eye(6)
    real = one_hot[rng.choice(6, 300, p=shares)]
    assert c2st(real, one_hot[rng.choice(6, 300, p=shares[::-1])]) > 0.75
    assert c2st(one_hot[rng.choice(3, 300)], one_hot[3 + rng.choice(3, 300)]) > 0.95
    assert abs(c2st(real, one_hot[rng.choice(6, 300, p=shares)]) - 0.5) < 0.08


def test_features_that_are_not_numbers_are_named():
    # numpy's own error named neither the argument nor what it needs.
    text = pd.DataFrame({"x": np.arange(5.0), "kind": list("abcde")})
    with pytest.raises(ValueError, match="X_fake must be a 2-D array of numbers"):
        c2st(np.zeros((5, 2)), text)
    with pytest.raises(ValueError, match="X must be a 2-D array of numbers"):
        mmd(np.array([[1.0, pd.NA], [2.0, 3.0]], dtype=object), np.zeros((2, 2)))
    from scipy.sparse import csr_matrix  # was "not numbers": sparse features are densified
    dense = np.random.RandomState(0).normal(size=(20, 2))
    assert c2st(dense, csr_matrix(dense + 1)) == c2st(dense, dense + 1)


@pytest.mark.parametrize("cv", [0, 1, True, 2.5])
def test_c2st_refuses_fewer_than_two_folds(cv):
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError, match="cv must be a whole number of folds"):
        c2st(rng.normal(size=(20, 2)), rng.normal(size=(20, 2)), cv=cv)


def test_kernel_width_from_real_data_ranks_generators_correctly():
    rng = np.random.RandomState(0)
    real = rng.normal(size=(300, 2))
    gamma = median_heuristic_gamma(real)
    near = mmd(real, rng.normal(size=(300, 2)) + 3, gamma=gamma)
    far = mmd(real, rng.normal(size=(300, 2)) + 30, gamma=gamma)
    assert far > near


def test_c2st_leaves_global_generator_alone_and_is_reproducible():
    rng = np.random.RandomState(0)
    a, b = rng.normal(size=(200, 2)), rng.normal(0.2, size=(200, 2))
    np.random.seed(1)
    state = np.random.get_state()[1].copy()
    first = c2st(a, b, random_state=3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    np.random.seed(2)
    assert c2st(a, b, random_state=3) == first


def test_mmd_and_kid_refuse_parameters_that_would_mislead():
    from skgan.metrics import kid
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(60, 2)), rng.normal(5.0, size=(60, 2))
    for gamma in (-1.0, 0.0, float("nan"), True):
        with pytest.raises(ValueError, match="gamma must be a positive number"):
            mmd(X, Y, gamma=gamma)
    with pytest.raises(ValueError, match="subset_size must be an integer of at least 2"):
        kid(X, Y, subset_size=1)
    with pytest.raises(ValueError, match="n_subsets must be an integer of at least 1"):
        kid(X, Y, n_subsets=0)


def test_a_weights_file_that_is_not_torch_tensors_gets_a_clear_error(tmp_path):
    from skgan.metrics import InceptionFeatures
    corrupt = tmp_path / "weights.pth"
    corrupt.write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="cannot be read as the FID Inception-v3 weights"):
        InceptionFeatures(corrupt)


def test_features_of_no_columns_and_fractional_splits_are_refused():
    from skgan.metrics import frechet_distance, inception_score, kid
    empty_x, empty_y = np.zeros((50, 0)), np.zeros((40, 0))
    for measure in (kid, mmd, frechet_distance):  # were: nan, 0.0, a LAPACK message
        with pytest.raises(ValueError, match="has no features"):
            measure(empty_x, empty_y)
    probs = np.full((20, 4), 0.25)
    with pytest.raises(ValueError, match="n_splits must be an integer"):
        inception_score(probs, n_splits=2.5)
    assert inception_score(probs, n_splits=np.int64(2))[0] == pytest.approx(1.0)


def test_an_array_of_more_than_four_dimensions_names_the_shapes_adapters_read():
    from skgan import GANSampler
    with pytest.raises(ValueError, match="X is 5-D, which no adapter reads"):
        GANSampler(epochs=1).fit(np.random.rand(30, 1, 1, 8, 8))


def test_metric_arguments_of_the_wrong_form_are_named():
    from skgan.metrics import fid_infinity, frechet_distance, precision_recall

    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(60, 2)), rng.normal(size=(60, 2))
    with pytest.raises(TypeError, match="k must be a whole number"):
        precision_recall(X, Y, k=2.5)
    statistics = (X.mean(axis=0), np.cov(X.T))
    with pytest.raises(TypeError, match="X_fake must be the generated features"):
        fid_infinity(X, statistics)
    with pytest.raises(ValueError, match=r"must be \(mean, covariance\), got a tuple of 3"):
        frechet_distance((*statistics, None), Y)
    with pytest.raises(ValueError, match="'polynomial' kernel has none"):
        mmd(X, Y, kernel="polynomial", gamma=5)
    assert frechet_distance(statistics, Y) == pytest.approx(frechet_distance(X, Y))


def test_c2st_trains_small_classifiers_on_one_openmp_thread():
    """Its gradient boosting ran on every OpenMP thread, whose workers wait on a busy
    core: a 120-row C2ST took up to 233 s beside other work (ML efficacy was already
    limited so)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_info

    threads_seen = []

    class Recording(HistGradientBoostingClassifier):
        def fit(self, X, y):
            threads_seen.extend(pool["num_threads"] for pool in threadpool_info()
                                if pool["user_api"] == "openmp")
            return super().fit(X, y)

    rng = np.random.default_rng(0)
    c2st(rng.normal(size=(60, 3)), rng.normal(size=(60, 3)), classifier=Recording(),
         random_state=0)
    assert threads_seen and set(threads_seen) == {1}
