"""Interactive explorers for the cheap experiments (ipywidgets; ``notebooks/explore.ipynb``).

- :class:`BasinExplorer` (notebook 07): a 2-D autoencoder on a few points; choose width, depth, activation and
  network seed, draw a new set of points or move one, and see the basins of attraction, the Voronoi cells, the
  one-step vector field and the orbit of a chosen start.
- :class:`SingleExampleExplorer` (notebooks 01 and 13): one training example; choose its radius, the depth, width
  and activation, and see the trained Jacobian spectrum at the example against the closed form of PNAS Theorems 1-2
  / Corollary 2 (rank-1 initialisation) or against the spectrum at initialisation (the NTK setting of Jiang &
  Pehlevan, which has no closed form).

Every change of a control recomputes and redraws: a trained network comes from the run cache (shared with the
notebooks: the same settings are the same cache entry) or from a small training run of a few seconds. In a
notebook, ``display(BasinExplorer())``; headless (tests, scripts), set a control's ``value`` (``ex.controls["width"]
.value = 64``) and read ``ex.result`` (the numbers drawn), ``ex.figure`` (the matplotlib figure) and ``ex.image.value`` (its PNG), or
call ``ex.update()``. Small settings answer in well under a second: ``BasinExplorer(width=16, depth=2, grid=16)``.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from .analyses import basin_maps
from .core import theory
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


class _Explorer:
    """Controls above a figure; every change of a control calls :meth:`update` (compute, then draw)."""

    def __init__(self, controls: dict, auto: bool = True) -> None:
        import ipywidgets as W

        set_style()
        self.controls = controls
        self.status = W.HTML()
        self.image = W.Image(format="png")  # the figure as PNG bytes: shown the same under any matplotlib backend
        self.figure: Figure | None = None
        self.result: dict[str, Any] = {}
        self.updates = 0
        for c in controls.values():
            c.observe(self._changed, names="value")
        if auto:
            self.update()

    def _changed(self, _change) -> None:
        self.update()

    def widget(self):
        """The controls, a status line and the figure, as one ipywidgets box."""
        import ipywidgets as W

        boxes = [W.HBox(list(self.controls.values())[i:i + 3]) for i in range(0, len(self.controls), 3)]
        return W.VBox([*boxes, self.status, self.image])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    def values(self) -> dict:
        return {k: c.value for k, c in self.controls.items()}

    def update(self) -> None:
        """Recompute from the controls' values and redraw; an error is shown in the status line, not raised."""
        self.status.value = "<i>computing ...</i>"
        t0 = time.perf_counter()
        try:
            self.result = self.compute(**self.values())
        except Exception as e:  # noqa: BLE001 - an explorer reports, it does not stop the notebook
            self.status.value = f"<b>error</b>: {type(e).__name__}: {e}"
            self.result = {"error": f"{type(e).__name__}: {e}"}
            return
        self._show(self.draw(self.result))
        self.status.value = f"{self.result.get('source', '')}; answered in {time.perf_counter() - t0:.1f} s"

    def _show(self, fig: Figure) -> None:
        """Make ``fig`` the explorer's figure and put its PNG in the image widget."""
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        self.figure = fig
        self.image.value = buf.getvalue()
        self.updates += 1

    def compute(self, **values) -> dict:  # pragma: no cover - each explorer defines it
        raise NotImplementedError

    def draw(self, result: dict) -> Figure:  # pragma: no cover - each explorer defines it
        raise NotImplementedError


def _slider(kind: str, description: str, value, lo, hi, step=None, **kw):
    import ipywidgets as W

    cls = {"int": W.IntSlider, "float": W.FloatSlider}[kind]
    return cls(value=value, min=lo, max=hi, **({"step": step} if step is not None else {}), description=description,
               continuous_update=False, style={"description_width": "initial"}, **kw)


def _dropdown(description: str, options, value):
    import ipywidgets as W

    return W.Dropdown(options=options, value=value, description=description, style={"description_width": "initial"})


