"""Notebook 01 (one trained example, Jiang & Pehlevan): trained vs initial top |eigenvalue|, in the flow limit. Smoke preset."""
import numpy as np
import pytest

from conftest import read_csv, figure_files, flow_limit

pytestmark = pytest.mark.notebook


def test_01_single_example(run_notebook):
    fig = run_notebook("01_single_example")
    df = read_csv(fig, "01_single_example")
    need = {"activation", "width", "depth", "radius", "seed", "final_loss", "epochs", "converged",
            "max_abs_eig_init", "max_abs_eig", "abs_diff"}
    assert need <= set(df.columns)
    for name in ("01_single_example", "01_single_example_tanh", "01_single_example_relu",
                 "01_single_example_width50"):
        figure_files(fig, name)
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
    flow_limit(fig, "01_single_example", df)
    assert set(df[df.activation != "relu"].optimizer) == {"flow"}
