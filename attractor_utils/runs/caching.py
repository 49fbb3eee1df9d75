"""A content-addressed on-disk cache of trained models and results, with atomic writes.

An entry ``<root>/<key[:2]>/<key>/`` (``key``: SHA-256 of the configuration's canonical JSON) holds ``config.json``,
maybe ``model.pt`` (a state dict), ``result.json`` (written last: the entry exists once it does) and
``manifest.json`` (every other file's SHA-256, checked on every read). A damaged entry is named, moved to
``<root>/_corrupt/`` and treated as absent; an entry from before manifests is checked structurally and given one.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..core import validate as V
from ..files import atomic_write_bytes, atomic_write_text, repo_root

CACHE_FORMAT = 1  # bump to invalidate every entry when the meaning of a stored result changes


def _reads_as_float(s: str) -> bool:
    """``s`` is the text :func:`_canon` writes for a float (``repr`` of a non-integral or non-finite float)."""
    try:
        f = float(s)
    except ValueError:
        return False
    return repr(f) == s and not (math.isfinite(f) and f.is_integer())


def _canon(obj: Any) -> Any:
    """``obj`` as canonical JSON: equal values in any scalar type (Python, numpy, 0-d torch; 1 and 1.0) alike, other
    values apart (a float is written as its repr, so text that reads as one is tagged to stay apart from it)."""
    obj = V.scalar(obj)
    if isinstance(obj, dict):
        return {str(k): _canon(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_canon(v) for v in obj]
    if isinstance(obj, float):
        if math.isfinite(obj) and obj.is_integer():
            return int(obj)  # 1.0 and 1 name the same configuration
        return repr(obj)
    if isinstance(obj, str) and _reads_as_float(obj):
        return {"__text__": obj}  # configurations are flat: no dict value of theirs has this key
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, torch.dtype):
        return str(obj)
    raise TypeError(f"config value {obj!r} of type {type(obj).__name__} cannot be part of a cache key")


def config_key(config: dict) -> str:
    """SHA-256 hex digest of the canonical JSON of ``config`` (key order and 1 vs 1.0 do not matter)."""
    blob = json.dumps({"_format": CACHE_FORMAT, "config": _canon(config)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


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


class CorruptEntryWarning(RuntimeWarning):
    """A cache entry failed its integrity check and was moved aside (it will be recomputed)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_MANIFEST = "manifest.json"


