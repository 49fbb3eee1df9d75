"""Notebook 10 (attractors vs generalisation): counts and where validation points flow. Smoke preset."""
import numpy as np
import pytest

from conftest import read_csv, figure_files, flow_limit

pytestmark = pytest.mark.notebook


def test_10_generalization(run_notebook):
    fig = run_notebook("10_generalization")
    df = read_csv(fig, "10_generalization")
    figure_files(fig, "10_generalization")
    figure_files(fig, "10_generalization_radius")
    # the talk's own distribution at the talk's radius, and the sphere's radius sweep at the largest width
    assert set(df.distribution) == {"sphere", "orthant"}
    assert set(df[df.distribution == "orthant"].radius) == {15}
    assert df[df.distribution == "sphere"].radius.nunique() >= 2
    need = {"width", "seed", "n_train", "n_val", "final_loss", "epochs", "converged", "n_attractors",
            "frac_val_to_train", "frac_val_settled", "train_one_step_error", "val_one_step_error"}
    assert need <= set(df.columns)
    # counts are consistent
    assert (df["n_attractors"] <= df["n_true_fixed_points"]).all()
    assert (df["n_true_fixed_points"] <= df["n_settled"]).all()
    assert (df["n_settled"] <= df["n_train"]).all()
    assert (df["n_attractors"] <= df["n_radius_below_1"]).all()
    for a, b in (("frac_val_to_attractor", "frac_val_to_train"), ("frac_val_to_train", "frac_val_settled"),
                 ("frac_val_spurious", "frac_val_settled")):
        assert (df[a] <= df[b] + 1e-12).all(), (a, b)
    # (the CSV keeps 6 significant digits, so the sum of two rounded fractions is exact only to ~1e-6)
    np.testing.assert_allclose(df["frac_val_to_train"] + df["frac_val_spurious"], df["frac_val_settled"], atol=2e-6)
    # the converged wide network stores its training points as attractors and fits them far better than
    # it reconstructs unseen points
    main = df[(df.distribution == "sphere") & (df.radius == 15)]
    wide = main[main.width == main.width.max()]
    assert wide["converged"].all()
    assert (wide["n_attractors"] >= 0.9 * wide["n_train"]).all()
    assert (wide["val_one_step_error"] > 100 * wide["train_one_step_error"]).all()
    flow_limit(fig, "10_generalization", df)
