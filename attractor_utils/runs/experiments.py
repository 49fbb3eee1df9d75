"""Experiment configurations, presets, cached (batched) training runs and sweeps.

A *run* is a flat dict of JSON literals (see :func:`make_config`): the data, the network, the
training recipe and the seeds. Its SHA-256 is the cache key, so re-running a notebook reuses every
finished run. :func:`sweep` runs a list of configurations in-process, on local processes (joblib)
or on a Dask cluster, grouping runs that differ only in their seeds into one batched ensemble.
"""
from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from .caching import Cache, config_key, default_cache
from .data import (cifar10, cycle_next_index, mnist, orthant_points, photo_patches, random_images, sphere_points,
                   DatasetNotFound)
from ..core.flow import FLOW_FIELDS, FLOW_TOL
from ..core import validate as V
from ..core.models import ACTIVATIONS, INITS, PARAMETERIZATIONS, MLPAutoencoder, MLPEnsemble, default_device
from ..core.training import LOSSES, OPTIMIZERS, SCHEDULES, LRSchedule, TrainResult, train, train_ensemble

__all__ = [
    "PRESETS",
    "resolve_preset",
    "DEFAULTS",
    "DATA_KINDS",
    "make_config",
    "make_data",
    "build_model",
    "train_kwargs",
    "step_settings",
    "FLOW_TOL",
    "Run",
    "train_runs",
    "sweep",
    "resolve_cifar",
    "group_key",
    "batch_size",
    "chunk_batches",
    "run_batches",
    "load_run",
    "BACKENDS",
    "epoch_flops",
    "setup_notebook",
    "check_notebook_params",
    "deterministic",
    "MODEL_KEYS",
    "sphere_config",
    "TRAIN_KEYS",
    "run_result",
]

PRESETS = ("smoke", "default", "paper")


def resolve_preset(preset: str, table: dict[str, dict], **overrides) -> dict:
    """The settings of ``preset`` from ``table`` ({"smoke": {...}, "default": {...}, "paper": {...}}),
    with every override that is not None applied on top."""
    if preset not in PRESETS:
        raise ValueError(f"preset={preset!r}; accepted values: {list(PRESETS)}")
    missing = [p for p in PRESETS if p not in table]
    if missing:
        raise ValueError(f"preset table lacks {missing}")
    out = copy.deepcopy(table[preset])
    for k, v in overrides.items():
        if v is not None:
            out[k] = v
    return out


DATA_KINDS = ("sphere", "orthant", "uniform_images", "mnist", "cifar10", "cifar10_gray", "patches", "patches_gray")
POINT_KINDS = ("sphere", "orthant")  # points of a given norm in R^dim (data keys dim and radius)
TASKS = ("autoencode", "sequence")

DEFAULTS: dict[str, Any] = dict(
    data="sphere", n=1, dim=None, radius=1.0, data_seed=0,
    width=1000, depth=1, activation="relu", bias=True, parameterization="standard", init="default",
    optimizer="adam", lr=1e-4, loss="mse", loss_threshold=1e-8, max_epochs=10_000,
    momentum=0.9, weight_decay=5e-4,
    schedule="constant", lr_min=0.0, plateau_patience=200, plateau_factor=0.5, keep_best=False,
    task="autoencode", cycle_len=None, seed=0, dtype="float32",
)
_DATA_DIM = {"uniform_images": 3072, "mnist": 784, "cifar10": 3072, "cifar10_gray": 1024,
             "patches": 3072, "patches_gray": 1024}


