"""Collect every notebook's claims table (``<stem>_claims.csv``) of a figures folder into its ``SCORECARD.md``
(:func:`tools.lib.scorecard.write_scorecard`: the verdicts per source, the paper-scale column, what it would take to
decide each open claim).

    python -m tools.scorecard [figures-folder]        # default figures/; also run by `make figures` after the notebooks
"""
from __future__ import annotations

import argparse
from pathlib import Path

from tools.lib.paths import ROOT
from tools.lib.scorecard import write_scorecard


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.scorecard", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=ROOT / "figures", help="the figures folder")
    folder = ap.parse_args(argv).folder
    p = write_scorecard(folder)
    print(p or f"no claims tables in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
