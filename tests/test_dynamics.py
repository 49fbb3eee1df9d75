"""Iteration on maps with known behaviour, nearest-point look-ups, attractor classification."""
import numpy as np
import pytest
import torch

import attractor_utils as au


class Affine(torch.nn.Module):
    """x -> A x + c with known fixed point (I - A)^{-1} c."""

    def __init__(self, A, c):
        super().__init__()
        self.A, self.c = A, c

    def forward(self, x):
        return x @ self.A.T + self.c


def test_iterate_converges_to_fixed_point_of_contraction():
    A = torch.tensor([[0.5, 0.2], [0.0, 0.3]], dtype=torch.float64)
    c = torch.tensor([1.0, -1.0], dtype=torch.float64)
    f = Affine(A, c)
    xstar = torch.linalg.solve(torch.eye(2, dtype=torch.float64) - A, c)
    x0 = torch.randn(50, 2, dtype=torch.float64) * 10
    res = au.iterate(f, x0, max_steps=200, tol=1e-10)
    assert res.converged.all() and not res.diverged.any()
    torch.testing.assert_close(res.x, xstar.expand(50, 2), atol=1e-9, rtol=0)
    # geometric convergence at rate rho(A) = 0.5: the step shrinks by half each time
    assert res.steps.max() <= 60 and res.steps.min() >= 5
    # the last step is below tol
    assert (res.last_step < 1e-10).all()


def test_iterate_respects_max_steps_and_flags_divergence():
    f = Affine(torch.eye(2, dtype=torch.float64) * 3, torch.zeros(2, dtype=torch.float64))
    res = au.iterate(f, torch.ones(3, 2, dtype=torch.float64), max_steps=10, tol=1e-6)
    assert not res.converged.any() and (res.steps == 10).all()
    res = au.iterate(f, torch.ones(2, 2, dtype=torch.float64) * 1e300, max_steps=10, tol=1e-6)
    assert res.diverged.all() and not res.converged.any()


def test_iterate_dropping_and_masked_paths_agree():
    # float64 and a seeded start: in float32 the batched and the lone matmul round differently, and a point
    # whose step size lands within rounding of tol can then stop one step apart (seen once in CI)
    m = au.MLPAutoencoder(4, 6, 1, activation="tanh", seed=0, dtype=torch.float64)
    ens = au.MLPEnsemble([m, au.MLPAutoencoder(4, 6, 1, activation="tanh", seed=1, dtype=torch.float64)])
    x0 = torch.randn(7, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    a = au.iterate(m, x0, max_steps=300, tol=1e-6)
    b = au.iterate(ens, x0.expand(2, 7, 4).clone(), max_steps=300, tol=1e-6)
    torch.testing.assert_close(b.x[0], a.x, atol=1e-6, rtol=0)
    np.testing.assert_array_equal(b.steps[0], a.steps)
    c = au.iterate(m, x0, max_steps=300, tol=1e-6, chunk_size=3)
    torch.testing.assert_close(c.x, a.x)


def test_nearest():
    R = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    idx, d = au.nearest(torch.tensor([[1.0, 0.0], [9.0, 1.0]]), R)
    assert idx.tolist() == [0, 1]
    np.testing.assert_allclose(d, [1.0, np.sqrt(2)])


class Cubic(torch.nn.Module):
    """x -> x - h (x^3 - x) per coordinate: fixed points -1, 0, 1; f'(+-1) = 1 - 2h, f'(0) = 1 + h."""

    def forward(self, x):
        return x - 0.3 * (x**3 - x)


def test_classify_known_attractor_and_non_attractor_fixed_points():
    X = torch.tensor([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.6, 0.9]], dtype=torch.float64)
    df = au.classify_attractors(Cubic(), X, max_steps=500, iter_tol=1e-12, match_tol=1e-6)
    assert df.loc[0, "spectral_radius"] == pytest.approx(0.4)
    assert df.loc[1, "spectral_radius"] == pytest.approx(1.3)
    assert df.loc[2, "spectral_radius"] == pytest.approx(1.3)  # saddle: 0.4 and 1.3
    # (1, 1): an attractor; (0, 0) and (1, 0): fixed points (iteration stays) but not attractors
    assert df["is_true_fixed_point"].tolist() == [True, True, True, False]
    assert df["is_attractor"].tolist() == [True, False, False, False]
    # (0.6, 0.9) is not a fixed point: iteration converges to (1, 1) = example 0, a false positive
    assert bool(df.loc[3, "iteration_converged"]) and bool(df.loc[3, "false_positive"])
    assert df.loc[3, "nearest_index"] == 0 and df.loc[3, "nearest_distance"] < 1e-6
    s = au.summarize_attractors(df)
    assert s["n_attractors"] == 1 and s["n_settled"] == 4 and s["n_false_positives"] == 1
    assert s["n_attractors"] <= s["n_true_fixed_points"] <= s["n_settled"]


def test_classify_returns_the_iteration_limits():
    m = au.MLPAutoencoder(4, 6, 1, activation="tanh", seed=0, dtype=torch.float64)
    X = torch.randn(5, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    df, lim = au.classify_attractors(m, X, max_steps=200, iter_tol=1e-8, return_limits=True)
    torch.testing.assert_close(lim, au.iterate(m, X, max_steps=200, tol=1e-8).x)
    assert df.equals(au.classify_attractors(m, X, max_steps=200, iter_tol=1e-8))


def test_distinct_points_is_one_rule_for_07_and_12_and_ignores_row_order():
    from attractor_utils import basin_maps, recovery
    from attractor_utils.core.dynamics import distinct_points

    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    pts = (centres.repeat_interleave(torch.tensor([4, 2, 5]), 0) + 1e-4 * torch.randn(11, 2, generator=g,
                                                                                       dtype=torch.float64))
    reps, counts = distinct_points(pts, 1e-2)
    assert counts.tolist() == [4, 2, 5] and np.allclose(reps, centres, atol=1e-3)
    perm = torch.randperm(11, generator=g)
    assert sorted(distinct_points(pts[perm], 1e-2)[1].tolist()) == [2, 4, 5]
    # a chain whose ends are farther apart than tol is one group (single linkage), whatever the order
    chain = torch.tensor([[0.0, 0.0], [0.0, 0.011], [0.0, 0.0055]], dtype=torch.float64)
    assert distinct_points(chain, 0.01)[1].tolist() == [3]
    assert basin_maps.distinct_points is distinct_points and recovery.count_distinct(pts, 1e-2) == 3
    assert distinct_points(np.zeros((0, 2)), 0.1)[0].shape == (0, 2)


def test_iterate_draws_its_bar_through_the_core_progress_hook(monkeypatch):
    """iterate(progress=True) draws through core.progress.progress_hook (text, like training), read at each call."""
    from attractor_utils.core import progress

    seen = []

    class Bar:
        def __init__(self, total, desc):
            seen.append((total, desc))
            self.n = 0

        def update(self, k):
            self.n += k

        def close(self):
            seen.append(self.n)

    monkeypatch.setattr(progress, "progress_hook", Bar)
    it = au.iterate(lambda x: 0.5 * x, torch.ones(2, 3), max_steps=100, tol=1e-6, progress=True)
    assert it.converged.all() and seen == [(100, "iterate"), 21]
