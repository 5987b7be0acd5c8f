import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgan import CycleGANTransformer
from skgan._engine.history_pool import mix_with_history
from skgan.adapters import ImageAdapter, SignalAdapter

FAST = dict(epochs=2, batch_size=32, generator_dims=(16,), discriminator_dims=(16,))


def _two_domains(n_a=300, n_b=250, seed=0):
    """A: two independent skewed columns; B: the known map 2 * a + (3, -1) of other rows."""
    rng = np.random.RandomState(seed)
    A = rng.gamma(2.0, 1.0, size=(n_a, 2))
    B = 2.0 * rng.gamma(2.0, 1.0, size=(n_b, 2)) + np.array([3.0, -1.0])
    return np.vstack([A, B]), np.array(["a"] * n_a + ["b"] * n_b)


def _true_map(A):
    return 2.0 * A + np.array([3.0, -1.0])


def test_learns_the_known_map_from_unpaired_domains():
    X, domains = _two_domains()
    model = CycleGANTransformer(adapter="numeric", epochs=250, random_state=0).fit(X, domains)
    test = np.random.RandomState(5).gamma(2.0, 1.0, size=(200, 2))
    translated = model.transform(test)
    spread = X[domains == "b"].std(axis=0)
    # Median errors about 1.0 and 0.3 (spreads 2.9 and 2.5); from the plain identity
    # start, 0.45 and 0.42, but domains far apart never moved (test below).
    assert (np.median(np.abs(translated - _true_map(test)), axis=0) < 0.4 * spread).all()
    round_trip = model.inverse_transform(translated)
    assert np.median(np.abs(round_trip - test)) < 0.3
    assert model.score(X, domains) > CycleGANTransformer(
        adapter="numeric", epochs=1, random_state=0).fit(X, domains).score(X, domains)


def test_domains_far_apart_are_moved_onto_each_other():
    # B lies 10 and 5 units (about 6 of A's spreads) away from A: the translators start
    # from the map of A's moments onto B's; from the identity they never moved.
    rng = np.random.RandomState(0)
    centres = np.array([[0.0, 0.0], [4.0, 0.0]])
    A = centres[rng.randint(2, size=400)] + rng.normal(scale=0.5, size=(400, 2))
    B = centres[rng.randint(2, size=300)] + rng.normal(scale=0.5, size=(300, 2)) + [10.0, -5.0]
    X, domains = np.vstack([A, B]), np.array(["a"] * 400 + ["b"] * 300)
    model = CycleGANTransformer(adapter="numeric", epochs=40, random_state=0).fit(X, domains)
    error = np.linalg.norm(model.transform(A) - (A + [10.0, -5.0]), axis=1)
    assert np.median(error) < 1.0


@pytest.mark.parametrize(
    "y, match",
    [
        (None, "requires y to be passed"),
        (np.zeros(550), r"exactly two domains \(classes\); got 1 class:"),
        (np.arange(550) % 3, r"exactly two domains \(classes\); got 3 classes"),
        (np.zeros(10), "rows but y has 10"),
        (np.array(["a", None] * 275, dtype=object), "missing domains"),
        (np.r_[np.arange(549) % 2, np.nan], "missing domains"),
    ],
)
def test_bad_domains_raise_and_leave_the_model_unfitted(y, match):
    X, _ = _two_domains()
    model = CycleGANTransformer(**FAST)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "classes_") and not hasattr(model, "history_")


def test_samples_of_different_shapes_raise():
    samples = [np.zeros((8, 8))] * 5 + [np.zeros((9, 9))] * 5
    with pytest.raises(ValueError, match="different shapes"):
        CycleGANTransformer(**FAST).fit(samples, ["a"] * 5 + ["b"] * 5)


def test_wrong_shapes_and_domains_after_fit_raise():
    X, domains = _two_domains(60, 50)
    model = CycleGANTransformer(adapter="numeric", **FAST, random_state=0).fit(X, domains)
    with pytest.raises(ValueError, match="features"):
        model.transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="not seen in fit"):
        model.partial_fit(X, np.where(domains == "a", "a", "c"))
    with pytest.raises(ValueError, match="no rows of domain b"):
        model.partial_fit(X[domains == "a"], domains[domains == "a"])
    with pytest.raises(ValueError, match="at least 2 rows of each domain"):
        model.score(X[:61], domains[:61])
    assert len(model.history_["epoch"]) == 2


