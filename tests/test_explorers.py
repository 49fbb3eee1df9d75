"""The explorers, driven headlessly as a user drives them: change a control, and the numbers, the figure and the
status line follow; a change that keeps the network trains nothing; the figure is also a plain PNG display output
(what a saved notebook shows without a kernel) that fits one screen with the controls; the explore notebook runs
without errors and is committed without outputs."""
from __future__ import annotations

import base64
import hashlib
import io
import math
import os
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

import attractor_utils as au
from attractor_utils import explorers
from attractor_utils.runs import given_data
from attractor_utils.runs.caching import default_cache

ROOT = Path(__file__).resolve().parent.parent
SMALL = dict(width=16, depth=2, max_epochs=3000, lr=1e-3, grid=20, max_steps=100, orbit_steps=10)


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTRACTOR_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def trainings(monkeypatch) -> list:
    """Every network the basin explorer trains (not loads) is appended to this list."""
    calls: list = []
    real = given_data.train_batch

    def counting(chunk, *a, **kw):
        calls.append(len(chunk))
        return real(chunk, *a, **kw)

    monkeypatch.setattr(given_data, "train_batch", counting)
    return calls


def _title(fig) -> str:
    return fig.axes[0].get_title()


def _png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(png)).size


def test_basin_explorer_follows_its_controls(cache):
    ex = au.BasinExplorer(**SMALL)
    r0, fig0 = ex.result, ex.figure
    assert "error" not in r0, ex.status.value
    assert r0["label"].shape == (SMALL["grid"] ** 2,) and 0 <= r0["n_attractors"] <= len(r0["points"]) == 5
    assert ex.status.value.startswith("network trained in") and "width 16" in _title(fig0)
    png0 = ex.png
    assert png0.startswith(b"\x89PNG")
    ex.controls["width"].value = 32  # a control changed: a new network, a new figure
    assert ex.result["settings"]["width"] == 32 and "width 32" in _title(ex.figure) and ex.figure is not fig0
    assert ex.png != png0 and ex.updates == 2
    ex.controls["width"].value = 16  # back: the network this explorer trained before, the same numbers
    assert ex.status.value.startswith("redrawn from the trained network (no training)")
    np.testing.assert_array_equal(ex.result["label"], r0["label"])
    ex.move_point(2, -1.3, 1.3)  # a moved training point: new data, so a new network and new basins
    np.testing.assert_allclose(ex.result["points"][2], [-1.3, 1.3])
    assert ex.status.value.startswith("network trained in")
    ex.controls["n_points"].value = 4
    assert len(ex.result["points"]) == 4 and ex.controls["point"].max == 3
    assert set(np.unique(ex.result["label"])) <= {-2, -1, 0, 1, 2, 3}
    again = au.BasinExplorer(**SMALL)  # the cell re-run: the network comes from the run cache
    assert again.status.value.startswith("network loaded from the run cache (no training)")
    np.testing.assert_array_equal(again.result["label"], r0["label"])


def test_a_change_that_keeps_the_network_trains_nothing_and_says_so(cache, trainings):
    ex = au.BasinExplorer(**SMALL)
    assert trainings == [1] and len(default_cache().entries()) == 1
    model = ex.result["model"]
    png = ex.png
    ex.set_start(0.3, -0.7)  # the orbit's start
    assert trainings == [1] and ex.result["model"] is model and ex.png != png
    assert ex.status.value.startswith("redrawn from the trained network (no training)"), ex.status.value
    np.testing.assert_allclose(ex.result["orbit"][0], [0.3, -0.7], atol=1e-6)
    assert len(ex.result["orbit"]) == SMALL["orbit_steps"] + 1
    ex.controls["grid"].value = 40  # a finer basin map: mapped again, on the same network
    assert ex.result["label"].shape == (40 * 40,) and "no training" in ex.status.value
    ex.controls["vectors"].value = False  # what is drawn
    ex.controls["voronoi"].value = False
    assert ex.status.value.startswith("redrawn from the trained network (no training)")
    assert not ex.figure.axes[0].collections[1:]  # no arrows, no Voronoi edges: the basin image and the stars only
    updates = ex.updates
    ex.controls["point"].value = 3  # which point the sliders move: nothing to redraw
    assert ex.updates == updates
    assert trainings == [1] and len(default_cache().entries()) == 1
    ex.controls["depth"].value = 3  # another network: trained once
    assert trainings == [1, 1] and ex.status.value.startswith("network trained in")


def test_moving_a_point_along_one_axis_keeps_its_other_coordinate(cache):
    ex = au.BasinExplorer(**SMALL)
    y = float(ex.points(5, 0)[0, 1])
    ex.controls["point_x"].value = 0.5
    assert ex.points(5, 0)[0, 0] == 0.5 and ex.points(5, 0)[0, 1] == y  # y stays exact, not its rounded readout


