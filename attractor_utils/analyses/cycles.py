"""Sequence encoders (PNAS Fig. 4): data laid out as cycles, the next-element targets, Proposition 2 per starting
element, and which stored cycle an iteration from noise falls onto. ``X`` (n, dim) holds ``n / L`` cycles of length
``L`` one after the other, element ``i`` of a cycle mapping to element ``(i + 1) mod L`` (as ``make_data`` lays out
``task="sequence"``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..core.dynamics import nearest, orbit
from ..core.spectra import cycle_spectral_radius
from ..data.points import check_cycle_len, cycle_ids, cycle_next_index, cycle_targets  # the layout, kept here for au.cycles.*

__all__ = ["cycle_next_index", "cycle_targets", "cycle_ids", "element_cycle_radii", "noise_cycle_recovery",
           "orbit_tail"]


def element_cycle_radii(model, X: Tensor, cycle_len: int) -> np.ndarray:
    """Proposition 2 from every element: the spectral radius of ``J(x_{i-1}) ... J(x_{i+1}) J(x_i)``
    (the Jacobian of the ``L``-fold composition at ``x_i``) for each row of ``X``: (n,) float.
    Within a cycle the values agree up to rounding (the products are cyclic permutations)."""
    X = torch.as_tensor(X)
    n = X.shape[0]
    check_cycle_len(n, cycle_len)
    out = np.empty(n)
    for c in range(n // cycle_len):
        seq = X[c * cycle_len:(c + 1) * cycle_len]
        for j in range(cycle_len):
            out[c * cycle_len + j] = cycle_spectral_radius(model, torch.roll(seq, -j, dims=0))
    return out


@torch.no_grad()
def orbit_tail(model, starts: Tensor, burn_in: int, length: int) -> Tensor:
    """The iterates ``burn_in, ..., burn_in + length - 1`` of ``model`` from each row of ``starts`` (m, dim):
    (length, m, dim), where an orbit settled onto a cycle of that length is read once round."""
    z = orbit(model, torch.as_tensor(starts), int(burn_in))[-1]
    return orbit(model, z, length - 1)


@torch.no_grad()
def noise_cycle_recovery(model, X: Tensor, cycle_len: int, starts: Tensor, burn_in: int = 200,
                         match_tol: float = 0.5) -> tuple[pd.DataFrame, Tensor]:
    """Iterate ``model`` ``burn_in`` times from each row of ``starts`` (m, dim), then read the next ``cycle_len``
    iterates against the stored cycles. Per start: ``cycle`` (of the example nearest the first read iterate; -1 when
    a read iterate is not finite or farther than ``match_tol`` from every example), ``in_order`` (all within
    ``match_tol``, each the successor of the one before), ``max_distance``, ``first_index``. Distances Euclidean, in
    data units. Also returns the read iterates (cycle_len, m, dim).
    """
    X = torch.as_tensor(X)
    n = X.shape[0]
    L = int(cycle_len)
    check_cycle_len(n, L)
    nxt = cycle_next_index(n, L)
    tail = orbit_tail(model, starts, int(burn_in), L)  # (L, m, dim)
    m = tail.shape[1]
    T = tail.detach().double().cpu()
    fin = torch.isfinite(T).all(dim=-1)  # (L, m)
    idx, dist = nearest(torch.where(torch.isfinite(T), T, torch.zeros_like(T)).reshape(L * m, -1), X)
    idx, dist = idx.reshape(L, m), np.where(fin.numpy(), dist.reshape(L, m), np.inf)
    close = (dist < match_tol).all(axis=0)
    order = (nxt[idx[:-1]] == idx[1:]).all(axis=0) if L > 1 else np.ones(m, bool)
    cyc = np.where(close, idx[0] // L, -1)
    df = pd.DataFrame({"start": np.arange(m), "cycle": cyc, "in_order": close & order,
                       "max_distance": dist.max(axis=0), "first_index": idx[0]})
    return df, tail