def make_config(**kw) -> dict:
    """A complete, validated run configuration (defaults from :data:`DEFAULTS`).

    Unknown keys are refused (a typo would silently make a new cache entry). ``dim`` is implied by
    image data; ``radius`` is used only by the point kinds ``data="sphere"`` and ``data="orthant"``.
    """
    unknown = sorted(set(kw) - set(DEFAULTS) - {"flow_tol"})
    if unknown:
        raise ValueError(f"unknown configuration keys {unknown}; accepted keys: {sorted([*DEFAULTS, 'flow_tol'])}")
    c = {**DEFAULTS, **kw}
    V.choice("optimizer", c["optimizer"], OPTIMIZERS)
    if c["optimizer"] == "flow":
        # gradient flow picks its own steps (see attractor_utils.flow): lr is recorded per run in the result.
        # flow_tol exists only in flow configurations, so adding it left every other cache key unchanged.
        if kw.get("lr") is not None:
            raise ValueError(f"lr={kw['lr']!r}: optimizer='flow' chooses its own steps; set flow_tol instead "
                             "(the median step is stored in the run's result as 'lr')")
        c["lr"] = None
        c["flow_tol"] = V.real("flow_tol", kw.get("flow_tol", FLOW_TOL), 0, 1, lo_open=True, hi_open=True)
        if c["schedule"] != "constant" or c["keep_best"]:
            raise ValueError(f"optimizer='flow' takes schedule='constant' and keep_best=False "
                             f"(got schedule={c['schedule']!r}, keep_best={c['keep_best']!r})")
    elif "flow_tol" in kw:
        raise ValueError(f"flow_tol is used only by optimizer='flow' (got optimizer={c['optimizer']!r})")
    else:
        c["lr"] = V.real("lr", c["lr"], 0, lo_open=True)
    V.choice("data", c["data"], DATA_KINDS)
    if c["data"] not in POINT_KINDS:
        implied = _DATA_DIM[c["data"]]
        if c["dim"] not in (None, implied):
            raise ValueError(f"dim={c['dim']!r} does not match data={c['data']!r} (dim {implied})")
        c["dim"] = implied
        c["radius"] = None
    else:
        if c["dim"] is None:
            raise ValueError(f"dim=None: required for data={c['data']!r}; accepted values: an integer >= 1")
        c["radius"] = V.real("radius", c["radius"], 0, lo_open=True)
    for k in ("n", "dim", "width", "depth"):
        c[k] = V.integer(k, c[k], 1)
    for k in ("max_epochs", "plateau_patience"):
        c[k] = V.integer(k, c[k], 0)
    for k in ("seed", "data_seed"):
        c[k] = V.seed(k, c[k])
    V.choice("schedule", c["schedule"], SCHEDULES)
    V.choice("loss", c["loss"], LOSSES)
    V.choice("task", c["task"], TASKS)
    V.choice("dtype", c["dtype"], ("float32", "float64"))
    V.choice("activation", c["activation"], sorted(ACTIVATIONS))
    V.choice("parameterization", c["parameterization"], PARAMETERIZATIONS)
    c["bias"] = V.flag("bias", c["bias"])
    c["keep_best"] = V.flag("keep_best", c["keep_best"])
    c["loss_threshold"] = V.real("loss_threshold", c["loss_threshold"], 0, lo_open=True)
    c["momentum"] = V.real("momentum", c["momentum"], 0, 1, hi_open=True)
    c["weight_decay"] = V.real("weight_decay", c["weight_decay"], 0)
    c["lr_min"] = V.real("lr_min", c["lr_min"], 0)
    c["plateau_factor"] = V.real("plateau_factor", c["plateau_factor"], 0, 1, lo_open=True, hi_open=True)
    if c["optimizer"] != "flow":
        LRSchedule(c["schedule"], c["lr"], 1, lr_min=c["lr_min"], patience=c["plateau_patience"],
                   factor=c["plateau_factor"])  # lr_min <= lr
    if not isinstance(c["init"], str):
        raise ValueError(f"init={c['init']!r}: a configuration takes an init name; accepted values: {list(INITS)}")
    MLPAutoencoder(2, 2, 1, activation=c["activation"], bias=c["bias"], parameterization=c["parameterization"],
                   init=c["init"])  # refuses an init the parameterization does not take, naming it
    if c["task"] == "sequence":
        if c["cycle_len"] is not None:
            c["cycle_len"] = V.integer("cycle_len", c["cycle_len"], 1)
        L = c["cycle_len"] or c["n"]
        if c["n"] % L:
            raise ValueError(f"cycle_len={c['cycle_len']!r} must divide n={c['n']}")
    return c


def resolve_cifar(kind: str = "cifar10", root=None, verbose: bool = True) -> str:
    """``kind`` ("cifar10" or "cifar10_gray") when CIFAR-10 is on disk, else the matching stand-in
    ("patches" / "patches_gray"), saying so plainly. A corrupt archive raises."""
    if kind not in ("cifar10", "cifar10_gray"):
        raise ValueError(f"kind={kind!r}; accepted values: ['cifar10', 'cifar10_gray']")
    try:
        cifar10(1, root=root)
        return kind
    except DatasetNotFound as e:
        if verbose:
            print(f"NOTE: CIFAR-10 is not available here ({e}).\n      Using the labelled STAND-IN: 32x32 patches "
                  "of scikit-image's photographs ('patches'). Figures and CSVs say so.")
        return "patches" if kind == "cifar10" else "patches_gray"


_DATA_SOURCE = {"sphere": "uniform on the sphere", "orthant": "positive orthant, scaled to the sphere",
                "uniform_images": "uniform random images", "mnist": "MNIST",
                "cifar10": "CIFAR-10", "cifar10_gray": "CIFAR-10 (grayscale)",
                "patches": "STAND-IN photo patches", "patches_gray": "STAND-IN photo patches (grayscale)"}


def data_source(kind: str) -> str:
    return _DATA_SOURCE[kind]


def make_data(c: dict) -> tuple[Tensor, Tensor | None]:
    """Training inputs ``X`` (n, dim) and targets (None for autoencoding) of a configuration."""
    kind, n, s = c["data"], c["n"], c["data_seed"]
    if kind == "sphere":
        X = sphere_points(n, c["dim"], c["radius"], seed=s, dtype=torch.float64)
    elif kind == "orthant":
        X = orthant_points(n, c["dim"], c["radius"], seed=s, dtype=torch.float64)
    elif kind == "uniform_images":
        X = random_images(n, (3, 32, 32), seed=s).X
    elif kind == "mnist":
        X = mnist(n, seed=s).X
    elif kind in ("cifar10", "cifar10_gray"):
        X = cifar10(n, grayscale=kind.endswith("gray"), seed=s).X
    else:
        X = photo_patches(n, grayscale=kind.endswith("gray"), seed=s).X
    X = X.to(getattr(torch, c["dtype"]))
    if c["task"] == "autoencode":
        return X, None
    return X, X[torch.as_tensor(cycle_next_index(n, c["cycle_len"] or n))]


