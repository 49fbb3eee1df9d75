"""Where a run's files land (README, *Where things land*): figures/ (figures/<preset>/) only for a run whose settings
are exactly the committed notebook's; any other run (a -p override, an edited literal, an edited set-up cell, a run
that never called setup_notebook) writes to variants/<notebook>--<name>=<value>... and replaces no committed file."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest

import attractor_utils as au
from attractor_utils import outputs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TABLE_07 = {"smoke": {"seeds": [0], "grid": 40}, "default": {"seeds": [0, 1, 2], "grid": 150},
            "paper": {"seeds": [0, 1, 2, 3, 4], "grid": 400}}


@pytest.fixture
def base(monkeypatch, tmp_path):
    """A figures base of its own ($ATTRACTOR_FIGURES), no preset override, and the route reset afterwards."""
    monkeypatch.setenv("ATTRACTOR_FIGURES", str(tmp_path / "figs"))
    monkeypatch.delenv("ATTRACTOR_PRESET_OVERRIDE", raising=False)
    yield tmp_path / "figs"
    outputs.set_output_dir(None)


def _setup_07(preset: str, namespace: dict | None = None, **overrides) -> Path:
    ns = dict(outputs.notebook_parameters(outputs.committed_notebook("07_basins_2d")))
    ns.update(namespace or {})
    kw = {"seeds": ns["seeds"], "grid": ns["grid"], **overrides}
    au.setup_notebook(preset, TABLE_07, notebook="07_basins_2d", namespace=ns, **kw)
    return outputs.figures_dir()


def test_the_committed_settings_write_the_preset_folder(base):
    assert _setup_07("default") == base
    assert _setup_07("smoke") == base / "smoke"
    assert _setup_07("paper") == base / "paper"
    # a setting set to the value its preset gives it changes nothing
    assert _setup_07("default", seeds=[0, 1, 2]) == base
    assert _setup_07("paper", grid=400) == base / "paper"


def test_an_override_or_an_edited_literal_writes_a_variant_folder_named_for_it(base, capsys):
    assert _setup_07("default", grid=20) == base / "variants" / "07_basins_2d--grid=20"
    assert "NOTE: not" in capsys.readouterr().out  # said at the top of the notebook's output
    # an edited literal of the parameters cell (as in JupyterLab), with a preset override
    assert _setup_07("paper", {"width": 64}, seeds=[0]) == base / "paper" / "variants" / "07_basins_2d--seeds=0--width=64"
    # the preset from the environment (make test) routes like -p preset
    os.environ["ATTRACTOR_PRESET_OVERRIDE"] = "smoke"
    try:
        assert _setup_07("default", {"lr": 1e-3}) == base / "smoke" / "variants" / "07_basins_2d--lr=0.001"
    finally:
        del os.environ["ATTRACTOR_PRESET_OVERRIDE"]


def test_a_run_that_cannot_be_checked_never_writes_the_preset_folder(base):
    outputs.set_output_dir(None)
    assert outputs.figures_dir() == base / "variants" / outputs.UNCHECKED  # savefig without setup_notebook
    au.setup_notebook("default", TABLE_07, seeds=None, grid=None, namespace={})  # not from a notebook cell
    assert outputs.figures_dir() == base / "variants" / outputs.UNIDENTIFIED


def test_slugs_are_readable_deterministic_and_distinct():
    assert outputs.variant_slug("09_width_depth_mnist", {"widths": [1024], "depths": [4, 6]}) == \
        "09_width_depth_mnist--widths=1024--depths=4,6"
    assert outputs.variant_slug("03_x", {"skip": [[100000, 20]]}) == "03_x--skip=100000+20"
    odd = [outputs.variant_slug("01_x", {"lr": {"a b": 1}}), outputs.variant_slug("01_x", {"lr": {"a/b": 1}})]
    assert odd[0] != odd[1] and all("/" not in s and " " not in s for s in odd)  # lossy names get a digest
    long = outputs.variant_slug("06_x", {"widths": list(range(100))})
    assert len(long) <= 150 and long == outputs.variant_slug("06_x", {"widths": list(range(100))})


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_every_notebook_is_found_by_its_set_up_cell_and_has_literal_parameters(stem):
    nb = outputs.committed_notebook(stem)
    params = outputs.notebook_parameters(nb)  # raises, naming it, on a parameter that is not a literal
    assert params.get("preset") == "default"
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code" and "setup_notebook(" in "".join(c["source"]))
    assert outputs.find_notebook("".join(setup["source"])) == (stem, True)
    assert outputs.find_notebook("".join(setup["source"]) + "\nx = 1") == (None, False)  # an edited set-up cell


# --- the notebooks themselves, run as a user would ---------------------------------------------------------------

def _execute(nb, env: dict, unset: tuple | list = ()) -> nbformat.NotebookNode:
    """Run ``nb`` in a kernel with ``env`` added to this process's environment and ``unset`` removed (cwd
    notebooks/, as make figures runs it)."""
    from nbclient import NotebookClient

    from tools.lib.kernel import KERNEL_ENV, kernel_config

    old = dict(os.environ)
    for k in ("ATTRACTOR_PRESET_OVERRIDE", *unset):
        os.environ.pop(k, None)
    os.environ.update({**KERNEL_ENV, **env})
    try:
        with tempfile.TemporaryDirectory(prefix="kernels-") as sockets:
            NotebookClient(nb, kernel_name="python3", timeout=1200, config=kernel_config(Path(sockets)),
                           resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb


def _with_parameters(stem: str, **params) -> nbformat.NotebookNode:
    """The notebook as papermill runs it with ``-p name value`` for each of ``params``: a cell of assignments right
    after the parameters cell."""
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    src = "# Parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]}))
    return nb


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.notebook
def test_a_notebook_run_with_an_override_or_an_edited_literal_leaves_the_preset_folder_alone(tmp_path):
    env = {"ATTRACTOR_FIGURES": str(tmp_path / "figs"), "ATTRACTOR_CACHE": str(tmp_path / "cache")}
    _execute(_with_parameters("07_basins_2d", preset="smoke", grid=20), env)
    figs = tmp_path / "figs"
    assert _files(figs) and all(f.startswith("smoke/variants/07_basins_2d--grid=20/") for f in _files(figs))
    # JupyterLab: the parameters cell edited in place (no -p), run at the smoke preset
    nb = _with_parameters("07_basins_2d", preset="smoke")
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "max_steps = 1000" in cell.source
    cell.source = cell.source.replace("max_steps = 1000", "max_steps = 500")
    _execute(nb, env)
    assert {f.split("/")[2] for f in _files(figs)} == {"07_basins_2d--grid=20", "07_basins_2d--max_steps=500"}
    out = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "figures and CSVs -> " + str(figs / "smoke" / "variants" / "07_basins_2d--max_steps=500") in out


def _status(path: str) -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", path], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*") if p.is_file()}


@pytest.mark.notebook
@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git checkout")
def test_a_default_preset_run_with_one_override_leaves_git_status_of_figures_unchanged(tmp_path):
    """The issue's check: at the default preset, -p seeds "[0]" writes into figures/variants/..., which git ignores,
    and not one committed file of figures/ changes (git status of figures/ is as before the run)."""
    figures = ROOT / "figures"
    before, contents = _status("figures"), _contents(figures)
    variant = figures / "variants" / "07_basins_2d--seeds=0"
    shutil.rmtree(variant, ignore_errors=True)
    env = {"ATTRACTOR_CACHE": os.environ.get("ATTRACTOR_CACHE") or str(tmp_path / "cache")}
    try:
        nb = _execute(_with_parameters("07_basins_2d", preset="default", seeds=[0]), env, unset=["ATTRACTOR_FIGURES"])
        assert (variant / "07_basins_2d.csv").is_file() and (variant / "07_basins_2d.png").is_file()
        assert _status("figures") == before
        assert _contents(figures) == contents
        out = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        assert f"figures and CSVs -> {variant}" in out and "NOTE: not" in out
    finally:
        for name, data in contents.items():  # a broken rule must not leave the checkout damaged
            if (figures / name).read_bytes() != data:
                (figures / name).write_bytes(data)
        shutil.rmtree(variant, ignore_errors=True)
        if variant.parent.is_dir() and not any(variant.parent.iterdir()):
            variant.parent.rmdir()


def test_scoped_environ_restores_every_variable_it_touched_even_on_an_error(monkeypatch):
    """The kernels' environment (tools/run_notebooks.scoped_environ, used by make figures/plan, refresh-outputs and
    the notebook tests): a variable set, replaced or removed inside the block is back as it was afterwards."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tools.lib.kernel import scoped_environ

    monkeypatch.setenv("ATTRACTOR_T_KEEP", "old")
    monkeypatch.setenv("ATTRACTOR_T_GONE", "there")
    monkeypatch.delenv("ATTRACTOR_T_NEW", raising=False)
    with pytest.raises(RuntimeError):
        with scoped_environ({"ATTRACTOR_T_KEEP": "new", "ATTRACTOR_T_NEW": "1"}, unset=("ATTRACTOR_T_GONE",)):
            assert (os.environ["ATTRACTOR_T_KEEP"], os.environ["ATTRACTOR_T_NEW"]) == ("new", "1")
            assert "ATTRACTOR_T_GONE" not in os.environ
            raise RuntimeError("a kernel failed")
    assert os.environ["ATTRACTOR_T_KEEP"] == "old" and os.environ["ATTRACTOR_T_GONE"] == "there"
    assert "ATTRACTOR_T_NEW" not in os.environ


def test_a_run_with_param_overrides_shows_no_plan_of_the_whole_preset():
    """`make plan` stores one plan per notebook and preset; a --param run (a paper cell) trains other runs, so its
    progress must not show that plan's run count and ETA (06-grid showed 'runs 0/234, ETA 14.3 h' for 12 runs)."""
    from tools.run_notebooks import plan_applies

    assert plan_applies({"preset": "paper"})
    assert plan_applies({})
    assert not plan_applies({"preset": "paper", "widths": [32, 128]})
    assert not plan_applies({"seeds": [0]})
