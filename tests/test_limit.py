"""The infinite-width kernels and limit: closed forms, finite differences, finite networks, the linear-region lemma."""
import math

import pytest
import torch

from attractor_utils.core.kernels import gauss_moments, kernel_jets, nngp, ntk
from attractor_utils.core.limit import initial_values, limit_jacobians, limit_model
from attractor_utils.core.models import MLPAutoencoder, MLPEnsemble
from attractor_utils.core.training import train
from attractor_utils.data.points import sphere_points

D64 = torch.float64


def _points(n, dim, radii, seed=0):
    X = sphere_points(n, dim, 1.0, seed=seed, dtype=D64)
    return X * torch.as_tensor(radii, dtype=D64)[:, None]


def _erf_closed_form(X, depth, bias):
    """The arcsine kernel recursion (Williams 1997) for K and Theta of the erf network."""
    beta = 1.0 if bias else 0.0
    K = X @ X.T / X.shape[1]
    T = K + beta
    for _ in range(depth):
        d = torch.diagonal(K)
        s = torch.sqrt(torch.outer(1 + 2 * d, 1 + 2 * d))
        Kn = 2 / math.pi * torch.arcsin(torch.clamp(2 * K / s, -1, 1))
        dot = 4 / math.pi / torch.sqrt(s ** 2 - 4 * K ** 2)
        T = Kn + beta + T * dot
        K = Kn
    return K, T


@pytest.mark.parametrize("depth,bias", [(1, False), (2, True), (3, False)])
def test_erf_kernels_match_the_arcsine_closed_form(depth, bias):
    X = _points(5, 32, [5, 12, 25, 40, 50])      # first-layer variances up to 78: the notebooks' largest radius
    K, T = _erf_closed_form(X, depth, bias)
    assert torch.allclose(nngp(X, "erf", depth, bias), K, rtol=0, atol=1e-10)
    assert torch.allclose(ntk(X, "erf", depth, bias), T, rtol=0, atol=1e-10)


def test_relu_moments_are_the_arc_cosine_kernel_and_one_layer_is_exact():
    x = torch.tensor([[3.0, 4.0]], dtype=D64)
    # one point with itself: E[relu(u)^2] = a / 2, E[relu'(u)^2] = 1 / 2
    m = gauss_moments("relu", torch.tensor([2.0], dtype=D64), torch.tensor([2.0], dtype=D64),
                      torch.tensor([2.0], dtype=D64), order=1)
    assert torch.allclose(m[0], torch.tensor([[1.0, m[0, 0, 1]], [m[0, 1, 0], 0.5]], dtype=D64), equal_nan=True)
    assert float(nngp(x, "relu")[0, 0]) == pytest.approx(25 / 2 / 2)
    with pytest.raises(ValueError, match="relu"):
        kernel_jets(x, "relu")


def _empirical_ntk(X, width, depth, act, bias, seed):
    m = MLPAutoencoder(X.shape[1], width, depth, activation=act, bias=bias, parameterization="ntk", seed=seed,
                       dtype=D64)
    rows = []
    for x in X:
        g = torch.autograd.grad(m(x[None])[0, 0], list(m.parameters()))
        rows.append(torch.cat([t.reshape(-1) for t in g]))
    G = torch.stack(rows)
    return G @ G.T


@pytest.mark.parametrize("act,depth,bias,widths", [("sigmoid", 1, False, (1000, 10000, 100000)),
                                                    ("relu", 2, True, (100, 400, 1600))])
def test_empirical_ntk_of_random_networks_approaches_the_kernel(act, depth, bias, widths):
    X = _points(3, 4, [1.0, 2.0, 3.0])
    T = ntk(X, act, depth, bias)
    err = [sum(float((_empirical_ntk(X, w, depth, act, bias, s) - T).abs().max()) for s in range(3)) / 3
           for w in widths]
    assert err[1] < err[0] and err[2] < err[1]
    slope = math.log(err[-1] / err[0]) / math.log(widths[-1] / widths[0])
    assert -0.8 < slope < -0.3, slope    # the fluctuations of a finite network's kernel: 1/sqrt(width)


