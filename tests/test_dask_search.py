"""Hyperparameter searches over skgan estimators on a Dask cluster, through joblib.

``with joblib.parallel_config(backend="dask"): search.fit(X)`` sends scikit-learn's
``_fit_and_score`` calls to the workers of a ``distributed.Client`` (docs/scaling.md).
Here the cluster is a ``LocalCluster`` of 2 worker processes with one thread each. The
checks: the fits ran in the worker processes; the scores, the chosen parameters and the
samples are those of the same search run in this process (a CPU fit with an integer
``random_state`` is the same on any thread count); ``device="auto"`` is resolved by the
worker; a worker's fits use the one thread it has; ``resources`` (e.g. one GPU per
trial) reach the tasks. A search's refit of ``best_estimator_`` runs in the calling
process, not on a worker; estimators fitted on workers come back from
``cross_validate(..., return_estimator=True)``, pickled.
"""

import os
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import (GridSearchCV, KFold, RandomizedSearchCV,
                                     StratifiedKFold, cross_validate)

import skgan
from skgan import ConditionalGAN, GANSampler

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

SMALL = {"generator_dims": (32,), "discriminator_dims": (32,), "latent_dim": 8,
         "batch_size": 40, "random_state": 0}


@pytest.fixture(scope="module")
def client():
    # Each worker also has one "GPU" resource: a label the scheduler counts, which
    # nothing checks against hardware, so the resource route runs without a GPU.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, resources={"GPU": 1}) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.fixture(autouse=True)
def one_thread_like_the_workers():
    # The workers run one thread each (the nanny sets OMP_NUM_THREADS=1), and on some
    # CPUs MKL rounds a few small products by the thread count: the fits in this
    # process that are compared bit for bit with theirs use one thread too.
    with skgan.fit_threads(1):
        yield


def blobs(n_rows=160, seed=0):
    rng = np.random.RandomState(seed)
    centers = np.array([[-2.0, 0.0], [2.0, 1.0]])
    return centers[rng.randint(2, size=n_rows)] + 0.3 * rng.normal(size=(n_rows, 2))


def mixed_table(n_rows=160, seed=0):
    """Text, a pandas category, floats with blanks: a table as users have one."""
    rng = np.random.RandomState(seed)
    plan = rng.choice(["basic", "pro", "team"], size=n_rows, p=[0.6, 0.3, 0.1])
    charges = pd.Series(plan).map({"basic": 29.0, "pro": 59.0, "team": 99.0}).to_numpy()
    charges = charges + rng.normal(0, 5, size=n_rows)
    charges[rng.rand(n_rows) < 0.1] = np.nan
    return pd.DataFrame({
        "plan": plan.astype(object),
        "region": pd.Categorical(rng.choice(["north", "south"], size=n_rows)),
        "charges": charges,
    })


def fit_tasks_ran_on_workers(client, task_stream):
    """Whether the search's fits ran as tasks of the cluster's worker processes."""
    worker_pids = client.run(os.getpid)  # {worker address: pid}
    fit_tasks = [record for record in task_stream.data
                 if "fit_and_score" in str(record["key"])]
    return (len(fit_tasks) > 0
            and {record["worker"] for record in fit_tasks} <= set(worker_pids)
            and os.getpid() not in worker_pids.values())


def same_results(search, local):
    assert search.best_params_ == local.best_params_
    assert search.best_index_ == local.best_index_
    assert list(search.cv_results_["params"]) == list(local.cv_results_["params"])
    for key in search.cv_results_:
        if "test_" in key or "train_" in key:  # scores and ranks; times differ
            np.testing.assert_array_equal(search.cv_results_[key], local.cv_results_[key],
                                          err_msg=key)


def test_grid_search_runs_on_the_workers_with_the_local_results(client):
    X = blobs()
    search = GridSearchCV(GANSampler(epochs=2, **SMALL),
                          {"loss": ["bce", "lsgan"], "pac": [1, 4]}, cv=2, n_jobs=-1)
    with distributed.get_task_stream(client) as task_stream:
        with joblib.parallel_config(backend="dask"):
            search.fit(X)
    assert fit_tasks_ran_on_workers(client, task_stream)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()

    local = clone(search).set_params(n_jobs=None).fit(X)  # one job, in this process
    same_results(search, local)

    # the refit runs in this process: best_estimator_ is the local fit of best_params_
    alone = GANSampler(epochs=2, **SMALL).set_params(**search.best_params_).fit(X)
    np.testing.assert_array_equal(search.best_estimator_.sample(50, random_state=0),
                                  alone.sample(50, random_state=0))


def test_estimators_fitted_on_workers_come_back_and_sample_like_local_ones(client):
    X = blobs()
    model = GANSampler(epochs=2, device="auto", **SMALL)
    cv = KFold(2, shuffle=True, random_state=0)
    with joblib.parallel_config(backend="dask"):
        result = cross_validate(model, X, cv=cv, n_jobs=-1, return_estimator=True)
    for fitted, (train, _) in zip(result["estimator"], cv.split(X)):
        # device="auto" was resolved where the fit ran: the workers have no GPU
        assert fitted.device_ == torch.device("cpu")
        alone = clone(model).fit(X[train])
        np.testing.assert_array_equal(fitted.sample(50, random_state=0),
                                      alone.sample(50, random_state=0))
        assert fitted.score(X) == alone.score(X)
        again = pickle.loads(pickle.dumps(fitted))  # and they go on travelling
        np.testing.assert_array_equal(again.sample(50, random_state=0),
                                      alone.sample(50, random_state=0))

    # a fit of its own on the cluster, e.g. of a search's best_params_ (refit=False)
    fitted = client.submit(clone(model).fit, X).result()
    assert fitted.device_ == torch.device("cpu")
    np.testing.assert_array_equal(fitted.sample(50, random_state=0),
                                  clone(model).fit(X).sample(50, random_state=0))


