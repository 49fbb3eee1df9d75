"""One figure style, one ``savefig`` that owns figure output (reproducible PDF + PNG), and where a run's files land
(the committed preset folder, or a variant folder named for the settings the run changed)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .runs.caching import atomic_write_bytes, atomic_write_text, repo_root

__all__ = ["published_points", "set_style", "savefig", "save_csv", "figures_dir", "figures_base", "preset_dir", "set_output_dir", "route",
           "variant_slug", "setting_changes", "committed_notebook", "notebook_parameters", "find_notebook", "band_plot",
           "image_grid", "count_text", "annotated_heatmap", "plot_basin_map", "basin_legend_handles", "share_text",
           "PALETTE"]

PALETTE = "colorblind"
OTHER_LIMIT_COLOR = "0.6"  # basin maps: starts that converged to a limit that is no training point (grey)
NOT_SETTLED_COLOR = "black"  # basin maps: starts that did not settle


def set_style() -> None:
    """The package's matplotlib/seaborn style (call once at the top of a notebook)."""
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.2)
    plt.rcParams.update({
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
        "axes.titlesize": "medium",
        "legend.frameon": False,
        "pdf.fonttype": 42,
        "svg.hashsalt": "attractor-lab",
    })


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
    import subprocess

    try:
        out = subprocess.run(["git", "-C", str(repo_root()), "show", f"HEAD:{rel}"], capture_output=True,
                             timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode() if out.returncode == 0 else None


def committed_notebook(stem: str) -> dict | None:
    """``notebooks/<stem>.ipynb`` as committed (git HEAD), else the file on disk (a notebook not committed yet),
    else None; as parsed JSON."""
    import json

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
    import ast

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
    import json

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
    """The folder name of a run that changed ``changes`` ({name: value}, in the parameters cell's order):
    ``<stem>--<name>=<value>--...``, lists joined by commas (``widths=64,256``), nested lists by ``+``. Characters
    outside ``[A-Za-z0-9._,+=:-]`` become ``_``; a name longer than 160 characters, or one that lost characters,
    is cut to 140 and ends in the first 8 hex digits of the SHA-256 of the full settings, so distinct settings never
    share a folder.

    >>> variant_slug("09_width_depth_mnist", {"widths": [1024], "depths": [4, 6]})
    '09_width_depth_mnist--widths=1024--depths=4,6'
    >>> variant_slug("07_basins_2d", {"lr": 0.001, "activation": "tanh"})
    '07_basins_2d--lr=0.001--activation=tanh'
    """
    import hashlib
    import re

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
    """The parameters whose value in force differs from the committed notebook's, in the parameters cell's order:
    ``{name: (value in force, committed value)}`` (``"unset"`` for a name the run lacks; ``preset`` is left out:
    the folder names it). ``resolve`` maps parameter values to the values in force (a preset setting left at None
    takes the preset's value) and is applied to both sides, so ``-p widths "[64]"`` where the preset has [64]
    changes nothing.

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
    import io

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
    """Write a tidy results table to ``<figures>/<name>.csv`` atomically (fixed float format)."""
    out = Path(directory) if directory is not None else figures_dir()
    p = out / f"{name}.csv"
    atomic_write_text(p, df.to_csv(index=False, float_format=float_format, lineterminator="\n"))
    return p


def band_plot(ax, df: pd.DataFrame, x: str, y: str, hue: str | None = None, band: str = "sd",
              marker: str = "o", label_fmt: str = "{}", **kw) -> None:
    """Mean of ``y`` over repeats against ``x``, one line per ``hue`` value, with a shaded band
    (``band``: "sd" = one standard deviation, "minmax" = range over repeats)."""
    groups = [(None, df)] if hue is None else list(df.groupby(hue, sort=True))
    for key, g in groups:
        s = g.groupby(x)[y]
        m = s.mean()
        if band == "sd":
            lo, hi = m - s.std(ddof=0), m + s.std(ddof=0)
        elif band == "minmax":
            lo, hi = s.min(), s.max()
        else:
            raise ValueError(f"band={band!r}; accepted values: ['sd', 'minmax']")
        lab = None if key is None else label_fmt.format(key)
        (line,) = ax.plot(m.index, m.values, marker=marker, label=lab, **kw)
        ax.fill_between(m.index, lo.values, hi.values, color=line.get_color(), alpha=0.2, linewidth=0)


def count_text(count, borderline=0) -> str:
    """A count as printed in figures: ``"37"``, or ``"37±2"`` when 2 of the points behind it are borderline
    (their verdict sits at a threshold, see :func:`attractor_utils.classify_attractors`); NaN prints ``"-"``.

    >>> count_text(37.0, 2), count_text(5, 0), count_text(float("nan"))
    ('37±2', '5', '-')
    """
    if count is None or not np.isfinite(count):
        return "-"
    b = 0 if borderline is None or not np.isfinite(borderline) else int(round(borderline))
    return f"{count:.0f}" + (f"±{b}" if b > 0 else "")


def image_grid(axes, images: np.ndarray, titles=None, cmap: str = "gray") -> None:
    """Show images ((n, H, W) or (n, H, W, C), values in [0, 1]) on a flat sequence of axes."""
    axes = np.ravel(axes)
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if i < len(images):
            _ = ax.imshow(np.clip(images[i], 0, 1), cmap=cmap if images[i].ndim == 2 else None, vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
        else:
            ax.axis("off")


def annotated_heatmap(ax, values, texts, *, vmax: float, xticklabels: Sequence, yticklabels: Sequence,
                      xlabel: str | None = None, ylabel: str | None = None, title: str | None = None,
                      origin: str = "upper", fontsize: float = 8, missing_fontsize: float | None = None,
                      cmap: str = "viridis", missing_color="0.88", xrotation: float = 0):
    """A grid of counts: ``values`` (rows, cols) coloured on [0, ``vmax``], each cell written with ``texts[i][j]``
    (white on the dark half of the scale, black on the light half); NaN cells (e.g. runs that did not converge)
    are drawn in ``missing_color`` with their text in grey at ``missing_fontsize``. Row ``i`` is drawn at
    y = i (``origin="lower"``: the first row at the bottom). Returns the image (for a colour bar).

    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> im = annotated_heatmap(ax, np.array([[1.0, np.nan]]), [["1", "loss 1e-3"]], vmax=5,
    ...                        xticklabels=["a", "b"], yticklabels=["r"])
    >>> [t.get_text() for t in ax.texts], [t.get_color() for t in ax.texts]
    (['1', 'loss 1e-3'], ['w', '0.3'])
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or np.shape(texts)[:2] != values.shape:
        raise ValueError(f"values (rows, cols) and texts of the same shape expected; got {values.shape} and "
                         f"{np.shape(texts)}")
    im = ax.imshow(values, cmap=plt.get_cmap(cmap).with_extremes(bad=missing_color), vmin=0, vmax=vmax,
                   aspect="auto", origin=origin)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            missing = not np.isfinite(v)
            _ = ax.text(j, i, texts[i][j], ha="center", va="center",
                        fontsize=(missing_fontsize or fontsize) if missing else fontsize,
                        color="0.3" if missing else ("w" if v < vmax / 2 else "k"))
    ax.set_xticks(range(values.shape[1]), list(xticklabels), rotation=xrotation)
    ax.set_yticks(range(values.shape[0]), list(yticklabels))
    ax.grid(False)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return im


def plot_basin_map(ax, xs: np.ndarray, ys: np.ndarray, label: np.ndarray, colors: Sequence, *,
                   other_color=OTHER_LIMIT_COLOR, unconverged_color=NOT_SETTLED_COLOR, alpha: float = 0.45) -> None:
    """Draw a basin map (:func:`attractor_utils.basin_maps.basin_map`'s ``label``, (len(ys)*len(xs),)) as an opaque
    image: group ``g`` (0..k-1) in ``colors[g]`` lightened towards white (``alpha``: its weight, so arrows and
    points drawn on top stay legible), -1 (``basin_maps.NOT_TRAINING``: another limit) in ``other_color`` and -2
    (``basin_maps.NOT_CONVERGED``) in ``unconverged_color``, both exactly as named (a title that says "black" finds
    black). :func:`basin_legend_handles` gives the matching legend entries."""
    from matplotlib.colors import ListedColormap, to_rgb

    lab = np.asarray(label).reshape(len(ys), len(xs))
    k = len(colors)
    light = [tuple(alpha * np.array(to_rgb(c)) + (1 - alpha)) for c in colors]
    cmap = ListedColormap([to_rgb(unconverged_color), to_rgb(other_color), *light])
    img = lab + 2  # NOT_CONVERGED -> 0, NOT_TRAINING -> 1, group g -> g + 2
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    _ = ax.imshow(img, origin="lower", extent=(xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy), cmap=cmap,
                  vmin=-0.5, vmax=k + 1.5, interpolation="nearest", aspect="equal")


def basin_legend_handles(other: str = "another limit", unconverged: str = "did not settle") -> list:
    """Legend entries for the two colours of :func:`plot_basin_map` that belong to no group."""
    from matplotlib.patches import Patch

    return [Patch(facecolor=OTHER_LIMIT_COLOR, edgecolor="0.3", label=f"grey: {other}"),
            Patch(facecolor=NOT_SETTLED_COLOR, edgecolor="0.3", label=f"black: {unconverged}")]


def share_text(share: float) -> str:
    """A share of grid starts as titles print it: ``0 %`` only when there is none, ``<0.1 %`` for a few (so a
    marker of a rare limit never sits under a title that says 0), else one decimal.

    >>> share_text(0.0), share_text(0.0004), share_text(0.018)
    ('0 %', '<0.1 %', '1.8 %')
    """
    if not share:
        return "0 %"
    return "<0.1 %" if share < 0.001 else f"{100 * share:.1f} %"


def published_points(ax, x, y, yerr, *, label: str = "published, read off the figure", color: str = "k", **kw):
    """Values read off a published figure (:mod:`attractor_utils.runs.published`), drawn as open diamonds with their
    reading uncertainty as error bars, labelled so that they cannot be taken for this package's results. Returns the
    errorbar container."""
    return ax.errorbar(x, y, yerr=yerr, fmt="D", mfc="none", mec=color, ecolor=color, ms=5, capsize=3, lw=1,
                       ls="none", label=label, zorder=6, **kw)
