"""Notebook 04 (basins): success rates of perturbed points, in the flow limit. Smoke preset."""
import pytest

from conftest import read_csv, figure_files, flow_limit

pytestmark = pytest.mark.notebook


def test_04_basins(run_notebook):
    fig = run_notebook("04_basins")
    df = read_csv(fig, "04_basins")
    assert {"radius", "noise_radius", "seed", "final_loss", "epochs", "converged", "success_rate"} <= set(df.columns)
    figure_files(fig, "04_basins")
    assert set(df.noise_radius) == {1, 10, 20}
    assert df["success_rate"].between(0, 1).all()
    big = df[df.radius == df.radius.max()]
    small_noise = big[big.noise_radius == big.noise_radius.min()]
    assert (small_noise["success_rate"] > 0.9).all()
    # basins grow with the input radius: at the smallest input radius the smallest noise is recovered less often
    small_r = df[(df.radius == df.radius.min()) & (df.noise_radius == df.noise_radius.min())]
    assert small_r["success_rate"].mean() < small_noise["success_rate"].mean() - 0.5
    flow_limit(fig, "04_basins", df)
