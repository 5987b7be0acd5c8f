"""sample_chunks: the rows of sample, as chunks in bounded memory."""

import numpy as np
import pandas as pd
import pytest

from skgan import ConditionalGAN, GANSampler, WGANSampler
from skgan._engine import generation


@pytest.fixture
def small_blocks(monkeypatch):
    """Generation blocks of 70 rows, so that a few hundred rows span several."""
    monkeypatch.setattr(generation, "_SAMPLE_CHUNK", 70)


@pytest.fixture(scope="module")
def table_model():
    rng = np.random.default_rng(0)
    n = 300
    city = rng.choice(["Oslo", "Bergen", "Tromsø"], n, p=[0.6, 0.3, 0.1])
    table = pd.DataFrame({
        "city": city,
        "tier": np.where(city == "Oslo", rng.choice(["a", "b"], n), "c"),
        "income": rng.lognormal(10, 0.5, n),
        "visits": rng.poisson(3, n).astype(np.int64),
    })
    return GANSampler(epochs=2, random_state=0).fit(table)


@pytest.mark.parametrize("chunk_size", [1, 64, 70, 100, 1000])
def test_chunks_concatenate_to_sample_for_a_random_state(table_model, small_blocks, chunk_size):
    expected = table_model.sample(250, random_state=4)
    chunks = list(table_model.sample_chunks(250, chunk_size=chunk_size, random_state=4))
    assert [len(chunk) for chunk in chunks[:-1]] == [chunk_size] * (len(chunks) - 1)
    assert 0 < len(chunks[-1]) <= chunk_size
    for chunk in chunks:
        assert list(chunk.index) == list(range(len(chunk)))
        pd.testing.assert_series_equal(chunk.dtypes, expected.dtypes)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), expected)


def test_chunks_with_conditions_hold_them_and_match_sample(table_model, small_blocks):
    conditions = {"city": "Bergen"}
    expected = table_model.sample(150, random_state=1, conditions=conditions)
    chunks = list(table_model.sample_chunks(150, chunk_size=40, random_state=1,
                                            conditions=conditions))
    rows = pd.concat(chunks, ignore_index=True)
    assert (rows["city"] == "Bergen").all()
    pd.testing.assert_frame_equal(rows, expected)


def test_the_estimator_stream_continues_across_chunks(blobs, small_blocks):
    first = WGANSampler(epochs=1, random_state=0).fit(blobs)
    second = WGANSampler(epochs=1, random_state=0).fit(blobs)
    streamed = np.concatenate(list(first.sample_chunks(200, chunk_size=33)))
    np.testing.assert_array_equal(streamed, second.sample(200))
    np.testing.assert_array_equal(first.sample(5), second.sample(5))
    assert streamed.dtype == blobs.dtype and streamed.shape == (200, 3)


def test_no_rows_give_one_empty_chunk_of_the_samples_kind(blobs, table_model):
    model = GANSampler(epochs=1, random_state=0).fit(blobs)
    (chunk,) = list(model.sample_chunks(0))
    assert chunk.shape == (0, 3) and chunk.dtype == blobs.dtype
    (frame,) = list(table_model.sample_chunks(0, chunk_size=10))
    pd.testing.assert_frame_equal(frame, table_model.sample(0))
    y = (blobs[:, 0] > 0).astype(int)
    conditional = ConditionalGAN(epochs=1, random_state=0).fit(blobs, y)
    ((X, labels),) = list(conditional.sample_chunks(0))
    assert X.shape == (0, 3) and len(labels) == 0


@pytest.mark.parametrize("chunk_size, error", [(0, ValueError), (-3, ValueError),
                                               (2.5, TypeError), (True, TypeError)])
def test_bad_chunk_sizes_are_refused_before_iterating(blobs, chunk_size, error):
    model = GANSampler(epochs=1, random_state=0).fit(blobs)
    with pytest.raises(error, match="chunk_size"):
        model.sample_chunks(10, chunk_size=chunk_size)


def test_unknown_conditions_are_refused_before_iterating(table_model):
    with pytest.raises(ValueError, match="Paris"):
        table_model.sample_chunks(10, conditions={"city": "Paris"})


