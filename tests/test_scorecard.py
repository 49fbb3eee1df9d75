"""The scorecard's paper-scale column and cost column (tools/lib/scorecard.py) on constructed claims tables: a paper cell
that has none of the runs a claim needs leaves that claim "not run", and a cell's cost is its training run's time."""
import json
import sys
from pathlib import Path

import pandas as pd

from attractor_utils import claims

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.lib.records import record  # noqa: E402
from tools.lib.scorecard import write_scorecard  # noqa: E402

HOST = "Test CPU, 2 cores, torch 2.13.0"


def _table(folder: Path, rows: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows)[claims.COLUMNS].to_csv(folder / "06_relu_grid_claims.csv", index=False)


def test_a_cell_verdict_of_not_tested_is_not_run_and_the_cost_is_the_training_run(tmp_path):
    def rows(v_open, v_other):
        return [claims.claim("Open claim", "p", "m", "disagrees" if v_open == "not reached" else v_open, "r",
                             source="s", evidence="e", unmet=["too few runs"] if v_open == "not reached" else []),
                claims.claim("Other claim", "p", "m", v_other, "r", source="s", evidence="e")]

    _table(tmp_path, rows("not reached", "not tested"))
    cell = tmp_path / "paper" / "variants" / "06_relu_grid--widths=32,128"
    _table(cell, rows("partly", "not tested"))  # the cell decides the open claim and has no run for the other
    t = record(None, "paper", 1479.2, 1291, 6, False, host=HOST, date="2025-01-01")
    t = record(t, "paper", 24.8, 1297, 0, False, host=HOST, date="2025-01-01")
    (cell / "timings.json").write_text(json.dumps({"06_relu_grid": t}))
    (tmp_path / "paper" / "plan.json").write_text(json.dumps({"seconds": {"06_relu_grid": 51_000.0}}))
    card = write_scorecard(tmp_path).read_text()
    open_row = next(ln for ln in card.splitlines() if ln.startswith("| `06_relu_grid` | Open claim") and "partial" in ln)
    assert "**partly** (partial: `variants/06_relu_grid--widths=32,128`)" in open_row
    other_row = next(ln for ln in card.splitlines() if ln.startswith("| `06_relu_grid` | Other claim |") and "| s |" in ln)
    assert "| not run |" in other_row
    cost_rows = [ln for ln in card.splitlines() if ln.startswith("| `06_relu_grid` |") and "measured:" in ln]
    assert cost_rows and all("measured: 25 min, 6 networks trained" in ln for ln in cost_rows)  # not the 25 s re-run
    # the cell is not the whole preset: what the whole would cost stays in view
    assert all("projected: 14.2 h for the paper preset" in ln for ln in cost_rows)
    # a cell judged from networks other cells trained has only a warm run: its cost says it trained none
    whole = tmp_path / "paper" / "variants" / "06_relu_grid--biases=True--seeds=0"
    _table(whole, rows("partly", "not tested"))
    (whole / "timings.json").write_text(json.dumps(
        {"06_relu_grid": record(None, "paper", 47.0, 1400, 0, False, host=HOST, date="2025-01-02")}))
    card = write_scorecard(tmp_path).read_text()
    cost_rows = [ln for ln in card.splitlines() if ln.startswith("| `06_relu_grid` |") and "measured:" in ln]
    assert all("1 min, 0 networks trained (`variants/06_relu_grid--biases=True--seeds=0`)" in ln for ln in cost_rows)


def test_a_projected_cell_that_decides_an_open_claim_is_its_cost_with_what_it_rests_on(tmp_path):
    """`make plan CELL=06-thesis PROBE=...` writes the cell's projection from an empty cache and what its runs rest on;
    the scorecard gives it as the cost of the claims the cell decides (and only those), until the cell has run."""
    from tools.lib.cells import CELLS

    decided = CELLS["06-thesis"]["decides"][0]
    _table(tmp_path, [claims.claim(decided, "p", "m", "not tested", "r", source="s", evidence="e"),
                      claims.claim("Unrelated claim", "p", "m", "not tested", "r", source="s", evidence="e")])
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "plan.json").write_text(json.dumps(
        {"cold_seconds": {"cell-06-thesis": 7200.0}, "rests_on": {"cell-06-thesis": {"probe": 20, "budget": 10}}}))
    card = write_scorecard(tmp_path).read_text()
    cost = {ln.split("|")[2].strip(): ln for ln in card.splitlines() if ln.startswith("| `06_relu_grid` |")
            and ("not tested |" in ln)}
    assert "projected: 2.0 h for cell `06-thesis` (`make plan`; runs: 20 on a probe, 10 on budget)" in cost[decided]
    assert "06-thesis" not in cost["Unrelated claim"]
