"""Early stopping on held-out rows, the best networks kept, and a wall-clock budget."""

import numpy as np
import pandas as pd
import pytest
import torch

from skgan import ConditionalGAN, CycleGANTransformer, GANSampler, WGANSampler
from skgan._engine import early_stopping
from skgan._engine.early_stopping import AUTO_MIN_ROWS, split_validation, uses_early_stopping

SMALL = {"generator_dims": (32,), "discriminator_dims": (32,), "latent_dim": 8}


def _blob(n_rows=600, seed=0):
    return np.random.RandomState(seed).normal(size=(n_rows, 2)).astype(np.float32)


def _best_counted(model):
    """``(epoch, score)`` of the best counted check of ``history_`` (the first of
    equal ones), as early stopping keeps it."""
    scores = np.array(model.history_["validation_score"], dtype=float)
    counted = np.array(model.history_["validation_counted"]) == 1.0
    scores[~counted] = np.nan
    best = int(np.nanargmax(scores))
    return model.history_["epoch"][best], scores[best]


def test_a_fit_whose_quality_saturates_stops_early_and_samples_as_well():
    X, held_out = _blob(2000), _blob(1000, seed=1)
    full = GANSampler(epochs=400, batch_size=256, random_state=0, **SMALL).fit(X)
    # The score sits at its noise floor (a few 1e-4 of MMD^2) from about epoch 100 on.
    stopped = GANSampler(epochs=400, batch_size=256, early_stopping=True, tol=5e-4,
                         random_state=0, **SMALL).fit(X)
    # Checks count from 40 % of the epochs on (epoch 160), every 8 epochs: 10 of them.
    assert stopped.n_iter_ <= 260 and full.n_iter_ == 400
    assert stopped.score(held_out) >= full.score(held_out) - 0.005
    assert stopped.best_validation_score_ == _best_counted(stopped)[1]
    assert len(stopped.history_["validation_score"]) == stopped.n_iter_
    assert np.isfinite(stopped.history_["validation_time"]).all()


@pytest.fixture
def check_every_epoch(monkeypatch):
    """Checks after every epoch, however few steps an epoch of a tiny table holds."""
    monkeypatch.setattr(early_stopping, "MIN_STEPS_BETWEEN_CHECKS", 1)


def test_checks_are_spaced_by_training_steps():
    model = GANSampler(epochs=40, early_stopping=True, random_state=0, **SMALL).fit(_blob(200))
    # 180 rows: one step per epoch, so a check every 50 epochs, and one at the end.
    assert np.isfinite(model.history_["validation_score"]).sum() == 1


def test_a_score_that_keeps_improving_never_stops_the_fit(check_every_epoch):
    def improving(estimator, X):
        return float(len(estimator.history_.get("epoch", [])))  # one more epoch, a better score

    model = GANSampler(epochs=40, early_stopping=True, n_iter_no_change=2, random_state=0,
                       validation_scoring=improving, **SMALL).fit(_blob(200))
    assert model.n_iter_ == 40 and model.best_validation_score_ == 39.0  # scored before
    assert model.validation_scores_ == [float(epoch) for epoch in range(40)]  # recording


def test_the_best_networks_are_kept_when_later_epochs_get_worse(check_every_epoch):
    weights = {}

    def spoiled_after_fifteen(estimator, X):
        epoch = len(estimator.history_.get("epoch", [])) + 1
        if epoch > 15:  # later epochs are made worse on purpose
            with torch.no_grad():
                for parameter in estimator.generator_average_.parameters():
                    parameter.add_(3.0)
        weights[epoch] = [p.detach().clone() for p in estimator.generator_average_.parameters()]
        return estimator.score(X) + (1.0 if epoch < 12 else 0.0)  # uncounted: the best

    X = _blob(300)
    model = GANSampler(epochs=30, early_stopping=True, n_iter_no_change=5, random_state=0,
                       validation_scoring=spoiled_after_fifteen, **SMALL).fit(X)
    # Checks count from epoch 12 (40 % of 30): the best of epochs 12-15 is kept, not
    # one of the higher scores before.
    best_epoch = 12 + int(np.argmax(model.validation_scores_[11:]))
    assert 12 <= best_epoch <= 15 and model.n_iter_ <= best_epoch + 5
    assert model.best_validation_score_ == model.validation_scores_[best_epoch - 1]
    kept = list(model.generator_average_.parameters())
    assert all(torch.equal(a, b) for a, b in zip(kept, weights[best_epoch]))


