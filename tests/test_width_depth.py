"""attractor_utils.analyses.width_depth: the run and spectral-radius tables of notebook 09."""
import numpy as np
import torch

import attractor_utils as au
from attractor_utils.analyses.width_depth import width_depth_tables
from attractor_utils.data import cycle_next_index

COLUMNS = ["task", "cycle_len", "width", "depth", "seed", "n_images", "activation", "lr", "schedule", "loss_threshold",
           "final_loss", "last_loss", "epochs", "converged", "n_recovered", "n_stable", "n_true_fixed_points",
           "n_false_positives", "median_spectral_radius", "n_reached_from_noise", "n_borderline", "n_borderline_any"]
RESULT = {"final_loss": 1e-9, "last_loss": 1e-9, "epochs": 7, "converged": True}


class Cycles(torch.nn.Module):
    """Maps the stored point P[i] to P[nxt[i]] and contracts towards it by ``rate``: with nxt = identity, every
    stored point is an attractor (Jacobian ``rate * I``); with the cycle order, every cycle is stable."""

    def __init__(self, P, nxt, rate=0.5):
        super().__init__()
        self.P, self.nxt, self.rate = P, torch.as_tensor(nxt), rate
        self.dummy = torch.nn.Parameter(torch.zeros(1, dtype=P.dtype))

    def forward(self, x):
        i = torch.cdist(x.to(self.P.dtype), self.P).argmin(dim=1)
        return self.P[self.nxt[i]] + self.rate * (x - self.P[i])


def config(task="autoencode", cycle_len=None, width=16, seed=0):
    return au.make_config(data="sphere", n=6, dim=5, radius=1.0, data_seed=seed, seed=seed, width=width,
                          activation="relu", optimizer="adam", lr=1e-3, loss_threshold=1e-8, max_epochs=10,
                          task=task, cycle_len=cycle_len, dtype="float64")


def known_run(c):
    X, Y = au.make_data(c)
    nxt = np.arange(len(X)) if Y is None else cycle_next_index(len(X), c["cycle_len"])
    return au.Run(c, Cycles(X, nxt), X, Y, dict(RESULT))


def test_known_attractors_and_cycles_are_all_recovered():
    runs = [known_run(config()), known_run(config("sequence", 3)), known_run(config("sequence", 6, width=32))]
    df, rad = width_depth_tables(runs, n_noise=5)
    assert list(df.columns) == COLUMNS and len(df) == 3
    assert df.cycle_len.tolist() == [1, 3, 6] and df.task.tolist() == ["autoencode", "sequence", "sequence"]
    assert (df.n_recovered == 6).all() and (df.n_stable == 6).all() and (df.n_true_fixed_points == 6).all()
    assert (df.n_borderline == 0).all() and (df.n_borderline_any == 0).all()
    # autoencoder: the radius of J = 0.5 I; sequences: of the product of L such Jacobians
    np.testing.assert_allclose(df.median_spectral_radius, [0.5, 0.5 ** 3, 0.5 ** 6], atol=1e-9)
    assert df.n_false_positives.iloc[0] == 0 and df.n_false_positives.iloc[1:].isna().all()
    assert np.isnan(df.n_reached_from_noise.iloc[0]) and (df.n_reached_from_noise.iloc[1:] <= 6).all()
    # noise falls into some cycle, and a reached cycle is reached whole
    assert (df.n_reached_from_noise.iloc[1:] > 0).all() and df.n_reached_from_noise.iloc[1] % 3 == 0
    assert list(rad.columns) == ["width", "depth", "seed", "index", "spectral_radius"]
    assert rad["index"].tolist() == list(range(6))  # autoencoder runs only, one row per training point
    np.testing.assert_allclose(rad.spectral_radius, 0.5, atol=1e-9)


def test_untrained_network_agrees_with_classify_attractors():
    runs = []
    for c in (config(width=8), config(width=64, seed=1), config("sequence", 2, width=8)):
        X, Y = au.make_data(c)
        runs.append(au.Run(c, au.build_model(c), X, Y, dict(RESULT)))
    df, rad = width_depth_tables(runs, match_tol=0.5, n_noise=3)
    assert len(df) == 3 and len(rad) == 2 * 6
    assert (df.n_recovered <= df.n_stable).all() and (df.n_stable <= df.n_images).all()
    assert (df.n_recovered <= df.n_true_fixed_points).all() and (df.n_true_fixed_points <= df.n_images).all()
    for k, run in enumerate(runs[:2]):
        cls = au.classify_attractors(run.model, run.X, match_tol=0.5)
        row = df.iloc[k]
        assert row.n_recovered == cls.is_attractor.sum() and row.n_true_fixed_points == cls.is_true_fixed_point.sum()
        assert row.n_stable == (cls.spectral_radius < 1).sum()
        assert row.n_false_positives == cls.false_positive.sum()
        np.testing.assert_array_equal(rad[rad.seed == k].spectral_radius, np.sort(cls.spectral_radius))
    seq = df.iloc[2]
    assert seq.n_recovered % 2 == 0 and seq.n_stable % 2 == 0 and seq.n_true_fixed_points % 2 == 0
