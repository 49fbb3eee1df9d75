"""The cells that decide the open claims at the papers' scale, for the notebooks whose whole `paper` preset does not fit
a few hours of a 2-core CPU (``make paper-cells [CELL=name]``).

Each cell is one notebook run at the `paper` preset, restricted by notebook parameters to the cells a set of claims
needs. ``au.setup_notebook`` routes such a run to ``figures/paper/variants/<notebook>--<name>=<value>...``, named for
its settings; its claims table is collected by the scorecard into the paper-scale column, marked partial, and its time
is recorded in that folder's ``timings.json``. Cells are run one at a time, from the cache ``$ATTRACTOR_CACHE`` (outside
the work tree by default: ``~/.cache/attractor-lab/paper``), so an interrupted cell resumes where it stopped.

    python tools/paper_cells.py --list
    python tools/paper_cells.py [--only NAME ...] [--dry-run]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# name -> the notebook, its parameters at the paper preset, and what the cell decides (claims as their tables name them)
CELLS: dict[str, dict] = {
    "03-wide": {
        "notebook": "03_beyond_linear_region",
        "parameters": {"n_points": [5], "widths": [100000, 500000, 1000000], "radii": [5, 20, 30, 40, 50],
                       "seeds": [0, 1], "skip": []},
        "decides": ["The curves converge as the width grows (the NTK limit)",
                    "Reproduces the published values of Fig. 3 (the widest cells)"],
    },
    "06-grid": {
        "notebook": "06_relu_grid",
        "parameters": {"widths": [32, 128], "depths": [1, 3, 6], "uniform_depths": [1, 3, 6], "biases": [True],
                       "seeds": [0]},
        "decides": ["With bias, CIFAR-10 is more sensitive to depth and random images to width (on the stand-in)",
                    "Many iterative fixed points are false positives at depths 1, 2, 3",
                    "A good loss does not imply many attractors",
                    "Sufficient depth is required for creating attractors (with bias)"],
    },
    "09-wide": {
        "notebook": "09_width_depth_mnist",
        "parameters": {"widths": [512, 1024], "depths": [4, 6], "cycle_lens": []},
        "decides": ["The largest autoencoder stores almost all training digits as attractors",
                    "Increasing depth and width leads to more attractors",
                    "With depth and width the top Jacobian eigenvalue at the training examples moves towards 0"],
    },
    "09-wider": {
        "notebook": "09_width_depth_mnist",
        "parameters": {"widths": [2048], "depths": [3, 4, 5, 6], "cycle_lens": []},
        "decides": ["The largest autoencoder stores almost all training digits as attractors",
                    "Increasing depth and width leads to more attractors"],
    },
    "11-optimizers": {
        "notebook": "11_optimizers_and_inits",
        "parameters": {"activations": ["relu", "cosid"], "inits": ["default"], "n_images": 30, "width": 256,
                       "loss_threshold": 1e-5, "max_epochs": 20000},
        "decides": ["Attractors arise in every setting that trains to a low loss (every optimizer row, two "
                    "nonlinearities, a budget ten times the default's)"],
    },
    "12-patches": {
        "notebook": "12_recovery",
        "parameters": {"n_images": 30, "width": 512, "depth": 4, "max_epochs": 30000},
        "decides": ["Stored images are attractors (STAND-IN photo patches (grayscale)): trained to the threshold",
                    "Recovery falls with corruption and resembles 1-NN (STAND-IN photo patches (grayscale))"],
    },
}


def default_cache() -> Path:
    return Path(os.environ.get("ATTRACTOR_CACHE") or Path.home() / ".cache" / "attractor-lab" / "paper")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    os.environ["ATTRACTOR_CACHE"] = str(default_cache())
    print(f"run cache: {os.environ['ATTRACTOR_CACHE']}", flush=True)
    from tools.run_notebooks import main as run

    rc = 0
    for name in names:
        c = CELLS[name]
        argv_run = ["--preset", "paper", c["notebook"]]
        for k, v in c["parameters"].items():
            argv_run += ["--param", f"{k}={json.dumps(v)}"]
        print(f"==== cell {name}: python tools/run_notebooks.py {' '.join(argv_run)}", flush=True)
        if not args.dry_run:
            rc = max(rc, run(argv_run))
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
