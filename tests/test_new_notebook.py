"""tools/new_notebook.py: the skeleton of a new figure runs as it is, at the smoke preset, and follows the house
conventions (one literal-only parameters cell, a checked summary, outputs named after the notebook)."""
import ast
import json
import sys
from pathlib import Path

import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.new_notebook import make  # noqa: E402

pytestmark = pytest.mark.notebook


def test_generated_notebook_runs_and_follows_the_conventions(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "tests").mkdir()
    nb_path, test_path = make("99_template_check", "Template check", root=tmp_path)
    nb = json.loads(nb_path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    params = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    for node in ast.parse("".join(params[0]["source"])).body:  # literals only
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    assert any("nbval-check-output" in c["metadata"].get("tags", []) for c in nb["cells"])
    ast.parse(test_path.read_text())
    with pytest.raises(SystemExit, match="exists"):
        make("99_template_check", "again", root=tmp_path)
    with pytest.raises(SystemExit, match="NN_lowercase"):
        make("template", "bad name", root=tmp_path)
    figs = tmp_path / "figs"
    monkeypatch.setenv("ATTRACTOR_FIGURES", str(figs))
    monkeypatch.setenv("ATTRACTOR_CACHE", str(tmp_path / "cache"))
    pm.execute_notebook(str(nb_path), str(tmp_path / "out.ipynb"), parameters={"preset": "smoke", "max_epochs": 300},
                        kernel_name="python3", progress_bar=False, cwd=str(ROOT / "notebooks"))
    out = figs / "smoke" / "variants" / "unidentified-notebook"  # not in notebooks/: its settings cannot be checked
    assert (out / "99_template_check.csv").is_file() and (out / "99_template_check.png").is_file()
