"""A content-addressed on-disk cache of trained models and results, with atomic writes.

An entry lives in ``<root>/<key[:2]>/<key>/`` where ``key`` is the SHA-256 of the canonical JSON of
the full configuration. It holds ``config.json``, optionally ``model.pt`` (a state dict), and
``result.json``, written *last*: an entry exists only once ``result.json`` does, and every file is
written to a temporary name and renamed into place, so a killed run never leaves a half-written
entry that could be read.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["repo_root", "config_key", "atomic_write_bytes", "atomic_write_text", "Cache", "default_cache"]

CACHE_FORMAT = 1  # bump to invalidate every entry when the meaning of a stored result changes


def repo_root(start: str | Path | None = None) -> Path:
    """The checkout's root (the folder holding this project's pyproject.toml), else the cwd."""
    here = Path(start or Path.cwd()).resolve()
    for p in [here, *here.parents]:
        pp = p / "pyproject.toml"
        if pp.is_file() and "attractor-lab" in pp.read_text(errors="ignore"):
            return p
    pkg = Path(__file__).resolve().parent.parent
    if (pkg / "pyproject.toml").is_file():
        return pkg
    return here


def _canon(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _canon(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_canon(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if math.isfinite(f) and f == int(f) and abs(f) < 2**53:
            return int(f)  # 1.0 and 1 name the same configuration
        return repr(f)
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, torch.dtype):
        return str(obj)
    raise TypeError(f"config value {obj!r} of type {type(obj).__name__} cannot be part of a cache key")


def config_key(config: dict) -> str:
    """SHA-256 hex digest of the canonical JSON of ``config`` (key order and 1 vs 1.0 do not matter)."""
    blob = json.dumps({"_format": CACHE_FORMAT, "config": _canon(config)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, fsync, and rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else str(f)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


class Cache:
    """Content-addressed store: ``put(config, result, state_dict)``, ``get(config)``, ``load_state(config)``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, config: dict) -> Path:
        k = config_key(config)
        return self.root / k[:2] / k

    def __contains__(self, config: dict) -> bool:
        return (self.path(config) / "result.json").is_file()

    def get(self, config: dict) -> dict | None:
        """The stored result, or None when the entry is absent or incomplete."""
        f = self.path(config) / "result.json"
        if not f.is_file():
            return None
        try:
            return json.loads(f.read_text())
        except (json.JSONDecodeError, OSError):
            return None

    def load_state(self, config: dict, map_location: str | torch.device = "cpu") -> dict | None:
        """The stored state dict (``torch.load(weights_only=True)``), only for complete entries."""
        d = self.path(config)
        if not (d / "result.json").is_file() or not (d / "model.pt").is_file():
            return None
        return torch.load(d / "model.pt", map_location=map_location, weights_only=True)

    def put(self, config: dict, result: dict, state: dict | None = None) -> Path:
        """Store ``result`` (JSON-able dict) and optionally a state dict; ``result.json`` goes last."""
        d = self.path(config)
        atomic_write_text(d / "config.json", json.dumps(_jsonable(config), indent=1, sort_keys=True))
        if state is not None:
            import io

            buf = io.BytesIO()
            torch.save({k: v.detach().cpu() for k, v in state.items()}, buf)
            atomic_write_bytes(d / "model.pt", buf.getvalue())
        atomic_write_text(d / "result.json", json.dumps(_jsonable(result), indent=1, sort_keys=True))
        return d

    def entries(self) -> list[Path]:
        return sorted(p.parent for p in self.root.glob("*/*/result.json"))


def default_cache(name: str = "runs") -> Cache:
    """The project cache: ``$ATTRACTOR_CACHE`` if set, else ``<repo>/.cache/<name>``."""
    base = Path(os.environ.get("ATTRACTOR_CACHE", repo_root() / ".cache"))
    return Cache(base / name)
