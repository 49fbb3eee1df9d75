"""Notebook 13 (single-example theory): the closed forms match training. Smoke preset."""
import numpy as np
import pytest

from conftest import read_csv

pytestmark = pytest.mark.notebook


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
