"""Author a notebook from a list of cells (a development aid; the .ipynb is the source of truth).

    from tools.nbbuild import md, code, write
    write("notebooks/02_x.ipynb", [md("# Title"), code("preset = 'default'", tags=["parameters"]), ...])
"""
from __future__ import annotations

import textwrap

import nbformat


def md(src: str):
    return nbformat.v4.new_markdown_cell(textwrap.dedent(src).strip())


def code(src: str, tags: list[str] | None = None):
    c = nbformat.v4.new_code_cell(textwrap.dedent(src).strip())
    if tags:
        c.metadata["tags"] = list(tags)
        if "nbval-check-output" in tags:
            c.metadata["keep_output"] = True
    return c


def write(path: str, cells: list) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (attractor-lab)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:02d}"  # stable ids: no churn in diffs
    nbformat.write(nb, path)
