"""The records of ``timings.json`` (one per notebook, keyed by its stem, in each figures folder) and the facts a
record is made of: the machine, the kind of run, the folder a run wrote to. A record::

    {"preset": "default",
     "cold": {"seconds": 209.3, "date": "2025-01-30", "machine": "AMD EPYC 7B13, 2 cores, torch 2.13.0+cpu",
              "trained": 282},           # from an empty cache: every network it uses was trained by this run
     "warm": {...},                      # re-rendered with every trained run in the cache (trained: 0)
     "last": {..., "kind": "cold" | "warm" | "mixed", "cache_before": 518},
     "seconds": 209.3}                   # the last run's wall time (as in every committed timings.json)

A **mixed** run trained some runs and reused others: it is kept as the last run, never shown as a cold time.
"""
from __future__ import annotations

import json
import time
from pathlib import Path


def machine() -> str:
    """The CPU model, its core count and the torch version: the machine note of a timing
    (``AMD EPYC, 2 cores, torch 2.13.0+cpu``), from the facts a cost-model calibration records (imported here: the
    index and the scorecard read records without loading torch)."""
    from attractor_utils.runs.costs import machine as machine_facts

    m = machine_facts()
    return f"{m['cpu']}, {m['cores']} cores, torch {m['torch']}"


def run_kind(cache_before: int, trained: int, isolated: bool) -> str:
    """``cold`` (an empty cache: ``isolated`` or nothing in it), ``warm`` (nothing trained) or ``mixed``.

    >>> run_kind(0, 12, False), run_kind(500, 12, True), run_kind(500, 0, False), run_kind(500, 12, False)
    ('cold', 'cold', 'warm', 'mixed')
    """
    if isolated or cache_before == 0:
        return "cold"
    return "warm" if trained == 0 else "mixed"


def record(old: dict | None, preset: str, seconds: float, cache_before: int, trained: int, isolated: bool,
           host: str | None = None, date: str | None = None) -> dict:
    """``old`` (a notebook's record, or None) updated with one finished run: its ``last`` run, and its ``cold``,
    ``warm`` or ``mixed`` time when the run was of that kind (a record from before cold runs were told apart keeps no
    time). ``mixed``: the latest run that trained networks into a cache holding others (a paper cell's training run,
    kept when a warm re-run follows)."""
    kind = run_kind(cache_before, trained, isolated)
    run = {"seconds": round(float(seconds), 1), "date": date or time.strftime("%Y-%m-%d"),
           "machine": host or machine(), "trained": int(trained)}
    out = {k: v for k, v in (old or {}).items() if k in ("cold", "warm", "mixed")}
    out["preset"] = preset
    out["last"] = {**run, "kind": kind, "cache_before": int(cache_before)}
    out["seconds"] = run["seconds"]  # the last run's wall time: a field of every committed timings.json
    out[kind] = run
    return out


def training_run(t: dict) -> dict | None:
    """The run of a notebook's record (:func:`record`) that trained its networks: the cold one, else the latest mixed
    one (also from records that keep it only as ``last``); None when only warm runs are recorded."""
    last = t.get("last") or {}
    return t.get("cold") or t.get("mixed") or (last if last.get("kind") in ("cold", "mixed") else None)


def read_timings(folder: Path) -> dict:
    """``<folder>/timings.json`` ({} when there is none)."""
    p = Path(folder) / "timings.json"
    return json.loads(p.read_text()) if p.is_file() else {}


def output_folder(executed: Path) -> Path | None:
    """The folder an executed notebook wrote its figures to, as its set-up cell printed it ("figures and CSVs -> ..."),
    or None when it printed none."""
    try:
        cells = json.loads(Path(executed).read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return None
    for c in cells:
        for o in c.get("outputs", []):
            for line in "".join(o.get("text", "")).splitlines():
                if line.startswith("figures and CSVs -> "):
                    return Path(line.split("->", 1)[1].strip())
    return None
