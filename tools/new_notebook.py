"""Start a new figure: a notebook that follows the house conventions, and its test.

    python -m tools.new_notebook 14_my_figure "What the figure shows (source)"

writes ``notebooks/14_my_figure.ipynb`` and ``tests/test_nb_14_my_figure.py`` (refuses to overwrite): parameters,
set-up, training, one CSV and one figure named after the notebook, a claims table and an ``nbval-check-output``
summary. Then fill in the cells; the next steps are in README.md, "Adding a figure".
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

from tools.lib.kernel import KERNELSPEC
from tools.lib.paths import ROOT

PARAMETERS = '''preset = "default"   # smoke | default | paper
seeds = None         # initialisation seeds; None: the preset's
widths = None        # hidden widths; None: the preset's
dim = 10
radius = 10.0
activation = "sigmoid"
loss_threshold = 1e-7
max_epochs = 5000'''

SETUP = '''import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import attractor_utils as au

cfg = au.setup_notebook(preset, {
    "smoke":   {"seeds": [0], "widths": [50]},
    "default": {"seeds": [0, 1, 2], "widths": [100, 1000]},
    "paper":   {"seeds": list(range(10)), "widths": [100, 1000, 10000]},
}, seeds=seeds, widths=widths)'''

TRAIN = '''configs = [au.sphere_config(n=5, dim=dim, radius=radius, seed=s, width=w, activation=activation,
                            loss_threshold=loss_threshold, max_epochs=max_epochs)
           for w in cfg["widths"] for s in cfg["seeds"]]
runs = au.train_runs(configs)   # cached in .cache/: a re-run does not retrain'''

ROWS = '''rows = []
for run in runs:
    cls = au.classify_attractors(run.model, run.X)
    rows.append({**run.row("width", "seed", "lr", "final_loss", "epochs", "converged"),
                 **au.summarize_attractors(cls)})
df = pd.DataFrame(rows)
au.save_csv(df, "{stem}")
df.head()'''

CHECK = '''print(df.groupby("width")[["n_attractors", "converged"]].mean().round(1).to_string())'''

FIGURE = '''fig, ax = plt.subplots(figsize=(5, 3.5))
g = df.groupby("width")
_ = ax.errorbar(g.n_attractors.mean().index, g.n_attractors.mean(), yerr=g.n_attractors.std(ddof=0).fillna(0),
                marker="o", capsize=3)
ax.set_xscale("log")
ax.set_xlabel("width")
ax.set_ylabel("training points that are attractors")
ax.set_title("{title}")
_ = au.savefig(fig, "{stem}")'''

CLAIMS = '''# the source's claims, measured (computed from the table above, never typed): write a function in the module
# of its source under attractor_utils/analyses/claims/ that returns au.claims.claim(...) rows from `df`, then
# _ = au.claims.save_claims(au.claims.my_claims(df), "{stem}_claims")'''

TEST = '''"""Notebook {stem} at the smoke preset: its CSV has one row per run and consistent counts."""
import pytest

from conftest import read_csv

pytestmark = pytest.mark.notebook

STEM = "{stem}"


def test_{ident}_smoke(run_notebook):
    df = read_csv(run_notebook(STEM), STEM)
    assert {{"width", "seed", "final_loss", "converged", "n_attractors", "n_borderline"}} <= set(df.columns)
    assert not df.duplicated(["width", "seed"]).any()
    assert ((df.n_attractors >= 0) & (df.n_attractors <= 5)).all()
'''


def make(stem: str, title: str, root: Path = ROOT) -> tuple[Path, Path]:
    """Write the notebook and its test under ``root`` (the repository); returns their paths."""
    if not re.fullmatch(r"\d\d_[a-z0-9_]+", stem):
        raise SystemExit(f"stem={stem!r}: expected NN_lowercase_words, e.g. 14_my_figure")
    nb_path, test_path = root / "notebooks" / f"{stem}.ipynb", root / "tests" / f"test_nb_{stem}.py"
    for p in (nb_path, test_path):
        if p.exists():
            raise SystemExit(f"{p} exists; pick another name")
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(f"# {title}\n\nWhat the source claims, what is measured here, and **the choices where the source is "
           "silent** (each a parameter below)."),
        code(PARAMETERS, metadata={"tags": ["parameters"]}),
        code(SETUP), md("## Train"), code(TRAIN), md("## Results"), code(ROWS.replace("{stem}", stem)),
        code(CHECK, metadata={"tags": ["nbval-check-output"]}), md("## Figure"),
        code(FIGURE.replace("{stem}", stem).replace("{title}", title.replace('"', "'"))),
        code(CLAIMS.replace("{stem}", stem)),
    ]
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i:02d}"
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"}})
    nbformat.validate(nb)
    nb_path.write_text(nbformat.writes(nb, version=4) + "\n")
    test_path.write_text(TEST.format(stem=stem, ident=stem.split("_", 1)[1]))
    return nb_path, test_path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.new_notebook", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stem", help="NN_lowercase_words, e.g. 14_my_figure")
    ap.add_argument("title", help="what the figure shows (source): the notebook's heading")
    a = ap.parse_args(argv)
    for p in make(a.stem, a.title):
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
