"""Eigenvalues of the input-output Jacobian, for attractors (Prop. 1) and limit cycles (Prop. 2).

For an MLP ``R^d -> R^w -> ... -> R^w -> R^d`` the Jacobian is ``J = A B`` with ``A = W_out`` (d x w)
and ``B = D_L W_L ... D_1 W_in`` (w x d). Its nonzero eigenvalues are those of the
``min(d, w)``-sized matrix (``B A`` when w < d, ``J`` itself otherwise): the *rank shortcut*, computed
in closed form without autograd. A generic autograd path serves any differentiable map.
All eigenvalue work runs in float64; results are sorted by modulus, largest first.

A verdict needs only the eigenvalues of largest modulus. :func:`spectral_radius` and :func:`top_eigenvalues`
get them by a batched Arnoldi iteration (``method="iterative"``, what ``"auto"`` takes for MLPs from
``m = min(d, w) >= ITERATIVE_MIN_SIZE``): products of the m x m matrices with vectors, a chain of the layers'
own matrices applied to all points at once, instead of one O(m^3) eigendecomposition per point. A point whose
iterative answer is not certain (see :func:`spectral_radius`) gets the full decomposition instead.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
from torch import Tensor

from . import validate as V
from .models import MLPAutoencoder, MLPEnsemble, mlp_forward

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

Model = MLPAutoencoder | MLPEnsemble | Callable[[Tensor], Tensor]
METHODS = ("auto", "shortcut", "autograd")  # all eigenvalues (jacobian_eigenvalues)
SPECTRAL_METHODS = ("auto", "dense", "iterative", "shortcut", "autograd")  # the top ones (spectral_radius)

# From this size m = min(dim, width) on, method="auto" takes the iterative route for MLPs: the crossover that
# `bench/spectra.py` measures and prints (table "Crossover" in bench/spectra.md; run alone on 2 cores, 784-d, depth 4,
# 100 points, at init and trained: the iterative route was slower at m = 64 and 96 and faster from m = 128 on).
ITERATIVE_MIN_SIZE = 128
# An iterative radius this close to a value at which a verdict flips is replaced by the full decomposition's:
# by default the threshold 1 and 1 +- attractors.BORDERLINE_RADIUS (1e-3), with 1e-3 to spare.
EXACT_MARGIN = 2e-3
# Arnoldi acceptance (see spectral_radius): residual of the wanted Ritz pairs relative to the top modulus, and the
# relative band under the wanted moduli in which every Ritz value must have converged too (in a probe at 784-d,
# depth 4, widths 512 and 1024, 0.1 instead of 0.01 cost trained nets no more Krylov vectors, nets at
# initialisation 10 to 15 more; at width 2048 at initialisation, 100 points, median Krylov dimension 172 at 0.1 and
# 132 at 0.05, 0.02 or 0.01, 12.5 s against 9.7 s at 0.05, radii equal to 3e-12 relative: 0.05 keeps a band 25
# times the verdicts' margin EXACT_MARGIN).
ARNOLDI_RTOL = 1e-10
ARNOLDI_GAP = 0.05
_FIRST_CHECK = 20  # Krylov dimension of the first convergence check; then x _GROWTH per check
_GROWTH = 1.3
_MAX_FRACTION = 0.25  # Krylov dimension budget: max(_MIN_BUDGET, _MAX_FRACTION * m), at most m
_MIN_BUDGET = 64
_BASIS_BYTES = 2**28  # points per Arnoldi chunk: the Krylov bases of a chunk fit this many bytes
_DENSE_BYTES = 2**29  # points per chunk of the full route's fallback: its (b, w, d) intermediates fit this
_EPS = torch.finfo(torch.float64).eps
_BREAKDOWN = 1e3 * _EPS  # ||new direction|| / ||M v|| below this: the Krylov space is invariant (exact)


def _sort_order(ev: Tensor) -> Tensor:
    """Permutation (along the last axis) that sorts ``ev`` by modulus (descending), ties by real then imaginary."""
    idx = torch.arange(ev.shape[-1], device=ev.device).expand(ev.shape).contiguous()
    for key in (lambda e: -e.imag, lambda e: -e.real, lambda e: -torch.round(e.abs(), decimals=12)):
        order = torch.argsort(key(torch.gather(ev, -1, idx)), dim=-1, stable=True)  # least significant key first
        idx = torch.gather(idx, -1, order)
    return idx


def sort_eigenvalues(ev: Tensor) -> Tensor:
    """Sort along the last axis by modulus (descending), ties by real then imaginary part."""
    ev = ev.to(torch.complex128)
    return torch.gather(ev, -1, _sort_order(ev))


def _as_float64(model: MLPAutoencoder | MLPEnsemble):
    Ws = [W.detach().to(torch.float64) for W in model.weights]
    bs = [None if b is None else b.detach().to(torch.float64) for b in model.bias_list]
    return Ws, bs


def _check_points(model, x: Tensor) -> Tensor:
    if not isinstance(x, Tensor):
        x = torch.as_tensor(x)
    dim = getattr(model, "dim", x.shape[-1])
    if x.dim() not in (1, 2, 3) or x.shape[-1] != dim:
        raise ValueError(f"x has shape {tuple(x.shape)}; expected (n, {dim}) (or (K, n, {dim}) for an ensemble)")
    if x.numel() and not bool(torch.isfinite(x).all()):
        raise ValueError("x holds NaN or infinite values: the Jacobian there is not defined")
    return x


def _factors(model: MLPAutoencoder | MLPEnsemble, x: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """Scaled float64 weights ``S`` ((out, in), or (K, out, in)) and activation derivatives ``Ds`` at ``x``
    (each (n, w), or (K, n, w)): ``J(x_i) = S_L+1 diag(Ds_L[i]) S_L ... diag(Ds_1[i]) S_1``. ``x``: (n, dim)."""
    Ws, bs = _as_float64(model)
    x64 = x.detach().to(device=Ws[0].device, dtype=torch.float64)
    _, pre = mlp_forward(x64, Ws, bs, model.scales, model.act, return_preacts=True)
    Ds = [model.act.derivative(z) for z in pre]  # each (..., n, w)
    S = [W * s for W, s in zip(Ws, model.scales)]  # scaled weights, (out, in) or (K, out, in)
    return S, Ds


def reduced_jacobian(model: MLPAutoencoder | MLPEnsemble, x: Tensor) -> Tensor:
    """The ``m x m`` matrix (m = min(dim, width)) sharing the Jacobian's nonzero eigenvalues.

    ``x``: (n, dim), or (K, n, dim) for an ensemble. Returns float64 (n, m, m) or (K, n, m, m).
    When ``dim <= width`` this is the full Jacobian ``J(x)`` itself.
    """
    x = _check_points(model, x)
    squeeze = x.dim() == 1
    if squeeze:
        x = x[None]
    if x.dim() == 3 and model.weights[0].dim() == 2:
        raise ValueError("x of shape (K, n, dim) needs an MLPEnsemble")
    S, Ds = _factors(model, x)
    ens = S[0].dim() == 3

    def lift(M: Tensor) -> Tensor:  # (K, a, b) -> (K, 1, a, b) to broadcast over points
        return M.unsqueeze(-3) if ens else M

    if model.dim <= model.width:
        # full Jacobian J = W_out D_L W_L ... D_1 W_in  (n, d, d)
        M = Ds[0].unsqueeze(-1) * lift(S[0])  # (n, w, d)
        for D, W in zip(Ds[1:], S[1:-1]):
            M = D.unsqueeze(-1) * (lift(W) @ M)
        M = lift(S[-1]) @ M
    else:
        # B A = D_L W_L ... D_1 (W_in W_out)  (n, w, w)
        C = S[0] @ S[-1]  # (w, w) or (K, w, w)
        M = Ds[0].unsqueeze(-1) * lift(C)
        for D, W in zip(Ds[1:], S[1:-1]):
            M = D.unsqueeze(-1) * (lift(W) @ M)
    return M[0] if squeeze else M


def _with_float64(fn, x: Tensor, body: Callable):
    """``body(fn64, x64)``: ``fn`` with its parameters cast to float64 for the call (restored after), ``x`` in float64
    on their device."""
    x64 = x.detach().to(torch.float64)
    if not isinstance(fn, torch.nn.Module):
        return body(fn, x64)
    p0 = next(fn.parameters(), None)
    orig = p0.dtype if p0 is not None else None
    fn64 = fn.to(torch.float64)
    x64 = x64.to(p0.device if p0 is not None else x64.device)
    try:
        return body(fn64, x64)
    finally:
        if orig is not None:
            fn.to(orig)


def jacobian(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Full Jacobians of any differentiable map ``fn: (n, d) -> (n, d)`` by autograd.

    Evaluated in float64 (the map's parameters are cast on the fly when it is an nn.Module).
    ``x``: (n, d). Returns (n, d, d).
    """
    x = torch.as_tensor(x)
    if x.dim() == 1:
        x = x[None]
    return _with_float64(fn, x, lambda fn64, x64: torch.func.vmap(torch.func.jacrev(lambda v: fn64(v[None])[0]))(x64))


