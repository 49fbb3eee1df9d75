"""`make report`: the static site built from the smoke outputs has a page per notebook, embeds every figure, and
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
