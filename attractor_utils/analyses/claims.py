"""Paper claim against measured value: the table each reproduction notebook ends with.

A notebook builds one :func:`claim` per finding of the paper, with the measured value and the verdict
computed from its own results (never typed), and prints / saves :func:`claims_table`. Verdicts are
"agrees", "partly", "disagrees" or "not tested" (the preset does not contain the cells the claim needs).
"""
from __future__ import annotations

import math

import pandas as pd

from ..plotting import save_csv

__all__ = ["VERDICTS", "claim", "graded", "decade_above", "claims_table", "save_claims", "relu_grid_claims", "width_depth_claims",
           "optimizer_claims", "recovery_claims", "flow_limit_claim",
           "beyond_linear_claims", "basins_claims", "activations_claims", "linear_region_claims", "basin_maps_claims",
           "sequences_claims", "generalization_claims", "theory_claims"]

VERDICTS = ("agrees", "partly", "disagrees", "not tested")


def claim(claim: str, paper: str, measured: str, verdict: str, reason: str) -> dict:
    """One row: the paper's claim, its number or statement, what this run measured, a verdict, and why."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict={verdict!r}; accepted values: {list(VERDICTS)}")
    return {"claim": claim, "paper": paper, "measured": measured, "verdict": verdict, "reason": reason}


def graded(value: float, agrees: float, partly: float, *, higher_is_better: bool = True) -> str:
    """"agrees" when ``value`` reaches ``agrees``, "partly" when it reaches ``partly``, else "disagrees"
    (reversed comparisons with ``higher_is_better=False``); NaN gives "not tested"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not tested"
    s = 1 if higher_is_better else -1
    if s * value >= s * agrees:
        return "agrees"
    if s * value >= s * partly:
        return "partly"
    return "disagrees"


def claims_table(rows: list[dict]) -> pd.DataFrame:
    """The claims as a DataFrame (columns claim, paper, measured, verdict, reason)."""
    return pd.DataFrame(rows, columns=["claim", "paper", "measured", "verdict", "reason"])


def save_claims(rows: list[dict], name: str) -> pd.DataFrame:
    """Print the table (one block per claim, readable in a notebook and in nbval) and write ``<name>.csv``."""
    df = claims_table(rows)
    for r in df.itertuples():
        print(f"[{r.verdict.upper()}] {r.claim}\n    paper: {r.paper}\n    measured: {r.measured}\n    why: {r.reason}")
    save_csv(df, name)
    return df


def _nondecreasing(v) -> bool:
    v = [x for x in v if x == x]
    return len(v) >= 2 and all(b >= a for a, b in zip(v, v[1:]))


def _grows(v) -> bool:
    """Never falls, and ends above where it starts (all-zero counts do not grow)."""
    return _nondecreasing(v) and v[-1] > v[0]


def _fmt_counts(s: pd.Series, unit: str = "") -> str:
    return ", ".join(f"{k}: {v:.0f}{unit}" for k, v in s.items())


