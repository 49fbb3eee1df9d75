"""Checks at the door, shared by every entry point: each function validates one input, names the parameter and the
accepted values in its error, and returns the value in its canonical Python type (a numpy or 0-d torch scalar gives
the same answer as the Python one).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor

SEED_MAX = 2**64 - 1  # the largest seed torch.Generator.manual_seed takes


def scalar(v: Any) -> Any:
    """A 0-d tensor, 0-d numpy array or numpy scalar as the Python scalar it holds; anything else unchanged.

    >>> scalar(torch.tensor(3)), scalar(np.float32(0.5)), scalar(np.array(True)), scalar("relu")
    (3, 0.5, True, 'relu')
    """
    if isinstance(v, Tensor) and v.dim() == 0:
        return v.item()
    if isinstance(v, (np.ndarray, np.generic)) and v.ndim == 0:
        return v.item()
    return v


def _num_text(v) -> str:
    return str(v) if isinstance(v, int) else f"{v:g}"


def _range_text(lo, hi, lo_open=False, hi_open=False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {_num_text(lo)}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {_num_text(hi)}")
    return " and ".join(parts)


def integer(name: str, v: Any, lo: int | None = None, hi: int | None = None) -> int:
    """``v`` as an int; an integer type (not bool, not float) within ``[lo, hi]``.

    >>> integer("max_steps", 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: max_steps=0: must be an integer >= 1
    """
    v = scalar(v)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or \
            (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = _range_text(lo, hi)
        raise ValueError(f"{name}={v!r}: must be an integer" + (f" {rng}" if rng else ""))
    return int(v)


def real(name: str, v: Any, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
         hi_open: bool = False, finite: bool = True) -> float:
    """``v`` as a float; a real number (not bool), finite unless ``finite=False``, within the bounds
    (``lo_open``/``hi_open``: strict)."""
    v = scalar(v)
    ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
    if ok:
        try:
            f = float(v)
        except OverflowError:  # an int beyond the floats
            f = math.inf if v > 0 else -math.inf
        ok = not math.isnan(f) and (math.isfinite(f) or not finite)
        if ok and lo is not None:
            ok = f > lo if lo_open else f >= lo
        if ok and hi is not None:
            ok = f < hi if hi_open else f <= hi
    if not ok:
        rng = _range_text(lo, hi, lo_open, hi_open)
        raise ValueError(f"{name}={v!r}: must be a {'finite ' if finite else ''}number" + (f" {rng}" if rng else ""))
    return f


def choice(name: str, v: Any, choices: Sequence) -> Any:
    """``v`` if it is one of ``choices`` (a numpy string as the plain ``str``)."""
    try:
        ok = v in choices
    except (TypeError, RuntimeError):
        ok = False
    if not ok or isinstance(v, bool) and not any(isinstance(c, bool) for c in choices):
        raise ValueError(f"{name}={v!r}; accepted values: {list(choices)}")
    return str(v) if isinstance(v, str) else v


def flag(name: str, v: Any) -> bool:
    """``v`` as a bool: True, False, a numpy bool or a 0-d bool tensor (not 0/1, not a string)."""
    v = scalar(v)
    if not isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name}={v!r}: must be True or False")
    return bool(v)


def seed(name: str, v: Any) -> int:
    """``v`` as a seed: an integer in ``[0, 2**64 - 1]`` (what ``torch.Generator.manual_seed`` takes).

    >>> seed("seed", -1)
    Traceback (most recent call last):
    ...
    ValueError: seed=-1: must be an integer >= 0 and <= 18446744073709551615
    """
    return integer(name, v, 0, SEED_MAX)


def points(name: str, X: Any, dim: int | None = None, ndims: Sequence[int] = (2,)) -> Tensor:
    """``X`` (tensor or array) as a tensor of shape (n, dim) (or another of ``ndims``), non-empty and finite."""
    if isinstance(X, np.ndarray):
        X = torch.from_numpy(X if X.flags.writeable else X.copy())  # torch warns on a read-only array (pandas views)
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