def test_deterministic_picklable_and_continues_training():
    X, domains = _two_domains(60, 50)
    first = CycleGANTransformer(adapter="numeric", **FAST, random_state=0).fit(X, domains)
    second = CycleGANTransformer(adapter="numeric", **FAST, random_state=0).fit(X, domains)
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.inverse_transform(X), first.inverse_transform(X))
    restored.partial_fit(X, domains)
    assert len(restored.history_["epoch"]) == 3 and len(first.history_["epoch"]) == 2
    assert {"generator_loss", "cycle_loss", "discriminator_loss"} <= set(first.history_)


def test_identity_loss_is_logged_when_used():
    X, domains = _two_domains(60, 50)
    model = CycleGANTransformer(adapter="numeric", identity_weight=5.0, **FAST,
                                random_state=0).fit(X, domains)
    assert np.isfinite(model.history_["identity_loss"]).all()


def test_dataframes_keep_columns_index_and_set_output():
    X, domains = _two_domains(60, 50)
    frame = pd.DataFrame(X, columns=["width", "height"], index=np.arange(110) + 1000)
    frame["kind"] = np.where(X[:, 0] > 3, "big", "small")
    model = CycleGANTransformer(**FAST, random_state=0).fit(frame, domains)
    translated = model.transform(frame.iloc[:5])
    assert list(translated.columns) == ["width", "height", "kind"]
    assert list(translated.index) == list(frame.index[:5])
    assert set(translated["kind"]) <= {"big", "small"}
    numeric = CycleGANTransformer(adapter="numeric", **FAST, random_state=0)
    numeric.set_output(transform="pandas")
    out = numeric.fit_transform(frame[["width", "height"]], domains)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["width", "height"]


def test_pipeline_and_grid_search_over_cycle_weight():
    X, domains = _two_domains(80, 80)
    pipeline = make_pipeline(StandardScaler(), CycleGANTransformer(adapter="numeric", **FAST,
                                                                   random_state=0))
    assert pipeline.fit(X, domains).transform(X[:4]).shape == (4, 2)
    search = GridSearchCV(
        CycleGANTransformer(adapter="numeric", **FAST, random_state=0),
        {"cycle_weight": [1.0, 10.0]}, cv=StratifiedKFold(2, shuffle=True, random_state=0),
    ).fit(X, domains)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize("shape, adapter", [((40, 8, 8), "auto"), ((40, 3, 12, 10), "auto"),
                                            ((40, 2, 32), SignalAdapter(width=4))])
def test_images_and_signals_translate_to_their_own_layout(shape, adapter):
    rng = np.random.RandomState(0)
    if len(shape) == 3 and adapter == "auto":
        X = rng.randint(0, 256, size=shape, dtype=np.uint8)
        adapter = ImageAdapter(width=4)
    elif len(shape) == 4:
        X = rng.randint(0, 256, size=shape, dtype=np.uint8)
        adapter = ImageAdapter(width=4)
    else:
        X = rng.normal(size=shape).astype(np.float32)
    domains = np.arange(len(X)) % 2
    model = CycleGANTransformer(adapter=adapter, epochs=1, batch_size=8,
                                random_state=0).fit(X, domains)
    out = model.transform(X[:3])
    assert out.shape == (3, *shape[1:]) and out.dtype == X.dtype
    assert model.inverse_transform(X[:3]).shape == (3, *shape[1:])
    assert np.isfinite(model.score(X, domains))
    # No feature names for whole pictures or signals (they named the first axis).
    with pytest.raises(ValueError, match="has no feature names"):
        model.get_feature_names_out()
    with pytest.raises(ValueError, match="set_output applies to tables"):
        model.set_output(transform="pandas").transform(X[:3])


def test_a_single_image_translates():
    X = np.random.RandomState(0).rand(8, 8, 8)
    model = CycleGANTransformer(adapter=ImageAdapter(width=2), epochs=1, batch_size=4,
                                random_state=0).fit(X, np.arange(8) % 2)
    assert model.transform(X[:1]).shape == (1, 8, 8)


