"""The iterative route of the spectral radius (batched Arnoldi, issue 24) against full decompositions.

Constructed linear nets with known spectra (complex dominant pair, negative dominant eigenvalue, equal moduli,
radius 1 +- 1e-9, rank-deficient and zero Jacobians), random nets of several shapes and ensembles, trained nets,
and equal verdicts on the smoke-preset configurations of notebooks 06, 09, 11 and 12.
"""
from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils.core import arnoldi, attractors
from attractor_utils.core import spectra as S
from attractor_utils.core.models import MLPAutoencoder

ROOT = Path(__file__).resolve().parents[1]
RTOL = 1e-9  # an accepted Arnoldi radius against the full decomposition's (acceptance: residual 1e-10 |theta|)


# ---------------------------------------------------------------- constructed spectra
def with_spectrum(top: list[complex], m: int, bulk: float, seed: int = 0, normal: bool = False) -> torch.Tensor:
    """A real m x m matrix with the eigenvalues ``top`` (complex ones with their conjugates) and the rest drawn
    uniformly in the disk of radius ``bulk``: block diagonal, then similar by ``I + G / (4 sqrt(m))`` with a
    Gaussian ``G`` (non-normal, condition number about 3, so that the full decomposition itself is accurate to
    ~1e-13) or by a random orthogonal matrix (``normal``)."""
    g = torch.Generator().manual_seed(seed)
    f64 = dict(dtype=torch.float64)
    blocks = []
    for e in top:
        e = complex(e)
        blocks.append(torch.tensor([[e.real, e.imag], [-e.imag, e.real]], **f64) if e.imag
                      else torch.tensor([[e.real]], **f64))
    size = sum(len(b) for b in blocks)
    while size < m:
        if m - size >= 2:
            r, a = bulk * math.sqrt(torch.rand(1, generator=g).item()), 2 * math.pi * torch.rand(1, generator=g).item()
            blocks.append(torch.tensor([[r * math.cos(a), r * math.sin(a)], [-r * math.sin(a), r * math.cos(a)]], **f64))
        else:
            blocks.append(torch.tensor([[bulk * (2 * torch.rand(1, generator=g).item() - 1)]], **f64))
        size += len(blocks[-1])
    T = torch.block_diag(*blocks)
    G = torch.randn(m, m, generator=g, dtype=torch.float64)
    if normal:
        Q, _ = torch.linalg.qr(G)
        return Q @ T @ Q.T
    P = torch.eye(m, dtype=torch.float64) + G / (4 * math.sqrt(m))
    return P @ T @ torch.linalg.inv(P)


def linear_net(A: torch.Tensor, reduced: bool = False) -> MLPAutoencoder:
    """A bias-free linear autoencoder whose rank-shortcut matrix is ``A`` (m x m): dim = width = m, J = A; or
    (``reduced``) dim = m + 7 > width = m with W_in W_out = A."""
    m = A.shape[0]
    d = m + 7 if reduced else m
    net = MLPAutoencoder(d, m, 1, activation="linear", bias=False, dtype=torch.float64)
    with torch.no_grad():
        net.weights[0].copy_(torch.eye(m, d, dtype=torch.float64))
        net.weights[1].copy_(torch.cat([A, torch.zeros(d - m, m, dtype=torch.float64)]))
    return net


