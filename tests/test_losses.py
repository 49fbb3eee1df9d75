"""The fused residual loss against autograd's expression: same values and gradients, bit for bit."""
import pytest
import torch

from attractor_utils.core.losses import LOSSES, fused_loss, loss_fn


@pytest.mark.parametrize("kind", LOSSES)
@pytest.mark.parametrize("out_shape,y_shape", [((7, 5), (7, 5)), ((3, 7, 5), (7, 5)), ((3, 7, 5), (3, 7, 5)),
                                               ((16, 100, 3072), (100, 3072))])
def test_fused_loss_equals_autograd_bit_for_bit(kind, out_shape, y_shape):
    g = torch.Generator().manual_seed(0)
    out = torch.randn(*out_shape, generator=g) * 3
    y = torch.randn(*y_shape, generator=g)
    a, b = out.clone().requires_grad_(), out.clone().requires_grad_()
    La, Lb = loss_fn(kind)(a, y), fused_loss(b, y, kind)
    assert torch.equal(La, Lb)
    La.sum().backward()
    Lb.sum().backward()
    assert torch.equal(a.grad, b.grad)
    if len(out_shape) == 3:  # the ensemble's step: only the active members' losses are summed
        a.grad = b.grad = None
        idx = torch.tensor([0, 2])
        loss_fn(kind)(a, y).index_select(0, idx).sum().backward()
        fused_loss(b, y, kind).index_select(0, idx).sum().backward()
        assert torch.equal(a.grad, b.grad)
        assert not b.grad[1].any()


def test_fused_loss_gradient_is_the_closed_form():
    """d/d out of mean((out - y)^2) is 2 (out - y) / N; of (1/2n) sum ||out - y||^2 it is (out - y) / n."""
    out = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    y = torch.randn(4, 6, dtype=torch.float64)
    fused_loss(out, y, "mse").backward()
    torch.testing.assert_close(out.grad, 2 * (out - y).detach() / 24)
    out.grad = None
    fused_loss(out, y, "half_sum").backward()
    torch.testing.assert_close(out.grad, (out - y).detach() / 4)


def test_fused_loss_refuses_a_second_backward_and_unknown_kinds():
    out = torch.randn(3, 4, requires_grad=True)
    L = fused_loss(out, torch.zeros(3, 4))
    L.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="runs once"):
        L.backward()
    with pytest.raises(ValueError, match=r"loss='l1'.*mse"):
        fused_loss(out, out, "l1")
