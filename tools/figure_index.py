"""Rewrite the index of a figures folder (``<folder>/README.md``: every figure and table, its notebook and what a run
of it costs) from its ``timings.json`` (``make figures`` does this after each notebook).

    python -m tools.figure_index [figures-folder]        # default: figures/
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from tools.lib.index import write_index
from tools.lib.paths import ROOT


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.figure_index", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=ROOT / "figures", help="the figures folder")
    d = ap.parse_args(argv).folder
    print(write_index(d, json.loads((d / "timings.json").read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
