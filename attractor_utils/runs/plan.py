"""Plan mode: which runs a notebook trains, recorded instead of trained (``make plan``).

With ``$ATTRACTOR_PLAN`` naming a file (``tools/plan.py`` sets it for each notebook it plans), the training entry
points train nothing: :func:`attractor_utils.sweep` / :func:`attractor_utils.train_runs`,
:func:`attractor_utils.given_data.train_on` and :func:`attractor_utils.theory_runs.train_rank1` (the one path that
trains outside the run cache, through :class:`attractor_utils.runs.run.DirectRun`) append each call to that file (one
JSON line: the configurations, and whether the cache holds each) and return *stand-in* runs: a cached run as it is,
any other one untrained (:class:`attractor_utils.runs.run.PlannedRun`), with a result that says it converged at its
expected epochs. A notebook's later cells, which may build further runs from earlier results (the step-size study's
gradient-descent budgets, notebook 10's halving check), keep going, so every call is seen; training done any other
way (``au.train`` called directly in a notebook) is not.

**The work of a run** (epochs; gradient evaluations for ``optimizer="flow"``): of a cached run, what it did (its
result); of a run not trained yet, its epoch budget at most, and as an expected value the median over finished runs of
the same recipe (the same configuration but for seeds and budget): a run that converged at E epochs counts min(E,
budget), one that did not, the budget (:func:`expected_work`). With no similar run in the cache, expected = budget.
What it costs in seconds: :mod:`attractor_utils.runs.costs`.
"""
from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Sequence

import torch

from ..core.models import default_device
from .caching import Cache, config_key, default_cache

__all__ = ["PLAN_ENV", "planning", "record_call", "record_direct", "cost_path", "known_work", "work_of",
           "expected_work", "standin_result"]

PLAN_ENV = "ATTRACTOR_PLAN"


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


def _similar_key(c: dict) -> str:
    return json.dumps({k: c[k] for k in sorted(c) if k not in _SKIP_SIMILAR}, sort_keys=True, default=str)


_INDEX: dict[str, dict[str, list[dict]]] = {}


def _index(cache: Cache) -> dict[str, list[dict]]:
    """The cache's finished runs by recipe (:func:`_similar_key`), read once per process (no integrity check: an
    estimate)."""
    root = str(cache.root)
    if root not in _INDEX:
        idx: dict[str, list[dict]] = {}
        for res in cache.root.glob("*/*/result.json"):
            try:
                c = json.loads((res.parent / "config.json").read_text())
                r = json.loads(res.read_text())
                idx.setdefault(_similar_key(c), []).append(
                    {"work": work_of(r, c), "converged": bool(r.get("converged")), "lr": r.get("lr"),
                     "flow_time": r.get("flow_time")})
            except (OSError, ValueError, KeyError, TypeError):
                continue
        _INDEX[root] = idx
    return _INDEX[root]


def expected_work(c: dict, cache: Cache) -> tuple[int, str]:
    """(work, source) of configuration ``c``: ``"cache"`` its own result's work; ``"similar"`` the median over cached
    runs of the same recipe (converged at E: min(E, budget); not converged: the budget); ``"budget"`` its epoch
    budget, when nothing similar is cached."""
    r = cache.get(c)
    if r is not None:
        return work_of(r, c), "cache"
    budget = int(c["max_epochs"])
    sim = _index(cache).get(_similar_key(c), [])
    if not sim:
        return budget, "budget"
    vals = [min(s["work"], budget) if s["converged"] else budget for s in sim]
    return int(statistics.median(vals)), "similar"


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
        sim = _index(cache).get(_similar_key(c), [])
        lrs = [s["lr"] for s in sim if isinstance(s.get("lr"), (int, float))]
        fts = [s["flow_time"] for s in sim if isinstance(s.get("flow_time"), (int, float))]
        lr = float(statistics.median(lrs)) if lrs else 1.0
        res.update(lr=lr, max_step=lr, min_step=lr, flow_time=float(statistics.median(fts)) if fts else float("nan"),
                   grad_evals=work, rejected=0, forced=0, flow_tol=c.get("flow_tol"))
    return res
