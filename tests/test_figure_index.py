"""figures/README.md as a record a reader can use: one machine note, per notebook the time of one cold run (never a
run whose cache held entries) and of a warm re-render, and the total of the cold times, or a plain statement that it
is not known."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.lib.cells import CELLS, cell_of  # noqa: E402
from tools.lib.index import write_index  # noqa: E402
from tools.lib.records import output_folder, record, run_kind  # noqa: E402

HOST = "Test CPU, 2 cores, torch 2.13.0"


def test_only_a_run_on_an_empty_cache_is_cold():
    assert run_kind(0, 12, isolated=False) == "cold"
    assert run_kind(480, 12, isolated=True) == "cold"  # --cold: an empty cache of its own
    assert run_kind(480, 0, isolated=False) == "warm"
    assert run_kind(480, 12, isolated=False) == "mixed"  # it may have reused some of the 480
    r = record(None, "default", 100.0, 480, 12, False, host=HOST, date="2025-01-01")
    assert "cold" not in r and "warm" not in r and r["last"]["kind"] == "mixed"
    r = record(r, "default", 300.0, 0, 40, True, host=HOST, date="2025-01-02")
    r = record(r, "default", 20.0, 520, 0, False, host=HOST, date="2025-01-03")
    r = record(r, "default", 90.0, 500, 3, False, host=HOST, date="2025-01-04")  # a mixed run keeps both times
    assert (r["cold"]["seconds"], r["warm"]["seconds"], r["last"]["kind"]) == (300.0, 20.0, "mixed")
    r = record(r, "default", 25.0, 503, 0, False, host=HOST, date="2025-01-05")  # a warm re-run keeps the training run
    assert (r["mixed"]["seconds"], r["mixed"]["trained"], r["warm"]["seconds"]) == (90.0, 3, 25.0)
    legacy = {"seconds": 55.0, "note": "cold: trained 3 new runs", "preset": "default"}
    assert "cold" not in record(legacy, "default", 9.0, 500, 2, False, host=HOST)  # an old note is no cold time


def _index(tmp_path, timings) -> str:
    for stem in timings:
        (tmp_path / f"{stem}.png").write_bytes(b"")
        (tmp_path / f"{stem}.csv").write_text("a\n1\n")
    return write_index(tmp_path, timings).read_text()


def test_the_index_states_the_machine_once_and_the_total_of_the_cold_times(tmp_path):
    cold = {"seconds": 120.0, "date": "2025-01-02", "machine": HOST, "trained": 40}
    timings = {"01_a": {"preset": "default", "cold": cold, "warm": {**cold, "seconds": 9.0, "trained": 0}},
               "02_b": {"preset": "default", "cold": {**cold, "seconds": 60.0}}}
    text = _index(tmp_path, timings)
    assert text.startswith("# Figures (default preset)") and text.count(HOST) == 1
    assert "| 120 | 9 |" in text and "| 60 | - |" in text
    assert "**Total of one cold run of all 2 notebooks**: 180 s (3.0 min)" in text
    assert "[01_a.png](01_a.png)" in text and "01_a.csv" in text


def test_an_unknown_cold_time_is_said_not_invented(tmp_path):
    cold = {"seconds": 120.0, "date": "2025-01-02", "machine": HOST, "trained": 40}
    timings = {"01_a": {"preset": "default", "cold": cold},
               "02_b": {"preset": "default", "last": {**cold, "kind": "mixed", "cache_before": 9}},
               "03_c": {"seconds": 55.0, "note": "an old record", "preset": "default"}}
    text = _index(tmp_path, timings)
    assert "the cold time of `02_b`, `03_c` is not measured, so the total of one cold run is not known" in text
    row = next(ln for ln in text.splitlines() if ln.startswith("| `03_c.ipynb`"))
    assert row.endswith("| - | - |")  # its old wall time is not shown as a cold time
    other = {**cold, "machine": "Other CPU, 8 cores, torch 2.13.0"}
    text = _index(tmp_path, {"01_a": {"preset": "default", "cold": cold}, "02_b": {"preset": "smoke", "cold": other}})
    assert "[A]" in text and "[B]" in text and "do not add up" in text


def test_the_folder_a_notebook_wrote_to_is_read_from_its_set_up_output(tmp_path):
    nb = {"cells": [{"cell_type": "code", "outputs": [{"name": "stdout", "output_type": "stream",
                                                       "text": "preset='default'\nfigures and CSVs -> /x/figures/variants/a--b=1\n"}]}]}
    (tmp_path / "a.ipynb").write_text(json.dumps(nb))
    assert output_folder(tmp_path / "a.ipynb") == Path("/x/figures/variants/a--b=1")
    assert output_folder(tmp_path / "missing.ipynb") is None


def test_a_plan_next_to_the_cold_times_is_compared_with_them(tmp_path):
    """A folder with `make plan`'s plan.json (the paper preset's) gets a table of cold time against the projection,
    with their ratio, for the notebooks that have both; a folder without one gets none."""
    cold = {"seconds": 300.0, "date": "2025-01-02", "machine": HOST, "trained": 40}
    timings = {"01_a": {"preset": "paper", "cold": cold}, "02_b": {"preset": "paper"}}
    assert "Plan against measurement" not in _index(tmp_path, timings)
    (tmp_path / "plan.json").write_text(json.dumps({"machine": {"01_a": "Test CPU", "02_b": "Test CPU"},
                                                    "seconds": {"01_a": 100.0, "02_b": 5.0},
                                                    "at_most_seconds": {"01_a": 400.0, "02_b": 9.0}}))
    text = _index(tmp_path, timings)
    assert "Plan against measurement" in text and "| `01_a` | 300 | 100 | 3.00 | - | 400 |" in text
    assert "| `02_b` |" not in text  # no cold time: nothing to compare
    # a plan made with probes: its projection from an empty cache, and what it rests on
    (tmp_path / "plan.json").write_text(json.dumps({"machine": {"01_a": "Test CPU"}, "seconds": {"01_a": 100.0},
                                                    "cold_seconds": {"01_a": 250.0},
                                                    "rests_on": {"01_a": {"probe": 3, "budget": 1}},
                                                    "probe_seconds": {"01_a": 42.0}}))
    assert "| `01_a` | 300 | 250 | 1.20 | probe 3, budget 1 (probes 42 s) | - |" in _index(tmp_path, timings)
    # a cold time measured on another processor is not divided by this one's projection
    (tmp_path / "plan.json").write_text(json.dumps({"machine": {"01_a": "Other CPU, 2 torch threads"},
                                                    "seconds": {"01_a": 100.0}}))
    assert "| `01_a` | 300 | 100 | - (cold on Test CPU) | - | - |" in _index(tmp_path, timings)
    # one plan.json, projections made on two processors: each row is judged by its own
    timings["02_b"]["cold"] = {**cold, "machine": "Other CPU, 2 cores, torch 2", "seconds": 10.0}
    (tmp_path / "plan.json").write_text(json.dumps({"machine": {"01_a": "Other CPU, 2 torch threads",
                                                                "02_b": "Other CPU, 2 torch threads"},
                                                    "seconds": {"01_a": 100.0, "02_b": 5.0}}))
    text = _index(tmp_path, timings)
    assert "| `01_a` | 300 | 100 | - (cold on Test CPU) |" in text and "| `02_b` | 10 | 5 | 2.00 |" in text


def test_paper_cells_are_listed_with_their_training_run_and_what_they_decide(tmp_path):
    """make paper-cells writes variants/<notebook>--...; the index lists each with the claims it decides and how many
    networks its training run trained, and its time."""
    cell = CELLS["06-grid"]
    folder = tmp_path / "variants" / f"{cell['notebook']}--widths=32,128"
    folder.mkdir(parents=True)
    t = record(None, "paper", 1479.2, 1291, 6, False, host=HOST, date="2025-01-01")
    t = record(t, "paper", 24.8, 1297, 0, False, host=HOST, date="2025-01-01")
    (folder / "timings.json").write_text(json.dumps({cell["notebook"]: t}))
    text = _index(tmp_path, {"01_a": {"preset": "paper"}})
    row = next(ln for ln in text.splitlines() if ln.startswith("| `06-grid`"))
    assert "| 6 | 1479 | - | - | 25 |" in row and cell["decides"][0] in row

    def row_with(rests_on: dict, machine: str = "Test CPU") -> str:
        (tmp_path / "plan.json").write_text(json.dumps({"machine": {"cell-06-grid": machine},
                                                        "cold_seconds": {"cell-06-grid": 1200.0},
                                                        "rests_on": {"cell-06-grid": rests_on}}))
        return next(ln for ln in _index(tmp_path, {"01_a": {"preset": "paper"}}).splitlines()
                    if ln.startswith("| `06-grid`"))

    # the cell's projection next to its training run, and their ratio where the run trained what the plan projects
    assert "| 6 | 1479 | 1200 (probe 6) | 1.23 | 25 |" in row_with({"probe": 6})
    fewer = row_with({"probe": 4, "budget": 4})  # two were trained before: the ratio is a lower bound
    assert "| 6 | 1479 | 1200 (probe 4, budget 4) | ≥ 1.23 (6 of 8 trained) | 25 |" in fewer
    assert "| - (6 trained, 4 planned) |" in row_with({"probe": 4})
    assert "| 6 | 1479 | 1200 (-) | - | 25 |" in row_with({})  # a plan that does not say what it projects
    assert "| - (run on Test CPU) |" in row_with({"probe": 6}, machine="Other CPU, 2 torch threads")
    # two cells planned on two processors: each ratio on its own, the note names each processor's cells
    other = tmp_path / "variants" / "10_generalization--widths=50--sweep_radii=empty--loss_threshold=0.01"
    other.mkdir()
    t = record(None, "paper", 300.0, 0, 12, True, host="Other CPU, 2 cores, torch 2", date="2025-01-02")
    (other / "timings.json").write_text(json.dumps({"10_generalization": t}))
    (tmp_path / "plan.json").write_text(json.dumps({
        "machine": {"cell-06-grid": "Test CPU, 2 torch threads", "cell-10-width50": "Other CPU, 2 torch threads"},
        "cold_seconds": {"cell-06-grid": 1200.0, "cell-10-width50": 200.0},
        "rests_on": {"cell-06-grid": {"probe": 6}, "cell-10-width50": {"probe": 12}}}))
    text = _index(tmp_path, {"01_a": {"preset": "paper"}})
    rows = {ln.split("|")[1].strip(): ln for ln in text.splitlines() if ln.startswith("| `")}
    assert "| 1.23 |" in rows["`06-grid`"] and "| 300 | 200 (probe 12) | 1.50 |" in rows["`10-width50`"]
    assert ("on Other CPU, 2 torch threads (10-width50); Test CPU, 2 torch threads (06-grid), and what its runs "
            "rest on.") in text
    assert "Paper cells" not in _index(tmp_path / "variants", {"01_a": {"preset": "paper"}})


def test_a_cell_folder_is_listed_under_the_cell_whose_settings_it_names(tmp_path):
    """Two cells of one notebook (09-wide, 09-wider) set the same parameters to other values: each folder is its own
    cell's, told apart by the values its name records."""
    wide = "09_width_depth_mnist--widths=512,1024--depths=4,6--cycle_lens=empty"
    assert cell_of(wide) == "09-wide"
    assert cell_of("09_width_depth_mnist--widths=2048--depths=3,4,5,6--cycle_lens=empty") == "09-wider"
    assert cell_of("09_width_depth_mnist--widths=64") is None and cell_of("01_single_example--seeds=0") is None
    folder = tmp_path / "variants" / wide
    folder.mkdir(parents=True)
    t = record(None, "paper", 307.0, 0, 8, False, host=HOST, date="2025-01-01")
    (folder / "timings.json").write_text(json.dumps({"09_width_depth_mnist": t}))
    text = _index(tmp_path, {"01_a": {"preset": "paper"}})
    assert "| `09-wide` |" in text and "| `09-wider` |" not in text
