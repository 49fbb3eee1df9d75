"""Basins of attraction of 2D maps on a grid (PNAS Fig. 3, 4c): which training point (or cycle) each start reaches,
the nearest-point (Voronoi) labels, the one-step vector field, and limits that are not training points.

Shapes: ``X`` (n, 2); a grid ``G`` (m*m, 2) from ``xs``, ``ys`` (m,) in ``np.meshgrid(xs, ys)`` order, so
``labels.reshape(m, m)`` is an image with ``origin="lower"``. Distances are Euclidean, in data units.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from ..core.dynamics import distinct_points, iterate, nearest  # distinct_points re-exported: one rule for 07 and 12
from ..core.models import as_input

__all__ = ["NOT_TRAINING", "NOT_CONVERGED", "grid2d", "scattered_points", "planar_cycles", "compose",
           "BasinMap", "basin_map", "voronoi_labels", "voronoi_segments", "disagreement", "vector_field", "distinct_points"]

NOT_TRAINING = -1  # converged, but not to a training point (cycle): a spurious attractor's basin
NOT_CONVERGED = -2  # did not settle within the step budget (or diverged)


def grid2d(xlim: tuple[float, float], ylim: tuple[float, float], m: int) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """An ``m x m`` grid: points ``G`` (m*m, 2) float64, and the axes ``xs``, ``ys`` (m,)."""
    if not isinstance(m, (int, np.integer)) or m < 2:
        raise ValueError(f"m={m!r}: must be an integer >= 2")
    xs, ys = np.linspace(*xlim, m), np.linspace(*ylim, m)
    GX, GY = np.meshgrid(xs, ys)
    return torch.as_tensor(np.stack([GX.ravel(), GY.ravel()], 1)), xs, ys


def scattered_points(n: int, seed: int = 0, low: float = -1.0, high: float = 1.0, min_dist: float = 0.4,
                     max_tries: int = 10_000) -> Tensor:
    """``n`` points uniform in the square [low, high]^2, at least ``min_dist`` apart (rejection
    sampling, seeded). Returns float64 (n, 2)."""
    rng = np.random.default_rng(seed)
    pts: list[np.ndarray] = []
    for _ in range(max_tries):
        p = rng.uniform(low, high, 2)
        if all(np.linalg.norm(p - q) >= min_dist for q in pts):
            pts.append(p)
            if len(pts) == n:
                return torch.as_tensor(np.array(pts))
    raise ValueError(f"could not place {n} points {min_dist} apart in [{low}, {high}]^2; lower min_dist")


def planar_cycles(n_cycles: int = 4, cycle_len: int = 4, radius: float = 0.35, spread: float = 1.0,
                  phase: float = 0.0) -> Tensor:
    """``n_cycles`` cycles of ``cycle_len`` points each: regular polygons of ``radius`` around centres
    on a circle of radius ``spread``, traversed counter-clockwise (cycle j's rotation offset by
    ``phase * j``). Rows are grouped by cycle, element order = cycle order (the convention of
    :func:`attractor_utils.data.cycle_next_index`). Returns float64 (n_cycles*cycle_len, 2)."""
    out = []
    for j in range(n_cycles):
        ang = 2 * np.pi * j / n_cycles + np.pi / n_cycles
        c = spread * np.array([np.cos(ang), np.sin(ang)])
        t = 2 * np.pi * np.arange(cycle_len) / cycle_len + phase * j
        out.append(c + radius * np.stack([np.cos(t), np.sin(t)], 1))
    return torch.as_tensor(np.concatenate(out))


def compose(f: Callable[[Tensor], Tensor], k: int) -> Callable[[Tensor], Tensor]:
    """``x -> f(f(...f(x)))`` (``k`` times): a cycle of length ``k`` is a set of fixed points of it."""
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k={k!r}: must be an integer >= 1")

    def g(x: Tensor) -> Tensor:
        for _ in range(k):
            x = f(x)
        return x

    return g


@dataclass
class BasinMap:
    """Where each start of a grid went. ``label`` (N,): the group (training point, or cycle) whose
    element the limit is within ``match_tol`` of; :data:`NOT_TRAINING` for another limit;
    :data:`NOT_CONVERGED` otherwise. ``nearest`` (N,): index of the training point nearest to the
    limit, ``distance`` (N,) to it. ``limit`` (N, 2), ``converged`` (N,), ``steps`` (N,) (map
    applications, i.e. iterations of ``f^period`` times ``period``)."""

    label: np.ndarray
    nearest: np.ndarray
    distance: np.ndarray
    limit: np.ndarray
    converged: np.ndarray
    steps: np.ndarray

    def shares(self, n_groups: int) -> dict:
        """Fraction of starts per group, and of spurious / unconverged starts."""
        out = {f"share_group_{g}": float(np.mean(self.label == g)) for g in range(n_groups)}
        out["share_not_training"] = float(np.mean(self.label == NOT_TRAINING))
        out["share_not_converged"] = float(np.mean(self.label == NOT_CONVERGED))
        return out


def basin_map(f: Callable[[Tensor], Tensor], X: Tensor, starts: Tensor, *, period: int = 1,
              groups: Sequence[int] | None = None, max_steps: int = 1000, tol: float = 1e-5,
              match_tol: float = 1e-2, chunk_size: int | None = 20_000) -> BasinMap:
    """Label each row of ``starts`` by the group of the training point within ``match_tol`` of its limit under
    ``f^period`` (iterated until a step moves less than ``tol``, at most ``max_steps`` steps of ``f^period``).

    ``X`` (n, dim): training points; ``groups`` (n,): each point's group (default: its index; for cycles, the cycle
    id); ``period``: 1 for fixed points, the cycle length for limit cycles.
    """
    X = torch.as_tensor(X)
    grp = np.arange(len(X)) if groups is None else np.asarray(groups)
    if grp.shape != (len(X),):
        raise ValueError(f"groups has shape {grp.shape}; expected ({len(X)},)")
    g = f if period == 1 else compose(f, period)
    if not isinstance(g, torch.nn.Module):  # a composition: hand it inputs the model accepts
        starts = as_input(f, torch.as_tensor(starts))
    it = iterate(g, starts, max_steps=max_steps, tol=tol, chunk_size=chunk_size)
    lim = it.x.detach().double().cpu()
    finite = torch.isfinite(lim).all(dim=1).numpy()
    idx, dist = nearest(torch.where(torch.isfinite(lim), lim, torch.zeros_like(lim)), X)
    dist = np.where(finite, dist, np.inf)
    ok = it.converged & ~it.diverged & finite
    label = np.where(ok, np.where(dist < match_tol, grp[idx], NOT_TRAINING), NOT_CONVERGED)
    return BasinMap(label.astype(int), idx, dist, lim.numpy(), ok, np.asarray(it.steps) * period)


def voronoi_labels(points: Tensor, X: Tensor, groups: Sequence[int] | None = None) -> np.ndarray:
    """The group of the training point nearest to each row of ``points``: the Voronoi cell label
    (1-nearest-neighbour rule). Returns int (N,)."""
    idx, _ = nearest(points, X)
    grp = np.arange(len(X)) if groups is None else np.asarray(groups)
    return grp[idx]


def voronoi_segments(X: Tensor, far: float = 100.0) -> np.ndarray:
    """The edges of the Voronoi diagram of ``X`` (n >= 3, 2) as segments (k, 2, 2); unbounded edges are
    cut ``far`` data units from their finite vertex (as :func:`scipy.spatial.voronoi_plot_2d` does)."""
    from scipy.spatial import Voronoi

    P = torch.as_tensor(X).detach().double().cpu().numpy()
    vor = Voronoi(P)
    center = P.mean(axis=0)
    segs = []
    for pair, simplex in zip(vor.ridge_points, vor.ridge_vertices):
        simplex = np.asarray(simplex)
        if np.all(simplex >= 0):
            segs.append(vor.vertices[simplex])
            continue
        i = simplex[simplex >= 0][0]
        t = P[pair[1]] - P[pair[0]]
        t = t / np.linalg.norm(t)
        nrm = np.array([-t[1], t[0]])
        mid = P[pair].mean(axis=0)
        direction = np.sign(np.dot(mid - center, nrm)) * nrm
        segs.append(np.stack([vor.vertices[i], vor.vertices[i] + far * direction]))
    return np.array(segs).reshape(-1, 2, 2)


def disagreement(basin_label: np.ndarray, voronoi_label: np.ndarray) -> float:
    """Share of starts whose basin label differs from their Voronoi label (starts that reach no
    training point count as disagreeing)."""
    a, b = np.asarray(basin_label), np.asarray(voronoi_label)
    if a.shape != b.shape:
        raise ValueError(f"label shapes differ: {a.shape} vs {b.shape}")
    return float(np.mean(a != b))


@torch.no_grad()
def vector_field(f: Callable[[Tensor], Tensor], points: Tensor) -> np.ndarray:
    """The one-step displacement ``f(x) - x`` at each row of ``points`` (N, dim): float64 (N, dim)."""
    P = torch.as_tensor(points)
    Pm = as_input(f, P)
    return (f(Pm).double() - Pm.double()).cpu().numpy()
