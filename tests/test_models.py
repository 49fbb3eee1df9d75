"""Models: activations, initialisation, parameterisations, ensembles, input validation."""
import math

import pytest
import torch

import attractor_utils as au
from attractor_utils.core.models import ACTIVATIONS, MLPAutoencoder, MLPEnsemble


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_autograd(name):
    act = au.get_activation(name)
    z = torch.linspace(-3, 3, 101, dtype=torch.float64)
    z = z[z.abs() > 1e-3]  # avoid the kink of relu-type functions
    auto = au.Activation("x", act.fn).derivative(z)
    torch.testing.assert_close(act.derivative(z), auto, rtol=1e-10, atol=1e-12)


def test_cosid_and_custom_activation():
    z = torch.tensor([0.0, 1.0])
    torch.testing.assert_close(au.get_activation("cosid")(z), torch.cos(z) - z)
    m = MLPAutoencoder(4, 5, 2, activation=lambda t: torch.sin(t), seed=0)
    assert m(torch.zeros(3, 4)).shape == (3, 4)


def test_depth_counts_hidden_layers_and_shapes():
    m = MLPAutoencoder(7, 5, depth=3, bias=False)
    assert [tuple(W.shape) for W in m.weights] == [(5, 7), (5, 5), (5, 5), (7, 5)]
    assert m.biases is None


def test_ntk_parameterization_scales_and_standard_normal_weights():
    m = MLPAutoencoder(32, 4000, 1, activation="linear", bias=False, parameterization="ntk", seed=1)
    W = m.weights[0].detach()
    assert abs(W.std().item() - 1) < 0.02
    x = torch.randn(5, 32)
    expected = (x @ m.weights[0].T / math.sqrt(32)) @ m.weights[1].T / math.sqrt(4000)
    torch.testing.assert_close(m(x), expected, rtol=1e-5, atol=1e-5)


def test_same_seed_same_weights_and_inits():
    a, b = MLPAutoencoder(6, 8, 2, seed=3), MLPAutoencoder(6, 8, 2, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = MLPAutoencoder(6, 8, 2, seed=4)
    assert not torch.equal(a.weights[0], c.weights[0])
    u = MLPAutoencoder(50, 50, 1, init="uniform:0.05", seed=0)
    assert u.weights[0].abs().max() <= 0.05
    k = MLPAutoencoder(500, 400, 1, init="kaiming_normal", seed=0)
    assert abs(k.weights[0].std().item() - math.sqrt(2 / 500)) < 0.005


@pytest.mark.parametrize("kwargs, word", [
    (dict(activation="softplusx"), "activation"),
    (dict(width=0), "width"),
    (dict(depth=0), "depth"),
    (dict(parameterization="mup"), "parameterization"),
    (dict(init="orthogonal"), "init"),
])
def test_bad_arguments_name_the_parameter(kwargs, word):
    args = dict(dim=4, width=3, depth=1) | kwargs
    with pytest.raises(ValueError, match=word) as e:
        MLPAutoencoder(**args)
    assert "accepted" in str(e.value) or "must be" in str(e.value)


def test_wrong_input_shape_is_refused():
    m = MLPAutoencoder(4, 3, 1)
    with pytest.raises(ValueError, match=r"expected \(n, 4\)"):
        m(torch.zeros(2, 5))


def test_ensemble_members_compute_what_the_models_compute():
    models = [MLPAutoencoder(6, 5, 2, activation="tanh", seed=s) for s in range(3)]
    ens = MLPEnsemble(models)
    x = torch.randn(4, 6)
    out = ens(x)
    assert out.shape == (3, 4, 6)
    for k, m in enumerate(models):
        torch.testing.assert_close(out[k], m(x), rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(ens.member(k)(x), m(x))
    xs = torch.randn(3, 4, 6)
    for k, m in enumerate(models):
        torch.testing.assert_close(ens(xs)[k], m(xs[k]), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="configuration"):
        MLPEnsemble([MLPAutoencoder(6, 5, 2), MLPAutoencoder(6, 4, 2)])


@pytest.mark.parametrize("dim,width,depth", [(1, 1, 1), (3, 4, 2), (10, 7, 3), (784, 64, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_n_params_counts_the_parameters_of_the_model(dim, width, depth, bias):
    """models.n_params: the one formula for a network's size (the batching and the cost model count bias=False)."""
    from attractor_utils.core.models import n_params

    m = MLPAutoencoder(dim, width, depth, bias=bias, seed=0)
    assert n_params(dim, width, depth, bias) == sum(p.numel() for p in m.parameters())
    ens = MLPEnsemble.from_seeds([0, 1, 2], dim=dim, width=width, depth=depth, bias=bias)
    assert 3 * n_params(dim, width, depth, bias) == sum(p.numel() for p in ens.parameters())
    assert n_params(dim, width, depth, bias=False) == dim * width * 2 + (depth - 1) * width ** 2
