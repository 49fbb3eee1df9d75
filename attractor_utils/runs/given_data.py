"""Cached training on a data set given explicitly (arrays), for experiments whose data is not one of
:data:`experiments.DATA_KINDS`: hand-placed 2D points, 2D cycles, MNIST digits in a chosen label order.

:func:`train_on` mirrors :func:`experiments.train_runs`: one trained :class:`experiments.Run` per seed,
stored in the run cache under the SHA-256 of the data (and targets) plus the network and training
settings, so re-running a notebook reuses finished runs. Seeds that share data train as one batched
ensemble, in chunks of :func:`experiments.batch_size` (each as if alone, see :func:`training.train_ensemble`).
"""
from __future__ import annotations

import hashlib
import time
from functools import partial
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from .caching import Cache, default_cache
from .experiments import (MODEL_KEYS, TRAIN_KEYS, DEFAULTS, Run, batch_size, build_model, load_run, run_batches,
                          run_result, train_kwargs)
from ..core.models import MLPEnsemble, default_device
from ..core.training import train, train_ensemble

__all__ = ["data_digest", "explicit_config", "train_on", "train_explicit"]

_NET_KEYS = tuple(k for k in MODEL_KEYS if k != "dim")  # dim comes from the data
_ALLOWED = set(_NET_KEYS) | set(TRAIN_KEYS) | {"dtype"}


def data_digest(X: Tensor, Y: Tensor | None = None) -> str:
    """SHA-256 of the float64 bytes of ``X`` (n, dim) and of ``Y`` (or of ``"None"``)."""
    h = hashlib.sha256()
    for A in (X, Y):
        if A is None:
            h.update(b"None")
        else:
            a = np.ascontiguousarray(torch.as_tensor(A).detach().cpu().to(torch.float64).numpy())
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
    return h.hexdigest()


def explicit_config(X: Tensor, Y: Tensor | None = None, seed: int = 0, label: str = "", **settings) -> dict:
    """The cache key dict of one run on explicit data: the data's digest, shape, an optional free-text
    ``label`` (shown in the cache's config.json), the network/training settings (defaults from
    :data:`experiments.DEFAULTS`) and the seed. Unknown settings are refused."""
    unknown = sorted(set(settings) - _ALLOWED)
    if unknown:
        raise ValueError(f"unknown settings {unknown}; accepted: {sorted(_ALLOWED)}")
    X = torch.as_tensor(X)
    if X.dim() != 2:
        raise ValueError(f"X has shape {tuple(X.shape)}; expected (n, dim)")
    if Y is not None and tuple(torch.as_tensor(Y).shape) != tuple(X.shape):
        raise ValueError(f"Y has shape {tuple(torch.as_tensor(Y).shape)}; expected {tuple(X.shape)}")
    c = {k: DEFAULTS[k] for k in (*_NET_KEYS, *TRAIN_KEYS, "dtype")}
    c.update(settings)
    if c["dtype"] not in ("float32", "float64"):
        raise ValueError(f"dtype={c['dtype']!r}; accepted values: ['float32', 'float64']")
    c.update(kind="explicit", label=str(label), data_sha256=data_digest(X, Y), n=int(X.shape[0]),
             dim=int(X.shape[1]), task="autoencode" if Y is None else "map", seed=int(seed))
    return c


def train_on(
    X: Tensor,
    Y: Tensor | None = None,
    *,
    seeds: Sequence[int] = (0,),
    label: str = "",
    cache: Cache | None = None,
    device=None,
    progress: bool = True,
    **settings,
) -> list[Run]:
    """Train (or load from the cache) one network per seed on ``X`` (n, dim) -> ``Y`` (n, dim)
    (``Y=None``: autoencode ``X``). ``settings``: width, depth, activation, bias, parameterization,
    init, optimizer, lr, loss, loss_threshold, max_epochs, momentum, weight_decay, dtype.
    Returns one :class:`Run` per seed, in order (``run.config`` is the :func:`explicit_config`)."""
    cache = cache or default_cache()
    dev = default_device(device)
    configs = [explicit_config(X, Y, seed=s, label=label, **settings) for s in seeds]
    dtype = getattr(torch, configs[0]["dtype"])
    Xd = torch.as_tensor(X).detach().to(device=dev, dtype=dtype)
    Yd = None if Y is None else torch.as_tensor(Y).detach().to(device=dev, dtype=dtype)
    todo = [c for c in configs if c not in cache]
    k = batch_size({**configs[0], "n": int(Xd.shape[0])}, dev) if todo else 1
    chunks = [todo[i : i + k] for i in range(0, len(todo), k)]
    fn = partial(train_explicit, X=Xd.cpu(), Y=None if Yd is None else Yd.cpu())
    run_batches(configs, chunks, fn, cache, kind="train_on", device=dev, progress=progress)  # plan, cluster, progress
    return [load_run(c, cache, dev, Xd, Yd) for c in configs]


def train_explicit(chunk: list[dict], cache: Cache, device=None, progress: bool = False, *, X: Tensor,
                   Y: Tensor | None = None) -> None:
    """Train the runs of ``chunk`` (:func:`explicit_config` s differing in their seeds) on ``X`` -> ``Y`` as one
    batch and store each in ``cache``: the unit of work :func:`train_on` hands to
    :func:`attractor_utils.experiments.run_batches` (in this process or on a cluster's worker)."""
    dev = default_device(device)
    Xd, Yd = X.to(dev), None if Y is None else Y.to(dev)
    tkw = train_kwargs(chunk[0])
    todo = [c for c in chunk if c not in cache]  # a rescheduled task does not train a stored run again
    if not todo:
        return
    t0 = time.perf_counter()
    if len(todo) == 1:
        m = build_model(todo[0], dev)
        trs, models = [train(m, Xd, Yd, progress=progress, **tkw)], [m]
    else:
        ens = MLPEnsemble([build_model(c, dev) for c in todo])
        trs = train_ensemble(ens, Xd, Yd, progress=progress, **tkw)
        models = ens.members()
    dt = (time.perf_counter() - t0) / len(todo)
    for c, tr, m in zip(todo, trs, models):
        cache.put(c, run_result(tr, dt, len(todo)), m.state_dict())
