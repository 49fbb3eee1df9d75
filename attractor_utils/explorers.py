"""Interactive explorers for the cheap experiments (ipywidgets; ``notebooks/explore.ipynb``).

- :class:`BasinExplorer` (notebook 07): a 2-D autoencoder on a few points; choose width, depth, activation and
  network seed, draw a new set of points or move one, and see the basins of attraction, the Voronoi cells, the
  one-step vector field and the orbit of a chosen start.
- :class:`SingleExampleExplorer` (notebooks 01 and 13): one training example; choose its radius, the depth, width
  and activation, and see the trained Jacobian spectrum at the example against the closed form of PNAS Theorems 1-2
  / Corollary 2 (rank-1 initialisation) or against the spectrum at initialisation (the NTK setting of Jiang &
  Pehlevan, which has no closed form).

What a change costs. A change that gives another network (its settings or its training data) trains one, unless
the run cache holds it (``.cache/``, shared with the notebooks: the same settings are the same entry) or this
explorer met it before; a change that keeps the network (an orbit's start, the grid of the basin map, what is
drawn) redraws from the trained network and trains nothing. The status line says which the last change did and
how long it took. The explorers train with the session's torch settings (threads included), as the notebooks do:
a network they put in the shared run cache is the one the notebook would have trained.

What a notebook shows. Displaying an explorer puts two outputs in the cell: the controls with the status line (a
widget), and the figure as a plain PNG that every redraw replaces in place (``update_display``). A notebook saved
after running keeps that PNG, so it shows the last view without a kernel (the widget then cannot be drawn until
the cell is run again, which makes it live). The figure is laid out in CSS pixels (``CSS_DPI`` per inch) and
rendered at ``PIXEL_RATIO`` times that, so it is never upscaled; with its controls it fits a ``SCREEN_PX`` window.

Headless (tests, scripts): set a control's ``value`` (``ex.controls["width"].value = 64``) or call
``ex.update()``, and read ``ex.result`` (the numbers drawn), ``ex.figure`` (the matplotlib figure), ``ex.png``
(its PNG) and ``ex.status.value``. Small settings answer fastest:
``BasinExplorer(width=16, depth=2, grid=20)``.
"""
from __future__ import annotations

import base64
import html
import io
import math
import time
import uuid
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from .analyses import basin_maps
from .core import validate as V
from .core.attractors import classify_attractors
from .core.dynamics import orbit
from .core.spectra import jacobian_eigenvalues
from .plotting import basin_legend_handles, count_text, plot_basin_map, set_style, share_text
from .runs import given_data
from .runs.caching import default_cache
from .runs.data import sphere_points
from .runs.experiments import build_model, sphere_config, train_runs
from .runs.theory_runs import train_rank1

__all__ = ["BasinExplorer", "SingleExampleExplorer"]

BASIN_LABEL = "07_basins_2d points"  # the experiment of notebook 07: its trained runs are the explorer's cache hits

CSS_DPI = 100  # CSS pixels per figure inch: a w x h inch figure takes 100 w x 100 h pixels in the notebook
PIXEL_RATIO = 2  # PNG pixels per CSS pixel: sharp on HiDPI screens, scaled down (never up) on others
SCREEN_PX = (1385, 800)  # the browser window (CSS pixels) an explorer's controls and figure fit in together
LAB_CHROME_PX = 150  # JupyterLab's bars above and below a notebook (menu, tabs, toolbar, status bar), CSS pixels
ROW_PX = 60  # height of one row of controls (its label takes two lines), CSS pixels, as measured in JupyterLab
STATUS_PX = 24  # height of the status line, CSS pixels
LABEL_PX = 110  # width of a row's label ("network / retrains"), CSS pixels
MEMO_SIZE = 16  # networks and basin maps an explorer keeps in memory (the run cache keeps every network on disk)


def _remember(memo: dict, key: Any, value: Any) -> Any:
    """Store ``value`` under ``key``, dropping the oldest entries beyond :data:`MEMO_SIZE`; returns ``value``."""
    memo[key] = value
    while len(memo) > MEMO_SIZE:
        memo.pop(next(iter(memo)))
    return value


