"""Properties (issue 28, item 3): learning-rate schedules equal torch's schedulers on generated loss sequences
(improvements just below and just above the plateau threshold, exact ties, rises), for each member of an ensemble
separately (members that stop early included); ``keep_best`` ends every run, lone or batched, on the minimum of its
history; a batched ensemble trains each member exactly as a lone run."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st

import attractor_utils as au
from attractor_utils.core.models import MLPAutoencoder, MLPEnsemble

THRESHOLDS = [0.0, 1e-4, 1e-2, 0.1]


@st.composite
def loss_sequences(draw, threshold: float, max_len: int = 60) -> np.ndarray:
    """Losses whose steps are improvements below the relative threshold, exactly at it, above it, ties and rises: the
    cases in which a plateau schedule that ignores its threshold, or counts a tie as progress, goes wrong. Each loss is
    the previous one times the factor, the product torch forms for ``best * (1 - threshold)``, so that a step of
    exactly ``1 - threshold`` lands on the boundary bit for bit."""
    factors = st.sampled_from([1 - threshold / 2, 1.0, 1 - threshold, 1 - threshold * 1.5, 0.5, 1.2])
    out = [draw(st.sampled_from([1.0, 3e-3, 7.5]))]
    for f in draw(st.lists(factors, min_size=1, max_size=max_len)):
        out.append(out[-1] * f)
    return np.array(out)


def torch_plateau_lrs(losses: np.ndarray, lr: float, **kw) -> np.ndarray:
    """The rate torch's ReduceLROnPlateau gives each epoch, fed the loss of every epoch after its step."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", threshold_mode="rel", **kw)
    out = []
    for v in losses:
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step(float(v))
    return np.array(out)


@st.composite
def plateau_cases(draw) -> dict:
    threshold = draw(st.sampled_from(THRESHOLDS))
    K = draw(st.integers(1, 3))
    seqs = [draw(loss_sequences(threshold)) for _ in range(K)]
    return dict(threshold=threshold, seqs=seqs, lr=draw(st.sampled_from([1e-2, 0.3])),
                lr_min=draw(st.sampled_from([0.0, 1e-4, 2e-3])), patience=draw(st.integers(0, 4)),
                factor=draw(st.sampled_from([0.1, 0.5, 0.9])),
                stops=[draw(st.integers(1, len(s))) for s in seqs])


# the bug a planted `losses < best` (the threshold ignored) would leave: an improvement of half the threshold,
# repeated for longer than the patience, is no progress for torch and no cut for it
@example(case=dict(threshold=0.1, seqs=[np.cumprod([1.0] + [0.95] * 6)], lr=0.3, lr_min=0.0, patience=1,
                   factor=0.5, stops=[7]))
@given(case=plateau_cases())
def test_plateau_equals_torch_per_member(case):
    """Each member (its own loss sequence, stopping at its own epoch: frozen afterwards) gets torch's rates."""
    seqs, stops = case["seqs"], case["stops"]
    K, E = len(seqs), max(len(s) for s in seqs)
    s = au.LRSchedule("plateau", case["lr"], E, K, lr_min=case["lr_min"], patience=case["patience"],
                      factor=case["factor"], threshold=case["threshold"])
    ours = np.zeros((K, E))
    for e in range(E):
        ours[:, e] = s.lrs(e)
        active = np.array([e < stop for stop in stops])
        s.observe([seq[e] if e < len(seq) else np.nan for seq in seqs], active)
    for k, (seq, stop) in enumerate(zip(seqs, stops)):
        ref = torch_plateau_lrs(seq[:stop], case["lr"], factor=case["factor"], patience=case["patience"],
                                threshold=case["threshold"], min_lr=case["lr_min"])
        np.testing.assert_allclose(ours[k, :stop], ref, rtol=1e-12, atol=0)


@given(T=st.integers(1, 300), lr=st.sampled_from([1e-3, 0.05, 1.0]), frac=st.sampled_from([0.0, 1e-3, 0.5, 1.0]))
def test_cosine_equals_torch(T, lr, frac):
    lr_min = lr * frac
    s = au.LRSchedule("cosine", lr, T, lr_min=lr_min)
    ours = np.array([s.lrs(e)[0] for e in range(T + 1)])
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=T, eta_min=lr_min)
    ref = []
    for _ in range(T + 1):
        ref.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-15)
    assert ours[0] == lr and ours[-1] == pytest.approx(lr_min, abs=1e-15)


