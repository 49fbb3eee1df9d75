"""Optimizers (:func:`make_optimizer`), per-member learning-rate schedules (:class:`LRSchedule`), the one check of
the training settings (:func:`check_train_settings`), and weight snapshots to replay a block of epochs.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from . import validate as V
from .losses import LOSSES

OPTIMIZERS = ("gd", "gd+momentum", "gd+momentum+wd", "rmsprop", "adam", "flow")
SCHEDULES = ("constant", "cosine", "plateau")


class LRSchedule:
    """Per-member learning rates, one value per member for each optimizer step.

    ``kind``: "constant"; "cosine": torch's ``CosineAnnealingLR(T_max=max_epochs, eta_min=lr_min)`` for the update
    of epoch ``e``; "plateau": torch's ``ReduceLROnPlateau(mode="min", factor, patience, threshold=plateau_threshold,
    threshold_mode="rel", min_lr=lr_min)`` fed every epoch's loss, per member.
    Use: ``lrs = sched.lrs(epoch)`` before the step of ``epoch``; ``sched.observe(losses)`` after it.
    """

    def __init__(self, kind: str, lr: float, max_epochs: int, K: int = 1, *, lr_min: float = 0.0,
                 patience: int = 200, factor: float = 0.5, threshold: float = 1e-4):
        self.kind = V.choice("schedule", kind, SCHEDULES)
        self.lr0 = V.real("lr", lr, 0, lo_open=True)
        self.T = max(V.integer("max_epochs", max_epochs, 0), 1)
        K = V.integer("K", K, 1)
        self.lr_min = _lr_min(lr_min, self.lr0)
        self.patience = V.integer("patience", patience, 0)
        self.factor = V.real("factor", factor, 0, 1, lo_open=True, hi_open=True)
        self.threshold = V.real("threshold", threshold, 0, 1, hi_open=True)
        self.current = np.full(K, self.lr0)
        self.best = np.full(K, np.inf)
        self.bad = np.zeros(K, int)

    def lrs(self, epoch: int) -> np.ndarray:
        """(K,) learning rates for the optimizer step of ``epoch`` (0-based)."""
        if self.kind == "cosine":
            v = self.lr_min + (self.lr0 - self.lr_min) * (1 + math.cos(math.pi * min(epoch, self.T) / self.T)) / 2
            self.current[:] = v
        return self.current.copy()

    def observe(self, losses, active=None) -> None:
        """Feed each member's loss of this epoch (plateau only; ``active`` masks frozen members)."""
        if self.kind != "plateau":
            return
        losses = np.atleast_1d(np.asarray(losses, float))
        act = np.ones_like(self.bad, bool) if active is None else np.asarray(active, bool)
        better = act & (losses < self.best * (1 - self.threshold))
        self.best[better] = losses[better]
        self.bad[better] = 0
        self.bad[act & ~better] += 1
        cut = act & (self.bad > self.patience)
        new = np.maximum(self.current * self.factor, self.lr_min)
        apply = cut & (self.current - new > 1e-8)  # torch's eps: smaller cuts are ignored
        self.current[apply] = new[apply]
        self.bad[cut] = 0


def _lr_min(lr_min, lr: float) -> float:
    """``lr_min`` as a float in ``[0, lr]``."""
    lr_min = V.real("lr_min", lr_min, 0)
    if lr_min > lr:
        raise ValueError(f"lr_min={lr_min!r}: must be <= lr={lr!r}; accepted values: numbers in [0, lr]")
    return lr_min


def make_optimizer(params, optimizer: str = "adam", lr: float = 1e-3, momentum: float = 0.9,
                   weight_decay: float = 5e-4, device: torch.device | None = None) -> torch.optim.Optimizer:
    """Build one of :data:`OPTIMIZERS` (fused/foreach kernels where torch offers them).

    ``weight_decay`` is used only by "gd+momentum+wd"; ``momentum`` by the momentum variants.
    """
    params = list(params)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r}; accepted values: {list(OPTIMIZERS)}")
    if optimizer == "flow":
        raise ValueError("optimizer='flow' is an integrator, not a torch optimizer: use train(..., optimizer='flow')")
    lr = V.real("lr", lr, 0, lo_open=True)
    momentum = V.real("momentum", momentum, 0, 1, hi_open=True)
    weight_decay = V.real("weight_decay", weight_decay, 0)
    fast = _fast_kwargs(optimizer, params)
    if optimizer == "gd":
        return torch.optim.SGD(params, lr=lr, **fast)
    if optimizer == "gd+momentum":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, **fast)
    if optimizer == "gd+momentum+wd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay, **fast)
    if optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, **fast)
    return torch.optim.Adam(params, lr=lr, **fast)


