"""attractor_utils.analyses.recovery: corruption, recovery by iteration vs 1-NN, spurious limits, sequence cycles."""
import numpy as np
import pytest
import torch

from attractor_utils import classify_attractors, recovery


class Snap(torch.nn.Module):
    """A map with known attractors: pulls x halfway towards the nearest of the stored points."""

    def __init__(self, P, rate=0.5):
        super().__init__()
        self.P = P
        self.rate = rate
        self.dummy = torch.nn.Parameter(torch.zeros(1, dtype=P.dtype))

    def forward(self, x):
        i = torch.cdist(x.to(self.P.dtype), self.P).argmin(dim=1)
        return x + self.rate * (self.P[i] - x)


def test_corrupt_gaussian_seeded_and_sized():
    X = torch.full((50, 400), 0.5)
    a = recovery.corrupt(X, "gaussian", 0.1, seed=3, clip=False)
    b = recovery.corrupt(X, "gaussian", 0.1, seed=3, clip=False)
    c = recovery.corrupt(X, "gaussian", 0.1, seed=4, clip=False)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert abs(float((a - X).std()) - 0.1) < 0.005
    assert torch.equal(recovery.corrupt(X, "gaussian", 0.0), X)
    assert float(recovery.corrupt(X, "gaussian", 5.0).max()) <= 1.0  # clipped


def test_corrupt_mask_fraction_exact_per_image():
    X = torch.ones(7, 100)
    Y = recovery.corrupt(X, "mask", 0.3, seed=0)
    assert ((Y == 0).sum(dim=1) == 30).all()
    assert torch.equal(recovery.corrupt(X, "mask", 0.0), X)
    with pytest.raises(ValueError):
        recovery.corrupt(X, "mask", 1.5)
    with pytest.raises(ValueError, match="accepted"):
        recovery.corrupt(X, "blur", 0.1)


def test_recovery_matches_nearest_neighbour_for_a_voronoi_map():
    g = torch.Generator().manual_seed(0)
    P = torch.rand(8, 30, generator=g, dtype=torch.float64)
    f = Snap(P)
    cur = recovery.recovery_curve(f, P, "gaussian", [0.0, 0.05, 0.3], seed=1, match_tol=1e-3, iter_tol=1e-8)
    # the map's basins are exactly the Voronoi cells: iteration == 1-NN at every level
    np.testing.assert_allclose(cur.recovery_iteration, cur.recovery_1nn)
    assert cur.recovery_iteration.iloc[0] == 1.0 and cur.recovery_1nn.iloc[0] == 1.0
    assert (cur.spurious_fraction == 0).all()


def test_search_limits_flags_a_spurious_attractor():
    P = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    f = Snap(torch.cat([P, torch.tensor([[5.0, 5.0]], dtype=torch.float64)]))  # (5,5) is an extra attractor
    starts = {"near": torch.tensor([[0.1, 0.0], [0.9, 1.0]], dtype=torch.float64),
              "far": torch.tensor([[4.9, 5.2]], dtype=torch.float64)}
    # spectral radius of the Snap map at its fixed points is 0.5 (autograd path)
    df, lim = recovery.search_limits(f, P, starts, match_tol=1e-3, iter_tol=1e-10)
    assert df.is_training.tolist() == [True, True, False]
    assert df.spurious_attractor.tolist() == [False, False, True]
    np.testing.assert_allclose(df.limit_spectral_radius, 0.5, atol=1e-9)
    assert recovery.count_distinct(lim, 1e-3) == 3


def test_sequence_recovery_on_an_exact_cycle():
    # f permutes 4 one-hot points in two cycles of 2 and contracts towards them: all recovered
    P = torch.eye(4, dtype=torch.float64)
    nxt = torch.tensor([1, 0, 3, 2])

    class Cyc(Snap):
        def forward(self, x):
            i = torch.cdist(x, self.P).argmin(dim=1)
            return self.P[nxt[i]] + 0.5 * (x - self.P[i])

    cyc, per = recovery.sequence_recovery(Cyc(P), P, 2, match_tol=1e-3,
                                          noise_starts=torch.eye(4, dtype=torch.float64) * 0.9)
    assert cyc.orbit_ok.all() and cyc.stable.all()
    np.testing.assert_allclose(cyc.cycle_spectral_radius, 0.25, atol=1e-9)
    assert per["recovered"].all() and per["reached_from_noise"].all()
    with pytest.raises(ValueError):
        recovery.sequence_recovery(Cyc(P), P, 3)


