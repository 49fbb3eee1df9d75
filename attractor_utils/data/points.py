"""Points of a given norm in R^dim (uniform on the sphere, or from the positive orthant) and the sequence layout
of PNAS Fig. 4 (n / L cycles of length L, one after the other)."""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..core import validate as V


# ----- sequence layout (PNAS Fig. 4): n / L cycles of length L one after the other, i -> (i + 1) mod L in its cycle

def check_cycle_len(n: int, L: int) -> None:
    if not isinstance(L, (int, np.integer)) or L < 1 or n % L:
        raise ValueError(f"cycle_len={L!r} must be a positive integer dividing n={n}")


def cycle_next_index(n: int, cycle_len: int) -> np.ndarray:
    """Index of the successor of each of the ``n`` elements: (n,) int."""
    check_cycle_len(n, cycle_len)
    idx = np.arange(n).reshape(-1, cycle_len)
    return np.roll(idx, -1, axis=1).reshape(-1)


def cycle_ids(n: int, cycle_len: int) -> np.ndarray:
    """The cycle each of the ``n`` elements belongs to: (n,) int."""
    check_cycle_len(n, cycle_len)
    return np.arange(n) // cycle_len


def cycle_targets(X: Tensor, cycle_len: int) -> Tensor:
    """The sequence-encoding targets ``Y[i] = X[next(i)]``: same shape as ``X`` (n, dim)."""
    X = torch.as_tensor(X)
    return X[torch.as_tensor(cycle_next_index(X.shape[0], cycle_len), device=X.device)]



def check_n(n, name: str = "n") -> int:
    return V.integer(name, n, 1)


def _scaled_draws(draw, n, dim, radius, seed, dtype) -> Tensor:
    """(n, dim) float64 draws of ``draw`` (torch.randn / torch.rand) from ``seed``, each row scaled to norm ``radius``."""
    n, dim = check_n(n), check_n(dim, "dim")
    radius = V.real("radius", radius, 0, lo_open=True)
    g = torch.Generator().manual_seed(V.seed("seed", seed))
    Z = draw(n, dim, generator=g, dtype=torch.float64)
    return (radius * Z / Z.norm(dim=1, keepdim=True)).to(dtype)


def sphere_points(n: int, dim: int, radius: float = 1.0, seed: int = 0, dtype=torch.float32) -> Tensor:
    """``n`` points uniform on the sphere of Euclidean norm ``radius`` in R^dim (normalised Gaussians): (n, dim).

    >>> X = sphere_points(3, 5, radius=2.0, seed=0)
    >>> tuple(X.shape), [round(float(r), 4) for r in X.norm(dim=1)]
    ((3, 5), [2.0, 2.0, 2.0])
    """
    return _scaled_draws(torch.randn, n, dim, radius, seed, dtype)


def orthant_points(n: int, dim: int, radius: float = 1.0, seed: int = 0, dtype=torch.float32) -> Tensor:
    """``n`` points of Euclidean norm ``radius`` in the positive orthant of R^dim: (n, dim), i.i.d. U[0, 1]
    coordinates (as the Orujlu talk's public code draws them) scaled to the norm, so all lie near the diagonal.

    >>> X = orthant_points(3, 5, radius=2.0, seed=0)
    >>> bool((X >= 0).all()), [round(float(r), 4) for r in X.norm(dim=1)]
    (True, [2.0, 2.0, 2.0])
    """
    return _scaled_draws(torch.rand, n, dim, radius, seed, dtype)
