"""attractor_utils.analyses.noise_basins: fixed-norm noise and the perturb-and-iterate success rate."""
import numpy as np
import pytest
import torch

from attractor_utils import noise_basins


def test_fixed_norm_noise_has_the_norm_and_is_reproducible():
    z = noise_basins.fixed_norm_noise(50, 7, 3.5, seed=2)
    assert z.shape == (50, 7)
    np.testing.assert_allclose(z.norm(dim=1).numpy(), 3.5, rtol=1e-6)
    assert torch.equal(z, noise_basins.fixed_norm_noise(50, 7, 3.5, seed=2))
    assert not torch.equal(z, noise_basins.fixed_norm_noise(50, 7, 3.5, seed=3))
    # directions are not concentrated: the mean direction is small
    assert (z / 3.5).mean(0).norm() < 0.5


def _contraction(X: torch.Tensor, a: float):
    """f(x) = nearest stored point + a (x - nearest): every stored point attracts its Voronoi cell."""

    def f(x):
        D = torch.cdist(x.double(), X.double())
        c = X.double()[D.argmin(1)]
        return (c + a * (x.double() - c)).to(x.dtype)

    return f


def test_contraction_recovers_small_noise_and_fails_on_expansion():
    X = 10 * torch.eye(4, dtype=torch.float64)  # points 14 apart
    r = noise_basins.basin_success(_contraction(X, 0.5), X, noise_radius=1.0, trials=5, max_steps=50)
    assert r.success.shape == (20,) and r.success.all() and r.success_rate == 1.0
    np.testing.assert_array_equal(r.origin, np.repeat(np.arange(4), 5))
    np.testing.assert_array_equal(r.per_point_rate(), np.ones(4))
    # too few steps to get within 1e-2: 0.5**3 * 1 = 0.125 > 1e-2
    r3 = noise_basins.basin_success(_contraction(X, 0.5), X, noise_radius=1.0, trials=5, max_steps=3)
    assert r3.success_rate == 0.0
    # an expanding map never returns
    re = noise_basins.basin_success(lambda x: X.double().mean(0) + 1.5 * (x - X.double().mean(0)), X, 1.0, trials=3)
    assert re.success_rate == 0.0


def test_noise_beyond_the_cell_lands_elsewhere():
    X = torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=torch.float64)
    r = noise_basins.basin_success(_contraction(X, 0.5), X, noise_radius=1.5, trials=200, max_steps=50, seed=1)
    # a start is recovered iff it stays in its origin's half plane: about 1 - acos(1/1.5)/pi of them
    expected = 1 - np.arccos(1 / 1.5) / np.pi
    assert abs(r.success_rate - expected) < 0.08
    assert (r.nearest_index[~r.success] != r.origin[~r.success]).all()


def test_bad_arguments():
    X = torch.zeros(2, 3)
    with pytest.raises(ValueError, match="trials"):
        noise_basins.basin_success(lambda x: x, X, 1.0, trials=0)
    with pytest.raises(ValueError, match="noise_radius"):
        noise_basins.basin_success(lambda x: x, X, 0.0)
    with pytest.raises(ValueError, match="expected"):
        noise_basins.basin_success(lambda x: x, torch.zeros(3), 1.0)
