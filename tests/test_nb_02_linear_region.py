"""Notebook 02 (linear region): Lemma 4's n - 1 unit eigenvalues. Smoke preset."""
import numpy as np
import pytest

from conftest import read_csv

pytestmark = pytest.mark.notebook


def test_linear_region_fraction_tracks_lemma4(run_notebook):
    fig = run_notebook("02_linear_region")
    df = read_csv(fig, "02_linear_region")
    assert {"n_points", "seed", "final_loss", "epochs", "max_abs_eig", "frac_near_1"} <= set(df.columns)
    assert df["converged"].all()
    # about n - 1 of the dim moduli sit at 1 (Lemma 4)
    np.testing.assert_allclose(df["frac_near_1"], (df["n_points"] - 1) / 10, atol=0.1)
    assert (fig / "02_linear_region.pdf").is_file() and (fig / "02_linear_region.png").is_file()
