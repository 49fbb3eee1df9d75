"""Progress as plain text (issue 25 item 2, issue 27 item 3): the training loop's bars go through one hook, a sweep
writes its runs done / total and the current run's epoch and loss to the status file `make figures` reads, the
terminal line and its ETA follow from that file and the plan, and an executed notebook holds no widget output."""
from __future__ import annotations

import io
import json

import pytest

import attractor_utils as au
from attractor_utils.core import progress as core_progress
from attractor_utils.runs import progress
from attractor_utils.runs.caching import Cache

WIDGET = "application/vnd.jupyter.widget-view+json"


def _configs(n=3, epochs=120):
    return [au.make_config(data="sphere", dim=6, n=3, width=8 + w, depth=1, activation="tanh", lr=1e-2,
                           loss_threshold=1e-30, max_epochs=epochs, seed=0) for w in range(n)]


def test_training_bars_are_text_not_widgets():
    progress.install()
    progress.install()  # idempotent
    assert core_progress.progress_hook is progress._hook
    bar = core_progress.progress_bar(10, "train adam")
    assert isinstance(bar, progress.TextBar)
    bar.update(5)
    bar.set_postfix(loss="1.0e-03", refresh=False)
    assert "5/10" in bar.text() and "loss 1.0e-03" in bar.text()
    bar.close()
    saved = core_progress.progress_hook
    try:
        core_progress.progress_hook = None  # the core alone: tqdm's plain-text bar, never tqdm.notebook's widget
        from tqdm.std import tqdm

        b = core_progress.progress_bar(3, "x")
        assert type(b) is tqdm
        b.close()
    finally:
        core_progress.progress_hook = saved


def test_sweep_writes_runs_done_and_the_current_run_to_the_status_file(tmp_path, monkeypatch):
    status = tmp_path / "status.json"
    monkeypatch.setenv(progress.STATUS_ENV, str(status))
    monkeypatch.setattr(progress, "MIN_INTERVAL", 0.0)
    seen = []

    def fn(batch, cache, device=None, progress=False):
        out = au.train_batch(batch, cache, device=device, progress=progress)
        seen.append(json.loads(status.read_text()))  # what make figures saw while this batch trained
        return out

    before = progress._STATUS.runs_trained
    cfgs = _configs(3)
    au.sweep(cfgs, fn=fn, cache=Cache(tmp_path / "cache"), backend="local", progress=True)
    assert len(seen) == 3
    for i, st in enumerate(seen):
        assert st["sweep"]["total"] == 3 and st["sweep"]["done"] == i
        run = st["run"]
        assert run["shape"] == progress.shape_text(cfgs[i], 1)  # adam x1 6-8x1 n=3
        assert run["step"] > 0 and run["total"] == 120 and "loss" in run
    final = json.loads(status.read_text())
    assert final["sweep"] is None and final["run"] is None
    assert final["runs_trained"] - before == 3 and final["train_seconds"] > 0
    # a second sweep finds everything cached: nothing trained, nothing shown
    au.sweep(cfgs, fn=fn, cache=Cache(tmp_path / "cache"), backend="local", progress=True)
    assert json.loads(status.read_text())["runs_trained"] - before == 3 and len(seen) == 3


def test_sweep_line_shows_the_time_left_by_the_plan():
    sp = progress.SweepProgress(4, "sweep", show=False, planned=[10.0, 20.0, 30.0, 40.0], planned_kind="plan")
    with sp:
        assert sp.seconds_left() == pytest.approx(100.0)
        sp.start_batch(0, _configs(1))
        sp.batch_done(0, 1)
        sp.start_batch(1, _configs(1))
        bar = sp.child(100, "train adam")
        bar.n = 50  # half of batch 1's epochs done
        assert sp.seconds_left() == pytest.approx(10.0 + 30.0 + 40.0)
        assert "~80 s left (plan)" in sp.text() and "epoch 50/100" in sp.text()
    assert "1/4 runs trained" in sp.text(final=True)


def test_terminal_line_and_eta_from_status_and_plan():
    from tools.lib.progress import eta, status_line, summary

    plan = {"other_s": 30.0, "batches": [(2, 100.0), (1, 50.0), (3, 60.0)], "runs": 6, "train_s": 210.0,
            "total_s": 240.0, "workers": 1}
    # the first batch (2 runs) done, the second half-way, 20 s of training and 10 s of set-up so far
    st = {"runs_trained": 2, "train_seconds": 0.0, "sweep": {"desc": "sweep", "done": 2, "total": 6, "elapsed": 20.0},
          "run": {"shape": "adam x1 6-8x1 n=3", "desc": "train adam", "step": 500, "total": 1000, "loss": "2.0e-04"}}
    assert eta(plan, st, elapsed=30.0) == pytest.approx(25.0 + 60.0 + 20.0)
    line = status_line("06_relu_grid", plan, st, 30.0)
    assert "runs 2/6" in line and "epoch 500/1,000" in line and "loss 2.0e-04" in line and "ETA" in line
    assert eta(None, None, 5.0) is None  # no plan, no sweep: no ETA
    table = summary([{"notebook": "06_relu_grid", "planned_s": 100.0, "seconds": 120.0, "planned_runs": 6,
                      "trained": 6}])
    assert "06_relu_grid" in table and "1.20" in table and "6/6" in table


def test_text_bar_in_a_log_prints_lines_not_carriage_returns(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    bar = progress.TextBar(100, "train gd", leave=True)
    bar.update(10)
    bar.close()
    out = err.getvalue()
    assert "\r" not in out and "train gd: 10/100" in out


@pytest.mark.notebook
def test_an_executed_notebook_holds_no_widget_output(run_notebook):
    """Issue 27: the saved progress bars are plain text, so the notebook reopens in JupyterLab without "model not
    found" (no widget outputs, no widget state to lose)."""
    fig = run_notebook("02_linear_region")  # the smoke run test_nb_02 makes (memoised)
    nb = json.loads((fig / "02_linear_region.ipynb").read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if WIDGET in o.get("data", {})]
    assert "widgets" not in nb["metadata"]
    bars = ["".join(o["data"]["text/plain"]) for o in outputs if o.get("output_type") == "display_data"
            and set(o["data"]) == {"text/plain"}]
    assert any(b.startswith("sweep: ") and "runs trained" in b for b in bars), bars  # one line per sweep, kept
    assert not any("\r" in "".join(o.get("text", "")) for o in outputs)
