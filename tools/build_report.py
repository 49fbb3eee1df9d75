"""Build the browsable report (``make report``): a static Sphinx + MyST-NB site of the notebooks and their results.

    python tools/build_report.py [--preset default] [--executed DIR] [--figures DIR] [--notebooks DIR] [--out DIR]

Nothing is re-run, and the build is offline. Each notebook gets one page, from one of two sources:

- the copy ``make figures`` executed (``build/executed/<preset>/<stem>.ipynb``), where there is one: its outputs as
  they are (each figure under the cell that draws it), its parameters cell once, what it was run with and its wall
  time (``timings.json``);
- else the committed notebook (``notebooks/<stem>.ipynb``: the code, without the stored outputs of its test cells,
  which come from the smoke preset) with the figures its last run at the report's preset saved in the figures
  folder, each under the cell that saves it, and links to its CSVs; the page names the date and machine of that run
  (``timings.json``).

So on a fresh clone the site is built from what is committed: the figures folder (``figures/`` for the default preset,
``figures/<preset>/`` otherwise: PNGs, CSVs, ``SCORECARD.md``, ``README.md``, ``timings.json``) and the notebooks.
The front page (``build/report/index.html``) holds the scorecard, each table folded under a line that counts its rows,
and a captioned gallery of every figure; ``figures.html`` renders the folder's ``README.md`` (the index with the
timings) and, for the default preset, ``paper.html`` the paper-scale folder ``figures/paper/`` with its paper cells.
Every figure opens its full-size PNG; wide tables and long lines scroll inside their own box.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, unquote

import nbformat

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tools.paper_cells, also when run as a script

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


def _run(t: dict) -> tuple[str, str]:
    """(date, machine) of the run that wrote a notebook's current files: its last recorded run, else its cold or
    warm one; ("", "") when the record names none."""
    for k in ("last", "cold", "warm"):
        if isinstance(t.get(k), dict) and t[k].get("date"):
            return t[k]["date"], t[k].get("machine", "")
    return "", ""


def _shown(path: Path) -> str:
    """``path`` as the page names it: relative to the repository where it lies inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _read_timings(folder: Path) -> dict:
    p = folder / "timings.json"
    return json.loads(p.read_text()) if p.is_file() else {}


def _href(rel: str, name: str) -> str:
    """The site path of a file copied to ``_static/<rel>/``, quoted for an href."""
    return quote(f"_static/{rel}/{name}")