def relu_grid_claims(df: pd.DataFrame, thesis_fp: dict[int, float] | None = None) -> list[dict]:
    """Claims of the thesis's ReLU grid (seed 000) from a notebook-06 table (one row per run)."""
    thesis_fp = thesis_fp or {1: 0.82, 2: 0.36, 3: 0.19}
    out = []
    nb, wb = df[~df.bias], df[df.bias]
    n_img = int(df.n_images.max())
    if len(nb):
        tot = int(nb.n_attractors.sum())
        out.append(claim("Without bias no attractors appear", "0 attractors in every bias-free run",
                         f"{tot} attractors in {len(nb)} bias-free runs (max homogeneity residual "
                         f"{nb.median_homogeneity_residual.max():.1e})",
                         "agrees" if tot == 0 else "disagrees",
                         "bias-free ReLU nets are positively homogeneous: J(x)x = f(x), so a fixed point has eigenvalue 1"
                         if tot == 0 else "some bias-free run has an attractor, against the homogeneity argument"))
    else:
        out.append(claim("Without bias no attractors appear", "0 attractors", "no bias-free run", "not tested",
                         "the preset trains no bias-free run"))
    main = wb[wb.dataset == wb.dataset.iloc[0]] if len(wb) else wb
    if len(main) and main.depth.nunique() >= 2:
        wmax = main.width.max()
        by = main[main.width == wmax].groupby("depth").agg(a=("n_attractors", "mean"), loss=("final_loss", "median"))
        deepest, shallow = by.a.iloc[-1], by.a.iloc[0]
        v = "agrees" if (_nondecreasing(by.a.tolist()) and deepest > shallow) else ("partly" if deepest > shallow
                                                                                      else "disagrees")
        out.append(claim("Sufficient depth is needed for attractors (with bias)",
                         "attractors appear only with enough hidden layers",
                         f"width {wmax}, {main.data_source.iloc[0]}: attractors by depth "
                         + ", ".join(f"{d}: {r.a:.0f} (MSE {r.loss:.1e})" for d, r in by.iterrows()),
                         v, "counts grow with depth" if v == "agrees" else
                         ("more at the deepest than the shallowest depth, but not monotone" if v == "partly"
                          else "the deepest net has no more attractors than the shallowest")))
    else:
        out.append(claim("Sufficient depth is needed for attractors (with bias)", "", "fewer than two depths",
                         "not tested", "the preset has fewer than two depths with bias"))
    fp = (main.groupby("depth")[["n_false_positives", "n_iterative_fixed_points"]].sum() if len(main)
          else pd.DataFrame(columns=["n_false_positives", "n_iterative_fixed_points"]))
    rates = {d: (r.n_false_positives / r.n_iterative_fixed_points if r.n_iterative_fixed_points else float("nan"))
             for d, r in fp.iterrows() if d in thesis_fp}
    known = {d: r for d, r in rates.items() if r == r}
    if len(known) >= 2:
        dec = all(known[b] <= known[a] for a, b in zip(sorted(known), sorted(known)[1:]))
        close = all(abs(known[d] - thesis_fp[d]) <= 0.15 for d in known)
        v = "agrees" if dec and close else ("partly" if dec else "disagrees")
        out.append(claim("Many iterative fixed points are false positives at depths 1, 2, 3",
                         ", ".join(f"depth {d}: {p:.0%}" for d, p in thesis_fp.items()),
                         ", ".join(f"depth {d}: {r:.0%} ({int(fp.loc[d].n_false_positives)}/"
                                   f"{int(fp.loc[d].n_iterative_fixed_points)})" for d, r in known.items()),
                         v, "falls with depth and within 15 points of the thesis" if v == "agrees" else
                         ("falls with depth, but the rates differ from the thesis by more than 15 points"
                          if v == "partly" else "the rate does not fall with depth")))
    else:
        out.append(claim("Many iterative fixed points are false positives at depths 1, 2, 3",
                         ", ".join(f"depth {d}: {p:.0%}" for d, p in thesis_fp.items()),
                         "rates: " + (", ".join(f"depth {d}: " + (f"{r:.0%}" if r == r else "no iteration settled")
                                                for d, r in rates.items()) or "none"),
                         "not tested", "fewer than two of depths 1-3 have iterative fixed points to classify"))
    if len(wb) >= 2:
        lo = wb.sort_values("final_loss")
        pair = [(a, b) for a in lo.itertuples() for b in lo.itertuples()
                if a.final_loss < b.final_loss and a.n_attractors < b.n_attractors]
        if pair:
            a, b = pair[0]
            m = (f"depth {a.depth}, width {a.width} ({a.dataset}): MSE {a.final_loss:.1e}, {a.n_attractors} attractors; "
                 f"depth {b.depth}, width {b.width} ({b.dataset}): MSE {b.final_loss:.1e}, {b.n_attractors}")
        else:
            m = "the attractor count never falls as the loss falls across runs with bias"
        out.append(claim("A good loss does not imply many attractors", "low-loss nets with few attractors", m,
                         "agrees" if pair else "disagrees",
                         "a run with a lower loss has fewer attractors than one with a higher loss" if pair else
                         "across these runs a lower loss always comes with at least as many attractors"))
    ds = wb.groupby("dataset").agg(w=("width", "nunique"), d=("depth", "nunique")) if len(wb) else None
    if ds is not None and len(ds) >= 2 and (ds.w >= 2).all() and (ds.d >= 2).all():
        rng = {k: (g.groupby("depth").n_attractors.mean().agg(["min", "max"]).diff().iloc[-1],
                   g.groupby("width").n_attractors.mean().agg(["min", "max"]).diff().iloc[-1]) for k, g in wb.groupby("dataset")}
        img = [k for k in rng if k != "uniform_images"][0]
        ok = rng[img][0] >= rng[img][1] and rng.get("uniform_images", (0, 0))[1] >= rng.get("uniform_images", (0, 0))[0]
        out.append(claim("With bias, CIFAR-10 is more sensitive to depth and random images to width",
                         "as stated", "; ".join(f"{k}: range over depths {v[0]:.0f}, over widths {v[1]:.0f}"
                                                for k, v in rng.items()),
                         "agrees" if ok else "disagrees", "range of the mean count over depths vs over widths"))
    else:
        rnd = wb[wb.dataset == "uniform_images"]
        out.append(claim("With bias, CIFAR-10 is more sensitive to depth and random images to width", "as stated",
                         ("random images: " + ", ".join(f"depth {r.depth}, width {r.width}: {r.n_attractors}/{n_img} "
                                                        f"(MSE {r.final_loss:.1e})" for r in rnd.itertuples()))
                         if len(rnd) else "no random-image run with bias",
                         "not tested", "needs two or more widths and depths for both data sets (the paper preset)"))
    return out


