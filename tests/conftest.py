"""Shared fixtures: a notebook runner (papermill at the smoke preset, outputs in a temp folder)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

# Hypothesis profiles for the property tests (tests/test_properties_*.py), chosen by $HYPOTHESIS_PROFILE:
# "ci" (the default): 25 examples per property, the same ones on every run (derandomize), no per-example deadline
# (a loaded 2-core machine is slow, not wrong); "dev": 300 fresh random examples per property, to hunt for bugs.
# Neither keeps an example database: a failure prints the @reproduce_failure line that replays it.
try:
    from hypothesis import HealthCheck, settings as _hyp_settings
except ImportError:  # the property tests then fail to import, with the reason; every other test still runs
    pass
else:
    _hyp_settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None,
                                   print_blob=True, suppress_health_check=[HealthCheck.too_slow])
    _hyp_settings.register_profile("dev", max_examples=300, deadline=None, database=None, print_blob=True,
                                   suppress_health_check=[HealthCheck.too_slow])
    _hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same global RNG state, so a failure reproduces on re-run."""
    import numpy as np
    import torch

    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(autouse=True)
def _restore_environ():
    """Every test leaves os.environ as it found it. Starting a Dask LocalCluster sets OMP_NUM_THREADS=1 (and
    MKL_NUM_THREADS=1) in this process; kept, it reached every notebook kernel started later in the session
    (nbval), which then trained on one thread, with other rounding than the stored outputs' two threads."""
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def nb_outdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("nb")


@pytest.fixture(scope="session")
def run_notebook(nb_outdir):
    """``run_notebook(stem, **params)`` executes notebooks/<stem>.ipynb with papermill at the smoke
    preset (figures base, cache in a temp folder), as ``make figures`` does (inline figures, IPC kernel), and returns
    the folder its figures and CSVs went to, which holds the executed notebook too: ``<base>/smoke`` for the committed
    settings, ``<base>/smoke/variants/<stem>--<name>=<value>...`` for a run with params (README, *Where things land*).
    Results are memoised per (stem, params) for the session so several tests can read one run."""
    import shutil
    import tempfile

    import sys

    import papermill as pm

    if str(ROOT) not in sys.path:  # tools/ is imported from the checkout
        sys.path.insert(0, str(ROOT))
    from tools.lib.kernel import KERNEL_ENV, kernel_config, scoped_environ

    done: dict = {}

    def _run(stem: str, **params) -> Path:
        key = (stem, repr(sorted(params.items())))
        if key in done:
            return done[key]
        fig = nb_outdir / f"{stem}-{len(done)}"
        fig.mkdir(parents=True)
        env = {"ATTRACTOR_FIGURES": str(fig), "ATTRACTOR_CACHE": str(nb_outdir / "cache"), **KERNEL_ENV}
        with scoped_environ(env, unset=("ATTRACTOR_PRESET_OVERRIDE",)), \
                tempfile.TemporaryDirectory(prefix="kernels-") as sockets:
            pm.execute_notebook(str(NOTEBOOKS / f"{stem}.ipynb"), str(fig / f"{stem}.ipynb"),
                                parameters={"preset": "smoke", **params}, kernel_name="python3",
                                cwd=str(NOTEBOOKS), progress_bar=False, config=kernel_config(Path(sockets)))
        wrote = {p.parent for p in fig.rglob(f"{stem}*") if p.is_file() and p.parent != fig}
        assert len(wrote) == 1, f"{stem} wrote to {sorted(wrote)}; expected one folder under {fig}"
        out = wrote.pop()
        shutil.move(str(fig / f"{stem}.ipynb"), str(out / f"{stem}.ipynb"))
        done[key] = out
        return out

    return _run


def read_csv(folder: Path, name: str) -> pd.DataFrame:
    p = folder / f"{name}.csv"
    assert p.is_file(), f"{p} was not written"
    return pd.read_csv(p)


# --- checks shared by the per-notebook tests (tests/test_nb_<notebook>.py) ---

def figure_files(fig: Path, name: str) -> None:
    """The figure ``name`` was saved as PDF and PNG."""
    assert (fig / f"{name}.pdf").is_file() and (fig / f"{name}.png").is_file(), name


def flow_limit(fig: Path, name: str, df: pd.DataFrame) -> None:
    """Every row records its step; the runs are gradient flow; halving the step moves the checked quantity by < 2 %
    (issue 15), and the step-size study holds both methods."""
    assert (df["lr"] > 0).all() and set(df["optimizer"]) <= {"flow", "gd"}
    figure_files(fig, f"{name}_step_size")
    st = read_csv(fig, f"{name}_step_size")
    study, halving = st[st.table == "step_size_study"], st[st.table == "halving_check"]
    assert set(study.method) == {"gd", "flow"} and (study.lr > 0).all()
    ok = halving[halving.converged.astype(bool)]
    assert len(ok) >= 1 and (ok.rel_change < 0.02).all(), ok
    assert (ok.lr_fine < ok.lr).all()  # the finer tolerance really took smaller steps


def check_claims(fig: Path, stem: str, n_min: int) -> pd.DataFrame:
    """The closing table exists, has a verdict from the accepted set for every claim, and a measured value."""
    from attractor_utils.analyses.claims import VERDICTS

    cl = read_csv(fig, f"{stem}_claims")
    assert len(cl) >= n_min and set(cl.verdict) <= set(VERDICTS)
    assert cl.measured.notna().all() and cl.reason.notna().all()
    return cl


def check_kept_best(df: pd.DataFrame) -> None:
    """keep_best: the stored loss is the lowest seen, never above the last epoch's; converged runs stop there."""
    assert (df.final_loss <= df.last_loss * (1 + 1e-12)).all()
    conv = df[df.converged]
    np.testing.assert_allclose(conv.final_loss, conv.last_loss, rtol=1e-12)


def notebook_outputs(fig: Path, stem: str, name: str | None = None) -> str:
    """The text outputs of the executed notebook (only the ``name`` stream, e.g. "stdout", if given)."""
    import json

    nb = json.loads((fig / f"{stem}.ipynb").read_text())
    return "\n".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []) if name is None or o.get("name") == name)
