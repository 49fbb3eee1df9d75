"""Is a result in the gradient-flow limit? The reported quantity against the step size.

:func:`step_size_study` trains one configuration by gradient descent at several fixed steps and by
the gradient-flow integrator (``optimizer="flow"``) at several tolerances, and measures the same
quantity on every trained run; :func:`halving_check` compares the flow at its tolerance with the flow at
an eighth of it (about half the step, since the step scales as the tolerance to the power 1/3), per
configuration. :func:`plot_step_study` draws the first. All runs are cached.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..runs.experiments import FLOW_TOL, Run, make_config, train_runs
from ..core.spectra import spectral_radius

__all__ = ["top_eigenvalue", "mean_top_eigenvalue", "step_size_study", "halving_check", "plot_step_study",
           "step_size_figure"]


def top_eigenvalue(run: Run) -> float:
    """The largest Jacobian eigenvalue modulus over a run's training points (the sigmoid notebooks' measure)."""
    return float(spectral_radius(run.model, run.X).max())


def mean_top_eigenvalue(run: Run) -> float:
    """The Jacobian's spectral radius averaged over a run's training points."""
    return float(spectral_radius(run.model, run.X).mean())


def _variant(config: dict, **kw) -> dict:
    c = {k: v for k, v in config.items() if k not in ("lr", "flow_tol")}
    return make_config(**{**c, **kw})


def _row(run: Run, method: str, value: float) -> dict:
    r = run.result
    return {"method": method, "lr": float(r["lr"]) if method == "flow" else float(run.config["lr"]),
            "flow_tol": run.config.get("flow_tol", np.nan), "value": value, "converged": bool(r["converged"]),
            "final_loss": r["final_loss"], "epochs": r["epochs"], "grad_evals": r.get("grad_evals", r["epochs"])}


def step_size_study(config: dict, measure: Callable[[Run], float], gd_lrs: Sequence[float] = (5.0, 2.0, 1.0, 0.5, 0.25),
                    flow_tols: Sequence[float] = (FLOW_TOL, FLOW_TOL / 8), max_gd_epochs: int = 50_000,
                    progress: bool = True, **train_kw) -> pd.DataFrame:
    """``measure`` (a float per trained run) against the step size for one configuration.

    Returns one row per run: ``method`` ("gd" or "flow"), ``lr`` (the fixed step, or the flow's median
    accepted step), ``flow_tol``, ``value``, ``converged``, ``final_loss``, ``epochs``, ``grad_evals``.
    Gradient descent gets ``3 x`` the flow time the first flow run needed, in epochs of its step (at most
    ``max_gd_epochs``), so that small steps can converge.
    """
    if not gd_lrs and not flow_tols:
        raise ValueError("gd_lrs, flow_tols: give at least one step or tolerance")
    flows = [_variant(config, optimizer="flow", flow_tol=t) for t in flow_tols]
    runs = train_runs(flows, progress=progress, **train_kw)
    T = max(float(r.result["flow_time"]) for r in runs) if runs else None
    gds = []
    for lr in gd_lrs:
        epochs = config["max_epochs"] if T is None else int(min(max_gd_epochs, max(config["max_epochs"], 3 * T / lr)))
        gds.append(_variant(config, optimizer="gd", lr=float(lr), max_epochs=epochs))
    rows = [_row(r, "flow", float(measure(r))) for r in runs]
    rows += [_row(r, "gd", float(measure(r))) for r in train_runs(gds, progress=progress, **train_kw)]
    return pd.DataFrame(rows).sort_values(["method", "lr"], ignore_index=True)


def halving_check(configs: Sequence[dict], measure: Callable[[Run], float], factor: float = 8.0,
                  fine_budget: float = 2.0, labels: dict[str, Sequence] | None = None, progress: bool = True,
                  **train_kw) -> pd.DataFrame:
    """For each flow configuration: ``value`` at its ``flow_tol`` and ``value_fine`` at ``flow_tol / factor``
    (with ``fine_budget`` times its ``max_epochs``: smaller steps need more gradient evaluations), the median
    steps ``lr`` and ``lr_fine``, ``rel_change`` = |fine - value| / |fine|, and whether both converged.
    ``labels``: leading columns naming each configuration, e.g. ``{"radius": [...]}`` (one value per config)."""
    coarse = [make_config(**c) for c in configs]
    if any(c["optimizer"] != "flow" for c in coarse):
        raise ValueError("configs: halving_check compares flow runs (optimizer='flow')")
    if not fine_budget >= 1:
        raise ValueError(f"fine_budget={fine_budget!r}: must be a number >= 1")
    fine = [_variant(c, optimizer="flow", flow_tol=c["flow_tol"] / factor,
                     max_epochs=int(round(c["max_epochs"] * fine_budget))) for c in coarse]
    runs = train_runs(coarse + fine, progress=progress, **train_kw)
    n = len(coarse)
    rows = []
    for a, b in zip(runs[:n], runs[n:]):
        va, vb = float(measure(a)), float(measure(b))
        rows.append({"lr": a.result["lr"], "lr_fine": b.result["lr"], "value": va, "value_fine": vb,
                     "rel_change": abs(vb - va) / abs(vb) if vb else np.nan,
                     "converged": bool(a.result["converged"] and b.result["converged"])})
    out = pd.DataFrame(rows, columns=["lr", "lr_fine", "value", "value_fine", "rel_change", "converged"])
    for i, (name, values) in enumerate((labels or {}).items()):
        out.insert(i, name, list(values))
    return out


def plot_step_study(ax, df: pd.DataFrame, ylabel: str, title: str | None = None) -> None:
    """The quantity against the step (log x, ticks at the fixed steps, written plainly): gradient descent as a line,
    the flow as stars, and a 1 % band around the flow at its finest tolerance (shaded, edged by dotted lines, never
    filling the axes); unconverged runs drawn hollow. The legend goes below the axes, off the data."""
    from matplotlib.ticker import NullFormatter, NullLocator

    gd = df[df.method == "gd"].sort_values("lr")
    fl = df[df.method == "flow"].sort_values("flow_tol")
    values = list(df.value.astype(float))
    if len(fl):
        ref = float(fl.iloc[0].value)
        lo, hi = ref * 0.99, ref * 1.01
        ax.axhspan(lo, hi, facecolor="0.9", edgecolor="0.45", ls=":", lw=1, label="flow limit $\\pm$1 %")
        values += [lo, hi]
    if len(gd):
        _ = ax.plot(gd.lr, gd.value, "-", color="C0", lw=1)
        for ok, g in gd.groupby("converged"):
            _ = ax.plot(g.lr, g.value, "o", color="C0", mfc="C0" if ok else "none",
                        label="gradient descent, fixed step" + ("" if ok else " (not converged)"))
    for ok, g in fl.groupby("converged"):
        _ = ax.plot(g.lr, g.value, "*", ms=11, color="C3", mfc="C3" if ok else "none",
                    label="gradient flow (median step)" + ("" if ok else " (not converged)"))
    v_lo, v_hi = min(values), max(values)
    pad = 0.25 * (v_hi - v_lo) or 0.01 * abs(v_hi) or 0.01
    ax.set_ylim(v_lo - pad, v_hi + pad)  # the band is the middle of the axes, not all of it
    ax.set_xscale("log")
    taken = gd.lr if len(gd) else fl.lr  # ticks at the fixed steps (the flow's median steps are marked by its stars)
    steps = sorted({float(v) for v in taken if np.isfinite(v) and v > 0})
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(steps, [f"{v:.3g}" for v in steps], rotation=45 if len(steps) > 5 else 0)
    ax.set_xlabel("step size (learning rate)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3 if len(steps) > 5 else -0.22), ncol=2,
              frameon=False)


def step_size_figure(study: pd.DataFrame, halving: pd.DataFrame | None, name: str, ylabel: str, check_label: str,
                     x: str = "radius", hue: str | None = None, xlabel: str = "input radius r"):
    """The step-size figure of the sigmoid notebooks, saved as ``name`` (figure and CSV).

    Left: :func:`plot_step_study` of ``study`` (``check_label`` names its configuration). Right (unless
    ``halving`` is None): the relative change when the flow's step halves, from ``halving`` (columns ``x``,
    ``rel_change`` and optionally ``hue``), against a 2 % line. Returns the figure."""
    import matplotlib.pyplot as plt

    from ..plotting import save_csv, savefig

    if halving is None:
        fig, ax = plt.subplots(figsize=(6, 4.4), layout="constrained")
        plot_step_study(ax, study, ylabel, check_label)
        fig.suptitle("The result against the step size", fontsize=10)
        savefig(fig, name)
        save_csv(study.assign(table="step_size_study"), name)
        return fig
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    plot_step_study(axes[0], study, ylabel, check_label)
    groups = [(None, halving)] if hue is None else list(halving.groupby(hue, sort=True))
    for i, (key, g) in enumerate(groups):
        g = g.sort_values(x)
        _ = axes[1].plot(g[x], 100 * g.rel_change, "o-", color=f"C{i}", label=None if key is None else f"{hue} = {key}")
    _ = axes[1].axhline(2.0, color="k", lw=0.8, ls=":", label="2 %")
    axes[1].set_yscale("symlog", linthresh=0.01)
    axes[1].set_xlabel(xlabel)
    axes[1].set_ylabel("change when the step halves (%)")
    axes[1].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False)
    fig.suptitle("The result against the step size: fixed-step gradient descent and gradient flow")
    savefig(fig, name)
    save_csv(pd.concat([study.assign(table="step_size_study"), halving.assign(table="halving_check")]), name)
    return fig
