"""The analyses one or a few figures use: recovery from noise of a given norm (noise_basins), 2-D basin
maps, sequence cycles, recovery of corrupted images and its tables (recovery), the width x depth grid
(width_depth), attractors vs generalisation (generalization), the ReLU grid and its homogeneity check, the
step-size study, and the claims tables the scorecard collects. Builds on :mod:`attractor_utils.core` and :mod:`attractor_utils.runs`."""
