"""Training on a Dask cluster (``distributed``): the scheduler named by ``$ATTRACTOR_CLUSTER``, or a local one.

``ATTRACTOR_CLUSTER`` is a scheduler address (``tcp://host:8786``, ``host:8786``, ``tls://...``) or ``local:N`` (N
local worker processes, started once per process); :func:`connect` checks that every worker sees the run cache and
waits at most :data:`CONNECT_TIMEOUT` seconds. How to use it: docs/cluster.md.
"""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

CLUSTER_ENV = "ATTRACTOR_CLUSTER"
THREADS_ENV = "ATTRACTOR_WORKER_THREADS"
CONNECT_TIMEOUT = 15.0  # seconds to wait for a scheduler
_ADDRESS = re.compile(r"^(?:(tcp|tls|ws|wss|inproc|ucx)://)?[\w.\-\[\]:]+:\d+$")
_CLIENTS: dict[str, object] = {}
_LOCAL: dict[int, object] = {}
_CHECKED: set[tuple[str, str]] = set()


def cluster_setting() -> str | None:
    """``$ATTRACTOR_CLUSTER``, or None when unset or empty."""
    return os.environ.get(CLUSTER_ENV) or None


def parse_cluster(value: str) -> tuple[str, int | str]:
    """``("local", N)`` for ``local:N``, ``("address", address)`` for a scheduler address; anything else is refused,
    naming the accepted forms.

    >>> parse_cluster("local:2"), parse_cluster("tcp://10.0.0.5:8786")
    (('local', 2), ('address', 'tcp://10.0.0.5:8786'))
    """
    v = str(value).strip()
    if v.startswith("local:"):
        n = v.split(":", 1)[1]
        if n.isdigit() and int(n) >= 1:
            return "local", int(n)
    elif _ADDRESS.match(v):
        return "address", v if "://" in v else f"tcp://{v}"
    raise ValueError(f"cluster={value!r}; accepted values: a Dask scheduler address ('tcp://host:8786', 'host:8786') "
                     "or 'local:N' (a local cluster of N worker processes)")


def local_cluster(n_workers: int):
    """A local Dask cluster of ``n_workers`` processes (one task at a time each), started once per process and kept
    for its lifetime; returns it (``.scheduler_address``). The variables Dask sets in this process's environment
    (one OpenMP thread) are undone, so kernels started later train as before."""
    if n_workers not in _LOCAL:
        from distributed import LocalCluster

        saved = dict(os.environ)
        try:
            _LOCAL[n_workers] = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=40)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return _LOCAL[n_workers]


def connect(value: str | None = None, timeout: float | None = None):
    """A ``distributed.Client`` for ``value`` (default ``$ATTRACTOR_CLUSTER``), made once per process and reused.
    Raises ConnectionError naming the address when no scheduler answers within ``timeout`` seconds (default
    :data:`CONNECT_TIMEOUT`)."""
    timeout = CONNECT_TIMEOUT if timeout is None else float(timeout)
    value = value or cluster_setting()
    if not value:
        raise ValueError(f"no cluster: set {CLUSTER_ENV} to a scheduler address or 'local:N'")
    kind, arg = parse_cluster(value)
    address = local_cluster(arg).scheduler_address if kind == "local" else arg
    cl = _CLIENTS.get(address)
    if cl is not None and getattr(cl, "status", "") == "running":
        return cl
    from distributed import Client

    try:
        cl = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise ConnectionError(f"{CLUSTER_ENV}={value!r}: no Dask scheduler answered at {address} within {timeout:g} s "
                              f"({type(e).__name__}). Start one (`dask scheduler`, then `dask worker {address}`), "
                              f"or unset {CLUSTER_ENV} to train in this process.") from None
    _CLIENTS[address] = cl
    return cl


def _sees(path: str) -> bool:
    return Path(path).is_file()


def check_cache_visible(client, root) -> None:
    """Every worker of ``client`` must see the cache folder ``root``: a probe file written here is looked for on
    every worker (once per client and folder). Raises RuntimeError naming the workers that do not see it."""
    root = Path(root).resolve()
    key = (str(client.scheduler.address), str(root))
    if key in _CHECKED:
        return
    root.mkdir(parents=True, exist_ok=True)
    probe = root / f".probe-{uuid.uuid4().hex}"
    probe.write_text("attractor-lab cache probe\n")
    try:
        seen = client.run(_sees, str(probe))
    finally:
        probe.unlink(missing_ok=True)
    if not seen:
        raise RuntimeError(f"the Dask cluster at {client.scheduler.address} has no workers")
    blind = sorted(w for w, ok in seen.items() if not ok)
    if blind:
        raise RuntimeError(f"the run cache {root} is not visible to the workers {blind}: put it on a filesystem every "
                           "worker mounts at the same path and set ATTRACTOR_CACHE to it")
    _CHECKED.add(key)


def worker_threads(default: int) -> int:
    """Torch threads a worker trains with: ``$ATTRACTOR_WORKER_THREADS`` (0: the worker's own default), else
    ``default`` (the submitting process's count, so that the numbers are those of an in-process run)."""
    v = os.environ.get(THREADS_ENV)
    if v is None or v == "":
        return int(default)
    if not v.isdigit():
        raise ValueError(f"{THREADS_ENV}={v!r}: must be an integer >= 0 (0: the worker's own default)")
    return int(v)
