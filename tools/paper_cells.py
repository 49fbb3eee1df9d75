"""The cells that decide the open claims at the papers' scale (``make paper-cells [CELL=name]``; docs/claims.md).

Each cell is one notebook run at the `paper` preset, restricted by notebook parameters, routed to
``figures/paper/variants/<notebook>--<settings>/`` and run from the cache ``$ATTRACTOR_CACHE`` (default
``~/.cache/attractor-lab/paper``), so an interrupted cell resumes where it stopped.

    python -m tools.paper_cells --list
    python -m tools.paper_cells [--only NAME ...] [--dry-run]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from tools.lib.cells import CELLS, paper_cache
from tools.lib.paths import ROOT


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.paper_cells", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="print the cells and what each decides")
    ap.add_argument("--only", nargs="*", default=None, help=f"cells to run (default: all of {list(CELLS)})")
    ap.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = ap.parse_args(argv)
    if args.list:
        for name, c in CELLS.items():
            print(f"{name}: {c['notebook']} -p " + " -p ".join(f"{k} {json.dumps(v)}" for k, v in
                                                                c["parameters"].items()))
            for d in c["decides"]:
                print(f"    decides: {d}")
        return 0
    names = args.only or list(CELLS)
    unknown = sorted(set(names) - set(CELLS))
    if unknown:
        print(f"--only {unknown}: unknown cells; accepted values: {list(CELLS)}", file=sys.stderr)
        return 2
    os.environ["ATTRACTOR_CACHE"] = str(paper_cache())
    print(f"run cache: {os.environ['ATTRACTOR_CACHE']}", flush=True)
    rc = 0
    for name in names:
        c = CELLS[name]
        argv_run = ["--preset", "paper", c["notebook"]]
        for k, v in c["parameters"].items():
            argv_run += ["--param", f"{k}={json.dumps(v)}"]
        print(f"==== cell {name}: python -m tools.run_notebooks {' '.join(argv_run)}", flush=True)
        if not args.dry_run:  # a process of its own: one command never imports another
            rc = max(rc, subprocess.run([sys.executable, "-m", "tools.run_notebooks", *argv_run], cwd=ROOT).returncode)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
