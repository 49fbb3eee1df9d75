"""Learning-rate schedules and keep-best training: torch's schedulers as the reference, lone == batched."""
import math

import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils.core.models import MLPAutoencoder, MLPEnsemble


def _torch_lrs(make_sched, losses, lr):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_sched(opt)
    out = []
    for v in losses:
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step(v) if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau) else sched.step()
    return np.array(out)


def test_cosine_matches_torch():
    T, lr, lr_min = 37, 1e-3, 1e-6
    s = au.LRSchedule("cosine", lr, T, lr_min=lr_min)
    ours = np.array([s.lrs(e)[0] for e in range(T + 1)])
    ref = _torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T, eta_min=lr_min), [0] * (T + 1), lr)
    np.testing.assert_allclose(ours, ref, rtol=1e-9)
    assert ours[0] == lr and ours[-1] == pytest.approx(lr_min)


def test_plateau_matches_torch_per_member():
    rng = np.random.default_rng(0)
    # three members: steady descent (no cut), noisy plateau (cuts), plateau down to lr_min
    n = 400
    seqs = np.stack([np.geomspace(1, 1e-6, n), 1e-3 * (1 + 0.5 * rng.random(n)), np.full(n, 0.1)])
    s = au.LRSchedule("plateau", 1e-2, n, K=3, lr_min=1e-5, patience=7, factor=0.3)
    ours = []
    for e in range(n):
        ours.append(s.lrs(e))
        s.observe(seqs[:, e])
    ours = np.array(ours).T
    for k in range(3):
        ref = _torch_lrs(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
            o, mode="min", factor=0.3, patience=7, threshold=1e-4, min_lr=1e-5), seqs[k], 1e-2)
        np.testing.assert_allclose(ours[k], ref, rtol=1e-12)
    assert ours[0, -1] == 1e-2 and ours[1, -1] < 1e-2 and ours[2, -1] == pytest.approx(1e-5)


@pytest.mark.parametrize("schedule", ["cosine", "plateau"])
def test_train_applies_the_schedule_like_torch(schedule):
    """train(schedule=...) == a hand-written loop with torch's optimizer and scheduler (GD with momentum)."""
    X = au.sphere_points(4, 6, 1.0, seed=3, dtype=torch.float64)
    kw = dict(dim=6, width=16, depth=2, activation="tanh", seed=0, dtype=torch.float64)
    E = 60
    m = MLPAutoencoder(**kw)
    au.train(m, X, optimizer="gd+momentum", lr=0.3, loss_threshold=0.0 + 1e-300, max_epochs=E, schedule=schedule,
             lr_min=1e-3, plateau_patience=3, plateau_factor=0.5, progress=False)
    ref = MLPAutoencoder(**kw)
    opt = torch.optim.SGD(ref.parameters(), lr=0.3, momentum=0.9)
    sch = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=E, eta_min=1e-3) if schedule == "cosine" else
           torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3, min_lr=1e-3))
    for _ in range(E):
        opt.zero_grad()
        L = ((ref(X) - X) ** 2).mean()
        L.backward()
        opt.step()
        sch.step(float(L.detach())) if schedule == "plateau" else sch.step()
    for p, q in zip(m.parameters(), ref.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-12)
    if schedule == "plateau":
        assert opt.param_groups[0]["lr"] < 0.3  # the test exercised at least one cut


def test_keep_best_ends_on_the_lowest_loss_and_reproduces_it():
    """Adam at a large constant step oscillates; keep_best restores the weights of the lowest loss seen."""
    X = au.sphere_points(5, 8, 1.0, seed=0)
    m = MLPAutoencoder(8, 64, 2, activation="relu", seed=0)
    tr = au.train(m, X, optimizer="adam", lr=3e-2, loss_threshold=1e-30, max_epochs=400, keep_best=True,
                  progress=False)
    assert not tr.converged
    assert tr.final_loss == np.min(tr.history)
    assert tr.extra["last_loss"] > 2 * tr.final_loss  # the run did end on a spike: the test has teeth
    with torch.no_grad():
        assert float(((m(X) - X) ** 2).mean()) == pytest.approx(tr.final_loss, rel=1e-6)
    assert tr.history[tr.extra["best_epoch"]] == tr.final_loss


def test_without_keep_best_the_last_weights_stay():
    X = au.sphere_points(5, 8, 1.0, seed=0)
    m = MLPAutoencoder(8, 64, 2, activation="relu", seed=0)
    tr = au.train(m, X, optimizer="adam", lr=3e-2, loss_threshold=1e-30, max_epochs=400, progress=False)
    with torch.no_grad():
        last = float(((m(X) - X) ** 2).mean())
    assert tr.final_loss == tr.history[-1] and last != pytest.approx(np.min(tr.history), rel=1e-3)