def width_depth_claims(df: pd.DataFrame) -> list[dict]:
    """Claims of PNAS Fig. 5 / App. Fig. 12 from a notebook-09 table (one row per task x width x depth x seed)."""
    out = []
    N = int(df.n_images.max())
    ae = df[df.task == "autoencode"].groupby(["width", "depth"]).agg(
        n=("n_recovered", "mean"), loss=("final_loss", "median"), rho=("median_spectral_radius", "mean"),
        conv=("converged", "mean"))
    wmax, dmax = ae.index.get_level_values(0).max(), ae.index.get_level_values(1).max()
    big = ae.loc[(wmax, dmax)]
    v = graded(big.n / N, 0.9, 0.5)
    out.append(claim("The largest autoencoder stores almost all training digits as attractors",
                     f"nearly all of {N} (99 for the paper's largest net)",
                     f"width {wmax}, depth {dmax}: {big.n:.0f}/{N} (MSE {big.loss:.1e})", v,
                     {"agrees": "at least 90 % stored", "partly": "between half and 90 % stored",
                      "disagrees": "fewer than half stored"}[v] if v != "not tested" else ""))
    by_depth = ae.xs(wmax, level="width").n
    by_width = ae.xs(dmax, level="depth").n
    k = int(_grows(by_depth.tolist())) + int(_grows(by_width.tolist()))
    out.append(claim("More width and depth give more attractors", "counts grow with width and with depth",
                     f"width {wmax} by depth: {_fmt_counts(by_depth)}; depth {dmax} by width: {_fmt_counts(by_width)}",
                     ["disagrees", "partly", "agrees"][k],
                     ["counts do not grow with width or depth", "counts grow in one direction only",
                      "counts grow (never falling) with width and with depth"][k]))
    seq = df[(df.task == "sequence") & (df.cycle_len < N)]
    if len(seq):
        L = int(seq.cycle_len.min())
        s = seq[seq.cycle_len == L].groupby(["width", "depth"]).n_recovered.mean()
        j = s.index.intersection(ae.index)
        frac = float((s.loc[j] >= ae.n.loc[j]).mean())
        out.append(claim("Sequence encoding needs much smaller networks than autoencoding",
                         "short cycles are stored by networks far too small to store the digits as attractors",
                         f"cycles of {L}: recovered >= autoencoder attractors in {frac:.0%} of the {len(j)} shapes; "
                         f"smallest shape storing all {N}: "
                         + ("width {}, depth {}".format(*map(int, s[s >= N].index.min())) if (s >= N).any()
                            else "none"),
                         graded(frac, 1.0, 0.5), "share of (width, depth) cells where the sequence encoder stores "
                                                  "at least as many examples as the autoencoder"))
    full = df[(df.task == "sequence") & (df.cycle_len == N)]
    if len(full):
        one = full[full.depth == full.depth.min()]
        ok = one[one.n_recovered >= N]
        out.append(claim(f"One cycle through all {N} digits is stored with one hidden layer",
                         "stored and retrieved by a one-hidden-layer network",
                         f"depth {one.depth.min()}: widths storing it: "
                         + (", ".join(str(w) for w in sorted(ok.width.unique())) or "none"),
                         "agrees" if len(ok) and one.depth.min() == 1 else "disagrees",
                         "retrieved by iteration and stable by Prop. 2" if len(ok) else "no shallow net retrieves it"))
    rho = ae.xs(wmax, level="width").rho
    dec = all(b <= a for a, b in zip(rho, rho.iloc[1:]))
    v = "agrees" if dec and rho.iloc[-1] < 1 else ("partly" if dec else "disagrees")
    out.append(claim("With depth the top Jacobian eigenvalue at the digits moves towards 0 (App. Fig. 12)",
                     "histograms shift below 1 towards 0",
                     f"width {wmax}, median top |eigenvalue| by depth: " + ", ".join(f"{d}: {r:.2f}" for d, r in rho.items()),
                     v, {"agrees": "falls with depth and ends below 1", "partly": "falls with depth but stays above 1",
                         "disagrees": "does not fall with depth"}[v]))
    return out