def test_checks_before_40_percent_of_the_epochs_spend_no_patience(check_every_epoch):
    def worsening(estimator, X):
        return -float(len(estimator.history_.get("epoch", [])))  # best at the first check

    model = GANSampler(epochs=40, early_stopping=True, n_iter_no_change=2, random_state=0,
                       validation_scoring=worsening, **SMALL).fit(_blob(200))
    # Every check is recorded, but the first counted one (epoch 16) is the best kept,
    # and the patience of 2 checks runs out at epoch 18.
    assert model.n_iter_ == 18 and model.validation_scores_[0] == 0.0
    assert model.validation_scores_ == [-float(epoch) for epoch in range(18)]
    assert model.best_validation_score_ == -15.0


def test_counted_checks_that_all_fail_keep_the_best_earlier_one(check_every_epoch, capsys):
    import matplotlib
    matplotlib.use("Agg")
    from skgan.plotting import plot_validation_scores

    weights = {}

    def failing_from_epoch_four(estimator, X):  # a model that collapses late
        epoch = len(estimator.history_.get("epoch", [])) + 1
        weights[epoch] = [p.detach().clone() for p in estimator.generator_average_.parameters()]
        return -float(epoch) if epoch < 4 else float("nan")

    with pytest.warns(UserWarning, match="worst score"):
        model = GANSampler(epochs=10, early_stopping=True, n_iter_no_change=3, verbose=1,
                           validation_scoring=failing_from_epoch_four, random_state=0,
                           **SMALL).fit(_blob(200))
    # Checks count from epoch 4; three of them failing spend the patience.
    assert model.validation_scores_ == [-1.0, -2.0, -3.0, -np.inf, -np.inf, -np.inf]
    assert model.best_validation_score_ == -1.0
    assert "keeping epoch 1 (validation score -1)" in capsys.readouterr().out
    kept = list(model.generator_average_.parameters())
    assert all(torch.equal(a, b) for a, b in zip(kept, weights[1]))
    labels = plot_validation_scores(model).get_legend_handles_labels()[1]
    assert "kept (epoch 1)" in labels


def test_the_plot_marks_the_counted_check_when_an_earlier_one_ties_it(check_every_epoch):
    import matplotlib
    matplotlib.use("Agg")
    from skgan.plotting import plot_validation_scores

    scores = iter([-1.0, -2.0, -1.0, -3.0, -4.0, -5.0])  # epoch 1 ties epoch 3, kept
    model = GANSampler(epochs=6, early_stopping=True, n_iter_no_change=3, random_state=0,
                       validation_scoring=lambda estimator, X: next(scores), **SMALL)
    model.fit(_blob(200))
    assert model.history_["validation_counted"] == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    ax = plot_validation_scores(model)
    labels = ax.get_legend_handles_labels()[1]
    assert "kept (epoch 3)" in labels and "checks not counted" in labels


