"""Notebook 06 (ReLU grid, thesis): one row per run, consistent counts, no attractors without bias
(positive homogeneity), the data source said plainly, dimensions as parameters. Smoke preset."""
import numpy as np
import pytest

from conftest import read_csv, notebook_outputs

pytestmark = pytest.mark.notebook

STEM = "06_relu_grid"


def test_relu_grid_smoke(run_notebook):
    fig = run_notebook(STEM)
    df = read_csv(fig, STEM)
    need = {"depth", "width", "bias", "dataset", "seed", "epochs", "final_loss", "converged", "n_attractors",
            "n_settled", "n_false_positives", "data_source", "median_homogeneity_residual",
            "n_borderline"}
    assert need <= set(df.columns)
    assert ((df.n_borderline >= 0) & (df.n_borderline <= df.n_images)).all()
    # one row per run: smoke grid is 2 depths x 1 width x 2 biases x 2 data sets x 1 seed
    assert len(df) == 8
    assert not df.duplicated(["dataset", "depth", "width", "bias", "seed"]).any()
    assert set(df["depth"]) == {1, 2} and set(df["bias"]) == {True, False}
    # counts are consistent
    n = df["n_images"]
    assert (df["n_attractors"] <= df["n_true_fixed_points"]).all()
    assert (df["n_true_fixed_points"] <= df["n_settled"]).all()
    assert (df["n_false_positives"] <= df["n_settled"]).all()
    assert (df["n_false_positives"] + df["n_true_fixed_points"] == df["n_settled"]).all()
    assert (df["n_settled"] <= n).all()
    # runs that miss the loss threshold are kept and marked
    assert np.isfinite(df["final_loss"]).all() and (df["final_loss"] > 0).all()
    assert (df["epochs"] <= 1000).all()
    # the smoke grid is small enough to memorize: with bias some runs converge and hold attractors, so "no
    # attractors without bias" below is tested against runs that can have them (not vacuously)
    wb = df[df["bias"]]
    assert wb["converged"].any() and wb["n_attractors"].sum() > 0
    # no bias: no attractors, and J(x) x = f(x) holds to rounding (positive homogeneity); bias breaks it
    nb = df[~df["bias"]]
    assert (nb["n_attractors"] == 0).all()
    assert (nb["median_homogeneity_residual"] < 1e-5).all()
    assert (df[df["bias"]]["median_homogeneity_residual"] > 1e-3).all()
    # the data source is said plainly, in the CSV and at the top of the output
    cif = df[df["dataset"] != "uniform_images"]
    assert set(df[df["dataset"] == "uniform_images"]["data_source"]) == {"uniform random images"}
    if (cif["dataset"] == "patches").all():
        assert set(cif["data_source"]) == {"STAND-IN photo patches"}
        assert "NOTE: CIFAR-10 is not available" in notebook_outputs(fig, STEM, "stdout")
    else:
        assert set(cif["data_source"]) == {"CIFAR-10"}
    # keep_best: the loss stored is the lowest seen; the claims table names the bias-free verdict it computed
    assert (df["final_loss"] <= df["last_loss"] * (1 + 1e-12)).all()
    cl = read_csv(fig, f"{STEM}_claims")
    nobias = cl[cl.claim == "Without bias no attractors appear"]
    assert list(nobias.verdict) == ["agrees"] and f"in {int((~df['bias']).sum())} bias-free runs" in nobias.measured.iloc[0]
    for name in (STEM, f"{STEM}_loss_fp", f"{STEM}_examples", f"{STEM}_homogeneity"):
        assert (fig / f"{name}.png").is_file() and (fig / f"{name}.pdf").is_file()


def test_relu_grid_dimensions_are_parameters(tmp_path, monkeypatch):
    # papermill directly: list parameters are not hashable for the memoising run_notebook fixture
    import papermill as pm

    from conftest import NOTEBOOKS

    monkeypatch.setenv("ATTRACTOR_FIGURES", str(tmp_path))
    monkeypatch.setenv("ATTRACTOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ATTRACTOR_PRESET_OVERRIDE", raising=False)
    pm.execute_notebook(str(NOTEBOOKS / f"{STEM}.ipynb"), str(tmp_path / f"{STEM}.ipynb"),
                        parameters={"preset": "smoke", "depths": [1], "widths": [16, 24], "biases": [True, False],
                                    "datasets": ["uniform_images"], "n_images": 10, "epochs": 20},
                        kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False)
    (out,) = (tmp_path / "smoke" / "variants").glob(f"{STEM}--*")  # a run with overrides: a folder named for them
    assert out.name.startswith(f"{STEM}--depths=1--") and "--widths=16,24--" in out.name
    df = read_csv(out, STEM)
    assert len(df) == 4
    # a user's widths apply without bias too unless widths_without_bias sets them apart
    assert set(df[df["bias"]]["width"]) == set(df[~df["bias"]]["width"]) == {16, 24}
    assert set(df["width"]) == {16, 24} and set(df["n_images"]) == {10} and set(df["epochs"]) == {20}
    assert (df["n_settled"] <= 10).all()