def optimizer_claims(df: pd.DataFrame) -> list[dict]:
    """Claims of PNAS App. Figs. 15-16 from a notebook-11 table (one row per table x row x nonlinearity x seed)."""
    out = []
    N = int(df.n_images.max())
    conv = df[df.converged]
    n_with = int((conv.n_attractors > 0).sum())
    frac = n_with / len(conv) if len(conv) else float("nan")
    none = conv[conv.n_attractors == 0]
    out.append(claim("Attractors arise in every setting that trains to a low loss",
                     "every converged cell of both tables holds attractors",
                     f"{n_with}/{len(conv)} converged runs hold attractors; {len(df) - len(conv)}/{len(df)} did not "
                     "converge" + ("; converged with none: " + ", ".join(
                         f"{r.optimizer if r.table == 'optimizer' else r.init}/{r.activation} "
                         f"(median top |eig| {r.median_spectral_radius:.2f})" for r in none.itertuples())
                                   if len(none) else ""),
                     graded(frac, 1.0, 0.5),
                     "share of converged runs with at least one attractor (1.0 needed to agree)"))
    acts = conv.groupby("activation").n_attractors.max()
    all_acts = sorted(df.activation.unique())
    untested = [a for a in all_acts if a not in acts.index]
    zero = [a for a in acts.index if acts[a] == 0]
    if zero:
        v = "partly" if len(zero) < len(acts) else "disagrees"
        why = "converged runs store none with " + ", ".join(zero)
    elif untested:
        v, why = "partly", "every nonlinearity that converged stores some; no run converged with " + ", ".join(untested)
    else:
        v, why = "agrees", "every nonlinearity stores some"
    out.append(claim("Every nonlinearity can store images as attractors",
                     "each column has nonzero cells", "max attractors per nonlinearity over converged runs: "
                     + (_fmt_counts(acts, f"/{N}") or "none converged"), v, why))
    return out