def test_a_warm_fit_with_early_stopping_after_one_without_records_and_keeps_counting(
        check_every_epoch, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import skgan
    from skgan.plotting import plot_validation_scores

    scores = iter([-3.0, -1.0, -2.0, -4.0, -5.0])  # the second fit's, from its epoch 1
    model = GANSampler(epochs=3, warm_start=True, random_state=0, **SMALL).fit(_blob(200))
    model.set_params(epochs=5, early_stopping=True, n_iter_no_change=5,
                     validation_scoring=lambda estimator, X: next(scores))
    model.fit(_blob(200))
    counted = model.history_["validation_counted"]
    # No check in the first fit (NaN); the second counts from its epoch 2 (40 % of 5).
    assert np.isnan(counted[:3]).all() and counted[3:] == [0.0, 1.0, 1.0, 1.0, 1.0]
    model.set_params(validation_scoring=None)  # a lambda cannot go into a model file
    path = tmp_path / "model.skgan"
    skgan.save(model, path)
    loaded = skgan.load(path)
    np.testing.assert_array_equal(loaded.history_["validation_counted"], counted)
    for fitted in (model, loaded):
        ax = plot_validation_scores(fitted)
        labels = ax.get_legend_handles_labels()[1]
        assert "kept (epoch 5)" in labels and "checks not counted" in labels
        shade = ax.patches[0]  # a Rectangle (matplotlib 3.9+) or a Polygon
        corners = shade.get_patch_transform().transform(shade.get_path().vertices)
        # Shaded: the second fit's uncounted check (epoch 4) up to its first counted one.
        assert (corners[:, 0].min(), corners[:, 0].max()) == (4, 5)


def test_checks_count_from_40_percent_of_max_time(check_every_epoch, monkeypatch):
    class Clock:  # 0.1 s a reading, whatever the machine does
        now = early_stopping.time.perf_counter()

        @classmethod
        def perf_counter(cls):
            cls.now += 0.1
            return cls.now

    monkeypatch.setattr(early_stopping, "time", Clock)

    def flat(estimator, X):
        return 0.0

    # 100 epochs, a check every epoch: three readings an epoch, so max_time would stop
    # the fit near epoch 33, and 40 % of the epochs is epoch 40.
    model = GANSampler(epochs=100, max_time=10.0, early_stopping=True,
                       n_iter_no_change=3, validation_scoring=flat, random_state=0,
                       **SMALL).fit(_blob(200))
    first_counted = model.history_["validation_counted"].index(1.0) + 1
    # Counting began at 4 s of the fake clock, and the plateau stopped the fit three
    # checks later, long before max_time.
    assert 10 <= first_counted <= 16 and model.n_iter_ == first_counted + 3


def test_validation_fraction_none_trains_on_every_row_and_scores_them(check_every_epoch):
    scored = []

    def improving(estimator, X):
        scored.append(X)
        return float(len(estimator.history_.get("epoch", [])))

    X = _blob(300)
    plain = GANSampler(epochs=12, random_state=0, **SMALL).fit(X)
    model = GANSampler(epochs=12, early_stopping=True, validation_fraction=None,
                       validation_scoring=improving, random_state=0, **SMALL).fit(X)
    # Nothing held out: the fit trains as the plain one on all 300 rows, and scores them.
    np.testing.assert_array_equal(model.sample(50, random_state=1),
                                  plain.sample(50, random_state=1))
    assert len(scored) == 12 and all(np.array_equal(rows, X) for rows in scored)
    assert model.n_iter_ == 12 and model.best_validation_score_ == 11.0


def test_validation_fraction_none_scores_at_most_2000_training_rows_of_every_class():
    X = pd.DataFrame({"x": np.arange(5000.0)})
    y = np.r_[np.zeros(4900, dtype=int), np.ones(100, dtype=int)]
    X_train, y_train, X_scored, y_scored = split_validation(X, y, None, seed=0, stratify=True)
    assert X_train is X and y_train is y  # every row trains
    assert len(X_scored) == 2000 and (y_scored == 1).sum() == 40
    assert set(X_scored["x"]) <= set(X["x"]) and X_scored["x"].is_unique
    small = np.zeros((30, 2))
    assert split_validation(small, None, None, seed=0, stratify=False)[2] is small
    model = ConditionalGAN(epochs=2, early_stopping=True, validation_fraction=None,
                           random_state=0, **SMALL).fit(_blob(200), np.arange(200) % 3)
    assert len(model.validation_scores_) >= 1


def test_early_stopping_is_deterministic_with_an_integer_random_state():
    X = _blob(400)
    first = GANSampler(epochs=60, early_stopping=True, random_state=3, **SMALL).fit(X)
    second = GANSampler(epochs=60, early_stopping=True, random_state=3, **SMALL).fit(X)
    assert first.n_iter_ == second.n_iter_
    assert first.validation_scores_ == second.validation_scores_
    np.testing.assert_array_equal(first.sample(20, random_state=0),
                                  second.sample(20, random_state=0))


def test_max_time_stops_the_fit_at_the_best_check_so_far():
    model = GANSampler(epochs=100_000, max_time=1.0, early_stopping=True, random_state=0,
                       **SMALL).fit(_blob(300))
    assert 1 <= model.n_iter_ < 100_000
    # Checks count from 40 % of max_time on: the best of them is kept.
    assert model.best_validation_score_ == _best_counted(model)[1]
    unscored = GANSampler(epochs=100_000, max_time=0.5, random_state=0, **SMALL).fit(_blob(300))
    assert unscored.n_iter_ < 100_000 and unscored.validation_scores_ is None


def test_without_early_stopping_nothing_is_held_out():
    model = GANSampler(epochs=3, random_state=0, **SMALL).fit(_blob(100))
    assert model.n_iter_ == 3 and model.validation_scores_ is None
    assert "validation_score" not in model.history_


@pytest.mark.parametrize("estimator", [WGANSampler(n_critic=1, epochs=4, **SMALL),
                                       ConditionalGAN(epochs=4, **SMALL),
                                       CycleGANTransformer(epochs=4, generator_dims=(16,),
                                                           discriminator_dims=(16,))])
def test_every_trainer_stops_early(estimator):
    X = _blob(300)
    y = (X[:, 0] > 0).astype(int)
    estimator.set_params(early_stopping=True, random_state=0)
    estimator.fit(X, y)
    assert estimator.n_iter_ <= 4 and len(estimator.validation_scores_) >= 1


def test_the_held_out_rows_keep_every_class():
    X = pd.DataFrame({"x": np.arange(1000.0)})
    y = np.r_[np.zeros(950, dtype=int), np.ones(50, dtype=int)]
    X_train, y_train, X_held, y_held = split_validation(X, y, 0.2, seed=0, stratify=True)
    assert len(X_held) == 200 and (y_held == 1).sum() == 10 and (y_train == 1).sum() == 40
    assert set(X_train["x"]).isdisjoint(X_held["x"])
    big = np.zeros((50_000, 1))
    assert len(split_validation(big, None, 0.1, seed=0, stratify=False)[2]) == 2000


def test_auto_turns_early_stopping_on_for_large_tables_only():
    assert uses_early_stopping("auto", AUTO_MIN_ROWS)
    assert not uses_early_stopping("auto", AUTO_MIN_ROWS - 1)
    assert uses_early_stopping(True, 10) and not uses_early_stopping(False, 10**6)


def test_bad_early_stopping_parameters_are_refused():
    with pytest.raises(ValueError, match="validation_fraction"):
        GANSampler(validation_fraction=1.5).fit(_blob(50))
    with pytest.raises(ValueError, match="n_iter_no_change"):
        GANSampler(n_iter_no_change=0).fit(_blob(50))
    with pytest.raises(ValueError, match="max_time"):
        GANSampler(max_time=-1).fit(_blob(50))
    with pytest.raises(ValueError, match="too few rows"):
        GANSampler(early_stopping=True, validation_fraction=0.01, epochs=1).fit(_blob(20))
    unfitted = GANSampler(early_stopping=True, validation_fraction=0.01, epochs=1)
    with pytest.raises(ValueError):
        unfitted.fit(_blob(20))
    assert not hasattr(unfitted, "history_")  # nothing half-fitted left behind


@pytest.mark.parametrize("make", [
    lambda **params: GANSampler(**SMALL, **params),
    lambda **params: WGANSampler(**SMALL, **params),
    lambda **params: ConditionalGAN(**SMALL, **params),
    lambda **params: CycleGANTransformer(generator_dims=(16,), discriminator_dims=(16,),
                                         **params),
], ids=["GANSampler", "WGANSampler", "ConditionalGAN", "CycleGANTransformer"])
@pytest.mark.parametrize("bad", [{"validation_fraction": 1.5}, {"tol": -1.0},
                                 {"n_iter_no_change": 0}, {"max_time": -5},
                                 {"early_stopping": "yes"}, {"epochs": 0}],
                         ids=lambda bad: next(iter(bad)))
def test_bad_parameters_are_refused_by_every_estimator_before_any_work(make, bad):
    # CycleGANTransformer checked them only once its held-out rows were split (an
    # unnamed error for a fraction of 1.5), and not at all when continuing (warm_start).
    X, y = _blob(60), np.array([0, 1] * 30)
    with pytest.raises(ValueError, match=next(iter(bad))):
        make(**{"early_stopping": True, **bad}).fit(X, y)
    fitted = make(epochs=1, random_state=0).fit(X, y)
    history = {name: list(values) for name, values in fitted.history_.items()}
    with pytest.raises(ValueError, match=next(iter(bad))):
        fitted.set_params(warm_start=True, **bad).fit(X, y)
    assert fitted.history_ == history  # no epoch trained


@pytest.mark.parametrize("estimator, labels, needed", [
    (CycleGANTransformer(generator_dims=(16,), discriminator_dims=(16,)), [0, 1] * 12,
     "2 rows of each domain"),
    (ConditionalGAN(**SMALL), [0, 1, 2] * 8, "2 rows of one class"),
])
def test_held_out_rows_too_few_for_score_are_refused_before_training(estimator, labels,
                                                                      needed, monkeypatch):
    # They failed after training, in a score() the user never called.
    def no_training(*args, **kwargs):
        raise AssertionError("trained before the held-out rows were checked")

    monkeypatch.setattr(type(estimator), "_prepare_training", no_training)
    estimator.set_params(early_stopping=True, epochs=2, random_state=0)
    with pytest.raises(ValueError, match=f"needs at least {needed}.*validation_fraction"):
        estimator.fit(_blob(len(labels)), labels)
    assert not hasattr(estimator, "history_")
    # a scorer of its own: its business
    estimator.set_params(validation_scoring=lambda estimator, X, y=None: 0.0)
    with pytest.raises(AssertionError, match="trained before"):
        estimator.fit(_blob(len(labels)), labels)


def test_a_score_that_is_not_a_number_is_the_worst_and_says_so(check_every_epoch):
    model = GANSampler(epochs=3, early_stopping=True, random_state=0,
                       validation_scoring=lambda estimator, X: float("nan"), **SMALL)
    with pytest.warns(UserWarning, match="counts it as the worst score"):
        model.fit(_blob(200))
    assert model.validation_scores_ and all(score == -np.inf
                                            for score in model.validation_scores_)


def test_a_fit_no_check_could_score_says_so_and_has_no_kept_epoch_to_plot(check_every_epoch,
                                                                         capsys):
    import matplotlib
    matplotlib.use("Agg")
    from skgan.plotting import plot_validation_scores
    model = GANSampler(epochs=30, early_stopping=True, n_iter_no_change=3, verbose=1,
                       random_state=0, validation_scoring=lambda estimator, X: float("nan"),
                       **SMALL)
    with pytest.warns(UserWarning, match="worst score"):
        model.fit(_blob(200))
    assert "no check scored a finite number, keeping the last epoch" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no kept epoch"):
        plot_validation_scores(model)


@pytest.mark.parametrize("returned", ["good", None, [0.1, 0.2]])
def test_a_scorer_that_returns_no_number_is_named(returned):
    model = GANSampler(epochs=3, early_stopping=True, validation_fraction=None,
                       random_state=0, validation_scoring=lambda estimator, X: returned,
                       **SMALL)
    with pytest.raises(TypeError, match="validation_scoring must return a number"):
        model.fit(_blob(200))
    assert not hasattr(model, "history_")


def test_a_scorer_given_by_name_scores_as_the_scorer_and_the_model_file_keeps_it(tmp_path):
    import skgan
    from skgan.metrics import mmd_scorer

    X = np.random.RandomState(0).normal(size=(300, 3))
    options = dict(epochs=4, early_stopping=True, random_state=0, **SMALL)
    by_name = GANSampler(validation_scoring="mmd", **options).fit(X)
    by_object = GANSampler(validation_scoring=mmd_scorer, **options).fit(X)
    assert by_name.validation_scores_ == by_object.validation_scores_
    skgan.save(by_name, tmp_path / "model.skgan")
    loaded = skgan.load(tmp_path / "model.skgan")
    assert loaded.validation_scoring == "mmd"
    np.testing.assert_array_equal(loaded.sample(5, random_state=0),
                                  by_name.sample(5, random_state=0))
    with pytest.raises(ValueError, match=r"skgan's 'mmd' scorer as an object.*its name"):
        skgan.save(by_object, tmp_path / "object.skgan")  # the error says what to pass
    with pytest.raises(ValueError, match="validation_scoring"):
        GANSampler(validation_scoring="accuracy", **options).fit(X)


def test_verbose_says_why_the_fit_stopped_on_a_line_of_its_own(capsys):
    GANSampler(epochs=100_000, max_time=0.5, early_stopping=True, verbose=1, random_state=0,
               **SMALL).fit(_blob(300))
    lines = capsys.readouterr().out.splitlines()
    said = [line for line in lines if "keeping epoch" in line]
    assert len(said) == 1 and said[0].startswith(
        "GANSampler: stopped, max_time=0.5 s reached after ")
    GANSampler(epochs=100_000, max_time=0.5, verbose=1, random_state=0, **SMALL).fit(_blob(300))
    assert capsys.readouterr().out.strip().startswith("GANSampler: stopped, max_time=0.5 s")
    GANSampler(epochs=100_000, max_time=0.5, early_stopping=True, random_state=0,
               **SMALL).fit(_blob(300))
    assert capsys.readouterr().out == ""


def test_an_interrupted_early_stopped_fit_names_the_epoch_it_keeps(check_every_epoch, capsys):
    from skgan.exceptions import TrainingInterruptedWarning

    def best_first_then_interrupt(estimator, X):
        checks = len([s for s in estimator.history_.get("validation_score", [])
                      if s == s]) + 1
        if checks == 3:
            raise KeyboardInterrupt  # Ctrl-C during the third check
        return -float(checks)  # the first check scores best

    model = GANSampler(epochs=20, early_stopping=True, verbose=1, random_state=0,
                       validation_scoring=best_first_then_interrupt, **SMALL)
    with pytest.warns(TrainingInterruptedWarning, match="weights of epoch 1\\."):
        model.fit(_blob(300))
    assert "interrupted after 2 epochs; keeping epoch 1" in capsys.readouterr().out


def test_random_starts_of_a_translation_stop_early_and_within_max_time(capsys):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(80, 2)), rng.normal(5.0, size=(80, 2))])
    y = np.repeat([0, 1], 80)
    options = dict(n_init=2, batch_size=32, random_state=0, generator_dims=(16,),
                   discriminator_dims=(16,))
    stopped = CycleGANTransformer(epochs=60, early_stopping=True, verbose=1,
                                  **options).fit(X, y)
    assert stopped.validation_scores_  # the continuation was scored
    assert stopped.n_iter_ == len(stopped.history_["epoch"])
    best_epoch = _best_counted(stopped)[0]
    assert f"keeping epoch {best_epoch} " in capsys.readouterr().out  # as history_ says
    timed = CycleGANTransformer(epochs=100_000, max_time=0.5, **options).fit(X, y)
    assert len(timed.history_["epoch"]) < 100_000 * 0.1  # not even one start ran out
    with pytest.raises(ValueError, match="validation_scoring"):
        CycleGANTransformer(validation_scoring="mmd", early_stopping=True,
                            **options).fit(X, y)


