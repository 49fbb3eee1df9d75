"""One figure style and one ``savefig`` that owns figure output (reproducible PDF + PNG)."""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .caching import atomic_write_bytes, atomic_write_text, repo_root

__all__ = ["set_style", "set_preset", "savefig", "save_csv", "figures_dir", "band_plot", "image_grid", "count_text",
           "PALETTE"]

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
