"""Sweeps: train a list of configurations (skipping those the cache holds) in this process or on a Dask cluster,
grouping runs that differ only in their seeds into batched ensembles (:mod:`attractor_utils.runs.batching`); in plan
mode, record them instead (:mod:`attractor_utils.runs.plan`)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import pandas as pd
import torch

from . import plan
from .batching import chunk_batches
from .caching import Cache, config_key, default_cache
from .cluster import check_cache_visible, cluster_setting, connect, worker_threads
from .config import make_config
from .costs import sweep_plan
from .progress import SweepProgress
from .run import Run, deterministic, load_run, train_batch

BACKENDS = ("local", "dask")


def _backend(backend: str | None, client) -> tuple[str, Any]:
    """The backend a sweep uses: ``backend`` as given; left at None, a Dask cluster when ``$ATTRACTOR_CLUSTER`` is
    set (see :mod:`attractor_utils.runs.cluster`), else this process."""
    if backend is None:
        setting = cluster_setting()
        return ("dask", client or setting) if setting else ("local", client)
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}; accepted values: {list(BACKENDS)}")
    return backend, client


def run_batches(configs: Sequence[dict], batches: Sequence[Sequence[dict]], fn: Callable[..., Any], cache: Cache, *,
                kind: str = "sweep", backend: str | None = None, client=None, device=None,
                progress: bool = True) -> None:
    """Train ``batches`` (lists of configurations trained together) with ``fn(batch, cache, device=..., progress=...)``,
    which stores each result in ``cache``: the one place the package trains cached runs. ``configs``: every run of
    the call, cached or not. ``backend`` as in :func:`sweep`. In plan mode the call is recorded and only probes
    train. ``progress``: one line of text (:mod:`~.progress`)."""
    backend, client = _backend(backend, client)
    if plan.planning():
        plan.probe_runs(batches, fn, cache, device)  # with probes on: measure new recipes and batches
        plan.record_call(kind, configs, cache, device)
        return
    if not batches:
        return
    projected = sweep_plan(batches, cache) if progress else None
    secs, how = projected if projected is not None else (None, "plan")
    total = sum(len(b) for b in batches)
    if backend == "local":
        with SweepProgress(total, kind, show=progress, planned=secs, planned_kind=how) as sp:
            for i, b in enumerate(batches):
                sp.start_batch(i, b)
                fn(b, cache, device=device, progress=progress)
                sp.batch_done(i, len(b))
    else:
        from distributed import as_completed

        if client is None:
            raise ValueError("client: a distributed.Client or a scheduler address is required for backend='dask'")
        cl = connect(client) if isinstance(client, str) else client
        check_cache_visible(cl, cache.root)
        threads = worker_threads(torch.get_num_threads())
        det = torch.are_deterministic_algorithms_enabled()
        futs = {cl.submit(_in_worker, fn, b, cache.root, threads, device, det, pure=False): i
                for i, b in enumerate(batches)}
        workers = max(1, len(cl.nthreads()))
        with SweepProgress(total, f"{kind} (Dask, {workers} workers)", show=progress, planned=secs, planned_kind=how,
                           workers=workers) as sp:
            for f in as_completed(list(futs), loop=cl.loop):
                sp.batch_done(futs[f], f.result())


def _in_worker(fn, batch, cache_root, threads: int, device, deterministic_algorithms: bool = False) -> int:
    """A batch on a Dask worker: ``fn`` with the driver's torch thread count and deterministic setting."""
    if threads:
        torch.set_num_threads(threads)
    if deterministic_algorithms:
        deterministic()
    fn(batch, Cache(cache_root), device=device, progress=False)
    return len(batch)


def sweep(
    configs: Sequence[dict],
    fn: Callable[..., list[dict]] = train_batch,
    cache: Cache | None = None,
    backend: str | None = None,
    client=None,
    max_batch: int = 16,
    max_batch_params: float = 4e7,
    device=None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every configuration (skipping those ``cache`` holds) and return one row per run.

    ``fn(batch, cache, device=..., progress=...)`` trains a batch sharing a :func:`~.config.group_key` and stores
    each result (default: :func:`~.run.train_batch`). ``backend``: "local" or "dask" (``client``: a
    ``distributed.Client``, its address, or ``local:N``); left at None, "dask" when ``$ATTRACTOR_CLUSTER`` is set,
    else "local". Resumes where it stopped; in plan mode, rows of stand-ins (docs/cluster.md, docs/plan.md).
    """
    _backend(backend, client)
    cache = cache or default_cache()
    configs = [make_config(**c) for c in configs]
    # a configuration listed twice (e.g. the default-init row of a table that is also another table's row) trains once
    todo = list({config_key(c): c for c in configs if c not in cache}.values())
    batches = chunk_batches(todo, device, max_batch, max_batch_params)
    run_batches(configs, batches, fn, cache, backend=backend, client=client, device=device, progress=progress)
    rows = []
    for c in configs:
        r = cache.get(c)
        if r is None:
            if not plan.planning():
                raise RuntimeError(f"run missing from the cache after the sweep (entry {cache.path(c)}): {c}")
            r = plan.standin_result(c, cache)
        rows.append({**c, **{k: v for k, v in r.items() if k != "history"}})
    return pd.DataFrame(rows)


def train_runs(configs: Sequence[dict], cache: Cache | None = None, device=None, progress: bool = True,
               **sweep_kw) -> list[Run]:
    """Train (or load from the cache) every configuration and return the trained runs in order (see :func:`sweep`:
    on the cluster ``$ATTRACTOR_CLUSTER`` names when it is set; in plan mode, stand-ins)."""
    cache = cache or default_cache()
    configs = [make_config(**c) for c in configs]
    sweep(configs, cache=cache, device=device, progress=progress, **sweep_kw)
    return [load_run(c, cache, device) for c in configs]