def recovery_claims(curve: pd.DataFrame, meta: pd.DataFrame, spurious: pd.DataFrame) -> list[dict]:
    """Claims of PNAS Fig. 2 / App. Fig. 14 from notebook 12's recovery curves, per-store summary and spurious search."""
    out = []
    for m in meta.itertuples():
        frac = m.n_attractors / m.n_images
        v = graded(frac, 0.9, 0.5)
        out.append(claim(f"Stored images are attractors ({m.data_source})", "all stored images",
                         f"{m.n_attractors}/{m.n_images} (MSE {m.final_loss:.1e}, converged={m.converged})", v,
                         "share of stored images that are attractors (0.9 to agree, 0.5 partly)"))
        c = curve[curve.data_source == m.data_source]
        falls = all(g.sort_values("level").recovery_iteration.iloc[-1] < g.sort_values("level").recovery_iteration.iloc[0]
                    for _, g in c.groupby("kind"))
        gap = float((c.recovery_iteration - c.recovery_1nn).abs().mean())
        v = "agrees" if gap <= 0.1 else ("partly" if gap <= 0.25 else "disagrees")
        out.append(claim(f"Recovery falls with corruption and resembles 1-NN ({m.data_source})",
                         "high at low corruption, falling, similar to 1-NN (App. Fig. 14)",
                         f"falls with both corruptions: {falls}; mean |iteration - 1-NN| over levels {gap:.2f}",
                         v if falls else "disagrees",
                         "mean gap to 1-NN <= 0.10 agrees, <= 0.25 partly" + ("" if falls else "; recovery does not fall")))
    n_sp = int(spurious.n_spurious_attractors.sum())
    n_set = int(spurious.n_settled.sum())
    out.append(claim("No spurious attractors from test images, uniform or Gaussian noise",
                     "none found for the Fig. 2 network",
                     f"{n_sp} spurious attractors; {n_set} of {int(spurious.n_starts.sum())} starts settled",
                     "agrees" if n_sp == 0 else "disagrees",
                     "limits farther than match_tol from every stored image with spectral radius < 1"
                     + ("; note: few starts settled, so this is weak evidence" if n_set < 0.2 * spurious.n_starts.sum()
                        else "")))
    return out


def decade_above(x: float) -> str:
    """The power of ten just above ``x`` (> 0), as printed: 0.021 -> "0.1", 3 -> "10"."""
    return f"{10.0 ** math.floor(math.log10(x) + 1):g}" if x > 0 else "0"


def _coarse(x: float) -> str:
    """A step size to the precision that survives another CPU: whole numbers from 1, one digit below."""
    return f"{x:.0f}" if x >= 1 else f"{x:.1g}"


def flow_limit_claim(halving: pd.DataFrame, study: pd.DataFrame | None = None,
                     quantity: str = "largest |eigenvalue|") -> dict:
    """Whether the runs are in the gradient-flow limit the theory assumes, from
    :func:`attractor_utils.analyses.stepsize.halving_check` (and, if given, a :func:`~attractor_utils.analyses.stepsize.step_size_study`,
    whose largest fixed gradient-descent step is quoted against the flow)."""
    if not len(halving):
        return claim("The results are in the gradient-flow limit", "the theory is stated for gradient flow",
                     "no halving check", "not tested", "the preset runs no halving check")
    worst = float(halving.rel_change.max())
    # coarse numbers: the flow's adaptive steps differ in their last digits between CPUs (issue 17), and these
    # lines are checked by nbval
    m = (f"halving the step (flow tolerance / 8) moves the {quantity} by less than {decade_above(100 * worst)} % "
         f"over {len(halving)} configurations (median steps {_coarse(halving.lr.min())} to "
         f"{_coarse(halving.lr.max())})")
    if study is not None and (study.method == "gd").any() and (study.method == "flow").any():
        ref = float(study[study.method == "flow"].sort_values("flow_tol").value.iloc[0])
        big = study[study.method == "gd"].sort_values("lr").iloc[-1]
        m += f"; fixed-step gradient descent at lr {big.lr:g} is {abs(big.value - ref) / abs(ref):.0%} away from the flow"
    v = graded(worst, 0.02, 0.05, higher_is_better=False)
    return claim("The results are in the gradient-flow limit", "the theory is stated for gradient flow", m, v,
                 "every value moves by less than 2 % when the step halves" if v == "agrees" else
                 ("some value moves by 2-5 % when the step halves" if v == "partly" else
                  "some value moves by more than 5 % when the step halves"))


