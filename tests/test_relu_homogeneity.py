"""Bias-free ReLU networks are positively homogeneous: J(x) x = f(x) at every x, hence a unit
eigenvalue at every fixed point (attractor_utils.analyses.homogeneity)."""
import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils import homogeneity


@pytest.mark.parametrize("depth,width", [(1, 8), (2, 5), (3, 16), (6, 12)])
def test_autograd_jacobian_times_x_equals_f_without_bias(depth, width):
    m = au.MLPAutoencoder(12, width, depth, "relu", bias=False, seed=depth, dtype=torch.float64)
    X = torch.randn(7, 12, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    J = au.jacobian(m, X).detach()  # (n, d, d), autograd
    Jx = torch.einsum("nij,nj->ni", J, X)
    with torch.no_grad():
        fx = m(X)
    np.testing.assert_allclose(Jx.numpy(), fx.numpy(), rtol=1e-10, atol=1e-12)
    jx, fx2 = homogeneity.jacobian_times_input(m, X)
    np.testing.assert_allclose(jx.numpy(), Jx.numpy(), rtol=1e-10, atol=1e-12)
    assert homogeneity.homogeneity_residual(m, X).max() < 1e-12


def test_bias_breaks_homogeneity():
    m = au.MLPAutoencoder(12, 8, 2, "relu", bias=True, seed=0, dtype=torch.float64)
    X = torch.rand(6, 12, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert homogeneity.homogeneity_residual(m, X).min() > 1e-3


def test_shortcut_jacobian_times_x_equals_f_without_bias():
    # J = A B with A = W_out, B = D_L W_L ... D_1 W_in; the shortcut's factors reproduce f(x) = A (B x)
    m = au.MLPAutoencoder(40, 6, 3, "relu", bias=False, seed=4, dtype=torch.float64)  # width < dim: shortcut path
    X = torch.randn(5, 40, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    J = au.jacobian(m, X).detach()
    ev_full = au.sort_eigenvalues(torch.linalg.eigvals(J))[:, :6]
    ev_short = au.jacobian_eigenvalues(m, X, method="shortcut")
    np.testing.assert_allclose(ev_short.numpy(), ev_full.numpy(), atol=1e-10)
    with torch.no_grad():
        np.testing.assert_allclose(torch.einsum("nij,nj->ni", J, X).numpy(), m(X).numpy(), atol=1e-12)


@pytest.mark.parametrize("depth", [1, 2])
def test_exact_fixed_point_has_unit_eigenvalue(depth):
    # build a bias-free ReLU net with f(x0) = x0 exactly: W_out maps the last hidden state h back to x0
    d, w = 30, 10
    m = au.MLPAutoencoder(d, w, depth, "relu", bias=False, seed=2, dtype=torch.float64)
    x0 = torch.rand(1, d, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    with torch.no_grad():
        h = x0
        for W in list(m.weights)[:-1]:
            h = torch.relu(h @ W.T)
        assert h.norm() > 0
        m.weights[-1].copy_(x0.T @ h / (h @ h.T))
        np.testing.assert_allclose(m(x0).numpy(), x0.numpy(), atol=1e-12)
    lam = homogeneity.eigenvalue_nearest_one(m, x0)  # rank shortcut (w < d)
    assert abs(lam[0] - 1) < 1e-10
    assert float(au.spectral_radius(m, x0)[0]) >= 1 - 1e-10
    # so it is not an attractor; the eigenvalue is 1 only up to rounding, so the strict "< 1" test
    # needs a margin of a few ulps to say so reliably
    df = au.classify_attractors(m, x0, max_steps=10, eig_threshold=1 - 1e-9)
    assert bool(df["is_true_fixed_point"][0]) and not bool(df["is_attractor"][0])


def test_eigenvalue_nearest_one_picks_closest():
    m = au.MLPAutoencoder(8, 16, 1, "relu", bias=True, seed=0, dtype=torch.float64)  # width >= dim: full J
    X = torch.rand(4, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    ev = au.jacobian_eigenvalues(m, X).numpy()
    lam = homogeneity.eigenvalue_nearest_one(m, X)
    np.testing.assert_allclose(np.abs(lam - 1), np.abs(ev - 1).min(axis=1))