@st.composite
def runs(draw, oscillating: bool = False) -> dict:
    """A small training problem and recipe: some runs converge, some stop at their budget, some diverge;
    ``oscillating``: steps large enough that the loss goes up and down, and keep_best on."""
    optimizer = draw(st.sampled_from(["gd", "gd+momentum", "rmsprop", "adam"]))
    lr = draw(st.sampled_from({"gd": [3.0, 0.5, 40.0], "gd+momentum": [0.05, 0.5, 5.0],
                               "rmsprop": [1e-3, 3e-2, 0.3], "adam": [1e-3, 3e-2, 0.3]}[optimizer]))
    if oscillating:
        lr = {"gd": 3.0, "gd+momentum": 0.5, "rmsprop": 0.3, "adam": 0.3}[optimizer]
    return dict(dim=draw(st.integers(2, 5)), width=draw(st.integers(2, 12)), depth=draw(st.integers(1, 2)),
                activation=draw(st.sampled_from(["relu", "tanh", "sigmoid"])), n=draw(st.integers(1, 4)),
                seeds=draw(st.lists(st.integers(0, 999), min_size=1 if oscillating else 2, max_size=3, unique=True)),
                shared=draw(st.booleans()),
                settings=dict(optimizer=optimizer, lr=lr, max_epochs=draw(st.integers(0, 40)),
                              loss_threshold=draw(st.sampled_from([1e-12, 1e-3, 3e-2])),
                              schedule=draw(st.sampled_from(["constant", "cosine", "plateau"])),
                              lr_min=lr * draw(st.sampled_from([0.0, 0.01])), plateau_patience=draw(st.integers(0, 3)),
                              plateau_factor=0.5, keep_best=oscillating or draw(st.sampled_from([True, True, False])),
                              progress=False))


def _loss(m: torch.nn.Module, X: torch.Tensor) -> float:
    with torch.no_grad():
        return float(((m(X) - X) ** 2).mean())


def _check_keep_best(tr, m, X) -> None:
    finite = tr.history[np.isfinite(tr.history)]
    if not tr.extra["kept_best"] or len(finite) == 0:
        return
    assert tr.final_loss == finite.min() == tr.extra["best_loss"]
    assert tr.history[tr.extra["best_epoch"]] == tr.final_loss
    assert _loss(m, X) == pytest.approx(tr.final_loss, rel=1e-9, abs=1e-300)  # the weights of that loss


# found: a lone run reported as last_lr the rate after its last step (cut by the plateau there, never used), a batched
# member the rate of its last step
LAST_LR_CASE = dict(dim=2, width=2, depth=1, activation="relu", n=1, seeds=[0, 1], shared=False,
                    settings=dict(optimizer="gd", lr=3.0, max_epochs=2, loss_threshold=1e-12, schedule="plateau",
                                  lr_min=0.0, plateau_patience=0, plateau_factor=0.5, keep_best=True, progress=False))


@example(run=LAST_LR_CASE)
@given(run=st.one_of(runs(), runs(oscillating=True)))
def test_keep_best_ends_on_the_minimum_and_batched_members_equal_lone_runs(run):
    kw = dict(dim=run["dim"], width=run["width"], depth=run["depth"], activation=run["activation"],
              dtype=torch.float64)
    data = [au.sphere_points(run["n"], run["dim"], 1.0, seed=s + 1, dtype=torch.float64) for s in run["seeds"]]
    if run["shared"]:
        data = [data[0]] * len(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # divergence is part of the cases
        lone = []
        for s, X in zip(run["seeds"], data):
            m = MLPAutoencoder(seed=s, **kw)
            lone.append((m, au.train(m, X, **run["settings"])))
        ens = MLPEnsemble.from_seeds(run["seeds"], **kw)
        res = au.train_ensemble(ens, data[0] if run["shared"] else torch.stack(data), **run["settings"])
    for k, ((m, tr), r, X) in enumerate(zip(lone, res, data)):
        _check_keep_best(tr, m, X)
        _check_keep_best(r, ens.member(k), X)
        assert (r.epochs, r.converged, r.diverged) == (tr.epochs, tr.converged, tr.diverged)
        np.testing.assert_allclose(r.history, tr.history, rtol=1e-9, atol=1e-300, equal_nan=True)
        assert r.extra["last_lr"] == pytest.approx(tr.extra["last_lr"], rel=1e-12)
        if not tr.diverged:
            for p, q in zip(ens.member(k).parameters(), m.parameters()):
                torch.testing.assert_close(p, q, rtol=1e-9, atol=1e-12)


@example(run={**LAST_LR_CASE, "seeds": [11, 0]})
@given(run=runs())
def test_train_follows_torch_plateau_schedule_on_its_own_losses(run):
    """The rate of a plateau run's last step is the one torch's scheduler gives that step when fed the run's own
    losses."""
    st_ = {**run["settings"], "schedule": "plateau", "optimizer": "adam", "lr": 0.3, "lr_min": 1e-3}
    X = au.sphere_points(run["n"], run["dim"], 1.0, seed=run["seeds"][0], dtype=torch.float64)
    m = MLPAutoencoder(run["dim"], run["width"], run["depth"], activation=run["activation"], seed=run["seeds"][0],
                       dtype=torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        tr = au.train(m, X, **st_)
    fed = tr.history[: tr.epochs]  # the loss before each step taken, observed after it
    ref = torch_plateau_lrs(fed, st_["lr"], factor=st_["plateau_factor"], patience=st_["plateau_patience"],
                            threshold=1e-4, min_lr=st_["lr_min"])
    assert tr.extra["last_lr"] == pytest.approx(ref[-1] if len(ref) else st_["lr"], rel=1e-12)  # the last step's