def test_ctrl_c_during_a_random_start_ends_the_fit():
    from skgan.exceptions import TrainingInterruptedWarning
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(80, 2)), rng.normal(5.0, size=(80, 2))])
    y = np.repeat([0, 1], 80)
    model = CycleGANTransformer(n_init=2, epochs=200, batch_size=32, random_state=0,
                                generator_dims=(16,), discriminator_dims=(16,))
    real_step = model._train_step
    calls = {"n": 0}

    def interrupted_step(batch):
        calls["n"] += 1
        if calls["n"] == 12:  # within the first start's 20 epochs
            raise KeyboardInterrupt
        return real_step(batch)

    model._train_step = interrupted_step
    with pytest.warns(TrainingInterruptedWarning):
        model.fit(X, y)
    assert len(model.history_["epoch"]) < 20 and calls["n"] == 12


def test_a_held_out_share_that_takes_a_whole_class_is_refused_before_training(monkeypatch):
    X = _blob(300)
    y = np.array([0] * 298 + [1] * 2)
    monkeypatch.setattr(ConditionalGAN, "_train_step", lambda *args: pytest.fail("trained"))
    with pytest.raises(ValueError, match="holds out every row labelled 1"):
        ConditionalGAN(early_stopping=True, validation_fraction=0.9,
                       validation_scoring=lambda estimator, X, y: 0.0, **SMALL).fit(X, y)


