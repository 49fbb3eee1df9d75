"""The infinite-width (NTK) limit of a trained autoencoder and its Jacobian at the training points.

The limit's map and Jacobian are in docs/methods.md. ``(f_0(X), J_0(X))`` are drawn from their Gaussian (seeded),
so the spectra come as a distribution over initialisations; :func:`limit_jacobians` also takes a finite network's
own ``f_0(X)``, ``J_0(X)``.
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import validate as V
from .kernels import KernelJets, kernel_jets


class LimitModel:
    """The infinite-width network of one recipe on training points ``X`` (n, dim), float64: the kernels and the
    joint covariance of the initial outputs and Jacobians at ``X``."""

    def __init__(self, X: Tensor, kj: KernelJets):
        self.X, self.kj = X, kj
        n, d = X.shape
        self.n, self.dim = n, d
        m = kj.matrix
        self.theta = m("Theta")
        # d Theta(x_m, x_j) / d x_m = 2 Theta_p x_m + Theta_r x_j : (n, n, dim)
        self.dtheta = 2 * m("Theta", "grad", (0,))[:, :, None] * X[:, None, :] \
            + m("Theta", "grad", (2,))[:, :, None] * X[None, :, :]
        self.cov = self._covariance()

    def _covariance(self) -> Tensor:
        """Covariance (n + n dim, n + n dim) of ``[f(x_1..x_n), grad f(x_1), ..., grad f(x_n)]`` for one output."""
        X, m, n, d = self.X, self.kj.matrix, self.n, self.dim
        K = m("K")
        Kq, Kr = m("K", "grad", (1,)), m("K", "grad", (2,))
        # Cov(f(x_i), d_b f(x_m)) = 2 K_q(i, m) x_m,b + K_r(i, m) x_i,b
        fg = 2 * Kq[:, :, None] * X[None, :, :] + Kr[:, :, None] * X[:, None, :]            # (i, m, b)
        Hpq, Hpr, Hqr, Hrr = (m("K", "hess", ix) for ix in ((0, 1), (0, 2), (1, 2), (2, 2)))
        eye = torch.eye(d, dtype=torch.float64)
        # Cov(d_a f(x_m), d_b f(x_p)) = K_r d_ab + 4 K_pq x_m,a x_p,b + 2 K_pr x_m,a x_m,b + 2 K_qr x_p,a x_p,b
        #                               + K_rr x_p,a x_m,b  (kernel at (x_m, x_p))
        gg = (Kr[:, None, :, None] * eye[None, :, None, :]
              + 4 * Hpq[:, None, :, None] * X[:, :, None, None] * X[None, None, :, :]
              + 2 * Hpr[:, None, :, None] * X[:, :, None, None] * X[:, None, None, :]
              + 2 * Hqr[:, None, :, None] * X.T[None, :, :, None] * X[None, None, :, :]
              + Hrr[:, None, :, None] * X.T[None, :, :, None] * X[:, None, None, :])          # (m, a, p, b)
        N = n + n * d
        cov = torch.empty(N, N, dtype=torch.float64)
        cov[:n, :n] = K
        cov[:n, n:] = fg.reshape(n, n * d)
        cov[n:, :n] = fg.reshape(n, n * d).T
        cov[n:, n:] = gg.reshape(n * d, n * d)
        return (cov + cov.T) / 2

    def factor(self) -> Tensor:
        """A square root ``L`` of the covariance (``L L^T = cov``): Cholesky, or where the covariance is singular
        (e.g. a linear network, whose Jacobian is one matrix at every point) its eigen-decomposition with the
        eigenvalues below rounding (1e-12 of the largest) set to zero, so that degenerate directions stay exact."""
        L, info = torch.linalg.cholesky_ex(self.cov)
        if int(info) == 0:
            return L
        w, Q = torch.linalg.eigh(self.cov)
        w = torch.where(w > 1e-12 * w.max(), w, torch.zeros_like(w))
        return Q * torch.sqrt(w)[None, :]


def limit_model(X: Tensor, activation: str = "sigmoid", depth: int = 1, bias: bool = False) -> LimitModel:
    """The infinite-width network of an MLP autoencoder (NTK parameterisation, ``depth`` hidden layers) on the
    training points ``X`` (n, dim)."""
    X = V.points("X", X, None, (2,)).to(torch.float64).cpu()
    return LimitModel(X, kernel_jets(X, activation, depth, bias))


def initial_values(lm: LimitModel, draws: int, seed: int = 0) -> tuple[Tensor, Tensor]:
    """``draws`` seeded samples of the initial network at the training points: ``f_0(X)`` (draws, n, dim) and
    ``J_0(X)`` (draws, n, dim, dim), ``J_0[.., m, k, a] = d f_k / d x_a`` at ``x_m``; output coordinates independent."""
    draws = V.integer("draws", draws, 1)
    n, d = lm.n, lm.dim
    gen = torch.Generator().manual_seed(V.seed("seed", seed))
    z = torch.randn(n + n * d, draws * d, generator=gen, dtype=torch.float64)
    g = (lm.factor() @ z).reshape(n + n * d, draws, d)                    # (entry, draw, output k)
    F0 = g[:n].permute(1, 0, 2)                                            # (draw, n, k)
    J0 = g[n:].reshape(n, d, draws, d).permute(2, 0, 3, 1)                 # (draw, m, k, a)
    return F0.contiguous(), J0.contiguous()


def limit_jacobians(lm: LimitModel, F0: Tensor, J0: Tensor, Y: Tensor | None = None) -> Tensor:
    """The limit's Jacobians at the training points, (draws, n, dim, dim), for initial values ``F0`` (draws, n,
    dim) and ``J0`` (draws, n, dim, dim) and targets ``Y`` (n, dim; ``None``: the inputs, an autoencoder)."""
    Y = lm.X if Y is None else V.points("Y", Y, lm.dim, (2,)).to(torch.float64)
    n, d = lm.n, lm.dim
    if Y.shape != (n, d) or F0.dim() != 3 or F0.shape[1:] != (n, d) or J0.shape != F0.shape + (d,):
        raise ValueError(f"Y {tuple(Y.shape)}, F0 {tuple(F0.shape)}, J0 {tuple(J0.shape)}: expected ({n}, {d}), "
                         f"(draws, {n}, {d}) and (draws, {n}, {d}, {d})")
    F0, J0 = F0.to(torch.float64), J0.to(torch.float64)
    D = F0.shape[0]
    R = (Y[None] - F0).permute(1, 0, 2).reshape(n, D * d)                 # one solve for every draw and output
    # least squares (minimum norm): Theta(X, X) is singular where the kernel has too few features (a linear
    # network with n > dim), and the interpolant is then the minimum-norm one
    C = torch.linalg.lstsq(lm.theta, R, driver="gelsd").solution.reshape(n, D, d).permute(1, 0, 2)  # (draw, j, k)
    # sum_j C[draw, j, k] dtheta[m, j, a] as one matrix product: (draw k, j) @ (j, m a)
    corr = C.transpose(1, 2).reshape(D * d, n) @ lm.dtheta.permute(1, 0, 2).reshape(n, n * d)
    return J0 + corr.reshape(D, d, n, d).permute(0, 2, 1, 3)

