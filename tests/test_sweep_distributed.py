"""Sweeps on a real local Dask cluster (two worker processes) and in-process: a worker killed mid-run and a driver
killed mid-sweep lose no run and do none twice."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

import attractor_utils as au
from attractor_utils.runs.caching import Cache, config_key
from attractor_utils.runs.run import train_batch

pytestmark = pytest.mark.slow


def _configs(n=6):
    # distinct widths: every run is its own batch, so the cluster has several tasks to share
    return [au.make_config(data="sphere", dim=6, n=3, width=4 + w, depth=1, activation="tanh", lr=1e-2,
                           max_epochs=50, seed=0) for w in range(n)]


def logged_train(batch, cache, device=None, progress=False, log=None, pause=0.0):
    """train_batch, leaving a marker per run when it starts and when it has finished and stored."""
    log = Path(log)
    tag = uuid.uuid4().hex[:8]
    for c in batch:
        (log / f"start-{config_key(c)[:12]}-{tag}").touch()
    time.sleep(pause)
    out = train_batch(batch, cache, device=device, progress=progress)
    for c in batch:
        (log / f"done-{config_key(c)[:12]}-{tag}").touch()
    return out


def _count(log: Path, kind: str, c: dict) -> int:
    return len(list(log.glob(f"{kind}-{config_key(c)[:12]}-*")))


def test_dask_sweep_survives_a_killed_worker(tmp_path):
    import cloudpickle
    from distributed import Client, LocalCluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    log = tmp_path / "log"
    log.mkdir()
    cache = Cache(tmp_path / "cache")
    cfgs = _configs(6)
    fn = lambda b, cache, device=None, progress=False: logged_train(b, cache, device, progress, log=log, pause=2.0)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster) as client:
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("df", au.sweep(cfgs, fn=fn, cache=cache, backend="dask",
                                                                             client=client, progress=False)))
        t.start()
        # wait until a task is running, then SIGKILL the worker process running it
        deadline = time.time() + 120
        victim = None
        while time.time() < deadline and victim is None:
            busy = [w for w, keys in client.processing().items() if keys]
            started = list(log.glob("start-*"))
            if busy and started:
                pids = client.run(os.getpid)
                victim = pids[busy[0]]
            time.sleep(0.2)
        assert victim is not None, "no task started on the cluster"
        os.kill(victim, signal.SIGKILL)
        t.join(timeout=600)
        assert not t.is_alive()
    df = result["df"]
    assert len(df) == len(cfgs)
    for c in cfgs:
        assert c in cache  # no run lost
        assert _count(log, "done", c) == 1  # none done twice
    assert sum(_count(log, "start", c) for c in cfgs) > len(cfgs)  # the killed run was restarted


def test_killed_sweep_resumes_where_it_stopped(tmp_path):
    """Kill the whole driver mid-sweep, run the sweep again: only the missing runs are trained, and each run is
    completed exactly once over both attempts."""
    log = tmp_path / "log"
    log.mkdir()
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import attractor_utils as au
        from attractor_utils.runs.caching import Cache
        from test_sweep_distributed import _configs, logged_train
        fn = lambda b, cache, device=None, progress=False: logged_train(b, cache, device, progress,
                                                                      log={str(log)!r}, pause=1.0)
        au.sweep(_configs(6), fn=fn, cache=Cache({str(tmp_path / "cache")!r}), backend="local", progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 300
    while time.time() < deadline and len(list(log.glob("done-*"))) < 2:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    cache = Cache(tmp_path / "cache")
    cfgs = _configs(6)
    before = [c for c in cfgs if c in cache]
    assert 2 <= len(before) < len(cfgs)
    df = au.sweep(cfgs, fn=lambda b, cache, device=None, progress=False: logged_train(b, cache, device, progress,
                                                                                     log=log),
                  cache=cache, backend="local", progress=False)
    assert len(df) == 6
    for c in cfgs:
        assert c in cache and _count(log, "done", c) == 1
