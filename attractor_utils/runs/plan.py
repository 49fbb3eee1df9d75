"""Plan mode (``make plan``): with ``$ATTRACTOR_PLAN`` naming a file, the training entry points record each call
there (one JSON line) and return stand-in runs instead of training; the work a run is expected to do
(:func:`expected_work`); probes (``$ATTRACTOR_PLAN_PROBE`` = ``"P"`` or ``"P,T"`` seconds): a recipe's first run
trained for a bounded time, its loss curve extrapolated (:func:`extrapolate_work`). The rules: docs/plan.md.
"""
from __future__ import annotations

import json
import math
import os
import statistics
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from ..core import progress as core_progress
from ..core.models import default_device
from .caching import Cache, config_key, default_cache

PLAN_ENV = "ATTRACTOR_PLAN"
PROBE_ENV = "ATTRACTOR_PLAN_PROBE"


def planning() -> bool:
    """True in plan mode (``$ATTRACTOR_PLAN`` set): training entry points record their calls and train nothing."""
    return bool(os.environ.get(PLAN_ENV))


def _cell() -> int | None:
    try:
        from IPython import get_ipython

        ip = get_ipython()
        return None if ip is None else int(ip.execution_count)
    except Exception:  # noqa: BLE001 - outside IPython there is no cell
        return None


def _append(entry: dict) -> None:
    with open(os.environ[PLAN_ENV], "a") as fh:
        fh.write(json.dumps(entry, default=str) + "\n")


def record_call(kind: str, configs: Sequence[dict], cache: Cache, device=None) -> None:
    """Append one training call (``kind``: "sweep" or "train_on") to the plan file: every configuration, its cache
    key, whether the cache holds it, and the device type its ensembles are chunked for."""
    runs = [{"key": config_key(c), "cached": c in cache, "config": c} for c in configs]
    _append({"kind": kind, "cell": _cell(), "device": default_device(device).type, "runs": runs})


def cost_path(signature: dict) -> Path:
    """Where a run trained outside the run cache leaves its work: ``<cache folder>/costs/<key[:2]>/<key>.json`` (a
    plain file, not a cache entry)."""
    key = config_key(signature)
    return default_cache().root.parent / "costs" / key[:2] / f"{key}.json"


