"""Run configurations: the presets, a run's complete configuration (:func:`make_config`: a flat dict of JSON
literals whose SHA-256 is the cache key), the sigmoid experiments' recipe (:func:`sphere_config`), and the network a
configuration builds.
"""
from __future__ import annotations

import copy
from typing import Any

import torch

from ..core import validate as V
from ..core.flow import FLOW_TOL
from ..core.models import ACTIVATIONS, INITS, PARAMETERIZATIONS, MLPAutoencoder, default_device
from ..core.training import train_settings
from ..data.registry import DATA_DIM, DATA_KINDS, POINT_KINDS

PRESETS = ("smoke", "default", "paper")


def resolve_preset(preset: str, table: dict[str, dict], **overrides) -> dict:
    """The settings of ``preset`` from ``table`` ({"smoke": {...}, "default": {...}, "paper": {...}}),
    with every override that is not None applied on top."""
    if preset not in PRESETS:
        raise ValueError(f"preset={preset!r}; accepted values: {list(PRESETS)}")
    missing = [p for p in PRESETS if p not in table]
    if missing:
        raise ValueError(f"preset table lacks {missing}")
    out = copy.deepcopy(table[preset])
    for k, v in overrides.items():
        if v is not None:
            out[k] = v
    return out


TASKS = ("autoencode", "sequence")

DEFAULTS: dict[str, Any] = dict(
    data="sphere", n=1, dim=None, radius=1.0, data_seed=0,
    width=1000, depth=1, activation="relu", bias=True, parameterization="standard", init="default",
    optimizer="adam", lr=1e-4, loss="mse", loss_threshold=1e-8, max_epochs=10_000,
    momentum=0.9, weight_decay=5e-4,
    schedule="constant", lr_min=0.0, plateau_patience=200, plateau_factor=0.5, keep_best=False,
    task="autoencode", cycle_len=None, seed=0, dtype="float32",
)


def make_config(**kw) -> dict:
    """A complete, validated run configuration (defaults from :data:`DEFAULTS`).

    Unknown keys are refused (a typo would silently make a new cache entry). ``dim`` is implied by
    image data; ``radius`` is used only by the point kinds ``data="sphere"`` and ``data="orthant"``.
    """
    unknown = sorted(set(kw) - set(DEFAULTS) - {"flow_tol"})
    if unknown:
        raise ValueError(f"unknown configuration keys {unknown}; accepted keys: {sorted([*DEFAULTS, 'flow_tol'])}")
    c = {**DEFAULTS, **kw}
    if c["optimizer"] == "flow":
        # gradient flow picks its own steps (see attractor_utils.flow): lr is recorded per run in the result.
        # flow_tol exists only in flow configurations, so adding it left every other cache key unchanged.
        if kw.get("lr") is not None:
            raise ValueError(f"lr={kw['lr']!r}: optimizer='flow' chooses its own steps; set flow_tol instead "
                             "(the median step is stored in the run's result as 'lr')")
        c["lr"] = None
        c["flow_tol"] = kw.get("flow_tol", FLOW_TOL)
    elif "flow_tol" in kw:
        raise ValueError(f"flow_tol is used only by optimizer='flow' (got optimizer={c['optimizer']!r})")
    o = train_settings(train_kwargs(c))  # the training settings, by training's own rules
    c.update({k: o[k] for k in train_kwargs(c)})
    V.choice("data", c["data"], DATA_KINDS)
    if c["data"] not in POINT_KINDS:
        implied = DATA_DIM[c["data"]]
        if c["dim"] not in (None, implied):
            raise ValueError(f"dim={c['dim']!r} does not match data={c['data']!r} (dim {implied})")
        c["dim"] = implied
        c["radius"] = None
    else:
        if c["dim"] is None:
            raise ValueError(f"dim=None: required for data={c['data']!r}; accepted values: an integer >= 1")
        c["radius"] = V.real("radius", c["radius"], 0, lo_open=True)
    for k in ("n", "dim", "width", "depth"):
        c[k] = V.integer(k, c[k], 1)
    for k in ("seed", "data_seed"):
        c[k] = V.seed(k, c[k])
    V.choice("task", c["task"], TASKS)
    V.choice("dtype", c["dtype"], ("float32", "float64"))
    V.choice("activation", c["activation"], sorted(ACTIVATIONS))
    V.choice("parameterization", c["parameterization"], PARAMETERIZATIONS)
    c["bias"] = V.flag("bias", c["bias"])
    if not isinstance(c["init"], str):
        raise ValueError(f"init={c['init']!r}: a configuration takes an init name; accepted values: {list(INITS)}")
    MLPAutoencoder(2, 2, 1, activation=c["activation"], bias=c["bias"], parameterization=c["parameterization"],
                   init=c["init"])  # refuses an init the parameterization does not take, naming it
    if c["task"] == "sequence":
        if c["cycle_len"] is not None:
            c["cycle_len"] = V.integer("cycle_len", c["cycle_len"], 1)
        L = c["cycle_len"] or c["n"]
        if c["n"] % L:
            raise ValueError(f"cycle_len={c['cycle_len']!r} must divide n={c['n']}")
    return c


