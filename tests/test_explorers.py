"""The explorers, driven headlessly as a user drives them: change a control, and the numbers and the figure follow;
the explore notebook runs without errors."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

import attractor_utils as au

ROOT = Path(__file__).resolve().parent.parent
SMALL = dict(width=16, depth=2, max_epochs=3000, lr=1e-3, grid=16, max_steps=100, orbit_steps=10)


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTRACTOR_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _title(fig) -> str:
    return fig.axes[0].get_title()


def test_basin_explorer_follows_its_controls(cache):
    ex = au.BasinExplorer(**SMALL)
    r0, fig0 = ex.result, ex.figure
    assert "error" not in r0, ex.status.value
    assert r0["label"].shape == (SMALL["grid"] ** 2,) and 0 <= r0["n_attractors"] <= len(r0["points"]) == 5
    assert "trained now" in ex.status.value and "width 16" in _title(fig0)
    png0 = bytes(ex.image.value)
    assert png0.startswith(b"\x89PNG")  # the figure shown, as an image widget
    ex.controls["width"].value = 32  # a control changed: a new network, a new figure
    assert ex.result["settings"]["width"] == 32 and "width 32" in _title(ex.figure) and ex.figure is not fig0
    assert bytes(ex.image.value) != png0
    assert ex.updates == 2
    ex.controls["width"].value = 16  # back: the network comes from the cache, the same numbers
    assert "from the cache" in ex.status.value
    np.testing.assert_array_equal(ex.result["label"], r0["label"])
    model = ex.result["model"]
    png = bytes(ex.image.value)
    ex.set_start(0.3, -0.7)  # a new start: its orbit, no retraining
    assert ex.result["model"] is model and bytes(ex.image.value) != png
    np.testing.assert_allclose(ex.result["orbit"][0], [0.3, -0.7], atol=1e-6)
    assert len(ex.result["orbit"]) == SMALL["orbit_steps"] + 1
    ex.move_point(2, -1.3, 1.3)  # a moved training point: new data, so a new network and new basins
    np.testing.assert_allclose(ex.result["points"][2], [-1.3, 1.3])
    assert "trained now" in ex.status.value
    ex.controls["n_points"].value = 4
    assert len(ex.result["points"]) == 4 and ex.controls["point"].max == 3
    assert set(np.unique(ex.result["label"])) <= {-2, -1, 0, 1, 2, 3}


def test_an_explorer_reports_an_error_in_its_status_line(cache, monkeypatch):
    ex = au.BasinExplorer(**SMALL)
    monkeypatch.setattr(ex, "compute", lambda **v: (_ for _ in ()).throw(ValueError("width=3: too narrow")))
    ex.controls["depth"].value = 3
    assert "ValueError: width=3: too narrow" in ex.status.value and "error" in ex.result


def test_single_example_explorer_meets_the_closed_form_and_follows_its_controls(cache):
    ex = au.SingleExampleExplorer(width=4, depth=1, activation="tanh")
    r = ex.result
    assert r["setting"] == "rank-1" and r["converged"], ex.status.value
    # PNAS Theorems 1-2: gradient descent with a small step lands on the gradient-flow closed form
    assert abs(r["top_trained"] - r["closed_form"]) / abs(r["closed_form"]) < 1e-2
    assert "closed form" in _title(ex.figure)
    ex.controls["activation"].value = "sigmoid"
    assert ex.result["activation"] == "sigmoid" and ex.result["top_trained"] != r["top_trained"]
    assert bytes(ex.image.value).startswith(b"\x89PNG") and ex.updates == 2
    ex.controls["depth"].value = 2  # Corollary 2: the product of elasticities at the trained scalars
    assert "Corollary 2" in ex.result["closed_form_name"]
    assert abs(ex.result["top_trained"] - ex.result["closed_form"]) < 1e-6
    ex.controls["setting"].value = "ntk"  # the NTK setting: the spectrum against initialisation, larger radii
    assert ex.controls["radius"].max == 30.0 and len(ex.result["trained_moduli"]) == min(32, 4)  # rank <= width
    assert np.isnan(ex.result["closed_form"]) and "no closed form" in _title(ex.figure)
    ex.controls["radius"].value = 10.0
    assert ex.result["radius"] == 10.0
    ex.controls["setting"].value = "rank-1"  # back to rank-1: the radius is clipped into its range
    assert ex.controls["radius"].value == 2.0 and ex.result["radius"] == 2.0


@pytest.mark.notebook
def test_the_explore_notebook_runs_headless(tmp_path):
    from nbclient import NotebookClient

    from tools.run_notebooks import KERNEL_ENV, kernel_config

    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    old = dict(os.environ)
    os.environ.update({**KERNEL_ENV, "ATTRACTOR_CACHE": str(tmp_path / "cache")})
    try:
        with tempfile.TemporaryDirectory(prefix="kernels-") as sockets:
            NotebookClient(nb, kernel_name="python3", timeout=900, config=kernel_config(Path(sockets)),
                           resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    views = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 2  # the two explorers are displayed
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    statuses = [m["state"]["value"] for m in state.values() if m["model_name"] == "HTMLModel"]
    assert sum("answered in" in s for s in statuses) == 2 and not any("error" in s for s in statuses), statuses
    assert sum(m["model_name"] == "ImageModel" for m in state.values()) == 2  # each with its figure
