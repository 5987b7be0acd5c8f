"""Data-parallel training with torch.distributed: two CPU processes (gloo) under torchrun."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import skgan
from skgan import ConditionalGAN, GANSampler, WGANSampler
from distributed_worker import CORNERS, blobs, weights

WORKER = Path(__file__).with_name("distributed_worker.py")
pytestmark = pytest.mark.skipif(not torch.distributed.is_available(),
                                reason="torch was built without torch.distributed")


def run_ranks(tmp_path, *scenarios, timeout=300):
    """Run ``scenarios`` on two processes; return {scenario: (arrays, error) per rank}."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(
        [str(WORKER.parent), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc-per-node=2", str(WORKER), str(tmp_path), *scenarios]
    finished = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=timeout)
    results = {}
    for name in scenarios:
        per_rank = []
        for rank in (0, 1):
            stem = tmp_path / f"{name}-rank{rank}"
            if not stem.with_suffix(".json").exists():
                pytest.fail(f"rank {rank} wrote nothing for {name}:\n{finished.stderr[-3000:]}")
            arrays = dict(np.load(stem.with_suffix(".npz"), allow_pickle=False))
            per_rank.append((arrays, json.loads(stem.with_suffix(".json").read_text())["error"]))
        results[name] = per_rank
    return results


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return run_ranks(tmp_path_factory.mktemp("ranks"), "replicated", "shards", "shard_tables",
                     "early_stopping", "continued", "bad_width", "bad_dtypes", "bad_data",
                     "bad_labels",
                     "interrupt")


def _ok(per_rank):
    for arrays, error in per_rank:
        assert error is None, error
    return [arrays for arrays, _ in per_rank]


def test_two_processes_make_the_steps_of_one_with_the_whole_batch(runs):
    rank0, rank1 = _ok(runs["replicated"])
    for name in ("weights", "wgan", "conditional", "sample", "losses"):
        np.testing.assert_array_equal(rank0[name], rank1[name])
    assert not rank0["again"].any()  # an integer random_state: the same fit again
    alone = GANSampler(adapter="numeric", batch_size=64, epochs=2, random_state=0,
                       ema_decay=None).fit(blobs())
    np.testing.assert_allclose(rank0["weights"], weights(alone), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rank0["losses"], alone.history_["generator_loss"], rtol=1e-4)
    wgan = WGANSampler(adapter="numeric", batch_size=64, epochs=3, n_critic=2,
                       random_state=0).fit(blobs())
    assert np.abs(rank0["wgan"] - weights(wgan)).max() < 0.05  # its penalty noise differs
    conditional = ConditionalGAN(adapter="numeric", batch_size=64, epochs=2,
                                 random_state=0).fit(blobs(), (blobs()[:, 0] > 0).astype(int))
    assert rank0["conditional"].shape == weights(conditional).shape


def test_ranks_with_their_own_rows_learn_every_mode_together(runs):
    rank0, rank1 = _ok(runs["shards"])
    np.testing.assert_array_equal(rank0["weights"], rank1["weights"])
    np.testing.assert_array_equal(rank0["sample"], rank1["sample"])
    nearest = np.linalg.norm(rank0["sample"][:, None] - CORNERS[None], axis=2).argmin(axis=1)
    shares = np.bincount(nearest, minlength=4) / len(nearest)
    assert (shares > 0.08).all(), shares  # rank 0 saw corners 0-1 only, rank 1 corners 2-3


def test_tables_sharded_by_level_share_one_encoding(runs):
    rank0, rank1 = _ok(runs["shard_tables"])
    for name in ("weights", "conditional", "cities", "classes"):
        np.testing.assert_array_equal(rank0[name], rank1[name])
    assert set(rank0["cities"]) <= {"Oslo", "Bergen", "Tromsø", "Bodø"}
    assert len(rank0["cities"]) >= 3
    assert list(rank0["classes"]) == ["a", "b", "c"]


