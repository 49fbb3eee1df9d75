"""Build the browsable report (``make report``): a static Sphinx + MyST-NB site of the notebooks and their results.

    python -m tools.build_report [--preset default] [--executed DIR] [--figures DIR] [--notebooks DIR] [--out DIR]

Offline; nothing is re-run. A notebook's page comes from the copy ``make figures`` executed
(``build/executed/<preset>/``) where there is one, else from the committed notebook with the figures and CSVs its
last run saved in the figures folder. The site goes to ``--out`` (default ``build/report/``); see docs/outputs.md.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from tools.lib.paths import ROOT, figures_folder
from tools.lib.records import read_timings
from tools.lib.report_pages import (caption_html, first_heading, fold_tables, folder_page, gallery_html, inline_md,
                                    link_images, notebook_page, run_of, shorten_variants, shown_path, site_href,
                                    variant_targets)

CONF = '''project = "attractor-lab report"
extensions = ["myst_nb"]
nb_execution_mode = "off"          # nothing is re-run: executed notebooks keep their outputs, committed ones show code
html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {"page_width": "1300px", "sidebar_width": "230px", "body_max_width": "none"}
myst_enable_extensions = ["colon_fence"]
myst_all_links_external = True     # every link is written as its path in the site
html_css_files = ["report.css"]
html_copy_source = False
html_show_copyright = False
html_show_sourcelink = False
exclude_patterns = ["_build"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
'''

# wide tables and long output lines scroll inside their own box instead of running off the page's right edge;
# figures are shown at their natural size up to the width of the text and open full size when clicked
CSS = """div.cell_output, div.cell_input, div.output { max-width: 100%; overflow-x: auto; }
div.cell_output table.dataframe { font-size: 0.8em; }
div.cell_output pre { white-space: pre; overflow-x: auto; }
div.cell_output img, figure.nb-figure img { max-width: 100%; height: auto; }
div.body table.docutils { display: block; width: fit-content; max-width: 100%; overflow-x: auto; margin-left: 0;
                         font-size: 0.85em; }
