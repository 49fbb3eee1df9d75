"""The claims of Jiang & Pehlevan (ICML 2020), with the Orujlu talk's slides that reproduce them: notebooks 01
(Fig. 1), 02 (Lemma 4), 03 (Fig. 3), 04 (Fig. 5) and 05 (Fig. 6). Every number is computed from the notebook's own
results; the values read off the published figures (:mod:`attractor_utils.data.published`) enter only the
"reproduces the published values" rows."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .verdicts import (JP, TALK, Claim, compare_published, converged_runs, evidence, flow_limit_claim, graded,
                       nondecreasing, published_values_claim)

# ----- the claims, each declared once ------------------------------------------------------------------------------
SHRINKS = Claim("The difference between the trained and the initial largest eigenvalue modulus decreases with depth",
                "the difference decreases with more layers L (talk: 'the difference between largest eigenvalues of "
                "input and output Jacobians decrease with more number of layers')",
                f"{JP}, Fig. 1; {TALK}, slide 'Single Training example'")
SINGLE = Claim("A single training example becomes an attractor",
               "sigmoid autoencoders trained on a single example can have attractors in the NTK limit (abstract; "
               "Fig. 1: the trained largest modulus is below 1)", f"{JP}, abstract and Fig. 1")
FIG1_VALUES = Claim("Reproduces the published values of Fig. 1",
                    "|trained - initial| per L and radius, read off the published figure (sigmoid, width 1000)",
                    f"{JP}, Fig. 1 (values read off the figure)")
LEMMA4 = Claim("In the linear region about n - 1 eigenvalues sit at modulus 1 (Lemma 4)",
               "for small input norm the network behaves like a linear one: about n - 1 of the dim eigenvalue "
               "moduli sit near 1, so attractor formation can fail",
               f"{JP}, Lemma 4; {TALK}, slide 'Multiple Training Examples Linear Region'")
LINEAR = Claim("At small input norm the network is in the linear region",
               "for small r the network behaves like a linear network and the eigenvalue moduli are near 1",
               f"{JP}, Section 'linear region' and Lemma 4; {TALK}, slide 'Multiple Training Examples Linear Region'")
DROPS = Claim("The largest Jacobian eigenvalue drops below one with increasing input norm",
              "'the norm of the largest Jacobian eigenvalue drops below one with increasing input norm, leading to "
              "associative memory'", f"{JP}, abstract and Fig. 3")
MORE_POINTS = Claim("More training points need a larger input norm",
                    "the curves of more points lie higher (published values at r = 50 rise with n at every width)",
                    f"{JP}, Fig. 3 (as the published figure shows)")
SMALL_RADIUS = 5.0   # the linear-region claim is judged at a smallest radius up to the published Fig. 3's smallest
NTK_LIMIT = Claim("The curves converge as the width grows (the NTK limit)",
                  "the curves spread apart at small widths and converge as the width grows: widths 1e5, 5e5 and 1e6 "
                  "nearly coincide", f"{JP}, Fig. 3 (as the published figure shows)")
FIG3_VALUES = Claim("Reproduces the published values of Fig. 3", "the plotted statistic at r = 50 per n and width",
                    f"{JP}, Fig. 3 (values at r = 50 read off the figure)")
EVERY_POINT = Claim("From which radius is every training point an attractor (largest modulus over the points < 1)?",
                    "not a claim of the sources: the figure plots a mean over points, attractors need every point",
                    own=True)
BASINS = Claim("Basins grow with the input norm", "larger input norms give bigger basins of attraction",
               f"{JP}, Fig. 5; {TALK}, slide 'Basin of attraction'")
ACTIVATIONS = Claim("Large input norm makes the points attractors for every activation",
                    "the results extend to other activation functions (sigmoid, erf, tanh): the eigenvalue drops "
                    "below 1", f"{JP}, Fig. 6; {TALK}, slide 'Different Activation Functions'")


def single_example_claims(df: pd.DataFrame, halving: pd.DataFrame | None = None, study: pd.DataFrame | None = None,
                          published: pd.DataFrame | None = None) -> list[dict]:
    """Jiang & Pehlevan Fig. 1 from a notebook-01 table (one row per activation x width x L x radius x seed; the
    first row's activation and width are the main variant), with the published values when given."""
    act, w = df.activation.iloc[0], int(df.width.iloc[0])
    main = df[(df.activation == act) & (df.width == w)]
    conv = converged_runs(main)
    Ls = sorted(main.L.unique())
    by_L = conv.groupby("L").abs_diff.mean()
    missing = [L for L in Ls if L not in by_L.index]
    scale = (f"{act}, width {w}, L = {', '.join(map(str, Ls))}, {main.seed.nunique()} seed(s) per radius "
             "(source: sigmoid, width 1000, L = 2, 3, 4; repeats not stated)")
    unmet = [f"L = {L}: no run reached the loss threshold" for L in missing]
    if len(Ls) < 2:
        v, why, m = "not tested", "one depth only", "one depth"
    else:
        falls = all(b < a for a, b in zip(by_L, by_L.iloc[1:]))
        ratio = by_L.iloc[0] / by_L.iloc[-1] if len(by_L) > 1 else float("nan")
        v = "agrees" if falls and not missing else ("partly" if ratio > 1 else "disagrees")
        why = "falls at every added layer" if falls else "does not fall at every added layer"
        m = (f"{act}, width {w}: mean over radii and converged runs " + ", ".join(f"L = {L}: {x:.1e}"
                                                                               for L, x in by_L.items())
             + (f" (L = {by_L.index[0]} / L = {by_L.index[-1]}: {ratio:.0f}x)" if len(by_L) > 1 else ""))
    out = [SHRINKS.row(m, v, why, evidence=evidence(main), scale=scale, unmet=unmet,
                       to_decide="more gradient evaluations (max_epochs) for the runs that stopped at their budget")]
    top = conv.max_abs_eig.max() if len(conv) else float("nan")
    out.append(SINGLE.row(f"largest trained modulus over the converged runs {top:.3f}",
                          "not tested" if top != top else ("agrees" if top < 1 else "disagrees"),
                          "every converged run contracts at its point (largest modulus < 1)" if top < 1 else
                          "some converged run does not contract at its point", evidence=evidence(main), scale=scale,
                          to_decide="a run that reaches the loss threshold"))
    if published is not None:
        if (act, w) == ("sigmoid", 1000):
            cmp = compare_published(conv, published, ["L", "radius"], "abs_diff")
            out.append(published_values_claim(cmp, len(published), FIG1_VALUES, label="L = {L}, r = {radius:g}",
                                              scale=scale, to_decide="more seeds (the paper preset)"))
        else:
            out.append(FIG1_VALUES.row(f"the main variant is {act}, width {w}", "not tested",
                                       "the published values are for sigmoid, width 1000", evidence=evidence(main),
                                       to_decide="the main variant sigmoid, width 1000"))
    if halving is not None:
        out.append(flow_limit_claim(halving, study))
    return out


def linear_region_claims(df: pd.DataFrame) -> list[dict]:
    """Jiang & Pehlevan Lemma 4 from a notebook-02 table (one row per n x seed)."""
    c = converged_runs(df)
    t = c.groupby("n_points").agg(near=("frac_near_1", "mean"), lemma=("lemma4_fraction", "first"))
    worst = float((t.near - t.lemma).abs().max()) if len(t) else float("nan")
    missing = sorted(set(df.n_points) - set(t.index))
    return [LEMMA4.row(", ".join(f"n {n}: {r.near:.2f} vs {r.lemma:.2f}" for n, r in t.iterrows())
                       or "no converged run",
                       graded(worst, 0.05, 0.15, higher_is_better=False),
                       "largest gap of the fraction of moduli near 1 to (n - 1) / dim over n; within 0.05 agrees, "
                       "within 0.15 partly", evidence=evidence(df),
                       scale=f"dim 10, width {int(df.width.iloc[0])}, r = 1 (talk: dim 10, width 1000, unit-norm "
                       "points)", unmet=[f"n = {n}: no run reached the loss threshold" for n in missing],
                       to_decide="more gradient-descent epochs for the runs that stopped at their budget")]


def _stat(df: pd.DataFrame) -> tuple[str, str]:
    """The eigenvalue statistic Jiang & Pehlevan's Figs. 3 and 6 plot: each point's largest modulus averaged over
    the training points (see notebook 03 for how it was identified), else the largest over them."""
    if "mean_point_max_abs_eig" in df:
        return "mean_point_max_abs_eig", "largest modulus per point, mean over the points"
    return "max_abs_eig", "largest modulus over the points"


def _crossing(r: np.ndarray, y: np.ndarray, level: float) -> float:
    """The first radius at which the curve y(r) falls through ``level`` (linear interpolation), NaN if it does not."""
    for i in range(len(r) - 1):
        if y[i] >= level > y[i + 1]:
            return float(r[i] + (y[i] - level) * (r[i + 1] - r[i]) / (y[i] - y[i + 1]))
    return float("nan")


def _limit_row(limit: pd.DataFrame, ev: str, scale: str) -> dict:
    """The convergence claim judged by each width's distance to the computed infinite-width limit
    (:func:`attractor_utils.analyses.limit.distance_to_limit`): from each run's own initial network (``paired``,
    no floor from the spread over initial networks) where given, else the curves' distance. At each n the distance
    must fall from the narrowest to the widest width and rise at no step, where a fall or rise counts when it exceeds
    twice the standard error of the difference (``paired_se``, over the runs; without it, or with one run a width,
    every difference counts): once the distance is at the level of its own noise it no longer needs to fall."""
    col = "paired" if "paired" in limit else "curve"
    limit = limit[limit[col] > 0].dropna(subset=[col])
    parts, falls = [], {}
    for n, g in limit.groupby("n_points"):
        g = g.sort_values("width")
        d = g[col].to_numpy(float)
        se = np.nan_to_num(g["paired_se"].to_numpy(float)) if col == "paired" and "paired_se" in g else np.zeros(len(d))
        if len(d) >= 2:
            noise = 2 * np.hypot(se[1:], se[:-1])
            overall = 2 * np.hypot(se[0], se[-1])
            falls[n] = bool((np.diff(d) <= noise).all() and d[0] - d[-1] > overall)
        txt = f"n {n}: " + ", ".join(f"width {w:.0e}: {x:.3f}" for w, x in zip(g.width, g["curve"]))
        if col == "paired":
            txt += " (from each run's own initial network: " + ", ".join(f"{x:.3f}" for x in d)
            if len(d) >= 2:
                txt += f"; log-log slope {np.polyfit(np.log(g.width.to_numpy(float)), np.log(d), 1)[0]:.2f}"
            txt += ")"
        parts.append(txt)
    v = "not tested" if not falls else ("agrees" if all(falls.values()) else
                                        ("partly" if any(falls.values()) else "disagrees"))
    widest = float(limit.width.max()) if len(limit) else 0.0
    which = "from each run's own initial network" if col == "paired" else "of the curves"
    return NTK_LIMIT.row("distance to the infinite-width limit (mean over radii of |seed mean - limit mean|): "
                         + "; ".join(parts), v,
                         f"the distance to the computed NTK limit ({which}) falls from the narrowest to the widest width at every n with two or more widths and rises at no step, beyond twice the standard error over the runs (converged runs; slope "
                         "-0.5 is 1/sqrt(width))", evidence=ev, scale=scale,
                         unmet=[f"a width of 1e5 or more (the published curves coincide from 1e5; widest here "
                                f"{widest:.0e})" if widest < 1e5 else ""],
                         to_decide="two or more widths at each n, up to 1e5 or more (cell 03-limit: to 1e6)")


def beyond_linear_claims(df: pd.DataFrame, published: pd.DataFrame | None = None,
                         crossings: pd.DataFrame | None = None, limit: pd.DataFrame | None = None) -> list[dict]:
    """Claims of Jiang & Pehlevan Fig. 3 from a notebook-03 table (one row per n x width x radius x seed) on the
    statistic the figure plots (:func:`_stat`), the published values when given, and the package's own question
    on the largest modulus over the points. With ``limit`` (each width's distance to the infinite-width limit) the
    convergence claim is judged by it, else by the gap between the largest widths (activations without a limit)."""
    stat, stat_name = _stat(df)
    keys = ["n_points", "width", "radius"]
    allconv = df.groupby(keys).converged.all()
    m = df.groupby(keys)[[stat, "max_abs_eig"]].mean()[allconv].reset_index()
    widths = sorted(df.width.unique())
    scale = (f"widths {', '.join(f'{w:.0e}' for w in widths)}, n {', '.join(map(str, sorted(df.n_points.unique())))}, "
             f"r {df.radius.min():g}-{df.radius.max():g}, {df.seed.nunique()} seed(s) (source: widths 1e3-1e6, "
             "n 5, 20, 40, r up to 50)")
    ev = evidence(df)
    out = []
    r0, r1 = df.radius.min(), df.radius.max()
    lo = m[m.radius == r0] if r0 <= SMALL_RADIUS else m.iloc[:0]   # no small radius run: nothing to judge
    out.append(LINEAR.row(f"r = {r0:g} ({stat_name}): " + (", ".join(f"n {int(a.n_points)}, width {a.width:.0e}: "
                                                                     f"{getattr(a, stat):.2f}" for a in lo.itertuples())
                                                           or ("no converged cell" if r0 <= SMALL_RADIUS else
                                                               f"no radius of {SMALL_RADIUS:g} or less run")),
                          "not tested" if not len(lo) else ("agrees" if lo[stat].min() >= 0.9 else
                                                            ("partly" if lo[stat].max() >= 0.9 else "disagrees")),
                          f"converged cells at the smallest radius, if it is {SMALL_RADIUS:g} or less (the published "
                          "figure's smallest); >= 0.9 counts as near 1", evidence=ev,
                          scale=scale, to_decide="a smaller radius, or a larger flow budget at the smallest radius"))
    pairs = df.groupby(["n_points", "width"]).size().index
    ends = {}
    for n, w in pairs:  # from the smallest converged radius to the largest radius, which must have converged
        g = m[(m.n_points == n) & (m.width == w)].sort_values("radius")
        if len(g) >= 2 and g.radius.iloc[-1] == r1:
            ends[(n, w)] = (g.radius.iloc[0], g[stat].iloc[0], g[stat].iloc[-1])
    missing = [f"n {n}, width {w:.0e}" for n, w in pairs if (n, w) not in ends]
    ok = [k for k, (r, a, b) in ends.items() if b < 1 and b < a]
    v = "not tested" if not ends else ("agrees" if len(ok) == len(ends) else ("partly" if ok else "disagrees"))
    out.append(DROPS.row(f"{stat_name}, from the smallest converged radius to r {r1:g}: "
                         + ", ".join(f"n {n}, width {w:.0e}: {a:.2f} (r {r:g}) -> {b:.2f}"
                                     for (n, w), (r, a, b) in ends.items()),
                         v, "every (n, width) ends below 1 at the largest radius and below where it started "
                         "(converged cells)" + (f"; judged on {len(ends)} of {len(pairs)} cells, not converged: "
                                                f"{', '.join(missing)}" if missing else ""), evidence=ev, scale=scale,
                         # cells that did not converge can only leave a verdict standing that every judged cell supports
                         unmet=[("fewer than two converged radii, or none at the largest, for " + ", ".join(missing))
                                if missing and (v != "agrees" or 2 * len(ends) < len(pairs)) else ""],
                         to_decide="a larger flow budget (max_epochs) at large n"))
    top = m[m.radius == r1]
    rises = {w: nondecreasing(g.sort_values("n_points")[stat].tolist()) for w, g in top.groupby("width")
             if g.n_points.nunique() >= 2}
    v = "not tested" if not rises else ("agrees" if all(rises.values()) else
                                        ("partly" if any(rises.values()) else "disagrees"))
    out.append(MORE_POINTS.row(f"r = {r1:g}, {stat_name} by n: " + "; ".join(
                                   f"width {w:.0e}: " + ", ".join(f"n {int(a.n_points)}: {getattr(a, stat):.2f}"
                                                                   for a in g.sort_values("n_points").itertuples())
                                   for w, g in top.groupby("width") if w in rises),
                               v, "at the largest radius the statistic rises with n at every width with two or more n",
                               evidence=ev, scale=scale, to_decide="two or more n at one width"))
    big = sorted(w for w in widths if w >= 1e5)
    if limit is not None and len(limit):
        out.append(_limit_row(limit, ev, scale))
    elif len(big) >= 3:
        g = top[top.width.isin(big)]
        gaps = {n: float(h.sort_values("width")[stat].diff().abs().iloc[-1]) for n, h in g.groupby("n_points")
                if h.width.nunique() == len(big)}
        worst = max(gaps.values()) if gaps else float("nan")
        out.append(NTK_LIMIT.row(f"r = {r1:g}: gap between the two largest widths " +
                                 ", ".join(f"n {n}: {x:.3f}" for n, x in gaps.items()),
                                 graded(worst, 0.03, 0.06, higher_is_better=False),
                                 "the gap between the two largest widths at the largest radius: below 0.03 (twice the "
                                 "published values' reading uncertainty) agrees, below 0.06 partly", evidence=ev,
                                 scale=scale))
    else:
        out.append(NTK_LIMIT.row(f"widths run: {', '.join(f'{w:.0e}' for w in widths)}", "not reached",
                                 "the published curves converge only between widths 1e5 and 1e6", evidence=ev,
                                 scale=scale,
                                 unmet=[f"{len(big)} width(s) of 1e5 or more (the convergence shows at 1e5, 5e5, 1e6)"],
                                 to_decide="widths 5e5 and 1e6 at n = 5 (the paper preset of 03)"))
    if published is not None:
        also = ""
        other = "max_abs_eig" if stat != "max_abs_eig" else None
        cm = converged_runs(df)
        if other:
            d2 = compare_published(cm, published, ["n_points", "width", "radius"], other)
            if len(d2):
                also = f"the other statistic (largest modulus over the points) is {d2.abs_diff.mean():.3f} away"
        if crossings is not None and len(crossings):
            cr = []
            for r in crossings.itertuples():
                g = m[(m.n_points == r.n_points) & (m.width == r.width)].sort_values("radius")
                x = _crossing(g.radius.to_numpy(), g[stat].to_numpy(), r.level)
                cr.append(f"width {r.width:.0e}: r {x:.0f} vs {r.radius:g}" if x == x else
                          f"width {r.width:.0e}: not run vs {r.radius:g}")
            also += ("; " if also else "") + "radius where the n = 5 curve crosses 0.5 (measured vs published): " + \
                ", ".join(cr)
        cmp = compare_published(cm, published, ["n_points", "width", "radius"], stat)
        out.append(published_values_claim(cmp, len(published), FIG3_VALUES, label="n {n_points}, width {width:.0e}",
                                          scale=scale, also=also,
                                          to_decide="widths 5e5 and 1e6 (the paper preset of 03)"))
    first = {}
    for (n, w), g in df.groupby(["n_points", "width"]):
        gg = m[(m.n_points == n) & (m.width == w)].sort_values("radius")
        okr = [r for r in gg.radius if (gg[gg.radius >= r].max_abs_eig < 1).all()]
        first[(n, w)] = min(okr) if okr else float("nan")
    reach = [x for x in first.values() if x == x]
    out.append(EVERY_POINT.row("; ".join(f"n {n}, width {w:.0e}: "
                                         + (f"r {x:g}" if x == x else "not within the radii run")
                                         for (n, w), x in first.items()),
                               "agrees" if first and len(reach) == len(first) else ("partly" if reach else "disagrees"),
                               "agrees: every (n, width) gets every point below 1 and stays there", evidence=ev,
                               scale=scale))
    return out


def basins_claims(df: pd.DataFrame) -> list[dict]:
    """Jiang & Pehlevan Fig. 5 from a notebook-04 table (one row per radius x noise radius x seed)."""
    scale = (f"width {int(df.width.iloc[0])}, n {int(df.n_points.iloc[0])}, {df.seed.nunique()} seed(s) "
             "(source: dim 32, width 10000, 50 iterations)")
    c = converged_runs(df)
    t = c.pivot_table(index="radius", columns="noise_radius", values="success_rate", aggfunc="mean")
    missing = sorted(set(df.radius) - set(t.index))
    unmet = [f"radius {', '.join(f'{r:g}' for r in missing)}: no run reached the loss threshold"] if missing else []
    if len(t) < 2:
        return [BASINS.row("fewer than two radii with converged runs", "not tested", "needs two or more radii",
                           evidence=evidence(df), scale=scale, unmet=unmet, to_decide="two or more radii")]
    grows = {nr: nondecreasing(t[nr].tolist()) and t[nr].iloc[-1] > t[nr].iloc[0] for nr in t.columns}
    ends = {nr: t[nr].iloc[-1] > t[nr].iloc[0] for nr in t.columns}
    v = "agrees" if all(grows.values()) else ("partly" if all(ends.values()) else "disagrees")
    return [BASINS.row("; ".join(f"noise {nr:g}: " + ", ".join(f"r {r:g}: {p:.2f}" for r, p in t[nr].items())
                                 for nr in t.columns),
                       v, "the success rate never falls as r grows and ends higher, for every noise radius"
                       if v == "agrees" else ("higher at the largest than at the smallest radius, but not monotone"
                                              if v == "partly" else "some noise radius ends no higher than it starts"),
                       evidence=evidence(df), scale=scale, unmet=unmet,
                       to_decide="a larger flow budget for the radii whose runs stopped")]


def activations_claims(df: pd.DataFrame) -> list[dict]:
    """Jiang & Pehlevan Fig. 6 from a notebook-05 table (one row per activation x radius x seed), on the statistic
    of Fig. 3 (:func:`_stat`)."""
    stat, stat_name = _stat(df)
    scale = (f"width {int(df.width.iloc[0])}, n {int(df.n_points.iloc[0])}, {df.seed.nunique()} seed(s) "
             "(source: 2-layer, width 10000, dim 32)")
    t = converged_runs(df).pivot_table(index="radius", columns="activation", values=stat, aggfunc="mean")
    if len(t) < 2:
        return [ACTIVATIONS.row("fewer than two radii with converged runs", "not tested", "needs two radii",
                                evidence=evidence(df), scale=scale, to_decide="two or more radii")]
    missing = sorted(set(df.activation) - set(t.columns))
    falls = {a: t[a].dropna().iloc[-1] < t[a].dropna().iloc[0] for a in t.columns}
    below = {a: t[a].dropna().iloc[-1] < 1 for a in t.columns}
    v = "agrees" if all(falls.values()) and all(below.values()) else ("partly" if any(below.values()) else "disagrees")
    return [ACTIVATIONS.row(f"{stat_name}, r {t.index.min():g} -> {t.index.max():g}: " +
                            ", ".join(f"{a}: {t[a].dropna().iloc[0]:.2f} -> {t[a].dropna().iloc[-1]:.2f}"
                                      for a in t.columns),
                            v, "every activation falls below 1 (converged runs, mean over seeds)" if v == "agrees" else
                            "not every activation ends below 1", evidence=evidence(df), scale=scale,
                            unmet=[f"no converged run for {', '.join(missing)}" if missing else ""],
                            to_decide="a larger flow budget")]
