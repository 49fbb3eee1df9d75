"""Eigenvalues of the input-output Jacobian, for attractors (Prop. 1) and limit cycles (Prop. 2).

For an MLP ``R^d -> R^w -> ... -> R^w -> R^d`` the Jacobian is ``J = A B`` with ``A = W_out`` (d x w)
and ``B = D_L W_L ... D_1 W_in`` (w x d). Its nonzero eigenvalues are those of the
``min(d, w)``-sized matrix (``B A`` when w < d, ``J`` itself otherwise): the *rank shortcut*, computed
in closed form without autograd. A generic autograd path serves any differentiable map.
All eigenvalue work runs in float64; results are sorted by modulus, largest first.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from .models import MLPAutoencoder, MLPEnsemble, mlp_forward

__all__ = [
    "sort_eigenvalues",
    "jacobian",
    "jacobian_eigenvalues",
    "spectral_radius",
    "reduced_jacobian",
    "cycle_spectral_radius",
]

Model = MLPAutoencoder | MLPEnsemble | Callable[[Tensor], Tensor]
METHODS = ("auto", "shortcut", "autograd")


def sort_eigenvalues(ev: Tensor) -> Tensor:
    """Sort along the last axis by modulus (descending), ties by real then imaginary part."""
    ev = ev.to(torch.complex128)
    for key in (lambda e: -e.imag, lambda e: -e.real, lambda e: -torch.round(e.abs(), decimals=12)):
        idx = torch.argsort(key(ev), dim=-1, stable=True)  # least significant key first
        ev = torch.gather(ev, -1, idx)
    return ev


def _as_float64(model: MLPAutoencoder | MLPEnsemble):
    Ws = [W.detach().to(torch.float64) for W in model.weights]
    bs = [None if b is None else b.detach().to(torch.float64) for b in model.bias_list]
    return Ws, bs


def _check_points(model, x: Tensor) -> Tensor:
    if not isinstance(x, Tensor):
        x = torch.as_tensor(x)
    dim = getattr(model, "dim", x.shape[-1])
    if x.dim() not in (1, 2, 3) or x.shape[-1] != dim:
        raise ValueError(f"x has shape {tuple(x.shape)}; expected (n, {dim}) (or (K, n, {dim}) for an ensemble)")
    if x.numel() and not bool(torch.isfinite(x).all()):
        raise ValueError("x holds NaN or infinite values: the Jacobian there is not defined")
    return x


def reduced_jacobian(model: MLPAutoencoder | MLPEnsemble, x: Tensor) -> Tensor:
    """The ``m x m`` matrix (m = min(dim, width)) sharing the Jacobian's nonzero eigenvalues.

    ``x``: (n, dim), or (K, n, dim) for an ensemble. Returns float64 (n, m, m) or (K, n, m, m).
    When ``dim <= width`` this is the full Jacobian ``J(x)`` itself.
    """
    x = _check_points(model, x)
    squeeze = x.dim() == 1
    if squeeze:
        x = x[None]
    Ws, bs = _as_float64(model)
    x64 = x.detach().to(device=Ws[0].device, dtype=torch.float64)
    _, pre = mlp_forward(x64, Ws, bs, model.scales, model.act, return_preacts=True)
    Ds = [model.act.derivative(z) for z in pre]  # each (..., n, w)
    S = [W * s for W, s in zip(Ws, model.scales)]  # scaled weights, (out, in) or (K, out, in)
    if x.dim() == 3 and S[0].dim() == 2:
        raise ValueError("x of shape (K, n, dim) needs an MLPEnsemble")
    ens = S[0].dim() == 3

    def lift(M: Tensor) -> Tensor:  # (K, a, b) -> (K, 1, a, b) to broadcast over points
        return M.unsqueeze(-3) if ens else M

    if model.dim <= model.width:
        # full Jacobian J = W_out D_L W_L ... D_1 W_in  (n, d, d)
        M = Ds[0].unsqueeze(-1) * lift(S[0])  # (n, w, d)
        for D, W in zip(Ds[1:], S[1:-1]):
            M = D.unsqueeze(-1) * (lift(W) @ M)
        M = lift(S[-1]) @ M
    else:
        # B A = D_L W_L ... D_1 (W_in W_out)  (n, w, w)
        C = S[0] @ S[-1]  # (w, w) or (K, w, w)
        M = Ds[0].unsqueeze(-1) * lift(C)
        for D, W in zip(Ds[1:], S[1:-1]):
            M = D.unsqueeze(-1) * (lift(W) @ M)
    return M[0] if squeeze else M


def jacobian(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Full Jacobians of any differentiable map ``fn: (n, d) -> (n, d)`` by autograd.

    Evaluated in float64 (the map's parameters are cast on the fly when it is an nn.Module).
    ``x``: (n, d). Returns (n, d, d).
    """
    x = torch.as_tensor(x)
    if x.dim() == 1:
        x = x[None]
    x64 = x.detach().to(torch.float64)
    if isinstance(fn, torch.nn.Module):
        p0 = next(fn.parameters(), None)
        orig = p0.dtype if p0 is not None else None
        fn64 = fn.to(torch.float64)
        x64 = x64.to(p0.device if p0 is not None else x64.device)
        try:
            return torch.func.vmap(torch.func.jacrev(lambda v: fn64(v[None])[0]))(x64)
        finally:
            if orig is not None:
                fn.to(orig)
    return torch.func.vmap(torch.func.jacrev(lambda v: fn(v[None])[0]))(x64)