def on_grid(control, value: float) -> float:
    """``value`` moved to the nearest position of slider ``control``, as its readout prints it.

    A FloatSlider's positions are ``min + k * step`` and ``max``; a FloatLogSlider's are ``base ** (min + k * step)``
    and ``base ** max``. The browser snaps a value to a position and prints that position with ``readout_format``,
    so a value set on a position, as printed, is the value the readout shows.
    """
    import ipywidgets as W

    log = isinstance(control, W.FloatLogSlider)
    if not log and not isinstance(control, W.FloatSlider):
        raise TypeError(f"control is a {type(control).__name__}; on_grid takes a FloatSlider or a FloatLogSlider")
    u = math.log(V.real("value", value, 0, lo_open=True), control.base) if log else V.real("value", value)
    k = round((u - control.min) / control.step)
    snapped = min(max(control.min + k * control.step, control.min), control.max)
    if abs(u - control.max) < abs(u - snapped):  # the end of the range is a position too
        snapped = control.max
    return float(format(control.base ** snapped if log else snapped, control.readout_format))


def _slider(kind: str, description: str, value, lo, hi, step=None, *, width: int = 220, **kw):
    import ipywidgets as W

    cls = {"int": W.IntSlider, "float": W.FloatSlider, "log": W.FloatLogSlider}[kind]
    return cls(value=value, min=lo, max=hi, **({"step": step} if step is not None else {}), description=description,
               continuous_update=False, style={"description_width": "initial"}, layout=W.Layout(width=f"{width}px"),
               **kw)


def _dropdown(description: str, options, value, *, width: int = 170):
    import ipywidgets as W

    return W.Dropdown(options=options, value=value, description=description, style={"description_width": "initial"},
                      layout=W.Layout(width=f"{width}px"))


def _checkbox(description: str, value: bool):
    import ipywidgets as W

    return W.Checkbox(value=value, description=description, indent=False, layout=W.Layout(width="130px"))


class _Explorer:
    """Rows of controls and a status line (a widget) above a figure (a PNG display output).

    Every change of a control calls :meth:`update`: :meth:`compute` (whose ``result["source"]`` says what this change
    did: trained, loaded, or redrawn), then :meth:`draw`. ``ROWS``: ``((label, note), (control names ...))`` per
    row of controls; ``FIGSIZE``: the figure's size in inches (CSS pixels / ``CSS_DPI``).
    """

    ROWS: tuple = ()
    FIGSIZE: tuple[float, float] = (8.0, 5.0)

    def __init__(self, controls: dict, auto: bool = True) -> None:
        import ipywidgets as W

        set_style()
        self.controls = controls
        self.status = W.HTML()
        self.figure: Figure | None = None
        self.png = b""  # the figure as PNG bytes: PIXEL_RATIO x its CSS size
        self.result: dict[str, Any] = {}
        self.updates = 0
        self._display_id: str | None = None  # set once displayed: every redraw then replaces the figure output
        self._syncing = False  # set while the explorer itself moves a control (no recompute)
        for c in controls.values():
            c.observe(self._changed, names="value")
        if auto:
            self.update()

    def _changed(self, _change) -> None:
        if not self._syncing:
            self.update()

    def _set_quietly(self, name: str, value) -> None:
        """Move control ``name`` to ``value`` without recomputing."""
        self._syncing = True
        try:
            self.controls[name].value = value
        finally:
            self._syncing = False

    def widget(self):
        """The controls, row by row (each labelled with what its changes cost), and the status line: one box."""
        import ipywidgets as W

        rows = []
        for (label, note), names in self.ROWS:
            head = W.HTML(f"<b>{label}</b>" + (f"<br><i>{note}</i>" if note else ""),
                          layout=W.Layout(width=f"{LABEL_PX}px"))
            rows.append(W.HBox([head, *(self.controls[n] for n in names)], layout=W.Layout(flex_flow="row wrap")))
        return W.VBox([*rows, self.status])

    def figure_px(self) -> tuple[int, int]:
        """The figure's size in the notebook, CSS pixels (width, height)."""
        return round(self.FIGSIZE[0] * CSS_DPI), round(self.FIGSIZE[1] * CSS_DPI)

    def view_px(self) -> tuple[int, int]:
        """The size of the whole view (controls, status line, figure), CSS pixels (width, height)."""
        w, h = self.figure_px()
        widths = [LABEL_PX + sum(int(str(self.controls[n].layout.width).rstrip("px")) for n in names)
                  for _, names in self.ROWS]
        return max(w, *widths), len(self.ROWS) * ROW_PX + STATUS_PX + h

    def static_view(self) -> tuple[dict, dict]:
        """The current figure as a display bundle (``data``, ``metadata``): ``image/png`` (base64) shown at its CSS
        size, and a ``text/plain`` line for front ends without images."""
        w, h = self.figure_px()
        title = self.figure.axes[0].get_title().replace("\n", "; ") if self.figure is not None else "no view yet"
        data = {"image/png": base64.b64encode(self.png).decode("ascii"),
                "text/plain": f"{type(self).__name__}: {title} (run the cell to explore)"}
        return data, {"image/png": {"width": w, "height": h}}

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
        self._display_id = self._display_id or uuid.uuid4().hex
        data, metadata = self.static_view()
        display(data, raw=True, metadata=metadata, display_id=self._display_id)

    def values(self) -> dict:
        return {k: c.value for k, c in self.controls.items()}

    def update(self) -> None:
        """Recompute from the controls' values and redraw; an error is shown in the status line, not raised."""
        self.status.value = "<i>computing ...</i>"
        t0 = time.perf_counter()
        try:
            result = self.compute(**self.values())
            fig = self.draw(result)
        except Exception as e:  # noqa: BLE001 - an explorer reports, it does not stop the notebook
            self.status.value = f"<b>error</b>: {html.escape(f'{type(e).__name__}: {e}')}"
            self.result = {"error": f"{type(e).__name__}: {e}"}
            return
        self.result = result
        self._show(fig)
        self.status.value = f"{html.escape(result['source'])}; answered in {time.perf_counter() - t0:.1f} s"

    def _show(self, fig: Figure) -> None:
        """Make ``fig`` the explorer's figure, render its PNG and, once displayed, replace the figure output."""
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=CSS_DPI * PIXEL_RATIO, bbox_inches=fig.bbox_inches)  # not cropped: its size
        self.figure, self.png = fig, buf.getvalue()
        self.updates += 1
        if self._display_id is not None:
            from IPython.display import update_display

            data, metadata = self.static_view()
            update_display(data, raw=True, metadata=metadata, display_id=self._display_id)

    def compute(self, **values) -> dict:  # pragma: no cover - each explorer defines it
        raise NotImplementedError

    def draw(self, result: dict) -> Figure:  # pragma: no cover - each explorer defines it
        raise NotImplementedError


