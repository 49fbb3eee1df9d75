"""The claims of the Orujlu talk's own extension (TUM 2023, 'Extension 3: Attractor vs Generalization'): notebook
10. (The talk's slides that reproduce Jiang & Pehlevan are cited next to them, :mod:`.jiang_pehlevan`.)"""
from __future__ import annotations

import pandas as pd

from .verdicts import TALK, Claim, converged_runs, evidence, graded

_SLIDE = f"{TALK}, slide 'Extension 3: Attractor vs Generalization' (setups table and labels)"
# ----- the claims, each declared once ------------------------------------------------------------------------------
WIDE_STORES = Claim("Training points are attractors in the width-1000 setup (radius 15, 100 points)",
                    "of the setups (radius 15; widths 1000, 100, 50) only the width-50 one, trained to a loss of 1e-2, "
                    "is labelled 'Non-attractor': the width-1000 setup stores its training points", _SLIDE)
NARROW_DOES_NOT = Claim("The width-50 setup (loss threshold 1e-2) does not store its training points",
                        "labelled 'Non-attractor'", _SLIDE)
SPHERE_RADIUS = Claim("From which radius are {n} points on the sphere attractors (width {width})?",
                      "not stated by the sources; Jiang & Pehlevan: more points need a larger input norm", own=True)


def generalization_claims(df: pd.DataFrame) -> list[dict]:
    """Notebook 10: the talk's Extension 3, judged on the talk's own point distribution where it was run, and the
    package's question of the radius at which 100 points on the sphere become attractors."""
    df = df.copy()
    if "distribution" not in df:
        df["distribution"] = "sphere"
    r_talk = 15.0
    out = []
    at15 = df[df.radius == r_talk]
    for w, the, want in [(1000, WIDE_STORES, "stored"), (50, NARROW_DOES_NOT, "not stored")]:
        g = at15[at15.width == w]
        if not len(g):
            out.append(the.row(f"no width-{w} run at radius {r_talk:g}", "not tested", "the preset has no such run",
                               evidence="0 runs", to_decide=f"width {w} at radius {r_talk:g}"))
            continue
        talk_pts = g[g.distribution == "orthant"]
        judged = talk_pts if len(talk_pts) else g
        dist = "positive orthant (the talk's code: torch.rand)" if len(talk_pts) else "uniform on the sphere"
        thr = 1e-2 if w == 50 else None  # the talk relaxed the threshold to 1e-2 for width 50 only
        fit = (judged.final_loss <= thr) if thr else judged.converged.astype(bool)
        frac = float((judged.n_attractors / judged.n_train).mean())
        if want == "stored":
            v = graded(frac, 0.9, 0.5)
        else:
            v = graded(frac, 0.1, 0.5, higher_is_better=False)
        unmet = []
        if not len(talk_pts):
            unmet.append("points uniform on the sphere, not the talk's positive-orthant points (torch.rand): a "
                         "different distribution")
        if int(judged.n_train.iloc[0]) != 100:
            unmet.append(f"{int(judged.n_train.iloc[0])} training points (the talk: 100)")
        if not bool(fit.all()):
            unmet.append(f"{int((~fit).sum())} of {len(judged)} runs did not reach "
                         + ("the talk's loss threshold 1e-2" if thr else "the loss threshold"))
        others = df[(df.width == w) & (df.radius == r_talk) & (df.distribution != judged.distribution.iloc[0])]
        m = (f"{dist}, width {w}, radius {r_talk:g}: {frac:.0%} of {int(judged.n_train.iloc[0])} training points are "
             f"attractors (losses {judged.final_loss.min():.1e} to {judged.final_loss.max():.1e})")
        if len(others):
            m += (f"; on the sphere: {float((others.n_attractors / others.n_train).mean()):.0%} (losses "
                  f"{others.final_loss.min():.1e} to {others.final_loss.max():.1e})")
        out.append(the.row(m, v, "fraction of training points that are attractors: at least 90 % stores, under 10 % "
                           "does not", evidence=evidence(judged),
                           scale=f"{judged.seed.nunique()} seed(s), {int(judged.n_train.iloc[0])} points (talk: "
                           "radius 15, 100 points, widths 1000, 100, 50)",
                           unmet=unmet, to_decide="the talk's distribution (distribution 'orthant') trained to its "
                           "threshold"))
    sw = converged_runs(df[(df.distribution == "sphere") & (df.width == df.width.max())])
    by_r = sw.groupby("radius").apply(lambda g: float((g.n_attractors / g.n_train).mean()), include_groups=False)
    if len(by_r):
        stored = [r for r in by_r.index if by_r[r] >= 0.9]
        out.append(SPHERE_RADIUS.row(
            "fraction of attractors by radius: " + ", ".join(f"r {r:g}: {x:.0%}" for r, x in by_r.items())
            + (f"; at least 90 % from r {min(stored):g}" if stored else "; below 90 % at every radius run"),
            "agrees" if stored else "disagrees",
            "agrees: some radius stores at least 90 % of the points (the large-norm regime is reached)",
            fill={"n": int(sw.n_train.iloc[0]), "width": int(sw.width.iloc[0])}, evidence=evidence(sw),
            scale=f"radii {', '.join(f'{r:g}' for r in by_r.index)}"))
    return out