def _prints(control, value) -> str:
    return format(value, control.readout_format)


def test_sliders_print_the_values_they_hold(cache):
    import ipywidgets as W

    ex = au.SingleExampleExplorer(width=4, auto=False)
    radius = ex.controls["radius"]
    assert isinstance(radius, W.FloatLogSlider) and radius.base == 2
    assert _prints(radius, 0.25) == "0.25" and _prints(radius, 2.0) == "2" and _prints(radius, 30.0) == "30"
    assert explorers.on_grid(radius, 0.25) == 0.25 and explorers.on_grid(radius, 1.0) == 1.0
    ex.controls["setting"].value = "ntk"
    for v in (0.25, 0.3, 1.0, 7.0, 10.0, 29.9, 30.0):  # a value set moves to a slider position, as printed
        radius.value = v
        assert float(_prints(radius, radius.value)) == radius.value and ex.result["radius"] == radius.value
        e = math.log2(radius.value)
        k = (e - radius.min) / radius.step
        assert abs(k - round(k)) < 0.05 or radius.value == 30.0, (v, radius.value)
    basins = au.BasinExplorer(**SMALL, auto=False)
    for name in ("point_x", "point_y", "start_x", "start_y"):  # coordinates: the readout prints the value held
        c = basins.controls[name]
        assert float(_prints(c, c.value)) == c.value, (name, c.value)
    basins.set_start(0.25, -0.333)
    assert _prints(basins.controls["start_x"], basins.controls["start_x"].value) == "0.25"
    assert basins.controls["start_y"].value == -0.33


def test_the_figure_is_also_a_static_png_output_replaced_on_every_redraw(cache):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    _ = InteractiveShell.instance()
    try:
        ex = au.BasinExplorer(**SMALL)
        with capture_output() as cap:
            display(ex)
            ex.set_start(0.5, 0.5)
    finally:  # a shell left behind would make later tests' setup_notebook read its input history as a notebook cell
        InteractiveShell.clear_instance()
    outs = cap.outputs
    assert "application/vnd.jupyter.widget-view+json" in outs[0].data  # the controls
    static = [o for o in outs if "image/png" in o.data]
    assert len(static) == 2 and [o.update for o in static] == [False, True]  # shown, then replaced in place
    assert static[0].transient["display_id"] == static[1].transient["display_id"]
    png = base64.b64decode(static[1].data["image/png"])
    assert png == ex.png and png != base64.b64decode(static[0].data["image/png"])
    assert "BasinExplorer" in static[1].data["text/plain"]
    w, h = static[1].metadata["image/png"]["width"], static[1].metadata["image/png"]["height"]
    assert _png_size(png) == (explorers.PIXEL_RATIO * w, explorers.PIXEL_RATIO * h)  # shown at half: not upscaled


@pytest.mark.parametrize("make", [lambda: au.BasinExplorer(**SMALL), lambda: au.SingleExampleExplorer(width=4)],
                         ids=["basins", "single"])
def test_controls_and_figure_fit_one_screen(cache, make):
    ex = make()
    w, h = ex.figure_px()
    assert _png_size(ex.png) == (explorers.PIXEL_RATIO * w, explorers.PIXEL_RATIO * h)
    view_w, view_h = ex.view_px()
    screen_w, screen_h = explorers.SCREEN_PX
    assert view_h + explorers.LAB_CHROME_PX <= screen_h, (view_h, screen_h)
    assert view_w <= screen_w - 120, (view_w, screen_w)  # JupyterLab's prompt gutter and margins
    assert tuple(np.round(ex.figure.get_size_inches() * explorers.CSS_DPI)) == (w, h)


def test_an_explorer_reports_an_error_in_its_status_line(cache, monkeypatch):
    ex = au.BasinExplorer(**SMALL)
    monkeypatch.setattr(ex, "compute", lambda **v: (_ for _ in ()).throw(ValueError("width=3: <too narrow>")))
    ex.controls["depth"].value = 3
    assert "ValueError: width=3: &lt;too narrow&gt;" in ex.status.value and "error" in ex.result


