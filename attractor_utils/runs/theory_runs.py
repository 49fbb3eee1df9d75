"""Training the exact setting of PNAS Theorems 1-2 and App. C, next to the closed forms of :mod:`~.core.theory`:
one example ``x`` (dim,), bias-free rank-1 initialisation (``W_in = a0 1 x^T``, ``W_l = c0 1 1^T``,
``W_out = b0 x 1^T``), full-batch gradient descent in float64, which follows the theorems' flow up to O(lr).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from ..core import theory
from ..core.models import MLPAutoencoder
from ..core.spectra import jacobian_eigenvalues
from ..core.training import train
from .plan import ProbeDeadline
from .run import DirectRun


def train_rank1(activation: str, x: Tensor, width: int, depth: int = 1, *, a0: float = 0.5, b0: float = 0.1,
                c0: float | list[float] = 0.0, lr: float = 1e-3, loss_threshold: float = 1e-20,
                max_epochs: int = 200_000, checkpoints: int = 4, closed_form: bool = True) -> dict:
    """Train the rank-1 network on ``x`` (dim,) and measure it against the theory.

    ``lr``: the gradient-descent step; ``c0``: every middle layer's initial scalar (or one per layer); invariants
    checked at ``checkpoints`` points and at the end. Returns a flat dict: ``final_loss``, ``epochs``,
    ``converged``, ``trained_lambda`` (top eigenvalue at ``x``, real, signed), ``trained_abs_lambda``,
    ``second_abs_eig`` (0 for rank 1), ``max_invariant_residual``, ``a``, ``b``, ``c``, ``elasticity_product``
    (Corollary 2 at the trained scalars), ``init_elasticity``, and with ``depth == 1`` and ``closed_form``
    ``theory_lambda``, ``theory_a``, ``theory_b`` (Theorems 1-2).
    """
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    X = x[None]
    # trained outside the run cache: `make plan` records it (and trains nothing), a real run leaves its epochs for plans
    record = DirectRun("train_rank1", {"activation": activation, "x": x.tolist(), "width": width, "depth": depth,
                                       "a0": a0, "b0": b0, "c0": c0, "lr": lr, "loss_threshold": loss_threshold,
                                       "max_epochs": max_epochs, "checkpoints": checkpoints},
                       {"dim": x.numel(), "width": width, "depth": depth, "n": 1, "optimizer": "gd",
                        "dtype": "float64"}, max_epochs, loss_threshold)
    if record.planning:
        max_epochs = 0
    m = MLPAutoencoder(x.numel(), width, depth, activation=activation, bias=False, seed=0, dtype=torch.float64)
    theory.rank1_init(m, x, a0, b0, c0)
    residuals = [theory.invariant_residuals(m, x)["max_abs_residual"]]
    n_chunks = max(1, int(checkpoints))
    per = math.ceil(max_epochs / n_chunks)
    epochs, tr, stopped = 0, None, False
    for _ in range(n_chunks):
        try:
            tr = train(m, X, optimizer="gd", lr=lr, loss="half_sum", loss_threshold=loss_threshold,
                       max_epochs=min(per, max_epochs - epochs), progress=False, callback=record.callback)
        except ProbeDeadline:  # a probe of `make plan` at its time limit: the rest is a stand-in
            stopped, epochs = True, record.probe.count
            tr = train(m, X, optimizer="gd", lr=lr, loss="half_sum", max_epochs=0, progress=False)
            break
        epochs += tr.epochs
        residuals.append(theory.invariant_residuals(m, x)["max_abs_residual"])
        if tr.converged or tr.diverged or epochs >= max_epochs:
            break
    record.finish(epochs, bool(tr.converged), stopped)
    ev = jacobian_eigenvalues(m, X, method="shortcut")[0]
    s = theory.rank1_scalars(m, x)
    r = float(x @ x)
    out = {
        "final_loss": tr.final_loss, "epochs": epochs, "converged": bool(tr.converged), "diverged": bool(tr.diverged),
        "trained_lambda": float(ev[0].real), "trained_abs_lambda": float(ev[0].abs()),
        "second_abs_eig": float(ev[1].abs()) if ev.numel() > 1 else 0.0,
        "max_invariant_residual": float(max(residuals)),
        "a": s["a"], "b": s["b"], "c": s["c"],
        "elasticity_product": theory.rank1_top_eigenvalue(activation, x, s["a"], c=s["c"], k=width),
        "init_elasticity": theory.elasticity(activation, a0 * r),
    }
    if depth == 1 and closed_form:
        try:
            sol = theory.theorem1_solution(activation, r, width, a0, b0)
            out.update(theory_lambda=sol["lambda"], theory_a=sol["a"], theory_b=sol["b"])
        except RuntimeError:
            out.update(theory_lambda=np.nan, theory_a=np.nan, theory_b=np.nan)
    return out
