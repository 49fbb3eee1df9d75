"""Shared fixtures: a notebook runner (papermill at the smoke preset, outputs in a temp folder)."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


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
    preset (figures, CSVs and cache in a temp folder) and returns that figures folder. Results are
    memoised per (stem, params) for the session so several tests can read one run."""
    import papermill as pm

    done: dict = {}

    def _run(stem: str, **params) -> Path:
        key = (stem, repr(sorted(params.items())))
        if key in done:
            return done[key]
        fig = nb_outdir / f"{stem}-{len(done)}"
        fig.mkdir(parents=True)
        env_keep = {k: os.environ.get(k) for k in ("ATTRACTOR_FIGURES", "ATTRACTOR_CACHE", "ATTRACTOR_PRESET_OVERRIDE")}
        os.environ["ATTRACTOR_FIGURES"] = str(fig)
        os.environ["ATTRACTOR_CACHE"] = str(nb_outdir / "cache")
        os.environ.pop("ATTRACTOR_PRESET_OVERRIDE", None)
        try:
            pm.execute_notebook(str(NOTEBOOKS / f"{stem}.ipynb"), str(fig / f"{stem}.ipynb"),
                                parameters={"preset": "smoke", **params}, kernel_name="python3",
                                cwd=str(NOTEBOOKS), progress_bar=False)
        finally:
            for k, v in env_keep.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        done[key] = fig
        return fig

    return _run


def read_csv(folder: Path, name: str) -> pd.DataFrame:
    p = folder / f"{name}.csv"
    assert p.is_file(), f"{p} was not written"
    return pd.read_csv(p)
