"""Model files (skgan.save / skgan.load): round trips, safety, versions, bad files."""

import io
import json
import pickle
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import skgan
from skgan.adapters import ImageAdapter, NumericAdapter, SignalAdapter, TabularAdapter
from skgan.io import FORMAT_VERSION
from skgan.io._read import StateReader
from skgan.io._write import StateWriter

CHEAP = dict(epochs=2, batch_size=16, generator_dims=(16,), discriminator_dims=(16,),
             latent_dim=4, random_state=0)
DATA = Path(__file__).parent / "data"


def _round_trip(obj, **options):
    buffer = io.BytesIO()
    skgan.save(obj, buffer, **options)
    return skgan.load(io.BytesIO(buffer.getvalue())), buffer.getvalue()


def _messy_table(n_rows=240, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "amount": np.where(rng.random(n_rows) < 0.1, np.nan, rng.gamma(2.0, 50.0, n_rows)),
        "count": rng.integers(0, 20, n_rows),
        "city": pd.Series(rng.choice(["Oslo", "Lyon", "", "Zürich"], n_rows), dtype="str"),
        "tier": pd.Categorical(rng.choice(["a", "b", "c"], n_rows),
                               categories=["a", "b", "c", "d"], ordered=True),
        "flag": rng.random(n_rows) < 0.3,
        "joined": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 365, n_rows), unit="D"),
        "seen": pd.Timestamp("2024-01-01", tz="Europe/Oslo")
        + pd.to_timedelta(rng.integers(0, 10**6, n_rows), unit="s"),
        "code": rng.choice([10, 20, 30, 40], n_rows),
        "note": pd.Series(rng.choice(["x", "y"], n_rows), dtype=object),
        "rating": pd.array(np.where(rng.random(n_rows) < 0.1, None,
                                    rng.integers(0, 5, n_rows)), dtype="Int64"),
    })


@pytest.fixture(scope="module")
def table_model():
    table = _messy_table()
    return skgan.GANSampler(**CHEAP).fit(table), table


@pytest.fixture(scope="module")
def labelled():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    return X, (X[:, 0] > 0.5).astype(int)


# ---------------------------------------------------------------------- round trips
def test_table_model_round_trip_keeps_samples_dtypes_score_and_history(table_model):
    model, table = table_model
    loaded, _ = _round_trip(model)
    expected = model.sample(200, random_state=3)
    pd.testing.assert_frame_equal(loaded.sample(200, random_state=3), expected)
    assert list(expected.dtypes) == list(table.dtypes)
    assert loaded.score(table) == model.score(table)
    assert loaded.history_ == model.history_
    assert loaded.get_params() == model.get_params()


def test_conditions_on_columns_survive(table_model):
    model, _ = table_model
    loaded, _ = _round_trip(model)
    expected = model.sample(40, conditions={"city": "Oslo", "tier": "b"}, random_state=2)
    got = loaded.sample(40, conditions={"city": "Oslo", "tier": "b"}, random_state=2)
    pd.testing.assert_frame_equal(got, expected)
    assert set(got["city"]) == {"Oslo"}


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_training_continues_exactly_as_the_original(table_model, how):
    model, table = table_model
    original, _ = _round_trip(model)  # two independent copies of one fitted state
    loaded, _ = _round_trip(model)
    for estimator in (original, loaded):
        if how == "partial_fit":
            estimator.partial_fit(table)
        else:
            estimator.set_params(warm_start=True, epochs=1).fit(table)
    pd.testing.assert_frame_equal(loaded.sample(50, random_state=0),
                                  original.sample(50, random_state=0))
    for name in ("generator", "discriminator"):
        assert loaded.optimizers_[name].state_dict()["state"].keys() == \
            original.optimizers_[name].state_dict()["state"].keys()


def test_unseeded_sampling_continues_the_saved_generator(table_model):
    model, _ = table_model
    first, _ = _round_trip(model)
    second, _ = _round_trip(model)
    pd.testing.assert_frame_equal(first.sample(20), second.sample(20))


def test_without_optimizer_states_the_file_is_smaller_and_samples_alike(table_model):
    model, table = table_model
    full, full_bytes = _round_trip(model)
    light, light_bytes = _round_trip(model, include_optimizer=False)
    moments = sum(value.numel() * value.element_size()
                  for optimizer in model.optimizers_.values()
                  for state in optimizer.state_dict()["state"].values()
                  for value in state.values() if value.dim() > 0)
    assert len(full_bytes) - len(light_bytes) > 0.9 * moments  # the moments are left out
    pd.testing.assert_frame_equal(light.sample(30, random_state=1),
                                  model.sample(30, random_state=1))
    assert light.optimizers_["generator"].state_dict()["state"] == {}
    light.partial_fit(table)  # training continues with fresh moments
    assert len(light.history_["generator_loss"]) == len(model.history_["generator_loss"]) + 1


