"""One figure style and one ``savefig`` that owns figure output (reproducible PDF + PNG)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .runs.caching import atomic_write_bytes, atomic_write_text, repo_root

__all__ = ["set_style", "set_preset", "savefig", "save_csv", "figures_dir", "band_plot", "image_grid", "count_text",
           "annotated_heatmap", "plot_basin_map", "PALETTE"]

PALETTE = "colorblind"


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


_PRESET = "default"


def set_preset(preset: str) -> None:
    """Route figures by preset (called by ``setup_notebook``): only the default preset writes ``figures/``."""
    global _PRESET
    _PRESET = preset


def figures_dir() -> Path:
    """``$ATTRACTOR_FIGURES`` if set, else ``<repo>/figures`` for the default preset and
    ``<repo>/figures/<preset>`` for the others, however the notebook was started (make, papermill, JupyterLab)."""
    if os.environ.get("ATTRACTOR_FIGURES"):
        return Path(os.environ["ATTRACTOR_FIGURES"])
    base = repo_root() / "figures"
    return base if _PRESET == "default" else base / _PRESET


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
                   other_color="lightgray", unconverged_color="black", alpha: float = 0.45) -> None:
    """Draw a basin map (:func:`attractor_utils.basin_maps.basin_map`'s ``label``, (len(ys)*len(xs),)) as a colour
    image: group ``g`` (0..k-1) in ``colors[g]``, -1 (``basin_maps.NOT_TRAINING``: another limit) in
    ``other_color``, -2 (``basin_maps.NOT_CONVERGED``) in ``unconverged_color``."""
    from matplotlib.colors import ListedColormap, to_rgba

    lab = np.asarray(label).reshape(len(ys), len(xs))
    k = len(colors)
    cmap = ListedColormap([to_rgba(unconverged_color), to_rgba(other_color)] + [to_rgba(c) for c in colors])
    img = lab + 2  # NOT_CONVERGED -> 0, NOT_TRAINING -> 1, group g -> g + 2
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    _ = ax.imshow(img, origin="lower", extent=(xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy), cmap=cmap,
                  vmin=-0.5, vmax=k + 1.5, interpolation="nearest", alpha=alpha, aspect="equal")
