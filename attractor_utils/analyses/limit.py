"""The infinite-width (NTK) limit next to the trained networks of the sigmoid notebooks (01, 02, 03, 05): the
limit's spectra per recipe (:func:`limit_table`), the limit started from each run's own initial network
(:func:`limit_given_init`), and each width's distance to the limit (:func:`distance_to_limit`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from ..core.jacobian import jacobian
from ..core.kernels import JACOBIAN_ACTIVATIONS
from ..core.limit import initial_values, limit_jacobians, limit_model
from ..data.registry import make_data
from ..runs.config import build_model

_RECIPE = ("data", "n", "dim", "radius", "data_seed", "activation", "depth", "bias")
LIMIT_STATS = ("max_abs_eig", "mean_point_max_abs_eig", "frac_points_below_1", "max_abs_eig_init", "abs_diff",
               "frac_near_1")


def _stats(J: torch.Tensor, J0: torch.Tensor, near_tol: float) -> dict[str, torch.Tensor]:
    """The notebooks' statistics of Jacobians (draws, n, dim, dim) after (``J``) and before (``J0``) training."""
    mod = torch.linalg.eigvals(J).abs()                                    # (draws, n, dim)
    rho, rho0 = mod.amax(-1), torch.linalg.eigvals(J0).abs().amax(-1)      # (draws, n)
    top, top0 = rho.amax(-1), rho0.amax(-1)
    return {"max_abs_eig": top, "mean_point_max_abs_eig": rho.mean(-1), "frac_points_below_1": (rho < 1).double().mean(-1),
            "max_abs_eig_init": top0, "abs_diff": (top - top0).abs(),
            "frac_near_1": ((mod - 1).abs() < near_tol).double().mean((-1, -2))}


def limit_table(configs: list[dict], draws: int = 20, seed: int = 0, near_tol: float = 0.1) -> pd.DataFrame:
    """The limit's spectra: one row per distinct recipe of ``configs`` and draw of the initial network, with the
    columns of the notebooks (``n_points``, ``radius``, ``seed`` = the data seed, ``activation``, ``depth``, ``L``,
    ``width`` = inf, ``draw``) and :data:`LIMIT_STATS`; ``frac_near_1`` counts moduli within ``near_tol`` of 1.
    Draws are seeded by ``seed`` and the data seed, so every recipe's draws are reproducible on their own. Recipes
    whose activation has no limit Jacobian (ReLU) are left out; ``draws=0`` gives no rows (no limit asked for)."""
    rows, seen = [], set()
    for c in configs if draws else []:
        key = tuple(c[k] for k in _RECIPE)
        if key in seen or c["activation"] not in JACOBIAN_ACTIVATIONS:
            continue
        seen.add(key)
        X, _ = make_data(c)
        lm = limit_model(X, c["activation"], c["depth"], c["bias"])
        F0, J0 = initial_values(lm, draws, seed=seed * 1_000_003 + int(c["data_seed"]))
        st = _stats(limit_jacobians(lm, F0, J0), J0, near_tol)
        for k in range(draws):
            rows.append({"n_points": c["n"], "dim": c["dim"], "radius": c["radius"], "seed": c["data_seed"],
                         "activation": c["activation"], "depth": c["depth"], "L": c["depth"] + 1, "bias": c["bias"],
                         "width": math.inf, "draw": k, **{s: float(v[k]) for s, v in st.items()}})
    return pd.DataFrame(rows, columns=["n_points", "dim", "radius", "seed", "activation", "depth", "L", "bias", "width",
                                       "draw", *LIMIT_STATS])


def limit_given_init(runs: list, near_tol: float = 0.1) -> pd.DataFrame:
    """For each trained run (:class:`attractor_utils.runs.run.Run`), the limit's map started from the run's own
    initial network (its ``f_0(X)`` and ``J_0(X)``, in float64): one row per run with ``n_points``, ``width``,
    ``radius``, ``seed``, ``activation``, ``depth`` and ``limit_<stat>`` for each of
    :data:`LIMIT_STATS` (the ``_init`` ones are the network's own at initialisation)."""
    rows, models = [], {}
    for run in runs:
        c = run.config
        key = tuple(c[k] for k in _RECIPE)
        if key not in models:
            models[key] = limit_model(run.X, c["activation"], c["depth"], c["bias"])
        lm = models[key]
        net = build_model(c, device="cpu")
        X = lm.X
        with torch.no_grad():
            F0 = net.double()(X)
        J0 = torch.cat([jacobian(net, X[i: i + 1]) for i in range(len(X))])   # one point at a time: width 1e6 fits
        st = _stats(limit_jacobians(lm, F0[None], J0[None]), J0[None], near_tol)
        rows.append({"n_points": c["n"], "width": c["width"], "radius": c["radius"], "seed": c["seed"],
                     "activation": c["activation"], "depth": c["depth"],
                     **{f"limit_{s}": float(v[0].detach()) for s, v in st.items()}})
    return pd.DataFrame(rows)


def _within_se(g: pd.DataFrame, over: str) -> float:
    """Standard error of the mean of ``g.pgap`` over the ``over`` values (radii), from the variance over seeds
    within each one; NaN where one has fewer than two runs."""
    v = g.groupby(over).pgap.agg(["var", "count"])
    if not len(v) or (v["count"] < 2).any():
        return float("nan")
    return float(np.sqrt((v["var"] / v["count"]).sum()) / len(v))


def distance_to_limit(df: pd.DataFrame, lim: pd.DataFrame, stat: str, paired: pd.DataFrame | None = None,
                      by: tuple[str, ...] = ("n_points", "width"), over: str = "radius") -> pd.DataFrame:
    """Each width's distance to the limit, per ``by`` group: ``curve``, the mean over ``over`` of |mean over seeds
    of ``stat`` - the limit's mean over its draws| (floored by the spread over initialisations); with ``paired``
    (:func:`limit_given_init`), ``paired``, the mean over runs of |``stat`` - the limit's ``stat`` from the run's own
    initial network| (no such floor), and ``paired_se``, its standard error from the spread over seeds within each
    ``over`` value (NaN where a radius has one seed). Converged runs only, on the ``over`` values every width has
    (``radii`` counts them)."""
    if "converged" in df:
        df = df[df.converged]
    inner = [k for k in by if k != "width"]

    def common(g: pd.DataFrame) -> pd.DataFrame:   # the radii where every width of the group has a converged run
        keep = set.intersection(*g.groupby("width")[over].agg(set))
        return g[g[over].isin(keep)]

    df = pd.concat([common(g) for _, g in df.groupby(inner)]) if inner else common(df)
    lim_mean = lim.groupby(inner + [over])[stat].mean().rename("limit")
    fin = df.groupby(list(by) + [over])[stat].mean().rename("finite").reset_index()
    fin = fin.join(lim_mean, on=inner + [over])
    fin["gap"] = (fin.finite - fin.limit).abs()
    out = fin.groupby(list(by)).agg(curve=("gap", "mean"), radii=(over, "nunique"))
    if paired is not None:
        keys = list(by) + [over, "seed"]
        both = df.merge(paired, on=keys + ["activation", "depth"] if "activation" in df else keys)
        both["pgap"] = (both[stat] - both[f"limit_{stat}"]).abs()
        out["paired"] = both.groupby(list(by)).pgap.mean()
        out["paired_se"] = both.groupby(list(by)).apply(lambda g: _within_se(g, over), include_groups=False)
    return out.reset_index()
