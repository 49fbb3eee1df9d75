"""Claim tables: verdicts follow their stated rules on constructed results (each rule seen to flip)."""
import pandas as pd
import pytest

from attractor_utils import claims


def _grid(attr_bias, fp, it, attr_nobias=(0, 0), losses=None):
    depths = [1, 2, 3, 6][: len(attr_bias)]
    losses = losses or [1e-4] * len(depths)
    rows = [dict(dataset="patches", data_source="STAND-IN", depth=d, width=128, bias=True, n_images=100,
                 n_attractors=a, n_false_positives=f, n_iterative_fixed_points=i, final_loss=l,
                 median_homogeneity_residual=0.5)
            for d, a, f, i, l in zip(depths, attr_bias, fp, it, losses)]
    rows += [dict(dataset="patches", data_source="STAND-IN", depth=d, width=128, bias=False, n_images=100,
                  n_attractors=a, n_false_positives=0, n_iterative_fixed_points=0, final_loss=1e-3,
                  median_homogeneity_residual=0.0) for d, a in zip(depths, attr_nobias)]
    return pd.DataFrame(rows)


def _verdicts(rows):
    return {r["claim"]: r["verdict"] for r in rows}


def test_relu_grid_claims_follow_their_rules():
    good = _verdicts(claims.relu_grid_claims(_grid([0, 2, 10, 30], [41, 18, 5, 1], [50, 50, 26, 40],
                                                   losses=[1e-5, 2e-5, 3e-5, 4e-5])))
    assert good["Without bias no attractors appear"] == "agrees"
    assert good["Sufficient depth is needed for attractors (with bias)"] == "agrees"
    assert good["Many iterative fixed points are false positives at depths 1, 2, 3"] == "agrees"  # 82/36/19 %
    # lower loss with fewer attractors exists (depth 1: 1e-5, 0 attractors; depth 2: 2e-5, 2)
    assert good["A good loss does not imply many attractors"] == "agrees"
    assert good["With bias, CIFAR-10 is more sensitive to depth and random images to width"] == "not tested"
    bad = _verdicts(claims.relu_grid_claims(_grid([9, 5, 3, 1], [10, 20, 30, 1], [50, 50, 50, 40],
                                                  attr_nobias=(1, 0), losses=[1e-6, 1e-5, 1e-4, 1e-3])))
    assert bad["Without bias no attractors appear"] == "disagrees"
    assert bad["Sufficient depth is needed for attractors (with bias)"] == "disagrees"
    assert bad["Many iterative fixed points are false positives at depths 1, 2, 3"] == "disagrees"
    assert bad["A good loss does not imply many attractors"] == "disagrees"  # a lower loss always has more
    partly = _verdicts(claims.relu_grid_claims(_grid([0, 3, 1, 8], [10, 8, 2, 1], [20, 20, 20, 10])))
    assert partly["Sufficient depth is needed for attractors (with bias)"] == "partly"
    assert partly["Many iterative fixed points are false positives at depths 1, 2, 3"] == "partly"  # 50/40/10 %


def test_width_depth_claims():
    def df(n_big, rho_big):
        rows = []
        for w in (64, 512):
            for d in (1, 4):
                big = (w, d) == (512, 4)
                rows.append(dict(task="autoencode", cycle_len=1, width=w, depth=d, n_images=100,
                                 n_recovered=n_big if big else (0 if w == 64 else 10 * d),
                                 final_loss=1e-8, converged=True,
                                 median_spectral_radius=rho_big if big else 1.2))
                rows.append(dict(task="sequence", cycle_len=10, width=w, depth=d, n_images=100,
                                 n_recovered=100 if w == 512 else 0, final_loss=1e-8, converged=True,
                                 median_spectral_radius=0.5))
                rows.append(dict(task="sequence", cycle_len=100, width=w, depth=d, n_images=100,
                                 n_recovered=100 if (w, d) == (512, 1) else 0, final_loss=1e-8, converged=True,
                                 median_spectral_radius=0.5))
        return pd.DataFrame(rows)

    v = _verdicts(claims.width_depth_claims(df(95, 0.8)))
    assert v["The largest autoencoder stores almost all training digits as attractors"] == "agrees"
    assert v["More width and depth give more attractors"] == "agrees"
    assert v["Sequence encoding needs much smaller networks than autoencoding"] == "agrees"
    assert v["One cycle through all 100 digits is stored with one hidden layer"] == "agrees"
    assert v["With depth the top Jacobian eigenvalue at the digits moves towards 0 (App. Fig. 12)"] == "agrees"
    v = _verdicts(claims.width_depth_claims(df(30, 1.3)))
    assert v["The largest autoencoder stores almost all training digits as attractors"] == "disagrees"
    assert v["With depth the top Jacobian eigenvalue at the digits moves towards 0 (App. Fig. 12)"] == "disagrees"
    assert v["More width and depth give more attractors"] == "agrees"
    d = df(95, 0.8)
    d.loc[(d.task == "autoencode") & (d.width == 64) & (d.depth == 4), "n_recovered"] = 99  # not monotone in width
    assert _verdicts(claims.width_depth_claims(d))["More width and depth give more attractors"] == "partly"
    d.loc[d.task == "autoencode", "n_recovered"] = 0  # nothing stored anywhere: flat counts do not "grow"
    assert _verdicts(claims.width_depth_claims(d))["More width and depth give more attractors"] == "disagrees"


