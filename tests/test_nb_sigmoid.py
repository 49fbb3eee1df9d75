"""Notebooks 01, 03, 04, 05, 10 (Jiang & Pehlevan, seed 001) at the smoke preset: properties of their CSVs."""
import numpy as np
import pytest

from conftest import read_csv

pytestmark = pytest.mark.notebook


def _files(fig, name):
    assert (fig / f"{name}.pdf").is_file() and (fig / f"{name}.png").is_file(), name


def _flow_limit(fig, name, df):
    """Every row records its step; the runs are gradient flow; halving the step moves the checked quantity by < 2 %
    (issue 15), and the step-size study holds both methods."""
    assert (df["lr"] > 0).all() and set(df["optimizer"]) <= {"flow", "gd"}
    _files(fig, f"{name}_step_size")
    st = read_csv(fig, f"{name}_step_size")
    study, halving = st[st.table == "step_size_study"], st[st.table == "halving_check"]
    assert set(study.method) == {"gd", "flow"} and (study.lr > 0).all()
    ok = halving[halving.converged.astype(bool)]
    assert len(ok) >= 1 and (ok.rel_change < 0.02).all(), ok
    assert (ok.lr_fine < ok.lr).all()  # the finer tolerance really took smaller steps


def test_01_single_example(run_notebook):
    fig = run_notebook("01_single_example")
    df = read_csv(fig, "01_single_example")
    need = {"activation", "width", "depth", "radius", "seed", "final_loss", "epochs", "converged",
            "max_abs_eig_init", "max_abs_eig", "abs_diff"}
    assert need <= set(df.columns)
    for name in ("01_single_example", "01_single_example_tanh", "01_single_example_relu",
                 "01_single_example_width50"):
        _files(fig, name)
    assert df["converged"].all() and (df["final_loss"] < 1e-7).all()
    assert np.isfinite(df[["max_abs_eig_init", "max_abs_eig", "abs_diff"]]).all().all()
    np.testing.assert_allclose(df["abs_diff"], (df["max_abs_eig"] - df["max_abs_eig_init"]).abs(), atol=1e-5)
    # every depth and variant has its own difference
    assert df.groupby(["activation", "width"])["depth"].nunique().min() >= 2
    sig = df[(df.activation == "sigmoid") & (df.width > 50)]
    # at the largest radius the sigmoid point is an attractor, before and after training
    big = sig[sig.radius == sig.radius.max()]
    assert (big["max_abs_eig"] < 1).all() and (big["max_abs_eig_init"] < 1).all()
    # the paper's claim at these sizes: the deepest network's Jacobian moves less than the shallowest's
    per_depth = sig.groupby("depth")["abs_diff"].mean()
    assert per_depth[per_depth.index.max()] < 0.5 * per_depth[per_depth.index.min()]
    # ReLU without bias is positively homogeneous: J(x) x = f(x) = x at a fitted point, so 1 is an eigenvalue
    relu = df[df.activation == "relu"]
    assert (relu["max_abs_eig"] > 1 - 1e-3).all()
    _flow_limit(fig, "01_single_example", df)
    assert set(df[df.activation != "relu"].optimizer) == {"flow"}


def test_03_beyond_linear_region(run_notebook):
    fig = run_notebook("03_beyond_linear_region")
    df = read_csv(fig, "03_beyond_linear_region")
    assert {"n_points", "width", "radius", "seed", "final_loss", "epochs", "converged", "max_abs_eig"} <= set(df.columns)
    _files(fig, "03_beyond_linear_region")
    assert df.groupby(["n_points", "width", "seed"]).size().min() >= 2  # several radii per curve
    lo, hi = df[df.radius == df.radius.min()], df[df.radius == df.radius.max()]
    # linear region at small radius (moduli near 1), attractors at large radius
    assert (lo["max_abs_eig"] > 0.9).all()
    assert (hi["max_abs_eig"] < 0.5).all() and (hi["frac_points_below_1"] == 1).all()
    assert hi["converged"].all()
    _flow_limit(fig, "03_beyond_linear_region", df)


def test_04_basins(run_notebook):
    fig = run_notebook("04_basins")
    df = read_csv(fig, "04_basins")
    assert {"radius", "noise_radius", "seed", "final_loss", "epochs", "converged", "success_rate"} <= set(df.columns)
    _files(fig, "04_basins")
    assert set(df.noise_radius) == {1, 10, 20}
    assert df["success_rate"].between(0, 1).all()
    big = df[df.radius == df.radius.max()]
    small_noise = big[big.noise_radius == big.noise_radius.min()]
    assert (small_noise["success_rate"] > 0.9).all()
    # basins grow with the input radius: at the smallest input radius the smallest noise is recovered less often
    small_r = df[(df.radius == df.radius.min()) & (df.noise_radius == df.noise_radius.min())]
    assert small_r["success_rate"].mean() < small_noise["success_rate"].mean() - 0.5
    _flow_limit(fig, "04_basins", df)


def test_05_activations(run_notebook):
    fig = run_notebook("05_activations")
    df = read_csv(fig, "05_activations")
    _files(fig, "05_activations")
    assert set(df.activation) == {"sigmoid", "erf", "tanh"}
    assert {"radius", "seed", "final_loss", "epochs", "converged", "max_abs_eig"} <= set(df.columns)
    hi = df[df.radius == df.radius.max()]
    assert hi["converged"].all() and (hi["max_abs_eig"] < 0.5).all()
    lo = df[df.radius == df.radius.min()]
    assert (lo["max_abs_eig"] > 0.8).all()
    _flow_limit(fig, "05_activations", df)


def test_10_generalization(run_notebook):
    fig = run_notebook("10_generalization")
    df = read_csv(fig, "10_generalization")
    _files(fig, "10_generalization")
    need = {"width", "seed", "n_train", "n_val", "final_loss", "epochs", "converged", "n_attractors",
            "frac_val_to_train", "frac_val_settled", "train_one_step_error", "val_one_step_error"}
    assert need <= set(df.columns)
    # counts are consistent
    assert (df["n_attractors"] <= df["n_true_fixed_points"]).all()
    assert (df["n_true_fixed_points"] <= df["n_iterative_fixed_points"]).all()
    assert (df["n_iterative_fixed_points"] <= df["n_train"]).all()
    assert (df["n_attractors"] <= df["n_radius_below_1"]).all()
    for a, b in (("frac_val_to_attractor", "frac_val_to_train"), ("frac_val_to_train", "frac_val_settled"),
                 ("frac_val_spurious", "frac_val_settled")):
        assert (df[a] <= df[b] + 1e-12).all(), (a, b)
    # (the CSV keeps 6 significant digits, so the sum of two rounded fractions is exact only to ~1e-6)
    np.testing.assert_allclose(df["frac_val_to_train"] + df["frac_val_spurious"], df["frac_val_settled"], atol=2e-6)
    # the converged wide network stores its training points as attractors and fits them far better than
    # it reconstructs unseen points
    wide = df[df.width == df.width.max()]
    assert wide["converged"].all()
    assert (wide["n_attractors"] >= 0.9 * wide["n_train"]).all()
    assert (wide["val_one_step_error"] > 100 * wide["train_one_step_error"]).all()
    _flow_limit(fig, "10_generalization", df)
