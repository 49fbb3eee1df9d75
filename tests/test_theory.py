"""PNAS Theorems 1-2 / App. C: rank-1 training of one example, exact invariants and closed forms."""
import pytest
import torch

import attractor_utils as au
from attractor_utils import theory
from attractor_utils.core.models import MLPAutoencoder


def _rank1_net(act, x, k, depth=1, a0=0.5, b0=0.1, c0=0.05):
    m = MLPAutoencoder(x.numel(), k, depth, activation=act, bias=False, seed=0, dtype=torch.float64)
    theory.rank1_init(m, x, a0, b0, c0)
    return m


@pytest.mark.parametrize("act,k", [("sigmoid", 4), ("tanh", 64), ("swish", 16)])
def test_theorem1_2_closed_form_matches_trained_network(act, k):
    x = au.sphere_points(1, 5, 1.0, seed=3, dtype=torch.float64)
    m = _rank1_net(act, x[0], k)
    residuals = []
    for _ in range(4):  # invariants 1 and 2 hold during training, not only at the end
        au.train(m, x, optimizer="gd", lr=2e-3, loss="half_sum", loss_threshold=1e-24, max_epochs=150, progress=False)
        residuals.append(theory.invariant_residuals(m, x[0])["max_abs_residual"])
    tr = au.train(m, x, optimizer="gd", lr=2e-3, loss="half_sum", loss_threshold=1e-20, max_epochs=100_000,
                  progress=False)
    assert tr.converged
    assert max(residuals) < 1e-12
    assert theory.invariant_residuals(m, x[0])["max_abs_residual"] < 1e-12
    sol = theory.theorem1_solution(act, 1.0, k, 0.5, 0.1)
    lam = au.spectral_radius(m, x)[0].item()
    # gradient descent with a small step follows the gradient flow of the theorem to O(lr)
    assert lam == pytest.approx(sol["lambda"], rel=2e-3)
    s = theory.rank1_scalars(m, x[0])
    assert s["a"] == pytest.approx(sol["a"], rel=2e-3)
    assert s["b"] == pytest.approx(sol["b"], rel=2e-3)
    # the Jacobian at the example is rank one with eigenvector x
    ev = au.jacobian_eigenvalues(m, x, method="autograd")[0].abs()
    assert ev[1:].max() < 1e-9


def test_theorem2_eigenvalue_formula_from_trained_weights():
    """Prop. 4 / Thm 2: at the fixed point the eigenvalue is a r phi'(a r) / phi(a r)."""
    x = au.sphere_points(1, 6, 1.5, seed=1, dtype=torch.float64)
    m = _rank1_net("tanh", x[0], 8)
    au.train(m, x, optimizer="gd", lr=5e-3, loss="half_sum", loss_threshold=1e-22, max_epochs=100_000, progress=False)
    s = theory.rank1_scalars(m, x[0])
    lam = theory.rank1_top_eigenvalue("tanh", x[0], s["a"])
    assert au.spectral_radius(m, x)[0].item() == pytest.approx(lam, rel=1e-8)


@pytest.mark.parametrize("depth", [2, 3])
def test_deep_rank1_invariants_and_product_of_elasticities(depth):
    x = au.sphere_points(1, 5, 1.0, seed=0, dtype=torch.float64)
    m = _rank1_net("sigmoid", x[0], 6, depth=depth, a0=0.5, b0=0.2, c0=0.1)
    tr = au.train(m, x, optimizer="gd", lr=5e-3, loss="half_sum", loss_threshold=1e-22, max_epochs=100_000,
                  progress=False)
    assert tr.converged
    assert theory.invariant_residuals(m, x[0])["max_abs_residual"] < 1e-10
    s = theory.rank1_scalars(m, x[0])
    lam = theory.rank1_top_eigenvalue("sigmoid", x[0], s["a"], c=s["c"], k=6)
    assert au.spectral_radius(m, x)[0].item() == pytest.approx(lam, rel=1e-8)
    # sigmoid's elasticity is below 1 for z > 0: each extra layer multiplies by a factor < 1
    assert 0 < lam < theory.elasticity("sigmoid", s["a"])