MODEL_KEYS = ("dim", "width", "depth", "activation", "bias", "parameterization", "init")
TRAIN_KEYS = ("optimizer", "lr", "loss", "loss_threshold", "max_epochs", "momentum", "weight_decay",
              "schedule", "lr_min", "plateau_patience", "plateau_factor", "keep_best")


def train_kwargs(c: dict) -> dict:
    """The keyword arguments of :func:`attractor_utils.train` that a configuration sets (optimizer, schedule, ...)."""
    return {k: c[k] for k in TRAIN_KEYS + ("flow_tol",) if k in c}


def step_settings(optimizer: str = "flow", lr: float | None = None, flow_tol: float = FLOW_TOL) -> dict:
    """The step keys of :func:`make_config`: ``{"optimizer": "flow", "flow_tol": ...}`` (the step follows
    from the tolerance) or ``{"optimizer": optimizer, "lr": lr}`` for a fixed-step optimizer."""
    if optimizer == "flow":
        return {"optimizer": "flow", "flow_tol": flow_tol}
    if lr is None:
        raise ValueError(f"lr: required for optimizer={optimizer!r} (only 'flow' chooses its own steps)")
    return {"optimizer": optimizer, "lr": lr}


def sphere_config(*, n: int, dim: int, radius: float, seed: int, width: int, depth: int = 1,
                  activation: str = "sigmoid", bias: bool = False, dtype: str = "float32", loss_threshold: float,
                  max_epochs: int, optimizer: str = "flow", lr: float | None = None,
                  flow_tol: float = FLOW_TOL, data: str = "sphere") -> dict:
    """The recipe of the sigmoid experiments (notebooks 01-05, 10): ``n`` points of norm ``radius`` in R^dim, on the
    sphere (``data="sphere"``) or from the positive orthant (``data="orthant"``), ``seed`` for data and
    initialisation, an NTK-parameterised MLP (``depth`` hidden layers of ``width``), the half-sum loss, trained by
    gradient flow (``optimizer="flow"``) or a fixed-step optimizer at ``lr`` until ``loss < loss_threshold`` or
    ``max_epochs`` (gradient evaluations for the flow).

    >>> c = sphere_config(n=5, dim=32, radius=10, seed=1, width=1000, loss_threshold=1e-7, max_epochs=500)
    >>> (c["data"], c["radius"], c["parameterization"], c["loss"], c["optimizer"], c["data_seed"])
    ('sphere', 10.0, 'ntk', 'half_sum', 'flow', 1)
    """
    V.choice("data", data, POINT_KINDS)
    return make_config(data=data, n=n, dim=dim, radius=float(radius), data_seed=seed, seed=seed, width=int(width),
                       depth=depth, activation=activation, bias=bias, parameterization="ntk", dtype=dtype,
                       loss="half_sum", loss_threshold=loss_threshold, max_epochs=max_epochs,
                       **step_settings(optimizer, lr, flow_tol))


def build_model(c: dict, device=None) -> MLPAutoencoder:
    """The (untrained) network of a configuration, initialised by ``c["seed"]``."""
    return MLPAutoencoder(**{k: c[k] for k in MODEL_KEYS}, seed=c["seed"], dtype=getattr(torch, c["dtype"]),
                          device=default_device(device))


def group_key(c: dict) -> tuple:
    """Runs with equal keys differ only in seeds and can be trained as one ensemble."""
    return tuple((k, c[k]) for k in sorted(c) if k not in ("seed", "data_seed"))
