"""Configurations, presets, cached and batched training runs, local sweeps."""
import pytest
import torch

import attractor_utils as au
from attractor_utils.runs.caching import Cache
from attractor_utils.data.registry import make_data
from attractor_utils.runs.config import group_key


def test_make_config_validates_and_names_the_key():
    c = au.make_config(data="sphere", dim=8, n=3, width=4)
    assert c["dim"] == 8 and c["task"] == "autoencode"
    assert au.make_config(data="mnist", n=2)["dim"] == 784
    with pytest.raises(ValueError, match="widht"):
        au.make_config(widht=3)
    with pytest.raises(ValueError, match="data="):
        au.make_config(data="imagenet")
    with pytest.raises(ValueError, match="optimizer="):
        au.make_config(dim=3, optimizer="sgd")
    with pytest.raises(ValueError, match="cycle_len"):
        au.make_config(dim=3, n=5, task="sequence", cycle_len=2)


def test_resolve_preset():
    t = {"smoke": {"a": 1}, "default": {"a": 2}, "paper": {"a": 3}}
    assert au.resolve_preset("default", t) == {"a": 2}
    assert au.resolve_preset("paper", t, a=None) == {"a": 3}
    assert au.resolve_preset("smoke", t, a=9) == {"a": 9}
    with pytest.raises(ValueError, match="preset='full'.*smoke"):
        au.resolve_preset("full", t)


def test_sequence_targets_cycle_within_cycles():
    X, Y = make_data(au.make_config(data="sphere", dim=3, n=6, task="sequence", cycle_len=3))
    torch.testing.assert_close(Y, X[[1, 2, 0, 4, 5, 3]])


def test_train_runs_caches_and_batches(tmp_path):
    cache = Cache(tmp_path)
    cfgs = [au.make_config(data="sphere", dim=6, n=3, radius=1.0, width=16, depth=1, activation="tanh", lr=1e-2,
                           loss_threshold=1e-5, max_epochs=300, seed=s) for s in range(3)]
    assert len({group_key(c) for c in cfgs}) == 1
    runs = au.train_runs(cfgs, cache=cache, progress=False)
    assert [r.result["batch_size"] for r in runs] == [3, 3, 3]
    # same as training alone
    alone = au.build_model(cfgs[1])
    X, _ = make_data(cfgs[1])
    tr = au.train(alone, X, optimizer="adam", lr=1e-2, loss_threshold=1e-5, max_epochs=300, progress=False)
    assert runs[1].result["epochs"] == tr.epochs
    for p, q in zip(runs[1].model.parameters(), alone.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
    # a second call trains nothing: it loads
    mtime = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("model.pt")}
    again = au.train_runs(cfgs, cache=cache, progress=False)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("model.pt")} == mtime
    for a, b in zip(runs, again):
        assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters()))


def test_sweep_returns_one_row_per_config(tmp_path):
    cfgs = [dict(data="sphere", dim=4, n=2, width=w, max_epochs=20, seed=s) for w in (3, 5) for s in (0, 1)]
    df = au.sweep(cfgs, cache=Cache(tmp_path), progress=False)
    assert len(df) == 4 and set(df["width"]) == {3, 5} and (df["epochs"] <= 20).all()
    with pytest.raises(ValueError, match="backend"):
        au.sweep(cfgs, cache=Cache(tmp_path), backend="mpi")
