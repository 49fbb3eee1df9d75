"""Where a run's files land and how they are written: the committed preset folder or a variant folder named for
the settings the run changed (read against the committed notebook, git HEAD), and reproducible figure (PDF + PNG)
and table (CSV) writers."""
from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Callable

import pandas as pd

from .compare import compare_tables
from .files import atomic_write_bytes, atomic_write_text, repo_root


# --- where a run's files land (README "Where things land") ---------------------------------------------------------
#
# figures/ holds the committed results of the default preset and figures/<preset>/ those of the other presets; only a
# run whose settings are exactly the committed notebook's writes there. Any other run (a -p override, an edited
# literal of the parameters cell, an edited set-up cell, a run from JupyterLab that changed any of them) writes to
# <that folder>/variants/<notebook>--<name>=<value>--.../, named for the settings it changed.

UNCHECKED = "unchecked"  # variants/ folder of files written by a process that never called setup_notebook
UNIDENTIFIED = "unidentified-notebook"  # variants/ folder of a run whose notebook setup_notebook could not find
_OUT: Path | None = None  # the folder setup_notebook chose for this process


def figures_base() -> Path:
    """``$ATTRACTOR_FIGURES`` if set (``make test`` uses build/test-figures), else ``<repo>/figures``: the folder
    that holds the default preset's committed results."""
    env = os.environ.get("ATTRACTOR_FIGURES")
    return Path(env) if env else repo_root() / "figures"


def preset_dir(preset: str, base: str | Path | None = None) -> Path:
    """The folder of ``preset``'s exact results: the base for the default preset, ``<base>/<preset>`` otherwise."""
    base = figures_base() if base is None else Path(base)
    return base if preset == "default" else base / preset


def set_output_dir(path: str | Path | None) -> None:
    """Where :func:`savefig` and :func:`save_csv` write from now on (``setup_notebook`` calls it; None: unset)."""
    global _OUT
    _OUT = None if path is None else Path(path)


def figures_dir() -> Path:
    """The folder ``setup_notebook`` routed this run to; before any set-up, ``<base>/variants/unchecked`` (a file
    written without the check never lands among the committed results)."""
    return _OUT if _OUT is not None else figures_base() / "variants" / UNCHECKED


