"""The training losses, as plain autograd expressions and as one fused residual step.

Both losses are per model: for outputs ``out`` and targets ``y`` of shape (n, dim), or (K, n, dim) for an
ensemble (``y`` may be (n, dim), shared), they return a scalar, or (K,) one loss per member.

- ``"mse"``: mean over every entry, ``mean((out - y)^2)`` (``torch.nn.MSELoss``);
- ``"half_sum"``: ``(1 / 2n) sum_i ||out_i - y_i||^2`` (Jiang & Pehlevan).

:func:`loss_fn` is the autograd expression (differentiable twice; the gradient flow's curvature estimate
needs that). :func:`fused_loss` computes the same values with the same operations, but its backward pass
is one multiplication of the saved residual, written into the residual's own memory, instead of autograd's
chain of expand, divide, power and multiply passes over the (K, n, dim) output, which on a CPU is
memory-bound and dominates batched training of thin models (``make bench``). Its gradient is bit-identical
to autograd's: both are ``fl(2 r * fl(g / N))``, the factor 2 being exact (tested in ``tests/test_losses.py``).

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
