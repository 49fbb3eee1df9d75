"""The eigenvalues of largest modulus of the Jacobian, for attractors (Prop. 1) and limit cycles (Prop. 2).

By batched Arnoldi (:mod:`.arnoldi`) where it pays and is certain, full decompositions elsewhere (docs/methods.md);
the Jacobians and all their eigenvalues are in :mod:`.jacobian`, named here too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import torch
from torch import Tensor

from . import validate as V
from .arnoldi import ARNOLDI_GAP, ARNOLDI_RTOL, arnoldi_top
from .jacobian import (METHODS, Model, check_points, is_mlp, jacobian, jacobian_eigenvalues, jvp_operator,
                       mlp_operator, point_chunks, reduced_jacobian, sort_eigenvalues, with_float64)
from .models import MLPAutoencoder, MLPEnsemble

__all__ = [
    "sort_eigenvalues",
    "jacobian",
    "jacobian_eigenvalues",
    "spectral_radius",
    "top_eigenvalues",
    "SpectralReport",
    "reduced_jacobian",
    "cycle_spectral_radius",
    "METHODS",
    "SPECTRAL_METHODS",
    "ITERATIVE_MIN_SIZE",
    "EXACT_MARGIN",
    "ARNOLDI_RTOL",
    "ARNOLDI_GAP",
]

SPECTRAL_METHODS = ("auto", "dense", "iterative", "shortcut", "autograd")  # the top ones (spectral_radius)

# From this size m = min(dim, width) on, method="auto" takes the iterative route for MLPs: the crossover that
# `bench/spectra.py` measures and prints (table "Crossover" in bench/spectra.md; run alone on 2 cores, 784-d, depth 4,
# 100 points, at init and trained: the iterative route was slower at m = 64 and 96 and faster from m = 128 on).
ITERATIVE_MIN_SIZE = 128
# An iterative radius this close to a value at which a verdict flips is replaced by the full decomposition's:
# by default the threshold 1 and 1 +- attractors.BORDERLINE_RADIUS (1e-3), with 1e-3 to spare.
EXACT_MARGIN = 2e-3
_DENSE_BYTES = 2**29  # points per chunk of the full route's fallback: its (b, w, d) intermediates fit this


def _start_vectors(shape: tuple[int, ...], seed: int, device) -> Tensor:
    """Seeded standard normal start vectors, float64, drawn on the CPU (the same numbers on every device)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64).to(device)


def _iterative(model, x: Tensor, v0: Tensor, p: int, rtol: float, gap: float) -> tuple[Tensor, Tensor, Tensor]:
    """Arnoldi on one model (an MLP's rank-shortcut operator, or any map's Jacobian by jvp). ``x``: (n, dim);
    ``v0``: (n, m). Returns :func:`~attractor_utils.core.arnoldi.arnoldi_top`'s."""
    if is_mlp(model):
        return arnoldi_top(mlp_operator(model, x), v0, p, rtol, gap)
    return with_float64(model, x, lambda fn64, x64: arnoldi_top(jvp_operator(fn64, x64), v0, p, rtol, gap))


def _dense_top(model, x: Tensor, p: int) -> Tensor:
    """The ``p`` eigenvalues of largest modulus by full decompositions (the rank shortcut for an MLP, autograd
    otherwise), in chunks of points whose intermediates fit ``_DENSE_BYTES``. ``x``: (b, dim) -> (b, p)."""
    if is_mlp(model):
        per = _DENSE_BYTES // (8 * model.width * max(model.dim, model.width))
        method = "shortcut"
    else:
        per, method = _DENSE_BYTES // (8 * x.shape[-1] ** 2 * 4), "autograd"
    return torch.cat([jacobian_eigenvalues(model, x[sl], method=method)[:, :p] for sl in point_chunks(len(x), per)])


@dataclass(frozen=True)
class SpectralReport:
    """How :func:`spectral_radius` / :func:`top_eigenvalues` got their answer, point by point.

    ``values``: the result (radii (n,) or (K, n), or top eigenvalues (..., k)); ``route``: "shortcut", "autograd"
    (full) or "iterative" (Arnoldi with fallback); ``iterative``: bool per point, True where the Arnoldi answer was
    kept; ``krylov_dim``: int64, the Krylov dimension at acceptance (0 where full); ``fallback``: counts of points
    given to the full route, by reason.
    """

    values: Tensor
    route: str
    iterative: Tensor
    krylov_dim: Tensor
    fallback: dict = field(default_factory=dict)

    @property
    def fallback_share(self) -> float:
        """Fraction of the points whose answer came from a full decomposition."""
        n = self.iterative.numel()
        return float((~self.iterative).sum()) / n if n else 0.0


def _size(model, x: Tensor) -> int:
    """Size m of the matrices the routes decompose: min(dim, width) for an MLP, the input dimension otherwise."""
    return min(model.dim, model.width) if is_mlp(model) else x.shape[-1]


