"""Training: thresholds, optimizers, sequence targets, divergence, batched ensembles == lone runs."""
import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils.core.models import MLPAutoencoder, MLPEnsemble


def test_train_stops_at_threshold_and_reports_history():
    X = au.sphere_points(3, 8, 1.0, seed=0)
    m = MLPAutoencoder(8, 32, 1, activation="tanh", seed=0)
    tr = au.train(m, X, optimizer="adam", lr=1e-2, loss_threshold=1e-4, max_epochs=5000, progress=False)
    assert tr.converged and not tr.diverged
    assert len(tr.history) == tr.epochs + 1
    assert tr.history[-1] < 1e-4 <= tr.history[-2]
    assert tr.final_loss == pytest.approx(float(((m(X) - X) ** 2).mean().detach()), rel=1e-5)


@pytest.mark.parametrize("opt", au.OPTIMIZERS)
def test_every_optimizer_reduces_the_loss(opt):
    X = au.sphere_points(4, 6, 1.0, seed=1)
    m = MLPAutoencoder(6, 32, 1, activation="tanh", seed=0)
    lr = {"adam": 1e-2, "rmsprop": 1e-3}.get(opt, 0.5)
    tr = au.train(m, X, optimizer=opt, lr=lr, max_epochs=300, progress=False)
    assert tr.history[-1] < 0.5 * tr.history[0]


def test_sequence_targets():
    X = au.sphere_points(3, 6, 1.0, seed=1)
    Y = torch.roll(X, -1, 0)
    m = MLPAutoencoder(6, 64, 2, activation="tanh", seed=0)
    tr = au.train(m, X, Y, optimizer="adam", lr=3e-3, loss_threshold=1e-6, max_epochs=5000, progress=False)
    assert tr.converged
    assert torch.allclose(m(X), Y, atol=1e-2)


def test_divergence_is_detected_and_said():
    X = au.sphere_points(3, 6, 5.0, seed=1)
    m = MLPAutoencoder(6, 32, 2, activation="relu", seed=0)
    with pytest.warns(RuntimeWarning, match="diverged"):
        tr = au.train(m, X, optimizer="gd", lr=1e6, max_epochs=200, progress=False)
    assert tr.diverged and not tr.converged and np.isfinite(tr.final_loss)
    m = MLPAutoencoder(6, 32, 2, activation="relu", seed=0)
    with pytest.raises(au.TrainingDiverged):
        au.train(m, X, optimizer="gd", lr=1e6, max_epochs=200, progress=False, on_diverge="raise")


@pytest.mark.parametrize("kwargs, word", [(dict(optimizer="lbfgs"), "optimizer"), (dict(loss="l1"), "loss"),
                                          (dict(lr=-1.0), "lr"), (dict(max_epochs=-2), "max_epochs")])
def test_bad_training_arguments(kwargs, word):
    m = MLPAutoencoder(4, 3, 1)
    with pytest.raises(ValueError, match=word):
        au.train(m, torch.zeros(2, 4), progress=False, **kwargs)


def test_wrong_data_shape():
    m = MLPAutoencoder(4, 3, 1)
    with pytest.raises(ValueError, match=r"X has shape"):
        au.train(m, torch.zeros(2, 5), progress=False)
    with pytest.raises(ValueError, match=r"Y has shape"):
        au.train(m, torch.zeros(2, 4), torch.zeros(3, 4), progress=False)


