"""Plans (issue 25 item 1): in plan mode every training entry point records its runs and trains nothing, stand-ins
keep the notebook going, the work of a run comes from the cache, from similar runs or from its budget, the cost model
fits and projects, and a notebook's plan names exactly the runs a real run of it trains."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils.runs import costs, plan
from attractor_utils.runs.caching import Cache, config_key


def _configs(seeds=(0, 1), width=8, epochs=200, threshold=1e-30, **kw):
    return [au.make_config(data="sphere", dim=6, n=3, width=width, depth=1, activation="tanh", lr=1e-2,
                           loss_threshold=threshold, max_epochs=epochs, seed=s, **kw) for s in seeds]


def _calls(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def plan_mode(tmp_path, monkeypatch):
    rec = tmp_path / "calls.jsonl"
    rec.touch()
    monkeypatch.setenv(plan.PLAN_ENV, str(rec))
    monkeypatch.setenv("ATTRACTOR_CACHE", str(tmp_path / "cache"))
    return rec


def test_train_runs_in_plan_mode_records_and_trains_nothing(tmp_path, plan_mode, monkeypatch):
    cache = Cache(tmp_path / "cache" / "runs")
    done = _configs(seeds=(0,))
    monkeypatch.delenv(plan.PLAN_ENV)
    real = au.train_runs(done, cache=cache, progress=False)  # one run really trained and cached
    monkeypatch.setenv(plan.PLAN_ENV, str(plan_mode))
    cfgs = _configs(seeds=(0, 1, 2))
    runs = au.train_runs(cfgs, cache=cache, progress=False)
    assert len(cache.entries()) == 1  # nothing new trained or stored
    (call,) = _calls(plan_mode)
    assert call["kind"] == "sweep" and [r["cached"] for r in call["runs"]] == [True, False, False]
    assert [r["key"] for r in call["runs"]] == [config_key(c) for c in cfgs]
    assert runs[0].result == real[0].result  # a cached run is itself
    for r in runs[1:]:  # the others: untrained stand-ins that say so
        assert r.result["planned"] and r.result["converged"] and r.result["epochs"] == real[0].result["epochs"]
        fresh = au.build_model(r.config)
        assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), r.model.state_dict().values()))


def test_train_on_and_train_rank1_are_recorded(tmp_path, plan_mode):
    X = torch.randn(4, 2)
    runs = au.given_data.train_on(X, seeds=[0, 1], label="plan test", width=16, depth=2, max_epochs=300,
                                  progress=False)
    assert [r.result["planned"] for r in runs] == [True, True]
    x = torch.randn(5, dtype=torch.float64)
    out = au.theory_runs.train_rank1("tanh", x, 8, max_epochs=1000)
    assert out["epochs"] == 0  # trained nothing
    on, direct = _calls(plan_mode)
    assert on["kind"] == "train_on" and len(on["runs"]) == 2 and not any(r["cached"] for r in on["runs"])
    assert direct["kind"] == "direct" and direct["budget"] == 1000 and direct["work"] is None
    assert direct["shape"] == {"dim": 5, "width": 8, "depth": 1, "n": 1, "optimizer": "gd", "dtype": "float64"}


def test_a_run_outside_the_cache_leaves_its_epochs_for_later_plans(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTRACTOR_CACHE", str(tmp_path / "cache"))
    x = torch.randn(5, dtype=torch.float64)
    out = au.theory_runs.train_rank1("tanh", x, 8, max_epochs=400, loss_threshold=1e-6, lr=0.05)
    rec = tmp_path / "calls.jsonl"
    rec.touch()
    monkeypatch.setenv(plan.PLAN_ENV, str(rec))
    au.theory_runs.train_rank1("tanh", x, 8, max_epochs=400, loss_threshold=1e-6, lr=0.05)
    (direct,) = _calls(rec)
    assert direct["work"] == out["epochs"]


def test_expected_work_from_cache_similar_runs_or_budget(tmp_path):
    cache = Cache(tmp_path)
    au.train_runs(_configs(seeds=(0, 1), epochs=3000, threshold=1e-3), cache=cache, progress=False)
    plan._INDEX.clear()
    c0 = _configs(seeds=(0,), epochs=3000, threshold=1e-3)[0]
    w0, src = plan.expected_work(c0, cache)
    assert src == "cache" and w0 == cache.get(c0)["epochs"] < 3000
    other = _configs(seeds=(7,), epochs=5000, threshold=1e-3)[0]  # same recipe, another seed and budget
    w, src = plan.expected_work(other, cache)
    eps = sorted(cache.get(c)["epochs"] for c in _configs(seeds=(0, 1), epochs=3000, threshold=1e-3))
    assert src == "similar" and w == int(np.median(eps))
    assert plan.expected_work(_configs(seeds=(7,), width=9)[0], cache) == (200, "budget")


def test_cost_model_fits_projects_and_round_trips(tmp_path):
    truth = np.array([1e-4, 2e-5, 1e-2, 3e-4, 9e-4, 1e-3, 5e-4, 0.0])
    cfgs = [(_configs(width=w)[0] | {"dim": d, "n": n, "depth": L}, k) for w, d, n, L, k in
            [(8, 6, 3, 1, 1), (64, 32, 5, 2, 3), (1000, 32, 1, 1, 16), (128, 3072, 100, 6, 1), (32, 784, 100, 3, 8),
             (256, 2, 5, 4, 3), (10000, 32, 5, 1, 2), (512, 784, 20, 5, 2)]]
    X = np.stack([costs._features(c, k) for c, k in cfgs])
    coef = costs._nnls_relative(X, X @ truth)
    np.testing.assert_allclose(X @ coef, X @ truth, rtol=1e-6)
    m = costs.CostModel({"adam": coef, "gd": coef, "flow": coef}, {"float64": 2.0, "rmsprop": 1.5}, [0.1, 0.0, 0.01],
                       knees={"adam": 2.0, "gd": 2.0, "flow": 2.0})
    c, k = cfgs[3]
    assert m.epoch_seconds({**c, "optimizer": "rmsprop"}, k) == pytest.approx(1.5 * m.epoch_seconds(c, k))
    assert m.epoch_seconds({**c, "dtype": "float64"}, k) == pytest.approx(2 * m.epoch_seconds(c, k))
    b = [c, c]  # an ensemble runs until its last member stops
    assert costs.batch_seconds(b, m, [10, 500]) == pytest.approx(m.batch_overhead(c, 2) + 500 * m.epoch_seconds(c, 2))
    path = m.save(tmp_path / "cal.json")
    m2 = costs.CostModel.load(path)
    assert m2.epoch_seconds(c, k) == pytest.approx(m.epoch_seconds(c, k))
    path.write_text(json.dumps({"version": -1}))
    assert costs.CostModel.load(path) is None  # another format: measured again, never misread


def test_calibration_measures_and_stores_this_machine(tmp_path, monkeypatch):
    monkeypatch.setenv(costs.CALIBRATION_ENV, str(tmp_path / "cal.json"))
    shapes = [("gd", 6, 16, 1, 3, 1, {}), ("gd", 6, 64, 2, 3, 2, {}), ("adam", 6, 16, 1, 3, 1, {}),
              ("flow", 6, 16, 1, 3, 1, {})]
    monkeypatch.setattr(costs, "_FACTOR_SHAPE", ("adam", 6, 16, 1, 3, 1, {}))
    monkeypatch.setattr(costs, "_F64_SHAPES", [("gd", 6, 16, 1, 1, 1, {})])
    monkeypatch.setattr(costs, "_OVERHEAD_SHAPES", [("adam", 6, 16, 1, 3, 1, {}), ("gd", 6, 64, 1, 3, 1, {})])
    m = costs.calibrate(shapes=shapes, verbose=False)
    loaded = costs.CostModel.load()
    assert loaded is not None and loaded.info["machine"]["threads"] == torch.get_num_threads()
    assert {"load_before", "load_after", "points", "created"} <= set(loaded.info)
    assert all(p["seconds"] > 0 for p in loaded.info["points"])
    assert m.epoch_seconds(costs._cfg("gd", 6, 16, 1, 3), 1) > 0


def test_project_counts_each_run_once_and_spreads_batches_over_workers(tmp_path):
    from tools.lib.projection import makespan, project

    cache = Cache(tmp_path)
    a = _configs(seeds=(0, 1, 2, 3), width=8)  # one group: chunked by batch_size
    b = _configs(seeds=(0,), width=9)
    cached = _configs(seeds=(0,), width=10)
    au.train_runs(cached, cache=cache, progress=False)
    rec = lambda cs: [{"key": config_key(c), "cached": False, "config": c} for c in cs]  # noqa: E731
    doc = {"plan_seconds": 5.0, "calls": [{"kind": "sweep", "device": "cpu", "runs": rec(a + b + cached)},
                                          {"kind": "sweep", "device": "cpu", "runs": rec(a[:2] + b)},  # seen before
                                          {"kind": "direct", "shape": {"dim": 4, "width": 8, "depth": 1, "n": 1,
                                                                       "optimizer": "gd", "dtype": "float64"},
                                           "budget": 100, "work": 40}]}
    m = costs.CostModel({f: np.array([1e-3, 0, 0, 0, 0, 0, 0, 0]) for f in ("adam", "gd", "flow")}, {"float64": 1.0},
                       [0.0, 0.0, 0.0])
    p1 = project(doc, cache, m, workers=1)
    assert (p1["runs"], p1["cached"], p1["train"], p1["direct"]) == (6, 1, 5, 1)
    assert p1["at_most_s"] == pytest.approx(sum(n * 200 * 1e-3 for n in (1, 1)) + 100 * 1e-3)
    assert p1["expected_s"] == pytest.approx(2 * 200e-3 + 40e-3)
    p8 = project(doc, cache, m, workers=8)
    assert p8["expected_n_s"] == pytest.approx(200e-3 + 40e-3)  # the two batches at once
    cold = project(doc, cache, m, workers=1, assume_cold=True)
    assert cold["train"] == 6 and cold["cached"] == 0
    assert makespan([5, 4, 3, 3, 3], 2) == 10 and makespan([3, 3, 3, 4, 5], 2) == 11
    assert makespan([5, 4, 3], 8) == 5 and makespan([5, 4, 3], 1) == 12


@pytest.mark.notebook
def test_plan_names_the_runs_a_real_run_trains(tmp_path, monkeypatch):
    """The plan of notebook 02 at the smoke preset (its step-size study builds runs from earlier results) counts
    exactly the runs a real run of it trains, and once they are cached it counts them as cached."""
    import papermill as pm

    from tools.lib.plans import run_plan_pass
    from tools.lib.projection import project

    monkeypatch.setenv("ATTRACTOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ATTRACTOR_FIGURES", str(tmp_path / "fig"))
    monkeypatch.delenv("ATTRACTOR_PRESET_OVERRIDE", raising=False)
    nb = au.repo_root() / "notebooks" / "02_linear_region.ipynb"
    doc = run_plan_pass(nb, "smoke")
    assert not doc["errors"], doc["errors"]
    cache = Cache(tmp_path / "cache" / "runs")
    model = costs.CostModel({f: np.full(8, 1e-6) for f in ("adam", "gd", "flow")}, {}, [0.0, 0.0, 0.0])
    before = project(doc, cache, model)
    assert before["train"] > 0 and len(cache.entries()) == 0
    pm.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), parameters={"preset": "smoke"}, kernel_name="python3",
                        cwd=str(nb.parent), progress_bar=False)
    assert len(cache.entries()) == before["train"]
    after = project(doc, cache, model)  # the same plan, now that the runs are cached
    assert (after["runs"], after["cached"], after["train"]) == (before["train"], before["train"], 0)


def test_plan_check_writes_the_readme_table_from_plan_and_measured_times(tmp_path, monkeypatch):
    """`make plan-check`: a row per notebook (plan and measured cold time, their ratio, runs), written between the
    README's markers, numbers from the plan and timings.json only."""
    import tools.plan as tp

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_a.ipynb").write_text(json.dumps({"cells": []}))
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "timings.json").write_text(json.dumps(
        {"01_a": {"preset": "default", "cold": {"seconds": 20.0, "trained": 2}, "warm": {"seconds": 4.0}}}))
    (tmp_path / "README.md").write_text(f"intro\n{tp.README_START}\nold table\n{tp.README_END}\nrest\n")
    monkeypatch.setattr(tp, "ROOT", tmp_path)
    monkeypatch.setattr(tp, "PLAN_DIR", tmp_path / "build" / "plan")
    monkeypatch.delenv("ATTRACTOR_FIGURES", raising=False)  # `make test` points it elsewhere; this test's is ROOT's
    cache = Cache(tmp_path / "cache")
    cfgs = _configs(seeds=(0, 1), width=8, epochs=300)
    au.train_runs(cfgs, cache=cache, progress=False)
    monkeypatch.setattr("attractor_utils.runs.caching.default_cache", lambda name="runs": cache)
    m = costs.CostModel({f: np.array([0.05, 0, 0, 0, 0, 0, 0, 0]) for f in ("adam", "gd", "flow")}, {}, [0.0, 0.0, 0.0],
                       {"machine": {"cpu": "test cpu", "threads": 1}, "created": "now"})
    monkeypatch.setattr(tp, "_calibration", lambda force=False: m)
    doc = {"notebook": "01_a", "plan_seconds": 5.0, "errors": [],
           "calls": [{"kind": "sweep", "device": "cpu",
                      "runs": [{"key": config_key(c), "cached": True, "config": c} for c in cfgs]}]}
    monkeypatch.setattr(tp, "get_plan", lambda nb, preset, fresh=False, cell_timeout=None: doc)
    table = tp.check("default")
    epochs = max(cache.get(c)["epochs"] for c in cfgs)  # the two seeds train as one ensemble
    plan_s = 5.0 + 0.05 * epochs
    text = (tmp_path / "README.md").read_text()
    assert "old table" not in text and text.startswith("intro\n") and text.endswith(f"{tp.README_END}\nrest\n")
    row = next(line for line in table.splitlines() if "`01_a`" in line)
    assert "| 2 / 2 |" in row and f"{plan_s:.0f} s" in row and "20 s" in row and f"{plan_s / 20:.2f}" in row
    assert "(4 s)" in row  # the measured warm time next to the plan pass