def test_a_worker_fits_on_its_one_thread(client):
    # The nanny starts each worker with OMP_NUM_THREADS=1 and MKL_NUM_THREADS=1
    # (dask's pre-spawn-environ; variables set in the environment win), so torch has
    # one thread there, and skgan's fit never raises the count.
    worker_threads = set(client.run(torch.get_num_threads).values())
    if not {"OMP_NUM_THREADS", "MKL_NUM_THREADS"} & set(os.environ):
        assert worker_threads == {1}

    def threads_in_fit(estimator, X):  # validation_scoring: called during fit
        return float(torch.get_num_threads())

    model = GANSampler(epochs=2, early_stopping=True, validation_scoring=threads_in_fit,
                       **SMALL)
    with joblib.parallel_config(backend="dask"):
        result = cross_validate(model, blobs(), cv=2, n_jobs=-1, return_estimator=True)
    for fitted in result["estimator"]:
        assert fitted.validation_scores_
        assert max(fitted.validation_scores_) <= max(worker_threads)


def test_mixed_table_grid_search_on_the_workers(client):
    X = mixed_table()
    search = GridSearchCV(GANSampler(epochs=2, **SMALL), {"pac": [1, 4]}, cv=2, n_jobs=-1)
    with joblib.parallel_config(backend="dask"):
        search.fit(X)
    same_results(search, clone(search).set_params(n_jobs=None).fit(X))

    with joblib.parallel_config(backend="dask"):
        result = cross_validate(GANSampler(epochs=2, **SMALL), X, cv=2, n_jobs=-1,
                                return_estimator=True)
    fitted = result["estimator"][0]
    alone = GANSampler(epochs=2, **SMALL).fit(X.iloc[80:])  # KFold(2)'s first training part
    rows = fitted.sample(50, random_state=0)
    pd.testing.assert_frame_equal(rows, alone.sample(50, random_state=0))
    assert list(rows.columns) == ["plan", "region", "charges"]
    assert rows["region"].dtype == X["region"].dtype


def test_randomized_search_of_a_conditional_gan_on_the_workers(client):
    X = blobs()
    y = (X[:, 0] > 0).astype(int)
    search = RandomizedSearchCV(
        ConditionalGAN(epochs=2, **SMALL),
        {"objective": ["bce", "hinge"], "mismatch_weight": [0.0, 0.5, 1.0]},
        n_iter=3, cv=StratifiedKFold(2, shuffle=True, random_state=0), n_jobs=-1,
        random_state=0)
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    same_results(search, clone(search).set_params(n_jobs=None).fit(X, y))
    samples, labels = search.best_estimator_.sample(20, y=1, random_state=0)
    assert samples.shape == (20, 2) and set(labels) == {1}


@pytest.mark.parametrize("route", ["parallel_config", "annotate", "none"])
def test_each_trial_can_hold_one_gpu_of_its_worker(client, route):
    # Workers started with resources={"GPU": 1} (``dask worker --resources "GPU=1"``)
    # run one task holding {"GPU": 1} at a time; the scorer sees the slot taken.
    def gpu_slots_left(estimator, X, y=None):  # a local function travels by value
        return float(distributed.get_worker().state.available_resources["GPU"])

    search = GridSearchCV(GANSampler(epochs=1, **SMALL), {"pac": [1, 4]}, cv=2,
                          n_jobs=-1, scoring=gpu_slots_left, refit=False)
    if route == "parallel_config":  # joblib hands extra arguments to client.submit
        with joblib.parallel_config(backend="dask", resources={"GPU": 1}):
            search.fit(blobs())
    elif route == "annotate":
        with dask.annotate(resources={"GPU": 1}), joblib.parallel_config(backend="dask"):
            search.fit(blobs())
    else:
        with joblib.parallel_config(backend="dask"):
            search.fit(blobs())
    slots_left = set(search.cv_results_["split0_test_score"]) | set(
        search.cv_results_["split1_test_score"])
    assert slots_left == ({1.0} if route == "none" else {0.0})


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_auto_is_resolved_on_the_worker_not_by_the_caller():
    # Here device="auto" is CUDA; a worker that sees no GPU fits on its CPU.
    assert GANSampler(epochs=1, **SMALL).fit(blobs()).device_.type == "cuda"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None,
                                  env={"CUDA_VISIBLE_DEVICES": ""}) as cluster:
        with distributed.Client(cluster), joblib.parallel_config(backend="dask"):
            result = cross_validate(GANSampler(epochs=1, **SMALL), blobs(), cv=2,
                                    n_jobs=-1, return_estimator=True)
    assert {fitted.device_ for fitted in result["estimator"]} == {torch.device("cpu")}
