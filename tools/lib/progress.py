"""What ``make figures`` shows while a notebook runs, and the summary at the end (``python -m tools.run_notebooks``):
one line from the kernel's status file (``$ATTRACTOR_PROGRESS``) with an ETA from the notebook's plan, refreshed in
place on a terminal, else every ``$ATTRACTOR_PROGRESS_EVERY`` seconds (default 30). See docs/plan.md, *Progress*.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from attractor_utils.runs.progress import clock, read_status
from tools.lib.timefmt import duration


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
    parts = [f"    {stem} {clock(elapsed)}"]
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
            parts.append(f"ETA {duration(left)} (this sweep)")
        else:  # "at most" when every run's epochs are its budget (nothing like it trained yet)
            bound = "at most " if plan.get("bound") else ""
            parts.append(f"ETA {bound}{duration(left)} (plan {duration(plan['total_s'])})")
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
        out.append(f"{r['notebook']:<28}{'-' if p is None else duration(p):>10}"
                   f"{'failed' if r.get('failed') else duration(a):>10}{ratio:>13}{runs:>20}")
    if any(r.get("planned_s") is None for r in rows):
        out.append("(no plan for some notebooks: `make plan` first gives a plan and an ETA for each)")
    return "\n".join(out)