def _is_mlp(model) -> bool:
    return isinstance(model, (MLPAutoencoder, MLPEnsemble))


def jacobian_eigenvalues(model: Model, x: Tensor, method: str = "auto") -> Tensor:
    """Eigenvalues of ``J_f(x_i)`` for each row ``x_i`` of ``x``, sorted by modulus (largest first).

    ``method``: "shortcut" (MLPs; rank shortcut), "autograd" (any map; full d x d eig), "auto".
    Shortcut results have ``min(dim, width)`` entries per point: the remaining ``dim - width``
    eigenvalues of the rank-``width`` Jacobian are exactly zero. Returns complex128
    (n, m), or (K, n, m) for an ensemble.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}; accepted values: {list(METHODS)}")
    x = _check_points(model, x)
    if method == "auto":
        method = "shortcut" if _is_mlp(model) else "autograd"
    if method == "shortcut":
        if not _is_mlp(model):
            raise ValueError("method='shortcut' needs an MLPAutoencoder or MLPEnsemble; use method='autograd'")
        M = reduced_jacobian(model, x)
    else:
        if isinstance(model, MLPEnsemble):
            xs = x if x.dim() == 3 else x.expand(model.K, *x.shape)
            M = torch.stack([jacobian(model.member(k), xs[k]) for k in range(model.K)])
        else:
            M = jacobian(model, x if x.dim() > 1 else x[None])
            if x.dim() == 1:
                M = M[0]
    return sort_eigenvalues(torch.linalg.eigvals(M.detach()))


def spectral_radius(model: Model, x: Tensor, method: str = "auto") -> Tensor:
    """Largest eigenvalue modulus of the Jacobian at each row of ``x``: float64 (n,) or (K, n).

    >>> import torch
    >>> A = torch.tensor([[0.5, 2.0], [0.0, -0.8]], dtype=torch.float64)  # linear: the Jacobian is A everywhere
    >>> spectral_radius(lambda x: x @ A.T, torch.zeros(3, 2), method="autograd").tolist()
    [0.8, 0.8, 0.8]
    """
    ev = jacobian_eigenvalues(model, x, method=method)
    return ev.abs().amax(dim=-1)


def cycle_spectral_radius(model: Model, sequence: Tensor, method: str = "auto") -> float:
    """Spectral radius of the Jacobian of the ``n``-fold composition around a cycle (Prop. 2).

    ``sequence``: (n, dim), the cycle ``x_1 .. x_n`` with ``f(x_i) ~ x_{i+1 mod n}``. The product
    ``J(x_n) ... J(x_1)`` is evaluated at the given points; its spectrum does not depend on the
    starting element (cyclic invariance). MLPs use the rank shortcut ``(B_n A) ... (B_1 A)``.
    """
    sequence = _check_points(model, sequence)
    if sequence.dim() != 2:
        raise ValueError(f"sequence has shape {tuple(sequence.shape)}; expected (n, dim)")
    if method == "auto":
        method = "shortcut" if isinstance(model, MLPAutoencoder) else "autograd"
    if method == "shortcut":
        Ms = reduced_jacobian(model, sequence)
    elif method == "autograd":
        Ms = jacobian(model, sequence)
    else:
        raise ValueError(f"method={method!r}; accepted values: {list(METHODS)}")
    P = Ms[0]
    for M in Ms[1:]:
        P = M @ P
    return float(torch.linalg.eigvals(P).abs().max())
