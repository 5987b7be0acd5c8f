"""Mode-specific normalisation of continuous columns: modes drawn from their posterior
probabilities, and point masses such as the zeros of a balance or an income column."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from skgan import GANSampler
from skgan.adapters import TabularAdapter
from skgan.adapters._columns import ModeNormalizer

SMALL = dict(generator_dims=(64, 64), discriminator_dims=(64, 64), latent_dim=8,
             batch_size=64)


def zero_inflated(n_rows=1200, zero_share=0.3, seed=0):
    rng = np.random.RandomState(seed)
    values = rng.lognormal(6, 0.6, n_rows)
    values[rng.rand(n_rows) < zero_share] = 0.0
    return values


def fitted_normalizer(values, **options):
    return ModeNormalizer(**options).fit(values, np.random.RandomState(0))


def test_point_mass_gets_its_own_mode_and_decodes_exactly():
    values = zero_inflated()
    normalizer = fitted_normalizer(values)
    assert list(normalizer.spikes_) == [0.0]
    assert normalizer.block_widths == [len(normalizer.means_) + 1]
    scalars, (mode,) = normalizer.encode(values)
    zeros = values == 0
    assert (mode[zeros] == len(normalizer.means_)).all()
    assert (mode[~zeros] < len(normalizer.means_)).all()
    decoded = normalizer.decode(scalars, [mode])
    assert (decoded[zeros] == 0.0).all()
    np.testing.assert_allclose(decoded[~zeros], values[~zeros], rtol=0.05)
    # Whatever the generator's scalar, the spike's mode gives exactly the spike.
    noise = np.random.RandomState(1).uniform(-1, 1, scalars.shape)
    assert (normalizer.decode(noise, [mode])[zeros] == 0.0).all()


@pytest.mark.parametrize("values", [
    np.random.RandomState(0).normal(size=2000),                  # no repeats
    np.random.RandomState(0).randint(18, 80, 2000).astype(float),  # ages: even repeats
    np.repeat([1.5, 2.5], 500),                                   # two values only
], ids=["continuous", "many-valued integers", "two values"])
def test_columns_without_a_point_mass_have_no_spike(values):
    assert len(fitted_normalizer(values).spikes_) == 0


def test_zero_share_is_reproduced_by_a_trained_model():
    rng = np.random.RandomState(0)
    table = pd.DataFrame({"balance": zero_inflated(), "segment": rng.choice(["a", "b"], 1200)})
    model = GANSampler(random_state=0, epochs=60, **SMALL).fit(table)
    balance = model.sample(4000, random_state=0)["balance"]
    assert abs((balance == 0).mean() - 0.3) < 0.08
    # Besides the spike, values stay in the training range (no tiny negatives or
    # near-zero smear standing in for the zeros).
    positive = balance[balance > 0]
    assert positive.min() >= table["balance"][table["balance"] > 0].min() * 0.5


def test_adapter_round_trip_and_pickle_keep_the_spike():
    table = pd.DataFrame({"balance": zero_inflated()})
    adapter = TabularAdapter().fit(table)
    loaded = pickle.loads(pickle.dumps(adapter))
    decoded = loaded.decode(loaded.encode(table))
    assert ((decoded["balance"] == 0) == (table["balance"] == 0)).all()


def test_normalizer_pickled_before_point_masses_still_decodes():
    values = np.random.RandomState(0).normal(size=500)
    normalizer = fitted_normalizer(values)
    del normalizer.spikes_, normalizer.encode_seed_  # as pickled by an earlier version
    state = pickle.loads(pickle.dumps(normalizer))
    scalars, codes = state.encode(values)
    np.testing.assert_allclose(state.decode(scalars, codes), values, rtol=1e-6, atol=1e-6)


def test_modes_are_drawn_from_the_posterior_repeatably():
    rng = np.random.RandomState(0)
    values = np.concatenate([rng.normal(0, 1, 3000), rng.normal(1.5, 1, 3000)])
    normalizer = fitted_normalizer(values, sample_modes=True)
    assert len(normalizer.means_) >= 2
    scalars, (mode,) = normalizer.encode(values)
    again, (mode_again,) = pickle.loads(pickle.dumps(normalizer)).encode(values)
    np.testing.assert_array_equal(mode, mode_again)
    np.testing.assert_array_equal(scalars, again)
    refitted = fitted_normalizer(values, sample_modes=True)  # a second fit, same seed
    np.testing.assert_array_equal(refitted.encode(values)[1][0], mode)
    # Where the modes overlap, equal values do not all get the same mode (the most
    # likely mode would cut the values at a boundary).
    middle = np.full(500, 0.75)
    assert len(np.unique(normalizer.encode(middle)[1][0])) >= 2
    assert len(np.unique(fitted_normalizer(values).encode(middle)[1][0])) == 1
    # Each value still decodes to itself through the mode it drew.
    np.testing.assert_allclose(normalizer.decode(scalars, [mode]), values, atol=1e-6)


def test_adapter_option_draws_the_modes():
    rng = np.random.RandomState(0)
    values = np.concatenate([rng.normal(0, 1, 3000), rng.normal(1.5, 1, 3000)])
    table = pd.DataFrame({"value": values})
    drawn = TabularAdapter(continuous="vgm", mode_assignment="posterior").fit(table)
    likeliest = TabularAdapter(continuous="vgm").fit(table)
    assert drawn.column_encoders_[0].normalizer_.encode_seed_ is not None
    assert likeliest.column_encoders_[0].normalizer_.encode_seed_ is None
    np.testing.assert_array_equal(drawn.encode(table), drawn.encode(table))
    decoded = drawn.decode(drawn.encode(table))["value"]
    np.testing.assert_allclose(decoded, values, atol=1e-4)


def test_mode_assignment_is_a_parameter_and_old_adapters_load():
    adapter = TabularAdapter(mode_assignment="posterior")
    assert clone(adapter).get_params()["mode_assignment"] == "posterior"
    table = pd.DataFrame({"value": np.random.RandomState(0).normal(size=300)})
    fitted = TabularAdapter().fit(table)
    del fitted.mode_assignment  # as pickled before the option existed
    loaded = pickle.loads(pickle.dumps(fitted))
    assert loaded.get_params()["mode_assignment"] == "likeliest"
    assert "TabularAdapter" in repr(loaded)
    np.testing.assert_allclose(loaded.decode(loaded.encode(table))["value"], table["value"],
                               atol=1e-4)