def test_a_sampling_only_file_samples_alike_and_refuses_to_continue(table_model, labelled):
    model, table = table_model
    _, full_bytes = _round_trip(model, include_optimizer=False)
    light, light_bytes = _round_trip(model, sampling_only=True)
    assert len(light_bytes) < len(full_bytes)
    assert not hasattr(light, "discriminator_")
    pd.testing.assert_frame_equal(light.sample(30, random_state=1),
                                  model.sample(30, random_state=1))
    assert light.score(table) == model.score(table)
    with pytest.raises(ValueError, match="sampling-only model file"):
        light.partial_fit(table)
    with pytest.raises(ValueError, match="sampling-only model file"):
        light.set_params(warm_start=True).fit(table)
    light.set_params(warm_start=False).fit(table)  # a fit afresh has everything again
    light.partial_fit(table)

    X, y = labelled
    cycle = skgan.CycleGANTransformer(epochs=1, batch_size=16, random_state=0).fit(X, y)
    loaded, _ = _round_trip(cycle, sampling_only=True)
    np.testing.assert_array_equal(loaded.transform(X), cycle.transform(X))
    assert not hasattr(loaded, "discriminator_a_")


def test_every_estimator_round_trips(labelled):
    X, y = labelled
    wgan = skgan.WGANSampler(n_critic=1, **CHEAP).fit(X)
    loaded, _ = _round_trip(wgan)
    np.testing.assert_array_equal(loaded.sample(9, random_state=4), wgan.sample(9, random_state=4))

    conditional = skgan.ConditionalGAN(**CHEAP).fit(X, y)
    loaded, _ = _round_trip(conditional)
    for got, expected in zip(loaded.sample(9, y=[1] * 9, random_state=4),
                             conditional.sample(9, y=[1] * 9, random_state=4)):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(loaded.classes_, conditional.classes_)

    cycle = skgan.CycleGANTransformer(epochs=2, batch_size=16, random_state=0).fit(X, y)
    loaded, _ = _round_trip(cycle)
    np.testing.assert_array_equal(loaded.transform(X[:7]), cycle.transform(X[:7]))
    np.testing.assert_array_equal(loaded.inverse_transform(X[:7]), cycle.inverse_transform(X[:7]))


def test_resampler_and_augmented_estimator_round_trip(labelled):
    X, y = labelled
    resampler = skgan.GANResampler(estimator=skgan.GANSampler(**CHEAP), random_state=0)
    resampler.fit_resample(X, y)
    loaded, _ = _round_trip(resampler)
    assert loaded.sampling_strategy_ == resampler.sampling_strategy_
    for label, fitted in resampler.estimators_.items():
        np.testing.assert_array_equal(loaded.estimators_[label].sample(5, random_state=0),
                                      fitted.sample(5, random_state=0))

    augmented = skgan.AugmentedEstimator(
        make_pipeline(StandardScaler(), LogisticRegression()),
        sampler=skgan.GANResampler(estimator=skgan.GANSampler(**CHEAP), random_state=0),
    ).fit(X, y)
    loaded, _ = _round_trip(augmented)
    np.testing.assert_array_equal(loaded.predict_proba(X), augmented.predict_proba(X))

    bare = skgan.AugmentedEstimator(  # its n_iter_ is an array: was refused at load
        LogisticRegression(),
        sampler=skgan.GANResampler(estimator=skgan.GANSampler(**CHEAP), random_state=0),
    ).fit(X, y)
    loaded, _ = _round_trip(bare)
    np.testing.assert_array_equal(loaded.predict_proba(X), bare.predict_proba(X))
    np.testing.assert_array_equal(loaded.estimator_.n_iter_, bare.estimator_.n_iter_)


def test_a_model_the_format_cannot_describe_is_refused_by_name(labelled):
    X, y = labelled
    augmented = skgan.AugmentedEstimator(
        DecisionTreeClassifier(),
        sampler=skgan.GANResampler(estimator=skgan.GANSampler(**CHEAP), random_state=0),
    ).fit(X, y)
    with pytest.raises(ValueError, match="DecisionTreeClassifier"):
        skgan.save(augmented, io.BytesIO())
    with pytest.raises(TypeError, match="skgan estimators and adapters"):
        skgan.save(LogisticRegression(), io.BytesIO())
    scored = skgan.GANSampler(validation_scoring=lambda est, X: 0.0, **CHEAP)
    with pytest.raises(ValueError, match="validation_scoring"):
        skgan.save(scored, io.BytesIO())


@pytest.mark.parametrize("adapter, data", [
    (NumericAdapter(), np.random.default_rng(0).normal(size=(50, 3))),
    (ImageAdapter(), np.random.default_rng(0).random((12, 8, 8))),
    (SignalAdapter(), np.random.default_rng(0).normal(size=(12, 32))),
    (TabularAdapter(), _messy_table(80)),
])
def test_every_adapter_round_trips(adapter, data):
    fitted = adapter.fit(data)
    loaded, _ = _round_trip(fitted)
    encoded = np.asarray(fitted.encode(data))
    np.testing.assert_array_equal(np.asarray(loaded.encode(data)), encoded)
    decoded = loaded.decode(encoded)
    if isinstance(data, pd.DataFrame):
        pd.testing.assert_frame_equal(decoded, fitted.decode(encoded))
    else:
        np.testing.assert_array_equal(decoded, fitted.decode(encoded))


