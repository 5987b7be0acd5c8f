"""A sample's blocks chosen and decoded in threads: the samples of one block at a time."""

import numpy as np
import pandas as pd
import pytest

import skgan
from skgan import GANSampler
from skgan._engine import decoding_threads, generation
from skgan.adapters import ImageAdapter, TabularAdapter
from skgan.constraints import Bounds, Inequality


def _orders(n_rows=400, seed=0):
    """Stores of a region, a rare plan always in the free tier, amounts: pair
    calibration rakes several candidates a row, links and rules are written."""
    rng = np.random.default_rng(seed)
    store = rng.choice(["s1", "s2", "s3", "s4"], n_rows)
    plan = np.where(rng.random(n_rows) < 0.05, "trial", rng.choice(["basic", "pro"], n_rows))
    net = rng.gamma(2.0, 20.0, n_rows)
    return pd.DataFrame({
        "store": store, "region": np.where(np.isin(store, ["s1", "s2"]), "north", "south"),
        "plan": plan, "tier": np.where(plan == "trial", "free", rng.choice(["m", "y"], n_rows)),
        "net": net, "total": net * rng.uniform(1.0, 1.3, n_rows)})


@pytest.fixture(scope="module")
def orders_model():
    model = GANSampler(epochs=2, batch_size=64, generator_dims=(32,),
                       discriminator_dims=(32,), random_state=0).fit(_orders())
    assert model.adapter_.pair_tables_.oversampling > 1 and model.adapter_.level_rules_
    return model


@pytest.fixture
def groups_decoded(monkeypatch):
    """Blocks of 60 rows, and a record of how many blocks went to threads at once."""
    monkeypatch.setattr(generation, "_SAMPLE_CHUNK", 60)
    sizes, parts_in_threads = [], generation.parts_in_threads

    def recorded(adapter, groups):
        def counted():
            for group in groups:
                sizes.append(len(group))
                yield group
        yield from parts_in_threads(adapter, counted())

    monkeypatch.setattr(generation, "parts_in_threads", recorded)
    return sizes


def test_blocks_decoded_in_threads_give_the_samples_of_one_block_at_a_time(
        orders_model, groups_decoded, monkeypatch):
    with skgan.fit_threads(3):  # 9 blocks: the first alone, then three at once
        threaded = orders_model.sample(500, random_state=2)
        chunks = pd.concat(orders_model.sample_chunks(500, chunk_size=45, random_state=2),
                           ignore_index=True)
        assert groups_decoded == [3, 3, 2] * 2
        monkeypatch.setattr(decoding_threads, "MIN_BLOCKS", 10**9)
        one_at_a_time = orders_model.sample(500, random_state=2)
    assert groups_decoded == [3, 3, 2] * 2  # no threads this time
    pd.testing.assert_frame_equal(threaded, one_at_a_time)
    pd.testing.assert_frame_equal(chunks, one_at_a_time)
    assert ((threaded["plan"] == "trial") == (threaded["tier"] == "free")).all()


def test_the_estimators_stream_goes_on_as_it_does_a_block_at_a_time(
        groups_decoded, monkeypatch):
    first = GANSampler(epochs=1, random_state=0).fit(_orders(150))
    second = GANSampler(epochs=1, random_state=0).fit(_orders(150))
    with skgan.fit_threads(2):
        in_threads = [first.sample(300), first.sample(10)]  # 5 blocks, then one
        assert groups_decoded == [2, 2]
        monkeypatch.setattr(decoding_threads, "MIN_BLOCKS", 10**9)
        one_at_a_time = [second.sample(300), second.sample(10)]
    assert groups_decoded == [2, 2]
    for rows, expected in zip(in_threads, one_at_a_time):
        pd.testing.assert_frame_equal(rows, expected)


def test_chunks_of_the_estimators_stream_draw_no_block_ahead(groups_decoded, monkeypatch):
    """A consumer of the estimator's own stream that stops after a chunk, or samples
    between two chunks, finds the stream where one block at a time leaves it."""
    first = GANSampler(epochs=1, random_state=0).fit(_orders(150))
    second = GANSampler(epochs=1, random_state=0).fit(_orders(150))
    with skgan.fit_threads(2):
        chunks = first.sample_chunks(600, chunk_size=61)
        taken = next(chunks)
        between = first.sample(5)
        rest = pd.concat(chunks, ignore_index=True)
        chunks.close()
        after = first.sample(300)
        assert groups_decoded == [2, 2]  # sample() itself still decodes in threads
        monkeypatch.setattr(decoding_threads, "MIN_BLOCKS", 10**9)
        chunks = second.sample_chunks(600, chunk_size=61)
        expected = [next(chunks), second.sample(5), pd.concat(chunks, ignore_index=True),
                    second.sample(300)]
    for rows, one_at_a_time in zip([taken, between, rest, after], expected):
        pd.testing.assert_frame_equal(rows, one_at_a_time)


@pytest.mark.parametrize("rules", [
    [Inequality("net", "total")],  # kept by construction
    [Inequality("net", "total"), Bounds("total", low=0.0)],  # two write total: checked
])
def test_blocks_of_a_table_with_constraints_go_one_at_a_time(groups_decoded, rules):
    # A block may keep fewer rows than asked (rules that check, and even rules kept by
    # construction drop a row that breaks them), and its rows are made up at once.
    table = _orders(200)
    model = GANSampler(adapter=TabularAdapter(constraints=rules), epochs=1,
                       generator_dims=(16,), discriminator_dims=(16,),
                       random_state=0).fit(table)
    assert model.adapter_.constraints_.may_reject == (len(rules) == 2)
    assert not model.adapter_._decodes_in_threads()
    rows = model.sample(400, random_state=0)
    assert groups_decoded == [] and len(rows) == 400
    assert (rows["net"] <= rows["total"]).all()


def test_as_many_blocks_go_together_as_threads_are_left_for_sampling(
        orders_model, groups_decoded, monkeypatch):
    with skgan.fit_threads(1):  # one at a time, in a thread
        orders_model.sample(300, random_state=0)
    assert groups_decoded == [1, 1, 1, 1]
    groups_decoded.clear()
    with skgan.fit_threads(8):  # at most MAX_DECODING_THREADS
        orders_model.sample(600, random_state=0)
    assert groups_decoded == [decoding_threads.MAX_DECODING_THREADS] * 2 + [1]
    groups_decoded.clear()
    monkeypatch.setattr(decoding_threads, "MAX_GROUP_BYTES", 1)  # blocks too large
    with skgan.fit_threads(8):
        orders_model.sample(300, random_state=0)
    assert groups_decoded == [1, 1, 1, 1]
    groups_decoded.clear()
    orders_model.sample(120, random_state=0)  # two blocks: not worth threads
    assert groups_decoded == []
    assert not ImageAdapter()._decodes_in_threads()  # the base adapter's way
    assert not decoding_threads.decodes_in_threads(ImageAdapter(), 9)