def _copy_results(folder: Path, dest: Path) -> list[Path]:
    """Copy the PNGs and CSVs of ``folder`` (top level) to ``dest``; the PNGs, sorted."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in [*folder.glob("*.png"), *folder.glob("*.csv")]:
        shutil.copy(p, dest / p.name)
    return sorted(folder.glob("*.png"))


def _heading(source: str) -> str:
    """The first markdown heading of a cell's source, without its markup ("" if none)."""
    line = next((ln for ln in source.splitlines() if ln.startswith("#")), "")
    return re.sub(r"[`*_]", "", line.lstrip("#")).strip()


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _saving_cell(nb, name: str, stem: str) -> int | None:
    """Index of the code cell that saves figure ``name``: of the cells that save figures, the one naming it in
    quotes, else the one whose quoted string is the longest start of the name (a name built in code, such as
    ``f"01_single_example_{act}"``); None when no cell matches."""
    best, best_len = None, 0
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code" or not re.search(r"savefig\(|_figure\(", c.source):
            continue
        if re.search(rf"""["']{re.escape(name)}["']""", c.source):
            return i
        k = max((len(m.group(1)) for m in re.finditer(rf"""["']({re.escape(stem)}\w*)""", c.source)
                 if name.startswith(m.group(1))), default=0)
        if k > best_len:
            best, best_len = i, k
    return best


def _section(nb, index: int) -> str:
    """The heading of the section that holds cell ``index``: the last markdown heading above it."""
    return next((h for c in reversed(nb.cells[:index]) if c.cell_type == "markdown" and (h := _heading(c.source))), "")


def _figure_html(href: str, name: str, caption: str) -> str:
    """A figure shown at its natural size up to the text width, opening the full-size PNG when clicked."""
    return (f'<figure class="nb-figure"><a href="{href}"><img src="{href}" alt="{html.escape(name)}"></a>'
            f"<figcaption><code>{html.escape(name)}</code>: {caption}</figcaption></figure>")


def _gallery(items: list[tuple[str, str, str]]) -> str:
    """A grid of thumbnails (href of the PNG, its name, caption HTML), each opening its full-size PNG."""
    cells = [f'<figure><a href="{h}"><img src="{h}" alt="{html.escape(n)}"></a><figcaption><a href="{h}">'
             f"<code>{html.escape(n)}</code></a><br>{c}</figcaption></figure>" for h, n, c in items]
    return '<div class="gallery">\n' + "\n".join(cells) + "\n</div>"


def _notebook_page(stem: str, executed: Path | None, committed: Path, figures: Path, timings: dict, preset: str,
                   pngs: list[Path], rel: str) -> nbformat.NotebookNode:
    """The notebook that the page of ``stem`` shows: the executed copy with a header on its run, else the committed
    source with the figures of the figures folder under the cells that save them."""
    t = timings.get(stem, {})
    date, machine = _run(t)
    timing = _timing(t)
    source_note = f"`{_shown(figures / 'timings.json')}`"
    if executed is not None:
        nb = nbformat.read(executed, as_version=4)
        given = _injected(nb)
        text = (f"Executed by `make figures` at the `{preset}` preset (`{_shown(executed)}`)"
                + (f", given on the command line: `{'; '.join(given.splitlines())}`" if given else "")
                + (f"; its run of {date}" + (f" on {machine}" if machine else "") if date else "")
                + (f"; {timing}" if timing else "") + (f" (from {source_note})" if date or timing else "")
                + ". The notebook's parameters cell is the first code cell below; the set-up cell prints every "
                "setting in force.")
        _hide_injected(nb)
    else:
        nb = nbformat.read(committed, as_version=4)
        for c in nb.cells:  # the committed outputs are the smoke preset's test checks, not this run's
            if c.cell_type == "code":
                c.outputs, c.execution_count = [], None
        run = (f"Committed results of {date}" + (f", machine {machine}" if machine else "") + f" (from {source_note})"
               if date else f"Committed results (no run of `{stem}` is recorded in {source_note})")
        text = (f"{run}; outputs not re-run. The code is the committed notebook `{_shown(committed)}` (its parameters "
                f"cell shows its own defaults; this run's preset: `{t.get('preset', preset)}`)"
                + (f"; {timing}" if timing else "")
                + f". Each figure below is the file that run saved in `{_shown(figures)}`, shown under the cell that "
                "saves it; `make figures` followed by `make report` shows every output.")
        placed: dict[int, list[Path]] = {}
        for p in pngs:
            i = _saving_cell(nb, p.stem, stem)
            placed.setdefault(len(nb.cells) - 1 if i is None else i, []).append(p)
        for i in sorted(placed, reverse=True):
            figs = "\n".join(_figure_html(_href(rel, p.name), p.name, "saved by the cell above (click for full size)")
                             for p in placed[i])
            nb.cells.insert(i + 1, nbformat.v4.new_markdown_cell(figs))
    head = nbformat.v4.new_markdown_cell(f'<p class="provenance">{_inline_md(text)}</p>')
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.cell_type == "markdown" and first.source.startswith("# "):
        # the notebook's first cell opens with its title: the title, then where the page's results come from
        title, _, rest = first.source.partition("\n")
        first.source = title
        nb.cells[1:1] = [head, *([nbformat.v4.new_markdown_cell(rest)] if rest.strip() else [])]
    else:
        nb.cells.insert(0, head)
    csvs = sorted(figures.glob(f"{stem}*.csv"))
    if pngs or csvs:
        nb.cells.append(nbformat.v4.new_markdown_cell(
            f"## Files this notebook wrote\n\nIn `{_shown(figures)}`:\n\n"
            + "\n".join(f"- [{q.name}]({_href(rel, q.name)})" for q in [*pngs, *csvs])))
    return nb


def _inline_md(text: str) -> str:
    """``text`` with its code spans as HTML: a raw HTML block is not parsed as markdown."""
    return re.sub(r"`([^`]+)`", lambda m: f"<code>{m.group(1)}</code>", html.escape(text, quote=False))


def _fold_tables(md: str) -> str:
    """Wrap each markdown table in an HTML ``<details>`` element whose summary line counts its rows (named after its
    second column, e.g. "claims") and takes in the verdict counts the scorecard writes on the line above it."""
    lines, out, i = md.splitlines(), [], 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|[-:| ]+\|", lines[i + 1].strip()):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            head = [h.strip() for h in lines[i].strip().strip("|").split("|")]
            noun, n = head[1] if len(head) > 1 else head[0], j - i - 2
            k = next((k for k in range(len(out) - 1, -1, -1) if out[k].strip()), None)
            counts = ""
            if k is not None and re.fullmatch(r"\*\*[\w ]+\*\* \d+(, \*\*[\w ]+\*\* \d+)*", out[k].strip()):
                counts = out.pop(k).strip().replace("**", "")  # the counts line moves into the summary
            summary = f"{n} {noun}{'' if n == 1 else 's'}" + (f" ({counts})" if counts else "") + ": show the table"
            out += ['<details class="folded">', f"<summary>{html.escape(summary)}</summary>", "", *lines[i:j], "",
                    "</details>", ""]
            i = j
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def _cell_label(folder: str) -> str:
    """The name of the paper cell (tools/paper_cells.py) whose run wrote the ``variants/`` folder ``folder`` (named
    for its notebook and settings): of the cells of that notebook, the one sharing most settings; else
    "<notebook> variant"."""
    from tools.paper_cells import CELLS

    stem, _, rest = folder.partition("--")
    keys = {kv.split("=", 1)[0] for kv in rest.split("--") if kv}
    cands = [(len(keys & set(c["parameters"])), n) for n, c in CELLS.items() if c["notebook"] == stem]
    return max(cands)[1] if cands else f"{stem} variant"


def _anchor(label: str) -> str:
    return "cell-" + re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


_VARIANT = re.compile(r"\[[^\]]*\]\((?:\./)?variants/([^)\s]+)\)|`variants/([^`]+)`")


def _shorten_variants(md: str, targets: dict[str, tuple[str, str]]) -> str:
    """Replace each mention of a ``variants/<notebook>--<settings>`` folder (a code span or a link; one unbreakable
    string of up to 150 characters) by a link named for its paper cell to that folder's section in the site."""
    def repl(m: re.Match) -> str:
        name = unquote(m.group(1) or m.group(2)).rstrip("/")
        label, href = targets.get(name, (_cell_label(name), ""))
        return f"[{label}]({href})" if href else f"`{label}`"
    return _VARIANT.sub(repl, md)


def _site_links(md: str, folder: Path, rel: str) -> str:
    """Point the links of a figures folder's ``README.md`` to the files copied into the site, and link each file
    name it lists as plain text (its CSVs)."""
    def link(m: re.Match) -> str:
        target = m.group(2)
        return f"[{m.group(1)}]({_href(rel, target)})" if (folder / unquote(target)).is_file() else m.group(0)

    md = re.sub(r"\[([^\]]*)\]\(([^)\s:#]+)\)", link, md)
    return re.sub(r"(?<![\[(/\w])(\d\d_\w+\.csv)\b(?![\])])",
                  lambda m: f"[{m.group(1)}]({_href(rel, m.group(1))})" if (folder / m.group(1)).is_file()
                  else m.group(0), md)


def _variants(folder: Path, page: str) -> dict[str, tuple[str, str]]:
    """folder name -> (paper-cell label, href of its section on ``page``) for the ``variants/`` folders of
    ``folder``."""
    out: dict[str, tuple[str, str]] = {}
    for v in sorted(p for p in (folder / "variants").glob("*--*") if p.is_dir()):
        label = base = _cell_label(v.name)
        k = 1
        while any(label == lab for lab, _ in out.values()):  # two folders of one cell: number the later ones
            k += 1
            label = f"{base} ({k})"
        out[v.name] = (label, f"{page}.html#{_anchor(label)}")
    return out


def _folder_page(folder: Path, page: str, rel: str, static: Path, gallery: bool, targets: dict) -> str:
    """The markdown of the page that renders a figures folder: its ``README.md`` (links into the site, variants
    folders by their cell's name), a gallery of its figures if ``gallery``, and a section per ``variants/`` folder
    with its figures, CSVs and timing."""
    readme = folder / "README.md"
    md = readme.read_text() if readme.is_file() else f"# Figures in {_shown(folder)}\n\n*(no README.md)*\n"
    lines = md.splitlines()
    title = next((i for i, ln in enumerate(lines) if ln.startswith("# ")), None)
    note = (f'<p class="provenance">From <code>{html.escape(_shown(folder))}</code> as it is on disk (on a fresh '
            "clone: as committed): its <code>README.md</code>, figures and tables, as the last <code>make figures"
            "</code> there wrote them; nothing is re-run.</p>")
    lines = ([*lines[: title + 1], "", note, "", *lines[title + 1:]] if title is not None else
             [f"# Figures in {_shown(folder)}", "", note, "", *lines])
    md = _shorten_variants(_site_links("\n".join(lines), folder, rel), targets)
    pngs = _copy_results(folder, static / rel)
    if gallery and pngs:
        md += "\n\n## Every figure\n\n" + _gallery([(_href(rel, p.name), p.name, "") for p in pngs]) + "\n"
    cells = _variants(folder, page)
    if cells:
        md += "\n\n## Paper cells and other variants\n"
    for name, (label, _) in cells.items():
        v, sub, stem = folder / "variants" / name, f"{rel}/variants/{name}", name.partition("--")[0]
        vpngs = _copy_results(v, static / sub)
        t = _read_timings(v).get(stem, {})
        date, machine = _run(t)
        csvs = ", ".join(f"[{c.name}]({_href(sub, c.name)})" for c in sorted(v.glob("*.csv"))) or "none"
        heading = label if label.startswith(stem) else f"Paper cell {label} ({stem})"
        md += (f'\n<div id="{_anchor(label)}"></div>\n\n### {heading}\n\n'
               f"Folder `variants/{name}`" + (f"; run of {date} on {machine}" if date else "")
               + (f"; {_timing(t)}" if _timing(t) else "") + f". Tables: {csvs}\n\n"
               + (_gallery([(_href(sub, p.name), p.name, "") for p in vpngs]) if vpngs else "") + "\n")
    return md + "\n"


def _link_images(page: str) -> str:
    """Wrap each image of a built page that no link holds (the notebooks' output figures) in a link to itself: a
    click opens it at full size."""
    return re.sub(r'(<a\b[^>]*>\s*)?(<img\b[^>]*?\bsrc="([^"]+)"[^>]*>)',
                  lambda m: m.group(0) if m.group(1) else f'<a class="image-link" href="{m.group(3)}">{m.group(2)}</a>',
                  page)


def _caption(p: Path, stems: list[str], sources: dict[str, nbformat.NotebookNode], titles: dict[str, str]) -> str:
    """A gallery caption: the notebook that saved figure ``p`` (a link to its page) and what the figure shows (the
    notebook's title for its main figure, else the section of the cell that saves it)."""
    stem = max((s for s in stems if p.stem.startswith(s)), key=len, default=None)
    if stem is None:
        return ""
    nb = sources.get(stem)
    i = _saving_cell(nb, p.stem, stem) if nb is not None and p.stem != stem else None
    what = _section(nb, i) if i is not None else titles.get(stem, "")
    suffix = p.stem[len(stem):].strip("_").replace("_", " ")
    if what and suffix and not any(w in what.lower() for w in suffix.lower().split()):
        what += f" ({suffix})"  # a section with several figures: which one
    return f'<a href="{stem}.html">{stem}</a>' + (f": {html.escape(_short(what))}" if what else "")


def build(executed: Path, figures: Path, out: Path, preset: str, notebooks: Path = ROOT / "notebooks") -> Path:
    """Write the site to ``out`` (index: ``out/index.html``) from the executed notebooks in ``executed`` (may be
    missing), the committed ones in ``notebooks`` and the figures folder ``figures``; returns the index's path."""
    if not figures.is_dir():
        raise SystemExit(f"figures folder {figures} not found (--figures; by default figures/ for the default preset, "
                         f"else figures/<preset>/): run `make figures PRESET={preset}` first")
    done = {p.stem: p for p in sorted(executed.glob("[0-9][0-9]_*.ipynb"))} if executed.is_dir() else {}
    committed = {p.stem: p for p in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))}
    timings = _read_timings(figures)
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
    titles = {s: _heading(next((c.source for c in nb.cells if c.cell_type == "markdown"), "")) for s, nb in
              sources.items()}
    for s in stems:
        mine = [p for p in all_pngs if p.stem.startswith(s) and not any(
            len(o) > len(s) and p.stem.startswith(o) for o in stems)]  # savefig names every file after its notebook
        nb = _notebook_page(s, done.get(s), committed.get(s, done.get(s)), figures, timings, preset, mine, "figures")
        nbformat.write(nb, src / f"{s}.ipynb")

    paper = figures / "paper"
    has_paper = paper.is_dir()  # the paper-scale results next to the default preset's
    targets = {**_variants(figures, "figures"), **(_variants(paper, "paper") if has_paper else {})}
    (src / "figures.md").write_text(_folder_page(figures, "figures", "figures", static, False, targets))
    results = ["figures"]
    if has_paper:
        (src / "paper.md").write_text(_folder_page(paper, "paper", "paper", static, True, targets))
        results.append("paper")

    card = (figures / "SCORECARD.md").read_text() if (figures / "SCORECARD.md").is_file() else "*(no scorecard)*"
    card = _fold_tables(_shorten_variants(card.replace("# Reproduction scorecard", "## Reproduction scorecard", 1),
                                          targets))
    runs = sorted({r for s in stems if s not in done and (r := _run(timings.get(s, {})))[0]})
    dates = sorted({d for d, _ in runs})
    shown = [s for s in stems if s not in done]
    parts = []
    if done:
        parts.append(f"{len(done)} show the notebooks `make figures` executed at the `{preset}` preset "
                     f"(`{_shown(executed)}`), with every output")
    if shown:
        when = f" of {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else "") if dates else ""
        hosts = "; ".join(sorted({m for _, m in runs if m}))
        parts.append(f"{len(shown)} show the committed notebook's code with the committed results{when}"
                     + (f", machine {hosts}" if hosts else "") + f" (from `{_shown(figures / 'timings.json')}`): "
                     f"the figures and CSVs each notebook saved in `{_shown(figures)}`; outputs not re-run")
    gallery = _gallery([(_href("figures", p.name), p.name, _caption(p, stems, sources, titles)) for p in all_pngs])
    index = [f"# attractor-lab: reproduction report ({preset} preset)", "",
             '<p class="provenance">' + _inline_md(
                 f"Built by `make report` from the files on disk; nothing is re-run. {len(stems)} notebook pages: "
                 + "; ".join(parts) + f". {len(all_pngs)} figures, the scorecard and the index of "
                 f"`{_shown(figures)}`. The sources of the claims: `REFERENCES.md` in the repository.") + "</p>", "",
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
        page.write_text(_link_images(page.read_text()))
    return out / "index.html"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="default", choices=["smoke", "default", "paper"])
    ap.add_argument("--executed", type=Path, help="executed notebooks (default build/executed/<preset>; may be absent)")
    ap.add_argument("--figures", type=Path, help="figures folder (default figures/ or figures/<preset>/)")
    ap.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="the committed notebooks")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "report")
    a = ap.parse_args(argv)
    if a.executed is not None and not a.executed.is_dir():
        ap.error(f"--executed {a.executed}: no such folder (leave it out to use build/executed/{a.preset} where "
                 "it exists, else the committed notebooks)")
    executed = a.executed or ROOT / "build" / "executed" / a.preset
    figures = a.figures or (ROOT / "figures" if a.preset == "default" else ROOT / "figures" / a.preset)
    index = build(executed, figures, a.out, a.preset, a.notebooks)
    print(f"report: {index}  (open it in a browser: file://{index.resolve()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
