"""The width x depth grid of notebook 09 (PNAS Fig. 5, App. Fig. 12): per trained run, how many training examples
an autoencoder stores as attractors or a sequence encoder recovers as stable cycles."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..core.attractors import BORDERLINE_RADIUS, classify_attractors, summarize_attractors
from ..runs.run import Run
from .recovery import random_starts, sequence_recovery


def width_depth_tables(runs: Sequence[Run], *, max_steps: int = 1000, iter_tol: float = 1e-5,
                       match_tol: float = 0.5, n_noise: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run table and the spectral radii of notebook 09, for autoencoder and sequence-encoder runs.

    Run table, one row per run: ``task``, ``cycle_len`` (1 for autoencoders), ``width``, ``depth``, ``seed``,
    ``n_images``, ``activation``, ``lr``, ``schedule``, ``loss_threshold``, ``final_loss``, ``last_loss``,
    ``epochs``, ``converged``, and counts out of ``n_images``: ``n_recovered`` (attractors, ``match_tol``; sequences:
    examples in a stable cycle retrieved in 3 laps, :func:`sequence_recovery`), ``n_stable`` (radius of J, or of the
    cycle's product, < 1), ``n_true_fixed_points`` (sequences: in a cycle retrieved by iteration),
    ``n_false_positives`` (NaN for sequences), ``median_spectral_radius`` (over examples, or cycles),
    ``n_reached_from_noise`` (sequences only, from ``n_noise`` uniform starts, seed ``1000 + seed``), ``n_borderline``
    and ``n_borderline_any`` (sequences: on a cycle whose radius is within ``BORDERLINE_RADIUS`` of 1). Pixel units.

    Radii table, one row per training example of each autoencoder run: ``width``, ``depth``, ``seed``, ``index``
    (rank) and ``spectral_radius``, ascending within a run.
    """
    rows, radii = [], []
    for run in runs:
        c = run.config
        row = {"task": c["task"], "cycle_len": c["cycle_len"] if c["task"] == "sequence" else 1,
               "width": c["width"], "depth": c["depth"], "seed": c["seed"], "n_images": c["n"],
               "activation": c["activation"], "lr": c["lr"], "schedule": c["schedule"],
               "loss_threshold": c["loss_threshold"], **run.row("final_loss", "last_loss", "epochs", "converged")}
        if c["task"] == "autoencode":
            cls = classify_attractors(run.model, run.X, max_steps=max_steps, iter_tol=iter_tol,
                                      match_tol=match_tol)
            s = summarize_attractors(cls)
            row.update(n_recovered=s["n_attractors"], n_stable=s["n_radius_below_1"],
                       n_true_fixed_points=s["n_true_fixed_points"], n_false_positives=s["n_false_positives"],
                       median_spectral_radius=s["median_spectral_radius"], n_reached_from_noise=np.nan,
                       n_borderline=s["n_borderline"], n_borderline_any=s["n_borderline_any"])
            radii += [{"width": c["width"], "depth": c["depth"], "seed": c["seed"], "index": i, "spectral_radius": v}
                      for i, v in enumerate(np.sort(cls["spectral_radius"].to_numpy()))]
        else:
            noise = random_starts("uniform", n_noise, run.X.shape[1], seed=1000 + c["seed"])
            cyc, per = sequence_recovery(run.model, run.X, c["cycle_len"], match_tol=match_tol, noise_starts=noise)
            row.update(n_recovered=int(per["recovered"].sum()), n_stable=int(per["in_stable_cycle"].sum()),
                       n_true_fixed_points=int(cyc["orbit_ok"].sum() * c["cycle_len"]), n_false_positives=np.nan,
                       median_spectral_radius=float(np.median(cyc["cycle_spectral_radius"])),
                       n_reached_from_noise=int(per["reached_from_noise"].sum()))
            # examples on a cycle whose spectral radius sits at 1 (the stability verdict could flip)
            n_border = int((np.abs(cyc["cycle_spectral_radius"] - 1) < BORDERLINE_RADIUS).sum() * c["cycle_len"])
            row.update(n_borderline=n_border, n_borderline_any=n_border)
        rows.append(row)
    return pd.DataFrame(rows), pd.DataFrame(radii)