def _is_mlp(model) -> bool:
    return isinstance(model, (MLPAutoencoder, MLPEnsemble))


def jacobian_eigenvalues(model: Model, x: Tensor, method: str = "auto") -> Tensor:
    """Eigenvalues of ``J_f(x_i)`` for each row ``x_i`` of ``x``, sorted by modulus (largest first).

    ``method``: "shortcut" (MLPs; rank shortcut), "autograd" (any map; full d x d eig), "auto".
    Shortcut results have ``min(dim, width)`` entries per point: the remaining ``dim - width``
    eigenvalues of the rank-``width`` Jacobian are exactly zero. Returns complex128
    (n, m), or (K, n, m) for an ensemble. All eigenvalues, always by full decompositions: for the few of largest
    modulus use :func:`top_eigenvalues` or :func:`spectral_radius`.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}; accepted values: {list(METHODS)}")
    x = _check_points(model, x)
    if method == "auto":
        method = "shortcut" if _is_mlp(model) else "autograd"
    if method == "shortcut":
        if not _is_mlp(model):
            raise ValueError("method='shortcut' needs an MLPAutoencoder or MLPEnsemble; use method='autograd'")
        M = reduced_jacobian(model, x)
    else:
        if isinstance(model, MLPEnsemble):
            xs = x if x.dim() == 3 else x.expand(model.K, *x.shape)
            M = torch.stack([jacobian(model.member(k), xs[k]) for k in range(model.K)])
        else:
            M = jacobian(model, x if x.dim() > 1 else x[None])
            if x.dim() == 1:
                M = M[0]
    return sort_eigenvalues(torch.linalg.eigvals(M.detach()))


# ---------------------------------------------------------------- the iterative route: batched Arnoldi

Operator = Callable[[Tensor, Tensor], Tensor]  # (v (b, m), idx (b,)) -> M_idx v, float64 (b, m)


def _mlp_operator(model: MLPAutoencoder, x: Tensor) -> Operator:
    """``(v, idx) -> M_i v_i`` for the rank-shortcut matrices ``M_i`` of :func:`reduced_jacobian` at the points
    ``x[idx]``, without forming them: a chain of the layers' own matrices over the (b, m) block ``v``.
    ``x``: (n, dim) of a single model."""
    S, Ds = _factors(model, x)
    if model.dim > model.width:  # B A = D_L W_L ... D_1 (W_in W_out): w x w
        Ct = (S[0] @ S[-1]).T.contiguous()
        hidden = [W.T.contiguous() for W in S[1:-1]]

        def op(v: Tensor, idx: Tensor) -> Tensor:
            u = Ds[0][idx] * (v @ Ct)
            for D, Wt in zip(Ds[1:], hidden):
                u = D[idx] * (u @ Wt)
            return u
    else:  # J = W_out D_L W_L ... D_1 W_in: d x d
        Wt = [W.T.contiguous() for W in S]

        def op(v: Tensor, idx: Tensor) -> Tensor:
            u = Ds[0][idx] * (v @ Wt[0])
            for D, W in zip(Ds[1:], Wt[1:-1]):
                u = D[idx] * (u @ W)
            return u @ Wt[-1]
    return op


def _jvp_operator(fn: Callable[[Tensor], Tensor], x64: Tensor) -> Operator:
    """``(v, idx) -> J_fn(x_i) v_i`` by forward-mode autodiff, one point at a time under vmap (``fn`` in float64)."""
    def one(xi: Tensor, vi: Tensor) -> Tensor:
        return torch.func.jvp(lambda u: fn(u[None])[0], (xi,), (vi,))[1]

    batched = torch.func.vmap(one)

    def op(v: Tensor, idx: Tensor) -> Tensor:
        with warnings.catch_warnings():  # torch's forward-mode rules script helpers with the deprecated torch.jit
            warnings.filterwarnings("ignore", message=".*torch.jit.script.* is deprecated", category=DeprecationWarning)
            return batched(x64[idx], v).to(torch.float64)

    return op


def _checkpoints(m: int, p: int) -> list[int]:
    """Krylov dimensions at which convergence is checked: from ``_FIRST_CHECK`` up by ``_GROWTH`` to the budget
    ``max(_MIN_BUDGET, _MAX_FRACTION m)`` (at most m)."""
    k_max = min(m, max(_MIN_BUDGET, math.ceil(_MAX_FRACTION * m), 2 * p))
    ks = [min(k_max, max(_FIRST_CHECK, 2 * p))]
    while ks[-1] < k_max:
        ks.append(min(k_max, math.ceil(ks[-1] * _GROWTH)))
    return ks


def _ritz_check(H: Tensor, anorm: Tensor, p: int, rtol: float, gap: float) -> tuple[Tensor, Tensor, Tensor]:
    """Ritz values of the Arnoldi matrices and whether the ``p`` of largest modulus are certain.

    ``H``: (b, k + 1, k) upper Hessenberg; ``anorm``: (b,) the largest ``||M v_j||`` seen (an estimate of
    ``||M||``). Returns the top ``p`` Ritz values (b, p) complex128 sorted like :func:`sort_eigenvalues`,
    ``ok`` (b,) bool, and the residual bounds (b, p)."""
    k = H.shape[-1]
    theta, Y = torch.linalg.eig(H[:, :k, :k])
    beta = H[:, k, k - 1].abs()
    # |h_{k+1,k} e_k^T y|: the residual ||M x - theta x|| of the Ritz pair, plus the rounding of the Arnoldi relation
    res = beta[:, None] * Y[:, k - 1, :].abs() + k * _EPS * anorm[:, None]
    order = _sort_order(theta)
    theta, res = torch.gather(theta, -1, order), torch.gather(res, -1, order)
    mod = theta.abs()
    converged = res <= rtol * mod[:, :1]
    outer = mod + res >= (1 - gap) * mod[:, p - 1 : p]  # every Ritz value that might reach the wanted band
    ok = (converged | ~outer).all(-1) & torch.isfinite(theta).all(-1) & torch.isfinite(res).all(-1)
    return theta[:, :p], ok, res[:, :p]


def _grown(T: Tensor, rows: int, cols: int | None = None) -> Tensor:
    """``T`` (b, r, c...) zero-padded to ``rows`` (and ``cols`` on the last axis)."""
    shape = (T.shape[0], rows) + ((cols,) if cols is not None else tuple(T.shape[2:]))
    out = T.new_zeros(shape)
    out[:, : T.shape[1], : T.shape[2]] = T
    return out


def _arnoldi_step(op: Operator, Q: Tensor, H: Tensor, anorm: Tensor, idx: Tensor, j: int) -> Tensor:
    """Extend the Arnoldi factorisation ``M Q_j = Q_j+1 H_j`` of every active point by one column, in place.

    ``Q``: (b, cap + 1, m) orthonormal rows; ``H``: (b, cap + 1, cap); ``anorm``: (b,) largest ``||M q||`` so far.
    Returns the updated ``anorm``. A point whose new direction vanishes (the Krylov space is invariant: its Ritz
    values are exact eigenvalues) gets ``h_{j+2,j+1} = 0`` and a zero vector, which keeps it at that space."""
    w = op(Q[:, j], idx)
    an = torch.linalg.vector_norm(w, dim=-1)
    Qj = Q[:, : j + 1]
    h = torch.zeros(len(idx), j + 1, dtype=w.dtype, device=w.device)
    for _ in range(2):  # classical Gram-Schmidt, twice ("twice is enough")
        c = torch.bmm(w.unsqueeze(1), Qj.transpose(1, 2)).squeeze(1)  # (b, j + 1)
        w = w - torch.bmm(c.unsqueeze(1), Qj).squeeze(1)
        h = h + c
    beta = torch.linalg.vector_norm(w, dim=-1)
    invariant = beta <= _BREAKDOWN * an  # also M q = 0
    beta = torch.where(invariant, torch.zeros_like(beta), beta)
    H[:, : j + 1, j] = h
    H[:, j + 1, j] = beta
    Q[:, j + 1] = torch.where(invariant[:, None], torch.zeros_like(w), w / beta.clamp_min(1e-300)[:, None])
    return torch.maximum(anorm, an)


def _arnoldi_top(op: Operator, v0: Tensor, p: int, rtol: float, gap: float) -> tuple[Tensor, Tensor, Tensor]:
    """The ``p`` eigenvalues of largest modulus of ``b`` operators at once, by Arnoldi iteration with two passes of
    classical Gram-Schmidt, without restarts, checked at the Krylov dimensions of :func:`_checkpoints`; accepted
    points leave the batch at each check.

    ``v0``: (b, m) float64 start vectors. Returns the values (b, p) complex128 (zero where not accepted),
    ``accepted`` (b,) bool, and the Krylov dimension at acceptance (b,) int64 (0 where not accepted)."""
    b, m = v0.shape
    checks = _checkpoints(m, p)
    values = torch.zeros(b, p, dtype=torch.complex128, device=v0.device)
    accepted = torch.zeros(b, dtype=torch.bool, device=v0.device)
    kdim = torch.zeros(b, dtype=torch.int64, device=v0.device)
    idx = torch.arange(b, device=v0.device)  # the points still iterating
    Q = (v0 / torch.linalg.vector_norm(v0, dim=-1, keepdim=True)).unsqueeze(1)  # (b, 1, m) orthonormal rows
    H = v0.new_zeros(b, 1, 0)
    anorm = v0.new_zeros(b)
    j = 0
    for k in checks:
        Q, H = _grown(Q, k + 1), _grown(H, k + 1, k)  # room up to this check only: most points stop early
        while j < k:
            anorm = _arnoldi_step(op, Q, H, anorm, idx, j)
            j += 1
        theta, ok, _ = _ritz_check(H, anorm, p, rtol, gap)
        values[idx[ok]] = theta[ok]
        accepted[idx[ok]] = True
        kdim[idx[ok]] = k
        keep = ~ok
        if not bool(keep.any()):
            break
        idx, Q, H, anorm = idx[keep], Q[keep], H[keep], anorm[keep]
    return values, accepted, kdim


def _start_vectors(shape: tuple[int, ...], seed: int, device) -> Tensor:
    """Seeded standard normal start vectors, float64, drawn on the CPU (the same numbers on every device)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64).to(device)


