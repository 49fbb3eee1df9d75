"""JupyterLab as users meet it: a notebook run in a kernel started with the environment `make lab` gives it shows
its figures inline (the Makefile exports MPLBACKEND=Agg for headless runs; `make lab` must unset it)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebook
ROOT = Path(__file__).resolve().parent.parent


def _lab_environment() -> dict:
    """The environment `make lab` starts the server (and so the kernels) with, read from the Makefile's recipe."""
    out = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = [ln for ln in out.splitlines() if "jupyter lab" in ln][-1]
    env = dict(os.environ, MPLBACKEND="Agg")  # what the Makefile exports to every recipe
    for name in re.findall(r"env -u (\w+)", line):
        env.pop(name, None)
    return env


def _run(env: dict, tmp_path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(ROOT / "notebooks" / "02_linear_region.ipynb", as_version=4)
    env = {**env, "ATTRACTOR_PRESET_OVERRIDE": "smoke", "ATTRACTOR_FIGURES": str(tmp_path / "fig"),
           "ATTRACTOR_CACHE": str(tmp_path / "cache")}
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        NotebookClient(nb, kernel_name="python3", timeout=600,
                       resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb


def _figure_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and "savefig(" in c.source]


def test_make_lab_kernels_show_figures_inline(tmp_path):
    assert "MPLBACKEND" not in _lab_environment()
    nb = _run(_lab_environment(), tmp_path)
    cells = _figure_cells(nb)
    assert cells
    for c in cells:
        kinds = [k for o in c.outputs if o.output_type in ("display_data", "execute_result") for k in o.get("data", {})]
        assert "image/png" in kinds, (c.source[:80], kinds)


def test_the_headless_backend_would_hide_them(tmp_path):
    """The check above can fail: with MPLBACKEND=Agg (the Makefile's export) the same cells draw nothing inline."""
    nb = _run(dict(os.environ, MPLBACKEND="Agg"), tmp_path)
    imgs = [o for c in _figure_cells(nb) for o in c.outputs if "image/png" in o.get("data", {})]
    assert not imgs


def test_opening_a_notebook_leaves_it_unmodified():
    """JupyterLab rewrites a notebook's kernelspec to the installed kernel's names on open; they match."""
    spec = json.loads(subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
                                     capture_output=True, text=True, check=True).stdout)["kernelspecs"]["python3"]
    for p in sorted((ROOT / "notebooks").glob("*.ipynb")):
        ks = json.loads(p.read_text())["metadata"]["kernelspec"]
        assert ks["name"] == "python3" and ks["display_name"] == spec["spec"]["display_name"], p.name
