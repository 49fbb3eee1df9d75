"""`make report`: the static site built from the smoke outputs has a page per notebook, shows each figure the notebook
saved inline in the output of the cell that drew it, shows the parameters cell once, fits wide tables to the page, and
every link in it resolves."""
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
pytestmark = pytest.mark.notebook


def test_report_from_the_smoke_outputs(run_notebook, tmp_path):
    from tools.build_report import build
    from tools.scorecard import write_scorecard

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
    for page, text in html.items():  # every relative link and image resolves to a file of the site
        for ref in re.findall(r'(?:href|src)="([^"#?]+)', text):
            if urlparse(ref).scheme or ref.startswith(("mailto:", "//")):
                continue
            assert (page.parent / unquote(ref)).exists(), (page.name, ref)
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
