"""Associative recall: corrupting stored images, recovery by iteration, the 1-nearest-neighbour baseline, spurious
attractors, and stored sequences. Images are rows of ``X`` (n, dim) in [0, 1]; distances Euclidean, in pixel units.
"Recovered": the iteration settled (step < ``iter_tol``) within ``match_tol`` of the right training image, which
is also the one nearest the limit.
"""
from __future__ import annotations

import warnings
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..core.attractors import classify_attractors, summarize_attractors
from ..core.dynamics import distinct_points, iterate, nearest, orbit
from ..core.spectra import cycle_spectral_radius, spectral_radius
from ..core.models import as_input
from ..data.points import check_cycle_len, cycle_next_index
from .cycles import orbit_tail

CORRUPTIONS = ("gaussian", "mask")


def corrupt(X: Tensor, kind: str, level: float, seed: int = 0, clip: bool = True) -> Tensor:
    """Corrupted copies of the images ``X`` (n, dim), by ``seed``: ``kind="gaussian"`` adds N(0, ``level``^2) to
    every pixel (``level`` in pixel units); ``kind="mask"`` sets ``round(level * dim)`` pixels of each image to 0.
    ``clip``: to [0, 1]. Returns float, shape of X.
    """
    X = torch.as_tensor(X)
    if X.dim() != 2:
        raise ValueError(f"X has shape {tuple(X.shape)}; expected (n, dim)")
    if kind not in CORRUPTIONS:
        raise ValueError(f"kind={kind!r}; accepted values: {list(CORRUPTIONS)}")
    if not (isinstance(level, (int, float, np.floating)) and np.isfinite(level) and level >= 0):
        raise ValueError(f"level={level!r}: must be a finite number >= 0")
    g = torch.Generator().manual_seed(int(seed))
    Xc = X.detach().cpu().clone()
    n, d = Xc.shape
    if kind == "gaussian":
        Xc = Xc + float(level) * torch.randn(n, d, generator=g, dtype=Xc.dtype)
    else:
        if level > 1:
            raise ValueError(f"level={level!r}: the masked fraction must be in [0, 1]")
        k = int(round(float(level) * d))
        if k:
            idx = torch.argsort(torch.rand(n, d, generator=g), dim=1)[:, :k]
            Xc.scatter_(1, idx, 0.0)
    if clip:
        Xc = Xc.clamp(0.0, 1.0)
    return Xc.to(X.device)


def recover_by_iteration(model, X_train: Tensor, X_start: Tensor, targets=None, *, max_steps: int = 1000,
                         iter_tol: float = 1e-5, match_tol: float = 0.5, return_limits: bool = False):
    """Iterate ``model`` from every row of ``X_start`` (m, dim) and compare the limit with ``X_train`` (n, dim).

    ``targets``: (m,) index of the training image each start should return to, or None. One row per start:
    ``converged``, ``steps``, ``nearest_index``, ``nearest_distance``, ``is_training`` (converged within
    ``match_tol`` of a training image), and with targets ``target`` and ``recovered``. ``return_limits``: also the
    final iterates (m, dim).
    """
    it = iterate(model, X_start, max_steps=max_steps, tol=iter_tol)
    idx, dist = nearest(it.x, X_train)
    conv = it.converged & ~it.diverged
    df = pd.DataFrame({"converged": conv, "steps": it.steps, "nearest_index": idx, "nearest_distance": dist})
    df["is_training"] = conv & (dist < match_tol)
    if targets is not None:
        t = np.asarray(targets)
        if t.shape != (len(df),):
            raise ValueError(f"targets has shape {t.shape}; expected ({len(df)},)")
        df["target"] = t
        df["recovered"] = df["is_training"] & (idx == t)
    return (df, it.x) if return_limits else df


def nearest_neighbour_recovery(X_train: Tensor, X_query: Tensor, targets) -> np.ndarray:
    """1-nearest-neighbour rule: (m,) bool, the training image nearest to each query is its target."""
    idx, _ = nearest(X_query, X_train)
    return idx == np.asarray(targets)