@pytest.mark.parametrize("opt,lr", [("adam", 1e-2), ("gd+momentum+wd", 0.2), ("rmsprop", 1e-3)])
@pytest.mark.parametrize("shared_data", [True, False])
@pytest.mark.parametrize("check_every", [1, 10])
def test_batched_ensemble_equals_lone_runs(opt, lr, shared_data, check_every):
    """Each member ends exactly where training it alone ends: own optimizer state, own stopping (with the fused
    loss step, and with the losses read back every epoch or every 10)."""
    seeds = [0, 1, 2, 3]
    kw = dict(dim=10, width=24, depth=2, activation="tanh", bias=True)
    data = [au.sphere_points(5, 10, 1.0, seed=0 if shared_data else s) for s in seeds]
    tkw = dict(optimizer=opt, lr=lr, loss_threshold=2e-3, max_epochs=400, progress=False)
    lone = []
    for s, X in zip(seeds, data):
        m = MLPAutoencoder(seed=s, **kw)
        lone.append((m, au.train(m, X, **tkw)))
    ens = MLPEnsemble.from_seeds(seeds, **kw)
    Xb = data[0] if shared_data else torch.stack(data)
    res = au.train_ensemble(ens, Xb, check_every=check_every, **tkw)
    stops = [r.epochs for r in res]
    for k, ((m, tr), r) in enumerate(zip(lone, res)):
        assert r.epochs == tr.epochs and r.converged == tr.converged
        np.testing.assert_allclose(r.history, tr.history, rtol=1e-4, atol=1e-7)
        for p, q in zip(ens.member(k).parameters(), m.parameters()):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
    if opt == "adam":
        # the point of the test: members stop at different epochs and then stay put
        assert len(set(stops)) > 1 and any(r.converged for r in res)


def test_ensemble_divergence_is_per_member():
    seeds = [0, 1]
    ens = MLPEnsemble.from_seeds(seeds, dim=6, width=8, depth=1, activation="relu")
    X = torch.stack([au.sphere_points(3, 6, 1.0, seed=0), au.sphere_points(3, 6, 1e4, seed=0)])
    with pytest.warns(RuntimeWarning, match="diverged"):
        res = au.train_ensemble(ens, X, optimizer="gd", lr=0.5, max_epochs=100, progress=False)
    assert not res[0].diverged and res[1].diverged
    assert torch.isfinite(ens.member(0).weights[0]).all()


def test_ensemble_honours_on_diverge_and_agrees_with_lone_runs_on_divergence():
    X = au.sphere_points(3, 6, 5.0, seed=1)
    ens = MLPEnsemble.from_seeds([0, 1], dim=6, width=32, depth=2, activation="relu")
    with pytest.raises(au.TrainingDiverged, match="members"):
        au.train(ens, X, optimizer="gd", lr=1e6, max_epochs=200, progress=False, on_diverge="raise")
    ens = MLPEnsemble.from_seeds([0, 1], dim=6, width=32, depth=2, activation="relu")
    with pytest.warns(RuntimeWarning, match="diverged"):
        trs = au.train(ens, X, optimizer="gd", lr=1e6, max_epochs=200, progress=False)
    for k, s in enumerate([0, 1]):
        m = MLPAutoencoder(6, 32, 2, activation="relu", seed=s)
        with pytest.warns(RuntimeWarning, match="diverged"):
            tr = au.train(m, X, optimizer="gd", lr=1e6, max_epochs=200, progress=False)
        assert (trs[k].diverged, trs[k].converged, trs[k].epochs) == (tr.diverged, tr.converged, tr.epochs)
    with pytest.raises(ValueError, match="on_diverge"):
        au.train(ens, X, optimizer="gd", lr=1.0, progress=False, on_diverge="ignore")


