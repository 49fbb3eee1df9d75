"""Cached training on data given as arrays, for data that is not one of :data:`attractor_utils.data.DATA_KINDS`
(hand-placed 2D points, 2D cycles, MNIST digits in a chosen label order): :func:`train_on` mirrors
:func:`attractor_utils.train_runs`, keyed by the SHA-256 of the data (and targets) with the settings; seeds sharing
data train as one ensemble, through the one training path (:func:`~.run.train_batch`).
"""
from __future__ import annotations

import hashlib
from functools import partial
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from ..core.models import default_device
from .batching import batch_size
from .caching import Cache, default_cache
from .config import DEFAULTS, MODEL_KEYS, TRAIN_KEYS
from .run import Run, load_run, train_batch
from .sweep import run_batches

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
    :data:`attractor_utils.runs.config.DEFAULTS`) and the seed. Unknown settings are refused."""
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
    fn = partial(train_batch, data=(Xd.cpu(), None if Yd is None else Yd.cpu()))
    run_batches(configs, chunks, fn, cache, kind="train_on", device=dev, progress=progress)  # plan, cluster, progress
    return [load_run(c, cache, dev, Xd, Yd) for c in configs]