def recovery_curve(model, X_train: Tensor, kind: str, levels, *, seed: int = 0, max_steps: int = 1000,
                   iter_tol: float = 1e-5, match_tol: float = 0.5, subset=None) -> pd.DataFrame:
    """Recovery rate by iteration and by 1-NN for one corruption ``kind`` over ``levels``, each level ``j``
    corrupting every training image (or the rows ``subset``) with seed ``seed + j``. One row per level: ``kind``,
    ``level``, ``n_inputs``, ``recovery_iteration``, ``recovery_1nn`` (the nearest training image is the original),
    ``converged_fraction``, ``spurious_fraction`` (converged farther than ``match_tol`` from every training image).
    """
    idx = np.arange(X_train.shape[0]) if subset is None else np.asarray(subset)
    Xs = X_train[torch.as_tensor(idx)]
    rows = []
    for j, lev in enumerate(levels):
        Xc = corrupt(Xs, kind, float(lev), seed=seed + j)
        r = recover_by_iteration(model, X_train, Xc, idx, max_steps=max_steps, iter_tol=iter_tol,
                                 match_tol=match_tol)
        nn = nearest_neighbour_recovery(X_train, Xc, idx)
        rows.append({"kind": kind, "level": float(lev), "n_inputs": len(idx),
                     "recovery_iteration": float(r["recovered"].mean()), "recovery_1nn": float(nn.mean()),
                     "converged_fraction": float(r["converged"].mean()),
                     "spurious_fraction": float((r["converged"] & ~r["is_training"]).mean())})
    return pd.DataFrame(rows)


def random_starts(kind: str, n: int, dim: int, seed: int = 0, std: float = 1.0, mean: float = 0.5) -> Tensor:
    """Random starting points (n, dim): ``"uniform"`` U[0, 1] pixels, or ``"gaussian"`` N(``mean``, ``std``^2)
    pixels (not clipped)."""
    g = torch.Generator().manual_seed(int(seed))
    if kind == "uniform":
        return torch.rand(n, dim, generator=g)
    if kind == "gaussian":
        return mean + std * torch.randn(n, dim, generator=g)
    raise ValueError(f"kind={kind!r}; accepted values: ['uniform', 'gaussian']")


def count_distinct(points: Tensor, tol: float) -> int:
    """Number of distinct points among the rows of ``points`` (m, dim): rows closer than ``tol`` are one
    (single linkage, Euclidean; :func:`attractor_utils.dynamics.distinct_points`)."""
    return len(distinct_points(points, tol)[1])


def search_limits(model, X_train: Tensor, starts: Mapping[str, Tensor], *, max_steps: int = 1000,
                  iter_tol: float = 1e-5, match_tol: float = 0.5,
                  eig_threshold: float = 1.0) -> tuple[pd.DataFrame, Tensor]:
    """Iterate from each group of starting points (``starts``: name -> (m, dim)) and classify the limits: one row per
    start, ``source``, ``converged``, ``steps``, ``nearest_index``, ``nearest_distance``, ``is_training``,
    ``limit_spectral_radius`` (NaN where not converged), ``spurious_attractor`` (a stable fixed point, radius <
    ``eig_threshold``, that is no training image). Returns the table and the limits (total m, dim), in row order.
    """
    out, lims = [], []
    for name, X0 in starts.items():
        r, lim = recover_by_iteration(model, X_train, X0, None, max_steps=max_steps, iter_tol=iter_tol,
                                      match_tol=match_tol, return_limits=True)
        rho = np.full(len(r), np.nan)
        ok = r["converged"].to_numpy().copy()
        if ok.any():
            rho[ok] = spectral_radius(model, lim[torch.as_tensor(ok, device=lim.device)]).cpu().numpy()
        r = r.assign(source=name, limit_spectral_radius=rho)
        r["spurious_attractor"] = r["converged"] & ~r["is_training"] & (r["limit_spectral_radius"] < eig_threshold)
        out.append(r)
        lims.append(lim)
    cols = ["source", "converged", "steps", "nearest_index", "nearest_distance", "is_training",
            "limit_spectral_radius", "spurious_attractor"]
    return pd.concat(out, ignore_index=True)[cols], torch.cat(lims)