@pytest.mark.parametrize("act,depth,bias", [("sigmoid", 1, False), ("tanh", 2, True), ("erf", 3, False)])
def test_input_derivatives_match_finite_differences(act, depth, bias):
    X = _points(3, 5, [1.0, 2.5, 4.0])
    kj = kernel_jets(X, act, depth, bias)

    def k(x, y, which="K"):
        return kernel_jets(torch.stack([x, y]), act, depth, bias, derivatives=False).matrix(which)[0, 1]

    x, y, d, eps = X[0], X[1], X.shape[1], 1e-5
    E = torch.eye(d, dtype=D64)
    for which in ("K", "Theta"):
        an = 2 * kj.matrix(which, "grad", (0,))[0, 1] * x + kj.matrix(which, "grad", (2,))[0, 1] * y
        fd = torch.stack([(k(x + eps * E[a], y, which) - k(x - eps * E[a], y, which)) / (2 * eps) for a in range(d)])
        assert torch.allclose(an, fd, atol=1e-9)
    for m, p in [(0, 1), (2, 2)]:               # d^2 K(x, x') / dx dx', also at equal points
        xm, xp = X[m], X[p]
        H = {ix: kj.matrix("K", "hess", ix)[m, p] for ix in ((0, 1), (0, 2), (1, 2), (2, 2))}
        an = (kj.matrix("K", "grad", (2,))[m, p] * E + 4 * H[0, 1] * torch.outer(xm, xp)
              + 2 * H[0, 2] * torch.outer(xm, xm) + 2 * H[1, 2] * torch.outer(xp, xp) + H[2, 2] * torch.outer(xp, xm))
        e = 1e-4
        fd = torch.stack([torch.stack([(k(xm + e * E[a], xp + e * E[b]) - k(xm + e * E[a], xp - e * E[b])
                                        - k(xm - e * E[a], xp + e * E[b]) + k(xm - e * E[a], xp - e * E[b]))
                                       / (4 * e * e) for b in range(d)]) for a in range(d)])
        assert torch.allclose(an, fd, atol=1e-7)


def test_initial_values_have_the_covariance_of_wide_random_networks():
    X = _points(2, 3, [1.5, 2.5])
    lm = limit_model(X, "tanh", depth=1, bias=True)
    ens = MLPEnsemble.from_seeds(range(4000), dim=3, width=1000, depth=1, activation="tanh", bias=True,
                                 parameterization="ntk", dtype=D64)
    xs = X.expand(4000, 2, 3).clone().requires_grad_(True)
    out = ens(xs)                                                          # (K, n, d)
    samples = []
    for kk in range(3):                                                    # each output coordinate is one sample
        g = torch.autograd.grad(out[..., kk].sum(), xs, retain_graph=True)[0]   # (K, n, d)
        samples.append(torch.cat([out[..., kk].detach(), g.reshape(4000, -1)], 1))
    S = torch.cat(samples)                                                 # (3K, n + n d)
    emp = S.T @ S / len(S)
    rel = float((emp - lm.cov).norm() / lm.cov.norm())
    assert rel < 0.05, rel                   # sampling error of 12,000 samples, plus O(1/width)


def test_linear_network_limit_has_exactly_n_eigenvalues_at_one():
    X = sphere_points(5, 10, 2.0, seed=3, dtype=D64)
    lm = limit_model(X, "linear")
    F0, J0 = initial_values(lm, 8, seed=1)
    J = limit_jacobians(lm, F0, J0)
    assert torch.allclose(J[:, 0], J[:, 3], atol=1e-12)                    # one linear map: the same J everywhere
    ev = torch.linalg.eigvals(J).abs()
    assert bool((((ev - 1).abs() < 1e-9).sum(-1) == 5).all())


@pytest.mark.parametrize("n", [2, 5, 8])
def test_lemma4_in_the_limit_n_minus_one_eigenvalues_tend_to_one(n):
    # sigmoid near 0 is affine: the limit interpolates with an affine map, so the n - 1 differences of the
    # training points are eigenvectors with eigenvalue 1, up to O(r^2)
    gaps = []
    for r in (0.1, 0.02):
        X = sphere_points(n, 10, r, seed=0, dtype=D64)
        lm = limit_model(X, "sigmoid")
        F0, J0 = initial_values(lm, 4, seed=0)
        d = (torch.linalg.eigvals(limit_jacobians(lm, F0, J0)).abs() - 1).abs().sort(-1).values
        gaps.append((float(d[..., : n - 1].max()), float(d[..., n - 1:].min())))
    (near_a, far_a), (near_b, far_b) = gaps
    assert near_b < near_a / 10 and near_b < 1e-3     # the n - 1 tend to 1 like r^2
    assert far_b > 0.05                               # the others stay away