def test_early_stopping_stops_every_rank_after_the_same_epoch(runs):
    rank0, rank1 = _ok(runs["early_stopping"])
    for name in ("weights", "n_iter", "scores", "timed", "timed_counted"):
        np.testing.assert_array_equal(rank0[name], rank1[name])
    assert rank0["timed_counted"][-1] == 1.0


def test_continued_training_on_shards_keeps_the_ranks_identical(runs):
    rank0, rank1 = _ok(runs["continued"])
    for name in ("weights", "warm", "epochs"):
        np.testing.assert_array_equal(rank0[name], rank1[name])
    assert list(rank0["epochs"]) == [2, 2]


def test_bad_labels_on_one_rank_stop_every_rank(runs):
    (_, error0), (_, error1) = runs["bad_labels"]
    assert error1.startswith("ValueError") and "missing labels" in error1
    assert error0.startswith("RuntimeError") and "Rank 1 of 2 failed" in error0
    assert "checking its labels" in error0


def test_a_width_that_differs_between_ranks_is_refused_on_every_rank(runs):
    for _, error in runs["bad_width"]:
        assert error.startswith("ValueError") and "disagree on the columns" in error
        assert "rank 0: (2" in error and "rank 1: (3" in error


def test_a_column_whose_dtype_differs_between_ranks_is_refused_on_every_rank(runs):
    for _, error in runs["bad_dtypes"]:
        assert error.startswith("ValueError") and "columns of different dtypes" in error
        assert "'when': rank 0 datetime64[" in error and ", Europe/Paris]" in error


def test_bad_data_on_one_rank_stops_every_rank(runs):
    (_, error0), (_, error1) = runs["bad_data"]
    assert error1.startswith("ValueError") and "NaN" in error1
    assert error0.startswith("RuntimeError") and "Rank 1 of 2 failed" in error0


def test_ctrl_c_on_one_rank_stops_both_after_the_same_step(runs):
    rank0, rank1 = _ok(runs["interrupt"])
    np.testing.assert_array_equal(rank0["weights"], rank1["weights"])
    assert rank0["epochs"][0] == rank1["epochs"][0] == 1  # 4 steps an epoch; stopped in the 2nd
    assert rank0["steps"][0] == rank1["steps"][0] == 5
    assert rank0["warned"][0] and rank1["warned"][0]


def test_a_failure_inside_a_step_stops_the_other_rank_instead_of_hanging(tmp_path):
    (_, error0), (_, error1) = run_ranks(tmp_path, "step_failure", timeout=120)["step_failure"]
    assert error1 == "RuntimeError: boom in rank 1's step"
    assert error0.startswith("RuntimeError") and "another process" in error0


def test_distributed_true_without_processes_says_how_to_start_them(blobs):
    with pytest.raises(ValueError, match="torchrun"):
        GANSampler(distributed=True, epochs=1).fit(blobs)


def test_auto_trains_alone_without_a_process_group(blobs):
    model = GANSampler(epochs=1, random_state=0).fit(blobs)
    assert not hasattr(model, "_data_parallel") and not hasattr(model, "_local_rng")


def test_the_command_line_under_torchrun_writes_one_model_from_rank_0(tmp_path):
    rng = np.random.RandomState(0)
    data = tmp_path / "table.csv"
    pd.DataFrame({"amount": rng.lognormal(3, 1, 300).round(2),
                  "kind": rng.choice(["a", "b", "c"], 300)}).to_csv(data, index=False)
    output = tmp_path / "model.skgan"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    finished = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
         "-m", "skgan", "fit", str(data), "-o", str(output), "--epochs", "2",
         "--random-state", "0"], env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert finished.stdout.count("fitted on 300 rows") == 1  # rank 0 alone reports
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model.skgan", "table.csv"]
    model = skgan.load(output)
    assert model.n_features_in_ == 2 and len(model.history_["epoch"]) == 2
    assert set(model.sample(50, random_state=0)["kind"]) <= {"a", "b", "c"}
