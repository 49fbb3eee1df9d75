"""Tests aimed at bugs that would change a paper's conclusion and that the rest of the suite let through
(issue "Tests with teeth"): each names the mutation it catches. See tests/README.md for the list."""
import math

import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils import theory
from attractor_utils.core.models import MLPAutoencoder


def _linear_mlp(A: torch.Tensor) -> MLPAutoencoder:
    """A linear-activation autoencoder whose Jacobian is exactly ``A`` (dim = width, standard param.)."""
    d = A.shape[0]
    m = MLPAutoencoder(d, d, 1, activation="linear", bias=False, seed=0, dtype=torch.float64)
    with torch.no_grad():
        m.weights[0].copy_(torch.eye(d, dtype=torch.float64))
        m.weights[1].copy_(A)
    return m


def _rotation(theta: float, scale: float) -> torch.Tensor:
    c, s = math.cos(theta), math.sin(theta)
    return scale * torch.tensor([[c, -s], [s, c]], dtype=torch.float64)


SPECTRA = {
    # name: (A, expected spectral radius); the largest real part differs from the modulus in each
    "dominant negative": (torch.diag(torch.tensor([-0.9, 0.5], dtype=torch.float64)), 0.9),
    "negative beyond 1": (torch.diag(torch.tensor([-1.2, 0.3], dtype=torch.float64)), 1.2),
    "complex pair": (_rotation(2.0, 0.8), 0.8),
    "rotation, expanding": (_rotation(1.0, 1.05), 1.05),
}


@pytest.mark.parametrize("name", sorted(SPECTRA))
@pytest.mark.parametrize("method", ["shortcut", "autograd"])
def test_spectral_radius_is_the_largest_modulus(name, method):
    """Mutation caught: spectral_radius returning the largest real part (or the largest eigenvalue's real part)."""
    A, rho = SPECTRA[name]
    m = _linear_mlp(A)
    x = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    assert au.spectral_radius(m, x, method=method).item() == pytest.approx(rho, rel=1e-12)
    ev = au.jacobian_eigenvalues(m, x, method=method)[0]
    want = torch.linalg.eigvals(A)
    assert torch.allclose(ev.abs(), want.abs().sort(descending=True).values, atol=1e-12)
    assert ev.real.max().item() < rho - 0.05  # the real parts alone would give a different answer


@pytest.mark.parametrize("name,attractor", [("dominant negative", True), ("negative beyond 1", False),
                                            ("complex pair", True), ("rotation, expanding", False)])
def test_classify_attractors_uses_the_modulus_with_default_settings(name, attractor):
    """An affine map c + A (x - c) has the exact fixed point c; it is an attractor iff rho(A) < 1."""
    A, _ = SPECTRA[name]
    c = torch.tensor([0.4, -0.7], dtype=torch.float64)

    def f(x):
        return c + (x - c) @ A.T

    tab = au.classify_attractors(f, c[None])
    assert bool(tab.is_true_fixed_point[0])
    assert bool(tab.is_attractor[0]) is attractor


def test_exact_bias_free_relu_fixed_point_is_not_an_attractor_with_defaults():
    """f(x) = Q^T relu(Q x) is the identity near points with Q x > 0: an exact fixed point whose Jacobian
    eigenvalues are all 1 up to rounding. Mutation caught: eig_tol's default set to 0 (then rounding below 1
    makes some of these points "attractors")."""
    g = torch.Generator().manual_seed(0)
    below_one = 0
    rows = []
    for _ in range(40):
        Q, _r = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=torch.float64))
        m = MLPAutoencoder(3, 3, 1, activation="relu", bias=False, seed=0, dtype=torch.float64)
        with torch.no_grad():
            m.weights[0].copy_(3.0 * Q)
            m.weights[1].copy_(Q.T / 3.0)
        y = torch.rand(1, 3, generator=g, dtype=torch.float64) + 0.5  # Q x = y > 0
        x = y @ Q  # x = Q^T y
        assert torch.allclose(m(x), x, atol=1e-13)
        rho = au.spectral_radius(m, x).item()
        below_one += rho < 1.0
        rows.append(au.classify_attractors(m, x))
    assert below_one > 0, "rounding never put an eigenvalue below 1: the test would not see eig_tol=0"
    assert not any(bool(t.is_attractor[0]) for t in rows)
    assert all(bool(t.is_true_fixed_point[0]) for t in rows)


