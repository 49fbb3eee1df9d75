"""Full-batch training of autoencoders (``Y=None``) and sequence encoders (``Y`` given).

``train`` handles one model; ``train_ensemble`` trains the ``K`` members of an :class:`MLPEnsemble`
as one batched computation, each member exactly as if alone: elementwise optimizers keep separate
state per member, each member stops at its own loss threshold (and then never changes again), and
each has its own divergence flag.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from .models import MLPEnsemble

__all__ = ["OPTIMIZERS", "LOSSES", "TrainResult", "make_optimizer", "train", "train_ensemble", "TrainingDiverged"]

OPTIMIZERS = ("gd", "gd+momentum", "gd+momentum+wd", "rmsprop", "adam")
LOSSES = ("mse", "half_sum")


class TrainingDiverged(RuntimeError):
    """Raised by ``train(..., on_diverge="raise")`` when the loss becomes NaN or infinite."""


@dataclass
class TrainResult:
    """Loss history (one float per epoch, the loss *before* that epoch's update) and the outcome."""

    history: np.ndarray
    converged: bool  # reached ``loss_threshold``
    diverged: bool  # loss became NaN/inf: the weights are not usable
    epochs: int  # optimizer steps taken
    final_loss: float
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        state = "converged" if self.converged else ("DIVERGED" if self.diverged else "not converged")
        return f"TrainResult({state}, epochs={self.epochs}, final_loss={self.final_loss:.3e})"


def make_optimizer(params, optimizer: str = "adam", lr: float = 1e-3, momentum: float = 0.9,
                   weight_decay: float = 5e-4, device: torch.device | None = None) -> torch.optim.Optimizer:
    """Build one of :data:`OPTIMIZERS` (fused/foreach kernels where torch offers them).

    ``weight_decay`` is used only by "gd+momentum+wd"; ``momentum`` by the momentum variants.
    """
    params = list(params)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r}; accepted values: {list(OPTIMIZERS)}")
    if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr={lr!r}: must be a positive finite number")
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


def _loss_fn(kind: str):
    if kind == "mse":  # mean over every entry (torch.nn.MSELoss)
        return lambda out, y: ((out - y) ** 2).mean(dim=(-2, -1))
    if kind == "half_sum":  # (1 / 2n) sum_i ||f(x_i) - y_i||^2  (Jiang & Pehlevan)
        return lambda out, y: 0.5 * ((out - y) ** 2).sum(dim=-1).mean(dim=-1)
    raise ValueError(f"loss={kind!r}; accepted values: {list(LOSSES)}")


def _check_data(model: nn.Module, X: Tensor, Y: Tensor | None) -> tuple[Tensor, Tensor]:
    dim = getattr(model, "dim", None)
    if not isinstance(X, Tensor):
        raise TypeError(f"X must be a torch.Tensor, got {type(X).__name__}")
    ok_dims = (2, 3) if isinstance(model, MLPEnsemble) else (2,)
    if X.dim() not in ok_dims or (dim is not None and X.shape[-1] != dim):
        raise ValueError(f"X has shape {tuple(X.shape)}; expected (n, {dim})"
                         + (f" or (K, n, {dim})" if isinstance(model, MLPEnsemble) else ""))
    if Y is None:
        Y = X
    elif Y.shape != X.shape:
        raise ValueError(f"Y has shape {tuple(Y.shape)}; expected the shape of X, {tuple(X.shape)}")
    p = next(model.parameters())
    return X.to(device=p.device, dtype=p.dtype), Y.to(device=p.device, dtype=p.dtype)


def _progress(total: int, progress: bool, desc: str):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False, mininterval=1.0)


