"""The infinite-width NNGP and NTK kernels of the package's MLP (NTK parameterisation), with input derivatives:

    K^1 = x.x' / dim                    Theta^1 = K^1 + beta
    K^{l+1} = E[phi(u) phi(v)]          Theta^{l+1} = K^{l+1} + beta + Theta^l E[phi'(u) phi'(v)]

with ``(u, v)`` Gaussian with covariance ``K^l`` at ``(x, x')``, ``beta = 1`` with biases (which start at zero), else
0, and the outputs at ``l = depth + 1``. A :class:`Jet` carries a kernel with its derivatives in
``(|x|^2, |x'|^2, x.x')``; the expectations and their accuracy, in float64: docs/methods.md. ReLU: closed forms.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from numpy.polynomial import Polynomial as P
from torch import Tensor

from . import validate as V

KERNEL_ACTIVATIONS = ("sigmoid", "tanh", "erf", "linear", "relu")
JACOBIAN_ACTIVATIONS = KERNEL_ACTIVATIONS[:-1]   # with input derivatives: relu's are not functions at equal points
_ORDER = 3          # derivatives of the activation used (the Hessians of K in (p, q, r) need the 3rd)
_SPAN = 8.0         # the rule integrates standard normals over [-_SPAN, _SPAN] (weight outside: 1e-15)
_KAPPA = {"sigmoid": 0.6, "tanh": 0.25, "erf": 0.35, "linear": 2.0}   # rule step times the standard deviation
_TERMS = 400        # Mehler terms: at |correlation| <= _RHO_CUT the tail is below 1e-13 (0.89^400 * 400^3)
_RHO_CUT = 0.89
_MIN_SD = 0.05      # below it the derivative shift (division by sd^order) amplifies rounding: rules instead


def _chain(p0: P, dz: P, order: int) -> list[P]:
    """Polynomials ``P_k`` with ``phi^(k)(z) = P_k(y)`` where ``y`` is the base function and ``dy/dz = dz(y)``."""
    out = [p0]
    for _ in range(order):
        out.append(out[-1].deriv() * dz)
    return out


_POLY = {  # activation -> (base function of z, polynomials of the derivatives in the base's value)
    "sigmoid": (torch.sigmoid, _chain(P([0, 1]), P([0, 1, -1]), _ORDER)),
    "tanh": (torch.tanh, _chain(P([0, 1]), P([1, 0, -1]), _ORDER)),
}


def _erf_derivs(z: Tensor, order: int) -> list[Tensor]:
    """erf and its derivatives: ``erf^(k)(z) = Q_k(z) exp(-z^2)``, ``Q_1 = 2/sqrt(pi)``, ``Q_{k+1} = Q_k' - 2 z Q_k``."""
    g = torch.exp(-z * z)
    out, q = [torch.erf(z)], P([2 / math.sqrt(math.pi)])
    for _ in range(order):
        out.append(_horner(q, z) * g)
        q = q.deriv() - P([0, 2]) * q
    return out


def _horner(p: P, y: Tensor) -> Tensor:
    """The polynomial ``p`` at every entry of ``y``."""
    c = p.coef
    acc = torch.full_like(y, float(c[-1]))
    for a in c[-2::-1]:
        acc = acc * y + float(a)
    return acc


def _derivs(act: str, z: Tensor, order: int) -> list[Tensor]:
    """``[phi(z), phi'(z), ..., phi^(order)(z)]`` (each the shape of ``z``)."""
    if act == "erf":
        return _erf_derivs(z, order)
    if act == "linear":
        return [z, torch.ones_like(z)] + [torch.zeros_like(z)] * (order - 1)
    base, polys = _POLY[act]
    y = base(z)
    return [_horner(p, y) for p in polys[: order + 1]]


