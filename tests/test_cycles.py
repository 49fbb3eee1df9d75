"""attractor_utils.analyses.cycles: the sequence layout, Proposition 2 per element, recovery onto cycles."""
import numpy as np
import pytest
import torch

from attractor_utils import cycles


def test_cycle_layout():
    np.testing.assert_array_equal(cycles.cycle_next_index(6, 3), [1, 2, 0, 4, 5, 3])
    np.testing.assert_array_equal(cycles.cycle_ids(6, 3), [0, 0, 0, 1, 1, 1])
    X = torch.arange(12.0).reshape(6, 2)
    np.testing.assert_array_equal(cycles.cycle_targets(X, 3)[2].numpy(), X[0].numpy())
    with pytest.raises(ValueError, match="cycle_len"):
        cycles.cycle_next_index(5, 3)


def test_element_radii_and_noise_recovery_with_a_rotation():
    # f rotates the 4 corners of a square cyclically and contracts towards them (linear map + fixed centre 0)
    th = np.pi / 2
    R = torch.tensor([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])

    def f(x):  # halfway to the nearest corner, then rotate by 90 degrees: J = R / 2 everywhere
        c = X.to(x.dtype)[torch.cdist(x, X.to(x.dtype)).argmin(1)]
        return (c + 0.5 * (x - c)) @ R.to(x.dtype).T

    rad = cycles.element_cycle_radii(f, X, 4)
    assert rad.shape == (4,) and np.allclose(rad, 0.5 ** 4, atol=1e-12)
    starts = torch.tensor([[2.0, 0.1], [0.3, -0.4]])
    rec, tail = cycles.noise_cycle_recovery(f, X, 4, starts, burn_in=60, match_tol=1e-3)
    assert tail.shape == (4, 2, 2)
    assert rec.in_order.all() and (rec.cycle == 0).all()
