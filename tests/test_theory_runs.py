"""attractor_utils.runs.theory_runs: training the rank-1 setting of the PNAS theorems."""
import pytest
import torch

import attractor_utils as au
from attractor_utils.runs.theory_runs import train_rank1


def test_train_rank1_matches_theorem():
    x = au.sphere_points(1, 6, 1.0, seed=0, dtype=torch.float64)[0]
    r = train_rank1("tanh", x, 16, 1, lr=0.05 / 16)
    assert r["converged"] and r["max_invariant_residual"] < 1e-12
    assert r["trained_lambda"] == pytest.approx(r["theory_lambda"], rel=1e-3)
    d = train_rank1("tanh", x, 8, 2, c0=1 / 8, lr=0.05 / 8)
    assert d["trained_lambda"] == pytest.approx(d["elasticity_product"], rel=1e-8)
    assert "theory_lambda" not in d and len(d["c"]) == 1
