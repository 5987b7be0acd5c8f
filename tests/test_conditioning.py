"""Training-by-sampling: rows drawn after the level the condition asks for."""

import numpy as np
import torch

from skgan.adapters._training_by_sampling import DiscreteConditioner
from skgan.networks.mlp import MLPGenerator, OneHotRows


def _encoded(levels_a, levels_b):
    """A one-hot encoding with a scalar column, a 3-level block and a 2-level block."""
    n_rows = len(levels_a)
    encoded = torch.zeros(n_rows, 6)
    encoded[:, 0] = torch.arange(n_rows, dtype=torch.float32)  # row id
    encoded[torch.arange(n_rows), 1 + torch.as_tensor(levels_a)] = 1.0
    encoded[torch.arange(n_rows), 4 + torch.as_tensor(levels_b)] = 1.0
    return encoded


def test_batches_hold_the_asked_levels_with_log_frequency_weights():
    rng = np.random.RandomState(0)
    levels_a = rng.choice(3, 3000, p=[0.9, 0.09, 0.01])
    levels_b = rng.choice(2, 3000)
    encoded = _encoded(levels_a, levels_b)
    counts_a, counts_b = np.bincount(levels_a, minlength=3), np.bincount(levels_b)
    conditioner = DiscreteConditioner([(1, 3, counts_a), (4, 2, counts_b)], first_block_unit=1)
    generator = torch.Generator().manual_seed(0)
    asked = []
    for rows, condition in conditioner.epoch_batches(encoded, 100, generator):
        assert condition.shape == (100, 5) and torch.equal(condition.sum(1), torch.ones(100))
        held = encoded[rows][:, 1:]
        assert torch.equal((held * condition).sum(1), torch.ones(100))  # asked level held
        asked.append(condition)
    shares = torch.cat(asked).mean(0).numpy()
    weights = np.log1p(counts_a) / np.log1p(counts_a).sum() / 2
    np.testing.assert_allclose(shares[:3], weights, atol=0.03)
    assert abs(shares[3:].sum() - 0.5) < 0.03


def test_one_hot_rows_give_the_generator_the_output_of_their_dense_vectors():
    torch.manual_seed(0)
    network = MLPGenerator(8, 5, (16, 16), condition_dim=6)
    latent, units = torch.randn(50, 8), torch.randint(0, 6, (50,))
    rows = OneHotRows(units, 6)
    dense = rows.dense()
    assert torch.equal(dense.argmax(dim=1), units) and torch.equal(dense.sum(dim=1),
                                                                   torch.ones(50))
    with torch.no_grad():
        assert torch.allclose(network(latent, rows), network(latent, dense), atol=1e-6)


def test_sampling_conditions_follow_the_data_and_penalty_rewards_obeying():
    counts = np.array([700, 300])
    conditioner = DiscreteConditioner([(0, 2, counts)], first_block_unit=0)
    condition = conditioner.sample(20000, torch.Generator().manual_seed(0), "cpu").dense()
    assert abs(condition[:, 0].mean().item() - 0.7) < 0.02
    fixed = conditioner.fixed(4, 1, "cpu").dense()
    assert torch.equal(fixed, torch.tensor([[0.0, 1.0]] * 4))
    obeying = torch.log(torch.tensor([[0.01, 0.99]] * 4))
    defying = torch.log(torch.tensor([[0.99, 0.01]] * 4))
    assert conditioner.penalty(obeying, fixed) < 0.02 < conditioner.penalty(defying, fixed)