@pytest.mark.parametrize("max_epochs", [0, 1, 7])
def test_ensemble_and_lone_runs_agree_at_the_epoch_budget(max_epochs):
    """A member whose loss first falls under the threshold exactly at the last allowed epoch converged, in both."""
    X = au.sphere_points(2, 5, 1.0, seed=0)
    lone = []
    for s in (0, 1):
        m = MLPAutoencoder(5, 16, 1, activation="tanh", seed=s)
        lone.append(au.train(m, X, optimizer="gd", lr=0.5, max_epochs=50, loss_threshold=1e-12, progress=False))
    # the threshold is crossed by member 0 exactly at epoch max_epochs
    thr = float(lone[0].history[max_epochs]) * (1 + 1e-6)
    ens = MLPEnsemble.from_seeds([0, 1], dim=5, width=16, depth=1, activation="tanh")
    trs = au.train(ens, X, optimizer="gd", lr=0.5, max_epochs=max_epochs, loss_threshold=thr, progress=False)
    for s in (0, 1):
        m = MLPAutoencoder(5, 16, 1, activation="tanh", seed=s)
        tr = au.train(m, X, optimizer="gd", lr=0.5, max_epochs=max_epochs, loss_threshold=thr, progress=False)
        assert (trs[s].converged, trs[s].epochs) == (tr.converged, tr.epochs), (s, trs[s], tr)
        np.testing.assert_allclose(trs[s].history, tr.history, rtol=1e-5)
    assert trs[0].converged and trs[0].epochs <= max_epochs


def test_progress_bar_ends_full_when_a_run_converges_early(monkeypatch):
    """A bar closed below its total reads as interrupted; a converged run ends it full (every bar goes through
    core.progress.progress_hook, read at every call)."""
    from attractor_utils.core import progress

    closed = []

    class Bar:
        def __init__(self, total, **kw):
            self.total, self.n = total, 0

        def update(self, k):
            self.n += k

        def set_postfix(self, **kw):
            pass

        def refresh(self):
            pass

        def close(self):
            closed.append((self.n, self.total))

    monkeypatch.setattr(progress, "progress_hook", lambda total, desc: Bar(total))
    X = au.sphere_points(2, 4, 1.0, seed=0)
    tr = au.train(MLPAutoencoder(4, 16, 1, activation="tanh", seed=0), X, optimizer="adam", lr=1e-2,
                  loss_threshold=1e-3, max_epochs=5000, progress=True)
    assert tr.converged and tr.epochs < 5000 and closed[-1][0] == closed[-1][1]
    tr = au.train(MLPAutoencoder(4, 16, 1, activation="tanh", seed=0), X, optimizer="gd", lr=1e-4,
                  loss_threshold=1e-12, max_epochs=60, progress=True)
    assert not tr.converged and closed[-1] == (60, 60)
    ens = MLPEnsemble.from_seeds([0, 1], dim=4, width=16, depth=1, activation="tanh")
    au.train(ens, X, optimizer="flow", loss_threshold=1e-3, max_epochs=3000, progress=True)
    assert closed[-1][0] == closed[-1][1]


@pytest.mark.parametrize("opt,lr,schedule,shared", [("adam", 1e-2, "constant", True), ("adam", 1e-2, "cosine", False),
                                                    ("gd", 0.3, "constant", True),
                                                    ("gd+momentum+wd", 0.2, "constant", False)])
@pytest.mark.parametrize("check_every", [3, 25, 1000])
def test_deferred_loss_read_back_is_exact(opt, lr, schedule, shared, check_every):
    """Reading the losses every `check_every` epochs (block replayed from its start when a member stopped inside
    it) gives bit-identical histories, stop epochs and weights to reading them every epoch."""
    seeds = [0, 1, 2, 3]
    kw = dict(dim=10, width=24, depth=2, activation="tanh")
    data = [au.sphere_points(5, 10, 1.0, seed=0 if shared else s) for s in seeds]
    X = data[0] if shared else torch.stack(data)
    tkw = dict(optimizer=opt, lr=lr, schedule=schedule, loss_threshold=2e-3, max_epochs=300, progress=False)
    ref_ens = MLPEnsemble.from_seeds(seeds, **kw)
    ref = au.train_ensemble(ref_ens, X, check_every=1, **tkw)
    ens = MLPEnsemble.from_seeds(seeds, **kw)
    res = au.train_ensemble(ens, X, check_every=check_every, **tkw)
    assert [r.epochs for r in res] == [r.epochs for r in ref]
    assert [r.converged for r in res] == [r.converged for r in ref]
    for r, q in zip(res, ref):
        np.testing.assert_array_equal(r.history, q.history)
    for p, q in zip(ens.parameters(), ref_ens.parameters()):
        assert torch.equal(p, q)
    stopped_early = [r.epochs for r in ref if r.converged and r.epochs < 300]
    if stopped_early and check_every < 300:
        assert res[0].extra["replays"] >= 1  # the replay path was taken