MODEL_KEYS = ("dim", "width", "depth", "activation", "bias", "parameterization", "init")
TRAIN_KEYS = ("optimizer", "lr", "loss", "loss_threshold", "max_epochs", "momentum", "weight_decay",
              "schedule", "lr_min", "plateau_patience", "plateau_factor", "keep_best")


def train_kwargs(c: dict) -> dict:
    """The keyword arguments of :func:`attractor_utils.train` that a configuration sets (optimizer, schedule, ...)."""
    return {k: c[k] for k in TRAIN_KEYS + ("flow_tol",) if k in c}


def step_settings(optimizer: str = "flow", lr: float | None = None, flow_tol: float = FLOW_TOL) -> dict:
    """The step keys of :func:`make_config`: ``{"optimizer": "flow", "flow_tol": ...}`` (the step follows
    from the tolerance) or ``{"optimizer": optimizer, "lr": lr}`` for a fixed-step optimizer."""
    if optimizer == "flow":
        return {"optimizer": "flow", "flow_tol": flow_tol}
    if lr is None:
        raise ValueError(f"lr: required for optimizer={optimizer!r} (only 'flow' chooses its own steps)")
    return {"optimizer": optimizer, "lr": lr}


def sphere_config(*, n: int, dim: int, radius: float, seed: int, width: int, depth: int = 1,
                  activation: str = "sigmoid", bias: bool = False, dtype: str = "float32", loss_threshold: float,
                  max_epochs: int, optimizer: str = "flow", lr: float | None = None,
                  flow_tol: float = FLOW_TOL, data: str = "sphere") -> dict:
    """The recipe of the sigmoid experiments (notebooks 01-05, 10): ``n`` points of norm ``radius`` in R^dim, uniform
    on the sphere (``data="sphere"``) or from the positive orthant (``data="orthant"``, the talk's code), data seed =
    ``seed`` (also the initialisation seed), an MLP of ``depth`` hidden layers of ``width`` in
    the NTK parameterisation, the half-sum loss ``(1/2n) sum ||f(x) - x||^2``, trained by gradient flow
    (``optimizer="flow"``, steps from ``flow_tol``) or a fixed-step optimizer at ``lr``, until
    ``loss < loss_threshold`` or ``max_epochs`` (gradient evaluations for the flow).

    >>> c = sphere_config(n=5, dim=32, radius=10, seed=1, width=1000, loss_threshold=1e-7, max_epochs=500)
    >>> (c["data"], c["radius"], c["parameterization"], c["loss"], c["optimizer"], c["data_seed"])
    ('sphere', 10.0, 'ntk', 'half_sum', 'flow', 1)
    """
    V.choice("data", data, POINT_KINDS)
    return make_config(data=data, n=n, dim=dim, radius=float(radius), data_seed=seed, seed=seed, width=int(width),
                       depth=depth, activation=activation, bias=bias, parameterization="ntk", dtype=dtype,
                       loss="half_sum", loss_threshold=loss_threshold, max_epochs=max_epochs,
                       **step_settings(optimizer, lr, flow_tol))


def build_model(c: dict, device=None) -> MLPAutoencoder:
    """The (untrained) network of a configuration, initialised by ``c["seed"]``."""
    return MLPAutoencoder(**{k: c[k] for k in MODEL_KEYS}, seed=c["seed"], dtype=getattr(torch, c["dtype"]),
                          device=default_device(device))


def group_key(c: dict) -> tuple:
    """Runs with equal keys differ only in seeds and can be trained as one ensemble."""
    return tuple((k, c[k]) for k in sorted(c) if k not in ("seed", "data_seed"))


def _subsample_history(h: np.ndarray, m: int = 200) -> dict:
    if len(h) <= m:
        idx = np.arange(len(h))
    else:
        idx = np.unique(np.concatenate([np.geomspace(1, len(h), m).astype(int) - 1, [len(h) - 1]]))
    return {"epoch": idx.tolist(), "loss": h[idx].tolist()}


def run_result(tr: TrainResult, seconds: float, batch: int) -> dict:
    """What the cache stores for one trained run: the outcome of ``tr``, the training time per run in seconds,
    how many runs trained together (``batch``), the torch thread count, a subsampled loss history, and the
    flow's step record (:data:`attractor_utils.flow.FLOW_FIELDS`) where it has one."""
    return {"final_loss": tr.final_loss, "epochs": tr.epochs, "converged": tr.converged, "diverged": tr.diverged,
            "last_loss": tr.extra.get("last_loss", tr.final_loss), "best_epoch": tr.extra.get("best_epoch", tr.epochs),
            "train_seconds": seconds, "batch_size": batch, "threads": torch.get_num_threads(),
            "history": _subsample_history(tr.history),
            **{k: tr.extra[k] for k in FLOW_FIELDS if k in tr.extra}}


def _train_group(configs: list[dict], device=None, progress: bool = False) -> list[tuple[dict, dict]]:
    """Train runs sharing a :func:`group_key` together; returns (result, state_dict) per run."""
    dev = default_device(device)
    c0 = configs[0]
    tkw = train_kwargs(c0)
    t0 = time.perf_counter()
    if len(configs) == 1:
        model = build_model(c0, dev)
        X, Y = make_data(c0)
        tr = train(model, X.to(dev), None if Y is None else Y.to(dev), progress=progress, **tkw)
        return [(run_result(tr, time.perf_counter() - t0, 1), model.state_dict())]
    ens = MLPEnsemble([build_model(c, dev) for c in configs])
    datas = [make_data(c) for c in configs]
    same = all(c["data_seed"] == c0["data_seed"] for c in configs)
    X = datas[0][0] if same else torch.stack([d[0] for d in datas])
    Y = None if datas[0][1] is None else (datas[0][1] if same else torch.stack([d[1] for d in datas]))
    trs = train_ensemble(ens, X.to(dev), None if Y is None else Y.to(dev), progress=progress, **tkw)
    dt = (time.perf_counter() - t0) / len(configs)
    return [(run_result(tr, dt, len(configs)), m.state_dict()) for tr, m in zip(trs, ens.members())]