def test_saving_twice_gives_identical_bytes_and_pickling_still_works(table_model):
    model, _ = table_model
    first, second = io.BytesIO(), io.BytesIO()
    skgan.save(model, first)
    skgan.save(model, second)
    assert first.getvalue() == second.getvalue()
    unpickled = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(unpickled.sample(10, random_state=0),
                                  model.sample(10, random_state=0))


def test_a_file_path_is_written_whole(tmp_path, table_model):
    model, _ = table_model
    path = tmp_path / "model.skgan"
    skgan.save(model, path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.skgan"]
    pd.testing.assert_frame_equal(skgan.load(path).sample(5, random_state=0),
                                  model.sample(5, random_state=0))


# ---------------------------------------------------------------------- devices
def _as_if_trained_on_cuda(value):
    """The document of a CPU model rewritten as a CUDA model's (devices only)."""
    if isinstance(value, dict):
        if "$device" in value:
            return {"$device": "cuda:0"}
        if "$generator" in value:
            return {**value, "device": "cuda:0"}
        return {key: _as_if_trained_on_cuda(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_if_trained_on_cuda(item) for item in value]
    return value


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_model_trained_on_cuda_loads_on_the_cpu(table_model):
    model, table = table_model
    _, data = _round_trip(model)
    members = _members(data)
    document = _as_if_trained_on_cuda(json.loads(members["skgan.json"]))
    members["skgan.json"] = json.dumps(document).encode()
    with pytest.warns(UserWarning, match="cuda:0, which is not available"):
        loaded = skgan.load(io.BytesIO(_zip(members)))
    assert loaded.device_ == torch.device("cpu")
    assert next(loaded.generator_.parameters()).device.type == "cpu"
    assert len(loaded.sample(5)) == 5  # the saved stream, reseeded on this device
    loaded.partial_fit(table)
    on_cpu = skgan.load(io.BytesIO(data), device="cpu")
    assert on_cpu.device_ == torch.device("cpu")


# ---------------------------------------------------------------------- privacy
def test_the_file_holds_no_training_rows():
    rng = np.random.default_rng(7)
    table = _messy_table(400, seed=3)
    secret = rng.random(len(table)) * 1000.0
    table["secret"] = secret
    model = skgan.GANSampler(**CHEAP).fit(table)
    _, data = _round_trip(model)
    contents = b"".join(_members(data).values())
    found = sum(
        any(pattern in contents for pattern in (
            struct.pack("<d", value), struct.pack("<f", value),
            repr(float(value)).encode(), repr(float(np.float32(value))).encode()))
        for value in secret)
    assert found <= 0.01 * len(secret)


# ---------------------------------------------------------------------- versions
def test_files_of_format_version_1_keep_loading():
    loaded = skgan.load(DATA / "model_format_v1.skgan")
    # saved before cuda_graphs existed: refitted on CUDA it trains eagerly, as it did
    assert loaded.get_params()["cuda_graphs"] is False
    assert skgan.GANSampler().cuda_graphs == "auto"
    expected = pd.read_csv(DATA / "model_format_v1_sample.csv", dtype=str,
                           keep_default_na=False)
    sample = loaded.sample(5, random_state=0)
    assert list(sample.dtypes.astype(str)) == ["float64", "int64", "str", "datetime64[us]"]
    written = io.StringIO()
    sample.to_csv(written, index=False)
    written.seek(0)
    pd.testing.assert_frame_equal(pd.read_csv(written, dtype=str, keep_default_na=False),
                                  expected)


def test_a_newer_format_version_is_refused_naming_both(table_model):
    model, _ = table_model
    _, data = _round_trip(model)
    members = _members(data)
    document = json.loads(members["skgan.json"])
    document["format_version"] = FORMAT_VERSION + 1
    members["skgan.json"] = json.dumps(document).encode()
    with pytest.raises(ValueError, match=rf"format version {FORMAT_VERSION + 1}.*"
                                         rf"versions up to {FORMAT_VERSION}"):
        skgan.load(io.BytesIO(_zip(members)))


# ---------------------------------------------------------------------- bad files
def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _edit_document(data, edit):
    members = _members(data)
    document = json.loads(members["skgan.json"])
    edit(document)
    members["skgan.json"] = json.dumps(document).encode()
    return _zip(members)


def _find(node, test):
    """The first dict of the JSON ``node`` for which ``test`` holds (depth first)."""
    if isinstance(node, dict):
        if test(node):
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find(child, test)
        if found is not None:
            return found
    return None


def _first_tensor(document):
    return _find(document["fitted"], lambda node: "$tensor" in node)


@pytest.fixture(scope="module")
def small_file():
    X = np.random.default_rng(0).normal(size=(64, 2))
    buffer = io.BytesIO()
    skgan.save(skgan.GANSampler(**CHEAP).fit(X), buffer)
    return buffer.getvalue()


def _set_class(document):
    document["class"] = "os.system"


def _params_wrong_type(document):
    document["params"] = ["not", "an", "object"]


def _shape_wrong(document):
    _first_tensor(document)["shape"] = [3, 3]


def _epochs_text(document):
    document["params"]["epochs"] = {"$tuple": "two"}


def _unknown_object(document):
    document["fitted"]["adapter_"] = {"$object": "posix.system", "$id": 1, "attributes": {}}


def _flipped_in_the_document(data):
    """``data`` with a byte of the deflated JSON member flipped (the zip's CRC never
    gets checked: inflating fails first)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("skgan.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    damaged[start + 1] ^= 0xFF
    return bytes(damaged)


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[: len(data) // 2], "damaged or truncated"),
    (_flipped_in_the_document, "damaged or truncated"),
    (lambda data: b"just some text", "not a zip archive"),
    (lambda data: pickle.dumps({"model": 1}), "is a pickle.*skgan convert --trust-pickle"),
    (lambda data: _zip({k: v for k, v in _members(data).items() if k != "tensors.safetensors"}),
     r"member\(s\) \['tensors.safetensors'\] missing"),
    (lambda data: _zip({**_members(data), "extra.bin": b"x"}), "unexpected member"),
    (lambda data: _zip({**_members(data), "skgan.json": b"{not json"}), "not valid JSON"),
    (lambda data: _edit_document(data, _set_class), "'os.system' is not a skgan estimator"),
    (lambda data: _edit_document(data, _params_wrong_type), "'params' and 'fitted' must be"),
    (lambda data: _edit_document(data, _shape_wrong), "the document says"),
    (lambda data: _edit_document(data, _epochs_text), "not of the expected type"),
    (lambda data: _edit_document(data, _unknown_object), "'posix.system' is not one a model"),
    (lambda data: _zip({**_members(data), "arrays.safetensors": b"\x00" * 20}),
     "not a valid safetensors"),
])
def test_bad_files_give_a_value_error_naming_the_problem(small_file, damage, message):
    with pytest.raises(ValueError, match=message):
        skgan.load(io.BytesIO(damage(small_file)))


class _RunsCode:
    def __reduce__(self):
        return (exec, ("raise SystemExit('code ran')",))


def test_a_crafted_file_runs_no_code(small_file, monkeypatch):
    def refuse(*args, **kwargs):
        pytest.fail("loading a model file must not unpickle")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    payload = pickle.dumps(_RunsCode())
    members = _members(small_file)
    for name in ("arrays.safetensors", "tensors.safetensors"):
        with pytest.raises(ValueError, match="not a valid safetensors"):
            skgan.load(io.BytesIO(_zip({**members, name: payload})))
    document = json.loads(members["skgan.json"])
    document["fitted"]["history_"] = {"$object": "builtins.exec", "$id": 0,
                                      "attributes": {"payload": payload.hex()}}
    with pytest.raises(ValueError, match="not one a model file may name"):
        skgan.load(io.BytesIO(_zip({**members, "skgan.json": json.dumps(document).encode()})))


@pytest.mark.parametrize("part, field, value, message", [
    ("params", "latent_dim", "abc", r"latent_dim.*must be an int"),
    ("params", "loss", "foo", r"loss.*must be a str among"),
    ("params", "epochs", -3, r"epochs"),
    ("fitted", "n_features_in_", "abc", r"n_features_in_ must be a whole number"),
    ("fitted", "_n_steps", -1, r"_n_steps must be a whole number"),
    # These loaded, and failed later inside score() or partial_fit().
    ("fitted", "_n_averaged", None, r"_n_averaged must be a whole number"),
    ("fitted", "_score_seed", "x", r"_score_seed must be a whole number"),
    ("fitted", "_encoder_rng", 1, r"_encoder_rng must be a torch.Generator"),
])
def test_a_file_whose_parameters_or_counters_break_their_rules_is_refused(
        small_file, part, field, value, message):
    members = _members(small_file)
    document = json.loads(members["skgan.json"])
    document[part][field] = value
    with pytest.raises(ValueError, match=rf"not a valid skgan model file \(GANSampler.*{message}"):
        skgan.load(io.BytesIO(_zip({**members, "skgan.json": json.dumps(document).encode()})))


def test_loading_imports_nothing_the_file_names(small_file):
    skgan.load(io.BytesIO(small_file))  # skgan's own registry is built by now
    members = _members(small_file)
    document = json.loads(members["skgan.json"])
    document["fitted"]["adapter_"] = {"$object": "sqlite3.connect", "$id": 1,
                                      "attributes": {}}
    document["fitted"]["history_"] = {"$class": "xml.dom.minidom.Document"}
    crafted = _zip({**members, "skgan.json": json.dumps(document).encode()})
    before = set(sys.modules)
    with pytest.raises(ValueError, match="not one a model file may name"):
        skgan.load(io.BytesIO(crafted))
    assert set(sys.modules) - before == set()


# ---------------------------------------------------------------------- every value kind
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([np.float32(1.5), np.int64(-3), np.bool_(True), np.datetime64("2024-02-29"),
                     pd.Timestamp("2024-03-01 10:00", tz="Europe/Oslo"), pd.Timestamp("1900-01-01"),
                     pd.Timedelta("3h"), pd.NaT, pd.NA, np.dtype("int32"),
                     pd.CategoricalDtype(["b", "a"], ordered=True), pd.StringDtype("python"),
                     pd.Int64Dtype(), torch.float16, torch.device("cpu"), range(2, 9, 3)]),
)
_arrays = st.one_of(
    hnp.arrays(st.sampled_from([np.float32, np.float64, np.int8, np.uint16, np.int64, bool]),
               hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
    st.lists(st.text(max_size=4), max_size=5).map(lambda items: np.array(items, dtype=object)),
    st.lists(st.integers(0, 10**6), max_size=5).map(
        lambda days: np.array(days, dtype="datetime64[D]")),
)
_values = st.recursive(
    st.one_of(_scalars, _arrays),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=5), children, max_size=4),
        st.dictionaries(st.integers(), children, max_size=3),
        st.frozensets(st.integers(), max_size=4),
    ),
    max_leaves=12,
)


def _same(first, second):
    if isinstance(first, np.ndarray):
        return (isinstance(second, np.ndarray) and first.dtype == second.dtype
                and first.shape == second.shape
                and np.array_equal(first, second, equal_nan=first.dtype.kind == "f"))
    if isinstance(first, dict):
        return (type(first) is type(second) and list(first) == list(second)
                and all(_same(first[key], second[key]) for key in first))
    if isinstance(first, (list, tuple)):
        return (type(first) is type(second) and len(first) == len(second)
                and all(_same(a, b) for a, b in zip(first, second)))
    if isinstance(first, (set, frozenset)):
        return type(first) is type(second) and first == second
    if isinstance(first, float) and np.isnan(first):
        return isinstance(second, float) and np.isnan(second)
    if first is pd.NA or first is pd.NaT:
        return second is first
    return type(first) is type(second) and first == second and str(first) == str(second)


@settings(max_examples=60, deadline=None)
@given(_values)
def test_every_kind_of_value_round_trips(value):
    writer = StateWriter()
    document = json.loads(json.dumps(writer.encode(value, "value"), allow_nan=False))
    tensors = {name: tensor.clone() for name, tensor in writer.tensors.items()}
    reader = StateReader(dict(writer.arrays), tensors, torch.device("cpu"))
    assert _same(value, reader.decode(document, "value"))


@pytest.mark.parametrize("value", [
    {"$set": [[1]], "frozen": False},
    {"$dict": [], "default": []},
    {"$function": []},
    {"$scalar": "<i1", "value": 1000},
    {"$scalar": "<M8[ns]", "value": 2**70},
    {"$device": "garbage"},
    {"$objects": [{}], "$id": 0, "dtype": "<f8", "shape": [1]},
    {"$objects": [], "$id": 0, "dtype": "|O", "shape": [10**6, 10**6]},
    {"$categorical_dtype": 5, "ordered": False},
    {"$object": "BaseGAN", "$id": 0, "attributes": {}},
    {"$object": "SamplerTags", "$id": 0, "attributes": {}},
    {"$object": "Inequality", "$id": 0, "attributes": {"is_valid": 1}},
    {"$torch_dtype": "_inductor"},
    {"$timestamp": "2024-01-01", "unit": "ns", "tz": "dateutil//etc/hostname"},
    {"$pandas_dtype": "datetime64[ns, dateutil//etc/hostname]"},
    {"$index": {"$array": "a0", "$id": 0, "dtype": "<f2", "shape": [0]}, "dtype": None,
     "name": None},
    {"$tuple": [{"$tuple": [{"$tuple": []}]}] * 3},
], ids=lambda value: next(iter(value)))
def test_malformed_values_give_a_value_error(small_file, value):
    members = _members(small_file)
    document = json.loads(members["skgan.json"])
    document["fitted"]["history_"] = value
    crafted = _zip({**members, "skgan.json": json.dumps(document).encode()})
    before = set(sys.modules)
    try:
        skgan.load(io.BytesIO(crafted))
    except ValueError:
        pass  # refused with a message; a harmless value may also load
    assert set(sys.modules) - before == set()


def test_deeply_nested_documents_give_a_value_error(small_file):
    members = _members(small_file)
    nested = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ValueError):
        skgan.load(io.BytesIO(_zip({**members, "skgan.json": nested.encode()})))
    document = json.loads(members["skgan.json"])
    value = []
    for _ in range(400):  # deeper than the decoder's recursion allows, not json's
        value = {"$tuple": [value]}
    document["fitted"]["history_"] = value
    with pytest.raises(ValueError):
        skgan.load(io.BytesIO(_zip({**members, "skgan.json": json.dumps(document).encode()})))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_nested_estimators_trained_on_cuda_load_on_the_cpu(labelled):
    X, y = labelled
    resampler = skgan.GANResampler(estimator=skgan.GANSampler(**CHEAP), random_state=0)
    resampler.fit_resample(X, y)
    _, data = _round_trip(resampler)
    members = _members(data)
    document = _as_if_trained_on_cuda(json.loads(members["skgan.json"]))
    members["skgan.json"] = json.dumps(document).encode()
    with pytest.warns(UserWarning, match="not available"):
        loaded = skgan.load(io.BytesIO(_zip(members)))
    for fitted in loaded.estimators_.values():
        assert fitted.device_ == torch.device("cpu")
        assert fitted.sample(3).shape == (3, 3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_loading_on_a_device_this_machine_lacks_names_the_device_not_the_file(tmp_path):
    path = tmp_path / "model.skgan"
    skgan.save(skgan.GANSampler(epochs=1, random_state=0).fit(
        np.random.RandomState(0).normal(size=(50, 2))), path)
    with pytest.raises(ValueError, match="CUDA is not available"):
        skgan.load(path, device="cuda")
    with pytest.raises(ValueError, match="not a torch device name"):
        skgan.load(path, device="gpu")
    assert skgan.load(path, device="cpu").device_ == torch.device("cpu")


def test_saving_into_a_missing_folder_names_the_path_given(tmp_path):
    model = skgan.GANSampler(epochs=1, random_state=0).fit(
        np.random.RandomState(0).normal(size=(50, 2)))
    target = tmp_path / "missing" / "model.skgan"
    with pytest.raises(FileNotFoundError) as error:
        skgan.save(model, target)
    assert error.value.filename == str(target) and not target.parent.exists()


def test_fields_that_do_not_hold_together_are_refused_at_load(table_model):
    # Fields of the right JSON type whose values cannot work together loaded, then
    # failed inside sample() with errors naming nothing in the file.
    model, _ = table_model
    buffer = io.BytesIO()
    skgan.save(model, buffer)
    data = buffer.getvalue()
    as_saved = pickle.loads(pickle.dumps(model))

    def width_as_null(document):  # one of the generator head's block widths
        head = document["fitted"]["generator_average_"]["modules"]["head"]
        head["attributes"]["block_widths"]["$tuple"][1] = None

    with pytest.raises(ValueError, match="sampling from its GANSampler fails"):
        skgan.load(io.BytesIO(_edit_document(data, width_as_null)))
    loaded = skgan.load(io.BytesIO(data))  # the check leaves the model as it was
    again = io.BytesIO()
    skgan.save(loaded, again)
    assert again.getvalue() == data
    pd.testing.assert_frame_equal(loaded.sample(20), as_saved.sample(20))


def test_fields_that_only_scoring_reads_are_checked_at_load(table_model):
    # A fill value of text, names that are objects: the file loaded and sampled, and
    # score() or fit's feature-name check failed later with numpy's or Python's errors.
    model, table = table_model
    buffer = io.BytesIO()
    skgan.save(model, buffer)
    data = buffer.getvalue()

    def fill_value_text(document):
        encoder = _find(document["fitted"]["adapter_"],
                        lambda node: "fill_value_" in node.get("attributes", {}))
        encoder["attributes"]["fill_value_"] = "x"

    def name_a_dict(document):
        document["fitted"]["feature_names_in_"]["$objects"][0] = {"a": 1}

    with pytest.raises(ValueError, match="scoring rows with its GANSampler fails"):
        skgan.load(io.BytesIO(_edit_document(data, fill_value_text)))
    with pytest.raises(ValueError, match="feature_names_in_ must be a 1-D array"):
        skgan.load(io.BytesIO(_edit_document(data, name_a_dict)))


def test_encrypted_members_and_text_wider_than_its_values_are_refused(table_model):
    # An encrypted member raised zipfile's RuntimeError (a password asked for); a
    # dtype edited to <U200000000 made load allocate gigabytes for a few bytes.
    model, _ = table_model
    buffer = io.BytesIO()
    skgan.save(model, buffer)
    data = buffer.getvalue()
    encrypted = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = [info.header_offset + 6 for info in archive.infolist()]
        entry = archive.start_dir
    central = []
    while data.startswith(b"PK\x01\x02", entry):  # the central directory's entries
        names, extra, comment = struct.unpack_from("<HHH", data, entry + 28)
        central.append(entry + 8)
        entry += 46 + names + extra + comment
    assert len(central) == len(local)
    for flag in local + central:  # bit 0 of each general-purpose flag: encrypted
        encrypted[flag] |= 0x01
    with pytest.raises(ValueError, match="are encrypted"):
        skgan.load(io.BytesIO(bytes(encrypted)))

    def wide_names(document):
        document["fitted"]["feature_names_in_"]["dtype"] = "<U200000000"

    with pytest.raises(ValueError, match="text arrays declared .* bytes wider than their "
                                         "values need"):
        skgan.load(io.BytesIO(_edit_document(data, wide_names)))


def test_labels_wider_than_their_values_as_numpy_slices_them_load():
    # Labels sliced from a wider array keep its width (<U336 holding "a" and "b"):
    # the first check of text widths refused such files, which save had written.
    rng = np.random.default_rng(0)
    labels = np.array(["a"] * 30 + ["b"] * 30 + ["a long free-text label " * 15])[:60]
    model = skgan.ConditionalGAN(**CHEAP).fit(rng.normal(size=(60, 2)), labels)
    assert model.classes_.dtype == labels.dtype
    loaded, _ = _round_trip(model)
    assert loaded.classes_.dtype == labels.dtype
    np.testing.assert_array_equal(loaded.sample(5, random_state=0)[1],
                                  model.sample(5, random_state=0)[1])


def test_a_numeric_adapter_fitted_on_a_data_frame_is_saved(tmp_path):
    frame = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40) % 7})
    model = skgan.GANSampler(adapter=NumericAdapter(), epochs=1, random_state=0).fit(frame)
    skgan.save(model, tmp_path / "m.skgan")
    loaded = skgan.load(tmp_path / "m.skgan")
    pd.testing.assert_frame_equal(loaded.sample(5, random_state=0),
                                  model.sample(5, random_state=0))


def test_save_options_must_be_booleans(tmp_path):
    model = skgan.GANSampler(epochs=1, random_state=0).fit(np.arange(40.0).reshape(20, 2))
    for option in ("sampling_only", "include_optimizer"):
        with pytest.raises(TypeError, match=f"{option} must be True or False"):
            skgan.save(model, tmp_path / "m.skgan", **{option: "no"})
    assert not (tmp_path / "m.skgan").exists()


def test_levels_of_periods_bins_times_and_bytes_are_saved(tmp_path):
    import datetime
    rng = np.random.default_rng(0)
    n = 90
    table = pd.DataFrame({
        "v": rng.normal(size=n),
        "month": pd.Series(pd.period_range("2020-01", periods=3, freq="M")).sample(
            n, replace=True, random_state=0).reset_index(drop=True),
        "bin": pd.cut(rng.normal(size=n), 3),
        "opens": [datetime.time(int(h), 30) for h in rng.integers(6, 9, n)],
        "tag": [b"ab", b"cd", b"ef"] * (n // 3),
    })
    model = skgan.GANSampler(epochs=1, batch_size=30, random_state=0).fit(table)
    skgan.save(model, tmp_path / "m.skgan")
    loaded = skgan.load(tmp_path / "m.skgan")
    sampled = loaded.sample(20, random_state=0)
    pd.testing.assert_frame_equal(sampled, model.sample(20, random_state=0))
    assert sampled["bin"].dtype == table["bin"].dtype
    assert set(sampled["opens"]) <= set(table["opens"]) and set(sampled["tag"]) <= {
        b"ab", b"cd", b"ef"}


def test_saving_to_a_folder_an_empty_path_or_a_text_file_says_so(tmp_path):
    model = skgan.GANSampler(**CHEAP).fit(
        np.random.default_rng(0).normal(size=(40, 2)))
    with pytest.raises(IsADirectoryError, match="A folder, not a file") as refused:
        skgan.save(model, tmp_path)  # was: named a temporary ".partial" file
    assert ".partial" not in str(refused.value)
    with pytest.raises(ValueError, match="empty path"):
        skgan.save(model, "")
    with open(tmp_path / "m.skgan", "w") as text_file:
        with pytest.raises(TypeError, match="binary mode"):
            skgan.save(model, text_file)
    skgan.save(model, tmp_path / "m.skgan")
    with open(tmp_path / "m.skgan") as text_file:
        with pytest.raises(TypeError, match="binary mode"):
            skgan.load(text_file)
    assert list(tmp_path.iterdir()) == [tmp_path / "m.skgan"]


def test_a_dateutil_time_zone_is_refused_at_saving_with_the_conversion():
    when = pd.to_datetime(np.arange(0, 40 * 86_400, 86_400), unit="s", utc=True)
    table = pd.DataFrame({"when": when.tz_convert("dateutil/Europe/London"),
                          "x": np.linspace(0, 1, 40)})
    model = skgan.GANSampler(**CHEAP).fit(table)
    with pytest.raises(ValueError, match=r"dateutil one.*tz_convert\('Europe/London'\)"):
        skgan.save(model, io.BytesIO())
    named = table.assign(when=table["when"].dt.tz_convert("Europe/London"))
    buffer = io.BytesIO()
    skgan.save(skgan.GANSampler(**CHEAP).fit(named), buffer)
    buffer.seek(0)
    assert str(skgan.load(buffer).sample(2, random_state=0)["when"].dt.tz) == "Europe/London"


def test_columns_of_several_levels_come_back_with_their_names(tmp_path):
    columns = pd.MultiIndex.from_tuples([("g", "a"), ("h", "b"), ("h", 3)], names=["lvl0", "lvl1"])
    rng = np.random.default_rng(0)
    table = pd.DataFrame({("g", "a"): rng.normal(size=80), ("h", "b"): rng.integers(0, 3, 80),
                          ("h", 3): rng.choice(["x", "y"], 80)})
    table.columns = columns
    model = skgan.GANSampler(**CHEAP).fit(table)
    skgan.save(model, tmp_path / "multi.skgan")
    loaded = skgan.load(tmp_path / "multi.skgan")
    expected, sampled = model.sample(5, random_state=0), loaded.sample(5, random_state=0)
    pd.testing.assert_frame_equal(sampled, expected)
    assert sampled.columns.names == ["lvl0", "lvl1"] and list(sampled["h"].columns) == ["b", 3]


def test_arrow_dictionary_and_decimal_columns_are_saved_with_their_dtypes(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import decimal

    rng = np.random.default_rng(0)
    table = pd.DataFrame({
        "kind": pd.Series(rng.choice(["a", "b", "c"], 80)).astype(
            pd.ArrowDtype(pa.dictionary(pa.int8(), pa.string()))),
        "amount": pd.Series([decimal.Decimal(f"{value:.2f}") for value in rng.uniform(0, 9, 80)],
                            dtype=pd.ArrowDtype(pa.decimal128(10, 2))),
        "x": rng.normal(size=80)})
    model = skgan.GANSampler(**CHEAP).fit(table)
    skgan.save(model, tmp_path / "arrow.skgan")
    loaded = skgan.load(tmp_path / "arrow.skgan")
    sampled = loaded.sample(6, random_state=0)
    pd.testing.assert_frame_equal(sampled, model.sample(6, random_state=0))
    assert sampled.dtypes.to_dict() == table.dtypes.to_dict()


def test_object_columns_of_decimals_are_saved_as_decimals():
    """A fee of a few Decimal levels (a discrete column) made saving fail: a Decimal was
    a value a model file could not describe."""
    import decimal

    rng = np.random.default_rng(0)
    table = pd.DataFrame({
        "fee": pd.Series([decimal.Decimal(v) for v in rng.choice(["0.50", "1.00", "2.50"], 80)],
                         dtype=object),
        "price": pd.Series([decimal.Decimal(f"{value:.2f}") for value in rng.gamma(2, 9, 80)],
                           dtype=object),
        "x": rng.normal(size=80)})
    model = skgan.GANSampler(**CHEAP).fit(table)
    loaded, _ = _round_trip(model)
    sampled = loaded.sample(20, random_state=0)
    pd.testing.assert_frame_equal(sampled, model.sample(20, random_state=0))
    assert set(sampled["fee"]) <= {decimal.Decimal(v) for v in ("0.50", "1.00", "2.50")}
    assert {type(value) for value in sampled["price"]} == {decimal.Decimal}


def test_a_malformed_decimal_in_a_file_is_refused_naming_it():
    import decimal

    table = pd.DataFrame({"fee": [decimal.Decimal("0.50"), decimal.Decimal("1.00")] * 30,
                          "x": np.arange(60.0)})
    _, data = _round_trip(skgan.GANSampler(**CHEAP).fit(table))
    members = _members(data)
    text = members["skgan.json"].decode().replace('"$decimal": "0.50"', '"$decimal": "half"')
    assert "half" in text
    with pytest.raises(ValueError, match="'half' is not a decimal number"):
        skgan.load(io.BytesIO(_zip({**members, "skgan.json": text.encode()})))


def _with_document(data, change):
    members = _members(data)
    document = json.loads(members["skgan.json"])
    change(document)
    return io.BytesIO(_zip({**members, "skgan.json": json.dumps(document).encode()}))


def test_optimiser_states_that_torch_kernels_cannot_run_are_refused(small_file):
    def group(document):
        return _find(document["fitted"]["optimizers_"], lambda node: "params" in node)

    def unknown(document):
        _find(document["fitted"]["optimizers_"], lambda node: "$optimizer" in node)[
            "$optimizer"] = "optim.SGD"

    for change, message in [
        (unknown, "train with torch.optim.Adam, not SGD"),
        (lambda d: group(d).__setitem__("lr", None), r"lr must be a finite number"),
        (lambda d: group(d).__setitem__("eps", 0.0), r"eps must be a finite number above"),
        (lambda d: group(d).__setitem__("amsgrad", "x"), r"amsgrad must be True or False"),
        (lambda d: group(d).__setitem__("differentiable", True), "differentiable must be"),
        (lambda d: group(d).__setitem__("params", []), "lists no parameters"),
    ]:
        with pytest.raises(ValueError, match=message):
            skgan.load(_with_document(small_file, change))


def test_history_and_adapter_classes_that_do_not_fit_are_refused(small_file, table_model):
    for history, message in [(None, "must be a dict of lists"),
                             ({"epoch": [1.5]}, r"\['epoch'\] must be a list of whole"),
                             ({"generator_loss": ["a"]}, "must be a list of numbers")]:
        with pytest.raises(ValueError, match=f"history_ .*{message}"):
            skgan.load(_with_document(small_file, lambda d: d["fitted"].__setitem__(
                "history_", history)))
    buffer = io.BytesIO()
    skgan.save(table_model[0], buffer)

    def numeric_adapter(document):
        document["fitted"]["adapter_"]["$object"] = "NumericAdapter"

    with pytest.raises(ValueError, match="parameters do not fit their classes"):
        skgan.load(_with_document(buffer.getvalue(), numeric_adapter))


def test_an_adam_moment_of_another_shape_than_its_parameter_is_refused():
    # the fused kernel would write past a smaller moment's end (a crashed interpreter)
    from skgan.io._checks import check_adam_state

    parameter = torch.nn.Parameter(torch.zeros(4, 3))
    optimizer = torch.optim.Adam([parameter])
    parameter.grad = torch.ones(4, 3)
    optimizer.step()
    state = optimizer.__getstate__()
    check_adam_state(state, "model")  # as torch leaves it
    state["state"][parameter]["exp_avg"] = torch.zeros(3, 3)
    with pytest.raises(ValueError, match=r"exp_avg is torch.float32 of shape \[3, 3\]"):
        check_adam_state(state, "model")


def test_a_member_that_unpacks_to_hundreds_of_times_its_size_is_refused(small_file,
                                                                       monkeypatch):
    from skgan.io import _container

    monkeypatch.setattr(_container, "MIN_CHECKED_BYTES", 1024)
    skgan.load(io.BytesIO(small_file))  # save's own members pass
    members = _members(small_file)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            if name == "tensors.safetensors":  # bytes that deflate to almost nothing
                content = b"\x00" * 10**6
            archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match="unpack to more than 200 times"):
        skgan.load(io.BytesIO(buffer.getvalue()))
