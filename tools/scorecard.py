"""Collect every notebook's claims table (``<stem>_claims.csv``, computed by the notebook from its own results) into
``SCORECARD.md`` in the same figures folder: verdict counts at the top, then one table per source.

    python tools/scorecard.py [figures-folder]        # also run by `make figures` after the notebooks
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attractor_utils.runs.caching import atomic_write_text  # noqa: E402

SOURCES = [  # (notebook number prefixes, source as REFERENCES.md names it)
    (("01", "02", "03", "04", "05"), 'Jiang & Pehlevan, "Associative memory in iterated overparameterized sigmoid '
                                     'autoencoders" (ICML 2020)'),
    (("10",), 'Orujlu, "Associative Memory in Iterated Overparameterized Sigmoid Autoencoders" (talk, TUM 2023): '
              'extension'),
    (("06",), 'Thesis talk "Attractors of autoencoders: memorization in neural networks"'),
    (("07", "08", "09", "11", "12", "13"), 'Radhakrishnan, Belkin & Uhler, "Overparameterized neural networks '
                                           'implement associative memory" (PNAS 2020)'),
]
ORDER = ["agrees", "partly", "disagrees", "not tested"]


def _cell(v) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def write_scorecard(figdir: Path) -> Path | None:
    files = sorted(figdir.glob("*_claims.csv"))
    if not files:
        return None
    rows = []
    for f in files:
        stem = f.name[: -len("_claims.csv")]
        df = pd.read_csv(f)
        df.insert(0, "notebook", stem)
        rows.append(df)
    allc = pd.concat(rows, ignore_index=True)
    counts = allc.verdict.value_counts()
    stems = sorted(allc.notebook.unique())
    lines = ["# Reproduction scorecard", "",
             f"Collected by `tools/scorecard.py` from the claims tables of {len(stems)} notebooks "
             "(`*_claims.csv`): each row is computed by its notebook from its own results, never typed. "
             "Verdicts: " + ", ".join(f"**{k}** {int(counts.get(k, 0))}" for k in ORDER) + ".", ""]
    for prefixes, source in SOURCES:
        part = allc[allc.notebook.str[:2].isin(prefixes)]
        if not len(part):
            continue
        c = part.verdict.value_counts()
        lines += [f"## {source}", "", ", ".join(f"{k} {int(c.get(k, 0))}" for k in ORDER if c.get(k, 0)), "",
                  "| notebook | claim | source says | measured | verdict | why |", "|---|---|---|---|---|---|"]
        for r in part.itertuples():
            lines.append(f"| `{r.notebook}` | {_cell(r.claim)} | {_cell(r.paper)} | {_cell(r.measured)} | "
                         f"**{r.verdict}** | {_cell(r.reason)} |")
        lines.append("")
    out = figdir / "SCORECARD.md"
    atomic_write_text(out, "\n".join(lines))
    return out


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "figures"
    p = write_scorecard(folder)
    print(p or f"no claims tables in {folder}")