def _points(n: int, d: int, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _both(net, x, **kw):
    rep = au.spectral_radius(net, x, method="iterative", return_report=True, **kw)
    return rep, au.spectral_radius(net, x, method="dense")


def same_values(a: torch.Tensor, b: torch.Tensor, atol: float) -> None:
    """Rows of complex ``a`` and ``b`` (n, k) hold the same values to ``atol``, in any order: eigenvalues whose
    moduli agree to ~1e-12 (ties) may come in either order from two computations."""
    for ra, rb in zip(a, b):
        pa, pb = torch.view_as_real(ra), torch.view_as_real(rb)
        dist = torch.cdist(pa, pb)
        assert dist.min(1).values.max() <= atol and dist.min(0).values.max() <= atol, (ra, rb)
        assert len(set(dist.argmin(1).tolist())) == len(ra), (ra, rb)  # a one-to-one matching


CASES = {  # name: (top eigenvalues, bulk radius, normal?, eigenvalues of the top modulus with conjugates)
    "complex dominant pair": ([0.9 * complex(math.cos(1.0), math.sin(1.0))], 0.5, False, 2),
    "negative dominant": ([-1.3, 0.7], 0.6, False, 1),
    "equal moduli +-": ([0.8, -0.8], 0.5, False, 2),
    "equal moduli real and complex": ([0.8, 0.8j], 0.5, True, 3),
    "complex pairs on one circle": ([0.95j, 0.95 * complex(0.6, 0.8)], 0.4, False, 4),
}


@pytest.mark.parametrize("reduced", [False, True])
@pytest.mark.parametrize("case", list(CASES))
def test_constructed_spectra(case, reduced):
    top, bulk, normal, k = CASES[case]
    A = with_spectrum(top, 160, bulk, seed=3, normal=normal)
    net = linear_net(A, reduced)
    x = _points(3, net.dim)
    rep, dense = _both(net, x)
    want = max(abs(complex(e)) for e in top)
    torch.testing.assert_close(dense, torch.full((3,), want, dtype=torch.float64), rtol=1e-10, atol=0)
    assert rep.iterative.all(), rep  # a clear gap: Arnoldi is certain, and well inside its budget
    assert (rep.krylov_dim < 160).all()
    torch.testing.assert_close(rep.values, dense, rtol=RTOL, atol=0)
    # the top eigenvalues themselves (the whole group of the top modulus), sorted by modulus
    te = S.top_eigenvalues(net, x, k + 1, method="iterative")
    full = au.jacobian_eigenvalues(net, x)[:, : k + 1]
    torch.testing.assert_close(te.abs(), full.abs(), rtol=0, atol=1e-9)
    same_values(te[:, :k], full[:, :k], atol=1e-9)
    torch.testing.assert_close(te[:, k], full[:, k], rtol=0, atol=1e-9)  # the next one, alone on its circle


@pytest.mark.parametrize("radius", [1 - 1e-9, 1 + 1e-9, 1 - 1.5e-3, 1 + 1.5e-3])
def test_radius_at_the_threshold_falls_back_to_the_full_decomposition(radius):
    A = with_spectrum([radius, 0.3 + 0.2j], 120, 0.5, seed=5)
    net = linear_net(A)
    x = _points(4, net.dim)
    rep, dense = _both(net, x)
    assert not rep.iterative.any() and rep.fallback["near a threshold"] == 4
    torch.testing.assert_close(rep.values, dense, rtol=0, atol=1e-15)  # the full route's own numbers
    assert ((rep.values < 1) == (radius < 1)).all()
    # without thresholds the Arnoldi value is kept, and it is close but not the same computation
    free = au.spectral_radius(net, x, method="iterative", exact_near=(), return_report=True)
    assert free.iterative.all()
    torch.testing.assert_close(free.values, dense, rtol=RTOL, atol=0)


@pytest.mark.parametrize("thr,tol", [(1.0, 1e-9), (0.9, 0.05)])
def test_classify_attractors_verdicts_equal_at_the_thresholds(thr, tol):
    """Radii at every value where a verdict flips (eig_threshold - eig_tol, eig_threshold +- BORDERLINE_RADIUS, 1),
    +- 1e-9, and clear of them: classify_attractors gives the full route's table, and falls back where it must."""
    br = attractors.BORDERLINE_RADIUS
    flips = (thr - tol, thr - br, thr + br, 1.0)
    for radius in [f + s for f in flips for s in (-1e-9, 1e-9)] + [0.5, thr - tol - 0.01]:
        net = linear_net(with_spectrum([radius], 100, 0.4, seed=2))
        X = torch.zeros(2, 100, dtype=torch.float64)  # the origin is a fixed point of every linear map
        kw = dict(max_steps=20, eig_threshold=thr, eig_tol=tol)
        it = au.classify_attractors(net, X, method="iterative", **kw)
        de = au.classify_attractors(net, X, method="dense", **kw)
        assert it.drop(columns="spectral_radius").equals(de.drop(columns="spectral_radius")), radius
        np.testing.assert_allclose(it.spectral_radius, de.spectral_radius, rtol=RTOL, atol=0)
        if any(abs(radius - f) < 2e-9 for f in flips):
            assert (it.spectral_radius == de.spectral_radius).all(), radius  # the full route's own numbers


@pytest.mark.parametrize("normal", [True, False])
def test_an_arc_of_larger_eigenvalues_beside_an_isolated_one(normal):
    """An isolated eigenvalue 1 and 31 eigenvalues on an arc of radius 1.05 around -1: the answer is the arc's."""
    arc = [1.05 * complex(math.cos(math.pi - t), math.sin(math.pi - t)) for t in np.linspace(0.04, 0.6, 15)]
    A = with_spectrum([1.0, -1.05, *arc], 200, 0.5, seed=6, normal=normal)
    net = linear_net(A)
    x = _points(3, net.dim)
    rep, dense = _both(net, x)
    torch.testing.assert_close(dense, torch.full((3,), 1.05, dtype=torch.float64), rtol=1e-10, atol=0)
    torch.testing.assert_close(rep.values, dense, rtol=RTOL, atol=0)


def _factorisation(second: float, beta: float, top_last: bool = False) -> torch.Tensor:
    """A hand-made Arnoldi matrix H (1, 4, 3), upper Hessenberg, with Ritz values 1, ``second`` and 0.1 and last
    subdiagonal entry ``beta``. The residual |beta e_3^T y| is ``beta`` for the value 1 and 0 for ``second`` when
    ``top_last``; else 0 for 1 and ``beta * 0.3 / sqrt((second - 0.1)^2 + 0.09)`` for ``second``."""
    H = torch.zeros(1, 4, 3, dtype=torch.float64)
    if top_last:
        H[0, :3, :3] = torch.tensor([[second, 0.0, 0.0], [0.3, 0.1, 0.0], [0.0, 0.0, 1.0]])
    else:
        H[0, :3, :3] = torch.tensor([[1.0, 0.0, 0.0], [0.0, second, 0.0], [0.0, 0.3, 0.1]])
    H[0, 3, 2] = beta
    return H


def test_the_acceptance_rule_on_hand_made_factorisations():
    """spectral_radius's rule on Arnoldi matrices whose Ritz pairs are known: the top pair must have converged
    (residual <= ARNOLDI_RTOL, rule 1), and so must every Ritz value whose modulus plus residual reaches within
    ARNOLDI_GAP of the top (rule 2), however far below the top its modulus is."""
    def ok(H):
        theta, accepted, res = arnoldi._ritz_check(H, torch.ones(1, dtype=torch.float64), 1, S.ARNOLDI_RTOL,
                                                   S.ARNOLDI_GAP)
        assert theta[0, 0] == pytest.approx(1.0)
        return bool(accepted[0])

    assert ok(_factorisation(0.5, 1e-12, top_last=True))  # top residual 1e-12: converged
    assert not ok(_factorisation(0.5, 1e-9, top_last=True))  # top residual 1e-9: not yet (rule 1)
    assert ok(_factorisation(0.5, 1e-3))  # top converged, 0.5 (+ residual 6e-4) far below the band
    assert not ok(_factorisation(0.5, 2.0))  # 0.5 + its residual 1.2 reaches the band (rule 2, the residual counts)
    assert not ok(_factorisation(0.95, 1e-3))  # 0.95 in the band with residual 3e-4 (rule 2, the gap counts)
    assert not ok(_factorisation(0.85, 0.3))  # 0.85 + residual 0.11 = 0.96: in the band
    assert ok(_factorisation(0.85, 1e-12))  # in the band but converged: a certain answer


def test_not_converged_within_the_budget_falls_back():
    """A top eigenvalue barely above a crowded edge (0.999 vs a bulk of radius 0.998): no certain answer within the
    Krylov budget, so the full decomposition decides (and its answer is the exact one)."""
    A = with_spectrum([0.999], 200, 0.998, seed=4, normal=True)
    net = linear_net(A)
    x = _points(3, net.dim)
    rep, dense = _both(net, x)
    assert rep.fallback["not certain"] == 3 and not rep.iterative.any()
    torch.testing.assert_close(rep.values, dense, rtol=0, atol=0)
    assert abs(float(dense[0]) - 0.999) < 1e-10


@pytest.mark.parametrize("reduced", [False, True])
def test_rank_deficient_jacobian_is_exact_after_breakdown(reduced):
    """Rank 3: the Krylov space becomes invariant after 4 steps and its Ritz values are exact eigenvalues."""
    g = torch.Generator().manual_seed(0)
    U, Vt = torch.randn(90, 3, generator=g, dtype=torch.float64), torch.randn(3, 90, generator=g, dtype=torch.float64)
    net = linear_net(U @ torch.diag(torch.tensor([0.7, -0.4, 0.1], dtype=torch.float64)) @ Vt / 10, reduced)
    x = _points(5, net.dim)
    rep, dense = _both(net, x)
    assert rep.iterative.all() and (rep.krylov_dim == rep.krylov_dim.min()).all()
    torch.testing.assert_close(rep.values, dense, rtol=RTOL, atol=1e-15)


def test_zero_jacobian_dead_relu():
    """Every ReLU unit off (large negative bias): J = 0, the radius is exactly 0 by both routes."""
    net = MLPAutoencoder(300, 150, 2, activation="relu", seed=0, dtype=torch.float64)
    with torch.no_grad():
        net.biases[0].fill_(-1e3)
    x = torch.rand(4, 300, dtype=torch.float64)
    rep, dense = _both(net, x)
    assert rep.iterative.all() and (rep.values == 0).all() and (dense == 0).all()


# ---------------------------------------------------------------- random and trained nets
SHAPES = [  # dim, width, depth, activation, bias: width below and above dim, depth 1-4
    (200, 100, 1, "relu", True), (200, 150, 4, "relu", False), (150, 250, 2, "tanh", True),
    (120, 180, 3, "sigmoid", False), (300, 120, 2, "sigmoid", True), (100, 100, 4, "tanh", False),
]


@pytest.mark.parametrize("dim,width,depth,act,bias", SHAPES)
def test_random_nets_match_the_full_decomposition(dim, width, depth, act, bias):
    net = MLPAutoencoder(dim, width, depth, activation=act, bias=bias, seed=11)
    x = torch.rand(6, dim, generator=torch.Generator().manual_seed(2))
    rep, dense = _both(net, x)
    assert rep.values.dtype == torch.float64 and rep.values.shape == (6,)
    torch.testing.assert_close(rep.values, dense, rtol=RTOL, atol=0)
    te = S.top_eigenvalues(net, x, 3, method="iterative")
    assert te.dtype == torch.complex128
    torch.testing.assert_close(te.abs(), au.jacobian_eigenvalues(net, x)[:, :3].abs(), rtol=1e-8, atol=1e-14)


def test_ensembles_shared_and_own_points():
    ens = au.MLPEnsemble.from_seeds([0, 1, 2], dim=160, width=90, depth=2, activation="tanh")
    for x in (torch.randn(5, 160), torch.randn(3, 5, 160)):
        rep, dense = _both(ens, x)
        assert rep.values.shape == rep.iterative.shape == (3, 5)
        torch.testing.assert_close(rep.values, dense, rtol=RTOL, atol=0)
        for k in range(3):
            xk = x[k] if x.dim() == 3 else x
            torch.testing.assert_close(rep.values[k], au.spectral_radius(ens.member(k), xk, method="dense"),
                                       rtol=RTOL, atol=0)
        assert S.top_eigenvalues(ens, x, 2, method="iterative").shape == (3, 5, 2)
    with pytest.raises(ValueError, match=r"expected \(n, 160\) or \(3, n, 160\)"):
        au.spectral_radius(ens, torch.randn(2, 5, 160), method="iterative")


@pytest.mark.parametrize("width,depth", [(96, 2), (200, 3)])
def test_trained_nets(width, depth):
    X = au.mnist(12, seed=0).X
    net = MLPAutoencoder(784, width, depth, activation="relu", seed=0)
    au.train(net, X, optimizer="adam", lr=1e-3, max_epochs=150, progress=False)
    rep, dense = _both(net, X)
    torch.testing.assert_close(rep.values, dense, rtol=RTOL, atol=0)
    assert rep.iterative.any()


def test_generic_map_by_jvp_products():
    """Any map: Arnoldi on Jacobian-vector products (forward-mode autodiff) against the autograd Jacobians."""
    W = torch.randn(80, 80, generator=torch.Generator().manual_seed(0)) / 8

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.W = torch.nn.Parameter(W.clone())

        def forward(self, x):
            return torch.tanh(x @ self.W.T) + 0.5 * torch.sin(x)

    f, x = Net(), torch.randn(4, 80)
    rep = au.spectral_radius(f, x, method="iterative", return_report=True)
    torch.testing.assert_close(rep.values, au.spectral_radius(f, x, method="autograd"), rtol=RTOL, atol=0)
    assert rep.route == "iterative" and f.W.dtype == torch.float32  # the module is handed back in its dtype
    assert au.spectral_radius(f, x, return_report=True).route == "autograd"  # auto keeps generic maps exact


# ---------------------------------------------------------------- the API
def test_routes_auto_dense_and_errors():
    small = MLPAutoencoder(50, S.ITERATIVE_MIN_SIZE - 1, 1)
    big = MLPAutoencoder(S.ITERATIVE_MIN_SIZE + 10, S.ITERATIVE_MIN_SIZE, 1)
    assert au.spectral_radius(small, torch.rand(2, 50), return_report=True).route == "shortcut"
    assert au.spectral_radius(big, torch.rand(2, big.dim), return_report=True).route == "iterative"
    assert au.spectral_radius(big, torch.rand(2, big.dim), method="dense", return_report=True).route == "shortcut"
    with pytest.raises(ValueError, match=r"method='power'; accepted values: \['auto', 'dense', 'iterative'"):
        au.spectral_radius(small, torch.rand(2, 50), method="power")
    with pytest.raises(ValueError, match="method='eig'"):
        au.classify_attractors(small, torch.rand(2, 50), method="eig")
    with pytest.raises(ValueError, match="k=0"):
        S.top_eigenvalues(small, torch.rand(2, 50), 0)
    with pytest.raises(ValueError, match="exact_margin"):
        au.spectral_radius(small, torch.rand(2, 50), exact_margin=-1.0)
    with pytest.raises(ValueError, match="shortcut"):
        au.spectral_radius(lambda v: v, torch.rand(2, 5), method="shortcut")
    # one point of shape (dim,): a 0-d radius, as the full route gives
    x = torch.rand(big.dim)
    r = au.spectral_radius(big, x, method="iterative")
    assert r.shape == () and torch.allclose(r, au.spectral_radius(big, x, method="dense"), rtol=RTOL, atol=0)


def test_same_seed_same_numbers():
    net = MLPAutoencoder(400, 200, 3, activation="relu", seed=1)
    x = torch.rand(7, 400)
    a, b = (au.spectral_radius(net, x, method="iterative", seed=5, return_report=True) for _ in range(2))
    assert torch.equal(a.values, b.values) and torch.equal(a.krylov_dim, b.krylov_dim)
    c = au.spectral_radius(net, x, method="iterative", seed=6)
    torch.testing.assert_close(c, a.values, rtol=RTOL, atol=0)


def test_margin_constants_agree():
    """spectral_radius's default margin is classify_attractors's rule around 1."""
    assert S.EXACT_MARGIN == pytest.approx(attractors.BORDERLINE_RADIUS + attractors.EXACT_SAFETY)


# ---------------------------------------------------------------- the notebooks' smoke configurations
def _notebook_settings(stem: str) -> tuple[dict, dict]:
    """(literal parameters of the ``parameters`` cell, the smoke preset's table) of notebooks/<stem>.ipynb."""
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    params = {}
    for node in ast.parse(code[0]).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            params[node.targets[0].id] = ast.literal_eval(node.value)
    call = next(n for n in ast.walk(ast.parse(code[1])) if isinstance(n, ast.Call)
                and getattr(n.func, "attr", None) == "setup_notebook")
    table = call.args[1]
    smoke = next(v for k, v in zip(table.keys, table.values) if ast.literal_eval(k) == "smoke")
    return params, ast.literal_eval(smoke)


def _smoke_configs() -> list[tuple[str, dict, dict]]:
    """(notebook, run configuration, classify_attractors settings) for every run of 06, 09 (autoencoders: its
    sequence encoders use cycle_spectral_radius, not this route), 11 and 12 at the smoke preset, built as the
    notebooks' cells build them."""
    from attractor_utils import relu_grid

    out = []
    P, T = _notebook_settings("06_relu_grid")
    kinds = [au.resolve_cifar("cifar10", verbose=False) if d == "cifar10" else d for d in T["datasets"]]
    kw = dict(max_steps=T["max_steps"], iter_tol=P["iter_tol"], match_tol=P["match_tol"])
    for b in T["biases"]:
        for k in kinds:
            for c in relu_grid.grid_configs(
                    [k], T["uniform_depths"] if k == "uniform_images" else T["depths"],
                    T["widths"] if b else T["widths_without_bias"], [b], T["seeds"], n=T["n_images"],
                    data_seed=P["data_seed"], optimizer="adam", lr=T["lr"], schedule=P["schedule"],
                    lr_min=min(P["lr_min"], T["lr"]), plateau_patience=P["plateau_patience"],
                    keep_best=P["keep_best"], loss="mse", loss_threshold=P["loss_threshold"],
                    max_epochs=T["epochs"] if b else T["epochs_without_bias"]):
                out.append(("06", c, kw))
    P, T = _notebook_settings("09_width_depth_mnist")
    kw = dict(max_steps=P["max_steps"], iter_tol=P["iter_tol"], match_tol=P["match_tol"])
    out += [("09", au.make_config(data="mnist", n=T["n_images"], data_seed=s, seed=s, width=w, depth=d,
                                  activation=P["activation"], optimizer="adam", lr=T["lr"], schedule=T["schedule"],
                                  lr_min=min(P["lr_min"], T["lr"]), plateau_patience=P["plateau_patience"],
                                  keep_best=P["keep_best"], loss_threshold=T["loss_threshold"],
                                  max_epochs=T["max_epochs"], task="autoencode", cycle_len=None), kw)
            for w in T["widths"] for d in T["depths"] for s in T["seeds"]]
    P, T = _notebook_settings("11_optimizers_and_inits")
    lrs = {"gd": 1.0, "gd+momentum": 1.0, "gd+momentum+wd": 1.0, "rmsprop": 1e-4, "adam": 1e-3, **(P["lrs"] or {})}
    data = au.resolve_cifar("cifar10_gray", verbose=False)
    kw = dict(max_steps=T["max_steps"], iter_tol=P["iter_tol"], match_tol=P["match_tol"])
    grid = ([(o, "default", a, s) for o in T["optimizers"] for a in T["activations"] for s in T["seeds"]]
            + [("adam", i, a, s) for i in T["inits"] for a in T["activations"] for s in T["seeds"]])
    out += [("11", au.make_config(data=data, n=T["n_images"], data_seed=s, seed=s, width=T["width"],
                                  depth=T["depth"], activation=a, init=i, optimizer=o, lr=lrs[o],
                                  schedule=P["schedule"], lr_min=lrs[o] * P["lr_min_ratio"],
                                  plateau_patience=P["plateau_patience"], keep_best=P["keep_best"],
                                  loss_threshold=T["loss_threshold"], max_epochs=T["max_epochs"]), kw)
            for o, i, a, s in grid]
    P, T = _notebook_settings("12_recovery")
    common = dict(n=T["n_images"], data_seed=P["seed"], seed=P["seed"], width=T["width"], depth=T["depth"],
                  activation=P["activation"], optimizer="adam", lr=T["lr"], schedule=T["schedule"],
                  lr_min=min(P["lr_min"], T["lr"]), plateau_patience=P["plateau_patience"],
                  keep_best=P["keep_best"], loss_threshold=T["loss_threshold"], max_epochs=T["max_epochs"])
    kw = dict(max_steps=T["max_steps"], iter_tol=P["iter_tol"], match_tol=P["match_tol"])
    out += [("12", au.make_config(data=d, **common), kw)
            for d in ("mnist", au.resolve_cifar("cifar10_gray", verbose=False))]
    return out


@pytest.mark.filterwarnings("ignore:training diverged:RuntimeWarning")
def test_equal_verdicts_on_the_smoke_configurations_of_06_09_11_12(nb_outdir, monkeypatch):
    """Every smoke-preset run of the memorization notebooks, classified with the iterative route and with full
    decompositions: the same table, column by column (the radii to 1e-9 relative). The runs are trained into the
    notebook tests' cache of this session (conftest.run_notebook), so under `make test` they are those runs."""
    todo = list({au.config_key(c): (nb, c, kw) for nb, c, kw in _smoke_configs()}.values())  # 11 lists one twice
    assert {nb for nb, _, _ in todo} == {"06", "09", "11", "12"} and len(todo) >= 15
    monkeypatch.setenv("ATTRACTOR_CACHE", str(nb_outdir / "cache"))  # where run_notebook points the notebooks
    runs = au.train_runs([c for _, c, _ in todo], cache=au.default_cache(), progress=False)
    n_iterative = 0
    for (nb, c, kw), run in zip(todo, runs):
        if run.result.get("diverged"):
            continue  # the notebooks classify no diverged run
        with np.errstate(all="ignore"):
            it = au.classify_attractors(run.model, run.X, method="iterative", **kw)
            de = au.classify_attractors(run.model, run.X, method="dense", **kw)
        where = f"notebook {nb}, width {c['width']}, depth {c['depth']}, {c['data']}, {c['activation']}"
        assert it.drop(columns="spectral_radius").equals(de.drop(columns="spectral_radius")), where
        np.testing.assert_allclose(it.spectral_radius, de.spectral_radius, rtol=RTOL, atol=0, err_msg=where)
        s_it, s_de = au.summarize_attractors(it), au.summarize_attractors(de)
        assert s_it.pop("median_spectral_radius") == pytest.approx(s_de.pop("median_spectral_radius"), rel=RTOL)
        assert s_it == s_de, where
        n_iterative += int(au.spectral_radius(run.model, run.X, method="iterative",
                                              return_report=True).iterative.sum())
    assert n_iterative > 0  # the comparison exercised Arnoldi answers, not only fallbacks