def _git_show(rel: str) -> str | None:
    """The text of ``rel`` (repo-relative) at git HEAD, or None (no git, not a checkout, not committed)."""
    try:
        out = subprocess.run(["git", "-C", str(repo_root()), "show", f"HEAD:{rel}"], capture_output=True,
                             timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode() if out.returncode == 0 else None


def committed_notebook(stem: str) -> dict | None:
    """``notebooks/<stem>.ipynb`` as committed (git HEAD), else the file on disk (a notebook not committed yet),
    else None; as parsed JSON."""
    text = _git_show(f"notebooks/{stem}.ipynb")
    if text is None:
        p = repo_root() / "notebooks" / f"{stem}.ipynb"
        text = p.read_text() if p.is_file() else None
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return None


def _code_cells(nb: dict) -> list[tuple[str, list[str]]]:
    return [("".join(c.get("source", "")), c.get("metadata", {}).get("tags", [])) for c in nb.get("cells", [])
            if c.get("cell_type") == "code"]


def notebook_parameters(nb: dict) -> dict:
    """The literals of the notebook's cell tagged ``parameters`` (``name = literal`` lines), in order. A value that
    is not a literal is refused, naming it (the house rule: one parameters cell of literals)."""
    out: dict = {}
    for src, tags in _code_cells(nb):
        if "parameters" not in tags:
            continue
        for node in ast.parse(src).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    out[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    raise ValueError(f"parameters cell: {node.targets[0].id} = {ast.unparse(node.value)} is not a "
                                     "literal; accepted: numbers, strings, None, True/False, lists, dicts") from None
    return out


def find_notebook(cell: str) -> tuple[str | None, bool]:
    """The stem of the notebook with a code cell whose source is ``cell`` (the set-up cell that is running), and
    whether the committed notebook (git HEAD) has that cell too ((stem, False): the cell was edited since the last
    commit). (None, False) if no notebook of ``notebooks/`` has it."""
    cell = cell.strip()

    def has(nb: dict | None) -> bool:
        return bool(nb) and any(src.strip() == cell for src, _ in _code_cells(nb))

    paths = sorted((repo_root() / "notebooks").glob("*.ipynb"))
    for p in paths:
        if has(json.loads(p.read_text())):
            return p.stem, has(committed_notebook(p.stem))
    for p in paths:  # the file on disk changed after the cell ran (an autosave): the committed one may still match
        if has(committed_notebook(p.stem)):
            return p.stem, True
    return None, False


def _same(a, b) -> bool:
    """Equal values, lists and tuples alike; True and 1 differ."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and other values without a plain ==: different
        return False


def _slug_value(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return ",".join("+".join(map(_slug_value, x)) if isinstance(x, (list, tuple)) else _slug_value(x)
                        for x in v) or "empty"
    if isinstance(v, dict):
        return ",".join(f"{k}:{_slug_value(x)}" for k, x in v.items()) or "empty"
    return str(v)


def variant_slug(stem: str, changes: dict) -> str:
    """The folder name of a run that changed ``changes`` ({name: value}, in the parameters cell's order), named as
    docs/outputs.md says; characters outside ``[A-Za-z0-9._,+=:-]`` become ``_``, and a name over 160 characters or
    one that lost characters is cut to 140 and ends in 8 hex digits of the settings' SHA-256.

    >>> variant_slug("09_width_depth_mnist", {"widths": [1024], "depths": [4, 6]})
    '09_width_depth_mnist--widths=1024--depths=4,6'
    >>> variant_slug("07_basins_2d", {"lr": 0.001, "activation": "tanh"})
    '07_basins_2d--lr=0.001--activation=tanh'
    """
    raw = "--".join([stem, *(f"{k}={_slug_value(v)}" for k, v in changes.items())])
    safe = re.sub(r"[^A-Za-z0-9._,+=:-]", "_", raw)
    if safe != raw or len(safe) > 160:
        digest = hashlib.sha256(repr(sorted((k, repr(v)) for k, v in changes.items())).encode()).hexdigest()[:8]
        safe = f"{safe[:140]}--{digest}"
    return safe


def route(preset: str, stem: str | None, changes: dict | None, base: str | Path | None = None) -> Path:
    """The folder of a run: ``preset_dir(preset)`` when ``changes`` is empty (the committed settings), else
    ``preset_dir(preset)/variants/<variant_slug>``; an unidentified notebook (``stem`` None) goes to
    ``variants/unidentified-notebook``."""
    top = preset_dir(preset, base)
    if stem is None:
        return top / "variants" / UNIDENTIFIED
    return top / "variants" / variant_slug(stem, changes) if changes else top


def setting_changes(committed: dict, current: dict, resolve: Callable[[dict], dict] | None = None) -> dict:
    """``{name: (value in force, committed value)}`` for the parameters that differ from the committed notebook's,
    in the parameters cell's order (``"unset"`` where the run lacks one; ``preset`` left out). ``resolve`` maps
    values to those in force (a setting left at None takes the preset's), applied to both sides.

    >>> setting_changes({"preset": "default", "dim": 10, "width": None}, {"preset": "smoke", "dim": 20, "width": None})
    {'dim': (20, 10)}
    """
    resolve = resolve or (lambda d: d)
    now, then = resolve(dict(current)), resolve(dict(committed))
    out = {}
    for k in committed:
        if k == "preset":
            continue
        if k not in now:
            out[k] = ("unset", then.get(k))
        elif not _same(now[k], then.get(k)):
            out[k] = (now[k], then.get(k))
    return out


def savefig(fig, name: str, directory: str | Path | None = None) -> list[Path]:
    """Write ``<figures>/<name>.pdf`` and ``.png`` with no timestamps or software tags, atomically."""
    out = Path(directory) if directory is not None else figures_dir()
    paths = []
    for ext, meta in (("pdf", {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}),
                      ("png", {"Software": None})):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, metadata=meta)
        p = out / f"{name}.{ext}"
        atomic_write_bytes(p, buf.getvalue())
        paths.append(p)
    return paths


def save_csv(df: pd.DataFrame, name: str, directory: str | Path | None = None, float_format: str = "%.6g") -> Path:
    """Write a tidy results table to ``<figures>/<name>.csv`` atomically (fixed float format). Rewriting a committed
    table with other numbers prints a note that says so (:func:`committed_table_note`)."""
    out = Path(directory) if directory is not None else figures_dir()
    p = out / f"{name}.csv"
    text = df.to_csv(index=False, float_format=float_format, lineterminator="\n")
    atomic_write_text(p, text)
    note = committed_table_note(p, text)
    if note:
        print(note)
    return p


def committed_table_note(path: str | Path, text: str) -> str:
    """"" when ``path`` is not a committed table (git HEAD) or ``text`` is the committed text; else a note naming the
    table, how many values differ and whether they are within ``make compare``'s tolerance on one machine, within
    ``--across-machines`` (what another CPU's floating-point kernels give), or beyond both."""
    try:
        rel = Path(path).resolve().relative_to(repo_root().resolve()).as_posix()
    except ValueError:
        return ""
    old = _git_show(rel)
    if old is None or old == text:
        return ""
    new_df, ref_df = pd.read_csv(io.StringIO(text)), pd.read_csv(io.StringIO(old))
    if list(new_df.columns) != list(ref_df.columns) or len(new_df) != len(ref_df):
        return f"NOTE: {rel} now has other columns or rows than the committed table (git HEAD): `git diff {rel}`"
    n = int((new_df.astype(str).to_numpy() != ref_df.astype(str).to_numpy()).sum())
    if not compare_tables(new_df, ref_df):
        how = "within `make compare`'s tolerance"
    elif not compare_tables(new_df, ref_df, across_machines=True):
        how = ("within `make compare ARGS=--across-machines` (what another CPU's floating-point kernels give), beyond "
               "the one-machine tolerance")
    else:
        how = "BEYOND `make compare ARGS=--across-machines`'s tolerance"
    return (f"NOTE: {rel} differs from the committed table (git HEAD) in {n} value(s), {how}; "
            f"`make compare` lists them, `git checkout -- {rel}` restores the committed record")