def test_conditional_chunks_carry_their_labels(blobs, small_blocks):
    y = (blobs[:, 0] > 0).astype(int)
    model = ConditionalGAN(epochs=1, random_state=0).fit(blobs, y)
    X_expected, y_expected = model.sample(160, random_state=2)
    chunks = list(model.sample_chunks(160, chunk_size=50, random_state=2))
    assert [len(X) for X, _ in chunks] == [50, 50, 50, 10]
    assert all(len(X) == len(labels) for X, labels in chunks)
    np.testing.assert_array_equal(np.concatenate([X for X, _ in chunks]), X_expected)
    np.testing.assert_array_equal(np.concatenate([labels for _, labels in chunks]), y_expected)
    ones = np.concatenate([labels for _, labels in model.sample_chunks(90, y=1, chunk_size=40)])
    assert (ones == 1).all() and len(ones) == 90
    with pytest.raises(ValueError, match="y comes before chunk_size.*chunk_size=50 by name"):
        model.sample_chunks(160, 50)  # a sampler's (n, chunk_size) order


# ---------------------------------------------------------------------- memory
def _wide_table(n_rows=400):
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "amount": rng.lognormal(3, 1, n_rows),
        "notes": [f"free text {i}" for i in rng.permutation(n_rows)],  # all distinct
        "kind": rng.choice(["a", "b"], n_rows),
    })


def test_a_table_too_wide_for_memory_is_refused_naming_its_costly_columns(monkeypatch):
    import skgan._engine.memory as memory
    from skgan.adapters import TabularAdapter

    monkeypatch.setattr(memory, "available_memory", lambda: 20_000_000)  # 20 MB
    model = GANSampler(adapter=TabularAdapter(max_categories=5000, min_frequency=None),
                       epochs=1)
    with pytest.raises(MemoryError) as caught:
        model.fit(_wide_table())
    message = str(caught.value)
    assert "more than the 20 MB available" in message
    assert message.index("'notes' (400 units: 400 distinct values)") < message.index("'kind'")
    assert "max_categories=...) (now 5,000)" in message and "Drop free-text" in message
    assert not hasattr(model, "adapter_")  # nothing half-fitted left behind
    monkeypatch.setattr(memory, "available_memory", lambda: 20_000_000_000)
    assert len(model.fit(_wide_table()).sample(5)) == 5


def test_an_unknown_amount_of_memory_checks_nothing(monkeypatch):
    import skgan._engine.memory as memory

    monkeypatch.setattr(memory, "available_memory", lambda: None)
    assert len(GANSampler(epochs=1, random_state=0).fit(_wide_table()).sample(3)) == 3


@pytest.fixture(scope="module")
def messy_model():
    """A table whose sampled columns are held every way DecodedRows holds them: level
    positions, encoded scalars, values (dates), with a dependent column and gaps."""
    rng = np.random.default_rng(1)
    n = 300
    store = rng.choice(["s1", "s2", "s3", "s4"], n)
    income = rng.lognormal(3, 0.4, n)
    income[rng.random(n) < 0.1] = np.nan
    table = pd.DataFrame({
        "store": pd.Series(store, dtype="category"),
        "region": pd.Series(np.where(np.isin(store, ["s1", "s2"]), "north", "south"),
                            dtype="string"),
        "income": income,
        "count": pd.array(rng.integers(0, 5, n), dtype="Int64"),
        "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), "D"),
    })
    born = pd.Timestamp("1960-01-01") + pd.to_timedelta(rng.integers(0, 15_000, n), "D")
    table["born_year"], table["born_month"], table["born_day"] = (
        born.year, born.month, born.day)  # a split date: its day is written as values
    return GANSampler(epochs=2, random_state=0).fit(table)


def test_a_sample_built_at_once_equals_its_blocks_built_one_by_one(messy_model, small_blocks):
    # sample() builds the values of all its blocks at once, sample_chunks() block by
    # block: the same rows and dtypes either way.
    expected = messy_model.sample(250, random_state=3)
    chunks = pd.concat(messy_model.sample_chunks(250, chunk_size=70, random_state=3),
                       ignore_index=True)
    pd.testing.assert_frame_equal(chunks, expected)
    assert expected["income"].isna().any() and expected["region"].dtype == "string"
    north = expected["store"].isin(["s1", "s2"])
    assert (expected.loc[north, "region"] == "north").all()
    assert pd.to_datetime(pd.DataFrame({"year": expected["born_year"],
                                        "month": expected["born_month"],
                                        "day": expected["born_day"]})).notna().all()