@pytest.mark.parametrize("X, domains", [
    (np.zeros((6, 2)), np.arange(6) % 2),  # constant columns: an encoding of width 0
    (np.array([[1.0], [2.0], [5.0], [7.0]]), np.array([0, 1, 1, 1])),  # one row in A
])
def test_degenerate_domains_train_to_finite_losses(X, domains):
    model = CycleGANTransformer(epochs=1, batch_size=4, pac=1, random_state=0)
    model.fit(X, domains)
    assert all(np.isfinite(values).all() for values in model.history_.values())
    assert np.isfinite(model.transform(X[:1])).all()
    if X.std() == 0:
        assert model.score(X, domains) == 0.0


def test_history_pool_fills_then_swaps_half():
    generator = torch.Generator().manual_seed(0)
    pool = torch.empty((0, 2))
    first = torch.arange(12.0).reshape(6, 2)
    shown, pool = mix_with_history(pool, first, 6, generator)
    assert torch.equal(shown, first) and torch.equal(pool, first[:6])
    newer = 100 + torch.arange(2000.0).reshape(1000, 2)
    shown, pool = mix_with_history(pool, newer, 6, generator)
    from_history = (shown < 100).all(dim=1)
    assert len(shown) == 1000 and 0.45 < from_history.float().mean() < 0.55
    assert set(shown[from_history, 0].tolist()) <= set(first[:, 0].tolist())
    assert (pool >= 100).all()  # the stored fakes were swapped for newer ones
    unchanged, same_pool = mix_with_history(pool, newer, 0, generator)
    assert unchanged is newer and same_pool is pool


def test_several_starts_continue_from_the_best_scoring_one(monkeypatch):
    X, domains = _two_domains(60, 50)
    seen = []
    score = CycleGANTransformer.score

    def recording_score(self, X, y):
        value = score(self, X, y)
        seen.append((value if seen else float("nan"), self.generator_ab_))  # 1st: NaN
        return seen[-1][0]

    monkeypatch.setattr(CycleGANTransformer, "score", recording_score)
    model = CycleGANTransformer(adapter="numeric", **{**FAST, "epochs": 10}, n_init=3,
                                random_state=0).fit(X, domains)
    assert len(seen) == 3 and len({id(translator) for _, translator in seen}) == 3
    best = max(seen[1:], key=lambda pair: pair[0])[1]  # the NaN start never wins
    assert model.generator_ab_ is best
    assert model.history_["epoch"] == list(range(1, 11))  # 1 warm-up + 9 more epochs
    monkeypatch.setattr(CycleGANTransformer, "score", score)
    first, again = (CycleGANTransformer(adapter="numeric", **{**FAST, "epochs": 10},
                                        n_init=3, random_state=0).fit(X, domains)
                    for _ in range(2))
    np.testing.assert_array_equal(again.transform(X), first.transform(X))


def test_several_starts_leave_nothing_fitted_on_error():
    X, domains = _two_domains(60, 50)
    model = CycleGANTransformer(adapter="numeric", **FAST, n_init=2, random_state=0)
    with pytest.raises(ValueError, match="exactly two domains"):
        model.fit(X, np.where(domains == "a", "a", "c")[:-1].tolist() + ["z"])
    assert not hasattr(model, "history_") and not hasattr(model, "generator_ab_")


def test_a_file_name_for_x_says_to_read_the_file():
    with pytest.raises(TypeError, match="read the file first"):
        CycleGANTransformer().fit("domains.csv", [0, 1])


def test_fit_without_domains_and_sample_scorers_give_clear_errors():
    from skgan.metrics import mmd_scorer

    X = np.random.RandomState(0).normal(size=(80, 2))
    model = CycleGANTransformer(epochs=1, random_state=0)
    with pytest.raises(ValueError, match="requires y to be passed"):
        model.fit(X)
    model.fit(X, np.repeat([0, 1], 40))
    with pytest.raises(TypeError, match="CycleGANTransformer has no sample method"):
        mmd_scorer(model, X)


