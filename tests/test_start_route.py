"""A notebook's results do not depend on how it is started: `make figures` (papermill with the Makefile's
environment) and Run All in JupyterLab (a plain kernel: the notebook as committed, no injected parameters, Python's
random hash seed, the inline backend) give byte-identical tables from empty caches on one machine."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))
STEM = "02_linear_region"  # the cheapest notebook with trained runs, ensembles and a flow (step-size) study


@pytest.mark.notebook
def test_make_figures_and_a_lab_run_give_the_same_tables(tmp_path):
    import papermill as pm
    from nbclient import NotebookClient

    from tools.lib.kernel import KERNEL_ENV, kernel_config, scoped_environ

    # make figures: papermill, -p preset, the Makefile's exports
    make_env = {"ATTRACTOR_FIGURES": str(tmp_path / "make"), "ATTRACTOR_CACHE": str(tmp_path / "make-cache"),
                "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **KERNEL_ENV}
    with scoped_environ(make_env, unset=("ATTRACTOR_PRESET_OVERRIDE",)), \
            tempfile.TemporaryDirectory(prefix="kernels-") as sockets:
        pm.execute_notebook(str(NOTEBOOKS / f"{STEM}.ipynb"), str(tmp_path / "make.ipynb"),
                            parameters={"preset": "smoke"}, kernel_name="python3", cwd=str(NOTEBOOKS),
                            progress_bar=False, config=kernel_config(Path(sockets)))
    # JupyterLab: the committed notebook with its parameters cell edited to the smoke preset, a kernel that
    # inherits no Makefile variable
    nb = nbformat.read(NOTEBOOKS / f"{STEM}.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = params.source.replace('preset = "default"', 'preset = "smoke"')
    assert 'preset = "smoke"' in params.source
    lab_env = {"ATTRACTOR_FIGURES": str(tmp_path / "lab"), "ATTRACTOR_CACHE": str(tmp_path / "lab-cache"),
               "PYTHONHASHSEED": "random"}
    with scoped_environ(lab_env, unset=("ATTRACTOR_PRESET_OVERRIDE", "MPLBACKEND")):
        NotebookClient(nb, kernel_name="python3", timeout=900,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()

    def tables(base: Path) -> dict[str, bytes]:
        return {p.relative_to(base).as_posix().split("/", 1)[-1]: p.read_bytes() for p in base.rglob("*.csv")}

    made, lab = tables(tmp_path / "make"), tables(tmp_path / "lab")
    assert made and sorted(made) == sorted(lab), (sorted(made), sorted(lab))
    differ = [k for k in made if made[k] != lab[k]]
    assert not differ, f"tables that depend on how {STEM} was started: {differ}"
    assert os.environ.get("PYTHONHASHSEED") != "random"  # the environment was restored
