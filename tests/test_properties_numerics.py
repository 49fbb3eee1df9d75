"""Properties (issue 28, item 2): on generated small networks (every activation, depth 1-3, width below and above
dim, with and without bias, both parameterisations, float32 and float64),

- ``spectral_radius`` and ``jacobian_eigenvalues`` (the rank shortcut and the autograd route) equal the eigenvalues of
  the Jacobian computed here by plain autograd;
- a batched ensemble computes (forward, spectra, iteration) what its members compute alone;
- the masked (K, n, dim) and the dropping (n, dim) iteration paths agree.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from hypothesis import given, strategies as st
from scipy.optimize import linear_sum_assignment

import attractor_utils as au
from attractor_utils.core.models import ACTIVATIONS, MLPAutoencoder, MLPEnsemble


@st.composite
def networks(draw, max_dim: int = 6, max_width: int = 8) -> dict:
    """The constructor arguments of a small MLP autoencoder (width below, equal to or above dim)."""
    dim = draw(st.integers(1, max_dim))
    width = draw(st.one_of(st.integers(1, max(dim - 1, 1)), st.integers(dim, max_width)))
    parameterization = draw(st.sampled_from(["standard", "ntk"]))
    init = "default" if parameterization == "ntk" else draw(st.sampled_from(["default", "xavier_normal",
                                                                            "normal:1.5"]))
    return dict(dim=dim, width=width, depth=draw(st.integers(1, 3)),
                activation=draw(st.sampled_from(sorted(ACTIVATIONS))), bias=draw(st.booleans()), parameterization=parameterization, init=init,
                seed=draw(st.integers(0, 2**31)), dtype=draw(st.sampled_from([torch.float32, torch.float64])))


@st.composite
def points(draw, dim: int, dtype: torch.dtype, max_n: int = 3) -> torch.Tensor:
    """A few points on a sphere of drawn radius, or the origin (where every pre-activation is a bias or zero)."""
    n = draw(st.integers(1, max_n))
    if draw(st.booleans()) and n == 1:
        return torch.zeros(1, dim, dtype=dtype)
    return au.sphere_points(n, dim, draw(st.sampled_from([0.1, 1.0, 3.0])), seed=draw(st.integers(0, 999)),
                            dtype=dtype)


def autograd_jacobians(model: torch.nn.Module, X: torch.Tensor) -> np.ndarray:
    """(n, dim, dim) Jacobians of a float64 copy of ``model`` at the rows of ``X``, by torch.autograd."""
    m = copy.deepcopy(model).double()
    return np.stack([torch.autograd.functional.jacobian(lambda v: m(v[None])[0], x).numpy()
                     for x in X.detach().double()])


def assert_same_eigenvalues(got: np.ndarray, want: np.ndarray, tol: float) -> None:
    """``got`` (m,) are eigenvalues among ``want`` (d >= m,) and the d - m others are zero: matched as multisets
    (order-free, so that ties in modulus may come in any order)."""
    g = np.concatenate([got, np.zeros(len(want) - len(got))])
    cost = np.abs(g[:, None] - want[None, :])
    r, c = linear_sum_assignment(cost)
    assert cost[r, c].max() <= tol, f"{np.sort_complex(got)} vs {np.sort_complex(want)}"


def _tol(J: np.ndarray) -> float:
    return 1e-7 * max(1.0, float(np.abs(J).sum(axis=-1).max()))


@given(net=networks(), data=st.data())
def test_spectra_equal_the_eigenvalues_of_the_autograd_jacobian(net, data):
    m = MLPAutoencoder(**net)
    X = data.draw(points(net["dim"], net["dtype"]))
    J = autograd_jacobians(m, X)
    ref = [np.linalg.eigvals(j) for j in J]
    for method in ("shortcut", "autograd"):
        ev = au.jacobian_eigenvalues(m, X, method=method).numpy()
        assert ev.shape == (len(X), min(net["dim"], net["width"]) if method == "shortcut" else net["dim"])
        rho = au.spectral_radius(m, X, method=method).numpy()
        for i, (e, r, j) in enumerate(zip(ev, ref, J)):
            assert_same_eigenvalues(e, r, _tol(j))
            assert abs(rho[i] - np.abs(r).max()) <= _tol(j)
            assert np.all(np.diff(np.abs(e)) <= 1e-12 * max(1.0, np.abs(e).max()))  # sorted by modulus


@given(net=networks(), K=st.integers(1, 3), shared=st.booleans(), data=st.data())
def test_a_batched_ensemble_computes_what_its_members_compute(net, K, shared, data):
    seed = net.pop("seed")
    ens = MLPEnsemble.from_seeds([seed + k for k in range(K)], **net)
    X = data.draw(points(net["dim"], net["dtype"]))
    Xs = X if shared else torch.stack([X * (1 + 0.1 * k) for k in range(K)])
    out = ens(Xs)
    rho = au.spectral_radius(ens, Xs, method="shortcut")
    for k, m in enumerate(ens.members()):
        xk = X if shared else Xs[k]
        want = m(xk)
        rtol = 1e-5 if net["dtype"] == torch.float32 else 1e-12
        torch.testing.assert_close(out[k], want, rtol=rtol, atol=rtol)
        torch.testing.assert_close(rho[k], au.spectral_radius(m, xk, method="shortcut"), rtol=1e-9, atol=1e-12)


def _same_iteration(a, b, k: int | None = None) -> None:
    sel = (lambda v: v) if k is None else (lambda v: v[k])
    np.testing.assert_array_equal(sel(b.converged), a.converged)
    np.testing.assert_array_equal(sel(b.diverged), a.diverged)
    np.testing.assert_array_equal(sel(b.steps), a.steps)
    np.testing.assert_allclose(sel(b.last_step), a.last_step, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(sel(b.x), a.x, rtol=1e-9, atol=1e-12, equal_nan=True)


@given(net=networks(max_dim=4, max_width=6), max_steps=st.integers(0, 60),
       tol=st.sampled_from([1e-8, 1e-5, 1e-2]), chunk=st.one_of(st.none(), st.integers(1, 3)), data=st.data())
def test_masked_and_dropping_iteration_paths_agree(net, max_steps, tol, chunk, data):
    """float64 maps: the dropping path computes f on fewer rows and may round otherwise in float32 (a point whose step
    lands within rounding of tol then stops one step apart, see test_dynamics.py)."""
    net["dtype"] = torch.float64
    m = MLPAutoencoder(**net)
    X = data.draw(points(net["dim"], torch.float64, max_n=5))
    drop = au.iterate(m, X, max_steps=max_steps, tol=tol, chunk_size=chunk)
    masked = au.iterate(m, X[None], max_steps=max_steps, tol=tol)
    _same_iteration(drop, masked, 0)


@given(net=networks(max_dim=4, max_width=6), K=st.integers(2, 3), max_steps=st.integers(1, 60), data=st.data())
def test_an_ensemble_iterates_as_its_members_do_alone(net, K, max_steps, data):
    net["dtype"] = torch.float64
    seed = net.pop("seed")
    ens = MLPEnsemble.from_seeds([seed + k for k in range(K)], **net)
    X = data.draw(points(net["dim"], torch.float64, max_n=4))
    both = au.iterate(ens, X.expand(K, *X.shape).clone(), max_steps=max_steps, tol=1e-6)
    for k, m in enumerate(ens.members()):
        _same_iteration(au.iterate(m, X, max_steps=max_steps, tol=1e-6), both, k)
