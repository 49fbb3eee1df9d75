"""A stored plan (:mod:`tools.lib.plans`) projected on a run cache and this machine's cost model: runs cached and to
train, training seconds expected and at most on one worker and on N, the time outside training, groups by shape; the
planned total of a notebook (one rule for ``make plan``'s projection and ``make figures``' ETA)."""
from __future__ import annotations

import json
import math
import os
import statistics
from pathlib import Path

from attractor_utils.runs.batching import chunk_batches
from attractor_utils.runs.caching import Cache
from attractor_utils.runs.costs import CostModel, batch_seconds
from attractor_utils.runs.plan import expected_work, forget_index, recipe_key, speed_key, work_of
from tools.lib.paths import ROOT, figures_folder
from tools.lib.plans import load_plan


def peek(cache, c: dict) -> dict | None:
    """A run's stored result without the integrity check (fast; an estimate)."""
    try:
        return json.loads((cache.path(c) / "result.json").read_text())
    except (OSError, ValueError):
        return None


def makespan(costs: list[float], workers: int) -> float:
    """Wall time of independent tasks on ``workers`` workers, each task in submission order to the first free worker
    (what a Dask scheduler does with tasks of equal priority)."""
    loads = [0.0] * max(1, workers)
    for c in costs:
        i = loads.index(min(loads))
        loads[i] += c
    return max(loads)


def project(doc: dict, cache: Cache, model: CostModel, workers: int = 8, assume_cold: bool = False,
            warm_s: float | None = None) -> dict:
    """The numbers of a plan: runs, cached, to train; training seconds (expected and at most) on one worker and on
    ``workers``; the analysis time (the plan pass less its probes, or ``warm_s``, a warm run's time, when most of the
    pass's runs were stand-ins); the planned wall times (``planned_s``, ``planned_at_most_s``; on ``workers``:
    ``planned_n_s``, ``planned_at_most_n_s``); groups by shape; ``rest_on``: how many runs to train rest on each
    source of their work ("cache": their own record; "twin": a finished run of the same recipe; "probe": a probe of
    the plan pass; "budget": nothing but their budget); ``probes``: the pass's probes and ``probe_s`` their seconds.
    ``assume_cold``: count every run as untrained (its stored epochs, if any, as its work)."""
    forget_index()  # the cache as it is now: the plan pass (its probes) may have added runs
    seen: set[str] = set()
    r_key: dict[int, str] = {}  # id(config) -> its cache key
    probes = {e["recipe"]: e for e in doc["calls"] if e["kind"] == "probe"}
    timings = [e for e in doc["calls"] if e["kind"] == "timing"]
    timed_keys = {k for e in timings if e["finished"] for k in e["keys"]}  # runs a timing trained to their end
    measured: dict[str, dict[int, list[float]]] = {}  # speed key -> {batch size: seconds per unit of work}
    for e in [*probes.values(), *timings]:
        if e.get("seconds_per_work") and e.get("speed"):
            measured.setdefault(e["speed"], {}).setdefault(int(e["k"]), []).append(float(e["seconds_per_work"]))

    def rate(speed: str, c: dict, k: int) -> float | None:
        """Seconds per unit of work of a batch of ``k`` runs of ``speed`` (:func:`speed_key`; shape ``c``) measured by
        this plan (the median at the nearest size measured, scaled to ``k`` by the cost model); None where nothing
        was measured."""
        got = measured.get(speed)
        if not got:
            return None
        km = min(got, key=lambda j: (abs(math.log(j / k)), -j))
        return statistics.median(got[km]) * model.epoch_seconds(c, k) / model.epoch_seconds(c, km)

    out = {"runs": 0, "cached": 0, "train": 0, "expected_s": 0.0, "at_most_s": 0.0, "expected_n_s": 0.0,
           "at_most_n_s": 0.0, "direct": 0, "direct_s": 0.0, "groups": {}, "sources": set(),
           "batches": [], "rest_on": {"cache": 0, "twin": 0, "probe": 0, "budget": 0},
           "probes": list(probes.values()), "timings": timings,
           "probe_s": sum(e["seconds"] for e in [*probes.values(), *timings]),
           "measured_rate": 0}

    def source(src: str) -> None:
        out["sources"].add(src)
        out["rest_on"]["twin" if src == "similar" else src] += 1

    for call in doc["calls"]:
        if call["kind"] in ("probe", "timing"):
            continue
        if call["kind"] == "direct":
            probe = probes.get(call.get("key"))
            if call.get("work") is not None:
                work, src = call["work"], "cache"
            elif probe is not None:
                work, src = _probed(probe, call["budget"]), "probe"
            else:
                work, src = call["budget"], "budget"
            source(src)
            c = {**call["shape"], "keep_best": False}
            per = rate(call.get("key"), c, 1) or model.epoch_seconds(c, 1)
            e = work * per
            m = call["budget"] * per
            out["direct"] += 1
            out["direct_s"] += e
            out["expected_s"] += e
            out["at_most_s"] += m
            out["expected_n_s"] += e  # trained in the kernel, one after the other
            out["at_most_n_s"] += m
            _group(out["groups"], c, call["budget"], 1, 1, 0, e, m, "direct")
            continue
        runs = list({r["key"]: r for r in call["runs"]}.values())
        todo = []
        for r in runs:
            c = r["config"]
            key = r["key"]
            if key in seen:
                continue  # trained earlier in this notebook
            seen.add(key)
            out["runs"] += 1
            cached = (not assume_cold) and (peek(cache, c) is not None)
            out["cached"] += cached
            if cached:
                _group(out["groups"], c, c["max_epochs"], 0, 0, 1, 0.0, 0.0, call["kind"], count=False)
            else:
                todo.append(c)
                r_key[id(c)] = key
        out["train"] += len(todo)
        exp_costs, max_costs = [], []
        for b in chunk_batches(todo, call.get("device", "cpu")):
            works = []
            for c in b:
                res = peek(cache, c)
                probe = probes.get(recipe_key(c))
                if res is not None:  # its own record; made by this plan's probe or timing when they trained it
                    mine = (probe is not None and probe["key"] == r_key[id(c)]) or r_key[id(c)] in timed_keys
                    w, src = work_of(res, c), "probe" if mine else "cache"
                else:
                    w, src = expected_work(c, cache)
                    if probe is not None and src != "cache":  # the recipe measured by this plan's probe
                        w, src = (w if probe["finished"] else _probed(probe, int(c["max_epochs"]))), "probe"
                works.append(w)
                source(src)
            per = rate(speed_key(b[0]), b[0], len(b))
            out["measured_rate"] += len(b) if per is not None else 0
            e = batch_seconds(b, model, works, per)
            m = batch_seconds(b, model, [c["max_epochs"] for c in b], per)
            exp_costs.append(e)
            max_costs.append(m)
            out["batches"].append((len(b), e))
            _group(out["groups"], b[0], b[0]["max_epochs"], len(b), len(b), 0, e, m, call["kind"])
        out["expected_s"] += sum(exp_costs)
        out["at_most_s"] += sum(max_costs)
        out["expected_n_s"] += makespan(exp_costs, workers)
        out["at_most_n_s"] += makespan(max_costs, workers)
    # outside training: the plan pass, unless most of its runs were stand-ins and a warm run of the notebook (every
    # run cached) was timed: analyses of untrained stand-ins can take far longer (an iteration that never settles)
    out["analysis_from"] = "plan pass"
    out["analysis_s"] = max(0.0, float(doc["plan_seconds"]) - out["probe_s"])
    if warm_s is not None and doc.get("cached_at_plan", 1.0) < 0.9:
        out["analysis_s"], out["analysis_from"] = float(warm_s), "last warm run"
    # the planned wall time: outside training plus training, expected and at most, on one worker and on ``workers``
    a = out["analysis_s"]
    out["planned_s"], out["planned_at_most_s"] = a + out["expected_s"], a + out["at_most_s"]
    out["planned_n_s"], out["planned_at_most_n_s"] = a + out["expected_n_s"], a + out["at_most_n_s"]
    return out