def test_deferred_read_back_with_a_diverging_member():
    X = torch.stack([au.sphere_points(3, 6, 1.0, seed=0), au.sphere_points(3, 6, 1e4, seed=0)])
    out = []
    for ce in (1, 16):
        ens = MLPEnsemble.from_seeds([0, 1], dim=6, width=8, depth=1, activation="relu")
        with pytest.warns(RuntimeWarning, match="diverged"):
            res = au.train_ensemble(ens, X, optimizer="gd", lr=0.5, max_epochs=100, progress=False, check_every=ce)
        out.append((res, [p.detach().clone() for p in ens.parameters()]))
    (a, pa), (b, pb) = out
    assert [(r.epochs, r.diverged) for r in a] == [(r.epochs, r.diverged) for r in b]
    np.testing.assert_array_equal(a[0].history, b[0].history)
    assert all(torch.equal(p, q) for p, q in zip(pa, pb))


def test_check_every_is_validated_and_needs_no_host_values():
    ens = MLPEnsemble.from_seeds([0, 1], dim=5, width=8, depth=1, activation="tanh")
    X = au.sphere_points(3, 5, 1.0, seed=0)
    with pytest.raises(ValueError, match="check_every"):
        au.train_ensemble(ens, X, max_epochs=5, progress=False, check_every=0)
    # a schedule that needs every epoch's loss on the host reads every epoch, whatever check_every says
    res = au.train_ensemble(ens, X, max_epochs=5, progress=False, check_every=10, schedule="plateau")
    assert res[0].extra["check_every"] == 1
    res = au.train_ensemble(ens, X, max_epochs=5, progress=False, check_every=10)
    assert res[0].extra["check_every"] == 10


def test_train_ensemble_takes_trains_settings_with_its_defaults():
    """train_ensemble's settings are train's keywords: same defaults, unknown names refused by name."""
    import inspect

    from attractor_utils.core.training import train_settings

    defaults = {n: p.default for n, p in inspect.signature(au.train).parameters.items()
                if p.kind is p.KEYWORD_ONLY and n != "callback"}
    assert train_settings({}) == defaults and train_settings({"lr": 0.5})["lr"] == 0.5
    ens = MLPEnsemble.from_seeds([0], dim=5, width=8, depth=1, activation="tanh")
    with pytest.raises(TypeError, match=r"\['lr_typo'\]; accepted: \['optimizer', 'lr'"):
        au.train_ensemble(ens, au.sphere_points(3, 5, 1.0, seed=0), lr_typo=1e-3)


def test_settings_come_back_checked_and_in_canonical_types():
    """core.optim.check_train_settings (through training.train_settings): numpy and 0-d torch scalars as Python
    numbers and bools; a bad value is refused by name."""
    from attractor_utils.core.training import train_settings

    o = train_settings({"lr": np.float32(0.5), "max_epochs": np.int64(7), "keep_best": np.bool_(True),
                        "plateau_factor": torch.tensor(0.25)})
    assert type(o["lr"]) is float and type(o["max_epochs"]) is int and o["keep_best"] is True
    assert type(o["plateau_factor"]) is float and o["plateau_factor"] == 0.25
    for bad, word in [({"lr": -1.0}, "lr"), ({"lr_min": 1.0, "lr": 0.1}, "lr_min"), ({"schedule": "step"}, "schedule"),
                      ({"optimizer": "sgd"}, "optimizer"), ({"check_every": 0}, "check_every")]:
        with pytest.raises(ValueError, match=word):
            train_settings(bad)