def beyond_linear_claims(df: pd.DataFrame) -> list[dict]:
    """Claims of Jiang & Pehlevan Fig. 3 from a notebook-03 table (one row per n x width x radius x seed, with
    ``max_abs_eig`` the largest modulus over the training points)."""
    m = df.groupby(["n_points", "width", "radius"]).max_abs_eig.mean().reset_index()
    conv = df.groupby(["n_points", "width", "radius"]).converged.all().reset_index().converged
    m = m[conv.values]
    out = []
    r0, r1 = m.radius.min(), m.radius.max()
    lo = m[m.radius == r0]
    out.append(claim("At small radius the network is in the linear region", "largest modulus near 1 at small r",
                     f"r = {r0:g}: " + ", ".join(f"n {int(a.n_points)}, width {a.width:.0e}: {a.max_abs_eig:.2f}"
                                                 for a in lo.itertuples()),
                     "not tested" if not len(lo) else ("agrees" if lo.max_abs_eig.min() >= 0.9 else
                                                         ("partly" if lo.max_abs_eig.max() >= 0.9 else "disagrees")),
                     "converged runs at the smallest radius; >= 0.9 counts as near 1"))
    first = {}
    for (n, w), g in m.groupby(["n_points", "width"]):
        below = g.sort_values("radius")
        ok = [r for r in below.radius if (below[below.radius >= r].max_abs_eig < 1).all()]
        first[(n, w)] = min(ok) if ok else float("nan")
    reach = [v for v in first.values() if v == v]
    by_n = pd.Series({n: max(v for (nn, w), v in first.items() if nn == n and v == v)
                      for n in sorted({k[0] for k in first}) if any(nn == n and v == v for (nn, w), v in first.items())})
    out.append(claim("Large radius makes every training point an attractor, later for more points",
                     "largest modulus falls below 1 as r grows; the larger n, the larger the r needed",
                     "radius from which every width stays below 1: " + (", ".join(f"n {n}: r {r:g}" for n, r in by_n.items())
                                                                       or "none"),
                     "not tested" if not first else ("agrees" if len(reach) == len(first) and _nondecreasing(by_n.tolist())
                                                     else ("partly" if reach else "disagrees")),
                     "every (n, width) falls below 1 and stays there" + ("" if len(reach) == len(first) else
                                                                         f" ({len(first) - len(reach)} do not)")))
    top = m[m.radius == r1]
    spread = {n: (g.max_abs_eig.max() / g.max_abs_eig.min()) for n, g in top.groupby("n_points") if g.width.nunique() > 1}
    worst = max(spread.values()) if spread else float("nan")
    out.append(claim("The curves of different widths lie close together (NTK limit)", "close for widths 1e3-1e6",
                     f"r = {r1:g}, largest / smallest over widths: " + (", ".join(f"n {n}: {s:.2f}x" for n, s in spread.items())
                                                                       or "one width only"),
                     graded(worst, 1.2, 1.5, higher_is_better=False) if spread else "not tested",
                     "within 20 % agrees, within 50 % partly, at the largest radius (converged runs)"))
    return out


