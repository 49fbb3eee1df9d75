"""attractor_utils.analyses.relu_grid: grid configurations and the per-run analysis row."""
import numpy as np
import torch

import attractor_utils as au
from attractor_utils import relu_grid


def test_grid_configs_product_and_shared_images():
    cs = relu_grid.grid_configs(["uniform_images", "patches"], [1, 2], [8, 16], [True, False], [0, 1], n=10,
                                lr=1e-3, max_epochs=5)
    assert len(cs) == 2 * 2 * 2 * 2 * 2
    assert {c["data_seed"] for c in cs} == {0}
    assert {c["activation"] for c in cs} == {"relu"}
    assert all(c["dim"] == 3072 for c in cs)


def test_analyse_run_counts_consistent(tmp_path):
    cache = au.Cache(tmp_path)
    cs = relu_grid.grid_configs(["uniform_images"], [1], [16], [True, False], [0], n=5, lr=1e-3, max_epochs=20)
    runs = au.train_runs(cs, cache=cache, progress=False)
    for run in runs:
        row, df = relu_grid.analyse_run(run, max_steps=50)
        assert len(df) == 5
        assert row["n_attractors"] <= row["n_true_fixed_points"] <= row["n_settled"]
        assert row["n_false_positives"] + row["n_true_fixed_points"] == row["n_settled"]
        assert row["data_source"] == "uniform random images"
        if not row["bias"]:
            assert row["median_homogeneity_residual"] < 1e-6  # float32 weights evaluated in float64
        else:
            assert row["median_homogeneity_residual"] > 1e-4
        assert np.all(df["eig_dist_to_1"] >= 0)
