"""The run cache as ``make figures`` handles it from outside the kernels: counting its entries (a cold run from a
re-run) and merging a cold run's cache of its own into the main one."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from tools.lib.paths import ROOT


def cache_entries() -> int:
    """Finished entries in the run cache (``$ATTRACTOR_CACHE``, else ``.cache``): to tell a cold run from a re-run
    that reuses trained models."""
    base = Path(os.environ.get("ATTRACTOR_CACHE", ROOT / ".cache"))
    return sum(1 for _ in base.glob("**/result.json")) if base.is_dir() else 0


def merge_cache(src: Path, dest: Path) -> int:
    """Move every entry of the cache folder ``src`` into ``dest`` (an entry already there is kept); returns how many
    moved."""
    moved = 0
    for res in sorted(Path(src).glob("**/result.json")):
        rel = res.parent.relative_to(src)
        target = Path(dest) / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(res.parent), str(target))
        moved += 1
    return moved


def merge_costs(src: Path, dest: Path) -> None:
    """Move the work records of runs trained outside the run cache (``<cache>/costs/``, see
    ``attractor_utils.runs.plan.cost_path``) from the cache folder ``src`` into ``dest`` (a cold run's own cache into
    the main one)."""
    for f in sorted((Path(src) / "costs").glob("*/*.json")):
        target = Path(dest) / "costs" / f.parent.name / f.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(f), str(target))
