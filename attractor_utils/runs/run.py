"""A trained run (:class:`Run`), the package's one training path (:func:`train_group` trains configurations sharing
a ``group_key``, :func:`train_batch` stores them; :func:`attractor_utils.sweep` and ``given_data.train_on`` use it),
loading a run back (in plan mode, a stand-in), and the record a run trained outside the run cache leaves for plans.
"""
from __future__ import annotations

import itertools
import json
import os
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ..core.flow import FLOW_FIELDS
from ..core.models import MLPAutoencoder, MLPEnsemble, default_device
from ..core.training import TrainResult, train, train_ensemble
from ..data.registry import make_data
from ..files import atomic_write_text
from . import plan
from .caching import Cache, config_key
from .config import build_model, train_kwargs


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


def train_group(configs: list[dict], device=None, progress: bool = False,
                data: tuple[Tensor, Tensor | None] | None = None) -> list[tuple[dict, dict]]:
    """Train runs sharing a :func:`attractor_utils.runs.config.group_key` together; returns (result, state_dict) per
    run. ``data``: ``(X, Y)`` (n, dim) shared by every run (``Y=None``: autoencode), else each configuration's own
    (:func:`attractor_utils.data.make_data`; one data set per member when their data seeds differ)."""
    dev = default_device(device)
    c0 = configs[0]
    tkw = train_kwargs(c0)
    t0 = time.perf_counter()
    if len(configs) == 1:
        model = build_model(c0, dev)
        X, Y = make_data(c0) if data is None else data
        tr = train(model, X.to(dev), None if Y is None else Y.to(dev), progress=progress, **tkw)
        return [(run_result(tr, time.perf_counter() - t0, 1), model.state_dict())]
    ens = MLPEnsemble([build_model(c, dev) for c in configs])
    if data is None:
        datas = [make_data(c) for c in configs]
        same = all(c["data_seed"] == c0["data_seed"] for c in configs)
        X = datas[0][0] if same else torch.stack([d[0] for d in datas])
        Y = None if datas[0][1] is None else (datas[0][1] if same else torch.stack([d[1] for d in datas]))
    else:
        X, Y = data
    trs = train_ensemble(ens, X.to(dev), None if Y is None else Y.to(dev), progress=progress, **tkw)
    dt = (time.perf_counter() - t0) / len(configs)
    return [(run_result(tr, dt, len(configs)), m.state_dict()) for tr, m in zip(trs, ens.members())]


def train_batch(configs: list[dict], cache: Cache, device=None, progress: bool = False,
                data: tuple[Tensor, Tensor | None] | None = None) -> list[dict]:
    """Train a group of runs (batched, :func:`train_group`; ``data`` as there), storing each model and result in
    ``cache``; cached runs are skipped (a rescheduled task does not train a stored run again). This is the unit of
    work a sweep hands to a worker."""
    todo = [c for c in configs if c not in cache]
    if todo:
        for c, (res, state) in zip(todo, train_group(todo, device, progress, data)):
            cache.put(c, res, state)
    return [cache.get(c) for c in configs]


