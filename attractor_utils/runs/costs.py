"""What runs cost on this machine: the cost model and its calibration (``make plan``, the time left on a sweep's
line). A run costs its work (:func:`~.plan.expected_work`) x the seconds one epoch of its shape takes here
(:class:`CostModel`, fitted per optimizer family by :func:`calibrate`, stored per machine by
:func:`calibration_path`), plus a per-batch overhead; an ensemble costs one batch. See docs/plan.md.
"""
from __future__ import annotations

import json
import math
import os
import platform
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from scipy.optimize import nnls

from ..core.models import MLPEnsemble, default_device, n_params
from ..core.training import train, train_ensemble
from ..data.registry import make_data
from .batching import epoch_flops
from .caching import Cache
from .config import build_model, make_config, train_kwargs
from .plan import expected_work
from .run import train_batch

CALIBRATION_ENV = "ATTRACTOR_CALIBRATION"
#: optimizer -> the family whose per-epoch fit it uses (its own factor, measured by :func:`calibrate`, on top)
FAMILIES = {"gd": "gd", "gd+momentum": "adam", "gd+momentum+wd": "adam", "rmsprop": "adam", "adam": "adam",
            "flow": "flow"}
FEATURES = ("epoch", "layer", "GFLOP", "Mparam_cached", "Mparam_memory", "Mact", "Mparam_kept", "Mparam_far")
#: candidate sizes (M parameters of a batch) beyond which a parameter costs more (the inner caches), and beyond which
#: it costs more again (the last cache), fitted per family
KNEES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
FAR_KNEES = (4.0, 8.0, 16.0, 32.0)
_CAL_VERSION = 3


def _params(c: dict) -> int:
    """The weights of one member of configuration ``c``'s shape (biases left out: the size the fit is made on)."""
    return n_params(c["dim"], c["width"], c["depth"], bias=False)


def _features(c: dict, k: int, knee: float = 2.0, far: float | None = None) -> np.ndarray:
    """What one epoch of a ``k``-member batch of shape ``c`` does (see :data:`FEATURES`): the parameters it moves are
    split at ``knee`` and ``far`` (M; None: no second split), below ``knee`` in the inner caches, then in the last
    one, beyond ``far`` from memory."""
    P = k * _params(c) / 1e6
    acts = c["n"] * (2 * c["dim"] + c["depth"] * c["width"])
    kept = P if (c.get("keep_best") and c.get("optimizer") != "flow") else 0.0
    beyond = 0.0 if far is None else max(P - far, 0.0)
    return np.array([1.0, c["depth"] + 1.0, k * epoch_flops(c) / 1e9, min(P, knee), max(P - knee, 0.0) - beyond,
                     k * acts / 1e6, kept, beyond])


