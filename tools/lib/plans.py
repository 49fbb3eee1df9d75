"""Plans: which runs a notebook trains, recorded by running it once in plan mode (``$ATTRACTOR_PLAN``, see
``attractor_utils/runs/plan.py``: every training call recorded, nothing trained, stand-in runs returned), and stored
in ``build/plan/<preset>/<notebook>.json`` while the notebook's code and the library are unchanged. ``make plan``
makes them; ``make figures`` reads them for its ETA."""
from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path

from attractor_utils.runs.plan import parse_probe
from tools.lib.kernel import kernel_config, scoped_environ
from tools.lib.paths import ROOT

PLAN_DIR = ROOT / "build" / "plan"


def code_digest(nb: Path) -> str:
    """SHA-256 of a notebook's code cells: what decides its runs."""
    h = hashlib.sha256()
    for c in json.loads(nb.read_text()).get("cells", []):
        if c.get("cell_type") == "code":
            h.update("".join(c.get("source", [])).encode() + b"\0")
    return h.hexdigest()


def library_digest() -> str:
    """SHA-256 of the library's sources (a change may change the runs a notebook builds)."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "attractor_utils").rglob("*.py")):
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def plan_path(stem: str, preset: str) -> Path:
    """Where the plan named ``stem`` (a notebook's stem, or ``cell-<name>`` for a paper cell) is stored."""
    return PLAN_DIR / preset / f"{stem}.json"


def load_plan(stem: str, preset: str, nb: Path | None = None, params: dict | None = None) -> dict | None:
    """The stored plan named ``stem`` at a preset, if its notebook's code (``nb``, default ``notebooks/<stem>``) and
    its ``params`` are unchanged (``stale`` says whether the library changed since), else None."""
    try:
        doc = json.loads(plan_path(stem, preset).read_text())
    except (OSError, ValueError):
        return None
    nb = nb or ROOT / "notebooks" / f"{stem}.ipynb"
    if not nb.is_file() or doc.get("digest") != code_digest(nb) or doc.get("params", {}) != (params or {}):
        return None
    doc["stale"] = doc.get("library") != library_digest()
    return doc


def run_plan_pass(nb: Path, preset: str, cell_timeout: int | None = None, params: dict | None = None,
                  probe: str | None = None) -> dict:
    """Run ``nb`` at ``preset`` (notebook parameters ``params``) in plan mode, figures to a temporary folder, and
    return the plan: the calls, the probes, the cells that failed on stand-ins, and the pass's wall time.
    ``cell_timeout``: seconds before a cell is interrupted (the pass goes on; its time is then a lower bound, and the
    cell's later training calls are missing). ``probe``: "P" or "P,T" (docs/plan.md): the pass may take up to T
    longer, and the cell limit is raised by T."""
    import papermill as pm

    with tempfile.TemporaryDirectory(prefix="attractor-plan-") as tmp:
        rec = Path(tmp) / "calls.jsonl"
        rec.touch()
        out = Path(tmp) / nb.name
        if cell_timeout and probe:  # a cell's probes may take all of the pass's probe time: on top of the limit
            cell_timeout = int(cell_timeout + parse_probe(probe)[1])
        limit = {} if not cell_timeout else {
            "execution_timeout": int(cell_timeout), "interrupt_on_timeout": True,
            "error_on_timeout": {"ename": "PlanCellTimeout", "evalue": f"interrupted after {cell_timeout} s",
                                 "traceback": []}}
        t0 = time.perf_counter()
        env = {"ATTRACTOR_PLAN": str(rec), "ATTRACTOR_FIGURES": str(Path(tmp) / "figures"),
               **({"ATTRACTOR_PLAN_PROBE": probe} if probe else {})}
        with scoped_environ(env, unset=("ATTRACTOR_PRESET_OVERRIDE", "ATTRACTOR_PROGRESS", "ATTRACTOR_CLUSTER",
                                        *(() if probe else ("ATTRACTOR_PLAN_PROBE",)))):
            try:
                pm.execute_notebook(str(nb), str(out), parameters={"preset": preset, **(params or {})},
                                    kernel_name="python3",
                                    cwd=str(nb.parent), progress_bar=False, allow_errors=True,
                                    config=kernel_config(Path(tmp)), **limit)  # IPC: no "running over TCP" warning
            except pm.PapermillExecutionError:
                pass  # the failed cells are read from the executed copy below
        seconds = time.perf_counter() - t0
        calls = [json.loads(line) for line in rec.read_text().splitlines() if line.strip()]
        errors = []
        if out.is_file():
            for i, c in enumerate(json.loads(out.read_text())["cells"]):
                for o in c.get("outputs", []):
                    if o.get("output_type") == "error":
                        errors.append({"cell": i, "execution_count": c.get("execution_count"),
                                       "error": f"{o.get('ename')}: {str(o.get('evalue'))[:300]}",
                                       "timeout": bool(cell_timeout) and o.get("ename") in
                                       ("KeyboardInterrupt", "PlanCellTimeout")})
    return {"notebook": nb.stem, "preset": preset, "params": dict(params or {}), "probe": probe,
            "digest": code_digest(nb), "library": library_digest(),
            "created": time.strftime("%Y-%m-%d %H:%M:%S"), "plan_seconds": round(seconds, 1),
            "cached_at_plan": _cached_share(calls), "calls": calls, "errors": errors}


def _cached_share(calls: list[dict]) -> float:
    runs = [r for c in calls for r in c.get("runs", [])]
    return sum(r["cached"] for r in runs) / len(runs) if runs else 1.0


def get_plan(nb: Path, preset: str, fresh: bool = False, cell_timeout: int | None = None,
             params: dict | None = None, probe: str | None = None, name: str | None = None) -> dict:
    """The stored plan of ``nb`` at ``preset`` (with ``params``, stored as ``name``, default the notebook's stem)
    when it is current, else a new one (stored). ``probe`` (see :func:`run_plan_pass`) always makes a new one."""
    name = name or nb.stem
    doc = None if (fresh or probe) else load_plan(name, preset, nb, params)
    if doc is not None and not doc["stale"]:
        return doc
    doc = run_plan_pass(nb, preset, cell_timeout, params, probe)
    p = plan_path(name, preset)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc) + "\n")
    tmp.replace(p)
    doc["stale"] = False
    return doc