def _route(model, method: str, m: int) -> str:
    method = V.choice("method", method, SPECTRAL_METHODS)
    mlp = is_mlp(model)
    if method == "auto":
        return ("iterative" if m >= ITERATIVE_MIN_SIZE else "shortcut") if mlp else "autograd"
    if method == "dense":
        return "shortcut" if mlp else "autograd"
    if method == "shortcut" and not mlp:
        raise ValueError("method='shortcut' needs an MLPAutoencoder or MLPEnsemble; use method='autograd'")
    return method


def _members(model, x: Tensor) -> list[tuple[object, Tensor]]:
    """(single model, its points (n, dim)) per ensemble member; ``[(model, x)]`` otherwise."""
    if isinstance(model, MLPEnsemble):
        if x.dim() == 3 and x.shape[0] != model.K:
            raise ValueError(f"x has shape {tuple(x.shape)}; expected (n, {model.dim}) or ({model.K}, n, {model.dim})")
        return [(model.member(k), x[k] if x.dim() == 3 else x) for k in range(model.K)]
    if x.dim() == 3:
        raise ValueError("x of shape (K, n, dim) needs an MLPEnsemble")
    return [(model, x)]


def _device(model, x: Tensor) -> torch.device:
    """Where the model computes: its parameters' device (``x``'s for a parameter-free map)."""
    p0 = next(model.parameters(), None) if isinstance(model, torch.nn.Module) else None
    return p0.device if p0 is not None else x.device


def _near(rho: Tensor, near: Sequence[float], margin: float) -> Tensor:
    """Which radii lie within ``margin`` of a value in ``near`` (bool, the shape of ``rho``)."""
    close = torch.zeros(rho.shape, dtype=torch.bool, device=rho.device)
    for t in near:
        close |= (rho - float(t)).abs() < margin
    return close


def _top(model, x: Tensor, p: int, method: str, seed: int, near: Sequence[float], margin: float,
         rtol: float, gap: float) -> SpectralReport:
    """The engine of :func:`top_eigenvalues` and :func:`spectral_radius`: the top ``p`` eigenvalues (..., n, p) by
    the route ``method`` resolves to; on the iterative route, the full decomposition for every point that Arnoldi
    does not certify or whose radius lies within ``margin`` of a value in ``near``."""
    x = check_points(model, x)
    squeeze = x.dim() == 1
    if squeeze:
        x = x[None]
    m = _size(model, x)
    p = V.integer("k", p, 1, m)
    seed = V.seed("seed", seed)
    route = _route(model, method, m)
    if route != "iterative":
        ev = jacobian_eigenvalues(model, x, method=route)[..., :p]
        it = torch.zeros(ev.shape[:-1], dtype=torch.bool, device=ev.device)
        rep = SpectralReport(ev, route, it, torch.zeros(it.shape, dtype=torch.int64, device=ev.device), {})
        return _squeezed(rep) if squeeze else rep
    members = _members(model, x)
    v0 = _start_vectors((len(members), members[0][1].shape[0], m), seed, _device(model, x))
    vals, its, kds = [], [], []
    counts = {"not certain": 0, "near a threshold": 0}
    for (single, xk), v in zip(members, v0):
        ev, ok, kd = _iterative(single, xk, v, p, rtol, gap)
        counts["not certain"] += int((~ok).sum())
        close = ok & _near(ev[:, 0].abs(), near, margin)
        counts["near a threshold"] += int(close.sum())
        ok = ok & ~close
        bad = torch.nonzero(~ok).flatten()
        if len(bad):
            ev[bad] = _dense_top(single, xk[bad.to(xk.device)], p).to(ev.device)
            kd[bad] = 0
        vals.append(ev)
        its.append(ok)
        kds.append(kd)
    pack = torch.stack if isinstance(model, MLPEnsemble) else (lambda ts: ts[0])
    rep = SpectralReport(pack(vals), route, pack(its), pack(kds), counts)
    return _squeezed(rep) if squeeze else rep


def _squeezed(rep: SpectralReport) -> SpectralReport:
    """The report of a single point ``x`` of shape (dim,): the points axis dropped."""
    return SpectralReport(rep.values.select(-2, 0), rep.route, rep.iterative.select(-1, 0),
                          rep.krylov_dim.select(-1, 0), rep.fallback)


def top_eigenvalues(model: Model, x: Tensor, k: int = 1, method: str = "auto", *, seed: int = 0,
                    return_report: bool = False) -> Tensor | SpectralReport:
    """The ``k`` eigenvalues of largest modulus of ``J_f(x_i)`` at each row of ``x``: complex128 (n, k), or
    (K, n, k), the first ``k`` columns of :func:`jacobian_eigenvalues` to about 1e-10 relative (moduli that agree
    to ~1e-12, e.g. ``+-lambda``, may come in either order). ``method``: see :func:`spectral_radius` (no threshold
    here). ``return_report``: a :class:`SpectralReport` instead.
    """
    rep = _top(model, x, k, method, seed, (), 0.0, ARNOLDI_RTOL, ARNOLDI_GAP)
    return rep if V.flag("return_report", return_report) else rep.values


