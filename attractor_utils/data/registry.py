"""The data kinds a run configuration names: each kind's input dimension, its plain label, and its loader
(:func:`make_data`, from a configuration's ``data``, ``n``, ``dim``, ``radius``, ``data_seed``, ``task`` and
``cycle_len``)."""
from __future__ import annotations

import torch
from torch import Tensor

from .images import DatasetNotFound, cifar10, mnist, photo_patches, random_images
from .points import cycle_next_index, orthant_points, sphere_points

DATA_KINDS = ("sphere", "orthant", "uniform_images", "mnist", "cifar10", "cifar10_gray", "patches", "patches_gray")
POINT_KINDS = ("sphere", "orthant")  # points of a given norm in R^dim (data keys dim and radius)
DATA_DIM = {"uniform_images": 3072, "mnist": 784, "cifar10": 3072, "cifar10_gray": 1024,
             "patches": 3072, "patches_gray": 1024}


def resolve_cifar(kind: str = "cifar10", root=None, verbose: bool = True) -> str:
    """``kind`` ("cifar10" or "cifar10_gray") when CIFAR-10 is on disk, else the matching stand-in
    ("patches" / "patches_gray"), saying so plainly. A corrupt archive raises."""
    if kind not in ("cifar10", "cifar10_gray"):
        raise ValueError(f"kind={kind!r}; accepted values: ['cifar10', 'cifar10_gray']")
    try:
        cifar10(1, root=root)
        return kind
    except DatasetNotFound as e:
        if verbose:
            print(f"NOTE: CIFAR-10 is not available here ({e}).\n      Using the labelled STAND-IN: 32x32 patches "
                  "of scikit-image's photographs ('patches'). Figures and CSVs say so.")
        return "patches" if kind == "cifar10" else "patches_gray"


_DATA_SOURCE = {"sphere": "uniform on the sphere", "orthant": "positive orthant, scaled to the sphere",
                "uniform_images": "uniform random images", "mnist": "MNIST",
                "cifar10": "CIFAR-10", "cifar10_gray": "CIFAR-10 (grayscale)",
                "patches": "STAND-IN photo patches", "patches_gray": "STAND-IN photo patches (grayscale)"}


def data_source(kind: str) -> str:
    return _DATA_SOURCE[kind]


def make_data(c: dict) -> tuple[Tensor, Tensor | None]:
    """Training inputs ``X`` (n, dim) and targets (None for autoencoding) of a configuration."""
    kind, n, s = c["data"], c["n"], c["data_seed"]
    if kind == "sphere":
        X = sphere_points(n, c["dim"], c["radius"], seed=s, dtype=torch.float64)
    elif kind == "orthant":
        X = orthant_points(n, c["dim"], c["radius"], seed=s, dtype=torch.float64)
    elif kind == "uniform_images":
        X = random_images(n, (3, 32, 32), seed=s).X
    elif kind == "mnist":
        X = mnist(n, seed=s).X
    elif kind in ("cifar10", "cifar10_gray"):
        X = cifar10(n, grayscale=kind.endswith("gray"), seed=s).X
    else:
        X = photo_patches(n, grayscale=kind.endswith("gray"), seed=s).X
    X = X.to(getattr(torch, c["dtype"]))
    if c["task"] == "autoencode":
        return X, None
    return X, X[torch.as_tensor(cycle_next_index(n, c["cycle_len"] or n))]