def machine() -> dict:
    """What a calibration is valid for: host, CPU, torch threads and version, device."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    dev = default_device()
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    return {"host": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(), "threads": torch.get_num_threads(),
            "torch": torch.__version__, "device": name}


def calibration_path() -> Path:
    """``$ATTRACTOR_CALIBRATION``, else ``~/.cache/attractor-lab/calibration-<host>-<cpu>-<threads>t-<torch>-<device>.json``
    (``$XDG_CACHE_HOME`` if set)."""
    if os.environ.get(CALIBRATION_ENV):
        return Path(os.environ[CALIBRATION_ENV])
    m = machine()
    tag = f"{m['host']}-{m['cpu']}-{m['threads']}t-torch{m['torch']}-{m['device']}"
    tag = "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in tag)[:160]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "attractor-lab"
    return base / f"calibration-{tag}.json"


class CostModel:
    """Seconds per epoch (per gradient evaluation for the flow) of a batch of runs on the calibrated machine, and the
    per-batch overhead (building the models and data, storing the results). ``coef``: per family, one coefficient per
    :data:`FEATURES`; ``factors``: optimizer and dtype multipliers; ``overhead``: per batch, seconds = a + b x runs + c x parameters (M)."""

    def __init__(self, coef: dict[str, list[float]], factors: dict[str, float], overhead: list[float],
                 info: dict | None = None, knees: dict | None = None):
        self.coef = {k: np.asarray(v, float) for k, v in coef.items()}
        self.factors, self.overhead, self.info = dict(factors), list(overhead), dict(info or {})
        # per family, M parameters: [inner, far] (far None: one split); a lone number is [number, None]
        self.knees = {f: list(v) if isinstance(v, (list, tuple)) else [v, None] for f, v in (knees or {}).items()}

    def epoch_seconds(self, c: dict, k: int = 1) -> float:
        """Seconds of one epoch (flow: one gradient evaluation) of ``k`` runs of configuration ``c`` as one batch."""
        opt = c.get("optimizer", "adam")
        fam = FAMILIES.get(opt, "adam")
        t = float(self.coef[fam] @ _features(c, k, *self.knees.get(fam, [2.0, None])))
        t *= self.factors.get(opt, 1.0)
        if c.get("dtype") == "float64":
            t *= self.factors.get("float64", 2.0)
        return t

    def batch_overhead(self, c: dict, k: int = 1) -> float:
        """Seconds per batch outside its epochs: a + b x runs + c x parameters (M) (building the models and data,
        storing each run)."""
        a, b, cc = self.overhead
        return a + b * k + cc * k * _params(c) / 1e6

    def to_json(self) -> dict:
        return {"version": _CAL_VERSION, "features": list(FEATURES), "coef": {k: v.tolist() for k, v in self.coef.items()},
                "knees": self.knees, "factors": self.factors, "overhead": self.overhead, **self.info}

    def save(self, path: Path | None = None) -> Path:
        path = Path(path or calibration_path())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: Path | None = None) -> "CostModel | None":
        """The stored calibration of this machine, or None when there is none (or it is of another format)."""
        path = Path(path or calibration_path())
        try:
            d = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if d.get("version") != _CAL_VERSION or list(d.get("features", [])) != list(FEATURES):
            return None
        info = {k: v for k, v in d.items() if k not in ("version", "features", "coef", "knees", "factors", "overhead")}
        return cls(d["coef"], d["factors"], d["overhead"], info, d.get("knees"))


def batch_seconds(batch: Sequence[dict], model: CostModel, works: Sequence[int], rate: float | None = None) -> float:
    """Seconds to train ``batch`` (runs trained as one ensemble) whose members do ``works``: the ensemble runs until
    its last member stops, at ``rate`` seconds per unit of work (None: the cost model's)."""
    c0 = batch[0]
    per = model.epoch_seconds(c0, len(batch)) if rate is None else rate
    return model.batch_overhead(c0, len(batch)) + max(works) * per


def sweep_plan(batches: Sequence[Sequence[dict]], cache: Cache) -> tuple[list[float], str] | None:
    """(projected seconds per batch, "expected" | "at most") for a sweep about to train ``batches``, when this
    machine is calibrated; else None. "at most" when every run's work is its budget (nothing similar is cached)."""
    model = _loaded_model()
    if model is None:
        return None
    secs, sources = [], set()
    for b in batches:
        ws = [expected_work(c, cache) for c in b]
        sources |= {s for _, s in ws}
        secs.append(batch_seconds(b, model, [w for w, _ in ws]))
    return secs, ("at most" if sources <= {"budget"} else "plan")


_MODEL: list = []


def _loaded_model() -> CostModel | None:
    if not _MODEL:
        _MODEL.append(CostModel.load())
    return _MODEL[0]


# --- calibration -------------------------------------------------------------------------------------------------

def _cfg(family: str, dim: int, width: int, depth: int, n: int, **kw) -> dict:
    base = dict(data="sphere", dim=dim, n=n, radius=1.0, width=width, depth=depth, loss_threshold=1e-30)
    if family == "flow":
        base.update(optimizer="flow", activation="sigmoid", bias=False, parameterization="ntk", loss="half_sum")
    elif family == "gd":
        base.update(optimizer="gd", lr=1e-3, activation="sigmoid", bias=False, parameterization="ntk", loss="half_sum")
    else:
        base.update(optimizer="adam", lr=1e-4, activation="relu", bias=True, loss="mse")
    base.update(kw)
    return make_config(**base)


#: (family, dim, width, depth, n, members, extra settings): the shapes the presets train, from 2-d points to 3072-d
#: images, one example to 100, width 50 to 1e5, depth 1 to 11, ensembles as batch_size chunks them
CALIBRATION_SHAPES: list[tuple] = [
    ("flow", 32, 1000, 1, 1, 3, {}), ("flow", 32, 50, 3, 1, 3, {}), ("flow", 32, 1000, 3, 1, 3, {}),
    ("flow", 32, 10000, 1, 5, 2, {}), ("flow", 32, 100000, 1, 5, 2, {}), ("flow", 32, 1000, 1, 40, 2, {}),
    ("flow", 32, 100, 1, 100, 3, {}), ("flow", 32, 10000, 1, 10, 3, {}), ("flow", 32, 1000, 1, 1, 16, {}),
    ("flow", 32, 3000, 1, 1, 3, {}), ("flow", 32, 30000, 1, 5, 2, {}), ("flow", 32, 1000, 2, 1, 3, {}),
    ("flow", 32, 10000, 1, 40, 2, {}), ("flow", 32, 1000, 1, 20, 2, {}),
    ("flow", 32, 1000, 3, 1, 9, {}),  # notebook 01's deep ensembles: 19 M parameters, far past the caches
    ("flow", 32, 10000, 1, 10, 5, {}), ("gd", 10, 1000, 1, 8, 10, {}),  # 04's and 02's batches as chunked
    ("gd", 10, 1000, 1, 5, 5, {}), ("gd", 32, 1000, 1, 1, 3, {"activation": "relu"}), ("gd", 32, 1000, 3, 1, 3, {}),
    ("gd", 32, 10000, 1, 5, 1, {}), ("gd", 32, 100000, 1, 5, 1, {}), ("gd", 32, 1000, 1, 100, 1, {}),
    ("gd", 32, 3000, 1, 1, 3, {}), ("gd", 32, 1000, 2, 1, 3, {"activation": "relu"}), ("gd", 32, 30000, 1, 5, 1, {}),
    ("gd", 10, 1000, 1, 2, 5, {}),
    ("gd", 1024, 256, 3, 30, 1, {"activation": "relu", "bias": True, "parameterization": "standard", "loss": "mse"}),
    ("adam", 3072, 128, 6, 100, 1, {"schedule": "plateau", "keep_best": True}),
    ("adam", 3072, 128, 1, 100, 1, {"schedule": "plateau", "keep_best": True}),
    ("adam", 3072, 32, 2, 100, 8, {"schedule": "plateau", "keep_best": True}),
    ("adam", 3072, 64, 11, 100, 8, {"schedule": "plateau", "keep_best": True}),
    ("adam", 784, 512, 4, 100, 1, {"schedule": "plateau", "keep_best": True}),
    ("adam", 784, 64, 1, 100, 2, {"schedule": "plateau", "keep_best": True}),
    ("adam", 1024, 256, 3, 30, 1, {"schedule": "plateau", "keep_best": True}),
    ("adam", 2, 256, 4, 5, 3, {"activation": "leaky_relu"}), ("adam", 784, 512, 5, 20, 2, {"activation": "leaky_relu"}),
    ("adam", 2, 256, 4, 16, 2, {"activation": "leaky_relu"}),
    ("adam", 3072, 128, 6, 100, 1, {}), ("adam", 784, 256, 2, 100, 1, {}),
]
_FACTOR_SHAPE = ("adam", 1024, 256, 3, 30, 1, {})
_F64_SHAPES = [("gd", 20, 1024, 1, 1, 1, {}), ("gd", 20, 64, 5, 1, 1, {}), ("gd", 20, 4096, 1, 1, 1, {})]
_OVERHEAD_SHAPES = [("adam", 2, 64, 1, 5, 1, {}), ("adam", 2, 64, 1, 5, 3, {}), ("flow", 32, 1000, 1, 1, 3, {}),
                    ("adam", 3072, 128, 6, 100, 1, {}), ("gd", 32, 100000, 1, 5, 1, {})]


def _timed(c: dict, k: int, epochs: int) -> float:
    """Seconds of ``epochs`` epochs of ``k`` models of configuration ``c`` trained as one batch (training only)."""
    dev = default_device()
    cs = [{**c, "seed": i} for i in range(k)]
    X, Y = make_data(c)
    X = X.to(dev)
    Y = None if Y is None else Y.to(dev)
    kw = {**train_kwargs(c), "max_epochs": int(epochs)}
    model = build_model(cs[0], dev) if k == 1 else MLPEnsemble([build_model(x, dev) for x in cs])
    fit = train if k == 1 else train_ensemble
    t0 = time.perf_counter()
    fit(model, X, Y, progress=False, **kw)
    return time.perf_counter() - t0


ROUNDS = 3  # calibration rounds over all shapes


def _per_epoch(c: dict, k: int, target: float = 0.2, repeats: int = 2) -> float:
    """Seconds per epoch, by the difference of a short and a longer run (which removes the set-up cost), each the
    best of ``repeats`` (a moment of contention on the machine raises a time, never lowers it)."""
    e1 = 15 if c["optimizer"] == "flow" else 3
    t1 = min(_timed(c, k, e1) for _ in range(repeats))
    rate = max(t1, 1e-6) / e1
    e2 = int(min(5000, max(e1 + 12, target / rate)))
    t2 = min(_timed(c, k, e2) for _ in range(repeats))
    per = (t2 - t1) / (e2 - e1)
    return per if per > 0 else t2 / e2


def _nnls_relative(X: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Non-negative coefficients minimising the squared *relative* error of X @ coef against t."""
    w = 1.0 / t
    coef, _ = nnls(X * w[:, None], t * w)
    return coef


def calibrate(path: Path | None = None, shapes: Sequence[tuple] | None = None, verbose: bool = True) -> CostModel:
    """Measure this machine (about a minute on 2 cores) and store the fitted :class:`CostModel` at ``path``
    (default :func:`calibration_path`). ``shapes``: the calibration shapes (default :data:`CALIBRATION_SHAPES`).
    The load average before and after is stored with it: a busy machine gives slow numbers."""
    shapes = list(shapes or CALIBRATION_SHAPES)
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    t_start = time.perf_counter()
    # every shape once per round, ROUNDS rounds: a machine whose speed drifts over a minute is sampled across the
    # whole calibration, and each shape gets the median of its rounds
    samples: list[list[float]] = [[] for _ in shapes]
    for _ in range(ROUNDS):
        for i, (fam, dim, width, depth, n, k, kw) in enumerate(shapes):
            samples[i].append(_per_epoch(_cfg(fam, dim, width, depth, n, **kw), k, repeats=1))
    points = []
    for (fam, dim, width, depth, n, k, kw), ts in zip(shapes, samples):
        s = float(np.median(ts))
        points.append({"family": fam, "dim": dim, "width": width, "depth": depth, "n": n, "k": k, "extra": kw,
                       "seconds": s, "spread": float((max(ts) - min(ts)) / s)})
        if verbose:
            print(f"  {fam:5s} {dim}-{width}x{depth} n={n} x{k} {kw or ''}: {1e3 * s:.3f} ms per epoch "
                  f"(rounds differ by {100 * points[-1]['spread']:.0f} %)", flush=True)
    coef, knees, fit_err = {}, {}, {}
    for fam in ("flow", "gd", "adam"):
        pts = [p for p in points if p["family"] == fam]
        if not pts:
            continue
        t = np.array([p["seconds"] for p in pts])
        best = None
        for knee, far in [(a, b) for a in KNEES for b in (None, *FAR_KNEES) if b is None or b > a]:
            X = np.stack([_features(_cfg(fam, p["dim"], p["width"], p["depth"], p["n"], **p["extra"]), p["k"], knee,
                                    far) for p in pts])  # the cache sizes that fit best
            cf = _nnls_relative(X, t)
            rel = X @ cf / t - 1
            if best is None or np.sqrt(np.mean(rel ** 2)) < best[0]:
                best = (float(np.sqrt(np.mean(rel ** 2))), [knee, far], cf, rel)
        _, knees[fam], coef[fam], rel = best
        fit_err[fam] = float(np.max(np.abs(rel)))
        for p, r in zip(pts, rel):
            p["fit_error"] = float(r)
    model = CostModel(coef, {}, [0.0, 0.0, 0.0], knees=knees)
    factors = {}
    fam, dim, width, depth, n, k, kw = _FACTOR_SHAPE
    ref = _per_epoch(_cfg(fam, dim, width, depth, n, **kw), k)
    for opt in ("rmsprop", "gd+momentum", "gd+momentum+wd"):
        factors[opt] = _per_epoch(_cfg(fam, dim, width, depth, n, **kw, optimizer=opt, lr=1e-4), k) / ref
    factors["adam"] = 1.0
    r64 = []
    for fam, dim, width, depth, n, k, kw in _F64_SHAPES:
        c = _cfg(fam, dim, width, depth, n, **kw, dtype="float64")
        r64.append(_per_epoch(c, k) / model.epoch_seconds({**c, "dtype": "float32"}, k))
    factors["float64"] = float(statistics.median(r64))
    model.factors = factors
    # per-batch overhead: train_batch of zero epochs (models, data, one forward pass, the cache writes), best of 2
    rows, ov_t = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (fam, dim, width, depth, n, k, kw) in enumerate([_OVERHEAD_SHAPES[0], *_OVERHEAD_SHAPES]):
            c = {**_cfg(fam, dim, width, depth, n, **kw), "max_epochs": 0}
            batch = [{**c, "seed": s} for s in range(k)]
            best = math.inf
            for rep in range(2):
                t0 = time.perf_counter()
                train_batch(batch, Cache(Path(tmp) / f"{i}-{rep}"))
                best = min(best, time.perf_counter() - t0)
            if i:  # the first shape twice: its first round warms up what a process does once
                rows.append([1.0, k, k * _params(c) / 1e6])
                ov_t.append(best)
    model.overhead = [float(v) for v in nnls(np.array(rows), np.array(ov_t))[0]]
    model.info = {"machine": machine(), "created": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "seconds": round(time.perf_counter() - t_start, 1),
                  "load_before": load0, "load_after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
                  "max_fit_error": fit_err, "noise": float(np.median([p["spread"] for p in points])),
                  "points": points}
    out = model.save(path)
    _MODEL.clear()
    if verbose:
        print(f"calibration: {model.info['seconds']} s, stored in {out}; worst fit error per family: "
              + ", ".join(f"{k} {100 * v:.0f} %" for k, v in fit_err.items())
              + f"; a shape's rounds differed by {100 * model.info['noise']:.0f} % (median)")
    return model

