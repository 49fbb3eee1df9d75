"""The claims of Radhakrishnan, Belkin & Uhler (PNAS 2020): notebooks 07 (Fig. 3), 08 (Fig. 4, Prop. 2), 09 (Fig. 5,
App. Fig. 12), 11 (App. Figs. 15-16), 12 (Fig. 2, App. Figs. 7, 8, 14) and 13 (Theorems 1-2, App. C)."""
from __future__ import annotations

import pandas as pd

from .verdicts import (PNAS, Claim, converged_runs, evidence, fmt_counts, graded, grows, nonincreasing,
                       unconverged)

_FIG3, _FIG5 = f"{PNAS}, Fig. 3", f"{PNAS}, Fig. 5a"
_EFFICIENCY = f"{PNAS}, Fig. 5b and text 'Efficiency of Sequence Encoding'"
# ----- the claims, each declared once ------------------------------------------------------------------------------
EVERY_POINT = Claim("Every training point becomes an attractor", "'an over-parameterized autoencoder storing training "
                    "examples as attractors in the 2D setting'", _FIG3)
NOT_VORONOI = Claim("Basins of attraction are not the Voronoi cells of the training points",
                    "'the metric learned by the autoencoder to separate the basins of attraction is not Euclidean "
                    "distance, which would be indicated by a Voronoi diagram'", _FIG3)
NO_SPURIOUS_2D = Claim("No spurious attractors in the 2-D example",
                       "'Also in this experiment, we found no spurious attractors'", _FIG3)
LIMIT_CYCLES = Claim("Stored sequences form stable limit cycles (Prop. 2)",
                     "the largest eigenvalue of the Jacobian of the encoder composed around each MNIST cycle is 0.0034 "
                     "and 0.0033 (< 1): both sequences form limit cycles", f"{PNAS}, Fig. 4b and Prop. 2")
FROM_NOISE = Claim("Iterating from Gaussian noise recovers both MNIST sequences",
                   "'iteration from Gaussian noise leads to the recovery of both training sequences'",
                   f"{PNAS}, Fig. 4b")
LARGEST = Claim("The largest autoencoder stores almost all training digits as attractors",
                "'a depth of [lost] and width of [lost] is needed to store almost all (99) training examples' "
                "(of {n})", f"{_FIG5} and text 'Efficiency of Sequence Encoding'")
MORE = Claim("Increasing depth and width leads to more attractors",
             "'increasing network depth and width leads to an increase in the number of training examples stored as "
             "attractors'", f"{_FIG5}; text 'Increasing Depth and Width leads to more Attractors'")
SEQUENCES_SMALLER = Claim("Sequence encoding needs much smaller networks than autoencoding",
                          "sequences of length [lost] are all recovered by a much smaller network than the autoencoder "
                          "that stores almost all examples (Fig. 5b)", _EFFICIENCY)
ONE_CYCLE = Claim("One cycle through all {n} digits is stored with one hidden layer",
                  "'if we chain all examples as a single sequence, the entire sequence is stored using a network with "
                  "only [lost] hidden layer and [lost] hidden units' (singular 'layer')", f"{PNAS}, Fig. 5c-e")
TOWARDS_ZERO = Claim("With depth and width the top Jacobian eigenvalue at the training examples moves towards 0",
                     "'as network depth and width increases, the mode of these histograms [of the maximum eigenvalue "
                     "at each training example] shifts closer to zero'",
                     f"{PNAS}, App. Fig. 12 and text 'Increasing Depth and Width ...'")
EVERY_SETTING = Claim("Attractors arise in every setting that trains to a low loss",
                      "'attractors arise in all settings for which training converged to a sufficiently low loss "
                      "within [lost] epochs'", f"{PNAS}, App. Figs. 15-16 and text 'Attractors Arise across "
                      "Architectures ...'")
EVERY_NONLINEARITY = Claim("Does every nonlinearity store some images as attractors?",
                           "the package's reading of the tables' columns (not a separate claim of the source)",
                           own=True)
STORED = Claim("Stored images are attractors ({data_source})",
               "autoencoders trained on images store the training examples as attractors", PNAS + ", {where}")
RECOVERY = Claim("Recovery falls with corruption and resembles 1-NN ({data_source})",
                 "recovery from corrupted inputs is high and shows 'remarkable similarity' to a 1-NN classifier's "
                 "(App. Fig. 14); conjectured for high-dimensional fully connected networks",
                 f"{PNAS}, App. Fig. 14 and Discussion 'Metrics Used by Nonlinear Networks'")
