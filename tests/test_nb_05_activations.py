"""Notebook 05 (activations): sigmoid, erf, tanh beyond the linear region, in the flow limit. Smoke preset."""
import pytest

from conftest import read_csv, figure_files, flow_limit

pytestmark = pytest.mark.notebook


def test_05_activations(run_notebook):
    fig = run_notebook("05_activations")
    df = read_csv(fig, "05_activations")
    figure_files(fig, "05_activations")
    assert set(df.activation) == {"sigmoid", "erf", "tanh"}
    assert {"radius", "seed", "final_loss", "epochs", "converged", "max_abs_eig"} <= set(df.columns)
    hi = df[df.radius == df.radius.max()]
    assert hi["converged"].all() and (hi["max_abs_eig"] < 0.5).all()
    lo = df[df.radius == df.radius.min()]
    assert (lo["max_abs_eig"] > 0.8).all()
    flow_limit(fig, "05_activations", df)
