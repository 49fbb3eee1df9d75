"""Which training examples are attractors (Prop. 1 plus the thesis's iterative-fixed-point check)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from . import validate as V
from torch import Tensor

from .dynamics import iterate, nearest
from .spectra import SPECTRAL_METHODS, spectral_radius
from .models import as_input

# A verdict is borderline (could flip on another machine, whose float32 training ends a few ulps elsewhere)
# when its deciding value lies this close to the threshold:
BORDERLINE_RADIUS = 1e-3  # |spectral radius - eig_threshold| below this (absolute)
BORDERLINE_DISTANCE = 0.1  # |distance of the limit to the point - match_tol| below this x match_tol
BORDERLINE_STEPS = 10.0  # the iteration settled in the last 20 % of max_steps, or stopped unsettled with a
# last step within this factor of iter_tol
# A spectral radius from the iterative route (spectra.spectral_radius) is used only this far (absolute) outside the
# band |radius - eig_threshold| < BORDERLINE_RADIUS and from 1; inside, the point gets the full decomposition, so
# every verdict is the full route's (spectra.EXACT_MARGIN = BORDERLINE_RADIUS + EXACT_SAFETY is the same rule)
EXACT_SAFETY = 1e-3


def classify_attractors(
    model,
    X: Tensor,
    *,
    max_steps: int = 1000,
    iter_tol: float = 1e-5,
    match_tol: float = 1e-2,
    eig_threshold: float = 1.0,
    eig_tol: float = 1e-9,
    method: str = "auto",
    return_limits: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, Tensor]:
    """Classify each training example ``X[i]`` (X: (n, dim)); distances are Euclidean, in data units.

    Per example: the one-step error ``||f(x_i) - x_i||``, the spectral radius of ``J_f(x_i)``, the iteration from
    ``x_i`` (converged, steps, limit) and the training example nearest that limit. Verdicts:

    - ``iteration_converged``: the iteration settles (step < ``iter_tol``; the thesis's "iterative fixed point");
    - ``is_true_fixed_point``: it settles at ``x_i`` (nearest example ``i``, ``||limit - x_i|| < match_tol``);
    - ``false_positive``: it settles elsewhere;
    - ``is_attractor``: a true fixed point with spectral radius < ``eig_threshold - eig_tol`` (an exact
      eigenvalue 1 comes out as 1 - 1e-13 and must not count as contracting);
    - ``borderline_any``: a verdict rests on a value near its threshold (:data:`BORDERLINE_RADIUS`,
      :data:`BORDERLINE_DISTANCE`, :data:`BORDERLINE_STEPS`); ``borderline``: the same, among the points whose
      iteration ended nearest to themselves (those whose attractor verdict can flip).

    ``method``: how the radii are computed (:func:`attractor_utils.spectral_radius`); the verdicts and borderline
    flags are the same whichever is used. Returns one row per example, indexed 0..n-1; with ``return_limits`` also
    the (n, dim) end points of the iterations.
    """
    X = V.points("X", X)
    method = V.choice("method", method, SPECTRAL_METHODS)
    max_steps = V.integer("max_steps", max_steps, 0)
    iter_tol = V.real("iter_tol", iter_tol, 0, lo_open=True)
    match_tol = V.real("match_tol", match_tol, 0, lo_open=True)
    eig_threshold = V.real("eig_threshold", eig_threshold)
    eig_tol = V.real("eig_tol", eig_tol, 0)
    Xm = as_input(model, X)
    with torch.no_grad():
        one_step = torch.linalg.vector_norm(model(Xm).double() - Xm.double(), dim=-1).cpu().numpy()
    rho = spectral_radius(model, X, method=method, exact_near=(eig_threshold - eig_tol, eig_threshold, 1.0),
                          exact_margin=BORDERLINE_RADIUS + EXACT_SAFETY).cpu().numpy()
    it = iterate(model, Xm, max_steps=max_steps, tol=iter_tol)
    idx, dist = nearest(it.x, X)
    self_dist = torch.linalg.vector_norm(it.x.double().cpu() - X.double().cpu(), dim=-1).numpy()
    n = X.shape[0]
    returns_home = (idx == np.arange(n)) & (self_dist < match_tol)
    conv = it.converged & ~it.diverged
    df = pd.DataFrame(
        {
            "index": np.arange(n),
            "one_step_error": one_step,
            "spectral_radius": rho,
            "iteration_converged": conv,
            "iteration_steps": it.steps,
            "limit_distance_to_self": self_dist,
            "nearest_index": idx,
            "nearest_distance": dist,
            "is_true_fixed_point": conv & returns_home,
            "false_positive": conv & ~returns_home,
        }
    )
    df["is_attractor"] = df["is_true_fixed_point"] & (df["spectral_radius"] < eig_threshold - eig_tol)
    home = idx == np.arange(n)  # the iteration ended nearest to the point it started from
    near_radius = np.abs(rho - eig_threshold) < BORDERLINE_RADIUS
    near_distance = home & (np.abs(self_dist - match_tol) < BORDERLINE_DISTANCE * match_tol)
    last = np.asarray(it.last_step, float)
    late = conv & (np.asarray(it.steps) > 0.8 * max_steps)
    almost = ~conv & ~np.asarray(it.diverged) & (last < BORDERLINE_STEPS * iter_tol)
    df["borderline"] = home & (near_radius | near_distance | late | almost)
    df["borderline_any"] = near_radius | near_distance | late | almost
    return (df, it.x) if return_limits else df


def summarize_attractors(df: pd.DataFrame) -> dict:
    """Counts from a :func:`classify_attractors` table (for one-row-per-run CSVs)."""
    return {
        "n_attractors": int(df["is_attractor"].sum()),
        "n_settled": int(df["iteration_converged"].sum()),
        "n_true_fixed_points": int(df["is_true_fixed_point"].sum()),
        "n_false_positives": int(df["false_positive"].sum()),
        "n_radius_below_1": int((df["spectral_radius"] < 1).sum()),
        "median_spectral_radius": float(np.median(df["spectral_radius"])),
        # training points whose attractor verdict sits at a threshold: n_attractors may differ by up to this many
        # on another machine; n_borderline_any: the same for any verdict (the other counts above)
        "n_borderline": int(df["borderline"].sum()) if "borderline" in df else 0,
        "n_borderline_any": int(df["borderline_any"].sum()) if "borderline_any" in df else 0,
    }