def test_the_validation_plot_marks_the_last_fits_kept_epoch(check_every_epoch):
    import matplotlib
    matplotlib.use("Agg")
    from skgan.plotting import plot_validation_scores

    # The second fit's checks count from its epoch 2 (40 % of 4): its best is -4, not
    # the -2.5 of its first epoch.
    scores = iter([-3.0, -2.0, -1.0, -2.5, -4.0, -6.0, -7.0])

    model = GANSampler(epochs=3, early_stopping=True, warm_start=True, random_state=0,
                       validation_scoring=lambda estimator, X: next(scores), **SMALL)
    model.fit(_blob(300))
    model.set_params(epochs=4)
    model.fit(_blob(300))
    assert model.best_validation_score_ == -4.0
    ax = plot_validation_scores(model)
    labels = ax.get_legend_handles_labels()[1]
    assert "kept (epoch 5)" in labels  # not 3 (both fits' best) nor 4 (before 40 %)
    model.set_params(early_stopping=False)
    model.fit(_blob(300))
    with pytest.raises(ValueError, match="no validation scores of its last fit"):
        plot_validation_scores(model)
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        plot_validation_scores(GANSampler(early_stopping=True))
    with pytest.raises(TypeError, match="fitted skgan estimator, got NoneType"):
        plot_validation_scores(None)


