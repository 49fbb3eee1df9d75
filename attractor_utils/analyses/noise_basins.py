"""Basins of attraction probed by perturbation: perturb each stored point with noise of a fixed norm,
iterate the map, and count how often the iteration returns to the point it started from
(Jiang & Pehlevan's basin experiment)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..core import validate as V
from torch import Tensor

from ..data.points import sphere_points
from ..core.dynamics import iterate, nearest


def fixed_norm_noise(n: int, dim: int, norm: float, seed: int = 0, dtype=torch.float32) -> Tensor:
    """``n`` Gaussian noise vectors rescaled to Euclidean norm ``norm`` (uniform directions): (n, dim).

    Same seed, same noise. ``norm`` is in the units of the data (the "noise radius").
    """
    return sphere_points(n, dim, norm, seed=seed, dtype=dtype)


@dataclass
class BasinResult:
    """Per perturbed start (``n_points * trials`` rows, point-major): the index of the point it was
    made from (``origin``), the distance of the final iterate to that point (``distance``), whether the
    iteration settled (``iteration_converged``), the nearest stored point to the final iterate
    (``nearest_index``) and ``success`` (final iterate within ``success_tol`` of its origin)."""

    origin: np.ndarray
    distance: np.ndarray
    iteration_converged: np.ndarray
    nearest_index: np.ndarray
    success: np.ndarray

    @property
    def success_rate(self) -> float:
        """Fraction of perturbed starts that returned to their origin."""
        return float(self.success.mean()) if len(self.success) else float("nan")

    def per_point_rate(self) -> np.ndarray:
        """Success rate per stored point: (n_points,)."""
        n = int(self.origin.max()) + 1 if len(self.origin) else 0
        return np.array([self.success[self.origin == i].mean() for i in range(n)])


def basin_success(
    f: Callable[[Tensor], Tensor],
    X: Tensor,
    noise_radius: float,
    trials: int = 10,
    max_steps: int = 50,
    success_tol: float = 1e-2,
    iter_tol: float = 1e-6,
    seed: int = 0,
) -> BasinResult:
    """Perturb every row of ``X`` (n, dim) ``trials`` times by noise of norm ``noise_radius``,
    iterate ``f`` at most ``max_steps`` times (stopping early once a step is below ``iter_tol``),
    and call a start a success when its final iterate is within ``success_tol`` (Euclidean, data
    units) of the point it was made from. The noise is drawn by ``seed`` (same seed, same starts).
    """
    X = V.points("X", X)
    trials = V.integer("trials", trials, 1)
    noise_radius = V.real("noise_radius", noise_radius, 0, lo_open=True)
    max_steps = V.integer("max_steps", max_steps, 1)  # with no step, "came back" would mean "never left"
    success_tol = V.real("success_tol", success_tol, 0, lo_open=True)
    n, d = X.shape
    noise = fixed_norm_noise(n * trials, d, noise_radius, seed=seed, dtype=torch.float64)
    origin = np.repeat(np.arange(n), trials)
    X64 = X.detach().to(torch.float64).cpu()
    x0 = X64[torch.as_tensor(origin)] + noise
    it = iterate(f, x0.to(X.dtype), max_steps=max_steps, tol=iter_tol)
    xf = it.x.detach().to(torch.float64).cpu()
    dist = torch.linalg.vector_norm(xf - X64[torch.as_tensor(origin)], dim=-1).numpy()
    idx, _ = nearest(xf, X64)
    ok = np.isfinite(dist) & (dist < success_tol) & ~it.diverged
    return BasinResult(origin, dist, it.converged & ~it.diverged, idx, ok)
