"""Positive homogeneity of bias-free ReLU networks and the unit eigenvalue it forces at fixed points: ``f(t x) =
t f(x)`` gives ``J_f(x) x = f(x)`` (Euler), so at a fixed point ``J_f(x) x = x``, the spectral radius is at least 1
and ``x`` is no attractor. These helpers measure how close a trained network is to that.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..core.spectra import jacobian_eigenvalues


def _as64(model, X: Tensor) -> tuple[torch.nn.Module, Tensor, torch.dtype]:
    p = next(model.parameters())
    return model, torch.as_tensor(X).detach().to(device=p.device, dtype=torch.float64), p.dtype


def jacobian_times_input(model: torch.nn.Module, X: Tensor) -> tuple[Tensor, Tensor]:
    """``(J_f(x_i) x_i, f(x_i))`` for every row of ``X`` (n, dim), by a forward-mode JVP in float64.

    Returns two float64 tensors of shape (n, dim). The model is cast to float64 temporarily.
    """
    model, X64, orig = _as64(model, X)
    model.to(torch.float64)
    try:
        fx, jx = torch.func.jvp(model, (X64,), (X64,))
    finally:
        model.to(orig)
    return jx.detach(), fx.detach()


def homogeneity_residual(model: torch.nn.Module, X: Tensor) -> np.ndarray:
    """``||J_f(x_i) x_i - f(x_i)|| / ||f(x_i)||`` per row of ``X`` (n, dim): (n,) float64.

    Zero (to rounding) for a bias-free ReLU network at any input; a bias generally breaks it.
    """
    jx, fx = jacobian_times_input(model, X)
    num = torch.linalg.vector_norm(jx - fx, dim=-1)
    den = torch.linalg.vector_norm(fx, dim=-1).clamp_min(torch.finfo(torch.float64).tiny)
    return (num / den).cpu().numpy()


def eigenvalue_nearest_one(model, X: Tensor, method: str = "auto") -> np.ndarray:
    """The eigenvalue of ``J_f(x_i)`` closest to 1 (complex128, shape (n,)) for each row of ``X``.

    Uses :func:`attractor_utils.jacobian_eigenvalues` (rank shortcut for MLPs: the eigenvalue 1 is
    nonzero, so it is among the shortcut's eigenvalues). ``abs(result - 1)`` is the distance to 1.
    """
    ev = jacobian_eigenvalues(model, X, method=method).cpu()  # (n, m) complex128
    k = torch.argmin((ev - 1).abs(), dim=-1, keepdim=True)
    return torch.gather(ev, -1, k)[..., 0].numpy()
