"""Build the browsable report (``make report``): a static Sphinx + MyST-NB site of the executed notebooks.

    python tools/build_report.py [--preset default] [--executed DIR] [--figures DIR] [--out DIR]

Reads the notebooks that ``make figures`` executed (``build/executed/<preset>/``, outputs included; nothing is
re-run), the figures folder of that preset (its ``SCORECARD.md``, ``timings.json`` and PNGs), and writes
``build/report/index.html``: a front page with the scorecard and a thumbnail gallery of every figure, and one page
per notebook with its outputs (each figure under the cell that draws it: ``make figures`` runs the kernels with the
inline backend), its parameters cell once, what it was run with and its wall time. Wide tables and long lines
scroll inside the page. Builds offline.
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
html_css_files = ["report.css"]
exclude_patterns = ["_build"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
'''


# wide pandas tables and long output lines scroll inside the page instead of running off its right edge
CSS = """div.cell_output, div.cell_input, div.output { max-width: 100%; overflow-x: auto; }
div.cell_output table.dataframe { font-size: 0.8em; }
div.cell_output pre { white-space: pre; overflow-x: auto; }
div.cell_output img { max-width: 100%; height: auto; }
"""


def _injected(nb) -> str:
    """The assignments papermill injected (``-p name value``), without its comment line; "" if none."""
    for c in nb.cells:
        if "injected-parameters" in c.get("metadata", {}).get("tags", []):
            return "\n".join(ln for ln in c.source.splitlines() if ln.strip() and not ln.startswith("#"))
    return ""


def _hide_injected(nb) -> None:
    """Tag papermill's injected cell ``remove-cell``: the page shows the parameters cell once, and the header says
    what was given on the command line."""
    for c in nb.cells:
        tags = c.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            c.metadata["tags"] = [*tags, "remove-cell"]


def _timing(t: dict) -> str:
    """The wall times of a ``timings.json`` record, in words ("" when none is recorded)."""
    parts = [f"{k} run {t[k]['seconds']:.0f} s" for k in ("cold", "warm") if isinstance(t.get(k), dict)]
    if not parts and isinstance(t.get("last"), dict):
        parts = [f"last run {t['last']['seconds']:.0f} s ({t['last'].get('kind', 'mixed')}: not a cold time)"]
    elif not parts and "seconds" in t:  # a record from before cold and warm runs were told apart
        parts = [f"wall time {t['seconds']:.0f} s (of one run, not known to be cold)"]
    host = next((t[k]["machine"] for k in ("cold", "warm") if isinstance(t.get(k), dict)), "")
    return "; ".join(parts) + (f" ({host})" if host and parts else "")


def build(executed: Path, figures: Path, out: Path, preset: str) -> Path:
    nbs = sorted(executed.glob("[0-9][0-9]_*.ipynb"))
    if not nbs:
        raise SystemExit(f"no executed notebooks in {executed}: run `make figures PRESET={preset}` first")
    src = out.parent / f"{out.name}-src"
    shutil.rmtree(src, ignore_errors=True)
    (src / "_static" / "figures").mkdir(parents=True)
    (src / "conf.py").write_text(CONF)
    (src / "_static" / "report.css").write_text(CSS)
    timings = json.loads((figures / "timings.json").read_text()) if (figures / "timings.json").is_file() else {}
    pngs = sorted(figures.glob("[0-9][0-9]_*.png"))
    for p in pngs:
        shutil.copy(p, src / "_static" / "figures" / p.name)
    pages = []
    for p in nbs:
        nb = nbformat.read(p, as_version=4)
        t = timings.get(p.stem, {})
        given = _injected(nb)
        timing = _timing(t)
        head = nbformat.v4.new_markdown_cell(
            f"*Executed by `make figures` at the `{preset}` preset"
            + (f" (given on the command line: `{'; '.join(given.splitlines())}`)" if given else "")
            + (f"; {timing}" if timing else "")
            + ". The notebook's parameters cell is the first code cell below; the set-up cell prints every setting in "
            "force.*")
        _hide_injected(nb)
        # the notebook's first cell is its title: keep it first, then the run's facts
        nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, head)
        mine = [q for q in pngs if q.stem.startswith(p.stem)]  # savefig names every file after its notebook
        if mine:  # the figures are shown under their cells; here, the files
            nb.cells.append(nbformat.v4.new_markdown_cell(
                "## Files this notebook wrote\n\n"
                + "\n".join(f"- [{q.name}](_static/figures/{q.name})" for q in mine)))
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
