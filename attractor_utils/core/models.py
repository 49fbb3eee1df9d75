"""Fully connected autoencoders: activations, initialisation schemes, single models and ensembles.

Shapes: inputs are ``(n, dim)`` for a single model and ``(n, dim)`` or ``(K, n, dim)`` for an
ensemble of ``K`` models; hidden layers all have ``width`` units; ``depth`` counts hidden layers
(Jiang & Pehlevan's "L-layer" network has ``depth = L - 1``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

from . import validate as V


def default_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else CUDA when available, else CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def as_input(f, x: Tensor) -> Tensor:
    """``x`` on the device and in the dtype of ``f``'s parameters when ``f`` is a torch module that has
    parameters; ``x`` unchanged otherwise (a plain function, a parameter-free module).

    >>> m = MLPAutoencoder(3, 4, dtype=torch.float64)
    >>> as_input(m, torch.zeros(2, 3)).dtype
    torch.float64
    """
    p = next(f.parameters(), None) if isinstance(f, nn.Module) else None
    return x if p is None else x.to(device=p.device, dtype=p.dtype)


@dataclass(frozen=True)
class Activation:
    """An elementwise nonlinearity with its derivative (``deriv=None``: derived by autograd)."""

    name: str
    fn: Callable[[Tensor], Tensor]
    deriv: Callable[[Tensor], Tensor] | None = None

    def __call__(self, z: Tensor) -> Tensor:
        return self.fn(z)

    def derivative(self, z: Tensor) -> Tensor:
        """Elementwise derivative at ``z`` (same shape as ``z``)."""
        if self.deriv is not None:
            return self.deriv(z)
        with torch.enable_grad():
            zz = z.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self.fn(zz).sum(), zz)
        return g


_LEAKY = 0.01
_SELU_A, _SELU_L = 1.6732632423543772, 1.0507009873554805


def _sig_d(z: Tensor) -> Tensor:
    s = torch.sigmoid(z)
    return s * (1 - s)


def _swish_d(z: Tensor) -> Tensor:
    s = torch.sigmoid(z)
    return s + z * s * (1 - s)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("relu", torch.relu, lambda z: (z > 0).to(z.dtype)),
        Activation(
            "leaky_relu",
            lambda z: torch.nn.functional.leaky_relu(z, _LEAKY),
            lambda z: torch.where(z > 0, torch.ones_like(z), torch.full_like(z, _LEAKY)),
        ),
        Activation(
            "selu",
            torch.selu,
            lambda z: torch.where(z > 0, torch.full_like(z, _SELU_L), _SELU_L * _SELU_A * torch.exp(z)),
        ),
        Activation("swish", lambda z: z * torch.sigmoid(z), _swish_d),
        Activation("sigmoid", torch.sigmoid, _sig_d),
        Activation("tanh", torch.tanh, lambda z: 1 - torch.tanh(z) ** 2),
        Activation("erf", torch.erf, lambda z: 2 / math.sqrt(math.pi) * torch.exp(-z * z)),
        Activation("cosid", lambda z: torch.cos(z) - z, lambda z: -torch.sin(z) - 1),
        Activation("linear", lambda z: z, torch.ones_like),
    ]
}


def get_activation(activation: str | Activation | Callable[[Tensor], Tensor]) -> Activation:
    """Look up an activation by name, or wrap a user callable (derivative by autograd)."""
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation={activation!r} is not known; accepted values: {sorted(ACTIVATIONS)} "
                "or a callable / Activation"
            )
        return ACTIVATIONS[activation]
    if callable(activation):
        return Activation(getattr(activation, "__name__", "custom"), activation)
    raise TypeError(f"activation must be a name in {sorted(ACTIVATIONS)} or a callable, got {activation!r}")


# ---------------------------------------------------------------- initialisation
INITS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "uniform:<a>",
         "normal:<std>", "zeros")


def _init_(W: Tensor, b: Tensor | None, init: str | Callable, parameterization: str, gen: torch.Generator) -> None:
    """Initialise one layer in place. ``W``: (out, in)."""
    fan_out, fan_in = W.shape
    if callable(init):
        init(W, b)
        return
    if parameterization == "ntk":
        # NTK parameterisation: N(0, 1) weights, the 1/sqrt(fan_in) lives in the forward pass.
        if init not in ("default", "normal:1", "zeros"):
            raise ValueError(f"init={init!r} is not used with parameterization='ntk' (weights are N(0,1)); "
                             "accepted values: 'default', 'zeros'")
        if init == "zeros":
            W.zero_()
        else:
            W.normal_(0.0, 1.0, generator=gen)
        if b is not None:
            b.zero_()
        return
    bound = 1.0 / math.sqrt(fan_in)
    if init == "default":  # torch.nn.Linear's default
        W.uniform_(-bound, bound, generator=gen)
    elif init == "xavier_uniform":
        a = math.sqrt(6.0 / (fan_in + fan_out))
        W.uniform_(-a, a, generator=gen)
    elif init == "xavier_normal":
        W.normal_(0.0, math.sqrt(2.0 / (fan_in + fan_out)), generator=gen)
    elif init == "kaiming_uniform":
        a = math.sqrt(6.0 / fan_in)
        W.uniform_(-a, a, generator=gen)
    elif init == "kaiming_normal":
        W.normal_(0.0, math.sqrt(2.0 / fan_in), generator=gen)
    elif init == "zeros":
        W.zero_()
    elif isinstance(init, str) and init.startswith(("uniform:", "normal:")):
        kind, _, val = init.partition(":")
        try:
            a = float(val)
        except ValueError:
            raise ValueError(f"init={init!r}: expected a number after '{kind}:'") from None
        if kind == "uniform":
            W.uniform_(-a, a, generator=gen)
        else:
            W.normal_(0.0, a, generator=gen)
    else:
        raise ValueError(f"init={init!r} is not known; accepted values: {list(INITS)} or a callable(W, b)")
    if b is not None:
        if init == "zeros":
            b.zero_()
        else:
            b.uniform_(-bound, bound, generator=gen)


# ---------------------------------------------------------------- the shared forward pass
def _layer_scales(sizes: Sequence[int], parameterization: str) -> list[float]:
    if parameterization == "ntk":
        return [1.0 / math.sqrt(s) for s in sizes[:-1]]
    return [1.0] * (len(sizes) - 1)


def mlp_forward(
    x: Tensor,
    weights: Sequence[Tensor],
    biases: Sequence[Tensor | None],
    scales: Sequence[float],
    act: Activation,
    return_preacts: bool = False,
):
    """Forward pass shared by single models (W: (out, in)) and ensembles (W: (K, out, in)).

    ``x``: (n, in) or (K, n, in). Returns the output (and the hidden pre-activations if asked).
    """
    pre: list[Tensor] = []
    h = x
    last = len(weights) - 1
    for i, (W, b, s) in enumerate(zip(weights, biases, scales)):
        if W.dim() == 3 and h.dim() == 2:
            # shared inputs for all K members: one large GEMM instead of K small ones
            K, o, _ = W.shape
            z = (h @ W.reshape(K * o, -1).T).reshape(h.shape[0], K, o).transpose(0, 1)
        else:
            z = h @ W.transpose(-1, -2)
        if s != 1.0:
            z = z * s
        if b is not None:
            z = z + (b.unsqueeze(-2) if b.dim() == 2 else b)
        if i == last:
            return (z, pre) if return_preacts else z
        pre.append(z)
        h = act(z)
    raise RuntimeError("network has no layers")


def _check_sizes(dim: int, width: int, depth: int) -> tuple[int, int, int]:
    """The sizes as ints (numpy and 0-d torch integers accepted), each an integer >= 1."""
    return V.integer("dim", dim, 1), V.integer("width", width, 1), V.integer("depth", depth, 1)


PARAMETERIZATIONS = ("standard", "ntk")


class MLPAutoencoder(nn.Module):
    """``R^dim -> R^width -> ... -> R^width -> R^dim`` with ``depth`` hidden layers and a linear output.

    ``parameterization="ntk"``: weights N(0, 1) and every pre-activation scaled by 1/sqrt(fan_in)
    (Jiang & Pehlevan); ``"standard"``: plain ``W h + b`` with ``init`` choosing the weights.
    ``seed`` makes the initialisation reproducible independently of the global RNG.
    """

    def __init__(
        self,
        dim: int,
        width: int,
        depth: int = 1,
        activation: str | Activation | Callable = "relu",
        bias: bool = True,
        parameterization: str = "standard",
        init: str | Callable = "default",
        seed: int | None = 0,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device | None = None,
    ):
        super().__init__()
        dim, width, depth = _check_sizes(dim, width, depth)
        parameterization = V.choice("parameterization", parameterization, PARAMETERIZATIONS)
        bias = V.flag("bias", bias)
        seed = None if seed is None else V.seed("seed", seed)
        self.dim, self.width, self.depth = dim, width, depth
        self.act = get_activation(activation)
        self.bias, self.parameterization = bool(bias), parameterization
        self.init = init
        sizes = [dim] + [width] * depth + [dim]
        self.scales = _layer_scales(sizes, parameterization)
        gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList() if bias else None
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            W = torch.empty(fan_out, fan_in, dtype=torch.float64)
            b = torch.empty(fan_out, dtype=torch.float64) if bias else None
            _init_(W, b, init, parameterization, gen)
            self.weights.append(nn.Parameter(W.to(dtype)))
            if bias:
                self.biases.append(nn.Parameter(b.to(dtype)))
        self.to(default_device(device))

    @property
    def bias_list(self) -> list[Tensor | None]:
        return list(self.biases) if self.biases is not None else [None] * len(self.weights)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.dim:
            raise ValueError(f"x has shape {tuple(x.shape)}; expected (n, {self.dim})")
        return mlp_forward(x, list(self.weights), self.bias_list, self.scales, self.act)

    def config(self) -> dict:
        """The constructor arguments (for caches and ensembles)."""
        return dict(dim=self.dim, width=self.width, depth=self.depth, activation=self.act.name,
                    bias=self.bias, parameterization=self.parameterization,
                    init=self.init if isinstance(self.init, str) else "custom")

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config().items())


class MLPEnsemble(nn.Module):
    """``K`` MLP autoencoders of one shape stored as stacked weights ``(K, out, in)``.

    Forward: ``x`` (n, dim) is fed to every member, (K, n, dim) gives each member its own inputs;
    the output is (K, n, dim). Member ``k`` computes exactly what ``member(k)`` computes.
    """

    def __init__(self, models: Sequence[MLPAutoencoder]):
        super().__init__()
        if len(models) == 0:
            raise ValueError("models: need at least one model")
        cfg = models[0].config()
        for m in models[1:]:
            if m.config() != cfg:
                raise ValueError(f"all members must share one configuration; got {cfg} and {m.config()}")
        self.K = len(models)
        self.dim, self.width, self.depth = models[0].dim, models[0].width, models[0].depth
        self.act, self.bias, self.parameterization = models[0].act, models[0].bias, models[0].parameterization
        self.scales = list(models[0].scales)
        self._cfg = cfg
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.stack([m.weights[i].detach() for m in models]).clone())
             for i in range(len(models[0].weights))]
        )
        self.biases = (
            nn.ParameterList([nn.Parameter(torch.stack([m.biases[i].detach() for m in models]).clone())
                              for i in range(len(models[0].weights))])
            if self.bias else None
        )

    @classmethod
    def from_seeds(cls, seeds: Sequence[int], **kwargs) -> "MLPEnsemble":
        """Members initialised exactly as ``MLPAutoencoder(seed=s, **kwargs)`` for each seed."""
        return cls([MLPAutoencoder(seed=s, **kwargs) for s in seeds])

    @property
    def bias_list(self) -> list[Tensor | None]:
        return list(self.biases) if self.biases is not None else [None] * len(self.weights)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.dim or (x.dim() == 3 and x.shape[0] != self.K):
            raise ValueError(f"x has shape {tuple(x.shape)}; expected (n, {self.dim}) or ({self.K}, n, {self.dim})")
        return mlp_forward(x, list(self.weights), self.bias_list, self.scales, self.act)

    def config(self) -> dict:
        return dict(self._cfg)

    def member(self, k: int) -> MLPAutoencoder:
        """A standalone copy of member ``k``."""
        cfg = {**self._cfg, "activation": self.act, "init": "zeros"}  # weights are overwritten below
        m = MLPAutoencoder(**cfg, dtype=self.weights[0].dtype, device=self.weights[0].device)
        with torch.no_grad():
            for i, W in enumerate(self.weights):
                m.weights[i].copy_(W[k])
            if self.biases is not None:
                for i, b in enumerate(self.biases):
                    m.biases[i].copy_(b[k])
        m.init = self._cfg.get("init")
        return m

    def members(self) -> list[MLPAutoencoder]:
        return [self.member(k) for k in range(self.K)]


def as_training_data(model: nn.Module, X: Tensor, Y: Tensor | None) -> tuple[Tensor, Tensor]:
    """Inputs ``X`` and targets ``Y`` (``None``: ``X`` itself) checked as points for ``model`` and put on its device
    and dtype: (n, dim), or also (K, n, dim) for an :class:`MLPEnsemble`; ``Y`` of the shape of ``X``."""
    dim = getattr(model, "dim", None)
    ok_dims = (2, 3) if isinstance(model, MLPEnsemble) else (2,)
    X = V.points("X", X, dim, ok_dims)
    if Y is None:
        Y = X
    else:
        Y = V.points("Y", Y, dim, ok_dims)
        if Y.shape != X.shape:
            raise ValueError(f"Y has shape {tuple(Y.shape)}; expected the shape of X, {tuple(X.shape)}")
    return as_input(model, X), as_input(model, Y)


def n_params(dim: int, width: int, depth: int = 1, bias: bool = True) -> int:
    """Number of parameters of ``MLPAutoencoder(dim, width, depth, bias=bias)`` (of each ensemble member): the
    weights ``2 dim width + (depth - 1) width^2``, and with ``bias`` one bias per hidden unit and output,
    ``depth width + dim``. ``bias=False`` counts the weights alone, the size the batching and the cost model use.

    >>> n_params(3, 4, 2), n_params(3, 4, 2, bias=False)
    (51, 40)
    """
    weights = dim * width * 2 + (depth - 1) * width ** 2
    return weights + depth * width + dim if bias else weights