NO_SPURIOUS = Claim("No spurious attractors from test images, uniform or Gaussian noise",
                    "'for the network presented in Fig. 2, we could not identify any spurious attractors' (spurious "
                    "attractors can exist in general, App. Fig. 9)", f"{PNAS}, 'Spurious Attractors'")
CLOSED_FORM = Claim("Trained rank-1 networks reach the closed form of Theorems 1-2",
                    "under Invariants 1-2 gradient descent (small steps) reaches a rank-1 solution whose top Jacobian "
                    "eigenvalue at the example has a closed form", f"{PNAS}, Theorems 1-2 (App. B)")
SWISH = Claim("Does an activation with elasticity above 1 (swish) give no attractor?",
              "a consequence of Theorem 2 this package checks (not stated by the source)", own=True)
DEEP = Claim("Deep rank-1 networks: the top eigenvalue is the product of the layers' elasticities",
             "Corollary 2 (App. C): the closed form for deep networks", f"{PNAS}, App. C, Corollary 2")


def basin_maps_claims(df: pd.DataFrame) -> list[dict]:
    """PNAS Fig. 3 from a notebook-07 table (one row per network seed)."""
    scale = (f"{int(df.n_points.iloc[0])} points, width {int(df.width.iloc[0])}, depth {int(df.depth.iloc[0])} "
             "(source: the network's size is lost from the available text)")
    c = converged_runs(df)
    ev, unmet = evidence(df), [unconverged(df, "networks")]
    frac = float((c.n_attractors / c.n_points).mean()) if len(c) else float("nan")
    dis = float(c.disagree_share.mean()) if len(c) else float("nan")
    more = "more training for the seeds above the threshold"
    out = [EVERY_POINT.row(f"{frac:.0%} of training points are attractors (mean over {len(c)} converged seeds; "
                           "per seed " + ", ".join(f"{int(a)}/{int(n)} (loss {l:.1e})" for a, n, l in
                                       zip(c.n_attractors, c.n_points, c.final_loss)) + ")",
                           graded(frac, 0.95, 0.5), "mean fraction of training points that are attractors: 95 % "
                           "agrees, half partly", evidence=ev, scale=scale, unmet=unmet, to_decide=more),
           NOT_VORONOI.row(f"basin and Voronoi label disagree on {dis:.0%} of the grid (mean over converged seeds)",
                           "agrees" if dis > 0.05 else ("disagrees" if dis == dis else "not tested"),
                           "more than 5 % of the grid lies in a basin other than its Voronoi cell", evidence=ev,
                           scale=scale, unmet=unmet, to_decide=more)]
    if "n_spurious_attractors" in df:
        n_sp = int(c.n_spurious_attractors.sum())
        out.append(NO_SPURIOUS_2D.row(f"{n_sp} spurious attractors over {len(c)} converged seeds",
                                      "agrees" if n_sp == 0 else "disagrees",
                                      "limits of the grid's iterations that are no training point, with spectral "
                                      "radius < 1", evidence=ev, scale=scale, unmet=unmet, to_decide=more))
    return out


def sequences_claims(df: pd.DataFrame) -> list[dict]:
    """PNAS Fig. 4 / Prop. 2 from a notebook-08 table (one row per part x seed x stored cycle)."""
    conv = converged_runs(df)
    stable = conv[(conv.cycle_spectral_radius < 1) & conv.orbit_ok.astype(bool)]
    v = "not tested" if not len(conv) else graded(len(stable) / len(conv), 1.0, 0.5)
    out = [LIMIT_CYCLES.row(f"{len(stable)}/{len(conv)} stored cycles of converged networks are orbits with cycle "
                            f"spectral radius < 1 (largest {conv.cycle_spectral_radius.max():.2f})" if len(conv)
                            else "no converged run", v, "all stable agrees, at least half partly",
                            evidence=evidence(df, "stored cycles"),
                            scale="width and depth of the source's encoder are lost from the available text",
                            unmet=[unconverged(df, "cycles' networks")], to_decide="more training")]
    mn = conv[conv.part == "mnist"] if "part" in conv else conv.iloc[:0]
    if len(mn) and "share_starts_to_cycle" in mn:
        reached = mn.groupby("cycle_name").share_starts_to_cycle.mean()
        out.append(FROM_NOISE.row("share of noise starts ending on each cycle: " + ", ".join(
                                      f"{k}: {x:.0%}" for k, x in reached.items()),
                                  "agrees" if (reached > 0).all() else ("partly" if (reached > 0).any() else
                                                                        "disagrees"),
                                  "every stored cycle is reached from some noise start",
                                  evidence=evidence(mn, "stored cycles"),
                                  scale="the noise's variance is lost from the available text",
                                  unmet=[unconverged(df[df.part == "mnist"], "cycles' networks")],
                                  to_decide="more training"))
    return out


