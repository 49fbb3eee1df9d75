"""Every command the README and docs/*.md show works as written.

The commands are the lines of their ```bash blocks and their inline `...` spans that start with ``make``,
``papermill`` or ``python`` (after any ``VAR=value`` assignments) and give the tool an argument (a bare `make` names
the tool). Each is either in :data:`RUN`, and run here as written, or in :data:`NOT_RUN` with the reason it is not,
and then checked without running it (:func:`syntax_check`). A command the documents gain that is in neither table,
or an entry of either table that no document shows any longer, fails
:func:`test_every_command_is_run_or_has_a_reason`. The commands of ``tools/`` are spelled as modules run from the
work tree's root, ``python -m tools.<command>`` (:func:`test_tools_commands_are_spelled_as_modules`).

Commands run in a scratch work tree (the checkout's files linked, ``tools/`` copied, since its scripts find the work
tree from their own path and write ``build/`` there; no ``.git``, so ``make setup`` leaves the checkout's git
configuration alone) at the smoke preset: ``ATTRACTOR_PRESET_OVERRIDE=smoke`` for
notebooks run directly, and ``PRESET=smoke``, which the Makefile's ``PRESET ?= default`` takes from the environment,
for ``make figures`` (tools/run_notebooks.py drops the override). Figures go to ``$ATTRACTOR_FIGURES`` in the scratch
folder, trained runs to the notebook tests' cache, and the venv is the running interpreter's (``VENV``).
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent

# run as written at the smoke preset: command -> whether it runs a notebook (then marked `notebook`)
RUN: dict[str, bool] = {
    "make figures NB=02_linear_region": True,
    'papermill notebooks/02_linear_region.ipynb 02.ipynb -p preset smoke -p n_points "[2]"': True,
    "papermill --help-notebook notebooks/02_linear_region.ipynb": False,
    "python -m tools.paper_cells --list": False,
}

# not run here, with the reason; each is still checked by syntax_check
NOT_RUN: dict[str, str] = {
    "make figures": "every notebook at the default preset: hours on 2 cores",
    "make figures PRESET=smoke": "every notebook at smoke, the notebook part of make test (minutes); "
                                 "tests/test_nb_*.py run each one",
    "make figures PRESET=paper": "every notebook at the papers' scale: meant for a GPU or a cluster",
    "make figures NB=<stem>": "<stem> is the notebook being added (checked with 02_linear_region); at the default "
                              "preset",
    "make figures NB=<stem> PRESET=smoke": "<stem> is the notebook being added (checked with 02_linear_region); "
                                           "make figures NB=02_linear_region is run at smoke",
    "make figures VENV=$CONDA_PREFIX": "needs a conda environment, and runs every notebook at the default preset",
    "make figures CLUSTER=tcp://scheduler:8786": "needs a Dask scheduler at that address",
    "OMP_NUM_THREADS=4 make figures CLUSTER=local:8": "every notebook at the default preset on 8 local workers of "
                                                      "4 threads: a 32-core machine",
    "ATTRACTOR_CACHE=/shared/attractor-cache make figures PRESET=paper CLUSTER=tcp://scheduler-host:8786":
        "the paper preset on a Dask cluster at that address, with a shared cache",
    "dask scheduler --port 8786": "starts a Dask scheduler that runs until stopped",
    "dask worker tcp://scheduler-host:8786 --nworkers 16 --nthreads 1": "starts Dask workers for a scheduler on "
                                                                        "another machine",
    "make test": "the whole test suite, this test included: up to an hour on 2 cores",
    "make lab": "starts a JupyterLab server that runs until stopped",
    "make setup": "installs the pinned packages into the venv (from the package index or a wheel cache)",
    'make setup TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"':
        "installs torch from PyTorch's package index (network)",
    "make lock": "re-resolves requirements.lock from the package index (network)",
    "make compare": "compares the checkout's figures/ (not $ATTRACTOR_FIGURES) with git HEAD, so its verdict is "
                    "that of the last make figures here; tests/test_compare_figures.py tests the tool",
    'make compare ARGS="--rev REV --common-columns"': "REV is an earlier commit of the reader's choosing; "
                                                        "tests/test_compare_figures.py tests the comparison",
    "make compare ARGS=--across-machines": "compares the checkout's figures/ with git HEAD at the loosened tolerance of "
                                      "another CPU; tests/test_compare_figures.py tests it",
    "make report": "builds build/report of the checkout from its committed figures/ (the scratch tree has none); "
                   "tests/test_report.py builds the report a fresh clone gets, and one from executed notebooks",
    "make clean": "deletes build/, figures/smoke/ and figures/variants/ of the checkout",
    "make plan": "plan passes of every notebook (minutes) and, on a new machine, a calibration of up to two "
                 "minutes; tests/test_plan.py tests the planner",
    "make plan PRESET=paper": "plan passes of every notebook at the paper preset: notebook 03's spectra of 750 "
                              "networks alone take long",
    'make plan [PRESET=paper] [NB="06_relu_grid 09_width_depth_mnist"] [WORKERS=8]':
        "a synopsis of make plan's options (checked with all of them set); plan passes at the paper preset",
    "make plan PRESET=paper NB=...": "NB=... stands for the notebook of a paper cell (checked with "
                                     "02_linear_region); a plan pass at the paper preset",
    "make plan PROBE=P[,T]": "trains a probe of every new recipe of every notebook (up to T seconds each); probes are "
                             "tested in tests/test_plan.py",
    "make plan CELL=03-wide PROBE=60": "a plan pass of notebook 03 at widths up to 1e6 with probes that train "
                                       "(minutes); cells are planned in tests/test_plan.py",
    "make plan WORKERS=N": "N stands for a number of workers (checked with 2); as make plan",
    "make plan-check": "needs the cold times of a full make figures (figures/timings.json) and plan passes of every "
                       "notebook",
    "make plan-check CALIBRATE=1": "as make plan-check, and calibrates the machine again (up to two minutes)",
    "make plan-check PRESET=smoke": "cold runs and plan passes of every notebook at smoke: several minutes",
    "python -m tools.run_notebooks --cold": "every notebook at the default preset on an empty cache: hours",
    "make paper-cells [CELL=09-wide]": "the paper-scale cells: hours each (a synopsis: checked with CELL set)",
    "make refresh-outputs NB=<stem>": "rewrites a notebook of the checkout in place (<stem>: checked with "
                                      "02_linear_region)",
    'python -m tools.new_notebook 14_my_figure "What it shows (source)"':
        "writes notebooks/14_my_figure.ipynb and its test into the checkout; tests/test_new_notebook.py runs it "
        "into a scratch folder",
    "papermill --help-notebook notebooks/14_my_figure.ipynb": "reads the notebook the step before it creates; the "
                                                              "same command on notebook 02 is run",
    "make bench": "the four benchmarks: tens of minutes",
    "make bench-memorize": "trains to MSE 1e-8 for each route: about 15 minutes on a 2-core CPU",
    "make bench-spectra": "trains and decomposes nets of widths up to 2048: minutes",
    "make bench-limit": "rewrites the committed bench/limit.md and limit.json with this machine's timings (what it "
                        "computes is tested in tests/test_limit.py)",
}

# what the placeholders of the commands in NOT_RUN stand for in their syntax check
PLACEHOLDERS = {"<stem>": "02_linear_region", "NB=...": "NB=02_linear_region", "WORKERS=N": "WORKERS=2",
                "$CONDA_PREFIX": str(VENV)}
OPTIONAL = re.compile(r"\[([A-Z_]+=[^\]]*)\]")  # `make plan [PRESET=paper]`: a synopsis's optional variable
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
VARIABLE = r"[A-Za-z_][A-Za-z0-9_]*="
ASSIGNMENT = re.compile(f"^{VARIABLE}")
COMMAND = re.compile(rf"^(?:{VARIABLE}\S*\s+)*(?:make|papermill|python)\s+\S")


def documents() -> list[Path]:
    """The documents whose commands are checked: the README, then docs/*.md."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def doc_commands() -> dict[str, list[str]]:
    """Every command of :func:`documents` -> the documents that show it (paths from the root)."""
    where: dict[str, list[str]] = {}
    for path in documents():
        for cmd in dict.fromkeys(readme_commands(path.read_text())):
            where.setdefault(cmd, []).append(str(path.relative_to(ROOT)))
    return where


def readme_commands(text: str | None = None) -> list[str]:
    """The commands of a document's ``text`` (default: the README), whitespace collapsed, in order: each line of a
    ```bash block (a comment after ``#`` dropped, ``\\`` continuations joined) and each inline span matching
    :data:`COMMAND`."""
    text = (ROOT / "README.md").read_text() if text is None else text
    out = []
    for lang, body in FENCE.findall(text):
        if lang == "bash":
            for line in body.replace("\\\n", " ").splitlines():
                line = re.sub(r"(^|\s)#.*$", "", line).strip()
                if line:
                    out.append(" ".join(line.split()))
    spans = (" ".join(s.split()) for s in re.findall(r"`([^`]+)`", FENCE.sub("", text)))
    return out + [s for s in spans if COMMAND.match(s)]


def _split(cmd: str) -> tuple[dict[str, str], list[str]]:
    """(the leading VAR=value assignments, the rest of the words) of a command."""
    words = shlex.split(cmd)
    n = next(i for i, w in enumerate(words) if not ASSIGNMENT.match(w))
    return dict(w.split("=", 1) for w in words[:n]), words[n:]


def syntax_check(cmd: str) -> tuple[dict[str, str], list[str]]:
    """(environment, argv) that check ``cmd`` without running it, its placeholders filled in: make's dry run (the
    target exists and its recipe expands), the compilation of a Python script or of the module that ``python -m``
    runs, found from the work tree's root as ``-m`` finds it (nothing run, nothing written), or a tool's ``--help``
    (papermill and dask handle it before anything runs)."""
    for k, v in PLACEHOLDERS.items():
        cmd = cmd.replace(k, v)
    env, words = _split(OPTIONAL.sub(r"\1", cmd))
    if words[0] == "make":
        return env, ["make", "-n", *words[1:]]
    if words[:2] == ["python", "-m"]:
        return env, [sys.executable, "-c", "import importlib.util, sys; p = importlib.util.find_spec(sys.argv[1])"
                     ".origin; compile(open(p).read(), p, 'exec')", words[2]]
    if words[0] == "python":
        return env, [sys.executable, "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
                     words[1]]
    return env, [*words, "--help"]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, nb_outdir) -> tuple[Path, dict[str, str]]:
    """(scratch work tree, environment) the commands run in (module docstring)."""
    tmp = tmp_path_factory.mktemp("readme")
    work = tmp / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".git", "build", "figures", ".cache", "tools", ".pytest_cache"}:
            (work / entry.name).symlink_to(entry)
    shutil.copytree(ROOT / "tools", work / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items()
           if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ATTRACTOR_CLUSTER", "ATTRACTOR_PROGRESS"}}
    env.update(PATH=f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}", VENV=str(VENV), PRESET="smoke",
               ATTRACTOR_PRESET_OVERRIDE="smoke",
               ATTRACTOR_FIGURES=str(tmp / "figures"),  # a command that is run gets a folder of its own
               ATTRACTOR_CACHE=str(nb_outdir / "cache"),  # the notebook tests' run cache
               GIT_CEILING_DIRECTORIES=str(tmp))  # git finds no repository for the scratch tree, even above it
    return work, env


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: int) -> None:
    """Run ``argv``; a non-zero exit fails with the end of its output."""
    r = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{shlex.join(argv)} exited {r.returncode}:\n{(r.stdout + r.stderr)[-4000:]}"


def test_every_command_is_run_or_has_a_reason():
    found = doc_commands()
    assert not set(RUN) & set(NOT_RUN), "a command is both run and not run"
    unlisted = {c: found[c] for c in sorted(set(found) - set(RUN) - set(NOT_RUN))}
    assert not unlisted, f"commands (-> where) neither in RUN nor in NOT_RUN (with the reason): {unlisted}"
    gone = sorted((set(RUN) | set(NOT_RUN)) - set(found))
    assert not gone, f"commands listed here that neither the README nor docs/*.md shows any longer: {gone}"


def test_tools_commands_are_spelled_as_modules():
    old = {c: where for c, where in doc_commands().items() if re.search(r"(^|\s)python\s+(\./)?tools/", c)}
    assert not old, f"spell these `python -m tools.<command>` (run from the work tree's root): {old}"


def test_commands_are_found_in_blocks_and_spans():
    text = ("```bash\nmake figures   # note\n# only a comment\nA=1 make \\\n  plan\n```\n"
            "```python\nx = 1  # `make lab`\n```\nSee `make test` and `make`, `python -m\n  tools.x --cold`, "
            "`OMP_NUM_THREADS=4 make figures`, `NB=1`, `papermill -p preset smoke`.\n")
    assert readme_commands(text) == ["make figures", "A=1 make plan", "make test", "python -m tools.x --cold",
                                     "OMP_NUM_THREADS=4 make figures", "papermill -p preset smoke"]


@pytest.mark.parametrize("cmd", sorted(NOT_RUN))
def test_a_command_not_run_is_well_formed(cmd, sandbox):
    work, env = sandbox
    extra, argv = syntax_check(cmd)
    _run(argv, work, {**env, **extra}, timeout=120)


@pytest.mark.parametrize("cmd", [pytest.param(c, marks=[pytest.mark.notebook] if nb else []) for c, nb in RUN.items()])
def test_a_readme_command_runs_as_written(cmd, sandbox, tmp_path):
    work, env = sandbox
    _run(["bash", "-c", cmd], work, {**env, "ATTRACTOR_FIGURES": str(tmp_path)}, timeout=600)
    if RUN[cmd]:  # its notebook's results went to a figures folder of its own, at the smoke preset
        stem = re.search(r"\d\d_[a-z0-9_]+", cmd).group()
        assert list((tmp_path / "smoke").rglob(f"{stem}.csv")), f"{cmd} wrote no {stem}.csv below {tmp_path}/smoke"
