"""attractor_utils.cycles, explicit and theory_runs."""
import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils import cycles, explicit
from attractor_utils.caching import Cache
from attractor_utils.theory_runs import train_rank1


def test_cycle_layout():
    np.testing.assert_array_equal(cycles.cycle_next_index(6, 3), [1, 2, 0, 4, 5, 3])
    np.testing.assert_array_equal(cycles.cycle_ids(6, 3), [0, 0, 0, 1, 1, 1])
    X = torch.arange(12.0).reshape(6, 2)
    np.testing.assert_array_equal(cycles.cycle_targets(X, 3)[2].numpy(), X[0].numpy())
    with pytest.raises(ValueError, match="cycle_len"):
        cycles.cycle_next_index(5, 3)


def test_element_radii_and_noise_recovery_with_a_rotation():
    # f rotates the 4 corners of a square cyclically and contracts towards them (linear map + fixed centre 0)
    th = np.pi / 2
    R = torch.tensor([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])

    def f(x):  # halfway to the nearest corner, then rotate by 90 degrees: J = R / 2 everywhere
        c = X.to(x.dtype)[torch.cdist(x, X.to(x.dtype)).argmin(1)]
        return (c + 0.5 * (x - c)) @ R.to(x.dtype).T

    rad = cycles.element_cycle_radii(f, X, 4)
    assert rad.shape == (4,) and np.allclose(rad, 0.5 ** 4, atol=1e-12)
    starts = torch.tensor([[2.0, 0.1], [0.3, -0.4]])
    rec, tail = cycles.noise_cycle_recovery(f, X, 4, starts, burn_in=60, match_tol=1e-3)
    assert tail.shape == (4, 2, 2)
    assert rec.in_order.all() and (rec.cycle == 0).all()


def test_train_on_caches_and_batches(tmp_path):
    X = torch.tensor([[0.5, -0.2], [-0.3, 0.4]])
    Y = cycles.cycle_targets(X, 2)
    cache = Cache(tmp_path)
    kw = dict(width=32, depth=1, activation="tanh", lr=1e-2, loss_threshold=1e-4, max_epochs=3000)
    runs = explicit.train_on(X, Y, seeds=[0, 1], cache=cache, progress=False, **kw)
    assert len(runs) == 2 and all(r.ok for r in runs)
    assert len(cache.entries()) == 2
    out = runs[0].model(X)
    assert ((out - Y) ** 2).mean() < 1e-4
    again = explicit.train_on(X, Y, seeds=[0], cache=cache, progress=False, **kw)
    assert torch.equal(again[0].model(X), out)
    assert explicit.explicit_config(X, Y, **kw) != explicit.explicit_config(X, None, **kw)
    with pytest.raises(ValueError, match="unknown settings"):
        explicit.explicit_config(X, widht=3)


def test_train_rank1_matches_theorem():
    x = au.sphere_points(1, 6, 1.0, seed=0, dtype=torch.float64)[0]
    r = train_rank1("tanh", x, 16, 1, lr=0.05 / 16)
    assert r["converged"] and r["max_invariant_residual"] < 1e-12
    assert r["trained_lambda"] == pytest.approx(r["theory_lambda"], rel=1e-3)
    d = train_rank1("tanh", x, 8, 2, c0=1 / 8, lr=0.05 / 8)
    assert d["trained_lambda"] == pytest.approx(d["elasticity_product"], rel=1e-8)
    assert "theory_lambda" not in d and len(d["c"]) == 1
