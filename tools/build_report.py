"""Build the browsable report (``make report``): a static Sphinx + MyST-NB site of the executed notebooks.

    python tools/build_report.py [--preset default] [--executed DIR] [--figures DIR] [--out DIR]

Reads the notebooks that ``make figures`` executed (``build/executed/<preset>/``, outputs included; nothing is
re-run), the figures folder of that preset (its ``SCORECARD.md``, ``timings.json`` and PNGs), and writes
``build/report/index.html``: a front page with the scorecard and a thumbnail gallery of every figure, and one page
per notebook with its outputs, the parameters it ran with and its wall time. Builds offline.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent

CONF = '''project = "attractor-lab report"
extensions = ["myst_nb"]
nb_execution_mode = "off"          # the notebooks were executed by `make figures`; show their outputs as they are
html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {"page_width": "1200px", "sidebar_width": "260px"}
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["_build"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
'''


def _params(nb) -> str:
    for c in nb.cells:
        if "injected-parameters" in c.get("metadata", {}).get("tags", []):
            return c.source
    for c in nb.cells:
        if "parameters" in c.get("metadata", {}).get("tags", []):
            return c.source
    return ""


def build(executed: Path, figures: Path, out: Path, preset: str) -> Path:
    nbs = sorted(executed.glob("[0-9][0-9]_*.ipynb"))
    if not nbs:
        raise SystemExit(f"no executed notebooks in {executed}: run `make figures PRESET={preset}` first")
    src = out.parent / f"{out.name}-src"
    shutil.rmtree(src, ignore_errors=True)
    (src / "_static" / "figures").mkdir(parents=True)
    (src / "conf.py").write_text(CONF)
    timings = json.loads((figures / "timings.json").read_text()) if (figures / "timings.json").is_file() else {}
    pngs = sorted(figures.glob("[0-9][0-9]_*.png"))
    for p in pngs:
        shutil.copy(p, src / "_static" / "figures" / p.name)
    pages = []
    for p in nbs:
        nb = nbformat.read(p, as_version=4)
        t = timings.get(p.stem, {})
        head = nbformat.v4.new_markdown_cell(
            f"*Executed by `make figures` at the `{preset}` preset"
            + (f"; wall time {t['seconds']:.0f} s ({t.get('note', '')})" if "seconds" in t else "")
            + ".* Parameters it ran with:\n\n```python\n" + _params(nb).strip() + "\n```")
        # the notebook's first cell is its title: keep it first, then the run's facts
        nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, head)
        mine = [q for q in pngs if q.stem.startswith(p.stem)]  # savefig names every file after its notebook
        if mine:
            nb.cells.append(nbformat.v4.new_markdown_cell(
                "## Figures this notebook wrote\n\n"
                + "\n\n".join(f"**{q.stem}**\n\n![{q.stem}](_static/figures/{q.name})" for q in mine)))
        nbformat.write(nb, src / p.name)
        pages.append(p.stem)
    card = (figures / "SCORECARD.md").read_text() if (figures / "SCORECARD.md").is_file() else "*(no scorecard)*"
    card = card.replace("# Reproduction scorecard", "## Reproduction scorecard", 1)
    gallery = ["## Every figure", ""]
    for p in pngs:
        stem = next((s for s in pages if p.stem.startswith(s)), None)
        link = f"{stem}.html" if stem else f"_static/figures/{p.name}"
        gallery.append(f'<a href="{link}"><img src="_static/figures/{p.name}" alt="{p.stem}" title="{p.stem}" '
                       f'style="height:140px;margin:4px;border:1px solid #ddd"></a>')
    index = ["# attractor-lab: the executed notebooks", "",
             f"Built by `make report` from the `{preset}` preset's executed notebooks ({len(pages)} notebooks, "
             f"{len(pngs)} figures). Sources: see `REFERENCES.md` in the repository.", "",
             "```{toctree}", ":maxdepth: 1", ":caption: Notebooks", "", *pages, "```", "", card, "", *gallery, ""]
    (src / "index.md").write_text("\n".join(index))
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out)], check=True)
    return out / "index.html"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="default", choices=["smoke", "default", "paper"])
    ap.add_argument("--executed", type=Path, help="executed notebooks (default build/executed/<preset>)")
    ap.add_argument("--figures", type=Path, help="figures folder (default figures/ or figures/<preset>/)")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "report")
    a = ap.parse_args(argv)
    executed = a.executed or ROOT / "build" / "executed" / a.preset
    figures = a.figures or (ROOT / "figures" if a.preset == "default" else ROOT / "figures" / a.preset)
    index = build(executed, figures, a.out, a.preset)
    print(f"report: {index}  (open it in a browser: file://{index.resolve()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