class BasinExplorer(_Explorer):
    """Basins of a 2-D autoencoder (notebook 07's experiment), explored.

    Controls that give another network, so train one (unless cached): ``width``, ``depth``, ``activation``,
    ``seed`` (the network's), ``n_points`` and ``points_seed`` (a new set of training points, at least 0.4 apart in
    [-1, 1]², notebook 07's sampler), ``point_x``/``point_y`` (move training point ``point``). Controls that keep the
    network (no training): ``point`` (which point the x/y sliders move), ``start_x``/``start_y`` (the start of the
    orbit drawn), ``grid`` (the basin map's resolution: the map is recomputed), ``vectors`` and ``voronoi`` (what is
    drawn). Training: Adam at ``lr`` to MSE below ``loss_threshold`` or ``max_epochs`` (notebook 07's settings, so
    its networks are cache hits). ``result`` holds the points (n, 2), the basin labels on a ``grid`` x ``grid``
    grid over [-``view``, ``view``]², the attractor count, the share of starts whose basin is not their Voronoi
    cell, and the orbit (``orbit_steps`` + 1, 2).
    """

    ACTIVATIONS = ("leaky_relu", "relu", "tanh", "swish", "selu", "sigmoid")
    GRIDS = (20, 40, 60, 80)
    ROWS = ((("network", "retrains"), ("width", "depth", "activation", "seed")),
            (("training points", "retrains"), ("n_points", "points_seed", "point", "point_x", "point_y")),
            (("view", "no training"), ("start_x", "start_y", "grid", "vectors", "voronoi")))
    FIGSIZE = (7.4, 4.4)

    def __init__(self, *, width: int = 256, depth: int = 4, activation: str = "leaky_relu", seed: int = 0,
                 n_points: int = 5, points_seed: int = 0, lr: float = 1e-4, loss_threshold: float = 1e-8,
                 max_epochs: int = 20_000, grid: int = 40, view: float = 1.6, max_steps: int = 300,
                 orbit_steps: int = 40, auto: bool = True) -> None:
        width, grid = V.integer("width", width, 1), V.integer("grid", grid, 2)
        depth, seed = V.integer("depth", depth, 1, 6), V.integer("seed", seed, 0, 9)
        n_points, points_seed = V.integer("n_points", n_points, 3, 8), V.integer("points_seed", points_seed, 0, 20)
        activation = V.choice("activation", activation, self.ACTIVATIONS)
        self.settings = dict(lr=V.real("lr", lr, 0, lo_open=True),
                             loss_threshold=V.real("loss_threshold", loss_threshold, 0, lo_open=True),
                             max_epochs=V.integer("max_epochs", max_epochs, 1))
        self.view = V.real("view", view, 0, lo_open=True)
        self.max_steps = V.integer("max_steps", max_steps, 1)
        self.orbit_steps = V.integer("orbit_steps", orbit_steps, 0)
        self._points: dict[tuple, np.ndarray] = {}  # the training points (moved ones too), per (n_points, points_seed)
        self._nets: dict[tuple, Any] = {}  # trained runs met by this explorer, per network key
        self._maps: dict[tuple, dict] = {}  # basin maps, per (network key, grid)
        v = self.view
        coord = dict(readout_format=".4f")  # a point's coordinates to 1e-4: the readout prints its position exactly
        controls = {
            "width": _dropdown("width", sorted({16, 32, 64, 128, 256, 512, width}), width, width=150),
            "depth": _slider("int", "depth", depth, 1, 6, width=200),
            "activation": _dropdown("activation", list(self.ACTIVATIONS), activation, width=200),
            "seed": _slider("int", "network seed", seed, 0, 9),
            "n_points": _slider("int", "points", n_points, 3, 8, width=190),
            "points_seed": _slider("int", "points seed", points_seed, 0, 20, width=220),
            "point": _slider("int", "move point", 0, 0, n_points - 1, width=190),
            "point_x": _slider("float", "x", 0.0, -v, v, 1e-4, width=230, **coord),
            "point_y": _slider("float", "y", 0.0, -v, v, 1e-4, width=230, **coord),
            "start_x": _slider("float", "orbit start x", 0.0, -v, v, 0.01, width=250, readout_format=".2f"),
            "start_y": _slider("float", "orbit start y", 0.0, -v, v, 0.01, width=250, readout_format=".2f"),
            "grid": _dropdown("grid", sorted({*self.GRIDS, grid}), grid, width=120),
            "vectors": _checkbox("vector field", True),
            "voronoi": _checkbox("Voronoi cells", True),
        }
        super().__init__(controls, auto=False)
        self._syncing = True
        try:
            controls["start_x"].value = on_grid(controls["start_x"], 0.75 * v)
            controls["start_y"].value = on_grid(controls["start_y"], -0.75 * v)
        finally:
            self._syncing = False
        self._sync_point_sliders()
        if auto:
            self.update()

    # --- the training points and their controls ---

    def points(self, n_points: int, points_seed: int) -> np.ndarray:
        """The current training points (n, 2): notebook 07's sampler, with any point moved by the sliders."""
        key = (n_points, points_seed)
        if key not in self._points:
            self._points[key] = basin_maps.scattered_points(n_points, seed=points_seed).numpy()
        return self._points[key]

    def _sync_point_sliders(self) -> None:
        """Show the chosen point's coordinates on its sliders (without recomputing)."""
        v = self.values()
        P = self.points(v["n_points"], v["points_seed"])
        self._syncing = True
        try:
            self.controls["point"].max = len(P) - 1
            i = min(self.controls["point"].value, len(P) - 1)
            self.controls["point_x"].value = on_grid(self.controls["point_x"], float(P[i, 0]))
            self.controls["point_y"].value = on_grid(self.controls["point_y"], float(P[i, 1]))
        finally:
            self._syncing = False

    def _changed(self, change) -> None:
        if self._syncing:
            return
        name = next((k for k, c in self.controls.items() if c is change["owner"]), "")
        v = self.values()
        if name in ("point_x", "point_y"):  # move the chosen training point along that axis only
            self.points(v["n_points"], v["points_seed"])[v["point"], "xy".index(name[-1])] = change["new"]
        elif name in ("n_points", "points_seed", "point"):
            self._sync_point_sliders()
            if name == "point":
                return  # choosing which point to move changes nothing yet
        self.update()

    def _coordinate(self, name: str, value: float) -> float:
        """``value`` checked against the view and moved onto control ``name``'s positions."""
        return on_grid(self.controls[name], V.real(name[-1], value, -self.view, self.view))

    def set_start(self, x: float, y: float) -> None:
        """Start the drawn orbit at (x, y) in [-view, view]² (what the start sliders do; no training)."""
        x, y = self._coordinate("start_x", x), self._coordinate("start_y", y)
        self._set_quietly("start_x", x)
        self._set_quietly("start_y", y)
        self.update()

    def move_point(self, i: int, x: float, y: float) -> None:
        """Move training point ``i`` to (x, y) in [-view, view]² and recompute once (what the point sliders do)."""
        v = self.values()
        P = self.points(v["n_points"], v["points_seed"])
        i = V.integer("i", i, 0, len(P) - 1)
        x, y = self._coordinate("point_x", x), self._coordinate("point_y", y)
        self._set_quietly("point", i)
        self._set_quietly("point_x", x)
        self._set_quietly("point_y", y)
        P[i] = (x, y)
        self.update()

    # --- computing and drawing ---

    def _network(self, P: np.ndarray, width: int, depth: int, activation: str, seed: int) -> tuple[tuple, Any, str]:
        """(key, trained run, what was done) for the network on points ``P`` (n, 2): from this explorer's memory
        (``""``), the run cache, or trained now."""
        key = (int(width), int(depth), activation, int(seed), P.tobytes())
        if key in self._nets:
            return key, self._nets[key], ""
        X = torch.as_tensor(P, dtype=torch.float32)
        net = dict(width=int(width), depth=int(depth), activation=activation, bias=True, optimizer="adam",
                   loss="mse", **self.settings)
        cached = given_data.explicit_config(X, seed=seed, label=BASIN_LABEL, **net) in default_cache()
        t0 = time.perf_counter()
        (run,) = given_data.train_on(X, seeds=[seed], label=BASIN_LABEL, progress=False, **net)
        done = "network loaded from the run cache (no training)" if cached else \
            f"network trained in {time.perf_counter() - t0:.1f} s"
        return key, _remember(self._nets, key, run), done

    def _basins(self, model, P: np.ndarray, grid: int) -> dict:
        """The basin map of ``model`` on a ``grid`` x ``grid`` grid, the Voronoi comparison, the attractor count and
        a 15 x 15 vector field (unit arrows)."""
        X = torch.as_tensor(P, dtype=torch.float32)
        lim = (-self.view, self.view)
        G, xs, ys = basin_maps.grid2d(lim, lim, int(grid))
        bm = basin_maps.basin_map(model, X, G, max_steps=self.max_steps, tol=1e-5, match_tol=1e-2)
        cls = classify_attractors(model, X, max_steps=1000, iter_tol=1e-5, fixed_point_tol=1e-2)
        Q, _, _ = basin_maps.grid2d(lim, lim, 15)
        Vf = basin_maps.vector_field(model, Q)
        return {"xs": xs, "ys": ys, "label": bm.label,
                "quiver": (Q.numpy(), Vf / np.maximum(np.linalg.norm(Vf, axis=1, keepdims=True), 1e-12)),
                "n_attractors": int(cls["is_attractor"].sum()), "n_borderline": int(cls["borderline"].sum()),
                "disagree_share": basin_maps.disagreement(bm.label, basin_maps.voronoi_labels(G, X)),
                "share_not_training": float(np.mean(bm.label == basin_maps.NOT_TRAINING)),
                "share_not_converged": float(np.mean(bm.label == basin_maps.NOT_CONVERGED))}

    def _orbit(self, model, x: float, y: float) -> np.ndarray:
        """The orbit from (x, y): (orbit_steps + 1, 2)."""
        with torch.no_grad():
            return orbit(model, torch.tensor([[x, y]], dtype=torch.float32), self.orbit_steps)[:, 0].double().numpy()

    def compute(self, *, width, depth, activation, seed, n_points, points_seed, grid, start_x, start_y, vectors,
                voronoi, **_) -> dict:
        P = self.points(n_points, points_seed).copy()
        key, run, done = self._network(P, width, depth, activation, seed)
        if (key, int(grid)) in self._maps:
            maps = self._maps[(key, int(grid))]
        else:
            maps = _remember(self._maps, (key, int(grid)), self._basins(run.model, P, grid))
            done = done or "basins mapped again on the trained network (no training)"
        return {"points": P, "model": run.model, **maps, "orbit": self._orbit(run.model, start_x, start_y),
                "final_loss": float(run.result["final_loss"]), "converged": bool(run.result["converged"]),
                "settings": {"width": width, "depth": depth, "activation": activation, "seed": seed},
                "show": {"vectors": bool(vectors), "voronoi": bool(voronoi)},
                "source": done or "redrawn from the trained network (no training)"}

    def draw(self, r: dict) -> Figure:
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D

        import matplotlib.pyplot as plt

        fig = Figure(figsize=self.FIGSIZE, dpi=CSS_DPI, layout="constrained")
        ax = fig.subplots()
        P, n = r["points"], len(r["points"])
        colors = [plt.get_cmap("tab10")(i) for i in range(n)]
        plot_basin_map(ax, r["xs"], r["ys"], r["label"], colors)
        handles = [Line2D([], [], marker="*", ls="", ms=14, mfc="0.85", mec="k",
                          label="training point\n(basin: its colour)")]
        if r["show"]["vectors"]:
            Q, Vf = r["quiver"]
            _ = ax.quiver(Q[:, 0], Q[:, 1], Vf[:, 0], Vf[:, 1], color="0.3", width=0.003, scale=30, pivot="mid")
            handles.append(Line2D([], [], color="0.3", marker=r"$\rightarrow$", ls="", ms=12,
                                  label="one step's direction"))
        if r["show"]["voronoi"] and n >= 3:
            _ = ax.add_collection(LineCollection(basin_maps.voronoi_segments(torch.as_tensor(P)), colors="k",
                                                 linestyles="--", linewidths=1.2))
            handles.append(Line2D([], [], color="k", ls="--", label="Voronoi cell edge"))
        _ = ax.scatter(P[:, 0], P[:, 1], marker="*", s=260, c=colors, edgecolors="k", zorder=5)
        for i, p in enumerate(P):
            _ = ax.annotate(str(i), p, xytext=(6, 6), textcoords="offset points", fontsize=9, zorder=6)
        o = r["orbit"]
        _ = ax.plot(o[:, 0], o[:, 1], "-", color="k", lw=1.2, zorder=7)
        _ = ax.plot(o[:, 0], o[:, 1], "o", ms=3, color="k", zorder=7)
        _ = ax.plot(o[0, 0], o[0, 1], "o", ms=9, mfc="w", mec="k", mew=1.5, zorder=8)
        handles += [Line2D([], [], color="k", marker="o", ms=4, mfc="k", label="orbit from the white start"),
                    *basin_legend_handles()]
        ax.set_xlim(-self.view, self.view)
        ax.set_ylim(-self.view, self.view)
        ax.set_aspect("equal")
        ax.grid(False)
        s = r["settings"]
        ax.set_title(f"{s['activation']}, width {s['width']}, depth {s['depth']}, seed {s['seed']}: MSE "
                     f"{r['final_loss']:.1e}{'' if r['converged'] else ' (threshold not reached)'}\n"
                     f"{count_text(r['n_attractors'], r['n_borderline'])}/{n} points are attractors; basin ≠ "
                     f"Voronoi on {r['disagree_share']:.0%}\n"
                     f"grey (another limit) {share_text(r['share_not_training'])}, "
                     f"black (not settled) {share_text(r['share_not_converged'])}", fontsize=9)
        _ = fig.legend(handles=handles, loc="outside right upper", fontsize=8)
        return fig