def train_batch(configs: list[dict], cache: Cache, device=None, progress: bool = False) -> list[dict]:
    """Train a group of runs (batched), storing each model and result in ``cache``; cached runs are
    skipped. This is the unit of work a sweep hands to a worker."""
    todo = [c for c in configs if c not in cache]
    if todo:
        for c, (res, state) in zip(todo, _train_group(todo, device, progress)):
            cache.put(c, res, state)
    return [cache.get(c) for c in configs]


@dataclass
class Run:
    """A trained run: its configuration, model (on ``device``), data and training outcome."""

    config: dict
    model: MLPAutoencoder
    X: Tensor
    Y: Tensor | None
    result: dict

    @property
    def ok(self) -> bool:
        return bool(self.result["converged"])

    @property
    def lr(self) -> float:
        """The step size: the fixed ``lr``, or for ``optimizer="flow"`` the median step the integrator took."""
        return float(self.result["lr"] if self.config["optimizer"] == "flow" else self.config["lr"])

    def row(self, *fields: str) -> dict:
        """The named fields of this run, in that order, for a notebook's table row: ``"lr"`` is :attr:`lr`,
        ``"grad_evals"`` the gradient evaluations (the epochs for a fixed-step optimizer), other names come from
        the training result (final_loss, epochs, converged, diverged, last_loss, ...) or else the configuration.

        >>> run = Run({"optimizer": "adam", "lr": 1e-3, "width": 8}, None, None, None,
        ...           {"final_loss": 2e-9, "epochs": 40, "converged": True})
        >>> run.row("width", "lr", "final_loss", "grad_evals", "converged")
        {'width': 8, 'lr': 0.001, 'final_loss': 2e-09, 'grad_evals': 40, 'converged': True}
        """
        out = {}
        for f in fields:
            if f == "lr":
                out[f] = self.lr
            elif f == "grad_evals":
                out[f] = self.result.get("grad_evals", self.result["epochs"])
            elif f in self.result:
                out[f] = self.result[f]
            elif f in self.config:
                out[f] = self.config[f]
            else:
                raise KeyError(f"field {f!r}: not 'lr', 'grad_evals', a result key {sorted(self.result)} or a "
                               f"configuration key")
        return out


# On a CPU (calibrated by `make bench`, see bench/README.md): a model whose epoch is large enough already runs its
# GEMMs near the machine's rate, and stacking such models only adds memory traffic (the thesis shapes at width
# 128 trained 0.9-1.0x as fast per member in ensembles as one at a time); thinner models gain from batching as
# long as the ensemble's widest activation stays within the caches (K = 16 at width 32-64 ran slower than K = 8).
CPU_FULL_FLOPS = 4e8  # matmul FLOPs of one epoch from which one model at a time is as fast as any ensemble
CPU_FULL_ROWS = 64  # ... provided its batch has this many points: a GEMM with fewer rows never runs at full rate
CPU_BATCH_BYTES = 16 * 2**20  # the largest ensemble activation, K x n x max(dim, width) float32 values


def epoch_flops(c: dict) -> float:
    """Matmul FLOPs of one full-batch training epoch of configuration ``c`` (forward 2 n sum(in x out), backward
    twice that)."""
    macs = c["dim"] * c["width"] * 2 + (c["depth"] - 1) * c["width"] ** 2
    return 6.0 * c["n"] * macs


