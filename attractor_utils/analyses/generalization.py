"""Attractors vs generalisation (notebook 10): per trained run on points of a given norm, which training points
are attractors and where iteration from held-out validation points of the same distribution goes."""
from __future__ import annotations

from typing import Sequence

import pandas as pd
import torch

from ..core.attractors import classify_attractors, summarize_attractors
from ..core.dynamics import nearest
from ..data.points import orthant_points, sphere_points
from ..runs.run import Run
from .recovery import recover_by_iteration


def generalization_table(runs: Sequence[Run], *, n_val: int = 30, max_steps: int = 1000, iter_tol: float = 1e-5,
                         match_tol: float = 1e-2) -> pd.DataFrame:
    """One row per run (``data`` "sphere" or "orthant"): the training outcome, the attractor counts of the training
    points and the fate of ``n_val`` validation points drawn from the run's distribution (seed ``10_000 +
    data_seed``). Columns: ``distribution``, ``width``, ``seed``, ``n_train``, ``n_val``, ``radius``, ``optimizer``,
    ``lr`` (the flow: median step), ``final_loss``, ``epochs``, ``converged``, the counts of
    :func:`summarize_attractors`, ``train_one_step_error`` and ``val_one_step_error`` (mean ||f(x) - x||),
    ``val_nn_distance`` (to the nearest training point), and the fractions of validation points whose iteration
    settles (``frac_val_settled``), ends within ``match_tol`` of a training point (``frac_val_to_train``), of an
    attractor (``frac_val_to_attractor``), of its nearest training point (``frac_val_to_nearest_train``), or
    elsewhere (``frac_val_spurious``). Distances Euclidean, in data units.
    """
    rows = []
    for run in runs:
        c = run.config
        att = classify_attractors(run.model, run.X, max_steps=max_steps, iter_tol=iter_tol,
                                  match_tol=match_tol)
        s_att = summarize_attractors(att)
        draw = orthant_points if c["data"] == "orthant" else sphere_points  # the training distribution
        V = draw(n_val, c["dim"], c["radius"], seed=10_000 + c["data_seed"]).to(run.X.dtype)
        with torch.no_grad():
            val_err = torch.linalg.vector_norm(run.model(V).double() - V.double(), dim=-1).numpy()
        rec = recover_by_iteration(run.model, run.X, V, max_steps=max_steps, iter_tol=iter_tol,
                                   match_tol=match_tol)
        idx, settled, to_train = (rec[k].to_numpy() for k in ("nearest_index", "converged", "is_training"))
        to_attractor = to_train & att["is_attractor"].to_numpy()[idx]
        nn_idx, nn_dist = nearest(V, run.X)
        rows.append({"distribution": c["data"], "width": c["width"], "seed": c["seed"], "n_train": c["n"],
                     "n_val": n_val, "radius": c["radius"],
                     "optimizer": c["optimizer"], **run.row("lr", "final_loss", "epochs", "converged"),
                     **s_att,
                     "train_one_step_error": att["one_step_error"].mean(),
                     "val_one_step_error": val_err.mean(),
                     "val_nn_distance": nn_dist.mean(),
                     "frac_val_settled": settled.mean(),
                     "frac_val_to_train": to_train.mean(),
                     "frac_val_to_attractor": to_attractor.mean(),
                     "frac_val_to_nearest_train": (to_train & (idx == nn_idx)).mean(),
                     "frac_val_spurious": (settled & ~to_train).mean()})
    return pd.DataFrame(rows)
