"""attractor_utils.analyses.basin_maps: grids, basin labels vs Voronoi labels, vector field, clustering."""
import numpy as np
import pytest
import torch

from attractor_utils import basin_maps


def _contraction(X, a=0.5):
    """Every point moves halfway to its nearest training point: basins = Voronoi cells."""
    X = torch.as_tensor(X, dtype=torch.float64)

    def f(x):
        c = X[torch.cdist(x.double(), X).argmin(1)]
        return (c + a * (x.double() - c)).to(x.dtype)

    return f


def test_grid_and_points():
    G, xs, ys = basin_maps.grid2d((-1, 1), (0, 2), 5)
    assert G.shape == (25, 2) and xs[0] == -1 and ys[-1] == 2
    np.testing.assert_allclose(G[1].numpy(), [xs[1], ys[0]])  # rows in meshgrid order (x fastest)
    P = basin_maps.scattered_points(6, seed=1, min_dist=0.3)
    assert P.shape == (6, 2) and torch.equal(P, basin_maps.scattered_points(6, seed=1, min_dist=0.3))
    D = torch.cdist(P, P) + 10 * torch.eye(6, dtype=P.dtype)
    assert D.min() >= 0.3 and P.abs().max() <= 1
    with pytest.raises(ValueError, match="min_dist"):
        basin_maps.scattered_points(50, min_dist=1.0, max_tries=200)
    C = basin_maps.planar_cycles(4, 3, radius=0.2, spread=1.0)
    assert C.shape == (12, 2)
    centres = C.reshape(4, 3, 2).mean(1)
    np.testing.assert_allclose(centres.norm(dim=1).numpy(), 1.0, atol=1e-12)


def test_contraction_basins_equal_voronoi():
    X = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    G, xs, ys = basin_maps.grid2d((-1, 2), (-1, 2), 31)
    bm = basin_maps.basin_map(_contraction(X), X, G, tol=1e-9, match_tol=1e-6)
    vor = basin_maps.voronoi_labels(G, X)
    assert bm.converged.all()
    assert basin_maps.disagreement(bm.label, vor) == 0.0
    sh = bm.shares(3)
    assert sh["share_not_training"] == 0 and abs(sum(sh.values()) - 1) < 1e-12
    # groups relabel
    bm2 = basin_maps.basin_map(_contraction(X), X, G, groups=[0, 0, 1], tol=1e-9, match_tol=1e-6)
    np.testing.assert_array_equal(bm2.label, np.array([0, 0, 1])[bm.label])
    V = basin_maps.vector_field(_contraction(X), G)
    np.testing.assert_allclose(V, -0.5 * (G.numpy() - X.numpy()[vor]), atol=1e-12)


def test_spurious_limits_and_cycles():
    X = torch.tensor([[0.0, 0.0]], dtype=torch.float64)
    f = lambda x: 0.5 * (x - 3.0) + 3.0  # attracts everything to (3, 3), not a training point
    G, _, _ = basin_maps.grid2d((-1, 1), (-1, 1), 4)
    bm = basin_maps.basin_map(f, X, G, tol=1e-10)
    assert (bm.label == basin_maps.NOT_TRAINING).all()
    reps, counts = basin_maps.distinct_points(bm.limit, tol=1e-3)
    assert len(reps) == 1 and counts[0] == 16 and np.allclose(reps[0], 3.0, atol=1e-6)
    # the map x -> -x has the 2-cycle {p, -p} for every p: f^2 is the identity, all starts "converge"
    bm2 = basin_maps.basin_map(lambda x: -x, torch.tensor([[0.5, 0.5], [-0.5, -0.5]]), G, period=2)
    assert bm2.converged.all() and (bm2.steps == 2).all()
    # expanding map: nothing settles
    bm3 = basin_maps.basin_map(lambda x: 2 * x + 5, X, G, max_steps=20)  # repelling fixed point (-5, -5) off the grid
    assert (bm3.label == basin_maps.NOT_CONVERGED).all()


def test_voronoi_segments_bound_the_cells():
    X = basin_maps.scattered_points(5, seed=0)
    S = basin_maps.voronoi_segments(X)
    assert S.ndim == 3 and S.shape[1:] == (2, 2)
    # every segment's midpoint is equidistant from its two nearest training points
    mid = torch.as_tensor(S.mean(axis=1))
    d = torch.cdist(mid, X.double()).sort(dim=1).values
    np.testing.assert_allclose(d[:, 0].numpy(), d[:, 1].numpy(), atol=1e-8)
