"""Which training points are borderline: their attractor verdict rests on a value at a threshold."""
import torch

import attractor_utils as au
from attractor_utils import attractors as A


def test_borderline_points_are_those_at_a_threshold():
    """A linear map x -> a x on a point: its spectral radius is a, the iteration from a fixed point stays. Points
    whose radius lies within BORDERLINE_RADIUS of 1 are borderline; others are not; summaries count them."""
    class Scale(torch.nn.Module):
        def __init__(self, a):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(float(a)), requires_grad=False)

        def forward(self, x):
            return self.a * x

    X = torch.zeros(1, 3)  # the origin is a fixed point of every scaling
    for a, border in ((0.5, False), (1 - A.BORDERLINE_RADIUS / 2, True), (1 + A.BORDERLINE_RADIUS / 2, True),
                      (0.99, False)):
        df = au.classify_attractors(Scale(a), X, method="autograd", max_steps=10**5, iter_tol=1e-9)
        assert bool(df.borderline.iloc[0]) is border, a  # the origin's iteration stays home
        assert bool(df.borderline_any.iloc[0]) is border, a
        assert au.summarize_attractors(df)["n_borderline"] == int(border)


def test_a_point_whose_iteration_goes_elsewhere_is_borderline_for_no_attractor_verdict():
    """A map that sends every point to X[0] but whose Jacobian is (1 - 5e-4) I everywhere: both points have a spectral
    radius at the threshold (borderline for the radius count), but only X[0]'s iteration ends at itself, so only its
    attractor verdict can flip."""

    class ToFirst(torch.nn.Module):  # value x0 everywhere; derivative (1 - BORDERLINE_RADIUS / 2) I
        def __init__(self, x0):
            super().__init__()
            self.x0 = torch.nn.Parameter(x0, requires_grad=False)

        def forward(self, x):
            return self.x0 + (1 - A.BORDERLINE_RADIUS / 2) * (x - x.detach())

    X = torch.tensor([[0.0, 0.0], [3.0, 0.0]])
    df = au.classify_attractors(ToFirst(X[0]), X, method="autograd", max_steps=100, iter_tol=1e-9)
    # both Jacobians are (1 - 5e-4) I: radius near 1 for both, but only point 0's iteration stays home
    assert df.borderline_any.tolist() == [True, True]
    assert df.borderline.tolist() == [True, False]