def _chunks(n: int, per: int) -> list[slice]:
    per = max(1, per)
    return [slice(i, min(n, i + per)) for i in range(0, n, per)]


def _iterative(model, x: Tensor, v0: Tensor, p: int, rtol: float, gap: float) -> tuple[Tensor, Tensor, Tensor]:
    """Arnoldi on one model (an MLP's rank-shortcut operator, or any map's Jacobian by jvp), in chunks of points
    whose Krylov bases fit ``_BASIS_BYTES``. ``x``: (n, dim); ``v0``: (n, m). Returns :func:`_arnoldi_top`'s."""
    n, m = v0.shape
    per = _BASIS_BYTES // (8 * m * (_checkpoints(m, p)[-1] + 1))

    def run(op: Operator) -> tuple[Tensor, Tensor, Tensor]:
        parts = [_arnoldi_top(lambda v, i, s=sl.start: op(v, i + s), v0[sl], p, rtol, gap) for sl in _chunks(n, per)]
        return tuple(torch.cat(t) for t in zip(*parts))  # type: ignore[return-value]

    if _is_mlp(model):
        return run(_mlp_operator(model, x))
    return _with_float64(model, x, lambda fn64, x64: run(_jvp_operator(fn64, x64)))


def _dense_top(model, x: Tensor, p: int) -> Tensor:
    """The ``p`` eigenvalues of largest modulus by full decompositions (the rank shortcut for an MLP, autograd
    otherwise), in chunks of points whose intermediates fit ``_DENSE_BYTES``. ``x``: (b, dim) -> (b, p)."""
    if _is_mlp(model):
        per = _DENSE_BYTES // (8 * model.width * max(model.dim, model.width))
        method = "shortcut"
    else:
        per, method = _DENSE_BYTES // (8 * x.shape[-1] ** 2 * 4), "autograd"
    return torch.cat([jacobian_eigenvalues(model, x[sl], method=method)[:, :p] for sl in _chunks(len(x), per)])