def known_work(signature: dict) -> int | None:
    """The epochs a run trained outside the run cache took when it last ran (:func:`cost_path`), or None."""
    try:
        return int(json.loads(cost_path(signature).read_text())["epochs"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_direct(name: str, signature: dict, shape: dict, budget: int) -> None:
    """Append a run trained outside the run cache (``name``; ``signature``: every setting that decides its result,
    with ``name``; ``shape``: what its epochs cost; its epoch ``budget``) to the plan file, with the work it took last
    time (:func:`known_work`)."""
    _append({"kind": "direct", "cell": _cell(), "name": name, "key": config_key(signature),
             "shape": shape, "budget": budget, "work": known_work(signature)})


def work_of(result: dict, config: dict) -> int:
    """The work a finished run did: gradient evaluations for the flow, else epochs."""
    return int(result.get("grad_evals", result["epochs"])) if config.get("optimizer") == "flow" else int(result["epochs"])


_SKIP_SIMILAR = ("seed", "data_seed", "max_epochs", "label")


def recipe_key(c: dict) -> str:
    """A configuration's recipe: every setting but its seeds, budget and label (runs of one recipe take alike)."""
    return json.dumps({k: c[k] for k in sorted(c) if k not in _SKIP_SIMILAR}, sort_keys=True, default=str)


_SPEED = ("optimizer", "activation", "dim", "width", "depth", "n", "dtype", "bias", "keep_best", "task", "loss")


def speed_key(c: dict) -> str:
    """What decides the seconds an epoch of configuration ``c`` takes: its shape and optimizer, not its seeds, data
    radius, rate, threshold or budget (the runs of one speed key train alike fast, however long)."""
    return json.dumps({k: c.get(k) for k in _SPEED}, sort_keys=True, default=str)


_INDEX: dict[str, dict[str, list[dict]]] = {}


def forget_index() -> None:
    """Read the caches again at the next :func:`expected_work`: a process that plans notebook after notebook finds
    the runs each plan pass added (its probes)."""
    _INDEX.clear()


def _index(cache: Cache) -> dict[str, list[dict]]:
    """The cache's finished runs by recipe (:func:`recipe_key`), read once per process until :func:`forget_index`
    (no integrity check: an estimate)."""
    root = str(cache.root)
    if root not in _INDEX:
        idx: dict[str, list[dict]] = {}
        for res in cache.root.glob("*/*/result.json"):
            try:
                c = json.loads((res.parent / "config.json").read_text())
                r = json.loads(res.read_text())
                idx.setdefault(recipe_key(c), []).append(
                    {"work": work_of(r, c), "converged": bool(r.get("converged")), "lr": r.get("lr"),
                     "flow_time": r.get("flow_time"), "config": c})
            except (OSError, ValueError, KeyError, TypeError):
                continue
        _INDEX[root] = idx
    return _INDEX[root]


def expected_work(c: dict, cache: Cache) -> tuple[int, str]:
    """(work, source) of configuration ``c``: ``"cache"`` its own result's work; ``"similar"`` the median over cached
    runs of the same recipe (converged at E: min(E, budget); not converged: the budget); ``"probe"`` the projection
    of a probe of this pass stopped at its time limit; ``"budget"`` its epoch budget, when nothing similar is
    cached."""
    r = cache.get(c)
    if r is not None:
        return work_of(r, c), "cache"
    budget = int(c["max_epochs"])
    sim = _index(cache).get(recipe_key(c), [])
    if not sim:
        if recipe_key(c) in _PROJECTED:
            return min(budget, _PROJECTED[recipe_key(c)]), "probe"
        return budget, "budget"
    vals = [min(s["work"], budget) if s["converged"] else budget for s in sim]
    return int(statistics.median(vals)), "similar"


def trained_twin(c: dict, cache: Cache) -> dict | None:
    """The configuration of a converged run of ``c``'s recipe in ``cache`` (the first by cache key), or None: its
    network stands in for ``c``'s in the plan pass, so that the analyses meet a trained network (they take far
    longer, or far more memory, on an untrained one)."""
    twins = [s["config"] for s in _index(cache).get(recipe_key(c), []) if s["converged"]]
    return min(twins, key=config_key) if twins else None


def standin_result(c: dict, cache: Cache) -> dict:
    """A stand-in for the result of a run not trained (plan mode): converged at its expected work, at half its loss
    threshold, marked ``"planned": True``; flow runs get the median step and flow time of similar cached runs (else
    a step of 1 and no flow time)."""
    work, _ = expected_work(c, cache)
    flow = c.get("optimizer") == "flow"
    loss = float(c.get("loss_threshold", 1e-8)) / 2
    res = {"final_loss": loss, "last_loss": loss, "epochs": work // 3 if flow else work, "converged": True,
           "diverged": False, "best_epoch": work, "train_seconds": 0.0, "batch_size": 1,
           "threads": torch.get_num_threads(), "history": {"epoch": [0], "loss": [loss]}, "planned": True}
    if flow:
        sim = _index(cache).get(recipe_key(c), [])
        lrs = [s["lr"] for s in sim if isinstance(s.get("lr"), (int, float))]
        fts = [s["flow_time"] for s in sim if isinstance(s.get("flow_time"), (int, float))]
        lr = float(statistics.median(lrs)) if lrs else 1.0
        res.update(lr=lr, max_step=lr, min_step=lr, flow_time=float(statistics.median(fts)) if fts else float("nan"),
                   grad_evals=work, rejected=0, forced=0, flow_tol=c.get("flow_tol"))
    return res


# --- probes: a recipe measured, not counted at its budget ----------------------------------------------------------

_PROJECTED: dict[str, int] = {}  # recipe -> work projected by a probe of this pass that hit its time limit


class ProbeDeadline(Exception):
    """Raised inside a probe's training loop at its time limit."""


def probe_limits() -> tuple[float, float] | None:
    """(seconds per probe, seconds of probes per plan pass) from ``$ATTRACTOR_PLAN_PROBE`` ("P" or "P,T"; T defaults
    to 10 P); None when probes are off (or outside plan mode). A malformed value is an error naming the variable."""
    raw = os.environ.get(PROBE_ENV, "").strip()
    if not raw or not planning():
        return None
    return parse_probe(raw, f"${PROBE_ENV}")


def parse_probe(text: str, name: str = "probe") -> tuple[float, float]:
    """(seconds per probe, seconds of probes in all) from ``"P"`` or ``"P,T"`` (T defaults to 10 P); anything else
    is a ValueError naming ``name`` and the accepted form."""
    try:
        vals = [float(v) for v in str(text).split(",")]
        if len(vals) not in (1, 2) or min(vals) <= 0:
            raise ValueError
    except ValueError:
        raise ValueError(f"{name}={text!r}: expected 'P' or 'P,T', seconds > 0 per probe and in all") from None
    return vals[0], vals[1] if len(vals) == 2 else 10 * vals[0]


def _probes_so_far() -> list[dict]:
    try:
        lines = Path(os.environ[PLAN_ENV]).read_text().splitlines()
    except (OSError, KeyError):
        return []
    return [e for e in map(json.loads, filter(str.strip, lines)) if e.get("kind") in ("probe", "timing")]


def extrapolate_work(samples: Sequence[tuple[int, float]], threshold: float, budget: int) -> int:
    """The work at which a loss curve reaches ``threshold``: ``samples`` (work, loss) in order; log10(loss) fitted
    by a line in the work over the last half of the samples (at least two) and followed to the threshold; the
    ``budget`` when the fit does not fall (or there are too few samples); never less than the work already done.
    An estimate: a curve that falls faster later (a learning-rate cut, the end of a plateau) reaches it sooner."""
    pts = [(w, math.log10(v)) for w, v in samples if v > 0 and math.isfinite(v)]
    done = int(samples[-1][0]) if samples else 0
    if pts and pts[-1][1] <= math.log10(threshold):
        return min(budget, done)
    tail = pts[len(pts) // 2:]
    if len(tail) < 2 or tail[-1][0] == tail[0][0]:
        return budget
    slope, icpt = np.polyfit([w for w, _ in tail], [v for _, v in tail], 1)
    if not slope < 0:
        return budget
    return int(min(budget, max(done, math.ceil((math.log10(threshold) - icpt) / slope))))


_NEVER = 10**15  # "the loss does not fall": every run of the recipe is counted at its own budget


def _unbounded(samples: Sequence[tuple[int, float]], threshold: float) -> int | None:
    """:func:`extrapolate_work` without a budget (the runs of a recipe differ in theirs): None where the fit does not
    fall."""
    w = extrapolate_work(samples, threshold, _NEVER)
    return None if w >= _NEVER else w


class _ProbeBar:
    """A training loop's progress bar during a probe: records (work, loss) in ``samples`` and (work, time) in
    ``marks``, and raises :class:`ProbeDeadline` once ``deadline`` (``time.perf_counter()``) has passed; with
    ``threshold`` and ``budget`` (a timing probe), also once the loss curve extrapolated (:func:`extrapolate_work`)
    says the run cannot end before the deadline at the speed measured so far (after its first 2 s; the curve is
    fitted at most every ``FIT_EVERY`` seconds, not at every step)."""

    FIT_EVERY = 0.5

    def __init__(self, total: int, deadline: float, samples: list, marks: list, threshold: float | None = None,
                 budget: int = 0):
        self.n, self.total, self.deadline, self.samples, self.marks = 0, total, deadline, samples, marks
        self.threshold, self.budget, self.next_fit = threshold, budget, 0.0

    def _check(self) -> None:
        now = time.perf_counter()
        if now > self.deadline:
            raise ProbeDeadline
        if (self.threshold is not None and len(self.marks) > 2 and now - self.marks[0][1] > 2.0
                and now >= self.next_fit):
            self.next_fit = now + self.FIT_EVERY
            rate = seconds_per_work(self.marks)
            end = extrapolate_work(self.samples, self.threshold, self.budget)
            if rate is not None and rate * (end - self.n) > self.deadline - now:
                raise ProbeDeadline

    def update(self, k: int = 1) -> None:
        self.n += k
        if k:
            self.marks.append((self.n, time.perf_counter()))
        self._check()

    def set_postfix(self, refresh: bool = True, **kw) -> None:
        try:
            self.samples.append((self.n, float(kw["loss"])))
        except (KeyError, ValueError, TypeError):
            pass
        self._check()

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass


def seconds_per_work(marks: Sequence[tuple[int, float]]) -> float | None:
    """Seconds per unit of work (epoch; for the flow, gradient evaluation) measured by a probe's progress ``marks``
    (work, ``time.perf_counter()``) from its first mark to its last (what comes before the first mark, building
    the networks and the data, is left out); None with fewer than two marks apart."""
    if len(marks) < 2 or marks[-1][0] <= marks[0][0]:
        return None
    return (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0])


def _timed(train_fn: Callable[[], object], seconds: float, threshold: float | None = None,
           budget: int = 0) -> tuple[object | None, list, list, float]:
    """Run ``train_fn`` with the training loops' progress drawn by a :class:`_ProbeBar` of ``seconds`` (``threshold``
    and ``budget``: a timing probe, see there): (its return value or None when stopped, the loss samples, the
    progress marks, seconds taken)."""
    samples: list = []
    marks: list = []
    t0 = time.perf_counter()
    old = core_progress.progress_hook
    core_progress.progress_hook = lambda total, desc: _ProbeBar(total, t0 + seconds, samples, marks, threshold,
                                                                budget)
    try:
        out = train_fn()
    except ProbeDeadline:
        out = None
    finally:
        core_progress.progress_hook = old
    return out, samples, marks, time.perf_counter() - t0


def probe_runs(batches: Sequence[Sequence[dict]], fn: Callable[..., object], cache: Cache, device=None) -> None:
    """In plan mode with probes on (:func:`probe_limits`), while the pass's probe time lasts, for the ``batches`` of
    a call (runs trained together; runs in ``cache`` left out), train with ``fn(configs, cache, device=...,
    progress=True)`` and append to the plan file:

    - a *probe* of each recipe with no finished run in the cache and no probe yet in this pass: its first run, for
      at most the probe's seconds (the work it ends at or its extrapolated work, and its seconds per unit of work);
    - a *timing* of each batch of two runs or more whose :func:`speed_key` and size have none yet in this pass: the
      batch itself, stopped once its speed is measured and it cannot end within the probe's seconds (its seconds per unit
      of work as a batch; a batch that ends is stored like any run: its slowest member is measured too)."""
    limits = probe_limits()
    if limits is None:
        return
    per, total = limits
    done = _probes_so_far()
    spent = sum(p["seconds"] for p in done)
    probed = {p["recipe"] for p in done if p["kind"] == "probe"}
    timed = {(p["speed"], p["k"]) for p in done if p["kind"] == "timing"}
    for c in (c for b in batches for c in b):
        recipe = recipe_key(c)
        if recipe in probed or c in cache or _index(cache).get(recipe):
            continue
        if spent >= total:
            return
        probed.add(recipe)
        budget = int(c["max_epochs"])
        _, samples, marks, secs = _timed(lambda: fn([c], cache, device=device, progress=True), min(per, total - spent))
        spent += secs
        res = cache.get(c)
        entry = {"kind": "probe", "cell": _cell(), "recipe": recipe, "key": config_key(c), "budget": budget, "k": 1,
                 "speed": speed_key(c), "seconds": round(secs, 2), "finished": res is not None,
                 "seconds_per_work": seconds_per_work(marks)}
        if res is not None:  # ended: stored like any run; later plans find it in the cache
            _INDEX.pop(str(cache.root), None)
            entry.update(work=work_of(res, c), converged=bool(res.get("converged")))
        else:
            entry.update(work=extrapolate_work(samples, float(c.get("loss_threshold", 1e-8)), budget),
                         projected=_unbounded(samples, float(c.get("loss_threshold", 1e-8))),
                         work_done=int(samples[-1][0]) if samples else 0, converged=None,
                         loss=samples[-1][1] if samples else None)
            _PROJECTED[recipe] = entry["projected"] or _NEVER
        _append(entry)
    for b in batches:
        todo = [c for c in b if c not in cache]
        if len(todo) < 2 or (speed_key(todo[0]), len(todo)) in timed:
            continue
        if spent >= total:
            return
        speed, budget = speed_key(todo[0]), max(int(c["max_epochs"]) for c in todo)
        timed.add((speed, len(todo)))
        _, _, marks, secs = _timed(lambda: fn(todo, cache, device=device, progress=True), min(per, total - spent),
                                   float(todo[0].get("loss_threshold", 1e-8)), budget)
        spent += secs
        finished = all(c in cache for c in todo)
        if finished:
            _INDEX.pop(str(cache.root), None)
        _append({"kind": "timing", "cell": _cell(), "recipe": recipe_key(todo[0]), "speed": speed, "k": len(todo),
                 "seconds": round(secs, 2),
                 "seconds_per_work": seconds_per_work(marks), "finished": finished,
                 "keys": [config_key(c) for c in todo]})


class DirectProbe:
    """A probe of a run trained outside the run cache (:class:`attractor_utils.runs.run.DirectRun`, ``recipe``: its
    key): ``active`` when probes are on, the pass has probe time left and this run has no probe yet; :meth:`callback`
    (the training loop's ``callback``, one call an epoch) records the loss and raises :class:`ProbeDeadline` at the
    limit; :meth:`finish` appends the probe to the plan file."""

    def __init__(self, recipe: str, budget: int, threshold: float):
        self.recipe, self.budget, self.threshold, self.samples, self.count = recipe, int(budget), float(threshold), [], 0
        self.marks: list = []
        limits = probe_limits()
        done = _probes_so_far() if limits else []
        spent = sum(p["seconds"] for p in done)
        self.active = bool(limits) and spent < limits[1] and recipe not in {p["recipe"] for p in done
                                                                             if p["kind"] == "probe"}
        self.seconds = min(limits[0], limits[1] - spent) if self.active else 0.0
        self.t0 = time.perf_counter()

    def callback(self, epoch: int, loss, model=None) -> None:
        if self.count % 50 == 0:
            self.samples.append((self.count, float(np.max(loss))))
            self.marks.append((self.count, time.perf_counter()))
        self.count += 1
        if time.perf_counter() - self.t0 > self.seconds:
            raise ProbeDeadline

    def finish(self, work: int, converged: bool, stopped: bool) -> None:
        """Append the probe (``work`` done; ``stopped`` at the time limit) to the plan file."""
        entry = {"kind": "probe", "cell": _cell(), "recipe": self.recipe, "key": self.recipe, "budget": self.budget,
                 "seconds": round(time.perf_counter() - self.t0, 2), "finished": not stopped, "k": 1,
                 "speed": self.recipe, "seconds_per_work": seconds_per_work(self.marks)}
        if stopped:
            entry.update(work=extrapolate_work(self.samples, self.threshold, self.budget), work_done=int(work),
                         projected=_unbounded(self.samples, self.threshold), converged=None)
        else:
            entry.update(work=int(work), converged=bool(converged))
        _append(entry)
