"""A fit uses the cores other processes leave free, and gives the same results on any."""

import numpy as np
import pytest
import torch

import skgan
from skgan import GANSampler
from skgan._engine import threads

SMALL = {"generator_dims": (32,), "discriminator_dims": (32,), "latent_dim": 8}


def _threads_seen_in_fit(**params):
    seen = []

    def record(estimator, X):
        seen.append(torch.get_num_threads())
        return 0.0

    GANSampler(epochs=2, early_stopping=True, validation_scoring=record, random_state=0,
               **SMALL, **params).fit(np.random.RandomState(0).normal(size=(100, 2)))
    return seen


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_a_busy_machine_gets_fewer_threads_and_the_setting_comes_back(two_threads,
                                                                     monkeypatch):
    monkeypatch.setattr(threads, "_usable_cores", lambda: 2)
    monkeypatch.setattr(threads, "other_runnable_threads", lambda: 1)
    assert set(_threads_seen_in_fit()) == {1}
    assert torch.get_num_threads() == 2
    monkeypatch.setattr(threads, "other_runnable_threads", lambda: 0)  # idle: as set
    assert set(_threads_seen_in_fit()) == {2}


def test_a_fit_moves_its_threads_when_the_machine_changes_under_it(two_threads,
                                                                   monkeypatch):
    # A process that starts after the fit took a core: the fit read the machine once,
    # kept both threads spinning against it and ran three times slower (5.9 s -> 16 s
    # for a 300-epoch demo fit beside one busy loop started a second in).
    monkeypatch.setattr(threads, "_usable_cores", lambda: 2)
    monkeypatch.setattr(threads, "RECHECK_SECONDS", 0.0)
    set_threads = torch.set_num_threads
    for at_start, last in ((0, 1), (1, 2)):
        calls, counts_set = [], []

        def machine(n_readings=None, at_start=at_start, calls=calls):
            calls.append(n_readings)  # the other process comes (or goes) after a start
            return at_start if len(calls) == 1 else 1 - at_start

        def recording_set(n_threads, counts_set=counts_set):
            counts_set.append(n_threads)
            set_threads(n_threads)

        monkeypatch.setattr(threads, "other_runnable_threads", machine)
        monkeypatch.setattr(torch, "set_num_threads", recording_set)
        seen = _threads_seen_in_fit()
        assert seen[-1] == last and len(calls) > 1
        # idle at the start: two threads, one once the other process came, two after
        # the fit; busy at the start: one thread, two once the other process left
        assert counts_set == [1, 2]
        assert torch.get_num_threads() == 2  # the user's setting comes back


def test_fit_threads_fixes_the_count(two_threads, monkeypatch):
    monkeypatch.setattr(threads, "other_runnable_threads", lambda: 5)
    with skgan.fit_threads(2):
        assert set(_threads_seen_in_fit()) == {2}
    with pytest.raises(ValueError, match="n_threads must be a positive integer"):
        with skgan.fit_threads(0):
            pass
    with skgan.fit_threads(np.int64(2)):  # numpy's integers are integers
        assert set(_threads_seen_in_fit()) == {2}
    for not_a_count in ("2", 1.5):
        with pytest.raises(TypeError, match="n_threads must be a positive integer"):
            with skgan.fit_threads(not_a_count):
                pass


def test_the_thread_count_does_not_change_the_results(two_threads):
    X = np.random.RandomState(0).normal(size=(300, 3))
    samples = []
    for n_threads in (1, 2):
        with skgan.fit_threads(n_threads):
            model = GANSampler(epochs=5, random_state=0).fit(X)
        samples.append(model.sample(50, random_state=0))
    np.testing.assert_array_equal(*samples)


def test_runnable_threads_are_read_where_the_system_says():
    count = threads.other_runnable_threads()
    assert count is None or count >= 0


