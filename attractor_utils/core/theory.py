"""Closed forms for one training example with rank-1 initialisation (PNAS Theorems 1-2, App. B-C).

Bias-free, standard parameterisation, ``W_in = a 1 x^T`` (k x d), ``W_l = c_l 1 1^T`` (k x k), ``W_out = x b 1^T``
(d x k), gradient descent on ``(1/2)||f(x) - x||^2``: the weights keep this form; with ``r = ||x||^2``, ``z_1 = a r``,
``z_l = c_l k phi(z_{l-1})`` and ``f(x) = x b k phi(z_L)``. At a fixed point ``J(x)`` is rank 1 (eigenvector ``x``),
eigenvalue ``prod_l eps(z_l)`` with ``eps(z) = z phi'(z) / phi(z)`` (Theorem 2; Corollary 2 for depth).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy import integrate, optimize
from torch import Tensor

from .models import Activation, MLPAutoencoder, get_activation


def _phi(act, z: float) -> tuple[float, float]:
    a = get_activation(act)
    t = torch.tensor([z], dtype=torch.float64)
    return float(a(t)), float(a.derivative(t))


def elasticity(act, z: float) -> float:
    """``z phi'(z) / phi(z)``."""
    p, dp = _phi(act, z)
    return z * dp / p


def rank1_init(model: MLPAutoencoder, x: Tensor, a: float, b: float, c: float | list[float] = 0.0) -> None:
    """Set a bias-free standard-parameterisation MLP to the rank-1 form of Invariants 1-4 (in place)."""
    if model.bias or model.parameterization != "standard":
        raise ValueError("rank1_init needs bias=False and parameterization='standard'")
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    k, L = model.width, model.depth
    cs = [c] * (L - 1) if isinstance(c, (int, float)) else list(c)
    if len(cs) != L - 1:
        raise ValueError(f"c: need {L - 1} values for depth {L}, got {len(cs)}")
    ones = torch.ones(k, dtype=torch.float64)
    mats = [a * torch.outer(ones, x)] + [cl * torch.outer(ones, ones) for cl in cs] + [b * torch.outer(x, ones)]
    with torch.no_grad():
        for W, M in zip(model.weights, mats):
            W.copy_(M.to(W.dtype))


def rank1_scalars(model: MLPAutoencoder, x: Tensor) -> dict:
    """Read ``a, c_l, b`` back from a rank-1 network (averages of the rank-1 factors)."""
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    r = float(x @ x)
    Ws = [W.detach().double().cpu() for W in model.weights]
    a = float((Ws[0] @ x).mean() / r)
    cs = [float(W.mean()) for W in Ws[1:-1]]
    b = float((x @ Ws[-1]).mean() / r)
    return {"a": a, "c": cs, "b": b}


def rank1_top_eigenvalue(act, x: Tensor, a: float, b: float | None = None, c: list[float] = (), k: int = 1) -> float:
    """The Jacobian's eigenvalue along ``x`` at a fixed point: ``prod_l eps(z_l)`` (Theorem 2 / Cor. 2).

    ``b`` is not needed (the fixed point fixes it); it is accepted for symmetry.
    """
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    z = a * float(x @ x)
    lam = elasticity(act, z)
    for cl in c:
        z = cl * k * _phi(act, z)[0]
        lam *= elasticity(act, z)
    return lam


def theorem1_solution(act, r: float, k: int, a0: float, b0: float) -> dict:
    """Gradient-flow limit of the one-hidden-layer rank-1 problem (Theorem 1) and its eigenvalue (Theorem 2), for
    ``||x||^2 = r``, width ``k``, initial ``a0, b0``: where the flow's conserved quantity
    ``b^2 - 2 int_{a0}^{a} phi(r t) / (r phi'(r t)) dt`` meets ``k b phi(a r) = 1``. Returns ``{"a", "b", "lambda"}``.
    """
    act = get_activation(act)

    def g(t):
        p, dp = _phi(act, r * t)
        return p / (r * dp)

    def I(a):  # int_{a0}^{a} g
        return integrate.quad(g, a0, a, limit=200)[0]

    p0, dp0 = _phi(act, a0 * r)
    s0 = 1 - k * b0 * p0
    da0 = s0 * r * b0 * dp0
    db0 = s0 * p0
    if s0 == 0:
        a_star = a0
    else:
        # b on the conserved curve; its sign is that of b along the flow (b moves by db0 first)
        sign_b = math.copysign(1.0, b0 if b0 != 0 else db0)

        def F(a):
            q = b0**2 + 2 * I(a)
            if q < 0:
                return math.nan
            return k * sign_b * math.sqrt(q) * _phi(act, a * r)[0] - 1.0

        direction = math.copysign(1.0, da0) if da0 != 0 else 1.0
        f0 = F(a0)
        step = max(1e-3, abs(a0) * 1e-2) / max(r, 1e-12)
        lo, hi = a0, a0
        flo = f0
        for _ in range(400):
            hi = lo + direction * step
            fhi = F(hi)
            if math.isnan(fhi):  # overshot past the end of the real curve: take smaller steps
                step /= 4
                if step < 1e-15:
                    raise RuntimeError("the conserved curve leaves the real domain before the fixed point")
                continue
            if np.sign(fhi) != np.sign(flo) or fhi == 0:
                break
            lo, flo = hi, fhi
            step *= 1.5
        else:
            raise RuntimeError("no interpolating solution found along the flow")
        a_star = optimize.brentq(F, min(lo, hi), max(lo, hi), xtol=1e-14, rtol=1e-13)
    p, dp = _phi(act, a_star * r)
    b_star = 1.0 / (k * p)
    return {"a": a_star, "b": b_star, "lambda": a_star * r * dp / p}


def invariant_residuals(model: MLPAutoencoder, x: Tensor) -> dict:
    """How far the weights are from the rank-1, equal-rows form (0 when Invariants 1-4 hold)."""
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    s = rank1_scalars(model, x)
    k = model.width
    ones = torch.ones(k, dtype=torch.float64)
    Ws = [W.detach().double().cpu() for W in model.weights]
    mats = [s["a"] * torch.outer(ones, x)] + [cl * torch.outer(ones, ones) for cl in s["c"]] + \
        [s["b"] * torch.outer(x, ones)]
    return {"max_abs_residual": max(float((W - M).abs().max()) for W, M in zip(Ws, mats)), **s}