def test_draws_are_seeded_and_shaped():
    X = sphere_points(3, 4, 2.0, seed=0, dtype=D64)
    lm = limit_model(X, "sigmoid")
    a, b = initial_values(lm, 3, seed=7), initial_values(lm, 3, seed=7)
    assert a[0].shape == (3, 3, 4) and a[1].shape == (3, 3, 4, 4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    with pytest.raises(ValueError, match="activation"):
        limit_model(X, "softplus")


def test_trained_networks_approach_the_limit_started_from_their_own_initialisation():
    X = sphere_points(3, 4, 3.0, seed=0, dtype=D64)
    lm = limit_model(X, "sigmoid")
    dist = []
    for width in (100, 1000, 10000):
        net = MLPAutoencoder(4, width, 1, activation="sigmoid", bias=False, parameterization="ntk", seed=0, dtype=D64)
        with torch.no_grad():
            F0 = net(X)
        J0 = torch.func.vmap(torch.func.jacrev(lambda v: net(v[None])[0]))(X)
        tr = train(net, X, optimizer="flow", loss="half_sum", loss_threshold=1e-10, max_epochs=20000)
        assert tr.converged
        with torch.no_grad():
            J = torch.func.vmap(torch.func.jacrev(lambda v: net(v[None])[0]))(X)
        dist.append(float((J - limit_jacobians(lm, F0[None], J0[None].detach())[0]).abs().max()))
    assert dist[1] < dist[0] and dist[2] < dist[1] and dist[2] < dist[0] / 5


def _erf_kernel(x, y, depth=2):
    """The erf network's NNGP kernel of two points by the arcsine recursion, differentiable by autograd."""
    d = x.shape[0]
    a, b, c = x @ x / d, y @ y / d, x @ y / d
    for _ in range(depth):
        a, b, c = (2 / math.pi * torch.arcsin(2 * a / (1 + 2 * a)), 2 / math.pi * torch.arcsin(2 * b / (1 + 2 * b)),
                   2 / math.pi * torch.arcsin(2 * c / torch.sqrt((1 + 2 * a) * (1 + 2 * b))))
    return c


def test_initial_values_covariance_is_the_closed_forms_derivatives_at_large_variance():
    # first-layer variances up to 78 (the notebooks' r = 50 in dim 32), depth 2, every block of the covariance
    X = _points(3, 8, [5.0, 15.0, 25.0])
    lm = limit_model(X, "erf", depth=2)
    n, d = X.shape
    f = lambda x, y: _erf_kernel(x, y)  # noqa: E731
    for i in range(n):
        for m in range(n):
            assert float(lm.cov[i, m]) == pytest.approx(float(f(X[i], X[m])), abs=1e-10)
            g = torch.func.grad(f, argnums=1)(X[i], X[m])                     # Cov(f(x_i), d f(x_m))
            assert torch.allclose(lm.cov[i, n + m * d: n + (m + 1) * d], g, atol=1e-10)
            H = torch.func.jacfwd(torch.func.grad(f, argnums=0), argnums=1)(X[i], X[m])   # Cov(d f(x_i), d f(x_m))
            block = lm.cov[n + i * d: n + (i + 1) * d, n + m * d: n + (m + 1) * d]
            assert torch.allclose(block, H, atol=1e-10), float((block - H).abs().max())


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="origin"):
        kernel_jets(torch.zeros(2, 3, dtype=D64), "sigmoid")
    with pytest.raises(ValueError, match="order"):
        gauss_moments("sigmoid", torch.ones(1), torch.ones(1), torch.zeros(1), order=4)
    kj = kernel_jets(torch.eye(2, dtype=D64), "sigmoid", derivatives=False)
    with pytest.raises(ValueError, match="no grad"):
        kj.matrix("K", "grad", (0,))
    lm = limit_model(torch.eye(2, dtype=D64), "sigmoid")
    with pytest.raises(ValueError, match="F0"):
        limit_jacobians(lm, torch.zeros(1, 3, 2, dtype=D64), torch.zeros(1, 3, 2, 2, dtype=D64))


def test_small_variances_stay_accurate():
    # inputs near the origin: every rule must agree with the linearisation of the activation
    X = _points(3, 4, [1e-3, 2e-3, 3e-3])
    for act in ("sigmoid", "tanh", "erf"):
        kj = kernel_jets(X, act, depth=1)
        assert bool(torch.isfinite(kj.matrix("K", "hess", (2, 2))).all())
    # sigmoid at variance a -> 0: E[phi'(u) phi'(v)] -> 1/16, E[phi''' phi'''] -> phi'''(0)^2 = 1/64
    a = torch.full((2,), 1e-8, dtype=D64)
    m = gauss_moments("sigmoid", a, a, torch.tensor([1e-8, 0.3e-8], dtype=D64), order=3)
    assert torch.allclose(m[:, 1, 1], torch.full((2,), 1 / 16, dtype=D64), atol=1e-8)
    assert torch.allclose(m[:, 3, 3], torch.full((2,), 1 / 64, dtype=D64), atol=1e-6)
