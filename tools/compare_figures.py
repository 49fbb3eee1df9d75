"""Compare freshly computed result tables with reference ones, within stated tolerances (``make compare``).

    python tools/compare_figures.py                      # figures/*.csv against the committed ones (git HEAD)
    python tools/compare_figures.py NEW_DIR REF_DIR      # two folders of CSVs
    python tools/compare_figures.py --rev HEAD~3 --common-columns   # against an earlier commit's tables,
                                                         # on the columns both have (a column was added since)

Rules, per column: text and booleans must be equal; integer counts (names starting with ``n_``) must be equal,
except counts of training-point verdicts: attractor counts (and ``n_recovered``, ``n_borderline``) may differ by up
to the row's ``n_borderline``, the other verdict counts (fixed points, false positives, radii below 1) by up to its
``n_borderline_any`` (the larger of the two tables'): those points' verdicts sit at a threshold
(``au.classify_attractors``); in a run that did not reach its loss threshold they may differ by ``--loose-rtol``;
other numbers must agree to ``--rtol`` (default 1e-3) relative or ``--atol`` (1e-9) absolute, except the losses of
runs that did not reach their threshold, which may differ by ``--loose-rtol`` (default 0.25): a run stopped by its
budget ends wherever float rounding on this CPU took it. Timings are not compared. Prints every difference
beyond tolerance and exits 1 if there is one. Same machine, same seed: expect no difference at all.
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SKIP_COLUMNS = {"train_seconds", "seconds"}
LOSS_COLUMNS = {"final_loss", "last_loss"}
# counts of training points by a verdict that a borderline point can flip: the attractor counts (slack:
# n_borderline) and the others (slack: n_borderline_any, where the table has it)
ATTRACTOR_COUNTS = {"n_attractors", "n_recovered", "n_borderline"}
VERDICT_COUNTS = ATTRACTOR_COUNTS | {"n_iterative_fixed_points", "n_true_fixed_points", "n_false_positives",
                                     "n_radius_below_1", "n_stable", "n_iterative", "n_borderline_any"}


def _committed(name: str, rev: str = "HEAD") -> pd.DataFrame | None:
    r = subprocess.run(["git", "show", f"{rev}:figures/{name}"], cwd=ROOT, capture_output=True)
    return pd.read_csv(io.BytesIO(r.stdout)) if r.returncode == 0 else None


# the training path: where a run crossed its threshold, the steps the flow took. On another CPU these move by a few
# steps (the loss is compared against the threshold, which rounding can cross an epoch earlier or later)
PATH_COLUMNS = {"lr", "lr_fine", "epochs", "grad_evals", "best_epoch", "final_loss", "last_loss", "rel_change"}


def compare_tables(new: pd.DataFrame, ref: pd.DataFrame, rtol: float = 1e-3, atol: float = 1e-9,
                   loose_rtol: float = 0.25, across_machines: bool = False) -> list[str]:
    """Differences beyond tolerance between two versions of one result table (empty list: they agree).

    ``across_machines``: the tables come from different CPUs: the training-path columns (:data:`PATH_COLUMNS`) and
    every number of a run that did not reach its threshold are compared to ``loose_rtol``, the final loss of a
    converged run to a factor 2 (relative tolerance 1), other numbers to ``10 * rtol``."""
    out = []
    if list(new.columns) != list(ref.columns):
        return [f"columns differ: {sorted(set(new.columns) ^ set(ref.columns)) or 'order'}"]
    if len(new) != len(ref):
        return [f"{len(new)} rows vs {len(ref)}"]
    unconverged = ~ref["converged"].astype(bool).to_numpy() if "converged" in ref else np.zeros(len(ref), bool)
    def _slack(col):
        return np.nan_to_num(np.fmax(new[col].to_numpy(float), ref[col].to_numpy(float))) if col in ref and col in new \
            else np.zeros(len(ref))

    slack = _slack("n_borderline")
    slack_any = np.fmax(slack, _slack("n_borderline_any"))
    for col in ref.columns:
        if col in SKIP_COLUMNS:
            continue
        a, b = new[col], ref[col]
        both_nan = a.isna().to_numpy() & b.isna().to_numpy()
        if pd.api.types.is_numeric_dtype(b) and pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(b):
            x, y = a.to_numpy(float), b.to_numpy(float)
            if col.startswith("n_"):
                allowed = slack if col in ATTRACTOR_COUNTS else (slack_any if col in VERDICT_COUNTS else 0)
                # a run stopped by its budget ends wherever rounding took it: its verdict counts are loose too
                loose = unconverged & (col in VERDICT_COUNTS)
                allowed = np.where(loose, np.fmax(allowed, loose_rtol * np.abs(y)), allowed)
                bad = ~both_nan & ~(np.abs(x - y) <= allowed)  # a count present in one table only differs too
            else:
                tol = np.where(unconverged & (col in LOSS_COLUMNS), loose_rtol, rtol)
                if across_machines:
                    # a run stopped by its budget: every number of it is loose; path columns: loose everywhere
                    tol = np.where(unconverged | (col in PATH_COLUMNS), loose_rtol, np.fmax(tol, 10 * rtol))
                    if col in LOSS_COLUMNS:  # a converged run stops at the first epoch under its threshold: the
                        # loss there moves by up to one epoch's decrease, a factor 2 at most in these runs
                        tol = np.where(unconverged, tol, 1.0)
                bad = ~both_nan & ~(np.abs(x - y) <= atol + tol * np.abs(y))
        else:
            bad = ~both_nan & (a.astype(str).to_numpy() != b.astype(str).to_numpy())
        for i in np.flatnonzero(bad)[:5]:
            out.append(f"row {i}, {col}: {a.iloc[i]!r} vs {b.iloc[i]!r}")
        if bad.sum() > 5:
            out.append(f"... {int(bad.sum()) - 5} more in {col}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("new", nargs="?", type=Path, default=ROOT / "figures")
    ap.add_argument("ref", nargs="?", type=Path, help="folder of reference CSVs (default: the committed figures/)")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-9)
    ap.add_argument("--loose-rtol", type=float, default=0.25)
    ap.add_argument("--rev", default="HEAD", help="git revision of the committed tables (default HEAD)")
    ap.add_argument("--across-machines", action="store_true",
                    help="the reference comes from another CPU: training-path columns (epochs, steps, final losses) "
                         "to --loose-rtol, other numbers to 10 x --rtol")
    ap.add_argument("--common-columns", action="store_true",
                    help="compare only the columns both tables have, and say which ones were left out")
    a = ap.parse_args(argv)
    names = sorted(p.name for p in a.new.glob("*.csv"))
    failed, checked = 0, 0
    for name in names:
        new = pd.read_csv(a.new / name)
        ref = pd.read_csv(a.ref / name) if a.ref else _committed(name, a.rev)
        if ref is None or (a.ref and not (a.ref / name).is_file()):
            print(f"new    {name} (no reference)")
            continue
        if a.common_columns and list(new.columns) != list(ref.columns):
            extra = sorted(set(new.columns) ^ set(ref.columns))
            common = [c for c in ref.columns if c in new.columns]
            # the borderline slack still comes from the new table when only it has the columns
            slack = {c: new[c].to_numpy() for c in ("n_borderline", "n_borderline_any") if c in new and c not in ref}
            new, ref = new[common].assign(**slack), ref[common].assign(**slack)
            print(f"       {name}: left out the columns only one table has: {extra}")
        checked += 1
        diffs = compare_tables(new, ref, a.rtol, a.atol, a.loose_rtol, a.across_machines)
        if diffs:
            failed += 1
            print(f"DIFFER {name}:\n  " + "\n  ".join(diffs))
        else:
            print(f"ok     {name}")
    print(f"{checked} tables compared, {failed} beyond tolerance (rtol {a.rtol:g}, unconverged losses "
          f"{a.loose_rtol:g}, counts exact)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