@dataclass(frozen=True)
class SpectralReport:
    """How :func:`spectral_radius` / :func:`top_eigenvalues` got their answer, point by point.

    ``values``: the result (the radius, float64 (n,) or (K, n); or the top eigenvalues, complex128 (..., k));
    ``route``: the route taken ("shortcut", "autograd": full decompositions; "iterative": Arnoldi with fallback);
    ``iterative``: bool, same shape as the points: True where the Arnoldi answer was kept, False where the full
    decomposition gave it; ``krylov_dim``: int64, the Krylov dimension at acceptance (0 where full);
    ``fallback``: counts of points given to the full route, by reason ("not certain", "near a threshold").
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
    return min(model.dim, model.width) if _is_mlp(model) else x.shape[-1]


def _route(model, method: str, m: int) -> str:
    method = V.choice("method", method, SPECTRAL_METHODS)
    mlp = _is_mlp(model)
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
    x = _check_points(model, x)
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
    (K, n, k) for an ensemble, sorted like :func:`jacobian_eigenvalues` (whose first ``k`` columns they are, to
    about 1e-10 relative; eigenvalues whose moduli agree to ~1e-12, e.g. ``+-lambda``, may come in either order,
    and a ``k`` that splits such a group may end on either member).

    ``method`` and the rule that decides when the iterative answer is kept: see :func:`spectral_radius` (here no
    threshold applies). ``return_report``: a :class:`SpectralReport` instead (``.values`` holds the eigenvalues).
    """
    rep = _top(model, x, k, method, seed, (), 0.0, ARNOLDI_RTOL, ARNOLDI_GAP)
    return rep if V.flag("return_report", return_report) else rep.values


