"""Notebook 03 (beyond the linear region): attractors from some radius on, in the flow limit. Smoke preset."""
import pytest

from conftest import read_csv, figure_files, flow_limit

pytestmark = pytest.mark.notebook


def test_03_beyond_linear_region(run_notebook):
    fig = run_notebook("03_beyond_linear_region")
    df = read_csv(fig, "03_beyond_linear_region")
    assert {"n_points", "width", "radius", "seed", "final_loss", "epochs", "converged", "max_abs_eig"} <= set(df.columns)
    figure_files(fig, "03_beyond_linear_region")
    assert df.groupby(["n_points", "width", "seed"]).size().min() >= 2  # several radii per curve
    lo, hi = df[df.radius == df.radius.min()], df[df.radius == df.radius.max()]
    # linear region at small radius (moduli near 1), attractors at large radius
    assert (lo["max_abs_eig"] > 0.9).all()
    assert (hi["max_abs_eig"] < 0.5).all() and (hi["frac_points_below_1"] == 1).all()
    assert hi["converged"].all()
    flow_limit(fig, "03_beyond_linear_region", df)
