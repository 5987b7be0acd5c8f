import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate

from skgan import GANSampler, WGANSampler
from skgan.metrics import (
    SCORERS,
    class_probabilities,
    extract_features,
    fid_scorer,
    make_sample_scorer,
)
from skgan.metrics.features import prepare_extractor

FAST = dict(epochs=3, batch_size=32, generator_dims=(32,), discriminator_dims=(32,),
            latent_dim=4)


def test_fid_scorer_prefers_a_trained_model(blobs):
    untrained = GANSampler(random_state=0, **{**FAST, "epochs": 1}).fit(blobs)
    trained = GANSampler(random_state=0, **{**FAST, "epochs": 150}).fit(blobs)
    assert fid_scorer(trained, blobs) > fid_scorer(untrained, blobs)
    assert fid_scorer(trained, blobs) == fid_scorer(trained, blobs)
    assert fid_scorer(trained, blobs) <= 0


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_scorers_drive_grid_search(n_jobs, blobs):
    search = GridSearchCV(
        GANSampler(random_state=0, **FAST),
        {"loss": ["bce", "lsgan"]},
        scoring=make_sample_scorer("kid", n_samples=60, n_subsets=5, subset_size=50),
        cv=2,
        n_jobs=n_jobs,
    ).fit(blobs)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.filterwarnings("ignore:kid. subset_size=1000 is more than the data has")
def test_every_ready_made_scorer_in_cross_validate(blobs):
    results = cross_validate(WGANSampler(random_state=0, n_critic=1, **FAST), blobs, cv=2,
                             scoring=SCORERS)
    for name in SCORERS:
        assert np.isfinite(results[f"test_{name}"]).all()
    assert (results["test_precision"] >= 0).all() and (results["test_fid"] <= 0).all()


def test_scorer_with_feature_extractors(blobs):
    model = GANSampler(random_state=0, **FAST).fit(blobs)
    for extractor in ("identity", PCA(2), torch.nn.Linear(3, 5), lambda X: X[:, :2]):
        assert np.isfinite(make_sample_scorer("mmd", feature_extractor=extractor)(model, blobs))


def test_inception_score_scorer_uses_a_classifier(blobs):
    labels = (blobs[:, 0] > 0).astype(int)
    classifier = LogisticRegression().fit(blobs, labels)
    model = GANSampler(random_state=0, **FAST).fit(blobs)
    score = make_sample_scorer("inception_score", feature_extractor=classifier,
                               n_splits=2)(model, blobs)
    assert 1.0 <= score <= 2.0
    with pytest.raises(ValueError, match="classifier"):
        make_sample_scorer("inception_score")


def test_callable_metric_and_direction(blobs):
    model = GANSampler(random_state=0, **FAST).fit(blobs)

    def mean_gap(real, fake):
        return float(np.abs(real.mean(0) - fake.mean(0)).sum())

    assert make_sample_scorer(mean_gap)(model, blobs) <= 0
    assert make_sample_scorer(mean_gap, greater_is_better=True)(model, blobs) >= 0


def test_bad_scorer_arguments():
    with pytest.raises(ValueError, match="Unknown metric"):
        make_sample_scorer("psnr")
    with pytest.raises(ValueError, match="n_samples"):
        make_sample_scorer("fid", n_samples=1)


def test_feature_extraction_helpers(blobs):
    pca = prepare_extractor(PCA(2), blobs)
    assert extract_features(pca, blobs).shape == (240, 2)
    assert extract_features(None, blobs).shape == (240, 3)
    module = torch.nn.Sequential(torch.nn.Linear(3, 4))
    module.train()
    assert extract_features(module, blobs).shape == (240, 4)
    assert module.training  # mode restored
    probs = class_probabilities(module, blobs)
    np.testing.assert_allclose(probs.sum(1), 1.0)
    with pytest.raises(TypeError, match="Cannot extract"):
        extract_features(42, blobs)
    with pytest.raises(ValueError, match="Unknown feature extractor"):
        extract_features("inception", blobs)