div.body code, div.body a, figcaption { overflow-wrap: anywhere; }
div.body code span.pre { white-space: pre-wrap; }
div.body table.docutils code, div.body table.docutils a { overflow-wrap: break-word; }
div.body table.docutils code span.pre { white-space: nowrap; }
div.body pre { overflow-x: auto; }
details.folded { margin: 0.5em 0 1.2em 0; }
details.folded > summary { cursor: pointer; color: #004b6b; }
figure.nb-figure { margin: 0.5em 0 1.5em 0; }
figure.nb-figure figcaption, div.gallery figcaption { font-size: 0.85em; color: #555; }
div.gallery { display: flex; flex-wrap: wrap; gap: 14px; }
div.gallery figure { width: 300px; margin: 0; }
div.gallery img { width: 300px; height: 170px; object-fit: contain; border: 1px solid #ddd; background: #fff; }
p.provenance { background: #f4f4f0; border-left: 4px solid #b0a070; padding: 6px 10px; }
"""


def build(executed: Path, figures: Path, out: Path, preset: str, notebooks: Path = ROOT / "notebooks") -> Path:
    """Write the site to ``out`` (index: ``out/index.html``) from the executed notebooks in ``executed`` (may be
    missing), the committed ones in ``notebooks`` and the figures folder ``figures``; returns the index's path."""
    if not figures.is_dir():
        raise SystemExit(f"figures folder {figures} not found (--figures; by default figures/ for the default preset, "
                         f"else figures/<preset>/): run `make figures PRESET={preset}` first")
    done = {p.stem: p for p in sorted(executed.glob("[0-9][0-9]_*.ipynb"))} if executed.is_dir() else {}
    committed = {p.stem: p for p in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))}
    timings = read_timings(figures)
    all_pngs = sorted(figures.glob("[0-9][0-9]_*.png"))
    # a committed notebook gets a page where this folder holds results of it
    stems = sorted(set(done) | {s for s in committed if s in timings or any(p.stem.startswith(s) for p in all_pngs)})
    if not stems:
        raise SystemExit(f"no notebooks to show: none executed in {executed}, and none of {notebooks} has results "
                         f"in {figures}")
    src = out.parent / f"{out.name}-src"
    shutil.rmtree(src, ignore_errors=True)
    static = src / "_static"
    static.mkdir(parents=True)
    (src / "conf.py").write_text(CONF)
    (static / "report.css").write_text(CSS)
    sources = {s: nbformat.read(committed.get(s) or done[s], as_version=4) for s in stems}
    titles = {s: first_heading(next((c.source for c in nb.cells if c.cell_type == "markdown"), "")) for s, nb in
              sources.items()}
    for s in stems:
        mine = [p for p in all_pngs if p.stem.startswith(s) and not any(
            len(o) > len(s) and p.stem.startswith(o) for o in stems)]  # savefig names every file after its notebook
        nb = notebook_page(s, done.get(s), committed.get(s, done.get(s)), figures, timings, preset, mine, "figures")
        nbformat.write(nb, src / f"{s}.ipynb")

    paper = figures / "paper"
    has_paper = paper.is_dir()  # the paper-scale results next to the default preset's
    targets = {**variant_targets(figures, "figures"), **(variant_targets(paper, "paper") if has_paper else {})}
    (src / "figures.md").write_text(folder_page(figures, "figures", "figures", static, False, targets))
    results = ["figures"]
    if has_paper:
        (src / "paper.md").write_text(folder_page(paper, "paper", "paper", static, True, targets))
        results.append("paper")

    card = (figures / "SCORECARD.md").read_text() if (figures / "SCORECARD.md").is_file() else "*(no scorecard)*"
    card = fold_tables(shorten_variants(card.replace("# Reproduction scorecard", "## Reproduction scorecard", 1),
                                          targets))
    runs = sorted({r for s in stems if s not in done and (r := run_of(timings.get(s, {})))[0]})
    dates = sorted({d for d, _ in runs})
    shown = [s for s in stems if s not in done]
    parts = []
    if done:
        parts.append(f"{len(done)} show the notebooks `make figures` executed at the `{preset}` preset "
                     f"(`{shown_path(executed)}`), with every output")
    if shown:
        when = f" of {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else "") if dates else ""
        hosts = "; ".join(sorted({m for _, m in runs if m}))
        parts.append(f"{len(shown)} show the committed notebook's code with the committed results{when}"
                     + (f", machine {hosts}" if hosts else "") + f" (from `{shown_path(figures / 'timings.json')}`): "
                     f"the figures and CSVs each notebook saved in `{shown_path(figures)}`; outputs not re-run")
    gallery = gallery_html([(site_href("figures", p.name), p.name, caption_html(p, stems, sources, titles))
                            for p in all_pngs])
    index = [f"# attractor-lab: reproduction report ({preset} preset)", "",
             '<p class="provenance">' + inline_md(
                 f"Built by `make report` from the files on disk; nothing is re-run. {len(stems)} notebook pages: "
                 + "; ".join(parts) + f". {len(all_pngs)} figures, the scorecard and the index of "
                 f"`{shown_path(figures)}`. The sources of the claims: `REFERENCES.md` in the repository.")
             + "</p>", "",
             "Jump to: [the scorecard](#reproduction-scorecard) · [every figure](#every-figure) · "
             "[figures and timings](figures.html)" + (" · [paper-scale results](paper.html)" if has_paper else ""), "",
             "```{toctree}", ":maxdepth: 1", ":caption: Notebooks", "", *stems, "```", "",
             "```{toctree}", ":maxdepth: 1", ":caption: Results", "", *results, "```", "",
             card, "", "## Every figure", "",
             "Click a figure for its full-size PNG, its notebook's name for its page.", "", gallery, ""]
    (src / "index.md").write_text("\n".join(index))
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out)], check=True)
    for page in out.glob("*.html"):
        page.write_text(link_images(page.read_text()))
    return out / "index.html"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.build_report", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="default", choices=["smoke", "default", "paper"])
    ap.add_argument("--executed", type=Path, help="executed notebooks (default build/executed/<preset>; may be absent)")
    ap.add_argument("--figures", type=Path, help="figures folder (default $ATTRACTOR_FIGURES or figures/, and its <preset>/ for smoke and paper)")
    ap.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="the committed notebooks")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "report")
    a = ap.parse_args(argv)
    if a.executed is not None and not a.executed.is_dir():
        ap.error(f"--executed {a.executed}: no such folder (leave it out to use build/executed/{a.preset} where "
                 "it exists, else the committed notebooks)")
    executed = a.executed or ROOT / "build" / "executed" / a.preset
    figures = a.figures or figures_folder(a.preset)
    index = build(executed, figures, a.out, a.preset, a.notebooks)
    print(f"report: {index}  (open it in a browser: file://{index.resolve()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