def width_depth_claims(df: pd.DataFrame) -> list[dict]:
    """Claims of PNAS Fig. 5 / App. Fig. 12 from a notebook-09 table (one row per task x width x depth x seed)."""
    out = []
    N = int(df.n_images.max())
    aer = df[df.task == "autoencode"]
    ae_all = aer.groupby(["width", "depth"]).agg(
        n=("n_recovered", "mean"), loss=("final_loss", "median"), rho=("median_spectral_radius", "mean"),
        conv=("converged", "all"))
    ae = ae_all[ae_all.conv]
    widths, depths = sorted(df.width.unique()), sorted(df.depth.unique())
    scale = (f"widths {', '.join(map(str, widths))}, depths {', '.join(map(str, depths))}, {N} digits, "
             f"{df.seed.nunique()} seed(s) (source: widths and depths lost from the available text)")
    wmax, dmax = ae_all.index.get_level_values(0).max(), ae_all.index.get_level_values(1).max()
    big = ae_all.loc[(wmax, dmax)]
    v = graded(big.n / N, 0.9, 0.5)
    unmet = []
    if not big.conv:
        unmet.append(f"the largest net (width {wmax}, depth {dmax}) did not reach the loss threshold")
    if v != "agrees":
        # counts rise with width: below "almost all", a net still gaining with width has not reached the source's size
        line = ae[(ae.index.get_level_values(1) == dmax) & (ae.index.get_level_values(0) < wmax)].n
        if not len(line):
            unmet.append(f"the source's size is lost from the available text, and no narrower converged net at depth "
                         f"{dmax} shows whether the count has stopped rising with width")
        elif big.n > line.iloc[-1]:
            unmet.append(f"the source's size is lost from the available text, and the count still rises with width "
                         f"at depth {dmax} ({line.iloc[-1]:.0f} -> {big.n:.0f}): this run is not at that size")
    out.append(LARGEST.row(f"width {wmax}, depth {dmax}: {big.n:.0f}/{N} (MSE {big.loss:.1e})", v,
                           {"agrees": "at least 90 % stored", "partly": "between half and 90 % stored",
                            "disagrees": "fewer than half stored", "not tested": ""}[v], fill={"n": N},
                           evidence=evidence(aer[(aer.width == wmax) & (aer.depth == dmax)]), scale=scale, unmet=unmet,
                           to_decide="wider and deeper autoencoders until the count stops rising (paper cells of 09: "
                           "width 1024, depths 4 and 6)"))
    by_depth = ae[ae.index.get_level_values(0) == wmax].n.droplevel(0)
    by_width = ae[ae.index.get_level_values(1) == dmax].n.droplevel(1)
    k = int(grows(by_depth.tolist())) + int(grows(by_width.tolist()))
    thin = [f"fewer than two converged depths at width {wmax}" if len(by_depth) < 2 else "",
            f"fewer than two converged widths at depth {dmax}" if len(by_width) < 2 else ""]
    out.append(MORE.row(f"converged nets: width {wmax} by depth: {fmt_counts(by_depth)}; depth {dmax} by width: "
                        f"{fmt_counts(by_width)}", ["disagrees", "partly", "agrees"][k],
                        ["counts do not grow with width or depth", "counts grow in one direction only",
                         "counts grow (never falling) with width and with depth"][k],
                        evidence=evidence(aer), scale=scale, unmet=thin,
                        to_decide="more training for the nets that stopped above the threshold"))
    seq = df[(df.task == "sequence") & (df.cycle_len < N)]
    if len(seq):
        L = int(seq.cycle_len.min())
        sq = seq[seq.cycle_len == L].groupby(["width", "depth"]).agg(n=("n_recovered", "mean"),
                                                                      conv=("converged", "all"))
        s = sq[sq.conv].n
        j = s.index.intersection(ae.index)
        frac = float((s.loc[j] >= ae.n.loc[j]).mean()) if len(j) else float("nan")
        out.append(SEQUENCES_SMALLER.row(
            f"cycles of {L}: recovered >= autoencoder attractors in {frac:.0%} of the {len(j)} shapes where both "
            f"converged; smallest shape storing all {N}: "
            + ("width {}, depth {}".format(*map(int, s[s >= N].index.min())) if (s >= N).any() else "none"),
            graded(frac, 1.0, 0.5), "share of (width, depth) cells where the sequence encoder stores at least as many "
            "examples as the autoencoder", evidence=evidence(seq[seq.cycle_len == L]), scale=scale,
            unmet=["no shape where both the sequence encoder and the autoencoder converged" if not len(j) else ""],
            to_decide="more training"))
    full = df[(df.task == "sequence") & (df.cycle_len == N)]
    if len(full):
        one = full[full.depth == full.depth.min()]
        okr = one[(one.n_recovered >= N) & one.converged.astype(bool)]
        out.append(ONE_CYCLE.row(f"depth {one.depth.min()}: widths storing it: "
                                 + (", ".join(str(w) for w in sorted(okr.width.unique())) or "none"),
                                 "agrees" if len(okr) and one.depth.min() == 1 else "disagrees",
                                 "retrieved by iteration and stable by Prop. 2" if len(okr) else
                                 "no shallow net retrieves it", fill={"n": N}, evidence=evidence(one), scale=scale,
                                 unmet=[unconverged(one, "one-hidden-layer sequence encoders") if not len(okr) else ""],
                                 to_decide="more training"))
    rho_d = ae[ae.index.get_level_values(0) == wmax].rho.droplevel(0)
    rho_w = ae[ae.index.get_level_values(1) == dmax].rho.droplevel(1)
    k = int(nonincreasing(rho_d.tolist()) and rho_d.iloc[-1] < rho_d.iloc[0]) + \
        int(nonincreasing(rho_w.tolist()) and rho_w.iloc[-1] < rho_w.iloc[0])
    out.append(TOWARDS_ZERO.row(f"median over the digits of the top |eigenvalue|, converged nets: width {wmax} by "
                                "depth: " + ", ".join(f"{d}: {r:.2f}" for d, r in rho_d.items())
                                + f"; depth {dmax} by width: " + ", ".join(f"{w}: {r:.2f}" for w, r in rho_w.items()),
                                ["disagrees", "partly", "agrees"][k],
                                ["falls neither with depth nor with width", "falls in one direction only",
                                 "falls (never rising) with depth and with width"][k],
                                evidence=evidence(aer), scale=scale, unmet=thin, to_decide="more training"))
    return out