def basins_claims(df: pd.DataFrame) -> list[dict]:
    """Jiang & Pehlevan Fig. 5 from a notebook-04 table (one row per radius x noise radius x seed)."""
    t = df.pivot_table(index="radius", columns="noise_radius", values="success_rate", aggfunc="mean")
    if len(t) < 2:
        return [claim("Basins grow with the input norm", "success rate rises with r", "one radius", "not tested",
                      "the preset has one input radius")]
    grows = {nr: _nondecreasing(t[nr].tolist()) and t[nr].iloc[-1] > t[nr].iloc[0] for nr in t.columns}
    ends = {nr: t[nr].iloc[-1] > t[nr].iloc[0] for nr in t.columns}
    v = "agrees" if all(grows.values()) else ("partly" if all(ends.values()) else "disagrees")
    return [claim("Basins grow with the input norm", "success rate rises with r, for every noise radius",
                  "; ".join(f"noise {nr:g}: " + ", ".join(f"r {r:g}: {p:.2f}" for r, p in t[nr].items()) for nr in t.columns),
                  v, "never falls as r grows and ends higher, for every noise radius" if v == "agrees" else
                  ("higher at the largest than at the smallest radius, but not monotone" if v == "partly" else
                   "some noise radius ends no higher than it starts"))]


def activations_claims(df: pd.DataFrame) -> list[dict]:
    """Jiang & Pehlevan Fig. 6 from a notebook-05 table (one row per activation x radius x seed)."""
    t = df[df.converged].pivot_table(index="radius", columns="activation", values="max_abs_eig", aggfunc="mean")
    if len(t) < 2:
        return [claim("Large radius makes the points attractors for every activation", "as stated", "one radius",
                      "not tested", "the preset has one radius")]
    r1 = t.index.max()
    falls = {a: t[a].iloc[-1] < t[a].iloc[0] for a in t.columns}
    below = {a: t[a].iloc[-1] < 1 for a in t.columns}
    v = "agrees" if all(falls.values()) and all(below.values()) else ("partly" if any(below.values()) else "disagrees")
    return [claim("Large radius makes the points attractors for every activation",
                  "largest modulus falls below 1 as r grows, for sigmoid, erf and tanh",
                  f"r {t.index.min():g} -> {r1:g}: " + ", ".join(f"{a}: {t[a].iloc[0]:.2f} -> {t[a].iloc[-1]:.2f}"
                                                                for a in t.columns),
                  v, "every activation falls below 1 (converged runs, mean over seeds)" if v == "agrees" else
                  "not every activation ends below 1")]


def linear_region_claims(df: pd.DataFrame) -> list[dict]:
    """Jiang & Pehlevan Lemma 4 from a notebook-02 table (one row per n x seed)."""
    t = df.groupby("n_points").agg(near=("frac_near_1", "mean"), lemma=("lemma4_fraction", "first"))
    worst = float((t.near - t.lemma).abs().max())
    return [claim("In the linear region about n - 1 eigenvalues sit at modulus 1 (Lemma 4)",
                  "fraction of moduli near 1 = (n - 1) / dim",
                  ", ".join(f"n {n}: {r.near:.2f} vs {r.lemma:.2f}" for n, r in t.iterrows()),
                  graded(worst, 0.05, 0.15, higher_is_better=False),
                  "largest gap to (n - 1) / dim over n; within 0.05 agrees, within 0.15 partly")]


def basin_maps_claims(df: pd.DataFrame) -> list[dict]:
    """PNAS Fig. 3 from a notebook-07 table (one row per network seed)."""
    frac = float((df.n_attractors / df.n_points).mean())
    dis = float(df.disagree_share.mean())
    return [claim("Every training point becomes an attractor", "all training points are attractors (Fig. 3)",
                  f"{frac:.0%} of training points are attractors (mean over {len(df)} seeds; per seed "
                  + ", ".join(f"{int(a)}/{int(n)} (loss {l:.1e})" for a, n, l in
                              zip(df.n_attractors, df.n_points, df.final_loss)) + ")",
                  graded(frac, 0.95, 0.5), "mean fraction of training points that are attractors"),
            claim("Basins of attraction are not the Voronoi cells of the training points",
                  "basins differ from the Voronoi diagram (Fig. 3)",
                  f"basin and Voronoi label disagree on {dis:.0%} of the grid (mean over seeds)",
                  "agrees" if dis > 0.05 else "disagrees", "share of grid points whose basin is not their Voronoi cell")]