@torch.no_grad()
def sequence_recovery(model, X: Tensor, cycle_len: int, *, laps: int = 3, match_tol: float = 0.5,
                      noise_starts: Tensor | None = None, burn_in: int | None = None) -> tuple[pd.DataFrame, dict]:
    """Which stored cycles of a sequence encoder are recovered; ``X`` (n, dim) in cycle order (``L = cycle_len``).

    Per cycle: ``cycle_spectral_radius`` (Prop. 2, at the training examples), ``max_one_step_error``
    (max_i ||f(x_i) - x_{i+1}||), ``orbit_ok`` (from the first element, the last ``L`` of ``laps * L`` iterates each
    within ``match_tol`` of its element) and ``stable_and_orbit`` (radius < 1 and ``orbit_ok``). ``noise_starts``
    (m, dim): iterated ``burn_in`` times (default ``laps * L``), then ``L`` more; an example is
    ``reached_from_noise`` when one of those iterates lies within ``match_tol`` of it and nearest to it.
    Returns the per-cycle table and per-example bool arrays (n,): ``in_stable_cycle``, ``recovered``,
    ``reached_from_noise``.
    """
    X = torch.as_tensor(X)
    n = X.shape[0]
    L = cycle_len
    check_cycle_len(n, L)
    Xd = as_input(model, X)
    nxt = cycle_next_index(n, L)
    one_step = torch.linalg.vector_norm(model(Xd).double() - Xd[torch.as_tensor(nxt)].double(), dim=-1).cpu().numpy()
    starts = Xd[::L]  # first element of every cycle, (n/L, dim)
    orb = orbit(model, starts, laps * L)[-L:]  # (L, n_cycles, dim): x at steps (laps-1)L+1 .. laps*L
    rows = []
    per = {k: np.zeros(n, bool) for k in ("in_stable_cycle", "recovered", "reached_from_noise")}
    for c in range(n // L):
        seq = X[c * L:(c + 1) * L]
        rho = cycle_spectral_radius(model, seq)
        # after laps*L - L + j + 1 steps from x_0 the orbit should be at x_{(j+1) mod L}
        expect = seq[torch.as_tensor((np.arange(L) + 1) % L)].double()
        d = torch.linalg.vector_norm(orb[:, c].double().cpu() - expect, dim=-1).numpy()
        ok = bool(np.all(np.isfinite(d)) and np.all(d < match_tol))
        rows.append({"cycle": c, "cycle_len": L, "cycle_spectral_radius": rho,
                     "max_one_step_error": float(one_step[c * L:(c + 1) * L].max()),
                     "orbit_max_distance": float(np.nanmax(d)) if np.isfinite(d).any() else np.inf,
                     "orbit_ok": ok, "stable": bool(rho < 1), "stable_and_orbit": bool(rho < 1 and ok)})
        per["in_stable_cycle"][c * L:(c + 1) * L] = rho < 1
        per["recovered"][c * L:(c + 1) * L] = rho < 1 and ok
    if noise_starts is not None:
        b = laps * L if burn_in is None else int(burn_in)
        tail = orbit_tail(model, noise_starts, b, L).reshape(-1, X.shape[1])  # (L * m, dim)
        fin = torch.isfinite(tail).all(dim=-1).cpu()
        if fin.any():
            idx, dist = nearest(tail[fin.to(tail.device)], X)
            hit = idx[dist < match_tol]
            per["reached_from_noise"][np.unique(hit)] = True
    return pd.DataFrame(rows), per


def recovery_tables(stores: Sequence[tuple], *, width: int, depth: int, activation: str, seed: int = 0,
                    noise_levels: Sequence[float], mask_levels: Sequence[float], n_starts: int,
                    gauss_std: float = 0.5, max_steps: int = 1000, iter_tol: float = 1e-5,
                    match_tol: float = 0.5) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Recovery of corrupted stored images and the spurious-limit search of notebook 12, per stored image set.

    ``stores``: tuples ``(label, model, X, image_shape, test, result)``: ``X`` (n, dim) stored images, ``test``
    (m, dim) held-out images or None, ``result`` the training outcome. Per set: :func:`classify_attractors`,
    :func:`recovery_curve` (Gaussian noise over ``noise_levels``, masks over ``mask_levels``, seed ``seed``) and
    :func:`search_limits` from the test images and ``n_starts`` uniform (seed ``seed + 1``) and Gaussian
    N(0.5, ``gauss_std``^2) (seed ``seed + 2``) starts. Returns:

    - ``summary``, one row per (set, start kind): ``data_source``, ``start``, ``n_images``, ``width``, ``depth``,
      ``activation``, ``seed``, ``final_loss``, ``epochs``, ``converged``, ``n_attractors``, ``n_borderline``,
      ``n_borderline_any``, ``n_true_fixed_points``, ``n_starts``, ``n_starts_settled``, ``n_to_training``,
      ``n_spurious_limits``, ``n_spurious_attractors``, ``n_distinct_spurious`` (limits merged within
      ``match_tol``), ``n_distinct_training_reached``;
    - ``curve`` and ``limits``: the :func:`recovery_curve` and :func:`search_limits` rows plus ``data_source``.
    """
    rows, curves, limits = [], [], []
    for label, model, X, _shape, test, res in stores:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cls = classify_attractors(model, X, max_steps=max_steps, iter_tol=iter_tol, match_tol=match_tol)
            sm = summarize_attractors(cls)
            for kind, levels in (("gaussian", noise_levels), ("mask", mask_levels)):
                cur = recovery_curve(model, X, kind, levels, seed=seed, max_steps=max_steps, iter_tol=iter_tol,
                                     match_tol=match_tol)
                curves.append(cur.assign(data_source=label))
            starts = {"uniform noise": random_starts("uniform", n_starts, X.shape[1], seed=seed + 1),
                      "gaussian noise": random_starts("gaussian", n_starts, X.shape[1], seed=seed + 2, std=gauss_std)}
            if test is not None:
                starts = {"test images": test, **starts}
            sp, lim = search_limits(model, X, starts, max_steps=max_steps, iter_tol=iter_tol, match_tol=match_tol)
        sp = sp.assign(data_source=label)
        limits.append(sp)
        for src, g in sp.groupby("source", sort=False):
            m = (g.converged & ~g.is_training).to_numpy(copy=True)
            rows.append({"data_source": label, "start": src, "n_images": X.shape[0], "width": width,
                         "depth": depth, "activation": activation, "seed": seed, "final_loss": res["final_loss"],
                         "epochs": res["epochs"], "converged": res["converged"], "n_attractors": sm["n_attractors"],
                         "n_borderline": sm["n_borderline"], "n_borderline_any": sm["n_borderline_any"],
                         "n_true_fixed_points": sm["n_true_fixed_points"], "n_starts": len(g),
                         "n_starts_settled": int(g.converged.sum()), "n_to_training": int(g.is_training.sum()),
                         "n_spurious_limits": int(m.sum()), "n_spurious_attractors": int(g.spurious_attractor.sum()),
                         "n_distinct_spurious": count_distinct(lim[torch.as_tensor(g.index.to_numpy(copy=True))][m],
                                                               match_tol),
                         "n_distinct_training_reached": int(g[g.is_training].nearest_index.nunique())})
    return pd.DataFrame(rows), pd.concat(curves, ignore_index=True), pd.concat(limits, ignore_index=True)


_OUTCOME_COLUMNS = ["data_source", "n_images", "width", "depth", "activation", "seed", "final_loss", "epochs",
                    "converged", "n_attractors", "n_borderline", "n_borderline_any", "n_true_fixed_points"]


def training_outcomes(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per image set of a :func:`recovery_tables` summary: ``data_source``, its training outcome and
    attractor counts (``n_images`` ... ``n_true_fixed_points``, the summary's columns before ``n_starts``)."""
    return summary.drop_duplicates("data_source")[_OUTCOME_COLUMNS]


def recovery_tidy(curve: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The tables of :func:`recovery_tables` as one: the recovery rates (one row per set x corruption x level,
    ``measure="recovery"``, with the :func:`training_outcomes` columns) followed by the spurious search (one row
    per set x start kind, ``measure="spurious_search"``)."""
    return pd.concat([curve.assign(measure="recovery").merge(training_outcomes(summary), on="data_source"),
                      summary.assign(measure="spurious_search")], ignore_index=True)