def test_translating_before_fit_is_not_fitted_and_mixed_domains_are_named():
    from sklearn.exceptions import NotFittedError
    from skgan import ConditionalGAN
    X = np.random.RandomState(0).rand(20, 8, 8)
    for method in ("transform", "inverse_transform"):  # was: AttributeError generator_ab_
        with pytest.raises(NotFittedError):
            getattr(CycleGANTransformer(), method)(X)
    mixed = np.array(["a"] * 10 + [1] * 10, dtype=object)
    for estimator in (CycleGANTransformer(epochs=1), ConditionalGAN(epochs=1)):
        with pytest.raises(TypeError, match="y mixes text and numbers"):
            estimator.fit(X.reshape(20, -1), mixed)


def test_a_failed_warm_start_fit_leaves_the_history_pools_as_they_were():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(100, 2)), rng.normal(3, 1, size=(100, 2))]
    y = np.array(["A"] * 100 + ["B"] * 100)
    model = CycleGANTransformer(generator_dims=(16,), discriminator_dims=(16,), batch_size=32,
                                epochs=5, random_state=0, warm_start=True).fit(X, y)
    twin = pickle.loads(pickle.dumps(model))

    def failing_scorer(estimator, X, y=None):
        raise RuntimeError("scorer failed")

    model.set_params(early_stopping=True, validation_fraction=None,
                     validation_scoring=failing_scorer)
    with pytest.raises(RuntimeError, match="scorer failed"):
        model.fit(X, y)
    model.set_params(early_stopping=False, validation_scoring=None)
    np.testing.assert_array_equal(model.fit(X, y).transform(X[:5]),
                                  twin.fit(X, y).transform(X[:5]))


def test_too_few_rows_of_a_domain_after_holding_out_names_the_hold_out():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(40, 2)), rng.normal(3, 1, size=(6, 2))]
    y = np.array(["A"] * 40 + ["B"] * 6)
    model = CycleGANTransformer(epochs=1, early_stopping=True, validation_fraction=0.5,
                                random_state=0)
    with pytest.raises(ValueError, match=r"domain 'B' has 3 after early stopping held out "
                                         r"validation_fraction=0.5.*turn early_stopping off"):
        model.fit(X, y)
    CycleGANTransformer(epochs=1, random_state=0).fit(X, y)  # all 6 rows: trains


def test_a_translated_table_keeps_its_rare_levels_apart():
    # Translating a user's own rows keeps their levels: the own adapter pools no rare
    # level (pooled, each would be drawn anew); an adapter passed keeps its setting.
    from skgan.adapters import TabularAdapter
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"store": [f"s{k}" for k in np.repeat(np.arange(40), 5)],
                      "amount": rng.normal(size=200)})
    y = np.repeat([0, 1], 100)
    own = CycleGANTransformer(random_state=0, **FAST).fit(X, y)
    assert own.adapter_.column_encoders_[0].block_widths == [40]
    passed = CycleGANTransformer(adapter=TabularAdapter(), random_state=0, **FAST).fit(X, y)
    assert passed.adapter_.column_encoders_[0].block_widths == [1]


def test_held_out_rows_with_what_training_never_saw_are_scored_not_refused():
    # score translated held-out rows with transform, which refuses a level or a
    # missing value training never saw: an early-stopped fit whose held-out rows
    # held one failed at its first check, its epochs lost.
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.normal(size=80), "b": ["x", "y"] * 40,
                      "c": rng.normal(size=80)})
    domains = np.array([0, 1] * 40)
    unseen = X.copy()
    unseen.loc[5, "b"], unseen.loc[7, "c"] = "rare", np.nan
    model = CycleGANTransformer(**FAST, random_state=0).fit(X, domains)
    assert np.isfinite(model.score(unseen, domains))
    with pytest.raises(ValueError, match="never seen"):
        model.transform(unseen.iloc[[5]])  # translating them is still refused
    stopped = CycleGANTransformer(**{**FAST, "epochs": 30, "batch_size": 8},
                                  early_stopping=True, validation_fraction=0.5,
                                  random_state=5).fit(unseen, domains)
    assert np.isfinite(stopped.validation_scores_).all()