def test_max_time_inf_is_no_limit():
    model = GANSampler(epochs=3, max_time=float("inf"), random_state=0, **SMALL)
    assert model.fit(_blob(100)).n_iter_ == 3


def test_a_metric_function_as_validation_scoring_is_refused_before_training():
    from skgan.metrics import c2st, mmd

    X = np.random.RandomState(0).normal(size=(200, 2))
    for metric in (c2st, mmd):
        model = GANSampler(epochs=2, early_stopping=True, validation_scoring=metric,
                           random_state=0, **SMALL)
        with pytest.raises(TypeError, match=rf"metric of two samples.*'{metric.__name__}'"):
            model.fit(X)
        assert not hasattr(model, "history_")


def test_scorers_of_predictions_are_refused_before_training_and_two_argument_ones_work():
    from sklearn.metrics import accuracy_score, make_scorer

    X = np.random.RandomState(0).normal(size=(200, 2))
    y = np.tile([0, 1], 100)
    model = GANSampler(epochs=2, early_stopping=True, random_state=0, **SMALL,
                       validation_scoring=make_scorer(accuracy_score))
    with pytest.raises(TypeError, match="calls the estimator's predict, which GANSampler"):
        model.fit(X)
    assert not hasattr(model, "history_")
    seen = []

    def two_arguments(estimator, X_scored):  # the user guide: called as scorer(estimator, X)
        seen.append(len(X_scored))
        return float(estimator.score(X_scored, np.tile([0, 1], len(X_scored))[:len(X_scored)]))

    conditional = ConditionalGAN(epochs=4, early_stopping=True, validation_fraction=None,
                                 validation_scoring=two_arguments, random_state=0,
                                 **SMALL).fit(X, y)
    assert seen and len(conditional.validation_scores_) == len(seen)


