"""`make report`: the static site built from the smoke outputs has a page per notebook, shows each figure the notebook
saved inline in the output of the cell that drew it, shows the parameters cell once, fits wide tables to the page, and
every link in it resolves. On a fresh clone (no executed notebooks) it is built from the committed figures folder and
notebooks: the scorecard with folded tables, a captioned gallery of every figure, and a page per notebook that shows
its code and figures and says which run produced them."""
import html as html_lib
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.mark.notebook
def test_report_from_the_smoke_outputs(run_notebook, tmp_path):
    from tools.build_report import build
    from tools.lib.scorecard import write_scorecard

    stems = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    executed, figures = tmp_path / "executed", tmp_path / "figures"
    executed.mkdir()
    figures.mkdir()
    for s in stems:  # memoised: the notebook tests of this session already ran them
        fig = run_notebook(s)
        shutil.copy(fig / f"{s}.ipynb", executed)
        for f in [*fig.glob("*.png"), *fig.glob("*_claims.csv")]:
            shutil.copy(f, figures)
    write_scorecard(figures)
    index = build(executed, figures, tmp_path / "report", "smoke")
    site = index.parent
    assert index.is_file()
    html = {p: p.read_text() for p in site.glob("*.html")}
    for s in stems:
        assert (site / f"{s}.html").is_file(), s
        assert f'href="{s}.html"' in html[index]  # linked from the front page
    assert "Reproduction scorecard" in html[index]
    embedded = set()
    for text in html.values():
        embedded |= {Path(unquote(m)).name for m in re.findall(r'<img[^>]*src="([^"]+)"', text)}
    pngs = {p.name for p in figures.glob("*.png")}
    assert pngs and pngs <= embedded, sorted(pngs - embedded)
    _assert_links_resolve(html)
    for s in stems:
        page = html[site / f"{s}.html"]
        inline = _output_images(page, site)
        saved = sorted(figures.glob(f"{s}*.png"))
        assert saved, s
        for png in saved:  # the figure appears under its cell: an output image of the same drawing at the inline dpi
            match = next((im for im in inline if _same_drawing(png, im)), None)
            assert match is not None, (s, png.name, [im.name for im in inline])
            inline.remove(match)
        assert page.count('class="cell tag_parameters') == 1 and "injected-parameters" not in page  # shown once
    css = (site / "_static" / "report.css").read_text()
    assert "overflow-x: auto" in css and "report.css" in html[index]  # wide tables scroll inside the page


def _output_images(page: str, site: Path) -> list[Path]:
    """The images in the cell outputs of a notebook page (MyST-NB renders each output under ``cell_output``)."""
    out = []
    for cell in page.split('<div class="cell ')[1:]:
        if "cell_output" in cell:
            out += [site / unquote(m) for m in re.findall(r'<img[^>]*src="([^"]+)"', cell[cell.index("cell_output"):])]
    return out


def _same_drawing(saved: Path, inline: Path, tol: float = 0.03) -> bool:
    """``inline`` is ``saved`` drawn at the inline backend's dpi: both are bbox-tight, so their sizes differ by the
    ratio of figure.dpi to savefig.dpi (100 / 150, set by au.set_style), within a few pixels of text rendering."""
    from PIL import Image

    ratio = 100 / 150
    with Image.open(saved) as a, Image.open(inline) as b:
        return all(abs(bb / (aa * ratio) - 1) < tol for aa, bb in zip(a.size, b.size))


def _assert_links_resolve(html: dict[Path, str]) -> None:
    """Every relative link and image of the pages resolves to a file of the site."""
    for page, text in html.items():
        for ref in re.findall(r'(?:href|src)="([^"#?]+)', text):
            if urlparse(ref).scheme or ref.startswith(("mailto:", "//")):
                continue
            assert (page.parent / unquote(ref)).exists(), (page.name, ref)


def _body_text(page: str) -> str:
    """The visible text of a page's body: tags (and so their attributes, hrefs included) and scripts removed."""
    body = page[page.index('<div class="body"'):]
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", body, flags=re.S)))


@pytest.fixture(scope="module")
def committed_site(tmp_path_factory) -> Path:
    """The report of a fresh clone: the committed figures folder and notebooks, no executed notebook."""
    from tools.build_report import build

    tmp = tmp_path_factory.mktemp("report")
    return build(tmp / "executed", ROOT / "figures", tmp / "report", "default").parent


