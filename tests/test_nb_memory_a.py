"""Notebooks 07 (2D basins), 08 (sequence encoding) and 13 (single-example theory) at the smoke preset."""
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


def test_sequences_cycles_are_stable_and_recovered(run_notebook):
    fig = run_notebook("08_sequences")
    df = read_csv(fig, "08_sequences")
    assert df["converged"].all()
    m = df[df.part == "mnist"]
    assert len(m) == 2 and set(m.cycle_name) == {"0->9", "9->0"}
    # Prop. 2: both MNIST cycles are stable limit cycles, from every starting element
    assert (m["cycle_spectral_radius"] < 1).all()
    assert (m["radius_spread_over_elements"] < 1e-8).all()
    assert m["orbit_ok"].all()
    # iterating from Gaussian noise ends on a stored cycle, traversed in order, for most starts
    assert m["share_starts_in_order"].sum() >= 0.5
    d2 = df[df.part == "2d"]
    assert len(d2) == 4 and (d2["cycle_spectral_radius"] < 1).all() and d2["orbit_ok"].all()
    # each of the four cycles attracts a sizeable part of the plane
    assert (d2["basin_share"] > 0.1).all()
    assert (fig / "08_sequences.png").is_file() and (fig / "08_sequences_2d.png").is_file()


def test_theory_closed_form_matches_training(run_notebook):
    fig = run_notebook("13_theory_single_example")
    df = read_csv(fig, "13_theory_single_example")
    assert df["converged"].all()
    w = df[df.experiment == "width"]
    # Theorems 1-2 (gradient flow) vs gradient descent with a small step
    np.testing.assert_allclose(w["trained_lambda"], w["theory_lambda"], rtol=5e-3)
    # Invariants 1-4: the weights stay rank 1; the Jacobian at x is rank 1
    assert (df["max_invariant_residual"] < 1e-12).all()
    assert (df["second_abs_eig"] < 1e-9).all()
    d = df[df.experiment == "depth"]
    np.testing.assert_allclose(d["trained_lambda"], d["elasticity_product"], rtol=1e-8)
    for act, g in d.groupby("activation"):
        lam = g.sort_values("depth")["trained_lambda"].to_numpy()
        assert (np.diff(lam) < 0).all() and (lam > 0).all(), act  # depth makes the map more contractive
    assert (fig / "13_theory_single_example.png").is_file()
