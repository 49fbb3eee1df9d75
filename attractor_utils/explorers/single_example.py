"""The single-example explorer (notebooks 01 and 13): one training example, the trained Jacobian spectrum against the
closed form (rank-1 initialisation) or against the spectrum at initialisation (NTK setting)."""
from __future__ import annotations

import math
import time

import numpy as np
import torch
from matplotlib.figure import Figure

from ..core import validate as V
from ..core.spectra import jacobian_eigenvalues
from ..runs.caching import default_cache
from ..data.points import sphere_points
from ..runs.config import build_model, sphere_config
from ..runs.sweep import train_runs
from ..runs.theory_runs import train_rank1
from .widgets import CSS_DPI, Explorer, dropdown, on_grid, remember, slider


class SingleExampleExplorer(Explorer):
    """One training example (notebooks 01 and 13), explored: the Jacobian spectrum at the example after training.

    ``setting``: ``"rank-1"`` (notebook 13: bias-free, standard parameterisation, rank-1 initialisation a0 = 0.5,
    b0 = 0.1, c0 = 1/width, gradient descent in float64 to loss 1e-20, x in R^20) against the closed form (Theorems
    1-2 at depth 1; Corollary 2 at any depth), or ``"ntk"`` (notebook 01: NTK parameterisation, gradient flow to loss
    1e-7, x in R^32) against the spectrum at initialisation. ``result``: the trained and reference moduli and the
    top eigenvalues. Every control gives another network (rank-1 runs cached in ``explorers``, NTK runs in the run
    cache). The radius slider is logarithmic (0.25 to 2 for rank-1, to 30 for NTK) and snaps (10 becomes 10.4).
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
            "radius": slider("log", "radius ||x||", radius, math.log2(self.RADIUS_MIN),
                              math.log2(self.RADIUS_MAX["ntk"]), 1 / self.RADIUS_STEPS_PER_OCTAVE, width=240,
                              base=2, readout_format=".3g"),
            "depth": slider("int", "depth (hidden layers)", depth, 1, 4, width=250),
            "width": dropdown("width", sorted({4, 16, 64, 256, 1000, width}), width, width=150),
            "activation": dropdown("activation", list(self.ACTIVATIONS), activation, width=180),
            "seed": slider("int", "seed (NTK init)", seed, 0, 4, width=220),
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
        return remember(self._memo, key, out)

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