def spectral_radius(model: Model, x: Tensor, method: str = "auto", *, exact_near: Sequence[float] = (1.0,),
                    exact_margin: float = EXACT_MARGIN, seed: int = 0,
                    return_report: bool = False) -> Tensor | SpectralReport:
    """Largest eigenvalue modulus of the Jacobian at each row of ``x``: float64 (n,) or (K, n).

    ``method``: ``"shortcut"`` (MLPs) / ``"autograd"`` (any map): full decomposition per point, O(m^3);
    ``"iterative"``: batched Arnoldi (float64) on the same matrices from seeded random start vectors (``seed``), by
    products only (an MLP's chain of layer matrices, else forward-mode Jacobian-vector products), the points not
    certain by the full decomposition; ``"dense"``: the full decomposition that fits the model; ``"auto"``
    (default): ``"iterative"`` for MLPs from ``m = min(dim, width) >= ITERATIVE_MIN_SIZE`` (``make bench``),
    ``"shortcut"`` below, ``"autograd"`` for other maps.

    When the iterative answer is kept. With Ritz values ``theta_j`` of ``H_k = Q_k^T M Q_k`` and residuals
    ``r_j = |h_{k+1,k} e_k^T y_j|`` (plus the rounding ``k eps max_j ||M q_j||``), at Krylov dimensions 20, 26,
    34, ... up to ``max(64, m / 4)``, a point's ``|theta_1|`` is kept when

    1. ``r_1 <= ARNOLDI_RTOL |theta_1|`` (1e-10): ``theta_1`` is an exact eigenvalue of some ``M + E`` with
       ``||E|| <= 1e-10 |theta_1|``;
    2. every Ritz value that might still reach the top (``|theta_j| + r_j >= (1 - ARNOLDI_GAP) |theta_1|``, 5 %)
       has converged in the same sense, so a near-tie with an unresolved direction is never decided early;
    3. ``|theta_1|`` lies farther than ``exact_margin`` from every value in ``exact_near`` (where verdicts flip).

    Otherwise the point gets the full decomposition.

    What "certain" means for a non-normal ``M``: the accepted value is an eigenvalue of a nearby matrix, off by up
    to its condition number times the residual. At least 1e-3 lies between an accepted radius and a verdict's flip,
    so a verdict could differ only for a condition number above 1e7, where the full decomposition keeps no more than
    8 or 9 digits either (784-d ReLU nets of width 512: 3 to 7, in a probe). No Krylov method can certify the
    absence of an eigenvalue the start vector misses: a random start vector has a nonzero component along every
    eigenvector with probability one; this rests on that randomness, not on a bound.

    ``exact_near`` / ``exact_margin``: default 1 and 2e-3 (the threshold 1 and the band ``1 +- BORDERLINE_RADIUS``
    of :func:`attractor_utils.classify_attractors`, with 1e-3 to spare). ``return_report``: a
    :class:`SpectralReport` instead.

    >>> import torch
    >>> A = torch.tensor([[0.5, 2.0], [0.0, -0.8]], dtype=torch.float64)  # linear: the Jacobian is A everywhere
    >>> spectral_radius(lambda x: x @ A.T, torch.zeros(3, 2), method="autograd").tolist()
    [0.8, 0.8, 0.8]
    >>> m = MLPAutoencoder(784, 256, 2, seed=0)
    >>> x = torch.rand(5, 784, generator=torch.Generator().manual_seed(0))
    >>> r = spectral_radius(m, x, method="iterative", return_report=True)
    >>> bool(torch.allclose(r.values, spectral_radius(m, x, method="dense"), rtol=1e-9, atol=0))
    True
    """
    near = [V.real("exact_near", t) for t in ([exact_near] if isinstance(exact_near, (int, float)) else exact_near)]
    margin = V.real("exact_margin", exact_margin, 0.0)
    rep = _top(model, x, 1, method, seed, near, margin, ARNOLDI_RTOL, ARNOLDI_GAP)
    rep = SpectralReport(rep.values[..., 0].abs(), rep.route, rep.iterative, rep.krylov_dim, rep.fallback)
    return rep if V.flag("return_report", return_report) else rep.values


def cycle_spectral_radius(model: Model, sequence: Tensor, method: str = "auto") -> float:
    """Spectral radius of the Jacobian of the ``n``-fold composition around a cycle (Prop. 2).

    ``sequence``: (n, dim), the cycle ``x_1 .. x_n`` with ``f(x_i) ~ x_{i+1 mod n}``. The product
    ``J(x_n) ... J(x_1)`` is evaluated at the given points; its spectrum does not depend on the
    starting element (cyclic invariance). MLPs use the rank shortcut ``(B_n A) ... (B_1 A)``.
    """
    sequence = check_points(model, sequence)
    if sequence.dim() != 2:
        raise ValueError(f"sequence has shape {tuple(sequence.shape)}; expected (n, dim)")
    if method == "auto":
        method = "shortcut" if isinstance(model, MLPAutoencoder) else "autograd"
    if method == "shortcut":
        Ms = reduced_jacobian(model, sequence)
    elif method == "autograd":
        Ms = jacobian(model, sequence)
    else:
        raise ValueError(f"method={method!r}; accepted values: {list(METHODS)}")
    P = Ms[0]
    for M in Ms[1:]:
        P = M @ P
    return float(torch.linalg.eigvals(P).abs().max())
