"""The input-output Jacobian of a model at many points: as matrices, all their eigenvalues, and as an operator.

MLPs take the rank shortcut (docs/methods.md), any other map autograd; eigenvalues in float64, sorted by modulus,
largest first. The operators feed :mod:`.arnoldi`; :mod:`.spectra` picks the route.
"""
from __future__ import annotations

import warnings
from typing import Callable

import torch
from torch import Tensor

from .models import MLPAutoencoder, MLPEnsemble, mlp_forward

Model = MLPAutoencoder | MLPEnsemble | Callable[[Tensor], Tensor]
METHODS = ("auto", "shortcut", "autograd")  # all eigenvalues (jacobian_eigenvalues)

Operator = Callable[[Tensor, Tensor], Tensor]  # (v (b, m), idx (b,)) -> M_idx v, float64 (b, m)


def sort_order(ev: Tensor) -> Tensor:
    """Permutation (along the last axis) that sorts ``ev`` by modulus (descending), ties by real then imaginary."""
    idx = torch.arange(ev.shape[-1], device=ev.device).expand(ev.shape).contiguous()
    for key in (lambda e: -e.imag, lambda e: -e.real, lambda e: -torch.round(e.abs(), decimals=12)):
        order = torch.argsort(key(torch.gather(ev, -1, idx)), dim=-1, stable=True)  # least significant key first
        idx = torch.gather(idx, -1, order)
    return idx


def sort_eigenvalues(ev: Tensor) -> Tensor:
    """Sort along the last axis by modulus (descending), ties by real then imaginary part."""
    ev = ev.to(torch.complex128)
    return torch.gather(ev, -1, sort_order(ev))


def _as_float64(model: MLPAutoencoder | MLPEnsemble):
    Ws = [W.detach().to(torch.float64) for W in model.weights]
    bs = [None if b is None else b.detach().to(torch.float64) for b in model.bias_list]
    return Ws, bs


def check_points(model, x: Tensor) -> Tensor:
    """``x`` as a tensor of points for ``model``: (dim,), (n, dim) or (K, n, dim), finite; else a ValueError."""
    if not isinstance(x, Tensor):
        x = torch.as_tensor(x)
    dim = getattr(model, "dim", x.shape[-1])
    if x.dim() not in (1, 2, 3) or x.shape[-1] != dim:
        raise ValueError(f"x has shape {tuple(x.shape)}; expected (n, {dim}) (or (K, n, {dim}) for an ensemble)")
    if x.numel() and not bool(torch.isfinite(x).all()):
        raise ValueError("x holds NaN or infinite values: the Jacobian there is not defined")
    return x


