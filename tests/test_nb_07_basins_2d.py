"""Notebook 07 (2D basins): training points are attractors; basins are not Voronoi cells. Smoke preset."""
import numpy as np
import pytest

from conftest import read_csv

pytestmark = pytest.mark.notebook


def test_basins_2d_points_are_attractors_and_basins_are_not_voronoi(run_notebook):
    fig = run_notebook("07_basins_2d")
    df = read_csv(fig, "07_basins_2d")
    assert {"seed", "final_loss", "epochs", "converged", "n_attractors", "disagree_share",
            "n_spurious_attractors"} <= set(df.columns)
    assert df["converged"].all() and (df["final_loss"] < 1e-8).all()
    # every training point is an attractor (Prop. 1) for the smoke network
    assert (df["n_attractors"] == df["n_points"]).all()
    assert (df["max_train_spectral_radius"] < 1).all()
    # the grid is partitioned: basins + other limits + unsettled = 1
    shares = df[[c for c in df.columns if c.startswith("share_")]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0, atol=1e-9)
    # every training point has a basin of its own on the grid
    assert (df[[f"share_group_{i}" for i in range(5)]] > 0.01).all().all()
    # the basins are not the Voronoi cells (paper's Fig. 3 remark), yet mostly overlap them
    assert ((df["disagree_share"] > 0.05) & (df["disagree_share"] < 0.6)).all()
    assert (df["n_spurious_attractors"] == 0).all()
    assert (fig / "07_basins_2d.png").is_file()
