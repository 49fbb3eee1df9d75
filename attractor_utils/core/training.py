"""Full-batch training of autoencoders (``Y=None``) and sequence encoders (``Y`` given): :func:`train` for one model,
:func:`train_ensemble` for the ``K`` members of an :class:`MLPEnsemble` at once, each exactly as if alone.
The memorization protocol (stop at the first epoch under ``loss_threshold``, schedules, ``keep_best``):
docs/methods.md.
"""
from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import Tensor, nn

from . import validate as V
from .flow import FLOW_TOL, flow_train
from .losses import fused_loss, loss_fn
from .models import MLPEnsemble, as_training_data
from .optim import check_train_settings, make_optimizer, make_schedule, restore_state, set_lr, snapshot_state
from .progress import finish_progress, progress_bar


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


def _progress(total: int, progress: bool, desc: str):
    return progress_bar(total, desc) if progress else None


def _train_flow(model, X, Y, loss, loss_threshold, max_epochs, flow_tol, callback, progress) -> list[TrainResult]:
    """``optimizer="flow"`` for checked settings (:func:`check_train_settings` refuses a schedule and keep_best)."""
    if callback is not None:
        raise ValueError("optimizer='flow' chooses its own steps: it takes no callback (got callback=set)")
    X, Y = as_training_data(model, X, Y)
    if isinstance(model, MLPEnsemble) and X.dim() == 3 and X.shape[0] != model.K:
        raise ValueError(f"X has {X.shape[0]} data sets; expected one per member, K={model.K}")
    hists, outs = flow_train(model, X, Y, loss_fn(loss), loss_threshold=loss_threshold, max_epochs=int(max_epochs),
                             flow_tol=flow_tol, progress=progress)
    res = []
    for h, o in zip(hists, outs):
        finite = h[np.isfinite(h)]
        last = float(finite[-1]) if len(finite) else float("nan")
        extra = {"last_loss": last, "best_loss": float(finite.min()) if len(finite) else float("nan"),
                 "best_epoch": int(np.argmin(finite)) if len(finite) else -1, "last_lr": o["lr"], "kept_best": False,
                 **{k: o[k] for k in o if k not in ("converged", "diverged", "epochs")}}
        res.append(TrainResult(h, o["converged"], o["diverged"], o["epochs"], last, extra))
    return res


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
    schedule: str = "constant",
    lr_min: float = 0.0,
    plateau_patience: int = 200,
    plateau_factor: float = 0.5,
    keep_best: bool = False,
    flow_tol: float = FLOW_TOL,
    callback: Callable[[int, float, nn.Module], None] | None = None,
    on_diverge: str = "warn",
    progress: bool = True,
    check_every: int | None = None,
) -> TrainResult:
    """Full-batch training until ``loss < loss_threshold`` (the first such epoch) or ``max_epochs`` steps.

    ``X``: (n, dim); ``Y=None`` autoencodes, else maps ``X[i] -> Y[i]``. ``loss``: "mse" or "half_sum".
    ``schedule``: "constant", "cosine" or "plateau" (:class:`LRSchedule`). ``keep_best``: end on the weights of the
    lowest loss (``final_loss``; the last loss is ``extra["last_loss"]``). ``callback(epoch, loss, model)``: every
    epoch, before the update. ``on_diverge``: "warn" (flag and stop) or "raise" (:class:`TrainingDiverged`).
    ``optimizer="flow"``: :mod:`.flow` (``lr`` unused; ``max_epochs`` bounds the gradient evaluations).
    """
    o = check_train_settings(dict(optimizer=optimizer, lr=lr, loss=loss, loss_threshold=loss_threshold,
                             max_epochs=max_epochs, momentum=momentum, weight_decay=weight_decay, schedule=schedule,
                             lr_min=lr_min, plateau_patience=plateau_patience, plateau_factor=plateau_factor,
                             keep_best=keep_best, flow_tol=flow_tol, on_diverge=on_diverge, progress=progress,
                             check_every=check_every))
    if isinstance(model, MLPEnsemble):
        return train_ensemble(model, X, Y, callback=callback, **o)
    optimizer, lr, loss, loss_threshold, max_epochs = o["optimizer"], o["lr"], o["loss"], o["loss_threshold"], \
        o["max_epochs"]
    momentum, weight_decay, keep_best, flow_tol = o["momentum"], o["weight_decay"], o["keep_best"], o["flow_tol"]
    if optimizer == "flow":
        (tr,) = _train_flow(model, X, Y, loss, loss_threshold, max_epochs, flow_tol, callback, progress)
        if tr.diverged and on_diverge == "raise":
            raise TrainingDiverged(f"flow reached a non-finite loss (final loss {tr.final_loss})")
        return tr
    sched = make_schedule(o)
    X, Y = as_training_data(model, X, Y)
    params = list(model.parameters())
    opt = make_optimizer(params, optimizer, lr, momentum, weight_decay)
    hist = np.full(max_epochs + 1, np.nan)
    bar = _progress(max_epochs, progress, f"train {optimizer}")
    converged = diverged = False
    best, best_epoch = math.inf, -1
    best_params = [p.detach().clone() for p in params] if keep_best else None
    last_lr = lr  # the rate of the last step taken, as train_ensemble records it per member
    epoch = 0
    for epoch in range(max_epochs + 1):
        opt.zero_grad(set_to_none=True)
        L = fused_loss(model(X), Y, loss)
        val = float(L.detach())
        hist[epoch] = val
        if not math.isfinite(val):
            diverged = True
            break
        if val < best:
            best, best_epoch = val, epoch
            if keep_best:
                with torch.no_grad():
                    torch._foreach_copy_(best_params, [p.detach() for p in params])
        if callback is not None:
            callback(epoch, val, model)
        if val < loss_threshold:
            converged = True
            break
        if epoch == max_epochs:
            break
        L.backward()
        last_lr = float(sched.lrs(epoch)[0])
        set_lr(opt, last_lr)
        opt.step()
        sched.observe(val)
        if bar is not None and epoch % 50 == 0:
            bar.update(50 if epoch else 0)
            bar.set_postfix(loss=f"{val:.2e}", refresh=False)
    finish_progress(bar, epoch, converged)
    hist = hist[: epoch + 1]
    if diverged:
        msg = (f"training diverged at epoch {epoch} (loss={hist[-1]}); the weights are not usable "
               "(result.diverged is True)" + (" unless keep_best restores the best ones" if keep_best else ""))
        if on_diverge == "raise":
            raise TrainingDiverged(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    last = float(hist[-2]) if diverged and len(hist) > 1 else float(hist[-1])
    final = last
    if keep_best and best_epoch >= 0:
        final = best
        if best_epoch != epoch:
            with torch.no_grad():
                torch._foreach_copy_([p.data for p in params], best_params)
    extra = {"last_loss": last, "best_loss": best, "best_epoch": best_epoch, "last_lr": last_lr,
             "kept_best": bool(keep_best)}
    return TrainResult(hist, converged, diverged, epoch, final, extra)


def train_settings(given: dict) -> dict:
    """:func:`train`'s keyword settings (all but ``callback``): its defaults with ``given`` (name -> value, any of
    them) on top, checked by :func:`~attractor_utils.core.optim.check_train_settings`; an unknown name is a
    ``TypeError`` naming the accepted ones."""
    params = inspect.signature(train).parameters
    names = [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY and n != "callback"]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise TypeError(f"train_ensemble: unknown setting(s) {unknown}; accepted: {names}")
    return check_train_settings({n: given.get(n, params[n].default) for n in names})


def train_ensemble(
    ens: MLPEnsemble,
    X: Tensor,
    Y: Tensor | None = None,
    *,
    callback: Callable[[int, np.ndarray, nn.Module], None] | None = None,
    **settings,
) -> list[TrainResult]:
    """Train every member of ``ens`` as if alone, in one batched computation; one :class:`TrainResult` per member.

    ``settings``: :func:`train`'s keyword arguments (an unknown name is refused). ``X``: (n, dim) shared, or
    (K, n, dim). A member that reaches its threshold or diverges is frozen. Schedules and ``keep_best`` act per
    member; members on different rates step at the largest and rescale (exact: these updates are linear in the rate).
    ``callback(epoch, losses (K,), ens)``: NaN for frozen members. ``on_diverge``: "warn" (flag, freeze, go on) or
    "raise" (:class:`TrainingDiverged`). ``check_every``: epochs between reads of the losses (default 1 on a CPU, 25
    on a GPU); a block in which a member stopped is replayed epoch by epoch, so results equal ``check_every=1``.
    Not used with ``callback``, ``keep_best`` or "plateau".
    """
    if not isinstance(ens, MLPEnsemble):
        raise TypeError("train_ensemble needs an MLPEnsemble")
    o = train_settings(settings)
    optimizer, lr, loss, loss_threshold, max_epochs = o["optimizer"], o["lr"], o["loss"], o["loss_threshold"], \
        o["max_epochs"]
    momentum, weight_decay, schedule, lr_min = o["momentum"], o["weight_decay"], o["schedule"], o["lr_min"]
    plateau_patience, plateau_factor, keep_best = o["plateau_patience"], o["plateau_factor"], o["keep_best"]
    flow_tol, on_diverge, progress, check_every = o["flow_tol"], o["on_diverge"], o["progress"], o["check_every"]
    if optimizer == "flow":
        trs = _train_flow(ens, X, Y, loss, loss_threshold, max_epochs, flow_tol, callback, progress)
        bad = [k for k, t in enumerate(trs) if t.diverged]
        if bad and on_diverge == "raise":
            raise TrainingDiverged(f"ensemble members {bad} reached a non-finite loss")
        return trs
    K = ens.K
    sched = make_schedule(o, K)
    X, Y = as_training_data(ens, X, Y)
    if X.dim() == 3 and X.shape[0] != ens.K:
        raise ValueError(f"X has {X.shape[0]} data sets; expected one per member, K={ens.K}")
    params = list(ens.parameters())
    dev = params[0].device
    # deferred read-back needs nothing from the host between epochs: no callback, no best weights to copy, and
    # learning rates that follow from the epoch alone
    deferrable = callback is None and not keep_best and schedule != "plateau"
    check = _check_interval(check_every, dev) if deferrable else 1
    opt = make_optimizer(params, optimizer, lr, momentum, weight_decay)
    hist = np.full((K, max_epochs + 1), np.nan)
    active = np.ones(K, bool)
    converged = np.zeros(K, bool)
    diverged = np.zeros(K, bool)
    stop_epoch = np.full(K, max_epochs)
    best, best_epoch = np.full(K, np.inf), np.full(K, -1)
    best_params = [p.detach().clone() for p in params] if keep_best else None
    last_lr = np.full(K, float(lr))
    bar = _progress(max_epochs, progress, f"train x{K} {optimizer}")
    # members that stopped: their weights, restored after every optimizer step (they never change again)
    frozen: list[Tensor] | None = None
    frozen_idx = act_idx = torch.arange(K, device=dev)
    pending: list[Tensor] = []  # losses of this block, still on the device
    snap = None
    block_start, replay_until, replays = 0, -1, 0

    def step(L: Tensor, epoch: int, vals: np.ndarray | None) -> None:
        """Backward and optimizer step of ``epoch`` for the active members (no host synchronization)."""
        L.index_select(0, act_idx).sum().backward()
        lrs = sched.lrs(epoch)
        last_lr[active] = lrs[active]
        lr_ref = float(lrs[active].max())
        set_lr(opt, lr_ref)
        scale = lrs / lr_ref
        rescale = active & (scale != 1.0)
        old = [p.detach().clone() for p in params] if rescale.any() else None
        opt.step()
        with torch.no_grad():
            if old is not None:
                s = torch.as_tensor(scale, dtype=params[0].dtype, device=dev)
                for p, q in zip(params, old):
                    sv = s.view(-1, *([1] * (p.dim() - 1)))
                    p.copy_(torch.where(sv == 1, p, q + (p - q) * sv))
            if frozen is not None:
                for p, q in zip(params, frozen):
                    p.index_copy_(0, frozen_idx, q)
        if vals is not None:
            sched.observe(vals, active)

    epoch = 0
    while True:
        defer = check > 1 and epoch > replay_until and epoch < max_epochs
        if defer and not pending:
            snap, block_start = snapshot_state(params, opt), epoch
        opt.zero_grad(set_to_none=True)
        L = fused_loss(ens(X), Y, loss)  # (K,)
        if defer and len(pending) + 1 < check:
            pending.append(L.detach())
            step(L, epoch, None)
            epoch += 1
            continue
        if pending:  # the end of a deferred block: read its losses at once
            block = torch.stack(pending + [L.detach()]).cpu().double().numpy()  # (B, K)
            pending = []
            ev = (active & ((~np.isfinite(block[:-1])) | (block[:-1] < loss_threshold))).any(axis=1)
            if ev.any():
                # a member stopped inside the block, and took steps it would not have taken alone: go back to
                # the block's start and replay it reading every epoch, up to the first such epoch
                restore_state(snap, params, opt)
                replay_until = block_start + int(np.argmax(ev))
                replays += 1
                epoch = block_start
                continue
            for b, e in enumerate(range(block_start, epoch)):
                hist[active, e] = block[b, active]
                imp = active & (block[b] < best)
                best[imp], best_epoch[imp] = block[b, imp], e
            vals = block[-1]
        else:
            vals = L.detach().cpu().double().numpy()
        hist[active, epoch] = vals[active]
        finite = np.isfinite(vals)
        improved = active & finite & (vals < best)
        if improved.any():
            best[improved], best_epoch[improved] = vals[improved], epoch
            if keep_best:
                imp = torch.as_tensor(improved, device=dev)
                with torch.no_grad():
                    for b, p in zip(best_params, params):
                        b[imp] = p.detach()[imp]
        if callback is not None:
            callback(epoch, np.where(active, vals, np.nan), ens)
        newly_div = active & ~finite
        newly_conv = active & finite & (vals < loss_threshold)
        if epoch == max_epochs:
            # a member first under the threshold at the last allowed epoch has converged, as in a lone run
            if newly_div.any() and on_diverge == "raise":
                raise TrainingDiverged(f"ensemble members {np.flatnonzero(newly_div).tolist()} diverged at epoch "
                                       f"{epoch} (on_diverge='raise')")
            diverged |= newly_div
            converged |= newly_conv
            stop_epoch[active] = epoch
            break
        changed = newly_div | newly_conv
        if changed.any():
            diverged |= newly_div
            converged |= newly_conv
            stop_epoch[changed] = epoch
            active &= ~changed
            if newly_div.any():
                msg = f"ensemble members {np.flatnonzero(newly_div).tolist()} diverged at epoch {epoch}"
                if on_diverge == "raise":
                    if bar is not None:
                        bar.close()
                    raise TrainingDiverged(msg + " (on_diverge='raise')")
                warnings.warn(msg, RuntimeWarning, stacklevel=2)
            if not active.any():
                break
            # snapshot the members that stopped; they never change again
            frozen_idx = torch.as_tensor(np.flatnonzero(~active), device=dev)
            act_idx = torch.as_tensor(np.flatnonzero(active), device=dev)
            frozen = [p.detach().index_select(0, frozen_idx) for p in params]
        step(L, epoch, vals)
        if bar is not None and epoch - bar.n >= 50:
            bar.update(epoch - bar.n)
            bar.set_postfix(active=int(active.sum()), loss=f"{np.nanmax(vals[active]) if active.any() else 0:.2e}",
                            refresh=False)
        epoch += 1
    finish_progress(bar, epoch, bool(converged.all()))
    out = []
    restore = np.zeros(K, bool)
    for k in range(K):
        h = hist[k, : stop_epoch[k] + 1]
        last = float(h[-2]) if diverged[k] and len(h) > 1 else float(h[-1])
        final = last
        if keep_best and best_epoch[k] >= 0:
            final = float(best[k])
            restore[k] = best_epoch[k] != stop_epoch[k]
        extra = {"last_loss": last, "best_loss": float(best[k]), "best_epoch": int(best_epoch[k]),
                 "last_lr": float(last_lr[k]), "kept_best": bool(keep_best), "check_every": check,
                 "replays": replays}
        out.append(TrainResult(h, bool(converged[k]), bool(diverged[k]), int(stop_epoch[k]), final, extra))
    if restore.any():
        r = torch.as_tensor(restore, device=dev)
        with torch.no_grad():
            for b, p in zip(best_params, params):
                p[r] = b[r]
    return out


def _check_interval(check_every: int | None, dev: torch.device) -> int:
    """Epochs between reads of the losses: ``check_every``, or by default 1 on a CPU (where reading costs
    nothing) and 25 on a GPU (where every read waits for the device to finish)."""
    if check_every is None:
        return 1 if dev.type == "cpu" else 25
    return V.integer("check_every", check_every, 1)