def _factors(model: MLPAutoencoder | MLPEnsemble, x: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """Scaled float64 weights ``S`` ((out, in), or (K, out, in)) and activation derivatives ``Ds`` at ``x``
    (each (n, w), or (K, n, w)): ``J(x_i) = S_L+1 diag(Ds_L[i]) S_L ... diag(Ds_1[i]) S_1``. ``x``: (n, dim)."""
    Ws, bs = _as_float64(model)
    x64 = x.detach().to(device=Ws[0].device, dtype=torch.float64)
    _, pre = mlp_forward(x64, Ws, bs, model.scales, model.act, return_preacts=True)
    Ds = [model.act.derivative(z) for z in pre]  # each (..., n, w)
    S = [W * s for W, s in zip(Ws, model.scales)]  # scaled weights, (out, in) or (K, out, in)
    return S, Ds


def reduced_jacobian(model: MLPAutoencoder | MLPEnsemble, x: Tensor) -> Tensor:
    """The ``m x m`` matrix (m = min(dim, width)) sharing the Jacobian's nonzero eigenvalues.

    ``x``: (n, dim), or (K, n, dim) for an ensemble. Returns float64 (n, m, m) or (K, n, m, m).
    When ``dim <= width`` this is the full Jacobian ``J(x)`` itself.
    """
    x = check_points(model, x)
    squeeze = x.dim() == 1
    if squeeze:
        x = x[None]
    if x.dim() == 3 and model.weights[0].dim() == 2:
        raise ValueError("x of shape (K, n, dim) needs an MLPEnsemble")
    S, Ds = _factors(model, x)
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


def with_float64(fn, x: Tensor, body: Callable):
    """``body(fn64, x64)``: ``fn`` with its parameters cast to float64 for the call (restored after), ``x`` in float64
    on their device."""
    x64 = x.detach().to(torch.float64)
    if not isinstance(fn, torch.nn.Module):
        return body(fn, x64)
    p0 = next(fn.parameters(), None)
    orig = p0.dtype if p0 is not None else None
    fn64 = fn.to(torch.float64)
    x64 = x64.to(p0.device if p0 is not None else x64.device)
    try:
        return body(fn64, x64)
    finally:
        if orig is not None:
            fn.to(orig)


def jacobian(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Full Jacobians of any differentiable map ``fn: (n, d) -> (n, d)`` by autograd.

    Evaluated in float64 (the map's parameters are cast on the fly when it is an nn.Module).
    ``x``: (n, d). Returns (n, d, d).
    """
    x = torch.as_tensor(x)
    if x.dim() == 1:
        x = x[None]
    return with_float64(fn, x, lambda fn64, x64: torch.func.vmap(torch.func.jacrev(lambda v: fn64(v[None])[0]))(x64))


def is_mlp(model) -> bool:
    """Whether ``model`` is an MLP of this package (the rank shortcut applies)."""
    return isinstance(model, (MLPAutoencoder, MLPEnsemble))


def jacobian_eigenvalues(model: Model, x: Tensor, method: str = "auto") -> Tensor:
    """All eigenvalues of ``J_f(x_i)`` at each row of ``x``, by full decompositions, sorted by modulus (largest first).

    ``method``: "shortcut" (MLPs; ``min(dim, width)`` entries per point, the rest are exactly zero), "autograd"
    (any map; full d x d), "auto". Returns complex128 (n, m), or (K, n, m) for an ensemble.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}; accepted values: {list(METHODS)}")
    x = check_points(model, x)
    if method == "auto":
        method = "shortcut" if is_mlp(model) else "autograd"
    if method == "shortcut":
        if not is_mlp(model):
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


def mlp_operator(model: MLPAutoencoder, x: Tensor) -> Operator:
    """``(v, idx) -> M_i v_i`` for the rank-shortcut matrices ``M_i`` of :func:`reduced_jacobian` at the points
    ``x[idx]``, without forming them: a chain of the layers' own matrices over the (b, m) block ``v``.
    ``x``: (n, dim) of a single model."""
    S, Ds = _factors(model, x)
    if model.dim > model.width:  # B A = D_L W_L ... D_1 (W_in W_out): w x w
        Ct = (S[0] @ S[-1]).T.contiguous()
        hidden = [W.T.contiguous() for W in S[1:-1]]

        def op(v: Tensor, idx: Tensor) -> Tensor:
            u = Ds[0][idx] * (v @ Ct)
            for D, Wt in zip(Ds[1:], hidden):
                u = D[idx] * (u @ Wt)
            return u
    else:  # J = W_out D_L W_L ... D_1 W_in: d x d
        Wt = [W.T.contiguous() for W in S]

        def op(v: Tensor, idx: Tensor) -> Tensor:
            u = Ds[0][idx] * (v @ Wt[0])
            for D, W in zip(Ds[1:], Wt[1:-1]):
                u = D[idx] * (u @ W)
            return u @ Wt[-1]
    return op


def jvp_operator(fn: Callable[[Tensor], Tensor], x64: Tensor) -> Operator:
    """``(v, idx) -> J_fn(x_i) v_i`` by forward-mode autodiff, one point at a time under vmap (``fn`` in float64)."""
    def one(xi: Tensor, vi: Tensor) -> Tensor:
        return torch.func.jvp(lambda u: fn(u[None])[0], (xi,), (vi,))[1]

    batched = torch.func.vmap(one)

    def op(v: Tensor, idx: Tensor) -> Tensor:
        with warnings.catch_warnings():  # torch's forward-mode rules script helpers with the deprecated torch.jit
            warnings.filterwarnings("ignore", message=".*torch.jit.script.* is deprecated", category=DeprecationWarning)
            return batched(x64[idx], v).to(torch.float64)

    return op


def point_chunks(n: int, per: int) -> list[slice]:
    """Slices of ``range(n)`` of ``per`` points each (at least 1), the last one shorter."""
    per = max(1, per)
    return [slice(i, min(n, i + per)) for i in range(0, n, per)]
