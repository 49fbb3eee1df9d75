"""Notebook 09 (width x depth, MNIST): consistent counts of recovered and stable examples. Smoke preset."""
import pytest

from conftest import read_csv, check_claims, check_kept_best

pytestmark = pytest.mark.notebook


def test_width_depth_counts_are_consistent(run_notebook):
    fig = run_notebook("09_width_depth_mnist")
    df = read_csv(fig, "09_width_depth_mnist")
    assert {"task", "cycle_len", "width", "depth", "seed", "final_loss", "epochs", "converged", "n_recovered",
            "n_stable", "n_reached_from_noise"} <= set(df.columns)
    assert len(df) == 3 * 2 * 2  # autoencode + two cycle lengths, 2 widths x 2 depths, one seed
    assert set(df.cycle_len) == {1, 5, 10}
    N = df.n_images.iloc[0]
    assert ((df.n_recovered >= 0) & (df.n_recovered <= N)).all()
    # not vacuous at smoke: some runs converge and recover stored digits, and some do not
    assert df.converged.any() and not df.converged.all()
    assert (df[df.task == "autoencode"].n_recovered > 0).any() and (df[df.task == "sequence"].n_recovered > 0).any()
    # recovered needs stable (spectral radius of J or of the cycle product < 1)
    assert (df.n_recovered <= df.n_stable).all()
    ae = df[df.task == "autoencode"]
    assert (ae.n_recovered <= ae.n_true_fixed_points).all()
    seq = df[df.task == "sequence"]
    # whole cycles are stable/recovered or not
    assert ((seq.n_recovered % seq.cycle_len) == 0).all() and ((seq.n_stable % seq.cycle_len) == 0).all()
    assert (seq.n_reached_from_noise <= N).all()
    assert (df[~df.converged].final_loss >= 1e-6).all() and (df[df.converged].final_loss < 1e-6).all()
    check_kept_best(df)
    assert set(df.schedule) == {"plateau"}
    cl = check_claims(fig, "09_width_depth_mnist", 5)
    # the verdict on "more width and depth" follows the counts in the table it came from
    big = df[(df.task == "autoencode") & (df.width == df.width.max()) & (df.depth == df.depth.max())]
    assert f"{int(big.n_recovered.iloc[0])}/{N}" in cl.measured.iloc[0]
    rad = read_csv(fig, "09_width_depth_mnist_radii")
    assert len(rad) == len(ae) * N and (rad.spectral_radius >= 0).all()
    for name in ("09_width_depth_mnist", "09_width_depth_mnist_eigs"):
        assert (fig / f"{name}.png").is_file()