def test_every_random_start_holds_out_the_same_rows_whatever_the_random_state(monkeypatch):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(60, 2)), rng.normal(3.0, size=(60, 2))])
    y = np.repeat(["a", "b"], 60)
    held_out = []
    split = CycleGANTransformer._held_out_rows

    def recording(self, X, y):
        parts = split(self, X, y)
        held_out.append(np.asarray(parts[2]).tobytes())
        return parts

    monkeypatch.setattr(CycleGANTransformer, "_held_out_rows", recording)
    for random_state in (None, np.random.RandomState(1)):
        held_out.clear()
        model = CycleGANTransformer(n_init=3, epochs=10, early_stopping=True, batch_size=32,
                                    random_state=random_state, generator_dims=(8,),
                                    discriminator_dims=(8,)).fit(X, y)
        assert len(held_out) == 4 and len(set(held_out)) == 1  # 3 starts, 1 continuation
        assert not hasattr(model, "_held_out_seed")


def test_scorers_taking_y_get_none_from_samplers_and_strings_are_not_scores():
    X = np.random.RandomState(0).normal(size=(200, 2))
    seen = []

    def scorer(estimator, X, y):  # as scikit-learn's scorers are called
        seen.append(y)
        return -abs(float(estimator.sample(len(X), random_state=0).mean() - X.mean()))

    GANSampler(epochs=2, early_stopping=True, validation_scoring=scorer, random_state=0,
               **SMALL).fit(X)
    assert seen and all(y is None for y in seen)
    with pytest.raises(TypeError, match="must return a number; it returned '0.5'"):
        GANSampler(epochs=2, early_stopping=True, validation_scoring=lambda e, X: "0.5",
                   random_state=0, **SMALL).fit(X)


_COPIES = []


def _checkpointing_scorer(estimator, X):
    """A scorer that keeps a copy of the estimator at every check (a checkpoint)."""
    import copy
    import pickle

    _COPIES.append(copy.deepcopy(estimator))
    _COPIES.append(pickle.loads(pickle.dumps(estimator)))
    return 0.0


def test_a_scorer_may_copy_the_estimator_during_a_verbose_fit(capsys):
    _COPIES.clear()
    GANSampler(epochs=2, early_stopping=True, validation_scoring=_checkpointing_scorer,
               verbose=1, random_state=0, **SMALL).fit(_blob(200))
    assert _COPIES and all(copy.sample(3, random_state=0).shape == (3, 2) for copy in _COPIES)


class _OnlyArrayInterface:
    """An array-like with nothing but ``__array__`` (as scikit-learn's checks pass)."""

    def __init__(self, data):
        self.data = np.asarray(data)

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)


