"""attractor_utils.runs.given_data: cached, batched training on data given as arrays."""
import pytest
import torch

from attractor_utils import given_data
from attractor_utils.data import cycle_targets
from attractor_utils.runs.caching import Cache


def test_train_on_caches_and_batches(tmp_path):
    X = torch.tensor([[0.5, -0.2], [-0.3, 0.4]])
    Y = cycle_targets(X, 2)
    cache = Cache(tmp_path)
    kw = dict(width=32, depth=1, activation="tanh", lr=1e-2, loss_threshold=1e-4, max_epochs=3000)
    runs = given_data.train_on(X, Y, seeds=[0, 1], cache=cache, progress=False, **kw)
    assert len(runs) == 2 and all(r.ok for r in runs)
    assert len(cache.entries()) == 2
    out = runs[0].model(X)
    assert ((out - Y) ** 2).mean() < 1e-4
    again = given_data.train_on(X, Y, seeds=[0], cache=cache, progress=False, **kw)
    assert torch.equal(again[0].model(X), out)
    assert given_data.explicit_config(X, Y, **kw) != given_data.explicit_config(X, None, **kw)
    with pytest.raises(ValueError, match="unknown settings"):
        given_data.explicit_config(X, widht=3)