def deterministic() -> None:
    """Ask torch for deterministic algorithms (a nondeterministic GPU kernel then warns; CUDA's matmul gets the
    workspace setting it needs). On a CPU this changes no number and costs about 1 % (measured on a batched
    training run with iteration and spectra; issue 17's note)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)


# --- loading a run, or in plan mode its stand-in --------------------------------------------------------------------

_RECENT: "OrderedDict[int, object]" = OrderedDict()
_KEYS = itertools.count()
_KEEP = 2  # networks of planned runs kept built at once


class PlannedRun(Run):
    """A :class:`Run` in plan mode: its network is built (a cached run's: loaded) when it is used, and only the
    :data:`_KEEP` most recently used stay built, so planning a preset whose runs do not fit in memory together
    (notebook 03's paper widths) needs the memory of one run. ``result``: the cached result, or
    :func:`attractor_utils.runs.plan.standin_result`."""

    def __init__(self, config: dict, X, Y, result: dict, make):
        self.config, self.X, self.Y, self.result = config, X, Y, result
        self._make = make
        self._key = next(_KEYS)  # not id(self): an id is reused once its object is gone

    @property
    def model(self):
        key = self._key
        m = _RECENT.pop(key, None)
        if m is None:
            m = self._make()
        _RECENT[key] = m
        while len(_RECENT) > _KEEP:
            _RECENT.popitem(last=False)
        return m

    @model.setter
    def model(self, value) -> None:
        _RECENT[self._key] = value


def _planned_run(c: dict, cache: Cache, device, X, Y) -> PlannedRun:
    """The plan-mode run of configuration ``c`` on data ``X``, ``Y`` (already on ``device``): the cached run, or a
    stand-in (:func:`attractor_utils.runs.plan.standin_result`) whose network is that of a trained run of the same
    recipe (:func:`attractor_utils.runs.plan.trained_twin`: a probe's, another seed's) where the cache holds one, else
    untrained."""
    result = cache.get(c)
    weights = c if result is not None else plan.trained_twin(c, cache)

    def make():
        m = build_model(c, device)
        state = None if weights is None else cache.load_state(weights, map_location=device)
        if state is not None:
            m.load_state_dict(state)
        return m

    return PlannedRun(c, X, Y, result if result is not None else plan.standin_result(c, cache), make)


def load_run(c: dict, cache: Cache, device=None, X: Tensor | None = None, Y: Tensor | None = None) -> Run:
    """The trained run of configuration ``c`` from ``cache``, on ``device``; its data from :func:`make_data` unless
    ``X`` (and ``Y``) are given. In plan mode a :class:`PlannedRun`: its network built when used, and for a run the
    cache does not hold an untrained stand-in (:func:`attractor_utils.runs.plan.standin_result`)."""
    dev = default_device(device)
    if X is None:
        X, Y = make_data(c)
    X, Y = X.to(dev), None if Y is None else Y.to(dev)
    if plan.planning():
        return _planned_run(c, cache, dev, X, Y)
    m = build_model(c, dev)
    state = cache.load_state(c, map_location=dev)
    if state is None:
        raise RuntimeError(f"trained weights missing from the cache (entry {cache.path(c)}); run again to retrain")
    m.load_state_dict(state)
    return Run(c, m, X, Y, cache.get(c))


# --- a run trained outside the run cache -----------------------------------------------------------------------------

class DirectRun:
    """A run trained outside the run cache (``name``, e.g. "train_rank1"): ``signature`` (every setting that decides
    its result), ``shape`` (what its epochs cost), epoch ``budget`` and loss ``threshold``. In plan mode it is
    recorded and :attr:`planning` is True (the caller trains zero epochs), unless it is probed: then the caller
    trains with :attr:`callback` and catches :class:`~.plan.ProbeDeadline`. :meth:`finish` stores the epochs it took
    for later plans."""

    def __init__(self, name: str, signature: dict, shape: dict, budget: int, threshold: float = 0.0):
        self.name, self.signature, self.shape, self.budget = name, {"name": name, **signature}, dict(shape), int(budget)
        self.planning = plan.planning()
        self.t0 = time.perf_counter()
        self.probe = None
        if self.planning:
            plan.record_direct(name, self.signature, self.shape, self.budget)
            probe = plan.DirectProbe(config_key(self.signature), self.budget, threshold)
            if probe.active:
                self.probe, self.planning = probe, False

    @property
    def callback(self):
        """The training loop's ``callback`` of a probe (None otherwise)."""
        return None if self.probe is None else self.probe.callback

    def finish(self, epochs: int, converged: bool = False, stopped: bool = False) -> None:
        """Store the epochs the run took (not in plan mode); a probe's (``stopped``: at its time limit) also goes to
        the plan file."""
        if self.probe is not None:
            self.probe.finish(epochs, converged, stopped)
        if not self.planning and not stopped:
            doc = {"signature": self.signature, "epochs": int(epochs),
                   "seconds": round(time.perf_counter() - self.t0, 3)}
            try:
                atomic_write_text(plan.cost_path(self.signature), json.dumps(doc, default=str))
            except OSError:  # a read-only cache: the plan then uses the budget
                pass