# --- probes (issue 35): a recipe with no finished run is measured, not counted at its budget --------------------------

def _model():
    return costs.CostModel({f: np.array([1e-3, 0, 0, 0, 0, 0, 0, 0]) for f in ("adam", "gd", "flow")}, {"float64": 1.0},
                           [0.0, 0.0, 0.0])


def test_extrapolate_work_follows_the_log_loss_to_the_threshold():
    samples = [(e, 10 ** (-e / 100)) for e in range(0, 501, 50)]  # exactly log-linear: 1e-8 at epoch 800
    assert plan.extrapolate_work(samples, 1e-8, 10_000) == 800
    assert plan.extrapolate_work(samples, 1e-8, 700) == 700  # never past the budget
    assert plan.extrapolate_work(samples, 1e-3, 10_000) == 500  # already below: the work done
    flat = [(e, 0.5) for e in range(0, 501, 50)]
    assert plan.extrapolate_work(flat, 1e-8, 9000) == 9000  # a curve that does not fall: the budget
    assert plan.extrapolate_work([(0, 1.0)], 1e-8, 9000) == 9000  # too few points


def test_a_probe_that_ends_is_cached_and_stands_for_its_recipe(tmp_path, plan_mode, monkeypatch):
    from tools.lib.projection import project

    monkeypatch.setenv(plan.PROBE_ENV, "60")
    cache = Cache(tmp_path / "cache" / "runs")
    cfgs = _configs(seeds=(0, 1), epochs=3000, threshold=1e-6)
    runs = au.train_runs(cfgs, cache=cache, progress=False)
    probe, call = _calls(plan_mode)  # no timing: after the probe, the batch left is one run
    assert probe["kind"] == "probe" and probe["finished"] and probe["converged"] and probe["key"] == config_key(cfgs[0])
    assert len(cache.entries()) == 1 and cache.get(cfgs[0])["epochs"] == probe["work"] < 3000
    assert [r["cached"] for r in call["runs"]] == [True, False]
    assert [r.result["epochs"] for r in runs] == [probe["work"]] * 2  # the stand-in takes the probe's work
    probe_net = runs[0].model.state_dict()  # ... and its trained network
    assert all(torch.equal(v, runs[1].model.state_dict()[k]) for k, v in probe_net.items())
    # its speed, measured from its progress, replaces the cost model's (1 ms an epoch) for its recipe's runs
    assert probe["k"] == 1 and 0 < probe["seconds_per_work"] < probe["seconds"] / 50  # over 50 epochs or more
    p = project({"plan_seconds": probe["seconds"] + 1.0, "calls": [probe, call]}, cache, _model())
    assert p["rest_on"] == {"cache": 0, "twin": 0, "probe": 1, "budget": 0} and p["probe_s"] == probe["seconds"]
    assert p["expected_s"] == pytest.approx(probe["work"] * probe["seconds_per_work"]) and p["measured_rate"] == 1
    assert p["analysis_s"] == pytest.approx(1.0)  # the pass less its probe
    unmeasured = {**probe, "seconds_per_work": None}
    assert project({"plan_seconds": 1.0, "calls": [unmeasured, call]}, cache, _model())["expected_s"] == \
        pytest.approx(probe["work"] * 1e-3)
    cold = project({"plan_seconds": 1.0, "calls": [probe, call]}, cache, _model(), assume_cold=True)
    assert cold["rest_on"] == {"cache": 0, "twin": 0, "probe": 2, "budget": 0}  # the probe's own run too
    plan._INDEX[str(cache.root)] = {}  # an index of the cache read before the probe ran (an earlier notebook's plan)
    again = project({"plan_seconds": probe["seconds"] + 1.0, "calls": [probe, call]}, cache, _model())
    assert again["expected_s"] == pytest.approx(p["expected_s"]) and again["rest_on"] == p["rest_on"]
    # the real run reuses the probe, and a lone run of the same configuration gives the same numbers
    monkeypatch.delenv(plan.PLAN_ENV)
    plan._INDEX.clear()
    au.train_runs(cfgs, cache=cache, progress=False)
    assert len(cache.entries()) == 2
    other = Cache(tmp_path / "other")
    au.train_runs(cfgs[:1], cache=other, progress=False)
    assert other.get(cfgs[0])["final_loss"] == cache.get(cfgs[0])["final_loss"]