class BasinExplorer(_Explorer):
    """Basins of a 2-D autoencoder (notebook 07's experiment), explored.

    Controls: ``width``, ``depth``, ``activation``, ``seed`` (the network's), ``n_points`` and ``points_seed`` (a new
    set of training points, at least 0.4 apart in [-1, 1]²), ``point`` with ``point_x``/``point_y`` (move that
    training point), ``start_x``/``start_y`` (the start of the orbit drawn). Training: Adam at ``lr`` to MSE below
    ``loss_threshold`` or ``max_epochs`` (notebook 07's settings, so its networks are cache hits). ``result`` holds
    the points, the basin labels on a ``grid`` x ``grid`` grid over [-``view``, ``view``]², the attractor count, the
    share of starts whose basin is not their Voronoi cell, and the orbit.
    """

    def __init__(self, *, width: int = 256, depth: int = 4, activation: str = "leaky_relu", seed: int = 0,
                 n_points: int = 5, points_seed: int = 0, lr: float = 1e-4, loss_threshold: float = 1e-8,
                 max_epochs: int = 20_000, grid: int = 50, view: float = 1.6, max_steps: int = 300,
                 orbit_steps: int = 40, auto: bool = True) -> None:
        self.settings = dict(lr=lr, loss_threshold=loss_threshold, max_epochs=max_epochs)
        self.grid, self.view, self.max_steps, self.orbit_steps = grid, view, max_steps, orbit_steps
        self._points: dict[tuple, np.ndarray] = {}  # moved points, per (n_points, points_seed)
        controls = {
            "width": _dropdown("width", sorted({16, 32, 64, 128, 256, 512, width}), width),
            "depth": _slider("int", "depth (hidden layers)", depth, 1, 6),
            "activation": _dropdown("activation", ["leaky_relu", "relu", "tanh", "swish", "selu", "sigmoid"], activation),
            "seed": _slider("int", "network seed", seed, 0, 9),
            "n_points": _slider("int", "training points", n_points, 3, 8),
            "points_seed": _slider("int", "points seed", points_seed, 0, 20),
            "point": _slider("int", "move point", 0, 0, n_points - 1),
            "point_x": _slider("float", "its x", 0.0, -view, view, 0.05),
            "point_y": _slider("float", "its y", 0.0, -view, view, 0.05),
            "start_x": _slider("float", "orbit start x", 1.2, -view, view, 0.05),
            "start_y": _slider("float", "orbit start y", -1.2, -view, view, 0.05),
        }
        self._syncing = False
        super().__init__(controls, auto=False)
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
            self.controls["point_x"].value = round(float(P[i, 0]), 2)
            self.controls["point_y"].value = round(float(P[i, 1]), 2)
        finally:
            self._syncing = False

    def _changed(self, change) -> None:
        if self._syncing:
            return
        name = next((k for k, c in self.controls.items() if c is change["owner"]), "")
        v = self.values()
        if name in ("point_x", "point_y"):  # move the chosen training point
            self.points(v["n_points"], v["points_seed"])[v["point"]] = (v["point_x"], v["point_y"])
        elif name in ("n_points", "points_seed", "point"):
            self._sync_point_sliders()
            if name == "point":
                return  # choosing which point to move changes nothing yet
        if name in ("start_x", "start_y") and self.result.get("model") is not None:
            self.result = {**self.result, **self._orbit(self.result["model"], v)}  # the network stays: no training
            self._show(self.draw(self.result))
            return
        self.update()

    def set_start(self, x: float, y: float) -> None:
        """Start the drawn orbit at (x, y) (what the start sliders do)."""
        self.controls["start_x"].value, self.controls["start_y"].value = float(x), float(y)

    def move_point(self, i: int, x: float, y: float) -> None:
        """Move training point ``i`` to (x, y) and recompute once (what the point sliders do)."""
        v = self.values()
        self._syncing = True
        try:
            self.controls["point"].value = int(i)
            self.controls["point_x"].value, self.controls["point_y"].value = float(x), float(y)
        finally:
            self._syncing = False
        self.points(v["n_points"], v["points_seed"])[int(i)] = (self.controls["point_x"].value,
                                                               self.controls["point_y"].value)
        self.update()

    # --- computing and drawing ---

    def _orbit(self, model, v: dict) -> dict:
        x0 = torch.tensor([[v["start_x"], v["start_y"]]], dtype=torch.float32)
        with torch.no_grad():
            path = orbit(model, x0, self.orbit_steps)[:, 0].double().numpy()
        return {"orbit": path}

    def compute(self, *, width, depth, activation, seed, n_points, points_seed, **v) -> dict:
        P = self.points(n_points, points_seed)
        X = torch.as_tensor(P, dtype=torch.float32)
        net = dict(width=int(width), depth=int(depth), activation=activation, bias=True, optimizer="adam",
                   loss="mse", **self.settings)
        cached = given_data.explicit_config(X, seed=seed, label=BASIN_LABEL, **net) in default_cache()
        t0 = time.perf_counter()
        (run,) = given_data.train_on(X, seeds=[seed], label=BASIN_LABEL, progress=False, **net)
        trained = time.perf_counter() - t0
        G, xs, ys = basin_maps.grid2d((-self.view, self.view), (-self.view, self.view), self.grid)
        bm = basin_maps.basin_map(run.model, X, G, max_steps=self.max_steps, tol=1e-5, match_tol=1e-2)
        vor = basin_maps.voronoi_labels(G, X)
        cls = classify_attractors(run.model, X, max_steps=1000, iter_tol=1e-5, fixed_point_tol=1e-2)
        Q, _, _ = basin_maps.grid2d((-self.view, self.view), (-self.view, self.view), 15)
        V = basin_maps.vector_field(run.model, Q)
        src = "network from the cache" if cached else f"trained now in {trained:.1f} s"
        return {"points": P.copy(), "xs": xs, "ys": ys, "label": bm.label, "model": run.model,
                "quiver": (Q.numpy(), V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)),
                "n_attractors": int(cls["is_attractor"].sum()), "n_borderline": int(cls["borderline"].sum()),
                "disagree_share": basin_maps.disagreement(bm.label, vor),
                "share_not_training": float(np.mean(bm.label == basin_maps.NOT_TRAINING)),
                "share_not_converged": float(np.mean(bm.label == basin_maps.NOT_CONVERGED)),
                "final_loss": float(run.result["final_loss"]), "converged": bool(run.result["converged"]),
                "settings": {"width": width, "depth": depth, "activation": activation, "seed": seed},
                "source": src, **self._orbit(run.model, v)}

    def draw(self, r: dict) -> Figure:
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D

        import matplotlib.pyplot as plt

        fig = Figure(figsize=(7.2, 7.4), layout="constrained")
        ax = fig.subplots()
        P, n = r["points"], len(r["points"])
        colors = [plt.get_cmap("tab10")(i) for i in range(n)]
        plot_basin_map(ax, r["xs"], r["ys"], r["label"], colors)
        Q, V = r["quiver"]
        _ = ax.quiver(Q[:, 0], Q[:, 1], V[:, 0], V[:, 1], color="0.3", width=0.003, scale=30, pivot="mid")
        if n >= 3:
            _ = ax.add_collection(LineCollection(basin_maps.voronoi_segments(torch.as_tensor(P)), colors="k",
                                                 linestyles="--", linewidths=1.2))
        _ = ax.scatter(P[:, 0], P[:, 1], marker="*", s=260, c=colors, edgecolors="k", zorder=5)
        for i, p in enumerate(P):
            _ = ax.annotate(str(i), p, xytext=(6, 6), textcoords="offset points", fontsize=9, zorder=6)
        o = r["orbit"]
        _ = ax.plot(o[:, 0], o[:, 1], "-", color="k", lw=1.2, zorder=7)
        _ = ax.plot(o[:, 0], o[:, 1], "o", ms=3, color="k", zorder=7)
        _ = ax.plot(o[0, 0], o[0, 1], "o", ms=9, mfc="w", mec="k", mew=1.5, zorder=8)
        ax.set_xlim(-self.view, self.view)
        ax.set_ylim(-self.view, self.view)
        ax.set_aspect("equal")
        ax.grid(False)
        s = r["settings"]
        ax.set_title(f"{s['activation']}, width {s['width']}, depth {s['depth']}, seed {s['seed']}: MSE "
                     f"{r['final_loss']:.1e}{'' if r['converged'] else ' (threshold not reached)'}\n"
                     f"{count_text(r['n_attractors'], r['n_borderline'])}/{n} points are attractors; basin ≠ "
                     f"Voronoi on {r['disagree_share']:.0%}; grey (another limit) {share_text(r['share_not_training'])}, "
                     f"black (not settled) {share_text(r['share_not_converged'])}", fontsize=9)
        handles = [Line2D([], [], marker="*", ls="", ms=14, mfc="0.85", mec="k", label="training point (basin: its colour)"),
                   Line2D([], [], color="k", ls="--", label="Voronoi cell edge"),
                   Line2D([], [], color="k", marker="o", ms=4, mfc="k", label="orbit from the white start"),
                   *basin_legend_handles()]
        _ = fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8)
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
    """

    SETTINGS = ("rank-1", "ntk")

    def __init__(self, *, setting: str = "rank-1", radius: float = 1.0, depth: int = 1, width: int = 64,
                 activation: str = "tanh", seed: int = 0, auto: bool = True) -> None:
        import ipywidgets as W

        if setting not in self.SETTINGS:
            raise ValueError(f"setting={setting!r}; accepted values: {list(self.SETTINGS)}")
        self._memo: dict[tuple, dict] = {}
        controls = {
            "setting": W.ToggleButtons(options=[("rank-1 init, closed form (13)", "rank-1"),
                                                ("NTK init (01)", "ntk")], value=setting, description="setting",
                                       style={"button_width": "220px"}),
            "radius": _slider("float", "radius ||x||", radius, 0.25, 30.0, 0.25),
            "depth": _slider("int", "depth (hidden layers)", depth, 1, 4),
            "width": _dropdown("width", sorted({4, 16, 64, 256, 1000, width}), width),
            "activation": _dropdown("activation", ["sigmoid", "tanh", "erf", "swish"], activation),
            "seed": _slider("int", "seed (NTK init)", seed, 0, 4),
        }
        self._syncing = False
        super().__init__(controls, auto=False)
        self._fit_radius()
        if auto:
            self.update()

    RADIUS_MAX = {"rank-1": 2.0, "ntk": 30.0}  # rank-1: r = ||x||^2 sets its loss's curvature; GD stays quick to 2

    def _fit_radius(self) -> None:
        """The radius slider's range for the chosen setting (its value clipped into it, without recomputing)."""
        self._syncing = True
        try:
            self.controls["radius"].max = self.RADIUS_MAX[self.controls["setting"].value]
        finally:
            self._syncing = False

    def _changed(self, change) -> None:
        if self._syncing:
            return
        if change["owner"] is self.controls["setting"]:
            self._fit_radius()
        self.update()

    def compute(self, *, setting, radius, depth, width, activation, seed) -> dict:
        key = (setting, float(radius), int(depth), int(width), activation, int(seed if setting == "ntk" else 0))
        if key in self._memo:
            return {**self._memo[key], "source": "from this session's runs"}
        out = self._rank1(*key[1:5]) if setting == "rank-1" else self._ntk(*key[1:])
        self._memo[key] = out
        return out

    def _rank1(self, radius: float, depth: int, width: int, activation: str) -> dict:
        if radius > self.RADIUS_MAX["rank-1"]:
            raise ValueError(f"radius={radius}: the rank-1 setting is explored for radius <= {self.RADIUS_MAX['rank-1']} "
                             "(r = ||x||^2 sets the curvature of its loss); the NTK setting takes larger radii")
        t0 = time.perf_counter()
        x = sphere_points(1, 20, radius, seed=0, dtype=torch.float64)[0]
        r = train_rank1(activation, x, width, depth, a0=0.5, b0=0.1, c0=1.0 / width, lr=0.05 / width / max(1.0, radius ** 2),
                        loss_threshold=1e-20, max_epochs=200_000)
        closed = r.get("theory_lambda", np.nan) if depth == 1 else r["elasticity_product"]
        name = "Theorems 1-2 (gradient flow)" if depth == 1 else "Corollary 2 (product of elasticities)"
        trained = np.array([r["trained_abs_lambda"], r["second_abs_eig"]])
        return {"setting": "rank-1", "radius": radius, "depth": depth, "width": width, "activation": activation,
                "trained_moduli": trained, "reference_moduli": np.array([abs(r["init_elasticity"])]),
                "reference_name": "elasticity at a0·r (initialisation)",
                "top_trained": float(r["trained_lambda"]), "closed_form": float(closed), "closed_form_name": name,
                "converged": bool(r["converged"]), "final_loss": float(r["final_loss"]),
                "source": f"trained now in {time.perf_counter() - t0:.1f} s"}

    def _ntk(self, radius: float, depth: int, width: int, activation: str, seed: int) -> dict:
        c = sphere_config(n=1, dim=32, radius=radius, seed=seed, width=width, depth=depth, activation=activation,
                          loss_threshold=1e-7, max_epochs=5000)
        cached = c in default_cache()
        t0 = time.perf_counter()
        (run,) = train_runs([c], progress=False)
        ev = jacobian_eigenvalues(run.model, run.X).abs()[0].numpy()
        ev0 = jacobian_eigenvalues(build_model(c), run.X).abs()[0].numpy()
        src = "network from the cache" if cached else f"trained now in {time.perf_counter() - t0:.1f} s"
        return {"setting": "ntk", "radius": radius, "depth": depth, "width": width, "activation": activation,
                "trained_moduli": ev, "reference_moduli": ev0, "reference_name": "at initialisation",
                "top_trained": float(ev[0]), "closed_form": np.nan, "closed_form_name": "",
                "converged": bool(run.result["converged"]), "final_loss": float(run.result["final_loss"]),
                "source": src}

    def draw(self, r: dict) -> Figure:
        fig = Figure(figsize=(8.0, 4.6), layout="constrained")
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
            ax.set_xlabel("|top eigenvalue| of the Jacobian at x (the other eigenvalues: "
                          f"{tr[1]:.0e}, the Jacobian has rank 1)")
        else:
            k = np.arange(1, len(tr) + 1)
            _ = ax.plot(k, np.maximum(tr, 1e-17), "o", color="C0", ms=7, label="trained")
            _ = ax.plot(np.arange(1, len(ref) + 1), np.maximum(ref, 1e-17), "s", mfc="none", color="C1", ms=9,
                        label=r["reference_name"])
            _ = ax.axhline(1.0, color="k", ls=":", lw=1, label="1: attractor threshold")
            ax.set_yscale("log")
            ax.set_xlabel("eigenvalue, largest modulus first")
            ax.set_ylabel("|eigenvalue| of the Jacobian at x")
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
