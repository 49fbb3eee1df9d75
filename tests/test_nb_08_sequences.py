"""Notebook 08 (sequence encoding): stored cycles are stable and recovered. Smoke preset."""
import pytest

from conftest import read_csv

pytestmark = pytest.mark.notebook


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