def test_report_of_a_fresh_clone_shows_the_committed_results(committed_site):
    site = committed_site
    html = {p: p.read_text() for p in site.glob("*.html")}
    index = html[site / "index.html"]
    assert "Reproduction scorecard" in index
    summaries = re.findall(r"<details[^>]*>\s*<summary>([^<]+)</summary>", index)
    assert summaries and all(re.match(r"\d+ \w+", s) for s in summaries), summaries  # folded, rows counted
    assert any("agrees" in s for s in summaries)  # the verdict counts of the scorecard
    gallery = index[index.index('<div class="gallery">'):]
    items = {n: f for f in re.findall(r"<figure>.*?</figure>", gallery, flags=re.S)
             for n in re.findall(r'<img[^>]*src="_static/figures/([^"]+)"', f)}
    pngs = sorted(p.name for p in (ROOT / "figures").glob("*.png"))
    assert pngs and sorted(items) == pngs
    for name, fig in items.items():  # a caption naming the file and linking its notebook; a click opens the PNG
        caption = fig[fig.index("<figcaption>"):]
        assert name in caption and re.search(r'href="\d\d_\w+\.html"', caption), fig
        assert f'<a href="_static/figures/{name}"><img' in fig, fig
    text = _body_text(index)
    assert not re.search(r"variants/\S*--", text)  # paper-cell folders are named by their cell
    assert max(map(len, text.split())) < 60  # no word long enough to push the page wider than the window
    assert (site / "paper.html").is_file() and 'href="paper.html#cell-' in index  # ... and link to their section
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        page = html[site / f"{nb.stem}.html"]
        assert f'href="{nb.stem}.html"' in index
        assert "Committed results of" in page and "outputs not re-run" in page and "timings.json" in page, nb.stem
        assert page.count('class="cell tag_parameters') == 1
        for png in sorted((ROOT / "figures").glob(f"{nb.stem}*.png")):  # its figures, each opening its full size
            assert f'<a href="_static/figures/{png.name}"><img src="_static/figures/{png.name}"' in page, png.name
        for csv in sorted((ROOT / "figures").glob(f"{nb.stem}*.csv")):
            assert f'href="_static/figures/{csv.name}"' in page, csv.name
    _assert_links_resolve(html)


def test_report_uses_an_executed_notebook_where_there_is_one(tmp_path):
    """An executed notebook's page shows its outputs (each output figure opening at full size) and says it was
    executed; a notebook without an executed copy falls back to its committed source and results."""
    import base64

    import nbformat

    from tools.build_report import build

    ran, kept = "02_linear_region", "13_theory_single_example"
    notebooks, executed = tmp_path / "notebooks", tmp_path / "executed"
    notebooks.mkdir()
    executed.mkdir()
    for s in (ran, kept):
        shutil.copy(ROOT / "notebooks" / f"{s}.ipynb", notebooks)
    nb = nbformat.read(ROOT / "notebooks" / f"{ran}.ipynb", as_version=4)  # as papermill and the kernel leave it
    nb.cells.insert(2, nbformat.v4.new_code_cell('preset = "default"', metadata={"tags": ["injected-parameters"]}))
    saving = next(c for c in nb.cells if c.cell_type == "code" and f'"{ran}"' in c.source and "savefig" in c.source)
    png = base64.b64encode((ROOT / "figures" / f"{ran}.png").read_bytes()).decode()
    saving.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    nbformat.write(nb, executed / f"{ran}.ipynb")
    site = build(executed, ROOT / "figures", tmp_path / "report", "default", notebooks).parent
    html = {p: p.read_text() for p in site.glob("*.html")}
    page, other = html[site / f"{ran}.html"], html[site / f"{kept}.html"]
    assert "Executed by <code>make figures</code>" in page and "Committed results" not in page
    assert page.count('class="cell tag_parameters') == 1 and "injected-parameters" not in page
    inline = re.findall(r'<a class="image-link" href="([^"]+)"><img[^>]*src="([^"]+)"', page)
    assert len(inline) == 1 and inline[0][0] == inline[0][1], inline  # the output figure opens itself at full size
    assert "Committed results of" in other and "Executed by" not in other
    _assert_links_resolve(html)
