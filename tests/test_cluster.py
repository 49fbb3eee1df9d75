"""`make figures CLUSTER=...` (issue 25 item 3): notebooks train their runs on a Dask cluster with the numbers of an
in-process run, a re-run after a worker and the driver were killed trains only what was missing, and a scheduler
that does not answer is a clear error, naming its address, within a bounded time."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

import attractor_utils as au
from attractor_utils.runs import cluster
from attractor_utils.runs.caching import Cache

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _execute(nb: Path, out: Path, env: dict, preset: str | None = "smoke") -> None:
    import papermill as pm

    from tools.lib.kernel import scoped_environ

    with scoped_environ(env, unset=("ATTRACTOR_PRESET_OVERRIDE",)):
        pm.execute_notebook(str(nb), str(out), parameters={"preset": preset} if preset else None,
                            kernel_name="python3", cwd=str(nb.parent), progress_bar=False)


@pytest.fixture(scope="module")
def local2():
    """`CLUSTER=local:2` as make figures starts it (tools/run_notebooks.py): two local workers, its address."""
    from tools.run_notebooks import setup_cluster

    saved = os.environ.get(cluster.CLUSTER_ENV)
    assert setup_cluster("local:2") == 2
    address = os.environ[cluster.CLUSTER_ENV]
    if saved is None:
        os.environ.pop(cluster.CLUSTER_ENV)
    else:
        os.environ[cluster.CLUSTER_ENV] = saved
    return address


def test_cluster_values_are_checked():
    assert cluster.parse_cluster("local:3") == ("local", 3)
    assert cluster.parse_cluster("10.1.2.3:8786") == ("address", "tcp://10.1.2.3:8786")
    for bad in ("local:0", "local:two", "scheduler", "http://x"):
        with pytest.raises(ValueError, match="accepted values"):
            cluster.parse_cluster(bad)


def test_a_scheduler_that_does_not_answer_is_named(tmp_path, monkeypatch):
    address = f"tcp://127.0.0.1:{_free_port()}"
    monkeypatch.setenv(cluster.CLUSTER_ENV, address)
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 3.0)
    cfg = au.make_config(data="sphere", dim=4, n=2, width=4, max_epochs=5)
    err = {}

    def call():
        try:
            au.train_runs([cfg], cache=Cache(tmp_path / "cache"), progress=False)
        except ConnectionError as e:
            err["e"] = e

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(timeout=120)  # a bound, not a measurement: the call must come back
    assert not t.is_alive(), "train_runs kept waiting for a scheduler that does not answer"
    assert address in str(err["e"]) and cluster.CLUSTER_ENV in str(err["e"])
    assert not Cache(tmp_path / "cache").entries()
    # make figures says so before it runs any notebook
    from tools.run_notebooks import main

    monkeypatch.setenv("ATTRACTOR_FIGURES", str(tmp_path / "fig"))
    assert main(["--preset", "smoke", "--cluster", address, "02_linear_region"]) == 2
    assert not (tmp_path / "fig" / "smoke" / "02_linear_region.csv").exists()


@pytest.mark.notebook
@pytest.mark.parametrize("stem", ["02_linear_region", "07_basins_2d"])
def test_notebooks_on_a_cluster_give_the_in_process_csvs(stem, run_notebook, nb_outdir, local2, tmp_path):
    """Byte for byte: the same seeds, ensembles (batch_size: shape and device only) and torch thread count."""
    here = run_notebook(stem)  # in-process, at the smoke preset (the run test_nb_<stem> reads)
    fig, cache = tmp_path / "fig", tmp_path / "cache"
    _execute(NOTEBOOKS / f"{stem}.ipynb", tmp_path / f"{stem}.ipynb",
             {cluster.CLUSTER_ENV: local2, "ATTRACTOR_FIGURES": str(fig), "ATTRACTOR_CACHE": str(cache)})
    assert Cache(cache / "runs").entries(), "nothing was trained on the cluster"
    csvs = sorted(p.name for p in here.glob(f"{stem}*.csv"))
    assert csvs
    for name in csvs:
        assert (fig / "smoke" / name).read_bytes() == (here / name).read_bytes(), name
    threads = lambda d: {json.loads(p.read_text())["threads"] for p in (d / "runs").glob("*/*/result.json")}  # noqa
    assert threads(cache) == threads(nb_outdir / "cache")  # the workers trained with the kernel's thread count


_SWEEP_NB = """
import attractor_utils as au
cfgs = [au.make_config(data="sphere", dim=16, n=8, width=160 + 8 * i, depth=2, activation="tanh", lr=1e-3,
                       loss_threshold=1e-30, max_epochs=6000, seed=0) for i in range(8)]
runs = au.train_runs(cfgs)
print(len(runs), "runs")
"""


def _tasks_left(dask_scheduler=None) -> int:
    return len(dask_scheduler.tasks)


def _executing(dask_worker=None) -> int:
    return len(dask_worker.state.executing) + len(dask_worker.state.long_running)


def test_a_rerun_after_a_killed_worker_and_driver_trains_only_what_was_missing(local2, tmp_path):
    import psutil
    from distributed import Client

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_SWEEP_NB)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "sweep.ipynb"
    nbformat.write(nb, path)
    cache = tmp_path / "cache"
    env = {**os.environ, cluster.CLUSTER_ENV: local2, "ATTRACTOR_CACHE": str(cache)}
    code = (f"import papermill as pm; pm.execute_notebook({str(path)!r}, {str(tmp_path / 'out.ipynb')!r}, "
            "kernel_name='python3', progress_bar=False)")
    driver = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)
    entries = lambda: len(list((cache / "runs").glob("*/*/result.json")))  # noqa: E731
    with Client(local2, timeout=30) as client:
        deadline = time.time() + 600
        while time.time() < deadline and entries() == 0 and driver.poll() is None:
            time.sleep(0.2)
        busy = [w for w, keys in client.processing().items() if keys]
        assert busy and 0 < entries() < 8, "the sweep was not caught mid-way"
        os.kill(client.run(os.getpid)[busy[0]], signal.SIGKILL)  # a worker, in the middle of a run
        for p in [*psutil.Process(driver.pid).children(recursive=True), psutil.Process(driver.pid)]:
            p.kill()  # and the notebook that drove the sweep: its kernel, papermill
        driver.wait()
        # until the scheduler has forgotten the dead driver's tasks and the workers finished those they had started
        while time.time() < deadline and (client.run_on_scheduler(_tasks_left)
                                          or any(client.run(_executing, on_error="ignore").values())):
            time.sleep(0.5)
    before = entries()
    assert before < 8
    status = tmp_path / "status.json"
    _execute(path, tmp_path / "rerun.ipynb", {cluster.CLUSTER_ENV: local2, "ATTRACTOR_CACHE": str(cache),
                                              "ATTRACTOR_PROGRESS": str(status)}, preset=None)
    assert entries() == 8
    assert json.loads(status.read_text())["runs_trained"] == 8 - before  # only the missing ones
