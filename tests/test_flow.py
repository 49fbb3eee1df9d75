"""optimizer="flow": the gradient-flow integrator against closed forms, small-step gradient descent and
itself at a smaller tolerance; batched members equal lone runs; bad settings are refused by name."""
import numpy as np
import pytest
import torch
from torch import nn

import attractor_utils as au
from attractor_utils.analyses import stepsize
from attractor_utils.core.flow import FLOW_FIELDS, FLOW_TOL
from attractor_utils.core.models import MLPEnsemble
from attractor_utils.data.registry import make_data
from attractor_utils.runs.config import build_model, train_kwargs


def _sigmoid_config(n, r, width=200, **kw):
    base = dict(data="sphere", n=n, dim=32, radius=float(r), data_seed=0, seed=0, width=width, depth=1,
                activation="sigmoid", bias=False, parameterization="ntk", loss="half_sum", loss_threshold=1e-7,
                max_epochs=4000)
    return au.make_config(**{**base, **kw})


def _top_eig(c):
    m = build_model(c)
    X, _ = make_data(c)
    tr = au.train(m, X, progress=False, **train_kwargs(c))
    assert tr.converged, (c, tr)
    return float(au.spectral_radius(m, X).max()), tr


def test_linear_flow_matches_the_matrix_exponential():
    # f(x) = W x, L = (1/2n) sum ||W x_i - x_i||^2: dW/dt = -(W - I) C with C = X^T X / n, so
    # W(t) = I + (W0 - I) expm(-t C). The run reports the flow time it reached; compare there.
    torch.manual_seed(0)
    d, n = 5, 3
    X = torch.randn(n, d, dtype=torch.float64)
    lin = nn.Linear(d, d, bias=False).double()
    W0 = lin.weight.detach().clone()
    tr = au.train(lin, X, optimizer="flow", loss="half_sum", loss_threshold=1e-6, max_epochs=5000, progress=False)
    assert tr.converged
    T = tr.extra["flow_time"]
    C = X.T @ X / n
    # the model computes x W^T, so the flow acts on W^T from the right: W(t) = I + (W0 - I) expm(-t C)
    W = torch.eye(d, dtype=torch.float64) + (W0 - torch.eye(d, dtype=torch.float64)) @ torch.linalg.matrix_exp(-T * C)
    assert torch.allclose(lin.weight.detach(), W, atol=2e-3 * float((W0 - torch.eye(d)).norm()))
    # and the reported time is the time the closed-form loss needs to fall below the threshold (to one step)
    assert tr.extra["max_step"] > 0 and tr.extra["grad_evals"] <= 5000


@pytest.mark.parametrize("n,r", [(1, 10), (1, 30), (5, 50)])
def test_flow_is_the_small_step_limit_of_gradient_descent(n, r):
    """The top |eigenvalue| the flow reaches equals gradient descent's at a small step (lr 1/128, where halving it
    moves the value by < 1 %),
    and quartering the flow's tolerance (half the step) moves it by < 1 %, at every radius checked; gradient
    descent at lr 5 (beyond the stability bound 2 / lambda at r = 30) does not reach that limit."""
    flow, tr = _top_eig(_sigmoid_config(n, r, optimizer="flow"))
    fine, tr_fine = _top_eig(_sigmoid_config(n, r, optimizer="flow", flow_tol=FLOW_TOL / 8))
    assert tr_fine.extra["lr"] < 0.75 * tr.extra["lr"]  # the finer run really took smaller steps
    assert abs(fine - flow) < 0.01 * fine
    if n == 1:  # (five points at r = 50 need > 40,000 small gradient-descent steps: the flow check only)
        gd, _ = _top_eig(_sigmoid_config(n, r, optimizer="gd", lr=1 / 128, max_epochs=20000))
        assert abs(gd - flow) < 0.01 * gd
    if r == 30:
        big, _ = _top_eig(_sigmoid_config(n, r, optimizer="gd", lr=5.0))
        assert abs(big - flow) > 0.1 * flow


def test_flow_members_train_as_if_alone():
    c = [_sigmoid_config(3, 20, width=100, optimizer="flow", seed=s) for s in (0, 1, 2)]
    X, _ = make_data(c[0])
    ens = MLPEnsemble([build_model(ci) for ci in c])
    trs = au.train(ens, X, progress=False, **train_kwargs(c[0]))
    for k, ci in enumerate(c):
        m = build_model(ci)
        tr = au.train(m, X, progress=False, **train_kwargs(ci))
        assert trs[k].converged == tr.converged and trs[k].epochs == tr.epochs
        assert trs[k].extra["grad_evals"] == tr.extra["grad_evals"]
        np.testing.assert_allclose(trs[k].history, tr.history, rtol=1e-3, atol=1e-6 * tr.history[0])
        for W, Wk in zip(m.weights, ens.weights):
            torch.testing.assert_close(W.detach(), Wk[k].detach(), rtol=1e-4, atol=1e-5)


