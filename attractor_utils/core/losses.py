"""The training losses, per model, as autograd expressions (:func:`loss_fn`) and as one fused step (:func:`fused_loss`).

``out``, ``y``: (n, dim), or (K, n, dim) for an ensemble (``y`` may be shared); a scalar, or (K,), comes back.
``"mse"``: ``mean((out - y)^2)``; ``"half_sum"``: ``(1 / 2n) sum_i ||out_i - y_i||^2`` (Jiang & Pehlevan).
:func:`loss_fn` is differentiable twice (the flow's curvature estimate needs it); :func:`fused_loss`'s backward is one
in-place multiply of the saved residual (faster for thin batched models, ``make bench``), bit-identical to autograd's.

>>> import torch
>>> out, y = torch.rand(3, 4, 5, requires_grad=True), torch.rand(4, 5)
>>> L = fused_loss(out, y, "mse")
>>> bool(torch.equal(L, loss_fn("mse")(out, y)))
True
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

LOSSES = ("mse", "half_sum")


def _check(kind: str) -> None:
    if kind not in LOSSES:
        raise ValueError(f"loss={kind!r}; accepted values: {list(LOSSES)}")


def loss_fn(kind: str) -> Callable[[Tensor, Tensor], Tensor]:
    """The loss ``kind`` as an autograd function ``(out, y) -> ()`` or ``(K,)``."""
    _check(kind)
    if kind == "mse":
        return lambda out, y: ((out - y) ** 2).mean(dim=(-2, -1))
    return lambda out, y: 0.5 * ((out - y) ** 2).sum(dim=-1).mean(dim=-1)


class _FusedResidualLoss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, out: Tensor, y: Tensor, half_sum: bool) -> Tensor:
        r = out - y
        sq = r**2
        loss = 0.5 * sq.sum(dim=-1).mean(dim=-1) if half_sum else sq.mean(dim=(-2, -1))
        ctx.save_for_backward(r)
        ctx.half_sum = half_sum
        ctx.spent = False
        return loss

    @staticmethod
    def backward(ctx, g: Tensor):
        if ctx.spent:
            raise RuntimeError("fused_loss: its backward reuses the residual's memory and runs once; "
                               "use loss_fn(...) to differentiate a loss more than once (retain_graph)")
        ctx.spent = True
        (r,) = ctx.saved_tensors
        n, dim = r.shape[-2], r.shape[-1]
        # autograd: mean's backward fl(g / N) (half_sum: fl(fl(0.5 g) / n)), then the power's fl(that * 2r)
        c = (0.5 * g) / n if ctx.half_sum else g / (n * dim)
        grad = r.mul_((2 * c).reshape(*c.shape, 1, 1))
        return grad, None, None


def fused_loss(out: Tensor, y: Tensor, kind: str = "mse") -> Tensor:
    """:func:`loss_fn` ``(kind)(out, y)`` with a one-pass backward (see the module docstring).

    ``out``: (n, dim) or (K, n, dim); ``y``: the same shape or (n, dim). Differentiable once, in ``out`` only.
    """
    _check(kind)
    return _FusedResidualLoss.apply(out, y, kind == "half_sum")
