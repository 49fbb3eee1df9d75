"""The pages of the report (``make report``, ``python -m tools.build_report``): a notebook's page (its executed copy,
or its committed code with the figures of its last run placed under the cells that save them), a figures folder's
page (its index, its variants and paper cells), the scorecard's folded tables, the gallery's captions."""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from urllib.parse import quote, unquote

import nbformat

from tools.lib.cells import cell_of
from tools.lib.paths import ROOT
from tools.lib.records import read_timings


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
    host = next((t[k]["machine"] for k in ("cold", "warm") if isinstance(t.get(k), dict)), "")
    return "; ".join(parts) + (f" ({host})" if host and parts else "")


def run_of(t: dict) -> tuple[str, str]:
    """(date, machine) of the run that wrote a notebook's current files: its last recorded run, else its cold or
    warm one; ("", "") when the record names none."""
    for k in ("last", "cold", "warm"):
        if isinstance(t.get(k), dict) and t[k].get("date"):
            return t[k]["date"], t[k].get("machine", "")
    return "", ""


def shown_path(path: Path) -> str:
    """``path`` as the page names it: relative to the repository where it lies inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def site_href(rel: str, name: str) -> str:
    """The site path of a file copied to ``_static/<rel>/``, quoted for an href."""
    return quote(f"_static/{rel}/{name}")


def _copy_results(folder: Path, dest: Path) -> list[Path]:
    """Copy the PNGs and CSVs of ``folder`` (top level) to ``dest``; the PNGs, sorted."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in [*folder.glob("*.png"), *folder.glob("*.csv")]:
        shutil.copy(p, dest / p.name)
    return sorted(folder.glob("*.png"))


def first_heading(source: str) -> str:
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
    return next((h for c in reversed(nb.cells[:index])
                 if c.cell_type == "markdown" and (h := first_heading(c.source))), "")


def _figure_html(href: str, name: str, caption: str) -> str:
    """A figure shown at its natural size up to the text width, opening the full-size PNG when clicked."""
    return (f'<figure class="nb-figure"><a href="{href}"><img src="{href}" alt="{html.escape(name)}"></a>'
            f"<figcaption><code>{html.escape(name)}</code>: {caption}</figcaption></figure>")


def gallery_html(items: list[tuple[str, str, str]]) -> str:
    """A grid of thumbnails (href of the PNG, its name, caption HTML), each opening its full-size PNG."""
    cells = [f'<figure><a href="{h}"><img src="{h}" alt="{html.escape(n)}"></a><figcaption><a href="{h}">'
             f"<code>{html.escape(n)}</code></a><br>{c}</figcaption></figure>" for h, n, c in items]
    return '<div class="gallery">\n' + "\n".join(cells) + "\n</div>"


def notebook_page(stem: str, executed: Path | None, committed: Path, figures: Path, timings: dict, preset: str,
                   pngs: list[Path], rel: str) -> nbformat.NotebookNode:
    """The notebook that the page of ``stem`` shows: the executed copy with a header on its run, else the committed
    source with the figures of the figures folder under the cells that save them."""
    t = timings.get(stem, {})
    date, machine = run_of(t)
    timing = _timing(t)
    source_note = f"`{shown_path(figures / 'timings.json')}`"
    if executed is not None:
        nb = nbformat.read(executed, as_version=4)
        given = _injected(nb)
        text = (f"Executed by `make figures` at the `{preset}` preset (`{shown_path(executed)}`)"
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
        text = (f"{run}; outputs not re-run. The code is the committed notebook `{shown_path(committed)}` (its "
                f"parameters cell shows its own defaults; this run's preset: `{t.get('preset', preset)}`)"
                + (f"; {timing}" if timing else "")
                + f". Each figure below is the file that run saved in `{shown_path(figures)}`, shown under the cell "
                "that saves it; `make figures` followed by `make report` shows every output.")
        placed: dict[int, list[Path]] = {}
        for p in pngs:
            i = _saving_cell(nb, p.stem, stem)
            placed.setdefault(len(nb.cells) - 1 if i is None else i, []).append(p)
        for i in sorted(placed, reverse=True):
            figs = "\n".join(_figure_html(site_href(rel, p.name), p.name,
                                           "saved by the cell above (click for full size)")
                             for p in placed[i])
            nb.cells.insert(i + 1, nbformat.v4.new_markdown_cell(figs))
    head = nbformat.v4.new_markdown_cell(f'<p class="provenance">{inline_md(text)}</p>')
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
            f"## Files this notebook wrote\n\nIn `{shown_path(figures)}`:\n\n"
            + "\n".join(f"- [{q.name}]({site_href(rel, q.name)})" for q in [*pngs, *csvs])))
    return nb