def train(
    model: nn.Module,
    X: Tensor,
    Y: Tensor | None = None,
    *,
    optimizer: str = "adam",
    lr: float = 1e-4,
    loss: str = "mse",
    loss_threshold: float = 1e-8,
    max_epochs: int = 10_000,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    on_diverge: str = "warn",
    progress: bool = True,
) -> TrainResult:
    """Full-batch training until ``loss < loss_threshold`` or ``max_epochs`` steps.

    ``X``: (n, dim); ``Y=None`` autoencodes, else maps ``X[i] -> Y[i]`` (sequence encoding).
    ``loss``: "mse" (mean over all entries) or "half_sum" ((1/2n) sum ||f(x)-y||^2).
    ``on_diverge``: "warn" (flag and stop), "raise" (:class:`TrainingDiverged`).
    """
    if isinstance(model, MLPEnsemble):
        return train_ensemble(model, X, Y, optimizer=optimizer, lr=lr, loss=loss, loss_threshold=loss_threshold,
                              max_epochs=max_epochs, momentum=momentum, weight_decay=weight_decay,
                              progress=progress)
    if on_diverge not in ("warn", "raise"):
        raise ValueError(f"on_diverge={on_diverge!r}; accepted values: ['warn', 'raise']")
    if not (isinstance(max_epochs, int) and max_epochs >= 0):
        raise ValueError(f"max_epochs={max_epochs!r}: must be an integer >= 0")
    X, Y = _check_data(model, X, Y)
    lf = _loss_fn(loss)
    opt = make_optimizer(model.parameters(), optimizer, lr, momentum, weight_decay)
    hist = np.full(max_epochs + 1, np.nan)
    bar = _progress(max_epochs, progress, f"train {optimizer}")
    converged = diverged = False
    epoch = 0
    for epoch in range(max_epochs + 1):
        opt.zero_grad(set_to_none=True)
        L = lf(model(X), Y)
        val = float(L.detach())
        hist[epoch] = val
        if not math.isfinite(val):
            diverged = True
            break
        if val < loss_threshold:
            converged = True
            break
        if epoch == max_epochs:
            break
        L.backward()
        opt.step()
        if bar is not None and epoch % 50 == 0:
            bar.update(50 if epoch else 0)
            bar.set_postfix(loss=f"{val:.2e}", refresh=False)
    if bar is not None:
        bar.close()
    hist = hist[: epoch + 1]
    if diverged:
        msg = (f"training diverged at epoch {epoch} (loss={hist[-1]}); the weights are not usable "
               "(result.diverged is True)")
        if on_diverge == "raise":
            raise TrainingDiverged(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    final = float(hist[-2]) if diverged and len(hist) > 1 else float(hist[-1])
    return TrainResult(hist, converged, diverged, epoch, final)


def train_ensemble(
    ens: MLPEnsemble,
    X: Tensor,
    Y: Tensor | None = None,
    *,
    optimizer: str = "adam",
    lr: float = 1e-4,
    loss: str = "mse",
    loss_threshold: float = 1e-8,
    max_epochs: int = 10_000,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    progress: bool = True,
) -> list[TrainResult]:
    """Train every member of ``ens`` as if alone, in one batched computation.

    ``X``: (n, dim) shared by all members, or (K, n, dim) one data set per member. Returns one
    :class:`TrainResult` per member. A member that reaches its threshold, or diverges, is frozen
    (its parameters are restored after each optimizer step), so it ends exactly where a lone run stops.
    """
    if not isinstance(ens, MLPEnsemble):
        raise TypeError("train_ensemble needs an MLPEnsemble")
    X, Y = _check_data(ens, X, Y)
    if X.dim() == 3 and X.shape[0] != ens.K:
        raise ValueError(f"X has {X.shape[0]} data sets; expected one per member, K={ens.K}")
    lf = _loss_fn(loss)
    params = list(ens.parameters())
    opt = make_optimizer(params, optimizer, lr, momentum, weight_decay)
    K = ens.K
    hist = np.full((K, max_epochs + 1), np.nan)
    active = torch.ones(K, dtype=torch.bool)
    converged = np.zeros(K, bool)
    diverged = np.zeros(K, bool)
    stop_epoch = np.full(K, max_epochs)
    bar = _progress(max_epochs, progress, f"train x{K} {optimizer}")
    frozen: list[Tensor] | None = None
    epoch = 0
    for epoch in range(max_epochs + 1):
        opt.zero_grad(set_to_none=True)
        L = lf(ens(X), Y)  # (K,)
        vals = L.detach().cpu().double().numpy()
        idx = active.numpy()
        hist[idx, epoch] = vals[idx]
        newly_div = idx & ~np.isfinite(vals)
        newly_conv = idx & np.isfinite(vals) & (vals < loss_threshold)
        if epoch == max_epochs:
            stop_epoch[idx] = epoch
            break
        changed = newly_div | newly_conv
        if changed.any():
            diverged |= newly_div
            converged |= newly_conv
            stop_epoch[changed] = epoch
            active &= ~torch.as_tensor(changed)
            if newly_div.any():
                warnings.warn(f"ensemble members {np.flatnonzero(newly_div).tolist()} diverged at epoch {epoch}",
                              RuntimeWarning, stacklevel=2)
            frozen = None
        if not active.any():
            break
        act_dev = active.to(L.device)
        L[act_dev].sum().backward()
        if not bool(active.all()):
            if frozen is None:  # snapshot the frozen members once; they never change again
                inact = (~active).to(L.device)
                frozen = [p.detach()[inact].clone() for p in params]
                frozen_idx = inact
            opt.step()
            with torch.no_grad():
                for p, q in zip(params, frozen):
                    p[frozen_idx] = q
        else:
            opt.step()
        if bar is not None and epoch % 50 == 0:
            bar.update(50 if epoch else 0)
            bar.set_postfix(active=int(active.sum()), loss=f"{np.nanmax(vals[active.numpy()]) if active.any() else 0:.2e}",
                            refresh=False)
    if bar is not None:
        bar.close()
    out = []
    for k in range(K):
        h = hist[k, : stop_epoch[k] + 1]
        final = float(h[-2]) if diverged[k] and len(h) > 1 else float(h[-1])
        out.append(TrainResult(h, bool(converged[k]), bool(diverged[k]), int(stop_epoch[k]), final))
    return out