@pytest.mark.parametrize("schedule", ["cosine", "plateau"])
def test_batched_members_with_schedules_equal_lone_runs(schedule):
    seeds = [0, 1, 2]
    kw = dict(dim=8, width=32, depth=2, activation="relu", bias=True, dtype=torch.float64)
    data = [au.sphere_points(5, 8, 1.0, seed=s, dtype=torch.float64) for s in seeds]
    tkw = dict(optimizer="adam", lr=2e-2, loss_threshold=1e-5, max_epochs=300, schedule=schedule, lr_min=1e-5,
               plateau_patience=4, plateau_factor=0.5, keep_best=True, progress=False)
    lone = []
    for s, X in zip(seeds, data):
        m = MLPAutoencoder(seed=s, **kw)
        lone.append((m, au.train(m, X, **tkw)))
    ens = MLPEnsemble.from_seeds(seeds, **kw)
    res = au.train_ensemble(ens, torch.stack(data), **tkw)
    for k, ((m, tr), r) in enumerate(zip(lone, res)):
        assert (r.epochs, r.converged, r.extra["best_epoch"]) == (tr.epochs, tr.converged, tr.extra["best_epoch"])
        np.testing.assert_allclose(r.history, tr.history, rtol=1e-9, atol=1e-14)
        assert r.final_loss == pytest.approx(tr.final_loss, rel=1e-9)
        assert r.extra["last_lr"] == pytest.approx(tr.extra["last_lr"], rel=1e-12)
        for p, q in zip(ens.member(k).parameters(), m.parameters()):
            torch.testing.assert_close(p, q, rtol=1e-9, atol=1e-12)
    if schedule == "plateau":  # members ran on different rates at some point
        assert len({r.extra["last_lr"] for r in res}) > 1


def test_threshold_first_reached_at_the_last_allowed_epoch():
    """Lone and batched runs agree at the budget boundary (also max_epochs=0)."""
    X = au.sphere_points(3, 6, 1.0, seed=1)
    kw = dict(dim=6, width=16, depth=1, activation="tanh")
    probe = au.train(MLPAutoencoder(seed=0, **kw), X, lr=1e-2, loss_threshold=0.0 + 1e-30, max_epochs=50,
                     progress=False)
    thr = float(probe.history[49] + probe.history[50]) / 2  # first crossed at epoch 50 (decreasing history)
    assert (probe.history[:50] > thr).all()
    for budget in (50, 0):
        t = thr if budget == 50 else float(probe.history[0]) * 1.01
        lone = au.train(MLPAutoencoder(seed=0, **kw), X, lr=1e-2, loss_threshold=t, max_epochs=budget,
                        progress=False)
        (ens,) = au.train_ensemble(MLPEnsemble.from_seeds([0], **kw), X, lr=1e-2, loss_threshold=t,
                                   max_epochs=budget, progress=False)
        assert lone.converged and ens.converged and lone.epochs == ens.epochs == budget


@pytest.mark.parametrize("kwargs, word", [(dict(schedule="step"), "schedule"), (dict(lr_min=1.0), "lr_min"),
                                          (dict(plateau_factor=1.5), "plateau_factor"),
                                          (dict(plateau_patience=-1), "plateau_patience"),
                                          (dict(keep_best="yes"), "keep_best")])
def test_bad_schedule_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        au.train(MLPAutoencoder(4, 3, 1), torch.zeros(2, 4), lr=1e-3, progress=False, **kwargs)
    with pytest.raises(ValueError, match=word):
        au.make_config(dim=4, lr=1e-3, **kwargs)


def test_config_carries_the_schedule_into_training():
    c = au.make_config(data="sphere", n=3, dim=6, width=16, depth=1, activation="tanh", lr=1e-2, max_epochs=40,
                       schedule="cosine", lr_min=1e-4, keep_best=True, loss_threshold=1e-12)
    assert c["schedule"] == "cosine" and c["keep_best"] is True
    assert au.config_key(c) != au.config_key({**c, "schedule": "constant"})
    assert not math.isnan(c["lr_min"])


def test_sweep_trains_a_repeated_configuration_once(tmp_path):
    c = dict(data="sphere", n=3, dim=5, width=8, depth=1, activation="tanh", lr=1e-2, max_epochs=5)
    calls = []

    def fn(batch, cache, device=None, progress=False):
        calls.append(len(batch))
        return au.train_batch(batch, cache, device=device, progress=progress)

    df = au.sweep([c, dict(c), {**c, "seed": 1}], fn=fn, cache=au.Cache(tmp_path), progress=False)
    assert sum(calls) == 2 and len(df) == 3
