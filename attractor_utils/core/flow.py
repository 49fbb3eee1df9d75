"""Gradient flow ``d theta / dt = -grad L(theta)``, integrated with error control (``optimizer="flow"``).

An adaptive Bogacki-Shampine 3(2) Runge-Kutta pair, each ensemble member with its own steps; ``max_epochs`` bounds
the gradient evaluations, ``epochs`` counts accepted steps. Why the sigmoid experiments use it: docs/methods.md.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import Tensor, nn

from . import validate as V
from .models import MLPEnsemble
from .progress import finish_progress, progress_bar

#: default local error tolerance (tests/test_flow.py checks the limit it reaches)
FLOW_TOL = 3e-3

# Bogacki-Shampine 3(2): stages at 0, 1/2, 3/4, 1; third-order weights; the error weights are the
# difference between the third- and the embedded second-order solution (FSAL: stage 4 is the next stage 1).
_B = (2 / 9, 1 / 3, 4 / 9)
_E = (2 / 9 - 7 / 24, 1 / 3 - 1 / 4, 4 / 9 - 1 / 3, -1 / 8)

#: result fields a flow run adds (see :func:`flow_train`)
FLOW_FIELDS = ("lr", "max_step", "min_step", "flow_time", "grad_evals", "rejected", "forced", "flow_tol")


def _member_norm(ts: list[Tensor], K: int) -> Tensor:
    """(K,) Euclidean norm over all parameter tensors of each member (leading axis = member)."""
    return torch.sqrt(sum(t.reshape(K, -1).double().pow(2).sum(1) for t in ts))


def flow_train(model: nn.Module, X: Tensor, Y: Tensor, loss_fn, *, loss_threshold: float, max_epochs: int,
               flow_tol: float = FLOW_TOL, min_step_frac: float = 1e-2, noise_floor: float = 10.0, progress: bool = True):
    """Follow the gradient flow of ``loss_fn(model(X), Y)`` until the loss is below ``loss_threshold``.

    ``model``: an :class:`MLPEnsemble` ((K,) losses, one result per member) or any module (scalar loss).
    ``max_epochs``: budget of gradient evaluations. ``flow_tol``: accepted local error relative to the step's
    displacement; errors below ``noise_floor`` ulps of the weights' norm count as zero (float32 rounding); steps
    never shrink below ``min_step_frac`` x the first (steps forced there are counted, ``forced``).
    Returns ``(histories, outcomes)``: per member the loss at every accepted point (the first is the initial loss)
    and a dict with ``converged``, ``diverged``, ``epochs`` and the :data:`FLOW_FIELDS` (``lr``: median step).
    """
    flow_tol = V.real("flow_tol", flow_tol, 0, 1, lo_open=True, hi_open=True)
    min_step_frac = V.real("min_step_frac", min_step_frac, 0, 1, lo_open=True)
    ens = isinstance(model, MLPEnsemble)
    K = model.K if ens else 1
    params = [p for p in model.parameters() if p.requires_grad]
    dev, dt = params[0].device, params[0].dtype

    def bc(v: Tensor, p: Tensor) -> Tensor:  # (K,) -> broadcastable against p
        return v.to(dt).view(-1, *([1] * (p.dim() - 1))) if ens else v.to(dt).view(*([1] * p.dim()))

    def evaluate(theta: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
        with torch.no_grad():
            for p, t in zip(params, theta):
                p.copy_(t)
        L = loss_fn(model(X), Y).reshape(-1)
        g = torch.autograd.grad(L.sum(), params)
        return L.detach().double().cpu(), [x.detach() for x in g]

    theta = [p.detach().clone() for p in params]
    theta_norm = _member_norm(theta, K).cpu()
    noise = noise_floor * torch.finfo(dt).eps
    L, k1 = evaluate(theta)
    evals = 1
    hist = [[float(v)] for v in L]
    active = torch.isfinite(L) & (L >= loss_threshold)
    converged = (L < loss_threshold).numpy().copy()
    diverged = (~torch.isfinite(L)).numpy().copy()
    steps_taken: list[list[float]] = [[] for _ in range(K)]
    rejected = np.zeros(K, int)
    forced = np.zeros(K, int)
    member_evals = np.ones(K, int)  # gradient evaluations while the member was training

    # first step: 1/2 over the curvature along the gradient (Rayleigh quotient, one Hessian-vector product)
    h = torch.ones(K, dtype=torch.float64)
    if active.any() and max_epochs > 1:
        with torch.no_grad():
            for p, t in zip(params, theta):
                p.copy_(t)
        Lg = loss_fn(model(X), Y).reshape(-1).sum()
        g = torch.autograd.grad(Lg, params, create_graph=True)
        Hg = torch.autograd.grad(g, params, grad_outputs=[x.detach() for x in g], allow_unused=True)
        Hg = [torch.zeros_like(p) if v is None else v.detach() for v, p in zip(Hg, params)]
        evals += 2
        member_evals += 2
        gg = _member_norm(k1, K).cpu() ** 2
        gHg = sum((a.reshape(K, -1).double() * b.reshape(K, -1).double()).sum(1) for a, b in zip(k1, Hg)).cpu()
        lam = torch.where(gg > 0, gHg / gg.clamp_min(1e-300), torch.zeros_like(gg))
        h = torch.where(lam > 0, 0.5 / lam.clamp_min(1e-300), torch.ones_like(lam))
    h_min = h * min_step_frac
    bar = None
    if progress:
        bar = progress_bar(max_epochs, f"train flow x{K}" if ens else "train flow")
    while active.any() and evals + 3 <= max_epochs:
        ha = torch.where(active, h, torch.zeros_like(h)).to(dev)
        _, k2 = evaluate([t - bc(ha / 2, t) * a for t, a in zip(theta, k1)])
        _, k3 = evaluate([t - bc(ha * 0.75, t) * b for t, b in zip(theta, k2)])
        new = [t - bc(ha, t) * (_B[0] * a + _B[1] * b + _B[2] * c) for t, a, b, c in zip(theta, k1, k2, k3)]
        Ln, k4 = evaluate(new)
        evals += 3
        member_evals += 3 * active.numpy()
        errv = [bc(ha, t) * (_E[0] * a + _E[1] * b + _E[2] * c + _E[3] * d)
                for t, a, b, c, d in zip(theta, k1, k2, k3, k4)]
        disp = _member_norm([n - t for n, t in zip(new, theta)], K).cpu()
        # errors below the weights' own rounding (noise_floor ulps of ||theta||) are not errors of the integrator
        disp = torch.maximum(disp, noise * theta_norm)
        err = (_member_norm(errv, K).cpu() / disp.clamp_min(1e-300))
        err = torch.where(torch.isfinite(Ln) & torch.isfinite(err), err, torch.full_like(err, math.inf))
        ok = err <= flow_tol
        at_floor = h <= h_min * (1 + 1e-9)
        accept = active & (ok | (at_floor & torch.isfinite(Ln)))
        forced += (accept & ~ok).numpy()
        rejected += (active & ~accept).numpy()
        blow = active & at_floor & ~torch.isfinite(Ln)  # not finite even at the smallest step
        if accept.any():
            acc = accept.to(dev)
            for t, n in zip(theta, new):
                t.copy_(torch.where(bc(acc, t).bool(), n, t))
            k1 = [torch.where(bc(acc, a).bool(), d, a) for a, d in zip(k1, k4)]
            L = torch.where(accept, Ln, L)
            for k in np.flatnonzero(accept.numpy()):
                hist[k].append(float(Ln[k]))
                steps_taken[k].append(float(h[k]))
            done = accept & (L < loss_threshold)
            converged |= done.numpy()
            active &= ~done
        if blow.any():
            diverged |= blow.numpy()
            active &= ~blow
            warnings.warn(f"flow: members {np.flatnonzero(blow.numpy()).tolist()} reached a non-finite loss even "
                          "at the smallest step; their weights are the last finite ones", RuntimeWarning,
                          stacklevel=3)
        fac = torch.clamp(0.9 * (flow_tol / err.clamp_min(1e-300)) ** (1 / 3), 0.2, 5.0)
        fac = torch.where(torch.isfinite(err), fac, torch.full_like(fac, 0.2))
        h = torch.maximum(h * fac, h_min)
        if bar is not None:
            bar.update(3)
            if active.any():
                bar.set_postfix(active=int(active.sum()), loss=f"{float(L[active].max()):.2e}", refresh=False)
    if bar is not None:
        finish_progress(bar, evals, bool(converged.all()))
    with torch.no_grad():
        for p, t in zip(params, theta):
            p.copy_(t)
    outcomes = []
    for k in range(K):
        s = np.asarray(steps_taken[k], float)
        outcomes.append({
            "converged": bool(converged[k]), "diverged": bool(diverged[k]), "epochs": len(s),
            "lr": float(np.median(s)) if len(s) else float(h[k]), "max_step": float(s.max()) if len(s) else 0.0,
            "min_step": float(s.min()) if len(s) else 0.0, "flow_time": float(s.sum()), "grad_evals": int(member_evals[k]),
            "rejected": int(rejected[k]), "forced": int(forced[k]), "flow_tol": float(flow_tol),
        })
    return [np.asarray(hh, float) for hh in hist], outcomes
