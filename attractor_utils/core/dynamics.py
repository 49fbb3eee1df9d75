"""Iterating a map ``x -> f(x)`` from many starting points at once, and nearest-point look-ups."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from scipy.sparse.csgraph import connected_components
from torch import Tensor

from . import validate as V
from .models import as_input
from .progress import progress_bar


@dataclass
class IterationResult:
    """Per starting point: ``x`` (n, dim) final iterates (the limit where converged); (n,) each: ``converged``
    (``||f(x) - x|| < tol``), ``steps`` map applications until then (``max_steps`` if not), ``last_step`` the last
    ``||f(x) - x||``, ``diverged`` (the iterate became non-finite).
    """

    x: Tensor
    converged: np.ndarray
    steps: np.ndarray
    last_step: np.ndarray
    diverged: np.ndarray

    def __len__(self) -> int:
        return len(self.converged)


@torch.no_grad()
def iterate(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    max_steps: int = 1000,
    tol: float = 1e-5,
    chunk_size: int | None = None,
    progress: bool = False,
) -> IterationResult:
    """Iterate ``f`` from every row of ``x0`` (n, dim) until ``||f(x) - x|| < tol`` or ``max_steps``.

    Converged points leave the batch; for an ensemble, ``x0`` is (K, n, dim) and they are masked instead.
    Euclidean norm over the last axis, in data units. ``progress``: a text bar over the steps.

    >>> import torch
    >>> it = iterate(lambda x: 0.5 * x, torch.ones(2, 3), max_steps=100, tol=1e-6)  # a contraction to 0
    >>> it.converged.tolist(), int(it.steps[0]), float(it.x.abs().max()) < 1e-6
    ([True, True], 21, True)
    """
    max_steps = V.integer("max_steps", max_steps, 0)
    tol = V.real("tol", tol, 0, lo_open=True)
    if chunk_size is not None:
        chunk_size = V.integer("chunk_size", chunk_size, 1)
    x0 = V.points("x0", x0, ndims=(2, 3))
    x0 = as_input(f, x0)
    if x0.dim() == 3:
        return _iterate_masked(f, x0, max_steps, tol)
    if x0.dim() != 2:
        raise ValueError(f"x0 has shape {tuple(x0.shape)}; expected (n, dim) or (K, n, dim)")
    n = x0.shape[0]
    if chunk_size is not None and n > chunk_size:
        parts = [iterate(f, x0[i : i + chunk_size], max_steps, tol) for i in range(0, n, chunk_size)]
        return IterationResult(
            torch.cat([r.x for r in parts]),
            *(np.concatenate([getattr(r, a) for r in parts]) for a in ("converged", "steps", "last_step", "diverged")),
        )
    x = x0.clone()
    converged = np.zeros(n, bool)
    diverged = np.zeros(n, bool)
    steps = np.full(n, max_steps)
    last = np.full(n, np.inf)
    live = torch.arange(n, device=x.device)
    bar = None
    if progress:
        bar = progress_bar(max_steps, "iterate")
    for step in range(1, max_steps + 1):
        if live.numel() == 0:
            break
        xl = x[live]
        y = f(xl)
        d = torch.linalg.vector_norm(y - xl, dim=-1)
        x[live] = y
        dn = d.cpu().double().numpy()
        li = live.cpu().numpy()
        last[li] = dn
        bad = ~np.isfinite(dn) | ~torch.isfinite(y).all(dim=-1).cpu().numpy()
        done = (dn < tol) | bad
        converged[li[dn < tol]] = True
        diverged[li[bad]] = True
        steps[li[done]] = step
        if done.any():
            live = live[torch.as_tensor(~done, device=live.device)]
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return IterationResult(x, converged, steps, last, diverged)


def _iterate_masked(f, x0: Tensor, max_steps: int, tol: float) -> IterationResult:
    x = x0.clone()
    live = torch.ones(x.shape[:-1], dtype=torch.bool, device=x.device)
    steps = torch.full(x.shape[:-1], max_steps, device=x.device)
    last = torch.full(x.shape[:-1], float("inf"), dtype=torch.float64, device=x.device)
    conv = torch.zeros_like(live)
    div = torch.zeros_like(live)
    for step in range(1, max_steps + 1):
        if not live.any():
            break
        y = f(x)
        d = torch.linalg.vector_norm(y - x, dim=-1)
        x = torch.where(live.unsqueeze(-1), y, x)
        last = torch.where(live, d.double(), last)
        bad = live & ~torch.isfinite(d)
        ok = live & (d < tol)
        conv |= ok
        div |= bad
        steps = torch.where(ok | bad, torch.full_like(steps, step), steps)
        live &= ~(ok | bad)
    return IterationResult(x, conv.cpu().numpy(), steps.cpu().numpy(), last.cpu().numpy(), div.cpu().numpy())


@torch.no_grad()
def orbit(f: Callable[[Tensor], Tensor], x0: Tensor, steps: int) -> Tensor:
    """The iterates ``x0, f(x0), ..., f^steps(x0)``: (steps + 1, n, dim) (for galleries and cycles)."""
    steps = V.integer("steps", steps, 0)
    x0 = V.points("x0", x0, ndims=(1, 2, 3))
    x0 = as_input(f, x0)
    xs = [x0]
    for _ in range(steps):
        xs.append(f(xs[-1]))
    return torch.stack(xs)


def nearest(points: Tensor, reference: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Index of and Euclidean distance to the nearest row of ``reference`` (m, dim) for each row of
    ``points`` (n, dim). Computed in float64. Returns ``(index (n,), distance (n,))``."""
    P = torch.as_tensor(points).detach().to(torch.float64).cpu()
    R = torch.as_tensor(reference).detach().to(torch.float64).cpu()
    if P.dim() != 2 or R.dim() != 2 or P.shape[1] != R.shape[1]:
        raise ValueError(f"points {tuple(P.shape)} and reference {tuple(R.shape)} must be (n, d) and (m, d)")
    D = torch.cdist(P, R, compute_mode="donot_use_mm_for_euclid_dist")
    d, i = D.min(dim=1)
    return i.numpy(), d.numpy()


def distinct_points(points, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``points`` (m, dim): rows closer than ``tol`` (Euclidean, float64) merge, transitively.
    Returns ``(reps (k, dim), counts (k,))``: each group's first row, in order of appearance, and its size.

    >>> reps, counts = distinct_points([[0.0, 0.0], [1.0, 0.0], [0.0, 0.005], [0.0, 0.011]], tol=0.01)
    >>> reps.tolist(), counts.tolist()
    ([[0.0, 0.0], [1.0, 0.0]], [3, 1])
    """
    P = points.detach() if isinstance(points, Tensor) else torch.as_tensor(np.asarray(points, dtype=np.float64))
    P = P.to(torch.float64).cpu()
    P = P.reshape(-1, P.shape[-1] if P.dim() > 1 else 2)
    if P.shape[0] == 0:
        return np.zeros((0, P.shape[1])), np.zeros(0, dtype=int)
    close = torch.cdist(P, P, compute_mode="donot_use_mm_for_euclid_dist").numpy() < tol
    _, label = connected_components(close, directed=False)
    _, first, counts = np.unique(label, return_index=True, return_counts=True)
    order = np.argsort(first)
    return P.numpy()[first[order]], counts[order].astype(int)