def test_mmd_scorer_uses_one_kernel_for_every_model():
    from skgan.metrics.scorers import _mmd

    rng = np.random.RandomState(0)
    real = rng.normal(size=(400, 2))
    collapsed = 0.05 * rng.normal(size=(400, 2))
    spread = 1.5 * rng.normal(size=(400, 2))
    # a collapsed generator is further from N(0, I) than a slightly over-dispersed one
    assert _mmd(real, collapsed) > _mmd(real, spread)


def test_named_metrics_refuse_a_direction():
    with pytest.raises(ValueError, match="own direction"):
        make_sample_scorer("fid", greater_is_better=True)


def test_scorers_accept_held_out_levels_the_training_rows_lacked():
    import pandas as pd

    rng = np.random.RandomState(0)
    train = pd.DataFrame({"calls": rng.randint(0, 5, 200), "amount": rng.normal(size=200)})
    held_out = train.iloc[:60].copy()
    held_out.loc[held_out.index[:3], "calls"] = 6  # a level never seen in training
    model = GANSampler(random_state=0, **FAST).fit(train)
    for name in ("mmd", "kid"):
        scorer = make_sample_scorer(name, n_samples=60, **(
            {"n_subsets": 5, "subset_size": 50} if name == "kid" else {}))
        assert np.isfinite(scorer(model, held_out))


def test_scorers_sample_a_conditional_gan_without_labels():
    from skgan import ConditionalGAN
    from skgan.metrics import dcr_scorer, mmd_scorer
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] > 0).astype(int)
    model = ConditionalGAN(random_state=0, **FAST).fit(X, y)
    # Without y the labels follow the training classes: as sample(n) draws them.
    for scorer in (fid_scorer, mmd_scorer, dcr_scorer):
        assert np.isfinite(scorer(model, X)), scorer
    assert np.isfinite(fid_scorer(model, X, y))


def test_a_sparse_transformer_is_a_feature_extractor():
    from sklearn.preprocessing import OneHotEncoder
    X = np.random.RandomState(0).randint(0, 3, size=(100, 2)).astype(float)
    features = extract_features(OneHotEncoder().fit(X), X)
    dense = extract_features(OneHotEncoder(sparse_output=False).fit(X), X)
    np.testing.assert_array_equal(features, dense)
    assert features.shape == (100, 6)


def test_half_precision_probabilities_and_features_are_read():
    from skgan.metrics import inception_score
    logits = torch.as_tensor(np.random.RandomState(0).normal(size=(200, 10)) * 3)
    exact = inception_score(torch.softmax(logits, 1), n_splits=2)[0]
    for dtype in (torch.float16, torch.bfloat16):
        probs = torch.softmax(logits.to(dtype), 1)  # rows sum to 1 within their rounding
        assert inception_score(probs, n_splits=2)[0] == pytest.approx(exact, rel=1e-2)
        assert extract_features(lambda X: probs, np.zeros((200, 1))).dtype == np.float64
    with pytest.raises(ValueError, match="sum to 1.*sums to 2"):
        inception_score(np.full((4, 2), 1.0))


def test_the_membership_scorer_reads_an_auc_below_one_half_as_a_leak():
    from skgan.metrics import make_privacy_scorer, membership_inference
    rng = np.random.RandomState(5)
    X, holdout = rng.normal(size=(150, 2)), rng.normal(size=(150, 2))
    far_from_training = holdout + 0.01  # closer to the non-members: AUC far below 0.5

    class Sampler:
        def sample(self, n_samples=1, random_state=None):
            return far_from_training[:n_samples]

    auc = membership_inference(X, holdout, far_from_training, random_state=0)
    assert auc < 0.3
    score = make_privacy_scorer("membership_inference", holdout=holdout)(Sampler(), X)
    assert score == pytest.approx(-abs(auc - 0.5))
