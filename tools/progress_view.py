"""What ``make figures`` shows while a notebook runs, and the summary at the end (used by tools/run_notebooks.py).

The kernel trains; this process sees only the status file the kernel writes (``$ATTRACTOR_PROGRESS``, see
``attractor_utils/runs/progress.py``): runs trained, the current run's shape, epoch and loss. With the notebook's
plan (``make plan``, stored in ``build/plan/<preset>/``; see tools/plan.py) it adds the runs to train and an ETA:
the planned seconds of the batches not yet trained (in the order the notebook trains them, the current one by its
share of epochs left) plus the planned time outside training not yet spent. One line, refreshed in place on a
terminal; when stdout is not a terminal (CI logs) a line every ``$ATTRACTOR_PROGRESS_EVERY`` seconds (default 30).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def planned_for(nb: Path, preset: str, cold: bool = False, workers: int = 1, cache_root: Path | None = None) -> dict | None:
    """The notebook's plan projected on the cache in ``cache_root`` (default ``$ATTRACTOR_CACHE`` or ``.cache``) as it
    is now (``cold``: as if empty, each run's epochs still from the cache): seconds outside training, training batches
    in order (runs, seconds), runs to train, total; None without a stored plan or a calibration of this machine."""
    from attractor_utils.runs.caching import Cache
    from attractor_utils.runs.plan import CostModel
    from tools.plan import load_plan, project

    doc = load_plan(nb.stem, preset, nb)
    model = CostModel.load()
    if doc is None or model is None:
        return None
    base = Path(cache_root or os.environ.get("ATTRACTOR_CACHE") or ROOT / ".cache")
    figs = Path(os.environ.get("ATTRACTOR_FIGURES") or ROOT / "figures")
    try:
        timings = json.loads(((figs if preset == "default" else figs / preset) / "timings.json").read_text())
    except (OSError, ValueError):
        timings = {}
    warm = (timings.get(nb.stem, {}).get("warm") or {}).get("seconds")
    p = project(doc, Cache(base / "runs"), model, workers, assume_cold=cold, warm_s=warm)
    other = p["analysis_s"] + p["direct_s"]
    train = p["expected_n_s"] - p["direct_s"] if workers > 1 else p["expected_s"] - p["direct_s"]
    return {"other_s": other, "batches": p["batches"], "runs": p["train"], "train_s": train,
            "total_s": other + train, "stale": doc.get("stale", False), "workers": workers,
            "bound": bool(p["batches"]) and p["sources"] <= {"budget"}}


def merge_costs(src: Path, dest: Path) -> None:
    """Move the work records of runs trained outside the run cache (``<cache>/costs/``, see
    ``attractor_utils.runs.plan.cost_path``) from the cache folder ``src`` into ``dest`` (a cold run's own cache into
    the main one)."""
    import shutil

    for f in sorted((Path(src) / "costs").glob("*/*.json")):
        target = Path(dest) / "costs" / f.parent.name / f.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(f), str(target))


def _fmt(s: float) -> str:
    s = max(0.0, s)
    return f"{s:.0f} s" if s < 90 else (f"{s / 60:.0f} min" if s < 5400 else f"{s / 3600:.1f} h")


def _clock(s: float) -> str:
    s = int(max(s, 0))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def eta(plan: dict | None, st: dict | None, elapsed: float) -> float | None:
    """Seconds left by the plan, given the kernel's last status ``st``; None without a plan."""
    if plan is None:
        if st and st.get("sweep") and st["sweep"].get("seconds_left") is not None:
            return float(st["sweep"]["seconds_left"])
        return None
    done = int(st.get("runs_trained", 0)) if st else 0
    run = (st or {}).get("run") or {}
    frac = run.get("step", 0) / run["total"] if run.get("total") else 0.0
    left, seen, current = 0.0, 0, True
    for n, secs in plan["batches"]:  # in the order the notebook trains them; runs_trained grows by whole batches
        if seen + n <= done:
            seen += n
            continue
        left += secs * (1 - min(frac, 1.0)) if current else secs
        current = False
        seen += n
    if plan.get("workers", 1) > 1:
        left /= plan["workers"]
    sweep = (st or {}).get("sweep") or {}
    trained_s = float((st or {}).get("train_seconds", 0.0)) + float(sweep.get("elapsed", 0.0))
    other_left = max(0.0, plan["other_s"] - max(0.0, elapsed - trained_s))
    return left + other_left


def status_line(stem: str, plan: dict | None, st: dict | None, elapsed: float) -> str:
    """One line: elapsed time, runs trained (of the plan's), the current run, ETA."""
    done = int(st.get("runs_trained", 0)) if st else 0
    parts = [f"    {stem} {_clock(elapsed)}"]
    total = plan["runs"] if plan else None
    sweep = (st or {}).get("sweep")
    if total is not None:
        parts.append(f"runs {done}/{total}")
    elif sweep:
        parts.append(f"runs {done} (this sweep {sweep.get('done', 0)}/{sweep.get('total', '?')})")
    run = (st or {}).get("run")
    if sweep and run:
        unit = "evaluation" if "flow" in str(run.get("desc", "")) else "epoch"
        loss = f", loss {run['loss']}" if run.get("loss") else ""
        parts.append(f"{run.get('shape', run.get('desc', ''))}: {unit} {run.get('step', 0):,}/{run.get('total', 0):,}"
                     f"{loss}")
    elif sweep:
        parts.append(f"training: {sweep.get('desc', 'sweep')}")
    else:
        parts.append("set-up, analysis and figures" if done or not total else "set-up")
    left = eta(plan, st, elapsed)
    if left is not None:
        if plan is None:
            parts.append(f"ETA {_fmt(left)} (this sweep)")
        else:  # "at most" when every run's epochs are its budget (nothing like it trained yet)
            bound = "at most " if plan.get("bound") else ""
            parts.append(f"ETA {bound}{_fmt(left)} (plan {_fmt(plan['total_s'])})")
    return " | ".join(parts)


class Watch:
    """While a notebook runs (a context manager): read the status file every second and show :func:`status_line`."""

    def __init__(self, stem: str, status: Path, plan: dict | None, stream=None, every: float | None = None):
        self.stem, self.status, self.plan = stem, Path(status), plan
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = float(every if every is not None else os.environ.get("ATTRACTOR_PROGRESS_EVERY", 30))
        self.stop = threading.Event()
        self.t0 = time.perf_counter()
        self.width = 0
        self.last: dict | None = None

    def __enter__(self) -> "Watch":
        self.status.parent.mkdir(parents=True, exist_ok=True)
        self.status.unlink(missing_ok=True)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _read(self) -> dict | None:
        from attractor_utils.runs.progress import read_status

        st = read_status(self.status)
        if st is not None:
            self.last = st
        return self.last

    def _loop(self) -> None:
        logged = time.perf_counter()
        while not self.stop.wait(1.0):
            line = status_line(self.stem, self.plan, self._read(), time.perf_counter() - self.t0)
            if self.tty:
                self.stream.write("\r" + line[:200].ljust(self.width))
                self.width = min(200, max(self.width, len(line)))
                self.stream.flush()
            elif time.perf_counter() - logged >= self.every:
                logged = time.perf_counter()
                print(line, file=self.stream, flush=True)

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()

    @property
    def runs_trained(self) -> int | None:
        st = self._read()
        return None if st is None else int(st.get("runs_trained", 0))


def summary(rows: list[dict]) -> str:
    """The closing table of ``make figures``: per notebook planned and actual seconds and runs trained."""
    if not rows:
        return ""
    out = ["", f"{'notebook':<28}{'planned':>10}{'actual':>10}{'actual/plan':>13}{'runs (plan/actual)':>20}"]
    for r in rows:
        p, a = r.get("planned_s"), r.get("seconds")
        ratio = f"{a / p:.2f}" if p and a is not None else "-"
        trained = r.get("trained")
        trained = ("-" if r.get("failed") else 0) if trained is None else trained  # no status: no sweep ran
        runs = f"{'-' if r.get('planned_runs') is None else r['planned_runs']}/{trained}"
        out.append(f"{r['notebook']:<28}{'-' if p is None else _fmt(p):>10}"
                   f"{'failed' if r.get('failed') else _fmt(a):>10}{ratio:>13}{runs:>20}")
    if any(r.get("planned_s") is None for r in rows):
        out.append("(no plan for some notebooks: `make plan` first gives a plan and an ETA for each)")
    return "\n".join(out)