def _threads_seen_in_sample(model, n_rows, monkeypatch):
    seen = []
    draw = model._draw_latent

    def recording_draw(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return draw(*args, **kwargs)

    model._draw_latent = recording_draw
    try:
        model.sample(n_rows, random_state=0)
    finally:
        del model._draw_latent
    return seen


def test_a_large_sample_on_a_busy_machine_gets_fewer_threads_and_a_small_one_keeps_them(
        two_threads, monkeypatch):
    X = np.random.RandomState(0).normal(size=(100, 2))
    model = GANSampler(epochs=1, random_state=0, **SMALL).fit(X)
    idle_rows = model.sample(5_000, random_state=0)
    readings = []

    def busy(n_readings=None):
        readings.append(n_readings)
        return 1

    monkeypatch.setattr(threads, "_last_reading", None)
    monkeypatch.setattr(threads, "_usable_cores", lambda: 2)
    monkeypatch.setattr(threads, "other_runnable_threads", busy)
    seen = _threads_seen_in_sample(model, 40_000, monkeypatch)
    assert seen == [1, 1, 1] and readings == [1]  # three blocks of rows, one quick reading
    assert torch.get_num_threads() == 2
    readings.clear()
    assert set(_threads_seen_in_sample(model, 50, monkeypatch)) == {2}
    assert readings == []  # a small sample does not read the machine
    with skgan.fit_threads(1):
        assert set(_threads_seen_in_sample(model, 50, monkeypatch)) == {1}
    assert torch.get_num_threads() == 2
    # the rows do not depend on the thread count
    with skgan.fit_threads(1):
        np.testing.assert_array_equal(model.sample(5_000, random_state=0), idle_rows)


def test_a_large_sample_moves_its_threads_between_blocks_as_the_machine_changes(
        two_threads, monkeypatch):
    X = np.random.RandomState(0).normal(size=(100, 2))
    model = GANSampler(epochs=1, random_state=0, **SMALL).fit(X)
    calls = []

    def machine(n_readings=None):  # busy, idle, busy, ... reading after reading
        calls.append(n_readings)
        return len(calls) % 2

    monkeypatch.setattr(threads, "_usable_cores", lambda: 2)
    monkeypatch.setattr(threads, "RECHECK_SECONDS", 0.0)
    monkeypatch.setattr(threads, "_READING_LIFETIME", 0.0)
    monkeypatch.setattr(threads, "_last_reading", None)
    monkeypatch.setattr(threads, "other_runnable_threads", machine)
    # The first block alone, then the blocks generated together before their rows are
    # decoded in threads, as many as the reading leaves threads: each group reads again.
    assert _threads_seen_in_sample(model, 80_000, monkeypatch) == [1, 2, 2, 1, 2]
    assert torch.get_num_threads() == 2


def test_a_small_last_block_keeps_the_users_threads_beside_blocks_decoded_in_threads(
        monkeypatch):
    """Blocks after the first go in groups, generated on the threads the machine
    leaves; a last block too small to choose for is generated on the user's count, as
    one block at a time generates it, not on its group's."""
    before = torch.get_num_threads()
    torch.set_num_threads(4)
    try:
        X = np.random.RandomState(0).normal(size=(100, 2))
        model = GANSampler(epochs=1, random_state=0, **SMALL).fit(X)
        monkeypatch.setattr(threads, "_usable_cores", lambda: 4)
        monkeypatch.setattr(threads, "_last_reading", None)
        monkeypatch.setattr(threads, "other_runnable_threads", lambda n_readings=None: 2)
        seen = _threads_seen_in_sample(model, 2 * 16_384 + 1_000, monkeypatch)
        assert seen == [2, 2, 4]  # the first block, the second, then 1,000 rows alone
        assert torch.get_num_threads() == 4
    finally:
        torch.set_num_threads(before)


def test_level_calibration_is_the_same_on_any_number_of_blas_threads():
    # Its search's thin products ran on numpy's BLAS, which split them over threads that
    # mostly waited (a census fit's calibration took 282 ms on two, 68 ms on one) and
    # rounded them by the number of threads; it now runs numpy's own loops.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from skgan._engine.level_rates import calibrate_level_rates

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(20_000, 46)) * 2 + rng.normal(size=46)
    blocks = [(0, np.full(40, 1 / 40)), (40, np.array([0.5, 0.2, 0.1, 0.1, 0.05, 0.05]))]
    shifts = []
    for n_threads in (1, 2):
        with threadpoolctl.threadpool_limits(limits=n_threads, user_api="blas"):
            shifts.append(calibrate_level_rates(logits, blocks)[0])
    np.testing.assert_array_equal(shifts[0], shifts[1])
    probabilities = np.exp(logits[:, 40:] + shifts[0][40:])
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities.mean(axis=0), blocks[1][1], atol=1e-5)