def _relu_moments(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    """Arc-cosine closed forms (Cho & Saul 2009): ``E[relu(u) relu(v)]`` and ``E[relu'(u) relu'(v)]``, as (P, 2, 2)
    with the unavailable mixed orders NaN."""
    ab = torch.sqrt(a * b)
    cos = torch.clamp(c / ab, -1.0, 1.0)
    th = torch.arccos(cos)
    m = torch.full(a.shape + (2, 2), float("nan"), dtype=a.dtype)
    m[..., 0, 0] = ab / (2 * math.pi) * (torch.sin(th) + (math.pi - th) * cos)
    m[..., 1, 1] = (math.pi - th) / (2 * math.pi)
    return m


def _grid(h: float, span: float) -> tuple[Tensor, Tensor]:
    """Trapezoidal nodes on [-span, span] and their weights under the standard normal density."""
    s = torch.arange(-span, span + h / 2, h, dtype=torch.float64)
    s = s - s.mean()
    return s, h * torch.exp(-s * s / 2) / math.sqrt(2 * math.pi)


def _step(act: str, sd: float) -> float:
    """The rules' step in units of a standard normal, for a largest standard deviation ``sd``."""
    return min(0.25, _KAPPA[act] / max(sd, 1e-300))


def _moments_2d(act: str, sd_a: Tensor, m_s: Tensor, tau: Tensor, order: int) -> Tensor:
    """Two-dimensional rule over ``u = sd_a s``, ``v = m_s s + tau t`` ((P,) each): (P, order + 1, order + 1)."""
    s, w = _grid(_step(act, float(torch.maximum(sd_a, torch.sqrt(m_s ** 2 + tau ** 2)).max())), _SPAN)
    res = torch.empty(len(sd_a), order + 1, order + 1, dtype=torch.float64)
    chunk = max(1, int(4e6 // (len(s) ** 2)))
    for lo in range(0, len(sd_a), chunk):
        sl = slice(lo, lo + chunk)
        fu = torch.stack(_derivs(act, sd_a[sl, None] * s, order), -1) * w[None, :, None]         # (C, Ns, i)
        v = m_s[sl, None, None] * s[None, :, None] + tau[sl, None, None] * s[None, None, :]       # (C, Ns, Nt)
        inner = torch.einsum("cstj,t->csj", torch.stack(_derivs(act, v, order), -1), w)
        res[sl] = torch.einsum("csi,csj->cij", fu, inner)
    return res


def _hermite_coefficients(act: str, sd: Tensor, K: int) -> Tensor:
    """``alpha[p, k] = E[phi(sd_p s) h_k(s)]``, ``s ~ N(0, 1)``, ``h_k = He_k / sqrt(k!)`` the orthonormal Hermite
    polynomials, ``k < K``: (len(sd), K). By the trapezoidal rule on the Hermite functions (stable recurrence)."""
    span = 2 * math.sqrt(K) + 10
    h = min(0.03, _KAPPA[act] / float(sd.max()))
    s = torch.arange(-span, span + h / 2, h, dtype=torch.float64)
    f = _derivs(act, sd[:, None] * s[None, :], 0)[0] * (h / (2 * math.pi) ** 0.25) * torch.exp(-s * s / 4)
    psi_prev, psi = torch.zeros_like(s), torch.exp(-s * s / 4) / (2 * math.pi) ** 0.25   # psi_k = h_k e^{-s^2/4} (2 pi)^-1/4
    out = torch.empty(len(sd), K, dtype=torch.float64)
    for k in range(K):
        out[:, k] = f @ psi
        psi_prev, psi = psi, (s * psi - math.sqrt(k) * psi_prev) / math.sqrt(k + 1)
    return out


def _moments_mehler(alpha: Tensor, beta: Tensor, sd_a: Tensor, sd_b: Tensor, rho: Tensor, order: int) -> Tensor:
    """Mehler's expansion ``E[F(s1) G(s2)] = sum_k rho^k E[F h_k] E[G h_k]`` with the derivative shift
    ``E[phi^(i)(sd s) h_k(s)] = sd^-i sqrt((k+1)...(k+i)) alpha_{k+i}``: (P, order + 1, order + 1)."""
    K = alpha.shape[1] - order
    k = torch.arange(K, dtype=torch.float64)
    powers = rho[:, None] ** k[None, :]                                                        # (P, K)
    shifted = []
    for coef, sd in ((alpha, sd_a), (beta, sd_b)):
        rows = [coef[:, :K]]
        rising = torch.ones(K, dtype=torch.float64)
        for i in range(1, order + 1):
            rising = rising * (k + i)
            rows.append(coef[:, i: i + K] * torch.sqrt(rising) / sd[:, None] ** i)
        shifted.append(torch.stack(rows, 1))                                                    # (P, i, K)
    return torch.einsum("pik,pjk,pk->pij", shifted[0], shifted[1], powers)


def gauss_moments(activation: str, a: Tensor, b: Tensor, c: Tensor, order: int = _ORDER) -> Tensor:
    """``M[..., i, j] = E[phi^(i)(u) phi^(j)(v)]`` for ``(u, v) ~ N(0, [[a, c], [c, b]])``, ``i, j <= order``.

    ``a, b, c``: (P,) each, ``0 < a, b``, ``c^2 <= a b``; ``order <= 3`` (ReLU: closed forms, ``order <= 1``).
    Returns (P, order + 1, order + 1), float64.

    >>> a = torch.tensor([2.0], dtype=torch.float64)
    >>> m = gauss_moments("linear", a, a, 0.5 * a, order=1)
    >>> [round(float(v), 12) for v in m[0].flatten()]
    [1.0, 0.0, 0.0, 1.0]
    """
    act = V.choice("activation", activation, KERNEL_ACTIVATIONS)
    order = V.integer("order", order, 0)
    if order > _ORDER:
        raise ValueError(f"order={order}: accepted values 0 to {_ORDER}")
    a, b, c = (torch.as_tensor(t, dtype=torch.float64).reshape(-1) for t in (a, b, c))
    if not bool((a > 0).all() and (b > 0).all()):
        raise ValueError("a, b: the variances must be positive (a point at the origin has no direction)")
    if act == "relu":
        if order > 1:
            raise ValueError(f"order={order}: relu's derivatives past the first are not functions; "
                             "accepted: order <= 1 (kernel values only)")
        return _relu_moments(a, b, c)[..., : order + 1, : order + 1]
    sd_a, sd_b = torch.sqrt(a), torch.sqrt(b)
    rho = torch.clamp(c / (sd_a * sd_b), -1.0, 1.0)
    line = rho.abs() >= 1 - 1e-12                       # equal (or opposite) directions
    mehler = ~line & (rho.abs() <= _RHO_CUT) & (torch.minimum(sd_a, sd_b) >= _MIN_SD)
    out = torch.empty(len(a), order + 1, order + 1, dtype=torch.float64)
    if bool(mehler.any()):                              # Hermite coefficients once per distinct standard deviation
        sa, sb = sd_a[mehler], sd_b[mehler]
        sds, inv = torch.unique(torch.cat([sa, sb]), return_inverse=True)
        coef = _hermite_coefficients(act, sds, _TERMS + order)
        out[mehler] = _moments_mehler(coef[inv[: len(sa)]], coef[inv[len(sa):]], sa, sb, rho[mehler], order)
    if bool(line.any()):
        sign = torch.sign(rho[line])
        s, w = _grid(_step(act, float(torch.maximum(sd_a[line], sd_b[line]).max())), _SPAN)
        fu = torch.stack(_derivs(act, sd_a[line, None] * s, order), -1) * w[None, :, None]
        gv = torch.stack(_derivs(act, (sign * sd_b[line])[:, None] * s, order), -1)
        out[line] = torch.einsum("psi,psj->pij", fu, gv)
    rest = ~(mehler | line)
    if bool(rest.any()):
        tau = torch.sqrt(torch.clamp(b[rest] - c[rest] ** 2 / a[rest], min=0.0))
        out[rest] = _moments_2d(act, sd_a[rest], c[rest] / sd_a[rest], tau, order)
    return out


@dataclass
class Jet:
    """A kernel's value ``(P,)`` with its gradient ``(P, m)`` and Hessian ``(P, m, m)`` (``None``: not carried) in
    ``m`` input coordinates: ``(p, q, r)`` for a pair of points, ``(p,)`` for a point with itself."""

    value: Tensor
    grad: Tensor | None = None
    hess: Tensor | None = None


def _through(M: Tensor, i: int, j: int, A: Jet, B: Jet, C: Jet, second: bool) -> Jet:
    """The jet of ``E[phi^(i)(u) phi^(j)(v)]`` at covariance jets ``(A, B, C)`` = ``(a, b, c)``, from the moments
    ``M`` (Price's theorem for its partial derivatives in ``a``, ``b``, ``c``).

    The Hessian leaves out ``d^2/dp^2`` and ``d^2/dq^2`` (NaN): they would need 4th derivatives of the activation,
    and the input derivatives used here (``d^2 K / dx dx'``) need only the mixed entries, which do not depend on
    them (a point's own variance ``a`` moves with ``p`` alone)."""
    val = M[:, i, j]
    if A.grad is None:
        return Jet(val)
    da, db, dc = M[:, i + 2, j] / 2, M[:, i, j + 2] / 2, M[:, i + 1, j + 1]
    g = da[:, None] * A.grad + db[:, None] * B.grad + dc[:, None] * C.grad
    if not second:
        return Jet(val, g)
    H = dc[:, None, None] * C.hess
    sec = {("c", "c"): M[:, i + 2, j + 2], ("a", "b"): M[:, i + 2, j + 2] / 4,
           ("a", "c"): M[:, i + 3, j + 1] / 2, ("b", "c"): M[:, i + 1, j + 3] / 2}
    grads = {"a": A.grad, "b": B.grad, "c": C.grad}
    for (x, y), gxy in sec.items():
        outer = grads[x][:, :, None] * grads[y][:, None, :]
        H = H + gxy[:, None, None] * (outer if x == y else outer + outer.transpose(1, 2))
    H[:, 0, 0] = H[:, 1, 1] = float("nan")
    return Jet(val, g, H)


def _embed(value: Tensor, grad: Tensor, slot: int) -> Jet:
    """A point's own-kernel value (P,) and derivative in ``p`` (P, 1) as a jet in ``(p, q, r)`` at ``slot``."""
    g = torch.zeros(len(value), 3, dtype=torch.float64)
    g[:, slot] = grad[:, 0]
    return Jet(value, g)


@dataclass
class KernelJets:
    """The output kernels of the pairs ``(i, j)`` of ``n`` points: ``K`` (NNGP) with Hessian, ``Theta`` (NTK)
    with gradient, each over the ``n (n + 1) / 2`` pairs ``i >= j`` (``pairs``: (P, 2) indices), in ``(p, q, r)``
    with ``x_i`` the first argument."""

    pairs: Tensor
    K: Jet
    Theta: Jet

    def matrix(self, which: str, part: str = "value", index: tuple[int, ...] = ()) -> Tensor:
        """The (n, n) matrix of one part: ``which`` in ``"K"``, ``"Theta"``; ``part`` ``"value"``, ``"grad"`` or
        ``"hess"`` with ``index`` the coordinates (0 p, 1 q, 2 r) of the first argument ``x_i``."""
        if which not in ("K", "Theta") or part not in ("value", "grad", "hess"):
            raise ValueError(f"which={which!r}, part={part!r}: accepted which 'K', 'Theta'; part 'value', 'grad', "
                             "'hess'")
        jet = getattr(self, which)
        swap = {0: 1, 1: 0, 2: 2}
        full = getattr(jet, part)
        if full is None:
            raise ValueError(f"{which} carries no {part}: Theta has a gradient only, and kernels computed with "
                             "derivatives=False have values only")
        lower = full if part == "value" else full[(slice(None),) + tuple(index)]
        upper = lower if part == "value" else full[(slice(None),) + tuple(swap[k] for k in index)]
        n = int(self.pairs.max()) + 1
        out = torch.empty(n, n, dtype=torch.float64)
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        out[i, j] = lower
        out[j, i] = upper   # on the diagonal the two agree (a kernel is symmetric in its arguments)
        return out


def kernel_jets(X: Tensor, activation: str = "sigmoid", depth: int = 1, bias: bool = False,
                derivatives: bool = True) -> KernelJets:
    """The NNGP and NTK of the outputs over all pairs of the points ``X`` (n, dim), with input derivatives
    (``derivatives=False``: values only, needed for ReLU).

    >>> X = torch.eye(3, dtype=torch.float64)
    >>> kj = kernel_jets(X, "linear", depth=1)      # linear: K = x.x'/dim, Theta = 2 x.x'/dim
    >>> [round(v, 12) for v in kj.matrix("Theta")[0].tolist()]
    [0.666666666667, 0.0, 0.0]
    """
    X = V.points("X", X, None, (2,)).to(torch.float64).cpu()
    act = V.choice("activation", activation, KERNEL_ACTIVATIONS)
    depth = V.integer("depth", depth, 1)
    beta = 1.0 if V.flag("bias", bias) else 0.0
    if derivatives and act == "relu":
        raise ValueError("derivatives=True: relu's kernel has no second input derivatives at equal points; "
                         "use derivatives=False (kernel values) or activation in "
                         f"{list(JACOBIAN_ACTIVATIONS)}")
    n, dim = X.shape
    zero = torch.nonzero((X * X).sum(1) == 0).flatten()
    if len(zero):
        raise ValueError(f"X: row(s) {zero.tolist()} are the origin, where the kernels' variance is 0; "
                         "every point needs a nonzero norm")
    pairs = torch.tril_indices(n, n).T                                  # (P, 2), i >= j
    i, j = pairs[:, 0], pairs[:, 1]
    own = i == j                                                        # in the order of the points
    sq = (X * X).sum(1)
    C = Jet((X[i] * X[j]).sum(1) / dim)                                 # K^1 = x.x'/dim
    diag = Jet(sq / dim)
    if derivatives:
        C.grad = torch.zeros(len(pairs), 3, dtype=torch.float64)
        C.grad[:, 2] = 1.0 / dim
        C.hess = torch.zeros(len(pairs), 3, 3, dtype=torch.float64)
        diag.grad = torch.full((n, 1), 1.0 / dim, dtype=torch.float64)
    T = Jet(C.value + beta, None if C.grad is None else C.grad.clone())
    for _ in range(depth):
        if derivatives:
            A, B = _embed(diag.value[i], diag.grad[i], 0), _embed(diag.value[j], diag.grad[j], 1)
        else:
            A, B = Jet(diag.value[i]), Jet(diag.value[j])
        M = gauss_moments(act, A.value, B.value, C.value, _ORDER if derivatives else 1)
        v11 = _through(M, 1, 1, A, B, C, second=False)
        newC = _through(M, 0, 0, A, B, C, second=derivatives)
        T = Jet(newC.value + beta + T.value * v11.value,
                None if T.grad is None else newC.grad + T.grad * v11.value[:, None] + T.value[:, None] * v11.grad)
        # a point with itself: the same moments, a function of p alone (a, b and c all move with p)
        diag = _through(M[own], 0, 0, diag, diag, diag, second=False) if derivatives else Jet(M[own][:, 0, 0])
        C = newC
    return KernelJets(pairs, C, T)


def nngp(X: Tensor, activation: str = "sigmoid", depth: int = 1, bias: bool = False) -> Tensor:
    """The outputs' NNGP kernel matrix ``K(X, X)`` (n, n), float64."""
    return kernel_jets(X, activation, depth, bias, derivatives=False).matrix("K")


def ntk(X: Tensor, activation: str = "sigmoid", depth: int = 1, bias: bool = False) -> Tensor:
    """The outputs' neural tangent kernel matrix ``Theta(X, X)`` (n, n), float64."""
    return kernel_jets(X, activation, depth, bias, derivatives=False).matrix("Theta")