def spectral_radius(model: Model, x: Tensor, method: str = "auto", *, exact_near: Sequence[float] = (1.0,),
                    exact_margin: float = EXACT_MARGIN, seed: int = 0,
                    return_report: bool = False) -> Tensor | SpectralReport:
    """Largest eigenvalue modulus of the Jacobian at each row of ``x``: float64 (n,) or (K, n).

    ``method``:

    - ``"shortcut"`` (MLPs) / ``"autograd"`` (any map): all eigenvalues of each point's matrix by a full
      decomposition (:func:`jacobian_eigenvalues`), O(m^3) per point;
    - ``"iterative"``: batched Arnoldi iteration (float64) on the same matrices, all points at once, from seeded
      random start vectors (``seed``; the same seed gives the same numbers), using only products with them: for an
      MLP the rank-shortcut matrix applied as a chain of its layers' matrices, for any other map Jacobian-vector
      products by forward-mode autodiff; the points whose answer is not certain get the full decomposition;
    - ``"dense"``: the full decomposition by the route that fits the model ("shortcut" for MLPs);
    - ``"auto"`` (default): ``"iterative"`` for MLPs from ``m = min(dim, width) >= ITERATIVE_MIN_SIZE`` (where it
      was measured to be faster, ``make bench``), ``"shortcut"`` below, ``"autograd"`` for other maps.

    When the iterative answer is kept. Arnoldi iteration builds an orthonormal basis ``Q_k`` of the Krylov space of
    ``M`` and a start vector and the k x k Hessenberg matrix ``H_k = Q_k^T M Q_k``; its eigenvalues (Ritz values)
    ``theta_j`` approximate eigenvalues of ``M``, with the residual ``r_j = |h_{k+1,k} e_k^T y_j|`` (plus the
    rounding ``k eps max_j ||M q_j||``) of the Ritz pair ``(theta_j, Q_k y_j)``. At Krylov dimensions 20, 26, 34,
    ... up to ``max(64, m / 4)``, a point's answer ``|theta_1|`` is kept when

    1. the top Ritz value has ``r_1 <= ARNOLDI_RTOL |theta_1|`` (1e-10): ``theta_1`` is then an exact eigenvalue of
       some ``M + E`` with ``||E|| <= 1e-10 |theta_1|``; and
    2. every Ritz value that might still reach the top (``|theta_j| + r_j >= (1 - ARNOLDI_GAP) |theta_1|``) has
       converged in the same sense: no unconverged Ritz value lies within a relative ``ARNOLDI_GAP`` (5 %) of the
       top modulus, so a near-tie between the top and a direction not yet resolved is never decided early (ties
       among converged values, such as a complex pair or ``+-lambda``, share the modulus and are fine);
    3. and ``|theta_1|`` lies farther than ``exact_margin`` from every value in ``exact_near`` (the values at which
       the caller's verdicts flip).

    Otherwise (not certain after the budget, or near a threshold) the point gets the full decomposition.

    What "certain" means for a non-normal ``M``: a Ritz value with a small residual is an eigenvalue of a nearby
    matrix; its distance to the eigenvalue of ``M`` is up to that eigenvalue's condition number times the residual.
    Between an accepted radius and the nearest value at which a verdict flips lie at least 1e-3 (the default margin
    covers 1 +- 1e-3 with 1e-3 to spare), so a verdict could differ only for a condition number above
    1e-3 / 1e-10 = 1e7, where the full decomposition itself keeps no more than 8 or 9 digits (trained and initial
    784-d ReLU nets of width 512 had condition numbers of 3 to 7 at their top eigenvalue, in a probe). Unconverged Ritz values, which
    for a non-normal matrix may lie outside the spectrum (in its field of values), only force more iterations or the
    fallback (rule 2). What no Krylov method can certify is the absence of an eigenvalue whose eigenvector the start
    vector misses: a random start vector has a nonzero component along every eigenvector with probability one (of
    order ``1 / sqrt(m)`` typically), and the Krylov space then resolves the dominant ones first; this rests on that
    randomness, not on a bound. A Krylov space that becomes invariant (breakdown, e.g. a rank-deficient Jacobian)
    gives exact eigenvalues.

    ``exact_near`` / ``exact_margin``: by default 1 and 2e-3, which covers the threshold 1 and the borderline band
    ``1 +- BORDERLINE_RADIUS`` of :func:`attractor_utils.classify_attractors` with 1e-3 to spare;
    ``classify_attractors`` passes its own thresholds. ``return_report``: a :class:`SpectralReport` instead
    (``.values`` the radii, which points were iterative, Krylov dimensions, fallback counts).

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
    sequence = _check_points(model, sequence)
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
