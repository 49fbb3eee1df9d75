"""The committed default-preset results in figures/: schema, internal consistency and the properties that define
each figure. These are the numbers users read; a regenerated figure that breaks them fails here."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FIG = Path(__file__).resolve().parent.parent / "figures"
VERDICTS = {"agrees", "partly", "disagrees", "not reached", "not tested"}


def _csv(name: str) -> pd.DataFrame:
    p = FIG / f"{name}.csv"
    assert p.is_file(), f"{p} is not committed"
    return pd.read_csv(p)


def _index_lists(name: str):
    text = (FIG / "README.md").read_text()
    return f"{name}.png" in text or f"{name}.csv" in text


ALL = sorted(p.stem for p in FIG.glob("*.csv"))


@pytest.mark.parametrize("name", ALL)
def test_every_result_has_its_figure_and_index_entry(name):
    stem = name.split("_claims")[0].split("_step_size")[0].split("_radii")[0].split("_limit")[0]
    assert list(FIG.glob(f"{stem}*.png")) and list(FIG.glob(f"{stem}*.pdf")), stem
    assert _index_lists(name), f"{name} missing from figures/README.md"
    assert len(_csv(name)) > 0


@pytest.mark.parametrize("name", [n for n in ALL if n.endswith("_claims")])
def test_claims_tables_are_complete(name):
    """Issue 23: every row names where its source says it and the evidence behind its verdict; "not reached" rows
    name the unmet conditions, and every open row says what would decide it; no "disagrees" rests on unmet
    conditions."""
    from attractor_utils.analyses.claims import COLUMNS

    df = pd.read_csv(FIG / f"{name}.csv", keep_default_na=False)
    assert list(df.columns) == COLUMNS
    assert set(df.verdict) <= VERDICTS and set(df.kind) <= {"source", "own"}
    for col in ("claim", "source", "paper", "measured", "reason", "evidence"):
        assert (df[col].str.strip() != "").all(), (name, col)
    reached = df[df.verdict == "not reached"]
    assert (reached.unmet != "").all()
    assert (df[df.unmet != ""].verdict.isin(["not reached", "not tested"])).all()
    src = df[(df.kind == "source") & df.verdict.isin(["not reached", "not tested"])]
    assert (src.to_decide != "").all(), src.claim.tolist()


COUNT_TABLES = ["06_relu_grid", "09_width_depth_mnist", "10_generalization", "11_optimizers_and_inits",
                "07_basins_2d", "12_recovery"]


@pytest.mark.parametrize("name", COUNT_TABLES)
def test_every_count_has_its_borderline_companion(name):
    """Issue 17: every attractor count comes with the number of training points whose verdict sits at a threshold,
    between 0 and the number of points (NaN only where the count is NaN)."""
    df = _csv(name)
    assert "n_borderline" in df, name
    count = "n_recovered" if "n_recovered" in df else "n_attractors"
    assert (df.n_borderline.isna() == df[count].isna()).all()
    size = next(c for c in ("n_images", "n_train", "n_points") if c in df)
    b = df.n_borderline.dropna()
    assert ((b >= 0) & (b <= df[size][b.index])).all()
    assert (df.n_borderline_any.fillna(0) >= df.n_borderline.fillna(0)).all()  # attractor-borderline is a subset


@pytest.mark.parametrize("name", COUNT_TABLES)
def test_counts_are_consistent(name):
    df = _csv(name)
    if name == "09_width_depth_mnist":  # counts of recovered / stable / iterative training images
        for col in ("n_recovered", "n_stable", "n_true_fixed_points", "n_false_positives", "n_reached_from_noise"):
            v = df[col]
            if col in ("n_false_positives", "n_reached_from_noise"):  # defined for one task each
                assert v.notna().any()
                v = v.dropna()
            assert ((v >= 0) & (v <= df.n_images[v.index])).all(), col
        assert (df.n_recovered <= df.n_true_fixed_points).all()
        return
    if "diverged" in df:  # a diverged run has no counts (NaN); every other run has all of them
        assert df[df.diverged.astype(bool)].n_attractors.isna().all()
        df = df[~df.diverged.astype(bool)]
    assert df.n_attractors.notna().all() and (df.n_attractors >= 0).all()
    if "n_true_fixed_points" in df:
        assert (df.n_attractors <= df.n_true_fixed_points).all()
        if "n_settled" in df:
            assert (df.n_true_fixed_points <= df.n_settled).all()
    if "n_radius_below_1" in df:
        assert (df.n_attractors <= df.n_radius_below_1).all()
    if "n_false_positives" in df and "n_settled" in df:
        assert (df.n_false_positives >= 0).all()
    for col in [c for c in df.columns if c.startswith(("frac_", "share_")) or c.endswith(("_rate", "_fraction"))]:
        v = df[col].dropna()
        assert ((v >= -1e-9) & (v <= 1 + 1e-9)).all(), col


@pytest.mark.parametrize("name", ["06_relu_grid", "09_width_depth_mnist", "11_optimizers_and_inits"])
def test_converged_runs_are_below_their_threshold(name):
    df = _csv(name)
    conv = df[df.converged.astype(bool)]
    assert (conv.final_loss < conv.loss_threshold).all()
    # and a count comes with the loss it was measured at
    assert df.final_loss.notna().all()


SIGMOID = ["01_single_example", "02_linear_region", "03_beyond_linear_region", "04_basins", "05_activations",
           "10_generalization"]


@pytest.mark.parametrize("name", SIGMOID)
def test_sigmoid_runs_record_their_step_and_are_in_the_flow_limit(name):
    df = _csv(name)
    assert (df.lr > 0).all() and set(df.optimizer) <= {"flow", "gd"}
    conv = df[df.converged.astype(bool)]
    assert (conv.final_loss < 1e-7).all()
    st = _csv(f"{name}_step_size")
    halving = st[st.table == "halving_check"]
    if len(halving):
        ok = halving[halving.converged.astype(bool)]
        assert len(ok) and (ok.rel_change < 0.02).all()
    assert (st[st.table == "step_size_study"].method == "flow").any()


def test_the_figures_define_their_findings():
    # 01: the paper's claim, the Jacobian of deeper sigmoid nets moves less; ReLU without bias pinned at 1
    d = _csv("01_single_example")
    sig = d[(d.activation == "sigmoid") & (d.width == 1000)].groupby("L").abs_diff.mean()
    assert (np.diff(sig.values) < 0).all()
    assert (d[d.activation == "relu"].max_abs_eig > 1 - 1e-3).all()
    # 02: Lemma 4, about n - 1 of dim moduli near 1
    d = _csv("02_linear_region")
    assert np.allclose(d.groupby("n_points").frac_near_1.mean(), d.groupby("n_points").lemma4_fraction.first(),
                       atol=0.05)
    # 03 / 05: linear region at the smallest radius, attractors at the largest
    for name in ("03_beyond_linear_region", "05_activations"):
        d = _csv(name)
        lo, hi = d[d.radius == d.radius.min()], d[(d.radius == d.radius.max()) & d.converged.astype(bool)]
        assert (lo.max_abs_eig > 0.9).all() and len(hi) and (hi.max_abs_eig < 1).all()
    # 04: basins grow with the input radius
    d = _csv("04_basins").groupby("radius").success_rate.mean()
    assert d.iloc[-1] > d.iloc[0] + 0.5
    # 06: bias-free ReLU nets have no attractors
    d = _csv("06_relu_grid")
    assert (d[~d.bias.astype(bool)].n_attractors == 0).all()
    # 13: the trained rank-1 networks match the closed form
    d = _csv("13_theory_single_example")
    conv = d[d.converged.astype(bool)]
    assert len(conv) and (conv.rel_error.abs() < 1e-2).all()


def test_scorecard_covers_every_notebook_and_matches_the_claims_tables():
    import sys

    sys.path.insert(0, str(FIG.parent))
    from tools.lib.scorecard import write_scorecard

    stems = sorted(p.stem for p in (FIG.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    claims = {p.name[: -len("_claims.csv")] for p in FIG.glob("*_claims.csv")}
    assert set(stems) <= claims, sorted(set(stems) - claims)  # at least one claim per notebook
    card = (FIG / "SCORECARD.md").read_text()
    for s in stems:
        assert f"`{s}`" in card
    for s in claims:  # every claim of every table is on the card, under its verdict, none typed in by hand
        for r in pd.read_csv(FIG / f"{s}_claims.csv", keep_default_na=False).itertuples():
            row = next((ln for ln in card.splitlines() if ln.startswith(f"| `{s}` | {r.claim.replace('|', chr(92) + '|')} |")),
                       None)
            assert row is not None and f"**{r.verdict}**" in row, (s, r.claim)
    import tempfile
    from pathlib import Path as P
    import shutil

    with tempfile.TemporaryDirectory() as d:  # the committed scorecard is what the collector writes
        for f in [*FIG.glob("*_claims.csv"), *FIG.glob("paper/**/*_claims.csv"), *FIG.glob("paper/**/timings.json"),
                  *FIG.glob("paper/plan.json")]:
            to = P(d) / f.relative_to(FIG)
            to.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, to)
        assert write_scorecard(P(d)).read_text() == card