def test_a_batch_is_timed_as_a_batch_and_its_speed_scaled_to_other_sizes(tmp_path, plan_mode, monkeypatch):
    from tools.lib.projection import project

    monkeypatch.setenv(plan.PROBE_ENV, "60")
    cache = Cache(tmp_path / "cache" / "runs")
    cfgs = _configs(seeds=(0, 1, 2), epochs=3000, threshold=1e-6)
    au.train_runs(cfgs, cache=cache, progress=False)
    probe, timing, call = _calls(plan_mode)
    assert timing["kind"] == "timing" and timing["k"] == 2 and timing["finished"] and timing["seconds_per_work"] > 0
    assert timing["keys"] == [config_key(c) for c in cfgs[1:]] and len(cache.entries()) == 3  # it ended: stored
    assert all(r["cached"] for r in call["runs"])
    # from an empty cache: one batch of three, its slowest member's work at the batch's speed scaled from 2 to 3
    # members by a cost model proportional to the members (and no overhead)
    per_member = costs.CostModel({f: np.array([0, 0, 0, 0, 0, 1.0, 0, 0]) for f in ("adam", "gd", "flow")},
                                 {"float64": 1.0}, [0.0, 0.0, 0.0])
    cold = project({"plan_seconds": 0.0, "calls": [probe, timing, call]}, cache, per_member, assume_cold=True)
    slowest = max(cache.get(c)["epochs"] for c in cfgs)
    assert cold["rest_on"] == {"cache": 0, "twin": 0, "probe": 3, "budget": 0} and cold["measured_rate"] == 3
    assert cold["expected_s"] == pytest.approx(slowest * timing["seconds_per_work"] * 3 / 2)
    assert cold["probe_s"] == pytest.approx(probe["seconds"] + timing["seconds"])
    # a batch that cannot end within the probe's time is stopped once its speed is measured, and stores nothing
    plan_mode.write_text("")
    monkeypatch.setenv(plan.PROBE_ENV, "3,60")
    slow = _configs(seeds=(0, 1, 2), width=9, epochs=10**7, threshold=1e-30)
    au.train_runs(slow, cache=cache, progress=False)
    probe, timing, call = _calls(plan_mode)
    assert not probe["finished"] and not timing["finished"] and timing["seconds_per_work"] > 0
    assert not any(c in cache for c in slow)
    plan._PROJECTED.clear()