class SingleExampleExplorer(_Explorer):
    """One training example (notebooks 01 and 13), explored: the Jacobian spectrum at the example after training.

    ``setting``: ``"rank-1"`` (PNAS Theorems 1-2 / App. C, notebook 13: one-hidden-layer or deeper bias-free network
    in the standard parameterisation, rank-1 initialisation a0 = 0.5, b0 = 0.1, c0 = 1/width, gradient descent in
    float64 to loss 1e-20; x in R^20 of norm ``radius``), compared with the closed form (Theorem 1-2's gradient-flow
    eigenvalue at depth 1; Corollary 2's product of elasticities at the trained scalars at any depth), or ``"ntk"``
    (Jiang & Pehlevan, notebook 01: NTK parameterisation, random N(0, 1) initialisation, gradient flow to loss 1e-7,
    x in R^32), compared with the spectrum at initialisation (that setting has no closed form; the paper's claim is
    that the two stay close). ``result`` holds the trained and reference moduli and the top eigenvalues.

    Every control gives another network; one met before comes back without training (rank-1 runs from the
    ``explorers`` cache, NTK runs from the run cache). The radius slider is logarithmic (0.25 to 2 for rank-1, to 30
    for NTK); a radius moves to the slider's nearest position, as its readout prints it (10 becomes 10.4).
    """

    SETTINGS = ("rank-1", "ntk")
    ACTIVATIONS = ("sigmoid", "tanh", "erf", "swish")
    RADIUS_MIN = 0.25
    RADIUS_MAX = {"rank-1": 2.0, "ntk": 30.0}  # rank-1: r = ||x||^2 sets its loss's curvature; GD stays quick to 2
    RADIUS_STEPS_PER_OCTAVE = 8
    ROWS = ((("setting", ""), ("setting",)),
            (("network", "retrains"), ("radius", "depth", "width", "activation", "seed")))
    FIGSIZE = (8.0, 4.4)

    def __init__(self, *, setting: str = "rank-1", radius: float = 1.0, depth: int = 1, width: int = 64,
                 activation: str = "tanh", seed: int = 0, auto: bool = True) -> None:
        import ipywidgets as W

        setting = V.choice("setting", setting, self.SETTINGS)
        radius = V.real("radius", radius, self.RADIUS_MIN, self.RADIUS_MAX[setting])
        depth, width = V.integer("depth", depth, 1, 4), V.integer("width", width, 1)
        seed = V.integer("seed", seed, 0, 4)
        activation = V.choice("activation", activation, self.ACTIVATIONS)
        self._memo: dict[tuple, dict] = {}
        controls = {
            "setting": W.ToggleButtons(options=[("rank-1 init, closed form (13)", "rank-1"),
                                                ("NTK init (01)", "ntk")], value=setting, description="",
                                       style={"button_width": "220px"}),
            "radius": _slider("log", "radius ||x||", radius, math.log2(self.RADIUS_MIN),
                              math.log2(self.RADIUS_MAX["ntk"]), 1 / self.RADIUS_STEPS_PER_OCTAVE, width=240,
                              base=2, readout_format=".3g"),
            "depth": _slider("int", "depth (hidden layers)", depth, 1, 4, width=250),
            "width": _dropdown("width", sorted({4, 16, 64, 256, 1000, width}), width, width=150),
            "activation": _dropdown("activation", list(self.ACTIVATIONS), activation, width=180),
            "seed": _slider("int", "seed (NTK init)", seed, 0, 4, width=220),
        }
        controls["setting"].layout.width = "460px"
        super().__init__(controls, auto=False)
        self._fit_radius()
        self._set_quietly("radius", on_grid(controls["radius"], radius))
        if auto:
            self.update()

    def _fit_radius(self) -> None:
        """The radius slider's range for the chosen setting (its value clipped into it, without recomputing)."""
        self._syncing = True
        try:
            self.controls["radius"].max = math.log2(self.RADIUS_MAX[self.controls["setting"].value])
        finally:
            self._syncing = False

    def _changed(self, change) -> None:
        if self._syncing:
            return
        if change["owner"] is self.controls["setting"]:
            self._fit_radius()
        radius = self.controls["radius"]
        self._set_quietly("radius", on_grid(radius, radius.value))
        self.update()

    def compute(self, *, setting, radius, depth, width, activation, seed) -> dict:
        key = (setting, float(radius), int(depth), int(width), activation, int(seed if setting == "ntk" else 0))
        if key in self._memo:
            return {**self._memo[key], "source": "redrawn from an earlier run of this explorer (no training)"}
        out = self._rank1(*key[1:5]) if setting == "rank-1" else self._ntk(*key[1:])
        return _remember(self._memo, key, out)

    def _rank1(self, radius: float, depth: int, width: int, activation: str) -> dict:
        if radius > self.RADIUS_MAX["rank-1"]:
            raise ValueError(f"radius={radius}: the rank-1 setting is explored for radius <= "
                             f"{self.RADIUS_MAX['rank-1']} "
                             "(r = ||x||^2 sets the curvature of its loss); the NTK setting takes larger radii")
        x = sphere_points(1, 20, radius, seed=0, dtype=torch.float64)[0]
        run = dict(activation=activation, x=x.tolist(), width=width, depth=depth, a0=0.5, b0=0.1, c0=1.0 / width,
                   lr=0.05 / width / max(1.0, radius ** 2), loss_threshold=1e-20, max_epochs=200_000)
        cache = default_cache("explorers")
        config = {"kind": "explorer_rank1", **run}
        r = cache.get(config)
        if r is None:
            t0 = time.perf_counter()
            r = train_rank1(**{**run, "x": x})
            _ = cache.put(config, r)
            done = f"network trained in {time.perf_counter() - t0:.1f} s"
        else:
            done = "network loaded from the explorer cache (no training)"
        closed = r.get("theory_lambda", np.nan) if depth == 1 else r["elasticity_product"]
        name = "Theorems 1-2 (gradient flow)" if depth == 1 else "Corollary 2 (product of elasticities)"
        trained = np.array([r["trained_abs_lambda"], r["second_abs_eig"]])
        return {"setting": "rank-1", "radius": radius, "depth": depth, "width": width, "activation": activation,
                "trained_moduli": trained, "reference_moduli": np.array([abs(r["init_elasticity"])]),
                "reference_name": "elasticity at a0·r (initialisation)",
                "top_trained": float(r["trained_lambda"]), "closed_form": float(closed), "closed_form_name": name,
                "converged": bool(r["converged"]), "final_loss": float(r["final_loss"]), "source": done}

    def _ntk(self, radius: float, depth: int, width: int, activation: str, seed: int) -> dict:
        c = sphere_config(n=1, dim=32, radius=radius, seed=seed, width=width, depth=depth, activation=activation,
                          loss_threshold=1e-7, max_epochs=5000)
        cached = c in default_cache()
        t0 = time.perf_counter()
        (run,) = train_runs([c], progress=False)
        done = "network loaded from the run cache (no training)" if cached else \
            f"network trained in {time.perf_counter() - t0:.1f} s"
        ev = jacobian_eigenvalues(run.model, run.X).abs()[0].numpy()
        ev0 = jacobian_eigenvalues(build_model(c), run.X).abs()[0].numpy()
        return {"setting": "ntk", "radius": radius, "depth": depth, "width": width, "activation": activation,
                "trained_moduli": ev, "reference_moduli": ev0, "reference_name": "at initialisation",
                "top_trained": float(ev[0]), "closed_form": np.nan, "closed_form_name": "",
                "converged": bool(run.result["converged"]), "final_loss": float(run.result["final_loss"]),
                "source": done}

    def draw(self, r: dict) -> Figure:
        fig = Figure(figsize=self.FIGSIZE, dpi=CSS_DPI, layout="constrained")
        ax = fig.subplots()
        tr, ref = r["trained_moduli"], r["reference_moduli"]
        if r["setting"] == "rank-1":  # one nonzero eigenvalue: the trained one, the closed form, the initial one
            names = ["trained", f"closed form:\n{r['closed_form_name']}", r["reference_name"]]
            vals = [abs(r["top_trained"]), abs(r["closed_form"]), float(ref[0])]
            _ = ax.barh([2, 1, 0], vals, color=["C0", "C3", "C1"], height=0.55)
            for y, v in zip([2, 1, 0], vals):
                _ = ax.text(v, y, f" {v:.4g}", va="center", fontsize=9)
            ax.set_yticks([2, 1, 0], names, fontsize=8)
            _ = ax.axvline(1.0, color="k", ls=":", lw=1, label="1: attractor threshold")
            ax.set_xlim(0, 1.25 * max(1.0, *vals))
            ax.set_xlabel(f"|top eigenvalue| of the Jacobian at x (the others: {tr[1]:.0e}; the Jacobian has rank 1)",
                          fontsize=9)
        else:
            k = np.arange(1, len(tr) + 1)
            _ = ax.plot(k, np.maximum(tr, 1e-17), "o", color="C0", ms=7, label="trained")
            _ = ax.plot(np.arange(1, len(ref) + 1), np.maximum(ref, 1e-17), "s", mfc="none", color="C1", ms=9,
                        label=r["reference_name"])
            _ = ax.axhline(1.0, color="k", ls=":", lw=1, label="1: attractor threshold")
            ax.set_yscale("log")
            ax.set_xlabel("eigenvalue, largest modulus first", fontsize=9)
            ax.set_ylabel("|eigenvalue| of the Jacobian at x", fontsize=9)
        verdict = "an attractor" if abs(r["top_trained"]) < 1 else "not an attractor"
        compare = (f"closed form {r['closed_form']:.4g} (relative difference "
                   f"{abs(r['top_trained'] - r['closed_form']) / abs(r['closed_form']):.1e})"
                   if np.isfinite(r["closed_form"]) else
                   f"at initialisation {ref[0]:.4g} (|difference| {abs(r['top_trained'] - ref[0]):.2e}; no closed "
                   "form in this setting)")
        ax.set_title(f"{r['activation']}, width {r['width']}, depth {r['depth']}, ||x|| = {r['radius']:g} "
                     f"({'rank-1 init, x in R^20' if r['setting'] == 'rank-1' else 'NTK init, x in R^32'}): loss "
                     f"{r['final_loss']:.1e}{'' if r['converged'] else ' (threshold not reached)'}\n"
                     f"trained top eigenvalue {r['top_trained']:.4g}: x is {verdict}; {compare}", fontsize=9)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
        return fig
