"""tools/compare_figures.py: a fresh result table against the committed one, within stated tolerances."""
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.compare_figures import compare_tables, main  # noqa: E402

REF = pd.DataFrame({"width": [50, 1000], "converged": [False, True], "final_loss": [0.28, 9.9e-8],
                    "n_attractors": [0, 4], "max_abs_eig": [1.05, 0.2], "data_source": ["x", "x"],
                    "train_seconds": [1.0, 2.0]})


def _with(col, row, v):
    d = REF.copy()
    d.loc[row, col] = v
    return d


def test_tolerances():
    assert compare_tables(REF.copy(), REF) == []
    assert compare_tables(_with("max_abs_eig", 1, 0.2 * (1 + 5e-4)), REF) == []   # within rtol 1e-3
    assert compare_tables(_with("max_abs_eig", 1, 0.2 * (1 + 5e-3)), REF)        # beyond
    assert compare_tables(_with("n_attractors", 1, 3), REF)                        # counts are exact
    assert compare_tables(_with("final_loss", 0, 0.304), REF) == []               # unconverged loss: loose
    assert compare_tables(_with("final_loss", 1, 1.1e-7), REF)                    # converged loss: not
    assert compare_tables(_with("data_source", 0, "y"), REF)
    assert compare_tables(_with("train_seconds", 0, 99.0), REF) == []             # timings not compared
    assert compare_tables(REF.drop(columns="width"), REF)
    assert compare_tables(REF.iloc[:1], REF)
    inf = REF.assign(width=float("inf"))                                           # the limit's width column
    assert compare_tables(inf, inf) == [] and compare_tables(inf, REF)


def test_counts_may_differ_by_their_borderline_points():
    """The issue-17 case: 4 attractors committed, 3 on another machine, where one training point's verdict sits at
    a threshold: allowed when that row has a borderline point, not otherwise, and never by more."""
    ref = REF.assign(n_borderline=[0, 1])
    assert compare_tables(_with("n_attractors", 1, 3).assign(n_borderline=[0, 1]), ref) == []
    assert compare_tables(_with("n_attractors", 1, 2).assign(n_borderline=[0, 1]), ref)   # by more than 1
    assert compare_tables(_with("n_attractors", 0, 1).assign(n_borderline=[0, 1]), ref)   # row 0: none borderline
    assert compare_tables(_with("n_attractors", 1, 3).assign(n_borderline=[0, 0]), REF.assign(n_borderline=[0, 0]))
    both = REF.assign(n_borderline=[0, 1], n_images=[100, 100])
    assert compare_tables(both.assign(n_images=[100, 99]), both)  # other counts stay exact
    # the loose test's counts get the slack of points borderline for any verdict
    loose = REF.assign(n_borderline=[0, 0], n_borderline_any=[0, 2], n_settled=[10, 41])
    assert compare_tables(loose.assign(n_settled=[10, 39]), loose) == []
    assert compare_tables(loose.assign(n_settled=[10, 38]), loose)
    assert compare_tables(loose.assign(n_attractors=[0, 3]), loose)  # n_borderline 0: attractors exact
    # a run that did not reach its threshold (row 0) ends wherever rounding took it: its counts are loose
    assert compare_tables(loose.assign(n_settled=[11, 41]), loose) == []


def test_across_machines_loosens_the_training_path_only():
    """Another CPU: a converged run may cross its threshold an epoch apart (final loss within a factor 2, epochs to
    25 %), a run stopped by its budget ends elsewhere; the measured quantities stay at 10 x rtol, counts exact."""
    ref = REF.assign(epochs=[500, 40])
    moved = ref.assign(final_loss=[0.3, 5.2e-8], epochs=[500, 41])
    assert compare_tables(moved, ref)                                   # same machine: a difference
    assert compare_tables(moved, ref, across_machines=True) == []
    assert compare_tables(moved.assign(final_loss=[0.3, 2.5e-7]), ref, across_machines=True)   # > factor 2
    assert compare_tables(_with("max_abs_eig", 1, 0.2 * (1 + 5e-3)), REF, across_machines=True) == []
    assert compare_tables(_with("max_abs_eig", 1, 0.2 * (1 + 5e-2)), REF, across_machines=True)
    assert compare_tables(_with("n_attractors", 1, 3), REF, across_machines=True)


def test_folders(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    REF.to_csv(b / "t.csv", index=False)
    REF.to_csv(a / "t.csv", index=False)
    assert main([str(a), str(b)]) == 0
    _with("n_attractors", 0, 1).to_csv(a / "t.csv", index=False)
    assert main([str(a), str(b)]) == 1 and "DIFFER t.csv" in capsys.readouterr().out


def test_common_columns_against_an_older_schema(tmp_path, capsys):
    """A table that gained n_borderline since the reference: refused as is, compared on the shared columns with
    --common-columns, where the new table's borderline points still give the counts their slack."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    REF.to_csv(b / "t.csv", index=False)
    _with("n_attractors", 1, 3).assign(n_borderline=[0, 1]).to_csv(a / "t.csv", index=False)
    assert main([str(a), str(b)]) == 1
    assert main([str(a), str(b), "--common-columns"]) == 0
    assert "left out the columns only one table has: ['n_borderline']" in capsys.readouterr().out
    _with("n_attractors", 1, 2).assign(n_borderline=[0, 1]).to_csv(a / "t.csv", index=False)
    assert main([str(a), str(b), "--common-columns"]) == 1


def test_the_committed_figures_agree_with_themselves():
    assert main([str(ROOT / "figures"), str(ROOT / "figures")]) == 0


def test_a_run_that_rewrites_a_committed_table_says_how_it_differs():
    """save_csv's note: nothing for the committed text or a file outside the repository; a loss 4 % off (another
    CPU) is named as within --across-machines; a changed count as beyond it."""
    import io

    import pandas as pd

    from attractor_utils.outputs import committed_table_note

    path = ROOT / "figures" / "02_linear_region.csv"
    committed = subprocess.run(["git", "show", "HEAD:figures/02_linear_region.csv"], cwd=ROOT, capture_output=True,
                               text=True).stdout
    assert committed_table_note(path, committed) == ""
    assert committed_table_note(Path("/tmp/elsewhere/02_linear_region.csv"), committed + "x") == ""
    df = pd.read_csv(io.StringIO(committed))
    other_cpu = df.assign(final_loss=df.final_loss * 1.04).to_csv(index=False, float_format="%.6g",
                                                                  lineterminator="\n")
    note = committed_table_note(path, other_cpu)
    assert f"in {len(df)} value(s)" in note and "within `make compare ARGS=--across-machines`" in note, note
    changed = df.assign(epochs=df.epochs * 3).to_csv(index=False, float_format="%.6g", lineterminator="\n")
    assert "BEYOND" in committed_table_note(path, changed)


def test_a_table_written_before_a_column_rename_is_read_with_the_new_names():
    """Issue 34's renames: 12's n_iterative_fixed_points counted true fixed points, 06's counted settled iterations;
    each is mapped to its own new name, and a table without old names is left as it is."""
    from attractor_utils.compare import with_current_names

    old = pd.DataFrame({"n_attractors": [3], "n_iterative_fixed_points": [5]})
    assert list(with_current_names(old, "12_recovery.csv").columns) == ["n_attractors", "n_true_fixed_points"]
    assert list(with_current_names(old, "figures/06_relu_grid.csv").columns) == ["n_attractors", "n_settled"]
    assert list(with_current_names(old, "01_single_example").columns) == list(old.columns)