@pytest.mark.parametrize("call, words", [
    (lambda: au.BasinExplorer(activation="gelu", auto=False), "activation='gelu'; accepted values"),
    (lambda: au.BasinExplorer(depth=7, auto=False), "depth=7: must be an integer >= 1 and <= 6"),
    (lambda: au.BasinExplorer(**SMALL, auto=False).move_point(5, 0.0, 0.0), "i=5: must be an integer >= 0 and <= 4"),
    (lambda: au.BasinExplorer(**SMALL, auto=False).set_start(2.0, 0.0), "x=2.0: must be a finite number >= -1.6"),
    (lambda: au.SingleExampleExplorer(setting="ntk-1", auto=False), "setting='ntk-1'; accepted values"),
    (lambda: au.SingleExampleExplorer(radius=3.0, auto=False), "radius=3.0: must be a finite number >= 0.25 and <= 2"),
])
def test_bad_input_names_the_parameter(call, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(".", r"\.")):
        call()


def test_single_example_explorer_meets_the_closed_form_and_follows_its_controls(cache):
    ex = au.SingleExampleExplorer(width=4, depth=1, activation="tanh")
    r = ex.result
    assert r["setting"] == "rank-1" and r["converged"], ex.status.value
    assert ex.status.value.startswith("network trained in")
    # PNAS Theorems 1-2: gradient descent with a small step lands on the gradient-flow closed form
    assert abs(r["top_trained"] - r["closed_form"]) / abs(r["closed_form"]) < 1e-2
    assert "closed form" in _title(ex.figure)
    ex.controls["activation"].value = "sigmoid"
    assert ex.result["activation"] == "sigmoid" and ex.result["top_trained"] != r["top_trained"]
    assert ex.png.startswith(b"\x89PNG") and ex.updates == 2
    ex.controls["activation"].value = "tanh"  # met before: no training
    assert ex.status.value.startswith("redrawn from an earlier run") and ex.result["top_trained"] == r["top_trained"]
    assert au.SingleExampleExplorer(width=4).status.value.startswith("network loaded from the explorer cache")
    ex.controls["depth"].value = 2  # Corollary 2: the product of elasticities at the trained scalars
    assert "Corollary 2" in ex.result["closed_form_name"]
    assert abs(ex.result["top_trained"] - ex.result["closed_form"]) < 1e-6
    ex.controls["setting"].value = "ntk"  # the NTK setting: the spectrum against initialisation, larger radii
    assert ex.controls["radius"].max == math.log2(30.0) and len(ex.result["trained_moduli"]) == min(32, 4)
    assert np.isnan(ex.result["closed_form"]) and "no closed form" in _title(ex.figure)
    ex.controls["radius"].value = 10.0
    assert ex.result["radius"] == ex.controls["radius"].value == 10.4  # the slider's nearest position
    ex.controls["setting"].value = "rank-1"  # back to rank-1: the radius is clipped into its range
    assert ex.controls["radius"].value == 2.0 and ex.result["radius"] == 2.0


def test_the_committed_notebook_holds_no_outputs():
    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    assert nb.metadata["kernelspec"]["name"] == "python3" and "widgets" not in nb.metadata


@pytest.mark.notebook
def test_the_explore_notebook_runs_headless_and_keeps_its_last_views(tmp_path):
    from nbclient import NotebookClient

    from tools.lib.kernel import KERNEL_ENV, kernel_config

    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    # a user's change after the first view: the basins cell's figure output is replaced by the new view
    nb.cells.append(nbformat.v4.new_code_cell("import hashlib\nbasins.set_start(0.5, 0.5)\nprint(basins.status.value)\n"
                                              "print(hashlib.sha256(basins.png).hexdigest())"))
    old = dict(os.environ)
    os.environ.update({**KERNEL_ENV, "ATTRACTOR_CACHE": str(tmp_path / "cache")})
    try:
        with tempfile.TemporaryDirectory(prefix="kernels-") as sockets:
            NotebookClient(nb, kernel_name="python3", timeout=900, config=kernel_config(Path(sockets)),
                           resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    cells = {k: next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(f"{k} = au."))
             for k in ("basins", "single")}
    for name, c in cells.items():
        kinds = [list(o.get("data", {})) for o in c.outputs]
        assert any("application/vnd.jupyter.widget-view+json" in k for k in kinds), (name, kinds)  # live controls
        assert any("image/png" in k for k in kinds), (name, kinds)  # the figure, readable without a kernel
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    statuses = [m["state"]["value"] for m in state.values() if m["model_name"] == "HTMLModel"
                and "answered in" in m["state"].get("value", "")]
    assert len(statuses) == 2 and not any("error" in s for s in statuses), statuses
    status, digest = nb.cells[-1].outputs[0]["text"].split("\n")[:2]
    assert status.startswith("redrawn from the trained network (no training)")
    png = next(o for o in cells["basins"].outputs if "image/png" in o.get("data", {}))["data"]["image/png"]
    assert hashlib.sha256(base64.b64decode(png)).hexdigest() == digest  # the saved output is the last view