@pytest.mark.parametrize("act,norm,k,a0,b0", [("sigmoid", 0.7, 4, 0.3, 0.2), ("tanh", 1.5, 16, 0.8, 0.1),
                                              ("swish", 1.5, 8, 0.5, 0.05)])
def test_theorem1_at_radii_other_than_one(act, norm, k, a0, b0):
    """Theorem 1 depends on r = ||x||^2; at ||x|| = 1 every r-dependence drops out. Trained by the flow integrator
    (float64), the rank-1 network reaches the closed form to 1e-5. Mutations caught: r taken as ||x||, or
    phi(t) used for phi(r t) in the conserved quantity."""
    x = au.sphere_points(1, 5, norm, seed=2, dtype=torch.float64)
    m = MLPAutoencoder(5, k, 1, activation=act, bias=False, seed=0, dtype=torch.float64)
    theory.rank1_init(m, x[0], a0, b0, 0.0)
    tr = au.train(m, x, optimizer="flow", flow_tol=1e-4, loss="half_sum", loss_threshold=1e-20, max_epochs=20000,
                  progress=False)
    assert tr.converged
    sol = theory.theorem1_solution(act, norm ** 2, k, a0, b0)
    s = theory.rank1_scalars(m, x[0])
    assert s["a"] == pytest.approx(sol["a"], rel=1e-5) and s["b"] == pytest.approx(sol["b"], rel=1e-5)
    assert au.spectral_radius(m, x)[0].item() == pytest.approx(sol["lambda"], rel=1e-5)
    wrong = theory.theorem1_solution(act, norm, k, a0, b0)  # the same formula fed ||x|| instead of ||x||^2
    assert abs(wrong["lambda"] - sol["lambda"]) > 1e-3


def test_cache_rewrite_killed_midway_with_sigkill(tmp_path):
    """A process killed (SIGKILL) while it rewrites an existing entry never leaves the old result served beside
    new weights: the entry is either the old one, the new one, or absent."""
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    script = textwrap.dedent(f"""
        import sys, torch
        from attractor_utils.runs.caching import Cache
        c = Cache({str(tmp_path)!r})
        i = 0
        while True:
            c.put({{"k": 1}}, {{"i": i}}, {{"w": torch.full((1500, 1500), float(i))}})
            print("stored", i, flush=True)
            i += 1
    """)
    for delay in (0.0, 0.03, 0.1, 0.3):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().startswith("stored")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        c = au.Cache(tmp_path)
        r = c.get({"k": 1})
        if r is not None:
            w = c.load_state({"k": 1})["w"]
            assert float(w[0, 0]) == r["i"] and float(w[-1, -1]) == r["i"]  # weights and result belong together


def test_extracted_cifar_batch_is_checked_before_unpickling(tmp_path, monkeypatch):
    """Mutation caught: the per-batch md5 of an extracted CIFAR-10 folder checked after pickle.loads (a pickle
    can run code: a damaged or foreign file must never reach it)."""
    import hashlib
    import tarfile

    from attractor_utils.data import images as D

    D.write_cifar_like_archive(tmp_path / "a.tar.gz", n_per_batch=4)
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        tar.extractall(tmp_path / "root", filter="data")
    folder = tmp_path / "root" / "cifar-10-batches-py"
    sums = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    raw = bytearray((folder / "data_batch_1").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (folder / "data_batch_1").write_bytes(bytes(raw))
    called = []
    monkeypatch.setattr(D.pickle, "loads", lambda *a, **k: called.append(1))
    with pytest.raises(D.ChecksumError, match="data_batch_1"):
        au.cifar10(2, root=tmp_path / "root", batch_md5=sums)
    assert not called