def batch_size(c: dict, device=None, max_batch: int = 16, max_batch_params: float = 4e7) -> int:
    """How many runs of configuration ``c``'s shape :func:`sweep` trains as one ensemble on ``device``.

    At most ``max_batch`` and ``max_batch_params`` parameters in all. On a CPU, one at a time when one epoch
    needs at least :data:`CPU_FULL_FLOPS` on at least :data:`CPU_FULL_ROWS` points, else the largest power of two
    whose widest activation fits :data:`CPU_BATCH_BYTES`. The rule depends on the shape and the device type only, never on a timing, so a
    run's numbers do not depend on how busy the machine was (an ensemble member and a lone run agree to float32
    rounding, not bit for bit).

    >>> batch_size({"dim": 3072, "width": 64, "depth": 6, "n": 100}, "cpu")
    8
    >>> batch_size({"dim": 3072, "width": 128, "depth": 6, "n": 100}, "cpu")
    1
    >>> batch_size({"dim": 10, "width": 1000, "depth": 1, "n": 5}, "cpu")
    16
    >>> batch_size({"dim": 3072, "width": 128, "depth": 6, "n": 100}, "cuda")
    16
    """
    params = c["dim"] * c["width"] * 2 + (c["depth"] - 1) * c["width"] ** 2
    k = max(1, min(int(max_batch), int(max_batch_params // max(params, 1))))
    if default_device(device).type == "cpu":
        if epoch_flops(c) >= CPU_FULL_FLOPS and c["n"] >= CPU_FULL_ROWS:
            return 1
        fit = max(1, CPU_BATCH_BYTES // (4 * c["n"] * max(c["dim"], c["width"])))
        k = min(k, 1 << (int(fit).bit_length() - 1))
    return k


def chunk_batches(configs: Sequence[dict], device=None, max_batch: int = 16,
                  max_batch_params: float = 4e7) -> list[list[dict]]:
    """The batches a sweep trains ``configs`` in: runs sharing a :func:`group_key` together (first-seen order), as
    many at a time as :func:`batch_size` says for their shape on ``device``."""
    groups: dict[tuple, list[dict]] = {}
    for c in configs:
        groups.setdefault(group_key(c), []).append(c)
    out = []
    for g in groups.values():
        k = batch_size(g[0], device, max_batch, max_batch_params)
        out += [g[i : i + k] for i in range(0, len(g), k)]
    return out


def _chunks(configs: list[dict], max_batch: int, max_batch_params: float, device=None) -> list[list[dict]]:
    return chunk_batches(configs, device, max_batch, max_batch_params)


BACKENDS = ("local", "processes", "dask")


def _backend(backend: str | None, client) -> tuple[str, Any]:
    """The backend a sweep uses: ``backend`` as given; left at None, a Dask cluster when ``$ATTRACTOR_CLUSTER`` is
    set (see :mod:`attractor_utils.runs.cluster`), else this process."""
    if backend is None:
        from .cluster import cluster_setting

        setting = cluster_setting()
        return ("dask", client or setting) if setting else ("local", client)
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}; accepted values: {list(BACKENDS)}")
    return backend, client


def run_batches(configs: Sequence[dict], batches: Sequence[Sequence[dict]], fn: Callable[..., Any], cache: Cache, *,
                kind: str = "sweep", backend: str | None = None, n_jobs: int = 1, client=None, device=None,
                progress: bool = True) -> None:
    """Train ``batches`` (lists of configurations trained together) with ``fn(batch, cache, device=..., progress=...)``,
    which stores each result in ``cache``: the one place the package trains cached runs (:func:`sweep`,
    :func:`attractor_utils.given_data.train_on`). ``configs``: every run of the call, cached or not.

    In plan mode (:mod:`attractor_utils.runs.plan`) the call is recorded and nothing is trained. ``backend`` as in
    :func:`sweep`. With ``progress``, one line of text shows the runs trained, the current run's epoch and loss, and
    the time left by the plan (:mod:`attractor_utils.runs.progress`, also written to ``$ATTRACTOR_PROGRESS``)."""
    from . import plan
    from .progress import SweepProgress

    backend, client = _backend(backend, client)
    if plan.planning():
        plan.record_call(kind, configs, cache, device)
        return
    if not batches:
        return
    projected = plan.sweep_plan(batches, cache) if progress else None
    secs, how = projected if projected is not None else (None, "plan")
    total = sum(len(b) for b in batches)
    if backend == "local":
        with SweepProgress(total, kind, show=progress, planned=secs, planned_kind=how) as sp:
            for i, b in enumerate(batches):
                sp.start_batch(i, b)
                fn(b, cache, device=device, progress=progress)
                sp.batch_done(i, len(b))
    elif backend == "processes":
        from joblib import Parallel, delayed

        threads = max(1, (os.cpu_count() or 1) // max(1, n_jobs))
        par = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")
        with SweepProgress(total, f"{kind} ({n_jobs} processes)", show=progress, planned=secs, planned_kind=how,
                           workers=n_jobs) as sp:
            for i, nb in par(delayed(_in_worker_at)(i, fn, b, cache.root, threads, device)
                             for i, b in enumerate(batches)):
                sp.batch_done(i, nb)
    else:
        from distributed import as_completed

        from .cluster import check_cache_visible, connect, worker_threads

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


def sweep(
    configs: Sequence[dict],
    fn: Callable[..., list[dict]] = train_batch,
    cache: Cache | None = None,
    backend: str | None = None,
    n_jobs: int = 1,
    client=None,
    max_batch: int = 16,
    max_batch_params: float = 4e7,
    device=None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every configuration (skipping those ``cache`` holds) and return one row per run.

    ``fn(batch, cache, device=..., progress=...)`` does the work for a batch of configurations sharing
    a :func:`group_key` and stores each result in the cache (default: :func:`train_batch`).
    ``backend``: "local" (this process), "processes" (``n_jobs`` joblib workers, torch threads split
    between them), "dask" (``client``: a ``distributed.Client`` or its address, or ``local:N``; the cache folder must
    be shared by the workers, and is checked). Left at None: "dask" on the cluster ``$ATTRACTOR_CLUSTER`` names when
    it is set (``make figures CLUSTER=...``), else "local". Dask workers train with this process's torch thread count
    (``$ATTRACTOR_WORKER_THREADS`` overrides it), so the numbers are those of an in-process sweep. An interrupted
    sweep resumes where it stopped; a finished run is never trained again. In plan mode (``make plan``) nothing is
    trained: the call is recorded and the rows hold stand-in results (:mod:`attractor_utils.runs.plan`).
    """
    _backend(backend, client)
    cache = cache or default_cache()
    configs = [make_config(**c) for c in configs]
    # a configuration listed twice (e.g. the default-init row of a table that is also another table's row) trains once
    todo = list({config_key(c): c for c in configs if c not in cache}.values())
    batches = chunk_batches(todo, device, max_batch, max_batch_params)
    run_batches(configs, batches, fn, cache, backend=backend, n_jobs=n_jobs, client=client, device=device,
                progress=progress)
    rows = []
    for c in configs:
        r = cache.get(c)
        if r is None:
            from . import plan

            if not plan.planning():
                raise RuntimeError(f"run missing from the cache after the sweep (entry {cache.path(c)}): {c}")
            r = plan.standin_result(c, cache)
        rows.append({**c, **{k: v for k, v in r.items() if k != "history"}})
    return pd.DataFrame(rows)


def _in_worker(fn, batch, cache_root, threads: int, device, deterministic_algorithms: bool = False) -> int:
    if threads:
        torch.set_num_threads(threads)
    if deterministic_algorithms:
        deterministic()
    fn(batch, Cache(cache_root), device=device, progress=False)
    return len(batch)


def _in_worker_at(index: int, *args) -> tuple[int, int]:
    return index, _in_worker(*args)


def load_run(c: dict, cache: Cache, device=None, X: Tensor | None = None, Y: Tensor | None = None) -> Run:
    """The trained run of configuration ``c`` from ``cache``, on ``device``; its data from :func:`make_data` unless
    ``X`` (and ``Y``) are given. In plan mode a :class:`attractor_utils.runs.plan.PlannedRun`: its network built when
    used, and for a run the cache does not hold an untrained stand-in (:func:`attractor_utils.runs.plan.standin_result`)."""
    from . import plan

    dev = default_device(device)
    if X is None:
        X, Y = make_data(c)
    X, Y = X.to(dev), None if Y is None else Y.to(dev)
    if plan.planning():
        return plan.planned_run(c, cache, dev, X, Y)
    m = build_model(c, dev)
    state = cache.load_state(c, map_location=dev)
    if state is None:
        raise RuntimeError(f"trained weights missing from the cache (entry {cache.path(c)}); run again to retrain")
    m.load_state_dict(state)
    return Run(c, m, X, Y, cache.get(c))


def train_runs(configs: Sequence[dict], cache: Cache | None = None, device=None, progress: bool = True,
               **sweep_kw) -> list[Run]:
    """Train (or load from the cache) every configuration and return the trained runs in order (see :func:`sweep`:
    on the cluster ``$ATTRACTOR_CLUSTER`` names when it is set; in plan mode, stand-ins)."""
    cache = cache or default_cache()
    configs = [make_config(**c) for c in configs]
    sweep(configs, cache=cache, device=device, progress=progress, **sweep_kw)
    return [load_run(c, cache, device) for c in configs]


def _form_of(name: str, example: Any = None) -> str:
    """How a list (or dict) parameter is written on papermill's command line, with ``example`` (a list or dict
    value; a placeholder if none) as the value: ``-p widths "[64, 128]" or -y "{widths: [64, 128]}"``."""
    if isinstance(example, dict) and example:
        text = repr(dict(list(example.items())[:2]))
    elif isinstance(example, dict):
        text = "{'key': value}"
    elif example:
        text = repr(list(example)) if len(repr(list(example))) <= 40 else repr(list(example)[:2])
    else:
        text = "[x, y]"
    return f'-p {name} "{text}" or -y "{{{name}: {text}}}"'


def param_from_text(name: str, value: Any, example: Any = None) -> Any:
    """``value`` as given, or, when it is text, the list it spells as a Python literal: papermill's ``-p widths
    "[64, 128]"`` passes the string ``"[64, 128]"`` (``-y "{widths: [64, 128]}"`` passes the list itself). A dict
    ``example`` asks for a dict instead. The text is read by :func:`ast.literal_eval` (literals only, nothing runs);
    a tuple counts as a list. Text that does not spell one raises a ValueError naming the parameter, the value and
    the accepted forms (with ``example`` as the value shown).

    >>> param_from_text("widths", "[64, 128]"), param_from_text("widths", [64]), param_from_text("lr", "{'a': 1}", {})
    ([64, 128], [64], {'a': 1})
    """
    import ast

    if not isinstance(value, str):
        return value
    kind = dict if isinstance(example, dict) else list
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        why = "does not parse as a Python literal"
    else:
        if kind is list and isinstance(parsed, tuple):
            parsed = list(parsed)
        if isinstance(parsed, kind):
            return parsed
        why = f"spells the {type(parsed).__name__} {parsed!r}"
    raise ValueError(f"{name}={value!r}: must be a {kind.__name__}, and this text {why}; give it as a {kind.__name__} "
                     f"literal: {_form_of(name, example)}")


def _list_of(name: str, v, check) -> list:
    if not isinstance(v, (list, tuple)) or len(v) == 0:
        raise ValueError(f"{name}={v!r}: must be a non-empty list; from papermill: {_form_of(name)}")
    return [check(f"{name}[{i}]", x) for i, x in enumerate(v)]


# notebook parameters with one meaning in every notebook: name -> check of the value
_PARAM_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "seeds": lambda n, v: _list_of(n, v, V.seed),
    "widths": lambda n, v: _list_of(n, v, lambda m, x: V.integer(m, x, 1)),
    "depths": lambda n, v: _list_of(n, v, lambda m, x: V.integer(m, x, 1)),
    "n_points": lambda n, v: (_list_of(n, v, lambda m, x: V.integer(m, x, 1)) if isinstance(v, (list, tuple))
                              else V.integer(n, v, 1)),
    "radii": lambda n, v: _list_of(n, v, lambda m, x: V.real(m, x, 0, lo_open=True)),
    "noise_radii": lambda n, v: _list_of(n, v, lambda m, x: V.real(m, x, 0, lo_open=True)),
    "max_epochs": lambda n, v: V.integer(n, v, 0),
    "activations": lambda n, v: _list_of(n, v, lambda m, x: V.choice(m, x, sorted(ACTIVATIONS))),
    "optimizers": lambda n, v: _list_of(n, v, lambda m, x: V.choice(m, x, OPTIMIZERS)),
    "datasets": lambda n, v: _list_of(n, v, lambda m, x: V.choice(m, x, DATA_KINDS)),
    "variants": lambda n, v: _list_of(n, v, lambda m, x: (
        [V.choice(f"{m} activation", x[0], sorted(ACTIVATIONS)), V.integer(f"{m} width", x[1], 1)]
        if isinstance(x, (list, tuple)) and len(x) == 2 else V.choice(m, x, ["[activation, width]"]))),
}
# those of them that take a list (n_points: a list or one number), so text for them is read as a list literal
_LIST_PARAMS = frozenset(_PARAM_CHECKS) - {"max_epochs"}


def check_notebook_params(**params) -> dict:
    """Validate notebook parameters by name (seeds, widths, depths, n_points, radii, noise_radii, max_epochs,
    activations, optimizers, datasets, variants): a bad value raises a ValueError naming the parameter and the
    accepted values, before any work starts. A list given as text (papermill's ``-p seeds "[0, 1]"``) is read as
    the list it spells (:func:`param_from_text`). Other names are not checked here. Returns the parameters with
    those texts replaced by their lists.

    >>> check_notebook_params(seeds="[0, 1]", lr=0.5)
    {'seeds': [0, 1], 'lr': 0.5}
    """
    params = _from_text(params, dict.fromkeys(_LIST_PARAMS))
    for name, v in params.items():
        if name in _PARAM_CHECKS and v is not None:
            _PARAM_CHECKS[name](name, v)
    return params


def _collection_params(preset: str, table: dict[str, dict], literals: dict, params: dict) -> dict[str, Any]:
    """The notebook parameters whose value is a list or a dict, each with an example value (its kind, and what an
    error shows): every setting some preset of ``table`` gives a list (the example: ``preset``'s value), every list
    or dict literal of the parameters cell (``literals``: the committed notebook's), and those of ``params`` in
    :data:`_LIST_PARAMS`."""
    out = {k: [] for k in params if k in _LIST_PARAMS}
    out.update({k: v for k, v in literals.items() if isinstance(v, (list, dict))})
    for p in sorted(table, key=lambda p: p == preset):  # ``preset``'s own values last: they are the examples
        out.update({k: list(v) for k, v in table[p].items() if isinstance(v, (list, tuple))})
    return out


def _from_text(values: dict, collections: dict[str, Any]) -> dict:
    """``values`` with the text given for a list or dict parameter (``collections``) read as the literal it
    spells (:func:`param_from_text`)."""
    return {k: param_from_text(k, v, collections[k]) if k in collections else v for k, v in values.items()}


def deterministic() -> None:
    """Ask torch for deterministic algorithms (a nondeterministic GPU kernel then warns; CUDA's matmul gets the
    workspace setting it needs). On a CPU this changes no number and costs about 1 % (measured on a batched
    training run with iteration and spectra; issue 17's note)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)


def setup_notebook(preset: str, table: dict[str, dict], params: dict | None = None, *,
                   follows: dict[str, str] | None = None, notebook: str | None = None,
                   namespace: dict | None = None, **overrides) -> dict:
    """Resolve a notebook's settings by the one rule every notebook follows, switch torch to deterministic
    algorithms, set the plotting style and route the run's files.

    The rule (stated in the README):

    1. The preset: ``-p preset ...`` (papermill) sets the ``preset`` parameter; the environment variable
       ``ATTRACTOR_PRESET_OVERRIDE`` (set by ``make test`` so nbval runs every notebook at ``smoke``) wins over it.
    2. Every setting of the preset ``table`` is a notebook parameter of the same name, passed in ``overrides``; a
       parameter left at ``None`` takes the preset's value, any other value wins at every preset.
    3. ``follows={"b": "a"}``: a parameter ``b`` left at ``None`` takes ``a``'s value when the user set ``a``
       (e.g. ``widths_without_bias`` follows ``widths``), else the preset's ``b``.
    4. Parameters outside the table (literals in the parameters cell) are used as they are; those in ``params``
       are checked by :func:`check_notebook_params` with the settings.

    A list given as text (papermill's ``-p widths "[64]"``: a table setting some preset gives a list, a list or
    dict literal of the committed parameters cell, or a list parameter of ``params``) is read as the literal it
    spells (:func:`param_from_text`; an error names the parameter and the accepted forms), and that value is used
    everywhere: in the settings returned and printed, in the routing below, and in ``namespace``, whose variable of
    that name is replaced, so the notebook's later cells see the list too.

    A table setting without its parameter (rule 2) is refused, naming it, so ``-p name value`` cannot be
    silently ignored at some preset.

    Where the files go (:func:`attractor_utils.plotting.route`): the notebook is the one of ``notebooks/`` whose
    code cell is the set-up cell now running (or ``notebook``, its stem); ``namespace`` holds its parameters (default:
    the caller's globals, i.e. the notebook's). A run whose set-up cell and parameter values in force equal the
    committed notebook's (git HEAD) writes to ``figures/`` (``figures/<preset>/`` at another preset; the base is
    ``$ATTRACTOR_FIGURES`` when set); any other run writes to ``variants/<notebook>--<name>=<value>...`` below that
    folder and says so. Prints the settings in force and the folder.
    """
    import sys

    from .. import plotting

    preset = os.environ.get("ATTRACTOR_PRESET_OVERRIDE") or preset
    keys = sorted({k for t in table.values() for k in t})
    unset = [k for k in keys if k not in overrides]
    if unset:
        raise ValueError(f"preset settings {unset} have no notebook parameter: add `name = None` to the parameters "
                         f"cell and pass name=name to setup_notebook (rule 2)")
    for b, a in (follows or {}).items():
        if b not in overrides or a not in overrides:
            raise ValueError(f"follows={{{b!r}: {a!r}}}: both must be notebook parameters passed to setup_notebook")
    ns = namespace if namespace is not None else sys._getframe(1).f_globals
    stem, as_committed, cell = _which_notebook(notebook)
    literals = plotting.notebook_parameters(plotting.committed_notebook(stem) or {}) if stem else {}
    collections = _collection_params(preset, table, literals, params or {})
    overrides, params = _from_text(overrides, collections), _from_text(params or {}, collections)
    ns.update(_from_text({k: v for k, v in ns.items() if k in collections and isinstance(v, str)}, collections))
    cfg = _in_force(preset, table, follows, overrides)
    check_notebook_params(**cfg, **params)
    out, note = _route_run(preset, table, follows, overrides, ns, stem, as_committed, cell, literals)
    cfg["preset"] = preset
    deterministic()
    plotting.set_style()
    plotting.set_output_dir(out)
    print(f"preset={preset!r}  device={default_device()}  torch={torch.__version__}  threads={torch.get_num_threads()}"
          f"\nfigures and CSVs -> {out}" + (f"\n{note}" if note else ""))
    for k, v in cfg.items():
        if k != "preset":
            print(f"  {k} = {v!r}")
    return cfg


def _in_force(preset: str, table: dict[str, dict], follows: dict[str, str] | None, values: dict) -> dict:
    """The preset settings in force for parameter ``values`` (rules 2 and 3 of :func:`setup_notebook`)."""
    keys = sorted({k for t in table.values() for k in t})
    ov = {k: values.get(k) for k in keys}
    for b, a in (follows or {}).items():
        if ov.get(b) is None and ov.get(a) is not None:
            ov[b] = ov[a]
    return resolve_preset(preset, table, **ov)


def _running_cell() -> str | None:
    """The source of the notebook cell now running (IPython's input history), or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    ip = get_ipython()
    hist = getattr(getattr(ip, "history_manager", None), "input_hist_raw", None)
    return hist[-1] if hist else None


def _which_notebook(notebook: str | None) -> tuple[str | None, bool, str | None]:
    """(stem, as committed, the running cell's source) of the notebook whose set-up cell is running: ``notebook``
    if given, else the one of ``notebooks/`` with that cell (None outside a notebook or for an unknown cell)."""
    from .. import plotting

    cell = _running_cell()
    if notebook is None and cell is not None:
        return (*plotting.find_notebook(cell), cell)
    return notebook, cell is None or plotting.find_notebook(cell) == (notebook, True), cell


def _route_run(preset: str, table: dict[str, dict], follows: dict[str, str] | None, overrides: dict, ns: dict,
               stem: str | None, as_committed: bool, cell: str | None, committed: dict) -> tuple[Any, str]:
    """(folder, note) for a run of notebook ``stem`` (:func:`_which_notebook`; ``committed``: its committed
    parameters): the committed preset folder, or a variant folder and the note that says why."""
    from .. import plotting

    where = plotting.preset_dir(preset)
    if stem is None:
        why = ("no notebook in notebooks/ has this set-up cell" if cell is not None
               else "setup_notebook was not called from a notebook cell")
        return (plotting.route(preset, None, None),
                f"NOTE: not {where}: {why}, so its settings cannot be checked against a committed notebook "
                "(pass notebook=\"NN_name\" to setup_notebook)")
    current = {k: ns[k] for k in committed if k in ns}
    current.update(overrides)

    def resolve(values: dict) -> dict:
        return {**values, **_in_force(preset, table, follows, values)}

    changes = plotting.setting_changes(committed, current, resolve)
    if not as_committed:
        changes["setup"] = ("edited", "the committed set-up cell")
    if not changes:
        return plotting.route(preset, stem, {}), ""
    said = ", ".join(f"{k} = {v!r} (committed: {c!r})" for k, (v, c) in changes.items())
    return (plotting.route(preset, stem, {k: v for k, (v, _) in changes.items()}),
            f"NOTE: not {where}: this run differs from the committed {stem} at the {preset} preset in {said}; its "
            f"figures and CSVs go to the folder above and replace no committed file")
