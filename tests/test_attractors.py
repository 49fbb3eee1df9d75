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
        assert bool(df.borderline.iloc[0]) is border, a
        assert au.summarize_attractors(df)["n_borderline"] == int(border)
