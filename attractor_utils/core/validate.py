"""Checks at the door: each function validates one input, names the parameter and the accepted values in
its error, and returns the value in its canonical type (numpy and 0-d torch scalars are accepted).

``integer`` and ``real`` refuse ``bool`` (``True`` is not a width); ``real`` refuses NaN and infinities
unless ``finite=False``; ``points`` turns arrays into a tensor and refuses empty or non-finite data.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor

__all__ = ["integer", "real", "choice", "flag", "points"]


def _scalar(v: Any) -> Any:
    if isinstance(v, Tensor) and v.dim() == 0:
        return v.item()
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return v.item()
    return v


def _range_text(lo, hi, lo_open=False, hi_open=False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {hi:g}")
    return " and ".join(parts)


def integer(name: str, v: Any, lo: int | None = None, hi: int | None = None) -> int:
    """``v`` as an int; an integer type (not bool, not float) within ``[lo, hi]``.

    >>> integer("max_steps", 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: max_steps=0: must be an integer >= 1
    """
    v = _scalar(v)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or \
            (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = _range_text(lo, hi)
        raise ValueError(f"{name}={v!r}: must be an integer" + (f" {rng}" if rng else ""))
    return int(v)


def real(name: str, v: Any, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
         hi_open: bool = False, finite: bool = True) -> float:
    """``v`` as a float; a real number (not bool), finite unless ``finite=False``, within the bounds
    (``lo_open``/``hi_open``: strict)."""
    v = _scalar(v)
    ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
    if ok:
        f = float(v)
        ok = not math.isnan(f) and (math.isfinite(f) or not finite)
        if ok and lo is not None:
            ok = f > lo if lo_open else f >= lo
        if ok and hi is not None:
            ok = f < hi if hi_open else f <= hi
    if not ok:
        rng = _range_text(lo, hi, lo_open, hi_open)
        raise ValueError(f"{name}={v!r}: must be a {'finite ' if finite else ''}number" + (f" {rng}" if rng else ""))
    return float(v)


def choice(name: str, v: Any, choices: Sequence) -> Any:
    """``v`` if it is one of ``choices``."""
    try:
        ok = v in choices
    except TypeError:
        ok = False
    if not ok or isinstance(v, bool) and not any(isinstance(c, bool) for c in choices):
        raise ValueError(f"{name}={v!r}; accepted values: {list(choices)}")
    return v


def flag(name: str, v: Any) -> bool:
    """``v`` as a bool (True, False or a numpy bool)."""
    if not isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name}={v!r}: must be True or False")
    return bool(v)


def points(name: str, X: Any, dim: int | None = None, ndims: Sequence[int] = (2,)) -> Tensor:
    """``X`` (tensor or array) as a tensor of shape (n, dim) (or another of ``ndims``), non-empty and finite."""
    if isinstance(X, np.ndarray):
        X = torch.from_numpy(X)
    if not isinstance(X, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or numpy array, got {type(X).__name__}")
    shape = "(n, dim)" if dim is None else f"(n, {dim})"
    if X.dim() not in ndims or (dim is not None and X.shape[-1] != dim):
        raise ValueError(f"{name} has shape {tuple(X.shape)}; expected {shape}"
                         + (" or (K, n, dim)" if 3 in ndims else ""))
    if X.numel() == 0:
        raise ValueError(f"{name} has shape {tuple(X.shape)}: it holds no points")
    if not (X.is_floating_point() or X.is_complex()):
        X = X.to(torch.get_default_dtype())
    if not bool(torch.isfinite(X).all()):
        raise ValueError(f"{name} holds NaN or infinite values")
    return X