def sequences_claims(df: pd.DataFrame) -> list[dict]:
    """PNAS Fig. 4 / Prop. 2 from a notebook-08 table (one row per part x seed x stored cycle)."""
    conv = df[df.converged.astype(bool)]
    stable = conv[(conv.cycle_spectral_radius < 1) & conv.orbit_ok.astype(bool)]
    v = "not tested" if not len(conv) else graded(len(stable) / len(conv), 1.0, 0.5)
    return [claim("Stored cycles are stable limit cycles (Prop. 2)",
                  "spectral radius of the Jacobian product around each cycle < 1",
                  f"{len(stable)}/{len(conv)} stored cycles of converged networks are orbits with cycle spectral "
                  f"radius < 1 (largest {conv.cycle_spectral_radius.max():.2f})" if len(conv) else "no converged run",
                  v, "all stable agrees, at least half partly")]


def generalization_claims(df: pd.DataFrame) -> list[dict]:
    """Notebook 10: the talk's question, answered with the papers' criterion on the widest converged network."""
    conv = df[df.converged.astype(bool)]
    if not len(conv):
        return [claim("Training points become attractors in the widest fitted network", "", "no converged run",
                      "not tested", "no width reached the loss threshold")]
    w = conv[conv.width == conv.width.max()]
    frac = float((w.n_attractors / w.n_train).mean())
    return [claim("Training points become attractors in the widest fitted network",
                  "over-parameterized autoencoders store their training points as attractors (both papers)",
                  f"width {int(w.width.iloc[0])}: {frac:.0%} of {int(w.n_train.iloc[0])} training points are attractors "
                  f"(final loss {w.final_loss.max():.1e} or lower); "
                  f"validation points sent to a training point: {w.frac_val_to_train.mean():.0%}; one-step validation "
                  f"error {w.val_one_step_error.mean():.3g} vs nearest-training-point distance {w.val_nn_distance.mean():.3g}",
                  graded(frac, 0.9, 0.5),
                  "fraction of training points that are attractors (Jiang & Pehlevan: this needs a large input norm "
                  "relative to the number of points)")]


def _max_error_claim(rows: pd.DataFrame, what: str, paper: str, agrees: float, partly: float, why: str) -> dict:
    e = float(rows.rel_error.abs().max())
    return claim(what, paper, f"largest relative error {e:.1e} over {len(rows)} runs",
                 graded(e, agrees, partly, higher_is_better=False), why)


def theory_claims(df: pd.DataFrame) -> list[dict]:
    """PNAS Theorems 1-2 / App. C from a notebook-13 table."""
    out = []
    w = df[(df.experiment == "width") & df.converged.astype(bool)]
    if len(w):
        out.append(_max_error_claim(w, "Trained rank-1 networks reach the closed form of Theorems 1-2",
                                    "top eigenvalue = the closed-form limit", 1e-2, 1e-1, "within 1 % agrees"))
        sw = w[w.activation == "swish"]
        if len(sw):
            out.append(claim("An activation with elasticity above 1 (swish) gives no attractor",
                             "top eigenvalue > 1 (Theorem 2)",
                             f"swish: trained top eigenvalue {sw.trained_lambda.min():.3f} to {sw.trained_lambda.max():.3f}",
                             "agrees" if (sw.trained_lambda > 1).all() else "disagrees",
                             "every swish run has an eigenvalue above 1"))
    d = df[(df.experiment == "depth") & df.converged.astype(bool)]
    if len(d):
        out.append(_max_error_claim(d, "Deep rank-1 networks: the eigenvalue is the product of the layers' "
                                       "elasticities (App. C)", "as stated", 1e-6, 1e-3, "within 1e-6 agrees"))
    return out
