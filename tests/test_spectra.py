"""Jacobian spectra: rank shortcut vs full autograd Jacobian, analytic cases, sorting, cycles."""
import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils.core import spectra
from attractor_utils.core.models import MLPAutoencoder


def _agree(model, x):
    fast = au.jacobian_eigenvalues(model, x, method="shortcut")
    ref = au.jacobian_eigenvalues(model, x, method="autograd")
    m = fast.shape[-1]
    assert ref.shape[-1] == model.dim
    # the shortcut gives the nonzero part; the rest of the full spectrum is exactly zero
    torch.testing.assert_close(fast, ref[..., :m], rtol=0, atol=1e-10)
    if ref.shape[-1] > m:
        assert ref[..., m:].abs().max() < 1e-10


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "sigmoid", "tanh", "cosid", "swish", "selu", "erf"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dim,width,depth", [(12, 5, 1), (12, 5, 3), (5, 9, 2)])
def test_shortcut_matches_autograd_random_nets(act, bias, dim, width, depth):
    m = MLPAutoencoder(dim, width, depth, activation=act, bias=bias, seed=7, dtype=torch.float64)
    x = torch.randn(6, dim, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    _agree(m, x)


@pytest.mark.parametrize("act,param", [("relu", "standard"), ("cosid", "standard"), ("sigmoid", "ntk")])
def test_shortcut_matches_autograd_trained_nets(act, param):
    X = au.sphere_points(4, 16, 2.0, seed=0)
    m = MLPAutoencoder(16, 8, 2, activation=act, parameterization=param, bias=param == "standard", seed=0)
    au.train(m, X, optimizer="adam", lr=1e-2 if param == "standard" else 5e-2, max_epochs=300, progress=False)
    _agree(m, X)


def test_shortcut_accepts_float32_models_and_works_in_float64():
    m = MLPAutoencoder(20, 6, 2, activation="tanh", seed=0)
    x = torch.randn(3, 20)
    ev = au.jacobian_eigenvalues(m, x)
    assert ev.dtype == torch.complex128
    _agree(m, x)


def test_eigenvalues_sorted_by_modulus():
    ev = torch.tensor([0.5, -2.0, 1j, 3.0, -3.0], dtype=torch.complex128)
    s = au.sort_eigenvalues(ev)
    assert s.abs().tolist() == sorted(ev.abs().tolist(), reverse=True)
    assert s[0] == 3.0 and s[1] == -3.0  # ties: larger real part first


def test_spectral_radius_is_not_operator_norm():
    # a non-normal map: J = [[0, 10], [0, 0]] has spectral radius 0, norm 10
    class Shear(torch.nn.Module):
        def forward(self, x):
            return torch.stack([10 * x[:, 1], 0 * x[:, 0]], dim=1)

    r = au.spectral_radius(Shear(), torch.zeros(1, 2))
    assert r.item() < 1e-12


def test_linear_autoencoder_has_unit_eigenvalue_with_multiplicity_k():
    """A linear AE trained by gradient descent from small init on k points learns the projection onto
    their span (GD leaves the orthogonal complement at its tiny initial value)."""
    d, k = 12, 3
    X = au.sphere_points(k, d, 1.0, seed=2)
    m = MLPAutoencoder(d, 16, 1, activation="linear", bias=False, init="normal:1e-5", seed=0,
                       dtype=torch.float64)
    tr = au.train(m, X.double(), optimizer="gd", lr=1.0, loss="half_sum", loss_threshold=1e-16, max_epochs=20000, progress=False)
    assert tr.converged
    ev = au.jacobian_eigenvalues(m, X).abs()  # (k, 12)
    torch.testing.assert_close(ev[:, :k], torch.ones(k, k, dtype=torch.float64), atol=1e-5, rtol=0)
    assert ev[:, k:].max() < 1e-3
    # and the Jacobian is the orthogonal projector onto span(X)
    J = au.jacobian(m, X[:1])[0]
    Q, _ = torch.linalg.qr(X.double().T)
    torch.testing.assert_close(J, Q @ Q.T, atol=1e-4, rtol=0)


def test_bias_free_relu_is_homogeneous_J_x_equals_f_x():
    m = MLPAutoencoder(10, 7, 3, activation="relu", bias=False, seed=3, dtype=torch.float64)
    x = torch.randn(5, 10, dtype=torch.float64)
    J = au.jacobian(m, x)
    torch.testing.assert_close(torch.einsum("nij,nj->ni", J, x), m(x).detach(), atol=1e-12, rtol=1e-12)


def test_ensemble_spectra_match_members():
    ens = au.MLPEnsemble.from_seeds([0, 1, 2], dim=9, width=4, depth=2, activation="tanh")
    x = torch.randn(5, 9)
    ev = au.jacobian_eigenvalues(ens, x)
    assert ev.shape == (3, 5, 4)
    for k in range(3):
        torch.testing.assert_close(ev[k], au.jacobian_eigenvalues(ens.member(k), x), atol=1e-10, rtol=0)
    xs = torch.randn(3, 5, 9)
    r = au.spectral_radius(ens, xs)
    for k in range(3):
        torch.testing.assert_close(r[k], au.spectral_radius(ens.member(k), xs[k]), atol=1e-10, rtol=0)


@pytest.mark.parametrize("width", [3, 12])
def test_cycle_radius_shortcut_matches_product_of_full_jacobians(width):
    m = MLPAutoencoder(8, width, 2, activation="tanh", seed=1, dtype=torch.float64)
    seq = torch.randn(5, 8, dtype=torch.float64)
    fast = au.cycle_spectral_radius(m, seq, method="shortcut")
    J = au.jacobian(m, seq)
    P = torch.eye(8, dtype=torch.float64)
    for Ji in J:
        P = Ji @ P
    ref = torch.linalg.eigvals(P).abs().max().item()
    assert fast == pytest.approx(ref, rel=1e-9, abs=1e-14)
    # starting the product at another element gives the same radius (cyclic invariance)
    assert au.cycle_spectral_radius(m, torch.roll(seq, 2, 0)) == pytest.approx(fast, rel=1e-9, abs=1e-14)


def test_bad_method_and_shape():
    m = MLPAutoencoder(4, 3, 1)
    with pytest.raises(ValueError, match="method"):
        au.jacobian_eigenvalues(m, torch.zeros(2, 4), method="power")
    with pytest.raises(ValueError, match=r"expected \(n, 4\)"):
        au.spectral_radius(m, torch.zeros(2, 3))


def test_spectral_radius_below_the_iterative_size_is_the_full_route_bit_for_bit():
    """`au.spectral_radius(model, X)` for m < ITERATIVE_MIN_SIZE: exactly the numbers of the full decomposition."""
    m = MLPAutoencoder(64, spectra.ITERATIVE_MIN_SIZE - 1, 2, activation="relu", seed=0)
    x = torch.rand(5, 64)
    assert torch.equal(au.spectral_radius(m, x), au.jacobian_eigenvalues(m, x).abs().amax(-1))
    assert torch.equal(au.spectral_radius(m, x, method="dense"), au.spectral_radius(m, x, method="shortcut"))
