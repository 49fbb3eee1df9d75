"""git's notebook filter (tools/nbclean.py): a notebook run and saved in JupyterLab is stored as committed, so
`git status` stays clean; outputs that `make refresh-outputs` stamped are stored."""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.nbclean import STAMP, clean, dumps, outputs_sha, post_save  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _committed_text(path: Path) -> str:
    """The notebook as git stores it (HEAD); the file itself outside a checkout or before its first commit (a
    notebook run and saved in JupyterLab holds outputs on disk that git does not store)."""
    r = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{path.relative_to(ROOT).as_posix()}"],
                       capture_output=True, text=True)
    return r.stdout if r.returncode == 0 and r.stdout else path.read_text()


def _as_run_in_lab(nb: dict) -> dict:
    """What a Run All at the default preset and a save in JupyterLab change: every output, the counts, the checked
    cells' printouts, cell metadata, the saved widget state and the Python version."""
    nb = copy.deepcopy(nb)
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code":
            continue
        c["execution_count"] = 40 + i
        c["metadata"]["execution"] = {"iopub.status.busy": "2026-12-07T01:00:00"}
        c["metadata"]["scrolled"] = True
        c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": f"default preset, cell {i}\n"},
                        {"output_type": "execute_result", "execution_count": 40 + i, "metadata": {},
                         "data": {"text/plain": "0.97"}}]
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb["metadata"].setdefault("language_info", {})["version"] = "3.12.1"
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebooks_are_their_own_clean_form(path):
    text = _committed_text(path)
    nb = json.loads(text)
    assert dumps(clean(nb, nb)) == text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_lab_run_cleans_to_the_committed_notebook(path):
    text = _committed_text(path)
    committed = json.loads(text)
    assert dumps(clean(_as_run_in_lab(committed), committed)) == text


def test_stamped_outputs_are_stored_and_unstamped_ones_are_not():
    committed = json.loads(_committed_text(ROOT / "notebooks" / "02_linear_region.ipynb"))
    new = _as_run_in_lab(committed)
    new["metadata"][STAMP] = outputs_sha(new)
    out = clean(new, committed)
    kept = [c for c in out["cells"] if c.get("metadata", {}).get("keep_output")]
    assert kept and all(c["outputs"][0]["text"].startswith("default preset") for c in kept)
    assert out["metadata"][STAMP] == outputs_sha(out)
    other = [c for c in out["cells"] if c["cell_type"] == "code" and not c["metadata"].get("keep_output")]
    assert other and all(c["outputs"] == [] for c in other)
    new["cells"][[i for i, c in enumerate(new["cells"]) if c["metadata"].get("keep_output")][0]]["outputs"][0][
        "text"] = "edited after the stamp\n"
    assert dumps(clean(new, committed)) == dumps(committed)


def test_git_status_stays_clean_after_a_lab_run(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "nbclean.py", repo / "tools" / "nbclean.py")
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    nb_path = repo / "notebooks" / "02_linear_region.ipynb"
    nb_path.write_text(_committed_text(ROOT / "notebooks" / "02_linear_region.ipynb"))

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    git("config", "filter.nbclean.clean", f'"{sys.executable}" "{repo / "tools" / "nbclean.py"}" %f')
    git("add", ".")
    git("commit", "-qm", "x")
    committed = json.loads(nb_path.read_text())
    nb_path.write_text(json.dumps(_as_run_in_lab(committed), indent=2))
    assert git("diff") == ""  # git stores it as committed; status still lists it (its size changed) ...
    post_save({"type": "notebook"}, str(nb_path))  # ... until JupyterLab's post-save hook (make lab) looks again
    assert git("status", "--porcelain") == ""
    assert git("diff", "--cached") == ""
    src = [c for c in committed["cells"] if c["cell_type"] == "code"][1]
    src["source"] = src["source"] + ["\n# an edit\n"] if isinstance(src["source"], list) else src["source"] + "\n#"
    nb_path.write_text(json.dumps(committed, indent=1))
    post_save({"type": "notebook"}, str(nb_path))
    assert git("status", "--porcelain") == " M notebooks/02_linear_region.ipynb\n"  # a real edit still shows, unstaged