class Cache:
    """Content-addressed store: ``put(config, result, state_dict)``, ``get(config)``, ``load_state(config)``.

    Every read verifies the entry (see the module docstring): presence (``config in cache``), ``get`` and
    ``load_state`` agree, and a damaged entry is moved aside with a :class:`CorruptEntryWarning` naming it.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._verified: dict[Path, tuple] = {}

    def path(self, config: dict) -> Path:
        k = config_key(config)
        return self.root / k[:2] / k

    @staticmethod
    def _stamp(d: Path) -> tuple:
        return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(d.iterdir()) if f.is_file()
                     and not f.name.startswith("."))

    def _problem(self, d: Path) -> str | None:
        """Why the entry at ``d`` (which has a result.json or a manifest) is not usable, or None."""
        man = d / _MANIFEST
        if man.is_file():
            try:
                sums = json.loads(man.read_text())["sha256"]
            except (json.JSONDecodeError, KeyError, TypeError, OSError) as e:
                return f"unreadable {_MANIFEST} ({type(e).__name__})"
            for name, want in sums.items():
                f = d / name
                if not f.is_file():
                    return f"{name} is missing"
                if _sha256(f) != want:
                    return f"{name} does not match its checksum (damaged or changed on disk)"
        try:
            res = json.loads((d / "result.json").read_text())
        except (json.JSONDecodeError, OSError, UnicodeDecodeError) as e:
            return f"result.json is not readable JSON ({type(e).__name__})"
        if not isinstance(res, dict) or not res:
            return "result.json holds no result (empty or not an object)"
        if not man.is_file():  # an entry from before manifests: check what can be checked, then seal it
            if (d / "model.pt").is_file():
                try:
                    torch.load(d / "model.pt", map_location="cpu", weights_only=True)
                except Exception as e:  # noqa: BLE001 - any load failure means the file is damaged
                    return f"model.pt does not load ({type(e).__name__})"
            try:
                self._write_manifest(d)
            except OSError:  # a read-only cache (shared, archived): checked, just not sealed
                pass
        return None

    def _write_manifest(self, d: Path) -> None:
        sums = {f.name: _sha256(f) for f in sorted(d.iterdir())
                if f.is_file() and f.name != _MANIFEST and not f.name.startswith(".")}
        atomic_write_text(d / _MANIFEST, json.dumps({"sha256": sums}, indent=1, sort_keys=True))

    def _valid(self, d: Path) -> bool:
        """True for a complete, intact entry; a damaged one is moved aside (with a warning) and gives False."""
        if not ((d / "result.json").is_file() or (d / _MANIFEST).is_file()):
            return False
        try:
            stamp = self._stamp(d)
        except OSError:
            return False
        if self._verified.get(d) == stamp:
            return True
        why = self._problem(d)
        if why is None:
            self._verified[d] = self._stamp(d)
            return True
        self._verified.pop(d, None)
        dest = self.root / "_corrupt" / time.strftime("%Y%m%d-%H%M%S") / d.name
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(d, dest)
            where = f"moved to {dest}"
        except OSError as e:  # another process moved or rewrote it first
            where = f"could not be moved aside ({e})"
        warnings.warn(f"cache entry {d} is corrupt: {why}; {where}; the run will be computed again",
                      CorruptEntryWarning, stacklevel=3)
        return False

    def __contains__(self, config: dict) -> bool:
        return self._valid(self.path(config))

    def get(self, config: dict) -> dict | None:
        """The stored result, or None when the entry is absent, incomplete or damaged."""
        d = self.path(config)
        if not self._valid(d):
            return None
        return json.loads((d / "result.json").read_text())

    def load_state(self, config: dict, map_location: str | torch.device = "cpu") -> dict | None:
        """The stored state dict (``torch.load(weights_only=True)``), only for complete, intact entries."""
        d = self.path(config)
        if not self._valid(d) or not (d / "model.pt").is_file():
            return None
        return torch.load(d / "model.pt", map_location=map_location, weights_only=True)

    def put(self, config: dict, result: dict, state: dict | None = None) -> Path:
        """Store ``result`` (JSON-able dict) and optionally a state dict; ``result.json`` and then the
        manifest go last. Rewriting an entry first withdraws its result, so a kill mid-way never pairs
        a new file with an old one."""
        d = self.path(config)
        for name in ("result.json", _MANIFEST):  # in this order: see the module docstring
            try:
                (d / name).unlink()
            except FileNotFoundError:
                pass
        self._verified.pop(d, None)
        atomic_write_text(d / "config.json", json.dumps(_jsonable(config), indent=1, sort_keys=True))
        if state is not None:
            buf = io.BytesIO()
            torch.save({k: v.detach().cpu() for k, v in state.items()}, buf)
            atomic_write_bytes(d / "model.pt", buf.getvalue())
        else:
            try:
                (d / "model.pt").unlink()
            except FileNotFoundError:
                pass
        atomic_write_text(d / "result.json", json.dumps(_jsonable(result), indent=1, sort_keys=True))
        self._write_manifest(d)
        return d

    def entries(self) -> list[Path]:
        return sorted(p.parent for p in self.root.glob("*/*/result.json"))


def default_cache(name: str = "runs") -> Cache:
    """The project cache: ``$ATTRACTOR_CACHE`` if set, else ``<repo>/.cache/<name>``."""
    base = Path(os.environ.get("ATTRACTOR_CACHE", repo_root() / ".cache"))
    return Cache(base / name)
