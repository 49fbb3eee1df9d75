"""Properties (issue 28, item 5, the ``make compare`` half): ``tools/compare_figures.compare_tables`` holds its stated
tolerances on generated result tables. A table agrees with itself (NaN included) and with its CSV round trip; a
number moved within ``rtol`` passes and beyond it fails, naming row and column; a verdict count may move by its
row's borderline points and no further, in either direction; any other count, text, or a value appearing or
vanishing (NaN) fails; the loss of a run that stopped at its budget is loose; timings are never compared; and the
looser settings (``across_machines``, a larger ``rtol``) never report a difference the stricter ones pass."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import example, given, strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from attractor_utils.compare import ATTRACTOR_COUNTS, compare_tables  # noqa: E402
from tools.compare_figures import main  # noqa: E402

RTOL, ATOL, LOOSE = 1e-3, 1e-9, 0.25


@st.composite
def tables(draw, max_rows: int = 6) -> pd.DataFrame:
    """A result table as the notebooks write them: a configuration, convergence, losses, counts with their
    borderline points, a measured number, a text column and a timing."""
    n = draw(st.integers(1, max_rows))
    ints = lambda lo, hi: draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))  # noqa: E731
    measured = st.one_of(st.floats(-1e3, 1e3).filter(lambda v: abs(v) > 1e-3), st.just(float("nan")))
    nums = lambda: draw(st.lists(measured, min_size=n, max_size=n))  # noqa: E731
    attractors = ints(0, 20)
    return pd.DataFrame({
        "width": ints(1, 1000), "converged": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "final_loss": [abs(v) * 1e-6 for v in draw(st.lists(st.floats(1e-3, 1e3), min_size=n, max_size=n))],
        "n_attractors": attractors, "n_borderline": [min(a, b) for a, b in zip(attractors, ints(0, 3))],
        "n_true_fixed_points": ints(0, 30), "max_abs_eig": nums(),
        "activation": draw(st.lists(st.sampled_from(["relu", "tanh"]), min_size=n, max_size=n)),
        "train_seconds": draw(st.lists(st.floats(0, 100), min_size=n, max_size=n)),
    })


def _at(df: pd.DataFrame, row: int, col: str, v) -> pd.DataFrame:
    out = df.copy()
    out[col] = out[col].astype(object if isinstance(v, str) else float if isinstance(v, float) else out[col].dtype)
    out.loc[row, col] = v
    return out


@given(t=tables())
def test_a_table_agrees_with_itself_and_its_csv_round_trip(t):
    assert compare_tables(t.copy(), t) == []
    with tempfile.TemporaryDirectory() as d:
        a, b = Path(d, "a"), Path(d, "b")
        a.mkdir(), b.mkdir()
        t.to_csv(a / "t.csv", index=False)
        t.to_csv(b / "t.csv", index=False)
        assert compare_tables(pd.read_csv(a / "t.csv"), t) == []
        assert main([str(a), str(b)]) == 0


@given(t=tables(), data=st.data())
def test_a_measured_number_passes_within_rtol_and_fails_beyond(t, data):
    row = data.draw(st.integers(0, len(t) - 1))
    y = t.loc[row, "max_abs_eig"]
    if np.isnan(y):
        return
    within = data.draw(st.floats(-0.9 * RTOL, 0.9 * RTOL))
    beyond = data.draw(st.floats(1.1 * RTOL, 1.0)) * data.draw(st.sampled_from([-1, 1]))
    assert compare_tables(_at(t, row, "max_abs_eig", y * (1 + within)), t) == []
    diffs = compare_tables(_at(t, row, "max_abs_eig", y * (1 + beyond)), t)
    assert diffs and diffs[0].startswith(f"row {row}, max_abs_eig:")
    # tables from another CPU: measured numbers to 10 x rtol (every number of a run stopped by its budget: loose)
    tol = 10 * RTOL if t.loc[row, "converged"] else LOOSE
    assert compare_tables(_at(t, row, "max_abs_eig", y * (1 + 10 * within)), t, across_machines=True) == []
    moved = y * (1 + 10 * beyond)
    assert bool(compare_tables(_at(t, row, "max_abs_eig", moved), t, across_machines=True)) == \
        (not abs(moved - y) <= ATOL + tol * abs(y))


@example(t=pd.DataFrame({"width": [8], "converged": [True], "final_loss": [1e-9], "n_attractors": [3],
                         "n_borderline": [0], "n_true_fixed_points": [4], "max_abs_eig": [0.5],
                         "activation": ["relu"], "train_seconds": [1.0]}),
         col="n_true_fixed_points", row=0)  # a count that vanished (NaN) passed: NaN > slack is False
@given(t=tables(), col=st.sampled_from(["n_attractors", "n_true_fixed_points", "max_abs_eig", "final_loss", "width"]),
       row=st.integers(0, 5))
def test_a_value_that_appears_or_vanishes_is_a_difference(t, col, row):
    row = row % len(t)
    if pd.isna(t.loc[row, col]):
        return
    gone = _at(t, row, col, float("nan"))
    assert compare_tables(gone, t) and compare_tables(t, gone)


@given(t=tables(), data=st.data())
def test_a_verdict_count_moves_by_its_borderline_points_and_no_further(t, data):
    row = data.draw(st.integers(0, len(t) - 1))
    slack = int(t.loc[row, "n_borderline"])
    a = int(t.loc[row, "n_attractors"])
    if not t.loc[row, "converged"]:  # a run stopped by its budget: its verdict counts are loose (another property)
        t = _at(t, row, "converged", True)
    moved = data.draw(st.integers(-slack, slack))
    ok = _at(t, row, "n_attractors", a + moved)
    assert compare_tables(ok, t) == [] and compare_tables(t, ok) == []  # symmetric: either table may be the new one
    far = _at(t, row, "n_attractors", a + data.draw(st.sampled_from([-1, 1])) * (slack + data.draw(st.integers(1, 5))))
    assert compare_tables(far, t) and compare_tables(t, far)
    # the other verdict counts: slack n_borderline_any, which this table lacks, so n_borderline (its lower bound)
    other = _at(t, row, "n_true_fixed_points", int(t.loc[row, "n_true_fixed_points"]) + slack + 1)
    assert compare_tables(other, t)
    assert "n_attractors" in ATTRACTOR_COUNTS


@given(t=tables(), data=st.data())
def test_text_is_exact_and_timings_ignored(t, data):
    row = data.draw(st.integers(0, len(t) - 1))
    flipped = "tanh" if t.loc[row, "activation"] == "relu" else "relu"
    assert compare_tables(_at(t, row, "activation", flipped), t)
    # a configuration number is an "other number" (rtol): width 1000 vs 1001 passes, 1000 vs 2001 does not
    assert compare_tables(_at(t, row, "width", 2 * int(t.loc[row, "width"]) + 1), t)
    assert compare_tables(_at(t, row, "train_seconds", data.draw(st.floats(0, 1e6))), t) == []


@given(t=tables(), data=st.data())
def test_the_loss_of_a_run_stopped_by_its_budget_is_loose(t, data):
    row = data.draw(st.integers(0, len(t) - 1))
    y = float(t.loc[row, "final_loss"])
    f = 1 + data.draw(st.floats(-0.9 * LOOSE, 0.9 * LOOSE))
    moved = _at(t, row, "final_loss", y * f)
    if t.loc[row, "converged"]:
        assert bool(compare_tables(moved, t)) == (abs(y * f - y) > ATOL + RTOL * y)
    else:
        assert compare_tables(moved, t) == []
    far = y * (1 + 2 * LOOSE)
    assert bool(compare_tables(_at(t, row, "final_loss", far), t)) == (far - y > ATOL + LOOSE * y)


@st.composite
def table_pairs(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reference and a new table, each number moved by up to 50 %, each count by up to 3."""
    ref = draw(tables())
    new = ref.copy()
    n = len(ref)
    for col in ("final_loss", "max_abs_eig"):
        new[col] = ref[col] * (1 + np.array(draw(st.lists(st.floats(-0.5, 0.5), min_size=n, max_size=n))))
    for col in ("n_attractors", "n_true_fixed_points"):
        new[col] = ref[col] + np.array(draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n)))
    return new, ref


@given(pair=table_pairs(), rtol=st.sampled_from([1e-4, 1e-3, 1e-2]))
def test_looser_settings_never_report_more(pair, rtol):
    new, ref = pair
    strict = compare_tables(new, ref, rtol=rtol)
    assert len(compare_tables(new, ref, rtol=rtol, across_machines=True)) <= len(strict)
    assert len(compare_tables(new, ref, rtol=10 * rtol)) <= len(strict)
    if not strict:
        assert compare_tables(new, ref, rtol=rtol, across_machines=True) == []
