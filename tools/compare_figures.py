"""Compare freshly computed result tables with reference ones, within stated tolerances (``make compare``).

    python -m tools.compare_figures                      # figures/*.csv against the committed ones (git HEAD)
    python -m tools.compare_figures NEW_DIR REF_DIR      # two folders of CSVs
    python -m tools.compare_figures --rev HEAD~3 --common-columns   # against an earlier commit's tables,
                                                         # on the columns both have (a column was added since)

Per column: text, booleans and ``n_`` counts equal, except verdict counts, which may differ by the row's
``n_borderline`` (attractor counts) or ``n_borderline_any`` (the others); other numbers to ``--rtol`` (default 1e-3)
relative or ``--atol`` (1e-9) absolute; in runs that did not reach their loss threshold, losses and counts to
``--loose-rtol`` (0.25). Timings are not compared. Prints every difference and exits 1 if there is one.
"""
from __future__ import annotations

import argparse
import io
import subprocess
from pathlib import Path

import pandas as pd

from attractor_utils.compare import compare_tables, with_current_names  # make compare's rule, in the library
from tools.lib.paths import ROOT


def _committed(name: str, rev: str = "HEAD") -> pd.DataFrame | None:
    r = subprocess.run(["git", "show", f"{rev}:figures/{name}"], cwd=ROOT, capture_output=True)
    return pd.read_csv(io.BytesIO(r.stdout)) if r.returncode == 0 else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.compare_figures", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
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
        if a.ref is None:
            ref = _committed(name, a.rev)
        else:
            ref = pd.read_csv(a.ref / name) if (a.ref / name).is_file() else None
        ref = None if ref is None else with_current_names(ref, name)
        if ref is None:
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
