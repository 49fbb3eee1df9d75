"""Property tests of the claims' verdict rules (issue 28, item 5; issue 23): on generated result tables, a claim
judged on runs that did not reach their loss threshold is never "disagrees", every row names its source and
evidence, and a judged verdict with unmet conditions is always "not reached"."""
import numpy as np
import pandas as pd
from hypothesis import given, strategies as st

from attractor_utils.analyses import claims
from attractor_utils.data import published

counts = st.integers(0, 100)


def _no_disagreement(rows):
    src = [r for r in rows if r["kind"] == "source"]
    assert all(r["verdict"] != "disagrees" for r in src), [(r["claim"], r["verdict"]) for r in src]
    for r in rows:
        assert r["source"].strip() and r["evidence"].strip()
        if r["verdict"] == "not reached":
            assert r["unmet"]


@given(verdict=st.sampled_from(claims.JUDGED), unmet=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3))
def test_a_judged_verdict_with_unmet_conditions_is_not_reached(verdict, unmet):
    r = claims.claim("c", "p", "m", verdict, "why", source="s", evidence="e", unmet=unmet)
    assert r["verdict"] == "not reached" and r["raw_verdict"] == verdict and all(u in r["unmet"] for u in unmet)


@given(n=st.lists(counts, min_size=9, max_size=9), rho=st.lists(st.floats(0.1, 2.0), min_size=9, max_size=9),
       seq=st.lists(counts, min_size=9, max_size=9))
def test_width_depth_claims_never_disagree_on_unconverged_nets(n, rho, seq):
    rows = []
    for k, (w, d) in enumerate([(w, d) for w in (64, 256, 512) for d in (1, 2, 4)]):
        rows.append(dict(task="autoencode", cycle_len=1, width=w, depth=d, seed=0, n_images=100, n_recovered=n[k],
                         final_loss=1e-5, converged=False, median_spectral_radius=rho[k]))
        rows.append(dict(task="sequence", cycle_len=10, width=w, depth=d, seed=0, n_images=100, n_recovered=seq[k],
                         final_loss=1e-5, converged=False, median_spectral_radius=0.5))
    _no_disagreement(claims.width_depth_claims(pd.DataFrame(rows)))


@given(att=st.lists(counts, min_size=8, max_size=8), fp=st.lists(counts, min_size=8, max_size=8),
       losses=st.lists(st.floats(1e-6, 1e-1), min_size=8, max_size=8), epochs=st.integers(1, 49_999))
def test_relu_grid_claims_never_disagree_on_runs_short_of_the_thesis_training(att, fp, losses, epochs):
    rows = []
    k = 0
    for ds in ("patches", "uniform_images"):
        for d in (1, 6):
            for w in (32, 128):
                rows.append(dict(dataset=ds, data_source=ds, depth=d, width=w, bias=True, seed=0, n_images=100,
                                 n_attractors=att[k], n_false_positives=min(fp[k], 100),
                                 n_settled=100, final_loss=losses[k], epochs=epochs, converged=False,
                                 median_homogeneity_residual=0.1))
                k += 1
    rows.append(dict(dataset="patches", data_source="patches", depth=1, width=32, bias=False, seed=0, n_images=100,
                     n_attractors=0, n_false_positives=0, n_settled=0, final_loss=1e-2, epochs=epochs,
                     converged=False, median_homogeneity_residual=0.0))
    _no_disagreement(claims.relu_grid_claims(pd.DataFrame(rows)))


@given(stored=counts, gap=st.floats(0, 1), spurious=st.integers(0, 5))
def test_recovery_claims_never_disagree_on_an_unconverged_store(stored, gap, spurious):
    meta = pd.DataFrame([dict(data_source="MNIST", n_attractors=min(stored, 30), n_images=30, final_loss=1e-5,
                              converged=False, width=512, depth=4, activation="relu")])
    curve = pd.DataFrame([dict(data_source="MNIST", kind=k, level=l, recovery_iteration=max(0.0, 1 - l - gap),
                               recovery_1nn=1 - l) for k in ("gaussian", "mask") for l in (0.0, 0.5)])
    sp = pd.DataFrame([dict(n_spurious_attractors=spurious, n_starts_settled=10, n_starts=30)])
    _no_disagreement(claims.recovery_claims(curve, meta, sp))


@given(shift=st.floats(-0.5, 0.5), lo=st.floats(0.5, 1.5))
def test_beyond_linear_claims_never_disagree_on_unconverged_runs(shift, lo):
    pub = published.jp_beyond_linear_r50()
    rows = [dict(n_points=int(r.n_points), width=int(r.width), radius=rad, seed=s, converged=False,
                 mean_point_max_abs_eig=(lo if rad == 5.0 else r.value + shift), max_abs_eig=lo)
            for r in pub.itertuples() for rad in (5.0, 50.0) for s in (0, 1)]
    _no_disagreement(claims.beyond_linear_claims(pd.DataFrame(rows), pub, published.jp_crossing_radii()))


@given(frac=st.floats(0, 1), n=st.integers(2, 10))
def test_basin_and_sequence_claims_never_disagree_on_unconverged_networks(frac, n):
    df = pd.DataFrame([dict(seed=s, n_points=n, width=64, depth=2, n_attractors=int(frac * n), final_loss=1e-4,
                            converged=False, disagree_share=frac, n_spurious_attractors=1) for s in range(3)])
    _no_disagreement(claims.basin_maps_claims(df))
    seq = pd.DataFrame([dict(part="mnist", seed=0, cycle_name=c, converged=False, cycle_spectral_radius=1 + frac,
                             orbit_ok=False, share_starts_to_cycle=0.0) for c in ("0->9", "9->0")])
    _no_disagreement(claims.sequences_claims(seq))


@given(diffs=st.lists(st.floats(0, 0.2), min_size=11, max_size=11))
def test_single_example_claims_never_disagree_on_unconverged_runs(diffs):
    pub = published.jp_single_example()
    rows = [dict(activation="sigmoid", width=1000, L=r.L, radius=r.radius, seed=s, converged=False,
                 abs_diff=d, max_abs_eig=1.5) for (r, d) in zip(pub.itertuples(), diffs) for s in (0, 1)]
    _no_disagreement(claims.single_example_claims(pd.DataFrame(rows), published=pub))


@given(frac=st.floats(0, 1))
def test_generalization_claims_never_disagree_off_the_talks_distribution_or_threshold(frac):
    rows = [dict(distribution=d, width=w, seed=s, n_train=100, radius=15.0, final_loss=0.5, converged=False,
                 n_attractors=int(frac * 100)) for d in ("sphere", "orthant") for w in (50, 1000) for s in (0, 1)]
    _no_disagreement(claims.generalization_claims(pd.DataFrame(rows)))
    np.testing.assert_equal(len(rows), 8)