def inline_md(text: str) -> str:
    """``text`` with its code spans as HTML: a raw HTML block is not parsed as markdown."""
    return re.sub(r"`([^`]+)`", lambda m: f"<code>{m.group(1)}</code>", html.escape(text, quote=False))


def fold_tables(md: str) -> str:
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
    """The name of the paper cell (:func:`tools.lib.cells.cell_of`) whose run wrote the ``variants/`` folder
    ``folder`` (named for its notebook and settings); else "<notebook> variant"."""
    return cell_of(folder) or f"{folder.partition('--')[0]} variant"


def _anchor(label: str) -> str:
    return "cell-" + re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


_VARIANT = re.compile(r"\[[^\]]*\]\((?:\./)?variants/([^)\s]+)\)|`variants/([^`]+)`")


def shorten_variants(md: str, targets: dict[str, tuple[str, str]]) -> str:
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
        return f"[{m.group(1)}]({site_href(rel, target)})" if (folder / unquote(target)).is_file() else m.group(0)

    md = re.sub(r"\[([^\]]*)\]\(([^)\s:#]+)\)", link, md)
    return re.sub(r"(?<![\[(/\w])(\d\d_\w+\.csv)\b(?![\])])",
                  lambda m: f"[{m.group(1)}]({site_href(rel, m.group(1))})" if (folder / m.group(1)).is_file()
                  else m.group(0), md)


def variant_targets(folder: Path, page: str) -> dict[str, tuple[str, str]]:
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


def folder_page(folder: Path, page: str, rel: str, static: Path, gallery: bool, targets: dict) -> str:
    """The markdown of the page that renders a figures folder: its ``README.md`` (links into the site, variants
    folders by their cell's name), a gallery of its figures if ``gallery``, and a section per ``variants/`` folder
    with its figures, CSVs and timing."""
    readme = folder / "README.md"
    md = readme.read_text() if readme.is_file() else f"# Figures in {shown_path(folder)}\n\n*(no README.md)*\n"
    lines = md.splitlines()
    title = next((i for i, ln in enumerate(lines) if ln.startswith("# ")), None)
    note = (f'<p class="provenance">From <code>{html.escape(shown_path(folder))}</code> as it is on disk (on a fresh '
            "clone: as committed): its <code>README.md</code>, figures and tables, as the last <code>make figures"
            "</code> there wrote them; nothing is re-run.</p>")
    lines = ([*lines[: title + 1], "", note, "", *lines[title + 1:]] if title is not None else
             [f"# Figures in {shown_path(folder)}", "", note, "", *lines])
    md = shorten_variants(_site_links("\n".join(lines), folder, rel), targets)
    pngs = _copy_results(folder, static / rel)
    if gallery and pngs:
        md += "\n\n## Every figure\n\n" + gallery_html([(site_href(rel, p.name), p.name, "") for p in pngs]) + "\n"
    cells = variant_targets(folder, page)
    if cells:
        md += "\n\n## Paper cells and other variants\n"
    for name, (label, _) in cells.items():
        v, sub, stem = folder / "variants" / name, f"{rel}/variants/{name}", name.partition("--")[0]
        vpngs = _copy_results(v, static / sub)
        t = read_timings(v).get(stem, {})
        date, machine = run_of(t)
        csvs = ", ".join(f"[{c.name}]({site_href(sub, c.name)})" for c in sorted(v.glob("*.csv"))) or "none"
        heading = label if label.startswith(stem) else f"Paper cell {label} ({stem})"
        md += (f'\n<div id="{_anchor(label)}"></div>\n\n### {heading}\n\n'
               f"Folder `variants/{name}`" + (f"; run of {date} on {machine}" if date else "")
               + (f"; {_timing(t)}" if _timing(t) else "") + f". Tables: {csvs}\n\n"
               + (gallery_html([(site_href(sub, p.name), p.name, "") for p in vpngs]) if vpngs else "") + "\n")
    return md + "\n"


def link_images(page: str) -> str:
    """Wrap each image of a built page that no link holds (the notebooks' output figures) in a link to itself: a
    click opens it at full size."""
    return re.sub(r'(<a\b[^>]*>\s*)?(<img\b[^>]*?\bsrc="([^"]+)"[^>]*>)',
                  lambda m: m.group(0) if m.group(1) else f'<a class="image-link" href="{m.group(3)}">{m.group(2)}</a>',
                  page)


def caption_html(p: Path, stems: list[str], sources: dict[str, nbformat.NotebookNode], titles: dict[str, str]) -> str:
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
