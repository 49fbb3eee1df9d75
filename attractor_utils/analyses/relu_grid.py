"""The thesis's ReLU-autoencoder grid (seed 000): one configuration per (dataset, depth, width, bias, seed)
(:func:`grid_configs`), and per run the attractor analysis with the homogeneity measurements (:func:`analyse_run`).
"""
from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from ..core.attractors import classify_attractors, summarize_attractors
from ..data.registry import data_source
from ..runs.config import make_config
from ..runs.run import Run
from .homogeneity import eigenvalue_nearest_one, homogeneity_residual


def grid_configs(datasets: Sequence[str], depths: Sequence[int], widths: Sequence[int], biases: Sequence[bool],
                 seeds: Sequence[int], *, n: int = 100, data_seed: int = 0, **train_kw) -> list[dict]:
    """One :func:`make_config` per (dataset, depth, width, bias, seed), ReLU activation.

    ``seeds`` are the network initialisation seeds (the repeats); every repeat sees the same ``n``
    images (``data_seed`` fixed). ``train_kw``: optimizer, lr, loss, loss_threshold, max_epochs, ...
    """
    return [make_config(data=d, n=n, data_seed=data_seed, width=w, depth=k, bias=bool(b), activation="relu",
                        seed=s, **train_kw)
            for d, k, w, b, s in itertools.product(datasets, depths, widths, biases, seeds)]


def analyse_run(run: Run, *, max_steps: int = 1000, iter_tol: float = 1e-5, match_tol: float = 1.0,
                eig_threshold: float = 1.0, zero_tol: float = 1e-3) -> tuple[dict, pd.DataFrame]:
    """Classify every training image of ``run`` and summarise; returns ``(row, per_image)``.

    ``row``: the swept variables, the training outcome, the counts of :func:`summarize_attractors`, the
    false-positive rate (false positives / iterative fixed points; NaN if none), and medians over the images of
    ``|J(x)x - f(x)| / |f(x)|`` and ``min_k |lambda_k(J(x)) - 1|``, the latter also at the settled limits of norm
    above ``zero_tol`` (those at the origin counted in ``n_limits_at_zero``). ``per_image``: the
    :func:`classify_attractors` table plus ``eig_dist_to_1`` and ``homogeneity_residual``. Pixel units.
    """
    c, r = run.config, run.result
    df, limits = classify_attractors(run.model, run.X, max_steps=max_steps, iter_tol=iter_tol,
                                     match_tol=match_tol, eig_threshold=eig_threshold, return_limits=True)
    df["eig_dist_to_1"] = np.abs(eigenvalue_nearest_one(run.model, run.X) - 1)
    df["homogeneity_residual"] = homogeneity_residual(run.model, run.X)
    s = summarize_attractors(df)
    conv = df["iteration_converged"].to_numpy()
    if conv.any():
        lim = limits[torch.as_tensor(np.flatnonzero(conv), device=limits.device)]
        nonzero = (torch.linalg.vector_norm(lim.double(), dim=-1) > zero_tol).cpu().numpy()
        n_zero = int((~nonzero).sum())
        limit_eig = (float(np.median(np.abs(eigenvalue_nearest_one(run.model, lim[np.flatnonzero(nonzero)]) - 1)))
                     if nonzero.any() else float("nan"))
    else:
        limit_eig, n_zero = float("nan"), 0
    nfp = s["n_settled"]
    row = {
        "dataset": c["data"], "data_source": data_source(c["data"]), "depth": c["depth"], "width": c["width"],
        "bias": c["bias"], "seed": c["seed"], "data_seed": c["data_seed"], "n_images": c["n"], "lr": c["lr"],
        "schedule": c["schedule"], "loss_threshold": c["loss_threshold"], "max_epochs": c["max_epochs"],
        "epochs": r["epochs"], "final_loss": r["final_loss"], "last_loss": r.get("last_loss", r["final_loss"]),
        "converged": r["converged"], "diverged": r.get("diverged", False),
        **s,
        "false_positive_rate": s["n_false_positives"] / nfp if nfp else float("nan"),
        "median_homogeneity_residual": float(np.median(df["homogeneity_residual"])),
        "median_eig_dist_to_1": float(np.median(df["eig_dist_to_1"])),
        "median_limit_eig_dist_to_1": limit_eig,
        "n_limits_at_zero": n_zero,
    }
    return row, df