def _fast_kwargs(optimizer: str, params: list[Tensor]) -> dict:
    # Fused Adam exists for CPU and CUDA in current torch (fused SGD is slower than foreach on CPU for
    # small models; RMSprop offers foreach only). make bench compares the variants.
    if optimizer == "adam" and params and params[0].dtype in (
        torch.float32, torch.float64, torch.float16, torch.bfloat16
    ):
        return {"fused": True}
    return {"foreach": True}


def check_train_settings(o: dict) -> dict:
    """:func:`~.training.train`'s keyword settings ``o`` (all but ``callback``) checked and in canonical types,
    for ``train``, ``train_ensemble`` and run configurations alike. Returns a new dict (``lr`` may stay ``None``
    for ``optimizer="flow"``); an error names the setting and its accepted values."""
    o = dict(o)
    o["optimizer"] = V.choice("optimizer", o["optimizer"], OPTIMIZERS)
    o["loss"] = V.choice("loss", o["loss"], LOSSES)
    o["schedule"] = V.choice("schedule", o["schedule"], SCHEDULES)
    o["on_diverge"] = V.choice("on_diverge", o["on_diverge"], ("warn", "raise"))
    flow = o["optimizer"] == "flow"
    o["lr"] = None if flow and o["lr"] is None else V.real("lr", o["lr"], 0, lo_open=True)  # the flow has no lr
    o["loss_threshold"] = V.real("loss_threshold", o["loss_threshold"], 0, lo_open=True)
    o["max_epochs"] = V.integer("max_epochs", o["max_epochs"], 0)
    o["momentum"] = V.real("momentum", o["momentum"], 0, 1, hi_open=True)
    o["weight_decay"] = V.real("weight_decay", o["weight_decay"], 0)
    o["lr_min"] = V.real("lr_min", o["lr_min"], 0) if o["lr"] is None else _lr_min(o["lr_min"], o["lr"])
    o["plateau_patience"] = V.integer("plateau_patience", o["plateau_patience"], 0)
    o["plateau_factor"] = V.real("plateau_factor", o["plateau_factor"], 0, 1, lo_open=True, hi_open=True)
    o["keep_best"] = V.flag("keep_best", o["keep_best"])
    o["flow_tol"] = V.real("flow_tol", o["flow_tol"], 0, 1, lo_open=True, hi_open=True)
    if o["check_every"] is not None:
        o["check_every"] = V.integer("check_every", o["check_every"], 1)
    if flow and (o["schedule"] != "constant" or o["keep_best"]):
        raise ValueError("optimizer='flow' chooses its own steps: it takes schedule='constant' and keep_best=False "
                         f"(got schedule={o['schedule']!r}, keep_best={o['keep_best']!r})")
    return o


def make_schedule(o: dict, K: int = 1) -> LRSchedule:
    """The learning-rate schedule of checked settings ``o`` for ``K`` members."""
    return LRSchedule(o["schedule"], o["lr"], o["max_epochs"], K, lr_min=o["lr_min"], patience=o["plateau_patience"],
                      factor=o["plateau_factor"])


def set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    """Set every parameter group of ``opt`` to the learning rate ``lr``."""
    for g in opt.param_groups:
        if g["lr"] != lr:
            g["lr"] = lr


def snapshot_state(params: list[Tensor], opt: torch.optim.Optimizer):
    """Copies of the parameters and the optimizer's state, to replay a block of epochs from."""
    with torch.no_grad():
        ps = [p.detach().clone() for p in params]
    st = {i: {k: (v.clone() if torch.is_tensor(v) else v) for k, v in opt.state[p].items()}
          for i, p in enumerate(params) if p in opt.state}
    return ps, st


def restore_state(snap, params: list[Tensor], opt: torch.optim.Optimizer) -> None:
    """Put back the parameters and the optimizer state that :func:`snapshot_state` copied (copies again)."""
    ps, st = snap
    with torch.no_grad():
        for p, q in zip(params, ps):
            p.copy_(q)
    for i, p in enumerate(params):
        if i in st:
            opt.state[p] = {k: (v.clone() if torch.is_tensor(v) else v) for k, v in st[i].items()}
        else:
            opt.state.pop(p, None)