def optimizer_claims(df: pd.DataFrame) -> list[dict]:
    """Claims of PNAS App. Figs. 15-16 from a notebook-11 table (one row per table x row x nonlinearity x seed)."""
    N = int(df.n_images.max())
    conv = converged_runs(df)
    scale = (f"{N} images ({df.data_source.iloc[0]}), width {int(df.width.iloc[0])}, depth {int(df.depth.iloc[0])} "
             "(source: black-and-white CIFAR-10; width, depth and epochs lost from the available text)")
    n_with = int((conv.n_attractors > 0).sum())
    frac = n_with / len(conv) if len(conv) else float("nan")
    none = conv[conv.n_attractors == 0]
    out = [EVERY_SETTING.row(f"{n_with}/{len(conv)} converged runs hold attractors; {len(df) - len(conv)}/{len(df)} "
                             "did not converge" + ("; converged with none: " + ", ".join(
                                 f"{r.optimizer if r.table == 'optimizer' else r.init}/{r.activation} "
                                 f"(median top |eig| {r.median_spectral_radius:.2f})" for r in none.itertuples())
                                               if len(none) else ""),
                             graded(frac, 1.0, 0.5) if len(conv) else "not reached",
                             "share of converged runs with at least one attractor (1.0 needed to agree)",
                             evidence=evidence(df), scale=scale,
                             unmet=["no run reached the loss threshold"] if not len(conv) else [],
                             to_decide="a budget that lets the slow optimizers converge (paper cells of 11)")]
    acts = conv.groupby("activation").n_attractors.max()
    untested = [a for a in sorted(df.activation.unique()) if a not in acts.index]
    zero = [a for a in acts.index if acts[a] == 0]
    if zero:
        v = "partly" if len(zero) < len(acts) else "disagrees"
        why = "converged runs store none with " + ", ".join(zero)
    elif untested:
        v, why = "partly", "every nonlinearity that converged stores some; no run converged with " + ", ".join(untested)
    else:
        v, why = "agrees", "every nonlinearity stores some"
    out.append(EVERY_NONLINEARITY.row("max attractors per nonlinearity over converged runs: "
                                      + (fmt_counts(acts, f"/{N}") or "none converged"),
                                      v, why, evidence=evidence(df), scale=scale))
    return out