def test_recovery_tables_count_stored_and_spurious_limits():
    g = torch.Generator().manual_seed(1)
    P = torch.rand(5, 12, generator=g, dtype=torch.float64)
    spurious = torch.full((1, 12), 0.5, dtype=torch.float64)  # an attractor that is no stored image
    f = Snap(torch.cat([P, spurious]))
    test = (P + 0.02 * torch.randn(5, 12, generator=g, dtype=torch.float64)).clamp(0, 1)
    res = {"final_loss": 1e-9, "epochs": 12, "converged": True}
    stores = [("set A", f, P, (3, 4), test, res), ("set B", f, P[:3], (3, 4), None, dict(res, converged=False))]
    summary, curve, limits = recovery.recovery_tables(
        stores, width=8, depth=2, activation="relu", seed=0, noise_levels=[0.0, 0.1], mask_levels=[0.0, 0.5],
        n_starts=20, gauss_std=0.3, iter_tol=1e-10, match_tol=1e-3)
    assert list(summary.columns) == [
        "data_source", "start", "n_images", "width", "depth", "activation", "seed", "final_loss", "epochs", "converged",
        "n_attractors", "n_borderline", "n_borderline_any", "n_true_fixed_points", "n_starts", "n_starts_settled",
        "n_to_training", "n_spurious_limits", "n_spurious_attractors", "n_distinct_spurious",
        "n_distinct_training_reached"]
    # the set without test images searches from noise only
    assert summary.start.tolist() == ["test images", "uniform noise", "gaussian noise", "uniform noise",
                                      "gaussian noise"]
    assert summary.n_images.tolist() == [5, 5, 5, 3, 3] and summary.converged.tolist() == [True] * 3 + [False] * 2
    # every stored image of the Snap map is an attractor (and the classification agrees)
    for label, _, X, _, _, _ in stores:
        cls = classify_attractors(f, X, iter_tol=1e-10, match_tol=1e-3)
        row = summary[summary.data_source == label].iloc[0]
        assert row.n_attractors == cls.is_attractor.sum() == len(X)
        assert row.n_true_fixed_points == cls.is_true_fixed_point.sum()
    assert (summary.n_to_training + summary.n_spurious_limits == summary.n_starts_settled).all()
    assert (summary.n_starts_settled <= summary.n_starts).all()
    assert (summary.n_spurious_attractors <= summary.n_spurious_limits).all()
    assert (summary.n_distinct_spurious <= summary.n_spurious_limits).all()
    # spurious limits: the point 0.5, and for set B also the two images of the map that B does not store
    assert summary.n_distinct_spurious.iloc[:3].max() == 1 and summary.n_distinct_spurious.iloc[3:].max() <= 3
    assert (summary.n_spurious_attractors == summary.n_spurious_limits).all() and summary.n_spurious_limits.sum() > 0
    assert summary.n_distinct_training_reached.iloc[0] == 5  # each test image returns to its own stored image
    # curves: one row per set x corruption x level; no corruption: iteration and 1-NN both recover all
    assert len(curve) == 2 * 4 and list(curve.columns)[-1] == "data_source"
    zero = curve[curve.level == 0]
    np.testing.assert_allclose(zero.recovery_iteration, 1.0)
    np.testing.assert_allclose(zero.recovery_1nn, 1.0)
    # limits: one row per start, in the summary's order
    assert len(limits) == summary.n_starts.sum() and limits.data_source.tolist() == ["set A"] * 45 + ["set B"] * 40
    meta = recovery.training_outcomes(summary)
    assert meta.data_source.tolist() == ["set A", "set B"] and list(meta.columns) == list(summary.columns[:14]
                                                                                           .drop("start"))
    tidy = recovery.recovery_tidy(curve, summary)
    assert len(tidy) == len(curve) + len(summary)
    assert tidy.measure.tolist() == ["recovery"] * len(curve) + ["spurious_search"] * len(summary)
    assert tidy[tidy.measure == "recovery"].n_attractors.tolist() == [5] * 4 + [3] * 4
