"""Is a result in the gradient-flow limit? :func:`step_size_study` measures one configuration trained by gradient
descent at fixed steps and by the flow at several tolerances; :func:`halving_check` compares the flow with the flow
at an eighth of its tolerance (about half the step); :func:`plot_step_study` draws the first. See docs/methods.md.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..core.flow import FLOW_TOL
from ..runs.config import make_config
from ..runs.run import Run
from ..runs.sweep import train_runs
from ..core.spectra import spectral_radius
from ..outputs import save_csv, savefig


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
    """``measure`` (a float per trained run) against the step size for one configuration. One row per run:
    ``method`` ("gd" or "flow"), ``lr`` (the fixed step, or the flow's median step), ``flow_tol``, ``value``,
    ``converged``, ``final_loss``, ``epochs``, ``grad_evals``. Gradient descent gets 3 x the first flow run's time,
    in epochs of its step (at most ``max_gd_epochs``).
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
    """The quantity against the step (log x with the fixed steps as labelled ticks): gradient descent as circles
    joined by a line, each flow run as a star at the median step it took (its tolerance and step in the legend,
    one colour per tolerance), and a ±1 % band around the flow at its finest tolerance (shaded, edged by dotted
    lines, never filling the axes); unconverged runs drawn hollow. The legend goes below the axes, off the data."""
    from matplotlib.ticker import NullFormatter, NullLocator

    gd = df[df.method == "gd"].sort_values("lr")
    fl = df[df.method == "flow"].sort_values("flow_tol")
    values = list(df.value.astype(float))
    if len(fl):
        ref = float(fl.iloc[0].value)
        lo, hi = ref * 0.99, ref * 1.01
        ax.axhspan(lo, hi, facecolor="0.9", edgecolor="0.45", ls=":", lw=1,
                   label="±1 % around the " + ("finest flow" if len(fl) > 1 else "flow"))
        values += [lo, hi]
    if len(gd):
        _ = ax.plot(gd.lr, gd.value, "-", color="C0", lw=1)
        for ok, g in gd.groupby("converged"):
            _ = ax.plot(g.lr, g.value, "o", color="C0", mfc="C0" if ok else "none",
                        label="gradient descent, fixed step" + ("" if ok else " (not converged)"))
    for i, (_, r) in enumerate(fl.iterrows()):
        c = ("C3", "C4", "C5", "C6")[i % 4]
        ok = bool(r.converged)
        _ = ax.plot([r.lr], [r.value], "*", ms=13, color=c, mec="k" if ok else c, mew=0.6 if ok else 1.5,
                    mfc=c if ok else "none", zorder=4,
                    label=f"gradient flow, tolerance {r.flow_tol:.2g}: median step {r.lr:.2g}"
                    + ("" if ok else " (not converged)"))
    v_lo, v_hi = min(values), max(values)
    pad = 0.25 * (v_hi - v_lo) or 0.01 * abs(v_hi) or 0.01
    ax.set_ylim(v_lo - pad, v_hi + pad)  # the band is the middle of the axes, not all of it
    ax.set_xscale("log")
    taken = gd.lr if len(gd) else fl.lr  # ticks at the fixed steps (the legend gives the flow's median steps)
    steps = sorted({float(v) for v in taken if np.isfinite(v) and v > 0})
    every = sorted({float(v) for v in df.lr if np.isfinite(v) and v > 0})
    if every:
        ax.set_xlim(every[0] / 1.5, every[-1] * 1.5)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(steps, [f"{v:.3g}" for v in steps], rotation=45 if len(steps) > 5 else 0)
    ax.set_xlabel("step size (learning rate, log scale)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3 if len(steps) > 5 else -0.22), ncol=1,
              frameon=False)


def step_size_figure(study: pd.DataFrame, halving: pd.DataFrame | None, name: str, ylabel: str, check_label: str,
                     x: str = "radius", hue: str | None = None, xlabel: str = "input radius r"):
    """The step-size figure of the sigmoid notebooks, saved as ``name`` (figure and CSV).

    Left: :func:`plot_step_study` of ``study`` (``check_label`` names its configuration). Right (unless
    ``halving`` is None): the relative change when the flow's step halves, from ``halving`` (columns ``x``,
    ``rel_change`` and optionally ``hue``), on a log scale against a 2 % line (changes of exactly 0 drawn as
    hollow triangles at the bottom edge, named in the legend). Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter

    if halving is None:
        fig, ax = plt.subplots(figsize=(6, 4.8), layout="constrained")
        plot_step_study(ax, study, ylabel, check_label)
        fig.suptitle("The result against the step size")
        savefig(fig, name)
        save_csv(study.assign(table="step_size_study"), name)
        return fig
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    plot_step_study(axes[0], study, ylabel, check_label)
    ax = axes[1]
    pct = 100 * halving.rel_change.astype(float)
    pos = pct[np.isfinite(pct) & (pct > 0)]
    top = max(2.0, float(pos.max()) if len(pos) else 2.0)
    floor = 10.0 ** np.floor(np.log10(min(float(pos.min()) if len(pos) else 1e-3, 2.0))) / 3
    groups = [(None, halving)] if hue is None else list(halving.groupby(hue, sort=True))
    markers = "osD^v<>"
    for i, (key, g) in enumerate(groups):
        g = g.sort_values(x)
        v = 100 * g.rel_change.astype(float)
        lab = ("flow at its tolerance vs tolerance / 8" if key is None else
               f"{hue} = {key:g}" if isinstance(key, (int, float, np.number)) else f"{hue} = {key}")
        _ = ax.plot(g[x], v.where(v > 0), "-", marker=markers[i % len(markers)], color=f"C{i}", label=lab)
        zero = g[x][v == 0]
        if len(zero):
            _ = ax.plot(zero, np.full(len(zero), floor), "v", ms=8, mfc="none", mec=f"C{i}", clip_on=False,
                        label=(f"{lab}: " if key is not None else "") + "no change (0, drawn at the bottom edge)")
    _ = ax.axhline(2.0, color="k", lw=0.8, ls=":", label="2 % (the flow-limit check's bound)")
    ax.set_yscale("log")
    ax.set_ylim(floor, top * 3)
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=12))
    ax.yaxis.set_minor_formatter(NullFormatter())
    xs = np.sort(halving[x].astype(float).unique())
    if len(xs) > 1 and xs.min() > 0 and xs.max() / xs.min() >= 50:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    if len(xs) <= 8:
        ax.set_xticks(xs, [f"{v:g}" for v in xs])
    if len(xs) == 1:
        ax.set_xlim(xs[0] * 0.5, xs[0] * 1.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("change when the step halves (%)")
    ax.set_title("flow: tolerance against tolerance / 8", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    fig.suptitle("The result against the step size: fixed-step gradient descent and gradient flow")
    savefig(fig, name)
    save_csv(pd.concat([study.assign(table="step_size_study"), halving.assign(table="halving_check")]), name)
    return fig