def recovery_claims(curve: pd.DataFrame, meta: pd.DataFrame, spurious: pd.DataFrame) -> list[dict]:
    """Claims of PNAS Fig. 2 / App. Figs. 7, 8, 14 from notebook 12's recovery curves, per-store summary and
    spurious search."""
    out = []
    fig = {"MNIST": "App. Fig. 7 (MNIST)"}
    for m in meta.itertuples():
        where = fig.get(m.data_source, "App. Fig. 8 (black-and-white CIFAR-10)" if "patches" in m.data_source.lower()
                        or "cifar" in m.data_source.lower() else "Fig. 2 (ImageNet-64)")
        scale = (f"{m.n_images} images, width {m.width}, depth {m.depth}, {m.activation} (source Fig. 2: 500 "
                 "ImageNet-64 images, cosid; other sizes lost from the available text)")
        unmet = ["the network did not reach its loss threshold"] if not m.converged else []
        frac = m.n_attractors / m.n_images
        out.append(STORED.row(f"{m.n_attractors}/{m.n_images} (MSE {m.final_loss:.1e}, converged={m.converged})",
                              graded(frac, 0.9, 0.5), "share of stored images that are attractors (0.9 to agree, 0.5 "
                              "partly)", fill={"data_source": m.data_source, "where": where},
                              evidence=f"1 network, {m.n_images} images", scale=scale, unmet=unmet,
                              to_decide="training to the threshold (paper cells of 12)"))
        c = curve[curve.data_source == m.data_source]
        falls = all(g.sort_values("level").recovery_iteration.iloc[-1]
                    < g.sort_values("level").recovery_iteration.iloc[0] for _, g in c.groupby("kind"))
        gap = float((c.recovery_iteration - c.recovery_1nn).abs().mean())
        v = "agrees" if gap <= 0.1 else ("partly" if gap <= 0.25 else "disagrees")
        out.append(RECOVERY.row(f"falls with both corruptions: {falls}; mean |iteration - 1-NN| over levels {gap:.2f}",
                                v if falls else "disagrees",
                                "mean gap to 1-NN <= 0.10 agrees, <= 0.25 partly" + ("" if falls else
                                                                                     "; recovery does not fall"),
                                fill={"data_source": m.data_source}, evidence=f"1 network, {len(c)} corruption levels",
                                scale=scale, unmet=unmet, to_decide="training to the threshold (paper cells of 12)"))
    n_sp = int(spurious.n_spurious_attractors.sum())
    n_set = int(spurious.n_starts_settled.sum())
    out.append(NO_SPURIOUS.row(f"{n_sp} spurious attractors; {n_set} of {int(spurious.n_starts.sum())} starts settled",
                               "agrees" if n_sp == 0 else "disagrees",
                               "limits farther than match_tol from every stored image with spectral radius < 1"
                               + ("; note: few starts settled, so this is weak evidence"
                                  if n_set < 0.2 * spurious.n_starts.sum() else ""),
                               evidence=f"{int(spurious.n_starts.sum())} starts",
                               scale="this package's MNIST network (source: the Fig. 2 network, 500 ImageNet-64 "
                               "images)",
                               unmet=["not the Fig. 2 network: ImageNet-64 is not available here, and the claim is "
                                      "about that network only"], to_decide="ImageNet-64 (not shipped; a download) at "
                               "the Fig. 2 size (lost from the available text)"))
    return out


def _max_error_row(the: Claim, rows: pd.DataFrame, agrees: float, partly: float, why: str, **kw) -> dict:
    """The row of ``the`` graded on the largest relative error over ``rows``."""
    e = float(rows.rel_error.abs().max())
    return the.row(f"largest relative error {e:.1e} over {len(rows)} runs",
                   graded(e, agrees, partly, higher_is_better=False), why, evidence=evidence(rows), **kw)


def theory_claims(df: pd.DataFrame) -> list[dict]:
    """PNAS Theorems 1-2 / App. C from a notebook-13 table."""
    out = []
    w = converged_runs(df[df.experiment == "width"])
    if len(w):
        out.append(_max_error_row(CLOSED_FORM, w, 1e-2, 1e-1, "within 1 % agrees, within 10 % partly",
                                  scale="one hidden layer, one example, rank-1 initialisation (as the theorems)"))
        sw = w[w.activation == "swish"]
        if len(sw):
            out.append(SWISH.row(f"swish: trained top eigenvalue {sw.trained_lambda.min():.3f} to "
                                 f"{sw.trained_lambda.max():.3f}", "agrees" if (sw.trained_lambda > 1).all() else
                                 "disagrees", "agrees: every swish run has an eigenvalue above 1",
                                 evidence=evidence(sw)))
    d = converged_runs(df[df.experiment == "depth"])
    if len(d):
        out.append(_max_error_row(DEEP, d, 1e-6, 1e-3, "within 1e-6 agrees, within 1e-3 partly",
                                  scale="rank-1 initialisation, one example (as the corollary)"))
    return out
