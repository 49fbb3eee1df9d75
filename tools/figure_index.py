"""Write ``figures/README.md``: every figure, its notebook, the preset and the time it took."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _title(nb: Path) -> str:
    try:
        cells = json.loads(nb.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return ""
    for c in cells:
        if c["cell_type"] == "markdown":
            for line in "".join(c["source"]).splitlines():
                if line.startswith("#"):
                    return line.lstrip("# ").strip()
    return ""


def write_index(figdir: Path, timings: dict) -> Path:
    rel = figdir.relative_to(ROOT) if figdir.is_relative_to(ROOT) else figdir
    lines = [
        f"# Figures ({rel})",
        "",
        "Written by `make figures` (tools/run_notebooks.py); each notebook saves `<stem>*.pdf/.png` and a tidy",
        "`<stem>.csv`. Times are wall-clock seconds of the whole notebook on the machine that ran it",
        "(2 CPU cores for the committed default-preset figures); a re-run that finds its trained models in",
        "the cache (`.cache/`) is much faster.",
        "",
        "| notebook | title | figures | CSV | preset | time (s) | how timed |",
        "|---|---|---|---|---|---|---|",
    ]
    for stem in sorted(timings):
        nb = ROOT / "notebooks" / f"{stem}.ipynb"
        figs = sorted(p.name for p in figdir.glob(f"{stem}*.png"))
        csvs = sorted(p.name for p in figdir.glob(f"{stem}*.csv"))
        t = timings[stem]
        lines.append(f"| `{stem}.ipynb` | {_title(nb)} | {', '.join(f'[{f}]({f})' for f in figs)} | "
                     f"{', '.join(csvs)} | {t['preset']} | {t['seconds']:.0f} | {t.get('note', '')} |")
    total = sum(t["seconds"] for t in timings.values())
    lines += ["", f"Total: {total:.0f} s ({total / 60:.1f} min).", ""]
    p = figdir / "README.md"
    p.write_text("\n".join(lines))
    return p