def test_flow_respects_the_gradient_budget():
    c = _sigmoid_config(20, 5, width=100, optimizer="flow", max_epochs=40)
    X, _ = make_data(c)
    m = build_model(c)
    tr = au.train(m, X, progress=False, **train_kwargs(c))
    assert not tr.converged and tr.extra["grad_evals"] <= 40
    assert len(tr.history) == tr.epochs + 1 and np.all(np.diff(tr.history) < 0)  # the flow descends


def test_flow_results_are_cached_with_their_steps(tmp_path):
    c = _sigmoid_config(1, 10, width=50, optimizer="flow")
    (run,) = au.train_runs([c], cache=au.Cache(tmp_path), progress=False)
    for k in FLOW_FIELDS:
        assert k in run.result
    assert run.config["lr"] is None and run.result["lr"] > 0
    assert run.result["flow_tol"] == FLOW_TOL


@pytest.mark.parametrize("kw,name", [
    (dict(optimizer="flow", lr=1.0), "lr"),
    (dict(optimizer="gd", lr=1.0, flow_tol=1e-2), "flow_tol"),
    (dict(optimizer="flow", flow_tol=2.0), "flow_tol"),
    (dict(optimizer="flow", flow_tol=float("nan")), "flow_tol"),
    (dict(optimizer="flow", schedule="cosine"), "schedule"),
])
def test_bad_flow_settings_are_refused_by_name(kw, name):
    with pytest.raises(ValueError, match=name):
        _sigmoid_config(1, 1, **kw)


def test_flow_refuses_what_it_cannot_honour():
    X = au.sphere_points(1, 4, 1.0, seed=0)
    m = au.MLPAutoencoder(4, 8, 1, activation="sigmoid", seed=0)
    with pytest.raises(ValueError, match="keep_best"):
        au.train(m, X, optimizer="flow", keep_best=True, progress=False)
    with pytest.raises(ValueError, match="not a torch optimizer"):
        au.make_optimizer(m.parameters(), "flow")


def test_step_size_study_and_halving_check(tmp_path):
    cache = au.Cache(tmp_path)
    c = _sigmoid_config(1, 30, width=200, optimizer="flow")
    measure = lambda run: float(au.spectral_radius(run.model, run.X).max())  # noqa: E731
    st = stepsize.step_size_study(c, measure, gd_lrs=[5.0, 1 / 128], flow_tols=[1e-2], cache=cache, progress=False)
    assert list(st.method) == ["flow", "gd", "gd"] and st.converged.all()
    flow = st[st.method == "flow"].value.iloc[0]
    by_lr = st[st.method == "gd"].set_index("lr").value
    # small-step gradient descent reaches the flow's value; the catapult step lr 5 does not
    assert abs(by_lr[1 / 128] - flow) < 0.01 * flow and abs(by_lr[5.0] - flow) > 0.1 * flow
    h = stepsize.halving_check([c, _sigmoid_config(1, 10, width=200, optimizer="flow")], measure, cache=cache,
                                  progress=False)
    assert len(h) == 2 and h.converged.all() and (h.rel_change < 0.01).all() and (h.lr_fine < h.lr).all()
    with pytest.raises(ValueError, match="optimizer='flow'"):
        stepsize.halving_check([_sigmoid_config(1, 10, optimizer="gd", lr=1.0)], measure, cache=cache)


def test_the_flow_rules_are_checked_once_for_train_and_train_ensemble():
    """core.optim.check_train_settings holds the flow's rules (no schedule, no keep_best); a callback is refused."""
    from attractor_utils.core.optim import check_train_settings
    from attractor_utils.core.training import train_settings

    with pytest.raises(ValueError, match="schedule='constant' and keep_best=False"):
        check_train_settings(train_settings({"optimizer": "flow", "lr": None})
                             | {"schedule": "cosine"})
    with pytest.raises(ValueError, match="keep_best"):
        train_settings({"optimizer": "flow", "keep_best": True})
    assert train_settings({"optimizer": "flow", "lr": None})["lr"] is None
    X = au.sphere_points(1, 4, 1.0, seed=0)
    ens = MLPEnsemble.from_seeds([0, 1], dim=4, width=8, depth=1, activation="sigmoid")
    with pytest.raises(ValueError, match="schedule"):
        au.train_ensemble(ens, X, optimizer="flow", schedule="plateau", progress=False)
    with pytest.raises(ValueError, match="no callback"):
        au.train(au.MLPAutoencoder(4, 8, 1, activation="sigmoid", seed=0), X, optimizer="flow",
                 callback=lambda *a: None, progress=False)
