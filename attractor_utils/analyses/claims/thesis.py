"""The claims of the thesis talk ('Attractors of autoencoders: memorization in neural networks'): its ReLU grid,
notebook 06. Its false-positive rates come from :func:`attractor_utils.data.published.thesis_false_positive_rates`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...data.published import thesis_false_positive_rates
from .verdicts import THESIS, Claim, evidence, nondecreasing

THESIS_EPOCHS = 50_000  # the thesis trains every run for this many epochs
THESIS_RUNS = 60  # runs with bias per data set in the thesis's grid: 3 widths x 5 depths x 4 repeats
# a false-positive rate is compared only where at least this many iterations from training images settled (10 % of
# one run's 100 images): a rate of 1/1 says nothing about "many"
FP_MIN_SETTLED = 10

_WITH_BIAS = f"{THESIS}, slide 'Results & Analysis (trained models with bias)'"
# ----- the claims, each declared once ------------------------------------------------------------------------------
NO_BIAS = Claim("Without bias no attractors appear",
                "'Not using bias, produces no attractors' (CIFAR-10 and random pictures)",
                f"{THESIS}, slide 'Results & Analysis (trained models without bias)'")
DEPTH = Claim("Sufficient depth is required for creating attractors (with bias)",
              "'Sufficient depth is required for creating attractors' (listed with the random-picture results)",
              _WITH_BIAS)
FALSE_POSITIVES = Claim("Many iterative fixed points are false positives at depths 1, 2, 3",
                        "'false predictions': {rates}",
                        f"{THESIS}, slide 'Results & Analysis (iterative fixed points at lower depths & manual "
                        "verification)'")
LOSS = Claim("A good loss does not imply many attractors",
             "'Good loss and number of attractors are not necessarily related' (listed with the CIFAR-10 results)",
             _WITH_BIAS)
DATA_SETS = Claim("With bias, CIFAR-10 is more sensitive to depth and random images to width",
                  "'CIFAR10 pictures: greater impact when changing depth'; 'Random pictures: greater impact when "
                  "changing width'", _WITH_BIAS)


def _trained_as_thesis(df: pd.DataFrame) -> pd.Series:
    """Runs that met the thesis's training condition: its 50,000 epochs, or this package's loss threshold first."""
    return df["converged"].astype(bool) | (df["epochs"] >= THESIS_EPOCHS)


def _thesis_rates() -> dict[int, float]:
    """The thesis's false-positive rate by depth
    (:func:`~attractor_utils.data.published.thesis_false_positive_rates`)."""
    t = thesis_false_positive_rates()
    return {int(d): float(v) for d, v in zip(t.depth, t.value)}


def _false_positive_claim(main: pd.DataFrame, ok: pd.Series, thesis_fp: dict[int, float], grid_scale: str) -> dict:
    """The row "many iterative fixed points are false positives" from the runs with bias of the main data set."""
    fp = (main.groupby("depth")[["n_false_positives", "n_settled"]].sum() if len(main)
          else pd.DataFrame(columns=["n_false_positives", "n_settled"]))
    rates = {d: (r.n_false_positives / r.n_settled if r.n_settled else float("nan"))
             for d, r in fp.iterrows() if d in thesis_fp}
    known = {d: r for d, r in rates.items() if fp.loc[d].n_settled >= FP_MIN_SETTLED}

    def _rate(d):
        n, k = int(fp.loc[d].n_settled), int(fp.loc[d].n_false_positives)
        return (f"depth {d}: {k / n:.0%} ({k}/{n})" if n >= FP_MIN_SETTLED else
                f"depth {d}: " + (f"{k}/{n} settled, too few for a rate" if n else "no iteration settled"))

    fill = {"rates": ", ".join(f"{p:.0%} at depth {d}" for d, p in thesis_fp.items())}
    if len(known) >= 2:
        dec = all(known[b] < known[a] for a, b in zip(sorted(known), sorted(known)[1:]))  # falls: strictly
        close = all(abs(known[d] - thesis_fp[d]) <= 0.15 for d in known)
        v = "agrees" if dec and close else ("partly" if dec else "disagrees")
        return FALSE_POSITIVES.row(
            ", ".join(_rate(d) for d in rates), v, "falls with depth and within 15 points of the thesis"
            if v == "agrees" else ("falls with depth, but the rates differ from the thesis by more than 15 points"
                                   if v == "partly" else "the rate does not fall with depth"),
            fill=fill, evidence=evidence(main[main.depth.isin(list(known))]), scale=grid_scale,
            unmet=[f"{int((~ok[main.index]).sum())} runs neither reached the loss threshold nor trained "
                   f"{THESIS_EPOCHS:,} epochs" if len(main) and (~ok[main.index]).any() else ""],
            to_decide="the thesis's grid (paper preset of 06)")
    if len(rates):
        return FALSE_POSITIVES.row(
            "rates: " + ", ".join(_rate(d) for d in rates), "not reached",
            f"a rate needs at least {FP_MIN_SETTLED} iterations that settle", fill=fill,
            evidence=evidence(main[main.depth.isin(list(rates))]), scale=grid_scale,
            unmet=[f"fewer than two of depths 1-3 have {FP_MIN_SETTLED} or more iterations from training images that "
                   "settled"],
            to_decide="the thesis's grid with its iteration budget (paper preset of 06: max_steps 1000)")
    return FALSE_POSITIVES.row("no run at depths 1-3", "not tested", "the preset has no depth 1-3 run", fill=fill,
                               evidence="0 runs", to_decide="depths 1, 2, 3 with bias")


def _data_sets_claim(wb: pd.DataFrame, ok: pd.Series, n_img: int, grid_scale: str) -> dict:
    """The row "with bias, CIFAR-10 is more sensitive to depth and random images to width"."""
    ds = wb.groupby("dataset").agg(w=("width", "nunique"), d=("depth", "nunique")) if len(wb) else None
    stand_in = [k for k in wb.dataset.unique() if k.startswith("patches")] if len(wb) else []
    cv_unmet = [f"CIFAR-10 is not available here: {wb[wb.dataset == stand_in[0]].data_source.iloc[0]} stand in for it"
                ] if stand_in else []
    if not (ds is not None and len(ds) >= 2 and (ds.w >= 2).all() and (ds.d >= 2).all()):
        rnd = wb[wb.dataset == "uniform_images"]
        return DATA_SETS.row(("random images: " + ", ".join(f"depth {r.depth}, width {r.width}: {r.n_attractors}/"
                                                            f"{n_img} (MSE {r.final_loss:.1e})"
                                                            for r in rnd.itertuples()))
                             if len(rnd) else "no random-image run with bias",
                             "not tested", "needs two or more widths and depths for both data sets",
                             evidence=evidence(wb), scale=grid_scale, unmet=cv_unmet,
                             to_decide="two widths x two depths on both data sets (the paper cells of 06)"
                             + ("; CIFAR-10 itself (not available here)" if stand_in else ""))
    rng = {k: (g.groupby("depth").n_attractors.mean().agg(["min", "max"]).diff().iloc[-1],
               g.groupby("width").n_attractors.mean().agg(["min", "max"]).diff().iloc[-1])
           for k, g in wb.groupby("dataset")}
    img = [k for k in rng if k != "uniform_images"][0]
    # each half of the claim: +1 shown, -1 the other way, 0 undecided (equal ranges, e.g. no attractor at all)
    rnd_depth, rnd_width = rng.get("uniform_images", (0, 0))
    halves = {img: int(np.sign(rng[img][0] - rng[img][1])), "uniform_images": int(np.sign(rnd_width - rnd_depth))}
    shown, against = sum(h > 0 for h in halves.values()), sum(h < 0 for h in halves.values())
    cv_v = ("agrees" if shown == 2 else "partly" if shown else "disagrees" if against else "not reached")
    why = "; ".join(f"{k}: " + ("shown" if h > 0 else "the other way" if h < 0 else
                               "equal ranges, undecided" + (" (no attractor in any run)"
                                                            if wb[wb.dataset == k].n_attractors.sum() == 0 else ""))
                    for k, h in halves.items())
    loss = wb.groupby("dataset").final_loss.agg(["min", "max"])
    short = int((~ok).sum())
    return DATA_SETS.row("; ".join(f"{k}: range of the mean count over depths {v[0]:.0f}, over widths {v[1]:.0f} (MSE "
                                   f"{loss.loc[k, 'min']:.1e} to {loss.loc[k, 'max']:.1e})" for k, v in rng.items()),
                         cv_v, f"range of the mean count over depths vs over widths: {why}",
                         evidence=evidence(wb), scale=grid_scale,
                         unmet=cv_unmet + (["neither data set's counts differ more over depths than over widths or "
                                            "the reverse"] if cv_v == "not reached" else [])
                         + ([f"{short} of {len(wb)} runs neither reached the loss threshold nor trained "
                             f"{THESIS_EPOCHS:,} epochs"] if short else []),
                         to_decide="CIFAR-10 (put cifar-10-python.tar.gz in data/) on the thesis's grid")


def relu_grid_claims(df: pd.DataFrame, thesis_fp: dict[int, float] | None = None) -> list[dict]:
    """Claims of the thesis's ReLU grid (seed 000) from a notebook-06 table (one row per run). The false-positive
    rates (depth -> share) default to the thesis talk's (:func:`_thesis_rates`)."""
    thesis_fp = thesis_fp or _thesis_rates()
    out = []
    nb, wb = df[~df.bias], df[df.bias]
    n_img = int(df.n_images.max())
    grid_scale = ("runs with bias: " + ", ".join(f"{k} {v}" for k, v in wb.groupby("dataset").size().items())
                  + "; widths "
                  f"{sorted(map(int, df.width.unique()))}, depths {sorted(map(int, df.depth.unique()))}, "
                  f"{df.seed.nunique()} seed(s), {n_img} images (thesis: widths 32, 64, 128 x depths 1, 2, 3, 6, 11 x "
                  "4 repeats, 100 images, 50,000 epochs)")
    if len(nb):
        tot = int(nb.n_attractors.sum())
        out.append(NO_BIAS.row(f"{tot} attractors in {len(nb)} bias-free runs (max homogeneity residual "
                               f"{nb.median_homogeneity_residual.max():.1e})",
                               "agrees" if tot == 0 else "disagrees",
                               "bias-free ReLU nets are positively homogeneous: J(x)x = f(x), so a fixed point has "
                               "eigenvalue 1 whatever the training loss" if tot == 0 else
                               "some bias-free run has an attractor, against the homogeneity argument",
                               evidence=evidence(nb), scale=f"{sorted(map(int, nb.epochs.unique()))} epochs (thesis: "
                               "50,000; the argument holds at any loss)"))
    else:
        out.append(NO_BIAS.row("no bias-free run", "not tested", "the preset trains no bias-free run",
                               evidence="0 runs", to_decide="bias-free runs (biases [True, False])"))
    ok = _trained_as_thesis(wb) if len(wb) else pd.Series(dtype=bool)
    main = wb[wb.dataset == wb.dataset.iloc[0]] if len(wb) else wb
    if len(main) and main.depth.nunique() >= 2:
        wmax = main.width.max()
        line = main[main.width == wmax]
        by = line.groupby("depth").agg(a=("n_attractors", "mean"), loss=("final_loss", "median"))
        deepest, shallow = by.a.iloc[-1], by.a.iloc[0]
        v = "agrees" if (nondecreasing(by.a.tolist()) and deepest > shallow) else ("partly" if deepest > shallow
                                                                                     else "disagrees")
        bad = line[~_trained_as_thesis(line)]
        none = by.a.max() == 0  # no depth has an attractor: too shallow to tell
        out.append(DEPTH.row(f"width {wmax}, {main.data_source.iloc[0]}: attractors by depth "
                             + ", ".join(f"{d}: {r.a:.0f} (MSE {r.loss:.1e})" for d, r in by.iterrows()),
                             v, "counts grow with depth" if v == "agrees" else
                             ("more at the deepest than the shallowest depth, but not monotone" if v == "partly"
                              else "the deepest net has no more attractors than the shallowest"),
                             evidence=evidence(line), scale=grid_scale,
                             unmet=[f"{len(bad)} of {len(line)} runs neither reached the loss threshold nor trained "
                                    f"{THESIS_EPOCHS:,} epochs" if len(bad) else "",
                                    "no depth of the grid has an attractor: it cannot tell a grid too shallow for "
                                    "any from a result against the claim" if none else ""],
                             to_decide="the thesis's 50,000 epochs for every depth"
                             + (", and a depth with attractors" if none else "")))
    else:
        out.append(DEPTH.row("fewer than two depths", "not tested", "the preset has fewer than two depths with bias",
                             evidence=evidence(wb), to_decide="two or more depths with bias"))
    out.append(_false_positive_claim(main, ok, thesis_fp, grid_scale))
    if len(wb) >= 2:
        fit = wb[ok]
        lo = fit.sort_values("final_loss")
        pair = [(a, b) for a in lo.itertuples() for b in lo.itertuples()
                if a.final_loss < b.final_loss and a.n_attractors < b.n_attractors]
        if pair:
            a, b = pair[0]
            m = (f"depth {a.depth}, width {a.width} ({a.dataset}): MSE {a.final_loss:.1e}, {a.n_attractors} "
                 f"attractors; depth {b.depth}, width {b.width} ({b.dataset}): MSE {b.final_loss:.1e}, "
                 f"{b.n_attractors}")
        else:
            m = (f"across {len(fit)} runs with bias, a lower loss always comes with at least as many attractors "
                 f"(MSE {fit.final_loss.min():.1e} to {fit.final_loss.max():.1e}; attractors "
                 f"{int(fit.n_attractors.min())} to {int(fit.n_attractors.max())})" if len(fit) else
                 "no run with bias reached the loss threshold or trained the thesis's epochs")
        per_ds = wb.groupby("dataset").size()
        out.append(LOSS.row(m, "agrees" if pair else "disagrees",
                            "a run with a lower loss has fewer attractors than one with a higher loss" if pair else
                            "no run with a lower loss has fewer attractors",
                            evidence=evidence(wb), scale=grid_scale,
                            unmet=[] if pair else [f"{int(per_ds.max())} runs with bias per data set, of the thesis's "
                                                   f"{THESIS_RUNS}: too few to show that no such pair exists"]
                            if per_ds.max() < THESIS_RUNS else [],
                            to_decide="the thesis's grid (paper preset of 06)"))
    out.append(_data_sets_claim(wb, ok, n_img, grid_scale))
    return out
