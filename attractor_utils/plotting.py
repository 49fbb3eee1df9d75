"""One figure style and the drawing helpers the notebooks share (drawing only: where files land and how they are
written is :mod:`attractor_utils.outputs`)."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

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


def band_plot(ax, df: pd.DataFrame, x: str, y: str, hue: str | None = None, band: str = "sd",
              marker: str = "o", label_fmt: str = "{}", markers: Sequence[str] | None = None,
              sizes: Sequence[float] | None = None, colors: Sequence | None = None, **kw) -> None:
    """Mean of ``y`` over repeats against ``x``, one line per ``hue`` value, with a shaded band
    (``band``: "sd" = one standard deviation, "minmax" = range over repeats). ``markers``, ``sizes`` and
    ``colors`` (one per hue value, in sorted order) tell the lines apart where they coincide: e.g. markers of
    falling size, so that a small marker stays visible on top of a larger one. ``label``: the line's label where
    ``hue`` is None (with a hue, ``label_fmt`` names each line)."""
    groups = [(None, df)] if hue is None else list(df.groupby(hue, sort=True))
    label = kw.pop("label", None)   # the line's label where there is no hue
    for i, (key, g) in enumerate(groups):
        s = g.groupby(x)[y]
        m = s.mean()
        if band == "sd":
            lo, hi = m - s.std(ddof=0), m + s.std(ddof=0)
        elif band == "minmax":
            lo, hi = s.min(), s.max()
        else:
            raise ValueError(f"band={band!r}; accepted values: ['sd', 'minmax']")
        lab = label if key is None else label_fmt.format(key)
        style = dict(kw)
        if sizes is not None:
            style.setdefault("ms", sizes[i % len(sizes)])
        if colors is not None:
            style.setdefault("color", colors[i % len(colors)])
        mk = marker if markers is None else markers[i % len(markers)]
        (line,) = ax.plot(m.index, m.values, marker=mk, label=lab, **style)
        ax.fill_between(m.index, lo.values, hi.values, color=line.get_color(), alpha=0.2, linewidth=0)


def ordered_colors(n: int, cmap: str = "viridis") -> list:
    """``n`` colours of a sequential colour map, dark to light without the palest end (visible on white), for
    ordered series (widths, depths).

    >>> len(ordered_colors(4)), ordered_colors(1) == ordered_colors(1)
    (4, True)
    """
    cm = plt.get_cmap(cmap)
    return [cm(v) for v in (np.linspace(0.0, 0.8, n) if n > 1 else [0.0])]


def distinct_colors(n: int) -> list:
    """``n`` colours of the package palette that are told apart at a glance: its near-identical orange and
    vermillion are never both used (the vermillion and the palette's grey come last).

    >>> len(distinct_colors(5)), len(set(map(tuple, distinct_colors(8))))
    (5, 8)
    """
    import seaborn as sns

    pal = sns.color_palette(PALETTE, 10)
    order = [0, 1, 2, 4, 9, 5, 8, 6, 3, 7]
    return [pal[order[i % len(order)]] for i in range(n)]


def grouped_bars(ax, series: Sequence[dict], n_groups: int, *, width: float = 0.8, value_fmt: str | None = None,
                 fontsize: float = 8, ticklabels: Sequence | None = None) -> list[float]:
    """Bars of several series side by side, group ``g`` centred on tick ``g``. ``series``: one dict per series with
    ``values`` (n_groups,), optional ``err``, ``label``, ``color``, ``flag`` (n_groups, bool: runs that did not
    converge, hatched and marked "*"). A bar of 0 is a thick line written "0", NaN is written "n/a"; ``value_fmt``
    (e.g. ``"{:.0%}"``) writes each value above its bar. Returns per series the x position of its first bar.

    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = grouped_bars(ax, [{"values": [0.0, 0.5], "label": "a"}, {"values": [0.0, float("nan")]}], 2)
    >>> sorted(t.get_text() for t in ax.texts)
    ['0', '0', 'n/a']
    """
    from matplotlib.patches import Rectangle

    k = len(series)
    wb = width / max(k, 1)
    x = np.arange(n_groups, dtype=float)
    firsts = []
    for j, sr in enumerate(series):
        vals = np.asarray(sr["values"], dtype=float)
        err = None if sr.get("err") is None else np.nan_to_num(np.asarray(sr["err"], dtype=float))
        flag = np.zeros(n_groups, bool) if sr.get("flag") is None else np.asarray(sr["flag"], dtype=bool)
        color = sr.get("color", f"C{j}")
        xs = x + (j - (k - 1) / 2) * wb
        firsts.append(float(xs[0]))
        bars = ax.bar(xs, np.nan_to_num(vals), wb, yerr=err, capsize=2, color=color, edgecolor=color,
                      error_kw={"lw": 1})
        if sr.get("label"):  # the legend shows the plain colour, also where the first bar is hatched
            _ = ax.add_patch(Rectangle((0, 0), 0, 0, facecolor=color, edgecolor=color, label=sr["label"]))
        for b, f in zip(bars, flag):
            if f:
                b.set_facecolor("none")
                b.set_hatch("///")
        tops = np.nan_to_num(vals) + (0 if err is None else err)  # labels sit above the error bar
        for xi, v, f, top in zip(xs, vals, flag, tops):
            if v == 0:
                _ = ax.hlines(0, xi - 0.45 * wb, xi + 0.45 * wb, color=color, lw=3, zorder=3)
            text = ("n/a" if not np.isfinite(v) else "0" if v == 0 else value_fmt.format(v) if value_fmt else "")
            text += "*" if f else ""
            if text:
                _ = ax.annotate(text, (xi, top),
                                xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                                fontsize=fontsize)
    if ticklabels is not None:
        ax.set_xticks(x, [str(t) for t in ticklabels])
    ax.set_xlim(-0.5, n_groups - 0.5)
    return firsts


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
    """Show images ((n, H, W) or (n, H, W, C), values in [0, 1]) on a flat sequence of axes. An image that blew up
    (values not finite, or beyond 100 in size: no clipping to [0, 1] would show it) is drawn as a grey tile that
    says so, never as a blank or white one."""
    axes = np.ravel(axes)
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        im = np.asarray(images[i], dtype=float) if i < len(images) else None
        if im is not None and (not np.isfinite(im).all() or np.abs(im).max() > 100):
            _ = ax.imshow(np.full(im.shape[:2], 0.85), cmap="gray", vmin=0, vmax=1)
            big = np.abs(im[np.isfinite(im)]).max() if np.isfinite(im).any() else np.inf
            _ = ax.text(0.5, 0.5, "diverged\n" + ("(not finite)" if not np.isfinite(im).all() else f"(|x| {big:.0e})"),
                        ha="center", va="center", fontsize=8, transform=ax.transAxes)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
        elif im is not None:
            _ = ax.imshow(np.clip(images[i], 0, 1), cmap=cmap if images[i].ndim == 2 else None, vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
        else:
            ax.axis("off")


def annotated_heatmap(ax, values, texts, *, vmax: float, xticklabels: Sequence, yticklabels: Sequence,
                      xlabel: str | None = None, ylabel: str | None = None, title: str | None = None,
                      origin: str = "upper", fontsize: float = 8, missing_fontsize: float | None = None,
                      cmap: str = "viridis", missing_color="0.88", xrotation: float = 0, norm=None):
    """A grid of counts: ``values`` (rows, cols) coloured on [0, ``vmax``] (or by a matplotlib ``norm``, e.g.
    ``PowerNorm(0.5, 0, vmax)``), each cell written with ``texts[i][j]`` in white or black by the scale; NaN cells
    in ``missing_color``, their text grey at ``missing_fontsize``. Row ``i`` at y = i. Returns the image.

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
    scale = dict(vmin=0, vmax=vmax) if norm is None else dict(norm=norm)
    im = ax.imshow(values, cmap=plt.get_cmap(cmap).with_extremes(bad=missing_color), aspect="auto", origin=origin,
                   **scale)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            missing = not np.isfinite(v)
            dark = (v < vmax / 2) if norm is None else (float(norm(v)) < 0.5)
            _ = ax.text(j, i, texts[i][j], ha="center", va="center",
                        fontsize=(missing_fontsize or fontsize) if missing else fontsize,
                        color="0.3" if missing else ("w" if dark else "k"))
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
    """Values read off a published figure (:mod:`attractor_utils.data.published`), drawn as large open diamonds with
    their reading uncertainty as error bars, on top of the measured points (which stay visible inside them), and
    labelled so that they cannot be taken for this package's results. Returns the errorbar container."""
    return ax.errorbar(x, y, yerr=yerr, fmt="D", mfc="none", mec=color, ecolor=color, ms=9, mew=1.5, capsize=4,
                       lw=1.2, ls="none", label=label, zorder=6, **kw)


def published_handle(label: str = "published, read off the figure", color="0.2"):
    """One legend entry for :func:`published_points` drawn in several colours (pass ``label="_nolegend_"`` to each
    call and add this handle once, naming what the colour stands for)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], marker="D", ls="", mfc="none", mec=color, ms=9, mew=1.5, label=label)
