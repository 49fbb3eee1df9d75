"""Training progress as plain text lines (never a widget; a display updated in place in a kernel, a line every
:data:`LOG_EVERY` seconds in a log), and the JSON status file ``$ATTRACTOR_PROGRESS`` that ``make figures`` reads
(at most once per :data:`MIN_INTERVAL` seconds). :func:`install` points ``core.progress.progress_hook`` here;
:func:`clock` and :func:`time_left` write durations. See docs/plan.md, *Progress*.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Sequence

from ..core import progress as core_progress

STATUS_ENV = "ATTRACTOR_PROGRESS"
MIN_INTERVAL = 1.0  # seconds between two redraws of a line, or two writes of the status file
LOG_EVERY = 30.0  # seconds between two lines when stderr is not a terminal


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def clock(seconds: float) -> str:
    """A duration as a clock: ``m:ss``, or ``h:mm:ss`` from an hour on (negative: ``0:00``).

    >>> clock(75), clock(3725)
    ('1:15', '1:02:05')
    """
    s = int(max(seconds, 0))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def time_left(seconds: float | None, kind: str = "") -> str:
    """The time left as a clause of a progress line, ``", ~12 min left (plan)"`` (seconds under 90, minutes under
    90, else hours; ``kind`` in brackets when given), or ``""`` when it is not known (None).

    >>> time_left(42), time_left(720, "plan"), time_left(None)
    (', ~42 s left', ', ~12 min left (plan)', '')
    """
    if seconds is None:
        return ""
    tag = f" ({kind})" if kind else ""
    if seconds < 90:
        return f", ~{seconds:.0f} s left{tag}"
    if seconds < 5400:
        return f", ~{seconds / 60:.0f} min left{tag}"
    return f", ~{seconds / 3600:.1f} h left{tag}"


def shape_text(c: dict, k: int = 1) -> str:
    """A run's shape in a few characters: ``adam x3 3072-128x6 n=100`` (optimizer, members trained together, input
    dimension - width x hidden layers, training points)."""
    return f"{c.get('optimizer', '?')} x{k} {c.get('dim', '?')}-{c.get('width', '?')}x{c.get('depth', '?')} n={c.get('n', '?')}"


class _Line:
    """One line of text shown in place: a display output in a kernel, ``\\r`` on a terminal, else a log line now
    and then."""

    def __init__(self):
        self.kernel = _in_kernel()
        self.tty = (not self.kernel) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self.handle = None
        self.width = 0
        self.logged = -1e9

    def show(self, text: str, final: bool = False, leave: bool = True) -> None:
        if self.kernel:
            from IPython.display import display

            if self.handle is None:
                self.handle = display({"text/plain": text}, raw=True, display_id=True)
            else:
                self.handle.update({"text/plain": text}, raw=True)
        elif self.tty:
            if final and not leave:
                sys.stderr.write("\r" + " " * self.width + "\r")
            else:
                sys.stderr.write("\r" + text.ljust(self.width) + ("\n" if final else ""))
            self.width = 0 if final else max(self.width, len(text))
            sys.stderr.flush()
        else:
            now = time.monotonic()
            if (final and leave) or now - self.logged >= LOG_EVERY:
                print(text, file=sys.stderr, flush=True)
                self.logged = now


class _Status:
    """What this process is training, written to ``$ATTRACTOR_PROGRESS`` (if set) at most once per MIN_INTERVAL."""

    def __init__(self):
        self.runs_trained = 0
        self.train_seconds = 0.0
        self.sweeps = 0
        self.sweep: dict | None = None
        self.run: dict | None = None
        self.written = -1e9

    def write(self, force: bool = False) -> None:
        path = os.environ.get(STATUS_ENV)
        now = time.monotonic()
        if not path or (not force and now - self.written < MIN_INTERVAL):
            return
        self.written = now
        doc = {"pid": os.getpid(), "time": time.time(), "runs_trained": self.runs_trained,
               "train_seconds": round(self.train_seconds, 3), "sweeps": self.sweeps, "sweep": self.sweep,
               "run": self.run}
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "w") as fh:
                json.dump(doc, fh)
            os.replace(tmp, path)
        except OSError:  # progress must never stop training
            pass


_STATUS = _Status()
_ACTIVE: list["SweepProgress"] = []


def read_status(path) -> dict | None:
    """The status a training process last wrote to ``path`` (see the module docstring), or None."""
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


class TextBar:
    """A progress bar with tqdm's interface (``update``, ``set_postfix``, ``refresh``, ``close``, ``n``, ``total``)
    drawn as one line of text (see the module docstring). Inside a :class:`SweepProgress` it draws nothing itself:
    its epoch and loss go to the sweep's line and status."""

    def __init__(self, total: int, desc: str, leave: bool = True, sweep: "SweepProgress | None" = None):
        self.total, self.desc, self.leave, self.sweep = int(total), desc, leave, sweep
        self.n = 0
        self.postfix: dict = {}
        self.t0 = time.monotonic()
        self.drawn = -1e9
        self.closed = False
        self.line = None if sweep is not None else _Line()

    def text(self) -> str:
        pct = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        post = "".join(f", {k} {v}" for k, v in self.postfix.items())
        return f"{self.desc}: {self.n:,}/{self.total:,}{pct}{post}, {clock(time.monotonic() - self.t0)}"

    def _changed(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.drawn < MIN_INTERVAL:
            return
        self.drawn = now
        if self.sweep is not None:
            self.sweep.run_changed(self, force)
            return
        _STATUS.run = {"desc": self.desc, "step": self.n, "total": self.total, **self.postfix}
        _STATUS.write(force)
        self.line.show(self.text())

    def update(self, k: int = 1) -> None:
        self.n += k
        self._changed()

    def set_postfix(self, refresh: bool = True, **kw) -> None:
        self.postfix.update({k: str(v) for k, v in kw.items()})
        if refresh:
            self._changed()

    def refresh(self) -> None:
        self._changed(force=True)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.sweep is not None:
            self.sweep.run_changed(self, True)
            return
        _STATUS.run = None
        _STATUS.write(True)
        self.line.show(self.text(), final=True, leave=self.leave)


class SweepProgress:
    """The progress of one sweep (a context manager): runs trained of ``total``, the current run's epoch and loss
    (from the training loop's bar, through :data:`attractor_utils.core.progress.progress_hook`, which entering the
    context sets with :func:`install`), and the time left by the plan: ``planned`` holds the projected seconds of each
    batch (:func:`attractor_utils.runs.costs.batch_seconds`)
    and ``planned_kind`` says whether they are expected times or upper bounds ("at most"). ``workers``: batches
    trained at once (a cluster's workers)."""

    def __init__(self, total: int, desc: str = "sweep", show: bool = True, planned: Sequence[float] | None = None,
                 planned_kind: str = "plan", workers: int = 1):
        self.total, self.desc, self.show = int(total), desc, show
        self.planned = list(planned) if planned is not None else None
        self.planned_kind, self.workers = planned_kind, max(1, int(workers))
        self.done = 0
        self.batches_done: set[int] = set()
        self.current: tuple[int, str] | None = None  # (batch index, shape text)
        self.bar: TextBar | None = None
        self.t0 = time.monotonic()
        self.line = _Line() if show else None
        self.drawn = -1e9

    def __enter__(self) -> "SweepProgress":
        install()
        _ACTIVE.append(self)
        _STATUS.sweeps += 1
        self._changed(force=True)
        return self

    def __exit__(self, *exc) -> None:
        if _ACTIVE and _ACTIVE[-1] is self:
            _ACTIVE.pop()
        _STATUS.train_seconds += time.monotonic() - self.t0
        _STATUS.sweep = _STATUS.run = None
        _STATUS.write(force=True)
        if self.line is not None:
            self.line.show(self.text(final=True), final=True)

    def start_batch(self, index: int, batch: Sequence[dict]) -> None:
        """The batch ``index`` (its configurations) starts training in this process."""
        self.current = (index, shape_text(batch[0], len(batch)))
        self.bar = None

    def batch_done(self, index: int, n: int) -> None:
        """Batch ``index`` (``n`` runs) is trained and stored."""
        self.done += n
        _STATUS.runs_trained += n
        self.batches_done.add(index)
        if self.current is not None and self.current[0] == index:
            self.current, self.bar = None, None
        self._changed(force=True)

    def child(self, total: int, desc: str) -> TextBar:
        self.bar = TextBar(total, desc, sweep=self)
        return self.bar

    def run_changed(self, bar: TextBar, force: bool) -> None:
        self.bar = bar
        self._changed(force)

    def seconds_left(self) -> float | None:
        """The plan's seconds for the batches not yet trained (the current one by its share of epochs left)."""
        if not self.planned:
            return None
        left = 0.0
        for i, s in enumerate(self.planned):
            if i in self.batches_done:
                continue
            if self.current is not None and i == self.current[0] and self.bar is not None and self.bar.total:
                s *= max(0.0, 1 - self.bar.n / self.bar.total)
            left += s
        return left / min(self.workers, max(1, len(self.planned) - len(self.batches_done)))

    def text(self, final: bool = False) -> str:
        el = clock(time.monotonic() - self.t0)
        if final:
            return f"{self.desc}: {self.done}/{self.total} runs trained in {el}"
        left = time_left(self.seconds_left(), self.planned_kind)
        out = f"{self.desc}: {self.done}/{self.total} runs trained, {el}{left}"
        if self.bar is not None and self.current is not None:
            post = "".join(f", {k} {v}" for k, v in self.bar.postfix.items() if k != "active")
            unit = "evaluation" if "flow" in self.bar.desc else "epoch"
            out += f" | {self.current[1]}: {unit} {self.bar.n:,}/{self.bar.total:,}{post}"
        return out

    def _changed(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.drawn < MIN_INTERVAL:
            return
        self.drawn = now
        _STATUS.sweep = {"desc": self.desc, "done": self.done, "total": self.total,
                         "elapsed": round(now - self.t0, 1), "seconds_left": self.seconds_left(),
                         "planned_kind": self.planned_kind, "workers": self.workers}
        b = self.bar
        _STATUS.run = None if b is None or self.current is None else {
            "shape": self.current[1], "desc": b.desc, "step": b.n, "total": b.total, **b.postfix}
        _STATUS.write(force)
        if self.line is not None:
            self.line.show(self.text())


def _hook(total: int, desc: str) -> TextBar:
    """:data:`attractor_utils.core.progress.progress_hook`: the running sweep's bar, else a line of its own."""
    if _ACTIVE:
        return _ACTIVE[-1].child(total, desc)
    return TextBar(total, desc, leave=False)


def install() -> None:
    """Draw the training loops' progress as this module's lines (:data:`attractor_utils.core.progress.progress_hook`);
    calling it again changes nothing."""
    core_progress.progress_hook = _hook
