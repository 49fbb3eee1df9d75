"""The basin explorer (notebook 07): a 2-D autoencoder on a few points, its basins of attraction, the Voronoi cells,
the one-step vector field and the orbit of a chosen start."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from ..analyses import basin_maps
from ..core import validate as V
from ..core.attractors import classify_attractors
from ..core.dynamics import orbit
from ..plotting import basin_legend_handles, count_text, plot_basin_map, share_text
from ..runs import given_data
from ..runs.caching import default_cache
from .widgets import CSS_DPI, Explorer, checkbox, dropdown, on_grid, remember, slider

BASIN_LABEL = "07_basins_2d points"  # the experiment of notebook 07: its trained runs are the explorer's cache hits


class BasinExplorer(Explorer):
    """Basins of a 2-D autoencoder (notebook 07's experiment), explored.

    Controls that train (unless cached): ``width``, ``depth``, ``activation``, ``seed``, ``n_points`` and
    ``points_seed`` (new training points, at least 0.4 apart in [-1, 1]²), ``point_x``/``point_y`` (move point
    ``point``). Controls that only redraw: ``point``, ``start_x``/``start_y`` (the orbit's start), ``grid`` (the
    map's resolution), ``vectors``, ``voronoi``. Training: notebook 07's settings, so its networks are cache hits.
    ``result``: the points (n, 2), the basin labels on a ``grid`` x ``grid`` grid over [-``view``, ``view``]², the
    attractor count, the share of starts whose basin is not their Voronoi cell, the orbit (``orbit_steps`` + 1, 2).
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
            "width": dropdown("width", sorted({16, 32, 64, 128, 256, 512, width}), width, width=150),
            "depth": slider("int", "depth", depth, 1, 6, width=200),
            "activation": dropdown("activation", list(self.ACTIVATIONS), activation, width=200),
            "seed": slider("int", "network seed", seed, 0, 9),
            "n_points": slider("int", "points", n_points, 3, 8, width=190),
            "points_seed": slider("int", "points seed", points_seed, 0, 20, width=220),
            "point": slider("int", "move point", 0, 0, n_points - 1, width=190),
            "point_x": slider("float", "x", 0.0, -v, v, 1e-4, width=230, **coord),
            "point_y": slider("float", "y", 0.0, -v, v, 1e-4, width=230, **coord),
            "start_x": slider("float", "orbit start x", 0.0, -v, v, 0.01, width=250, readout_format=".2f"),
            "start_y": slider("float", "orbit start y", 0.0, -v, v, 0.01, width=250, readout_format=".2f"),
            "grid": dropdown("grid", sorted({*self.GRIDS, grid}), grid, width=120),
            "vectors": checkbox("vector field", True),
            "voronoi": checkbox("Voronoi cells", True),
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
        return key, remember(self._nets, key, run), done

    def _basins(self, model, P: np.ndarray, grid: int) -> dict:
        """The basin map of ``model`` on a ``grid`` x ``grid`` grid, the Voronoi comparison, the attractor count and
        a 15 x 15 vector field (unit arrows)."""
        X = torch.as_tensor(P, dtype=torch.float32)
        lim = (-self.view, self.view)
        G, xs, ys = basin_maps.grid2d(lim, lim, int(grid))
        bm = basin_maps.basin_map(model, X, G, max_steps=self.max_steps, tol=1e-5, match_tol=1e-2)
        cls = classify_attractors(model, X, max_steps=1000, iter_tol=1e-5, match_tol=1e-2)
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
            maps = remember(self._maps, (key, int(grid)), self._basins(run.model, P, grid))
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