def _probed(probe: dict, budget: int) -> int:
    """The work of a run of a recipe whose probe stopped at its time limit: the probe's projection to the threshold
    (without its own budget, where recorded) or the run's budget, whichever is smaller."""
    if not probe.get("finished") and "projected" in probe:
        return budget if probe["projected"] is None else min(budget, int(probe["projected"]))
    return min(budget, int(probe["work"]))


def _shape_key(c: dict, budget: int, kind: str) -> tuple:
    return (kind if kind == "direct" else "", c.get("optimizer"), c.get("activation", ""), c["dim"], c["width"],
            c["depth"], c["n"], c.get("dtype", "float32"), budget)


def _group(groups: dict, c: dict, budget: int, runs: int, k: int, cached: int, e: float, m: float, kind: str,
           count: bool = True) -> None:
    g = groups.setdefault(_shape_key(c, budget, kind), {"runs": 0, "cached": 0, "ks": set(), "expected_s": 0.0,
                                                        "at_most_s": 0.0})
    if count:
        g["runs"] += runs
        g["ks"].add(k)
        g["expected_s"] += e
        g["at_most_s"] += m
    else:
        g["cached"] += cached


def cached_now(doc: dict, cache) -> float:
    """The share of a plan's runs the cache holds now."""
    runs = [r for c in doc["calls"] for r in c.get("runs", [])]
    return sum(peek(cache, r["config"]) is not None for r in runs) / len(runs) if runs else 1.0


def planned_for(nb: Path, preset: str, cold: bool = False, workers: int = 1,
                cache_root: Path | None = None) -> dict | None:
    """The notebook's plan projected on the cache in ``cache_root`` (default ``$ATTRACTOR_CACHE`` or ``.cache``) as it
    is now (``cold``: as if empty, each run's epochs still from the cache), for ``make figures``' ETA: seconds outside
    training (``other_s``: the plan pass and what trains outside the run cache), training batches in order (runs,
    seconds), runs to train, training seconds, total (:func:`project`'s ``planned_n_s``); None without a stored plan
    or a calibration of this machine."""
    doc = load_plan(nb.stem, preset, nb)
    model = CostModel.load()
    if doc is None or model is None:
        return None
    base = Path(cache_root or os.environ.get("ATTRACTOR_CACHE") or ROOT / ".cache")
    try:
        timings = json.loads((figures_folder(preset) / "timings.json").read_text())
    except (OSError, ValueError):
        timings = {}
    warm = (timings.get(nb.stem, {}).get("warm") or {}).get("seconds")
    p = project(doc, Cache(base / "runs"), model, workers, assume_cold=cold, warm_s=warm)
    return {"other_s": p["analysis_s"] + p["direct_s"], "batches": p["batches"], "runs": p["train"],
            "train_s": p["expected_n_s"] - p["direct_s"], "total_s": p["planned_n_s"],
            "stale": doc.get("stale", False), "workers": workers,
            "bound": bool(p["batches"]) and p["sources"] <= {"budget"}}