def test_a_timing_stops_once_its_batch_cannot_end_in_time(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(plan.time, "perf_counter", lambda: clock[0])

    def run(loss_at, deadline=100.0, epochs=10**6, timing=True):
        """Train (simulated: 50 epochs per 0.1 s) until the bar stops it: the seconds it ran, negative if stopped."""
        clock[0] = 0.0
        bar = plan._ProbeBar(epochs, deadline, [], [], threshold=1e-8 if timing else None, budget=epochs)
        try:
            for n in range(50, epochs + 1, 50):
                clock[0] += 0.1
                bar.update(50)
                bar.set_postfix(loss=loss_at(n))
                if loss_at(n) < 1e-8:
                    return clock[0]
        except plan.ProbeDeadline:
            return -clock[0]
        return clock[0]

    # a loss that reaches the threshold at epoch 80,000 (160 s here) cannot end within 100 s: stopped once 2 s of
    # progress are measured
    assert -2.4 < run(lambda n: 10 ** (-n / 10_000)) < -2.0
    # one that reaches it at epoch 8,000 (16 s) runs to its end, unless the deadline is sooner
    assert run(lambda n: 10 ** (-n / 1_000)) == pytest.approx(16.1)
    assert run(lambda n: 10 ** (-n / 1_000), deadline=10.0) == pytest.approx(-2.1)
    # a probe (no threshold given) runs to its deadline
    assert run(lambda n: 10 ** (-n / 10_000), deadline=10.0, timing=False) == pytest.approx(-10.1)
    # the curve is fitted at most every FIT_EVERY seconds, not at each of the 161 updates of a 16.1 s run
    fits = []
    real = plan.extrapolate_work
    monkeypatch.setattr(plan, "extrapolate_work", lambda *a: fits.append(clock[0]) or real(*a))
    assert run(lambda n: 10 ** (-n / 1_000)) == pytest.approx(16.1)
    assert 2 < len(fits) <= (16.1 - 2.0) / plan._ProbeBar.FIT_EVERY + 1
    assert min(b - a for a, b in zip(fits, fits[1:])) >= plan._ProbeBar.FIT_EVERY - 1e-9


def test_a_probe_at_its_time_limit_extrapolates_and_stores_nothing(tmp_path, plan_mode, monkeypatch):
    from tools.lib.projection import project

    monkeypatch.setenv(plan.PROBE_ENV, "1.5,1.5")
    cache = Cache(tmp_path / "cache" / "runs")
    cfgs = _configs(seeds=(0, 1), epochs=10**6, threshold=1e-30)
    other = _configs(seeds=(0,), width=9, epochs=10**6, threshold=1e-30)  # a second recipe: no probe time left
    au.train_runs(cfgs + other, cache=cache, progress=False)
    probe, call = _calls(plan_mode)
    assert probe["kind"] == "probe" and not probe["finished"] and cache.entries() == []
    assert 0 < probe["work_done"] <= probe["work"] <= 10**6
    assert plan.expected_work(cfgs[1], cache) == (probe["work"], "probe")
    p = project({"plan_seconds": 1.0, "calls": [probe, call]}, cache, _model())
    assert p["rest_on"] == {"cache": 0, "twin": 0, "probe": 2, "budget": 1}
    assert p["expected_s"] == pytest.approx(probe["work"] * probe["seconds_per_work"] + 10**6 * 1e-3)
    # a run of the same recipe with a larger budget is counted at the projection, not at the probe's budget
    big = {**probe, "work": 1000, "budget": 1000, "projected": 5000, "seconds_per_work": None}
    longer = {**call, "runs": [{**r, "config": {**r["config"], "max_epochs": 10**6}} for r in call["runs"]]}
    at = project({"plan_seconds": 0.0, "calls": [big, longer]}, cache, _model())
    assert at["expected_s"] == pytest.approx(5000 * 1e-3 + 10**6 * 1e-3)  # the other recipe: at its budget
    flat = {**big, "projected": None}  # a loss that does not fall: each run at its own budget
    assert project({"plan_seconds": 0.0, "calls": [flat, longer]}, cache, _model())["expected_s"] == \
        pytest.approx(2 * 10**6 * 1e-3)
    plan._PROJECTED.clear()


def test_a_run_outside_the_cache_is_probed_and_leaves_its_epochs(tmp_path, plan_mode, monkeypatch):
    from tools.lib.projection import project

    monkeypatch.setenv(plan.PROBE_ENV, "60")
    x = torch.randn(5, dtype=torch.float64)
    kw = dict(max_epochs=400, loss_threshold=1e-6, lr=0.05)
    out = au.theory_runs.train_rank1("tanh", x, 8, **kw)
    direct, probe = _calls(plan_mode)
    assert probe["kind"] == "probe" and probe["key"] == direct["key"] and probe["finished"]
    assert probe["work"] == out["epochs"] > 0 and direct["work"] is None
    p = project({"plan_seconds": 1.0, "calls": [direct, probe]}, Cache(tmp_path / "c"), _model())
    assert p["rest_on"]["probe"] == 1 and p["expected_s"] == pytest.approx(out["epochs"] * 1e-3)
    monkeypatch.delenv(plan.PROBE_ENV)  # a later plan finds the probe's epochs in its cost file
    au.theory_runs.train_rank1("tanh", x, 8, **kw)
    assert _calls(plan_mode)[-1]["work"] == out["epochs"]
    monkeypatch.setenv(plan.PROBE_ENV, "soon")
    with pytest.raises(ValueError, match=plan.PROBE_ENV):
        plan.probe_limits()


def test_make_plan_of_a_paper_cell_plans_its_parameters_and_records_its_cold_projection(tmp_path, monkeypatch, capsys):
    """`make plan CELL=03-wide PROBE=30`: the cell's notebook at the paper preset with the cell's parameters, stored
    as cell-03-wide, its projection from an empty cache in figures/paper/plan.json; an unknown cell or a malformed
    probe setting is refused, naming what is accepted."""
    import tools.plan as tp
    from tools.lib.cells import CELLS

    monkeypatch.setattr(tp, "ROOT", tmp_path)
    monkeypatch.delenv("ATTRACTOR_FIGURES", raising=False)
    cache = Cache(tmp_path / "cache")
    monkeypatch.setattr("attractor_utils.runs.caching.default_cache", lambda name="runs": cache)
    monkeypatch.setattr(tp, "_calibration", lambda force=False: _model())
    cfgs = _configs(seeds=(0, 1), epochs=300)
    seen = {}

    def fake_plan(nb, preset, fresh=False, cell_timeout=None, params=None, probe=None, name=None):
        seen.update(nb=nb.stem, preset=preset, params=params, probe=probe, name=name)
        return {"notebook": nb.stem, "preset": preset, "plan_seconds": 2.0, "errors": [],
                "calls": [{"kind": "sweep", "device": "cpu",
                           "runs": [{"key": config_key(c), "cached": False, "config": c} for c in cfgs]}]}

    monkeypatch.setattr(tp, "get_plan", fake_plan)
    # a plan.json of one processor (as first written) keeps it for its entries; the new entry names its own
    (tmp_path / "figures" / "paper").mkdir(parents=True)
    (tmp_path / "figures" / "paper" / "plan.json").write_text(json.dumps({"machine": "Old CPU, 2 torch threads",
                                                                          "seconds": {"01_a": 5.0}}))
    assert tp.main(["--cell", "03-wide", "--probe", "30"]) == 0
    assert seen == {"nb": CELLS["03-wide"]["notebook"], "preset": "paper", "params": CELLS["03-wide"]["parameters"],
                    "probe": "30", "name": "cell-03-wide"}
    doc = json.loads((tmp_path / "figures" / "paper" / "plan.json").read_text())
    assert doc["cold_seconds"]["cell-03-wide"] == pytest.approx(2.0 + 300 * 1e-3, abs=0.1)
    assert doc["rests_on"]["cell-03-wide"] == {"budget": 2}
    assert doc["machine"]["01_a"] == "Old CPU, 2 torch threads" and set(doc["machine"]) == {"01_a", "cell-03-wide"}
    assert doc["machine"]["cell-03-wide"] != "Old CPU, 2 torch threads"
    with pytest.raises(SystemExit, match="accepted values: 03-wide"):
        tp.main(["--cell", "03-widest"])
    with pytest.raises(SystemExit):
        tp.main(["--probe", "soon"])
    assert "--probe='soon'" in capsys.readouterr().err


def test_the_cost_models_parameter_features_split_a_batch_at_its_cache_sizes():
    c = _configs(width=1000)[0] | {"dim": 32, "n": 1, "depth": 3}
    for k in (1, 3, 9, 30):
        P = k * costs._params(c) / 1e6
        f = costs._features(c, k, 1.0, 8.0)
        inner, mid, far = f[costs.FEATURES.index("Mparam_cached")], f[costs.FEATURES.index("Mparam_memory")], \
            f[costs.FEATURES.index("Mparam_far")]
        assert inner + mid + far == pytest.approx(P) and inner <= 1.0 and mid <= 7.0 and far == max(P - 8.0, 0.0)
        one = costs._features(c, k, 1.0)  # a single split: nothing counted as far
        assert one[-1] == 0.0 and one[3] + one[4] == pytest.approx(P)