def test_optimizer_claims():
    base = dict(table="optimizer", init="default", n_images=30, final_loss=1e-6, diverged=False,
                median_spectral_radius=1.1)
    rows = [dict(base, optimizer="adam", activation=a, converged=True, n_attractors=n)
            for a, n in (("relu", 3), ("selu", 5))]
    v = _verdicts(claims.optimizer_claims(pd.DataFrame(rows)))
    assert v["Attractors arise in every setting that trains to a low loss"] == "agrees"
    assert v["Every nonlinearity can store images as attractors"] == "agrees"
    rows.append(dict(base, optimizer="gd", activation="swish", converged=True, n_attractors=0))
    rows.append(dict(base, optimizer="gd", activation="relu", converged=False, n_attractors=0))
    v = _verdicts(claims.optimizer_claims(pd.DataFrame(rows)))
    assert v["Attractors arise in every setting that trains to a low loss"] == "partly"  # 2 of 3 converged
    assert v["Every nonlinearity can store images as attractors"] == "partly"  # swish stores none
    rows[2]["n_attractors"] = 4
    rows.append(dict(base, optimizer="adam", activation="sigmoid", converged=False, n_attractors=0))
    (c,) = [r for r in claims.optimizer_claims(pd.DataFrame(rows)) if r["claim"].startswith("Every nonlinearity")]
    assert c["verdict"] == "partly" and "no run converged with sigmoid" in c["reason"]


def test_recovery_claims():
    meta = pd.DataFrame([dict(data_source="MNIST", n_attractors=29, n_images=30, final_loss=1e-8, converged=True)])
    levels = [0.0, 0.3, 0.8]
    curve = pd.DataFrame([dict(data_source="MNIST", kind=k, level=l, recovery_iteration=1 - l, recovery_1nn=1 - l / 2)
                          for k in ("gaussian", "mask") for l in levels])
    sp = pd.DataFrame([dict(n_spurious_attractors=0, n_settled=20, n_starts=30)])
    v = _verdicts(claims.recovery_claims(curve, meta, sp))
    assert v["Stored images are attractors (MNIST)"] == "agrees"
    # mean gap (0 + 0.15 + 0.4) / 3 = 0.18: partly
    assert v["Recovery falls with corruption and resembles 1-NN (MNIST)"] == "partly"
    assert v["No spurious attractors from test images, uniform or Gaussian noise"] == "agrees"
    sp.loc[0, "n_spurious_attractors"] = 2
    meta.loc[0, "n_attractors"] = 10
    v = _verdicts(claims.recovery_claims(curve.assign(recovery_iteration=0.3), meta, sp))
    assert v["Stored images are attractors (MNIST)"] == "disagrees"
    assert v["Recovery falls with corruption and resembles 1-NN (MNIST)"] == "disagrees"  # flat: does not fall
    assert v["No spurious attractors from test images, uniform or Gaussian noise"] == "disagrees"


def test_bad_verdict_is_refused():
    with pytest.raises(ValueError, match="verdict"):
        claims.claim("c", "p", "m", "maybe", "r")
    assert claims.graded(0.95, 0.9, 0.5) == "agrees" and claims.graded(0.6, 0.9, 0.5) == "partly"
    assert claims.graded(0.1, 0.9, 0.5) == "disagrees" and claims.graded(float("nan"), 0.9, 0.5) == "not tested"
    assert claims.graded(0.1, 0.2, 0.5, higher_is_better=False) == "agrees"
