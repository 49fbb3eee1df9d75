"""attractor_utils.analyses.generalization: the table of notebook 10 (attractors and where validation points go)."""
import numpy as np
import torch

import attractor_utils as au
from attractor_utils.analyses.generalization import generalization_table

FRACTIONS = ["frac_val_settled", "frac_val_to_train", "frac_val_to_attractor", "frac_val_to_nearest_train",
             "frac_val_spurious"]


class Snap(torch.nn.Module):
    """Pulls x halfway towards the nearest row of P: every row of P is an attractor (Jacobian 0.5 I)."""

    def __init__(self, P):
        super().__init__()
        self.P = P
        self.dummy = torch.nn.Parameter(torch.zeros(1, dtype=P.dtype))

    def forward(self, x):
        return x + 0.5 * (self.P[torch.cdist(x.to(self.P.dtype), self.P).argmin(dim=1)] - x)


def config(data="sphere", width=16, seed=0, n=6):
    return au.make_config(data=data, n=n, dim=4, radius=1.0, data_seed=seed, seed=seed, width=width, bias=False,
                          parameterization="ntk", loss="half_sum", loss_threshold=1e-7, max_epochs=10,
                          optimizer="flow", activation="sigmoid")


def check_table(df, runs, n_val):
    assert list(df.columns[:11]) == ["distribution", "width", "seed", "n_train", "n_val", "radius", "optimizer", "lr",
                                     "final_loss", "epochs", "converged"]
    assert list(df.columns[-8:]) == ["train_one_step_error", "val_one_step_error", "val_nn_distance", *FRACTIONS]
    assert len(df) == len(runs) and (df.n_val == n_val).all()
    assert (df.n_attractors <= df.n_true_fixed_points).all()
    assert (df.n_true_fixed_points <= df.n_settled).all()
    assert (df.n_settled <= df.n_train).all()
    for a, b in (("frac_val_to_attractor", "frac_val_to_train"), ("frac_val_to_nearest_train", "frac_val_to_train"),
                 ("frac_val_to_train", "frac_val_settled")):
        assert (df[a] <= df[b]).all(), (a, b)
    np.testing.assert_allclose(df.frac_val_to_train + df.frac_val_spurious, df.frac_val_settled)
    assert ((df[FRACTIONS] >= 0) & (df[FRACTIONS] <= 1)).all().all() and (df.val_nn_distance > 0).all()


def test_known_attractors_and_a_spurious_point():
    runs = []
    for data in ("sphere", "orthant"):
        c = config(data)
        X, _ = au.make_data(c)
        X = X.float()
        P = torch.cat([X[:4], torch.zeros(1, 4)])  # four training points stored, plus one point that is none
        runs.append(au.Run(c, Snap(P), X, None, {"final_loss": 1e-3, "epochs": 9, "converged": False, "lr": 0.25}))
    df = generalization_table(runs, n_val=40, match_tol=1e-2)
    check_table(df, runs, 40)
    assert df.distribution.tolist() == ["sphere", "orthant"] and (df.lr == 0.25).all()
    assert (df.n_attractors == 4).all() and (df.n_true_fixed_points == 4).all()
    assert (df.n_settled == 6).all() and (df.n_false_positives == 2).all()
    np.testing.assert_allclose(df.frac_val_settled, 1.0)   # every start settles on a row of P
    # a validation point that reaches the training set reaches a stored one, an attractor
    np.testing.assert_allclose(df.frac_val_to_attractor, df.frac_val_to_train)
    assert (df.frac_val_to_train > 0).all() and df.frac_val_spurious.iloc[0] > 0  # on the sphere some go to 0
    # training points that are stored have one-step error 0; the other two move halfway to their nearest row
    X = runs[0].X
    err = torch.linalg.vector_norm(runs[0].model(X).double() - X.double(), dim=-1).mean()
    np.testing.assert_allclose(df.train_one_step_error.iloc[0], float(err), rtol=1e-6)


def test_untrained_network_agrees_with_classify_attractors():
    cs = [config(width=8), config("orthant", width=32, seed=1)]
    runs = []
    for c in cs:
        X, _ = au.make_data(c)
        runs.append(au.Run(c, au.build_model(c), X.float(), None,
                           {"final_loss": 1.0, "epochs": 10, "converged": False, "lr": 0.1}))
    df = generalization_table(runs, n_val=7)
    check_table(df, runs, 7)
    for row, run in zip(df.itertuples(), runs):
        cls = au.classify_attractors(run.model, run.X)
        assert row.n_attractors == cls.is_attractor.sum()
        assert row.n_true_fixed_points == cls.is_true_fixed_point.sum()
        np.testing.assert_allclose(row.train_one_step_error, cls.one_step_error.mean())