def test_array_likes_with_only_array_interface_stop_early():
    X = _OnlyArrayInterface(_blob(200))
    for fraction in (0.2, None):
        model = GANSampler(epochs=2, early_stopping=True, validation_fraction=fraction,
                           random_state=0, **SMALL).fit(X)
        assert model.validation_scores_


def test_a_resampler_says_sparse_for_every_sparse_format():
    import scipy.sparse

    from skgan import GANResampler

    X = scipy.sparse.random(40, 3, density=0.5, format="coo", random_state=0)
    y = np.r_[np.zeros(30), np.ones(10)]
    for sparse_format in ("coo", "dia", "bsr", "csr"):
        with pytest.raises(TypeError, match="does not accept sparse matrices"):
            GANResampler(estimator=GANSampler(epochs=1)).fit_resample(X.asformat(sparse_format), y)


def test_a_scorer_that_samples_without_a_seed_does_not_change_the_training(check_every_epoch):
    def sampling_and_improving(estimator, X):
        estimator.sample(20)  # unseeded: draws from the estimator's own stream
        return float(len(estimator.history_.get("epoch", [])))

    X = _blob(200)
    plain = GANSampler(epochs=12, random_state=0, **SMALL).fit(X)
    checked = GANSampler(epochs=12, early_stopping=True, validation_fraction=None,
                         n_iter_no_change=100, validation_scoring=sampling_and_improving,
                         random_state=0, **SMALL).fit(X)
    assert checked.n_iter_ == 12 and checked.validation_scores_[-1] == 11.0
    np.testing.assert_array_equal(checked.sample(30), plain.sample(30))  # the stream too


def test_the_progress_bar_shows_the_latest_check_however_long_the_history():
    import math

    from skgan._engine.loop import _last_scores

    nan = math.nan
    history = {"validation_score": [nan, -0.5, nan, nan, -0.25, nan, nan]}
    assert _last_scores(history, {"validation_score": nan}) == {"validation_score": -0.25}
    assert _last_scores({"validation_score": [nan, nan]}, {"validation_score": nan}) == {}
    assert _last_scores(history, {}) == {}  # no early stopping: nothing to show


def test_checks_encode_the_held_out_rows_once_a_fit(monkeypatch):
    import numpy as np
    import pandas as pd

    from skgan import GANSampler

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=400), "k": rng.choice(list("abc"), 400)})
    encoded = []
    original = GANSampler._encoded_for_score

    def counting(self, X):
        encoded.append(len(X))
        return original(self, X)

    monkeypatch.setattr(GANSampler, "_encoded_for_score", counting)
    small = dict(epochs=300, generator_dims=(16,), discriminator_dims=(16,),
                 early_stopping=True, random_state=0)
    model = GANSampler(**small).fit(table)
    assert len(model.validation_scores_) > 3
    assert encoded == [40]  # the 10 % held out, encoded at the first check only
    monkeypatch.undo()
    again = GANSampler(**small).fit(table)
    np.testing.assert_array_equal(again.validation_scores_, model.validation_scores_)


def test_a_table_of_constant_columns_stops_early_scoring_zero():
    """Rows of no features (every column constant) score 0.0 at every check, as
    ``score`` gives them; no kernel width is looked for."""
    import numpy as np
    import pandas as pd

    from skgan import GANSampler, WGANSampler

    frame = pd.DataFrame({"a": [7.0] * 60, "b": ["x"] * 60})
    for model in (GANSampler(epochs=3, early_stopping=True, random_state=0),
                  WGANSampler(epochs=3, early_stopping=True, validation_fraction=None,
                              random_state=0)):
        model.set_params(generator_dims=(8,), discriminator_dims=(8,), batch_size=10)
        data = frame if isinstance(model, GANSampler) else np.full((60, 2), 7.0)
        model.fit(data)
        assert model.validation_scores_ and set(model.validation_scores_) == {0.0}


def test_the_plot_says_why_a_fit_whose_max_time_ran_out_during_its_starts_has_no_checks():
    import matplotlib
    matplotlib.use("Agg")
    from skgan.plotting import plot_validation_scores

    X, domains = _blob(120), np.array([0, 1] * 60)
    model = CycleGANTransformer(epochs=10, batch_size=8, n_init=3, early_stopping=True,
                                max_time=1e-6, generator_dims=(16,),
                                discriminator_dims=(16,), random_state=0).fit(X, domains)
    assert model.validation_scores_ is None  # only the continuation is checked: none ran
    with pytest.raises(ValueError, match="random starts"):
        plot_validation_scores(model)
